"""Scenario files with recorded civil traffic (``civil_traffic.recorded``): the loader's
cross-checks give one exact ``FILE:LINE: path: message (got VALUE)`` line each, and
``iamd validate`` reads the recorded files too, reporting their errors with exit status 2.

The example ``examples/balkans_recorded_traffic.yaml`` replays the OpenSky Network samples of
``shared/data/flights`` (PyPI ``traffic`` 2.13, MIT; non-commercial research use) relocated
onto Sofia.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from iamd.cli import main
from iamd.errors import ScenarioError
from iamd.scenario.loader import load_scenario, resolve_data_path

ROOT = Path(__file__).resolve().parents[2]
EXAMPLE = ROOT / "examples" / "balkans_recorded_traffic.yaml"
SHARED_POINTS = ROOT.parent / "shared" / "data" / "flights" / "quickstart_points.csv.gz"

HEADER = "flight_id,t_unix_s,lat_deg,lon_deg,alt_m,onground\n"
POINTS = HEADER + "".join(f"f1,{100 + i},42.7,{23.4 + 0.003 * i:.3f},9000,0\n" for i in range(30))

# Lines 1-8; the recorded source starts on line 9.
HEAD = """\
name: rec
epoch: 2026-03-10T02:00:00Z
duration_s: 600
nations:
  - {code: BGR, name: Bulgaria}
civil_traffic:
  airways: []
  recorded:
