"""STANAG 1241 standard identity as an evidence judgement: ``hostile`` only on ID criteria.

What it models
--------------
NATO STANAG 1241 (APP-6) standard identities: ``pending``, ``unknown``, ``assumed_friend``,
``friend``, ``neutral``, ``suspect``, ``hostile``. Real air defence declares a track hostile on
*identification criteria* — point of origin, airspace control measures, behaviour no civil
aircraft shows, a hostile act, or a declaration by the identification authority — never on a
classifier's score (HPCR *Manual on International Law Applicable to Air and Missile Warfare*,
2009, Rule 40 and its commentary; the shoot-downs of Iran Air 655 in 1988 and of PS752 in 2020,
and the Patriot–Tornado fratricide of 2003, each followed a wrong identity). Published radar
track classifiers score 80–95 % on real data (Jochumsen et al. 2016: 79.7 %), good enough to
*cue* an operator, never to be the sole basis for ``hostile``. So the classifier's class
probabilities here are a cue, recorded in the evidence, and ``hostile`` needs one of five
criteria, each over several consistent updates and with no cooperative reply:

=====  =========================================================================================
H1     declared hostile by the identification authority (an :class:`~iamd.identify.airspace.
       Airspace` declaration: a visual identification, a scripted decision)
H2     *ballistic proof*: free-fall kinematics (faster than ``ballistic_min_speed_m_s`` and no
       lift above ``ballistic_max_lift_m_s2``; :func:`~iamd.identify.features.ballistic_signature`)
       from a launch area, hostile territory or first seen above ``beyond_cover_alt_m``, and a
       cue that does not call it an aircraft
H3     *outside the civil envelope*: faster than any airliner (``civil_max_speed_m_s``), or fast
       and very low (faster than ``civil_low_max_speed_m_s`` below ``civil_low_alt_m``: below
       10,000 ft civil aircraft keep to 250 kt indicated, ICAO Doc 4444 / SERA.6001, and fly
       approaches at a third of that; very low is below 500 m, where cruise missiles fly and
       a military jet at 400 kt on a carrier approach does not), with a cue that does not
       call it civil
H4     *origin and intent*: first detected over hostile territory or in a declared launch area
       (below its ceiling), and closing on a defended asset (heading within
       ``arccos(closing_share)`` of it, there within ``closing_time_s``), and not correlated
       with a filed flight plan (:meth:`~iamd.identify.airspace.Airspace.correlate`)
H5     *an act in a protected zone*: silent inside a declared prohibited zone
=====  =========================================================================================

H2–H5 also require the track to be outside every safe-passage corridor (H4, H3) and silent on
every cooperative channel (no transponder reply and no IFF answer); a criterion met by a track
that replies, or met on fewer than ``sustain_updates`` consecutive updates spanning
``sustain_s``, makes it ``suspect``. The other identities:

=====  =========================================================================================
R1     friend: a valid allied IFF reply (Mode 5)
R2     pending: fewer than ``min_updates`` updates or younger than ``min_age_s`` (maturity)
D      neutral / friend: declared by the identification authority
A1     assumed_friend: a valid transponder, the cue says fighter, first seen over friendly land
P1     neutral: correlated with a filed flight plan, inside the civil envelope, no criterion;
       on a window shorter than ``kinematic_span_s`` (where a missile crossing an airway is not
       yet fast) only with a cue that calls it civil
N1     neutral: a valid transponder inside the civil envelope
S1     suspect: a hostile criterion not yet sustained, or met by a track that replies
S2     suspect: silent, inside the civil envelope, first seen over friendly land, near a
       protected zone or a defended asset
U3     unknown: silent, inside the civil envelope, first seen over friendly land (a light
       aircraft, a glider, a helicopter taking off inside the country: the cue is not
       evidence here)
U1     unknown: the features are outside the classifier's training support (no cue)
S3     suspect: the cue gives the hostile classes together at least ``suspect_p``
N2     neutral: silent, the cue gives the civil class at least ``civil_p``
U2     unknown: anything else
=====  =========================================================================================

The first rule that applies gives each update's *candidate*. The identity shown changes only
on consistent evidence (hysteresis, :class:`IdentityMemory`): promotion to a more severe
identity needs the candidate on ``promote_updates`` consecutive updates over ``promote_s``,
demotion on ``demote_updates`` over ``demote_s``; a sustained hostile criterion, a
declaration and a criterion not yet sustained (S1) take effect at once, and a ``hostile``
track is demoted only by a cooperative reply or a declaration (a hostile act does not
un-happen when the track turns away).

Every threshold is in :class:`IdentityRules`; :func:`judge` evaluates the criteria for all
tracks at once and :class:`IdentityMemory` keeps the per-track hysteresis, so the engine
(:mod:`iamd.identify.stage`) and the ``iamd identify`` tool (:mod:`iamd.identify.tool`) run
the same rules.

>>> import numpy as np
>>> from iamd.identify.features import features_from_columns
>>> f = features_from_columns(speed_m_s=np.array([250.0, 45.0]), alt_m=np.array([50.0, 300.0]),
...                           lift_accel_m_s2=np.array([9.8, 9.8]), span_s=np.array([38.0, 38.0]))
>>> p = np.array([[0.01, 0.01, 0.01, 0.96, 0.01], [0.01, 0.0, 0.98, 0.0, 0.01]])
>>> ev = judge(f, p)
>>> [CRITERIA[k] for k in ev.criterion.tolist()]
['H3', '']
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from typing import Any

import numpy as np
import numpy.typing as npt

from iamd.geo.wgs84 import ecef_to_lla
from iamd.identify.airspace import NO_AIRSPACE, Airspace
from iamd.identify.classifier import CLASSES
from iamd.identify.features import Features, ballistic_signature
from iamd.identify.truth_identity import STANDARD_IDENTITIES

FloatArray = npt.NDArray[np.float64]
BoolArray = npt.NDArray[np.bool_]
IntArray = npt.NDArray[np.int64]
CodeArray = npt.NDArray[np.int8]
StrArray = npt.NDArray[np.str_]

PENDING, UNKNOWN, ASSUMED_FRIEND, FRIEND, NEUTRAL, SUSPECT, HOSTILE = range(7)
"""Identity codes: indices into ``STANDARD_IDENTITIES``."""
SEVERITY = np.array([-1, 3, 1, 0, 2, 4, 5], dtype=np.int64)
"""Order of the identities by code, from friend (0) to hostile (5); pending is -1."""
_AIRLINER, _FIGHTER, _DRONE, _CM, _BM = range(5)
_HOSTILE_CLASSES = [_DRONE, _CM, _BM]

CRITERIA = ("", "H1", "H2", "H3", "H4", "H5")
"""Hostile criteria by number (0: none): declaration, ballistic, envelope, origin, zone."""
RULES = ("", "R1", "R2", "D", "H", "A1", "N1", "S1", "S2", "U3", "U1", "S3", "N2", "U2", "P1")
"""Rule names by number (0 unused); ``H`` is a sustained hostile criterion (see
``CRITERIA``). Numbers name rules; the order in which they apply is :func:`candidates`'."""
(R_FRIEND, R_PENDING, R_DECLARED, R_HOSTILE, R_ASSUMED, R_NEUTRAL_REPLY, R_CRIT_SUSPECT,
 R_NEAR, R_CIVIL_FRIENDLY, R_OUT, R_CUE, R_CIVIL_CUE, R_UNKNOWN, R_PLAN) = range(1, 15)  # fmt: skip


