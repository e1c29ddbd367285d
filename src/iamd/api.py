"""The front door: load a scenario, change it, run it, step it, compare policies.

Everything here is also reachable as ``iamd.<name>`` (``import iamd`` stays light: the
package loads this module on first use)::

    >>> import iamd
    >>> sc = iamd.load_scenario("balkans")
    >>> sc
    LoadedScenario('balkans', source='builtin:balkans', ...)
    >>> lean = iamd.modify(sc, {"rules_of_engagement.required_pk": 0.8, "duration_s": 600})
    >>> lean.scenario.rules_of_engagement.required_pk, lean.scenario.duration_s
    (0.8, 600.0)
    >>> engine = iamd.Engine(lean, seed=1)          # the clock: step it, look, go on
    >>> engine.run(until=300.0).t_s
    300.0
    >>> result = engine.run().result()              # = iamd.run(lean, seed=1)
    >>> result
    RunResult(scenario='balkans', seed=1, threats_launched=...)

Changes are written as the ``--param`` paths of ``iamd sweep`` (`iamd.analysis.params`:
list items by their ``id``, ``name`` or ``code``; ``catalog_overrides.<section>.<type>.<field>``;
``present``/``absent`` for a unit) and validated like a scenario file: a bad path or value is
an `iamd.errors.InputError` naming it.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from iamd.analysis.compare import CompareResult, compare
from iamd.analysis.params import load_with_overrides
from iamd.analysis.sweep import SweepResult, sweep
from iamd.errors import InputError
from iamd.scenario.loader import BUILTIN_SCENARIOS, LoadedScenario
from iamd.scenario.loader import load_scenario as _load_scenario
from iamd.sim.engine import Engine, RunResult, StepPicture
from iamd.sim.engine import run as _run

__all__ = [
    "BUILTIN_SCENARIOS",
    "CompareResult",
    "Engine",
    "LoadedScenario",
    "RunResult",
    "StepPicture",
    "SweepResult",
    "compare",
    "load_scenario",
    "modify",
    "run",
    "sweep",
]


def load_scenario(
    scenario: str | Path | None = None, changes: Mapping[str, Any] | None = None
) -> LoadedScenario:
    """A validated scenario: a file, or a built-in name (default ``balkans``), with
    ``changes`` applied (see :func:`modify`).

    Raises:
        ScenarioError: the file does not load (``FILE:LINE: field: what``).
        InputError: a change does not apply.
    """
    loaded = _load_scenario(scenario)
    return modify(loaded, changes) if changes else loaded


def modify(loaded: LoadedScenario, changes: Mapping[str, Any]) -> LoadedScenario:
    """``loaded`` with ``changes`` (``--param`` path -> value) applied and validated again.

    Values are numbers, booleans, strings (``"present"``/``"absent"`` for a unit) or None.

    Raises:
        InputError: a path leads nowhere, a value is not a scalar or the changed scenario
            does not validate (the message names the path and the rule).
    """
    if not loaded.text:
        raise InputError(f"modify: {loaded.source} was not loaded from text; load it again")
    words = {str(path): _word(str(path), value) for path, value in changes.items()}
    return load_with_overrides(loaded.text, loaded.source, words)


def run(
    scenario: LoadedScenario | str | Path | None = None,
    seed: int | None = None,
    changes: Mapping[str, Any] | None = None,
) -> RunResult:
    """Run a scenario (loaded, a file or a built-in name; default ``balkans``) with ``seed``
    (default: the scenario's) and ``changes``; the same result as ``iamd run``."""
    loaded = scenario if isinstance(scenario, LoadedScenario) else load_scenario(scenario)
    if changes:
        loaded = modify(loaded, changes)
    return _run(loaded, seed)


def _word(path: str, value: Any) -> str:
    """A Python value as the word ``--param`` reads (a YAML scalar)."""
    if isinstance(value, bool) or value is None:
        return json.dumps(value)
    if isinstance(value, int | float):
        return repr(value)
    if isinstance(value, str):
        return value
    raise InputError(
        f"modify: {path} takes a number, a boolean, a word or None "
        f"(got {type(value).__name__} {value!r:.60})"
    )
