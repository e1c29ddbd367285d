"""Batched Kalman and IMM filters against closed forms, Monte Carlo consistency and properties.

References: Bar-Shalom, Li and Kirubarajan, *Estimation with Applications to Tracking and
Navigation* (2001): §6.2.2 (CWNA model), §6.5 and P. R. Kalata, "The tracking index: a
generalized parameter for α-β and α-β-γ target trackers", IEEE TAES 20(2), 1984 (steady-state
α-β gains, whose derivation is repeated here for the CWNA noise), §5.4 (NEES and its
chi-square bounds), §11.6.6 (IMM).
"""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy.integrate import quad_vec, solve_ivp

from iamd.geo.wgs84 import GM_M3_S2, OMEGA_RAD_S, aer_to_ecef
from iamd.track.filters import (
    G0_M_S2,
    Frame,
    MotionModel,
    aer_covariance_enu,
    ballistic_acceleration,
    ballistic_predict,
    ct_predict,
    ct_transition,
    cv_predict,
    cwna_process_noise,
    imm_combine,
    imm_combine_state,
    imm_mix,
    imm_predict,
    imm_predict_models,
    imm_update,
    kf_update,
    model_predict,
    transition_matrix,
)
from iamd.track.metrics import chi2_interval, nees

EYE3 = np.eye(3)


def _diag6(pos_var: float, vel_var: float) -> np.ndarray:
    return np.diag([pos_var] * 3 + [vel_var] * 3)[None]


def test_cv_predict_and_update_match_a_hand_computed_1d_case() -> None:
    # x axis: P = diag(100, 25), T = 1 s, q = 3 m²/s³ → Q = [[1, 1.5], [1.5, 3]]
    x = np.array([[0.0, 0, 0, 10.0, 0, 0]])
    xp, pp = cv_predict(x, _diag6(100.0, 25.0), 1.0, q_m2_s3=3.0)
    assert xp[0, 0] == 10.0
    assert pp[0, 0, 0] == pytest.approx(126.0)  # 100 + 25 + 1
    assert pp[0, 0, 3] == pytest.approx(26.5)  # 25 + 1.5
    assert pp[0, 3, 3] == pytest.approx(28.0)  # 25 + 3
    # z = 20 with R = 74: S = 200, K = [0.63, 0.1325], ν = 10
    up = kf_update(xp, pp, np.array([[20.0, 0, 0]]), 74.0 * EYE3[None])
    assert up.state[0, 0] == pytest.approx(16.3)
    assert up.state[0, 3] == pytest.approx(11.325)
    assert up.covar[0, 0, 0] == pytest.approx(126.0 - 0.63**2 * 200.0)  # 46.62
    assert up.covar[0, 0, 3] == pytest.approx(26.5 - 0.63 * 0.1325 * 200.0)  # 9.805
    assert up.covar[0, 3, 3] == pytest.approx(28.0 - 0.1325**2 * 200.0)  # 24.48875
    assert up.nis[0] == pytest.approx(100.0 / 200.0)
    s_y = pp[0, 1, 1] + 74.0
    expected = -0.5 * (0.5 + np.log(200.0 * s_y * s_y) + 3 * np.log(2 * np.pi))
    assert up.log_lik[0] == pytest.approx(expected, rel=1e-12)


def _cv_transition(tau: float) -> np.ndarray:
    f = np.eye(6)
    f[:3, 3:] = tau * EYE3
    return f


@pytest.mark.parametrize(("t_s", "q"), [(0.7, 9.0), (1.0, 1.0), (4.0, 0.25), (12.0, 400.0)])
def test_cwna_process_noise_is_bar_shalom_6_2_2_closed_form_and_integral(
    t_s: float, q: float
) -> None:
    got = cwna_process_noise(t_s, q)
    block = q * np.array([[t_s**3 / 3.0, t_s**2 / 2.0], [t_s**2 / 2.0, t_s]])
    for axis in range(3):  # per axis, the closed form of Bar-Shalom et al. §6.2.2
        idx = np.ix_([axis, axis + 3], [axis, axis + 3])
        assert np.allclose(got[idx], block, rtol=1e-14, atol=0.0)
    # ... which is ∫₀ᵀ F(τ) G q G' F(τ)' dτ with G = [0, I]' (white noise on the acceleration)
    g = np.vstack([np.zeros((3, 3)), EYE3])
    integral, _ = quad_vec(
        lambda tau: _cv_transition(tau) @ g @ (q * g.T) @ _cv_transition(tau).T,
        0.0,
        t_s,
        epsabs=0.0,
        epsrel=1e-13,
    )
    assert np.allclose(got, integral, rtol=1e-12, atol=1e-12 * float(np.max(np.abs(got))))
    # broadcasting: one Q per (step, intensity) pair
    many = cwna_process_noise(np.array([t_s, 2 * t_s]), np.array([[q], [4 * q]]))
    assert many.shape == (2, 2, 6, 6)
    assert np.array_equal(many[1, 0], cwna_process_noise(t_s, 4 * q))


