"""Local search for the static WTA: type re-optimisation, assignment-problem ejection, ILS.

Two neighbourhoods searched exactly (the second on a candidate graph for large instances) and
a perturbation, all vectorised:

1. **Type re-optimisation** (block coordinate descent). With every other type fixed, the
   best use of the ``mu_i`` units of type ``i`` is a separable concave resource allocation:
   the ``k``-th unit on target ``j`` returns ``v_j s_j^{-i} (1 - p_ij)^(k-1) p_ij - lambda c_i``
   (``s_j^{-i}``: survival of ``j`` without type ``i``), decreasing in ``k``, so the
   ``mu_i`` best returns are optimal (Hosein & Athans 1990; Ahuja et al. 2007). Every
   type is evaluated at once; the improving moves that touch disjoint targets are applied
   together (their gains add exactly).
2. **Assignment-problem ejection** (a very large-scale neighbourhood, Ahuja, Kumar, Jha &
   Orlin 2007, in the spirit of their cyclic and path exchanges). One unit is lifted from
   every engaged target (and a spare unit of every type that has one is added). If each
   target then takes back *at most one* of the lifted units, the objective is linear:
   unit ``u`` of type ``i`` on target ``j`` returns ``v_j s'_j p_ij - lambda c_i`` with
   ``s'_j`` the survival after the lift. The best re-insertion is a rectangular linear
   assignment problem: on the full matrix by ``scipy.optimize.linear_sum_assignment`` for
   small instances, else on a sparse graph (each unit's ``candidates`` best targets, each
   target's best units, the unit's own target) by LAPJVsp
   (``scipy.sparse.csgraph.min_weight_full_bipartite_matching``). The neighbourhood holds
   every swap, every cyclic and path exchange with one unit per target: exponentially many
   moves, searched in polynomial time.
3. **Iterated local search** (Lourenço, Martin & Stützle 2003): when both neighbourhoods are
   exhausted, the assignment is perturbed (a few targets emptied and refilled by the MMR
   greedy, or a few units moved to random targets), improved again, and kept if it beats
   the best so far (otherwise the search restarts from the best).

Randomness (which unit is lifted from a target that holds several, which targets are
destroyed) comes from ``iamd.rng.stream(seed, "wta-ils")``: the same seed and the same
number of rounds give the same assignment. A binding time limit cuts the search after a
machine-dependent number of rounds; pass ``max_rounds`` for a result that does not depend
on the machine.

Internally the survival of target ``j`` is held as ``L_j = sum_i x_ij log(1 - p_ij)`` with
the logarithm floored at ``LOG_Q_MIN`` (a certain kill counts as a survival of ``e^-30``), so
that units can be removed by a subtraction; the reported objective is recomputed exactly.

>>> from iamd.engage.wta.problem import WTAProblem, objective
>>> from iamd.engage.wta.greedy import greedy
>>> p = WTAProblem(values=[10.0, 10.0], pk=[[0.9, 0.85], [0.9, 0.1]], units=1)
>>> x0 = greedy(p)
>>> r = improve(p, x0, seed=0)
>>> round(objective(p, x0), 6), round(r.objective, 6), r.x.tolist()
(10.0, 2.5, [[0, 1], [1, 0]])
"""

from __future__ import annotations

import time
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt
import scipy.sparse as sp
from scipy.optimize import linear_sum_assignment
from scipy.sparse.csgraph import min_weight_full_bipartite_matching

from iamd.engage.wta.greedy import greedy_fill
from iamd.engage.wta.problem import WTAProblem, objective
from iamd.errors import InputError
from iamd.rng import stream

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.int64]
BoolArray = npt.NDArray[np.bool_]

__all__ = ["LOG_Q_MIN", "LocalSearchResult", "improve"]

LOG_Q_MIN = -30.0
"""Floor of ``log(1 - p)`` in the working state: ``p = 1`` counts as ``1 - e^-30``."""

_DENSE_MAX = 20_000  # gain matrices up to this size go to the dense solver (whole neighbourhood)
_WEIGHT_STEPS = 2.0**36  # resolution of the integer weights of the assignment graph
_K_CAP_MAX = 16  # the type move considers at most this many units of a type on one target
_GROW = 4.0  # the perturbation grows by one base step every this many rounds without progress
_MAX_DESTROY = 0.3  # ... up to this share of the engaged targets
_EPS = 1e-12  # relative improvement below which a move is not taken (no cycling on ties)


