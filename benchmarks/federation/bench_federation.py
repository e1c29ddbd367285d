"""Federation benchmark: end-to-end latency, CPU per node, late-joiner convergence and
takeover time, on loopback with the real secured router and node processes.

    .venv/bin/python benchmarks/federation/bench_federation.py --tracks 1000 --nodes 4 \
        --seconds 30 --out benchmarks/federation/results.json

1,000 straight-line targets (a 32 × 32 grid, 3 km apart, flying east at 200 m/s at 9 km) are
measured every second by one radar per nation with its own range/azimuth/elevation noise
(Pd = 1); nation ``i`` of N sees the half of the targets starting at ``i × 1000 / N`` (so
every target is held by two nations and reporting responsibility is shared). The last
node joins late. Figures:

- **latency**: plot at one node (the feed message's arrival) → the track, fused, in the
  picture of another node (the batch's arrival and the fusion step), over every fresh
  record; p50 and p99;
- **CPU per node**: process CPU time / wall time of each node;
- **late-joiner convergence**: from the late node's session opening (its liveliness token
  declared) to its first batch from every partner (after which its picture holds every
  track released to it);
- **takeover**: after SIGKILL of the first node, the time until an observer sees every track
  it reported reported by another node under the same number.
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np

from iamd.federation.exercise import Federation, node_sensors, straight_targets, synthetic_plots
from iamd.federation.messages import Message, MessageError, decode

NATIONS = ["BGR", "GRC", "ROU", "TUR"]
SENSOR = {
    "BGR": "bg_surveillance_varna",
    "GRC": "gr_surveillance_lemnos",
    "ROU": "ro_surveillance_constanta",
    "TUR": "tr_surveillance_thrace",
}


def national_feeds(
    nodes: int, tracks: int
) -> tuple[list[str], dict[str, list[str]], dict[str, np.ndarray]]:
    """The first ``nodes`` nations of :data:`NATIONS`, each one's radar (:data:`SENSOR`) and
    the targets it sees: nation ``i`` of K the half of the ``tracks`` starting at
    ``i × tracks / K``."""
    nations = NATIONS[:nodes]
    sensors = {c: [SENSOR[c]] for c in nations}
    half = tracks // 2
    seen = {
        c: (np.arange(half) + i * tracks // len(nations)) % tracks for i, c in enumerate(nations)
    }
    return nations, sensors, seen


def observe(fed: Federation, on_batch: Callable[[float, str, Message], None]) -> Any:
    """The observer's session, subscribed to every track batch between nodes: each batch
    that decodes is passed on with its arrival (``time.monotonic()``) and its sender."""
    obs = fed.open_session("observer")

    def on_obs(s: object) -> None:
        key = str(s.key_expr).split("/")  # type: ignore[attr-defined]
        try:
            m = decode(s.payload.to_bytes())  # type: ignore[attr-defined]
        except MessageError:
            return
        on_batch(time.monotonic(), key[2], m)

    obs.declare_subscriber("iamd/fed/*/to/*/tracks", on_obs)
    return obs


def feed_plots(
    fed: Federation,
    nations: list[str],
    sens: dict[str, Any],
    seen: dict[str, np.ndarray],
    pos_ecef_m: np.ndarray,
    t_s: float,
    rng: np.random.Generator,
) -> None:
    """One feed step: each of ``nations``' radars measures the targets it sees, at
    ``pos_ecef_m`` ((n, 3), m) at ``t_s``, and its node is fed the plots."""
    for c in nations:
        recs = synthetic_plots(sens[c], pos_ecef_m[seen[c]], t_s, rng)
        recs["entity"] = seen[c][recs["entity"]]
        fed.feed(c, t_s, recs, np.ones(1, dtype=np.int64))


def write_result(result: dict[str, Any], out: str | None) -> None:
    """The figures as JSON on stdout and, with ``--out``, in that file."""
    text = json.dumps(result, indent=1)
    print(text)
    if out:
        Path(out).write_text(text + "\n")


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--tracks", type=int, default=1000)
    ap.add_argument("--nodes", type=int, default=4, choices=[2, 3, 4])
    ap.add_argument("--seconds", type=int, default=30, help="feed seconds before the kill")
    ap.add_argument("--rate-hz", type=float, default=1.0)
    ap.add_argument(
        "--link-delay-ms",
        type=float,
        default=0.0,
        help="one-way delay of each node's link to the router (user-space relay)",
    )
    ap.add_argument("--out", default=None)
    args = ap.parse_args()
    nations, sensors, seen = national_feeds(args.nodes, args.tracks)
    d = Path(tempfile.mkdtemp(prefix="iamd-bench-fed-"))
    n, period = args.tracks, 1.0 / args.rate_hz
    samples: list[tuple[float, str, np.ndarray]] = []
    late = nations[-1]
    with Federation.start(d, nations, sensors=sensors, identify=False,
                          start_nodes=nations[:-1], observers=["observer"],
                          link_delay_s=args.link_delay_ms / 1000.0) as fed:  # fmt: skip
        obs = observe(
            fed, lambda w, sender, m: samples.append((w, sender, m.records["number"].copy()))
        )
        sens = {c: node_sensors("balkans", c, sensors[c]) for c in nations}
        rng = np.random.default_rng(1)
        running = list(nations[:-1])
        kill_wall = 0.0
        t0 = time.monotonic()
        k = 0
        total = 2 * args.seconds + 10
        while k < total:
            t = k * period
            pos = straight_targets(n, t, lat_deg=42.8, lon_deg=28.2)
            feed_plots(fed, running, sens, seen, pos, t, rng)
            if k == args.seconds // 2:
                fed.start_node(late)
            if late not in running and late in fed.alive and k > args.seconds // 2:
                running.append(late)
            if k == args.seconds + 10:
                kill_wall = time.monotonic()
                before = {int(x) for w, s, r in samples if s == nations[0]
                          and kill_wall - 2 * period <= w for x in r}  # fmt: skip
                fed.kill_node(nations[0])
                running.remove(nations[0])
            k += 1
            time.sleep(max(0.0, t0 + k * period - time.monotonic()))
        obs.close()
        fed.end([c for c in nations if c != nations[0]])
        stats = {c: fed.stats(c) for c in nations if c != nations[0]}
        events = {c: fed.events(c) for c in nations if c != nations[0]}
    # takeover: every number the killed node reported, seen from another node
    taken: dict[int, float] = {}
    for w, s, r in samples:
        if w >= kill_wall and s != nations[0]:
            for x in r.tolist():
                if x in before and x not in taken:
                    taken[x] = w - kill_wall
    # (with 3 nodes some targets are seen by the killed node alone: they cannot be taken over)
    takeover_s = max(taken.values()) if taken else float("nan")
    # the partner events carry scenario time in t_s; the wall (monotonic) clock of the lease
    # is monotonic_s, the one that measures how long the late joiner took
    joined = [e["monotonic_s"] for e in events[late] if e["kind"] == "peer_joined"]
    opened = [e["monotonic_s"] for e in events[late] if e["kind"] == "session_open"]
    late_s = (
        (max(joined) - opened[0]) if opened and len(joined) >= len(nations) - 1 else float("nan")
    )
    result = {
        "command": " ".join(sys.argv),
        "tracks": n,
        "nodes": len(nations),
        "rate_hz": args.rate_hz,
        "link_delay_ms": args.link_delay_ms,
        "latency_ms_p50_by_node": {c: stats[c]["latency_ms"]["p50"] for c in stats},
        "latency_ms_p99_by_node": {c: stats[c]["latency_ms"]["p99"] for c in stats},
        "latency_samples_by_node": {c: stats[c]["latency_ms"]["n"] for c in stats},
        "cpu_fraction_by_node": {
            c: round(stats[c]["cpu_s"] / stats[c]["wall_s"], 3) for c in stats
        },
        "picture_tracks_by_node": {c: stats[c]["tracks"] for c in stats},
        "late_joiner_convergence_s": round(late_s, 3),
        "takeover_s": round(takeover_s, 3),
        "taken_over": f"{len(taken)}/{len(before)}",
    }
    write_result(result, args.out)
    return 0


if __name__ == "__main__":
    sys.exit(main())
