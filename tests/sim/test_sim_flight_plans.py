"""Filed flight plans in the engine, on the built-in theatre: the scheduled airliners fly their
airways' plans, correlate with them, and no civil aircraft is hostile, engaged or destroyed."""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from iamd.sim.engine import RunResult


def test_airliners_correlate_with_their_plans_and_no_civil_aircraft_is_hostile(
    full_run: Callable[[str], RunResult],
) -> None:
    res = full_run("integrated")
    t = res.truth
    airliners = {t.ids[i] for i, g in enumerate(t.group) if str(g).startswith("airway ")}
    ev = res.events
    ids = ev[(ev["kind"] == "identity") & ev["entity"].isin(airliners)]
    assert ids["entity"].nunique() >= 15
    # most tracked airliners are first shown neutral on their flight plan (identity events
    # record changes: one first identified below the plan's minimum speed, lifting off, is
    # neutral on its transponder, N1, and stays neutral when its plan correlates)
    on_plan = ids[ids["detail"].str.contains("P1 neutral: correlates with flight plan")]
    assert on_plan["entity"].nunique() >= 0.5 * ids["entity"].nunique()
    words = ids["detail"].str.split(" ").str[0]
    # (a squawking airliner the cue takes for a fighter is assumed_friend on A1 first)
    assert set(words) <= {"neutral", "assumed_friend", "unknown", "suspect"}
    civil = set(np.asarray(t.ids)[np.asarray(t.cls) == "airliner"])
    hostile = ev[(ev["kind"] == "identity") & ev["entity"].isin(civil)
                 & ev["detail"].str.startswith("hostile")]  # fmt: skip
    assert hostile.empty
    assert res.summary["civil_aircraft_engaged"] == 0
    assert res.summary["civil_aircraft_destroyed"] == 0


def test_a_drone_flying_along_an_airway_does_not_correlate_with_its_plan(
    full_run: Callable[[str], RunResult],
) -> None:
    # the Kozloduy raid flies west along the Ankara-Belgrade airway, inside its plan's window
    # and corridor, at a fifth of an airliner's speed: never neutral on the plan
    res = full_run("integrated")
    t = res.truth
    drones = {t.ids[i] for i, g in enumerate(t.group) if str(g) == "shahed_kozloduy"}
    ev = res.events
    ids = ev[(ev["kind"] == "identity") & ev["entity"].isin(drones)]
    assert not ids.empty
    assert not ids["detail"].str.contains("P1").any()
