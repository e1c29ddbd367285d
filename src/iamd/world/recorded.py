"""Recorded flights: ADS-B position reports read from a file, moved, and replayed as truth.

What it models
--------------
A *points file* holds one position report per row, in the format of ``shared/data/flights``
(OpenSky Network samples): ``flight_id, t_unix_s, lat_deg, lon_deg, alt_m`` (barometric
altitude, used as height above the ellipsoid), optionally ``onground`` (0/1); other columns are
ignored. It is CSV, or CSV compressed with gzip (recognised by its first bytes). An empty cell
means the receiver had no value. An *index file* gives each flight's call sign
(``flight_id, callsign``). :func:`read_flight_reports` reads and checks both;
:func:`replay_flights` drops the reports on the ground and replays each flight's airborne
reports with :func:`iamd.world.airliner.replay_track` (positions as reported, velocities fitted
over ±5 s).

*Relocation* (:func:`relocate`) moves a set of flights rigidly. The reference point P (the
centre of the bounding box of the reports in latitude and longitude) goes to the target Q.
A report at geodesic distance s and azimuth α from P goes to distance s and azimuth α + θ from
Q, where θ is the turn of the geodesic PQ between its ends (its azimuth on arrival at Q minus
its azimuth at P). On a sphere this map is exactly the rotation about the axis P × Q that takes
P to Q: a rotation keeps distances from P and carries directions at P parallel along PQ. Here
it is applied in the WGS84 ellipsoid's own geodesic polar coordinates (Karney 2013 through
``iamd.geo.geodesic``), so that distances between reports are kept to ellipsoidal accuracy:
within 1 cm over 230 km for the Paris sample moved to Bulgaria, where a rotation of latitude
and longitude on a sphere is off by 330 m (the ellipsoid is flatter at 49° N than at 43° N).
Heights are unchanged. Every heading turns by θ at P and by nearly θ elsewhere: 15.14° ± 0.38°
for the Paris sample moved onto Sofia airport, from the convergence of the meridians.

:func:`recorded_traffic` applies a scenario's ``civil_traffic.recorded`` sources (selection,
time shift, relocation, cut to the scenario window, object ids); ``iamd.world.truth`` puts the
result beside the threats.

Moving two points 6° due south keeps their distances along the meridian, so they spread a
little in latitude (the meridian's radius of curvature is 0.1 % smaller at 42.5° N), and does
not turn them:

>>> import numpy as np
>>> lat, lon, turn = relocate(np.radians([48.0, 49.0]), np.radians([2.0, 2.0]),
...                           np.radians(48.5), np.radians(2.0),
...                           np.radians(42.5), np.radians(2.0))
>>> np.degrees(lat).round(6).tolist(), np.degrees(lon).round(9).tolist(), float(turn)
([41.999473, 43.000527], [2.0, 2.0], 0.0)
"""

from __future__ import annotations

import functools
import itertools
import re
from collections.abc import Collection, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import TypeVar

import numpy as np
import numpy.typing as npt
import pandas as pd

from iamd.errors import DataFileError, InputError
from iamd.files import MAX_DATA_BYTES, cut_names, gunzip, parse_csv_bytes, read_input_bytes
from iamd.geo.geodesic import geodesic_forward, geodesic_inverse
from iamd.scenario.loader import LoadedScenario, field_error, resolve_data_path
from iamd.world.airliner import replay_track
from iamd.world.base import Flight

FloatArray = npt.NDArray[np.float64]
BoolArray = npt.NDArray[np.bool_]
StrArray = npt.NDArray[np.str_]

POINTS_COLUMNS = ("flight_id", "t_unix_s", "lat_deg", "lon_deg", "alt_m")
"""Columns a points file must have (``onground`` and any others are optional)."""
INDEX_COLUMNS = ("flight_id", "callsign")
"""Columns an index file must have."""
WINDOW_MARGIN_S = 10.0
"""Reports this far outside the scenario window still feed the velocity fit at its edges (s)."""

_GZIP_MAGIC = b"\x1f\x8b"
_ONGROUND = {"0": False, "1": True, "false": False, "true": True}
_ID_CHARS = re.compile(r"[^A-Za-z0-9_.\-]")


