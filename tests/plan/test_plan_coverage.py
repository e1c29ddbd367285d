"""Coverage geometry against the engine's own intercept computation."""

from __future__ import annotations

import numpy as np
import pytest

from iamd.engage.envelope import intercept_options
from iamd.plan.coverage import (
    BALLISTIC,
    approach_rows,
    approach_rows_for_points,
    coverage_matrix,
    sample_rows,
    unit_array,
)
from iamd.scenario.catalog import THREAT_CLASSES, builtin_catalog

CAT = builtin_catalog()
TYPES = ["pac3_mse", "pac2_gemt", "iris_t_slm", "skynex", "s300_pmu1", "laser_100kw", "stinger"]


def _units(n: int, seed: int):
    rng = np.random.default_rng(seed)
    lat = np.radians(rng.uniform(41.0, 43.5, n))
    lon = np.radians(rng.uniform(23.0, 27.5, n))
    types = [TYPES[i % len(TYPES)] for i in range(n)]
    width = np.radians(rng.choice([120.0, 360.0], n))
    center = np.radians(rng.uniform(0.0, 360.0, n))
    return unit_array(
        CAT,
        types,
        lat,
        lon,
        rng.uniform(0.0, 500.0, n),
        sector_center_rad=center,
        sector_width_rad=width,
    )


def _rows(n: int, seed: int):
    rng = np.random.default_rng(seed)
    lat = np.radians(rng.uniform(41.3, 43.3, n))
    lon = np.radians(rng.uniform(23.3, 27.3, n))
    kinds = [
        ("khorramshahr", 38.55, 44.95),
        ("emad", 38.08, 46.29),
        ("kalibr", 43.1, 29.5),
        ("shahed136", 43.2, 29.2),
        ("fighter", 41.0, 29.0),
    ]
    pick = [kinds[i % len(kinds)] for i in range(n)]
    return approach_rows(
        CAT,
        lat,
        lon,
        [p[0] for p in pick],
        np.radians([p[1] for p in pick]),
        np.radians([p[2] for p in pick]),
    )


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_coverage_matches_engine_intercept_options_on_sampled_points(seed: int) -> None:
    units = _units(40, seed)
    rows = _rows(60, seed + 100)
    cov = coverage_matrix(units, rows, chunk_pairs=97).toarray()
    checked = 0
    for c in range(len(THREAT_CLASSES)):
        s = sample_rows(rows, c)
        if len(s.rows) == 0:
            continue
        opts = intercept_options(
            units,
            units.reaction_s,
            s.t_s,
            s.pos_ecef_m,
            s.alt_m,
            s.present,
            np.full(len(s.rows), c, dtype=np.int64),
            np.full(len(s.rows), c == BALLISTIC),
        )
        np.testing.assert_array_equal(cov[s.rows].T, opts.feasible)
        checked += int(opts.feasible.sum())
    assert checked > 20  # the sample exercises covered pairs, not only empty ones
    assert not cov.all()


def test_low_flyer_is_cut_by_the_radar_horizon() -> None:
    """A 50 m cruise missile is engaged well inside a Patriot's 60 km range; a 8 km fighter
    from the same axis is engaged at the full range."""
    units = unit_array(CAT, ["pac3_mse"], np.radians([42.0]), np.radians([25.0]), np.zeros(1))
    dist = np.arange(10.0, 80.0, 2.0)
    # points due east of the unit, threats from further east
    from iamd.geo.geodesic import geodesic_forward

    lat, lon, _ = geodesic_forward(np.radians(42.0), np.radians(25.0), np.pi / 2, dist * 1e3)
    cm = approach_rows_for_points(CAT, lat, lon, [("kalibr", 42.0, 29.0)])
    fi = approach_rows_for_points(CAT, lat, lon, [("fighter", 42.0, 29.0)])
    cov_cm = coverage_matrix(units, cm).toarray()[:, 0]
    cov_fi = coverage_matrix(units, fi).toarray()[:, 0]
    # an asset east of the unit: the threat is engageable while still further east, so the
    # fighter (seen out to 60 km) covers assets up to 60 km; the horizon at 50 m (~43 km
    # with a 10 m antenna) limits the cruise missile
    far_cm = dist[cov_cm].max()
    far_fi = dist[cov_fi].max()
    assert far_fi > far_cm
    assert 40.0 <= far_cm <= 46.0


def test_ballistic_footprint_reaches_behind_the_battery_not_in_front() -> None:
    """PAC-3 MSE: 40 km against BMs, 24 km ceiling. The defended footprint for an axis is
    elongated away from the threat: an asset 60 km behind the battery is covered (the
    missile passes overhead on its way down), 60 km in front is not; 100 km behind is not
    (the missile is below 24 km only in its last ~34 km)."""
    from iamd.geo.geodesic import geodesic_forward

    site = np.radians(42.5), np.radians(25.0)
    units = unit_array(CAT, ["pac3_mse"], np.array([site[0]]), np.array([site[1]]), np.zeros(1))
    az = np.radians([120.0, 300.0])  # towards Iran, away from it

    def covered(dist_m: float) -> list[bool]:
        lat, lon, _ = geodesic_forward(site[0], site[1], az, np.array([dist_m, dist_m]))
        rows = approach_rows_for_points(CAT, lat, lon, [("khorramshahr", 38.55, 44.95)])
        return [bool(v) for v in coverage_matrix(units, rows).toarray()[:, 0]]

    assert covered(20e3) == [True, True]
    assert covered(60e3) == [False, True]
    assert covered(100e3) == [False, False]