@dataclass(frozen=True, slots=True, kw_only=True)
class LocalSearchResult:
    """Outcome of :func:`improve`.

    ``x`` (m, n) the best assignment found; ``objective`` its exact objective; ``rounds``
    perturbation rounds run; ``moves`` improving moves applied; ``stopped`` why the search
    ended: ``"time_limit"``, ``"max_rounds"`` or ``"stalled"`` (``stall_rounds`` rounds in a
    row without a new best).
    """

    x: IntArray
    objective: float
    rounds: int
    moves: int
    stopped: str


def improve(
    problem: WTAProblem,
    x0: npt.ArrayLike,
    *,
    time_limit_s: float = 1.0,
    seed: int = 0,
    max_rounds: int | None = None,
    stall_rounds: int | None = None,
    candidates: int = 32,
    destroy_fraction: float = 0.04,
) -> LocalSearchResult:
    """Improve a feasible assignment ``x0`` (m, n) until a limit; never returns a worse one.

    ``time_limit_s`` wall-clock budget (s) measured from the call; ``max_rounds`` a cap on
    perturbation rounds (``0``: descent only, no perturbation); ``stall_rounds`` stop after
    this many rounds without a new best (default: ``max(50, 4 n)`` rounds); ``candidates``
    targets per lifted unit in the assignment graph (large instances; small ones use the
    full matrix); ``destroy_fraction`` share of the engaged targets a perturbation empties
    (or of units it moves), grown by one step every four rounds without a new best, up to
    30 % (variable-strength shaking, Hansen & Mladenović 2001).
    """
    x = np.array(x0, dtype=np.int64, copy=True)
    if x.shape != (problem.m, problem.n):
        raise InputError(
            f"x0 must have shape (m, n) = ({problem.m}, {problem.n}) (got shape {x.shape})"
        )
    if x.size and (x.min() < 0 or np.any(x.sum(axis=1) > problem.units)):
        raise InputError("x0 must be >= 0 and use at most units[i] units of every type i")
    if not (time_limit_s >= 0.0):
        raise InputError(f"time_limit_s must be >= 0 (got {time_limit_s})")
    deadline = time.perf_counter() + float(time_limit_s)
    if stall_rounds is None:
        stall_rounds = max(50, 4 * problem.n)
    if problem.m == 0 or problem.n == 0 or int(problem.units.sum()) == 0:
        return LocalSearchResult(
            x=x, objective=float(objective(problem, x)), rounds=0, moves=0, stopped="stalled"
        )
    st = _State.build(problem, x.copy())
    rng = stream(seed, "wta-ils")
    moves = _descend(st, rng, deadline, candidates)
    best_x, best_f = st.x.copy(), st.value()
    rounds, since_best = 0, 0
    stopped = "stalled"
    while True:
        if time.perf_counter() >= deadline:
            stopped = "time_limit"
            break
        if max_rounds is not None and rounds >= max_rounds:
            stopped = "max_rounds"
            break
        if since_best >= stall_rounds:
            stopped = "stalled"
            break
        rounds += 1
        since_best += 1
        strength = min(_MAX_DESTROY, destroy_fraction * (1.0 + (since_best - 1) / _GROW))
        _perturb(st, rng, strength)
        moves += _descend(st, rng, deadline, candidates)
        f = st.value()
        if f < best_f * (1.0 - _EPS) - 1e-300:
            best_x, best_f = st.x.copy(), f
            since_best = 0
        else:
            st.reset(best_x)
    f_best = float(objective(problem, best_x))
    f_start = float(objective(problem, x))
    if f_start <= f_best:  # the floor on log(1 - p) can only matter when p == 1 exactly
        best_x, f_best = x, f_start
    return LocalSearchResult(
        x=best_x, objective=f_best, rounds=rounds, moves=moves, stopped=stopped
    )


# --------------------------------------------------------------------------------------------
# working state


