"""Ground truth of a scenario: every flying object's trajectory on the simulation clock.

Raids are expanded into individual threats (launch points drawn uniformly in the launch
disc, aim points in the aim spread, launch times by spacing and window, all from streams
keyed by the raid id); ballistic missiles are aimed and flown together
(:mod:`iamd.world.ballistic`), cruise missiles and drones follow low waypoint routes
(:mod:`iamd.world.paths`), airliners fly their airways (:mod:`iamd.world.airliner`),
fighters orbit their patrol racetracks, recorded flights replay their ADS-B reports
(:mod:`iamd.world.recorded`) and general aviation flies its patterns
(:mod:`iamd.world.general_aviation`; after every other object). Civil sets switch their
flights' transponders on or off as the scenario says (:func:`transponder_flags`) and may
override their RCS. Each flight is then sampled on the common clock, so that every later
stage reads positions as one array ``(N, T, 3)``.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import numpy.typing as npt

from iamd.geo.geodesic import geodesic_forward, geodesic_inverse
from iamd.geo.wgs84 import R_MEAN_M, ecef_to_lla
from iamd.rng import stream
from iamd.scenario.airports import airports
from iamd.scenario.catalog import ThreatClass, ThreatType
from iamd.scenario.loader import LoadedScenario, field_error
from iamd.scenario.schema import Raid
from iamd.world.airliner import fly_airliner
from iamd.world.ballistic import fly_ballistic
from iamd.world.base import Flight
from iamd.world.general_aviation import fly_general_aviation
from iamd.world.paths import G0_M_S2, cruise_missile_route, drone_route, fly_route, racetrack_orbit
from iamd.world.recorded import recorded_traffic

FloatArray = npt.NDArray[np.float64]
BoolArray = npt.NDArray[np.bool_]
StrArray = npt.NDArray[np.str_]


@dataclass(frozen=True, slots=True, kw_only=True)
class Truth:
    """N objects on a clock of T steps.

    Attributes:
        ids: object ids (``raid-007``, ``LBSF-LGAV-2``, ``patrol-1``, ``rec-AFR123``,
            ``gliders_sofia-3``).
        cls, type: (N,) class and catalog type.
        group: (N,) raid, airway, patrol, recorded file (``recorded NAME``) or
            general-aviation set (``general_aviation ID``).
        nation: (N,) nation of friendly aircraft, or the owner given for recorded flights
            ('' otherwise).
        aim_asset, aim_nation: (N,) aimed asset name and its nation ('' for aircraft).
        aim_lat_deg, aim_lon_deg: (N,) aim point (NaN for aircraft).
        start_lla: (N, 3) launch or take-off point (deg, deg, m); for a recorded flight its
            first report in the scenario window.
        t_start_s, t_end_s: (N,) launch/take-off and impact/landing times (first and last
            report in the window for a recorded flight).
        rcs_m2, cost_usd, lethal_radius_m: (N,) catalog figures (the RCS: a civil set's
            ``rcs_m2`` where it gives one).
        has_iff, has_transponder: (N,) cooperative identification (the catalog type's; a
            civil set's ``transponder`` setting where it gives one, which recorded flights
            do by default: on; recorded and general-aviation flights never answer IFF).
        ground_range_m, apogee_m: (N,) of the whole flight.
        t_grid_s: (T,) clock times.
        pos_ecef_m, vel_ecef_m_s: (N, T, 3) state on the clock (NaN when not flying).
        alt_m: (N, T) height above the ellipsoid.
        present: (N, T) the object is flying at that time.
        end_pos_ecef_m: (N, 3) exact impact or landing point.
    """

    ids: list[str]
    cls: StrArray
    type: StrArray
    group: StrArray
    nation: StrArray
    aim_asset: StrArray
    aim_nation: StrArray
    aim_lat_deg: FloatArray
    aim_lon_deg: FloatArray
    start_lla: FloatArray
    t_start_s: FloatArray
    t_end_s: FloatArray
    rcs_m2: FloatArray
    cost_usd: FloatArray
    lethal_radius_m: FloatArray
    has_iff: BoolArray
    has_transponder: BoolArray
    ground_range_m: FloatArray
    apogee_m: FloatArray
    t_grid_s: FloatArray
    pos_ecef_m: FloatArray
    vel_ecef_m_s: FloatArray
    alt_m: FloatArray
    present: BoolArray
    end_pos_ecef_m: FloatArray


@dataclass(slots=True)
class _Member:
    id: str
    kind: ThreatType
    type: str
    group: str
    nation: str
    aim_asset: str
    aim_nation: str
    aim_lat: float
    aim_lon: float
    flight: Flight
    transponder: bool | None = None  # None: the catalog type's
    iff: bool | None = None
    rcs_m2: float | None = None  # None: the catalog type's


def transponder_flags(
    setting: str | float | None, ids: list[str], seed: int, default: bool
) -> BoolArray:
    """(n,) which flights of a civil set have their transponder on.

    ``on`` and ``off`` switch every flight's transponder on or off and ``None`` leaves the
    catalog type's ``default``. A fraction f turns on exactly ⌊f·n + ½⌋ of the n flights:
    those with the smallest uniform draws, one per flight from the stream
    ``("transponder", id)`` of the run's seed, so that the choice depends on the seed and
    the flight's own id only (editing another set changes nothing here).

    >>> ids = [f"ga-{i}" for i in range(1, 11)]
    >>> int(transponder_flags(0.3, ids, 1, True).sum()), transponder_flags("off", ids, 1, True)[:2]
    (3, array([False, False]))
    """
    n = len(ids)
    if setting is None:
        return np.full(n, default, dtype=bool)
    if isinstance(setting, str):
        return np.full(n, setting == "on", dtype=bool)
    on = int(np.floor(float(setting) * n + 0.5))
    draws = np.array([stream(seed, "transponder", i).random() for i in ids], dtype=np.float64)
    flags = np.zeros(n, dtype=bool)
    flags[np.lexsort((np.arange(n), draws))[:on]] = True
    return flags


def _disc_points(
    rng: np.random.Generator, lat_deg: float, lon_deg: float, radius_m: float, n: int
) -> tuple[FloatArray, FloatArray]:
    """n points uniform in a geodesic disc (rad)."""
    u = rng.random((n, 2))
    dist = radius_m * np.sqrt(u[:, 0])
    az = 2.0 * np.pi * u[:, 1]
    lat, lon, _ = geodesic_forward(np.radians(lat_deg), np.radians(lon_deg), az, dist)
    return np.asarray(lat, dtype=np.float64), np.asarray(lon, dtype=np.float64)


def _raid_draws(
    loaded: LoadedScenario, raid: Raid, seed: int
) -> tuple[FloatArray, FloatArray, FloatArray, FloatArray, FloatArray, str, str]:
    """Launch points, aim points and launch times of a raid's members."""
    sc = loaded.scenario
    rng = stream(seed, "raid", raid.id)
    n = raid.count
    l_lat, l_lon = _disc_points(
        rng, raid.launch.lat_deg, raid.launch.lon_deg, raid.launch.radius_km * 1e3, n
    )
    if raid.aim.asset is not None:
        asset = next(a for a in sc.assets if a.name == raid.aim.asset)
        c_lat, c_lon, aim_name, aim_nation = asset.lat_deg, asset.lon_deg, asset.name, asset.nation
    else:
        assert raid.aim.lat_deg is not None and raid.aim.lon_deg is not None
        c_lat, c_lon, aim_name = raid.aim.lat_deg, raid.aim.lon_deg, ""
        aim_nation = _nation_at(loaded, c_lat, c_lon)
    a_lat, a_lon = _disc_points(rng, c_lat, c_lon, raid.aim.spread_km * 1e3, n)
    times = (
        raid.launch_time_s + raid.spacing_s * np.arange(n) + raid.launch_window_s * rng.random(n)
    )
    return l_lat, l_lon, a_lat, a_lon, times, aim_name, aim_nation


