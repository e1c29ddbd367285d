"""Valid but empty scenarios run to completion and report (no threats, no radars, no civil
traffic, nothing at all): every scenario ``validate`` accepts, ``run`` runs."""

from __future__ import annotations

import math

import pytest

from iamd.files import strict_json
from iamd.scenario.loader import load_scenario_text
from iamd.sim.engine import run

HEADER = """\
name: empty
epoch: 2026-03-10T02:00:00Z
duration_s: 120
time_step_s: 2
nations:
  - {code: BGR, name: Bulgaria}
assets:
  - {name: npp, nation: BGR, lat_deg: 43.746, lon_deg: 23.771, kind: nuclear, value: 10}
"""
RADAR = """\
sensors:
  - {id: gm, type: ground_master_400, nation: BGR, lat_deg: 43.60, lon_deg: 23.95, alt_m: 300}
"""
EFFECTOR = """\
effectors:
  - {id: sam, type: iris_t_slm, nation: BGR, lat_deg: 43.70, lon_deg: 23.80}
"""
RAID = """\
raids:
  - {id: d, type: shahed136, launch: {lat_deg: 43.62, lon_deg: 23.60}, aim: {asset: npp}}
"""
CIVIL = """\
civil_traffic:
  airways:
    - {origin: LBSF, destination: LROP, flights: 3, interval_s: 20}
"""

CASES = {
    "no threats": RADAR + EFFECTOR + "raids: []\n" + CIVIL,
    "no radars": "sensors: []\n" + EFFECTOR + RAID + CIVIL,
    "no civil traffic": RADAR + EFFECTOR + RAID,
    "nothing": "sensors: []\neffectors: []\nraids: []\n",
}


@pytest.mark.parametrize("name", CASES)
def test_an_empty_scenario_runs_and_reports(name: str) -> None:
    result = run(load_scenario_text(HEADER + CASES[name], f"{name}.yaml"), seed=1)
    text = strict_json(result.summary)  # strict JSON: no NaN or Infinity anywhere
    assert result.summary["civil_aircraft_engaged"] == 0
    launched = result.summary["threats_launched"]
    assert launched == (0 if "raids: []" in CASES[name] else 1)
    if name == "no radars":  # nothing seen: nothing engaged, the drone is a leaker or in flight
        assert result.summary["interceptors_fired"] == 0
        assert result.summary["tracks_initiated"] == 0
    assert "NaN" not in text and "Infinity" not in text
    ospa = result.summary["picture_ospa_m"]
    assert ospa is None or math.isfinite(ospa)
