"""Gating and global-nearest-neighbour assignment of plots to tracks, over whole scans.

- **Gate** (`gate`): a plot is a candidate for a track when its squared Mahalanobis distance
  ``d² = ν' S⁻¹ ν``, ``S = HPH' + R``, is at most the chi-square threshold ``γ = χ²₃(P_G)``
  (the validation region of Bar-Shalom, Li and Kirubarajan, *Estimation with Applications to
  Tracking and Navigation*, 2001; the gating of Blackman and Popoli, *Design and Analysis of
  Modern Tracking Systems*, 1999). ``d² ≤ γ`` implies
  ``|ν| ≤ √(γ λ_max(S)) ≤ √(γ (λ_max(P) + λ_max(R)))``, so a k-d tree
  (``scipy.spatial.cKDTree``) on the plot positions, queried with one such radius per track,
  finds every candidate pair without testing all n × p of them; plots are grouped by their own
  largest sigma so that one imprecise sensor does not widen every track's search.
- **Assign** (`gnn_assign`): global nearest neighbour — the most tracks paired with gated
  plots, and among those pairings the least total cost ``d² + ln|S|`` (the "generalised
  statistical distance" that penalises imprecise pairs, Blackman and Popoli 1999). It is
  ``scipy.optimize.linear_sum_assignment`` on the gated cost with a large cost for pairs
  outside the gate, solved separately on each connected component of the sparse gating
  graph: a component with one track or one plot is solved by taking its cheapest pair (all
  components at once), and only the ambiguous ones become small dense matrices.
- `min_cost_assign` solves the same sparse problem without the cardinality term, as the
  OSPA and GOSPA metrics need (`iamd.track.metrics`).

>>> import numpy as np
>>> tracks = np.array([[0.0, 0, 0], [1000.0, 0, 0]])
>>> plots = np.array([[990.0, 5, 0], [10.0, -5, 0], [5000.0, 0, 0]])
>>> eye = np.eye(3)
>>> g = gate(tracks, np.stack([100.0 * eye] * 2), plots, np.stack([100.0 * eye] * 3),
...          threshold=gate_threshold(0.997))
>>> e = gnn_assign(g.track, g.plot, g.cost, 2, 3)
>>> sorted(zip(g.track[e].tolist(), g.plot[e].tolist()))
[(0, 1), (1, 0)]
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt
from scipy.optimize import linear_sum_assignment
from scipy.spatial import cKDTree
from scipy.spatial.distance import cdist
from scipy.special import gammaincinv

from iamd.track.filters import innovation_stats, largest_eigenvalue3

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.int64]

_BRUTE_FORCE_PAIRS = 200_000
"""Up to this many track-plot pairs the gate tests them all at once (cheaper than a k-d tree
for a few hundred tracks)."""

GATE_PROB = 0.997
"""Default gate probability P_G (χ²₃ threshold ≈ 13.9)."""


@dataclass(frozen=True, slots=True, kw_only=True)
class Gated:
    """Track–plot pairs inside the gate, shape (k,) each.

    Attributes:
        track: index of the track (into the arrays given to `gate`).
        plot: index of the plot.
        d2: squared Mahalanobis distance ``ν' S⁻¹ ν`` (the smallest over a track's models).
        cost: assignment cost, ``-2 ln`` of the plot's likelihood up to a constant: the
            generalised statistical distance ``d² + ln|S|`` for one model, and
            ``-2 ln Σ_j μ_j exp(-(d_j² + ln|S_j|)/2)`` for a mixture of models.
    """

    track: IntArray
    plot: IntArray
    d2: FloatArray
    cost: FloatArray

    def __len__(self) -> int:
        return len(self.track)


def gate_threshold(prob: float = GATE_PROB, dof: int = 3) -> float:
    """Chi-square gate threshold γ with ``P(χ²_dof ≤ γ) = prob``.

    >>> round(gate_threshold(0.997, 3), 3)
    13.931
    """
    return float(2.0 * gammaincinv(0.5 * dof, prob))  # the χ² quantile, without scipy.stats


def gate(
    track_pos_m: FloatArray,
    track_covar_m2: FloatArray,
    plot_pos_m: FloatArray,
    plot_covar_m2: FloatArray,
    *,
    threshold: float,
    model_weight: FloatArray | None = None,
) -> Gated:
    """All pairs with ``d² ≤ threshold``.

    Args:
        track_pos_m: (n, 3) predicted track positions, or (n, r, 3) the predictions of r
            models per track (an IMM); track_covar_m2: (n, 3, 3) or (n, r, 3, 3) their
            position covariances ``HPH'``.
        plot_pos_m: (p, 3) plot positions; plot_covar_m2: (p, 3, 3) their covariances R.
        threshold: γ, e.g. `gate_threshold`.
        model_weight: (n, r) predicted model probabilities, for the mixture cost.

    With several models a plot is in a track's gate when it is in the gate of any of its
    models, so that a manoeuvre model of low probability still sees the plots that would
    raise it: gating with the moment-matched mixture alone loses a turning aircraft or a
    re-entering warhead in the steps the IMM needs to switch. What such a model admits is
    paid for in the cost (the mixture's likelihood, where a model of low probability weighs
    little) and in the track score (`iamd.track.manager`), so a diffuse model is no clutter
    magnet: a tentative track fed by clutter through it loses score and is deleted. Tracks
    with a non-finite position or covariance gate nothing. Pairs come sorted by track, then
    plot.
    """
    tp = track_pos_m if track_pos_m.ndim == 3 else track_pos_m[:, None, :]
    tc = track_covar_m2 if track_covar_m2.ndim == 4 else track_covar_m2[:, None, :, :]
    tc = np.ascontiguousarray(tc)  # often a block of the full covariance: read once, gathered
    n, r = tp.shape[:2]
    p = len(plot_pos_m)
    if n == 0 or p == 0:
        return _empty_gated()
    lam_t = largest_eigenvalue3(tc)  # (n, r)
    lam_p = largest_eigenvalue3(plot_covar_m2)
    center = tp[:, 0, :]
    offset = np.linalg.norm(tp - center[:, None, :], axis=-1)  # (n, r)
    ok_t = np.all(np.isfinite(lam_t), axis=1) & np.all(np.isfinite(tp), axis=(1, 2))
    ok_p = np.isfinite(lam_p) & np.all(np.isfinite(plot_pos_m), axis=1)
    lam_t = np.where(ok_t[:, None], np.maximum(lam_t, 0.0), 0.0)
    lam_p = np.where(ok_p, np.maximum(lam_p, 0.0), 0.0)
    t_parts: list[IntArray] = []
    p_parts: list[IntArray] = []
    track_rows = np.flatnonzero(ok_t)
    if len(track_rows) * p <= _BRUTE_FORCE_PAIRS:  # every pair at once
        reach = offset[track_rows] + np.sqrt(threshold * (lam_t[track_rows] + lam_p.max()))
        radius = reach.max(axis=1) * (1.0 + 1e-9)
        near = cdist(center[track_rows], plot_pos_m, "sqeuclidean") <= (radius * radius)[:, None]
        ri, pj = np.nonzero(near & ok_p[None, :])
        t_parts.append(track_rows[ri])
        p_parts.append(pj)
    # Plot classes by largest sigma, a factor 2 apart: one k-d tree query per class.
    cls = np.floor(np.log2(np.sqrt(lam_p) + 1e-3)).astype(np.int64)
    classes = np.unique(cls[ok_p]) if not t_parts else cls[:0]
    for c in classes:  # a loop over sensor-accuracy classes, not plots
        members = np.flatnonzero(ok_p & (cls == c))
        reach = offset[track_rows] + np.sqrt(threshold * (lam_t[track_rows] + lam_p[members].max()))
        radius = reach.max(axis=1) * (1.0 + 1e-9)
        tree = cKDTree(
            plot_pos_m[members], balanced_tree=False, compact_nodes=False
        )  # faster built
        rows, found = _ball_pairs(tree, center[track_rows], radius)
        t_parts.append(track_rows[rows])
        p_parts.append(members[found])
    if not t_parts:
        return _empty_gated()
    ti = np.concatenate(t_parts)
    pi = np.concatenate(p_parts)
    if len(ti) == 0:
        return _empty_gated()
    nu = plot_pos_m[pi][:, None, :] - tp[ti]  # (k, r, 3)
    s = tc[ti] + plot_covar_m2[pi][:, None, :, :]
    d2_all, log_det = innovation_stats(nu, s)
    d2_all = np.where(np.isnan(d2_all), np.inf, d2_all)
    d2 = d2_all.min(axis=1)
    keep = d2 <= threshold
    ti, pi, d2 = ti[keep], pi[keep], d2[keep]
    half = -0.5 * (d2_all[keep] + log_det[keep])
    if r == 1:
        cost = -2.0 * half[:, 0]
    else:
        w = np.full((n, r), 1.0 / r) if model_weight is None else model_weight
        log_w = np.log(np.maximum(w[ti], np.finfo(np.float64).tiny)) + half
        top = np.max(log_w, axis=1, keepdims=True)
        cost = -2.0 * (top[:, 0] + np.log(np.sum(np.exp(log_w - top), axis=1)))
    order = np.lexsort((pi, ti))
    return Gated(track=ti[order], plot=pi[order], d2=d2[order], cost=cost[order])


def gnn_assign(
    rows: IntArray, cols: IntArray, cost: FloatArray, n_rows: int, n_cols: int
) -> IntArray:
    """Global nearest neighbour on a sparse cost: indices of the chosen edges.

    Among the matchings that use only the given edges ``(rows[e], cols[e])``, the chosen one
    has the most edges and, among those, the least total ``cost``: what
    ``linear_sum_assignment`` gives on the dense matrix with a large cost for absent pairs.

    >>> gnn_assign(np.array([0, 0, 1]), np.array([0, 1, 0]), np.array([1.0, 5.0, 2.0]), 2, 2)
    array([1, 2])
    """
    return _sparse_assign(rows, cols, cost, n_rows, n_cols, cardinality_first=True)


def min_cost_assign(
    rows: IntArray, cols: IntArray, cost: FloatArray, n_rows: int, n_cols: int
) -> IntArray:
    """The matching of least total cost over the given edges (an empty matching costs 0, so
    only negative-cost edges are ever chosen): indices of the chosen edges.

    >>> min_cost_assign(np.array([0, 0, 1]), np.array([0, 1, 0]), np.array([-3.0, -1.0, -1.0]),
    ...                 2, 2)
    array([0])
    """
    return _sparse_assign(rows, cols, cost, n_rows, n_cols, cardinality_first=False)


def component_labels(a: IntArray, b: IntArray, n: int) -> IntArray:
    """Connected components of the undirected graph on ``n`` nodes with edges
    ``(a[e], b[e])``: each node's label (n,) is the smallest node index of its component
    (so the labels number the components in the order of their first node, as
    ``scipy.sparse.csgraph.connected_components`` does).

    Label propagation with pointer jumping: each pass lowers both ends of every edge to the
    smaller of their labels, then each label to its own label's; a pass that changes nothing
    ends it. The passes grow with the components' diameter: a few for the small clusters of
    gating and initiation, with no graph object to build.

    >>> component_labels(np.array([0, 3]), np.array([2, 4]), 5).tolist()
    [0, 1, 0, 3, 3]
    """
    labels = np.arange(n, dtype=np.int64)
    while len(a):
        m = np.minimum(labels[a], labels[b])
        before = labels.copy()
        np.minimum.at(labels, a, m)
        np.minimum.at(labels, b, m)
        labels = labels[labels]
        if np.array_equal(labels, before):
            break
    return labels


def _ball_pairs(
    tree: cKDTree, centers: FloatArray, radius: FloatArray
) -> tuple[IntArray, IntArray]:
    """Every ``(i, j)`` with plot j of ``tree`` within ``radius[i]`` of ``centers[i]``: the
    pairs of ``tree.query_ball_point(centers, radius)``, in no particular order.

    Most gates hold one plot or none, so the two nearest plots of every centre (one
    vectorised k-nearest query, no Python list per centre) decide almost all of them: when
    the second nearest lies outside the radius, the nearest is the only candidate, if it is
    inside. The ball query takes the centres whose second nearest is inside, and the widest
    twentieth of the radii, so that the nearest-neighbour search is bounded by the others.
    """
    if tree.n < _NEAREST or len(centers) == 0:
        return _ball_query(tree, centers, radius)
    cut = float(np.quantile(radius, 0.95))
    near = np.flatnonzero(radius <= cut)
    r_near = radius[near]
    bound = float(np.nextafter(cut, np.inf))  # above every radius queried, 0 too
    dist, idx = tree.query(centers[near], k=_NEAREST, distance_upper_bound=bound)
    crowded = dist[:, -1] <= r_near
    alone = near[~crowded & (dist[:, 0] <= r_near)]
    first = idx[~crowded & (dist[:, 0] <= r_near), 0]
    more = np.concatenate([near[crowded], np.flatnonzero(radius > cut)])
    r_more, f_more = _ball_query(tree, centers[more], radius[more])
    return (np.concatenate([alone, more[r_more]]),
            np.concatenate([first, f_more]).astype(np.int64))  # fmt: skip


def _ball_query(
    tree: cKDTree, centers: FloatArray, radius: FloatArray
) -> tuple[IntArray, IntArray]:
    """The pairs of ``tree.query_ball_point(centers, radius)`` as two index arrays."""
    hits = tree.query_ball_point(centers, radius, return_sorted=False)
    lens = np.fromiter(map(len, hits), dtype=np.int64, count=len(centers))
    flat = np.fromiter(itertools.chain.from_iterable(hits), dtype=np.int64, count=int(lens.sum()))
    return np.repeat(np.arange(len(centers)), lens), flat


_NEAREST = 2
"""Neighbours `_ball_pairs` asks every centre for before it falls back to a ball query."""


def _empty_gated() -> Gated:
    z = np.zeros(0, dtype=np.int64)
    return Gated(track=z, plot=z.copy(), d2=np.zeros(0), cost=np.zeros(0))


def _sparse_assign(
    rows: IntArray,
    cols: IntArray,
    cost: FloatArray,
    n_rows: int,
    n_cols: int,
    *,
    cardinality_first: bool,
) -> IntArray:
    """Solve the assignment on each connected component of the bipartite edge graph.

    With ``cardinality_first`` absent pairs cost more than any matching of real edges (GNN);
    otherwise they cost 0 and edges of cost ≥ 0 are never chosen. Both objectives are sums
    over components, so solving components separately is exact.
    """
    rows = np.asarray(rows, dtype=np.int64)
    cols = np.asarray(cols, dtype=np.int64)
    cost = np.asarray(cost, dtype=np.float64)
    if not cardinality_first:
        keep = np.flatnonzero(cost < 0.0)
        rows, cols, cost = rows[keep], cols[keep], cost[keep]
    else:
        keep = np.arange(len(rows))
    k = len(rows)
    if k == 0:
        return np.zeros(0, dtype=np.int64)
    ur, r_inv = np.unique(rows, return_inverse=True)
    uc, c_inv = np.unique(cols, return_inverse=True)
    nr, nc = len(ur), len(uc)
    deg_r = np.bincount(r_inv, minlength=nr)
    deg_c = np.bincount(c_inv, minlength=nc)
    if np.all(deg_r == 1) or np.all(deg_c == 1):
        # every component is a star (the usual case): no graph search needed
        comp = c_inv if np.all(deg_r == 1) else r_inv
        star = np.ones(max(nr, nc), dtype=bool)
    else:
        labels = component_labels(r_inv, nr + c_inv, nr + nc)
        comp = labels[r_inv]
        rows_in = np.bincount(labels[:nr], minlength=labels.max() + 1)
        cols_in = np.bincount(labels[nr:], minlength=labels.max() + 1)
        star = (rows_in == 1) | (cols_in == 1)
    chosen: list[IntArray] = []
    # Stars (one track or one plot): the cheapest edge of each, all at once.
    e_star = np.flatnonzero(star[comp])
    if len(e_star):
        order = e_star[np.lexsort((cost[e_star], comp[e_star]))]
        first = np.ones(len(order), dtype=bool)
        first[1:] = comp[order[1:]] != comp[order[:-1]]
        chosen.append(order[first])
    # Ambiguous components: a dense assignment each (a loop over clusters, not tracks).
    e_amb = np.flatnonzero(~star[comp])
    if len(e_amb):
        e_amb = e_amb[np.argsort(comp[e_amb], kind="stable")]
        bounds = np.flatnonzero(np.diff(comp[e_amb])) + 1
        for edges in np.split(e_amb, bounds):
            chosen.append(_dense_block(edges, r_inv, c_inv, cost, cardinality_first))
    picked = np.sort(np.concatenate(chosen))
    return np.asarray(keep[picked], dtype=np.int64)


def _dense_block(
    edges: IntArray,
    r_inv: IntArray,
    c_inv: IntArray,
    cost: FloatArray,
    cardinality_first: bool,
) -> IntArray:
    lr, li = np.unique(r_inv[edges], return_inverse=True)
    lc, lj = np.unique(c_inv[edges], return_inverse=True)
    c = cost[edges]
    if cardinality_first:
        shifted = c - c.min()
        big = (shifted.max() + 1.0) * (min(len(lr), len(lc)) + 1)
        fill = big
        values = shifted
    else:
        fill = 0.0
        values = c
    mat = np.full((len(lr), len(lc)), fill)
    idx = np.full((len(lr), len(lc)), -1, dtype=np.int64)
    by_cost = np.argsort(-values, kind="stable")  # duplicates: the cheapest wins
    mat[li[by_cost], lj[by_cost]] = values[by_cost]
    idx[li[by_cost], lj[by_cost]] = edges[by_cost]
    ri, ci = linear_sum_assignment(mat)
    e = idx[ri, ci]
    good = (e >= 0) & (mat[ri, ci] < fill)
    return np.asarray(e[good], dtype=np.int64)
