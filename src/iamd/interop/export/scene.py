"""What every export shows, in one format-neutral picture of a run.

A :class:`Scene` holds the defended assets, the radars and fire units with their ranges, the
truth trajectories (sampled in 3-D, with the apogee of each flight and its exact end: the
intercept, impact or landing), the air picture's tracks with their STANAG 1241 identity over
time, the intercepts, misses, leakers' impacts and the engagements (unit to intercept point),
all in WGS84 degrees and metres with times in seconds after the scenario epoch. The writers
(`czml`, `kml`, `geojson`, `cot`) only lay it out.

The tracks need the picture at every step, which the run's result does not keep: record it
with a :class:`TrackRecorder` passed as the engine's ``on_step`` hook. Without a recording the
scene has no tracks (every other layer is complete).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

import numpy as np
import numpy.typing as npt
import pandas as pd

from iamd.geo.geodesic import geodesic_forward
from iamd.geo.wgs84 import ecef_to_lla, ecef_vector_to_enu, enu_rotation
from iamd.identify.truth_identity import STANDARD_IDENTITIES
from iamd.interop.export import symbols as s
from iamd.sim.engine import RunResult, StepPicture

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.int64]
RING_STEP_DEG = 3.0
"""Spacing of the points of a range ring (deg of azimuth)."""


# ---------------------------------------------------------------------- recording


@dataclass(frozen=True, slots=True, kw_only=True)
class TrackFrame:
    """The confirmed tracks of one step in display units (M rows).

    Attributes:
        t_s: time of the states (s after the epoch).
        picture: (M,) picture name (``joint`` or a nation code).
        number: (M,) track number within the picture.
        entity: (M,) index of the object the track follows in ``result.truth.ids`` (-1: a
            false track).
        lat_deg, lon_deg, alt_m: (M,) WGS84 position.
        course_deg: (M,) course over ground, clockwise from true north, in [0, 360).
        speed_m_s: (M,) horizontal speed.
        climb_m_s: (M,) vertical speed (up positive).
        sigma_h_m: (M,) 1-sigma horizontal position error (the larger axis of the
            horizontal covariance ellipse); 0 for the truth picture.
        sigma_v_m: (M,) 1-sigma vertical position error.
        sigma_e_m, sigma_n_m: (M,) 1-sigma east and north position errors (the diagonal of
            the ENU covariance; 0 for the truth picture).
        sigma_ve_m_s, sigma_vn_m_s: (M,) 1-sigma east and north velocity errors.
        identity: (M,) STANAG 1241 identity word.
        cls: (M,) most likely class ('' : not classified).
        age_s: (M,) time since the track's last update by a plot (s; NaN for the truth
            picture).
    """

    t_s: float
    picture: npt.NDArray[np.str_]
    number: IntArray
    entity: IntArray
    lat_deg: FloatArray
    lon_deg: FloatArray
    alt_m: FloatArray
    course_deg: FloatArray
    speed_m_s: FloatArray
    climb_m_s: FloatArray
    sigma_h_m: FloatArray
    sigma_v_m: FloatArray
    sigma_e_m: FloatArray
    sigma_n_m: FloatArray
    sigma_ve_m_s: FloatArray
    sigma_vn_m_s: FloatArray
    identity: npt.NDArray[np.str_]
    cls: npt.NDArray[np.str_]
    age_s: FloatArray

    def __len__(self) -> int:
        return len(self.number)


def track_frame(step: StepPicture) -> TrackFrame:
    """A step's tracks (:class:`iamd.sim.engine.StepPicture`) in display units."""
    pos = step.state_ecef[:, :3]
    lat, lon, alt = ecef_to_lla(pos) if len(pos) else (np.zeros(0),) * 3
    vel = ecef_vector_to_enu(step.state_ecef[:, 3:], lat, lon) if len(pos) else np.zeros((0, 3))
    rot = enu_rotation(lat, lon) if len(pos) else np.zeros((0, 3, 3))
    cov_enu = np.einsum("mij,mjk,mlk->mil", rot, step.covar_ecef[:, :3, :3], rot)
    vel_var = np.einsum("mij,mjk,mik->mi", rot[:, :2], step.covar_ecef[:, 3:, 3:], rot[:, :2])
    sd_vel = np.sqrt(np.clip(vel_var, 0.0, None))  # (M, 2) east, north
    horiz = np.linalg.eigvalsh(cov_enu[:, :2, :2]) if len(pos) else np.zeros((0, 2))
    names = np.array(step.names, dtype=str)
    ident = np.array(STANDARD_IDENTITIES, dtype=str)
    return TrackFrame(
        t_s=float(step.t_s),
        picture=names[step.picture] if len(pos) else np.zeros(0, dtype=str),
        number=np.asarray(step.number, dtype=np.int64),
        entity=np.asarray(step.entity, dtype=np.int64),
        lat_deg=np.degrees(lat),
        lon_deg=np.degrees(lon),
        alt_m=np.asarray(alt, dtype=np.float64),
        course_deg=np.degrees(np.arctan2(vel[:, 0], vel[:, 1])) % 360.0,
        speed_m_s=np.hypot(vel[:, 0], vel[:, 1]),
        climb_m_s=np.asarray(vel[:, 2], dtype=np.float64),
        sigma_h_m=np.sqrt(np.clip(horiz[:, -1], 0.0, None)) if len(pos) else np.zeros(0),
        sigma_v_m=np.sqrt(np.clip(cov_enu[:, 2, 2], 0.0, None)),
        sigma_e_m=np.sqrt(np.clip(cov_enu[:, 0, 0], 0.0, None)),
        sigma_n_m=np.sqrt(np.clip(cov_enu[:, 1, 1], 0.0, None)),
        sigma_ve_m_s=sd_vel[:, 0],
        sigma_vn_m_s=sd_vel[:, 1],
        identity=ident[step.identity] if len(pos) else np.zeros(0, dtype=str),
        cls=np.asarray(step.cls, dtype=str),
        age_s=(
            np.full(len(step.number), np.nan)
            if step.updated_s is None
            else float(step.t_s) - np.asarray(step.updated_s, dtype=np.float64)
        ),
    )


