"""Campaigns: identical bytes whatever the executor, nothing lost on interruption or failure,
resume semantics, and the command-line flags.

Runs use a shortened built-in scenario (900 s at a 10 s clock step, about 0.5 s per run), so
the whole module takes about a minute, most of it in starting worker processes.
"""

from __future__ import annotations

import argparse
import json
import re
import shutil
from pathlib import Path
from typing import Any

import pandas as pd
import plotly.offline
import pytest

from iamd.analysis.campaign import (
    JOURNAL,
    MANIFEST,
    MAX_RUNS,
    SCENARIO_COPY,
    Journal,
    ScenarioSource,
    check_runs,
)
from iamd.analysis.cli import add_analysis_parsers, compare_command, sweep_command
from iamd.analysis.compare import CompareResult, compare
from iamd.analysis.executors import (
    MAX_LOCAL_WORKERS,
    DaskExecutor,
    InProcessExecutor,
    LocalProcessExecutor,
    make_executor,
    parse_dask,
)
from iamd.analysis.params import apply_overrides
from iamd.analysis.runs import FAULT_ENV, run_one, run_seed
from iamd.analysis.sweep import sweep
from iamd.errors import InputError
from iamd.scenario.loader import builtin_scenario_text

POLICIES = ("national", "shared_picture", "integrated")
RUNS = 3
SEED = 11


def short_scenario() -> ScenarioSource:
    """The built-in scenario cut to 900 s at a 10 s step (BMs impact, engagements happen)."""
    text = builtin_scenario_text("balkans")
    text, n = re.subn(r"^duration_s: \d+$", "duration_s: 900", text, flags=re.M)
    assert n == 1
    text, n = re.subn(r"^time_step_s: \d+$", "time_step_s: 10", text, flags=re.M)
    assert n == 1
    return ScenarioSource(text=text, source="balkans-short.yaml")


def parse(*argv: str) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="iamd")
    add_analysis_parsers(parser.add_subparsers(dest="command", required=True))
    return parser.parse_args(list(argv))


