"""The ASTERIX codec against Wireshark's ASTERIX dissector (tshark), a second independent
decoder: CAT048 and CAT034 I034/050 and I034/060 of Croatia Control's capture, iamd's own
CAT062, CAT048 and CAT034 encodings, and the CAT062 capture of ``iamd run --out-asterix``
(iamd's pcap writer).

CI installs it with ``apt-get install -y tshark``; without it these tests are skipped.
"""

from __future__ import annotations

import json
import shutil
import struct
import subprocess
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from iamd.interop.asterix import (
    decode,
    encode_cat034,
    encode_cat048,
    encode_cat062,
    pcap_bytes,
    read_pcap,
    read_recording,
    split_blocks,
)
from iamd.interop.asterix.fields import CAT034_SYSTEM_SUBFIELDS, FT_M, NM_M

DATA = Path(__file__).resolve().parents[3] / "shared" / "data" / "asterix"
if not DATA.is_dir():
    DATA = Path("/work/shared/data/asterix")
CC = DATA / "croatiacontrol"
TSHARK = shutil.which("tshark")
pytestmark = [
    pytest.mark.skipif(TSHARK is None, reason="tshark not installed (apt-get install -y tshark)"),
    pytest.mark.skipif(not DATA.is_dir(), reason="shared ASTERIX samples not found"),
]


def _tshark(pcap: Path, ports: set[int], fields: list[str]) -> pd.DataFrame:
    """One row per ASTERIX record of ``pcap`` as tshark decodes it (its JSON output)."""
    cmd = [TSHARK, "-r", str(pcap), "-T", "json"]
    for p in sorted(ports):
        cmd += ["-d", f"udp.port=={p},asterix"]
    res = subprocess.run(cmd, capture_output=True, text=True, timeout=300, check=True)
    rows = []
    for pkt in json.loads(res.stdout, object_pairs_hook=_keep_repeats):
        blocks = pkt["_source"]["layers"].get("asterix", [])
        for blk in blocks if isinstance(blocks, list) else [blocks]:
            msgs = blk.get("asterix.message", [])
            for msg in msgs if isinstance(msgs, list) else [msgs]:
                flat: dict[str, str] = {}
                _leaves(msg, flat)
                rows.append({f: flat.get(f, "") for f in fields})
    return pd.DataFrame(rows, columns=fields)


def _keep_repeats(pairs: list[tuple[str, object]]) -> dict[str, object]:
    """tshark's JSON repeats a key for each record of a block: keep them all, as a list."""
    out: dict[str, object] = {}
    for k, v in pairs:
        if k in out:
            prev = out[k]
            out[k] = [*prev, v] if isinstance(prev, list) and k == "asterix.message" else [prev, v]
        else:
            out[k] = v
    return out


def _leaves(node: object, out: dict[str, str]) -> None:
    if isinstance(node, dict):
        for k, v in node.items():
            if isinstance(v, dict | list):
                _leaves(v, out)
            else:
                out.setdefault(k, str(v))
    elif isinstance(node, list):
        for v in node:
            _leaves(v, out)


def _write_pcap(path: Path, payloads: list[bytes], port: int = 8600) -> None:
    """A classic pcap of Ethernet/IPv4/UDP datagrams, one per payload."""
    out = bytearray(struct.pack("<IHHiIII", 0xA1B2C3D4, 2, 4, 0, 0, 65535, 1))
    for i, pl in enumerate(payloads):
        udp = struct.pack(">HHHH", 40000, port, 8 + len(pl), 0) + pl
        ip = struct.pack(">BBHHHBBH4s4s", 0x45, 0, 20 + len(udp), i & 0xFFFF, 0, 64, 17, 0,
                         bytes([10, 0, 0, 1]), bytes([10, 0, 0, 2]))  # fmt: skip
        frame = b"\x00" * 12 + b"\x08\x00" + ip + udp
        out += struct.pack("<IIII", 1_700_000_000 + i, 0, len(frame), len(frame)) + frame
    path.write_bytes(bytes(out))


