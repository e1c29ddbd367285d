"""STANAG 1241 standard identity of tracks from class probabilities, cooperative replies and rules.

What it models
--------------
NATO STANAG 1241 (APP-6) standard identities: ``pending``, ``unknown``, ``assumed_friend``,
``friend``, ``neutral``, ``suspect``, ``hostile``. The rules below are evaluated for all tracks at
once; for each track the first rule that applies sets the identity, then the civil-aircraft
guard caps it:

=====  ==============  ===========================================================================
rule   identity        condition
=====  ==============  ===========================================================================
R1     friend          a valid allied IFF reply (Mode 5)
R2     pending         track younger than ``min_age_s`` (not yet evaluated)
R3     neutral         valid transponder, airliner the most likely class, on an airway
R4     hostile         ballistic kinematics (faster than 600 m/s, no lift) from a launch area,
                       ballistic the most likely class, no transponder
R5     hostile         the hostile classes (drone, cruise missile, ballistic missile) together
                       ≥ ``hostile_p``, no transponder reply of any kind (a threat whose kind
                       is uncertain — drone or cruise missile — is no less hostile)
R6     suspect         hostile classes together ≥ ``suspect_p``
R7     neutral         a valid transponder and airliner the most likely class (off airway)
R8     assumed_friend  a valid transponder, fighter the most likely class, first seen over
                       friendly territory
R9     neutral         no transponder but airliner probability ≥ ``civil_p`` (kinematics alone)
R10    unknown         anything else
G      (cap)           a track whose airliner probability is ≥ ``airliner_guard_p``, or with any
                       valid transponder, is never hostile: R4/R5 become ``suspect``
=====  ==============  ===========================================================================

Hostile therefore needs high confidence that the track is a threat (of whichever kind) *and*
silence on every cooperative channel; a civil airliner (by class probability or by
transponder) is at most ``suspect``.
The evidence string of each track names the rule that fired and the top probabilities, e.g.
``R5 hostile: p(hostile classes)=0.999 >= 0.95, no transponder/IFF | drone 0.998, airliner
0.001``.

>>> import numpy as np
>>> p = np.array([[0.97, 0.01, 0.01, 0.005, 0.005], [0.0, 0.0, 0.99, 0.01, 0.0]])
>>> codes, why = standard_identity(p, squawk=np.array([True, False]),
...                                iff=np.array([False, False]), age_s=np.array([60.0, 60.0]),
...                                on_airway=np.array([True, False]))
>>> identity_names(codes).tolist()
['neutral', 'hostile']
>>> why[0].split(" | ")[0]
'R3 neutral: squawking airliner on an airway'
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import numpy.typing as npt

from iamd.identify.classifier import CLASSES
from iamd.identify.features import (
    NATO_COUNTRIES,
    Features,
    ballistic_signature,
    from_launch_area,
    on_airway,
    transponder_valid,
)
from iamd.identify.truth_identity import STANDARD_IDENTITIES

FloatArray = npt.NDArray[np.float64]
BoolArray = npt.NDArray[np.bool_]
CodeArray = npt.NDArray[np.int8]
StrArray = npt.NDArray[np.str_]

PENDING, UNKNOWN, ASSUMED_FRIEND, FRIEND, NEUTRAL, SUSPECT, HOSTILE = range(7)
"""Identity codes: indices into ``STANDARD_IDENTITIES``."""
_AIRLINER, _FIGHTER, _DRONE, _CM, _BM = range(5)
_HOSTILE_CLASSES = [_DRONE, _CM, _BM]
_RULE_CODES = np.array(
    [UNKNOWN, FRIEND, PENDING, NEUTRAL, HOSTILE, HOSTILE, SUSPECT, NEUTRAL, ASSUMED_FRIEND,
     NEUTRAL, UNKNOWN],
    dtype=np.int8,
)  # fmt: skip
"""Identity code of each rule number (index 0 unused)."""


@dataclass(frozen=True, slots=True, kw_only=True)
class IdentityRules:
    """Thresholds of the rules (probabilities are calibrated class probabilities).

    Attributes:
        min_age_s: tracks younger than this are ``pending`` (s).
        hostile_p: the hostile classes together need at least this probability for
            ``hostile`` (R5).
        suspect_p: the hostile classes together need this for ``suspect`` (R6).
        airliner_guard_p: an airliner probability at or above this forbids ``hostile`` (G).
            0.01: at 0.02, two light aircraft flying with their transponder off at drone
            speed and height, with a low RCS estimate, were hostile in 6,000 simulated tracks
            (p(airliner) 0.016 and 0.018); at 0.01 none is, and every drone still becomes
            hostile (`benchmarks/identify`, ``--only guard``).
        civil_p: airliner probability for ``neutral`` on kinematics alone (R9).
        max_stale_s: a track without a plot for longer than this is not re-identified: it
            keeps the identity it had (s). Its state is an extrapolation — coasting below a
            radar's cover, or flung off by a late plot into a gate grown during the coast —
            and features of an extrapolation are not evidence (two scans of a 10 s radar).
        reacquire_updates: after a gap of more than ``max_stale_s`` without a plot, a track
            keeps its identity until this many updates have followed the gap. The gate of a
            track that coasted has grown, and the first plot in it may be another object's
            (seen in the engine: a landing airliner's track, coasting 38 s below the radars'
            cover, took a plot 17 km away and was flung to 855 m/s at 16 km): one plot must
            not re-identify it.
    """

    min_age_s: float = 6.0
    hostile_p: float = 0.95
    suspect_p: float = 0.5
    airliner_guard_p: float = 0.01
    civil_p: float = 0.9
    max_stale_s: float = 20.0
    reacquire_updates: int = 3


def standard_identity(
    probabilities: FloatArray,
    *,
    squawk: BoolArray,
    iff: BoolArray,
    age_s: FloatArray,
    transponder_ok: BoolArray | None = None,
    on_airway: BoolArray | None = None,
    ballistic: BoolArray | None = None,
    launch_area: BoolArray | None = None,
    friendly_origin: BoolArray | None = None,
    rules: IdentityRules | None = None,
) -> tuple[CodeArray, StrArray]:
    """Standard identity codes (n,) and evidence strings (n,) of n tracks.

    Args:
        probabilities: (n, 5) class probabilities, columns in ``CLASSES`` order.
        squawk: (n,) any transponder reply (ADS-B, Mode S, Mode 3/A) is associated.
        iff: (n,) a valid allied IFF reply is associated.
        age_s: (n,) time since first detection (s).
        transponder_ok: (n,) the transponder reply is consistent with the track (default:
            ``squawk``); a reply that is not counts as no valid transponder but still
            forbids R4 and R5.
        on_airway: (n,) within an airway (default: False).
        ballistic: (n,) ballistic kinematics (default: False).
        launch_area: (n,) first detected in a launch area (default: False).
        friendly_origin: (n,) first detected over friendly territory (default: False).
        rules: thresholds (default :class:`IdentityRules`).

    Returns:
        ``codes`` (n,) int8 indices into ``STANDARD_IDENTITIES`` and ``evidence`` (n,) str.
        :func:`identity_codes` gives the codes and rule numbers without the strings (the
        strings cost ~10× more than the rules; build them only for tracks whose identity
        changed, with :func:`evidence_strings`).
    """
    r = IdentityRules() if rules is None else rules
    codes, rule, capped = identity_codes(
        probabilities,
        squawk=squawk,
        iff=iff,
        age_s=age_s,
        transponder_ok=transponder_ok,
        on_airway=on_airway,
        ballistic=ballistic,
        launch_area=launch_area,
        friendly_origin=friendly_origin,
        rules=r,
    )
    sq = np.asarray(squawk, dtype=bool).reshape(-1)
    tok = sq if transponder_ok is None else np.asarray(transponder_ok, dtype=bool) & sq
    why = evidence_strings(rule, capped, probabilities, age_s=age_s, transponder_ok=tok, rules=r)
    return codes, why


def identity_codes(
    probabilities: FloatArray,
    *,
    squawk: BoolArray,
    iff: BoolArray,
    age_s: FloatArray,
    transponder_ok: BoolArray | None = None,
    on_airway: BoolArray | None = None,
    ballistic: BoolArray | None = None,
    launch_area: BoolArray | None = None,
    friendly_origin: BoolArray | None = None,
    rules: IdentityRules | None = None,
) -> tuple[CodeArray, npt.NDArray[np.int8], BoolArray]:
    """The rules of :func:`standard_identity` without evidence strings.

    Returns:
        ``codes`` (n,) int8 identity codes, ``rule`` (n,) int8 rule numbers (1..10, as R1..R10)
        and ``capped`` (n,) whether the civil-aircraft guard G turned a hostile into suspect.
    """
    r = IdentityRules() if rules is None else rules
    p = np.asarray(probabilities, dtype=np.float64)
    n = p.shape[0]

    def flag(a: BoolArray | None, default: BoolArray | bool = False) -> BoolArray:
        if a is None:
            return np.broadcast_to(np.asarray(default, dtype=bool), (n,)).copy()
        return np.asarray(a, dtype=bool).reshape(n)

    sq = flag(squawk)
    ff = flag(iff)
    tok = flag(transponder_ok, sq) & sq
    age = np.asarray(age_s, dtype=np.float64).reshape(n)
    top = p.argmax(axis=1) if n else np.zeros(0, dtype=np.int64)
    p_air = p[:, _AIRLINER]
    hostile_cls = p[:, _HOSTILE_CLASSES]
    p_hostile = hostile_cls.sum(axis=1)
    guard = (p_air >= r.airliner_guard_p) | tok
    conds = [
        ff,
        age < r.min_age_s,
        tok & (top == _AIRLINER) & flag(on_airway),
        flag(ballistic) & flag(launch_area) & (top == _BM) & ~sq,
        (p_hostile >= r.hostile_p) & ~sq,
        p_hostile >= r.suspect_p,
        tok & (top == _AIRLINER),
        tok & (top == _FIGHTER) & flag(friendly_origin),
        ~sq & (p_air >= r.civil_p),
    ]
    rule = np.select(conds, list(range(1, len(conds) + 1)), default=len(conds) + 1)
    code = _RULE_CODES[rule]
    capped = (code == HOSTILE) & guard
    code = np.where(capped, np.int8(SUSPECT), code).astype(np.int8)
    return code, rule.astype(np.int8), np.asarray(capped)


def evidence_strings(
    rule: npt.ArrayLike,
    capped: BoolArray,
    probabilities: FloatArray,
    *,
    age_s: FloatArray,
    transponder_ok: BoolArray,
    rules: IdentityRules | None = None,
) -> StrArray:
    """Evidence (n,) for rule numbers from :func:`identity_codes`: the rule, its values, the cap
    if any, and the two most likely classes."""
    r = IdentityRules() if rules is None else rules
    p = np.asarray(probabilities, dtype=np.float64)
    rl = np.asarray(rule, dtype=np.int64)
    n = p.shape[0]
    why = np.zeros(n, dtype="<U160")
    fixed = {
        1: "R1 friend: answers allied IFF",
        3: "R3 neutral: squawking airliner on an airway",
        4: "R4 hostile: ballistic trajectory from a launch area, no transponder",
        7: "R7 neutral: valid transponder, airliner class, off airway",
        8: "R8 assumed_friend: valid transponder, fighter class, friendly origin",
        10: "R10 unknown: no rule applies",
    }
    for k, text in fixed.items():
        why[rl == k] = text
    m = np.flatnonzero(rl == 2)
    if len(m):
        why[m] = _cat("R2 pending: age ", _fmt_age(np.asarray(age_s)[m]), f" s < {r.min_age_s:g} s")
    m = np.flatnonzero(rl == 5)
    if len(m):
        p_hostile = _fmt3(p[m][:, _HOSTILE_CLASSES].sum(axis=1))
        why[m] = _cat("R5 hostile: p(hostile classes)=", p_hostile,
                      f" >= {r.hostile_p:g}, no transponder/IFF")  # fmt: skip
    m = np.flatnonzero(rl == 6)
    if len(m):
        p_hostile = _fmt3(p[m][:, _HOSTILE_CLASSES].sum(axis=1))
        why[m] = _cat("R6 suspect: p(hostile classes)=", p_hostile, f" >= {r.suspect_p:g}")
    m = np.flatnonzero(rl == 9)
    if len(m):
        why[m] = _cat("R9 neutral: no transponder, p(airliner)=", _fmt3(p[m, _AIRLINER]),
                      f" >= {r.civil_p:g}")  # fmt: skip
    cap = np.asarray(capped, dtype=bool)
    tok = np.asarray(transponder_ok, dtype=bool)
    m = np.flatnonzero(cap & tok)
    if len(m):
        why[m] = _cat(why[m], "; G capped at suspect: valid transponder")
    m = np.flatnonzero(cap & ~tok)
    if len(m):
        why[m] = _cat(why[m], "; G capped at suspect: p(airliner)=", _fmt3(p[m, _AIRLINER]),
                      f" >= {r.airliner_guard_p:g}")  # fmt: skip
    return _cat(why, " | ", _top_probabilities(p))


def identity_from_features(
    probabilities: FloatArray,
    features: Features,
    *,
    rules: IdentityRules | None = None,
    friendly: frozenset[str] = NATO_COUNTRIES,
) -> tuple[CodeArray, StrArray]:
    """:func:`standard_identity` with the cooperative and geographic inputs taken from features
    (:func:`rule_inputs`)."""
    return standard_identity(probabilities, **rule_inputs(features, friendly), rules=rules)


def rule_inputs(features: Features, friendly: frozenset[str] = NATO_COUNTRIES) -> dict[str, Any]:
    """The keyword inputs of :func:`standard_identity` / :func:`identity_codes` from features.

    Transponder consistency, airway, ballistic signature, launch area and friendly origin are
    those of :mod:`iamd.identify.features` (``transponder_valid``, ``on_airway``,
    ``ballistic_signature``, ``from_launch_area``).
    """
    return {
        "squawk": features.squawk > 0.5,
        "iff": features.iff > 0.5,
        "age_s": features.age_s,
        "transponder_ok": transponder_valid(features),
        "on_airway": on_airway(features),
        "ballistic": ballistic_signature(features),
        "launch_area": from_launch_area(features, friendly),
        "friendly_origin": np.isin(features.origin_country, list(friendly)),
    }


def identity_names(codes: npt.ArrayLike) -> StrArray:
    """Lower-case STANAG 1241 words of identity codes (any shape).

    >>> identity_names([0, 6]).tolist()
    ['pending', 'hostile']
    """
    return np.asarray(STANDARD_IDENTITIES)[np.asarray(codes, dtype=np.int64)]


# --------------------------------------------------------------------------- private helpers


def _cat(*parts: object) -> StrArray:
    """Element-wise concatenation of strings and string arrays."""
    out: object = parts[0]
    for part in parts[1:]:
        out = np.strings.add(out, part)  # type: ignore[call-overload]
    return np.asarray(out, dtype=str)


def _top_probabilities(p: FloatArray, k: int = 2) -> StrArray:
    """``'drone 0.998, airliner 0.001'``: the k largest probabilities of each row."""
    n = p.shape[0]
    if n == 0:
        return np.zeros(0, dtype=str)
    order = np.argsort(-p, axis=1, kind="stable")[:, :k]
    names = np.asarray(CLASSES)
    out = np.zeros(n, dtype=str)
    for j in range(k):
        c = order[:, j]
        part = _cat(names[c], " ", _fmt3(p[np.arange(n), c]))
        out = part if j == 0 else _cat(out, ", ", part)
    return np.asarray(out, dtype=str)


_LUT3 = np.array([f"{i / 1000:.3f}" for i in range(1001)])
_LUT_AGE = np.array([f"{i / 10:.1f}" for i in range(10000)])


def _fmt3(x: FloatArray) -> StrArray:
    """Values in [0, 1] as 3-decimal strings, by table lookup (``astype(str)`` is ~1 µs each)."""
    i = np.clip(np.rint(np.nan_to_num(np.asarray(x) * 1000.0)), 0, 1000).astype(np.int64)
    return np.asarray(_LUT3[i])


def _fmt_age(x: FloatArray) -> StrArray:
    """Ages as 1-decimal strings (0.0 to 999.9 s; larger ages show 999.9)."""
    i = np.clip(np.rint(np.nan_to_num(np.asarray(x) * 10.0)), 0, 9999).astype(np.int64)
    return np.asarray(_LUT_AGE[i])
