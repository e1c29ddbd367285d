"""The recognised air picture of a run as ASTERIX CAT062 system tracks (``iamd run
--out-asterix FILE``).

Each picture of the run (``joint`` or a nation's) is one data source, an SDPS in ASTERIX
terms: SAC :data:`DEFAULT_SAC`, SIC 1 + the picture's index in ``result.layout.names``.
Every confirmed track of every picture at every clock step is one CAT062 record (EUROCONTROL
*ASTERIX Part 9, Category 062: SDPS Track Messages*, edition 1.1x), and each step's records
of one picture open a new data block (a block holds at most
`iamd.interop.asterix.encode.DEFAULT_BLOCK_OCTETS` octets; a capture sends each block as one
UDP datagram at the epoch + the step's time).

The records are written from what a `~iamd.interop.export.scene.TrackRecorder` kept during
the run (the engine's ``on_step`` hook), after the run: a run without ``--out-asterix`` pays
nothing. A live stream (``--stream asterix://GROUP:PORT``,
`iamd.interop.export.stream.AsterixStream`) sends each step's records as the clock runs,
built by the same `cat062_table` and `cat062_blocks`: the same blocks, in the same order.
Items:

- I062/010 data source, I062/070 time of track information (time of day, UTC, of the
  epoch + t), I062/040 track number (the picture's, modulo 2¹⁶);
- I062/105 WGS84 position, I062/185 velocity (east, north), I062/130 geometric altitude and
  I062/220 rate of climb, each absent for the records whose value the item cannot hold
  (a ballistic missile above 62.4 km, climbing or diving faster than 1,040 m/s);
- I062/500 accuracies, the standard deviations of the track's covariance in the local east,
  north and up axes: APC (east, north), APW (the same as latitude and longitude, on the
  Gaussian radius of curvature), AGA (up) and ATV (east and north velocity), each saturated
  at its field's largest value (zero for the truth picture);
- I062/060 Mode 3/A and I062/390 flight plan related data (CSN callsign, DEP and DST
  aerodromes where the plan names them, as ``airway: LBSF-LGAV`` does) of the filed flight
  plan (``airspace.flight_plans``) the track correlates with at that time. CSN holds 7
  characters (ICAO Doc 4444's item 7); a plan's callsign of 8 characters, which the
  scenario allows, goes whole into I062/245 instead (target identification, 8 six-bit
  characters) with STI 1, "callsign not downlinked from target", and I062/390 has no CSN:
  no callsign is cut or dropped
  (`iamd.identify.airspace.Airspace.correlate`, the procedural correlation the
  identification uses); a track that correlates with none has neither. The engine simulates
  that a transponder replies, not which code: a correlated track's Mode 3/A is the code its
  plan assigns (correlation already requires a replying track to reply that code), and
  other tracks have no I062/060. I062/390 has no subfield for the plan's code (PEM is the
  code before an emergency), so the code is in I062/060 only;
- I062/080 track status: CNF (every exported track is confirmed) and, for a track no plot
  has updated for more than :data:`COASTING_AGE_S`, CST (coasting) in its third extension;
  I062/290 system track update ages: PSR, the age of the last primary-radar plot that
  updated the track (the engine's radars are primary; LSB 1/4 s, held at the field's
  63.75 s). The truth picture has neither CST nor I062/290 (its tracks are the objects);
- I062/SP: the STANAG 1241 identity and the most likely class (iamd's layout,
  `iamd.interop.asterix.fields.SP_IDENTITY_TAG`; other decoders skip it by its length).

Same scenario and seed, same bytes: the file holds no wall-clock time.
"""

from __future__ import annotations

import contextlib
import os
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, TypeVar

import numpy as np
import numpy.typing as npt
import pandas as pd

from iamd.interop.asterix.encode import DEFAULT_BLOCK_OCTETS, encode_cat062, split_blocks
from iamd.interop.asterix.fields import FT_M

if TYPE_CHECKING:
    from iamd.identify.airspace import Airspace
    from iamd.interop.export.scene import TrackFrame
    from iamd.scenario.schema import Scenario
    from iamd.sim.engine import RunResult

