"""WGS84 geodesics against PROJ's geod (Karney's algorithms) and the haversine sphere."""

import numpy as np
import pyproj
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from iamd.errors import InputError
from iamd.geo import (
    A_M,
    geodesic_forward,
    geodesic_inverse,
    geodesic_points,
    great_circle_distance_m,
)

GEOD = pyproj.Geod(ellps="WGS84")
SOFIA = np.radians(42.698), np.radians(23.322)
ATHENS = np.radians(37.984), np.radians(23.728)


def _random_pairs(n: int, seed: int, box: tuple[float, float, float, float] | None = None):
    rng = np.random.default_rng(seed)
    if box is None:
        lat = np.degrees(np.arcsin(rng.uniform(-1.0, 1.0, (2, n))))
        lon = rng.uniform(-180.0, 180.0, (2, n))
    else:
        west, south, east, north = box
        lat = rng.uniform(south, north, (2, n))
        lon = rng.uniform(west, east, (2, n))
    return lat[0], lon[0], lat[1], lon[1]


def test_geodesic_inverse_agrees_with_pyproj_geod() -> None:
    lat1, lon1, lat2, lon2 = _random_pairs(10_000, seed=1)
    az1, az2, dist = geodesic_inverse(*np.radians([lat1, lon1, lat2, lon2]))
    ref_az1, ref_az2, ref_dist = GEOD.inv(lon1, lat1, lon2, lat2, return_back_azimuth=False)
    np.testing.assert_allclose(dist, ref_dist, rtol=0.0, atol=1e-6)
    for ours, ref in ((az1, ref_az1), (az2, ref_az2)):
        assert np.all((ours >= 0.0) & (ours < 2.0 * np.pi))
        diff = np.angle(np.exp(1j * (ours - np.radians(ref))))
        assert np.degrees(np.abs(diff)).max() < 1e-9


def test_geodesic_forward_inverts_inverse() -> None:
    lat1, lon1, lat2, lon2 = np.radians(_random_pairs(10_000, seed=2))
    az1, az2, dist = geodesic_inverse(lat1, lon1, lat2, lon2)
    lat, lon, back = geodesic_forward(lat1, lon1, az1, dist)
    # Sub-millimetre agreement of the end point (except at the poles, where lon is undefined).
    away = np.abs(lat2) < np.radians(89.9)
    assert np.max(np.abs(lat - lat2)) * A_M < 1e-3
    assert np.max(np.abs(np.angle(np.exp(1j * (lon - lon2))) * np.cos(lat2))[away]) * A_M < 1e-3
    back_expected = np.mod(az2 + np.pi, 2.0 * np.pi)
    assert np.degrees(np.abs(np.angle(np.exp(1j * (back - back_expected)))))[away].max() < 1e-6


def test_meridian_quadrant_matches_wgs84_value() -> None:
    # The WGS84 quarter meridian, 10,001,965.7293 m (GeographicLib's table of ellipsoid constants).
    _, _, d = geodesic_inverse(0.0, 0.0, np.pi / 2, 0.0)
    assert abs(float(d) - 10_001_965.729) < 1e-3


def test_one_degree_of_equator_is_a_pi_over_180() -> None:
    az1, az2, d = geodesic_inverse(0.0, 0.0, 0.0, np.radians(1.0))
    assert abs(float(d) - A_M * np.pi / 180.0) < 1e-6
    assert float(az1) == pytest.approx(np.pi / 2) and float(az2) == pytest.approx(np.pi / 2)


def test_sofia_athens_distance_agrees_with_pyproj() -> None:
    _, _, d = geodesic_inverse(*SOFIA, *ATHENS)
    _, _, ref = GEOD.inv(23.322, 42.698, 23.728, 37.984)
    assert abs(float(d) - ref) < 1e-6
    assert float(d) == pytest.approx(524_582.0, abs=100.0)  # ≈ 524.6 km
    assert float(great_circle_distance_m(*SOFIA, *ATHENS)) == pytest.approx(float(d), rel=2e-3)


