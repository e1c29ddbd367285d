"""A national command node: its own sensors' plots in, a federated air picture out.

``iamd node CONFIG`` (or ``python -m iamd.federation.node CONFIG``) reads a YAML file
(`NodeConfig`, validated with pydantic: nation, scenario, sensors, effectors,
releasability, peers, router and credentials), opens an authenticated, encrypted Zenoh
session to the federation's router and then, on every batch of plots on its sensor feed
(``iamd/feed/<NATION>/plots``, the simulation's plots of that nation's radars):

1. folds the plots into the engine's own tracker (`iamd.track.sensed.SensedPicture`, one
   national picture fed by its radars) and identifies its tracks
   (`iamd.identify.stage.TrackIdentifier`, with the scenario's airspace);
2. steps its `iamd.federation.picture.FederatedPicture` with its confirmed tracks and its
   partners' latest batches (numbers, R2, correlation, conflicts, fusion);
3. runs threat evaluation and weapon assignment on the hostile tracks of that picture with
   its own fire units (`iamd.federation.tewa.NodeTewa`: the engine's engagement stage, each
   shot declared on its `EngagementBoard`, refused if another nation engages the track);
4. publishes the tracks it reports to each partner they are released to
   (`iamd.federation.releasability`) under ``iamd/fed/<NATION>/to/<PARTNER>/tracks``, and its
   engagement statuses under ``.../engage``.

A partner's batch is decoded and validated (`iamd.federation.messages.decode`); a malformed
one is counted, logged and dropped. The node holds a liveliness token
(``iamd/alive/<NATION>``) and watches its partners': a token that disappears (the session
closed, or the router's lease expired) makes the partner lost at once. Engagement orders of
the exercise (an ``ENGAGE`` message on the feed) go to its `EngagementBoard` too, whose
statuses it sends every partner. With no feed for a
second, the node re-publishes its batch (a heartbeat). An ``END`` message on the feed, or
SIGTERM, writes the outputs (``picture_<NATION>.npz``, ``events_<NATION>.jsonl``,
``stats_<NATION>.json`` in ``output``) and stops the node. The event log is in scenario
time, events of one time in the order the node logged them (`Node.events_in_order`, which
says why it is sorted then), and replaces any earlier one whole.
"""

from __future__ import annotations

import json
import os
import queue
import signal
import sys
import threading
import time
import traceback
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from iamd.errors import InputError
from iamd.federation.asterix_feed import AsterixFeedConfig, AsterixStep, AsterixTracker
from iamd.federation.blocks import DEFAULT_BLOCK_SIZE, allocate_blocks
from iamd.federation.engagement import EngagementBoard
from iamd.federation.messages import (
    PLOT_DTYPE,
    EngageStatus,
    MessageError,
    MessageKind,
    decode,
    encode,
)
from iamd.federation.picture import (
    FederatedPicture,
    FederationEvent,
    LocalTracks,
    PictureParams,
    roster_of,
)
from iamd.federation.releasability import ReleasePolicy, release_mask
from iamd.federation.security import (
    ALIVE_ROOT,
    Credential,
    alive_key,
    client_config,
    engage_key,
    feed_key,
    to_json5,
    tracks_key,
)
from iamd.track.manager import Tracker

LATENCY_SAMPLES = 500_000
"""Most end-to-end latency samples a node keeps."""
HEARTBEAT_S = 1.0
"""A node re-publishes its batch after this long without a feed (s)."""
LOOKS_DTYPE = np.dtype([("sensor", "<u4"), ("scans", "<u4")])
ASTERIX_ID_OFFSET = 1 << 40
"""Local ids of the ASTERIX feed's tracks start here (the simulation's tracker's below)."""


class RouterRef(BaseModel):
    """Where the router listens and the CA that signs its certificate."""

    model_config = ConfigDict(extra="forbid")
    port: int = Field(gt=0, lt=65536)
    ca: Path


class CredentialRef(BaseModel):
    """The node's identity: user, a file holding its password, its client certificate."""

    model_config = ConfigDict(extra="forbid")
    user: str = Field(min_length=1)
    password_file: Path
    cert: Path
    key: Path


