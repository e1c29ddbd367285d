"""The static weapon-target assignment (WTA) problem: data, file formats and objective.

``m`` weapon types with ``units[i]`` identical units each face ``n`` targets of value
``values[j]``; one unit of type ``i`` fired at target ``j`` kills it with probability
``pk[i, j]``, independently of every other shot. Choosing integers ``x[i, j] >= 0`` with
``sum_j x[i, j] <= units[i]``, the expected value of the targets that survive is (Manne 1958;
Hosein & Athans 1990; Ahuja, Kumar, Jha & Orlin 2007)::

    F(x) = sum_j values[j] * prod_i (1 - pk[i, j]) ** x[i, j]

and the cost-aware objective adds ``lambda_cost * sum_ij cost_per_unit[i] * x[i, j]``, the
price of the units fired expressed in units of target value (``lambda_cost = 1`` when both
are in USD). Everything a solver needs is in one frozen :class:`WTAProblem`.

Two file forms are read:

* the benchmark text form of Andersen, Pavlikov & Toffolo (2022), gzipped or not: first line
  ``m n mu``, then ``n`` lines with one target value each, then ``m * n`` lines ``i j p``
  (0-based weapon type ``i``, target ``j``, kill probability ``p``), every pair once;
* a JSON object ``{"values": [...], "pk": [[...]], "units": [...], "cost_per_unit": [...],
  "weapon_types": [...], "target_names": [...], "lambda_cost": 0.0}`` (only ``values``, ``pk``
  and ``units`` are required; ``units`` may be one integer for every type).

>>> p = WTAProblem(values=[5.0, 10.0], pk=[[0.5, 0.8], [0.6, 0.4]], units=1)
>>> p.m, p.n, p.units.tolist()
(2, 2, [1, 1])
>>> round(objective(p, [[0, 1], [1, 0]]), 9)  # 5 * 0.4 + 10 * 0.2
4.0
"""

from __future__ import annotations

import json
import math
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt

from iamd.errors import DataFileError, InputError
from iamd.files import (
    MAX_DATA_BYTES,
    MAX_TEXT_BYTES,
    cut,
    gunzip,
    loads_strict,
    read_input_bytes,
    write_atomic,
)

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.int64]

__all__ = [
    "WTAProblem",
    "expected_cost",
    "is_feasible",
    "objective",
    "problem_from_dict",
    "problem_to_dict",
    "read_instance",
    "read_json",
    "read_problem",
    "surviving_value",
    "write_json",
    "write_text_atomic",
]

_GZIP_MAGIC = b"\x1f\x8b"


def _no_cost() -> FloatArray:
    return np.zeros(())


