"""General aviation and aerial work: circuits, cross-country flights, gliders thermalling,
helicopters hovering, survey lines, flight-inspection orbits and fire-fighting circuits.

What it models
--------------
Civil aircraft that do not fly airways: light aircraft, gliders and helicopters, and aircraft
at work. They are slow, low and small, turn a lot, hover or circle for minutes, and often fly
with the transponder off, which is what makes them look like drones to a radar.

*Kinematics.* A flight is a sequence of segments in a local tangent plane about the reference
point, each either a straight line with a constant acceleration along it or a constant-rate
turn at constant speed, with a constant vertical rate. Position, heading and speed are
continuous (turns are arcs, speed changes are ramps); the vertical rate may change at once.
With the complex horizontal position w = north + i·east and heading ψ (clockwise from north),
a segment started at w₀, ψ₀, speed v₀ and lasting τ adds

    straight:  e^{iψ₀} (v₀ τ + a τ²/2)
    turn:      v₀ e^{iψ₀} (e^{iωτ} − 1) / (iω)      (ω > 0 turns right)

The plane is mapped onto the WGS84 ellipsoid by geodesics from the reference point (azimuthal
equidistant, Karney 2013 via ``pyproj.Geod``, as :func:`iamd.world.paths.racetrack_orbit`
does), horizontal distances scaled by R / (R + h) so that speeds are true at the aircraft's
height. Velocities are central differences of that mapping (δ = 10 ms); heights are above the
ellipsoid (no terrain). Routes that must arrive somewhere on a given heading (back to a water
surface, onto an ILS localiser) are Dubins paths: the shortest of the turn–straight–turn paths
at a fixed turn radius (L. E. Dubins, Am. J. Math. 79, 1957).

*Turns* are coordinated: radius r = v² / (g tan φ) at bank φ. Cross-country and helicopter
turns are rate-one turns, 3°/s or a 25° bank whichever is less (ICAO Doc 8168 PANS-OPS
Vol I; FAA Instrument Flying Handbook FAA-H-8083-15B, ch. 7).

The patterns (``GA_PATTERNS``; all figures public and approximate):

- ``circuit``: a light aircraft's rectangular traffic pattern from a runway at the reference
  point, left- or right-hand: take-off climb (2–4 m/s), crosswind, downwind at 300–600 m above
  the field (1,000 ft AGL is the usual light-aircraft pattern altitude: FAA Aeronautical
  Information Manual 4-3-3, UK CAA Skyway Code), base, final, touch-and-go, again; 40–70 m/s
  (approach and lift-off at 0.8 of it), banks 20–30°.
- ``cross_country``: a light aircraft or helicopter transit: legs of 5–40 km with rate-one
  turns of 15–120° between them, speed ±7 % per leg (within the range), occasional climbs
  or descents at 1–3 m/s to another height; 40–80 m/s, 500–3,000 m.
- ``thermalling``: a glider alternating thermal climbs (constant-bank circles of 100–200 m
  radius at 20–30 m/s, climbing 1–4 m/s, 300–1,500 m per thermal) and straight glides at
  25–45 m/s sinking 1–2 m/s with a few gentle turns; 500–3,000 m. Typical of a standard-class
  glider polar (minimum sink ~0.6 m/s near 22 m/s straight, ~1 m/s circling at 35–45° bank,
  1.5–2 m/s at 40–45 m/s) and of thermals of 1–4 m/s (FAA Glider Flying Handbook
  FAA-H-8083-13A, ch. 3 and 10; H. Reichmann, *Cross-Country Soaring*, 1993).
- ``hover``: a helicopter (air ambulance, television relay, police): transits of 2–15 km at
  40–70 m/s and 150–600 m, then either a hover or near-hover (0–3 m/s drift, pedal turns,
  slow height changes) for 10 s to a few minutes after a 1–2 m/s² deceleration, or one to
  three slow orbits (15–30 m/s, 300–1,000 m radius) around a point (FAA Helicopter Flying
  Handbook FAA-H-8083-21B).
- ``survey``: aerial survey lines (photogrammetry, geophysics, lidar): parallel straight legs
  of 10–40 km, 0.3–4 km apart, joined by 180° turns at 20–30° bank (a teardrop "bulb" turn
  when the lines are closer than a turn diameter), stepping to one side; 50–90 m/s,
  500–4,000 m, constant height.
- ``orbit``: flight inspection of a navaid at the reference point (ICAO Doc 8071, *Manual on
  Testing of Radio Navigation Aids*, Vol I): DME/VOR arcs of 10–25 NM radius over 60–270° at
  600–3,000 m above the station, and ILS approaches on the 3° glide path from 10 NM to a
  decision height of 60 m (threshold crossing height 15 m, ICAO Annex 10 Vol I), followed by
  a go-around climbing 5–8 m/s; linked by Dubins paths at 25° bank; 60–110 m/s (approach at
  60–75 m/s).
- ``firefighting``: an amphibian or bucket helicopter shuttling between a water surface at the
  reference point and a fire 3–20 km away: descent to 10–30 m over the water for a 1–2 km
  scoop run, climb-out, transit at 150–500 m above the water, descent to 50–100 m above the
  fire (its ground 0–300 m above the water) for a 0.8–1.5 km drop run, and back; 47–80 m/s
  in transit, 0.85 of it on the runs, banks of 30°.

Randomness (legs, turns, heights, speeds) comes from the caller's generator: the same
generator state and arguments give the same flight.

>>> import numpy as np
>>> f = fly_general_aviation(np.random.default_rng(1), "thermalling", np.radians(45.0),
...                          np.radians(25.0), t0_s=100.0, duration_s=600.0)
>>> f.t_start_s, f.t_end_s, f.pos_ecef_m.shape
(100.0, 700.0, (601, 3))
>>> bool(np.linalg.norm(f.vel_ecef_m_s, axis=1).max() < 46.0)
True
"""

