"""Placement: the MILP against brute-force enumeration, the reach share against a Monte Carlo
count on the real borders, and every threshold at its boundary."""

from __future__ import annotations

import itertools

import numpy as np
import pytest
import scipy.sparse as sp

from iamd.errors import InputError
from iamd.geo.borders import load_countries
from iamd.geo.geodesic import geodesic_forward, geodesic_inverse
from iamd.plan.demand import Demand
from iamd.plan.placement import (
    BatteryPool,
    PlanOptions,
    PlanProblem,
    Sites,
    border_line_distance_m,
    covered_value,
    greedy,
    listed_sites,
    local_search,
    parse_pool,
    reach_share,
    solve,
)
from iamd.scenario.catalog import builtin_catalog

CAT = builtin_catalog()


def _problem(seed: int, *, sep_m: float = 30e3, cap: float | None = None) -> PlanProblem:
    rng = np.random.default_rng(seed)
    s_n, r_n = 7, 24
    lat = np.radians(42.0 + rng.uniform(0, 0.6, s_n))
    lon = np.radians(24.0 + rng.uniform(0, 0.8, s_n))
    sites = Sites(
        lat_rad=lat,
        lon_rad=lon,
        host=tuple("GRC" if i % 3 else "BGR" for i in range(s_n)),
        names=tuple(f"s{i}" for i in range(s_n)),
    )
    pools = (
        BatteryPool(owner="GRC", type="pac3_mse", count=2, lent=True, hosts=("GRC", "BGR")),
        BatteryPool(owner="BGR", type="iris_t_slm", count=1, lent=False, hosts=("BGR",)),
    )
    types = ("iris_t_slm", "pac3_mse")
    cover = sp.csr_matrix(rng.random((r_n, s_n * len(types))) < 0.2)
    weight = rng.integers(1, 10, r_n).astype(float)
    residual = rng.choice([0.0, 0.3, 1.0], r_n, p=[0.2, 0.2, 0.6])
    demand = Demand(
        assets=(),
        axes=(),
        asset=np.zeros(r_n, np.int64),
        axis=np.zeros(r_n, np.int64),
        class_index=np.zeros(r_n, np.int64),
        weight=weight,
        approach=None,
    )  # type: ignore[arg-type]
    site_ok = np.zeros((s_n, 2), bool)
    site_ok[:, 0] = np.isin(np.array(sites.host), pools[0].hosts) & (rng.random(s_n) < 0.9)
    site_ok[:, 1] = np.array(sites.host) == "BGR"
    return PlanProblem(
        sites=sites,
        pools=pools,
        types=types,
        demand=demand,
        cover=cover,
        reach=rng.random((s_n, 2)) * 0.4,
        site_ok=site_ok,
        residual=residual,
        options=PlanOptions(min_separation_m=sep_m, reach_cap=cap),
        catalog=CAT,
    )


def _dist_m(p: PlanProblem, a: int, b: int) -> float:
    from iamd.geo.wgs84 import lla_to_ecef

    pa = lla_to_ecef(p.sites.lat_rad[a], p.sites.lon_rad[a], 0.0)
    pb = lla_to_ecef(p.sites.lat_rad[b], p.sites.lon_rad[b], 0.0)
    return float(np.linalg.norm(np.asarray(pa) - np.asarray(pb)))


def _feasible(
    p: PlanProblem, chosen: list[tuple[int, int]], cap: float | None, counts: list[int]
) -> bool:
    sites = [s for s, _ in chosen]
    if len(set(sites)) < len(sites):
        return False
    for pi, _pool in enumerate(p.pools):
        if sum(1 for _, q in chosen if q == pi) != counts[pi]:
            return False
    for s, q in chosen:
        t = p.types.index(p.pools[q].type)
        if not p.site_ok[s, q] or (cap is not None and p.reach[s, t] > cap):
            return False
    return all(
        _dist_m(p, a, b) >= p.options.min_separation_m for a, b in itertools.combinations(sites, 2)
    )


