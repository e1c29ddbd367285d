"""Shooting: who fires (the step's cost-aware assignment), magazines and fire channels, the
salvo kill draw, abandon.

The salvo kill probability of ``n`` independent rounds of single-shot ``pk`` is
``1 - (1 - pk)^n`` (e.g. Washburn & Kress, *Combat Modeling*, §2); the kill draws are checked
against it within binomial 4-sigma bounds.
"""

from __future__ import annotations

import importlib.util
import math
import sys
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from hypothesis import event, given, settings
from hypothesis import strategies as st

from iamd.engage.assign import Doctrine
from iamd.engage.envelope import InterceptOptions
from iamd.engage.shoot import Engagement, EngagementState, fire_now, kill_pk


def _load_envelope_helpers() -> Any:
    """``make_units`` from the envelope tests (importlib mode: load the module by path)."""
    path = Path(__file__).with_name("test_engage_envelope.py")
    spec = importlib.util.spec_from_file_location("_iamd_test_engage_envelope_helpers", path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    return module


_ENV = _load_envelope_helpers()
make_units = _ENV.make_units
C: dict[str, int] = _ENV.C


def options(feasible: np.ndarray, t_s: float | np.ndarray = 100.0) -> InterceptOptions:
    feasible = np.asarray(feasible, dtype=bool)
    t = np.where(feasible, np.broadcast_to(t_s, feasible.shape), np.inf)
    return InterceptOptions(
        feasible=feasible,
        t_s=t,
        step=np.zeros(feasible.shape, dtype=np.int64),
        range_m=np.where(feasible, 200e3, np.nan),  # a round flies 167 s: fire now
    )


NO_HOLD = Doctrine(layered=False, reserve_bmd=False)


def choose_all(
    state: EngagementState,
    t_s: float,
    candidates: list[int],
    feasible: np.ndarray,
    value: list[float] | None = None,
    cls: str = "drone",
) -> list[Engagement]:
    m = len(candidates)
    u = len(state.units)
    return state.choose(
        t_s,
        np.array(candidates, dtype=np.int64),
        np.full(m, C[cls], dtype=np.int64),
        np.ones((u, m), dtype=bool),
        options(feasible),
        value=np.array(value if value is not None else [5.0] * m),
        time_to_go_s=np.full(m, 300.0),
        doctrine=NO_HOLD,
    )


def test_cheapest_unit_meeting_the_required_pk_fires() -> None:
    units = make_units(ids=("dear", "cheap", "cheapest_but_infeasible"),
                       cost_per_shot_usd=[4e6, 4e4, 4.0])  # fmt: skip
    state = EngagementState(units=units, n=1)
    fired = choose_all(state, 50.0, [0], np.array([[True], [True], [False]]))
    assert [units.ids[e.unit] for e in fired] == ["cheap"]
    e = fired[0]
    assert e.threat == 0 and e.attempt == 0 and e.rounds == 1
    assert e.t_fire_s == 50.0 + 15.0  # decision time + reaction time
    assert e.t_intercept_s == 100.0
    assert e.cost_usd == 4e4
    assert e.pk_single == pytest.approx(0.85)
    assert state.magazine.tolist() == [72, 71, 72]
    assert state.engaged().tolist() == [True]


def test_salvo_against_ballistic_missiles_uses_the_class_salvo() -> None:
    units = make_units()
    state = EngagementState(units=units, n=1)
    (e,) = choose_all(state, 0.0, [0], np.array([[True]]), cls="ballistic_missile")
    assert e.rounds == 2
    assert e.cost_usd == 8e6
    assert e.pk_salvo == pytest.approx(1.0 - 0.3**2)
    assert state.magazine.tolist() == [70]


def test_most_valuable_threat_gets_the_last_channel() -> None:
    units = make_units(channels=1)
    state = EngagementState(units=units, n=3)
    fired = choose_all(state, 0.0, [0, 1, 2], np.ones((1, 3), dtype=bool), value=[3.0, 9.0, 5.0])
    assert [e.threat for e in fired] == [1]
    assert state.channels_free().tolist() == [0]
    assert choose_all(state, 2.0, [0, 2], np.ones((1, 2), dtype=bool)) == []


def test_empty_magazine_does_not_fire() -> None:
    units = make_units(magazine=3)
    state = EngagementState(units=units, n=2)
    fired = choose_all(
        state, 0.0, [0, 1], np.ones((1, 2), dtype=bool), cls="ballistic_missile"
    )  # 2 rounds each: only one salvo fits in 3
    assert len(fired) == 1
    assert state.magazine.tolist() == [1]
    assert units.magazine.tolist() == [3]  # the deployed array is not mutated


def test_policy_mask_is_respected() -> None:
    units = make_units(ids=("a", "b"))
    state = EngagementState(units=units, n=1)
    fired = state.choose(
        0.0,
        np.array([0]),
        np.array([C["drone"]]),
        np.array([[False], [True]]),
        options(np.ones((2, 1), dtype=bool)),
        value=np.array([5.0]),
        time_to_go_s=np.array([100.0]),
        doctrine=NO_HOLD,
    )
    assert [units.ids[e.unit] for e in fired] == ["b"]


@settings(max_examples=60, deadline=None)
@given(data=st.data(), n_units=st.integers(1, 4), n_objects=st.integers(1, 12))
def test_magazines_never_negative_and_channels_respected(
    data: st.DataObject, n_units: int, n_objects: int
) -> None:
    units = make_units(
        ids=tuple(f"u{i}" for i in range(n_units)),
        magazine=[data.draw(st.integers(0, 8)) for _ in range(n_units)],
        channels=[data.draw(st.integers(1, 3)) for _ in range(n_units)],
        salvo=[
            {
                "ballistic_missile": data.draw(st.integers(1, 3)),
                "drone": data.draw(st.integers(1, 2)),
            }
            for _ in range(n_units)
        ],
    )
    state = EngagementState(units=units, n=n_objects)
    alive = np.ones(n_objects, dtype=bool)
    ids = [f"t{j}" for j in range(n_objects)]
    fired_rounds = np.zeros(n_units, dtype=int)
    for step in range(data.draw(st.integers(1, 8))):
        t = 10.0 * step
        cand = data.draw(st.lists(st.integers(0, n_objects - 1), unique=True, max_size=n_objects))
        cand = [j for j in cand if not state.engaged()[j]]
        m = len(cand)
        feasible = np.array(
            data.draw(st.lists(st.booleans(), min_size=n_units * m, max_size=n_units * m)),
            dtype=bool,
        ).reshape(n_units, m)
        cls = np.array(
            [C[data.draw(st.sampled_from(["drone", "ballistic_missile"]))] for _ in cand],
            dtype=np.int64,
        )
        t_int = t + np.array(data.draw(st.lists(st.floats(1.0, 40.0), min_size=m, max_size=m)))
        opts = InterceptOptions(
            feasible=feasible,
            t_s=np.where(feasible, t_int[None, :], np.inf),
            step=np.zeros((n_units, m), dtype=np.int64),
            range_m=np.where(feasible, 60e3, np.nan),
        )
        fired = state.choose(
            t,
            np.array(cand, dtype=np.int64),
            cls,
            np.ones((n_units, m), dtype=bool),
            opts,
            value=np.array(data.draw(st.lists(st.floats(0.1, 10.0), min_size=m, max_size=m))),
            time_to_go_s=np.full(m, 200.0),
            doctrine=NO_HOLD,
        )
        event("fired" if fired else "nothing fired")
        for e in fired:
            assert feasible[e.unit, cand.index(e.threat)]
            fired_rounds[e.unit] += e.rounds
        assert len({e.threat for e in state.in_flight}) == len(state.in_flight)
        assert np.all(state.magazine >= 0)
        assert np.all(state.magazine == units.magazine - fired_rounds)
        busy = np.bincount([e.unit for e in state.in_flight], minlength=n_units)
        assert np.all(busy <= units.channels)
        assert np.all(state.channels_free() >= 0)
        state.resolve(t + 10.0, alive, seed=1, threat_ids=ids)


def _one_engagement(pk: float, rounds: int) -> EngagementState:
    units = make_units(pk=[{"drone": pk}], salvo=[{"drone": rounds}])
    state = EngagementState(units=units, n=1)
    choose_all(state, 0.0, [0], np.array([[True]]))
    return state


@pytest.mark.parametrize(("pk", "rounds"), [(0.7, 1), (0.5, 2), (0.3, 3), (0.85, 2)])
def test_resolve_kill_probability_is_one_minus_miss_to_the_rounds(pk: float, rounds: int) -> None:
    p = 1.0 - (1.0 - pk) ** rounds
    n = 2000
    kills = 0
    for seed in range(n):
        state = _one_engagement(pk, rounds)
        alive = np.array([True])
        ((eng, killed),) = state.resolve(200.0, alive, seed, ["shahed-001"])
        assert eng.pk_salvo == pytest.approx(p)
        assert killed == (not alive[0])
        kills += killed
    assert abs(kills - n * p) <= 4.0 * math.sqrt(n * p * (1.0 - p))


def test_resolve_is_a_pure_function_of_seed_threat_and_attempt() -> None:
    outcomes = []
    for _ in range(2):
        row = []
        for seed in range(50):
            state = _one_engagement(0.5, 1)
            row.append(state.resolve(200.0, np.array([True]), seed, ["x-001"])[0][1])
        outcomes.append(row)
    assert outcomes[0] == outcomes[1]
    assert 5 < sum(outcomes[0]) < 45


def test_resolve_only_due_engagements_in_time_order_and_no_double_kill() -> None:
    units = make_units(ids=("a", "b"), pk=[{"drone": 1.0}, {"drone": 1.0}])
    state = EngagementState(units=units, n=2)
    # threat 0 engaged by a at t=130 ... and b cannot engage it too (one engagement per threat)
    state.choose(
        0.0,
        np.array([0, 1]),
        np.array([C["drone"]] * 2),
        np.array([[True, False], [True, True]]),  # a may only engage 0
        InterceptOptions(
            feasible=np.ones((2, 2), dtype=bool),
            t_s=np.array([[130.0, 90.0], [130.0, 90.0]]),
            step=np.zeros((2, 2), dtype=np.int64),
            range_m=np.full((2, 2), 150e3),
        ),
        value=np.array([5.0, 5.0]),
        time_to_go_s=np.array([300.0, 300.0]),
        doctrine=NO_HOLD,
    )
    assert sorted((e.unit, e.threat) for e in state.in_flight) == [(0, 0), (1, 1)]
    alive = np.array([True, True])
    assert state.resolve(90.0, alive, 1, ["t0", "t1"]) == []  # strictly before t_end
    out = state.resolve(90.0 + 1e-9, alive, 1, ["t0", "t1"])
    assert [(e.threat, k) for e, k in out] == [(1, True)]
    out = state.resolve(200.0, alive, 1, ["t0", "t1"])
    assert [(e.threat, k) for e, k in out] == [(0, True)]
    assert not alive.any()
    assert [r for _, r in state.done] == ["kill", "kill"]
    # a second engagement on a dead threat cannot kill it twice
    state.choose(
        300.0,
        np.array([0]),
        np.array([C["drone"]]),
        np.ones((2, 1), dtype=bool),
        options(np.ones((2, 1), dtype=bool), 400.0),
        value=np.array([5.0]),
        time_to_go_s=np.array([100.0]),
        doctrine=NO_HOLD,
    )
    ((eng, killed),) = state.resolve(500.0, alive, 1, ["t0", "t1"])
    assert eng.attempt == 1 and not killed
    assert state.done[-1][1] == "miss"


def test_abandon_drops_the_threats_engagements_as_too_late() -> None:
    units = make_units(ids=("a", "b"))
    state = EngagementState(units=units, n=3)
    choose_all(state, 0.0, [0, 1], np.ones((2, 2), dtype=bool))
    assert len(state.in_flight) == 2
    before = state.channels_free().copy()
    gone = state.abandon(1)
    assert [e.threat for e in gone] == [1]
    assert [e.threat for e in state.in_flight] == [0]
    assert state.done == [(gone[0], "too_late")]
    assert state.channels_free()[gone[0].unit] == before[gone[0].unit] + 1
    assert state.abandon(2) == []  # nothing in flight on threat 2
    assert state.magazine.sum() == 2 * 72 - 2  # rounds already fired stay spent


def test_grown_slots_start_as_fresh_slots_would() -> None:
    """A state of 2 slots grown by 3 holds its first 2 as they were (attempts, engagements in
    flight, magazine) and 3 new ones equal to the slots of a state made with 5: no attempt,
    not engaged, and a shot at one of them is the same as on the fresh state."""
    units = make_units(ids=("a", "b"), channels=2)
    grown = EngagementState(units=units, n=2)
    (first,) = choose_all(grown, 0.0, [1], np.ones((2, 1), dtype=bool))
    before = (grown.attempts.copy(), list(grown.in_flight), grown.magazine.copy())
    grown.grow(3)
    assert grown.n == 5 and grown.attempts.dtype == np.int64
    assert grown.attempts.tolist() == [0, 1, 0, 0, 0]
    assert grown.attempts[:2].tolist() == before[0].tolist()
    assert grown.in_flight == before[1] == [first]
    assert grown.magazine.tolist() == before[2].tolist()  # per unit: unchanged
    assert grown.engaged().tolist() == [False, True, False, False, False]

    fresh = EngagementState(units=units, n=5)
    choose_all(fresh, 0.0, [1], np.ones((2, 1), dtype=bool))
    assert np.array_equal(grown.attempts, fresh.attempts)
    assert np.array_equal(grown.engaged(), fresh.engaged())
    shot_grown = choose_all(grown, 2.0, [4], np.ones((2, 1), dtype=bool))
    shot_fresh = choose_all(fresh, 2.0, [4], np.ones((2, 1), dtype=bool))
    assert shot_grown == shot_fresh and [e.attempt for e in shot_grown] == [0]
    assert np.array_equal(grown.attempts, fresh.attempts)

    grown.grow(0)
    assert grown.n == 5 and len(grown.attempts) == 5
    with pytest.raises(ValueError, match=r"EngagementState.grow: n must be >= 0 \(got -1\)"):
        grown.grow(-1)


def test_a_unit_waits_for_a_threat_still_outside_its_envelope() -> None:
    """An intercept 200 s away at 20 km (a 17 s flight) is for later: no channel is tied up."""
    units = make_units()
    state = EngagementState(units=units, n=1)
    later = InterceptOptions(
        feasible=np.array([[True]]),
        t_s=np.array([[215.0]]),
        step=np.zeros((1, 1), dtype=np.int64),
        range_m=np.array([[20e3]]),
    )
    assert not fire_now(units, 0.0, later)[0, 0]
    assert fire_now(units, 215.0 - 15.0 - 20e3 / 1200.0 - 1.0, later)[0, 0]
    fired = state.choose(0.0, np.array([0]), np.array([C["drone"]]), np.ones((1, 1), bool),
                         later, value=np.array([5.0]), time_to_go_s=np.array([60.0]),
                         doctrine=NO_HOLD)  # fmt: skip
    assert fired == [] and state.channels_free().tolist() == units.channels.tolist()


# --- civil aircraft --------------------------------------------------------------------------


def test_kill_pk_against_a_civil_aircraft_is_the_best_air_breathing_figure() -> None:
    units = make_units(
        ids=("gun", "sam", "bmd_only", "laser", "overridden"),
        pk=[
            {"drone": 0.8, "cruise_missile": 0.5, "fighter": 0.3},
            {"drone": 0.85, "cruise_missile": 0.8, "fighter": 0.8, "ballistic_missile": 0.7},
            {"ballistic_missile": 0.7},
            {"drone": 0.9, "cruise_missile": 0.5},
            {"drone": 0.9, "airliner": 0.4},
        ],
    )
    pk = kill_pk(units.pk)
    assert pk[:, C["airliner"]].tolist() == [0.8, 0.85, 0.0, 0.9, 0.4]
    civil = np.arange(len(C)) == C["airliner"]
    assert np.array_equal(pk[:, ~civil], units.pk[:, ~civil])  # the other classes unchanged


def test_the_builtin_catalog_gives_every_air_defence_unit_a_civil_kill_pk() -> None:
    from iamd.scenario.catalog import THREAT_CLASSES, builtin_catalog

    cat = builtin_catalog()
    pk = np.array([[e.pk.get(c, 0.0) for c in THREAT_CLASSES] for e in cat.effectors.values()])
    civil = kill_pk(pk)[:, THREAT_CLASSES.index("airliner")]
    names = list(cat.effectors)
    for name, p in zip(names, civil, strict=True):
        if name == "sm3_block_ib":  # exo-atmospheric kill vehicle: no air-breathing figure
            assert p == 0.0
        else:
            assert 0.5 <= p <= 1.0, name
    assert civil[names.index("skynex")] == cat.effectors["skynex"].pk["drone"]


def test_a_round_at_a_track_believed_a_drone_kills_a_civil_aircraft_with_the_civil_pk() -> None:
    units = make_units(pk=[{"drone": 0.6, "fighter": 0.9}])
    state = EngagementState(units=units, n=1)
    (e,) = state.choose(
        0.0,
        np.array([0]),
        np.array([C["drone"]]),
        np.ones((1, 1), dtype=bool),
        options(np.array([[True]])),
        value=np.array([5.0]),
        time_to_go_s=np.array([300.0]),
        doctrine=NO_HOLD,
        kill_class_index=np.array([C["airliner"]]),
    )
    assert e.pk_single == pytest.approx(0.9)  # not 0: the shot is never hidden as a miss
    killed = 0
    for seed in range(400):
        alive = np.ones(1, dtype=bool)
        trial = EngagementState(units=units, n=1)
        trial.in_flight.append(e)
        ((_, hit),) = trial.resolve(1e9, alive, seed, ["civil-1"])
        killed += hit
        assert alive[0] == (not hit)
    assert abs(killed - 360) <= 4 * math.sqrt(400 * 0.9 * 0.1)


@pytest.mark.parametrize("reserve", [True, False])
def test_bmd_rounds_wait_for_the_last_layer_against_air_breathing_threats(reserve: bool) -> None:
    """With ``reserve_bmd`` (the default doctrine) a missile-defence unit (a PAC-3: Pk and
    range against ballistic missiles) engages a drone only inside ``defer_margin_s`` of its
    aim point: one second outside the margin it holds, at the margin it fires. Without the
    reserve it fires at once. A ballistic missile is never held."""
    doctrine = Doctrine(layered=False, reserve_bmd=reserve)
    margin = doctrine.defer_margin_s

    def fired(cls: str, time_to_go_s: float) -> int:
        state = EngagementState(units=make_units(), n=1)
        return len(
            state.choose(
                0.0,
                np.array([0], dtype=np.int64),
                np.array([C[cls]], dtype=np.int64),
                np.ones((1, 1), dtype=bool),
                options(np.ones((1, 1), dtype=bool)),
                value=np.array([5.0]),
                time_to_go_s=np.array([time_to_go_s]),
                doctrine=doctrine,
            )
        )

    assert fired("drone", margin) == 1
    assert fired("drone", margin + 1.0) == (0 if reserve else 1)
    assert fired("drone", 10 * margin) == (0 if reserve else 1)
    assert fired("ballistic_missile", 10 * margin) == 1
    assert Doctrine().reserve_bmd  # the default doctrine reserves them
