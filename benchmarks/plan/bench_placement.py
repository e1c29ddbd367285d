"""Placement and gap-matrix benchmark: proven optimum at scale, heuristics against it, fronts.

Usage: ``.venv/bin/python benchmarks/plan/bench_placement.py [--spacing-km KM] [--assets N]
[--time-limit S] [--front-points P] [--gap-assets N] [--cache DIR] [--json FILE]``

1. **Placement at scale.** Candidate sites on a grid over Greece, Bulgaria and Romania (real
   borders, ``--spacing-km``), ``--assets`` synthetic defended assets drawn in the three
   nations (seeded: ``SeedSequence(2026)``; values 1-10) against the built-in theatre's threat
   axes plus a fighter axis, giving asset × threat rows; several battery types with lent ones
   (Greek PAC-3 MSE lent to Bulgaria and Romania, Bulgarian IRIS-T SLM and Skynex, Romanian
   PAC-3 MSE), the Evros buffer, 20 km separation and a 10 % reach cap into Türkiye. Reports
   the coverage-matrix build time (the engine's intercept test), the size of the model after
   aggregation, and HiGHS's time to a proven optimum at relative gap <= 1e-4 (``highspy``,
   started from the greedy placement), with the greedy and a simulated-annealing placement's
   value against that optimum. ``--cache DIR`` keeps the built instances (pickled) so that a
   second run times the solver without the coverage build.
2. **Pareto front** of protection against the reach cap, ``--front-points`` caps, each solved
   to the proven gap, on a second instance (``--front-spacing-km``, ``--front-assets``); total
   wall time.
3. **Gap matrix** of the built-in layout for ``--gap-assets`` assets x 4 threat classes.

Timings are wall-clock on this machine (2 shared cores); not part of the test suite.
"""

from __future__ import annotations

import argparse
import json
import pickle
import time
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path

import numpy as np

from iamd.geo.borders import load_countries
from iamd.plan.demand import DefendedAsset, ThreatAxis, build_demand, threat_axes
from iamd.plan.gaps import gap_analysis
from iamd.plan.placement import (
    HIGHS_OPTIONS,
    BatteryPool,
    PlanOptions,
    PlanProblem,
    build_problem,
    covered_value,
    greedy,
    grid_sites,
    local_search,
    pareto_reach,
    solve,
)
from iamd.scenario.loader import load_scenario

NATIONS = ("GRC", "BGR", "ROU")


def synthetic_assets(n: int, seed: int = 2026) -> list[DefendedAsset]:
    """``n`` assets uniformly in the three nations' bounding boxes, kept when inside them."""
    rng = np.random.default_rng(np.random.SeedSequence(seed))
    c = load_countries()
    out: list[DefendedAsset] = []
    while len(out) < n:
        lat = rng.uniform(34.8, 48.3, 4 * n)
        lon = rng.uniform(19.3, 29.8, 4 * n)
        val = rng.integers(1, 11, 4 * n)
        where = c.country_at(np.radians(lat), np.radians(lon))
        for la, lo, v, w in zip(lat, lon, val, where, strict=True):
            if w in NATIONS and len(out) < n:
                out.append(
                    DefendedAsset(
                        name=f"a{len(out)}",
                        nation=str(w),
                        lat_deg=float(la),
                        lon_deg=float(lo),
                        value=float(v),
                    )
                )
    return out


def axes_four_classes() -> list[ThreatAxis]:
    """The built-in theatre's axes plus a fighter axis from the Black Sea."""
    axes = threat_axes(load_scenario("balkans"))
    axes.append(
        ThreatAxis(
            name="fighter@43.00,31.50",
            threat_class="fighter",
            threat_type="fighter",
            lat_deg=43.0,
            lon_deg=31.5,
        )
    )
    return axes


def pools() -> list[BatteryPool]:
    return [
        BatteryPool(owner="GRC", type="pac3_mse", count=3, lent=True, hosts=NATIONS),
        BatteryPool(owner="BGR", type="iris_t_slm", count=3, lent=False, hosts=("BGR",)),
        BatteryPool(owner="BGR", type="skynex", count=4, lent=False, hosts=("BGR",)),
        BatteryPool(owner="ROU", type="pac3_mse", count=2, lent=False, hosts=("ROU",)),
    ]