@dataclass(frozen=True, slots=True, kw_only=True)
class IdentityRules:
    """Thresholds of the identity rules (SI units; probabilities are the cue's).

    Attributes:
        min_updates, min_age_s: maturity: a track with fewer updates, or younger, is
            ``pending``.
        sustain_updates, sustain_s: a hostile criterion must hold on this many consecutive
            updates spanning at least this long (s).
        promote_updates, promote_s: a more severe candidate must hold this long to be shown.
        demote_updates, demote_s: a less severe candidate must hold this long to be shown.
        suspect_p, suspect_exit_p: the hostile classes together need this cue probability
            for S3, and a track shown suspect keeps S3 down to the exit probability.
        civil_p, civil_exit_p: the civil class needs this cue probability for N2, and a
            track shown neutral keeps N2 down to the exit probability.
        kinematic_span_s: the kinematic criteria (H2, H3) read a window spanning at least
            this long (s).
        min_height_m: a track whose current height, plus ``confidence_z`` standard
            deviations, is below this is no kinematic evidence (a filter that dived a
            departing aircraft 2 km under the ground at 500 m/s, on real traffic).
        ballistic_min_speed_m_s, ballistic_max_lift_m_s2: the free-fall signature (H2).
        beyond_cover_alt_m: a track first seen above this height was launched beyond the
            radars' cover (H2).
        civil_max_speed_m_s: faster than any airliner's ground speed (H3). The fastest
            recorded airliner ground speeds, in jet-stream tailwinds, are ~370 m/s.
        civil_low_alt_m, civil_low_max_speed_m_s: fast and very low (H3). Real civil
            flights below 1,000 m fly below ~160 m/s (``shared/data`` flights: 99th
            percentile 145 m/s); real military jets on a carrier approach fly 200 m/s at
            900 m (``flights_nonairline``), cruise missiles 240 m/s at 30–100 m.
        confidence_z: standard deviations of margin on speeds, heights and transponder
            altitudes when the tracker's covariance is known (one-sided 97.7 %).
        transponder_alt_tolerance_m, transponder_z: a transponder reply is valid when its
            altitude is within the larger of this tolerance and ``transponder_z`` standard
            deviations of the track's height (5 mrad of elevation error is 1.5 km at 300 km).
        closing_share, closing_time_s: closing on a defended asset (H4).
        near_m: distance to a protected zone or a defended asset for S2 (m).
        max_stale_s, reacquire_updates: the engine's stage keeps the identity of a track
            without a plot for longer than ``max_stale_s``, and of a track re-established
            after such a gap until ``reacquire_updates`` updates have followed it (its grown
            gate may have taken another object's plot).
    """

    min_updates: int = 4
    min_age_s: float = 10.0
    sustain_updates: int = 3
    sustain_s: float = 10.0
    promote_updates: int = 3
    promote_s: float = 20.0
    demote_updates: int = 5
    demote_s: float = 120.0
    suspect_p: float = 0.5
    suspect_exit_p: float = 0.3
    civil_p: float = 0.9
    civil_exit_p: float = 0.7
    kinematic_span_s: float = 15.0
    min_height_m: float = -500.0
    ballistic_min_speed_m_s: float = 600.0
    ballistic_max_lift_m_s2: float = 4.0
    beyond_cover_alt_m: float = 30e3
    civil_max_speed_m_s: float = 400.0
    civil_low_alt_m: float = 500.0
    civil_low_max_speed_m_s: float = 200.0
    confidence_z: float = 2.0
    transponder_alt_tolerance_m: float = 1500.0
    transponder_z: float = 3.0
    closing_share: float = 0.7
    closing_time_s: float = 3600.0
    near_m: float = 10e3
    max_stale_s: float = 20.0
    reacquire_updates: int = 3


def scenario_identity_rules(identification: Any) -> IdentityRules:
    """The rules with a scenario's ``identification`` section
    (`iamd.scenario.schema.Identification`: the fields it names replace the defaults; its
    ``visual`` part is the engine's, :mod:`iamd.sim.vid`)."""
    return replace(IdentityRules(), **identification.model_dump(exclude={"visual"}))


