"""Standard identity colours, MIL-STD-2525 / APP-6 symbol codes and Cursor-on-Target types.

Identity and its colour. STANAG 1241 (NATO standard identities) defines the seven identities the
identification stage assigns (``pending``, ``unknown``, ``assumed_friend``, ``friend``,
``neutral``, ``suspect``, ``hostile``); MIL-STD-2525C §5.3.1 and APP-6(B) give each a frame
and a fill colour, grouped in four colours: friend and assumed friend **blue** (cyan), hostile
and suspect **red**, neutral **green**, unknown and pending **yellow**. The RGB values are the
standard's "light" fill colours (MIL-STD-2525C Table XIII; the same values as the open
``milsymbol`` library's ``Light`` colour mode): crystal blue (128, 224, 255), salmon
(255, 128, 128), bamboo green (170, 255, 170), light yellow (255, 255, 128). Suspect is drawn
in the hostile colour, as the standards do; some national displays use orange for it, which
the standards do not define.

Symbol codes. A 15-character MIL-STD-2525C symbol identification code (SIDC): coding scheme
``S`` (warfighting), the identity letter (``P`` pending, ``U`` unknown, ``A`` assumed friend,
``F`` friend, ``N`` neutral, ``S`` suspect, ``H`` hostile — 2525C Table I), battle dimension
(``A`` air, ``G`` ground), status ``P`` (present), a six-character function id, and ``-``
for the unused modifier, country and order-of-battle fields. Function ids (2525C Appendix A):
air tracks ``MFF---`` fighter, ``MFQ---`` drone (UAV), ``CF----`` civil fixed wing,
``WM----`` missile in flight (cruise missile), ``WMSS--`` surface-to-surface missile (a
ballistic missile), ``------`` an air track of unknown class; ground: ``ESR---`` radar,
``UCDM--`` missile air defence unit, ``UCD---`` air defence unit (guns, lasers), ``I-----``
installation (a defended asset; ``H`` in the 11th character marks an installation).

Cursor-on-Target types (MITRE CoT, the ``a-`` atoms): ``a-{identity}-{dimension}-{function}``
where the identity letter is the lower-case 2525 letter (``p``, ``u``, ``a``, ``f``, ``n``,
``s``, ``h``) and the function id's letters follow one by one, separated by ``-`` (MITRE's
CoTtypes table derives from 2525B the same way): a hostile drone is ``a-h-A-M-F-Q``, a
hostile ballistic missile ``a-h-A-W-M-S-S``, a neutral airliner ``a-n-A-C-F``, an unknown
air track of unknown class ``a-u-A``.
"""

from __future__ import annotations

from iamd.identify.truth_identity import STANDARD_IDENTITIES

IDENTITY_LETTER: dict[str, str] = {
    "pending": "P",
    "unknown": "U",
    "assumed_friend": "A",
    "friend": "F",
    "neutral": "N",
    "suspect": "S",
    "hostile": "H",
}
"""MIL-STD-2525C standard identity letter (2nd character of the SIDC) of each identity."""

FRIEND_RGB = (128, 224, 255)
HOSTILE_RGB = (255, 128, 128)
NEUTRAL_RGB = (170, 255, 170)
UNKNOWN_RGB = (255, 255, 128)

IDENTITY_RGB: dict[str, tuple[int, int, int]] = {
    "pending": UNKNOWN_RGB,
    "unknown": UNKNOWN_RGB,
    "assumed_friend": FRIEND_RGB,
    "friend": FRIEND_RGB,
    "neutral": NEUTRAL_RGB,
    "suspect": HOSTILE_RGB,
    "hostile": HOSTILE_RGB,
}
"""Fill colour (R, G, B, 0-255) of each standard identity (MIL-STD-2525C, light fill)."""

AIR_FUNCTION: dict[str, str] = {
    "airliner": "CF----",
    "fighter": "MFF---",
    "drone": "MFQ---",
    "cruise_missile": "WM----",
    "ballistic_missile": "WMSS--",
    "": "------",
}
"""MIL-STD-2525C air function id of each class ('' : not classified)."""

RADAR_FUNCTION = "ESR---"
AIR_DEFENCE_MISSILE_FUNCTION = "UCDM--"
AIR_DEFENCE_FUNCTION = "UCD---"
INSTALLATION_FUNCTION = "I-----"

CLASS_RGB: dict[str, tuple[int, int, int]] = {
    "airliner": (160, 160, 160),
    "fighter": (0, 168, 220),
    "drone": (255, 160, 0),
    "cruise_missile": (230, 0, 180),
    "ballistic_missile": (200, 0, 0),
}
"""Colour of each class's truth trajectories (not a standard colour: trajectories are the
truth, not a track, and have no identity)."""


def check_identity(identity: str) -> str:
    """The identity itself if it is a STANAG 1241 identity, else a ``ValueError``."""
    if identity not in IDENTITY_LETTER:
        raise ValueError(f"not a standard identity: {identity!r} (one of {STANDARD_IDENTITIES})")
    return identity


def sidc(identity: str, dimension: str, function: str, *, installation: bool = False) -> str:
    """The 15-character MIL-STD-2525C symbol code.

    >>> sidc("hostile", "A", AIR_FUNCTION["drone"])
    'SHAPMFQ--------'
    >>> sidc("friend", "G", INSTALLATION_FUNCTION, installation=True)
    'SFGPI-----H----'
    """
    letter = IDENTITY_LETTER[check_identity(identity)]
    code = f"S{letter}{dimension}P{function:-<6}" + ("H" if installation else "-") + "----"
    assert len(code) == 15
    return code


def air_sidc(identity: str, cls: str) -> str:
    """The SIDC of an air track of a class ('' : not classified).

    >>> air_sidc("neutral", "airliner")
    'SNAPCF---------'
    """
    return sidc(identity, "A", AIR_FUNCTION.get(cls, AIR_FUNCTION[""]))


def cot_type(code: str) -> str:
    """The Cursor-on-Target type of a SIDC: ``a``, the identity, the dimension, then the
    function id's letters.

    >>> cot_type("SHAPMFQ--------")
    'a-h-A-M-F-Q'
    >>> cot_type("SUAP-----------")
    'a-u-A'
    >>> cot_type("SHAPWMSS-------")
    'a-h-A-W-M-S-S'
    """
    function = code[4:10].rstrip("-")
    return "-".join(["a", code[1].lower(), code[2], *function])


def rgb_hex(rgb: tuple[int, int, int]) -> str:
    """``#rrggbb``.

    >>> rgb_hex(HOSTILE_RGB)
    '#ff8080'
    """
    return "#{:02x}{:02x}{:02x}".format(*rgb)