@dataclass(frozen=True, slots=True, kw_only=True)
class WTAProblem:
    """One static WTA instance (arrays are stored read-only, as float64 / int64).

    ``values`` (n,) target values (>= 0, finite, any unit of value); ``pk`` (m, n) single-shot
    kill probabilities in [0, 1]; ``units`` (m,) number of identical units of each weapon
    type (a scalar applies to every type); ``cost_per_unit`` (m,) price of one unit fired
    (>= 0, e.g. USD; a scalar applies to every type; default 0); ``lambda_cost`` (>= 0) the
    weight of cost in the objective; optional names of the weapon types (m) and targets (n).
    Array-likes are accepted and converted; bad input raises :class:`InputError` naming the
    field, the index and the value.

    >>> WTAProblem(values=[1.0], pk=[[1.5]], units=1)
    Traceback (most recent call last):
    ...
    iamd.errors.InputError: WTAProblem.pk[0, 0] must be a probability in [0, 1] (got 1.5)
    """

    values: FloatArray
    pk: FloatArray
    units: IntArray
    cost_per_unit: FloatArray = field(default_factory=_no_cost)
    lambda_cost: float = 0.0
    weapon_types: tuple[str, ...] | None = None
    target_names: tuple[str, ...] | None = None

    def __post_init__(self) -> None:
        values = _float_array("values", self.values, ndim=1)
        pk = _float_array("pk", self.pk, ndim=2)
        n = values.shape[0]
        if pk.shape[1] != n:
            raise InputError(
                f"WTAProblem.pk must have shape (m, n) with n = len(values) = {n} "
                f"(got shape {pk.shape})"
            )
        m = pk.shape[0]
        _check_range("values", values, 0.0, math.inf)
        if not math.isfinite(float(values.sum())):  # the objective is a sum of values
            raise InputError(
                f"WTAProblem.values must have a finite sum (got {float(values.sum())}); give "
                f"the values in a smaller unit"
            )
        _check_range("pk", pk, 0.0, 1.0, what="a probability in [0, 1]")
        units = _count_array("units", self.units, m)
        cost = _float_array("cost_per_unit", self.cost_per_unit, ndim=None)
        if not (cost.ndim == 0 or cost.shape == (m,)):
            raise InputError(
                f"WTAProblem.cost_per_unit must be a scalar or have shape (m,) = ({m},) "
                f"(got shape {cost.shape})"
            )
        cost = np.broadcast_to(cost.reshape(-1), (m,)).copy()
        _check_range("cost_per_unit", cost, 0.0, math.inf)
        lam = self.lambda_cost
        if isinstance(lam, bool) or not isinstance(lam, int | float | np.floating | np.integer):
            raise InputError(f"WTAProblem.lambda_cost must be a number >= 0 (got {lam!r})")
        if not (math.isfinite(float(lam)) and float(lam) >= 0.0):
            raise InputError(f"WTAProblem.lambda_cost must be finite and >= 0 (got {lam})")
        names_w = _names("weapon_types", self.weapon_types, m)
        names_t = _names("target_names", self.target_names, n)
        for arr in (values, pk, units, cost):
            arr.flags.writeable = False
        object.__setattr__(self, "values", values)
        object.__setattr__(self, "pk", pk)
        object.__setattr__(self, "units", units)
        object.__setattr__(self, "cost_per_unit", cost)
        object.__setattr__(self, "lambda_cost", float(lam))
        object.__setattr__(self, "weapon_types", names_w)
        object.__setattr__(self, "target_names", names_t)

    @property
    def m(self) -> int:
        """Number of weapon types."""
        return int(self.pk.shape[0])

    @property
    def n(self) -> int:
        """Number of targets."""
        return int(self.pk.shape[1])


# --------------------------------------------------------------------------------------------
# objective


def _check_x(problem: WTAProblem, x: npt.ArrayLike) -> IntArray:
    arr = np.asarray(x)
    if arr.shape[-2:] != (problem.m, problem.n) or arr.ndim < 2:
        raise InputError(
            f"x must have shape (..., m, n) = (..., {problem.m}, {problem.n}) "
            f"(got shape {arr.shape})"
        )
    if arr.dtype.kind not in "iub" and (
        arr.dtype.kind != "f" or not np.all(np.isfinite(arr)) or np.any(arr != np.round(arr))
    ):
        raise InputError(f"x must hold whole numbers of units (got dtype {arr.dtype})")
    out = arr.astype(np.int64)
    if out.size and out.min() < 0:
        raise InputError(f"x must be >= 0 everywhere (got minimum {int(out.min())})")
    return out


def surviving_value(problem: WTAProblem, x: npt.ArrayLike) -> FloatArray | float:
    """Expected surviving value ``sum_j v_j prod_i (1 - p_ij)^x_ij`` of ``x`` (..., m, n).

    Returns a float for one assignment, an array of shape (...) for a stack of them.

    >>> p = WTAProblem(values=[10.0], pk=[[0.5]], units=3)
    >>> surviving_value(p, [[[0]], [[1]], [[3]]]).tolist()
    [10.0, 5.0, 1.25]
    """
    xi = _check_x(problem, x)
    surv = np.prod(np.power(1.0 - problem.pk, xi), axis=-2)
    out = surv @ problem.values
    return float(out) if np.ndim(out) == 0 else np.asarray(out)


