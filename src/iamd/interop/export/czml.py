"""CZML for Cesium: a time-animated 3-D replay of a run.

CZML (Cesium Language, https://github.com/AnalyticalGraphicsInc/czml-writer/wiki/CZML-Guide)
is a JSON array of packets; the first, ``document``, holds the clock (the run's span, looping,
10× real time). Built with the ``czml3`` models, so every packet is validated on the way out.

Packets (ids are stable, so a later packet may update one):

- ``asset/NAME``, ``radar/ID``, ``unit/ID``: a point and label at the site (friend colour),
  with its range rings as outlines at ground level (``…/ring/WHAT``: radar ``detection``,
  fire unit ``air`` and ``bmd``, asset ``footprint``); ``properties`` hold the SIDC.
- ``truth/ID``: each object's true flight, sampled in 3-D (``cartographicDegrees``: seconds
  after the epoch, longitude, latitude, height above the ellipsoid), linear interpolation,
  available from launch to its end (intercept, impact or landing); a path in the class's
  colour trails it. A ballistic missile's apogee is one of the samples, and ``apogee/ID`` marks
  it with a label from the moment it is reached.
- ``track/PICTURE/N``: each track of the picture, its point and label coloured by its STANAG
  1241 identity over time (MIL-STD-2525 colours, :mod:`.symbols`), the label
  ``PICTURE N IDENTITY``; ``properties.sidc`` changes with the identity.
- ``shot/SEQ``: an engagement, a line from the unit to the intercept point while the salvo
  flies (green for a kill, orange for a miss).
- ``intercept/K``, ``miss/K``, ``impact/K``: the events at their time and place (green, orange
  and red points), shown from that moment on; an impact's label names the assets hit.
"""

from __future__ import annotations

from typing import Any

from czml3 import Document, Packet
from czml3.enums import (
    ArcTypes,
    ClockRanges,
    ClockSteps,
    HorizontalOrigins,
    InterpolationAlgorithms,
)
from czml3.properties import (
    Clock,
    Color,
    Label,
    Path,
    Point,
    Polyline,
    PolylineMaterial,
    Position,
    PositionList,
    SolidColorMaterial,
)
from czml3.types import Cartesian2Value, IntervalValue, TimeInterval, TimeIntervalCollection

from iamd.interop.export import symbols as sym
from iamd.interop.export.scene import Scene

KILL_RGB = (0, 200, 0)
MISS_RGB = (255, 160, 0)
IMPACT_RGB = (220, 0, 0)
LABEL_S = 60.0
"""How long an event's label shows after it (s); its point stays to the end."""


def scene_to_czml(scene: Scene) -> str:
    """The CZML document of a scene, as JSON text (one packet a line, full float precision)."""
    return build_document(scene).model_dump_json(exclude_none=True, indent=None)


def build_document(scene: Scene) -> Document:
    """The validated ``czml3`` document of a scene."""
    start, end = scene.iso(0.0), scene.iso(scene.duration_s)
    whole = TimeInterval(start=start, end=end)
    packets: list[Packet] = [
        Packet(
            id="document",
            name=f"iamd {scene.name} (seed {scene.seed}, policy {scene.policy})",
            version="1.0",
            clock=Clock(
                interval=whole,
                currentTime=start,
                multiplier=10.0,
                range=ClockRanges.LOOP_STOP,
                step=ClockSteps.SYSTEM_CLOCK_MULTIPLIER,
            ),
        )
    ]
    packets += _site_packets(scene)
    packets += _trajectory_packets(scene)
    packets += _track_packets(scene)
    packets += _event_packets(scene)
    return Document(packets=packets)


def _rgba(rgb: tuple[int, int, int], alpha: int = 255) -> list[int]:
    return [rgb[0], rgb[1], rgb[2], alpha]


def _deg(lon: float, lat: float, alt: float) -> list[float]:
    return [float(lon), float(lat), float(alt)]


def _site_packets(scene: Scene) -> list[Packet]:
    out: list[Packet] = []
    role_prefix = {"asset": "asset", "radar": "radar", "fire_unit": "unit"}
    for site in scene.sites:
        pid = f"{role_prefix[site.role]}/{site.id}"
        hit = bool(site.properties.get("hit", False))
        out.append(
            Packet(
                id=pid,
                name=site.label,
                description=_description(
                    {
                        "role": site.role,
                        "nation": site.nation,
                        "type": site.type,
                        "sidc": site.sidc,
                        **site.properties,
                    }
                ),
                position=Position(cartographicDegrees=_deg(site.lon_deg, site.lat_deg, site.alt_m)),
                point=Point(
                    pixelSize=10.0 if site.role == "asset" else 8.0,
                    color=Color(rgba=_rgba(sym.FRIEND_RGB)),
                    outlineColor=Color(rgba=_rgba(IMPACT_RGB if hit else (0, 0, 0))),
                    outlineWidth=3.0 if hit else 1.0,
                ),
                label=Label(
                    text=site.label,
                    font="11px sans-serif",
                    pixelOffset=Cartesian2Value(values=[0, -16]),
                    fillColor=Color(rgba=[255, 255, 255, 255]),
                ),
                properties={"sidc": site.sidc, "role": site.role, "nation": site.nation},
            )
        )
        for ring in site.rings:
            coords: list[float] = []
            for lon, lat in zip(ring.lon_deg, ring.lat_deg, strict=True):
                coords += [lon, lat, 0.0]
            rgb = {"detection": (255, 255, 255), "bmd": (255, 80, 80)}.get(
                ring.what, sym.FRIEND_RGB
            )
            out.append(
                Packet(
                    id=f"{pid}/ring/{ring.what}",
                    name=f"{site.label} {ring.what} range {ring.range_m / 1e3:.0f} km",
                    parent=pid,
                    polyline=Polyline(
                        positions=PositionList(cartographicDegrees=coords),
                        width=1.5,
                        material=PolylineMaterial(
                            solidColor=SolidColorMaterial(color=Color(rgba=_rgba(rgb, 160)))
                        ),
                        clampToGround=True,
                    ),
                )
            )
    return out


