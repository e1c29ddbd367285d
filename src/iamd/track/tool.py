"""``iamd track PLOTS --out TRACKS``: the tracker as a standalone tool on documented files.

PLOTS (CSV or Parquet; Parquet by the suffix ``.parquet``/``.pq`` or its magic bytes) has one
row per plot, in any order: a time ``t_s`` (s) and a position in one of three forms, told
apart by the columns:

- **local** ``x_m, y_m, z_m``: a local Cartesian frame, z up, with ``sigma_m`` (standard
  deviation per axis, m) as a column or ``--sigma-m S``. Tracked in that frame, unless
  ``--origin LAT,LON[,ALT_M]`` places it on the Earth: the plots are then east, north, up
  about the origin, moved to ECEF through the origin's ENU axes (a rigid, exact map) and
  tracked in ECEF. Plots whose ``z_m`` are all 0 are 2-D: always tracked in the local frame
  with a z sigma of `Z_SIGMA_2D_M`, without the IMM's ballistic model, and with a 2-D track
  score (``--clutter-density`` is then per m²); their output has ``z_m = vz_m_s = 0``, and
  with ``--origin`` the latitude and longitude of the point of the origin's tangent plane,
  at the origin's altitude (a 2-D plot has no height).
- **geodetic** ``lat_deg, lon_deg, alt_m`` (WGS84, height above the ellipsoid) with
  ``sigma_m`` or ``--sigma-m`` (per axis, m): tracked in ECEF.
- **polar** ``range_m, az_deg, el_deg`` measured from a sensor site, given per row by the
  columns ``site_lat_deg, site_lon_deg, site_alt_m`` or for all rows by ``--site
  LAT,LON,ALT_M``. Azimuth is clockwise from true north, elevation above the local horizontal
  plane of the site (normal to the WGS84 ellipsoid; no refraction correction); range is the
  slant range. The sigmas ``sigma_range_m, sigma_az_mrad, sigma_el_mrad`` are columns or
  the flags ``--sigma-range-m, --sigma-az-mrad, --sigma-el-mrad``. Each plot is converted to
  ECEF with the linearised covariance of `iamd.track.filters.aer_covariance_enu` rotated
  from the site's ENU axes, and tracked in ECEF.

A column gives each plot its own value and takes precedence over the matching flag, which
gives one value to every plot; a flag that does not apply to the file's form is an error.
Columns the form does not use are ignored. ``sensor_id`` (optional, any text) names the
sensor of each plot; the sorted distinct names are the tracker's sensors 0..S-1.

A **step** of the tracker is the set of plots with one ``t_s``: the plots of every sensor at
that time go into one `Tracker.step`, and each sensor with a row at that time counts one
completed scan (a look at every track). A sensor that completed a scan without any plot
cannot be written in a plots file, so its look, and the miss it would give the tracks, is
lost; give such data to `Tracker` directly.

TRACKS (CSV or Parquet, chosen by the ``--out`` suffix) has one row per confirmed track per
step time, sorted by time then track id: ``t_s, track_id, x_m, y_m, z_m, vx_m_s, vy_m_s,
vz_m_s``, then ``lat_deg, lon_deg, alt_m`` whenever the positions are on the Earth (ECEF
tracking, or 2-D plots with ``--origin``), which makes the file the input of ``iamd
identify`` without flags:

- local tracking without ``--origin``: every column in the input's frame;
- otherwise ``x_m, y_m, z_m`` are east, north, up about the *reference point*: the
  ``--origin`` if given, else the site of the first plot (polar), else the first plot's
  latitude and longitude on the ellipsoid (geodetic, height 0); and when ``lat_deg,
  lon_deg, alt_m`` are written, ``vx_m_s, vy_m_s, vz_m_s`` are the east, north and up
  velocity in the local axes **at the track's own position** (its ground velocity and climb
  rate, as ``iamd identify`` reads them), not in the axes of the reference point.

Floats are written at full precision (the shortest text that reads back to the same
double). The file is written to a temporary file beside ``--out`` and moved into place, so a
failed run never leaves a partial file.

Bad files raise `iamd.errors.DataFileError` with a message naming the file, the column, the
line (CSV, counting the header as line 1) or row (Parquet, from 0) and the value:
``plots.csv: column x_m: line 7: not a number (got 'abc')``; bad flags raise
`iamd.errors.InputError` naming the flag, the value and what is allowed. CSV is read by
``pyarrow.csv`` into typed columns; when a value does not parse, the file is read again as
text to name the first bad value exactly. See docs/tracking.md.
"""

from __future__ import annotations

import contextlib
import difflib
import io
import math
import os
from collections.abc import Callable, Mapping
from dataclasses import dataclass, fields, replace
from pathlib import Path
from typing import IO, TYPE_CHECKING, Any

import numpy as np
import numpy.typing as npt
import pyarrow as pa
import pyarrow.csv as pacsv

from iamd.errors import DataFileError, InputError
from iamd.files import (
    MAX_DATA_BYTES,
    check_input_file,
    csv_header,
    cut,
    cut_names,
    loads_strict,
    read_input_bytes,
    write_atomic,
)
from iamd.geo.wgs84 import (
    aer_to_ecef,
    ecef_to_enu,
    ecef_to_lla,
    ecef_vector_to_enu,
    enu_rotation,
    enu_to_ecef,
    enu_vector_to_ecef,
    lla_to_ecef,
)
from iamd.scenario.loader import yaml_data
from iamd.track.filters import Frame, MotionModel, aer_covariance_enu
from iamd.track.manager import (
    MODEL_SETS,
    QUIET_Q_M2_S3,
    Tracker,
    TrackerParams,
    with_quiet_q,
)

if TYPE_CHECKING:
    import pandas as pd

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.int64]
Lla = tuple[float, float, float]