@dataclass(slots=True)
class TrackRecorder:
    """Records the picture at every step: pass it as ``on_step`` to ``iamd.sim.engine.run``,
    then hand it to the exports.

    Attributes:
        frames: every step's tracks in display units (:class:`TrackFrame`, compact: no
            covariance matrices are kept).
        listeners: more hooks called with each step (e.g. a live Cursor-on-Target stream).
    """

    frames: list[TrackFrame] = field(default_factory=list)
    listeners: list[Callable[[StepPicture], None]] = field(default_factory=list)

    def __call__(self, step: StepPicture) -> None:
        self.frames.append(track_frame(step))
        for fn in self.listeners:
            fn(step)


# ---------------------------------------------------------------------- the scene


@dataclass(frozen=True, slots=True, kw_only=True)
class Site:
    """A point object: a defended asset, a radar or a fire unit."""

    id: str
    label: str
    role: str  # asset | radar | fire_unit
    nation: str
    type: str
    kind: str
    lat_deg: float
    lon_deg: float
    alt_m: float
    sidc: str
    properties: dict[str, object]
    rings: list[Ring]


@dataclass(frozen=True, slots=True, kw_only=True)
class Ring:
    """A range ring (or sector wedge): a closed outline at ground level.

    ``what``: ``detection`` (a radar at its catalog range), ``air`` (a fire unit's maximum
    range against aircraft and cruise missiles), ``bmd`` (against ballistic missiles),
    ``footprint`` (an asset's radius).
    """

    what: str
    range_m: float
    lon_deg: list[float]
    lat_deg: list[float]


@dataclass(frozen=True, slots=True, kw_only=True)
class Trajectory:
    """One object's flight, sampled; ``t_s`` ascending, the last sample its end."""

    id: str
    cls: str
    type: str
    group: str
    fate: str  # destroyed | leaked | landed | in_flight
    t_s: list[float]
    lon_deg: list[float]
    lat_deg: list[float]
    alt_m: list[float]
    apogee_index: int
    apogee_m: float


