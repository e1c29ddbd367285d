"""The package's lazily loaded names are exactly the front door's (`iamd.api.__all__`): the
list in ``iamd/__init__.py`` cannot be derived without importing the front door eagerly."""

from __future__ import annotations

import iamd
from iamd import api


def test_the_package_lists_exactly_the_front_doors_names() -> None:
    assert tuple(api.__all__) == iamd._API
    for name in api.__all__:
        assert getattr(iamd, name) is getattr(api, name)
