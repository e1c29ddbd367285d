"""Cursor-on-Target (CoT) events of the air picture, to a file or live to a TAK endpoint.

CoT (MITRE, event schema 2.0; the base schema ``Event.xsd`` as used by ATAK/WinTAK/TAK
Server) describes one object at one time::

    <event version="2.0" uid="iamd.balkans.joint.57" type="a-h-A-M-F-Q" how="m-f"
           time="2026-03-10T02:10:00Z" start="2026-03-10T02:10:00Z"
           stale="2026-03-10T02:10:30Z">
      <point lat="44.07" lon="28.93" hae="300.0" ce="150.0" le="80.0"/>
      <detail>
        <contact callsign="joint 57"/>
        <track course="281.3" speed="45.0"/>
        <__milsym id="SHAPMFQ--------"/>
        <remarks>hostile drone; joint track 57; t=600 s</remarks>
      </detail>
    </event>

- ``uid``: ``iamd.SCENARIO.PICTURE.NUMBER``, stable for a track over the run.
- ``type``: the ``a-`` atom of the track's STANAG 1241 identity and class
  (:func:`iamd.interop.export.symbols.cot_type`: identity letter ``p u a f n s h``, then the
  MIL-STD-2525 dimension and function).
- ``how``: ``m-f`` (machine, fused: a multi-sensor track).
- ``time``/``start``: the scenario epoch + the track's time (files, deterministic); a live
  stream stamps the wall clock instead (a TAK display drops events whose ``stale`` has
  passed). ``stale``: ``start`` + :data:`STALE_S`.
- ``point``: WGS84 ``lat``/``lon`` (deg), ``hae`` height above the ellipsoid (m), ``ce``
  and ``le`` the 1-sigma horizontal (the larger axis of the covariance ellipse) and vertical
  errors (m) — 0 for the perfect truth picture.
- ``detail/track``: ``course`` (deg clockwise from true north), ``speed`` (m/s).
- ``detail/__milsym``: the 15-character MIL-STD-2525C SIDC (read by recent TAK clients).

A file (``picture.cot.xml``) holds every track update (sampled as the other exports) as
``<event>`` elements inside one ``<events>`` root, in time order. ``CotSender`` sends one
event per datagram (UDP) or a stream of events (TCP) to a TAK endpoint (``cot://HOST:PORT``
or ``cot+udp://`` for UDP, ``cot+tcp://HOST:PORT`` for TCP), over IPv4 or IPv6: HOST is an
IPv4 address, an IPv6 one in brackets (``cot://[::1]:6969``) or a host name, and a UDP
multicast group takes ``?ttl=N`` and ``?iface=IFACE`` as ``asterix://`` does (the URL and the
UDP socket are `iamd.interop.export.stream`'s, shared with the ASTERIX stream).
:class:`CotStream` paces the run's steps at real time or a multiple of it
(`iamd.interop.export.stream.Pacer`).
"""

from __future__ import annotations

import socket
import time
import xml.etree.ElementTree as ET
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import ClassVar

from iamd.errors import InputError
from iamd.interop.export import symbols as sym
from iamd.interop.export.scene import Scene, TrackFrame, iso_time, track_frame
from iamd.interop.export.stream import (
    COT_FORMS,
    Endpoint,
    Pacer,
    UdpSender,
    check_speed,
    parse_endpoint,
)
from iamd.sim.pictures import StepPicture

STALE_S = 30.0
"""How long an event stays valid after its time (s)."""
HOW = "m-f"
SCHEMES = {"cot": "udp", "cot+udp": "udp", "cot+tcp": "tcp"}
"""URL schemes of a CoT stream, and the protocol each sends over."""
_COT_RULE = (
    f"use {COT_FORMS}, with HOST an IPv4 address, an IPv6 one in brackets or a host name, "
    "and PORT 1-65535, e.g. cot://239.2.3.1:6969 or cot+tcp://[::1]:8087"
)
IDENTITY_FILTERS = {
    "hostile": frozenset({"hostile"}),
    "suspect": frozenset({"hostile", "suspect"}),
    "all": frozenset(sym.IDENTITY_LETTER),
}
"""``--stream-identities``: which tracks a stream sends."""


