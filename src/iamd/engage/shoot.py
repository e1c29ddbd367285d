"""First engagement doctrine: the nearest feasible effector shoots, then a Pk draw.

Each step, every threat that may be engaged (in a picture of the unit's nation, identity
allowed by the rules of engagement, permitted by the sharing policy, not already under
engagement) is offered, most urgent first (shortest time to go), to the nearest unit that can
intercept it with rounds and a free fire channel. The unit fires its salvo for the threat's
class; at the intercept time one uniform draw, keyed by the threat and the attempt number,
decides the kill against ``1 - (1 - pk)^rounds``. After a miss the threat may be engaged again
(shoot-look-shoot) up to the rules' limit. Weapon-target assignment proper (cost-aware,
optimal) replaces the choice of unit in a later stage; this is its baseline.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import numpy.typing as npt

from iamd.engage.envelope import EffectorArray, InterceptOptions
from iamd.rng import stream

FloatArray = npt.NDArray[np.float64]
BoolArray = npt.NDArray[np.bool_]
IntArray = npt.NDArray[np.int64]


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

    def choose(
        self,
        t_s: float,
        candidates: IntArray,
        urgency_s: FloatArray,
        class_index: IntArray,
        allowed: BoolArray,
        options: InterceptOptions,
        distance_m: FloatArray,
    ) -> list[Engagement]:
        """Assign units to candidate threats and fire.

        Args:
            candidates: (M,) object indices.
            urgency_s: (M,) time to go of each (smaller first).
            class_index: (M,) class column of each.
            allowed: (U, M) the policy and pictures let the unit engage the threat.
            options: earliest intercepts (U, M).
            distance_m: (U, M) current distance unit-threat (the nearest feasible unit fires).
        """
        units = self.units
        salvo = units.salvo[:, class_index]
        free = self.channels_free()
        fired: list[Engagement] = []
        base_ok = allowed & options.feasible & (salvo >= 1)
        for col in np.argsort(urgency_s, kind="stable"):
            ok = base_ok[:, col] & (self.magazine >= salvo[:, col]) & (free > 0)
            if not ok.any():
                continue
            u = int(np.flatnonzero(ok)[np.argmin(distance_m[ok, col])])
            threat = int(candidates[col])
            rounds = int(salvo[u, col])
            eng = Engagement(
                seq=self._seq,
                unit=u,
                threat=threat,
                attempt=int(self.attempts[threat]),
                t_fire_s=t_s + float(units.reaction_s[u]),
                t_intercept_s=float(options.t_s[u, col]),
                rounds=rounds,
                pk_single=float(units.pk[u, class_index[col]]),
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
