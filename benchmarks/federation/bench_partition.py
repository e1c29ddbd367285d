"""The federation through a partition: one node's link cut (every packet of it dropped, both
ways) for longer than a liveliness lease, then healed. Do the others take its tracks over,
does it keep its own picture, and how fast is one picture back?

    unshare -n sh -c 'ip link set lo up && .venv/bin/python \\
        benchmarks/federation/bench_partition.py --out partition.json'

It refuses to run where the namespace has any interface but the loopback (it changes the
loopback's firewall, which must only ever be a sandbox's).

Three nodes (BGR, GRC, ROU; lease 3 s) and a 1 Hz feed of N straight-line targets (a grid
8 km apart), each node's radar seeing half of them as in `bench_impairment`: some targets
are held by two nations, some by one. ROU, the node cut off, has its radar on ASTERIX
(CAT048 plots on UDP to its node, `iamd.federation.asterix_feed`): its own sensor, which a
cut of its federation link does not reach; BGR and GRC are fed through the router. Each
node reaches the router through its own relay (`iamd.federation.linkdelay`, no delay), and
the cut is the firewall dropping every TCP segment to or from ROU's relay port
(``iptables -A INPUT -i lo -p tcp --dport P -j DROP`` and ``--sport P``): ROU's session to
the router falls silent, the router's lease expires, ROU's partners see its liveliness token
go and ROU sees nothing of them.

Phases, each ``--*-s`` seconds: clean, cut, healed. ``--late`` more targets, seen by BGR and
ROU, come up ``--late-after-s`` into the cut: both sides of the cut originate a number for
each, from their own blocks, so the heal meets dual designations. Figures, from each node's
own picture at every feed step (``picture_<N>.npz``; a track is a target's within 4 km):
targets the node should hold that it has no track of (**lost**: all targets while whole;
during the cut, BGR and GRC those either of them sees and ROU those it sees), tracks beyond
one per target (**duplicated**), targets it should not hold still shown (**extra**: the other
side's coasting tracks), rows reported by a node across the cut (**reporter across**), and
targets whose number differs from the one all nodes gave it before the cut (**renumbered**).
From an observer of every batch on the router: the time from the cut until BGR or GRC
reports every number ROU reported that they hold (**takeover**), and numbers reported by
two nodes at once (**dual reporters**, each sender's latest batch of the last 1.5 s).
**resync**: after the heal, the time until every node's picture has every target once,
under the same numbers at every node, for good.
"""

from __future__ import annotations

import argparse
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import yaml
from bench_federation import SENSOR, feed_plots, national_feeds, observe, write_result
from bench_impairment import (
    LAT_DEG,
    LON_DEG,
    SPACING_M,
    dual_reporters,
    own_namespace,
    picture_faults,
    resync_after,
)

from iamd.federation.exercise import Federation, node_sensors, straight_targets
from iamd.federation.messages import FLAG_REPORTING, Message
from iamd.interop.asterix.capture import send_udp
from iamd.interop.asterix.encode import split_blocks

LEASE_S = 3.0
"""The nodes' liveliness lease (the configuration's default, `NodeConfig.lease_s`)."""
SETTLE_S = 5.0
"""Left out at the start of the clean phase (tracks forming)."""


def free_udp_port() -> int:
    """A UDP port free on 127.0.0.1 now."""
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def radar_table(nation: str) -> dict[str, Any]:
    """The ASTERIX sensor table of ``nation``'s radar (:data:`SENSOR`), as the scenario
    places it and with its noise; a 1 s scan."""
    s = node_sensors("balkans", nation, [SENSOR[nation]])
    return {
        "sensors": [
            {"sac": 1, "sic": 1, "name": SENSOR[nation],
             "lat_deg": float(np.degrees(s.lat_rad[0])), "lon_deg": float(np.degrees(s.lon_rad[0])),
             "alt_m": float(s.alt_m[0]), "sigma_range_m": float(s.sigma_range_m[0]),
             "sigma_az_mrad": float(s.sigma_az_rad[0]) * 1e3, "sigma_height_m": 30.0,
             "scan_period_s": 1.0, "max_range_km": 450.0}
        ]
    }  # fmt: skip


