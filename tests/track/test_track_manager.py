"""The one tracker's track management: the sequential test on the track score (Wald 1947;
Blackman and Popoli 1999 §6.2–6.3), M-of-N, deletion, numbers, the online clutter and
detection-probability estimates, new tracks' model probabilities, and recovery of simulated
targets."""

from __future__ import annotations

import numpy as np
import pytest

from iamd.errors import InputError
from iamd.track.manager import (
    CONFIRMED,
    CV_ONLY,
    TENTATIVE,
    TURN_BANK,
    Tracker,
    TrackerParams,
)
from iamd.track.metrics import continuity, match_tracks, ospa

COV = 100.0 * np.eye(3)


def _plot(t: float) -> np.ndarray:
    return np.array([[1000.0 + 200.0 * t, 5000.0, 3000.0]])


def _mofn(**kw: object) -> TrackerParams:
    return TrackerParams(frame="local", confirmation="m_of_n", clutter_density=1e-12, **kw)  # type: ignore[arg-type]


def _run(params: TrackerParams, pattern: str) -> tuple[Tracker, list]:
    """One target, detected at the scans marked 'x' of ``pattern`` ('.' = missed)."""
    trk = Tracker(params)
    events = []
    for k, ch in enumerate(pattern):
        z = _plot(float(k)) if ch == "x" else np.zeros((0, 3))
        events.append(trk.step(float(k), z, np.broadcast_to(COV, (len(z), 3, 3))))
    return trk, events


@pytest.mark.parametrize(
    ("m", "n", "pattern", "confirmed_at"),
    [
        (2, 3, "xx", 1),
        (2, 3, "x.x", 2),
        (3, 5, "xx.x", 3),
        (3, 5, "x..xx", 4),
        (1, 1, "x", 0),
        (3, 5, "x.x..xx", 6),  # the window slides
    ],
)
def test_m_of_n_confirms_at_the_m_th_hit(m: int, n: int, pattern: str, confirmed_at: int) -> None:
    trk, events = _run(_mofn(confirm_m=m, confirm_n=n), pattern)
    when = [k for k, ev in enumerate(events) if len(ev.confirmed)]
    assert when == [confirmed_at]
    assert trk.table.status.tolist() == [CONFIRMED]
    assert trk.table.confirmed_s.tolist() == [float(confirmed_at)]


@pytest.mark.parametrize(
    ("m", "n", "pattern", "deleted_at"),
    [(2, 3, "x..", 2), (3, 5, "x...", 3), (3, 5, "xx...", 4)],
)
def test_a_tentative_track_that_cannot_reach_m_of_n_is_deleted(
    m: int, n: int, pattern: str, deleted_at: int
) -> None:
    trk, events = _run(_mofn(confirm_m=m, confirm_n=n), pattern)
    when = [k for k, ev in enumerate(events) if 1 in ev.deleted.tolist()]
    assert when == [deleted_at]
    assert len(trk.table) == 0


def test_a_confirmed_track_is_deleted_after_k_consecutive_misses() -> None:
    params = _mofn(confirm_m=2, confirm_n=3, delete_misses=4)
    trk, events = _run(params, "xxxx.x....")
    deleted = [k for k, ev in enumerate(events) if 1 in ev.deleted.tolist()]
    assert deleted == [9]  # misses at 6, 7, 8, 9
    assert trk.table.misses.tolist() == []


def test_a_track_whose_position_variance_exceeds_the_limit_is_deleted() -> None:
    params = _mofn(confirm_m=2, confirm_n=3, delete_misses=100, max_position_var_m2=400.0**2)
    trk, events = _run(params, "xxxx" + "." * 30)
    k_del = [k for k, ev in enumerate(events) if len(ev.deleted)]
    assert len(k_del) == 1 and 5 < k_del[0] < 30
    assert len(trk.table) == 0


