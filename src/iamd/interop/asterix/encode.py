"""Encode tables into ASTERIX CAT062 (system tracks, ed. 1.1x), CAT048 (target reports,
ed. 1.2x) and CAT034 (radar service messages, ed. 1.2x) data blocks.

The input is a table with the column names the decoder produces (`iamd.interop.asterix.
fields`): ``decode(encode_cat062(t)).cat062`` gives back ``t``'s fields, each to its
item's resolution (the least significant bit of the ASTERIX field), and re-encoding a
decoded table gives the same bytes. A row's item is written when its columns are present
and not missing (NaN, -1 or ``""``); each record's FSPEC flags exactly its items.

Encoding is vectorised: every record's FSPEC, length and item offsets come from cumulative
sums over the present items, and each item's octets are scattered into one output array
for all records at once. Records are grouped into data blocks of at most ``max_block_octets``
octets (LEN counts the 3 header octets), in input order.

Out-of-range values raise `InputError` naming the column, the row and the allowed range;
accuracies (I062/500) larger than the field can hold are written as its largest value.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np
import numpy.typing as npt
import pandas as pd

from iamd.errors import InputError
from iamd.interop.asterix.fields import (
    CAT034_SYSTEM_SUBFIELDS,
    CLASS_WORDS,
    FT_M,
    IDENTITY_WORDS,
    NM_M,
    SP_IDENTITY_TAG,
    mask_shift,
)

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.int64]
Buf = npt.NDArray[np.uint8]

DEFAULT_BLOCK_OCTETS = 1024
"""Default largest data block (fits one Ethernet frame as a UDP datagram)."""

_SIXBIT_CODE = np.zeros(256, dtype=np.int64)
for _i, _ch in enumerate("ABCDEFGHIJKLMNOPQRSTUVWXYZ"):
    _SIXBIT_CODE[ord(_ch)] = _i + 1
for _i in range(10):
    _SIXBIT_CODE[48 + _i] = 48 + _i
_SIXBIT_CODE[32] = 32
_SIXBIT_OK = np.zeros(256, dtype=bool)
_SIXBIT_OK[[32, *range(48, 58), *range(65, 91)]] = True


@dataclass(frozen=True, slots=True)
class _Field:
    frn: int
    present: npt.NDArray[np.bool_]
    size: IntArray
    write: Callable[[Buf, IntArray, IntArray], None]  # (buffer, offsets, rows)


def _put(buf: Buf, off: IntArray, v: IntArray, n: int) -> None:
    for k in range(n):
        buf[off + k] = (v >> (8 * (n - 1 - k))) & 0xFF


class _Table:
    """Columns of the input with checks that name the column and the row."""

    def __init__(self, table: Any, what: str) -> None:
        self.what = what
        if hasattr(table, "to_dict") and hasattr(table, "columns"):
            self.cols = {str(c): np.asarray(table[c].to_numpy()) for c in table.columns}
        elif isinstance(table, Mapping):
            self.cols = {str(k): np.asarray(v) for k, v in table.items()}
        else:
            raise InputError(
                f"{what}: expected a table (DataFrame or mapping of columns), "
                f"got {type(table).__name__}"
            )
        lens = {len(v) for v in self.cols.values()}
        if len(lens) > 1:
            raise InputError(f"{what}: columns of different lengths ({sorted(lens)})")
        self.n = lens.pop() if lens else 0

    def has(self, name: str) -> bool:
        return name in self.cols

    def required(self, *names: str) -> None:
        missing = [c for c in names if c not in self.cols]
        if missing:
            raise InputError(
                f"{self.what}: column {missing[0]} is required (got columns: "
                f"{', '.join(self.cols) or 'none'})"
            )

    def floats(self, name: str) -> FloatArray:
        v = self.cols[name]
        try:
            return np.asarray(v, dtype=np.float64)
        except (TypeError, ValueError):
            raise InputError(f"{self.what}: column {name} must be numeric") from None

    def ints(
        self, name: str, lo: int, hi: int, *, optional: bool = True
    ) -> tuple[IntArray, npt.NDArray[np.bool_]]:
        """Integer codes in [lo, hi]; missing is -1 or NaN (optional) else an error."""
        f = self.floats(name)
        missing = np.isnan(f) | (f == -1) if optional else np.zeros(len(f), dtype=bool)
        bad = ~missing & ((f != np.round(f)) | (f < lo) | (f > hi) | ~np.isfinite(f))
        if not optional:
            bad |= np.isnan(f)
        self._fail(name, f, bad, f"an integer in [{lo}, {hi}]")
        return np.where(missing, 0, f).astype(np.int64), ~missing

    def scaled(
        self,
        name: str,
        lsb: float,
        bits: int,
        *,
        signed: bool,
        wrap: bool = False,
        lo: float | None = None,
        hi: float | None = None,
        saturate: bool = False,
    ) -> tuple[IntArray, npt.NDArray[np.bool_]]:
        """round(value / lsb) as a ``bits``-bit field; missing (NaN) is not present."""
        f = self.floats(name)
        ok = ~np.isnan(f)
        raw = np.round(np.where(ok, f, 0.0) / lsb)
        if wrap:
            raw = np.mod(raw, 2**bits)
        rmin, rmax = (-(2 ** (bits - 1)), 2 ** (bits - 1) - 1) if signed else (0, 2**bits - 1)
        if saturate:
            raw = np.clip(raw, rmin, rmax)
        bad = ok & ~np.isfinite(f)
        bad |= ok & ((raw < rmin) | (raw > rmax))
        if lo is not None:
            bad |= ok & (f < lo)
        if hi is not None:
            bad |= ok & (f > hi)
        a = lo if lo is not None else rmin * lsb
        b = hi if hi is not None else rmax * lsb
        self._fail(name, f, bad, f"within [{a:g}, {b:g}]")
        out: IntArray = np.where(ok & np.isfinite(raw), raw, 0).astype(np.int64)
        return out & ((1 << bits) - 1), ok

    def flags(self, name: str, default: bool) -> npt.NDArray[np.bool_]:
        if name not in self.cols:
            return np.full(self.n, default)
        return np.asarray(self.cols[name], dtype=bool)

    def text(self, name: str, width: int, sixbit: bool) -> tuple[Buf, npt.NDArray[np.bool_]]:
        """(n, width) octets of left-aligned, blank-padded text; missing (``""``, None,
        NaN) is not present. A value that is not text, is longer than ``width`` or has a
        character the item cannot hold is refused, never cut or replaced: six-bit items
        (ICAO Annex 10 vol. IV) hold upper-case A-Z, 0-9 and space; the others printable
        ASCII (IA-5, 32-126)."""
        v = self.cols[name]
        missing = np.asarray(pd.isna(v), dtype=bool).reshape(len(v))
        is_str = np.fromiter((isinstance(x, str) for x in v), dtype=bool, count=len(v))
        self._fail(name, v, ~is_str & ~missing, f"text of at most {width} characters")
        s = np.asarray(np.where(is_str, v, ""), dtype=str).reshape(len(v))
        self._fail(name, v, np.char.str_len(s) > width, f"at most {width} characters")
        utf8 = np.char.encode(s, "utf-8")
        rule = (
            "upper-case letters A-Z, digits 0-9 and spaces (ICAO six-bit characters)"
            if sixbit
            else "printable ASCII (IA-5) characters"
        )
        self._fail(name, v, np.char.str_len(utf8) != np.char.str_len(s), rule)
        chars = np.frombuffer(
            np.char.ljust(utf8, width).astype(f"S{width}").tobytes(), dtype=np.uint8
        ).reshape(len(s), width)
        ok = np.char.str_len(s) > 0
        good = _SIXBIT_OK[chars] if sixbit else (chars >= 32) & (chars <= 126)
        self._fail(name, v, ok & ~good.all(axis=1), rule)
        return chars, ok

    def _fail(self, name: str, values: Any, bad: npt.NDArray[np.bool_], rule: str) -> None:
        idx = np.flatnonzero(bad)
        if len(idx):
            i = int(idx[0])
            v = values[i]
            shown = repr(v.item() if isinstance(v, np.generic) else v)
            raise InputError(f"{self.what}: column {name}: row {i}: must be {rule} (got {shown})")


def _fixed(
    frn: int,
    present: npt.NDArray[np.bool_],
    size: int,
    write: Callable[[Buf, IntArray, IntArray], None],
) -> _Field:
    return _Field(frn, present, np.full(len(present), size, dtype=np.int64), write)


def _ints_writer(*parts: tuple[IntArray, int]) -> Callable[[Buf, IntArray, IntArray], None]:
    """Write the given integer columns one after the other (value, octets)."""

    def write(buf: Buf, off: IntArray, rows: IntArray) -> None:
        pos = off
        for v, n in parts:
            _put(buf, pos, v[rows], n)
            pos = pos + n

    return write


def _sixbit_writer(
    chars: Buf, lead: IntArray | None = None
) -> Callable[[Buf, IntArray, IntArray], None]:
    """Eight six-bit characters in 6 octets, after a leading octet ``lead`` (n,) if given."""

    def write(buf: Buf, off: IntArray, rows: IntArray) -> None:
        c = _SIXBIT_CODE[chars[rows]]
        v = np.zeros(len(rows), dtype=np.int64)
        for i in range(8):
            v = (v << 6) | c[:, i]
        pos = off
        if lead is not None:
            buf[pos] = lead[rows]
            pos = pos + 1
        _put(buf, pos, v, 6)

    return write


def _assemble(
    category: int,
    n: int,
    fields: list[_Field],
    max_block_octets: int,
    block_starts: Any = None,
    block_rows: list[int] | None = None,
) -> bytes:
    """Lay out FSPECs, items and block headers for ``n`` records; the blocks' bytes.

    ``block_starts``: (n,) booleans, True where a record must open a new data block (the
    first of a scan, of a clock step); blocks are still split at ``max_block_octets``.
    """
    if n == 0:
        return b""
    fields = sorted(fields, key=lambda f: f.frn)
    present = np.stack([f.present for f in fields], axis=1)  # (n, F)
    frns = np.asarray([f.frn for f in fields])
    if not present.any(axis=1).all():
        i = int(np.flatnonzero(~present.any(axis=1))[0])
        raise InputError(f"CAT{category:03d} encoder: row {i} has no item to write")
    last = np.max(np.where(present, frns[None, :], 0), axis=1)
    n_fspec = (last - 1) // 7 + 1
    max_oct = int(n_fspec.max())
    fspec = np.zeros((n, (int(frns.max()) - 1) // 7 + 1), dtype=np.int64)
    for j, f in enumerate(fields):
        octet = (f.frn - 1) // 7
        fspec[:, octet] |= np.where(present[:, j], 0x80 >> ((f.frn - 1) % 7), 0)
    for o in range(max_oct - 1):
        fspec[:, o] |= (n_fspec > o + 1).astype(np.int64)
    sizes = np.stack([np.where(f.present, f.size, 0) for f in fields], axis=1)
    rec_len = n_fspec + sizes.sum(axis=1)
    longest = int(rec_len.max())
    cap = max_block_octets - 3 - longest
    if cap < 1:
        raise InputError(
            f"CAT{category:03d} encoder: max_block_octets {max_block_octets} cannot hold a "
            f"record of {longest} octets (allowed: at least {longest + 4}, at most 65535)"
        )
    ends = np.cumsum(rec_len)
    starts = _block_starts(category, n, block_starts)
    group = np.cumsum(starts) - 1  # records from one forced start to the next
    base = (ends - rec_len)[np.flatnonzero(starts)][group]
    bid = (ends - base - 1) // cap
    new = np.r_[True, (bid[1:] != bid[:-1]) | starts[1:]]
    bidx = np.cumsum(new) - 1
    nblocks = int(bidx[-1]) + 1
    rec_start = ends - rec_len + 3 * (bidx + 1)
    total = int(ends[-1]) + 3 * nblocks
    buf = np.zeros(total, dtype=np.uint8)
    first = np.flatnonzero(new)
    if block_rows is not None:
        block_rows.extend(int(i) for i in first)
    block_len = np.add.reduceat(rec_len, first) + 3
    hdr = rec_start[first] - 3
    buf[hdr] = category
    _put(buf, hdr + 1, block_len, 2)
    for o in range(max_oct):
        rows = np.flatnonzero(n_fspec > o)
        buf[rec_start[rows] + o] = fspec[rows, o]
    pos = rec_start + n_fspec
    for j, f in enumerate(fields):
        rows = np.flatnonzero(present[:, j])
        if len(rows):
            f.write(buf, pos[rows], rows)
        pos = pos + sizes[:, j]
    return buf.tobytes()


def _block_starts(category: int, n: int, block_starts: Any) -> npt.NDArray[np.bool_]:
    """(n,) where a data block must start (the first record always does)."""
    if block_starts is None:
        out = np.zeros(n, dtype=bool)
    else:
        out = np.asarray(block_starts, dtype=bool).reshape(-1)
        if len(out) != n:
            raise InputError(
                f"CAT{category:03d} encoder: block_starts has {len(out)} values for {n} records"
            )
        out = out.copy()
    out[0] = True
    return out


def _source(t: _Table, fields: list[_Field]) -> None:
    t.required("sac", "sic")
    sac, _ = t.ints("sac", 0, 255, optional=False)
    sic, _ = t.ints("sic", 0, 255, optional=False)
    fields.append(_fixed(1, np.ones(t.n, dtype=bool), 2, _ints_writer((sac, 1), (sic, 1))))


def _tod(t: _Table, frn: int, fields: list[_Field]) -> None:
    t.required("tod_s")
    raw, ok = t.scaled("tod_s", 1.0 / 128.0, 24, signed=False, lo=0.0, hi=86400.0)
    raw = raw % (86400 * 128)
    fields.append(_fixed(frn, ok, 3, _ints_writer((raw, 3))))


# --------------------------------------------------------------------------- CAT062


def encode_cat062(
    table: Any,
    *,
    max_block_octets: int = DEFAULT_BLOCK_OCTETS,
    block_starts: Any = None,
    block_rows: list[int] | None = None,
) -> bytes:
    """CAT062 (edition 1.1x) data blocks of the tracks in ``table``, one record per row.

    Columns (as `decode` names them; only ``sac, sic, tod_s, track_number`` are required):
    ``lat_deg, lon_deg`` (I062/105), ``x_m, y_m`` (I062/100), ``vx_m_s, vy_m_s``
    (I062/185, east and north in the system's plane), ``mode3a`` (I062/060, the code as an
    integer 0..4095, 0o7777), ``callsign`` (I062/245, up to 8 characters A-Z, 0-9 and
    space) with ``callsign_sti`` (its STI: 0 downlinked from the target, the default; 1 a
    callsign, 2 a registration, not downlinked), ``address`` (I062/380 ADR),
    ``track_confirmed`` (I062/080 CNF; default True), ``coasting`` (I062/080 CST; default
    False), ``psr_age_s`` (I062/290 PSR age, 0–63.75 s), ``fl`` (I062/136),
    ``geometric_alt_m`` (I062/130), ``rocd_m_s`` (I062/220), ``sigma_x_m, sigma_y_m``
    (I062/500 APC), ``sigma_lat_deg, sigma_lon_deg`` (APW), ``sigma_alt_m`` (AGA),
    ``sigma_vx_m_s, sigma_vy_m_s`` (ATV), ``plan_callsign, adep, ades`` (I062/390 CSN, DEP,
    DST: the correlated flight plan's callsign, up to 7 characters, and ICAO location
    indicators; a ``callsign`` equal to ``plan_callsign`` is written once, in I062/390),
    ``identity, cls`` (I062/SP, iamd's identity record: `fields.SP_IDENTITY_TAG`).
    ``block_starts`` (n,) marks the rows that open a new data block (one block per clock
    step, say); ``block_rows``, a list, receives the first row of each block written.

    >>> from iamd.interop.asterix import decode
    >>> blk = encode_cat062({"sac": [25], "sic": [100], "tod_s": [46065.7578125],
    ...                      "track_number": [894], "lat_deg": [44.26891565322876],
    ...                      "lon_deg": [18.229901790618896], "mode3a": [0o6072]})
    >>> blk.hex()
    '3e0017994c196459f8e1007deba40033da9c0c3a037e00'
    >>> row = decode(blk).cat062.iloc[0]
    >>> int(row.track_number), round(float(row.lat_deg), 6), oct(int(row.mode3a))
    (894, 44.268916, '0o6072')

    Raises:
        InputError: a missing required column or a value outside its item's range.
    """
    t = _Table(table, "CAT062 encoder")
    t.required("track_number")
    n = t.n
    f: list[_Field] = []
    _source(t, f)
    _tod(t, 4, f)
    if t.has("lat_deg") and t.has("lon_deg"):
        lat, ok1 = t.scaled("lat_deg", 180.0 / 2**25, 32, signed=True, lo=-90.0, hi=90.0)
        lon, ok2 = t.scaled("lon_deg", 180.0 / 2**25, 32, signed=True, lo=-180.0, hi=180.0)
        f.append(_fixed(5, ok1 & ok2, 8, _ints_writer((lat, 4), (lon, 4))))
    if t.has("x_m") and t.has("y_m"):
        x, ok1 = t.scaled("x_m", 0.5, 24, signed=True)
        y, ok2 = t.scaled("y_m", 0.5, 24, signed=True)
        f.append(_fixed(6, ok1 & ok2, 6, _ints_writer((x, 3), (y, 3))))
    if t.has("vx_m_s") and t.has("vy_m_s"):
        vx, ok1 = t.scaled("vx_m_s", 0.25, 16, signed=True)
        vy, ok2 = t.scaled("vy_m_s", 0.25, 16, signed=True)
        f.append(_fixed(7, ok1 & ok2, 4, _ints_writer((vx, 2), (vy, 2))))
    if t.has("mode3a"):
        m, ok = t.ints("mode3a", 0, 0o7777)
        f.append(_fixed(9, ok, 2, _ints_writer((m, 2))))
    if t.has("callsign"):
        chars, ok = t.text("callsign", 8, sixbit=True)
        if t.has("plan_callsign"):  # the same in I062/390: written once, read back from there
            ok = ok & (t.cols["callsign"] != t.cols["plan_callsign"])
        sti = t.ints("callsign_sti", 0, 3)[0] if t.has("callsign_sti") else np.zeros(n, np.int64)
        f.append(_fixed(10, ok, 7, _sixbit_writer(chars, lead=sti << 6)))
    if t.has("address"):
        a, ok = t.ints("address", 0, 0xFFFFFF)
        f.append(_fixed(11, ok, 4, _ints_writer((np.full(n, 0x80), 1), (a, 3))))
    tn, _ = t.ints("track_number", 0, 0xFFFF, optional=False)
    f.append(_fixed(12, np.ones(n, dtype=bool), 2, _ints_writer((tn, 2))))
    f.append(_cat062_status(t))
    if t.has("psr_age_s"):
        age, ok = t.scaled("psr_age_s", 0.25, 8, signed=False)
        # I062/290 with its PSR subfield only: primary subfield 0x40, then the age
        f.append(_fixed(14, ok, 2, _ints_writer((np.full(n, 0x40), 1), (age, 1))))
    if t.has("fl"):
        fl, ok = t.scaled("fl", 0.25, 16, signed=True, lo=-15.0, hi=1500.0)
        f.append(_fixed(17, ok, 2, _ints_writer((fl, 2))))
    if t.has("geometric_alt_m"):
        h, ok = t.scaled("geometric_alt_m", 6.25 * FT_M, 16, signed=True)
        f.append(_fixed(18, ok, 2, _ints_writer((h, 2))))
    if t.has("rocd_m_s"):
        r, ok = t.scaled("rocd_m_s", 6.25 * FT_M / 60.0, 16, signed=True)
        f.append(_fixed(20, ok, 2, _ints_writer((r, 2))))
    plan = _cat062_flight_plan(t)
    if plan is not None:
        f.append(plan)
    acc = _cat062_accuracy(t)
    if acc is not None:
        f.append(acc)
    sp = _cat062_identity(t)
    if sp is not None:
        f.append(sp)
    return _assemble(62, n, f, max_block_octets, block_starts, block_rows)


def _cat062_status(t: _Table) -> _Field:
    """I062/080: CNF (bit 2 of the first octet: 1 = tentative), and where ``coasting`` is
    set the three extensions up to CST (bit 8 of the fourth octet), the others' bits 0."""
    n = t.n
    cnf = np.where(t.flags("track_confirmed", True), 0x00, 0x02)
    cst = t.flags("coasting", False)
    first = cnf | cst.astype(np.int64)  # FX where the extensions follow

    def write(buf: Buf, off: IntArray, rows: IntArray) -> None:
        buf[off] = first[rows]
        c = cst[rows]
        for k, v in ((1, 0x01), (2, 0x01), (3, 0x80)):  # FX, FX, CST
            buf[off[c] + k] = v

    return _Field(13, np.ones(n, dtype=bool), np.where(cst, 4, 1).astype(np.int64), write)


def _cat062_flight_plan(t: _Table) -> _Field | None:
    """I062/390 with the CSN (callsign, 7 ASCII characters), DEP and DST (ICAO location
    indicators, 4 characters) subfields the table has; absent where all three are empty."""
    subs: list[tuple[int, int, int, Buf, npt.NDArray[np.bool_]]] = []
    for col, octet, bit, width in (
        ("plan_callsign", 0, 0x40, 7),
        ("adep", 0, 0x02, 4),
        ("ades", 1, 0x80, 4),
    ):
        if t.has(col):
            chars, ok = t.text(col, width, sixbit=False)
            subs.append((octet, bit, width, chars, ok))
    if not subs:
        return None
    n = t.n
    prim = np.zeros((n, 2), dtype=np.int64)
    size = np.zeros(n, dtype=np.int64)
    for octet, bit, width, _c, ok in subs:
        prim[:, octet] |= np.where(ok, bit, 0)
        size += np.where(ok, width, 0)
    two = prim[:, 1] != 0
    prim[:, 0] |= two.astype(np.int64)  # FX: a second octet follows
    size += 1 + two
    present = size > 1 + two

    def write(buf: Buf, off: IntArray, rows: IntArray) -> None:
        buf[off] = prim[rows, 0]
        pos = off + 1
        more = two[rows]
        buf[pos[more]] = prim[rows[more], 1]
        pos = pos + more
        for _octet, _bit, width, chars, ok in subs:
            has = ok[rows]
            q = pos[has]
            c = chars[rows[has]]
            for k in range(width):
                buf[q + k] = c[:, k]
            pos = pos + np.where(has, width, 0)

    return _Field(21, present, size, write)


def _cat062_identity(t: _Table) -> _Field | None:
    """I062/SP with iamd's identity record (`iamd.interop.asterix.fields.SP_IDENTITY_TAG`):
    the STANAG 1241 identity and the most likely class, where the table has either."""
    if not (t.has("identity") or t.has("cls")):
        return None
    n = t.n
    codes = []
    for col, words in (("identity", IDENTITY_WORDS), ("cls", CLASS_WORDS)):
        if not t.has(col):
            codes.append(np.zeros(n, dtype=np.int64))
            continue
        v = np.asarray([x if isinstance(x, str) else "" for x in t.cols[col]], dtype=object)
        lookup = {w: i + 1 for i, w in enumerate(words)} | {"": 0}
        bad = np.asarray([x not in lookup for x in v], dtype=bool)
        t._fail(col, v, bad, f"one of {', '.join(words)} or empty")
        codes.append(np.asarray([lookup[x] for x in v], dtype=np.int64))
    ident, cls = codes
    present = (ident > 0) | (cls > 0)
    tag = int.from_bytes(SP_IDENTITY_TAG, "big")
    size = 1 + len(SP_IDENTITY_TAG) + 2
    lead = np.full(n, size, dtype=np.int64)
    return _fixed(
        35,
        present,
        size,
        _ints_writer((lead, 1), (np.full(n, tag), len(SP_IDENTITY_TAG)), (ident, 1), (cls, 1)),
    )


def _cat062_accuracy(t: _Table) -> _Field | None:
    """I062/500 with the APC, APW, AGA and ATV subfields the table has."""
    subs: list[tuple[int, int, list[tuple[IntArray, int]], npt.NDArray[np.bool_]]] = []
    n = t.n

    def pair(a: str, b: str, lsb: float, bits: int) -> tuple[IntArray, IntArray, Any] | None:
        if not (t.has(a) and t.has(b)):
            return None
        va, oka = t.scaled(a, lsb, bits, signed=False, lo=0.0, saturate=True)
        vb, okb = t.scaled(b, lsb, bits, signed=False, lo=0.0, saturate=True)
        return va, vb, oka & okb

    p = pair("sigma_x_m", "sigma_y_m", 0.5, 16)
    if p:
        subs.append((0x80, 4, [(p[0], 2), (p[1], 2)], p[2]))
    p = pair("sigma_lat_deg", "sigma_lon_deg", 180.0 / 2**25, 16)
    if p:
        subs.append((0x20, 4, [(p[0], 2), (p[1], 2)], p[2]))
    if t.has("sigma_alt_m"):
        v, ok = t.scaled("sigma_alt_m", 6.25 * FT_M, 8, signed=False, lo=0.0, saturate=True)
        subs.append((0x10, 1, [(v, 1)], ok))
    p = pair("sigma_vx_m_s", "sigma_vy_m_s", 0.25, 8)
    if p:
        subs.append((0x04, 2, [(p[0], 1), (p[1], 1)], p[2]))
    return _compound(27, n, subs)


def _compound(
    frn: int, n: int, subs: list[tuple[int, int, list[tuple[IntArray, int]], npt.NDArray[np.bool_]]]
) -> _Field | None:
    """A compound item of one primary octet: ``subs`` holds, per subfield, its bit in the
    primary, its size in octets, its parts (values, octets) and the rows that have it; None
    when no row has any subfield."""
    if not subs:
        return None
    prim = np.zeros(n, dtype=np.int64)
    size = np.ones(n, dtype=np.int64)
    for bit, sz, _, ok in subs:
        prim |= np.where(ok, bit, 0)
        size += np.where(ok, sz, 0)

    def write(buf: Buf, off: IntArray, rows: IntArray) -> None:
        buf[off] = prim[rows]
        pos = off + 1
        for _bit, sz, parts, ok in subs:
            has = ok[rows]
            r = rows[has]
            q = pos[has]
            for v, nb in parts:
                _put(buf, q, v[r], nb)
                q = q + nb
            pos = pos + np.where(has, sz, 0)

    return _Field(frn, prim != 0, size, write)


# --------------------------------------------------------------------------- CAT034


def encode_cat034(
    table: Any,
    *,
    max_block_octets: int = DEFAULT_BLOCK_OCTETS,
    block_starts: Any = None,
    block_rows: list[int] | None = None,
) -> bytes:
    """CAT034 (edition 1.2x) radar service messages of the rows of ``table``.

    Columns (as `decode` names them; ``sac, sic, msg_type`` required): ``msg_type``
    (I034/000: 1 north marker, 2 sector crossing, 3 geographical filtering, 4 jamming
    strobe), ``tod_s`` (I034/030), ``sector_azimuth_deg`` (I034/020, LSB 360/2⁸ deg: a
    sector crossing's azimuth), ``rotation_period_s`` (I034/041, LSB 1/128 s), ``site_lat_deg,
    site_lon_deg, site_alt_m`` (I034/120: LSB 180/2²³ deg and 1 m), and the codes of
    I034/050 (system configuration and status) and I034/060 (system processing mode) in
    `fields.CAT034_SYSTEM_SUBFIELDS` (``com_nogo``, ``psr_ch_ab``, ``mds_red_rad``, ...): a
    subfield (COM, PSR, SSR, MDS) is written where the row gives its columns. A radar sends each
    service message at once, in a block of its own: ``block_starts`` all True (and
    ``block_rows`` as in `encode_cat062`).

    >>> blk = encode_cat034({"sac": [25], "sic": [14], "msg_type": [2],
    ...                      "tod_s": [29906.3359375], "sector_azimuth_deg": [90.0]})
    >>> blk.hex()
    '22000bf0190e023a692b40'
    >>> from iamd.interop.asterix import decode
    >>> r = decode(blk).cat034.iloc[0]
    >>> int(r.msg_type), float(r.tod_s), float(r.sector_azimuth_deg)
    (2, 29906.3359375, 90.0)

    Raises:
        InputError: a missing required column or a value outside its item's range.
    """
    t = _Table(table, "CAT034 encoder")
    t.required("msg_type")
    f: list[_Field] = []
    _source(t, f)
    m, _ = t.ints("msg_type", 0, 255, optional=False)
    f.append(_fixed(2, np.ones(t.n, dtype=bool), 1, _ints_writer((m, 1))))
    if t.has("tod_s"):
        _tod(t, 3, f)
    if t.has("sector_azimuth_deg"):
        az, ok = t.scaled("sector_azimuth_deg", 360.0 / 256.0, 8, signed=False, wrap=True)
        f.append(_fixed(4, ok, 1, _ints_writer((az, 1))))
    if t.has("rotation_period_s"):
        p, ok = t.scaled("rotation_period_s", 1.0 / 128.0, 16, signed=False, lo=0.0)
        f.append(_fixed(5, ok, 2, _ints_writer((p, 2))))
    for frn, item in ((6, "I034/050"), (7, "I034/060")):
        sysf = _cat034_system(t, item, frn)
        if sysf is not None:
            f.append(sysf)
    if t.has("site_lat_deg") and t.has("site_lon_deg"):
        lat, ok1 = t.scaled("site_lat_deg", 180.0 / 2**23, 24, signed=True, lo=-90.0, hi=90.0)
        lon, ok2 = t.scaled("site_lon_deg", 180.0 / 2**23, 24, signed=True, lo=-180.0, hi=180.0)
        if t.has("site_alt_m"):
            h, ok3 = t.scaled("site_alt_m", 1.0, 16, signed=True)
        else:
            h, ok3 = np.zeros(t.n, dtype=np.int64), np.ones(t.n, dtype=bool)
        f.append(_fixed(11, ok1 & ok2 & ok3, 8, _ints_writer((h, 2), (lat, 3), (lon, 3))))
    return _assemble(34, t.n, f, max_block_octets, block_starts, block_rows)


def _cat034_system(t: _Table, item: str, frn: int) -> _Field | None:
    """I034/050 (system configuration and status) or I034/060 (system processing mode) with
    the subfields (COM, PSR, SSR, MDS) whose columns the row gives
    (`fields.CAT034_SYSTEM_SUBFIELDS`); a subfield is written where any of its columns is
    given (not -1 or NaN), and then all of them must be; absent where none is."""
    n = t.n
    subs: list[tuple[int, int, list[tuple[IntArray, int]], npt.NDArray[np.bool_]]] = []
    for it, sub, bit, octets, cols in CAT034_SYSTEM_SUBFIELDS:
        if it != item or not any(t.has(c) for c, _m in cols):
            continue
        given = {c: ~(np.isnan(f) | (f == -1)) for c, _m in cols if t.has(c) for f in [t.floats(c)]}
        ok = np.logical_or.reduce(list(given.values()))
        raw = np.zeros(n, dtype=np.int64)
        for c, m in cols:
            if c not in given:
                if ok.any():
                    raise InputError(
                        f"{t.what}: column {c} is required where a row has other {item} {sub} "
                        f"columns (row {int(np.flatnonzero(ok)[0])} has some)"
                    )
                continue
            hi = m >> mask_shift(m)
            rule = f"an integer in [0, {hi}] where the row has other {item} {sub} columns"
            t._fail(c, t.floats(c), ok & ~given[c], rule)
            v, _ = t.ints(c, 0, hi)
            raw |= v << mask_shift(m)
        subs.append((bit, octets, [(raw, octets)], ok))
    return _compound(frn, n, subs)


# --------------------------------------------------------------------------- CAT048


def encode_cat048(
    table: Any,
    *,
    max_block_octets: int = DEFAULT_BLOCK_OCTETS,
    block_starts: Any = None,
    block_rows: list[int] | None = None,
) -> bytes:
    """CAT048 (edition 1.2x) data blocks of the target reports in ``table``.

    Columns (as `decode` names them; ``sac, sic, tod_s`` required): ``typ, sim, rdp, spi,
    rab`` (I048/020, first octet; ``typ`` default 1, a PSR plot), ``range_m, azimuth_deg``
    (I048/040), ``mode3a`` with ``mode3a_valid``, ``mode3a_garbled`` (I048/070), ``fl`` with
    ``fl_valid``, ``fl_garbled`` (I048/090), ``address`` (I048/220), ``callsign``
    (I048/240), ``track_number`` (I048/161), ``x_m, y_m`` (I048/042), ``ground_speed_m_s,
    heading_deg`` (I048/200), ``track_confirmed`` (I048/170 CNF; NA or None: no I048/170),
    ``height_3d_m`` (I048/110). ``block_starts`` and ``block_rows`` as in `encode_cat062`.

    Raises:
        InputError: a missing required column or a value outside its item's range.
    """
    t = _Table(table, "CAT048 encoder")
    n = t.n
    f: list[_Field] = []
    _source(t, f)
    _tod(t, 2, f)
    one = np.ones(n, dtype=bool)
    typ = t.ints("typ", 0, 7)[0] if t.has("typ") else np.ones(n, dtype=np.int64)
    d020 = typ << 5
    for k, sh in (("sim", 4), ("rdp", 3), ("spi", 2), ("rab", 1)):
        if t.has(k):
            d020 |= t.ints(k, 0, 1)[0] << sh
    f.append(_fixed(3, one, 1, _ints_writer((d020, 1))))
    if t.has("range_m") and t.has("azimuth_deg"):
        rho, ok1 = t.scaled("range_m", NM_M / 256.0, 16, signed=False, lo=0.0)
        th, ok2 = t.scaled("azimuth_deg", 360.0 / 65536.0, 16, signed=False, wrap=True)
        f.append(_fixed(4, ok1 & ok2, 4, _ints_writer((rho, 2), (th, 2))))
    if t.has("mode3a"):
        m, ok = t.ints("mode3a", 0, 0o7777)
        m = (
            m
            | np.where(t.flags("mode3a_valid", True), 0, 0x8000)
            | np.where(t.flags("mode3a_garbled", False), 0x4000, 0)
        )
        f.append(_fixed(5, ok, 2, _ints_writer((m, 2))))
    if t.has("fl"):
        fl, ok = t.scaled("fl", 0.25, 14, signed=True)
        fl = (
            fl
            | np.where(t.flags("fl_valid", True), 0, 0x8000)
            | np.where(t.flags("fl_garbled", False), 0x4000, 0)
        )
        f.append(_fixed(6, ok, 2, _ints_writer((fl, 2))))
    if t.has("address"):
        a, ok = t.ints("address", 0, 0xFFFFFF)
        f.append(_fixed(8, ok, 3, _ints_writer((a, 3))))
    if t.has("callsign"):
        chars, ok = t.text("callsign", 8, sixbit=True)
        f.append(_fixed(9, ok, 6, _sixbit_writer(chars)))
    if t.has("track_number"):
        tn, has_tn = t.ints("track_number", 0, 0x0FFF)
        f.append(_fixed(11, has_tn, 2, _ints_writer((tn, 2))))
    if t.has("x_m") and t.has("y_m"):
        x, ok1 = t.scaled("x_m", NM_M / 128.0, 16, signed=True)
        y, ok2 = t.scaled("y_m", NM_M / 128.0, 16, signed=True)
        f.append(_fixed(12, ok1 & ok2, 4, _ints_writer((x, 2), (y, 2))))
    if t.has("ground_speed_m_s") and t.has("heading_deg"):
        gs, ok1 = t.scaled("ground_speed_m_s", NM_M / 16384.0, 16, signed=False, lo=0.0)
        hd, ok2 = t.scaled("heading_deg", 360.0 / 65536.0, 16, signed=False, wrap=True)
        f.append(_fixed(13, ok1 & ok2, 4, _ints_writer((gs, 2), (hd, 2))))
    if t.has("track_confirmed"):  # I048/170 where given (NA: absent)
        import pandas as pd

        col = t.cols["track_confirmed"]
        given = np.asarray(~pd.isna(col), dtype=bool)
        conf = np.asarray(np.where(given, col, False), dtype=bool)
        f.append(_fixed(14, given, 1, _ints_writer((np.where(conf, 0x00, 0x80), 1))))
    if t.has("height_3d_m"):
        h, ok = t.scaled("height_3d_m", 25.0 * FT_M, 14, signed=True)
        f.append(_fixed(19, ok, 2, _ints_writer((h, 2))))
    return _assemble(48, n, f, max_block_octets, block_starts, block_rows)


def split_blocks(data: bytes) -> list[bytes]:
    """The data blocks of ``data`` as separate byte strings (one UDP datagram each)."""
    from iamd.interop.asterix.walk import iter_block_spans

    return [data[p : p + n] for p, _c, n in iter_block_spans(data)]
