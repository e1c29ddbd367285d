"""The run report: one self-contained HTML file with the summary, a map, timelines and the
engagements of a run.

The file carries plotly.js inline (one ``<script>`` element, no CDN, no MathJax) and draws the
map as a plain lon/lat scatter plot, so it opens offline and fetches nothing: no map tiles and
no plotly topojson. The projection is equirectangular with its standard parallel at the middle
of the theatre (the y axis is stretched by 1 / cos φ₀ so that shapes are true there; Snyder,
*Map Projections: A Working Manual*, USGS PP 1395, 1987, §12). Country borders are the packaged
Natural Earth polygons (:mod:`iamd.geo.borders`); range rings are WGS84 geodesic circles (or
sectors) at the catalog ranges (:func:`iamd.geo.geodesic.geodesic_forward`).

The same result always gives the same bytes: the plot divs have fixed ids, nothing records the
time of writing, and every table follows the order of the scenario or of the event log.

Contents, top to bottom: provenance (scenario, policy, seed, version, scenario hash), the
civil-aircraft safety line (how many civil aircraft were identified hostile, engaged and
destroyed: green when none, red otherwise) and the ``summary.json`` figures as tables
(totals, by class, by nation); the map (borders, defended
assets, radars and their detection ranges, fire units and their air and BMD ranges, threat
trajectories by class, civil and friendly aircraft, intercept points, leaker impacts); a
timeline of every threat (flight span, shots, intercepts, misses, impacts) and the cumulative
counts against time; the engagement table (first :data:`MAX_TABLE_ROWS` rows); a footer with
the Natural Earth credit.
"""

from __future__ import annotations

import html
import math
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeGuard

import numpy as np
import numpy.typing as npt
import pandas as pd
import plotly.graph_objects as go

from iamd import __version__
from iamd.geo.borders import ATTRIBUTION, load_countries
from iamd.geo.geodesic import geodesic_forward
from iamd.geo.wgs84 import ecef_to_lla
from iamd.htmlpage import figure_div, page
from iamd.scenario.catalog import HOSTILE_CLASSES
from iamd.sim.outcome import SUMMARY_FIGURES, civil_safety_line

if TYPE_CHECKING:
    from iamd.sim.engine import RunResult

FloatArray = npt.NDArray[np.float64]

MAX_TABLE_ROWS = 500
"""Engagement rows written to the report's table (the rest are counted in a note)."""
MAX_TIMELINE_ROWS = 400
"""Threats drawn on the timeline, in launch order."""
TRACK_SAMPLE_S = 10.0
"""Interval between drawn points of a threat trajectory (s)."""
AIRCRAFT_SAMPLE_S = 30.0
"""Interval between drawn points of an aircraft track (s)."""
RING_POINTS = 121
"""Points on a full range circle (every 3°)."""


CLASS_STYLE: dict[str, tuple[str, str, float]] = {
    "ballistic_missile": ("Ballistic missiles", "#d62728", 1.6),
    "cruise_missile": ("Cruise missiles", "#ff7f0e", 1.4),
    "drone": ("Drones", "#8c564b", 1.2),
    "fighter": ("Fighters", "#1f77b4", 0.8),
    "airliner": ("Airliners", "#a0a0a0", 0.7),
}
"""Legend label, colour and line width of each class's trajectories."""

NATION_COLOURS = (
    "#3366cc",
    "#109618",
    "#990099",
    "#0099c6",
    "#dd4477",
    "#66aa00",
    "#316395",
    "#994499",
    "#22aa99",
    "#6633cc",
)
"""Colours of the nations, in the scenario's order (then repeated)."""

_HOSTILE = frozenset(c.value for c in HOSTILE_CLASSES)
_CSS = """
h1 { margin-bottom: 0.2em; }
h2 { margin-top: 1.6em; border-bottom: 1px solid #ccc; }
.prov td { border: none; padding: 0.05em 0.8em 0.05em 0; }
.prov td:first-child { color: #666; }
.key span { display: inline-block; margin-right: 1.2em; }
.key i { display: inline-block; width: 0.9em; height: 0.9em; margin-right: 0.3em;
         vertical-align: middle; }
.safety { font-size: 1.15em; font-weight: bold; padding: 0.4em 0.8em; border-radius: 4px;
          display: inline-block; }
.safety.ok { background: #e6f4ea; color: #137333; }
.safety.alert { background: #fce8e6; color: #a50e0e; border: 2px solid #a50e0e; }
"""


def write_report(result: RunResult, path: Path) -> None:
    """Write the report of ``result`` to ``path`` (UTF-8, one self-contained HTML file)."""
    Path(path).write_text(build_report_html(result), encoding="utf-8")