@dataclass(frozen=True, slots=True, kw_only=True)
class Judgement:
    """The evidence of one update of n tracks (stateless; :class:`IdentityMemory` adds the
    history).

    Attributes:
        criterion: (n,) the first hostile criterion met (index into ``CRITERIA``, 0: none).
        silent: (n,) no transponder reply and no IFF answer.
        iff: (n,) a valid allied IFF answer.
        transponder_ok: (n,) a transponder reply consistent with the track.
        civil_envelope: (n,) the kinematics are inside the civil envelope (not H3's).
        kinematics_judged: (n,) the window spans ``kinematic_span_s``, so the envelope was
            judged: on a shorter one a missile's speed is not yet known, and "inside"
            means only "not shown outside".
        civil_friendly: (n,) silent, inside the civil envelope and first seen over friendly
            land.
        near: (n,) near a protected zone or a defended asset.
        out_of_support: (n,) the cue is withheld (features outside the training support).
        mature: (n,) enough updates over enough time.
        declared: (n,) declaration code (index into ``airspace.DECLARABLE``; -1 none).
        fighter_friendly: (n,) the cue says fighter and the track was first seen over
            friendly land.
        plan: (n,) index of the filed flight plan the track correlates with (-1: none).
        p: (n, K) the cue (class probabilities).
        place: (n,) index of the launch area (H4) or protected zone (H5) or asset (H4) named
            in the evidence (-1 none).
        launch, asset, zone: (n,) indices into the airspace's launch areas, defended assets
            and protected zones named in the evidence (-1 none).
        origin: (n,) the country under the first detection.
        place_names: the airspace's (launch area, asset, zone, flight plan) names, for the
            evidence.
        time_to_go_s: (n,) time to the asset closed on (inf: none).
        speed_m_s, alt_m: (n,) the speed and height the envelope was judged on.
    """

    criterion: IntArray
    silent: BoolArray
    iff: BoolArray
    transponder_ok: BoolArray
    civil_envelope: BoolArray
    kinematics_judged: BoolArray
    civil_friendly: BoolArray
    near: BoolArray
    out_of_support: BoolArray
    mature: BoolArray
    declared: IntArray
    fighter_friendly: BoolArray
    plan: IntArray
    p: FloatArray
    launch: IntArray
    asset: IntArray
    zone: IntArray
    origin: StrArray
    time_to_go_s: FloatArray
    speed_m_s: FloatArray
    alt_m: FloatArray
    place_names: tuple[tuple[str, ...], ...] = ((), (), (), ())

    def __len__(self) -> int:
        return int(self.criterion.shape[0])

    def take(self, idx: npt.ArrayLike) -> Judgement:
        """The judgement of the tracks ``idx``."""
        i = np.asarray(idx)
        return Judgement(
            **{k: getattr(self, k)[i] for k in self.__dataclass_fields__ if k != "place_names"},
            place_names=self.place_names,
        )

    @classmethod
    def concat(cls, parts: list[Judgement]) -> Judgement:
        """The judgements of several batches, one after the other (at least one batch)."""
        if len(parts) == 1:
            return parts[0]
        return cls(
            **{
                k: np.concatenate([getattr(p, k) for p in parts])
                for k in cls.__dataclass_fields__
                if k != "place_names"
            },
            place_names=parts[0].place_names,
        )


