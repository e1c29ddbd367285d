"""Where ASTERIX comes from: raw files, pcap captures and live UDP (unicast or multicast).

- **raw** (``.ast``, ``.raw``, ``.bin`` or any other name): data blocks back to back.
- **pcap**: the classic libpcap file format (magic ``a1b2c3d4`` or ``a1b23c4d`` for
  nanosecond times, either byte order), link types Ethernet (1, with 802.1Q VLAN tags), raw
  IP (101), raw IPv4 (228), raw IPv6 (229) and Linux cooked capture (113); IPv4 or IPv6
  (unfragmented, or the first fragment only; IPv6 extension headers skipped, RFC 8200) and
  UDP; each UDP payload is one segment of whole data blocks. Other packets (ARP, TCP,
  ICMPv6, later fragments, …) are counted and skipped. Addresses read ``a.b.c.d:port`` and
  ``[v6]:port`` (RFC 3986's brackets). pcapng (``0a0d0d0a``) is refused with a message
  saying how to convert it (``editcap -F pcap in.pcapng out.pcap``).
- **UDP**: `udp_blocks` yields the data blocks of each datagram received on a socket bound to
  a port (`open_udp`, IPv4 or IPv6), joined to a multicast group when one is given; a
  malformed datagram is skipped and counted (`UdpStats`).

The pcap format is read from the description at https://wiki.wireshark.org/Development/
LibpcapFileFormat (a 24-octet global header, then a 16-octet record header per packet).
"""

from __future__ import annotations

import ipaddress
import os
import socket
import stat
import struct
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import numpy.typing as npt

from iamd.errors import DataFileError, InputError
from iamd.files import MAX_DATA_BYTES, check_input_file
from iamd.interop.asterix.decode import Decoded, decode

PCAP_MAGICS = {
    b"\xd4\xc3\xb2\xa1": ("<", 1e-6),
    b"\xa1\xb2\xc3\xd4": (">", 1e-6),
    b"\x4d\x3c\xb2\xa1": ("<", 1e-9),
    b"\xa1\xb2\x3c\x4d": (">", 1e-9),
}
PCAPNG_MAGIC = b"\x0a\x0d\x0d\x0a"
LINKTYPE_ETHERNET = 1
LINKTYPE_RAW = (101, 12)
"""Raw IP, IPv4 or IPv6 by the version nibble (12 is 101 on OpenBSD)."""
LINKTYPE_IPV4 = 228
LINKTYPE_IPV6 = 229
LINKTYPE_LINUX_SLL = 113
ETHERTYPE_IPV4 = 0x0800
ETHERTYPE_IPV6 = 0x86DD


@dataclass(frozen=True, slots=True)
class Packets:
    """UDP payloads of a capture, back to back in ``data``.

    Attributes:
        data: the payloads, concatenated.
        segments: (start, end) of each payload in ``data``.
        time_s: (p,) capture time of each packet (s since 1970-01-01 UTC).
        src, dst: (p,) ``address:port`` of each packet's sender and destination
            (``[address]:port`` for IPv6).
        skipped: packets that were not IPv4/UDP or IPv6/UDP (or were later IP fragments),
            counted.
    """

    data: bytes
    segments: list[tuple[int, int]]
    time_s: np.ndarray
    src: np.ndarray
    dst: np.ndarray
    skipped: int = 0


def is_pcap(path: str | os.PathLike[str]) -> bool:
    """True when the file is a regular file (a FIFO would block) starting with a pcap or
    pcapng magic number."""
    try:
        if not stat.S_ISREG(os.stat(path).st_mode):
            return False
        with open(path, "rb") as fh:
            head = fh.read(4)
    except OSError:
        return False
    return head in PCAP_MAGICS or head == PCAPNG_MAGIC


def read_pcap(path: str | os.PathLike[str]) -> Packets:
    """The UDP payloads of a classic pcap capture.

    Raises:
        DataFileError: a missing, unreadable, pcapng or truncated capture, or a link type
            that is not read, with the byte offset.
    """
    return read_pcap_bytes(_read(path), str(path))