@pytest.mark.parametrize("t_s", [0.25, 1.0, 3.0, 10.0])
def test_two_cwna_predictions_of_half_the_step_equal_one_of_the_whole_step(t_s: float) -> None:
    # The reason for CWNA: Q is the exact discretisation of a continuous-time model, so the
    # prediction does not depend on how the interval is cut. (DWNA fails this: two half steps
    # give a velocity variance of 2 σ² (T/2)² = σ² T² / 2 instead of σ² T².)
    rng = np.random.default_rng(622)
    x = rng.normal(0, 1e3, (5, 6))
    p = _psd_stack(rng, 5, 6, 20.0)
    q = 7.0
    x1, p1 = cv_predict(x, p, t_s, q_m2_s3=q)
    xh, ph = cv_predict(x, p, t_s / 2.0, q_m2_s3=q)
    x2, p2 = cv_predict(xh, ph, t_s / 2.0, q_m2_s3=q)
    assert np.allclose(x2, x1, rtol=1e-14, atol=1e-14 * np.max(np.abs(x1)))
    assert np.allclose(p2, p1, rtol=1e-13, atol=1e-13 * np.max(np.abs(p1)))
    # and for one step per track, in one call
    steps = np.array([0.5, 1.0, 2.0, 4.0, 8.0]) * t_s
    _, pa = cv_predict(x, p, steps, q_m2_s3=q)
    _, pb = cv_predict(*cv_predict(x, p, steps / 2.0, q_m2_s3=q), steps / 2.0, q_m2_s3=q)
    assert np.allclose(pb, pa, rtol=1e-13, atol=1e-13 * np.max(np.abs(pa)))


def _cwna_alpha_beta(lam: float) -> tuple[float, float]:
    """Steady-state α-β gains of the CWNA Kalman filter for the index ``λ = √(qT³)/σ_w``.

    Kalata's derivation (1984) with the CWNA Q: at steady state the Riccati equation gives
    ``β²/(1 - α) = qT³/σ_w² = λ²`` and ``α² - 2β + αβ + β²/6 = 0`` (DWNA gives β²/4 in the
    last term, Kalata's relation). With u = √(1 - α) and β = λu the second is the
    palindromic quartic ``u⁴ - λu³ + (λ²/6 - 2)u² - λu + 1 = 0``, which w = u + 1/u reduces
    to ``w² - λw + λ²/6 - 4 = 0``.
    """
    w = (lam + np.sqrt(lam * lam / 3.0 + 16.0)) / 2.0
    u = (w - np.sqrt(w * w - 4.0)) / 2.0
    return 1.0 - u * u, lam * u


@pytest.mark.parametrize(
    ("sigma_w_m", "q_m2_s3", "t_s"),
    [(50.0, 1.0, 1.0), (10.0, 25.0, 2.0), (100.0, 0.25, 4.0), (5.0, 400.0, 0.5)],
)
def test_steady_state_gain_matches_the_cwna_alpha_beta_filter(
    sigma_w_m: float, q_m2_s3: float, t_s: float
) -> None:
    alpha, beta = _cwna_alpha_beta(np.sqrt(q_m2_s3 * t_s**3) / sigma_w_m)
    x = np.zeros((1, 6))
    p = _diag6(1e6, 1e4)
    r = sigma_w_m**2 * EYE3[None]
    for _ in range(400):
        x, p_pred = cv_predict(x, p, t_s, q_m2_s3=q_m2_s3)
        up = kf_update(x, p_pred, np.zeros((1, 3)), r)
        x, p = up.state, up.covar
    s = p_pred[0, 0, 0] + sigma_w_m**2
    assert p_pred[0, 0, 0] / s == pytest.approx(alpha, rel=1e-9)
    assert t_s * p_pred[0, 0, 3] / s == pytest.approx(beta, rel=1e-9)


