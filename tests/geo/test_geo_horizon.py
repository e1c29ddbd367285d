"""4/3-Earth radar horizon against the FS-1037C radar line-of-sight equation."""

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from iamd.geo import (
    K_STANDARD,
    above_radar_horizon,
    effective_earth_radius_m,
    geodesic_forward,
    lla_to_ecef,
    radar_horizon_range_m,
)

RADAR_LAT, RADAR_LON = np.radians(43.2), np.radians(27.9)  # near Varna

# Worked examples: (radar height m, target height m, horizon range km) with R = 6,370 km.
WORKED_EXAMPLES = [
    (5.0, 50.0, 38.0),
    (5.0, 100.0, 50.0),
    (10.0, 30.0, 36.0),
    (10.0, 500.0, 105.0),
    (10.0, 3_000.0, 239.0),
    (10.0, 10_000.0, 425.0),
    (30.0, 100.0, 64.0),
]


@pytest.mark.parametrize(("h1_m", "h2_m", "range_km"), WORKED_EXAMPLES)
def test_radar_horizon_matches_4_3_earth_formula(h1_m: float, h2_m: float, range_km: float) -> None:
    got = float(radar_horizon_range_m(h1_m, h2_m))
    assert got == pytest.approx(range_km * 1e3, rel=0.02)
    # FS-1037C's own evaluation with R = 6,370 km differs only in the fifth digit.
    fs1037c = float(radar_horizon_range_m(h1_m, h2_m, radius_m=6_370e3))
    assert got == pytest.approx(fs1037c, rel=1e-4)


@pytest.mark.parametrize(("h1_m", "h2_m", "range_km"), WORKED_EXAMPLES)
def test_radar_horizon_matches_practical_4_12_km_form(
    h1_m: float, h2_m: float, range_km: float
) -> None:
    practical_m = 4.12e3 * (np.sqrt(h1_m) + np.sqrt(h2_m))
    assert float(radar_horizon_range_m(h1_m, h2_m)) == pytest.approx(practical_m, rel=0.01)


def test_effective_earth_radius() -> None:
    assert K_STANDARD == 4.0 / 3.0
    assert float(effective_earth_radius_m()) == pytest.approx(8_494_678.4, abs=1.0)
    np.testing.assert_allclose(
        effective_earth_radius_m([1.0, 4.0 / 3.0]), [6_371_008.8, 8_494_678.4]
    )
    # With k = 1 the geometric horizon of a 100 m mast is sqrt(2 R h) ≈ 35.7 km.
    assert float(radar_horizon_range_m(100.0, 0.0, k=1.0)) == pytest.approx(35_696.0, abs=1.0)


def test_negative_heights_count_as_zero() -> None:
    assert float(radar_horizon_range_m(-5.0, 100.0)) == float(radar_horizon_range_m(0.0, 100.0))
    assert float(radar_horizon_range_m(0.0, 0.0)) == 0.0


def _target_ecef(distance_m: np.ndarray, alt_m: np.ndarray, azimuth_rad: float = 1.0):
    lat, lon, _ = geodesic_forward(RADAR_LAT, RADAR_LON, azimuth_rad, distance_m)
    return lla_to_ecef(lat, lon, alt_m)


def test_above_radar_horizon_on_ecef_points() -> None:
    radar = lla_to_ecef(RADAR_LAT, RADAR_LON, 10.0)
    distance_m = np.array([40e3, 100e3, 300e3])
    alt_m = np.array([100.0, 100.0, 10_000.0])  # low flyer, low flyer, airliner
    visible = above_radar_horizon(radar, _target_ecef(distance_m, alt_m))
    assert visible.dtype == bool
    assert visible.tolist() == [True, False, True]


def test_above_radar_horizon_broadcasts_radars_against_targets() -> None:
    radars = lla_to_ecef(RADAR_LAT, RADAR_LON, np.array([10.0, 1_000.0]))[:, None, :]
    targets = _target_ecef(np.array([40e3, 100e3, 300e3, 600e3]), np.full(4, 100.0))
    visible = above_radar_horizon(radars, targets)
    assert visible.shape == (2, 4)
    # A 1 km hill-top radar sees a 100 m target out to 130 + 41 ≈ 171 km.
    assert visible.tolist() == [[True, False, False, False], [True, True, False, False]]


def test_target_below_the_ellipsoid_is_clamped_to_sea_level() -> None:
    radar = lla_to_ecef(RADAR_LAT, RADAR_LON, 10.0)
    at_10_km = _target_ecef(np.array([10e3, 20e3]), np.array([-30.0, -30.0]))
    # Horizon of a 10 m radar over a 0 m target: 13.0 km.
    assert above_radar_horizon(radar, at_10_km).tolist() == [True, False]


@settings(max_examples=100, deadline=None)
@given(st.floats(0.0, 2e4), st.floats(0.0, 2e4), st.floats(0.0, 1e4))
def test_horizon_grows_with_either_height(h1: float, h2: float, dh: float) -> None:
    base = float(radar_horizon_range_m(h1, h2))
    assert float(radar_horizon_range_m(h1 + dh, h2)) >= base
    assert float(radar_horizon_range_m(h1, h2 + dh)) >= base
    assert float(radar_horizon_range_m(h1, h2)) == pytest.approx(
        float(radar_horizon_range_m(h2, h1))
    )
