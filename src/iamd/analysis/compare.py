"""Policy comparison: is sharing better than self-sufficiency, by how much, at what cost?

``compare`` runs the same scenario ``runs`` times under each sharing policy (``national``,
``shared_picture``, ``integrated``), with common random numbers (run ``i`` of every policy has
the same seed, hence the same raid), and summarises per policy (mean or proportion with a 95 %
interval) and as paired differences against a reference policy (``national`` if compared,
else the first). It writes into ``out_dir``:

- ``compare.parquet``: one row per run × policy (columns in ``docs/analysis.md``);
- ``compare.html``: one self-contained page (plotly.js inlined once, no network) with the
  distributions per policy, the asset-hit probabilities, the paired differences with their
  intervals (forest plots) and the tables;
- ``campaign.json``, ``scenario.yaml``, ``runs.jsonl``: the campaign's state
  (``iamd.analysis.campaign``), from which ``resume=True`` continues an interrupted campaign.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from iamd.analysis.campaign import (
    CampaignRun,
    CampaignSpec,
    ProgressFn,
    ScenarioSource,
    check_policies,
    check_runs,
    check_seed,
    run_campaign,
    scenario_source,
    write_parquet,
    write_text,
)
from iamd.analysis.executors import Executor
from iamd.analysis.runs import POLICIES
from iamd.analysis.summary import metrics_for, paired_stats, policy_stats, reference_policy
from iamd.scenario.loader import load_scenario_text

PARQUET = "compare.parquet"
HTML = "compare.html"


@dataclass(frozen=True, slots=True, kw_only=True)
class CompareResult:
    """What ``compare`` computed and wrote.

    Attributes:
        records: one row per run × policy (the content of ``compare.parquet``).
        stats: per policy and metric: ``n``, ``value``, ``lo``, ``hi``, ``method``.
        paired: per non-reference policy and metric: the paired difference to ``reference``.
        reference: the reference policy of the paired differences.
        errors: the failed runs (run, policy, seed, error); also in ``records``.
        parquet_path, html_path: the files written.
        campaign: the campaign (spec, runs executed now and resumed from the journal).
    """

    records: pd.DataFrame
    stats: pd.DataFrame
    paired: pd.DataFrame
    reference: str
    errors: pd.DataFrame
    parquet_path: Path
    html_path: Path
    campaign: CampaignRun


def compare(
    scenario: str | Path | ScenarioSource | None = None,
    policies: Sequence[str] = POLICIES,
    runs: int = 20,
    seed: int | None = None,
    out_dir: str | Path = "out/compare",
    executor: Executor | None = None,
    resume: bool = False,
    progress: ProgressFn | None = None,
) -> CompareResult:
    """Compare sharing policies over ``runs`` runs each (common random numbers).

    Args:
        scenario: a scenario file, a built-in name (default ``balkans``) or a ScenarioSource.
        policies: the policies to compare (each at most once).
        runs: runs per policy (>= 1).
        seed: the campaign's base seed (default: the scenario's ``seed``); run ``i`` uses
            ``iamd.analysis.runs.run_seed(seed, i)``.
        out_dir: the campaign directory (created; must not hold another campaign unless
            ``resume``).
        executor: where runs execute (default: this process); see ``iamd.analysis.executors``.
        resume: continue the campaign in ``out_dir``, running only what is missing.
        progress: ``progress(done, total)`` after each run.

    Raises:
        InputError: bad arguments, a scenario that does not load, or a directory that holds
            a different campaign.
    """
    src = scenario_source(scenario)
    loaded = load_scenario_text(src.text, src.source)
    pols = check_policies(policies)
    spec = CampaignSpec(
        kind="compare",
        scenario=src,
        policies=pols,
        runs=check_runs(runs),
        seed=check_seed(loaded.scenario.seed if seed is None else seed),
    )
    camp = run_campaign(spec, Path(out_dir), executor, resume, progress)
    metrics = metrics_for([a.name for a in loaded.scenario.assets])
    reference = reference_policy(pols)
    stats = policy_stats(camp.records, pols, metrics)
    paired = paired_stats(camp.records, pols, reference, metrics)
    parquet_path = write_parquet(camp, PARQUET)
    result = CompareResult(
        records=camp.records,
        stats=stats,
        paired=paired,
        reference=reference,
        errors=camp.errors,
        parquet_path=parquet_path,
        html_path=camp.out_dir / HTML,
        campaign=camp,
    )
    from iamd.analysis.html import compare_html

    write_text(result.html_path, compare_html(result, metrics))
    return result