def judge(
    features: Features,
    probabilities: FloatArray,
    *,
    pos_ecef_m: FloatArray | None = None,
    vel_ecef_m_s: FloatArray | None = None,
    first_pos_ecef_m: FloatArray | None = None,
    launch_area: npt.ArrayLike | None = None,
    updates: npt.ArrayLike | None = None,
    t_s: float | FloatArray = 0.0,
    code: npt.ArrayLike | None = None,
    covar: FloatArray | None = None,
    sigma_m: FloatArray | None = None,
    out_of_support: BoolArray | None = None,
    airspace: Airspace = NO_AIRSPACE,
    rules: IdentityRules | None = None,
) -> Judgement:
    """The evidence of n tracks at one update each (every criterion, all tracks at once).

    Args:
        features: the tracks' features (:func:`~iamd.identify.features.compute_features`).
        probabilities: (n, 5) the cue, columns in ``CLASSES`` order.
        pos_ecef_m, vel_ecef_m_s: (n, 3) current state (default: no geographic criteria
            that need it: zones, closing, corridors, declarations).
        first_pos_ecef_m: (n, 3) position at first detection (default: no launch areas).
        launch_area: (n,) the launch area of the first detection, if already known
            (:meth:`Airspace.launch_area_at` of ``first_pos_ecef_m``: a caller that keeps
            tracks over time looks it up once per track).
        updates: (n,) updates so far (default: mature by count).
        t_s: time of the update(s), for declarations and flight plans (s).
        code: (n,) the Mode 3/A code of each track's transponder reply, as an integer (-1:
            none or not known; default none): a plan that files a code correlates only
            with a track replying that code, or replying none.
        covar: (n, 6, 6) the tracker's state covariance (position, velocity in ECEF). The
            speed criteria need both the window's mean speed and the current speed (of
            ``vel_ecef_m_s``) above their limits. With a covariance they hold only with a
            margin: the current speed less ``confidence_z`` standard deviations must exceed
            a speed limit, the height plus ``confidence_z`` standard deviations must be below
            a height limit, and a transponder's altitude may differ from the track's by
            ``transponder_z`` standard deviations (a young or distant track's estimate is
            loose: a 230 m/s airliner seen at 300 km can show 500 m/s and 6 km of height
            error in its first seconds).
        sigma_m: (n, 2) the speed's and the height's standard deviations, instead of
            ``covar`` (:func:`speed_height_sigma` of it).
        out_of_support: (n,) features outside the cue's training support (default: none).
        airspace: airspace control measures (default: none).
        rules: thresholds (default :class:`IdentityRules`).
    """
    r = IdentityRules() if rules is None else rules
    p = np.asarray(probabilities, dtype=np.float64)
    n = len(features)
    iff = features.iff > 0.5
    squawk = features.squawk > 0.5
    silent = ~squawk & ~iff
    sigma_speed = np.zeros(n)
    sigma_h = np.zeros(n)
    speed_now = np.full(n, np.inf)
    if vel_ecef_m_s is not None and n:
        v_now = np.asarray(vel_ecef_m_s, dtype=np.float64).reshape(n, 3)
        speed_now = np.sqrt(np.einsum("ij,ij->i", v_now, v_now))
    speed = features.speed_m_s
    alt = features.alt_m
    # The uncertainties matter only where a speed criterion can hold whatever they are: the
    # window's mean speed bounds the speed with margin from above (``sure`` below) and the
    # height with margin is never below the window's height, so a track at or under every
    # speed limit, or fast for a low flier but not low, is outside the criteria with any
    # margin. They are computed for the others and for a transponder altitude beyond the
    # fixed tolerance only (the tests compare with every track's margins).
    with np.errstate(invalid="ignore"):
        kin_mask = (
            (speed > r.civil_max_speed_m_s)
            | ((speed > r.civil_low_max_speed_m_s) & (alt < r.civil_low_alt_m))
            | (speed >= r.ballistic_min_speed_m_s)
        )
        loose = np.flatnonzero(
            kin_mask | (features.alt_report_err_m > r.transponder_alt_tolerance_m)
        )
    if sigma_m is not None and n:
        sg = np.asarray(sigma_m, dtype=np.float64).reshape(n, 2)
        sigma_speed, sigma_h = sg[:, 0], sg[:, 1]
    elif covar is not None and pos_ecef_m is not None and vel_ecef_m_s is not None and len(loose):
        sigma_speed[loose], sigma_h[loose] = _speed_height_sigma_rows(
            np.asarray(pos_ecef_m, np.float64).reshape(n, 3),
            np.asarray(vel_ecef_m_s, np.float64).reshape(n, 3),
            np.asarray(covar, dtype=np.float64).reshape(n, 6, 6),
            loose,
        )
    z = r.confidence_z
    tol = np.maximum(r.transponder_alt_tolerance_m, r.transponder_z * sigma_h)
    tok = np.asarray((features.squawk > 0.5) & ~(features.alt_report_err_m > tol))
    oos = np.zeros(n, dtype=bool) if out_of_support is None else np.asarray(out_of_support, bool)
    cue_ok = ~oos
    p_civil = np.where(cue_ok, p[:, _AIRLINER], 0.0)
    p_aircraft = np.where(cue_ok, p[:, _AIRLINER] + p[:, _FIGHTER], 0.0)
    origin = np.asarray(features.origin_country).astype(str)
    hostile_origin = np.isin(origin, list(airspace.hostile))
    friendly_origin = np.isin(origin, list(airspace.friendly))
    with np.errstate(invalid="ignore"):
        # the window's mean and, with a covariance, the current speed with margin
        sure = np.minimum(speed, speed_now - z * sigma_speed)
        high_sure = alt + z * sigma_h
        fast = (sure > r.civil_max_speed_m_s) | (
            (sure > r.civil_low_max_speed_m_s) & (high_sure < r.civil_low_alt_m)
        )
        ballistic = np.asarray(
            ballistic_signature(
                features,
                min_speed_m_s=r.ballistic_min_speed_m_s,
                max_lift_m_s2=r.ballistic_max_lift_m_s2,
            )
            & (sure >= r.ballistic_min_speed_m_s)
        )
    # kinematic evidence needs a window long enough to be consistent (a glitch in the data,
    # an altitude flipping between two values, can ramp a fresh track through 400 m/s)
    long_enough = features.span_s >= r.kinematic_span_s
    kin = np.flatnonzero((fast | ballistic) & long_enough)
    if pos_ecef_m is not None and len(kin):
        # a state below the ground is a filter gone astray, not evidence (looked up only
        # where a speed criterion holds)
        _, _, h_kin = ecef_to_lla(np.asarray(pos_ecef_m, dtype=np.float64).reshape(n, 3)[kin])
        long_enough[kin] &= ~(h_kin + z * sigma_h[kin] < r.min_height_m)
    fast = np.asarray(fast & np.isfinite(speed) & long_enough)
    envelope = fast & (p_civil < 0.5)
    ballistic = ballistic & long_enough
    ttg = np.full(n, np.inf)
    plan = np.full(n, -1, dtype=np.int64)
    if launch_area is not None:
        launch = np.asarray(launch_area, dtype=np.int64).reshape(n)
    elif first_pos_ecef_m is not None:
        launch = airspace.launch_area_at(np.asarray(first_pos_ecef_m, dtype=np.float64))
    else:
        launch = np.full(n, -1, dtype=np.int64)
    from_outside = (launch >= 0) | hostile_origin
    high_first = features.origin_alt_m > r.beyond_cover_alt_m
    ballistic = ballistic & (from_outside | high_first) & (p_aircraft < 0.5)
    zone = np.full(n, -1, dtype=np.int64)
    corridor = np.zeros(n, dtype=bool)
    near = np.zeros(n, dtype=bool)
    declared = np.full(n, -1, dtype=np.int64)
    asset = np.full(n, -1, dtype=np.int64)
    if pos_ecef_m is not None:
        pos = np.asarray(pos_ecef_m, dtype=np.float64).reshape(n, 3)
        unit = pos / np.sqrt(np.einsum("ij,ij->i", pos, pos))[:, None]
        zone, near, corridor = airspace.locate(pos, r.near_m, unit=unit)
        declared = airspace.declared(t_s, pos)
        if len(airspace.plan_names):
            reply = None
            if code is not None:
                reply = np.where(squawk, np.asarray(code, dtype=np.int64).reshape(n), -1)
            vel = None if vel_ecef_m_s is None else np.asarray(vel_ecef_m_s, np.float64)
            plan = airspace.correlate(
                t_s, pos, vel_ecef_m_s=vel, speed_m_s=speed, code=reply, unit=unit
            )
        if vel_ecef_m_s is not None and from_outside.any():
            m = np.flatnonzero(from_outside)
            a, tg = airspace.closing_on(
                pos[m],
                np.asarray(vel_ecef_m_s, dtype=np.float64).reshape(n, 3)[m],
                max_time_to_go_s=r.closing_time_s,
                min_closing_share=r.closing_share,
                unit=unit[m],
            )
            asset[m] = a
            ttg[m] = tg
    origin_intent = from_outside & (asset >= 0) & ~corridor & (plan < 0)
    in_zone = zone >= 0
    crit = np.select(
        [declared == 0, ballistic, envelope & ~corridor, origin_intent, in_zone],
        [1, 2, 3, 4, 5],
        default=0,
    ).astype(np.int64)
    civil_friendly = np.asarray(~fast & silent & friendly_origin)
    upd = np.full(n, np.iinfo(np.int64).max) if updates is None else np.asarray(updates)
    mature = (upd >= r.min_updates) & (features.age_s >= r.min_age_s)
    fighter = cue_ok & (p.argmax(axis=1) == _FIGHTER) & friendly_origin
    return Judgement(
        criterion=crit,
        silent=np.asarray(silent),
        iff=np.asarray(iff),
        transponder_ok=np.asarray(tok),
        civil_envelope=np.asarray(~fast),
        kinematics_judged=np.asarray(long_enough),
        civil_friendly=civil_friendly,
        near=np.asarray(near),
        out_of_support=oos,
        mature=np.asarray(mature),
        declared=declared,
        fighter_friendly=np.asarray(fighter),
        plan=plan,
        p=p,
        launch=launch,
        asset=asset,
        zone=zone,
        origin=origin,
        place_names=(
            airspace.launch_names,
            airspace.asset_names,
            airspace.zone_names,
            airspace.plan_names,
        ),
        time_to_go_s=ttg,
        speed_m_s=np.asarray(speed, dtype=np.float64),
        alt_m=np.asarray(alt, dtype=np.float64),
    )


