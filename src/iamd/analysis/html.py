"""Self-contained HTML pages of a comparison (``compare.html``) and a sweep (``sweep.html``).

One file each, plotly.js inlined once (no CDN, no MathJax, nothing fetched), plot divs with
fixed ids and nothing that records the time or the executor: the same records give the same
bytes. Intervals are 95 % (Wilson for proportions, Student t for means, paired t and
Newcombe's paired interval for differences; ``iamd.analysis.stats``).
"""

from __future__ import annotations

import html
import math
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Any

import pandas as pd
import plotly.graph_objects as go
from plotly.subplots import make_subplots

from iamd import __version__
from iamd.analysis.params import point_label
from iamd.analysis.summary import Metric, format_difference, format_estimate, lookup, ok_runs
from iamd.htmlpage import figure_div, page

if TYPE_CHECKING:
    from iamd.analysis.campaign import CampaignRun
    from iamd.analysis.compare import CompareResult
    from iamd.analysis.sweep import SweepResult

POLICY_COLOURS = {
    "national": "#7f7f7f",
    "shared_picture": "#1f77b4",
    "integrated": "#2ca02c",
}
_CSS = """
.warn { color: #a00; }
"""
_STATS_NOTE = (
    "Intervals are 95 %: Wilson score intervals for probabilities (Wilson 1927; Newcombe "
    "1998a), Student t intervals for means. Paired differences are taken run by run, each run "
    "of every policy having the same seed (common random numbers): a t interval of the "
    "per-run differences for means, Newcombe's (1998b) paired score interval for "
    "probabilities. Failed runs are left out of every figure."
)


def compare_html(result: CompareResult, metrics: Sequence[Metric]) -> str:
    """The comparison page (identical text for identical records)."""
    camp = result.campaign
    pols = list(camp.spec.policies)
    props = [m for m in metrics if m.kind == "proportion"]
    means = [m for m in metrics if m.kind == "mean"]
    others = [p for p in pols if p != result.reference]
    body = [
        f"<h1>iamd policy comparison: {html.escape(camp.loaded.scenario.name)}</h1>",
        _provenance(camp),
        _errors_html(camp),
        "<h2>Estimates by policy</h2>",
        _stats_table(result.stats, pols, metrics),
        f'<p class="note">{_STATS_NOTE}</p>',
    ]
    if others:
        body += [
            f"<h2>Paired differences against {html.escape(result.reference)}</h2>",
            _paired_table(result.paired, others, metrics),
        ]
    body += [
        "<h2>Probability that each asset is hit</h2>",
        figure_div(_hit_figure(result.stats, pols, props), "iamd-compare-hits"),
        "<h2>Distributions over runs</h2>",
        figure_div(_distribution_figure(camp.records, pols, means), "iamd-compare-dist"),
    ]
    if others:
        body += [
            f"<h2>Paired differences against {html.escape(result.reference)} (forest plots)</h2>",
            figure_div(
                _forest_figure(result.paired, others, props, "probability difference"),
                "iamd-compare-forest-p",
            ),
            figure_div(_forest_means_figure(result.paired, others, means), "iamd-compare-forest"),
        ]
    return _page(f"iamd compare: {camp.loaded.scenario.name}", body)


def sweep_html(result: SweepResult, metrics: Sequence[Metric]) -> str:
    """The sweep page (identical text for identical records)."""
    camp = result.campaign
    pols = list(camp.spec.policies)
    shown = [m for m in metrics if not m.column.startswith("hit_")]
    body = [
        f"<h1>iamd parameter sweep: {html.escape(camp.loaded.scenario.name)}</h1>",
        _provenance(camp),
        _errors_html(camp),
    ]
    params = [p.path for p in result.params]
    for i, p in enumerate(result.params):
        marg = result.marginal[result.marginal["param"] == p.path]
        pooled = len(result.params) > 1
        body += [
            f"<h2>Outcome against {html.escape(p.path)}</h2>",
            '<p class="note">Mean (or probability) with its 95 % interval at each value'
            + (", pooling the runs of every value of the other parameters" if pooled else "")
            + ".</p>",
            figure_div(
                _sweep_figure(marg, "param_value", list(p.values), p.path, pols, shown),
                f"iamd-sweep-{i}",
            ),
        ]
    others = [p for p in pols if p != result.reference]
    if others:
        ref = html.escape(result.reference)
        points = camp.spec.points()
        labels = [point_label(pt) for pt in points]
        body += [
            f"<h2>Paired differences against {ref} at every grid point</h2>",
            f'<p class="note">policy − {ref}, run by run at the same grid point (run i of '
            "both policies has the same seed: common random numbers), with its 95 % interval: "
            "paired t for means, Newcombe's paired score interval for probabilities. Nothing "
            "is pooled over grid points.</p>",
            figure_div(
                _sweep_figure(
                    result.paired,
                    "point",
                    labels,
                    ", ".join(params),
                    others,
                    shown,
                    paired=True,
                    x_text=[", ".join(pt.values()) for pt in points],
                ),
                "iamd-sweep-paired",
            ),
            _sweep_table(
                result.paired,
                params,
                others,
                shown,
                fmt=format_difference,
                policy_header=f"policy − {result.reference}",
                n_header="pairs",
            ),
        ]
    body += [
        "<h2>Every grid point</h2>",
        _sweep_table(result.stats, params, pols, shown),
        f'<p class="note">{_STATS_NOTE}</p>',
    ]
    return _page(f"iamd sweep: {camp.loaded.scenario.name}", body)


