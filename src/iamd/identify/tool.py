"""``iamd identify TRACKS --out IDS``: class and standard identity of every track update in a file.

Formats (CSV or Parquet, chosen by the file extension):

- **TRACKS**: one row per track update. Required ``t_s`` (s), ``track_id`` (any text or number),
  ``lat_deg``, ``lon_deg`` (WGS84, degrees), ``alt_m`` (m above the ellipsoid). Optional
  ``vx_m_s, vy_m_s, vz_m_s`` (ENU velocity, all three or none; otherwise velocities are central
  differences of the positions), ``squawk`` (a transponder code; empty means none) or
  ``has_transponder`` (true/false, 1/0), ``reported_alt_m`` (the transponder's altitude; default
  the track's own when squawking), ``iff`` (true/false, 1/0: a valid allied IFF reply), and
  ``rcs_dbsm`` or ``rcs_m2`` (an RCS estimate per update; default unknown; the classifier sees
  the mean over the track's last ``RCS_AVERAGE_S`` seconds and the number of updates averaged).
- **IDS**: one row per input row, sorted by ``track_id`` then ``t_s``: ``t_s, track_id, class,
  identity, p_airliner, p_fighter, p_drone, p_cruise_missile, p_ballistic_missile, evidence``;
  ``identity`` is a lower-case STANAG 1241 word (``pending`` ... ``hostile``), ``evidence`` the
  rule that fired (see :mod:`iamd.identify.identity`).

Each row's identity uses only that track's updates up to its time: the window of the classifier
(20 states every 2 s, the last 38 s) is interpolated linearly between updates and extrapolated
from the last update by at most ``MAX_COAST_S``. Bad input raises
:class:`iamd.errors.DataFileError` with a message ``FILE: column x: rule (got value in row N)``
(rows count from 1 after the header); nothing is written then. The output is written to a
temporary file in the same directory and renamed, so a reader never sees half a file.
"""

from __future__ import annotations

import os
import tempfile
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt
import pandas as pd

from iamd.errors import DataFileError
from iamd.geo.wgs84 import enu_vector_to_ecef, lla_to_ecef
from iamd.identify.classifier import CLASSES, IdentifyModel, classify
from iamd.identify.features import (
    WINDOW_SAMPLES,
    WINDOW_STEP_S,
    AirwayNetwork,
    TrackWindow,
    compute_features,
)
from iamd.identify.identity import identity_from_features, identity_names

FloatArray = npt.NDArray[np.float64]

REQUIRED = ("t_s", "track_id", "lat_deg", "lon_deg", "alt_m")
VELOCITY = ("vx_m_s", "vy_m_s", "vz_m_s")
OUTPUT_COLUMNS = (
    "t_s",
    "track_id",
    "class",
    "identity",
    *(f"p_{c}" for c in CLASSES),
    "evidence",
)
MAX_GAP_S = 60.0
"""Updates further apart than this are not interpolated between (s)."""
MAX_COAST_S = 20.0
"""Window samples at most this long after an update are extrapolated from it (s)."""
RCS_AVERAGE_S = 120.0
"""The RCS fed to the classifier is the mean (in power) over this much of the track (s)."""
_CHUNK_ROWS = 50_000


def identify_command(
    tracks_path: str | Path, out_path: str | Path, *, airways: AirwayNetwork | None = None
) -> int:
    """Read TRACKS, identify every row, write IDS atomically; returns 0 (exit status).

    Raises:
        DataFileError: unreadable or malformed TRACKS, or an unsupported extension.
    """
    src = Path(tracks_path)
    dst = Path(out_path)
    _check_extension(dst, "output")
    df = read_tracks(src)
    out = identify_tracks(df, airways=airways)
    write_table(out, dst)
    return 0


