"""Exact WTA for small instances: outer approximation of the convex objective by MILPs.

In the logarithm of survival the static WTA is convex (Manne 1958; Ahuja, Kumar, Jha &
Orlin 2007): with ``z_j = sum_i x_ij log(1 - p_ij)`` (linear in the integer ``x``) the
objective is ``sum_j v_j exp(z_j) + lambda sum_ij c_i x_ij``, and ``exp`` lies above each of
its tangents. Replacing ``v_j exp(z_j)`` by a variable ``W_j`` bounded below by tangents at
points ``a``::

    W_j >= v_j exp(a) (1 + z_j - a)

gives a mixed-integer linear relaxation, solved by HiGHS through ``scipy.optimize.milp``.
Its optimum is a **lower bound**; the true objective of its ``x`` is an **upper bound**. A
tangent at each target's new ``z_j`` cuts that point off, and the loop repeats until the two
bounds meet (Duran & Grossmann 1986, outer approximation; Kelley 1960, cutting planes; the
tangent formulation is the one Andersen, Pavlikov & Toffolo 2022 strengthen). Only finitely
many ``x`` exist, so the loop ends; in practice it is meant for instances of a few hundred
variables.

Values are scaled so that the largest is 100 inside the MILP. The bound is HiGHS's dual bound
less ``1e-7`` (its primal feasibility tolerance: a cut may be violated by that much) per
target, in scaled units, so it holds up to the solver's tolerances;
``"optimal"`` means ``objective - bound <= 1e-6 + 1e-5 * objective``.
Certain kills (``p = 1``) enter the cuts with ``log(1 - p)`` floored at ``LOG_Q_MIN``
(``-30``); the bound is corrected by ``e^-30 sum_j v_j`` over the targets concerned, so it
stays a proven lower bound.

>>> from iamd.engage.wta.problem import WTAProblem
>>> p = WTAProblem(values=[10.0, 10.0], pk=[[0.9, 0.85], [0.9, 0.1]], units=1)
>>> r = solve_exact(p)
>>> r.status, round(r.objective, 6), round(r.bound, 6), r.x.tolist()
('optimal', 2.5, 2.5, [[0, 1], [1, 0]])
"""

from __future__ import annotations

import math
import time
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt
import scipy.sparse as sp
from scipy.optimize import Bounds, LinearConstraint, milp

from iamd.engage.wta.local_search import LOG_Q_MIN
from iamd.engage.wta.problem import WTAProblem, objective
from iamd.errors import InputError

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.int64]

__all__ = ["ExactResult", "solve_exact"]

_VALUE_SCALE = 100.0  # largest target value inside the MILP
_HIGHS_SOLVE_ERROR = 4  # scipy.optimize.milp status "other" (HiGHS "Solve error")
_FEAS_TOL = 1e-7  # HiGHS's primal feasibility tolerance, charged once per target to the bound
_SETUP_PER_BUILD = 5.0  # model conversion and presolve outside HiGHS's clock, in cut-matrix builds
_INITIAL_TANGENTS = (0.0, -0.1, -0.25, -0.5, -1.0, -1.5, -2.0, -3.0, -4.5, -6.0, -9.0)


@dataclass(frozen=True, slots=True, kw_only=True)
class ExactResult:
    """Outcome of :func:`solve_exact`.

    ``status``: ``"optimal"`` (``objective - bound`` within the tolerance), ``"time_limit"``
    (stopped by the clock with the best assignment found) or ``"feasible"`` (stopped for
    another reason: iteration cap, solver failure); ``x`` (m, n) the best assignment found;
    ``objective`` its exact objective; ``bound`` a proven lower bound on the optimum
    (``-inf`` if none was proven); ``iterations`` MILPs solved; ``cuts`` tangents in the last.
    """

    status: str
    x: IntArray
    objective: float
    bound: float
    iterations: int
    cuts: int