def build_report_html(result: RunResult) -> str:
    """The report of ``result`` as one HTML document (identical text for an identical result)."""
    sc = result.loaded.scenario
    colours = _nation_colours(result)
    name = html.escape(sc.name)
    body = [
        f"<h1>iamd report: {name}</h1>",
        f"<p>{html.escape(sc.description)}</p>" if sc.description else "",
        _provenance_html(result),
        "<h2>Outcome</h2>",
        _summary_html(result.summary),
        "<h2>Map</h2>",
        figure_div(_map_figure(result, colours), "iamd-map"),
        _nation_key_html(colours),
        '<p class="note">Range rings: radars at their catalog detection range (reference RCS);'
        " fire units at their maximum range against aircraft and cruise missiles (solid) and"
        " against ballistic missiles (dashed); sectors where the unit has one. Trajectories end"
        " at the intercept or the impact; click a legend entry to hide or show a category.</p>",
        "<h2>Timeline</h2>",
        figure_div(_timeline_figure(result), "iamd-timeline"),
        figure_div(_cumulative_figure(result), "iamd-cumulative"),
        "<h2>Engagements</h2>",
        _engagements_html(result.engagements),
    ]
    footer = [
        f"<p>Borders: {html.escape(ATTRIBUTION)} (Natural Earth 1:10m Admin-0 countries, public"
        " domain).</p>"
    ]
    return page(f"iamd report: {sc.name}", body, css=_CSS, footer=footer)


def range_ring_lonlat(
    lat_rad: FloatArray,
    lon_rad: FloatArray,
    range_m: FloatArray,
    sector_center_rad: FloatArray,
    sector_half_rad: FloatArray,
    n: int = RING_POINTS,
) -> tuple[FloatArray, FloatArray]:
    """Outlines of U range rings for plotting, joined into one line with NaN gaps.

    A unit whose sector half-width is below π gets a closed wedge (centre, arc, centre); the
    others a full geodesic circle. Inputs are (U,) arrays (rad, m); the outputs are
    ``lon_deg``, ``lat_deg`` of shape (U * (n + 3),): each ring's points, then NaN.

    >>> lon, lat = range_ring_lonlat(np.radians([42.7]), np.radians([23.3]), np.array([1e5]),
    ...                              np.zeros(1), np.full(1, np.pi), n=5)
    >>> lon.shape, bool(np.isnan(lon[-1])), round(float(np.nanmax(lat)), 3)
    ((8,), True, 43.6)
    """
    lat_rad = np.asarray(lat_rad, dtype=np.float64)
    lon_rad = np.asarray(lon_rad, dtype=np.float64)
    half = np.minimum(np.asarray(sector_half_rad, dtype=np.float64), np.pi)
    az = np.asarray(sector_center_rad, dtype=np.float64)[:, None] + half[:, None] * np.linspace(
        -1.0, 1.0, n
    )
    lat, lon, _ = geodesic_forward(
        lat_rad[:, None], lon_rad[:, None], az, np.asarray(range_m, dtype=np.float64)[:, None]
    )
    wedge = half < np.pi - 1e-9
    u = len(lat_rad)
    centre_lat = np.where(wedge, lat_rad, lat[:, 0])
    centre_lon = np.where(wedge, lon_rad, lon[:, 0])
    ring_lat = np.concatenate(
        [centre_lat[:, None], lat, centre_lat[:, None], np.full((u, 1), np.nan)], axis=1
    )
    ring_lon = np.concatenate(
        [centre_lon[:, None], lon, centre_lon[:, None], np.full((u, 1), np.nan)], axis=1
    )
    return np.degrees(ring_lon).reshape(-1), np.degrees(ring_lat).reshape(-1)


# --- header and tables -------------------------------------------------------------------------


def _provenance_html(result: RunResult) -> str:
    sc = result.loaded.scenario
    s = result.summary
    rows = [
        ("scenario", f"{sc.name} ({result.loaded.source})"),
        ("policy", str(s.get("policy", sc.policy.value))),
        ("picture", str(s.get("picture", sc.picture.value))),
        ("seed", str(s.get("seed", result.seed))),
        ("version", str(s.get("version", __version__))),
        ("scenario sha256", str(s.get("scenario_sha256", result.loaded.sha256))),
        ("epoch", sc.epoch.isoformat()),
        ("duration", f"{sc.duration_s:g} s, step {sc.time_step_s:g} s"),
        ("theatre", sc.theatre.name),
    ]
    body = "".join(
        f"<tr><td>{html.escape(k)}</td><td><code>{html.escape(v)}</code></td></tr>" for k, v in rows
    )
    return f'<table class="prov">{body}</table>'


def _safety_html(summary: dict[str, object]) -> str:
    """The civil-aircraft safety line, green when none was identified hostile, engaged or
    destroyed and red otherwise."""
    safe, line = civil_safety_line(dict(summary))
    word = "ok" if safe else "alert"
    return f'<p class="safety {word}" id="iamd-civil-safety">{html.escape(line.capitalize())}</p>'


