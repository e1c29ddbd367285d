"""``iamd identify TRACKS --out IDS``: class cue and standard identity of every track update.

Formats (CSV or Parquet, chosen by the file extension):

- **TRACKS**: one row per track update. Required ``t_s`` (s), ``track_id`` (any text or number)
  and a position: geodetic ``lat_deg``, ``lon_deg`` (WGS84, degrees), ``alt_m`` (m above the
  ellipsoid), or local ``x_m, y_m, z_m`` (east, north, up from the point given by
  ``--origin LAT,LON[,ALT_M]``: the output of ``iamd track``). Optional
  ``vx_m_s, vy_m_s, vz_m_s`` (east, north, up velocity, all three or none; otherwise
  velocities are central differences of the plausible positions), ``squawk`` (a transponder
  code, empty for none; a Mode 3/A code, 4 octal digits, is checked against the flight plans
  that file one) or ``has_transponder`` (true/false, 1/0), ``reported_alt_m`` (the
  transponder's altitude; default the track's own when squawking), ``iff`` (true/false, 1/0:
  a valid allied IFF reply), and ``rcs_dbsm`` or ``rcs_m2`` (an RCS estimate per update;
  default unknown; the classifier sees the mean over the track's last ``RCS_AVERAGE_S``
  seconds and the number of updates averaged).
- **IDS**: one row per input row, sorted by ``track_id`` then ``t_s``: ``t_s, track_id, class,
  identity, rule, p_airliner, p_fighter, p_drone, p_cruise_missile, p_ballistic_missile,
  implausible, evidence``; ``class`` is the cue's most likely class (``unknown`` when the
  features are outside the classifier's training support), ``identity`` a lower-case STANAG
  1241 word (``pending`` ... ``hostile``), ``rule`` the rule that set it and ``evidence`` why
  (see :mod:`iamd.identify.identity`), ``implausible`` empty or the reason the update was
  not used. Numbers are written at full precision.

Each row's identity uses only that track's updates up to its time, through the same rules and
hysteresis as the engine: the classifier's window (20 states every 2 s, the last 38 s) is
interpolated linearly between plausible updates and extrapolated from the last one by at most
``MAX_COAST_S``. With ``--scenario`` the scenario's airspace control measures (friendly and
hostile territory, launch areas, protected zones, corridors, defended assets, declarations,
flight plans; ``t_s`` read as the scenario's seconds after its epoch) give the origin, zone
and flight-plan evidence; without it no origin evidence exists and only the
kinematic criteria can make a track hostile.

Implausible updates are flagged and never count as evidence (they keep the identity of the
update before): a time that goes back within a track (in file order), a position repeated
unchanged from the update before (a stale report), and jumps no aircraft or missile flies: a
one-update spike (the segments into and out of it leave the smooth velocity trend of their
neighbours in opposite directions), or a step, after which the track is followed as a new
one (it restarts at ``pending``). The allowance is ``JUMP_NOISE_M_S`` plus
``JUMP_ACCEL_M_S2`` × the time between the updates.

Bad input raises :class:`iamd.errors.DataFileError` with a message ``FILE: column x: rule (got
value in row N)`` (rows count from 1 after the header); nothing is written then. The output is
written to a temporary file in the same directory and renamed, so a reader never sees half a
file.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt
import pandas as pd

from iamd.errors import DataFileError, InputError
from iamd.files import cut, cut_names, read_csv_frame, write_atomic
from iamd.geo.wgs84 import (
    ecef_to_lla,
    ecef_vector_to_enu,
    enu_to_ecef,
    enu_vector_to_ecef,
    lla_to_ecef,
)
from iamd.identify.airspace import NO_AIRSPACE, Airspace
from iamd.identify.classifier import (
    CLASSES,
    IdentifyModel,
    classify,
    load_model,
    out_of_support,
)
from iamd.identify.features import (
    WINDOW_SAMPLES,
    WINDOW_STEP_S,
    AirwayNetwork,
    TrackWindow,
    compute_features,
)
from iamd.identify.identity import (
    RULES,
    IdentityRules,
    Judgement,
    evidence_strings,
    fold,
    identity_names,
    judge,
    scenario_identity_rules,
)

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.int64]

REQUIRED = ("t_s", "track_id")
GEODETIC = ("lat_deg", "lon_deg", "alt_m")
LOCAL = ("x_m", "y_m", "z_m")
VELOCITY = ("vx_m_s", "vy_m_s", "vz_m_s")
OUTPUT_COLUMNS = (
    "t_s",
    "track_id",
    "class",
    "identity",
    "rule",
    *(f"p_{c}" for c in CLASSES),
    "implausible",
    "evidence",
)
MAX_GAP_S = 60.0
"""Updates further apart than this are not interpolated between (s)."""
MAX_COAST_S = 20.0
"""Window samples at most this long after an update are extrapolated from it (s)."""
RCS_AVERAGE_S = 120.0
"""The RCS fed to the classifier is the mean (in power) over this much of the track (s)."""
JUMP_ACCEL_M_S2 = 20.0
"""Allowance per second between updates for a velocity's departure from the smooth trend of
its neighbours (m/s²); the trend itself, even a re-entry vehicle's deceleration, is free."""
JUMP_NOISE_M_S = 150.0
"""Allowance for position noise in a segment velocity (m/s: 50 m of report noise over 1 s,
three standard deviations)."""
_CHUNK_ROWS = 50_000


