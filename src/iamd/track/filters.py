"""Batched Kalman and IMM filtering of a 6-state Cartesian model, over stacks of tracks.

A track state is ``[x, y, z, vx, vy, vz]`` (m, m/s) in one Cartesian frame, either a local
frame whose z axis is up (``frame="local"``) or ECEF (``frame="ecef"``); a stack of n tracks is
``state (n, 6)`` and ``covar (n, 6, 6)``, and every kernel here works on whole stacks (any
leading shape), never one track at a time. Sources:

- **Constant velocity** with continuous white-noise acceleration (CWNA): Bar-Shalom, Li
  and Kirubarajan, *Estimation with Applications to Tracking and Navigation* (2001), §6.2.2.
  Each axis is ``ẍ = w̃`` with ``w̃`` white of power spectral density q (m²/s³); its exact
  discretisation over a step T is ``F = [[1, T], [0, 1]]`` and
  ``Q = q [[T³/3, T²/2], [T²/2, T]]``. Because the noise is defined in continuous time, one q
  holds at any revisit time, and two predictions of T/2 equal one of T exactly. The
  discretised white-noise acceleration of §6.3.2 (a constant acceleration of variance σ²
  over each step, ``Q = σ² [[T⁴/4, T³/2], [T³/2, T²]]``) has neither property: its σ is tuned
  for one sampling period, and two half steps give half its velocity variance. The
  velocity variance grows by ``qT`` per step, so ``q = σ²`` reproduces at T = 1 s the
  velocity variance per second of a DWNA σ.
- **Coordinated turn** (nearly constant turn rate ω about the local vertical), the fixed-rate
  model of Bar-Shalom et al. §11.7, written for a turn about any unit axis u (Rodrigues'
  rotation), so that the same kernel turns in the horizontal plane of a local frame
  (u = z axis) or about the geocentric vertical in ECEF. The rate is either fixed in the
  model or given per track (the tracker estimates it from the velocity history; Blackman
  and Popoli, *Design and Analysis of Modern Tracking Systems* (1999), discuss turn rates
  computed from the estimated velocity and acceleration).
- **Ballistic**: constant velocity plus the acceleration of an unpowered body as a known
  input, evaluated at the start of the step (`ballistic_acceleration`). In a local frame it
  is the constant ``(0, 0, -g0)`` and the prediction is exact; in ECEF it is point-mass
  gravity ``-μ r / |r|³`` with the Coriolis and centrifugal terms of the rotating frame, and
  the covariance propagates as for constant velocity (see `ballistic_predict` for what this
  neglects).
- **Update**: positions measured linearly (``H = [I₃ 0]``) with a per-plot covariance
  ``R (n, 3, 3)``; Joseph-form covariance update (Bar-Shalom et al. ch. 5), stable
  for very small or very large variances (a 2-D plot given as ``z = 0`` with a tiny or huge z
  variance). The 3 × 3 innovation covariances are factored by a closed-form, vectorised
  Cholesky decomposition.
- **IMM** (interacting multiple model, Bar-Shalom et al. §11.6.6): mixing, model-matched
  prediction and update, model-probability update and combination, vectorised over tracks
  with the models on an axis: ``model_state (n, r, 6)``, ``model_covar (n, r, 6, 6)``,
  ``model_prob (n, r)``. The constant-velocity and ballistic models of a bank share one
  linear transition, so `imm_predict_models` steps them all in one block-wise pass.
- Radar plots: the covariance of a range/azimuth/elevation measurement converted to
  Cartesian coordinates, linearised (Lerro and Bar-Shalom, "Tracking with debiased consistent
  converted measurements versus EKF", IEEE TAES 29(3), 1993, without the debiasing).

Covariances are symmetrised after every operation and stay symmetric positive semidefinite.

>>> import numpy as np
>>> x = np.array([[0.0, 0, 0, 100.0, 0, 0]])
>>> p = np.diag([100.0, 100, 100, 25, 25, 25])[None]
>>> xp, pp = cv_predict(x, p, 1.0, q_m2_s3=1.0)
>>> xp[0, :4].tolist(), round(float(pp[0, 0, 0]), 2)
([100.0, 0.0, 0.0, 100.0], 125.33)
>>> up = kf_update(xp, pp, np.array([[110.0, 0, 0]]), 100.0 * np.eye(3)[None])
>>> round(float(up.state[0, 0]), 3), round(float(up.nis[0]), 4)
(105.562, 0.4438)
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Literal, NamedTuple

import numpy as np
import numpy.typing as npt

from iamd.geo.wgs84 import GM_M3_S2, OMEGA_RAD_S, enu_rotation

if TYPE_CHECKING:
    from iamd.sense.radar import Plots, SensorArray

FloatArray = npt.NDArray[np.float64]
ArrayLike = npt.ArrayLike

G0_M_S2 = 9.80665
"""Standard gravity (m/s²), the local-frame ballistic model's constant gravity."""
LOG_2PI = float(np.log(2.0 * np.pi))

ModelKind = Literal["cv", "ct", "ballistic"]
Frame = Literal["local", "ecef"]


@dataclass(frozen=True, slots=True, kw_only=True)
class MotionModel:
    """One motion model of a filter or an IMM.

    Attributes:
        kind: ``cv`` (constant velocity), ``ct`` (coordinated turn) or ``ballistic``.
        q_m2_s3: power spectral density q of the continuous white-noise acceleration (CWNA)
            per axis, m²/s³ (Bar-Shalom et al. §6.2.2); the same value holds at any revisit
            time. Over a step T the velocity variance grows by ``qT``.
        turn_rate_rad_s: ``ct`` only: a fixed turn rate (positive turns counter-clockwise
            about the vertical), or None to use each track's estimated rate.
    """

    kind: ModelKind
    q_m2_s3: float
    turn_rate_rad_s: float | None = None


