"""Civil-traffic fields of scenario files: ``transponder`` (``on``, ``off`` or a fraction, with
YAML 1.1's ``on``/``off`` booleans read as written), ``rcs_m2`` overrides, and the
``general_aviation`` sets with their cross-checks; bad values exit 2 from ``iamd validate``
with one ``FILE:LINE`` message."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path
from typing import get_args

import pytest

from iamd.errors import ScenarioError
from iamd.scenario.loader import load_scenario_text, scenario_data
from iamd.scenario.schema import GA_PATTERNS, GeneralAviation, RecordedTraffic
from iamd.world.general_aviation import GA_PATTERNS as WORLD_PATTERNS

HEAD = """\
name: civil
epoch: 2026-03-10T02:00:00Z
duration_s: 600
nations:
  - {code: BGR, name: Bulgaria}
sensors:
  - {id: radar_sofia, type: ground_master_400, nation: BGR, lat_deg: 42.69, lon_deg: 23.40}
civil_traffic:
  airways:
    - origin: LBSF
      destination: LGAV
"""
# line 11 is the airway's `destination`; a field added below it is on line 12


def _airway(field: str) -> str:
    return HEAD + f"      {field}\n"


def _error(text: str) -> str:
    with pytest.raises(ScenarioError) as exc:
        load_scenario_text(text, "civil.yaml")
    return str(exc.value)


# --- transponder ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("written", "value"),
    [
        ("on", "on"),
        ("off", "off"),
        ('"on"', "on"),
        ("'off'", "off"),
        ("0.25", 0.25),
        ("0", 0.0),
        ("1", 1.0),
        ("1.0", 1.0),
    ],
)
def test_transponder_takes_on_off_and_fractions_as_written(written: str, value: object) -> None:
    loaded = load_scenario_text(_airway(f"transponder: {written}"), "civil.yaml")
    got = loaded.scenario.civil_traffic.airways[0].transponder
    assert got == value and type(got) is type(value)


@pytest.mark.parametrize("written", ["yes", "no", "true", "false", "On", "OFF", "y"])
def test_other_words_are_reported_as_written(written: str) -> None:
    assert _error(_airway(f"transponder: {written}")) == (
        "civil.yaml:12: civil_traffic.airways[0].transponder: must be on, off or the fraction "
        "of the flights whose transponder is on, a number in [0, 1] such as 0.5 "
        f"(got {written!r})"
    )


@pytest.mark.parametrize("written", ["1.5", "-0.1", ".nan", ".inf"])
def test_fractions_outside_zero_one_are_errors(written: str) -> None:
    msg = _error(_airway(f"transponder: {written}"))
    assert msg.startswith(
        "civil.yaml:12: civil_traffic.airways[0].transponder: a fraction of the flights must "
        "be within [0, 1] (got "
    ), msg


@pytest.mark.parametrize("written", ['"0.5"', "[on]", "{a: 1}", "on off"])
def test_a_string_number_a_list_or_a_mapping_is_an_error(written: str) -> None:
    msg = _error(_airway(f"transponder: {written}"))
    assert msg.startswith("civil.yaml:12: civil_traffic.airways[0].transponder: must be on, off")


def test_null_means_the_types_default_for_airways_but_not_for_recorded_sources() -> None:
    loaded = load_scenario_text(_airway("transponder: null"), "civil.yaml")
    assert loaded.scenario.civil_traffic.airways[0].transponder is None
    assert RecordedTraffic(file="x.csv").transponder == "on"  # recorded from their ADS-B
    with pytest.raises(ValueError, match="must be on, off"):
        RecordedTraffic(file="x.csv", transponder=None)  # type: ignore[arg-type]


def test_python_booleans_are_not_switches() -> None:
    with pytest.raises(ValueError, match=r"must be on, off .* \(got True\)"):
        RecordedTraffic(file="x.csv", transponder=True)  # type: ignore[arg-type]


def test_scenario_data_keeps_the_words_of_transponder_fields_only() -> None:
    data = scenario_data(
        "a: on\ncivil_traffic:\n  airways: [{transponder: off}, {transponder: yes}]\n", "x.yaml"
    )
    assert data == {
        "a": True,  # not a word field: YAML's reading
        "civil_traffic": {"airways": [{"transponder": "off"}, {"transponder": "yes"}]},
    }


def test_aliases_of_word_fields_are_read_as_written() -> None:
    text = HEAD.replace(
        "    - origin: LBSF\n", "    - &first\n      transponder: off\n      origin: LBSF\n"
    )
    text += "    - {<<: *first, origin: LGAV, destination: LBSF}\n"
    text += "    - {<<: *first, origin: LROP, destination: LTFM, transponder: on}\n"
    text += "    - *first\n"
    loaded = load_scenario_text(text, "civil.yaml")
    got = [w.transponder for w in loaded.scenario.civil_traffic.airways]
    assert got == ["off", "off", "on", "off"]
    text += "    - {<<: *first, origin: LTFM, destination: LROP, transponder: yes}\n"
    assert _error(text).startswith("civil.yaml:17: civil_traffic.airways[4].transponder: ")


# --- rcs_m2 -----------------------------------------------------------------------------------


def test_rcs_override_must_be_positive() -> None:
    assert _error(_airway("rcs_m2: 0")) == (
        "civil.yaml:12: civil_traffic.airways[0].rcs_m2: Input should be greater than 0 (got 0)"
    )
    loaded = load_scenario_text(_airway("rcs_m2: 1.5"), "civil.yaml")
    assert loaded.scenario.civil_traffic.airways[0].rcs_m2 == 1.5


# --- general aviation -------------------------------------------------------------------------

GA = """\
  general_aviation:
    - id: circuits_sofia
      type: light_aircraft
      pattern: circuit
      count: 2
      area: {lat_deg: 42.69, lon_deg: 23.41, radius_km: 1}
      transponder: 0.5
