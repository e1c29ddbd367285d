"""Flight-plan correlation (procedural identification): the scenario's ``airspace.flight_plans``
validated at the edge, :meth:`Airspace.correlate` at each of its boundaries and against its
primitive, and what a correlated plan does to the identity: it blocks origin and intent (H4)
and is evidence for ``neutral``.

Every bound is tested on both sides by one step: 1 m of corridor width or height, 1 s of
the time window, one digit of the Mode 3/A code.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from iamd.errors import ScenarioError
from iamd.geo.wgs84 import R_MEAN_M, ecef_to_lla, lla_to_ecef
from iamd.identify.airspace import Airspace, FlightPlanSpec, route_distance_m
from iamd.identify.features import features_from_columns
from iamd.identify.identity import (
    CRITERIA,
    HOSTILE,
    NEUTRAL,
    RULES,
    IdentityMemory,
    Judgement,
    candidates,
    evidence_strings,
    identity_names,
    judge,
)
from iamd.identify.tool import identify_command
from iamd.scenario.loader import load_scenario, load_scenario_text

SOURCE = "scenario.yaml"
HEAD = """\
name: tiny
epoch: 2026-03-10T02:00:00Z
duration_s: 60
nations:
  - {code: ROU, name: Romania}
  - {code: BGR, name: Bulgaria}
assets:
  - {name: constanta, nation: ROU, lat_deg: 44.17, lon_deg: 28.66, kind: port, value: 8}
civil_traffic:
  airways:
    - {origin: LBSF, destination: LGAV}
