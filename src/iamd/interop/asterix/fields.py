"""The fields iamd uses, read from walked records into columns, all records at once.

Every reader here takes a `Walked` (the offsets of each item in each record) and returns
NumPy columns, one value per record: NaN (floats), -1 (codes and numbers) or ``""``
(text) where the item is absent. Bytes are gathered with fancy indexing over the whole
input, so the cost per record is a few array operations per field, not a Python loop. The
layouts and scale factors are those of the EUROCONTROL category specifications (CAT048 ed.
1.2x, CAT034 ed. 1.2x, CAT021 ed. 2.x, CAT062 ed. 1.1x and 0.17); each reader names the
item it reads.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import numpy.typing as npt

from iamd.interop.asterix.walk import Walked

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.int64]

NM_M = 1852.0
"""One international nautical mile (m)."""
FT_M = 0.3048
"""One international foot (m)."""
KT_M_S = NM_M / 3600.0
"""One knot (m/s)."""

SP_IDENTITY_TAG = b"ID"
"""First octets (after LEN) of iamd's Special Purpose field in CAT062 (I062/SP, whose content
ASTERIX leaves to the user): ``LEN = 5, "I", "D", identity, class``. ``identity`` is 1 + the
index into `IDENTITY_WORDS` (0: none), ``class`` 1 + the index into `CLASS_WORDS` (0: none).
An SP of another layout is skipped (its LEN is all a reader needs)."""
IDENTITY_WORDS = ("pending", "unknown", "assumed_friend", "friend", "neutral", "suspect", "hostile")
"""STANAG 1241 standard identities (`iamd.identify.truth_identity.STANDARD_IDENTITIES`)."""
CLASS_WORDS = ("airliner", "fighter", "drone", "cruise_missile", "ballistic_missile")
"""The identification stage's classes (`iamd.identify.classifier.CLASSES`)."""

_SIXBIT = np.frombuffer(
    b" ABCDEFGHIJKLMNOPQRSTUVWXYZ      "  # 0..32 (0 and 27..31 are not used: blank)
    b"               0123456789      ",
    dtype=np.uint8,
)
"""ICAO Annex 10 vol. IV six-bit character set (IA-5 subset) as ASCII: 1–26 A–Z, 32 space,
48–57 digits; the unused codes read as a space."""


def present(off: IntArray) -> npt.NDArray[np.bool_]:
    return off >= 0


def uint(buf: npt.NDArray[np.uint8], off: IntArray, n: int, skip: int = 0) -> IntArray:
    """Big-endian unsigned integers of ``n`` octets at ``off + skip`` (0 where off < 0)."""
    absent = off < 0
    o = off + skip
    o[absent] = 0
    v = buf[o].astype(np.int64)
    for _ in range(1, n):
        o += 1
        v <<= 8
        v |= buf[o]
    v[absent] = 0
    return v


def sint(v: IntArray, bits: int) -> IntArray:
    """Two's complement of the low ``bits`` bits of ``v``."""
    v = v & ((1 << bits) - 1)
    return v - ((v >> (bits - 1)) << bits)


def scaled(v: IntArray, lsb: float, off: IntArray) -> FloatArray:
    return np.where(off >= 0, v * lsb, np.nan)


def code(v: IntArray, off: IntArray) -> IntArray:
    return np.where(off >= 0, v, -1).astype(np.int64)


def sixbit_text(buf: npt.NDArray[np.uint8], off: IntArray, skip: int = 0) -> npt.NDArray[Any]:
    """Eight six-bit characters in 6 octets (trailing blanks stripped), "" where absent."""
    v = uint(buf, off, 6, skip)
    chars = np.empty((len(off), 8), dtype=np.uint8)
    for i in range(8):
        chars[:, i] = _SIXBIT[(v >> (42 - 6 * i)) & 63]
    return _text(chars, off)


def ascii_text(
    buf: npt.NDArray[np.uint8], off: IntArray, n: int, skip: int = 0
) -> npt.NDArray[Any]:
    o = np.where(off >= 0, off + skip, 0)
    chars = buf[o[:, None] + np.arange(n)[None, :]].copy()
    chars[(chars < 32) | (chars > 126)] = 32
    return _text(chars, off)