@dataclass(frozen=True, slots=True, kw_only=True)
class FlightReports:
    """The position reports of a points file, in file order.

    Attributes:
        path: the points file (for messages).
        flight_id: (k,) flight of each report.
        t_unix_s: (k,) report time (s; NaN where empty).
        lat_rad, lon_rad: (k,) geodetic position (rad; NaN where empty).
        alt_m: (k,) barometric altitude (m; NaN where empty).
        onground: (k,) the aircraft reported being on the ground.
        callsign: the call sign of each flight the index names (stripped; '' for none).
    """

    path: str
    flight_id: StrArray
    t_unix_s: FloatArray
    lat_rad: FloatArray
    lon_rad: FloatArray
    alt_m: FloatArray
    onground: BoolArray
    callsign: Mapping[str, str]

    def flight_ids(self) -> list[str]:
        """The distinct flight ids, sorted."""
        return [str(f) for f in np.unique(self.flight_id)]

    def take(self, mask: BoolArray) -> FlightReports:
        """The reports where ``mask`` (k,) is true."""
        return FlightReports(
            path=self.path,
            flight_id=self.flight_id[mask],
            t_unix_s=self.t_unix_s[mask],
            lat_rad=self.lat_rad[mask],
            lon_rad=self.lon_rad[mask],
            alt_m=self.alt_m[mask],
            onground=self.onground[mask],
            callsign=self.callsign,
        )


@dataclass(frozen=True, slots=True, kw_only=True)
class RecordedFlight:
    """One recorded flight replayed.

    Attributes:
        flight_id, callsign: as in the files ('' for no call sign).
        flight: the replay, at the reports' times (Unix seconds, or scenario seconds once
            shifted).
        alt_m: (k,) reported altitude at ``flight.t_s`` (m; interpolated where missing).
    """

    flight_id: str
    callsign: str
    flight: Flight
    alt_m: FloatArray


@dataclass(frozen=True, slots=True, kw_only=True)
class RecordedAirliner:
    """A recorded flight as a scenario object (see :func:`recorded_traffic`).

    Attributes:
        id: object id, ``rec-<call sign>`` (``rec-<flight_id>`` without one), unique.
        group: ``recorded <file name>``.
        type: threat catalog key (of class airliner).
        nation: owner for the records ('' for none).
        flight_id, callsign: as in the files.
        flight: the replay on the scenario clock, cut to the window [0, duration_s].
        source: index of its source in ``civil_traffic.recorded``.
    """

    id: str
    group: str
    type: str
    nation: str
    flight_id: str
    callsign: str
    flight: Flight
    source: int = 0


def read_flight_reports(
    points_path: str | Path, index_path: str | Path | None = None
) -> FlightReports:
    """Read and check a points file (and an index file for the call signs).

    Rows are counted as in a spreadsheet: the header is row 1, the first report row 2.

    Raises:
        DataFileError: ``FILE: what`` for a missing or unreadable file (not gzip though named
            ``.gz``, truncated gzip, not CSV), ``FILE: column X: missing (...)`` and
            ``FILE: row N: column X: ...`` for an empty flight id, a value that is not a
            finite number, a latitude or longitude out of range, a bad ``onground``.

    >>> import tempfile, pathlib
    >>> d = pathlib.Path(tempfile.mkdtemp())
    >>> _ = (d / "p.csv").write_text("flight_id,t_unix_s,lat_deg,lon_deg,alt_m\\n"
    ...                              "a,10,45.0,25.0,9000\\na,11,45.001,25.0,\\n")
    >>> r = read_flight_reports(d / "p.csv")
    >>> r.flight_ids(), r.alt_m.tolist(), r.onground.tolist()
    (['a'], [9000.0, nan], [False, False])
    """
    path = Path(points_path)
    df = _read_table(path, POINTS_COLUMNS, {"flight_id": str})
    flight_id = df["flight_id"]
    empty = flight_id.isna().to_numpy() | (flight_id.astype(str).str.strip() == "").to_numpy()
    if empty.any():
        raise DataFileError(
            f"{path}: row {_row(empty)}: column flight_id: empty (every report needs the id "
            f"of its flight)"
        )
    lat = _numeric(df, "lat_deg", path)
    lon = _numeric(df, "lon_deg", path)
    for name, values, limit in (("lat_deg", lat, 90.0), ("lon_deg", lon, 180.0)):
        out = np.abs(values) > limit
        if out.any():
            raise DataFileError(
                f"{path}: row {_row(out)}: column {name}: must be within -{limit:g}..{limit:g} "
                f"degrees (got {float(values[out][0])!r})"
            )
    callsign = _read_index(Path(index_path)) if index_path is not None else {}
    return FlightReports(
        path=str(path),
        flight_id=_frozen(flight_id.astype(str).to_numpy(dtype=str)),
        t_unix_s=_frozen(_numeric(df, "t_unix_s", path)),
        lat_rad=_frozen(np.radians(lat)),
        lon_rad=_frozen(np.radians(lon)),
        alt_m=_frozen(_numeric(df, "alt_m", path)),
        onground=_frozen(_onground(df, path)),
        callsign=callsign,
    )


