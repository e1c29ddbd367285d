"""Identification features on hand-built tracks whose answers are known in closed form."""

from __future__ import annotations

import numpy as np
import pytest

from iamd.geo.wgs84 import ecef_to_lla, enu_to_ecef, enu_vector_to_ecef, lla_to_ecef
from iamd.identify.features import (
    FEATURE_NAMES,
    FLIGHT_LEVEL_M,
    TrackWindow,
    airway_distance_m,
    airway_network,
    ballistic_signature,
    compute_features,
    features_from_columns,
    gravity_ecef,
    on_airway,
)
from iamd.units import FT_M
from iamd.world.ballistic import FreeFlightModel, fly_free_flight
from iamd.world.base import Flight
from iamd.world.paths import fly_waypoints

LAT0, LON0 = np.radians(43.0), np.radians(25.0)


def window_of(
    flights: list[Flight],
    step: int = 2,
    samples: int = 20,
    *,
    squawk: bool = False,
    reported_alt_m: float = np.nan,
    rcs_dbsm: float = 10.0,
) -> TrackWindow:
    """The first ``samples`` samples every ``step`` of each 1 s flight, as one window each."""
    idx = step * np.arange(samples)
    t = np.stack([f.t_s[idx] for f in flights])
    pos = np.stack([f.pos_ecef_m[idx] for f in flights])
    vel = np.stack([f.vel_ecef_m_s[idx] for f in flights])
    n = len(flights)
    return TrackWindow(
        t_s=t,
        pos_ecef_m=pos,
        vel_ecef_m_s=vel,
        valid=np.ones((n, samples), dtype=bool),
        first_pos_ecef_m=pos[:, 0],
        age_s=t[:, -1] - t[:, 0],
        rcs_dbsm=np.full(n, rcs_dbsm),
        rcs_looks=np.full(n, 10.0),
        squawk=np.full(n, squawk),
        reported_alt_m=np.full(n, reported_alt_m),
        iff=np.zeros(n, dtype=bool),
    )


def level_turn(rate_rad_s: float, speed_m_s: float, alt_m: float, dur_s: int = 60) -> Flight:
    """A constant-rate level turn on the local tangent plane (flat to < 1 m over 5 km)."""
    t = np.arange(float(dur_s))
    r = speed_m_s / rate_rad_s
    ang = rate_rad_s * t
    e, n = r * np.sin(ang), r * (1.0 - np.cos(ang))
    pos = enu_to_ecef(np.stack([e, n, np.zeros_like(t)], axis=1), LAT0, LON0, alt_m)
    v_enu = np.stack([speed_m_s * np.cos(ang), speed_m_s * np.sin(ang), np.zeros_like(t)], axis=1)
    return Flight(t_s=t, pos_ecef_m=pos, vel_ecef_m_s=enu_vector_to_ecef(v_enu, LAT0, LON0))


def test_straight_level_geodesic_has_no_turn_no_climb_no_acceleration() -> None:
    f = fly_waypoints(
        np.radians([43.0, 44.0]), np.radians([25.0, 27.0]), [10_000.0, 10_000.0], 230.0, 0.0
    )
    feats = compute_features(window_of([f]))
    assert feats.speed_m_s[0] == pytest.approx(230.0, abs=0.01)
    assert feats.speed_std_m_s[0] < 0.01
    assert abs(feats.climb_rate_m_s[0]) < 1e-3
    assert feats.turn_rate_rad_s[0] < 1e-4  # a geodesic does not turn
    assert feats.accel_m_s2[0] < 0.02  # only the curvature of the Earth, v²/R ≈ 0.008
    assert feats.alt_m[0] == pytest.approx(10_000.0, abs=0.5)
    # an aircraft in level flight holds its weight up: residual ≈ g, across the velocity
    assert 9.7 < feats.ballistic_residual_m_s2[0] < 9.85
    assert 9.7 < feats.lift_accel_m_s2[0] < 9.85
    assert feats.span_s[0] == 38.0
    assert not ballistic_signature(feats)[0]


def test_free_fall_matches_gravity_ballistic_residual_near_zero() -> None:
    p0 = lla_to_ecef(LAT0, LON0, 200e3)[None, :]
    v0 = enu_vector_to_ecef(np.array([2500.0, 800.0, 300.0]), LAT0, LON0)[None, :]
    f = fly_free_flight(p0, v0, 0.0, model=FreeFlightModel(drag=False))[0]
    feats = compute_features(window_of([f]))
    assert feats.ballistic_residual_m_s2[0] < 0.05
    assert feats.lift_accel_m_s2[0] < 0.05
    assert 8.5 < feats.accel_m_s2[0] < 9.3  # gravity at 200 km with the rotating-frame terms
    assert ballistic_signature(feats)[0]


def test_gravity_model_agrees_with_two_body_far_from_the_earth() -> None:
    r = np.array([0.0, 0.0, 42_164e3])  # above the pole: J2 and centrifugal terms are tiny
    g = gravity_ecef(r, np.zeros(3))
    assert np.linalg.norm(g) == pytest.approx(3.986004418e14 / 42_164e3**2, rel=1e-4)


