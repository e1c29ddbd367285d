"""Validation of a plan by simulation, and the dispatch of the ``gaps`` and ``plan`` commands.

``iamd plan ... --validate N`` runs two campaigns of N runs with the campaign machinery of
``iamd compare`` (``iamd.analysis.campaign``): the current layout (the scenario as given) and
the planned one (``scenario_planned.yaml``), under the scenario's policy, with the same seeds
(run ``i`` of both sees the same raid: common random numbers). It reports the paired
differences planned − current in assets hit, leakers (in total and of ballistic missiles) and
any asset hit, with 95 % intervals (paired t for counts, Newcombe's paired interval for the
proportion; ``iamd.analysis.stats``), and writes ``validate.parquet`` (one row per run and
layout) and ``validate.json`` beside the plan. The campaigns journal their runs under
``OUT/validate/current`` and ``OUT/validate/planned``.

The planner sits below the analysis stage, so the step lives here, and so does the handler
the command line calls for ``gaps`` and ``plan``.
"""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

import pandas as pd

from iamd.errors import InputError

METRICS = (
    ("assets_hit", "assets hit", "mean"),
    ("leakers", "leakers", "mean"),
    ("leakers_ballistic_missile", "ballistic-missile leakers", "mean"),
    ("any_asset_hit", "P(any asset hit)", "proportion"),
)


def planning_command(args: argparse.Namespace) -> int:
    """``iamd gaps`` or ``iamd plan`` (with ``--validate``)."""
    from iamd.plan.cli import gaps_command, plan_command

    if args.command == "gaps":
        return gaps_command(args)
    from iamd.analysis.executors import MAX_LOCAL_WORKERS
    from iamd.plan.cli import MAX_VALIDATE_RUNS, _int

    # checked before the plan is solved, and even without --validate (a bad flag is refused)

    workers = _int("--workers", args.workers, 1, MAX_LOCAL_WORKERS)
    seed = None if args.seed is None else _int("--seed", args.seed, 0, 2**63 - 1)
    status, _, run = plan_command(args)
    if args.validate is None:
        return status
    n = _int("--validate", args.validate, 1, MAX_VALIDATE_RUNS)
    _table, summary = validate_plan(run, Path(args.out), n, seed, workers)
    if not args.quiet:
        _print(summary)
    return status


def validate_plan(
    run: dict[str, Any], out: Path, runs: int, seed: int | None, workers: int = 1
) -> tuple[pd.DataFrame, dict[str, Any]]:
    """Paired campaigns of the current and the planned layout (see the module text)."""
    from iamd.analysis.campaign import CampaignSpec, ScenarioSource, run_campaign, write_text
    from iamd.analysis.executors import make_executor
    from iamd.analysis.stats import paired_mean_difference, paired_proportion_difference
    from iamd.plan.cli import _scenario_text

    loaded = run["loaded"]
    planned_text = (out / "scenario_planned.yaml").read_text(encoding="utf-8")
    base_seed = loaded.scenario.seed if seed is None else seed
    policy = loaded.scenario.policy.value
    frames = {}
    with make_executor(workers, None) as ex:
        for name, text, source in (
            ("current", _scenario_text(loaded), loaded.source),
            ("planned", planned_text, str(out / "scenario_planned.yaml")),
        ):
            spec = CampaignSpec(
                kind="compare",
                scenario=ScenarioSource(text=text, source=source),
                policies=(policy,),
                runs=runs,
                seed=base_seed,
            )
            camp = run_campaign(spec, out / "validate" / name, ex, resume=True)
            df = camp.records[
                ["run", "seed", "status", "assets_hit", "leakers", "leakers_ballistic_missile"]
            ].copy()
            df["any_asset_hit"] = df["assets_hit"] > 0
            df.insert(0, "layout", name)
            frames[name] = df
    table = pd.concat([frames["current"], frames["planned"]], ignore_index=True)
    cur = frames["current"].set_index("run")
    pla = frames["planned"].set_index("run")
    ok = (cur["status"] == "ok") & (pla["status"] == "ok")
    if not ok.any():
        raise InputError("--validate: every run failed; see validate/*/runs.jsonl")
    diffs = []
    for col, label, kind in METRICS:
        a, b = pla.loc[ok, col].to_numpy(float), cur.loc[ok, col].to_numpy(float)
        e = (
            paired_proportion_difference(a, b)
            if kind == "proportion"
            else paired_mean_difference(a, b)
        )
        diffs.append(
            {
                "metric": col,
                "label": label,
                "current": float(b.mean()),
                "planned": float(a.mean()),
                "difference": e.value,
                "lo": e.lo,
                "hi": e.hi,
                "n": e.n,
                "method": e.method,
            }
        )
    summary = {"runs": runs, "seed": base_seed, "policy": policy, "paired": diffs}
    from iamd.plan.output import json_bytes, parquet_bytes

    write_text(out / "validate.json", json_bytes(summary).decode())
    (out / ".validate.parquet.tmp").write_bytes(parquet_bytes(table))
    (out / ".validate.parquet.tmp").replace(out / "validate.parquet")
    return table, summary


def _print(summary: dict[str, Any]) -> None:
    from rich.console import Console
    from rich.table import Table

    t = Table(
        title=f"validation: planned − current layout, {summary['runs']} paired runs, "
        f"seed {summary['seed']}, policy {summary['policy']} [95% CI]",
        title_justify="left",
    )
    for c in ("metric", "current", "planned", "planned − current"):
        t.add_column(c, justify="left" if c == "metric" else "right")
    for d in summary["paired"]:
        t.add_row(
            d["label"],
            f"{d['current']:.3g}",
            f"{d['planned']:.3g}",
            f"{d['difference']:+.3g} [{d['lo']:+.3g}, {d['hi']:+.3g}]",
        )
    Console().print(t)
