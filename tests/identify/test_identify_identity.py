"""The identity rules of `iamd.identify.identity`: each criterion at its boundary, the cue's
place, maturity and hysteresis.

Every threshold of `IdentityRules` is tested on both sides: moving it by one step (the
smallest change that matters for the case) flips the identity.
"""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pytest

from iamd.geo.wgs84 import enu_vector_to_ecef, lla_to_ecef
from iamd.identify.airspace import Airspace
from iamd.identify.features import features_from_columns
from iamd.identify.identity import (
    CRITERIA,
    FRIEND,
    HOSTILE,
    NEUTRAL,
    PENDING,
    RULES,
    SUSPECT,
    UNKNOWN,
    IdentityMemory,
    IdentityRules,
    Judgement,
    candidates,
    evidence_strings,
    identity_names,
    judge,
)

R = IdentityRules()
CIVIL = np.array([[0.95, 0.02, 0.01, 0.01, 0.01]])
DRONE = np.array([[0.01, 0.01, 0.96, 0.01, 0.01]])
CRUISE = np.array([[0.01, 0.01, 0.01, 0.96, 0.01]])
BALLISTIC = np.array([[0.0, 0.0, 0.0, 0.0, 1.0]])
FIGHTER = np.array([[0.05, 0.9, 0.03, 0.01, 0.01]])

# Bulgaria: Kozloduy NPP with a 10 km zone; a launch area over the western Black Sea
KOZLODUY = (43.746, 23.771)
SEA = [(44.5, 29.5), (43.5, 29.0), (43.0, 30.5), (44.5, 31.0)]
AIRSPACE = Airspace.build(
    friendly=["BGR", "ROU", "GRC"],
    hostile=["RUS"],
    launch_areas=[("black_sea", SEA, 3000.0)],
    zones=[("kozloduy", *KOZLODUY, 10e3, -500.0, 3000.0)],
    corridors=[("return", [(44.0, 29.0), (44.0, 27.0)], 5e3, -500.0, 9000.0)],
    assets=[("constanta", 44.17, 28.66, 3e3), ("kozloduy_npp", *KOZLODUY, 1e3)],
)


def ecef(lat: float, lon: float, alt: float) -> np.ndarray:
    return np.asarray(lla_to_ecef(np.radians(lat), np.radians(lon), alt)).reshape(1, 3)


def velocity(lat: float, lon: float, east: float, north: float, up: float = 0.0) -> np.ndarray:
    return np.asarray(
        enu_vector_to_ecef(np.array([east, north, up]), np.radians(lat), np.radians(lon))
    ).reshape(1, 3)


def one(
    p: np.ndarray = DRONE,
    *,
    speed: float = 45.0,
    alt: float = 300.0,
    lift: float = 9.8,
    squawk: bool = False,
    iff: bool = False,
    origin: str = "",
    origin_alt: float = 300.0,
    pos: tuple[float, float, float] | None = None,
    vel: tuple[float, float] | None = None,
    first: tuple[float, float, float] | None = None,
    updates: int = 10,
    age: float = 60.0,
    t_s: float = 0.0,
    oos: bool = False,
    airspace: Airspace = AIRSPACE,
    rules: IdentityRules = R,
    rep_err: float = np.nan,
    span: float = 38.0,
) -> Judgement:
    """The judgement of one track with the given kinematics and context."""
    f = features_from_columns(
        span_s=np.array([span]),
        speed_m_s=np.array([speed]),
        alt_m=np.array([alt]),
        lift_accel_m_s2=np.array([lift]),
        squawk=np.array([float(squawk)]),
        iff=np.array([float(iff)]),
        origin_country=np.array([origin]),
        origin_alt_m=np.array([origin_alt]),
        alt_report_err_m=np.array([rep_err]),
        age_s=np.array([age]),
    )
    kw: dict = {}
    if pos is not None:
        kw["pos_ecef_m"] = ecef(*pos)
        if vel is not None:
            kw["vel_ecef_m_s"] = velocity(pos[0], pos[1], *vel)
    if first is not None:
        kw["first_pos_ecef_m"] = ecef(*first)
    return judge(
        f,
        p,
        updates=np.array([updates]),
        t_s=t_s,
        out_of_support=np.array([oos]),
        airspace=airspace,
        rules=rules,
        **kw,
    )