def test_track_ids_are_never_reused() -> None:
    trk = Tracker(_mofn(confirm_m=2, confirm_n=3))
    seen: list[int] = []
    for k in range(12):
        # a new lone plot every scan far from the others: each starts and dies
        z = np.array([[1e5 * k, 0.0, 0.0]])
        ev = trk.step(float(k), z, COV[None])
        seen += ev.initiated.tolist()
    assert seen == list(range(1, 13))
    assert len(set(trk.table.ids.tolist())) == len(trk.table)


def test_scans_must_come_in_time_order_and_may_be_empty() -> None:
    trk = Tracker(TrackerParams(frame="local"))
    trk.step(5.0, np.zeros((0, 3)), np.zeros((0, 3, 3)))
    trk.step(5.0, _plot(0.0), COV[None])
    with pytest.raises(ValueError, match="earlier than the previous"):
        trk.step(4.0, _plot(0.0), COV[None])
    with pytest.raises(ValueError, match="covariances"):
        trk.step(6.0, _plot(0.0), np.zeros((2, 3, 3)))


def test_bad_parameters_are_reported() -> None:
    with pytest.raises(InputError, match=r"confirm_m must be in 1..confirm_n \(got 4\)"):
        TrackerParams(confirm_m=4, confirm_n=3)
    with pytest.raises(InputError, match=r"pd must be in \(0, 1\) or None \(got 1.0\)"):
        TrackerParams(pd=1.0)


def _simulate(
    n_targets: int, scans: int, seed: int, sigma_m: float = 50.0, pd: float = 0.9
) -> tuple[list[tuple[float, np.ndarray, np.ndarray]], float]:
    """Well-separated straight-flying targets on a grid, with Poisson clutter."""
    rng = np.random.default_rng(seed)
    side = 100e3
    g = int(np.ceil(np.sqrt(n_targets)))
    xy = (np.argwhere(np.ones((g, g)))[:n_targets] + 0.5) * (side / g)
    p0 = np.column_stack([xy, rng.uniform(2e3, 10e3, n_targets)])
    heading = rng.uniform(0, 2 * np.pi, n_targets)
    v = np.column_stack([200 * np.cos(heading), 200 * np.sin(heading), np.zeros(n_targets)])
    out = []
    for k in range(scans):
        truth = p0 + v * k
        det = rng.random(n_targets) < pd
        z = truth[det] + rng.normal(0, sigma_m, (int(det.sum()), 3))
        nc = rng.poisson(30)
        clutter = np.column_stack([rng.uniform(0, side, (nc, 2)), rng.uniform(0, 12e3, nc)])
        plots = np.vstack([z, clutter])
        out.append((float(k), truth, plots[rng.permutation(len(plots))]))
    return out, sigma_m


@pytest.mark.parametrize(
    "params",
    [
        TrackerParams(frame="local"),
        TrackerParams(frame="local", models=CV_ONLY),
        TrackerParams(frame="local", models=TURN_BANK),
        TrackerParams(frame="local", confirmation="m_of_n"),
    ],
)
def test_tracker_recovers_separated_targets_in_clutter(params: TrackerParams) -> None:
    scans, sigma = _simulate(25, 40, seed=2)
    trk = Tracker(params)
    cols: dict[str, list] = {k: [] for k in ("tt", "ti", "tp", "kt", "ki", "kp")}
    errs = []
    for t, truth, plots in scans:
        trk.step(t, plots, np.broadcast_to(sigma**2 * np.eye(3), (len(plots), 3, 3)))
        tab = trk.table
        c = tab.confirmed
        if t >= 8:
            errs.append(ospa(truth, tab.state[c, :3], cutoff_m=1000.0, order=1.0))
        cols["tt"].append(np.full(len(truth), t))
        cols["ti"].append(np.arange(len(truth)))
        cols["tp"].append(truth)
        cols["kt"].append(np.full(int(c.sum()), t))
        cols["ki"].append(tab.ids[c])
        cols["kp"].append(tab.state[c, :3])
    assert np.mean(errs) < 80.0  # 50 m plots; c = 1 km
    assert max(errs) < 200.0
    m = match_tracks(*(np.concatenate(cols[k]) for k in cols), cutoff_m=1000.0)
    cont = continuity(m)
    assert cont.id_switches == 0
    assert cont.truths == 25 and cont.tracks == 25
    assert set(np.unique(trk.table.status)) <= {TENTATIVE, CONFIRMED}


