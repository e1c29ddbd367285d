"""iamd: Integrated Air and Missile Defense simulation and decision support.

The pipeline of one simulated step runs scenario -> truth -> sensing -> air picture ->
identity -> assignment -> engagement -> outcome; each stage is a subpackage.
"""

from importlib.metadata import PackageNotFoundError, version

try:
    __version__ = version("iamd")
except PackageNotFoundError:  # pragma: no cover - running from a source tree without install
    __version__ = "0.0.0+unknown"

__all__ = ["__version__"]
