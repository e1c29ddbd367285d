"""Candidate tracker defaults on the Stone Soup benchmark's scenarios: accuracy only.

Runs ``iamd track PLOTS --out TRACKS [--params FILE]`` once per candidate on each scenario of
`bench_stonesoup.py` (same seed, same plots, same metrics) and prints OSPA, missed and false
per scan, false tracks and identity switches over the scans Stone Soup runs in the benchmark
(its window: the first K scans) and over the whole scenario. Accuracy is deterministic for
the seed, so one run per figure; no timing, and Stone Soup is not needed (its figures for the
same seed are in README.md).

Usage::

    .venv/bin/python benchmarks/tracking/tune_defaults.py \\
        --candidate drop11=drop11.yaml --candidate stay98=stay98.yaml

where ``drop11.yaml`` holds ``delete_score_drop: 11`` (`TrackerParams` fields, the format of
``iamd track --params``). The row ``default`` (no ``--params``) is always run.
"""

from __future__ import annotations

import argparse
import subprocess
import sys
from pathlib import Path
from tempfile import TemporaryDirectory

sys.path.insert(0, str(Path(__file__).resolve().parent))

from bench_stonesoup import accuracy, child_env, read_tracks, write_plots
from scenarios import SCENARIOS, generate, scenario_spec


def main() -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument(
        "--scenarios", nargs="+", default=[n for n in SCENARIOS if n != "10000"], metavar="NAME"
    )
    p.add_argument(
        "--candidate",
        action="append",
        default=[],
        metavar="NAME=FILE",
        help="a parameters file for iamd track --params (repeatable)",
    )
    p.add_argument("--seed", type=int, default=1)
    p.add_argument("--warmup", type=int, default=5)
    p.add_argument("--iamd", default=str(Path(sys.executable).with_name("iamd")))
    args = p.parse_args()
    configs: dict[str, list[str]] = {"default": []}
    for item in args.candidate:
        name, sep, path = item.partition("=")
        if not sep or not Path(path).is_file():
            p.error(f"--candidate must be NAME=FILE with an existing file (got {item!r})")
        configs[name] = ["--params", path]
    print(
        "| scenario | candidate | scans | OSPA (m) | missed/scan | false/scan | false tracks "
        "| ID switches |\n|---|---|---:|---:|---:|---:|---:|---:|"
    )
    with TemporaryDirectory() as tmp:
        work = Path(tmp)
        for name in args.scenarios:
            spec = scenario_spec(name)
            scn = generate(spec, args.seed)
            k = min(spec.stonesoup_scans or scn.scans, scn.scans)
            runs = [(scn.scans, scn)]
            if spec.tracked_by_stonesoup and k < scn.scans:
                runs.insert(0, (k, scn.first_scans(k)))
            for cname, flags in configs.items():
                for scans, part in runs:
                    src, out = work / f"{name}_{scans}.parquet", work / "tracks.parquet"
                    if not src.exists():
                        write_plots(src, part)
                    cmd = [args.iamd, "track", str(src), "--out", str(out), *flags]
                    subprocess.run(cmd, check=True, env=child_env())
                    a = accuracy(part, read_tracks(out), args.warmup)
                    print(
                        f"| {name} | {cname} | {scans} | {a['ospa_m']:.1f} "
                        f"| {a['missed_per_scan']:.2f} | {a['false_per_scan']:.2f} "
                        f"| {a['false_tracks']} | {a['id_switches']} |",
                        flush=True,
                    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
