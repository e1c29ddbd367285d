"""First radar model: detection within range, horizon, sector and a detection probability,
with measurement noise in range, azimuth and elevation.

Detection probability follows the radar range equation (SNR ∝ σ / R⁴, Skolnik, *Introduction
to Radar Systems*, 3rd ed., §2.1), calibrated so that each catalog radar detects its reference
RCS at its published range with probability ``pd_ref``; for a Swerling I target and a
square-law detector the single-scan probability is ``Pd = Pfa^(1 / (1 + SNR))`` (Richards,
*Fundamentals of Radar Signal Processing*, §6.3). Targets below the 4/3-Earth radar horizon,
outside the sector or elevation limits, above the radar's altitude ceiling or beyond 1.2 × the
reference range (the instrumented range) are not detected; a lower elevation limit of 0° or
less means "down to the radar horizon". Each radar scans every ``scan_period_s`` from a phase
fixed by its id; a radar faster than the clock gets every look of the step
(``Pd_step = 1 - (1 - Pd)^looks``). Each plot carries the ECEF covariance of its converted
range/azimuth/elevation measurement (:func:`measurement_covariance_ecef`, Lerro and
Bar-Shalom, IEEE TAES 29(3), 1993, linearised). False alarms (:mod:`iamd.sense.clutter`) and
cooperative replies (:mod:`iamd.sense.cooperative`) are added by :func:`iamd.sense.scan.scan`.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import numpy.typing as npt

from iamd.geo.geodesic import great_circle_distance_m
from iamd.geo.horizon import radar_horizon_range_m
from iamd.geo.wgs84 import (
    A_M,
    B_M,
    aer_to_enu,
    ecef_to_lla,
    enu_rotation,
    enu_to_aer,
    lla_to_ecef,
)
from iamd.rng import key

FloatArray = npt.NDArray[np.float64]
BoolArray = npt.NDArray[np.bool_]
IntArray = npt.NDArray[np.int64]

PFA = 1e-6
"""False-alarm probability per resolution cell used to calibrate the SNR scale."""
INSTRUMENTED_RANGE_FACTOR = 1.2
"""Instrumented range as a multiple of the reference detection range."""


def snr_for_pd(pd: float | FloatArray, pfa: float = PFA) -> FloatArray:
    """Linear SNR giving detection probability ``pd`` on a Swerling I target.

    >>> round(float(snr_for_pd(0.9)), 1)
    130.1
    """
    return np.asarray(np.log(pfa) / np.log(pd) - 1.0)


def pd_swerling1(snr: FloatArray, pfa: float = PFA) -> FloatArray:
    """Single-scan Pd of a Swerling I target at linear SNR ``snr`` (any shape).

    >>> round(float(pd_swerling1(snr_for_pd(0.9))), 6)
    0.9
    """
    return np.asarray(np.power(pfa, 1.0 / (1.0 + np.maximum(snr, 0.0))))


@dataclass(frozen=True, slots=True, kw_only=True)
class SensorArray:
    """All radars of a scenario as arrays of shape (S,), (S, 3) or (S, 3, 3).

    Angles in radians; ``sector_half_rad`` is π for an all-round radar; ``enu_rot`` holds each
    antenna's ENU rotation (rows: East, North, Up in ECEF; ``vec_enu = enu_rot @ vec_ecef``).
    """

    ids: tuple[str, ...]
    nation: tuple[str, ...]
    type: tuple[str, ...]
    lat_rad: FloatArray
    lon_rad: FloatArray
    alt_m: FloatArray
    pos_ecef_m: FloatArray
    range_ref_m: FloatArray
    rcs_ref_m2: FloatArray
    snr_ref: FloatArray
    min_el_rad: FloatArray
    max_el_rad: FloatArray
    max_alt_m: FloatArray
    scan_period_s: FloatArray
    phase_s: FloatArray
    sigma_range_m: FloatArray
    sigma_az_rad: FloatArray
    sigma_el_rad: FloatArray
    sector_center_rad: FloatArray
    sector_half_rad: FloatArray
    enu_rot: FloatArray

    def __len__(self) -> int:
        return len(self.ids)


def make_sensor_array(
    *,
    ids: list[str],
    nation: list[str],
    type_: list[str],
    lat_deg: list[float],
    lon_deg: list[float],
    site_alt_m: list[float],
    antenna_height_m: list[float],
    detection_range_km: list[float],
    rcs_ref_m2: list[float],
    pd_ref: list[float],
    min_elevation_deg: list[float],
    max_elevation_deg: list[float],
    max_altitude_km: list[float],
    scan_period_s: list[float],
    sigma_range_m: list[float],
    sigma_azimuth_mrad: list[float],
    sigma_elevation_mrad: list[float],
    sector_center_deg: list[float],
    sector_width_deg: list[float],
) -> SensorArray:
    """Build the arrays from per-radar values in file units (the one conversion point)."""
    lat = np.radians(np.asarray(lat_deg, dtype=np.float64))
    lon = np.radians(np.asarray(lon_deg, dtype=np.float64))
    alt = np.asarray(site_alt_m, dtype=np.float64) + np.asarray(antenna_height_m, dtype=np.float64)
    scan = np.asarray(scan_period_s, dtype=np.float64)
    phase = np.array([(key(i) % 10_000) / 10_000.0 for i in ids], dtype=np.float64) * scan
    return SensorArray(
        ids=tuple(ids),
        nation=tuple(nation),
        type=tuple(type_),
        lat_rad=lat,
        lon_rad=lon,
        alt_m=alt,
        pos_ecef_m=lla_to_ecef(lat, lon, alt).reshape(-1, 3),
        range_ref_m=np.asarray(detection_range_km, dtype=np.float64) * 1000.0,
        rcs_ref_m2=np.asarray(rcs_ref_m2, dtype=np.float64),
        snr_ref=snr_for_pd(np.asarray(pd_ref, dtype=np.float64)),
        min_el_rad=np.radians(np.asarray(min_elevation_deg, dtype=np.float64)),
        max_el_rad=np.radians(np.asarray(max_elevation_deg, dtype=np.float64)),
        max_alt_m=np.asarray(max_altitude_km, dtype=np.float64) * 1000.0,
        scan_period_s=scan,
        phase_s=phase,
        sigma_range_m=np.asarray(sigma_range_m, dtype=np.float64),
        sigma_az_rad=np.asarray(sigma_azimuth_mrad, dtype=np.float64) * 1e-3,
        sigma_el_rad=np.asarray(sigma_elevation_mrad, dtype=np.float64) * 1e-3,
        sector_center_rad=np.radians(np.asarray(sector_center_deg, dtype=np.float64)),
        sector_half_rad=np.radians(np.asarray(sector_width_deg, dtype=np.float64)) / 2.0,
        enu_rot=enu_rotation(lat, lon).reshape(-1, 3, 3),
    )


@dataclass(frozen=True, slots=True, kw_only=True)
class Plots:
    """Plots of one clock step, shape (P,), (P, 3) or (P, 3, 3).

    Attributes:
        t_s: time of the measured position (s).
        sensor: index of the radar.
        entity: index of the true object that caused the plot, -1 for a false alarm (for
            scoring only; a tracker must not use it).
        range_m, az_rad, el_rad: the measurement.
        pos_ecef_m: (P, 3) the measurement converted to ECEF.
        cov_ecef_m2: (P, 3, 3) its covariance (:func:`measurement_covariance_ecef`).
        squawk: a transponder reply (ADS-B / Mode S) was associated with the plot.
        iff: an allied IFF (Mode 5) answer was associated with the plot.
        rcs_m2: the radar's estimate of the target's RCS from the plot's echo power
            (`iamd.sense.signature`), m².
        reported_alt_m: the altitude reported by the transponder reply (Mode C / S, 25 ft
            steps), NaN without a reply.
    """

    t_s: FloatArray
    sensor: IntArray
    entity: IntArray
    range_m: FloatArray
    az_rad: FloatArray
    el_rad: FloatArray
    pos_ecef_m: FloatArray
    cov_ecef_m2: FloatArray
    squawk: BoolArray
    iff: BoolArray
    rcs_m2: FloatArray
    reported_alt_m: FloatArray

    def __len__(self) -> int:
        return len(self.sensor)

    @classmethod
    def empty(cls) -> Plots:
        """No plots."""
        f = np.zeros(0)
        return cls(
            t_s=f,
            sensor=np.zeros(0, dtype=np.int64),
            entity=np.zeros(0, dtype=np.int64),
            range_m=f,
            az_rad=f,
            el_rad=f,
            pos_ecef_m=np.zeros((0, 3)),
            cov_ecef_m2=np.zeros((0, 3, 3)),
            squawk=np.zeros(0, dtype=bool),
            iff=np.zeros(0, dtype=bool),
            rcs_m2=f,
            reported_alt_m=f,
        )

    def concat(self, other: Plots) -> Plots:
        """This table's plots followed by ``other``'s."""
        return Plots(
            **{
                name: np.concatenate([getattr(self, name), getattr(other, name)])
                for name in Plots.__slots__
            }
        )


def measurement_covariance_ecef(
    sensors: SensorArray,
    sensor: IntArray,
    az_rad: FloatArray,
    el_rad: FloatArray,
    range_m: FloatArray,
) -> FloatArray:
    """ECEF covariance ``(P, 3, 3)`` of P converted azimuth/elevation/range measurements of
    the radars ``sensor`` (P,): ``R_ecef = Rot' J diag(σ_az², σ_el², σ_r²) J' Rot`` with J the
    Jacobian of the AER-to-ENU conversion and Rot the radar's ENU rotation (linearised, without
    the debiasing of Lerro and Bar-Shalom 1993). It is the same kernel as
    ``iamd.track.filters.radar_plot_covariance_ecef``, kept here because sensing may not
    import the tracking stage.

    >>> radar = make_sensor_array(ids=["r"], nation=["BGR"], type_=["t"], lat_deg=[0.0],
    ...     lon_deg=[0.0], site_alt_m=[0.0], antenna_height_m=[0.0], detection_range_km=[100.0],
    ...     rcs_ref_m2=[1.0], pd_ref=[0.9], min_elevation_deg=[0.0], max_elevation_deg=[80.0],
    ...     max_altitude_km=[30.0], scan_period_s=[1.0], sigma_range_m=[5.0],
    ...     sigma_azimuth_mrad=[1.0], sigma_elevation_mrad=[2.0], sector_center_deg=[0.0],
    ...     sector_width_deg=[360.0])
    >>> c = measurement_covariance_ecef(radar, np.array([0]), np.array([0.0]), np.array([0.0]),
    ...                                 np.array([1e4]))
    >>> np.round(np.diag(c[0]), 6).tolist()   # ECEF x = up, y = east (r σ_az), z = north (σ_r)
    [400.0, 100.0, 25.0]
    """
    sa, ca = np.sin(az_rad), np.cos(az_rad)
    se, ce = np.sin(el_rad), np.cos(el_rad)
    r = range_m
    j = np.empty((len(sensor), 3, 3))
    j[:, 0, 0], j[:, 1, 0], j[:, 2, 0] = r * ce * ca, -r * ce * sa, 0.0  # d/d az
    j[:, 0, 1], j[:, 1, 1], j[:, 2, 1] = -r * se * sa, -r * se * ca, r * ce  # d/d el
    j[:, 0, 2], j[:, 1, 2], j[:, 2, 2] = ce * sa, ce * ca, se  # d/d range
    var = np.stack(
        [
            sensors.sigma_az_rad[sensor] ** 2,
            sensors.sigma_el_rad[sensor] ** 2,
            sensors.sigma_range_m[sensor] ** 2,
        ],
        axis=-1,
    )
    c_enu = (j * var[:, None, :]) @ np.swapaxes(j, -1, -2)
    rot = sensors.enu_rot[sensor]
    c = np.swapaxes(rot, -1, -2) @ c_enu @ rot
    return np.asarray(0.5 * (c + np.swapaxes(c, -1, -2)))


def scanning(sensors: SensorArray, t_s: float, dt_s: float) -> IntArray:
    """How many scans each radar completes in ``(t_s, t_s + dt_s]``: shape (S,).

    A radar whose scan period is shorter than the clock step completes several.
    """
    n_before = np.floor((t_s - sensors.phase_s) / sensors.scan_period_s)
    n_after = np.floor((t_s + dt_s - sensors.phase_s) / sensors.scan_period_s)
    return np.asarray(n_after - n_before, dtype=np.int64)


def coverage(
    sensors: SensorArray, sensor: IntArray, pos_ecef_m: FloatArray
) -> tuple[BoolArray, FloatArray, FloatArray, FloatArray]:
    """Geometric coverage of targets at ``pos_ecef_m`` by the radars ``sensor``, pair by pair.

    The one coverage rule of the project: inside the 4/3-Earth radar horizon (as
    `iamd.geo.horizon.above_radar_horizon`, from the sites' geodetic position), the sector,
    the elevation limits (a lower limit of 0° or less means down to the horizon), below the
    ceiling and within the instrumented range.

    Args:
        sensor: integer indices of radars, of a shape that broadcasts against the targets'
            leading shape: ``(S, 1)`` against ``(1, N, 3)`` for every radar and target (see
            :func:`visibility`), ``(n, 1)`` against ``(n, H, 3)`` for radar i watching
            target i at H times.
        pos_ecef_m: (..., 3) target positions (m).

    Returns:
        ``visible`` and azimuth, elevation (rad), slant range (m), each of the broadcast shape.

    >>> radar = make_sensor_array(ids=["r"], nation=["BGR"], type_=["t"], lat_deg=[0.0],
    ...     lon_deg=[0.0], site_alt_m=[0.0], antenna_height_m=[0.0], detection_range_km=[100.0],
    ...     rcs_ref_m2=[1.0], pd_ref=[0.9], min_elevation_deg=[0.0], max_elevation_deg=[80.0],
    ...     max_altitude_km=[30.0], scan_period_s=[1.0], sigma_range_m=[5.0],
    ...     sigma_azimuth_mrad=[1.0], sigma_elevation_mrad=[2.0], sector_center_deg=[0.0],
    ...     sector_width_deg=[360.0])
    >>> up_and_north = lla_to_ecef(np.radians([0.1, 0.5, 1.5]), 0.0, 1000.0)  # 11, 55, 167 km
    >>> vis, az, el, rng = coverage(radar, np.zeros((1, 1), dtype=np.int64), up_and_north[None])
    >>> vis.tolist()   # the third is beyond 1.2 x 100 km
    [[True, True, False]]
    """
    return _coverage(sensors, sensor, pos_ecef_m, ecef_to_lla(pos_ecef_m))  # lla per target


def _coverage(
    sensors: SensorArray,
    sensor: IntArray,
    pos_ecef_m: FloatArray,
    lla: tuple[FloatArray, FloatArray, FloatArray],
) -> tuple[BoolArray, FloatArray, FloatArray, FloatArray]:
    """:func:`coverage`, the targets' geodetic positions ``lla`` given."""
    t_lat, t_lon, tgt_alt = lla
    d = pos_ecef_m - sensors.pos_ecef_m[sensor]
    az, el, rng = enu_to_aer(np.einsum("...ij,...j->...i", sensors.enu_rot[sensor], d))
    ground = great_circle_distance_m(sensors.lat_rad[sensor], sensors.lon_rad[sensor], t_lat, t_lon)
    horizon = ground <= radar_horizon_range_m(sensors.alt_m[sensor], tgt_alt)
    off = np.abs(np.mod(az - sensors.sector_center_rad[sensor] + np.pi, 2 * np.pi) - np.pi)
    min_el = sensors.min_el_rad[sensor]
    visible = (
        horizon
        & (off <= sensors.sector_half_rad[sensor])
        & ((el >= min_el) | (min_el <= 0.0))
        & (el <= sensors.max_el_rad[sensor])
        & (tgt_alt <= sensors.max_alt_m[sensor])
        & (rng <= INSTRUMENTED_RANGE_FACTOR * sensors.range_ref_m[sensor])
    )
    return visible, az, el, rng


def visibility(
    sensors: SensorArray, pos_ecef_m: FloatArray, rows: IntArray | None = None
) -> tuple[BoolArray, FloatArray, FloatArray, FloatArray]:
    """Geometric visibility of N targets from S radars (or the radars ``rows`` of them):
    :func:`coverage` of every radar and target.

    Args:
        pos_ecef_m: (N, 3) target positions.
        rows: (S',) indices of the radars to use (default all).

    Returns:
        ``visible`` (S, N) — inside horizon, sector, elevation, ceiling and instrumented range;
        and azimuth, elevation (rad), slant range (m), each (S, N).
    """
    r = np.arange(len(sensors)) if rows is None else np.asarray(rows)
    return coverage(sensors, r[:, None], pos_ecef_m[None, :, :])


def pd_at(
    sensors: SensorArray, sensor: IntArray, rng_m: FloatArray, rcs_m2: FloatArray
) -> FloatArray:
    """Single-look Pd of targets of RCS ``rcs_m2`` at slant ranges ``rng_m`` from the radars
    ``sensor``, pair by pair (the three broadcast as in :func:`coverage`): the calibrated
    range equation and the Swerling I law of the module's docstring.

    >>> radar = make_sensor_array(ids=["r"], nation=["BGR"], type_=["t"], lat_deg=[0.0],
    ...     lon_deg=[0.0], site_alt_m=[0.0], antenna_height_m=[0.0], detection_range_km=[100.0],
    ...     rcs_ref_m2=[1.0], pd_ref=[0.9], min_elevation_deg=[0.0], max_elevation_deg=[80.0],
    ...     max_altitude_km=[30.0], scan_period_s=[1.0], sigma_range_m=[5.0],
    ...     sigma_azimuth_mrad=[1.0], sigma_elevation_mrad=[2.0], sector_center_deg=[0.0],
    ...     sector_width_deg=[360.0])
    >>> np.round(pd_at(radar, np.zeros(2, dtype=np.int64), np.array([1e5, 1e5]),
    ...                np.array([1.0, 16.0])), 3).tolist()   # 16 m² at 100 km: as 1 m² at 50 km
    [0.9, 0.993]
    """
    snr = (
        sensors.snr_ref[sensor]
        * (rcs_m2 / sensors.rcs_ref_m2[sensor])
        * (sensors.range_ref_m[sensor] / np.maximum(rng_m, 1.0)) ** 4
    )
    return pd_swerling1(snr)


def detection_probability(
    sensors: SensorArray, rng_m: FloatArray, rcs_m2: FloatArray, rows: IntArray | None = None
) -> FloatArray:
    """Pd (S, N) of targets of RCS ``rcs_m2`` (N,) at slant ranges ``rng_m`` (S, N) from the
    radars (or the radars ``rows`` of them): :func:`pd_at` of every radar and target."""
    r = np.arange(len(sensors)) if rows is None else np.asarray(rows)
    return pd_at(sensors, r[:, None], rng_m, rcs_m2[None, :])


def pd_of_step(pd_look: FloatArray, looks: IntArray) -> FloatArray:
    """Pd of a clock step in which a radar completes ``looks`` scans of a target it detects
    with ``pd_look`` on each: ``1 - (1 - Pd)^looks`` (0 without a look)."""
    return np.asarray(1.0 - (1.0 - pd_look) ** looks)


def in_reach(
    sensors: SensorArray, rows: IntArray, pos_ecef_m: FloatArray
) -> tuple[IntArray, IntArray]:
    """The pairs of the radars ``rows`` (S',) and the targets at ``pos_ecef_m`` (N, 3) whose
    straight-line distance may be within the instrumented range: indices into ``rows`` and
    into the targets, ordered as ``np.nonzero`` orders an (S', N) matrix. The bound is wider
    than the rule by a millionth, so that every pair :func:`coverage` finds visible is kept
    (its slant range, from the rotated offset, differs from the distance by rounding only).
    """
    d = pos_ecef_m[None, :, :] - sensors.pos_ecef_m[rows][:, None, :]
    reach = INSTRUMENTED_RANGE_FACTOR * sensors.range_ref_m[rows] * (1.0 + 1e-6)
    r, c = np.nonzero(np.einsum("snk,snk->sn", d, d) <= (reach * reach)[:, None])
    return r.astype(np.int64), c.astype(np.int64)


def measure(
    sensors: SensorArray,
    sensor: IntArray,
    az_rad: FloatArray,
    el_rad: FloatArray,
    range_m: FloatArray,
    noise: FloatArray,
) -> tuple[FloatArray, FloatArray, FloatArray, FloatArray, FloatArray]:
    """P plots of the radars ``sensor`` (P,) of targets at true ``az_rad``, ``el_rad``,
    ``range_m`` (P,), with standard normal ``noise`` (P, 3) scaled by the radar's sigmas in
    range, azimuth and elevation (in that order).

    Returns:
        measured range (m), azimuth, elevation (rad), each (P,); the ECEF position (P, 3)
        (:func:`aer_to_ecef_at`) and its covariance (P, 3, 3)
        (:func:`measurement_covariance_ecef`).
    """
    m_rng = range_m + noise[:, 0] * sensors.sigma_range_m[sensor]
    m_az = az_rad + noise[:, 1] * sensors.sigma_az_rad[sensor]
    m_el = el_rad + noise[:, 2] * sensors.sigma_el_rad[sensor]
    pos = aer_to_ecef_at(sensors, sensor, m_az, m_el, m_rng).reshape(-1, 3)
    cov = measurement_covariance_ecef(sensors, sensor, m_az, m_el, m_rng)
    return m_rng, m_az, m_el, pos, cov


def detect(
    sensors: SensorArray,
    pos_ecef_m: FloatArray,
    present: BoolArray,
    rcs_m2: FloatArray,
    t_s: float,
    dt_s: float,
    generators: list[np.random.Generator],
) -> Plots:
    """Plots of the radars that scan during ``[t_s, t_s + dt_s)``, of the objects at their
    positions at ``t_s`` (the time stamp of the plots). No false alarms and no cooperative
    replies here (see :func:`iamd.sense.scan.scan`).

    Args:
        pos_ecef_m: (N, 3) true positions; present: (N,) objects in the air and alive.
        rcs_m2: (N,) radar cross sections.
        generators: one generator per radar; each scanning radar draws N uniforms and N × 3
            normals whatever it detects, so one target's noise never depends on another's.
    """
    looks = scanning(sensors, t_s, dt_s)
    s_idx = np.flatnonzero(looks)
    if len(s_idx) == 0 or not present.any():
        return Plots.empty()
    n = len(pos_ecef_m)
    obj = np.flatnonzero(present)
    u = np.empty((len(s_idx), n))
    z = np.empty((len(s_idx), n, 3))
    for row, s in enumerate(s_idx):  # a loop over the scanning radars' streams
        u[row] = generators[s].random(n)
        z[row] = generators[s].standard_normal((n, 3))
    # the radar-object pairs within reach, in the order of the (radar, object) matrix; the
    # others are not visible, so coverage and Pd are computed for these pairs only
    pos = pos_ecef_m[obj]
    rows, cols = in_reach(sensors, s_idx, pos)
    ent = obj[cols]
    sensor = s_idx[rows].astype(np.int64)
    lat, lon, alt = ecef_to_lla(pos)  # once per object
    visible, az, el, rng = _coverage(
        sensors, sensor, pos_ecef_m[ent], (lat[cols], lon[cols], alt[cols])
    )
    pd = pd_of_step(pd_at(sensors, sensor, rng, rcs_m2[ent]), looks[sensor])
    hit = np.flatnonzero(visible & (u[rows, ent] < pd))
    ent, sensor, rows = ent[hit], sensor[hit], rows[hit]
    m_rng, m_az, m_el, m_pos, cov = measure(
        sensors, sensor, az[hit], el[hit], rng[hit], z[rows, ent]
    )
    return Plots(
        t_s=np.full(len(rows), float(t_s)),
        sensor=sensor,
        entity=ent.astype(np.int64),
        range_m=m_rng,
        az_rad=m_az,
        el_rad=m_el,
        pos_ecef_m=m_pos,
        cov_ecef_m2=cov,
        squawk=np.zeros(len(rows), dtype=bool),
        iff=np.zeros(len(rows), dtype=bool),
        rcs_m2=np.full(len(rows), np.nan),
        reported_alt_m=np.full(len(rows), np.nan),
    )


def aer_to_ecef_at(
    sensors: SensorArray,
    sensor: IntArray,
    az_rad: FloatArray,
    el_rad: FloatArray,
    range_m: FloatArray,
) -> FloatArray:
    """ECEF positions ``(P, 3)`` of P azimuth/elevation/range measurements of the radars
    ``sensor`` (P,) (`iamd.geo.wgs84.aer_to_ecef` with the radars' stored rotations)."""
    enu = aer_to_enu(az_rad, el_rad, range_m).reshape(-1, 3)
    return np.asarray(
        sensors.pos_ecef_m[sensor] + np.einsum("pji,pj->pi", sensors.enu_rot[sensor], enu)
    )


def approx_height_m(pos_ecef_m: FloatArray) -> FloatArray:
    """Height above the WGS84 ellipsoid (m) of positions ``(..., 3)``, approximated as the
    distance from the centre minus the ellipsoid's radius at the same geocentric latitude —
    within 2 m of the geodetic height below 300 km (5 m at 1,000 km), and cheaper than
    `iamd.geo.wgs84.ecef_to_lla`; for thresholds (ceilings, speed priors).

    >>> round(float(approx_height_m(lla_to_ecef(0.7, 0.4, 30_000.0))))
    30000
    """
    p = np.asarray(pos_ecef_m, dtype=np.float64)
    r = np.linalg.norm(p, axis=-1)
    s2 = (p[..., 2] / r) ** 2
    radius = A_M * B_M / np.sqrt(B_M * B_M * (1.0 - s2) + A_M * A_M * s2)
    return np.asarray(r - radius)


def take_sensors(sensors: SensorArray, idx: IntArray) -> SensorArray:
    """The radars ``idx`` of an array, as a new array (every field indexed alike)."""
    return _take(sensors, idx)


def _take(sensors: SensorArray, idx: IntArray) -> SensorArray:
    fields: dict[str, Any] = {}
    for name in SensorArray.__slots__:
        value = getattr(sensors, name)
        if isinstance(value, tuple):
            fields[name] = tuple(value[i] for i in idx)
        else:
            fields[name] = value[idx]
    return SensorArray(**fields)
