"""A node's radars on ASTERIX: CAT048 plots and CAT034 service messages from UDP, tracked
window by window as ``iamd track`` tracks a recording of the same stream.

A node whose configuration has an ``asterix`` section (`AsterixFeedConfig`) listens on a UDP
port, joined to a multicast group when one is given (`iamd.interop.asterix.capture.open_udp`),
and takes each datagram's data blocks (`udp_blocks`). Each block is decoded leniently
(`decode_stream`); a malformed block is skipped and counted. The radars are those of a sensor
table (``iamd track --sensors``, `iamd.interop.recording.load_sensors`); a plot of a SAC/SIC
the table does not list is counted and left out.

`AsterixTracker` cuts the plots into the windows ``iamd track`` uses (``window_s`` long from
the first plot's time of day, `iamd.interop.recording.track_recording`) and closes a window
when a plot of a later one arrives (the stream is in time order, as a radar's is). A closed
window goes through the recording path itself (`recording_plots` of the window's CAT048
reports and the CAT034 service messages received so far: plot selection, polar to ECEF,
scan periods from the table, I034/041, north markers or sector crossings, antenna anchors)
and one step of the engine's `Tracker` with the recording's look model (a radar looks at a
track when its antenna swept the track's azimuth in the window). A window whose radar has no
scan period yet (no service message received from it) waits, with the windows after it,
until one arrives (at most ``MAX_WAITING`` windows; older ones are dropped and counted).

The times are the plots' seconds since midnight UTC (I048/140), unwrapped across one
midnight; the node's picture runs on that clock, so its partners' tracks are predicted to it.
"""

from __future__ import annotations

import functools
import ipaddress
import math
import socket
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt
import pandas as pd
from pydantic import BaseModel, ConfigDict, Field, ValidationInfo, field_validator

from iamd.errors import InputError
from iamd.interop.recording import DEFAULT_WINDOW_S, SensorTable

ANY_IPV4 = "0.0.0.0"
"""The default ``host`` (every IPv4 address) and ``interface`` (the system's choice)."""
SYSTEM_CHOICE = ("", "0.0.0.0", "::")
"""An IPv6 group's ``interface`` values that leave the interface to the system."""
MAX_WAITING = 120
"""Most windows held back while a radar's scan period is unknown."""
MAX_SERVICE_ROWS = 4096
"""Most CAT034 service messages kept (the newest): scan periods and antenna anchors."""
LIVE_SCANS = 2.0
"""A radar keeps looking this many scan periods after its last plot."""


