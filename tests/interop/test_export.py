"""Exports of a run's picture (CZML, KML, GeoJSON, Cursor-on-Target), each checked against its
schema or library, and the live CoT stream received by a plain socket listener.

One small scenario (7 minutes, sensed picture) has drones leaking on an undefended port, three
short-range ballistic missiles at a Patriot-defended port (one destroyed, apogee ~120 km), a
friendly fighter and a civil light aircraft, so every identity colour and event kind shows.
"""

from __future__ import annotations

import json
import math
import re
import socket
import time
import xml.etree.ElementTree as ET
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import numpy as np
import pytest
from czml3 import Document
from geojson_pydantic import FeatureCollection

from iamd.errors import InputError
from iamd.interop.export import (
    FILE_NAMES,
    FORMATS,
    TrackRecorder,
    build_scene,
    export_files,
    parse_formats,
    write_exports,
)
from iamd.interop.export import symbols as sym
from iamd.interop.export.cot import (
    CotEndpoint,
    CotSender,
    CotStream,
    cot_event,
    event_bytes,
    open_streams,
    parse_cot_url,
)
from iamd.scenario.loader import load_scenario_text
from iamd.sim.engine import RunResult, run

from .conftest import FakeClock, Listener, RunRefused, RunStreaming

SCENARIO = """\
name: export_small
epoch: 2026-03-10T02:00:00Z
duration_s: 420
time_step_s: 2
seed: 1
nations:
  - {code: ROU, name: Romania}
  - {code: BGR, name: Bulgaria}
assets:
  - {name: constanta_port, nation: ROU, lat_deg: 44.17, lon_deg: 28.66, kind: port, value: 8}
  - {name: varna_port, nation: BGR, lat_deg: 43.19, lon_deg: 27.94, kind: port, value: 6}
sensors:
  - {id: gm400_constanta, type: ground_master_400, nation: ROU, lat_deg: 44.25,
     lon_deg: 28.55, alt_m: 8}
  - {id: tpy2_dobruja, type: an_tpy2, nation: ROU, lat_deg: 43.90, lon_deg: 28.60,
     sector: {center_deg: 110, width_deg: 120}}
effectors:
  - {id: ro_patriot_constanta, type: pac3_mse, nation: ROU, lat_deg: 44.30, lon_deg: 28.40,
     alt_m: 60, sector: {center_deg: 110, width_deg: 120}}
  - {id: ro_skynex_constanta, type: skynex, nation: ROU, lat_deg: 44.17, lon_deg: 28.64,
     alt_m: 20}
raids:
  - {id: shahed_constanta, type: shahed136, count: 3,
     launch: {lat_deg: 44.05, lon_deg: 28.95, radius_km: 2},
     aim: {asset: constanta_port, spread_km: 0.3}, launch_time_s: 0, spacing_s: 20}
  - {id: shahed_varna, type: shahed136, count: 2,
     launch: {lat_deg: 43.25, lon_deg: 28.10, radius_km: 1},
     aim: {asset: varna_port, spread_km: 0.3}, launch_time_s: 0, spacing_s: 20}
  - {id: srbm_constanta, type: shahab3, count: 3,
     launch: {lat_deg: 42.0, lon_deg: 33.5, radius_km: 1},
     aim: {asset: constanta_port, spread_km: 0.3}, launch_time_s: 0, spacing_s: 10}
patrols:
  - {id: ro_f16, nation: ROU, count: 1, lat_deg: 44.30, lon_deg: 28.90, altitude_m: 8000,
     leg_km: 60, heading_deg: 0}
civil_traffic:
  general_aviation:
    - {id: ga_constanta, type: light_aircraft, pattern: hover,
       area: {lat_deg: 44.22, lon_deg: 28.50}, alt_m: 1200, speed_m_s: 50}
"""
EPOCH = datetime(2026, 3, 10, 2, 0, tzinfo=UTC)
KML = "{http://www.opengis.net/kml/2.2}"
GX = "{http://www.google.com/kml/ext/2.2}"
COT_TYPE = re.compile(r"a-[puafnsh]-A(-[A-Z])*")


@pytest.fixture(scope="module")
def udp() -> Iterator[Listener]:
    lis = Listener("udp")
    yield lis
    lis.stop.set()


@pytest.fixture(scope="module")
def recorded(udp: Listener) -> tuple[RunResult, TrackRecorder, list[ET.Element]]:
    """The scenario run once with a track recorder and a CoT stream (hostile tracks, scenario
    clock, not paced) to the UDP listener."""
    loaded = load_scenario_text(SCENARIO, "export_small.yaml")
    (stream,) = open_streams(
        [f"cot://127.0.0.1:{udp.port}"],
        scenario="export_small",
        epoch=EPOCH,
        speed=1e9,
        identities="hostile",
        clock="scenario",
    )
    rec = TrackRecorder(listeners=[stream])
    result = run(loaded, seed=1, on_step=rec)
    stream.sender.close()
    return result, rec, udp.close()


@pytest.fixture(scope="module")
def files(recorded: tuple[RunResult, TrackRecorder, list[ET.Element]]) -> dict[str, bytes]:
    result, rec, _ = recorded
    return export_files(result, FORMATS, rec)


# ---------------------------------------------------------------------- symbols and colours


