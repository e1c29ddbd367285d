"""The CZML replay opened by CesiumJS in a real headless browser (Debian ``chromium``).

A page served from 127.0.0.1 loads CesiumJS (the npm package ``cesium``'s ``Build/Cesium``,
offline: no imagery, terrain or ion token), loads ``picture.czml`` with ``CzmlDataSource``,
renders frames at the moment of an intercept and at a ballistic missile's apogee, and posts
back what Cesium computed (entities, clock, positions, heights, colours) with every console
error, uncaught exception and rejected promise. The browser runs with SwiftShader's software
WebGL.

Needs ``/usr/bin/chromium`` (``apt-get install -y chromium``) and CesiumJS: the directory
``$IAMD_CESIUM_DIR`` (holding ``Cesium.js``), else a cache under the temporary directory
filled once by ``npm pack cesium@CESIUM_VERSION`` (22 MB); the test is skipped when either
is missing and cannot be fetched.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import tarfile
import tempfile
import threading
from collections.abc import Iterator
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

from iamd.interop.export import FILE_NAMES, TrackRecorder, export_files
from iamd.interop.export import symbols as sym
from iamd.scenario.loader import load_scenario_text
from iamd.sim.engine import run

CESIUM_VERSION = "1.140.0"
CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
TIMEOUT_S = 240.0

SCENARIO = """\
name: export_browser
epoch: 2026-03-10T02:00:00Z
duration_s: 420
time_step_s: 2
seed: 1
nations:
  - {code: ROU, name: Romania}
assets:
  - {name: constanta_port, nation: ROU, lat_deg: 44.17, lon_deg: 28.66, kind: port, value: 8}
sensors:
  - {id: gm400_constanta, type: ground_master_400, nation: ROU, lat_deg: 44.25,
     lon_deg: 28.55, alt_m: 8}
  - {id: tpy2_dobruja, type: an_tpy2, nation: ROU, lat_deg: 43.90, lon_deg: 28.60,
     sector: {center_deg: 110, width_deg: 120}}
effectors:
  - {id: ro_patriot_constanta, type: pac3_mse, nation: ROU, lat_deg: 44.30, lon_deg: 28.40,
     alt_m: 60, sector: {center_deg: 110, width_deg: 120}}
raids:
  - {id: srbm_constanta, type: shahab3, count: 3,
     launch: {lat_deg: 42.0, lon_deg: 33.5, radius_km: 1},
     aim: {asset: constanta_port, spread_km: 0.3}, launch_time_s: 0, spacing_s: 10}
"""

PAGE = """<!doctype html>
<html><head><meta charset="utf-8">
<script>
window.__errors = [];
window.addEventListener("error", (e) => window.__errors.push("error: " + e.message));
window.addEventListener("unhandledrejection",
  (e) => window.__errors.push("unhandled rejection: " + e.reason));
const __consoleError = console.error;
console.error = (...a) => { window.__errors.push("console.error: " + a.join(" "));
                            __consoleError(...a); };