def _nation_at(loaded: LoadedScenario, lat_deg: float, lon_deg: float) -> str:
    from iamd.geo.borders import country_at

    code = str(country_at(np.radians(lat_deg), np.radians(lon_deg)).reshape(-1)[0])
    return code if code in {n.code for n in loaded.scenario.nations} else ""


def _raid_members(loaded: LoadedScenario, seed: int, dt_s: float) -> list[_Member]:
    cat = loaded.catalog
    members: list[_Member] = []
    bm_args: list[tuple[str, ThreatType, str, float, float, float, float, float, str, str]] = []
    for raid in loaded.scenario.raids:
        tt = cat.threats[raid.type]
        l_lat, l_lon, a_lat, a_lon, times, aim_name, aim_nation = _raid_draws(loaded, raid, seed)
        for m in range(raid.count):
            mid = f"{raid.id}-{m + 1:03d}"
            if tt.threat_class == ThreatClass.BALLISTIC_MISSILE:
                bm_args.append(
                    (
                        mid,
                        tt,
                        raid.type,
                        l_lat[m],
                        l_lon[m],
                        a_lat[m],
                        a_lon[m],
                        times[m],
                        aim_name,
                        aim_nation,
                    )
                )
                continue
            make_route = (
                drone_route if tt.threat_class == ThreatClass.DRONE else cruise_missile_route
            )
            route = make_route(
                float(l_lat[m]),
                float(l_lon[m]),
                float(a_lat[m]),
                float(a_lon[m]),
                cruise_alt_m=raid.altitude_m
                if raid.altitude_m is not None
                else tt.cruise_altitude_m,
                speed_m_s=raid.speed_m_s if raid.speed_m_s is not None else tt.speed_m_s,
                via_lat_rad=[np.radians(w.lat_deg) for w in raid.route],
                via_lon_rad=[np.radians(w.lon_deg) for w in raid.route],
            )
            flight = fly_route(route, float(times[m]), dt_s)
            members.append(
                _Member(
                    mid,
                    tt,
                    raid.type,
                    raid.id,
                    "",
                    aim_name,
                    aim_nation,
                    float(np.degrees(a_lat[m])),
                    float(np.degrees(a_lon[m])),
                    flight,
                )
            )
    if bm_args:
        params = [a[1].ballistic for a in bm_args]
        fpa = np.array(
            [
                np.nan if p is None or p.flight_path_angle_deg is None else p.flight_path_angle_deg
                for p in params
            ]
        )
        min_energy = np.isnan(fpa)
        flights, _ = fly_ballistic(
            np.array([a[3] for a in bm_args]),
            np.array([a[4] for a in bm_args]),
            np.array([a[5] for a in bm_args]),
            np.array([a[6] for a in bm_args]),
            np.array([a[7] for a in bm_args]),
            params,  # type: ignore[arg-type]
            flight_path_angle_rad=None if min_energy.all() else _fpa_rad(fpa, bm_args),
            dt_s=min(dt_s, 1.0),
        )
        for a, flight in zip(bm_args, flights, strict=True):
            members.append(
                _Member(
                    a[0],
                    a[1],
                    a[2],
                    a[0].rsplit("-", 1)[0],
                    "",
                    a[8],
                    a[9],
                    float(np.degrees(a[5])),
                    float(np.degrees(a[6])),
                    flight,
                )
            )
    order = {r.id: i for i, r in enumerate(loaded.scenario.raids)}
    members.sort(key=lambda mb: (order[mb.group], mb.id))
    return members


