"""Hostile input to the readers, in process: every malformed file is an InputError with a
message, never another exception, a hang or an allocation the file cannot back.

Regression tests name the case the hostile-input benchmark (benchmarks/hostile/) found; the
property tests feed random bytes and random mutations of valid files to each reader
(Hypothesis, derandomized by tests/conftest.py, bounded ``max_examples``).
"""

from __future__ import annotations

import contextlib
import gzip
import json
import os
import re
import tempfile
from collections.abc import Callable
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from iamd.analysis.campaign import Journal
from iamd.analysis.params import parse_param
from iamd.engage.wta.problem import read_problem
from iamd.errors import DataFileError, InputError
from iamd.federation.node import load_node_config
from iamd.identify.tool import read_tracks
from iamd.interop.recording import load_sensors
from iamd.scenario.loader import load_scenario, load_scenario_text
from iamd.track.tool import read_plots

BOMB = "\n".join(
    ['a0: &a0 ["lol","lol","lol","lol","lol","lol","lol","lol","lol","lol"]']
    + [f"a{k}: &a{k} [{','.join([f'*a{k - 1}'] * 10)}]" for k in range(1, 12)]
)
DEEP = "a: " + "[" * 5000 + "]" * 5000
WTA_TEXT = "2 3 1\n10\n20\n30\n" + "".join(
    f"{i} {j} {0.3 + 0.1 * (i + j):.2f}\n" for i in range(2) for j in range(3)
)
WTA_JSON = json.dumps(
    {"values": [10.0, 20.0, 30.0], "pk": [[0.3, 0.4, 0.5], [0.4, 0.5, 0.6]], "units": [2, 1]}
)


def _write(tmp_path: Path, name: str, content: str | bytes) -> Path:
    p = tmp_path / name
    p.write_bytes(content.encode() if isinstance(content, str) else content)
    return p


# ------------------------------------------------------------------ node configuration


def test_node_config_that_is_a_fifo_is_refused_without_blocking(tmp_path: Path) -> None:
    fifo = tmp_path / "n.yaml"
    os.mkfifo(fifo)
    with pytest.raises(InputError, match=r"n.yaml is a FIFO \(named pipe\); give a regular file"):
        load_node_config(fifo)


@pytest.mark.parametrize(
    ("text", "message"),
    [
        (BOMB, "expands to more than 1,000,000 values (aliases included; the limit of a node "),
        (DEEP, "nested more than 64 levels deep (the limit of a node configuration)"),
        ("a: &a [*a]\n", "an alias refers to a value that contains it"),
    ],
)
def test_node_config_yaml_limits(tmp_path: Path, text: str, message: str) -> None:
    with pytest.raises(InputError, match=message.replace("(", r"\(").replace(")", r"\)")):
        load_node_config(_write(tmp_path, "n.yaml", text))


def test_node_config_error_cuts_a_long_value(tmp_path: Path) -> None:
    with pytest.raises(InputError) as info:
        load_node_config(_write(tmp_path, "n.yaml", "nation: " + "x" * 100_000 + "\n"))
    assert len(str(info.value)) < 400


# ------------------------------------------------------------------------ sensor table


def test_sensor_table_alias_bomb_is_refused(tmp_path: Path) -> None:
    with pytest.raises(DataFileError, match="the limit of a sensor table"):
        load_sensors(_write(tmp_path, "s.yaml", BOMB))


# --------------------------------------------------------------------------- WTA files


def test_wta_header_announcing_10_12_targets_is_refused_before_allocating(
    tmp_path: Path,
) -> None:
    for header in ("1 1000000000000 1\n", "1000000000000 1 1\n"):
        with pytest.raises(DataFileError, match=r"the header announces .* the file has 0 lines"):
            read_problem(_write(tmp_path, "w.txt", header))


def test_wta_gzip_bomb_is_refused(tmp_path: Path) -> None:
    bomb = gzip.compress(b"2 3 1\n" + b" " * (50 << 20), 9)
    with pytest.raises(DataFileError, match="decompresses to more than 200 times its size"):
        read_problem(_write(tmp_path, "w.txt.gz", bomb))


@pytest.mark.parametrize("name", ["w.txt", "w.json"])
def test_wta_fifo_is_refused_without_blocking(tmp_path: Path, name: str) -> None:
    os.mkfifo(tmp_path / name)
    with pytest.raises(DataFileError, match="is a FIFO"):
        read_problem(tmp_path / name)


@pytest.mark.parametrize(
    ("edit", "message"),
    [
        (("10.0", "Infinity"), "not strict JSON: Infinity is not a number of JSON"),
        (("[2, 1]", "[123456789012345678901234567890, 1]"), "an integer of 30 digits"),
        (("[10.0, 20.0, 30.0]", "[" * 5000 + "]" * 5000), "JSON nested too deeply"),
    ],
)
def test_wta_json_is_read_strictly(tmp_path: Path, edit: tuple[str, str], message: str) -> None:
    with pytest.raises(DataFileError, match=message):
        read_problem(_write(tmp_path, "w.json", WTA_JSON.replace(*edit)))


