"""The one small hierarchy of errors that iamd raises for bad input.

Kernels never raise for per-element failures (they return NaN or masks); these errors
are raised at the edges (scenario files, data files, command-line flags) and the CLI turns
each into one ``error: ...`` line and exit status 2.
"""


class IamdError(Exception):
    """Base of every error iamd raises on purpose."""


class InputError(IamdError):
    """Malformed input: a file, a field or a flag that breaks a documented rule."""


class ScenarioError(InputError):
    """A scenario file that cannot be loaded or does not validate."""


class CatalogError(InputError):
    """A catalog type that does not exist, or a malformed catalog entry."""


class DataFileError(InputError):
    """A data file (plots, tracks, flights, WTA instance) that cannot be read."""
