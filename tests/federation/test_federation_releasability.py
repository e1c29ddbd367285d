"""Releasability at publication: by partner, class cue and sensor."""

from __future__ import annotations

import numpy as np
import pytest
from pydantic import ValidationError

from iamd.federation.releasability import ReleasePolicy, release_mask

ROSTER = ["BGR", "GRC", "ROU", "TUR"]


def test_partner_class_and_sensor_rules():
    pol = ReleasePolicy.model_validate({
        "default": "withhold",
        "partners": {"BGR": {}, "ROU": {"classes": ["ballistic_missile"]},
                     "TUR": {"withhold_sensors": ["secret_radar"]}},
    })  # fmt: skip
    cls = np.array([4, 0, 4, -1])
    sensors = np.array([0b01, 0b01, 0b10, 0b11], dtype=np.uint64)  # bit 1: secret_radar
    m = release_mask(pol, ROSTER, "GRC", cls, sensors, ["open_radar", "secret_radar"])
    seen = {
        c: ((m >> np.uint64(i)) & np.uint64(1)).astype(bool).tolist() for i, c in enumerate(ROSTER)
    }
    assert seen["GRC"] == [True] * 4  # own tracks
    assert seen["BGR"] == [True] * 4
    assert seen["ROU"] == [True, False, True, False]
    assert seen["TUR"] == [True, True, False, False]


def test_unknown_class_and_extra_fields_rejected():
    with pytest.raises(ValidationError, match="classes"):
        ReleasePolicy.model_validate({"partners": {"BGR": {"classes": ["ufo"]}}})
    with pytest.raises(ValidationError, match="releas"):
        ReleasePolicy.model_validate({"partners": {"BGR": {"releas": False}}})
