"""Helpers for the federation tests: local tracks on given positions, a drone's local track
approaching Constanța, a node without a session, exchanges of encoded batches between
in-process pictures, and the probe for a network namespace of a test's own (the fault tests'
sandbox)."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import numpy as np

from iamd.federation.blocks import allocate_blocks
from iamd.federation.messages import MessageKind, decode, encode
from iamd.federation.picture import FederatedPicture, LocalTracks, PictureParams
from iamd.federation.tewa import HOSTILE
from iamd.geo.wgs84 import enu_vector_to_ecef, lla_to_ecef
from iamd.scenario.catalog import THREAT_CLASSES, ThreatClass

BENCHMARKS = Path(__file__).resolve().parents[2] / "benchmarks" / "federation"
ROSTER = ("BGR", "GRC", "ROU")
BASE = np.array([4_200_000.0, 2_200_000.0, 4_300_000.0])


def local_tracks(ids, pos, sigma_m=50.0, identity=None, vel=(0.0, 0.0, 0.0)):
    """LocalTracks at ECEF positions (k, 3) with isotropic position error ``sigma_m``."""
    pos = np.atleast_2d(np.asarray(pos, dtype=float))
    k = len(pos)
    state = np.hstack([pos, np.tile(vel, (k, 1))])
    cov = np.tile(np.diag([sigma_m**2] * 3 + [25.0] * 3), (k, 1, 1))
    return LocalTracks(
        local_id=np.asarray(ids, dtype=np.int64),
        state=state,
        covar=cov,
        identity=np.asarray(identity if identity is not None else [1] * k, dtype=np.int64),
        cls=np.full(k, -1, dtype=np.int64),
        releasable=np.full(k, 0b111, dtype=np.uint64),
        plot_wall_ns=np.zeros(k, dtype=np.uint64),
    )


def drone_track(port: Any, t_s: float, identity: int = HOSTILE) -> LocalTracks:
    """A node's local track of a drone 25 km east of ``port`` (an asset with ``lat_deg`` and
    ``lon_deg``) at 500 m, flying at it at 50 m/s, at time ``t_s``."""
    lat, lon = np.radians(port.lat_deg), np.radians(port.lon_deg)
    lon0 = lon + 25e3 / (6.39e6 * np.cos(lat))
    pos, vel = lla_to_ecef(lat, lon0, 500.0), enu_vector_to_ecef([-50.0, 0.0, 0.0], lat, lon0)
    return LocalTracks(
        local_id=np.array([1]),
        state=np.hstack([pos + vel * t_s, vel])[None],
        covar=np.diag([50.0**2] * 3 + [25.0] * 3)[None],
        identity=np.array([identity]),
        cls=np.array([THREAT_CLASSES.index(ThreatClass.DRONE)]),
        releasable=np.array([0b11], dtype=np.uint64),
        plot_wall_ns=np.zeros(1, dtype=np.uint64),
    )


class RecordingSession:
    """Stands for a node's Zenoh session: keeps what it puts."""

    def __init__(self) -> None:
        self.puts: list[tuple[str, bytes]] = []

    def put(self, key: str, data: bytes) -> None:
        self.puts.append((key, data))


def rou_node(directory: Path) -> Any:
    """ROU's node of the built-in theatre (partner BGR, its scenario units, identification
    off) on a `RecordingSession`, writing its outputs to ``directory / "out"``."""
    from iamd.federation.node import Node, NodeConfig

    cfg = NodeConfig.model_validate({
        "nation": "ROU", "peers": ["BGR"], "identify": False, "output": directory / "out",
        "router": {"port": 7447, "ca": directory / "ca.pem"},
        "credentials": {"user": "rou", "password_file": directory / "pw",
                        "cert": directory / "c.pem", "key": directory / "c.key"},
    })  # fmt: skip
    node = Node(cfg)
    node._session = RecordingSession()
    return node


def pictures(roster=ROSTER, lease_s=3.0):
    blocks = {b.nation: b for b in allocate_blocks(roster, 1000)}
    return {
        c: FederatedPicture(nation=c, roster=roster, block=blocks[c],
                            params=PictureParams(lease_s=lease_s))
        for c in roster
    }  # fmt: skip


def exchange(pics, now_s, skip=()):
    """Every picture's outgoing batch, encoded and decoded, to every other picture."""
    out = {
        c: decode(encode(MessageKind.TRACKS, c, 1, 0.0, p.outgoing(), wall_ns=0)).records
        for c, p in pics.items()
        if c not in skip
    }
    for c, p in pics.items():
        for s, rec in out.items():
            if s != c and c not in skip:
                p.receive(s, rec, now_s)


def reporters(pics, number):
    """Nations reporting ``number``."""
    return [c for c, p in pics.items() if number in p.reporting().tolist()]


def namespace_unavailable(setup: str = "true", tools: tuple[str, ...] = ()) -> str | None:
    """Why no network namespace of the test's own (``unshare -n``, loopback up) in which the
    shell command ``setup`` succeeds can be made here, with ``tools`` installed (else None)."""
    for tool in ("unshare", "ip", *tools):
        if shutil.which(tool) is None:
            return f"{tool} is not installed (Debian: util-linux, iproute2, iptables)"
    probe = subprocess.run(["unshare", "-n", "sh", "-c", "ip link set lo up"],
                           capture_output=True, text=True, timeout=20)  # fmt: skip
    if probe.returncode != 0:
        return f"cannot create a network namespace: {probe.stderr.strip() or probe.returncode}"
    probe = subprocess.run(["unshare", "-n", "sh", "-c", f"ip link set lo up && {setup}"],
                           capture_output=True, text=True, timeout=20)  # fmt: skip
    if probe.returncode != 0:
        return f"{setup!r} fails in a network namespace: {probe.stderr.strip()}"
    return None


def bench_in_namespace(script: str, args: str, out: Path, timeout_s: float) -> dict[str, Any]:
    """Run the federation benchmark ``script`` with ``args`` in a network namespace of its own
    (loopback up) and return the figures it wrote to ``out``."""
    cmd = f"ip link set lo up && {sys.executable} {BENCHMARKS / script} {args} --out {out}"
    run = subprocess.run(["unshare", "-n", "sh", "-c", cmd], capture_output=True, text=True,
                         timeout=timeout_s)  # fmt: skip
    assert run.returncode == 0, run.stderr[-3000:]
    return dict(json.loads(out.read_text()))
