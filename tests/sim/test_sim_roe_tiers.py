"""Rules of engagement per tier: point defence may engage a suspect inside a prohibited zone.

A drone launched inside Bulgaria flies at the Kozloduy plant, guarded by a Skynex gun (4 km)
and a 3.5 km prohibited zone. Under ``engage_identities: [hostile]`` alone the gun waits until
the zone criterion has held for ``sustain_s``; with a tier giving guns authority over suspects
inside protected zones it fires as soon as the drone is in the zone; outside the zone it never
fires at an unknown track, though the drone is within the gun's reach.
"""

from __future__ import annotations

import numpy as np

from iamd.geo.wgs84 import lla_to_ecef
from iamd.scenario.loader import load_scenario_text
from iamd.sim.engine import RunResult, run

SCENARIO = """\
name: zone
epoch: 2026-03-10T02:00:00Z
duration_s: 600
time_step_s: 2
nations:
  - {code: BGR, name: Bulgaria}
assets:
  - {name: npp, nation: BGR, lat_deg: 43.746, lon_deg: 23.771, kind: nuclear, value: 10}
sensors:
  - {id: fc, type: skynex_fc, nation: BGR, lat_deg: 43.745, lon_deg: 23.76, alt_m: 40}
  - {id: gm, type: ground_master_400, nation: BGR, lat_deg: 43.60, lon_deg: 23.95, alt_m: 300}
effectors:
  - {id: gun, type: skynex, nation: BGR, lat_deg: 43.745, lon_deg: 23.76, alt_m: 40}
raids:
  - {id: d, type: shahed136, launch: {lat_deg: 43.62, lon_deg: 23.60}, aim: {asset: npp}}
airspace:
  protected_zones:
    - {name: npp_zone, asset: npp, radius_km: 3.5, ceiling_m: 3000}
rules_of_engagement:
  engage_identities: [hostile]
"""
TIER = """\
  tiers:
    - {kinds: [gun, laser], identities: [suspect], inside_protected_zones: true}
"""


def _first_fire(res: RunResult) -> tuple[float, float, str]:
    """Time of the first shot, the drone's distance from the plant then, and its identity."""
    ev = res.events
    fire = ev[ev["kind"] == "fire"].sort_values("t_s")
    assert len(fire), "the gun never fired"
    t = float(fire["t_s"].iloc[0])
    k = int(np.searchsorted(res.truth.t_grid_s, t))
    npp = np.asarray(lla_to_ecef(np.radians(43.746), np.radians(23.771), 0.0))
    d = float(np.linalg.norm(res.truth.pos_ecef_m[0, k] - npp))
    ids = ev[(ev["kind"] == "identity") & (ev["t_s"] <= t)].sort_values("t_s")
    return t, d, str(ids["detail"].iloc[-1]).split(" ")[0]


def test_point_defence_tier_engages_a_suspect_inside_the_zone_earlier() -> None:
    plain = run(load_scenario_text(SCENARIO, "zone.yaml"), seed=1)
    tiered = run(load_scenario_text(SCENARIO + TIER, "zone_tier.yaml"), seed=1)
    t0, d0, id0 = _first_fire(plain)
    t1, d1, id1 = _first_fire(tiered)
    assert id0 == "hostile"
    assert id1 == "suspect"
    assert t1 < t0 and d1 > d0
    assert d1 <= 3_600.0  # inside the zone (3.5 km) when it fired, give or take a step
    assert plain.summary["civil_aircraft_engaged"] == tiered.summary["civil_aircraft_engaged"] == 0


def test_a_tier_never_reaches_outside_the_zone() -> None:
    # a zone smaller than the gun's reach: no shot before the drone is inside it
    small = SCENARIO.replace("radius_km: 3.5", "radius_km: 1.5")
    res = run(load_scenario_text(small + TIER, "small.yaml"), seed=1)
    _, d, _ = _first_fire(res)
    assert d <= 1_600.0
