"""Truth trajectories of everything that flies: ballistic missiles, cruise missiles, drones,
fighters on patrol, airliners (synthetic or replayed from ADS-B) and general aviation. Every
model returns :class:`Flight` objects (ECEF positions and velocities at absolute scenario
times).

See ``docs/world.md`` for the equations and their sources.
"""

from iamd.world.airliner import fly_airliner, replay_track
from iamd.world.ballistic import (
    MAX_RANGE_M,
    MIN_RANGE_M,
    VACUUM_NON_ROTATING,
    BallisticMissileParams,
    BallisticParamsLike,
    BallisticSolution,
    FreeFlightModel,
    KeplerianTrajectory,
    boost_state,
    fly_ballistic,
    fly_free_flight,
    keplerian_minimum_energy,
)
from iamd.world.base import Flight
from iamd.world.general_aviation import GA_PATTERNS, fly_general_aviation
from iamd.world.paths import (
    Route,
    cruise_missile_route,
    drone_route,
    fly_route,
    fly_swarm,
    fly_waypoints,
    geodesic_velocity_ecef,
    offset_route,
    racetrack_orbit,
    swarm_offsets,
)

__all__ = [
    "GA_PATTERNS",
    "MAX_RANGE_M",
    "MIN_RANGE_M",
    "VACUUM_NON_ROTATING",
    "BallisticMissileParams",
    "BallisticParamsLike",
    "BallisticSolution",
    "Flight",
    "FreeFlightModel",
    "KeplerianTrajectory",
    "Route",
    "boost_state",
    "cruise_missile_route",
    "drone_route",
    "fly_airliner",
    "fly_ballistic",
    "fly_free_flight",
    "fly_general_aviation",
    "fly_route",
    "fly_swarm",
    "fly_waypoints",
    "geodesic_velocity_ecef",
    "keplerian_minimum_energy",
    "offset_route",
    "racetrack_orbit",
    "replay_track",
    "swarm_offsets",
]
