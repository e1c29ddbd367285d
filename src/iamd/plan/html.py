"""HTML pages of ``iamd gaps`` and ``iamd plan``: one self-contained file each (the house's
frame, ``iamd.htmlpage``), with a map of assets, fire units and their envelopes, and tables.
"""

from __future__ import annotations

import html
from typing import TYPE_CHECKING, Any

import numpy as np

from iamd.htmlpage import figure_div, page
from iamd.plan.output import ATTRIBUTION_NOTE, border_trace, circle_lonlat, html_table, map_layout

if TYPE_CHECKING:
    from iamd.plan.gaps import GapAnalysis
    from iamd.plan.placement import PlanResult

STATUS_COLOUR = {"covered alone": "#2ca02c", "with allies only": "#ff7f0e", "gap": "#d62728"}


def _box(lats: list[float], lons: list[float]) -> tuple[float, float, float, float]:
    pad = 1.0
    return (min(lons) - pad, max(lons) + pad, min(lats) - pad, max(lats) + pad)


def _unit_traces(g: GapAnalysis, go: Any, bm: bool) -> list[Any]:
    u = g.units_array
    traces: list[Any] = []
    xs: list[Any] = []
    ys: list[Any] = []
    for i in range(len(u)):
        lat, lon = float(np.degrees(u.lat_rad[i])), float(np.degrees(u.lon_rad[i]))
        r = u.max_range_bm_m[i] if bm else u.max_range_m[i]
        if r <= 0:
            continue
        cx, cy = circle_lonlat(lat, lon, float(min(r, 800e3)))
        xs += [cx, [np.nan]]
        ys += [cy, [np.nan]]
    if xs:
        traces.append(
            go.Scatter(
                x=np.concatenate(xs),
                y=np.concatenate(ys),
                mode="lines",
                line={"color": "#1f77b4", "width": 0.8, "dash": "dot"},
                name=f"envelopes ({'BMD range' if bm else 'max range'})",
                hoverinfo="skip",
            )
        )
    labels = []
    for i in range(len(u)):
        lent = f", lent by {g.lent_by[i]}" if g.lent_by[i] else ""
        labels.append(f"{u.ids[i]} ({u.type[i]}, {u.nation[i]}{lent})")
    traces.append(
        go.Scatter(
            x=np.round(np.degrees(u.lon_rad), 4),
            y=np.round(np.degrees(u.lat_rad), 4),
            mode="markers",
            marker={"symbol": "triangle-up", "size": 10, "color": "#1f77b4"},
            name="fire units",
            text=labels,
            hoverinfo="text",
        )
    )
    return traces


def gaps_figure(g: GapAnalysis, threat_class: str) -> Any:
    """Map: every asset coloured by its coverage against ``threat_class`` (covered alone,
    with allies only, gap), the fire units and their envelopes."""
    import plotly.graph_objects as go

    rows = g.rows[g.rows["threat_class"] == threat_class]
    assets = g.demand.assets
    traces: list[Any] = []
    lats = [a.lat_deg for a in assets] + list(np.degrees(g.units_array.lat_rad))
    lons = [a.lon_deg for a in assets] + list(np.degrees(g.units_array.lon_rad))
    lon0, lon1, lat0, lat1 = _box(lats, lons)
    traces.append(border_trace(lon0, lon1, lat0, lat1))
    traces += _unit_traces(g, go, threat_class == "ballistic_missile")
    per: dict[str, list[int]] = {k: [] for k in STATUS_COLOUR}
    text: dict[str, list[str]] = {k: [] for k in STATUS_COLOUR}
    for name, sub in rows.groupby("asset", sort=True):
        a = next(i for i, x in enumerate(assets) if x.name == name)
        if sub["covered_alone"].all():
            k = "covered alone"
        elif sub["covered_with_allies"].all():
            k = "with allies only"
        else:
            k = "gap"
        per[k].append(a)
        units = "; ".join(sorted({u for s in sub["units"] for u in s.split("; ") if u}))
        text[k].append(f"{name} ({assets[a].nation}): {units or 'no cover'}")
    for k, idx in per.items():
        traces.append(
            go.Scatter(
                x=[assets[i].lon_deg for i in idx],
                y=[assets[i].lat_deg for i in idx],
                mode="markers",
                marker={"size": 11, "color": STATUS_COLOUR[k]},
                name=f"assets: {k}",
                text=text[k],
                hoverinfo="text",
            )
        )
    fig = go.Figure(data=traces)
    map_layout(fig, lon0, lon1, lat0, lat1)
    fig.update_layout(title={"text": f"coverage against {threat_class.replace('_', ' ')}"})
    return fig


