"""ASTERIX item kinds and the User Application Profiles (UAPs) of the categories iamd reads.

An ASTERIX record is an FSPEC (field specification: a bitmap of 7 bits per octet, the last
bit of each octet, FX, telling whether another octet follows) and, in the order of the set
bits, the data items of the category's UAP. Bit k of the FSPEC (counting from 1 at the most
significant bit of the first octet, skipping FX bits) is the item of Field Reference Number
(FRN) k. Every item has one of five kinds (EUROCONTROL, *ASTERIX Part 1*, SUR.ET1.ST05.2000-
STD-01-01, edition 2.4, §4.3), which fix its length:

- **fixed**: n octets;
- **extended**: a first part of n octets then parts of m octets, each ending in an FX bit
  that says whether another part follows;
- **repetitive**: a one-octet count REP then REP elements of n octets;
- **explicit**: a one-octet length (counting itself) then the content (the SP and RE items);
- **compound**: a primary subfield (a bitmap like the FSPEC, FX in the last bit of each
  octet) then the present subfields, each of one of the kinds above.

Knowing the kind is all the reader needs to skip an item it does not use, so a record whose
every FSPEC bit maps to a defined item can always be walked; a bit that maps to a spare or
undefined FRN cannot (its length is unknown) and makes the record malformed.

The UAPs below are written from the EUROCONTROL category specifications:

- CAT048 *Monoradar Target Reports*, edition 1.21–1.31 (the UAP is unchanged across 1.2x);
- CAT034 *Transmission of Monoradar Service Messages*, editions 1.26–1.29;
- CAT021 *ADS-B Target Reports*, editions 2.1–2.6, and 0.26 (the pre-2.0 UAP: time of
  day in I021/030, position in 4 + 4 octets, no track number);
- CAT062 *SDPS Track Messages*, editions 1.12–1.20, and the pre-standard edition 0.17 of
  2008 that Croatia Control's recording ``asterix.pcap`` is in (it differs from 1.1x in
  I062/105's presence as FRN 5 only, in I062/380 (a list of Mode S registers), I062/290,
  I062/295 and I062/500, which have fewer subfields).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

Kind = Literal["fixed", "extended", "repetitive", "explicit", "compound"]


@dataclass(frozen=True, slots=True)
class Item:
    """One data item (or subfield of a compound item) and how long it is.

    Attributes:
        name: the item's reference, e.g. ``I048/040`` (a subfield: its short name).
        kind: fixed, extended, repetitive, explicit or compound.
        size: fixed: octets; extended: octets of each part after the first; repetitive:
            octets of one element; explicit, compound: 0.
        first: extended: octets of the first part (0 means ``size``).
        subs: compound: the subfields in the order of the primary subfield's bits (None for
            a spare bit).
    """

    name: str
    kind: Kind
    size: int = 0
    first: int = 0
    subs: tuple[Item | None, ...] = ()


def fixed(name: str, size: int) -> Item:
    return Item(name, "fixed", size)


def ext(name: str, size: int = 1, first: int = 0) -> Item:
    return Item(name, "extended", size, first or size)


def rep(name: str, size: int) -> Item:
    return Item(name, "repetitive", size)


def expl(name: str) -> Item:
    return Item(name, "explicit")


def comp(name: str, *subs: Item | None) -> Item:
    return Item(name, "compound", 0, 0, tuple(subs))


@dataclass(frozen=True, slots=True)
class Uap:
    """A category's User Application Profile: the item of each FRN (None = spare)."""

    category: int
    edition: str
    items: tuple[Item | None, ...]

    def index(self, name: str) -> int:
        """The position (FRN − 1) of item ``name``."""
        for i, it in enumerate(self.items):
            if it is not None and it.name == name:
                return i
        raise KeyError(name)


def _f(name: str, n: int) -> Item:
    return fixed(name, n)


# --------------------------------------------------------------------------- CAT048 1.2x