def speed_height_sigma(state: FloatArray, covar: FloatArray) -> FloatArray:
    """(n, 2) standard deviations of the speed (along the velocity, m/s) and of the height
    (along the geocentric up, within ~0.2° of the local vertical, m) of n ECEF states (n, 6)
    with covariances (n, 6, 6).

    >>> import numpy as np
    >>> P = np.diag([100.0**2, 100.0**2, 30.0**2, 4.0**2, 5.0**2, 6.0**2])[None]
    >>> speed_height_sigma(np.array([[0.0, 0.0, 6.4e6, 250.0, 0.0, 0.0]]), P).round(6).tolist()
    [[4.0, 30.0]]
    """
    x = np.asarray(state, dtype=np.float64).reshape(-1, 6)
    cv = np.asarray(covar, dtype=np.float64).reshape(-1, 6, 6)
    s, h = _speed_height_sigma_rows(x[:, :3], x[:, 3:], cv, np.arange(len(x)))
    return np.stack([s, h], axis=1)


def _speed_height_sigma_rows(
    pos: FloatArray, vel: FloatArray, cv: FloatArray, rows: IntArray
) -> tuple[FloatArray, FloatArray]:
    """:func:`speed_height_sigma` of the tracks ``rows`` of (n, 3) positions and velocities
    and (n, 6, 6) covariances, read in place (no copy of the covariances)."""
    v = vel[rows]
    sp = np.sqrt(np.einsum("ij,ij->i", v, v))
    v_hat = v / np.where(sp > 1e-9, sp, 1.0)[:, None]
    x = pos[rows]
    r = np.sqrt(np.einsum("ij,ij->i", x, x))
    up = x / np.where(r > 0.0, r, 1.0)[:, None]
    var_s = _quadratic_form(v_hat, cv, rows, 3)
    var_h = _quadratic_form(up, cv, rows, 0)
    return np.sqrt(np.maximum(var_s, 0.0)), np.sqrt(np.maximum(var_h, 0.0))


def _quadratic_form(x: FloatArray, cv: FloatArray, rows: IntArray, at: int) -> FloatArray:
    """(k,) x' P x of vectors x (k, 3) with the 3 x 3 blocks P of cv[rows] (k of (n, 6, 6))
    starting at row and column ``at``, term by term over the upper triangle (P need not be
    symmetric; a three-operand einsum is ~5x slower)."""
    out = np.zeros(len(x))
    for i in range(3):
        for j in range(i, 3):
            w = cv[rows, at + i, at + j]
            if i != j:
                w = w + cv[rows, at + j, at + i]
            out += x[:, i] * x[:, j] * w
    return out


