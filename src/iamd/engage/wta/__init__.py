"""Static weapon-target assignment (WTA): problem, file formats, greedy, local search, exact.

``m`` weapon types with ``mu_i`` identical units each against ``n`` targets of value
``v_j``; a unit of type ``i`` kills target ``j`` with probability ``p_ij``. Choose whole
numbers ``x_ij`` with ``sum_j x_ij <= mu_i`` to minimise the expected surviving value
``sum_j v_j prod_i (1 - p_ij)^x_ij``, optionally plus ``lambda * sum_ij c_i x_ij`` (Manne
1958; Ahuja, Kumar, Jha & Orlin 2007; Andersen, Pavlikov & Toffolo 2022). See ``docs/wta.md``.

>>> from iamd.engage.wta import WTAProblem, solve
>>> p = WTAProblem(values=[10.0, 10.0], pk=[[0.9, 0.85], [0.9, 0.1]], units=1)
>>> s = solve(p, method="fast", time_limit_s=0.5, seed=0)
>>> s.status, round(s.objective, 6), s.assignment
('feasible', 2.5, ((0, 1), (1, 0)))
"""

from iamd.engage.wta.exact import ExactResult, solve_exact
from iamd.engage.wta.greedy import assignment_layers, greedy
from iamd.engage.wta.local_search import LocalSearchResult, improve
from iamd.engage.wta.problem import (
    WTAProblem,
    expected_cost,
    is_feasible,
    objective,
    problem_from_dict,
    problem_to_dict,
    read_instance,
    read_json,
    read_problem,
    surviving_value,
    write_json,
)
from iamd.engage.wta.solve import METHODS, WTASolution, assignment_pairs, solve

__all__ = [
    "METHODS",
    "ExactResult",
    "LocalSearchResult",
    "WTAProblem",
    "WTASolution",
    "assignment_layers",
    "assignment_pairs",
    "expected_cost",
    "greedy",
    "improve",
    "is_feasible",
    "objective",
    "problem_from_dict",
    "problem_to_dict",
    "read_instance",
    "read_json",
    "read_problem",
    "solve",
    "solve_exact",
    "surviving_value",
    "write_json",
]
