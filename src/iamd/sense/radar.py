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
(``Pd_step = 1 - (1 - Pd)^looks``). This is the honest first version; clutter,
false alarms and cooperative surveillance belong to the sensed picture.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import numpy.typing as npt

from iamd.geo.horizon import above_radar_horizon
from iamd.geo.wgs84 import aer_to_ecef, ecef_to_aer, ecef_to_lla, lla_to_ecef
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
    """All radars of a scenario as arrays of shape (S,) or (S, 3).

    Angles in radians; ``sector_half_rad`` is π for an all-round radar.
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
    )


@dataclass(frozen=True, slots=True, kw_only=True)
class Plots:
    """Detections of one clock step, shape (P,) or (P, 3).

    ``entity`` is the index of the true object that caused the plot (for scoring only; a
    tracker must not use it).
    """

    t_s: FloatArray
    sensor: IntArray
    entity: IntArray
    range_m: FloatArray
    az_rad: FloatArray
    el_rad: FloatArray
    pos_ecef_m: FloatArray

    def __len__(self) -> int:
        return len(self.sensor)


def scanning(sensors: SensorArray, t_s: float, dt_s: float) -> IntArray:
    """How many scans each radar completes in ``(t_s, t_s + dt_s]``: shape (S,).

    A radar whose scan period is shorter than the clock step completes several.
    """
    n_before = np.floor((t_s - sensors.phase_s) / sensors.scan_period_s)
    n_after = np.floor((t_s + dt_s - sensors.phase_s) / sensors.scan_period_s)
    return np.asarray(n_after - n_before, dtype=np.int64)


def visibility(
    sensors: SensorArray, pos_ecef_m: FloatArray
) -> tuple[BoolArray, FloatArray, FloatArray, FloatArray]:
    """Geometric visibility of N targets from S radars.

    Args:
        pos_ecef_m: (N, 3) target positions.

    Returns:
        ``visible`` (S, N) — inside horizon, sector, elevation, ceiling and instrumented range;
        and azimuth, elevation (rad), slant range (m), each (S, N).
    """
    lat = sensors.lat_rad[:, None]
    lon = sensors.lon_rad[:, None]
    alt = sensors.alt_m[:, None]
    az, el, rng = ecef_to_aer(pos_ecef_m[None, :, :], lat, lon, alt)
    _, _, tgt_alt = ecef_to_lla(pos_ecef_m)
    horizon = above_radar_horizon(sensors.pos_ecef_m[:, None, :], pos_ecef_m[None, :, :])
    off = np.abs(np.mod(az - sensors.sector_center_rad[:, None] + np.pi, 2 * np.pi) - np.pi)
    visible = (
        horizon
        & (off <= sensors.sector_half_rad[:, None])
        & ((el >= sensors.min_el_rad[:, None]) | (sensors.min_el_rad[:, None] <= 0.0))
        & (el <= sensors.max_el_rad[:, None])
        & (tgt_alt[None, :] <= sensors.max_alt_m[:, None])
        & (rng <= INSTRUMENTED_RANGE_FACTOR * sensors.range_ref_m[:, None])
    )
    return visible, az, el, rng


def detection_probability(
    sensors: SensorArray, rng_m: FloatArray, rcs_m2: FloatArray
) -> FloatArray:
    """Pd (S, N) of targets of RCS ``rcs_m2`` (N,) at slant ranges ``rng_m`` (S, N)."""
    snr = (
        sensors.snr_ref[:, None]
        * (rcs_m2[None, :] / sensors.rcs_ref_m2[:, None])
        * (sensors.range_ref_m[:, None] / np.maximum(rng_m, 1.0)) ** 4
    )
    return pd_swerling1(snr)


def detect(
    sensors: SensorArray,
    pos_ecef_m: FloatArray,
    present: BoolArray,
    rcs_m2: FloatArray,
    t_s: float,
    dt_s: float,
    generators: list[np.random.Generator],
) -> Plots:
    """Plots of the radars that scan during ``[t_s, t_s + dt_s)``.

    Args:
        pos_ecef_m: (N, 3) true positions; present: (N,) objects in the air and alive.
        rcs_m2: (N,) radar cross sections.
        generators: one generator per radar; each scanning radar draws N uniforms and N × 3
            normals whatever it detects, so one target's noise never depends on another's.
    """
    looks = scanning(sensors, t_s, dt_s)
    s_idx = np.flatnonzero(looks)
    if len(s_idx) == 0 or not present.any():
        empty = np.zeros(0)
        return Plots(
            t_s=empty,
            sensor=np.zeros(0, dtype=np.int64),
            entity=np.zeros(0, dtype=np.int64),
            range_m=empty,
            az_rad=empty,
            el_rad=empty,
            pos_ecef_m=np.zeros((0, 3)),
        )
    n = len(pos_ecef_m)
    sub = _take(sensors, s_idx)
    obj = np.flatnonzero(present)
    visible, az, el, rng = visibility(sub, pos_ecef_m[obj])
    pd_look = detection_probability(sub, rng, rcs_m2[obj])
    pd = 1.0 - (1.0 - pd_look) ** looks[s_idx][:, None]  # every look of the step
    u = np.empty((len(s_idx), n))
    z = np.empty((len(s_idx), n, 3))
    for row, s in enumerate(s_idx):
        u[row] = generators[s].random(n)
        z[row] = generators[s].standard_normal((n, 3))
    hit = visible & (u[:, obj] < pd)
    rows, cols = np.nonzero(hit)
    ent = obj[cols]
    m_rng = rng[rows, cols] + z[rows, ent, 0] * sub.sigma_range_m[rows]
    m_az = az[rows, cols] + z[rows, ent, 1] * sub.sigma_az_rad[rows]
    m_el = el[rows, cols] + z[rows, ent, 2] * sub.sigma_el_rad[rows]
    pos = aer_to_ecef(m_az, m_el, m_rng, sub.lat_rad[rows], sub.lon_rad[rows], sub.alt_m[rows])
    return Plots(
        t_s=np.full(len(rows), t_s + dt_s),
        sensor=s_idx[rows].astype(np.int64),
        entity=ent.astype(np.int64),
        range_m=m_rng,
        az_rad=m_az,
        el_rad=m_el,
        pos_ecef_m=pos.reshape(-1, 3),
    )


def _take(sensors: SensorArray, idx: IntArray) -> SensorArray:
    fields: dict[str, Any] = {}
    for name in SensorArray.__slots__:
        value = getattr(sensors, name)
        if isinstance(value, tuple):
            fields[name] = tuple(value[i] for i in idx)
        else:
            fields[name] = value[idx]
    return SensorArray(**fields)