def default_index_path(points_path: str | Path) -> Path | None:
    """The index beside a points file, ``NAME_index.csv`` for ``NAME_points.csv[.gz]``, if it
    exists.

    >>> default_index_path("/nowhere/quickstart_points.csv.gz") is None
    True
    """
    path = Path(points_path)
    stem = path.name.removesuffix(".gz").removesuffix(".csv")
    if not stem.endswith("_points"):
        return None
    index = path.with_name(stem.removesuffix("_points") + "_index.csv")
    return index if index.is_file() else None


def replay_flights(
    reports: FlightReports, *, min_reports: int = 2, window_s: float = 10.0
) -> list[RecordedFlight]:
    """Each flight's airborne reports replayed as a :class:`Flight`, by flight id.

    Reports on the ground are dropped. A flight with fewer than ``min_reports`` airborne
    reports with a time and a position, or with no altitude at all, is skipped.

    Args:
        reports: the reports (times as they are: Unix seconds, or shifted).
        min_reports: fewest usable airborne reports a flight needs (at least 2).
        window_s: width of the velocity fit (s; see ``replay_track``).

    >>> import numpy as np
    >>> t = np.arange(5.0)
    >>> r = FlightReports(path="x", flight_id=np.array(list("aaaab")), t_unix_s=t,
    ...                   lat_rad=np.zeros(5), lon_rad=t * 1e-5, alt_m=np.full(5, 3000.0),
    ...                   onground=np.array([True, False, False, False, False]), callsign={})
    >>> [(f.flight_id, f.flight.t_s.tolist()) for f in replay_flights(r)]
    [('a', [1.0, 2.0, 3.0])]
    """
    usable = (
        ~reports.onground
        & np.isfinite(reports.t_unix_s)
        & np.isfinite(reports.lat_rad)
        & np.isfinite(reports.lon_rad)
    )
    order = np.argsort(reports.flight_id, kind="stable")
    order = order[usable[order]]
    ids = reports.flight_id[order]
    new_flight = np.concatenate([[True], ids[1:] != ids[:-1]]) if ids.size else np.zeros(0, bool)
    bounds = [*np.flatnonzero(new_flight).tolist(), int(ids.size)]
    out: list[RecordedFlight] = []
    for a, b in itertools.pairwise(bounds):
        rows = order[a:b]
        alt = reports.alt_m[rows]
        if rows.size < max(min_reports, 2) or not np.isfinite(alt).any():
            continue
        fid = str(ids[a])
        flight = replay_track(
            reports.t_unix_s[rows],
            reports.lat_rad[rows],
            reports.lon_rad[rows],
            alt,
            window_s=window_s,
        )
        has = np.isfinite(alt)
        t_has = reports.t_unix_s[rows][has]
        by_t = np.argsort(t_has, kind="stable")
        out.append(
            RecordedFlight(
                flight_id=fid,
                callsign=reports.callsign.get(fid, ""),
                flight=flight,
                alt_m=np.interp(flight.t_s, t_has[by_t], alt[has][by_t]),
            )
        )
    return out


def reference_point(lat_rad: npt.ArrayLike, lon_rad: npt.ArrayLike) -> tuple[float, float]:
    """Centre of the bounding box of points in latitude and longitude (rad), NaN ignored.

    >>> import numpy as np
    >>> [round(float(np.degrees(x)), 6) for x in reference_point(np.radians([48, 50, 48.2]),
    ...                                                          np.radians([1, 2, 4]))]
    [49.0, 2.5]
    """
    lat = np.asarray(lat_rad, dtype=np.float64)
    lon = np.asarray(lon_rad, dtype=np.float64)
    return (
        0.5 * (float(np.nanmin(lat)) + float(np.nanmax(lat))),
        0.5 * (float(np.nanmin(lon)) + float(np.nanmax(lon))),
    )


