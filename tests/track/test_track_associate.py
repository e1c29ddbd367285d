"""Gating and global-nearest-neighbour assignment against brute force.

Brute-force oracles: every partial matching of a small random instance (GNN: most pairs,
then least cost; OSPA-style: least cost) and every track–plot pair for the gate.
"""

from __future__ import annotations

import itertools

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy.stats import chi2

from iamd.track import associate
from iamd.track.associate import gate, gate_threshold, gnn_assign, min_cost_assign


def _matchings(edges: list[tuple[int, int, float]]) -> list[tuple[int, float]]:
    """(size, cost) of every matching of the edge list."""
    out = []
    for k in range(len(edges) + 1):
        for combo in itertools.combinations(edges, k):
            rows = [e[0] for e in combo]
            cols = [e[1] for e in combo]
            if len(set(rows)) == k and len(set(cols)) == k:
                out.append((k, sum(e[2] for e in combo)))
    return out


def _instance(seed: int) -> tuple[np.ndarray, np.ndarray, np.ndarray, int, int]:
    rng = np.random.default_rng(seed)
    n_rows, n_cols = int(rng.integers(1, 5)), int(rng.integers(1, 5))
    mask = rng.random((n_rows, n_cols)) < 0.6
    rows, cols = np.nonzero(mask)
    cost = rng.normal(0.0, 3.0, len(rows))
    return rows.astype(np.int64), cols.astype(np.int64), cost, n_rows, n_cols


@pytest.mark.parametrize("seed", range(150))
def test_gnn_matches_brute_force_over_all_matchings(seed: int) -> None:
    rows, cols, cost, nr, nc = _instance(seed)
    e = gnn_assign(rows, cols, cost, nr, nc)
    assert len(set(rows[e])) == len(e) and len(set(cols[e])) == len(e)  # feasible
    best = max(_matchings(list(zip(rows, cols, cost, strict=True))), key=lambda m: (m[0], -m[1]))
    assert len(e) == best[0]
    assert cost[e].sum() == pytest.approx(best[1], abs=1e-9)


@pytest.mark.parametrize("seed", range(150))
def test_min_cost_assignment_matches_brute_force(seed: int) -> None:
    rows, cols, cost, nr, nc = _instance(seed)
    e = min_cost_assign(rows, cols, cost, nr, nc)
    assert len(set(rows[e])) == len(e) and len(set(cols[e])) == len(e)
    best = min(m[1] for m in _matchings(list(zip(rows, cols, cost, strict=True))))
    assert cost[e].sum() == pytest.approx(best, abs=1e-9)


def test_gnn_on_a_larger_random_instance_is_feasible_and_as_good_as_dense_lsa() -> None:
    from scipy.optimize import linear_sum_assignment

    rng = np.random.default_rng(7)
    nr, nc = 60, 70
    mask = rng.random((nr, nc)) < 0.05
    rows, cols = np.nonzero(mask)
    cost = rng.uniform(0, 10, len(rows))
    e = gnn_assign(rows, cols, cost, nr, nc)
    dense = np.full((nr, nc), 1e6)
    dense[rows, cols] = cost
    r, c = linear_sum_assignment(dense)
    ok = dense[r, c] < 1e6
    assert len(e) == ok.sum()
    assert cost[e].sum() == pytest.approx(dense[r, c][ok].sum())


def test_gate_threshold_is_the_chi_square_quantile() -> None:
    assert gate_threshold(0.997, 3) == pytest.approx(chi2.ppf(0.997, 3))
    assert gate_threshold(0.99, 2) == pytest.approx(9.2103, abs=1e-4)


def _random_covs(rng: np.random.Generator, n: int, scale: np.ndarray) -> np.ndarray:
    a = rng.standard_normal((n, 3, 3)) * scale[:, None, None]
    return a @ np.swapaxes(a, -1, -2) + np.eye(3) * (0.1 * scale[:, None, None] ** 2)


@settings(max_examples=40, deadline=None)
@given(seed=st.integers(0, 2**32 - 1), models=st.integers(1, 3), kd_tree=st.booleans())
def test_gate_finds_exactly_the_pairs_inside_a_models_chi_square_gate(
    seed: int, models: int, kd_tree: bool
) -> None:
    """Brute force over every pair: in the gate when ``d_j² = ν_j' (P_j + R)⁻¹ ν_j ≤ γ`` for
    some model j; cost ``-2 ln Σ_j μ_j N(ν_j; 0, S_j)`` up to the constant ``3 ln 2π``
    (Bar-Shalom et al. 2001 §11.6.6); the same pairs through the all-pairs search and through
    the k-d tree."""
    rng = np.random.default_rng(seed)
    n, p = 30, 40
    centre = rng.uniform(0, 5000, (n, 3))
    tp = centre[:, None, :] + rng.normal(0, 50, (n, models, 3))
    tc = _random_covs(rng, n * models, rng.uniform(5, 200, n * models)).reshape(n, models, 3, 3)
    w = rng.dirichlet(np.ones(models), size=n)
    pp = rng.uniform(0, 5000, (p, 3))
    pp[:20] = centre[:20] + rng.normal(0, 150, (20, 3))
    pc = _random_covs(rng, p, rng.choice([5.0, 50.0, 500.0], p))
    gam = gate_threshold(0.997)
    old = associate._BRUTE_FORCE_PAIRS
    associate._BRUTE_FORCE_PAIRS = 0 if kd_tree else old
    try:
        g = gate(tp, tc, pp, pc, threshold=gam, model_weight=w)
    finally:
        associate._BRUTE_FORCE_PAIRS = old
    expected = {}
    for i in range(n):
        for j in range(p):
            s = [tc[i, m] + pc[j] for m in range(models)]
            d2 = [float((pp[j] - tp[i, m]) @ np.linalg.solve(s[m], pp[j] - tp[i, m]))
                  for m in range(models)]  # fmt: skip
            if min(d2) <= gam:
                lik = sum(w[i, m] * np.exp(-0.5 * d2[m]) / np.sqrt(np.linalg.det(s[m]))
                          for m in range(models))  # fmt: skip
                expected[(i, j)] = (min(d2), -2.0 * np.log(lik) if models > 1 else None)
    got = list(zip(g.track.tolist(), g.plot.tolist(), strict=True))
    assert set(got) == set(expected)
    assert got == sorted(got)
    for k, key in enumerate(got):
        assert g.d2[k] == pytest.approx(expected[key][0], rel=1e-9)
        if expected[key][1] is not None:
            assert g.cost[k] == pytest.approx(expected[key][1], rel=1e-9, abs=1e-9)


