"""Geodesics on the WGS84 ellipsoid, and the great circle on the mean sphere for comparison.

The direct and inverse problems are solved with Karney's algorithms (C. F. F. Karney,
"Algorithms for geodesics", J. Geodesy 87, 43-55, 2013; GeographicLib), called through
``pyproj.Geod(ellps="WGS84")`` (PROJ's ``geod``), which is accurate to about 15 nm over any
distance. ``great_circle_distance_m`` is the textbook haversine formula on a sphere of the
IUGG mean radius (R. W. Sinnott, "Virtues of the haversine", Sky & Telescope 68(2), 1984);
it differs from the ellipsoidal distance by up to about 0.5 %.

Conventions: latitudes and longitudes in radians, distances in metres, azimuths in radians
clockwise from north, in [0, 2π). Array arguments broadcast together and every result has
the broadcast shape (0-d arrays for scalar input). Following Karney, ``azimuth2_rad`` of the
inverse problem is the *forward* azimuth at the second point (the direction of travel on
arrival); the azimuth from the second point back to the first is ``azimuth2_rad + π``.

>>> import numpy as np
>>> sofia = np.radians(42.698), np.radians(23.322)
>>> athens = np.radians(37.984), np.radians(23.728)
>>> az1, az2, d = geodesic_inverse(*sofia, *athens)
>>> round(float(d) / 1e3, 1), round(float(np.degrees(az1)), 2)
(524.6, 176.1)
>>> round(float(great_circle_distance_m(*sofia, *athens)) / 1e3, 1)
525.3
"""

import numpy as np
import numpy.typing as npt
import pyproj

from iamd.errors import InputError
from iamd.geo.wgs84 import R_MEAN_M

FloatArray = npt.NDArray[np.float64]
ArrayLike = npt.ArrayLike

_GEOD = pyproj.Geod(ellps="WGS84")
_TWO_PI = 2.0 * np.pi

__all__ = [
    "geodesic_forward",
    "geodesic_inverse",
    "geodesic_points",
    "great_circle_distance_m",
]


def geodesic_inverse(
    lat1_rad: ArrayLike, lon1_rad: ArrayLike, lat2_rad: ArrayLike, lon2_rad: ArrayLike
) -> tuple[FloatArray, FloatArray, FloatArray]:
    """Inverse geodesic problem on WGS84: from two points to azimuths and distance.

    Parameters
    ----------
    lat1_rad, lon1_rad, lat2_rad, lon2_rad
        Geodetic coordinates (rad) of the first and second points; any broadcastable shapes.

    Returns
    -------
    azimuth1_rad, azimuth2_rad, distance_m
        Forward azimuth at point 1 and at point 2 (rad, clockwise from north, in [0, 2π)) and
        the geodesic distance (m), each of the broadcast shape.

    >>> az1, az2, d = geodesic_inverse(0.0, 0.0, 0.0, np.radians(1.0))
    >>> round(float(d), 3), float(np.degrees(az1)), float(np.degrees(az2))
    (111319.491, 90.0, 90.0)
    """
    (lat1, lon1, lat2, lon2), shape = _flat_broadcast(lat1_rad, lon1_rad, lat2_rad, lon2_rad)
    az1, az2, dist = _GEOD.inv(lon1, lat1, lon2, lat2, radians=True, return_back_azimuth=False)
    return (
        _azimuth(az1).reshape(shape),
        _azimuth(az2).reshape(shape),
        np.asarray(dist, dtype=np.float64).reshape(shape),
    )


def geodesic_forward(
    lat_rad: ArrayLike, lon_rad: ArrayLike, azimuth_rad: ArrayLike, distance_m: ArrayLike
) -> tuple[FloatArray, FloatArray, FloatArray]:
    """Direct geodesic problem on WGS84: travel ``distance_m`` from a point on an azimuth.

    Parameters
    ----------
    lat_rad, lon_rad
        Geodetic coordinates of the start point (rad); any broadcastable shapes.
    azimuth_rad
        Azimuth at the start (rad, clockwise from north).
    distance_m
        Distance along the geodesic (m); negative goes backwards.

    Returns
    -------
    lat_rad, lon_rad, back_azimuth_rad
        End point (rad, longitude in [-π, π]) and the azimuth from the end point back to the
        start (rad, in [0, 2π)), each of the broadcast shape.

    >>> lat, lon, back = geodesic_forward(0.0, 0.0, np.pi / 2, 111319.49079327357)
    >>> round(float(np.degrees(lon)), 9), round(float(np.degrees(back)), 6)
    (1.0, 270.0)
    """
    (lat, lon, az, dist), shape = _flat_broadcast(lat_rad, lon_rad, azimuth_rad, distance_m)
    lon2, lat2, back = _GEOD.fwd(lon, lat, az, dist, radians=True, return_back_azimuth=True)
    return (
        np.asarray(lat2, dtype=np.float64).reshape(shape),
        np.asarray(lon2, dtype=np.float64).reshape(shape),
        _azimuth(back).reshape(shape),
    )