def shown(ev: Judgement, steps: int = 12, dt: float = 2.0, rules: IdentityRules = R) -> int:
    """The identity shown after ``steps`` identical updates ``dt`` apart."""
    mem = IdentityMemory.new(1)
    for k in range(steps):
        mem.step([0], k * dt, ev, rules)
    return int(mem.code[0])


def cand(ev: Judgement, sustained: bool = True) -> tuple[str, str]:
    code, rule = candidates(ev, np.array([sustained]), R)
    return str(identity_names(code)[0]), RULES[int(rule[0])]


# ----------------------------------------------------------------------------- the criteria


def test_h3_faster_than_any_airliner_at_its_boundary() -> None:
    # The classifier's cue alone never makes hostile: a confident drone cue at airliner
    # speeds is at most suspect; above civil_max_speed_m_s the kinematics are evidence.
    above = one(CRUISE, speed=R.civil_max_speed_m_s + 1.0, alt=9000.0)
    below = one(CRUISE, speed=R.civil_max_speed_m_s - 1.0, alt=9000.0)
    assert CRITERIA[int(above.criterion[0])] == "H3"
    assert below.criterion[0] == 0
    assert shown(above) == HOSTILE
    assert shown(below) == SUSPECT  # the cue: S3


def test_h3_fast_and_very_low_at_both_boundaries() -> None:
    v = R.civil_low_max_speed_m_s
    h = R.civil_low_alt_m
    assert one(CRUISE, speed=v + 1.0, alt=h - 1.0).criterion[0] == 3
    assert one(CRUISE, speed=v - 1.0, alt=h - 1.0).criterion[0] == 0
    assert one(CRUISE, speed=v + 1.0, alt=h + 1.0).criterion[0] == 0


def test_kinematic_criteria_need_a_long_enough_window() -> None:
    s = R.kinematic_span_s
    assert one(CRUISE, speed=450.0, alt=9000.0, span=s).criterion[0] == 3
    assert one(CRUISE, speed=450.0, alt=9000.0, span=s - 0.1).criterion[0] == 0
    bal = dict(speed=2500.0, alt=60e3, lift=0.5, origin_alt=40e3)
    assert one(BALLISTIC, span=s, **bal).criterion[0] == 2
    assert one(BALLISTIC, span=s - 0.1, **bal).criterion[0] == 0


def test_a_state_below_the_ground_is_no_kinematic_evidence() -> None:
    h = R.min_height_m
    assert one(CRUISE, speed=450.0, alt=9000.0, pos=(43.0, 25.0, h)).criterion[0] == 3
    assert one(CRUISE, speed=450.0, alt=9000.0, pos=(43.0, 25.0, h - 1.0)).criterion[0] == 0


def test_h3_needs_a_cue_that_does_not_call_it_civil() -> None:
    assert one(CIVIL, speed=450.0, alt=9000.0).criterion[0] == 0
    # out of the cue's support, the kinematics alone decide
    assert one(CIVIL, speed=450.0, alt=9000.0, oos=True).criterion[0] == 3


def test_h3_with_a_loose_track_needs_the_speed_with_margin() -> None:
    # a young, distant track's speed estimate is loose: 430 m/s +- 50 m/s is not > 400
    f = features_from_columns(speed_m_s=np.array([430.0]), alt_m=np.array([9000.0]),
                              lift_accel_m_s2=np.array([9.8]), span_s=np.array([38.0]))  # fmt: skip
    pos = ecef(43.0, 25.0, 9000.0)
    vel = velocity(43.0, 25.0, 430.0, 0.0)
    cov = np.zeros((1, 6, 6))
    cov[0, 3:, 3:] = np.eye(3) * 50.0**2
    loose = judge(f, CRUISE, pos_ecef_m=pos, vel_ecef_m_s=vel, covar=cov)
    tight = judge(f, CRUISE, pos_ecef_m=pos, vel_ecef_m_s=vel, covar=cov / 100.0)
    assert loose.criterion[0] == 0
    assert tight.criterion[0] == 3