from __future__ import annotations

import math
from collections.abc import Callable

import numpy as np
import numpy.typing as npt
from pyproj import Geod

from iamd.errors import InputError
from iamd.geo.wgs84 import R_MEAN_M, lla_to_ecef
from iamd.world.base import Flight
from iamd.world.paths import G0_M_S2, _sample_times

FloatArray = npt.NDArray[np.float64]

GA_PATTERNS: tuple[str, ...] = (
    "circuit",
    "cross_country",
    "thermalling",
    "hover",
    "survey",
    "orbit",
    "firefighting",
)
"""The patterns of :func:`fly_general_aviation`."""

GA_SPEED_M_S: dict[str, tuple[float, float]] = {
    "circuit": (40.0, 70.0),
    "cross_country": (40.0, 80.0),
    "thermalling": (20.0, 30.0),
    "hover": (40.0, 70.0),
    "survey": (50.0, 90.0),
    "orbit": (60.0, 110.0),
    "firefighting": (47.0, 80.0),
}
"""Range (m/s) of each pattern's main speed when none is given: the downwind speed of a
circuit, the cruise of a transit, the circling speed of a glider, the transit speed of a
helicopter or fire-fighter, the line speed of a survey, the arc speed of an inspection."""

GA_ALT_M: dict[str, tuple[float, float]] = {
    "circuit": (0.0, 600.0),
    "cross_country": (500.0, 3000.0),
    "thermalling": (500.0, 3000.0),
    "hover": (150.0, 600.0),
    "survey": (500.0, 4000.0),
    "orbit": (0.0, 600.0),
    "firefighting": (0.0, 500.0),
}
"""Range (m above the ellipsoid) of each pattern's ``alt_m`` when none is given: the ground
(field, navaid, water surface) for ``circuit``, ``orbit`` and ``firefighting``, the starting
height for the others."""

_GEOD = Geod(ellps="WGS84")
_FD_STEP_S = 0.01
_RATE_ONE_RAD_S = math.radians(3.0)
_NM_M = 1852.0
_GLIDE_PATH_RAD = math.radians(3.0)
_TCH_M = 15.0