def geodesic_points(
    lat1_rad: float, lon1_rad: float, lat2_rad: float, lon2_rad: float, n: int
) -> tuple[FloatArray, FloatArray]:
    """``n`` equally spaced points along the geodesic between two points, both ends included.

    Parameters
    ----------
    lat1_rad, lon1_rad, lat2_rad, lon2_rad
        Scalar geodetic coordinates (rad) of the two end points.
    n
        Number of points, at least 2.

    Returns
    -------
    lat_rad, lon_rad
        Arrays of shape (n,) (rad); the first entry is point 1 and the last is point 2.

    >>> lat, lon = geodesic_points(0.0, 0.0, 0.0, np.radians(2.0), 3)
    >>> np.degrees(lon).round(9).tolist(), np.degrees(lat).round(9).tolist()
    ([0.0, 1.0, 2.0], [0.0, 0.0, 0.0])
    """
    if isinstance(n, bool) or not isinstance(n, int | np.integer) or n < 2:
        raise InputError(f"geodesic_points: n must be an integer >= 2 (got {n!r})")
    res = _GEOD.inv_intermediate(
        float(lon1_rad),
        float(lat1_rad),
        float(lon2_rad),
        float(lat2_rad),
        npts=int(n),
        initial_idx=0,
        terminus_idx=0,
        radians=True,
        return_back_azimuth=True,
    )
    lats = np.array(res.lats, dtype=np.float64)
    lons = np.array(res.lons, dtype=np.float64)
    # Pin the ends to the inputs exactly (the solver reproduces them only to rounding).
    lats[0], lons[0] = lat1_rad, lon1_rad
    lats[-1], lons[-1] = lat2_rad, lon2_rad
    return lats, lons


def great_circle_distance_m(
    lat1_rad: ArrayLike,
    lon1_rad: ArrayLike,
    lat2_rad: ArrayLike,
    lon2_rad: ArrayLike,
    *,
    radius_m: float = R_MEAN_M,
) -> FloatArray:
    """Great-circle distance (m) on a sphere by the haversine formula.

    ``d = 2 R asin(sqrt(sin²(Δφ/2) + cos φ1 cos φ2 sin²(Δλ/2)))`` (Sinnott 1984), with
    ``R = radius_m`` (default the IUGG mean radius, 6,371,008.8 m). Inputs (rad) broadcast
    together; the result has the broadcast shape.

    >>> round(float(great_circle_distance_m(0.0, 0.0, 0.0, np.pi)), 1)  # half the equator
    20015114.4
    """
    lat1 = np.asarray(lat1_rad, dtype=np.float64)
    lat2 = np.asarray(lat2_rad, dtype=np.float64)
    dlat = lat2 - lat1
    dlon = np.asarray(lon2_rad, dtype=np.float64) - np.asarray(lon1_rad, dtype=np.float64)
    h = np.sin(0.5 * dlat) ** 2 + np.cos(lat1) * np.cos(lat2) * np.sin(0.5 * dlon) ** 2
    return np.asarray(2.0 * radius_m * np.arcsin(np.sqrt(np.clip(h, 0.0, 1.0))))


def _flat_broadcast(*args: ArrayLike) -> tuple[list[FloatArray], tuple[int, ...]]:
    """Broadcast the arguments; return contiguous 1-D float copies and the common shape."""
    arrays = np.broadcast_arrays(*(np.asarray(a, dtype=np.float64) for a in args))
    shape = arrays[0].shape
    return [np.array(a, dtype=np.float64).reshape(-1) for a in arrays], shape


def _azimuth(az: object) -> FloatArray:
    """Map azimuths (rad) from (-π, π] into [0, 2π)."""
    out = np.mod(np.asarray(az, dtype=np.float64), _TWO_PI)
    return np.where(out >= _TWO_PI, 0.0, out)