def test_h2_ballistic_proof_needs_free_fall_and_an_origin_beyond_cover() -> None:
    hi = R.beyond_cover_alt_m
    base = dict(speed=2500.0, alt=60e3, origin="", first=None)
    ev = one(BALLISTIC, lift=R.ballistic_max_lift_m_s2 - 0.1, origin_alt=hi + 1.0, **base)
    assert CRITERIA[int(ev.criterion[0])] == "H2"
    # first seen below the cover height, over no hostile territory: not ballistic proof
    # (but still faster than any airliner: H3)
    low = one(BALLISTIC, lift=0.5, origin_alt=hi - 1.0, **base)
    assert CRITERIA[int(low.criterion[0])] == "H3"
    # wing lift contradicts free fall
    lift = one(BALLISTIC, lift=R.ballistic_max_lift_m_s2 + 0.1, origin_alt=hi + 1.0, **base)
    assert CRITERIA[int(lift.criterion[0])] == "H3"
    slow = one(BALLISTIC, speed=R.ballistic_min_speed_m_s - 1.0, alt=30e3, lift=0.5,
               origin_alt=hi + 1.0)  # fmt: skip
    assert CRITERIA[int(slow.criterion[0])] == "H3"  # too slow for free fall, not for H3
    at = one(BALLISTIC, speed=R.ballistic_min_speed_m_s, alt=30e3, lift=0.5,
             origin_alt=hi + 1.0)  # fmt: skip
    assert CRITERIA[int(at.criterion[0])] == "H2"  # the threshold itself is free-fall speed
    # from hostile territory, first seen low
    russian = one(BALLISTIC, speed=2500.0, alt=60e3, lift=0.5, origin="RUS", origin_alt=5e3)
    assert CRITERIA[int(russian.criterion[0])] == "H2"


def test_h4_origin_in_a_launch_area_and_closing_on_an_asset() -> None:
    # a drone first seen over the sea launch area, flying west towards Constanța
    here = (44.15, 29.6, 300.0)
    ev = one(DRONE, pos=here, vel=(-45.0, 0.0), first=(44.1, 29.8, 300.0))
    assert CRITERIA[int(ev.criterion[0])] == "H4"
    assert AIRSPACE.launch_names[ev.launch[0]] == "black_sea"
    assert AIRSPACE.asset_names[ev.asset[0]] == "constanta"
    assert shown(ev) == HOSTILE
    # flying away: no intent
    away = one(DRONE, pos=here, vel=(45.0, 0.0), first=(44.1, 29.8, 300.0))
    assert away.criterion[0] == 0
    # first seen above the launch area's ceiling (an airliner crossing at cruise level)
    high = one(DRONE, pos=here, vel=(-45.0, 0.0), first=(44.1, 29.8, 3001.0))
    assert high.criterion[0] == 0
    at_ceiling = one(DRONE, pos=here, vel=(-45.0, 0.0), first=(44.1, 29.8, 3000.0))
    assert at_ceiling.criterion[0] == 4


def test_h4_closing_share_and_time_to_go_boundaries() -> None:
    here = (44.15, 29.6, 300.0)
    first = (44.1, 29.8, 300.0)
    ev = one(DRONE, pos=here, vel=(-45.0, 0.0), first=first)
    ttg = float(ev.time_to_go_s[0])
    assert 1500.0 < ttg < 2500.0  # ~ 70 km at 45 m/s
    assert one(DRONE, pos=here, vel=(-45.0, 0.0), first=first,
               rules=replace(R, closing_time_s=ttg - 1.0)).criterion[0] == 0  # fmt: skip
    assert one(DRONE, pos=here, vel=(-45.0, 0.0), first=first,
               rules=replace(R, closing_time_s=ttg + 1.0)).criterion[0] == 4  # fmt: skip
    # heading 50 degrees off the asset: cos 50 = 0.64 < 0.7
    e, n = -45.0 * np.cos(np.radians(50.0)), -45.0 * np.sin(np.radians(50.0))
    assert one(DRONE, pos=here, vel=(e, n), first=first).criterion[0] == 0
    assert one(DRONE, pos=here, vel=(e, n), first=first,
               rules=replace(R, closing_share=0.6)).criterion[0] == 4  # fmt: skip