"""
DRONE = np.array([[0.01, 0.01, 0.96, 0.01, 0.01]])

# a route from the sea to Constanța, through a launch area over the western Black Sea
SEA = [(44.5, 29.5), (43.5, 29.0), (43.0, 30.5), (44.5, 31.0)]
ROUTE = ((44.1, 30.2), (44.17, 28.66))
PLAN = FlightPlanSpec(
    name="sea_route", points=ROUTE, from_s=100.0, until_s=700.0, half_width_m=10e3,
    floor_m=100.0, ceiling_m=5000.0, min_speed_m_s=30.0, code=0o2301, callsign="ROT123",
)  # fmt: skip


def airspace(*plans: FlightPlanSpec) -> Airspace:
    return Airspace.build(
        friendly=["BGR", "ROU"],
        hostile=["RUS"],
        launch_areas=[("black_sea", SEA, 3000.0)],
        assets=[("constanta", 44.17, 28.66, 3e3)],
        flight_plans=plans,
    )


def ecef(lat: float, lon: float, alt: float) -> np.ndarray:
    return np.asarray(lla_to_ecef(np.radians(lat), np.radians(lon), alt)).reshape(-1, 3)


def off_route(along: float, cross_m: float, alt: float) -> np.ndarray:
    """A position ``along`` (0..1) the first leg of ROUTE and ``cross_m`` from it (on the mean
    sphere, along the leg's normal), at height ``alt``."""
    a, b = (ecef(*q, 0.0)[0] for q in ROUTE)
    a, b = a / np.linalg.norm(a), b / np.linalg.norm(b)
    ang = np.arccos(a @ b)
    foot = (np.sin((1 - along) * ang) * a + np.sin(along * ang) * b) / np.sin(ang)
    nrm = np.cross(a, b) / np.linalg.norm(np.cross(a, b))
    th = cross_m / R_MEAN_M
    u = np.cos(th) * foot + np.sin(th) * nrm
    r = 6.37e6  # along the radius (the direction is what correlation reads) to the height
    for _ in range(4):
        r += alt - float(ecef_to_lla(u * r)[2])
    return (u * r).reshape(1, 3)


# ----------------------------------------------------------------------------- correlation


def test_corridor_half_width_at_its_boundary_one_metre_either_side() -> None:
    a = airspace(PLAN)
    for side in (1.0, -1.0):
        inside = off_route(0.5, side * (PLAN.half_width_m - 1.0), 1000.0)
        outside = off_route(0.5, side * (PLAN.half_width_m + 1.0), 1000.0)
        assert a.correlate(300.0, inside).tolist() == [0]
        assert a.correlate(300.0, outside).tolist() == [-1]
    # beyond the ends of the route, the distance to the nearer end counts
    a0, _ = ROUTE
    east = ecef(a0[0], a0[1] + np.degrees((PLAN.half_width_m - 1.0) / R_MEAN_M)
                / np.cos(np.radians(a0[0])), 1000.0)  # fmt: skip
    assert route_distance_m(east, ROUTE)[0, 0] == pytest.approx(PLAN.half_width_m, abs=60.0)


def test_height_band_at_its_boundaries() -> None:
    a = airspace(PLAN)
    for alt, want in ((99.0, -1), (101.0, 0), (4999.0, 0), (5001.0, -1)):
        assert a.correlate(300.0, off_route(0.3, 0.0, alt)).tolist() == [want], alt


def test_minimum_speed_at_its_boundary_one_metre_per_second_either_side() -> None:
    a = airspace(PLAN)
    p = np.repeat(off_route(0.5, 0.0, 1000.0), 4, axis=0)
    speed = [29.0, 31.0, np.nan, 240.0]
    assert a.correlate(300.0, p, speed_m_s=speed).tolist() == [-1, 0, -1, 0]
    # a plan without a minimum takes any speed, even an unknown one
    free = FlightPlanSpec(name="p", points=ROUTE, from_s=100.0, until_s=700.0,
                          half_width_m=10e3)  # fmt: skip
    assert airspace(free).correlate(300.0, p, speed_m_s=speed).tolist() == [0, 0, 0, 0]


def test_time_window_at_its_boundaries_one_second_either_side() -> None:
    a = airspace(PLAN)
    p = off_route(0.5, 0.0, 1000.0)
    for t, want in ((99.0, -1), (100.0, 0), (700.0, 0), (701.0, -1)):
        assert a.correlate(t, p).tolist() == [want], t
        # per-track times take the same path as one time for all
        assert a.correlate(np.array([t]), p).tolist() == [want], t


def test_a_filed_code_must_match_a_reply_that_carries_one() -> None:
    a = airspace(PLAN)
    p = np.repeat(off_route(0.5, 0.0, 1000.0), 4, axis=0)
    codes = [0o2301, 0o2300, 0o2302, -1]  # filed, one digit off either way, no code
    assert a.correlate(300.0, p, code=codes).tolist() == [0, -1, -1, 0]
    # a plan without a code takes any reply
    no_code = FlightPlanSpec(name="p", points=ROUTE, from_s=100.0, until_s=700.0,
                             half_width_m=10e3)  # fmt: skip
    assert airspace(no_code).correlate(300.0, p, code=codes).tolist() == [0, 0, 0, 0]


def along_velocity(p: np.ndarray, speed: float) -> np.ndarray:
    """(n, 3) velocity ``speed`` along the first leg of ROUTE, from its start to its end."""
    a, b = (ecef(*q, 0.0)[0] for q in ROUTE)
    nrm = np.cross(a, b) / np.linalg.norm(np.cross(a, b))
    u = p / np.linalg.norm(p, axis=1, keepdims=True)
    return np.asarray(np.cross(nrm, u) * speed)


def test_a_plan_is_flown_from_its_first_point_to_its_last() -> None:
    a = airspace(PLAN)
    p = off_route(0.5, 0.0, 1000.0)
    fwd = along_velocity(p, 200.0)
    u = p[0] / np.linalg.norm(p[0])
    side = np.cross(u, fwd[0]) / 200.0  # horizontal, across the route
    assert a.correlate(300.0, p, vel_ecef_m_s=fwd).tolist() == [0]
    assert a.correlate(300.0, p, vel_ecef_m_s=-fwd).tolist() == [-1]
    # crossing the route: 1 m/s forward of square correlates, 1 m/s back does not
    for along, want in ((1.0, 0), (-1.0, -1)):
        v = (side * 200.0 + fwd[0] * along / 200.0).reshape(1, 3)
        assert a.correlate(300.0, p, vel_ecef_m_s=v).tolist() == [want], along
    # no velocity: position, time and code only
    assert a.correlate(300.0, p).tolist() == [0]


def test_the_first_plan_listed_wins_and_legs_follow_their_plan() -> None:
    late = FlightPlanSpec(name="late", points=ROUTE, from_s=500.0, until_s=900.0,
                          half_width_m=10e3)  # fmt: skip
    zigzag = FlightPlanSpec(name="zigzag", points=((45.0, 25.0), (45.0, 26.0), (46.0, 26.0)),
                            from_s=0.0, until_s=900.0, half_width_m=5e3)  # fmt: skip
    a = airspace(PLAN, late, zigzag)
    p = np.vstack([off_route(0.5, 0.0, 1000.0), ecef(45.5, 26.0, 1000.0)])
    assert a.correlate(600.0, p).tolist() == [0, 2]
    assert a.correlate(800.0, p).tolist() == [1, 2]
    assert airspace().correlate(600.0, p).tolist() == [-1, -1]


def test_correlate_equals_its_primitive_on_random_tracks() -> None:
    rng = np.random.default_rng(7)
    plans = [
        FlightPlanSpec(
            name=f"p{k}",
            points=tuple((float(la), float(lo)) for la, lo in zip(
                rng.uniform(42.0, 46.0, m), rng.uniform(22.0, 30.0, m), strict=True)),
            from_s=float(rng.uniform(0, 500)),
            until_s=float(rng.uniform(600, 1200)),
            half_width_m=float(rng.uniform(2e3, 40e3)),
            floor_m=float(rng.uniform(-500, 2000)),
            ceiling_m=float(rng.uniform(3000, 12000)),
            min_speed_m_s=float(rng.choice([0.0, 100.0])),
            code=int(rng.integers(-1, 8)),
        )
        for k, m in enumerate(rng.integers(2, 6, 8))
    ]  # fmt: skip
    a = airspace(*plans)
    n = 20_000
    p = ecef(rng.uniform(41.5, 46.5, n), rng.uniform(21.5, 30.5, n), rng.uniform(-500, 13e3, n))
    t = rng.uniform(-100, 1300, n)
    code = rng.integers(-1, 8, n)
    h = ecef_to_lla(p)[2]
    v = rng.normal(0.0, 150.0, (n, 3))
    speed = np.where(rng.random(n) < 0.05, np.nan, rng.uniform(0.0, 300.0, n))
    want = np.full(n, -1)
    for k in range(len(plans) - 1, -1, -1):
        fp = plans[k]
        # a leg is flown forwards when one second later the track is further along it
        ahead = np.stack(
            [
                _along_m(p + v, q0, q1) - _along_m(p, q0, q1) >= 0.0
                for q0, q1 in zip(fp.points[:-1], fp.points[1:], strict=True)
            ],
            1,
        )
        near = route_distance_m(p, fp.points) <= fp.half_width_m
        ok = (
            (near & ahead).any(axis=1)
            & (h >= fp.floor_m) & (h <= fp.ceiling_m)
            & (t >= fp.from_s) & (t <= fp.until_s)
            & ((fp.code < 0) | (code < 0) | (code == fp.code))
            & ((fp.min_speed_m_s <= 0) | (speed >= fp.min_speed_m_s))
        )  # fmt: skip
        want[ok] = k
    got = a.correlate(t, p, vel_ecef_m_s=v, speed_m_s=speed, code=code, h_m=h)
    assert (want >= 0).sum() > 200  # the draw exercises correlation
    np.testing.assert_array_equal(got, want)
    # one time for all tracks takes the path that keeps only the plans in force
    for t0 in (50.0, 550.0, 1250.0):
        np.testing.assert_array_equal(
            a.correlate(t0, p, vel_ecef_m_s=v, speed_m_s=speed, code=code, h_m=h),
            a.correlate(np.full(n, t0), p, vel_ecef_m_s=v, speed_m_s=speed, code=code, h_m=h),
        )


def _along_m(p: np.ndarray, q0: tuple[float, float], q1: tuple[float, float]) -> np.ndarray:
    """(n,) signed distance along the great circle from q0 towards q1 of each position's
    projection on it (m): an independent reading of the direction of flight."""
    a, b = (ecef(*q, 0.0)[0] for q in (q0, q1))
    a, b = a / np.linalg.norm(a), b / np.linalg.norm(b)
    nrm = np.cross(a, b) / np.linalg.norm(np.cross(a, b))
    u = p / np.linalg.norm(p, axis=1, keepdims=True)
    return np.asarray(np.arctan2(u @ np.cross(nrm, a), u @ a) * R_MEAN_M)


# ----------------------------------------------------------------------------- the identity


def inbound(plan_airspace: Airspace, *, t_s: float = 300.0, code: int = -1,
            squawk: bool = False, span_s: float = 38.0) -> Judgement:  # fmt: skip
    """A silent drone-like track first seen over the sea launch area, on the route to
    Constanța, flying towards it at 45 m/s and 1,000 m."""
    here = off_route(0.4, 0.0, 1000.0)
    to = ecef(*ROUTE[1], 1000.0)[0] - here[0]
    v = to / np.linalg.norm(to) * 45.0
    f = features_from_columns(
        span_s=np.array([span_s]),
        speed_m_s=np.array([45.0]),
        alt_m=np.array([1000.0]),
        lift_accel_m_s2=np.array([9.8]),
        squawk=np.array([float(squawk)]),
        origin_country=np.array([""]),
        origin_alt_m=np.array([1000.0]),
        alt_report_err_m=np.array([0.0 if squawk else np.nan]),
        age_s=np.array([60.0]),
    )
    return judge(
        f,
        DRONE,
        pos_ecef_m=here,
        vel_ecef_m_s=v.reshape(1, 3),
        first_pos_ecef_m=off_route(0.1, 0.0, 1000.0),
        updates=np.array([10]),
        t_s=t_s,
        code=np.array([code]),
        airspace=plan_airspace,
    )


def shown(ev: Judgement, steps: int = 12) -> int:
    mem = IdentityMemory.new(1)
    for k in range(steps):
        mem.step([0], k * 2.0, ev)
    return int(mem.code[0])


def test_an_uncorrelated_silent_track_from_the_sea_meets_h4_a_correlated_one_does_not() -> None:
    without = inbound(airspace())
    assert CRITERIA[int(without.criterion[0])] == "H4"
    assert shown(without) == HOSTILE
    planned = inbound(airspace(PLAN))
    assert planned.criterion[0] == 0 and planned.plan.tolist() == [0]
    code, rule = candidates(planned, np.array([True]))
    assert (str(identity_names(code)[0]), RULES[int(rule[0])]) == ("neutral", "P1")
    assert shown(planned) == NEUTRAL
    why = str(evidence_strings(code, rule, planned)[0])
    assert why.startswith("P1 neutral: correlates with flight plan sea_route"), why
    # outside the plan's window, or replying another code, it is uncorrelated: H4 again
    assert CRITERIA[int(inbound(airspace(PLAN), t_s=701.0).criterion[0])] == "H4"
    wrong = inbound(airspace(PLAN), code=0o2302, squawk=True)
    assert wrong.plan.tolist() == [-1] and CRITERIA[int(wrong.criterion[0])] == "H4"
    right = inbound(airspace(PLAN), code=0o2301, squawk=True)
    assert right.plan.tolist() == [0] and right.criterion[0] == 0
    # a code given for a silent track is no reply: it does not break the correlation
    assert inbound(airspace(PLAN), code=0o7777, squawk=False).plan.tolist() == [0]


@pytest.mark.parametrize(
    ("span_s", "p_civil", "rule"),
    [(15.0, 0.0, "P1"), (14.9, 0.0, "S3"), (14.9, 0.5, "P1"), (14.9, 0.49, "S3")],
)
def test_a_plan_makes_a_track_neutral_only_on_a_judged_envelope_or_a_civil_cue(
    span_s: float, p_civil: float, rule: str
) -> None:
    """P1 needs the kinematics judged on a window of `IdentityRules.kinematic_span_s` (15 s)
    or a cue calling the track civil (p ≥ 0.5): on a shorter window "inside the civil
    envelope" only means "not yet shown outside" (an MRBM's new track crossing an airway,
    cue ballistic missile), and the cue decides (S3 on the hostile classes' 0.51 here)."""
    ev = inbound(airspace(PLAN), span_s=span_s)
    p = np.array([[p_civil, 0.0, 1.0 - p_civil, 0.0, 0.0]])
    ev = Judgement(**{**{k: getattr(ev, k) for k in ev.__dataclass_fields__}, "p": p})
    assert ev.plan.tolist() == [0] and ev.civil_envelope.tolist() == [True]
    _, got = candidates(ev, np.array([False]))
    assert RULES[int(got[0])] == rule


def test_a_plan_does_not_hide_other_criteria() -> None:
    # the same correlated track, made fast and very low (H3), is not shielded by its plan
    ev = inbound(airspace(PLAN))
    fast = Judgement(**{**{k: getattr(ev, k) for k in ev.__dataclass_fields__},
                        "criterion": np.array([3])})  # fmt: skip
    _, rule = candidates(fast, np.array([False]))
    assert RULES[int(rule[0])] == "S1"


# ----------------------------------------------------------------------------- the scenario


def load(text: str) -> Airspace:
    return Airspace.from_scenario(load_scenario_text(HEAD + text, SOURCE).scenario)


def message(text: str) -> str:
    with pytest.raises(ScenarioError) as info:
        load_scenario_text(HEAD + text, SOURCE)
    return str(info.value)


def test_scenario_plans_by_airway_and_by_route() -> None:
    a = load(
        "airspace:\n  flight_plans:\n"
        "    - {id: a, airway: LBSF-LGAV, from_s: 0, until_s: 3600, code: '2301'}\n"
        "    - {id: b, route: [{lat_deg: 44.1, lon_deg: 30.2}, {lat_deg: 44.17, lon_deg: 28.66}],"
        " from_s: -60, until_s: 600, half_width_km: 5, floor_m: 100, ceiling_m: 5000,"
        " callsign: ROT123}\n"
    )
    assert a.plan_names == ("a", "b")
    assert a.plan_code.tolist() == [0o2301, -1]
    assert a.plan_callsigns == ("", "ROT123")
    assert a.plan_half_m.tolist() == [10e3, 5e3]
    # Sofia to Athens: the airway's great circle; its midpoint correlates
    mid = ecef((42.70 + 37.94) / 2, (23.41 + 23.94) / 2, 9000.0)
    assert route_distance_m(mid, [(42.70, 23.41), (37.94, 23.94)]).min() < 10e3
    assert a.correlate(100.0, mid).tolist() == [0]
    assert "flight_plans=2" in repr(a)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (
            "    - {id: a, airway: LBSF-LROP, from_s: 0, until_s: 60}\n",
            "scenario.yaml:14: airspace.flight_plans[0].airway: no airway of that name in "
            "civil_traffic.airways (got 'LBSF-LROP'; allowed: LBSF-LGAV, or give `route` as "
            "waypoints)",
        ),
        (
            "    - {id: a, airway: LBSF-LGAV, from_s: 0, until_s: 60}\n"
            "    - {id: a, airway: LBSF-LGAV, from_s: 0, until_s: 60}\n",
            "scenario.yaml:15: airspace.flight_plans[1].id: duplicate id (got 'a')",
        ),
        (
            "    - {id: a, from_s: 0, until_s: 60}\n",
            "scenario.yaml:14: airspace.flight_plans[0]: give either `airway` or `route`, not "
            "both or neither (got {'id': 'a', 'from_s': 0, 'until_s': 60})",
        ),
        (
            "    - {id: a, airway: LBSF-LGAV, from_s: 60, until_s: 60}\n",
            "scenario.yaml:14: airspace.flight_plans[0]: until_s must be after from_s (got 60..60)",
        ),
        (
            "    - {id: a, airway: LBSF-LGAV, from_s: 0, until_s: 60, code: '2389'}\n",
            "scenario.yaml:14: airspace.flight_plans[0].code: String should match pattern "
            "'^[0-7]{4}$' (got '2389')",
        ),
        (
            "    - {id: a, airway: LBSF-LGAV, from_s: 0, until_s: 60, half_width_km: 0}\n",
            "scenario.yaml:14: airspace.flight_plans[0].half_width_km: Input should be greater "
            "than 0 (got 0)",
        ),
        (
            "    - {id: a, route: [{lat_deg: 44.0, lon_deg: 28.0}], from_s: 0, until_s: 60}\n",
            "scenario.yaml:14: airspace.flight_plans[0].route: List should have at least 2 "
            "items after validation, not 1",
        ),
    ],
)
def test_bad_flight_plans_name_file_line_field_and_value(text: str, expected: str) -> None:
    assert message("airspace:\n  flight_plans:\n" + text).startswith(expected)