def _cached(cache: str | None, name: str, build: Callable[[], PlanProblem]) -> PlanProblem:
    """The instance from ``cache/name.pkl`` when there, else built (and stored there)."""
    if cache is None:
        return build()
    path = Path(cache) / f"{name}.pkl"
    if path.exists():
        with path.open("rb") as fh:
            problem: PlanProblem = pickle.load(fh)
        return problem
    problem = build()
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("wb") as fh:
        pickle.dump(problem, fh)
    return problem


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--spacing-km", type=float, default=12.5)
    ap.add_argument("--assets", type=int, default=1550)
    ap.add_argument("--time-limit", type=float, default=600.0)
    ap.add_argument("--front-points", type=int, default=10)
    ap.add_argument("--front-spacing-km", type=float, default=30.0)
    ap.add_argument("--front-assets", type=int, default=200)
    ap.add_argument("--gap-assets", type=int, default=500)
    ap.add_argument("--sa-iterations", type=int, default=3000)
    ap.add_argument("--cache", default=None, help="directory for the built instances")
    ap.add_argument("--json", default=None)
    a = ap.parse_args()
    loaded = load_scenario("balkans")
    cat = loaded.catalog
    report: dict[str, object] = {}

    t0 = time.perf_counter()
    sites = grid_sites(NATIONS, a.spacing_km * 1e3)
    assets = synthetic_assets(a.assets)
    demand = build_demand(cat, assets, axes_four_classes())
    t_demand = time.perf_counter() - t0
    opts = PlanOptions(reach_cap=0.10, time_limit_s=a.time_limit, mip_rel_gap=1e-4)
    hit = (
        a.cache is not None and (Path(a.cache) / f"plan_{a.spacing_km:g}km_{a.assets}.pkl").exists()
    )
    t0 = time.perf_counter()
    problem = _cached(
        a.cache,
        f"plan_{a.spacing_km:g}km_{a.assets}",
        lambda: build_problem(cat, demand, sites, pools(), opts),
    )
    problem = replace(problem, options=opts)
    t_build = time.perf_counter() - t0
    print(f"HiGHS options {HIGHS_OPTIONS}")
    print(
        f"sites {len(sites)}, asset x threat rows {len(demand)} ({len(assets)} assets), "
        f"coverage nnz {problem.cover.nnz}; demand {t_demand:.1f} s, coverage + reach "
        f"{t_build:.1f} s{' (loaded from --cache)' if hit else ''}"
    )
    t0 = time.perf_counter()
    sol = solve(problem)
    t_solve = time.perf_counter() - t0
    print(
        f"MILP: {sol.status}, covered {sol.covered:.2f}, dual bound {sol.dual_bound:.2f}, "
        f"gap {sol.mip_gap:.2e}; {sol.groups} groups, {sol.columns} columns; solve "
        f"{sol.solve_s:.1f} s (with model build {t_solve:.1f} s)"
    )
    t0 = time.perf_counter()
    g = greedy(problem)
    t_greedy = time.perf_counter() - t0
    v_g = covered_value(problem, g)
    t0 = time.perf_counter()
    ls = local_search(problem, g, seed=1, iterations=a.sa_iterations)
    t_ls = time.perf_counter() - t0
    v_ls = covered_value(problem, ls)
    ref = sol.covered if sol.optimal else sol.dual_bound
    what = "the optimum" if sol.optimal else "HiGHS's dual bound (optimum not proven)"
    print(
        f"greedy {v_g:.2f} ({100 * (ref - v_g) / ref:.2f} % below {what}, {t_greedy:.1f} s); "
        f"annealing from greedy {v_ls:.2f} ({100 * (ref - v_ls) / ref:.2f} % below, "
        f"{t_ls:.1f} s); HiGHS incumbent {sol.covered:.2f}"
    )
    report["placement"] = {
        "sites": len(sites),
        "rows": len(demand),
        "assets": len(assets),
        "batteries": sum(p.count for p in problem.pools),
        "types": list(problem.types),
        "groups": sol.groups,
        "columns": sol.columns,
        "coverage_s": t_build,
        "solve_s": sol.solve_s,
        "solve_with_build_s": t_solve,
        "status": sol.status,
        "optimal": sol.optimal,
        "mip_gap": sol.mip_gap,
        "covered": sol.covered,
        "dual_bound": sol.dual_bound,
        "greedy": v_g,
        "greedy_s": t_greedy,
        "annealing": v_ls,
        "annealing_s": t_ls,
    }

    f_sites = grid_sites(NATIONS, a.front_spacing_km * 1e3)
    f_demand = build_demand(cat, synthetic_assets(a.front_assets), axes_four_classes())
    f_opts = replace(opts, reach_cap=None, time_limit_s=a.time_limit)
    f_problem = _cached(
        a.cache,
        f"plan_{a.front_spacing_km:g}km_{a.front_assets}_front",
        lambda: build_problem(cat, f_demand, f_sites, pools(), f_opts),
    )
    f_problem = replace(f_problem, options=f_opts)
    t0 = time.perf_counter()
    front = pareto_reach(f_problem, a.front_points)
    t_front = time.perf_counter() - t0
    print(
        f"Pareto front (protection vs reach cap) on {len(f_sites)} sites x {len(f_demand)} "
        f"rows: {len(front)} points, all proven: {bool(front['optimal'].all())}, "
        f"{t_front:.1f} s"
    )
    for r in front.itertuples():
        print(f"  cap {r.x:.3f}: {r.objective:.2f} (gap {r.mip_gap:.1e}, {r.solve_s:.1f} s)")
    report["front"] = {
        "sites": len(f_sites),
        "rows": len(f_demand),
        "points": len(front),
        "all_optimal": bool(front["optimal"].all()),
        "seconds": t_front,
        "values": front[["x", "objective", "mip_gap"]].to_dict("records"),
    }

    gap_assets = synthetic_assets(a.gap_assets, seed=7)
    t0 = time.perf_counter()
    ga = gap_analysis(loaded, assets=gap_assets, axes=axes_four_classes())
    t_gap = time.perf_counter() - t0
    classes = sorted(set(ga.rows["threat_class"]))
    print(
        f"gap matrix: {len(gap_assets)} assets x {len(classes)} classes = {len(ga.rows)} "
        f"rows, {len(ga.units_array)} units: {t_gap:.2f} s"
    )
    report["gaps"] = {
        "assets": len(gap_assets),
        "classes": classes,
        "rows": len(ga.rows),
        "seconds": t_gap,
    }
    if a.json:
        with open(a.json, "w", encoding="utf-8") as fh:
            json.dump(report, fh, indent=2)


if __name__ == "__main__":
    main()