def _num(s: pd.Series) -> np.ndarray:
    """Numbers as tshark prints them (decimal, or 0x-hex for codes); NaN where absent."""
    return np.asarray([float(int(x, 16)) if x.startswith("0x") else float(x) if x else np.nan
                       for x in s], dtype=float)  # fmt: skip


def _fl(s: pd.Series) -> np.ndarray:
    """I048/090 is 14-bit two's complement; tshark 4.0 prints it unsigned (FL -1 as 4095)."""
    fl = _num(s)
    return np.where(fl >= 2048, fl - 4096, fl)


def test_cat048_matches_tshark():
    pcap = CC / "cat_034_048.pcap"
    ours = read_recording(pcap).cat048
    ports = {int(d.rsplit(":", 1)[1]) for d in ours["dst"]}
    fields = ["asterix.048_010_SIC", "asterix.048_140_VALUE", "asterix.048_040_RHO",
              "asterix.048_040_THETA", "asterix.048_070_MODE3A", "asterix.048_090_FL",
              "asterix.048_220_VALUE", "asterix.048_240_VALUE", "asterix.048_161_TRN",
              "asterix.048_200_GSP", "asterix.048_200_HDG"]  # fmt: skip
    ref = _tshark(pcap, ports, fields)
    ref = ref[ref["asterix.048_010_SIC"] != ""].reset_index(drop=True)  # CAT034 rows out
    assert len(ref) == len(ours) == 128
    np.testing.assert_array_equal(_num(ref["asterix.048_010_SIC"]), ours["sic"])
    np.testing.assert_array_equal(_num(ref["asterix.048_140_VALUE"]), ours["tod_s"])
    np.testing.assert_allclose(_num(ref["asterix.048_040_RHO"]), ours["range_m"] / NM_M, atol=1e-9)
    np.testing.assert_allclose(_num(ref["asterix.048_040_THETA"]), ours["azimuth_deg"], atol=1e-9)
    m3 = _num(ref["asterix.048_070_MODE3A"])
    np.testing.assert_array_equal(np.nan_to_num(m3, nan=-1), ours["mode3a"])
    np.testing.assert_array_equal(_fl(ref["asterix.048_090_FL"]), ours["fl"].to_numpy())
    adr = ref["asterix.048_220_VALUE"].map(lambda x: int(x, 16) if x else -1).to_numpy()
    np.testing.assert_array_equal(adr, ours["address"])
    assert list(ref["asterix.048_240_VALUE"].str.strip()) == list(ours["callsign"])
    np.testing.assert_array_equal(np.nan_to_num(_num(ref["asterix.048_161_TRN"]), nan=-1),
                                  ours["track_number"])  # fmt: skip
    np.testing.assert_allclose(_num(ref["asterix.048_200_GSP"]) * NM_M,
                               ours["ground_speed_m_s"], atol=1e-9)  # fmt: skip
    np.testing.assert_allclose(_num(ref["asterix.048_200_HDG"]), ours["heading_deg"], atol=1e-9)


