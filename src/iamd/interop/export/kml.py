"""KML 2.2 (OGC 07-147r2) for Google Earth, built with ``simplekml``.

One ``Document`` with a folder per layer, each placemark styled by a shared style:

- **Defended assets**, **Radars**, **Fire units**: points (clamped to the ground) with the
  site's role, nation, type, SIDC and figures in ``ExtendedData``.
- **Coverage**: the range rings as ground-level outlines (radar ``detection``, fire unit
  ``air`` and ``bmd``, asset ``footprint``).
- **Trajectories**: each object's true flight as a 3-D ``LineString`` (``absolute``
  altitudes above the ellipsoid, ballistic apogees included) with a ``TimeSpan`` from launch
  to its end, coloured by class.
- **Tracks**: each track as ``gx:Track`` placemarks, one per run of constant STANAG 1241
  identity, coloured by it (MIL-STD-2525 colours, :mod:`.symbols`), so that Google Earth's
  time slider animates the picture and its identity changes.
- **Engagements**: a line from the unit to the intercept point over the salvo's flight.
- **Intercepts**, **Misses**, **Leakers**: points at their place with a ``TimeStamp``.

Times are UTC (``Z``), scenario epoch + t; coordinates are ``lon,lat,alt`` in full precision.
"""

from __future__ import annotations

import re
from typing import Any

import simplekml  # type: ignore[import-untyped]

from iamd.interop.export import symbols as sym
from iamd.interop.export.czml import IMPACT_RGB, KILL_RGB, MISS_RGB
from iamd.interop.export.scene import Scene

ROLE_FOLDER = {"asset": "Defended assets", "radar": "Radars", "fire_unit": "Fire units"}


def _colour(rgb: tuple[int, int, int], alpha: int = 255) -> str:
    return str(simplekml.Color.rgb(rgb[0], rgb[1], rgb[2], alpha))


def _point_style(rgb: tuple[int, int, int], scale: float = 1.0) -> simplekml.Style:
    st = simplekml.Style()
    st.iconstyle.color = _colour(rgb)
    st.iconstyle.scale = scale
    st.iconstyle.icon.href = "http://maps.google.com/mapfiles/kml/shapes/placemark_circle.png"
    st.labelstyle.scale = 0.7
    return st


def _line_style(rgb: tuple[int, int, int], width: float, alpha: int = 255) -> simplekml.Style:
    st = simplekml.Style()
    st.linestyle.color = _colour(rgb, alpha)
    st.linestyle.width = width
    st.iconstyle.color = _colour(rgb, alpha)
    st.iconstyle.icon.href = "http://maps.google.com/mapfiles/kml/shapes/airports.png"
    st.iconstyle.scale = 0.6
    return st


def _data(feature: Any, fields: dict[str, object]) -> None:
    for k, v in fields.items():
        if v is not None:
            feature.extendeddata.newdata(name=k, value=str(v))


