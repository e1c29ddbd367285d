"""``iamd plan`` as a user runs it: outputs, determinism, the applied scenario, re-planning
and one error line with exit status 2 for bad input, writing nothing."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from iamd.cli import main
from iamd.scenario.loader import load_scenario

FAST = ["--pareto-points", "3", "--max-lent", "1", "--quiet"]


def test_plan_builtin_places_the_lent_patriot_under_the_cap(tmp_path: Path) -> None:
    out = tmp_path / "p"
    args = ["plan", "--lend", "GRC:pac3_mse x1", "--reach-cap", "0.0", "--out", str(out), *FAST]
    assert main(args) == 0
    doc = json.loads((out / "plan.json").read_text())
    assert doc["solution"]["optimal"] and doc["solution"]["mip_gap"] <= 1e-4
    (pl,) = doc["placements"]
    assert (pl["owner"], pl["type"], pl["host"]) == ("GRC", "pac3_mse", "GRC")
    assert pl["reach_share"] <= 0.0
    assert doc["moved_units"] == ["gr_patriot_north"]
    assert doc["price_of_reach_cap"] >= 0.0
    assert doc["protect"] == ["BGR", "ROU"]
    rows = __import__("pandas").read_parquet(out / "plan_rows.parquet")
    kard = rows.query("asset == 'kardzhali'")
    assert kard["covered_by_plan"].any() and kard["covered_after"].all()
    # the applied scenario runs: it loads, with the battery at its planned site
    loaded = load_scenario(out / "scenario_planned.yaml")
    unit = next(u for u in loaded.scenario.effectors if u.id == "gr_patriot_north")
    assert (unit.lat_deg, unit.lon_deg) == (pl["lat_deg"], pl["lon_deg"])
    radar = next(s for s in loaded.scenario.sensors if s.id == "gr_patriot_north_radar")
    assert (radar.lat_deg, radar.lon_deg) == (pl["lat_deg"], pl["lon_deg"])
    assert len(doc["pareto"]["reach"]) >= 2 and all(p["optimal"] for p in doc["pareto"]["reach"])


def test_plan_same_inputs_same_bytes(tmp_path: Path) -> None:
    base = ["plan", "--lend", "GRC:pac3_mse x1", "--hosts", "BGR", "--reach-cap", "0.1", *FAST]
    assert main([*base, "--out", str(tmp_path / "a")]) == 0
    assert main([*base, "--out", str(tmp_path / "b")]) == 0
    names = sorted(p.name for p in (tmp_path / "a").iterdir())
    assert "plan.json" in names and "scenario_planned.yaml" in names and "plan.html" in names
    for n in names:
        assert (tmp_path / "a" / n).read_bytes() == (tmp_path / "b" / n).read_bytes(), n


def test_replan_with_a_new_axis_says_what_moves(tmp_path: Path) -> None:
    out = tmp_path / "r"
    assert (
        main(
            [
                "plan",
                "--lend",
                "GRC:pac3_mse x1",
                "--add-axis",
                "kalibr@40.4,26.4",
                "--add-asset",
                "plovdiv:BGR:42.15,24.75:8",
                "--out",
                str(out),
                *FAST,
            ]
        )
        == 0
    )
    rp = json.loads((out / "plan.json").read_text())["replan"]
    assert rp["added_axes"] == ["cruise_missile@40.40,26.40"]
    assert rp["added_assets"] == ["plovdiv"]
    assert rp["covered_by_new_plan"] >= rp["covered_by_old_plan"] - 1e-9
    assert rp["gain"] == pytest.approx(rp["covered_by_new_plan"] - rp["covered_by_old_plan"])
    assert len(rp["moves"]) == 1 and {"from", "to", "moved_km"} <= set(rp["moves"][0])


@pytest.mark.parametrize(
    ("flags", "message"),
    [
        (["--lend", "XXX:pac3_mse x1"], "--lend: unknown nation 'XXX'"),
        (["--lend", "GRC:nope x1"], "--lend: unknown effector type 'nope'"),
        (["--lend", "GRC-pac3_mse"], "--lend: malformed value"),
        (["--own", "BGR:iris_t_slm x0"], "--own: the count must be >= 1"),
        ([], "--lend/--own: give at least one battery"),
        (
            ["--lend", "GRC:pac3_mse x1", "--reach-cap", "1.01"],
            r"--reach-cap must be within [0, 1] (got '1.01')",
        ),
        (
            ["--lend", "GRC:pac3_mse x1", "--reach-cap", "-0.01"],
            r"--reach-cap must be within [0, 1] (got '-0.01')",
        ),
        (["--lend", "GRC:pac3_mse x1", "--reach-cap", "abc"], "--reach-cap must be a number"),
        (["--lend", "GRC:pac3_mse x1", "--buffer-km", "2000"], "no feasible site"),
        (["--lend", "GRC:pac3_mse x1", "--spacing-km", "0"], "--spacing-km must be >= 0.001"),
        (["--lend", "GRC:pac3_mse x1", "--hosts", "FRA"], "--hosts: unknown nation 'FRA'"),
        (["--lend", "GRC:pac3_mse x1", "--protect", "BGR,XXX"], "--protect: unknown nation"),
        (
            ["--lend", "GRC:pac3_mse x1", "--sensitive-border", "GRC"],
            "--sensitive-border: malformed value 'GRC'",
        ),
        (["--lend", "GRC:pac3_mse x1", "--add-axis", "kalibr@40"], "--add-axis: malformed"),
        (
            ["--lend", "GRC:pac3_mse x1", "--add-axis", "nope@40,26"],
            "--add-axis: unknown threat type 'nope'",
        ),
        (
            ["--lend", "GRC:pac3_mse x1", "--add-asset", "x:BGR:42,24:0"],
            "--add-asset: latitude within",
        ),
        (["--lend", "GRC:pac3_mse x1", "--validate", "0"], "--validate must be an integer >= 1"),
        (
            ["--lend", "GRC:pac3_mse x1", "--reach-country", "XXX"],
            "--reach-country: unknown country 'XXX'",
        ),
    ],
)
def test_bad_input_one_error_line_exit_2_nothing_written(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], flags: list[str], message: str
) -> None:
    out = tmp_path / "o"
    assert main(["plan", *flags, "--out", str(out), "--quiet", "--pareto-points", "0"]) == 2
    err = capsys.readouterr().err
    assert err.startswith("error: ") and err.count("\n") == 1
    assert message in err
    assert not out.exists()


def test_listed_sites_at_sea_give_no_feasible_site(tmp_path: Path, capsys) -> None:
    sites = tmp_path / "sites.csv"
    sites.write_text("lat_deg,lon_deg,name\n43.0,31.0,sea\n")
    out = tmp_path / "o"
    assert (
        main(
            [
                "plan",
                "--lend",
                "GRC:pac3_mse x1",
                "--sites",
                str(sites),
                "--out",
                str(out),
                "--quiet",
            ]
        )
        == 2
    )
    assert "no feasible site for GRC:pac3_mse x1" in capsys.readouterr().err
    assert not out.exists()


def test_sites_file_with_a_bad_value_names_the_row(tmp_path: Path, capsys) -> None:
    sites = tmp_path / "sites.csv"
    sites.write_text("lat_deg,lon_deg\n41.2,25.4\n95,25\n")
    assert (
        main(
            [
                "plan",
                "--lend",
                "GRC:pac3_mse x1",
                "--sites",
                str(sites),
                "--out",
                str(tmp_path / "o"),
                "--quiet",
            ]
        )
        == 2
    )
    assert "--sites: " in capsys.readouterr().err


def test_separation_that_no_pair_of_sites_meets_gives_no_feasible_site(
    tmp_path: Path, capsys
) -> None:
    sites = tmp_path / "sites.csv"
    sites.write_text("lat_deg,lon_deg\n41.15,24.15\n41.15,24.30\n")  # ~12.6 km apart
    out = tmp_path / "o"
    args = [
        "plan",
        "--lend",
        "GRC:pac3_mse x2",
        "--sites",
        str(sites),
        "--out",
        str(out),
        "--quiet",
        "--pareto-points",
        "0",
    ]
    assert main([*args, "--min-separation-km", "20"]) == 2
    assert "no feasible site" in capsys.readouterr().err
    assert not out.exists()
    assert main([*args, "--min-separation-km", "12"]) == 0