@pytest.mark.parametrize(("rate_deg_s", "speed"), [(3.0, 120.0), (10.0, 250.0), (-5.0, 200.0)])
def test_known_turn_rate_is_recovered(rate_deg_s: float, speed: float) -> None:
    f = level_turn(np.radians(rate_deg_s), speed, 3000.0)
    feats = compute_features(window_of([f]))
    # 10°/s over 38 s is a 380° turn: counted in full, not folded back
    assert feats.turn_rate_rad_s[0] == pytest.approx(abs(np.radians(rate_deg_s)), rel=0.01)
    assert feats.speed_m_s[0] == pytest.approx(speed, rel=1e-3)
    assert abs(feats.climb_rate_m_s[0]) < 0.05


def test_invalid_samples_are_ignored() -> None:
    f = fly_waypoints(np.radians([43.0, 43.5]), np.radians([25.0, 26.0]), [500.0, 500.0], 45.0, 0.0)
    w = window_of([f, f])
    valid = w.valid.copy()
    valid[1, :8] = False  # a young track: 12 of 20 samples
    valid[1, 12] = False  # and a dropped sample
    pos = w.pos_ecef_m.copy()
    pos[1, :8] = np.nan  # garbage where invalid must not leak
    w2 = TrackWindow(
        **{**{k: getattr(w, k) for k in w.__slots__}, "valid": valid, "pos_ecef_m": pos}
    )
    feats = compute_features(w2)
    assert feats.speed_m_s[1] == pytest.approx(feats.speed_m_s[0], rel=1e-9)
    assert feats.turn_rate_rad_s[1] < 1e-4
    assert feats.span_s[1] == 38.0 - 16.0
    assert np.isfinite(feats.matrix()[1, [0, 2, 3, 4, 6, 7]]).all()


def test_track_without_valid_samples_gives_nan_not_error() -> None:
    f = fly_waypoints(np.radians([43.0, 43.5]), np.radians([25.0, 26.0]), [500.0, 500.0], 45, 0)
    w = window_of([f])
    w2 = TrackWindow(
        **{**{k: getattr(w, k) for k in w.__slots__}, "valid": np.zeros((1, 20), bool)}
    )
    feats = compute_features(w2)
    assert np.isnan(feats.speed_m_s[0]) and np.isnan(feats.accel_m_s2[0])


def test_flight_level_and_reported_altitude() -> None:
    f = fly_waypoints(
        np.radians([43.0, 43.5]), np.radians([25.0, 26.0]), [10_668.0, 10_668.0], 230.0, 0.0
    )
    on_level = compute_features(window_of([f], squawk=True, reported_alt_m=35_000 * FT_M))
    assert on_level.fl_dev_m[0] == pytest.approx(0.0, abs=1e-9)
    assert on_level.alt_report_err_m[0] == pytest.approx(0.0, abs=0.01)
    half = compute_features(window_of([f], squawk=True, reported_alt_m=35_500 * FT_M))
    assert half.fl_dev_m[0] == pytest.approx(FLIGHT_LEVEL_M / 2, abs=1e-9)
    assert half.alt_report_err_m[0] == pytest.approx(500 * FT_M, abs=0.01)
    silent = compute_features(window_of([f]))
    assert np.isnan(silent.alt_report_err_m[0])  # no report, no consistency to check
    assert silent.squawk[0] == 0.0


def test_airway_distance_cross_track_and_ends() -> None:
    net = airway_network([42.695, 37.936], [23.406, 23.947])  # Sofia - Athens
    mid = lla_to_ecef(np.radians(40.3), np.radians(23.68), 10_000.0)
    lat, lon, _ = ecef_to_lla(mid)
    d = airway_distance_m(mid[None, :], net)[0]
    assert d < 3e3  # close to the great circle halfway
    sofia = lla_to_ecef(np.radians(42.695), np.radians(23.406), 0.0)[None, :]
    assert airway_distance_m(sofia, net)[0] < 1.0
    beyond = lla_to_ecef(np.radians(43.695), np.radians(23.406), 0.0)[None, :]
    assert airway_distance_m(beyond, net)[0] == pytest.approx(111.2e3, rel=0.01)  # past Sofia
    feats = features_from_columns(airway_dist_m=np.array([5e3, 20e3]))
    assert on_airway(feats).tolist() == [True, False]
    assert np.isfinite(lat) and np.isfinite(lon)


def test_feature_matrix_columns_follow_feature_names() -> None:
    f = features_from_columns(speed_m_s=np.array([1.0]), span_s=np.array([2.0]))
    x = f.matrix()
    assert x.shape == (1, len(FEATURE_NAMES))
    assert x[0, FEATURE_NAMES.index("speed_m_s")] == 1.0
    assert x[0, FEATURE_NAMES.index("span_s")] == 2.0


def test_free_flight_gravity_equals_the_world_models_without_drag() -> None:
    """One gravity model: the features' free-flight acceleration (J2, Coriolis, centrifugal)
    is `iamd.world.ballistic`'s with drag off, to rounding, from the ground to 2,000 km at
    any speed up to a few km/s."""
    from iamd.world.ballistic import FreeFlightModel, _accel

    rng = np.random.default_rng(2)
    n = 20_000
    up = rng.normal(size=(n, 3))
    up /= np.linalg.norm(up, axis=1, keepdims=True)
    pos = up * (6.36e6 + rng.uniform(0.0, 2e6, (n, 1)))
    vel = rng.normal(0.0, 2000.0, (n, 3))
    world = _accel(pos.T.copy(), vel.T.copy(), np.zeros(n), FreeFlightModel(drag=False)).T
    ours = gravity_ecef(pos, vel)
    np.testing.assert_allclose(ours, world, rtol=0, atol=1e-14 * np.abs(world).max())
