"""WTA problem data, file formats (Andersen-Pavlikov-Toffolo text, JSON) and the objective.

The real instances are the 18 benchmark files of Andersen, Pavlikov & Toffolo (2022), read
from ``../shared/data/wta`` (GPL-3.0 test data, never copied into the repository).
"""

from __future__ import annotations

import gzip
import json
import re
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from iamd.engage.wta import (
    WTAProblem,
    expected_cost,
    is_feasible,
    objective,
    read_instance,
    read_json,
    read_problem,
    surviving_value,
    write_json,
)
from iamd.engage.wta.cli import assign_command
from iamd.errors import DataFileError, InputError

WTA_DATA = Path(__file__).resolve().parents[2].parent / "shared" / "data" / "wta"
INSTANCES = sorted(WTA_DATA.glob("wta_*.txt.gz")) if WTA_DATA.exists() else []
needs_data = pytest.mark.skipif(not INSTANCES, reason="shared/data/wta is absent")


# --------------------------------------------------------------------------------------------
# objective


def test_objective_matches_hand_computation() -> None:
    p = WTAProblem(values=[5.0, 10.0], pk=[[0.5, 0.8], [0.6, 0.4]], units=[2, 1])
    # type 0: one unit on each target; type 1 on target 1
    x = [[1, 1], [0, 1]]
    want = 5.0 * 0.5 + 10.0 * 0.2 * 0.6
    assert objective(p, x) == pytest.approx(want, rel=1e-12)
    assert surviving_value(p, np.zeros((2, 2), dtype=int)) == pytest.approx(15.0)


def test_cost_aware_objective_adds_lambda_times_cost() -> None:
    # one drone worth 50 k$ of damage; a 4 $ laser shot (pk 0.5) and a 2 M$ interceptor (0.9)
    p = WTAProblem(
        values=[50_000.0],
        pk=[[0.5], [0.9]],
        units=[10, 1],
        cost_per_unit=[4.0, 2_000_000.0],
        lambda_cost=1.0,
    )
    laser_twice = [[2], [0]]
    interceptor = [[0], [1]]
    assert surviving_value(p, laser_twice) == pytest.approx(12_500.0)
    assert expected_cost(p, laser_twice) == pytest.approx(8.0)
    assert objective(p, laser_twice) == pytest.approx(12_508.0)
    assert objective(p, interceptor) == pytest.approx(5_000.0 + 2_000_000.0)
    free = WTAProblem(values=p.values, pk=p.pk, units=p.units, cost_per_unit=p.cost_per_unit)
    assert objective(free, interceptor) == pytest.approx(5_000.0)


def test_objective_is_vectorised_over_stacks() -> None:
    p = WTAProblem(values=[10.0], pk=[[0.5]], units=3)
    got = objective(p, np.arange(4).reshape(4, 1, 1))
    np.testing.assert_allclose(got, [10.0, 5.0, 2.5, 1.25])


def test_certain_kill_leaves_nothing() -> None:
    p = WTAProblem(values=[7.0, 3.0], pk=[[1.0, 0.0]], units=1)
    assert objective(p, [[1, 0]]) == pytest.approx(3.0)


def test_feasibility_check() -> None:
    p = WTAProblem(values=[1.0, 1.0], pk=[[0.5, 0.5]], units=1)
    assert is_feasible(p, np.array([[1, 0]]))
    assert not is_feasible(p, np.array([[1, 1]]))
    assert not is_feasible(p, np.array([[-1, 1]]))
    assert not is_feasible(p, np.array([[1, 0, 0]]))


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        (
            {"values": [1.0, -2.0], "pk": [[0.5, 0.5]], "units": 1},
            "WTAProblem.values[1] must be finite and >= 0 (got -2)",
        ),
        (
            {"values": [1.0], "pk": [[1.5]], "units": 1},
            "WTAProblem.pk[0, 0] must be a probability in [0, 1] (got 1.5)",
        ),
        (
            {"values": [1.0, 2.0], "pk": [[0.5, 0.5, 0.5]], "units": 1},
            "WTAProblem.pk must have shape (m, n) with n = len(values) = 2 (got shape (1, 3))",
        ),
        (
            {"values": [1.0], "pk": [[0.5], [0.5]], "units": [1, 1.5]},
            "WTAProblem.units[1] must be a whole number >= 0 (got 1.5)",
        ),
        (
            {"values": [1.0], "pk": [[0.5], [0.5]], "units": [1, 1, 1]},
            "WTAProblem.units must be an integer or have shape (m,) = (2,) (got shape (3,))",
        ),
        (
            {"values": [1.0], "pk": [[0.5]], "units": 1, "cost_per_unit": [-4.0]},
            "WTAProblem.cost_per_unit[0] must be finite and >= 0 (got -4)",
        ),
        (
            {"values": [1.0], "pk": [[0.5]], "units": 1, "lambda_cost": -1.0},
            "WTAProblem.lambda_cost must be finite and >= 0 (got -1.0)",
        ),
        (
            {"values": [1.0], "pk": [[0.5]], "units": 1, "weapon_types": ("a", "b")},
            "WTAProblem.weapon_types must be 1 strings, one per weapon type",
        ),
    ],
)
def test_problem_validation_names_field_index_and_value(kwargs: dict, message: str) -> None:
    with pytest.raises(InputError) as info:
        WTAProblem(**kwargs)
    assert str(info.value).startswith(message)