def read_pcap_bytes(raw: bytes, name: str = "<pcap>") -> Packets:
    """`read_pcap` of a capture already in memory (``name`` in messages)."""
    if raw[:4] == PCAPNG_MAGIC:
        raise DataFileError(
            f"{name}: a pcapng capture; only the classic pcap format is read: convert it "
            f"with 'editcap -F pcap {name} out.pcap' (Wireshark's editcap)"
        )
    if raw[:4] in PCAP_MAGICS and len(raw) < 24:
        raise DataFileError(f"{name}: byte 0: truncated pcap file header ({len(raw)} of 24 octets)")
    if raw[:4] not in PCAP_MAGICS:
        raise DataFileError(
            f"{name}: not a pcap capture (first octets {raw[:4].hex() or 'none'}; expected "
            "the magic number a1b2c3d4 or a1b23c4d in either byte order)"
        )
    endian, tick = PCAP_MAGICS[raw[:4]]
    linktype = struct.unpack_from(endian + "I", raw, 20)[0] & 0x0FFFFFFF
    if linktype not in (
        LINKTYPE_ETHERNET, LINKTYPE_LINUX_SLL, LINKTYPE_IPV4, LINKTYPE_IPV6, *LINKTYPE_RAW
    ):  # fmt: skip
        raise DataFileError(
            f"{name}: pcap link type {linktype} is not read (read: 1 Ethernet, 101 raw IP, "
            "228 raw IPv4, 229 raw IPv6, 113 Linux cooked)"
        )
    out = bytearray()
    segs: list[tuple[int, int]] = []
    times: list[float] = []
    srcs: list[str] = []
    dsts: list[str] = []
    skipped = 0
    pos = 24
    n = len(raw)
    rec_fmt = endian + "IIII"
    while pos < n:
        if n - pos < 16:
            raise DataFileError(
                f"{name}: byte {pos}: truncated pcap record header ({n - pos} of 16 octets)"
            )
        sec, frac, incl, _orig = struct.unpack_from(rec_fmt, raw, pos)
        if pos + 16 + incl > n:
            raise DataFileError(
                f"{name}: byte {pos}: pcap record of {incl} octets runs past the end of the "
                f"file ({n - pos - 16} left): truncated capture"
            )
        frame = raw[pos + 16 : pos + 16 + incl]
        udp = _udp_payload(frame, linktype)
        if udp is None:
            skipped += 1
        else:
            payload, src, dst = udp
            segs.append((len(out), len(out) + len(payload)))
            out += payload
            times.append(sec + frac * tick)
            srcs.append(src)
            dsts.append(dst)
        pos += 16 + incl
    return Packets(
        bytes(out),
        segs,
        np.asarray(times, dtype=np.float64),
        np.asarray(srcs, dtype=object),
        np.asarray(dsts, dtype=object),
        skipped,
    )


def _udp_payload(frame: bytes, linktype: int) -> tuple[bytes, str, str] | None:
    """(payload, src, dst) of an IPv4/UDP or IPv6/UDP frame, else None."""
    if linktype == LINKTYPE_ETHERNET:
        if len(frame) < 14:
            return None
        off = 12
        etype = (frame[off] << 8) | frame[off + 1]
        while etype in (0x8100, 0x88A8) and len(frame) >= off + 6:  # VLAN tags
            off += 4
            etype = (frame[off] << 8) | frame[off + 1]
        off += 2
    elif linktype == LINKTYPE_LINUX_SLL:
        if len(frame) < 16:
            return None
        etype = (frame[14] << 8) | frame[15]
        off = 16
    elif linktype == LINKTYPE_IPV4:
        etype, off = ETHERTYPE_IPV4, 0
    elif linktype == LINKTYPE_IPV6:
        etype, off = ETHERTYPE_IPV6, 0
    else:  # raw IP: the version nibble says which
        version = frame[0] >> 4 if frame else 0
        etype, off = (ETHERTYPE_IPV6 if version == 6 else ETHERTYPE_IPV4), 0
    if etype == ETHERTYPE_IPV6:
        return _ipv6_udp(frame, off)
    if etype != ETHERTYPE_IPV4 or len(frame) < off + 20:
        return None
    ver_ihl = frame[off]
    if ver_ihl >> 4 != 4:
        return None
    ihl = (ver_ihl & 0x0F) * 4
    if ihl < 20 or frame[off + 9] != 17:  # UDP
        return None
    frag = ((frame[off + 6] << 8) | frame[off + 7]) & 0x1FFF
    if frag:
        return None
    total = (frame[off + 2] << 8) | frame[off + 3]
    ip_end = min(len(frame), off + total) if total else len(frame)
    src = ".".join(map(str, frame[off + 12 : off + 16]))
    dst = ".".join(map(str, frame[off + 16 : off + 20]))
    return _udp(frame, off + ihl, ip_end, src, dst)