def test_nees_is_within_its_chi_square_bounds_on_simulated_cv_data() -> None:
    rng = np.random.default_rng(20010601)
    runs, steps, t, qa, sw = 100, 40, 1.0, 9.0, 30.0
    q = cwna_process_noise(t, qa)
    lq = np.linalg.cholesky(q + 1e-12 * np.eye(6))
    p0 = np.diag([sw**2] * 3 + [100.0**2] * 3)
    truth = np.tile([1e4, -2e4, 5e3, 150.0, -80.0, 0.0], (runs, 1))
    x = truth + rng.standard_normal((runs, 6)) @ np.linalg.cholesky(p0).T
    p = np.broadcast_to(p0, (runs, 6, 6)).copy()
    r = np.broadcast_to(sw**2 * EYE3, (runs, 3, 3))
    f = np.eye(6)
    f[:3, 3:] = t * EYE3
    lo, hi = chi2_interval(6, runs, 0.95)
    inside = []
    for _ in range(steps):  # the Monte Carlo runs are the batch
        truth = truth @ f.T + rng.standard_normal((runs, 6)) @ lq.T
        z = truth[:, :3] + sw * rng.standard_normal((runs, 3))
        x, p = cv_predict(x, p, t, q_m2_s3=qa)
        up = kf_update(x, p, z, r)
        x, p = up.state, up.covar
        avg = float(np.mean(nees(truth - x, p)))
        inside.append(lo <= avg <= hi)
    assert np.mean(inside) >= 0.85  # 95 % bounds: a few excursions are expected


def test_ct_transition_turns_the_velocity_and_tends_to_cv_at_zero_rate() -> None:
    f = ct_transition(2.0, 0.1, [0.0, 0.0, 1.0])
    v = np.array([0.0, 0, 0, 200.0, 0, 0])
    out = f @ v
    assert np.hypot(out[3], out[4]) == pytest.approx(200.0)
    assert np.degrees(np.arctan2(out[4], out[3])) == pytest.approx(np.degrees(0.2))
    # position on the circle of radius v/ω
    assert out[0] == pytest.approx(2000.0 * np.sin(0.2))
    assert out[1] == pytest.approx(2000.0 * (1 - np.cos(0.2)))
    f0 = ct_transition(2.0, 1e-12, [0.0, 0.0, 1.0])
    cv = np.eye(6)
    cv[:3, 3:] = 2.0 * EYE3
    assert np.allclose(f0, cv, atol=1e-9)


def test_ct_about_a_tilted_axis_matches_a_rotated_local_turn() -> None:
    rng = np.random.default_rng(3)
    q, _ = np.linalg.qr(rng.standard_normal((3, 3)))
    q *= np.sign(np.linalg.det(q))
    u = q @ np.array([0.0, 0.0, 1.0])
    local = ct_transition(3.0, -0.05, [0.0, 0.0, 1.0])
    tilted = ct_transition(3.0, -0.05, u)
    big = np.zeros((6, 6))
    big[:3, :3] = q
    big[3:, 3:] = q
    assert np.allclose(tilted, big @ local @ big.T, atol=1e-12)


def test_local_ballistic_prediction_is_exact_free_fall() -> None:
    x = np.array([[0.0, 0.0, 10_000.0, 100.0, -40.0, 300.0], [5.0, 6.0, 7.0, 0.0, 0.0, 0.0]])
    for t in (10.0, np.array([10.0, 3.0])):
        xp, pp = ballistic_predict(x, _diag6(1.0, 1.0), t, q_m2_s3=2.0)
        tt = np.broadcast_to(t, (2,))[:, None]
        g = np.array([0.0, 0.0, -G0_M_S2])
        assert np.allclose(xp[:, :3], x[:, :3] + x[:, 3:] * tt + 0.5 * g * tt**2, rtol=1e-15)
        assert np.allclose(xp[:, 3:], x[:, 3:] + g * tt, rtol=1e-15)
        _, pcv = cv_predict(x, _diag6(1.0, 1.0), t, q_m2_s3=2.0)
        assert np.array_equal(pp, pcv)


def test_ecef_ballistic_prediction_has_gravity_and_centrifugal_acceleration() -> None:
    r0 = 6_378_137.0 + 10_000.0
    x = np.array([[r0, 0.0, 0.0, 0.0, 0.0, 0.0]])  # at rest in ECEF over the equator
    xp, pp = ballistic_predict(x, _diag6(1.0, 1.0), 1.0, q_m2_s3=0.0, frame="ecef")
    expected = -GM_M3_S2 / r0**2 + OMEGA_RAD_S**2 * r0
    assert xp[0, 3] == pytest.approx(expected, rel=1e-12)
    assert np.allclose(pp, np.swapaxes(pp, -1, -2))
    # a moving body feels the Coriolis acceleration -2 Ω × v
    x2 = np.array([[r0, 0.0, 0.0, 0.0, 1000.0, 0.0]])
    xp2, _ = ballistic_predict(x2, _diag6(1.0, 1.0), 1.0, q_m2_s3=0.0, frame="ecef")
    assert xp2[0, 3] - xp[0, 3] == pytest.approx(2.0 * OMEGA_RAD_S * 1000.0, rel=1e-9)


