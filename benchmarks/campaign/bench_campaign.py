"""Campaign throughput: runs per second on one core, and the speed-up of 2 local workers.

Usage: ``.venv/bin/python benchmarks/campaign/bench_campaign.py [--runs N] [--workers W]
[--rounds R]``

Runs the same N runs of the built-in Balkans scenario (policy ``integrated``, base seed 1)
four ways, side by side in one invocation: in this process (one core), on a local process
pool of W workers, on a Dask LocalCluster of W single-threaded worker processes with the
settings of ``iamd.analysis.executors.LOCAL_CLUSTER_CONFIG``, and on the same LocalCluster
with Dask's default settings (what ``--dask local:W`` used before those settings). Each
executor is started and warmed up (one short run per worker) before the clock starts, and
its start-up time is reported apart. Prints runs per second, the speed-up against one core
(goal: >= 1.8x with 2 workers on 2 cores), the CPU time the runs got per second of wall time
(``CPU busy``: 1.0 for one fully used core; less when other processes compete), checks
that all give identical records, and profiles one run (cProfile, top functions by
own time and by cumulative time).

With ``--rounds R`` the four are run R times, each round starting with the next executor, and
the table shows medians over the rounds (the speed-up is the median of each round's ratio to
that round's in-process time). On a shared or virtual machine the speed of a core drifts by
tens of per cent over minutes; one round measures the executors minutes apart, so it
compares the drift as much as the executors.

Not part of the test suite: timing claims live here.
"""

from __future__ import annotations

import argparse
import cProfile
import os
import pstats
import re
import statistics
import time
from collections.abc import Callable, Hashable
from typing import Any

from iamd.analysis.executors import (
    DaskExecutor,
    InProcessExecutor,
    LocalProcessExecutor,
)
from iamd.analysis.runs import run_one
from iamd.scenario.loader import builtin_scenario_text, load_scenario
from iamd.sim.engine import run

POLICY = "integrated"
SEED = 1


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=8)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--rounds", type=int, default=1)
    parser.add_argument("--top", type=int, default=15)
    args = parser.parse_args()
    text = builtin_scenario_text("balkans")
    warm_text = re.sub(r"^duration_s: \d+$", "duration_s: 60", text, flags=re.M)
    tasks = [
        ((i, POLICY, ""), (text, "builtin:balkans", POLICY, i, SEED, {})) for i in range(args.runs)
    ]
    warm = [
        ((-1 - i, POLICY, ""), (warm_text, "warm", POLICY, i, SEED, {}))
        for i in range(args.workers)
    ]
    print(f"load average before: {os.getloadavg()[0]:.2f} (other processes share the cores)")
    print(
        f"{os.cpu_count()} CPUs; {args.runs} runs of builtin:balkans ({POLICY}), seed {SEED}; "
        f"{args.rounds} round(s)"
    )
    results: dict[str, list[dict[str, Any]]] = {}
    makers: list[tuple[str, Callable[[], Any]]] = [
        ("in-process (1 core)", InProcessExecutor),
        (f"local pool, {args.workers} workers", lambda: LocalProcessExecutor(args.workers)),
        (f"Dask LocalCluster, {args.workers} workers", lambda: DaskExecutor(workers=args.workers)),
        (
            f"Dask LocalCluster, {args.workers} workers, Dask's default settings",
            lambda: DaskExecutor(workers=args.workers, local_config={}),
        ),
    ]
    rows: dict[str, list[tuple[float, ...]]] = {name: [] for name, _ in makers}
    for rnd in range(args.rounds):
        # each round starts with another executor, so a drift of the machine's speed
        # (other processes, other virtual machines on the host) does not favour one of them
        for name, make in makers[rnd % len(makers) :] + makers[: rnd % len(makers)]:
            t0 = time.perf_counter()
            ex = make()
            list(ex.map_unordered(run_one, warm))
            t_start = time.perf_counter() - t0
            t0 = time.perf_counter()
            out: list[tuple[Hashable, Any]] = list(ex.map_unordered(run_one, tasks))
            wall = time.perf_counter() - t0
            ex.close()
            recs = sorted((r for _, r in out), key=lambda r: r["run"])
            assert all(r["status"] == "ok" for r in recs), [r["error"] for r in recs]
            timing = ("elapsed_s", "cpu_s")
            results[name] = [{k: v for k, v in r.items() if k not in timing} for r in recs]
            mean_run = sum(r["elapsed_s"] for r in recs) / len(recs)
            cpu = sum(r["cpu_s"] for r in recs)
            rows[name].append(
                (t_start, wall, mean_run, cpu / len(recs), cpu / wall, os.getloadavg()[0])
            )
    base = [row[1] for row in rows[makers[0][0]]]
    print()
    print(
        "| executor | start-up s | wall s | runs/s | speed-up | wall s per run (in worker) "
        "| CPU s per run | CPU busy (cores) | load avg after |"
    )
    print("|---|---:|---:|---:|---:|---:|---:|---:|---:|")
    for name, got in rows.items():
        med = [statistics.median(col) for col in zip(*got, strict=True)]
        t_start, wall, mean_run, cpu_run, busy, load = med
        speedup = statistics.median(b / row[1] for b, row in zip(base, got, strict=True))
        print(
            f"| {name} | {t_start:.1f} | {wall:.1f} | {args.runs / wall:.3f} | {speedup:.2f}x "
            f"| {mean_run:.2f} | {cpu_run:.2f} | {busy:.2f} | {load:.2f} |"
        )
    if args.rounds > 1:
        print("\n(medians over the rounds; speed-up: median of the rounds' ratios)")
        print("speed-up in each round: ")
        for name, got in rows.items():
            each = ", ".join(f"{b / row[1]:.2f}x" for b, row in zip(base, got, strict=True))
            print(f"  {name}: {each}")
    first = next(iter(results.values()))
    same = all(v == first for v in results.values())
    print(f"\nidentical records from every executor: {same}")

    loaded = load_scenario("balkans")
    prof = cProfile.Profile()
    t0 = time.perf_counter()
    prof.enable()
    run(loaded, seed=SEED)
    prof.disable()
    print(f"\nprofile of one run ({time.perf_counter() - t0:.2f} s under cProfile)")
    stats = pstats.Stats(prof)
    for key, title in (("tottime", "own time"), ("cumulative", "cumulative time")):
        print(f"\ntop {args.top} functions by {title}:")
        stats.sort_stats(key)
        entries = [(k, stats.stats[k]) for k in stats.fcn_list[: args.top]]  # type: ignore[attr-defined]
        for (fname, line, func), (_, ncalls, tt, ct, _) in entries:
            where = f"{os.path.basename(fname)}:{line}({func})"
            print(f"  {tt:7.2f} s own {ct:7.2f} s cum {ncalls:8d} calls  {where}")


if __name__ == "__main__":
    main()