def test_iamd_cat062_encoding_matches_tshark(tmp_path):
    t = pd.concat([read_recording(DATA / "jasterix" / "cat062ed1.12.bin").cat062,
                   read_recording(CC / "cat_062_065.pcap").cat062], ignore_index=True)  # fmt: skip
    g = np.random.default_rng(7)
    n = 40
    extra = pd.DataFrame({
        "sac": 25, "sic": 250, "tod_s": g.integers(0, 86400 * 128, n) / 128,
        "track_number": g.integers(0, 65536, n),
        "lat_deg": g.integers(-(2**24), 2**24, n) * 180 / 2**25,
        "lon_deg": g.integers(-(2**25), 2**25 - 1, n) * 180 / 2**25,
        "vx_m_s": g.integers(-4000, 4000, n) / 4, "vy_m_s": g.integers(-4000, 4000, n) / 4,
        "mode3a": g.integers(0, 4096, n), "fl": g.integers(-40, 1600, n) / 4,
        "geometric_alt_m": g.integers(-200, 8000, n) * 6.25 * FT_M,
        "rocd_m_s": g.integers(-3000, 3000, n) * 6.25 * FT_M / 60,
        "sigma_x_m": g.integers(0, 4000, n) / 2, "sigma_y_m": g.integers(0, 4000, n) / 2,
        "coasting": g.random(n) < 0.5, "psr_age_s": g.integers(0, 256, n) / 4,
    })  # fmt: skip
    t = pd.concat([t, extra], ignore_index=True)
    blob = encode_cat062(t, max_block_octets=300)
    pcap = tmp_path / "ours062.pcap"
    _write_pcap(pcap, split_blocks(blob))
    ours = decode(blob).cat062
    fields = ["asterix.062_010_SAC", "asterix.062_010_SIC", "asterix.062_070_VALUE",
              "asterix.062_040_VALUE", "asterix.062_105_LAT", "asterix.062_105_LON",
              "asterix.062_185_VX", "asterix.062_185_VY", "asterix.062_060_MODE3A",
              "asterix.062_136_VALUE", "asterix.062_130_VALUE", "asterix.062_220_VALUE",
              "asterix.062_500_APC_X", "asterix.062_500_APC_Y",
              "asterix.062_380_ADR_VALUE", "asterix.062_080_CST",
              "asterix.062_290_PSR_VALUE"]  # fmt: skip
    ref = _tshark(pcap, {8600}, fields)
    assert len(ref) == len(ours) == len(t)
    cst = np.nan_to_num(_num(ref["asterix.062_080_CST"]), nan=0.0)  # absent: no 4th octet
    np.testing.assert_array_equal(cst.astype(bool), ours["coasting"])
    assert 10 < ours["coasting"].sum() < n
    np.testing.assert_array_equal(_num(ref["asterix.062_290_PSR_VALUE"]), ours["psr_age_s"])
    np.testing.assert_array_equal(_num(ref["asterix.062_010_SAC"]), ours["sac"])
    np.testing.assert_array_equal(_num(ref["asterix.062_010_SIC"]), ours["sic"])
    np.testing.assert_array_equal(_num(ref["asterix.062_070_VALUE"]), ours["tod_s"])
    np.testing.assert_array_equal(_num(ref["asterix.062_040_VALUE"]), ours["track_number"])
    np.testing.assert_allclose(_num(ref["asterix.062_105_LAT"]), ours["lat_deg"], atol=1e-9)
    np.testing.assert_allclose(_num(ref["asterix.062_105_LON"]), ours["lon_deg"], atol=1e-9)
    np.testing.assert_array_equal(_num(ref["asterix.062_185_VX"]), ours["vx_m_s"])
    np.testing.assert_array_equal(_num(ref["asterix.062_185_VY"]), ours["vy_m_s"])
    np.testing.assert_array_equal(_num(ref["asterix.062_060_MODE3A"]), ours["mode3a"])
    np.testing.assert_array_equal(_num(ref["asterix.062_136_VALUE"]), ours["fl"])
    np.testing.assert_allclose(_num(ref["asterix.062_130_VALUE"]) * FT_M,
                               ours["geometric_alt_m"], atol=1e-9)  # fmt: skip
    np.testing.assert_allclose(_num(ref["asterix.062_220_VALUE"]) * FT_M / 60,
                               ours["rocd_m_s"], atol=1e-9)  # fmt: skip
    np.testing.assert_array_equal(_num(ref["asterix.062_500_APC_X"]), ours["sigma_x_m"])
    np.testing.assert_array_equal(_num(ref["asterix.062_500_APC_Y"]), ours["sigma_y_m"])
    adr = np.nan_to_num(_num(ref["asterix.062_380_ADR_VALUE"]), nan=-1)
    np.testing.assert_array_equal(adr, ours["address"])
    assert (ours["address"] >= 0).sum() == 3


