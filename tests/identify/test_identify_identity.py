"""STANAG 1241 standard identity: each rule on its own, the civil-aircraft guard, and properties."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from iamd.identify.features import features_from_columns
from iamd.identify.identity import (
    HOSTILE,
    IdentityRules,
    identity_codes,
    identity_from_features,
    identity_names,
    standard_identity,
)
from iamd.identify.truth_identity import STANDARD_IDENTITIES

AIRLINER = [0.96, 0.02, 0.01, 0.005, 0.005]
FIGHTER = [0.03, 0.95, 0.01, 0.005, 0.005]
DRONE = [0.001, 0.001, 0.995, 0.002, 0.001]
CRUISE = [0.001, 0.002, 0.001, 0.995, 0.001]
BALLISTIC = [0.0, 0.0, 0.0, 0.02, 0.98]
VAGUE = [0.3, 0.3, 0.2, 0.1, 0.1]


def one(
    p: list[float],
    *,
    squawk: bool = False,
    iff: bool = False,
    age_s: float = 60.0,
    transponder_ok: bool | None = None,
    on_airway: bool = False,
    ballistic: bool = False,
    launch_area: bool = False,
    friendly_origin: bool = False,
    rules: IdentityRules | None = None,
) -> tuple[str, str]:
    codes, why = standard_identity(
        np.array([p]),
        squawk=np.array([squawk]),
        iff=np.array([iff]),
        age_s=np.array([age_s]),
        transponder_ok=None if transponder_ok is None else np.array([transponder_ok]),
        on_airway=np.array([on_airway]),
        ballistic=np.array([ballistic]),
        launch_area=np.array([launch_area]),
        friendly_origin=np.array([friendly_origin]),
        rules=rules,
    )
    return str(identity_names(codes)[0]), str(why[0])


def test_r1_allied_iff_is_friend_whatever_the_class() -> None:
    assert one(FIGHTER, iff=True)[0] == "friend"
    ident, why = one(DRONE, iff=True, age_s=1.0)
    assert ident == "friend" and why.startswith("R1 friend: answers allied IFF")


def test_r2_young_track_is_pending() -> None:
    ident, why = one(DRONE, age_s=3.0)
    assert ident == "pending"
    assert why.startswith("R2 pending: age 3.0 s < 6 s")


def test_r3_squawking_airliner_on_airway_is_neutral() -> None:
    ident, why = one(AIRLINER, squawk=True, on_airway=True)
    assert (ident, why.split(" | ")[0]) == (
        "neutral",
        "R3 neutral: squawking airliner on an airway",
    )


def test_r4_ballistic_trajectory_from_launch_area_is_hostile() -> None:
    ident, why = one(BALLISTIC, ballistic=True, launch_area=True)
    assert ident == "hostile" and why.startswith("R4 hostile")
    # from friendly territory (a test launch, say) it needs R5's confidence instead
    ident, why = one([0.03, 0.03, 0.0, 0.04, 0.9], ballistic=True, launch_area=False)
    assert ident == "suspect" and why.startswith("R6")


def test_r5_confident_hostile_class_without_cooperation_is_hostile() -> None:
    ident, why = one(DRONE)
    assert ident == "hostile"
    assert why.startswith(
        "R5 hostile: p(hostile classes)=0.998 >= 0.95, no transponder/IFF | drone 0.995"
    )
    assert one(CRUISE)[0] == "hostile"


def test_r5_a_threat_of_uncertain_kind_is_still_hostile() -> None:
    # drone or cruise missile, the model cannot tell yet: hostile either way
    ident, why = one([0.001, 0.004, 0.6, 0.395, 0.0])
    assert ident == "hostile"
    assert why.startswith("R5 hostile: p(hostile classes)=0.995 >= 0.95")
    assert why.endswith("| drone 0.600, cruise_missile 0.395")


def test_r5_needs_the_threshold() -> None:
    assert one([0.005, 0.055, 0.9, 0.04, 0.0])[0] == "suspect"
    rules = IdentityRules(hostile_p=0.9)
    assert one([0.005, 0.055, 0.9, 0.04, 0.0], rules=rules)[0] == "hostile"


def test_r6_likely_hostile_is_suspect() -> None:
    ident, why = one([0.3, 0.05, 0.6, 0.05, 0.0])
    assert ident == "suspect" and why.startswith("R6 suspect: p(hostile classes)=0.650 >= 0.5")


def test_r7_valid_transponder_airliner_off_airway_is_neutral() -> None:
    ident, why = one(AIRLINER, squawk=True, on_airway=False)
    assert ident == "neutral" and why.startswith("R7")


def test_r8_squawking_fighter_from_friendly_territory_is_assumed_friend() -> None:
    assert one(FIGHTER, squawk=True, friendly_origin=True)[0] == "assumed_friend"
    assert one(FIGHTER, squawk=True, friendly_origin=False)[0] == "unknown"


def test_r9_silent_airliner_by_kinematics_is_neutral() -> None:
    ident, why = one(AIRLINER)
    assert ident == "neutral" and why.startswith("R9 neutral: no transponder, p(airliner)=0.960")


def test_r10_otherwise_unknown() -> None:
    ident, why = one(VAGUE)
    assert ident == "unknown" and why.startswith("R10 unknown")
    assert one(FIGHTER)[0] == "unknown"  # a silent fighter


def test_guard_airliner_probability_caps_hostile_at_suspect() -> None:
    # 0.985 drone but 0.015 airliner: the airliner guard forbids hostile
    ident, why = one([0.015, 0.0, 0.985, 0.0, 0.0])
    assert ident == "suspect"
    assert "G capped at suspect: p(airliner)=0.015 >= 0.01" in why
    assert one([0.009, 0.0, 0.991, 0.0, 0.0])[0] == "hostile"


def test_guard_valid_transponder_never_hostile() -> None:
    # a squawk forbids R4 and R5 outright; the probabilities alone then give suspect
    assert one(DRONE, squawk=True)[0] == "suspect"
    assert one(BALLISTIC, squawk=True, ballistic=True, launch_area=True)[0] == "suspect"
    # even a squawk whose altitude disagrees with the track keeps R5 from firing
    assert one(DRONE, squawk=True, transponder_ok=False)[0] == "suspect"


def test_airliner_with_valid_transponder_is_never_hostile_even_with_r4() -> None:
    ident, why = one([0.05, 0.0, 0.0, 0.0, 0.95], squawk=False, ballistic=True, launch_area=True)
    assert ident == "suspect" and "G capped" in why


def test_vectorised_and_empty() -> None:
    p = np.array([AIRLINER, DRONE, FIGHTER, VAGUE])
    codes, why = standard_identity(
        p,
        squawk=np.array([True, False, False, False]),
        iff=np.array([False, False, True, False]),
        age_s=np.full(4, 60.0),
        on_airway=np.array([True, False, False, False]),
    )
    assert identity_names(codes).tolist() == ["neutral", "hostile", "friend", "unknown"]
    assert why.shape == (4,)
    empty, empty_why = standard_identity(
        np.zeros((0, 5)), squawk=np.zeros(0, bool), iff=np.zeros(0, bool), age_s=np.zeros(0)
    )
    assert empty.shape == empty_why.shape == (0,)


def test_identity_from_features_uses_feature_flags() -> None:
    f = features_from_columns(
        squawk=np.array([1.0, 0.0, 0.0]),
        alt_report_err_m=np.array([30.0, np.nan, np.nan]),
        airway_dist_m=np.array([2e3, 50e3, 50e3]),
        speed_m_s=np.array([230.0, 3000.0, 45.0]),
        lift_accel_m_s2=np.array([9.8, 0.5, 9.8]),
        origin_alt_m=np.array([0.0, 90e3, 300.0]),
        origin_country=np.array(["BGR", "", "ROU"]),
    )
    codes, why = identity_from_features(np.array([AIRLINER, BALLISTIC, DRONE]), f)
    assert identity_names(codes).tolist() == ["neutral", "hostile", "hostile"]
    assert why[0].startswith("R3") and why[1].startswith("R4") and why[2].startswith("R5")


probs = st.lists(st.floats(0.0, 1.0), min_size=5, max_size=5).filter(lambda v: sum(v) > 1e-6)


@settings(max_examples=300, deadline=None)
@given(
    p=probs,
    squawk=st.booleans(),
    iff=st.booleans(),
    ok=st.booleans(),
    airway=st.booleans(),
    ballistic=st.booleans(),
    launch=st.booleans(),
    age=st.floats(0.0, 600.0),
)
def test_hostile_only_when_confident_and_silent_and_not_an_airliner(
    p: list[float],
    squawk: bool,
    iff: bool,
    ok: bool,
    airway: bool,
    ballistic: bool,
    launch: bool,
    age: float,
) -> None:
    pr = np.array([p]) / sum(p)
    codes, _, _ = identity_codes(
        pr,
        squawk=np.array([squawk]),
        iff=np.array([iff]),
        age_s=np.array([age]),
        transponder_ok=np.array([ok]),
        on_airway=np.array([airway]),
        ballistic=np.array([ballistic]),
        launch_area=np.array([launch]),
    )
    rules = IdentityRules()
    assert 0 <= int(codes[0]) < len(STANDARD_IDENTITIES)
    if int(codes[0]) == HOSTILE:
        assert not squawk and not iff
        assert pr[0, 0] < rules.airliner_guard_p
        assert age >= rules.min_age_s
        assert pr[0, 2:].sum() >= rules.hostile_p or (ballistic and launch)


def test_evidence_matches_codes_of_the_fast_path() -> None:
    rng = np.random.default_rng(4)
    p = rng.dirichlet(np.full(5, 0.3), 500)
    kw = {
        "squawk": rng.random(500) < 0.3,
        "iff": rng.random(500) < 0.1,
        "age_s": rng.uniform(0.0, 60.0, 500),
    }
    codes, why = standard_identity(p, **kw)
    fast, rule, _ = identity_codes(p, **kw)
    assert np.array_equal(codes, fast)
    assert [w.split(" ")[0] for w in why] == [f"R{r}" for r in rule]


@pytest.mark.parametrize("code", range(7))
def test_identity_names_are_lower_case_stanag_words(code: int) -> None:
    assert identity_names([code])[0] == STANDARD_IDENTITIES[code]
