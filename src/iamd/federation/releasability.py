"""Releasability: what each partner may see, by partner, track class and sensor.

A nation states, per partner, whether anything is released to it, which class cues
(`iamd.identify.classifier.CLASSES`, plus ``unclassified`` for a track not yet classified)
and which of its sensors' information (a track any withheld sensor ever contributed to is
withheld). The policy is applied at publication (`release_mask`): a track goes to partner
``Y`` under ``iamd/fed/X/to/Y/...`` only if released to ``Y``; the router's access control
then delivers that key to ``Y``'s authenticated session alone
(`iamd.federation.security.access_rules`). Each released record also carries the marking
(a bit per roster nation) for the recipient's display.

>>> import numpy as np
>>> pol = ReleasePolicy.model_validate({"default": "release", "partners": {
...     "ROU": {"release": False}, "BGR": {"classes": ["ballistic_missile", "cruise_missile"]}}})
>>> cls = np.array([4, 0, -1])            # ballistic, airliner, unclassified
>>> mask = np.zeros(3, dtype=np.uint64)
>>> release_mask(pol, ["BGR", "GRC", "ROU"], "GRC", cls, mask, []).tolist()
[3, 2, 2]
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Literal

import numpy as np
import numpy.typing as npt
from pydantic import BaseModel, ConfigDict, Field

from iamd.identify.classifier import CLASSES

UNCLASSIFIED = "unclassified"
RELEASE_CLASSES = (*CLASSES, UNCLASSIFIED)
"""Class names a policy may list."""


class PartnerRelease(BaseModel):
    """What one partner may see.

    Attributes:
        release: False: nothing is released to it.
        classes: the class cues released (default: all, ``unclassified`` included).
        withhold_sensors: ids of own sensors whose information is not released to it.
    """

    model_config = ConfigDict(extra="forbid", frozen=True)

    release: bool = True
    classes: list[Literal[RELEASE_CLASSES]] | None = None  # type: ignore[valid-type]
    withhold_sensors: list[str] = Field(default_factory=list)


class ReleasePolicy(BaseModel):
    """A nation's releasability policy: the rule for partners not listed (``release`` all,
    or ``withhold`` all) and the partners' own rules."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    default: Literal["release", "withhold"] = "release"
    partners: dict[str, PartnerRelease] = Field(default_factory=dict)

    def partner(self, code: str) -> PartnerRelease:
        """The rule for partner ``code``."""
        if code in self.partners:
            return self.partners[code]
        return PartnerRelease(release=self.default == "release")


def release_mask(
    policy: ReleasePolicy,
    roster: Sequence[str],
    own: str,
    cls: npt.NDArray[np.integer],
    sensor_mask: npt.NDArray[np.uint64],
    sensor_ids: Sequence[str],
) -> npt.NDArray[np.uint64]:
    """(n,) the marking of each of n tracks: bit ``i`` set when the roster's ``i``-th nation
    may see it (its own nation always may).

    Args:
        cls: (n,) class cue index (-1: unclassified).
        sensor_mask: (n,) bit ``s`` set when own sensor ``s`` contributed to the track.
        sensor_ids: the own sensors' ids, in bit order.
    """
    n = len(cls)
    out = np.zeros(n, dtype=np.uint64)
    names = np.array([*CLASSES, UNCLASSIFIED])
    cls_name = names[np.where(cls >= 0, cls, len(CLASSES))]
    for i, code in enumerate(roster):  # a loop over nations, not tracks
        bit = np.uint64(1 << i)
        if code == own:
            out |= bit
            continue
        rule = policy.partner(code)
        if not rule.release:
            continue
        ok = np.ones(n, dtype=bool)
        if rule.classes is not None:
            ok &= np.isin(cls_name, list(rule.classes))
        withheld = np.uint64(0)
        for s, sid in enumerate(sensor_ids):
            if sid in rule.withhold_sensors:
                withheld |= np.uint64(1 << s)
        if withheld:
            ok &= (sensor_mask & withheld) == 0
        out[ok] |= bit
    return out