@pytest.mark.parametrize(
    ("identity", "cls", "code", "cot"),
    [
        ("hostile", "drone", "SHAPMFQ--------", "a-h-A-M-F-Q"),
        ("hostile", "ballistic_missile", "SHAPWMSS-------", "a-h-A-W-M-S-S"),
        ("suspect", "cruise_missile", "SSAPWM---------", "a-s-A-W-M"),
        ("neutral", "airliner", "SNAPCF---------", "a-n-A-C-F"),
        ("friend", "fighter", "SFAPMFF--------", "a-f-A-M-F-F"),
        ("assumed_friend", "fighter", "SAAPMFF--------", "a-a-A-M-F-F"),
        ("unknown", "", "SUAP-----------", "a-u-A"),
        ("pending", "", "SPAP-----------", "a-p-A"),
    ],
)
def test_sidc_and_cot_type_follow_mil_std_2525c_and_the_cot_atoms(
    identity: str, cls: str, code: str, cot: str
) -> None:
    assert sym.air_sidc(identity, cls) == code
    assert len(code) == 15
    assert sym.cot_type(code) == cot


def test_identity_colours_are_the_mil_std_2525_light_fills() -> None:
    # MIL-STD-2525C light fill colours: friend crystal blue, hostile salmon, neutral bamboo
    # green, unknown light yellow; the paired identities share their colour.
    c = sym.IDENTITY_RGB
    assert c["friend"] == c["assumed_friend"] == (128, 224, 255)
    assert c["hostile"] == c["suspect"] == (255, 128, 128)
    assert c["neutral"] == (170, 255, 170)
    assert c["unknown"] == c["pending"] == (255, 255, 128)
    assert (
        set(c)
        == set(sym.IDENTITY_LETTER)
        == {"pending", "unknown", "assumed_friend", "friend", "neutral", "suspect", "hostile"}
    )


# ---------------------------------------------------------------------- the scene


def test_the_scenario_shows_every_layer(
    recorded: tuple[RunResult, TrackRecorder, list[ET.Element]],
) -> None:
    result, rec, _ = recorded
    scene = build_scene(result, rec.frames)
    kinds = {o.kind for o in scene.occurrences}
    assert {"intercept", "impact"} <= kinds
    assert {s.role for s in scene.sites} == {"asset", "radar", "fire_unit"}
    idents = {r[2] for tp in scene.tracks for r in tp.runs}
    assert {"pending", "suspect", "hostile", "friend", "neutral"} <= idents
    fates = {t.fate for t in scene.trajectories}
    assert {"destroyed", "leaked"} <= fates


def test_trajectories_end_at_the_intercept_or_impact_and_keep_the_apogee(
    recorded: tuple[RunResult, TrackRecorder, list[ET.Element]],
) -> None:
    result, rec, _ = recorded
    scene = build_scene(result, rec.frames)
    threats = result.threats.set_index("id")
    bms = [t for t in scene.trajectories if t.cls == "ballistic_missile"]
    assert len(bms) == 3
    for tr in bms:
        # the apogee sample is the highest, and within one clock step of the planned apogee
        assert tr.alt_m[tr.apogee_index] == max(tr.alt_m)
        assert abs(tr.apogee_m / 1e3 - threats.loc[tr.id, "apogee_km"]) < 0.5
        assert tr.apogee_m > 100e3
        assert tr.t_s == sorted(tr.t_s)
        assert tr.t_s[-1] == pytest.approx(threats.loc[tr.id, "fate_time_s"], abs=1e-3)


# ---------------------------------------------------------------------- CZML


def test_czml_loads_in_czml3_and_starts_with_the_document_clock(files: dict[str, bytes]) -> None:
    text = files[FILE_NAMES["czml"]]
    doc = Document.model_validate_json(text)
    packets = json.loads(text)
    assert isinstance(packets, list)
    assert len(doc.packets) == len(packets)
    first = packets[0]
    assert first["id"] == "document" and first["version"] == "1.0"
    assert first["clock"]["interval"] == "2026-03-10T02:00:00Z/2026-03-10T02:07:00Z"
    assert first["clock"]["currentTime"] == "2026-03-10T02:00:00Z"
    ids = [p["id"] for p in packets]
    assert len(ids) == len(set(ids))
    prefixes = {i.split("/")[0] for i in ids}
    assert {
        "asset",
        "radar",
        "unit",
        "truth",
        "apogee",
        "track",
        "shot",
        "intercept",
        "impact",
    } <= prefixes


