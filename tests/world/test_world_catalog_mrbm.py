"""The built-in catalog's MRBMs, flown by the ballistic model, against the public figures.

Public figures (shared/reference/public-parameters.md §2.1): a 2,000 km MRBM flies about
12 minutes with an apogee of 400–600 km; the Houthi claim of 2,040 km "in under 12 min"
[R110b] agrees in magnitude.
"""

import numpy as np
import pytest

from iamd.scenario.catalog import builtin_catalog
from iamd.world.ballistic import fly_ballistic

TABRIZ = (38.08, 46.29)
SOFIA = (42.698, 23.322)  # 2,005 km from Tabriz (reference §4.6)


@pytest.mark.parametrize("name", ["khorramshahr", "sejjil"])
def test_catalog_mrbm_2000_km_flies_about_12_min_with_400_600_km_apogee(name: str) -> None:
    params = builtin_catalog().threats[name].ballistic
    assert params is not None
    fpa = np.radians(params.flight_path_angle_deg) if params.flight_path_angle_deg else None
    _, sol = fly_ballistic(
        np.radians(TABRIZ[0]),
        np.radians(TABRIZ[1]),
        np.radians(SOFIA[0]),
        np.radians(SOFIA[1]),
        0.0,
        params,
        flight_path_angle_rad=fpa,
    )
    assert sol.ground_range_m[0] == pytest.approx(2_005e3, abs=10e3)
    assert 400e3 <= sol.apogee_m[0] <= 600e3
    assert sol.flight_time_s[0] / 60.0 == pytest.approx(12.0, abs=1.0)
    assert sol.miss_m[0] < 100.0
