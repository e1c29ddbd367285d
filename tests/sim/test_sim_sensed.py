"""The engine on the sensed picture: the default, the radar horizon in the first-track times,
what each sharing policy lets a nation see, hand-over and re-acquisition, the picture's OSPA,
false-track bookkeeping, and the truth baseline.

The horizon reference is the 4/3-Earth radar line of sight of FS-1037C
(``iamd.geo.horizon.radar_horizon_range_m``).
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable

import numpy as np
import pandas as pd
import pyproj
import pytest

from iamd import __version__
from iamd.geo.horizon import radar_horizon_range_m
from iamd.scenario.loader import LoadedScenario, load_scenario, load_scenario_text
from iamd.scenario.schema import PictureMode
from iamd.sim.engine import RunResult, run
from iamd.sim.outcome import summarize

GEOD = pyproj.Geod(ellps="WGS84")
HOSTILE = ("drone", "cruise_missile", "ballistic_missile")

RADAR_LAT, RADAR_LON = 44.25, 28.55  # a GM400 on the coast at Constanța, 8 m antenna
HORIZON_SCENARIO = f"""
name: horizon
epoch: 2026-03-10T02:00:00Z
duration_s: 1400
nations:
  - {{code: ROU, name: Romania}}
assets:
  - {{name: constanta_port, nation: ROU, lat_deg: 44.17, lon_deg: 28.66, kind: port, value: 8}}
sensors:
  - {{id: gm400, type: ground_master_400, nation: ROU,
     lat_deg: {RADAR_LAT}, lon_deg: {RADAR_LON}}}
raids:
  - {{id: low, type: kalibr,
     launch: {{lat_deg: 44.0, lon_deg: 31.3}}, aim: {{asset: constanta_port}}}}
  - {{id: high, type: kalibr, altitude_m: 8000,
     launch: {{lat_deg: 44.0, lon_deg: 31.3}}, aim: {{asset: constanta_port}}}}