"""
# GA lines: 13 `- id`, 14 type, 15 pattern, 16 count, 17 area, 18 transponder


def test_general_aviation_set_loads_with_its_defaults() -> None:
    loaded = load_scenario_text(HEAD + GA, "civil.yaml")
    ga = loaded.scenario.civil_traffic.general_aviation[0]
    assert (ga.id, ga.type, ga.pattern, ga.count, ga.transponder) == (
        "circuits_sofia",
        "light_aircraft",
        "circuit",
        2,
        0.5,
    )
    assert (ga.start_s, ga.spacing_s, ga.duration_s, ga.rcs_m2, ga.speed_m_s, ga.alt_m) == (
        0.0,
        0.0,
        None,
        None,
        None,
        None,
    )


def test_schema_patterns_are_those_of_the_world_model() -> None:
    assert GA_PATTERNS == WORLD_PATTERNS
    assert get_args(GeneralAviation.model_fields["pattern"].annotation) == GA_PATTERNS


@pytest.mark.parametrize(
    ("old", "new", "message"),
    [
        (
            "type: light_aircraft",
            "type: fighter",
            "civil.yaml:14: civil_traffic.general_aviation[0].type: not a civil aircraft type "
            "(got 'fighter'; allowed: airliner, glider, helicopter, light_aircraft)",
        ),
        (
            "pattern: circuit",
            "pattern: aerobatics",
            "civil.yaml:15: civil_traffic.general_aviation[0].pattern: Input should be "
            "'circuit', 'cross_country', 'thermalling', 'hover', 'survey', 'orbit' or "
            "'firefighting' (got 'aerobatics')",
        ),
        (
            "id: circuits_sofia",
            "id: radar_sofia",
            "civil.yaml:13: civil_traffic.general_aviation[0].id: duplicate id, already used "
            "at sensors[0].id (got 'radar_sofia')",
        ),
        (
            "lon_deg: 23.41",
            "lon_deg: 5.0",
            "civil.yaml:17: civil_traffic.general_aviation[0].area: outside the theatre box "
            "lat_deg 33.0..50.0, lon_deg 12.0..45.0 (got lat_deg 42.69, lon_deg 5.0)",
        ),
        (
            "count: 2",
            "count: 2\n      start_s: -300\n      duration_s: 300",
            "civil.yaml:18: civil_traffic.general_aviation[0].duration_s: the flights end before "
            "t = 0: start_s + duration_s must be > 0 (got -300 + 300)",
        ),
        (
            "transponder: 0.5",
            "transponder: yes",
            "civil.yaml:18: civil_traffic.general_aviation[0].transponder: must be on, off or "
            "the fraction of the flights whose transponder is on, a number in [0, 1] such as "
            "0.5 (got 'yes')",
        ),
    ],
)
def test_general_aviation_errors_name_the_line_and_field(old: str, new: str, message: str) -> None:
    text = HEAD + GA.replace(old, new)
    assert _error(text) == message


def test_two_sets_may_not_share_an_id() -> None:
    text = HEAD + GA + GA.split("\n", 1)[1]
    assert _error(text) == (
        "civil.yaml:19: civil_traffic.general_aviation[1].id: duplicate id, already used at "
        "civil_traffic.general_aviation[0].id (got 'circuits_sofia')"
    )


# --- iamd validate ----------------------------------------------------------------------------


def _iamd(*args: str) -> subprocess.CompletedProcess[str]:
    script = Path(sys.executable).with_name("iamd")
    cmd = [str(script)] if script.exists() else [sys.executable, "-m", "iamd.cli"]
    return subprocess.run([*cmd, *args], capture_output=True, text=True, timeout=120)


@pytest.mark.parametrize(
    ("field", "tail"),
    [
        ("transponder: yes", "(got 'yes')"),
        ("transponder: 2", "must be within [0, 1] (got 2)"),
        ("rcs_m2: -1", "(got -1)"),
    ],
)
def test_validate_exits_2_with_one_file_line_message(tmp_path: Path, field: str, tail: str) -> None:
    path = tmp_path / "civil.yaml"
    path.write_text(_airway(field), encoding="utf-8")
    res = _iamd("validate", str(path))
    assert res.returncode == 2 and res.stdout == ""
    lines = res.stderr.splitlines()
    assert len(lines) == 1 and "Traceback" not in res.stderr
    key = field.split(":")[0]
    assert lines[0].startswith(f"error: {path}:12: civil_traffic.airways[0].{key}: "), lines[0]
    assert lines[0].endswith(tail), lines[0]


def test_validate_counts_general_aviation_flights(tmp_path: Path) -> None:
    path = tmp_path / "civil.yaml"
    path.write_text(HEAD + "      transponder: off\n" + GA, encoding="utf-8")
    res = _iamd("validate", str(path))
    assert res.returncode == 0, res.stderr
    assert ", 2 general-aviation flights, policy integrated" in res.stdout