def test_problem_arrays_are_read_only() -> None:
    p = WTAProblem(values=[1.0], pk=[[0.5]], units=1)
    with pytest.raises(ValueError):
        p.pk[0, 0] = 0.9


# --------------------------------------------------------------------------------------------
# the benchmark text form


@needs_data
@pytest.mark.parametrize("path", INSTANCES, ids=[p.name for p in INSTANCES])
def test_reading_andersen_pavlikov_toffolo_instance_gives_header_counts(path: Path) -> None:
    m, n, mu = (int(a) for a in re.findall(r"\d+", path.name))
    p = read_instance(path)
    assert (p.m, p.n) == (m, n)
    assert p.units.tolist() == [mu] * m
    assert p.values.min() >= 1 and np.all(p.values == np.round(p.values))
    assert p.pk.min() >= 0.0 and p.pk.max() <= 1.0
    first = gzip.decompress(path.read_bytes()).decode().splitlines()
    i, j, pij = first[1 + n].split()
    assert p.pk[int(i), int(j)] == float(pij)
    assert p.values[0] == float(first[1])


def _write(tmp_path: Path, text: str, name: str = "bad.txt") -> Path:
    path = tmp_path / name
    path.write_text(text)
    return path


GOOD = "2 2 1\n10\n20\n0 0 0.5\n0 1 0.25\n1 0 0.75\n1 1 1\n"


def test_small_text_instance_reads_plain_and_gzipped_whatever_the_name(tmp_path: Path) -> None:
    plain = read_instance(_write(tmp_path, GOOD, "plain.txt.gz"))  # misleading suffix
    packed = tmp_path / "packed.txt"
    packed.write_bytes(gzip.compress(GOOD.encode()))
    zipped = read_instance(packed)
    for p in (plain, zipped):
        np.testing.assert_array_equal(p.values, [10.0, 20.0])
        np.testing.assert_array_equal(p.pk, [[0.5, 0.25], [0.75, 1.0]])
        assert p.units.tolist() == [1, 1]


def test_text_instance_tolerates_blank_lines_and_any_pair_order(tmp_path: Path) -> None:
    text = "\n2 2 1\n\n10\n20\n1 1 1\n\n0 1 0.25\n1 0 0.75\n0 0 0.5\n\n\n"
    p = read_instance(_write(tmp_path, text))
    np.testing.assert_array_equal(p.pk, [[0.5, 0.25], [0.75, 1.0]])


BAD_FILES = [
    ("", "bad.txt:1: empty file, expected a header `m n mu` (got nothing)"),
    ("2 2\n", "bad.txt:1: header must be three integers `m n mu` (got '2 2')"),
    ("2 x 1\n", "bad.txt:1: n must be an integer (got 'x')"),
    ("0 2 1\n", "bad.txt:1: header needs m >= 1, n >= 1 and mu >= 0 (got m=0, n=2, mu=1)"),
    ("2 2 1\n10\n", "bad.txt:2: expected 2 target values after the header, the file ends"),
    ("2 2 1\n10\nten\n", "bad.txt:3: value of target 1 must be a number (got 'ten')"),
    ("2 2 1\n10\n-5\n", "bad.txt:3: value of target 1 must be finite and >= 0 (got -5)"),
    ("2 2 1\n10 11\n20\n", "bad.txt:2: expected one target value (value of target 0), got 2"),
    (
        "2 2 1\n10\n20\n0 0 0.5\n0 1 1.25\n1 0 0.75\n1 1 1\n",
        "bad.txt:5: kill probability p must be in [0, 1] (got 1.25)",
    ),
    (
        "2 2 1\n10\n20\n0 0 0.5\n0 1 0.25\n2 0 0.75\n1 1 1\n",
        "bad.txt:6: weapon type index i must be an integer in [0, 1] (got 2)",
    ),
    (
        "2 2 1\n10\n20\n0 0 0.5\n0 -1 0.25\n1 0 0.75\n1 1 1\n",
        "bad.txt:5: target index j must be an integer in [0, 1] (got -1)",
    ),
    (
        "2 2 1\n10\n20\n0 0 0.5\n0 1 0.25\n1 0 abc\n1 1 1\n",
        "bad.txt:6: p must be a number (got 'abc')",
    ),
    (
        "2 2 1\n10\n20\n0 0 0.5\n0 1 0.25\n1 0\n1 1 1\n",
        "bad.txt:6: expected three fields `i j p` (weapon type, target, kill probability), got 2",
    ),
    (
        "2 2 1\n10\n20\n0 0 0.5\n0 1 0.25\n1 0 0.75\n",
        "bad.txt:6: expected 4 kill-probability lines `i j p` (m * n = 2 * 2), the file ends "
        "after 3; pair (1, 1) is missing (got 3)",
    ),
    (
        "2 2 1\n10\n20\n0 0 0.5\n0 1 0.25\n1 0 0.75\n1 1 1\n0 0 0.5\n",
        "bad.txt:8: expected 4 kill-probability lines `i j p` (m * n = 2 * 2), this is one "
        "too many (got 5)",
    ),
    (
        "2 2 1\n10\n20\n0 0 0.5\n0 1 0.25\n0 0 0.75\n1 1 1\n",
        "bad.txt:6: pair (i, j) = (0, 0) appears twice, first on line 4 (got p = 0.75)",
    ),
    ("2 2 1\n10\n20\n", "bad.txt:4: expected 4 kill-probability lines `i j p` after the 2"),
]


