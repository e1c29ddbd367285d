"""Static WTA solvers on the Andersen-Pavlikov-Toffolo instances and on a cost-aware raid.

Part 1: every ``wta_*.txt.gz`` in ``../shared/data/wta`` (GPL-3.0 test data, read in place):
the MMR greedy and the fast solver (``solve(method="fast", time_limit_s=1.0)``), their
objective, wall time and gap to the best known upper bound of Andersen, Pavlikov & Toffolo
(2022, CPLEX 2 h), quoted two ways: as a share of that bound (residual value) and as a share
of the total target value. Side by side: the CPLEX bounds and the greedy gap range the paper
reports (1.4-3.9 % with one unit per type, 14-29 % with two or three).

Part 2: a synthetic raid of 200 one-way attack drones and 20 missiles against lasers, guns
and interceptors, solved with ``lambda_cost = 0`` (cost ignored) and ``lambda_cost = 1``
(one USD of ammunition weighs as much as one USD of expected damage): expected leakers, cost,
cost per expected kill, and the exact optimum (outer approximation, HiGHS) for reference.

    .venv/bin/python benchmarks/wta/bench_wta.py [--time-limit 1.0] [--only 200x400]
        [--published-exact 120] [--raid-exact 120] [--no-raid]
    .venv/bin/python benchmarks/wta/bench_wta.py --profile wta_200x400x3

Timing claims live here, never in the tests. Times are wall clock on one core.
"""

from __future__ import annotations

import argparse
import cProfile
import csv
import pstats
import re
import sys
import time
from pathlib import Path

import numpy as np

from iamd.engage.wta import WTAProblem, objective, read_instance, solve, solve_exact
from iamd.rng import stream

DATA = Path(__file__).resolve().parents[2].parent / "shared" / "data" / "wta"
PAPER_GREEDY = {1: "1.4–3.9", 2: "14–29", 3: "14–29"}  # % above best known, as published
GOAL_PCT = {1: 0.5, 2: 3.0, 3: 3.0}


def _size_key(path: Path) -> tuple[int, ...]:
    m, _n, mu = (int(a) for a in re.findall(r"\d+", path.name))
    return (m, mu)


def benchmark_instances(time_limit_s: float, only: str | None, seed: int) -> list[str]:
    best = {}
    with (DATA / "best_known.csv").open() as fh:
        for r in csv.DictReader(fh):
            best[r["instance"]] = (float(r["best_lower_bound"]), float(r["best_upper_bound"]))
    files = sorted(DATA.glob("wta_*.txt.gz"), key=_size_key)
    if only:
        files = [f for f in files if only in f.name]
    rows = [
        "| instance | m×n×μ | CPLEX LB | CPLEX UB | greedy | greedy gap % UB | "
        "paper greedy % | greedy ms | fast | fast gap % UB | fast gap % value | fast s | goal |",
        "|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---|",
    ]
    print("\n".join(rows), flush=True)
    for path in files:
        name = path.name.removesuffix(".txt.gz")
        m, n, mu = (int(a) for a in re.findall(r"\d+", name))
        p = read_instance(path)
        lb, ub = best[name]
        total = float(p.values.sum())
        g = solve(p, method="greedy")
        f = solve(p, method="fast", time_limit_s=time_limit_s, seed=seed)
        g_gap = 100.0 * (g.objective / ub - 1.0)
        f_gap = 100.0 * (f.objective / ub - 1.0)
        f_gap_v = 100.0 * (f.objective - ub) / total
        ok = "✓" if f_gap <= GOAL_PCT[mu] and f.time_s <= time_limit_s * 1.1 else "✗"
        rows.append(
            f"| {name} | {m}×{n}×{mu} | {lb:.4f} | {ub:.4f} | {g.objective:.4f} | {g_gap:.2f} | "
            f"{PAPER_GREEDY[mu]} | {1e3 * g.time_s:.0f} | {f.objective:.4f} | {f_gap:.2f} | "
            f"{f_gap_v:.4f} | {f.time_s:.2f} | {ok} |"
        )
        print(rows[-1], flush=True)
    return rows