def _ipv6_udp(frame: bytes, off: int) -> tuple[bytes, str, str] | None:
    """(payload, src, dst) of the IPv6 packet at ``off`` when it carries UDP, else None.

    The fixed header is 40 octets (RFC 8200 §3); hop-by-hop (0), routing (43) and destination
    options (60) headers are skipped by their length ((Hdr Ext Len + 1) × 8 octets, §4.3-4.6),
    an authentication header (51) by its ((Payload Len + 2) × 4, RFC 4302 §2.2); a fragment
    header (44, §4.5) is followed in the first fragment only (offset 0), as IPv4's are. A
    payload length of 0 (a jumbogram, RFC 2675) runs to the end of the frame."""
    if len(frame) < off + 40 or frame[off] >> 4 != 6:
        return None
    plen = (frame[off + 4] << 8) | frame[off + 5]
    ip_end = min(len(frame), off + 40 + plen) if plen else len(frame)
    nxt, pos = frame[off + 6], off + 40
    for _ in range(16):  # a bound on the chain of extension headers
        if nxt == 17:
            src = str(ipaddress.IPv6Address(frame[off + 8 : off + 24]))
            dst = str(ipaddress.IPv6Address(frame[off + 24 : off + 40]))
            return _udp(frame, pos, ip_end, f"[{src}]", f"[{dst}]")
        if pos + 8 > ip_end:
            return None
        if nxt in (0, 43, 60):
            size = (frame[pos + 1] + 1) * 8
        elif nxt == 51:
            size = (frame[pos + 1] + 2) * 4
        elif nxt == 44:
            if ((frame[pos + 2] << 8) | frame[pos + 3]) >> 3:  # not the first fragment
                return None
            size = 8
        else:  # another protocol (TCP, ICMPv6, ESP, no next header)
            return None
        nxt, pos = frame[pos], pos + size
    return None


def _udp(frame: bytes, u: int, ip_end: int, src: str, dst: str) -> tuple[bytes, str, str] | None:
    """(payload, ``src:port``, ``dst:port``) of the UDP datagram at ``u`` in an IP packet
    that ends at ``ip_end`` (the payload stops at the datagram's length, or at the packet's
    end when that length is short or runs past it, as in a first fragment)."""
    if ip_end < u + 8:
        return None
    ulen = (frame[u + 4] << 8) | frame[u + 5]
    end = min(ip_end, u + ulen) if ulen >= 8 else ip_end
    sport = (frame[u] << 8) | frame[u + 1]
    dport = (frame[u + 2] << 8) | frame[u + 3]
    return frame[u + 8 : end], f"{src}:{sport}", f"{dst}:{dport}"


def _read(path: str | os.PathLike[str]) -> bytes:
    p = Path(path)
    if not p.exists():
        raise DataFileError(f"{path}: no such file")
    if p.is_dir():
        raise DataFileError(f"{path}: is a directory, not a recording")
    try:  # a regular file only (a FIFO would block), within the data size limit
        check_input_file(p, "input", max_bytes=MAX_DATA_BYTES)
    except InputError as exc:
        raise DataFileError(str(exc).removeprefix("input: ")) from None
    try:
        return p.read_bytes()
    except OSError as exc:
        raise DataFileError(f"{path}: cannot read ({exc.strerror})") from None


