"""WTA solvers against a brute-force oracle, hand computations and published results.

Published figures: best known upper bounds of Andersen, Pavlikov & Toffolo (2022), "Weapon-
target assignment problem: exact and approximate solution algorithms", Annals of Operations
Research (CPLEX, 2 h, ``shared/data/wta/best_known.csv``).
"""

from __future__ import annotations

import csv
import itertools
from pathlib import Path

import numpy as np
import numpy.typing as npt
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from iamd.engage.wta import (
    WTAProblem,
    assignment_layers,
    greedy,
    improve,
    is_feasible,
    objective,
    read_instance,
    solve,
    solve_exact,
)
from iamd.errors import InputError

WTA_DATA = Path(__file__).resolve().parents[2].parent / "shared" / "data" / "wta"
needs_data = pytest.mark.skipif(not WTA_DATA.exists(), reason="shared/data/wta is absent")


def brute_force(problem: WTAProblem) -> tuple[float, npt.NDArray[np.int64]]:
    """Optimal objective and assignment by enumerating every feasible ``x`` (tiny only)."""
    n = problem.n
    per_type = []
    for mu in problem.units.tolist():
        allocs = [c for c in itertools.product(range(mu + 1), repeat=n) if sum(c) <= mu]
        per_type.append(np.array(allocs, dtype=np.int64).reshape(-1, n))
    grids = np.meshgrid(*[np.arange(len(a)) for a in per_type], indexing="ij")
    idx = [g.reshape(-1) for g in grids]
    xs = np.stack([per_type[i][idx[i]] for i in range(problem.m)], axis=1)  # (N, m, n)
    f = np.asarray(objective(problem, xs))
    k = int(np.argmin(f))
    return float(f[k]), xs[k]


@st.composite
def small_problems(draw: st.DrawFn, *, with_cost: bool = False) -> WTAProblem:
    m = draw(st.integers(1, 3))
    n = draw(st.integers(1, 4))
    pk_values = st.one_of(st.floats(0.0, 1.0), st.sampled_from([0.0, 1.0, 0.5]))
    pk = np.array(draw(st.lists(pk_values, min_size=m * n, max_size=m * n))).reshape(m, n)
    values = draw(st.lists(st.integers(0, 100), min_size=n, max_size=n))
    units = draw(st.lists(st.integers(0, 2), min_size=m, max_size=m))
    cost = draw(st.lists(st.floats(0.0, 40.0), min_size=m, max_size=m)) if with_cost else 0.0
    lam = draw(st.sampled_from([0.0, 0.5, 1.0])) if with_cost else 0.0
    return WTAProblem(
        values=np.array(values, dtype=float),
        pk=pk,
        units=units,
        cost_per_unit=cost,
        lambda_cost=lam,
    )


# --------------------------------------------------------------------------------------------
# brute-force oracle


@settings(max_examples=60, deadline=None)
@given(small_problems(with_cost=True))
def test_exact_solver_equals_brute_force(problem: WTAProblem) -> None:
    best, _ = brute_force(problem)
    res = solve_exact(problem, time_limit_s=30.0)
    assert res.status == "optimal"
    assert res.objective == pytest.approx(best, rel=1e-5, abs=1e-6)
    assert res.bound <= best + 1e-9
    assert res.bound <= res.objective
    assert is_feasible(problem, res.x)


@settings(max_examples=40, deadline=None)
@given(small_problems(), st.sampled_from(["greedy", "fast", "exact", "auto"]))
def test_every_method_is_feasible_and_its_bound_below_the_optimum(
    problem: WTAProblem, method: str
) -> None:
    best, _ = brute_force(problem)
    sol = solve(problem, method=method, time_limit_s=5.0, seed=1)
    assert is_feasible(problem, sol.x)
    assert len(sol.assignment) == int(sol.x.sum())
    assert sol.objective == pytest.approx(float(objective(problem, sol.x)))
    assert sol.objective >= best - 1e-9
    if sol.bound is not None:
        assert sol.bound <= sol.objective
        assert sol.bound <= best + 1e-9
    if sol.status == "optimal":
        assert sol.objective == pytest.approx(best, rel=1e-5, abs=1e-6)