def _ecef_equations_of_motion(_t: float, y: np.ndarray) -> np.ndarray:
    """``d[r, v]/dt`` of an unpowered body in ECEF, written with cross products."""
    r, v = y[:3], y[3:]
    omega = np.array([0.0, 0.0, OMEGA_RAD_S])
    a = -GM_M3_S2 * r / np.linalg.norm(r) ** 3
    a = a - 2.0 * np.cross(omega, v) - np.cross(omega, np.cross(omega, r))
    return np.concatenate([v, a])


def test_ecef_ballistic_prediction_matches_integrated_equations_of_motion() -> None:
    # 3 km/s bodies at 100 km altitude, in several directions, over 2 s (gravity alone moves
    # them about 19 m off a straight line): holding the acceleration over the step leaves
    # only the jerk, |ȧ| T³/6: at most about a centimetre (radial motion, 2μ|v|/r³ T³/6).
    rng = np.random.default_rng(2001)
    n = 6
    up = rng.normal(size=(n, 3))
    up /= np.linalg.norm(up, axis=1, keepdims=True)
    vel = rng.normal(size=(n, 3))
    vel *= 3000.0 / np.linalg.norm(vel, axis=1, keepdims=True)
    x = np.hstack([(6_378_137.0 + 100e3) * up, vel])
    t = 2.0
    xp, pp = ballistic_predict(x, _diag6(1.0, 1.0), t, q_m2_s3=1.0, frame="ecef")
    for k in range(n):
        sol = solve_ivp(
            _ecef_equations_of_motion, (0.0, t), x[k], method="DOP853", rtol=1e-13, atol=1e-9
        )
        truth = sol.y[:, -1]
        assert np.linalg.norm(xp[k, :3] - truth[:3]) < 0.02  # m
        assert np.linalg.norm(xp[k, 3:] - truth[3:]) < 0.02  # m/s
        assert np.linalg.norm(xp[k, :3] - x[k, :3] - t * x[k, 3:]) > 15.0  # gravity is in
    _, pcv = cv_predict(x, _diag6(1.0, 1.0), t, q_m2_s3=1.0)
    assert np.array_equal(pp, pcv)
    # the acceleration input itself
    a = ballistic_acceleration(x[:, :3], x[:, 3:], "ecef")
    expected = np.array([_ecef_equations_of_motion(0.0, row)[3:] for row in x])
    assert np.allclose(a, expected, rtol=1e-13, atol=1e-13)


def test_update_handles_tiny_and_huge_z_variance_of_2d_plots() -> None:
    x = np.array([[0.0, 0.0, 37.0, 100.0, 0.0, 1.0]])
    p = _diag6(2500.0, 900.0)
    z = np.array([[30.0, -20.0, 0.0]])
    tiny = np.diag([2500.0, 2500.0, 1e-12])[None]
    huge = np.diag([2500.0, 2500.0, 1e12])[None]
    up_tiny = kf_update(x, p, z, tiny)
    up_huge = kf_update(x, p, z, huge)
    for up in (up_tiny, up_huge):
        assert np.all(np.isfinite(up.state)) and np.all(np.isfinite(up.covar))
        assert np.min(np.linalg.eigvalsh(up.covar)) >= -1e-9
    assert up_tiny.state[0, 2] == pytest.approx(0.0, abs=1e-9)  # z pinned to the plot
    assert up_tiny.covar[0, 2, 2] == pytest.approx(1e-12, rel=1e-3)
    assert up_huge.state[0, 2] == pytest.approx(37.0, abs=1e-6)  # z untouched
    assert up_huge.state[0, 0] == pytest.approx(up_tiny.state[0, 0])  # x, y unaffected


def _psd_stack(rng: np.random.Generator, n: int, d: int, scale: float) -> np.ndarray:
    a = rng.standard_normal((n, d, d)) * scale
    return a @ np.swapaxes(a, -1, -2) + 1e-6 * scale**2 * np.eye(d)


