"""Faults in the kernel: 5 % loss and 200 ms delay on loopback (``tc netem``) inside a network
namespace of the test's own, with the federation benchmark running in it.

Needs root, ``unshare``, ``tc`` and a kernel with the ``sch_netem`` qdisc; otherwise the test
is skipped with the reason (the user-space delayed link of `iamd.federation.linkdelay` is
measured by the benchmark instead).
"""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from .conftest import bench_in_namespace, namespace_unavailable

BENCH = Path(__file__).resolve().parents[2] / "benchmarks" / "federation" / "bench_federation.py"
NETEM = "tc qdisc add dev lo root netem delay 200ms loss 5%"


def _netem_unavailable() -> str | None:
    for tool in ("unshare", "tc", "ip"):
        if shutil.which(tool) is None:
            return f"{tool} is not installed"
    probe = subprocess.run(
        ["unshare", "-n", "sh", "-c", f"ip link set lo up && {NETEM}"],
        capture_output=True, text=True, timeout=20,
    )  # fmt: skip
    if probe.returncode != 0:
        return f"no network namespace with netem here: {probe.stderr.strip() or probe.returncode}"
    return None


def test_federation_under_loss_and_delay(tmp_path):
    reason = _netem_unavailable()
    if reason is not None:
        pytest.skip(reason)
    out = tmp_path / "netem.json"
    cmd = (f"ip link set lo up && {NETEM} && {sys.executable} {BENCH} --tracks 100 --nodes 4 "
           f"--seconds 6 --out {out}")  # fmt: skip
    run = subprocess.run(["unshare", "-n", "sh", "-c", cmd], capture_output=True, text=True,
                         timeout=180)  # fmt: skip
    assert run.returncode == 0, run.stderr[-3000:]
    res = json.loads(out.read_text())
    assert all(abs(n - 100) <= 2 for n in res["picture_tracks_by_node"].values()), res
    assert res["taken_over"].split("/")[0] == res["taken_over"].split("/")[1], res
    assert res["takeover_s"] <= 3.0 + 2.0, res  # a lease, plus a cycle and the delays


# --------------------------------------------------------------------------- loss and delay


def _sandbox_unavailable() -> str | None:
    """Why no network namespace with loss on its loopback can be made here (else None):
    netem where the kernel has it, else the firewall's ``statistic`` match."""
    reason = namespace_unavailable()
    if reason is not None:
        return reason
    if shutil.which("tc") is not None and _netem_unavailable() is None:
        return None
    rule = "iptables -A INPUT -i lo -m statistic --mode random --probability 0.05 -j DROP"
    reason = namespace_unavailable(rule, tools=("iptables",))
    return None if reason is None else f"no sch_netem in the kernel, and {reason}"


def test_picture_stays_consistent_under_loss_and_delay_and_resyncs(tmp_path):
    """Three nodes, 60 targets (some held by two nations, some by one), 1 Hz: 12 s clean,
    30 s with 5 % packet loss and 200 ms delay on every node's link, 15 s cleared, in a
    network namespace of the test's own. In every node's picture, from 5 s into each phase:
    no target without a track, none with two; at most one number reported by two nodes at
    once while impaired (a transfer in flight), none once cleared; reporting
    responsibility settled (at most a few R2 changes while impaired, none once cleared); the
    delay visibly at work; after clearing every node holds the 60 targets under the same
    numbers within 5 s."""
    reason = _sandbox_unavailable()
    if reason is not None:
        pytest.skip(reason)
    res = bench_in_namespace("bench_impairment.py", "--tracks 60 --nodes 3 --clean-s 12 "
                             "--impaired-s 30 --cleared-s 15", tmp_path / "impair.json",
                             timeout_s=400)  # fmt: skip
    ph = res["phases"]
    if res["mode"] == "iptables":
        assert res["dropped_packets"] > 0, res  # the loss was real
    for name in ("impaired", "cleared"):
        p = ph[name]
        assert min(p["steps_per_node"].values()) >= 8, res
        assert p["lost_max"] == 0 and p["duplicated_max"] == 0, (name, res)
    # a transfer in flight over the slow links: the new reporter claims a cycle before the
    # old one has seen it
    assert ph["impaired"]["dual_reporter_max"] <= 1, res
    assert ph["cleared"]["dual_reporter_max"] == 0, res
    assert ph["impaired"]["r2_events"] <= 6, res
    assert ph["cleared"]["r2_events"] == 0, res
    assert ph["impaired"]["feed_to_batch_ms_p50"] >= ph["clean"]["feed_to_batch_ms_p50"] + 150, res
    assert res["resync_s"] is not None and res["resync_s"] <= 5.0, res
    assert res["final_numbers_agree"], res
    assert set(res["final_tracks_by_node"].values()) == {60}, res
