"""Outcome figures: summary keys and bookkeeping, the threat table, asset hits, MRBM figures.

MRBM reference: shared/reference/public-parameters.md §2.1 (Keplerian minimum-energy table:
1,500 km -> apogee 350 km, free flight 9.9 min; 2,000 km -> 460 km, 11.7 min) and the public
round figures "about 12 minutes and a 400-600 km apogee for 2,000 km".
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Callable

import numpy as np
import pandas as pd
import pyproj
import pytest

import iamd
from iamd.scenario.loader import LoadedScenario
from iamd.sim.engine import RunResult, run
from iamd.sim.outcome import SUMMARY_FIGURES, asset_hits

GEOD = pyproj.Geod(ellps="WGS84")
REQUIRED_FIGURES = (
    "threats_launched",
    "threats_destroyed",
    "leakers",
    "interceptors_fired",
    "interceptor_cost_usd",
    "civil_aircraft_engaged",
    "assets_hit",
)
HOSTILE = ("drone", "cruise_missile", "ballistic_missile")


def _fire_rounds(events: pd.DataFrame) -> int:
    fires = events[events["kind"] == "fire"]
    rounds = fires["detail"].str.extract(r"^(\d+) x ")[0]
    assert rounds.notna().all(), fires["detail"]
    return int(rounds.astype(int).sum())


def test_summary_has_all_required_keys(
    full_run: Callable[[str], RunResult], scenario_text: Callable[..., str]
) -> None:
    s = full_run("integrated").summary
    assert set(REQUIRED_FIGURES) <= set(SUMMARY_FIGURES)
    for key in (*REQUIRED_FIGURES, "seed", "version", "scenario_sha256", "by_class", "by_nation"):
        assert key in s, key
    assert set(s["by_class"]) == {"airliner", "fighter", *HOSTILE}
    for cls, figures in s["by_class"].items():
        for key in REQUIRED_FIGURES:
            assert key in figures, (cls, key)
    assert s["seed"] == 1
    assert s["version"] == iamd.__version__
    text = scenario_text(policy="integrated")
    assert s["scenario_sha256"] == hashlib.sha256(text.encode("utf-8")).hexdigest()
    assert re.fullmatch(r"[0-9a-f]{64}", s["scenario_sha256"])


@pytest.mark.parametrize("policy", ["integrated", "national"])
def test_summary_is_consistent(full_run: Callable[[str], RunResult], policy: str) -> None:
    res = full_run(policy)
    s, th, eng, ev = res.summary, res.threats, res.engagements, res.events
    fates = th["fate"].value_counts().to_dict()
    assert set(fates) <= {"destroyed", "leaked", "in_flight", "not_launched"}
    assert s["threats_destroyed"] == fates.get("destroyed", 0)
    assert s["leakers"] == fates.get("leaked", 0)
    assert (
        s["threats_destroyed"] + s["leakers"] + fates.get("in_flight", 0) == s["threats_launched"]
    )
    assert s["threats_launched"] == 53  # every raid of the built-in scenario flies
    # interceptors: summary == engagement table == fire events
    assert s["interceptors_fired"] == int(eng["rounds"].sum()) == _fire_rounds(ev)
    assert s["interceptors_fired"] > 0
    assert s["interceptor_cost_usd"] == pytest.approx(eng["cost_usd"].sum(), abs=0.01)
    assert s["interceptor_cost_usd"] == pytest.approx(
        ev.loc[ev["kind"] == "fire", "value"].sum(), abs=0.01
    )
    assert sum(s["shots_by_effector_kind"].values()) == s["interceptors_fired"]
    # the classes and nations add up to the totals
    for key in ("threats_launched", "threats_destroyed", "leakers", "interceptors_fired"):
        assert sum(s["by_class"][c][key] for c in s["by_class"]) == s[key], key
    by_nation = s["by_nation"]
    assert sum(v["interceptors_fired"] for v in by_nation.values()) == s["interceptors_fired"]
    assert sum(v["threats_destroyed"] for v in by_nation.values()) == s["threats_destroyed"]
    assert s["assets_hit"] == len(s["assets_hit_names"])
    assert s["cost_exchange_ratio"] == pytest.approx(
        s["interceptor_cost_usd"] / s["attacker_cost_usd"], rel=1e-5
    )


def test_threat_table_fates_agree_with_the_event_log(full_run: Callable[[str], RunResult]) -> None:
    res = full_run("integrated")
    th, ev = res.threats, res.events
    assert set(th["class"]) == set(HOSTILE)
    assert th["id"].is_unique
    kills = ev[ev["kind"] == "intercept"].set_index("entity")
    impacts = ev[ev["kind"] == "impact"].set_index("entity")
    fires = ev[ev["kind"] == "fire"].groupby("entity").size()
    for row in th.itertuples():
        assert row.engagements == int(fires.get(row.id, 0))
        if row.fate == "destroyed":
            assert row.destroyed_by == kills.loc[row.id, "unit"]
            assert row.fate_time_s == pytest.approx(kills.loc[row.id, "t_s"], abs=1e-3)
            assert row.engagements >= 1
        elif row.fate == "leaked":
            assert row.fate_time_s == pytest.approx(impacts.loc[row.id, "t_s"], abs=1e-3)
            assert row.fate_time_s == pytest.approx(row.launch_time_s + row.flight_time_s, abs=2e-3)
        else:
            assert np.isnan(row.fate_time_s)


def test_ballistic_rows_match_public_mrbm_figures(full_run: Callable[[str], RunResult]) -> None:
    th = full_run("integrated").threats
    bm = th[th["class"] == "ballistic_missile"]
    assert len(bm) == 12
    assert bm["ground_range_km"].between(1_500.0, 2_100.0).all(), bm["ground_range_km"]
    # 400-600 km and ~12 min are published for 2,000 km; the shorter 1,600 km shots of this
    # raid legitimately top out lower (§2.1: 370 km at minimum energy, less when depressed),
    # so the fixed floor is 300 km and the table below sets the range-dependent band.
    assert bm["apogee_km"].between(300.0, 650.0).all(), bm["apogee_km"]
    long = bm[bm["ground_range_km"] >= 1_850.0]
    assert len(long) >= 2
    assert long["apogee_km"].between(400.0, 600.0).all(), long["apogee_km"]
    assert long["flight_time_s"].between(11.0 * 60.0, 13.5 * 60.0).all(), long["flight_time_s"]
    assert bm["flight_time_s"].between(600.0, 900.0).all(), bm["flight_time_s"]
    # Against the §2.1 minimum-energy table: apogee within 100 km, and the flight time within
    # 2.5 min of the free-flight time (boost adds ~1-2 min, a depressed arc saves some).
    table_km = np.array([1000.0, 1300.0, 1500.0, 1800.0, 2000.0, 2200.0])
    apogee_km = np.array([240.0, 310.0, 350.0, 420.0, 460.0, 500.0])
    free_min = np.array([7.9, 9.1, 9.9, 11.0, 11.7, 12.4])
    rng = bm["ground_range_km"].to_numpy()
    assert np.all(np.abs(bm["apogee_km"] - np.interp(rng, table_km, apogee_km)) <= 100.0)
    assert np.all(np.abs(bm["flight_time_s"] - 60.0 * np.interp(rng, table_km, free_min)) <= 150.0)
    # longer range, longer flight (same family of trajectories)
    order = np.argsort(rng)
    assert np.corrcoef(rng[order], bm["flight_time_s"].to_numpy()[order])[0, 1] > 0.9


def test_asset_hit_within_footprint_plus_lethal_radius(
    scenario: Callable[..., LoadedScenario],
) -> None:
    loaded = scenario()
    assets = loaded.scenario.assets
    i = [a.name for a in assets].index("kozloduy_npp")
    a = assets[i]
    reach_m = a.radius_km * 1e3 + 200.0  # 1 km footprint + 200 m lethal radius
    for dist_m, expected in [(0.0, True), (reach_m - 10.0, True), (reach_m + 10.0, False)]:
        lon, lat, _ = GEOD.fwd(a.lon_deg, a.lat_deg, 37.0, dist_m)
        got = asset_hits(loaded, lat, lon, 200.0)
        assert (i in got) == expected, (dist_m, got)
        assert all(assets[j].name != "sofia" for j in got)


def test_threats_not_yet_launched_are_not_counted(scenario: Callable[..., LoadedScenario]) -> None:
    res = run(scenario(duration_s=60))
    th = res.threats
    truth = res.truth
    hostile = np.isin(truth.cls, HOSTILE)
    launched = int((hostile & (truth.t_start_s <= 60.0)).sum())
    assert 0 < launched < 53
    assert res.summary["threats_launched"] == launched
    assert (th["fate"] == "not_launched").sum() == 53 - launched
    assert res.summary["threats_destroyed"] == res.summary["leakers"] == 0
    assert res.summary["cost_exchange_ratio"] == 0.0
