"""General aviation and aerial work: pattern ranges, continuity, derivatives, determinism."""

import math

import numpy as np
import pyproj
import pytest

from iamd.errors import InputError
from iamd.geo.wgs84 import ecef_to_lla, ecef_vector_to_enu
from iamd.world import GA_PATTERNS, Flight, fly_general_aviation
from iamd.world.general_aviation import (
    GA_ALT_M,
    GA_SPEED_M_S,
    _dubins,
    _Plan,
    rate_one_turn_rad_s,
    turn_radius_m,
)

GEOD = pyproj.Geod(ellps="WGS84")
LAT, LON = math.radians(43.5), math.radians(26.0)
GROUND = ("circuit", "orbit", "firefighting")
NM = 1852.0


def _fly(pattern: str, seed: int, **kw: float) -> Flight:
    kw.setdefault("duration_s", 1800.0)
    return fly_general_aviation(np.random.default_rng(seed), pattern, LAT, LON, t0_s=50.0, **kw)


def _lla_enu(f: Flight) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    lat, lon, h = ecef_to_lla(f.pos_ecef_m)
    return lat, lon, h, ecef_vector_to_enu(f.vel_ecef_m_s, lat, lon)


def _ground_dist_m(lat: np.ndarray, lon: np.ndarray) -> np.ndarray:
    _, _, d = GEOD.inv(np.full(lat.shape, LON), np.full(lat.shape, LAT), lon, lat, radians=True)
    return np.asarray(d)


# expected horizontal speed and height (above the pattern's alt_m for ground patterns) ranges
EXPECTED = {
    "circuit": ((0.8 * 40.0, 70.0), (0.0, 600.0)),
    "cross_country": ((40.0, 80.0), (500.0, 3000.0)),
    "thermalling": ((20.0, 45.0), (500.0, 3000.0)),
    "hover": ((0.0, 70.0), (150.0, 600.0)),
    "survey": ((50.0, 90.0), (500.0, 4000.0)),
    "orbit": ((60.0, 110.0), (60.0, 3000.0)),
    "firefighting": ((0.85 * 47.0, 80.0), (10.0, 900.0)),
}


@pytest.mark.parametrize("pattern", GA_PATTERNS)
def test_speeds_and_heights_stay_in_the_pattern_ranges(pattern: str) -> None:
    (v_lo, v_hi), (h_lo, h_hi) = EXPECTED[pattern]
    for seed in range(12):
        ground = 120.0 if pattern in GROUND else 0.0
        f = _fly(pattern, seed, **({"alt_m": ground} if pattern in GROUND else {}))
        _, _, h, enu = _lla_enu(f)
        vh = np.hypot(enu[:, 0], enu[:, 1])
        assert v_lo - 0.05 <= vh.min() and vh.max() <= v_hi + 0.05, (seed, vh.min(), vh.max())
        assert h_lo - 0.5 <= (h - ground).min() and (h - ground).max() <= h_hi + 0.5, seed


@pytest.mark.parametrize("pattern", GA_PATTERNS)
def test_samples_span_the_duration_and_the_flight_is_continuous(pattern: str) -> None:
    f = _fly(pattern, 3, duration_s=1200.5, dt_s=1.0)
    assert f.t_s[0] == 50.0 and f.t_s[-1] == 1250.5 and f.t_s.size == 1202
    assert np.all(np.diff(f.t_s) > 0.0)
    step = np.linalg.norm(np.diff(f.pos_ecef_m, axis=0), axis=1) / np.diff(f.t_s)
    assert step.max() <= EXPECTED[pattern][0][1] * 1.1
    _, _, _, enu = _lla_enu(f)
    acc_h = np.linalg.norm(np.diff(enu[:, :2], axis=0), axis=1) / np.diff(f.t_s)
    assert acc_h.max() < 10.0  # no jump in horizontal velocity: at most a 45° bank