FloatArray = npt.NDArray[np.float64]
T = TypeVar("T")

DEFAULT_SAC = 0
"""System area code of the run's pictures (SIC: 1 + the picture's index)."""
COASTING_AGE_S = 12.0
"""A track whose last plot is older than this (s) is reported coasting (I062/080 CST): the
slowest revisit among the catalog's radars (10 s, rotating surveillance radars) plus one 2 s
clock step, so a track its radars see on every scan is never coasting."""
_ALT_MAX_M = (2**15 - 1) * 6.25 * FT_M
_ROCD_MAX_M_S = (2**15 - 1) * 6.25 * FT_M / 60.0
_AGE_MAX_S = 255 * 0.25  # I062/290's largest age
_CSN_CHARS = 7  # I062/390 CSN: 7 characters
STI_NOT_DOWNLINKED = 1
"""I062/245 STI of a flight plan's callsign: "callsign not downlinked from target"."""


@dataclass(frozen=True, slots=True)
class PictureAsterix:
    """A run's picture in CAT062.

    Attributes:
        table: one row per record, in `encode_cat062`'s columns (plus ``t_s``, s after the
            epoch, and ``picture``).
        blocks: the data blocks, in time order.
        time_s: (B,) time each block is sent (s since 1970-01-01 UTC).
    """

    table: pd.DataFrame
    blocks: list[bytes]
    time_s: FloatArray

    @property
    def data(self) -> bytes:
        """The blocks back to back (a raw recording)."""
        return b"".join(self.blocks)


def picture_cat062_table(
    frames: Sequence[TrackFrame], result: RunResult, *, sac: int = DEFAULT_SAC
) -> pd.DataFrame:
    """The tracks of ``frames`` as a CAT062 table (see the module), all frames at once."""
    return cat062_table(frames, result.loaded.scenario, result.layout.names, sac=sac)