@dataclass(frozen=True, slots=True, kw_only=True)
class TrackPath:
    """One track of one picture, sampled, with its identity runs.

    ``identity[k]`` and ``cls[k]`` hold at ``t_s[k]``; ``runs`` are ``(t_start, t_end,
    identity, cls)`` with each run ending where the next begins (the last at the track's
    last sample).
    """

    uid: str
    picture: str
    number: int
    entity: str
    t_s: list[float]
    lon_deg: list[float]
    lat_deg: list[float]
    alt_m: list[float]
    identity: list[str]
    cls: list[str]
    runs: list[tuple[float, float, str, str]]


@dataclass(frozen=True, slots=True, kw_only=True)
class Occurrence:
    """A placed event: an intercept, a miss or a leaker's impact."""

    kind: str
    t_s: float
    lon_deg: float
    lat_deg: float
    alt_m: float
    entity: str
    unit: str
    nation: str
    detail: str
    value: float | None


@dataclass(frozen=True, slots=True, kw_only=True)
class Shot:
    """One engagement: from the unit at ``t_fire_s`` to the intercept point at
    ``t_intercept_s`` (the object's truth position then)."""

    seq: int
    unit: str
    entity: str
    result: str
    t_fire_s: float
    t_intercept_s: float
    from_lla: tuple[float, float, float]
    to_lla: tuple[float, float, float]


@dataclass(frozen=True, slots=True, kw_only=True)
class Scene:
    """Everything the exports show (see the module)."""

    name: str
    epoch: datetime
    duration_s: float
    step_s: float
    seed: int
    policy: str
    sites: list[Site]
    trajectories: list[Trajectory]
    tracks: list[TrackPath]
    occurrences: list[Occurrence]
    shots: list[Shot]

    def time(self, t_s: float) -> datetime:
        """The UTC time ``t_s`` seconds after the epoch."""
        return self.epoch + timedelta(seconds=float(t_s))

    def iso(self, t_s: float) -> str:
        """ISO 8601 UTC time of ``t_s`` (``Z``; microseconds only when not whole)."""
        return iso_time(self.time(t_s))


def iso_time(when: datetime) -> str:
    """``2026-03-10T02:00:00Z`` (microseconds when not whole seconds)."""
    text = when.strftime("%Y-%m-%dT%H:%M:%S")
    if when.microsecond:
        text += f".{when.microsecond:06d}"
    return text + "Z"


def build_scene(
    result: RunResult, frames: list[TrackFrame] | None = None, *, sample_s: float = 10.0
) -> Scene:
    """The scene of a run; ``frames`` (a :class:`TrackRecorder`'s) adds the tracks, sampled
    every ``sample_s`` seconds plus every identity change and each track's first and last
    update."""
    sc = result.loaded.scenario
    dt = float(sc.time_step_s)
    stride = max(1, round(sample_s / dt))
    sites = _sites(result)
    events = result.events
    trajectories = _trajectories(result, stride)
    tracks = _tracks(frames or [], stride, dt, sc.name, result.truth.ids)
    occ: list[Occurrence] = []
    placed = events[
        events["kind"].isin(["intercept", "miss", "impact"]) & events["lat_deg"].notna()
    ]
    hits: dict[str, list[str]] = {}
    for e, a in zip(
        events.loc[events["kind"] == "asset_hit", "entity"],
        events.loc[events["kind"] == "asset_hit", "detail"],
        strict=True,
    ):
        hits.setdefault(str(e), []).append(str(a))
    for row in _records(placed):
        kind = str(row["kind"])
        detail = str(row["detail"])
        if kind == "impact":
            detail = (
                ("assets hit: " + ", ".join(hits[str(row["entity"])]))
                if str(row["entity"]) in hits
                else "no asset hit"
            )
        value = float(row["value"])
        occ.append(
            Occurrence(
                kind=kind,
                t_s=float(row["t_s"]),
                lon_deg=float(row["lon_deg"]),
                lat_deg=float(row["lat_deg"]),
                alt_m=float(row["alt_m"]),
                entity=str(row["entity"]),
                unit=str(row["unit"]),
                nation=str(row["nation"]),
                detail=detail,
                value=None if np.isnan(value) else value,
            )
        )
    return Scene(
        name=sc.name,
        epoch=sc.epoch_utc(),
        duration_s=float(sc.duration_s),
        step_s=dt,
        seed=result.seed,
        policy=sc.policy.value,
        sites=sites,
        trajectories=trajectories,
        tracks=tracks,
        occurrences=occ,
        shots=_shots(result),
    )