def test_iamd_cat048_encoding_matches_tshark(tmp_path):
    t = read_recording(CC / "cat_034_048.pcap").cat048.drop(columns=["time_s", "src", "dst"])
    blob = encode_cat048(t, max_block_octets=400)
    pcap = tmp_path / "ours048.pcap"
    _write_pcap(pcap, split_blocks(blob))
    ref = _tshark(pcap, {8600}, ["asterix.048_040_RHO", "asterix.048_040_THETA",
                                 "asterix.048_090_FL", "asterix.048_240_VALUE"])  # fmt: skip
    assert len(ref) == len(t)
    np.testing.assert_allclose(_num(ref["asterix.048_040_RHO"]), t["range_m"] / NM_M, atol=1e-9)
    np.testing.assert_allclose(_num(ref["asterix.048_040_THETA"]), t["azimuth_deg"], atol=1e-9)
    np.testing.assert_array_equal(_fl(ref["asterix.048_090_FL"]), t["fl"].to_numpy())
    assert list(ref["asterix.048_240_VALUE"].str.strip()) == list(t["callsign"])


def test_iamd_cat034_encoding_matches_tshark(tmp_path):
    """CAT034 (ed. 1.2x) written by iamd, one block per message as a radar sends them: the
    Croatia Control service messages and a north marker with every item iamd writes."""
    t = read_recording(CC / "cat_034_048.pcap").cat034.drop(columns=["time_s", "src", "dst"])
    extra = pd.DataFrame({"sac": [25], "sic": [12], "msg_type": [1], "tod_s": [100.5],
                          "rotation_period_s": [4.9453125], "site_lat_deg": [43.572],
                          "site_lon_deg": [16.404], "site_alt_m": [500.0]})  # fmt: skip
    t = pd.concat([t, extra], ignore_index=True)
    blob = encode_cat034(t, block_starts=np.ones(len(t), dtype=bool))
    pcap = tmp_path / "ours034.pcap"
    pcap.write_bytes(pcap_bytes(split_blocks(blob), np.arange(len(t), dtype=float)))
    ours = read_recording(pcap).cat034
    fields = ["asterix.034_010_SAC", "asterix.034_010_SIC", "asterix.034_000_VALUE",
              "asterix.034_030_VALUE", "asterix.034_020_VALUE", "asterix.034_041_VALUE",
              "asterix.034_120_HGT", "asterix.034_120_LAT", "asterix.034_120_LON"]  # fmt: skip
    ref = _tshark(pcap, {8600}, fields)
    assert len(ref) == len(ours) == len(t) == 35
    np.testing.assert_array_equal(_num(ref["asterix.034_010_SAC"]), ours["sac"])
    np.testing.assert_array_equal(_num(ref["asterix.034_010_SIC"]), ours["sic"])
    np.testing.assert_array_equal(_num(ref["asterix.034_000_VALUE"]), ours["msg_type"])
    np.testing.assert_array_equal(_num(ref["asterix.034_030_VALUE"]), ours["tod_s"])
    np.testing.assert_array_equal(_num(ref["asterix.034_020_VALUE"]), ours["sector_azimuth_deg"])
    np.testing.assert_array_equal(_num(ref["asterix.034_041_VALUE"]), ours["rotation_period_s"])
    np.testing.assert_array_equal(_num(ref["asterix.034_120_HGT"]), ours["site_alt_m"])
    np.testing.assert_allclose(_num(ref["asterix.034_120_LAT"]), ours["site_lat_deg"], atol=1e-9)
    np.testing.assert_allclose(_num(ref["asterix.034_120_LON"]), ours["site_lon_deg"], atol=1e-9)
    assert abs(ours["site_lat_deg"].iloc[-1] - 43.572) < 180 / 2**23


# iamd's I034/050 and I034/060 columns and tshark's field for each (com_ovl_rdp: 050_COM_OVLRDP)
SYSTEM_FIELDS = {
    col: f"asterix.034_{item[-3:]}_{sub}_{col.split('_', 1)[1].replace('_', '').upper()}"
    for item, sub, _bit, _size, cols in CAT034_SYSTEM_SUBFIELDS
    for col, _mask in cols
}


