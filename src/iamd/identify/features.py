"""Identification features of tracks, computed from a fixed-length window of each track's history.

What it models
--------------
A track's recent history is a :class:`TrackWindow`: w samples of the tracker's state (ECEF
position and velocity) per track, arrays ``(n, w, 3)``, with a validity mask ``(n, w)`` that
marks samples before the track existed (young, partial tracks) or dropped from the history.
The window is trained as the last 40 s sampled every 2 s (``WINDOW_SAMPLES`` × ``WINDOW_STEP_S``),
but any spacing works as long as the window spans at least ~20 s. Every feature is a masked,
vectorised reduction over the window axis (no loop over tracks):

- **kinematics**: mean speed and its spread; mean height; climb rate (mean vertical velocity in
  each sample's local East-North-Up frame); the kinematic acceleration, the least-squares slope
  of velocity against time (exact for a constant acceleration, and unbiased for a
  constant-velocity Kalman filter's lagging velocity, whose steady-state error is constant);
  the turn rate, the net change of horizontal heading between the first and last valid samples
  (heading increments summed sample to sample, so turns of more than 180° in the window count
  in full) divided by the time between them.
- **ballistic signature**: the residual of the acceleration against free flight,
  ``a − g(r, v)`` with ``g = −μ r/|r|³ + a_J2 − 2 ω × v − ω × (ω × r)`` in the rotating ECEF frame
  (Vallado, *Fundamentals of Astrodynamics and Applications*, 4th ed., 2013, the same model as
  :mod:`iamd.world.ballistic`), at the window's mean position and velocity. A body in free
  flight has a residual ≈ 0; an aircraft in level flight carries its weight on its wings and
  shows ≈ 9.8 m/s². Its component perpendicular to the velocity (``lift_accel_m_s2``) stays
  ≈ 0 for a re-entering body, whose drag is along the velocity, and ≈ g for anything flying.
- **signature**: the RCS estimate in dBsm and the number of detections it averages, given by
  the caller (an SNR-based estimate; in simulation the true RCS times the mean Swerling I
  fluctuation of those detections times a log-normal calibration error).
- **airways and flight levels**: the distance from the track's last position to the nearest
  great-circle segment between two known airports (default: ``iamd.scenario.airports``), capped
  at ``AIRWAY_CAP_M``; the distance of the altitude from the nearest multiple of 1,000 ft
  (the transponder's reported altitude when there is one, the track's otherwise).
- **cooperative**: transponder (ADS-B / Mode S / Mode 3/A) reply present, allied IFF reply
  present, and the difference between the transponder's reported altitude and the track's height
  (NaN when no altitude is reported).
- **origin**: the distance from the position at first detection to the nearest known airport
  (capped at ``AIRPORT_CAP_M``), the height at first detection, and the country underneath
  (``iamd.geo.borders.country_at``; ``''`` over sea or outside the map), which the identity
  rules use for launch areas but the classifier does not (it would learn one theatre's map).
- **quality**: the time spanned by the window's valid samples.

The classifier reads only the kinematic, ballistic, signature, origin-height and quality
features (``FEATURE_NAMES``); airways, flight levels, cooperative replies, the origin airport
and the country are for the identity rules.

Great circles are on the sphere of the mean Earth radius, through the directions of the points'
ECEF positions: cross-track distances are exact for that sphere (Williams, *Aviation Formulary*,
"cross track error") and within ~0.5 % of the ellipsoid.

>>> import numpy as np
>>> from iamd.geo.wgs84 import lla_to_ecef, enu_vector_to_ecef
>>> t = np.arange(0.0, 40.0, 2.0)[None, :]                    # one track, 20 samples
>>> lat0, lon0 = np.radians(43.0), np.radians(25.0)
>>> east = 230.0 * t / 6_389_000.0 / np.cos(lat0)             # 230 m/s eastward at FL360
>>> pos = lla_to_ecef(lat0, lon0 + east, 10_972.8)
>>> vel = enu_vector_to_ecef(np.array([230.0, 0.0, 0.0]), lat0, lon0 + east)
>>> w = TrackWindow(t_s=t, pos_ecef_m=pos, vel_ecef_m_s=vel, valid=np.ones((1, 20), bool),
...                 first_pos_ecef_m=pos[:, 0], age_s=np.array([120.0]),
...                 rcs_dbsm=np.array([13.0]), rcs_looks=np.array([12.0]),
...                 squawk=np.array([True]),
...                 reported_alt_m=np.array([10_972.8]), iff=np.array([False]))
>>> f = compute_features(w)
>>> round(float(f.speed_m_s[0])), round(float(f.climb_rate_m_s[0]), 3)
(230, 0.0)
>>> round(float(f.lift_accel_m_s2[0]), 1), round(float(f.fl_dev_m[0]), 3)
(9.7, 0.0)
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, fields
from functools import cache
from typing import Any

import numpy as np
import numpy.typing as npt

from iamd.geo.borders import country_at
from iamd.geo.wgs84 import (
    A_M,
    GM_M3_S2,
    OMEGA_RAD_S,
    R_MEAN_M,
    ecef_to_lla,
    lla_to_ecef,
)
from iamd.track.filters import cross3
from iamd.units import FT_M

FloatArray = npt.NDArray[np.float64]
BoolArray = npt.NDArray[np.bool_]
StrArray = npt.NDArray[np.str_]

WINDOW_SAMPLES = 20
"""Samples in the window the classifier was trained on."""
WINDOW_STEP_S = 2.0
"""Spacing of the training windows' samples (s): 20 samples span the last 38 s."""
AIRWAY_CAP_M = 100e3
"""Airway distances are capped here (m): farther is simply 'off airway'."""
AIRPORT_CAP_M = 300e3
"""Origin-to-airport distances are capped here (m)."""
FLIGHT_LEVEL_M = 1000.0 * FT_M
"""Spacing of the flight levels used for the adherence feature (1,000 ft, in m)."""
J2 = 1.08262668e-3
"""Earth's second zonal harmonic (the value of :mod:`iamd.world.ballistic`)."""
MIN_HEADING_SPEED_M_S = 5.0
"""Below this horizontal speed a heading is undefined and the turn rate is NaN."""

