"""The clock: determinism across processes, rules of engagement, sharing policies, event order.

Full runs of the built-in scenario come from the session fixture ``full_run`` (conftest).
"""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pandas as pd
import pyproj
import pytest

from iamd.sim.engine import RunResult

GEOD = pyproj.Geod(ellps="WGS84")
OUTPUTS = ("summary.json", "threats.csv", "events.parquet", "engagements.csv")


def iamd_command() -> list[str]:
    """The installed ``iamd`` console script of this interpreter (or ``python -m iamd.cli``)."""
    script = Path(sys.executable).with_name("iamd")
    return [str(script)] if script.exists() else [sys.executable, "-m", "iamd.cli"]


# --- determinism -----------------------------------------------------------------------------


def test_same_seed_gives_identical_summary_and_threats_in_two_processes(
    tmp_path: Path, scenario_text: Callable[..., str]
) -> None:
    src = tmp_path / "short.yaml"
    src.write_text(scenario_text(duration_s=1200), encoding="utf-8")
    jobs = {"a": ("3", "0"), "b": ("3", "12345"), "c": ("4", "0")}  # seed, PYTHONHASHSEED
    procs = {}
    for name, (seed, hashseed) in jobs.items():
        env = {**os.environ, "PYTHONHASHSEED": hashseed}
        cmd = [*iamd_command(), "run", str(src), "--seed", seed, "--out", str(tmp_path / name)]
        procs[name] = subprocess.Popen(
            [*cmd, "--no-report", "--quiet"],
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
        )
    for name, p in procs.items():
        out, err = p.communicate(timeout=900)  # three runs at once on a loaded machine
        assert p.returncode == 0, (name, err.decode())
        assert out == b"" and err == b"", (name, out, err)  # --quiet is quiet
    a, b, c = (tmp_path / n for n in "abc")
    for f in OUTPUTS:
        assert (a / f).read_bytes() == (b / f).read_bytes(), f
    assert (a / "threats.csv").read_bytes() != (c / "threats.csv").read_bytes()
    assert b'"seed": 3' in (a / "summary.json").read_bytes()
    assert b'"picture": "sensed"' in (a / "summary.json").read_bytes()  # the default picture
    assert b'"seed": 4' in (c / "summary.json").read_bytes()


# --- rules of engagement and policies --------------------------------------------------------


@pytest.mark.parametrize("policy", ["integrated", "national"])
def test_civil_aircraft_never_engaged_in_builtin_scenario(
    full_run: Callable[[str], RunResult], policy: str
) -> None:
    res = full_run(policy)
    assert res.summary["civil_aircraft_engaged"] == 0
    eng = res.engagements
    assert len(eng) > 0
    assert not eng["threat_class"].isin(["airliner", "fighter"]).any()
    aircraft = {
        res.truth.ids[i] for i in np.flatnonzero(np.isin(res.truth.cls, ["airliner", "fighter"]))
    }
    assert len(aircraft) > 20  # the scenario does fly airliners and fighters
    fires = res.events[res.events["kind"] == "fire"]
    assert not fires["entity"].isin(aircraft).any()
    # ... although they were tracked (the rules, not blindness, spare them)
    inits = res.events[res.events["kind"] == "track_init"]
    assert inits["entity"].isin(aircraft).sum() > 10


def test_integrated_lets_an_allied_battery_engage_missiles_aimed_at_another_nation(
    full_run: Callable[[str], RunResult],
) -> None:
    eng = full_run("integrated").engagements
    sm3 = eng[eng["unit"] == "us_sm3_deveselu"]
    assert {"BGR", "ROU"} <= set(sm3["aim_nation"])  # the US site defends its hosts and others
    assert set(sm3["nation"]) == {"USA"}

    eng_nat = full_run("national").engagements
    assert not (eng_nat["unit"] == "us_sm3_deveselu").any()  # no threat is aimed at the USA


def test_the_greek_battery_in_northern_greece_cannot_defend_kardzhali_from_ballistic_missiles(
    full_run: Callable[[str], RunResult],
) -> None:
    # Kardzhali is ~56 km from the battery's site near Komotini, beyond PAC-3 MSE's ~40 km
    # against ballistic missiles (reference §4.6: a battery in northern Greece is "point or
    # area defence of southern Bulgaria only"); both MRBMs aimed at it are left to the SM-3.
    res = full_run("integrated")
    eng = res.engagements
    assert not ((eng["unit"] == "gr_patriot_north") & eng["threat"].str.contains("kardzhali")).any()


@pytest.mark.parametrize("policy", ["national", "shared_picture"])
def test_non_integrated_policies_engage_only_for_the_own_nation(
    full_run: Callable[[str], RunResult], policy: str
) -> None:
    eng = full_run(policy).engagements
    assert len(eng) > 0
    bad = eng[eng["aim_nation"] != eng["nation"]]
    assert bad.empty, bad[["unit", "threat", "aim_nation"]]
    by_nation = full_run(policy).summary["by_nation"]
    assert all(v["engagements_for_other_nations"] == 0 for v in by_nation.values())


def test_integrated_defends_more_than_national(full_run: Callable[[str], RunResult]) -> None:
    integrated, national = full_run("integrated").summary, full_run("national").summary
    assert integrated["threats_launched"] == national["threats_launched"]  # same raid (CRN)
    assert integrated["leakers"] < national["leakers"]
    assert integrated["by_nation"]["USA"]["engagements_for_other_nations"] > 0


