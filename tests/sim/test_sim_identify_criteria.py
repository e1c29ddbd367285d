"""Identification criteria in the engine, on the built-in theatre: which criterion makes each
threat hostile, and in time for the defence.

The references are the scenario's airspace control measures (its declared launch area over the
western Black Sea, the nuclear plants' prohibited zones) and the truth of the run: where each
threat was launched and when it came within the reach of the first fire unit able to engage it.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import pandas as pd

from iamd.geo.borders import country_at
from iamd.scenario.catalog import THREAT_CLASSES
from iamd.sim.engine import RunResult


def _first_hostile(res: RunResult) -> pd.DataFrame:
    ev = res.events
    ids = ev[(ev["kind"] == "identity") & ev["detail"].str.startswith("hostile")]
    first = ids.sort_values("t_s", kind="stable").groupby("entity").first()
    # a criterion H1-H5, or D: declared by the identification authority (a patrol's look)
    first["criterion"] = first["detail"].str.extract(r"^hostile \((H\d|D) ", expand=False)
    return first


def _reach_time(res: RunResult, i: int) -> float:
    """First time object i is within the maximum range of a unit that can engage its class."""
    t = res.truth
    u = res.effectors
    c = THREAT_CLASSES.index(t.cls[i])
    able = u.pk[:, c] > 0.0
    rng = np.where(t.cls[i] == "ballistic_missile", u.max_range_bm_m, u.max_range_m)
    on = t.present[i]
    pos = t.pos_ecef_m[i, on]
    d = np.linalg.norm(pos[:, None, :] - u.pos_ecef_m[None, able, :], axis=2)
    inside = (d <= rng[able][None, :]).any(axis=1)
    return float(t.t_grid_s[on][inside][0]) if inside.any() else np.inf


def test_every_threat_is_hostile_on_a_criterion_not_on_the_cue(
    full_run: Callable[[str], RunResult],
) -> None:
    res = full_run("integrated")
    first = _first_hostile(res)
    cls = dict(zip(res.truth.ids, res.truth.cls.tolist(), strict=True))
    first["cls"] = first.index.map(cls)
    threats = first[first["cls"].isin(["drone", "cruise_missile", "ballistic_missile"])]
    assert len(threats) >= 45
    assert threats["criterion"].notna().all(), threats["detail"].head()
    # sea-launched drones and cruise missiles: origin and intent (or the envelope)
    by = threats.groupby("cls")["criterion"].agg(lambda s: set(s))
    # (or a patrol's look, D: drones and cruise missiles are slower than its dash)
    assert by["drone"] <= {"H4", "H5", "D"}
    assert by["ballistic_missile"] <= {"H2", "H3", "H4"}
    assert by["cruise_missile"] <= {"H3", "H4", "D"}


def test_a_drone_from_the_sea_launch_area_is_hostile_before_the_outer_layer(
    full_run: Callable[[str], RunResult],
) -> None:
    res = full_run("integrated")
    first = _first_hostile(res)
    t = res.truth
    checked = 0
    for i, eid in enumerate(t.ids):
        if t.cls[i] != "drone" or not str(t.group[i]).startswith(("shahed_constanta",
                                                                  "shahed_cernavoda")):  # fmt: skip
            continue
        if eid not in first.index:
            continue  # never tracked
        assert first.loc[eid, "criterion"] == "H4", first.loc[eid, "detail"]
        assert first.loc[eid, "t_s"] < _reach_time(res, i), eid
        checked += 1
    assert checked >= 15


def test_drones_launched_inside_friendly_territory_become_hostile_in_the_protected_zone(
    full_run: Callable[[str], RunResult],
) -> None:
    # the Kozloduy raid starts over the Danube (Romania or Bulgaria): no origin evidence;
    # the plant's zone decides, unless a patrol's look declares the drone first
    res = full_run("integrated")
    first = _first_hostile(res)
    t = res.truth
    kozloduy = [i for i, g in enumerate(t.group) if str(g) == "shahed_kozloduy"]
    assert kozloduy
    for i in kozloduy:
        lat, lon = np.radians(t.start_lla[i, 0]), np.radians(t.start_lla[i, 1])
        assert str(np.asarray(country_at(lat, lon))) in ("ROU", "BGR")
        eid = t.ids[i]
        if eid not in first.index:
            continue
        if first.loc[eid, "criterion"] == "D":
            ev = res.events
            looks = ev[(ev["kind"] == "vid") & (ev["entity"] == eid)]
            said = looks[looks["detail"].str.endswith("(drone): hostile")]
            assert len(said) and said["t_s"].min() <= first.loc[eid, "t_s"], eid
        else:
            assert first.loc[eid, "criterion"] == "H5", first.loc[eid, "detail"]
            assert "kozloduy_npp_zone" in first.loc[eid, "detail"]
    ev = res.events
    ids = ev[(ev["kind"] == "identity") & ev["entity"].isin([t.ids[i] for i in kozloduy])]
    before = ids[~ids["detail"].str.startswith("hostile")]
    # before the zone they are at most suspect: never engaged
    assert before["detail"].str.split(" ").str[0].isin(["unknown", "suspect"]).all()


def test_silent_general_aviation_over_friendly_land_stays_below_hostile(
    full_run: Callable[[str], RunResult],
) -> None:
    # light aircraft taking off from Bulgarian, Romanian and Greek fields, gliders,
    # helicopters: the silent ones are unknown (or suspect near a zone), never hostile
    res = full_run("integrated")
    t = res.truth
    ga = [i for i, ty in enumerate(t.type) if ty in ("light_aircraft", "glider", "helicopter")]
    silent = {t.ids[i] for i in ga if not t.has_transponder[i]}
    ev = res.events
    ids = ev[(ev["kind"] == "identity") & ev["entity"].isin(silent)]
    assert ids["entity"].nunique() >= 5
    words = ids["detail"].str.split(" ").str[0]
    assert set(words) <= {"unknown", "suspect", "neutral"}
    assert (words == "unknown").mean() > 0.5
    fired = ev[(ev["kind"] == "fire") & ev["entity"].isin({t.ids[i] for i in ga})]
    assert fired.empty
    assert res.summary["civil_aircraft_engaged"] == 0
    assert res.summary["civil_aircraft_destroyed"] == 0
