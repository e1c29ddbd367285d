"""OSPA, GOSPA, continuity and consistency metrics against hand computations and brute force.

References: Schuhmacher, Vo and Vo, IEEE TSP 56(8), 2008 (OSPA); Rahmathullah,
García-Fernández and Svensson, FUSION 2017 (GOSPA, α = 2); Bar-Shalom, Li and Kirubarajan
(2001) §5.4 (NEES, NIS, chi-square intervals).
"""

from __future__ import annotations

import itertools

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy.stats import chi2

from iamd.track.metrics import (
    Matches,
    chi2_interval,
    confirmation_delay,
    continuity,
    gospa,
    match_tracks,
    nees,
    nis,
    ospa,
)


def _ospa_brute(x: np.ndarray, y: np.ndarray, c: float, p: float) -> float:
    m, n = len(x), len(y)
    if m == n == 0:
        return 0.0
    if m > n:
        x, y, m, n = y, x, n, m
    best = min(
        sum(min(c, float(np.linalg.norm(x[i] - y[j]))) ** p for i, j in enumerate(perm))
        for perm in itertools.permutations(range(n), m)
    )
    return ((best + c**p * (n - m)) / n) ** (1 / p)


def _gospa_brute(x: np.ndarray, y: np.ndarray, c: float, p: float) -> float:
    best = np.inf
    m, n = len(x), len(y)
    for k in range(min(m, n) + 1):
        for xi in itertools.combinations(range(m), k):
            for yj in itertools.permutations(range(n), k):
                d = [float(np.linalg.norm(x[i] - y[j])) for i, j in zip(xi, yj, strict=True)]
                if any(v >= c for v in d):
                    continue
                best = min(best, sum(v**p for v in d) + c**p / 2 * (m + n - 2 * k))
    return float(best ** (1 / p))


def test_ospa_of_a_hand_computed_case() -> None:
    x = np.array([[0.0, 0.0], [10.0, 0.0]])
    y = np.array([[0.0, 3.0]])
    # (0,0)-(0,3) at 3, one cardinality error at c = 5: ((9 + 25) / 2)^(1/2)
    assert ospa(x, y, cutoff_m=5.0, order=2.0) == pytest.approx(np.sqrt(17.0))
    # p = 1, c = 100: (3 + 100) / 2
    assert ospa(x, y, cutoff_m=100.0, order=1.0) == pytest.approx(51.5)


def test_gospa_of_a_hand_computed_case_and_its_parts() -> None:
    x = np.array([[0.0, 0.0], [10.0, 0.0]])
    y = np.array([[0.0, 3.0], [50.0, 50.0]])
    g = gospa(x, y, cutoff_m=5.0, order=2.0)
    assert g.n_assigned == 1
    assert g.localisation == pytest.approx(9.0)
    assert g.missed == pytest.approx(12.5) and g.false == pytest.approx(12.5)
    assert g.distance == pytest.approx(np.sqrt(34.0))


def test_identical_sets_are_at_zero_and_empty_against_non_empty_at_the_cutoff() -> None:
    rng = np.random.default_rng(1)
    x = rng.uniform(0, 1000, (7, 3))
    assert ospa(x, x, cutoff_m=100.0, order=2.0) == 0.0
    assert gospa(x, x.copy(), cutoff_m=100.0).distance == 0.0
    assert ospa(np.zeros((0, 3)), np.zeros((0, 3)), cutoff_m=100.0) == 0.0
    assert ospa(x, np.zeros((0, 3)), cutoff_m=100.0, order=2.0) == pytest.approx(100.0)
    assert ospa(np.zeros((0, 3)), x, cutoff_m=100.0, order=1.0) == pytest.approx(100.0)
    # GOSPA counts each missed object at c^p / 2
    assert gospa(x, np.zeros((0, 3)), cutoff_m=100.0, order=1.0).distance == pytest.approx(350.0)