def candidates(
    ev: Judgement,
    sustained: BoolArray,
    rules: IdentityRules | None = None,
    shown: npt.ArrayLike | None = None,
) -> tuple[CodeArray, npt.NDArray[np.int8]]:
    """Candidate identity (n,) and rule number (n,) of each update (the first rule that
    applies; see the module table). ``sustained``: the update's hostile criterion has held
    long enough (:class:`IdentityMemory`). ``shown``: the identities shown now (default:
    none); a track shown ``suspect`` stays a suspect on the cue down to ``suspect_exit_p``,
    one shown ``neutral`` on the cue down to ``civil_exit_p`` (two thresholds: a cue that
    hovers at one threshold does not flip the identity)."""
    r = IdentityRules() if rules is None else rules
    p = ev.p
    n = len(ev)
    cur = np.full(n, PENDING, dtype=np.int8) if shown is None else np.asarray(shown)
    suspect_p = np.where(cur == SUSPECT, r.suspect_exit_p, r.suspect_p)
    civil_p = np.where(cur == NEUTRAL, r.civil_exit_p, r.civil_p)
    cue_ok = ~ev.out_of_support
    p_hostile = p[:, _HOSTILE_CLASSES].sum(axis=1)
    crit = ev.criterion > 0
    cue_civil = cue_ok & (p[:, _AIRLINER] >= 0.5)
    declared_hostile = ev.declared == 0
    conds = [
        ev.iff & ~declared_hostile,
        ~ev.mature & ~(ev.declared >= 0),
        ev.declared >= 0,
        declared_hostile | (crit & ev.silent & sustained),
        ev.transponder_ok & ev.civil_envelope & ev.fighter_friendly,
        (ev.plan >= 0) & ev.civil_envelope & (ev.kinematics_judged | cue_civil) & ~crit,
        ev.transponder_ok & ev.civil_envelope,
        crit | (ev.transponder_ok & ~ev.civil_envelope),
        ev.civil_friendly & ev.near,
        ev.civil_friendly,
        ~cue_ok,
        p_hostile >= suspect_p,
        ev.silent & (p[:, _AIRLINER] >= civil_p),
    ]
    rule = np.select(conds, _RULE_ORDER, default=R_UNKNOWN).astype(np.int8)
    decl_code = np.array([HOSTILE, NEUTRAL, FRIEND, UNKNOWN], dtype=np.int8)[ev.declared]
    code = _RULE_CODES[rule]
    code = np.where(rule == R_DECLARED, decl_code, code).astype(np.int8)
    return code, rule


_RULE_ORDER = [R_FRIEND, R_PENDING, R_DECLARED, R_HOSTILE, R_ASSUMED, R_PLAN, R_NEUTRAL_REPLY,
               R_CRIT_SUSPECT, R_NEAR, R_CIVIL_FRIENDLY, R_OUT, R_CUE, R_CIVIL_CUE]  # fmt: skip
"""The rules in the order they apply (:func:`candidates`); U2 (``R_UNKNOWN``) is the default."""
_RULE_CODES = np.array(
    [UNKNOWN, FRIEND, PENDING, UNKNOWN, HOSTILE, ASSUMED_FRIEND, NEUTRAL, SUSPECT, SUSPECT,
     UNKNOWN, UNKNOWN, SUSPECT, NEUTRAL, UNKNOWN, NEUTRAL],
    dtype=np.int8,
)  # fmt: skip
"""Identity code of each rule number (index 0 unused; D takes the declared identity)."""


@dataclass(slots=True)
class IdentityMemory:
    """Per-track hysteresis of the identity rules (arrays of the tracks in the caller's order).

    Attributes:
        code: (n,) identity shown.
        rule: (n,) the rule that set it (index into ``RULES``).
        criterion: (n,) the hostile criterion behind a hostile identity (``CRITERIA``).
        cand, cand_run, cand_since_s: the current candidate, the consecutive updates it has
            held and since when.
        crit_run, crit_since_s: consecutive updates with a hostile criterion, and since when.
        latched: (n,) a declaration covering the track (index into ``airspace.DECLARABLE``,
            -1 none); it holds for the track's life.
    """

    code: CodeArray = field(default_factory=lambda: np.zeros(0, dtype=np.int8))
    rule: npt.NDArray[np.int8] = field(default_factory=lambda: np.zeros(0, dtype=np.int8))
    criterion: IntArray = field(default_factory=lambda: np.zeros(0, dtype=np.int64))
    cand: CodeArray = field(default_factory=lambda: np.zeros(0, dtype=np.int8))
    cand_run: IntArray = field(default_factory=lambda: np.zeros(0, dtype=np.int64))
    cand_since_s: FloatArray = field(default_factory=lambda: np.zeros(0))
    crit_run: IntArray = field(default_factory=lambda: np.zeros(0, dtype=np.int64))
    crit_since_s: FloatArray = field(default_factory=lambda: np.zeros(0))
    latched: IntArray = field(default_factory=lambda: np.zeros(0, dtype=np.int64))

    @classmethod
    def new(cls, n: int) -> IdentityMemory:
        """The memory of n new tracks: pending, no candidate, no criterion."""
        return cls(
            code=np.full(n, PENDING, dtype=np.int8),
            rule=np.full(n, R_PENDING, dtype=np.int8),
            criterion=np.zeros(n, dtype=np.int64),
            cand=np.full(n, PENDING, dtype=np.int8),
            cand_run=np.zeros(n, dtype=np.int64),
            cand_since_s=np.full(n, np.nan),
            crit_run=np.zeros(n, dtype=np.int64),
            crit_since_s=np.full(n, np.nan),
            latched=np.full(n, -1, dtype=np.int64),
        )

    def __len__(self) -> int:
        return int(self.code.shape[0])

    def take(self, idx: npt.ArrayLike) -> IdentityMemory:
        """The memory of the tracks ``idx`` (a gather: new arrays)."""
        i = np.asarray(idx)
        return IdentityMemory(**{k: getattr(self, k)[i] for k in self.__dataclass_fields__})

    def put(self, idx: npt.ArrayLike, other: IdentityMemory) -> None:
        """Write ``other``'s tracks into the rows ``idx``."""
        i = np.asarray(idx)
        for k in self.__dataclass_fields__:
            getattr(self, k)[i] = getattr(other, k)

    def step(
        self,
        rows: npt.ArrayLike,
        t_s: float | FloatArray,
        ev: Judgement,
        rules: IdentityRules | None = None,
    ) -> tuple[BoolArray, npt.NDArray[np.int8]]:
        """Fold one update of the tracks ``rows`` (judged in ``ev``, same order) at ``t_s``.

        Returns:
            ``(changed, rule)``: (k,) whether the shown identity changed, and the rule of the
            update's candidate.
        """
        r = IdentityRules() if rules is None else rules
        i = np.asarray(rows, dtype=np.int64)
        t = np.broadcast_to(np.asarray(t_s, dtype=np.float64), i.shape)
        latched = np.where(ev.declared >= 0, ev.declared, self.latched[i])
        self.latched[i] = latched
        if (latched >= 0).any():
            ev = _with_declared(ev, latched)
        crit = ev.criterion > 0
        run = np.where(crit, self.crit_run[i] + 1, 0)
        since = np.where(crit & (self.crit_run[i] > 0), self.crit_since_s[i], t)
        since = np.where(crit, since, np.nan)
        self.crit_run[i] = run
        self.crit_since_s[i] = since
        sustained = (run >= r.sustain_updates) & (t - since >= r.sustain_s - 1e-9)
        cand, rule = candidates(ev, sustained, r, self.code[i])
        same = cand == self.cand[i]
        c_run = np.where(same, self.cand_run[i] + 1, 1)
        c_since = np.where(same, self.cand_since_s[i], t)
        self.cand[i] = cand
        self.cand_run[i] = c_run
        self.cand_since_s[i] = c_since
        cur = self.code[i]
        held = t - c_since
        sev_new = SEVERITY[cand]
        sev_cur = SEVERITY[cur]
        reply = (rule == R_FRIEND) | (rule == R_ASSUMED) | (rule == R_NEUTRAL_REPLY)
        # a sustained criterion, a declaration, and a criterion not yet sustained (suspect:
        # the evidence of a possible hostile act, shown as it comes) take effect at once
        at_once = (
            (cur == PENDING)
            | (rule == R_DECLARED)
            | (rule == R_HOSTILE)
            | ((rule == R_CRIT_SUSPECT) & (sev_new > sev_cur))
        )
        promote = (sev_new > sev_cur) & (c_run >= r.promote_updates) & (held >= r.promote_s - 1e-9)
        demote = (sev_new < sev_cur) & (c_run >= r.demote_updates) & (held >= r.demote_s - 1e-9)
        switch = (cand != cur) & (at_once | promote | demote)
        # a hostile track stays hostile but for a reply or a declaration
        switch &= (cur != HOSTILE) | reply | (rule == R_DECLARED)
        # a track once shown is never pending again
        switch &= (cand != PENDING) | (cur == PENDING)
        self.code[i] = np.where(switch, cand, cur)
        self.rule[i] = np.where(switch, rule, self.rule[i])
        self.criterion[i] = np.where(switch, ev.criterion, self.criterion[i])
        return np.asarray(switch), rule