TIME = "t_s"
LOCAL = ("x_m", "y_m", "z_m")
GEODETIC = ("lat_deg", "lon_deg", "alt_m")
POLAR = ("range_m", "az_deg", "el_deg")
FORMS: dict[str, tuple[str, str, str]] = {"local": LOCAL, "geodetic": GEODETIC, "polar": POLAR}
"""The position forms of a plots file and their columns."""
SITE = ("site_lat_deg", "site_lon_deg", "site_alt_m")
"""Columns of a polar plot's sensor site."""
POLAR_SIGMAS = ("sigma_range_m", "sigma_az_mrad", "sigma_el_mrad")
"""Columns of a polar plot's standard deviations."""
OPTIONAL = ("sigma_m", "sensor_id", *SITE, *POLAR_SIGMAS)
"""Optional columns of a plots file."""
OUTPUT_COLUMNS = ("t_s", "track_id", "x_m", "y_m", "z_m", "vx_m_s", "vy_m_s", "vz_m_s")
"""Columns of every tracks file."""
GEODETIC_OUTPUT = ("lat_deg", "lon_deg", "alt_m")
"""Columns added to a tracks file whose positions are on the Earth."""
Z_SIGMA_2D_M = 1e-3
"""z standard deviation given to 2-D plots (z known to be 0)."""
PARQUET_SUFFIXES = (".parquet", ".pq")
MAX_ABS_TIME_S = 1e11
"""Largest plot time magnitude (s; Unix times are ~1.7e9, this is ~3,000 years)."""
MAX_ABS_DISTANCE_M = 4e8
"""Largest position, altitude or range magnitude of a plot (m; the Earth-Moon distance)."""
MAX_SIGMA = 1e7
"""Largest standard deviation of a plot (m, or mrad for angles)."""

_NUMERIC = frozenset((TIME, *LOCAL, *GEODETIC, *POLAR, *SITE, *POLAR_SIGMAS, "sigma_m"))
_KNOWN = _NUMERIC | {"sensor_id"}
_POSITION_RULE = (
    "required: t_s and one position: x_m, y_m, z_m (local), lat_deg, lon_deg, alt_m "
    "(geodetic) or range_m, az_deg, el_deg (polar, from a sensor site)"
)
_SIGMA_FLAG = {"sigma_m": "--sigma-m", "sigma_range_m": "--sigma-range-m",
               "sigma_az_mrad": "--sigma-az-mrad", "sigma_el_mrad": "--sigma-el-mrad"}  # fmt: skip
_SIGMA_MEANING = {
    "sigma_m": "position standard deviation per axis, m",
    "sigma_range_m": "range standard deviation, m",
    "sigma_az_mrad": "azimuth standard deviation, mrad",
    "sigma_el_mrad": "elevation standard deviation, mrad",
}


class _NeedsText(Exception):
    """A typed read met a bad value: read the file again as text to name it exactly."""


# --------------------------------------------------------------------------- data classes


@dataclass(frozen=True, slots=True, kw_only=True)
class PlotData:
    """Plots read from a file, in the tracker's frame, sorted by time then sensor (p rows).

    Attributes:
        t_s: (p,) times (s).
        pos_m: (p, 3) positions in ``frame`` (m).
        cov_m2: (p, 3, 3) their covariances (m²).
        sensor: (p,) sensor indices 0..S-1.
        sensor_names: (S,) the ``sensor_id`` of each index (``("",)`` without the column).
        form: ``local``, ``geodetic`` or ``polar``: the file's position columns.
        frame: ``local`` or ``ecef``: the frame of ``pos_m`` and of the tracking.
        two_d: local plots whose ``z_m`` are all zero.
        reference: (lat_deg, lon_deg, alt_m) of the output's east-north-up axes and, for
            local plots, of the input's frame; None for local plots without ``--origin``.
    """

    t_s: FloatArray
    pos_m: FloatArray
    cov_m2: FloatArray
    sensor: IntArray
    sensor_names: tuple[str, ...]
    form: str
    frame: Frame
    two_d: bool
    reference: Lla | None


@dataclass(frozen=True, slots=True)
class TrackRows:
    """The rows of a tracks file, as named columns (see the module's docstring)."""

    columns: dict[str, npt.NDArray[Any]]

    def __len__(self) -> int:
        return len(self.columns["t_s"])

    def to_arrow(self) -> pa.Table:
        """The rows as a pyarrow table (``track_id`` int64, the rest float64)."""
        return pa.table({k: pa.array(v) for k, v in self.columns.items()})

    def to_pandas(self) -> pd.DataFrame:
        """The rows as a pandas frame."""
        import pandas as pd

        return pd.DataFrame(self.columns)


@dataclass(frozen=True, slots=True)
class _Source:
    """A plots file opened for reading: its columns and how to name a row in a message."""

    name: str
    columns: tuple[str, ...]
    rows: int
    column: Callable[[str], Any]
    where: Callable[[int], str]


# --------------------------------------------------------------------------- the command


def track_command(
    plots_path: str | os.PathLike[str],
    out_path: str | os.PathLike[str],
    sigma_m: float | str | None = None,
    *,
    confirm: str | None = None,
    delete_misses: int | str | None = None,
    params: TrackerParams | None = None,
    params_file: str | os.PathLike[str] | None = None,
    model: str | None = None,
    q: float | str | None = None,
    gate: float | str | None = None,
    pd: float | str | None = None,
    clutter_density: float | str | None = None,
    origin: Lla | tuple[float, float] | str | None = None,
    site: Lla | str | None = None,
    sigma_range_m: float | str | None = None,
    sigma_az_mrad: float | str | None = None,
    sigma_el_mrad: float | str | None = None,
) -> int:
    """Read plots, track them and write the confirmed tracks; return the exit status 0.

    Flags may be given as numbers or as the command line's text; each is checked here.

    Args:
        plots_path, out_path: the PLOTS and TRACKS files.
        sigma_m: ``--sigma-m``, the sigma per axis of local or geodetic plots without a
            ``sigma_m`` column (m).
        confirm: ``--confirm sprt`` (sequential test on the track score, the default) or
            ``--confirm M/N`` (M-of-N over looks).
        delete_misses: ``--delete-misses K``, consecutive missed looks that delete a confirmed
            track (M-of-N only).
        params: the tracker parameters to start from (default `TrackerParams`).
        params_file: ``--params FILE``, a YAML or JSON mapping of `TrackerParams` fields
            (and ``model``, a name of `MODEL_SETS`) that overrides ``params``.
        model: ``--model``, a name of `MODEL_SETS` (``imm``, ``cv``, ``bank``).
        q: ``--q``, the process noise of the quiet models (m²/s³): replaces the q of every
            model whose q is `QUIET_Q_M2_S3`; the manoeuvre model keeps its own.
        gate, pd: ``--gate``, ``--pd``: gate probability and detection probability.
        clutter_density: ``--clutter-density``, false plots per m³ (per m² for 2-D plots)
            per scan; default estimated online per sensor.
        origin: ``--origin``, (lat_deg, lon_deg[, alt_m]) of the local frame of x_m, y_m,
            z_m, or of the output's x_m, y_m, z_m for geodetic and polar plots.
        site: ``--site``, (lat_deg, lon_deg, alt_m) of the sensor of polar plots without
            site columns.
        sigma_range_m, sigma_az_mrad, sigma_el_mrad: sigmas of polar plots without the
            matching columns.

    The flags override ``params_file``, which overrides ``params``.

    Raises:
        DataFileError: the plots or parameters file is missing, unreadable or malformed.
        InputError: a bad flag.
    """
    src = Path(plots_path)
    out = Path(out_path)
    out_format = _check_output(out, src)
    par = tracker_params(
        params,
        params_file=params_file,
        model=model,
        q=q,
        gate=gate,
        pd=pd,
        clutter_density=clutter_density,
        confirm=confirm,
        delete_misses=delete_misses,
    )
    plots = read_plots(
        src,
        sigma_m,
        origin=origin,
        site=site,
        sigma_range_m=sigma_range_m,
        sigma_az_mrad=sigma_az_mrad,
        sigma_el_mrad=sigma_el_mrad,
    )
    write_tracks(track_plots(plots, par), out, out_format)
    return 0


