"""Ballistic missiles: a kinematic boost, free flight in a rotating Earth frame, and aiming.

What it models
--------------
*Boost* (0 ≤ t ≤ T_b, ``boost_time_s``). In the East-North-Up frame of the launch point and the
vertical plane of the launch azimuth α, with τ = t / T_b,

    altitude  z(t) = h_b τ^k,         k = V sin γ T_b / h_b   (k ≥ 2),
    downrange x(t) = d_b τ^(k+1),     d_b = V cos γ T_b / (k + 1),

so that the missile leaves the pad at rest and vertically, pitches over, and reaches burnout
altitude h_b (``burnout_altitude_km``) with the burnout velocity V at elevation γ (measured
in the launch frame). Velocities are the exact time derivatives of the positions. When the
burnout altitude cannot be reached with k ≥ 2 (slow, short shots), k is held at 2 and the
burnout altitude drops to V sin γ T_b / 2.

*Free flight* from burnout to impact, integrated with the classical fourth-order Runge-Kutta
scheme in Earth-centred, Earth-fixed coordinates (r, v relative to the rotating Earth):

    dv/dt = −μ r / |r|³ + a_J2(r) − 2 ω × v − ω × (ω × r) − ½ ρ(h) |v| v (C_D A / m),

with μ = ``GM_M3_S2`` and ω = ``OMEGA_RAD_S`` (WGS84), the J2 zonal term
a_J2 = −(3/2) J2 μ a² / r⁵ · (x (1 − 5 z²/r²), y (1 − 5 z²/r²), z (3 − 5 z²/r²)), and an
exponential atmosphere at rest in ECEF, ρ(h) = 1.225 exp(−h / 7,200 m) (sea-level density of
the US Standard Atmosphere 1976 with its usual single-exponential scale height; ρ(h < 0) = ρ(0)).
Two-body, J2 and rotating-frame terms follow D. A. Vallado, *Fundamentals of Astrodynamics and
Applications* (4th ed., 2013). The step is ``dt_s`` (default 1 s); a body that is, and stays
for the next step, above 120 km (where drag is ~10⁻⁴ m/s²) takes 10 s steps instead, and its
samples every ``dt_s`` in between come from cubic Hermite interpolation of the RK4 states
(both change the impact point by well under a metre; the choice is made per body, so a
body's trajectory never depends on the others flown with it). The impact is the first crossing
of ellipsoidal height 0 after burnout (no terrain), located by Newton iterations on the
Hermite arc between the two bracketing steps.

*Aiming*. For given launch and aim points, the launch azimuth and burnout speed are solved
for all missiles at once: a first guess from the Keplerian free-flight range equation
(Bate, Mueller and White, *Fundamentals of Astrodynamics*, 1971, ch. 6)

    V² r₁ / μ = (1 − cos Ψ) / (cos²γ r₁/r₂ − cos γ cos(γ + Ψ)),

then secant steps on speed (range error) and fixed-point steps on azimuth (bearing error);
each iteration flies all missiles together, those already within ``tolerance_m`` keeping their
solution (so a missile flown alone or in a batch gets the same trajectory). The default flight-path
angle is the minimum-energy one, γ = (π − Ψ) / 4, Ψ = ground range / R. The trajectory table
of ``shared/reference/public-parameters.md`` §2.1 is this minimum-energy Keplerian
trajectory from the surface; :func:`keplerian_minimum_energy` reproduces it.

Everything is deterministic given its inputs. Per-missile failures never raise: aim ranges
outside [``MIN_RANGE_M``, ``MAX_RANGE_M``] are flown at the nearest range in the envelope
along the same bearing and flagged ``in_envelope = False``; a missile that does not come within
``tolerance_m`` has ``converged = False``; both report the resulting ``miss_m``.

>>> import numpy as np
>>> p = BallisticMissileParams(boost_time_s=100.0, burnout_altitude_km=70.0,
...                            reentry_mass_kg=1200.0, drag_area_m2=0.2)
>>> flights, sol = fly_ballistic(np.radians(38.08), np.radians(46.29),  # Tabriz to Sofia
...                              np.radians(42.70), np.radians(23.32), 0.0, p)
>>> round(sol.ground_range_m[0] / 1e3), bool(sol.miss_m[0] < 100.0)
(2010, True)
>>> round(sol.apogee_m[0] / 1e3), round(flights[0].t_end_s / 60.0, 1)  # km, minutes
(506, 13.4)
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Protocol, runtime_checkable

import numpy as np
import numpy.typing as npt
from pyproj import Geod

from iamd.geo.wgs84 import (
    A_M,
    E2,
    GM_M3_S2,
    OMEGA_RAD_S,
    R_MEAN_M,
    ecef_to_lla,
    enu_vector_to_ecef,
    lla_to_ecef,
)
from iamd.world.base import Flight

FloatArray = npt.NDArray[np.float64]
BoolArray = npt.NDArray[np.bool_]

J2 = 1.08262668e-3
"""Earth's second zonal harmonic (WGS84 / EGM96 value, unnormalised)."""
RHO0_KG_M3 = 1.225
"""Sea-level air density of the US Standard Atmosphere 1976 (kg/m³)."""
SCALE_HEIGHT_M = 7200.0
"""Scale height of the exponential atmosphere (m)."""
MIN_RANGE_M = 100e3
"""Shortest aim range the solver accepts (m); shorter aims are flown at this range."""
MAX_RANGE_M = 3500e3
"""Longest aim range the solver accepts (m); longer aims are flown at this range."""
REENTRY_ALTITUDE_M = 100e3
"""Height at which the re-entry speed is taken (m)."""

