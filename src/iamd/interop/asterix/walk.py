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

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field

import numpy as np
import numpy.typing as npt

from iamd.errors import InputError
from iamd.interop.asterix.spec import Item, Uap

IntArray = npt.NDArray[np.int64]

MAX_REPORTED_ERRORS = 20
LANE_MIN_BLOCKS = 16
"""Blocks of one category from which the records are walked block-parallel (`walk_lanes`)."""
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
    frames: dict[int, list[tuple[int, int, int]]] = {cat: [] for cat in uaps}
    other: dict[int, int] = {}
    bad: list[tuple[int, str, int]] = []  # (offset, message, octets skipped)
    stop = False
    for si, (s0, s1) in enumerate(segs):  # 1. framing: a loop over blocks, not records
        pos = s0
        while pos < s1:
            msg = ""
            cat = raw[pos]
            length = 0
            if s1 - pos < 3:
                msg = (f"truncated data block: {s1 - pos} octet(s) left, a block header "
                       "(CAT, LEN) needs 3")  # fmt: skip
            else:
                length = (raw[pos + 1] << 8) | raw[pos + 2]
                if length < 3:
                    msg = (f"CAT{cat:03d} block: LEN {length} is less than 3 (LEN counts "
                           "the 3 header octets)")  # fmt: skip
                elif pos + length > s1:
                    msg = (f"CAT{cat:03d} block: LEN {length} runs past the end of the "
                           f"{'input' if segments is None else 'packet'} "
                           f"({s1 - pos} octets left): truncated block")  # fmt: skip
            if msg:
                bad.append((pos, msg, s1 - pos))
                stop = strict
                break  # the rest of the segment cannot be framed
            if cat in frames:
                frames[cat].append((pos, pos + length, si))
            else:
                other[cat] = other.get(cat, 0) + 1
            pos += length
        if stop:
            break
    buf = np.frombuffer(raw + bytes(16), dtype=np.uint8)
    records: dict[int, Walked] = {}
    for cat, uap in uaps.items():  # 2. records: all blocks of a category at once
        fr = frames[cat]
        parts: list[Walked] = []
        slow = fr
        if len(fr) >= LANE_MIN_BLOCKS:
            w, bad_idx = walk_lanes(buf, fr, uap)
            parts.append(w)
            slow = [fr[i] for i in bad_idx]
        c = _Collector(uap)
        for b0, b1, si in slow:
            try:
                _walk_block(raw, b0, b1, c, si)
            except BlockError as exc:
                bad.append((exc.offset, exc.message, b1 - b0))
        parts.append(_finish(c, buf))
        records[cat] = _merge(parts, uap, buf)
    bad.sort(key=lambda x: x[0])
    if strict and bad:
        raise InputError(f"{name}: byte {bad[0][0]}: {bad[0][1]}")
    errors = [f"{name}: byte {o}: {m}" for o, m, _ in bad[:MAX_REPORTED_ERRORS]]
    return WalkResult(records, other, len(bad), sum(n for _, _, n in bad), errors)


def _merge(parts: list[Walked], uap: Uap, buf: npt.NDArray[np.uint8]) -> Walked:
    """Records of several walks in input order."""
    parts = [p for p in parts if len(p)]
    if len(parts) == 1:
        return parts[0]
    if not parts:
        return Walked(uap, buf, np.zeros(0, np.int64), np.zeros(0, np.int64),
                      np.zeros(0, np.int64), np.zeros((0, len(uap.items)), np.int64))  # fmt: skip
    start = np.concatenate([p.start for p in parts])
    o = np.argsort(start, kind="stable")
    return Walked(
        uap,
        buf,
        start[o],
        np.concatenate([p.segment for p in parts])[o],
        np.concatenate([p.block for p in parts])[o],
        np.concatenate([p.item_offsets for p in parts])[o],
    )


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
        tip = (
            f"; if the data is of edition {other}, read it with --edition 62={other} "
            f"(editions={{62: '{other}'}} in Python)"
        )
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


# --------------------------------------------------------------------------- block-parallel