def track_plots(plots: PlotData, params: TrackerParams | None = None) -> TrackRows:
    """Run one `Tracker` over the steps of ``plots``; one row per confirmed track per time.

    The tracker runs in ``plots.frame``, with one sensor per ``sensor_id`` (all feeding one
    picture). 2-D plots drop the ballistic model from the IMM (its gravity would pull the
    tracks off the plane), score in the plane (``measured_axes`` x and y) and zero the
    output's z and vz.
    """
    par = replace(params if params is not None else TrackerParams(), frame=plots.frame)
    if plots.two_d:
        kept = tuple(m for m in par.models if m.kind != "ballistic") or par.models
        par = replace(par, models=kept)
    n_sensors = len(plots.sensor_names)
    tracker = Tracker(
        par,
        n_pictures=1,
        sensor_picture=np.zeros(n_sensors, dtype=np.int64),
        measured_axes=np.eye(3)[:2] if plots.two_d else np.eye(3),
    )
    t = plots.t_s
    starts = np.flatnonzero(np.r_[True, np.diff(t) != 0.0])
    ends = np.r_[starts[1:], len(t)]
    times: list[FloatArray] = []
    ids: list[IntArray] = []
    states: list[FloatArray] = []
    for a, b in zip(starts, ends, strict=True):  # a loop over steps
        scans = np.zeros(n_sensors, dtype=np.int64)
        scans[plots.sensor[a:b]] = 1
        tracker.step(float(t[a]), plots.pos_m[a:b], plots.cov_m2[a:b], plots.sensor[a:b],
                     scans=scans)  # fmt: skip
        tab = tracker.table
        c = tab.confirmed
        if c.any():
            ids.append(tab.ids[c])
            states.append(tab.state[c])
            times.append(np.full(len(ids[-1]), t[a]))
    time = np.concatenate(times) if times else np.zeros(0)
    track_id = np.concatenate(ids).astype(np.int64) if ids else np.zeros(0, dtype=np.int64)
    state = np.concatenate(states) if states else np.zeros((0, 6))
    dt, di = np.diff(time), np.diff(track_id)
    if not np.all((dt > 0.0) | ((dt == 0.0) & (di > 0))):  # rows come ordered in one picture
        order = np.lexsort((track_id, time))
        time, track_id, state = time[order], track_id[order], state[order]
    return _output_rows(time, track_id, state, plots)


def _output_rows(t: FloatArray, track_id: IntArray, state: FloatArray,
                 plots: PlotData) -> TrackRows:  # fmt: skip
    """Tracker states (frame of ``plots``) as the columns of a tracks file."""
    pos, vel = state[:, :3].copy(), state[:, 3:].copy()
    ref = plots.reference
    geo: FloatArray | None = None
    if plots.frame == "local":
        if plots.two_d:
            pos[:, 2] = 0.0
            vel[:, 2] = 0.0
        xyz, v_out = pos, vel
        if ref is not None:  # 2-D plots placed by --origin
            lat0, lon0 = np.radians(ref[0]), np.radians(ref[1])
            ecef = enu_to_ecef(pos, lat0, lon0, ref[2]).reshape(-1, 3)
            geo, v_out = _geodetic(ecef, enu_vector_to_ecef(vel, lat0, lon0).reshape(-1, 3))
            geo[:, 2] = ref[2]  # a 2-D plot has no height: the origin's
            v_out[:, 2] = 0.0
    else:
        assert ref is not None
        lat0, lon0 = np.radians(ref[0]), np.radians(ref[1])
        xyz = ecef_to_enu(pos, lat0, lon0, ref[2]).reshape(-1, 3)
        geo, v_out = _geodetic(pos, vel)
    cols: dict[str, npt.NDArray[Any]] = {"t_s": t, "track_id": track_id}
    for k, c in enumerate(("x_m", "y_m", "z_m")):
        cols[c] = np.ascontiguousarray(xyz[:, k])
    for k, c in enumerate(("vx_m_s", "vy_m_s", "vz_m_s")):
        cols[c] = np.ascontiguousarray(v_out[:, k])
    if geo is not None:
        for k, c in enumerate(GEODETIC_OUTPUT):
            cols[c] = np.ascontiguousarray(geo[:, k])
    return TrackRows(cols)


def _geodetic(ecef: FloatArray, vel_ecef: FloatArray) -> tuple[FloatArray, FloatArray]:
    """(n, 3) lat_deg, lon_deg, alt_m and (n, 3) east, north, up velocity at each point."""
    lat, lon, alt = ecef_to_lla(ecef)
    vel = ecef_vector_to_enu(vel_ecef, lat, lon).reshape(-1, 3)
    return np.column_stack([np.degrees(lat), np.degrees(lon), alt]), vel


# --------------------------------------------------------------------------- parameters