def identify_command(
    tracks_path: str | Path,
    out_path: str | Path,
    *,
    scenario: str | Path | None = None,
    origin: tuple[float, float, float] | None = None,
    airways: AirwayNetwork | None = None,
) -> int:
    """Read TRACKS, identify every row, write IDS atomically; returns 0 (exit status).

    Args:
        tracks_path, out_path: TRACKS to read, IDS to write.
        scenario: a scenario file or built-in name whose airspace control measures give the
            context and whose ``identification`` section sets the rules' thresholds
            (default: none, no origin evidence, the default thresholds).
        origin: (lat_deg, lon_deg, alt_m) of the local frame of ``x_m, y_m, z_m`` columns.
        airways: airports and airways for the features (default: the built-in airports).

    Raises:
        DataFileError: unreadable or malformed TRACKS, or an unsupported extension.
        ScenarioError: a bad scenario.
    """
    src = Path(tracks_path)
    dst = Path(out_path)
    _check_extension(dst, "output")
    if dst.exists() and src.exists() and dst.resolve() == src.resolve():
        raise DataFileError(f"{dst}: --out must not be the input file (got {src} twice)")
    airspace = NO_AIRSPACE
    rules = None
    if scenario is not None:
        from iamd.scenario.loader import load_scenario

        sc = load_scenario(scenario).scenario
        airspace = Airspace.from_scenario(sc)
        rules = scenario_identity_rules(sc.identification)
    df = read_tracks(src, origin=origin)
    out = identify_tracks(df, airways=airways, airspace=airspace, rules=rules)
    write_table(out, dst)
    return 0


