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
from iamd.federation.view import COLOURS, picture_json
from iamd.scenario.loader import load_scenario

from .conftest import drone_track, rou_node

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


# --- threat evaluation and weapon assignment in the view -------------------------------------


@pytest.fixture(scope="module")
def tewa_views(tmp_path_factory):
    """``picture_json`` of ROU's node (its scenario units, a recording session) while its
    TEWA engages a hostile drone, and after that engagement ended by kill assessment."""
    node = rou_node(tmp_path_factory.mktemp("view_tewa"))
    port = next(a for a in load_scenario("balkans").scenario.assets if a.name == "constanta_port")
    views = {}
    t = 0.0
    while "assessed" not in views and t < 1000.0:
        node._local_sim = drone_track(port, t)
        node._fold(t, t)
        ends = [e for e in node.tewa.events if e.kind == "tewa_end"]
        if node.tewa.engaging and "engaging" not in views:
            views["engaging"] = picture_json(node)
        if ends:
            views["assessed"] = picture_json(node)
        t += 2.0
    return node, views


def test_the_view_lists_the_nodes_engagements_and_kill_assessments(tewa_views):
    _, views = tewa_views
    engaging = views["engaging"]
    (track,) = engaging["tracks"]
    assert track["identity"] == "hostile"
    assert track["engaged"].startswith("ROU ro_")  # the nation and its own unit
    kinds = [e["kind"] for e in engaging["events"]]
    assert kinds[-2:] == ["tewa_engage", "engage"]  # the decision, then its declaration
    (eng,) = [e for e in engaging["events"] if e["kind"] == "tewa_engage"]
    assert eng["number"] == track["number"]
    assert eng["detail"].startswith(f"ROU {track['engaged'].split()[1]} (")
    assert "intercept at" in eng["detail"] and "range" in eng["detail"]
    # the kill assessment ends it: listed with its reason; the track is free again
    after = views["assessed"]
    (end,) = [e for e in after["events"] if e["kind"] == "tewa_end"]
    assert end["number"] == track["number"]
    assert end["detail"] == f"{track['engaged'].split()[1]}: assessed"
    again = [e for e in after["events"] if e["kind"] == "tewa_engage" and e["t_s"] == end["t_s"]]
    (shown,) = after["tracks"]
    assert shown["engaged"] == (track["engaged"] if again else "")
    assert all(after["events"].index(e) > after["events"].index(end) for e in again)


def test_engaged_by_names_the_nation_and_only_an_own_unit():
    """The column shows the board's engager; the unit only when the node's own TEWA has it."""
    from types import SimpleNamespace

    from iamd.federation.engagement import EngagementBoard
    from iamd.federation.messages import ENGAGE_DTYPE, EngageStatus
    from iamd.federation.view import _engaged

    board = EngagementBoard(nation="ROU", roster=("BGR", "ROU"))
    assert board.declare(7, unit=0, t_s=1.0) and board.declare(8, unit=2, t_s=1.0)
    partner = np.zeros(1, dtype=ENGAGE_DTYPE)
    partner[0] = (9, 1, int(EngageStatus.ENGAGING), 255, 1.0)
    board.merge("BGR", partner, t_s=1.0)
    node = SimpleNamespace(nation="ROU", board=board,
                           tewa=SimpleNamespace(engaging={7: "ro_skynex_constanta"}))  # fmt: skip
    # 7: own TEWA's unit; 8: declared by an order (no TEWA unit); 9: the partner; 10: nobody
    assert _engaged(node, [7, 8, 9, 10]) == ["ROU ro_skynex_constanta", "ROU", "BGR", ""]