_K_MIN = 2.0
_LONG_STEP_S = 10.0
_LONG_STEP_MIN_HEIGHT_M = 120e3
_GEOD = Geod(ellps="WGS84")


@runtime_checkable
class BallisticParamsLike(Protocol):
    """Anything with the four ballistic fields (``iamd.scenario.catalog.BallisticParams`` too)."""

    @property
    def boost_time_s(self) -> float: ...
    @property
    def burnout_altitude_km(self) -> float: ...
    @property
    def reentry_mass_kg(self) -> float: ...
    @property
    def drag_area_m2(self) -> float: ...


@dataclass(frozen=True, slots=True, kw_only=True)
class BallisticMissileParams:
    """Boost and body of a ballistic missile; mirrors the catalog's ``BallisticParams``.

    Attributes:
        boost_time_s: powered flight duration (s).
        burnout_altitude_km: altitude at burnout (km, as in the catalog).
        reentry_mass_kg: mass of the body that re-enters (kg).
        drag_area_m2: drag coefficient times reference area, C_D·A (m²).
    """

    boost_time_s: float
    burnout_altitude_km: float
    reentry_mass_kg: float
    drag_area_m2: float


@dataclass(frozen=True, slots=True, kw_only=True)
class FreeFlightModel:
    """Which forces act in free flight (all on by default).

    Attributes:
        drag: exponential-atmosphere drag.
        earth_rotation: Coriolis and centrifugal terms (ECEF is rotating); off, ECEF is
            treated as an inertial frame.
        j2: the J2 zonal term of gravity.
        rho0_kg_m3: sea-level density (kg/m³).
        scale_height_m: atmosphere scale height (m).
    """

    drag: bool = True
    earth_rotation: bool = True
    j2: bool = True
    rho0_kg_m3: float = RHO0_KG_M3
    scale_height_m: float = SCALE_HEIGHT_M


VACUUM_NON_ROTATING = FreeFlightModel(drag=False, earth_rotation=False, j2=False)
"""Two-body gravity only: the model of the public trajectory table."""


@dataclass(frozen=True, slots=True, kw_only=True)
class BallisticSolution:
    """Summary of n ballistic flights; every array has shape (n,).

    Attributes:
        ground_range_m: geodesic distance launch → impact (m).
        apogee_m: highest ellipsoidal height reached (m).
        flight_time_s: launch to impact, boost included (s).
        impact_t_s: impact time since the scenario epoch (s).
        burnout_speed_m_s: speed at burnout relative to the Earth (m/s).
        burnout_altitude_m: height at burnout (m).
        launch_azimuth_rad: azimuth of the launch plane, clockwise from north (rad).
        flight_path_angle_rad: burnout velocity elevation in the launch frame (rad).
        reentry_speed_m_s: speed when descending through ``REENTRY_ALTITUDE_M`` (m/s; NaN if
            the apogee is below it).
        impact_speed_m_s: speed at impact (m/s).
        impact_lat_rad, impact_lon_rad: geodetic impact point (rad).
        miss_m: geodesic distance from impact to the aim point (m).
        in_envelope: the aim range lies within [MIN_RANGE_M, MAX_RANGE_M].
        converged: the impact lies within the solver's tolerance of the aim point (of the
            nearest point in the envelope when the aim is out of it).
    """

    ground_range_m: FloatArray
    apogee_m: FloatArray
    flight_time_s: FloatArray
    impact_t_s: FloatArray
    burnout_speed_m_s: FloatArray
    burnout_altitude_m: FloatArray
    launch_azimuth_rad: FloatArray
    flight_path_angle_rad: FloatArray
    reentry_speed_m_s: FloatArray
    impact_speed_m_s: FloatArray
    impact_lat_rad: FloatArray
    impact_lon_rad: FloatArray
    miss_m: FloatArray
    in_envelope: BoolArray
    converged: BoolArray


@dataclass(frozen=True, slots=True, kw_only=True)
class KeplerianTrajectory:
    """A drag-free trajectory over a spherical, non-rotating Earth; arrays of one shape.

    Attributes:
        burnout_speed_m_s: speed at burnout (m/s).
        flight_path_angle_rad: flight-path angle at burnout (rad).
        apogee_m: apogee height above the sphere (m).
        flight_time_s: burnout to impact (s).
    """

    burnout_speed_m_s: FloatArray
    flight_path_angle_rad: FloatArray
    apogee_m: FloatArray
    flight_time_s: FloatArray