</script>
<script src="Cesium/Cesium.js"></script>
<link href="Cesium/Widgets/widgets.css" rel="stylesheet">
<style>html, body, #c { width: 100%; height: 100%; margin: 0; }</style>
</head><body><div id="c"></div>
<script>
const frame = () => new Promise((ok) => requestAnimationFrame(() => ok()));
async function post(result) {
  result.errors = window.__errors;
  await fetch("/result", {method: "POST", body: JSON.stringify(result)});
}
async function main() {
  const viewer = new Cesium.Viewer("c", {
    baseLayer: false, baseLayerPicker: false, geocoder: false, homeButton: false,
    sceneModePicker: false, navigationHelpButton: false, infoBox: false,
    selectionIndicator: false, fullscreenButton: false,
    contextOptions: {webgl: {preserveDrawingBuffer: true}},
  });
  viewer.scene.renderError.addEventListener((s, e) => window.__errors.push("render: " + e));
  const ds = await Cesium.CzmlDataSource.load("picture.czml");
  await viewer.dataSources.add(ds);
  viewer.clock.shouldAnimate = false;
  const ents = ds.entities.values;
  const at = (iso) => Cesium.JulianDate.fromIso8601(iso);
  const height = (e, t) => {
    const p = e.position.getValue(t);
    return p === undefined ? null : Cesium.Cartographic.fromCartesian(p).height;
  };
  const out = {
    name: ds.name, entities: ents.length,
    start: Cesium.JulianDate.toIso8601(ds.clock.startTime, 0),
    stop: Cesium.JulianDate.toIso8601(ds.clock.stopTime, 0),
    ids: ents.map((e) => e.id),
  };
  const q = JSON.parse(document.getElementById("query").textContent);
  // the intercept: available at its time, not before; render the scene then
  const kill = ds.entities.getById(q.intercept_id);
  const tk = at(q.intercept_time);
  out.intercept_available = kill.isAvailable(tk);
  const later = (t, s) => Cesium.JulianDate.addSeconds(t, s, new Cesium.JulianDate());
  out.intercept_before = kill.isAvailable(later(tk, -5));
  viewer.clock.currentTime = tk;
  for (let i = 0; i < 3; i++) { viewer.scene.render(tk); await frame(); }
  // the ballistic missile at its apogee
  const bm = ds.entities.getById(q.bm_id);
  const ta = at(q.apogee_time);
  out.apogee_height_m = height(bm, ta);
  out.before_apogee_height_m = height(bm, later(ta, -60));
  viewer.clock.currentTime = ta;
  const eye = Cesium.Cartesian3.fromDegrees(q.view_lon, q.view_lat, 2.5e6);
  viewer.camera.setView({destination: eye});
  for (let i = 0; i < 5; i++) { viewer.scene.render(ta); await frame(); }
  // what was drawn: pixels in the ballistic-missile colour (its trajectory and point)
  const img = document.createElement("canvas");
  img.width = viewer.canvas.width; img.height = viewer.canvas.height;
  const g = img.getContext("2d");
  g.drawImage(viewer.canvas, 0, 0);
  const px = g.getImageData(0, 0, img.width, img.height).data;
  let red = 0;
  for (let i = 0; i < px.length; i += 4) {
    if (px[i] > 150 && px[i + 1] < 60 && px[i + 2] < 60) red++;
  }
  out.bm_pixels = red;
  // a hostile track's colour at its end
  const trk = ds.entities.getById(q.track_id);
  const c = trk.point.color.getValue(at(q.track_time));
  out.track_colour = c ? [c.red, c.green, c.blue].map((v) => Math.round(v * 255)) : null;
  out.webgl = viewer.scene.context.webgl2 ? 2 : 1;
  await post(out);
}
main().catch((e) => { window.__errors.push("main: " + e + " " + (e.stack || "")); post({}); });
</script>
<script type="application/json" id="query">QUERY</script>
</body></html>
"""


def _cesium_dir() -> Path | None:
    """``Build/Cesium`` of the npm package: ``$IAMD_CESIUM_DIR`` or a cache filled by npm."""
    env = os.environ.get("IAMD_CESIUM_DIR")
    if env:
        return Path(env) if (Path(env) / "Cesium.js").is_file() else None
    cache = Path(tempfile.gettempdir()) / f"iamd-cesium-{CESIUM_VERSION}"
    build = cache / "package" / "Build" / "Cesium"
    if (build / "Cesium.js").is_file():
        return build
    npm = shutil.which("npm")
    if npm is None:
        return None
    cache.mkdir(parents=True, exist_ok=True)
    try:
        subprocess.run(
            [npm, "pack", f"cesium@{CESIUM_VERSION}", "--silent"],
            cwd=cache,
            check=True,
            capture_output=True,
            timeout=600,
        )
    except (subprocess.SubprocessError, OSError):
        return None
    tgz = cache / f"cesium-{CESIUM_VERSION}.tgz"
    partial = Path(tempfile.mkdtemp(prefix=".partial-", dir=cache))
    with tarfile.open(tgz) as tar:  # extract aside, then move into place: never half a cache
        members = [m for m in tar.getmembers() if m.name.startswith("package/Build/Cesium/")]
        tar.extractall(partial, members=members, filter="data")
    tgz.unlink()
    (partial / "package").replace(cache / "package")
    shutil.rmtree(partial, ignore_errors=True)
    return build if (build / "Cesium.js").is_file() else None


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Path, dict[str, str]]]:
    if CHROMIUM is None:
        pytest.skip("chromium is not installed (apt-get install -y chromium)")
    cesium = _cesium_dir()
    if cesium is None:
        pytest.skip(f"CesiumJS {CESIUM_VERSION} is not available (npm pack cesium)")
    rec = TrackRecorder()
    result = run(load_scenario_text(SCENARIO, "export_browser.yaml"), seed=1, on_step=rec)
    files = export_files(result, ("czml",), rec)
    root = tmp_path_factory.mktemp("czml-site")
    (root / "picture.czml").write_bytes(files[FILE_NAMES["czml"]])
    (root / "Cesium").symlink_to(cesium, target_is_directory=True)
    ev = result.events
    kill = ev[ev["kind"] == "intercept"].iloc[0]
    packets = json.loads(files[FILE_NAMES["czml"]])
    bm = next(p for p in packets if p["id"] == f"truth/{kill['entity']}")
    samples = bm["position"]["cartographicDegrees"]
    k = max(range(len(samples) // 4), key=lambda i: samples[4 * i + 3])
    from datetime import UTC, datetime, timedelta

    epoch = datetime(2026, 3, 10, 2, 0, tzinfo=UTC)

    def iso(t: float) -> str:
        return (epoch + timedelta(seconds=t)).strftime("%Y-%m-%dT%H:%M:%S.%fZ")

    hostile = next(
        p
        for p in packets
        if p["id"].startswith("track/")
        and p["point"]["color"][-1]["rgba"][:3] == list(sym.HOSTILE_RGB)
    )
    track_end = hostile["availability"].split("/")[1]
    query = {
        "intercept_id": "intercept/1",
        "intercept_time": iso(float(kill["t_s"])),
        "bm_id": bm["id"],
        "apogee_time": iso(samples[4 * k]),
        "apogee_m": str(samples[4 * k + 3]),
        "track_id": hostile["id"],
        "track_time": track_end,
        "view_lon": samples[4 * k + 1],
        "view_lat": samples[4 * k + 2],
    }
    (root / "index.html").write_text(PAGE.replace("QUERY", json.dumps(query)), encoding="utf-8")
    yield root, query


def _serve_and_open(root: Path) -> tuple[dict[str, object], str]:
    """Serve ``root`` on 127.0.0.1, open its page in headless chromium, return what the page
    posted and the browser's log."""
    got: dict[str, object] = {}
    done = threading.Event()

    class Handler(SimpleHTTPRequestHandler):
        def __init__(self, *a: object, **kw: object) -> None:
            super().__init__(*a, directory=str(root), **kw)  # type: ignore[arg-type]

        def do_POST(self) -> None:
            body = self.rfile.read(int(self.headers["Content-Length"]))
            got.update(json.loads(body))
            self.send_response(204)
            self.end_headers()
            done.set()

        def log_message(self, *args: object) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    profile = tempfile.mkdtemp(prefix="iamd-chromium-")
    assert CHROMIUM is not None
    proc = subprocess.Popen(
        [
            CHROMIUM,
            "--headless=new",
            "--no-sandbox",
            "--disable-dev-shm-usage",
            "--use-angle=swiftshader",
            "--enable-unsafe-swiftshader",
            "--no-first-run",
            "--disable-extensions",
            "--disable-background-networking",
            f"--user-data-dir={profile}",
            "--window-size=1280,800",
            "--enable-logging=stderr",
            f"http://127.0.0.1:{server.server_address[1]}/index.html",
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        done.wait(TIMEOUT_S)
    finally:
        proc.terminate()
        try:
            _, log = proc.communicate(timeout=30)
        except subprocess.TimeoutExpired:
            proc.kill()
            _, log = proc.communicate()
        server.shutdown()
        shutil.rmtree(profile, ignore_errors=True)
    assert done.is_set(), f"the page posted nothing within {TIMEOUT_S:.0f} s:\n{log[-3000:]}"
    return got, log


def test_cesium_loads_the_czml_replay_without_console_errors(
    site: tuple[Path, dict[str, str]],
) -> None:
    root, query = site
    got, log = _serve_and_open(root)
    assert got.get("errors") == [], got.get("errors")
    assert got["name"] == "iamd export_browser (seed 1, policy integrated)"
    assert got["start"] == "2026-03-10T02:00:00Z"
    assert got["stop"] == "2026-03-10T02:07:00Z"
    assert isinstance(got["entities"], int) and got["entities"] > 10
    packets = json.loads((root / "picture.czml").read_text(encoding="utf-8"))
    assert set(got["ids"]) == {p["id"] for p in packets[1:]}  # type: ignore[arg-type]
    # the moment of the intercept: shown from its time on, not before
    assert got["intercept_available"] is True
    assert got["intercept_before"] is False
    # the apogee as Cesium interpolates it: the sample's height (m), higher than a minute before
    apogee = got["apogee_height_m"]
    assert isinstance(apogee, float | int)
    assert abs(apogee - float(query["apogee_m"])) < 1.0
    assert apogee > 100e3
    before = got["before_apogee_height_m"]
    assert isinstance(before, float | int) and before < apogee
    # the ballistic missiles' trajectories are drawn (dark red, looking down on the apogee)
    assert isinstance(got["bm_pixels"], int) and got["bm_pixels"] > 50
    # a hostile track drawn in the hostile colour
    assert got["track_colour"] == list(sym.HOSTILE_RGB)
    assert "CONSOLE" not in log or "Uncaught" not in log