def test_h4_not_inside_a_safe_passage_corridor() -> None:
    ev = one(DRONE, pos=(44.0, 28.9, 300.0), vel=(-45.0, 0.0), first=(44.1, 29.8, 300.0))
    assert ev.criterion[0] == 0


def test_h5_silent_in_a_protected_zone_at_its_edge() -> None:
    # 10 km zone around Kozloduy; 0.09 deg of latitude is ~10.0 km
    north = 10e3 / 111_100.0
    inside = one(DRONE, pos=(KOZLODUY[0] + north * 0.99, KOZLODUY[1], 300.0), origin="ROU")
    outside = one(DRONE, pos=(KOZLODUY[0] + north * 1.01, KOZLODUY[1], 300.0), origin="ROU")
    assert CRITERIA[int(inside.criterion[0])] == "H5"
    assert outside.criterion[0] == 0
    above = one(DRONE, pos=(*KOZLODUY, 3001.0), origin="ROU")
    assert above.criterion[0] == 0
    # a squawking aircraft in the zone infringes; it is not hostile
    squawking = one(CIVIL, pos=(*KOZLODUY, 300.0), squawk=True, origin="BGR")
    assert shown(squawking) != HOSTILE


def test_h1_a_declaration_latches_for_the_track() -> None:
    a = Airspace.build(declarations=[(100.0, 160.0, 43.0, 25.0, 5e3, "hostile")])
    before = one(CIVIL, pos=(43.0, 25.0, 500.0), t_s=99.0, airspace=a)
    during = one(CIVIL, pos=(43.0, 25.0, 500.0), t_s=100.0, airspace=a)
    assert before.declared[0] == -1
    assert during.declared[0] == 0
    mem = IdentityMemory.new(1)
    mem.step([0], 100.0, during)
    assert mem.code[0] == HOSTILE  # at once
    later = one(CIVIL, pos=(43.5, 25.0, 500.0), t_s=300.0, airspace=a)  # left the disc
    mem.step([0], 300.0, later)
    assert mem.code[0] == HOSTILE


# ----------------------------------------------------------------------------- silence


@pytest.mark.parametrize(("squawk", "iff"), [(True, False), (False, True)])
def test_a_reply_makes_a_criterion_suspect_at_most(squawk: bool, iff: bool) -> None:
    ev = one(CRUISE, speed=450.0, alt=9000.0, squawk=squawk, iff=iff)
    assert ev.criterion[0] == 3
    assert shown(ev) in (SUSPECT, FRIEND)


def test_transponder_altitude_check_at_its_tolerance() -> None:
    tol = R.transponder_alt_tolerance_m
    ok = one(CIVIL, speed=230.0, alt=11e3, squawk=True, rep_err=tol)
    bad = one(CIVIL, speed=230.0, alt=11e3, squawk=True, rep_err=tol + 1.0)
    assert ok.transponder_ok[0] and not bad.transponder_ok[0]
    assert shown(ok) == NEUTRAL


# ----------------------------------------------------------------------------- civil traffic


def test_silent_light_aircraft_taking_off_inside_bulgaria_stays_below_hostile() -> None:
    # slow, low, silent, first seen over Bulgaria: unknown whatever the cue says
    ev = one(DRONE, speed=50.0, alt=800.0, origin="BGR", pos=(42.7, 23.4, 800.0),
             vel=(50.0, 0.0), first=(42.69, 23.40, 600.0))  # fmt: skip
    assert cand(ev) == ("unknown", "U3")
    assert shown(ev, steps=200) == UNKNOWN
    # near a protected zone: suspect, still not hostile
    near = one(DRONE, speed=50.0, alt=800.0, origin="BGR", pos=(43.87, 23.77, 800.0))
    assert cand(near) == ("suspect", "S2")


