"""A federation on loopback for exercises, tests and benchmarks: secrets, the router, one
node process per nation, and the exercise driver's feeds.

`Federation.start` generates the secrets (`iamd.federation.security`), starts the router
(`iamd.federation.router`), writes each node's configuration and starts the nodes as
processes (``iamd node``, run as ``python -m iamd.cli node``); the driver's own authenticated
session (user ``exercise``, which may only put sensor feeds) publishes each nation's plots.
Two feeds:

- `ScenarioFeed`: a scenario's truth and its radars' scans (`iamd.sense.scan`, the engine's
  own sensing with its seeded streams), without engagements, split by nation;
- `synthetic_plots`: straight-line targets measured by given radars with their range,
  azimuth and elevation noise (Pd = 1), for tests and benchmarks.
"""

from __future__ import annotations

import contextlib
import json
import os
import signal
import subprocess
import sys
import time
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt
import yaml

from iamd.errors import IamdError
from iamd.federation.linkdelay import DelayedLink
from iamd.federation.messages import ENGAGE_DTYPE, EngageStatus, MessageKind, encode
from iamd.federation.node import encode_looks, plots_to_records
from iamd.federation.router import RouterProcess, start_router
from iamd.federation.security import (
    ALIVE_ROOT,
    EXERCISE_USER,
    FederationSecrets,
    client_config,
    feed_key,
    generate_secrets,
    to_json5,
)
from iamd.procs import child_env

FloatArray = npt.NDArray[np.float64]