def read_recording(
    path: str | os.PathLike[str],
    *,
    editions: Mapping[int, str] | None = None,
    strict: bool = True,
) -> Decoded:
    """Decode a raw ASTERIX file or a pcap capture (told apart by the magic number).

    The tables of a capture get the packet's ``time_s`` (capture time, s since 1970 UTC),
    ``src`` and ``dst`` (``address:port``) on every row.

    Raises:
        DataFileError: the file cannot be read, or is not a capture it claims to be.
        InputError: a malformed data block (strict), with its byte offset in the file
            (raw) or in the packet's payload (pcap, naming the packet).
    """
    name = str(path)
    raw = _read(path)
    if not raw:
        raise DataFileError(
            f"{name}: the file is empty; expected ASTERIX data blocks or a pcap capture"
        )
    if raw[:4] in PCAP_MAGICS or raw[:4] == PCAPNG_MAGIC:
        pk = read_pcap(path)
        try:
            dec = decode(pk.data, editions=editions, segments=pk.segments, name=name, strict=strict)
        except InputError as exc:
            raise DataFileError(_packet_message(str(exc), pk, name)) from None
        for t in dec.tables.values():
            seg = t["segment"].to_numpy()
            t["time_s"] = pk.time_s[seg] if len(seg) else np.zeros(0)
            t["src"] = pk.src[seg] if len(seg) else np.zeros(0, dtype=object)
            t["dst"] = pk.dst[seg] if len(seg) else np.zeros(0, dtype=object)
        return dec
    try:
        return decode(raw, editions=editions, name=name, strict=strict)
    except InputError as exc:
        raise DataFileError(str(exc)) from None


def _packet_message(msg: str, pk: Packets, name: str) -> str:
    """Say which packet a payload offset falls in."""
    prefix = f"{name}: byte "
    if not msg.startswith(prefix):
        return msg
    rest = msg[len(prefix) :]
    num, _, tail = rest.partition(": ")
    try:
        off = int(num)
    except ValueError:
        return msg
    starts = np.asarray([s for s, _ in pk.segments], dtype=np.int64)
    k = int(np.searchsorted(starts, off, side="right") - 1)
    return (
        f"{name}: UDP packet {k + 1} (to {pk.dst[k]}): payload byte {off - int(starts[k])}: {tail}"
    )


# --------------------------------------------------------------------------- writing

PCAP_SUFFIXES = (".pcap", ".cap")
"""Output names written as a pcap capture by `write_recording` (any other: raw blocks)."""
DEFAULT_DESTINATION = "232.1.1.62:8600"
"""UDP destination of a written capture: a source-specific multicast group and the port
Wireshark's ASTERIX dissector listens on (8600)."""
_SOURCE = "10.0.0.1:8600"


def pcap_bytes(
    blocks: Sequence[bytes],
    time_s: npt.ArrayLike,
    *,
    dst: str = DEFAULT_DESTINATION,
    src: str = _SOURCE,
) -> bytes:
    """A classic pcap capture (microsecond times, little-endian, link type Ethernet) of one
    IPv4/UDP datagram per element of ``blocks`` (each whole data blocks), sent at
    ``time_s`` (s since 1970-01-01 UTC, one per datagram). Deterministic: the same input
    gives the same bytes (IP identification is the packet's index; the UDP checksum is 0,
    "not computed", as IPv4 allows; RFC 768).

    >>> cap = pcap_bytes([bytes.fromhex("22000bf0190e023a692b40")], [1.0])
    >>> p = read_pcap_bytes(cap)
    >>> p.data.hex(), p.dst.tolist(), p.time_s.tolist()
    ('22000bf0190e023a692b40', ['232.1.1.62:8600'], [1.0])

    Raises:
        InputError: a bad address, a datagram longer than 65,507 octets, or as many times
            as blocks not given.
    """
    t = np.asarray(time_s, dtype=np.float64).reshape(-1)
    if len(t) != len(blocks):
        raise InputError(f"pcap writer: {len(t)} times for {len(blocks)} datagrams")
    if len(t) and not (np.isfinite(t).all() and (t >= 0).all() and (t < 2**32).all()):
        raise InputError("pcap writer: packet times must be within [0, 2^32) s since 1970")
    d_ip, d_port = _address(dst, "dst")
    s_ip, s_port = _address(src, "src")
    d_mac = (
        b"\x01\x00\x5e" + bytes([d_ip[1] & 0x7F, d_ip[2], d_ip[3]])
        if 224 <= d_ip[0] <= 239  # multicast MAC of the group (RFC 1112 §6.4)
        else b"\x02\x00\x00\x00\x00\x02"
    )
    eth = d_mac + b"\x02\x00\x00\x00\x00\x01" + b"\x08\x00"
    us = np.round(t * 1e6).astype(np.int64)
    out = bytearray(struct.pack("<IHHiIII", 0xA1B2C3D4, 2, 4, 0, 0, 65535, LINKTYPE_ETHERNET))
    for i, payload in enumerate(blocks):
        if len(payload) > 65507:
            raise InputError(
                f"pcap writer: datagram {i + 1} has {len(payload)} octets (at most 65,507)"
            )
        udp = struct.pack(">HHHH", s_port, d_port, 8 + len(payload), 0)
        ip = bytearray(struct.pack(">BBHHHBBH4s4s", 0x45, 0, 28 + len(payload), i & 0xFFFF,
                                   0x4000, 1, 17, 0, s_ip, d_ip))  # fmt: skip
        ip[10:12] = struct.pack(">H", _ip_checksum(bytes(ip)))
        frame_len = 14 + 28 + len(payload)
        sec, usec = divmod(int(us[i]), 1_000_000)
        out += struct.pack("<IIII", sec, usec, frame_len, frame_len)
        out += eth + ip + udp + payload
    return bytes(out)


