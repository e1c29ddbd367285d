"""iamd: Integrated Air and Missile Defense simulation and decision support.

The pipeline of one simulated step runs scenario -> truth -> sensing -> air picture ->
identity -> assignment -> engagement -> outcome; each stage is a subpackage.

The front door is `iamd.api`; its names are reachable from the package itself, loaded on
first use so that ``import iamd`` stays light::

    import iamd
    result = iamd.run("balkans", seed=1)
    engine = iamd.Engine(iamd.load_scenario("balkans"), seed=1).run(until=600.0)
"""

from importlib.metadata import PackageNotFoundError, version
from typing import Any

try:
    __version__ = version("iamd")
except PackageNotFoundError:  # pragma: no cover - running from a source tree without install
    __version__ = "0.0.0+unknown"

_API = (
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
)

__all__ = ["__version__", *_API]


def __getattr__(name: str) -> Any:
    """The names of `iamd.api`, imported when first asked for (PEP 562)."""
    if name in _API:
        from iamd import api

        return getattr(api, name)
    raise AttributeError(f"module 'iamd' has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted([*globals(), *_API])