class NodeConfig(BaseModel):
    """A node's configuration file (YAML)."""

    model_config = ConfigDict(extra="forbid")
    nation: str = Field(pattern=r"^[A-Z]{3}$")
    scenario: str = "balkans"
    sensors: list[str] | None = None
    effectors: list[str] | None = None
    peers: list[str]
    releasability: ReleasePolicy = Field(default_factory=ReleasePolicy)
    router: RouterRef
    credentials: CredentialRef
    block_size: int = Field(default=DEFAULT_BLOCK_SIZE, ge=1)
    lease_s: float = Field(default=3.0, gt=0)
    identify: bool = True
    output: Path | None = None
    view_port: int | None = Field(default=None, ge=0, lt=65536)
    asterix: AsterixFeedConfig | None = None

    @field_validator("peers")
    @classmethod
    def _codes(cls, v: list[str]) -> list[str]:
        for code in v:
            if not (len(code) == 3 and code.isalpha() and code.isupper()):
                raise ValueError(f"peer codes are 3 upper-case letters (got {code!r})")
        if len(set(v)) != len(v):
            raise ValueError(f"peers must be unique (got {v})")
        return v


def load_node_config(path: str | Path) -> NodeConfig:
    """Read and validate a node's configuration; `InputError` naming the field and value."""
    from iamd.files import MAX_TEXT_BYTES, cut, read_input_bytes
    from iamd.scenario.loader import yaml_data

    p = Path(path)
    try:  # a regular file only (a FIFO would block), within the size of a text input
        data = read_input_bytes(p, "config", max_bytes=MAX_TEXT_BYTES)
    except InputError as exc:
        raise InputError(
            f"cannot read the node configuration: {str(exc).removeprefix('config: ')}"
        ) from None
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise InputError(f"{p}: not UTF-8 text (byte {exc.start})") from None
    raw = yaml_data(text, str(p), what="a node configuration")
    if not isinstance(raw, dict):
        raise InputError(f"{p}: a node configuration is a mapping (got {type(raw).__name__})")
    try:
        cfg = NodeConfig.model_validate(raw)
    except ValidationError as e:
        err = e.errors()[0]
        where = ".".join(str(x) for x in err["loc"])
        msg = str(err["msg"]).removeprefix("Value error, ")
        if "(got " not in msg:  # a validator's own message names the value already
            msg += f" (got {cut(repr(err.get('input')), 80)})"
        raise InputError(f"{p}: {where}: {msg}") from None
    if cfg.nation in cfg.peers:
        raise InputError(f"{p}: peers must not include the node's own nation {cfg.nation}")
    return cfg


class _RecordingTracker(Tracker):
    """The engine's tracker, keeping its last step's result (which plot went to which track,
    for the tracks' contributing sensors)."""

    __slots__ = ("last",)

    def step(self, *args: Any, **kwargs: Any) -> Any:
        res = Tracker.step(self, *args, **kwargs)
        self.last = res
        return res


@dataclass(slots=True)
class NodeStats:
    """What a node counts."""

    nation: str
    feed_steps: int = 0
    batches_in: int = 0
    batches_out: int = 0
    malformed: int = 0
    cpu_s: float = 0.0
    wall_s: float = 0.0
    latency_ms: list[float] = field(default_factory=list)


