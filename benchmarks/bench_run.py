"""Wall time of one run of the built-in Balkans scenario, and where it goes.

Usage: ``.venv/bin/python benchmarks/bench_run.py [--repeat N]``

Prints the median wall time of the whole run and of its stages (truth, and the
sensing/engagement kernels as measured by cProfile's cumulative times), and the time per
simulated step. Not part of the test suite: timing claims live here.
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
    times = []
    for _ in range(args.repeat):
        t0 = time.perf_counter()
        result = run(loaded, seed=1)
        times.append(time.perf_counter() - t0)
    steps = len(result.truth.t_grid_s)
    t0 = time.perf_counter()
    build_truth(loaded, 1)
    t_truth = time.perf_counter() - t0
    prof = cProfile.Profile()
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
        f"run: median {median:.2f} s over {args.repeat} ({1e3 * median / steps:.2f} ms/step); "
        f"simulated/wall = {loaded.scenario.duration_s / median:.0f}x"
    )
    print(f"truth alone: {t_truth:.2f} s")
    for name, t in cumulative.items():
        print(f"  {name:32s} {t:6.2f} s (profiled)")


if __name__ == "__main__":
    main()