def test_czml_positions_are_3d_samples_and_track_colours_follow_identity(
    recorded: tuple[RunResult, TrackRecorder, list[ET.Element]], files: dict[str, bytes]
) -> None:
    result, _, _ = recorded
    packets = {p["id"]: p for p in json.loads(files[FILE_NAMES["czml"]])}
    for pid, p in packets.items():
        if pid.startswith(("truth/", "track/")):
            s = p["position"]["cartographicDegrees"]
            assert len(s) % 4 == 0 and len(s) >= 4
            assert p["position"]["epoch"] == "2026-03-10T02:00:00Z"
            t = s[0::4]
            assert t == sorted(t)
    bm = packets["truth/srbm_constanta-002"]["position"]["cartographicDegrees"]
    assert max(bm[3::4]) > 100e3  # the apogee is in the samples
    # the BM tracks turn hostile: their colour interval at the end is the hostile colour
    ev = result.events
    hostile_tracks = {
        d.split(", ")[-1].replace("joint track ", "")
        for d in ev.loc[
            (ev["kind"] == "identity") & ev["detail"].str.startswith("hostile"), "detail"
        ]
    }
    assert hostile_tracks
    for n in hostile_tracks:
        colours = packets[f"track/joint/{n}"]["point"]["color"]
        assert colours[-1]["rgba"] == [*sym.HOSTILE_RGB, 255]
        assert colours[-1]["interval"].split("/")[0] <= colours[-1]["interval"].split("/")[1]
    # the intercept is shown from its time at its place
    kill = ev[ev["kind"] == "intercept"].iloc[0]
    p = packets["intercept/1"]
    assert p["availability"].startswith(
        (EPOCH + timedelta(seconds=float(kill["t_s"]))).strftime("%Y-%m-%dT%H:%M:%S")
    )
    lon, lat, alt = p["position"]["cartographicDegrees"]
    assert (lat, lon, alt) == (kill["lat_deg"], kill["lon_deg"], kill["alt_m"])  # full precision


# ---------------------------------------------------------------------- KML


def test_kml_has_the_kml_2_2_structure(files: dict[str, bytes]) -> None:
    root = ET.fromstring(files[FILE_NAMES["kml"]])
    assert root.tag == f"{KML}kml"
    (doc,) = root.findall(f"{KML}Document")
    folders = {f.findtext(f"{KML}name"): f for f in doc.findall(f"{KML}Folder")}
    assert set(folders) == {
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
    }
    styles = {s.get("id") for s in root.iter(f"{KML}Style")}
    ids = [e.get("id") or "" for e in root.iter() if e.get("id") is not None]
    assert all(re.fullmatch(r"[A-Za-z_][\w.-]*", i) for i in ids)  # xsd:ID (an NCName)
    assert len(ids) == len(set(ids))
    for pm in root.iter(f"{KML}Placemark"):
        url = pm.findtext(f"{KML}styleUrl")
        assert url is not None and url[1:] in styles
        geoms = [g for g in pm if g.tag in (f"{KML}Point", f"{KML}LineString", f"{GX}Track")]
        assert len(geoms) == 1
        g = geoms[0]
        if g.tag == f"{GX}Track":
            whens = [w.text for w in g.findall(f"{KML}when")]
            coords = [c.text for c in g.findall(f"{GX}coord")]
            assert len(whens) == len(coords) >= 1
            assert whens == sorted(whens)  # type: ignore[type-var]
            triples = [tuple(map(float, (c or "").split())) for c in coords]
            assert g.findtext(f"{KML}altitudeMode") == "absolute"
        else:
            text = g.findtext(f"{KML}coordinates") or ""
            triples = [tuple(map(float, c.split(","))) for c in text.split()]
        for lon, lat, alt in triples:
            assert -180 <= lon <= 180 and -90 <= lat <= 90 and math.isfinite(alt)
        span = pm.find(f"{KML}TimeSpan")
        if span is not None:
            assert (span.findtext(f"{KML}begin") or "") <= (span.findtext(f"{KML}end") or "")


def test_kml_trajectories_are_3d_lines_with_time_spans_and_tracks_in_identity_colours(
    files: dict[str, bytes],
) -> None:
    root = ET.fromstring(files[FILE_NAMES["kml"]])
    folders = {f.findtext(f"{KML}name"): f for f in root.iter(f"{KML}Folder")}
    styles = {s.get("id"): s for s in root.iter(f"{KML}Style")}
    bm = next(
        pm
        for pm in folders["Trajectories"].iter(f"{KML}Placemark")
        if pm.findtext(f"{KML}name") == "srbm_constanta-002"
    )
    line = bm.find(f"{KML}LineString")
    assert line is not None and line.findtext(f"{KML}altitudeMode") == "absolute"
    alts = [float(c.split(",")[2]) for c in (line.findtext(f"{KML}coordinates") or "").split()]
    assert max(alts) > 100e3
    assert bm.find(f"{KML}TimeSpan/{KML}begin") is not None
    hostile_kml = str(sym.rgb_hex(sym.HOSTILE_RGB))  # #ff8080 -> KML aabbggrr ff8080ff
    expected = "ff" + hostile_kml[5:7] + hostile_kml[3:5] + hostile_kml[1:3]
    seen = False
    for pm in folders["Tracks"].iter(f"{KML}Placemark"):
        data = {d.get("name"): d.findtext(f"{KML}value") for d in pm.iter(f"{KML}Data")}
        style = styles[(pm.findtext(f"{KML}styleUrl") or "#")[1:]]
        colour = style.findtext(f"{KML}LineStyle/{KML}color")
        assert data["sidc"] == sym.air_sidc(data["identity"] or "", data["class"] or "")
        if data["identity"] == "hostile":
            assert colour == expected
            seen = True
    assert seen


# ---------------------------------------------------------------------- GeoJSON