class Node:
    """One node (see the module docstring)."""

    def __init__(self, cfg: NodeConfig) -> None:
        from iamd.federation.tewa import NodeTewa
        from iamd.identify.airspace import Airspace
        from iamd.identify.stage import TrackIdentifier
        from iamd.scenario.loader import load_scenario
        from iamd.sense.radar import take_sensors
        from iamd.sim.setup import build_effectors, build_sensors
        from iamd.track.picture import picture_layout
        from iamd.track.sensed import SensedParams, SensedPicture, scenario_tracker_params

        self.cfg = cfg
        self.nation = cfg.nation
        self.roster = roster_of([cfg.nation, *cfg.peers])
        loaded = load_scenario(cfg.scenario)
        sc = loaded.scenario
        all_sensors = build_sensors(loaded)
        own = [i for i, n in enumerate(all_sensors.nation) if n == cfg.nation]
        simulated = cfg.asterix is None or cfg.asterix.simulated
        if cfg.sensors is not None:
            ids = list(all_sensors.ids)
            for s in cfg.sensors:
                if s not in ids or all_sensors.nation[ids.index(s)] != cfg.nation:
                    raise InputError(
                        f"node config: sensors: {s!r} is not a sensor of {cfg.nation} in "
                        f"scenario {cfg.scenario!r} (allowed: {[ids[i] for i in own]})"
                    )
            own = [ids.index(s) for s in cfg.sensors]
        if not simulated:
            own = []
        elif not own:
            raise InputError(f"node config: nation {cfg.nation} has no sensors in {cfg.scenario!r}")
        self.asterix: AsterixTracker | None = None
        radars: list[str] = []
        if cfg.asterix is not None:
            from iamd.federation.asterix_feed import load_feed_sensors

            self.asterix = AsterixTracker(
                load_feed_sensors(cfg.asterix), window_s=cfg.asterix.window_s
            )
            radars = [r.label for r in self.asterix.radars]
        if len(own) + len(radars) > 64:
            raise InputError(
                f"node config: at most 64 sensors per node (got {len(own) + len(radars)})"
            )
        unit_ids = [e.id for e in sc.effectors if e.nation == cfg.nation]
        for u in cfg.effectors or []:
            if u not in unit_ids:
                raise InputError(
                    f"node config: effectors: {u!r} is not an effector of {cfg.nation} in "
                    f"scenario {cfg.scenario!r} (allowed: {unit_ids})"
                )
        self.effectors = list(cfg.effectors) if cfg.effectors is not None else unit_ids
        self.sensors = take_sensors(all_sensors, np.array(own, dtype=np.int64))
        self.sensor_ids = [*self.sensors.ids, *radars]
        self.dt_s = float(sc.time_step_s)
        layout = picture_layout("national", [cfg.nation], [True], [cfg.nation] * len(own))
        self.sensed = SensedPicture(
            layout=layout,
            sensors=self.sensors,
            nations=[cfg.nation],
            n_objects=0,
            params=SensedParams(tracker=scenario_tracker_params(sc.tracking)),
        )
        old = self.sensed.tracker
        self.sensed.tracker = _RecordingTracker(
            params=old.params,
            n_pictures=old.n_pictures,
            sensor_picture=old.sensor_picture,
            volume=old.volume,
            look=old.look,
        )
        airspace = Airspace.from_scenario(sc)
        self.identifier = TrackIdentifier(airspace=airspace) if cfg.identify else None
        all_units = build_effectors(loaded)
        self.tewa = NodeTewa.from_scenario(
            sc,
            all_units.take([all_units.ids.index(u) for u in self.effectors]),
            nation=cfg.nation,
            zone_of=airspace.zone_at,
        )
        block = {b.nation: b for b in allocate_blocks(self.roster, cfg.block_size)}[cfg.nation]
        self.picture = FederatedPicture(
            nation=cfg.nation,
            roster=self.roster,
            block=block,
            params=PictureParams(lease_s=cfg.lease_s),
        )
        self.board = EngagementBoard(nation=cfg.nation, roster=self.roster)
        self.stats = NodeStats(nation=cfg.nation)
        self.local = LocalTracks.empty()
        self._local_sim = LocalTracks.empty()
        self._local_ast = LocalTracks.empty()
        self._ast_masks = (np.zeros(0, np.int64), np.zeros(0, np.uint64), np.zeros(0, np.uint64))
        self._udp: Any = None
        self.t_s = 0.0
        self._mask_num = np.zeros(0, dtype=np.int64)
        self._mask = np.zeros(0, dtype=np.uint64)
        self._wall = np.zeros(0, dtype=np.uint64)
        self._looks: dict[float, npt.NDArray[np.int64]] = {}
        self._queue: queue.Queue[tuple[str, str, bytes]] = queue.Queue()
        self._stop = threading.Event()
        self._seq = 0
        self._snapshots: list[dict[str, np.ndarray]] = []
        self._session: Any = None
        self._pending: list[npt.NDArray[np.int64]] = []
        self._peer_wall: dict[str, tuple[npt.NDArray[np.int64], npt.NDArray[np.uint64]]] = {}

    # ------------------------------------------------------------------ running

    def run(self) -> int:
        """Connect, serve until END or SIGTERM, write the outputs; exit status 0."""
        import zenoh

        cfg = self.cfg
        cred = Credential(
            user=cfg.credentials.user,
            password=cfg.credentials.password_file.read_text().strip(),
            cert=cfg.credentials.cert,
            key=cfg.credentials.key,
        )
        conf = client_config(cfg.router.ca, cfg.router.port, cred, lease_ms=int(cfg.lease_s * 500))
        signal.signal(signal.SIGTERM, lambda *_: self._stop.set())
        cpu0, wall0 = time.process_time(), time.monotonic()
        q = self._queue
        receiver = self._listen_asterix() if cfg.asterix is not None else None
        session = zenoh.open(zenoh.Config.from_json5(to_json5(conf)))
        self._session = session

        def put(kind: str) -> Any:
            return lambda s: q.put((kind, str(s.key_expr), s.payload.to_bytes()))

        def alive(s: Any) -> None:
            q.put(("alive", str(s.key_expr), b"1" if s.kind == zenoh.SampleKind.PUT else b"0"))

        subs = [
            session.declare_subscriber(f"iamd/fed/*/to/{self.nation}/tracks", put("tracks")),
            session.declare_subscriber(f"iamd/fed/*/to/{self.nation}/engage", put("engage")),
            session.declare_subscriber(feed_key(self.nation), put("feed")),
            session.liveliness().declare_subscriber(f"{ALIVE_ROOT}/*", alive, history=True),
        ]
        token = session.liveliness().declare_token(alive_key(self.nation))
        view = None
        if cfg.view_port is not None:
            from iamd.federation.view import picture_json, serve

            view = serve(cfg.view_port, self.nation, lambda: picture_json(self))
            print(f"node {self.nation} view on http://127.0.0.1:{view.server_address[1]}/",
                  flush=True)  # fmt: skip
        self.picture.events.append(
            FederationEvent(t_s=self.t_s, kind="session_open", number=0, detail=self.nation,
                            monotonic_s=time.monotonic())
        )  # fmt: skip
        print(f"node {self.nation} up", flush=True)
        last_pub = time.monotonic()
        try:
            while not self._stop.is_set():
                try:
                    items = [q.get(timeout=0.2)]
                except queue.Empty:
                    items = []
                while len(items) < 256:  # drain what is waiting: one fusion step for all
                    try:
                        items.append(q.get_nowait())
                    except queue.Empty:
                        break
                blocks: list[bytes] = []  # ASTERIX blocks, decoded together
                for kind, key, payload in [*items, ("", "", b"")]:
                    now = time.monotonic()
                    if kind == "asterix":
                        blocks.append(payload)
                        continue
                    if blocks and self._on_asterix(blocks, now):
                        last_pub = now
                    blocks = []
                    try:
                        if kind == "tracks":
                            self._on_tracks(key, payload, now)
                        elif kind == "engage":
                            self._on_engage(key, payload)
                        elif kind == "alive":
                            code = key.rsplit("/", 1)[-1]
                            if payload == b"0" and code in self.roster and code != self.nation:
                                self.picture.peer_lost(code, now)
                        elif kind == "feed" and self._on_feed(payload, now):
                            last_pub = now
                    except (ValueError, TypeError, IndexError, KeyError) as e:
                        # a payload that passed validation but broke a stage: dropped, counted
                        self._malformed(key, f"{type(e).__name__}: {e}")
                        traceback.print_exc()
                if self._pending:  # partners' batches not yet fused by a feed step
                    self.picture.step(self.t_s, self.local, time.monotonic())
                    self._fused()
                if time.monotonic() - last_pub > HEARTBEAT_S:
                    self.picture.step(self.t_s, self.local, time.monotonic())
                    self._publish()
                    last_pub = time.monotonic()
        finally:
            self._stop.set()
            if receiver is not None:
                receiver.join(2.0)
                self._udp.close()
            self.stats.cpu_s = time.process_time() - cpu0
            self.stats.wall_s = time.monotonic() - wall0
            self._write_outputs()
            if view is not None:
                view.shutdown()
            token.undeclare()
            for s in subs:
                s.undeclare()
            session.close()
        return 0

    def events_in_order(self) -> list[FederationEvent]:
        """The node's events (its picture's, its engagement board's and its TEWA's) in
        scenario time, those of one time in the order the node logged them.

        The three logs are merged and sorted here, when the log is written, rather than
        kept in order as events are logged, because an event may be logged after one of a
        later scenario time: an engagement order of the exercise is declared at the time
        it carries (the declaration's time decides a conflict: the earlier keeps the
        track), which may be earlier than the node's last step (an order without a time
        is at 0 s); and a node fed both the simulated feed and ASTERIX steps each feed on
        its own, an ASTERIX window being folded only once a plot of a later window
        arrives, so its clock may step back between the two.
        """
        events = [*self.picture.events, *self.board.events, *self.tewa.events]
        return sorted(events, key=lambda e: (e.t_s, e.seq))

    @property
    def live_partners(self) -> list[str]:
        """The partners heard from within the lease."""
        return self.picture.live_peers(time.monotonic())

    # ------------------------------------------------------------------ handlers

    def _malformed(self, key: str, why: str) -> None:
        self.stats.malformed += 1
        self.picture.malformed += 1
        self.picture._event(self.t_s, "malformed", 0, f"{key}: {why}")
        print(
            f"node {self.nation}: dropped a malformed payload on {key}: {why}",
            file=sys.stderr,
            flush=True,
        )

    def _sender(self, key: str) -> str:
        parts = key.split("/")
        return parts[2] if len(parts) > 2 else ""

    def _on_tracks(self, key: str, payload: bytes, now: float) -> None:
        sender = self._sender(key)
        try:
            msg = decode(payload)
            if msg.kind != MessageKind.TRACKS:
                raise MessageError(f"message: kind {msg.kind.name} on a tracks key")
            if msg.nation != sender or sender not in self.roster or sender == self.nation:
                raise MessageError(
                    f"message: sender {msg.nation} does not match the key's {sender}"
                )
        except MessageError as e:
            self._malformed(key, str(e))
            return
        self.stats.batches_in += 1
        self.picture.receive(sender, msg.records, now)
        r = msg.records
        if len(r):
            # the tracks a new plot updated since the sender's previous batch: their latency
            # is taken when they are fused
            num = r["number"].astype(np.int64)
            nums, walls = self._peer_wall.get(
                sender, (np.zeros(0, np.int64), np.zeros(0, np.uint64))
            )
            fresh = r["plot_wall_ns"] != _lookup(nums, walls, num).astype(np.uint64)
            order = np.argsort(num)
            self._peer_wall[sender] = (num[order], r["plot_wall_ns"][order])
            self._pending.append(r["plot_wall_ns"][fresh].astype(np.int64))
        else:
            self._pending.append(np.zeros(0, dtype=np.int64))

    def _fused(self) -> None:
        """Latencies of the partners' fresh tracks just fused."""
        now_ns = time.time_ns()
        for walls in self._pending:
            if len(self.stats.latency_ms) < LATENCY_SAMPLES:
                self.stats.latency_ms.extend(((now_ns - walls) / 1e6).tolist())
        self._pending = []

    def _on_engage(self, key: str, payload: bytes) -> None:
        sender = self._sender(key)
        try:
            msg = decode(payload)
            if msg.kind != MessageKind.ENGAGE or msg.nation != sender or sender not in self.roster:
                raise MessageError(f"message: not an engagement message of {sender}")
        except MessageError as e:
            self._malformed(key, str(e))
            return
        self.board.merge(sender, msg.records, t_s=self.t_s)

    def _on_feed(self, payload: bytes, now: float) -> bool:
        key = feed_key(self.nation)
        if len(payload) >= 6 and payload[5] == 5:  # looks: a small side message of the feed
            try:
                looks = _decode_looks(payload)
            except MessageError as e:
                self._malformed(key, str(e))
                return False
            self._looks[looks[0]] = looks[1]
            return False
        try:
            msg = decode(payload)
        except MessageError as e:
            self._malformed(key, str(e))
            return False
        if msg.kind == MessageKind.END:
            if self.asterix is not None:  # the open window of the stream
                self._asterix_steps(self.asterix.flush(), now)
            self._stop.set()
            return False
        if msg.kind == MessageKind.ENGAGE:
            self._orders(msg.records)
            return False
        if msg.kind != MessageKind.PLOTS:
            self._malformed(key, f"kind {msg.kind.name} on the feed")
            return False
        if not len(self.sensors.ids):
            self._malformed(key, "simulated plots for a node fed by ASTERIX only")
            return False
        if len(msg.records) and int(msg.records["sensor"].max()) >= len(self.sensor_ids):
            self._malformed(
                key, f"sensor index {int(msg.records['sensor'].max())} >= {len(self.sensor_ids)}"
            )
            return False
        self._step(msg.t_s, msg.records, now)
        return True

    def _orders(self, rec: npt.NDArray[np.void]) -> None:
        """Engagement orders of the exercise, besides the node's own decisions (`NodeTewa`):
        engage, cease, offer a hand-over to a roster nation, accept one."""
        for r in rec:  # a handful of orders
            number, unit, t_s = int(r["number"]), int(r["unit"]), float(r["t_s"])
            status = EngageStatus(int(r["status"]))
            if status == EngageStatus.ENGAGING:
                self.board.declare(number, unit=unit, t_s=t_s)
            elif status == EngageStatus.CEASED:
                self.board.cease(number, t_s=t_s)
            elif status == EngageStatus.HANDOVER_OFFER and int(r["target"]) < len(self.roster):
                self.board.offer(number, self.roster[int(r["target"])], t_s=t_s)
            elif status == EngageStatus.HANDOVER_ACCEPT:
                self.board.accept(number, unit=unit, t_s=t_s)
        self._publish()

    def _step(self, t_s: float, rec: npt.NDArray[np.void], now: float) -> None:
        from iamd.sense.radar import Plots, scanning

        wall = np.uint64(time.time_ns())
        # the node knows no truth: the feed's entity (scoring only) is not given to the tracker
        plots = Plots(
            t_s=rec["t_s"].astype(np.float64),
            sensor=rec["sensor"].astype(np.int64),
            entity=np.full(len(rec), -1, dtype=np.int64),
            range_m=rec["range_m"].copy(),
            az_rad=rec["az_rad"].copy(),
            el_rad=rec["el_rad"].copy(),
            pos_ecef_m=rec["pos"].copy(),
            cov_ecef_m2=_lt3(rec["cov_lt"]),
            squawk=rec["squawk"].astype(bool),
            iff=rec["iff"].astype(bool),
            rcs_m2=rec["rcs_m2"].copy(),
            reported_alt_m=rec["reported_alt_m"].copy(),
        )
        looks = self._looks.pop(t_s, None)
        if looks is None:
            looks = scanning(self.sensors, t_s, self.dt_s)
        self._looks = {k: v for k, v in self._looks.items() if k > t_s}
        self.sensed.update(t_s, plots, looks)
        self._follow_masks(plots, wall)
        trk = self.sensed.tracks
        rows = np.flatnonzero(trk.confirmed)
        if self.identifier is not None:
            ident = self.identifier.update(t_s, trk)
            code, cls = ident.code[rows].astype(np.int64), ident.cls[rows].astype(np.int64)
        else:
            code = np.ones(len(rows), dtype=np.int64)
            cls = np.full(len(rows), -1, dtype=np.int64)
        num = trk.number[rows]
        smask = _lookup(self._mask_num, self._mask, num).astype(np.uint64)
        swall = _lookup(self._mask_num, self._wall, num).astype(np.uint64)
        rel = release_mask(
            self.cfg.releasability, self.roster, self.nation, cls, smask, self.sensor_ids
        )
        self._local_sim = LocalTracks(
            local_id=num.astype(np.int64),
            state=trk.table.state[rows],
            covar=trk.table.covar[rows],
            identity=code,
            cls=cls,
            releasable=rel,
            plot_wall_ns=swall,
        )
        self._fold(t_s, now)

    def _fold(self, t_s: float, now: float) -> None:
        """The node's own tracks (simulated feed, ASTERIX feed) into its picture at
        ``t_s``; publish, count, keep a snapshot."""
        self.local = _concat(self._local_sim, self._local_ast)
        self.t_s = t_s
        pic = self.picture.step(t_s, self.local, now)
        self.tewa.step(t_s, pic, self.board)
        self._fused()
        self._publish()
        self.stats.feed_steps += 1
        self._snapshots.append(
            {
                "t_s": np.full(len(pic), t_s),
                "number": pic.number,
                "reporter": pic.reporter,
                "pos": pic.state[:, :3],
                "identity": pic.identity,
                "local": pic.local,
                "conflict": pic.conflict,
            }
        )

    def _follow_masks(self, plots: Any, wall: np.uint64) -> None:
        """Contributing-sensor masks and plot wall times per track number."""
        res = self.sensed.tracker.last  # type: ignore[attr-defined]
        self._mask_num, self._mask, self._wall = _follow(
            res, plots.sensor, wall, (self._mask_num, self._mask, self._wall)
        )

    # ------------------------------------------------------------------ ASTERIX feed

    def _listen_asterix(self) -> threading.Thread:
        """Open the feed's UDP socket (`InputError` when it cannot listen) and start the
        thread that puts each data block received on the queue."""
        from iamd.interop.asterix.capture import UdpStats, open_udp, udp_blocks

        a = self.cfg.asterix
        assert a is not None
        self._udp = open_udp(
            a.port, group=a.group, host=a.host, interface=a.interface, timeout_s=0.2
        )
        stats = UdpStats()

        def receive() -> None:
            while not self._stop.is_set():
                try:
                    for block in udp_blocks(self._udp, stats=stats):
                        self._queue.put(("asterix", "", block))
                except OSError:
                    if not self._stop.is_set():
                        raise
                    return

        th = threading.Thread(target=receive, name="asterix-udp", daemon=True)
        th.start()
        print(f"node {self.nation} ASTERIX on UDP {a.where}", flush=True)
        return th

    def _on_asterix(self, blocks: list[bytes], now: float) -> bool:
        assert self.asterix is not None
        return self._asterix_steps(self.asterix.add_blocks(blocks), now)

    def _asterix_steps(self, steps: list[AsterixStep], now: float) -> bool:
        """Fold the ASTERIX tracker's steps one by one (each window's picture is published
        at its time): its confirmed tracks become the node's ASTERIX tracks (local ids from
        `ASTERIX_ID_OFFSET`; identity unknown, as nothing identifies them yet)."""
        wall = np.uint64(time.time_ns())
        first_bit = len(self.sensors.ids)
        for st in steps:
            res = st.result
            self._ast_masks = _follow(res, st.sensor + first_bit, wall, self._ast_masks)
            rows = np.flatnonzero(res.table.confirmed & ~res.drop)
            num = res.table.ids[rows].astype(np.int64)
            keys, masks, walls = self._ast_masks
            smask = _lookup(keys, masks, num).astype(np.uint64)
            cls = np.full(len(rows), -1, dtype=np.int64)
            self._local_ast = LocalTracks(
                local_id=num + ASTERIX_ID_OFFSET,
                state=res.table.state[rows],
                covar=res.table.covar[rows],
                identity=np.ones(len(rows), dtype=np.int64),
                cls=cls,
                releasable=release_mask(
                    self.cfg.releasability, self.roster, self.nation, cls, smask, self.sensor_ids
                ),
                plot_wall_ns=_lookup(keys, walls, num).astype(np.uint64),
            )
            self._fold(st.t_s, now)
        return bool(steps)

    def _publish(self) -> None:
        out = self.picture.outgoing()
        wall = time.time_ns()
        eng = self.board.outgoing()
        for i, peer in enumerate(self.roster):
            if peer == self.nation:
                continue
            rows = out[(out["releasable"] & np.uint64(1 << i)) != 0]
            self._seq += 1
            data = encode(MessageKind.TRACKS, self.nation, self._seq, self.t_s, rows, wall_ns=wall)
            self._session.put(tracks_key(self.nation, peer), data)
            if len(eng):
                self._session.put(
                    engage_key(self.nation, peer),
                    encode(MessageKind.ENGAGE, self.nation, self._seq, self.t_s, eng, wall_ns=wall),
                )
            self.stats.batches_out += 1

    def _write_outputs(self) -> None:
        out = self.cfg.output
        if out is None:
            return
        out.mkdir(parents=True, exist_ok=True)
        snaps = self._snapshots
        arrays: dict[str, Any] = {
            k: (np.concatenate([s[k] for s in snaps]) if snaps else np.zeros(0))
            for k in ("t_s", "number", "reporter", "pos", "identity", "local", "conflict")
        }
        np.savez_compressed(
            out / f"picture_{self.nation}.npz", roster=np.array(self.roster), **arrays
        )
        lines = [json.dumps(asdict(e)) + "\n" for e in self.events_in_order()]
        _replace_text(out / f"events_{self.nation}.jsonl", "".join(lines))
        lat = np.array(self.stats.latency_ms)
        stats = asdict(self.stats)
        stats["latency_ms"] = {
            "n": len(lat),
            "p50": float(np.percentile(lat, 50)) if len(lat) else None,
            "p99": float(np.percentile(lat, 99)) if len(lat) else None,
        }
        stats["reporting"] = self.picture.reporting().tolist()
        stats["engagements"] = [asdict(s) for s in self.tewa.shots]
        # the picture of the last feed step (partners that stop before this node leave later
        # pictures on purpose)
        stats["tracks"] = len(snaps[-1]["number"]) if snaps else 0
        (out / f"stats_{self.nation}.json").write_text(json.dumps(stats, indent=1))


