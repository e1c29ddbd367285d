"""Civil traffic in the truth: transponder settings and RCS overrides of airways, recorded
flights and general aviation, and the general-aviation sets flown by
``iamd.world.general_aviation``; their echoes and replies as the radars sense them."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from iamd.errors import ScenarioError
from iamd.geo.geodesic import geodesic_inverse
from iamd.rng import stream
from iamd.scenario.loader import load_scenario_text
from iamd.sense.scan import scan, sensor_streams
from iamd.sim.setup import build_sensors
from iamd.world.truth import Truth, build_truth, transponder_flags

HEAD = """\
name: civil
epoch: 2026-03-10T02:00:00Z
duration_s: 600
nations:
  - {code: BGR, name: Bulgaria}
sensors:
  - {id: radar_sofia, type: ground_master_400, nation: BGR, lat_deg: 42.69, lon_deg: 23.40}
civil_traffic:
"""


def _truth(body: str, seed: int = 1, source: str = "civil.yaml") -> Truth:
    return build_truth(load_scenario_text(HEAD + body, source), seed)


def _rows(truth: Truth, prefix: str) -> np.ndarray:
    return np.array([i for i, oid in enumerate(truth.ids) if oid.startswith(prefix)])


# --- transponder_flags -----------------------------------------------------------------------


IDS = [f"set-{i}" for i in range(1, 41)]


@pytest.mark.parametrize(("setting", "on"), [("on", 40), ("off", 0), (1.0, 40), (0.0, 0)])
def test_on_and_off_are_exact(setting: str | float, on: int) -> None:
    for seed in (0, 1, 2, 99):
        flags = transponder_flags(setting, IDS, seed, default=not bool(on))
        assert flags.dtype == bool and flags.shape == (40,)
        assert int(flags.sum()) == on


def test_no_setting_keeps_the_type_default() -> None:
    assert transponder_flags(None, IDS, 1, True).all()
    assert not transponder_flags(None, IDS, 1, False).any()


@pytest.mark.parametrize(
    ("fraction", "n", "on"),
    [(0.5, 40, 20), (0.25, 10, 3), (0.24, 10, 2), (0.05, 4, 0), (0.9, 3, 3)],
)
def test_a_fraction_turns_on_that_share_rounded_to_the_nearest_flight(
    fraction: float, n: int, on: int
) -> None:
    for seed in range(5):
        assert int(transponder_flags(fraction, IDS[:n], seed, False).sum()) == on


def test_which_flights_squawk_is_deterministic_per_seed_and_changes_with_it() -> None:
    a = transponder_flags(0.5, IDS, 7, False)
    assert np.array_equal(a, transponder_flags(0.5, IDS, 7, False))
    others = [transponder_flags(0.5, IDS, s, False) for s in (8, 9, 10)]
    assert any(not np.array_equal(a, b) for b in others)


def test_the_flights_on_are_those_with_the_smallest_draws_of_their_own_streams() -> None:
    draws = np.array([stream(3, "transponder", oid).random() for oid in IDS])
    for k in (1, 10, 25):
        flags = transponder_flags(k / 40, IDS, 3, False)
        assert set(np.flatnonzero(flags)) == set(np.argsort(draws)[:k].tolist())
    # so a larger share keeps every flight a smaller one turned on
    assert np.all(transponder_flags(0.5, IDS, 3, False)[transponder_flags(0.2, IDS, 3, False)])


# --- airways ---------------------------------------------------------------------------------


def test_airway_transponder_fraction_and_rcs_override_reach_the_truth() -> None:
    body = (
        "  airways:\n"
        "    - {origin: LBSF, destination: LGAV, flights: 8, interval_s: 60, transponder: 0.5,"
        " rcs_m2: 35}\n"
        "    - {origin: LGAV, destination: LBSF, flights: 2, transponder: off}\n"
        "    - {origin: LROP, destination: LTFM, flights: 2}\n"
    )
    truth = _truth(body)
    first, second, third = _rows(truth, "LBSF-"), _rows(truth, "LGAV-"), _rows(truth, "LROP-")
    assert int(truth.has_transponder[first].sum()) == 4
    assert not truth.has_transponder[second].any()
    assert truth.has_transponder[third].all()  # the airliner type's default
    assert np.all(truth.rcs_m2[first] == 35.0)
    assert np.all(truth.rcs_m2[np.r_[second, third]] == 20.0)  # the catalog's
    assert not truth.has_iff.any()
    again = _truth(body)
    assert np.array_equal(truth.has_transponder, again.has_transponder)


# --- recorded flights ------------------------------------------------------------------------


def _points(tmp_path: Path, n: int) -> Path:
    """n straight flights near Sofia, one report every 10 s for 10 minutes."""
    rows = ["flight_id,t_unix_s,lat_deg,lon_deg,alt_m"]
    for f in range(n):
        for k in range(61):
            lat = 42.3 + 0.05 * f
            rows.append(f"F{f:02d},{1_700_000_000 + 10 * k},{lat:.4f},{23.0 + 0.01 * k:.4f},3000")
    path = tmp_path / "few_points.csv"
    path.write_text("\n".join(rows) + "\n", encoding="utf-8")
    return path


@pytest.mark.parametrize(
    ("setting", "on"), [("", 10), ("transponder: off", 0), ("transponder: 0.3", 3)]
)
def test_recorded_flights_take_the_sources_transponder_setting(
    tmp_path: Path, setting: str, on: int
) -> None:
    path = _points(tmp_path, 10)
    extra = f", {setting}" if setting else ""
    body = f"  recorded:\n    - {{file: {path.name}, rcs_m2: 3{extra}}}\n"
    truth = _truth(body, source=str(tmp_path / "civil.yaml"))
    rec = _rows(truth, "rec-")
    assert len(rec) == 10
    assert int(truth.has_transponder[rec].sum()) == on  # default on: they were recorded
    assert not truth.has_iff[rec].any()
    assert np.all(truth.rcs_m2[rec] == 3.0)


# --- general aviation ------------------------------------------------------------------------


GA = """\
  general_aviation:
    - {id: circ, type: light_aircraft, pattern: circuit, count: 3, spacing_s: 120,
       area: {lat_deg: 42.69, lon_deg: 23.41, radius_km: 2}, alt_m: 550, transponder: off,
       rcs_m2: 1}
    - {id: glid, type: glider, pattern: thermalling, count: 4,
       area: {lat_deg: 42.5, lon_deg: 23.6, radius_km: 10}, transponder: 0.5}
    - {id: heli, type: helicopter, pattern: hover, count: 2, start_s: -100, duration_s: 400,
       area: {lat_deg: 42.6, lon_deg: 23.3}}
"""


def test_general_aviation_sets_become_civil_members_after_every_other_object() -> None:
    truth = _truth("  airways:\n    - {origin: LBSF, destination: LGAV}\n" + GA)
    assert truth.ids == [
        "LBSF-LGAV-1", "circ-1", "circ-2", "circ-3", "glid-1", "glid-2", "glid-3", "glid-4",
        "heli-1", "heli-2",
    ]  # fmt: skip
    ga = np.arange(1, 10)
    assert set(truth.cls[ga]) == {"airliner"}  # the civil class
    assert truth.type[1:].tolist() == ["light_aircraft"] * 3 + ["glider"] * 4 + ["helicopter"] * 2
    assert truth.group[1] == "general_aviation circ"
    assert not truth.has_iff[ga].any()  # general aviation answers no IFF
    assert not truth.has_transponder[1:4].any()
    assert int(truth.has_transponder[4:8].sum()) == 2
    assert truth.has_transponder[8:10].all()  # the helicopter type's default
    assert truth.rcs_m2[1:].tolist() == [1.0] * 3 + [0.3] * 4 + [4.0] * 2
    assert truth.cost_usd[ga].sum() == 0.0


def test_general_aviation_timing_spacing_and_area() -> None:
    truth = _truth(GA)
    # circuits start 120 s apart and fly on past the end of the run (no landing logged)
    assert truth.t_start_s[:3].tolist() == [0.0, 120.0, 240.0]
    assert np.all(truth.t_end_s[:7] > 600.0)
    assert truth.present[:7, -1].all()
    # the helicopters fly [-100, 300] s: airborne at t = 0, gone after 300 s
    assert truth.t_start_s[7:].tolist() == [-100.0, -100.0]
    assert truth.t_end_s[7:].tolist() == [300.0, 300.0]
    assert truth.present[7:, 0].all() and not truth.present[7:, -1].any()
    # circuits lift off at their field (550 m) within 2 km of the aerodrome's point
    lat0, lon0, h0 = truth.start_lla[:3].T
    _, _, dist = geodesic_inverse(
        np.radians(lat0), np.radians(lon0), np.radians(42.69), np.radians(23.41)
    )
    assert np.all(np.asarray(dist) <= 2_000.0 + 1.0)
    assert np.allclose(h0, 550.0, atol=1.0)
    # no radius: both helicopters start at the area's point, at heights of their own
    assert np.allclose(truth.start_lla[7:, :2], [[42.6, 23.3]] * 2, atol=1e-9)
    assert truth.start_lla[7, 2] != truth.start_lla[8, 2]


def test_general_aviation_is_deterministic_per_seed() -> None:
    a, b, c = _truth(GA, seed=4), _truth(GA, seed=4), _truth(GA, seed=5)
    assert np.array_equal(a.pos_ecef_m, b.pos_ecef_m, equal_nan=True)
    assert np.array_equal(a.has_transponder, b.has_transponder)
    assert not np.array_equal(a.pos_ecef_m, c.pos_ecef_m, equal_nan=True)


def test_a_set_whose_object_ids_are_taken_is_a_scenario_error() -> None:
    body = (
        "  airways:\n    - {origin: LBSF, destination: LGAV}\n"
        "  general_aviation:\n"
        "    - {id: LBSF-LGAV, pattern: orbit, area: {lat_deg: 42.7, lon_deg: 23.4}}\n"
    )
    with pytest.raises(ScenarioError) as exc:
        _truth(body)
    assert str(exc.value) == (
        "civil.yaml:12: civil_traffic.general_aviation[0].id: the set's object id "
        "'LBSF-LGAV-1' is already that of another object (an airway or recorded flight); "
        "choose another id (got 'LBSF-LGAV')"
    )


# --- what the radars sense -------------------------------------------------------------------


def _plots_by_object(
    truth: Truth, loaded_body: str
) -> tuple[dict[int, list[float]], dict[int, int]]:
    loaded = load_scenario_text(HEAD + loaded_body, "civil.yaml")
    sensors = build_sensors(loaded)
    streams = sensor_streams(1, sensors.ids)
    rcs: dict[int, list[float]] = {}
    squawks: dict[int, int] = {}
    for k in range(0, len(truth.t_grid_s) - 1):
        plots = scan(
            sensors,
            truth.pos_ecef_m[:, k, :],
            truth.present[:, k],
            truth.rcs_m2,
            float(truth.t_grid_s[k]),
            2.0,
            streams,
            has_transponder=truth.has_transponder,
            has_iff=truth.has_iff,
            false_alarms_per_scan=np.zeros(len(sensors)),
            dropout=0.0,
        )
        for e, r, sq in zip(plots.entity, plots.rcs_m2, plots.squawk, strict=True):
            rcs.setdefault(int(e), []).append(float(r))
            squawks[int(e)] = squawks.get(int(e), 0) + int(sq)
    return rcs, squawks


def test_rcs_override_and_transponder_reach_the_sensed_plots() -> None:
    # two helicopters hovering side by side near the radar, one with a 40 m² override
    body = (
        "  general_aviation:\n"
        "    - {id: big, type: helicopter, pattern: hover, area: {lat_deg: 42.75, lon_deg: 23.5},"
        " rcs_m2: 40, transponder: off}\n"
        "    - {id: small, type: helicopter, pattern: hover, area: {lat_deg: 42.75, lon_deg: 23.5},"
        " transponder: on}\n"
    )
    truth = _truth(body)
    rcs, squawks = _plots_by_object(truth, body)
    big, small = np.mean(rcs[0]), np.mean(rcs[1])
    assert len(rcs[0]) > 50 and len(rcs[1]) > 50
    # Swerling I (mean 1) times a 1.5 dB log-normal calibration error: the means are the RCS
    # within ~25 % over some 60 looks each
    assert big == pytest.approx(40.0, rel=0.3) and small == pytest.approx(4.0, rel=0.3)
    assert squawks[0] == 0 and squawks[1] == len(rcs[1])  # no dropout: every look replies


# --- the built-in theatre --------------------------------------------------------------------


def test_builtin_theatre_flies_general_aviation_with_silent_and_small_aircraft() -> None:
    from iamd.scenario.loader import load_scenario

    loaded = load_scenario("balkans")
    truth = build_truth(loaded, 1)
    ga = np.array([g.startswith("general_aviation ") for g in truth.group])
    assert 20 <= int(ga.sum()) <= 40
    assert set(truth.type[ga]) == {"light_aircraft", "glider", "helicopter"}
    assert set(truth.cls[ga]) == {"airliner"}  # civil
    silent = ga & ~truth.has_transponder
    assert 5 <= int(silent.sum()) < int(ga.sum())  # some squawk, some do not
    assert not truth.has_transponder[truth.type == "glider"].any()
    light = truth.type == "light_aircraft"
    small = light & (truth.rcs_m2 <= 2.0)
    assert int(small.sum()) >= 10 and truth.rcs_m2[small].min() >= 0.5
    # every general-aviation flight is in the air for part of the hour
    assert truth.present[ga].any(axis=1).all()
    sets = {s.id for s in loaded.scenario.civil_traffic.general_aviation}
    assert {"ga_sanpetru_gliders", "ga_canadair_evia", "ga_survey_oltenia"} <= sets
    assert {s.pattern for s in loaded.scenario.civil_traffic.general_aviation} == {
        "circuit", "cross_country", "thermalling", "hover", "survey", "orbit", "firefighting",
    }  # fmt: skip


def test_a_set_starting_after_the_end_of_the_run_flies_nothing() -> None:
    body = (
        "  general_aviation:\n"
        "    - {id: late, pattern: circuit, count: 2, start_s: 900, area: {lat_deg: 42.7,"
        " lon_deg: 23.4}, alt_m: 550}\n"
    )
    truth = _truth(body)  # the scenario lasts 600 s
    assert truth.ids == ["late-1", "late-2"]
    assert not truth.present.any()
    assert truth.t_start_s.tolist() == [900.0, 900.0]
