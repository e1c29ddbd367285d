"""Waypoint flights, cruise-missile and drone routes, swarms and racetrack orbits."""

import numpy as np
import pyproj
import pytest

from iamd.geo.wgs84 import ecef_to_lla, ecef_vector_to_enu
from iamd.world import (
    Flight,
    cruise_missile_route,
    drone_route,
    fly_route,
    fly_swarm,
    fly_waypoints,
    offset_route,
    racetrack_orbit,
    swarm_offsets,
)

GEOD = pyproj.Geod(ellps="WGS84")
# Black Sea coast to Sofia with a dogleg over Romania (deg)
LAT = np.radians([44.0, 44.6, 43.2, 42.7])
LON = np.radians([33.5, 28.6, 25.5, 23.3])
ALT = np.array([0.0, 300.0, 300.0, 50.0])


def _speeds(f: Flight) -> np.ndarray:
    return np.linalg.norm(f.vel_ecef_m_s, axis=1)


def _leg_of_samples(f: Flight, lat: np.ndarray, lon: np.ndarray, alt: np.ndarray) -> np.ndarray:
    """Index of the leg each sample lies on, from the cumulative 3D leg lengths."""
    _, _, d = GEOD.inv(lon[:-1], lat[:-1], lon[1:], lat[1:], radians=True)
    length = np.hypot(d * (1 + 0.5 * (alt[:-1] + alt[1:]) / 6371008.8), np.diff(alt))
    t_wp = np.concatenate([[0.0], np.cumsum(length / 240.0)])
    return np.clip(np.searchsorted(t_wp, f.t_s - f.t_s[0], side="right") - 1, 0, lat.size - 2)


def test_waypoint_flight_keeps_constant_speed_and_ends_on_the_last_waypoint() -> None:
    f = fly_waypoints(LAT, LON, ALT, 240.0, 1000.0, dt_s=1.0)
    np.testing.assert_allclose(_speeds(f), 240.0, rtol=0.01)
    assert f.t_s[0] == 1000.0
    assert np.all(np.diff(f.t_s) > 0.0) and np.all(np.diff(f.t_s) <= 1.0 + 1e-9)
    lat, lon, h = ecef_to_lla(f.pos_ecef_m[-1])
    _, _, d = GEOD.inv(LON[-1], LAT[-1], lon, lat, radians=True)
    assert d < 1e-3 and h == pytest.approx(ALT[-1], abs=1e-6)


def test_waypoint_flight_stays_on_the_geodesics_of_its_legs() -> None:
    f = fly_waypoints(LAT, LON, ALT, 240.0, 0.0, dt_s=5.0)
    lat, lon, _ = ecef_to_lla(f.pos_ecef_m)
    leg = _leg_of_samples(f, LAT, LON, ALT)
    az_leg, _, _ = GEOD.inv(LON[:-1], LAT[:-1], LON[1:], LAT[1:], radians=True)
    az, _, d = GEOD.inv(LON[leg], LAT[leg], lon, lat, radians=True)
    cross_track = d * np.sin(np.angle(np.exp(1j * (az - az_leg[leg]))))
    assert np.abs(cross_track).max() < 50.0


def test_waypoint_altitude_is_linear_in_distance_along_each_leg() -> None:
    f = fly_waypoints(LAT, LON, ALT, 240.0, 0.0, dt_s=2.0)
    lat, lon, h = ecef_to_lla(f.pos_ecef_m)
    leg = _leg_of_samples(f, LAT, LON, ALT)
    _, _, d_leg = GEOD.inv(LON[:-1], LAT[:-1], LON[1:], LAT[1:], radians=True)
    _, _, d = GEOD.inv(LON[leg], LAT[leg], lon, lat, radians=True)
    expected = ALT[leg] + (ALT[leg + 1] - ALT[leg]) * d / d_leg[leg]
    np.testing.assert_allclose(h, expected, atol=0.01)


def test_waypoint_velocities_are_derivatives_of_the_positions() -> None:
    f = fly_waypoints(LAT, LON, ALT, 240.0, 0.0, dt_s=1.0)
    chord = np.diff(f.pos_ecef_m, axis=0) / np.diff(f.t_s)[:, None]
    mean_v = 0.5 * (f.vel_ecef_m_s[1:] + f.vel_ecef_m_s[:-1])
    err = np.linalg.norm(chord - mean_v, axis=1)
    turn = np.zeros(err.size, dtype=bool)  # the velocity jumps at the waypoints
    leg = _leg_of_samples(f, LAT, LON, ALT)
    turn[np.nonzero(np.diff(leg))[0]] = True
    assert err[~turn].max() < 1e-3


def test_waypoint_speed_per_leg_and_zero_length_legs() -> None:
    lat = np.radians([42.0, 42.0, 42.5, 42.5])
    lon = np.radians([23.0, 23.0, 23.0, 23.5])
    f = fly_waypoints(lat, lon, 1000.0, [50.0, 100.0, 200.0], 0.0, dt_s=1.0)
    s = _speeds(f)
    assert np.isfinite(f.pos_ecef_m).all()
    assert s[10] == pytest.approx(100.0, rel=1e-3)
    assert s[-2] == pytest.approx(200.0, rel=1e-3)


def test_one_hour_waypoint_flight_samples_every_second() -> None:
    lat = np.radians([42.0, 45.0])
    lon = np.radians([20.0, 28.0])
    _, _, d = GEOD.inv(lon[0], lat[0], lon[1], lat[1], radians=True)
    f = fly_waypoints(lat, lon, [9000.0, 9000.0], d / 3600.0, 0.0, dt_s=1.0)
    # speed is the true speed at 9 km: the flight takes 9/6371 longer than at the surface
    assert f.t_end_s == pytest.approx(3600.0 * (1.0 + 9000.0 / 6371008.8), rel=1e-9)
    assert f.t_s.size == 3607
    np.testing.assert_array_equal(f.t_s[:-1], np.arange(3606.0))


