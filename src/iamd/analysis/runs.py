"""One Monte Carlo run as a pure function: scenario text, policy, run index, seed -> a record.

``run_one`` is what every executor calls, in this process, in a local worker process or on a
Dask worker: its arguments are plain (picklable) values and its result is a flat dict of
JSON-safe scalars. It never raises for a failing run: the error comes back in the record with
the run's seed (``status = "error"``), so a campaign loses nothing.

**Seeds and common random numbers.** The seed of run ``i`` is drawn from
``np.random.SeedSequence(base_seed, spawn_key=(i,))`` — the ``i``-th child of
``SeedSequence(base_seed).spawn(...)`` whatever the number of runs — and is the same for every
policy and every parameter point. The engine keys all its random streams by that seed and
entity ids (``iamd.rng``), so run ``i`` of every policy sees the same raid (launch points, aim
points, launch times) and the same draws wherever the policy does not change what is drawn:
differences between policies are then measured run by run (paired), with far less noise than
independent samples (common random numbers; Law, *Simulation Modeling and Analysis*, §11.2).

>>> run_seed(2026, 0) == run_seed(2026, 0), run_seed(2026, 0) != run_seed(2026, 1)
(True, True)
"""

from __future__ import annotations

import math
import os
import time
import traceback
from collections.abc import Mapping
from dataclasses import replace
from functools import lru_cache
from pathlib import Path
from typing import Any

import numpy as np

from iamd.analysis.params import load_with_overrides, point_label
from iamd.scenario.catalog import HOSTILE_CLASSES
from iamd.scenario.loader import LoadedScenario
from iamd.scenario.schema import Policy

POLICIES = tuple(p.value for p in Policy)
"""The sharing policies a campaign may compare, in the order of ``iamd.scenario.schema``."""

THREAT_CLASS_NAMES = tuple(c.value for c in HOSTILE_CLASSES)
"""Threat classes with a ``leakers_<class>`` column."""

FAULT_ENV = "IAMD_ANALYSIS_FAULT"
"""Test-only fault injection (see ``_injected_fault``); never set it in production."""

OUTCOME_INT_COLUMNS = (
    "threats_launched",
    "threats_destroyed",
    "leakers",
    *(f"leakers_{c}" for c in THREAT_CLASS_NAMES),
    "interceptors_fired",
    "civil_aircraft_engaged",
    "civil_aircraft_destroyed",
    "assets_hit",
)
OUTCOME_FLOAT_COLUMNS = (
    "interceptor_cost_usd",
    "attacker_cost_usd",
    "cost_exchange_ratio",
    "time_to_first_engagement_s",
)


def run_seed(base_seed: int, run_index: int) -> int:
    """The engine seed of run ``run_index``: a 63-bit integer from the run's SeedSequence.

    Equal to the first 64-bit word (shifted right by one) of the state of
    ``SeedSequence(base_seed).spawn(n)[run_index]`` for any ``n > run_index``, so it does not
    depend on the number of runs, their order or the executor.
    """
    if base_seed < 0 or run_index < 0:
        raise ValueError(f"seed and run index must be >= 0 (got {base_seed}, {run_index})")
    ss = np.random.SeedSequence(base_seed, spawn_key=(run_index,))
    return int(ss.generate_state(1, np.uint64)[0] >> np.uint64(1))


def run_one(
    scenario_text: str,
    source: str,
    policy: str,
    run_index: int,
    base_seed: int,
    overrides: dict[str, str],
) -> dict[str, Any]:
    """Run the scenario once under ``policy`` with the seed of ``run_index``; a flat record.

    Args:
        scenario_text: the scenario YAML (the whole file's text).
        source: its name for messages (a file name or ``builtin:NAME``).
        policy: ``national``, ``shared_picture`` or ``integrated``.
        run_index: the run's number ``i`` (0-based); its seed is ``run_seed(base_seed, i)``.
        base_seed: the campaign's seed.
        overrides: parameter path -> value as written (see ``iamd.analysis.params``).

    Returns:
        ``run``, ``policy``, ``point`` (the parameter point's label), ``seed``, one key per
        parameter path, ``status`` (``ok`` or ``error``), ``error`` (the exception's type and
        message, ``""`` when ok), the outcome figures (see ``docs/analysis.md``), one
        ``hit_<asset>`` boolean per defended asset, and ``elapsed_s`` and ``cpu_s`` (wall and
        CPU time of the run in its worker; kept in the journal only, never in the Parquet
        tables, which must not depend on the machine).
    """
    t0, c0 = time.perf_counter(), time.process_time()
    seed = run_seed(base_seed, run_index)
    record: dict[str, Any] = {
        "run": int(run_index),
        "policy": policy,
        "point": point_label(overrides),
        "seed": seed,
        **{str(k): str(v) for k, v in overrides.items()},
    }
    try:
        _injected_fault(run_index, policy)
        loaded = _loaded(scenario_text, source, policy, tuple(overrides.items()))
        from iamd.sim.engine import run

        result = run(loaded, seed=seed)
        record.update(status="ok", error="")
        record.update(outcome_figures(loaded, result.summary, result.events))
    except Exception as exc:  # a failing run is recorded, never lost
        last = traceback.extract_tb(exc.__traceback__)[-1:] if exc.__traceback__ else []
        where = f" (at {Path(last[0].filename).name}:{last[0].lineno})" if last else ""
        record.update(status="error", error=f"{type(exc).__name__}: {exc}{where}")
    record["elapsed_s"] = round(time.perf_counter() - t0, 3)
    record["cpu_s"] = round(time.process_time() - c0, 3)
    return record