def test_over_friendly_land_the_cue_alone_is_no_suspicion() -> None:
    # silent, inside the civil envelope, first seen over Bulgaria: unknown whatever the cue;
    # first seen over the sea or a neighbour: the cue makes it a suspect
    def rule(**kw: object) -> str:
        return cand(one(DRONE, **kw))[1]

    assert rule(origin="BGR", speed=150.0, alt=9000.0) == "U3"
    assert rule(origin="", speed=150.0, alt=9000.0) == "S3"
    assert rule(origin="SRB", speed=150.0, alt=9000.0) == "S3"
    # outside the civil envelope it is no longer civil-like (H3, or S1 before it holds)
    assert rule(origin="BGR", speed=R.civil_max_speed_m_s + 1.0, alt=9000.0) == "H"
    assert rule(origin="BGR", speed=R.civil_max_speed_m_s, alt=9000.0) == "U3"


def test_near_boundary() -> None:
    d = R.near_m + 10e3  # from Kozloduy's centre to the zone's edge is 10 km
    lat = KOZLODUY[0] + (d - 50.0) / 111_100.0
    lat_out = KOZLODUY[0] + (d + 50.0) / 111_100.0
    assert cand(one(DRONE, origin="BGR", pos=(lat, KOZLODUY[1], 500.0)))[1] == "S2"
    assert cand(one(DRONE, origin="BGR", pos=(lat_out, KOZLODUY[1], 500.0)))[1] == "U3"


def test_cue_boundaries_suspect_and_civil() -> None:
    p_s = np.array([[0.5, 0.0, R.suspect_p, 0.0, 0.0]])
    p_below = np.array([[0.51, 0.0, R.suspect_p - 0.01, 0.0, 0.0]])
    assert cand(one(p_s, speed=150.0, alt=5000.0))[1] == "S3"
    assert cand(one(p_below, speed=150.0, alt=5000.0))[1] == "U2"
    p_c = np.array([[R.civil_p, 0.1, 0.0, 0.0, 0.0]])
    p_c_below = np.array([[R.civil_p - 0.01, 0.11, 0.0, 0.0, 0.0]])
    assert cand(one(p_c, speed=230.0, alt=11e3))[1] == "N2"
    assert cand(one(p_c_below, speed=230.0, alt=11e3))[1] == "U2"


def test_features_outside_the_training_support_give_unknown_never_the_top_class() -> None:
    ev = one(DRONE, speed=150.0, alt=5000.0, oos=True)
    assert cand(ev) == ("unknown", "U1")
    assert "cue withheld" in str(evidence_strings([UNKNOWN], [10], ev)[0])


def test_the_cue_alone_is_never_hostile() -> None:
    rng = np.random.default_rng(3)
    n = 2000
    p = rng.dirichlet(np.full(5, 0.3), n)
    f = features_from_columns(
        speed_m_s=rng.uniform(0.0, R.civil_max_speed_m_s, n),
        alt_m=rng.uniform(R.civil_low_alt_m, 15e3, n),
        lift_accel_m_s2=rng.uniform(5.0, 12.0, n),
        origin_country=rng.choice(np.array(["", "BGR", "ROU", "SRB"]), n),
    )
    ev = judge(f, p, airspace=AIRSPACE)
    code, _ = candidates(ev, np.ones(n, dtype=bool))
    assert not np.any(code == HOSTILE)


# ----------------------------------------------------------------------------- maturity, hysteresis


def test_maturity_boundaries() -> None:
    assert cand(one(updates=R.min_updates - 1))[1] == "R2"
    assert cand(one(updates=R.min_updates))[1] != "R2"
    assert cand(one(age=R.min_age_s - 0.1))[1] == "R2"
    assert cand(one(age=R.min_age_s))[1] != "R2"