def keplerian_minimum_energy(
    ground_range_m: npt.ArrayLike, radius_m: float = R_MEAN_M, gm_m3_s2: float = GM_M3_S2
) -> KeplerianTrajectory:
    """Minimum-energy Keplerian trajectory between two points on a sphere.

    Burnout and impact on the surface, no drag, no rotation (Bate, Mueller and White 1971,
    ch. 6): Ψ = s / R, γ = (π − Ψ) / 4, V² = (μ / R) · 2 sin(Ψ/2) / (1 + sin(Ψ/2)); apogee
    and time of flight from the conic and Kepler's equation.

    Args:
        ground_range_m: (...) great-circle range (m).
        radius_m: radius of the sphere (m).
        gm_m3_s2: gravitational parameter (m³/s²).

    Returns:
        Arrays of the input's shape.

    >>> k = keplerian_minimum_energy(2000e3)
    >>> round(float(k.burnout_speed_m_s)), round(float(np.degrees(k.flight_path_angle_rad)), 1)
    (4113, 40.5)
    >>> round(float(k.apogee_m) / 1e3), round(float(k.flight_time_s) / 60.0, 1)
    (459, 11.7)
    """
    psi = np.asarray(ground_range_m, dtype=np.float64) / radius_m
    gamma = 0.25 * (np.pi - psi)
    s = np.sin(0.5 * psi)
    speed = np.sqrt(gm_m3_s2 / radius_m * 2.0 * s / (1.0 + s))
    apogee_r, tof = _conic_apogee_and_time(radius_m, speed, gamma, psi, gm_m3_s2)
    return KeplerianTrajectory(
        burnout_speed_m_s=speed,
        flight_path_angle_rad=gamma,
        apogee_m=apogee_r - radius_m,
        flight_time_s=tof,
    )