def _assert_system_fields_match(ref: pd.DataFrame, ours: pd.DataFrame) -> None:
    """Every I034/050 and I034/060 field, as tshark prints it (absent: -1), equals iamd's."""
    assert len(ref) == len(ours)
    for col, field in SYSTEM_FIELDS.items():
        theirs = np.nan_to_num(_num(ref[field]), nan=-1.0)
        np.testing.assert_array_equal(theirs, ours[col].to_numpy(), err_msg=col)


def test_cat034_system_status_and_mode_of_the_recording_match_tshark():
    """I034/050 and I034/060 of Croatia Control's 34 service messages: iamd and tshark read
    the same bytes to the same fields (COM and MDS from SIC 12, COM, PSR and MDS from SIC 11,
    COM and SSR from SIC 14)."""
    pcap = CC / "cat_034_048.pcap"
    ours = read_recording(pcap).cat034
    ports = {int(d.rsplit(":", 1)[1]) for d in ours["dst"]}
    ref = _tshark(pcap, ports, ["asterix.034_000_VALUE", *SYSTEM_FIELDS.values()])
    ref = ref[ref["asterix.034_000_VALUE"] != ""].reset_index(drop=True)  # CAT048 rows out
    _assert_system_fields_match(ref, ours)
    assert (ours["com_nogo"] == 0).sum() == 10
    present = {sub: int((ours[f"{sub}_ch_ab"] >= 0).sum()) for sub in ("psr", "ssr", "mds")}
    assert present == {"psr": 4, "ssr": 4, "mds": 6}


def test_iamd_cat034_system_status_and_mode_encoding_matches_tshark(tmp_path):
    """Random I034/050 and I034/060 (each subfield present or not, every field over its range)
    written by iamd: tshark reads every field back, and the absent subfields as absent."""
    g = np.random.default_rng(34)
    n = 60
    t = {"sac": np.full(n, 25), "sic": np.full(n, 12), "msg_type": np.ones(n, dtype=int),
         "tod_s": np.arange(n) / 128.0}  # fmt: skip
    for _item, _sub, _bit, _size, cols in CAT034_SYSTEM_SUBFIELDS:
        has = g.random(n) < 0.6
        for col, mask in cols:
            hi = mask >> ((mask & -mask).bit_length() - 1)
            t[col] = np.where(has, g.integers(0, hi + 1, n), -1)
    blob = encode_cat034(t, block_starts=np.ones(n, dtype=bool))
    pcap = tmp_path / "ours034_system.pcap"
    pcap.write_bytes(pcap_bytes(split_blocks(blob), np.arange(n, dtype=float)))
    ours = read_recording(pcap).cat034
    ref = _tshark(pcap, {8600}, list(SYSTEM_FIELDS.values()))
    _assert_system_fields_match(ref, ours)
    for col in SYSTEM_FIELDS:
        np.testing.assert_array_equal(ours[col], t[col], err_msg=col)


def test_iamd_run_cat062_with_i062_390_matches_tshark(tmp_path):
    """``iamd run --out-asterix``'s capture (iamd's pcap writer) as tshark reads it: every
    record, its position, Mode 3/A and the flight plan's I062/390 CSN, DEP and DST."""
    from iamd.interop.export import TrackRecorder
    from iamd.interop.export.asterix import write_picture_asterix
    from iamd.scenario.loader import load_scenario_text
    from iamd.sim.engine import run

    scenario = Path(__file__).with_name("asterix_small.yaml").read_text(encoding="utf-8")
    rec = TrackRecorder()
    text = scenario.replace("duration_s: 240", "duration_s: 90")
    result = run(load_scenario_text(text, "asterix_small.yaml"), seed=1, on_step=rec)
    pcap = tmp_path / "picture.pcap"
    write_picture_asterix(pcap, result, rec.frames)
    ours = read_recording(pcap).cat062
    fields = ["asterix.062_040_VALUE", "asterix.062_070_VALUE", "asterix.062_105_LAT",
              "asterix.062_105_LON", "asterix.062_060_MODE3A", "asterix.062_390_CS_VALUE",
              "asterix.062_390_DEP_VALUE", "asterix.062_390_DST_VALUE"]  # fmt: skip
    ref = _tshark(pcap, {8600}, fields)
    assert len(ref) == len(ours) > 100
    np.testing.assert_array_equal(_num(ref["asterix.062_040_VALUE"]), ours["track_number"])
    np.testing.assert_array_equal(_num(ref["asterix.062_070_VALUE"]), ours["tod_s"])
    np.testing.assert_allclose(_num(ref["asterix.062_105_LAT"]), ours["lat_deg"], atol=1e-9)
    np.testing.assert_allclose(_num(ref["asterix.062_105_LON"]), ours["lon_deg"], atol=1e-9)
    np.testing.assert_array_equal(np.nan_to_num(_num(ref["asterix.062_060_MODE3A"]), nan=-1),
                                  ours["mode3a"])  # fmt: skip
    assert list(ref["asterix.062_390_CS_VALUE"].str.rstrip()) == list(ours["plan_callsign"])
    assert list(ref["asterix.062_390_DEP_VALUE"]) == list(ours["adep"])
    assert list(ref["asterix.062_390_DST_VALUE"]) == list(ours["ades"])
    assert (ours["plan_callsign"] == "ROT601").any()
    assert set(ours.loc[ours["plan_callsign"] == "ROT601", "mode3a"]) == {0o2301}