def fly_general_aviation(
    rng: np.random.Generator,
    pattern: str,
    lat_rad: float,
    lon_rad: float,
    *,
    t0_s: float,
    duration_s: float,
    speed_m_s: float | None = None,
    alt_m: float | None = None,
    dt_s: float = 1.0,
) -> Flight:
    """One general-aviation or aerial-work flight of a pattern (see the module docstring).

    Args:
        rng: the generator of every random choice (legs, turns, heights, speeds).
        pattern: one of ``GA_PATTERNS``.
        lat_rad, lon_rad: the reference point (rad): the runway's lift-off point
            (``circuit``), the navaid and ILS threshold (``orbit``), the water surface
            (``firefighting``, whose flight starts 4–5 km before it), else the start.
        t0_s: time of the first sample (s).
        duration_s: length of the flight (s), > 0.
        speed_m_s: the pattern's main speed (m/s, ``GA_SPEED_M_S``); default drawn there.
        alt_m: height above the ellipsoid (m, ``GA_ALT_M``) of the ground for ``circuit``,
            ``orbit`` and ``firefighting``, of the start for the others; default drawn there.
        dt_s: sampling interval (s).

    Returns:
        A :class:`Flight` sampled every ``dt_s`` from ``t0_s`` to ``t0_s + duration_s``.

    Raises:
        InputError: an unknown pattern, or a duration, step or speed that is not > 0.

    >>> import numpy as np
    >>> from iamd.geo.wgs84 import ecef_to_lla
    >>> f = fly_general_aviation(np.random.default_rng(0), "circuit", np.radians(42.7),
    ...                          np.radians(23.4), t0_s=0.0, duration_s=900.0, alt_m=550.0)
    >>> _, _, h = ecef_to_lla(f.pos_ecef_m)
    >>> round(float(h.min()), 1), bool(850.0 <= h.max() <= 1150.0)
    (550.0, True)
    """
    if pattern not in GA_PATTERNS:
        raise InputError(
            f"fly_general_aviation: pattern must be one of {', '.join(GA_PATTERNS)} "
            f"(got {pattern!r})"
        )
    for name, value in (("duration_s", duration_s), ("dt_s", dt_s), ("speed_m_s", speed_m_s)):
        if value is not None and not (math.isfinite(value) and value > 0.0):
            raise InputError(f"fly_general_aviation: {name} must be > 0 (got {value})")
    v_lo, v_hi = GA_SPEED_M_S[pattern]
    h_lo, h_hi = GA_ALT_M[pattern]
    v = float(rng.uniform(v_lo, v_hi)) if speed_m_s is None else float(speed_m_s)
    h = float(rng.uniform(h_lo, h_hi)) if alt_m is None else float(alt_m)
    plan = _BUILDERS[pattern](rng, v, h, float(duration_s) + 1.0)
    t = _sample_times(float(duration_s), dt_s)
    pos = _plan_ecef(plan, lat_rad, lon_rad, t)
    vel = (
        _plan_ecef(plan, lat_rad, lon_rad, t + _FD_STEP_S)
        - _plan_ecef(plan, lat_rad, lon_rad, t - _FD_STEP_S)
    ) / (2.0 * _FD_STEP_S)
    return Flight(t_s=t0_s + t, pos_ecef_m=pos, vel_ecef_m_s=vel)


def turn_radius_m(speed_m_s: float, bank_rad: float) -> float:
    """Radius of a coordinated level turn, v² / (g tan φ) (m).

    >>> round(turn_radius_m(50.0, math.radians(30.0)))
    442
    """
    return speed_m_s**2 / (G0_M_S2 * math.tan(bank_rad))


def rate_one_turn_rad_s(speed_m_s: float) -> float:
    """Turn rate of a rate-one turn: 3°/s, or a 25° bank if that is less (rad/s, PANS-OPS).

    >>> round(math.degrees(rate_one_turn_rad_s(60.0)), 2), round(math.degrees(
    ...     rate_one_turn_rad_s(150.0)), 2)
    (3.0, 1.75)
    """
    return min(_RATE_ONE_RAD_S, G0_M_S2 * math.tan(math.radians(25.0)) / max(speed_m_s, 1e-9))


# --------------------------------------------------------------------------- the planner