def tracker_params(
    base: TrackerParams | None = None,
    *,
    params_file: str | os.PathLike[str] | None = None,
    model: str | None = None,
    q: float | str | None = None,
    gate: float | str | None = None,
    pd: float | str | None = None,
    clutter_density: float | str | None = None,
    confirm: str | None = None,
    delete_misses: int | str | None = None,
) -> TrackerParams:
    """`TrackerParams` from ``base``, then a parameters file, then the flags (see
    `track_command`); every bad value raises `InputError` naming its flag or key."""
    par = base if base is not None else TrackerParams()
    if params_file is not None:
        par = params_from_file(params_file, par)
    change: dict[str, Any] = {}
    if model is not None:
        if model not in MODEL_SETS:
            raise InputError(
                f"--model must be one of {', '.join(sorted(MODEL_SETS))} (got {model!r})"
            )
        change["models"] = MODEL_SETS[model]
    if q is not None:
        qv = _flag_float("--q", q, lambda x: x > 0, "a number > 0 (m²/s³)")
        models = change.get("models", par.models)
        if not any(m.q_m2_s3 == QUIET_Q_M2_S3 for m in models):
            raise InputError(
                f"--q replaces the q of the quiet models (q = {QUIET_Q_M2_S3:g} m²/s³), and "
                f"the models have none (got q = {', '.join(f'{m.q_m2_s3:g}' for m in models)})"
            )
        change["models"] = with_quiet_q(models, qv)
    if gate is not None:
        change["gate_prob"] = _flag_float("--gate", gate, lambda x: 0 < x < 1,
                                          "a probability in (0, 1), e.g. 0.997")  # fmt: skip
    if pd is not None:
        change["pd"] = _flag_float("--pd", pd, lambda x: 0 < x < 1,
                                   "a probability in (0, 1), e.g. 0.9")  # fmt: skip
    if clutter_density is not None:
        change["clutter_density"] = _flag_float(
            "--clutter-density", clutter_density, lambda x: x > 0,
            "a number > 0 (false plots per m³ per scan; per m² for 2-D plots)",
        )  # fmt: skip
    if confirm is not None:
        change.update(_parse_confirm(confirm))
    if delete_misses is not None:
        k = _flag_int("--delete-misses", delete_misses, 1)
        if change.get("confirmation", par.confirmation) != "m_of_n":
            raise InputError(
                f"--delete-misses applies to M-of-N confirmation: give --confirm M/N too "
                f"(got {delete_misses!r} with sequential confirmation)"
            )
        change["delete_misses"] = k
    return replace(par, **change) if change else par


def params_from_file(path: str | os.PathLike[str],
                     base: TrackerParams | None = None) -> TrackerParams:  # fmt: skip
    """`TrackerParams` from a YAML or JSON mapping of field names to values (``model:`` a
    name of `MODEL_SETS`; ``models:`` a list of ``{kind, q_m2_s3, turn_rate_rad_s}``);
    fields it does not name keep ``base``'s values. ``frame`` is set by the plots, not here.
    """
    p = Path(path)
    name = str(path)
    if not p.exists():
        raise DataFileError(f"{name}: no such file (--params)")
    if p.is_dir():
        raise DataFileError(f"{name}: is a directory, not a parameters file (--params)")
    raw = read_input_bytes(p, "--params")  # a regular file within the size cap (no FIFO)
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise DataFileError(f"{name}: cannot read the parameters file ({exc})") from None
    data: object
    if p.suffix.lower() == ".json":
        try:
            data = loads_strict(text, name)
        except InputError as exc:
            raise DataFileError(f"{name}: not valid JSON ({cut(str(exc))})") from None
    else:
        import yaml

        try:  # within the limits of a scenario document: no alias bomb, no deep nesting
            data = yaml_data(text, name, what="a parameters file")
        except yaml.YAMLError as exc:
            first = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
            raise DataFileError(f"{name}: not valid YAML ({cut(first)})") from None
        except InputError as exc:  # the loader's message: the file, the line, the limit
            raise DataFileError(str(exc)) from None
    if data is None:
        data = {}
    if not isinstance(data, Mapping):
        raise DataFileError(
            f"{name}: must be a mapping of tracker parameters to values "
            f"(got a {type(data).__name__}), e.g. 'stay_prob: 0.995'; {_KEYS_HELP}"
        )
    par = base if base is not None else TrackerParams()
    try:
        return replace(par, **_params_overrides(data, name))
    except InputError as exc:
        if isinstance(exc, DataFileError):
            raise
        raise DataFileError(f"{name}: {exc}") from None


def params_keys() -> tuple[str, ...]:
    """The keys a parameters file may hold."""
    keys = [f.name for f in fields(TrackerParams) if f.name != "frame"]
    return tuple(sorted([*keys, "model"]))


_KEYS_HELP = (
    f"the {len(params_keys())} keys are TrackerParams' fields and model "
    "(docs/tracking.md, Parameters)"
)
"""Where the keys of a parameters file are listed: every key written out would make one
error line of 500 characters."""


def _params_overrides(data: Mapping[Any, Any], name: str) -> dict[str, Any]:
    defaults = {f.name: f.default for f in fields(TrackerParams)}
    allowed = params_keys()
    if "frame" in data:
        raise DataFileError(
            f"{name}: key frame: set by the plots, not by the parameters (local x_m, y_m, z_m "
            "are tracked in their frame; geodetic, polar or --origin plots in ECEF)"
        )
    unknown = [str(k) for k in data if k not in allowed]
    if unknown:
        near = difflib.get_close_matches(cut(unknown[0], 100), allowed, n=3)
        hint = f" (did you mean {' or '.join(near)}?)" if near else ""
        raise DataFileError(
            f"{name}: unknown key{'s' if len(unknown) > 1 else ''} {cut_names(unknown, 5)}"
            f"{hint}; {_KEYS_HELP}"
        )
    if "model" in data and "models" in data:
        raise DataFileError(f"{name}: keys model and models: give one of them")
    out: dict[str, Any] = {}
    for key, value in data.items():
        default = defaults.get(key)
        if key == "model":
            if not isinstance(value, str) or value not in MODEL_SETS:
                raise DataFileError(
                    f"{name}: key model: must be one of {', '.join(sorted(MODEL_SETS))} "
                    f"(got {value!r})"
                )
            out["models"] = MODEL_SETS[value]
        elif key == "models":
            out["models"] = _models_value(value, name)
        elif isinstance(default, str):
            if not isinstance(value, str):
                raise DataFileError(f"{name}: key {key}: must be text (got {value!r})")
            out[key] = value
        elif isinstance(default, int) and not isinstance(default, bool):
            out[key] = _int_value(value, f"{name}: key {key}")
        else:  # float fields, and clutter_density (None: estimated online)
            if value is None and default is None:
                out[key] = None
            else:
                out[key] = _float_value(value, f"{name}: key {key}")
    return out