def test_hostile_needs_the_criterion_sustained() -> None:
    ev = one(CRUISE, speed=450.0, alt=9000.0)

    def codes(rules: IdentityRules, n: int, dt: float) -> list[int]:
        mem = IdentityMemory.new(1)
        out = []
        for k in range(n):
            mem.step([0], dt * k, ev, rules)
            out.append(int(mem.code[0]))
        return out

    # updates at 0, 5, 10 s: the third holds the criterion 3 times over 10 s
    assert codes(R, 3, 5.0) == [SUSPECT, SUSPECT, HOSTILE]
    assert codes(replace(R, sustain_s=10.1), 3, 5.0)[-1] == SUSPECT
    assert codes(replace(R, sustain_updates=4), 3, 5.0)[-1] == SUSPECT
    # at 2 s updates, 10 s is six updates
    assert codes(R, 6, 2.0) == [SUSPECT] * 5 + [HOSTILE]


def test_an_interrupted_criterion_starts_over() -> None:
    hit = one(CRUISE, speed=450.0, alt=9000.0)
    miss = one(CRUISE, speed=300.0, alt=9000.0)
    mem = IdentityMemory.new(1)
    for k, ev in enumerate([hit, hit, miss, hit, hit]):
        mem.step([0], 2.0 * k, ev)
    assert mem.code[0] != HOSTILE


def test_promotion_and_demotion_hysteresis_at_their_boundaries() -> None:
    unknown = one(np.array([[0.8, 0.0, 0.2, 0.0, 0.0]]), speed=150.0, alt=5000.0)
    suspect = one(DRONE, speed=150.0, alt=5000.0)
    assert cand(unknown)[0] == "unknown" and cand(suspect)[0] == "suspect"

    def run(seq: list[Judgement], dt: float) -> list[int]:
        mem = IdentityMemory.new(1)
        out = []
        for k, ev in enumerate(seq):
            mem.step([0], k * dt, ev)
            out.append(int(mem.code[0]))
        return out

    # promotion: promote_updates over promote_s, whichever is longer
    assert R.promote_updates == 3 and R.promote_s == 20.0
    codes = run([unknown] + [suspect] * 12, dt=2.0)
    assert codes.index(SUSPECT) == 1 + 10  # the 11th suspect update is 20 s after the first
    codes = run([unknown] + [suspect] * 3, dt=10.0)
    assert codes == [UNKNOWN, UNKNOWN, UNKNOWN, SUSPECT]  # 3 updates over 20 s
    # demotion: demote_updates over demote_s
    assert R.demote_updates == 5 and R.demote_s == 120.0
    sus = [unknown] + [suspect] * 3  # shown suspect after 3 updates 10 s apart
    codes = run(sus + [unknown] * 20, dt=10.0)
    first_unknown = codes.index(UNKNOWN, 4)
    assert first_unknown == 4 + 12  # 120 s after the first unknown update
    codes = run(sus + [unknown] * 5, dt=40.0)
    assert codes[-1] == UNKNOWN and codes[-2] == SUSPECT  # 5 updates over 160 s


def test_the_cue_has_two_thresholds() -> None:
    def p(h: float) -> np.ndarray:
        return np.array([[1.0 - h, 0.0, h, 0.0, 0.0]])

    def run(seq: list[float]) -> int:
        mem = IdentityMemory.new(1)
        for k, h in enumerate(seq):
            mem.step([0], 10.0 * k, one(p(h), speed=150.0, alt=5000.0))
        return int(mem.code[0])

    enter = [R.suspect_p] * 4
    assert run([0.0, *enter]) == SUSPECT
    assert run([0.0] + [R.suspect_p - 0.01] * 4) == UNKNOWN
    # once suspect, the cue may fall to the exit threshold and the track stays a suspect
    assert run([0.0, *enter] + [R.suspect_exit_p] * 20) == SUSPECT
    assert run([0.0, *enter] + [R.suspect_exit_p - 0.01] * 20) == UNKNOWN
    c = R.civil_p
    assert cand(one(np.array([[c, 1.0 - c, 0.0, 0.0, 0.0]]), speed=230.0, alt=11e3))[0] == "neutral"
    ev = one(np.array([[R.civil_exit_p, 1.0 - R.civil_exit_p, 0.0, 0.0, 0.0]]), speed=230.0,
             alt=11e3)  # fmt: skip
    code, _ = candidates(ev, np.array([True]), R, np.array([NEUTRAL]))
    assert code[0] == NEUTRAL
    code, _ = candidates(ev, np.array([True]), R, np.array([UNKNOWN]))
    assert code[0] == UNKNOWN