@settings(max_examples=40, deadline=None)
@given(small_problems(with_cost=True), st.integers(0, 3))
def test_fast_solver_is_never_worse_than_greedy(problem: WTAProblem, seed: int) -> None:
    g = solve(problem, method="greedy")
    f = solve(problem, method="fast", time_limit_s=5.0, seed=seed)
    assert f.objective <= g.objective + 1e-12
    assert is_feasible(problem, f.x)


@settings(max_examples=25, deadline=None)
@given(
    st.integers(2, 12),
    st.integers(2, 20),
    st.integers(1, 4),
    st.integers(0, 2**32 - 1),
)
def test_units_are_never_exceeded(m: int, n: int, mu: int, seed: int) -> None:
    rng = np.random.default_rng(seed)
    units = rng.integers(0, mu + 1, size=m)
    p = WTAProblem(
        values=rng.integers(1, 100, size=n).astype(float), pk=rng.random((m, n)), units=units
    )
    for x in (greedy(p), assignment_layers(p), improve(p, greedy(p), max_rounds=5).x):
        assert is_feasible(p, x)
        assert np.all(x.sum(axis=1) <= units)


# --------------------------------------------------------------------------------------------
# hand computations


def test_greedy_matches_hand_computation() -> None:
    # marginal returns v_j s_j p_ij: type 1 on target 0 returns 9.0 (best), then target 0 is
    # worth 1.0 and type 0 returns 0.5 there but 0.5 * 4 = 2.0 on target 1
    p = WTAProblem(values=[10.0, 4.0], pk=[[0.5, 0.5], [0.9, 0.1]], units=1)
    x = greedy(p)
    assert x.tolist() == [[0, 1], [1, 0]]
    assert objective(p, x) == pytest.approx(10.0 * 0.1 + 4.0 * 0.5)


def test_greedy_with_several_units_spreads_by_marginal_return() -> None:
    # one type, 3 units, pk 0.5: returns 8 (t0), 4 (t0 again) and 3 (t1) -> x = [2, 1]
    p = WTAProblem(values=[16.0, 6.0], pk=[[0.5, 0.5]], units=3)
    assert greedy(p).tolist() == [[2, 1]]


def test_greedy_stops_when_a_shot_costs_more_than_it_saves() -> None:
    p = WTAProblem(values=[10.0], pk=[[0.5]], units=5, cost_per_unit=2.0, lambda_cost=1.0)
    # returns 5, 2.5, 1.25 against a price of 2: two shots
    assert greedy(p).tolist() == [[2]]
    assert solve(p, method="exact").x.tolist() == [[2]]


def test_local_search_escapes_the_greedy_trap() -> None:
    p = WTAProblem(values=[10.0, 10.0], pk=[[0.9, 0.85], [0.9, 0.1]], units=1)
    assert objective(p, greedy(p)) == pytest.approx(10.0)
    r = improve(p, greedy(p), seed=0)
    assert r.objective == pytest.approx(2.5)
    assert r.x.tolist() == [[0, 1], [1, 0]]


def test_cost_aware_raid_saves_interceptors_for_missiles() -> None:
    # 4 drones (value 1) and 1 missile (value 50); a gun (4 rounds, cheap) and an interceptor
    # (2 rounds, 30 value units each) that kills either with 0.9
    values = [1.0, 1.0, 1.0, 1.0, 50.0]
    pk = [[0.6, 0.6, 0.6, 0.6, 0.1], [0.9, 0.9, 0.9, 0.9, 0.9]]
    p = WTAProblem(values=values, pk=pk, units=[4, 2], cost_per_unit=[0.01, 30.0])
    free = solve(p, method="exact")
    assert free.status == "optimal"
    assert free.x[1].sum() == 2  # without cost every interceptor fires
    priced = solve(WTAProblem(**_fields(p), lambda_cost=1.0), method="exact")
    assert priced.status == "optimal"
    assert priced.x[1].tolist() == [0, 0, 0, 0, 1]  # one interceptor, on the missile only
    assert priced.x[0, :4].tolist() == [1, 1, 1, 1]


def _fields(p: WTAProblem) -> dict:
    return {"values": p.values, "pk": p.pk, "units": p.units, "cost_per_unit": p.cost_per_unit}


# --------------------------------------------------------------------------------------------
# API behaviour