def fly_ballistic(
    launch_lat_rad: npt.ArrayLike,
    launch_lon_rad: npt.ArrayLike,
    aim_lat_rad: npt.ArrayLike,
    aim_lon_rad: npt.ArrayLike,
    launch_t_s: npt.ArrayLike,
    params: BallisticParamsLike | Sequence[BallisticParamsLike],
    *,
    flight_path_angle_rad: npt.ArrayLike | None = None,
    dt_s: float = 1.0,
    model: FreeFlightModel | None = None,
    tolerance_m: float = 10.0,
    max_iterations: int = 12,
) -> tuple[list[Flight], BallisticSolution]:
    """Aim and fly n ballistic missiles, all integrated together.

    Args:
        launch_lat_rad, launch_lon_rad: (n,) or scalar launch point, on the ellipsoid (rad).
        aim_lat_rad, aim_lon_rad: (n,) or scalar aim point, on the ellipsoid (rad).
        launch_t_s: (n,) or scalar launch times since the scenario epoch (s).
        params: one parameter set for all missiles, or a sequence of n.
        flight_path_angle_rad: (n,) or scalar elevation of the burnout velocity in the launch
            frame (rad); default the minimum-energy angle (π − Ψ) / 4 of the aim range.
        dt_s: integration and sampling step (s).
        model: forces of free flight (default: all of them).
        tolerance_m: aim solver stops when every miss is below this (m).
        max_iterations: most flights per missile spent on aiming.

    Returns:
        One :class:`Flight` per missile (launch to impact, sampled every ``dt_s`` from launch and
        from burnout, plus burnout and impact exactly), and a :class:`BallisticSolution`.
    """
    mdl = FreeFlightModel() if model is None else model
    plist: list[BallisticParamsLike] = (
        [params] if isinstance(params, BallisticParamsLike) else list(params)
    )
    lat0, lon0, lat_a, lon_a, t0, boost_t, h_b, mass, cda = np.broadcast_arrays(
        np.atleast_1d(np.asarray(launch_lat_rad, dtype=np.float64)),
        np.atleast_1d(np.asarray(launch_lon_rad, dtype=np.float64)),
        np.atleast_1d(np.asarray(aim_lat_rad, dtype=np.float64)),
        np.atleast_1d(np.asarray(aim_lon_rad, dtype=np.float64)),
        np.atleast_1d(np.asarray(launch_t_s, dtype=np.float64)),
        np.array([p.boost_time_s for p in plist], dtype=np.float64),
        np.array([p.burnout_altitude_km * 1e3 for p in plist], dtype=np.float64),
        np.array([p.reentry_mass_kg for p in plist], dtype=np.float64),
        np.array([p.drag_area_m2 for p in plist], dtype=np.float64),
    )
    cda_per_kg = cda / mass

    az_aim, _, s_aim = _GEOD.inv(lon0, lat0, lon_a, lat_a, radians=True)
    az_aim = np.asarray(az_aim, dtype=np.float64)
    s_aim = np.asarray(s_aim, dtype=np.float64)
    in_envelope = (s_aim >= MIN_RANGE_M) & (s_aim <= MAX_RANGE_M)
    s_tgt = np.clip(s_aim, MIN_RANGE_M, MAX_RANGE_M)
    lon_t, lat_t, _ = _GEOD.fwd(lon0, lat0, az_aim, s_tgt, radians=True)
    lon_t = np.asarray(lon_t, dtype=np.float64)
    lat_t = np.asarray(lat_t, dtype=np.float64)
    if flight_path_angle_rad is None:
        gamma = 0.25 * (np.pi - s_tgt / R_MEAN_M)
    else:
        gamma = np.broadcast_to(
            np.asarray(flight_path_angle_rad, dtype=np.float64), lat0.shape
        ).copy()

    speed = _keplerian_speed_guess(s_tgt, gamma, boost_t, h_b)
    delta = 10e3
    dv_ds_kepler = (
        _keplerian_speed_guess(s_tgt + delta, gamma, boost_t, h_b)
        - _keplerian_speed_guess(s_tgt - delta, gamma, boost_t, h_b)
    ) / (2.0 * delta)
    speed_lo, speed_hi = 0.3 * speed, 2.0 * speed
    az = az_aim.copy()
    prev_speed = np.full_like(speed, np.nan)
    prev_s = np.full_like(speed, np.nan)
    converged = np.zeros(lat0.shape, dtype=bool)
    run: _FreeFlightRun | None = None

    for it in range(max(int(max_iterations), 1)):
        pos_bo, vel_bo, _ = _burnout_state(lat0, lon0, az, speed, gamma, boost_t, h_b)
        run = _integrate(pos_bo, vel_bo, cda_per_kg, mdl, dt_s)
        az_i, _, s_i = _GEOD.inv(lon0, lat0, run.impact_lon_rad, run.impact_lat_rad, radians=True)
        _, _, miss = _GEOD.inv(lon_t, lat_t, run.impact_lon_rad, run.impact_lat_rad, radians=True)
        miss = np.asarray(miss, dtype=np.float64)
        converged = miss <= tolerance_m
        if converged.all() or it == max_iterations - 1:
            break
        s_i = np.asarray(s_i, dtype=np.float64)
        err_s = s_i - s_tgt
        err_az = _wrap_pi(np.asarray(az_i, dtype=np.float64) - az_aim)
        ds = s_i - prev_s
        use_secant = np.isfinite(ds) & (np.abs(ds) > 1e-3) & (np.abs(speed - prev_speed) > 1e-9)
        dv_ds = np.where(use_secant, (speed - prev_speed) / np.where(use_secant, ds, 1.0), 0.0)
        dv_ds = np.where(use_secant & (dv_ds > 0.0), dv_ds, dv_ds_kepler)
        new_speed = np.clip(speed - err_s * dv_ds, speed_lo, speed_hi)
        new_az = az - err_az
        upd = ~converged
        prev_speed = np.where(upd, speed, prev_speed)
        prev_s = np.where(upd, s_i, prev_s)
        speed = np.where(upd, new_speed, speed)
        az = np.where(upd, new_az, az)

    assert run is not None
    _, _, miss_aim = _GEOD.inv(lon_a, lat_a, run.impact_lon_rad, run.impact_lat_rad, radians=True)
    return _assemble(
        run=run,
        lat0=lat0,
        lon0=lon0,
        t0=t0,
        az=az,
        speed=speed,
        gamma=gamma,
        boost_t=boost_t,
        h_b=h_b,
        dt_s=dt_s,
        miss=np.asarray(miss_aim, dtype=np.float64),
        in_envelope=in_envelope,
        converged=converged,
    )


def fly_free_flight(
    pos_ecef_m: npt.ArrayLike,
    vel_ecef_m_s: npt.ArrayLike,
    t0_s: npt.ArrayLike,
    drag_area_per_mass_m2_kg: npt.ArrayLike = 0.0,
    *,
    model: FreeFlightModel | None = None,
    dt_s: float = 1.0,
) -> list[Flight]:
    """Integrate n unpowered bodies from given states to the ground (ellipsoidal height 0).

    Args:
        pos_ecef_m: (n, 3) initial ECEF positions (m), above the ellipsoid.
        vel_ecef_m_s: (n, 3) initial ECEF velocities, relative to the Earth (m/s).
        t0_s: (n,) or scalar initial times (s).
        drag_area_per_mass_m2_kg: (n,) or scalar C_D·A / m (m²/kg).
        model: forces (default: all).
        dt_s: RK4 step and sampling interval (s).

    Returns:
        One :class:`Flight` per body, from t0 to impact (the last sample is at height 0).

    >>> import numpy as np
    >>> p = lla_to_ecef(0.0, 0.0, 100e3)[None, :]
    >>> f = fly_free_flight(p, np.zeros((1, 3)), 0.0, model=VACUUM_NON_ROTATING)[0]
    >>> round(f.t_end_s, 1)  # free fall from 100 km: ~ sqrt(2 h / g) = 143 s, g falling off
    144.7
    """
    mdl = FreeFlightModel() if model is None else model
    pos = np.atleast_2d(np.asarray(pos_ecef_m, dtype=np.float64))
    vel = np.atleast_2d(np.asarray(vel_ecef_m_s, dtype=np.float64))
    n = pos.shape[0]
    t0 = np.broadcast_to(np.asarray(t0_s, dtype=np.float64), (n,))
    cda = np.broadcast_to(np.asarray(drag_area_per_mass_m2_kg, dtype=np.float64), (n,))
    run = _integrate(pos, vel, np.ascontiguousarray(cda), mdl, dt_s)
    flights = []
    for i in range(n):
        t, p, v = run.samples(i)
        flights.append(Flight(t_s=t0[i] + t, pos_ecef_m=p, vel_ecef_m_s=v))
    return flights