"""


def _write(tmp_path: Path, source: str, points: str = POINTS) -> Path:
    data = tmp_path / "data"
    data.mkdir(exist_ok=True)
    (data / "x_points.csv").write_text(points)
    path = tmp_path / "scenario.yaml"
    path.write_text(HEAD + source, encoding="utf-8")
    return path


def _message(path: Path) -> str:
    with pytest.raises(ScenarioError) as info:
        load_scenario(path)
    return str(info.value)


def _validate(capsys: pytest.CaptureFixture[str], path: Path) -> tuple[int, str, str]:
    code = main(["validate", str(path)])
    out, err = capsys.readouterr()
    return code, out, err


def test_a_recorded_source_loads_with_its_defaults(tmp_path: Path) -> None:
    path = _write(tmp_path, "    - {file: data/x_points.csv}\n")
    rec = load_scenario(path).scenario.civil_traffic.recorded[0]
    assert (rec.file, rec.index, rec.flights, rec.max_flights) == (
        "data/x_points.csv",
        None,
        None,
        None,
    )
    assert (rec.start_s, rec.relocate, rec.type, rec.nation) == (0.0, None, "airliner", None)


def test_relative_paths_are_taken_from_the_scenario_directory(tmp_path: Path) -> None:
    assert resolve_data_path(str(tmp_path / "s.yaml"), "d/p.csv") == tmp_path / "d" / "p.csv"
    assert resolve_data_path("builtin:balkans", "d/p.csv") == Path("d/p.csv")
    assert resolve_data_path("x/s.yaml", "/abs/p.csv") == Path("/abs/p.csv")


def test_missing_file(tmp_path: Path) -> None:
    path = _write(tmp_path, "    - file: data/nope.csv.gz\n")
    assert _message(path) == (
        f"{path}:9: civil_traffic.recorded[0].file: no such file (got 'data/nope.csv.gz', "
        f"looked for {tmp_path / 'data' / 'nope.csv.gz'})"
    )


def test_missing_index_and_directory_as_file(tmp_path: Path) -> None:
    path = _write(tmp_path, "    - file: data/x_points.csv\n      index: data/x_index.csv\n")
    assert _message(path) == (
        f"{path}:10: civil_traffic.recorded[0].index: no such file (got 'data/x_index.csv', "
        f"looked for {tmp_path / 'data' / 'x_index.csv'})"
    )
    path = _write(tmp_path, "    - file: data\n")
    assert _message(path) == (
        f"{path}:9: civil_traffic.recorded[0].file: not a file (got 'data': {tmp_path / 'data'})"
    )


def test_relocate_outside_the_theatre_box(tmp_path: Path) -> None:
    path = _write(
        tmp_path, "    - file: data/x_points.csv\n      relocate: {lat_deg: 48.85, lon_deg: 2.35}\n"
    )
    assert _message(path) == (
        f"{path}:10: civil_traffic.recorded[0].relocate: outside the theatre box lat_deg "
        f"33.0..50.0, lon_deg 12.0..45.0 (got lat_deg 48.85, lon_deg 2.35)"
    )


def test_type_nation_and_duplicate_flights(tmp_path: Path) -> None:
    path = _write(tmp_path, "    - file: data/x_points.csv\n      type: fighter\n")
    assert _message(path) == (
        f"{path}:10: civil_traffic.recorded[0].type: not an airliner type (got 'fighter'; "
        f"allowed: airliner, glider, helicopter, light_aircraft)"
    )
    path = _write(tmp_path, "    - file: data/x_points.csv\n      nation: FRA\n")
    assert _message(path) == (
        f"{path}:10: civil_traffic.recorded[0].nation: nation not declared under `nations` "
        f"(got 'FRA'; declared: BGR)"
    )
    path = _write(tmp_path, "    - file: data/x_points.csv\n      flights: [f1, f2, f1]\n")
    assert _message(path) == (
        f"{path}:10: civil_traffic.recorded[0].flights[2]: duplicate flight (got 'f1')"
    )


def test_schema_rules_of_a_recorded_source(tmp_path: Path) -> None:
    path = _write(tmp_path, "    - file: data/x_points.csv\n      max_flights: 0\n")
    assert _message(path) == (
        f"{path}:10: civil_traffic.recorded[0].max_flights: Input should be greater than or "
        f"equal to 1 (got 0)"
    )
    path = _write(tmp_path, "    - file: data/x_points.csv\n      relocate: {lat_deg: 42.7}\n")
    assert _message(path) == (
        f"{path}:10: civil_traffic.recorded[0].relocate.lon_deg: required field is missing"
    )
    path = _write(tmp_path, "    - file: data/x_points.csv\n      shift_s: 3\n")
    assert _message(path) == (
        f"{path}:10: civil_traffic.recorded[0].shift_s: unknown key (allowed: file, index, "
        f"flights, max_flights, start_s, relocate, type, nation, transponder, rcs_m2)"
    )


# --- iamd validate ----------------------------------------------------------------------------


def test_validate_counts_the_recorded_flights(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = _write(tmp_path, "    - {file: data/x_points.csv, start_s: 10}\n")
    code, out, err = _validate(capsys, path)
    assert (code, err) == (0, "")
    assert out.endswith("0 raids (0 threats), 1 recorded flights, policy integrated\n")


@pytest.mark.parametrize(
    ("source", "points", "expected"),
    [
        ("file: data/nope.csv", POINTS, "{path}:9: civil_traffic.recorded[0].file: no such file"),
        (
            "file: data/x_points.csv",
            HEADER + "f1,100,42.7,east,9000,0\n",
            "{data}: row 2: column lon_deg: not a finite number (got 'east'; ",
        ),
        (
            "file: data/x_points.csv",
            "flight_id,t,lat_deg,lon_deg,alt_m\n",
            "{data}: column t_unix_s: missing (got columns flight_id, t, lat_deg, lon_deg, alt_m; ",
        ),
        (
            "{file: data/x_points.csv, flights: [f9]}",
            POINTS,
            "{path}:9: civil_traffic.recorded[0].flights[0]: unknown flight id (got 'f9'; "
            "x_points.csv has 1 flights: f1)",
        ),
        (
            "{file: data/x_points.csv, start_s: 900}",
            POINTS,
            "{path}:9: civil_traffic.recorded[0]: no flight left in the scenario window 0..600 s",
        ),
        (
            "{file: data/x_points.csv, relocate: {lat_deg: 60, lon_deg: 20}}",
            POINTS,
            "{path}:9: civil_traffic.recorded[0].relocate: outside the theatre box",
        ),
    ],
)
def test_validate_reports_bad_recorded_input_on_one_line_with_status_2(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], source: str, points: str, expected: str
) -> None:
    path = _write(tmp_path, f"    - {source}\n", points)
    code, out, err = _validate(capsys, path)
    assert code == 2 and out == ""
    lines = err.splitlines()
    assert len(lines) == 1
    data = tmp_path / "data" / "x_points.csv"
    assert lines[0].startswith("error: " + expected.format(path=path, data=data)), lines[0]


def test_gzip_errors_reach_validate(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = _write(tmp_path, "    - file: data/y_points.csv.gz\n")
    (tmp_path / "data" / "y_points.csv.gz").write_text(POINTS)
    code, _, err = _validate(capsys, path)
    assert code == 2
    assert err.startswith(f"error: {tmp_path / 'data' / 'y_points.csv.gz'}: not a gzip file (")


@pytest.mark.skipif(not SHARED_POINTS.exists(), reason="shared/data/flights is absent")
def test_the_example_validates_with_its_recorded_traffic(
    capsys: pytest.CaptureFixture[str],
) -> None:
    code, out, err = _validate(capsys, EXAMPLE)
    assert (code, err) == (0, "")
    assert "scenario 'balkans_recorded_traffic'" in out
    assert ", 86 recorded flights, " in out