def test_the_engaged_column_reads_whole_board_states_while_the_loop_changes_the_board():
    """The view's thread reads the board while the node's loop merges partners' statuses.
    Made deterministic: at every line the reader runs in the board's module, the loop's
    next merge runs (a partner's ceased statuses on the shown tracks and a new track), as if
    the reader's thread were interrupted there. Each read still answers from one state."""
    import sys
    from types import SimpleNamespace

    import iamd.federation.engagement as engagement_module
    from iamd.federation.engagement import EngagementBoard
    from iamd.federation.messages import ENGAGE_DTYPE, EngageStatus
    from iamd.federation.view import _engaged

    # 40 partners: a partner's first status on a track adds to the board's entry of it
    roster = tuple(sorted(["ROU", *(f"N{chr(65 + k // 26)}{chr(65 + k % 26)}" for k in range(40))]))
    board = EngagementBoard(nation="ROU", roster=roster)
    assert board.declare(7, unit=0, t_s=1.0) and board.declare(8, unit=2, t_s=1.0)
    node = SimpleNamespace(nation="ROU", board=board,
                           tewa=SimpleNamespace(engaging={7: "ro_skynex_constanta"}))  # fmt: skip
    partners = [c for c in roster if c != "ROU"]
    merges = []

    def loop_step():
        k = len(merges)
        rec = np.zeros(3, dtype=ENGAGE_DTYPE)
        for i, n in enumerate((7, 8, 100 + k)):  # ceased: ROU still engages 7 and 8
            rec[i] = (n, 1, int(EngageStatus.CEASED), 255, 2.0)
        board.merge(partners[k % len(partners)], rec, t_s=2.0)
        merges.append(k)

    def tracer(frame, event, arg):
        if frame.f_code.co_filename != engagement_module.__file__:
            return None
        if event == "line":
            loop_step()
        return tracer

    previous = sys.gettrace()
    sys.settrace(tracer)
    try:
        shown = [_engaged(node, [7, 8, 9]) for _ in range(5)]
    finally:
        sys.settrace(previous)
    assert len(merges) >= len(partners)  # the loop ran inside the reads, every partner
    assert shown == [["ROU ro_skynex_constanta", "ROU", ""]] * 5


@pytest.mark.skipif(CHROMIUM is None, reason="needs chromium (apt-get install -y chromium)")
def test_the_page_shows_engagements_and_kill_assessments_in_a_browser(tewa_views):
    from iamd.federation.view import serve

    _, views = tewa_views
    data = views["assessed"]
    server = serve(0, "ROU", lambda: data)
    profile = tempfile.mkdtemp(prefix="iamd-chromium-")
    try:
        dom = subprocess.run(
            [CHROMIUM, "--headless=new", "--no-sandbox", "--disable-dev-shm-usage",
             "--disable-gpu", f"--user-data-dir={profile}", "--virtual-time-budget=5000",
             "--dump-dom", f"http://127.0.0.1:{server.server_address[1]}/"],
            capture_output=True, text=True, timeout=120,
        ).stdout  # fmt: skip
    finally:
        shutil.rmtree(profile, ignore_errors=True)
        server.shutdown()
    assert 'data-ready="1"' in dom
    kinds = re.findall(r'<li data-kind="([a-z_0-9]+)">', dom)
    assert kinds == [e["kind"] for e in data["events"]]
    assert "tewa_engage" in kinds and "tewa_end" in kinds
    (end,) = [e for e in data["events"] if e["kind"] == "tewa_end"]
    assert f'<li data-kind="tewa_end">tewa_end {end["number"]}: {end["detail"]}</li>' in dom
    (track,) = data["tracks"]  # engaged again at the assessment: the cell and the ring
    assert track["engaged"].startswith("ROU ro_")
    assert f'<td class="engaged">{track["engaged"]}</td>' in dom
    assert re.search(f'<circle [^>]*stroke="#b00"[^>]*data-engaged="{track["engaged"]}"', dom)


def test_engagements_do_not_crowd_the_picture_events_out():
    """The page lists the last RECENT_EVENTS events of the picture and as many of the
    engagements, these in time order with the node's decision before the board's event."""
    from types import SimpleNamespace

    from iamd.federation.picture import FederationEvent
    from iamd.federation.view import RECENT_EVENTS

    def ev(t, kind, n):
        return FederationEvent(t_s=float(t), kind=kind, number=n, detail="")

    n = RECENT_EVENTS + 5
    picture = [ev(t, "correlate", t) for t in range(n)] + [ev(n, "originate", 0)]
    board = [ev(2 * t + 1, "engage", t) for t in range(n)]
    tewa = [ev(2 * t + 1, "tewa_engage", t) for t in range(n)] + [ev(2 * n + 1, "tewa_end", 0)]
    node = SimpleNamespace(
        nation="ROU", roster=("BGR", "ROU"), t_s=0.0, live_partners=[],
        picture=SimpleNamespace(picture=None, events=picture),
        board=SimpleNamespace(events=board), tewa=SimpleNamespace(events=tewa),
    )  # fmt: skip
    events = picture_json(node)["events"]
    assert len(events) == 2 * RECENT_EVENTS
    shown = events[:RECENT_EVENTS]  # the picture's last listed kinds ("originate" is not)
    assert [e["number"] for e in shown] == list(range(5, n))
    eng = events[RECENT_EVENTS:]
    assert [e["t_s"] for e in eng] == sorted(e["t_s"] for e in eng)
    assert eng[-1]["kind"] == "tewa_end"
    assert [e["kind"] for e in eng[-3:-1]] == ["tewa_engage", "engage"]  # at one time