def _summary_html(summary: dict[str, object]) -> str:
    totals = [(f, summary.get(f)) for f in SUMMARY_FIGURES]
    for extra in ("attacker_cost_usd", "cost_exchange_ratio"):
        totals.append((extra, summary.get(extra)))
    hit_names = summary.get("assets_hit_names") or []
    totals.append(("assets_hit_names", ", ".join(str(n) for n in _as_list(hit_names)) or "none"))
    shots = _as_dict(summary.get("shots_by_effector_kind"))
    totals.append(
        (
            "shots_by_effector_kind",
            ", ".join(f"{k}: {_fmt(v, k)}" for k, v in shots.items()) or "none",
        )
    )
    out = [
        _safety_html(summary),
        "<h3>Totals</h3>",
        _table(["figure", "value"], [[k, v] for k, v in totals]),
    ]
    by_class = _as_dict(summary.get("by_class"))
    if by_class:
        rows = [
            [cls, *(_as_dict(v).get(f) for f in SUMMARY_FIGURES)] for cls, v in by_class.items()
        ]
        out += ["<h3>By class</h3>", _table(["class", *SUMMARY_FIGURES], rows)]
    by_nation = _as_dict(summary.get("by_nation"))
    if by_nation:
        cols: list[str] = []
        for v in by_nation.values():
            cols += [c for c in _as_dict(v) if c not in cols]
        rows = [[nat, *(_as_dict(v).get(c) for c in cols)] for nat, v in by_nation.items()]
        out += ["<h3>By nation (effectors of the nation)</h3>", _table(["nation", *cols], rows)]
    return "\n".join(out)


def _engagements_html(eng: pd.DataFrame) -> str:
    if len(eng) == 0:
        return "<p>No engagements.</p>"
    cols = [
        ("unit", "unit"),
        ("unit_type", "type"),
        ("nation", "nation"),
        ("threat", "threat"),
        ("threat_class", "class"),
        ("attempt", "attempt"),
        ("t_fire_s", "fire (s)"),
        ("t_intercept_s", "intercept (s)"),
        ("rounds", "rounds"),
        ("pk_salvo", "Pk salvo"),
        ("cost_usd", "cost (USD)"),
        ("range_m", "range (km)"),
        ("result", "result"),
    ]
    shown = eng.head(MAX_TABLE_ROWS)
    rows = []
    for rec in shown.to_dict("records"):
        row: list[object] = []
        for key, _ in cols:
            v = rec.get(key)
            if key == "range_m" and _is_number(v):
                v = f"{float(v) / 1e3:.1f}"
            elif key in ("t_fire_s", "t_intercept_s") and _is_number(v):
                v = f"{float(v):.1f}"
            elif key == "pk_salvo" and _is_number(v):
                v = f"{float(v):.3f}"
            row.append(v)
        rows.append(row)
    note = ""
    if len(eng) > MAX_TABLE_ROWS:
        note = (
            f'<p class="note">First {MAX_TABLE_ROWS} of {len(eng)} engagements; the full table'
            " is in events.parquet (kind fire, intercept, miss).</p>"
        )
    numeric = frozenset({"fire (s)", "intercept (s)", "Pk salvo", "range (km)"})
    return _table([label for _, label in cols], rows, numeric) + note


def _nation_key_html(colours: dict[str, str]) -> str:
    spans = "".join(
        f'<span><i style="background:{c}"></i>{html.escape(n)}</span>' for n, c in colours.items()
    )
    return f'<p class="key">Nation colours (units and range rings): {spans}</p>'


def _table(
    header: list[str], rows: list[list[object]], num_cols: frozenset[str] = frozenset()
) -> str:
    """An HTML table; numbers (and the columns named in ``num_cols``) are right-aligned."""
    head = "".join(f"<th>{html.escape(str(h))}</th>" for h in header)
    body = []
    for row in rows:
        cells = []
        for key, v in zip(header, row, strict=True):
            cls = ' class="num"' if _is_number(v) or key in num_cols else ""
            cells.append(f"<td{cls}>{html.escape(_fmt(v, str(key)))}</td>")
        body.append("<tr>" + "".join(cells) + "</tr>")
    return f"<table><thead><tr>{head}</tr></thead><tbody>{''.join(body)}</tbody></table>"


def _fmt(v: object, key: str = "") -> str:
    """A cell value as text: integers with separators, costs in whole dollars, NaN/None blank."""
    if v is None:
        return "n/a" if key == "cost_exchange_ratio" else ""
    if isinstance(v, bool | np.bool_):
        return str(bool(v))
    if isinstance(v, int | np.integer):
        return f"{int(v):,}"
    if isinstance(v, float | np.floating):
        x = float(v)
        if math.isnan(x):
            return ""
        if "usd" in key.lower() or ("cost" in key and "ratio" not in key):
            return f"{x:,.0f}"
        if x.is_integer() and abs(x) < 1e15:
            return f"{int(x):,}"
        return f"{x:,.6g}" if abs(x) >= 1e6 else f"{x:g}"
    return str(v)


def _is_number(v: object) -> TypeGuard[int | float | np.integer | np.floating]:
    if isinstance(v, bool | np.bool_):
        return False
    if isinstance(v, int | np.integer):
        return True
    return isinstance(v, float | np.floating) and not math.isnan(float(v))