@pytest.mark.parametrize(("text", "message"), BAD_FILES)
def test_bad_instance_file_gives_precise_message(tmp_path: Path, text: str, message: str) -> None:
    path = _write(tmp_path, text)
    with pytest.raises(DataFileError) as info:
        read_instance(path)
    got = str(info.value)
    assert got.startswith(f"{tmp_path}/"), got
    assert got[len(f"{tmp_path}/") :].startswith(message), got


def test_corrupt_gzip_and_missing_file_are_data_file_errors(tmp_path: Path) -> None:
    path = tmp_path / "broken.gz"
    path.write_bytes(gzip.compress(GOOD.encode())[:20])
    with pytest.raises(DataFileError, match=r"broken.gz: unreadable gzip data"):
        read_instance(path)
    with pytest.raises(DataFileError, match=r"nowhere.txt: no such file"):
        read_instance(tmp_path / "nowhere.txt")
    binary = tmp_path / "binary.txt"
    binary.write_bytes(b"2 2 1\n\xff\xfe\n")
    with pytest.raises(DataFileError, match=r"binary.txt:2: not a text file"):
        read_instance(binary)


# --------------------------------------------------------------------------------------------
# JSON form


problems = st.integers(1, 4).flatmap(
    lambda m: st.integers(1, 5).flatmap(
        lambda n: st.builds(
            lambda v, p, u, c, lam, named: WTAProblem(
                values=v,
                pk=np.reshape(p, (m, n)),
                units=u,
                cost_per_unit=c,
                lambda_cost=lam,
                weapon_types=tuple(f"w{i}" for i in range(m)) if named else None,
                target_names=tuple(f"t{j}" for j in range(n)) if named else None,
            ),
            st.lists(st.floats(0, 1e6), min_size=n, max_size=n),
            st.lists(st.floats(0, 1), min_size=m * n, max_size=m * n),
            st.lists(st.integers(0, 5), min_size=m, max_size=m),
            st.lists(st.floats(0, 1e7), min_size=m, max_size=m),
            st.floats(0, 10),
            st.booleans(),
        )
    )
)


@settings(max_examples=40, deadline=None)
@given(problems)
def test_json_round_trip(tmp_path_factory: pytest.TempPathFactory, p: WTAProblem) -> None:
    path = tmp_path_factory.mktemp("json") / "problem.json"
    write_json(p, path)
    q = read_json(path)
    np.testing.assert_array_equal(q.values, p.values)
    np.testing.assert_array_equal(q.pk, p.pk)
    np.testing.assert_array_equal(q.units, p.units)
    np.testing.assert_array_equal(q.cost_per_unit, p.cost_per_unit)
    assert (q.lambda_cost, q.weapon_types, q.target_names) == (
        p.lambda_cost,
        p.weapon_types,
        p.target_names,
    )
    assert read_problem(path).m == p.m