class _Plan:
    """A flight as kinematic segments in the local plane (w = north + i·east, m)."""

    def __init__(self, v: float, psi: float, h: float, w: complex = 0j) -> None:
        self.v, self.psi, self.h, self.w, self.t = v, psi, h, w, 0.0
        self.rows: list[tuple[float, complex, float, float, float, float, float, float]] = []

    def _add(self, dur: float, accel: float, omega: float, climb: float) -> None:
        if not dur > 0.0:
            return
        self.rows.append((self.t, self.w, self.psi, self.v, accel, omega, self.h, climb))
        self.w += complex(_displacement(self.psi, self.v, accel, omega, dur))
        self.psi += omega * dur
        self.v = max(self.v + accel * dur, 0.0)
        self.h += climb * dur
        self.t += dur

    def _climb(self, dur: float, climb: float, h_end: float | None) -> float:
        return climb if h_end is None or dur <= 0.0 else (h_end - self.h) / dur

    def straight(
        self,
        dist_m: float,
        *,
        v_end: float | None = None,
        climb: float = 0.0,
        h_end: float | None = None,
    ) -> None:
        """A straight of ``dist_m``, the speed ramping linearly in time to ``v_end``."""
        v1 = self.v if v_end is None else v_end
        dur = 2.0 * dist_m / max(self.v + v1, 1e-9)
        self._add(dur, (v1 - self.v) / dur if dur > 0 else 0.0, 0.0, self._climb(dur, climb, h_end))

    def hold(self, dur_s: float, *, climb: float = 0.0, h_end: float | None = None) -> None:
        """Straight on at the present speed for ``dur_s`` (a hover if the speed is 0)."""
        self._add(dur_s, 0.0, 0.0, self._climb(dur_s, climb, h_end))

    def accelerate(
        self, v_end: float, accel_m_s2: float, *, climb: float = 0.0, h_end: float | None = None
    ) -> None:
        """Straight, changing speed to ``v_end`` at ``accel_m_s2`` (> 0)."""
        dur = abs(v_end - self.v) / accel_m_s2
        self._add(dur, (v_end - self.v) / dur if dur > 0 else 0.0, 0.0,
                  self._climb(dur, climb, h_end))  # fmt: skip

    def turn(
        self, angle_rad: float, rate_rad_s: float, *, climb: float = 0.0, h_end: float | None = None
    ) -> None:
        """A turn through ``angle_rad`` (> 0 right) at ``rate_rad_s`` (> 0), constant speed."""
        dur = abs(angle_rad) / rate_rad_s
        self._add(dur, 0.0, math.copysign(rate_rad_s, angle_rad), self._climb(dur, climb, h_end))

    def dubins_to(self, w_goal: complex, psi_goal: float, radius_m: float, h_end: float) -> None:
        """The shortest turn–straight–turn path to ``w_goal`` on ``psi_goal``, the height
        changing at a constant rate to ``h_end``."""
        a1, ell, a2 = _dubins(self.w, self.psi, w_goal, psi_goal, radius_m)
        dur = (radius_m * (abs(a1) + abs(a2)) + ell) / max(self.v, 1e-9)
        climb = (h_end - self.h) / dur if dur > 0 else 0.0
        rate = self.v / radius_m
        self.turn(a1, rate, climb=climb)
        self.straight(ell, climb=climb)
        self.turn(a2, rate, climb=climb)

    def reverse(self, spacing_m: float, radius_m: float, side: float) -> None:
        """A 180° turn onto the parallel line ``spacing_m`` to the ``side`` (+1 right, -1
        left): two 90° turns and a straight, or a bulb turn if the lines are closer than a
        turn diameter (away by α, then back through 180° + α, 2 r cos α = spacing)."""
        rate = self.v / radius_m
        if spacing_m >= 2.0 * radius_m:
            self.turn(side * 0.5 * math.pi, rate)
            self.straight(spacing_m - 2.0 * radius_m)
            self.turn(side * 0.5 * math.pi, rate)
        else:
            alpha = math.acos(spacing_m / (2.0 * radius_m))
            self.turn(-side * alpha, rate)
            self.turn(side * (math.pi + alpha), rate)