def scene_to_kml(scene: Scene) -> str:
    """The KML document of a scene (UTF-8 text)."""
    simplekml.Kml.resetidcounter()  # ids count from 0: the same scene gives the same bytes
    kml = simplekml.Kml(name=f"iamd {scene.name} (seed {scene.seed}, policy {scene.policy})")
    doc = kml.document
    doc.description = (
        f"Scenario {scene.name}, epoch {scene.iso(0.0)}, duration {scene.duration_s:g} s. "
        "All parameters are public, approximate and unclassified."
    )
    folders = {
        name: kml.newfolder(name=name)
        for name in (
            "Defended assets",
            "Radars",
            "Fire units",
            "Coverage",
            "Trajectories",
            "Tracks",
            "Engagements",
            "Intercepts",
            "Misses",
            "Leakers",
        )
    }
    site_style = _point_style(sym.FRIEND_RGB)
    hit_style = _point_style(IMPACT_RGB, 1.3)
    ring_styles = {
        "detection": _line_style((255, 255, 255), 1.0, 160),
        "air": _line_style(sym.FRIEND_RGB, 1.5, 200),
        "bmd": _line_style((255, 80, 80), 1.5, 200),
        "footprint": _line_style(sym.FRIEND_RGB, 1.0, 200),
    }
    for site in scene.sites:
        p = folders[ROLE_FOLDER[site.role]].newpoint(
            name=site.label, coords=[(site.lon_deg, site.lat_deg, site.alt_m)]
        )
        p.style = hit_style if site.properties.get("hit") else site_style
        _data(
            p,
            {
                "role": site.role,
                "nation": site.nation,
                "type": site.type,
                "sidc": site.sidc,
                **site.properties,
            },
        )
        for ring in site.rings:
            line = folders["Coverage"].newlinestring(
                name=f"{site.label} {ring.what} range {ring.range_m / 1e3:.0f} km",
                coords=[(lo, la, 0.0) for lo, la in zip(ring.lon_deg, ring.lat_deg, strict=True)],
            )
            line.altitudemode = simplekml.AltitudeMode.clamptoground
            line.tessellate = 1
            line.style = ring_styles[ring.what]
            _data(line, {"site": site.id, "what": ring.what, "range_m": ring.range_m})
    class_styles = {c: _line_style(rgb, 2.0) for c, rgb in sym.CLASS_RGB.items()}
    for tr in scene.trajectories:
        line = folders["Trajectories"].newlinestring(
            name=tr.id,
            coords=list(zip(tr.lon_deg, tr.lat_deg, tr.alt_m, strict=True)),
        )
        line.altitudemode = simplekml.AltitudeMode.absolute
        line.style = class_styles.get(tr.cls, _line_style((200, 200, 200), 2.0))
        line.timespan.begin = scene.iso(tr.t_s[0])
        line.timespan.end = scene.iso(tr.t_s[-1])
        _data(
            line,
            {
                "class": tr.cls,
                "type": tr.type,
                "group": tr.group,
                "fate": tr.fate,
                "apogee_m": tr.apogee_m,
            },
        )
    ident_styles = {w: _line_style(rgb, 2.5) for w, rgb in sym.IDENTITY_RGB.items()}
    for tp in scene.tracks:
        folder = folders["Tracks"].newfolder(name=f"{tp.picture} track {tp.number}")
        for t0, t1, ident, cls in tp.runs:
            idx = [k for k, t in enumerate(tp.t_s) if t0 <= t <= t1]
            if not idx:
                continue
            trk = folder.newgxtrack(name=f"{tp.picture} {tp.number} {ident}")
            trk.altitudemode = simplekml.AltitudeMode.absolute
            trk.newwhen([scene.iso(tp.t_s[k]) for k in idx])
            trk.newgxcoord([(tp.lon_deg[k], tp.lat_deg[k], tp.alt_m[k]) for k in idx])
            trk.style = ident_styles[ident]
            _data(
                trk,
                {
                    "picture": tp.picture,
                    "number": tp.number,
                    "identity": ident,
                    "class": cls,
                    "sidc": sym.air_sidc(ident, cls),
                    "follows": tp.entity or "(false track)",
                },
            )
    shot_styles = {"kill": _line_style(KILL_RGB, 1.0), "miss": _line_style(MISS_RGB, 1.0)}
    for shot in scene.shots:
        line = folders["Engagements"].newlinestring(
            name=f"{shot.unit} at {shot.entity}",
            coords=[
                (shot.from_lla[1], shot.from_lla[0], shot.from_lla[2]),
                (shot.to_lla[1], shot.to_lla[0], shot.to_lla[2]),
            ],
        )
        line.altitudemode = simplekml.AltitudeMode.absolute
        line.style = shot_styles.get(shot.result, shot_styles["miss"])
        line.timespan.begin = scene.iso(shot.t_fire_s)
        line.timespan.end = scene.iso(shot.t_intercept_s)
        _data(line, {"result": shot.result, "unit": shot.unit, "object": shot.entity})
    ev_folder = {"intercept": "Intercepts", "miss": "Misses", "impact": "Leakers"}
    ev_style = {
        "intercept": _point_style(KILL_RGB, 1.2),
        "miss": _point_style(MISS_RGB, 0.9),
        "impact": _point_style(IMPACT_RGB, 1.2),
    }
    for ev in scene.occurrences:
        name = {
            "intercept": f"intercept {ev.entity} by {ev.unit}",
            "miss": f"miss {ev.entity} by {ev.unit}",
            "impact": f"leaker {ev.entity}",
        }[ev.kind]
        p = folders[ev_folder[ev.kind]].newpoint(
            name=name, coords=[(ev.lon_deg, ev.lat_deg, ev.alt_m)]
        )
        p.altitudemode = simplekml.AltitudeMode.absolute
        p.timestamp.when = scene.iso(ev.t_s)
        p.style = ev_style[ev.kind]
        _data(
            p,
            {
                "t_s": ev.t_s,
                "object": ev.entity,
                "unit": ev.unit,
                "nation": ev.nation,
                "detail": ev.detail,
                "value": ev.value,
            },
        )
    text = str(kml.kml(format=False))
    # simplekml numbers its ids from 0; KML's id is an xsd:ID, which must not start with a
    # digit: prefix them (and the style references) with "k"
    text = re.sub(r' id="(\d+)"', r' id="k\1"', text)
    return re.sub(r"<styleUrl>#(\d+)</styleUrl>", r"<styleUrl>#k\1</styleUrl>", text)
