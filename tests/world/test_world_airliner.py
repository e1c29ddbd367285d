"""Synthetic airliner flights and replays of recorded ADS-B tracks."""

from pathlib import Path

import numpy as np
import pyproj
import pytest

from iamd.errors import InputError
from iamd.geo.wgs84 import ecef_to_lla, ecef_vector_to_enu
from iamd.world import fly_airliner, replay_track

GEOD = pyproj.Geod(ellps="WGS84")
FLIGHTS = Path(__file__).resolve().parents[2].parent / "shared" / "data" / "flights"
SOFIA = np.radians(42.695), np.radians(23.406)
BUCHAREST = np.radians(44.571), np.radians(26.085)
ISTANBUL = np.radians(41.275), np.radians(28.752)
ATHENS = np.radians(37.936), np.radians(23.947)


def test_airliner_climbs_to_cruise_and_lands_at_the_arrival_airport() -> None:
    f = fly_airliner(*SOFIA, *ISTANBUL, 600.0, 11_000.0, 240.0, 1.0)
    lat, lon, h = ecef_to_lla(f.pos_ecef_m)
    assert f.t_s[0] == 600.0
    assert h.max() == pytest.approx(11_000.0, abs=1e-6)
    _, _, d_dep = GEOD.inv(SOFIA[1], SOFIA[0], lon[0], lat[0], radians=True)
    _, _, d_arr = GEOD.inv(ISTANBUL[1], ISTANBUL[0], lon[-1], lat[-1], radians=True)
    assert d_dep < 1.0 and d_arr < 1000.0 and abs(h[-1]) < 1.0
    vel_enu = ecef_vector_to_enu(f.vel_ecef_m_s, lat, lon)
    horiz = np.hypot(vel_enu[:, 0], vel_enu[:, 1])
    cruise = np.isclose(h, 11_000.0, rtol=0.0, atol=1e-6)
    np.testing.assert_allclose(horiz[cruise], 240.0, rtol=0.01)
    climb = (h > 100.0) & (h < 10_000.0) & (np.arange(h.size) < h.size // 2)
    np.testing.assert_allclose(vel_enu[climb, 2], 10.0, rtol=1e-6)
    descent = (h > 100.0) & (h < 10_000.0) & (np.arange(h.size) > h.size // 2)
    angle = np.degrees(np.arctan2(-vel_enu[descent, 2], horiz[descent]))
    np.testing.assert_allclose(angle, 3.0, atol=0.05)


def test_airliner_flight_time_is_consistent_with_distance_and_speed() -> None:
    _, _, dist = GEOD.inv(SOFIA[1], SOFIA[0], ATHENS[1], ATHENS[0], radians=True)
    f = fly_airliner(*SOFIA, *ATHENS, 0.0, 10_000.0, 230.0, 1.0)
    duration = f.t_end_s - f.t_start_s
    # slower in climb (80 -> 230 m/s) and descent (230 -> 70 m/s): adds minutes, not hours
    assert dist / 230.0 < duration < dist / 230.0 + 20 * 60.0
    chord = np.diff(f.pos_ecef_m, axis=0) / np.diff(f.t_s)[:, None]
    mean_v = 0.5 * (f.vel_ecef_m_s[1:] + f.vel_ecef_m_s[:-1])
    err = np.linalg.norm(chord - mean_v, axis=1)
    assert np.sort(err)[-3] < 1e-3  # exact derivatives, but at the two phase changes


def test_short_hop_lowers_the_top_of_climb() -> None:
    near = np.radians(42.9), np.radians(24.5)  # ~95 km from Sofia
    f = fly_airliner(*SOFIA, *near, 0.0, 11_000.0, 240.0, 5.0)
    _, _, h = ecef_to_lla(f.pos_ecef_m)
    assert 1_000.0 < h.max() < 11_000.0
    assert abs(h[-1]) < 1.0


def test_replay_of_a_recorded_flight_matches_its_ground_speeds() -> None:
    pd = pytest.importorskip("pandas")
    points = FLIGHTS / "quickstart_points.csv.gz"
    if not points.exists():
        pytest.skip(f"{FLIGHTS} is absent")
    df = pd.read_csv(points)
    d = df[df.flight_id == "collections.quickstart.0003"]
    f = replay_track(
        d.t_unix_s.to_numpy(float),
        np.radians(d.lat_deg.to_numpy(float)),
        np.radians(d.lon_deg.to_numpy(float)),
        d.alt_m.to_numpy(float),
    )
    assert f.t_s.size == len(d) and np.all(np.diff(f.t_s) > 0.0)
    lat, lon, _ = ecef_to_lla(f.pos_ecef_m)
    vel_enu = ecef_vector_to_enu(f.vel_ecef_m_s, lat, lon)
    gs = np.hypot(vel_enu[:, 0], vel_enu[:, 1])
    recorded = d.gs_mps.to_numpy(float)
    ok = np.isfinite(recorded)
    assert ok.sum() > 500
    assert np.mean(np.abs(gs[ok] - recorded[ok])) < 5.0
    assert abs(np.mean(gs[ok] - recorded[ok])) < 1.0


def test_replay_drops_bad_rows_sorts_and_fills_missing_heights() -> None:
    t = np.array([2.0, 0.0, 1.0, 1.0, np.nan, 3.0])
    lat = np.radians([45.0, 45.0, 45.0, 45.0, 45.0, np.nan])
    lon = np.radians([10.002, 10.0, 10.001, 10.5, 10.0, 10.0])
    alt = np.array([1000.0, 1000.0, np.nan, 0.0, 0.0, 0.0])
    f = replay_track(t, lat, lon, alt, window_s=0.0)
    assert f.t_s.tolist() == [0.0, 1.0, 2.0]
    _, lon_f, h = ecef_to_lla(f.pos_ecef_m)
    np.testing.assert_allclose(np.degrees(lon_f), [10.0, 10.001, 10.002])
    np.testing.assert_allclose(h, 1000.0, atol=1e-6)
    speed = np.linalg.norm(f.vel_ecef_m_s, axis=1)
    np.testing.assert_allclose(speed, speed[0], rtol=1e-6)


def test_replay_rejects_a_track_without_two_reports() -> None:
    with pytest.raises(InputError, match=r"at least 2 reports .* \(got 1\)"):
        replay_track([0.0, np.nan], [0.7, 0.7], [0.1, 0.1], [100.0, 100.0])
    with pytest.raises(InputError, match="no report with a height"):
        replay_track([0.0, 1.0], [0.7, 0.7], [0.1, 0.1], [np.nan, np.nan])
