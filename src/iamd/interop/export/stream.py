"""Live streams of the air picture as the clock runs (``iamd run --stream URL``, repeatable).

The URL's scheme selects the sender:

- ``cot://HOST:PORT`` or ``cot+udp://HOST:PORT`` (UDP), ``cot+tcp://HOST:PORT`` (TCP):
  Cursor-on-Target events to a TAK endpoint (`iamd.interop.export.cot`), the tracks whose
  identity ``--stream-identities`` selects; HOST an IPv4 address, an IPv6 one in brackets
  or a host name, a UDP multicast group with the options below;
- ``asterix://GROUP:PORT``: the recognised air picture as ASTERIX CAT062 data blocks, one UDP
  datagram each, to an IPv4 multicast group (224.0.0.0/4) or unicast address, or an IPv6
  one in brackets (``asterix://[ff15::62]:8600``, ``asterix://[::1]:8600``). Every
  confirmed track of every picture is sent (a CAT062 picture is complete: the identity
  filter does not apply), as the same records and blocks as ``--out-asterix`` writes for
  that step (`iamd.interop.export.asterix.cat062_table` and ``cat062_blocks``): one block
  (or more, past 1,024 octets) per picture per step, I062/070 the scenario's time of day
  (epoch + t), so the stream and the file of a run are the same bytes. Options, for a
  multicast group only: ``?ttl=N`` (multicast TTL, IPv6's hop limit, 1-255, default 1: the
  datagrams stay on the local network) and ``iface=IFACE`` (the interface the datagrams leave
  from: its IPv4 address for an IPv4 group, its name for an IPv6 one; default: the system's
  choice). A link-local or interface-local IPv6 group (``ff02::/16``, ``ff01::/16``) needs
  ``iface``. Examples: ``asterix://239.255.0.62:8600?ttl=2``,
  ``asterix://[ff02::114]:8600?iface=eth0``.

Every stream is paced by a :class:`Pacer`: scenario time runs at ``--stream-speed`` × real
time (the stream waits when the engine is ahead, never when it is behind). A send that fails
once the stream is under way stops that stream, not the run (its sender's ``error``). Every
URL and flag is checked before a socket opens, and each UDP destination's route when its
socket opens, so a bad one stops the run before it starts.

Both kinds share one URL parser (`parse_endpoint`: the address forms, the port, the options
and every message) and one UDP sender (`UdpSender`: IPv4 or IPv6 as the address is, the
route check, the TTL or hop limit and the interface), and so does
`iamd.interop.asterix.capture.send_udp` (its destination read by `udp_endpoint`).
"""

from __future__ import annotations

import ipaddress
import re
import socket
import time
from collections.abc import Callable, Collection, Iterable, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, ClassVar, Protocol
from urllib.parse import parse_qsl, urlencode

from iamd.errors import InputError
from iamd.interop.asterix.capture import interface_names, ipv6_needs_interface, ipv6_scope_error

if TYPE_CHECKING:
    from iamd.identify.airspace import Airspace
    from iamd.scenario.schema import Scenario
    from iamd.sim.pictures import StepPicture