# --- page parts --------------------------------------------------------------------------------


def _page(title: str, body: list[str]) -> str:
    return page(title, body, css=_CSS)


def _provenance(camp: CampaignRun) -> str:
    spec = camp.spec
    rows: list[list[object]] = [
        ["scenario", camp.loaded.scenario.name],
        ["source", spec.scenario.source],
        ["scenario SHA-256", spec.scenario.sha256],
        ["base seed", spec.seed],
        ["runs per policy and point", spec.runs],
        ["policies", ", ".join(spec.policies)],
    ]
    if spec.params:
        rows.append(
            ["parameters", "; ".join(f"{p.path} = {', '.join(p.values)}" for p in spec.params)]
        )
    n_ok = int((camp.records["status"] == "ok").sum())
    rows += [["runs recorded", f"{len(camp.records)} ({n_ok} ok)"], ["iamd version", __version__]]
    return _table(["", ""], rows, show_header=False)


def _errors_html(camp: CampaignRun) -> str:
    if not len(camp.errors):
        return ""
    rows: list[list[object]] = [
        [r.run, r.policy, r.seed, r.error] for r in camp.errors.itertuples()
    ]
    return (
        f'<p class="warn">{len(camp.errors)} run(s) failed and are left out of every figure:</p>'
        + _table(["run", "policy", "seed", "error"], rows[:200])
    )


def _stats_table(stats: pd.DataFrame, pols: list[str], metrics: Sequence[Metric]) -> str:
    rows: list[list[object]] = []
    for m in metrics:
        sub = stats[stats["metric"] == m.column]
        cells: list[object] = [m.label]
        for p in pols:
            cells.append(format_estimate(*lookup(stats, m.column, p), m.unit))
        cells.append(int(sub["n"].max()) if len(sub) else 0)
        rows.append(cells)
    return _table(["", *pols, "n (max)"], rows, num_from=1)


def _paired_table(paired: pd.DataFrame, others: list[str], metrics: Sequence[Metric]) -> str:
    rows: list[list[object]] = []
    for m in metrics:
        sub = paired[paired["metric"] == m.column]
        cells: list[object] = [m.label]
        for p in others:
            cells.append(format_difference(*lookup(paired, m.column, p), m.unit))
        cells.append(int(sub["n"].max()) if len(sub) else 0)
        rows.append(cells)
    return _table(["", *(f"{p} − reference" for p in others), "pairs"], rows, num_from=1)


def _sweep_table(
    stats: pd.DataFrame,
    params: list[str],
    pols: list[str],
    metrics: Sequence[Metric],
    fmt: Callable[[float, float, float, str], str] = format_estimate,
    policy_header: str = "policy",
    n_header: str = "n",
) -> str:
    """One row per grid point and policy of a per-point table (estimates or differences)."""
    header = [*params, policy_header, *(m.label for m in metrics), n_header]
    rows: list[list[object]] = []
    for (_, pol), sub in stats.groupby(["point", "policy"], sort=False):
        first = sub.iloc[0]
        cells: list[object] = [*(str(first[p]) for p in params), str(pol)]
        for m in metrics:
            cells.append(fmt(*lookup(sub, m.column, str(pol)), m.unit))
        cells.append(int(sub["n"].max()))
        rows.append(cells)
    return _table(header, rows, num_from=len(params) + 1)


def _table(
    columns: list[str], rows: list[list[object]], num_from: int = 10**9, show_header: bool = True
) -> str:
    """An HTML table; cells from column ``num_from`` on are right-aligned figures."""
    head = ""
    if show_header:
        head = "<thead><tr>" + "".join(f"<th>{html.escape(c)}</th>" for c in columns) + "</tr>"
        head += "</thead>"
    body = []
    for row in rows:
        cells = []
        for i, v in enumerate(row):
            cls = ' class="num"' if i >= num_from else ""
            cells.append(f"<td{cls}>{html.escape(str(v))}</td>")
        body.append("<tr>" + "".join(cells) + "</tr>")
    return f"<table>{head}<tbody>{''.join(body)}</tbody></table>"


