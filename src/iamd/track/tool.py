"""``iamd track PLOTS --out TRACKS``: the tracker as a standalone tool on documented files.

PLOTS (CSV or Parquet) has one row per plot with columns ``t_s, x_m, y_m, z_m`` in a local
Cartesian frame (z up), and optionally ``sigma_m`` (the plot's position standard deviation
per axis, m) and ``sensor_id``. Without a ``sigma_m`` column ``--sigma-m`` gives one value for
all plots; with neither the tool stops. A scan is the set of plots with the same ``t_s``
(and the same ``sensor_id`` when that column exists: the sensors' scans at one time are
processed one after the other); rows need not be sorted. Plots whose ``z_m`` are all zero are
2-D: they get a tiny z variance, the IMM drops its ballistic model, and the output has
``z_m = vz_m_s = 0``.

TRACKS (CSV or Parquet, chosen by the ``--out`` suffix ``.csv`` or ``.parquet``) has one row
per confirmed track per scan time: ``t_s, track_id, x_m, y_m, z_m, vx_m_s, vy_m_s, vz_m_s``,
sorted by time then track id. It is written to a temporary file and moved into place, so a
failed run never leaves a partial file.

Bad files raise `iamd.errors.DataFileError` with a message naming the file, the column, the
line (CSV, counting the header as line 1) or row (Parquet, from 0) and the value:
``plots.csv: column x_m: line 7: not a number (got 'abc')``. See docs/tracking.md.
"""

from __future__ import annotations

import contextlib
import io
import os
import tempfile
from collections.abc import Callable
from dataclasses import dataclass, replace
from pathlib import Path

import numpy as np
import numpy.typing as npt
import pandas as pd

from iamd.errors import DataFileError, InputError
from iamd.track.manager import Tracker, TrackerParams

FloatArray = npt.NDArray[np.float64]

REQUIRED = ("t_s", "x_m", "y_m", "z_m")
"""Required columns of a plots file."""
OPTIONAL = ("sigma_m", "sensor_id")
"""Optional columns of a plots file."""
OUTPUT_COLUMNS = ("t_s", "track_id", "x_m", "y_m", "z_m", "vx_m_s", "vy_m_s", "vz_m_s")
"""Columns of a tracks file."""
Z_SIGMA_2D_M = 1e-3
"""z standard deviation given to 2-D plots (z known to be 0)."""
PARQUET_SUFFIXES = (".parquet", ".pq")


@dataclass(frozen=True, slots=True, kw_only=True)
class PlotData:
    """Plots read from a file, sorted by time (p rows).

    Attributes:
        t_s: (p,) times; pos_m: (p, 3) positions; sigma_m: (p,) position sigmas;
        sensor: (p,) sensor codes (0 when the file has no ``sensor_id``);
        two_d: all ``z_m`` are zero.
    """

    t_s: FloatArray
    pos_m: FloatArray
    sigma_m: FloatArray
    sensor: npt.NDArray[np.int64]
    two_d: bool


def track_command(
    plots_path: str | os.PathLike[str],
    out_path: str | os.PathLike[str],
    sigma_m: float | None,
    *,
    confirm: str | None = None,
    delete_misses: int | None = None,
    params: TrackerParams | None = None,
) -> int:
    """Read plots, track them and write the confirmed tracks; return the exit status 0.

    Args:
        plots_path, out_path: the PLOTS and TRACKS files.
        sigma_m: ``--sigma-m``, the plots' sigma when the file has no ``sigma_m`` column.
        confirm: ``--confirm M/N``, M-of-N confirmation (default 3/5).
        delete_misses: ``--delete-misses K``, consecutive misses that delete a confirmed
            track (default 5).
        params: all tracker parameters (the flags above override theirs).

    Raises:
        DataFileError: the plots file is missing, unreadable or malformed.
        InputError: a bad flag (``--sigma-m`` ≤ 0, an ``--out`` suffix that is neither
            ``.csv`` nor ``.parquet``, no sigma at all, a malformed ``--confirm``).
    """
    out = Path(out_path)
    out_format = _format_of_output(out)
    if sigma_m is not None and not (np.isfinite(sigma_m) and sigma_m > 0):
        raise InputError(f"--sigma-m must be a number > 0 (got {sigma_m})")
    params = params if params is not None else TrackerParams()
    if confirm is not None:
        m, n = _parse_confirm(confirm)
        params = replace(params, confirm_m=m, confirm_n=n)
    if delete_misses is not None:
        if delete_misses < 1:
            raise InputError(f"--delete-misses must be an integer >= 1 (got {delete_misses})")
        params = replace(params, delete_misses=delete_misses)
    plots = read_plots(plots_path, sigma_m)
    tracks = track_plots(plots, params)
    _write_atomic(tracks, out, out_format)
    return 0