def _as_dict(v: object) -> dict[str, Any]:
    return {str(k): x for k, x in v.items()} if isinstance(v, dict) else {}


def _as_list(v: object) -> list[Any]:
    return list(v) if isinstance(v, list | tuple) else []


# --- figures -----------------------------------------------------------------------------------


def _nation_colours(result: RunResult) -> dict[str, str]:
    nations = [n.code for n in result.loaded.scenario.nations]
    for n in (*result.sensors.nation, *result.effectors.nation):
        if n not in nations:
            nations.append(n)
    return {n: NATION_COLOURS[i % len(NATION_COLOURS)] for i, n in enumerate(nations)}


def _map_figure(result: RunResult, colours: dict[str, str]) -> go.Figure:
    th = result.loaded.scenario.theatre
    traces: list[go.Scatter] = []
    traces += _border_traces(th.lon_min_deg, th.lon_max_deg, th.lat_min_deg, th.lat_max_deg)
    traces += _sensor_traces(result, colours)
    traces += _effector_traces(result, colours)
    traces += _track_traces(result)
    traces += _asset_traces(result, colours)
    traces += _outcome_traces(result)
    fig = go.Figure(data=traces)
    mid_lat = 0.5 * (th.lat_min_deg + th.lat_max_deg)
    fig.update_layout(
        template="plotly_white",
        height=820,
        margin={"l": 60, "r": 20, "t": 30, "b": 50},
        plot_bgcolor="#f4f8fb",
        hovermode="closest",
        legend={"groupclick": "togglegroup", "itemsizing": "constant"},
        xaxis={
            "title": {"text": "longitude (°E)"},
            "range": [th.lon_min_deg, th.lon_max_deg],
            "showgrid": True,
            "gridcolor": "#e2e8ee",
            "zeroline": False,
        },
        yaxis={
            "title": {"text": "latitude (°N)"},
            "range": [th.lat_min_deg, th.lat_max_deg],
            "scaleanchor": "x",
            "scaleratio": 1.0 / math.cos(math.radians(mid_lat)),
            "showgrid": True,
            "gridcolor": "#e2e8ee",
            "zeroline": False,
        },
    )
    return fig


def _border_traces(lon_min: float, lon_max: float, lat_min: float, lat_max: float) -> list[Any]:
    countries = load_countries()
    margin = 2.0
    lons: list[FloatArray] = []
    lats: list[FloatArray] = []
    gap = np.array([np.nan])
    frame = np.degrees(countries.bounds)  # west, south, east, north
    for code, clipped in zip(countries.codes, countries.clipped, strict=True):
        for ring_lon, ring_lat in countries.outline_lonlat(code):
            lon, lat = (
                _drop_frame_edges(ring_lon, ring_lat, frame) if clipped else (ring_lon, ring_lat)
            )
            if (
                np.nanmax(lon) < lon_min - margin
                or np.nanmin(lon) > lon_max + margin
                or np.nanmax(lat) < lat_min - margin
                or np.nanmin(lat) > lat_max + margin
            ):
                continue
            lons += [lon, gap]
            lats += [lat, gap]
    if not lons:
        return []
    return [
        go.Scatter(
            x=_f32(np.concatenate(lons)),
            y=_f32(np.concatenate(lats)),
            mode="lines",
            line={"color": "#8c8c8c", "width": 0.7},
            name="Borders (Natural Earth)",
            legendgroup="borders",
            hoverinfo="skip",
        )
    ]


def _drop_frame_edges(
    lon: FloatArray, lat: FloatArray, frame: FloatArray
) -> tuple[FloatArray, FloatArray]:
    """Break a ring (k,) with NaN where a segment runs along the data set's clipping frame."""
    west, south, east, north = frame
    tol = 1e-9
    on = np.zeros(max(len(lon) - 1, 0), dtype=bool)
    for v, edge in ((lon, west), (lon, east), (lat, south), (lat, north)):
        at = np.abs(v - edge) < tol
        on |= at[:-1] & at[1:]
    cut = np.flatnonzero(on) + 1
    return np.insert(lon, cut, np.nan), np.insert(lat, cut, np.nan)


