"""Track management: M-of-N confirmation, deletion, ids, and recovery of simulated targets."""

from __future__ import annotations

import numpy as np
import pytest

from iamd.errors import InputError
from iamd.track.manager import CONFIRMED, CV_ONLY, TENTATIVE, Tracker, TrackerParams
from iamd.track.metrics import continuity, match_tracks, ospa

COV = 100.0 * np.eye(3)


def _plot(t: float) -> np.ndarray:
    return np.array([[1000.0 + 200.0 * t, 5000.0, 3000.0]])


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
    trk, events = _run(TrackerParams(confirm_m=m, confirm_n=n), pattern)
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
    trk, events = _run(TrackerParams(confirm_m=m, confirm_n=n), pattern)
    when = [k for k, ev in enumerate(events) if 1 in ev.deleted.tolist()]
    assert when == [deleted_at]
    assert len(trk.table) == 0


def test_a_confirmed_track_is_deleted_after_k_consecutive_misses() -> None:
    params = TrackerParams(confirm_m=2, confirm_n=3, delete_misses=4)
    trk, events = _run(params, "xxxx.x....")
    deleted = [k for k, ev in enumerate(events) if 1 in ev.deleted.tolist()]
    assert deleted == [9]  # misses at 6, 7, 8, 9
    assert trk.table.misses.tolist() == []


def test_a_track_whose_position_variance_exceeds_the_limit_is_deleted() -> None:
    params = TrackerParams(
        confirm_m=2, confirm_n=3, delete_misses=100, max_position_var_m2=400.0**2
    )
    trk, events = _run(params, "xxxx" + "." * 30)
    k_del = [k for k, ev in enumerate(events) if len(ev.deleted)]
    assert len(k_del) == 1 and 5 < k_del[0] < 30
    assert len(trk.table) == 0


def test_track_ids_are_never_reused() -> None:
    trk = Tracker(TrackerParams(confirm_m=2, confirm_n=3))
    seen: list[int] = []
    for k in range(12):
        # a new lone plot every scan far from the others: each starts and dies
        z = np.array([[1e5 * k, 0.0, 0.0]])
        ev = trk.step(float(k), z, COV[None])
        seen += ev.initiated.tolist()
    assert seen == list(range(1, 13))
    assert len(set(trk.table.ids.tolist())) == len(trk.table)


def test_scans_must_come_in_time_order_and_may_be_empty() -> None:
    trk = Tracker()
    trk.step(5.0, np.zeros((0, 3)), np.zeros((0, 3, 3)))
    trk.step(5.0, _plot(0.0), COV[None])
    with pytest.raises(ValueError, match="earlier than the previous"):
        trk.step(4.0, _plot(0.0), COV[None])
    with pytest.raises(ValueError, match="covariances"):
        trk.step(6.0, _plot(0.0), np.zeros((2, 3, 3)))


def test_bad_parameters_are_reported() -> None:
    with pytest.raises(InputError, match=r"confirm_m must be in 1..confirm_n=3 \(got 4\)"):
        TrackerParams(confirm_m=4, confirm_n=3)
    with pytest.raises(InputError, match=r"pd must be in \(0, 1\) \(got 1.0\)"):
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


@pytest.mark.parametrize("params", [TrackerParams(), TrackerParams(models=CV_ONLY)])
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
        trk = Tracker()
        for t, _, plots in scans:
            trk.step(t, plots, np.broadcast_to(sigma**2 * np.eye(3), (len(plots), 3, 3)))
        tables.append(trk.table)
    a, b = tables
    assert np.array_equal(a.ids, b.ids) and np.array_equal(a.state, b.state)
    assert np.array_equal(a.covar, b.covar)