def read_plots(path: str | os.PathLike[str], sigma_m: float | None = None) -> PlotData:
    """Read and validate a plots file (see the module's docstring)."""
    p = Path(path)
    name = str(path)
    if not p.exists():
        raise DataFileError(f"{name}: no such file")
    if p.is_dir():
        raise DataFileError(f"{name}: is a directory, not a plots file")
    is_parquet = p.suffix.lower() in PARQUET_SUFFIXES or _starts_with(p, b"PAR1")
    frame = _read_parquet(p, name) if is_parquet else _read_csv(p, name)
    where = _row_label_parquet if is_parquet else _row_label_csv
    missing = [c for c in REQUIRED if c not in frame.columns]
    if missing:
        got = ", ".join(map(str, frame.columns)) or "none"
        raise DataFileError(
            f"{name}: column {missing[0]}: missing (got columns: {got}); "
            f"required: {', '.join(REQUIRED)}; optional: {', '.join(OPTIONAL)}"
        )
    if len(frame) == 0:
        raise DataFileError(
            f"{name}: no plots (the file has a header but no rows); "
            f"expected one row per plot with {', '.join(REQUIRED)}"
        )
    cols = {c: _numeric(frame, c, name, where) for c in REQUIRED}
    if "sigma_m" in frame.columns:
        sig = _numeric(frame, "sigma_m", name, where)
        bad = np.flatnonzero(~(sig > 0))
        if len(bad):
            i = int(bad[0])
            raise DataFileError(
                f"{name}: column sigma_m: {where(frame, i)}: must be > 0 (got {sig[i]:g})"
            )
    elif sigma_m is None:
        raise InputError(
            f"{name}: no sigma_m column and no --sigma-m given; add a sigma_m column "
            "(position standard deviation per axis, m) or pass --sigma-m S"
        )
    else:
        sig = np.full(len(frame), float(sigma_m))
    if "sensor_id" in frame.columns:
        sensor_raw = frame["sensor_id"].astype(str).to_numpy()
        _, sensor = np.unique(sensor_raw, return_inverse=True)
    else:
        sensor = np.zeros(len(frame), dtype=np.int64)
    t = cols["t_s"]
    order = np.lexsort((sensor, t))
    pos = np.column_stack([cols["x_m"], cols["y_m"], cols["z_m"]])[order]
    return PlotData(
        t_s=t[order],
        pos_m=pos,
        sigma_m=sig[order],
        sensor=sensor[order].astype(np.int64),
        two_d=bool(np.all(pos[:, 2] == 0.0)),
    )


def track_plots(plots: PlotData, params: TrackerParams | None = None) -> pd.DataFrame:
    """Run a `Tracker` over the scans of ``plots``; one row per confirmed track per time.

    2-D plots drop a ballistic model from the IMM (its gravity would pull the tracks off
    the plane) and zero the output's z and vz.
    """
    par = params if params is not None else TrackerParams()
    if plots.two_d:
        kept = tuple(m for m in par.models if m.kind != "ballistic") or par.models
        if len(kept) != len(par.models):
            par = replace(par, models=kept, initial_model_prob=None)
    tracker = Tracker(par)
    var = plots.sigma_m**2
    cov = np.zeros((len(var), 3, 3))
    cov[:, 0, 0] = var
    cov[:, 1, 1] = var
    cov[:, 2, 2] = Z_SIGMA_2D_M**2 if plots.two_d else var
    # scan boundaries: a change of time or of sensor
    change = np.flatnonzero((np.diff(plots.t_s) != 0) | (np.diff(plots.sensor) != 0)) + 1
    starts = np.concatenate([[0], change])
    ends = np.concatenate([change, [len(plots.t_s)]])
    last_of_time = np.append(plots.t_s[starts[1:]] != plots.t_s[starts[:-1]], True)
    parts: list[FloatArray] = []
    ids: list[npt.NDArray[np.int64]] = []
    for a, b, emit in zip(starts, ends, last_of_time, strict=True):  # a loop over scans
        t = float(plots.t_s[a])
        tracker.step(t, plots.pos_m[a:b], cov[a:b])
        if emit:
            tab = tracker.table
            c = tab.confirmed
            rows = np.empty((int(c.sum()), 7))
            rows[:, 0] = t
            rows[:, 1:] = tab.state[c]
            parts.append(rows)
            ids.append(tab.ids[c])
    data = np.concatenate(parts) if parts else np.zeros((0, 7))
    track_id = np.concatenate(ids) if ids else np.zeros(0, dtype=np.int64)
    if plots.two_d:
        data[:, 3] = 0.0
        data[:, 6] = 0.0
    order = np.lexsort((track_id, data[:, 0]))
    data, track_id = data[order], track_id[order]
    return pd.DataFrame(
        {
            "t_s": data[:, 0],
            "track_id": track_id,
            "x_m": data[:, 1],
            "y_m": data[:, 2],
            "z_m": data[:, 3],
            "vx_m_s": data[:, 4],
            "vy_m_s": data[:, 5],
            "vz_m_s": data[:, 6],
        }
    )