# ---------------------------------------------------------------------- private helpers


def _records(frame: pd.DataFrame) -> list[dict[str, Any]]:
    """The rows of a table as dicts (column name -> value)."""
    return [dict(zip(frame.columns, r, strict=True)) for r in frame.itertuples(index=False)]


def _ring(
    lat_deg: float, lon_deg: float, range_m: float, centre_rad: float, half_rad: float, what: str
) -> Ring:
    """A geodesic circle every 3° (or a closed wedge for a sector), counter-clockwise as
    RFC 7946 wants an exterior ring: first point repeated last."""
    half = min(float(half_rad), np.pi)
    n = max(2, int(np.ceil(np.degrees(2 * half) / RING_STEP_DEG)) + 1)
    az = float(centre_rad) + np.linspace(half, -half, n)  # decreasing azimuth: anticlockwise
    lat, lon, _ = geodesic_forward(np.radians(lat_deg), np.radians(lon_deg), az, range_m)
    lons, lats = np.degrees(lon).tolist(), np.degrees(lat).tolist()
    if half < np.pi - 1e-9:  # wedge: centre, arc, centre
        lons, lats = [lon_deg, *lons, lon_deg], [lat_deg, *lats, lat_deg]
    else:
        lons[-1], lats[-1] = lons[0], lats[0]
    return Ring(what=what, range_m=float(range_m), lon_deg=lons, lat_deg=lats)


def _sites(result: RunResult) -> list[Site]:
    sc = result.loaded.scenario
    hit = set(map(str, result.summary.get("assets_hit_names") or []))  # type: ignore[call-overload]
    out: list[Site] = []
    for a in sc.assets:
        out.append(
            Site(
                id=a.name,
                label=a.label or a.name,
                role="asset",
                nation=a.nation,
                type=a.kind,
                kind=a.kind,
                lat_deg=float(a.lat_deg),
                lon_deg=float(a.lon_deg),
                alt_m=0.0,
                sidc=s.sidc("friend", "G", s.INSTALLATION_FUNCTION, installation=True),
                properties={
                    "value": float(a.value),
                    "radius_km": float(a.radius_km),
                    "hit": a.name in hit,
                },
                rings=[_ring(a.lat_deg, a.lon_deg, a.radius_km * 1e3, 0.0, np.pi, "footprint")],
            )
        )
    sensors = result.sensors
    catalog = result.loaded.catalog.sensors
    for i, sid in enumerate(sensors.ids):
        t = sensors.type[i]
        rng = catalog[t].detection_range_km * 1e3 if t in catalog else float(sensors.range_ref_m[i])
        lat, lon = float(np.degrees(sensors.lat_rad[i])), float(np.degrees(sensors.lon_rad[i]))
        out.append(
            Site(
                id=sid,
                label=sid,
                role="radar",
                nation=sensors.nation[i],
                type=t,
                kind="radar",
                lat_deg=lat,
                lon_deg=lon,
                alt_m=float(sensors.alt_m[i]),
                sidc=s.sidc("friend", "G", s.RADAR_FUNCTION),
                properties={
                    "detection_range_m": float(rng),
                    "scan_period_s": float(sensors.scan_period_s[i]),
                },
                rings=[
                    _ring(
                        lat,
                        lon,
                        rng,
                        float(sensors.sector_center_rad[i]),
                        float(sensors.sector_half_rad[i]),
                        "detection",
                    )
                ],
            )
        )
    units = result.effectors
    for i, uid in enumerate(units.ids):
        lat, lon = float(np.degrees(units.lat_rad[i])), float(np.degrees(units.lon_rad[i]))
        c, h = float(units.sector_center_rad[i]), float(units.sector_half_rad[i])
        rings = [_ring(lat, lon, float(units.max_range_m[i]), c, h, "air")]
        if units.max_range_bm_m[i] > 0:
            rings.append(_ring(lat, lon, float(units.max_range_bm_m[i]), c, h, "bmd"))
        kind = units.kind[i]
        function = (
            s.AIR_DEFENCE_MISSILE_FUNCTION if kind == "interceptor" else s.AIR_DEFENCE_FUNCTION
        )
        out.append(
            Site(
                id=uid,
                label=uid,
                role="fire_unit",
                nation=units.nation[i],
                type=units.type[i],
                kind=kind,
                lat_deg=lat,
                lon_deg=lon,
                alt_m=float(units.alt_m[i]),
                sidc=s.sidc("friend", "G", function),
                properties={
                    "max_range_m": float(units.max_range_m[i]),
                    "max_range_bm_m": float(units.max_range_bm_m[i]),
                    "max_alt_m": float(units.max_alt_m[i]),
                    "magazine": int(units.magazine[i]),
                    "cost_per_shot_usd": float(units.cost_per_shot_usd[i]),
                },
                rings=rings,
            )
        )
    return out


