"""Deploy a scenario's radars and fire units: catalog figures placed at their sites, as arrays.

This is where file units (degrees, km, mrad) become SI for the sensing and engagement stages.
"""

from __future__ import annotations

import numpy as np

from iamd.engage.envelope import EffectorArray
from iamd.geo.wgs84 import lla_to_ecef
from iamd.scenario.catalog import THREAT_CLASSES
from iamd.scenario.loader import LoadedScenario
from iamd.sense.radar import SensorArray, make_sensor_array


def build_sensors(loaded: LoadedScenario) -> SensorArray:
    """The scenario's radars with their catalog figures."""
    sc, cat = loaded.scenario, loaded.catalog
    types = [cat.sensors[s.type] for s in sc.sensors]
    return make_sensor_array(
        ids=[s.id for s in sc.sensors],
        nation=[s.nation for s in sc.sensors],
        type_=[s.type for s in sc.sensors],
        lat_deg=[s.lat_deg for s in sc.sensors],
        lon_deg=[s.lon_deg for s in sc.sensors],
        site_alt_m=[s.alt_m for s in sc.sensors],
        antenna_height_m=[t.antenna_height_m for t in types],
        detection_range_km=[t.detection_range_km for t in types],
        rcs_ref_m2=[t.rcs_ref_m2 for t in types],
        pd_ref=[t.pd_ref for t in types],
        min_elevation_deg=[t.min_elevation_deg for t in types],
        max_elevation_deg=[t.max_elevation_deg for t in types],
        max_altitude_km=[t.max_altitude_km for t in types],
        scan_period_s=[t.scan_period_s for t in types],
        sigma_range_m=[t.sigma_range_m for t in types],
        sigma_azimuth_mrad=[t.sigma_azimuth_mrad for t in types],
        sigma_elevation_mrad=[t.sigma_elevation_mrad for t in types],
        sector_center_deg=[s.sector.center_deg if s.sector else 0.0 for s in sc.sensors],
        sector_width_deg=[s.sector.width_deg if s.sector else 360.0 for s in sc.sensors],
    )


def build_effectors(loaded: LoadedScenario) -> EffectorArray:
    """The scenario's fire units with their catalog figures."""
    sc, cat = loaded.scenario, loaded.catalog
    units = sc.effectors
    types = [cat.effectors[u.type] for u in units]
    lat = np.radians([u.lat_deg for u in units]).astype(np.float64)
    lon = np.radians([u.lon_deg for u in units]).astype(np.float64)
    alt = np.array([u.alt_m for u in units], dtype=np.float64)

    def arr(values: list[float]) -> np.ndarray:
        return np.asarray(values, dtype=np.float64)

    pk = np.zeros((len(units), len(THREAT_CLASSES)))
    salvo = np.ones((len(units), len(THREAT_CLASSES)), dtype=np.int64)
    for i, t in enumerate(types):
        for c, cls in enumerate(THREAT_CLASSES):
            pk[i, c] = t.pk.get(cls, 0.0)
            salvo[i, c] = t.salvo.get(cls, 1)
    magazine = np.array(
        [
            u.magazine if u.magazine is not None else t.magazine
            for u, t in zip(units, types, strict=True)
        ],
        dtype=np.int64,
    )
    return EffectorArray(
        ids=tuple(u.id for u in units),
        nation=tuple(u.nation for u in units),
        type=tuple(u.type for u in units),
        kind=tuple(t.kind for t in types),
        lat_rad=lat,
        lon_rad=lon,
        alt_m=alt,
        pos_ecef_m=lla_to_ecef(lat, lon, alt).reshape(-1, 3),
        min_range_m=arr([t.min_range_km * 1e3 for t in types]),
        max_range_m=arr([t.max_range_km * 1e3 for t in types]),
        max_range_bm_m=arr([t.max_range_bm_km * 1e3 for t in types]),
        min_alt_m=arr([t.min_altitude_km * 1e3 for t in types]),
        max_alt_m=arr([t.max_altitude_km * 1e3 for t in types]),
        min_alt_bm_m=arr([t.min_altitude_bm_km * 1e3 for t in types]),
        speed_m_s=arr([t.speed_m_s for t in types]),
        reaction_s=arr([t.reaction_time_s for t in types]),
        dwell_s=arr([t.dwell_s for t in types]),
        cost_per_shot_usd=arr([t.cost_per_shot_usd for t in types]),
        pk=pk,
        salvo=salvo,
        magazine=magazine,
        channels=np.array([t.channels for t in types], dtype=np.int64),
        sector_center_rad=np.radians(
            arr([u.sector.center_deg if u.sector else 0.0 for u in units])
        ),
        sector_half_rad=np.radians(arr([u.sector.width_deg if u.sector else 360.0 for u in units]))
        / 2.0,
    )