def _brute(p: PlanProblem, cap: float | None) -> float:
    counts = [pool.count for pool in p.pools]
    best = -np.inf
    s_n = len(p.sites)
    for a in itertools.combinations(range(s_n), counts[0]):
        for b in itertools.combinations(range(s_n), counts[1]):
            chosen = [(s, 0) for s in a] + [(s, 1) for s in b]
            if _feasible(p, chosen, cap, counts):
                best = max(best, covered_value(p, chosen))
    return best


@pytest.mark.parametrize("seed", range(6))
@pytest.mark.parametrize("cap", [None, 0.2])
def test_milp_matches_brute_force_enumeration(seed: int, cap: float | None) -> None:
    p = _problem(seed, cap=cap)
    best = _brute(p, cap)
    if not np.isfinite(best):
        with pytest.raises(InputError, match="no feasible site"):
            solve(p)
        return
    s = solve(p)
    assert s.optimal and s.mip_gap <= 1e-4
    assert s.covered == pytest.approx(best, abs=1e-9)
    assert covered_value(p, s.chosen) == pytest.approx(best, abs=1e-9)
    assert _feasible(p, s.chosen, cap, [pool.count for pool in p.pools])
    g = greedy(p)
    assert covered_value(p, g) <= best + 1e-9
    ls = local_search(p, g, seed=1, iterations=200)
    assert covered_value(p, g) - 1e-9 <= covered_value(p, ls) <= best + 1e-9


def test_separation_boundary_exact_distance_allowed_one_step_more_forbidden() -> None:
    p = _problem(0)
    site_ok = np.zeros_like(p.site_ok)
    site_ok[[1, 2], 0] = True
    d = _dist_m(p, 1, 2)
    from dataclasses import replace

    pools = (replace(p.pools[0], count=2), replace(p.pools[1], count=0))
    at = replace(p, site_ok=site_ok, pools=pools, options=PlanOptions(min_separation_m=d))
    assert sorted(s for s, _ in solve(at).chosen) == [1, 2]
    beyond = replace(at, options=PlanOptions(min_separation_m=d * (1 + 1e-9)))
    with pytest.raises(InputError, match="no feasible site"):
        solve(beyond)


def test_reach_cap_boundary_equal_share_allowed_below_forbidden() -> None:
    from dataclasses import replace

    p = _problem(1)
    site_ok = np.zeros_like(p.site_ok)
    site_ok[3, 0] = True
    pools = (replace(p.pools[0], count=1), replace(p.pools[1], count=0))
    q = replace(p, site_ok=site_ok, pools=pools)
    share = float(q.reach[3, q.types.index("pac3_mse")])
    assert solve(q, reach_cap=share).chosen == [(3, 0)]
    with pytest.raises(InputError, match="no feasible site"):
        solve(q, reach_cap=share - 1e-9)


def test_reach_share_agrees_with_a_monte_carlo_count_on_the_real_borders() -> None:
    """Discs along the Evros (and one inside Türkiye, one far away): the shapely share in
    an equal-area projection against the share of 40,000 area-uniform points of the
    geodesic disc that the borders put inside Türkiye."""
    lat_deg = np.array([41.10, 41.70, 41.70, 40.00, 40.85])
    lon_deg = np.array([26.00, 26.20, 26.60, 22.00, 25.90])
    radius = np.array([60e3, 60e3, 60e3, 60e3, 160e3])
    got = reach_share(np.radians(lat_deg), np.radians(lon_deg), radius, "TUR")
    rng = np.random.default_rng(7)
    countries = load_countries()
    for i in range(len(lat_deg)):
        n = 40_000
        r = radius[i] * np.sqrt(rng.random(n))
        az = rng.random(n) * 2 * np.pi
        la, lo, _ = geodesic_forward(np.radians(lat_deg[i]), np.radians(lon_deg[i]), az, r)
        mc = float(np.mean(countries.country_at(la, lo) == "TUR"))
        assert got[i] == pytest.approx(mc, abs=0.01), i
    assert got[3] == 0.0
    assert 0.05 < got[0] < 0.95 and got[2] > 0.3