def _replace_text(path: Path, text: str) -> None:
    """Write ``text`` to ``path`` atomically: into a temporary file of the same directory,
    flushed to disk, then renamed over ``path`` (a reader sees the old file or the whole new
    one, never part of it; a failure leaves the old file and no temporary one)."""
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")  # the umask's mode, as open's
    try:
        with tmp.open("w", encoding="utf-8") as f:
            f.write(text)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, path)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise


def _lookup(
    keys: npt.NDArray[np.int64], values: npt.NDArray[Any], query: npt.NDArray[np.int64]
) -> npt.NDArray[Any]:
    """``values`` of the sorted ``keys`` at ``query`` (0 where absent)."""
    if len(keys) == 0:
        return np.zeros(len(query), dtype=values.dtype)
    idx = np.clip(np.searchsorted(keys, query), 0, len(keys) - 1)
    return np.where(keys[idx] == query, values[idx], 0)


def _follow(
    res: Any,
    sensor: npt.NDArray[np.int64],
    wall: np.uint64,
    prev: tuple[npt.NDArray[np.int64], npt.NDArray[np.uint64], npt.NDArray[np.uint64]],
) -> tuple[npt.NDArray[np.int64], npt.NDArray[np.uint64], npt.NDArray[np.uint64]]:
    """(track ids sorted, contributing-sensor masks, plot wall times) after a tracker step
    ``res`` whose plots came from sensor bits ``sensor`` (p,) at ``wall`` (ns)."""
    keys, masks, walls = prev
    ids = res.table.ids
    mask = _lookup(keys, masks, ids).astype(np.uint64)
    wl = _lookup(keys, walls, ids).astype(np.uint64)
    if len(sensor):
        bits = np.left_shift(np.uint64(1), np.asarray(sensor).astype(np.uint64))
        np.bitwise_or.at(mask, res.owner, bits)
        wl[res.owner] = wall
    keep = ~res.drop
    order = np.argsort(ids[keep], kind="stable")
    return ids[keep][order], mask[keep][order], wl[keep][order]