def boost_state(
    t_since_launch_s: npt.ArrayLike,
    launch_lat_rad: npt.ArrayLike,
    launch_lon_rad: npt.ArrayLike,
    azimuth_rad: npt.ArrayLike,
    burnout_speed_m_s: npt.ArrayLike,
    flight_path_angle_rad: npt.ArrayLike,
    boost_time_s: npt.ArrayLike,
    burnout_altitude_m: npt.ArrayLike,
) -> tuple[FloatArray, FloatArray]:
    """Position and velocity during the kinematic boost (see the module docstring).

    All inputs broadcast together (shape S); times are clipped to [0, boost_time_s].

    Returns:
        ECEF positions (S + (3,)) in m and velocities (S + (3,)) in m/s.

    >>> import numpy as np
    >>> p, v = boost_state(100.0, 0.0, 0.0, 0.0, 4000.0, np.radians(40.0), 100.0, 70e3)
    >>> round(float(np.linalg.norm(v)))
    4000
    """
    t, lat, lon, az, spd, gam, tb, hb = np.broadcast_arrays(
        *(
            np.asarray(a, dtype=np.float64)
            for a in (
                t_since_launch_s,
                launch_lat_rad,
                launch_lon_rad,
                azimuth_rad,
                burnout_speed_m_s,
                flight_path_angle_rad,
                boost_time_s,
                burnout_altitude_m,
            )
        )
    )
    k, hb_eff, db = _boost_shape(spd, gam, tb, hb)
    tau = np.clip(t / tb, 0.0, 1.0)
    z = hb_eff * tau**k
    x = db * tau ** (k + 1.0)
    vz = spd * np.sin(gam) * tau ** (k - 1.0)
    vx = spd * np.cos(gam) * tau**k
    sa, ca = np.sin(az), np.cos(az)
    pos_enu = np.stack([x * sa, x * ca, z], axis=-1)
    vel_enu = np.stack([vx * sa, vx * ca, vz], axis=-1)
    pos = lla_to_ecef(lat, lon, 0.0) + enu_vector_to_ecef(pos_enu, lat, lon)
    return pos, enu_vector_to_ecef(vel_enu, lat, lon)


# --------------------------------------------------------------------------- private helpers


@dataclass(frozen=True, slots=True, kw_only=True)
class _FreeFlightRun:
    """RK4 states of n bodies (each on its own steps, all multiples of dt_s) and their impacts."""

    dt_s: float
    t: FloatArray  # (steps + 1, n) time of each state since the start (s)
    pos: FloatArray  # (steps + 1, n, 3)
    vel: FloatArray  # (steps + 1, n, 3)
    impact_step: npt.NDArray[np.int64]  # (n,) first state at or below the ground
    impact_t_s: FloatArray  # (n,) time of the ground crossing since the start (s)
    impact_pos: FloatArray  # (n, 3)
    impact_vel: FloatArray  # (n, 3)
    impact_lat_rad: FloatArray
    impact_lon_rad: FloatArray

    def samples(self, i: int) -> tuple[FloatArray, FloatArray, FloatArray]:
        """Body i every dt_s from the start, then at impact: times (k,), positions and
        velocities (k, 3). States between RK4 steps come from cubic Hermite interpolation."""
        j = int(self.impact_step[i])
        ts = self.t[: j + 1, i]
        t_imp = float(self.impact_t_s[i])
        if not np.isfinite(t_imp):  # non-finite input: the initial state only
            return ts[:1], self.pos[:1, i], self.vel[:1, i]
        m = int(np.ceil(t_imp / self.dt_s - 1e-6))
        t = self.dt_s * np.arange(m, dtype=np.float64)
        seg = np.clip(np.searchsorted(ts, t, side="right") - 1, 0, j - 1)
        h = ts[seg + 1] - ts[seg]
        u = (t - ts[seg]) / h
        pos, vel = _hermite(
            self.pos[seg, i], self.vel[seg, i], self.pos[seg + 1, i], self.vel[seg + 1, i], h, u
        )
        t = np.append(t, t_imp)
        pos = np.vstack([pos, self.impact_pos[i]])
        vel = np.vstack([vel, self.impact_vel[i]])
        return t, pos, vel