def read_tracks(
    path: str | Path, *, origin: tuple[float, float, float] | None = None
) -> pd.DataFrame:
    """Read and validate a TRACKS file (see the module docstring); returns a clean frame with
    columns ``t_s, track_id, lat_deg, lon_deg, alt_m, [vx_m_s, vy_m_s, vz_m_s], squawk,
    reported_alt_m, iff, rcs_dbsm`` and the 1-based input row in ``row``. Local positions
    (``x_m, y_m, z_m`` about ``origin``, degrees and metres) are converted to geodetic ones."""
    p = Path(path)
    name = str(p)
    _check_extension(p, "input")
    try:
        if p.suffix.lower() == ".parquet":
            raw = pd.read_parquet(p)
        else:
            raw = read_csv_frame(p, name, dtype={"track_id": str, "squawk": str})
    except FileNotFoundError:
        raise DataFileError(f"{name}: no such file") from None
    except InputError as exc:
        raise DataFileError(str(exc).removeprefix("input: ")) from None
    except (OSError, ValueError, ImportError) as exc:
        raise DataFileError(f"{name}: cannot read the file ({cut(str(exc), 200)})") from None
    if len(raw) == 0:
        raise DataFileError(f"{name}: no rows (a header and at least one update are needed)")
    cols = [str(c) for c in raw.columns]
    for c in REQUIRED:
        if c not in cols:
            raise DataFileError(f"{name}: column {c}: missing (got columns {cut_names(cols)})")
    df = pd.DataFrame({"row": np.arange(1, len(raw) + 1)})
    tid = raw["track_id"]
    if tid.isna().any():
        row = int(np.flatnonzero(tid.isna().to_numpy())[0]) + 1
        raise DataFileError(
            f"{name}: column track_id: must not be empty (got nothing in row {row})"
        )
    df["track_id"] = tid.astype(str).to_numpy()
    df["t_s"] = _numeric(raw["t_s"], name, "t_s", -1e12, 1e12, required=True)
    if all(c in cols for c in GEODETIC):
        limits = {"lat_deg": (-90.0, 90.0), "lon_deg": (-180.0, 360.0),
                  "alt_m": (-1000.0, 2_000_000.0)}  # fmt: skip
        for c, (lo, hi) in limits.items():
            df[c] = _numeric(raw[c], name, c, lo, hi, required=True)
    elif all(c in cols for c in LOCAL):
        if origin is None:
            raise DataFileError(
                f"{name}: columns x_m, y_m, z_m: a local frame needs its origin: give "
                "--origin LAT,LON[,ALT_M] (or the columns lat_deg, lon_deg, alt_m)"
            )
        enu = np.stack([_numeric(raw[c], name, c, -5e6, 5e6, required=True) for c in LOCAL], axis=1)
        lat0, lon0, h0 = np.radians(origin[0]), np.radians(origin[1]), origin[2]
        lat, lon, h = ecef_to_lla(enu_to_ecef(enu, lat0, lon0, h0))
        df["lat_deg"], df["lon_deg"], df["alt_m"] = np.degrees(lat), np.degrees(lon), h
    else:
        missing = [c for c in GEODETIC if c not in cols]
        raise DataFileError(
            f"{name}: column {missing[0]}: missing: give lat_deg, lon_deg, alt_m or local "
            f"x_m, y_m, z_m with --origin (got columns {', '.join(cols)})"
        )
    present = [c for c in VELOCITY if c in cols]
    if present and len(present) != 3:
        missing = [c for c in VELOCITY if c not in cols]
        raise DataFileError(
            f"{name}: column {missing[0]}: vx_m_s, vy_m_s and vz_m_s come together "
            f"(got only {', '.join(present)})"
        )
    for c in present:
        df[c] = _numeric(raw[c], name, c, -20_000.0, 20_000.0, required=True)
    if present and origin is not None and not all(c in cols for c in GEODETIC):
        # local velocities are east/north/up at the origin: turn them to each point's axes
        v = enu_vector_to_ecef(df[list(VELOCITY)].to_numpy(np.float64),
                               np.radians(origin[0]), np.radians(origin[1]))  # fmt: skip
        v = ecef_vector_to_enu(
            v, np.radians(df["lat_deg"].to_numpy()), np.radians(df["lon_deg"].to_numpy())
        )
        for k, c in enumerate(VELOCITY):
            df[c] = v[:, k]
    if "squawk" in cols:
        s = raw["squawk"]
        text = s.astype(str).str.strip()
        df["squawk"] = (~s.isna() & (text != "") & (text.str.lower() != "nan")).to_numpy()
        # a Mode 3/A code is 4 octal digits; any other reply (an ICAO address, 'true') has
        # no code a flight plan can be checked against
        octal = df["squawk"].to_numpy() & text.str.fullmatch(r"[0-7]{4}").to_numpy(bool)
        digits = pd.to_numeric(text.where(octal, "0")).to_numpy(np.int64)
        df["code"] = np.where(octal, _octal_value(digits), -1)
    elif "has_transponder" in cols:
        df["squawk"] = _boolean(raw["has_transponder"], name, "has_transponder")
        df["code"] = -1
    else:
        df["squawk"] = False
        df["code"] = -1
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
    airspace: Airspace = NO_AIRSPACE,
    rules: IdentityRules | None = None,
) -> pd.DataFrame:
    """Identity of every row of a validated TRACKS frame (:func:`read_tracks`), as IDS."""
    r = IdentityRules() if rules is None else rules
    mdl = load_model() if model is None else model
    n = len(df)
    t = df["t_s"].to_numpy(np.float64)
    lat = np.radians(df["lat_deg"].to_numpy(np.float64))
    lon = np.radians(df["lon_deg"].to_numpy(np.float64))
    pos = lla_to_ecef(lat, lon, df["alt_m"].to_numpy(np.float64)).reshape(n, 3)
    ids, track = np.unique(df["track_id"].to_numpy(), return_inverse=True)
    reason = implausible_updates(t, pos, track, df["row"].to_numpy())
    ok = reason == ""
    # the plausible updates, followed as segments (a step in the data starts a new one)
    k = np.flatnonzero(ok)
    seg = _segments(t[k], pos[k], track[k])
    tk, pk = t[k], pos[k]
    seg_start = np.flatnonzero(np.r_[True, seg[1:] != seg[:-1]])
    first = seg_start[np.searchsorted(seg_start, np.arange(len(k)), side="right") - 1]
    nth = np.arange(len(k)) - first  # index of each update within its segment
    sub = df.iloc[k].reset_index(drop=True)
    rcs_db, looks = _rcs_average(tk, sub["rcs_dbsm"].to_numpy(np.float64), seg)
    if all(c in df.columns for c in VELOCITY):
        enu = sub[list(VELOCITY)].to_numpy(np.float64)
        vel = enu_vector_to_ecef(enu, lat[k], lon[k]).reshape(len(k), 3)
    else:
        vel = _difference_velocity(tk, pk, seg)
    m = len(k)
    # Mode 3/A codes of the replies (-1: none; a frame built without read_tracks has none)
    codes = sub["code"].to_numpy(np.int64) if "code" in sub.columns else np.full(m, -1)
    probs = np.full((m, len(CLASSES)), np.nan)
    parts: list[Judgement] = []
    for lo in range(0, m, _CHUNK_ROWS):
        rows = np.arange(lo, min(m, lo + _CHUNK_ROWS))
        w = _windows(rows, tk, pk, vel, seg, first, sub, rcs_db, looks)
        f = compute_features(w, airways)
        x = f.matrix()  # the classifier's input, read twice
        p = classify(x, mdl)
        probs[rows] = p
        parts.append(
            judge(
                f,
                p,
                pos_ecef_m=pk[rows],
                vel_ecef_m_s=vel[rows],
                first_pos_ecef_m=pk[first[rows]],
                updates=nth[rows] + 1,
                t_s=tk[rows],
                code=codes[rows],
                out_of_support=out_of_support(x, mdl),
                airspace=airspace,
                rules=r,
            )
        )
    ev = _concat(parts)
    code, rule, src = fold(seg, tk, ev, r)
    why = np.full(m, "", dtype=object)
    has = src >= 0
    if has.any():
        u, inv = np.unique(src[has], return_inverse=True)
        why[has] = evidence_strings(code[u], rule[u], ev.take(u), r)[inv]
    why[~has] = evidence_strings(code[~has], rule[~has], ev.take(np.flatnonzero(~has)), r)
    # every input row: a flagged one keeps the identity of the plausible update before it
    last_ok = np.maximum.accumulate(np.where(ok, np.arange(n), -1))
    same = (last_ok >= 0) & (track[np.maximum(last_ok, 0)] == track)
    at = np.full(n, -1, dtype=np.int64)
    at[k] = np.arange(m)
    take = np.where(same, at[np.maximum(last_ok, 0)], -1)
    got = take >= 0
    ti = np.maximum(take, 0)
    cls_idx = np.where(ev.out_of_support, -1, np.argmax(np.nan_to_num(probs), axis=1))
    names = np.asarray((*CLASSES, "unknown"))
    out = pd.DataFrame(
        {
            "t_s": t,
            "track_id": ids[track],
            "class": np.where(got, names[cls_idx[ti]], "unknown") if m else "unknown",
            "identity": np.where(got, identity_names(code[ti] if m else 0), "pending"),
            "rule": np.where(got, np.asarray(RULES)[rule[ti] if m else 0], "R2"),
        }
    )
    for c_i, c in enumerate(CLASSES):
        out[f"p_{c}"] = np.where(got, probs[ti, c_i] if m else np.nan, np.nan)
    out["implausible"] = reason
    out["evidence"] = np.where(
        got, why[ti] if m else "", "R2 pending: no plausible update yet"
    ).astype(str)
    out["evidence"] = np.where(
        ok, out["evidence"], "implausible update, not evidence; " + out["evidence"]
    )
    return out


