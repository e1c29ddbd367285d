"""Sweep parameter paths: parsing, validation messages (flag, path, value, what is allowed),
and what an override does to the scenario; run seeds."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from iamd.analysis.params import (
    Param,
    apply_overrides,
    check_params,
    grid_points,
    load_with_overrides,
    parse_param,
    point_label,
)
from iamd.analysis.runs import run_seed
from iamd.errors import InputError
from iamd.scenario.loader import builtin_scenario_text

TEXT = builtin_scenario_text("balkans")
SRC = "builtin:balkans"


def check(*flags: str) -> None:
    check_params(TEXT, SRC, [parse_param(f) for f in flags])


# --- parsing -----------------------------------------------------------------------------------


def test_parse_param_splits_path_and_values() -> None:
    p = parse_param("catalog_overrides.effectors.pac3_mse.pk.ballistic_missile=0.5,0.7,0.9")
    assert p == Param(
        path="catalog_overrides.effectors.pac3_mse.pk.ballistic_missile",
        values=("0.5", "0.7", "0.9"),
    )
    assert p.flag == "--param catalog_overrides.effectors.pac3_mse.pk.ballistic_missile=0.5,0.7,0.9"


@pytest.mark.parametrize(
    ("flag", "message"),
    [
        ("raids.count", "--param 'raids.count': expected PATH=V1,V2,..."),
        ("=1,2", "--param '=1,2': expected PATH=V1,V2,..."),
        ("duration_s=600,,900", "--param 'duration_s=600,,900': empty value"),
        ("duration_s=600,600", "--param 'duration_s=600,600': value '600' given twice"),
    ],
)
def test_malformed_flags_are_named(flag: str, message: str) -> None:
    with pytest.raises(InputError) as err:
        parse_param(flag)
    assert str(err.value).startswith(message)


def test_grid_is_the_product_in_flag_order_and_points_have_labels() -> None:
    params = [parse_param("a=1,2"), parse_param("b.c=x,y")]
    points = grid_points(params)
    assert points == [
        {"a": "1", "b.c": "x"},
        {"a": "1", "b.c": "y"},
        {"a": "2", "b.c": "x"},
        {"a": "2", "b.c": "y"},
    ]
    assert point_label(points[1]) == "a=1; b.c=y"
    assert grid_points([]) == [{}]


# --- validation messages -----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("flag", "message"),
    [
        (
            "raids.mrbm_sofia.cout=2",
            "--param raids.mrbm_sofia.cout=2: raids.mrbm_sofia: unknown field 'cout' "
            "(allowed: id, type, count, launch,",
        ),
        (
            "effectors.gr_patriot_nort=present,absent",
            "--param effectors.gr_patriot_nort=present,absent: effectors: no item with id "
            "'gr_patriot_nort' (allowed: gr_patriot_north, gr_patriot_athens,",
        ),
        (
            "raids.mrbm_sofia.count=0,2",
            "--param raids.mrbm_sofia.count=0,2: value '0': raids.mrbm_sofia.count: Input "
            "should be greater than or equal to 1 (got 0)",
        ),
        (
            "duration_s=600,abc",
            "--param duration_s=600,abc: value 'abc': duration_s: Input should be a valid number",
        ),
        (
            "effectors.gr_patriot_north=yes",
            "--param effectors.gr_patriot_north=yes: effectors.gr_patriot_north is a list item; "
            "its values are present or absent (got 'yes')",
        ),
        (
            "raids.mrbm_sofia.count=absent",
            "--param raids.mrbm_sofia.count=absent: absent applies to a list item (a unit by "
            "its id), not to the field raids.mrbm_sofia.count (got 'absent')",
        ),
        ("seed=1,2", "--param seed=1,2: seed is not a sweep parameter (use --seed)"),
        (
            "policy=national",
            "--param policy=national: policy is not a sweep parameter (use --policies)",
        ),
        (
            "catalog_overrides.effectors.pac9.pk.drone=0.5",
            "--param catalog_overrides.effectors.pac9.pk.drone=0.5: catalog_overrides.effectors: "
            "unknown effector type 'pac9' (allowed: ",
        ),
        (
            "catalog_overrides.effectors.pac3_mse.pk.dragon=0.5",
            "--param catalog_overrides.effectors.pac3_mse.pk.dragon=0.5: "
            "catalog_overrides.effectors.pac3_mse.pk: unknown key 'dragon' (allowed: airliner, "
            "fighter, drone, cruise_missile, ballistic_missile)",
        ),
        (
            "catalog_overrides.effectors.pac3_mse.pk.ballistic_missile=0.5,1.5",
            "--param catalog_overrides.effectors.pac3_mse.pk.ballistic_missile=0.5,1.5: "
            "value '1.5': catalog_overrides.effectors.pac3_mse: pk.ballistic_missile must be "
            "within [0, 1] (got 1.5)",
        ),
        (
            "catalog_overrides.weapons.x.y=1",
            "--param catalog_overrides.weapons.x.y=1: catalog_overrides: unknown key 'weapons' "
            "(allowed: sensors, effectors, threats)",
        ),
        (
            "assets.sofia=absent",
            "--param assets.sofia=absent: assets.sofia: assets cannot be present/absent",
        ),
        (
            "civil_traffic.airways[40].flights=1",
            "--param civil_traffic.airways[40].flights=1: civil_traffic.airways: no item [40] "
            "(the list has 12)",
        ),
        (
            "civil_traffic.airways.LBSF=absent",
            "--param civil_traffic.airways.LBSF=absent: civil_traffic.airways: items there have "
            "no id; address them by position, e.g. civil_traffic.airways[0] (got 'LBSF')",
        ),
        (
            "duration_s.x=1",
            "--param duration_s.x=1: duration_s is a value, not a section (cannot go on to 'x')",
        ),
        (
            "raids.mrbm_sofia.count[0]=1",
            "--param raids.mrbm_sofia.count[0]=1: raids.mrbm_sofia.count is a value, not a "
            "section (cannot go on to [0])",
        ),
        (
            "raids.mrbm_sofia.route[0].lat_deg=1",
            "--param raids.mrbm_sofia.route[0].lat_deg=1: raids.mrbm_sofia.route: the scenario "
            "lists no items there",
        ),
        (
            "effectors..magazine=1",
            "--param effectors..magazine=1: malformed path 'effectors..magazine'",
        ),
    ],
)
def test_bad_paths_and_values_are_named_with_flag_path_value_and_what_is_allowed(
    flag: str, message: str
) -> None:
    with pytest.raises(InputError) as err:
        check(flag)
    assert str(err.value).startswith(message), str(err.value)


@pytest.mark.parametrize(
    ("flags", "message"),
    [
        (  # the schema rejects the value: the field named by the path as written
            ["effectors.gr_patriot_north.magazine=8,-1"],
            "--param effectors.gr_patriot_north.magazine=8,-1: value '-1': "
            "effectors.gr_patriot_north.magazine: Input should be greater than or equal to 0 "
            "(got -1)",
        ),
        (
            ["effectors.gr_patriot_north.magazine=abc"],
            "--param effectors.gr_patriot_north.magazine=abc: value 'abc': "
            "effectors.gr_patriot_north.magazine: Input should be a valid integer, unable to "
            "parse string as an integer (got 'abc')",
        ),
        (  # the catalog cross-check rejects it
            ["effectors.gr_patriot_north.nation=XXX"],
            "--param effectors.gr_patriot_north.nation=XXX: value 'XXX': "
            "effectors.gr_patriot_north.nation: nation not declared under `nations` (got 'XXX'; "
            "declared: BGR, GRC, ROU, TUR, USA)",
        ),
        (
            ["nations.GRC.participates=maybe"],
            "--param nations.GRC.participates=maybe: value 'maybe': nations.GRC.participates: "
            "Input should be a valid boolean, unable to interpret input (got 'maybe')",
        ),
        (
            ["assets.sofia.value=-3"],
            "--param assets.sofia.value=-3: value '-3': assets.sofia.value: Input should be "
            "greater than 0 (got -3)",
        ),
        (  # not a scalar: the message is kept whole (no split inside the value)
            ["effectors.gr_patriot_north.magazine={a: 1}"],
            "--param effectors.gr_patriot_north.magazine={a: 1}: value '{a: 1}': "
            "effectors.gr_patriot_north.magazine takes a single value (a number, true/false or "
            "a word), not a YAML list or mapping (got '{a: 1}')",
        ),
        (  # a path written with a position stays as written
            ["effectors[0].magazine=-1"],
            "--param effectors[0].magazine=-1: value '-1': effectors[0].magazine: Input should "
            "be greater than or equal to 0 (got -1)",
        ),
        (  # an absent unit shifts the positions of the others: the id still names the unit
            [
                "effectors.gr_patriot_north=present,absent",
                "effectors.gr_patriot_athens.magazine=-1",
            ],
            "--param effectors.gr_patriot_athens.magazine=-1: value '-1': "
            "effectors.gr_patriot_athens.magazine: Input should be greater than or equal to 0",
        ),
        (  # a renamed unit keeps the name the user addresses it by; the other by its id
            ["effectors.gr_patriot_north.id=gr_patriot_athens"],
            "--param effectors.gr_patriot_north.id=gr_patriot_athens: value "
            "'gr_patriot_athens': effectors.gr_patriot_athens.id: duplicate id, already used at "
            "effectors.gr_patriot_north.id (got 'gr_patriot_athens')",
        ),
    ],
)
def test_value_errors_name_the_field_as_the_user_wrote_it_never_by_position(
    flags: list[str], message: str
) -> None:
    with pytest.raises(InputError) as err:
        check(*flags)
    text = str(err.value)
    assert text.startswith(message), text
    if not any("[" in f for f in flags):
        assert "[" not in text.split(": value ", 1)[1], text  # no effectors[0] and the like


def test_a_grid_point_names_the_unit_whose_field_is_bad_after_another_is_removed() -> None:
    with pytest.raises(InputError) as err:
        load_with_overrides(
            TEXT,
            SRC,
            {"effectors.gr_patriot_north": "absent", "effectors.gr_patriot_athens.magazine": "-2"},
        )
    assert str(err.value) == (
        "--param effectors.gr_patriot_north=absent; effectors.gr_patriot_athens.magazine=-2: "
        "effectors.gr_patriot_athens.magazine: Input should be greater than or equal to 0 "
        "(got -2)"
    )


@pytest.mark.parametrize(
    ("flag", "message"),
    [
        (  # a path that leads nowhere
            "effectors.gr_patriot_north.magazin=4",
            "error: --param effectors.gr_patriot_north.magazin=4: effectors.gr_patriot_north: "
            "unknown field 'magazin' (allowed: id, type, nation, lat_deg, lon_deg, alt_m, "
            "sector, magazine, lent_by)",
        ),
        (  # a value of the wrong kind for the path
            "effectors.gr_patriot_north=lent",
            "error: --param effectors.gr_patriot_north=lent: effectors.gr_patriot_north is a "
            "list item; its values are present or absent (got 'lent')",
        ),
        (  # a value the scenario schema rejects
            "raids.mrbm_sofia.count=2,0",
            "error: --param raids.mrbm_sofia.count=2,0: value '0': raids.mrbm_sofia.count: "
            "Input should be greater than or equal to 1 (got 0)",
        ),
    ],
)
def test_the_command_line_prints_one_error_line_and_exits_2(
    flag: str, message: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from iamd.cli import main

    out = tmp_path / "never"
    status = main(["sweep", "--param", flag, "--out", str(out), "--quiet"])
    err = capsys.readouterr().err
    assert status == 2
    assert err == message + "\n", err  # one line, no traceback
    assert not out.exists()


def test_the_same_path_twice_and_bad_combinations_are_refused() -> None:
    with pytest.raises(InputError, match=r"the path duration_s is given by two --param flags"):
        check("duration_s=600", "duration_s=900")
    with pytest.raises(InputError) as err:
        check(
            "catalog_overrides.effectors.pac3_mse.min_range_km=3,50",
            "catalog_overrides.effectors.pac3_mse.max_range_km=60,40",
        )
    assert str(err.value) == (
        "--param combination catalog_overrides.effectors.pac3_mse.min_range_km=50; "
        "catalog_overrides.effectors.pac3_mse.max_range_km=40: "
        "catalog_overrides.effectors.pac3_mse: min_range_km (50.0) must be below max_range_km "
        "(40.0)"
    )


def test_valid_paths_pass() -> None:
    check(
        "catalog_overrides.effectors.pac3_mse.pk.ballistic_missile=0.5,0.7,0.9",
        "raids.mrbm_constanta.count=2,4,8",
        "effectors.gr_patriot_north=present,absent",
    )
    check("civil_traffic.airways[0].flights=1,2", "nations.GRC.participates=true,false")
    check("raids.mrbm_sofia.launch.radius_km=10,40", "assets.sofia.value=5,20")


# --- what overrides do -------------------------------------------------------------------------


def test_overrides_change_the_loaded_scenario_and_catalog() -> None:
    loaded = load_with_overrides(
        TEXT,
        SRC,
        {
            "catalog_overrides.effectors.pac3_mse.pk.ballistic_missile": "0.5",
            "raids.mrbm_constanta.count": "8",
            "effectors.gr_patriot_north": "absent",
            "nations.GRC.participates": "false",
        },
    )
    sc = loaded.scenario
    assert next(r for r in sc.raids if r.id == "mrbm_constanta").count == 8
    assert "gr_patriot_north" not in [e.id for e in sc.effectors]
    assert len(sc.effectors) == 12
    assert not next(n for n in sc.nations if n.code == "GRC").participates
    pac3 = loaded.catalog.effectors["pac3_mse"]
    assert pac3.pk["ballistic_missile"] == 0.5
    assert pac3.pk["drone"] == 0.85  # the other classes keep the catalog's figures


def test_fields_of_an_absent_unit_are_ignored_and_present_changes_nothing() -> None:
    text = apply_overrides(
        TEXT,
        SRC,
        {"effectors.gr_patriot_north.magazine": "4", "effectors.gr_patriot_north": "absent"},
    )
    assert "gr_patriot_north," not in text and "id: gr_patriot_north\n" not in text
    kept = load_with_overrides(
        TEXT,
        SRC,
        {"effectors.gr_patriot_north.magazine": "4", "effectors.gr_patriot_north": "present"},
    )
    unit = next(e for e in kept.scenario.effectors if e.id == "gr_patriot_north")
    assert unit.magazine == 4


def test_no_overrides_keep_the_text_and_its_hash() -> None:
    assert apply_overrides(TEXT, SRC, {}) is TEXT
    import hashlib

    sha = hashlib.sha256(TEXT.encode()).hexdigest()
    assert load_with_overrides(TEXT, SRC, {}).sha256 == sha


# --- seeds -------------------------------------------------------------------------------------


def test_run_seed_is_the_spawned_child_whatever_the_number_of_runs() -> None:
    for n in (3, 10, 50):
        children = np.random.SeedSequence(2026).spawn(n)
        for i in (0, 1, 2):
            word = int(children[i].generate_state(1, np.uint64)[0])
            assert run_seed(2026, i) == word >> 1
    seeds = [run_seed(7, i) for i in range(200)]
    assert len(set(seeds)) == 200
    assert all(0 <= s < 2**63 for s in seeds)
    with pytest.raises(ValueError, match=">= 0"):
        run_seed(-1, 0)


def test_transponder_words_survive_the_rewrite_and_sweep_as_written() -> None:
    # `transponder: on` in the file and `=on,off` on the command line stay the words (YAML
    # 1.1 would read them as booleans); other fields keep YAML's reading
    path = "civil_traffic.general_aviation.ga_tuzla_circuits.transponder"
    check(f"{path}=on,off,0.25", "duration_s=600")
    for value, want in (("on", "on"), ("off", "off"), ("0.25", 0.25)):
        loaded = load_with_overrides(TEXT, SRC, {path: value, "duration_s": "600"})
        sets = {g.id: g for g in loaded.scenario.civil_traffic.general_aviation}
        assert sets["ga_tuzla_circuits"].transponder == want
        assert sets["ga_hems_sofia"].transponder == "on"  # untouched, as written in the file
    with pytest.raises(InputError, match=r"transponder: must be on, off .*\(got 'yes'\)"):
        load_with_overrides(TEXT, SRC, {path: "yes"})