def _sensor_traces(result: RunResult, colours: dict[str, str]) -> list[Any]:
    sensors = result.sensors
    if len(sensors) == 0:
        return []
    catalog = result.loaded.catalog.sensors
    range_m = np.array(
        [
            catalog[t].detection_range_km * 1e3 if t in catalog else r
            for t, r in zip(sensors.type, sensors.range_ref_m, strict=True)
        ]
    )
    nation = np.array(sensors.nation)
    rings: list[Any] = []
    marks: list[Any] = []
    for n, colour in colours.items():
        sel = np.flatnonzero(nation == n)
        if sel.size == 0:
            continue
        lon, lat = range_ring_lonlat(
            sensors.lat_rad[sel],
            sensors.lon_rad[sel],
            range_m[sel],
            sensors.sector_center_rad[sel],
            sensors.sector_half_rad[sel],
        )
        rings.append(
            go.Scatter(
                x=_f32(lon),
                y=_f32(lat),
                mode="lines",
                line={"color": colour, "width": 0.6, "dash": "dot"},
                opacity=0.6,
                name="Radar detection ranges",
                legendgroup="sensor_ranges",
                showlegend=not rings,
                hoverinfo="skip",
            )
        )
        text = [
            f"<b>{html.escape(sensors.ids[i])}</b>"
            f"<br>{html.escape(_label(catalog, sensors.type[i]))}"
            f"<br>nation {html.escape(n)}<br>detection range {range_m[i] / 1e3:.0f} km"
            for i in sel
        ]
        marks.append(
            go.Scatter(
                x=np.degrees(sensors.lon_rad[sel]).round(5),
                y=np.degrees(sensors.lat_rad[sel]).round(5),
                mode="markers",
                marker={
                    "symbol": "diamond",
                    "size": 8,
                    "color": colour,
                    "line": {"color": "#222", "width": 0.6},
                },
                name="Radars",
                legendgroup="sensors",
                showlegend=not marks,
                text=text,
                hovertemplate="%{text}<extra></extra>",
            )
        )
    return rings + marks


def _effector_traces(result: RunResult, colours: dict[str, str]) -> list[Any]:
    units = result.effectors
    if len(units) == 0:
        return []
    catalog = result.loaded.catalog.effectors
    nation = np.array(units.nation)
    rings: list[Any] = []
    bm_rings: list[Any] = []
    marks: list[Any] = []
    for n, colour in colours.items():
        sel = np.flatnonzero(nation == n)
        if sel.size == 0:
            continue
        lon, lat = range_ring_lonlat(
            units.lat_rad[sel],
            units.lon_rad[sel],
            units.max_range_m[sel],
            units.sector_center_rad[sel],
            units.sector_half_rad[sel],
        )
        rings.append(
            go.Scatter(
                x=_f32(lon),
                y=_f32(lat),
                mode="lines",
                line={"color": colour, "width": 1.1},
                name="Fire unit ranges (air)",
                legendgroup="effector_ranges",
                showlegend=not rings,
                hoverinfo="skip",
            )
        )
        bm = sel[units.max_range_bm_m[sel] > 0]
        if bm.size:
            lon, lat = range_ring_lonlat(
                units.lat_rad[bm],
                units.lon_rad[bm],
                units.max_range_bm_m[bm],
                units.sector_center_rad[bm],
                units.sector_half_rad[bm],
            )
            bm_rings.append(
                go.Scatter(
                    x=_f32(lon),
                    y=_f32(lat),
                    mode="lines",
                    line={"color": colour, "width": 1.1, "dash": "dash"},
                    name="Fire unit ranges (BMD)",
                    legendgroup="effector_ranges_bm",
                    showlegend=not bm_rings,
                    hoverinfo="skip",
                )
            )
        text = []
        for i in sel:
            bm_txt = (
                f"<br>BMD range {units.max_range_bm_m[i] / 1e3:.0f} km"
                if units.max_range_bm_m[i] > 0
                else ""
            )
            text.append(
                f"<b>{html.escape(units.ids[i])}</b>"
                f"<br>{html.escape(_label(catalog, units.type[i]))}"
                f" ({html.escape(units.kind[i])})<br>nation {html.escape(n)}"
                f"<br>range {units.max_range_m[i] / 1e3:.0f} km{bm_txt}"
            )
        marks.append(
            go.Scatter(
                x=np.degrees(units.lon_rad[sel]).round(5),
                y=np.degrees(units.lat_rad[sel]).round(5),
                mode="markers",
                marker={
                    "symbol": "triangle-up",
                    "size": 10,
                    "color": colour,
                    "line": {"color": "#222", "width": 0.6},
                },
                name="Fire units",
                legendgroup="effectors",
                showlegend=not marks,
                text=text,
                hovertemplate="%{text}<extra></extra>",
            )
        )
    return rings + bm_rings + marks


def _asset_traces(result: RunResult, colours: dict[str, str]) -> list[Any]:
    assets = result.loaded.scenario.assets
    if not assets:
        return []
    hit = set()
    ev = result.events
    if len(ev):
        hit = set(ev.loc[ev["kind"] == "asset_hit", "detail"].tolist())
    text = []
    for a in assets:
        label = a.label or a.name
        hit_txt = "<br><b>hit</b>" if a.name in hit else ""
        text.append(
            f"<b>{html.escape(label)}</b> ({html.escape(a.name)})<br>nation {html.escape(a.nation)}"
            f"<br>{html.escape(a.kind)}, value {a.value:g}{hit_txt}"
        )
    return [
        go.Scatter(
            x=[a.lon_deg for a in assets],
            y=[a.lat_deg for a in assets],
            mode="markers",
            marker={
                "symbol": "square",
                "size": [5.0 + 1.5 * a.value for a in assets],
                "color": [colours.get(a.nation, "#555555") for a in assets],
                "opacity": 0.85,
                "line": {
                    "color": ["#d62728" if a.name in hit else "#222222" for a in assets],
                    "width": [2.5 if a.name in hit else 0.8 for a in assets],
                },
            },
            name="Defended assets (size: value)",
            legendgroup="assets",
            text=text,
            hovertemplate="%{text}<extra></extra>",
        )
    ]