def relocate(
    lat_rad: npt.ArrayLike,
    lon_rad: npt.ArrayLike,
    from_lat_rad: float,
    from_lon_rad: float,
    to_lat_rad: float,
    to_lon_rad: float,
) -> tuple[FloatArray, FloatArray, float]:
    """Move points rigidly so that the point ``from`` lands on ``to`` (see the module doc).

    Args:
        lat_rad, lon_rad: (k,) points (rad).
        from_lat_rad, from_lon_rad: the reference point P (rad).
        to_lat_rad, to_lon_rad: where P goes (rad).

    Returns:
        lat_rad, lon_rad: (k,) the moved points (rad, longitude in [-π, π]).
        turn_rad: θ, the turn of every azimuth about the reference point (rad, in (-π, π]).
    """
    az_p, az_q, _ = geodesic_inverse(from_lat_rad, from_lon_rad, to_lat_rad, to_lon_rad)
    turn = float(np.angle(np.exp(1j * (float(az_q) - float(az_p)))))
    az, _, dist = geodesic_inverse(from_lat_rad, from_lon_rad, lat_rad, lon_rad)
    lat, lon, _ = geodesic_forward(to_lat_rad, to_lon_rad, az + turn, dist)
    return lat, lon, turn


def recorded_traffic(loaded: LoadedScenario, taken: Collection[str] = ()) -> list[RecordedAirliner]:
    """The recorded flights of a scenario's ``civil_traffic.recorded``, on its clock.

    Per source: the set (``flights`` if given, then the first ``max_flights`` by flight id)
    is shifted in time so that its earliest report (on the ground or not) plays at
    ``start_s``, moved by :func:`relocate` if ``relocate`` is given (reference: the centre of
    the bounding box of all the set's reports), replayed (:func:`replay_flights`) and cut to
    the window [0, duration_s]; a flight with fewer than two reports in the window is skipped.
    Ids are ``rec-<call sign>`` (``rec-<flight_id>`` without one, characters other than
    letters, digits, ``_.-`` dropped), made unique against ``taken`` and each other by
    ``-2``, ``-3``, ... in source and flight id order.

    Raises:
        DataFileError: a file that cannot be read (see :func:`read_flight_reports`).
        ScenarioError: ``FILE:LINE: civil_traffic.recorded[i]...: ...`` for an unknown flight
            id, a set without a usable report, a set recorded outside the theatre box and not
            relocated, or no flight left in the window.
    """
    sc = loaded.scenario
    used = set(taken)
    out: list[RecordedAirliner] = []
    for k, rec in enumerate(sc.civil_traffic.recorded):
        at = ("civil_traffic", "recorded", k)
        path = resolve_data_path(loaded.source, rec.file)
        index = (
            resolve_data_path(loaded.source, rec.index)
            if rec.index is not None
            else default_index_path(path)
        )
        reports = _read_cached(path, index)
        known = reports.flight_ids()
        chosen = known
        if rec.flights is not None:
            known_set = set(known)
            for j, fid in enumerate(rec.flights):
                if fid not in known_set:
                    raise field_error(
                        loaded,
                        (*at, "flights", j),
                        f"unknown flight id (got {fid!r}; {path.name} has {len(known)} flights: "
                        f"{_examples(known)})",
                    )
            chosen = sorted(rec.flights)
        if rec.max_flights is not None:
            chosen = chosen[: rec.max_flights]
        subset = reports.take(np.isin(reports.flight_id, chosen))
        valid = (
            np.isfinite(subset.t_unix_s) & np.isfinite(subset.lat_rad) & np.isfinite(subset.lon_rad)
        )
        if not valid.any():
            raise field_error(
                loaded,
                at,
                f"no report with a time and a position in the {len(chosen)} selected flights "
                f"(got file {rec.file!r})",
            )
        t = subset.t_unix_s - float(np.min(subset.t_unix_s[valid])) + rec.start_s
        ref_lat, ref_lon = reference_point(subset.lat_rad[valid], subset.lon_rad[valid])
        in_window = (t >= -WINDOW_MARGIN_S) & (t <= sc.duration_s + WINDOW_MARGIN_S)
        lat, lon = subset.lat_rad, subset.lon_rad
        if rec.relocate is not None:
            lat, lon = lat.copy(), lon.copy()
            move = in_window & valid
            lat[move], lon[move], _ = relocate(
                lat[move],
                lon[move],
                ref_lat,
                ref_lon,
                np.radians(rec.relocate.lat_deg),
                np.radians(rec.relocate.lon_deg),
            )
        else:
            _check_inside_theatre(loaded, at, ref_lat, ref_lon)
        shifted = FlightReports(
            path=subset.path,
            flight_id=subset.flight_id,
            t_unix_s=t,
            lat_rad=lat,
            lon_rad=lon,
            alt_m=subset.alt_m,
            onground=subset.onground,
            callsign=subset.callsign,
        ).take(in_window)
        found = 0
        for rf in replay_flights(shifted):
            flight = _cut(rf.flight, 0.0, sc.duration_s)
            if flight is None:
                continue
            found += 1
            oid = _unique_id(_object_id(rf.callsign, rf.flight_id), used)
            used.add(oid)
            out.append(
                RecordedAirliner(
                    id=oid,
                    group=f"recorded {path.name}",
                    type=rec.type,
                    nation=rec.nation or "",
                    flight_id=rf.flight_id,
                    callsign=rf.callsign,
                    flight=flight,
                    source=k,
                )
            )
        if found == 0:
            span = t[valid]
            raise field_error(
                loaded,
                at,
                f"no flight left in the scenario window 0..{sc.duration_s:g} s: the "
                f"{len(chosen)} selected flights play from {float(span.min()):.0f} s to "
                f"{float(span.max()):.0f} s, and a flight needs two airborne reports in the "
                f"window (got start_s {rec.start_s:g}; change start_s or the flights)",
            )
    return out