def test_same_raid_under_every_policy(full_run: Callable[[str], RunResult]) -> None:
    # common random numbers: the policy changes the defence, not the attack
    a, b = full_run("integrated").threats, full_run("national").threats
    cols = ["id", "launch_time_s", "launch_lat_deg", "launch_lon_deg", "aim_lat_deg", "aim_lon_deg"]
    pd.testing.assert_frame_equal(a[cols], b[cols])


# --- the event log ---------------------------------------------------------------------------


def test_events_are_sorted_by_time_priority_and_sequence(
    full_run: Callable[[str], RunResult],
) -> None:
    ev = full_run("integrated").events
    keys = list(zip(ev["t_s"], ev["priority"], ev["seq"], strict=True))
    assert keys == sorted(keys)
    assert ev["seq"].is_unique
    assert set(ev["kind"]) >= {"launch", "track_init", "identity", "fire", "intercept"}
    assert (ev["kind"] == "impact").sum() == full_run("integrated").summary["leakers"]


def test_every_intercept_follows_a_fire_on_the_same_entity(
    full_run: Callable[[str], RunResult],
) -> None:
    res = full_run("integrated")
    ev = res.events
    intercepts = ev[ev["kind"].isin(["intercept", "miss"]) & (ev["unit"] != "")]
    assert len(intercepts) > 0
    for row in intercepts.itertuples():
        fires = ev[(ev["kind"] == "fire") & (ev["entity"] == row.entity) & (ev["unit"] == row.unit)]
        assert (fires["t_s"] < row.t_s).any(), row
    # one fire event per engagement, one outcome per resolved engagement
    eng = res.engagements
    assert (ev["kind"] == "fire").sum() == len(eng)
    assert (ev["kind"] == "intercept").sum() == (eng["result"] == "kill").sum()


def test_no_threat_is_destroyed_twice_or_after_impact(full_run: Callable[[str], RunResult]) -> None:
    ev = full_run("integrated").events
    kills = ev[ev["kind"] == "intercept"]
    assert kills["entity"].is_unique
    impacts = ev[ev["kind"] == "impact"]
    assert impacts["entity"].is_unique
    assert not set(kills["entity"]) & set(impacts["entity"])


def test_fire_events_record_the_engagement_geometry(full_run: Callable[[str], RunResult]) -> None:
    res = full_run("integrated")
    eng = res.engagements
    # Straight-line flyout at the catalog mean speed: t_intercept - t_fire >= range / speed.
    speed = {u: s for u, s in zip(res.effectors.ids, res.effectors.speed_m_s, strict=True)}
    kinetic = eng[eng["unit_kind"] != "laser"]
    flight = kinetic["t_intercept_s"] - kinetic["t_fire_s"]
    need = kinetic["range_m"] / kinetic["unit"].map(speed)
    assert (flight >= need - 1e-6).all()


def test_leakers_impact_at_their_aim_point(full_run: Callable[[str], RunResult]) -> None:
    res = full_run("national")  # more leakers, of every class
    th, ev = res.threats, res.events
    leaked = th[th["fate"] == "leaked"]
    assert len(leaked) >= 5
    impacts = ev[ev["kind"] == "impact"].set_index("entity")
    assert set(impacts.index) == set(leaked["id"])
    imp = impacts.loc[leaked["id"]]
    _, _, miss_m = GEOD.inv(
        imp["lon_deg"].to_numpy(),
        imp["lat_deg"].to_numpy(),
        leaked["aim_lon_deg"].to_numpy(),
        leaked["aim_lat_deg"].to_numpy(),
    )
    assert np.all(miss_m <= 1_000.0), dict(zip(leaked["id"], miss_m, strict=True))
    assert np.all(imp["alt_m"].abs() <= 500.0)
    # and the aim points lie within the raid's aim spread around the aimed asset
    sc = res.loaded.scenario
    spread = {r.id: r.aim.spread_km * 1e3 for r in sc.raids}
    assets = {a.name: (a.lat_deg, a.lon_deg) for a in sc.assets}
    centre = np.array([assets[a] for a in th["aim_asset"]])
    _, _, off_m = GEOD.inv(centre[:, 1], centre[:, 0], th["aim_lon_deg"], th["aim_lat_deg"])
    assert np.all(off_m <= th["raid"].map(spread).to_numpy() + 5.0)  # 1e-5° rounding


def test_assets_hit_only_by_leakers_near_them(full_run: Callable[[str], RunResult]) -> None:
    res = full_run("national")
    ev = res.events
    hits = ev[ev["kind"] == "asset_hit"]
    assert len(hits) > 0
    impacts = ev[ev["kind"] == "impact"].set_index("entity")
    assets = {a.name: a for a in res.loaded.scenario.assets}
    for row in hits.itertuples():
        a = assets[row.detail]
        i = impacts.loc[row.entity]
        _, _, d = GEOD.inv(a.lon_deg, a.lat_deg, i["lon_deg"], i["lat_deg"])
        assert d <= a.radius_km * 1e3 + i["value"] + 1.0  # footprint + lethal radius


@pytest.mark.parametrize("policy", ["integrated", "national"])
def test_nothing_happens_to_an_object_after_it_is_gone(
    full_run: Callable[[str], RunResult], policy: str
) -> None:
    ev = full_run(policy).events
    gone = ev[ev["kind"].isin(["impact", "land", "intercept"])].groupby("entity")["t_s"].min()
    assert len(gone) > 50
    after = ev[ev["kind"].isin(["track_init", "identity", "fire"]) & ev["entity"].isin(gone.index)]
    after = after[after["t_s"] > after["entity"].map(gone)]
    assert after.empty, after[["t_s", "kind", "entity", "picture"]]
