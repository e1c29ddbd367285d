"""The federation under network impairment: packet loss and delay on the loopback of a
network namespace of its own, then cleared; is the picture consistent, and how fast does it
re-synchronise?

    unshare -n sh -c 'ip link set lo up && .venv/bin/python \\
        benchmarks/federation/bench_impairment.py --out impairment.json'

It refuses to run where the namespace has any interface but the loopback: it changes the
loopback's queueing discipline or firewall, which must only ever be a sandbox's.

Three phases, each ``--*-s`` seconds of a 1 Hz feed: clean, impaired (``--loss-pct`` and
``--delay-ms``), cleared. The impairment is the kernel's:

- ``netem`` (where the kernel has ``sch_netem``): ``tc qdisc add dev lo root netem delay D
  loss L`` — every packet on the loopback, both ways of every link (nodes, router, driver);
- ``iptables`` (where it has not): the loss by the ``statistic`` match dropping that share of
  the loopback's incoming packets (``iptables -A INPUT -i lo -m statistic --mode random
  --probability p -j DROP``) and the delay by the user-space relay on each node's link to the
  router (`iamd.federation.linkdelay`; the driver's feed and the observer are not delayed).

TCP carries the links, so a lost segment comes back as a retransmission (a delay spike of at
least one retransmission timeout, 200 ms on Linux), never as a lost batch.

N straight-line targets (a grid 8 km apart) are measured every second by one radar per
nation; nation ``i`` of K sees the half of the targets starting at ``i × N / K``, so some
targets are held by two nations (reporting responsibility shared) and some by one. Figures:

- per node and per feed step, from the node's own picture (``picture_<N>.npz``): targets
  with no track (**lost**) and tracks beyond one per target (**duplicated**); a track is a
  target's when within 4 km of it;
- per second, from an observer of every batch: numbers reported (R2 flag) by two nodes at
  once (**dual reporters**), and reporting-responsibility events per phase (from the nodes'
  event logs); the time from a step's feed to the observer's first batch of that step from
  each node (**feed to batch**, p50: the delay at work);
- each phase's figures leave out its first 5 s (tracks forming, the impairment setting in);
- **resync**: after the impairment is cleared, the time until every node's picture has
  every target once, under the same numbers at every node, for good.
"""

from __future__ import annotations

import argparse
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
from bench_federation import feed_plots, national_feeds, observe, write_result

from iamd.federation.exercise import Federation, node_sensors, straight_targets
from iamd.federation.messages import FLAG_REPORTING, Message

SPACING_M = 8_000.0
"""Between targets: far apart against the far radars' errors (1–2 km at 400 km)."""
GATE_M = 4_000.0
LAT_DEG, LON_DEG = 42.8, 28.2


def own_namespace() -> bool:
    """True when the loopback is this network namespace's only interface (a sandbox made
    with ``unshare -n`` or ``ip netns``, not the machine's own network)."""
    return [name for _i, name in socket.if_nameindex()] == ["lo"]