def _fpa_rad(fpa_deg: FloatArray, bm_args: list[Any]) -> FloatArray:
    """Flight-path angles (rad), the minimum-energy angle where the catalog gives none."""
    out = np.radians(fpa_deg)
    if np.isnan(out).any():
        _, _, rng = geodesic_inverse(
            np.array([a[3] for a in bm_args]),
            np.array([a[4] for a in bm_args]),
            np.array([a[5] for a in bm_args]),
            np.array([a[6] for a in bm_args]),
        )
        psi = np.asarray(rng) / R_MEAN_M
        out = np.where(np.isnan(out), (np.pi - psi) / 4.0, out)
    return out


def _aircraft_members(loaded: LoadedScenario, seed: int, dt_s: float) -> list[_Member]:
    sc, cat = loaded.scenario, loaded.catalog
    members: list[_Member] = []
    ap = airports()
    for w in sc.civil_traffic.airways:
        tt = cat.threats[w.type]
        o, d = ap[w.origin], ap[w.destination]
        ids = [f"{w.origin}-{w.destination}-{f + 1}" for f in range(w.flights)]
        on = transponder_flags(w.transponder, ids, seed, tt.has_transponder)
        for f in range(w.flights):
            t0 = w.first_departure_s + f * w.interval_s
            flight = fly_airliner(
                np.radians(o.lat_deg),
                np.radians(o.lon_deg),
                np.radians(d.lat_deg),
                np.radians(d.lon_deg),
                t0,
                w.cruise_altitude_m,
                tt.speed_m_s,
                dt_s,
            )
            members.append(
                _Member(
                    ids[f],
                    tt,
                    w.type,
                    f"airway {w.origin}-{w.destination}",
                    "",
                    "",
                    "",
                    float("nan"),
                    float("nan"),
                    flight,
                    transponder=bool(on[f]),
                    rcs_m2=w.rcs_m2,
                )
            )
    for p in sc.patrols:
        tt = cat.threats[p.type]
        turn_r = tt.speed_m_s**2 / (G0_M_S2 * np.tan(np.radians(30.0)))
        period = (2.0 * p.leg_km * 1e3 + 2.0 * np.pi * turn_r) / tt.speed_m_s
        for m in range(p.count):
            flight = racetrack_orbit(
                np.radians(p.lat_deg),
                np.radians(p.lon_deg),
                p.altitude_m,
                tt.speed_m_s,
                p.leg_km * 1e3,
                np.radians(p.heading_deg),
                p.start_s - m * period / p.count,
                sc.duration_s + period,
                dt_s,
            )
            members.append(
                _Member(
                    f"{p.id}-{m + 1}",
                    tt,
                    p.type,
                    p.id,
                    p.nation,
                    "",
                    "",
                    float("nan"),
                    float("nan"),
                    flight,
                )
            )
    return members


