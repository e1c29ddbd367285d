"""Confidence intervals for Monte Carlo campaigns: proportions, means and paired differences.

Every campaign figure is either a proportion over runs (the probability that an asset is hit)
or a mean over runs (leakers, cost, ...). Policies are compared on common random numbers:
run ``i`` of every policy sees the same raid, so differences are taken run by run (paired).

- Proportions: the Wilson score interval (Wilson 1927, *J. Amer. Statist. Assoc.* 22:209-212;
  method 3 of Newcombe 1998a, *Statist. Med.* 17:857-872), which keeps its coverage near the
  nominal level for small ``n`` and for proportions near 0 or 1, where the Wald interval fails.
- Means: Student's t interval, ``mean ± t_{n-1, 1-α/2} · s / √n`` (Student 1908,
  *Biometrika* 6:1-25).
- Paired differences of means: the t interval of the per-run differences.
- Paired differences of proportions: Newcombe's hybrid score interval for paired data
  (Newcombe 1998b, *Statist. Med.* 17:2635-2650, method 10): the Wilson limits of both
  proportions combined with the estimated correlation of the pairs (with its continuity
  correction), as in Fagerland, Lydersen & Laake (2017), *Statistical Analysis of Contingency
  Tables*, ch. 8 ("Newcombe square-and-add").

Arrays are 1-D with one value per run; NaN values (a run where the figure is undefined, or a
run that failed) are left out. Intervals that cannot be computed (no data; a t interval from
one value) are NaN.

>>> lo, hi = wilson_interval(81, 263)
>>> round(lo, 4), round(hi, 4)
(0.2553, 0.3662)
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt
from scipy import stats as _st

CONFIDENCE = 0.95
"""Default two-sided confidence level of every interval."""

ArrayLike = npt.ArrayLike


@dataclass(frozen=True, slots=True, kw_only=True)
class Estimate:
    """A point estimate with its two-sided confidence interval.

    Attributes:
        value: the estimate (mean, proportion or difference); NaN without data.
        lo, hi: the interval's limits; NaN when it cannot be computed.
        n: the number of values (runs, or pairs of runs) it rests on.
        method: ``wilson``, ``t``, ``paired-t`` or ``newcombe-paired``.
    """

    value: float
    lo: float
    hi: float
    n: int
    method: str


def z_value(confidence: float = CONFIDENCE) -> float:
    """The standard normal quantile ``z_{1-α/2}`` of a two-sided ``confidence`` level.

    >>> round(z_value(0.95), 6)
    1.959964
    """
    _check_confidence(confidence)
    return float(_st.norm.ppf(0.5 + confidence / 2))


def wilson_interval(k: int, n: int, confidence: float = CONFIDENCE) -> tuple[float, float]:
    """Wilson score interval of a proportion ``k / n`` (Wilson 1927).

    ``(p̂ + z²/2n ± z √(p̂(1-p̂)/n + z²/4n²)) / (1 + z²/n)``; ``(nan, nan)`` when ``n = 0``.
    Reproduces Newcombe (1998a), Table I, method 3 (e.g. 15/148 -> 0.0624 to 0.1605).

    >>> [round(v, 4) for v in wilson_interval(0, 20)]
    [0.0, 0.1611]
    """
    if n < 0 or k < 0 or k > n:
        raise ValueError(f"need 0 <= k <= n (got k={k}, n={n})")
    if n == 0:
        return math.nan, math.nan
    z = z_value(confidence)
    p = k / n
    z2n = z * z / n
    centre = p + z2n / 2
    half = z * math.sqrt(p * (1 - p) / n + z2n / (4 * n))
    den = 1 + z2n
    lo = 0.0 if k == 0 else (centre - half) / den
    hi = 1.0 if k == n else (centre + half) / den
    return lo, hi


def proportion(x: ArrayLike, confidence: float = CONFIDENCE) -> Estimate:
    """The proportion of true values in ``x`` (bool or 0/1, NaN left out), Wilson interval."""
    v = _clean(x)
    n = len(v)
    k = int(np.count_nonzero(v))
    lo, hi = wilson_interval(k, n, confidence)
    return Estimate(value=k / n if n else math.nan, lo=lo, hi=hi, n=n, method="wilson")


def mean_t(x: ArrayLike, confidence: float = CONFIDENCE) -> Estimate:
    """Mean of ``x`` (NaN left out) with Student's t interval, ``n - 1`` degrees of freedom.

    >>> e = mean_t([1.0, 2.0, 3.0, 4.0])
    >>> e.value, round(e.lo, 4), round(e.hi, 4)
    (2.5, 0.4457, 4.5543)
    """
    v = _clean(x)
    return _t(v, confidence, "t")


def paired_mean_difference(
    x: ArrayLike, ref: ArrayLike, confidence: float = CONFIDENCE
) -> Estimate:
    """Mean of the per-run differences ``x - ref`` with their t interval.

    ``x`` and ``ref`` are aligned by run; a pair with a NaN on either side is left out.

    >>> e = paired_mean_difference([3.0, 5.0, 4.0], [1.0, 2.0, 2.0])
    >>> round(e.value, 4), e.n
    (2.3333, 3)
    """
    a, b = _pairs(x, ref)
    return _t(a - b, confidence, "paired-t")


def newcombe_paired_interval(
    a: int, b: int, c: int, d: int, confidence: float = CONFIDENCE
) -> tuple[float, float]:
    """Newcombe (1998b) method 10 interval of ``p1 - p2`` from a paired 2×2 table.

    ``a``: pairs with both events, ``b``: event in the first only, ``c``: in the second only,
    ``d``: in neither; ``p1 = (a+b)/n``, ``p2 = (a+c)/n``. The Wilson limits ``l_i, u_i`` of
    both proportions are combined as
    ``L = θ - √((p1-l1)² - 2φ(p1-l1)(u2-p2) + (u2-p2)²)`` and
    ``U = θ + √((p2-l2)² - 2φ(p2-l2)(u1-p1) + (u1-p1)²)``, with ``φ`` the continuity-corrected
    phi coefficient ``(ad - bc - n/2)/√((a+b)(c+d)(a+c)(b+d))`` when ``ad - bc > n/2``, 0 when
    ``0 <= ad - bc <= n/2``, ``(ad - bc)/√(...)`` when negative, and 0 when a margin is empty.

    Worked example (Fagerland, Lydersen & Laake 2017, ch. 8; Cavo et al. 2012):

    >>> [round(v, 4) for v in newcombe_paired_interval(59, 6, 16, 80)]
    [-0.1186, -0.0046]
    """
    if min(a, b, c, d) < 0:
        raise ValueError(f"counts must be >= 0 (got {a}, {b}, {c}, {d})")
    n = a + b + c + d
    if n == 0:
        return math.nan, math.nan
    p1, p2 = (a + b) / n, (a + c) / n
    theta = p1 - p2
    l1, u1 = wilson_interval(a + b, n, confidence)
    l2, u2 = wilson_interval(a + c, n, confidence)
    margins = (a + b) * (c + d) * (a + c) * (b + d)
    phi = 0.0
    if margins > 0:
        cross = a * d - b * c
        if cross > n / 2:
            phi = (cross - n / 2) / math.sqrt(margins)
        elif cross < 0:
            phi = cross / math.sqrt(margins)
    d1, e2 = p1 - l1, u2 - p2
    d2, e1 = p2 - l2, u1 - p1
    lo = theta - math.sqrt(max(d1 * d1 - 2 * phi * d1 * e2 + e2 * e2, 0.0))
    hi = theta + math.sqrt(max(d2 * d2 - 2 * phi * d2 * e1 + e1 * e1, 0.0))
    return max(lo, -1.0), min(hi, 1.0)


def paired_proportion_difference(
    x: ArrayLike, ref: ArrayLike, confidence: float = CONFIDENCE
) -> Estimate:
    """``P(x) - P(ref)`` from paired booleans (aligned by run), Newcombe (1998b) interval.

    >>> e = paired_proportion_difference([1, 1, 0, 0], [1, 0, 0, 0])
    >>> e.value, e.n
    (0.25, 4)
    """
    xa, ra = _pairs(x, ref)
    xb, rb = xa != 0, ra != 0
    a = int(np.count_nonzero(xb & rb))
    b = int(np.count_nonzero(xb & ~rb))
    c = int(np.count_nonzero(~xb & rb))
    d = int(np.count_nonzero(~xb & ~rb))
    n = len(xa)
    lo, hi = newcombe_paired_interval(a, b, c, d, confidence)
    value = (b - c) / n if n else math.nan
    return Estimate(value=value, lo=lo, hi=hi, n=n, method="newcombe-paired")


# --- helpers -----------------------------------------------------------------------------------


def _check_confidence(confidence: float) -> None:
    if not 0.0 < confidence < 1.0:
        raise ValueError(f"confidence must be within (0, 1) (got {confidence})")


def _clean(x: ArrayLike) -> npt.NDArray[np.float64]:
    v = np.asarray(x, dtype=np.float64).reshape(-1)
    return v[~np.isnan(v)]


def _pairs(x: ArrayLike, ref: ArrayLike) -> tuple[npt.NDArray[np.float64], ...]:
    a = np.asarray(x, dtype=np.float64).reshape(-1)
    b = np.asarray(ref, dtype=np.float64).reshape(-1)
    if a.shape != b.shape:
        raise ValueError(f"paired samples must have the same length (got {len(a)}, {len(b)})")
    keep = ~(np.isnan(a) | np.isnan(b))
    return a[keep], b[keep]


def _t(v: npt.NDArray[np.float64], confidence: float, method: str) -> Estimate:
    _check_confidence(confidence)
    n = len(v)
    if n == 0:
        return Estimate(value=math.nan, lo=math.nan, hi=math.nan, n=0, method=method)
    mean = float(np.mean(v))
    if n == 1:
        return Estimate(value=mean, lo=math.nan, hi=math.nan, n=1, method=method)
    sd = float(np.std(v, ddof=1))
    half = float(_st.t.ppf(0.5 + confidence / 2, n - 1)) * sd / math.sqrt(n)
    return Estimate(value=mean, lo=mean - half, hi=mean + half, n=n, method=method)
