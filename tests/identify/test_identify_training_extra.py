"""Training needs the ``train`` extra (scikit-learn); without it the command says so."""

from __future__ import annotations

import sys

import pytest

from iamd.errors import InputError
from iamd.identify.training import train


def test_training_without_scikit_learn_names_the_extra(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "sklearn", None)  # `import sklearn` raises ImportError
    with pytest.raises(InputError, match=r"pip install 'iamd\[train\]'"):
        train(seed=1, n_tracks=50)