def _run(cmd: list[str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(cmd, capture_output=True, text=True, timeout=20)


def netem_available() -> bool:
    """Can a netem qdisc be put on this namespace's loopback (and taken off)?"""
    if shutil.which("tc") is None:
        return False
    if _run(["tc", "qdisc", "add", "dev", "lo", "root", "netem", "delay", "1ms"]).returncode:
        return False
    _run(["tc", "qdisc", "del", "dev", "lo", "root"])
    return True


class Impairment:
    """Loss and delay on the namespace's loopback (module docstring), switched on and off."""

    def __init__(self, mode: str, loss_pct: float, delay_ms: float, links: list) -> None:
        self.mode, self.loss, self.delay_ms, self.links = mode, loss_pct, delay_ms, links
        self._rule = ["INPUT", "-i", "lo", "-m", "statistic", "--mode", "random",
                      "--probability", f"{loss_pct / 100.0:.4f}", "-j", "DROP"]  # fmt: skip

    def on(self) -> None:
        if self.mode == "netem":
            r = _run(["tc", "qdisc", "add", "dev", "lo", "root", "netem", "delay",
                      f"{self.delay_ms:g}ms", "loss", f"{self.loss:g}%"])  # fmt: skip
        else:
            r = _run(["iptables", "-A", *self._rule])
            for link in self.links:
                link.delay_s = self.delay_ms / 1000.0
        if r.returncode:
            raise SystemExit(f"error: cannot impair the loopback: {r.stderr.strip()}")

    def off(self) -> int:
        """Clear; the packets the firewall dropped (iptables mode, else -1)."""
        if self.mode == "netem":
            _run(["tc", "qdisc", "del", "dev", "lo", "root"])
            return -1
        out = _run(["iptables", "-L", "INPUT", "-v", "-x", "-n"]).stdout
        dropped = sum(int(line.split()[0]) for line in out.splitlines() if "statistic" in line)
        _run(["iptables", "-D", *self._rule])
        for link in self.links:
            link.delay_s = 0.0
        return dropped


def picture_faults(pic: dict[str, np.ndarray], n: int) -> dict[float, tuple[int, int, dict]]:
    """Per feed step of a node's picture: (lost, duplicated, {target: number})."""
    out = {}
    t_all = pic["t_s"]
    for t in np.unique(t_all):
        rows = t_all == t
        truth = straight_targets(n, float(t), lat_deg=LAT_DEG, lon_deg=LON_DEG, spacing_m=SPACING_M)
        pos = pic["pos"][rows]
        num = pic["number"][rows]
        if len(pos):
            d = np.linalg.norm(pos[:, None, :] - truth[None, :, :], axis=2)
            tgt = d.argmin(axis=1)
            ok = d[np.arange(len(pos)), tgt] <= GATE_M
        else:
            tgt, ok = np.zeros(0, dtype=np.int64), np.zeros(0, dtype=bool)
        covered = np.unique(tgt[ok])
        lost = n - len(covered)
        dup = int(ok.sum()) - len(covered)
        out[float(t)] = (lost, dup, {int(a): int(b) for a, b in zip(tgt[ok], num[ok], strict=True)})
    return out


def dual_reporters(batches: list[tuple[float, str, float, np.ndarray, np.ndarray]]) -> int:
    """Numbers reported (R2 flag) by two nodes at once in the latest of ``batches`` (the
    observer's (arrival, sender, t_s, numbers, reporting flags), in arrival order) of each
    sender."""
    latest: dict[str, np.ndarray] = {}
    for _w, s, _t, num, rep in batches:
        latest[s] = num[rep]
    allrep = np.concatenate(list(latest.values())) if latest else np.zeros(0)
    return int(len(allrep) - len(np.unique(allrep)))


def resync_after(
    pics: dict[str, dict[float, tuple[int, int, dict]]], t_from: float
) -> float | None:
    """Seconds from ``t_from`` to the first feed step from which, for good, every node's
    picture (`picture_faults`) has every target once under the same numbers at every node
    (None: never)."""
    common = sorted(set.intersection(*(set(p) for p in pics.values())))
    good = []
    for t in common:
        views = [p[t] for p in pics.values()]
        same = all(v[2] == views[0][2] for v in views)
        good.append((t, all(v[0] == 0 and v[1] == 0 for v in views) and same))
    after = [(t, g) for t, g in good if t >= t_from]
    for i, (t, _g) in enumerate(after):
        if all(g for _, g in after[i:]):
            return t - t_from
    return None


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--tracks", type=int, default=60)
    ap.add_argument("--nodes", type=int, default=3, choices=[2, 3, 4])
    ap.add_argument("--clean-s", type=int, default=10)
    ap.add_argument("--impaired-s", type=int, default=30)
    ap.add_argument("--cleared-s", type=int, default=20)
    ap.add_argument("--loss-pct", type=float, default=5.0)
    ap.add_argument("--delay-ms", type=float, default=200.0)
    ap.add_argument("--mode", choices=["auto", "netem", "iptables"], default="auto")
    ap.add_argument("--out", default=None)
    args = ap.parse_args()
    if not own_namespace():
        print("error: run me in a network namespace of my own (unshare -n ...): I change "
              "the loopback's queueing and firewall", file=sys.stderr)  # fmt: skip
        return 2
    mode = args.mode
    if mode == "auto":
        mode = "netem" if netem_available() else "iptables"
    nations, sensors, seen = national_feeds(args.nodes, args.tracks)
    d = Path(tempfile.mkdtemp(prefix="iamd-bench-impair-"))
    n = args.tracks
    samples: list[tuple[float, str, float, np.ndarray, np.ndarray]] = []
    t_on = args.clean_s
    t_off = args.clean_s + args.impaired_s
    total = t_off + args.cleared_s
    dual_by_t: dict[int, int] = {}
    fed_wall: dict[int, float] = {}
    dropped = -1
    relay = 1e-6 if mode == "iptables" else 0.0  # a relay per node link, delay set later
    with Federation.start(d, nations, sensors=sensors, identify=False, observers=["observer"],
                          link_delay_s=relay) as fed:  # fmt: skip
        imp = Impairment(mode, args.loss_pct, args.delay_ms, fed.links)
        for link in fed.links:
            link.delay_s = 0.0

        def on_batch(w: float, sender: str, m: Message) -> None:
            r = m.records
            samples.append((w, sender, m.t_s, r["number"].copy(),
                            (r["flags"] & FLAG_REPORTING) != 0))  # fmt: skip

        obs = observe(fed, on_batch)
        sens = {c: node_sensors("balkans", c, sensors[c]) for c in nations}
        rng = np.random.default_rng(1)
        t0 = time.monotonic()
        for k in range(total):
            if k == t_on:
                imp.on()
            if k == t_off:
                dropped = imp.off()
            pos = straight_targets(
                n, float(k), lat_deg=LAT_DEG, lon_deg=LON_DEG, spacing_m=SPACING_M
            )
            fed_wall[k] = time.monotonic()
            feed_plots(fed, nations, sens, seen, pos, float(k), rng)
            dual_by_t[k] = dual_reporters(samples[-4 * len(nations) :])
            time.sleep(max(0.0, t0 + (k + 1) - time.monotonic()))
        time.sleep(2.0)
        obs.close()
        fed.end()
        pics = {c: picture_faults(fed.picture(c), n) for c in nations}
        events = {c: fed.events(c) for c in nations}

    settle = 5.0
    result: dict[str, object] = {
        "command": " ".join(sys.argv),
        "mode": mode,
        "tracks": n,
        "nodes": len(nations),
        "loss_pct": args.loss_pct,
        "delay_ms": args.delay_ms,
        "phases_s": {"clean": [0, t_on], "impaired": [t_on, t_off], "cleared": [t_off, total]},
        "dropped_packets": dropped,
    }
    per: dict[str, dict[str, object]] = {}
    for ph in ("clean", "impaired", "cleared"):
        lo = {"clean": 0, "impaired": t_on, "cleared": t_off}[ph] + settle
        hi = {"clean": t_on, "impaired": t_off, "cleared": total}[ph]
        steps = {c: [v for t, v in p.items() if lo <= t < hi] for c, p in pics.items()}
        r2 = sum(
            1
            for c in nations
            for e in events[c]
            if e["kind"].startswith("r2_") and lo <= float(e["t_s"]) < hi
        )
        first: dict[tuple[str, float], float] = {}
        for w, snd, t, _num, _rep in samples:
            if lo <= t < hi and int(t) in fed_wall:
                first.setdefault((snd, t), w - fed_wall[int(t)])
        per[ph] = {
            "steps_per_node": {c: len(v) for c, v in steps.items()},
            "lost_max": max((x[0] for v in steps.values() for x in v), default=None),
            "duplicated_max": max((x[1] for v in steps.values() for x in v), default=None),
            "lost_step_fraction": round(
                float(np.mean([x[0] > 0 for v in steps.values() for x in v] or [0.0])), 4
            ),
            "duplicated_step_fraction": round(
                float(np.mean([x[1] > 0 for v in steps.values() for x in v] or [0.0])), 4
            ),
            "dual_reporter_max": max(
                (v for t, v in dual_by_t.items() if lo <= t < hi), default=None
            ),
            "r2_events": r2,
            "feed_to_batch_ms_p50": round(1e3 * float(np.median(list(first.values()))), 1)
            if first
            else None,
        }
    result["phases"] = per
    common = sorted(set.intersection(*(set(p) for p in pics.values())))
    result["resync_s"] = resync_after(pics, t_off)
    last = pics[nations[0]][max(common)] if common else None
    result["final_tracks_by_node"] = {
        c: (len(pics[c][max(common)][2]) if common else 0) for c in nations
    }
    result["final_numbers_agree"] = bool(
        common and all(pics[c][max(common)][2] == last[2] for c in nations)  # type: ignore[index]
    )
    write_result(result, args.out)
    return 0


if __name__ == "__main__":
    sys.exit(main())