def _displacement(
    psi: npt.ArrayLike, v0: npt.ArrayLike, accel: npt.ArrayLike, omega: npt.ArrayLike,
    tau: npt.ArrayLike,
) -> npt.NDArray[np.complex128]:  # fmt: skip
    """w(τ) − w(0) of a segment (north + i·east, m): a straight with constant acceleration
    (ω = 0) or a turn at constant speed."""
    psi_a, v_a, a_a, om_a, tau_a = (np.asarray(x, dtype=np.float64)
                                    for x in (psi, v0, accel, omega, tau))  # fmt: skip
    head = np.exp(1j * psi_a)
    turning = om_a != 0.0
    om_safe = np.where(turning, om_a, 1.0)
    x = om_a * tau_a
    expm1 = -2.0 * np.sin(0.5 * x) ** 2 + 1j * np.sin(x)  # e^{ix} − 1 without cancellation
    arc = v_a * head * expm1 / (1j * om_safe)
    line = head * (v_a * tau_a + 0.5 * a_a * tau_a * tau_a)
    return np.asarray(np.where(turning, arc, line), dtype=np.complex128)


def _plan_ecef(plan: _Plan, lat0: float, lon0: float, t: FloatArray) -> FloatArray:
    """ECEF positions (k, 3) of the plan at times t (k,) from its start (s)."""
    rows = plan.rows
    t0 = np.array([r[0] for r in rows])
    k = np.clip(np.searchsorted(t0, t, side="right") - 1, 0, len(rows) - 1)
    w0 = np.array([r[1] for r in rows])[k]
    psi, v0, acc, om, h0, climb = (np.array([r[i] for r in rows])[k] for i in range(2, 8))
    tau = t - t0[k]
    w = w0 + _displacement(psi, v0, acc, om, tau)
    h = h0 + climb * tau
    scale = R_MEAN_M / (R_MEAN_M + h)
    lon, lat, _ = _GEOD.fwd(
        np.full(t.shape, lon0), np.full(t.shape, lat0), np.arctan2(w.imag, w.real),
        np.abs(w) * scale, radians=True,
    )  # fmt: skip
    return lla_to_ecef(np.asarray(lat), np.asarray(lon), h)


def _ccw(x: float) -> float:
    """x mod 2π in [0, 2π), with angles a hair below 2π taken as 0."""
    y = x % (2.0 * math.pi)
    return 0.0 if y > 2.0 * math.pi - 1e-9 else y


def _dubins(
    w0: complex, psi0: float, w1: complex, psi1: float, r: float
) -> tuple[float, float, float]:
    """Shortest CSC Dubins path (turn, straight, turn) between two poses at turn radius r.

    Poses are w = north + i·east (m) and headings clockwise from north (rad); returns the two
    turn angles (> 0 right) and the straight's length (m)."""
    x0, y0, x1, y1 = w0.imag, w0.real, w1.imag, w1.real  # east, north
    th0, th1 = 0.5 * math.pi - psi0, 0.5 * math.pi - psi1  # counter-clockwise from east
    best: tuple[float, float, float, float] | None = None
    for s1 in (1.0, -1.0):  # +1 left (counter-clockwise), -1 right
        for s2 in (1.0, -1.0):
            c1x, c1y = x0 - r * s1 * math.sin(th0), y0 + r * s1 * math.cos(th0)
            c2x, c2y = x1 - r * s2 * math.sin(th1), y1 + r * s2 * math.cos(th1)
            dist = math.hypot(c2x - c1x, c2y - c1y)
            phi = math.atan2(c2y - c1y, c2x - c1x)
            if s1 == s2:
                ell, ths = dist, phi
            elif dist >= 2.0 * r:
                ell = math.sqrt(dist * dist - 4.0 * r * r)
                ths = phi + math.atan2(2.0 * r * s1, ell)
            else:
                continue
            a1 = s1 * _ccw(s1 * (ths - th0))
            a2 = s2 * _ccw(s2 * (th1 - ths))
            length = r * (abs(a1) + abs(a2)) + ell
            if best is None or length < best[0]:
                best = (length, -a1, ell, -a2)  # heading turns: clockwise positive
    assert best is not None  # the outer tangents always exist
    return best[1], best[2], best[3]


# --------------------------------------------------------------------------- the patterns