# --------------------------------------------------------------------------- private helpers


def _read_bytes(path: Path) -> bytes:
    """The file's bytes (a regular file of at most ``MAX_DATA_BYTES``), decompressed when they
    start with the gzip magic number (within the size and ratio caps of ``iamd.files``)."""
    try:
        raw = read_input_bytes(path, "file", max_bytes=MAX_DATA_BYTES)
    except InputError as exc:
        raise DataFileError(str(exc).removeprefix("file: ")) from None
    if raw[:2] != _GZIP_MAGIC:
        if path.suffix == ".gz":
            raise DataFileError(
                f"{path}: not a gzip file (it starts with {raw[:8]!r}, not the gzip magic "
                f"bytes 1f 8b); give a CSV compressed with gzip, or a plain .csv"
            )
        return raw
    try:
        return gunzip(raw, str(path))
    except InputError as exc:
        raise DataFileError(str(exc)) from None


def _read_table(path: Path, required: tuple[str, ...], dtype: dict[str, type]) -> pd.DataFrame:
    """A CSV file (plain or gzip) as a frame with the ``required`` columns."""
    raw = _read_bytes(path)
    if not raw.strip():
        raise DataFileError(
            f"{path}: empty file (expected a header line with {', '.join(required)})"
        )
    try:
        df = parse_csv_bytes(raw, str(path), dtype=dtype, encoding="utf-8")
    except InputError as exc:
        raise DataFileError(str(exc)) from None
    for col in required:
        if col not in df.columns:
            raise DataFileError(
                f"{path}: column {col}: missing (got columns {cut_names(df.columns)}; "
                f"required: {', '.join(required)})"
            )
    return df


def _row(mask: npt.NDArray[np.bool_]) -> int:
    """Spreadsheet row of the first true entry (the header is row 1)."""
    return int(np.argmax(mask)) + 2


def _numeric(df: pd.DataFrame, col: str, path: Path) -> FloatArray:
    """A column as finite floats or NaN where empty; DataFileError naming the first bad cell."""
    series = df[col]
    values = pd.to_numeric(series, errors="coerce").to_numpy(dtype=np.float64, na_value=np.nan)
    bad = (np.isnan(values) & series.notna().to_numpy()) | np.isinf(values)
    if bad.any():
        i = int(np.argmax(bad))
        raise DataFileError(
            f"{path}: row {i + 2}: column {col}: not a finite number (got {_cell(series.iloc[i])}; "
            f"give a number, or leave the cell empty where there is no value)"
        )
    return values


def _cell(value: object) -> str:
    """A cell as shown in messages: numbers as numbers, text quoted."""
    return repr(float(value)) if isinstance(value, float | np.floating) else repr(value)