def test_every_airway_of_the_builtin_theatre_has_a_plan_covering_its_flights() -> None:
    from iamd.scenario.airports import airports
    from iamd.world.truth import build_truth

    loaded = load_scenario("balkans")
    a = Airspace.from_scenario(loaded.scenario)
    airways = {f"{w.origin}-{w.destination}" for w in loaded.scenario.civil_traffic.airways}
    planned = {fp.airway for fp in loaded.scenario.airspace.flight_plans}
    assert airways <= planned
    truth = build_truth(loaded, seed=1)
    checked = 0
    for i, group in enumerate(truth.group):
        if not str(group).startswith("airway "):
            continue
        # above its plan's floor at its minimum speed or faster: the lift-off and the
        # touchdown below them do not correlate
        speed = np.linalg.norm(truth.vel_ecef_m_s[i], axis=1)
        h = np.full(len(speed), -1e9)
        h[truth.present[i]] = ecef_to_lla(truth.pos_ecef_m[i, truth.present[i]])[2]
        on = truth.present[i] & (speed >= 100.0) & (h >= 1000.0)
        hit = a.correlate(
            truth.t_grid_s[on],
            truth.pos_ecef_m[i, on],
            vel_ecef_m_s=truth.vel_ecef_m_s[i, on],
            speed_m_s=speed[on],
        )
        assert on.any(), truth.ids[i]
        assert (hit >= 0).all(), truth.ids[i]
        # its own plan holds all along (where airways merge, another plan listed first may
        # be the one named)
        k = a.plan_names.index(str(group)[7:].replace("-", "_").lower())
        fp = loaded.scenario.airspace.flight_plans[k]
        o, d = (airports()[c] for c in str(fp.airway).split("-"))
        dist = route_distance_m(truth.pos_ecef_m[i, on], [(o.lat_deg, o.lon_deg),
                                                           (d.lat_deg, d.lon_deg)])  # fmt: skip
        assert (dist <= fp.half_width_km * 1e3).all(), truth.ids[i]
        t = truth.t_grid_s[on]
        assert ((t >= fp.from_s) & (t <= fp.until_s)).all(), truth.ids[i]
        checked += 1
    assert checked == sum(w.flights for w in loaded.scenario.civil_traffic.airways)


