"""GeoJSON (RFC 7946) for any GIS: one ``FeatureCollection`` of the run, plain JSON.

Coordinates are ``[longitude, latitude, height]`` (WGS84 degrees, metres above the
ellipsoid; RFC 7946 §3.1.1), polygons' exterior rings counter-clockwise (§3.1.6), full float
precision. Every feature's ``properties.layer`` says what it is:

- ``asset``, ``radar``, ``fire_unit`` (Point): ``id``, ``label``, ``nation``, ``type``,
  ``kind``, ``sidc`` and the site's figures (``value``, ``radius_km``, ``hit``;
  ``detection_range_m``, ``scan_period_s``; ``max_range_m``, ``max_range_bm_m``, ...).
- ``coverage`` (Polygon): ``site``, ``role``, ``nation``, ``what`` (``detection``, ``air``,
  ``bmd``, ``footprint``), ``range_m``.
- ``trajectory`` (LineString): ``id``, ``class``, ``type``, ``group``, ``fate``, ``t_s`` (per
  vertex), ``time_start``, ``time_end``, ``apogee_m``, ``apogee_index``, ``colour``.
- ``track`` (LineString; a Point if it has one update): ``uid``, ``picture``, ``number``,
  ``follows``, ``t_s``, ``identities`` and ``classes`` (per vertex), ``identity_runs``, the
  final ``identity``, ``class``, ``sidc`` and ``colour``.
- ``engagement`` (LineString, unit to intercept point): ``seq``, ``unit``, ``object``,
  ``result``, ``t_fire_s``, ``t_intercept_s``.
- ``intercept``, ``miss``, ``impact`` (Point): ``t_s``, ``time``, ``object``, ``unit``,
  ``nation``, ``detail``, ``value``.
"""

from __future__ import annotations

import json
from typing import Any

from iamd.interop.export import symbols as sym
from iamd.interop.export.scene import Scene


def scene_to_geojson(scene: Scene) -> str:
    """The GeoJSON text of a scene (no NaN: RFC 8259 JSON)."""
    return json.dumps(build_collection(scene), allow_nan=False, ensure_ascii=False) + "\n"


def _feature(geometry: dict[str, Any], properties: dict[str, Any]) -> dict[str, Any]:
    return {"type": "Feature", "geometry": geometry, "properties": properties}


def _line(lon: list[float], lat: list[float], alt: list[float]) -> dict[str, Any]:
    coords = [[a, b, c] for a, b, c in zip(lon, lat, alt, strict=True)]
    if len(coords) == 1:
        return {"type": "Point", "coordinates": coords[0]}
    return {"type": "LineString", "coordinates": coords}


def build_collection(scene: Scene) -> dict[str, Any]:
    """The ``FeatureCollection`` of a scene as a dict."""
    feats: list[dict[str, Any]] = []
    for site in scene.sites:
        props = {
            "layer": site.role,
            "id": site.id,
            "label": site.label,
            "nation": site.nation,
            "type": site.type,
            "kind": site.kind,
            "sidc": site.sidc,
            **site.properties,
        }
        feats.append(
            _feature(
                {"type": "Point", "coordinates": [site.lon_deg, site.lat_deg, site.alt_m]}, props
            )
        )
        for ring in site.rings:
            ring_coords = [[lo, la] for lo, la in zip(ring.lon_deg, ring.lat_deg, strict=True)]
            feats.append(
                _feature(
                    {"type": "Polygon", "coordinates": [ring_coords]},
                    {
                        "layer": "coverage",
                        "site": site.id,
                        "role": site.role,
                        "nation": site.nation,
                        "what": ring.what,
                        "range_m": ring.range_m,
                    },
                )
            )
    for tr in scene.trajectories:
        feats.append(
            _feature(
                _line(tr.lon_deg, tr.lat_deg, tr.alt_m),
                {
                    "layer": "trajectory",
                    "id": tr.id,
                    "class": tr.cls,
                    "type": tr.type,
                    "group": tr.group,
                    "fate": tr.fate,
                    "t_s": tr.t_s,
                    "time_start": scene.iso(tr.t_s[0]),
                    "time_end": scene.iso(tr.t_s[-1]),
                    "apogee_m": tr.apogee_m,
                    "apogee_index": tr.apogee_index,
                    "colour": sym.rgb_hex(sym.CLASS_RGB.get(tr.cls, (200, 200, 200))),
                },
            )
        )
    for tp in scene.tracks:
        final = tp.identity[-1]
        feats.append(
            _feature(
                _line(tp.lon_deg, tp.lat_deg, tp.alt_m),
                {
                    "layer": "track",
                    "uid": tp.uid,
                    "picture": tp.picture,
                    "number": tp.number,
                    "follows": tp.entity,
                    "t_s": tp.t_s,
                    "identity": final,
                    "class": tp.cls[-1],
                    "sidc": sym.air_sidc(final, tp.cls[-1]),
                    "colour": sym.rgb_hex(sym.IDENTITY_RGB[final]),
                    "identities": tp.identity,
                    "classes": tp.cls,
                    "identity_runs": [
                        {
                            "t_start_s": a,
                            "t_end_s": b,
                            "identity": w,
                            "class": c,
                            "sidc": sym.air_sidc(w, c),
                        }
                        for a, b, w, c in tp.runs
                    ],
                    "time_start": scene.iso(tp.t_s[0]),
                    "time_end": scene.iso(tp.t_s[-1]),
                },
            )
        )
    for shot in scene.shots:
        feats.append(
            _feature(
                {
                    "type": "LineString",
                    "coordinates": [
                        [shot.from_lla[1], shot.from_lla[0], shot.from_lla[2]],
                        [shot.to_lla[1], shot.to_lla[0], shot.to_lla[2]],
                    ],
                },
                {
                    "layer": "engagement",
                    "seq": shot.seq,
                    "unit": shot.unit,
                    "object": shot.entity,
                    "result": shot.result,
                    "t_fire_s": shot.t_fire_s,
                    "t_intercept_s": shot.t_intercept_s,
                },
            )
        )
    for ev in scene.occurrences:
        feats.append(
            _feature(
                {"type": "Point", "coordinates": [ev.lon_deg, ev.lat_deg, ev.alt_m]},
                {
                    "layer": ev.kind,
                    "t_s": ev.t_s,
                    "time": scene.iso(ev.t_s),
                    "object": ev.entity,
                    "unit": ev.unit,
                    "nation": ev.nation,
                    "detail": ev.detail,
                    "value": ev.value,
                },
            )
        )
    return {
        "type": "FeatureCollection",
        "name": scene.name,
        "properties": {
            "scenario": scene.name,
            "epoch": scene.iso(0.0),
            "seed": scene.seed,
            "policy": scene.policy,
            "duration_s": scene.duration_s,
        },
        "features": feats,
    }
