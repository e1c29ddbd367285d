"""ASTERIX decode/encode throughput (records/s) for CAT048 and CAT062, side by side with the
PyPI codecs, and a one-hour multi-radar CAT048 stream ingested and tracked (× real time).

Inputs are synthetic, made by iamd's encoder: CAT048 target reports (I010, I140, I020,
I040, I070, I090, I220, I240, I161, I200, I170) and CAT062 tracks (I010, I070, I105, I185,
I060, I245, I380, I040, I080, I136, I130, I220, I500), in blocks of at most 1,024 octets.

The peers run in their own interpreters (they are not iamd's dependencies, and
``libasterix`` and ``asterix_decoder`` both install a module named ``asterix``)::

    python3 -m venv /tmp/astpeers && /tmp/astpeers/bin/pip install libasterix aviconv-asterix
    python3 -m venv /tmp/astcc && /tmp/astcc/bin/pip install asterix_decoder

    .venv/bin/python benchmarks/interop/bench_asterix.py \\
        --peer-python /tmp/astpeers/bin/python --peer-python /tmp/astcc/bin/python

A peer that is not installed is skipped with the line that installs it. Peers decode a
slice of the input (``--peer-records``) to keep the run short; every figure is records per
second of wall time, best of ``--repeat`` runs.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import pandas as pd

from iamd.interop.asterix import decode, encode_cat048, encode_cat062, split_blocks

INSTALL = {
    "libasterix": "python3 -m venv /tmp/astpeers && /tmp/astpeers/bin/pip install libasterix",
    "aviconv-asterix": "/tmp/astpeers/bin/pip install aviconv-asterix",
    "asterix_decoder": "python3 -m venv /tmp/astcc && /tmp/astcc/bin/pip install asterix_decoder",
}

WORKER = r"""
import json, sys, time
path, cat, repeat = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
data = open(path, "rb").read()
blocks = []
p = 0
while p < len(data):
    n = (data[p + 1] << 8) | data[p + 2]
    blocks.append(data[p:p + n]); p += n
out = {}
def best(fn):
    t = []
    for _ in range(repeat):
        t0 = time.perf_counter(); r = fn(); t.append(time.perf_counter() - t0)
    return min(t), r
try:
    import aviconv_asterix as av
    dt, recs = best(lambda: list(av.iter_records(data)))
    out["aviconv-asterix"] = {"decode_s": dt, "records": len(recs)}
    try:
        dt, blob = best(lambda: av.encode_records(recs))
        out["aviconv-asterix"]["encode_s"] = dt
    except Exception as e:
        out["aviconv-asterix"]["encode_error"] = repr(e)[:120]
except ImportError:
    pass
try:
    import asterix
    if hasattr(asterix, "parse"):
        dt, recs = best(lambda: asterix.parse(data))
        out["asterix_decoder"] = {"decode_s": dt, "records": len(recs)}
    else:
        from asterix.base import Bits, RawDatablock
        import asterix.generated as gen
        spec = {48: gen.Cat_048_1_32, 62: gen.Cat_062_1_20}[cat]
        def dec():
            recs = []
            for b in blocks:
                for db in RawDatablock.parse(Bits.from_bytes(b)):
                    r = spec.cv_uap.parse(db.get_raw_records())
                    recs.extend(r)
            return recs
        dt, recs = best(dec)
        out["libasterix"] = {"decode_s": dt, "records": len(recs)}
        def enc():
            return b"".join(spec.create([r]).unparse().to_bytes() for r in recs)
        dt, _ = best(enc)
        out["libasterix"]["encode_s"] = dt
except ImportError:
    pass