ASTERIX_SCHEMES = ("asterix",)
"""URL schemes of the ASTERIX CAT062 stream."""
ENDPOINT_OPTIONS = ("ttl", "iface")
"""Query options of a stream's UDP URL (each for a multicast group only)."""
ASTERIX_OPTIONS = ENDPOINT_OPTIONS
"""Query options of an ``asterix://`` URL."""
DEFAULT_TTL = 1
"""Multicast TTL (IPv6: hop limit) of a stream: the local network only."""
_HOST_NAME = re.compile(
    r"(?=.{1,253}\.?$)[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?"
    r"(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?)*\.?"
)
"""A host name (RFC 1123 §2.1: labels of letters, digits and inner hyphens)."""
COT_FORMS = (
    "cot://HOST:PORT[?ttl=N&iface=IFACE] or cot+udp://HOST:PORT[?ttl=N&iface=IFACE] (UDP), "
    "cot+tcp://HOST:PORT (TCP)"
)
_ASTERIX_FORM = "asterix://GROUP:PORT[?ttl=N&iface=IFACE]"
_ASTERIX_RULE = (
    f"use {_ASTERIX_FORM} with GROUP an IPv4 multicast (224.0.0.0/4) or unicast address, or "
    "an IPv6 one in brackets, and PORT 1-65535, e.g. asterix://239.255.0.62:8600 or "
    "asterix://[ff15::62]:8600"
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


# ---------------------------------------------------------------------- IP endpoints


@dataclass(frozen=True, slots=True, kw_only=True)
class Endpoint:
    """Where a stream sends over IP: ``host`` (IPv4 dotted, IPv6 in its short form, or a
    host name where the scheme takes one), ``port``, multicast ``ttl`` (IPv6: the hop limit)
    and ``interface`` (an IPv4 group's: the interface's IPv4 address; an IPv6 group's: its
    name; ``''``: the system's choice). A kind of stream gives :attr:`url_scheme`."""

    host: str
    port: int
    ttl: int = DEFAULT_TTL
    interface: str = ""

    @property
    def address(self) -> ipaddress.IPv4Address | ipaddress.IPv6Address | None:
        """The host's address; None for a host name."""
        try:
            return ipaddress.ip_address(self.host)
        except ValueError:
            return None

    @property
    def ipv6(self) -> bool:
        a = self.address
        return a is not None and a.version == 6

    @property
    def multicast(self) -> bool:
        a = self.address
        return a is not None and a.is_multicast

    @property
    def url_scheme(self) -> str:
        raise NotImplementedError

    @property
    def url(self) -> str:
        """The URL, the host in brackets when IPv6 (with the interface an IPv6 group needs)."""
        if not self.ipv6:
            return f"{self.url_scheme}://{self.host}:{self.port}"
        iface = f"?iface={self.interface}" if self.interface else ""
        return f"{self.url_scheme}://[{self.host}]:{self.port}{iface}"


def parse_endpoint(
    url: str,
    *,
    flag: str,
    schemes: Collection[str],
    kind: str,
    rule: str,
    names: bool = False,
) -> dict[str, Any]:
    """The fields of a stream's ``SCHEME://HOST:PORT[?ttl=N&iface=IFACE]`` URL (``scheme``,
    ``host``, ``port``, ``ttl``, ``interface``); an ``InputError`` naming the flag, the
    value and what is allowed (``rule``) otherwise.

    HOST is an IPv4 address, an IPv6 address in brackets (RFC 3986 §3.2.2) or, with
    ``names``, a host name (RFC 1123; resolved when the stream opens). IFACE is, for a
    multicast group only, the IPv4 address of the interface to send from (an IPv4 group) or
    the interface's name (an IPv6 group; a link-local or interface-local group must have one,
    RFC 4291 §2.7). An IPv6 group of a reserved scope (0 or F, `ipv6_scope_error`) is
    refused. ``kind`` names the endpoint when the scheme is not one of ``schemes``.

    >>> parse_endpoint("cot://[::1]:6969", flag="--stream", schemes=("cot",), kind="a CoT",
    ...                rule="use cot://HOST:PORT")["host"]
    '::1'
    """

    def bad(why: str) -> InputError:
        return InputError(f"{flag}: {url!r} {why}; {rule}")

    scheme, sep, rest = url.partition("://")
    if not sep or scheme.lower() not in schemes:
        raise bad(f"is not {kind} endpoint")
    cut = min((k for k in (rest.find(c) for c in "/?#") if k >= 0), default=len(rest))
    netloc, tail = rest[:cut], rest[cut:]
    query, hash_mark, _fragment = tail.partition("#")
    path, _q, query = query.partition("?")
    if "@" in netloc:
        raise bad("has a user name")
    if path or hash_mark:
        raise bad("has a path")
    host_text, port_text, has_port, bracketed = _split_netloc(netloc, bad)
    addr = _address(host_text, bracketed, bad, names)
    if not has_port or not port_text:
        raise bad("has no port")
    if not (port_text.isascii() and port_text.isdigit()) or int(port_text) > 65535:
        raise bad(f"has a bad port ({port_text!r})")
    port = int(port_text)
    if port == 0:
        raise bad("has port 0")
    if not isinstance(addr, str) and (why := ipv6_scope_error(str(addr))):
        raise InputError(f"{flag}: {url!r}: {why}")
    ttl, interface = DEFAULT_TTL, ""
    try:
        options = parse_qsl(query, keep_blank_values=True, strict_parsing=bool(query))
    except ValueError:
        raise bad(f"has a bad option list ({query!r})") from None
    groups = "224.0.0.0/4 or ff00::/8"
    for key, value in options:
        if key not in ENDPOINT_OPTIONS:
            raise InputError(
                f"{flag}: {url!r}: unknown option {key!r}; allowed: "
                f"{', '.join(ENDPOINT_OPTIONS)} (multicast groups only)"
            )
        if isinstance(addr, str) or not addr.is_multicast:
            raise InputError(
                f"{flag}: {url!r}: option {key!r} is for a multicast group ({groups}) "
                f"only and {addr} is not one; drop the option or give a multicast group"
            )
        if key == "ttl":
            if not (value.isascii() and value.isdigit() and 1 <= int(value) <= 255):
                what = "ttl (the hop limit)" if addr.version == 6 else "ttl"
                raise InputError(
                    f"{flag}: {url!r}: {what} must be an integer 1-255 (got {value!r})"
                )
            ttl = int(value)
        elif addr.version == 6:
            try:
                socket.if_nametoindex(value)
            except OSError:
                raise InputError(
                    f"{flag}: {url!r}: iface must be the name of a network interface of this "
                    f"machine for an IPv6 group ({interface_names()}; got {value!r})"
                ) from None
            interface = value
        else:
            try:
                interface = str(ipaddress.IPv4Address(value))
            except ValueError:
                raise InputError(
                    f"{flag}: {url!r}: iface must be the IPv4 address of an interface for an "
                    f"IPv4 group (got {value!r})"
                ) from None
    if (
        not isinstance(addr, str)
        and addr.version == 6
        and not interface
        and ipv6_needs_interface(str(addr))
    ):
        raise InputError(
            f"{flag}: {url!r}: {addr} is a link-local or interface-local multicast group "
            f"(ff02::/16, ff01::/16), which needs the interface to send on: add "
            f"?iface=NAME (this machine has {interface_names()})"
        )
    return {
        "scheme": scheme.lower(),
        "host": str(addr),
        "port": port,
        "ttl": ttl,
        "interface": interface,
    }


def _split_netloc(netloc: str, bad: Callable[[str], InputError]) -> tuple[str, str, bool, bool]:
    """(host, port text, whether a ':' announces a port, whether the host is in brackets) of
    ``HOST:PORT`` or ``[V6]:PORT``."""
    if netloc.startswith("["):
        end = netloc.find("]")
        if end < 0:
            raise bad(f"has an IPv6 address without its closing bracket ({netloc!r})")
        after = netloc[end + 1 :]
        if after and not after.startswith(":"):
            raise bad(f"has {after!r} after its IPv6 address, where ':PORT' belongs")
        return netloc[1:end], after[1:], bool(after), True
    if netloc.count(":") > 1 and (_is_ipv6(netloc) or _is_ipv6(netloc.rpartition(":")[0])):
        raise bad(f"has an IPv6 address without brackets ({netloc!r}), where they are needed")
    host, sep, port = netloc.rpartition(":") if ":" in netloc else (netloc, "", "")
    return host, port, bool(sep), False


def _address(
    text: str, bracketed: bool, bad: Callable[[str], InputError], names: bool = False
) -> ipaddress.IPv4Address | ipaddress.IPv6Address | str:
    """The destination address of the URL's host (IPv4, or IPv6 in brackets), or with
    ``names`` a host name (lower case)."""
    if "%" in text:
        zone = text.partition("%")[2].removeprefix("25")
        raise bad(f"has a zone in its address ({text!r}); give the interface as ?iface={zone}")
    if bracketed:
        try:
            a6 = ipaddress.IPv6Address(text)
        except ValueError:
            if _is_ipv4(text):
                raise bad(f"has an IPv4 address in brackets ([{text}]); write it without") from None
            raise bad(f"has a bad IPv6 address ({text!r})") from None
        if a6.ipv4_mapped is not None:
            raise bad(
                f"has an IPv4-mapped address ({text}); write {a6.ipv4_mapped} without brackets"
            )
        if a6.is_link_local:
            raise bad(
                f"has a link-local unicast address ({text}, fe80::/10), which is reachable on "
                "one link only; give a global, unique-local or loopback address, or a group"
            )
        if a6.is_unspecified:
            raise bad(f"has no address to send to ({text})")
        return a6
    try:
        a4 = ipaddress.IPv4Address(text)
    except ValueError:
        if names and _HOST_NAME.fullmatch(text) and not text.rstrip(".")[-1:].isdigit():
            return text.lower()
        if names:
            raise bad(f"has a bad host ({text!r})") from None
        raise bad(f"has no IPv4 address ({text!r})") from None
    if a4.is_unspecified or a4 == ipaddress.IPv4Address("255.255.255.255"):
        raise bad(f"has no address to send to ({text})")
    return a4


def _is_ipv6(text: str) -> bool:
    try:
        ipaddress.IPv6Address(text)
    except ValueError:
        return False
    return True


def _is_ipv4(text: str) -> bool:
    try:
        ipaddress.IPv4Address(text)
    except ValueError:
        return False
    return True


@dataclass(slots=True)
class UdpSender(SocketSender):
    """Sends each payload as one UDP datagram to ``endpoint``, IPv4 or IPv6 as its address
    is (a host name: its first address), with the endpoint's multicast TTL or hop limit and
    interface.

    :meth:`open` checks that the machine has a route to the endpoint (a UDP ``connect`` on a
    throwaway socket: no datagram is sent), so an unreachable one, or a name that does not
    resolve, stops the run before it starts. ``sent``: datagrams sent.
    """

    endpoint: Endpoint
    _dest: tuple[str, int] | tuple[str, int, int, int] = field(
        default=("", 0), init=False, repr=False
    )

    @property
    def url(self) -> str:
        return self.endpoint.url

    def open(self) -> None:
        try:
            probe = self._socket()
            try:
                probe.connect(self._dest)
            finally:
                probe.close()
            self._sock = self._socket()
        except OSError as exc:
            raise InputError(
                f"--stream: cannot send to {self.url} ({exc.strerror or exc})"
            ) from None

    def _socket(self) -> socket.socket:
        """A UDP socket set for the endpoint (and ``_dest``, where it sends)."""
        ep = self.endpoint
        if ep.address is None:  # a host name: its first address
            found = socket.getaddrinfo(ep.host, ep.port, type=socket.SOCK_DGRAM)
            family, _t, _p, _c, dest = found[0]
            self._dest = dest  # type: ignore[assignment]
            return socket.socket(family, socket.SOCK_DGRAM, socket.IPPROTO_UDP)
        if not ep.ipv6:
            self._dest = (ep.host, ep.port)
            sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM, socket.IPPROTO_UDP)
            if ep.multicast:
                sock.setsockopt(socket.IPPROTO_IP, socket.IP_MULTICAST_TTL, ep.ttl)
                if ep.interface:
                    sock.setsockopt(
                        socket.IPPROTO_IP, socket.IP_MULTICAST_IF, socket.inet_aton(ep.interface)
                    )
            return sock
        index = socket.if_nametoindex(ep.interface) if ep.interface else 0
        scoped = ep.multicast and ipv6_needs_interface(ep.host)
        self._dest = (ep.host, ep.port, 0, index if scoped else 0)
        sock = socket.socket(socket.AF_INET6, socket.SOCK_DGRAM, socket.IPPROTO_UDP)
        if ep.multicast:
            sock.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_MULTICAST_HOPS, ep.ttl)
            if index:
                sock.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_MULTICAST_IF, index)
        return sock

    def _transmit(self, sock: socket.socket, data: bytes) -> None:
        sock.sendto(data, self._dest)