def read_tracks(path: str | Path) -> pd.DataFrame:
    """Read and validate a TRACKS file (see the module docstring); returns a clean frame with
    columns ``t_s, track_id, lat_deg, lon_deg, alt_m, [vx_m_s, vy_m_s, vz_m_s], squawk,
    reported_alt_m, iff, rcs_dbsm`` and the 1-based input row in ``row``."""
    p = Path(path)
    name = str(p)
    _check_extension(p, "input")
    try:
        if p.suffix.lower() == ".parquet":
            raw = pd.read_parquet(p)
        else:
            raw = pd.read_csv(p, dtype={"track_id": str, "squawk": str})
    except FileNotFoundError:
        raise DataFileError(f"{name}: no such file") from None
    except (OSError, ValueError, ImportError) as exc:
        raise DataFileError(f"{name}: cannot read the file ({exc})") from None
    if len(raw) == 0:
        raise DataFileError(f"{name}: no rows (a header and at least one update are needed)")
    cols = [str(c) for c in raw.columns]
    for c in REQUIRED:
        if c not in cols:
            raise DataFileError(f"{name}: column {c}: missing (got columns {', '.join(cols)})")
    df = pd.DataFrame({"row": np.arange(1, len(raw) + 1)})
    tid = raw["track_id"]
    if tid.isna().any():
        row = int(np.flatnonzero(tid.isna().to_numpy())[0]) + 1
        raise DataFileError(
            f"{name}: column track_id: must not be empty (got nothing in row {row})"
        )
    df["track_id"] = tid.astype(str).to_numpy()
    limits = {
        "t_s": (-np.inf, np.inf),
        "lat_deg": (-90.0, 90.0),
        "lon_deg": (-180.0, 360.0),
        "alt_m": (-1000.0, 2_000_000.0),
    }
    for c, (lo, hi) in limits.items():
        df[c] = _numeric(raw[c], name, c, lo, hi, required=True)
    present = [c for c in VELOCITY if c in cols]
    if present and len(present) != 3:
        missing = [c for c in VELOCITY if c not in cols]
        raise DataFileError(
            f"{name}: column {missing[0]}: vx_m_s, vy_m_s and vz_m_s come together "
            f"(got only {', '.join(present)})"
        )
    for c in present:
        df[c] = _numeric(raw[c], name, c, -20_000.0, 20_000.0, required=True)
    if "squawk" in cols:
        s = raw["squawk"]
        text = s.astype(str).str.strip()
        df["squawk"] = (~s.isna() & (text != "") & (text.str.lower() != "nan")).to_numpy()
    elif "has_transponder" in cols:
        df["squawk"] = _boolean(raw["has_transponder"], name, "has_transponder")
    else:
        df["squawk"] = False
    df["iff"] = _boolean(raw["iff"], name, "iff") if "iff" in cols else False
    if "reported_alt_m" in cols:
        rep = _numeric(raw["reported_alt_m"], name, "reported_alt_m", -1000.0, 100_000.0)
        df["reported_alt_m"] = np.where(np.isfinite(rep), rep, df["alt_m"].to_numpy())
    else:
        df["reported_alt_m"] = df["alt_m"].to_numpy()
    df["reported_alt_m"] = np.where(df["squawk"].to_numpy(), df["reported_alt_m"], np.nan)
    if "rcs_dbsm" in cols:
        df["rcs_dbsm"] = _numeric(raw["rcs_dbsm"], name, "rcs_dbsm", -60.0, 60.0)
    elif "rcs_m2" in cols:
        rcs = _numeric(raw["rcs_m2"], name, "rcs_m2", 0.0, 1e6)
        if np.any(rcs == 0.0):
            row = int(np.flatnonzero(rcs == 0.0)[0]) + 1
            raise DataFileError(f"{name}: column rcs_m2: must be > 0 (got 0 in row {row})")
        df["rcs_dbsm"] = 10.0 * np.log10(rcs)
    else:
        df["rcs_dbsm"] = np.nan
    df = df.sort_values(["track_id", "t_s", "row"], kind="stable").reset_index(drop=True)
    same = (df["track_id"].to_numpy()[1:] == df["track_id"].to_numpy()[:-1]) & (
        df["t_s"].to_numpy()[1:] == df["t_s"].to_numpy()[:-1]
    )
    if same.any():
        i = int(np.flatnonzero(same)[0]) + 1
        raise DataFileError(
            f"{name}: column t_s: each track needs distinct times (got {df['t_s'].iat[i]:g} "
            f"twice for track {df['track_id'].iat[i]}, rows {df['row'].iat[i - 1]} and "
            f"{df['row'].iat[i]})"
        )
    return df