GEOMETRY_COLUMNS: tuple[str, ...] = (
    "lat_rad",
    "lon_rad",
    "alt_m",
    "vel_east_m_s",
    "vel_north_m_s",
    "vel_up_m_s",
    "speed_m_s",
    "ground_speed_m_s",
    "heading_rad",
)
"""The columns of :func:`sample_geometry`: geodetic latitude, longitude (rad) and height (m);
the velocity in the local East-North-Up axes (m/s); the speed, the horizontal speed (m/s) and
the heading (rad, clockwise from north)."""

FEATURE_NAMES: tuple[str, ...] = (
    "speed_m_s",
    "speed_std_m_s",
    "alt_m",
    "climb_rate_m_s",
    "accel_m_s2",
    "turn_rate_rad_s",
    "ballistic_residual_m_s2",
    "lift_accel_m_s2",
    "rcs_dbsm",
    "rcs_looks",
    "origin_alt_m",
    "span_s",
)
"""The classifier's input columns, in order (see :class:`Features` for units): how the track
moves, its RCS and how well both are known. The other fields of :class:`Features` are for
the identity rules only: transponder and IFF replies, the reported altitude's error and the
flight-level deviation (which reads the reported altitude) are cooperative evidence, and the
airway and origin-airport distances encode one theatre's map; a classifier that saw them
learned that a silent track far from the built-in airports is a drone."""


