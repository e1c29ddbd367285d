"""CPU time of one run of the built-in Balkans scenario, and where it goes.

Usage: ``.venv/bin/python benchmarks/bench_run.py [--repeat N]``

Prints the median CPU time of the process (``time.process_time``: every thread, so
multi-threaded BLAS counts) and the wall time of the whole run, the CPU time per simulated
step, and the stages (truth, and the sensing/tracking/identification/engagement kernels as
measured by cProfile's cumulative times). On a shared machine the CPU time is the figure to
compare; wall time includes the waits for a core. Not part of the test suite: timing claims
live here.
"""

from __future__ import annotations

import argparse
import cProfile
import pstats
import statistics
import time

from iamd.scenario.loader import load_scenario
from iamd.sim.engine import run
from iamd.world.truth import build_truth

STAGES = {
    "truth (build_truth)": "world/truth.py",
    "sensing (scan)": "sense/scan.py",
    "pictures (sensed tracking)": "track/sensed.py",
    "identification (stage)": "identify/stage.py",
    "threat evaluation": "engage/threat.py",
    "envelopes (intercept_options)": "engage/envelope.py",
    "assignment and shots (choose)": "engage/shoot.py",
}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    loaded = load_scenario("balkans")
    times, walls = [], []
    for _ in range(args.repeat):
        w0, t0 = time.perf_counter(), time.process_time()
        result = run(loaded, seed=1)
        times.append(time.process_time() - t0)
        walls.append(time.perf_counter() - w0)
    steps = len(result.truth.t_grid_s)
    t0 = time.process_time()
    build_truth(loaded, 1)
    t_truth = time.process_time() - t0
    prof = cProfile.Profile(time.process_time)
    prof.enable()
    run(loaded, seed=1)
    prof.disable()
    stats = pstats.Stats(prof)
    cumulative = {
        name: max(
            (v[3] for k, v in stats.stats.items() if k[0].endswith(fname)),  # type: ignore[attr-defined]
            default=0.0,
        )
        for name, fname in STAGES.items()
    }
    n_obj = len(result.truth.ids)
    median = statistics.median(times)
    print(
        f"built-in scenario: {n_obj} objects, {len(result.sensors)} radars, "
        f"{len(result.effectors)} fire units, {steps} steps of "
        f"{loaded.scenario.time_step_s:g} s"
    )
    print(
        f"run: median {median:.2f} s CPU over {args.repeat} ({1e3 * median / steps:.2f} ms/step); "
        f"simulated/CPU = {loaded.scenario.duration_s / median:.0f}x; "
        f"wall {statistics.median(walls):.2f} s"
    )
    print(f"truth alone: {t_truth:.2f} s CPU")
    for name, t in cumulative.items():
        print(f"  {name:32s} {t:6.2f} s (profiled)")


if __name__ == "__main__":
    main()