def solve_exact(
    problem: WTAProblem,
    *,
    time_limit_s: float = 10.0,
    x0: npt.ArrayLike | None = None,
    rel_gap: float = 1e-5,
    abs_gap: float = 1e-6,
    max_iterations: int = 500,
) -> ExactResult:
    """Solve ``problem`` to proven optimality (``objective - bound <= abs_gap + rel_gap *
    objective``) by outer approximation, or stop at ``time_limit_s`` (s).

    ``x0`` (m, n) an optional feasible starting assignment (for instance from the fast
    solver): it is the first incumbent, and its tangents seed the relaxation.
    """
    t0 = time.perf_counter()
    if not (time_limit_s >= 0.0):
        raise InputError(f"time_limit_s must be >= 0 (got {time_limit_s})")
    m, n = problem.m, problem.n
    v, pk = problem.values, problem.pk
    unit_cost = problem.lambda_cost * problem.cost_per_unit
    with np.errstate(divide="ignore"):
        lq = np.maximum(np.log1p(-pk), LOG_Q_MIN)
    best_x = np.zeros((m, n), dtype=np.int64)
    if x0 is not None:
        cand = np.asarray(x0, dtype=np.int64)
        if cand.shape != (m, n) or cand.min(initial=0) < 0 or np.any(cand.sum(1) > problem.units):
            raise InputError("x0 must be a feasible (m, n) assignment within every type's units")
        best_x = cand.copy()
    best_f = float(objective(problem, best_x))
    # a shot that can change nothing (p = 0 or v = 0, or no units) is fixed at zero
    useful = (pk > 0.0) & (v[None, :] > 0.0) & (problem.units[:, None] > 0)
    vi, vj = np.nonzero(useful)
    nv = vi.size
    if nv == 0:
        return ExactResult(
            status="optimal", x=best_x, objective=best_f, bound=best_f, iterations=0, cuts=0
        )
    # variables: x_k (k over useful pairs, integer), then W_j = v_j w_j / scale (n, continuous):
    # in (scaled) value units, a cut violated by the solver's tolerance moves the objective by
    # that tolerance at most
    # values are scaled to at most _VALUE_SCALE so the cut rows stay well conditioned whatever
    # the unit of value (USD or points); the MILP works in scaled units
    scale = float(v.max()) / _VALUE_SCALE if v.size and v.max() > 0 else 1.0
    vs = v / scale
    c = np.concatenate([unit_cost[vi] / scale, np.ones(n)])
    ub_x = np.minimum(problem.units[vi], _useful_units(lq[vi, vj], v[vj], unit_cost[vi]))
    # a target that no useful shot reaches survives for sure: its W_j is fixed, it needs no cuts
    reached = np.zeros(n, dtype=bool)
    reached[vj] = True
    w_lb = np.where(reached, 0.0, vs)
    bounds = Bounds(np.concatenate([np.zeros(nv), w_lb]), np.concatenate([ub_x.astype(float), vs]))
    integrality = np.concatenate([np.ones(nv), np.zeros(n)])
    cap = LinearConstraint(
        sp.csr_array((np.ones(nv), (vi, np.arange(nv))), shape=(m, nv + n)),
        -np.inf,
        problem.units.astype(float),
    )
    # tangent cuts: W_j - v_j e^a sum_i lq_ij x_ij >= v_j e^a (1 - a), stored as (j, a)
    cut_j: list[IntArray] = []
    cut_a: list[FloatArray] = []
    targets = np.flatnonzero(reached)
    for a in _INITIAL_TANGENTS:
        cut_j.append(targets)
        cut_a.append(np.full(targets.size, a))
    z0 = np.einsum("ij,ij->j", best_x, lq)
    cut_j.append(targets)
    cut_a.append(z0[targets])
    tangents: list[list[float]] = [[*_INITIAL_TANGENTS, float(z0[j])] for j in range(n)]
    clip_corr = math.exp(LOG_Q_MIN) * float(v[(pk >= 1.0).any(axis=0)].sum())
    clip_corr += _FEAS_TOL * scale * int((v > 0).sum())  # cuts violated within tolerance
    bound = -math.inf
    iterations = 0
    status = "feasible"
    cols_of_target = [np.flatnonzero(vj == j) for j in range(n)]
    # a proven bound before any MILP: each target under every unit of every type at once
    with np.errstate(divide="ignore", invalid="ignore"):
        lq_true = np.where(problem.units[:, None] > 0, np.log1p(-pk), 0.0)
        all_at_once = float(np.sum(v * np.exp(problem.units.astype(float) @ lq_true)))
    bound = all_at_once if math.isfinite(all_at_once) else -math.inf
    while True:
        if time_limit_s - (time.perf_counter() - t0) <= 0.0:
            status = "time_limit"
            break
        if iterations >= max_iterations:
            status = "feasible"
            break
        t_build = time.perf_counter()
        jj = np.concatenate(cut_j)
        aa = np.concatenate(cut_a)
        cuts = _cut_matrix(jj, aa, vs, lq[vi, vj], cols_of_target, nv, n)
        ea = np.exp(aa)
        constraints = [cap, LinearConstraint(cuts, vs[jj] * ea * (1.0 - aa), np.inf)]
        # SciPy's conversion of the model for HiGHS and HiGHS's presolve run outside its
        # clock and cost a few times the cut matrix's build: kept within the time limit
        setup_s = _SETUP_PER_BUILD * (time.perf_counter() - t_build)
        remaining = time_limit_s - (time.perf_counter() - t0) - setup_s
        if remaining <= 0.0:
            status = "time_limit"
            break
        options = {"time_limit": max(remaining, 1e-3), "mip_rel_gap": rel_gap * 0.1}
        res = milp(
            c, integrality=integrality, bounds=bounds, constraints=constraints, options=options
        )
        if res.status == _HIGHS_SOLVE_ERROR:  # a HiGHS presolve failure seen on tiny models
            res = milp(
                c,
                integrality=integrality,
                bounds=bounds,
                constraints=constraints,
                options={**options, "presolve": False},
            )
        iterations += 1
        dual = getattr(res, "mip_dual_bound", None)
        if res.status == 0 and dual is None:  # pragma: no cover - older SciPy
            dual = res.fun
        if dual is not None and np.isfinite(dual):
            bound = max(bound, float(dual) * scale - clip_corr)
        if res.x is None:
            status = "time_limit" if res.status == 1 else "feasible"
            break
        xk = np.round(res.x[:nv]).astype(np.int64)
        x = np.zeros((m, n), dtype=np.int64)
        x[vi, vj] = xk
        f = float(objective(problem, x))
        if f < best_f:
            best_x, best_f = x, f
        if best_f - bound <= abs_gap + rel_gap * abs(best_f):
            status = "optimal"
            break
        if res.status != 0:
            status = "time_limit" if res.status == 1 else "feasible"
            break
        z = np.einsum("ij,ij->j", x, lq)
        short = (vs * np.exp(z) - res.x[nv:]) * scale  # how far each W_j is below its value
        viol = [
            j
            for j in np.flatnonzero(short > 1e-9 * (1.0 + v))
            if not np.any(np.abs(np.asarray(tangents[j]) - z[j]) < 1e-9)
        ]
        if not viol:  # the relaxation is exact at its optimum: HiGHS's own gap is what is left
            break
        for j in viol:
            tangents[j].append(float(z[j]))
        cut_j.append(np.asarray(viol, dtype=np.int64))
        cut_a.append(z[viol])
    # the objective is a sum of non-negative terms; a bound above the incumbent is noise
    if math.isfinite(bound):
        bound = min(max(bound, 0.0), best_f)
    return ExactResult(
        status=status,
        x=best_x,
        objective=best_f,
        bound=bound,
        iterations=iterations,
        cuts=int(sum(a.size for a in cut_a)),
    )