def write_recording(
    path: str | os.PathLike[str],
    blocks: Sequence[bytes],
    time_s: npt.ArrayLike,
    *,
    flag: str = "--out-asterix",
    dst: str = DEFAULT_DESTINATION,
) -> None:
    """Write data blocks as `read_recording` reads them: a pcap capture (one UDP datagram
    per element of ``blocks``, at ``time_s``, s since 1970 UTC) when the name ends in
    ``.pcap`` or ``.cap``, else the blocks back to back (a raw file). Written through a
    temporary file and one rename (`iamd.files.write_atomic`): never half a file."""
    from iamd.files import write_atomic

    p = Path(path)
    if p.suffix.lower() in PCAP_SUFFIXES:
        data = pcap_bytes(blocks, time_s, dst=dst)
    else:
        data = b"".join(blocks)
    write_atomic(p, data, flag=flag)


def _address(text: str, what: str) -> tuple[bytes, int]:
    host, sep, port = str(text).rpartition(":")
    try:
        ip = socket.inet_aton(host) if sep and host.count(".") == 3 else b""
        p = int(port)
    except (OSError, ValueError):
        ip, p = b"", -1
    if len(ip) != 4 or not 0 < p < 65536:
        raise InputError(f"pcap writer: {what} must be IPv4ADDRESS:PORT (got {text!r})")
    return ip, p


def _ip_checksum(header: bytes) -> int:
    """The IPv4 header checksum (RFC 791: one's complement of the one's complement sum of the
    header's 16-bit words)."""
    total = sum(struct.unpack(f">{len(header) // 2}H", header))
    while total >> 16:
        total = (total & 0xFFFF) + (total >> 16)
    return ~total & 0xFFFF


# --------------------------------------------------------------------------- live UDP


@dataclass(slots=True)
class UdpStats:
    """What a live stream received and skipped."""

    datagrams: int = 0
    blocks: int = 0
    bad_datagrams: int = 0
    bad_bytes: int = 0
    errors: list[str] = field(default_factory=list)


