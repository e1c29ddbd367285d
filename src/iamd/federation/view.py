"""A node's live view: a web page served by the node on 127.0.0.1.

``GET /`` is a self-contained page (no external script, map tiles or fonts): a plan view of
the federated picture (an SVG, longitude/latitude), a track table in STANAG 1241 / APP-6
standard-identity colours (hostile red, suspect orange, neutral green, friend and assumed
friend blue, unknown and pending yellow), with the reporting nation, track quality, any
identity conflict and who engages the track (the nation from the node's `EngagementBoard`,
with the unit when it is one of the node's own), and the node's recent events
(reporting-responsibility changes, correlations, conflicts, engagement declarations and
hand-overs, and the node's threat evaluation and weapon assignment: ``tewa_engage``,
``tewa_refused``, ``tewa_end`` with its reason, ``assessed`` for a kill assessment). An
engaged track is ringed in the plan view. The page fetches ``GET /picture.json`` every
second and redraws.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Callable
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import numpy as np

from iamd.identify.truth_identity import STANDARD_IDENTITIES

COLOURS = {
    "pending": "#ffff80",
    "unknown": "#ffff80",
    "assumed_friend": "#80e0ff",
    "friend": "#80e0ff",
    "neutral": "#aaffaa",
    "suspect": "#ffb060",
    "hostile": "#ff8080",
}
"""Fill colours of the standard identities (APP-6 light fills; suspect as hostile's
orange variant)."""
EVENT_KINDS = (
    "r2_takeover", "r2_transfer", "r2_relinquish", "correlate", "decorrelate",
    "identity_conflict", "peer_lost", "peer_joined", "engage", "engage_conflict", "handover",
    "tewa_engage", "tewa_refused", "tewa_end",
)  # fmt: skip
"""Events the page lists."""
RECENT_EVENTS = 50
"""The page lists this many recent events of the picture, and as many of the engagements
(the board's and the node's TEWA decisions), so that neither crowds the other out."""

PAGE = """<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><title>iamd node NATION</title>
<style>
body { font-family: system-ui, sans-serif; margin: 1em; color: #222; }
#map { border: 1px solid #999; background: #f4f7fb; }
table { border-collapse: collapse; font-size: 0.85em; margin-top: 0.6em; }
th, td { border: 1px solid #ccc; padding: 0.15em 0.5em; }
td.conflict, td.engaged { font-weight: bold; color: #b00; }
#events { font-size: 0.85em; max-height: 14em; overflow: auto; }
</style></head><body>
<h1>iamd node <span id="nation">NATION</span></h1>
<p id="summary">waiting for the picture…</p>
<svg id="map" width="640" height="400" viewBox="0 0 640 400"></svg>
<table id="tracks"><thead><tr><th>track</th><th>reporter</th><th>identity</th><th>TQ</th>
<th>lat</th><th>lon</th><th>alt m</th><th>conflict</th><th>engaged by</th></tr></thead>
<tbody></tbody></table>
<h2>Events</h2><ol id="events"></ol>
<script>
const COLOURS = COLOUR_JSON;
function draw(p) {
  document.getElementById("summary").textContent =
    p.tracks.length + " tracks at t = " + p.t_s.toFixed(0) + " s; partners " + p.live.join(", ");
  const svg = document.getElementById("map");
  while (svg.firstChild) svg.removeChild(svg.firstChild);
  const lats = p.tracks.map(t => t.lat), lons = p.tracks.map(t => t.lon);
  const la0 = Math.min(...lats, 90), la1 = Math.max(...lats, -90);
  const lo0 = Math.min(...lons, 180), lo1 = Math.max(...lons, -180);
  const sx = 600 / Math.max(lo1 - lo0, 0.01), sy = 360 / Math.max(la1 - la0, 0.01);
  const body = document.querySelector("#tracks tbody");
  body.innerHTML = "";
  for (const t of p.tracks) {
    const c = document.createElementNS("http://www.w3.org/2000/svg", "circle");
    c.setAttribute("cx", 20 + (t.lon - lo0) * sx); c.setAttribute("cy", 380 - (t.lat - la0) * sy);
    c.setAttribute("r", 5); c.setAttribute("fill", COLOURS[t.identity]);
    c.setAttribute("stroke", t.engaged ? "#b00" : "#333"); c.setAttribute("data-track", t.number);
    if (t.engaged) { c.setAttribute("stroke-width", 3); c.setAttribute("data-engaged", t.engaged); }
    svg.appendChild(c);
    const tr = document.createElement("tr");
    tr.setAttribute("data-track", t.number);
    tr.style.background = COLOURS[t.identity];
    for (const v of [t.number, t.reporter, t.identity, t.quality, t.lat.toFixed(3),
                     t.lon.toFixed(3), t.alt.toFixed(0), t.conflict ? "yes" : "", t.engaged]) {
      const td = document.createElement("td"); td.textContent = v; tr.appendChild(td);
    }
    if (t.conflict) tr.children[7].className = "conflict";
    if (t.engaged) tr.lastChild.className = "engaged";
    body.appendChild(tr);
  }
  const ol = document.getElementById("events");
  ol.innerHTML = "";
  for (const e of p.events) {
    const li = document.createElement("li");
    li.textContent = e.kind + " " + (e.number || "") + ": " + e.detail;
    li.setAttribute("data-kind", e.kind);
    ol.appendChild(li);
  }
  document.body.setAttribute("data-ready", p.tracks.length);
}
async function poll() {
  try { draw(await (await fetch("picture.json")).json()); } catch (e) { console.error(e); }
  setTimeout(poll, 1000);
}
poll();
</script></body></html>
"""


def picture_json(node: Any) -> dict[str, Any]:
    """The node's picture, live partners and recent events as JSON-able data.

    Each track carries ``engaged``: the nation engaging it on the node's board, followed by
    the unit's id when it is one of the node's own (``"ROU ro_patriot_constanta"``), or
    ``""``. ``events`` are the last :data:`RECENT_EVENTS` events of the picture, then the
    last as many of the engagements: the board's and the node's TEWA decisions, in time
    order (both are on the scenario's clock; at one time the node's decisions come first,
    then the board's declarations).
    """
    from iamd.geo.wgs84 import ecef_to_lla

    pic = node.picture.picture
    tracks: list[dict[str, Any]] = []
    if pic is not None and len(pic):
        lat, lon, alt = ecef_to_lla(pic.state[:, :3])
        roster = node.roster
        engaged = _engaged(node, pic.number.tolist())
        for i in range(len(pic)):  # a loop over the displayed tracks, once a second
            tracks.append({
                "number": int(pic.number[i]), "reporter": roster[int(pic.reporter[i])],
                "identity": STANDARD_IDENTITIES[int(pic.identity[i])],
                "quality": int(pic.quality[i]), "lat": float(np.degrees(lat[i])),
                "lon": float(np.degrees(lon[i])), "alt": float(alt[i]),
                "conflict": bool(pic.conflict[i]), "engaged": engaged[i],
            })  # fmt: skip
    shown = [
        _recent(node.picture.events),
        sorted([*_recent(node.tewa.events), *_recent(node.board.events)],
               key=lambda e: e.t_s)[-RECENT_EVENTS:],  # stable: the decisions first
    ]  # fmt: skip
    events = [
        {"t_s": e.t_s, "kind": e.kind, "number": e.number, "detail": e.detail}
        for part in shown
        for e in part
    ]
    return {"nation": node.nation, "t_s": float(node.t_s), "tracks": tracks,
            "live": node.live_partners, "events": events}  # fmt: skip


def serve(port: int, nation: str, data: Callable[[], dict[str, Any]]) -> ThreadingHTTPServer:
    """Serve the page and its JSON on ``127.0.0.1:port`` (0: a free port) from a thread."""
    page = PAGE.replace("NATION", nation).replace("COLOUR_JSON", json.dumps(COLOURS)).encode()

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            if self.path in ("/", "/index.html"):
                body, kind = page, "text/html; charset=utf-8"
            elif self.path == "/picture.json":
                body, kind = json.dumps(data()).encode(), "application/json"
            else:
                self.send_error(404)
                return
            self.send_response(200)
            self.send_header("Content-Type", kind)
            self.send_header("Content-Length", str(len(body)))
            self.send_header("Cache-Control", "no-store")
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args: object) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", port), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server


def _recent(events: list[Any]) -> list[Any]:
    """The last :data:`RECENT_EVENTS` events of ``events`` of a kind the page lists."""
    return [e for e in events[-40 * RECENT_EVENTS :] if e.kind in EVENT_KINDS][-RECENT_EVENTS:]


def _engaged(node: Any, numbers: list[int]) -> list[str]:
    """Who engages each of track ``numbers`` (see :func:`picture_json`). Read while the
    node's loop may change them: the board answers for all the numbers from one of its
    states (it swaps each new state in whole) and the TEWA copies its engagements at once."""
    own = node.tewa.engaging
    out = []
    for n, nation in zip(numbers, node.board.engagers(numbers), strict=True):  # once a second
        unit = own.get(n, "") if nation == node.nation else ""
        out.append(f"{nation or ''} {unit}".strip())
    return out