def fold(
    track: npt.ArrayLike,
    t_s: FloatArray,
    ev: Judgement,
    rules: IdentityRules | None = None,
) -> tuple[CodeArray, npt.NDArray[np.int8], IntArray]:
    """The identity shown after each of m updates of many tracks, through the hysteresis of
    :class:`IdentityMemory`: the updates are sorted by track (any integer key, in runs) and
    then time; all tracks' k-th updates are folded together.

    Returns:
        ``(code, rule, set_at)``: (m,) identity shown after each update, the rule that set
        it, and the update at which it was set (-1: never, still pending).
    """
    r = IdentityRules() if rules is None else rules
    key = np.asarray(track)
    m = len(key)
    code = np.full(m, PENDING, dtype=np.int8)
    rule = np.full(m, R_PENDING, dtype=np.int8)
    src = np.full(m, -1, dtype=np.int64)
    if m == 0:
        return code, rule, src
    start = np.flatnonzero(np.r_[True, key[1:] != key[:-1]])
    length = np.diff(np.r_[start, m])
    mem = IdentityMemory.new(len(start))
    set_at = np.full(len(start), -1, dtype=np.int64)
    t = np.asarray(t_s, dtype=np.float64)
    for j in range(int(length.max())):
        alive = np.flatnonzero(length > j)
        rows = start[alive] + j
        switched, _ = mem.step(alive, t[rows], ev.take(rows), r)
        set_at[alive[switched]] = rows[switched]
        code[rows] = mem.code[alive]
        rule[rows] = mem.rule[alive]
        src[rows] = set_at[alive]
    return code, rule, src


def evidence_strings(
    code: npt.ArrayLike,
    rule: npt.ArrayLike,
    ev: Judgement,
    rules: IdentityRules | None = None,
) -> StrArray:
    """Evidence (n,) of identities set by ``rule`` on the judgements ``ev``: the rule, its
    values, and the cue's two most likely classes.

    >>> import numpy as np
    >>> from iamd.identify.features import features_from_columns
    >>> f = features_from_columns(speed_m_s=np.array([250.0]), alt_m=np.array([50.0]),
    ...                           span_s=np.array([38.0]))
    >>> ev = judge(f, np.array([[0.01, 0.01, 0.01, 0.96, 0.01]]))
    >>> for part in str(evidence_strings([HOSTILE], [R_HOSTILE], ev)[0]).split(" | "):
    ...     print(part)
    H3 hostile: outside the civil envelope (250 m/s at 50 m), no reply
    cue cruise_missile 0.960, airliner 0.010
    """
    r = IdentityRules() if rules is None else rules
    rl = np.asarray(rule, dtype=np.int64)
    c = np.asarray(code, dtype=np.int64)
    n = len(rl)
    why = np.zeros(n, dtype="<U200")
    fixed = {
        R_FRIEND: "R1 friend: allied IFF reply",
        R_ASSUMED: "A1 assumed_friend: valid transponder, fighter cue, friendly origin",
        R_NEUTRAL_REPLY: "N1 neutral: valid transponder, inside the civil envelope",
        R_NEAR: "S2 suspect: silent civil-like track near a protected zone or defended asset",
        R_CIVIL_FRIENDLY: "U3 unknown: silent, civil envelope, first seen over friendly land",
        R_OUT: "U1 unknown: features outside the training support, no cue",
        R_UNKNOWN: "U2 unknown: no criterion",
    }
    for k, fixed_text in fixed.items():
        why[rl == k] = fixed_text
    m = np.flatnonzero(rl == R_PENDING)
    if len(m):
        why[m] = f"R2 pending: fewer than {r.min_updates} updates or {r.min_age_s:g} s"
    m = np.flatnonzero(rl == R_DECLARED)
    if len(m):
        why[m] = _cat("D ", np.asarray(STANDARD_IDENTITIES)[c[m]],
                      ": declared by the identification authority")  # fmt: skip
    crit = ev.criterion
    for k, m in ((R_HOSTILE, np.flatnonzero(rl == R_HOSTILE)),
                 (R_CRIT_SUSPECT, np.flatnonzero(rl == R_CRIT_SUSPECT))):  # fmt: skip
        if not len(m):
            continue
        text = _criterion_text(crit[m], ev.take(m))
        if k == R_HOSTILE:
            why[m] = _cat(np.asarray(CRITERIA)[crit[m]], " hostile: ", text, ", no reply")
        else:
            cause = np.where(
                crit[m] == 0,
                "a transponder reply outside the civil envelope",
                np.where(ev.silent[m], " not yet sustained", " but a cooperative reply"),
            )
            why[m] = _cat("S1 suspect: ", np.where(crit[m] > 0, _cat(
                np.asarray(CRITERIA)[crit[m]], " ", text), ""), cause)  # fmt: skip
    m = np.flatnonzero(rl == R_PLAN)
    if len(m):
        why[m] = _cat("P1 neutral: correlates with flight plan ", _plan_text(ev.take(m)),
                      ", inside the civil envelope")  # fmt: skip
    m = np.flatnonzero(rl == R_CUE)
    if len(m):
        p_hostile = _fmt3(ev.p[m][:, _HOSTILE_CLASSES].sum(axis=1))
        why[m] = _cat("S3 suspect: cue p(hostile classes)=", p_hostile, f" >= {r.suspect_p:g}")
    m = np.flatnonzero(rl == R_CIVIL_CUE)
    if len(m):
        why[m] = _cat("N2 neutral: silent, cue p(airliner)=", _fmt3(ev.p[m, _AIRLINER]),
                      f" >= {r.civil_p:g}")  # fmt: skip
    return _cat(why, " | ", _cue_text(ev))