def expected_cost(problem: WTAProblem, x: npt.ArrayLike) -> FloatArray | float:
    """Cost ``sum_ij cost_per_unit[i] x_ij`` of the units fired by ``x`` (..., m, n)."""
    xi = _check_x(problem, x)
    out = xi.sum(axis=-1) @ problem.cost_per_unit
    return float(out) if np.ndim(out) == 0 else np.asarray(out)


def objective(problem: WTAProblem, x: npt.ArrayLike) -> FloatArray | float:
    """Objective ``surviving_value + lambda_cost * expected_cost`` of ``x`` (..., m, n).

    >>> p = WTAProblem(values=[100.0], pk=[[0.9]], units=1, cost_per_unit=20.0,
    ...                lambda_cost=0.5)
    >>> objective(p, [[1]]), objective(p, [[0]])
    (20.0, 100.0)
    """
    xi = _check_x(problem, x)
    surv = np.prod(np.power(1.0 - problem.pk, xi), axis=-2) @ problem.values
    out = surv + problem.lambda_cost * (xi.sum(axis=-1) @ problem.cost_per_unit)
    return float(out) if np.ndim(out) == 0 else np.asarray(out)


def is_feasible(problem: WTAProblem, x: npt.ArrayLike) -> bool:
    """Whether ``x`` (m, n) is a whole, non-negative assignment within every type's units."""
    arr = np.asarray(x)
    if arr.shape != (problem.m, problem.n):
        return False
    if arr.dtype.kind not in "iu":
        return False
    return bool(np.all(arr >= 0) and np.all(arr.sum(axis=1) <= problem.units))


# --------------------------------------------------------------------------------------------
# files


def read_problem(path: str | os.PathLike[str]) -> WTAProblem:
    """Read a problem: JSON if the name ends in ``.json``, else the text form (gzip or not)."""
    p = Path(path)
    if p.suffix.lower() == ".json":
        return read_json(p)
    return read_instance(p)


def read_instance(path: str | os.PathLike[str]) -> WTAProblem:
    """Read the benchmark text form (Andersen, Pavlikov & Toffolo 2022), gzipped or not.

    Gzip is recognised by its magic bytes, not the name. Line ``1``: ``m n mu`` (integers,
    ``m, n >= 1``, ``mu >= 0``); lines ``2 .. n+1``: one target value each; then exactly
    ``m * n`` lines ``i j p`` with ``0 <= i < m``, ``0 <= j < n``, ``0 <= p <= 1`` and every
    pair once. Blank lines are ignored. A malformed file raises :class:`DataFileError` as
    ``FILE:LINE: what is wrong (got VALUE)``.
    """
    p = Path(path)
    lines = _read_lines(p)
    rows = [(k + 1, line) for k, line in enumerate(lines[:_HEAD_SCAN]) if line.strip()]
    if not rows:
        raise DataFileError(f"{p}:1: empty file, expected a header `m n mu` (got nothing)")
    lineno, header = rows[0]
    fields = header.split()
    if len(fields) != 3:
        raise DataFileError(
            f"{p}:{lineno}: header must be three integers `m n mu` "
            f"(got {cut(header.strip(), 60)!r})"
        )
    m, n, mu = (
        _parse_int(p, lineno, tok, name) for tok, name in zip(fields, ("m", "n", "mu"), strict=True)
    )
    if m < 1 or n < 1 or mu < 0:
        raise DataFileError(
            f"{p}:{lineno}: header needs m >= 1, n >= 1 and mu >= 0 (got m={m}, n={n}, mu={mu})"
        )
    # declared sizes against the file before allocating (a small file that ends early gets
    # the line-by-line message below)
    if n + m * n > max(len(lines) - lineno, _EXPLAIN_LINES):
        raise DataFileError(
            f"{p}:{lineno}: the header announces {n:,} target values and m * n = {m:,} * {n:,} "
            f"kill-probability lines, the file has {len(lines) - lineno:,} lines after it "
            f"(a truncated file or a wrong header)"
        )
    # target values: the next n non-blank lines
    values = np.empty(n)
    k = lineno  # index into lines of the next line to read (0-based)
    for j in range(n):
        while k < len(lines) and not lines[k].strip():
            k += 1
        if k >= len(lines):
            raise DataFileError(
                f"{p}:{k}: expected {n} target values after the header, the file ends after "
                f"{j} (got {j})"
            )
        toks = lines[k].split()
        if len(toks) != 1:
            raise DataFileError(
                f"{p}:{k + 1}: expected one target value (value of target {j}), "
                f"got {len(toks)} fields (got {cut(lines[k].strip(), 60)!r})"
            )
        v = _parse_float(p, k + 1, toks[0], f"value of target {j}")
        if not (math.isfinite(v) and v >= 0.0):
            raise DataFileError(
                f"{p}:{k + 1}: value of target {j} must be finite and >= 0 (got {cut(toks[0], 40)})"
            )
        values[j] = v
        k += 1
    first_pk_line = k  # 0-based index of the first kill-probability line
    body = lines[first_pk_line:]
    while body and not body[-1].strip():
        body.pop()
    pk = _parse_pk_block(p, body, first_pk_line, m, n)
    return WTAProblem(values=values, pk=pk, units=np.full(m, mu, dtype=np.int64))