def asterix_plots(
    table: dict[str, Any], pos_ecef_m: np.ndarray, idx: np.ndarray, t_s: float, rng: Any
) -> bytes:
    """CAT048 plots of the radar of ``table`` on the targets ``idx`` of ``pos_ecef_m``
    ((n, 3), m) at time of day ``t_s``: range and azimuth with the radar's noise, Mode C,
    a Mode 3/A code and a Mode S address per target."""
    from iamd.geo.wgs84 import ecef_to_aer, ecef_to_lla
    from iamd.interop.asterix.encode import encode_cat048
    from iamd.interop.asterix.fields import FT_M

    r = table["sensors"][0]
    lat, lon = np.radians(r["lat_deg"]), np.radians(r["lon_deg"])
    az, _el, rng_m = ecef_to_aer(pos_ecef_m[idx], lat, lon, r["alt_m"])
    m = len(idx)
    alt_m = ecef_to_lla(pos_ecef_m[idx])[2]
    plots = pd.DataFrame({
        "sac": r["sac"], "sic": r["sic"], "tod_s": np.full(m, t_s), "typ": 5,
        "range_m": rng_m + rng.normal(0.0, r["sigma_range_m"], m),
        "azimuth_deg": np.degrees(az + rng.normal(0.0, r["sigma_az_mrad"] * 1e-3, m)) % 360.0,
        "mode3a": 0o1000 + idx, "fl": np.round(alt_m / FT_M / 100 * 4) / 4,
        "address": 0x400000 + idx,
    })  # fmt: skip
    return encode_cat048(plots)