def test_geojson_validates_as_rfc_7946_with_geojson_pydantic(files: dict[str, bytes]) -> None:
    text = files[FILE_NAMES["geojson"]]
    fc = FeatureCollection.model_validate_json(text)
    raw = json.loads(text)
    layers = {f["properties"]["layer"] for f in raw["features"]}
    assert {
        "asset",
        "radar",
        "fire_unit",
        "coverage",
        "trajectory",
        "track",
        "engagement",
        "intercept",
        "impact",
    } <= layers
    assert len(fc.features) == len(raw["features"])
    for f in raw["features"]:
        g = f["geometry"]
        if g["type"] == "Polygon":
            ring = np.array(g["coordinates"][0])
            assert (ring[0] == ring[-1]).all()
            x, y = ring[:, 0], ring[:, 1]
            area2 = float(np.sum(x[:-1] * y[1:] - x[1:] * y[:-1]))
            assert area2 > 0  # counter-clockwise exterior ring (RFC 7946 §3.1.6)
        if g["type"] == "LineString":
            assert all(len(c) == 3 for c in g["coordinates"])
        p = f["properties"]
        if p["layer"] == "track":
            vertices = len(g["coordinates"]) if g["type"] == "LineString" else 1
            assert len(p["t_s"]) == len(p["identities"]) == vertices
            assert p["sidc"] == sym.air_sidc(p["identity"], p["class"])
            assert p["colour"] == sym.rgb_hex(sym.IDENTITY_RGB[p["identity"]])
        if p["layer"] in ("asset", "radar", "fire_unit"):
            assert len(p["sidc"]) == 15 and p["sidc"][1] == "F"


# ---------------------------------------------------------------------- Cursor-on-Target


def _check_event(ev: ET.Element) -> None:
    for key in ("version", "uid", "type", "how", "time", "start", "stale"):
        assert ev.get(key), key
    assert COT_TYPE.fullmatch(ev.get("type") or "")
    t = [
        datetime.fromisoformat((ev.get(k) or "").replace("Z", "+00:00"))
        for k in ("time", "start", "stale")
    ]
    assert t[0] == t[1] < t[2]
    pt = ev.find("point")
    assert pt is not None
    lat, lon, hae, ce, le = (float(pt.get(k) or "nan") for k in ("lat", "lon", "hae", "ce", "le"))
    assert -90 <= lat <= 90 and -180 <= lon <= 180 and math.isfinite(hae)
    assert ce >= 0 and le >= 0
    milsym = ev.find("detail/__milsym")
    assert milsym is not None and sym.cot_type(milsym.get("id") or "") == ev.get("type")


def test_cot_file_events_have_the_required_attributes(files: dict[str, bytes]) -> None:
    root = ET.fromstring(files[FILE_NAMES["cot"]])
    events = root.findall("event")
    assert events
    for ev in events:
        _check_event(ev)
    types = {ev.get("type") for ev in events}
    assert "a-h-A-W-M-S-S" in types  # the ballistic missiles, identified hostile
    assert any((t or "").startswith("a-f-A") for t in types)  # the friendly fighter
    assert any((t or "").startswith("a-n-A") for t in types)  # the civil aircraft
    assert [ev.get("time") for ev in events] == sorted(ev.get("time") or "" for ev in events)


def test_a_cot_listener_receives_the_hostile_tracks_over_udp(
    recorded: tuple[RunResult, TrackRecorder, list[ET.Element]],
) -> None:
    result, _, received = recorded
    assert received
    for msg in received:
        _check_event(msg)
        assert msg.get("type", "").startswith("a-h-A")  # --stream-identities hostile
    log = result.events
    hostile = {
        d.split(", ")[-1].replace("joint track ", "iamd.export_small.joint.")
        for d in log.loc[
            (log["kind"] == "identity") & log["detail"].str.startswith("hostile"), "detail"
        ]
    }
    assert {e.get("uid") for e in received} == hostile
    # scenario clock: the first event of a track is at the time it was identified hostile
    first = min(
        datetime.fromisoformat((e.get("time") or "").replace("Z", "+00:00")) for e in received
    )
    t_hostile = log.loc[
        (log["kind"] == "identity") & log["detail"].str.startswith("hostile"), "t_s"
    ]
    assert (first - EPOCH).total_seconds() <= float(t_hostile.min())


def test_stream_paces_scenario_time_at_the_chosen_multiple_of_real_time(clock: FakeClock) -> None:
    sent: list[int] = []

    class Sender(CotSender):
        def send(self, events):  # type: ignore[no-untyped-def]
            sent.append(len(list(events)))

    stream = CotStream(
        sender=Sender(endpoint=CotEndpoint(host="127.0.0.1", port=1)),
        scenario="x",
        epoch=EPOCH,
        speed=4.0,
        sleep=clock.sleep,
        monotonic=clock.monotonic,
    )
    from iamd.sim.engine import StepPicture

    def step(t: float) -> StepPicture:
        z = np.zeros(0, dtype=np.int64)
        return StepPicture(
            t_s=t,
            names=("joint",),
            picture=z,
            number=z,
            entity=z,
            state_ecef=np.zeros((0, 6)),
            covar_ecef=np.zeros((0, 6, 6)),
            identity=np.zeros(0, dtype=np.int8),
            cls=np.zeros(0, dtype=str),
        )

    stream(step(10.0))
    stream(step(18.0))  # 8 s of scenario at 4x: 2 s of wall time
    clock.now += 5.0  # the engine fell behind: no wait
    stream(step(20.0))
    assert clock.slept == [pytest.approx(2.0)]
    assert sent == [0, 0, 0]