@dataclass(frozen=True, slots=True, kw_only=True)
class TrackWindow:
    """The recent history of n tracks: w samples each, oldest first.

    Attributes:
        t_s: (n, w) sample times (s); values at invalid samples are ignored.
        pos_ecef_m: (n, w, 3) track positions, ECEF (m).
        vel_ecef_m_s: (n, w, 3) track velocities, ECEF (m/s).
        valid: (n, w) the track existed and has a state at this sample.
        first_pos_ecef_m: (n, 3) position at first detection, ECEF (m).
        age_s: (n,) time since first detection at the window's last valid sample (s).
        rcs_dbsm: (n,) RCS estimate (dB relative to 1 m²); NaN if unknown.
        rcs_looks: (n,) detections the RCS estimate averages (NaN if unknown); a single look
            at a Swerling I target is 10 dB low one time in ten.
        squawk: (n,) a transponder reply (ADS-B, Mode S or Mode 3/A code) is associated.
        reported_alt_m: (n,) altitude reported by the transponder (Mode C / S), NaN if none.
        iff: (n,) a valid allied IFF reply (Mode 5) is associated.
        geometry: (n, w, len(GEOMETRY_COLUMNS)) optional, :func:`sample_geometry` of each
            sample, kept by a caller that slides windows over time so that each sample's
            geodetic position and local velocity are computed once, when it enters the
            window; values at invalid samples are ignored. None: computed from the window.
    """

    t_s: FloatArray
    pos_ecef_m: FloatArray
    vel_ecef_m_s: FloatArray
    valid: BoolArray
    first_pos_ecef_m: FloatArray
    age_s: FloatArray
    rcs_dbsm: FloatArray
    rcs_looks: FloatArray
    squawk: BoolArray
    reported_alt_m: FloatArray
    iff: BoolArray
    geometry: FloatArray | None = None

    def __len__(self) -> int:
        return int(self.valid.shape[0])

    def take(self, idx: npt.ArrayLike) -> TrackWindow:
        """The windows of the tracks ``idx`` (an index or boolean mask over n)."""
        i = np.asarray(idx)
        taken: dict[str, Any] = {
            f.name: None if getattr(self, f.name) is None else getattr(self, f.name)[i]
            for f in fields(self)
        }
        return TrackWindow(**taken)


@dataclass(frozen=True, slots=True, kw_only=True)
class Features:
    """Features of n tracks; every array has shape (n,). NaN where a feature is undefined.

    Attributes:
        speed_m_s: mean speed over the window (m/s).
        speed_std_m_s: standard deviation of the speed over the window (m/s).
        alt_m: mean height above the WGS84 ellipsoid (m).
        climb_rate_m_s: mean vertical velocity, positive up (m/s).
        accel_m_s2: magnitude of the kinematic acceleration in ECEF (m/s²).
        turn_rate_rad_s: magnitude of the net horizontal turn rate (rad/s).
        ballistic_residual_m_s2: |a − g| against free flight in ECEF (m/s²); ≈ 0 ballistic.
        lift_accel_m_s2: the residual's component perpendicular to the velocity (m/s²).
        rcs_dbsm: RCS estimate (dBsm).
        rcs_looks: detections averaged by the RCS estimate (count).
        airway_dist_m: distance of the last position to the nearest airway (m, capped);
            rules only.
        fl_dev_m: distance of the altitude from the nearest 1,000 ft level (m, 0–152.4);
            rules only.
        squawk: 1.0 if a transponder reply is associated, else 0.0; rules only.
        iff: 1.0 if a valid allied IFF reply is associated, else 0.0; rules only.
        alt_report_err_m: |reported altitude − track height| (m); NaN without a report;
            rules only.
        origin_airport_dist_m: first detection's distance to the nearest airport (m, capped);
            rules only.
        origin_alt_m: height at first detection (m).
        span_s: time between the window's first and last valid samples (s).
        age_s: time since first detection (s); identity rules only.
        origin_country: ADM0_A3 code under the first detection, ``''`` if none; rules only.
    """

    speed_m_s: FloatArray
    speed_std_m_s: FloatArray
    alt_m: FloatArray
    climb_rate_m_s: FloatArray
    accel_m_s2: FloatArray
    turn_rate_rad_s: FloatArray
    ballistic_residual_m_s2: FloatArray
    lift_accel_m_s2: FloatArray
    rcs_dbsm: FloatArray
    rcs_looks: FloatArray
    airway_dist_m: FloatArray
    fl_dev_m: FloatArray
    squawk: FloatArray
    iff: FloatArray
    alt_report_err_m: FloatArray
    origin_airport_dist_m: FloatArray
    origin_alt_m: FloatArray
    span_s: FloatArray
    age_s: FloatArray
    origin_country: StrArray

    def __len__(self) -> int:
        return int(self.speed_m_s.shape[0])

    def matrix(self) -> FloatArray:
        """The classifier's input, (n, len(FEATURE_NAMES)), columns in ``FEATURE_NAMES`` order."""
        return np.stack([getattr(self, name) for name in FEATURE_NAMES], axis=1)


