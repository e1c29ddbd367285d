"""Identification: latency, accuracy on held-out simulated tracks, time to a hostile identity,
and real airliner traffic through the sensor and tracker models.

Usage: ``.venv/bin/python benchmarks/identify/bench_identify.py [--quick] [--skip-sklearn]``

Prints Markdown tables (copied into ``benchmarks/identify/README.md``). Not part of the test
suite: timing claims live here. ``--quick`` uses smaller held-out sets and a subset of flights.
"""

from __future__ import annotations

import argparse
import statistics
import time
from collections.abc import Callable
from pathlib import Path

import numpy as np

from iamd.identify.classifier import CLASSES, classify, load_model
from iamd.identify.features import compute_features
from iamd.identify.identity import (
    HOSTILE,
    IdentityRules,
    identity_codes,
    identity_from_features,
    identity_names,
    standard_identity,
)
from iamd.identify.training import (
    classification_metrics,
    every_window,
    fresh_tracks,
    history_windows,
    load_real_flights,
    make_dataset,
    paris_airways,
    real_flight_tracks,
    simulate_tracks,
    simulate_truth,
    train,
)
from iamd.identify.truth_identity import STANDARD_IDENTITIES

FLIGHTS = Path(__file__).resolve().parents[3] / "shared" / "data" / "flights"
WORST_ORDER = ("hostile", "suspect", "unknown", "assumed_friend", "neutral", "friend", "pending")
"""Worst first: the order in which a real flight's identities are ranked (pending, not yet
evaluated, counts only for a flight that never got further)."""
RANK = np.array([WORST_ORDER.index(s) for s in STANDARD_IDENTITIES])
"""Rank in ``WORST_ORDER`` of each identity code."""


def best_of(fn: Callable[[], object], repeat: int) -> float:
    """Best wall time of ``repeat`` calls (s): the least disturbed by other load."""
    times = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t0)
    return min(times)