def benchmark_anytime(names: list[str], limits: list[float], seed: int) -> list[str]:
    """Gap of the fast solver (% above the best known) against its time limit."""
    best = {}
    with (DATA / "best_known.csv").open() as fh:
        for r in csv.DictReader(fh):
            best[r["instance"]] = float(r["best_upper_bound"])
    rows = [
        "| instance | " + " | ".join(f"{t:g} s" for t in limits) + " |",
        "|---|" + "---:|" * len(limits),
    ]
    print("\n".join(rows), flush=True)
    for name in names:
        p = read_instance(DATA / f"{name}.txt.gz")
        gaps = []
        for t in limits:
            f = solve(p, method="fast", time_limit_s=t, seed=seed)
            gaps.append(100.0 * (f.objective / best[name] - 1.0))
        rows.append(f"| {name} | " + " | ".join(f"{g:.2f}" for g in gaps) + " |")
        print(rows[-1], flush=True)
    return rows


def benchmark_exact(names: list[str], time_limit_s: float) -> list[str]:
    """The exact method (fast incumbent, then outer approximation) on published instances."""
    best = {}
    with (DATA / "best_known.csv").open() as fh:
        for r in csv.DictReader(fh):
            best[r["instance"]] = (float(r["best_lower_bound"]), float(r["best_upper_bound"]))
    rows = [
        "| instance | CPLEX LB | CPLEX UB | exact status | objective | bound | s |",
        "|---|---:|---:|---|---:|---:|---:|",
    ]
    print("\n".join(rows), flush=True)
    for name in names:
        p = read_instance(DATA / f"{name}.txt.gz")
        sol = solve(p, method="exact", time_limit_s=time_limit_s)
        bound = "–" if sol.bound is None else f"{sol.bound:.6f}"
        lb, ub = best[name]
        rows.append(
            f"| {name} | {lb:.6f} | {ub:.6f} | {sol.status} | {sol.objective:.6f} | {bound} | "
            f"{sol.time_s:.1f} |"
        )
        print(rows[-1], flush=True)
    return rows


# --------------------------------------------------------------------------------------------
# cost-aware raid


def raid_problem(seed: int = 2024) -> WTAProblem:
    """200 drones + 20 missiles against 4 lasers, 6 guns and 6 interceptor batteries.

    Values are expected damage if the threat leaks (USD): drones 0.2-1 M$, missiles
    10-40 M$. Costs per unit fired: laser shot 4 $, gun engagement (burst) 40 k$,
    interceptor 1-4 M$. Magazines: 40 laser shots, 12 gun engagements, 8 interceptors per
    unit. Each fire unit reaches part of the raid (lasers 35 %, guns 45 %,
    interceptors 85 % of the threats); in reach, pk by class: laser 0.7 drone / 0.03 missile,
    gun 0.5 / 0.15, interceptor 0.9 / 0.8, each times U(0.8, 1). Illustrative, unclassified.
    """
    rng = stream(seed, "bench-wta-raid")
    n_drone, n_missile = 200, 20
    is_missile = np.r_[np.zeros(n_drone, bool), np.ones(n_missile, bool)]
    values = np.where(
        is_missile,
        rng.uniform(10e6, 40e6, is_missile.size),
        rng.uniform(0.2e6, 1.0e6, is_missile.size),
    )
    kinds = ["laser"] * 4 + ["gun"] * 6 + ["interceptor"] * 6
    reach = {"laser": 0.35, "gun": 0.45, "interceptor": 0.85}
    pk_drone = {"laser": 0.7, "gun": 0.5, "interceptor": 0.9}
    pk_missile = {"laser": 0.03, "gun": 0.15, "interceptor": 0.8}
    magazine = {"laser": 40, "gun": 12, "interceptor": 8}
    pk = np.zeros((len(kinds), is_missile.size))
    cost = np.zeros(len(kinds))
    units = np.zeros(len(kinds), dtype=np.int64)
    for i, k in enumerate(kinds):
        in_reach = rng.random(is_missile.size) < reach[k]
        base = np.where(is_missile, pk_missile[k], pk_drone[k])
        pk[i] = in_reach * base * rng.uniform(0.8, 1.0, is_missile.size)
        units[i] = magazine[k]
        cost[i] = {"laser": 4.0, "gun": 40e3, "interceptor": rng.uniform(1e6, 4e6)}[k]
    names = tuple(f"{k}-{i}" for i, k in enumerate(kinds))
    targets = tuple(("missile" if mm else "drone") + f"-{j}" for j, mm in enumerate(is_missile))
    return WTAProblem(
        values=values,
        pk=pk,
        units=units,
        cost_per_unit=cost,
        weapon_types=names,
        target_names=targets,
    )