def _wrap_pi(a: FloatArray) -> FloatArray:
    return np.asarray((a + np.pi) % (2.0 * np.pi) - np.pi, dtype=np.float64)


def _boost_shape(
    speed: FloatArray, gamma: FloatArray, boost_t: FloatArray, h_b: FloatArray
) -> tuple[FloatArray, FloatArray, FloatArray]:
    """Exponent k, effective burnout altitude and burnout downrange of the boost profile."""
    vz_t = speed * np.sin(gamma) * boost_t
    k = np.maximum(vz_t / h_b, _K_MIN)
    return k, vz_t / k, speed * np.cos(gamma) * boost_t / (k + 1.0)


def _burnout_state(
    lat0: FloatArray,
    lon0: FloatArray,
    az: FloatArray,
    speed: FloatArray,
    gamma: FloatArray,
    boost_t: FloatArray,
    h_b: FloatArray,
) -> tuple[FloatArray, FloatArray, FloatArray]:
    """ECEF position (n, 3), velocity (n, 3) and effective altitude (n,) at burnout."""
    pos, vel = boost_state(boost_t, lat0, lon0, az, speed, gamma, boost_t, h_b)
    _, hb_eff, _ = _boost_shape(speed, gamma, boost_t, h_b)
    return pos, vel, hb_eff


def _keplerian_speed_guess(
    s_m: FloatArray, gamma: FloatArray, boost_t: FloatArray, h_b: FloatArray
) -> FloatArray:
    """Burnout speed that a drag-free, non-rotating Keplerian flight needs to cover s_m."""
    r2 = R_MEAN_M
    speed = keplerian_minimum_energy(s_m).burnout_speed_m_s
    for _ in range(6):
        _, hb_eff, db = _boost_shape(speed, gamma, boost_t, h_b)
        r1 = R_MEAN_M + hb_eff
        theta = db / R_MEAN_M
        g1 = gamma + theta  # flight-path angle above the local horizontal at burnout
        psi = np.maximum((s_m - db) / R_MEAN_M, 1e-4)
        den = np.cos(g1) ** 2 * r1 / r2 - np.cos(g1) * np.cos(g1 + psi)
        lam = np.clip((1.0 - np.cos(psi)) / np.maximum(den, 1e-9), 1e-6, 1.9)
        speed = np.sqrt(lam * GM_M3_S2 / r1)
    return np.asarray(speed, dtype=np.float64)


def _conic_apogee_and_time(
    r_m: FloatArray | float,
    speed_m_s: FloatArray,
    gamma_rad: FloatArray,
    psi_rad: FloatArray,
    gm: float,
) -> tuple[FloatArray, FloatArray]:
    """Apogee radius and time of flight of a symmetric conic arc (burnout and impact at r)."""
    h = r_m * speed_m_s * np.cos(gamma_rad)
    a = -gm / (speed_m_s**2 - 2.0 * gm / r_m)
    p = h * h / gm
    e = np.sqrt(np.maximum(1.0 - p / a, 0.0))
    nu1 = np.pi - 0.5 * psi_rad
    fac = np.sqrt((1.0 - e) / (1.0 + e))
    e1 = 2.0 * np.arctan(fac * np.tan(0.5 * nu1))
    e2 = 2.0 * np.pi - e1  # symmetric about apogee
    m1 = e1 - e * np.sin(e1)
    m2 = e2 - e * np.sin(e2)
    tof = (m2 - m1) / np.sqrt(gm / a**3)
    return np.asarray(a * (1.0 + e)), np.asarray(tof)


def _accel(pos: FloatArray, vel: FloatArray, cda: FloatArray, model: FreeFlightModel) -> FloatArray:
    """ECEF acceleration (3, n) at positions and Earth-relative velocities (3, n) (m/s²)."""
    x, y, z = pos
    r2 = x * x + y * y + z * z
    inv_r2 = 1.0 / r2
    inv_r = np.sqrt(inv_r2)
    gm_r3 = -GM_M3_S2 * inv_r2 * inv_r
    s2 = z * z * inv_r2  # sin² of the geocentric latitude
    if model.j2:
        c = (1.5 * J2 * A_M * A_M) * inv_r2
        f_xy = gm_r3 * (1.0 + c * (1.0 - 5.0 * s2))
        acc = pos * f_xy
        acc[2] = z * (gm_r3 * (1.0 + c * (3.0 - 5.0 * s2)))
    else:
        acc = pos * gm_r3
    if model.earth_rotation:
        w2 = OMEGA_RAD_S * OMEGA_RAD_S
        two_w = 2.0 * OMEGA_RAD_S
        acc[0] += w2 * x + two_w * vel[1]
        acc[1] += w2 * y - two_w * vel[0]
    if model.drag:
        h = r2 * inv_r - A_M * np.sqrt((1.0 - E2) / (1.0 - E2 + E2 * s2))
        rho = model.rho0_kg_m3 * np.exp(-np.maximum(h, 0.0) / model.scale_height_m)
        speed = np.sqrt(np.einsum("ij,ij->j", vel, vel))
        acc -= (0.5 * rho * speed * cda) * vel
    return acc