def test_json_minimal_form_and_scalar_units(tmp_path: Path) -> None:
    path = tmp_path / "p.json"
    path.write_text('{"values": [3, 4], "pk": [[0.5, 0.5], [0.1, 0.9]], "units": 2}')
    p = read_json(path)
    assert p.units.tolist() == [2, 2]
    assert p.cost_per_unit.tolist() == [0.0, 0.0]
    assert p.lambda_cost == 0.0


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ('{"values": [1], "pk": [[0.5]]}', "p.json: missing required field 'units'"),
        ('{"values": [1], "pk": [[0.5]], "units": 1, "speed": 3}', "p.json: unknown field 'speed'"),
        ('{"values": [1], "pk": [[1.5]], "units": 1}', "p.json: pk[0, 0] must be a probability"),
        ('{"values": [1], "pk": [["a"]], "units": 1}', "p.json: pk must hold numbers only"),
        ('{"values": [1], "pk": [[0.5], [0.5, 1]], "units": 1}', "p.json: pk must be rectangular"),
        ('{"values": [1], "pk": [[0.5]], "units": 1.5}', "p.json: units must be whole numbers"),
        ('{"values": [1], "pk": [[0.5]], "units": 1, "lambda_cost": "x"}', "p.json: lambda_cost"),
        ("[1, 2]", "p.json: expected a JSON object (got list)"),
        ('{"values": [1],\n "pk": }', "p.json:2: not valid JSON"),
    ],
)
def test_bad_json_gives_precise_message(tmp_path: Path, text: str, message: str) -> None:
    path = tmp_path / "p.json"
    path.write_text(text)
    with pytest.raises(DataFileError) as info:
        read_json(path)
    assert str(info.value).startswith(f"{tmp_path}/{message}"), str(info.value)


# --------------------------------------------------------------------------------------------
# the `iamd assign` command


def test_assign_command_writes_solution_json(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    problem = tmp_path / "raid.json"
    write_json(
        WTAProblem(
            values=[100.0, 1.0],
            pk=[[0.9, 0.9], [0.5, 0.5]],
            units=[1, 4],
            cost_per_unit=[1000.0, 1.0],
        ),
        problem,
    )
    out = tmp_path / "out" / "solution.json"
    assert assign_command(problem, out, "auto", 2.0, None, 0) == 0
    doc = json.loads(out.read_text())
    assert doc["status"] == "optimal" and doc["method"] == "exact"
    assert doc["bound"] <= doc["objective"] + 1e-9
    assert [list(a) for a in doc["assignment"]] == doc["assignment"]
    # by hand: everything on the valuable target, 100 * 0.1 * 0.5^4 + 1 = 1.625
    assert sorted(map(tuple, doc["assignment"])) == [(0, 0), (1, 0), (1, 0), (1, 0), (1, 0)]
    assert doc["objective"] == pytest.approx(1.625)
    assert doc["lambda_cost"] == 0.0 and doc["seed"] == 0 and len(doc["problem_sha256"]) == 64
    assert "assign: exact optimal" in capsys.readouterr().out
    assert [p.name for p in out.parent.iterdir()] == ["solution.json"]  # no temporary left
    # with cost weighted in, the 1000-unit interceptor is not worth a target of value 100
    assert assign_command(problem, out, "exact", 2.0, 1.0, 0) == 0
    doc = json.loads(out.read_text())
    assert all(w == 1 for w, _ in doc["assignment"])
    assert doc["objective"] == pytest.approx(doc["surviving_value"] + doc["cost"])


def test_assign_command_reads_text_instances(tmp_path: Path) -> None:
    problem = tmp_path / "tiny.txt"
    problem.write_bytes(gzip.compress(GOOD.encode()))
    out = tmp_path / "s.json"
    assert assign_command(problem, out, "greedy", 1.0, None, 0) == 0
    doc = json.loads(out.read_text())
    assert doc["method"] == "greedy" and doc["bound"] is None and doc["status"] == "feasible"


@pytest.mark.parametrize(
    ("args", "message"),
    [
        ({"method": "best"}, "--method must be one of auto, exact, greedy, fast (got 'best')"),
        ({"time_limit_s": -1.0}, "--time-limit must be a finite number of seconds >= 0 (got -1.0)"),
        ({"time_limit_s": 1e300}, "--time-limit must be at most 86400 s, a day (got 1e+300)"),
        ({"lambda_cost": -2.0}, "--lambda-cost must be a finite number >= 0 (got -2.0)"),
    ],
)
def test_assign_command_rejects_bad_flags(tmp_path: Path, args: dict, message: str) -> None:
    problem = _write(tmp_path, GOOD, "tiny.txt")
    kw = {"method": "fast", "time_limit_s": 1.0, "lambda_cost": None, "seed": 0} | args
    with pytest.raises(InputError) as info:
        assign_command(problem, tmp_path / "s.json", **kw)
    assert str(info.value) == message
    assert not (tmp_path / "s.json").exists()


def test_assign_command_leaves_no_output_on_bad_problem(tmp_path: Path) -> None:
    problem = _write(tmp_path, "2 2 1\n10\n", "bad.txt")
    out = tmp_path / "s.json"
    with pytest.raises(DataFileError):
        assign_command(problem, out, "fast", 1.0, None, 0)
    assert not out.exists()