def identify_tracks(
    df: pd.DataFrame,
    *,
    airways: AirwayNetwork | None = None,
    model: IdentifyModel | None = None,
) -> pd.DataFrame:
    """Identity of every row of a validated TRACKS frame (:func:`read_tracks`), as IDS."""
    n = len(df)
    t = df["t_s"].to_numpy(np.float64)
    lat = np.radians(df["lat_deg"].to_numpy(np.float64))
    lon = np.radians(df["lon_deg"].to_numpy(np.float64))
    pos = lla_to_ecef(lat, lon, df["alt_m"].to_numpy(np.float64)).reshape(n, 3)
    codes, track_start = np.unique(df["track_id"].to_numpy(), return_index=True)
    track = np.searchsorted(codes, df["track_id"].to_numpy())
    first = track_start[track]
    rcs_db, looks = _rcs_average(t, df["rcs_dbsm"].to_numpy(np.float64), track)
    if all(c in df.columns for c in VELOCITY):
        enu = df[list(VELOCITY)].to_numpy(np.float64)
        vel = enu_vector_to_ecef(enu, lat, lon).reshape(n, 3)
    else:
        vel = _difference_velocity(t, pos, track)
    probs = np.empty((n, len(CLASSES)))
    ident = np.empty(n, dtype=object)
    why = np.empty(n, dtype=object)
    for lo in range(0, n, _CHUNK_ROWS):
        rows = np.arange(lo, min(n, lo + _CHUNK_ROWS))
        w = _windows(rows, t, pos, vel, track, first, df, rcs_db, looks)
        f = compute_features(w, airways)
        p = classify(f, model)
        code, ev = identity_from_features(p, f)
        probs[rows] = p
        ident[rows] = identity_names(code)
        why[rows] = ev
    out = pd.DataFrame(
        {
            "t_s": t,
            "track_id": df["track_id"].to_numpy(),
            "class": np.asarray(CLASSES)[probs.argmax(axis=1)],
            "identity": ident.astype(str),
        }
    )
    for k, c in enumerate(CLASSES):
        out[f"p_{c}"] = probs[:, k]
    out["evidence"] = why.astype(str)
    return out


def write_table(df: pd.DataFrame, path: str | Path) -> None:
    """Write CSV or Parquet (by extension) atomically: a temporary file, then a rename."""
    p = Path(path)
    _check_extension(p, "output")
    if p.parent and not p.parent.exists():
        raise DataFileError(f"{p}: the directory {p.parent} does not exist")
    fd, tmp = tempfile.mkstemp(prefix=f".{p.name}.", suffix=".tmp", dir=p.parent or ".")
    os.close(fd)
    try:
        if p.suffix.lower() == ".parquet":
            df.to_parquet(tmp, index=False)
        else:
            df.to_csv(tmp, index=False, float_format="%.6g")
        os.replace(tmp, p)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


# --------------------------------------------------------------------------- private helpers


def _check_extension(p: Path, what: str) -> None:
    if p.suffix.lower() not in (".csv", ".parquet"):
        raise DataFileError(
            f"{p}: the {what} must be a .csv or .parquet file (got {p.suffix or 'no extension'})"
        )


def _numeric(
    col: pd.Series, name: str, c: str, lo: float, hi: float, *, required: bool = False
) -> FloatArray:
    vals = pd.to_numeric(col, errors="coerce").to_numpy(np.float64)
    bad_text = np.isnan(vals) & ~col.isna().to_numpy()
    if bad_text.any():
        i = int(np.flatnonzero(bad_text)[0])
        raise DataFileError(
            f"{name}: column {c}: must be a number (got {col.iat[i]!r} in row {i + 1})"
        )
    if required and np.isnan(vals).any():
        i = int(np.flatnonzero(np.isnan(vals))[0])
        raise DataFileError(f"{name}: column {c}: must not be empty (got nothing in row {i + 1})")
    out = (np.isfinite(vals) & ((vals < lo) | (vals > hi))) | np.isinf(vals)
    if out.any():
        i = int(np.flatnonzero(out)[0])
        raise DataFileError(
            f"{name}: column {c}: must be within [{lo:g}, {hi:g}] (got {vals[i]:g} in row {i + 1})"
        )
    return vals


_TRUE = {"true", "1", "yes", "y", "t", "1.0"}
_FALSE = {"false", "0", "no", "n", "f", "0.0", "", "nan", "none"}


def _boolean(col: pd.Series, name: str, c: str) -> npt.NDArray[np.bool_]:
    text = col.astype(str).str.strip().str.lower()
    ok = text.isin(_TRUE | _FALSE) | col.isna()
    if not ok.all():
        i = int(np.flatnonzero(~ok.to_numpy())[0])
        raise DataFileError(
            f"{name}: column {c}: must be true/false or 1/0 (got {col.iat[i]!r} in row {i + 1})"
        )
    return np.asarray(text.isin(_TRUE).to_numpy(), dtype=bool)