def outcome_figures(
    loaded: LoadedScenario, summary: Mapping[str, Any], events: Any
) -> dict[str, Any]:
    """The outcome columns of a record from a run's summary and event log.

    ``time_to_first_engagement_s`` is the median over the threats engaged at least once of
    the time from the threat's launch to its first ``fire`` event (s); None when no threat
    was engaged.
    """
    by_class = summary.get("by_class") or {}
    out: dict[str, Any] = {
        "threats_launched": int(summary["threats_launched"]),
        "threats_destroyed": int(summary["threats_destroyed"]),
        "leakers": int(summary["leakers"]),
    }
    for cls in THREAT_CLASS_NAMES:
        out[f"leakers_{cls}"] = int((by_class.get(cls) or {}).get("leakers", 0))
    out["interceptors_fired"] = int(summary["interceptors_fired"])
    out["civil_aircraft_engaged"] = int(summary["civil_aircraft_engaged"])
    out["civil_aircraft_destroyed"] = int(summary["civil_aircraft_destroyed"])
    out["assets_hit"] = int(summary["assets_hit"])
    out["interceptor_cost_usd"] = float(summary["interceptor_cost_usd"])
    out["attacker_cost_usd"] = float(summary["attacker_cost_usd"])
    cer = summary.get("cost_exchange_ratio")
    out["cost_exchange_ratio"] = None if cer is None else float(cer)
    out["time_to_first_engagement_s"] = _first_engagement_median_s(events)
    hit = set(summary.get("assets_hit_names") or [])
    for a in loaded.scenario.assets:
        out[f"hit_{a.name}"] = a.name in hit
    return out


def _first_engagement_median_s(events: Any) -> float | None:
    kind = events["kind"]
    launches = events[kind == "launch"].drop_duplicates("entity")
    fires = events[kind == "fire"]
    if not len(fires):
        return None
    first = fires.groupby("entity")["t_s"].min()
    t_launch = launches.set_index("entity")["t_s"]
    common = first.index.intersection(t_launch.index)
    if not len(common):
        return None
    delay = first.loc[common].to_numpy(float) - t_launch.loc[common].to_numpy(float)
    value = float(np.median(delay))
    return None if math.isnan(value) else round(value, 6)


@lru_cache(maxsize=16)
def _loaded(
    text: str, source: str, policy: str, overrides: tuple[tuple[str, str], ...]
) -> LoadedScenario:
    """The scenario with overrides and policy applied (cached per worker process)."""
    if policy not in POLICIES:
        raise ValueError(f"unknown policy {policy!r} (allowed: {', '.join(POLICIES)})")
    loaded = load_with_overrides(text, source, dict(overrides))
    sc = loaded.scenario.model_copy(update={"policy": Policy(policy)})
    return replace(loaded, scenario=sc)


def _injected_fault(run_index: int, policy: str) -> None:
    """Test hook: ``IAMD_ANALYSIS_FAULT`` makes chosen runs fail (tests only).

    ``raise:RUN[:POLICY]`` raises RuntimeError in run RUN (of POLICY, or every policy);
    ``exit:RUN:MARKER`` kills the worker process running run RUN the first time (while the
    file MARKER does not exist; it is created just before): a worker that dies.
    """
    spec = os.environ.get(FAULT_ENV)
    if not spec:
        return
    kind, _, rest = spec.partition(":")
    target, _, arg = rest.partition(":")
    if not target.isdigit() or int(target) != run_index:
        return
    if kind == "raise" and arg in ("", policy):
        raise RuntimeError(f"injected fault in run {run_index} ({FAULT_ENV})")
    if kind == "exit" and arg:
        marker = Path(arg)
        try:
            fd = os.open(marker, os.O_CREAT | os.O_EXCL | os.O_WRONLY)
        except FileExistsError:
            return
        os.close(fd)
        os._exit(70)