def implausible_updates(
    t_s: FloatArray, pos_ecef_m: FloatArray, track: IntArray, row: npt.ArrayLike
) -> npt.NDArray[np.str_]:
    """Why each update is not evidence (``''``: plausible), for updates sorted by track then
    time, with their input order ``row``:

    - ``time goes back``: earlier than an update of the same track before it in the file;
    - ``repeated position``: the same position as the update before (a stale report);
    - ``jump``: a one-update spike, away and back, that no aircraft or missile flies (see
      the module docstring).
    """
    n = len(t_s)
    out = np.full(n, "", dtype="<U20")
    if n == 0:
        return out
    r = np.asarray(row)
    # time going back in file order: an update whose input row comes after a later one's
    order = np.lexsort((r, track))
    tt = t_s[order]
    tr = track[order]
    cm = _group_cummax(tt, tr)
    back_sorted = np.r_[False, (tt[1:] < cm[:-1]) & (tr[1:] == tr[:-1])]
    back = np.zeros(n, dtype=bool)
    back[order] = back_sorted
    prev_same = np.r_[False, track[1:] == track[:-1]]
    rep = prev_same & np.r_[False, np.all(pos_ecef_m[1:] == pos_ecef_m[:-1], axis=1)]
    out[rep] = "repeated position"
    out[back] = "time goes back"
    k = np.flatnonzero(out == "")
    spike = _spikes(t_s[k], pos_ecef_m[k], track[k])
    out[k[spike]] = "jump"
    return out


