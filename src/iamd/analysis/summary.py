"""Campaign statistics: per-policy estimates and paired differences, as tidy tables.

Input: the campaign records (one row per run × policy × point, as in ``compare.parquet``);
only runs with ``status == "ok"`` count. Output: long tables with one row per
(point, policy, metric): ``n``, ``value``, ``lo``, ``hi`` and the interval ``method``
(``iamd.analysis.stats``). Proportions (an asset hit in a run) use the Wilson interval; means
use Student's t; paired differences against the reference policy are taken run by run
(common random numbers), with a t interval for means and Newcombe's paired interval for
proportions. In a sweep a pair is run ``i`` of two policies at the same grid point
(``point_paired_stats``).
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

from iamd.analysis.params import point_label
from iamd.analysis.runs import THREAT_CLASS_NAMES
from iamd.analysis.stats import (
    CONFIDENCE,
    Estimate,
    mean_t,
    paired_mean_difference,
    paired_proportion_difference,
    proportion,
)

STAT_COLUMNS = ("metric", "label", "kind", "policy", "n", "value", "lo", "hi", "method")
PAIRED_COLUMNS = (
    "metric",
    "label",
    "kind",
    "policy",
    "reference",
    "n",
    "value",
    "lo",
    "hi",
    "method",
)


@dataclass(frozen=True, slots=True)
class Metric:
    """An outcome figure summarised over runs.

    Attributes:
        column: the record column (``any_asset_hit`` is derived from ``assets_hit > 0``).
        label: its name in tables and plots.
        kind: ``proportion`` (a boolean per run) or ``mean``.
        unit: ``p`` (probability), ``count``, ``usd`` (shown in millions), ``ratio`` or ``s``.
    """

    column: str
    label: str
    kind: str
    unit: str


def metrics_for(assets: Sequence[str]) -> list[Metric]:
    """The metrics of a campaign over a scenario with these defended assets, in table order."""
    out = [Metric("any_asset_hit", "P(any asset hit)", "proportion", "p")]
    out += [Metric(f"hit_{a}", f"P({a} hit)", "proportion", "p") for a in assets]
    out.append(Metric("leakers", "leakers", "mean", "count"))
    out += [
        Metric(f"leakers_{c}", f"leakers: {c.replace('_', ' ')}", "mean", "count")
        for c in THREAT_CLASS_NAMES
    ]
    out += [
        Metric("threats_destroyed", "threats destroyed", "mean", "count"),
        Metric("interceptors_fired", "interceptors fired", "mean", "count"),
        Metric("interceptor_cost_usd", "interceptor cost (M USD)", "mean", "usd"),
        Metric("cost_exchange_ratio", "cost-exchange ratio (defender/attacker)", "mean", "ratio"),
        Metric("civil_aircraft_engaged", "civil aircraft engaged", "mean", "count"),
        Metric("civil_aircraft_destroyed", "civil aircraft destroyed", "mean", "count"),
        Metric("time_to_first_engagement_s", "launch to first engagement (median, s)", "mean", "s"),
    ]
    return out


def reference_policy(policies: Sequence[str]) -> str:
    """The policy others are compared with: ``national`` if present, else the first."""
    return "national" if "national" in policies else policies[0]


def ok_runs(records: pd.DataFrame) -> pd.DataFrame:
    """The successful runs, with ``any_asset_hit`` added and hits as floats (0/1)."""
    ok = records[records["status"] == "ok"].copy()
    ok["any_asset_hit"] = (ok["assets_hit"].astype(float) > 0).astype(float)
    for col in ok.columns:
        if col.startswith("hit_"):
            ok[col] = ok[col].astype(float)
    return ok


def estimate(values: pd.Series, metric: Metric, confidence: float = CONFIDENCE) -> Estimate:
    """The metric's estimate over runs: Wilson for proportions, Student t for means."""
    x = values.to_numpy(dtype=float)
    return proportion(x, confidence) if metric.kind == "proportion" else mean_t(x, confidence)


def policy_stats(
    records: pd.DataFrame,
    policies: Sequence[str],
    metrics: Sequence[Metric],
    confidence: float = CONFIDENCE,
) -> pd.DataFrame:
    """One row per (policy, metric): mean or proportion with its interval."""
    ok = ok_runs(records)
    rows = []
    for pol in policies:
        sub = ok[ok["policy"] == pol]
        for m in metrics:
            e = estimate(sub[m.column], m, confidence)
            rows.append(_row(m, pol, e))
    return pd.DataFrame(rows, columns=list(STAT_COLUMNS))


def paired_stats(
    records: pd.DataFrame,
    policies: Sequence[str],
    reference: str,
    metrics: Sequence[Metric],
    confidence: float = CONFIDENCE,
) -> pd.DataFrame:
    """One row per (policy other than the reference, metric): the paired difference
    ``policy - reference`` over the runs where both succeeded, with its interval.

    A pair is run ``i`` of both policies at the same grid point (``run`` and, when the
    records have one, ``point``): the same seed, hence the same raid (common random numbers).
    """
    ok = ok_runs(records)
    key = ["run", "point"] if "point" in ok.columns else ["run"]
    ref = ok[ok["policy"] == reference].set_index(key)
    rows = []
    for pol in policies:
        if pol == reference:
            continue
        sub = ok[ok["policy"] == pol].set_index(key)
        runs = sorted(set(sub.index) | set(ref.index))
        for m in metrics:
            x = sub[m.column].reindex(runs).to_numpy(dtype=float)
            r = ref[m.column].reindex(runs).to_numpy(dtype=float)
            if m.kind == "proportion":
                e = paired_proportion_difference(x, r, confidence)
            else:
                e = paired_mean_difference(x, r, confidence)
            row = _row(m, pol, e)
            row["reference"] = reference
            rows.append(row)
    return pd.DataFrame(rows, columns=list(PAIRED_COLUMNS))


