"""Monte Carlo campaigns: is defence sharing better than self-sufficiency, by how much, at what
cost?

- ``run_one`` (``iamd.analysis.runs``): one run as a pure, seeded function returning a flat
  record; run ``i`` has the same seed under every policy (common random numbers).
- ``compare`` (``iamd.analysis.compare``): every policy ``runs`` times; per-policy means and
  probabilities with 95 % intervals, paired differences against a reference policy;
  ``compare.parquet`` and ``compare.html``.
- ``sweep`` (``iamd.analysis.sweep``): a grid of scenario parameters (``--param PATH=V1,V2``,
  ``iamd.analysis.params``); ``sweep.parquet`` and ``sweep.html``.
- Executors (``iamd.analysis.executors``): in-process, a local process pool, or Dask
  distributed; the results are identical, byte for byte, whatever runs them.
- Campaigns (``iamd.analysis.campaign``) journal every finished run, resume after an
  interruption, and record failing runs with their seed.
- Statistics (``iamd.analysis.stats``): Wilson, Student t, paired t, Newcombe paired.

Names are imported on first use, so ``import iamd.analysis`` stays light (the command line
imports it to build its parser).
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from iamd.analysis.campaign import ScenarioSource, scenario_source
    from iamd.analysis.compare import CompareResult, compare
    from iamd.analysis.executors import (
        DaskExecutor,
        Executor,
        InProcessExecutor,
        LocalProcessExecutor,
        make_executor,
    )
    from iamd.analysis.params import Param, parse_param
    from iamd.analysis.runs import run_one, run_seed
    from iamd.analysis.sweep import SweepResult, sweep

_EXPORTS = {
    "run_one": "iamd.analysis.runs",
    "run_seed": "iamd.analysis.runs",
    "compare": "iamd.analysis.compare",
    "CompareResult": "iamd.analysis.compare",
    "sweep": "iamd.analysis.sweep",
    "SweepResult": "iamd.analysis.sweep",
    "Param": "iamd.analysis.params",
    "parse_param": "iamd.analysis.params",
    "ScenarioSource": "iamd.analysis.campaign",
    "scenario_source": "iamd.analysis.campaign",
    "Executor": "iamd.analysis.executors",
    "InProcessExecutor": "iamd.analysis.executors",
    "LocalProcessExecutor": "iamd.analysis.executors",
    "DaskExecutor": "iamd.analysis.executors",
    "make_executor": "iamd.analysis.executors",
}

__all__ = [
    "CompareResult",
    "DaskExecutor",
    "Executor",
    "InProcessExecutor",
    "LocalProcessExecutor",
    "Param",
    "ScenarioSource",
    "SweepResult",
    "compare",
    "make_executor",
    "parse_param",
    "run_one",
    "run_seed",
    "scenario_source",
    "sweep",
]


def __getattr__(name: str) -> Any:
    if name in _EXPORTS:
        return getattr(importlib.import_module(_EXPORTS[name]), name)
    raise AttributeError(f"module 'iamd.analysis' has no attribute {name!r}")