@pytest.fixture(scope="module")
def scenario_file(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("scenario") / "balkans-short.yaml"
    path.write_text(short_scenario().text, encoding="utf-8")
    return path


@pytest.fixture(scope="module")
def reference(tmp_path_factory: pytest.TempPathFactory) -> CompareResult:
    """The comparison run in this process: what every other executor must reproduce."""
    out = tmp_path_factory.mktemp("reference")
    return compare(short_scenario(), POLICIES, RUNS, SEED, out, InProcessExecutor())


def outputs(out: Path) -> tuple[bytes, bytes]:
    return (out / "compare.parquet").read_bytes(), (out / "compare.html").read_bytes()


# --- the records -------------------------------------------------------------------------------


def test_records_are_sorted_complete_and_share_seeds_across_policies(
    reference: CompareResult,
) -> None:
    df = reference.records
    assert len(df) == RUNS * len(POLICIES)
    assert list(df["run"]) == [r for r in range(RUNS) for _ in POLICIES]
    assert list(df["policy"]) == list(POLICIES) * RUNS
    assert (df["status"] == "ok").all()
    for r in range(RUNS):  # common random numbers: one seed per run, for every policy
        assert set(df.loc[df["run"] == r, "seed"]) == {run_seed(SEED, r)}
    assert {"hit_sofia", "hit_constanta_port", "leakers_ballistic_missile"} <= set(df.columns)
    assert df["threats_launched"].nunique() == 1  # same raid under every policy
    nat = df[df["policy"] == "national"]
    integ = df[df["policy"] == "integrated"]
    assert integ["threats_destroyed"].sum() > nat["threats_destroyed"].sum()
    back = pd.read_parquet(reference.parquet_path)
    pd.testing.assert_frame_equal(back, df)
    html = reference.html_path.read_text(encoding="utf-8")
    assert html.count(plotly.offline.get_plotlyjs()) == 1  # inlined once
    assert "<script src=" not in html and "<link " not in html  # nothing fetched
    for div in ("hits", "dist", "forest-p", "forest"):
        assert f'<div id="iamd-compare-{div}"' in html


def test_a_record_of_run_one_is_flat_and_seeded() -> None:
    src = short_scenario()
    rec = run_one(src.text, src.source, "integrated", 1, SEED, {})
    assert rec["run"] == 1 and rec["policy"] == "integrated" and rec["point"] == ""
    assert rec["seed"] == run_seed(SEED, 1) and rec["status"] == "ok" and rec["error"] == ""
    assert all(not isinstance(v, dict | list) for v in rec.values())
    again = run_one(src.text, src.source, "integrated", 1, SEED, {})
    timing = ("elapsed_s", "cpu_s")  # journal only, never in the tables
    assert {k: v for k, v in rec.items() if k not in timing} == {
        k: v for k, v in again.items() if k not in timing
    }


# --- executors give identical bytes ------------------------------------------------------------


def test_two_local_workers_give_identical_bytes(reference: CompareResult, tmp_path: Path) -> None:
    with LocalProcessExecutor(2) as ex:
        compare(short_scenario(), POLICIES, RUNS, SEED, tmp_path, ex)
    assert outputs(tmp_path) == outputs(reference.campaign.out_dir)


def test_dask_local_cluster_gives_identical_bytes(reference: CompareResult, tmp_path: Path) -> None:
    pytest.importorskip("dask.distributed")  # until dask[distributed] is a dependency
    with DaskExecutor(workers=2) as ex:
        compare(short_scenario(), POLICIES, RUNS, SEED, tmp_path, ex)
    assert outputs(tmp_path) == outputs(reference.campaign.out_dir)


def test_dask_local_workers_run_without_profiler_malloc_trim_or_fast_ticks() -> None:
    pytest.importorskip("dask.distributed")
    import os

    import dask.config

    before = dask.config.get("distributed.worker.profile.enabled")
    with DaskExecutor(workers=1) as ex:
        tasks = [
            (0, ("distributed.worker.profile.enabled",)),
            (1, ("distributed.admin.tick.interval",)),
        ]
        got = dict(ex.map_unordered(dask.config.get, tasks))
        env = dict(ex.map_unordered(os.getenv, [(0, ("MALLOC_TRIM_THRESHOLD_",))]))
    assert got == {0: False, 1: "1s"}
    assert env == {0: None}  # glibc keeps its dynamic mmap threshold
    assert dask.config.get("distributed.worker.profile.enabled") == before  # left as it was


# --- nothing lost ------------------------------------------------------------------------------


def test_resume_after_an_interruption_loses_and_duplicates_nothing(
    reference: CompareResult, tmp_path: Path
) -> None:
    k = 4

    def interrupt_after_k(done: int, total: int) -> None:
        if done >= k:
            raise KeyboardInterrupt

    with LocalProcessExecutor(2) as ex, pytest.raises(KeyboardInterrupt):
        compare(short_scenario(), POLICIES, RUNS, SEED, tmp_path, ex, progress=interrupt_after_k)
    lines = (tmp_path / JOURNAL).read_text().splitlines()
    assert len(lines) == k
    assert not (tmp_path / "compare.parquet").exists()
    seen: list[tuple[int, int]] = []
    result = compare(
        short_scenario(),
        POLICIES,
        RUNS,
        SEED,
        tmp_path,
        InProcessExecutor(),
        resume=True,
        progress=lambda done, total: seen.append((done, total)),
    )
    assert seen[0] == (k, RUNS * len(POLICIES))
    assert (result.campaign.ran, result.campaign.resumed) == (RUNS * len(POLICIES) - k, k)
    keys = [(json.loads(x)["run"], json.loads(x)["policy"]) for x in (tmp_path / JOURNAL).open()]
    assert len(keys) == len(set(keys)) == RUNS * len(POLICIES)
    assert outputs(tmp_path) == outputs(reference.campaign.out_dir)


def test_a_journal_cut_mid_line_is_repaired_and_completed(
    reference: CompareResult, tmp_path: Path
) -> None:
    src = reference.campaign.out_dir
    for name in (MANIFEST, SCENARIO_COPY):
        shutil.copy(src / name, tmp_path / name)
    lines = (src / JOURNAL).read_bytes().splitlines(keepends=True)
    (tmp_path / JOURNAL).write_bytes(b"".join(lines[:5]) + lines[5][:40])  # torn 6th record
    result = compare(short_scenario(), POLICIES, RUNS, SEED, tmp_path, resume=True)
    assert (result.campaign.ran, result.campaign.resumed) == (RUNS * len(POLICIES) - 5, 5)
    assert len(Journal(tmp_path / JOURNAL).read()) == RUNS * len(POLICIES)
    assert all(json.loads(x) for x in (tmp_path / JOURNAL).read_text().splitlines())
    assert outputs(tmp_path) == outputs(reference.campaign.out_dir)


@pytest.mark.parametrize(
    ("line", "message"),
    [
        (lambda r: r.replace('"seed": ', '"seed": [', 1).replace(", \"status", "], \"status", 1),
         "seed: not an integer within [0, 2^63)"),
        (lambda r: re.sub(r'"leakers": \d+', '"leakers": Infinity', r, count=1),
         "not a run record"),
        (lambda r: re.sub(r'"seed": \d+', '"seed": ' + "9" * 30, r, count=1),
         "not a run record"),
        (lambda r: re.sub(r'"interceptors_fired": \d+', '"interceptors_fired": -1', r, count=1),
         "interceptors_fired: not an integer within [0, 2^63) (got -1)"),
        (lambda r: "[" * 100_000, "not a run record"),
        (lambda r: r.replace('"status": "ok"', '"status": "bogus"'),
         'status: ok or error (got "bogus")'),
    ],
)  # fmt: skip
def test_a_corrupted_journal_line_is_named_with_how_to_recover(
    reference: CompareResult, tmp_path: Path, line: Any, message: str
) -> None:
    src = reference.campaign.out_dir
    for name in (MANIFEST, SCENARIO_COPY):
        shutil.copy(src / name, tmp_path / name)
    lines = (src / JOURNAL).read_text().splitlines(keepends=True)
    bad = line(lines[1].rstrip("\n")) + "\n"
    (tmp_path / JOURNAL).write_text(lines[0] + bad + "".join(lines[2:]))
    before = {p.name: p.stat().st_mtime_ns for p in tmp_path.iterdir()}
    with pytest.raises(InputError) as err:
        compare(short_scenario(), POLICIES, RUNS, SEED, tmp_path, resume=True)
    assert {p.name: p.stat().st_mtime_ns for p in tmp_path.iterdir()} == before  # nothing written
    assert str(err.value).startswith(f"{tmp_path / JOURNAL}:2: ")
    assert message in str(err.value) and "remove the line to resume" in str(err.value)


RUNS_MUST = "runs must be a whole number in [1, 100000]"


def _edit_manifest(path: Path, **fields: Any) -> None:
    path.write_text(json.dumps({**json.loads(path.read_text()), **fields}))


@pytest.mark.parametrize(
    ("damage", "message"),
    [
        (lambda p: p.write_text("[" * 100_000), "JSON nested too deeply"),
        (lambda p: p.write_text('{"seed": Infinity}'), "Infinity is not a number of JSON"),
        (lambda p: p.write_text("[1, 2]"), "not a campaign manifest"),
        (lambda p: (p.unlink(), p.mkdir()), "is a directory; give a regular file"),
        (lambda p: _edit_manifest(p, runs="3"), f'{RUNS_MUST} (got "3")'),
        (lambda p: _edit_manifest(p, runs=[3]), f"{RUNS_MUST} (got [3])"),
        (lambda p: _edit_manifest(p, runs=True), f"{RUNS_MUST} (got true)"),
        (lambda p: _edit_manifest(p, runs=0), f"{RUNS_MUST} (got 0)"),
        (lambda p: _edit_manifest(p, runs=100_001), f"{RUNS_MUST} (got 100001)"),
        (lambda p: _edit_manifest(p, runs=10**12), f"{RUNS_MUST} (got 1000000000000)"),
        (lambda p: _edit_manifest(p, format="x"), "format must be 'iamd-campaign/1'"),
    ],
)
def test_a_corrupted_manifest_is_named_with_how_to_recover(
    reference: CompareResult, tmp_path: Path, damage: Any, message: str
) -> None:
    src = reference.campaign.out_dir
    for name in (MANIFEST, SCENARIO_COPY, JOURNAL):
        shutil.copy(src / name, tmp_path / name)
    damage(tmp_path / MANIFEST)
    with pytest.raises(InputError) as err:
        compare(short_scenario(), POLICIES, RUNS, SEED, tmp_path, resume=True)
    assert message in str(err.value) and "another --out" in str(err.value)


def test_resume_with_more_runs_runs_only_the_new_ones(tmp_path: Path) -> None:
    first = compare(short_scenario(), ["integrated"], 1, SEED, tmp_path)
    assert first.campaign.ran == 1
    more = compare(short_scenario(), ["integrated"], 2, SEED, tmp_path, resume=True)
    assert (more.campaign.ran, more.campaign.resumed) == (1, 1)
    assert list(more.records["run"]) == [0, 1]


def test_a_directory_of_another_campaign_is_refused(
    reference: CompareResult, tmp_path: Path
) -> None:
    out = reference.campaign.out_dir
    with pytest.raises(InputError, match=r"already holds a campaign .*--resume"):
        compare(short_scenario(), POLICIES, RUNS, SEED, out)
    with pytest.raises(InputError) as err:
        compare(short_scenario(), POLICIES, RUNS, SEED + 1, out, resume=True)
    assert f"holds a different campaign (seed {SEED} there, {SEED + 1} here)" in str(err.value)
    with pytest.raises(InputError, match=r"policies \[\"national\", .* there, \[\"integrated\"\]"):
        compare(short_scenario(), ["integrated"], RUNS, SEED, out, resume=True)
    other = ScenarioSource(text=short_scenario().text + "\n# edited\n", source="edited.yaml")
    with pytest.raises(InputError, match="scenario_sha256"):
        compare(other, POLICIES, RUNS, SEED, out, resume=True)
    # the command line turns these into exit status 2 (InputError); nothing was run
    assert len((out / JOURNAL).read_text().splitlines()) == RUNS * len(POLICIES)


def test_a_failing_run_is_recorded_with_its_seed_and_reported(
    scenario_file: Path,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    monkeypatch.setenv(FAULT_ENV, "raise:1:integrated")
    out = tmp_path / "camp"
    args = parse(
        "compare", str(scenario_file), "--policies", "national,integrated", "--runs", "2",
        "--seed", str(SEED), "--out", str(out), "--quiet",
    )  # fmt: skip
    assert compare_command(args) == 1
    err = capsys.readouterr().err
    seed = run_seed(SEED, 1)
    assert "warning: 1 of 4 runs failed" in err
    assert f"run 1 integrated (seed {seed}): RuntimeError: injected fault in run 1" in err
    df = pd.read_parquet(out / "compare.parquet")
    bad = df[df["status"] == "error"]
    assert list(bad["run"]) == [1] and list(bad["seed"]) == [seed]
    assert bad["error"].iloc[0].startswith("RuntimeError: injected fault in run 1")
    assert bad["leakers"].isna().all()
    assert (df["status"] == "ok").sum() == 3
    # resuming does not run the failed run again: the same seed gives the same error
    monkeypatch.delenv(FAULT_ENV)
    args.resume = True
    assert compare_command(args) == 1


def test_a_worker_that_dies_has_its_run_retried(
    reference: CompareResult, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv(FAULT_ENV, f"exit:0:{tmp_path / 'died-once'}")
    with LocalProcessExecutor(2) as ex:
        result = compare(short_scenario(), ["national"], 2, SEED, tmp_path / "camp", ex)
        assert ex.pool_restarts == 1
    assert (tmp_path / "died-once").exists()
    assert (result.records["status"] == "ok").all()
    ref = reference.records
    want = ref[(ref["policy"] == "national") & (ref["run"] < 2)].reset_index(drop=True)
    pd.testing.assert_frame_equal(result.records, want)


def test_a_worker_that_always_dies_gives_a_lost_record_that_resume_runs_again(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    src = short_scenario()
    tasks = [((0, "national", ""), (src.text, src.source, "national", 0, SEED, {}))]
    marker = tmp_path / "m"
    monkeypatch.setenv(FAULT_ENV, f"exit:0:{marker}")
    ex = LocalProcessExecutor(1, retries=0)
    try:
        (key, res), *rest = list(ex.map_unordered(run_one, tasks))
    finally:
        ex.close()
    assert rest == [] and key == (0, "national", "")
    assert type(res).__name__ == "TaskLost" and "died 1 times" in res.message


# --- sweep -------------------------------------------------------------------------------------


def test_sweep_writes_a_tidy_table_with_one_column_per_parameter(tmp_path: Path) -> None:
    result = sweep(
        short_scenario(),
        ["effectors.ro_patriot_constanta=present,absent"],
        ["integrated"],
        runs=2,
        seed=SEED,
        out_dir=tmp_path,
    )
    df = pd.read_parquet(tmp_path / "sweep.parquet")
    assert list(df.columns[:5]) == [
        "run", "point", "effectors.ro_patriot_constanta", "policy", "seed",
    ]  # fmt: skip
    assert len(df) == 4 and (df["status"] == "ok").all()
    assert list(df["effectors.ro_patriot_constanta"]) == ["present", "absent"] * 2
    for r in range(2):
        assert set(df.loc[df["run"] == r, "seed"]) == {run_seed(SEED, r)}
    present = df[df["effectors.ro_patriot_constanta"] == "present"]
    absent = df[df["effectors.ro_patriot_constanta"] == "absent"]
    assert absent["leakers"].sum() >= present["leakers"].sum()
    m = result.marginal
    assert set(m["param_value"]) == {"present", "absent"}
    page = (tmp_path / "sweep.html").read_text(encoding="utf-8")
    assert 'id="iamd-sweep-0"' in page
    assert len(result.paired) == 0 and "iamd-sweep-paired" not in page  # one policy


def test_sweep_reports_paired_differences_at_each_point_as_compare_does(tmp_path: Path) -> None:
    pols = ["national", "integrated"]
    param = "effectors.ro_patriot_constanta"
    result = sweep(short_scenario(), [f"{param}=present,absent"], pols, 2, SEED, tmp_path / "sweep")
    assert result.reference == "national"
    paired = result.paired
    assert list(paired.columns[:2]) == ["point", param]
    assert set(paired["policy"]) == {"integrated"} and set(paired["reference"]) == {"national"}
    always = paired[paired["metric"].isin(["any_asset_hit", "leakers", "interceptors_fired"])]
    assert len(always) == 2 * 3 and (always["n"] == 2).all()  # two pairs at each point
    # at the point "absent", the same runs as a comparison of the scenario without the unit
    src = short_scenario()
    text = apply_overrides(src.text, src.source, {param: "absent"})
    cmp = compare(ScenarioSource(text=text, source="x.yaml"), pols, 2, SEED, tmp_path / "cmp")
    at = paired[paired[param] == "absent"].drop(columns=["point", param])
    pd.testing.assert_frame_equal(at.reset_index(drop=True), cmp.paired)
    lk = at.set_index("metric").loc["leakers"]
    assert lk["value"] < 0  # integration lets fewer threats through, run by run
    page = (tmp_path / "sweep" / "sweep.html").read_text(encoding="utf-8")
    assert 'id="iamd-sweep-paired"' in page
    assert "Paired differences against national at every grid point" in page
    assert "<th>policy − national</th>" in page and "<th>pairs</th>" in page
    import io

    from rich.console import Console

    from iamd.analysis.cli import print_sweep

    buf = io.StringIO()
    print_sweep(result, Console(file=buf, width=250))
    text = buf.getvalue()
    assert "paired differences at each point, policy − national (same seed per run)" in text
    assert f"{lk['value']:+.2f} [" in text


# --- command-line flags ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (
            ["compare", "--policies", "national,federal"],
            "--policies: unknown policy 'federal' (allowed: national, shared_picture, integrated)",
        ),
        (
            ["compare", "--policies", "national,national"],
            "--policies: policy 'national' given twice",
        ),
        (["compare", "--runs", "0"], "--runs must be an integer within [1, 100,000] (got 0)"),
        (
            ["compare", "--runs", "100001"],
            "--runs must be an integer within [1, 100,000] (got 100001)",
        ),
        (
            ["compare", "--runs", "many"],
            "--runs must be an integer within [1, 100,000] (got 'many')",
        ),
        (
            ["compare", "--seed", "-3"],
            "--seed must be an integer within [0, 9,223,372,036,854,775,807] (got -3)",
        ),
        (
            ["compare", "--workers", "0"],
            f"--workers must be an integer within [1, {MAX_LOCAL_WORKERS}] (got 0)",
        ),
        (
            ["compare", "--workers", str(MAX_LOCAL_WORKERS + 1)],
            f"--workers must be an integer within [1, {MAX_LOCAL_WORKERS}] "
            f"(got {MAX_LOCAL_WORKERS + 1})",
        ),
        (
            ["compare", "--dask", f"local:{MAX_LOCAL_WORKERS + 1}"],
            f"--dask local:N needs 1 <= N <= {MAX_LOCAL_WORKERS} (got 'local:",
        ),
        (
            ["compare", "--dask", "local"],
            "--dask: malformed value (got 'local'; allowed: local:N (a LocalCluster of N worker "
            "processes, N >= 1) or tcp://HOST:PORT or tls://HOST:PORT (an existing Dask "
            "scheduler; tls: with --tls-ca, --tls-cert and --tls-key))",
        ),
        (["compare", "--dask", "local:0"], f"--dask local:N needs 1 <= N <= {MAX_LOCAL_WORKERS}"),
        (
            ["compare", "--dask", "tcp://host:99999"],
            "--dask: malformed value (got 'tcp://host:99999';",
        ),
        (
            ["compare", "--workers", "2", "--dask", "local:2"],
            "--workers and --dask exclude each other (got --workers 2 and --dask local:2)",
        ),
        (["sweep"], "--param: give at least one PATH=V1,V2"),
        (["sweep", "--param", "raids.count"], "--param 'raids.count': expected PATH=V1,V2"),
        (
            ["sweep", "--param", "effectors.gr_patriot_nort=present,absent"],
            "--param effectors.gr_patriot_nort=present,absent: effectors: no item with id "
            "'gr_patriot_nort'",
        ),
    ],
)
def test_bad_flags_raise_input_errors_naming_flag_and_value(
    argv: list[str], message: str, tmp_path: Path
) -> None:
    args = parse(*argv, "--out", str(tmp_path / "never"), "--quiet")
    command = compare_command if argv[0] == "compare" else sweep_command
    with pytest.raises(InputError) as err:
        command(args)
    assert str(err.value).startswith(message), str(err.value)
    assert not (tmp_path / "never").exists()  # nothing written


def test_parser_defaults() -> None:
    c = parse("compare")
    assert (c.scenario, c.policies, c.runs, c.seed, c.workers, c.dask) == (
        "balkans", "national,shared_picture,integrated", "20", None, "1", None,
    )  # fmt: skip
    assert (c.out, c.resume, c.quiet) == (Path("out/compare"), False, False)
    s = parse("sweep", "x.yaml", "--param", "a=1,2", "--param", "b=x")
    assert (s.scenario, s.param, s.policies, s.out) == (
        "x.yaml", ["a=1,2", "b=x"], None, Path("out/sweep"),
    )  # fmt: skip


def test_executor_factory() -> None:
    assert isinstance(make_executor(1), InProcessExecutor)
    ex = make_executor(2)
    assert isinstance(ex, LocalProcessExecutor) and ex.workers == 2
    ex.close()
    assert parse_dask("tcp://127.0.0.1:8786") == ("tcp://127.0.0.1:8786", 0)
    assert parse_dask("local:3") == (None, 3)


def test_terminal_tables_show_estimates_and_paired_differences(reference: CompareResult) -> None:
    import io

    from rich.console import Console

    from iamd.analysis.cli import print_compare

    buf = io.StringIO()
    print_compare(reference, Console(file=buf, width=200))
    text = buf.getvalue()
    assert "mean or probability [95% CI]" in text
    assert "paired differences, policy − national (same seed per run) [95% CI]" in text
    for label in ("P(any asset hit)", "leakers: ballistic missile", "interceptor cost (M USD)"):
        assert label in text
    assert "never hit in any run: " in text
    assert f"({RUNS * len(POLICIES)} runs now, 0 from the journal)" in text


def test_runs_are_capped_at_their_bound_and_one_more_is_refused() -> None:
    assert check_runs(MAX_RUNS) == MAX_RUNS == 100_000
    for bad in (MAX_RUNS + 1, 0, True, "3"):
        with pytest.raises(InputError, match=r"--runs must be an integer in \[1, 100000\]"):
            check_runs(bad)  # type: ignore[arg-type]