def _cut_times(result: RunResult) -> FloatArray:
    """(N,) time each object stops flying in the run: intercept, else impact or landing."""
    truth = result.truth
    cut = np.asarray(truth.t_end_s, dtype=np.float64).copy()
    ev = result.events
    if len(ev):
        kills = ev[ev["kind"] == "intercept"].drop_duplicates("entity")
        pos = {tid: i for i, tid in enumerate(truth.ids)}
        for tid, t in zip(kills["entity"], kills["t_s"], strict=True):
            i = pos.get(str(tid))
            if i is not None:
                cut[i] = min(cut[i], float(t))
    return cut


def _track_traces(result: RunResult) -> list[Any]:
    """One line per flying object, sampled every few clock steps, ended at its cut time."""
    truth = result.truth
    t = np.asarray(truth.t_grid_s, dtype=np.float64)
    if len(truth.ids) == 0 or len(t) == 0:
        return []
    dt = float(t[1] - t[0]) if len(t) > 1 else 1.0
    cut = _cut_times(result)
    lat_r, lon_r, _ = ecef_to_lla(truth.pos_ecef_m)
    lat, lon = np.degrees(lat_r), np.degrees(lon_r)
    alt_km = np.asarray(truth.alt_m, dtype=np.float64) / 1e3
    end_lat_r, end_lon_r, end_alt = ecef_to_lla(truth.end_pos_ecef_m)
    end = _end_points(result, cut, np.degrees(end_lat_r), np.degrees(end_lon_r), end_alt / 1e3)
    hostile = _HOSTILE
    order = [*CLASS_STYLE, *sorted({str(c) for c in truth.cls} - set(CLASS_STYLE))]
    traces: list[Any] = []
    for cls in order:
        label, colour, width = CLASS_STYLE.get(cls, (cls, "#555555", 1.0))
        stride = max(1, round((TRACK_SAMPLE_S if cls in hostile else AIRCRAFT_SAMPLE_S) / dt))
        first = True
        for i in np.flatnonzero(truth.cls == cls):
            k = np.flatnonzero(truth.present[i] & (t <= cut[i]) & np.isfinite(lat[i]))
            if k.size == 0:
                continue
            k = np.unique(np.concatenate([k[::stride], k[-1:]]))
            x, y, a = lon[i, k], lat[i, k], alt_km[i, k]
            last = end[i]
            if last is not None:
                ex, ey, ea = last
                x, y, a = np.append(x, ex), np.append(y, ey), np.append(a, ea)
            tid = html.escape(truth.ids[i])
            traces.append(
                go.Scatter(
                    x=_f32(x),
                    y=_f32(y),
                    customdata=_f32(np.round(a, 2)),
                    mode="lines",
                    line={"color": colour, "width": width},
                    name=label,
                    legendgroup=f"track_{cls}",
                    showlegend=first,
                    hovertemplate=(
                        f"<b>{tid}</b><br>{html.escape(str(truth.type[i]))}"
                        f" ({html.escape(str(truth.group[i]))})<br>alt %{{customdata:.1f}} km"
                        "<extra></extra>"
                    ),
                )
            )
            first = False
    return traces


def _end_points(
    result: RunResult,
    cut: FloatArray,
    end_lat_deg: FloatArray,
    end_lon_deg: FloatArray,
    end_alt_km: FloatArray,
) -> list[tuple[float, float, float] | None]:
    """(N,) last drawn point: the intercept point, else the impact/landing point if reached."""
    truth = result.truth
    t_last = float(truth.t_grid_s[-1]) if len(truth.t_grid_s) else 0.0
    dt = float(truth.t_grid_s[1] - truth.t_grid_s[0]) if len(truth.t_grid_s) > 1 else 0.0
    out: list[tuple[float, float, float] | None] = []
    kills: dict[str, tuple[float, float, float]] = {}
    ev = result.events
    if len(ev):
        k = ev[(ev["kind"] == "intercept") & ev["lat_deg"].notna()].drop_duplicates("entity")
        for tid, la, lo, al in zip(
            k["entity"], k["lat_deg"], k["lon_deg"], k["alt_m"], strict=True
        ):
            kills[str(tid)] = (float(lo), float(la), float(al) / 1e3)
    for i, tid in enumerate(truth.ids):
        if tid in kills:
            out.append(kills[tid])
        elif truth.t_end_s[i] < t_last + dt and cut[i] >= truth.t_end_s[i]:
            out.append((float(end_lon_deg[i]), float(end_lat_deg[i]), float(end_alt_km[i])))
        else:
            out.append(None)
    return out