@dataclass(frozen=True, slots=True, kw_only=True)
class AirwayNetwork:
    """Great-circle segments between known airports, as unit vectors on the sphere.

    Attributes:
        a, b: (s, 3) unit vectors of the segments' ends.
        normal: (s, 3) unit normal of each segment's great-circle plane, a × b / |a × b|.
        airports: (k, 3) unit vectors of the airports.
    """

    a: FloatArray
    b: FloatArray
    normal: FloatArray
    airports: FloatArray


def airway_network(
    lat_deg: Sequence[float] | FloatArray,
    lon_deg: Sequence[float] | FloatArray,
    max_length_m: float = 3000e3,
) -> AirwayNetwork:
    """Airways as the great circles between every pair of airports at most ``max_length_m`` apart.

    Airports are given in degrees because they come from catalogs and files (the edge).

    >>> net = airway_network([42.695, 37.936, 44.571], [23.406, 23.947, 26.085])
    >>> net.a.shape, net.airports.shape
    ((3, 3), (3, 3))
    """
    lat = np.radians(np.asarray(lat_deg, dtype=np.float64))
    lon = np.radians(np.asarray(lon_deg, dtype=np.float64))
    u = _unit(lat, lon)
    i, j = np.triu_indices(len(u), k=1)
    ang = np.arccos(np.clip(np.einsum("ij,ij->i", u[i], u[j]), -1.0, 1.0))
    keep = (ang * R_MEAN_M <= max_length_m) & (ang > 1e-9)
    a, b = u[i[keep]], u[j[keep]]
    n = np.cross(a, b)
    n /= np.linalg.norm(n, axis=1, keepdims=True)
    return AirwayNetwork(a=a, b=b, normal=n, airports=u)


@cache
def default_airways() -> AirwayNetwork:
    """The airway network of the built-in airports (``iamd.scenario.airports``)."""
    from iamd.scenario.airports import airports

    ap = list(airports().values())
    return airway_network([a.lat_deg for a in ap], [a.lon_deg for a in ap])


def compute_features(
    window: TrackWindow,
    airways: AirwayNetwork | None = None,
    origin_country: StrArray | None = None,
    *,
    map_distances: bool = True,
) -> Features:
    """Features of every track of ``window`` (see the module docstring for the definitions).

    Args:
        window: n track histories of w samples.
        airways: airports and airways to measure against (default: the built-in airports).
        origin_country: (n,) the country under each first position, if already known (a
            caller that keeps tracks over time computes it once per track).
        map_distances: compute the distances to the nearest airway and, from the first
            position, to the nearest airport; False leaves them NaN (the identity rules and
            the classifier read neither, so the engine's identification stage skips them).

    Returns:
        :class:`Features`, arrays of shape (n,); the same with ``window.geometry`` given as
        without it.
    """
    with np.errstate(invalid="ignore", divide="ignore"):
        return _compute_features(
            window,
            default_airways() if airways is None else airways,
            origin_country,
            map_distances,
        )