def test_flicker_between_candidates_is_not_shown() -> None:
    a = one(np.array([[0.6, 0.0, 0.4, 0.0, 0.0]]), speed=150.0, alt=5000.0)
    b = one(DRONE, speed=150.0, alt=5000.0)
    mem = IdentityMemory.new(1)
    changes = 0
    last = PENDING
    for k in range(1800):  # an hour of 2 s updates alternating unknown / suspect
        mem.step([0], 2.0 * k, a if k % 2 else b)
        changes += int(mem.code[0] != last)
        last = int(mem.code[0])
    assert changes <= 1


def test_a_hostile_track_is_demoted_only_by_a_sustained_reply() -> None:
    hostile = one(CRUISE, speed=450.0, alt=9000.0)
    quiet = one(CRUISE, speed=300.0, alt=9000.0)  # turned slow: no criterion, no reply
    reply = one(CIVIL, speed=230.0, alt=9000.0, squawk=True)
    mem = IdentityMemory.new(1)
    t = 0.0
    for _ in range(6):
        mem.step([0], t, hostile)
        t += 2.0
    assert mem.code[0] == HOSTILE
    for _ in range(100):
        mem.step([0], t, quiet)
        t += 2.0
    assert mem.code[0] == HOSTILE
    for _ in range(70):
        mem.step([0], t, reply)
        t += 2.0
    assert mem.code[0] == NEUTRAL


def test_memory_is_vectorised_and_rows_are_independent() -> None:
    f = features_from_columns(
        speed_m_s=np.array([450.0, 45.0, 230.0]),
        alt_m=np.array([9000.0, 300.0, 11e3]),
        lift_accel_m_s2=np.full(3, 9.8),
        squawk=np.array([0.0, 0.0, 1.0]),
        origin_country=np.array(["", "BGR", ""]),
        span_s=np.full(3, 38.0),
    )
    p = np.vstack([CRUISE, DRONE, CIVIL])
    ev = judge(f, p, airspace=AIRSPACE)
    mem = IdentityMemory.new(5)
    for k in range(6):
        mem.step([4, 0, 2], 2.0 * k, ev)
    assert identity_names(mem.code).tolist() == [
        "unknown", "pending", "neutral", "pending", "hostile"]  # fmt: skip


def test_evidence_names_the_criterion_and_keeps_the_cue() -> None:
    ev = one(DRONE, pos=(44.15, 29.6, 300.0), vel=(-45.0, 0.0), first=(44.1, 29.8, 300.0))
    why = str(evidence_strings([HOSTILE], [4], ev)[0])
    assert why.startswith("H4 hostile: origin black_sea -> constanta closing")
    assert why.endswith("| cue drone 0.960, airliner 0.010")


def test_empty_inputs() -> None:
    f = features_from_columns(speed_m_s=np.zeros(0))
    ev = judge(f, np.zeros((0, 5)), airspace=AIRSPACE)
    code, rule = candidates(ev, np.zeros(0, dtype=bool))
    assert code.shape == rule.shape == (0,)
    assert evidence_strings(code, rule, ev).shape == (0,)


@pytest.mark.parametrize("code", range(7))
def test_identity_names_are_lower_case_stanag_words(code: int) -> None:
    name = str(identity_names([code])[0])
    assert name == name.lower() and " " not in name