class KalmanUpdate(NamedTuple):
    """Result of a batched Kalman update.

    Attributes:
        state: (..., 6) updated states.
        covar: (..., 6, 6) updated covariances (Joseph form).
        nis: (...) normalised innovation squared ``ν' S⁻¹ ν``.
        log_lik: (...) log-likelihood ``ln N(ν; 0, S)`` of the measurement.
    """

    state: FloatArray
    covar: FloatArray
    nis: FloatArray
    log_lik: FloatArray


class ImmPrediction(NamedTuple):
    """IMM prediction of n tracks over r models.

    Attributes:
        model_state: (n, r, 6) model-matched predicted states.
        model_covar: (n, r, 6, 6) model-matched predicted covariances.
        model_prob: (n, r) predicted model probabilities ``c̄_j``.
        state: (n, 6) combined predicted state (for gating).
        covar: (n, 6, 6) combined predicted covariance.
    """

    model_state: FloatArray
    model_covar: FloatArray
    model_prob: FloatArray
    state: FloatArray
    covar: FloatArray


class ImmUpdate(NamedTuple):
    """IMM update of n tracks over r models.

    Attributes:
        model_state, model_covar, model_prob: (n, r, 6), (n, r, 6, 6), (n, r) model-matched
            posteriors and posterior model probabilities.
        state, covar: (n, 6), (n, 6, 6) combined estimate.
        log_lik: (n,) log-likelihood of the measurement under the model mixture.
    """

    model_state: FloatArray
    model_covar: FloatArray
    model_prob: FloatArray
    state: FloatArray
    covar: FloatArray
    log_lik: FloatArray


# --------------------------------------------------------------------------- process models


def cwna_process_noise(dt_s: ArrayLike, q_m2_s3: ArrayLike) -> FloatArray:
    """Process noise ``Q (..., 6, 6)`` of the continuous white-noise acceleration model.

    Bar-Shalom et al. (2001) §6.2.2: for ``ẍ = w̃`` with w̃ white of power spectral density q,
    ``Q = ∫₀ᵀ F(τ) G q G' F(τ)' dτ`` with ``F(τ) = [[1, τ], [0, 1]]`` and ``G = [0, 1]'``,
    which is, per axis, ``Q = q [[T³/3, T²/2], [T²/2, T]]``; the three axes are independent.
    ``dt_s`` and ``q_m2_s3`` broadcast together.

    >>> q = cwna_process_noise(3.0, 2.0)
    >>> float(q[0, 0]), float(q[0, 3]), float(q[3, 3]), float(q[0, 1])
    (18.0, 9.0, 6.0, 0.0)
    >>> cwna_process_noise(np.array([1.0, 2.0]), np.array([[1.0], [4.0]])).shape
    (2, 2, 6, 6)
    """
    t, q = np.broadcast_arrays(
        np.asarray(dt_s, dtype=np.float64), np.asarray(q_m2_s3, dtype=np.float64)
    )
    out = np.zeros((*t.shape, 6, 6))
    _add_cwna(out, t, q)
    return out


def cv_predict(
    state: FloatArray, covar: FloatArray, dt_s: ArrayLike, *, q_m2_s3: ArrayLike
) -> tuple[FloatArray, FloatArray]:
    """Constant-velocity prediction of ``state (..., 6)``, ``covar (..., 6, 6)`` by ``dt_s``.

    ``dt_s`` and ``q_m2_s3`` are scalars or broadcast with the leading shape of ``state``.
    ``F = [[I, T I], [0, I]]`` is applied block-wise (no 6 × 6 products); Q is the CWNA of
    `cwna_process_noise` (Bar-Shalom et al. §6.2.2).

    >>> x, p = cv_predict(np.array([[1.0, 2, 3, 10, 20, 30]]), np.eye(6)[None], 0.5,
    ...                   q_m2_s3=0.0)
    >>> x[0].tolist(), float(p[0, 0, 0]), float(p[0, 0, 3])
    ([6.0, 12.0, 18.0, 10.0, 20.0, 30.0], 1.25, 0.5)
    """
    t = np.asarray(dt_s, dtype=np.float64)
    x = np.array(state, dtype=np.float64)
    x[..., :3] += t[..., None] * state[..., 3:]
    return x, _cv_covar(covar, t, np.asarray(q_m2_s3, dtype=np.float64))


def ct_transition(dt_s: ArrayLike, turn_rate_rad_s: ArrayLike, up_unit: ArrayLike) -> FloatArray:
    """Transition matrices ``F (..., 6, 6)`` of a coordinated turn at rate ω about ``up_unit``.

    Velocity rotates by ``θ = ωT`` about the unit axis u (Rodrigues):
    ``v' = [cos θ I + sin θ [u]× + (1 - cos θ) uu'] v`` and position advances by the integral
    of that rotation, ``p' = p + [sin θ/ω I + (1 - cos θ)/ω [u]× + (T - sin θ/ω) uu'] v``.
    With u = z this is the coordinated-turn model of Bar-Shalom et al. §11.7; at ω → 0 it
    tends smoothly to constant velocity. Positive ω turns counter-clockwise seen from above.

    >>> f = ct_transition(1.0, np.pi / 2, [0.0, 0.0, 1.0])
    >>> np.round(f @ np.array([0.0, 0, 0, 1, 0, 0]), 6).tolist()
    [0.63662, 0.63662, 0.0, 0.0, 1.0, 0.0]
    """
    t = np.asarray(dt_s, dtype=np.float64)
    w = np.asarray(turn_rate_rad_s, dtype=np.float64)
    u = np.asarray(up_unit, dtype=np.float64)
    shape = np.broadcast_shapes(t.shape, w.shape, u.shape[:-1])
    t, w = np.broadcast_to(t, shape), np.broadcast_to(w, shape)
    u = np.broadcast_to(u, (*shape, 3))
    th = w * t
    s1 = t * np.sinc(th / np.pi)  # sin θ / ω
    s2 = t * th / 2.0 * np.sinc(th / (2.0 * np.pi)) ** 2  # (1 - cos θ) / ω
    c, s = np.cos(th), np.sin(th)
    ux = _cross_matrix(u)
    uu = u[..., :, None] * u[..., None, :]
    eye = np.eye(3)
    rot = c[..., None, None] * eye + s[..., None, None] * ux + (1.0 - c)[..., None, None] * uu
    m = s1[..., None, None] * eye + s2[..., None, None] * ux + (t - s1)[..., None, None] * uu
    f = np.zeros((*shape, 6, 6))
    f[..., :3, :3] = eye
    f[..., :3, 3:] = m
    f[..., 3:, 3:] = rot
    return f


