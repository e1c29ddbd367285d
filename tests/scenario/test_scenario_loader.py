"""Scenario loading: the built-in theatre loads, and every kind of bad file gets one exact message.

Each bad file is the built-in ``balkans`` text with one edit, or a small document written to
``tmp_path``. The messages follow ``FILE:LINE: path.to.field: what is wrong (got VALUE)``
(STYLE.md, "Errors"); the tests assert the whole message, so a change of wording is a
deliberate change of these tests. Line numbers are looked up in the edited text rather than
hard-coded, so that the built-in file can evolve; lists of allowed names come from the catalog
and the schema for the same reason.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Iterable
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from iamd.errors import InputError, ScenarioError
from iamd.scenario.airports import airports
from iamd.scenario.catalog import builtin_catalog
from iamd.scenario.loader import (
    LoadedScenario,
    builtin_scenario_text,
    load_scenario,
    load_scenario_text,
)
from iamd.scenario.schema import Policy, RulesOfEngagement, Scenario

SOURCE = "scenario.yaml"
BALKANS = builtin_scenario_text("balkans")
CATALOG = builtin_catalog()

# The smallest valid scenario (lines 1-5), for documents that test one thing.
MINIMAL = """\
name: tiny
epoch: 2026-03-10T02:00:00Z
duration_s: 60
nations:
  - {code: ROU, name: Romania}