def point_stats(
    records: pd.DataFrame,
    policies: Sequence[str],
    metrics: Sequence[Metric],
    points: Sequence[Mapping[str, str]],
    confidence: float = CONFIDENCE,
) -> pd.DataFrame:
    """One row per (parameter point, policy, metric), with the point's parameter values."""
    return _per_point(records, points, lambda sub: policy_stats(sub, policies, metrics, confidence))


def point_paired_stats(
    records: pd.DataFrame,
    policies: Sequence[str],
    reference: str,
    metrics: Sequence[Metric],
    points: Sequence[Mapping[str, str]],
    confidence: float = CONFIDENCE,
) -> pd.DataFrame:
    """One row per (parameter point, policy other than the reference, metric): the paired
    difference ``policy - reference`` at that point (``paired_stats`` over the point's runs),
    with the point's parameter values; no rows with a single policy.

    >>> recs = pd.DataFrame({
    ...     "run": [0, 0, 1, 1], "point": ["a=1"] * 4, "a": ["1"] * 4,
    ...     "policy": ["national", "integrated"] * 2, "status": ["ok"] * 4,
    ...     "assets_hit": [1, 0, 1, 1], "leakers": [3, 1, 2, 1]})
    >>> m = [Metric("leakers", "leakers", "mean", "count")]
    >>> t = point_paired_stats(recs, ["national", "integrated"], "national", m, [{"a": "1"}])
    >>> t[["point", "a", "policy", "reference", "n", "value"]].values.tolist()
    [['a=1', '1', 'integrated', 'national', 2, -1.5]]
    """
    return _per_point(
        records,
        points,
        lambda sub: paired_stats(sub, policies, reference, metrics, confidence),
    )


def marginal_stats(
    records: pd.DataFrame,
    policies: Sequence[str],
    metrics: Sequence[Metric],
    param: str,
    values: Sequence[str],
    confidence: float = CONFIDENCE,
) -> pd.DataFrame:
    """One row per (value of ``param``, policy, metric), pooling the runs of every point
    with that value (the other parameters averaged over their grid)."""
    frames = []
    for v in values:
        st = policy_stats(records[records[param] == v], policies, metrics, confidence)
        st.insert(0, "param", param)
        st.insert(1, "param_value", v)
        frames.append(st)
    return pd.concat(frames, ignore_index=True)


def lookup(table: pd.DataFrame, metric: str, policy: str) -> tuple[float, float, float]:
    """``(value, lo, hi)`` of ``metric`` for ``policy`` in a stats or paired table (NaN if
    absent)."""
    row = table[(table["metric"] == metric) & (table["policy"] == policy)]
    if not len(row):
        return math.nan, math.nan, math.nan
    r = row.iloc[0]
    return float(r["value"]), float(r["lo"]), float(r["hi"])


def format_estimate(value: float, lo: float, hi: float, unit: str) -> str:
    """``value [lo, hi]`` in the unit's format (USD in millions; ``–`` without data).

    >>> format_estimate(0.25, 0.1, 0.47, "p"), format_estimate(4.2e6, 3.0e6, 5.4e6, "usd")
    ('0.25 [0.10, 0.47]', '4.20 [3.00, 5.40]')
    """
    if math.isnan(value):
        return "–"
    scale, fmt = {
        "p": (1.0, "{:.2f}"),
        "count": (1.0, "{:.2f}"),
        "usd": (1e-6, "{:.2f}"),
        "ratio": (1.0, "{:.2f}"),
        "s": (1.0, "{:.0f}"),
    }.get(unit, (1.0, "{:.3g}"))
    text = fmt.format(value * scale)
    if not (math.isnan(lo) or math.isnan(hi)):
        text += f" [{fmt.format(lo * scale)}, {fmt.format(hi * scale)}]"
    return text


def format_difference(value: float, lo: float, hi: float, unit: str) -> str:
    """A signed ``+value [lo, hi]``.

    >>> format_difference(-0.5, -0.8, -0.2, "count")
    '-0.50 [-0.80, -0.20]'
    """
    text = format_estimate(value, lo, hi, unit)
    return text if text.startswith(("-", "–")) else "+" + text


def _per_point(
    records: pd.DataFrame,
    points: Sequence[Mapping[str, str]],
    table: Callable[[pd.DataFrame], pd.DataFrame],
) -> pd.DataFrame:
    """``table`` of each point's records, with ``point`` and one column per parameter first."""
    frames = []
    for point in points:
        label = point_label(point)
        st = table(records[records["point"] == label])
        st.insert(0, "point", label)
        for i, (path, value) in enumerate(point.items()):
            st.insert(1 + i, path, value)
        frames.append(st)
    return pd.concat(frames, ignore_index=True)


def _row(m: Metric, policy: str, e: Estimate) -> dict[str, object]:
    return {
        "metric": m.column,
        "label": m.label,
        "kind": m.kind,
        "policy": policy,
        "n": e.n,
        "value": _f(e.value),
        "lo": _f(e.lo),
        "hi": _f(e.hi),
        "method": e.method,
    }


def _f(x: float) -> float:
    return float(np.float64(x))
