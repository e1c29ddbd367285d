"""The engagement stage of one clock step: evaluate, release, envelope, assign, fire.

The picture (truth or sensed, `iamd.sim.pictures`) offers the tracks that may be engaged as
:class:`Candidates`; :meth:`EngagementStage.step` then runs the roles of threat evaluation
and weapon assignment in their textbook order (Roux and van Vuuren, "Threat evaluation and
weapon assignment decision support: a review of the state of the art", *ORiON* 23(2), 2007):

1. **evaluate** (`iamd.engage.threat`): each track's asset at risk, aim probability, value
   and time to go, and the nation it threatens;
2. **release**: the sharing policy (`iamd.engage.assign.policy_allows`: whose units may
   engage a threat to whom) and, on a sensed picture, the rules of engagement on the
   track's identity with the tiers' extra authority (`release_authority`);
3. **envelope** (`iamd.engage.envelope`): each allowed pair's earliest intercept on the
   predicted path, and which units cover each threat's course (the layered hold);
4. **assign and fire** (`iamd.engage.shoot.EngagementState.choose`): the step's cost-aware,
   layered assignment, the salvos fired, magazines and channels spent.

The stage keeps the engagements in flight (``state``); the engine resolves those due each
step and tells the picture which track was shot at.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

import numpy as np
import numpy.typing as npt

from iamd.engage.assign import Doctrine, TierAuthority, policy_allows, release_authority
from iamd.engage.envelope import EffectorArray, covers_course, intercept_options
from iamd.engage.shoot import Engagement, EngagementState
from iamd.engage.threat import (
    DefendedAssets,
    ThreatEvaluation,
    evaluate_threats,
    threatened_nation,
)
from iamd.identify.truth_identity import STANDARD_IDENTITIES
from iamd.scenario.catalog import THREAT_CLASSES, ThreatClass
from iamd.scenario.schema import Scenario
from iamd.sense.radar import approx_height_m
from iamd.track.predict import predict_positions

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.int64]
BoolArray = npt.NDArray[np.bool_]
CodeArray = npt.NDArray[np.int8]

BALLISTIC = THREAT_CLASSES.index(ThreatClass.BALLISTIC_MISSILE)
"""Column of the ballistic-missile class in class-indexed arrays."""


@dataclass(frozen=True, slots=True, kw_only=True)
class Prediction:
    """Predicted paths of C candidates over the look-ahead window's H clock steps.

    Attributes:
        pos_ecef_m: (C, H, 3) positions (m).
        alt_m: (C, H) heights above the ellipsoid (m).
        present: (C, H) the threat is still in the air (not yet at its aim point).
    """

    pos_ecef_m: FloatArray
    alt_m: FloatArray
    present: BoolArray


PredictFn = Callable[[ThreatEvaluation], Prediction]
"""The picture's prediction of its candidates' paths, given their threat evaluation."""


def track_path_predictor(
    state6: FloatArray, ballistic: BoolArray, t_ahead_s: FloatArray, step_s: float
) -> PredictFn:
    """The prediction of tracked candidates from their estimated states ``state6`` (C, 6,
    ECEF) over ``t_ahead_s`` (H,) s ahead: ballistic free flight where ``ballistic``, else
    straight on (`iamd.track.predict.predict_positions`), while above the ground and not
    past the evaluation's time to go by more than a clock step ``step_s`` (a straight-line
    prediction flies on past the target, and no intercept is offered there). Used by every
    picture that engages on tracks: the engine's sensed picture and a federation node's."""

    def predict(evaluation: ThreatEvaluation) -> Prediction:
        pred = predict_positions(state6, ballistic, t_ahead_s)
        alt = approx_height_m(pred)
        present = np.logical_and.accumulate(alt > 0.0, axis=1)
        present &= t_ahead_s[None, :] <= evaluation.time_to_go_s[:, None] + step_s
        return Prediction(pos_ecef_m=pred, alt_m=alt, present=present)

    return predict


@dataclass(frozen=True, slots=True, kw_only=True)
class Candidates:
    """The C tracks a picture offers to the engagement stage in one step (U units).

    Attributes:
        slot: (C,) engagement slot of each: the object it follows, or the false-track slot.
        seen: (U, C) the unit's picture holds the track.
        state_ecef: (C, 6) ECEF position (m) and velocity (m/s) of the track.
        believed: (C,) index into ``THREAT_CLASSES`` of the class the picture believes.
        kill_class: (C,) the class whose kill probability decides a shot's effect (the
            object's true class; the believed one for a false track).
        identity: (C,) STANDARD_IDENTITIES codes, checked against the rules of engagement
            and the tiers' authority; None when the picture offers only tracks the general
            rules already allow (the truth picture).
        predict: the picture's predicted paths over the look-ahead window.
    """

    slot: IntArray
    seen: BoolArray
    state_ecef: FloatArray
    believed: IntArray
    kill_class: IntArray
    identity: CodeArray | None
    predict: PredictFn


@dataclass(slots=True, kw_only=True)
class EngagementStage:
    """The engagement stage of a run: who may shoot at what, and the engagements in flight.

    Attributes:
        units: the effectors.
        state: magazines, channels, attempts and engagements in flight (N slots).
        doctrine: cost weight, layered hold, BMD reserve, required Pk.
        defended: the defended assets (threat evaluation).
        policy: the sharing policy (``national``, ``shared_picture``, ``integrated``).
        nation_codes: every nation of the scenario, in order.
        participates: whether each nation takes part in integrated defence.
        roe_codes: identity codes every unit may engage (``engage_identities``).
        tiers: extra authority of some effector kinds.
        zone_of: ECEF positions (M, 3) -> protected zone index (-1: none), for the tiers
            limited to protected zones.
        max_attempts: engagements per threat (1 without shoot-look-shoot).
    """

    units: EffectorArray
    state: EngagementState
    doctrine: Doctrine
    defended: DefendedAssets
    policy: str
    nation_codes: list[str]
    participates: dict[str, bool]
    roe_codes: CodeArray
    tiers: Sequence[TierAuthority] = ()
    zone_of: Callable[[FloatArray], IntArray] | None = None
    max_attempts: int = 1
    unit_nation: npt.NDArray[np.str_] = field(init=False)
    unit_participates: BoolArray = field(init=False)

    def __post_init__(self) -> None:
        self.unit_nation = np.array(self.units.nation, dtype=str)
        self.unit_participates = np.array(
            [self.participates[u] for u in self.units.nation], dtype=bool
        )

    @classmethod
    def from_scenario(
        cls,
        scenario: Scenario,
        units: EffectorArray,
        slots: int,
        zone_of: Callable[[FloatArray], IntArray] | None = None,
    ) -> EngagementStage:
        """The stage of ``scenario``'s rules of engagement and doctrine, for ``slots``
        engagement slots (the objects, plus one for false tracks on a sensed picture)."""
        roe = scenario.rules_of_engagement
        tiers = [
            TierAuthority(
                kinds=tuple(tr.kinds),
                codes=tuple(STANDARD_IDENTITIES.index(w) for w in tr.identities),
                inside_zones=tr.inside_protected_zones,
            )
            for tr in roe.tiers
        ]
        return cls(
            units=units,
            state=EngagementState(units=units, n=slots),
            doctrine=Doctrine(
                cost_weight_per_musd=roe.cost_weight_per_musd,
                base_threat_value=roe.base_threat_value,
                layered=roe.layered_defence,
                defer_margin_s=roe.defer_margin_s,
                min_time_to_go_s=roe.min_time_to_go_s,
                required_pk=roe.required_pk,
                reserve_bmd=roe.reserve_bmd,
            ),
            defended=DefendedAssets.from_assets(scenario.assets),
            policy=scenario.policy.value,
            nation_codes=[nat.code for nat in scenario.nations],
            participates={nat.code: nat.participates for nat in scenario.nations},
            roe_codes=np.array(
                [STANDARD_IDENTITIES.index(r) for r in sorted(roe.engage_identities)],
                dtype=np.int8,
            ),
            tiers=tiers,
            zone_of=zone_of,
            max_attempts=roe.max_engagements_per_threat if roe.shoot_look_shoot else 1,
        )

    @property
    def engageable_codes(self) -> CodeArray:
        """Identity codes some unit may engage (the general rules or a tier)."""
        tier_codes = np.array([c for t in self.tiers for c in t.codes], dtype=np.int8)
        return np.union1d(self.roe_codes, tier_codes).astype(np.int8)

    def open_slots(self) -> BoolArray:
        """(N,) slots that may be offered: no engagement in flight, attempts left."""
        return ~self.state.engaged() & (self.state.attempts < self.max_attempts)

    def step(
        self, t_s: float, t_window_s: FloatArray, cands: Candidates, step_s: float
    ) -> list[Engagement]:
        """Evaluate, release, envelope and assign the step's candidates; returns the
        engagements fired (decided at ``t_s``, intercepts on the grid ``t_window_s``)."""
        if len(cands.slot) == 0 or len(self.units) == 0:
            return []
        units = self.units
        now6 = cands.state_ecef
        bm_c = cands.believed == BALLISTIC
        evaluation = evaluate_threats(now6, bm_c, self.defended)
        threatened = threatened_nation(evaluation, self.defended, now6, self.nation_codes)
        allowed = cands.seen & policy_allows(
            self.policy, self.unit_nation, self.unit_participates, threatened, self.participates
        )
        if cands.identity is not None:
            in_zone = (
                self.zone_of(now6[:, :3]) >= 0 if self.tiers and self.zone_of is not None else None
            )
            allowed &= release_authority(
                units.kind, cands.identity, self.roe_codes, self.tiers, in_zone
            )
        if not allowed.any():
            return []
        pred = cands.predict(evaluation)
        opts = intercept_options(
            units,
            t_s + units.reaction_s,
            t_window_s,
            pred.pos_ecef_m,
            pred.alt_m,
            pred.present,
            cands.believed,
            bm_c,
            allowed & self.state.can_fire(cands.believed),  # no other pair is read
        )
        reach = np.where(bm_c[None, :], units.max_range_bm_m[:, None],
                         units.max_range_m[:, None])  # fmt: skip
        covers = allowed & covers_course(units, evaluation, now6, bm_c, reach)
        return self.state.choose(
            t_s,
            cands.slot,
            cands.believed,
            allowed,
            opts,
            value=evaluation.value + self.doctrine.base_threat_value,
            time_to_go_s=evaluation.time_to_go_s,
            doctrine=self.doctrine,
            covers=covers,
            kill_class_index=cands.kill_class,
            step_s=step_s,
        )