def ct_predict(
    state: FloatArray,
    covar: FloatArray,
    dt_s: ArrayLike,
    *,
    turn_rate_rad_s: ArrayLike,
    up_unit: ArrayLike,
    q_m2_s3: ArrayLike,
) -> tuple[FloatArray, FloatArray]:
    """Coordinated-turn prediction (see `ct_transition`) with CWNA process noise.

    The covariance is ``F P F' + Q`` with F the turn's transition and Q the CWNA of the
    constant-velocity model (`cwna_process_noise`), added after the transition. The exact
    discretisation of white acceleration noise through the turn would rotate the velocity
    noise during the step; the difference is of order ωT and vanishes at ω = 0, where the
    prediction is exactly `cv_predict`'s.

    Args:
        state: (..., 6); covar: (..., 6, 6).
        turn_rate_rad_s: scalar or (...) turn rates; up_unit: (3,) or (..., 3) turn axes.
        q_m2_s3: CWNA power spectral density per axis, scalar or (...).

    >>> x, _ = ct_predict(np.array([[0.0, 0, 0, 100, 0, 0]]), np.eye(6)[None], 2.0,
    ...                   turn_rate_rad_s=0.0, up_unit=[0, 0, 1], q_m2_s3=1.0)
    >>> x[0].tolist()
    [200.0, 0.0, 0.0, 100.0, 0.0, 0.0]
    """
    f = ct_transition(dt_s, turn_rate_rad_s, up_unit)
    x = np.einsum("...ij,...j->...i", f, state)
    p = f @ covar @ np.swapaxes(f, -1, -2) + cwna_process_noise(dt_s, q_m2_s3)
    return x, _sym(p)


def cross3(a: FloatArray, b: FloatArray) -> FloatArray:
    """Cross product ``a × b`` of 3-vectors on the last axis (leading shapes broadcast): the
    products and differences of ``np.cross`` in its order, so the same bits, without its
    per-call axis handling (tens of µs on the small arrays of one step).

    >>> cross3(np.array([1.0, 0.0, 0.0]), np.array([[0.0, 1.0, 0.0]])).tolist()
    [[0.0, 0.0, 1.0]]
    """
    a0, a1, a2 = a[..., 0], a[..., 1], a[..., 2]
    b0, b1, b2 = b[..., 0], b[..., 1], b[..., 2]
    out = np.empty((*np.broadcast_shapes(a.shape[:-1], b.shape[:-1]), 3),
                   dtype=np.result_type(a, b))  # fmt: skip
    np.multiply(a1, b2, out=out[..., 0])
    out[..., 0] -= a2 * b1
    np.multiply(a2, b0, out=out[..., 1])
    out[..., 1] -= a0 * b2
    np.multiply(a0, b1, out=out[..., 2])
    out[..., 2] -= a1 * b0
    return out


def ballistic_acceleration(pos_m: ArrayLike, vel_m_s: ArrayLike, frame: Frame) -> FloatArray:
    """Acceleration ``(..., 3)`` of an unpowered body at ``pos_m (..., 3)`` moving at
    ``vel_m_s (..., 3)``, as seen in ``frame``.

    In a local frame (z up) it is standard gravity, ``(0, 0, -g0)``, whatever the position. In
    ECEF, which turns at Ω = `iamd.geo.wgs84.OMEGA_RAD_S` about its z axis, it is point-mass
    gravity plus the Coriolis and centrifugal accelerations of the rotating frame,
    ``a = -μ r/|r|³ - 2Ω × v - Ω × (Ω × r)`` with μ = `iamd.geo.wgs84.GM_M3_S2` (the Earth's
    flattening and the atmosphere are left out).

    >>> ballistic_acceleration([0.0, 0, 5e3], [200.0, 0, 0], "local").tolist()
    [0.0, 0.0, -9.80665]
    >>> a = ballistic_acceleration([6_378_137.0, 0, 0], [0.0, 0, 0], "ecef")
    >>> (np.round(a, 4) + 0.0).tolist()   # gravity less the centrifugal term, at the equator
    [-9.7644, 0.0, 0.0]
    """
    r = np.asarray(pos_m, dtype=np.float64)
    v = np.asarray(vel_m_s, dtype=np.float64)
    if frame == "local":
        a = np.zeros(np.broadcast_shapes(r.shape, v.shape))
        a[..., 2] = -G0_M_S2
        return a
    if frame == "ecef":
        r2 = np.sum(r * r, axis=-1, keepdims=True)
        a = np.array(
            np.broadcast_to(
                -GM_M3_S2 * r / (r2 * np.sqrt(r2)), np.broadcast_shapes(r.shape, v.shape)
            )
        )
        w = OMEGA_RAD_S
        # -2Ω × v = 2ω (v_y, -v_x, 0); -Ω × (Ω × r) = ω² (x, y, 0)
        a[..., 0] += w * w * r[..., 0] + 2.0 * w * v[..., 1]
        a[..., 1] += w * w * r[..., 1] - 2.0 * w * v[..., 0]
        return a
    raise ValueError(f"unknown frame {frame!r}; use local or ecef")