def _useful_units(lq: FloatArray, v: FloatArray, unit_cost: FloatArray) -> FloatArray:
    """Units of one type on one target beyond which another never pays off (upper bound).

    The ``k``-th unit returns at most ``v (1 - p)^(k-1) p <= v (1 - p)^(k-1)``; once that is
    below ``lambda c`` it cannot pay. Without cost there is no such cap (``inf``).
    """
    with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
        k = 1.0 + np.floor(np.log(unit_cost / v) / lq)
    return np.where(unit_cost > 0.0, np.maximum(k, 1.0), np.inf)


def _cut_matrix(
    jj: IntArray,
    aa: FloatArray,
    v: FloatArray,
    lq_k: FloatArray,
    cols_of_target: list[IntArray],
    nv: int,
    n: int,
) -> sp.csr_array:
    """Rows ``W_j - v_j e^a sum_{k on j} lq_k x_k`` of the tangent cuts, sparse (cuts, nv + n)."""
    rows: list[IntArray] = []
    cols: list[IntArray] = []
    vals: list[FloatArray] = []
    ea = np.exp(aa)
    lens = np.array([cols_of_target[j].size for j in range(n)])
    cnt = lens[jj]
    r = np.repeat(np.arange(jj.size), cnt)
    if r.size:
        kcols = np.concatenate([cols_of_target[j] for j in jj])
        rows.append(r)
        cols.append(kcols)
        vals.append(-np.repeat(v[jj] * ea, cnt) * lq_k[kcols])
    rows.append(np.arange(jj.size))
    cols.append(nv + jj)
    vals.append(np.ones(jj.size))
    return sp.csr_array(
        (np.concatenate(vals), (np.concatenate(rows), np.concatenate(cols))),
        shape=(jj.size, nv + n),
    )