# ---------------------------------------------------------------------- ASTERIX


@dataclass(frozen=True, slots=True, kw_only=True)
class AsterixEndpoint(Endpoint):
    """Where an ``asterix://`` stream sends (an address: names are not resolved)."""

    @property
    def url_scheme(self) -> str:
        return "asterix"


def parse_asterix_url(url: str, flag: str = "--stream") -> AsterixEndpoint:
    """``asterix://GROUP:PORT[?ttl=N&iface=IFACE]`` -> its endpoint; an ``InputError``
    naming the flag, the value and what is allowed otherwise.

    GROUP is an IPv4 address, or an IPv6 address in brackets (RFC 3986 §3.2.2); names are
    not resolved. IFACE is, for a multicast group only, the IPv4 address of the interface to
    send from (an IPv4 group) or the interface's name (an IPv6 group; a link-local or
    interface-local group must have one, RFC 4291 §2.7). The parsing is `parse_endpoint`'s.

    >>> parse_asterix_url("asterix://239.255.0.62:8600?ttl=2")
    AsterixEndpoint(host='239.255.0.62', port=8600, ttl=2, interface='')
    >>> parse_asterix_url("asterix://127.0.0.1:8600").ttl
    1
    >>> parse_asterix_url("asterix://[FF15:0::62]:8600?ttl=3").url
    'asterix://[ff15::62]:8600'
    """
    fields = parse_endpoint(
        url, flag=flag, schemes=ASTERIX_SCHEMES, kind="an ASTERIX", rule=_ASTERIX_RULE
    )
    del fields["scheme"]
    return AsterixEndpoint(**fields)


