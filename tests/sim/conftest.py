"""Shared runs of the built-in scenario: each full run (~4 s) happens once per test session."""

from __future__ import annotations

import re
from collections.abc import Callable

import pytest

from iamd.scenario.loader import LoadedScenario, builtin_scenario_text, load_scenario_text
from iamd.sim.engine import RunResult, run


def balkans_text(*, policy: str | None = None, duration_s: int | None = None) -> str:
    """The built-in scenario's YAML with its policy and/or duration replaced."""
    text = builtin_scenario_text("balkans")
    if policy is not None:
        text, n = re.subn(r"^policy: \w+$", f"policy: {policy}", text, flags=re.MULTILINE)
        assert n == 1, "the built-in scenario has no top-level `policy:` line any more"
    if duration_s is not None:
        text, n = re.subn(r"^duration_s: \d+$", f"duration_s: {duration_s}", text, flags=re.M)
        assert n == 1, "the built-in scenario has no top-level `duration_s:` line any more"
    return text


def balkans(*, policy: str | None = None, duration_s: int | None = None) -> LoadedScenario:
    name = f"balkans-{policy or 'default'}-{duration_s or 'full'}.yaml"
    return load_scenario_text(balkans_text(policy=policy, duration_s=duration_s), name)


@pytest.fixture(scope="session")
def full_run() -> Callable[[str], RunResult]:
    """``full_run(policy)``: the whole built-in scenario under a policy, seed 1, cached."""
    cache: dict[str, RunResult] = {}

    def get(policy: str) -> RunResult:
        if policy not in cache:
            cache[policy] = run(balkans(policy=policy))
        return cache[policy]

    return get


@pytest.fixture(scope="session")
def scenario_text() -> Callable[..., str]:
    """``scenario_text(policy=..., duration_s=...)``: edited built-in scenario YAML."""
    return balkans_text


@pytest.fixture(scope="session")
def scenario() -> Callable[..., LoadedScenario]:
    """``scenario(policy=..., duration_s=...)``: the edited built-in scenario, loaded."""
    return balkans
