"""Parameter sweeps: the outcome against Pk, raid size, which battery is lent, ...

``sweep`` runs ``runs`` runs at every point of a parameter grid (the product of the values of
each ``--param PATH=V1,V2``; paths in ``iamd.analysis.params``), under each policy given (by
default the scenario's own), with common random numbers across points and policies (run ``i``
always has the same seed). It writes into ``out_dir``:

- ``sweep.parquet``: tidy, one row per run × point × policy, one column per parameter (the
  value as written) and per outcome figure (as in ``compare.parquet``);
- ``sweep.html``: for each parameter, every outcome's mean with its 95 % interval against the
  parameter's values (pooled over the other parameters' values when there are several), and
  the table of every point; with two or more policies, the paired differences
  ``policy - reference`` at every grid point (figure and table);
- the campaign state (``campaign.json``, ``scenario.yaml``, ``runs.jsonl``) for ``resume``.

**Paired differences per point.** As in ``iamd.analysis.compare``, the policies are compared
with a reference (``national`` if swept, else the first policy) run by run: run ``i`` of two
policies at the same grid point has the same seed, hence the same raid (common random numbers;
Law, *Simulation Modeling and Analysis*, §11.2), and the difference is summarised with a
paired t interval for means and Newcombe's (1998b) paired score interval for probabilities
(``iamd.analysis.summary.paired_stats``, ``iamd.analysis.stats``). Differences are taken
within a grid point only, never pooled over points.
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
from iamd.analysis.params import Param, check_params, parse_param
from iamd.analysis.summary import (
    marginal_stats,
    metrics_for,
    point_paired_stats,
    point_stats,
    reference_policy,
)
from iamd.errors import InputError
from iamd.scenario.loader import load_scenario_text

PARQUET = "sweep.parquet"
HTML = "sweep.html"


@dataclass(frozen=True, slots=True, kw_only=True)
class SweepResult:
    """What ``sweep`` computed and wrote.

    Attributes:
        records: one row per run × point × policy (``sweep.parquet``).
        stats: per point, policy and metric: ``n``, ``value``, ``lo``, ``hi``, ``method``,
            with one column per parameter.
        marginal: per parameter value, policy and metric, pooling the other parameters.
        paired: per point, policy other than ``reference`` and metric: the paired difference
            ``policy - reference`` (``n`` pairs, ``value``, ``lo``, ``hi``, ``method``), with
            one column per parameter, in the layout of ``stats``; no rows with one policy.
        reference: the reference policy of the paired differences.
        params: the parameters of the grid.
        errors: the failed runs (run, point, policy, seed, error).
    """

    records: pd.DataFrame
    stats: pd.DataFrame
    marginal: pd.DataFrame
    paired: pd.DataFrame
    reference: str
    params: tuple[Param, ...]
    errors: pd.DataFrame
    parquet_path: Path
    html_path: Path
    campaign: CampaignRun


def sweep(
    scenario: str | Path | ScenarioSource | None = None,
    params: Sequence[Param | str] = (),
    policies: Sequence[str] | None = None,
    runs: int = 10,
    seed: int | None = None,
    out_dir: str | Path = "out/sweep",
    executor: Executor | None = None,
    resume: bool = False,
    progress: ProgressFn | None = None,
) -> SweepResult:
    """Run ``runs`` runs at every point of the parameter grid (and per policy).

    ``params`` are Param objects or ``PATH=V1,V2`` strings. Every path, value and combination
    is checked before anything runs (InputError naming the flag, path and value). Other
    arguments as for ``iamd.analysis.compare.compare``; ``policies`` defaults to the
    scenario's own policy.
    """
    src = scenario_source(scenario)
    loaded = load_scenario_text(src.text, src.source)
    plist = tuple(p if isinstance(p, Param) else parse_param(p) for p in params)
    if not plist:
        raise InputError("--param: give at least one PATH=V1,V2 (see docs/analysis.md)")
    pols = check_policies([loaded.scenario.policy.value] if policies is None else list(policies))
    runs = check_runs(runs)
    base_seed = check_seed(loaded.scenario.seed if seed is None else seed)
    check_params(src.text, src.source, plist)
    spec = CampaignSpec(
        kind="sweep", scenario=src, policies=pols, runs=runs, seed=base_seed, params=plist
    )
    camp = run_campaign(spec, Path(out_dir), executor, resume, progress)
    metrics = metrics_for([a.name for a in loaded.scenario.assets])
    stats = point_stats(camp.records, pols, metrics, spec.points())
    reference = reference_policy(pols)
    paired = point_paired_stats(camp.records, pols, reference, metrics, spec.points())
    marginal = pd.concat(
        [marginal_stats(camp.records, pols, metrics, p.path, p.values) for p in plist],
        ignore_index=True,
    )
    parquet_path = write_parquet(camp, PARQUET)
    result = SweepResult(
        records=camp.records,
        stats=stats,
        marginal=marginal,
        paired=paired,
        reference=reference,
        params=plist,
        errors=camp.errors,
        parquet_path=parquet_path,
        html_path=camp.out_dir / HTML,
        campaign=camp,
    )
    from iamd.analysis.html import sweep_html

    write_text(result.html_path, sweep_html(result, metrics))
    return result