def walk_lanes(
    buf: npt.NDArray[np.uint8], frames: Sequence[tuple[int, int, int]], uap: Uap
) -> tuple[Walked, list[int]]:
    """Walk the records of many blocks at once: one *lane* per block, and each pass of the
    loop reads the next record of every lane with NumPy (FSPEC, then each item's length by
    its kind). A loop pass costs a few array operations per UAP item whatever the number of
    blocks, so the walk is vectorised over blocks; the records within a block stay
    sequential, as the format requires.

    Returns the walked records of the well-formed blocks and the indices (into ``frames``)
    of the blocks that broke a rule: the caller walks those again one by one
    (`_walk_block`, the reference) for the exact message, or to skip them.
    """
    n_buf = len(buf)
    fr = np.asarray(frames, dtype=np.int64).reshape(-1, 3)
    pos = fr[:, 0] + 3
    end = fr[:, 1]
    bad = pos >= end  # a block with no record
    k_items = len(uap.items)
    max_oct = (k_items + 6) // 7
    defined = np.zeros(7 * max_oct, dtype=bool)
    defined[:k_items] = [it is not None for it in uap.items]

    def get(i: IntArray) -> IntArray:
        return buf[np.minimum(i, n_buf - 1)].astype(np.int64)

    starts: list[IntArray] = []
    lane_of: list[IntArray] = []
    offsets: list[IntArray] = []
    active = ~bad & (pos < end)
    while active.any():
        ln = np.flatnonzero(active)
        p = pos[ln]
        e = end[ln]
        m = len(ln)
        bits = np.zeros((m, 7 * max_oct), dtype=bool)
        n_oct = np.zeros(m, dtype=np.int64)
        cont = np.ones(m, dtype=bool)
        for o in range(max_oct):
            octet = np.where(cont, get(p + o), 0)
            for b in range(7):
                bits[:, 7 * o + b] = (octet & (0x80 >> b)) != 0
            n_oct += cont
            cont = cont & ((octet & 1) != 0)
        wrong = cont | (p + n_oct > e) | (bits & ~defined).any(axis=1) | ~bits.any(axis=1)
        cur = p + n_oct
        offs = np.full((m, k_items), -1, dtype=np.int64)
        for k, it in enumerate(uap.items):
            if it is None:
                continue
            has = bits[:, k]
            if not has.any():
                continue
            offs[has, k] = cur[has]
            length, broken = _lengths(get, cur, e, has, it)
            wrong |= broken
            cur = cur + np.where(has, length, 0)
        wrong |= cur > e
        good = ~wrong
        starts.append(p[good])
        lane_of.append(ln[good])
        offsets.append(offs[good])
        bad[ln[wrong]] = True
        pos[ln] = cur
        active = ~bad & (pos < end)
    lane = np.concatenate(lane_of) if lane_of else np.zeros(0, np.int64)
    start = np.concatenate(starts) if starts else np.zeros(0, np.int64)
    item_off = np.concatenate(offsets) if offsets else np.zeros((0, k_items), np.int64)
    keep = ~bad[lane]  # drop the records of blocks that went wrong later
    lane, start, item_off = lane[keep], start[keep], item_off[keep]
    order = np.argsort(start, kind="stable")
    lane, start, item_off = lane[order], start[order], item_off[order]
    w = Walked(uap, buf, start, fr[lane, 2], fr[lane, 0], item_off)
    return w, [int(i) for i in np.flatnonzero(bad)]


def _lengths(
    get: Callable[[IntArray], IntArray], at: IntArray, end: IntArray,
    has: npt.NDArray[np.bool_], it: Item,
) -> tuple[IntArray, npt.NDArray[np.bool_]]:  # fmt: skip
    """(m,) lengths of item ``it`` at ``at`` where ``has``, and where it breaks a rule."""
    m = len(at)
    broken = np.zeros(m, dtype=bool)
    if it.kind == "fixed":
        return np.full(m, it.size, dtype=np.int64), broken
    if it.kind == "repetitive":
        return 1 + get(at) * it.size, broken
    if it.kind == "explicit":
        n = get(at)
        return n, has & (n < 1)
    if it.kind == "extended":
        n = np.full(m, it.first, dtype=np.int64)
        cont = has & ((get(at + n - 1) & 1) != 0)
        while cont.any():
            n = n + np.where(cont, it.size, 0)
            cont = cont & (at + n <= end) & ((get(at + n - 1) & 1) != 0)
        return n, broken
    # compound: primary subfield, then the flagged subfields
    subs = it.subs
    n_prim = (len(subs) + 6) // 7
    bits = np.zeros((m, 7 * n_prim), dtype=bool)
    n = np.zeros(m, dtype=np.int64)
    cont = has.copy()
    for o in range(n_prim):
        octet = np.where(cont, get(at + o), 0)
        for b in range(7):
            bits[:, 7 * o + b] = (octet & (0x80 >> b)) != 0
        n += cont
        cont = cont & ((octet & 1) != 0)
    broken |= cont  # a primary subfield longer than the item has subfields
    allowed = np.zeros(7 * n_prim, dtype=bool)
    allowed[: len(subs)] = [s is not None for s in subs]
    broken |= has & (bits & ~allowed).any(axis=1)
    for j, sub in enumerate(subs):
        if sub is None:
            continue
        on = has & bits[:, j]
        if not on.any():
            continue
        sl, sb = _lengths(get, at + n, end, on, sub)
        broken |= sb
        n = n + np.where(on, sl, 0)
    return n, broken