def open_udp(
    port: int,
    *,
    host: str = "0.0.0.0",
    group: str | None = None,
    interface: str = "0.0.0.0",
    timeout_s: float | None = None,
) -> socket.socket:
    """A UDP socket bound to ``host:port``, joined to multicast ``group`` when given.

    IPv4 or IPv6, as the addresses are: an IPv6 ``group`` (``ff15::62``) or ``host``
    (``::1``, ``::``) opens an IPv6 socket. For an IPv4 group, ``interface`` is the IPv4
    address of the interface to join on (``0.0.0.0``: the system's choice); for an IPv6
    group it is the interface's name (``lo``, ``eth0``; ``""`` or ``0.0.0.0``: the system's
    choice), which a link-local or interface-local group (``ff02::/16``, ``ff01::/16``, RFC
    4291 §2.7) must have. Without ``host``, a socket joined to a group is bound to the group's
    address (it receives that group's datagrams only).

    Raises:
        InputError: an address that is not one, or a socket that cannot listen.
    """
    gaddr = _ip(group) if group else None
    if gaddr is not None and not gaddr.is_multicast:
        raise InputError(f"UDP group {group!r}: not a multicast address (224.0.0.0/4, ff00::/8)")
    if gaddr is not None and (why := ipv6_scope_error(str(gaddr))):
        raise InputError(f"UDP group {group!r}: {why}")
    bind_host = str(gaddr) if gaddr is not None and host == "0.0.0.0" else host
    try:
        ipv6 = ipaddress.ip_address(bind_host).version == 6
    except ValueError:  # a host name: IPv4
        ipv6 = False
    where = f"[{bind_host}]:{port}" if ipv6 else f"{bind_host}:{port}"
    if gaddr is not None and (gaddr.version == 6) != ipv6:
        raise InputError(f"UDP group {group}: host {host} is of the other IP version")
    scope = 0
    if not ipv6 and group:
        try:
            ipaddress.IPv4Address(interface)
        except ValueError:
            raise InputError(
                f"UDP {where}: interface must be the IPv4 address of a local interface for an "
                f"IPv4 group, e.g. 127.0.0.1 (got {interface!r})"
            ) from None
    if ipv6 and group:
        scope = interface_index(interface, f"UDP {where}")
        if scope == 0 and ipv6_needs_interface(group):
            raise InputError(
                f"UDP {where}: {group} is a link-local or interface-local multicast group; "
                f"give the interface to join on (interface='lo', 'eth0', ...; this machine has "
                f"{interface_names()})"
            )
    family = socket.AF_INET6 if ipv6 else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_DGRAM, socket.IPPROTO_UDP)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    try:
        if ipv6:
            scoped = group is not None and ipv6_needs_interface(group)
            sock.bind((bind_host, port, 0, scope if scoped else 0))
            if group:
                mreq = socket.inet_pton(socket.AF_INET6, group) + struct.pack("@I", scope)
                sock.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_JOIN_GROUP, mreq)
        else:
            sock.bind((bind_host, port))
            if group:
                mreq = socket.inet_aton(group) + socket.inet_aton(interface)
                sock.setsockopt(socket.IPPROTO_IP, socket.IP_ADD_MEMBERSHIP, mreq)
    except OSError as exc:
        sock.close()
        raise InputError(f"UDP {where}: cannot listen ({exc.strerror or exc})") from None
    sock.settimeout(timeout_s)
    return sock


def ipv6_needs_interface(address: str) -> bool:
    """Whether an IPv6 multicast group's scope is the interface or the link (``ff01::/16``,
    ``ff02::/16``, any flags: RFC 4291 §2.7's scop 1 or 2), so that a sender or a receiver
    must name the interface.

    >>> ipv6_needs_interface("ff02::114"), ipv6_needs_interface("ff15::62")
    (True, False)
    """
    a = ipaddress.IPv6Address(address)
    return a.is_multicast and (a.packed[1] & 0x0F) in (1, 2)


IPV6_RESERVED_SCOPES = (0x0, 0xF)
"""The IPv6 multicast scopes no group may have: scop 0 and F are reserved (RFC 4291 §2.7;
RFC 7346 §2 keeps them so while naming 3 realm-local). Scopes 1-E are allowed: 1
interface-local, 2 link-local, 3 realm-local, 4 admin-local, 5 site-local, 8
organization-local, E global, and the unassigned 6, 7, 9-D, which RFC 4291 leaves to
administrators for regions of their own."""


def ipv6_scope_error(address: str) -> str:
    """Why an IPv6 multicast group may not be used (its scope is reserved), or ``''`` (any
    other address, IPv6 or not).

    >>> ipv6_scope_error("ff01::114"), ipv6_scope_error("ff1e::62"), ipv6_scope_error("::1")
    ('', '', '')
    >>> ipv6_scope_error("ff3f::62").partition(";")[0]
    'ff3f::62 has the reserved IPv6 multicast scope F'
    """
    try:
        a = ipaddress.ip_address(address)
    except ValueError:
        return ""
    if a.version != 6 or not a.is_multicast:
        return ""
    scop = a.packed[1] & 0x0F
    if scop not in IPV6_RESERVED_SCOPES:
        return ""
    return (
        f"{a} has the reserved IPv6 multicast scope {scop:X}; allowed: scope 1-E (RFC 4291 "
        "§2.7, RFC 7346), e.g. ff15::62 (site-local) or ff1e::62 (global)"
    )