def udp_endpoint(
    host: str, port: int, *, ttl: int = DEFAULT_TTL, interface: str = "", flag: str
) -> AsterixEndpoint:
    """The endpoint of a destination given as its parts (``host``, ``port``, a multicast
    group's ``ttl`` and ``interface``), read by `parse_endpoint` as the URL
    ``asterix://HOST:PORT?ttl=N&iface=IFACE`` (brackets around an IPv6 address), so it obeys
    the same rules and gets the same messages as ``--stream``, naming ``flag``. ``ttl`` and
    ``interface`` are for a multicast group and ignored for a unicast address (as a socket's
    multicast TTL is); ``interface`` ``''`` or ``0.0.0.0``: the system's choice.

    >>> udp_endpoint("ff15::62", 8600, ttl=3, flag="send_udp").url
    'asterix://[ff15::62]:8600'
    >>> udp_endpoint("::1", 8600, ttl=3, flag="send_udp")
    AsterixEndpoint(host='::1', port=8600, ttl=1, interface='')
    """
    try:
        addr: ipaddress.IPv4Address | ipaddress.IPv6Address | None = ipaddress.ip_address(host)
    except ValueError:
        addr = None
    netloc = f"[{host}]" if addr is not None and addr.version == 6 else str(host)
    options: list[tuple[str, str]] = []
    if addr is not None and addr.is_multicast:
        if ttl != DEFAULT_TTL:
            options.append(("ttl", str(ttl)))
        if interface not in ("", "0.0.0.0"):
            options.append(("iface", interface))
    query = f"?{urlencode(options)}" if options else ""
    return parse_asterix_url(f"asterix://{netloc}:{port}{query}", flag)