def cot_event(
    *,
    uid: str,
    type_: str,
    when: datetime,
    lat_deg: float,
    lon_deg: float,
    hae_m: float,
    ce_m: float,
    le_m: float,
    callsign: str,
    course_deg: float | None = None,
    speed_m_s: float | None = None,
    sidc: str | None = None,
    remarks: str = "",
    stale_s: float = STALE_S,
) -> ET.Element:
    """One CoT ``event`` element (see the module for its fields)."""
    ev = ET.Element(
        "event",
        {
            "version": "2.0",
            "uid": uid,
            "type": type_,
            "how": HOW,
            "time": iso_time(when),
            "start": iso_time(when),
            "stale": iso_time(when + timedelta(seconds=stale_s)),
        },
    )
    ET.SubElement(
        ev,
        "point",
        {
            "lat": repr(float(lat_deg)),
            "lon": repr(float(lon_deg)),
            "hae": repr(float(hae_m)),
            "ce": repr(float(ce_m)),
            "le": repr(float(le_m)),
        },
    )
    detail = ET.SubElement(ev, "detail")
    ET.SubElement(detail, "contact", {"callsign": callsign})
    if course_deg is not None and speed_m_s is not None:
        ET.SubElement(
            detail, "track", {"course": repr(float(course_deg)), "speed": repr(float(speed_m_s))}
        )
    if sidc:
        ET.SubElement(detail, "__milsym", {"id": sidc})
    if remarks:
        ET.SubElement(detail, "remarks").text = remarks
    return ev


def frame_events(
    frame: TrackFrame,
    scenario: str,
    when: datetime,
    identities: frozenset[str] = IDENTITY_FILTERS["all"],
    stale_s: float = STALE_S,
) -> list[ET.Element]:
    """The CoT events of one step's tracks whose identity is in ``identities``."""
    out = []
    for m in range(len(frame)):  # a loop over the step's tracks, to build their XML
        ident, cls = str(frame.identity[m]), str(frame.cls[m])
        if ident not in identities:
            continue
        p, n = str(frame.picture[m]), int(frame.number[m])
        code = sym.air_sidc(ident, cls)
        out.append(
            cot_event(
                uid=f"iamd.{scenario}.{p}.{n}",
                type_=sym.cot_type(code),
                when=when,
                lat_deg=float(frame.lat_deg[m]),
                lon_deg=float(frame.lon_deg[m]),
                hae_m=float(frame.alt_m[m]),
                ce_m=float(frame.sigma_h_m[m]),
                le_m=float(frame.sigma_v_m[m]),
                callsign=f"{p} {n}",
                course_deg=float(frame.course_deg[m]),
                speed_m_s=float(frame.speed_m_s[m]),
                sidc=code,
                remarks=f"{ident.replace('_', ' ')} {cls or 'unclassified'}; {p} track {n}; "
                f"t={frame.t_s:g} s",
                stale_s=stale_s,
            )
        )
    return out


def scene_frames_to_cot(scene: Scene, frames: Iterable[TrackFrame], stride: int) -> str:
    """The CoT file of a run: every ``stride``-th step's tracks (all identities), each event
    at the scenario epoch + its time, inside one ``<events>`` root."""
    root = ET.Element("events", {"scenario": scene.name, "epoch": scene.iso(0.0)})
    for k, frame in enumerate(frames):
        if k % stride:
            continue
        root.extend(frame_events(frame, scene.name, scene.time(frame.t_s)))
    ET.indent(root, space=" ", level=0)
    return ET.tostring(root, encoding="unicode", xml_declaration=True) + "\n"


def event_bytes(ev: ET.Element) -> bytes:
    """One event as UTF-8 XML with its declaration, as TAK endpoints expect."""
    return ET.tostring(ev, encoding="utf-8", xml_declaration=True)


@dataclass(frozen=True, slots=True, kw_only=True)
class CotEndpoint(Endpoint):
    """Where a CoT stream sends: ``protocol`` ``udp`` or ``tcp``, and the `Endpoint`'s host
    (an IPv4 or IPv6 address or a host name), port, and for a UDP multicast group its TTL
    (IPv6: hop limit) and interface."""

    protocol: str = "udp"

    @property
    def url_scheme(self) -> str:
        return f"cot+{self.protocol}"


def parse_cot_url(url: str, flag: str = "--stream") -> CotEndpoint:
    """``cot://HOST:PORT`` or ``cot+udp://HOST:PORT`` (UDP, ``?ttl=N&iface=IFACE`` for a
    multicast group, as ``asterix://``), ``cot+tcp://HOST:PORT`` (TCP) -> its endpoint; an
    ``InputError`` naming the flag, the value and what is allowed otherwise.

    HOST is an IPv4 address, an IPv6 address in brackets (RFC 3986 §3.2.2) or a host name
    (resolved when the stream opens); the parsing is
    `iamd.interop.export.stream.parse_endpoint`'s, shared with ``asterix://``.

    >>> parse_cot_url("cot+tcp://[FD00::1]:8087").url
    'cot+tcp://[fd00::1]:8087'
    >>> parse_cot_url("cot://[ff15::69]:6969?ttl=3")
    CotEndpoint(host='ff15::69', port=6969, ttl=3, interface='', protocol='udp')
    """
    if SCHEMES.get(url.partition("://")[0].lower()) == "tcp" and "?" in url:
        raise InputError(
            f"{flag}: {url!r}: cot+tcp takes no options (ttl and iface are for UDP to a "
            "multicast group); drop them"
        )
    fields = parse_endpoint(
        url, flag=flag, schemes=tuple(SCHEMES), kind="a Cursor-on-Target", rule=_COT_RULE,
        names=True,
    )  # fmt: skip
    ep = CotEndpoint(protocol=SCHEMES[fields.pop("scheme")], **fields)
    if ep.protocol == "tcp" and ep.multicast:
        raise InputError(
            f"{flag}: {url!r}: {ep.host} is a multicast group, which takes no TCP connection; "
            "send to it over UDP (cot+udp://)"
        )
    return ep


