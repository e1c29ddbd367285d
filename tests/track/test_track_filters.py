"""Batched Kalman and IMM filters against closed forms, Monte Carlo consistency and properties.

References: Bar-Shalom, Li and Kirubarajan, *Estimation with Applications to Tracking and
Navigation* (2001): §6.3.2 (DWNA model), §6.5 and P. R. Kalata, "The tracking index: a
generalized parameter for α-β and α-β-γ target trackers", IEEE TAES 20(2), 1984 (steady-state
α-β gains), §5.4 (NEES and its chi-square bounds), §11.6.6 (IMM).
"""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from iamd.geo.wgs84 import GM_M3_S2, OMEGA_RAD_S, aer_to_ecef
from iamd.track.filters import (
    G0_M_S2,
    MotionModel,
    aer_covariance_enu,
    ballistic_predict,
    ct_predict,
    ct_transition,
    cv_predict,
    dwna_process_noise,
    imm_combine,
    imm_predict,
    imm_update,
    kf_update,
    model_predict,
    transition_matrix,
)
from iamd.track.manager import Tracker, TrackerParams
from iamd.track.metrics import chi2_interval, nees

EYE3 = np.eye(3)


def _diag6(pos_var: float, vel_var: float) -> np.ndarray:
    return np.diag([pos_var] * 3 + [vel_var] * 3)[None]


def test_cv_predict_and_update_match_a_hand_computed_1d_case() -> None:
    # x axis: P = diag(100, 25), T = 1 s, σ_a = 2 m/s² → Q = [[1, 2], [2, 4]]
    x = np.array([[0.0, 0, 0, 10.0, 0, 0]])
    xp, pp = cv_predict(x, _diag6(100.0, 25.0), 1.0, accel_sigma_m_s2=2.0)
    assert xp[0, 0] == 10.0
    assert pp[0, 0, 0] == pytest.approx(126.0)  # 100 + 25 + 1
    assert pp[0, 0, 3] == pytest.approx(27.0)  # 25 + 2
    assert pp[0, 3, 3] == pytest.approx(29.0)  # 25 + 4
    # z = 20 with R = 74: S = 200, K = [0.63, 0.135], ν = 10
    up = kf_update(xp, pp, np.array([[20.0, 0, 0]]), 74.0 * EYE3[None])
    assert up.state[0, 0] == pytest.approx(16.3)
    assert up.state[0, 3] == pytest.approx(11.35)
    assert up.covar[0, 0, 0] == pytest.approx(126.0 - 0.63**2 * 200.0)  # 46.62
    assert up.covar[0, 0, 3] == pytest.approx(27.0 - 0.63 * 0.135 * 200.0)  # 9.99
    assert up.covar[0, 3, 3] == pytest.approx(29.0 - 0.135**2 * 200.0)  # 25.355
    assert up.nis[0] == pytest.approx(100.0 / 200.0)
    s_y = pp[0, 1, 1] + 74.0
    expected = -0.5 * (0.5 + np.log(200.0 * s_y * s_y) + 3 * np.log(2 * np.pi))
    assert up.log_lik[0] == pytest.approx(expected, rel=1e-12)


def test_dwna_process_noise_is_gamma_gamma_transpose() -> None:
    t, s = 0.7, 3.0
    gamma = np.array([t * t / 2.0, t])
    q = dwna_process_noise(t, s)
    for axis in range(3):
        sub = q[np.ix_([axis, axis + 3], [axis, axis + 3])]
        assert np.allclose(sub, s * s * np.outer(gamma, gamma), rtol=1e-14)


@pytest.mark.parametrize(
    ("sigma_w_m", "sigma_v_m_s2", "t_s"),
    [(50.0, 1.0, 1.0), (10.0, 5.0, 2.0), (100.0, 0.5, 4.0), (5.0, 20.0, 0.5)],
)
def test_steady_state_gain_matches_kalata_alpha_beta(
    sigma_w_m: float, sigma_v_m_s2: float, t_s: float
) -> None:
    lam = sigma_v_m_s2 * t_s**2 / sigma_w_m  # tracking index
    root = np.sqrt(lam * lam + 8.0 * lam)
    alpha = -(lam * lam + 8.0 * lam - (lam + 4.0) * root) / 8.0
    beta = (lam * lam + 4.0 * lam - lam * root) / 4.0
    x = np.zeros((1, 6))
    p = _diag6(1e6, 1e4)
    r = sigma_w_m**2 * EYE3[None]
    for _ in range(400):
        x, p_pred = cv_predict(x, p, t_s, accel_sigma_m_s2=sigma_v_m_s2)
        up = kf_update(x, p_pred, np.zeros((1, 3)), r)
        x, p = up.state, up.covar
    s = p_pred[0, 0, 0] + sigma_w_m**2
    assert p_pred[0, 0, 0] / s == pytest.approx(alpha, rel=1e-9)
    assert t_s * p_pred[0, 0, 3] / s == pytest.approx(beta, rel=1e-9)