# ---------------------------------------------------------------------- the command line


def test_iamd_run_export_and_stream_over_tcp(
    tmp_path: Path, files: dict[str, bytes], run_streaming: RunStreaming
) -> None:
    tcp = Listener("tcp")
    code, received = run_streaming(
        SCENARIO, tcp, f"cot+tcp://127.0.0.1:{tcp.port}",
        "--seed", "1", "--export", "czml,kml,geojson,cot", "--stream-speed", "1e9",
        "--stream-identities", "suspect", name="export_small.yaml",
    )  # fmt: skip
    out = tmp_path / "out"
    assert code == 0
    names = sorted(p.name for p in out.iterdir())
    assert names == sorted(
        ["summary.json", "threats.csv", "events.parquet", "engagements.csv", *FILE_NAMES.values()]
    )
    # same scenario and seed: the same bytes as the Python API's files (no wall clock in them)
    for name, data in files.items():
        assert (out / name).read_bytes() == data, name
    assert received
    assert {e.get("type", "")[:4] for e in received} <= {"a-h-", "a-s-"}
    assert {e.get("type", "")[:4] for e in received} == {"a-h-", "a-s-"}


def test_exports_are_byte_identical_when_repeated(
    recorded: tuple[RunResult, TrackRecorder, list[ET.Element]], files: dict[str, bytes]
) -> None:
    result, rec, _ = recorded
    assert export_files(result, FORMATS, rec) == files


def test_write_exports_writes_all_files_into_a_folder(
    recorded: tuple[RunResult, TrackRecorder, list[ET.Element]], tmp_path: Path
) -> None:
    result, rec, _ = recorded
    paths = write_exports(result, tmp_path / "x", ("geojson", "czml"), rec)
    assert [p.name for p in paths] == ["picture.czml", "picture.geojson"]
    assert sorted(p.name for p in (tmp_path / "x").iterdir()) == ["picture.czml", "picture.geojson"]
    without = export_files(result, ("geojson",))  # no recorder: every layer but the tracks
    layers = {f["properties"]["layer"] for f in json.loads(without["picture.geojson"])["features"]}
    assert "track" not in layers and "trajectory" in layers


@pytest.mark.parametrize(
    ("text", "message"),
    [
        (
            "czml,pdf",
            "--export: 'czml,pdf' is not a comma-separated list of export formats; "
            "allowed: czml, kml, geojson, cot (or all)",
        ),
        ("", "--export: '' is not a comma-separated list"),
    ],
)
def test_bad_export_formats_name_the_flag_value_and_choices(text: str, message: str) -> None:
    with pytest.raises(InputError, match=re.escape(message)):
        parse_formats(text)


def test_parse_formats_orders_and_expands_all() -> None:
    assert parse_formats("cot,czml") == ("czml", "cot")
    assert parse_formats("all") == FORMATS
    assert parse_formats(" KML ") == ("kml",)


@pytest.mark.parametrize(
    ("url", "expected", "shown"),
    [
        ("cot://127.0.0.1:6969", CotEndpoint(host="127.0.0.1", port=6969),
         "cot+udp://127.0.0.1:6969"),
        ("cot+udp://239.2.3.1:6969", CotEndpoint(host="239.2.3.1", port=6969),
         "cot+udp://239.2.3.1:6969"),
        ("cot+tcp://TAK.example:8087", CotEndpoint(protocol="tcp", host="tak.example", port=8087),
         "cot+tcp://tak.example:8087"),
        ("COT://239.2.3.1:6969?ttl=2&iface=127.0.0.1",
         CotEndpoint(host="239.2.3.1", port=6969, ttl=2, interface="127.0.0.1"),
         "cot+udp://239.2.3.1:6969"),
        # IPv6 in brackets (RFC 3986 §3.2.2), written back in the short form
        ("cot://[::1]:6969", CotEndpoint(host="::1", port=6969), "cot+udp://[::1]:6969"),
        ("cot+tcp://[FD00:0::1]:8087", CotEndpoint(protocol="tcp", host="fd00::1", port=8087),
         "cot+tcp://[fd00::1]:8087"),
        ("cot+udp://[ff15::69]:6969?ttl=3", CotEndpoint(host="ff15::69", port=6969, ttl=3),
         "cot+udp://[ff15::69]:6969"),
        ("cot://[ff02::69]:6969?iface=lo", CotEndpoint(host="ff02::69", port=6969, interface="lo"),
         "cot+udp://[ff02::69]:6969?iface=lo"),
        ("cot://[ff11::69]:6969?iface=lo", CotEndpoint(host="ff11::69", port=6969, interface="lo"),
         "cot+udp://[ff11::69]:6969?iface=lo"),  # scope 1, the lowest allowed
        ("cot://[ff1e::69]:6969", CotEndpoint(host="ff1e::69", port=6969),
         "cot+udp://[ff1e::69]:6969"),  # scope E, the highest allowed
    ],
)  # fmt: skip
def test_cot_urls(url: str, expected: CotEndpoint, shown: str) -> None:
    ep = parse_cot_url(url)
    assert ep == expected and ep.url == shown