def test_same_input_gives_identical_tables() -> None:
    scans, sigma = _simulate(9, 15, seed=3)
    tables = []
    for _ in range(2):
        trk = Tracker(TrackerParams(frame="local"))
        for t, _, plots in scans:
            trk.step(t, plots, np.broadcast_to(sigma**2 * np.eye(3), (len(plots), 3, 3)))
        tables.append(trk.table)
    a, b = tables
    assert np.array_equal(a.ids, b.ids) and np.array_equal(a.state, b.state)
    assert np.array_equal(a.covar, b.covar) and np.array_equal(a.score, b.score)


def test_a_look_function_that_looks_at_every_track_changes_nothing() -> None:
    """Without a LookFn the prediction is combined for its mean only (the covariance serves
    the looks); a LookFn that looks at every track of a scanning sensor's picture, as the
    default does, gives the same tables bit for bit, and sees the combined covariance."""
    scans, sigma = _simulate(16, 20, seed=4, pd=0.7)
    seen: list[np.ndarray] = []

    def everyone(pos: np.ndarray, cov: np.ndarray, picture: np.ndarray,
                 scanning: np.ndarray) -> np.ndarray:  # fmt: skip
        seen.append(cov)
        return np.ones(len(pos), dtype=bool)

    tables = []
    for look in (None, everyone):
        trk = Tracker(TrackerParams(frame="local"), look=look)
        for t, _, plots in scans:
            trk.step(t, plots, np.broadcast_to(sigma**2 * np.eye(3), (len(plots), 3, 3)))
        tables.append(trk.table)
    a, b = tables
    for name in ("ids", "state", "covar", "model_state", "model_covar", "model_prob", "score",
                 "status", "misses"):  # fmt: skip
        assert np.array_equal(getattr(a, name), getattr(b, name)), name
    assert seen and all(np.all(np.linalg.eigvalsh(c) > 0.0) for c in seen)


# --- the track score and the sequential test ------------------------------------------------


def _gauss_log_pdf(nu: np.ndarray, s: np.ndarray) -> float:
    """ln N(ν; 0, S) from its formula."""
    d = len(nu)
    return float(
        -0.5 * (nu @ np.linalg.solve(s, nu) + np.log(np.linalg.det(s)) + d * np.log(2 * np.pi))
    )


@pytest.mark.parametrize("dim", [3, 2])
def test_hit_adds_log_pd_over_clutter_plus_the_plot_density_in_its_dimension(dim: int) -> None:
    """Blackman and Popoli (1999) eq. 6.13: ΔL = ln(P_D/λ) + ln N_d(ν; 0, S), d the plot's
    dimension (λ per m³ for 3-D plots, per m² for 2-D ones)."""
    lam, pd = 1e-9, 0.8
    params = TrackerParams(frame="local", models=CV_ONLY, pd=pd, clutter_density=lam)
    trk = Tracker(params, measured_axes=np.eye(3)[:dim])
    r = np.diag([400.0, 900.0, 2500.0])
    trk.step(0.0, np.array([[0.0, 0.0, 1000.0]]), r[None])
    assert trk.table.score.tolist() == [0.0]
    pred_x, pred_p = trk.table.state[0].copy(), trk.table.covar[0].copy()
    # by hand: constant-velocity prediction over 1 s, then the innovation's density
    f = np.eye(6)
    f[:3, 3:] = np.eye(3)
    q = np.zeros((6, 6))
    for i in range(3):
        q[np.ix_([i, i + 3], [i, i + 3])] = params.models[0].q_m2_s3 * np.array(
            [[1 / 3, 1 / 2], [1 / 2, 1.0]]
        )
    x = f @ pred_x
    p = f @ pred_p @ f.T + q
    z = np.array([150.0, -80.0, 1030.0])
    trk.step(1.0, z[None], r[None])
    nu, s = (z - x[:3])[:dim], (p[:3, :3] + r)[:dim, :dim]
    expected = np.log(pd / lam) + _gauss_log_pdf(nu, s)
    assert trk.table.score[0] == pytest.approx(expected, rel=1e-12)
    # a look without a plot: ln(1 - P_D P_G)
    trk.step(2.0, np.zeros((0, 3)), np.zeros((0, 3, 3)))
    assert trk.table.score[0] == pytest.approx(expected + np.log1p(-pd * params.gate_prob))