def test_iamd_synthetic_radar_feed_with_cat034_matches_tshark(tmp_path):
    """A synthetic recording (iamd's complete radar feed: CAT048 plots with each radar's
    CAT034 north markers and sector crossings between them) as a capture, one datagram per
    block: tshark reads the same records of both categories in the same order."""
    from iamd.interop.asterix.synthetic import synthetic_cat048

    syn = synthetic_cat048(n_radars=2, n_targets=5, duration_s=40.0, seed=2)
    blocks = split_blocks(syn.data)
    pcap = tmp_path / "feed.pcap"
    pcap.write_bytes(pcap_bytes(blocks, np.arange(len(blocks), dtype=float)))
    ref = _tshark(pcap, {8600}, ["asterix.034_000_VALUE", "asterix.034_030_VALUE",
                                 "asterix.048_140_VALUE", "asterix.034_041_VALUE"])  # fmt: skip
    dec = read_recording(pcap)
    assert len(ref) == len(dec.cat034) + len(dec.cat048)
    is34 = (ref["asterix.034_000_VALUE"] != "").to_numpy()
    assert is34.sum() == len(dec.cat034) > 20
    np.testing.assert_array_equal(
        _num(ref.loc[is34, "asterix.034_000_VALUE"]), dec.cat034["msg_type"]
    )
    np.testing.assert_array_equal(_num(ref.loc[is34, "asterix.034_030_VALUE"]), dec.cat034["tod_s"])
    period = _num(ref.loc[is34, "asterix.034_041_VALUE"])
    np.testing.assert_array_equal(period, dec.cat034["rotation_period_s"])
    t = np.where(is34, _num(ref["asterix.034_030_VALUE"]), _num(ref["asterix.048_140_VALUE"]))
    assert (np.diff(t) >= 0).all()  # the feed is in time order


@pytest.mark.parametrize("psr", [False, True])
def test_synthetic_north_markers_status_and_mode_match_tshark(tmp_path, psr):
    """The synthetic feed's north markers say, as tshark reads them, that each radar works:
    released for operational use, no overload, no reduction, channel A; with the Mode S
    subfields (and the PSR ones when the radars have a primary radar), no SSR subfield; the
    sector crossings carry neither item."""
    from iamd.interop.asterix.synthetic import synthetic_cat048

    syn = synthetic_cat048(n_radars=2, n_targets=3, duration_s=30.0, seed=5, psr=psr)
    blocks = [b for b in split_blocks(syn.data) if b[0] == 34]
    pcap = tmp_path / "north.pcap"
    pcap.write_bytes(pcap_bytes(blocks, np.arange(len(blocks), dtype=float)))
    ours = read_recording(pcap).cat034
    ref = _tshark(pcap, {8600}, ["asterix.034_000_VALUE", *SYSTEM_FIELDS.values()])
    _assert_system_fields_match(ref, ours)
    north = _num(ref["asterix.034_000_VALUE"]) == 1
    assert north.sum() >= 4
    nm = ref[north]
    assert set(nm["asterix.034_050_COM_NOGO"]) == {"0"}
    assert set(nm["asterix.034_050_MDS_CHAB"]) == {"1"}
    assert set(nm["asterix.034_060_MDS_REDRAD"]) == {"0"}
    assert set(nm["asterix.034_050_PSR_CHAB"]) == ({"1"} if psr else {""})
    assert set(nm["asterix.034_050_SSR_CHAB"]) == {""}
    assert (ref.loc[~north, list(SYSTEM_FIELDS.values())] == "").all().all()