def _fates(result: RunResult) -> dict[str, tuple[str, float, tuple[float, float, float] | None]]:
    """Object id -> (fate, time, place) for objects whose flight ended in the run."""
    ev = result.events
    out: dict[str, tuple[str, float, tuple[float, float, float] | None]] = {}
    kills = ev[(ev["kind"] == "intercept")]
    for row in _records(kills):
        if str(row["entity"]) and str(row["entity"]) not in out:
            place = (float(row["lat_deg"]), float(row["lon_deg"]), float(row["alt_m"]))
            out[str(row["entity"])] = ("destroyed", float(row["t_s"]), place)
    for kind, fate in (("impact", "leaked"), ("land", "landed")):
        for row in _records(ev[ev["kind"] == kind]):
            out.setdefault(str(row["entity"]), (fate, float(row["t_s"]), None))
    return out


def _trajectories(result: RunResult, stride: int) -> list[Trajectory]:
    truth = result.truth
    fates = _fates(result)
    grid = truth.t_grid_s
    end_lat, end_lon, end_alt = ecef_to_lla(truth.end_pos_ecef_m)
    out: list[Trajectory] = []
    for i, oid in enumerate(truth.ids):  # a loop over objects, once per export
        fate, t_end, place = fates.get(oid, ("in_flight", np.inf, None))
        keep = truth.present[i] & (grid <= t_end)
        idx = np.flatnonzero(keep)
        if len(idx) == 0:
            continue
        alt = truth.alt_m[i, idx]
        apogee = int(idx[int(np.argmax(alt))])
        picked = np.union1d(idx[(idx - idx[0]) % stride == 0], [idx[0], idx[-1], apogee])
        lat, lon, h = ecef_to_lla(truth.pos_ecef_m[i, picked])
        t = grid[picked].tolist()
        lats, lons, hs = np.degrees(lat).tolist(), np.degrees(lon).tolist(), h.tolist()
        end: tuple[float, float, float] | None = None
        if fate == "destroyed" and place is not None:
            end = place
        elif fate in ("leaked", "landed"):
            end = (float(np.degrees(end_lat[i])), float(np.degrees(end_lon[i])), float(end_alt[i]))
        if end is not None and t_end > t[-1]:
            t.append(float(t_end))
            lats.append(end[0])
            lons.append(end[1])
            hs.append(end[2])
        ap = int(np.searchsorted(grid[picked], grid[apogee]))
        out.append(
            Trajectory(
                id=oid,
                cls=str(truth.cls[i]),
                type=str(truth.type[i]),
                group=str(truth.group[i]),
                fate=fate,
                t_s=t,
                lon_deg=lons,
                lat_deg=lats,
                alt_m=hs,
                apogee_index=ap,
                apogee_m=float(hs[ap]),
            )
        )
    return out


