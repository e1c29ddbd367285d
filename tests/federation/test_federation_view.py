"""A node's live view, opened in a real headless browser (Debian ``chromium``): the track table
in STANAG 1241 colours, the plan view and the reporting-responsibility events, drawn by the
page's own script from the node's ``picture.json``."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import tempfile
import time
import urllib.request

import numpy as np
import pytest

from iamd.federation.exercise import Federation, node_sensors, straight_targets, synthetic_plots
from iamd.federation.router import free_port
from iamd.federation.view import COLOURS

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
SENSORS = {"BGR": ["bg_surveillance_varna"], "ROU": ["ro_surveillance_constanta"]}


def _rgb(hex_colour: str) -> str:
    r, g, b = (int(hex_colour[i : i + 2], 16) for i in (1, 3, 5))
    return f"rgb({r}, {g}, {b})"


@pytest.mark.skipif(CHROMIUM is None, reason="needs chromium (apt-get install -y chromium)")
def test_live_view_shows_the_federated_picture_in_a_browser(tmp_path):
    port = free_port()
    with Federation.start(tmp_path / "fed", list(SENSORS), sensors=SENSORS, identify=False,
                          view_ports={"ROU": port}) as fed:  # fmt: skip
        sens = {c: node_sensors("balkans", c, SENSORS[c]) for c in SENSORS}
        rng = np.random.default_rng(3)
        for k in range(6):
            pos = straight_targets(3, float(k), lat_deg=42.8, lon_deg=28.2)
            for c in SENSORS:
                recs = synthetic_plots(sens[c], pos, float(k), rng)
                fed.feed(c, float(k), recs, np.ones(1, dtype=np.int64))
            time.sleep(0.3)
        data = json.loads(urllib.request.urlopen(f"http://127.0.0.1:{port}/picture.json").read())
        profile = tempfile.mkdtemp(prefix="iamd-chromium-")
        try:
            dom = subprocess.run(
                [CHROMIUM, "--headless=new", "--no-sandbox", "--disable-dev-shm-usage",
                 "--disable-gpu", f"--user-data-dir={profile}", "--virtual-time-budget=5000",
                 "--dump-dom", f"http://127.0.0.1:{port}/"],
                capture_output=True, text=True, timeout=120,
            ).stdout  # fmt: skip
        finally:
            shutil.rmtree(profile, ignore_errors=True)
        fed.end()
    assert data["nation"] == "ROU" and data["live"] == ["BGR"]
    assert len(data["tracks"]) == 3
    assert 'data-ready="3"' in dom  # the page's script drew the three tracks
    rows = re.findall(r'<tr data-track="(\d+)" style="background: ([^;]+);">', dom)
    assert sorted(int(n) for n, _ in rows) == sorted(t["number"] for t in data["tracks"])
    assert {c for _, c in rows} == {_rgb(COLOURS["unknown"])}
    assert len(re.findall(r"<circle [^>]*data-track=", dom)) == 3
    # the node's events (partners joining, R2 and correlation of the shared tracks) are listed
    kinds = re.findall(r'<li data-kind="([a-z_0-9]+)">', dom)
    assert "peer_joined" in kinds and len(kinds) >= len(data["events"]) >= 1
    cells = re.findall(r'<tr data-track="\d+"[^>]*><td>\d+</td><td>([A-Z]{3})</td>', dom)
    assert sorted(cells) == sorted(t["reporter"] for t in data["tracks"])


def test_colours_cover_every_standard_identity():
    from iamd.identify.truth_identity import STANDARD_IDENTITIES

    assert set(COLOURS) == set(STANDARD_IDENTITIES)
    assert COLOURS["hostile"] != COLOURS["friend"] != COLOURS["unknown"]