@settings(max_examples=60, deadline=None)
@given(
    seed=st.integers(0, 2**32 - 1),
    m=st.integers(0, 5),
    n=st.integers(0, 5),
    p=st.sampled_from([1.0, 2.0]),
)
def test_ospa_and_gospa_match_brute_force(seed: int, m: int, n: int, p: float) -> None:
    rng = np.random.default_rng(seed)
    x = rng.uniform(0, 100, (m, 2))
    y = rng.uniform(0, 100, (n, 2))
    c = 40.0
    assert ospa(x, y, cutoff_m=c, order=p) == pytest.approx(_ospa_brute(x, y, c, p), abs=1e-9)
    assert ospa(x, y, cutoff_m=c, order=p) == pytest.approx(
        ospa(y, x, cutoff_m=c, order=p), abs=1e-9
    )
    assert gospa(x, y, cutoff_m=c, order=p).distance == pytest.approx(
        _gospa_brute(x, y, c, p), abs=1e-9
    )


@settings(max_examples=40, deadline=None)
@given(seed=st.integers(0, 2**32 - 1))
def test_ospa_obeys_the_triangle_inequality_and_the_cutoff(seed: int) -> None:
    rng = np.random.default_rng(seed)
    a, b, c = (rng.uniform(0, 100, (int(rng.integers(0, 6)), 2)) for _ in range(3))
    d = lambda u, v: ospa(u, v, cutoff_m=30.0, order=2.0)  # noqa: E731
    assert d(a, c) <= d(a, b) + d(b, c) + 1e-9
    assert 0.0 <= d(a, b) <= 30.0 + 1e-9


def test_continuity_counts_identity_switches_and_fragmentations() -> None:
    truth_t = np.repeat(np.arange(6.0), 2)
    truth_id = np.tile([0, 1], 6)
    pos = np.zeros((12, 3))
    pos[truth_id == 1] = [10_000.0, 0, 0]
    # truth 0: tracks 5,5,-,5,5,5 (one fragmentation); truth 1: 7,7,7,8,8,8 (one switch)
    rows = []
    for t in range(6):
        if t != 2:
            rows.append((t, 5, [3.0, 0, 0]))
        rows.append((t, 7 if t < 3 else 8, [10_010.0, 0, 0]))
    kt = np.array([r[0] for r in rows], dtype=float)
    kid = np.array([r[1] for r in rows])
    kp = np.array([r[2] for r in rows])
    m = match_tracks(truth_t, truth_id, pos, kt, kid, kp, cutoff_m=100.0)
    assert m.track_id.tolist() == [5, 7, 5, 7, -1, 7, 5, 8, 5, 8, 5, 8]
    c = continuity(m)
    assert (c.id_switches, c.fragmentations, c.truths, c.tracks) == (1, 1, 2, 3)


def test_confirmation_delay_is_first_match_minus_first_detection() -> None:
    m = Matches(
        t_s=np.array([0.0, 1.0, 2.0, 3.0, 3.0]),
        truth_id=np.array([1, 1, 1, 1, 2]),
        track_id=np.array([-1, -1, 4, 4, -1]),
        distance_m=np.zeros(5),
    )
    d = confirmation_delay(m, np.array([1, 2]), np.array([0.5, 3.0]))
    assert d[0] == pytest.approx(1.5) and np.isnan(d[1])


def test_nees_and_nis_and_their_chi_square_interval() -> None:
    p = np.array([[4.0, 1.0], [1.0, 2.0]])
    e = np.array([1.0, -1.0])
    assert float(nees(e, p)) == pytest.approx(float(e @ np.linalg.solve(p, e)))
    assert float(nis(e, p)) == pytest.approx(float(nees(e, p)))
    lo, hi = chi2_interval(3, 1, 0.95)
    assert (lo, hi) == pytest.approx((chi2.ppf(0.025, 3), chi2.ppf(0.975, 3)))
    lo, hi = chi2_interval(6, 100, 0.95)
    assert lo == pytest.approx(chi2.ppf(0.025, 600) / 100) and 5.2 < lo < 6 < hi < 6.8
