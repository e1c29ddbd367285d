"""WGS84 frames against PROJ (pyproj) and against geometric facts, plus round-trip properties."""

import numpy as np
import pyproj
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from iamd.geo import (
    A_M,
    B_M,
    aer_to_ecef,
    aer_to_enu,
    ecef_to_aer,
    ecef_to_enu,
    ecef_to_lla,
    enu_to_aer,
    enu_to_ecef,
    lla_to_ecef,
)

MM = 1e-3
GEOD = pyproj.Geod(ellps="WGS84")
TO_ECEF = pyproj.Transformer.from_crs("EPSG:4979", "EPSG:4978", always_xy=True)


def _random_lla(n: int, seed: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    lat = np.arcsin(rng.uniform(-1.0, 1.0, n))  # uniform over the sphere
    lon = rng.uniform(-np.pi, np.pi, n)
    alt = np.concatenate([rng.uniform(-500.0, 20e3, n // 2), rng.uniform(0.0, 1e6, n - n // 2)])
    return lat, lon, alt


def test_lla_ecef_agrees_with_pyproj() -> None:
    lat, lon, alt = _random_lla(20_000, seed=1)
    ours = lla_to_ecef(lat, lon, alt)
    x, y, z = TO_ECEF.transform(np.degrees(lon), np.degrees(lat), alt)
    assert ours.shape == (20_000, 3)
    assert np.max(np.abs(ours - np.column_stack([x, y, z]))) < MM


def test_ecef_lla_agrees_with_pyproj() -> None:
    lat, lon, alt = _random_lla(20_000, seed=2)
    x, y, z = TO_ECEF.transform(np.degrees(lon), np.degrees(lat), alt)
    lat2, lon2, alt2 = ecef_to_lla(np.column_stack([x, y, z]))
    # Horizontal error on the surface in metres, and height error.
    north_m = np.abs(lat2 - lat) * A_M
    east_m = np.abs(np.angle(np.exp(1j * (lon2 - lon)))) * A_M * np.cos(lat)
    assert np.max(north_m) < MM
    assert np.max(east_m) < MM
    assert np.max(np.abs(alt2 - alt)) < MM


def test_round_trip_ecef_lla_ecef_below_1_mm() -> None:
    rng = np.random.default_rng(3)
    direction = rng.normal(size=(20_000, 3))
    direction /= np.linalg.norm(direction, axis=1, keepdims=True)
    radius = rng.uniform(B_M - 1e3, A_M + 1e6, size=(20_000, 1))
    pos = direction * radius
    back = lla_to_ecef(*ecef_to_lla(pos))
    assert np.max(np.linalg.norm(back - pos, axis=-1)) < MM


def test_ecef_to_enu_agrees_with_proj_topocentric() -> None:
    rng = np.random.default_rng(4)
    for lat0_deg, lon0_deg, h0_m in [
        (42.698, 23.322, 550.0),
        (-33.9, 151.2, 10.0),
        (89.0, -120.0, 0.0),
    ]:
        topo = pyproj.Transformer.from_pipeline(
            f"+proj=topocentric +ellps=WGS84 +lat_0={lat0_deg} +lon_0={lon0_deg} +h_0={h0_m}"
        )
        ref = lla_to_ecef(np.radians(lat0_deg), np.radians(lon0_deg), h0_m)
        pos = ref + rng.uniform(-500e3, 500e3, size=(1000, 3))
        e, n, u = topo.transform(pos[:, 0], pos[:, 1], pos[:, 2])
        ours = ecef_to_enu(pos, np.radians(lat0_deg), np.radians(lon0_deg), h0_m)
        assert np.max(np.abs(ours - np.column_stack([e, n, u]))) < MM


def test_ecef_to_aer_azimuth_matches_geodesic_azimuth() -> None:
    # For points a few km apart on the ellipsoid the azimuth of the normal section (what the
    # ENU frame sees) equals the geodesic azimuth to far better than 1e-3 degree.
    rng = np.random.default_rng(5)
    n = 2000
    lat0 = rng.uniform(-80.0, 80.0, n)
    lon0 = rng.uniform(-180.0, 180.0, n)
    az_deg = rng.uniform(0.0, 360.0, n)
    dist = rng.uniform(1e3, 10e3, n)
    lon1, lat1, _ = GEOD.fwd(lon0, lat0, az_deg, dist)
    target = lla_to_ecef(np.radians(lat1), np.radians(lon1), 0.0)
    az, el, rng_m = ecef_to_aer(target, np.radians(lat0), np.radians(lon0), 0.0)
    diff_deg = np.abs(np.angle(np.exp(1j * (az - np.radians(az_deg)))))
    assert np.degrees(diff_deg).max() < 1e-3
    assert np.all(el < 0.0)  # the ground curves away below the horizontal
    assert np.allclose(rng_m, dist, rtol=1e-5)


def test_point_straight_up_has_elevation_90_deg() -> None:
    lat, lon = np.radians([42.7, -10.0, 0.0]), np.radians([23.3, 100.0, -179.0])
    up = lla_to_ecef(lat, lon, 1_000.0)
    _, el, rng_m = ecef_to_aer(up, lat, lon, 0.0)
    np.testing.assert_allclose(el, np.pi / 2, atol=1e-9)
    np.testing.assert_allclose(rng_m, 1_000.0, atol=MM)


def test_aer_conventions() -> None:
    az, el, r = enu_to_aer(np.array([[1.0, 0.0, 0.0], [0.0, -1.0, 0.0], [-1.0, 0.0, 1.0]]))
    np.testing.assert_allclose(np.degrees(az), [90.0, 180.0, 270.0])
    np.testing.assert_allclose(np.degrees(el), [0.0, 0.0, 45.0])
    np.testing.assert_allclose(r, [1.0, 1.0, np.sqrt(2.0)])


def test_frames_broadcast_radar_against_targets() -> None:
    radars_lat = np.radians([42.0, 43.0])[:, None]
    radars_lon = np.radians([23.0, 24.0])[:, None]
    targets = lla_to_ecef(np.radians([41.0, 42.5, 44.0]), np.radians([22.0, 25.0, 26.0]), 9e3)
    az, el, rng_m = ecef_to_aer(targets, radars_lat, radars_lon, 0.0)
    assert az.shape == el.shape == rng_m.shape == (2, 3)


lat_deg = st.floats(-89.999, 89.999)
lon_deg = st.floats(-180.0, 180.0)
alt_m = st.floats(-1e3, 2e6)
enu_m = st.floats(-1e6, 1e6)


@settings(max_examples=200, deadline=None)
@given(lat_deg, lon_deg, alt_m)
def test_lla_ecef_lla_round_trip(lat: float, lon: float, alt: float) -> None:
    lat_r, lon_r = np.radians(lat), np.radians(lon)
    lat2, lon2, alt2 = ecef_to_lla(lla_to_ecef(lat_r, lon_r, alt))
    assert abs(float(lat2) - lat_r) * A_M < MM
    assert abs(float(np.angle(np.exp(1j * (lon2 - lon_r))))) * A_M * np.cos(lat_r) < MM
    assert abs(float(alt2) - alt) < MM


@settings(max_examples=200, deadline=None)
@given(lat_deg, lon_deg, alt_m, enu_m, enu_m, enu_m)
def test_enu_ecef_round_trip(
    lat: float, lon: float, h: float, e: float, n: float, u: float
) -> None:
    ref = np.radians(lat), np.radians(lon), h
    enu = np.array([e, n, u])
    back = ecef_to_enu(enu_to_ecef(enu, *ref), *ref)
    assert np.max(np.abs(back - enu)) < MM


@settings(max_examples=200, deadline=None)
@given(lat_deg, lon_deg, alt_m, enu_m, enu_m, enu_m)
def test_aer_ecef_round_trip(
    lat: float, lon: float, h: float, e: float, n: float, u: float
) -> None:
    ref = np.radians(lat), np.radians(lon), h
    pos = enu_to_ecef(np.array([e, n, u]), *ref)
    back = aer_to_ecef(*ecef_to_aer(pos, *ref), *ref)
    assert np.max(np.abs(back - pos)) < MM
    enu = aer_to_enu(*enu_to_aer(np.array([e, n, u])))
    assert np.max(np.abs(enu - [e, n, u])) < MM


@pytest.mark.parametrize("lat_deg", [90.0, -90.0])
def test_poles(lat_deg: float) -> None:
    pos = lla_to_ecef(np.radians(lat_deg), 0.3, 100.0)
    lat, _, alt = ecef_to_lla(pos)
    assert abs(float(np.degrees(lat)) - lat_deg) < 1e-12
    assert abs(float(alt) - 100.0) < MM


def _enu_rotation_by_stacking(lat: np.ndarray, lon: np.ndarray) -> np.ndarray:
    """The ENU rotation built row by row with ``np.stack`` (the earlier implementation)."""
    sl, cl, so, co = np.sin(lat), np.cos(lat), np.sin(lon), np.cos(lon)
    zero = np.zeros_like(sl * so)
    east = np.stack(np.broadcast_arrays(-so, co, zero), axis=-1)
    north = np.stack(np.broadcast_arrays(-sl * co, -sl * so, cl), axis=-1)
    up = np.stack(np.broadcast_arrays(cl * co, cl * so, sl), axis=-1)
    return np.stack([east, north, up], axis=-2)


def test_enu_rotation_equals_the_stacked_rows_bit_for_bit() -> None:
    from iamd.geo.wgs84 import enu_rotation

    rng = np.random.default_rng(3)
    lat = rng.uniform(-np.pi / 2, np.pi / 2, 40)
    lon = rng.uniform(-np.pi, np.pi, 40)
    cases = [
        (lat[0], lon[0]),
        (lat, lon),
        (lat[:, None], lon[None, :7]),
        (lat[:5], np.float64(lon[3])),
        (np.zeros(0), np.zeros(0)),
    ]
    for a, b in cases:
        got = enu_rotation(a, b)
        want = _enu_rotation_by_stacking(np.asarray(a), np.asarray(b))
        assert got.shape == want.shape
        np.testing.assert_array_equal(got, want)
        assert not np.signbit(got[..., 0, 2]).any()  # +0.0, as before
