"""One entry point for the static WTA: ``solve(problem, method=...)`` and its result.

Methods:

* ``"greedy"``: maximum marginal return (Ahuja et al. 2007), milliseconds.
* ``"fast"``: the better of the MMR greedy and the assignment-layer construction, improved by
  the local search of :mod:`iamd.engage.wta.local_search` (type re-optimisation, ejection by
  linear assignment, iterated local search) until ``time_limit_s``. On the Andersen,
  Pavlikov & Toffolo (2022) instances it stays within a few tenths of a per cent of the best
  known solutions in one second (``benchmarks/wta``).
* ``"exact"``: the fast solution as incumbent, then outer approximation with HiGHS
  (:mod:`iamd.engage.wta.exact`) for the rest of the time; a proven lower bound comes back.
* ``"auto"``: ``"exact"`` for small instances (at most ``AUTO_EXACT_MAX_VARS`` useful
  weapon-target pairs), else ``"fast"``.

Statuses (as OR-Tools does, the solver reports rather than raises): ``"optimal"`` (proven,
``objective - bound`` within ``1e-5`` relative), ``"feasible"`` (a valid assignment with no
optimality claim: greedy, fast) and ``"time_limit"`` (the exact search was stopped by the
clock; the best assignment and the best bound found are returned). Only malformed input
raises :class:`~iamd.errors.InputError`.

>>> from iamd.engage.wta.problem import WTAProblem
>>> p = WTAProblem(values=[10.0, 10.0], pk=[[0.9, 0.85], [0.9, 0.1]], units=1)
>>> s = solve(p, method="auto")
>>> s.status, s.method, round(s.objective, 6), round(s.bound, 6), s.assignment
('optimal', 'exact', 2.5, 2.5, ((0, 1), (1, 0)))
>>> solve(p, method="greedy").objective
10.0
"""

from __future__ import annotations

import math
import time
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from iamd.engage.wta.exact import solve_exact
from iamd.engage.wta.greedy import assignment_layers, greedy
from iamd.engage.wta.local_search import improve
from iamd.engage.wta.problem import WTAProblem, expected_cost, objective, surviving_value
from iamd.errors import InputError

IntArray = npt.NDArray[np.int64]

__all__ = ["AUTO_EXACT_MAX_VARS", "METHODS", "WTASolution", "assignment_pairs", "solve"]

METHODS = ("auto", "exact", "greedy", "fast")
"""Accepted values of ``solve(method=...)``."""

AUTO_EXACT_MAX_VARS = 120
"""``"auto"`` solves exactly when at most this many (type, target) pairs can matter."""

_LAYERS_MAX_ENTRIES = 4_000_000  # larger layer matrices take seconds: greedy start only
_LAYER_S_PER_ENTRY = 3e-7  # rough cost of the layer construction per (unit, target) entry (s)
_FAST_SHARE_IN_EXACT = 0.2  # share of the time the exact method gives the fast incumbent


@dataclass(frozen=True, slots=True, kw_only=True)
class WTASolution:
    """Result of :func:`solve`.

    ``status`` ``"optimal" | "feasible" | "time_limit"``; ``objective`` expected surviving
    value plus ``lambda_cost`` times the cost of the units fired; ``bound`` a proven lower
    bound on the optimal objective, or ``None``; ``time_s`` wall time (s); ``x`` (m, n) units
    of each type on each target; ``assignment`` one ``(weapon_type, target)`` pair per unit
    fired, sorted; ``method`` the method that produced ``x`` (``"auto"`` resolved);
    ``surviving_value`` and ``cost`` the two parts of the objective.
    """

    status: str
    objective: float
    bound: float | None
    time_s: float
    x: IntArray
    assignment: tuple[tuple[int, int], ...]
    method: str
    surviving_value: float
    cost: float


def solve(
    problem: WTAProblem,
    method: str = "auto",
    time_limit_s: float = 1.0,
    seed: int = 0,
    *,
    max_rounds: int | None = None,
) -> WTASolution:
    """Solve ``problem`` with ``method`` within about ``time_limit_s`` seconds.

    ``seed`` drives the local search's random choices (same seed, same result unless the time
    limit cuts the search at a machine-dependent point; ``max_rounds`` caps the perturbation
    rounds for a machine-independent result).
    """
    t0 = time.perf_counter()
    if method not in METHODS:
        raise InputError(f"method must be one of {', '.join(METHODS)} (got {method!r})")
    if not (isinstance(time_limit_s, int | float) and math.isfinite(time_limit_s)):
        raise InputError(f"time_limit_s must be a finite number of seconds (got {time_limit_s!r})")
    if time_limit_s < 0:
        raise InputError(f"time_limit_s must be >= 0 (got {time_limit_s})")
    if isinstance(seed, bool) or not isinstance(seed, int | np.integer) or seed < 0:
        raise InputError(f"seed must be a non-negative integer (got {seed!r})")
    if method == "auto":
        method = "exact" if _useful_pairs(problem) <= AUTO_EXACT_MAX_VARS else "fast"
    bound: float | None = None
    if method == "greedy":
        x = greedy(problem)
        status = "feasible"
    elif method == "fast":
        x = _fast(problem, t0 + time_limit_s, int(seed), max_rounds)
        status = "feasible"
    else:
        budget = time_limit_s * _FAST_SHARE_IN_EXACT
        x0 = _fast(problem, t0 + budget, int(seed), max_rounds)
        remaining = max(0.0, time_limit_s - (time.perf_counter() - t0))
        res = solve_exact(problem, time_limit_s=remaining, x0=x0)
        x, status = res.x, res.status
        bound = res.bound if math.isfinite(res.bound) else None
    surv = float(surviving_value(problem, x))
    cost = float(expected_cost(problem, x))
    return WTASolution(
        status=status,
        objective=float(objective(problem, x)),
        bound=bound,
        time_s=time.perf_counter() - t0,
        x=x,
        assignment=assignment_pairs(x),
        method=method,
        surviving_value=surv,
        cost=cost,
    )


def assignment_pairs(x: npt.ArrayLike) -> tuple[tuple[int, int], ...]:
    """One ``(weapon_type, target)`` pair per unit of ``x`` (m, n), sorted.

    >>> assignment_pairs([[0, 2], [1, 0]])
    ((0, 1), (0, 1), (1, 0))
    """
    arr = np.asarray(x, dtype=np.int64)
    i, j = np.nonzero(arr)
    k = arr[i, j]
    return tuple(zip(np.repeat(i, k).tolist(), np.repeat(j, k).tolist(), strict=True))


def _fast(problem: WTAProblem, deadline: float, seed: int, max_rounds: int | None) -> IntArray:
    """Best construction (greedy or assignment layers), then local search to ``deadline``."""
    x = greedy(problem)
    f = float(objective(problem, x))
    layer_size = int(np.minimum(problem.units, problem.n).sum()) * problem.n
    remaining = deadline - time.perf_counter()
    if layer_size <= _LAYERS_MAX_ENTRIES and remaining >= 2.0 * _LAYER_S_PER_ENTRY * layer_size:
        xl = assignment_layers(problem)
        fl = float(objective(problem, xl))
        if fl < f:
            x, f = xl, fl
    remaining = deadline - time.perf_counter()
    if remaining <= 0.0:
        return x
    return improve(problem, x, time_limit_s=remaining, seed=seed, max_rounds=max_rounds).x


def _useful_pairs(problem: WTAProblem) -> int:
    useful = (problem.pk > 0.0) & (problem.values[None, :] > 0.0) & (problem.units[:, None] > 0)
    return int(useful.sum())