def sample_geometry(pos_ecef_m: FloatArray, vel_ecef_m_s: FloatArray) -> FloatArray:
    """Per-sample terms of the features, ``(..., len(GEOMETRY_COLUMNS))`` for positions and
    velocities ``(..., 3)`` (ECEF, m and m/s): the columns of :data:`GEOMETRY_COLUMNS`.

    Each value depends on its own sample only, so a caller that slides windows over time can
    compute it once per sample and pass it as ``TrackWindow.geometry``; the inputs are made
    contiguous, so that every value is the one :func:`compute_features` computes from the
    whole window, bit for bit.

    >>> import numpy as np
    >>> from iamd.geo.wgs84 import lla_to_ecef, enu_vector_to_ecef
    >>> pos = lla_to_ecef(0.7, 0.4, 1000.0)
    >>> vel = enu_vector_to_ecef(np.array([30.0, 40.0, 0.0]), 0.7, 0.4)
    >>> g = sample_geometry(pos, vel)
    >>> round(float(g[2])), round(float(g[6]), 6), round(float(np.degrees(g[8])), 3)
    (1000, 50.0, 36.87)
    """
    pos = np.ascontiguousarray(pos_ecef_m, dtype=np.float64)
    vel = np.ascontiguousarray(vel_ecef_m_s, dtype=np.float64)
    lat, lon, h = ecef_to_lla(pos)
    vel_enu = _to_enu(vel, lat, lon)
    speed = np.linalg.norm(vel, axis=-1)
    ground, heading = _heading(vel_enu)
    return np.stack(
        [lat, lon, h, vel_enu[..., 0], vel_enu[..., 1], vel_enu[..., 2], speed, ground, heading],
        axis=-1,
    )


def gravity_ecef(pos_ecef_m: FloatArray, vel_ecef_m_s: FloatArray) -> FloatArray:
    """Free-flight acceleration (..., 3) in the rotating ECEF frame (m/s²).

    Two-body gravity, the J2 term and the Coriolis and centrifugal terms (Vallado 2013), the
    model of :mod:`iamd.world.ballistic` without drag.

    >>> import numpy as np
    >>> g = gravity_ecef(np.array([A_M, 0.0, 0.0]), np.zeros(3))
    >>> round(float(np.linalg.norm(g)), 3)  # equatorial gravity less the centrifugal term
    9.78
    """
    r = np.asarray(pos_ecef_m, dtype=np.float64)
    v = np.asarray(vel_ecef_m_s, dtype=np.float64)
    rn = np.linalg.norm(r, axis=-1, keepdims=True)
    z2 = (r[..., 2:3] / rn) ** 2
    a = -GM_M3_S2 * r / rn**3
    k = -1.5 * J2 * GM_M3_S2 * A_M**2 / rn**5
    a = a + k * r * np.concatenate([1.0 - 5.0 * z2, 1.0 - 5.0 * z2, 3.0 - 5.0 * z2], axis=-1)
    w = np.array([0.0, 0.0, OMEGA_RAD_S])
    cor = -2.0 * cross3(w, v)
    cen = -cross3(w, cross3(w, r))
    return np.asarray(a + cor + cen)