def _models_value(value: object, name: str) -> tuple[MotionModel, ...]:
    rule = (
        "must be a non-empty list of models {kind: cv|ct|ballistic, q_m2_s3: Q[, "
        "turn_rate_rad_s: W]}"
    )
    if not isinstance(value, list) or not value:
        raise DataFileError(f"{name}: key models: {rule} (got {value!r})")
    models = []
    for i, m in enumerate(value):
        where = f"{name}: key models: item {i}"
        if not isinstance(m, Mapping):
            raise DataFileError(f"{where}: {rule} (got {m!r})")
        extra = [str(k) for k in m if k not in ("kind", "q_m2_s3", "turn_rate_rad_s")]
        if extra:
            raise DataFileError(
                f"{where}: unknown key {extra[0]}; allowed: kind, q_m2_s3, turn_rate_rad_s"
            )
        kind = m.get("kind")
        if kind not in ("cv", "ct", "ballistic"):
            raise DataFileError(f"{where}: kind must be cv, ct or ballistic (got {kind!r})")
        if "q_m2_s3" not in m:
            raise DataFileError(f"{where}: q_m2_s3 is missing")
        q = _float_value(m["q_m2_s3"], f"{where}: q_m2_s3")
        rate = m.get("turn_rate_rad_s")
        w = None if rate is None else _float_value(rate, f"{where}: turn_rate_rad_s")
        if w is not None and kind != "ct":
            raise DataFileError(f"{where}: turn_rate_rad_s applies to ct models only")
        models.append(MotionModel(kind=kind, q_m2_s3=q, turn_rate_rad_s=w))
    return tuple(models)


def _float_value(value: object, where: str) -> float:
    x = math.nan
    if isinstance(value, int | float) and not isinstance(value, bool):
        x = float(value)
    elif isinstance(value, str):  # YAML 1.1 reads 1e-5 as text
        with contextlib.suppress(ValueError):
            x = float(value)
    if not math.isfinite(x):
        raise DataFileError(f"{where}: must be a finite number (got {value!r})")
    return x


def _int_value(value: object, where: str) -> int:
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise DataFileError(f"{where}: must be an integer (got {value!r})")
    if not (math.isfinite(value) and float(value).is_integer()):
        raise DataFileError(f"{where}: must be an integer (got {value!r})")
    return int(value)


def _parse_confirm(text: str) -> dict[str, Any]:
    rule = "sprt or M/N with 1 <= M <= N <= 64, e.g. 3/5"
    if not isinstance(text, str):
        raise InputError(f"--confirm must be {rule} (got {text!r})")
    if text.strip().lower() == "sprt":
        return {"confirmation": "sprt"}
    parts = text.split("/")
    try:
        m, n = (int(p) for p in parts)
    except ValueError:
        m, n = 0, 0
    if len(parts) != 2 or not 1 <= m <= n <= 64:
        raise InputError(f"--confirm must be {rule} (got {text!r})")
    return {"confirmation": "m_of_n", "confirm_m": m, "confirm_n": n}


def _flag_float(flag: str, value: float | str, ok: Callable[[float], bool], rule: str) -> float:
    """A flag's value as a float that satisfies ``ok``, or an `InputError`."""
    x = math.nan
    if not isinstance(value, bool):
        with contextlib.suppress(TypeError, ValueError):
            x = float(value)
    if not (math.isfinite(x) and ok(x)):
        raise InputError(f"{flag} must be {rule} (got {value!r})")
    return x


def _flag_int(flag: str, value: int | str, lo: int) -> int:
    k: int | None = None
    if isinstance(value, int) and not isinstance(value, bool):
        k = value
    elif isinstance(value, str):
        with contextlib.suppress(ValueError):
            k = int(value)
    if k is None or k < lo:
        raise InputError(f"{flag} must be an integer >= {lo} (got {value!r})")
    return k


def _flag_lla(flag: str, value: object, *, need_alt: bool) -> Lla:
    """``LAT,LON[,ALT_M]`` (text or a tuple) as (lat_deg, lon_deg, alt_m)."""
    form = "LAT,LON,ALT_M" if need_alt else "LAT,LON[,ALT_M]"
    rule = f"{form} in degrees and metres, latitude in [-90, 90], longitude in [-180, 360)"
    parts: list[object]
    if isinstance(value, str):
        parts = list(value.split(","))
    elif isinstance(value, tuple | list):
        parts = list(value)
    else:
        parts = []
    vals: list[float] = []
    for p in parts:
        try:
            vals.append(float(p))  # type: ignore[arg-type]
        except (TypeError, ValueError):
            vals = []
            break
    sizes = (3,) if need_alt else (2, 3)
    if (
        len(vals) not in sizes
        or not all(math.isfinite(v) for v in vals)
        or not (-90.0 <= vals[0] <= 90.0 and -180.0 <= vals[1] < 360.0)
    ):
        shown = value if isinstance(value, str) else ",".join(map(str, parts)) or str(value)
        raise InputError(f"{flag} must be {rule} (got {shown!r})")
    return vals[0], vals[1], vals[2] if len(vals) == 3 else 0.0


# --------------------------------------------------------------------------- reading plots


def read_plots(
    path: str | os.PathLike[str],
    sigma_m: float | str | None = None,
    *,
    origin: Lla | tuple[float, float] | str | None = None,
    site: Lla | str | None = None,
    sigma_range_m: float | str | None = None,
    sigma_az_mrad: float | str | None = None,
    sigma_el_mrad: float | str | None = None,
) -> PlotData:
    """Read and validate a plots file (see the module's docstring) into the tracker's frame.

    Raises:
        DataFileError: a missing, unreadable or malformed file.
        InputError: a bad flag, a flag that does not apply to the file's form, or a sigma or
            site given neither by a column nor by a flag.
    """
    flags: dict[str, float | None] = {}
    given = {"--site": site, "--sigma-m": sigma_m, "--sigma-range-m": sigma_range_m,
             "--sigma-az-mrad": sigma_az_mrad, "--sigma-el-mrad": sigma_el_mrad}  # fmt: skip
    shown = {flag: f"{flag} {_text(value)}" for flag, value in given.items()}
    values = (sigma_m, sigma_range_m, sigma_az_mrad, sigma_el_mrad)
    for key, value in zip(("sigma_m", *POLAR_SIGMAS), values, strict=True):
        flags[key] = (
            None if value is None
            else _flag_float(_SIGMA_FLAG[key], value, lambda x: 0 < x <= MAX_SIGMA,
                             f"a number > 0 and <= {MAX_SIGMA:g}")
        )  # fmt: skip
    org = None if origin is None else _flag_lla("--origin", origin, need_alt=False)
    sit = None if site is None else _flag_lla("--site", site, need_alt=True)
    p = Path(path)
    name = str(path)
    if not p.exists():
        raise DataFileError(f"{name}: no such file")
    if p.is_dir():
        raise DataFileError(f"{name}: is a directory, not a plots file")
    try:  # a regular file only (a FIFO would block), within the data size limit
        check_input_file(p, "input", max_bytes=MAX_DATA_BYTES)
    except InputError as exc:
        raise DataFileError(str(exc).removeprefix("input: ")) from None
    if p.suffix.lower() in PARQUET_SUFFIXES or _starts_with(p, b"PAR1"):
        return _plots(_parquet_source(p, name), flags, org, sit, shown)
    try:
        raw = p.read_bytes()
    except OSError as exc:
        raise DataFileError(f"{name}: cannot read ({exc.strerror})") from None
    if not raw or raw.isspace():
        raise DataFileError(
            f"{name}: the file is empty; expected a header line with t_s and a position "
            "(x_m,y_m,z_m or lat_deg,lon_deg,alt_m or range_m,az_deg,el_deg) and one row "
            "per plot"
        )
    try:  # a header of 200,000 columns would keep the parsers busy for minutes
        header = csv_header(raw, name)
    except InputError as exc:
        raise DataFileError(str(exc)) from None
    fast = _csv_typed_source(raw, header, name)
    if fast is not None:
        try:
            return _plots(fast, flags, org, sit, shown)
        except _NeedsText:
            pass
    return _plots(_csv_text_source(raw, header, name), flags, org, sit, shown)