"""


def _first(events: pd.DataFrame, kind: str) -> pd.DataFrame:
    return events[events["kind"] == kind].drop_duplicates("entity").set_index("entity")


def test_builtin_scenario_runs_on_the_sensed_picture_by_default(
    full_run: Callable[[str], RunResult],
) -> None:
    assert load_scenario("balkans").scenario.picture == PictureMode.SENSED
    bare = load_scenario_text(HORIZON_SCENARIO, "horizon.yaml")  # no `picture:` line
    assert bare.scenario.picture == PictureMode.SENSED
    res = full_run("integrated")
    assert res.summary["picture"] == "sensed"
    assert res.picture is not None  # the sensed pictures at the end of the run
    eng = res.engagements
    assert len(eng) > 20
    assert eng["track"].str.fullmatch(r"joint track \d+").all()
    fires = res.events[res.events["kind"] == "fire"]
    assert fires["detail"].str.contains(r", joint track \d+$").all()
    inits = res.events[res.events["kind"] == "track_init"]
    assert inits["detail"].str.fullmatch(r"joint track \d+").all()
    # the picture still ends in kills of every threat class
    by_class = res.summary["by_class"]
    assert all(by_class[c]["threats_destroyed"] > 0 for c in HOSTILE)


def test_low_flyer_is_first_tracked_later_than_a_high_one_where_the_horizon_says_so() -> None:
    res = run(load_scenario_text(HORIZON_SCENARIO, "horizon.yaml"), seed=1)
    inits = _first(res.events, "track_init")
    t_low, t_high = inits.loc["low-001", "t_s"], inits.loc["high-001", "t_s"]
    assert t_low > t_high + 300.0  # same missile, same route: only the height differs
    # range from the radar at first track, against the 4/3-Earth line of sight
    truth = res.truth
    antenna_m = res.sensors.alt_m[0]
    for name, alt_m in (("low-001", 50.0), ("high-001", 8000.0)):
        j = truth.ids.index(name)
        k = int(np.searchsorted(truth.t_grid_s, inits.loc[name, "t_s"])) - 1
        lat, lon = np.degrees(_latlon(truth.pos_ecef_m[j, k]))
        _, _, ground_m = GEOD.inv(RADAR_LON, RADAR_LAT, lon, lat)
        horizon_m = float(radar_horizon_range_m(antenna_m, alt_m))
        if name == "low-001":
            # hidden by the horizon until ~43 km, then tracked within three scans (~7 km)
            assert ground_m <= horizon_m
            assert ground_m > horizon_m - 12_000.0
        else:  # the horizon (~380 km) is no limit: the radar equation is (~210 km on 0.3 m²)
            assert horizon_m > 350e3
            assert 150e3 < ground_m < horizon_m


def _latlon(pos: np.ndarray) -> tuple[float, float]:
    from iamd.geo.wgs84 import ecef_to_lla

    lat, lon, _ = ecef_to_lla(pos)
    return float(lat), float(lon)


def test_national_pictures_see_fewer_threats_aimed_at_other_nations(
    full_run: Callable[[str], RunResult],
) -> None:
    seen = {}
    for policy in ("integrated", "national"):
        res = full_run(policy)
        aim = dict(zip(res.truth.ids, res.truth.aim_nation, strict=True))
        inits = res.events[(res.events["kind"] == "track_init") & (res.events["entity"] != "")]
        inits = inits.assign(aim=inits["entity"].map(aim))
        threats = inits[inits["aim"] != ""]
        layout = res.layout
        seen[policy] = {
            nation: set(
                threats.loc[
                    (threats["picture"] == layout.names[layout.of_nation[nation]])
                    & (threats["aim"] != nation),
                    "entity",
                ]
            )
            for nation in ("GRC", "BGR", "ROU", "TUR", "USA")
        }
    for nation in seen["national"]:
        nat, joint = seen["national"][nation], seen["integrated"][nation]
        assert len(nat) < len(joint), nation
        # what a nation's own radars see, the joint picture sees too (bar a track or two
        # that the joint picture confirmed on another object's plots first)
        assert len(nat - joint) <= max(1, len(nat) // 10), (nation, nat - joint)
    assert len(seen["integrated"]["GRC"]) > 40  # the joint picture shows Greece the raids


def test_joint_picture_hands_tracks_over_between_nations(
    full_run: Callable[[str], RunResult],
) -> None:
    ev = full_run("integrated").events
    handovers = ev[ev["kind"] == "handover"]
    assert len(handovers) >= 5
    assert (handovers["picture"] == "joint").all()
    parts = handovers["detail"].str.extract(r"^joint track (\d+): ([A-Z]{3}) -> ([A-Z]{3})$")
    assert parts.notna().all().all()
    assert (parts[1] != parts[2]).all()
    # the track keeps its number: it was confirmed under that number and not dropped before
    inits = ev[ev["kind"] == "track_init"]
    for row, num in zip(handovers.itertuples(), parts[0], strict=True):
        started = inits[(inits["detail"] == f"joint track {num}") & (inits["t_s"] <= row.t_s)]
        assert len(started) == 1, row
    # the joint picture re-acquires only across real coverage gaps (e.g. TPY-2 -> SPY-1)
    reacq = ev[ev["kind"] == "reacquire"]
    assert (reacq["value"] > 0).all()


def test_national_pictures_reacquire_targets_passing_from_nation_to_nation(
    full_run: Callable[[str], RunResult],
) -> None:
    ev = full_run("national").events
    reacq = ev[ev["kind"] == "reacquire"]
    assert len(reacq) >= 20
    assert not (ev["kind"] == "handover").any()  # a national picture has one nation's radars
    parts = reacq["detail"].str.extract(r"^([A-Z]{3}) track \d+, last held by ([A-Z]{3})$")
    assert parts.notna().all().all()
    assert (reacq["value"] >= 0.0).all()
    assert (reacq["value"] > 0.0).any() and (reacq["value"] == 0.0).any()
    # the US picture (AN/TPY-2, SPY-1) tracks the MRBMs before the nations they are aimed at
    mrbm = reacq[reacq["entity"].str.startswith("mrbm_")]
    assert (parts.loc[mrbm.index, 1] == "USA").any()


@pytest.mark.parametrize("policy", ["integrated", "national"])
def test_picture_ospa_is_reported(full_run: Callable[[str], RunResult], policy: str) -> None:
    s = full_run(policy).summary
    assert 0.0 < s["picture_ospa_m"] < 10_000.0
    by_picture = s["picture_ospa_by_picture_m"]
    assert set(by_picture) == ({"joint"} if policy == "integrated" else
                               {"GRC", "BGR", "ROU", "TUR", "USA"})  # fmt: skip
    if policy == "integrated":
        assert s["picture_ospa_m"] == by_picture["joint"] < 1_000.0
    assert s["tracks_initiated"] == int((full_run(policy).events["kind"] == "track_init").sum())
    assert s["false_tracks"] <= 3
    assert s["interceptors_at_false_tracks"] == 0  # a false track aims at no asset
    keys = list(s)
    assert keys.index("picture_ospa_m") > keys.index("shots_by_effector_kind")


def test_false_tracks_are_identified_like_any_track_and_shots_at_them_are_counted(
    full_run: Callable[[str], RunResult],
) -> None:
    res = full_run("national")
    ev = res.events
    false_ids = ev[(ev["kind"] == "identity") & (ev["entity"] == "")]
    # the classifier never sees the truth: a false track gets an identity from its kinematics
    words = false_ids["detail"].str.split(" ").str[0]
    assert words.isin(["unknown", "suspect", "hostile", "neutral", "pending"]).all()
    assert false_ids["detail"].str.contains(r"\| ", regex=True).all()  # evidence with p
    # a wasted salvo (a shot at a track that follows no object) is counted, not scored
    eng = res.engagements
    fake = eng.iloc[[0]].assign(seq=len(eng), threat="", threat_class="", aim_nation="",
                                rounds=2, result="miss")  # fmt: skip
    s = summarize(res.loaded, res.seed, res.truth, ev, pd.concat([eng, fake]), __version__)
    assert s["interceptors_at_false_tracks"] == 2
    assert s["threats_destroyed"] == res.summary["threats_destroyed"]
    assert s["civil_aircraft_engaged"] == 0


def test_truth_picture_stays_a_working_baseline(scenario_text: Callable[..., str]) -> None:
    text = scenario_text(duration_s=1200)
    text, n = re.subn(r"^picture: \w+$", "picture: truth", text, flags=re.MULTILINE)
    assert n == 1
    truth_run = run(load_scenario_text(text, "truth.yaml"))
    s = truth_run.summary
    assert s["picture"] == "truth"
    assert s["picture_ospa_m"] == 0.0 and s["picture_ospa_by_picture_m"] == {}
    assert truth_run.picture is None
    ev = truth_run.events
    assert not ev["kind"].isin(["handover", "reacquire"]).any()
    assert (ev.loc[ev["kind"] == "track_init", "detail"] == "").all()
    assert (truth_run.engagements["track"] == "").all()
    assert s["threats_destroyed"] > 5 and s["civil_aircraft_engaged"] == 0
    json.dumps(s)  # serialisable


def test_sensed_run_is_repeatable_in_process(scenario: Callable[..., LoadedScenario]) -> None:
    loaded = scenario(duration_s=600)
    a, b = run(loaded, seed=5), run(loaded, seed=5)
    assert json.dumps(a.summary) == json.dumps(b.summary)
    pd.testing.assert_frame_equal(a.events, b.events)