CAT048 = Uap(
    48,
    "1.2x",
    (
        _f("I048/010", 2),  # data source identifier
        _f("I048/140", 3),  # time of day
        ext("I048/020"),  # target report descriptor
        _f("I048/040", 4),  # measured position, polar
        _f("I048/070", 2),  # Mode-3/A code
        _f("I048/090", 2),  # flight level
        comp("I048/130", *(_f(s, 1) for s in ("SRL", "SRR", "SAM", "PRL", "PAM", "RPD", "APD"))),
        _f("I048/220", 3),  # aircraft address
        _f("I048/240", 6),  # aircraft identification
        rep("I048/250", 8),  # Mode S MB data
        _f("I048/161", 2),  # track number
        _f("I048/042", 4),  # calculated position, Cartesian
        _f("I048/200", 4),  # calculated track velocity, polar
        ext("I048/170"),  # track status
        _f("I048/210", 4),  # track quality
        ext("I048/030"),  # warning/error conditions
        _f("I048/080", 2),  # Mode-3/A code confidence
        _f("I048/100", 4),  # Mode-C code and confidence
        _f("I048/110", 2),  # height measured by a 3D radar
        comp("I048/120", _f("CAL", 2), rep("RDS", 6)),  # radial Doppler speed
        _f("I048/230", 2),  # communications/ACAS capability
        _f("I048/260", 7),  # ACAS resolution advisory
        _f("I048/055", 1),
        _f("I048/050", 2),
        _f("I048/065", 1),
        _f("I048/060", 2),
        expl("I048/SP"),
        expl("I048/RE"),
    ),
)

# --------------------------------------------------------------------------- CAT034 1.2x

CAT034 = Uap(
    34,
    "1.2x",
    (
        _f("I034/010", 2),  # data source identifier
        _f("I034/000", 1),  # message type
        _f("I034/030", 3),  # time of day
        _f("I034/020", 1),  # sector number
        _f("I034/041", 2),  # antenna rotation period
        comp("I034/050", _f("COM", 1), None, None, _f("PSR", 1), _f("SSR", 1), _f("MDS", 2)),
        comp("I034/060", _f("COM", 1), None, None, _f("PSR", 1), _f("SSR", 1), _f("MDS", 1)),
        rep("I034/070", 2),  # message count values
        _f("I034/100", 8),  # generic polar window
        _f("I034/110", 1),  # data filter
        _f("I034/120", 8),  # 3D position of the data source
        _f("I034/090", 2),  # collimation error
        expl("I034/RE"),
        expl("I034/SP"),
    ),
)

# --------------------------------------------------------------------------- CAT021 2.x

_AGES = tuple(_f(f"age{k}", 1) for k in range(1, 24))
CAT021 = Uap(
    21,
    "2.x",
    (
        _f("I021/010", 2),  # data source identification
        ext("I021/040"),  # target report descriptor
        _f("I021/161", 2),  # track number
        _f("I021/015", 1),  # service identification
        _f("I021/071", 3),  # time of applicability for position
        _f("I021/130", 6),  # position, WGS84
        _f("I021/131", 8),  # position, WGS84, high resolution
        _f("I021/072", 3),  # time of applicability for velocity
        _f("I021/150", 2),  # air speed
        _f("I021/151", 2),  # true air speed
        _f("I021/080", 3),  # target address
        _f("I021/073", 3),  # time of message reception for position
        _f("I021/074", 4),  # ... high precision
        _f("I021/075", 3),  # time of message reception for velocity
        _f("I021/076", 4),  # ... high precision
        _f("I021/140", 2),  # geometric height
        ext("I021/090"),  # quality indicators
        _f("I021/210", 1),  # MOPS version
        _f("I021/070", 2),  # Mode 3/A code
        _f("I021/230", 2),  # roll angle
        _f("I021/145", 2),  # flight level
        _f("I021/152", 2),  # magnetic heading
        _f("I021/200", 1),  # target status
        _f("I021/155", 2),  # barometric vertical rate
        _f("I021/157", 2),  # geometric vertical rate
        _f("I021/160", 4),  # airborne ground vector
        _f("I021/165", 2),  # track angle rate
        _f("I021/077", 3),  # time of report transmission
        _f("I021/170", 6),  # target identification
        _f("I021/020", 1),  # emitter category
        comp("I021/220", _f("WS", 2), _f("WD", 2), _f("TMP", 2), _f("TRB", 1)),
        _f("I021/146", 2),  # selected altitude
        _f("I021/148", 2),  # final state selected altitude
        comp("I021/110", ext("TIS"), rep("TID", 15)),  # trajectory intent
        _f("I021/016", 1),  # service management
        _f("I021/008", 1),  # aircraft operational status
        ext("I021/271"),  # surface capabilities and characteristics
        _f("I021/132", 1),  # message amplitude
        rep("I021/250", 8),  # Mode S MB data
        _f("I021/260", 7),  # ACAS resolution advisory report
        _f("I021/400", 1),  # receiver ID
        comp("I021/295", *_AGES),  # data ages
        None,
        None,
        None,
        None,
        None,
        expl("I021/RE"),
        expl("I021/SP"),
    ),
)

# --------------------------------------------------------------------------- CAT062 1.1x