@dataclass(slots=True)
class _State:
    """Mutable working arrays of the search (private)."""

    v: FloatArray  # (n,) target values
    lq: FloatArray  # (m, n) log(1 - p), floored at LOG_Q_MIN
    pc: FloatArray  # (m, n) 1 - exp(lq): the kill probability the state works with
    cu: FloatArray  # (m,) lambda * cost per unit
    units: IntArray  # (m,)
    x: IntArray  # (m, n)
    left: IntArray  # (m,) units not fired
    L: FloatArray  # (n,) log survival sum_i x_ij lq_ij
    k_cap: int  # units of one type on one target considered by the type move
    pck: FloatArray  # (m, n, k_cap) p (1 - p)^k, k = 0 .. k_cap - 1: return of the k+1-th unit

    @classmethod
    def build(cls, problem: WTAProblem, x: IntArray) -> _State:
        with np.errstate(divide="ignore"):
            lq = np.maximum(np.log1p(-problem.pk), LOG_Q_MIN)
        units = problem.units.astype(np.int64)
        k_cap = max(1, min(int(units.max()), max(4, min(int(x.max(initial=0)), _K_CAP_MAX))))
        pc = -np.expm1(lq)
        pck = pc[:, :, None] * np.exp(lq[:, :, None] * np.arange(k_cap, dtype=np.float64))
        st = cls(
            v=problem.values,
            lq=lq,
            pc=pc,
            cu=problem.lambda_cost * problem.cost_per_unit,
            units=units,
            x=x,
            left=units - x.sum(axis=1),
            L=np.einsum("ij,ij->j", x, lq),
            k_cap=k_cap,
            pck=pck,
        )
        return st

    def value(self) -> float:
        return float(self.v @ np.exp(self.L) + self.cu @ (self.units - self.left))

    def reset(self, x: IntArray) -> None:
        self.x[...] = x
        self.left[...] = self.units - x.sum(axis=1)
        self.L[...] = np.einsum("ij,ij->j", x, self.lq)


def _descend(st: _State, rng: np.random.Generator, deadline: float, candidates: int) -> int:
    """Alternate the two neighbourhoods until neither improves (or time runs out)."""
    moves = 0
    fails = 0
    types_done = False  # True while no move happened since the last fruitless type sweep
    while time.perf_counter() < deadline:
        k = 0
        if not types_done:
            k = _type_moves(st)
            moves += k
            types_done = True
            if time.perf_counter() >= deadline:
                break
        if _ejection_move(st, rng, candidates) > 0.0:
            moves += 1
            fails = 0
            types_done = False
        else:
            fails += 1
            # a second try only helps if the lifted units are drawn at random, i.e. some
            # target holds units of two types or more
            tries = 2 if ((st.x > 0).sum(axis=0) > 1).any() else 1
            if k == 0 and fails >= tries:
                break
    return moves


# --------------------------------------------------------------------------------------------
# neighbourhood 1: re-optimise the units of one type at a time


def _type_moves(st: _State) -> int:
    """Apply improving type re-optimisations (disjoint sets at once) until none is left."""
    applied = 0
    while True:
        k = _type_sweep(st)
        applied += k
        if k == 0:
            return applied