def ballistic_predict(
    state: FloatArray,
    covar: FloatArray,
    dt_s: ArrayLike,
    *,
    q_m2_s3: ArrayLike,
    frame: Frame = "local",
) -> tuple[FloatArray, FloatArray]:
    """Ballistic prediction: constant velocity plus the acceleration of an unpowered body.

    The acceleration a of `ballistic_acceleration`, evaluated at the start of the step, is a
    known input: ``p' = p + vT + aT²/2``, ``v' = v + aT``, and the covariance propagates as
    for constant velocity with CWNA noise (`cv_predict`). The same in both frames:

    - local frame: a = ``(0, 0, -g0)`` is constant and the prediction is exact free fall;
    - ECEF: a varies along the step. Holding it constant leaves out the jerk, an error of
      ``|ȧ| T³/6`` in position. Over 2 s for a 3 km/s body at 100 km altitude the jerk,
      mostly the gravity gradient (up to ``2μ|v|/r³ ≈ 9 mm/s³``), makes it about a
      centimetre at most, far below any radar's accuracy. The covariance leaves out the
      gravity-gradient and Coriolis terms of the transition (``∂a/∂r`` and ``∂a/∂v``):
      relative to the constant-velocity terms they are ``μT²/r³ ≈ 10⁻⁵`` and
      ``2ΩT ≈ 3·10⁻⁴`` at T = 2 s, a few parts in 10⁴ of the propagated covariance.

    >>> x, _ = ballistic_predict(np.array([[0.0, 0, 1000, 0, 0, 0]]), np.eye(6)[None], 2.0,
    ...                          q_m2_s3=0.0)
    >>> np.round(x[0], 3).tolist()
    [0.0, 0.0, 980.387, 0.0, 0.0, -19.613]
    """
    t = np.asarray(dt_s, dtype=np.float64)
    x, p = cv_predict(state, covar, t, q_m2_s3=q_m2_s3)
    _add_acceleration(x, ballistic_acceleration(state[..., :3], state[..., 3:], frame), t)
    return x, p


def up_axis(pos_m: FloatArray, frame: Frame) -> FloatArray:
    """Unit vertical ``(..., 3)`` at positions ``pos_m (..., 3)``: z in a local frame, the
    geocentric radial direction in ECEF."""
    if frame == "local":
        return np.broadcast_to(np.array([0.0, 0.0, 1.0]), pos_m.shape)
    return np.asarray(pos_m / np.linalg.norm(pos_m, axis=-1, keepdims=True))


def model_predict(
    state: FloatArray,
    covar: FloatArray,
    dt_s: ArrayLike,
    model: MotionModel,
    *,
    frame: Frame = "local",
    turn_rate_rad_s: ArrayLike = 0.0,
) -> tuple[FloatArray, FloatArray]:
    """Predict ``state (n, 6)``, ``covar (n, 6, 6)`` by ``dt_s`` under one motion model.

    ``turn_rate_rad_s`` (scalar or (n,)) is the tracks' estimated turn rate, used by a
    ``ct`` model whose ``turn_rate_rad_s`` is None.
    """
    if model.kind == "cv":
        return cv_predict(state, covar, dt_s, q_m2_s3=model.q_m2_s3)
    if model.kind == "ct":
        rate = turn_rate_rad_s if model.turn_rate_rad_s is None else model.turn_rate_rad_s
        return ct_predict(
            state,
            covar,
            dt_s,
            turn_rate_rad_s=rate,
            up_unit=up_axis(state[..., :3], frame),
            q_m2_s3=model.q_m2_s3,
        )
    if model.kind == "ballistic":
        return ballistic_predict(state, covar, dt_s, q_m2_s3=model.q_m2_s3, frame=frame)
    raise ValueError(f"unknown motion model kind {model.kind!r}; use cv, ct or ballistic")


# --------------------------------------------------------------------------- measurement update


def kf_update(
    state: FloatArray, covar: FloatArray, z_m: FloatArray, r_m2: FloatArray
) -> KalmanUpdate:
    """Kalman update with position measurements ``z_m (..., 3)`` of covariance ``r_m2 (..., 3, 3)``.

    ``H = [I₃ 0]``; ``S = HPH' + R``, ``K = PH'S⁻¹``, ``x⁺ = x + K(z - Hx)`` and the Joseph form
    ``P⁺ = (I - KH) P (I - KH)' + KRK'`` (Bar-Shalom et al. 2001, ch. 5), which stays
    symmetric positive semidefinite whatever the gain's rounding. Leading shapes broadcast.

    A 1-D check: position variance 100 and a measurement of variance 100 halve the variance.

    >>> up = kf_update(np.zeros((1, 6)), 100.0 * np.eye(6)[None], np.array([[10.0, 0, 0]]),
    ...                100.0 * np.eye(3)[None])
    >>> [round(float(v), 9) for v in (up.state[0, 0], up.covar[0, 0, 0], up.nis[0])]
    [5.0, 50.0, 0.5]
    """
    hp = covar[..., :3, :]  # (..., 3, 6) = H P
    chol = _chol3(hp[..., :3] + r_m2)  # reads the lower triangle of S only
    nu = z_m - state[..., :3]
    y = _fwd(chol, nu[..., 0], nu[..., 1], nu[..., 2])
    nis = y[0] * y[0] + y[1] * y[1] + y[2] * y[2]
    log_det = 2.0 * (np.log(chol[0]) + np.log(chol[2]) + np.log(chol[5]))
    # K' = S⁻¹ (H P): solve column-wise with the factor, then K = (K')'. The solve runs on
    # (6, ...) arrays, the factor broadcast along the leading axis, so that every operation
    # is one long loop rather than a short one per track.
    b = np.ascontiguousarray(np.moveaxis(hp, (-2, -1), (0, 1)))  # (3, 6, ...)
    lead: Chol3 = tuple(c[None] for c in chol)  # type: ignore[assignment]
    kt = np.stack(_bwd(lead, *_fwd(lead, *b)))  # (3, 6, ...)
    kt = np.ascontiguousarray(np.moveaxis(kt, (0, 1), (-2, -1)))  # K' (..., 3, 6)
    k = np.ascontiguousarray(np.swapaxes(kt, -1, -2))  # K (..., 6, 3)
    p = covar - k @ hp  # (I - KH) P
    # Joseph: (I - KH) P (I - KH)' + K R K' = (I - KH) P - ((I - KH) P H' - K R) K'
    b2 = k @ r_m2
    np.subtract(p[..., :, :3], b2, out=b2)
    p -= b2 @ kt
    x = state + np.einsum("...ij,...j->...i", k, nu)
    log_lik = -0.5 * (nis + log_det + 3.0 * LOG_2PI)
    return KalmanUpdate(state=x, covar=_sym(p), nis=nis, log_lik=log_lik)