def _recorded_members(loaded: LoadedScenario, seed: int, taken: list[str]) -> list[_Member]:
    """Recorded flights replayed: civil aircraft with no IFF and the source's transponder
    setting (on by default: they were recorded from their ADS-B) and RCS."""
    cat = loaded.catalog
    sources = loaded.scenario.civil_traffic.recorded
    flights = recorded_traffic(loaded, taken)
    on: dict[str, bool] = {}
    for k, rec in enumerate(sources):
        ids = [r.id for r in flights if r.source == k]
        on.update(
            zip(ids, transponder_flags(rec.transponder, ids, seed, True).tolist(), strict=True)
        )
    return [
        _Member(
            r.id,
            cat.threats[r.type],
            r.type,
            r.group,
            r.nation,
            "",
            "",
            float("nan"),
            float("nan"),
            r.flight,
            transponder=on[r.id],
            iff=False,
            rcs_m2=sources[r.source].rcs_m2,
        )
        for r in flights
    ]


def _general_aviation_members(
    loaded: LoadedScenario, seed: int, dt_s: float, taken: list[str]
) -> list[_Member]:
    """General-aviation sets flown (``iamd.world.general_aviation``): civil aircraft with no
    IFF, the set's transponder setting and RCS. Reference points are drawn in the set's area
    from the stream ``("general_aviation", ID)`` and each flight's pattern from
    ``("general_aviation", ID, n)``; a flight without a ``duration_s`` flies one clock step
    past the end of the scenario (so no landing is logged for it)."""
    sc, cat = loaded.scenario, loaded.catalog
    used = set(taken)
    members: list[_Member] = []
    for k, ga in enumerate(sc.civil_traffic.general_aviation):
        tt = cat.threats[ga.type]
        ids = [f"{ga.id}-{m + 1}" for m in range(ga.count)]
        for oid in ids:
            if oid in used:
                raise field_error(
                    loaded,
                    ("civil_traffic", "general_aviation", k, "id"),
                    f"the set's object id {oid!r} is already that of another object (an "
                    f"airway or recorded flight); choose another id (got {ga.id!r})",
                )
        used.update(ids)
        a = ga.area
        lat, lon = _disc_points(
            stream(seed, "general_aviation", ga.id),
            a.lat_deg,
            a.lon_deg,
            a.radius_km * 1e3,
            ga.count,
        )
        on = transponder_flags(ga.transponder, ids, seed, tt.has_transponder)
        for m in range(ga.count):
            t0 = ga.start_s + m * ga.spacing_s
            duration = ga.duration_s
            if duration is None:
                duration = max(sc.duration_s + dt_s - t0, dt_s)
            flight = fly_general_aviation(
                stream(seed, "general_aviation", ga.id, m + 1),
                ga.pattern,
                float(lat[m]),
                float(lon[m]),
                t0_s=t0,
                duration_s=duration,
                speed_m_s=ga.speed_m_s,
                alt_m=ga.alt_m,
                dt_s=min(dt_s, 1.0),
            )
            members.append(
                _Member(
                    ids[m],
                    tt,
                    ga.type,
                    f"general_aviation {ga.id}",
                    "",
                    "",
                    "",
                    float("nan"),
                    float("nan"),
                    flight,
                    transponder=bool(on[m]),
                    iff=False,
                    rcs_m2=ga.rcs_m2,
                )
            )
    return members