def _samples(t: list[float], lon: list[float], lat: list[float], alt: list[float]) -> list[float]:
    out: list[float] = []
    for a, b, c, d in zip(t, lon, lat, alt, strict=True):
        out += [float(a), float(b), float(c), float(d)]
    return out


def _trajectory_packets(scene: Scene) -> list[Packet]:
    epoch = scene.iso(0.0)
    out: list[Packet] = []
    for tr in scene.trajectories:
        rgb = sym.CLASS_RGB.get(tr.cls, (200, 200, 200))
        span = TimeInterval(start=scene.iso(tr.t_s[0]), end=scene.iso(tr.t_s[-1]))
        out.append(
            Packet(
                id=f"truth/{tr.id}",
                name=tr.id,
                description=_description(
                    {
                        "class": tr.cls,
                        "type": tr.type,
                        "group": tr.group,
                        "fate": tr.fate,
                        "apogee_m": tr.apogee_m,
                    }
                ),
                availability=span,
                position=Position(
                    epoch=epoch,
                    cartographicDegrees=_samples(tr.t_s, tr.lon_deg, tr.lat_deg, tr.alt_m),
                    interpolationAlgorithm=InterpolationAlgorithms.LINEAR,
                    interpolationDegree=1,
                ),
                point=Point(pixelSize=5.0, color=Color(rgba=_rgba(rgb))),
                path=Path(
                    width=1.5,
                    leadTime=0.0,
                    trailTime=float(tr.t_s[-1] - tr.t_s[0]) + 1.0,
                    resolution=10.0,
                    material=PolylineMaterial(
                        solidColor=SolidColorMaterial(color=Color(rgba=_rgba(rgb, 200)))
                    ),
                ),
                properties={"class": tr.cls, "fate": tr.fate},
            )
        )
        if tr.cls == "ballistic_missile":
            k = tr.apogee_index
            out.append(
                Packet(
                    id=f"apogee/{tr.id}",
                    name=f"{tr.id} apogee",
                    parent=f"truth/{tr.id}",
                    availability=TimeInterval(
                        start=scene.iso(tr.t_s[k]), end=scene.iso(tr.t_s[-1])
                    ),
                    position=Position(
                        cartographicDegrees=_deg(tr.lon_deg[k], tr.lat_deg[k], tr.alt_m[k])
                    ),
                    point=Point(pixelSize=6.0, color=Color(rgba=_rgba((255, 255, 255)))),
                    label=Label(
                        text=f"apogee {tr.apogee_m / 1e3:.0f} km",
                        font="11px sans-serif",
                        pixelOffset=Cartesian2Value(values=[0, -14]),
                        fillColor=Color(rgba=[255, 255, 255, 255]),
                    ),
                )
            )
    return out


def _track_packets(scene: Scene) -> list[Packet]:
    epoch = scene.iso(0.0)
    out: list[Packet] = []
    for tp in scene.tracks:
        colours: list[IntervalValue] = []
        labels: list[IntervalValue] = []
        sidcs: list[IntervalValue] = []
        for t0, t1, ident, cls in tp.runs:
            iv = {"start": scene.iso(t0), "end": scene.iso(t1)}
            colours.append(IntervalValue(**iv, value={"rgba": _rgba(sym.IDENTITY_RGB[ident])}))
            text = f"{tp.picture} {tp.number} {ident.replace('_', ' ')}" + (
                f" {cls}" if cls else ""
            )
            labels.append(IntervalValue(**iv, value={"string": text}))
            sidcs.append(IntervalValue(**iv, value={"string": sym.air_sidc(ident, cls)}))
        span = TimeInterval(start=scene.iso(tp.t_s[0]), end=scene.iso(tp.t_s[-1]))
        out.append(
            Packet(
                id=f"track/{tp.picture}/{tp.number}",
                name=f"{tp.picture} track {tp.number}",
                description=_description(
                    {
                        "picture": tp.picture,
                        "number": tp.number,
                        "follows": tp.entity or "(false track)",
                        "identities": " → ".join(f"{r[2]} at {r[0]:.0f} s" for r in tp.runs),
                    }
                ),
                availability=span,
                position=Position(
                    epoch=epoch,
                    cartographicDegrees=_samples(tp.t_s, tp.lon_deg, tp.lat_deg, tp.alt_m),
                    interpolationAlgorithm=InterpolationAlgorithms.LINEAR,
                    interpolationDegree=1,
                ),
                point=Point(
                    pixelSize=9.0,
                    color=TimeIntervalCollection(values=colours),
                    outlineColor=Color(rgba=[0, 0, 0, 255]),
                    outlineWidth=1.0,
                ),
                label=Label(
                    text=TimeIntervalCollection(values=labels),
                    font="11px sans-serif",
                    pixelOffset=Cartesian2Value(values=[12, 0]),
                    horizontalOrigin=HorizontalOrigins.LEFT,
                    fillColor=TimeIntervalCollection(values=colours),
                ),
                properties={
                    "picture": tp.picture,
                    "number": tp.number,
                    "sidc": TimeIntervalCollection(values=sidcs).model_dump(),
                },
            )
        )
    return out


