"""The step's dynamic assignment: exact against a brute-force oracle (every one-shooter-per-
threat assignment within the units' capacities), the required-Pk cap that lets the cheapest
adequate unit fire, the layered hold, and the sharing policies' rules of who may shoot."""

from __future__ import annotations

import itertools

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from iamd.engage.assign import Doctrine, assign_step, pair_scores, policy_allows
from iamd.engage.threat import DefendedAssets, evaluate_threats, threatened_nation
from iamd.geo.wgs84 import lla_to_ecef
from iamd.scenario.loader import load_scenario

NO_HOLD = Doctrine(layered=False, reserve_bmd=False)


def _brute_force(score: np.ndarray, capacity: np.ndarray) -> float:
    """Best total worth over every choice of at most one unit (or none) per threat."""
    u_n, m_n = score.shape
    best = 0.0
    for pick in itertools.product(range(-1, u_n), repeat=m_n):
        used = np.bincount([p for p in pick if p >= 0], minlength=u_n)
        if (used > capacity).any():
            continue
        vals = [score[p, j] for j, p in enumerate(pick) if p >= 0]
        if any(not np.isfinite(v) or v <= 0.0 for v in vals):
            continue
        best = max(best, float(sum(vals)))
    return best


@settings(max_examples=80, deadline=None)
@given(data=st.data(), u_n=st.integers(1, 3), m_n=st.integers(1, 4))
def test_step_assignment_is_optimal_against_brute_force(
    data: st.DataObject, u_n: int, m_n: int
) -> None:
    flt = st.floats(0.0, 1.0)
    pk = np.array(data.draw(st.lists(flt, min_size=u_n * m_n, max_size=u_n * m_n))).reshape(
        u_n, m_n
    )
    cost = np.array(
        data.draw(st.lists(st.sampled_from([4.0, 4e4, 4e6, 12e6]), min_size=u_n, max_size=u_n))
    )[:, None] * np.ones((1, m_n))
    value = np.array(data.draw(st.lists(st.floats(0.1, 10.0), min_size=m_n, max_size=m_n)))
    feasible = np.array(
        data.draw(st.lists(st.booleans(), min_size=u_n * m_n, max_size=u_n * m_n))
    ).reshape(u_n, m_n)
    capacity = np.array(data.draw(st.lists(st.integers(0, 2), min_size=u_n, max_size=u_n)))
    plan = assign_step(value=value, pk_salvo=pk, cost_usd=cost, feasible=feasible,
                       capacity=capacity, future_score=np.full(m_n, -np.inf),
                       time_to_go_s=np.full(m_n, 500.0), doctrine=NO_HOLD)  # fmt: skip
    score = np.where(feasible, pair_scores(value, pk, cost, NO_HOLD), -np.inf)
    # feasibility: one shooter per threat, capacities, only feasible worthwhile pairs
    assert len(set(plan.threat.tolist())) == len(plan.threat)
    assert (np.bincount(plan.unit, minlength=u_n) <= capacity).all()
    assert all(
        feasible[u, j] and score[u, j] > 0 for u, j in zip(plan.unit, plan.threat, strict=True)
    )
    total = float(score[plan.unit, plan.threat].sum())
    assert abs(total - _brute_force(score, capacity)) < 1e-9


def test_the_cheapest_unit_meeting_the_required_pk_fires() -> None:
    """A 0.9 laser at $4 and a 0.85 interceptor at $4 M both meet P_req = 0.8: the laser
    fires; with P_req = 1 (plain expected value) the 0.05 of Pk on a valuable threat wins."""
    kw = dict(value=np.array([9.0]), pk_salvo=np.array([[0.85], [0.84]]),
              cost_usd=np.array([[4e6], [4.0]]), feasible=np.ones((2, 1), bool),
              capacity=np.array([1, 1]), future_score=np.array([-np.inf]),
              time_to_go_s=np.array([300.0]))  # fmt: skip
    assert assign_step(**kw, doctrine=Doctrine(layered=False)).unit.tolist() == [1]
    plain = Doctrine(layered=False, required_pk=1.0, cost_weight_per_musd=0.001)
    assert assign_step(**kw, doctrine=plain).unit.tolist() == [0]


def test_layered_hold_waits_for_the_cheaper_unit_while_time_allows() -> None:
    kw = dict(value=np.array([9.0]), pk_salvo=np.array([[0.85]]),
              cost_usd=np.array([[4e6]]), feasible=np.ones((1, 1), bool),
              capacity=np.array([1]), future_score=np.array([9.0 * 0.8]))  # fmt: skip
    far = assign_step(**kw, time_to_go_s=np.array([600.0]), doctrine=Doctrine())
    assert far.held.tolist() == [True] and len(far.unit) == 0
    close = assign_step(**kw, time_to_go_s=np.array([60.0]), doctrine=Doctrine())
    assert close.held.tolist() == [False] and close.unit.tolist() == [0]
    assert len(assign_step(**kw, time_to_go_s=np.array([600.0]), doctrine=NO_HOLD).unit) == 1


# --- sharing policies: who may shoot, from the evaluated threatened nation --------------------

UNITS = np.array(["GRC", "BGR", "ROU", "TUR"])
PART = np.array([True, True, True, False])  # Türkiye does not take part in sharing
PARTICIPATES = {"GRC": True, "BGR": True, "ROU": True, "TUR": False}


@pytest.mark.parametrize("policy", ["national", "shared_picture"])
def test_national_fire_control_engages_only_threats_to_the_own_nation(policy: str) -> None:
    threatened = np.array(["BGR", "TUR", ""])
    allowed = policy_allows(policy, UNITS, PART, threatened, PARTICIPATES)
    assert allowed.tolist() == [
        [False, False, False],  # the Greek unit: no Greek asset at risk
        [True, False, False],
        [False, False, False],
        [False, True, False],
    ]


def test_integrated_lets_any_participating_unit_engage_threats_to_participants() -> None:
    threatened = np.array(["BGR", "TUR", ""])  # a Bulgarian asset, a Turkish one, over the sea
    allowed = policy_allows("integrated", UNITS, PART, threatened, PARTICIPATES)
    assert allowed.tolist() == [
        [True, False, True],  # the Greek Patriot defends Bulgaria, not non-participant Türkiye
        [True, False, True],
        [True, False, True],
        [False, True, False],  # the non-participant defends only itself
    ]


def test_threatened_nation_is_the_asset_at_risk_else_the_country_under_the_track() -> None:
    assets = DefendedAssets.from_assets(load_scenario("balkans").scenario.assets)
    sofia = assets.names.index("sofia")
    over_bgr = lla_to_ecef(np.radians(42.9), np.radians(25.3), 3000.0)  # central Bulgaria
    over_sea = lla_to_ecef(np.radians(43.3), np.radians(31.0), 3000.0)  # the Black Sea
    state = np.zeros((3, 6))
    state[0, :3] = assets.pos_ecef_m[sofia] + 1000.0
    state[1, :3], state[2, :3] = over_bgr.ravel(), over_sea.ravel()
    ev = evaluate_threats(state, np.zeros(3, dtype=bool), assets)  # at rest: over what they are
    assert ev.asset[0] == sofia and ev.asset[1] == -1 and ev.asset[2] == -1
    nations = threatened_nation(ev, assets, state, ["GRC", "BGR", "ROU"])
    assert nations.tolist() == ["BGR", "BGR", ""]
