"""Imports flow one way along the pipeline (the contract an import-linter `layers` rule states).

geo < scenario < world < sense < track < identify < engage < sim < plan < interop < federation
< analysis < report < api < cli (the order of the layout in shared/DESIGN.md; plan and analysis
run the simulation and feed the report, so they sit between sim and report; the front door
``iamd.api`` gathers them for Python users; interop reads recordings
into the tracker and writes the simulated picture out, so it sits above sim; federation nodes
exchange that picture): a module may import from its own stage or an earlier one, never a
later one; the foundation modules (``iamd``, ``iamd.errors``, ``iamd.files``, ``iamd.units``,
``iamd.rng``, ``iamd.htmlpage``, ``iamd.procs``) may be imported by anything and import no
stage themselves.
Imports inside functions and under ``if TYPE_CHECKING:`` count the same. One exception: the
package ``iamd`` loads its front door ``iamd.api`` on first use of one of its names (PEP 562),
so ``iamd.run(...)`` works after ``import iamd``; it imports nothing else.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

import iamd

SRC = Path(iamd.__file__).resolve().parent
STAGES = (
    "geo",
    "scenario",
    "world",
    "sense",
    "track",
    "identify",
    "engage",
    "sim",
    "plan",
    "interop",
    "federation",
    "analysis",
    "report",
    "api",
    "cli",
)
FRONT_DOOR = "iamd.api"
"""The one stage module the package ``iamd`` may import (lazily, see the module)."""
FOUNDATION = (
    "iamd",
    "iamd.errors",
    "iamd.files",
    "iamd.units",
    "iamd.rng",
    "iamd.htmlpage",
    "iamd.procs",
)
SOURCES = sorted(SRC.rglob("*.py"))


def module_name(path: Path) -> str:
    """``.../iamd/sim/engine.py`` -> ``iamd.sim.engine``; an ``__init__`` is its package."""
    parts = path.relative_to(SRC.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def imported_modules(
    source: str, module: str, *, is_package: bool = False
) -> list[tuple[int, str]]:
    """Every ``iamd`` module that ``source`` (the text of ``module``) imports, with its line.

    Relative imports are resolved against the module's package; ``from iamd import sim``
    counts as importing ``iamd.sim``.
    """
    package = module if is_package else module.rpartition(".")[0]
    found: list[tuple[int, str]] = []
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            found += [(node.lineno, a.name) for a in node.names]
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")
                base = base[: len(base) - (node.level - 1)]
                target = ".".join([*base, node.module] if node.module else base)
            else:
                target = node.module or ""
            found.append((node.lineno, target))
            found += [
                (node.lineno, f"{target}.{a.name}")
                for a in node.names
                if target == "iamd" and a.name in STAGES
            ]
    return [(line, name) for line, name in found if name == "iamd" or name.startswith("iamd.")]


def stage_of(module: str) -> str | None:
    """The stage a module belongs to (None for the foundation modules)."""
    if module in FOUNDATION:
        return None
    head = module.split(".")[1]
    assert head in STAGES, (
        f"iamd.{head} is not a known pipeline stage: add it to STAGES in tests/test_layering.py "
        f"at its place in the pipeline (or to FOUNDATION)"
    )
    return head


def violations(source: str, module: str, *, is_package: bool = False) -> list[str]:
    """The imports of ``module`` that break the one-way rule, as ``module:line: why``."""
    my_stage = stage_of(module)
    bad = []
    for line, target in imported_modules(source, module, is_package=is_package):
        their_stage = stage_of(target)
        if their_stage is None or (module == "iamd" and target == FRONT_DOOR):
            continue
        if target == "iamd.cli" or target.startswith("iamd.cli."):
            if module != "iamd.cli":
                bad.append(f"{module}:{line}: imports the command line ({target})")
        elif my_stage is None:
            bad.append(f"{module}:{line}: foundation module imports the stage {target}")
        elif STAGES.index(their_stage) > STAGES.index(my_stage):
            bad.append(
                f"{module}:{line}: stage {my_stage} imports {target} of the later stage "
                f"{their_stage}"
            )
    return bad


def test_every_top_level_package_and_module_is_placed() -> None:
    names = {p.parent.name for p in SRC.glob("*/*.py")}  # packages, namespace ones too
    names |= {p.stem for p in SRC.glob("*.py")} - {"__init__"}
    placed = set(STAGES) | {m.rpartition(".")[2] for m in FOUNDATION}
    assert names <= placed, f"place {sorted(names - placed)} in STAGES or FOUNDATION"
    assert len(SOURCES) > 20  # the walk found the package


@pytest.mark.parametrize("path", SOURCES, ids=module_name)
def test_imports_flow_one_way_along_the_pipeline(path: Path) -> None:
    source = path.read_text(encoding="utf-8")
    bad = violations(source, module_name(path), is_package=path.name == "__init__.py")
    assert not bad, "\n".join(bad)


def test_nothing_imports_the_cli() -> None:
    offenders = [
        f"{module_name(p)}:{line}"
        for p in SOURCES
        if module_name(p) != "iamd.cli"
        for line, target in imported_modules(
            p.read_text(encoding="utf-8"), module_name(p), is_package=p.name == "__init__.py"
        )
        if target == "iamd.cli" or target.startswith("iamd.cli.")
    ]
    assert offenders == []


def test_the_checker_catches_backward_imports() -> None:
    # The checker must be able to fail: probes that break the rule in each way it knows.
    probe = """\
from __future__ import annotations
from typing import TYPE_CHECKING
import iamd.errors
from iamd import rng, sim
if TYPE_CHECKING:
    from iamd.track.picture import TruthPicture

def f():
    from ..engage import shoot
    import iamd.cli
"""
    got = violations(probe, "iamd.sense.radar_probe")
    assert got == [
        "iamd.sense.radar_probe:4: stage sense imports iamd.sim of the later stage sim",
        "iamd.sense.radar_probe:6: stage sense imports iamd.track.picture of the later stage track",
        "iamd.sense.radar_probe:9: stage sense imports iamd.engage of the later stage engage",
        "iamd.sense.radar_probe:10: imports the command line (iamd.cli)",
    ]
    assert violations("from iamd.geo import wgs84\nfrom . import radar\n", "iamd.sense.x") == []
    assert violations("from iamd.world.truth import Truth\n", "iamd.rng") == [
        "iamd.rng:1: foundation module imports the stage iamd.world.truth"
    ]