COT_RULE = (
    "use cot://HOST:PORT[?ttl=N&iface=IFACE] or cot+udp://HOST:PORT[?ttl=N&iface=IFACE] (UDP), "
    "cot+tcp://HOST:PORT (TCP), with HOST an IPv4 address, an IPv6 one in brackets or a host "
    "name, and PORT 1-65535, e.g. cot://239.2.3.1:6969 or cot+tcp://[::1]:8087\n"
)
IFACES = ", ".join(n for _i, n in socket.if_nameindex())


SCOPE_RULE = (
    "allowed: scope 1-E (RFC 4291 §2.7, RFC 7346), e.g. ff15::62 (site-local) or ff1e::62 (global)"
)


@pytest.mark.parametrize(
    ("url", "message"),
    [
        ("cot://127.0.0.1", f"'cot://127.0.0.1' has no port; {COT_RULE}"),
        ("cot+http://127.0.0.1:1", "'cot+http://127.0.0.1:1' is not a stream endpoint; use "
         "cot://HOST:PORT[?ttl=N&iface=IFACE] or cot+udp://HOST:PORT[?ttl=N&iface=IFACE] (UDP), "
         "cot+tcp://HOST:PORT (TCP) for Cursor-on-Target, asterix://"),
        ("cot://[::g]:6969", f"'cot://[::g]:6969' has a bad IPv6 address ('::g'); {COT_RULE}"),
        ("cot+tcp://[10.0.0.1]:6969", "'cot+tcp://[10.0.0.1]:6969' has an IPv4 address in "
         f"brackets ([10.0.0.1]); write it without; {COT_RULE}"),
        ("cot://[::1:6969", "'cot://[::1:6969' has an IPv6 address without its closing bracket "
         f"('[::1:6969'); {COT_RULE}"),
        ("cot://::1:6969", "'cot://::1:6969' has an IPv6 address without brackets "
         f"('::1:6969'), where they are needed; {COT_RULE}"),
        ("cot://[::ffff:10.0.0.1]:6969", "'cot://[::ffff:10.0.0.1]:6969' has an IPv4-mapped "
         "address (::ffff:10.0.0.1); write 10.0.0.1 without brackets"),
        ("cot://[::]:6969", "'cot://[::]:6969' has no address to send to (::)"),
        ("cot://[fe80::1]:6969", "'cot://[fe80::1]:6969' has a link-local unicast address "
         "(fe80::1, fe80::/10), which is reachable on one link only"),
        ("cot://[fe80::1%25lo]:6969", "'cot://[fe80::1%25lo]:6969' has a zone in its address "
         "('fe80::1%25lo'); give the interface as ?iface=lo"),
        ("cot://[::1]:99999", f"'cot://[::1]:99999' has a bad port ('99999'); {COT_RULE}"),
        ("cot://[::1]:0", f"'cot://[::1]:0' has port 0; {COT_RULE}"),
        ("cot://tak_example:6969", f"'cot://tak_example:6969' has a bad host ('tak_example'); "
         f"{COT_RULE}"),
        ("cot://10.0.0.256:6969", f"'cot://10.0.0.256:6969' has a bad host ('10.0.0.256'); "
         f"{COT_RULE}"),
        ("cot://tak.example:6969/x", f"'cot://tak.example:6969/x' has a path; {COT_RULE}"),
        ("cot://[::1]:6969?ttl=2", "'cot://[::1]:6969?ttl=2': option 'ttl' is for a multicast "
         "group (224.0.0.0/4 or ff00::/8) only and ::1 is not one; drop the option or give a "
         "multicast group\n"),
        ("cot://tak.example:6969?iface=lo", "'cot://tak.example:6969?iface=lo': option 'iface' "
         "is for a multicast group (224.0.0.0/4 or ff00::/8) only and tak.example is not one"),
        ("cot://[ff15::69]:6969?ttl=256", "'cot://[ff15::69]:6969?ttl=256': ttl (the hop limit) "
         "must be an integer 1-255 (got '256')\n"),
        ("cot://[ff02::69]:6969", "'cot://[ff02::69]:6969': ff02::69 is a link-local or "
         "interface-local multicast group (ff02::/16, ff01::/16), which needs the interface to "
         f"send on: add ?iface=NAME (this machine has {IFACES})\n"),
        ("cot://[ff15::69]:6969?iface=no-such-if0", "'cot://[ff15::69]:6969?iface=no-such-if0': "
         "iface must be the name of a network interface of this machine for an IPv6 group "
         f"({IFACES}; got 'no-such-if0')\n"),
        ("cot://239.2.3.1:6969?iface=eth0", "'cot://239.2.3.1:6969?iface=eth0': iface must be "
         "the IPv4 address of an interface for an IPv4 group (got 'eth0')\n"),
        ("cot://[ff00::69]:6969", "'cot://[ff00::69]:6969': ff00::69 has the reserved IPv6 "
         "multicast scope 0; "
         f"{SCOPE_RULE}\n"),
        ("cot+tcp://[ff0f::69]:8087", "'cot+tcp://[ff0f::69]:8087': ff0f::69 has the reserved "
         "IPv6 multicast scope F; "
         f"{SCOPE_RULE}\n"),
        ("cot://239.2.3.1:6969?sac=1", "'cot://239.2.3.1:6969?sac=1': unknown option 'sac'; "
         "allowed: ttl, iface (multicast groups only)\n"),
        ("cot+tcp://[ff15::69]:8087", "'cot+tcp://[ff15::69]:8087': ff15::69 is a multicast "
         "group, which takes no TCP connection; send to it over UDP (cot+udp://)\n"),
        ("cot+tcp://[::1]:8087?ttl=2", "'cot+tcp://[::1]:8087?ttl=2': cot+tcp takes no options "
         "(ttl and iface are for UDP to a multicast group); drop them\n"),
    ],
)  # fmt: skip
def test_a_bad_cot_url_exits_2_with_one_line_before_the_run(
    url: str, message: str, tmp_path: Path, run_refused: RunRefused
) -> None:
    """Every malformed CoT URL: one line naming the URL, the field and value at fault and what
    is allowed (the parsing is the ASTERIX stream's), and nothing written."""
    code, err = run_refused(SCENARIO, "--stream", url)
    assert code == 2
    assert err.startswith(f"error: --stream: {message}"), err
    assert err.count("\n") == 1 and "Traceback" not in err
    assert not (tmp_path / "out").exists()


