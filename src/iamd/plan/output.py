"""Files of the planning commands: Parquet tables, JSON, and the HTML page with its map.

Every command writes all its files or none (`iamd.files.write_files`: staged in a temporary
folder, then moved), and the same inputs give the same bytes (fixed column order, no
timestamps).
"""

from __future__ import annotations

import html
import io
import json
import math
from collections.abc import Sequence
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

from iamd import __version__
from iamd.geo.borders import ATTRIBUTION, load_countries
from iamd.geo.geodesic import geodesic_forward


def parquet_bytes(df: pd.DataFrame, meta: dict[str, str] | None = None) -> bytes:
    """The frame as Parquet bytes (no pandas index, iamd provenance in the metadata)."""
    table = pa.Table.from_pandas(df, preserve_index=False)
    md = {b"iamd.version": __version__.encode()}
    for k, v in (meta or {}).items():
        md[f"iamd.{k}".encode()] = v.encode()
    table = table.replace_schema_metadata(md)
    buf = io.BytesIO()
    pq.write_table(table, buf)
    return buf.getvalue()


def json_bytes(data: Any) -> bytes:
    """Indented JSON (UTF-8, NaN as null, keys in insertion order) with a final newline."""
    return (json.dumps(_clean(data), indent=2, ensure_ascii=False) + "\n").encode("utf-8")


def border_trace(lon_min: float, lon_max: float, lat_min: float, lat_max: float) -> Any:
    """One plotly line trace of the Natural Earth borders near the box (degrees)."""
    import plotly.graph_objects as go

    countries = load_countries()
    lons: list[np.ndarray] = []
    lats: list[np.ndarray] = []
    for code in countries.codes:
        for lon, lat in countries.outline_lonlat(code):
            if lon.max() < lon_min - 1 or lon.min() > lon_max + 1:
                continue
            if lat.max() < lat_min - 1 or lat.min() > lat_max + 1:
                continue
            lons += [np.round(lon, 3), np.array([np.nan])]
            lats += [np.round(lat, 3), np.array([np.nan])]
    return go.Scatter(
        x=np.concatenate(lons) if lons else [],
        y=np.concatenate(lats) if lats else [],
        mode="lines",
        line={"color": "#8c8c8c", "width": 0.7},
        name="Borders (Natural Earth)",
        hoverinfo="skip",
    )


def circle_lonlat(
    lat_deg: float, lon_deg: float, radius_m: float, n: int = 73
) -> tuple[np.ndarray, np.ndarray]:
    """A geodesic circle (degrees) for maps."""
    az = np.linspace(0.0, 2 * np.pi, n)
    lat, lon, _ = geodesic_forward(np.radians(lat_deg), np.radians(lon_deg), az, radius_m)
    return np.round(np.degrees(lon), 4), np.round(np.degrees(lat), 4)


def map_layout(fig: Any, lon_min: float, lon_max: float, lat_min: float, lat_max: float) -> None:
    """Equal-distance-ish lon/lat axes over the box."""
    mid = 0.5 * (lat_min + lat_max)
    fig.update_layout(
        template="plotly_white",
        height=720,
        margin={"l": 60, "r": 20, "t": 40, "b": 50},
        hovermode="closest",
        xaxis={"title": {"text": "longitude (°E)"}, "range": [lon_min, lon_max]},
        yaxis={
            "title": {"text": "latitude (°N)"},
            "range": [lat_min, lat_max],
            "scaleanchor": "x",
            "scaleratio": 1.0 / math.cos(math.radians(mid)),
        },
    )


def html_table(columns: Sequence[str], rows: Sequence[Sequence[Any]]) -> str:
    """A plain HTML table; numbers right-aligned."""
    head = "".join(f"<th>{html.escape(str(c))}</th>" for c in columns)
    body = []
    for r in rows:
        cells = []
        for v in r:
            if isinstance(v, float | int | np.floating | np.integer) and not isinstance(v, bool):
                cells.append(f'<td class="num">{_num(v)}</td>')
            else:
                cells.append(f"<td>{html.escape(str(v))}</td>")
        body.append("<tr>" + "".join(cells) + "</tr>")
    return f"<table><tr>{head}</tr>{''.join(body)}</table>"


ATTRIBUTION_NOTE = f'<p class="note">Borders: {html.escape(ATTRIBUTION)}.</p>'


def _num(v: Any) -> str:
    f = float(v)
    if math.isnan(f):
        return ""
    if f == int(f) and abs(f) < 1e12:
        return f"{int(f):,}"
    return f"{f:,.3f}"


def _clean(v: Any) -> Any:
    if isinstance(v, dict):
        return {str(k): _clean(x) for k, x in v.items()}
    if isinstance(v, list | tuple):
        return [_clean(x) for x in v]
    if isinstance(v, np.generic):
        v = v.item()
    if isinstance(v, float) and not math.isfinite(v):
        return None
    return v