# ------------------------------------------------------------------- sweep parameters


@pytest.mark.parametrize("value", ["a; b=c", "x=y", "1;2"])
def test_sweep_values_that_would_make_labels_collide_are_refused(value: str) -> None:
    with pytest.raises(InputError, match="a value has neither ';' nor '='"):
        parse_param(f"raids.d.type={value}")


# -------------------------------------------------------------------------- scenarios

TINY = """\
name: tiny
epoch: 2026-03-10T02:00:00Z
duration_s: 120
nations:
  - {code: BGR, name: Bulgaria}
assets:
  - {name: npp, nation: BGR, lat_deg: 43.746, lon_deg: 23.771, kind: nuclear, value: 10}
raids:
  - {id: d, type: shahed136, launch: {lat_deg: 43.62, lon_deg: 23.60}, aim: {asset: npp}}
"""


@pytest.mark.parametrize("word", ["on", "yes", "true", "off"])
def test_a_yaml_boolean_is_not_a_count(word: str) -> None:
    text = TINY.replace("aim: {asset: npp}}", f"aim: {{asset: npp}}, count: {word}}}")
    with pytest.raises(InputError, match=r"raids\[0\].count: must be a number, not a boolean"):
        load_scenario_text(text, "s.yaml")
    load_scenario_text(text.replace(f"count: {word}", "count: 2"), "s.yaml")


# ------------------------------------------------------------------ property tests

EXTREMES = [
    "nan", ".nan", "inf", "-inf", ".inf", "-1", "0", "1e308", "-1e308", "1e-300", "abc", "",
    "99999999999999999999999999999", "1e19", "true", "on", "null", "[]", "{}", "&a", "*a",
]  # fmt: skip
NUMBER = re.compile(rb"-?\d+(?:\.\d+)?(?:e-?\d+)?")


@st.composite
def mutated(draw: st.DrawFn, base: bytes) -> bytes:
    """``base`` with one to three edits: a number replaced by an extreme or a word, a byte
    changed, bytes inserted or deleted, a line repeated or dropped, the end cut off."""
    data = bytearray(base)
    for _ in range(draw(st.integers(1, 3))):
        op = draw(st.sampled_from(["number", "number", "byte", "insert", "delete", "line", "cut"]))
        if op == "number" and (nums := list(NUMBER.finditer(bytes(data)))):
            m = nums[draw(st.integers(0, len(nums) - 1))]
            data[m.start() : m.end()] = draw(st.sampled_from(EXTREMES)).encode()
        elif op == "byte" and data:
            data[draw(st.integers(0, len(data) - 1))] = draw(st.integers(0, 255))
        elif op == "insert":
            i = draw(st.integers(0, len(data)))
            data[i:i] = draw(st.binary(min_size=1, max_size=8))
        elif op == "delete" and data:
            i = draw(st.integers(0, len(data) - 1))
            del data[i : i + draw(st.integers(1, 40))]
        elif op == "line":
            lines = bytes(data).split(b"\n")
            k = draw(st.integers(0, len(lines) - 1))
            lines[k:k] = [lines[k]] if draw(st.booleans()) else []
            if not draw(st.booleans()):
                del lines[k]
            data = bytearray(b"\n".join(lines))
        elif op == "cut" and data:
            del data[draw(st.integers(0, len(data) - 1)) :]
    return bytes(data)


def hostile(base: str) -> st.SearchStrategy[bytes]:
    """Random bytes, random text, and random mutations of the valid file ``base``."""
    raw = base.encode()
    return st.one_of(st.binary(max_size=200), st.text(max_size=200).map(str.encode),
                     mutated(raw), mutated(raw))  # fmt: skip


def only_input_errors(read: Callable[[Path], object], name: str, data: bytes) -> None:
    """``read`` of a file holding ``data`` returns or raises InputError, nothing else."""
    with tempfile.TemporaryDirectory() as d:
        p = Path(d) / name
        p.write_bytes(data)
        with contextlib.suppress(InputError):
            read(p)


PLOTS = "t_s,x_m,y_m,z_m,sigma_m\n" + "".join(
    f"{2 * k},{200.0 * 2 * k:.1f},{100.0 * i},{3000 + 500 * i},50\n"
    for k in range(8)
    for i in range(2)
)
TRACKS = "t_s,track_id,lat_deg,lon_deg,alt_m,vx_m_s,vy_m_s,vz_m_s\n" + "".join(
    f"{2 * k},1,{43 + 0.002 * k:.4f},23.0,3000,0,200,0\n" for k in range(8)
)
JOURNAL = (
    '{"run": 0, "policy": "national", "point": "", "seed": 4334430513956379144, '
    '"status": "ok", "error": "", "threats_launched": 1, "leakers": 0, '
    '"interceptor_cost_usd": 0.0}\n'
)
NODE = "nation: GRC\nscenario: balkans\nrouter: {host: 127.0.0.1, port: 7447}\npeers: [BGR]\n"
FAST = settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@FAST
@given(hostile(TINY))
def test_scenario_loader_raises_only_input_errors(data: bytes) -> None:
    only_input_errors(load_scenario, "s.yaml", data)