def test_sprt_thresholds_are_walds() -> None:
    p = TrackerParams(false_track_prob=1e-4, true_track_loss_prob=0.05)
    assert p.confirm_score == pytest.approx(np.log(0.95 / 1e-4))
    assert p.reject_score == pytest.approx(np.log(0.05 / (1 - 1e-4)))


def _score_after_two_hits(params: TrackerParams) -> float:
    trk = Tracker(params)
    for k in range(2):
        trk.step(float(k), _plot(float(k)), COV[None])
    return float(trk.table.score[0])


@pytest.mark.parametrize("above", [True, False])
def test_a_tentative_track_is_confirmed_exactly_at_the_upper_threshold(above: bool) -> None:
    base = TrackerParams(frame="local", models=CV_ONLY, clutter_density=1e-12)
    score = _score_after_two_hits(base)
    # choose α so that ln((1 - β)/α) sits just below / just above the score
    threshold = score - 1e-6 if above else score + 1e-6
    alpha = (1 - base.true_track_loss_prob) / np.exp(threshold)
    params = TrackerParams(frame="local", models=CV_ONLY, clutter_density=1e-12,
                           false_track_prob=float(alpha))  # fmt: skip
    trk = Tracker(params)
    events = [trk.step(float(k), _plot(float(k)), COV[None]) for k in range(2)]
    assert (len(events[1].confirmed) == 1) is above
    assert trk.table.status.tolist() == [CONFIRMED if above else TENTATIVE]


@pytest.mark.parametrize("misses", [2, 3])
def test_a_tentative_track_is_deleted_at_the_lower_threshold(misses: int) -> None:
    # P_D = 0.9: each missed look adds ln(1 - 0.9 * 0.997) = -2.21; β = 0.01 puts the lower
    # threshold at ln(0.01) = -4.6: deleted at the 3rd miss, not the 2nd
    params = TrackerParams(frame="local", clutter_density=1e-12, true_track_loss_prob=0.01)
    trk, _events = _run(params, "x" + "." * misses)
    assert (len(trk.table) == 0) is (misses == 3)


@pytest.mark.parametrize("drop", [11.0, 12.0])
def test_a_confirmed_track_is_deleted_when_its_score_falls_the_drop_below_its_maximum(
    drop: float,
) -> None:
    # five missed looks lose 5 × ln(1 - 0.9 × 0.997) = 5 × -2.276 = -11.38 from the maximum
    params = TrackerParams(frame="local", clutter_density=1e-12, pd=0.9,
                           delete_score_drop=drop)  # fmt: skip
    trk, _events = _run(params, "xxxxx" + "." * 5)
    assert (len(trk.table) == 0) is (drop <= 11.0)


