"""The `truth` identity: class and STANAG 1241 standard identity from ground truth.

First version, the baseline that the classifier of a later stage is measured against: a
tracked object's class is its true class; its standard identity follows NATO STANAG 1241
(APP-6) categories from that class: missiles and one-way attack drones are ``hostile``,
aircraft that answer allied IFF are ``friend``, civil aircraft are ``neutral``. The evidence
for each decision is recorded so that the event log can show why.
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt

from iamd.scenario.catalog import HOSTILE_CLASSES

STANDARD_IDENTITIES = (
    "pending",
    "unknown",
    "assumed_friend",
    "friend",
    "neutral",
    "suspect",
    "hostile",
)
"""STANAG 1241 standard identities (lower case, as written in outputs)."""


def truth_identity(
    classes: npt.NDArray[np.str_], has_iff: npt.NDArray[np.bool_]
) -> tuple[npt.NDArray[np.str_], npt.NDArray[np.str_]]:
    """Standard identity and evidence for objects of the given true classes.

    >>> ident, why = truth_identity(np.array(["airliner", "drone", "fighter"]),
    ...                             np.array([False, False, True]))
    >>> ident.tolist()
    ['neutral', 'hostile', 'friend']
    """
    cls = np.asarray(classes).astype(str)
    iff = np.asarray(has_iff, dtype=bool)
    hostile = np.isin(cls, [c.value for c in HOSTILE_CLASSES])
    ident = np.where(hostile, "hostile", np.where(iff, "friend", "neutral"))
    why = np.where(
        hostile,
        np.char.add("truth: class ", cls),
        np.where(iff, "truth: answers allied IFF", np.char.add("truth: civil ", cls)),
    )
    return ident.astype(str), why.astype(str)