@settings(max_examples=60, deadline=None)
@given(
    seed=st.integers(0, 2**32 - 1),
    dt=st.floats(0.0, 20.0),
    z_var=st.sampled_from([1e-10, 1.0, 2500.0, 1e10]),
    kind=st.sampled_from(["cv", "ct", "ballistic"]),
    frame=st.sampled_from(["local", "ecef"]),
)
def test_covariance_stays_symmetric_psd(
    seed: int, dt: float, z_var: float, kind: str, frame: Frame
) -> None:
    rng = np.random.default_rng(seed)
    n = 8
    x = np.column_stack([rng.normal(0, 1e5, (n, 3)), rng.normal(0, 300, (n, 3))])
    if frame == "ecef":
        x[:, 0] += 6.4e6
    p = _psd_stack(rng, n, 6, 30.0)
    model = MotionModel(kind=kind, q_m2_s3=float(rng.uniform(0, 100)))  # type: ignore[arg-type]
    for _ in range(5):
        x, p = model_predict(
            x,
            p,
            dt,
            model,
            frame=frame,
            turn_rate_rad_s=rng.uniform(-0.3, 0.3, n),
        )
        r = _psd_stack(rng, n, 3, 20.0)
        r[:, 2, :2] = r[:, :2, 2] = 0.0
        r[:, 2, 2] = z_var
        up = kf_update(x, p, x[:, :3] + rng.normal(0, 50, (n, 3)), r)
        x, p = up.state, up.covar
        assert np.array_equal(p, np.swapaxes(p, -1, -2))
        eig = np.linalg.eigvalsh(p)
        assert np.all(eig >= -1e-9 * np.maximum(eig[:, -1:], 1.0))


def test_imm_probabilities_sum_to_one_and_combination_is_the_moment_match() -> None:
    rng = np.random.default_rng(11)
    n, r = 50, 3
    models = (
        MotionModel(kind="cv", q_m2_s3=1.0),
        MotionModel(kind="ct", q_m2_s3=4.0, turn_rate_rad_s=0.05),
        MotionModel(kind="ballistic", q_m2_s3=1.0),
    )
    ms = rng.normal(0, 100, (n, r, 6))
    mc = np.broadcast_to(_psd_stack(rng, n, 6, 10.0)[:, None], (n, r, 6, 6)).copy()
    mu = rng.dirichlet(np.ones(r), n)
    pr = imm_predict(ms, mc, mu, transition_matrix(r, 0.9), 1.0, models)
    assert np.allclose(pr.model_prob.sum(axis=1), 1.0)
    up = imm_update(
        pr.model_state,
        pr.model_covar,
        pr.model_prob,
        rng.normal(0, 100, (n, 3)),
        np.broadcast_to(100.0 * EYE3, (n, 3, 3)),
    )
    assert np.allclose(up.model_prob.sum(axis=1), 1.0)
    assert np.all(up.model_prob >= 0)
    x, p = imm_combine(up.model_state, up.model_covar, up.model_prob)
    k = 7  # one track by hand
    xk = sum(up.model_prob[k, j] * up.model_state[k, j] for j in range(r))
    pk = sum(
        up.model_prob[k, j]
        * (up.model_covar[k, j] + np.outer(up.model_state[k, j] - xk, up.model_state[k, j] - xk))
        for j in range(r)
    )
    assert np.allclose(x[k], xk) and np.allclose(p[k], pk)


TRACKER_BANK = (
    MotionModel(kind="cv", q_m2_s3=4.0),
    MotionModel(kind="ct", q_m2_s3=400.0),  # the tracks' estimated turn rates
    MotionModel(kind="ballistic", q_m2_s3=4.0),
)
"""A CV / CT / ballistic IMM for the tracker tests below (local frame, z up)."""


def _imm_track(truth: np.ndarray, rng: np.random.Generator, sigma_m: float) -> np.ndarray:
    """Mean model probabilities (CV, CT, ballistic) of `TRACKER_BANK` on one object, over
    the last 20 scans."""
    from iamd.track.manager import Tracker, TrackerParams

    trk = Tracker(
        TrackerParams(
            models=TRACKER_BANK, frame="local", confirmation="m_of_n", confirm_m=2, confirm_n=3
        )
    )
    probs = []
    cov = np.broadcast_to(sigma_m**2 * EYE3, (1, 3, 3))
    for k, pos in enumerate(truth):
        trk.step(float(k), (pos + rng.normal(0, sigma_m, 3))[None], cov)
        assert np.allclose(trk.table.model_prob.sum(axis=1), 1.0)
        first = np.flatnonzero(trk.table.ids == 1)
        assert len(first) == 1  # the first track holds the object throughout
        probs.append(trk.table.model_prob[first[0]])
    return np.mean(probs[-20:], axis=0)


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_ct_model_wins_after_the_onset_of_a_coordinated_turn(seed: int) -> None:
    w, v = 0.1, 200.0  # a 2 g turn after 20 s of straight flight
    t1 = np.arange(20.0)
    t2 = np.arange(1.0, 41.0)
    straight = np.column_stack([v * t1, 0 * t1, 5000 + 0 * t1])
    turn = np.column_stack(
        [v * 19 + v / w * np.sin(w * t2), v / w * (1 - np.cos(w * t2)), 5000 + 0 * t2]
    )
    mean = _imm_track(np.vstack([straight, turn]), np.random.default_rng(seed), 10.0)
    assert np.argmax(mean) == 1 and mean[1] > 0.7


