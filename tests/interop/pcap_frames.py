"""IPv6/UDP frames and pcap files built by hand, octet by octet, for the capture reader's
tests (checked against tshark reading the same files).

Layouts: IPv6 fixed header and extension headers (RFC 8200 §3, §4), UDP with its checksum
over the IPv6 pseudo-header (RFC 8200 §8.1, RFC 768), Ethernet II (EtherType 0x86DD, an
optional 802.1Q tag), Linux cooked capture v1 (a 16-octet header ending in the protocol),
the classic pcap file (https://wiki.wireshark.org/Development/LibpcapFileFormat).
"""

from __future__ import annotations

import ipaddress
import struct
from collections.abc import Sequence

HOP_BY_HOP = 0
ROUTING = 43
FRAGMENT = 44
DEST_OPTS = 60
UDP = 17
TCP = 6


def _checksum(data: bytes) -> int:
    if len(data) % 2:
        data += b"\x00"
    total = sum(struct.unpack(f">{len(data) // 2}H", data))
    while total >> 16:
        total = (total & 0xFFFF) + (total >> 16)
    return ~total & 0xFFFF


def udp6(payload: bytes, src: str, dst: str, sport: int, dport: int) -> bytes:
    """A UDP datagram with its checksum over the IPv6 pseudo-header (mandatory in IPv6)."""
    s, d = ipaddress.IPv6Address(src).packed, ipaddress.IPv6Address(dst).packed
    length = 8 + len(payload)
    head = struct.pack(">HHHH", sport, dport, length, 0)
    pseudo = s + d + struct.pack(">IxxxB", length, UDP)
    c = _checksum(pseudo + head + payload) or 0xFFFF
    return struct.pack(">HHHH", sport, dport, length, c) + payload


def padn_options(next_header: int, octets: int = 8) -> bytes:
    """A hop-by-hop or destination options header of ``octets`` (a multiple of 8) holding one
    PadN option (RFC 8200 §4.2)."""
    pad = octets - 2
    return bytes([next_header, octets // 8 - 1, 1, pad - 2]) + bytes(pad - 2)


def fragment_header(next_header: int, offset_octets: int, more: bool) -> bytes:
    """An IPv6 fragment header (RFC 8200 §4.5): offset in octets (a multiple of 8)."""
    return struct.pack(">BBHI", next_header, 0, offset_octets | int(more), 0x1234)


def ipv6(upper: bytes, src: str, dst: str, next_header: int, ext: bytes = b"") -> bytes:
    """An IPv6 packet: the fixed header (traffic class 0, flow label 0, hop limit 64), the
    extension headers ``ext`` (already chained, the first's type ``next_header``) and
    ``upper``."""
    s, d = ipaddress.IPv6Address(src).packed, ipaddress.IPv6Address(dst).packed
    body = ext + upper
    return struct.pack(">IHBB", 6 << 28, len(body), next_header, 64) + s + d + body


def ethernet(packet: bytes, *, vlan: int | None = None, ethertype: int = 0x86DD) -> bytes:
    tag = struct.pack(">HH", 0x8100, vlan) if vlan is not None else b""
    return (b"\x33\x33\x00\x00\x00\x62" + b"\x02\x00\x00\x00\x00\x01" + tag
            + struct.pack(">H", ethertype) + packet)  # fmt: skip


def linux_cooked(packet: bytes, ethertype: int = 0x86DD) -> bytes:
    """Linux cooked capture v1: packet type 4 (sent by us), ARPHRD_ETHER, 6-octet address."""
    return struct.pack(">HHH8sH", 4, 1, 6, b"\x02\x00\x00\x00\x00\x01\x00\x00", ethertype) + packet


def pcap(frames: list[bytes], linktype: int, times_s: Sequence[float] | None = None) -> bytes:
    """A classic little-endian microsecond pcap file; frame ``i`` at ``times_s[i]`` (s since
    1970), or one a second from 1,700,000,000 s."""
    out = bytearray(struct.pack("<IHHiIII", 0xA1B2C3D4, 2, 4, 0, 0, 65535, linktype))
    for i, f in enumerate(frames):
        us = round((times_s[i] if times_s is not None else 1_700_000_000 + i) * 1e6)
        out += struct.pack("<IIII", us // 1_000_000, us % 1_000_000, len(f), len(f)) + f
    return bytes(out)
