"""The scenario's ``tracking:`` settings reach the engine's one tracker.

A drone crosses the coverage of a Ground Master 400 and a Skynex fire-control radar; the time
of its track's confirmation moves with the confirmation rule written in the scenario, and the
defaults of the section are the tracker's own.
"""

from __future__ import annotations

import dataclasses

import pytest

from iamd.analysis.params import check_params, parse_param
from iamd.scenario.loader import load_scenario_text
from iamd.scenario.schema import Tracking
from iamd.sim.engine import run
from iamd.track.manager import TrackerParams
from iamd.track.sensed import scenario_tracker_params

SCENARIO = """\
name: tracking
epoch: 2026-03-10T02:00:00Z
duration_s: 400
time_step_s: 2
nations:
  - {code: BGR, name: Bulgaria}
assets:
  - {name: npp, nation: BGR, lat_deg: 43.746, lon_deg: 23.771, kind: nuclear, value: 10}
sensors:
  - {id: gm, type: ground_master_400, nation: BGR, lat_deg: 43.60, lon_deg: 23.95, alt_m: 300}
effectors: []
raids:
  - {id: d, type: shahed136, launch: {lat_deg: 43.62, lon_deg: 23.60}, aim: {asset: npp}}
"""


def _confirmed_at(extra: str) -> float:
    res = run(load_scenario_text(SCENARIO + extra, "tracking.yaml"), seed=1)
    ev = res.events
    init = ev[(ev["kind"] == "track_init") & (ev["entity"] != "")]
    assert len(init), "the drone was never tracked"
    return float(init["t_s"].min())


def test_the_scenarios_confirmation_rule_drives_the_engines_tracker() -> None:
    sprt = _confirmed_at("")
    slow = _confirmed_at("tracking: {confirmation: m_of_n, confirm_m: 6, confirm_n: 6}\n")
    assert slow > sprt  # six looks of a 10 s radar against the sequential test's few


def test_tracking_defaults_are_the_trackers() -> None:
    engine = scenario_tracker_params(Tracking())
    assert engine == TrackerParams()
    mapped = {f.name for f in dataclasses.fields(TrackerParams)} & set(Tracking.model_fields)
    for name in mapped:  # every field both have, carried over
        assert getattr(engine, name) == getattr(Tracking(), name), name


def test_tracking_settings_are_sweepable_and_validated() -> None:
    check_params(SCENARIO, "tracking.yaml", [parse_param("tracking.q_m2_s3=0.5,1,2"),
                 parse_param("tracking.confirmation=sprt,m_of_n")])  # fmt: skip
    with pytest.raises(Exception, match=r"tracking\.confirmation"):
        check_params(SCENARIO, "tracking.yaml", [parse_param("tracking.confirmation=mofn")])
    with pytest.raises(Exception, match="confirm_m must not exceed confirm_n"):
        load_scenario_text(SCENARIO + "tracking: {confirm_m: 4, confirm_n: 3}\n", "t.yaml")