def _approx_height(pos: FloatArray) -> FloatArray:
    """Height above the ellipsoid (n,) of positions (3, n), to metres near the surface."""
    r2 = np.einsum("ij,ij->j", pos, pos)
    s2 = pos[2] * pos[2] / r2
    return np.asarray(np.sqrt(r2) - A_M * np.sqrt((1.0 - E2) / (1.0 - E2 + E2 * s2)))


def _integrate(
    pos0: FloatArray,
    vel0: FloatArray,
    cda: FloatArray,
    model: FreeFlightModel,
    dt_s: float,
    max_time_s: float = 4.0 * 3600.0,
) -> _FreeFlightRun:
    """RK4 of all bodies together from (n, 3) states until each crosses height 0.

    Each body steps by dt_s, or by a long step (a multiple of dt_s near 10 s) while it is and
    stays above ``_LONG_STEP_MIN_HEIGHT_M`` where drag is weak and the motion nearly Keplerian;
    the decision is per body, so a body's trajectory does not depend on the others.
    """
    n = pos0.shape[0]
    p = np.ascontiguousarray(pos0.T)
    v = np.ascontiguousarray(vel0.T)
    t = np.zeros(n)
    long_dt = max(1, round(_LONG_STEP_S / dt_s)) * dt_s
    ts, ps, vs = [t], [p], [v]
    active = np.ones(n, dtype=bool)
    impact_step = np.zeros(n, dtype=np.int64)
    hgt = _approx_height(p)
    step = 0
    while active.any():
        v_up = np.einsum("ij,ij->j", p, v) / np.sqrt(np.einsum("ij,ij->j", p, p))
        long = (hgt > _LONG_STEP_MIN_HEIGHT_M) & (hgt + long_dt * v_up > _LONG_STEP_MIN_HEIGHT_M)
        h = np.where(active, np.where(long, long_dt, dt_s), 0.0)
        half = 0.5 * h
        k1v = _accel(p, v, cda, model)
        k2p = v + half * k1v
        k2v = _accel(p + half * v, k2p, cda, model)
        k3p = v + half * k2v
        k3v = _accel(p + half * k2p, k3p, cda, model)
        k4p = v + h * k3v
        k4v = _accel(p + h * k3p, k4p, cda, model)
        sixth = h / 6.0
        p = p + sixth * (v + 2.0 * (k2p + k3p) + k4p)
        v = v + sixth * (k1v + 2.0 * (k2v + k3v) + k4v)
        t = t + h
        step += 1
        hgt = _approx_height(p)
        down = active & (~(hgt > 0.0) | (t >= max_time_s))  # NaN states stop at once
        impact_step[down] = step
        active &= ~down
        ts.append(t)
        ps.append(p)
        vs.append(v)
    t_all = np.stack(ts)
    pos = np.stack(ps).transpose(0, 2, 1)
    vel = np.stack(vs).transpose(0, 2, 1)
    idx = np.arange(n)
    j1 = impact_step
    h_last = t_all[j1, idx] - t_all[j1 - 1, idx]
    u, pos_i, vel_i = _ground_crossing(
        pos[j1 - 1, idx], vel[j1 - 1, idx], pos[j1, idx], vel[j1, idx], h_last
    )
    lat_i, lon_i, _ = ecef_to_lla(pos_i)
    return _FreeFlightRun(
        dt_s=dt_s,
        t=t_all,
        pos=pos,
        vel=vel,
        impact_step=j1,
        impact_t_s=t_all[j1 - 1, idx] + u * h_last,
        impact_pos=pos_i,
        impact_vel=vel_i,
        impact_lat_rad=lat_i,
        impact_lon_rad=lon_i,
    )


def _hermite(
    p0: FloatArray,
    v0: FloatArray,
    p1: FloatArray,
    v1: FloatArray,
    dt: FloatArray,
    u: FloatArray,
) -> tuple[FloatArray, FloatArray]:
    """Cubic Hermite position and velocity (m, 3) at fractions u (m,) of steps dt (m,)."""
    uu = u[:, None]
    d = np.asarray(dt, dtype=np.float64)[:, None] * np.ones_like(uu)
    u2, u3 = uu * uu, uu * uu * uu
    h00 = 2.0 * u3 - 3.0 * u2 + 1.0
    h10 = u3 - 2.0 * u2 + uu
    h01 = -2.0 * u3 + 3.0 * u2
    h11 = u3 - u2
    pos = h00 * p0 + h10 * d * v0 + h01 * p1 + h11 * d * v1
    d00 = 6.0 * u2 - 6.0 * uu
    d10 = 3.0 * u2 - 4.0 * uu + 1.0
    d11 = 3.0 * u2 - 2.0 * uu
    vel = d00 * (p0 - p1) / d + d10 * v0 + d11 * v1
    return pos, vel