def _tracks(
    frames: list[TrackFrame], stride: int, dt: float, scenario: str, ids: list[str]
) -> list[TrackPath]:
    if not frames:
        return []
    cat = {
        name: np.concatenate([getattr(f, name) for f in frames])
        for name in (
            "picture",
            "number",
            "entity",
            "lat_deg",
            "lon_deg",
            "alt_m",
            "identity",
            "cls",
        )
    }
    t = np.concatenate([np.full(len(f), f.t_s) for f in frames])
    k = np.rint(t / dt).astype(np.int64)
    order = np.lexsort((t, cat["number"], cat["picture"]))
    pic, num = cat["picture"][order], cat["number"][order]
    new = np.ones(len(order), dtype=bool)
    new[1:] = (pic[1:] != pic[:-1]) | (num[1:] != num[:-1])
    starts = np.flatnonzero(new)
    ends = np.append(starts[1:], len(order))
    out: list[TrackPath] = []
    for a, b in zip(starts, ends, strict=True):  # a loop over tracks, once per export
        rows = order[a:b]
        ident, cls = cat["identity"][rows], cat["cls"][rows]
        change = np.ones(len(rows), dtype=bool)
        change[1:] = (ident[1:] != ident[:-1]) | (cls[1:] != cls[:-1])
        kk = k[rows]
        keep = change | ((kk - kk[0]) % stride == 0)
        keep[-1] = True
        sel = rows[keep]
        tt = t[rows]
        cuts = np.flatnonzero(change)
        run_end = np.append(tt[cuts[1:]], tt[-1])
        runs = [
            (float(tt[c]), float(e), str(ident[c]), str(cls[c]))
            for c, e in zip(cuts, run_end, strict=True)
        ]
        entity = cat["entity"][rows]
        vals, counts = np.unique(entity, return_counts=True)
        follows = int(vals[int(np.argmax(counts))])
        p, n = str(pic[a]), int(num[a])
        out.append(
            TrackPath(
                uid=f"iamd.{scenario}.{p}.{n}",
                picture=p,
                number=n,
                entity=ids[follows] if follows >= 0 else "",
                t_s=t[sel].tolist(),
                lon_deg=cat["lon_deg"][sel].tolist(),
                lat_deg=cat["lat_deg"][sel].tolist(),
                alt_m=cat["alt_m"][sel].tolist(),
                identity=[str(x) for x in cat["identity"][sel]],
                cls=[str(x) for x in cat["cls"][sel]],
                runs=runs,
            )
        )
    return out


def _shots(result: RunResult) -> list[Shot]:
    eng = result.engagements
    truth = result.truth
    units = result.effectors
    index = {oid: i for i, oid in enumerate(truth.ids)}
    unit_index = {u: i for i, u in enumerate(units.ids)}
    grid = truth.t_grid_s
    out: list[Shot] = []
    for row in _records(eng):
        if str(row["result"]) == "unresolved" or not str(row["threat"]):
            continue
        u = unit_index[str(row["unit"])]
        j = index[str(row["threat"])]
        kk = min(int(np.searchsorted(grid, float(row["t_intercept_s"]))), len(grid) - 1)
        pos = truth.pos_ecef_m[j, kk]
        if not np.all(np.isfinite(pos)):
            continue
        lat, lon, alt = ecef_to_lla(pos)
        out.append(
            Shot(
                seq=int(row["seq"]),
                unit=str(row["unit"]),
                entity=str(row["threat"]),
                result=str(row["result"]),
                t_fire_s=float(row["t_fire_s"]),
                t_intercept_s=float(row["t_intercept_s"]),
                from_lla=(
                    float(np.degrees(units.lat_rad[u])),
                    float(np.degrees(units.lon_rad[u])),
                    float(units.alt_m[u]),
                ),
                to_lla=(float(np.degrees(lat)), float(np.degrees(lon)), float(alt)),
            )
        )
    return out
