"""Split ASTERIX bytes into data blocks and records, and find every item of every record.

A **data block** is CAT (one octet), LEN (two octets, big-endian, counting the three header
octets) and records of that category, back to back (*ASTERIX Part 1* §4.2). A **record** is
its FSPEC and the items it flags (`iamd.interop.asterix.spec`).

The walk is the one sequential part of decoding: a record's start depends on the length of
the one before. It is kept short per record by caching, for each distinct FSPEC, the plan of
the items it flags: a record whose items are all of fixed length is then one dictionary
lookup and one addition, and the offsets of its items are computed for all such records at
once with NumPy (`Walked.item_offsets`). Only items of variable length (extended, repetitive,
explicit, compound) are measured one by one.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

import numpy as np
import numpy.typing as npt

from iamd.errors import InputError
from iamd.interop.asterix.spec import Item, Uap

IntArray = npt.NDArray[np.int64]

MAX_REPORTED_ERRORS = 20
"""Messages kept for the blocks a lenient walk skipped (the counts are always complete)."""


class BlockError(Exception):
    """A malformed block: ``offset`` (absolute byte offset) and a message without it."""

    def __init__(self, offset: int, message: str) -> None:
        super().__init__(message)
        self.offset = offset
        self.message = message


@dataclass(slots=True)
class _Plan:
    """The items one FSPEC flags: their UAP indices and fixed sizes (0: variable)."""

    pid: int
    items: tuple[int, ...]
    sizes: tuple[int, ...]
    total: int  # sum of the sizes when every item is fixed, else -1
    rel: IntArray  # offsets from the end of the FSPEC, when every item is fixed


@dataclass(slots=True)
class Walked:
    """The records of one category found in the input.

    Attributes:
        uap: the UAP the records were read with.
        buf: the whole input as uint8, followed by 16 zero octets (so that reading a few
            octets at an absent item's offset 0 never leaves the array).
        start: (n,) offset of each record's FSPEC.
        segment: (n,) index of the segment (packet or file) each record came from.
        block: (n,) offset of the data block of each record.
        item_offsets: (n, K) offset of each of the UAP's K items in each record, -1 when
            absent.
    """

    uap: Uap
    buf: npt.NDArray[np.uint8]
    start: IntArray
    segment: IntArray
    block: IntArray
    item_offsets: IntArray

    def __len__(self) -> int:
        return len(self.start)

    def offsets(self, name: str) -> IntArray:
        """(n,) offsets of item ``name`` (e.g. ``I048/040``), -1 where absent."""
        return self.item_offsets[:, self.uap.index(name)]


@dataclass(slots=True)
class _Collector:
    uap: Uap
    plans: dict[bytes, _Plan] = field(default_factory=dict)
    plan_list: list[_Plan] = field(default_factory=list)
    start: list[int] = field(default_factory=list)
    data_start: list[int] = field(default_factory=list)
    plan_id: list[int] = field(default_factory=list)
    segment: list[int] = field(default_factory=list)
    block: list[int] = field(default_factory=list)
    var: dict[int, list[int]] = field(default_factory=dict)  # record index -> item offsets


@dataclass(slots=True)
class WalkResult:
    """What a walk over the input found: records per category and what it skipped."""

    records: dict[int, Walked]
    other_blocks: dict[int, int]
    """Blocks of categories not read, counted by category."""
    bad_blocks: int
    bad_bytes: int
    errors: list[str]


def walk(
    data: bytes | bytearray | memoryview,
    uaps: dict[int, Uap],
    *,
    segments: Sequence[tuple[int, int]] | None = None,
    name: str = "<bytes>",
    strict: bool = True,
) -> WalkResult:
    """Walk the data blocks of ``data`` (or of each ``(start, end)`` segment of it).

    Args:
        data: the bytes.
        uaps: the UAP of each category to read; blocks of other categories are counted and
            skipped by their LEN.
        segments: byte ranges that each hold whole blocks (one per UDP datagram); default
            the whole input.
        name: the input's name in messages.
        strict: raise `InputError` at the first malformed block (file reading); otherwise
            skip it (and, when its LEN cannot be trusted, the rest of its segment) and
            count it (streams).

    Raises:
        InputError: (strict) a malformed block, with its byte offset.
    """
    mv = memoryview(data).cast("B") if not isinstance(data, bytes) else data
    raw = bytes(mv)
    n_total = len(raw)
    segs = [(0, n_total)] if segments is None else segments
    coll = {cat: _Collector(u) for cat, u in uaps.items()}
    other: dict[int, int] = {}
    bad_blocks = 0
    bad_bytes = 0
    errors: list[str] = []
    for si, (s0, s1) in enumerate(segs):
        pos = s0
        while pos < s1:
            try:
                if s1 - pos < 3:
                    raise BlockError(
                        pos,
                        f"truncated data block: {s1 - pos} octet(s) left, "
                        "a block header (CAT, LEN) needs 3",
                    )
                cat = raw[pos]
                length = (raw[pos + 1] << 8) | raw[pos + 2]
                if length < 3:
                    raise BlockError(
                        pos,
                        f"CAT{cat:03d} block: LEN {length} is less than 3 "
                        "(LEN counts the 3 header octets)",
                    )
                if pos + length > s1:
                    raise BlockError(
                        pos,
                        f"CAT{cat:03d} block: LEN {length} runs past the end of the "
                        f"{'input' if segments is None else 'packet'} "
                        f"({s1 - pos} octets left): truncated block",
                    )
            except BlockError as exc:
                if strict:
                    raise InputError(f"{name}: byte {exc.offset}: {exc.message}") from None
                bad_blocks += 1
                bad_bytes += s1 - pos
                if len(errors) < MAX_REPORTED_ERRORS:
                    errors.append(f"{name}: byte {exc.offset}: {exc.message}")
                break  # the rest of the segment cannot be framed
            c = coll.get(cat)
            if c is None:
                other[cat] = other.get(cat, 0) + 1
            else:
                try:
                    _walk_block(raw, pos, pos + length, c, si)
                except BlockError as exc:
                    if strict:
                        raise InputError(f"{name}: byte {exc.offset}: {exc.message}") from None
                    bad_blocks += 1
                    bad_bytes += length
                    if len(errors) < MAX_REPORTED_ERRORS:
                        errors.append(f"{name}: byte {exc.offset}: {exc.message}")
            pos += length
    buf = np.frombuffer(raw + bytes(16), dtype=np.uint8)
    records = {cat: _finish(c, buf) for cat, c in coll.items()}
    return WalkResult(records, other, bad_blocks, bad_bytes, errors)


def _walk_block(raw: bytes, b0: int, b1: int, c: _Collector, seg: int) -> None:
    """Append the records of the block ``raw[b0:b1]``; all or nothing."""
    n0 = len(c.start)
    var0 = len(c.var)
    cat = raw[b0]
    pos = b0 + 3
    plans = c.plans
    try:
        if pos == b1:
            raise BlockError(b0, f"CAT{cat:03d} block: no record (LEN 3)")
        while pos < b1:
            rec = pos
            q = pos
            while raw[q] & 1:
                q += 1
                if q >= b1:
                    raise BlockError(
                        rec,
                        f"CAT{cat:03d} record: FSPEC runs past the end of "
                        f"the block at byte {b0} (LEN {b1 - b0})",
                    )
            fspec = raw[pos : q + 1]
            plan = plans.get(fspec)
            if plan is None:
                plan = _make_plan(fspec, c, rec)
            p = q + 1
            if plan.total >= 0:
                c.data_start.append(p)
                p += plan.total
            else:
                c.data_start.append(p)
                offs = []
                for k, sz in zip(plan.items, plan.sizes, strict=True):
                    offs.append(p)
                    if sz:
                        p += sz
                    else:
                        it = c.uap.items[k]
                        assert it is not None
                        p += _var_len(raw, p, b1, it, rec)
                c.var[len(c.start)] = offs
            if p > b1:
                raise BlockError(
                    rec,
                    f"CAT{cat:03d} record: its items end at byte {p}, past the end of the "
                    f"block at byte {b0} (LEN {b1 - b0}): truncated record",
                )
            c.start.append(rec)
            c.plan_id.append(plan.pid)
            c.segment.append(seg)
            c.block.append(b0)
            pos = p
    except IndexError:  # a read past the end of the input
        _rollback(c, n0, var0)
        raise BlockError(b0, f"CAT{cat:03d} block: truncated record{_hint(c.uap)}") from None
    except BlockError as exc:
        _rollback(c, n0, var0)
        raise BlockError(exc.offset, exc.message + _hint(c.uap)) from None


def _hint(uap: Uap) -> str:
    other = {"1.1x": "0.17", "0.17": "1.1x"}.get(uap.edition) if uap.category == 62 else None
    tip = ""
    if other:
        tip = f"; if the data is of edition {other}, read it with editions={{62: '{other}'}}"
    return f" (read with the CAT{uap.category:03d} edition {uap.edition} UAP{tip})"


def _rollback(c: _Collector, n0: int, var0: int) -> None:
    for lst in (c.start, c.plan_id, c.segment, c.block):
        del lst[n0:]
    del c.data_start[n0:]
    if len(c.var) > var0:
        for k in [k for k in c.var if k >= n0]:
            del c.var[k]


def _make_plan(fspec: bytes, c: _Collector, rec: int) -> _Plan:
    items: list[int] = []
    uap = c.uap
    for i, octet in enumerate(fspec):
        for bit in range(7):
            if octet & (0x80 >> bit):
                frn = 7 * i + bit + 1
                if frn > len(uap.items) or uap.items[frn - 1] is None:
                    raise BlockError(
                        rec,
                        f"CAT{uap.category:03d} record: FSPEC flags FRN {frn}, which is "
                        f"{'not defined' if frn > len(uap.items) else 'spare'} in the "
                        f"CAT{uap.category:03d} edition {uap.edition} UAP "
                        f"(FRN 1..{len(uap.items)}); the item's length is unknown",
                    )
                items.append(frn - 1)
    if not items:
        raise BlockError(rec, f"CAT{uap.category:03d} record: FSPEC flags no item")
    sizes = []
    for k in items:
        it = uap.items[k]
        assert it is not None
        sizes.append(it.size if it.kind == "fixed" else 0)
    fixed = all(sizes)
    rel = np.cumsum([0, *sizes[:-1]], dtype=np.int64) if fixed else np.zeros(0, np.int64)
    plan = _Plan(len(c.plan_list), tuple(items), tuple(sizes), sum(sizes) if fixed else -1, rel)
    c.plans[fspec] = plan
    c.plan_list.append(plan)
    return plan


def _var_len(raw: bytes, p: int, end: int, it: Item, rec: int) -> int:
    """Length of the variable item ``it`` at ``p`` (its header included)."""
    if p >= end:
        raise BlockError(
            rec, f"record: item {it.name} starts past the end of the block: truncated record"
        )
    kind = it.kind
    if kind == "fixed":
        return it.size
    if kind == "extended":
        n = it.first
        while raw[p + n - 1] & 1:
            n += it.size
            if p + n > end:
                break
        return n
    if kind == "repetitive":
        return 1 + raw[p] * it.size
    if kind == "explicit":
        n = raw[p]
        if n < 1:
            raise BlockError(p, f"record: explicit item {it.name} has length 0 (at least 1)")
        return n
    # compound: the primary subfield, then its subfields
    q = p
    flagged: list[int] = []
    i = 0
    while True:
        octet = raw[q]
        for bit in range(7):
            if octet & (0x80 >> bit):
                flagged.append(7 * i + bit)
        q += 1
        i += 1
        if not octet & 1:
            break
        if q >= end:
            raise BlockError(
                rec,
                f"record: compound item {it.name}: primary subfield runs past the end of the block",
            )
    for k in flagged:
        sub = it.subs[k] if k < len(it.subs) else None
        if sub is None:
            raise BlockError(
                rec,
                f"record: compound item {it.name} flags subfield {k + 1}, which is "
                f"{'not defined' if k >= len(it.subs) else 'spare'} (subfields 1.."
                f"{len(it.subs)}); its length is unknown",
            )
        q += _var_len(raw, q, end, sub, rec)
    return q - p


def _finish(c: _Collector, buf: npt.NDArray[np.uint8]) -> Walked:
    n = len(c.start)
    k = len(c.uap.items)
    offs = np.full((n, k), -1, dtype=np.int64)
    if n:
        pid = np.asarray(c.plan_id, dtype=np.int64)
        ds = np.asarray(c.data_start, dtype=np.int64)
        for plan in c.plan_list:
            if plan.total < 0:
                continue
            rows = np.flatnonzero(pid == plan.pid)
            if len(rows):
                offs[np.ix_(rows, np.asarray(plan.items))] = ds[rows, None] + plan.rel[None, :]
        for r, o in c.var.items():
            offs[r, list(c.plan_list[c.plan_id[r]].items)] = o
    return Walked(
        uap=c.uap,
        buf=buf,
        start=np.asarray(c.start, dtype=np.int64),
        segment=np.asarray(c.segment, dtype=np.int64),
        block=np.asarray(c.block, dtype=np.int64),
        item_offsets=offs,
    )


def iter_block_spans(data: bytes, name: str = "<bytes>") -> Iterable[tuple[int, int, int]]:
    """(offset, category, LEN) of each data block of ``data``; `InputError` on bad framing."""
    pos = 0
    n = len(data)
    while pos < n:
        if n - pos < 3:
            raise InputError(
                f"{name}: byte {pos}: truncated data block: {n - pos} octet(s) "
                "left, a block header (CAT, LEN) needs 3"
            )
        length = (data[pos + 1] << 8) | data[pos + 2]
        if length < 3 or pos + length > n:
            raise InputError(
                f"{name}: byte {pos}: CAT{data[pos]:03d} block: LEN {length} "
                + ("is less than 3" if length < 3 else f"runs past the end ({n - pos} left)")
            )
        yield pos, data[pos], length
        pos += length
