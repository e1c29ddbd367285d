"""Dynamic weapon-target assignment: who fires at what in one clock step, cost-aware and layered.

The engine re-plans every step with what is left: the hostile tracks not under engagement,
the units with a free fire channel and rounds. Each candidate pair (unit u, threat j) that the
sharing policy allows and the envelope makes feasible (`iamd.engage.envelope`) is worth

    s_uj = v_j · min(P_uj, P_req) − λ · c_uj,

the threat's value ``v_j`` (from the threat evaluation, `iamd.engage.threat`: asset value ×
aim probability, plus a base value for a hostile track that threatens no known asset) times
the salvo's kill probability ``P_uj = 1 − (1 − pk)^rounds`` up to the doctrine's required
kill probability ``P_req`` (``required_pk``), less the price of the salvo ``c_uj`` (USD)
weighted by λ (value points per million USD, the doctrine's ``cost_weight_per_musd``; 0 is
cost-blind). The cap is the fire-control notion of a *required* kill probability (kill
assurance): every salvo that meets it is as good as any other, so among those the cheapest
fires — a $4 laser shot rather than a $4 M interceptor at a drone both kill 85–90 % of the
time — while a salvo below it is worth less in proportion. Without the cap a few percent of
Pk on a valuable asset outweighs any price (0.05 × a port's value), and the interceptors a
ballistic missile needs are spent on drones. ``required_pk = 1`` is the plain expected-value
objective. With at most one shooter per threat and step (no
double engagement; a miss is seen and re-engaged the next steps, shoot-look-shoot), the step's
problem — maximise Σ s_uj over the chosen pairs, each unit within its free channels and
rounds, each threat at most once — is a linear assignment with each unit's column repeated
once per free channel, plus one zero-worth "no shooter" column per threat. It is solved
exactly with the Jonker–Volgenant algorithm of ``scipy.optimize.linear_sum_assignment``
(Crouse, "On implementing 2D rectangular assignment algorithms", *IEEE Trans. AES* 52(4),
2016); pairs worth ≤ 0 are never fired (a round that
costs more than the value it saves). This is the dynamic WTA of the "shoot-look-shoot"
family (Hosein and Athans, "Some analytical results for the dynamic weapon-target allocation
problem", MIT LIDS-P-1944, 1990): the value of a shot now is weighed against the rounds it
spends, and the rest is re-decided after the look.

**Layered defence.** A unit that can reach a threat now is not always the one that should:
a $4 M interceptor can meet a slow drone 40 km out, while the $40 k gun or the $4 laser at
the drone's target would get it in the last kilometres. A threat is *held* this step when a
unit that covers its asset at risk (the asset within the unit's maximum range for the
threat's class, allowed by the policy, with rounds for it) would be worth more than the best
pair available now, and the threat's time to go leaves room for that engagement and one
more (``defer_margin_s``); below the margin it is engaged by whatever can reach it. Ballistic
missiles are never held (the engine leaves them out of the hold): each defence tier engages
at its first chance, the upper tier (SM-3) first and the terminal tier (PAC-3) as the
backstop, because a missile minutes from impact leaves no time for a second try later. Holding
for the inner layer and committing the outer one as the threat comes close is the
"engage late with the cheap layer, keep the expensive one as a backstop" doctrine of
layered air defence (Roux and van Vuuren 2007, §5; US Joint Publication 3-01, *Countering
Air and Missile Threats*, 2017, ch. III).

**Reserving missile-defence rounds.** An interceptor that can stop a ballistic missile is the
scarcest round of the theatre: nothing else can do its job, and each one spent on a drone is
one fewer for the missiles that may follow. With ``reserve_bmd`` (the default) such units
engage air-breathing threats only as the last layer, inside ``defer_margin_s`` of their aim
point, by which time the threat's target is clear and the short-range layer has had its
chance — guns such as Gepard are reported highly effective against Shahed drones
(reference §1.7, [R69]), a missile-defence interceptor costs ~100 times the drone.

>>> import numpy as np
>>> plan = assign_step(value=np.array([5.0, 5.0]), pk_salvo=np.array([[0.9, 0.9], [0.85, 0.85]]),
...     cost_usd=np.array([[4.0, 4.0], [4e6, 4e6]]), feasible=np.ones((2, 2), bool),
...     capacity=np.array([1, 2]), future_score=np.full(2, -np.inf),
...     time_to_go_s=np.array([300.0, 300.0]), doctrine=Doctrine())
>>> sorted(zip(plan.unit.tolist(), plan.threat.tolist()))   # laser on one, interceptor on the other
[(0, 0), (1, 1)]
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt
from scipy.optimize import linear_sum_assignment

from iamd.errors import InputError

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.int64]
BoolArray = npt.NDArray[np.bool_]

_INFEASIBLE = 1.0e12
"""Cost of a pair that may not be chosen, in the assignment's matrix (every real pair costs
minus its worth, a few value points; leaving a threat unengaged costs 0)."""


@dataclass(frozen=True, slots=True, kw_only=True)
class Doctrine:
    """The engagement doctrine of the dynamic assignment.

    Attributes:
        cost_weight_per_musd: λ, value points one million USD of rounds is worth (0:
            cost-blind).
        base_threat_value: value of a hostile track that threatens no known asset.
        layered: hold a threat for a unit covering its asset at risk that is worth more
            than what can reach it now, while time allows.
        defer_margin_s: below this time to go a threat is never held (s).
        min_time_to_go_s: no engagement is started later than this before impact (s).
        required_pk: salvo kill probability beyond which a pair is worth no more.
        reserve_bmd: units that can engage ballistic missiles engage air-breathing threats
            only as the last layer (time to go below ``defer_margin_s``).
    """

    cost_weight_per_musd: float = 0.1
    base_threat_value: float = 1.0
    layered: bool = True
    defer_margin_s: float = 90.0
    min_time_to_go_s: float = 0.0
    required_pk: float = 0.8
    reserve_bmd: bool = True

    def __post_init__(self) -> None:
        if not 0.0 < self.required_pk <= 1.0:
            raise InputError(f"Doctrine.required_pk must be in (0, 1] (got {self.required_pk})")
        for name in ("cost_weight_per_musd", "base_threat_value", "defer_margin_s",
                     "min_time_to_go_s"):  # fmt: skip
            value = getattr(self, name)
            if not value >= 0.0:
                raise InputError(f"Doctrine.{name} must be >= 0 (got {value})")


@dataclass(frozen=True, slots=True, kw_only=True)
class StepPlan:
    """The engagements chosen in one step.

    Attributes:
        unit, threat: (k,) the pairs fired: unit index and candidate (column) index.
        score: (k,) their worth ``v · min(P, P_req) − λ c``.
        held: (M,) candidates held for a better unit covering their asset (layered).
    """

    unit: IntArray
    threat: IntArray
    score: FloatArray
    held: BoolArray


def pair_scores(
    value: FloatArray, pk_salvo: FloatArray, cost_usd: FloatArray, doctrine: Doctrine
) -> FloatArray:
    """(U, M) worth ``v_j · min(P_uj, P_req) − λ · c_uj`` of every pair (value points)."""
    p = np.minimum(pk_salvo, doctrine.required_pk)
    return np.asarray(value[None, :] * p - doctrine.cost_weight_per_musd * cost_usd / 1.0e6)


def assign_step(
    *,
    value: FloatArray,
    pk_salvo: FloatArray,
    cost_usd: FloatArray,
    feasible: BoolArray,
    capacity: IntArray,
    future_score: FloatArray,
    time_to_go_s: FloatArray,
    doctrine: Doctrine,
) -> StepPlan:
    """The optimal one-shooter-per-threat assignment of one step (see the module docstring).

    Args:
        value: (M,) threat values (value points).
        pk_salvo: (U, M) kill probability of the unit's salvo at the threat.
        cost_usd: (U, M) price of that salvo.
        feasible: (U, M) the unit may and can engage the threat now (policy, envelope,
            rounds for the salvo).
        capacity: (U,) engagements each unit can start now (free channels, rounds).
        future_score: (M,) the best worth of a unit covering the threat's asset at risk
            (-inf: none), for the layered hold.
        time_to_go_s: (M,) until the threat reaches its aim point (s).
        doctrine: the doctrine.
    """
    u_n, m_n = pk_salvo.shape
    score = np.where(feasible, pair_scores(value, pk_salvo, cost_usd, doctrine), -np.inf)
    best_now = score.max(axis=0) if u_n else np.full(m_n, -np.inf)
    held = np.zeros(m_n, dtype=bool)
    if doctrine.layered:
        held = (future_score > best_now + 1e-9) & (time_to_go_s > doctrine.defer_margin_s)
    late = time_to_go_s < doctrine.min_time_to_go_s
    cols = np.flatnonzero(~held & ~late & (best_now > 0.0))
    cap = np.maximum(np.asarray(capacity, dtype=np.int64), 0)
    empty = StepPlan(unit=np.zeros(0, dtype=np.int64), threat=np.zeros(0, dtype=np.int64),
                     score=np.zeros(0), held=held)  # fmt: skip
    if len(cols) == 0 or cap.sum() == 0:
        return empty
    slot_unit = np.repeat(np.arange(u_n), np.minimum(cap, len(cols)))
    s = score[slot_unit][:, cols].T  # (C, slots)
    c_n = len(cols)
    # each threat may also go unengaged: its own zero-cost "no shooter" column
    cost = np.full((c_n, len(slot_unit) + c_n), _INFEASIBLE)
    cost[:, : len(slot_unit)] = np.where(s > 0.0, -s, _INFEASIBLE)
    cost[np.arange(c_n), len(slot_unit) + np.arange(c_n)] = 0.0
    rows, cc = linear_sum_assignment(cost)
    keep = cc < len(slot_unit)
    keep &= cost[rows, cc] < 0.0
    unit = slot_unit[cc[keep]].astype(np.int64)
    threat = cols[rows[keep]].astype(np.int64)
    worth = s[rows[keep], cc[keep]]
    order = np.lexsort((unit, threat))
    return StepPlan(unit=unit[order], threat=threat[order], score=worth[order], held=held)


def covering_scores(
    value: FloatArray,
    pk_salvo: FloatArray,
    cost_usd: FloatArray,
    covers: BoolArray,
    doctrine: Doctrine,
) -> FloatArray:
    """(M,) best worth of the units that cover each threat's asset at risk (``covers``
    (U, M): the unit may engage the threat, has rounds for it, and the asset lies within its
    reach); -inf where none does."""
    s = np.where(covers, pair_scores(value, pk_salvo, cost_usd, doctrine), -np.inf)
    return np.asarray(s.max(axis=0) if s.shape[0] else np.full(s.shape[1], -np.inf))


@dataclass(frozen=True, slots=True, kw_only=True)
class TierAuthority:
    """Weapons-release authority of one tier beyond the general rules of engagement.

    Attributes:
        kinds: effector kinds of the tier (``interceptor``, ``gun``, ``laser``).
        codes: identity codes (``STANDARD_IDENTITIES`` indices) the tier may engage.
        inside_zones: only tracks inside a protected zone.
    """

    kinds: tuple[str, ...]
    codes: tuple[int, ...]
    inside_zones: bool = True


def release_authority(
    unit_kind: Sequence[str],
    track_code: npt.NDArray[np.int8],
    roe_codes: npt.NDArray[np.int8],
    tiers: Sequence[TierAuthority] = (),
    in_zone: npt.NDArray[np.bool_] | None = None,
) -> npt.NDArray[np.bool_]:
    """(U, M) whether unit u may engage track m under the rules of engagement: its identity is
    one of ``roe_codes`` (``engage_identities``, every unit), or one a tier of the unit's kind
    may engage — inside a protected zone (``in_zone``, (M,)) when the tier says so.

    >>> import numpy as np
    >>> point = TierAuthority(kinds=("gun",), codes=(5,))  # suspect, inside a zone
    >>> release_authority(("interceptor", "gun"), np.array([6, 5, 5], np.int8),
    ...                   np.array([6], np.int8), [point], np.array([False, True, False]))
    array([[ True, False, False],
           [ True,  True, False]])
    """
    code = np.asarray(track_code)
    base = np.isin(code, roe_codes)
    out = np.broadcast_to(base[None, :], (len(unit_kind), len(code))).copy()
    kinds = np.asarray(unit_kind, dtype=str)
    for tier in tiers:
        ok = np.isin(code, tier.codes)
        if tier.inside_zones:
            ok &= np.zeros(len(code), dtype=bool) if in_zone is None else np.asarray(in_zone)
        out |= np.isin(kinds, tier.kinds)[:, None] & ok[None, :]
    return out


def policy_allows(
    policy: str,
    unit_nation: npt.NDArray[np.str_],
    unit_participates: npt.NDArray[np.bool_],
    threatened: npt.NDArray[np.str_],
    participates: dict[str, bool],
) -> npt.NDArray[np.bool_]:
    """(U, M): the sharing policy lets unit u engage threat m, given the nation each threat
    threatens (from the threat evaluation, not the truth).

    ``national`` and ``shared_picture``: a unit engages only threats to its own nation's
    assets or territory; ``integrated``: a participating nation's unit engages any threat to
    a participating nation or to no nation in particular (over the sea), and a
    non-participating nation's unit only threats to its own.
    """
    own = unit_nation[:, None] == threatened[None, :]
    if policy != "integrated":
        return np.asarray(own)
    target_part = np.array(
        [participates.get(str(c), False) or c == "" for c in threatened], dtype=bool
    )
    return np.asarray(own | (unit_participates[:, None] & target_part[None, :]))
