"""CPU time and memory of the night-raid example, and how they grow with the number of objects.

Usage::

    .venv/bin/python benchmarks/bench_night_raid.py [--duration-s S] [--scale F ...]

Runs ``examples/night_raid.yaml`` (1,000 drones and missiles over three hours, 1,560
airliners, the built-in defences) for the first ``--duration-s`` seconds of the night, once per
``--scale`` F: every raid's ``count`` and every airway's ``flights`` multiplied by F (at least
one each; general aviation unchanged), the launch times and departures as in the file. Each
run is a fresh process (``multiprocessing`` with ``spawn``), so its peak resident memory
(``ru_maxrss``) is its own. Prints, per scale: objects, CPU seconds of the run
(``time.process_time``, truth included), simulated time / CPU time, CPU per step, peak memory;
then the growth exponent ``b`` of CPU ≈ a · objectsᵇ fitted over the scales (1 is linear).

The issue's goal for the whole night (10,800 s) is ≥ 100× real time on one core and ≤ 2 GB;
timing claims live here, never in the test suite. BLAS is pinned to one thread.
"""

from __future__ import annotations

import argparse
import math
import multiprocessing as mp
import os
import resource
import time
from pathlib import Path

for _var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(_var, "1")

SCENARIO = Path(__file__).resolve().parents[1] / "examples" / "night_raid.yaml"


def _one(duration_s: float, scale: float, queue: mp.Queue) -> None:  # type: ignore[type-arg]
    from dataclasses import replace

    import iamd

    loaded = iamd.load_scenario(str(SCENARIO))
    sc = loaded.scenario
    raids = [r.model_copy(update={"count": max(1, round(r.count * scale))}) for r in sc.raids]
    airways = [
        a.model_copy(update={"flights": max(1, round(a.flights * scale))})
        for a in sc.civil_traffic.airways
    ]
    civil = sc.civil_traffic.model_copy(update={"airways": airways})
    sc = sc.model_copy(update={"raids": raids, "civil_traffic": civil, "duration_s": duration_s})
    loaded = replace(loaded, scenario=sc)
    t0 = time.process_time()
    res = iamd.run(loaded, seed=1)
    cpu = time.process_time() - t0
    s = res.summary
    queue.put(
        {
            "scale": scale,
            "threats": int(sum(r.count for r in raids)),
            "airliners": int(sum(a.flights for a in airways)),
            "cpu_s": cpu,
            "steps": round(duration_s / sc.time_step_s) + 1,
            "launched": int(s["threats_launched"]),
            "destroyed": int(s["threats_destroyed"]),
            "rss_gb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1e6,
        }
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--duration-s", type=float, default=900.0)
    parser.add_argument("--scale", type=float, nargs="+", default=[0.25, 0.5, 1.0])
    args = parser.parse_args()
    ctx = mp.get_context("spawn")
    rows = []
    for scale in args.scale:
        queue = ctx.Queue()
        proc = ctx.Process(target=_one, args=(args.duration_s, scale, queue))
        proc.start()
        row = queue.get()
        proc.join()
        rows.append(row)
        objects = row["threats"] + row["airliners"]
        print(
            f"scale {scale:g}: {row['threats']} threats ({row['launched']} launched by "
            f"{args.duration_s:g} s, {row['destroyed']} destroyed), {row['airliners']} "
            f"airliners scheduled, {objects} objects: CPU {row['cpu_s']:.1f} s, "
            f"{args.duration_s / row['cpu_s']:.1f}x real time, "
            f"{1e3 * row['cpu_s'] / row['steps']:.1f} ms/step, peak {row['rss_gb']:.2f} GB",
            flush=True,
        )
    if len(rows) >= 2:
        xs = [math.log(r["threats"] + r["airliners"]) for r in rows]
        ys = [math.log(r["cpu_s"]) for r in rows]
        mx, my = sum(xs) / len(xs), sum(ys) / len(ys)
        b = sum((x - mx) * (y - my) for x, y in zip(xs, ys, strict=True)) / sum(
            (x - mx) ** 2 for x in xs
        )
        print(f"growth: CPU ~ objects^{b:.2f} over scales {', '.join(map(str, args.scale))}")


if __name__ == "__main__":
    main()