def _sample(flight: Flight, t_grid: FloatArray) -> tuple[FloatArray, FloatArray, BoolArray]:
    """Positions and velocities of a flight at the clock times (NaN outside it)."""
    inside = (t_grid >= flight.t_s[0]) & (t_grid <= flight.t_s[-1])
    pos = np.full((len(t_grid), 3), np.nan)
    vel = np.full((len(t_grid), 3), np.nan)
    if inside.any():
        tt = t_grid[inside]
        for c in range(3):
            pos[inside, c] = np.interp(tt, flight.t_s, flight.pos_ecef_m[:, c])
            vel[inside, c] = np.interp(tt, flight.t_s, flight.vel_ecef_m_s[:, c])
    return pos, vel, inside


def build_truth(loaded: LoadedScenario, seed: int) -> Truth:
    """Expand the scenario's raids, airways, patrols, recorded flights and general aviation
    into trajectories on the clock."""
    sc = loaded.scenario
    dt = sc.time_step_s
    t_grid = np.arange(0.0, sc.duration_s + 0.5 * dt, dt)
    members = _raid_members(loaded, seed, dt) + _aircraft_members(loaded, seed, dt)
    members += _recorded_members(loaded, seed, [m.id for m in members])
    members += _general_aviation_members(loaded, seed, dt, [m.id for m in members])
    n, t_n = len(members), len(t_grid)
    pos = np.full((n, t_n, 3), np.nan)
    vel = np.full((n, t_n, 3), np.nan)
    present = np.zeros((n, t_n), dtype=bool)
    start_lla = np.zeros((n, 3))
    end_pos = np.zeros((n, 3))
    apogee = np.zeros(n)
    ground = np.zeros(n)
    for i, mb in enumerate(members):
        pos[i], vel[i], present[i] = _sample(mb.flight, t_grid)
        lat, lon, alt = ecef_to_lla(mb.flight.pos_ecef_m)
        start_lla[i] = (np.degrees(lat[0]), np.degrees(lon[0]), alt[0])
        end_pos[i] = mb.flight.pos_ecef_m[-1]
        apogee[i] = float(np.max(alt))
        ground[i] = float(geodesic_inverse(lat[0], lon[0], lat[-1], lon[-1])[2])
    _, _, alt_grid = ecef_to_lla(pos)

    def col(values: list[object]) -> npt.NDArray[np.str_]:
        return np.array(values, dtype=str) if values else np.zeros(0, dtype="<U1")

    return Truth(
        ids=[m.id for m in members],
        cls=col([m.kind.threat_class.value for m in members]),
        type=col([m.type for m in members]),
        group=col([m.group for m in members]),
        nation=col([m.nation for m in members]),
        aim_asset=col([m.aim_asset for m in members]),
        aim_nation=col([m.aim_nation for m in members]),
        aim_lat_deg=np.array([m.aim_lat for m in members], dtype=np.float64),
        aim_lon_deg=np.array([m.aim_lon for m in members], dtype=np.float64),
        start_lla=start_lla,
        t_start_s=np.array([m.flight.t_start_s for m in members], dtype=np.float64),
        t_end_s=np.array([m.flight.t_end_s for m in members], dtype=np.float64),
        rcs_m2=np.array(
            [m.kind.rcs_m2 if m.rcs_m2 is None else m.rcs_m2 for m in members], dtype=np.float64
        ),
        cost_usd=np.array([m.kind.cost_usd for m in members], dtype=np.float64),
        lethal_radius_m=np.array([m.kind.lethal_radius_m for m in members], dtype=np.float64),
        has_iff=np.array([m.kind.has_iff if m.iff is None else m.iff for m in members], dtype=bool),
        has_transponder=np.array(
            [m.kind.has_transponder if m.transponder is None else m.transponder for m in members],
            dtype=bool,
        ),
        ground_range_m=ground,
        apogee_m=apogee,
        t_grid_s=t_grid,
        pos_ecef_m=pos,
        vel_ecef_m_s=vel,
        alt_m=np.where(present, alt_grid, np.nan),
        present=present,
        end_pos_ecef_m=end_pos,
    )
