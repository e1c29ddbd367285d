"""Waypoint flights of air-breathing objects: cruise missiles, drones (and swarms), fighter CAPs.

What it models
--------------
*Waypoint flight*. Between consecutive waypoints the object follows the WGS84 geodesic (C. F. F.
Karney, "Algorithms for geodesics", J. Geodesy 87, 2013, as implemented by PROJ / ``pyproj.Geod``)
at a constant speed, its height above the ellipsoid linear in the distance flown. A leg of
surface length d between heights h₀ and h₁ has the length
L = √((d (1 + h̄/R))² + (h₁ − h₀)²), h̄ = (h₀ + h₁)/2, and lasts L / speed. Velocities are the
exact time derivatives of the positions: along a geodesic of azimuth α at surface rate ṡ,

    v_E = ṡ sin α (N + h)/N,   v_N = ṡ cos α (M + h)/M,   v_U = ḣ,

with M and N the meridional and prime-vertical radii of curvature. Turns at waypoints are
instantaneous (the velocity jumps); there is no terrain model, heights are above the ellipsoid.

*Cruise missiles and drones* are routes: a climb after launch, a cruise leg through optional
intermediate waypoints, and a terminal dive (or a pop-up then dive) onto the aim point
(profiles after ``shared/reference/public-parameters.md`` §2.2–2.3: low-level cruise missiles
at ~0.8 Mach, Shahed-class drones at 150–185 km/h and low altitude). Swarms offset one route
laterally and in time, deterministically.

*Fighter CAP*: a racetrack of two straight legs joined by constant-rate half turns of radius
r = v² / (g tan φ) (bank angle φ), laid on a local plane about the orbit centre and mapped onto
the ellipsoid at constant height by geodesics from the centre (azimuthal equidistant); the
velocities are central differences of that mapping (δ = 10 ms).

>>> import numpy as np
>>> f = fly_waypoints(np.radians([42.0, 42.0]), np.radians([23.0, 24.0]), [1000.0, 1000.0],
...                   250.0, 0.0)
>>> round(f.t_end_s, 1), round(float(np.linalg.norm(f.vel_ecef_m_s[5])), 1)
(331.5, 250.0)
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal

import numpy as np
import numpy.typing as npt
from pyproj import Geod

from iamd.geo.wgs84 import A_M, E2, R_MEAN_M, enu_vector_to_ecef, lla_to_ecef
from iamd.world.base import Flight

FloatArray = npt.NDArray[np.float64]

G0_M_S2 = 9.80665
"""Standard gravity (m/s²), for turn radii."""
_GEOD = Geod(ellps="WGS84")
_FD_STEP_S = 0.01


@dataclass(frozen=True, slots=True, kw_only=True)
class Route:
    """Waypoints and the speed on each leg.

    Attributes:
        lat_rad, lon_rad: (k,) geodetic waypoints (rad).
        alt_m: (k,) heights above the ellipsoid (m).
        speed_m_s: (k - 1,) speed on each leg (m/s).
    """

    lat_rad: FloatArray
    lon_rad: FloatArray
    alt_m: FloatArray
    speed_m_s: FloatArray


def fly_waypoints(
    lat_rad: npt.ArrayLike,
    lon_rad: npt.ArrayLike,
    alt_m: npt.ArrayLike,
    speed_m_s: npt.ArrayLike,
    t0_s: float,
    dt_s: float = 1.0,
) -> Flight:
    """Fly geodesic legs through waypoints at constant speed per leg.

    Args:
        lat_rad, lon_rad: (k,) waypoints, k ≥ 2 (rad).
        alt_m: (k,) heights above the ellipsoid (m); linear in distance along each leg.
        speed_m_s: scalar or (k - 1,) speed on each leg (m/s), > 0.
        t0_s: time at the first waypoint (s).
        dt_s: sampling interval (s).

    Returns:
        A :class:`Flight` sampled every ``dt_s`` from ``t0_s`` plus the last waypoint exactly.

    >>> import numpy as np
    >>> f = fly_waypoints(np.radians([42.0, 42.5, 42.5]), np.radians([23.0, 23.0, 23.5]),
    ...                   [0.0, 500.0, 500.0], [50.0, 40.0], 100.0, dt_s=10.0)
    >>> round(f.t_start_s), round(f.t_end_s)
    (100, 2238)
    """
    lat = np.asarray(lat_rad, dtype=np.float64)
    lon = np.asarray(lon_rad, dtype=np.float64)
    alt = np.broadcast_to(np.asarray(alt_m, dtype=np.float64), lat.shape)
    speed = np.broadcast_to(np.asarray(speed_m_s, dtype=np.float64), (lat.size - 1,))
    az_leg, _, d_leg = _GEOD.inv(lon[:-1], lat[:-1], lon[1:], lat[1:], radians=True)
    az_leg = np.atleast_1d(np.asarray(az_leg, dtype=np.float64))
    d_leg = np.atleast_1d(np.asarray(d_leg, dtype=np.float64))
    dh = np.diff(alt)
    h_mean = 0.5 * (alt[:-1] + alt[1:])
    length = np.hypot(d_leg * (1.0 + h_mean / R_MEAN_M), dh)
    dur = length / speed
    t_wp = np.concatenate([[0.0], np.cumsum(dur)])
    t = _sample_times(float(t_wp[-1]), dt_s)
    leg = np.clip(np.searchsorted(t_wp, t, side="right") - 1, 0, lat.size - 2)
    pos_dur = dur[leg] > 0.0
    frac = np.where(pos_dur, (t - t_wp[leg]) / np.where(pos_dur, dur[leg], 1.0), 1.0)
    frac = np.clip(frac, 0.0, 1.0)
    lon_s, lat_s, baz = _GEOD.fwd(
        lon[:-1][leg], lat[:-1][leg], az_leg[leg], frac * d_leg[leg], radians=True
    )
    lat_s = np.asarray(lat_s, dtype=np.float64)
    lon_s = np.asarray(lon_s, dtype=np.float64)
    az_s = np.asarray(baz, dtype=np.float64) + np.pi
    h_s = alt[:-1][leg] + frac * dh[leg]
    safe = np.where(pos_dur, dur[leg], 1.0)
    s_rate = np.where(pos_dur, d_leg[leg] / safe, 0.0)
    h_rate = np.where(pos_dur, dh[leg] / safe, 0.0)
    pos = lla_to_ecef(lat_s, lon_s, h_s)
    vel = geodesic_velocity_ecef(lat_s, lon_s, h_s, az_s, s_rate, h_rate)
    return Flight(t_s=t0_s + t, pos_ecef_m=pos, vel_ecef_m_s=vel)


def fly_route(route: Route, t0_s: float, dt_s: float = 1.0) -> Flight:
    """:func:`fly_waypoints` over a :class:`Route`."""
    return fly_waypoints(
        route.lat_rad, route.lon_rad, route.alt_m, route.speed_m_s, t0_s=t0_s, dt_s=dt_s
    )


def cruise_missile_route(
    launch_lat_rad: float,
    launch_lon_rad: float,
    aim_lat_rad: float,
    aim_lon_rad: float,
    *,
    cruise_alt_m: float = 50.0,
    speed_m_s: float = 240.0,
    via_lat_rad: Sequence[float] = (),
    via_lon_rad: Sequence[float] = (),
    launch_alt_m: float = 0.0,
    climb_distance_m: float = 10e3,
    terminal: Literal["dive", "popup"] = "dive",
    terminal_distance_m: float = 5e3,
    popup_alt_m: float = 300.0,
) -> Route:
    """Low-level route of a cruise missile: climb, cruise through doglegs, terminal attack.

    Waypoints: launch (``launch_alt_m``); the top of climb ``climb_distance_m`` along the first
    leg at ``cruise_alt_m``; the intermediate points (``via_*``) at cruise height; the start of
    the terminal phase ``terminal_distance_m`` before the aim on the last leg; for a pop-up,
    a point at ``popup_alt_m`` halfway through the terminal phase; and the aim point at height
    0. Climb and terminal distances are capped at half of their legs.

    Args:
        launch_lat_rad, launch_lon_rad, aim_lat_rad, aim_lon_rad: end points (rad).
        cruise_alt_m: cruise height above the ellipsoid (m).
        speed_m_s: speed on every leg (m/s).
        via_lat_rad, via_lon_rad: intermediate waypoints, in order (rad).
        launch_alt_m: launch height (m); e.g. the carrier's altitude for an air launch.
        climb_distance_m, terminal_distance_m: surface lengths of climb and terminal phase (m).
        terminal: ``"dive"`` straight onto the aim, or ``"popup"`` then dive.
        popup_alt_m: apex height of the pop-up (m).

    >>> import numpy as np
    >>> r = cruise_missile_route(np.radians(44.0), np.radians(33.5), np.radians(42.7),
    ...                          np.radians(23.3), via_lat_rad=[np.radians(43.2)],
    ...                          via_lon_rad=[np.radians(28.5)], terminal="popup")
    >>> r.alt_m.tolist()
    [0.0, 50.0, 50.0, 50.0, 300.0, 0.0]
    """
    lat = np.concatenate([[launch_lat_rad], np.asarray(via_lat_rad, float), [aim_lat_rad]])
    lon = np.concatenate([[launch_lon_rad], np.asarray(via_lon_rad, float), [aim_lon_rad]])
    if lat.size != lon.size:
        raise ValueError(
            f"cruise_missile_route: via_lat_rad and via_lon_rad must have the same length "
            f"(got {len(via_lat_rad)} and {len(via_lon_rad)})"
        )
    az0, _, d0 = _GEOD.inv(lon[0], lat[0], lon[1], lat[1], radians=True)
    lon_c, lat_c, _ = _GEOD.fwd(lon[0], lat[0], az0, min(climb_distance_m, 0.5 * d0), radians=True)
    az1, _, d1 = _GEOD.inv(lon[-1], lat[-1], lon[-2], lat[-2], radians=True)
    d_term = min(terminal_distance_m, 0.5 * d1)
    lon_t, lat_t, _ = _GEOD.fwd(lon[-1], lat[-1], az1, d_term, radians=True)
    pts_lat = [lat[0], lat_c, *lat[1:-1], lat_t]
    pts_lon = [lon[0], lon_c, *lon[1:-1], lon_t]
    pts_alt = [launch_alt_m, cruise_alt_m, *([cruise_alt_m] * (lat.size - 2)), cruise_alt_m]
    if terminal == "popup":
        lon_p, lat_p, _ = _GEOD.fwd(lon[-1], lat[-1], az1, 0.5 * d_term, radians=True)
        pts_lat.append(lat_p)
        pts_lon.append(lon_p)
        pts_alt.append(popup_alt_m)
    pts_lat.append(lat[-1])
    pts_lon.append(lon[-1])
    pts_alt.append(0.0)
    return Route(
        lat_rad=np.asarray(pts_lat, dtype=np.float64),
        lon_rad=np.asarray(pts_lon, dtype=np.float64),
        alt_m=np.asarray(pts_alt, dtype=np.float64),
        speed_m_s=np.full(len(pts_lat) - 1, float(speed_m_s)),
    )


def drone_route(
    launch_lat_rad: float,
    launch_lon_rad: float,
    aim_lat_rad: float,
    aim_lon_rad: float,
    *,
    cruise_alt_m: float = 500.0,
    speed_m_s: float = 45.0,
    via_lat_rad: Sequence[float] = (),
    via_lon_rad: Sequence[float] = (),
    climb_distance_m: float = 5e3,
    terminal_distance_m: float = 2e3,
) -> Route:
    """Route of a one-way attack drone: slow, low, terminal dive.

    Defaults after ``public-parameters.md`` §2.3 (Shahed-136: 150–185 km/h, "very low
    altitude", estimate 50–2,000 m). Same geometry as :func:`cruise_missile_route`.

    >>> import numpy as np
    >>> r = drone_route(np.radians(45.0), np.radians(30.0), np.radians(45.2), np.radians(28.5))
    >>> r.alt_m.tolist(), r.speed_m_s.tolist()
    ([0.0, 500.0, 500.0, 0.0], [45.0, 45.0, 45.0])
    """
    return cruise_missile_route(
        launch_lat_rad,
        launch_lon_rad,
        aim_lat_rad,
        aim_lon_rad,
        cruise_alt_m=cruise_alt_m,
        speed_m_s=speed_m_s,
        via_lat_rad=via_lat_rad,
        via_lon_rad=via_lon_rad,
        climb_distance_m=climb_distance_m,
        terminal_distance_m=terminal_distance_m,
    )


def swarm_offsets(
    n: int, lateral_spacing_m: float, along_spacing_m: float = 0.0, columns: int | None = None
) -> tuple[FloatArray, FloatArray]:
    """Formation slots of n objects: rows of ``columns`` abreast, rows one behind the other.

    Row r holds objects r·columns … (r+1)·columns − 1, centred on the route; each row is
    ``along_spacing_m`` behind the one before.

    Returns:
        lateral_m (n,), positive to the right of the track, and along_m (n,), ≤ 0 (behind).

    >>> lat, along = swarm_offsets(5, 100.0, 500.0, columns=3)
    >>> lat.tolist(), along.tolist()
    ([-100.0, 0.0, 100.0, -50.0, 50.0], [0.0, 0.0, 0.0, -500.0, -500.0])
    """
    cols = n if columns is None else max(int(columns), 1)
    i = np.arange(n)
    row, col = np.divmod(i, cols)
    in_row = np.minimum(cols, n - row * cols)
    lateral = (col - 0.5 * (in_row - 1)) * lateral_spacing_m
    along = -row * float(along_spacing_m)
    return lateral.astype(np.float64), along.astype(np.float64) + 0.0


def offset_route(route: Route, lateral_m: float) -> Route:
    """The route shifted ``lateral_m`` to the right of its track (left if negative).

    Each waypoint moves perpendicular to the bisector of its incoming and outgoing legs, by
    ``lateral_m / cos(half the turn)`` (capped at 3×) so that the legs stay parallel.
    """
    lat, lon = route.lat_rad, route.lon_rad
    az_out, az_in_back, _ = _GEOD.inv(lon[:-1], lat[:-1], lon[1:], lat[1:], radians=True)
    az_out = np.atleast_1d(np.asarray(az_out, dtype=np.float64))
    az_in = np.atleast_1d(np.asarray(az_in_back, dtype=np.float64)) + np.pi  # arrival azimuth
    a_in = np.concatenate([[az_out[0]], az_in])
    a_out = np.concatenate([az_out, [az_in[-1]]])
    half_turn = 0.5 * np.angle(np.exp(1j * (a_out - a_in)))
    heading = a_in + half_turn
    dist = lateral_m / np.maximum(np.cos(half_turn), 1.0 / 3.0)
    lon_o, lat_o, _ = _GEOD.fwd(lon, lat, heading + 0.5 * np.pi, dist, radians=True)
    return Route(
        lat_rad=np.asarray(lat_o, dtype=np.float64),
        lon_rad=np.asarray(lon_o, dtype=np.float64),
        alt_m=route.alt_m.copy(),
        speed_m_s=route.speed_m_s.copy(),
    )


def fly_swarm(
    route: Route,
    n: int,
    t0_s: float,
    dt_s: float = 1.0,
    *,
    lateral_spacing_m: float = 200.0,
    along_spacing_m: float = 0.0,
    columns: int | None = None,
) -> list[Flight]:
    """n objects flying one route in formation (:func:`swarm_offsets`).

    Each object flies the route shifted laterally by its slot (aim point included, so the
    impacts spread across the target area) and starts ``-along_m / speed`` later than
    ``t0_s``, which puts it ``along_m`` behind the leader on the same path.

    >>> import numpy as np
    >>> r = drone_route(np.radians(45.0), np.radians(30.0), np.radians(45.2), np.radians(28.5))
    >>> fs = fly_swarm(r, 4, 0.0, 10.0, lateral_spacing_m=300.0, along_spacing_m=900.0,
    ...                columns=2)
    >>> [round(f.t_start_s) for f in fs]
    [0, 0, 20, 20]
    """
    lateral, along = swarm_offsets(n, lateral_spacing_m, along_spacing_m, columns)
    v0 = float(route.speed_m_s[0])
    return [
        fly_route(offset_route(route, float(lateral[i])), t0_s - float(along[i]) / v0, dt_s)
        for i in range(n)
    ]


def racetrack_orbit(
    center_lat_rad: float,
    center_lon_rad: float,
    alt_m: float,
    speed_m_s: float,
    leg_length_m: float,
    heading_rad: float,
    t0_s: float,
    duration_s: float,
    dt_s: float = 1.0,
    *,
    turn_radius_m: float | None = None,
    bank_angle_rad: float = math.radians(30.0),
) -> Flight:
    """A combat air patrol: racetrack orbit with right-hand, constant-rate half turns.

    The first leg is flown on ``heading_rad`` (clockwise from north), one turn radius to the
    left of the centre, starting ``leg_length_m / 2`` before abeam the centre.

    Args:
        center_lat_rad, center_lon_rad: centre of the pattern (rad).
        alt_m: constant height above the ellipsoid (m).
        speed_m_s: constant speed (m/s).
        leg_length_m: length of each straight leg (m).
        heading_rad: heading of the first leg (rad).
        t0_s, duration_s, dt_s: start, length and sampling interval of the flight (s).
        turn_radius_m: turn radius (m); default v² / (g tan ``bank_angle_rad``).
        bank_angle_rad: bank angle of the turns when no radius is given (rad).

    >>> import numpy as np
    >>> f = racetrack_orbit(np.radians(42.0), np.radians(24.0), 9000.0, 250.0, 60e3,
    ...                     np.radians(90.0), 0.0, 1200.0)
    >>> round(float(np.linalg.norm(f.vel_ecef_m_s, axis=1).std()), 3)
    0.0
    """
    r = (
        speed_m_s**2 / (G0_M_S2 * np.tan(bank_angle_rad))
        if turn_radius_m is None
        else float(turn_radius_m)
    )
    t = _sample_times(float(duration_s), dt_s)
    delta = _FD_STEP_S

    def pos_at(tt: FloatArray) -> FloatArray:
        return _racetrack_ecef(
            speed_m_s * tt, center_lat_rad, center_lon_rad, alt_m, leg_length_m, r, heading_rad
        )

    pos = pos_at(t)
    vel = (pos_at(t + delta) - pos_at(t - delta)) / (2.0 * delta)
    return Flight(t_s=t0_s + t, pos_ecef_m=pos, vel_ecef_m_s=vel)


def geodesic_velocity_ecef(
    lat_rad: npt.ArrayLike,
    lon_rad: npt.ArrayLike,
    alt_m: npt.ArrayLike,
    azimuth_rad: npt.ArrayLike,
    surface_rate_m_s: npt.ArrayLike,
    vertical_rate_m_s: npt.ArrayLike,
) -> FloatArray:
    """ECEF velocity (..., 3) of motion along a geodesic at a given surface rate and climb rate.

    The surface rate is the rate of geodesic distance on the ellipsoid; at height h the
    horizontal speed is larger by (ρ + h)/ρ with ρ the radius of curvature in the direction
    of motion (M northward, N eastward).

    >>> import numpy as np
    >>> v = geodesic_velocity_ecef(0.0, 0.0, 0.0, np.pi / 2, 100.0, 0.0)
    >>> [round(float(c), 6) for c in v]
    [0.0, 100.0, 0.0]
    """
    lat = np.asarray(lat_rad, dtype=np.float64)
    h = np.asarray(alt_m, dtype=np.float64)
    az = np.asarray(azimuth_rad, dtype=np.float64)
    rate = np.asarray(surface_rate_m_s, dtype=np.float64)
    w2 = 1.0 - E2 * np.sin(lat) ** 2
    n_rad = A_M / np.sqrt(w2)
    m_rad = A_M * (1.0 - E2) / (w2 * np.sqrt(w2))
    ve = rate * np.sin(az) * (n_rad + h) / n_rad
    vn = rate * np.cos(az) * (m_rad + h) / m_rad
    vu = np.asarray(vertical_rate_m_s, dtype=np.float64)
    enu = np.stack(np.broadcast_arrays(ve, vn, vu), axis=-1)
    return enu_vector_to_ecef(enu, lat_rad, lon_rad)


# --------------------------------------------------------------------------- private helpers


def _sample_times(total_s: float, dt_s: float) -> FloatArray:
    """0, dt, 2 dt, … below ``total_s``, then ``total_s`` itself."""
    m = int(np.ceil(total_s / dt_s - 1e-9))
    t = dt_s * np.arange(m, dtype=np.float64)
    if m and total_s - t[-1] < 1e-9 * max(dt_s, 1.0):
        t = t[:-1]
    return np.append(t, total_s)


def _racetrack_ecef(
    s_m: FloatArray,
    lat0: float,
    lon0: float,
    alt_m: float,
    leg_m: float,
    r_m: float,
    heading_rad: float,
) -> FloatArray:
    """ECEF positions (k, 3) at path lengths s_m (k,) around the racetrack."""
    perim = 2.0 * leg_m + 2.0 * np.pi * r_m
    s = np.mod(s_m, perim)
    b1, b2, b3 = leg_m, leg_m + np.pi * r_m, 2.0 * leg_m + np.pi * r_m
    phi1 = (s - b1) / r_m
    phi2 = (s - b3) / r_m
    u = np.select(
        [s < b1, s < b2, s < b3],
        [-0.5 * leg_m + s, 0.5 * leg_m + r_m * np.sin(phi1), 0.5 * leg_m - (s - b2)],
        -0.5 * leg_m - r_m * np.sin(phi2),
    )
    w = np.select(
        [s < b1, s < b2, s < b3],
        [np.full_like(s, -r_m), -r_m * np.cos(phi1), np.full_like(s, r_m)],
        r_m * np.cos(phi2),
    )
    scale = R_MEAN_M / (R_MEAN_M + alt_m)  # so that the speed at altitude is the given one
    sh, ch = np.sin(heading_rad), np.cos(heading_rad)
    east = scale * (u * sh + w * ch)
    north = scale * (u * ch - w * sh)
    lon, lat, _ = _GEOD.fwd(
        np.full_like(s, lon0),
        np.full_like(s, lat0),
        np.arctan2(east, north),
        np.hypot(east, north),
        radians=True,
    )
    return lla_to_ecef(lat, lon, alt_m)
