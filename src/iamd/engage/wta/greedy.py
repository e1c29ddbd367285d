"""Maximum marginal return (MMR) greedy for the static weapon-target assignment.

Units are committed one at a time, each to the (weapon type, target) pair whose next shot
removes the most objective: with the survival ``s_j = prod_i (1 - p_ij)^x_ij`` of every
target kept up to date, the marginal return of one more unit of type ``i`` on target ``j``
is ``v_j s_j p_ij - lambda c_i`` (Ahuja, Kumar, Jha & Orlin 2007, "maximum marginal
return algorithm"; den Broeder, Ellison & Emerling 1959). The loop stops when no unit is left
or no shot returns more than it costs.

Only the column of the target just shot changes, so the best weapon type of every column is
kept in an array and recomputed for that column only (and, when a type runs out, for the
columns whose best it was): each step costs O(m + n) array work instead of O(m n), and
300 types x 600 targets x 3 units (900 steps) take a few tens of milliseconds.

>>> from iamd.engage.wta.problem import WTAProblem
>>> p = WTAProblem(values=[10.0, 4.0], pk=[[0.5, 0.5], [0.9, 0.1]], units=1)
>>> greedy(p).tolist()  # type 1 first (gain 9.0 on target 0), then type 0 (gain 2.0)
[[0, 1], [1, 0]]
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt
from scipy.optimize import linear_sum_assignment

from iamd.engage.wta.problem import WTAProblem

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.int64]

__all__ = ["assignment_layers", "greedy", "greedy_fill"]


def greedy(problem: WTAProblem) -> IntArray:
    """MMR greedy assignment ``x`` (m, n) of ``problem``; deterministic (first index wins ties)."""
    x = np.zeros((problem.m, problem.n), dtype=np.int64)
    greedy_fill(
        values=problem.values,
        pk=problem.pk,
        unit_cost=problem.lambda_cost * problem.cost_per_unit,
        x=x,
        left=problem.units.copy(),
        survival=np.ones(problem.n),
    )
    return x


def greedy_fill(
    *,
    values: FloatArray,
    pk: FloatArray,
    unit_cost: FloatArray,
    x: IntArray,
    left: IntArray,
    survival: FloatArray,
) -> float:
    """Add units to ``x`` (m, n) greedily, in place; return the objective decrease.

    ``left`` (m,) units still free per type and ``survival`` (n,) current survival of every
    target are updated in place; ``unit_cost`` (m,) is ``lambda * cost_per_unit``. This is the
    MMR loop used both from scratch and to repair a partly destroyed assignment.
    """
    m, n = pk.shape
    if m == 0 or n == 0:
        return 0.0
    pk_t = np.ascontiguousarray(pk.T)  # (n, m): one target's column is contiguous
    masked_cost = np.where(left > 0, unit_cost, np.inf)  # a spent type never pays off
    gain = (values * survival)[:, None] * pk_t - masked_cost  # (n, m)
    best = np.argmax(gain, axis=1)
    best_gain = gain[np.arange(n), best]
    total = 0.0
    while True:
        j = int(np.argmax(best_gain))
        g = float(best_gain[j])
        if not g > 0.0:
            break
        i = int(best[j])
        total += g
        x[i, j] += 1
        survival[j] *= 1.0 - pk_t[j, i]
        vs_j = values[j] * survival[j]
        left[i] -= 1
        if left[i] == 0:
            masked_cost[i] = np.inf
            cols = np.flatnonzero(best == i)
            if cols.size:
                sub = (values[cols] * survival[cols])[:, None] * pk_t[cols] - masked_cost
                b = np.argmax(sub, axis=1)
                best[cols] = b
                best_gain[cols] = sub[np.arange(cols.size), b]
        col = vs_j * pk_t[j] - masked_cost
        b = int(np.argmax(col))
        best[j] = b
        best_gain[j] = col[b]
    return total


def assignment_layers(problem: WTAProblem) -> IntArray:
    """Greedy by layers of linear assignment problems: every target takes at most one unit
    per layer, and each layer is the best such assignment of all the units still free.

    With survival ``s_j`` after the previous layers, one more unit of type ``i`` on target
    ``j`` returns ``v_j s_j p_ij - lambda c_i`` whatever the other units of the same layer do
    (each target gets one), so a layer is exactly a rectangular assignment problem (units x
    targets), solved by ``scipy.optimize.linear_sum_assignment`` (Crouse 2016). When every
    target ends up with at most one unit (``sum mu_i <= n``) the first layer is optimal.

    >>> from iamd.engage.wta.problem import WTAProblem, objective
    >>> p = WTAProblem(values=[10.0, 10.0], pk=[[0.9, 0.85], [0.9, 0.1]], units=1)
    >>> greedy(p).tolist(), round(objective(p, greedy(p)), 6)  # type 0 grabs target 0
    ([[1, 0], [0, 1]], 10.0)
    >>> assignment_layers(p).tolist(), round(objective(p, assignment_layers(p)), 6)
    ([[0, 1], [1, 0]], 2.5)
    """
    m, n = problem.m, problem.n
    x = np.zeros((m, n), dtype=np.int64)
    left = problem.units.astype(np.int64).copy()
    survival = np.ones(n)
    q = 1.0 - problem.pk
    unit_cost = problem.lambda_cost * problem.cost_per_unit
    while n and left.sum() > 0:
        rows = np.repeat(np.arange(m), np.minimum(left, n))  # > n units of a type never help
        gain = (problem.values * survival)[None, :] * problem.pk[rows] - unit_cost[rows, None]
        r, c = linear_sum_assignment(gain, maximize=True)
        ok = gain[r, c] > 0.0
        if not ok.any():
            break
        ti, tj = rows[r[ok]], c[ok]
        np.add.at(x, (ti, tj), 1)
        np.subtract.at(left, ti, 1)
        survival[tj] *= q[ti, tj]
    return x