# --- figures -----------------------------------------------------------------------------------


def _colour(policy: str) -> str:
    return POLICY_COLOURS.get(policy, "#9467bd")


def _hit_figure(stats: pd.DataFrame, pols: list[str], props: Sequence[Metric]) -> go.Figure:
    fig = go.Figure()
    labels = [m.label.removeprefix("P(").removesuffix(" hit)") for m in props]
    for p in pols:
        sub = stats[stats["policy"] == p].set_index("metric")
        v = [_num(sub.loc[m.column, "value"]) for m in props]
        lo = [_num(sub.loc[m.column, "lo"]) for m in props]
        hi = [_num(sub.loc[m.column, "hi"]) for m in props]
        fig.add_trace(
            go.Bar(
                name=p,
                x=labels,
                y=v,
                marker_color=_colour(p),
                error_y={
                    "type": "data",
                    "symmetric": False,
                    "array": [_gap(h, x) for h, x in zip(hi, v, strict=True)],
                    "arrayminus": [_gap(x, lo_) for x, lo_ in zip(v, lo, strict=True)],
                },
            )
        )
    fig.update_layout(
        barmode="group",
        height=420,
        template="plotly_white",
        yaxis={"title": "P(hit) with 95 % Wilson interval", "range": [0, 1.05]},
        margin={"l": 60, "r": 20, "t": 30, "b": 120},
        legend={"orientation": "h", "y": 1.08},
    )
    return fig


def _distribution_figure(
    records: pd.DataFrame, pols: list[str], means: Sequence[Metric]
) -> go.Figure:
    ok = ok_runs(records)
    cols = 3
    nrows = max(1, math.ceil(len(means) / cols))
    fig = make_subplots(
        rows=nrows,
        cols=cols,
        subplot_titles=[m.label for m in means],
        vertical_spacing=min(0.12, 0.6 / nrows),
    )
    for i, m in enumerate(means):
        row, col = i // cols + 1, i % cols + 1
        scale = 1e-6 if m.unit == "usd" else 1.0
        for p in pols:
            y = ok.loc[ok["policy"] == p, m.column].astype(float).dropna() * scale
            fig.add_trace(
                go.Box(
                    y=[float(v) for v in y],
                    name=p,
                    legendgroup=p,
                    showlegend=i == 0,
                    marker_color=_colour(p),
                    boxpoints="all",
                    jitter=0.3,
                    pointpos=0,
                    boxmean=True,
                ),
                row=row,
                col=col,
            )
        if m.unit == "usd":
            fig.update_yaxes(title_text="M USD", row=row, col=col)
    fig.update_layout(
        height=260 * nrows + 60,
        template="plotly_white",
        margin={"l": 50, "r": 20, "t": 50, "b": 30},
        legend={"orientation": "h", "y": 1.04},
    )
    return fig


def _forest_figure(
    paired: pd.DataFrame, others: list[str], metrics: Sequence[Metric], xtitle: str
) -> go.Figure:
    fig = go.Figure()
    n = len(metrics)
    step = 0.6 / max(1, len(others))
    for j, p in enumerate(others):
        sub = paired[paired["policy"] == p].set_index("metric")
        v = [_num(sub.loc[m.column, "value"]) for m in metrics]
        lo = [_num(sub.loc[m.column, "lo"]) for m in metrics]
        hi = [_num(sub.loc[m.column, "hi"]) for m in metrics]
        y = [n - 1 - i + 0.3 - j * step - step / 2 for i in range(n)]
        fig.add_trace(
            go.Scatter(
                x=v,
                y=y,
                mode="markers",
                name=f"{p} − reference",
                marker={"color": _colour(p), "size": 8, "symbol": "diamond"},
                error_x={
                    "type": "data",
                    "symmetric": False,
                    "array": [_gap(h, x) for h, x in zip(hi, v, strict=True)],
                    "arrayminus": [_gap(x, lo_) for x, lo_ in zip(v, lo, strict=True)],
                },
                text=[m.label for m in metrics],
                hovertemplate="%{text}: %{x:.3f}<extra>" + html.escape(p) + "</extra>",
            )
        )
    fig.add_vline(x=0, line={"color": "#444", "width": 1, "dash": "dot"})
    fig.update_layout(
        height=max(200, 28 * n + 100),
        template="plotly_white",
        xaxis={"title": xtitle, "zeroline": False},
        yaxis={
            "tickvals": [n - 1 - i for i in range(n)],
            "ticktext": [m.label for m in metrics],
            "range": [-0.6, n - 0.4],
        },
        margin={"l": 220, "r": 20, "t": 30, "b": 50},
        legend={"orientation": "h", "y": 1.08},
    )
    return fig