def _side(rng: np.random.Generator) -> float:
    return float(rng.choice([-1.0, 1.0]))


def _circuit(rng: np.random.Generator, v: float, h0: float, total_s: float) -> _Plan:
    bank = math.radians(float(rng.uniform(20.0, 30.0)))
    side = _side(rng)  # -1 left-hand circuit, +1 right-hand
    va = 0.8 * v
    height = float(rng.uniform(300.0, 600.0))
    r, ra = turn_radius_m(v, bank), turn_radius_m(va, bank)
    width = max(float(rng.uniform(1200.0, 2500.0)), 2.0 * r + 200.0)
    final = float(rng.uniform(1500.0, 3500.0))
    roll = float(rng.uniform(300.0, 700.0))
    c_target = float(rng.uniform(2.0, 4.0))
    p = _Plan(va, float(rng.uniform(0.0, 2.0 * math.pi)), h0)
    lift_off_x = 0.0  # along the runway from the touchdown point (m)
    while p.t < total_s:
        rest_s = (math.pi * r + width - 2.0 * r) / v  # crosswind turns and leg at v
        upwind = max(300.0, (height / c_target - rest_s) * 0.5 * (va + v))
        climb = height / (2.0 * upwind / (va + v) + rest_s)
        p.straight(upwind, v_end=v, climb=climb)
        p.turn(side * 0.5 * math.pi, v / r, climb=climb)
        p.straight(width - 2.0 * r, climb=climb)
        p.turn(side * 0.5 * math.pi, v / r, h_end=h0 + height)
        downwind = lift_off_x + upwind + final  # the base turn starts `final` before touchdown
        slow = min((v * v - va * va) / (2.0 * 0.7), 0.8 * downwind)
        p.straight(downwind - slow)
        p.straight(slow, v_end=va)
        descent = -height / ((math.pi * ra + width - 2.0 * ra + final) / va)
        p.turn(side * 0.5 * math.pi, va / ra, climb=descent)
        p.straight(width - 2.0 * ra, climb=descent)
        p.turn(side * 0.5 * math.pi, va / ra, climb=descent)
        p.straight(final, h_end=h0)
        p.straight(roll)  # touch-and-go
        lift_off_x = roll
    return p


def _cross_country(rng: np.random.Generator, v: float, h: float, total_s: float) -> _Plan:
    lo, hi = GA_ALT_M["cross_country"]
    v_lo, v_hi = GA_SPEED_M_S["cross_country"]
    p = _Plan(v, float(rng.uniform(0.0, 2.0 * math.pi)), h)
    while p.t < total_s:
        leg = float(rng.uniform(5e3, 40e3))
        v_leg = float(np.clip(v * rng.uniform(0.93, 1.07), min(v, v_lo), max(v, v_hi)))
        if rng.random() < 0.4:
            h_new = float(rng.uniform(lo, hi))
            rate = float(rng.uniform(1.0, 3.0))
            dist = min(abs(h_new - p.h) / rate * 0.5 * (p.v + v_leg), leg)
            p.straight(dist, v_end=v_leg, climb=math.copysign(rate, h_new - p.h))
            p.straight(leg - dist)
        else:
            p.straight(leg, v_end=v_leg)
        p.turn(_side(rng) * math.radians(float(rng.uniform(15.0, 120.0))),
               rate_one_turn_rad_s(p.v))  # fmt: skip
    return p