_HEAD_SCAN = 64  # the header is looked for among the first lines only
MAX_UNITS = 10**9  # units of one weapon type (int64 holds the products of the objective)
_EXPLAIN_LINES = 100_000  # declared sizes up to this are read line by line


def _read_bytes(p: Path, max_bytes: int) -> bytes:
    """A regular file of at most ``max_bytes`` (a FIFO would block, a device never end)."""
    if p.is_dir():
        raise DataFileError(f"{p}: is a directory, expected a WTA instance file")
    try:
        return read_input_bytes(p, "problem", max_bytes=max_bytes)
    except InputError as exc:
        raise DataFileError(str(exc).removeprefix("problem: ")) from None


def _read_lines(p: Path) -> list[str]:
    raw = _read_bytes(p, MAX_DATA_BYTES)
    if raw[:2] == _GZIP_MAGIC:  # decompressed under the size and ratio caps of iamd.files
        try:
            raw = gunzip(raw, str(p))
        except InputError as exc:
            raise DataFileError(str(exc)) from None
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = raw[: exc.start].count(b"\n") + 1
        raise DataFileError(
            f"{p}:{line}: not a text file (byte {raw[exc.start]:#04x} at offset {exc.start})"
        ) from None
    return text.splitlines()


def _parse_int(p: Path, lineno: int, tok: str, name: str) -> int:
    try:
        return int(tok)
    except ValueError:
        raise DataFileError(
            f"{p}:{lineno}: {name} must be an integer (got {cut(tok, 40)!r})"
        ) from None


def _parse_float(p: Path, lineno: int, tok: str, name: str) -> float:
    try:
        return float(tok)
    except ValueError:
        raise DataFileError(
            f"{p}:{lineno}: {name} must be a number (got {cut(tok, 40)!r})"
        ) from None


