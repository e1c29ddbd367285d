"""WGS84 frames: geodetic (LLA), Earth-centred Earth-fixed (ECEF), local East-North-Up (ENU)
and azimuth-elevation-range (AER), vectorised over any leading shape.

Constants are those of NIMA TR8350.2 (WGS84). ECEF to geodetic uses Heikkinen's closed form
(M. Heikkinen, "Geschlossene Formeln zur Berechnung räumlicher geodätischer Koordinaten aus
rechtwinkligen Koordinaten", Z. Vermess. 107, 1982), exact to well under a millimetre for
points near the Earth. ENU rotations follow Hofmann-Wellenhof, Lichtenegger and Wasle,
*GNSS* (2008), §10.2.

Angles are radians, lengths metres; the last axis of a position array holds x, y, z.

>>> import numpy as np
>>> p = lla_to_ecef(np.radians(42.698), np.radians(23.322), 550.0)
>>> [round(float(v)) for v in p]
[4311551, 1858810, 4303278]
>>> lat, lon, alt = ecef_to_lla(p)
>>> round(float(np.degrees(lat)), 6), round(float(np.degrees(lon)), 6), round(float(alt), 3)
(42.698, 23.322, 550.0)
"""

import numpy as np
import numpy.typing as npt

A_M = 6378137.0
"""Semi-major axis (m)."""
F = 1.0 / 298.257223563
"""Flattening."""
B_M = A_M * (1.0 - F)
"""Semi-minor axis (m)."""
E2 = F * (2.0 - F)
"""First eccentricity squared."""
EP2 = E2 / (1.0 - E2)
"""Second eccentricity squared."""
GM_M3_S2 = 3.986004418e14
"""Earth's gravitational parameter (m^3/s^2)."""
OMEGA_RAD_S = 7.292115e-5
"""Earth's rotation rate (rad/s)."""
R_MEAN_M = 6371008.8
"""Mean Earth radius (m), IUGG."""

FloatArray = npt.NDArray[np.float64]
ArrayLike = npt.ArrayLike


def lla_to_ecef(lat_rad: ArrayLike, lon_rad: ArrayLike, alt_m: ArrayLike) -> FloatArray:
    """Geodetic latitude, longitude (rad) and height above the ellipsoid (m) to ECEF (m).

    Inputs broadcast together; the result has their shape plus a last axis of 3.
    """
    lat = np.asarray(lat_rad, dtype=np.float64)
    lon = np.asarray(lon_rad, dtype=np.float64)
    alt = np.asarray(alt_m, dtype=np.float64)
    sin_lat = np.sin(lat)
    cos_lat = np.cos(lat)
    n = A_M / np.sqrt(1.0 - E2 * sin_lat * sin_lat)
    x = (n + alt) * cos_lat * np.cos(lon)
    y = (n + alt) * cos_lat * np.sin(lon)
    z = (n * (1.0 - E2) + alt) * sin_lat
    return np.stack(np.broadcast_arrays(x, y, z), axis=-1)


def ecef_to_lla(pos_ecef_m: ArrayLike) -> tuple[FloatArray, FloatArray, FloatArray]:
    """ECEF (..., 3) in metres to geodetic latitude, longitude (rad) and height (m).

    Heikkinen's closed form; valid everywhere except within a few km of the Earth's centre.
    """
    p = np.asarray(pos_ecef_m, dtype=np.float64)
    x, y, z = p[..., 0], p[..., 1], p[..., 2]
    r = np.hypot(x, y)
    f = 54.0 * B_M * B_M * z * z
    g = r * r + (1.0 - E2) * z * z - E2 * (A_M * A_M - B_M * B_M)
    c = E2 * E2 * f * r * r / (g * g * g)
    s = np.cbrt(1.0 + c + np.sqrt(c * c + 2.0 * c))
    k = s + 1.0 + 1.0 / s
    pp = f / (3.0 * k * k * g * g)
    q = np.sqrt(1.0 + 2.0 * E2 * E2 * pp)
    r0 = -(pp * E2 * r) / (1.0 + q) + np.sqrt(
        np.maximum(
            0.5 * A_M * A_M * (1.0 + 1.0 / q)
            - pp * (1.0 - E2) * z * z / (q * (1.0 + q))
            - 0.5 * pp * r * r,
            0.0,
        )
    )
    u = np.sqrt((r - E2 * r0) ** 2 + z * z)
    v = np.sqrt((r - E2 * r0) ** 2 + (1.0 - E2) * z * z)
    z0 = B_M * B_M * z / (A_M * v)
    alt = u * (1.0 - B_M * B_M / (A_M * v))
    lat = np.arctan2(z + EP2 * z0, r)
    lon = np.arctan2(y, x)
    return lat, lon, alt