def identity_names(codes: npt.ArrayLike) -> StrArray:
    """Lower-case STANAG 1241 words of identity codes (any shape).

    >>> identity_names([0, 6]).tolist()
    ['pending', 'hostile']
    """
    return np.asarray(STANDARD_IDENTITIES)[np.asarray(codes, dtype=np.int64)]


# --------------------------------------------------------------------------- private helpers


def _with_declared(ev: Judgement, latched: IntArray) -> Judgement:
    """``ev`` with latched declarations in force (a declared hostile is criterion H1)."""
    crit = np.where(latched == 0, 1, ev.criterion)
    parts = {k: getattr(ev, k) for k in ev.__dataclass_fields__}
    parts.update(declared=latched, criterion=crit)
    return Judgement(**parts)


def _criterion_text(crit: IntArray, ev: Judgement) -> StrArray:
    n = len(crit)
    out = np.zeros(n, dtype="<U120")
    out[crit == 1] = "declared by the identification authority"
    out[crit == 2] = "ballistic free fall from beyond friendly cover"
    m = np.flatnonzero(crit == 3)
    if len(m):
        out[m] = _cat("outside the civil envelope (", _fmt_int(ev.speed_m_s[m]), " m/s at ",
                      _fmt_int(ev.alt_m[m]), " m)")  # fmt: skip
    launch_names, asset_names, zone_names = (
        np.asarray((*x, ""), dtype=str) for x in ev.place_names[:3]
    )
    m = np.flatnonzero(crit == 4)
    if len(m):
        ttg = np.minimum(np.nan_to_num(ev.time_to_go_s[m], posinf=99_999), 99_999)
        lm = ev.launch[m]
        where = np.where(lm >= 0, launch_names[lm], _cat("territory ", ev.origin[m]))
        to_go = np.rint(ttg).astype(np.int64).astype(str)
        out[m] = _cat("origin ", where, " -> ", asset_names[ev.asset[m]],
                      " closing, time to go ", to_go, " s")  # fmt: skip
    m = np.flatnonzero(crit == 5)
    if len(m):
        out[m] = _cat("silent in protected zone ", zone_names[ev.zone[m]])
    return out


def _plan_text(ev: Judgement) -> StrArray:
    """The ids of the flight plans the tracks correlate with (``'?'``: none)."""
    names = np.asarray((*ev.place_names[3], "?"), dtype=str)
    return np.asarray(names[ev.plan], dtype=str)


def _cue_text(ev: Judgement) -> StrArray:
    n = len(ev)
    if n == 0:
        return np.zeros(0, dtype=str)
    tops = _top_probabilities(ev.p)
    return np.where(ev.out_of_support, _cat("cue withheld (", tops, ")"), _cat("cue ", tops))


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
    order = np.argsort(-np.nan_to_num(p), axis=1, kind="stable")[:, :k]
    names = np.asarray(CLASSES)
    out = np.zeros(n, dtype=str)
    for j in range(k):
        c = order[:, j]
        part = _cat(names[c], " ", _fmt3(p[np.arange(n), c]))
        out = part if j == 0 else _cat(out, ", ", part)
    return np.asarray(out, dtype=str)


def _fmt_int(x: FloatArray) -> StrArray:
    """Values rounded to integers, as strings (NaN as 'nan')."""
    x = np.asarray(x, dtype=np.float64)
    ok = np.isfinite(x)
    txt = np.rint(np.where(ok, x, 0.0)).astype(np.int64).astype(str)
    return np.asarray(np.where(ok, txt, "nan"))


_LUT3 = np.array([f"{i / 1000:.3f}" for i in range(1001)])


def _fmt3(x: FloatArray) -> StrArray:
    """Values in [0, 1] as 3-decimal strings, by table lookup (``astype(str)`` is ~1 µs each)."""
    i = np.clip(np.rint(np.nan_to_num(np.asarray(x) * 1000.0)), 0, 1000).astype(np.int64)
    return np.asarray(_LUT3[i])
