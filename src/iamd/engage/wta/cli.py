"""``iamd assign``: solve a WTA problem file and write the solution as JSON.

The problem is read by :func:`iamd.engage.wta.problem.read_problem` (JSON if the name ends in
``.json``, else the benchmark text form, gzipped or not, recognised by content). The solution
file is written atomically (a temporary file in the same folder, then ``os.replace``) so a
reader never sees half of it::

    {"status": "feasible", "objective": 1734.30, "bound": null, "time_s": 1.0,
     "method": "fast", "assignment": [[0, 17], [1, 4], ...],
     "surviving_value": 1734.30, "cost": 0.0, "lambda_cost": 0.0, "units_fired": 50,
     "seed": 0, "iamd_version": "0.1.0", "problem_sha256": "..."}

``assignment`` holds one ``[weapon_type, target]`` pair (0-based indices) per unit fired;
``objective`` is the expected surviving value plus ``lambda_cost`` times ``cost``; ``bound``
is a proven lower bound on the optimal objective or ``null``.
"""

from __future__ import annotations

import dataclasses
import hashlib
import math
import sys
from pathlib import Path
from typing import Any

from iamd import __version__
from iamd.engage.wta.problem import read_problem, write_text_atomic
from iamd.engage.wta.solve import METHODS, WTASolution, solve
from iamd.errors import InputError
from iamd.files import check_output_dir, check_output_file, strict_json

#: The longest ``--time-limit`` (a day): beyond it a solve is not a decision aid.
MAX_TIME_LIMIT_S = 86_400.0

__all__ = ["assign_command", "solution_to_dict"]


def assign_command(
    problem_path: Path,
    out_path: Path,
    method: str,
    time_limit_s: float,
    lambda_cost: float | None,
    seed: int,
) -> int:
    """Read ``problem_path``, solve it, write the solution JSON to ``out_path``; return 0.

    ``lambda_cost`` (if not ``None``) overrides the problem's weight of cost. Bad input
    raises :class:`InputError` (the CLI prints it as one ``error:`` line, exit status 2).
    """
    if method not in METHODS:
        raise InputError(f"--method must be one of {', '.join(METHODS)} (got {method!r})")
    if not (math.isfinite(time_limit_s) and time_limit_s >= 0.0):
        raise InputError(
            f"--time-limit must be a finite number of seconds >= 0 (got {time_limit_s})"
        )
    if time_limit_s > MAX_TIME_LIMIT_S:
        raise InputError(
            f"--time-limit must be at most {MAX_TIME_LIMIT_S:g} s, a day (got {time_limit_s})"
        )
    if lambda_cost is not None and not (math.isfinite(lambda_cost) and lambda_cost >= 0.0):
        raise InputError(f"--lambda-cost must be a finite number >= 0 (got {lambda_cost})")
    problem_path = Path(problem_path)
    out_path = Path(out_path)
    check_output_dir(out_path.parent, "--out")  # an existing folder, or one iamd can create
    if out_path.parent.is_dir():  # never the input, a directory or a device
        check_output_file(out_path, "--out", inputs=[problem_path])
    problem = read_problem(problem_path)
    if lambda_cost is not None:
        problem = dataclasses.replace(problem, lambda_cost=float(lambda_cost))
    sol = solve(problem, method=method, time_limit_s=time_limit_s, seed=seed)
    doc = solution_to_dict(sol)
    doc["lambda_cost"] = problem.lambda_cost
    doc["seed"] = seed
    doc["iamd_version"] = __version__
    doc["problem_sha256"] = hashlib.sha256(problem_path.read_bytes()).hexdigest()
    try:
        out_path.parent.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise InputError(f"--out: cannot create {out_path.parent} ({exc.strerror})") from None
    write_text_atomic(out_path, strict_json(doc, separators=(",", ":")) + "\n")
    bound = "none" if sol.bound is None else f"{sol.bound:.6g}"
    sys.stdout.write(
        f"assign: {sol.method} {sol.status}, objective {sol.objective:.6g}, bound {bound}, "
        f"{len(sol.assignment)} units fired in {sol.time_s:.2f} s -> {out_path}\n"
    )
    return 0


def solution_to_dict(sol: WTASolution) -> dict[str, Any]:
    """The JSON fields of a solution (see the module docstring), without the run metadata."""
    return {
        "status": sol.status,
        "objective": sol.objective,
        "bound": sol.bound,
        "time_s": sol.time_s,
        "method": sol.method,
        "assignment": [list(pair) for pair in sol.assignment],
        "surviving_value": sol.surviving_value,
        "cost": sol.cost,
        "units_fired": len(sol.assignment),
    }
