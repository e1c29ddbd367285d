"""Tracking performance metrics: OSPA, GOSPA, track continuity, confirmation delay, NEES/NIS.

- **OSPA** (Schuhmacher, Vo and Vo, "A consistent metric for performance evaluation of
  multi-object filters", IEEE TSP 56(8), 2008): for sets X (m) and Y (n), m ≤ n, cutoff c
  and order p, ``d = ((1/n)(min_π Σᵢ min(c, |xᵢ - y_π(i)|)^p + c^p (n - m)))^(1/p)``;
  0 for two empty sets, c when exactly one is empty.
- **GOSPA** with α = 2 (Rahmathullah, García-Fernández and Svensson, "Generalized optimal
  sub-pattern assignment metric", FUSION 2017): ``d = (min_γ Σ_(i,j)∈γ |xᵢ - yⱼ|^p +
  (c^p/2)(m + n - 2|γ|))^(1/p)`` over assignments γ of pairs closer than c, which splits into
  localisation, missed and false parts.
- Both optimal assignments are found by `iamd.track.associate.min_cost_assign` (component-wise
  ``scipy.optimize.linear_sum_assignment``) on the pairs closer than c only: the objective
  is ``Σ_γ (dᵖ - cᵖ)`` plus a constant, so farther pairs never matter.
- **Continuity** (`continuity`): per scan, truths are matched to tracks as for GOSPA (p = 2);
  an *identity switch* is a truth matched to a different track than at its previous match
  (Bernardin and Stiefelhagen, "Evaluating multiple object tracking performance: the CLEAR
  MOT metrics", 2008), a *fragmentation* a truth whose matching resumes after an
  interruption (Li, Huang and Nevatia, CVPR 2009).
- **NEES / NIS** and their chi-square acceptance intervals for averages over Monte Carlo
  runs (Bar-Shalom, Li and Kirubarajan, *Estimation with Applications to Tracking and
  Navigation*, 2001, §5.4).

>>> import numpy as np
>>> x = np.array([[0.0, 0.0], [10.0, 0.0]])
>>> ospa(x, x[:1] + [3.0, 4.0], cutoff_m=100.0, order=1.0)
52.5
>>> gospa(x, x[:1] + [3.0, 4.0], cutoff_m=100.0, order=1.0).distance
55.0
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt
from scipy.spatial import cKDTree
from scipy.stats import chi2

from iamd.track.associate import min_cost_assign

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.int64]


@dataclass(frozen=True, slots=True, kw_only=True)
class Gospa:
    """GOSPA (α = 2) and its parts, each already raised to the power p.

    Attributes:
        distance: the GOSPA distance (m).
        localisation: ``Σ_γ |xᵢ - yⱼ|^p`` over the assigned pairs.
        missed: ``(c^p/2) × (truths not assigned)``.
        false: ``(c^p/2) × (estimates not assigned)``.
        n_assigned: number of assigned pairs.
    """

    distance: float
    localisation: float
    missed: float
    false: float
    n_assigned: int


@dataclass(frozen=True, slots=True, kw_only=True)
class Matches:
    """Truths matched to tracks, one row per truth per scan (r rows).

    Attributes:
        t_s: (r,) scan time; truth_id: (r,) truth id; track_id: (r,) matched track id, -1
            when none; distance_m: (r,) distance to the matched track (NaN when none).
    """

    t_s: FloatArray
    truth_id: IntArray
    track_id: IntArray
    distance_m: FloatArray


@dataclass(frozen=True, slots=True, kw_only=True)
class Continuity:
    """Track continuity over a run.

    Attributes:
        id_switches: matches to a different track than the truth's previous match.
        fragmentations: interruptions of a truth's matching that later resume.
        truths: truths matched at least once; tracks: distinct tracks matched to a truth.
    """

    id_switches: int
    fragmentations: int
    truths: int
    tracks: int


def ospa(truth_m: FloatArray, est_m: FloatArray, *, cutoff_m: float, order: float = 1.0) -> float:
    """OSPA distance between two point sets ``(m, d)`` and ``(n, d)`` (Schuhmacher et al. 2008).

    >>> ospa(np.zeros((0, 3)), np.zeros((2, 3)), cutoff_m=500.0)
    500.0
    """
    m, n = len(truth_m), len(est_m)
    big = max(m, n)
    if big == 0:
        return 0.0
    c_p = cutoff_m**order
    loc = _assigned_sum(truth_m, est_m, cutoff_m, order)[0]
    return float(((loc + c_p * big) / big) ** (1.0 / order))


def gospa(truth_m: FloatArray, est_m: FloatArray, *, cutoff_m: float, order: float = 1.0) -> Gospa:
    """GOSPA (α = 2) between two point sets (Rahmathullah et al. 2017).

    >>> g = gospa(np.zeros((1, 3)), np.zeros((0, 3)), cutoff_m=10.0, order=2.0)
    >>> g.missed, round(g.distance, 6)
    (50.0, 7.071068)
    """
    m, n = len(truth_m), len(est_m)
    c_p = cutoff_m**order
    _gain, dist_p, k = _assigned_sum(truth_m, est_m, cutoff_m, order)
    missed = c_p / 2.0 * (m - k)
    false = c_p / 2.0 * (n - k)
    total = dist_p + missed + false
    return Gospa(
        distance=float(total ** (1.0 / order)),
        localisation=float(dist_p),
        missed=float(missed),
        false=float(false),
        n_assigned=int(k),
    )


def match_tracks(
    truth_t_s: FloatArray,
    truth_id: IntArray,
    truth_pos_m: FloatArray,
    track_t_s: FloatArray,
    track_id: IntArray,
    track_pos_m: FloatArray,
    *,
    cutoff_m: float,
) -> Matches:
    """Match truths to tracks scan by scan (GOSPA assignment with p = 2 and cutoff c).

    Args:
        truth_t_s, truth_id, truth_pos_m: (m,), (m,), (m, 3) truth rows (one per truth
            present at each scan time).
        track_t_s, track_id, track_pos_m: (k,), (k,), (k, 3) track rows at the same times.

    Returns:
        One row per truth row, sorted by time then truth id.
    """
    order = np.lexsort((truth_id, truth_t_s))
    tt, ti, tp = truth_t_s[order], truth_id[order], truth_pos_m[order]
    matched = np.full(len(tt), -1, dtype=np.int64)
    dist = np.full(len(tt), np.nan)
    times, starts = np.unique(tt, return_index=True)
    ends = np.append(starts[1:], len(tt))
    k_order = np.argsort(track_t_s, kind="stable")
    kt = track_t_s[k_order]
    for t, a, b in zip(times, starts, ends, strict=True):  # a loop over scans
        lo, hi = np.searchsorted(kt, [t, t], side="left")[0], np.searchsorted(kt, t, "right")
        ks = k_order[lo:hi]
        if len(ks) == 0:
            continue
        i, j, d = _pairs_within(tp[a:b], track_pos_m[ks], cutoff_m)
        e = min_cost_assign(i, j, d**2 - cutoff_m**2, b - a, len(ks))
        matched[a + i[e]] = track_id[ks[j[e]]]
        dist[a + i[e]] = d[e]
    return Matches(t_s=tt, truth_id=ti, track_id=matched, distance_m=dist)


def continuity(matches: Matches) -> Continuity:
    """Identity switches and fragmentations of a `Matches` table (vectorised).

    >>> m = Matches(t_s=np.arange(6.0), truth_id=np.zeros(6, dtype=np.int64),
    ...             track_id=np.array([-1, 4, 4, -1, 4, 7]), distance_m=np.zeros(6))
    >>> c = continuity(m)
    >>> c.id_switches, c.fragmentations
    (1, 1)
    """
    order = np.lexsort((matches.t_s, matches.truth_id))
    truth = matches.truth_id[order]
    track = matches.track_id[order]
    on = track >= 0
    same_truth = np.zeros(len(truth), dtype=bool)
    same_truth[1:] = truth[1:] == truth[:-1]
    # identity switches: consecutive matched rows of a truth with different tracks
    mt, mk = truth[on], track[on]
    switches = int(np.sum((mt[1:] == mt[:-1]) & (mk[1:] != mk[:-1])))
    # fragmentations: runs of matched rows per truth, minus one
    prev_on = np.zeros(len(truth), dtype=bool)
    prev_on[1:] = on[:-1]
    run_start = on & ~(same_truth & prev_on)
    runs = np.bincount(np.unique(truth, return_inverse=True)[1][run_start], minlength=0)
    frags = int(np.sum(np.maximum(runs - 1, 0)))
    return Continuity(
        id_switches=switches,
        fragmentations=frags,
        truths=len(np.unique(mt)),
        tracks=len(np.unique(mk)),
    )


def confirmation_delay(
    matches: Matches, truth_ids: IntArray, first_detection_t_s: FloatArray
) -> FloatArray:
    """Time from each truth's first detection to its first match with a confirmed track.

    Args:
        matches: matches against confirmed tracks only.
        truth_ids: (q,) truths of interest; first_detection_t_s: (q,) their first detection.

    Returns:
        (q,) delays in seconds, NaN for truths never matched.

    >>> m = Matches(t_s=np.array([0.0, 1, 2, 2]), truth_id=np.array([5, 5, 5, 6]),
    ...             track_id=np.array([-1, -1, 3, 9]), distance_m=np.zeros(4))
    >>> confirmation_delay(m, np.array([5, 6, 7]), np.array([0.0, 1.0, 0.0])).tolist()
    [2.0, 1.0, nan]
    """
    on = matches.track_id >= 0
    t, tid = matches.t_s[on], matches.truth_id[on]
    first = np.full(len(truth_ids), np.nan)
    if len(t):
        order = np.lexsort((t, tid))
        uid, idx = np.unique(tid[order], return_index=True)
        t_first = t[order][idx]
        pos = np.searchsorted(uid, truth_ids)
        pos_ok = pos < len(uid)
        found = np.zeros(len(truth_ids), dtype=bool)
        found[pos_ok] = uid[pos[pos_ok]] == truth_ids[pos_ok]
        first[found] = t_first[pos[found]]
    return np.asarray(first - first_detection_t_s)


def nees(error: FloatArray, covar: FloatArray) -> FloatArray:
    """Normalised estimation error squared ``e' P⁻¹ e`` of errors ``(..., d)`` and
    covariances ``(..., d, d)`` (Bar-Shalom et al. 2001, §5.4).

    >>> float(nees(np.array([2.0, 0.0]), np.diag([4.0, 1.0])))
    1.0
    """
    sol = np.linalg.solve(covar, error[..., None])[..., 0]
    return np.asarray(np.sum(error * sol, axis=-1))


def nis(innovation: FloatArray, innovation_covar: FloatArray) -> FloatArray:
    """Normalised innovation squared ``ν' S⁻¹ ν`` (same computation as `nees`)."""
    return nees(innovation, innovation_covar)