def _forest_means_figure(
    paired: pd.DataFrame, others: list[str], means: Sequence[Metric]
) -> go.Figure:
    n = len(means)
    fig = make_subplots(
        rows=n, cols=1, subplot_titles=[m.label for m in means], vertical_spacing=0.5 / max(n, 1)
    )
    for i, m in enumerate(means):
        scale = 1e-6 if m.unit == "usd" else 1.0
        sub = paired[paired["metric"] == m.column].set_index("policy")
        for p in others:
            v, lo, hi = (_num(sub.loc[p, k]) for k in ("value", "lo", "hi"))
            v, lo, hi = (x * scale if x is not None else None for x in (v, lo, hi))
            fig.add_trace(
                go.Scatter(
                    x=[v],
                    y=[p],
                    mode="markers",
                    name=f"{p} − reference",
                    legendgroup=p,
                    showlegend=i == 0,
                    marker={"color": _colour(p), "size": 9, "symbol": "diamond"},
                    error_x={
                        "type": "data",
                        "symmetric": False,
                        "array": [_gap(hi, v)],
                        "arrayminus": [_gap(v, lo)],
                    },
                ),
                row=i + 1,
                col=1,
            )
        fig.add_vline(x=0, line={"color": "#444", "width": 1, "dash": "dot"}, row=i + 1, col=1)
    fig.update_layout(
        height=110 * n + 80,
        template="plotly_white",
        margin={"l": 120, "r": 20, "t": 50, "b": 30},
        legend={"orientation": "h", "y": 1.03},
    )
    return fig


def _sweep_figure(
    table: pd.DataFrame,
    x_column: str,
    x_values: list[str],
    x_title: str,
    pols: list[str],
    metrics: Sequence[Metric],
    paired: bool = False,
    x_text: list[str] | None = None,
) -> go.Figure:
    """Each metric against ``x_values`` (of ``table[x_column]``, shown as ``x_text``), one
    line per policy, with 95 % interval bars; ``paired``: differences to the reference, with
    a zero line."""
    shown_x = x_values if x_text is None else x_text
    cols = 3
    nrows = max(1, math.ceil(len(metrics) / cols))
    fig = make_subplots(
        rows=nrows,
        cols=cols,
        subplot_titles=[m.label for m in metrics],
        vertical_spacing=min(0.12, 0.6 / nrows),
    )
    for i, m in enumerate(metrics):
        row, col = i // cols + 1, i % cols + 1
        scale = 1e-6 if m.unit == "usd" else 1.0
        for p in pols:
            sub = table[(table["policy"] == p) & (table["metric"] == m.column)]
            sub = sub.set_index(x_column).reindex(x_values)
            v = [_scaled(x, scale) for x in sub["value"]]
            lo = [_scaled(x, scale) for x in sub["lo"]]
            hi = [_scaled(x, scale) for x in sub["hi"]]
            fig.add_trace(
                go.Scatter(
                    x=shown_x,
                    y=v,
                    mode="lines+markers",
                    name=f"{p} − reference" if paired else p,
                    legendgroup=p,
                    showlegend=i == 0,
                    line={"color": _colour(p)},
                    error_y={
                        "type": "data",
                        "symmetric": False,
                        "array": [_gap(h, x) for h, x in zip(hi, v, strict=True)],
                        "arrayminus": [_gap(x, lo_) for x, lo_ in zip(v, lo, strict=True)],
                    },
                ),
                row=row,
                col=col,
            )
        if paired:
            fig.add_hline(y=0, line={"color": "#444", "width": 1, "dash": "dot"}, row=row, col=col)
        fig.update_xaxes(
            type="category", title_text=x_title if row == nrows else None, row=row, col=col
        )
    fig.update_layout(
        height=280 * nrows + 60,
        template="plotly_white",
        margin={"l": 50, "r": 20, "t": 50, "b": 40},
        legend={"orientation": "h", "y": 1.05},
    )
    return fig


# --- helpers -----------------------------------------------------------------------------------


def _num(x: Any) -> float | None:
    v = float(x)
    return None if math.isnan(v) else v


def _scaled(x: Any, scale: float) -> float | None:
    v = _num(x)
    return None if v is None else v * scale


def _gap(a: float | None, b: float | None) -> float | None:
    return None if a is None or b is None else max(a - b, 0.0)