@pytest.mark.parametrize("linktype", [1, 113, 101, 229])
def test_croatia_capture_over_ipv6_matches_tshark(tmp_path, linktype):
    """Croatia Control's capture re-sent over IPv6 (each UDP payload in an IPv6/UDP packet
    built by hand, tests/interop/pcap_frames.py; every other packet with hop-by-hop and
    destination options headers) on each link type the reader takes: tshark finds the same
    packets, addresses and ports, and the same records; iamd's tables equal the IPv4
    capture's but for the addresses."""
    from .pcap_frames import (
        DEST_OPTS,
        HOP_BY_HOP,
        UDP,
        ethernet,
        ipv6,
        linux_cooked,
        padn_options,
        pcap,
        udp6,
    )

    v4 = read_pcap(CC / "cat_034_048.pcap")
    wrap = {1: ethernet, 113: linux_cooked}.get(linktype, lambda pk: pk)
    frames = []
    for k, (a, b) in enumerate(v4.segments):
        src, dst = f"2001:db8::{k % 3 + 1}", f"ff15::{k % 2 + 48:x}"
        dport = int(v4.dst[k].rsplit(":", 1)[1])
        dgram = udp6(v4.data[a:b], src, dst, 40000 + k, dport)
        if k % 2:
            ext = padn_options(DEST_OPTS, 16) + padn_options(UDP)
            frames.append(wrap(ipv6(dgram, src, dst, HOP_BY_HOP, ext)))
        else:
            frames.append(wrap(ipv6(dgram, src, dst, UDP)))
    path = tmp_path / f"croatia_v6_{linktype}.pcap"
    path.write_bytes(pcap(frames, linktype, v4.time_s.tolist()))
    pk = read_pcap(path)
    assert pk.skipped == 0 and pk.segments == v4.segments and pk.data == v4.data
    np.testing.assert_array_equal(pk.time_s, v4.time_s)
    res = subprocess.run(
        [TSHARK, "-r", str(path), "-T", "fields", "-E", "separator=,", "-e", "ipv6.src",
         "-e", "ipv6.dst", "-e", "udp.srcport", "-e", "udp.dstport"],
        capture_output=True, text=True, timeout=120, check=True,
    )  # fmt: skip
    rows = [line.split(",") for line in res.stdout.splitlines()]
    assert [f"[{r[0]}]:{r[2]}" for r in rows] == pk.src.tolist()
    assert [f"[{r[1]}]:{r[3]}" for r in rows] == pk.dst.tolist()
    ours = read_recording(path)
    ref4 = read_recording(CC / "cat_034_048.pcap")
    for cat in (34, 48):
        a, b = ours.tables[cat], ref4.tables[cat]
        assert len(a) == len(b) > 30
        pd.testing.assert_frame_equal(
            a.drop(columns=["src", "dst"]), b.drop(columns=["src", "dst"])
        )
    ports = {int(d.rsplit(":", 1)[1]) for d in pk.dst}
    ref = _tshark(path, ports, ["asterix.048_010_SIC", "asterix.048_140_VALUE",
                                "asterix.048_240_VALUE", "asterix.034_000_VALUE"])  # fmt: skip
    c48 = ref[ref["asterix.048_010_SIC"] != ""].reset_index(drop=True)
    assert len(c48) == len(ours.cat048) == 128
    np.testing.assert_array_equal(_num(c48["asterix.048_010_SIC"]), ours.cat048["sic"])
    np.testing.assert_array_equal(_num(c48["asterix.048_140_VALUE"]), ours.cat048["tod_s"])
    assert list(c48["asterix.048_240_VALUE"].str.strip()) == list(ours.cat048["callsign"])
    assert (ref["asterix.034_000_VALUE"] != "").sum() == len(ours.cat034)