def _outcome_traces(result: RunResult) -> list[Any]:
    ev = result.events
    if len(ev) == 0:
        return []
    truth = result.truth
    cls_of = dict(zip(truth.ids, (str(c) for c in truth.cls), strict=True))
    traces: list[Any] = []
    kills = ev[(ev["kind"] == "intercept") & ev["lat_deg"].notna()]
    if len(kills):
        text = [
            f"<b>{html.escape(str(e))}</b> ({html.escape(cls_of.get(str(e), ''))})"
            f"<br>destroyed by {html.escape(str(u))} at {t:.0f} s<br>alt {al / 1e3:.1f} km"
            for e, u, t, al in zip(
                kills["entity"], kills["unit"], kills["t_s"], kills["alt_m"], strict=True
            )
        ]
        traces.append(
            go.Scatter(
                x=_f32(kills["lon_deg"].to_numpy()),
                y=_f32(kills["lat_deg"].to_numpy()),
                mode="markers",
                marker={"symbol": "x", "size": 9, "color": "#2ca02c", "line": {"width": 0}},
                name="Intercepts",
                legendgroup="intercepts",
                text=text,
                hovertemplate="%{text}<extra></extra>",
            )
        )
    impacts = ev[(ev["kind"] == "impact") & ev["lat_deg"].notna()]
    if len(impacts):
        hits = ev[ev["kind"] == "asset_hit"].groupby("entity", sort=False)["detail"].agg(", ".join)
        text = []
        for e, t in zip(impacts["entity"], impacts["t_s"], strict=True):
            hit = hits.get(e, "")
            text.append(
                f"<b>{html.escape(str(e))}</b> ({html.escape(cls_of.get(str(e), ''))})"
                f"<br>impact at {t:.0f} s"
                + (f"<br>assets hit: {html.escape(str(hit))}" if hit else "")
            )
        traces.append(
            go.Scatter(
                x=_f32(impacts["lon_deg"].to_numpy()),
                y=_f32(impacts["lat_deg"].to_numpy()),
                mode="markers",
                marker={
                    "symbol": "circle",
                    "size": 10,
                    "color": "#d62728",
                    "line": {"color": "#600", "width": 1},
                },
                name="Leaker impacts",
                legendgroup="impacts",
                text=text,
                hovertemplate="%{text}<extra></extra>",
            )
        )
    return traces


def _timeline_rows(result: RunResult) -> tuple[list[int], bool]:
    """Objects on the timeline (hostile, or engaged), in launch order; and whether truncated."""
    truth = result.truth
    engaged = set()
    eng = result.engagements
    if len(eng):
        engaged = {str(x) for x in eng["threat"].dropna()}
    hostile = _HOSTILE
    t_last = float(truth.t_grid_s[-1]) if len(truth.t_grid_s) else 0.0
    rows = [
        i
        for i, tid in enumerate(truth.ids)
        if (str(truth.cls[i]) in hostile or tid in engaged) and truth.t_start_s[i] <= t_last
    ]
    rows.sort(key=lambda i: (float(truth.t_start_s[i]), i))
    return rows[:MAX_TIMELINE_ROWS], len(rows) > MAX_TIMELINE_ROWS