@pytest.mark.parametrize(
    ("box", "rel"),
    [((12.0, 33.0, 45.0, 50.0), 5e-3), (None, 6e-3)],
    ids=["theatre", "world"],
)
def test_haversine_within_half_percent_of_ellipsoid(box, rel: float) -> None:
    lat1, lon1, lat2, lon2 = np.radians(_random_pairs(20_000, seed=3, box=box))
    _, _, d = geodesic_inverse(lat1, lon1, lat2, lon2)
    h = great_circle_distance_m(lat1, lon1, lat2, lon2)
    keep = d > 1e3
    assert np.max(np.abs(h[keep] / d[keep] - 1.0)) < rel


def test_geodesic_points_includes_both_ends_equally_spaced() -> None:
    lat, lon = geodesic_points(*SOFIA, *ATHENS, 11)
    assert lat.shape == lon.shape == (11,)
    assert (lat[0], lon[0]) == SOFIA and (lat[-1], lon[-1]) == ATHENS
    _, _, step = geodesic_inverse(lat[:-1], lon[:-1], lat[1:], lon[1:])
    _, _, total = geodesic_inverse(*SOFIA, *ATHENS)
    np.testing.assert_allclose(step, float(total) / 10.0, atol=1e-3)
    # Every point lies on the geodesic: the azimuth from Sofia to it is the initial azimuth.
    az, _, _ = geodesic_inverse(*SOFIA, lat[1:], lon[1:])
    np.testing.assert_allclose(az, az[-1], atol=1e-9)


@pytest.mark.parametrize("n", [1, 0, -3, 2.5, True])
def test_geodesic_points_rejects_bad_n(n) -> None:
    with pytest.raises(InputError, match=r"geodesic_points: n must be an integer >= 2 \(got "):
        geodesic_points(*SOFIA, *ATHENS, n)


def test_results_take_the_broadcast_shape() -> None:
    lat1 = np.radians([40.0, 41.0, 42.0])[:, None]
    lon2 = np.radians([20.0, 21.0, 22.0, 23.0])
    az1, az2, d = geodesic_inverse(lat1, np.radians(25.0), np.radians(43.0), lon2)
    assert az1.shape == az2.shape == d.shape == (3, 4)
    lat, lon, back = geodesic_forward(lat1, 0.4, np.radians([0.0, 90.0, 180.0, 270.0]), 1e5)
    assert lat.shape == lon.shape == back.shape == (3, 4)
    assert great_circle_distance_m(lat1, 0.4, 0.7, lon2).shape == (3, 4)
    assert geodesic_inverse(*SOFIA, *ATHENS)[2].shape == ()


@settings(max_examples=200, deadline=None)
@given(
    st.floats(-89.0, 89.0),
    st.floats(-180.0, 180.0),
    st.floats(0.0, 360.0),
    st.floats(1.0, 5e6),
)
def test_forward_then_inverse_recovers_distance_and_azimuth(
    lat: float, lon: float, az: float, dist: float
) -> None:
    lat1, lon1, az1 = np.radians(lat), np.radians(lon), np.radians(az)
    lat2, lon2, _ = geodesic_forward(lat1, lon1, az1, dist)
    az_back, _, d = geodesic_inverse(lat1, lon1, lat2, lon2)
    assert abs(float(d) - dist) < 1e-6
    assert abs(float(np.angle(np.exp(1j * (az_back - az1))))) < 1e-8


@settings(max_examples=200, deadline=None)
@given(
    st.floats(-90.0, 90.0), st.floats(-180.0, 180.0), st.floats(-90.0, 90.0), st.floats(-180, 180)
)
def test_haversine_is_symmetric_and_bounded(
    lat1: float, lon1: float, lat2: float, lon2: float
) -> None:
    p, q = np.radians([lat1, lon1]), np.radians([lat2, lon2])
    d = float(great_circle_distance_m(*p, *q))
    assert d == pytest.approx(float(great_circle_distance_m(*q, *p)), abs=1e-6)
    assert 0.0 <= d <= np.pi * 6_371_008.8 + 1e-6