def _text(chars: npt.NDArray[np.uint8], off: IntArray) -> npt.NDArray[Any]:
    out = np.full(len(off), "", dtype=object)
    idx = np.flatnonzero(off >= 0)
    if len(idx):
        s = np.ascontiguousarray(chars[idx]).view(f"S{chars.shape[1]}").ravel()
        out[idx] = np.char.rstrip(s.astype(f"U{chars.shape[1]}"))
    return out


def _cat062_coasting(b: npt.NDArray[np.uint8], off: IntArray) -> npt.NDArray[np.bool_]:
    """I062/080 CST, bit 8 of the item's fourth octet (its third extension): False where the
    item is absent or stops before it (each octet's FX, bit 1, says another follows)."""
    o = off.copy()
    for k in range(3):  # the first three octets each say the next follows
        o = np.where((o >= 0) & ((uint(b, o, 1, skip=k) & 0x01) == 1), o, -1)
    return np.where(o >= 0, (uint(b, o, 1, skip=3) & 0x80) != 0, False)


def subfield_offsets(w: Walked, item: str, sub: str) -> IntArray:
    """(n,) offset of subfield ``sub`` of compound item ``item``, -1 where absent.

    Vectorised over the records whose subfields before ``sub`` are all of fixed length; the
    others (a repetitive or extended subfield before it) are measured one by one.
    """
    k_item = w.uap.index(item)
    it = w.uap.items[k_item]
    assert it is not None and it.kind == "compound"
    names = [s.name if s is not None else None for s in it.subs]
    k = names.index(sub)
    off = w.item_offsets[:, k_item]
    n = len(off)
    out = np.full(n, -1, dtype=np.int64)
    has = np.flatnonzero(off >= 0)
    if not len(has):
        return out
    buf = w.buf
    o = off[has]
    # primary subfield: octets while FX is set
    prim_len = np.ones(len(o), dtype=np.int64)
    bits = np.zeros((len(o), 7 * ((len(it.subs) + 6) // 7)), dtype=bool)
    more = np.ones(len(o), dtype=bool)
    for i in range((len(it.subs) + 6) // 7):
        octet = np.where(more, buf[o + i], 0)
        for b in range(7):
            bits[:, 7 * i + b] = (octet & (0x80 >> b)) != 0
        nxt = more & ((octet & 1) != 0)
        prim_len += nxt
        more = nxt
    flagged = bits[:, k]
    pos = o + prim_len
    slow = np.zeros(len(o), dtype=bool)
    for j in range(k):
        s = it.subs[j]
        if s is None:
            continue
        if s.kind == "fixed":
            pos = pos + bits[:, j] * s.size
        else:
            slow |= bits[:, j]
    res = np.where(flagged, pos, -1)
    if slow.any():
        from iamd.interop.asterix.walk import _var_len

        raw = buf.tobytes()
        for r in np.flatnonzero(slow & flagged):
            q = int(o[r] + prim_len[r])
            for j in range(k):
                s = it.subs[j]
                if s is not None and bits[r, j]:
                    q += _var_len(raw, q, len(raw), s, q)
            res[r] = q
    out[has] = res
    return out


def _maybe(values: npt.NDArray[np.bool_], missing: npt.NDArray[np.bool_]) -> Any:
    """A pandas nullable boolean column: NA where the item is absent."""
    import pandas as pd

    return pd.arrays.BooleanArray(np.asarray(values, dtype=bool), np.asarray(missing, dtype=bool))


def _common(w: Walked) -> dict[str, Any]:
    o = w.offsets(f"I{w.uap.category:03d}/010")
    return {
        "sac": code(uint(w.buf, o, 1), o),
        "sic": code(uint(w.buf, o, 1, 1), o),
    }


def _tod(w: Walked, item: str) -> FloatArray:
    o = w.offsets(item)
    return scaled(uint(w.buf, o, 3), 1.0 / 128.0, o)


# --------------------------------------------------------------------------- CAT048


def cat048_columns(w: Walked) -> dict[str, Any]:
    """CAT048 target reports: the columns of `CAT048_COLUMNS`."""
    b = w.buf
    c = _common(w)
    c["tod_s"] = _tod(w, "I048/140")
    o = w.offsets("I048/020")  # TYP(3) SIM RDP SPI RAB FX
    v = uint(b, o, 1)
    c["typ"] = code(v >> 5, o)
    c["sim"] = code((v >> 4) & 1, o)
    c["rdp"] = code((v >> 3) & 1, o)
    c["spi"] = code((v >> 2) & 1, o)
    c["rab"] = code((v >> 1) & 1, o)
    o = w.offsets("I048/040")  # RHO 1/256 NM, THETA 360/2^16 deg
    c["range_m"] = scaled(uint(b, o, 2), NM_M / 256.0, o)
    c["azimuth_deg"] = scaled(uint(b, o, 2, 2), 360.0 / 65536.0, o)
    o = w.offsets("I048/070")  # V G L spare, 12-bit code
    v = uint(b, o, 2)
    c["mode3a"] = code(v & 0x0FFF, o)
    c["mode3a_valid"] = np.where(o >= 0, (v & 0x8000) == 0, False)
    c["mode3a_garbled"] = np.where(o >= 0, (v & 0x4000) != 0, False)
    o = w.offsets("I048/090")  # V G, 14-bit signed FL, LSB 1/4 FL
    v = uint(b, o, 2)
    c["fl"] = scaled(sint(v, 14), 0.25, o)
    c["fl_valid"] = np.where(o >= 0, (v & 0x8000) == 0, False)
    c["fl_garbled"] = np.where(o >= 0, (v & 0x4000) != 0, False)
    o = w.offsets("I048/220")
    c["address"] = code(uint(b, o, 3), o)
    c["callsign"] = sixbit_text(b, w.offsets("I048/240"))
    o = w.offsets("I048/161")
    c["track_number"] = code(uint(b, o, 2) & 0x0FFF, o)
    o = w.offsets("I048/042")  # X, Y signed 16 bits, LSB 1/128 NM
    c["x_m"] = scaled(sint(uint(b, o, 2), 16), NM_M / 128.0, o)
    c["y_m"] = scaled(sint(uint(b, o, 2, 2), 16), NM_M / 128.0, o)
    o = w.offsets("I048/200")  # ground speed 2^-14 NM/s, heading 360/2^16 deg
    c["ground_speed_m_s"] = scaled(uint(b, o, 2), NM_M / 16384.0, o)
    c["heading_deg"] = scaled(uint(b, o, 2, 2), 360.0 / 65536.0, o)
    o = w.offsets("I048/170")  # CNF RAD(2) DOU MAH CDM(2) FX
    v = uint(b, o, 1)
    c["track_confirmed"] = _maybe(np.where(o >= 0, (v & 0x80) == 0, False), o < 0)
    o = w.offsets("I048/110")  # 14-bit signed, LSB 25 ft
    c["height_3d_m"] = scaled(sint(uint(b, o, 2), 14), 25.0 * FT_M, o)
    return c


CAT048_COLUMNS = (
    "sac",
    "sic",
    "tod_s",
    "typ",
    "sim",
    "rdp",
    "spi",
    "rab",
    "range_m",
    "azimuth_deg",
    "mode3a",
    "mode3a_valid",
    "mode3a_garbled",
    "fl",
    "fl_valid",
    "fl_garbled",
    "address",
    "callsign",
    "track_number",
    "x_m",
    "y_m",
    "ground_speed_m_s",
    "heading_deg",
    "track_confirmed",
    "height_3d_m",
)

# --------------------------------------------------------------------------- CAT034


def cat034_columns(w: Walked) -> dict[str, Any]:
    """CAT034 service messages: the columns of `CAT034_COLUMNS`."""
    b = w.buf
    c = _common(w)
    o = w.offsets("I034/000")
    c["msg_type"] = code(uint(b, o, 1), o)
    c["tod_s"] = _tod(w, "I034/030")
    o = w.offsets("I034/020")
    c["sector_azimuth_deg"] = scaled(uint(b, o, 1), 360.0 / 256.0, o)
    o = w.offsets("I034/041")
    c["rotation_period_s"] = scaled(uint(b, o, 2), 1.0 / 128.0, o)
    o = w.offsets("I034/120")  # height (m, signed 16), lat, lon (signed 24, 180/2^23 deg)
    c["site_alt_m"] = scaled(sint(uint(b, o, 2), 16), 1.0, o)
    c["site_lat_deg"] = scaled(sint(uint(b, o, 3, 2), 24), 180.0 / 2**23, o)
    c["site_lon_deg"] = scaled(sint(uint(b, o, 3, 5), 24), 180.0 / 2**23, o)
    for item, sub, _bit, size, cols in CAT034_SYSTEM_SUBFIELDS:  # I034/050 and I034/060
        o = subfield_offsets(w, item, sub)
        v = uint(b, o, size)
        for col, mask in cols:
            c[col] = code((v & mask) >> mask_shift(mask), o)
    return c


def mask_shift(mask: int) -> int:
    """The position of the lowest set bit of ``mask`` (the field's shift).

    >>> mask_shift(0x60), mask_shift(0x80)
    (5, 7)
    """
    return (mask & -mask).bit_length() - 1


CAT034_SYSTEM_SUBFIELDS: tuple[tuple[str, str, int, int, tuple[tuple[str, int], ...]], ...] = (
    # I034/050 System Configuration and Status
    ("I034/050", "COM", 0x80, 1, (
        ("com_nogo", 0x80), ("com_rdpc", 0x40), ("com_rdpr", 0x20), ("com_ovl_rdp", 0x10),
        ("com_ovl_xmt", 0x08), ("com_msc", 0x04), ("com_tsv", 0x02),
    )),
    ("I034/050", "PSR", 0x10, 1, (
        ("psr_ant", 0x80), ("psr_ch_ab", 0x60), ("psr_ovl", 0x10), ("psr_msc", 0x08),
    )),
    ("I034/050", "SSR", 0x08, 1, (
        ("ssr_ant", 0x80), ("ssr_ch_ab", 0x60), ("ssr_ovl", 0x10), ("ssr_msc", 0x08),
    )),
    ("I034/050", "MDS", 0x04, 2, (
        ("mds_ant", 0x8000), ("mds_ch_ab", 0x6000), ("mds_ovl_sur", 0x1000),
        ("mds_msc", 0x0800), ("mds_scf", 0x0400), ("mds_dlf", 0x0200),
        ("mds_ovl_scf", 0x0100), ("mds_ovl_dlf", 0x0080),
    )),
    # I034/060 System Processing Mode
    ("I034/060", "COM", 0x80, 1, (("com_red_rdp", 0x70), ("com_red_xmt", 0x0E))),
    ("I034/060", "PSR", 0x10, 1, (("psr_pol", 0x80), ("psr_red_rad", 0x70), ("psr_stc", 0x0C))),
    ("I034/060", "SSR", 0x08, 1, (("ssr_red_rad", 0xE0),)),
    ("I034/060", "MDS", 0x04, 1, (("mds_red_rad", 0xE0), ("mds_clu", 0x10))),
)  # fmt: skip
"""The subfields of I034/050 and I034/060 (EUROCONTROL CAT034, editions 1.26–1.29,
the same layout): (item, subfield, its bit in the primary subfield, octets, and each
field's column and mask). Every field is a code, -1 where its subfield is absent.

I034/050: ``com_nogo`` (0 system released for operational use, 1 operational use
inhibited), ``com_rdpc`` (radar data processor chain 1 or 2 selected), ``com_rdpr`` (1: the
chain was reset, expect new track numbers), ``com_ovl_rdp``, ``com_ovl_xmt`` (1: RDP,
transmission subsystem overloaded), ``com_msc`` (1: monitoring system disconnected),
``com_tsv`` (1: time source invalid); per sensor (``psr_``, ``ssr_``, ``mds_`` Mode S):
``ant`` (antenna 1 or 2), ``ch_ab`` (0 no channel, 1 channel A only, 2 channel B only,
3 diversity: both), ``ovl`` (``ovl_sur`` for Mode S: overload), ``msc`` (1: monitoring
system disconnected); Mode S also ``scf`` and ``dlf`` (channel A or B of the surveillance
co-ordination and data link functions), ``ovl_scf`` and ``ovl_dlf``.

I034/060: ``com_red_rdp``, ``com_red_xmt`` and per sensor ``red_rad`` (0–7, the overload
reduction step in use: 0 none), ``psr_pol`` (0 linear, 1 circular polarisation),
``psr_stc`` (STC map 1–4 as 0–3), ``mds_clu`` (0 autonomous, 1 not autonomous: the Mode S
cluster state)."""


CAT034_COLUMNS = (
    "sac",
    "sic",
    "msg_type",
    "tod_s",
    "sector_azimuth_deg",
    "rotation_period_s",
    "site_alt_m",
    "site_lat_deg",
    "site_lon_deg",
    *(col for *_, cols in CAT034_SYSTEM_SUBFIELDS for col, _mask in cols),
)
NORTH_MARKER = 1
SECTOR_CROSSING = 2

# --------------------------------------------------------------------------- CAT021


def _item(w: Walked, name: str) -> IntArray:
    """Offsets of item ``name``, all -1 when the edition's UAP has no such item."""
    try:
        return w.offsets(name)
    except KeyError:
        return np.full(len(w), -1, dtype=np.int64)


def cat021_columns(w: Walked) -> dict[str, Any]:
    """CAT021 ADS-B reports: the columns of `CAT021_COLUMNS` (edition 2.x or 0.26).

    ``tod_s`` is the time of applicability for position (I021/071), else the time of
    message reception for position (I021/073), else the time of report transmission
    (I021/077); in edition 0.26 the time of day (I021/030). The position is the
    high-resolution I021/131 where present, else I021/130 (0.26: I021/130, 4 + 4 octets).
    """
    b = w.buf
    old = w.uap.edition == "0.26"
    c = _common(w)
    if old:
        c["tod_s"] = _tod(w, "I021/030")
        o = w.offsets("I021/130")
        c["lat_deg"] = scaled(sint(uint(b, o, 4), 32), 180.0 / 2**25, o)
        c["lon_deg"] = scaled(sint(uint(b, o, 4, 4), 32), 180.0 / 2**25, o)
    else:
        t = _tod(w, "I021/071")
        for alt in ("I021/073", "I021/077"):
            t = np.where(np.isnan(t), _tod(w, alt), t)
        c["tod_s"] = t
        o = w.offsets("I021/130")
        lat = scaled(sint(uint(b, o, 3), 24), 180.0 / 2**23, o)
        lon = scaled(sint(uint(b, o, 3, 3), 24), 180.0 / 2**23, o)
        o = w.offsets("I021/131")
        lat_h = scaled(sint(uint(b, o, 4), 32), 180.0 / 2**30, o)
        lon_h = scaled(sint(uint(b, o, 4, 4), 32), 180.0 / 2**30, o)
        c["lat_deg"] = np.where(o >= 0, lat_h, lat)
        c["lon_deg"] = np.where(o >= 0, lon_h, lon)
    o = w.offsets("I021/080")
    c["address"] = code(uint(b, o, 3), o)
    o = w.offsets("I021/145")
    c["fl"] = scaled(sint(uint(b, o, 2), 16), 0.25, o)
    o = w.offsets("I021/140")
    c["geometric_height_m"] = scaled(sint(uint(b, o, 2), 16), 6.25 * FT_M, o)
    o = w.offsets("I021/070")
    c["mode3a"] = code(uint(b, o, 2) & 0x0FFF, o)
    c["callsign"] = sixbit_text(b, w.offsets("I021/170"))
    o = _item(w, "I021/161")
    c["track_number"] = code(uint(b, o, 2) & 0x0FFF, o)
    return c


CAT021_COLUMNS = (
    "sac",
    "sic",
    "tod_s",
    "lat_deg",
    "lon_deg",
    "address",
    "fl",
    "geometric_height_m",
    "mode3a",
    "callsign",
    "track_number",
)

# --------------------------------------------------------------------------- CAT062


def cat062_columns(w: Walked) -> dict[str, Any]:
    """CAT062 system tracks: the columns of `CAT062_COLUMNS` (edition 1.1x or 0.17)."""
    b = w.buf
    old = w.uap.edition == "0.17"
    c = _common(w)
    c["tod_s"] = _tod(w, "I062/070")
    o = w.offsets("I062/040")
    c["track_number"] = code(uint(b, o, 2) & (0x7FFF if old else 0xFFFF), o)
    o = w.offsets("I062/105")
    if old:  # 3 + 3 octets, LSB 180/2^23 deg
        c["lat_deg"] = scaled(sint(uint(b, o, 3), 24), 180.0 / 2**23, o)
        c["lon_deg"] = scaled(sint(uint(b, o, 3, 3), 24), 180.0 / 2**23, o)
        o = w.offsets("I062/100")  # 2 + 2 octets, LSB 1/64 NM
        c["x_m"] = scaled(sint(uint(b, o, 2), 16), NM_M / 64.0, o)
        c["y_m"] = scaled(sint(uint(b, o, 2, 2), 16), NM_M / 64.0, o)
        o = w.offsets("I062/180")  # speed 0.22 kt, heading 0.0055 deg
        spd = scaled(uint(b, o, 2), 0.22 * KT_M_S, o)
        hdg = scaled(uint(b, o, 2, 2), 0.0055, o)
        c["vx_m_s"] = spd * np.sin(np.radians(hdg))
        c["vy_m_s"] = spd * np.cos(np.radians(hdg))
        c["ground_speed_m_s"] = spd
        c["heading_deg"] = hdg
    else:  # 4 + 4 octets, LSB 180/2^25 deg
        c["lat_deg"] = scaled(sint(uint(b, o, 4), 32), 180.0 / 2**25, o)
        c["lon_deg"] = scaled(sint(uint(b, o, 4, 4), 32), 180.0 / 2**25, o)
        o = w.offsets("I062/100")  # 3 + 3 octets, LSB 0.5 m
        c["x_m"] = scaled(sint(uint(b, o, 3), 24), 0.5, o)
        c["y_m"] = scaled(sint(uint(b, o, 3, 3), 24), 0.5, o)
        o = w.offsets("I062/185")  # 2 + 2 octets, LSB 0.25 m/s
        vx = scaled(sint(uint(b, o, 2), 16), 0.25, o)
        vy = scaled(sint(uint(b, o, 2, 2), 16), 0.25, o)
        c["vx_m_s"] = vx
        c["vy_m_s"] = vy
        c["ground_speed_m_s"] = np.hypot(vx, vy)
        c["heading_deg"] = np.degrees(np.arctan2(vx, vy)) % 360.0
    o = w.offsets("I062/060")
    c["mode3a"] = code(uint(b, o, 2) & 0x0FFF, o)
    o = w.offsets("I062/136")
    c["fl"] = scaled(sint(uint(b, o, 2), 16), 0.25, o)
    o = w.offsets("I062/130")
    c["geometric_alt_m"] = scaled(sint(uint(b, o, 2), 16), 6.25 * FT_M, o)
    o = w.offsets("I062/220")
    c["rocd_m_s"] = scaled(sint(uint(b, o, 2), 16), 6.25 * FT_M / 60.0, o)
    o = w.offsets("I062/080")
    c["track_confirmed"] = np.where(o >= 0, (uint(b, o, 1) & 0x02) == 0, False)
    c["coasting"] = _cat062_coasting(b, o)
    o = subfield_offsets(w, "I062/290", "PSR")
    c["psr_age_s"] = scaled(uint(b, o, 1), 0.25, o)
    if old:
        cs = ascii_text(b, subfield_offsets(w, "I062/390", "CSN"), 7)
        c["callsign_sti"] = np.full(len(cs), -1, dtype=np.int64)
        c["adep"] = ascii_text(b, subfield_offsets(w, "I062/390", "DEP"), 4)
        c["ades"] = ascii_text(b, subfield_offsets(w, "I062/390", "DST"), 4)
    else:
        o = w.offsets("I062/245")
        cs = sixbit_text(b, o, 1)
        c["callsign_sti"] = code(uint(b, o, 1) >> 6, o)
        o = subfield_offsets(w, "I062/390", "CSN")
        cs = np.where(cs == "", ascii_text(b, o, 7), cs)
        c["adep"] = ascii_text(b, subfield_offsets(w, "I062/390", "DEP"), 4)
        c["ades"] = ascii_text(b, subfield_offsets(w, "I062/390", "DST"), 4)
    c["callsign"] = cs
    c["plan_callsign"] = ascii_text(b, subfield_offsets(w, "I062/390", "CSN"), 7)
    o = subfield_offsets(w, "I062/380", "ADR")
    c["address"] = code(uint(b, o, 3), o)
    nan = np.full(len(w), np.nan)
    if old:
        for k in (
            "sigma_x_m",
            "sigma_y_m",
            "sigma_lat_deg",
            "sigma_lon_deg",
            "sigma_alt_m",
            "sigma_vx_m_s",
            "sigma_vy_m_s",
        ):
            c[k] = nan
    else:
        o = subfield_offsets(w, "I062/500", "APC")  # 2 + 2 octets, LSB 0.5 m
        c["sigma_x_m"] = scaled(uint(b, o, 2), 0.5, o)
        c["sigma_y_m"] = scaled(uint(b, o, 2, 2), 0.5, o)
        o = subfield_offsets(w, "I062/500", "APW")  # 2 + 2 octets, LSB 180/2^25 deg
        c["sigma_lat_deg"] = scaled(uint(b, o, 2), 180.0 / 2**25, o)
        c["sigma_lon_deg"] = scaled(uint(b, o, 2, 2), 180.0 / 2**25, o)
        o = subfield_offsets(w, "I062/500", "AGA")  # 1 octet, LSB 6.25 ft
        c["sigma_alt_m"] = scaled(uint(b, o, 1), 6.25 * FT_M, o)
        o = subfield_offsets(w, "I062/500", "ATV")  # 1 + 1 octets, LSB 0.25 m/s
        c["sigma_vx_m_s"] = scaled(uint(b, o, 1), 0.25, o)
        c["sigma_vy_m_s"] = scaled(uint(b, o, 1, 1), 0.25, o)
    c["identity"], c["cls"] = _sp_identity(w)
    return c


def _sp_identity(w: Walked) -> tuple[npt.NDArray[Any], npt.NDArray[Any]]:
    """(identity, cls) of iamd's I062/SP identity record (`SP_IDENTITY_TAG`), "" elsewhere."""
    n = len(w)
    ident = np.full(n, "", dtype=object)
    cls = np.full(n, "", dtype=object)
    o = w.offsets("I062/SP")
    b = w.buf
    size = 1 + len(SP_IDENTITY_TAG) + 2
    tag = int.from_bytes(SP_IDENTITY_TAG, "big")
    ours = (o >= 0) & (uint(b, o, 1) == size) & (uint(b, o, len(SP_IDENTITY_TAG), 1) == tag)
    if ours.any():
        k = 1 + len(SP_IDENTITY_TAG)
        i_code = np.where(ours, uint(b, o, 1, k), 0)
        c_code = np.where(ours, uint(b, o, 1, k + 1), 0)
        iw = np.asarray(("", *IDENTITY_WORDS), dtype=object)
        cw = np.asarray(("", *CLASS_WORDS), dtype=object)
        ident = np.where(i_code <= len(IDENTITY_WORDS), iw[np.minimum(i_code, len(iw) - 1)], "")
        cls = np.where(c_code <= len(CLASS_WORDS), cw[np.minimum(c_code, len(cw) - 1)], "")
    return ident.astype(object), cls.astype(object)


CAT062_COLUMNS = (
    "sac",
    "sic",
    "tod_s",
    "track_number",
    "lat_deg",
    "lon_deg",
    "x_m",
    "y_m",
    "vx_m_s",
    "vy_m_s",
    "ground_speed_m_s",
    "heading_deg",
    "mode3a",
    "fl",
    "geometric_alt_m",
    "rocd_m_s",
    "track_confirmed",
    "coasting",
    "psr_age_s",
    "adep",
    "ades",
    "callsign",
    "callsign_sti",
    "plan_callsign",
    "address",
    "sigma_x_m",
    "sigma_y_m",
    "sigma_lat_deg",
    "sigma_lon_deg",
    "sigma_alt_m",
    "sigma_vx_m_s",
    "sigma_vy_m_s",
    "identity",
    "cls",
)

COLUMN_READERS = {48: cat048_columns, 34: cat034_columns, 21: cat021_columns, 62: cat062_columns}
COLUMNS = {48: CAT048_COLUMNS, 34: CAT034_COLUMNS, 21: CAT021_COLUMNS, 62: CAT062_COLUMNS}
