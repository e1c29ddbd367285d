"""Predicted future positions of tracks, for the engagement stage's look-ahead window.

A track's estimated ECEF state is extrapolated to every time of the window at once:

- **Constant velocity** for air-breathing tracks: ``r(τ) = r + v τ``.
- **Ballistic** for ballistic-missile tracks: an unpowered body under point-mass gravity, in
  closed form. The ECEF state is taken to an inertial frame aligned with ECEF at the track's
  time (``v_i = v + Ω × r``), propagated by Kepler's two-body solution in universal variables
  with Lagrange coefficients (Curtis, *Orbital Mechanics for Engineering Students*, 3rd ed.,
  algorithms 3.3–3.4; Vallado, *Fundamentals of Astrodynamics and Applications*, 4th ed.,
  algorithm 8), and rotated back by the Earth's turn ``-Ω τ``. It is the exact solution of
  the tracker's ECEF ballistic model (gravity with the Coriolis and centrifugal terms,
  `iamd.track.filters.ballistic_predict`) and needs no time stepping, so a window of H times
  for M tracks is one array operation. Drag is ignored: a re-entering warhead slows in the
  last tens of kilometres, so predictions of the final seconds run slightly ahead.

>>> import numpy as np
>>> from iamd.geo.wgs84 import lla_to_ecef
>>> r0 = lla_to_ecef(0.0, 0.0, 100e3).reshape(1, 3)
>>> v0 = np.array([[0.0, 0.0, 0.0]])
>>> p = predict_positions(np.hstack([r0, v0]), np.array([True]), np.array([0.0, 10.0]))
>>> round(float(np.linalg.norm(r0) - np.linalg.norm(p[0, 1])), 1)   # fell ~ g t² / 2
473.2
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt

from iamd.geo.wgs84 import GM_M3_S2, OMEGA_RAD_S
from iamd.track.filters import cross3

FloatArray = npt.NDArray[np.float64]
BoolArray = npt.NDArray[np.bool_]

_NEWTON_ITERATIONS = 12
_SERIES_Z = 1e-2


def predict_positions(state: FloatArray, ballistic: BoolArray, tau_s: FloatArray) -> FloatArray:
    """ECEF positions ``(M, H, 3)`` of M tracks ``τ`` seconds after their state.

    Args:
        state: (M, 6) ECEF position and velocity (m, m/s).
        ballistic: (M,) propagate under gravity (else constant velocity).
        tau_s: (H,) or (M, H) times after the state (s, ≥ 0).
    """
    state = np.asarray(state, dtype=np.float64)
    tau = np.broadcast_to(np.asarray(tau_s, dtype=np.float64), (len(state), np.shape(tau_s)[-1]))
    out = state[:, None, :3] + state[:, None, 3:] * tau[..., None]
    b = np.flatnonzero(ballistic)
    if len(b):
        out[b] = kepler_ecef(state[b, :3], state[b, 3:], tau[b])
    return out


def kepler_ecef(pos_ecef_m: FloatArray, vel_ecef_m_s: FloatArray, tau_s: FloatArray) -> FloatArray:
    """Two-body positions ``(M, H, 3)`` in ECEF of bodies at ``pos (M, 3)``, ``vel (M, 3)``
    (ECEF, m and m/s) after ``tau_s (M, H)`` seconds (point-mass gravity, Earth rotation).

    >>> import numpy as np
    >>> r = np.array([[6.778e6, 0.0, 0.0]])            # a circular orbit, 400 km up
    >>> v_circ = np.sqrt(GM_M3_S2 / 6.778e6)
    >>> v = np.array([[0.0, v_circ - OMEGA_RAD_S * 6.778e6, 0.0]])   # as seen in ECEF
    >>> p = kepler_ecef(r, v, np.array([[600.0]]))
    >>> round(float(np.linalg.norm(p[0, 0])) - 6.778e6, 3)   # stays on the circle
    0.0
    """
    omega = np.array([0.0, 0.0, OMEGA_RAD_S])
    r0 = np.asarray(pos_ecef_m, dtype=np.float64)
    v0 = np.asarray(vel_ecef_m_s, dtype=np.float64) + cross3(omega, r0)  # inertial velocity
    t = np.asarray(tau_s, dtype=np.float64)
    mu = GM_M3_S2
    sqmu = np.sqrt(mu)
    r0n = np.linalg.norm(r0, axis=-1)[:, None]  # (M, 1)
    vr0 = (np.sum(r0 * v0, axis=-1) / r0n[:, 0])[:, None]
    alpha = 2.0 / r0n - np.sum(v0 * v0, axis=-1)[:, None] / mu  # 1 / semi-major axis
    a1 = r0n * vr0 / sqmu
    a2 = 1.0 - alpha * r0n
    # Newton's method on the universal Kepler equation, from Chobotov's first guess.
    chi = sqmu * np.abs(alpha) * t
    chi = np.where(np.abs(alpha) * r0n > 1e-6, chi, sqmu * t / r0n)
    for _ in range(_NEWTON_ITERATIONS):
        z = alpha * chi * chi
        c, s = _stumpff(z)
        f = a1 * chi * chi * c + a2 * chi**3 * s + r0n * chi - sqmu * t
        df = a1 * chi * (1.0 - z * s) + a2 * chi * chi * c + r0n
        step = f / df
        chi = chi - step
        if not np.any(np.abs(step) > 1e-9 * (1.0 + np.abs(chi))):
            break
    z = alpha * chi * chi
    c, s = _stumpff(z)
    f_lag = 1.0 - chi * chi / r0n * c
    g_lag = t - chi**3 / sqmu * s
    r_i = f_lag[..., None] * r0[:, None, :] + g_lag[..., None] * v0[:, None, :]
    theta = -OMEGA_RAD_S * t  # inertial -> ECEF: rotate by the Earth's turn
    ct, st = np.cos(theta), np.sin(theta)
    out = np.empty_like(r_i)
    out[..., 0] = ct * r_i[..., 0] - st * r_i[..., 1]
    out[..., 1] = st * r_i[..., 0] + ct * r_i[..., 1]
    out[..., 2] = r_i[..., 2]
    return out


def _stumpff(z: FloatArray) -> tuple[FloatArray, FloatArray]:
    """Stumpff functions ``C(z)``, ``S(z)`` (series near 0, circular or hyperbolic forms).

    Each form is evaluated only on its own elements (all of them at once when every ``z`` is
    in the circular range, the usual case of a look-ahead away from its start), so an element
    gets the same bits whichever form its neighbours need."""
    ell = z >= _SERIES_Z
    if ell.all():
        sq = np.sqrt(z)
        return (1.0 - np.cos(sq)) / z, (sq - np.sin(sq)) / (sq * z)
    hyp = z <= -_SERIES_Z
    c, s = np.empty_like(z), np.empty_like(z)
    mid = ~(ell | hyp)
    zm = z[mid]
    c[mid] = 0.5 - zm / 24.0 + zm * zm / 720.0 - zm**3 / 40320.0
    s[mid] = 1.0 / 6.0 - zm / 120.0 + zm * zm / 5040.0 - zm**3 / 362880.0
    if ell.any():
        ze = z[ell]
        sq = np.sqrt(ze)
        c[ell] = (1.0 - np.cos(sq)) / ze
        s[ell] = (sq - np.sin(sq)) / (sq * ze)
    if hyp.any():
        zh = -z[hyp]
        sq = np.sqrt(zh)
        c[hyp] = (np.cosh(sq) - 1.0) / zh
        s[hyp] = (np.sinh(sq) - sq) / (sq * zh)
    return c, s
