"""EUROCONTROL ASTERIX: decode CAT048, CAT034, CAT021 and CAT062; encode CAT048, CAT034 and
CAT062.

A codec written for iamd (no third-party decoder is a dependency): the PyPI decoders
(libasterix and aviconv-asterix, MIT; asterix_decoder, GPL) were measured against it
(``benchmarks/interop/README.md``) and serve only as test oracles. They were not taken as the
package's codec because none both decodes every category and edition iamd reads (CAT062 0.17
in Croatia Control's recording) and encodes CAT062 byte-exactly at the speed a one-hour
multi-radar stream needs; this codec gathers each field over all records with NumPy.

- `decode` (bytes → one pandas table per category), `read_recording` (raw file or pcap),
  `open_udp` / `udp_blocks` / `decode_stream` (live UDP, unicast or multicast);
- `encode_cat048`, `encode_cat062`, `encode_cat034` (tables → data blocks);
  `write_recording` (blocks → a raw file or a pcap capture, as `read_recording` reads them);
- `iamd.interop.asterix.spec`: item kinds and UAPs; `iamd.interop.asterix.walk`: framing.

See docs/interop.md.
"""

from iamd.interop.asterix.capture import (
    Packets,
    UdpStats,
    decode_stream,
    is_pcap,
    open_udp,
    pcap_bytes,
    read_pcap,
    read_recording,
    send_udp,
    udp_blocks,
    write_recording,
)
from iamd.interop.asterix.decode import CATEGORIES, Decoded, decode, uaps_for

__all__ = [
    "CATEGORIES",
    "Decoded",
    "Packets",
    "UdpStats",
    "decode",
    "decode_stream",
    "is_pcap",
    "open_udp",
    "pcap_bytes",
    "read_pcap",
    "read_recording",
    "send_udp",
    "uaps_for",
    "udp_blocks",
    "write_recording",
]

from iamd.interop.asterix.encode import encode_cat034, encode_cat048, encode_cat062, split_blocks

__all__ += ["encode_cat034", "encode_cat048", "encode_cat062", "split_blocks"]