@dataclass(slots=True)
class Federation:
    """A running federation (see the module docstring); use as a context manager."""

    directory: Path
    nations: tuple[str, ...]
    secrets: FederationSecrets
    router: RouterProcess
    configs: dict[str, Path]
    procs: dict[str, subprocess.Popen[bytes]] = field(default_factory=dict)
    session: Any = None
    alive: set[str] = field(default_factory=set)
    links: list[DelayedLink] = field(default_factory=list)
    _seq: int = 0

    @classmethod
    def start(
        cls,
        directory: Path,
        nations: Sequence[str],
        *,
        scenario: str = "balkans",
        sensors: dict[str, list[str]] | None = None,
        effectors: dict[str, list[str]] | None = None,
        releasability: dict[str, dict[str, Any]] | None = None,
        lease_s: float = 3.0,
        block_size: int = 100_000,
        identify: bool = True,
        start_nodes: Sequence[str] | None = None,
        observers: Sequence[str] = (),
        link_delay_s: float = 0.0,
        view_ports: dict[str, int] | None = None,
        asterix: dict[str, dict[str, Any]] | None = None,
    ) -> Federation:
        """Secrets, router, configurations; start the nodes ``start_nodes`` (default: all)
        and wait for their liveliness tokens. ``sensors`` and ``effectors`` give a nation's
        node a subset of its sensors and fire units (default: all); ``asterix`` gives it the
        ``asterix`` section of its configuration (`iamd.federation.asterix_feed`)."""
        import zenoh

        directory.mkdir(parents=True, exist_ok=True)
        sec = generate_secrets(directory / "secrets", nations, extra_users=observers)
        router = start_router(sec, nations, lease_ms=int(lease_s * 500), observers=observers)
        links: list[DelayedLink] = []
        configs: dict[str, Path] = {}
        for code in nations:
            port = router.port
            if link_delay_s > 0:  # each node reaches the router over its own delayed link
                links.append(DelayedLink(target_port=router.port, delay_s=link_delay_s).start())
                port = links[-1].port
            cred = sec.credentials[code]
            pw = directory / "secrets" / f"{cred.user}.password"
            fd = os.open(pw, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
            with os.fdopen(fd, "w") as f:
                f.write(cred.password)
            cfg: dict[str, Any] = {
                "nation": code,
                "scenario": scenario,
                "peers": [p for p in nations if p != code],
                "router": {"port": port, "ca": str(sec.ca)},
                "credentials": {
                    "user": cred.user,
                    "password_file": str(pw),
                    "cert": str(cred.cert),
                    "key": str(cred.key),
                },
                "block_size": block_size,
                "lease_s": lease_s,
                "identify": identify,
                "output": str(directory / "out"),
            }
            if sensors and code in sensors:
                cfg["sensors"] = sensors[code]
            if effectors and code in effectors:
                cfg["effectors"] = effectors[code]
            if view_ports and code in view_ports:
                cfg["view_port"] = view_ports[code]
            if releasability and code in releasability:
                cfg["releasability"] = releasability[code]
            if asterix and code in asterix:
                cfg["asterix"] = asterix[code]
            configs[code] = directory / f"node_{code}.yaml"
            configs[code].write_text(yaml.safe_dump(cfg, sort_keys=False))
        fed = cls(
            directory=directory,
            nations=tuple(nations),
            secrets=sec,
            router=router,
            configs=configs,
            links=links,
        )
        try:
            conf = client_config(
                sec.ca, router.port, sec.credentials[EXERCISE_USER], lease_ms=int(lease_s * 500)
            )
            fed.session = zenoh.open(zenoh.Config.from_json5(to_json5(conf)))

            def watch(s: Any) -> None:
                code = str(s.key_expr).rsplit("/", 1)[-1]
                if s.kind == zenoh.SampleKind.PUT:
                    fed.alive.add(code)
                else:
                    fed.alive.discard(code)

            fed.session.liveliness().declare_subscriber(f"{ALIVE_ROOT}/*", watch, history=True)
            for code in nations if start_nodes is None else start_nodes:
                fed.start_node(code)
            fed.wait_alive(list(nations if start_nodes is None else start_nodes))
        except BaseException:
            fed.close()
            raise
        return fed

    def open_session(self, party: str | None, *, password: str | None = None) -> Any:
        """A new Zenoh session as ``party`` (a nation, ``exercise`` or an observer; None: no
        credentials), optionally with another password."""
        import zenoh

        cred = self.secrets.credentials[party] if party is not None else None
        if cred is not None and password is not None:
            cred = replace(cred, password=password)
        conf = client_config(self.secrets.ca, self.router.port, cred)
        conf["connect"]["timeout_ms"] = 2_000
        return zenoh.open(zenoh.Config.from_json5(to_json5(conf)))

    def __enter__(self) -> Federation:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def start_node(self, code: str) -> None:
        """Start (or restart) nation ``code``'s node process."""
        log = (self.directory / f"node_{code}.log").open("ab")
        self.procs[code] = subprocess.Popen(
            [sys.executable, "-m", "iamd.cli", "node", str(self.configs[code])],
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
            env=child_env(),  # the node ends with the exercise (iamd.procs)
        )
        log.close()

    def wait_alive(self, codes: Sequence[str], timeout_s: float = 60.0) -> None:
        """Wait until the nodes ``codes`` hold their liveliness tokens."""
        end = time.monotonic() + timeout_s
        while not set(codes) <= self.alive:
            for c in codes:
                p = self.procs.get(c)
                if p is not None and p.poll() is not None:
                    raise IamdError(f"node {c} exited with {p.returncode}: {self.log(c)[-3000:]}")
            if time.monotonic() > end:
                raise IamdError(f"nodes {sorted(set(codes) - self.alive)} not up in {timeout_s} s")
            time.sleep(0.05)

    def log(self, code: str) -> str:
        """The node's log so far."""
        p = self.directory / f"node_{code}.log"
        return p.read_text(errors="replace") if p.exists() else ""

    def kill_node(self, code: str) -> None:
        """SIGKILL nation ``code``'s node (a node lost without warning)."""
        p = self.procs[code]
        with contextlib.suppress(ProcessLookupError):
            os.kill(p.pid, signal.SIGKILL)
        p.wait(10.0)

    def feed(
        self,
        code: str,
        t_s: float,
        records: npt.NDArray[np.void],
        looks: npt.NDArray[np.int64] | None = None,
    ) -> None:
        """Publish one step's plots (and looks) to nation ``code``'s node."""
        if looks is not None:
            self.session.put(feed_key(code), encode_looks(code, t_s, looks))
        self._seq += 1
        self.session.put(
            feed_key(code),
            encode(MessageKind.PLOTS, code, self._seq, t_s, records, wall_ns=time.time_ns()),
        )

    def order(self, code: str, number: int, status: EngageStatus, *, unit: int = 0,
              t_s: float = 0.0, target: str | None = None) -> None:  # fmt: skip
        """An engagement order to nation ``code``'s node (engage, cease, offer, accept)."""
        rec = np.zeros(1, dtype=ENGAGE_DTYPE)
        rec[0] = (
            number,
            unit,
            int(status),
            self.nations_sorted.index(target) if target else 255,
            t_s,
        )
        self._seq += 1
        self.session.put(feed_key(code), encode(MessageKind.ENGAGE, code, self._seq, t_s, rec,
                                                wall_ns=time.time_ns()))  # fmt: skip

    @property
    def nations_sorted(self) -> list[str]:
        """The roster (sorted nation codes)."""
        return sorted(self.nations)

    def end(self, codes: Sequence[str] | None = None, timeout_s: float = 30.0) -> None:
        """Send END to the nodes and wait for them to write their outputs and exit."""
        codes = list(self.procs) if codes is None else list(codes)
        for c in codes:
            if self.procs[c].poll() is None:
                self.session.put(
                    feed_key(c),
                    encode(
                        MessageKind.END, c, 0, 0.0, np.zeros(0, dtype=[("code", "<u4")]), wall_ns=0
                    ),
                )
        for c in codes:
            try:
                self.procs[c].wait(timeout_s)
            except subprocess.TimeoutExpired:
                self.procs[c].terminate()
                self.procs[c].wait(10.0)

    def stats(self, code: str) -> dict[str, Any]:
        """The node's ``stats_<NATION>.json`` (after `end`)."""
        return dict(json.loads((self.directory / "out" / f"stats_{code}.json").read_text()))

    def events(self, code: str) -> list[dict[str, Any]]:
        """The node's event log (after `end`)."""
        path = self.directory / "out" / f"events_{code}.jsonl"
        return [json.loads(line) for line in path.read_text().splitlines()]

    def picture(self, code: str) -> dict[str, np.ndarray]:
        """The node's picture snapshots (after `end`)."""
        with np.load(self.directory / "out" / f"picture_{code}.npz") as z:
            return {k: z[k] for k in z.files}

    def close(self) -> None:
        """Stop every node, the driver's session and the router."""
        for p in self.procs.values():
            if p.poll() is None:
                p.terminate()
        for p in self.procs.values():
            try:
                p.wait(10.0)
            except subprocess.TimeoutExpired:
                p.kill()
                p.wait(5.0)
        if self.session is not None:
            with contextlib.suppress(Exception):
                self.session.close()
            self.session = None
        self.router.stop()
        for link in self.links:
            link.stop()


def node_sensors(scenario: str, nation: str, ids: Sequence[str] | None = None) -> Any:
    """The `SensorArray` a node of ``nation`` builds (its sensors ``ids``, default all)."""
    from iamd.scenario.loader import load_scenario
    from iamd.sense.radar import take_sensors
    from iamd.sim.setup import build_sensors

    s = build_sensors(load_scenario(scenario))
    all_ids = list(s.ids)
    idx = (
        [all_ids.index(i) for i in ids]
        if ids
        else [i for i, n in enumerate(s.nation) if n == nation]
    )
    return take_sensors(s, np.array(idx, dtype=np.int64))


def straight_targets(
    n: int,
    t_s: float,
    *,
    lat_deg: float,
    lon_deg: float,
    alt_m: float = 9_000.0,
    spacing_m: float = 3_000.0,
    speed_m_s: float = 200.0,
) -> FloatArray:
    """(n, 3) ECEF positions at ``t_s`` of n targets on a square grid around a point, flying
    east at ``speed_m_s`` (a flat-earth offset in the local ENU frame)."""
    from iamd.geo.wgs84 import enu_to_ecef

    side = int(np.ceil(np.sqrt(n)))
    k = np.arange(n)
    east = (k % side - side / 2) * spacing_m + speed_m_s * t_s
    north = (k // side - side / 2) * spacing_m
    enu = np.stack([east, north, np.full(n, alt_m)], axis=1)
    return np.asarray(enu_to_ecef(enu, np.radians(lat_deg), np.radians(lon_deg), 0.0))


def synthetic_plots(
    sensors: Any, pos_ecef_m: FloatArray, t_s: float, rng: np.random.Generator
) -> npt.NDArray[np.void]:
    """Plot records of every radar of ``sensors`` on every target (Pd = 1), with the radars'
    range, azimuth and elevation noise; ``entity`` is the target's index."""
    from iamd.geo.wgs84 import aer_to_ecef, ecef_to_aer
    from iamd.sense.radar import Plots, measurement_covariance_ecef

    n_s, n = len(sensors.ids), len(pos_ecef_m)
    s_idx = np.repeat(np.arange(n_s), n)
    ent = np.tile(np.arange(n), n_s)
    az, el, rng_m = ecef_to_aer(
        pos_ecef_m[ent], sensors.lat_rad[s_idx], sensors.lon_rad[s_idx], sensors.alt_m[s_idx]
    )
    az = az + rng.standard_normal(len(az)) * sensors.sigma_az_rad[s_idx]
    el = el + rng.standard_normal(len(el)) * sensors.sigma_el_rad[s_idx]
    rng_m = rng_m + rng.standard_normal(len(rng_m)) * sensors.sigma_range_m[s_idx]
    pos = aer_to_ecef(
        az, el, rng_m, sensors.lat_rad[s_idx], sensors.lon_rad[s_idx], sensors.alt_m[s_idx]
    )
    plots = Plots(
        t_s=np.full(len(s_idx), t_s),
        sensor=s_idx,
        entity=ent,
        range_m=rng_m,
        az_rad=az,
        el_rad=el,
        pos_ecef_m=np.asarray(pos).reshape(-1, 3),
        cov_ecef_m2=measurement_covariance_ecef(sensors, s_idx, az, el, rng_m),
        squawk=np.zeros(len(s_idx), dtype=bool),
        iff=np.zeros(len(s_idx), dtype=bool),
        rcs_m2=np.full(len(s_idx), 5.0),
        reported_alt_m=np.full(len(s_idx), np.nan),
    )
    return plots_to_records(plots)