@pytest.mark.parametrize("seed", [1, 2])
def test_ballistic_model_wins_on_a_ballistic_trajectory(seed: int) -> None:
    t = np.arange(60.0)
    truth = np.column_stack([300.0 * t, 100.0 * t, 20_000 + 600.0 * t - 0.5 * G0_M_S2 * t * t])
    mean = _imm_track(truth, np.random.default_rng(seed), 10.0)
    assert np.argmax(mean) == 2 and mean[2] > 0.6


def test_cv_model_leads_on_straight_level_flight() -> None:
    t = np.arange(60.0)
    truth = np.column_stack([200.0 * t, -50.0 * t, 8000 + 0 * t])
    mean = _imm_track(truth, np.random.default_rng(3), 10.0)
    assert np.argmax(mean) == 0 and mean[0] > 0.6
    assert mean[2] < 0.2  # gravity would pull a level flight down


def test_converted_radar_covariance_matches_a_numerical_jacobian() -> None:
    az, el, rng_m = 0.7, 0.2, 80_000.0
    sig = np.array([2e-3, 3e-3, 40.0])  # az, el, range
    lat, lon, alt = np.radians(43.0), np.radians(28.0), 50.0
    base = np.array([az, el, rng_m])
    jac = np.empty((3, 3))
    for i in range(3):
        h = np.zeros(3)
        h[i] = 1e-7 * max(1.0, abs(base[i]))
        (a1, e1, r1), (a2, e2, r2) = base + h, base - h
        plus = aer_to_ecef(a1, e1, r1, lat, lon, alt)
        minus = aer_to_ecef(a2, e2, r2, lat, lon, alt)
        jac[:, i] = (plus - minus) / (2 * h[i])
    expected = jac @ np.diag(sig**2) @ jac.T
    from iamd.geo.wgs84 import enu_rotation

    c_enu = aer_covariance_enu(
        np.array([az]), np.array([el]), np.array([rng_m]), sig[:1], sig[1:2], sig[2:]
    )
    rot = enu_rotation(lat, lon)
    got = rot.T @ c_enu[0] @ rot
    assert np.allclose(got, expected, rtol=1e-5, atol=1e-3)


def test_ct_predict_with_zero_rate_equals_cv_predict() -> None:
    rng = np.random.default_rng(5)
    x = rng.normal(0, 100, (4, 6))
    p = _psd_stack(rng, 4, 6, 5.0)
    a = ct_predict(x, p, 1.5, turn_rate_rad_s=0.0, up_unit=[0, 0, 1], q_m2_s3=4.0)
    b = cv_predict(x, p, 1.5, q_m2_s3=4.0)
    assert np.allclose(a[0], b[0]) and np.allclose(a[1], b[1])


def _imm_bank() -> tuple[MotionModel, ...]:
    return (
        MotionModel(kind="cv", q_m2_s3=1.0),
        MotionModel(kind="ct", q_m2_s3=400.0),  # the tracks' estimated rates
        MotionModel(kind="ballistic", q_m2_s3=4.0),
        MotionModel(kind="ct", q_m2_s3=25.0, turn_rate_rad_s=-0.05),
        MotionModel(kind="cv", q_m2_s3=3600.0),
        MotionModel(kind="ballistic", q_m2_s3=0.5),
    )


