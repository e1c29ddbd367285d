"""What ``iamd run --out-asterix`` costs: the same run without a hook, with the exports'
`TrackRecorder` (what the flag adds during the run), and the CAT062 encoding of the recorded
picture after it (plan correlation included); and the CAT034 and CAT062-with-I062/390 codec
rates, records/s. Side by side in one process::

    .venv/bin/python benchmarks/interop/bench_run_asterix.py [--scenario balkans] [--seed 1]
"""

from __future__ import annotations

import argparse
import time

import numpy as np
import pandas as pd

from iamd.interop.asterix import decode, encode_cat034, encode_cat062
from iamd.interop.export import TrackRecorder
from iamd.interop.export.asterix import picture_asterix
from iamd.scenario.loader import load_scenario
from iamd.sim.engine import run


def run_figures(args: argparse.Namespace) -> None:
    loaded = load_scenario(args.scenario)
    c0, t0 = time.process_time(), time.perf_counter()
    run(loaded, seed=args.seed)
    plain_cpu, plain = time.process_time() - c0, time.perf_counter() - t0
    rec = TrackRecorder()
    c0, t0 = time.process_time(), time.perf_counter()
    result = run(loaded, seed=args.seed, on_step=rec)
    rec_cpu, recorded = time.process_time() - c0, time.perf_counter() - t0
    c0, t0 = time.process_time(), time.perf_counter()
    pic = picture_asterix(result, rec.frames)
    enc_cpu, enc = time.process_time() - c0, time.perf_counter() - t0
    n = len(pic.table)
    with_plan = int(((pic.table["plan_callsign"] != "") | (pic.table["adep"] != "")).sum())
    print(f"{args.scenario}, seed {args.seed}: {len(rec.frames):,} steps, {n:,} CAT062 records "
          f"in {len(pic.blocks):,} blocks, {len(pic.data):,} octets, {with_plan:,} with "
          "I062/390")  # fmt: skip
    print("| run | wall s | CPU s |")
    print("|---|---:|---:|")
    print(f"| without a hook | {plain:.2f} | {plain_cpu:.2f} |")
    print(f"| with the TrackRecorder | {recorded:.2f} | {rec_cpu:.2f} |")
    print(f"| CAT062 encoding after the run | {enc:.2f} | {enc_cpu:.2f} |")


def codec_figures(n: int, repeat: int) -> None:
    g = np.random.default_rng(np.random.SeedSequence(3))
    c034 = pd.DataFrame({
        "sac": 25, "sic": g.integers(1, 8, n), "msg_type": g.integers(1, 3, n),
        "tod_s": np.sort(g.integers(0, 3600 * 128, n)) / 128,
        "sector_azimuth_deg": g.integers(0, 256, n) * 360 / 256,
        "rotation_period_s": g.integers(512, 1536, n) / 128,
    })  # fmt: skip
    words = np.asarray(["ROT601", "DLH9CK", "", "THY4KZ"], dtype=object)
    icao = np.asarray(["LROP", "LTFM", "", "LBSF"], dtype=object)
    c062 = pd.DataFrame({
        "sac": 0, "sic": 1, "tod_s": np.sort(g.integers(0, 3600 * 128, n)) / 128,
        "track_number": g.integers(0, 65536, n),
        "lat_deg": g.integers(-(2**24), 2**24, n) * 180 / 2**25,
        "lon_deg": g.integers(-(2**25), 2**25, n) * 180 / 2**25,
        "vx_m_s": g.integers(-1200, 1200, n) / 4, "vy_m_s": g.integers(-1200, 1200, n) / 4,
        "mode3a": g.integers(-1, 4096, n), "plan_callsign": words[g.integers(0, 4, n)],
        "adep": icao[g.integers(0, 4, n)], "ades": icao[g.integers(0, 4, n)],
        "identity": np.asarray(["hostile", "neutral", "unknown"], object)[g.integers(0, 3, n)],
        "cls": np.asarray(["drone", "airliner", ""], object)[g.integers(0, 3, n)],
    })  # fmt: skip
    print("| category | encode records/s | decode records/s | records |")
    print("|---|---:|---:|---:|")
    for name, table, enc, cat in (
        ("CAT034", c034, encode_cat034, 34),
        ("CAT062 with I062/390 and I062/SP", c062, encode_cat062, 62),
    ):
        te = []
        for _ in range(repeat):
            t0 = time.perf_counter()
            blob = enc(table)
            te.append(time.perf_counter() - t0)
        td = []
        for _ in range(repeat):
            t0 = time.perf_counter()
            d = decode(blob)
            td.append(time.perf_counter() - t0)
        assert len(d.tables[cat]) == n
        print(f"| {name} | {n / min(te):,.0f} | {n / min(td):,.0f} | {n:,} |")


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--scenario", default="balkans")
    p.add_argument("--seed", type=int, default=1)
    p.add_argument("--records", type=int, default=200_000)
    p.add_argument("--repeat", type=int, default=3)
    p.add_argument("--skip-run", action="store_true")
    args = p.parse_args()
    codec_figures(args.records, args.repeat)
    if not args.skip_run:
        run_figures(args)


if __name__ == "__main__":
    main()