def gaps_html(g: GapAnalysis, title: str) -> str:
    """The ``gaps.html`` page."""
    classes = [
        c
        for c in ("ballistic_missile", "cruise_missile", "drone", "fighter")
        if c in set(g.rows["threat_class"])
    ]
    body = [
        f"<h1>{html.escape(title)}</h1>",
        "<p>Who covers what: each defended asset against each threat axis, with the fire "
        "units whose envelope (the engine's intercept test) defends it, tagged own, lent or "
        "allied. Method: docs/plan.md.</p>",
    ]
    n = g.nations
    body.append("<h2>Covered value per nation, alone and with allies</h2>")
    body.append(
        html_table(
            [
                "nation",
                "threat class",
                "value",
                "covered alone",
                "covered with allies",
                "gap alone",
                "gap with allies",
                "dependency",
            ],
            [
                [
                    r.nation,
                    r.threat_class,
                    r.value,
                    r.covered_alone,
                    r.covered_with_allies,
                    r.gap_alone,
                    r.gap_with_allies,
                    r.dependency,
                ]
                for r in n.itertuples()
            ],
        )
    )
    body.append("<h2>Dependency on single lent and allied units</h2>")
    body.append(
        html_table(
            [
                "unit",
                "type",
                "owner",
                "covers nation",
                "tag",
                "rows",
                "own + this unit",
                "value lost if withdrawn",
                "share lost",
            ],
            [
                [
                    r.unit,
                    r.unit_type,
                    r.owner,
                    r.nation,
                    r.tag,
                    r.rows_covered,
                    r.covered_alone_plus_unit,
                    r.value_lost,
                    r.share_lost,
                ]
                for r in g.units.itertuples()
            ],
        )
    )
    for i, c in enumerate(classes):
        body.append(figure_div(gaps_figure(g, c), f"gaps-map-{i}"))
    body.append("<h2>Gap matrix</h2>")
    body.append(
        html_table(
            ["asset", "nation", "threat class", "axis", "weight", "layers", "covering units"],
            [
                [r.asset, r.nation, r.threat_class, r.axis, r.weight, r.layers, r.units]
                for r in g.rows.itertuples()
            ],
        )
    )
    return page(title, body, footer=[ATTRIBUTION_NOTE])


def plan_html(res: PlanResult, title: str) -> str:
    """The ``plan.html`` page: sites, envelopes, exclusion zones, the Pareto charts."""
    import plotly.graph_objects as go

    body = [f"<h1>{html.escape(title)}</h1>"]
    p = res.problem
    lats = list(np.degrees(p.sites.lat_rad)) + [a.lat_deg for a in p.demand.assets]
    lons = list(np.degrees(p.sites.lon_rad)) + [a.lon_deg for a in p.demand.assets]
    lon0, lon1, lat0, lat1 = _box(lats, lons)
    traces: list[Any] = [border_trace(lon0, lon1, lat0, lat1)]
    ok = p.site_ok.any(axis=1)
    traces.append(
        go.Scatter(
            x=np.round(np.degrees(p.sites.lon_rad[ok]), 4),
            y=np.round(np.degrees(p.sites.lat_rad[ok]), 4),
            mode="markers",
            marker={"size": 3, "color": "#bbbbbb"},
            name="candidate sites",
            hoverinfo="skip",
        )
    )
    bad = ~ok
    if bad.any():
        traces.append(
            go.Scatter(
                x=np.round(np.degrees(p.sites.lon_rad[bad]), 4),
                y=np.round(np.degrees(p.sites.lat_rad[bad]), 4),
                mode="markers",
                marker={"size": 3, "color": "#f4a6a6"},
                name="excluded sites (buffer, reach cap)",
                hoverinfo="skip",
            )
        )
    for pl in res.placements:
        for r_m, dash in ((pl.max_range_m, "dot"), (pl.max_range_bm_m, "solid")):
            if r_m > 0:
                cx, cy = circle_lonlat(pl.lat_deg, pl.lon_deg, r_m)
                traces.append(
                    go.Scatter(
                        x=cx,
                        y=cy,
                        mode="lines",
                        hoverinfo="skip",
                        line={"color": "#1f77b4", "dash": dash, "width": 1},
                        showlegend=False,
                    )
                )
    traces.append(
        go.Scatter(
            x=[pl.lon_deg for pl in res.placements],
            y=[pl.lat_deg for pl in res.placements],
            mode="markers+text",
            marker={"symbol": "triangle-up", "size": 13, "color": "#1f77b4"},
            text=[pl.id for pl in res.placements],
            textposition="top center",
            name="planned batteries",
        )
    )
    a = p.demand.assets
    traces.append(
        go.Scatter(
            x=[x.lon_deg for x in a],
            y=[x.lat_deg for x in a],
            mode="markers",
            marker={"size": 9, "color": "#d62728"},
            name="defended assets",
            text=[f"{x.name} ({x.nation}, value {x.value:g})" for x in a],
            hoverinfo="text",
        )
    )
    fig = go.Figure(data=traces)
    map_layout(fig, lon0, lon1, lat0, lat1)
    fig.update_layout(title={"text": "planned sites and envelopes (dotted: max range; solid: BMD)"})
    body.append(figure_div(fig, "plan-map"))
    body.append(
        html_table(
            [
                "battery",
                "owner",
                "type",
                "host",
                "lat",
                "lon",
                "reach share",
                "value covered alone",
            ],
            [
                [
                    pl.id,
                    pl.owner,
                    pl.type,
                    pl.host,
                    pl.lat_deg,
                    pl.lon_deg,
                    pl.reach_share,
                    pl.marginal_value,
                ]
                for pl in res.placements
            ],
        )
    )
    for name, front in res.fronts.items():
        if not len(front):
            continue
        fx = go.Figure(
            go.Scatter(x=front["x"], y=front["objective"], mode="lines+markers", name=name)
        )
        fx.update_layout(
            template="plotly_white",
            height=380,
            title={"text": f"Pareto front: protection vs {name}"},
            xaxis={"title": {"text": str(front["x_label"].iloc[0])}},
            yaxis={"title": {"text": "covered threat-weighted value"}},
        )
        body.append(figure_div(fx, f"pareto-{name}"))
    return page(title, body, footer=[ATTRIBUTION_NOTE])