def latency(args: argparse.Namespace) -> None:
    print("## Latency\n")
    load_model.cache_clear()
    t0 = time.perf_counter()
    model = load_model()
    t_load = time.perf_counter() - t0
    data = make_dataset(21, 3500)
    x = np.tile(data.x, (10_000 // len(data.x) + 1, 1))[:10_000]
    hist = simulate_tracks(simulate_truth(21, 600), 21)
    tr, end = np.nonzero(hist.exists)
    pick = np.arange(len(tr)) % max(1, len(tr) // 10_000) == 0
    tr, end = tr[pick][:10_000], end[pick][:10_000]
    w = history_windows(hist, tr, end, seed=21)
    f = compute_features(w)
    p = classify(f, model)
    kw = {
        "squawk": f.squawk > 0.5,
        "iff": f.iff > 0.5,
        "age_s": f.age_s,
    }
    r = args.repeat
    rows = [
        ("load the shipped model (cold)", 1, t_load),
        ("features (`compute_features`)", len(f), best_of(lambda: compute_features(w), r)),
        ("classify, table model (`classify`)", len(x), best_of(lambda: classify(x, model), r)),
        ("identity codes (`identity_codes`)", len(p), best_of(lambda: identity_codes(p, **kw), r)),
        ("**identification: classify + identity codes**", len(x),
         best_of(lambda: identity_codes(classify(x, model), **kw), r)),
        ("identity + evidence strings (`standard_identity`)", len(p),
         best_of(lambda: standard_identity(p, **kw), max(3, r // 3))),
    ]  # fmt: skip
    if not args.skip_sklearn:
        meta = model.metadata
        t0 = time.perf_counter()
        est = train(int(meta["seed"]), int(meta["n_tracks"])).estimator
        t_train = time.perf_counter() - t0
        same = np.allclose(est.predict_proba(x[:2000]), classify(x[:2000], model), atol=1e-12)
        rows.append(
            ("classify, scikit-learn `predict_proba` (same model)", len(x),
             best_of(lambda: est.predict_proba(x), max(3, r // 3)))
        )  # fmt: skip
        print(
            f"(retrained the shipped model in {t_train:.0f} s; identical probabilities: {same})\n"
        )
    one = x[:1]
    w1 = w.take([0])

    def single() -> None:
        f1 = compute_features(w1)
        p1 = classify(f1, model)
        identity_from_features(p1, f1)

    t_single = statistics.median(best_of(single, 1) for _ in range(300))
    t_single_cls = statistics.median(best_of(lambda: classify(one, model), 1) for _ in range(300))
    rows += [
        ("single track: classify", 1, t_single_cls),
        ("single track: features + classify + identity with evidence", 1, t_single),
    ]
    print("| step | tracks | wall time | per track |")
    print("|---|---:|---:|---:|")
    for name, n, t in rows:
        print(f"| {name} | {n:,} | {t * 1e3:.2f} ms | {t / n * 1e6:.2f} µs |")
    print(
        f"\nTable model: {len(model.pair_f)} tables, {model.table.shape[1]:,} rows × "
        f"{model.table.shape[0]} classes.\n"
    )


def accuracy(args: argparse.Namespace) -> None:
    n = 1500 if args.quick else 5000
    print(f"## Accuracy on held-out simulated tracks (seed 2, {n:,} tracks)\n")
    data = make_dataset(2, n)
    p = classify(data.x)
    m = classification_metrics(data.y, p)
    print(f"{m['n']:,} windows; accuracy {m['accuracy']:.4f}, log loss {m['log_loss']:.4f}, "
          f"Brier {m['brier']:.4f}, expected calibration error {m['ece']:.4f}\n")  # fmt: skip
    conf = np.array(m["confusion"])
    print("| true \\ predicted | " + " | ".join(CLASSES) + " | recall |")
    print("|---|" + "---:|" * (len(CLASSES) + 1))
    for i, c in enumerate(CLASSES):
        cells = " | ".join(f"{v:,}" for v in conf[i])
        print(f"| {c} | {cells} | {m['recall'][c]:.4f} |")
    print("\nRecall by track age:\n")
    bins = [(0, 10), (10, 30), (30, 60), (60, 1e9)]
    print("| class | " + " | ".join(f"{a:g}–{b:g} s" if b < 1e8 else f"≥ {a:g} s"
                                     for a, b in bins) + " |")  # fmt: skip
    print("|---|" + "---:|" * len(bins))
    pred = p.argmax(axis=1)
    for i, c in enumerate(CLASSES):
        cells = []
        for a, b in bins:
            sel = (data.y == i) & (data.age_s >= a) & (data.age_s < b)
            cells.append(f"{np.mean(pred[sel] == i):.4f} ({sel.sum():,})" if sel.any() else "–")
        print(f"| {c} | " + " | ".join(cells) + " |")
    # identities of the simulated windows need the windows themselves: rebuild them
    hist = simulate_tracks(simulate_truth(2, n), 2)
    tr, end = np.nonzero(fresh_tracks(hist))
    sel = np.arange(len(tr)) % 7 == 0
    w = history_windows(hist, tr[sel], end[sel], seed=2)
    f = compute_features(w)
    codes, _ = identity_from_features(classify(f), f)
    names = identity_names(codes)
    lab = hist.truth.label[tr[sel]]
    print(
        "\nStandard identity of held-out windows (every 7th step of every track), by true class:\n"
    )
    print("| true class | " + " | ".join(STANDARD_IDENTITIES) + " |")
    print("|---|" + "---:|" * len(STANDARD_IDENTITIES))
    for i, c in enumerate(CLASSES):
        row = [np.sum((lab == i) & (names == s)) for s in STANDARD_IDENTITIES]
        print(f"| {c} | " + " | ".join(f"{v:,}" for v in row) + " |")
    kind = hist.truth.kind[tr[sel]]
    civil = lab == 0
    print("\nCivil windows identified hostile, by kind of aircraft:\n")
    print("| kind | windows | hostile | suspect |")
    print("|---|---:|---:|---:|")
    for k in sorted(set(kind[civil].tolist())):
        m = civil & (kind == k)
        print(f"| {k} | {m.sum():,} | {np.sum(m & (names == 'hostile'))} | "
              f"{np.sum(m & (names == 'suspect'))} |")  # fmt: skip
    print()


def time_to_hostile(args: argparse.Namespace) -> None:
    n = 600 if args.quick else 2000
    print(f"## Time from first detection to a correct hostile identity (seed 3, {n:,} tracks)\n")
    hist = simulate_tracks(simulate_truth(3, n), 3)
    ex = hist.exists
    first_start = np.where(
        ex.any(axis=1), hist.start_idx[np.arange(len(hist)), ex.argmax(axis=1)], -1
    )
    # the first track of each target, where it is identified
    same = fresh_tracks(hist) & (hist.start_idx == first_start[:, None])
    tr, end = np.nonzero(same)
    w = history_windows(hist, tr, end, seed=3)
    f = compute_features(w)
    p = classify(f)
    codes, _ = identity_from_features(p, f)
    lab = hist.truth.label[tr]
    ok = (codes == HOSTILE) & (p.argmax(axis=1) == lab)
    age = w.age_s
    print("| class | tracks | hostile at some time | median | 90th pct | max | "
          "tracks ever hostile with a wrong class |")  # fmt: skip
    print("|---|---:|---:|---:|---:|---:|---:|")
    for c in (2, 3, 4):
        ids = np.unique(tr[lab == c])
        t_first = np.full(len(hist), np.inf)
        np.minimum.at(t_first, tr[ok], age[ok])
        got = t_first[ids]
        fin = got[np.isfinite(got)]
        wrong = np.unique(tr[(codes == HOSTILE) & (lab == c) & (p.argmax(axis=1) != lab)])
        print(f"| {CLASSES[c]} | {len(ids):,} | {len(fin) / max(len(ids), 1):.4f} | "
              f"{np.median(fin):.0f} s | {np.percentile(fin, 90):.0f} s | {fin.max():.0f} s | "
              f"{len(wrong):,} |")  # fmt: skip
    civil = np.unique(tr[(codes == HOSTILE) & (lab == 0)])
    fighters = np.unique(tr[(codes == HOSTILE) & (lab == 1)])
    print(f"\nTracks ever hostile in this set: {len(civil)} civil aircraft, {len(fighters)} "
          "fighters (30 % of the simulated fighters answer no IFF).\n")  # fmt: skip


def airliner_guard(args: argparse.Namespace) -> None:
    n = 1000 if args.quick else 3000
    print(f"## The airliner guard (seeds 2 and 3, {n:,} tracks each, a window every 2 s)\n")
    rows = []
    for seed in (2, 3):
        hist = simulate_tracks(simulate_truth(seed, n), seed)
        tr, end = every_window(hist, 2)
        w = history_windows(hist, tr, end, seed=seed)
        f = compute_features(w)
        rows.append((seed * 10**9 + tr, hist.truth.label[tr], f, classify(f)))
    print("| airliner guard p | civil windows hostile (tracks) | drones ever hostile | "
          "drone windows ≥ 30 s hostile |")  # fmt: skip
    print("|---:|---:|---:|---:|")
    for g in (0.02, 0.01, 0.005, 0.002):
        rules = IdentityRules(airliner_guard_p=g)
        civ_w, civ_t, dr_ever, dr_n, old_h, old_n = 0, set(), 0, 0, 0, 0
        for key, lab, f, p in rows:
            hostile = identity_from_features(p, f, rules=rules)[0] == HOSTILE
            civ_w += int(np.sum(hostile & (lab == 0)))
            civ_t |= set(key[hostile & (lab == 0)].tolist())
            dr = lab == 2
            ids = np.unique(key[dr])
            dr_ever += len(np.intersect1d(ids, key[dr & hostile]))
            dr_n += len(ids)
            old = dr & (f.age_s >= 30.0)
            old_h += int(np.sum(hostile & old))
            old_n += int(old.sum())
        label = f"{g:g} (default)" if g == IdentityRules().airliner_guard_p else f"{g:g}"
        print(f"| {label} | {civ_w} ({len(civ_t)}) | {dr_ever / max(dr_n, 1):.1%} | "
              f"{old_h / max(old_n, 1):.1%} |")  # fmt: skip
    print()


def real_traffic(args: argparse.Namespace) -> None:
    points = FLIGHTS / "quickstart_points.csv.gz"
    if not points.exists():
        print("## Real traffic\n\nshared/data/flights is absent: skipped.\n")
        return
    flights = load_real_flights(points, FLIGHTS / "quickstart_index.csv")
    if args.quick:
        flights = flights[::4]
    print(f"## Real traffic: {len(flights)} OpenSky flights around Paris (2021-10-07)\n")
    print("Worst standard identity per flight over all its windows (every 2 s of every track):\n")
    print("| radar | transponders | windows | neutral windows | "
          + " | ".join(WORST_ORDER) + " |")  # fmt: skip
    print("|---|---|---:|---:|" + "---:|" * len(WORST_ORDER))
    net = paris_airways()
    for sensor in ("ground_master_400", "trml_4d"):
        hist = real_flight_tracks(flights, seed=1, sensor_type=sensor)
        tr, end = every_window(hist, 2)
        for squawk in (True, False):
            worst = np.full(len(flights), len(WORST_ORDER))
            n_neutral = 0
            for lo in range(0, len(tr), 60_000):
                s = slice(lo, lo + 60_000)
                w = history_windows(hist, tr[s], end[s], seed=1,
                                    squawk=np.full(len(tr[s]), squawk))  # fmt: skip
                f = compute_features(w, net)
                codes, _ = identity_from_features(classify(f), f)
                r = RANK[codes]
                n_neutral += int(np.sum(identity_names(codes) == "neutral"))
                np.minimum.at(worst, tr[s], r)
            counts = [int(np.sum(worst == i)) for i in range(len(WORST_ORDER))]
            untracked = int(np.sum(worst == len(WORST_ORDER)))
            label = "on" if squawk else "off"
            share = f"{n_neutral / max(len(tr), 1):.1%}"
            print(f"| {sensor} | {label} | {len(tr):,} | {share} | " + " | ".join(map(str, counts))
                  + " |" + (f" ({untracked} never tracked)" if untracked else ""))  # fmt: skip
    print()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=20)
    parser.add_argument("--quick", action="store_true")
    parser.add_argument("--skip-sklearn", action="store_true")
    parser.add_argument(
        "--only", choices=["latency", "accuracy", "guard", "hostile", "real"], default=None
    )
    args = parser.parse_args()
    parts = {
        "latency": latency,
        "accuracy": accuracy,
        "guard": airliner_guard,
        "hostile": time_to_hostile,
        "real": real_traffic,
    }
    for name, fn in parts.items():
        if args.only in (None, name):
            fn(args)


if __name__ == "__main__":
    main()
