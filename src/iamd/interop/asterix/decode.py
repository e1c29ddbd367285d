"""Decode ASTERIX bytes into one table per category.

`decode` walks the data blocks (`iamd.interop.asterix.walk`) and reads the fields iamd uses
(`iamd.interop.asterix.fields`) into pandas tables, one row per record, in input order.
Besides the fields, each row has ``offset`` (byte offset of the record in the input),
``block_offset`` and ``segment`` (index of the packet or file part it came from).

Example: the one CAT034 record of Croatia Control's ``cat034.raw`` (a sector crossing):

>>> d = decode(bytes.fromhex("220010f6190e023a692b408840408000"))
>>> d
Decoded(CAT021: 0, CAT034: 1, CAT048: 0, CAT062: 0)
>>> r = d.cat034.iloc[0]
>>> int(r.sac), int(r.sic), int(r.msg_type), float(r.tod_s), float(r.sector_azimuth_deg)
(25, 14, 2, 29906.3359375, 90.0)
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import numpy as np

from iamd.errors import InputError
from iamd.interop.asterix.fields import COLUMN_READERS, COLUMNS
from iamd.interop.asterix.spec import DEFAULT_EDITIONS, UAPS, Uap
from iamd.interop.asterix.walk import walk

if TYPE_CHECKING:
    import pandas as pd

CATEGORIES = (21, 34, 48, 62)
"""The categories `decode` reads into tables."""


@dataclass(frozen=True, slots=True)
class Decoded:
    """Tables of decoded records and what was skipped.

    Attributes:
        tables: one DataFrame per category read (21, 34, 48, 62), possibly empty.
        other_blocks: blocks of other categories, skipped by their LEN, counted by category.
        bad_blocks: malformed blocks skipped (lenient decoding only).
        bad_bytes: octets in those blocks (and in unframeable packet tails).
        errors: the first messages of the skipped blocks.
    """

    tables: dict[int, pd.DataFrame]
    other_blocks: dict[int, int] = field(default_factory=dict)
    bad_blocks: int = 0
    bad_bytes: int = 0
    errors: tuple[str, ...] = ()

    @property
    def cat048(self) -> pd.DataFrame:
        return self.tables[48]

    @property
    def cat034(self) -> pd.DataFrame:
        return self.tables[34]

    @property
    def cat021(self) -> pd.DataFrame:
        return self.tables[21]

    @property
    def cat062(self) -> pd.DataFrame:
        return self.tables[62]

    def __repr__(self) -> str:
        counts = ", ".join(f"CAT{c:03d}: {len(t)}" for c, t in sorted(self.tables.items()))
        extra = f"; other blocks {self.other_blocks}" if self.other_blocks else ""
        bad = f"; {self.bad_blocks} bad blocks skipped" if self.bad_blocks else ""
        return f"Decoded({counts}{extra}{bad})"


def uaps_for(editions: Mapping[int, str] | None = None) -> dict[int, Uap]:
    """The UAP of each category read, with ``editions`` overriding the defaults.

    Raises:
        InputError: a category or edition that is not supported.
    """
    chosen = dict(DEFAULT_EDITIONS)
    for cat, ed in (editions or {}).items():
        if cat not in DEFAULT_EDITIONS:
            raise InputError(
                f"ASTERIX edition for CAT{cat:03d}: category not supported (supported: "
                f"{', '.join(f'CAT{c:03d}' for c in sorted(DEFAULT_EDITIONS))})"
            )
        ed = _family(cat, ed)
        if (cat, ed) not in UAPS:
            allowed = ", ".join(e for c, e in UAPS if c == cat)
            raise InputError(
                f"ASTERIX edition for CAT{cat:03d}: {ed!r} is not supported (supported: {allowed})"
            )
        chosen[cat] = ed
    return {cat: UAPS[(cat, ed)] for cat, ed in chosen.items()}


def _family(cat: int, edition: str) -> str:
    """An edition number (``1.18``) as the family whose UAP it shares (``1.1x``)."""
    e = str(edition).strip()
    if (cat, e) in UAPS:
        return e
    major, _, minor = e.partition(".")
    if cat in (48, 34) and major == "1" and minor[:1] == "2":
        return "1.2x"
    if cat == 62 and major == "1" and minor[:1] in ("1", "2") and len(minor) == 2:
        return "1.1x"
    if cat == 21 and major == "2":
        return "2.x"
    return e


def decode(
    data: bytes | bytearray | memoryview,
    *,
    editions: Mapping[int, str] | None = None,
    segments: Sequence[tuple[int, int]] | None = None,
    name: str = "<bytes>",
    strict: bool = True,
) -> Decoded:
    """Decode concatenated ASTERIX data blocks into tables.

    Args:
        data: the bytes (a raw recording, or packets' payloads back to back).
        editions: edition per category, e.g. ``{62: "0.17"}`` (defaults: CAT048 1.2x,
            CAT034 1.2x, CAT021 2.x, CAT062 1.1x).
        segments: ``(start, end)`` byte ranges that each hold whole blocks (one per packet);
            default the whole input.
        name: the input's name in messages.
        strict: raise at the first malformed block (default); otherwise skip and count it.

    Raises:
        InputError: a malformed block (strict), naming the byte offset and the rule broken.
    """
    import pandas as pd

    uaps = uaps_for(editions)
    res = walk(data, uaps, segments=segments, name=name, strict=strict)
    tables: dict[int, pd.DataFrame] = {}
    for cat in CATEGORIES:
        w = res.records[cat]
        w.item_offsets = np.asfortranarray(w.item_offsets)  # one item's column contiguous
        cols = COLUMN_READERS[cat](w) if len(w) else _empty(cat)
        frame = pd.DataFrame({k: cols[k] for k in COLUMNS[cat]})
        frame.insert(0, "offset", w.start)
        frame.insert(1, "block_offset", w.block)
        frame.insert(2, "segment", w.segment)
        tables[cat] = frame
    return Decoded(tables, res.other_blocks, res.bad_blocks, res.bad_bytes, tuple(res.errors))


def _empty(cat: int) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for k in COLUMNS[cat]:
        if k in ("callsign", "adep", "ades", "plan_callsign", "identity", "cls"):
            out[k] = np.zeros(0, dtype=object)
        elif k == "track_confirmed" and cat == 48:
            import pandas as pd

            out[k] = pd.array([], dtype="boolean")
        elif k.endswith(("_valid", "_garbled", "_confirmed")):
            out[k] = np.zeros(0, dtype=bool)
        elif k in (
            "sac",
            "sic",
            "typ",
            "sim",
            "rdp",
            "spi",
            "rab",
            "mode3a",
            "address",
            "track_number",
            "msg_type",
        ):
            out[k] = np.zeros(0, dtype=np.int64)
        else:
            out[k] = np.zeros(0, dtype=np.float64)
    return out
