"""The step's dynamic assignment: exact against a brute-force oracle (every one-shooter-per-
threat assignment within the units' capacities), the required-Pk cap that lets the cheapest
adequate unit fire, and the layered hold."""

from __future__ import annotations

import itertools

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from iamd.engage.assign import Doctrine, assign_step, pair_scores

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