def airway_distance_m(pos_ecef_m: FloatArray, net: AirwayNetwork) -> FloatArray:
    """Distance (n,) from each position (n, 3) to the nearest airway segment (m, on the sphere).

    The cross-track distance to the segment's great circle where the foot of the perpendicular
    falls inside the segment, the distance to the nearer end otherwise.

    >>> import numpy as np
    >>> from iamd.geo.wgs84 import lla_to_ecef
    >>> net = airway_network([0.0, 0.0], [0.0, 10.0])
    >>> p = lla_to_ecef(np.radians([0.5, 0.0]), np.radians([5.0, 12.0]), 0.0)
    >>> (airway_distance_m(p, net) / 1e3).round(1).tolist()
    [55.2, 222.4]
    """
    p = np.asarray(pos_ecef_m, dtype=np.float64).reshape(-1, 3)
    u = p / np.linalg.norm(p, axis=1, keepdims=True)
    if len(net.a) == 0:
        return np.full(len(u), np.inf)
    # Every segment end is an airport, so the nearest point of the network is either the foot
    # of a perpendicular inside a segment or an airport: no trigonometry on the (n, s) matrix.
    sin_xt = np.abs(u @ net.normal.T)  # (n, s)
    inside = (u @ np.cross(net.normal, net.a).T >= 0.0) & (u @ np.cross(net.b, net.normal).T >= 0.0)
    best = np.where(inside, sin_xt, 2.0).min(axis=1)
    d_seg = np.where(best <= 1.0, np.arcsin(np.minimum(best, 1.0)), np.inf)
    d_ap = np.arccos(np.clip((u @ net.airports.T).max(axis=1), -1.0, 1.0))
    return np.asarray(np.minimum(d_seg, d_ap) * R_MEAN_M)


def airport_distance_m(pos_ecef_m: FloatArray, net: AirwayNetwork) -> FloatArray:
    """Great-circle distance (n,) from each position (n, 3) to the nearest airport (m)."""
    p = np.asarray(pos_ecef_m, dtype=np.float64).reshape(-1, 3)
    u = p / np.linalg.norm(p, axis=1, keepdims=True)
    if len(net.airports) == 0:
        return np.full(len(u), np.inf)
    c = np.clip(u @ net.airports.T, -1.0, 1.0).max(axis=1)
    return np.asarray(np.arccos(c) * R_MEAN_M)


def on_airway(features: Features, half_width_m: float = 5.0 * 1852.0) -> BoolArray:
    """Tracks within ``half_width_m`` of an airway's centre line (default 5 NM, ICAO)."""
    return np.asarray(features.airway_dist_m <= half_width_m)


def ballistic_signature(
    features: Features, min_speed_m_s: float = 600.0, max_lift_m_s2: float = 4.0
) -> BoolArray:
    """Kinematics of free flight: faster than any aircraft and carried by no lift.

    >>> import numpy as np
    >>> f = features_from_columns(speed_m_s=np.array([2500.0, 250.0]),
    ...                    lift_accel_m_s2=np.array([0.3, 9.8]))
    >>> ballistic_signature(f).tolist()
    [True, False]
    """
    return np.asarray(
        (features.speed_m_s >= min_speed_m_s) & (features.lift_accel_m_s2 <= max_lift_m_s2)
    )


# --------------------------------------------------------------------------- private helpers