@pytest.mark.parametrize("pattern", GA_PATTERNS)
def test_velocity_is_the_derivative_of_position(pattern: str) -> None:
    f = _fly(pattern, 7, duration_s=900.0, dt_s=0.1)
    chord = np.diff(f.pos_ecef_m, axis=0) / np.diff(f.t_s)[:, None]
    mean_v = 0.5 * (f.vel_ecef_m_s[1:] + f.vel_ecef_m_s[:-1])
    lat, lon, _ = ecef_to_lla(f.pos_ecef_m[:-1])
    err = ecef_vector_to_enu(chord - mean_v, lat, lon)
    # the chord equals the mean of the end velocities to second order where the motion is
    # smooth; a turn's start or end (first order, ~v ω dt / 4) and a step of the vertical
    # rate at a segment boundary are the exceptions
    assert np.quantile(np.abs(err), 0.99, axis=0).max() < 1e-3
    assert np.abs(err[:, :2]).max() < 0.15


@pytest.mark.parametrize("pattern", GA_PATTERNS)
def test_same_generator_state_same_flight(pattern: str) -> None:
    a, b, c = _fly(pattern, 11), _fly(pattern, 11), _fly(pattern, 12)
    np.testing.assert_array_equal(a.pos_ecef_m, b.pos_ecef_m)
    np.testing.assert_array_equal(a.vel_ecef_m_s, b.vel_ecef_m_s)
    assert not np.array_equal(a.pos_ecef_m, c.pos_ecef_m)


def test_given_speed_and_height_are_used() -> None:
    f = _fly("survey", 0, speed_m_s=66.0, alt_m=2500.0)
    _, _, h, enu = _lla_enu(f)
    np.testing.assert_allclose(np.hypot(enu[:, 0], enu[:, 1]), 66.0, atol=0.01)
    np.testing.assert_allclose(h, 2500.0, atol=1e-6)


def test_circuit_touches_down_on_the_runway_and_climbs_to_circuit_height() -> None:
    f = _fly("circuit", 4, alt_m=300.0, duration_s=3600.0)
    lat, lon, h, enu = _lla_enu(f)
    on_ground = h < 300.5
    assert on_ground.any() and (h > 300.0 + 299.0).any()
    # every touch-and-go is within 1 km of the lift-off point, in line with the runway
    assert _ground_dist_m(lat[on_ground], lon[on_ground]).max() < 1000.0
    heading = np.arctan2(enu[on_ground, 0], enu[on_ground, 1])
    assert np.ptp(np.angle(np.exp(1j * (heading - heading[0])))) < 1e-3
    # downwind is flown level, opposite to the runway
    top = h > h.max() - 0.5
    top_heading = np.arctan2(enu[top, 0], enu[top, 1])
    assert np.abs(np.angle(np.exp(1j * (top_heading - heading[0] - np.pi)))).min() < 1e-3


def test_glider_climbs_in_tight_circles_and_sinks_in_glides() -> None:
    f = _fly("thermalling", 2, duration_s=3600.0)
    _, _, _, enu = _lla_enu(f)
    climbing = enu[:, 2] > 0.5
    assert climbing.mean() > 0.2 and (enu[:, 2] < -0.5).mean() > 0.2
    assert enu[:, 2].max() <= 4.0 + 1e-6 and enu[:, 2].min() >= -2.0 - 1e-6
    heading = np.unwrap(np.arctan2(enu[:, 0], enu[:, 1]))
    rate = np.abs(np.diff(heading))[climbing[:-1] & climbing[1:]]
    vh = np.hypot(enu[:, 0], enu[:, 1])[:-1][climbing[:-1] & climbing[1:]]
    radius = vh / rate
    assert radius.min() > 99.0 and radius.max() < 201.0


def test_helicopter_hovers_for_tens_of_seconds() -> None:
    hovered = 0
    for seed in range(6):
        _, _, _, enu = _lla_enu(_fly("hover", seed, duration_s=3600.0))
        slow = np.hypot(enu[:, 0], enu[:, 1]) <= 5.0
        run = np.diff(np.flatnonzero(np.diff(np.concatenate([[0], slow.astype(int), [0]]))))
        hovered += bool(slow.any() and run[::2].max() >= 10)
    assert hovered >= 4


