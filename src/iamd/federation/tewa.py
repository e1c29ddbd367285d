"""Threat evaluation and weapon assignment in a national node, coordinated on the data link.

Each node cycle, after the federated picture's step, a node runs the engine's engagement stage
(`iamd.engage.stage.EngagementStage`: evaluate, release, envelope, assign; Roux and van Vuuren,
*ORiON* 23(2), 2007) on the **hostile** tracks of its picture (identity ``hostile`` as the
picture shows it) with its **own** fire units, under the scenario's sharing policy
(`iamd.engage.assign.policy_allows`) and rules of engagement. The engine's code is called,
not copied: a track number of the picture is the stage's engagement slot, and the picture's
fused state, class cue and identity are the stage's `Candidates`.

Coordination (J10.2-like, `iamd.federation.engagement.EngagementBoard`): a track the board
shows engaged by any nation is not offered; each assignment the stage makes is declared on
the board with the unit, and a refusal (another nation engages the track) withdraws the shot
(the unit does not fire: its rounds, channel and attempt are given back). A declaration made
in the same cycle as a partner's is resolved by the board when the statuses cross (the
earlier keeps it, ties by roster); the loser's engagement then ends here at its next cycle.

No node simulates kills, so an engagement ends on what the node can see (shoot-look-shoot,
Washburn and Kress, *Combat Modeling*, 2009, §2): when the track leaves the picture
(``dropped``), when the predicted intercept time has passed by :data:`KILL_ASSESSMENT_S`
(``assessed``: the look after the shot; the track, if still hostile in the picture, may be
engaged again, up to the rules' ``max_engagements_per_threat``), or when the board no
longer shows the node engaging it (``ceased``: a conflict lost, a hand-over completed, an
order to cease). The first two publish ``CEASED`` on the board; each frees the unit's fire
channel. Rounds fired stay spent. Every decision is a node event (``tewa_engage``,
``tewa_refused``, ``tewa_end``).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field, replace

import numpy as np
import numpy.typing as npt

from iamd.engage.envelope import EffectorArray
from iamd.engage.shoot import Engagement
from iamd.engage.stage import BALLISTIC, Candidates, EngagementStage, track_path_predictor
from iamd.federation.engagement import EngagementBoard
from iamd.federation.messages import EngageStatus
from iamd.federation.picture import FederatedTracks, FederationEvent
from iamd.identify.truth_identity import STANDARD_IDENTITIES
from iamd.scenario.schema import Scenario
from iamd.sim.engine import LOOKAHEAD_S

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.int64]

HOSTILE = STANDARD_IDENTITIES.index("hostile")
"""Identity code of the tracks a node evaluates."""
KILL_ASSESSMENT_S = 10.0
"""Time after an engagement's predicted intercept at which the node ends it (s): the look
of shoot-look-shoot. The track, if still in the picture and hostile, may then be engaged
again. Five 2 s clock steps: a radar of up to 10 s revisit sees the target at least once
after the intercept (the engine assesses at the intercept itself, on the truth)."""
_ACTIVE = (EngageStatus.ENGAGING, EngageStatus.HANDOVER_OFFER)


@dataclass(frozen=True, slots=True, kw_only=True)
class Shot:
    """One engagement a node started (declared and accepted), for scoring.

    Attributes:
        number: the track number engaged; unit: the own unit's id.
        t_s: scenario time of the decision (s); t_intercept_s: its predicted intercept (s).
        rounds: interceptors fired; cost_usd: their cost (USD).
        end_t_s: scenario time the engagement ended (s; None: still in flight at the end).
        end: why it ended (``dropped``, ``assessed``, ``ceased``; "" while in flight).
    """

    number: int
    unit: str
    t_s: float
    t_intercept_s: float
    rounds: int
    cost_usd: float
    end_t_s: float | None = None
    end: str = ""


@dataclass(slots=True, kw_only=True)
class NodeTewa:
    """A node's threat evaluation and weapon assignment (see the module docstring).

    Attributes:
        nation: the node's nation.
        stage: the engine's engagement stage over the node's units.
        dt_s: the node's cycle (the scenario's clock step, s); intercepts are predicted on
            its grid over ``LOOKAHEAD_S``.
        events: the decisions, in order.
        shots: the engagements started, in order, each with its end once it ended.
    """

    nation: str
    stage: EngagementStage
    dt_s: float
    events: list[FederationEvent] = field(default_factory=list)
    shots: list[Shot] = field(default_factory=list)
    _shot_of: dict[int, int] = field(default_factory=dict)
    """The index in ``shots`` of each engagement in flight, by its sequence number."""
    _slot: dict[int, int] = field(default_factory=dict)
    _number: list[int] = field(default_factory=list)

    @classmethod
    def from_scenario(
        cls,
        scenario: Scenario,
        units: EffectorArray,
        *,
        nation: str,
        zone_of: Callable[[FloatArray], IntArray] | None = None,
    ) -> NodeTewa:
        """The TEWA of ``nation``'s ``units`` under ``scenario``'s policy and rules."""
        stage = EngagementStage.from_scenario(scenario, units, slots=0, zone_of=zone_of)
        return cls(nation=nation, stage=stage, dt_s=float(scenario.time_step_s))

    @property
    def engaging(self) -> dict[int, str]:
        """Track number -> id of the own unit engaging it now. Safe to read from another
        thread (the live view's) while the node's loop steps: the engagements in flight are
        copied in one step (``list`` of a list runs no Python code, so no other thread runs
        during it), and each is frozen."""
        ids = self.stage.units.ids
        in_flight = list(self.stage.state.in_flight)
        return {self._number[e.threat]: ids[e.unit] for e in in_flight}

    def step(self, t_s: float, pic: FederatedTracks, board: EngagementBoard) -> list[Engagement]:
        """One cycle at ``t_s`` on the federated picture ``pic``: end the engagements due,
        then evaluate and assign the hostile tracks nobody engages and declare the shots on
        ``board``; returns the engagements started (declared and accepted)."""
        self._end(t_s, pic, board)
        rows = np.flatnonzero(pic.identity == HOSTILE)
        if len(rows) == 0 or len(self.stage.units) == 0:
            return []
        free = np.array([board.engager(int(n)) is None for n in pic.number[rows]], dtype=bool)
        rows = rows[free]  # a handful of hostile tracks: one board look-up each
        slot = np.array([self._slot_of(int(n)) for n in pic.number[rows]], dtype=np.int64)
        open_ = self.stage.open_slots()[slot]  # no engagement in flight, attempts left
        rows, slot = rows[open_], slot[open_]
        if len(rows) == 0:
            return []
        now6 = pic.state[rows]
        believed = np.where(pic.cls[rows] >= 0, pic.cls[rows], 0).astype(np.int64)
        horizon = max(1, round(LOOKAHEAD_S / self.dt_s))
        t_ahead = self.dt_s * np.arange(1, horizon + 1, dtype=np.float64)
        cands = Candidates(
            slot=slot,
            seen=np.ones((len(self.stage.units), len(rows)), dtype=bool),
            state_ecef=now6,
            believed=believed,
            kill_class=believed,
            identity=pic.identity[rows].astype(np.int8),
            predict=track_path_predictor(now6, believed == BALLISTIC, t_ahead, self.dt_s),
        )
        started = []
        for eng in self.stage.step(t_s, t_s + t_ahead, cands, self.dt_s):  # the cycle's shots
            number = self._number[eng.threat]
            if board.declare(number, unit=eng.unit, t_s=t_s):
                started.append(eng)
                self._shot_of[eng.seq] = len(self.shots)
                self.shots.append(
                    Shot(number=number, unit=self.stage.units.ids[eng.unit], t_s=t_s,
                         t_intercept_s=eng.t_intercept_s, rounds=eng.rounds,
                         cost_usd=eng.cost_usd)
                )  # fmt: skip
                self._event(t_s, "tewa_engage", number, self._describe(eng))
            else:
                self._withdraw(eng)
                other = board.engager(number)
                self._event(
                    t_s,
                    "tewa_refused",
                    number,
                    f"{self.stage.units.ids[eng.unit]} does not fire: engaged by {other}",
                )
        return started

    def _end(self, t_s: float, pic: FederatedTracks, board: EngagementBoard) -> None:
        """End the engagements whose track left the picture, whose intercept time passed by
        the kill-assessment delay, or that the board no longer shows this node engaging."""
        held = set(pic.number.tolist())
        state = self.stage.state
        for eng in list(state.in_flight):  # the engagements in flight: a handful
            number = self._number[eng.threat]
            own = board.status(number)
            if number not in held:
                why = "dropped"
            elif t_s >= eng.t_intercept_s + KILL_ASSESSMENT_S:
                why = "assessed"
            elif own is None or own.status not in _ACTIVE:
                why = "ceased"
            else:
                continue
            if why != "ceased" and own is not None and own.status in _ACTIVE:
                board.cease(number, t_s=t_s)
            state.in_flight.remove(eng)
            state.done.append((eng, why))
            i = self._shot_of.pop(eng.seq)
            self.shots[i] = replace(self.shots[i], end_t_s=t_s, end=why)
            self._event(t_s, "tewa_end", number, f"{self.stage.units.ids[eng.unit]}: {why}")

    def _slot_of(self, number: int) -> int:
        """The engagement slot of track ``number`` (a new one on first sight)."""
        slot = self._slot.get(number)
        if slot is None:
            slot = self._slot[number] = len(self._number)
            self._number.append(number)
            self.stage.state.grow(1)
        return slot

    def _withdraw(self, eng: Engagement) -> None:
        """Undo a shot the board refused: rounds, channel and attempt given back."""
        state = self.stage.state
        state.in_flight.remove(eng)
        state.magazine[eng.unit] += eng.rounds
        state.attempts[eng.threat] -= 1

    def _describe(self, eng: Engagement) -> str:
        u = self.stage.units
        return (
            f"{self.nation} {u.ids[eng.unit]} ({eng.unit}): {eng.rounds} x {u.type[eng.unit]}, "
            f"intercept at {eng.t_intercept_s:.0f} s, range {eng.range_m / 1000:.1f} km"
        )

    def _event(self, t_s: float, kind: str, number: int, detail: str) -> None:
        self.events.append(FederationEvent(t_s=t_s, kind=kind, number=number, detail=detail))