def test_parse_cot_url_names_the_flag_and_the_kind() -> None:
    with pytest.raises(InputError) as e:
        parse_cot_url("asterix://[::1]:8600", flag="--cot")
    assert str(e.value) == (
        f"--cot: 'asterix://[::1]:8600' is not a Cursor-on-Target endpoint; {COT_RULE.strip()}"
    )


def _ipv6_loopback() -> None:
    try:
        with socket.socket(socket.AF_INET6, socket.SOCK_DGRAM) as s:
            s.bind(("::1", 0))
    except OSError as exc:
        pytest.skip(f"no IPv6 loopback here ({exc})")


@pytest.mark.parametrize("protocol", ["udp", "tcp"])
def test_cot_events_reach_a_listener_on_the_ipv6_loopback(protocol: str) -> None:
    """``cot://[::1]:PORT`` and ``cot+tcp://[::1]:PORT``: a plain IPv6 socket receives the
    events sent, in order, byte for byte."""
    _ipv6_loopback()
    lis = Listener(protocol, host="::1")
    sender = CotSender.from_url(f"cot+{protocol}://[::1]:{lis.port}")
    events = [
        cot_event(uid=f"iamd.x.joint.{k}", type_="a-h-A-M-F-Q", when=EPOCH, lat_deg=44.0,
                  lon_deg=28.0 + k / 100, hae_m=300.0, ce_m=150.0, le_m=80.0, callsign=f"j {k}")
        for k in range(5)
    ]  # fmt: skip
    try:
        sender.open()
        assert sender._sock is not None and sender._sock.family == socket.AF_INET6
        sender.send(events)
        assert sender.error == "" and sender.sent == 5
        sender.close()
        deadline = time.monotonic() + 10.0
        done = (lambda: len(lis.raw) >= 5) if protocol == "udp" else (lambda: lis.ended >= 1)
        while not done() and time.monotonic() < deadline:
            time.sleep(0.05)
    finally:
        sender.close()
        received = lis.close()
    assert lis.raw == [event_bytes(ev) for ev in events]
    assert [ev.get("uid") for ev in received] == [f"iamd.x.joint.{k}" for k in range(5)]