def _parse_pk_block(p: Path, body: list[str], offset: int, m: int, n: int) -> FloatArray:
    """Parse the ``i j p`` lines (fast path with ``np.loadtxt``, slow path to explain errors).

    ``offset`` is the 0-based index in the file of ``body[0]``.
    """
    want = m * n
    try:
        arr = np.loadtxt(body, dtype=np.float64, comments=None, ndmin=2) if body else None
    except ValueError:
        arr = None
        _explain_pk_block(p, body, offset, m, n)  # raises with the first bad line
    if arr is None or arr.shape[0] == 0:
        raise DataFileError(
            f"{p}:{offset + 1}: expected {want} kill-probability lines `i j p` after the "
            f"{n} target values (got none)"
        )
    if arr.shape[1] != 3:
        _explain_pk_block(p, body, offset, m, n)
    row_line: IntArray | None = None

    def line_of(row: int) -> int:
        nonlocal row_line
        if row_line is None:
            row_line = np.array([k for k, s in enumerate(body) if s.strip()], dtype=np.int64)
        return int(row_line[row]) + offset + 1

    ii, jj, pp = arr[:, 0], arr[:, 1], arr[:, 2]
    bad = ~((ii == np.round(ii)) & (ii >= 0) & (ii < m))
    if bad.any():
        r = int(np.argmax(bad))
        raise DataFileError(
            f"{p}:{line_of(r)}: weapon type index i must be an integer in [0, {m - 1}] "
            f"(got {_fmt(ii[r])})"
        )
    bad = ~((jj == np.round(jj)) & (jj >= 0) & (jj < n))
    if bad.any():
        r = int(np.argmax(bad))
        raise DataFileError(
            f"{p}:{line_of(r)}: target index j must be an integer in [0, {n - 1}] "
            f"(got {_fmt(jj[r])})"
        )
    bad = ~((pp >= 0.0) & (pp <= 1.0))  # NaN fails too
    if bad.any():
        r = int(np.argmax(bad))
        raise DataFileError(
            f"{p}:{line_of(r)}: kill probability p must be in [0, 1] (got {_fmt(pp[r])})"
        )
    flat = ii.astype(np.int64) * n + jj.astype(np.int64)
    if arr.shape[0] > want:
        r = want
        raise DataFileError(
            f"{p}:{line_of(r)}: expected {want} kill-probability lines `i j p` (m * n = "
            f"{m} * {n}), this is one too many (got {arr.shape[0]})"
        )
    order = np.argsort(flat, kind="stable")
    sorted_flat = flat[order]
    dup = np.flatnonzero(sorted_flat[1:] == sorted_flat[:-1])
    if dup.size:
        # report the later line of the first duplicate in file order
        rows_second = order[dup + 1]
        rows_first = order[dup]
        k = int(np.argmin(rows_second))
        r2, r1 = int(rows_second[k]), int(rows_first[k])
        i, j = divmod(int(flat[r2]), n)
        raise DataFileError(
            f"{p}:{line_of(r2)}: pair (i, j) = ({i}, {j}) appears twice, first on line "
            f"{line_of(r1)} (got p = {_fmt(pp[r2])})"
        )
    if arr.shape[0] < want:
        present = np.zeros(want, dtype=bool)
        present[flat] = True
        i, j = divmod(int(np.argmin(present)), n)
        last = line_of(arr.shape[0] - 1)
        raise DataFileError(
            f"{p}:{last}: expected {want} kill-probability lines `i j p` (m * n = {m} * {n}), "
            f"the file ends after {arr.shape[0]}; pair ({i}, {j}) is missing "
            f"(got {arr.shape[0]})"
        )
    pk = np.empty(want)
    pk[flat] = pp
    return pk.reshape(m, n)


def _explain_pk_block(p: Path, body: list[str], offset: int, m: int, n: int) -> None:
    """Find the first malformed ``i j p`` line and raise its message (slow, errors only)."""
    for k, line in enumerate(body):
        toks = line.split()
        if not toks:
            continue
        lineno = offset + k + 1
        if len(toks) != 3:
            raise DataFileError(
                f"{p}:{lineno}: expected three fields `i j p` (weapon type, target, kill "
                f"probability), got {len(toks)} (got {cut(line.strip(), 60)!r})"
            )
        for tok, name in zip(toks, ("weapon type index i", "target index j", "p"), strict=True):
            try:
                float(tok)
            except ValueError:
                raise DataFileError(
                    f"{p}:{lineno}: {name} must be a number (got {cut(tok, 40)!r})"
                ) from None
    raise DataFileError(f"{p}:{offset + 1}: cannot parse the `i j p` lines")  # pragma: no cover


