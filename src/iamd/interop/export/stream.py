"""Live streams of the air picture as the clock runs (``iamd run --stream URL``, repeatable).

The URL's scheme selects the sender:

- ``cot://HOST:PORT`` or ``cot+udp://HOST:PORT`` (UDP), ``cot+tcp://HOST:PORT`` (TCP):
  Cursor-on-Target events to a TAK endpoint (`iamd.interop.export.cot`), the tracks whose
  identity ``--stream-identities`` selects;
- ``asterix://GROUP:PORT``: the recognised air picture as ASTERIX CAT062 data blocks, one UDP
  datagram each, to an IPv4 multicast group (224.0.0.0/4) or unicast address. Every
  confirmed track of every picture is sent (a CAT062 picture is complete: the identity
  filter does not apply), as the same records and blocks as ``--out-asterix`` writes for
  that step (`iamd.interop.export.asterix.cat062_table` and ``cat062_blocks``): one block
  (or more, past 1,024 octets) per picture per step, I062/070 the scenario's time of day
  (epoch + t), so the stream and the file of a run are the same bytes. Options, for a
  multicast group only: ``?ttl=N`` (multicast TTL 1-255, default 1: the datagrams stay on
  the local network) and ``iface=ADDRESS`` (the IPv4 address of the interface the
  datagrams leave from; default: the system's choice). Example:
  ``asterix://239.255.0.62:8600?ttl=2``.

Every stream is paced by a :class:`Pacer`: scenario time runs at ``--stream-speed`` × real
time (the stream waits when the engine is ahead, never when it is behind). A send that fails
once the stream is under way stops that stream, not the run (its sender's ``error``). Every
URL and flag is checked before a socket opens, so a bad one stops the run before it starts.
"""

from __future__ import annotations

import ipaddress
import socket
import time
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, ClassVar, Protocol
from urllib.parse import parse_qsl, urlsplit

from iamd.errors import InputError

if TYPE_CHECKING:
    from iamd.identify.airspace import Airspace
    from iamd.scenario.schema import Scenario
    from iamd.sim.pictures import StepPicture

ASTERIX_SCHEMES = ("asterix",)
"""URL schemes of the ASTERIX CAT062 stream."""
ASTERIX_OPTIONS = ("ttl", "iface")
"""Query options of an ``asterix://`` URL (each for a multicast group only)."""
DEFAULT_TTL = 1
"""Multicast TTL of the ASTERIX stream: the local network only."""
_COT_FORMS = "cot://HOST:PORT or cot+udp://HOST:PORT (UDP), cot+tcp://HOST:PORT (TCP)"
_ASTERIX_FORM = "asterix://GROUP:PORT[?ttl=N&iface=ADDRESS]"
_ASTERIX_RULE = (
    f"use {_ASTERIX_FORM} with GROUP an IPv4 multicast (224.0.0.0/4) or unicast address "
    "and PORT 1-65535, e.g. asterix://239.255.0.62:8600"
)


class Sender(Protocol):
    """What the run asks of a stream's sender once the clock stops."""

    error: str

    def close(self) -> None: ...


class LiveStream(Protocol):
    """An engine ``on_step`` hook sending each step's picture through its ``sender``."""

    @property
    def sender(self) -> Sender: ...

    def __call__(self, step: StepPicture) -> None: ...


@dataclass(slots=True, kw_only=True)
class SocketSender:
    """What every stream's sender shares: a socket opened on the first send if not before,
    each payload sent as one message, ``sent`` the messages sent so far.

    A send that fails once the stream is under way does not stop the run: the sender records
    the error in ``error`` (its URL, the count of :attr:`unit` sent and the system's reason),
    closes and sends nothing more. A sender gives :meth:`open`, :attr:`url` and
    :meth:`_transmit` (one payload on the open socket).
    """

    unit: ClassVar[str] = "datagrams"
    """What ``sent`` counts, as the error message says it."""

    sent: int = 0
    error: str = ""
    _sock: socket.socket | None = field(default=None, repr=False)

    @property
    def url(self) -> str:
        raise NotImplementedError

    def open(self) -> None:
        raise NotImplementedError

    def _transmit(self, sock: socket.socket, data: bytes) -> None:
        raise NotImplementedError

    def _send_all(self, payloads: Iterable[bytes]) -> None:
        """Send each payload in turn; on a failure record ``error`` and close."""
        if self.error:
            return
        if self._sock is None:
            self.open()
        assert self._sock is not None
        try:
            for data in payloads:
                self._transmit(self._sock, data)
                self.sent += 1
        except OSError as exc:
            self.error = f"{self.url}: sending stopped after {self.sent} {self.unit} ({exc})"
            self.close()

    def close(self) -> None:
        if self._sock is not None:
            self._sock.close()
            self._sock = None