def innovation_stats(nu_m: FloatArray, s_m2: FloatArray) -> tuple[FloatArray, FloatArray]:
    """Squared Mahalanobis distance ``ν' S⁻¹ ν`` and ``ln |S|`` of innovations
    ``nu_m (..., 3)`` with covariances ``s_m2 (..., 3, 3)`` (NaN where S is not positive
    definite).

    >>> d2, ld = innovation_stats(np.array([3.0, 0, 4]), 25.0 * np.eye(3))
    >>> float(d2), round(float(ld), 6) == round(3 * float(np.log(25.0)), 6)
    (1.0, True)
    """
    chol = _chol3(s_m2)
    y = _fwd(chol, nu_m[..., 0], nu_m[..., 1], nu_m[..., 2])
    d2 = y[0] * y[0] + y[1] * y[1] + y[2] * y[2]
    log_det = 2.0 * (np.log(chol[0]) + np.log(chol[2]) + np.log(chol[5]))
    return np.asarray(d2), np.asarray(log_det)


def largest_eigenvalue3(a: FloatArray) -> FloatArray:
    """Largest eigenvalue of symmetric 3 × 3 matrices ``a (..., 3, 3)``, in closed form
    (O. K. Smith, "Eigenvalues of a symmetric 3 × 3 matrix", Commun. ACM 4(4), 1961).

    >>> float(largest_eigenvalue3(np.diag([1.0, 9.0, 4.0])))
    9.0
    """
    a00, a11, a22 = a[..., 0, 0], a[..., 1, 1], a[..., 2, 2]
    a01, a02, a12 = a[..., 0, 1], a[..., 0, 2], a[..., 1, 2]
    p1 = a01 * a01 + a02 * a02 + a12 * a12
    q = (a00 + a11 + a22) / 3.0
    b00, b11, b22 = a00 - q, a11 - q, a22 - q
    p2 = b00 * b00 + b11 * b11 + b22 * b22 + 2.0 * p1
    p = np.sqrt(p2 / 6.0)
    det_b = (
        b00 * (b11 * b22 - a12 * a12)
        - a01 * (a01 * b22 - a12 * a02)
        + a02 * (a01 * a12 - b11 * a02)
    )
    with np.errstate(invalid="ignore", divide="ignore"):
        r = np.where(p > 0.0, det_b / (2.0 * p**3), 0.0)
    phi = np.arccos(np.clip(r, -1.0, 1.0)) / 3.0
    return np.asarray(q + 2.0 * p * np.cos(phi))


# --------------------------------------------------------------------------- IMM


def transition_matrix(n_models: int, stay_prob: float, dt_s: float = 1.0) -> FloatArray:
    """Markov model-transition matrix ``(r, r)`` over a step of ``dt_s`` seconds, for models
    that each last with probability ``stay_prob`` over one second and are left for any other
    with equal rates (rows sum to 1).

    The chain runs in continuous time, so a step's matrix depends on the step's length and
    not on how many steps the time is cut into (``Π(T₁ + T₂) = Π(T₁) Π(T₂)``): a sensor
    that looks every 5 s, or several that report within a second, change models at the same
    rate per second as one radar at 1 s. With ``J`` the all-ones matrix,
    ``Π(T) = J/r + λ^T (I - J/r)`` where ``λ = (r p - 1)/(r - 1)`` is the one-second
    matrix's second eigenvalue; at ``T = 1`` s this is ``p`` on the diagonal and
    ``(1 - p)/(r - 1)`` off it. ``p = stay_prob`` is at least ``1/r``. A model's mean
    sojourn time is then ``-1/ln λ`` seconds (Bar-Shalom, Li and Kirubarajan 2001 §11.6.3
    design the switching probabilities from the sojourn time in the same way).

    >>> transition_matrix(3, 0.9).round(3).tolist()
    [[0.9, 0.05, 0.05], [0.05, 0.9, 0.05], [0.05, 0.05, 0.9]]
    >>> two = transition_matrix(3, 0.9, 2.0)
    >>> bool(np.allclose(two, transition_matrix(3, 0.9) @ transition_matrix(3, 0.9)))
    True
    """
    if n_models == 1:
        return np.ones((1, 1))
    if not 1.0 / n_models <= stay_prob <= 1.0:
        raise ValueError(f"stay_prob must be in [1/{n_models}, 1] (got {stay_prob})")
    lam = (n_models * stay_prob - 1.0) / (n_models - 1)
    decay = lam**dt_s
    return np.full((n_models, n_models), (1.0 - decay) / n_models) + np.eye(n_models) * decay


def imm_mix(
    model_state: FloatArray, model_covar: FloatArray, model_prob: FloatArray, transition: FloatArray
) -> tuple[FloatArray, FloatArray, FloatArray]:
    """IMM interaction (Bar-Shalom et al. §11.6.6, steps 1–2).

    Args:
        model_state: (n, r, 6); model_covar: (n, r, 6, 6); model_prob: (n, r).
        transition: (r, r) with ``transition[i, j] = P(model j at k | model i at k-1)``.

    Returns:
        ``(mixed_state (n, r, 6), mixed_covar (n, r, 6, 6), pred_prob (n, r))`` where
        ``pred_prob[:, j] = c̄_j = Σ_i p_ij μ_i`` and the mixed covariance includes the spread
        of the means (computed centred, so large ECEF coordinates lose no precision).
    """
    _n, _r = model_prob.shape
    c = model_prob @ transition  # (n, r)
    c_safe = np.maximum(c, np.finfo(np.float64).tiny)
    w = model_prob[:, :, None] * transition[None, :, :] / c_safe[:, None, :]  # μ_{i|j}
    wt = np.ascontiguousarray(np.swapaxes(w, 1, 2))  # (n, j, i)
    x0, p0 = _weighted_moments(wt, model_state, model_covar)
    return x0, p0, c