class AsterixFeedConfig(BaseModel):
    """The ``asterix`` section of a node's configuration.

    The feed listens on ``port``, IPv4 or IPv6 as the addresses are (`open_udp`): joined to
    multicast ``group`` when one is given (IPv4 in 224.0.0.0/4, IPv6 in ff00::/8), else on
    unicast address ``host`` (``0.0.0.0``: every IPv4 address; ``::``: every IPv6 one;
    ``::1``). ``interface`` is the interface that joins the group: its IPv4 address for an
    IPv4 group (``0.0.0.0``: the system's choice), its name for an IPv6 one (``lo``,
    ``eth0``; ``0.0.0.0``: the system's choice), which a link-local or interface-local group
    (``ff02::/16``, ``ff01::/16``, RFC 4291 §2.7) must have. Addresses are literals: names are
    not resolved.
    """

    model_config = ConfigDict(extra="forbid")
    port: int = Field(gt=0, lt=65536)
    group: str | None = None
    host: str = ANY_IPV4
    interface: str = Field(default=ANY_IPV4, validate_default=True)
    sensors: Path
    window_s: float = Field(default=DEFAULT_WINDOW_S, gt=0, le=60)
    simulated: bool = False
    """Also track the simulation's plots of the nation's radars (the feed), beside these."""

    @field_validator("group")
    @classmethod
    def _multicast(cls, v: str | None) -> str | None:
        if v is None:
            return v
        from iamd.interop.asterix.capture import ipv6_scope_error

        a = _literal(v)
        if a is None or not a.is_multicast:
            raise ValueError(
                "must be a multicast group: an IPv4 address in 224.0.0.0/4 (e.g. 239.0.0.48) or "
                f"an IPv6 one in ff00::/8 (e.g. ff15::48); names are not resolved (got {v!r})"
            )
        if why := ipv6_scope_error(str(a)):  # refused when the file is read, not at the join
            raise ValueError(f"{why} (got {v!r})")
        return str(a)

    @field_validator("host")
    @classmethod
    def _unicast(cls, v: str, info: ValidationInfo) -> str:
        if "group" not in info.data:  # the group is in error already
            return v
        if info.data["group"] is not None:
            if v != ANY_IPV4:
                raise ValueError(
                    "is for a unicast feed only; with a group the feed listens on the group's "
                    f"address: drop host or group (got {v!r})"
                )
            return v
        a = _literal(v)
        if a is None:
            raise ValueError(
                "must be a local IPv4 or IPv6 address to listen on: 0.0.0.0 (every IPv4 "
                "address), :: (every IPv6 one), 127.0.0.1, ::1, ...; names are not resolved "
                f"(got {v!r})"
            )
        if a.is_multicast:
            raise ValueError(f"is a multicast address; give it as asterix.group (got {v!r})")
        if isinstance(a, ipaddress.IPv6Address) and a.ipv4_mapped is not None:
            raise ValueError(f"is IPv4-mapped; write {a.ipv4_mapped} (got {v!r})")
        if a.is_link_local:
            raise ValueError(
                "is a link-local address (fe80::/10), which needs a zone the feed does not take; "
                f"listen on :: instead (got {v!r})"
            )
        return str(a)

    @field_validator("interface")
    @classmethod
    def _interface(cls, v: str, info: ValidationInfo) -> str:
        from iamd.interop.asterix.capture import interface_names, ipv6_needs_interface

        if "group" not in info.data:
            return v
        group = info.data["group"]
        if group is None:
            if v != ANY_IPV4:
                raise ValueError(
                    f"is for a multicast group only (asterix.group); drop it or give a group "
                    f"(got {v!r})"
                )
            return v
        if ipaddress.ip_address(group).version == 4:
            try:
                return str(ipaddress.IPv4Address(v))
            except ValueError:
                raise ValueError(
                    "must be the IPv4 address of a local interface for an IPv4 group, e.g. "
                    f"127.0.0.1 (got {v!r})"
                ) from None
        names = [n for _i, n in socket.if_nameindex()]
        if v in SYSTEM_CHOICE:
            if ipv6_needs_interface(group):
                raise ValueError(
                    f"{group} is a link-local or interface-local group (ff02::/16, ff01::/16): "
                    f"give the name of the interface to join on ({interface_names()}) "
                    f"(got {v!r})"
                )
            return v
        if v not in names:
            raise ValueError(
                "must be the name of a network interface of this machine for an IPv6 group "
                f"({interface_names()}), or 0.0.0.0 for the system's choice (got {v!r})"
            )
        return v

    @property
    def where(self) -> str:
        """Where the feed listens, as ``ADDRESS:PORT`` or ``[IPV6]:PORT``."""
        a = self.group or self.host
        return f"[{a}]:{self.port}" if ":" in a else f"{a}:{self.port}"


def load_feed_sensors(cfg: AsterixFeedConfig) -> SensorTable:
    """The feed's sensor table; `InputError` naming ``asterix.sensors`` and the reason."""
    from iamd.interop.recording import load_sensors

    try:
        table = load_sensors(cfg.sensors)
    except InputError as e:
        raise InputError(f"node config: asterix.sensors: {e}") from None
    if not table.sensors:
        raise InputError(f"node config: asterix.sensors: {cfg.sensors} lists no radar")
    return table


@dataclass(slots=True)
class FeedStats:
    """What the ASTERIX feed received, used and left out."""

    blocks: int = 0
    bad_blocks: int = 0
    plots: int = 0
    unknown_radar: int = 0
    service: int = 0
    windows: int = 0
    waited: int = 0
    dropped_windows: int = 0
    late: int = 0
    refused_windows: int = 0
    last_error: str = ""


@dataclass(slots=True)
class AsterixStep:
    """One tracker step of the feed: its time and the tracker's result and plot sensors."""

    t_s: float
    result: Any
    sensor: npt.NDArray[np.int64]