@FAST
@given(hostile(PLOTS))
def test_plot_reader_raises_only_input_errors(data: bytes) -> None:
    only_input_errors(read_plots, "p.csv", data)


@FAST
@given(hostile(TRACKS))
def test_track_reader_raises_only_input_errors(data: bytes) -> None:
    only_input_errors(read_tracks, "t.csv", data)


@FAST
@given(st.one_of(hostile(WTA_TEXT).map(lambda b: ("w.txt", b)),
                 hostile(WTA_JSON).map(lambda b: ("w.json", b))))  # fmt: skip
def test_wta_reader_raises_only_input_errors(case: tuple[str, bytes]) -> None:
    only_input_errors(read_problem, *case)


@FAST
@given(hostile(JOURNAL + JOURNAL.replace('"run": 0', '"run": 1')))
def test_journal_reader_raises_only_input_errors(data: bytes) -> None:
    only_input_errors(lambda p: Journal(p).read(), "runs.jsonl", data)


@FAST
@given(hostile(NODE))
def test_node_config_reader_raises_only_input_errors(data: bytes) -> None:
    only_input_errors(load_node_config, "n.yaml", data)


def test_assign_never_overwrites_its_problem_file(tmp_path: Path) -> None:
    from iamd.engage.wta.cli import assign_command

    problem = _write(tmp_path, "w.txt", WTA_TEXT)
    with pytest.raises(InputError, match="is the input file; give another name"):
        assign_command(problem, problem, "greedy", 1.0, None, 0)
    assert problem.read_text() == WTA_TEXT


def test_wta_units_beyond_int64_are_refused_not_wrapped(tmp_path: Path) -> None:
    text = WTA_JSON.replace("[2, 1]", "[10000000000000000000, 1]")
    with pytest.raises(DataFileError, match=r"units must be at most 1,000,000,000"):
        read_problem(_write(tmp_path, "w.json", text))


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["run", "balkans", "--seed", "1" + "0" * 30], "--seed must be at most 2^63 - 1"),
        (["train-identify", "--out", "m", "--n-tracks", "10" * 6], "--n-tracks must be at most"),
        (["train-identify", "--out", "f"], "--out: f exists and is a regular file, not a folder"),
    ],
)
def test_flags_refused_before_any_work(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str],
    args: list[str], message: str,
) -> None:  # fmt: skip
    from iamd.cli import main

    monkeypatch.chdir(tmp_path)
    (tmp_path / "f").write_text("x")
    try:
        code = main(args)
    except SystemExit as exc:
        code = int(exc.code or 0)
    err = capsys.readouterr().err
    assert code == 2 and message in err and len(err.splitlines()) == 1
    assert sorted(p.name for p in tmp_path.iterdir()) == ["f"]


def test_sweep_value_length_and_grid_size_are_bounded() -> None:
    from iamd.analysis.params import check_params

    with pytest.raises(InputError, match="a value of 5,000 characters"):
        parse_param("duration_s=" + "9" * 5000)
    grid = [parse_param("duration_s=" + ",".join(str(60 + k) for k in range(200)))] * 2
    grid[1] = parse_param("time_step_s=" + ",".join(f"1.{k:03d}" for k in range(200)))
    with pytest.raises(InputError, match="a grid of 40,000 points"):
        check_params(TINY, "s.yaml", grid)


@pytest.mark.parametrize(
    ("flags", "message"),
    [
        (["--pareto-points", "1000000000"], "--pareto-points must be an integer <= 200"),
        (["--validate", "1000000000"], "--validate must be an integer <= 100,000"),
        (["--sites", "r.csv"], "column lat_deg appears twice (columns 1 and 3)"),
        (["--sites", "p"], "--sites: p is a FIFO (named pipe); give a regular file"),
    ],
)
def test_plan_flags_refused_before_the_solve(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str],
    flags: list[str], message: str,
) -> None:  # fmt: skip
    from iamd.cli import main

    monkeypatch.chdir(tmp_path)
    (tmp_path / "s.yaml").write_text(TINY)
    (tmp_path / "r.csv").write_text("lat_deg,lon_deg,lat_deg\n43,23,43\n")
    os.mkfifo(tmp_path / "p")
    code = main(["plan", "s.yaml", "--lend", "BGR:iris_t_slm x1", "--out", "pl", "--quiet", *flags])
    assert code == 2 and message in capsys.readouterr().err
    assert not (tmp_path / "pl").exists()