def imm_combine(
    model_state: FloatArray, model_covar: FloatArray, model_prob: FloatArray
) -> tuple[FloatArray, FloatArray]:
    """Combined estimate of a mixture (Bar-Shalom et al. §11.6.6, step 5):
    ``x = Σ μ_j x_j``, ``P = Σ μ_j [P_j + (x_j - x)(x_j - x)']``.

    >>> x, p = imm_combine(np.array([[[0.0] * 6, [2.0] + [0.0] * 5]]),
    ...                    np.zeros((1, 2, 6, 6)), np.array([[0.5, 0.5]]))
    >>> float(x[0, 0]), float(p[0, 0, 0])
    (1.0, 1.0)
    """
    x, p = _weighted_moments(model_prob[:, None, :], model_state, model_covar)
    return x[:, 0], p[:, 0]


def imm_combine_state(model_state: FloatArray, model_prob: FloatArray) -> FloatArray:
    """The combined state ``x = Σ μ_j x_j`` of `imm_combine` alone, bit for bit, without the
    covariance (for callers that need only the mean).

    >>> x = imm_combine_state(np.array([[[0.0] * 6, [2.0] + [0.0] * 5]]), np.array([[0.5, 0.5]]))
    >>> float(x[0, 0])
    1.0
    """
    ybar, _ = _weighted_mean(model_prob[:, None, :], model_state)
    return ybar[:, 0] + model_state[:, 0, :]


def imm_predict(
    model_state: FloatArray,
    model_covar: FloatArray,
    model_prob: FloatArray,
    transition: FloatArray,
    dt_s: ArrayLike,
    models: tuple[MotionModel, ...],
    *,
    frame: Frame = "local",
    turn_rate_rad_s: ArrayLike = 0.0,
) -> ImmPrediction:
    """IMM mixing and model-matched prediction of n tracks over the r ``models``.

    ``turn_rate_rad_s`` (scalar or (n,)) feeds the ``ct`` models without a fixed rate.

    >>> ms = np.zeros((2, 2, 6)); ms[:, :, 3] = 100.0
    >>> mc = np.broadcast_to(np.eye(6), (2, 2, 6, 6)).copy()
    >>> pr = imm_predict(ms, mc, np.full((2, 2), 0.5), transition_matrix(2, 0.9), 1.0,
    ...                  (MotionModel(kind="cv", q_m2_s3=1.0),
    ...                   MotionModel(kind="ct", q_m2_s3=1.0)))
    >>> pr.state[:, 0].tolist(), pr.model_prob.sum(axis=1).tolist()
    ([100.0, 100.0], [1.0, 1.0])
    """
    px, pp, c = imm_predict_models(
        model_state,
        model_covar,
        model_prob,
        transition,
        dt_s,
        models,
        frame=frame,
        turn_rate_rad_s=turn_rate_rad_s,
    )
    x, p = imm_combine(px, pp, c)
    return ImmPrediction(model_state=px, model_covar=pp, model_prob=c, state=x, covar=p)


def imm_predict_models(
    model_state: FloatArray,
    model_covar: FloatArray,
    model_prob: FloatArray,
    transition: FloatArray,
    dt_s: ArrayLike,
    models: tuple[MotionModel, ...],
    *,
    frame: Frame = "local",
    turn_rate_rad_s: ArrayLike = 0.0,
) -> tuple[FloatArray, FloatArray, FloatArray]:
    """`imm_predict` without the combination: ``(model_state (n, r, 6), model_covar
    (n, r, 6, 6), pred_prob (n, r))``, for callers that combine once per scan.

    ``dt_s`` is a scalar or one step per track ``(n,)``. After the mixing (`imm_mix`), the
    constant-velocity and ballistic models share the transition ``F = [[I, T I], [0, I]]``:
    all of them are stepped in one block-wise pass over the ``(n, r', 6)`` states and
    ``(n, r', 6, 6)`` covariances, with one CWNA q per model; the ballistic models then add
    their acceleration input (`ballistic_predict`, all ballistic models at once). Only the
    coordinated-turn models go through `model_predict`, one model at a time over all tracks.
    The result is `model_predict` applied to each model's mixed estimate.
    """
    mixed_x, mixed_p, c = imm_mix(model_state, model_covar, model_prob, transition)
    t = np.asarray(dt_s, dtype=np.float64)
    tn = t[:, None] if t.ndim else t  # (n, 1): one step per track, shared by its models
    kinds = np.array([m.kind for m in models])
    q = np.array([m.q_m2_s3 for m in models], dtype=np.float64)
    linear = np.flatnonzero((kinds == "cv") | (kinds == "ballistic"))
    if len(linear) == len(models):  # no copy of a subset
        px, pp = cv_predict(mixed_x, mixed_p, tn, q_m2_s3=q)
    else:
        px, pp = np.empty_like(mixed_x), np.empty_like(mixed_p)
        px[:, linear], pp[:, linear] = cv_predict(
            mixed_x[:, linear], mixed_p[:, linear], tn, q_m2_s3=q[linear]
        )
    ballistic = np.flatnonzero(kinds == "ballistic")
    if len(ballistic):
        xb = mixed_x[:, ballistic]
        accel = ballistic_acceleration(xb[..., :3], xb[..., 3:], frame)
        step = px[:, ballistic]
        _add_acceleration(step, accel, tn)
        px[:, ballistic] = step
    for j in np.flatnonzero((kinds != "cv") & (kinds != "ballistic")):  # over models
        px[:, j], pp[:, j] = model_predict(
            mixed_x[:, j], mixed_p[:, j], t, models[j], frame=frame, turn_rate_rad_s=turn_rate_rad_s
        )
    return px, pp, c