@dataclass(slots=True)
class AsterixTracker:
    """The engine's tracker on an ASTERIX plot stream (module docstring).

    ``radars`` are the sensor table's radars in its order; a plot's ``sensor`` in a step is
    its radar's index there.
    """

    table: SensorTable
    window_s: float = DEFAULT_WINDOW_S
    params: Any = None
    stats: FeedStats = field(default_factory=FeedStats)
    radars: list[Any] = field(init=False)
    tracker: Any = field(init=False)
    _index: dict[tuple[int, int], int] = field(init=False)
    _sweep: Any = field(init=False)
    _known: npt.NDArray[np.bool_] = field(init=False)
    _first: npt.NDArray[np.float64] = field(init=False)
    _last: npt.NDArray[np.float64] = field(init=False)
    _max_r: npt.NDArray[np.float64] = field(init=False)
    _anchors: list[tuple[npt.NDArray[np.float64], npt.NDArray[np.float64]]] = field(init=False)
    _rows: list[pd.DataFrame] = field(default_factory=list)
    _service: list[pd.DataFrame] = field(default_factory=list)
    _waiting: list[tuple[float, float, pd.DataFrame]] = field(default_factory=list)
    _t0: float | None = None
    _w: int = 0
    _t_prev: float = -math.inf

    def __post_init__(self) -> None:
        from iamd.interop.recording import _Sweep
        from iamd.track.manager import Tracker, TrackerParams

        self.radars = list(self.table.sensors.values())
        self._index = {r.key: i for i, r in enumerate(self.radars)}
        n = len(self.radars)
        self._known = np.zeros(n, dtype=bool)
        self._first = np.full(n, np.inf)
        self._last = np.full(n, -np.inf)
        self._max_r = np.asarray(
            [r.max_range_m if r.max_range_m is not None else 0.0 for r in self.radars]
        )
        self._anchors = [(np.zeros(0), np.zeros(0)) for _ in range(n)]
        self._sweep = _Sweep(
            site_lat=np.asarray([r.lat_deg for r in self.radars]),
            site_lon=np.asarray([r.lon_deg for r in self.radars]),
            site_alt=np.asarray([r.alt_m for r in self.radars]),
            period=np.full(n, self.window_s),
            phase=np.zeros(n),
            max_range=self._max_r.copy(),
            anchors=tuple(self._anchors),
        )
        self._sweep.prepare()
        par = replace(self.params if self.params is not None else TrackerParams(), frame="ecef")
        self.tracker = Tracker(
            par,
            n_pictures=1,
            sensor_picture=np.zeros(n, dtype=np.int64),
            volume=self._sweep.volume,
            look=self._sweep.look,
        )

    # ------------------------------------------------------------------ input

    def add_blocks(self, blocks: list[bytes]) -> list[AsterixStep]:
        """Take data blocks in the order received (decoded together: one table per call);
        the tracker steps of the windows they closed (often none)."""
        from iamd.interop.asterix.capture import decode_stream

        if not blocks:
            return []
        self.stats.blocks += len(blocks)
        dec = decode_stream(blocks)
        self.stats.bad_blocks += dec.bad_blocks
        c34 = dec.cat034
        if len(c34):
            self.stats.service += len(c34)
            old = self._service[0] if self._service else None
            both = pd.concat([old, c34]) if old is not None and len(old) else c34
            self._service = [both.iloc[-MAX_SERVICE_ROWS:]]
        c48 = dec.cat048.sort_values("offset", kind="stable")
        if not len(c48):
            return []
        known = np.asarray(
            [(int(a), int(b)) in self._index for a, b in zip(c48["sac"], c48["sic"], strict=True)],
            dtype=bool,
        )
        self.stats.unknown_radar += int((~known).sum())
        c48 = c48[known]
        if not len(c48):
            return []
        self.stats.plots += len(c48)
        tod = self._unwrap(c48["tod_s"].to_numpy(dtype=np.float64))
        c48 = c48.assign(tod_s=tod)
        if self._t0 is None:
            self._t0 = float(tod[0])
        w = np.floor((tod - self._t0) / self.window_s).astype(np.int64)
        late = w < self._w
        self.stats.late += int(late.sum())  # into the open window, as the tracker is past it
        w = np.maximum(w, self._w)
        steps: list[AsterixStep] = []
        for k in np.unique(w):
            while self._w < int(k):  # a plot of a later window closes the open one
                steps.extend(self._close())
            self._rows.append(c48[w == k])
        return steps

    def flush(self) -> list[AsterixStep]:
        """Close the open window (the end of the stream)."""
        return self._close() if self._t0 is not None else []

    # ------------------------------------------------------------------ windows

    def _unwrap(self, tod: npt.NDArray[np.float64]) -> npt.NDArray[np.float64]:
        if self._t0 is None or not len(tod):
            return tod
        return np.where(tod < self._t0 - 43_200.0, tod + 86_400.0, tod)

    def _close(self) -> list[AsterixStep]:
        assert self._t0 is not None
        ta = self._t0 + self._w * self.window_s
        rows = pd.concat(self._rows) if self._rows else None
        self._rows = []
        self._w += 1
        self.stats.windows += 1
        self._waiting.append((ta, ta + self.window_s, rows if rows is not None else pd.DataFrame()))
        if len(self._waiting) > MAX_WAITING:
            self._waiting.pop(0)
            self.stats.dropped_windows += 1
        out: list[AsterixStep] = []
        while self._waiting:
            ta, tb, rows = self._waiting[0]
            step = self._step(ta, tb, rows)
            if step is None:
                self.stats.waited += 1
                break
            self._waiting.pop(0)
            out.append(step)
        return out

    def _window_plots(self, rows: pd.DataFrame) -> Any:
        """`recording_plots` of a window's reports with the service messages so far; None
        while a radar's scan period is unknown."""
        from iamd.interop.recording import recording_plots

        empty = _no_blocks()
        c34 = self._service[0] if self._service else empty.cat034
        dec = replace(empty, tables={**empty.tables, 48: rows.reset_index(drop=True), 34: c34})
        try:
            return recording_plots(dec, self.table, "<udp>")
        except InputError as e:
            if "no scan period" in str(e):
                return None
            if "no CAT048" not in str(e):  # e.g. a scan period out of range: plots left out
                self.stats.refused_windows += 1
                self.stats.last_error = str(e)
            return False

    def _step(self, ta: float, tb: float, rows: pd.DataFrame) -> AsterixStep | None:
        sw = self._sweep
        pos = np.zeros((0, 3))
        cov = np.zeros((0, 3, 3))
        sensor = np.zeros(0, dtype=np.int64)
        t_step = 0.5 * (ta + tb)
        if len(rows):
            rp = self._window_plots(rows)
            if rp is None:
                return None
            if rp is not False:
                g = np.asarray([self._index[s.key] for s in rp.sites], dtype=np.int64)
                pl = rp.plots
                sensor = g[pl.sensor]
                pos, cov = pl.pos_m, pl.cov_m2
                t_step = float(pl.t_s.mean())
                self._known[g] = True
                sw.period[g] = rp.scan_period_s
                for i, gi in enumerate(g):
                    self._anchors[gi] = rp.anchors[i]
                    mine = pl.t_s[pl.sensor == i]
                    self._first[gi] = min(self._first[gi], float(mine.min()))
                    self._last[gi] = max(self._last[gi], float(mine.max()))
                rng = rp.reports["range_m"].to_numpy()
                rs = rp.reports["sensor"].to_numpy()
                for i, gi in enumerate(g):
                    if self.radars[gi].max_range_m is None:  # as iamd track: 1.05 x the farthest
                        self._max_r[gi] = max(self._max_r[gi], 1.05 * float(rng[rs == i].max()))
                sw.max_range = self._max_r.copy()
                sw.anchors = tuple(self._anchors)
        t_step = max(t_step, self._t_prev)
        live = self._known & (self._first < tb) & (self._last >= ta - LIVE_SCANS * sw.period)
        sw.ta, sw.tb = ta, tb
        res = self.tracker.step(t_step, pos, cov, sensor, scans=live.astype(np.int64))
        self._t_prev = t_step
        return AsterixStep(t_s=t_step, result=res, sensor=sensor)


def _literal(text: str) -> ipaddress.IPv4Address | ipaddress.IPv6Address | None:
    """The IP address written as ``text`` (no zone, no name); None for anything else."""
    if "%" in text:  # ipaddress takes a zone (fe80::1%eth0); the feed does not
        return None
    try:
        return ipaddress.ip_address(text)
    except ValueError:
        return None


@functools.cache
def _no_blocks() -> Any:
    """The decoding of nothing: every category's table, empty."""
    from iamd.interop.asterix.decode import decode

    return decode(b"")