print(json.dumps(out))
"""


def cat048_table(n: int, seed: int = 1) -> pd.DataFrame:
    g = np.random.default_rng(np.random.SeedSequence(seed))
    return pd.DataFrame(
        {
            "sac": np.full(n, 25),
            "sic": g.integers(1, 8, n),
            "tod_s": np.sort(g.integers(0, 3600 * 128, n)) / 128,
            "typ": np.full(n, 5),
            "range_m": g.integers(1000, 65535, n) * 1852 / 256,
            "azimuth_deg": g.integers(0, 65536, n) * 360 / 65536,
            "mode3a": g.integers(0, 4096, n),
            "fl": g.integers(0, 1600, n) / 4,
            "address": g.integers(0, 2**24, n),
            "callsign": np.asarray([f"ABC{i % 10000:04d}" for i in range(n)], dtype=object),
            "track_number": g.integers(0, 4096, n),
            "ground_speed_m_s": g.integers(0, 4000, n) * 1852 / 16384,
            "heading_deg": g.integers(0, 65536, n) * 360 / 65536,
            "track_confirmed": np.ones(n, dtype=bool),
        }
    )


def cat062_table(n: int, seed: int = 2) -> pd.DataFrame:
    g = np.random.default_rng(np.random.SeedSequence(seed))
    return pd.DataFrame(
        {
            "sac": np.full(n, 25),
            "sic": np.full(n, 100),
            "tod_s": np.sort(g.integers(0, 3600 * 128, n)) / 128,
            "track_number": g.integers(0, 65536, n),
            "lat_deg": g.integers(-(2**24), 2**24, n) * 180 / 2**25,
            "lon_deg": g.integers(-(2**25), 2**25, n) * 180 / 2**25,
            "vx_m_s": g.integers(-1200, 1200, n) / 4,
            "vy_m_s": g.integers(-1200, 1200, n) / 4,
            "mode3a": g.integers(0, 4096, n),
            "callsign": np.asarray([f"XYZ{i % 10000:04d}" for i in range(n)], dtype=object),
            "address": g.integers(0, 2**24, n),
            "fl": g.integers(0, 1600, n) / 4,
            "geometric_alt_m": g.integers(0, 8000, n) * 6.25 * 0.3048,
            "rocd_m_s": g.integers(-1000, 1000, n) * 6.25 * 0.3048 / 60,
            "sigma_x_m": g.integers(0, 2000, n) / 2,
            "sigma_y_m": g.integers(0, 2000, n) / 2,
            "sigma_vx_m_s": g.integers(0, 255, n) / 4,
            "sigma_vy_m_s": g.integers(0, 255, n) / 4,
        }
    )


def best_of(fn, repeat: int) -> tuple[float, object]:
    times = []
    out = None
    for _ in range(repeat):
        t0 = time.perf_counter()
        out = fn()
        times.append(time.perf_counter() - t0)
    return min(times), out


def run_peer(python: str, path: Path, cat: int, repeat: int) -> dict[str, dict[str, float]]:
    try:
        res = subprocess.run(
            [python, "-c", WORKER, str(path), str(cat), str(repeat)],
            capture_output=True,
            text=True,
            timeout=1800,
            check=False,
        )
    except (OSError, subprocess.TimeoutExpired) as exc:
        print(f"  peer {python}: not run ({exc})", file=sys.stderr)
        return {}
    if res.returncode != 0:
        print(f"  peer {python}: failed: {res.stderr.strip().splitlines()[-1:]}", file=sys.stderr)
        return {}
    return json.loads(res.stdout.strip().splitlines()[-1])


def codec_figures(args: argparse.Namespace) -> None:
    tmp = Path(tempfile.mkdtemp(prefix="bench_asterix_"))
    rows = []
    for cat, make, enc in ((48, cat048_table, encode_cat048), (62, cat062_table, encode_cat062)):
        table = make(args.records)
        t_enc, blob = best_of(lambda t=table, e=enc: e(t), args.repeat)
        t_dec, dec = best_of(lambda b=blob: decode(b), args.repeat)
        n = len(dec.tables[cat])
        assert n == args.records
        rows.append((f"CAT{cat:03d}", "iamd", n / t_dec, n / t_enc, n))
        blocks = split_blocks(blob)
        k, size = 0, 0
        while k < len(blocks) and size < args.peer_records:
            size += len(decode(blocks[k]).tables[cat])
            k += 1
        path = tmp / f"cat{cat:03d}.ast"
        path.write_bytes(b"".join(blocks[:k]))
        found: set[str] = set()
        for py in args.peer_python:
            for name, r in run_peer(py, path, cat, args.repeat).items():
                found.add(name)
                rec = r["records"]
                enc_rate = rec / r["encode_s"] if "encode_s" in r else float("nan")
                rows.append((f"CAT{cat:03d}", name, rec / r["decode_s"], enc_rate, rec))
        for name, line in INSTALL.items():
            if name not in found:
                print(f"  CAT{cat:03d}: peer {name} not found; install: {line}", file=sys.stderr)
    print("\n| category | codec | decode records/s | encode records/s | records |")
    print("|---|---|---:|---:|---:|")
    for cat, name, d, e, n in rows:
        es = "–" if e != e else f"{e:,.0f}"
        print(f"| {cat} | {name} | {d:,.0f} | {es} | {n:,} |")


def stream_figures(args: argparse.Namespace) -> None:
    from iamd.interop.asterix.synthetic import synthetic_cat048
    from iamd.interop.recording import recording_plots, sensors_from_mapping, track_recording

    dur = args.stream_hours * 3600.0
    syn = synthetic_cat048(n_radars=args.radars, n_targets=args.targets, duration_s=dur, seed=1)
    c0 = time.process_time()
    t0 = time.perf_counter()
    dec = decode(syn.data)
    t1 = time.perf_counter()
    rp = recording_plots(dec, sensors_from_mapping(syn.sensors), "synthetic")
    t2 = time.perf_counter()
    tr = track_recording(rp, window_s=args.window_s)
    t3 = time.perf_counter()
    cpu = time.process_time() - c0
    total = t3 - t0
    df = tr.to_pandas()
    print(
        f"\none-hour stream: {args.radars} radars, {args.targets} aircraft, "
        f"{len(dec.cat048):,} CAT048 plots, {len(dec.cat034):,} CAT034 service messages, "
        f"{len(syn.data):,} octets, "
        f"window {args.window_s} s"
    )
    print(
        f"  decode {t1 - t0:.2f} s, plots {t2 - t1:.2f} s, track {t3 - t2:.2f} s "
        f"({tr.steps} steps): total {total:.2f} s = {dur / total:.0f}x real time"
    )
    print(
        f"  CPU time of this process {cpu:.2f} s = {dur / cpu:.0f}x real time (the figure "
        "to compare on a shared machine)"
    )
    print(f"  tracks: {df['track_id'].nunique()} (aircraft {args.targets}), rows {len(df):,}")


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--records", type=int, default=200_000)
    p.add_argument("--peer-records", type=int, default=20_000)
    p.add_argument("--peer-python", action="append", default=[])
    p.add_argument("--repeat", type=int, default=3)
    p.add_argument("--stream-hours", type=float, default=1.0)
    p.add_argument("--radars", type=int, default=4)
    p.add_argument("--targets", type=int, default=100)
    p.add_argument("--window-s", type=float, default=1.0)
    p.add_argument("--skip-codec", action="store_true")
    p.add_argument("--skip-stream", action="store_true")
    args = p.parse_args()
    if not args.skip_codec:
        codec_figures(args)
    if not args.skip_stream:
        stream_figures(args)


if __name__ == "__main__":
    main()