class Cut:
    """Every TCP segment to or from one port on the loopback dropped (the module docstring),
    switched on and off."""

    def __init__(self, port: int) -> None:
        self.rules = [
            ["INPUT", "-i", "lo", "-p", "tcp", "--dport", str(port), "-j", "DROP"],
            ["INPUT", "-i", "lo", "-p", "tcp", "--sport", str(port), "-j", "DROP"],
        ]

    def on(self) -> None:
        for rule in self.rules:
            r = subprocess.run(["iptables", "-A", *rule], capture_output=True, text=True)
            if r.returncode:
                raise SystemExit(f"error: cannot cut the link: {r.stderr.strip()}")

    def off(self) -> int:
        """Heal; the packets the firewall dropped."""
        out = subprocess.run(["iptables", "-L", "INPUT", "-v", "-x", "-n"],
                             capture_output=True, text=True).stdout  # fmt: skip
        dropped = sum(int(line.split()[0]) for line in out.splitlines() if "DROP" in line)
        for rule in self.rules:
            subprocess.run(["iptables", "-D", *rule], capture_output=True, text=True)
        return dropped


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--tracks", type=int, default=60)
    ap.add_argument("--late", type=int, default=4)
    ap.add_argument("--clean-s", type=int, default=10)
    ap.add_argument("--cut-s", type=int, default=14)
    ap.add_argument("--late-after-s", type=int, default=4)
    ap.add_argument("--healed-s", type=int, default=13)
    ap.add_argument("--out", default=None)
    args = ap.parse_args()
    if not own_namespace():
        print("error: run me in a network namespace of my own (unshare -n ...): I change "
              "the loopback's firewall", file=sys.stderr)  # fmt: skip
        return 2
    nations, sensors, seen = national_feeds(3, args.tracks)
    a, b, c = nations
    n = args.tracks + args.late
    late = np.arange(args.tracks, n)
    t_cut = args.clean_s
    t_late = t_cut + args.late_after_s
    t_heal = t_cut + args.cut_s
    total = t_heal + args.healed_s
    d = Path(tempfile.mkdtemp(prefix="iamd-bench-partition-"))
    table = radar_table(c)
    (d / "radars.yaml").write_text(yaml.safe_dump(table, sort_keys=False))
    udp = free_udp_port()
    samples: list[tuple[float, str, float, np.ndarray, np.ndarray]] = []
    dual_by_t: dict[int, int] = {}
    wall_of: dict[str, float] = {}
    with Federation.start(d, nations, sensors={x: sensors[x] for x in (a, b)}, identify=False,
                          observers=["observer"], link_delay_s=1e-6, lease_s=LEASE_S,
                          asterix={c: {"port": udp, "sensors": str(d / "radars.yaml"),
                                       "window_s": 1.0}}) as fed:  # fmt: skip
        for link in fed.links:
            link.delay_s = 0.0
        cut = Cut(fed.links[nations.index(c)].port)

        def on_batch(w: float, sender: str, m: Message) -> None:
            r = m.records
            samples.append((w, sender, m.t_s, r["number"].copy(),
                            (r["flags"] & FLAG_REPORTING) != 0))  # fmt: skip

        obs = observe(fed, on_batch)
        sens = {x: node_sensors("balkans", x, sensors[x]) for x in (a, b)}
        rng = np.random.default_rng(1)
        t0 = time.monotonic()
        for k in range(total):
            t = k + 0.5  # the time of day of the ASTERIX plots: one clock for every node
            if k == t_cut:
                wall_of["cut"] = time.monotonic()
                cut.on()
            if k == t_heal:
                wall_of["heal"] = time.monotonic()
                dropped = cut.off()
            now_seen = {x: seen[x] for x in nations}
            if k >= t_late:  # the late targets: seen by BGR and ROU
                now_seen[a] = np.concatenate([seen[a], late])
                now_seen[c] = np.concatenate([seen[c], late])
            pos = straight_targets(n, t, lat_deg=LAT_DEG, lon_deg=LON_DEG, spacing_m=SPACING_M)
            feed_plots(fed, [a, b], sens, now_seen, pos, t, rng)
            send_udp(split_blocks(asterix_plots(table, pos, now_seen[c], t, rng)), udp)
            w = time.monotonic()
            dual_by_t[k] = dual_reporters([s for s in samples if s[0] >= w - 1.5])
            time.sleep(max(0.0, t0 + (k + 1) - time.monotonic()))
        time.sleep(2.0)
        obs.close()
        fed.end()
        pics = {x: picture_faults(fed.picture(x), n) for x in nations}
        raw = {x: fed.picture(x) for x in nations}
        events = {x: fed.events(x) for x in nations}
        roster = [str(x) for x in raw[a]["roster"]]

    cover = {x: set(seen[x].tolist()) for x in nations}
    before = pics[a][max(t for t in pics[a] if t < t_cut)][2]  # target -> number, pre-cut

    lates = set(late.tolist())

    def side(x: str, t: float) -> set[int]:
        """The first ``tracks`` targets node ``x`` should hold at step ``t``: all but across
        the cut."""
        if t_cut <= t < t_heal:
            return cover[c] if x == c else cover[a] | cover[b]
        return set(range(args.tracks))

    def must(x: str, t: float) -> set[int]:  # the late targets held 3 s after they come up
        return side(x, t) | (lates if t >= t_late + 3 else set())

    def may(x: str, t: float) -> set[int]:
        return side(x, t) | (lates if t >= t_late else set())

    per: dict[str, Any] = {}
    for x in nations:
        steps: dict[str, Any] = {}
        for t, (_lost, dup, tn) in sorted(pics[x].items()):
            rows = raw[x]["t_s"] == t
            rep = raw[x]["reporter"][rows]
            if t_cut <= t < t_heal:
                other = [roster.index(y) for y in nations if (y == c) != (x == c)]
                across = int(np.isin(rep, other).sum())
            else:
                across = 0
            steps[f"{t:g}"] = {
                "lost": len(must(x, t) - set(tn)),
                "duplicated": dup,
                "extra": len(set(tn) - may(x, t)),
                "reporter_across": across,
                "renumbered": sum(1 for g, v in tn.items() if g in before and before[g] != v),
            }
        per[x] = steps
    # takeover: every number ROU reported in its last batches before the cut whose target BGR
    # or GRC holds, reported by one of them
    cut_w = wall_of["cut"]
    by_number = {v: g for g, v in before.items()}
    held = cover[a] | cover[b]
    last_c = {int(v) for w, s, _t, num, rep in samples if s == c and cut_w - 2.0 <= w < cut_w
              for v in num[rep].tolist()}  # fmt: skip
    todo = {v for v in last_c if by_number.get(v) in held}
    taken: dict[int, float] = {}
    for w, s, _t, num, rep in samples:
        if w >= cut_w and s in (a, b):
            for v in num[rep].tolist():
                if v in todo and v not in taken:
                    taken[v] = w - cut_w
    finals = {x: pics[x][max(pics[x])][2] for x in nations}
    # the late targets' numbers on each side of the cut at its end, and everywhere at the end
    last_cut = {x: pics[x][max(t for t in pics[x] if t < t_heal)][2] for x in (a, c)}
    late_numbers = {side: {str(g): last_cut[side].get(g) for g in late.tolist()} for side in (a, c)}
    late_numbers["final"] = {str(g): finals[a].get(g) for g in late.tolist()}
    result = {
        "command": " ".join(sys.argv),
        "nodes": nations,
        "cut_node": c,
        "tracks": args.tracks,
        "late": args.late,
        "lease_s": LEASE_S,
        "phases_s": {"clean": [0, t_cut], "cut": [t_cut, t_heal], "healed": [t_heal, total]},
        "late_from_s": t_late,
        "dropped_packets": dropped,
        "steps": per,
        "dual_reporters_by_s": {str(k): v for k, v in dual_by_t.items()},
        "r2_events": {
            x: [
                e
                for e in events[x]
                if e["kind"].startswith("r2_")
                or e["kind"] in ("correlate", "peer_lost", "peer_joined")
            ]
            for x in nations
        },
        "takeover_s": round(max(taken.values()), 3) if taken else None,
        "taken_over": f"{len(taken)}/{len(todo)}",
        "resync_s": resync_after(pics, t_heal),
        "final_tracks_by_node": {x: len(finals[x]) for x in nations},
        "final_numbers_agree": all(finals[x] == finals[a] for x in nations),
        "late_numbers": late_numbers,
        "final_renumbered": sum(1 for g, v in finals[a].items() if g in before and before[g] != v),
    }
    write_result(result, args.out)
    return 0


if __name__ == "__main__":
    sys.exit(main())