# ----------------------------------------------------------------------------- the tool


def test_iamd_identify_reads_the_scenarios_plans_and_codes(tmp_path: Path) -> None:
    scen = tmp_path / "s.yaml"
    scen.write_text(
        HEAD
        + "airspace:\n  launch_areas:\n    - name: sea\n      polygon:\n"
        + "".join(f"        - {{lat_deg: {la}, lon_deg: {lo}}}\n" for la, lo in SEA)
        + "  flight_plans:\n"
        "    - {id: sea_route, route: [{lat_deg: 44.1, lon_deg: 30.2}, "
        "{lat_deg: 44.17, lon_deg: 28.66}], from_s: 0, until_s: 3600, code: '2301'}\n"
    )
    # a track flying the route at 45 m/s and 1,000 m, once silent, once replying each code
    t = np.arange(0.0, 300.0, 4.0)
    frac = 0.1 + t * 45.0 / 130e3
    lat = 44.1 + (44.17 - 44.1) * frac
    lon = 30.2 + (28.66 - 30.2) * frac
    rows = []
    for tid, squawk in (("silent", ""), ("right", "2301"), ("wrong", "2302")):
        rows.append(pd.DataFrame({"t_s": t, "track_id": tid, "lat_deg": lat, "lon_deg": lon,
                                  "alt_m": 1000.0, "squawk": squawk}))  # fmt: skip
    tracks = tmp_path / "tracks.csv"
    pd.concat(rows).to_csv(tracks, index=False)
    out = tmp_path / "ids.csv"
    assert identify_command(tracks, out, scenario=scen) == 0
    ids = pd.read_csv(out, dtype={"rule": str}, keep_default_na=False)
    last = ids.groupby("track_id").last()
    assert last.loc["silent", "rule"] == "P1" and last.loc["silent", "identity"] == "neutral"
    # replying the plan's code it is neutral at maturity on N1, before its window is long
    # enough for P1 (the cue calls this slow, low track a drone); neutral it stays
    assert last.loc["right", "identity"] == "neutral" and last.loc["right", "rule"] == "N1"
    assert last.loc["wrong", "rule"] == "N1"  # a valid transponder, but not the plan's code
    assert (ids["identity"] != "hostile").all()
    # without the plan, the silent track is hostile on origin and intent
    scen.write_text(scen.read_text().split("  flight_plans:")[0])
    assert identify_command(tracks, out, scenario=scen) == 0
    ids = pd.read_csv(out, keep_default_na=False)
    assert ids[ids["track_id"] == "silent"]["evidence"].str.startswith("H4 hostile").any()