def _compute_features(
    window: TrackWindow,
    net: AirwayNetwork,
    origin_country: StrArray | None,
    map_distances: bool = True,
) -> Features:
    m = np.asarray(window.valid, dtype=bool)
    mf = m.astype(np.float64)
    cnt = mf.sum(axis=1)
    has = cnt > 0
    safe_cnt = np.where(has, cnt, 1.0)
    t = np.where(m, np.asarray(window.t_s, dtype=np.float64), 0.0)
    pos = np.where(m[..., None], np.asarray(window.pos_ecef_m, dtype=np.float64), 0.0)
    vel = np.where(m[..., None], np.asarray(window.vel_ecef_m_s, dtype=np.float64), 0.0)
    # keep invalid samples away from the pole/centre maths by filling them with a valid one
    last = _last_valid_index(m)
    rows = np.arange(m.shape[0])
    pos = np.where(m[..., None], pos, pos[rows, last][:, None, :])
    if window.geometry is None:
        vel_fill = np.where(m[..., None], vel, vel[rows, last][:, None, :])
        lat, lon, h = ecef_to_lla(pos)
        vel_enu = _to_enu(vel_fill, lat, lon)
        climb_s = vel_enu[..., 2]
        speed = np.linalg.norm(vel_fill, axis=-1)
        ground, heading = _heading(vel_enu)
    else:  # the same terms, computed when each sample entered the window
        geo = np.asarray(window.geometry, dtype=np.float64)
        geo = np.where(m[..., None], geo, geo[rows, last][:, None, :])
        h, climb_s, speed, ground, heading = (geo[..., i] for i in (2, 5, 6, 7, 8))
    mean = _masked_mean(speed, mf, safe_cnt)
    speed_std = np.sqrt(np.maximum(_masked_mean((speed - mean[:, None]) ** 2, mf, safe_cnt), 0.0))
    alt = _masked_mean(h, mf, safe_cnt)
    climb = _masked_mean(climb_s, mf, safe_cnt)

    # acceleration: least-squares slope of velocity against time
    t_mean = _masked_mean(t, mf, safe_cnt)
    dt = (t - t_mean[:, None]) * mf
    stt = (dt * dt).sum(axis=1)
    fit = stt > 1e-9
    v_mean = (vel * mf[..., None]).sum(axis=1) / safe_cnt[:, None]
    acc = np.einsum("nw,nwi->ni", dt, vel - v_mean[:, None, :] * mf[..., None])
    acc = acc / np.where(fit, stt, 1.0)[:, None]
    acc = np.where(fit[:, None], acc, np.nan)
    accel = np.linalg.norm(acc, axis=1)

    r_mean = (pos * mf[..., None]).sum(axis=1) / safe_cnt[:, None]
    g = gravity_ecef(r_mean, v_mean)
    res = acc - g
    resid = np.linalg.norm(res, axis=1)
    v_norm = np.linalg.norm(v_mean, axis=1)
    v_hat = v_mean / np.where(v_norm > 1e-6, v_norm, 1.0)[:, None]
    lift_vec = res - np.einsum("ni,ni->n", res, v_hat)[:, None] * v_hat
    lift = np.where(v_norm > 1e-6, np.linalg.norm(lift_vec, axis=1), resid)

    turn = _turn_rate(ground, heading, t, m)

    t_first = np.where(m, t, np.inf).min(axis=1)
    t_last = np.where(m, t, -np.inf).max(axis=1)
    span = np.where(has, t_last - t_first, 0.0)

    first = np.asarray(window.first_pos_ecef_m, dtype=np.float64)
    o_lat, o_lon, o_h = ecef_to_lla(first)
    if map_distances:
        airway = np.minimum(airway_distance_m(pos[rows, last], net), AIRWAY_CAP_M)
        origin_ap = np.minimum(airport_distance_m(first, net), AIRPORT_CAP_M)
    else:
        airway = origin_ap = np.full(m.shape[0], np.nan)
    country = (
        np.atleast_1d(np.asarray(country_at(o_lat, o_lon))).astype(str)
        if origin_country is None
        else np.asarray(origin_country).astype(str)
    )

    rep = np.asarray(window.reported_alt_m, dtype=np.float64)
    alt_last = h[rows, last]
    fl_src = np.where(np.isfinite(rep), rep, alt)
    fl_dev = np.abs(fl_src - FLIGHT_LEVEL_M * np.round(fl_src / FLIGHT_LEVEL_M))
    rep_err = np.abs(rep - alt_last)

    nan = np.full(m.shape[0], np.nan)
    return Features(
        speed_m_s=np.where(has, mean, nan),
        speed_std_m_s=np.where(has, speed_std, nan),
        alt_m=np.where(has, alt, nan),
        climb_rate_m_s=np.where(has, climb, nan),
        accel_m_s2=accel,
        turn_rate_rad_s=turn,
        ballistic_residual_m_s2=resid,
        lift_accel_m_s2=np.where(fit, lift, nan),
        rcs_dbsm=np.asarray(window.rcs_dbsm, dtype=np.float64).copy(),
        rcs_looks=np.asarray(window.rcs_looks, dtype=np.float64).copy(),
        airway_dist_m=np.where(has, airway, nan),
        fl_dev_m=np.where(has | np.isfinite(rep), fl_dev, nan),
        squawk=np.asarray(window.squawk, dtype=np.float64).copy(),
        iff=np.asarray(window.iff, dtype=np.float64).copy(),
        alt_report_err_m=np.where(has, rep_err, nan),
        origin_airport_dist_m=origin_ap,
        origin_alt_m=np.asarray(o_h, dtype=np.float64),
        span_s=span,
        age_s=np.asarray(window.age_s, dtype=np.float64).copy(),
        origin_country=country,
    )