def test_border_buffer_boundary_and_distance_to_the_evros() -> None:
    sites = listed_sites([41.10, 40.0], [26.00, 22.0])
    d = border_line_distance_m(sites, "GRC", "TUR")
    assert 0 < d[0] < 50e3 and d[1] > 250e3
    # the Kipoi crossing on the Evros is on the line (within the data's ~1 km)
    kipoi = listed_sites([40.95333], [26.30667])
    assert border_line_distance_m(kipoi, "GRC", "TUR")[0] < 2e3
    from iamd.plan.demand import DefendedAsset, ThreatAxis, build_demand
    from iamd.plan.placement import build_problem

    demand = build_demand(
        CAT,
        [DefendedAsset(name="x", nation="GRC", lat_deg=41.0, lon_deg=25.5, value=1.0)],
        [
            ThreatAxis(
                name="a", threat_class="drone", threat_type="shahed136", lat_deg=41.5, lon_deg=29.0
            )
        ],
    )
    pool = BatteryPool(owner="GRC", type="pac3_mse", count=1, lent=True, hosts=("GRC",))
    one = listed_sites([41.10], [26.00])
    at = build_problem(CAT, demand, one, [pool], PlanOptions(border_buffer_m=float(d[0])))
    assert at.site_ok[0, 0]
    over = build_problem(CAT, demand, one, [pool], PlanOptions(border_buffer_m=float(d[0]) + 1.0))
    assert not over.site_ok[0, 0]


@pytest.mark.parametrize(
    ("text", "match"),
    [
        ("XXX:pac3_mse x1", "--lend: unknown nation 'XXX'"),
        ("GRC:pac9 x1", "--lend: unknown effector type 'pac9'"),
        ("GRC pac3_mse", "--lend: malformed value"),
        ("GRC:pac3_mse x0", "--lend: the count must be >= 1"),
    ],
)
def test_parse_pool_rejects_bad_values(text: str, match: str) -> None:
    with pytest.raises(InputError, match=match):
        parse_pool(text, "--lend", CAT, ["GRC", "BGR"], lent=True)


def test_parse_pool_reads_owner_type_count_and_hosts() -> None:
    p = parse_pool(" GRC:pac3_mse x2 ", "--lend", CAT, ["GRC", "BGR"], lent=True, hosts=["BGR"])
    assert (p.owner, p.type, p.count, p.hosts) == ("GRC", "pac3_mse", 2, ("GRC", "BGR"))
    assert parse_pool("BGR:iris_t_slm", "--own", CAT, ["BGR"], lent=False).count == 1


@pytest.mark.parametrize("cap", [-0.01, 1.01, float("nan")])
def test_reach_cap_outside_unit_interval_is_refused(cap: float) -> None:
    with pytest.raises(InputError, match=r"--reach-cap must be within \[0, 1\]"):
        PlanOptions(reach_cap=cap)


@pytest.mark.parametrize("cap", [0.0, 1.0])
def test_reach_cap_ends_of_the_interval_are_accepted(cap: float) -> None:
    assert PlanOptions(reach_cap=cap).reach_cap == cap


def test_listed_site_hosts_come_from_the_borders() -> None:
    s = listed_sites([41.15, 42.7, 43.5, 41.33], [24.15, 23.3, 31.0, 25.40])
    # the last: the theatre's former site of the Greek battery, north of Komotini
    assert s.host == ("GRC", "BGR", "", "BGR")


def test_geodesic_helper_sanity() -> None:
    _, _, d = geodesic_inverse(*np.radians([41.0, 25.0, 41.0, 26.0]))
    assert 83e3 < float(d) < 85e3


def _medium(seed: int, *, s_n: int = 40, r_n: int = 300, time_limit_s: float = 60.0) -> PlanProblem:
    """A random instance HiGHS does not solve at once (40 sites, 300 rows, 5 + 3 batteries
    by default), the greedy a few per cent below its optimum."""
    from dataclasses import replace

    rng = np.random.default_rng(seed)
    p = _problem(seed)
    host = tuple("GRC" if i % 3 else "BGR" for i in range(s_n))
    sites = Sites(
        lat_rad=np.radians(42.0 + rng.uniform(0, 0.6, s_n)),
        lon_rad=np.radians(24.0 + rng.uniform(0, 0.8, s_n)),
        host=host,
        names=tuple(f"s{i}" for i in range(s_n)),
    )
    site_ok = np.zeros((s_n, 2), bool)
    site_ok[:, 0] = True
    site_ok[:, 1] = np.array(host) == "BGR"
    zeros = np.zeros(r_n, np.int64)
    return replace(
        p,
        sites=sites,
        pools=(replace(p.pools[0], count=5), replace(p.pools[1], count=3)),
        cover=sp.csr_matrix(rng.random((r_n, s_n * 2)) < 0.05),
        demand=replace(
            p.demand,
            asset=zeros,
            axis=zeros,
            class_index=zeros,
            weight=rng.integers(1, 10, r_n).astype(float),
        ),
        reach=rng.random((s_n, 2)) * 0.4,
        site_ok=site_ok,
        residual=np.ones(r_n),
        options=PlanOptions(min_separation_m=5e3, time_limit_s=time_limit_s),
    )