def _timeline_figure(result: RunResult) -> go.Figure:
    truth = result.truth
    rows, truncated = _timeline_rows(result)
    ids = [truth.ids[i] for i in rows]
    on_rows = set(ids)
    cut = _cut_times(result)
    t_end_run = float(truth.t_grid_s[-1]) if len(truth.t_grid_s) else 0.0
    traces: list[Any] = []
    for cls, (label, colour, _) in CLASS_STYLE.items():
        sel = [i for i in rows if str(truth.cls[i]) == cls]
        if not sel:
            continue
        x: list[float | None] = []
        y: list[str | None] = []
        for i in sel:
            x += [max(float(truth.t_start_s[i]), 0.0), min(float(cut[i]), t_end_run), None]
            y += [truth.ids[i], truth.ids[i], None]
        traces.append(
            go.Scatter(
                x=x,
                y=y,
                mode="lines",
                line={"color": colour, "width": 5},
                name=f"{label} (flight)",
                legendgroup=f"span_{cls}",
                hovertemplate="%{y}: %{x:.0f} s<extra></extra>",
            )
        )
    eng = result.engagements
    if len(eng):
        eng = eng[eng["threat"].isin(on_rows)]
    if len(eng):
        fired = eng[eng["t_fire_s"].notna()]
        text = [
            f"{html.escape(str(u))} fires {_fmt(r)} round(s) at {html.escape(str(th))}"
            f"<br>attempt {_fmt(a)}, result {html.escape(str(res))}"
            for u, r, th, a, res in zip(
                fired["unit"],
                fired["rounds"],
                fired["threat"],
                fired["attempt"],
                fired["result"],
                strict=True,
            )
        ]
        traces.append(
            go.Scatter(
                x=fired["t_fire_s"].round(1).tolist(),
                y=fired["threat"].tolist(),
                mode="markers",
                marker={"symbol": "triangle-right", "size": 8, "color": "#333333"},
                name="Shots",
                legendgroup="shots",
                text=text,
                hovertemplate="%{x:.0f} s: %{text}<extra></extra>",
            )
        )
        for res, label, symbol, colour in (
            ("kill", "Intercepts", "x", "#2ca02c"),
            ("miss", "Misses", "x-open", "#ff7f0e"),
        ):
            sub = eng[(eng["result"] == res) & eng["t_intercept_s"].notna()]
            if len(sub) == 0:
                continue
            traces.append(
                go.Scatter(
                    x=sub["t_intercept_s"].round(1).tolist(),
                    y=sub["threat"].tolist(),
                    mode="markers",
                    marker={"symbol": symbol, "size": 9, "color": colour},
                    name=label,
                    legendgroup=f"result_{res}",
                    text=[html.escape(str(u)) for u in sub["unit"]],
                    hovertemplate=f"%{{y}} {res} by %{{text}} at %{{x:.0f}} s<extra></extra>",
                )
            )
    th = result.threats
    if len(th):
        leaked = th[(th["fate"] == "leaked") & th["id"].isin(on_rows)]
        if len(leaked):
            traces.append(
                go.Scatter(
                    x=leaked["fate_time_s"].round(1).tolist(),
                    y=leaked["id"].tolist(),
                    mode="markers",
                    marker={"symbol": "circle", "size": 9, "color": "#d62728"},
                    name="Impacts (leakers)",
                    legendgroup="impacts",
                    hovertemplate="%{y} impact at %{x:.0f} s<extra></extra>",
                )
            )
    title = "Threats, in launch order"
    if truncated:
        title += f" (first {MAX_TIMELINE_ROWS})"
    fig = go.Figure(data=traces)
    fig.update_layout(
        template="plotly_white",
        height=int(min(4000, 160 + 14 * max(len(ids), 5))),
        margin={"l": 160, "r": 20, "t": 40, "b": 50},
        title={"text": title},
        hovermode="closest",
        legend={"groupclick": "togglegroup"},
        xaxis={"title": {"text": "time (s)"}, "range": [0.0, t_end_run], "zeroline": False},
        yaxis={
            "type": "category",
            "categoryorder": "array",
            "categoryarray": ids,
            "autorange": "reversed",
            "tickfont": {"size": 9},
        },
    )
    return fig


def _cumulative_figure(result: RunResult) -> go.Figure:
    truth = result.truth
    t_end_run = float(truth.t_grid_s[-1]) if len(truth.t_grid_s) else 0.0
    hostile_ids = {tid for tid, c in zip(truth.ids, truth.cls, strict=True) if str(c) in _HOSTILE}
    ev = result.events
    series: list[tuple[str, str, FloatArray, FloatArray]] = []
    if len(ev):
        h = ev[ev["entity"].isin(hostile_ids)]
        for kind, label, colour in (
            ("launch", "Threats launched", "#7f7f7f"),
            ("intercept", "Threats destroyed", "#2ca02c"),
            ("impact", "Leakers", "#d62728"),
        ):
            times = h.loc[h["kind"] == kind].drop_duplicates("entity")["t_s"].to_numpy(float)
            series.append((label, colour, np.sort(times), np.ones(len(times))))
    eng = result.engagements
    if len(eng):
        fired = eng[eng["result"].notna() & eng["t_fire_s"].notna()].sort_values(
            ["t_fire_s", "seq"], kind="stable"
        )
        series.append(
            (
                "Interceptors fired (rounds)",
                "#1f77b4",
                fired["t_fire_s"].to_numpy(float),
                fired["rounds"].fillna(0).to_numpy(float),
            )
        )
    traces = []
    for label, colour, times, weights in series:
        t_stop = max(t_end_run, float(times[-1])) if len(times) else t_end_run
        x = np.concatenate([[0.0], times, [t_stop]])
        y = np.concatenate([[0.0], np.cumsum(weights), np.sum(weights, keepdims=True)])
        traces.append(
            go.Scatter(
                x=np.round(x, 1).tolist(),
                y=y.tolist(),
                mode="lines",
                line={"color": colour, "width": 2, "shape": "hv"},
                name=label,
                hovertemplate=f"{label}: %{{y:.0f}} at %{{x:.0f}} s<extra></extra>",
            )
        )
    fig = go.Figure(data=traces)
    fig.update_layout(
        template="plotly_white",
        height=380,
        margin={"l": 60, "r": 20, "t": 40, "b": 50},
        title={"text": "Cumulative counts"},
        xaxis={"title": {"text": "time (s)"}, "range": [0.0, t_end_run]},
        yaxis={"title": {"text": "count"}, "rangemode": "tozero"},
        hovermode="x unified",
    )
    return fig


def _label(catalog: dict[str, Any], type_: str) -> str:
    entry = catalog.get(type_)
    return f"{entry.label} ({type_})" if entry is not None else type_


def _f32(a: FloatArray) -> npt.NDArray[np.float32]:
    """Coordinates as float32 (plotly writes them as base64; ~1 m at these longitudes)."""
    return np.asarray(a, dtype=np.float32)
