"""Ballistic missiles against the public Keplerian trajectory table and basic mechanics."""

import numpy as np
import pyproj
import pytest

from iamd.geo.wgs84 import (
    A_M,
    GM_M3_S2,
    OMEGA_RAD_S,
    ecef_to_lla,
    enu_vector_to_ecef,
    lla_to_ecef,
)
from iamd.scenario.catalog import BallisticParams
from iamd.world import (
    VACUUM_NON_ROTATING,
    BallisticMissileParams,
    FreeFlightModel,
    boost_state,
    fly_ballistic,
    fly_free_flight,
    keplerian_minimum_energy,
)
from iamd.world.ballistic import J2

GEOD = pyproj.Geod(ellps="WGS84")
EMAD = BallisticMissileParams(
    boost_time_s=100.0, burnout_altitude_km=70.0, reentry_mass_kg=1200.0, drag_area_m2=0.2
)
TABRIZ = np.radians(38.08), np.radians(46.29)

# shared/reference/public-parameters.md §2.1: ground range (km), burnout speed (km/s),
# flight-path angle (deg), apogee (km), free-flight time (min); Keplerian minimum energy.
PUBLIC_TABLE = [
    (1000.0, 3.0, 42.8, 240.0, 7.9),
    (1300.0, 3.4, 42.1, 310.0, 9.1),
    (1500.0, 3.6, 41.6, 350.0, 9.9),
    (1800.0, 3.9, 41.0, 420.0, 11.0),
    (2000.0, 4.1, 40.5, 460.0, 11.7),
    (2200.0, 4.3, 40.1, 500.0, 12.4),
]
TABLE = np.array(PUBLIC_TABLE)