def _event_packets(scene: Scene) -> list[Packet]:
    end = scene.iso(scene.duration_s)
    out: list[Packet] = []
    for shot in scene.shots:
        rgb = KILL_RGB if shot.result == "kill" else MISS_RGB
        out.append(
            Packet(
                id=f"shot/{shot.seq}",
                name=f"{shot.unit} at {shot.entity}",
                availability=TimeInterval(
                    start=scene.iso(shot.t_fire_s), end=scene.iso(shot.t_intercept_s)
                ),
                polyline=Polyline(
                    positions=PositionList(
                        cartographicDegrees=[
                            shot.from_lla[1],
                            shot.from_lla[0],
                            shot.from_lla[2],
                            shot.to_lla[1],
                            shot.to_lla[0],
                            shot.to_lla[2],
                        ]
                    ),
                    width=1.0,
                    arcType=ArcTypes.NONE,
                    material=PolylineMaterial(
                        solidColor=SolidColorMaterial(color=Color(rgba=_rgba(rgb, 220)))
                    ),
                ),
                properties={"result": shot.result, "unit": shot.unit, "object": shot.entity},
            )
        )
    style = {
        "intercept": (KILL_RGB, 12.0),
        "miss": (MISS_RGB, 8.0),
        "impact": (IMPACT_RGB, 12.0),
    }
    counters: dict[str, int] = {}
    for ev in scene.occurrences:
        k = counters.get(ev.kind, 0) + 1
        counters[ev.kind] = k
        rgb, size = style[ev.kind]
        text = {
            "intercept": f"intercept {ev.entity} by {ev.unit}",
            "miss": f"miss {ev.entity} by {ev.unit}",
            "impact": f"leaker {ev.entity}: {ev.detail}",
        }[ev.kind]
        out.append(
            Packet(
                id=f"{ev.kind}/{k}",
                name=text,
                description=_description(
                    {
                        "time": scene.iso(ev.t_s),
                        "t_s": ev.t_s,
                        "object": ev.entity,
                        "unit": ev.unit,
                        "nation": ev.nation,
                        "detail": ev.detail,
                        "value": ev.value,
                    }
                ),
                availability=TimeInterval(start=scene.iso(ev.t_s), end=end),
                position=Position(cartographicDegrees=_deg(ev.lon_deg, ev.lat_deg, ev.alt_m)),
                point=Point(
                    pixelSize=size,
                    color=Color(rgba=_rgba(rgb)),
                    outlineColor=Color(rgba=[255, 255, 255, 255]),
                    outlineWidth=1.0,
                ),
                label=Label(
                    text=text,
                    font="10px sans-serif",
                    pixelOffset=Cartesian2Value(values=[0, 16]),
                    fillColor=Color(rgba=_rgba(rgb)),
                    show=_label_shown(scene, ev.t_s, LABEL_S),
                ),
                properties={"kind": ev.kind, "object": ev.entity},
            )
        )
    return out


def _label_shown(scene: Scene, t_s: float, seconds: float) -> TimeIntervalCollection:
    """Shown for ``seconds`` from ``t_s``, hidden after it (to the end of the run)."""
    off = min(t_s + seconds, scene.duration_s)
    values = [IntervalValue(start=scene.iso(t_s), end=scene.iso(off), value={"boolean": True})]
    if off < scene.duration_s:
        values.append(
            IntervalValue(
                start=scene.iso(off), end=scene.iso(scene.duration_s), value={"boolean": False}
            )
        )
    return TimeIntervalCollection(values=values)


def _description(fields: dict[str, Any]) -> str:
    """A small HTML table for Cesium's info box."""
    from html import escape

    rows = "".join(
        f"<tr><th>{escape(str(k))}</th><td>{escape(str(v))}</td></tr>"
        for k, v in fields.items()
        if v is not None
    )
    return f"<table>{rows}</table>"