def _type_sweep(st: _State) -> int:
    m, n = st.x.shape
    K = st.k_cap
    Lm = st.L[None, :] - st.x * st.lq  # (m, n) log survival without type i
    base = st.v * np.exp(Lm)  # (m, n)
    gains = base[:, :, None] * st.pck
    if st.cu.any():
        gains -= st.cu[:, None, None]
    flat = gains.reshape(m, n * K)
    new_x = np.zeros_like(st.x)
    for mu in np.unique(st.units):
        rows = np.flatnonzero(st.units == mu)
        r, c = _top_entries(flat[rows], int(mu))
        np.add.at(new_x, (rows[r], c // K), 1)
    # only types whose new allocation differs and improves
    changed = new_x != st.x
    cand = np.flatnonzero(changed.any(axis=1))
    if cand.size == 0:
        return 0
    eL = np.exp(st.L)
    d = (st.v * (np.exp(Lm[cand] + new_x[cand] * st.lq[cand]) - eL)).sum(axis=1) + st.cu[cand] * (
        new_x[cand].sum(axis=1) - st.x[cand].sum(axis=1)
    )
    scale = float(st.v @ eL) + 1e-300
    good = d < -_EPS * scale
    if not good.any():
        return 0
    cand, d = cand[good], d[good]
    order = np.argsort(d, kind="stable")
    used = np.zeros(n, dtype=bool)
    applied = 0
    for t in order:
        i = int(cand[t])
        touched = changed[i]
        if (used & touched).any():
            continue
        used |= touched
        st.L += (new_x[i] - st.x[i]) * st.lq[i]
        st.x[i] = new_x[i]
        st.left[i] = st.units[i] - int(new_x[i].sum())
        applied += 1
    return applied


# --------------------------------------------------------------------------------------------
# neighbourhood 2: lift one unit per engaged target, re-insert by a linear assignment


def _ejection_move(st: _State, rng: np.random.Generator, candidates: int) -> float:
    """One ejection move; returns the objective decrease (0.0 if none was found)."""
    n = st.x.shape[1]
    tot = st.x.sum(axis=0)
    engaged = np.flatnonzero(tot > 0)
    # which unit to lift from each engaged target: type drawn in proportion to its units
    cum = np.cumsum(st.x[:, engaged], axis=0)
    u = rng.random(engaged.size) * tot[engaged]
    lift_type = np.argmax(cum > u[None, :], axis=0)
    spare = np.flatnonzero(st.left > 0)
    row_type = np.concatenate([lift_type, spare])
    R = row_type.size
    if R == 0:
        return 0.0
    L1 = st.L.copy()
    L1[engaged] -= st.lq[lift_type, engaged]
    vs = st.v * np.exp(L1)  # (n,)
    gain = vs[None, :] * st.pc[row_type] - st.cu[row_type, None]  # (R, n)
    old_gain = float(gain[np.arange(engaged.size), engaged].sum())
    # a row may stay unfired ("hold") if it is a spare unit, if its shot may cost more than it
    # returns, or if there are more rows than targets
    hold = np.zeros(R, dtype=bool)
    hold[engaged.size :] = True
    hold |= st.cu[row_type] > 0.0
    if n < R:
        hold[:] = True
    if R * n <= _DENSE_MAX:
        ri, ci = _assign_dense(gain, hold)
    else:
        ri, ci = _assign_sparse(gain, hold, engaged, candidates)
    fired = ci < n
    new_gain = float(gain[ri[fired], ci[fired]].sum())
    if not new_gain > old_gain + _EPS * (float(st.v @ np.exp(st.L)) + 1e-300):
        return 0.0
    # apply: lift every chosen unit, then insert the matched ones
    np.subtract.at(st.x, (lift_type, engaged), 1)
    st.L[...] = L1
    ti, tj = row_type[ri[fired]], ci[fired]
    np.add.at(st.x, (ti, tj), 1)
    st.left[:] = st.units - st.x.sum(axis=1)
    st.L[tj] += st.lq[ti, tj]
    return new_gain - old_gain


def _assign_dense(gain: FloatArray, hold: BoolArray) -> tuple[IntArray, IntArray]:
    """Best re-insertion on the full (R, n) gain matrix; columns >= n mean "hold"."""
    h = int(hold.sum())
    if h:
        big = 1e6 * (float(np.abs(gain).max()) + 1.0)
        block = np.where(hold[:, None], 0.0, -big) * np.ones((1, h))
        gain = np.concatenate([gain, block], axis=1)
    ri, ci = linear_sum_assignment(gain, maximize=True)
    return ri.astype(np.int64), ci.astype(np.int64)


def _assign_sparse(
    gain: FloatArray, hold: BoolArray, engaged: IntArray, candidates: int
) -> tuple[IntArray, IntArray]:
    """Best re-insertion on a sparse graph: each unit's ``candidates`` best targets, each
    target's ``candidates`` best units, every lifted unit's own target (so the current
    assignment is a matching) and a private hold column per row that may stay unfired."""
    R, n = gain.shape
    mask = _top_mask(gain, candidates, axis=1) | _top_mask(gain, candidates, axis=0)
    mask[np.arange(engaged.size), engaged] = True
    hold_rows = np.flatnonzero(hold)
    full = np.zeros((R, n + hold_rows.size), dtype=bool)
    full[:, :n] = mask
    full[hold_rows, n + np.arange(hold_rows.size)] = True
    rr, cc = np.nonzero(full)  # row-major: CSR order
    ww = np.where(cc < n, gain[rr, np.minimum(cc, n - 1)], 0.0)
    # LAPJVsp minimises, needs non-zero weights and can cycle on floating-point ties: map the
    # gains to whole numbers 1 .. 2^36 (exact in float64, and so are their sums)
    g_hi = float(max(ww.max(), 0.0))
    g_lo = float(min(ww.min(), 0.0))
    ww = 1.0 + np.floor((g_hi - ww) * (_WEIGHT_STEPS / max(g_hi - g_lo, 1e-300)) + 0.5)
    # 32-bit indices: what scipy's matching kernel takes (SciPy 1.13 refuses 64-bit ones)
    indptr = np.zeros(R + 1, dtype=np.int32)
    np.cumsum(np.bincount(rr, minlength=R), out=indptr[1:])
    graph = sp.csr_array((ww, cc.astype(np.int32), indptr), shape=(R, n + hold_rows.size))
    ri, ci = min_weight_full_bipartite_matching(graph)
    ci = np.where(ci < n, ci, n)  # every hold column reads as n
    return ri.astype(np.int64), ci.astype(np.int64)


def _top_mask(a: FloatArray, k: int, axis: int) -> BoolArray:
    """Mask of the ``k`` largest entries along ``axis`` (ties at the k-th value included)."""
    size = a.shape[axis]
    if k >= size:
        return np.ones(a.shape, dtype=bool)
    kth = np.partition(a, size - k, axis=axis).take(size - k, axis=axis)
    return np.asarray(a >= np.expand_dims(kth, axis))


def _top_entries(a: FloatArray, k: int) -> tuple[IntArray, IntArray]:
    """Row and column indices of the ``k`` largest positive entries of every row of ``a``."""
    rows, cols = a.shape
    if k <= 0 or cols == 0:
        return np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.int64)
    if k <= 8:  # a few passes of argmax beat argpartition by far
        work = a.copy()
        ar = np.arange(rows)
        rr, cc = [], []
        for _ in range(min(k, cols)):
            c = np.argmax(work, axis=1)
            ok = work[ar, c] > 0.0
            rr.append(ar[ok])
            cc.append(c[ok])
            work[ar, c] = -np.inf
        return np.concatenate(rr), np.concatenate(cc)
    take = min(k, cols)
    idx = np.argpartition(-a, take - 1, axis=1)[:, :take] if take < cols else None
    if idx is None:
        idx = np.broadcast_to(np.arange(cols), (rows, cols))
    ok = np.take_along_axis(a, idx, axis=1) > 0.0
    r = np.broadcast_to(np.arange(rows)[:, None], idx.shape)
    return r[ok], idx[ok]


# --------------------------------------------------------------------------------------------
# perturbation


def _perturb(st: _State, rng: np.random.Generator, fraction: float) -> None:
    """Kick the assignment out of its local optimum, one of two ways at random (even odds).

    *Destroy and repair*: empty a random share ``fraction`` of the engaged targets and refill
    with the MMR greedy. *Kick*: move as many randomly chosen units to uniformly random
    targets (the descent that follows decides what to keep).
    """
    engaged = np.flatnonzero(st.x.sum(axis=0) > 0)
    if engaged.size == 0:
        return
    k = min(max(2, round(fraction * engaged.size)), engaged.size)
    if rng.random() < 0.5:
        hit = rng.choice(engaged, size=k, replace=False)
        st.x[:, hit] = 0
        st.left[:] = st.units - st.x.sum(axis=1)
        st.L[hit] = 0.0
        greedy_fill(
            values=st.v, pk=st.pc, unit_cost=st.cu, x=st.x, left=st.left, survival=np.exp(st.L)
        )
    else:
        ti, tj = np.nonzero(st.x)
        per = st.x[ti, tj]
        unit_i, unit_j = np.repeat(ti, per), np.repeat(tj, per)  # one entry per unit fired
        pick = rng.choice(unit_i.size, size=min(k, unit_i.size), replace=False)
        np.subtract.at(st.x, (unit_i[pick], unit_j[pick]), 1)
        np.add.at(st.x, (unit_i[pick], rng.integers(st.x.shape[1], size=pick.size)), 1)
    st.L[...] = np.einsum("ij,ij->j", st.x, st.lq)
