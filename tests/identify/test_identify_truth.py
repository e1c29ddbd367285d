"""The truth identity against the STANAG 1241 categories it claims to follow."""

from __future__ import annotations

import numpy as np
import pytest

from iamd.identify.truth_identity import STANDARD_IDENTITIES, truth_identity
from iamd.scenario.catalog import HOSTILE_CLASSES, THREAT_CLASSES, builtin_catalog


def test_standard_identities_are_the_stanag_1241_set() -> None:
    assert set(STANDARD_IDENTITIES) == {
        "pending",
        "unknown",
        "assumed_friend",
        "friend",
        "neutral",
        "suspect",
        "hostile",
    }


@pytest.mark.parametrize(
    ("cls", "iff", "identity", "evidence"),
    [
        ("airliner", False, "neutral", "truth: civil airliner"),
        ("fighter", True, "friend", "truth: answers allied IFF"),
        ("drone", False, "hostile", "truth: class drone"),
        ("cruise_missile", False, "hostile", "truth: class cruise_missile"),
        ("ballistic_missile", False, "hostile", "truth: class ballistic_missile"),
        # a missile is hostile whatever it answers; IFF never makes a weapon a friend
        ("ballistic_missile", True, "hostile", "truth: class ballistic_missile"),
    ],
)
def test_truth_identity_by_class(cls: str, iff: bool, identity: str, evidence: str) -> None:
    ident, why = truth_identity(np.array([cls]), np.array([iff]))
    assert ident.tolist() == [identity]
    assert why.tolist() == [evidence]
    assert identity in STANDARD_IDENTITIES


def test_builtin_catalog_classes_get_the_expected_identity() -> None:
    cat = builtin_catalog()
    types = list(cat.threats.values())
    cls = np.array([t.threat_class.value for t in types])
    iff = np.array([t.has_iff for t in types])
    ident, _ = truth_identity(cls, iff)
    for t, i in zip(types, ident.tolist(), strict=True):
        expected = {
            "airliner": "neutral",
            "fighter": "friend",
            "drone": "hostile",
            "cruise_missile": "hostile",
            "ballistic_missile": "hostile",
        }[t.threat_class.value]
        assert i == expected, t


def test_the_hostile_classes_are_the_catalogs() -> None:
    cls = np.array([c.value for c in THREAT_CLASSES])
    ident, _ = truth_identity(cls, np.zeros(len(cls), dtype=bool))
    assert set(cls[ident == "hostile"]) == {c.value for c in HOSTILE_CLASSES}
    assert set(cls[ident != "hostile"]) == {"airliner", "fighter"}


def test_truth_identity_is_elementwise_on_arrays() -> None:
    cls = np.array(["drone", "airliner", "fighter", "airliner", "cruise_missile"])
    ident, why = truth_identity(cls, np.array([False, False, True, False, False]))
    assert ident.tolist() == ["hostile", "neutral", "friend", "neutral", "hostile"]
    assert ident.shape == why.shape == (5,)
    empty, empty_why = truth_identity(np.array([], dtype=str), np.array([], dtype=bool))
    assert empty.shape == empty_why.shape == (0,)