def _concat(a: LocalTracks, b: LocalTracks) -> LocalTracks:
    """Two sets of local tracks as one (``b`` empty: ``a`` itself)."""
    if not len(b):
        return a
    if not len(a):
        return b
    return LocalTracks(
        **{k: np.concatenate([getattr(a, k), getattr(b, k)]) for k in LocalTracks.__slots__}
    )


def _lt3(lt: npt.NDArray[np.float64]) -> npt.NDArray[np.float64]:
    il = np.tril_indices(3)
    out = np.zeros((len(lt), 3, 3))
    out[:, il[0], il[1]] = lt
    out[:, il[1], il[0]] = lt
    return out


def plots_to_records(plots: Any) -> npt.NDArray[np.void]:
    """Plot records of the feed from an `iamd.sense.radar.Plots` (sensor indices already
    those of the node's own sensors)."""
    il = np.tril_indices(3)
    r = np.zeros(len(plots), dtype=PLOT_DTYPE)
    r["t_s"], r["sensor"], r["entity"] = plots.t_s, plots.sensor, plots.entity
    r["range_m"], r["az_rad"], r["el_rad"] = plots.range_m, plots.az_rad, plots.el_rad
    r["pos"], r["cov_lt"] = plots.pos_ecef_m, plots.cov_ecef_m2[:, il[0], il[1]]
    r["squawk"], r["iff"] = plots.squawk, plots.iff
    r["rcs_m2"], r["reported_alt_m"] = plots.rcs_m2, plots.reported_alt_m
    return r