def test_cot_sender_refuses_an_endpoint_it_cannot_reach_before_the_run(
    run_refused: RunRefused,
) -> None:
    """A TCP endpoint that does not listen, and a name that does not resolve: one line, exit
    2, before the run."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]  # closed again: nothing listens there
    code, err = run_refused(SCENARIO, "--stream", f"cot+tcp://127.0.0.1:{port}")
    assert code == 2
    assert err == (
        f"error: --stream: cannot connect to cot+tcp://127.0.0.1:{port} (Connection refused)\n"
    )
    code, err = run_refused(SCENARIO, "--stream", "cot://no-such-host.invalid:6969")
    assert code == 2
    assert err.startswith("error: --stream: cannot send to cot+udp://no-such-host.invalid:6969 (")
    assert err.count("\n") == 1


@pytest.mark.skipif(not socket.has_ipv6, reason="this Python has no IPv6 sockets")
def test_cot_ipv6_group_hop_limit_and_interface() -> None:
    """A CoT UDP stream to an IPv6 group: hop limit 1 by default, ``?ttl`` sets it,
    ``?iface`` the interface (IPV6_MULTICAST_HOPS, IPV6_MULTICAST_IF), as for ASTERIX."""
    got = []
    for url in ("cot://[ff15::69]:6969", "cot+udp://[ff15::69]:6969?ttl=7"):
        sender = CotSender.from_url(url)
        try:
            sender.open()
        except InputError as exc:  # no IPv6 multicast route on this machine
            pytest.skip(str(exc))
        assert sender._sock is not None and sender._sock.family == socket.AF_INET6
        got.append(sender._sock.getsockopt(socket.IPPROTO_IPV6, socket.IPV6_MULTICAST_HOPS))
        sender.close()
    assert got == [1, 7]
    for name in (n for _i, n in socket.if_nameindex()):
        sender = CotSender.from_url(f"cot://[ff15::69]:6969?iface={name}")
        try:
            sender.open()
        except InputError:  # no multicast route on this interface
            continue
        assert sender._sock is not None
        index = sender._sock.getsockopt(socket.IPPROTO_IPV6, socket.IPV6_MULTICAST_IF)
        assert index == socket.if_nametoindex(name)
        sender.close()
        break
    else:
        pytest.skip("no interface routes an IPv6 multicast group")


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["--export", "czml,shp"], "error: --export: 'czml,shp' is not a comma-separated list"),
        (
            ["--stream", "udp://127.0.0.1:1"],
            "error: --stream: 'udp://127.0.0.1:1' is not a stream endpoint; use cot://HOST:PORT",
        ),
        (
            ["--stream", "cot://127.0.0.1:1", "--stream-speed", "0"],
            "error: --stream-speed: must be a positive multiple of real time (got 0.0)",
        ),
        (
            ["--stream", "cot://127.0.0.1:1", "--stream-speed", "nan"],
            "error: --stream-speed: must be a positive multiple of real time (got nan)",
        ),
        (
            ["--stream", "cot://127.0.0.1:1", "--stream-identities", "red"],
            "error: --stream-identities: 'red' is not one of hostile, suspect, all",
        ),
    ],
)
def test_bad_flags_exit_2_with_one_message_and_write_nothing(
    argv: list[str], message: str, tmp_path: Path, run_refused: RunRefused
) -> None:
    code, err = run_refused(SCENARIO, *argv)
    assert code == 2
    assert err.startswith(message)
    assert err.count("\n") == 1
    assert not (tmp_path / "out").exists()


def test_range_rings_lie_at_their_range_on_the_wgs84_geodesic(
    recorded: tuple[RunResult, TrackRecorder, list[ET.Element]],
) -> None:
    import pyproj

    geod = pyproj.Geod(ellps="WGS84")
    result, rec, _ = recorded
    scene = build_scene(result, rec.frames)
    rings = [(s, r) for s in scene.sites for r in s.rings]
    assert {r.what for _, r in rings} == {"detection", "air", "bmd", "footprint"}
    for site, ring in rings:
        lon, lat = np.array(ring.lon_deg), np.array(ring.lat_deg)
        assert (lon[0], lat[0]) == (lon[-1], lat[-1])
        on_arc = ~((lon == site.lon_deg) & (lat == site.lat_deg))  # a wedge's centre
        _, _, dist = geod.inv(
            np.full(on_arc.sum(), site.lon_deg),
            np.full(on_arc.sum(), site.lat_deg),
            lon[on_arc],
            lat[on_arc],
        )
        np.testing.assert_allclose(dist, ring.range_m, atol=1e-3)  # metres
    wedges = [r for s, r in rings if s.id == "tpy2_dobruja"]
    assert wedges and wedges[0].lon_deg[0] == 28.60  # a sector radar: a wedge from its site


def test_exports_of_a_truth_picture_run_carry_the_truth_identities() -> None:
    text = SCENARIO.replace("seed: 1\n", "seed: 1\npicture: truth\n", 1)
    result = run(
        load_scenario_text(text, "export_truth.yaml"), seed=1, on_step=(rec := TrackRecorder())
    )
    out = export_files(result, ("czml", "geojson", "cot"), rec)
    Document.model_validate_json(out["picture.czml"])
    FeatureCollection.model_validate_json(out["picture.geojson"])
    tracks = [
        f["properties"]
        for f in json.loads(out["picture.geojson"])["features"]
        if f["properties"]["layer"] == "track"
    ]
    got = {p["follows"]: p["identity"] for p in tracks}
    assert got["ro_f16-1"] == "friend"
    assert got["ga_constanta-1"] == "neutral"
    assert got["srbm_constanta-001"] == "hostile"
    for ev in ET.fromstring(out["picture.cot.xml"]).findall("event"):
        _check_event(ev)
        pt = ev.find("point")
        assert pt is not None and pt.get("ce") == "0.0" and pt.get("le") == "0.0"  # perfect


def test_the_step_hook_sees_every_step_and_changes_nothing(
    recorded: tuple[RunResult, TrackRecorder, list[ET.Element]],
) -> None:
    result, rec, _ = recorded
    assert [f.t_s for f in rec.frames] == result.truth.t_grid_s.tolist()
    bare = run(load_scenario_text(SCENARIO, "export_small.yaml"), seed=1)
    assert bare.summary == result.summary
    assert bare.events.equals(result.events)
    assert bare.engagements.equals(result.engagements)


def test_a_tcp_endpoint_that_goes_away_stops_the_stream_not_the_run() -> None:
    tcp = Listener("tcp")
    sender = CotSender.from_url(f"cot+tcp://127.0.0.1:{tcp.port}")
    sender.open()
    tcp.close()  # the endpoint goes away
    ev = ET.Element("event")
    for _ in range(50):  # the first sends may still be buffered by the kernel
        sender.send([ev] * 100)
    assert sender.error.startswith(f"cot+tcp://127.0.0.1:{tcp.port}: sending stopped after ")
    sent = sender.sent
    sender.send([ev])
    assert sender.sent == sent