def _text(value: object) -> str:
    """A flag's value as it was given."""
    if isinstance(value, tuple | list):
        return ",".join(map(str, value))
    return str(value)


def _plots(src: _Source, flags: dict[str, float | None], origin: Lla | None,
           site: Lla | None, shown: dict[str, str]) -> PlotData:  # fmt: skip
    name = src.name
    form = _form_of(src)
    unused = [k for k in ("sigma_range_m", "sigma_az_mrad", "sigma_el_mrad")
              if form != "polar" and flags[k] is not None]  # fmt: skip
    unused = [_SIGMA_FLAG[k] for k in unused] + (["--site"] if form != "polar" and site else [])
    if unused:
        raise InputError(
            f"{unused[0]} applies to polar plots (range_m, az_deg, el_deg), and {name} has "
            f"{form} plots ({', '.join(FORMS[form])}) (got {shown[unused[0]]})"
        )
    if form == "polar" and flags["sigma_m"] is not None:
        raise InputError(
            f"--sigma-m applies to local or geodetic plots, and {name} has polar plots "
            "(range_m, az_deg, el_deg): give --sigma-range-m, --sigma-az-mrad, --sigma-el-mrad "
            f"(got {shown['--sigma-m']})"
        )
    if src.rows == 0:
        raise DataFileError(
            f"{name}: no plots (the file has a header but no rows); expected one row per plot "
            f"with t_s, {', '.join(FORMS[form])}"
        )
    t = _numeric(src, TIME)
    _check(src, TIME, t, np.abs(t) <= MAX_ABS_TIME_S, f"must be within ±{MAX_ABS_TIME_S:g} s")
    a, b, c = (_numeric(src, col) for col in FORMS[form])
    for col, v in zip(FORMS[form], (a, b, c), strict=True):
        if col.endswith("_m"):  # x, y, z, altitude, range: within the Earth-Moon distance
            _check(src, col, v, np.abs(v) <= MAX_ABS_DISTANCE_M,
                   f"must be within ±{MAX_ABS_DISTANCE_M:g} m")  # fmt: skip
    if form == "polar":
        # checks in column order, so the first message is the leftmost column's
        _check(src, "range_m", a, a > 0, "must be > 0")
        _check(src, "az_deg", b, (b >= -360.0) & (b <= 360.0), "must be within [-360, 360]")
        _check(src, "el_deg", c, (c >= -90.0) & (c <= 90.0), "must be within [-90, 90]")
        s_r, s_az, s_el = (_sigma(src, key, flags[key]) for key in POLAR_SIGMAS)
        s_lat, s_lon, s_alt = _site(src, site)
    elif form == "geodetic":
        _check(src, "lat_deg", a, (a >= -90.0) & (a <= 90.0), "must be within [-90, 90]")
        _check(src, "lon_deg", b, (b >= -180.0) & (b < 360.0), "must be within [-180, 360)")
        sig = _sigma(src, "sigma_m", flags["sigma_m"])
    else:
        sig = _sigma(src, "sigma_m", flags["sigma_m"])
    if "sensor_id" in src.columns:
        sensor, names = _sensor_codes(src.column("sensor_id"))
    else:
        sensor, names = np.zeros(src.rows, dtype=np.int64), ("",)

    order = np.lexsort((sensor, t))
    t, sensor = t[order], sensor[order]
    a, b, c = a[order], b[order], c[order]
    n = len(t)
    frame: Frame = "ecef"
    two_d = False
    reference = origin
    if form == "local":
        sig = sig[order]
        pos = np.column_stack([a, b, c])
        two_d = bool(np.all(c == 0.0))
        cov = _diagonal_cov(sig, Z_SIGMA_2D_M if two_d else None)
        if origin is None or two_d:
            frame = "local"
        else:
            lat0, lon0 = np.radians(origin[0]), np.radians(origin[1])
            pos = enu_to_ecef(pos, lat0, lon0, origin[2]).reshape(n, 3)
            rot = enu_rotation(lat0, lon0)
            cov = _sym(rot.T @ cov @ rot)  # ENU to ECEF axes
    elif form == "geodetic":
        sig = sig[order]
        pos = lla_to_ecef(np.radians(a), np.radians(b), c).reshape(n, 3)
        cov = _diagonal_cov(sig, None)  # isotropic: the same in any axes
        if reference is None:
            reference = (float(a[0]), float(b[0]), 0.0)
    else:
        s_r, s_az, s_el = s_r[order], s_az[order], s_el[order]
        s_lat, s_lon, s_alt = s_lat[order], s_lon[order], s_alt[order]
        az, el = np.radians(b), np.radians(c)
        lat_r, lon_r = np.radians(s_lat), np.radians(s_lon)
        pos = aer_to_ecef(az, el, a, lat_r, lon_r, s_alt).reshape(n, 3)
        cov_enu = aer_covariance_enu(az, el, a, s_az * 1e-3, s_el * 1e-3, s_r)
        rot = enu_rotation(lat_r, lon_r)  # vec_enu = rot @ vec_ecef
        cov = _sym(np.swapaxes(rot, -1, -2) @ cov_enu @ rot)
        if reference is None:
            reference = (float(s_lat[0]), float(s_lon[0]), float(s_alt[0]))
    return PlotData(
        t_s=t,
        pos_m=np.ascontiguousarray(pos, dtype=np.float64),
        cov_m2=cov,
        sensor=sensor.astype(np.int64),
        sensor_names=names,
        form=form,
        frame=frame,
        two_d=two_d,
        reference=reference,
    )