_I062_380 = comp(
    "I062/380",
    _f("ADR", 3),
    _f("ID", 6),
    _f("MHG", 2),
    _f("IAS", 2),
    _f("TAS", 2),
    _f("SAL", 2),
    _f("FSS", 2),
    ext("TIS"),
    rep("TID", 15),
    _f("COM", 2),
    _f("SAB", 2),
    _f("ACS", 7),
    _f("BVR", 2),
    _f("GVR", 2),
    _f("RAN", 2),
    _f("TAR", 2),
    _f("TAN", 2),
    _f("GSP", 2),
    _f("VUN", 1),
    _f("MET", 8),
    _f("EMC", 1),
    _f("POS", 6),
    _f("GAL", 2),
    _f("PUN", 1),
    rep("MB", 8),
    _f("IAR", 2),
    _f("MAC", 2),
    _f("BPS", 2),
)
_I062_290 = comp(
    "I062/290",
    *(
        _f(s, n)
        for s, n in (
            ("TRK", 1),
            ("PSR", 1),
            ("SSR", 1),
            ("MDS", 1),
            ("ADS", 2),
            ("ES", 1),
            ("VDL", 1),
            ("UAT", 1),
            ("LOP", 1),
            ("MLT", 1),
        )
    ),
)
_I062_295 = comp("I062/295", *(_f(f"age{k}", 1) for k in range(1, 32)))
_I062_390 = comp(
    "I062/390",
    _f("TAG", 2),
    _f("CSN", 7),
    _f("IFI", 4),
    _f("FCT", 1),
    _f("TAC", 4),
    _f("WTC", 1),
    _f("DEP", 4),
    _f("DST", 4),
    _f("RDS", 3),
    _f("CFL", 2),
    _f("CTL", 2),
    rep("TOD", 4),
    _f("AST", 6),
    _f("STS", 1),
    _f("STD", 7),
    _f("STA", 7),
    _f("PEM", 2),
    _f("PEC", 7),
)
_I062_110 = comp(
    "I062/110",
    _f("SUM", 1),
    _f("PMN", 4),
    _f("POS", 6),
    _f("GA", 2),
    _f("EM1", 2),
    _f("TOS", 1),
    _f("XP", 1),
)
_I062_500 = comp(
    "I062/500",
    _f("APC", 4),
    _f("COV", 2),
    _f("APW", 4),
    _f("AGA", 1),
    _f("ABA", 1),
    _f("ATV", 2),
    _f("AA", 2),
    _f("ARC", 1),
)
_I062_340 = comp(
    "I062/340",
    _f("SID", 2),
    _f("POS", 4),
    _f("HEI", 2),
    _f("MDC", 2),
    _f("MDA", 2),
    _f("TYP", 1),
)

CAT062 = Uap(
    62,
    "1.1x",
    (
        _f("I062/010", 2),  # data source identifier
        None,
        _f("I062/015", 1),  # service identification
        _f("I062/070", 3),  # time of track information
        _f("I062/105", 8),  # calculated position, WGS84
        _f("I062/100", 6),  # calculated position, Cartesian
        _f("I062/185", 4),  # calculated track velocity, Cartesian
        _f("I062/210", 2),  # calculated acceleration, Cartesian
        _f("I062/060", 2),  # track Mode 3/A code
        _f("I062/245", 7),  # target identification
        _I062_380,  # aircraft derived data
        _f("I062/040", 2),  # track number
        ext("I062/080"),  # track status
        _I062_290,  # system track update ages
        _f("I062/200", 1),  # mode of movement
        _I062_295,  # track data ages
        _f("I062/136", 2),  # measured flight level
        _f("I062/130", 2),  # calculated track geometric altitude
        _f("I062/135", 2),  # calculated track barometric altitude
        _f("I062/220", 2),  # calculated rate of climb/descent
        _I062_390,  # flight plan related data
        ext("I062/270"),  # target size and orientation
        _f("I062/300", 1),  # vehicle fleet identification
        _I062_110,  # Mode 5 data reports and extended Mode 1 code
        _f("I062/120", 2),  # track Mode 2 code
        ext("I062/510", 3),  # composed track number
        _I062_500,  # estimated accuracies
        _I062_340,  # measured information
        None,
        None,
        None,
        None,
        None,
        expl("I062/RE"),
        expl("I062/SP"),
    ),
)

# --------------------------------------------------------------------------- CAT062 0.17

