"""The first radar model against Richards (Swerling I), the 4/3-Earth horizon and statistics.

References: M. A. Richards, *Fundamentals of Radar Signal Processing*, 2nd ed., §6.3 (square-law
detection of Swerling I targets, ``Pd = Pfa^(1/(1+SNR))``); Skolnik, *Introduction to Radar
Systems*, 3rd ed., §2.1 (SNR ∝ σ/R⁴) and §8.2 with FS-1037C (radar line of sight,
``d ≈ 4.12 (√h1 + √h2)`` km with heights in metres).
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy import integrate, stats

from iamd.geo.geodesic import geodesic_forward
from iamd.geo.horizon import radar_horizon_range_m
from iamd.geo.wgs84 import lla_to_ecef
from iamd.rng import stream
from iamd.scenario.loader import load_scenario
from iamd.sense.radar import (
    INSTRUMENTED_RANGE_FACTOR,
    PFA,
    SensorArray,
    detect,
    detection_probability,
    make_sensor_array,
    pd_swerling1,
    scanning,
    snr_for_pd,
    visibility,
)
from iamd.sim.setup import build_sensors

SITE_LAT_DEG, SITE_LON_DEG = 43.2, 28.6  # on the Black Sea coast east of Varna


BASE_RADAR: dict[str, Any] = {
    "nation": "BGR",
    "type_": "test",
    "lat_deg": SITE_LAT_DEG,
    "lon_deg": SITE_LON_DEG,
    "site_alt_m": 0.0,
    "antenna_height_m": 10.0,
    "detection_range_km": 150.0,
    "rcs_ref_m2": 1.0,
    "pd_ref": 0.9,
    "min_elevation_deg": -2.0,
    "max_elevation_deg": 85.0,
    "max_altitude_km": 100.0,
    "scan_period_s": 1.0,
    "sigma_range_m": 10.0,
    "sigma_azimuth_mrad": 1.0,
    "sigma_elevation_mrad": 1.0,
    "sector_center_deg": 0.0,
    "sector_width_deg": 360.0,
}
"""MPQ-65-like figures on a 10 m mast at sea level; the elevation floor is below the horizon
dip so that the 4/3-Earth horizon alone decides low-level visibility unless a test says so."""


def make_radar(*, ids: tuple[str, ...] = ("test_radar",), **overrides: Any) -> SensorArray:
    """Radars with :data:`BASE_RADAR` figures; an override is a scalar or one value per radar."""
    n = len(ids)
    fields = {k: [v] * n for k, v in BASE_RADAR.items()}
    for k, v in overrides.items():
        fields[k] = list(v) if isinstance(v, list | tuple | np.ndarray) else [v] * n
    return make_sensor_array(ids=list(ids), **fields)


def targets_at(
    ground_m: np.ndarray | list[float],
    alt_m: float | np.ndarray,
    az_deg: float | np.ndarray = 90.0,
    *,
    lat_deg: float = SITE_LAT_DEG,
    lon_deg: float = SITE_LON_DEG,
) -> np.ndarray:
    """(N, 3) ECEF positions at geodesic distances and azimuths from a site."""
    ground = np.atleast_1d(np.asarray(ground_m, dtype=float))
    lat, lon, _ = geodesic_forward(
        np.radians(lat_deg), np.radians(lon_deg), np.radians(az_deg), ground
    )
    return lla_to_ecef(lat, lon, alt_m).reshape(-1, 3)


# --- detection probability -------------------------------------------------------------------


def _swerling1_by_integration(snr: float, pfa: float) -> float:
    """Swerling I Pd from first principles, independently of the closed form.

    Square-law detector, one pulse: with noise alone the normalised statistic is χ²(2), so the
    threshold is ``2 ln(1/Pfa)``; with a steady target of SNR ``x`` it is non-central χ²(2, 2x)
    (Marcum Q). A Swerling I RCS is exponentially distributed scan to scan, so Pd is the
    average of the steady-target Pd over ``x ~ SNR · Exp(1)``.
    """
    threshold = 2.0 * math.log(1.0 / pfa)

    def integrand(u: float) -> float:
        return float(stats.ncx2.sf(threshold, 2, 2.0 * snr * u)) * math.exp(-u)

    value, _ = integrate.quad(integrand, 0.0, 60.0, limit=400, epsabs=1e-12)
    return value


@pytest.mark.parametrize("snr_db", [0.0, 6.0, 10.0, 13.0, 16.0, 20.0, 25.0, 30.0])
def test_pd_swerling1_matches_closed_form(snr_db: float) -> None:
    snr = 10.0 ** (snr_db / 10.0)
    richards = PFA ** (1.0 / (1.0 + snr))
    assert float(pd_swerling1(np.array(snr))) == pytest.approx(richards, abs=1e-12)
    assert float(pd_swerling1(np.array(snr))) == pytest.approx(
        _swerling1_by_integration(snr, PFA), abs=1e-6
    )


def test_pd_swerling1_known_values() -> None:
    # Richards' worked figure: Pd = 0.9 at Pfa = 1e-6 needs SNR = ln(1e-6)/ln(0.9) - 1 ≈ 21.1 dB.
    snr = float(snr_for_pd(0.9))
    assert 10.0 * math.log10(snr) == pytest.approx(21.14, abs=0.01)
    assert float(pd_swerling1(np.array(0.0))) == pytest.approx(PFA, rel=1e-12)
    assert float(pd_swerling1(np.array(-3.0))) == pytest.approx(PFA, rel=1e-12)  # clamped


def test_pd_at_catalog_reference_range_equals_pd_ref() -> None:
    loaded = load_scenario("balkans")
    sensors = build_sensors(loaded)
    cat = loaded.catalog
    rng = np.broadcast_to(sensors.range_ref_m[:, None], (len(sensors), len(sensors)))
    pd = detection_probability(sensors, np.array(rng), sensors.rcs_ref_m2)
    expected = np.array([cat.sensors[t].pd_ref for t in sensors.type])
    np.testing.assert_allclose(np.diag(pd), expected, atol=1e-12)


def test_pd_scales_with_r4_and_rcs() -> None:
    # Skolnik: SNR ∝ σ / R⁴, so doubling the range and multiplying σ by 16 leaves Pd unchanged.
    radar = make_radar()
    pd_ref = detection_probability(radar, np.array([[150e3]]), np.array([1.0]))
    pd_far = detection_probability(radar, np.array([[300e3]]), np.array([16.0]))
    assert float(pd_far[0, 0]) == pytest.approx(float(pd_ref[0, 0]), abs=1e-12)
    assert float(pd_ref[0, 0]) == pytest.approx(0.9, abs=1e-12)


@settings(max_examples=200, deadline=None)
@given(
    r1_km=st.floats(1.0, 2_000.0),
    r2_km=st.floats(1.0, 2_000.0),
    rcs1=st.floats(1e-3, 1e3),
    rcs2=st.floats(1e-3, 1e3),
)
def test_pd_monotone_in_range_and_rcs(r1_km: float, r2_km: float, rcs1: float, rcs2: float) -> None:
    radar = make_radar()
    near, far = sorted((r1_km * 1e3, r2_km * 1e3))
    small, large = sorted((rcs1, rcs2))
    pd = detection_probability(radar, np.array([[near, far]]), np.array([small, small]))[0]
    assert pd[0] >= pd[1]
    pd = detection_probability(radar, np.array([[near, near]]), np.array([small, large]))[0]
    assert pd[0] <= pd[1]
    assert np.all((pd >= PFA) & (pd <= 1.0))


def test_pd_strictly_decreasing_over_the_useful_span() -> None:
    radar = make_radar()
    ranges = np.linspace(50e3, 400e3, 50)
    pd = detection_probability(radar, ranges[None, :], np.ones(50))[0]
    assert np.all(np.diff(pd) < 0.0)


def test_detection_frequency_matches_pd_at_reference_range() -> None:
    radar = make_radar(pd_ref=0.5, scan_period_s=1.0)
    pos = np.repeat(targets_at([150e3], 10_000.0), 200, axis=0)  # 200 targets, same place
    _, _, _, rng = visibility(radar, pos)
    pd = float(detection_probability(radar, rng, np.ones(200))[0, 0])
    assert pd == pytest.approx(0.5, abs=0.01)
    gens = [stream(11, "sense", "test_radar")]
    present, rcs = np.ones(200, dtype=bool), np.ones(200)
    n = 200 * 20
    hits = sum(len(detect(radar, pos, present, rcs, float(k), 1.0, gens)) for k in range(20))
    sigma = math.sqrt(n * pd * (1.0 - pd))
    assert abs(hits - n * pd) <= 4.0 * sigma


# --- visibility ------------------------------------------------------------------------------


def test_low_target_detected_late_by_4_3_earth_horizon() -> None:
    # FS-1037C / Skolnik §8.2: a 50 m sea-skimmer against a 10 m antenna is first visible at
    # 4.12 (√10 + √50) km ≈ 42.2 km. The elevation floor is set below the horizon dip here so
    # that only the horizon decides (see the xfail test below for a 0° floor).
    radar = make_radar(min_elevation_deg=-1.0)
    horizon_m = 4.12e3 * (math.sqrt(10.0) + math.sqrt(50.0))
    assert float(radar_horizon_range_m(10.0, 50.0)) == pytest.approx(horizon_m, abs=100.0)
    inside = np.array([5e3, 20e3, 35e3, 41e3, horizon_m - 500.0])
    outside = np.array([horizon_m + 500.0, 45e3, 60e3, 120e3])
    vis, _, _, _ = visibility(radar, targets_at(np.r_[inside, outside], 50.0))
    assert vis[0, : len(inside)].all(), vis
    assert not vis[0, len(inside) :].any(), vis


def test_high_target_seen_far_beyond_the_low_target_horizon() -> None:
    radar = make_radar(min_elevation_deg=-1.0)
    horizon_m = float(radar_horizon_range_m(10.0, 10_000.0))  # ≈ 425 km
    vis, _, _, _ = visibility(radar, targets_at([100e3, 170e3, horizon_m + 2e3], 10_000.0))
    # 170 km is inside the horizon and inside the instrumented range 1.2 × 150 km = 180 km.
    assert vis[0].tolist() == [True, True, False]


def test_zero_degree_elevation_floor_does_not_hide_targets_above_the_radar_horizon() -> None:
    radar = make_radar(min_elevation_deg=0.0)  # every catalog radar has min_elevation_deg 0
    vis, _, el, _ = visibility(radar, targets_at([30e3, 41e3], 50.0))
    assert np.all(el[0] < 0.0)  # below the local horizontal, yet above the 4/3-Earth horizon
    assert vis[0].all(), vis


def test_builtin_varna_radar_sees_a_sea_skimmer_inside_its_horizon() -> None:
    sensors = build_sensors(load_scenario("balkans"))
    i = sensors.ids.index("bg_iris_t_varna_radar")
    lat, lon = np.degrees(sensors.lat_rad[i]), np.degrees(sensors.lon_rad[i])
    horizon_km = float(radar_horizon_range_m(sensors.alt_m[i], 50.0)) / 1e3
    assert horizon_km == pytest.approx(80.6, abs=1.0)
    pos = targets_at([40e3, 60e3, 75e3], 50.0, lat_deg=lat, lon_deg=lon)
    vis, _, _, _ = visibility(sensors, pos)
    assert vis[i].all(), vis[i]


def test_sector_masks_targets_outside_the_arc() -> None:
    # Sector centred on 90°, 120° wide: 30°..150° visible.
    radar = make_radar(sector_center_deg=90.0, sector_width_deg=120.0)
    az = np.array([90.0, 35.0, 145.0, 25.0, 155.0, 270.0, 0.0])
    vis, got_az, _, _ = visibility(radar, targets_at(np.full(7, 50e3), 5_000.0, az))
    assert vis[0].tolist() == [True, True, True, False, False, False, False]
    np.testing.assert_allclose(np.degrees(got_az[0]), az % 360.0, atol=0.5)


def test_sector_across_north_wraps_around() -> None:
    radar = make_radar(sector_center_deg=0.0, sector_width_deg=90.0)
    az = np.array([350.0, 10.0, 44.0, 316.0, 46.0, 314.0, 180.0])
    vis, _, _, _ = visibility(radar, targets_at(np.full(7, 50e3), 5_000.0, az))
    assert vis[0].tolist() == [True, True, True, True, False, False, False]


def test_max_altitude_masks_targets_above_the_ceiling() -> None:
    # GM400-like: 30 km ceiling, 20° elevation limit; targets at 200 km are at < 10° elevation.
    radar = make_radar(max_altitude_km=30.0, max_elevation_deg=20.0, detection_range_km=500.0)
    vis, _, el, _ = visibility(radar, targets_at(np.full(3, 200e3), [25e3, 29e3, 35e3]))
    assert np.all(np.degrees(el[0]) < 20.0)
    assert vis[0].tolist() == [True, True, False]


def test_max_elevation_masks_targets_overhead() -> None:
    radar = make_radar(max_elevation_deg=20.0)
    # 10 km altitude at 20 km ground range is ~26° up; at 40 km, ~14°.
    vis, _, el, _ = visibility(radar, targets_at([20e3, 40e3], 10_000.0))
    assert np.degrees(el[0, 0]) > 20.0 > np.degrees(el[0, 1])
    assert vis[0].tolist() == [False, True]


def test_instrumented_range_is_1_2_times_the_reference_range() -> None:
    radar = make_radar(detection_range_km=100.0)
    limit = INSTRUMENTED_RANGE_FACTOR * 100e3
    assert limit == 120e3
    vis, _, _, rng = visibility(radar, targets_at([110e3, 118e3, 125e3], 10_000.0))
    assert rng[0, 1] < limit < rng[0, 2]
    assert vis[0].tolist() == [True, True, False]


# --- scanning --------------------------------------------------------------------------------


@settings(max_examples=100, deadline=None)
@given(
    period_s=st.sampled_from([1.0, 2.0, 5.0, 6.0, 10.0, 12.0]),
    steps_per_period=st.sampled_from([1, 2, 4, 5, 10]),
    t0_s=st.integers(-100, 100),
    n_periods=st.integers(1, 30),
)
def test_each_radar_scans_once_per_scan_period(
    period_s: float, steps_per_period: int, t0_s: int, n_periods: int
) -> None:
    radar = make_radar(ids=("alpha", "bravo", "charlie"), scan_period_s=period_s)
    assert np.all((radar.phase_s >= 0.0) & (radar.phase_s < period_s))
    assert len(set(radar.phase_s.tolist())) == 3  # phases differ between radars
    dt = period_s / steps_per_period
    t = t0_s + dt * np.arange(n_periods * steps_per_period)
    hits = np.array([scanning(radar, float(tk), dt) for tk in t])  # (steps, 3)
    for r in range(3):
        ks = np.flatnonzero(hits[:, r])
        # once per period, every period, exactly one period apart
        assert len(ks) == n_periods
        assert np.all(np.diff(ks) == steps_per_period)
        # and at its own phase: some scan time phase + n·P falls in the first scanning step
        n = np.arange(-200, 200)
        scan_times = radar.phase_s[r] + n * period_s
        assert np.any((scan_times >= t[ks[0]] - 1e-9) & (scan_times <= t[ks[0]] + dt + 1e-9))


def test_scan_phases_are_fixed_by_radar_id() -> None:
    a = make_radar(ids=("gr_patriot_north_radar",))
    b = make_radar(ids=("gr_patriot_north_radar",))
    c = make_radar(ids=("ro_patriot_bucharest_radar",))
    assert a.phase_s[0] == b.phase_s[0]
    assert a.phase_s[0] != c.phase_s[0]


def test_radar_faster_than_the_clock_gets_every_look() -> None:
    radar = make_radar(pd_ref=0.5, scan_period_s=1.0)
    pos = np.repeat(targets_at([150e3], 10_000.0), 400, axis=0)  # 400 targets, same place
    gens = [stream(5, "sense", "test_radar")]
    present, rcs = np.ones(400, dtype=bool), np.ones(400)
    n = 400 * 5
    # one 2 s step holds two 1 s scans: a target is detected in it unless both looks miss
    hits = sum(
        len(np.unique(detect(radar, pos, present, rcs, 2.0 * k, 2.0, gens).entity))
        for k in range(5)
    )
    p_step = 1.0 - (1.0 - 0.5) ** 2
    assert abs(hits - n * p_step) <= 4.0 * math.sqrt(n * p_step * (1.0 - p_step))


# --- measurement noise -----------------------------------------------------------------------


def test_measurement_noise_has_the_catalog_sigmas() -> None:
    radar = make_radar(sigma_range_m=25.0, sigma_azimuth_mrad=2.0, sigma_elevation_mrad=3.0)
    pos = targets_at(np.repeat([30e3, 40e3], 500), 5_000.0, np.repeat([45.0, 200.0], 500))
    _, az, el, rng = visibility(radar, pos)
    gens = [stream(3, "sense", "test_radar")]
    present, rcs = np.ones(1000, dtype=bool), np.full(1000, 5.0)
    d_r, d_az, d_el = [], [], []
    for k in range(6):
        p = detect(radar, pos, present, rcs, float(k), 1.0, gens)
        d_r.append(p.range_m - rng[0, p.entity])
        d_az.append(p.az_rad - az[0, p.entity])
        d_el.append(p.el_rad - el[0, p.entity])
    err_r, err_az, err_el = (np.concatenate(x) for x in (d_r, d_az, d_el))
    assert len(err_r) > 5000  # Pd ≈ 1 this close
    assert float(np.std(err_r)) == pytest.approx(25.0, rel=0.10)
    assert float(np.std(err_az)) == pytest.approx(2.0e-3, rel=0.10)
    assert float(np.std(err_el)) == pytest.approx(3.0e-3, rel=0.10)
    assert abs(float(np.mean(err_r))) < 4.0 * 25.0 / math.sqrt(len(err_r))  # unbiased


def test_plot_positions_agree_with_measured_range_and_angles() -> None:
    radar = make_radar(sigma_range_m=0.0, sigma_azimuth_mrad=0.0, sigma_elevation_mrad=0.0)
    pos = targets_at([30e3, 60e3], [3_000.0, 8_000.0], np.array([10.0, 250.0]))
    gens = [stream(1, "sense", "test_radar")]
    p = detect(radar, pos, np.array([True, True]), np.array([5.0, 5.0]), 0.0, 1.0, gens)
    assert sorted(p.entity.tolist()) == [0, 1]
    # Noise-free plots sit on the true positions (to well under a metre).
    np.testing.assert_allclose(p.pos_ecef_m, pos[p.entity], atol=0.01)
    assert np.all(p.t_s == 0.0)  # stamped with the time of the positions measured


def _plots_to_tuple(p: Any) -> tuple[np.ndarray, ...]:
    return (p.t_s, p.sensor, p.entity, p.range_m, p.az_rad, p.el_rad, p.pos_ecef_m)


def test_same_generators_give_identical_plots() -> None:
    radar = make_radar(pd_ref=0.5)
    pos = targets_at([100e3, 150e3, 180e3], 8_000.0, np.array([10.0, 100.0, 300.0]))
    present = np.ones(3, dtype=bool)
    rcs = np.ones(3)

    def many(seed: int) -> list[tuple[np.ndarray, ...]]:
        gens = [stream(seed, "sense", "test_radar")]
        return [
            _plots_to_tuple(detect(radar, pos, present, rcs, float(k), 1.0, gens))
            for k in range(50)
        ]

    a, b, c = many(9), many(9), many(10)
    for pa, pb in zip(a, b, strict=True):
        for xa, xb in zip(pa, pb, strict=True):
            np.testing.assert_array_equal(xa, xb)
    assert any(
        len(pa[2]) != len(pc[2]) or not np.array_equal(pa[3], pc[3])
        for pa, pc in zip(a, c, strict=True)
    )


def test_one_targets_noise_does_not_depend_on_anothers_presence() -> None:
    radar = make_radar()
    pos = targets_at([30e3, 40e3], 5_000.0, np.array([10.0, 100.0]))
    rcs = np.array([5.0, 5.0])
    both = detect(radar, pos, np.array([True, True]), rcs, 0.0, 1.0, [stream(2, "sense", "r")])
    alone = detect(radar, pos, np.array([False, True]), rcs, 0.0, 1.0, [stream(2, "sense", "r")])
    assert alone.entity.tolist() == [1]
    j = both.entity.tolist().index(1)
    assert both.range_m[j] == alone.range_m[0]
    assert both.az_rad[j] == alone.az_rad[0]


def test_radar_not_scanning_in_the_step_gives_no_plots() -> None:
    radar = make_radar(scan_period_s=10.0)
    pos = targets_at([30e3], 5_000.0)
    gens = [stream(2, "sense", "test_radar")]
    steps = [
        len(detect(radar, pos, np.array([True]), np.array([5.0]), float(t), 1.0, gens))
        for t in range(40)
    ]
    # Pd ≈ 1 at 30 km for a 5 m² target: exactly one plot per 10 s scan.
    assert sum(steps) == 4
    assert sorted(set(steps)) == [0, 1]
