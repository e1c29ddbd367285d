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