def test_same_seed_same_assignment_different_seeds_may_differ() -> None:
    rng = np.random.default_rng(5)
    p = WTAProblem(values=rng.integers(1, 100, 40).astype(float), pk=rng.random((20, 40)), units=3)
    a = solve(p, method="fast", time_limit_s=30.0, seed=3, max_rounds=15)
    b = solve(p, method="fast", time_limit_s=30.0, seed=3, max_rounds=15)
    assert np.array_equal(a.x, b.x)
    assert a.objective == b.objective


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"method": "cplex"}, "method must be one of auto, exact, greedy, fast (got 'cplex')"),
        ({"time_limit_s": -1.0}, "time_limit_s must be >= 0 (got -1.0)"),
        ({"time_limit_s": float("nan")}, "time_limit_s must be a finite number of seconds"),
        ({"seed": -3}, "seed must be a non-negative integer (got -3)"),
    ],
)
def test_solve_rejects_malformed_arguments(kwargs: dict, message: str) -> None:
    p = WTAProblem(values=[1.0], pk=[[0.5]], units=1)
    with pytest.raises(InputError) as info:
        solve(p, **kwargs)
    assert str(info.value).startswith(message)


def test_empty_problems_are_solved_trivially() -> None:
    for p in (
        WTAProblem(values=np.zeros(0), pk=np.zeros((2, 0)), units=1),
        WTAProblem(values=[3.0, 4.0], pk=[[0.5, 0.5]], units=0),
    ):
        for method in ("greedy", "fast", "exact", "auto"):
            sol = solve(p, method=method)
            assert sol.x.sum() == 0 and sol.assignment == ()
            assert sol.objective == pytest.approx(float(p.values.sum()))


def test_exact_reports_time_limit_with_incumbent_and_bound() -> None:
    rng = np.random.default_rng(0)
    p = WTAProblem(values=rng.integers(1, 100, 30).astype(float), pk=rng.random((15, 30)), units=2)
    res = solve_exact(p, time_limit_s=0.0, x0=greedy(p))
    assert res.status == "time_limit"
    assert res.objective == pytest.approx(float(objective(p, greedy(p))))
    # stopped before any MILP, the bound is still proven: every unit on every target at once
    all_at_once = float(np.sum(p.values * np.prod((1.0 - p.pk) ** p.units[:, None], axis=0)))
    assert res.bound == pytest.approx(all_at_once, rel=1e-12)
    assert 0.0 <= res.bound <= res.objective


# --------------------------------------------------------------------------------------------
# real instances (Andersen, Pavlikov & Toffolo 2022)


def _best_known() -> dict[str, dict[str, float]]:
    with (WTA_DATA / "best_known.csv").open() as fh:
        return {
            r["instance"]: {k: float(v) for k, v in r.items() if k != "instance"}
            for r in csv.DictReader(fh)
        }


@needs_data
def test_fast_solver_within_published_gap_on_wta_50x100x1() -> None:
    p = read_instance(WTA_DATA / "wta_50x100x1.txt.gz")
    ref = _best_known()["wta_50x100x1"]
    sol = solve(p, method="fast", time_limit_s=1.0, seed=0)
    assert is_feasible(p, sol.x)
    assert sol.objective <= ref["best_upper_bound"] * 1.005
    assert sol.objective >= ref["best_lower_bound"] * (1 - 1e-6)  # cannot beat a proven bound


@needs_data
@pytest.mark.parametrize("name", ["wta_50x100x2", "wta_50x100x3", "wta_100x200x2"])
def test_fast_solver_never_worse_than_greedy_on_published_instances(name: str) -> None:
    p = read_instance(WTA_DATA / f"{name}.txt.gz")
    ref = _best_known()[name]
    g = solve(p, method="greedy")
    f = solve(p, method="fast", time_limit_s=1.0, seed=0)
    assert f.objective <= g.objective
    assert is_feasible(p, f.x)
    # within 3 % of the best known solution of the paper (the benchmark goal)
    assert f.objective <= ref["best_upper_bound"] * 1.03
    assert f.objective >= ref["best_lower_bound"] * (1 - 1e-6)


@needs_data
def test_greedy_gap_matches_published_greedy_range_on_one_unit_instances() -> None:
    # the paper's greedy is 1.4-3.9 % above the best known solutions with one unit per type
    p = read_instance(WTA_DATA / "wta_50x100x1.txt.gz")
    ref = _best_known()["wta_50x100x1"]["best_upper_bound"]
    gap = objective(p, greedy(p)) / ref - 1.0
    assert 0.014 <= gap <= 0.039 + 1e-3