def encode_looks(nation: str, t_s: float, looks: npt.NDArray[np.int64]) -> bytes:
    """The feed's looks message (kind 5): scans each of the node's sensors completed."""
    from iamd.federation.messages import HEADER, MAGIC, VERSION

    rec = np.zeros(len(looks), dtype=LOOKS_DTYPE)
    rec["sensor"] = np.arange(len(looks))
    rec["scans"] = looks
    return HEADER.pack(MAGIC, VERSION, 5, nation.encode(), 0, t_s, 0, len(rec)) + rec.tobytes()


def _decode_looks(payload: bytes) -> tuple[float, npt.NDArray[np.int64]]:
    from iamd.federation.messages import HEADER

    if len(payload) < HEADER.size:
        raise MessageError("looks: shorter than the header")
    _, _, _, _, _, t_s, _, count = HEADER.unpack_from(payload)
    if len(payload) != HEADER.size + count * LOOKS_DTYPE.itemsize:
        raise MessageError(f"looks: length {len(payload)} does not match {count} records")
    rec = np.frombuffer(payload, dtype=LOOKS_DTYPE, count=count, offset=HEADER.size)
    return float(t_s), rec["scans"].astype(np.int64)


def main(argv: Sequence[str] | None = None) -> int:
    """``python -m iamd.federation.node CONFIG``."""
    args = list(sys.argv[1:] if argv is None else argv)
    if len(args) != 1:
        print("usage: python -m iamd.federation.node CONFIG.yaml", file=sys.stderr)
        return 2
    try:
        cfg = load_node_config(args[0])
        node = Node(cfg)
    except InputError as e:
        print(f"error: {e}", file=sys.stderr)
        return 2
    return node.run()


if __name__ == "__main__":
    sys.exit(main())