def test_gate_cost_is_the_generalised_distance_for_one_model() -> None:
    tp = np.array([[0.0, 0.0, 0.0]])
    tc = np.diag([100.0, 100.0, 100.0])[None]
    pp = np.array([[10.0, 0.0, 0.0]])
    pc = np.diag([300.0, 300.0, 300.0])[None]
    g = gate(tp, tc, pp, pc, threshold=gate_threshold())
    assert g.d2[0] == pytest.approx(100.0 / 400.0)
    assert g.cost[0] == pytest.approx(0.25 + 3 * np.log(400.0))


def test_empty_inputs_gate_nothing() -> None:
    eye = np.eye(3)[None]
    g = gate(np.zeros((0, 3)), np.zeros((0, 3, 3)), np.zeros((1, 3)), eye, threshold=10.0)
    assert len(g) == 0
    g = gate(np.zeros((1, 3)), eye, np.zeros((0, 3)), np.zeros((0, 3, 3)), threshold=10.0)
    assert len(g) == 0
    assert len(gnn_assign(g.track, g.plot, g.cost, 1, 0)) == 0


def test_a_non_finite_track_gates_nothing() -> None:
    eye = 100.0 * np.eye(3)
    tp = np.array([[0.0, 0, 0], [np.nan, 0, 0]])
    g = gate(tp, np.stack([eye, eye]), np.zeros((1, 3)), eye[None], threshold=14.0)
    assert g.track.tolist() == [0]


@settings(max_examples=60, deadline=None)
@given(seed=st.integers(0, 2**32 - 1), n=st.integers(1, 60), density=st.floats(0.0, 0.1))
def test_component_labels_equal_scipy_connected_components(
    seed: int, n: int, density: float
) -> None:
    """The label propagation finds scipy's components, each labelled by its smallest node
    (scipy numbers them in the order of their first node: the same order)."""
    from scipy import sparse
    from scipy.sparse.csgraph import connected_components

    from iamd.track.associate import component_labels

    rng = np.random.default_rng(seed)
    k = rng.binomial(n * n, density)
    a, b = rng.integers(0, n, k), rng.integers(0, n, k)
    labels = component_labels(a, b, n)
    graph = sparse.coo_matrix((np.ones(k, dtype=np.int8), (a, b)), shape=(n, n))
    _, want = connected_components(graph, directed=False)
    _, dense = np.unique(labels, return_inverse=True)
    assert dense.tolist() == want.tolist()
    assert all(labels[i] == np.flatnonzero(labels == labels[i]).min() for i in range(n))


@settings(max_examples=40, deadline=None)
@given(seed=st.integers(0, 2**32 - 1), n_plots=st.integers(0, 60))
def test_ball_pairs_equal_scipy_query_ball_point(seed: int, n_plots: int) -> None:
    """The gate's candidate search (two nearest plots per track, the ball query only where
    the second is inside the radius) finds exactly ``cKDTree.query_ball_point``'s pairs:
    crowded gates, lone plots, empty gates, radius 0 and plots exactly on the radius."""
    from scipy.spatial import cKDTree

    rng = np.random.default_rng(seed)
    plots = np.round(rng.uniform(0, 100, (n_plots, 3)))  # integer grid: exact ties
    plots[: n_plots // 3] = plots[0] if n_plots else plots[:0]  # a crowded spot
    centres = np.round(rng.uniform(0, 100, (25, 3)))
    radius = rng.choice([0.0, 1.0, 5.0, 20.0, 80.0], 25)
    if n_plots:
        centres[0], radius[0] = plots[-1] + [3.0, 4.0, 0.0], 5.0  # a plot on the radius
    tree = cKDTree(plots.reshape(-1, 3))
    rows, found = associate._ball_pairs(tree, centres, radius)
    hits = tree.query_ball_point(centres, radius)
    expected = sorted((i, j) for i, h in enumerate(hits) for j in h)
    assert sorted(zip(rows.tolist(), found.tolist(), strict=True)) == expected


def test_ball_pairs_keep_a_second_plot_exactly_on_the_radius() -> None:
    """The second nearest plot on the radius makes the gate crowded (``≤``, as the ball
    query); a radius of 0 keeps a plot at the centre. Forty centres share the radius, so
    these cases go through the nearest-neighbour search, not the widest radii's ball query."""
    from scipy.spatial import cKDTree

    tree = cKDTree(np.array([[0.0, 0, 0], [3.0, 4, 0], [50.0, 0, 0]]))
    centres = np.zeros((40, 3))
    centres[2:, 0] = 1000.0 + 100.0 * np.arange(38)  # empty gates
    radius = np.full(40, 5.0)
    radius[1] = 0.0
    rows, found = associate._ball_pairs(tree, centres, radius)
    assert sorted(zip(rows.tolist(), found.tolist(), strict=True)) == [(0, 0), (0, 1), (1, 0)]