@pytest.mark.parametrize("frame", ["local", "ecef"])
@pytest.mark.parametrize("per_track_step", [False, True])
@pytest.mark.parametrize("bank", ["mixed", "linear"])
def test_imm_predict_models_equals_mixing_then_each_model_alone(
    frame: Frame, per_track_step: bool, bank: str
) -> None:
    rng = np.random.default_rng(1166)
    models = _imm_bank()
    if bank == "linear":  # cv and ballistic only: the pass without a subset
        models = tuple(m for m in models if m.kind != "ct")
    n, r = 40, len(models)
    base = np.column_stack([rng.normal(0, 5e4, (n, 3)), rng.normal(0, 800, (n, 3))])
    if frame == "ecef":
        base[:, :3] += 6_478_137.0 * np.array([0.6, 0.0, 0.8])
    ms = base[:, None, :] + rng.normal(0, 30.0, (n, r, 6))
    mc = _psd_stack(rng, n * r, 6, 15.0).reshape(n, r, 6, 6)
    mu = rng.dirichlet(np.ones(r), n)
    trans = transition_matrix(r, 0.9)
    dt = rng.uniform(0.5, 12.0, n) if per_track_step else 2.5
    rate = rng.uniform(-0.2, 0.2, n)
    px, pp, c = imm_predict_models(
        ms,
        mc,
        mu,
        trans,
        dt,
        models,
        frame=frame,
        turn_rate_rad_s=rate,
    )
    mixed_x, mixed_p, c_ref = imm_mix(ms, mc, mu, trans)
    assert np.array_equal(c, c_ref)
    for j, model in enumerate(models):
        xj, pj = model_predict(
            mixed_x[:, j],
            mixed_p[:, j],
            dt,
            model,
            frame=frame,
            turn_rate_rad_s=rate,
        )
        scale_x = np.max(np.abs(xj), axis=-1, keepdims=True)
        scale_p = np.max(np.abs(pj), axis=(-2, -1), keepdims=True)
        assert np.all(np.abs(px[:, j] - xj) <= 1e-9 * scale_x), model
        assert np.all(np.abs(pp[:, j] - pj) <= 1e-9 * scale_p), model
    # and imm_predict combines exactly these
    pr = imm_predict(ms, mc, mu, trans, dt, models, frame=frame, turn_rate_rad_s=rate)
    x, p = imm_combine(px, pp, c)
    assert np.array_equal(pr.state, x) and np.array_equal(pr.covar, p)


def test_the_combined_state_alone_is_imm_combines_bit_for_bit() -> None:
    """`imm_combine_state` (the tracker's prediction when only the mean is needed) equals
    `imm_combine`'s state exactly, at ECEF magnitudes and with a model of probability 0."""
    rng = np.random.default_rng(5)
    n, r = 500, 3
    ms = 6.4e6 * rng.standard_normal((n, 1, 6)) + 1e3 * rng.standard_normal((n, r, 6))
    a = rng.standard_normal((n, r, 6, 6))
    mc = a @ np.swapaxes(a, -1, -2)
    mp = rng.dirichlet(np.ones(r), n)
    mp[::7, 2] = 0.0
    mp /= mp.sum(axis=1, keepdims=True)
    x, _ = imm_combine(ms, mc, mp)
    assert np.array_equal(imm_combine_state(ms, mp), x)


@settings(max_examples=50, deadline=None)
@given(seed=st.integers(0, 2**32 - 1), n=st.integers(0, 20), m=st.integers(1, 5))
def test_cross3_equals_numpy_cross_bit_for_bit(seed: int, n: int, m: int) -> None:
    """`cross3` is ``np.cross`` on the last axis, broadcasting included, to the last bit."""
    from iamd.track.filters import cross3

    rng = np.random.default_rng(seed)
    scale = 10.0 ** rng.uniform(-3, 7, (n, 1, 1))
    a = rng.normal(size=(n, 1, 3)) * scale
    b = rng.normal(size=(1, m, 3)) * 6.4e6
    assert cross3(a, b).tobytes() == np.cross(a, b).tobytes()
    omega = np.array([0.0, 0.0, 7.292115e-5])
    assert cross3(omega, b[0]).tobytes() == np.cross(omega, b[0]).tobytes()
    assert cross3(a, b).shape == np.cross(a, b).shape