# --------------------------------------------------------------------------- helpers


def _parse_confirm(text: str) -> tuple[int, int]:
    parts = text.split("/")
    try:
        m, n = (int(p) for p in parts)
    except ValueError:
        m, n = 0, 0
    if len(parts) != 2 or not 1 <= m <= n <= 64:
        raise InputError(f"--confirm must be M/N with 1 <= M <= N <= 64, e.g. 3/5 (got {text!r})")
    return m, n


def _format_of_output(out: Path) -> str:
    suffix = out.suffix.lower()
    if suffix == ".csv":
        return "csv"
    if suffix in PARQUET_SUFFIXES:
        return "parquet"
    raise InputError(f"--out must end in .csv or .parquet (got {str(out)!r})")


def _starts_with(path: Path, magic: bytes) -> bool:
    try:
        with path.open("rb") as fh:
            return fh.read(len(magic)) == magic
    except OSError:
        return False


def _read_csv(path: Path, name: str) -> pd.DataFrame:
    try:
        raw = path.read_bytes()
    except OSError as exc:
        raise DataFileError(f"{name}: cannot read ({exc.strerror})") from None
    if not raw.strip():
        raise DataFileError(
            f"{name}: the file is empty; expected a header line {','.join(REQUIRED)} "
            "and one row per plot"
        )
    try:
        frame = pd.read_csv(
            io.BytesIO(raw),
            dtype=str,
            keep_default_na=False,
            skip_blank_lines=False,
            skipinitialspace=True,
        )
    except (pd.errors.ParserError, UnicodeDecodeError, ValueError) as exc:
        first = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        raise DataFileError(f"{name}: not a readable CSV file ({first})") from None
    frame.columns = [str(c).strip() for c in frame.columns]
    # pandas keeps blank lines as rows of empty strings: drop them, keep line numbers
    blank = (frame == "").all(axis=1).to_numpy()
    if blank.any():
        frame = frame[~blank]
    return frame


def _read_parquet(path: Path, name: str) -> pd.DataFrame:
    try:
        frame = pd.read_parquet(path)
    except Exception as exc:  # pyarrow raises many types for corrupt files
        first = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        raise DataFileError(f"{name}: not a readable Parquet file ({first})") from None
    frame.columns = [str(c) for c in frame.columns]
    return frame.reset_index(drop=True)


def _row_label_csv(frame: pd.DataFrame, i: int) -> str:
    return f"line {int(frame.index[i]) + 2}"


def _row_label_parquet(frame: pd.DataFrame, i: int) -> str:
    return f"row {int(frame.index[i])}"


def _numeric(
    frame: pd.DataFrame, column: str, name: str, where: Callable[[pd.DataFrame, int], str]
) -> FloatArray:
    """A column as finite float64, or a `DataFileError` naming the first bad value."""
    s = frame[column]
    if pd.api.types.is_bool_dtype(s):
        raise DataFileError(f"{name}: column {column}: must be numeric (got booleans)")
    values = pd.to_numeric(s, errors="coerce").to_numpy(dtype=np.float64, na_value=np.nan)
    bad = np.flatnonzero(~np.isfinite(values))
    if len(bad):
        i = int(bad[0])
        raw = s.iloc[i]
        at = where(frame, i)
        if isinstance(raw, str):
            text = raw.strip()
            if text == "":
                raise DataFileError(f"{name}: column {column}: {at}: empty value (got '')")
            try:
                float(text)
            except ValueError:
                raise DataFileError(
                    f"{name}: column {column}: {at}: not a number (got {raw!r})"
                ) from None
        raise DataFileError(
            f"{name}: column {column}: {at}: must be a finite number (got {_show(raw)})"
        )
    return values


def _show(value: object) -> str:
    if isinstance(value, str):
        return value.strip()
    if value is None or (isinstance(value, float) and np.isnan(value)):
        return "nan"
    return str(value)


def _write_atomic(frame: pd.DataFrame, out: Path, fmt: str) -> None:
    """Write to a temporary file beside ``out``, then move it into place."""
    parent = out.parent if str(out.parent) else Path(".")
    if not parent.is_dir():
        raise InputError(f"--out: folder {str(parent)!r} does not exist")
    fd, tmp = tempfile.mkstemp(prefix=f".{out.name}.", suffix=".tmp", dir=parent)
    try:
        with os.fdopen(fd, "wb") as fh:
            if fmt == "csv":
                fh.write(frame.to_csv(index=False, lineterminator="\n").encode())
            else:
                frame.to_parquet(fh, index=False)
        os.replace(tmp, out)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise
