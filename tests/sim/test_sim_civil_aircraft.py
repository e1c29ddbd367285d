"""A shot at a civil aircraft destroys it and is counted: a tiny scenario in which a helicopter
is deliberately declared hostile (the truth identity patched), engaged and killed; its kill is
marked in the event log, counted as ``civil_aircraft_destroyed`` (total, ``by_class``,
``by_nation``), never as a threat destroyed, and shown by the report and the printed table.
Without the declaration nothing is fired at it. Runs are byte-deterministic across processes.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import numpy as np
import numpy.typing as npt
import pytest

import iamd.sim.pictures as pictures
from iamd.identify.truth_identity import truth_identity
from iamd.report.html import build_report_html
from iamd.scenario.loader import load_scenario_text
from iamd.sim.engine import CIVIL_KILL, RunResult, run
from iamd.sim.outcome import civil_safety_line

SCENARIO = """\
name: civil_kill
epoch: 2026-03-10T02:00:00Z
duration_s: 240
picture: truth
nations:
  - {code: BGR, name: Bulgaria}
  - {code: ROU, name: Romania}
sensors:
  - {id: radar_sofia, type: ground_master_400, nation: BGR, lat_deg: 42.69, lon_deg: 23.40}
effectors:
  - {id: nasams_sofia, type: nasams, nation: BGR, lat_deg: 42.66, lon_deg: 23.38}
civil_traffic:
  general_aviation:
    - {id: hems, type: helicopter, pattern: hover, area: {lat_deg: 42.70, lon_deg: 23.45},
       alt_m: 400, speed_m_s: 50, transponder: off}
    - {id: glider, type: glider, pattern: thermalling, area: {lat_deg: 42.90, lon_deg: 24.40},
       alt_m: 1200}
catalog_overrides:
  effectors:
    nasams: {pk: {airliner: 1.0}}
"""
# pk.airliner lets the truth picture (whose believed class is the true one) assign the unit
# to a civil aircraft at all; the kill then uses the same Pk (1: a certain kill).


def _declare_civil_hostile(
    classes: npt.NDArray[np.str_], has_iff: npt.NDArray[np.bool_]
) -> tuple[npt.NDArray[np.str_], npt.NDArray[np.str_]]:
    ident, why = truth_identity(classes, has_iff)
    civil = np.asarray(classes) == "airliner"
    return (
        np.where(civil, "hostile", ident).astype(str),
        np.where(civil, "test: declared hostile", why).astype(str),
    )


@pytest.fixture(scope="module")
def shot() -> RunResult:
    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(pictures, "truth_identity", _declare_civil_hostile)
        return run(load_scenario_text(SCENARIO, "civil_kill.yaml"), seed=1)


def test_a_civil_aircraft_declared_hostile_is_engaged_destroyed_and_counted(
    shot: RunResult,
) -> None:
    s, eng, ev = shot.summary, shot.engagements, shot.events
    assert s["civil_aircraft_engaged"] >= 1
    assert s["civil_aircraft_destroyed"] >= 1
    killed = set(eng.loc[eng["result"] == "kill", "threat"])
    assert killed and killed <= {"hems-1", "glider-1"}
    assert s["civil_aircraft_destroyed"] == len(killed)
    assert set(eng["threat_class"]) == {"airliner"}
    # never a threat destroyed, never a miss for a kill
    assert s["threats_destroyed"] == 0 and s["threats_launched"] == 0
    assert s["by_class"]["airliner"]["civil_aircraft_destroyed"] == len(killed)
    assert s["by_class"]["airliner"]["civil_aircraft_engaged"] == s["civil_aircraft_engaged"]
    bgr, rou = s["by_nation"]["BGR"], s["by_nation"]["ROU"]
    assert bgr["civil_aircraft_engaged"] == s["civil_aircraft_engaged"]
    assert bgr["civil_aircraft_destroyed"] == len(killed)
    assert bgr["threats_destroyed"] == 0
    assert rou["civil_aircraft_engaged"] == rou["civil_aircraft_destroyed"] == 0
    # the event log marks the kill
    kills = ev[ev["kind"] == "intercept"]
    assert set(kills["entity"]) == killed
    assert kills["detail"].str.endswith(f", {CIVIL_KILL}").all()
    assert not ev.loc[ev["kind"] == "miss", "detail"].str.contains(CIVIL_KILL).any()


def test_a_destroyed_civil_aircraft_leaves_the_air_and_its_track_ends(shot: RunResult) -> None:
    ev, truth = shot.events, shot.truth
    for oid in set(ev.loc[ev["kind"] == "intercept", "entity"]):
        t_kill = float(ev.loc[(ev["kind"] == "intercept") & (ev["entity"] == oid), "t_s"].min())
        after = ev[(ev["entity"] == oid) & (ev["t_s"] > t_kill)]
        assert after["kind"].tolist() == ["track_drop"], after  # at the end of the step
        assert float(after["t_s"].iloc[0]) <= t_kill + 2.0
        i = truth.ids.index(oid)
        assert truth.t_end_s[i] > truth.t_grid_s[-1]  # it would have flown on, and not landed


def test_without_the_declaration_nothing_is_fired_at_civil_aircraft() -> None:
    res = run(load_scenario_text(SCENARIO, "civil_kill.yaml"), seed=1)
    s = res.summary
    assert s["civil_aircraft_engaged"] == s["civil_aircraft_destroyed"] == 0
    assert len(res.engagements) == 0
    assert civil_safety_line(s) == (
        True,
        "civil aircraft: 0 identified hostile, 0 engaged, 0 destroyed",
    )
    page = build_report_html(res)
    assert '<p class="safety ok" id="iamd-civil-safety">Civil aircraft: 0 identified hostile,' in (
        page
    )


def test_the_report_shows_the_civil_figures_in_red(shot: RunResult) -> None:
    s = shot.summary
    page = build_report_html(shot)
    hostile = s["identification"]["civil_aircraft_identified_hostile"]
    assert hostile >= 1  # the declaration
    line = (
        f"Civil aircraft: {hostile} identified hostile, {s['civil_aircraft_engaged']} engaged, "
        f"{s['civil_aircraft_destroyed']} destroyed"
    )
    assert f'<p class="safety alert" id="iamd-civil-safety">{line}</p>' in page
    assert "<td>civil_aircraft_destroyed</td>" in page
    assert civil_safety_line(s)[0] is False


def test_the_printed_summary_shows_both_civil_figures(
    shot: RunResult, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    from iamd.cli import _print_summary

    _print_summary(shot.summary, tmp_path)
    out = capsys.readouterr().out
    assert "civil aircraft engaged" in out and "civil aircraft destroyed" in out
    _, line = civil_safety_line(shot.summary)
    assert line in out and line.endswith(" destroyed")


def test_a_civil_scenario_run_is_byte_deterministic_in_two_processes(tmp_path: Path) -> None:
    src = tmp_path / "civil.yaml"
    text = SCENARIO.replace("duration_s: 240", "duration_s: 400")
    src.write_text(text.replace("transponder: off}", "transponder: 0.5}"), encoding="utf-8")
    script = Path(sys.executable).with_name("iamd")
    cmd = [str(script)] if script.exists() else [sys.executable, "-m", "iamd.cli"]
    for name in ("a", "b"):
        res = subprocess.run(
            [*cmd, "run", str(src), "--seed", "2", "--out", str(tmp_path / name), "--quiet"],
            capture_output=True,
            timeout=300,
        )
        assert res.returncode == 0, res.stderr.decode()
    for f in ("summary.json", "threats.csv", "events.parquet", "engagements.csv", "report.html"):
        assert (tmp_path / "a" / f).read_bytes() == (tmp_path / "b" / f).read_bytes(), f
    summary = json.loads((tmp_path / "a" / "summary.json").read_text(encoding="utf-8"))
    assert "civil_aircraft_destroyed" in summary
