"""Geometry of the theatre: WGS84 frames (LLA, ECEF, ENU, AER), geodesics, country borders and
the 4/3-Earth radar horizon.

Everything here works in SI units and radians on NumPy arrays of any shape; see
``docs/geo.md`` for conventions and sources.
"""

from iamd.geo.borders import (
    ATTRIBUTION,
    Countries,
    country_at,
    distance_to_border_m,
    load_countries,
)
from iamd.geo.geodesic import (
    geodesic_forward,
    geodesic_inverse,
    geodesic_points,
    great_circle_distance_m,
)
from iamd.geo.horizon import (
    K_STANDARD,
    above_radar_horizon,
    effective_earth_radius_m,
    radar_horizon_range_m,
)
from iamd.geo.wgs84 import (
    A_M,
    B_M,
    E2,
    EP2,
    GM_M3_S2,
    OMEGA_RAD_S,
    R_MEAN_M,
    F,
    aer_to_ecef,
    aer_to_enu,
    ecef_to_aer,
    ecef_to_enu,
    ecef_to_lla,
    ecef_vector_to_enu,
    enu_rotation,
    enu_to_aer,
    enu_to_ecef,
    enu_vector_to_ecef,
    geocentric_radius_m,
    lla_to_ecef,
)

__all__ = [
    "ATTRIBUTION",
    "A_M",
    "B_M",
    "E2",
    "EP2",
    "GM_M3_S2",
    "K_STANDARD",
    "OMEGA_RAD_S",
    "R_MEAN_M",
    "Countries",
    "F",
    "above_radar_horizon",
    "aer_to_ecef",
    "aer_to_enu",
    "country_at",
    "distance_to_border_m",
    "ecef_to_aer",
    "ecef_to_enu",
    "ecef_to_lla",
    "ecef_vector_to_enu",
    "effective_earth_radius_m",
    "enu_rotation",
    "enu_to_aer",
    "enu_to_ecef",
    "enu_vector_to_ecef",
    "geocentric_radius_m",
    "geodesic_forward",
    "geodesic_inverse",
    "geodesic_points",
    "great_circle_distance_m",
    "lla_to_ecef",
    "load_countries",
    "radar_horizon_range_m",
]