def _stumpff_every_form(z: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The Stumpff functions with the series on every element, then each closed form on the
    elements of its range (the whole-array evaluation `_stumpff` narrows)."""
    from iamd.track.predict import _SERIES_Z

    c = 0.5 - z / 24.0 + z * z / 720.0 - z**3 / 40320.0
    s = 1.0 / 6.0 - z / 120.0 + z * z / 5040.0 - z**3 / 362880.0
    ell, hyp = z >= _SERIES_Z, z <= -_SERIES_Z
    ze, zh = z[ell], -z[hyp]
    c[ell], s[ell] = (
        (1.0 - np.cos(np.sqrt(ze))) / ze,
        (np.sqrt(ze) - np.sin(np.sqrt(ze))) / (np.sqrt(ze) * ze),
    )
    c[hyp], s[hyp] = (
        (np.cosh(np.sqrt(zh)) - 1.0) / zh,
        (np.sinh(np.sqrt(zh)) - np.sqrt(zh)) / (np.sqrt(zh) * zh),
    )
    return c, s


@settings(max_examples=60, deadline=None)
@given(
    seed=st.integers(0, 2**32 - 1),
    shape=st.tuples(st.integers(0, 40), st.integers(1, 200)),
    low=st.sampled_from([-3.0, -0.02, 0.0, 0.02]),
)
def test_stumpff_by_form_equals_the_whole_array_forms_bit_for_bit(
    seed: int, shape: tuple[int, int], low: float
) -> None:
    """`iamd.track.predict._stumpff` evaluates each form on its own elements only (all at
    once when all are circular): the same bits as each form on the whole array."""
    from iamd.track.predict import _stumpff

    rng = np.random.default_rng(seed)
    z = rng.uniform(low, 4.0, shape)
    z[rng.random(shape) < 0.1] = 0.0
    got, want = _stumpff(z), _stumpff_every_form(z)
    assert got[0].tobytes() == want[0].tobytes()
    assert got[1].tobytes() == want[1].tobytes()


def test_imm_update_log_likelihood_is_the_predicted_mixture_density() -> None:
    """``ln Σ_j c̄_j N(z; H x_j, H P_j H' + R)`` (Blackman and Popoli 1999 §6.2), by hand with
    numpy's determinant and solve; a model whose S is not positive definite adds nothing,
    and a track with no such model gets −∞."""
    rng = np.random.default_rng(5)
    n, r = 6, 3
    ms = rng.normal(0, 50, (n, r, 6))
    mc = np.broadcast_to(_psd_stack(rng, n, 6, 30.0)[:, None], (n, r, 6, 6)).copy()
    mu = rng.dirichlet(np.ones(r), n)
    z = rng.normal(0, 50, (n, 3))
    rz = np.broadcast_to(25.0 * EYE3, (n, 3, 3))
    mc[1, 2, :3, :3] = -1e6 * EYE3  # model 2 of track 1: S not positive definite
    mc[2, :, :3, :3] = -1e6 * EYE3  # no model of track 2 has a density
    got = imm_update(ms, mc, mu, z, rz).log_lik
    for i in range(n):
        dens = 0.0
        for j in range(r):
            s = mc[i, j, :3, :3] + rz[i]
            if np.all(np.linalg.eigvalsh(s) > 0):
                nu = z[i] - ms[i, j, :3]
                dens += (
                    mu[i, j]
                    * np.exp(-0.5 * nu @ np.linalg.solve(s, nu))
                    / np.sqrt((2 * np.pi) ** 3 * np.linalg.det(s))
                )
        if i == 2:
            assert got[i] == -np.inf
        else:
            assert got[i] == pytest.approx(np.log(dens), rel=1e-12)


@pytest.mark.parametrize("r", [2, 3, 4])
def test_transition_matrix_is_a_continuous_time_chain(r: int) -> None:
    """Chapman–Kolmogorov: ``Π(s + t) = Π(s) Π(t)``; at 1 s ``stay_prob`` on the diagonal and
    the rest shared equally; rows sum to 1; ``Π(0) = I``; at ``stay_prob = 1/r`` every step
    forgets the model at once."""
    p = 0.97
    one = transition_matrix(r, p)
    assert np.allclose(np.diag(one), p, rtol=0, atol=1e-15)
    assert np.allclose(one[~np.eye(r, dtype=bool)], (1 - p) / (r - 1), rtol=0, atol=1e-15)
    for s, t in [(0.5, 0.5), (2.0, 3.0), (0.1, 4.9), (1.0, 0.0)]:
        assert np.allclose(
            transition_matrix(r, p, s + t), transition_matrix(r, p, s) @ transition_matrix(r, p, t),
            rtol=0, atol=1e-14,
        )  # fmt: skip
    assert np.allclose(transition_matrix(r, p, 7.3).sum(axis=1), 1.0, rtol=0, atol=1e-15)
    assert np.array_equal(transition_matrix(r, p, 0.0), np.eye(r))
    assert np.allclose(transition_matrix(r, 1.0 / r, 0.2), 1.0 / r, rtol=0, atol=1e-15)
    with pytest.raises(ValueError, match=rf"stay_prob must be in \[1/{r}, 1\]"):
        transition_matrix(r, 1.0 / r - 1e-9)