def test_warm_start_keeps_the_greedy_when_the_time_limit_stops_the_solver() -> None:
    """HiGHS starts from the greedy placement: stopped at once by a 1 ms limit it still
    returns a full placement worth at least the greedy's, unproven, with its status."""
    import iamd.plan.placement as pl

    p = _medium(0, time_limit_s=1e-3)
    s = solve(p)
    g = covered_value(p, greedy(p))
    assert not s.optimal and s.status.startswith("Time limit reached")
    assert s.covered >= g - 1e-9
    assert _feasible(p, s.chosen, None, [pool.count for pool in p.pools])
    res = pl.plan(p, fronts=False)
    assert res.solution.covered >= g - 1e-9


def test_a_given_start_better_than_the_greedy_is_kept() -> None:
    """A start better than the greedy (the annealing's) is the floor of a stopped solve."""
    p = _medium(0, s_n=30, r_n=200, time_limit_s=1e-3)
    g = greedy(p)
    better = local_search(p, g, seed=1, iterations=400)
    assert covered_value(p, better) > covered_value(p, g)
    s = solve(p, start=better)
    assert s.covered >= covered_value(p, better) - 1e-9


def test_the_start_passed_to_highs_is_the_greedy_placement(monkeypatch) -> None:
    """The switch: HiGHS receives the greedy placement as its starting solution (its x on
    the greedy's columns, y on the groups they cover); with the greedy replaced by an empty
    placement, the start is empty — so the floor above comes from the start."""
    import iamd.plan.placement as pl

    p = _medium(0, s_n=30, r_n=200)
    g = greedy(p)
    seen: list[float] = []
    real = pl._QuietHighs.setSolution

    def record(self, *a):  # type: ignore[no-untyped-def]
        seen.append(float(np.sum(np.asarray(a[0].col_value) > 0.5)))
        return real(self, *a)

    monkeypatch.setattr(pl._QuietHighs, "setSolution", record)
    model = pl._build(p, *pl._columns(p, None), (5, 3), useful_only=True)
    pl._solve_model(p, model, None, (5, 3), None)
    x0 = len(g)
    assert seen and seen[0] > x0  # the greedy's batteries and the groups they cover
    monkeypatch.setattr(pl, "greedy", lambda *a, **k: [])
    seen.clear()
    pl._solve_model(
        p, pl._build(p, *pl._columns(p, None), (5, 3), useful_only=True), None, (5, 3), None
    )
    assert seen == [0.0]


@pytest.mark.parametrize("seed", range(4))
def test_front_points_equal_fresh_solves(seed: int) -> None:
    """The fronts reuse one model (bounds changed, previous optimum as start); each point
    equals a fresh solve of that cap or count, solved to a zero gap."""
    from dataclasses import replace

    from iamd.plan.placement import pareto_lent, pareto_reach

    p = _problem(seed, sep_m=10e3)
    p = replace(p, options=replace(p.options, mip_rel_gap=0.0))
    front = pareto_reach(p, 6)
    assert len(front) >= 6 and front["optimal"].all()
    assert (np.diff(front["objective"]) >= -1e-9).all()
    for r in front.itertuples():
        fresh = solve(p, reach_cap=r.x, cap_given=True, at_most=True)
        assert r.objective == pytest.approx(fresh.covered, abs=1e-9), r.x
    lent = pareto_lent(p, 4)
    assert list(lent["x"]) == [0.0, 1.0, 2.0, 3.0, 4.0] and lent["optimal"].all()
    for r in lent.itertuples():
        fresh = solve(p, counts=[int(r.x), p.pools[1].count], at_most=True)
        assert r.objective == pytest.approx(fresh.covered, abs=1e-9), r.x