@dataclass(slots=True)
class AsterixSender(UdpSender):
    """Sends ASTERIX data blocks over UDP (IPv4 or IPv6), one block a datagram (`UdpSender`).

    A send that fails once the stream is under way does not stop the run: the sender records
    the error in ``error``, closes and sends nothing more.
    """

    endpoint: AsterixEndpoint

    @classmethod
    def from_url(cls, url: str) -> AsterixSender:
        return cls(endpoint=parse_asterix_url(url))

    def send(self, blocks: Iterable[bytes]) -> None:
        self._send_all(blocks)


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
        scheme = url.partition("://")[0].lower() if "://" in url else ""
        if scheme in COT_SCHEMES:
            senders.append(CotSender.from_url(url))
        elif scheme in ASTERIX_SCHEMES:
            senders.append(AsterixSender.from_url(url))
        else:
            raise InputError(
                f"--stream: {url!r} is not a stream endpoint; use {COT_FORMS} for "
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
    "COT_FORMS",
    "DEFAULT_TTL",
    "ENDPOINT_OPTIONS",
    "AsterixEndpoint",
    "AsterixSender",
    "AsterixStream",
    "Endpoint",
    "LiveStream",
    "Pacer",
    "SocketSender",
    "UdpSender",
    "check_speed",
    "open_streams",
    "parse_asterix_url",
    "parse_endpoint",
    "udp_endpoint",
]