@pytest.mark.parametrize(
    ("pd", "misses", "deleted"),
    [(0.881, 5, True), (0.881, 4, False), (0.879, 5, False), (0.931, 4, True),
     (0.929, 4, False), (0.9, 5, True), (0.9, 4, False)],
)  # fmt: skip
def test_the_default_drop_deletes_at_the_fifth_missed_look_around_pd_09(
    pd: float, misses: int, deleted: bool
) -> None:
    """The default `delete_score_drop` (10.5) deletes a confirmed track at its fifth missed
    look in a row for P_D in [0.8802, 0.9304) (a miss costs ln(1 - 0.997 P_D): 2.10 to 2.625),
    Stone Soup's five-scan deleter; 12 kept tracks of departed targets coasting one look
    longer, 11 did so whenever the online estimate read 0.89 for 0.9."""
    params = TrackerParams(frame="local", clutter_density=1e-12, pd=pd)
    assert params.delete_score_drop == 10.5
    trk, _events = _run(params, "xxxxx" + "." * misses)
    assert (len(trk.table) == 0) is deleted


def _detect(rng: np.random.Generator, pd: float, n_targets: int, scans: int,
            leave_at: int | None = None) -> Tracker:  # fmt: skip
    """Targets 10 km apart on a line at 200 m/s, each detected with probability ``pd``; the
    odd ones vanish at scan ``leave_at``."""
    trk = Tracker(TrackerParams(frame="local", clutter_density=1e-12))
    x0 = np.column_stack([np.arange(n_targets) * 10e3, np.zeros(n_targets),
                          np.full(n_targets, 3000.0)])  # fmt: skip
    for k in range(scans):
        z = x0 + np.array([200.0 * k, 0.0, 0.0])
        keep = rng.uniform(size=n_targets) < pd
        if leave_at is not None and k >= leave_at:
            keep &= np.arange(n_targets) % 2 == 0
        trk.step(float(k), z[keep], np.broadcast_to(COV, (int(keep.sum()), 3, 3)))
    return trk


@pytest.mark.parametrize("pd", [0.6, 0.9])
def test_online_detection_estimate_finds_the_true_pd(pd: float) -> None:
    trk = _detect(np.random.default_rng(11), pd, 60, 80)
    est = trk.detection.value(0.9, 20.0)[0]
    assert est == pytest.approx(pd, abs=0.03)


def test_the_misses_of_departed_targets_do_not_lower_the_pd_estimate() -> None:
    """Half the targets vanish: their tracks' missed looks end in deletion, not in a plot,
    and are not counted; the estimate stays at the sensors' P_D (0.9)."""
    rng = np.random.default_rng(12)
    trk = _detect(rng, 0.9, 60, 60, leave_at=40)
    assert len(trk.table) < 45  # the departed targets' tracks are gone
    assert trk.detection.value(0.9, 20.0)[0] == pytest.approx(0.9, abs=0.03)


def test_a_given_pd_is_not_estimated() -> None:
    trk = Tracker(TrackerParams(frame="local", clutter_density=1e-12, pd=0.7))
    for k in range(6):
        trk.step(float(k), _plot(float(k)), COV[None])
    assert trk.detection.hits.tolist() == [0.0]


@pytest.mark.parametrize(("height_m", "first"), [(20_000.0, 0.9), (20_010.0, 1.0 / 3.0)])
def test_a_new_track_below_the_ballistic_height_starts_in_straight_flight(
    height_m: float, first: float
) -> None:
    """At or below `ballistic_height_m` a new track starts in the first model (straight
    flight) with `initial_quiet_prob` (0.9), the ballistic and manoeuvre models 0.05 each;
    above it the models are equally likely. A uniform start gave the ballistic model 40 % of
    new aircraft tracks five seconds in, and its gravity their altitude."""
    trk = Tracker(TrackerParams(frame="local"))
    trk.step(0.0, np.array([[0.0, 0.0, height_m]]), COV[None])
    prob = trk.table.model_prob[0]
    assert prob[0] == pytest.approx(first)
    assert prob[1] == pytest.approx(prob[2]) and prob.sum() == pytest.approx(1.0)