def imm_update(
    model_state: FloatArray,
    model_covar: FloatArray,
    model_prob: FloatArray,
    z_m: FloatArray,
    r_m2: FloatArray,
) -> ImmUpdate:
    """IMM model-matched update, model-probability update and combination
    (Bar-Shalom et al. §11.6.6, steps 3–5).

    Args:
        model_state: (n, r, 6) predicted; model_covar: (n, r, 6, 6); model_prob: (n, r)
            predicted model probabilities ``c̄``.
        z_m: (n, 3) measured positions; r_m2: (n, 3, 3) their covariances.

    ``μ_j ∝ Λ_j c̄_j`` is computed in the log domain (no underflow when one model's
    likelihood is astronomically small).
    """
    ms, mc, prob, log_lik = imm_update_models(model_state, model_covar, model_prob, z_m, r_m2)
    x, p = imm_combine(ms, mc, prob)
    return ImmUpdate(
        model_state=ms, model_covar=mc, model_prob=prob, state=x, covar=p, log_lik=log_lik
    )


def imm_update_models(
    model_state: FloatArray,
    model_covar: FloatArray,
    model_prob: FloatArray,
    z_m: FloatArray,
    r_m2: FloatArray,
) -> tuple[FloatArray, FloatArray, FloatArray, FloatArray]:
    """`imm_update` without the combination: ``(model_state, model_covar, model_prob,
    log_lik)``, for callers that combine once per scan.

    ``log_lik`` is the measurement's log density under the predicted mixture,
    ``ln Σ_j c̄_j N(ν_j; 0, S_j)`` (Blackman and Popoli §6.2); a model whose S is not
    positive definite contributes nothing to it (−∞ where no model has a density)."""
    up = kf_update(model_state, model_covar, z_m[:, None, :], r_m2[:, None, :, :])
    log_w = up.log_lik + np.log(np.maximum(model_prob, np.finfo(np.float64).tiny))
    log_w = np.where(np.isnan(log_w), -np.inf, log_w)
    top = np.max(log_w, axis=1, keepdims=True)
    top = np.where(np.isfinite(top), top, 0.0)
    w = np.exp(log_w - top)
    total = w.sum(axis=1, keepdims=True)
    with np.errstate(invalid="ignore", divide="ignore"):
        return up.state, up.covar, w / total, top[:, 0] + np.log(total[:, 0])


# --------------------------------------------------------------------------- radar plots


def aer_covariance_enu(
    az_rad: FloatArray,
    el_rad: FloatArray,
    range_m: FloatArray,
    sigma_az_rad: FloatArray,
    sigma_el_rad: FloatArray,
    sigma_range_m: FloatArray,
) -> FloatArray:
    """ENU covariance ``(p, 3, 3)`` of converted azimuth/elevation/range plots,
    ``J diag(σ_az², σ_el², σ_r²) J'`` with J the Jacobian of `iamd.geo.wgs84.aer_to_enu`
    (linearised conversion; Lerro and Bar-Shalom 1993 without the debiasing).

    >>> c = aer_covariance_enu(np.array([0.0]), np.array([0.0]), np.array([1e4]),
    ...                        np.array([1e-3]), np.array([2e-3]), np.array([5.0]))
    >>> np.round(np.diag(c[0]), 6).tolist()   # east: r σ_az, north: σ_r, up: r σ_el
    [100.0, 25.0, 400.0]
    """
    sa, ca = np.sin(az_rad), np.cos(az_rad)
    se, ce = np.sin(el_rad), np.cos(el_rad)
    r = range_m
    j = np.empty((*np.shape(az_rad), 3, 3))
    j[..., 0, 0], j[..., 1, 0], j[..., 2, 0] = r * ce * ca, -r * ce * sa, 0.0  # ∂/∂az
    j[..., 0, 1], j[..., 1, 1], j[..., 2, 1] = -r * se * sa, -r * se * ca, r * ce  # ∂/∂el
    j[..., 0, 2], j[..., 1, 2], j[..., 2, 2] = ce * sa, ce * ca, se  # ∂/∂range
    d = np.stack([sigma_az_rad**2, sigma_el_rad**2, sigma_range_m**2], axis=-1)
    return _sym((j * d[..., None, :]) @ np.swapaxes(j, -1, -2))


def radar_plot_covariance_ecef(plots: Plots, sensors: SensorArray) -> FloatArray:
    """ECEF covariance ``(p, 3, 3)`` of the ECEF positions of radar ``plots``, from each
    radar's range/azimuth/elevation sigmas (see `aer_covariance_enu`)."""
    s = plots.sensor
    c_enu = aer_covariance_enu(
        plots.az_rad,
        plots.el_rad,
        plots.range_m,
        sensors.sigma_az_rad[s],
        sensors.sigma_el_rad[s],
        sensors.sigma_range_m[s],
    )
    rot = enu_rotation(sensors.lat_rad[s], sensors.lon_rad[s])  # vec_enu = rot @ vec_ecef
    return _sym(np.swapaxes(rot, -1, -2) @ c_enu @ rot)


# --------------------------------------------------------------------------- helpers


def _weighted_moments(
    w: FloatArray, xs: FloatArray, ps: FloatArray
) -> tuple[FloatArray, FloatArray]:
    """Moments of the mixtures ``j`` with weights ``w (n, j, i)`` (rows summing to 1) over
    components ``xs (n, i, 6)``, ``ps (n, i, 6, 6)``: ``x_j = Σ_i w_ji x_i`` and
    ``P_j = Σ_i w_ji [P_i + (x_i - x_j)(x_i - x_j)']``.

    The spread is computed about the first component's mean, so large coordinates (ECEF)
    cancel before any product is formed: ``Σ w y y' - ȳ ȳ'`` with ``y = x - x_0``.
    """
    n, r = xs.shape[:2]
    ybar, y = _weighted_mean(w, xs)
    second = y[..., :, None] @ y[..., None, :]  # outer products (one term each: exact)
    second += ps
    p = (w @ second.reshape(n, r, 36)).reshape(n, w.shape[1], 6, 6)
    p -= ybar[..., :, None] @ ybar[..., None, :]
    return ybar + xs[:, :1, :], _sym(p)