CAT062_0_17 = Uap(
    62,
    "0.17",
    (
        _f("I062/010", 2),  # data source identifier
        _f("I062/015", 1),  # service identification
        _f("I062/070", 3),  # time of track information
        _f("I062/040", 2),  # track number (15 bits)
        _f("I062/105", 6),  # calculated position, WGS84 (3 + 3 octets, LSB 180/2^23 deg)
        _f("I062/100", 4),  # calculated position, Cartesian (2 + 2 octets, LSB 1/64 NM)
        _f("I062/060", 2),  # track Mode 3/A code
        _f("I062/130", 2),  # calculated track geometric altitude
        _f("I062/135", 2),  # calculated track barometric altitude
        _f("I062/136", 2),  # measured flight level
        _f("I062/180", 4),  # calculated track velocity, polar (0.22 kt, 0.0055 deg)
        _f("I062/200", 1),  # mode of movement
        _f("I062/220", 2),  # calculated rate of climb/descent
        _f("I062/240", 1),  # calculated rate of turn
        _f("I062/210", 2),  # calculated longitudinal acceleration
        ext("I062/080"),  # track status
        comp(
            "I062/290",
            *(
                _f(s, n)
                for s, n in (
                    ("PSR", 1),
                    ("SSR", 1),
                    ("MDA", 1),
                    ("MFL", 1),
                    ("MDS", 1),
                    ("ADS", 2),
                    ("ADB", 1),
                    ("MD1", 1),
                    ("MD2", 1),
                )
            ),
        ),
        comp(
            "I062/340",
            _f("SID", 2),
            _f("POS", 4),
            _f("HEI", 2),
            _f("MDC", 2),
            _f("MDA", 2),
            _f("TYP", 1),
        ),
        comp("I062/380", rep("MB", 8), _f("ADR", 3), _f("ID", 6), _f("COM", 2), _f("ACS", 7)),
        None,  # I062/050 (layout not published with the edition): a record with it stops
        comp(
            "I062/390",
            _f("TAG", 2),
            _f("CSN", 7),
            _f("IFI", 4),
            _f("FCT", 1),
            _f("TAC", 4),
            _f("WTC", 1),
            _f("DEP", 4),
            _f("DST", 4),
            _f("RDS", 3),
            _f("CFL", 2),
            _f("CTL", 2),
            rep("TOD", 4),
            _f("AST", 6),
            _f("STS", 1),
        ),
        _f("I062/110", 1),  # Mode 1 code
        _f("I062/120", 2),  # Mode 2 code
        ext("I062/510", 3),  # composed track number
        None,
        None,
        expl("I062/RE"),
        expl("I062/SP"),
    ),
)

# --------------------------------------------------------------------------- CAT021 0.26

CAT021_0_26 = Uap(
    21,
    "0.26",
    (
        _f("I021/010", 2),  # data source identification
        _f("I021/040", 2),  # target report descriptor (two octets in 0.2x)
        _f("I021/030", 3),  # time of day
        _f("I021/130", 8),  # position, WGS84 (4 + 4 octets, LSB 180/2^25 deg)
        _f("I021/080", 3),  # target address
        _f("I021/140", 2),  # geometric altitude
        _f("I021/090", 2),  # figure of merit
        _f("I021/210", 1),  # link technology indicator
        _f("I021/230", 2),  # roll angle
        _f("I021/145", 2),  # flight level
        _f("I021/150", 2),  # air speed
        _f("I021/151", 2),  # true air speed
        _f("I021/152", 2),  # magnetic heading
        _f("I021/155", 2),  # barometric vertical rate
        _f("I021/157", 2),  # geometric vertical rate
        _f("I021/160", 4),  # ground vector
        ext("I021/165"),  # rate of turn
        _f("I021/170", 6),  # target identification
        _f("I021/095", 1),  # velocity accuracy
        _f("I021/032", 1),  # time of day accuracy
        _f("I021/200", 1),  # target status
        _f("I021/020", 1),  # emitter category
        comp("I021/220", _f("WS", 2), _f("WD", 2), _f("TMP", 2), _f("TRB", 1)),
        _f("I021/146", 2),  # intermediate state selected altitude
        _f("I021/148", 2),  # final state selected altitude
        comp("I021/110", ext("TIS"), rep("TID", 15)),  # trajectory intent
        _f("I021/070", 2),  # Mode 3/A code
        _f("I021/131", 1),  # signal amplitude
        None,
        None,
        None,
        None,
        None,
        expl("I021/RE"),
        expl("I021/SP"),
    ),
)

UAPS: dict[tuple[int, str], Uap] = {
    (48, "1.2x"): CAT048,
    (34, "1.2x"): CAT034,
    (21, "2.x"): CAT021,
    (21, "0.26"): CAT021_0_26,
    (62, "1.1x"): CAT062,
    (62, "0.17"): CAT062_0_17,
}
"""The UAPs by (category, edition family)."""

DEFAULT_EDITIONS: dict[int, str] = {48: "1.2x", 34: "1.2x", 21: "2.x", 62: "1.1x"}
"""The edition read unless the caller names another (``editions={62: "0.17"}``)."""