def _aims(ranges_m: np.ndarray, az_rad: float | np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    n = np.size(ranges_m)
    lon, lat, _ = GEOD.fwd(
        np.full(n, TABRIZ[1]),
        np.full(n, TABRIZ[0]),
        np.broadcast_to(az_rad, (n,)),
        ranges_m,
        radians=True,
    )
    return np.asarray(lat), np.asarray(lon)


def test_keplerian_minimum_energy_reproduces_the_public_table() -> None:
    k = keplerian_minimum_energy(TABLE[:, 0] * 1e3)
    np.testing.assert_allclose(k.burnout_speed_m_s / 1e3, TABLE[:, 1], atol=0.05)
    np.testing.assert_allclose(np.degrees(k.flight_path_angle_rad), TABLE[:, 2], atol=0.05)
    np.testing.assert_allclose(k.apogee_m / 1e3, TABLE[:, 3], rtol=0.02)
    np.testing.assert_allclose(k.flight_time_s / 60.0, TABLE[:, 4], atol=0.05)


def test_vacuum_free_flight_from_the_surface_matches_the_public_table() -> None:
    # Launch eastward at 35.3 N, where the ellipsoid's geocentric radius is the mean radius.
    lat, lon = np.radians(35.3), np.radians(20.0)
    k = keplerian_minimum_energy(TABLE[:, 0] * 1e3)
    g = k.flight_path_angle_rad
    vel_enu = np.stack([np.cos(g), np.zeros_like(g), np.sin(g)], -1) * k.burnout_speed_m_s[:, None]
    vel = enu_vector_to_ecef(vel_enu, lat, lon)
    pos = lla_to_ecef(lat, lon, 0.0) + 1e-3 * vel  # 1 ms after lift-off, just above the ground
    flights = fly_free_flight(pos, vel, 0.0, model=VACUUM_NON_ROTATING, dt_s=1.0)
    for row, f in zip(TABLE, flights, strict=True):
        lat_f, lon_f, h = ecef_to_lla(f.pos_ecef_m)
        _, _, rng_m = GEOD.inv(lon, lat, lon_f[-1], lat_f[-1], radians=True)
        assert rng_m / 1e3 == pytest.approx(row[0], rel=0.01)
        assert h.max() / 1e3 == pytest.approx(row[3], rel=0.05)
        assert f.t_end_s / 60.0 == pytest.approx(row[4], rel=0.05)
        assert abs(h[-1]) < 1e-3


def test_ballistic_2000_km_matches_public_flight_time_and_apogee() -> None:
    lat_a, lon_a = _aims(np.array([2000e3]), np.radians(290.0))
    flights, sol = fly_ballistic(TABRIZ[0], TABRIZ[1], lat_a, lon_a, 0.0, EMAD)
    assert 400e3 < sol.apogee_m[0] < 600e3
    assert 10.5 < sol.flight_time_s[0] / 60.0 < 14.0
    assert flights[0].t_end_s == pytest.approx(sol.flight_time_s[0])
    assert sol.converged[0] and sol.in_envelope[0]


def test_ballistic_rows_of_the_public_table_with_boost_drag_and_rotation() -> None:
    # The table is drag-free, from the surface and without boost: the free-flight time
    # (total minus boost) should be close, and the apogee above the table's by at most
    # the burnout altitude.
    lat_a, lon_a = _aims(TABLE[:, 0] * 1e3, np.radians(290.0))
    _, sol = fly_ballistic(TABRIZ[0], TABRIZ[1], lat_a, lon_a, 0.0, EMAD)
    free_min = (sol.flight_time_s - EMAD.boost_time_s) / 60.0
    np.testing.assert_allclose(free_min, TABLE[:, 4], rtol=0.10)
    apogee_km = sol.apogee_m / 1e3
    assert np.all(apogee_km > 0.95 * TABLE[:, 3])
    assert np.all(apogee_km < 1.05 * TABLE[:, 3] + EMAD.burnout_altitude_km)
    np.testing.assert_allclose(sol.burnout_speed_m_s / 1e3, TABLE[:, 1], rtol=0.10)


def test_impacts_fall_within_100_m_of_the_aim_points() -> None:
    ranges = np.array([300e3, 800e3, 1500e3, 2500e3, 3200e3])
    az = np.radians([0.0, 90.0, 180.0, 270.0, 300.0])
    lat_a, lon_a = _aims(ranges, az)
    flights, sol = fly_ballistic(TABRIZ[0], TABRIZ[1], lat_a, lon_a, 50.0, EMAD)
    assert np.all(sol.miss_m < 100.0)
    assert sol.converged.all() and sol.in_envelope.all()
    for f, la, lo in zip(flights, lat_a, lon_a, strict=True):
        lat, lon, h = ecef_to_lla(f.pos_ecef_m[-1])
        _, _, d = GEOD.inv(lo, la, lon, lat, radians=True)
        assert d < 100.0
        assert abs(h) < 0.01
        assert f.t_start_s == 50.0
        assert np.all(np.diff(f.t_s) > 0.0)
        assert np.all(np.diff(f.t_s) <= 1.0 + 1e-9)


def test_specific_energy_is_conserved_in_free_flight_without_drag() -> None:
    lat_a, lon_a = _aims(np.array([1800e3]), np.radians(300.0))
    model = FreeFlightModel(drag=False)  # Earth rotation and J2 on
    flights, _ = fly_ballistic(TABRIZ[0], TABRIZ[1], lat_a, lon_a, 0.0, EMAD, model=model)
    f = flights[0]
    free = f.t_s >= EMAD.boost_time_s
    r = f.pos_ecef_m[free]
    v_inertial = f.vel_ecef_m_s[free] + np.cross([0.0, 0.0, OMEGA_RAD_S], r)
    rn = np.linalg.norm(r, axis=1)
    sin2 = (r[:, 2] / rn) ** 2
    potential = -GM_M3_S2 / rn * (1.0 - J2 * (A_M / rn) ** 2 * (1.5 * sin2 - 0.5))
    energy = 0.5 * np.sum(v_inertial**2, axis=1) + potential
    assert np.ptp(energy) / abs(energy.mean()) < 1e-6


def test_drag_slows_the_reentry_body() -> None:
    lat_a, lon_a = _aims(np.array([1500e3]), np.radians(270.0))
    _, drag = fly_ballistic(TABRIZ[0], TABRIZ[1], lat_a, lon_a, 0.0, EMAD)
    _, vac = fly_ballistic(
        TABRIZ[0], TABRIZ[1], lat_a, lon_a, 0.0, EMAD, model=FreeFlightModel(drag=False)
    )
    assert drag.impact_speed_m_s[0] < 0.6 * drag.reentry_speed_m_s[0]
    assert vac.impact_speed_m_s[0] > vac.reentry_speed_m_s[0]
    assert drag.burnout_speed_m_s[0] > vac.burnout_speed_m_s[0]  # drag costs range


def test_vectorised_flights_equal_one_by_one_flights() -> None:
    ranges = np.array([600e3, 1200e3, 2000e3, 2900e3])
    az = np.radians([250.0, 280.0, 310.0, 340.0])
    lat_a, lon_a = _aims(ranges, az)
    t0 = np.array([0.0, 30.0, 60.0, 90.0])
    params = [
        EMAD,
        BallisticMissileParams(
            boost_time_s=110.0, burnout_altitude_km=80.0, reentry_mass_kg=1500.0, drag_area_m2=0.3
        ),
        EMAD,
        BallisticMissileParams(
            boost_time_s=105.0, burnout_altitude_km=65.0, reentry_mass_kg=1000.0, drag_area_m2=0.1
        ),
    ]
    flights, sol = fly_ballistic(TABRIZ[0], TABRIZ[1], lat_a, lon_a, t0, params)
    for i in range(4):
        one, s1 = fly_ballistic(TABRIZ[0], TABRIZ[1], lat_a[i], lon_a[i], t0[i], params[i])
        assert one[0].t_s.shape == flights[i].t_s.shape
        np.testing.assert_allclose(one[0].t_s, flights[i].t_s, rtol=0, atol=1e-9)
        np.testing.assert_allclose(one[0].pos_ecef_m, flights[i].pos_ecef_m, rtol=0, atol=1e-6)
        np.testing.assert_allclose(one[0].vel_ecef_m_s, flights[i].vel_ecef_m_s, atol=1e-9)
        assert s1.miss_m[0] == pytest.approx(sol.miss_m[i], abs=1e-6)


def test_catalog_parameters_are_accepted_as_they_are() -> None:
    cat = BallisticParams(
        boost_time_s=100.0, burnout_altitude_km=70.0, reentry_mass_kg=1200.0, drag_area_m2=0.2
    )
    lat_a, lon_a = _aims(np.array([1000e3]), np.radians(280.0))
    _, a = fly_ballistic(TABRIZ[0], TABRIZ[1], lat_a, lon_a, 0.0, cat)
    _, b = fly_ballistic(TABRIZ[0], TABRIZ[1], lat_a, lon_a, 0.0, EMAD)
    assert a.impact_lat_rad[0] == b.impact_lat_rad[0]


def test_aims_outside_the_envelope_are_flagged_not_raised() -> None:
    lat_a, lon_a = _aims(np.array([50e3, 5000e3]), np.radians(280.0))
    flights, sol = fly_ballistic(TABRIZ[0], TABRIZ[1], lat_a, lon_a, 0.0, EMAD)
    assert not sol.in_envelope.any()
    assert sol.converged.all()  # at the nearest range of the envelope
    np.testing.assert_allclose(sol.ground_range_m, [100e3, 3500e3], atol=100.0)
    np.testing.assert_allclose(sol.miss_m, [50e3, 1500e3], atol=200.0)
    assert all(np.isfinite(f.pos_ecef_m).all() for f in flights)


def test_boost_velocity_is_the_derivative_of_position() -> None:
    args = (TABRIZ[0], TABRIZ[1], np.radians(290.0), 3900.0, np.radians(41.0), 100.0, 70e3)
    t = np.linspace(1.0, 99.0, 50)
    _, v = boost_state(t, *args)
    dt = 1e-3
    p_plus, _ = boost_state(t + dt, *args)
    p_minus, _ = boost_state(t - dt, *args)
    np.testing.assert_allclose((p_plus - p_minus) / (2 * dt), v, atol=1e-3)
    p0, v0 = boost_state(0.0, *args)
    _, _, h0 = ecef_to_lla(p0)
    assert abs(h0) < 1e-6 and np.linalg.norm(v0) == 0.0
    pb, vb = boost_state(100.0, *args)
    _, _, hb = ecef_to_lla(pb)
    assert hb == pytest.approx(70e3, abs=500.0)  # flat launch frame: Earth curvature adds a bit
    assert np.linalg.norm(vb) == pytest.approx(3900.0)


def test_sampled_velocities_agree_with_positions() -> None:
    lat_a, lon_a = _aims(np.array([1300e3]), np.radians(300.0))
    flights, _ = fly_ballistic(TABRIZ[0], TABRIZ[1], lat_a, lon_a, 0.0, EMAD)
    f = flights[0]
    chord = np.diff(f.pos_ecef_m, axis=0) / np.diff(f.t_s)[:, None]
    mean_v = 0.5 * (f.vel_ecef_m_s[1:] + f.vel_ecef_m_s[:-1])
    err = np.linalg.norm(chord - mean_v, axis=1)
    # chord minus trapezoid is dt²/12 · jerk: tiny in free flight, large only where thrust
    # cuts off (burnout) and in the dense air near impact (drag rising ~100 m/s² per second)
    _, _, h = ecef_to_lla(f.pos_ecef_m)
    upper = (h[:-1] > 50e3) & (f.t_s[:-1] > EMAD.boost_time_s)
    assert err[upper].max() < 0.05
    assert np.median(err) < 0.05
    assert err.max() < 10.0


def test_integration_converges_with_the_step() -> None:
    pos, vel = boost_state(
        100.0, TABRIZ[0], TABRIZ[1], np.radians(290.0), 4000.0, np.radians(40.5), 100.0, 70e3
    )
    cda = EMAD.drag_area_m2 / EMAD.reentry_mass_kg
    coarse = fly_free_flight(pos[None], vel[None], 0.0, cda, dt_s=1.0)[0]
    fine = fly_free_flight(pos[None], vel[None], 0.0, cda, dt_s=0.1)[0]
    assert np.linalg.norm(coarse.pos_ecef_m[-1] - fine.pos_ecef_m[-1]) < 1.0
    assert coarse.t_end_s == pytest.approx(fine.t_end_s, abs=1e-3)
    # the 1 s samples (Hermite-filled where the RK4 step is 10 s) lie on the fine trajectory
    k = np.searchsorted(fine.t_s, coarse.t_s[:-1])
    np.testing.assert_allclose(fine.t_s[k], coarse.t_s[:-1], atol=1e-9)
    np.testing.assert_allclose(fine.pos_ecef_m[k], coarse.pos_ecef_m[:-1], atol=1.0)
    np.testing.assert_allclose(fine.vel_ecef_m_s[k], coarse.vel_ecef_m_s[:-1], atol=0.05)