def _difference_velocity(t: FloatArray, pos: FloatArray, track: npt.NDArray[Any]) -> FloatArray:
    """Central differences within each track (one-sided at its ends; zero for a single update)."""
    n = len(t)
    i = np.arange(n)
    prev = np.where((i > 0) & (np.roll(track, 1) == track), i - 1, i)
    nxt = np.where((i < n - 1) & (np.roll(track, -1) == track), i + 1, i)
    dt = t[nxt] - t[prev]
    ok = dt > 0
    return np.where(ok[:, None], (pos[nxt] - pos[prev]) / np.where(ok, dt, 1.0)[:, None], 0.0)


def _rcs_average(
    t: FloatArray, rcs_db: FloatArray, track: npt.NDArray[Any]
) -> tuple[FloatArray, FloatArray]:
    """Mean RCS (dBsm of the mean power) and count of finite values over the last
    ``RCS_AVERAGE_S`` of each track, at each update (rows sorted by track, then time)."""
    ok = np.isfinite(rcs_db)
    lin = np.where(ok, 10.0 ** (np.where(ok, rcs_db, 0.0) / 10.0), 0.0)
    c_lin = np.concatenate([[0.0], np.cumsum(lin)])
    c_cnt = np.concatenate([[0], np.cumsum(ok)])
    t0 = float(t.min()) if len(t) else 0.0
    span = float(t.max() - t0) + 2.0 * RCS_AVERAGE_S + 1.0 if len(t) else 1.0
    key = track * span + (t - t0)
    lo = np.searchsorted(key, key - RCS_AVERAGE_S, side="right")
    i = np.arange(len(t))
    cnt = (c_cnt[i + 1] - c_cnt[lo]).astype(np.float64)
    mean = (c_lin[i + 1] - c_lin[lo]) / np.where(cnt > 0, cnt, 1.0)
    with np.errstate(divide="ignore"):
        db = np.where(cnt > 0, 10.0 * np.log10(np.where(cnt > 0, mean, 1.0)), np.nan)
    return db, np.where(cnt > 0, cnt, np.nan)


def _windows(
    rows: npt.NDArray[np.int64],
    t: FloatArray,
    pos: FloatArray,
    vel: FloatArray,
    track: npt.NDArray[Any],
    first: npt.NDArray[Any],
    df: pd.DataFrame,
    rcs_db: FloatArray,
    looks: FloatArray,
) -> TrackWindow:
    """The classifier's window ending at each of ``rows``, from updates of the same track."""
    offs = WINDOW_STEP_S * np.arange(WINDOW_SAMPLES - 1, -1, -1)
    ts = t[rows][:, None] - offs[None, :]  # (rows, w)
    # updates are sorted by (track, t): search each sample time within its own track
    t0 = float(t.min())
    span = float(t.max() - t0) + 10.0 * MAX_GAP_S + 1.0
    key = track * span + (t - t0)
    k_s = track[rows][:, None] * span + (ts - t0)
    j = np.searchsorted(key, k_s, side="right") - 1  # last update at or before the sample
    j = np.clip(j, 0, len(t) - 1)
    same = track[j] == track[rows][:, None]
    after_first = ts >= t[first[rows]][:, None] - 1e-9
    jn = np.minimum(j + 1, len(t) - 1)
    has_next = (track[jn] == track[j]) & (jn != j) & (t[jn] <= t[rows][:, None] + 1e-9)
    gap = t[jn] - t[j]
    interp = has_next & (gap <= MAX_GAP_S) & (gap > 0)
    frac = np.where(interp, (ts - t[j]) / np.where(interp, gap, 1.0), 0.0)
    dt = ts - t[j]
    p_lin = pos[j] + frac[..., None] * (pos[jn] - pos[j])
    v_lin = vel[j] + frac[..., None] * (vel[jn] - vel[j])
    p_ext = pos[j] + dt[..., None] * vel[j]
    coast_ok = dt <= MAX_COAST_S
    valid = same & after_first & (interp | coast_ok)
    p_w = np.where(interp[..., None], p_lin, p_ext)
    v_w = np.where(interp[..., None], v_lin, vel[j])
    last = rows
    rep = df["reported_alt_m"].to_numpy(np.float64)[last]
    return TrackWindow(
        t_s=ts,
        pos_ecef_m=p_w,
        vel_ecef_m_s=v_w,
        valid=valid,
        first_pos_ecef_m=pos[first[rows]],
        age_s=t[rows] - t[first[rows]],
        rcs_dbsm=rcs_db[last],
        rcs_looks=looks[last],
        squawk=df["squawk"].to_numpy(bool)[last],
        reported_alt_m=rep,
        iff=df["iff"].to_numpy(bool)[last],
    )