def _thermalling(rng: np.random.Generator, vc: float, h: float, total_s: float) -> _Plan:
    lo, hi = GA_ALT_M["thermalling"]
    p = _Plan(vc, float(rng.uniform(0.0, 2.0 * math.pi)), h)
    circling = bool(rng.random() < 0.5)
    while p.t < total_s:
        if (circling and p.h < hi - 100.0) or p.h <= lo + 50.0:
            radius = float(rng.uniform(100.0, 200.0))
            climb = float(rng.uniform(1.0, 4.0))
            top = min(hi, p.h + float(rng.uniform(300.0, 1500.0)))
            p.accelerate(vc, 1.0)
            p.turn(_side(rng) * vc / radius * (top - p.h) / climb, vc / radius, climb=climb)
        else:
            vg = float(rng.uniform(max(25.0, vc), 45.0))
            sink = float(rng.uniform(1.0, 2.0))
            floor = max(lo, p.h - float(rng.uniform(300.0, 1500.0)))
            p.accelerate(vg, 1.0, climb=-sink)
            turns = [math.radians(float(rng.uniform(10.0, 60.0))) * _side(rng)
                     for _ in range(int(rng.integers(0, 3)))]  # fmt: skip
            straight_s = (p.h - floor) / sink - sum(abs(a) for a in turns) / 0.1
            piece_s = max(straight_s, 0.0) / (len(turns) + 1)
            for a in turns:
                p.hold(piece_s, climb=-sink)
                p.turn(a, 0.1, climb=-sink)
            p.hold(piece_s, h_end=floor)
        circling = not circling
    return p


def _hover(rng: np.random.Generator, v: float, h: float, total_s: float) -> _Plan:
    lo, hi = GA_ALT_M["hover"]
    p = _Plan(v, float(rng.uniform(0.0, 2.0 * math.pi)), h)
    while p.t < total_s:
        leg = float(rng.uniform(2e3, 15e3))
        dh = float(rng.uniform(lo, hi)) - p.h if rng.random() < 0.5 else 0.0
        dh = float(np.clip(dh, -2.0 * leg / p.v, 2.0 * leg / p.v))
        p.straight(leg, h_end=p.h + dh)
        if rng.random() < 0.6:  # hover or near-hover
            decel = float(rng.uniform(1.0, 2.0))
            p.accelerate(float(rng.uniform(0.0, 3.0)), decel)
            for _ in range(int(rng.integers(1, 4))):
                dur = float(rng.uniform(10.0, 120.0))
                h_new = float(np.clip(p.h + rng.uniform(-0.5, 0.5) * dur, lo, hi))
                p.hold(dur, h_end=h_new)
                p.turn(_side(rng) * math.radians(float(rng.uniform(30.0, 180.0))), 0.2)
            p.accelerate(v, decel)
        else:  # slow orbit around a point
            vo = float(rng.uniform(15.0, 30.0))
            radius = float(rng.uniform(300.0, 1000.0))
            p.accelerate(vo, 1.0)
            p.turn(_side(rng) * 2.0 * math.pi * float(rng.uniform(1.0, 3.0)), vo / radius)
            p.accelerate(v, 1.0)
        p.turn(_side(rng) * math.radians(float(rng.uniform(20.0, 150.0))),
               rate_one_turn_rad_s(p.v))  # fmt: skip
    return p


def _survey(rng: np.random.Generator, v: float, h: float, total_s: float) -> _Plan:
    line = float(rng.uniform(10e3, 40e3))
    spacing = float(np.exp(rng.uniform(math.log(300.0), math.log(4000.0))))
    radius = turn_radius_m(v, math.radians(float(rng.uniform(20.0, 30.0))))
    side = _side(rng)
    p = _Plan(v, float(rng.uniform(0.0, 2.0 * math.pi)), h)
    while p.t < total_s:
        p.straight(line)
        p.reverse(spacing, radius, side)
        side = -side
    return p


def _glide_path_height(h0: float, dist_m: float) -> float:
    return h0 + _TCH_M + dist_m * math.tan(_GLIDE_PATH_RAD)