def interface_index(name: str, what: str) -> int:
    """The index of network interface ``name`` (0 for ``""`` or ``0.0.0.0``: none given);
    an ``InputError`` naming ``what`` and this machine's interfaces when there is none."""
    if name in ("", "0.0.0.0", "::"):
        return 0
    try:
        return socket.if_nametoindex(name)
    except OSError:
        raise InputError(
            f"{what}: no network interface {name!r} on this machine (it has {interface_names()})"
        ) from None


def interface_names() -> str:
    return ", ".join(n for _i, n in socket.if_nameindex())


def _ip(group: str) -> ipaddress.IPv4Address | ipaddress.IPv6Address:
    try:
        return ipaddress.ip_address(group)
    except ValueError:
        raise InputError(
            f"UDP group {group!r}: not an IPv4 or IPv6 multicast address (224.0.0.0/4, ff00::/8)"
        ) from None


def udp_blocks(
    sock: socket.socket,
    *,
    stats: UdpStats | None = None,
    max_datagrams: int | None = None,
    categories: tuple[int, ...] | None = None,
) -> Iterator[bytes]:
    """Yield the well-formed data blocks of each datagram received on ``sock``.

    A datagram whose framing is broken (a LEN past its end, a truncated header) yields the
    blocks before the fault; the rest is skipped and counted in ``stats``. The records
    inside a block are not checked here: decode the blocks leniently (`decode_stream`).
    The iteration ends after ``max_datagrams`` datagrams or when the socket times out.
    """
    st = stats if stats is not None else UdpStats()
    while max_datagrams is None or st.datagrams < max_datagrams:
        try:
            data, _addr = sock.recvfrom(65535)
        except TimeoutError:
            return
        st.datagrams += 1
        pos = 0
        n = len(data)
        while pos < n:
            length = (data[pos + 1] << 8) | data[pos + 2] if n - pos >= 3 else 0
            if length < 3 or pos + length > n:
                st.bad_datagrams += 1
                st.bad_bytes += n - pos
                if len(st.errors) < 20:
                    st.errors.append(
                        f"UDP datagram {st.datagrams}: byte {pos}: "
                        f"bad block framing (LEN {length}, {n - pos} left)"
                    )
                break
            if categories is None or data[pos] in categories:
                st.blocks += 1
                yield data[pos : pos + length]
            pos += length


def decode_stream(blocks: list[bytes], *, editions: Mapping[int, str] | None = None) -> Decoded:
    """Decode received blocks leniently: a malformed block is skipped and counted."""
    segs = []
    pos = 0
    for b in blocks:
        segs.append((pos, pos + len(b)))
        pos += len(b)
    return decode(b"".join(blocks), editions=editions, segments=segs, strict=False, name="<udp>")


def send_udp(
    blocks: Sequence[bytes],
    port: int,
    host: str = "127.0.0.1",
    ttl: int = 1,
    interface: str = "",
) -> None:
    """Send each block as one UDP datagram to ``host:port``: IPv4 or IPv6 as the address
    is, with a multicast group's TTL (IPv6: hop limit) ``ttl`` and ``interface`` (an IPv4
    group's: the interface's IPv4 address; an IPv6 group's: its name, required for
    ``ff02::/16`` and ``ff01::/16``).

    The destination is read by the live streams' parser and the datagrams sent by their
    sender (`iamd.interop.export.stream.udp_endpoint`, ``UdpSender``), so ``send_udp`` and
    ``iamd run --stream asterix://...`` take the same addresses and say the same thing about
    a bad one.

    Raises:
        InputError: a bad address, port, TTL or interface (naming ``send_udp``, the value
            and what is allowed), or a destination this machine has no route to.
        OSError: a send that failed once under way (the system's reason).
    """
    from iamd.interop.export.stream import AsterixSender, udp_endpoint

    sender = AsterixSender(
        endpoint=udp_endpoint(host, port, ttl=ttl, interface=interface, flag="send_udp")
    )
    sender.open()
    try:
        sender.send(blocks)
    finally:
        sender.close()
    if sender.error:
        raise OSError(sender.error)


__all__ = [
    "Packets",
    "UdpStats",
    "decode_stream",
    "ipv6_scope_error",
    "is_pcap",
    "open_udp",
    "pcap_bytes",
    "read_pcap",
    "read_pcap_bytes",
    "read_recording",
    "send_udp",
    "udp_blocks",
    "write_recording",
]
