"""False alarms, cooperative replies and plot covariances.

References: Bar-Shalom, Li and Kirubarajan, *Estimation with Applications to Tracking and
Navigation* (2001) §8.2 (Poisson false alarms uniform over the surveillance region); Lerro and
Bar-Shalom, IEEE TAES 29(3), 1993 (converted-measurement covariance); Stevens, *Secondary
Surveillance Radar* (1988) ch. 8 (reply reliability).
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import pytest
from scipy import stats

from iamd.geo.geodesic import geodesic_forward
from iamd.geo.wgs84 import ecef_to_lla, lla_to_ecef
from iamd.rng import stream
from iamd.scenario.loader import load_scenario
from iamd.sense.clutter import (
    DEFAULT_FALSE_ALARMS_PER_S,
    MIN_RANGE_M,
    false_alarms,
    false_alarms_per_scan,
)
from iamd.sense.cooperative import cooperative_replies
from iamd.sense.radar import (
    INSTRUMENTED_RANGE_FACTOR,
    SensorArray,
    approx_height_m,
    detect,
    make_sensor_array,
    scanning,
)
from iamd.sense.scan import scan, sensor_streams
from iamd.sense.signature import CALIBRATION_SIGMA_DB, rcs_measurements
from iamd.sim.setup import build_sensors
from iamd.track.filters import radar_plot_covariance_ecef

RADAR: dict[str, Any] = {
    "nation": "ROU",
    "type_": "test",
    "lat_deg": 44.2,
    "lon_deg": 28.6,
    "site_alt_m": 0.0,
    "antenna_height_m": 10.0,
    "detection_range_km": 200.0,
    "rcs_ref_m2": 1.0,
    "pd_ref": 0.9,
    "min_elevation_deg": 0.0,
    "max_elevation_deg": 60.0,
    "max_altitude_km": 20.0,
    "scan_period_s": 1.0,
    "sigma_range_m": 20.0,
    "sigma_azimuth_mrad": 2.0,
    "sigma_elevation_mrad": 3.0,
    "sector_center_deg": 90.0,
    "sector_width_deg": 120.0,
}


def radars(ids: tuple[str, ...] = ("r0",), **overrides: Any) -> SensorArray:
    fields = {k: [v] * len(ids) for k, v in RADAR.items()}
    for k, v in overrides.items():
        fields[k] = list(v) if isinstance(v, list | tuple) else [v] * len(ids)
    return make_sensor_array(ids=list(ids), **fields)


def targets(ground_m: np.ndarray, alt_m: float, az_deg: float = 90.0) -> np.ndarray:
    lat, lon, _ = geodesic_forward(
        np.radians(RADAR["lat_deg"]), np.radians(RADAR["lon_deg"]), np.radians(az_deg), ground_m
    )
    return lla_to_ecef(lat, lon, alt_m).reshape(-1, 3)


# --- false alarms ----------------------------------------------------------------------------


@pytest.mark.parametrize("ceiling_km", [1000.0, 20.0])
def test_false_alarm_count_per_scan_is_poisson(ceiling_km: float) -> None:
    radar = radars(max_altitude_km=ceiling_km)
    gens = [stream(4, "clutter", "r0")]
    counts = np.array(
        [len(false_alarms(radar, np.array([1]), float(k), np.array([5.0]), gens))
         for k in range(2000)]
    )  # fmt: skip
    mean = float(np.mean(counts))
    if ceiling_km == 1000.0:  # nothing above the ceiling: the mean is the rate
        assert mean == pytest.approx(5.0, abs=4.0 * math.sqrt(5.0 / 2000))
    else:  # the ceiling thins the draws (most of the high-elevation volume is above 20 km)
        assert 0.5 < mean < 4.0
    # Poisson, thinned or not: the variance equals the mean (dispersion test)
    dispersion = float(np.var(counts, ddof=1)) / mean
    assert abs(dispersion - 1.0) < 4.0 * math.sqrt(2.0 / 2000)


def test_false_alarms_lie_in_the_radar_coverage_and_follow_no_object() -> None:
    radar = radars()
    gens = [stream(5, "clutter", "r0")]
    fa = false_alarms(radar, np.array([3]), 7.0, np.array([200.0]), gens)
    assert len(fa) > 100
    assert np.all(fa.entity == -1) and np.all(fa.t_s == 7.0)
    assert not fa.squawk.any() and not fa.iff.any()
    assert np.all(fa.range_m >= MIN_RANGE_M)
    assert np.all(fa.range_m <= INSTRUMENTED_RANGE_FACTOR * 200e3)
    az_deg = np.degrees(fa.az_rad)
    assert np.all((az_deg >= 30.0 - 1e-9) & (az_deg <= 150.0 + 1e-9))  # the 120° sector
    assert np.all((fa.el_rad >= 0.0) & (fa.el_rad <= np.radians(60.0)))
    _, _, alt = ecef_to_lla(fa.pos_ecef_m)
    assert np.all(alt <= 20e3 + 5.0)  # the ceiling
    # uniform in range (resolution cells), before the ceiling thins the far, high ones
    low = fa.el_rad < np.radians(1.0)
    assert (
        stats.kstest((fa.range_m[low] - MIN_RANGE_M) / (240e3 - MIN_RANGE_M), "uniform").pvalue
        > 1e-3
    )


def test_radar_not_scanning_reports_no_false_alarm() -> None:
    radar = radars(("a", "b"))
    gens = [stream(1, "clutter", "a"), stream(1, "clutter", "b")]
    fa = false_alarms(radar, np.array([0, 2]), 0.0, np.array([30.0, 30.0]), gens)
    assert set(fa.sensor.tolist()) == {1}


def test_default_rate_is_per_second_of_radar_time() -> None:
    sensors = build_sensors(load_scenario("balkans"))
    per_scan = false_alarms_per_scan(sensors)
    np.testing.assert_allclose(per_scan, DEFAULT_FALSE_ALARMS_PER_S * sensors.scan_period_s)
    assert DEFAULT_FALSE_ALARMS_PER_S == 0.1


def test_one_radars_false_alarms_do_not_depend_on_another_radar() -> None:
    one = radars(("a",))
    two = radars(("a", "b"))
    fa1 = false_alarms(one, np.array([1]), 0.0, np.array([10.0]), [stream(3, "clutter", "a")])
    fa2 = false_alarms(
        two,
        np.array([1, 1]),
        0.0,
        np.array([10.0, 10.0]),
        [stream(3, "clutter", "a"), stream(3, "clutter", "b")],
    )
    np.testing.assert_array_equal(fa1.pos_ecef_m, fa2.pos_ecef_m[fa2.sensor == 0])


# --- cooperative replies ---------------------------------------------------------------------


def test_replies_come_from_equipped_objects_with_the_dropout_rate() -> None:
    radar = radars()
    n = 600
    pos = targets(np.full(n, 60e3), 9_000.0)
    transponder = np.arange(n) % 3 == 0  # civil
    iff = np.arange(n) % 3 == 1  # allied military
    gens_d = [stream(2, "sense", "r0")]
    gens_c = [stream(2, "cooperative", "r0")]
    squawk_hits = iff_hits = squawk_total = iff_total = 0
    for k in range(10):
        plots = detect(radar, pos, np.ones(n, dtype=bool), np.full(n, 10.0), k, 1.0, gens_d)
        plots = cooperative_replies(
            plots, scanning(radar, float(k), 1.0), transponder, iff, 0.05, gens_c
        )
        assert not plots.squawk[~transponder[plots.entity]].any()
        assert not plots.iff[~iff[plots.entity]].any()
        squawk_hits += int(plots.squawk.sum())
        iff_hits += int(plots.iff.sum())
        squawk_total += int(transponder[plots.entity].sum())
        iff_total += int(iff[plots.entity].sum())
    for hits, total in ((squawk_hits, squawk_total), (iff_hits, iff_total)):
        assert total > 1500
        p = 1.0 - hits / total
        assert abs(p - 0.05) < 4.0 * math.sqrt(0.05 * 0.95 / total)


def test_threats_never_reply_in_a_run() -> None:
    loaded = load_scenario("balkans")
    sensors = build_sensors(loaded)
    from iamd.world.truth import build_truth

    truth = build_truth(loaded, 1)
    hostile = np.isin(truth.cls, ["drone", "cruise_missile", "ballistic_missile"])
    streams = sensor_streams(1, sensors.ids)
    seen_squawk = seen_iff = 0
    for k in range(0, 900, 3):
        t = float(truth.t_grid_s[k])
        plots = scan(
            sensors,
            truth.pos_ecef_m[:, k],
            truth.present[:, k],
            truth.rcs_m2,
            t,
            2.0,
            streams,
            has_transponder=truth.has_transponder & ~hostile,
            has_iff=truth.has_iff & ~hostile,
            false_alarms_per_scan=false_alarms_per_scan(sensors),
            dropout=0.03,
        )
        real = plots.entity >= 0
        assert not (plots.squawk | plots.iff)[~real].any()  # false alarms never reply
        ent = plots.entity[real]
        assert not (plots.squawk[real] | plots.iff[real])[hostile[ent]].any()
        seen_squawk += int((plots.squawk[real] & (truth.cls[ent] == "airliner")).sum())
        seen_iff += int((plots.iff[real] & (truth.cls[ent] == "fighter")).sum())
    assert seen_squawk > 100 and seen_iff > 20


# --- covariance ------------------------------------------------------------------------------


def test_plot_covariance_agrees_with_the_trackers_converted_measurement_kernel() -> None:
    radar = radars(("a", "b"), lat_deg=[44.2, 41.0], lon_deg=[28.6, 25.0])
    pos = targets(np.array([20e3, 90e3, 150e3]), 5_000.0)
    plots = detect(radar, pos, np.ones(3, dtype=bool), np.full(3, 5.0), 0.0, 1.0,
                   [stream(1, "sense", "a"), stream(1, "sense", "b")])  # fmt: skip
    assert len(plots) >= 3
    np.testing.assert_allclose(
        plots.cov_ecef_m2, radar_plot_covariance_ecef(plots, radar), rtol=1e-9, atol=1e-9
    )
    eig = np.linalg.eigvalsh(plots.cov_ecef_m2)
    assert np.all(eig > 0)
    # the largest axis is cross-range: r σ_el at these ranges (σ_el = 3 mrad)
    np.testing.assert_allclose(np.sqrt(eig[:, -1]), plots.range_m * 3e-3 * np.cos(0.0), rtol=0.05)


def test_plot_noise_is_consistent_with_its_covariance() -> None:
    # NEES of the plots' position errors against their covariance: χ²₃ on average (mean 3).
    radar = radars()
    n = 400
    pos = targets(np.full(n, 80e3), 3_000.0)
    errs = []
    for k in range(5):
        p = detect(radar, pos, np.ones(n, dtype=bool), np.full(n, 10.0), float(k), 1.0,
                   [stream(k, "sense", "r0")])  # fmt: skip
        d = p.pos_ecef_m - pos[p.entity]
        errs.append(np.einsum("pi,pij,pj->p", d, np.linalg.inv(p.cov_ecef_m2), d))
    nees = np.concatenate(errs)
    assert len(nees) > 1500
    assert float(np.mean(nees)) == pytest.approx(3.0, abs=4.0 * math.sqrt(6.0 / len(nees)))


def test_approx_height_agrees_with_geodetic_height() -> None:
    lat = np.radians(np.linspace(-80, 80, 9))
    for h in (0.0, 50.0, 20_000.0, 300_000.0):
        p = lla_to_ecef(lat, 0.3, h)
        np.testing.assert_allclose(approx_height_m(p), h, atol=2.0)


# --- signature: RCS measured on the plots, altitude reported by the transponder -----------------


def test_single_look_rcs_is_swerling_1_exponential_with_the_calibration_spread() -> None:
    """Swerling (1960) case 1: the echo power of one look is exponential about its mean, so
    P(estimate < σ/10) = 1 − exp(−0.1) ≈ 0.095 without calibration error; with a log-normal
    calibration error the median of log(estimate/σ) is ln(ln 2) (the exponential's median)."""
    radar = radars()
    n = 4000
    pos = targets(np.full(n, 50e3), 3_000.0)
    rcs = np.full(n, 5.0)
    plots = detect(radar, pos, np.ones(n, dtype=bool), rcs, 0.0, 1.0, [stream(3, "sense", "r0")])
    plots = rcs_measurements(plots, np.array([1]), rcs, [stream(3, "signature", "r0")])
    assert len(plots) > 3500
    ratio = plots.rcs_m2 / 5.0
    cal = 10.0 ** (CALIBRATION_SIGMA_DB * stats.norm.rvs(size=200_000, random_state=1) / 10.0)
    ref = stats.expon.rvs(size=200_000, random_state=2) * cal  # the model, by Monte Carlo
    res = stats.ks_2samp(ratio, ref)
    assert res.pvalue > 1e-3
    low = float(np.mean(ratio < 0.1))
    assert abs(low - float(np.mean(ref < 0.1))) < 4.0 * math.sqrt(0.1 * 0.9 / len(ratio))


def test_false_alarm_rcs_is_noise_over_the_threshold_read_through_the_radar_equation() -> None:
    """Square-law detection: noise power over the threshold T = −ln(Pfa) is T + Exp(1); at
    the reference range the apparent RCS is σ_ref (T + x) / SNR_ref, growing as R⁴."""
    radar = radars()
    fa = false_alarms(radar, np.array([1]), 0.0, np.array([400.0]), [stream(5, "clutter", "r0")])
    assert len(fa) > 100
    expected_min = radar.rcs_ref_m2[0] * -math.log(1e-6) / radar.snr_ref[0]
    scaled = fa.rcs_m2 / (fa.range_m / radar.range_ref_m[0]) ** 4
    assert (scaled >= expected_min * (1 - 1e-12)).all()
    assert float(np.mean(scaled)) == pytest.approx(
        radar.rcs_ref_m2[0] * (-math.log(1e-6) + 1.0) / radar.snr_ref[0], rel=0.02
    )


def test_transponder_reports_altitude_in_25_ft_steps_only_with_a_reply() -> None:
    """ICAO Annex 10 vol. IV: Mode S / ADS-B altitude in 25 ft increments."""
    radar = radars()
    n = 300
    pos = targets(np.full(n, 60e3), 9_123.0)
    transponder = np.arange(n) % 2 == 0
    plots = detect(radar, pos, np.ones(n, dtype=bool), np.full(n, 10.0), 0.0, 1.0,
                   [stream(2, "sense", "r0")])  # fmt: skip
    plots = cooperative_replies(
        plots, np.array([1]), transponder, np.zeros(n, dtype=bool), 0.05,
        [stream(2, "cooperative", "r0")], alt_m=np.full(n, 9_123.0),
    )  # fmt: skip
    rep = plots.reported_alt_m
    assert np.isnan(rep[~plots.squawk]).all()
    step = 25.0 * 0.3048
    assert np.allclose(rep[plots.squawk], round(9_123.0 / step) * step)
    assert abs(rep[plots.squawk][0] - 9_123.0) <= step / 2