def _ground_crossing(
    p0: FloatArray, v0: FloatArray, p1: FloatArray, v1: FloatArray, dt: FloatArray
) -> tuple[FloatArray, FloatArray, FloatArray]:
    """Fraction u (n,), position and velocity (n, 3) where the Hermite arc meets height 0.

    A body still above the ground at the end (time limit) gets u = 1.
    """
    _, _, h0 = ecef_to_lla(p0)
    _, _, h1 = ecef_to_lla(p1)
    den = h0 - h1
    crosses = (h1 <= 0.0) & (den > 0.0)
    u = np.where(crosses, np.clip(h0 / np.where(crosses, den, 1.0), 0.0, 1.0), 1.0)
    for _ in range(4):  # Newton on the exact geodetic height
        pos, vel = _hermite(p0, v0, p1, v1, dt, u)
        lat, lon, hgt = ecef_to_lla(pos)
        up = np.stack([np.cos(lat) * np.cos(lon), np.cos(lat) * np.sin(lon), np.sin(lat)], -1)
        dh_du = np.einsum("ij,ij->i", up, vel) * dt
        ok = crosses & (dh_du < 0.0)
        u = np.clip(u - np.where(ok, hgt / np.where(ok, dh_du, -1.0), 0.0), 0.0, 1.0)
    pos, vel = _hermite(p0, v0, p1, v1, dt, u)
    return u, pos, vel


def _assemble(
    *,
    run: _FreeFlightRun,
    lat0: FloatArray,
    lon0: FloatArray,
    t0: FloatArray,
    az: FloatArray,
    speed: FloatArray,
    gamma: FloatArray,
    boost_t: FloatArray,
    h_b: FloatArray,
    dt_s: float,
    miss: FloatArray,
    in_envelope: BoolArray,
    converged: BoolArray,
) -> tuple[list[Flight], BallisticSolution]:
    """Join boost and free flight into Flights and summarise them."""
    n = lat0.size
    flights: list[Flight] = []
    apogee = np.empty(n)
    reentry = np.full(n, np.nan)
    _, hb_eff, _ = _boost_shape(speed, gamma, boost_t, h_b)
    for i in range(n):
        nb = int(np.ceil(boost_t[i] / dt_s - 1e-9))
        tb = np.append(dt_s * np.arange(nb, dtype=np.float64), boost_t[i])
        pb, vb = boost_state(tb, lat0[i], lon0[i], az[i], speed[i], gamma[i], boost_t[i], h_b[i])
        tf, pf, vf = run.samples(i)
        t = t0[i] + np.concatenate([tb, boost_t[i] + tf[1:]])
        pos = np.vstack([pb, pf[1:]])
        vel = np.vstack([vb, vf[1:]])
        flights.append(Flight(t_s=t, pos_ecef_m=pos, vel_ecef_m_s=vel))
        _, _, hf = ecef_to_lla(pf)
        apogee[i] = hf.max()
        k = int(np.argmax(hf))
        desc = hf[k:]
        below = np.nonzero(desc < REENTRY_ALTITUDE_M)[0]
        if hf[k] > REENTRY_ALTITUDE_M and below.size:
            j = k + int(below[0])
            w = (hf[j - 1] - REENTRY_ALTITUDE_M) / (hf[j - 1] - hf[j])
            sp = np.linalg.norm(vf[j - 1 : j + 1], axis=1)
            reentry[i] = (1.0 - w) * sp[0] + w * sp[1]
    flight_time = run.impact_t_s + boost_t
    _, _, ground = _GEOD.inv(lon0, lat0, run.impact_lon_rad, run.impact_lat_rad, radians=True)
    sol = BallisticSolution(
        ground_range_m=np.asarray(ground, dtype=np.float64),
        apogee_m=apogee,
        flight_time_s=flight_time,
        impact_t_s=t0 + flight_time,
        burnout_speed_m_s=speed.copy(),
        burnout_altitude_m=hb_eff,
        launch_azimuth_rad=np.mod(az, 2.0 * np.pi),
        flight_path_angle_rad=gamma.copy(),
        reentry_speed_m_s=reentry,
        impact_speed_m_s=np.linalg.norm(run.impact_vel, axis=1),
        impact_lat_rad=run.impact_lat_rad,
        impact_lon_rad=run.impact_lon_rad,
        miss_m=np.asarray(miss, dtype=np.float64),
        in_envelope=in_envelope,
        converged=converged,
    )
    return flights, sol