@pytest.mark.parametrize("command", ["validate", "identify"])
def test_a_bad_flight_plan_is_one_error_line_and_exit_2(tmp_path: Path, command: str) -> None:
    import subprocess
    import sys

    scen = tmp_path / "s.yaml"
    scen.write_text(
        HEAD + "airspace:\n  flight_plans:\n"
        "    - {id: a, airway: LBSF-LGAV, from_s: 0, until_s: 60, code: '2389'}\n"
    )
    tracks = tmp_path / "t.csv"
    tracks.write_text("t_s,track_id,lat_deg,lon_deg,alt_m\n0,a,44,28,1000\n")
    script = Path(sys.executable).with_name("iamd")
    cmd = [str(script)] if script.exists() else [sys.executable, "-m", "iamd.cli"]
    args = (
        ["validate", str(scen)]
        if command == "validate"
        else ["identify", str(tracks), "--out", str(tmp_path / "ids.csv"), "--scenario", str(scen)]
    )
    res = subprocess.run([*cmd, *args], capture_output=True, text=True, timeout=120)
    assert res.returncode == 2
    assert res.stderr.strip().splitlines() == [
        f"error: {scen}:14: airspace.flight_plans[0].code: String should match pattern "
        "'^[0-7]{4}$' (got '2389')"
    ]
    assert not (tmp_path / "ids.csv").exists()