def chi2_interval(dof: int, n_runs: int = 1, prob: float = 0.95) -> tuple[float, float]:
    """Two-sided ``prob`` acceptance interval of the average of ``n_runs`` independent
    chi-square(dof) statistics, ``χ²_{n·dof}`` quantiles divided by n (Bar-Shalom et al.
    2001, §5.4).

    >>> lo, hi = chi2_interval(6, 50)
    >>> round(lo, 2), round(hi, 2)
    (5.08, 7.0)
    """
    lo = chi2.ppf((1.0 - prob) / 2.0, n_runs * dof) / n_runs
    hi = chi2.ppf((1.0 + prob) / 2.0, n_runs * dof) / n_runs
    return float(lo), float(hi)


def _pairs_within(
    a: FloatArray, b: FloatArray, cutoff_m: float
) -> tuple[IntArray, IntArray, FloatArray]:
    """Pairs ``(i, j, distance)`` of points of a and b closer than the cutoff."""
    if len(a) == 0 or len(b) == 0:
        z = np.zeros(0, dtype=np.int64)
        return z, z.copy(), np.zeros(0)
    d = cKDTree(a).sparse_distance_matrix(cKDTree(b), cutoff_m, output_type="ndarray")
    keep = d["v"] < cutoff_m
    d = d[keep]
    return d["i"].astype(np.int64), d["j"].astype(np.int64), d["v"].astype(np.float64)


def _assigned_sum(
    truth_m: FloatArray, est_m: FloatArray, cutoff_m: float, order: float
) -> tuple[float, float, int]:
    """``(Σ_γ (dᵖ - cᵖ), Σ_γ dᵖ, |γ|)`` of the optimal assignment γ of pairs closer than c."""
    i, j, d = _pairs_within(
        np.asarray(truth_m, dtype=np.float64), np.asarray(est_m, dtype=np.float64), cutoff_m
    )
    c_p = cutoff_m**order
    d_p = d**order
    e = min_cost_assign(i, j, d_p - c_p, len(truth_m), len(est_m))
    return float(np.sum(d_p[e] - c_p)), float(np.sum(d_p[e])), len(e)
