"""The recognised air picture out to the displays analysts use: CZML (Cesium), KML (Google
Earth), GeoJSON (any GIS) and Cursor-on-Target (TAK), from a run's result.

>>> parse_formats("czml,kml")
('czml', 'kml')

Python::

    from iamd.scenario.loader import load_scenario
    from iamd.interop.export import TrackRecorder, export_files, write_exports
    from iamd.sim.engine import run

    recorder = TrackRecorder()                       # keeps the picture at every step
    result = run(load_scenario("balkans"), seed=1, on_step=recorder)
    files = export_files(result, ("czml", "geojson"), recorder)   # {name: bytes}
    write_exports(result, "out", ("czml", "kml", "geojson", "cot"), recorder)

Without a recorder the exports hold everything but the tracks. ``docs/export.md`` describes
each file, its fields, colours and symbol codes.
"""

from __future__ import annotations

import shutil
import tempfile
from collections.abc import Sequence
from pathlib import Path

from iamd.errors import InputError
from iamd.interop.export.scene import Scene, TrackFrame, TrackRecorder, build_scene, track_frame
from iamd.sim.engine import RunResult

FORMATS = ("czml", "kml", "geojson", "cot")
"""The export formats, in the order they are written."""
FILE_NAMES = {
    "czml": "picture.czml",
    "kml": "picture.kml",
    "geojson": "picture.geojson",
    "cot": "picture.cot.xml",
}
"""The file each format writes, beside the run's other outputs."""
DEFAULT_SAMPLE_S = 10.0
"""Spacing of the samples of trajectories and tracks in the files (s)."""

__all__ = [
    "DEFAULT_SAMPLE_S",
    "FILE_NAMES",
    "FORMATS",
    "Scene",
    "TrackFrame",
    "TrackRecorder",
    "build_scene",
    "export_files",
    "parse_formats",
    "track_frame",
    "write_exports",
]


def parse_formats(text: str, flag: str = "--export") -> tuple[str, ...]:
    """``czml,kml,geojson,cot`` (any of them, comma-separated, or ``all``) -> the formats in
    writing order; an ``InputError`` naming the flag, the value and what is allowed."""
    names = [w.strip().lower() for w in text.split(",")]
    if names == ["all"]:
        return FORMATS
    bad = [w for w in names if w not in FORMATS]
    if bad or not names:
        raise InputError(
            f"{flag}: {text!r} is not a comma-separated list of export formats; "
            f"allowed: {', '.join(FORMATS)} (or all)"
        )
    return tuple(f for f in FORMATS if f in names)


def export_files(
    result: RunResult,
    formats: Sequence[str] = FORMATS,
    recorder: TrackRecorder | None = None,
    *,
    sample_s: float = DEFAULT_SAMPLE_S,
) -> dict[str, bytes]:
    """The export files of a run, ``{file name: bytes}`` (:data:`FILE_NAMES`); tracks come
    from ``recorder`` (the engine's ``on_step`` hook during the run)."""
    if not formats:
        return {}
    formats = parse_formats(",".join(formats))
    if not sample_s > 0:
        raise InputError(f"sample_s must be > 0 (got {sample_s})")
    frames = recorder.frames if recorder is not None else []
    scene = build_scene(result, frames, sample_s=sample_s)
    out: dict[str, bytes] = {}
    for fmt in formats:
        if fmt == "czml":
            from iamd.interop.export.czml import scene_to_czml

            out[FILE_NAMES[fmt]] = scene_to_czml(scene).encode()
        elif fmt == "kml":
            from iamd.interop.export.kml import scene_to_kml

            out[FILE_NAMES[fmt]] = scene_to_kml(scene).encode()
        elif fmt == "geojson":
            from iamd.interop.export.geojson import scene_to_geojson

            out[FILE_NAMES[fmt]] = scene_to_geojson(scene).encode()
        else:
            from iamd.interop.export.cot import scene_frames_to_cot

            stride = max(1, round(sample_s / scene.step_s))
            out[FILE_NAMES[fmt]] = scene_frames_to_cot(scene, frames, stride).encode()
    return out


def write_exports(
    result: RunResult,
    out: str | Path,
    formats: Sequence[str] = FORMATS,
    recorder: TrackRecorder | None = None,
    *,
    sample_s: float = DEFAULT_SAMPLE_S,
) -> list[Path]:
    """Write the export files into the folder ``out`` (created if needed), all or none:
    staged in a temporary folder inside it, then moved into place. Returns their paths."""
    files = export_files(result, formats, recorder, sample_s=sample_s)
    folder = Path(out)
    if folder.exists() and not folder.is_dir():
        raise InputError(f"{folder} exists and is not a directory")
    folder.mkdir(parents=True, exist_ok=True)
    stage = Path(tempfile.mkdtemp(prefix=".iamd-export-", dir=folder))
    try:
        for name, data in files.items():
            (stage / name).write_bytes(data)
        for name in files:
            (stage / name).replace(folder / name)
    finally:
        shutil.rmtree(stage, ignore_errors=True)
    return [folder / name for name in files]