def write_table(df: pd.DataFrame, path: str | Path) -> None:
    """Write CSV or Parquet (by extension) atomically (``iamd.files.write_atomic``)."""
    p = Path(path)
    _check_extension(p, "output")
    if p.parent and not p.parent.exists():
        raise DataFileError(f"{p}: the directory {p.parent} does not exist")
    if p.suffix.lower() == ".parquet":
        write_atomic(p, lambda fh: df.to_parquet(fh, index=False))
    else:  # shortest repr: full precision
        write_atomic(p, df.to_csv(index=False).encode("utf-8"))


# --------------------------------------------------------------------------- private helpers


def _concat(parts: list[Judgement]) -> Judgement:
    if parts:
        return Judgement.concat(parts)
    from iamd.identify.features import features_from_columns

    return judge(features_from_columns(speed_m_s=np.zeros(0)), np.zeros((0, len(CLASSES))))


def _octal_value(digits: IntArray) -> IntArray:
    """The values of 4-digit octal numbers written in decimal digits (2301 -> 0o2301).

    >>> _octal_value(np.array([2301, 7777, 0])).tolist() == [0o2301, 0o7777, 0]
    True
    """
    d = np.asarray(digits, dtype=np.int64)
    return np.asarray((d // 1000 % 10) * 512 + (d // 100 % 10) * 64 + (d // 10 % 10) * 8 + d % 10)


def _group_cummax(x: FloatArray, group: IntArray) -> FloatArray:
    """Running maximum of ``x`` within each run of equal ``group`` values."""
    if len(x) == 0:
        return x.copy()
    lo = float(np.min(x))
    span = float(np.max(x) - lo) + 1.0
    g = np.concatenate([[0], np.cumsum(group[1:] != group[:-1])])
    shifted = (x - lo) + g * span  # each group above all earlier ones
    return np.asarray(np.maximum.accumulate(shifted) - g * span + lo)


def _segment_velocities(t_s: FloatArray, pos: FloatArray, group: IntArray) -> FloatArray:
    """(n, 3) velocity of the segment from update i-1 to update i, at row i (NaN at a
    group's first update or where the time does not advance)."""
    n = len(t_s)
    v = np.full((n, 3), np.nan)
    if n >= 2:
        dt = np.diff(t_s)
        good = (group[1:] == group[:-1]) & (dt > 0)
        v[1:][good] = (pos[1:] - pos[:-1])[good] / dt[good][:, None]
    return v


def _jump_limit(t_s: FloatArray) -> FloatArray:
    """(n,) largest plausible velocity deviation of segment i (m/s)."""
    dt = np.r_[np.nan, np.diff(t_s)]
    return np.asarray(JUMP_NOISE_M_S + JUMP_ACCEL_M_S2 * np.nan_to_num(dt, nan=0.0))


def _spikes(t_s: FloatArray, pos: FloatArray, group: IntArray) -> npt.NDArray[np.bool_]:
    """Updates that jump away and come back: the segments into and out of update s deviate,
    in opposite directions, from the line through the velocities of the segments around
    them (``v[s-1]`` and ``v[s+2]``), each by more than :func:`_jump_limit`. A smooth
    trajectory, even a re-entry vehicle decelerating at tens of g, stays on that line."""
    n = len(t_s)
    spike = np.zeros(n, dtype=bool)
    if n < 4:
        return spike
    v = _segment_velocities(t_s, pos, group)
    lim = _jump_limit(t_s)
    before, into, out, after = v[:-3], v[1:-2], v[2:-1], v[3:]
    r_in = into - (2.0 * before + after) / 3.0
    r_out = out - (before + 2.0 * after) / 3.0
    big = (np.linalg.norm(r_in, axis=1) > lim[1:-2]) & (np.linalg.norm(r_out, axis=1) > lim[2:-1])
    opposite = np.einsum("ni,ni->n", r_in, r_out) < 0.0
    # segment i+1 runs into update i+1: the spike is the update between `into` and `out`
    spike[1:-2] = np.nan_to_num(big & opposite, nan=False)
    return spike


def _segments(t_s: FloatArray, pos: FloatArray, track: IntArray) -> IntArray:
    """Segment number of each update: a track is cut where its data steps (one segment's
    velocity deviates from the mean of its neighbours' by more than :func:`_jump_limit`,
    more than theirs do), and from that update on it is followed as a new track."""
    n = len(t_s)
    start = np.r_[True, track[1:] != track[:-1]] if n else np.zeros(0, dtype=bool)
    if n >= 3:
        v = _segment_velocities(t_s, pos, track)
        dev = np.full(n, 0.0)
        dev[1:-1] = np.nan_to_num(np.linalg.norm(v[1:-1] - 0.5 * (v[:-2] + v[2:]), axis=1), nan=0.0)
        peak = np.zeros(n, dtype=bool)
        peak[1:-1] = (
            (dev[1:-1] > _jump_limit(t_s)[1:-1]) & (dev[1:-1] >= dev[:-2]) & (dev[1:-1] >= dev[2:])
        )
        start |= peak
    return np.asarray(np.cumsum(start) - 1, dtype=np.int64)


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