def test_scores_only_count_looks() -> None:
    # a second sensor that does not scan in a step does not make a miss
    params = TrackerParams(frame="local", clutter_density=1e-12)
    trk = Tracker(params, sensor_picture=np.zeros(2, dtype=np.int64))
    for k in range(3):
        trk.step(float(k), _plot(float(k)), COV[None], np.array([0]))
    before = trk.table.score.copy()
    trk.step(3.0, np.zeros((0, 3)), np.zeros((0, 3, 3)), np.zeros(0, dtype=np.int64),
             scans=np.array([0, 0]))  # fmt: skip
    assert np.array_equal(trk.table.score, before)
    trk.step(4.0, np.zeros((0, 3)), np.zeros((0, 3, 3)), np.zeros(0, dtype=np.int64),
             scans=np.array([0, 1]))  # fmt: skip
    assert trk.table.score[0] < before[0]


def test_online_clutter_estimate_finds_the_true_density() -> None:
    """Poisson clutter, 200 per scan, uniform in a 100 km × 100 km × 10 km box:
    λ = 2·10⁻¹¹ per m³."""
    rng = np.random.default_rng(4)
    trk = Tracker(TrackerParams(frame="local"))
    box = np.array([100e3, 100e3, 10e3])
    for k in range(40):
        z = rng.uniform(0, 1, (rng.poisson(200), 3)) * box
        trk.step(float(k), z, np.broadcast_to(COV, (len(z), 3, 3)))
    lam = trk.clutter.density(np.zeros((1, 3)), np.zeros(1, dtype=np.int64),
                              np.zeros((1, 3)), None)[0]  # fmt: skip
    assert lam == pytest.approx(200 / np.prod(box), rel=0.1)


def test_the_clutter_estimate_restarts_at_a_sensors_second_scan() -> None:
    """A sensor's first scan counts every plot as free (nothing is tracked yet); its second
    scan replaces that count, so targets seen twice are not clutter: 100 targets and no
    false plot give the floor (10⁻³ per scan), not the mean of 100 and 0."""
    trk = Tracker(TrackerParams(frame="local"))
    z = np.column_stack([np.arange(100) * 5e3, np.zeros(100), np.full(100, 3000.0)])
    trk.step(0.0, z, np.broadcast_to(COV, (100, 3, 3)))
    assert trk.clutter.rate.tolist() == [100.0]
    trk.step(1.0, z + np.array([200.0, 0.0, 0.0]), np.broadcast_to(COV, (100, 3, 3)))
    assert trk.clutter.rate.tolist() == [0.0]


def test_heavy_clutter_gives_no_confirmed_false_track() -> None:
    """1,000 clutter plots per scan (λ ≈ 10⁻¹² per m³) and no target: the sequential test
    confirms nothing over 30 scans, where 2-of-3 confirms dozens."""
    rng = np.random.default_rng(5)
    box = np.array([100e3, 100e3, 10e3])
    counts = {}
    for mode in ("sprt", "m_of_n"):
        trk = Tracker(TrackerParams(frame="local", confirmation=mode, confirm_m=2,  # type: ignore[arg-type]
                                    confirm_n=3))  # fmt: skip
        confirmed: set[int] = set()
        for k in range(30):
            z = rng.uniform(0, 1, (1000, 3)) * box
            ev = trk.step(float(k), z, np.broadcast_to(2500.0 * np.eye(3), (1000, 3, 3)))
            confirmed |= set(ev.confirmed.tolist())
        counts[mode] = len(confirmed)
    assert counts["sprt"] == 0
    assert counts["m_of_n"] > 10


