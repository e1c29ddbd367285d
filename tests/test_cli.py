"""The command line: exit codes, one-line error messages, outputs written all or nothing."""

from __future__ import annotations

import argparse
import importlib.util
import json
import math
import os
import re
import stat
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest

import iamd
from iamd.cli import NEGATIVE_VALUE, build_parser, main
from iamd.errors import ScenarioError
from iamd.scenario.loader import builtin_scenario_text

OUTPUTS = ("summary.json", "threats.csv", "events.parquet", "engagements.csv")
HAS_REPORT = importlib.util.find_spec("iamd.report.html") is not None

BAD_SCENARIO = """\
name: broken
epoch: 2026-03-10T02:00:00Z
duration_s: -5
nations: [{code: GRC, name: Greece}]
"""


def iamd_command() -> list[str]:
    script = Path(sys.executable).with_name("iamd")
    return [str(script)] if script.exists() else [sys.executable, "-m", "iamd.cli"]


def run_cli(*args: str, cwd: Path | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [*iamd_command(), *args], capture_output=True, text=True, timeout=120, cwd=cwd
    )


def call(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    """Run ``main`` in this process; argparse's exits count as return codes."""
    try:
        code = main(list(args))
    except SystemExit as exc:
        code = int(exc.code or 0)
    out, err = capsys.readouterr()
    return code, out, err


def short_scenario(tmp_path: Path, duration_s: int = 300) -> Path:
    text, n = re.subn(
        r"^duration_s: \d+$",
        f"duration_s: {duration_s}",
        builtin_scenario_text("balkans"),
        flags=re.MULTILINE,
    )
    assert n == 1
    path = tmp_path / "short.yaml"
    path.write_text(text, encoding="utf-8")
    return path


def one_error_line(err: str) -> str:
    lines = err.splitlines()
    assert len(lines) == 1, err
    assert lines[0].startswith("error: "), err
    assert "Traceback" not in err
    return lines[0]


# --- version, validate, schema, catalog ------------------------------------------------------


def test_version_prints_the_package_version() -> None:
    res = run_cli("--version")
    assert res.returncode == 0
    assert res.stdout == f"iamd {iamd.__version__}\n"
    assert re.fullmatch(r"\d+\.\d+\.\d+\S*", iamd.__version__)


def test_validate_builtin_name_succeeds(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = call(capsys, "validate", "balkans")
    assert code == 0 and err == ""
    assert out.startswith("builtin:balkans: ok — scenario 'balkans', 5 nations, ")
    assert "12 raids (53 threats), 24 general-aviation flights, policy integrated" in out


def test_validate_bad_file_prints_one_error_line_and_exits_2(tmp_path: Path) -> None:
    bad = tmp_path / "bad.yaml"
    bad.write_text(BAD_SCENARIO, encoding="utf-8")
    res = run_cli("validate", str(bad))
    assert res.returncode == 2
    assert res.stdout == ""
    line = one_error_line(res.stderr)
    assert line.startswith(f"error: {bad}:3: duration_s: "), line
    assert line.endswith("(got -5)"), line


def test_traceback_flag_shows_the_exception(tmp_path: Path) -> None:
    bad = tmp_path / "bad.yaml"
    bad.write_text(BAD_SCENARIO, encoding="utf-8")
    with pytest.raises(ScenarioError, match=r"bad\.yaml:3: duration_s"):
        main(["--traceback", "validate", str(bad)])


def test_validate_missing_file_is_an_input_error(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, err = call(capsys, "validate", str(tmp_path / "nope.yaml"))
    assert code == 2 and out == ""
    assert "nope.yaml" in one_error_line(err)


def test_schema_prints_json_with_properties(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = call(capsys, "schema")
    assert code == 0 and err == ""
    schema = json.loads(out)
    assert {"name", "duration_s", "nations", "raids", "policy"} <= set(schema["properties"])


def test_catalog_lists_pac3_mse(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("COLUMNS", "250")  # rich would ellipsise names in a narrow terminal
    code, out, _ = call(capsys, "catalog", "effectors")
    assert code == 0
    assert re.search(r"\bpac3_mse\b", out), out
    code, out, _ = call(capsys, "catalog", "effectors", "--json")
    assert code == 0
    data = json.loads(out)
    assert data["effectors"]["pac3_mse"]["kind"] == "interceptor"


# --- bad flags -------------------------------------------------------------------------------


@pytest.mark.parametrize(("value", "shown"), [("-1", "-1"), ("abc", "'abc'"), ("1.5", "'1.5'")])
def test_bad_seed_exits_2_naming_the_flag(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, value: str, shown: str
) -> None:
    code, out, err = call(capsys, "run", "balkans", "--seed", value, "--out", str(tmp_path / "o"))
    assert code == 2 and out == ""
    line = one_error_line(err)
    assert f"--seed must be a non-negative integer (got {shown})" in line, line
    assert not (tmp_path / "o").exists()


@pytest.mark.parametrize(
    ("args", "wording"),
    [
        (("frobnicate",), "invalid choice: 'frobnicate'"),
        (("run", "--bogus"), "unrecognized arguments: --bogus"),
        (("--bogus", "schema"), "unrecognized arguments: --bogus"),
        (("run", "--policy", "federal"), "invalid choice: 'federal'"),
        ((), "the following arguments are required: command"),
    ],
)
def test_unknown_subcommand_or_flag_exits_2(
    capsys: pytest.CaptureFixture[str], args: tuple[str, ...], wording: str
) -> None:
    code, out, err = call(capsys, *args)
    assert code == 2 and out == ""
    assert wording in one_error_line(err)


@pytest.mark.parametrize(
    ("text", "is_value"),
    [
        ("-5", True),
        ("-.5", True),
        ("-0.5", True),
        ("-1e-9", True),
        ("-2.5E+3", True),
        ("-inf", True),
        ("-Infinity", True),
        ("-nan", True),
        ("-33.9,151.2", True),
        ("--out", False),
        ("-h", False),
        ("-e5", False),
        ("-information", False),
        ("-", False),
    ],
)
def test_negative_numbers_are_values_and_flags_are_not(text: str, is_value: bool) -> None:
    assert bool(NEGATIVE_VALUE.match(text)) is is_value


def _one_value_options() -> list[tuple[str, str]]:
    """(subcommand, flag) of every option of every subcommand that takes one value."""
    sub = next(a for a in build_parser()._actions if isinstance(a, argparse._SubParsersAction))
    return [
        (name, action.option_strings[-1])
        for name, parser in sub.choices.items()
        for action in parser._actions
        if action.option_strings and action.nargs is None and action.type is not Path
    ]


@pytest.mark.parametrize(("command", "flag"), _one_value_options())
@pytest.mark.parametrize("value", ["-1e-9", "-5", "-inf", "-.5"])
def test_every_flag_takes_a_negative_number_as_its_value(
    capsys: pytest.CaptureFixture[str], command: str, flag: str, value: str
) -> None:
    """argparse's own test takes ``-1e-9`` for a flag ("expected one argument"); here the value
    reaches the flag, whose own check then names the flag and the value."""
    parser = next(
        a for a in build_parser()._actions if isinstance(a, argparse._SubParsersAction)
    ).choices[command]
    for action in parser._actions:  # only the flag under test is parsed
        action.required = False
        if not action.option_strings:
            action.nargs = "?"
    try:
        args, rest = parser.parse_known_args([flag, value])
    except SystemExit:
        line = one_error_line(capsys.readouterr().err)
        assert "expected one argument" not in line, line
        assert flag in line and value in line, line
        return
    assert rest == []
    dest = next(a.dest for a in parser._actions if flag in a.option_strings)
    got = getattr(args, dest)
    got = got[-1] if isinstance(got, list) else got  # action="append"
    assert got == value or float(got) == float(value) or math.isnan(float(got)), (flag, got)


@pytest.mark.parametrize(
    ("args", "wording"),
    [
        (("run", "balkans", "--stream-speed", "-1e-9"),
         "--stream-speed: must be a positive multiple of real time (got -1e-09)"),
        (("run", "balkans", "--seed", "-1e-9"),
         "--seed must be a non-negative integer (got '-1e-9')"),
        (("train-identify", "--n-tracks", "-1e3"), "--n-tracks: must be a positive integer"),
        (("assign", "p.json", "--time-limit", "-1e-9"),
         "--time-limit must be a finite number of seconds >= 0 (got -1e-09)"),
        (("assign", "p.json", "--lambda-cost", "-2.5E-1"),
         "--lambda-cost must be a finite number >= 0 (got -0.25)"),
    ],
)  # fmt: skip
def test_negative_numbers_get_the_flags_own_message(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, args: tuple[str, ...], wording: str
) -> None:
    (tmp_path / "p.json").write_text("{}", encoding="utf-8")
    out = tmp_path / "o"
    cwd = os.getcwd()
    os.chdir(tmp_path)
    try:
        code, stdout, err = call(capsys, *args, "--out", str(out))
    finally:
        os.chdir(cwd)
    assert code == 2 and stdout == ""
    assert wording in one_error_line(err), err
    assert not out.exists()


@pytest.mark.parametrize(
    ("flag", "value", "wording"),
    [
        ("--seed", "-5", "--seed must be an integer >= 0 (got -5)"),
        ("--seed", "-1e-9", "--seed must be an integer >= 0 (got '-1e-9')"),
        ("--workers", "0", "--workers must be an integer >= 1 (got 0)"),
    ],
)
def test_plan_checks_seed_and_workers_without_validate(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, flag: str, value: str, wording: str
) -> None:
    """--seed and --workers serve --validate, and are refused when bad even without it,
    before the plan is solved."""
    out = tmp_path / "plan"
    code, stdout, err = call(
        capsys, "plan", "balkans", "--lend", "GRC:pac3_mse x1", "--out", str(out), flag, value
    )
    assert code == 2 and stdout == ""
    assert wording in one_error_line(err), err
    assert not out.exists()


def test_bad_flag_in_a_subprocess_has_no_traceback() -> None:
    res = run_cli("run", "--seed", "-1")
    assert res.returncode == 2
    assert one_error_line(res.stderr).startswith("error: argument --seed: --seed must be")


# --- run -------------------------------------------------------------------------------------


def test_run_bad_file_writes_nothing(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    bad = tmp_path / "bad.yaml"
    bad.write_text(BAD_SCENARIO, encoding="utf-8")
    out_dir = tmp_path / "out"
    code, _, err = call(capsys, "run", str(bad), "--out", str(out_dir), "--quiet", "--no-report")
    assert code == 2
    assert one_error_line(err).startswith(f"error: {bad}:3: ")
    assert not out_dir.exists()
    out_dir.mkdir()  # an existing folder stays as it was
    code, _, _ = call(capsys, "run", str(bad), "--out", str(out_dir), "--quiet", "--no-report")
    assert code == 2
    assert list(out_dir.iterdir()) == []


def test_out_pointing_at_a_regular_file_exits_2(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    target = tmp_path / "taken"
    target.write_text("keep me", encoding="utf-8")
    code, _, err = call(
        capsys, "run", str(short_scenario(tmp_path)), "--out", str(target), "--quiet"
    )
    assert code == 2
    assert one_error_line(err) == (
        f"error: --out: {target} exists and is a regular file, not a folder"
    )
    assert target.read_text(encoding="utf-8") == "keep me"


def test_run_writes_all_outputs(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    out_dir = tmp_path / "run"
    args = ["run", str(short_scenario(tmp_path)), "--out", str(out_dir), "--quiet", "--seed", "7"]
    if not HAS_REPORT:
        args.append("--no-report")
    code, out, err = call(capsys, *args)
    assert code == 0, err
    assert out == "" and err == ""  # --quiet
    expected = {*OUTPUTS, *(("report.html",) if HAS_REPORT else ())}
    assert {p.name for p in out_dir.iterdir()} == expected  # no staging folder left behind
    summary = json.loads((out_dir / "summary.json").read_text(encoding="utf-8"))
    assert summary["seed"] == 7 and summary["version"] == iamd.__version__
    threats = pd.read_csv(out_dir / "threats.csv")
    assert {"id", "class", "fate", "aim_nation", "ground_range_km", "apogee_km"} <= set(
        threats.columns
    )
    assert len(threats) == 53
    bm = threats[threats["class"] == "ballistic_missile"]  # whole flights, whatever the duration
    assert len(bm) == 12
    assert bm["ground_range_km"].between(1_500.0, 2_100.0).all()
    assert bm["apogee_km"].between(300.0, 650.0).all()
    assert bm["flight_time_s"].between(600.0, 900.0).all()
    events = pd.read_parquet(out_dir / "events.parquet")
    assert list(events.columns[:4]) == ["t_s", "priority", "seq", "kind"]
    assert len(events) > 0
    engagements = pd.read_csv(out_dir / "engagements.csv")
    assert {"unit", "threat", "rounds", "result"} <= set(engagements.columns)
    if HAS_REPORT:
        html = (out_dir / "report.html").read_text(encoding="utf-8")
        assert html.lstrip().lower().startswith("<!doctype html")


def test_run_no_report_skips_the_report(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    out_dir = tmp_path / "run"
    scenario = short_scenario(tmp_path, duration_s=60)
    code, _, err = call(
        capsys, "run", str(scenario), "--out", str(out_dir), "--quiet", "--no-report"
    )
    assert code == 0, err
    assert {p.name for p in out_dir.iterdir()} == set(OUTPUTS)


# --- outputs that cannot destroy or mix ------------------------------------------------------

OUTPUTS_SCENARIO = """\
name: outputs
epoch: 2026-03-10T02:00:00Z
duration_s: 30
time_step_s: 2
nations:
  - {code: BGR, name: Bulgaria}
assets:
  - {name: npp, nation: BGR, lat_deg: 43.746, lon_deg: 23.771, kind: nuclear, value: 10}
raids:
  - {id: d, type: shahed136, launch: {lat_deg: 43.62, lon_deg: 23.60}, aim: {asset: npp}}
"""


def _outputs_scenario(tmp_path: Path) -> Path:
    path = tmp_path / "s.yaml"
    path.write_text(OUTPUTS_SCENARIO, encoding="utf-8")
    return path


def test_a_run_folder_holds_one_runs_files(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "run"
    scenario = str(_outputs_scenario(tmp_path))
    assert main(["run", scenario, "--out", str(out), "--quiet"]) == 0
    assert (out / "report.html").is_file()
    (out / "notes.txt").write_text("mine")  # not a run's file: left alone
    code, stdout, err = call(capsys, "run", scenario, "--out", str(out), "--no-report")
    assert code == 0, err
    assert not (out / "report.html").exists()  # the earlier run's report is gone
    assert "removed from" in stdout and "report.html" in stdout
    assert (out / "notes.txt").read_text() == "mine"
    json.loads((out / "summary.json").read_text(), parse_constant=pytest.fail)  # strict JSON


def test_run_out_that_is_the_scenario_is_refused(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    scenario = _outputs_scenario(tmp_path)
    code, _, err = call(capsys, "run", str(scenario), "--out", str(scenario), "--quiet")
    assert code == 2
    assert one_error_line(err) == f"error: --out: {scenario} is an input; give another folder"
    assert scenario.read_text(encoding="utf-8") == OUTPUTS_SCENARIO


def test_schema_out_that_is_not_a_regular_file_is_refused(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    fifo = tmp_path / "pipe"
    os.mkfifo(fifo)  # a stand-in for a device: a FIFO must stay a FIFO
    code, _, err = call(capsys, "schema", "--out", str(fifo))
    assert code == 2
    assert one_error_line(err) == (
        f"error: --out: {fifo} is a FIFO (named pipe); give a regular file to write"
    )
    assert stat.S_ISFIFO(fifo.stat().st_mode)
    code, _, err = call(capsys, "schema", "--out", str(tmp_path))
    assert code == 2 and "is a directory" in one_error_line(err)


@pytest.mark.parametrize(
    ("command", "target"),
    [
        (("schema", "--out"), "schema.json"),
        (("run", "--quiet", "--out"), ""),
        (("gaps", "--quiet", "--out"), ""),
    ],
    ids=["schema", "run", "gaps"],
)
def test_a_read_only_output_folder_is_refused_before_any_work(
    read_only_folder: Path,
    capsys: pytest.CaptureFixture[str],
    command: tuple[str, ...],
    target: str,
) -> None:
    out = read_only_folder / target if target else read_only_folder
    code, _, err = call(capsys, *command, str(out))
    assert code == 2
    assert one_error_line(err).endswith("(permission denied)")
    assert list(read_only_folder.iterdir()) == []
