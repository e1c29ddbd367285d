"""Where a Dask worker's extra CPU per run goes: one setting of ``LOCAL_CLUSTER_CONFIG`` at a time.

Usage: ``.venv/bin/python benchmarks/campaign/bench_dask_settings.py [--rounds 3] [--runs 10]
[--duration-s 400] [--workers 2]``

Runs the same run (run 0 of the built-in Balkans scenario cut to ``--duration-s``, policy
``integrated``, seed 1: identical work every time) ``--runs`` times on W workers, for each of:
a local process pool (the yardstick), a Dask LocalCluster with Dask's default settings, the
same with one group of ``iamd.analysis.executors.LOCAL_CLUSTER_CONFIG`` applied (``trim``: no
``MALLOC_TRIM_THRESHOLD_``; ``profiler``: no statistical profiler; ``checks``: tick, memory and
system monitors every second), and with all of it (what ``--dask local:N`` uses). The
configurations are interleaved, ``--rounds`` times, so that a change of load from other
processes hits them all alike. Measured inside the worker, per run: CPU seconds of the whole
worker process (median and minimum over the runs), the share of it spent outside the task
thread (the event loop: profiler, ticks, monitors, heartbeats), system seconds, minor page
faults and involuntary context switches (``getrusage``).

Not part of the test suite: timing claims live here.
"""

from __future__ import annotations

import argparse
import os
import re
import resource
import statistics
import time
from collections.abc import Callable
from typing import Any

from iamd.analysis.executors import LOCAL_CLUSTER_CONFIG, DaskExecutor, LocalProcessExecutor
from iamd.scenario.loader import builtin_scenario_text

GROUPS = {
    "trim": ("distributed.nanny.pre-spawn-environ.MALLOC_TRIM_THRESHOLD_",),
    "profiler": ("distributed.worker.profile.enabled",),
    "checks": (
        "distributed.admin.tick.interval",
        "distributed.admin.system-monitor.interval",
        "distributed.worker.memory.monitor-interval",
    ),
}


def measured_run(text: str) -> dict[str, float]:
    """Run 0 of ``text`` in this worker; its CPU, page faults and context switches."""
    from iamd.analysis.runs import run_one

    r0 = resource.getrusage(resource.RUSAGE_SELF)
    c0, t0 = time.process_time(), time.thread_time()
    rec = run_one(text, "bench", "integrated", 0, 1, {})
    cpu, task = time.process_time() - c0, time.thread_time() - t0
    r1 = resource.getrusage(resource.RUSAGE_SELF)
    assert rec["status"] == "ok", rec["error"]
    return {
        "cpu_s": cpu,
        "loop_share": (cpu - task) / cpu,
        "sys_s": r1.ru_stime - r0.ru_stime,
        "minflt": r1.ru_minflt - r0.ru_minflt,
        "nivcsw": r1.ru_nivcsw - r0.ru_nivcsw,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--runs", type=int, default=10)
    parser.add_argument("--duration-s", type=int, default=400)
    parser.add_argument("--workers", type=int, default=2)
    args = parser.parse_args()
    text = re.sub(
        r"^duration_s: \d+$",
        f"duration_s: {args.duration_s}",
        builtin_scenario_text("balkans"),
        flags=re.M,
    )
    w = args.workers
    configs: list[tuple[str, Callable[[], Any]]] = [
        ("local pool", lambda: LocalProcessExecutor(w)),
        ("Dask, Dask's defaults", lambda: DaskExecutor(workers=w, local_config={})),
    ]
    for name, keys in GROUPS.items():
        part = {k: LOCAL_CLUSTER_CONFIG[k] for k in keys}
        configs.append((f"Dask, defaults + {name}", _dask_with(w, part)))
    configs.append(("Dask, LOCAL_CLUSTER_CONFIG", lambda: DaskExecutor(workers=w)))
    results: dict[str, list[dict[str, float]]] = {name: [] for name, _ in configs}
    loads: list[float] = []
    print(f"{os.cpu_count()} CPUs, {w} workers, load average before {os.getloadavg()[0]:.2f}")
    for r in range(args.rounds):
        for name, make in configs:
            with make() as ex:
                list(ex.map_unordered(measured_run, [(i, (text,)) for i in range(w)]))  # warm
                tasks = [(i, (text,)) for i in range(args.runs)]
                results[name] += [res for _, res in ex.map_unordered(measured_run, tasks)]
            loads.append(os.getloadavg()[0])
        print(f"round {r + 1}: load average {loads[-1]:.2f}", flush=True)
    base = statistics.median(x["cpu_s"] for x in results["local pool"])
    print(
        "\n| executor | CPU s per run (median) | min | vs pool | outside the task thread "
        "| system s | minor faults | involuntary switches |"
    )
    print("|---|---:|---:|---:|---:|---:|---:|---:|")
    for name, rows in results.items():

        def med(key: str, rows: list[dict[str, float]] = rows) -> float:
            return statistics.median(x[key] for x in rows)

        cpu = med("cpu_s")
        print(
            f"| {name} | {cpu:.2f} | {min(x['cpu_s'] for x in rows):.2f} | {cpu / base:.2f}x "
            f"| {100 * med('loop_share'):.1f} % | {med('sys_s'):.3f} | {med('minflt'):,.0f} "
            f"| {med('nivcsw'):,.0f} |"
        )
    print(f"\nload average during: {min(loads):.2f} to {max(loads):.2f}")


def _dask_with(workers: int, config: dict[str, Any]) -> Callable[[], DaskExecutor]:
    return lambda: DaskExecutor(workers=workers, local_config=config)


if __name__ == "__main__":
    main()
