"""Shooting: magazines, fire channels, engagements in flight and the kill draw.

Each step the engine offers the hostile tracks that may be engaged (in a picture of the unit's
nation, identity allowed by the rules of engagement, permitted by the sharing policy, not
already under engagement) with their threat value and time to go (`iamd.engage.threat`);
:meth:`EngagementState.choose` prices every feasible unit-threat pair by the salvo's kill
probability and cost and fires the step's optimal assignment (`iamd.engage.assign`: one
shooter per threat, cost-aware, layered). A unit fires its salvo for the threat's class; at
the intercept time one uniform draw, keyed by the threat and the attempt number, decides the
kill against ``1 - (1 - pk)^rounds`` (Washburn and Kress, *Combat Modeling*, 2009, §2). After
a miss the threat may be engaged again (shoot-look-shoot) up to the rules' limit.

The kill draw uses the Pk against what the object really is (:func:`kill_pk`): a round fired
at a track believed to be a drone that is in fact a light aircraft kills it with the Pk a
civil aircraft deserves, so that a shot at a civil aircraft is never hidden as a miss.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import numpy.typing as npt

from iamd.engage.assign import Doctrine, assign_step, covering_scores
from iamd.engage.envelope import EffectorArray, InterceptOptions, laser_dwell_s
from iamd.rng import stream
from iamd.scenario.catalog import THREAT_CLASSES, ThreatClass

FloatArray = npt.NDArray[np.float64]
_BM = THREAT_CLASSES.index(ThreatClass.BALLISTIC_MISSILE)
_CIVIL = THREAT_CLASSES.index(ThreatClass.AIRLINER)
_AIR_BREATHING = [
    THREAT_CLASSES.index(c)
    for c in (ThreatClass.FIGHTER, ThreatClass.DRONE, ThreatClass.CRUISE_MISSILE)
]
BoolArray = npt.NDArray[np.bool_]
IntArray = npt.NDArray[np.int64]


FIRE_NOW_SLACK_S = 4.0
"""A unit fires now only if its round would meet the threat within its flight (or dwell) time
plus a slack of this much or two clock steps, whichever is longer (s); an intercept further
off is for a later step."""


def fire_now(
    units: EffectorArray, t_s: float, options: InterceptOptions, step_s: float = 2.0
) -> BoolArray:
    """(U, M) pairs whose earliest intercept is one a round launched now flies straight to.

    `iamd.engage.envelope.intercept_options` finds the earliest time a round launched after
    the unit's reaction could meet the threat inside the envelope; when that lies beyond the
    round's own flight time (range / speed, or a laser's dwell), the threat has not entered
    the envelope yet and a real unit waits rather than tie up a fire channel (and its one
    look after a miss) for minutes. The predicted intercepts lie on the clock's grid, so the
    slack is at least two steps (``step_s``).
    """
    rng = np.where(options.feasible, options.range_m, 0.0)
    need = np.where(
        units.is_laser[:, None],
        laser_dwell_s(units.dwell_s[:, None], rng),
        rng / units.speed_m_s[:, None],
    )
    wait = options.t_s - (t_s + units.reaction_s[:, None])
    slack = max(FIRE_NOW_SLACK_S, 2.0 * step_s)
    return np.asarray(options.feasible & (wait <= need + slack))


def kill_pk(pk: FloatArray) -> FloatArray:
    """(U, C) single-shot kill probabilities by the object's true class, from the units'
    catalog ``pk`` (U, C) (classes in the order of ``THREAT_CLASSES``).

    No catalog entry has a Pk against the civil class (``airliner``: airliners, light
    aircraft, gliders, helicopters), because no doctrine aims at one; but a round that reaches
    a civil aircraft destroys it as surely as any air-breathing target. A civil aircraft flies
    straight and level or in gentle turns, carries no countermeasures and is larger on radar
    than a fighter, a drone or a cruise missile, so its Pk is the unit's best figure against
    those three classes (for a Patriot PAC-3 MSE 0.85, its drone figure; for a Skynex burst
    0.8; for a laser its drone figure; 0 for a ballistic-missile-only SM-3, whose kill vehicle
    works outside the atmosphere). A scenario that sets ``pk.airliner`` in
    ``catalog_overrides`` gets that figure instead. Every other class keeps its catalog Pk.

    >>> from iamd.scenario.catalog import THREAT_CLASSES
    >>> pk = np.zeros((1, len(THREAT_CLASSES)))
    >>> pk[0, THREAT_CLASSES.index("fighter")], pk[0, THREAT_CLASSES.index("drone")] = 0.3, 0.8
    >>> float(kill_pk(pk)[0, THREAT_CLASSES.index("airliner")])
    0.8
    """
    out = np.array(pk, dtype=np.float64, copy=True)
    best = out[:, _AIR_BREATHING].max(axis=1) if len(out) else np.zeros(0)
    out[:, _CIVIL] = np.where(out[:, _CIVIL] > 0.0, out[:, _CIVIL], best)
    return out


@dataclass(frozen=True, slots=True, kw_only=True)
class Engagement:
    """One engagement: a salvo of ``rounds`` from ``unit`` at ``threat``."""

    seq: int
    unit: int
    threat: int
    attempt: int
    t_fire_s: float
    t_intercept_s: float
    rounds: int
    pk_single: float
    cost_usd: float
    range_m: float

    @property
    def pk_salvo(self) -> float:
        """Probability that at least one round of the salvo kills."""
        return 1.0 - (1.0 - self.pk_single) ** self.rounds


@dataclass(slots=True)
class EngagementState:
    """Magazines, channels and engagements in flight of U units against N objects."""

    units: EffectorArray
    n: int
    magazine: IntArray = field(init=False)
    in_flight: list[Engagement] = field(default_factory=list)
    done: list[tuple[Engagement, str]] = field(default_factory=list)
    attempts: IntArray = field(init=False)
    _seq: int = 0

    def __post_init__(self) -> None:
        self.magazine = self.units.magazine.copy()
        self.attempts = np.zeros(self.n, dtype=np.int64)

    def grow(self, n: int) -> None:
        """Add ``n`` slots after the ``N`` held, as fresh as those of a new state: no
        attempt yet, no engagement in flight (magazines and channels are per unit and do not
        change). The per-slot arrays (``attempts``) become (N + n,).

        >>> from iamd.engage.envelope import EffectorArray
        >>> none = EffectorArray.of_types([], np.zeros(0), np.zeros(0), np.zeros(0), names=())
        >>> state = EngagementState(units=none, n=1)
        >>> state.attempts[0] = 1
        >>> state.grow(2)
        >>> state.n, state.attempts.tolist()
        (3, [1, 0, 0])
        """
        if n < 0:
            raise ValueError(f"EngagementState.grow: n must be >= 0 (got {n})")
        self.attempts = np.concatenate([self.attempts, np.zeros(n, dtype=np.int64)])
        self.n += n

    def engaged(self) -> BoolArray:
        """(N,) objects with an engagement in flight."""
        out = np.zeros(self.n, dtype=bool)
        for e in self.in_flight:
            out[e.threat] = True
        return out

    def channels_free(self) -> IntArray:
        """(U,) fire channels not guiding an engagement."""
        busy = np.zeros(len(self.units), dtype=np.int64)
        for e in self.in_flight:
            busy[e.unit] += 1
        return self.units.channels - busy

    def rounds_ok(self, class_index: IntArray) -> BoolArray:
        """(U, M) the unit has a salvo for the class (``class_index`` (M,)) and the rounds
        for it left in its magazine."""
        salvo = self.units.salvo[:, class_index]
        return np.asarray((salvo >= 1) & (self.magazine[:, None] >= salvo))

    def can_fire(self, class_index: IntArray) -> BoolArray:
        """(U, M) :meth:`rounds_ok` and a fire channel free: the pairs :meth:`choose` may
        fire (their intercepts are worth computing; no other pair's are read)."""
        return self.rounds_ok(class_index) & (self.channels_free() > 0)[:, None]

    def choose(
        self,
        t_s: float,
        candidates: IntArray,
        class_index: IntArray,
        allowed: BoolArray,
        options: InterceptOptions,
        *,
        value: FloatArray,
        time_to_go_s: FloatArray,
        doctrine: Doctrine,
        covers: BoolArray | None = None,
        kill_class_index: IntArray | None = None,
        step_s: float = 2.0,
    ) -> list[Engagement]:
        """Assign units to candidate threats and fire.

        Args:
            t_s: decision time (the units fire after their reaction time).
            candidates: (M,) object (slot) indices.
            class_index: (M,) the class each is believed to be (salvo, pk for the choice).
            allowed: (U, M) the policy and pictures let the unit engage the threat.
            options: earliest intercepts (U, M).
            value: (M,) threat values; time_to_go_s: (M,) until each reaches its aim.
            doctrine: cost weight and layered hold (`iamd.engage.assign.Doctrine`).
            covers: (U, M) the unit may engage the threat and covers its asset at risk
                (for the layered hold; default: no hold). A ballistic missile is never held:
                every tier engages it at its first chance (upper tier, then the terminal
                tier as the backstop), there is no time to wait for a cheaper one.
            kill_class_index: (M,) the class whose pk decides the kill (default
                ``class_index``; the engine passes the true class of the object), through
                :func:`kill_pk` (a civil aircraft is killed with the unit's best
                air-breathing Pk).
            step_s: the clock step (the grid of the predicted intercepts).
        """
        units = self.units
        m_n = len(candidates)
        salvo = units.salvo[:, class_index]
        pk1 = units.pk[:, class_index]
        pk_salvo = 1.0 - (1.0 - pk1) ** salvo
        cost = salvo * units.cost_per_shot_usd[:, None]
        free = self.channels_free()
        rounds_ok = self.rounds_ok(class_index)
        feasible = allowed & options.feasible & rounds_ok & (free[:, None] > 0)
        feasible &= fire_now(units, t_s, options, step_s)
        if doctrine.reserve_bmd:  # BMD rounds at air-breathing threats: last layer only
            bmd = (units.pk[:, _BM] > 0.0) & (units.max_range_bm_m > 0.0)
            early = (class_index != _BM) & (time_to_go_s > doctrine.defer_margin_s)
            feasible &= ~(bmd[:, None] & early[None, :])
        min_salvo = np.where(feasible, salvo, np.iinfo(np.int64).max).min(axis=1, initial=1 << 62)
        capacity = np.where(
            feasible.any(axis=1), np.minimum(free, self.magazine // np.maximum(min_salvo, 1)), 0
        )
        future = (
            covering_scores(
                value, pk_salvo, cost, covers & rounds_ok & (class_index != _BM)[None, :], doctrine
            )
            if covers is not None
            else np.full(m_n, -np.inf)
        )
        plan = assign_step(
            value=value,
            pk_salvo=pk_salvo,
            cost_usd=cost,
            feasible=feasible,
            capacity=capacity,
            future_score=future,
            time_to_go_s=time_to_go_s,
            doctrine=doctrine,
        )
        kill_cls = class_index if kill_class_index is None else kill_class_index
        pk_kill = kill_pk(units.pk)
        fired: list[Engagement] = []
        for u_i, col_i in zip(plan.unit, plan.threat, strict=True):  # the step's few shots
            u, col = int(u_i), int(col_i)
            rounds = int(salvo[u, col])
            if self.magazine[u] < rounds or free[u] < 1:
                continue
            threat = int(candidates[col])
            eng = Engagement(
                seq=self._seq,
                unit=u,
                threat=threat,
                attempt=int(self.attempts[threat]),
                t_fire_s=t_s + float(units.reaction_s[u]),
                t_intercept_s=float(options.t_s[u, col]),
                rounds=rounds,
                pk_single=float(pk_kill[u, kill_cls[col]]),
                cost_usd=rounds * float(units.cost_per_shot_usd[u]),
                range_m=float(options.range_m[u, col]),
            )
            self._seq += 1
            self.attempts[threat] += 1
            self.magazine[u] -= rounds
            free[u] -= 1
            self.in_flight.append(eng)
            fired.append(eng)
        return fired

    def resolve(
        self, t_end_s: float, alive: BoolArray, seed: int, threat_ids: list[str]
    ) -> list[tuple[Engagement, bool]]:
        """Engagements whose intercept time falls before ``t_end_s``, in time order.

        Each draws its kill; a threat killed earlier in the same step is not killed twice.
        ``alive`` is updated in place. Returns ``(engagement, killed)`` pairs.
        """
        due = sorted(
            (e for e in self.in_flight if e.t_intercept_s < t_end_s),
            key=lambda e: (e.t_intercept_s, e.seq),
        )
        out: list[tuple[Engagement, bool]] = []
        for e in due:
            self.in_flight.remove(e)
            draw = stream(seed, "kill", threat_ids[e.threat], e.attempt).random()
            killed = bool(alive[e.threat]) and draw < e.pk_salvo
            if killed:
                alive[e.threat] = False
            self.done.append((e, "kill" if killed else "miss"))
            out.append((e, killed))
        return out

    def abandon(self, threat: int) -> list[Engagement]:
        """Drop the engagements of a threat that impacted or landed first."""
        gone = [e for e in self.in_flight if e.threat == threat]
        for e in gone:
            self.in_flight.remove(e)
            self.done.append((e, "too_late"))
        return gone