CALLSIGNS_8 = ["ABCDEFGH", "12345678", "Z0Y9X8W7", "A B C DE", "DLH65A", "ROT601AB"]


def test_8_character_callsigns_match_tshark(tmp_path):
    """Full 8-character callsigns written by iamd in I048/240 and I062/245 (with each STI):
    tshark reads the same eight characters, and I062/245's STI."""
    n = len(CALLSIGNS_8)
    base = {"sac": 25, "sic": 12, "tod_s": np.arange(n) / 128.0, "callsign": CALLSIGNS_8}
    blob48 = encode_cat048(pd.DataFrame({**base, "range_m": 1e4, "azimuth_deg": 45.0}))
    sti = [0, 1, 2, 3, 0, 1]
    blob62 = encode_cat062(
        pd.DataFrame({**base, "track_number": np.arange(n), "callsign_sti": sti})
    )
    pcap = tmp_path / "callsigns.pcap"
    _write_pcap(pcap, [*split_blocks(blob48), *split_blocks(blob62)])
    ref = _tshark(pcap, {8600}, ["asterix.048_240_VALUE", "asterix.062_245_CHR",
                                 "asterix.062_245_STI"])  # fmt: skip
    assert len(ref) == 2 * n
    assert list(ref["asterix.048_240_VALUE"][:n].str.rstrip()) == CALLSIGNS_8
    assert list(ref["asterix.062_245_CHR"][n:].str.rstrip()) == CALLSIGNS_8
    np.testing.assert_array_equal(_num(ref["asterix.062_245_STI"][n:]), sti)
    assert decode(blob62).cat062["callsign"].tolist() == CALLSIGNS_8


def test_iamd_run_8_character_plan_callsign_in_i062_245_matches_tshark(tmp_path):
    """A filed flight plan's 8-character callsign (the scenario allows 8; I062/390 CSN holds
    7) is written whole in I062/245 with STI 1 (not downlinked), with no CSN: tshark reads
    it there on every correlated record."""
    from iamd.interop.export import TrackRecorder
    from iamd.interop.export.asterix import write_picture_asterix
    from iamd.scenario.loader import load_scenario_text
    from iamd.sim.engine import run

    scenario = Path(__file__).with_name("asterix_small.yaml").read_text(encoding="utf-8")
    text = scenario.replace("duration_s: 240", "duration_s: 90")
    text = text.replace("callsign: ROT601}", "callsign: ROT601AB}")
    assert "ROT601AB" in text
    rec = TrackRecorder()
    result = run(load_scenario_text(text, "asterix_small.yaml"), seed=1, on_step=rec)
    pcap = tmp_path / "picture.pcap"
    write_picture_asterix(pcap, result, rec.frames)
    ours = read_recording(pcap).cat062
    ref = _tshark(pcap, {8600}, ["asterix.062_040_VALUE", "asterix.062_245_CHR",
                                 "asterix.062_245_STI", "asterix.062_390_CS_VALUE",
                                 "asterix.062_060_MODE3A"])  # fmt: skip
    assert len(ref) == len(ours) > 100
    hit = ours["callsign"] == "ROT601AB"
    assert hit.sum() > 10
    assert set(ours.loc[hit, "callsign_sti"]) == {1} and set(ours.loc[hit, "mode3a"]) == {0o2301}
    assert (ours["plan_callsign"] == "").all()
    assert list(ref["asterix.062_245_CHR"].str.rstrip()) == list(ours["callsign"])
    np.testing.assert_array_equal(np.nan_to_num(_num(ref["asterix.062_245_STI"]), nan=-1),
                                  ours["callsign_sti"])  # fmt: skip
    assert set(ref["asterix.062_390_CS_VALUE"]) == {""}
