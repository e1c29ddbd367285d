"""Radar horizon on the 4/3-Earth model of standard atmospheric refraction.

In a standard atmosphere the refractive index falls with height, so radar rays bend down and
travel as if straight over an Earth of effective radius ``k R`` with ``k = 4/3``. The radar
line-of-sight range between an antenna at height ``h1`` and a target at height ``h2`` is then
(Federal Standard 1037C, "radar line-of-sight equation"; Skolnik, *Introduction to Radar
Systems*, 3rd ed., §8.2)::

    d = sqrt(2 k R h1) + sqrt(2 k R h2)

which, with lengths in metres and ``d`` in km, is the practical form
``d ≈ 4.12 (sqrt(h1) + sqrt(h2))`` km. FS-1037C evaluates it with R = 6,370 km; here R is the
IUGG mean radius ``R_MEAN_M`` = 6,371,008.8 m, which changes ranges by 0.008 %.

Visibility is decided by comparing the ground distance (the great circle on the mean sphere
between the geodetic sub-points) with that horizon range; terrain masking is not modelled.

>>> round(float(radar_horizon_range_m(10.0, 500.0)) / 1e3, 1)
105.2
"""

import numpy as np
import numpy.typing as npt

from iamd.geo.geodesic import great_circle_distance_m
from iamd.geo.wgs84 import R_MEAN_M, ecef_to_lla

FloatArray = npt.NDArray[np.float64]
BoolArray = npt.NDArray[np.bool_]
ArrayLike = npt.ArrayLike

K_STANDARD = 4.0 / 3.0
"""Effective-Earth-radius factor of the standard atmosphere (dimensionless)."""

__all__ = [
    "K_STANDARD",
    "above_radar_horizon",
    "effective_earth_radius_m",
    "radar_horizon_range_m",
]


def effective_earth_radius_m(
    k: ArrayLike = K_STANDARD, *, radius_m: float = R_MEAN_M
) -> FloatArray:
    """Effective Earth radius ``k R`` (m) for refraction factor ``k`` (any shape).

    >>> round(float(effective_earth_radius_m()) / 1e3, 1)
    8494.7
    """
    return np.asarray(np.asarray(k, dtype=np.float64) * radius_m)


def radar_horizon_range_m(
    h_radar_m: ArrayLike,
    h_target_m: ArrayLike,
    k: ArrayLike = K_STANDARD,
    *,
    radius_m: float = R_MEAN_M,
) -> FloatArray:
    """Radar line-of-sight range (m) over a smooth Earth of effective radius ``k R``.

    ``sqrt(2 k R h_radar) + sqrt(2 k R h_target)`` (FS-1037C). Heights (m) above the surface
    broadcast together with ``k``; negative heights count as zero.

    >>> round(float(radar_horizon_range_m(5.0, 50.0)) / 1e3, 2)
    38.36
    >>> radar_horizon_range_m(10.0, [30.0, 10000.0]).round(-2).tolist()
    [35600.0, 425200.0]
    """
    two_kr = 2.0 * effective_earth_radius_m(k, radius_m=radius_m)
    h1 = np.maximum(np.asarray(h_radar_m, dtype=np.float64), 0.0)
    h2 = np.maximum(np.asarray(h_target_m, dtype=np.float64), 0.0)
    return np.asarray(np.sqrt(two_kr * h1) + np.sqrt(two_kr * h2))


def above_radar_horizon(
    radar_ecef_m: ArrayLike,
    target_ecef_m: ArrayLike,
    k: ArrayLike = K_STANDARD,
    *,
    radius_m: float = R_MEAN_M,
) -> BoolArray:
    """Whether each target is above the 4/3-Earth horizon of each radar.

    Parameters
    ----------
    radar_ecef_m, target_ecef_m
        ECEF positions (..., 3) in metres; the leading shapes broadcast, so radars (m, 1, 3)
        against targets (n, 3) give an (m, n) mask.
    k
        Effective-Earth-radius factor (default 4/3).
    radius_m
        True Earth radius (m) used both for the horizon and the ground distance.

    Returns
    -------
    Boolean array of the broadcast leading shape: ``True`` where the great-circle distance
    between the geodetic sub-points is at most ``radar_horizon_range_m`` of the two geodetic
    heights (negative heights clamped to 0).

    >>> from iamd.geo.wgs84 import lla_to_ecef
    >>> radar = lla_to_ecef(np.radians(43.0), np.radians(25.0), 10.0)
    >>> targets = lla_to_ecef(np.radians(43.0), np.radians([25.5, 26.5]), 100.0)
    >>> above_radar_horizon(radar, targets).tolist()
    [True, False]
    """
    r_lat, r_lon, r_h = ecef_to_lla(radar_ecef_m)
    t_lat, t_lon, t_h = ecef_to_lla(target_ecef_m)
    ground_m = great_circle_distance_m(r_lat, r_lon, t_lat, t_lon, radius_m=radius_m)
    horizon_m = radar_horizon_range_m(r_h, t_h, k, radius_m=radius_m)
    return np.asarray(ground_m <= horizon_m)