def _orbit(rng: np.random.Generator, v: float, h0: float, total_s: float) -> _Plan:
    radius = turn_radius_m(v, math.radians(25.0))
    runway = float(rng.uniform(0.0, 2.0 * math.pi))
    va = min(v, float(rng.uniform(60.0, 75.0)))
    faf = 10.0 * _NM_M
    dh_dist = (60.0 - _TCH_M) / math.tan(_GLIDE_PATH_RAD)  # decision height 60 m
    h_arc = h0 + float(rng.uniform(600.0, 3000.0))
    arc_r = float(rng.uniform(10.0, 25.0)) * _NM_M
    bearing = float(rng.uniform(0.0, 2.0 * math.pi))
    sense = _side(rng)
    p = _Plan(v, bearing + sense * 0.5 * math.pi, h_arc, arc_r * complex(math.cos(bearing),
              math.sin(bearing)))  # fmt: skip
    arc = True
    while p.t < total_s:
        if arc:
            p.turn(sense * math.radians(float(rng.uniform(60.0, 270.0))), v / arc_r)
        else:  # ILS run: intercept, 3° glide path to 60 m, go-around
            h_faf = _glide_path_height(h0, faf)
            intercept = faf + max(float(rng.uniform(3e3, 8e3)), abs(p.h - h_faf) / 5.0 * v)
            p.dubins_to(-intercept * complex(math.cos(runway), math.sin(runway)), runway,
                        radius, p.h)  # fmt: skip
            p.straight(intercept - faf, v_end=va, h_end=h_faf)
            p.straight(faf - dh_dist, h_end=h0 + 60.0)
            climb = float(rng.uniform(5.0, 8.0))
            gain_s = float(rng.uniform(300.0, 600.0)) / climb
            p.straight(gain_s * 0.5 * (va + v), v_end=v, climb=climb)
        arc = bool(rng.random() < (0.3 if arc else 0.5))  # arcs and ILS runs alternate mostly
        if arc:  # to the start of the next arc, the height changing at 6 m/s at most
            arc_r = float(rng.uniform(10.0, 25.0)) * _NM_M
            bearing = float(rng.uniform(0.0, 2.0 * math.pi))
            sense = _side(rng)
            start = arc_r * complex(math.cos(bearing), math.sin(bearing))
            a1, ell, a2 = _dubins(p.w, p.psi, start, bearing + sense * 0.5 * math.pi, radius)
            dur = (radius * (abs(a1) + abs(a2)) + ell) / v
            h_next = p.h + float(np.clip(h_arc - p.h, -6.0 * dur, 6.0 * dur))
            p.dubins_to(start, bearing + sense * 0.5 * math.pi, radius, h_next)
    return p


def _firefighting(rng: np.random.Generator, v: float, h0: float, total_s: float) -> _Plan:
    radius = turn_radius_m(v, math.radians(30.0))
    vs = 0.85 * v
    approach = 4000.0
    psi_s = float(rng.uniform(0.0, 2.0 * math.pi))
    scoop = float(rng.uniform(1000.0, 2000.0))
    h_scoop = h0 + float(rng.uniform(10.0, 30.0))
    fire_dist = float(rng.uniform(3e3, 20e3))
    fire_az = float(rng.uniform(0.0, 2.0 * math.pi))
    fire_ground = h0 + float(rng.uniform(0.0, 300.0))
    psi_d = float(rng.uniform(0.0, 2.0 * math.pi))
    drop = float(rng.uniform(800.0, 1500.0))
    h_drop = fire_ground + float(rng.uniform(50.0, 100.0))
    h_transit = fire_ground + float(rng.uniform(150.0, 500.0))
    u_s, u_d = complex(math.cos(psi_s), math.sin(psi_s)), complex(math.cos(psi_d), math.sin(psi_d))
    scoop_in = -(0.5 * scoop + approach) * u_s
    drop_in = (
        fire_dist * complex(math.cos(fire_az), math.sin(fire_az)) - (0.5 * drop + approach) * u_d
    )
    p = _Plan(v, psi_s, h_transit, scoop_in)
    while p.t < total_s:
        p.straight(approach, v_end=vs, h_end=h_scoop)
        p.straight(scoop)
        p.straight(2000.0, v_end=v, h_end=h_scoop + float(rng.uniform(100.0, 200.0)))
        p.dubins_to(drop_in, psi_d, radius, h_transit)
        p.straight(approach, v_end=vs, h_end=h_drop)
        p.straight(drop)
        p.straight(2000.0, v_end=v, h_end=h_drop + float(rng.uniform(100.0, 200.0)))
        p.dubins_to(scoop_in, psi_s, radius, h_transit)
    return p


_BUILDERS: dict[str, Callable[[np.random.Generator, float, float, float], _Plan]] = {
    "circuit": _circuit,
    "cross_country": _cross_country,
    "thermalling": _thermalling,
    "hover": _hover,
    "survey": _survey,
    "orbit": _orbit,
    "firefighting": _firefighting,
}