def _fmt(x: float) -> str:
    return f"{int(x)}" if float(x).is_integer() else repr(float(x))


def read_json(path: str | os.PathLike[str]) -> WTAProblem:
    """Read the JSON form (see the module docstring); errors name the file and the field."""
    p = Path(path)
    raw = _read_bytes(p, MAX_TEXT_BYTES)
    try:  # strict JSON: no NaN/Infinity, no 30-digit integers, no nesting without end
        doc = loads_strict(raw, str(p))
    except InputError as exc:
        raise DataFileError(str(exc)) from None
    return problem_from_dict(doc, source=str(p))


_JSON_KEYS = (
    "values",
    "pk",
    "units",
    "cost_per_unit",
    "weapon_types",
    "target_names",
    "lambda_cost",
)


def problem_from_dict(doc: Any, *, source: str = "<dict>") -> WTAProblem:
    """Build a :class:`WTAProblem` from the JSON form's dict; errors start with ``source``."""
    if not isinstance(doc, dict):
        raise DataFileError(f"{source}: expected a JSON object (got {type(doc).__name__})")
    unknown = sorted(set(doc) - set(_JSON_KEYS))
    if unknown:
        raise DataFileError(
            f"{source}: unknown field {unknown[0]!r} (allowed: {', '.join(_JSON_KEYS)})"
        )
    for key in ("values", "pk", "units"):
        if key not in doc:
            raise DataFileError(f"{source}: missing required field {key!r}")
    kwargs: dict[str, Any] = {}
    for key in _JSON_KEYS:
        if key not in doc or doc[key] is None:
            continue
        val = doc[key]
        if key in ("weapon_types", "target_names"):
            if not isinstance(val, list) or not all(isinstance(s, str) for s in val):
                raise DataFileError(f"{source}: {key} must be a list of strings (got {val!r:.80})")
            kwargs[key] = tuple(val)
        elif key == "lambda_cost":
            if isinstance(val, bool) or not isinstance(val, int | float):
                raise DataFileError(f"{source}: lambda_cost must be a number (got {val!r})")
            kwargs[key] = float(val)
        else:
            kwargs[key] = _json_array(source, key, val)
    try:
        return WTAProblem(**kwargs)
    except DataFileError:
        raise
    except InputError as exc:
        msg = str(exc).removeprefix("WTAProblem.")
        raise DataFileError(f"{source}: {msg}") from None


def _json_array(source: str, key: str, val: Any) -> npt.NDArray[Any]:
    def ok(v: Any) -> bool:
        if isinstance(v, list):
            return all(ok(u) for u in v)
        return isinstance(v, int | float) and not isinstance(v, bool)

    if not ok(val):
        raise DataFileError(f"{source}: {key} must hold numbers only (got {val!r:.80})")
    try:
        arr = np.asarray(val, dtype=np.float64)
    except ValueError:
        raise DataFileError(
            f"{source}: {key} must be rectangular: every row the same length (ragged rows)"
        ) from None
    if key == "units":
        if not np.all(arr == np.round(arr)):
            raise DataFileError(f"{source}: units must be whole numbers (got {val!r:.80})")
        if np.any(np.abs(arr) > MAX_UNITS):  # before int64, which would wrap
            raise DataFileError(f"{source}: units must be at most {MAX_UNITS:,} (got {val!r:.80})")
        return arr.astype(np.int64)
    return arr