@dataclass(slots=True)
class CotSender(UdpSender):
    """Sends CoT events to a TAK endpoint over UDP (one event a datagram, `UdpSender`: IPv4
    or IPv6, a multicast group's TTL and interface) or TCP (IPv4 or IPv6, as the host's
    address or name is).

    A send that fails once the stream is under way (the endpoint went away) does not stop the
    run: the sender records the error in ``error``, closes and sends nothing more.
    """

    unit: ClassVar[str] = "events"

    endpoint: CotEndpoint

    @classmethod
    def from_url(cls, url: str) -> CotSender:
        return cls(endpoint=parse_cot_url(url))

    def open(self) -> None:
        if self.endpoint.protocol == "udp":
            UdpSender.open(self)
            return
        try:
            self._sock = socket.create_connection(
                (self.endpoint.host, self.endpoint.port), timeout=10.0
            )
        except OSError as exc:
            raise InputError(
                f"--stream: cannot connect to {self.url} ({exc.strerror or exc})"
            ) from None

    def send(self, events: Iterable[ET.Element]) -> None:
        self._send_all(event_bytes(ev) for ev in events)

    def _transmit(self, sock: socket.socket, data: bytes) -> None:
        if self.endpoint.protocol == "udp":
            UdpSender._transmit(self, sock, data)
        else:
            sock.sendall(data)


@dataclass(slots=True)
class CotStream:
    """An ``on_step`` hook that sends each step's tracks as the run goes, paced so that
    scenario time runs at ``speed`` × real time (it waits when the engine is ahead; it never
    waits when the engine is behind).

    ``clock``: ``wall`` stamps events with the wall-clock time at sending (for a live display);
    ``scenario`` with the epoch + t (reproducible, for tests and recordings).
    """

    sender: CotSender
    scenario: str
    epoch: datetime
    identities: frozenset[str] = IDENTITY_FILTERS["suspect"]
    speed: float = 1.0
    clock: str = "wall"
    sleep: Callable[[float], None] = time.sleep
    monotonic: Callable[[], float] = time.monotonic
    _pacer: Pacer | None = None

    def __call__(self, step: StepPicture) -> None:
        if self._pacer is None:
            self._pacer = Pacer(self.speed, self.sleep, self.monotonic)
        self._pacer.wait(step.t_s)
        frame = track_frame(step)
        when = (
            datetime.now(UTC)
            if self.clock == "wall"
            else self.epoch + timedelta(seconds=float(step.t_s))
        )
        stale = max(STALE_S / self.speed, 10.0)
        self.sender.send(frame_events(frame, self.scenario, when, self.identities, stale))


def parse_identities(text: str) -> frozenset[str]:
    """``--stream-identities``: hostile, suspect (hostile and suspect) or all."""
    if text not in IDENTITY_FILTERS:
        raise InputError(
            f"--stream-identities: {text!r} is not one of {', '.join(IDENTITY_FILTERS)}"
        )
    return IDENTITY_FILTERS[text]


def open_streams(
    urls: list[str],
    *,
    scenario: str,
    epoch: datetime,
    speed: float = 1.0,
    identities: str = "suspect",
    clock: str = "wall",
) -> list[CotStream]:
    """One paced :class:`CotStream` per Cursor-on-Target endpoint URL, its socket open; every
    flag is checked before anything is sent (``iamd run --stream`` takes ASTERIX endpoints
    too: `iamd.interop.export.stream.open_streams`)."""
    check_speed(speed)
    which = parse_identities(identities)
    senders = [CotSender.from_url(u) for u in urls]
    streams = []
    for sender in senders:
        sender.open()
        streams.append(
            CotStream(
                sender=sender,
                scenario=scenario,
                epoch=epoch,
                identities=which,
                speed=speed,
                clock=clock,
            )
        )
    return streams
