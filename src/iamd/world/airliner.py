"""Airliners: synthetic great-circle flights between airports, and replays of recorded tracks.

What it models
--------------
*Synthetic flight* along the WGS84 geodesic from the departure to the arrival airport (Karney
2013 via ``pyproj.Geod``), in three phases of the surface distance s(t) and height h(t):

1. climb at a constant vertical rate (default 10 m/s, a typical jet climb of ~2,000 ft/min)
   while the ground speed ramps linearly in time from the lift-off to the cruise speed;
2. cruise at constant height and speed;
3. descent on a constant path angle (default 3°, the ILS glide slope) while the speed ramps
   linearly in time down to the approach speed, ending at the arrival runway's height.

Speeds are horizontal speeds at cruise height (the surface rate is scaled by R / (R + h_cruise)
in every phase, so the climb and descent are slower by at most 0.2 %). When the trip is too
short for the requested cruise height, the top of climb is lowered so that climb and descent
meet. Lift-off and touchdown end the flight (no ground roll). Velocities are exact derivatives
of the positions (:func:`iamd.world.paths.geodesic_velocity_ecef`).

*Replay* of a recorded track (ADS-B, e.g. ``shared/data/flights``): positions as recorded
(missing heights interpolated in time), velocities from a local least-squares line through
the samples within ``window_s`` of each time (a Savitzky-Golay first derivative on
irregular times), which averages out the position time-tag jitter of ADS-B reports.

>>> import numpy as np
>>> f = fly_airliner(np.radians(42.695), np.radians(23.406),  # Sofia to Athens
...                  np.radians(37.936), np.radians(23.947), 0.0)
>>> round(f.t_end_s / 60.0)  # minutes, lift-off to touchdown
51
"""

from __future__ import annotations

import math

import numpy as np
import numpy.typing as npt
from pyproj import Geod

from iamd.errors import InputError
from iamd.geo.wgs84 import R_MEAN_M, lla_to_ecef
from iamd.world.base import Flight
from iamd.world.paths import _sample_times, geodesic_velocity_ecef

FloatArray = npt.NDArray[np.float64]

_GEOD = Geod(ellps="WGS84")


def fly_airliner(
    dep_lat_rad: float,
    dep_lon_rad: float,
    arr_lat_rad: float,
    arr_lon_rad: float,
    t0_s: float,
    cruise_alt_m: float = 11_000.0,
    cruise_speed_m_s: float = 240.0,
    dt_s: float = 1.0,
    *,
    climb_rate_m_s: float = 10.0,
    descent_angle_rad: float = math.radians(3.0),
    liftoff_speed_m_s: float = 80.0,
    approach_speed_m_s: float = 70.0,
    dep_alt_m: float = 0.0,
    arr_alt_m: float = 0.0,
) -> Flight:
    """Fly an airliner from lift-off at one airport to touchdown at another.

    Args:
        dep_lat_rad, dep_lon_rad, arr_lat_rad, arr_lon_rad: airports (rad).
        t0_s: lift-off time (s).
        cruise_alt_m: cruise height above the ellipsoid (m).
        cruise_speed_m_s: cruise speed (m/s).
        dt_s: sampling interval (s).
        climb_rate_m_s: vertical speed in the climb (m/s).
        descent_angle_rad: flight-path angle of the descent (rad).
        liftoff_speed_m_s, approach_speed_m_s: speeds at lift-off and touchdown (m/s).
        dep_alt_m, arr_alt_m: heights of the airports (m).

    Returns:
        A :class:`Flight` sampled every ``dt_s`` from ``t0_s``, ending at touchdown exactly.

    >>> import numpy as np
    >>> from iamd.geo.wgs84 import ecef_to_lla
    >>> f = fly_airliner(np.radians(42.695), np.radians(23.406), np.radians(37.936),
    ...                  np.radians(23.947), 0.0, 10_000.0, 230.0, 10.0)
    >>> _, _, h = ecef_to_lla(f.pos_ecef_m)
    >>> round(float(h.max())), round(float(h[-1]), 3)
    (10000, 0.0)
    """
    az, _, dist = _GEOD.inv(dep_lon_rad, dep_lat_rad, arr_lon_rad, arr_lat_rad, radians=True)
    dist = float(dist)
    f = R_MEAN_M / (R_MEAN_M + cruise_alt_m)
    v0, vc, vl = liftoff_speed_m_s * f, cruise_speed_m_s * f, approach_speed_m_s * f
    tan_g = np.tan(descent_angle_rad)
    a_climb = 0.5 * (v0 + vc) / climb_rate_m_s  # surface metres per metre of climb
    h_top = float(cruise_alt_m)
    if a_climb * (h_top - dep_alt_m) + (h_top - arr_alt_m) / tan_g > dist:
        h_top = (dist + a_climb * dep_alt_m + arr_alt_m / tan_g) / (a_climb + 1.0 / tan_g)
    h_top = max(h_top, dep_alt_m, arr_alt_m)
    d_climb = a_climb * (h_top - dep_alt_m)
    d_desc = (h_top - arr_alt_m) / tan_g
    squeeze = min(1.0, dist / max(d_climb + d_desc, 1e-9))  # degenerate hops only
    d_climb *= squeeze
    d_desc *= squeeze
    d_cruise = max(dist - d_climb - d_desc, 0.0)
    t_climb = 2.0 * d_climb / (v0 + vc)
    t_cruise = d_cruise / vc
    t_desc = 2.0 * d_desc / (vc + vl)
    total = t_climb + t_cruise + t_desc

    t = _sample_times(total, dt_s)
    tc = np.clip(t, 0.0, t_climb)
    td = np.clip(t - t_climb - t_cruise, 0.0, t_desc)
    climbing = t < t_climb
    descending = t > t_climb + t_cruise
    acc_c = (vc - v0) / t_climb if t_climb > 0.0 else 0.0
    acc_d = (vc - vl) / t_desc if t_desc > 0.0 else 0.0
    s = (
        v0 * tc
        + 0.5 * acc_c * tc * tc
        + vc * np.clip(t - t_climb, 0.0, t_cruise)
        + vc * td
        - 0.5 * acc_d * td * td
    )
    s_rate = np.where(climbing, v0 + acc_c * tc, np.where(descending, vc - acc_d * td, vc))
    climb_rate = (h_top - dep_alt_m) / t_climb if t_climb > 0.0 else 0.0
    slope = (h_top - arr_alt_m) / d_desc if d_desc > 0.0 else 0.0  # height per surface metre
    h = np.where(climbing, dep_alt_m + climb_rate * tc, h_top)
    h = np.where(descending, h_top - (s - d_climb - d_cruise) * slope, h)
    h_rate = np.where(climbing, climb_rate, np.where(descending, -s_rate * slope, 0.0))
    s[-1] = dist
    h[-1] = arr_alt_m
    lon, lat, baz = _GEOD.fwd(
        np.full_like(s, dep_lon_rad),
        np.full_like(s, dep_lat_rad),
        np.full_like(s, az),
        s,
        radians=True,
    )
    lat = np.asarray(lat, dtype=np.float64)
    lon = np.asarray(lon, dtype=np.float64)
    pos = lla_to_ecef(lat, lon, h)
    vel = geodesic_velocity_ecef(lat, lon, h, np.asarray(baz) + np.pi, s_rate, h_rate)
    return Flight(t_s=t0_s + t, pos_ecef_m=pos, vel_ecef_m_s=vel)