def cat062_table(
    frames: Sequence[TrackFrame],
    scenario: Scenario,
    names: Sequence[str],
    *,
    sac: int = DEFAULT_SAC,
    airspace: Airspace | None = None,
) -> pd.DataFrame:
    """The tracks of ``frames`` as a CAT062 table (see the module), from the scenario (its
    epoch and filed flight plans) and the run's picture names (``layout.names``, which give
    the SICs): what `picture_cat062_table` builds after the run, and a live stream step by
    step (each row depends on its own track and time only). ``airspace``: the scenario's
    `~iamd.identify.airspace.Airspace`, if already built."""
    from iamd.geo.wgs84 import enu_vector_to_ecef, lla_to_ecef
    from iamd.interop.recording import gaussian_radius_m

    sc = scenario
    names = list(names)
    for f in frames:
        for p in dict.fromkeys(f.picture.tolist()):
            if p not in names:
                names.append(p)
    sizes = [len(f) for f in frames]
    n = int(sum(sizes))
    step = np.repeat(np.arange(len(frames)), sizes)

    def cat(attr: str, dtype: type | str) -> npt.NDArray[np.generic]:
        if not frames:
            return np.zeros(0, dtype=dtype)
        return np.concatenate([np.asarray(getattr(f, attr), dtype=dtype) for f in frames])

    def fl(attr: str) -> FloatArray:
        return np.asarray(cat(attr, np.float64), dtype=np.float64)

    t = np.repeat(np.asarray([f.t_s for f in frames], dtype=np.float64), sizes)
    pic = cat("picture", object)
    index = {p: i for i, p in enumerate(names)}
    sic = np.asarray([index[p] + 1 for p in pic], dtype=np.int64)
    number = cat("number", np.int64)
    order = np.lexsort((number, sic, step))
    lat, lon, alt = fl("lat_deg"), fl("lon_deg"), fl("alt_m")
    course = np.radians(fl("course_deg"))
    speed, climb = fl("speed_m_s"), fl("climb_m_s")
    ve, vn = speed * np.sin(course), speed * np.cos(course)
    epoch = sc.epoch_utc()
    midnight = epoch.replace(hour=0, minute=0, second=0, microsecond=0)
    tod0 = (epoch - midnight).total_seconds()
    lat_r = np.radians(lat)
    r_m = gaussian_radius_m(lat)
    sd_e, sd_n = fl("sigma_e_m"), fl("sigma_n_m")
    age = fl("age_s")
    mode3a = np.full(n, -1, dtype=np.int64)
    plan_cs = np.full(n, "", dtype=object)
    callsign = np.full(n, "", dtype=object)
    sti = np.full(n, -1, dtype=np.int64)
    adep = np.full(n, "", dtype=object)
    ades = np.full(n, "", dtype=object)
    plans = sc.airspace.flight_plans
    if plans and n:
        if airspace is None:
            from iamd.identify.airspace import Airspace

            airspace = Airspace.from_scenario(sc)
        lon_r = np.radians(lon)
        pos = lla_to_ecef(lat_r, lon_r, alt).reshape(-1, 3)
        vel = enu_vector_to_ecef(np.column_stack([ve, vn, climb]), lat_r, lon_r).reshape(-1, 3)
        k = airspace.correlate(t, pos, vel_ecef_m_s=vel, speed_m_s=speed)
        hit = k >= 0
        codes = np.asarray([int(p.code, 8) if p.code else -1 for p in plans], dtype=np.int64)
        calls = np.asarray([p.callsign or "" for p in plans], dtype=object)
        dep = np.asarray([p.airway.split("-")[0] if p.airway else "" for p in plans], object)
        dst = np.asarray([p.airway.split("-")[1] if p.airway else "" for p in plans], object)
        mode3a[hit] = codes[k[hit]]
        callsign[hit], adep[hit], ades[hit] = calls[k[hit]], dep[k[hit]], dst[k[hit]]
        long = np.zeros(n, dtype=bool)  # past I062/390 CSN's 7: I062/245 instead
        long[hit] = np.asarray([len(c) for c in calls], dtype=np.int64)[k[hit]] > _CSN_CHARS
        plan_cs = np.where(long, "", callsign).astype(object)
        sti = np.where(long, STI_NOT_DOWNLINKED, -1)
    with np.errstate(invalid="ignore"):
        table = pd.DataFrame(
            {
                "t_s": t,
                "picture": pic,
                "sac": np.full(n, sac, dtype=np.int64),
                "sic": sic,
                "tod_s": np.mod(tod0 + t, 86400.0),
                "track_number": np.mod(number, 65536),
                "lat_deg": lat,
                "lon_deg": lon,
                "vx_m_s": ve,
                "vy_m_s": vn,
                "mode3a": mode3a,
                "geometric_alt_m": np.where(np.abs(alt) <= _ALT_MAX_M, alt, np.nan),
                "rocd_m_s": np.where(np.abs(climb) <= _ROCD_MAX_M_S, climb, np.nan),
                "sigma_x_m": sd_e,
                "sigma_y_m": sd_n,
                "sigma_lat_deg": np.degrees(sd_n / r_m),
                "sigma_lon_deg": np.degrees(sd_e / (r_m * np.maximum(np.cos(lat_r), 1e-9))),
                "sigma_alt_m": fl("sigma_v_m"),
                "sigma_vx_m_s": fl("sigma_ve_m_s"),
                "sigma_vy_m_s": fl("sigma_vn_m_s"),
                "callsign": callsign,
                "callsign_sti": sti,
                "plan_callsign": plan_cs,
                "adep": adep,
                "ades": ades,
                "identity": cat("identity", object),
                "cls": cat("cls", object),
                "coasting": age > COASTING_AGE_S,  # NaN (truth picture): False
                "psr_age_s": np.minimum(age, _AGE_MAX_S),
            }
        )
    return table.iloc[order].reset_index(drop=True)