def test_a_diffuse_manoeuvre_model_is_no_clutter_magnet() -> None:
    """The default IMM's manoeuvre model (q = 7,200 m²/s³) admits plots kilometres away; in
    1,000 clutter plots per scan it confirmed dozens of false tracks under 2-of-3, and none
    under the sequential test, whose score weighs each plot by the mixture's likelihood."""
    rng = np.random.default_rng(6)
    box = np.array([100e3, 100e3, 10e3])
    trk = Tracker(TrackerParams(frame="local"))
    confirmed: set[int] = set()
    for k in range(30):
        z = rng.uniform(0, 1, (1000, 3)) * box
        ev = trk.step(2.0 * k, z, np.broadcast_to(2500.0 * np.eye(3), (1000, 3, 3)))
        confirmed |= set(ev.confirmed.tolist())
    assert len(confirmed) == 0


@pytest.mark.parametrize(("height_m", "sigma"), [(19_990.0, 450.0), (20_010.0, 4_000.0)])
def test_a_new_tracks_speed_sigma_is_set_by_the_ballistic_height(
    height_m: float, sigma: float
) -> None:
    """Below `ballistic_height_m` (20 km) only air-breathing speeds; above it, a missile's."""
    trk = Tracker(TrackerParams(frame="local"))
    trk.step(0.0, np.array([[0.0, 0.0, height_m]]), COV[None])
    assert np.sqrt(trk.table.covar[0, 3, 3]) == pytest.approx(sigma)


@pytest.mark.parametrize("side_m", [5_000.0, 20_000.0])
def test_the_clutter_volume_has_a_10_km_floor_per_side(side_m: float) -> None:
    """Without a volume function the volume is the box of a sensor's plots, each side at least
    `ClutterEstimate.min_side_m` = 10 km: a cube of 5 km counts as (10 km)³, one of 20 km as
    itself."""
    rng = np.random.default_rng(8)
    trk = Tracker(TrackerParams(frame="local"))
    z = rng.uniform(0, 1, (50, 3)) * side_m
    z[:2] = [[0.0, 0.0, 0.0], [side_m, side_m, side_m]]
    trk.step(0.0, z, np.broadcast_to(COV, (50, 3, 3)))
    lam = trk.clutter.density(z[:1], np.zeros(1, dtype=np.int64), z[:1], None)[0]
    assert lam == pytest.approx(50 / max(side_m, 10_000.0) ** 3)


def test_model_switching_follows_time_not_the_number_of_steps() -> None:
    """The IMM's Markov chain runs per second: a track coasting 6 s in one step and one
    coasting the same 6 s in six steps (no plot, so no update) end with the same model
    probabilities, equal to the one-second matrix's sixth power applied to its start."""
    from iamd.track.filters import transition_matrix

    par = _mofn(confirm_m=1, confirm_n=1, delete_misses=50, max_coast_s=100.0)
    ends = []
    for times in ([0.0, 1.0, 7.0], [0.0, 1.0, 2.0, 3.0, 4.0, 5.0, 6.0, 7.0]):
        trk = Tracker(par)
        trk.step(0.0, _plot(0.0), COV[None])
        trk.step(1.0, _plot(1.0), COV[None])
        start = trk.table.model_prob[0].copy()
        for t in times[2:]:
            trk.step(t, np.zeros((0, 3)), np.zeros((0, 3, 3)))
        ends.append(trk.table.model_prob[0])
    one = transition_matrix(3, par.stay_prob)
    assert np.allclose(ends[0], ends[1], rtol=0, atol=1e-12)
    assert np.allclose(ends[0], start @ np.linalg.matrix_power(one, 6), rtol=0, atol=1e-12)
    assert not np.allclose(ends[0], start @ one, rtol=0, atol=1e-6)  # not one step's worth


def test_stay_prob_is_bounded_below_by_one_over_the_models() -> None:
    """Below 1/r the one-second matrix has a negative eigenvalue and no fractional power."""
    TrackerParams(stay_prob=1.0 / 3.0)
    with pytest.raises(InputError, match=r"stay_prob must be in \[1/3, 1\] with 3 models"):
        TrackerParams(stay_prob=np.nextafter(1.0 / 3.0, 0.0))
    TrackerParams(models=CV_ONLY, stay_prob=0.1)  # one model: nothing to switch to