def test_front_points_within_the_loosest_bound_are_proven_without_a_solve(monkeypatch) -> None:
    """Where the cap does not bind, the loosest cap's dual bound proves every tighter point
    from the previous optimum: HiGHS runs twice (the loosest cap, then cap 0), and every
    point still equals a fresh solve."""
    from dataclasses import replace

    import iamd.plan.placement as pl

    p = _problem(0, sep_m=10e3)
    s0 = int(np.flatnonzero(p.site_ok[:, 0])[0])
    reach = np.zeros_like(p.reach)
    reach[s0, :] = 0.3  # the caps run from 0 to 0.3; only a site that covers nothing reaches
    cover = p.cover.tolil()
    cover[:, [s0 * 2, s0 * 2 + 1]] = 0
    p = replace(
        p,
        reach=reach,
        cover=cover.tocsr(),
        options=replace(p.options, mip_rel_gap=0.0),
    )
    runs: list[float | None] = []
    real = pl._solve_model

    def counted(*a, **k):  # type: ignore[no-untyped-def]
        runs.append(a[2])
        return real(*a, **k)

    monkeypatch.setattr(pl, "_solve_model", counted)
    front = pl.pareto_reach(p, 5)
    assert runs == [0.3, 0.0]
    assert len(front) == 5 and front["optimal"].all()
    assert front["objective"].nunique() == 1
    for r in front.itertuples():
        fresh = solve(p, reach_cap=r.x, cap_given=True, at_most=True)
        assert r.objective == pytest.approx(fresh.covered, abs=1e-9), r.x


def test_same_placement_in_two_processes_and_nothing_on_stdout() -> None:
    """Determinism (fixed seed, one thread): two processes solve the same instance to the
    same placement; HiGHS prints nothing (no banner) on standard output."""
    import subprocess
    import sys
    from pathlib import Path

    code = (
        "import sys; sys.path.insert(0, sys.argv[1]);"
        "from test_plan_placement import _medium;"
        "from iamd.plan.placement import solve;"
        "s = solve(_medium(1, s_n=30, r_n=200));"
        "sys.stderr.write(repr((s.status, s.covered, s.chosen)))"
    )
    here = str(Path(__file__).parent)
    runs = [
        subprocess.run(
            [sys.executable, "-c", code, here], capture_output=True, text=True, check=True
        )
        for _ in range(2)
    ]
    assert runs[0].stdout == "" and runs[1].stdout == ""
    assert "'optimal'" in runs[0].stderr
    assert runs[0].stderr == runs[1].stderr


@pytest.mark.parametrize(
    ("flag", "value", "lo", "hi", "ok"),
    [
        ("--gap", "0.5", 0.0, 0.5, True),
        ("--gap", "0.50001", 0.0, 0.5, False),
        ("--gap", "0", 0.0, 0.5, True),
        ("--gap", "-1e-9", 0.0, 0.5, False),
        ("--buffer-km", "0", 0.0, float("inf"), True),
        ("--buffer-km", "-0.001", 0.0, float("inf"), False),
        ("--buffer-km", "inf", 0.0, float("inf"), False),
    ],
)
def test_numeric_flags_at_their_bounds(
    flag: str, value: str, lo: float, hi: float, ok: bool
) -> None:
    from iamd.plan.cli import _float

    if ok:
        assert _float(flag, value, lo, hi) == float(value)
    else:
        with pytest.raises(InputError, match=f"^{flag} must be"):
            _float(flag, value, lo, hi)


def test_optimal_flag_follows_the_relative_gap_option() -> None:
    from dataclasses import replace

    p = _problem(3)
    s = solve(p)
    assert s.optimal and s.mip_gap <= p.options.mip_rel_gap
    with pytest.raises(InputError, match=r"--gap must be within \[0, 1\)"):
        replace(p.options, mip_rel_gap=1.0)
    assert replace(p.options, mip_rel_gap=0.0).mip_rel_gap == 0.0
