"""Deploy a scenario's radars and fire units: catalog figures placed at their sites, as arrays.

This is where file units (degrees, km, mrad) become SI for the sensing and engagement stages.
"""

from __future__ import annotations

import numpy as np

from iamd.engage.envelope import EffectorArray
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
    """The scenario's fire units with their catalog figures (a unit's own magazine if it
    gives one)."""
    sc, cat = loaded.scenario, loaded.catalog
    units = sc.effectors
    types = [cat.effectors[u.type] for u in units]
    return EffectorArray.of_types(
        types,
        np.radians([u.lat_deg for u in units]),
        np.radians([u.lon_deg for u in units]),
        np.array([u.alt_m for u in units], dtype=np.float64),
        names=[u.type for u in units],
        ids=[u.id for u in units],
        nation=[u.nation for u in units],
        magazine=[
            u.magazine if u.magazine is not None else t.magazine
            for u, t in zip(units, types, strict=True)
        ],
        sector_center_rad=np.radians([u.sector.center_deg if u.sector else 0.0 for u in units]),
        sector_half_rad=np.radians([u.sector.width_deg if u.sector else 360.0 for u in units])
        / 2.0,
    )