@dataclass(slots=True)
class Pacer:
    """Waits so that scenario time runs at ``speed`` × real time from the first step on; it
    never waits when the engine is behind (it does not catch up either)."""

    speed: float = 1.0
    sleep: Callable[[float], None] = time.sleep
    monotonic: Callable[[], float] = time.monotonic
    _t0_wall: float | None = None
    _t0_s: float = 0.0

    def wait(self, t_s: float) -> None:
        """Return when the step at ``t_s`` (s after the epoch) is due."""
        if self._t0_wall is None:
            self._t0_wall, self._t0_s = self.monotonic(), float(t_s)
        due = self._t0_wall + (float(t_s) - self._t0_s) / self.speed
        wait = due - self.monotonic()
        if wait > 0:
            self.sleep(wait)


def check_speed(speed: float) -> float:
    """``--stream-speed``: a positive, finite multiple of real time."""
    if not (speed > 0 and speed < float("inf")):
        raise InputError(f"--stream-speed: must be a positive multiple of real time (got {speed})")
    return float(speed)


# ---------------------------------------------------------------------- ASTERIX


@dataclass(frozen=True, slots=True, kw_only=True)
class AsterixEndpoint:
    """Where an ``asterix://`` stream sends: ``host`` (IPv4, dotted), ``port``, multicast
    ``ttl`` and ``interface`` (IPv4 address, ``''``: the system's choice)."""

    host: str
    port: int
    ttl: int = DEFAULT_TTL
    interface: str = ""

    @property
    def multicast(self) -> bool:
        return ipaddress.IPv4Address(self.host).is_multicast

    @property
    def url(self) -> str:
        return f"asterix://{self.host}:{self.port}"


def parse_asterix_url(url: str, flag: str = "--stream") -> AsterixEndpoint:
    """``asterix://GROUP:PORT[?ttl=N&iface=ADDRESS]`` -> its endpoint; an ``InputError``
    naming the flag, the value and what is allowed otherwise.

    >>> parse_asterix_url("asterix://239.255.0.62:8600?ttl=2")
    AsterixEndpoint(host='239.255.0.62', port=8600, ttl=2, interface='')
    >>> parse_asterix_url("asterix://127.0.0.1:8600").ttl
    1
    """
    parts = urlsplit(url)

    def bad(why: str) -> InputError:
        return InputError(f"{flag}: {url!r} {why}; {_ASTERIX_RULE}")

    if parts.scheme not in ASTERIX_SCHEMES:
        raise bad("is not an ASTERIX endpoint")
    if parts.username is not None or parts.password is not None:
        raise bad("has a user name")
    if parts.path or parts.fragment:
        raise bad("has a path")
    host = parts.hostname or ""
    try:
        addr = ipaddress.IPv4Address(host)
    except ValueError:
        raise bad(f"has no IPv4 address ({host!r})") from None
    if addr.is_unspecified or addr == ipaddress.IPv4Address("255.255.255.255"):
        raise bad(f"has no address to send to ({host})")
    try:
        port = parts.port
    except ValueError:  # not a number, or past 65535
        port_text = parts.netloc.rpartition(":")[2]
        raise bad(f"has a bad port ({port_text!r})") from None
    if port is None:
        raise bad("has no port")
    if port == 0:
        raise bad("has port 0")
    ttl, interface = DEFAULT_TTL, ""
    try:
        options = parse_qsl(parts.query, keep_blank_values=True, strict_parsing=bool(parts.query))
    except ValueError:
        raise bad(f"has a bad option list ({parts.query!r})") from None
    for key, value in options:
        if key not in ASTERIX_OPTIONS:
            raise InputError(
                f"{flag}: {url!r}: unknown option {key!r}; allowed: "
                f"{', '.join(ASTERIX_OPTIONS)} (multicast groups only)"
            )
        if not addr.is_multicast:
            raise InputError(
                f"{flag}: {url!r}: option {key!r} is for a multicast group (224.0.0.0/4) "
                f"only and {host} is not one; drop the option or give a multicast group"
            )
        if key == "ttl":
            if not (value.isdigit() and 1 <= int(value) <= 255):
                raise InputError(f"{flag}: {url!r}: ttl must be an integer 1-255 (got {value!r})")
            ttl = int(value)
        else:
            try:
                interface = str(ipaddress.IPv4Address(value))
            except ValueError:
                raise InputError(
                    f"{flag}: {url!r}: iface must be the IPv4 address of an interface "
                    f"(got {value!r})"
                ) from None
    return AsterixEndpoint(host=str(addr), port=port, ttl=ttl, interface=interface)