def picture_asterix(
    result: RunResult,
    frames: Sequence[TrackFrame],
    *,
    sac: int = DEFAULT_SAC,
    max_block_octets: int = DEFAULT_BLOCK_OCTETS,
) -> PictureAsterix:
    """The run's picture (the frames a `TrackRecorder` kept) as CAT062 data blocks, one
    block (or more, at ``max_block_octets``) per picture per clock step."""
    table = picture_cat062_table(frames, result, sac=sac)
    blocks, rows = cat062_blocks(table, max_block_octets=max_block_octets)
    epoch_s = result.loaded.scenario.epoch_utc().timestamp()
    times = epoch_s + table["t_s"].to_numpy()[rows] if len(rows) else np.zeros(0)
    return PictureAsterix(table, blocks, np.asarray(times, dtype=np.float64))


def cat062_blocks(
    table: pd.DataFrame, *, max_block_octets: int = DEFAULT_BLOCK_OCTETS
) -> tuple[list[bytes], npt.NDArray[np.int64]]:
    """The data blocks of a `cat062_table`: a new block at each step and picture (and at
    ``max_block_octets``), and (B,) the first row of each block."""
    t = table["t_s"].to_numpy()
    sic = table["sic"].to_numpy()
    starts = np.r_[True, (t[1:] != t[:-1]) | (sic[1:] != sic[:-1])] if len(t) else None
    rows: list[int] = []
    blob = encode_cat062(
        table.drop(columns=["t_s", "picture"]),
        max_block_octets=max_block_octets,
        block_starts=starts,
        block_rows=rows,
    )
    return split_blocks(blob), np.asarray(rows, dtype=np.int64)


def check_asterix_output(
    path: str | os.PathLike[str],
    out: str | os.PathLike[str],
    run_files: Sequence[str],
    *,
    inputs: Sequence[str | os.PathLike[str]] = (),
) -> None:
    """``--out-asterix`` checked before the run: a regular file (``.pcap``/``.cap``: a
    capture; else raw blocks) in an existing, writable folder, neither an input nor one of
    the files the run writes into ``out``.

    Raises:
        InputError: naming ``--out-asterix``, the path and what is allowed.
    """
    from iamd.errors import InputError
    from iamd.files import check_output_file

    p = Path(path)
    in_out = p.parent.resolve() == Path(out).resolve()
    if p.name in run_files and in_out:
        raise InputError(
            f"--out-asterix: {p} is one of the run's own outputs in {out}/; give another "
            "name (e.g. picture.pcap or picture.ast)"
        )
    if in_out and not p.parent.exists():
        return  # the run creates --out (checked by the caller) before writing into it
    check_output_file(p, "--out-asterix", inputs=inputs)


def write_run_asterix(
    path: str | os.PathLike[str],
    result: RunResult,
    frames: Sequence[TrackFrame],
    *,
    then: Callable[[], T],
    out: str | os.PathLike[str] | None = None,
) -> T:
    """Write the run's picture to ``path`` (`write_picture_asterix`), then call ``then``
    (which writes the run's other outputs); if ``then`` fails, the picture file is removed
    again, so that a failed run leaves neither. A ``path`` inside the run's folder ``out``
    creates that folder first."""
    folder = Path(path).parent
    if out is not None and folder.resolve() == Path(out).resolve():
        from iamd.errors import InputError

        try:
            folder.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise InputError(f"--out: cannot create {folder} ({exc.strerror})") from None
    write_picture_asterix(path, result, frames)
    try:
        return then()
    except BaseException:
        with contextlib.suppress(OSError):
            Path(path).unlink()
        raise


def write_picture_asterix(
    path: str | os.PathLike[str], result: RunResult, frames: Sequence[TrackFrame]
) -> PictureAsterix:
    """Write the run's picture to ``path`` (a pcap capture for ``.pcap``/``.cap``, else raw
    blocks), atomically; returns what was written."""
    from iamd.interop.asterix.capture import write_recording

    out = picture_asterix(result, frames)
    write_recording(path, out.blocks, out.time_s, flag="--out-asterix")
    return out


__all__ = [
    "DEFAULT_SAC",
    "PictureAsterix",
    "cat062_blocks",
    "cat062_table",
    "check_asterix_output",
    "picture_asterix",
    "picture_cat062_table",
    "write_picture_asterix",
    "write_run_asterix",
]