def test_cruise_missile_route_climbs_cruises_low_and_dives_onto_the_aim() -> None:
    r = cruise_missile_route(
        LAT[0],
        LON[0],
        LAT[-1],
        LON[-1],
        cruise_alt_m=40.0,
        speed_m_s=230.0,
        via_lat_rad=LAT[1:-1],
        via_lon_rad=LON[1:-1],
        climb_distance_m=10e3,
        terminal_distance_m=5e3,
    )
    assert r.alt_m.tolist() == [0.0, 40.0, 40.0, 40.0, 40.0, 0.0]
    np.testing.assert_allclose(r.lat_rad[2:4], LAT[1:3])
    _, _, d_climb = GEOD.inv(r.lon_rad[0], r.lat_rad[0], r.lon_rad[1], r.lat_rad[1], radians=True)
    _, _, d_term = GEOD.inv(
        r.lon_rad[-2], r.lat_rad[-2], r.lon_rad[-1], r.lat_rad[-1], radians=True
    )
    assert d_climb == pytest.approx(10e3) and d_term == pytest.approx(5e3)
    f = fly_route(r, 0.0)
    _, _, h = ecef_to_lla(f.pos_ecef_m)
    assert h.max() == pytest.approx(40.0, abs=1e-6)
    assert h[-1] == pytest.approx(0.0, abs=1e-6)
    np.testing.assert_allclose(_speeds(f), 230.0, rtol=0.01)


def test_popup_attack_rises_before_the_dive() -> None:
    r = cruise_missile_route(LAT[0], LON[0], LAT[-1], LON[-1], terminal="popup", popup_alt_m=400.0)
    f = fly_route(r, 0.0)
    _, _, h = ecef_to_lla(f.pos_ecef_m)
    last_minute = h[f.t_s > f.t_end_s - 60.0]
    assert last_minute.max() == pytest.approx(400.0, abs=10.0)
    assert h[-1] == pytest.approx(0.0, abs=1e-6)


def test_drone_route_is_slow_and_low() -> None:
    f = fly_route(drone_route(LAT[0], LON[0], LAT[1], LON[1]), 0.0, dt_s=10.0)
    _, _, h = ecef_to_lla(f.pos_ecef_m)
    assert h.max() <= 500.0 + 1e-6
    np.testing.assert_allclose(_speeds(f), 45.0, rtol=0.01)


def test_swarm_offsets_are_centred_rows_behind_each_other() -> None:
    lateral, along = swarm_offsets(7, 150.0, 400.0, columns=3)
    assert lateral.tolist() == [-150.0, 0.0, 150.0, -150.0, 0.0, 150.0, 0.0]
    assert along.tolist() == [0.0, 0.0, 0.0, -400.0, -400.0, -400.0, -800.0]
    lat1, along1 = swarm_offsets(4, 100.0)
    assert lat1.tolist() == [-150.0, -50.0, 50.0, 150.0] and not along1.any()


def test_swarm_flies_parallel_routes_at_the_given_spacing() -> None:
    r = drone_route(LAT[0], LON[0], LAT[1], LON[1])
    flights = fly_swarm(r, 3, 0.0, 5.0, lateral_spacing_m=500.0)
    mid = [f.pos_ecef_m[f.t_s.size // 2] for f in flights]
    assert np.linalg.norm(mid[1] - mid[0]) == pytest.approx(500.0, abs=5.0)
    assert np.linalg.norm(mid[2] - mid[1]) == pytest.approx(500.0, abs=5.0)
    moved = offset_route(r, 0.0)
    np.testing.assert_allclose(moved.lat_rad, r.lat_rad, atol=1e-12)


def test_racetrack_orbit_turns_at_constant_rate_and_constant_speed() -> None:
    speed, leg = 250.0, 60e3
    f = racetrack_orbit(
        np.radians(42.5), np.radians(24.0), 9000.0, speed, leg, np.radians(45.0), 0.0, 3000.0
    )
    s = _speeds(f)
    np.testing.assert_allclose(s, speed, rtol=0.01)
    _, _, h = ecef_to_lla(f.pos_ecef_m)
    np.testing.assert_allclose(h, 9000.0, atol=1e-3)
    radius = speed**2 / (9.80665 * np.tan(np.radians(30.0)))
    period = (2 * leg + 2 * np.pi * radius) / speed
    k = round(period)
    assert np.linalg.norm(f.pos_ecef_m[k] - f.pos_ecef_m[0]) < speed * 1.0
    acc = np.linalg.norm(np.diff(f.vel_ecef_m_s, axis=0), axis=1)  # per 1 s sample
    a_turn = speed**2 / radius
    turning = np.abs(acc - a_turn) < 0.02 * a_turn
    straight = acc < 0.05  # the Earth's curvature only
    # every sample is either in a turn or on a leg, but for one at each leg/turn junction
    junctions = 4 * int(np.ceil(3000.0 / period))
    assert np.sum(~(turning | straight)) <= junctions
    assert turning.sum() == pytest.approx(
        acc.size * np.pi * radius / (leg + np.pi * radius), rel=0.05
    )
    lat0, lon0, _ = ecef_to_lla(f.pos_ecef_m[0])
    vel_enu = ecef_vector_to_enu(f.vel_ecef_m_s[0], lat0, lon0)
    assert np.degrees(np.arctan2(vel_enu[0], vel_enu[1])) == pytest.approx(45.0, abs=0.5)