@dataclass(slots=True)
class AsterixSender(SocketSender):
    """Sends ASTERIX data blocks over UDP, one block a datagram (multicast TTL and
    interface from the endpoint).

    A send that fails once the stream is under way does not stop the run: the sender records
    the error in ``error``, closes and sends nothing more. ``sent``: datagrams sent.
    """

    endpoint: AsterixEndpoint

    @classmethod
    def from_url(cls, url: str) -> AsterixSender:
        return cls(endpoint=parse_asterix_url(url))

    @property
    def url(self) -> str:
        return self.endpoint.url

    def open(self) -> None:
        ep = self.endpoint
        sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM, socket.IPPROTO_UDP)
        try:
            if ep.multicast:
                sock.setsockopt(socket.IPPROTO_IP, socket.IP_MULTICAST_TTL, ep.ttl)
                if ep.interface:
                    sock.setsockopt(
                        socket.IPPROTO_IP, socket.IP_MULTICAST_IF, socket.inet_aton(ep.interface)
                    )
        except OSError as exc:
            sock.close()
            raise InputError(f"--stream: cannot send to {ep.url} ({exc.strerror})") from None
        self._sock = sock

    def send(self, blocks: Iterable[bytes]) -> None:
        self._send_all(blocks)

    def _transmit(self, sock: socket.socket, data: bytes) -> None:
        sock.sendto(data, (self.endpoint.host, self.endpoint.port))


@dataclass(slots=True)
class AsterixStream:
    """An ``on_step`` hook that sends each step's picture as CAT062 data blocks (the records
    ``--out-asterix`` writes for that step), paced by ``pacer``."""

    sender: AsterixSender
    scenario: Scenario
    pacer: Pacer = field(default_factory=Pacer)
    _airspace: Airspace | None = field(default=None, repr=False)

    def __call__(self, step: StepPicture) -> None:
        from iamd.interop.export.asterix import cat062_blocks, cat062_table
        from iamd.interop.export.scene import track_frame

        self.pacer.wait(step.t_s)
        if not len(step.number) or self.sender.error:
            return
        if self._airspace is None and self.scenario.airspace.flight_plans:
            from iamd.identify.airspace import Airspace

            self._airspace = Airspace.from_scenario(self.scenario)
        table = cat062_table(
            [track_frame(step)], self.scenario, step.names, airspace=self._airspace
        )
        blocks, _ = cat062_blocks(table)
        self.sender.send(blocks)


# ---------------------------------------------------------------------- all streams


def open_streams(
    urls: Sequence[str],
    *,
    scenario: Scenario,
    speed: float = 1.0,
    identities: str = "suspect",
    clock: str = "wall",
) -> list[LiveStream]:
    """One paced stream per ``--stream`` URL, its sender open, in the order given: CoT for
    ``cot://``, ``cot+udp://``, ``cot+tcp://`` (``identities`` and ``clock`` as
    `iamd.interop.export.cot.open_streams`), CAT062 for ``asterix://``. Every URL and flag is
    checked before a socket opens.

    Raises:
        InputError: naming the flag, the value and what is allowed.
    """
    from iamd.interop.export.cot import SCHEMES as COT_SCHEMES
    from iamd.interop.export.cot import CotSender, CotStream, parse_identities

    pace = check_speed(speed)
    which = parse_identities(identities)
    senders: list[CotSender | AsterixSender] = []
    for url in urls:
        scheme = urlsplit(url).scheme
        if scheme in COT_SCHEMES:
            senders.append(CotSender.from_url(url))
        elif scheme in ASTERIX_SCHEMES:
            senders.append(AsterixSender.from_url(url))
        else:
            raise InputError(
                f"--stream: {url!r} is not a stream endpoint; use {_COT_FORMS} for "
                f"Cursor-on-Target, {_ASTERIX_FORM} for ASTERIX CAT062 over UDP"
            )
    streams: list[LiveStream] = []
    try:
        for sender in senders:
            sender.open()
            if isinstance(sender, AsterixSender):
                streams.append(AsterixStream(sender=sender, scenario=scenario, pacer=Pacer(pace)))
            else:
                streams.append(
                    CotStream(
                        sender=sender,
                        scenario=scenario.name,
                        epoch=scenario.epoch_utc(),
                        identities=which,
                        speed=pace,
                        clock=clock,
                    )
                )
    except BaseException:
        for sender in senders:
            sender.close()
        raise
    return streams


__all__ = [
    "ASTERIX_OPTIONS",
    "DEFAULT_TTL",
    "AsterixEndpoint",
    "AsterixSender",
    "AsterixStream",
    "LiveStream",
    "Pacer",
    "SocketSender",
    "check_speed",
    "open_streams",
    "parse_asterix_url",
]