"""


def _edit(old: str, new: str) -> str:
    """The built-in text with its one occurrence of ``old`` replaced by ``new``."""
    assert BALKANS.count(old) == 1, f"not exactly one {old!r} in balkans.yaml"
    return BALKANS.replace(old, new)


def _line_with(text: str, needle: str) -> int:
    """1-based number of the one line of ``text`` that contains ``needle``."""
    found = [n for n, line in enumerate(text.splitlines(), start=1) if needle in line]
    assert len(found) == 1, f"{needle!r} on lines {found}"
    return found[0]


def _message(text: str) -> str:
    """The message of the ScenarioError that loading ``text`` raises."""
    with pytest.raises(ScenarioError) as info:
        load_scenario_text(text, SOURCE)
    return str(info.value)


def _file_message(path: Path) -> str:
    with pytest.raises(ScenarioError) as info:
        load_scenario(path)
    return str(info.value)


def _allowed(names: Iterable[str]) -> str:
    return ", ".join(sorted(names))


@pytest.fixture(scope="module")
def balkans() -> LoadedScenario:
    return load_scenario("balkans")


def _index(balkans: LoadedScenario, section: str, ident: str) -> int:
    """Position of the unit ``ident`` in ``section`` of the built-in scenario."""
    items = getattr(balkans.scenario, section)
    return [getattr(item, "id", getattr(item, "name", None)) for item in items].index(ident)


# --- the built-in scenario -------------------------------------------------------------------


def test_builtin_scenario_loads(balkans: LoadedScenario) -> None:
    assert load_scenario() == balkans
    assert balkans.source == "builtin:balkans"
    assert balkans.scenario.name == "balkans"
    assert balkans.scenario.policy is Policy.INTEGRATED
    assert balkans.scenario.epoch_utc() == datetime(2026, 3, 10, 2, 0, tzinfo=UTC)
    assert balkans.scenario.nations and balkans.scenario.assets and balkans.scenario.raids
    assert balkans.sha256 == hashlib.sha256(BALKANS.encode("utf-8")).hexdigest()


def test_builtin_scenario_loads_from_its_file_with_the_same_hash(
    balkans: LoadedScenario, tmp_path: Path
) -> None:
    path = tmp_path / "balkans_copy.yaml"
    path.write_bytes(BALKANS.encode("utf-8"))
    loaded = load_scenario(path)
    assert loaded.source == str(path)
    assert loaded.scenario == balkans.scenario
    assert loaded.sha256 == balkans.sha256 == hashlib.sha256(path.read_bytes()).hexdigest()


def test_same_text_gives_same_sha256_and_one_byte_changes_it() -> None:
    first = load_scenario_text(BALKANS, "a.yaml")
    second = load_scenario_text(BALKANS, "b.yaml")
    assert first.sha256 == second.sha256
    assert re.fullmatch(r"[0-9a-f]{64}", first.sha256)
    changed = load_scenario_text(_edit("seed: 1\n", "seed: 2\n"), "a.yaml")
    assert changed.sha256 != first.sha256


def test_minimal_scenario_takes_the_documented_defaults() -> None:
    scenario = load_scenario_text(MINIMAL, SOURCE).scenario
    assert scenario.policy is Policy.INTEGRATED
    assert scenario.time_step_s == 2.0
    assert scenario.rules_of_engagement == RulesOfEngagement()
    assert scenario.rules_of_engagement.engage_identities == ["hostile"]
    assert scenario.assets == [] and scenario.raids == []


def test_epoch_with_another_timezone_is_converted_to_utc() -> None:
    text = _edit("epoch: 2026-03-10T02:00:00Z", "epoch: 2026-03-10T04:00:00+02:00")
    epoch = load_scenario_text(text, SOURCE).scenario.epoch_utc()
    assert epoch == datetime(2026, 3, 10, 2, 0, tzinfo=UTC)
    assert epoch.utcoffset() == timedelta(0)


def test_scenario_error_is_an_input_error() -> None:
    assert issubclass(ScenarioError, InputError)


# --- types, keys and ranges ------------------------------------------------------------------


def test_wrong_type_names_field_line_and_value() -> None:
    text = _edit("duration_s: 3600", "duration_s: abc")
    assert _message(text) == (
        f"{SOURCE}:{_line_with(text, 'duration_s: abc')}: duration_s: Input should be a valid "
        "number, unable to parse string as a number (got 'abc')"
    )


def test_unknown_top_level_key_lists_the_allowed_keys() -> None:
    text = _edit("seed: 1\n", "seed: 1\nsed: 2\n")
    allowed = ", ".join(Scenario.model_fields)
    assert allowed.startswith("name, description, epoch, duration_s, time_step_s, seed, policy")
    assert _message(text) == (
        f"{SOURCE}:{_line_with(text, 'sed: 2')}: sed: unknown key (allowed: {allowed})"
    )


def test_unknown_nested_key_lists_the_allowed_keys_of_that_model() -> None:
    text = _edit("  shoot_look_shoot: true", "  shoot_look_shot: true")
    assert _message(text) == (
        f"{SOURCE}:{_line_with(text, 'shoot_look_shot')}: "
        "rules_of_engagement.shoot_look_shot: unknown key (allowed: engage_identities, "
        "tiers, shoot_look_shoot, max_engagements_per_threat, min_time_to_go_s, "
        "cost_weight_per_musd, required_pk, base_threat_value, layered_defence, reserve_bmd, "
        "defer_margin_s)"
    )


def test_unknown_key_in_a_flow_mapping_of_a_list_item() -> None:
    text = _edit("{name: athens,", "{name: athens, colour: red,")
    assert _message(text) == (
        f"{SOURCE}:{_line_with(text, 'colour: red')}: assets[1].colour: unknown key "
        "(allowed: name, label, nation, lat_deg, lon_deg, kind, value, radius_km)"
    )


def test_unknown_key_in_a_nested_flow_mapping_lists_its_keys() -> None:
    text = _edit("width_deg: 120}}  # with", "width_deg: 120, tilt_deg: 5}}  # with")
    assert _message(text) == (
        f"{SOURCE}:{_line_with(text, 'tilt_deg')}: sensors[0].sector.tilt_deg: unknown key "
        "(allowed: center_deg, width_deg)"
    )


def test_latitude_out_of_range_on_an_asset_names_its_line(balkans: LoadedScenario) -> None:
    text = _edit("lat_deg: 42.698", "lat_deg: 95")
    i = _index(balkans, "assets", "sofia")
    assert _message(text) == (
        f"{SOURCE}:{_line_with(text, '{name: sofia,')}: assets[{i}].lat_deg: "
        "Input should be less than or equal to 90 (got 95)"
    )


def test_negative_asset_radius() -> None:
    text = _edit("kind: city, value: 10, radius_km: 8}", "kind: city, value: 10, radius_km: -5}")
    assert _message(text) == (
        f"{SOURCE}:{_line_with(text, 'radius_km: -5')}: assets[0].radius_km: "
        "Input should be greater than 0 (got -5)"
    )


def test_raid_count_zero(balkans: LoadedScenario) -> None:
    text = _edit("type: emad, count: 4", "type: emad, count: 0")
    i = _index(balkans, "raids", "mrbm_constanta")
    assert _message(text) == (
        f"{SOURCE}:{_line_with(text, 'count: 0')}: raids[{i}].count: "
        "Input should be greater than or equal to 1 (got 0)"
    )


def test_infinite_value_is_rejected() -> None:
    text = _edit("launch_time_s: 120,", "launch_time_s: .inf,")
    assert _message(text) == (
        f"{SOURCE}:{_line_with(text, '.inf')}: raids[0].launch_time_s: "
        "Input should be a finite number (got inf)"
    )


def test_missing_required_field() -> None:
    text = MINIMAL.replace("duration_s: 60\n", "")
    assert _message(text) == f"{SOURCE}:1: duration_s: required field is missing"


def test_missing_field_of_a_list_item_names_the_item_line() -> None:
    text = MINIMAL + "assets:\n  - {name: a, nation: ROU, lat_deg: 44, kind: port, value: 1}\n"
    assert _message(text) == f"{SOURCE}:7: assets[0].lon_deg: required field is missing"


def test_bad_policy_lists_the_policies() -> None:
    text = _edit("policy: integrated", "policy: shared")
    assert _message(text) == (
        f"{SOURCE}:{_line_with(text, 'policy: shared')}: policy: Input should be 'national', "
        "'shared_picture' or 'integrated' (got 'shared')"
    )


def test_theatre_box_with_min_above_max_gives_the_bounds() -> None:
    text = _edit("lat_min_deg: 34.0", "lat_min_deg: 49.0")
    assert _message(text) == (
        f"{SOURCE}:{_line_with(text, 'theatre:')}: theatre: the bounding box must have "
        "min < max in latitude and longitude (got lat_deg 49.0..48.5, lon_deg 19.0..47.0)"
    )


# --- the epoch -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("written", "got"),
    [
        ("tomorrow", "'tomorrow'"),  # not a date
        ("2026-03-10T02:00:00", "'2026-03-10T02:00:00'"),  # naive: no timezone
        ("'2026-03-10T02:00:00'", "'2026-03-10T02:00:00'"),  # the same, quoted
        ("2026-03-10", "'2026-03-10'"),  # a date without a time
    ],
)
def test_bad_epoch_asks_for_a_date_and_time_with_timezone(written: str, got: str) -> None:
    text = _edit("epoch: 2026-03-10T02:00:00Z", f"epoch: {written}")
    assert _message(text) == (
        f"{SOURCE}:{_line_with(text, 'epoch:')}: epoch: must be a date and time with a "
        f"timezone, e.g. 2026-03-10T02:00:00Z (got {got})"
    )


# --- references to the catalog, nations, assets and airports ---------------------------------


def test_unknown_sensor_type_lists_the_sensor_types() -> None:
    text = _edit(
        "{id: gr_patriot_north_radar, type: patriot_mpq65,",
        "{id: gr_patriot_north_radar, type: patriot_mpq99,",
    )
    assert _message(text) == (
        f"{SOURCE}:{_line_with(text, 'patriot_mpq99')}: sensors[0].type: unknown sensor type "
        f"(got 'patriot_mpq99'; allowed: {_allowed(CATALOG.sensors)})"
    )


def test_unknown_effector_type_lists_the_effector_types(balkans: LoadedScenario) -> None:
    text = _edit("{id: bg_iris_t_varna, type: iris_t_slm,", "{id: bg_iris_t_varna, type: iris_t,")
    i = _index(balkans, "effectors", "bg_iris_t_varna")
    assert _message(text) == (
        f"{SOURCE}:{_line_with(text, 'type: iris_t,')}: effectors[{i}].type: unknown effector "
        f"type (got 'iris_t'; allowed: {_allowed(CATALOG.effectors)})"
    )


def test_unknown_raid_type_lists_the_threat_types(balkans: LoadedScenario) -> None:
    text = _edit("type: ghadr,", "type: ghadr2,")
    i = _index(balkans, "raids", "mrbm_cernavoda")
    assert _message(text) == (
        f"{SOURCE}:{_line_with(text, 'ghadr2')}: raids[{i}].type: unknown threat type "
        f"(got 'ghadr2'; allowed: {_allowed(CATALOG.threats)})"
    )


def test_raid_of_class_airliner_is_rejected() -> None:
    text = _edit("type: emad,", "type: airliner,")
    assert _message(text) == (
        f"{SOURCE}:{_line_with(text, 'type: airliner,')}: raids[0].type: a raid must be a "
        "drone, cruise or ballistic missile (got 'airliner' of class airliner; aircraft go "
        "under civil_traffic or patrols)"
    )


def test_ballistic_raid_with_a_route_is_rejected() -> None:
    text = _edit("launch_time_s: 120, spacing_s: 15}", "route: [{lat_deg: 41, lon_deg: 35}]}")
    assert _message(text) == (
        f"{SOURCE}:{_line_with(text, 'route: [{lat_deg: 41')}: raids[0].route: a ballistic "
        "missile cannot follow a route; remove it (got 1 waypoint(s) for 'emad' of class "
        "ballistic_missile)"
    )


def test_aim_at_an_asset_that_does_not_exist_lists_the_assets(balkans: LoadedScenario) -> None:
    text = _edit("aim: {asset: sofia,", "aim: {asset: sofiya,")
    i = _index(balkans, "raids", "mrbm_sofia")
    names = _allowed(a.name for a in balkans.scenario.assets)
    assert _message(text) == (
        f"{SOURCE}:{_line_with(text, 'sofiya')}: raids[{i}].aim.asset: no defended asset of "
        f"that name (got 'sofiya'; allowed: {names})"
    )


def test_aim_at_both_an_asset_and_a_point_is_rejected() -> None:
    text = MINIMAL + (
        "assets:\n"
        "  - {name: port, nation: ROU, lat_deg: 44.17, lon_deg: 28.66, kind: port, value: 1}\n"
        "raids:\n"
        "  - id: r1\n"
        "    type: shahed136\n"
        "    launch: {lat_deg: 44.1, lon_deg: 30.0}\n"
        "    aim: {asset: port, lat_deg: 44.2, lon_deg: 28.7}\n"
    )
    assert _message(text) == (
        f"{SOURCE}:12: raids[0].aim: give either `asset` or a point, not both "
        "(got {'asset': 'port', 'lat_deg': 44.2, 'lon_deg': 28.7})"
    )


def test_aim_at_nothing_is_rejected() -> None:
    text = _edit("aim: {asset: sofia, spread_km: 2}", "aim: {spread_km: 2}")
    assert _message(text) == (
        f"{SOURCE}:{_line_with(text, 'aim: {spread_km: 2}')}: raids[2].aim: give either "
        "`asset` or both `lat_deg` and `lon_deg` (got {'spread_km': 2})"
    )


def test_undeclared_nation_lists_the_declared_nations(balkans: LoadedScenario) -> None:
    text = _edit(
        "{name: athens, label: Athens, nation: GRC", "{name: athens, label: Athens, nation: SRB"
    )
    declared = _allowed(n.code for n in balkans.scenario.nations)
    assert _message(text) == (
        f"{SOURCE}:{_line_with(text, 'nation: SRB')}: assets[1].nation: nation not declared "
        f"under `nations` (got 'SRB'; declared: {declared})"
    )


def test_unknown_airport_lists_the_airports() -> None:
    text = _edit("{origin: LBSF, destination: LGAV,", "{origin: LXXX, destination: LGAV,")
    assert _message(text) == (
        f"{SOURCE}:{_line_with(text, 'LXXX')}: civil_traffic.airways[0].origin: unknown "
        f"airport (got 'LXXX'; allowed: {_allowed(airports())})"
    )


def test_airway_from_an_airport_to_itself_is_rejected() -> None:
    text = _edit("{origin: LBSF, destination: LGAV,", "{origin: LBSF, destination: LBSF,")
    assert _message(text) == (
        f"{SOURCE}:{_line_with(text, 'LBSF, destination: LBSF')}: civil_traffic.airways[0]: "
        "origin and destination must differ (got 'LBSF' twice)"
    )


# --- uniqueness ------------------------------------------------------------------------------


def test_duplicate_effector_id() -> None:
    text = _edit("{id: gr_patriot_athens,", "{id: gr_patriot_north,")
    assert _message(text) == (
        f"{SOURCE}:{_line_with(text, 'type: pac2_gemt')}: effectors[1].id: duplicate id, "
        "already used at effectors[0].id (got 'gr_patriot_north')"
    )


def test_duplicate_id_across_sections() -> None:
    text = _edit("{id: gr_patriot_north,", "{id: gr_patriot_north_radar,")
    assert _message(text) == (
        f"{SOURCE}:{_line_with(text, 'type: pac3_mse, nation: GRC')}: effectors[0].id: "
        "duplicate id, already used at sensors[0].id (got 'gr_patriot_north_radar')"
    )


def test_duplicate_asset_name() -> None:
    text = _edit("{name: athens,", "{name: sofia,")
    assert _message(text) == (
        f"{SOURCE}:{_line_with(text, 'label: Athens,')}: assets[1].name: duplicate asset name "
        "(got 'sofia')"
    )


def test_duplicate_nation() -> None:
    text = _edit("{code: USA, name: United States}", "{code: GRC, name: Hellas}")
    assert _message(text) == (
        f"{SOURCE}:{_line_with(text, 'Hellas')}: nations[4].code: duplicate nation (got 'GRC')"
    )


def test_duplicate_top_level_yaml_key() -> None:
    text = _edit("seed: 1\n", "seed: 1\nseed: 2\n")
    assert _message(text) == (
        f"{SOURCE}:{_line_with(text, 'seed: 2')}: seed: duplicate key (got 'seed' twice)"
    )


def test_duplicate_yaml_key_in_a_flow_mapping() -> None:
    text = _edit("{name: sofia, label: Sofia,", "{name: sofia, name: sofia2, label: Sofia,")
    assert _message(text) == (
        f"{SOURCE}:{_line_with(text, 'sofia2')}: assets[0].name: duplicate key (got 'name' twice)"
    )


# --- catalog overrides -----------------------------------------------------------------------


def test_override_of_an_unknown_type_lists_the_types() -> None:
    text = MINIMAL + "catalog_overrides:\n  effectors:\n    pac9: {max_range_km: 80}\n"
    assert _message(text) == (
        f"{SOURCE}:8: catalog_overrides.effectors.pac9: unknown effector type "
        f"(allowed: {_allowed(CATALOG.effectors)})"
    )


def test_override_with_pk_above_one_names_the_pk_line() -> None:
    text = MINIMAL + "catalog_overrides:\n  effectors:\n    pac3_mse:\n      pk: {drone: 1.5}\n"
    assert _message(text) == (
        f"{SOURCE}:9: catalog_overrides.effectors.pac3_mse: pk.drone must be within [0, 1] "
        "(got 1.5)"
    )


def test_override_of_an_unknown_section() -> None:
    text = MINIMAL + "catalog_overrides:\n  weapons:\n    pac3_mse: {}\n"
    assert _message(text) == (
        f"{SOURCE}:7: catalog_overrides.weapons: Input should be 'sensors', 'effectors' or "
        "'threats' (got 'weapons')"
    )


def test_valid_override_applies_to_the_catalog() -> None:
    text = MINIMAL + "catalog_overrides:\n  effectors:\n    pac3_mse: {max_range_km: 80}\n"
    loaded = load_scenario_text(text, SOURCE)
    assert loaded.catalog.effectors["pac3_mse"].max_range_km == 80
    assert builtin_catalog().effectors["pac3_mse"].max_range_km != 80


# --- line numbers ----------------------------------------------------------------------------


@pytest.mark.parametrize("name", ["sofia", "bucharest", "kozloduy_npp", "souda_bay"])
def test_line_numbers_map_into_one_line_flow_mappings(balkans: LoadedScenario, name: str) -> None:
    line = _line_with(BALKANS, f"{{name: {name},")
    lines = BALKANS.splitlines(keepends=True)
    lines[line - 1] = re.sub(r"lon_deg: [-\d.]+", "lon_deg: 181", lines[line - 1])
    i = _index(balkans, "assets", name)
    assert _message("".join(lines)) == (
        f"{SOURCE}:{line}: assets[{i}].lon_deg: Input should be less than or equal to 180 (got 181)"
    )


def test_line_numbers_map_into_nested_flow_mappings(balkans: LoadedScenario) -> None:
    text = _edit("sector: {center_deg: 90,", "sector: {center_deg: 400,")
    i = _index(balkans, "sensors", "us_tpy2_kurecik")
    assert _message(text) == (
        f"{SOURCE}:{_line_with(text, 'us_tpy2_kurecik')}: sensors[{i}].sector.center_deg: "
        "Input should be less than 360 (got 400)"
    )


def test_line_numbers_map_into_flow_mappings_that_span_lines() -> None:
    text = MINIMAL + (
        "assets:\n"
        "  - {name: a, nation: ROU,\n"
        "     lat_deg: 95, lon_deg: 28,\n"
        "     kind: port, value: 1}\n"
    )
    assert _message(text) == (
        f"{SOURCE}:8: assets[0].lat_deg: Input should be less than or equal to 90 (got 95)"
    )


def test_line_numbers_map_into_block_mappings(balkans: LoadedScenario) -> None:
    text = _edit("    type: kalibr\n    count: 3\n", "    type: kalibr\n    count: -3\n")
    i = _index(balkans, "raids", "kalibr_varna")
    assert _message(text) == (
        f"{SOURCE}:{_line_with(text, 'count: -3')}: raids[{i}].count: "
        "Input should be greater than or equal to 1 (got -3)"
    )


# --- files that are not scenarios ------------------------------------------------------------


@pytest.mark.parametrize("content", ["", "\n\n", "# only a comment\n", "---\n"])
def test_empty_file(tmp_path: Path, content: str) -> None:
    path = tmp_path / "empty.yaml"
    path.write_text(content, encoding="utf-8")
    assert _file_message(path) == (
        f"{path}:1: empty scenario (expected a mapping with at least name, epoch, duration_s "
        "and nations)"
    )


def test_file_that_is_not_yaml(tmp_path: Path) -> None:
    path = tmp_path / "broken.yaml"
    path.write_text("name: [unclosed\n", encoding="utf-8")
    assert _file_message(path) == (
        f"{path}:2: not valid YAML: while parsing a flow sequence on line 1, expected ',' or "
        "']', but got '<stream end>'"
    )


def test_yaml_error_in_the_middle_of_a_file_names_both_lines() -> None:
    text = _edit("seed: 1\n", "seed: [1\n")
    line = _line_with(text, "seed: [1")
    assert _message(text) == (
        f"{SOURCE}:{line + 1}: not valid YAML: while parsing a flow sequence on line {line}, "
        "expected ',' or ']', but got ':'"
    )


def test_two_yaml_documents() -> None:
    assert _message(MINIMAL + "---\n" + MINIMAL) == (
        f"{SOURCE}:6: not valid YAML: expected a single document in the stream on line 1, "
        "but found another document"
    )


def test_yaml_list_at_top_level(tmp_path: Path) -> None:
    path = tmp_path / "list.yaml"
    path.write_text("# units\n- {id: a}\n- {id: b}\n", encoding="utf-8")
    assert _file_message(path) == f"{path}:2: the scenario must be a mapping of fields (got a list)"


def test_yaml_scalar_at_top_level() -> None:
    assert _message("just words\n") == (
        f"{SOURCE}:1: the scenario must be a mapping of fields (got a scalar)"
    )


def test_binary_file(tmp_path: Path) -> None:
    path = tmp_path / "image.yaml"
    path.write_bytes(b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR")
    assert _file_message(path) == f"{path}: not a UTF-8 text file (byte 0: 0x89)"


def test_latin1_file_names_the_first_bad_byte(tmp_path: Path) -> None:
    path = tmp_path / "latin1.yaml"
    path.write_bytes("name: Türkiye\n".encode("latin-1"))
    assert _file_message(path) == f"{path}: not a UTF-8 text file (byte 7: 0xfc)"


def test_control_character_in_text() -> None:
    text = MINIMAL + "description: a\x00b\n"
    assert _message(text) == (
        f"{SOURCE}:6: not valid YAML: unacceptable character #x0000 "
        "(special characters are not allowed)"
    )


def test_missing_file(tmp_path: Path) -> None:
    path = tmp_path / "nowhere.yaml"
    assert _file_message(path) == (
        f"{path}: no such file (give a scenario YAML file or one of: balkans)"
    )
    with pytest.raises(ScenarioError, match="no such file"):
        load_scenario(str(path))


def test_directory(tmp_path: Path) -> None:
    assert _file_message(tmp_path) == f"{tmp_path}: is a directory, not a scenario file"


# --- YAML features that must not crash or hang the loader ------------------------------------


def test_value_that_its_yaml_tag_cannot_read() -> None:
    text = _edit("seed: 1\n", "seed: !!int abc\n")
    assert _message(text) == (
        f"{SOURCE}:{_line_with(text, '!!int')}: not valid YAML: a tagged value cannot be read "
        "(got int 'abc')"
    )


def test_unknown_yaml_tag() -> None:
    text = _edit("seed: 1\n", "seed: !python/object 1\n")
    assert _message(text) == (
        f"{SOURCE}:{_line_with(text, '!python')}: not valid YAML: could not determine a "
        "constructor for the tag '!python/object'"
    )


def test_key_that_is_not_a_name() -> None:
    text = _edit("seed: 1\n", "seed: 1\n3: three\n")
    assert _message(text) == (
        f"{SOURCE}:{_line_with(text, '3: three')}: (top): a key must be a field name (got '3')"
    )


def test_recursive_alias_is_an_error_not_a_hang() -> None:
    assert _message("name: &loop [*loop]\n") == (
        f"{SOURCE}:1: an alias refers to a value that contains it"
    )


def test_anchors_and_aliases_are_followed_to_the_anchor_line() -> None:
    text = MINIMAL.replace(
        "  - {code: ROU, name: Romania}\n", "  - &rou {code: ROU, name: Romania}\n  - *rou\n"
    )
    # An alias is the anchored node itself (PyYAML keeps no mark of the alias): line 5.
    assert _message(text) == f"{SOURCE}:5: nations[1].code: duplicate nation (got 'ROU')"