def benchmark_raid(time_limit_s: float, seed: int, exact_s: float) -> list[str]:
    base = raid_problem()
    kinds = np.array([w.split("-")[0] for w in base.weapon_types or ()])
    missile = np.array([t.startswith("missile") for t in base.target_names or ()])
    rows = [
        "| λ | expected leakers (drones / missiles) | expected damage M$ | ammunition cost M$ "
        "| cost per expected kill k$ | lasers / guns / interceptors fired "
        "| interceptors at drones / missiles | objective M$ | s | exact optimum M$ | fast gap % |",
        "|---|---|---:|---:|---:|---|---|---:|---:|---:|---:|",
    ]
    print("\n".join(rows), flush=True)
    for lam in (0.0, 0.1, 1.0):
        p = WTAProblem(
            values=base.values,
            pk=base.pk,
            units=base.units,
            cost_per_unit=base.cost_per_unit,
            lambda_cost=lam,
            weapon_types=base.weapon_types,
            target_names=base.target_names,
        )
        sol = solve(p, method="fast", time_limit_s=time_limit_s, seed=seed)
        surv = np.prod((1.0 - p.pk) ** sol.x, axis=0)
        leak_d, leak_m = float(surv[~missile].sum()), float(surv[missile].sum())
        kills = p.n - float(surv.sum())
        fired = [int(sol.x[kinds == k].sum()) for k in ("laser", "gun", "interceptor")]
        icpt = sol.x[kinds == "interceptor"]
        at_d, at_m = int(icpt[:, ~missile].sum()), int(icpt[:, missile].sum())
        assert abs(sol.objective - float(objective(p, sol.x))) < 1e-6 * sol.objective
        ref, gap = "–", "–"
        if exact_s > 0:
            ex = solve_exact(p, time_limit_s=exact_s, x0=sol.x)
            ref = f"{ex.objective / 1e6:.3f} ({ex.status}, bound {ex.bound / 1e6:.3f})"
            gap = f"{100.0 * (sol.objective / ex.objective - 1.0):.2f}"
        rows.append(
            f"| {lam:g} | {leak_d + leak_m:.2f} ({leak_d:.2f} / {leak_m:.2f}) | "
            f"{sol.surviving_value / 1e6:.2f} | {sol.cost / 1e6:.2f} | "
            f"{sol.cost / kills / 1e3:.1f} | {fired[0]} / {fired[1]} / {fired[2]} "
            f"(of {int(p.units[kinds == 'laser'].sum())} / {int(p.units[kinds == 'gun'].sum())}"
            f" / {int(p.units[kinds == 'interceptor'].sum())}) | {at_d} / {at_m} | "
            f"{sol.objective / 1e6:.2f} | {sol.time_s:.2f} | {ref} | {gap} |"
        )
        print(rows[-1], flush=True)
    return rows


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--time-limit", type=float, default=1.0, help="fast solver budget (s)")
    ap.add_argument("--only", default=None, help="only instances whose name contains this")
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--profile", default=None, help="profile the fast solver on one instance")
    ap.add_argument("--no-raid", action="store_true")
    ap.add_argument(
        "--published-exact",
        type=float,
        default=0.0,
        help="also run the exact method on the smallest instances with this budget (s)",
    )
    ap.add_argument(
        "--raid-exact", type=float, default=120.0, help="exact reference budget (s), 0: none"
    )
    args = ap.parse_args(argv)
    if not DATA.exists():
        print(f"{DATA} is absent: nothing to benchmark", file=sys.stderr)
        return 1
    if args.profile:
        p = read_instance(DATA / f"{args.profile}.txt.gz")
        prof = cProfile.Profile()
        t0 = time.perf_counter()
        prof.runcall(solve, p, "fast", args.time_limit, args.seed)
        print(f"{args.profile}: {time.perf_counter() - t0:.2f} s under the profiler")
        pstats.Stats(prof).sort_stats("tottime").print_stats(12)
        return 0
    print(f"# WTA benchmark, fast time limit {args.time_limit} s, seed {args.seed}\n")
    benchmark_instances(args.time_limit, args.only, args.seed)
    if not args.only:
        print()
        names = [f"wta_200x400x{mu}" for mu in (1, 2, 3)]
        benchmark_anytime(names, [0.25, 0.5, 1.0, 2.0, 4.0], args.seed)
    if args.published_exact > 0:
        print()
        names = ["wta_50x100x1", "wta_50x100x2", "wta_50x100x3", "wta_100x200x1"]
        benchmark_exact(names, args.published_exact)
    if not args.no_raid:
        print()
        benchmark_raid(args.time_limit, args.seed, args.raid_exact)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