def _weighted_mean(w: FloatArray, xs: FloatArray) -> tuple[FloatArray, FloatArray]:
    """``(ȳ (n, j, 6), y (n, i, 6))`` of `_weighted_moments`: the components about the first,
    ``y = x - x_0``, and their weighted means ``ȳ_j = Σ_i w_ji y_i``."""
    y = xs - xs[:, :1, :]
    return w @ y, y


def _sym(p: FloatArray) -> FloatArray:
    out = p + np.swapaxes(p, -1, -2)
    out *= 0.5
    return np.asarray(out)


def _cv_covar(covar: FloatArray, t: FloatArray, q_m2_s3: FloatArray) -> FloatArray:
    """``F P F' + Q`` for ``F = [[I, T I], [0, I]]`` and the CWNA Q, block-wise on a
    contiguous copy: ``P_pp += T (P_pv + P_vp + T P_vv)``, ``P_pv += T P_vv``,
    ``P_vp += T P_vv`` (exactly symmetric when P is). ``t`` and ``q_m2_s3`` broadcast with
    the leading shape of ``covar``."""
    lead = np.broadcast_shapes(covar.shape[:-2], t.shape, q_m2_s3.shape)
    p = np.array(np.broadcast_to(covar, (*lead, 6, 6)), dtype=np.float64, order="C")
    tm = t[..., None, None]
    b = p[..., :3, 3:]
    tc = tm * p[..., 3:, 3:]
    s = b + np.swapaxes(b, -1, -2)
    s += tc
    s *= tm
    p[..., :3, :3] += s
    p[..., :3, 3:] += tc
    p[..., 3:, :3] += tc
    _add_cwna(p, t, q_m2_s3)
    return p


def _add_cwna(p: FloatArray, t: FloatArray, q_m2_s3: FloatArray) -> None:
    """Add the CWNA ``Q`` (Bar-Shalom et al. §6.2.2) in place to C-contiguous
    ``p (..., 6, 6)``: per axis ``q [[T³/3, T²/2], [T²/2, T]]``, ``t`` and ``q_m2_s3``
    broadcasting with p's leading shape. The four diagonals of the 3 × 3 blocks are strided
    views of the flattened matrices (elements 0, 7, 14; 3, 10, 17; 18, 25, 32; 21, 28, 35)."""
    if t.size * q_m2_s3.size * 36 < p.size // 36:  # few distinct Q (one step, a q per model)
        p += cwna_process_noise(t, q_m2_s3)  # whole matrices: one long loop over p
        return
    flat = p.reshape(*p.shape[:-2], 36)  # a view: p is C-contiguous
    qt = q_m2_s3 * t
    cross = (qt * t / 2.0)[..., None]
    flat[..., 0:15:7] += (qt * t * t / 3.0)[..., None]
    flat[..., 3:18:7] += cross
    flat[..., 18:33:7] += cross
    flat[..., 21:36:7] += qt[..., None]


def _add_acceleration(x: FloatArray, accel: FloatArray, t: FloatArray) -> None:
    """Add a known acceleration input ``accel (..., 3)`` held over a step ``t`` to predicted
    states ``x (..., 6)`` in place: ``p += aT²/2``, ``v += aT``."""
    tt = t[..., None]
    x[..., :3] += (0.5 * tt * tt) * accel
    x[..., 3:] += tt * accel


def _cross_matrix(u: FloatArray) -> FloatArray:
    """``[u]×`` (..., 3, 3) such that ``[u]× v = u × v``."""
    m = np.zeros((*u.shape[:-1], 3, 3))
    m[..., 0, 1], m[..., 0, 2] = -u[..., 2], u[..., 1]
    m[..., 1, 0], m[..., 1, 2] = u[..., 2], -u[..., 0]
    m[..., 2, 0], m[..., 2, 1] = -u[..., 1], u[..., 0]
    return m


Chol3 = tuple[FloatArray, FloatArray, FloatArray, FloatArray, FloatArray, FloatArray]


def _chol3(s: FloatArray) -> Chol3:
    """Cholesky factor of symmetric 3 × 3 matrices as ``(l00, l10, l11, l20, l21, l22)``;
    NaN where a matrix is not positive definite."""
    s00, s10, s11 = s[..., 0, 0], s[..., 1, 0], s[..., 1, 1]
    s20, s21, s22 = s[..., 2, 0], s[..., 2, 1], s[..., 2, 2]
    with np.errstate(invalid="ignore", divide="ignore"):
        l00 = np.sqrt(s00)
        l10 = s10 / l00
        l20 = s20 / l00
        l11 = np.sqrt(s11 - l10 * l10)
        l21 = (s21 - l20 * l10) / l11
        l22 = np.sqrt(s22 - l20 * l20 - l21 * l21)
    return l00, l10, l11, l20, l21, l22


def _expand(chol: Chol3, b: FloatArray) -> Chol3:
    extra = b.ndim - chol[0].ndim
    if extra <= 0:
        return chol
    idx = (..., *([None] * extra))
    return tuple(c[idx] for c in chol)  # type: ignore[return-value]


def _fwd(
    chol: Chol3, b0: FloatArray, b1: FloatArray, b2: FloatArray
) -> tuple[FloatArray, FloatArray, FloatArray]:
    """Solve ``L y = b`` (forward substitution), b's components given separately."""
    l00, l10, l11, l20, l21, l22 = _expand(chol, b0)
    with np.errstate(invalid="ignore", divide="ignore"):
        y0 = b0 / l00
        y1 = (b1 - l10 * y0) / l11
        y2 = (b2 - l20 * y0 - l21 * y1) / l22
    return y0, y1, y2


def _bwd(
    chol: Chol3, y0: FloatArray, y1: FloatArray, y2: FloatArray
) -> tuple[FloatArray, FloatArray, FloatArray]:
    """Solve ``L' x = y`` (back substitution)."""
    l00, l10, l11, l20, l21, l22 = _expand(chol, y0)
    with np.errstate(invalid="ignore", divide="ignore"):
        x2 = y2 / l22
        x1 = (y1 - l21 * x2) / l11
        x0 = (y0 - l10 * x1 - l20 * x2) / l00
    return x0, x1, x2