def _onground(df: pd.DataFrame, path: Path) -> BoolArray:
    """The ``onground`` column as booleans (0/1/true/false; empty or absent: airborne)."""
    if "onground" not in df.columns:
        return np.zeros(len(df), dtype=bool)
    series = df["onground"]
    if pd.api.types.is_numeric_dtype(series) and not pd.api.types.is_bool_dtype(series):
        values = series.to_numpy(dtype=np.float64, na_value=np.nan)
        bad = ~np.isnan(values) & (values != 0.0) & (values != 1.0)
        if not bad.any():
            return values == 1.0
    text = series.astype(str).str.strip().str.lower().str.removesuffix(".0")
    flags = text.map(_ONGROUND)
    bad = (flags.isna() & series.notna()).to_numpy()
    if bad.any():
        i = int(np.argmax(bad))
        raise DataFileError(
            f"{path}: row {i + 2}: column onground: must be 0, 1, true, false or empty "
            f"(got {series.iloc[i]!r})"
        )
    return flags.fillna(False).to_numpy(dtype=bool)


def _read_index(path: Path) -> dict[str, str]:
    """flight_id -> call sign from an index file (the first row of each flight)."""
    df = _read_table(path, INDEX_COLUMNS, {"flight_id": str, "callsign": str})
    ids = df["flight_id"].fillna("").astype(str).str.strip().to_numpy(dtype=str)
    calls = df["callsign"].fillna("").astype(str).str.strip().to_numpy(dtype=str)
    out: dict[str, str] = {}
    for fid, call in zip(ids, calls, strict=True):
        out.setdefault(str(fid), str(call))
    return out


@functools.lru_cache(maxsize=4)
def _read_cached_stamped(
    path: Path, index: Path | None, _stamp: tuple[object, ...]
) -> FlightReports:
    return read_flight_reports(path, index)


def _read_cached(path: Path, index: Path | None) -> FlightReports:
    """``read_flight_reports``, read again only when a file's size or time changes (a campaign
    builds the truth of every run from the same files)."""
    stamp: tuple[object, ...] = ()
    for p in (path, index):
        if p is not None and p.is_file():
            st = p.stat()
            stamp += (str(p.resolve()), st.st_size, st.st_mtime_ns)
    return _read_cached_stamped(path, index, stamp)


_A = TypeVar("_A", bound=np.ndarray)


def _frozen(a: _A) -> _A:
    """``a``, made read-only (a cached reading is shared between scenarios)."""
    a.flags.writeable = False
    return a


def _examples(names: list[str], n: int = 3) -> str:
    shown = ", ".join(names[:n])
    return shown + (", ..." if len(names) > n else "") if names else "none"


def _check_inside_theatre(
    loaded: LoadedScenario, at: tuple[str | int, ...], lat_rad: float, lon_rad: float
) -> None:
    th = loaded.scenario.theatre
    lat, lon = float(np.degrees(lat_rad)), float(np.degrees(lon_rad))
    if th.lat_min_deg <= lat <= th.lat_max_deg and th.lon_min_deg <= lon <= th.lon_max_deg:
        return
    raise field_error(
        loaded,
        at,
        f"the recorded flights lie around lat_deg {lat:.2f}, lon_deg {lon:.2f}, outside the "
        f"theatre box lat_deg {th.lat_min_deg}..{th.lat_max_deg}, lon_deg "
        f"{th.lon_min_deg}..{th.lon_max_deg}; add `relocate: {{lat_deg: ..., lon_deg: ...}}` "
        f"inside it",
    )


def _cut(flight: Flight, t0_s: float, t1_s: float) -> Flight | None:
    """The samples of a flight within [t0, t1], or None if fewer than two."""
    keep = (flight.t_s >= t0_s) & (flight.t_s <= t1_s)
    if keep.sum() < 2:
        return None
    return Flight(
        t_s=flight.t_s[keep],
        pos_ecef_m=flight.pos_ecef_m[keep],
        vel_ecef_m_s=flight.vel_ecef_m_s[keep],
    )


def _object_id(callsign: str, flight_id: str) -> str:
    """``rec-`` and the call sign, or the flight id, in the characters of scenario ids."""
    name = _ID_CHARS.sub("", callsign) or _ID_CHARS.sub("", flight_id) or "flight"
    return f"rec-{name}"


def _unique_id(base: str, used: Collection[str]) -> str:
    if base not in used:
        return base
    n = 2
    while f"{base}-{n}" in used:
        n += 1
    return f"{base}-{n}"