def replay_track(
    t_s: npt.ArrayLike,
    lat_rad: npt.ArrayLike,
    lon_rad: npt.ArrayLike,
    alt_m: npt.ArrayLike,
    *,
    window_s: float = 10.0,
) -> Flight:
    """A recorded track as a :class:`Flight`, with velocities fitted to the positions.

    Rows with a non-finite time, latitude or longitude are dropped, the rest sorted by time
    (the first of equal times kept); missing heights are interpolated linearly in time.

    Args:
        t_s: (k,) report times (s, e.g. Unix seconds or seconds since the scenario epoch).
        lat_rad, lon_rad: (k,) geodetic position (rad).
        alt_m: (k,) height (m; barometric altitude is used as height above the ellipsoid).
        window_s: width of the least-squares window for the velocities (s); 0 gives plain
            central differences.

    Raises:
        InputError: fewer than two usable reports, or no usable height.

    >>> import numpy as np
    >>> t = np.arange(0.0, 60.0)
    >>> lon = t * 200.0 / (6378137.0 + 9000.0)  # 200 m/s eastward along the equator
    >>> f = replay_track(t, np.zeros(60), lon, np.full(60, 9000.0))
    >>> round(float(np.linalg.norm(f.vel_ecef_m_s[30])), 3)
    200.0
    """
    t = np.asarray(t_s, dtype=np.float64)
    lat = np.asarray(lat_rad, dtype=np.float64)
    lon = np.asarray(lon_rad, dtype=np.float64)
    alt = np.asarray(alt_m, dtype=np.float64)
    ok = np.isfinite(t) & np.isfinite(lat) & np.isfinite(lon)
    t, lat, lon, alt = t[ok], lat[ok], lon[ok], alt[ok]
    order = np.argsort(t, kind="stable")
    t, lat, lon, alt = t[order], lat[order], lon[order], alt[order]
    keep = np.concatenate([[True], np.diff(t) > 0.0])
    t, lat, lon, alt = t[keep], lat[keep], lon[keep], alt[keep]
    if t.size < 2:
        raise InputError(
            f"replay_track: a track needs at least 2 reports with time and position (got {t.size})"
        )
    has_alt = np.isfinite(alt)
    if not has_alt.any():
        raise InputError("replay_track: the track has no report with a height; give alt_m")
    alt = np.interp(t, t[has_alt], alt[has_alt])
    pos = lla_to_ecef(lat, lon, alt)
    vel = _fitted_velocity(t, pos, window_s)
    return Flight(t_s=t, pos_ecef_m=pos, vel_ecef_m_s=vel)


# --------------------------------------------------------------------------- private helpers


def _fitted_velocity(t: FloatArray, pos: FloatArray, window_s: float) -> FloatArray:
    """Slope (k, 3) of the least-squares line through the samples within ±window/2 of each."""
    grad = np.asarray(np.gradient(pos, t, axis=0), dtype=np.float64)
    if window_s <= 0.0:
        return grad
    k = t.size
    idx = np.arange(k)
    lo = np.searchsorted(t, t - 0.5 * window_s, side="left")
    hi = np.searchsorted(t, t + 0.5 * window_s, side="right") - 1
    reach = int(max((idx - lo).max(), (hi - idx).max()))
    s0 = np.zeros(k)
    st = np.zeros(k)
    stt = np.zeros(k)
    sp = np.zeros((k, 3))
    stp = np.zeros((k, 3))
    for o in range(-reach, reach + 1):  # offsets in samples, not a loop over samples
        j = np.clip(idx + o, 0, k - 1)
        m = ((idx + o >= lo) & (idx + o <= hi)).astype(np.float64)
        dt = (t[j] - t) * m
        dp = (pos[j] - pos) * m[:, None]
        s0 += m
        st += dt
        stt += dt * dt
        sp += dp
        stp += dt[:, None] * dp
    den = stt - st * st / s0
    fit = den > 1e-9
    slope = (stp - st[:, None] * sp / s0[:, None]) / np.where(fit, den, 1.0)[:, None]
    return np.where(fit[:, None], slope, grad)