def _form_of(src: _Source) -> str:
    """The position form of a file, or a `DataFileError` naming what is missing."""
    have = set(src.columns)
    got = cut_names(src.columns) or "none"
    if TIME not in have:
        raise DataFileError(f"{src.name}: column t_s: missing (got columns: {got}); "
                            f"{_POSITION_RULE}")  # fmt: skip
    complete = [f for f, cols in FORMS.items() if all(c in have for c in cols)]
    if len(complete) > 1:
        both = " and ".join(", ".join(FORMS[f]) for f in complete)
        raise DataFileError(
            f"{src.name}: columns {both}: more than one position form; keep only one of "
            "x_m, y_m, z_m (local), lat_deg, lon_deg, alt_m (geodetic) or range_m, az_deg, "
            "el_deg (polar)"
        )
    if not complete:
        best = max(FORMS, key=lambda f: sum(c in have for c in FORMS[f]))
        missing = next(c for c in FORMS[best] if c not in have)
        raise DataFileError(
            f"{src.name}: column {missing}: missing (got columns: {got}); {_POSITION_RULE}"
        )
    return complete[0]


def _sigma(src: _Source, column: str, flag: float | None) -> FloatArray:
    if column in src.columns:
        sig = _numeric(src, column)
        _check(
            src, column, sig, (sig > 0) & (sig <= MAX_SIGMA), f"must be > 0 and <= {MAX_SIGMA:g}"
        )
        return sig
    if flag is None:  # a flag given was checked with the others, column or not
        f = _SIGMA_FLAG[column]
        raise InputError(
            f"{src.name}: no {column} column and no {f} given; add a {column} column "
            f"({_SIGMA_MEANING[column]}) or pass {f} S"
        )
    return np.full(src.rows, flag)


def _site(src: _Source, site: Lla | None) -> tuple[FloatArray, FloatArray, FloatArray]:
    present = [c for c in SITE if c in src.columns]
    if present and len(present) < 3:
        missing = next(c for c in SITE if c not in src.columns)
        raise DataFileError(
            f"{src.name}: column {missing}: missing: site_lat_deg, site_lon_deg and "
            f"site_alt_m come together (got only {', '.join(present)})"
        )
    if present:
        lat, lon, alt = (_numeric(src, c) for c in SITE)
        _check(src, "site_lat_deg", lat, (lat >= -90.0) & (lat <= 90.0),
               "must be within [-90, 90]")  # fmt: skip
        _check(src, "site_lon_deg", lon, (lon >= -180.0) & (lon < 360.0),
               "must be within [-180, 360)")  # fmt: skip
        return lat, lon, alt
    if site is None:
        raise InputError(
            f"{src.name}: polar plots (range_m, az_deg, el_deg) need their sensor site: add "
            "the columns site_lat_deg, site_lon_deg, site_alt_m or pass --site LAT,LON,ALT_M"
        )
    return (np.full(src.rows, site[0]), np.full(src.rows, site[1]), np.full(src.rows, site[2]))


def _diagonal_cov(sigma: FloatArray, z_sigma: float | None) -> FloatArray:
    var = np.stack(
        [sigma**2, sigma**2, sigma**2 if z_sigma is None else np.full_like(sigma, z_sigma**2)],
        axis=1,
    )
    return np.asarray(var[:, :, None] * np.eye(3))


def _sym(c: FloatArray) -> FloatArray:
    return np.asarray(0.5 * (c + np.swapaxes(c, -1, -2)), dtype=np.float64)


def _check(src: _Source, column: str, values: FloatArray, ok: npt.NDArray[np.bool_],
           rule: str) -> None:  # fmt: skip
    bad = np.flatnonzero(~ok)
    if len(bad):
        i = int(bad[0])
        raise DataFileError(
            f"{src.name}: column {column}: {src.where(i)}: {rule} (got {_num(values[i])})"
        )


def _num(x: float) -> str:
    """A number as short as it reads back exactly."""
    short = f"{x:g}"
    return short if float(short) == x else repr(float(x))


def _numeric(src: _Source, column: str) -> FloatArray:
    """A column as finite float64, or a `DataFileError` naming the first bad value."""
    v = src.column(column)
    name = src.name
    if isinstance(v, pa.ChunkedArray):
        typ = v.type
        if pa.types.is_boolean(typ):
            raise DataFileError(f"{name}: column {column}: must be numeric (got booleans)")
        if pa.types.is_string(typ) or pa.types.is_large_string(typ):
            v = np.asarray(v.to_numpy(zero_copy_only=False), dtype=object)
        elif (pa.types.is_integer(typ) or pa.types.is_floating(typ)
              or pa.types.is_decimal(typ) or pa.types.is_null(typ)):  # fmt: skip
            values = np.asarray(
                v.to_numpy() if typ == pa.float64() else v.cast(pa.float64()).to_numpy(),
                dtype=np.float64,
            )
            bad = np.flatnonzero(~np.isfinite(values))
            if len(bad):
                i = int(bad[0])
                raise DataFileError(
                    f"{name}: column {column}: {src.where(i)}: must be a finite number "
                    f"(got {values[i]})"
                )
            return values
        else:
            raise DataFileError(f"{name}: column {column}: must be numeric (got {typ})")
    try:
        values = np.asarray(v, dtype=object).astype(np.float64)
        if np.all(np.isfinite(values)):
            return values
    except (TypeError, ValueError):
        pass
    for i, raw in enumerate(v):  # the first bad value, in row order
        at = f"{name}: column {column}: {src.where(i)}"
        if isinstance(raw, str):
            text = raw.strip()
            if text == "":
                raise DataFileError(f"{at}: empty value (got '')")
            try:
                x = float(text)
            except ValueError:
                raise DataFileError(f"{at}: not a number (got {raw!r})") from None
            if not math.isfinite(x):
                raise DataFileError(f"{at}: must be a finite number (got {text})")
        elif raw is None or (isinstance(raw, float) and math.isnan(raw)):
            raise DataFileError(f"{at}: empty value (got nothing)")
        else:
            try:
                x = float(raw)
            except (TypeError, ValueError):
                raise DataFileError(f"{at}: not a number (got {raw!r})") from None
            if not math.isfinite(x):
                raise DataFileError(f"{at}: must be a finite number (got {x})")
    return np.asarray([float(x) for x in v], dtype=np.float64)