def enu_rotation(lat_rad: ArrayLike, lon_rad: ArrayLike) -> FloatArray:
    """Rotation matrices (..., 3, 3) whose rows are the local East, North and Up unit vectors
    in ECEF, so that ``vec_enu = R @ vec_ecef``."""
    lat = np.asarray(lat_rad, dtype=np.float64)
    lon = np.asarray(lon_rad, dtype=np.float64)
    sl, cl = np.sin(lat), np.cos(lat)
    so, co = np.sin(lon), np.cos(lon)
    rot = np.empty((*np.broadcast_shapes(lat.shape, lon.shape), 3, 3))
    rot[..., 0, 0], rot[..., 0, 1], rot[..., 0, 2] = -so, co, 0.0  # East
    rot[..., 1, 0], rot[..., 1, 1], rot[..., 1, 2] = -sl * co, -sl * so, cl  # North
    rot[..., 2, 0], rot[..., 2, 1], rot[..., 2, 2] = cl * co, cl * so, sl  # Up
    return rot


def ecef_to_enu(
    pos_ecef_m: ArrayLike, ref_lat_rad: ArrayLike, ref_lon_rad: ArrayLike, ref_alt_m: ArrayLike
) -> FloatArray:
    """ECEF positions (..., 3) to ENU (..., 3) about a geodetic reference point (m)."""
    ref = lla_to_ecef(ref_lat_rad, ref_lon_rad, ref_alt_m)
    rot = enu_rotation(ref_lat_rad, ref_lon_rad)
    d = np.asarray(pos_ecef_m, dtype=np.float64) - ref
    return np.einsum("...ij,...j->...i", rot, d)


def ecef_vector_to_enu(
    vec_ecef: ArrayLike, ref_lat_rad: ArrayLike, ref_lon_rad: ArrayLike
) -> FloatArray:
    """Rotate ECEF vectors (velocities, offsets) into the ENU axes at a reference point."""
    rot = enu_rotation(ref_lat_rad, ref_lon_rad)
    return np.einsum("...ij,...j->...i", rot, np.asarray(vec_ecef, dtype=np.float64))


def enu_vector_to_ecef(
    vec_enu: ArrayLike, ref_lat_rad: ArrayLike, ref_lon_rad: ArrayLike
) -> FloatArray:
    """Rotate ENU vectors into ECEF axes at a reference point."""
    rot = enu_rotation(ref_lat_rad, ref_lon_rad)
    return np.einsum("...ji,...j->...i", rot, np.asarray(vec_enu, dtype=np.float64))


def enu_to_ecef(
    pos_enu_m: ArrayLike, ref_lat_rad: ArrayLike, ref_lon_rad: ArrayLike, ref_alt_m: ArrayLike
) -> FloatArray:
    """ENU positions (..., 3) about a geodetic reference point to ECEF (..., 3) (m)."""
    ref = lla_to_ecef(ref_lat_rad, ref_lon_rad, ref_alt_m)
    return ref + enu_vector_to_ecef(pos_enu_m, ref_lat_rad, ref_lon_rad)


def enu_to_aer(pos_enu_m: ArrayLike) -> tuple[FloatArray, FloatArray, FloatArray]:
    """ENU (..., 3) to azimuth (rad, clockwise from north in [0, 2π)), elevation (rad) and
    slant range (m)."""
    p = np.asarray(pos_enu_m, dtype=np.float64)
    e, n, u = p[..., 0], p[..., 1], p[..., 2]
    horiz = np.hypot(e, n)
    az = np.mod(np.arctan2(e, n), 2.0 * np.pi)
    el = np.arctan2(u, horiz)
    rng = np.sqrt(horiz * horiz + u * u)
    return az, el, rng


def aer_to_enu(az_rad: ArrayLike, el_rad: ArrayLike, range_m: ArrayLike) -> FloatArray:
    """Azimuth, elevation (rad) and slant range (m) to ENU (..., 3) (m)."""
    az = np.asarray(az_rad, dtype=np.float64)
    el = np.asarray(el_rad, dtype=np.float64)
    rng = np.asarray(range_m, dtype=np.float64)
    horiz = rng * np.cos(el)
    return np.stack(
        np.broadcast_arrays(horiz * np.sin(az), horiz * np.cos(az), rng * np.sin(el)), axis=-1
    )


def ecef_to_aer(
    pos_ecef_m: ArrayLike, ref_lat_rad: ArrayLike, ref_lon_rad: ArrayLike, ref_alt_m: ArrayLike
) -> tuple[FloatArray, FloatArray, FloatArray]:
    """ECEF positions to azimuth, elevation (rad) and slant range (m) seen from a reference."""
    return enu_to_aer(ecef_to_enu(pos_ecef_m, ref_lat_rad, ref_lon_rad, ref_alt_m))


def aer_to_ecef(
    az_rad: ArrayLike,
    el_rad: ArrayLike,
    range_m: ArrayLike,
    ref_lat_rad: ArrayLike,
    ref_lon_rad: ArrayLike,
    ref_alt_m: ArrayLike,
) -> FloatArray:
    """Azimuth, elevation (rad) and slant range (m) from a reference point to ECEF (m)."""
    return enu_to_ecef(aer_to_enu(az_rad, el_rad, range_m), ref_lat_rad, ref_lon_rad, ref_alt_m)


def geocentric_radius_m(pos_ecef_m: ArrayLike) -> FloatArray:
    """Distance from the Earth's centre (m), over the last axis."""
    return np.asarray(np.linalg.norm(np.asarray(pos_ecef_m, dtype=np.float64), axis=-1))