def problem_to_dict(problem: WTAProblem) -> dict[str, Any]:
    """The JSON form of ``problem`` as a plain dict (lists of Python numbers)."""
    doc: dict[str, Any] = {
        "values": problem.values.tolist(),
        "pk": problem.pk.tolist(),
        "units": problem.units.tolist(),
        "cost_per_unit": problem.cost_per_unit.tolist(),
        "lambda_cost": problem.lambda_cost,
    }
    if problem.weapon_types is not None:
        doc["weapon_types"] = list(problem.weapon_types)
    if problem.target_names is not None:
        doc["target_names"] = list(problem.target_names)
    return doc


def write_json(problem: WTAProblem, path: str | os.PathLike[str]) -> None:
    """Write ``problem`` in the JSON form, atomically (temporary file, then rename)."""
    write_text_atomic(Path(path), json.dumps(problem_to_dict(problem), indent=1) + "\n")


def write_text_atomic(path: Path, text: str) -> None:
    """Write ``text`` to ``path`` through a temporary file in the same folder and a rename."""
    write_atomic(path, text, flag=str(path))


# --------------------------------------------------------------------------------------------
# validation helpers


def _float_array(name: str, val: Any, *, ndim: int | None) -> FloatArray:
    try:
        arr = np.array(val, dtype=np.float64)
    except (TypeError, ValueError):
        raise InputError(
            f"WTAProblem.{name} must be an array of numbers (got {val!r:.80})"
        ) from None
    if ndim is not None and arr.ndim != ndim:
        shape = "(n,)" if ndim == 1 else "(m, n)"
        raise InputError(f"WTAProblem.{name} must have shape {shape} (got shape {arr.shape})")
    return arr


def _check_range(name: str, arr: FloatArray, lo: float, hi: float, what: str = "") -> None:
    ok = (arr >= lo) & (arr <= hi) & np.isfinite(arr)
    if not ok.all():
        idx = np.unravel_index(int(np.argmin(ok.reshape(-1))), arr.shape)
        where = f"[{', '.join(str(int(k)) for k in idx)}]" if arr.ndim else ""
        rule = what or ("finite and >= 0" if math.isinf(hi) else f"in [{lo}, {hi}]")
        raise InputError(f"WTAProblem.{name}{where} must be {rule} (got {_num(arr[idx])})")


def _count_array(name: str, val: Any, m: int) -> IntArray:
    try:
        arr = np.array(val)
    except (TypeError, ValueError):  # pragma: no cover - np.array accepts nearly anything
        raise InputError(f"WTAProblem.{name} must hold whole numbers (got {val!r:.80})") from None
    if not (arr.ndim == 0 or arr.shape == (m,)):
        raise InputError(
            f"WTAProblem.{name} must be an integer or have shape (m,) = ({m},) "
            f"(got shape {arr.shape})"
        )
    if arr.dtype.kind not in "iuf" or arr.dtype.kind == "b":
        raise InputError(f"WTAProblem.{name} must hold whole numbers (got dtype {arr.dtype})")
    arr = np.broadcast_to(arr.reshape(-1), (m,))
    ok = np.isfinite(arr) & (arr == np.round(arr)) & (arr >= 0) & (arr <= MAX_UNITS)
    if not ok.all():
        k = int(np.argmin(ok))
        raise InputError(
            f"WTAProblem.{name}[{k}] must be a whole number >= 0"
            f"{'' if arr[k] <= MAX_UNITS else f' and <= {MAX_UNITS:,}'} (got {_num(arr[k])})"
        )
    return arr.astype(np.int64)


def _num(x: Any) -> str:
    """A number as the user wrote it: ``3``, ``1.5``, ``nan`` (not ``np.float64(1.5)``)."""
    f = float(x)
    return str(int(f)) if f.is_integer() else repr(f)


def _names(name: str, val: Any, size: int) -> tuple[str, ...] | None:
    if val is None:
        return None
    out = tuple(val)
    if len(out) != size or not all(isinstance(s, str) for s in out):
        raise InputError(
            f"WTAProblem.{name} must be {size} strings, one per "
            f"{'weapon type' if name == 'weapon_types' else 'target'} (got {val!r:.80})"
        )
    return out
