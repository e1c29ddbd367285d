"""The ``compare`` and ``sweep`` subcommands: parsers and handlers for ``iamd.cli``.

``add_analysis_parsers(subparsers)`` adds both parsers; ``compare_command(args)`` and
``sweep_command(args)`` take the parsed Namespace and return the exit status: 0 when every
run succeeded, 1 when some runs failed (the outputs are complete, failed runs are recorded
with their seed and listed on stderr). Bad flags raise ``iamd.errors.InputError`` naming the
flag, the value and what is allowed (the CLI prints ``error: ...`` and exits 2).

This module imports nothing heavy at import time: ``iamd.cli`` imports it to build its parser.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any

from iamd.analysis.executors import MAX_LOCAL_WORKERS
from iamd.errors import InputError

if TYPE_CHECKING:
    from collections.abc import Callable

    import pandas as pd
    from rich.console import Console
    from rich.table import Table

    from iamd.analysis.campaign import CampaignRun
    from iamd.analysis.compare import CompareResult
    from iamd.analysis.executors import (
        DaskExecutor,
        InProcessExecutor,
        LocalProcessExecutor,
        TLSFiles,
    )
    from iamd.analysis.summary import Metric
    from iamd.analysis.sweep import SweepResult

DEFAULT_POLICIES = "national,shared_picture,integrated"
#: Campaign seeds are stored as 64-bit integers (Parquet, the journal).
MAX_SEED = 2**63 - 1

DEFAULT_RUNS = {"compare": 20, "sweep": 10}
EXIT_RUNS_FAILED = 1
MAX_ERRORS_LISTED = 10


def add_analysis_parsers(subparsers: Any) -> None:
    """Add the ``compare`` and ``sweep`` parsers to an ``add_subparsers()`` object."""
    c = subparsers.add_parser(
        "compare",
        help="compare sharing policies over many runs (Monte Carlo, paired)",
        description="Run the scenario N times under each policy with common random numbers "
        "and compare: means and 95% intervals per policy, paired differences against "
        "national (or the first policy). Writes DIR/compare.parquet and DIR/compare.html.",
    )
    _common(c, "compare")
    c.add_argument(
        "--policies",
        default=DEFAULT_POLICIES,
        metavar="P1,P2",
        help=f"policies to compare, comma-separated (default: {DEFAULT_POLICIES})",
    )
    s = subparsers.add_parser(
        "sweep",
        help="run a grid of scenario parameters (Monte Carlo at each point)",
        description="Run N runs at every point of a parameter grid. Writes DIR/sweep.parquet "
        "and DIR/sweep.html. Paths: see docs/analysis.md.",
    )
    _common(s, "sweep")
    s.add_argument(
        "--policies",
        default=None,
        metavar="P1,P2",
        help="policies to run at every point (default: the scenario's policy)",
    )
    s.add_argument(
        "--param",
        action="append",
        default=[],
        metavar="PATH=V1,V2",
        help="a parameter and its values, e.g. raids.mrbm_sofia.count=2,4,8 or "
        "effectors.gr_patriot_north=present,absent (repeat for a grid)",
    )


def compare_command(args: argparse.Namespace) -> int:
    """``iamd compare``: run the comparison, print the tables; exit status (0, or 1 if runs
    failed)."""
    from iamd.analysis.campaign import MAX_RUNS, scenario_source
    from iamd.analysis.compare import compare

    policies = _policies(args.policies or DEFAULT_POLICIES)
    runs = _int_flag("--runs", args.runs, minimum=1, maximum=MAX_RUNS)
    seed = (
        None if args.seed is None else _int_flag("--seed", args.seed, minimum=0, maximum=2**63 - 1)
    )
    workers = _int_flag("--workers", args.workers, minimum=1, maximum=MAX_LOCAL_WORKERS)
    src = scenario_source(args.scenario)
    with _executor(workers, args.dask, _tls(args)) as ex:
        console = _console(args)
        if console is not None:
            console.print(
                f"compare: {runs} runs × {len(policies)} policies of {src.source} on "
                f"{ex.description} → {args.out}/"
            )
        with _Progress(console, "compare") as progress:
            result = _interruptible(
                args,
                lambda: compare(src, policies, runs, seed, args.out, ex, args.resume, progress),
            )
    if console is not None:
        print_compare(result, console)
    return _report_errors(result.campaign, "compare.parquet")


def sweep_command(args: argparse.Namespace) -> int:
    """``iamd sweep``: run the grid, print the table; exit status (0, or 1 if runs failed)."""
    from iamd.analysis.campaign import MAX_RUNS, scenario_source
    from iamd.analysis.params import parse_param
    from iamd.analysis.sweep import sweep

    params = [parse_param(p) for p in args.param]
    if not params:
        raise InputError(
            "--param: give at least one PATH=V1,V2, e.g. --param raids.mrbm_sofia.count=2,4,8"
        )
    policies = None if args.policies is None else _policies(args.policies)
    runs = _int_flag("--runs", args.runs, minimum=1, maximum=MAX_RUNS)
    seed = (
        None if args.seed is None else _int_flag("--seed", args.seed, minimum=0, maximum=2**63 - 1)
    )
    workers = _int_flag("--workers", args.workers, minimum=1, maximum=MAX_LOCAL_WORKERS)
    src = scenario_source(args.scenario)
    from iamd.analysis.campaign import check_policies
    from iamd.analysis.params import check_params, grid_points

    if policies is not None:
        check_policies(policies)
    check_params(src.text, src.source, params)  # before any worker starts
    with _executor(workers, args.dask, _tls(args)) as ex:
        console = _console(args)
        if console is not None:
            npol = len(policies) if policies else 1
            console.print(
                f"sweep: {runs} runs × {len(grid_points(params))} points × {npol} "
                f"polic{'y' if npol == 1 else 'ies'} of {src.source} on {ex.description} "
                f"→ {args.out}/"
            )
        with _Progress(console, "sweep") as progress:
            result = _interruptible(
                args,
                lambda: sweep(
                    src, params, policies, runs, seed, args.out, ex, args.resume, progress
                ),
            )
    if console is not None:
        print_sweep(result, console)
    return _report_errors(result.campaign, "sweep.parquet")


def print_compare(result: CompareResult, console: Console) -> None:
    """The per-policy table and the paired-difference table (rich)."""
    from rich.table import Table

    from iamd.analysis.summary import format_difference, format_estimate, lookup, metrics_for

    camp = result.campaign
    pols = list(camp.spec.policies)
    metrics = metrics_for([a.name for a in camp.loaded.scenario.assets])
    never = [
        m
        for m in metrics
        if m.column.startswith("hit_")
        and (result.stats.loc[result.stats["metric"] == m.column, "value"].fillna(0) == 0).all()
    ]
    shown = [m for m in metrics if m not in never]
    st = result.stats
    t = Table(
        title=f"{camp.loaded.scenario.name}: {camp.spec.runs} runs per policy, seed "
        f"{camp.spec.seed} — mean or probability [95% CI]",
        title_justify="left",
    )
    t.add_column("")
    for p in pols:
        t.add_column(p, justify="right")
    for m in shown:
        t.add_row(m.label, *(format_estimate(*lookup(st, m.column, p), m.unit) for p in pols))
    console.print(t)
    if never:
        console.print(f"never hit in any run: {', '.join(m.column[4:] for m in never)}")
    others = [p for p in pols if p != result.reference]
    if others:
        pt = Table(
            title=f"paired differences, policy − {result.reference} (same seed per run) [95% CI]",
            title_justify="left",
        )
        pt.add_column("")
        for p in others:
            pt.add_column(p, justify="right")
        for m in shown:
            pt.add_row(
                m.label,
                *(format_difference(*lookup(result.paired, m.column, p), m.unit) for p in others),
            )
        console.print(pt)
    console.print(
        f"outputs in {camp.out_dir}/: compare.parquet compare.html runs.jsonl "
        f"({camp.ran} runs now, {camp.resumed} from the journal)"
    )


def print_sweep(result: SweepResult, console: Console) -> None:
    """One row per grid point and policy with the key outcomes, then (with two or more
    policies) the paired differences against the reference at every point (rich)."""
    from iamd.analysis.summary import format_difference, format_estimate, metrics_for

    camp = result.campaign
    keys = (
        "any_asset_hit",
        "leakers",
        "threats_destroyed",
        "interceptor_cost_usd",
        "cost_exchange_ratio",
    )
    metrics = [m for m in metrics_for([]) if m.column in keys]
    params = [p.path for p in result.params]
    console.print(
        _point_table(
            result.stats,
            params,
            metrics,
            f"{camp.loaded.scenario.name}: {camp.spec.runs} runs per point, seed "
            f"{camp.spec.seed} — mean or probability [95% CI]",
            format_estimate,
            "policy",
        )
    )
    if len(result.paired):
        console.print(
            _point_table(
                result.paired,
                params,
                metrics,
                f"paired differences at each point, policy − {result.reference} (same seed "
                f"per run) [95% CI]",
                format_difference,
                f"policy − {result.reference}",
            )
        )
    console.print("; ".join(f"P{i} = {p}" for i, p in enumerate(params, start=1)))
    console.print(
        f"outputs in {camp.out_dir}/: sweep.parquet sweep.html runs.jsonl "
        f"({camp.ran} runs now, {camp.resumed} from the journal)"
    )


# --- helpers -----------------------------------------------------------------------------------


def _common(p: argparse.ArgumentParser, kind: str) -> None:
    p.add_argument(
        "scenario", nargs="?", default="balkans", help="YAML file or built-in name (balkans)"
    )
    p.add_argument(
        "--runs",
        default=str(DEFAULT_RUNS[kind]),
        metavar="N",
        help=f"runs per policy{' and point' if kind == 'sweep' else ''} "
        f"(default {DEFAULT_RUNS[kind]})",
    )
    p.add_argument(
        "--seed", default=None, metavar="S", help="base seed (default: the scenario's seed)"
    )
    p.add_argument(
        "--out",
        type=Path,
        default=Path(f"out/{kind}"),
        metavar="DIR",
        help=f"campaign directory (default out/{kind})",
    )
    p.add_argument(
        "--workers", default="1", metavar="N", help="local worker processes (default 1: this one)"
    )
    p.add_argument(
        "--dask",
        default=None,
        metavar="local:N|tcp://HOST:PORT|tls://HOST:PORT",
        help="run on Dask: a local cluster of N processes, or an existing scheduler (tcp: one "
        "you control; tls: authenticated with --tls-ca, --tls-cert, --tls-key)",
    )
    p.add_argument("--tls-ca", metavar="PEM", help="certificate authority of a tls:// cluster")
    p.add_argument("--tls-cert", metavar="PEM", help="this client's certificate (tls://)")
    p.add_argument("--tls-key", metavar="PEM", help="this client's private key (tls://)")
    p.add_argument(
        "--resume", action="store_true", help="continue the campaign in --out (missing runs only)"
    )
    p.add_argument("--quiet", action="store_true", help="no progress bar or tables")


def _point_table(
    table: pd.DataFrame,
    params: list[str],
    metrics: list[Metric],
    title: str,
    fmt: Callable[[float, float, float, str], str],
    policy_header: str,
) -> Table:
    """A rich table of a per-point stats or paired table: P1.., policy, one column per metric."""
    from rich.table import Table

    from iamd.analysis.summary import lookup

    t = Table(title=title, title_justify="left")
    for i, _ in enumerate(params, start=1):
        t.add_column(f"P{i}")
    t.add_column(policy_header)
    for m in metrics:
        t.add_column(m.label, justify="right")
    for (_, pol), sub in table.groupby(["point", "policy"], sort=False):
        first = sub.iloc[0]
        t.add_row(
            *(str(first[p]) for p in params),
            str(pol),
            *(fmt(*lookup(sub, m.column, str(pol)), m.unit) for m in metrics),
        )
    return t


def _policies(text: str) -> list[str]:
    from iamd.analysis.campaign import check_policies

    return list(check_policies([p.strip() for p in str(text).split(",") if p.strip()]))


def _int_flag(flag: str, value: Any, *, minimum: int, maximum: int) -> int:
    allowed = f"an integer within [{minimum}, {maximum:,}]"
    try:
        n = int(str(value).strip())
    except ValueError:
        raise InputError(f"{flag} must be {allowed} (got {_cut(value)})") from None
    if not minimum <= n <= maximum:
        raise InputError(f"{flag} must be {allowed} (got {n})")
    return n


def _cut(value: Any) -> str:
    from iamd.files import cut

    return repr(cut(str(value), 40))


def _tls(args: argparse.Namespace) -> TLSFiles | None:
    from iamd.analysis.executors import TLSFiles

    given: dict[str, str] = {
        "--tls-ca": getattr(args, "tls_ca", None) or "",
        "--tls-cert": getattr(args, "tls_cert", None) or "",
        "--tls-key": getattr(args, "tls_key", None) or "",
    }
    if not any(given.values()):
        return None
    missing = [flag for flag, value in given.items() if not value]
    if missing:
        raise InputError(
            f"{', '.join(missing)}: missing (a tls:// cluster needs all of --tls-ca, "
            "--tls-cert and --tls-key)"
        )
    return TLSFiles(ca=given["--tls-ca"], cert=given["--tls-cert"], key=given["--tls-key"])


def _executor(
    workers: int, dask: str | None, tls: TLSFiles | None = None
) -> InProcessExecutor | LocalProcessExecutor | DaskExecutor:
    from iamd.analysis.executors import make_executor, parse_dask

    if dask is not None:
        parse_dask(dask)  # a malformed value fails before anything starts
    return make_executor(workers, dask, tls=tls)


def _console(args: argparse.Namespace) -> Console | None:
    if args.quiet:
        return None
    from rich.console import Console

    return Console()


class _Progress:
    """A rich progress bar with ETA as a ``progress(done, total)`` callback (or None)."""

    def __init__(self, console: Console | None, what: str) -> None:
        self.console = console
        self.what = what
        self.bar: Any = None
        self.task: Any = None
        self.base: int | None = None

    def __enter__(self) -> Any:
        if self.console is None:
            return None
        from rich.progress import (
            BarColumn,
            MofNCompleteColumn,
            Progress,
            TextColumn,
            TimeElapsedColumn,
            TimeRemainingColumn,
        )

        self.bar = Progress(
            TextColumn(f"{self.what}"),
            BarColumn(),
            MofNCompleteColumn(),
            TextColumn("runs"),
            TimeElapsedColumn(),
            TextColumn("ETA"),
            TimeRemainingColumn(),
            console=self.console,
            transient=True,
        )
        self.bar.__enter__()
        self.task = self.bar.add_task(self.what, total=None)
        return self.update

    def update(self, done: int, total: int) -> None:
        if self.base is None:  # runs found in the journal do not count towards the speed
            self.base = done
            if done and self.console is not None:
                self.console.print(f"resuming: {done} of {total} runs already in the journal")
        self.bar.update(self.task, completed=done - self.base, total=total - self.base)

    def __exit__(self, *exc: object) -> None:
        if self.bar is not None:
            self.bar.__exit__(None, None, None)


def _interruptible(args: argparse.Namespace, fn: Any) -> Any:
    try:
        return fn()
    except KeyboardInterrupt:
        sys.stderr.write(
            f"interrupted: finished runs are kept in {args.out}/runs.jsonl; continue with "
            f"the same command and --resume\n"
        )
        raise


def _report_errors(camp: CampaignRun, table: str) -> int:
    n = len(camp.errors)
    if not n:
        return 0
    total = len(camp.records)
    sys.stderr.write(
        f"warning: {n} of {total} runs failed; they are recorded with status=error and their "
        f"seed in {camp.out_dir}/{table} and runs.jsonl, and left out of the statistics\n"
    )
    for r in camp.errors.head(MAX_ERRORS_LISTED).itertuples():
        point = f" at {r.point}" if getattr(r, "point", "") else ""
        sys.stderr.write(f"  run {r.run} {r.policy}{point} (seed {r.seed}): {r.error}\n")
    if n > MAX_ERRORS_LISTED:
        sys.stderr.write(f"  ... and {n - MAX_ERRORS_LISTED} more\n")
    return EXIT_RUNS_FAILED