def test_speed_height_sigma_equals_the_quadratic_forms() -> None:
    from iamd.identify.identity import speed_height_sigma

    rng = np.random.default_rng(5)
    n = 500
    state = np.hstack([rng.normal(0, 4e6, (n, 3)), rng.normal(0, 200, (n, 3))])
    m = rng.normal(size=(n, 6, 6))
    cov = m @ m.transpose(0, 2, 1) * 50.0
    got = speed_height_sigma(state, cov)
    v = state[:, 3:] / np.linalg.norm(state[:, 3:], axis=1, keepdims=True)
    up = state[:, :3] / np.linalg.norm(state[:, :3], axis=1, keepdims=True)
    want_s = np.sqrt(np.einsum("ni,nij,nj->n", v, cov[:, 3:, 3:], v))
    want_h = np.sqrt(np.einsum("ni,nij,nj->n", up, cov[:, :3, :3], up))
    np.testing.assert_allclose(got, np.stack([want_s, want_h], 1), rtol=1e-12)


def test_margins_computed_only_where_they_can_matter_equal_every_tracks_margins() -> None:
    """``judge`` with a covariance reads the speed and height deviations only for tracks a
    speed criterion or the transponder tolerance can read them for: its evidence equals that
    of the same tracks with every track's deviations given (``sigma_m``), on tracks spread
    across every speed, height and tolerance limit (and some below the ground)."""
    from iamd.identify.identity import speed_height_sigma

    rng = np.random.default_rng(11)
    n = 4000
    speed = rng.choice([R.civil_low_max_speed_m_s, R.civil_max_speed_m_s,
                        R.ballistic_min_speed_m_s], n) + rng.normal(0.0, 30.0, n)  # fmt: skip
    alt = R.civil_low_alt_m + rng.normal(0.0, 400.0, n)
    h_now = np.where(rng.random(n) < 0.1, R.min_height_m + rng.normal(0, 300, n), alt)
    lat, lon = np.radians(rng.uniform(40, 46, n)), np.radians(rng.uniform(20, 30, n))
    pos = lla_to_ecef(lat, lon, h_now)
    heading = rng.uniform(0, 2 * np.pi, n)
    speed_now = speed + rng.normal(0.0, 20.0, n)
    enu = np.stack([speed_now * np.sin(heading), speed_now * np.cos(heading), np.zeros(n)], 1)
    vel = enu_vector_to_ecef(enu, lat, lon)
    m = rng.normal(size=(n, 6, 6))
    cov = m @ m.transpose(0, 2, 1) * rng.choice([1.0, 100.0, 4000.0], n)[:, None, None]
    f = features_from_columns(
        speed_m_s=speed, alt_m=alt, span_s=rng.choice([10.0, 15.0, 40.0], n),
        lift_accel_m_s2=rng.uniform(0.0, 8.0, n), squawk=(rng.random(n) < 0.5).astype(float),
        alt_report_err_m=rng.uniform(0.0, 2.5 * R.transponder_alt_tolerance_m, n),
        origin_alt_m=rng.uniform(0.0, 40e3, n),
    )  # fmt: skip
    p = rng.dirichlet(np.ones(5), n)
    kw = dict(pos_ecef_m=pos, vel_ecef_m_s=vel, airspace=AIRSPACE, updates=np.full(n, 9))
    got = judge(f, p, covar=cov, **kw)  # type: ignore[arg-type]
    sigma = speed_height_sigma(np.hstack([pos, vel]), cov)
    want = judge(f, p, sigma_m=sigma, **kw)  # type: ignore[arg-type]
    for name in ("criterion", "transponder_ok", "civil_envelope", "civil_friendly"):
        np.testing.assert_array_equal(getattr(got, name), getattr(want, name), err_msg=name)
    # the case is not vacuous: each speed criterion and the tolerance decide some tracks
    assert {2, 3} <= set(got.criterion.tolist())
    assert 0 < int(got.transponder_ok.sum()) < int((f.squawk > 0.5).sum())