def test_survey_flies_parallel_lines_at_one_height() -> None:
    f = _fly("survey", 5, duration_s=5400.0)
    _, _, h, enu = _lla_enu(f)
    assert np.ptp(h) < 1e-6
    heading = np.arctan2(enu[:, 0], enu[:, 1])
    turn = np.abs(np.angle(np.exp(1j * np.diff(heading))))
    straight = np.concatenate([[False], turn < 1e-4])
    # two headings, opposite: the lines of a lawnmower
    h0 = heading[straight][0]
    rel = np.abs(np.angle(np.exp(1j * (heading[straight] - h0))))
    assert np.all((rel < 0.01) | (rel > np.pi - 0.01)) and (rel > 3.0).any()  # ±meridians


def test_flight_inspection_flies_dme_arcs_and_ils_runs_to_60_m() -> None:
    arc_seen = ils_seen = 0
    for seed in range(8):
        f = _fly("orbit", seed, alt_m=200.0, duration_s=5400.0)
        lat, lon, h, enu = _lla_enu(f)
        d = _ground_dist_m(lat, lon)
        vh = np.hypot(enu[:, 0], enu[:, 1])
        # a DME arc: constant distance between 10 and 25 NM, at constant height, for a minute
        steady = (np.abs(np.diff(d)) < 0.5) & (np.abs(np.diff(h)) < 1e-6) & (vh[1:] > 59.0)
        arc_seen += bool(steady[:60].all() and 10.0 * NM - 1.0 <= d[0] <= 25.0 * NM + 1.0)
        ils_seen += bool(abs(h.min() - 260.0) < 0.5)
    assert arc_seen == 8 and ils_seen >= 4


def test_firefighter_scoops_low_and_drops_on_the_fire() -> None:
    f = _fly("firefighting", 9, alt_m=50.0, duration_s=3600.0)
    lat, lon, h, _ = _lla_enu(f)
    low = h < 50.0 + 31.0
    assert low.any() and h.min() >= 60.0 - 1e-6
    assert _ground_dist_m(lat[low], lon[low]).max() < 1100.0  # over the water
    far = _ground_dist_m(lat, lon) > 2500.0
    assert (far & (h < h.max() - 100.0)).any()  # low passes away from the water: the drops


def test_dubins_path_arrives_at_the_pose() -> None:
    rng = np.random.default_rng(0)
    for _ in range(200):
        p = _Plan(50.0, float(rng.uniform(0.0, 6.3)), 0.0, complex(*rng.normal(0.0, 3e3, 2)))
        goal, psi = complex(*rng.normal(0.0, 3e3, 2)), float(rng.uniform(0.0, 6.3))
        p.dubins_to(goal, psi, 500.0, 100.0)
        assert abs(p.w - goal) < 1e-6 and abs(np.angle(np.exp(1j * (p.psi - psi)))) < 1e-9
        assert p.h == pytest.approx(100.0)


def test_dubins_straight_ahead_is_a_straight() -> None:
    a1, ell, a2 = _dubins(0j, 0.0, 5000.0 + 0j, 0.0, 300.0)
    assert (a1, a2) == (0.0, 0.0) and ell == pytest.approx(5000.0)


def test_turn_formulas() -> None:
    assert turn_radius_m(70.0, math.radians(45.0)) == pytest.approx(70.0**2 / 9.80665)
    assert rate_one_turn_rad_s(50.0) == pytest.approx(math.radians(3.0))
    assert rate_one_turn_rad_s(200.0) == pytest.approx(9.80665 * math.tan(math.radians(25)) / 200)


def test_defaults_are_drawn_from_the_documented_ranges() -> None:
    assert set(GA_SPEED_M_S) == set(GA_PATTERNS) == set(GA_ALT_M)
    _, _, h, _ = _lla_enu(_fly("survey", 1))
    assert GA_ALT_M["survey"][0] <= h[0] <= GA_ALT_M["survey"][1]


def test_bad_arguments_are_named() -> None:
    with pytest.raises(InputError, match=r"pattern must be one of circuit, .* \(got 'jet'\)"):
        _fly("jet", 0)
    with pytest.raises(InputError, match=r"duration_s must be > 0 \(got 0.0\)"):
        _fly("hover", 0, duration_s=0.0)
    with pytest.raises(InputError, match=r"speed_m_s must be > 0 \(got -1.0\)"):
        _fly("hover", 0, speed_m_s=-1.0)