def _unit(lat: FloatArray, lon: FloatArray) -> FloatArray:
    """Unit vectors towards geodetic points (the direction of their ECEF position)."""
    p = lla_to_ecef(lat, lon, 0.0)
    return np.asarray(p / np.linalg.norm(p, axis=-1, keepdims=True))


def _to_enu(v: FloatArray, lat: FloatArray, lon: FloatArray) -> FloatArray:
    """ECEF vectors (..., 3) in the local East-North-Up axes (the rows of ``enu_rotation``)."""
    sl, cl, so, co = np.sin(lat), np.cos(lat), np.sin(lon), np.cos(lon)
    x, y, z = v[..., 0], v[..., 1], v[..., 2]
    horiz = co * x + so * y
    return np.stack([-so * x + co * y, -sl * horiz + cl * z, cl * horiz + sl * z], axis=-1)


def _masked_mean(x: FloatArray, mf: FloatArray, cnt: FloatArray) -> FloatArray:
    return np.asarray((x * mf).sum(axis=1) / cnt)


def _last_valid_index(m: BoolArray) -> npt.NDArray[np.intp]:
    w = m.shape[1]
    idx = np.where(m, np.arange(w)[None, :], -1).max(axis=1)
    return np.asarray(np.maximum(idx, 0))


def _heading(vel_enu: FloatArray) -> tuple[FloatArray, FloatArray]:
    """Horizontal speed (m/s) and heading (rad, clockwise from north) of ENU velocities
    (..., 3)."""
    return np.hypot(vel_enu[..., 0], vel_enu[..., 1]), np.arctan2(vel_enu[..., 0], vel_enu[..., 1])


def _turn_rate(vh: FloatArray, psi: FloatArray, t: FloatArray, m: BoolArray) -> FloatArray:
    """|net heading change| / time over the valid samples with a defined heading (n,), from
    the samples' horizontal speeds ``vh`` and headings ``psi`` (n, w)."""
    ok = m & (vh >= MIN_HEADING_SPEED_M_S)
    w = m.shape[1]
    # forward-fill headings and times over samples without one
    src = np.maximum.accumulate(np.where(ok, np.arange(w)[None, :], -1), axis=1)
    filled = src >= 0
    srci = np.maximum(src, 0)
    psi_f = np.take_along_axis(psi, srci, axis=1)
    d = np.diff(psi_f, axis=1)
    d = (d + np.pi) % (2.0 * np.pi) - np.pi
    d = np.where(filled[:, 1:] & filled[:, :-1], d, 0.0)
    net = d.sum(axis=1)
    first = np.where(ok, t, np.inf).min(axis=1)
    last = np.where(ok, t, -np.inf).max(axis=1)
    dur = last - first
    good = np.isfinite(dur) & (dur > 1e-9)
    return np.where(good, np.abs(net) / np.where(good, dur, 1.0), np.nan)


def features_from_columns(**given: FloatArray) -> Features:
    """Features of ``len`` (given arrays) tracks: zeros (age 60 s, no country) except ``given``.

    For hand-built cases in examples and tests.
    """
    n = len(next(iter(given.values())))
    base: dict[str, object] = {f.name: np.zeros(n) for f in fields(Features)}
    base["age_s"] = np.full(n, 60.0)
    base["origin_country"] = np.full(n, "", dtype="<U3")
    base.update(given)
    return Features(**base)  # type: ignore[arg-type]