def _sensor_codes(v: Any) -> tuple[IntArray, tuple[str, ...]]:
    """Sensor indices 0..S-1 by sorted distinct ``sensor_id`` text (surrounding blanks
    stripped; a missing value is the empty name)."""
    if isinstance(v, pa.ChunkedArray):
        import pyarrow.compute as pc

        s = v if pa.types.is_string(v.type) else v.cast(pa.string())
        s = pc.utf8_trim_whitespace(s.fill_null("")).combine_chunks()
        enc = s.dictionary_encode()
        names = np.asarray(enc.dictionary.to_pylist(), dtype=object)
        idx = np.asarray(enc.indices.to_numpy(zero_copy_only=False), dtype=np.int64)
        order = np.argsort(names.astype(str), kind="stable")
        rank = np.empty(len(order), dtype=np.int64)
        rank[order] = np.arange(len(order))
        return rank[idx], tuple(str(x) for x in names[order])
    text = np.asarray([x.strip() if isinstance(x, str) else "" for x in v], dtype=str)
    uniq, inv = np.unique(text, return_inverse=True)
    return np.asarray(inv, dtype=np.int64).reshape(-1), tuple(str(x) for x in uniq)


def _starts_with(path: Path, magic: bytes) -> bool:
    try:
        with path.open("rb") as fh:
            return fh.read(len(magic)) == magic
    except OSError:
        return False


def _csv_typed_source(raw: bytes, header: list[str], name: str) -> _Source | None:
    """The file (with the column names ``header`` of its first line) read by ``pyarrow.csv``
    into float64 columns (``sensor_id`` as text), or None when that fails (the caller reads it
    as text to name the bad value)."""
    if (
        not header
        or any(h != h.strip() or h == "" for h in header)
        or len(set(header)) < len(header)
    ):
        return None
    wanted = [h for h in header if h in _KNOWN]
    types = {h: (pa.string() if h == "sensor_id" else pa.float64()) for h in wanted}
    try:
        table = pacsv.read_csv(
            pa.BufferReader(raw),
            convert_options=pacsv.ConvertOptions(
                column_types=types,
                include_columns=wanted,
                strings_can_be_null=False,
                quoted_strings_can_be_null=False,
            ),
        )
    except (pa.ArrowInvalid, pa.ArrowTypeError, pa.ArrowNotImplementedError):
        return None

    def where(i: int) -> str:
        raise _NeedsText

    return _Source(name, tuple(header), table.num_rows, table.column, where)


def _csv_text_source(raw: bytes, first_line: list[str], name: str) -> _Source:
    """The file (with the column names ``first_line``) read as text by pandas, each row
    keeping its line number for messages."""
    import warnings

    import pandas as pd

    header = [h.strip() for h in first_line]  # each once: read_plots checked them
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", pd.errors.ParserWarning)
            frame = pd.read_csv(
                io.BytesIO(raw),
                dtype=str,
                keep_default_na=False,
                skip_blank_lines=False,
                skipinitialspace=True,
                index_col=False,  # a row longer than the header is an error, not an index
            )
    except pd.errors.ParserWarning:
        raise DataFileError(
            f"{name}: line 2: more fields than the header's {len(header)} columns"
        ) from None
    except (pd.errors.ParserError, UnicodeDecodeError, ValueError) as exc:
        first = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        raise DataFileError(f"{name}: not a readable CSV file ({cut(first, 200)})") from None
    frame.columns = [str(c).strip() for c in frame.columns]
    # pandas keeps blank lines as rows of empty strings: drop them, keep line numbers
    blank = (frame == "").all(axis=1).to_numpy()
    if blank.any():
        frame = frame[~blank]
    line = frame.index.to_numpy() + 2

    def column(c: str) -> npt.NDArray[np.object_]:
        return np.asarray(frame[c].to_numpy(dtype=object), dtype=object)

    return _Source(name, tuple(frame.columns), len(frame), column,
                   lambda i: f"line {int(line[i])}")  # fmt: skip


def _parquet_source(path: Path, name: str) -> _Source:
    import pyarrow.parquet as pq

    try:
        schema = pq.read_schema(path)
        header = tuple(str(c) for c in schema.names)
        wanted = [h for h in dict.fromkeys(header) if h in _KNOWN]
        table = pq.read_table(path, columns=wanted)
    except Exception as exc:  # pyarrow raises many types for corrupt files
        first = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        raise DataFileError(f"{name}: not a readable Parquet file ({first})") from None
    return _Source(name, header, table.num_rows, table.column, lambda i: f"row {i}")


# --------------------------------------------------------------------------- writing tracks


def _check_output(out: Path, plots: Path) -> str:
    """The format of ``--out`` (``csv`` or ``parquet``), or an `InputError`."""
    if out.is_dir():
        raise InputError(f"--out: {out} is a directory; give a file name ending in .csv or "
                         ".parquet")  # fmt: skip
    suffix = out.suffix.lower()
    if suffix == ".csv":
        fmt = "csv"
    elif suffix in PARQUET_SUFFIXES:
        fmt = "parquet"
    else:
        raise InputError(f"--out must end in .csv or .parquet (got {str(out)!r})")
    if out.exists() and plots.exists() and out.resolve() == plots.resolve():
        raise InputError(f"--out must not be the plots file (got {str(out)!r} for both)")
    parent = out.parent if str(out.parent) else Path(".")
    if not parent.is_dir():
        raise InputError(f"--out: folder {str(parent)!r} does not exist")
    return fmt


def write_tracks(rows: TrackRows, out: str | os.PathLike[str], fmt: str | None = None) -> None:
    """Write a tracks file (``fmt`` ``csv`` or ``parquet``, default by the suffix) through a
    temporary file beside it, moved into place. CSV floats are the shortest text that reads
    back to the same double."""
    out = Path(out)
    if fmt is None:
        fmt = "parquet" if out.suffix.lower() in PARQUET_SUFFIXES else "csv"
    parent = out.parent if str(out.parent) else Path(".")
    if not parent.is_dir():
        raise InputError(f"--out: folder {str(parent)!r} does not exist")
    table = rows.to_arrow()

    def write(fh: IO[bytes]) -> None:
        if fmt == "csv":
            fh.write((",".join(table.column_names) + "\n").encode())
            pacsv.write_csv(
                table, fh,
                pacsv.WriteOptions(include_header=False, quoting_style="none"),
            )  # fmt: skip
        else:
            import pyarrow.parquet as pq

            # dictionary pages only where values repeat (times, track numbers): on the float
            # columns they are built, overflow and are thrown away, at 3x the writing time
            repeats = [c for c in ("t_s", "track_id") if c in table.column_names]
            pq.write_table(table, fh, use_dictionary=repeats)

    write_atomic(out, write)