def test_nees_is_within_its_chi_square_bounds_on_simulated_cv_data() -> None:
    rng = np.random.default_rng(20010601)
    runs, steps, t, sa, sw = 100, 40, 1.0, 3.0, 30.0
    q = dwna_process_noise(t, sa)
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
        x, p = cv_predict(x, p, t, accel_sigma_m_s2=sa)
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
    x = np.array([[0.0, 0.0, 10_000.0, 100.0, 0.0, 300.0]])
    xp, pp = ballistic_predict(x, _diag6(1.0, 1.0), 10.0, accel_sigma_m_s2=0.0)
    assert xp[0, 0] == pytest.approx(1000.0)
    assert xp[0, 2] == pytest.approx(10_000.0 + 3000.0 - 0.5 * G0_M_S2 * 100.0)
    assert xp[0, 5] == pytest.approx(300.0 - G0_M_S2 * 10.0)
    _, pcv = cv_predict(x, _diag6(1.0, 1.0), 10.0, accel_sigma_m_s2=0.0)
    assert np.array_equal(pp, pcv)


def test_ecef_ballistic_prediction_has_gravity_and_centrifugal_acceleration() -> None:
    r0 = 6_378_137.0 + 10_000.0
    x = np.array([[r0, 0.0, 0.0, 0.0, 0.0, 0.0]])  # at rest in ECEF over the equator
    xp, pp = ballistic_predict(x, _diag6(1.0, 1.0), 1.0, accel_sigma_m_s2=0.0, frame="ecef")
    expected = -GM_M3_S2 / r0**2 + OMEGA_RAD_S**2 * r0
    assert xp[0, 3] == pytest.approx(expected, rel=1e-12)
    assert np.allclose(pp, np.swapaxes(pp, -1, -2))
    # a moving body feels the Coriolis acceleration -2 Ω × v
    x2 = np.array([[r0, 0.0, 0.0, 0.0, 1000.0, 0.0]])
    xp2, _ = ballistic_predict(x2, _diag6(1.0, 1.0), 1.0, accel_sigma_m_s2=0.0, frame="ecef")
    assert xp2[0, 3] - xp[0, 3] == pytest.approx(2.0 * OMEGA_RAD_S * 1000.0, rel=1e-9)


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
    seed: int, dt: float, z_var: float, kind: str, frame: str
) -> None:
    rng = np.random.default_rng(seed)
    n = 8
    x = np.column_stack([rng.normal(0, 1e5, (n, 3)), rng.normal(0, 300, (n, 3))])
    if frame == "ecef":
        x[:, 0] += 6.4e6
    p = _psd_stack(rng, n, 6, 30.0)
    model = MotionModel(kind=kind, accel_sigma_m_s2=float(rng.uniform(0, 10)))  # type: ignore[arg-type]
    for _ in range(5):
        x, p = model_predict(
            x,
            p,
            dt,
            model,
            frame=frame,
            turn_rate_rad_s=rng.uniform(-0.3, 0.3, n),  # type: ignore[arg-type]
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
        MotionModel(kind="cv", accel_sigma_m_s2=1.0),
        MotionModel(kind="ct", accel_sigma_m_s2=2.0, turn_rate_rad_s=0.05),
        MotionModel(kind="ballistic", accel_sigma_m_s2=1.0),
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


def _imm_track(truth: np.ndarray, rng: np.random.Generator, sigma_m: float) -> np.ndarray:
    """Mean model probabilities (CV, CT, ballistic) of the default IMM on one object, over
    the last 20 scans."""
    trk = Tracker(TrackerParams(confirm_m=2, confirm_n=3))
    assert [m.kind for m in trk.params.models] == ["cv", "ct", "ballistic"]
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
        plus = aer_to_ecef(*(base + h), lat, lon, alt)
        minus = aer_to_ecef(*(base - h), lat, lon, alt)
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
    a = ct_predict(x, p, 1.5, turn_rate_rad_s=0.0, up_unit=[0, 0, 1], accel_sigma_m_s2=2.0)
    b = cv_predict(x, p, 1.5, accel_sigma_m_s2=2.0)
    assert np.allclose(a[0], b[0]) and np.allclose(a[1], b[1])
