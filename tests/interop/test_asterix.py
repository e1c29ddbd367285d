"""The ASTERIX codec against independent decoders, round trips and its framing rules.

Authorities:
- Croatia Control's decoder (``asterix_decoder``, GPL; its outputs are in
  ``shared/data/asterix/decoded/*.csv`` and ``croatiacontrol/expected_output/``);
- ``asterix4py`` with its CAT062 edition 0.17 description (the 2008 recording's CSV);
- jASTERIX (OpenATS COMPASS): the values asserted in hpuhr/jASTERIX ``src/test/test_*.cpp``
  for the test vectors in ``shared/data/asterix/jasterix/``.
"""

from __future__ import annotations

import contextlib
import gzip
import json
import re
import socket
import threading
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from iamd.errors import DataFileError, InputError
from iamd.interop.asterix import (
    UdpStats,
    decode,
    decode_stream,
    encode_cat048,
    encode_cat062,
    open_udp,
    read_pcap,
    read_recording,
    send_udp,
    split_blocks,
    udp_blocks,
)
from iamd.interop.asterix.capture import read_pcap_bytes
from iamd.interop.asterix.fields import CAT034_SYSTEM_SUBFIELDS, FT_M, KT_M_S, NM_M

DATA = Path(__file__).resolve().parents[3] / "shared" / "data" / "asterix"
if not DATA.is_dir():
    DATA = Path("/work/shared/data/asterix")
CC = DATA / "croatiacontrol"
JA = DATA / "jasterix"
pytestmark = pytest.mark.skipif(not DATA.is_dir(), reason="shared ASTERIX samples not found")

TYP_NAMES = {
    0: "No detection",
    1: "Single PSR detection",
    2: "Single SSR detection",
    3: "PSR+SSR detection",
    4: "Single ModeS All-Call",
    5: "Single ModeS Roll-Call",
    6: "PSR+ModeS All-Call",
    7: "PSR+ModeS Roll-Call",
}


def _oct(v: int) -> str:
    return f"{v:o}"


# --------------------------------------------------------------------------- authorities


def test_cat048_matches_croatiacontrol_decoder():
    dec = read_recording(CC / "cat_034_048.pcap")
    ref = pd.read_csv(DATA / "decoded" / "cat048_plots.csv", dtype={"mode3a": str})
    got = dec.cat048
    assert len(got) == len(ref) == 128
    assert list(got["dst"]) == list(ref["dst"])
    assert (got["sac"].to_numpy() == ref["sac"].to_numpy()).all()
    assert (got["sic"].to_numpy() == ref["sic"].to_numpy()).all()
    np.testing.assert_array_equal(got["tod_s"], ref["tod_s"])
    assert [TYP_NAMES[t] for t in got["typ"]] == list(ref["typ"])
    np.testing.assert_allclose(got["range_m"] / NM_M, ref["rho_nm"], rtol=0, atol=1e-9)
    np.testing.assert_allclose(got["azimuth_deg"], ref["theta_deg"], rtol=0, atol=1e-9)
    xy = ref["x_nm"].notna().to_numpy()
    assert (got["x_m"].notna().to_numpy() == xy).all()
    np.testing.assert_allclose(got["x_m"][xy] / NM_M, ref["x_nm"][xy], atol=1e-9)
    np.testing.assert_allclose(got["y_m"][xy] / NM_M, ref["y_nm"][xy], atol=1e-9)
    m = ref["mode3a"].notna().to_numpy()
    assert [_oct(v) for v in got["mode3a"][m]] == [str(int(x)) for x in ref["mode3a"][m]]
    assert (got["mode3a"][~m] == -1).all()
    fl = ref["fl"].notna().to_numpy()
    np.testing.assert_array_equal(got["fl"][fl], ref["fl"][fl])
    assert got["fl"][~fl].isna().all()
    a = ref["icao24"].notna().to_numpy()
    assert [f"{v:06X}" for v in got["address"][a]] == list(ref["icao24"][a])
    assert list(got["callsign"]) == [
        s.strip() if isinstance(s, str) else "" for s in ref["callsign"]
    ]
    tn = ref["track_no"].notna().to_numpy()
    np.testing.assert_array_equal(got["track_number"][tn], ref["track_no"][tn])
    gs = ref["gs_kt"].notna().to_numpy()
    np.testing.assert_allclose(got["ground_speed_m_s"][gs] / KT_M_S, ref["gs_kt"][gs], atol=1e-9)
    np.testing.assert_allclose(got["heading_deg"][gs], ref["hdg_deg"][gs], atol=1e-9)
    h = ref["height_3d_ft"].notna().to_numpy()
    np.testing.assert_allclose(got["height_3d_m"][h] / FT_M, ref["height_3d_ft"][h], atol=1e-9)
    # capture times as the decoder's pcap reader gave them
    epoch = pd.Timestamp("1970-01-01", tz="UTC")
    t_ref = (pd.to_datetime(ref["pcap_time_utc"]) - epoch).dt.total_seconds().to_numpy()
    np.testing.assert_allclose(got["time_s"], t_ref, atol=1e-6)


def test_cat048_matches_croatiacontrol_text_dump_single_record():
    got = read_recording(CC / "cat048.raw").cat048.iloc[0]
    # expected_output/cat_034_048.txt: "RHO: 50607 (197.6835938 NM)",
    # "THETA: 61920 (340.1367188 deg)",
    # "Mode-3/A reply code: 1000", "FlightLevel: 1320 (330 FL)", "AircraftAddress: 3C660C",
    # "DLH65A", "Track Number: 3563", "Calculated groundspeed: 1977 (434.3994141 kt)"
    assert (got.sac, got.sic) == (25, 201)
    assert got.tod_s == 27354.6015625
    assert got.range_m == 50607 / 256 * NM_M
    assert got.azimuth_deg == 61920 * 360 / 65536
    assert _oct(got.mode3a) == "1000"
    assert got.fl == 330.0
    assert got.address == 0x3C660C
    assert got.callsign == "DLH65A"
    assert got.track_number == 3563
    assert got.ground_speed_m_s / KT_M_S == pytest.approx(434.3994141, abs=1e-7)


def test_cat034_matches_croatiacontrol_decoder():
    got = read_recording(CC / "cat_034_048.pcap").cat034
    ref = pd.read_csv(DATA / "decoded" / "cat034_service.csv")
    assert len(got) == len(ref) == 34
    names = {1: "North Marker message", 2: "Sector crossing message"}
    assert [names[m] for m in got["msg_type"]] == list(ref["msg_type"])
    np.testing.assert_array_equal(got["tod_s"], ref["tod_s"])
    np.testing.assert_array_equal(got["sector_azimuth_deg"], ref["sector_azimuth_deg"])
    assert (got["sic"].to_numpy() == ref["sic"].to_numpy()).all()


# Croatia Control's text dump names each field of I034/050 and I034/060 (its labels, spelling
# kept); the subfields no record of the capture has (I034/060 PSR and SSR) are not listed
CC_SYSTEM_LABELS = {
    "Operational Release Status of the System": "com_nogo",
    "Radar Data Processor Chain Selection Status": "com_rdpc",
    "Event to signal a reset/restart of the selected Radar Data Processor Chain": "com_rdpr",
    "Radar Data Processor Overload Indicator": "com_ovl_rdp",
    "Transmission Subsystem Overload Status": "com_ovl_xmt",
    "Monitoring System Connected Status": "com_msc",
    "Time Source Validity": "com_tsv",
    "Selected PSR antenna": "psr_ant",
    "PSR Channel A/B selection status": "psr_ch_ab",
    "PSSR Overload condition": "psr_ovl",
    "PSSR Monitoring System Connected Status": "psr_msc",
    "Selected SSR antenna": "ssr_ant",
    "SSR Channel A/B selection status": "ssr_ch_ab",
    "SSR Overload condition": "ssr_ovl",
    "SSR Monitoring System Connected Status": "ssr_msc",
    "Mode S Selected antenna": "mds_ant",
    "Mode S Channel A/B selection status for surveillance": "mds_ch_ab",
    "Mode S Overload condition": "mds_ovl_sur",
    "Mode S Monitoring System Connected Status": "mds_msc",
    "Mode S Channel A/B sellection for Surveillance Co-ordination Function": "mds_scf",
    "Mode S Channel A/B sellection for Data Link Function": "mds_dlf",
    "Mode S Overload in Surveillance Co-ordination Function": "mds_ovl_scf",
    "Mode S Overload in Data Link Function": "mds_ovl_dlf",
    "Reduction Steps in use for an overload of the RDP": "com_red_rdp",
    "Reduction Steps in use for an overload of the Transmission subsystem": "com_red_xmt",
    "Reduction Steps in use as result of an overload within the Mode S subsystem": "mds_red_rad",
    "Cluster State": "mds_clu",
}
SYSTEM_COLUMNS = [c for *_, cols in CAT034_SYSTEM_SUBFIELDS for c, _m in cols]


def _cc_dump_cat034_system_fields() -> list[dict[str, int]]:
    """Per CAT034 record of Croatia Control's text dump, in order: the I034/050 and I034/060
    fields it prints, by iamd's column name."""
    text = gzip.decompress((CC / "expected_output" / "cat_034_048.txt.gz").read_bytes())
    records: list[dict[str, int]] = []
    category, item = 0, ""
    for line in text.decode("utf-8").splitlines():
        if line.startswith("Category: "):
            category = int(line.split()[1])
        elif line.startswith("Data Record") and category == 34:
            records.append({})
        elif line.startswith("Item "):
            item = line.split()[1]
        elif category == 34 and item in ("050", "060") and line.startswith("\t"):
            m = re.match(r"\t(.+?): (\d+)", line)
            assert m, line
            if m[1] != "spare bit set to 0":
                assert m[1] in CC_SYSTEM_LABELS, m[1]
                records[-1][CC_SYSTEM_LABELS[m[1]]] = int(m[2])
    return records


def test_cat034_system_status_and_mode_match_croatiacontrol_decoder():
    """I034/050 and I034/060 of the capture's 34 service messages (north markers of SIC 12
    with COM and MDS, sector crossings of SIC 11 with COM, PSR and MDS, of SIC 14 with COM
    and SSR) as Croatia Control's decoder prints them; -1 where it prints no such field."""
    got = read_recording(CC / "cat_034_048.pcap").cat034
    ref = _cc_dump_cat034_system_fields()
    assert len(ref) == len(got) == 34
    want = pd.DataFrame([{c: r.get(c, -1) for c in SYSTEM_COLUMNS} for r in ref])
    pd.testing.assert_frame_equal(got[SYSTEM_COLUMNS].reset_index(drop=True), want,
                                  check_dtype=False)  # fmt: skip
    assert sum(bool(r) for r in ref) == 10
    by_sic = got.groupby("sic")
    assert (by_sic["psr_ch_ab"].max().to_dict(), by_sic["ssr_ch_ab"].max().to_dict()) == (
        {11: 1, 12: -1, 13: -1, 14: -1, 201: -1, 204: -1, 205: -1},
        {11: -1, 12: -1, 13: -1, 14: 1, 201: -1, 204: -1, 205: -1},
    )


def test_cat062_matches_croatiacontrol_decoder_json():
    lines = (CC / "expected_output" / "cat_062_065_json.txt").read_text().splitlines()
    refs = [json.loads(x) for x in lines if x.strip()]
    refs = [r["CAT062"] for r in refs if r["cat"] == 62]
    dec = read_recording(CC / "cat_062_065.pcap")
    assert dec.other_blocks == {65: 1}
    got = dec.cat062
    assert len(got) == len(refs) == 2
    for (_, g), r in zip(got.iterrows(), refs, strict=True):
        assert (g.sac, g.sic) == (r["I010"]["SAC"], r["I010"]["SIC"])
        assert g.tod_s == r["I070"]["ToT"]
        assert g.lat_deg == pytest.approx(r["I105"]["Lat"], abs=1e-7)  # printed to 1e-7
        assert g.lon_deg == pytest.approx(r["I105"]["Lon"], abs=1e-7)
        assert (g.x_m, g.y_m) == (r["I100"]["X"], r["I100"]["Y"])
        assert (g.vx_m_s, g.vy_m_s) == (r["I185"]["Vx"], r["I185"]["Vy"])
        assert _oct(g.mode3a) == r["I060"]["Mode3A"].lstrip("0")
        assert f"{g.address:06X}" == r["I380"]["ADR"]["ADR"]
        assert g.track_number == r["I040"]["TrkN"]
        assert g.fl * 100 == r["I136"]["MFL"]
        assert g.geometric_alt_m / FT_M == pytest.approx(r["I130"]["Alt"], abs=1e-9)
        assert g.rocd_m_s == r["I220"]["RoC"]
        assert g.psr_age_s == r["I290"]["PSR"]["PSR"]  # 5.75 and 8 s
        assert g.coasting == bool(r["I080"]["CST"])  # its 4th octet: neither coasting


def test_cat062_0_17_matches_asterix4py_decoder():
    dec = read_recording(CC / "asterix.pcap", editions={62: "0.17"})
    got = dec.cat062
    ref = pd.read_csv(DATA / "decoded" / "cat062_tracks_lddz_2008.csv", dtype={"mode3a": str})
    assert len(got) == len(ref) == 100
    np.testing.assert_array_equal(got["tod_s"], ref["time_of_track_s"])
    np.testing.assert_array_equal(got["track_number"], ref["track_no"])
    np.testing.assert_allclose(got["lat_deg"], ref["lat_deg"], atol=1e-12)
    np.testing.assert_allclose(got["lon_deg"], ref["lon_deg"], atol=1e-12)
    assert [_oct(v) for v in got["mode3a"]] == [str(int(x)) for x in ref["mode3a"]]
    np.testing.assert_array_equal(got["fl"], ref["fl"])
    np.testing.assert_allclose(got["ground_speed_m_s"] / KT_M_S, ref["gs_kt"], atol=1e-9)
    np.testing.assert_allclose(got["heading_deg"], ref["hdg_deg"], atol=1e-9)
    # I062/220 is two's complement; the asterix4py 0.17 description reads it unsigned
    rocd_ref = (ref["rocd_ftmin"].to_numpy() / 6.25 + 2**15) % 2**16 - 2**15
    np.testing.assert_allclose(got["rocd_m_s"] * 60 / FT_M / 6.25, rocd_ref, atol=1e-9)
    assert (got["rocd_m_s"] < 0).sum() == 2
    assert list(got["callsign"]) == list(ref["callsign"])
    assert list(got["adep"]) == list(ref["adep"])
    assert list(got["ades"]) == list(ref["ades"])


def test_cat062_0_17_read_as_1_1x_is_a_clear_unsupported_edition_error():
    with pytest.raises(DataFileError) as exc:
        read_recording(CC / "asterix.pcap")
    msg = str(exc.value)
    assert "UDP packet 1" in msg and "payload byte 3" in msg
    assert "edition 1.1x UAP" in msg and "--edition 62=0.17 (editions={62: '0.17'} in" in msg


def test_unknown_edition_is_refused():
    with pytest.raises(
        InputError, match=r"CAT062: '0.9' is not supported \(supported: 1.1x, 0.17\)"
    ):
        decode(b"", editions={62: "0.9"})
    with pytest.raises(InputError, match="CAT001: category not supported"):
        decode(b"", editions={1: "1.2"})


def test_cat048_ed1_23_matches_jasterix():
    r = read_recording(JA / "cat048ed1.23.bin").cat048.iloc[0]
    assert (r.sac, r.sic) == (0, 1)
    assert abs(r.tod_s - 33499.835938) < 10e-6
    assert (r.typ, r.sim, r.rdp, r.spi, r.rab) == (5, 0, 1, 0, 0)
    assert abs(r.range_m / NM_M - 255.99609375) < 10e-8
    assert abs(r.azimuth_deg - 89.670) < 10e-3
    assert _oct(r.mode3a) == "470"
    assert r.fl == 370.0
    assert r.address == 11226301
    assert r.callsign == "RYR5XW"
    assert r.track_number == 919
    assert abs(r.ground_speed_m_s / KT_M_S - 463.184) < 10e-3
    assert abs(r.heading_deg - 32.607) < 10e-3
    assert bool(r.track_confirmed)


def test_cat062_ed1_16_matches_jasterix():
    r = read_recording(JA / "cat062ed1.16.bin").cat062.iloc[0]
    assert (r.sac, r.sic) == (0, 5)
    assert abs(r.tod_s - 57617.2265625) < 10e-6
    assert abs(r.lat_deg - 35.13864398) < 10e-4
    assert abs(r.lon_deg - -12.1660387516) < 10e-4
    assert (r.x_m, r.y_m) == (-276095, -398036)
    assert (r.vx_m_s, r.vy_m_s) == (127.25, 181.25)
    assert _oct(r.mode3a) == "6204"
    assert r.track_number == 5533
    assert r.fl == 380.0
    assert r.geometric_alt_m / FT_M == pytest.approx(34837.5, abs=1e-9)
    assert r.rocd_m_s == 0.0


def test_cat062_ed1_12_matches_jasterix():
    r = read_recording(JA / "cat062ed1.12.bin").cat062.iloc[0]
    assert (r.sac, r.sic) == (0, 4)
    assert r.track_number == 5086
    assert _oct(r.mode3a) == "7621"
    assert r.tod_s == 33502.5
    assert (r.x_m, r.y_m) == (260661.0, -220711.5)
    # jASTERIX scales I062/105 by 5.36441e-06 (180/2^25 rounded), 1e-4 deg is its tolerance
    assert abs(r.lat_deg - 45.465155734119996) < 1e-4
    assert abs(r.lon_deg - 17.33247308292) < 1e-4
    assert (r.vx_m_s, r.vy_m_s) == (207.5, -120.5)
    assert r.fl == 349.75
    assert r.address == 6700198
    assert r.callsign == "DLH9CK"
    assert (r.adep, r.ades) == ("EDDF", "LBSF")
    assert (r.sigma_x_m, r.sigma_y_m) == (40.0, 63.0)
    assert r.sigma_lat_deg == pytest.approx(0.00056326305, rel=1e-5)
    assert r.sigma_lon_deg == pytest.approx(0.00050961895, rel=1e-5)
    assert r.sigma_alt_m / FT_M == pytest.approx(1593.75, abs=1e-9)
    assert (r.sigma_vx_m_s, r.sigma_vy_m_s) == (2.75, 4.75)


def test_cat021_ed2_1_matches_jasterix():
    r = read_recording(JA / "cat021ed2.1.bin").cat021.iloc[0]
    assert (r.sac, r.sic) == (0, 3)
    assert r.track_number == 1375
    assert abs(r.lat_deg - 46.84420108795166015625) < 10e-10
    assert abs(r.lon_deg - 12.29852914810180664063) < 10e-10
    assert r.address == 1723237
    assert abs(r.tod_s - 33502.8828125) < 10e-6  # I021/073: no I021/071 in the record
    assert r.geometric_height_m / FT_M == pytest.approx(34750.0, abs=1e-9)
    assert _oct(r.mode3a) == "7106"
    assert r.fl == 350.0
    assert r.callsign == "EZS14ZH"


def test_cat021_ed0_26_matches_jasterix():
    r = read_recording(JA / "cat021ed0.26.bin", editions={21: "0.26"}).cat021.iloc[0]
    assert (r.sac, r.sic) == (0, 5)
    assert abs(r.tod_s - 14418.484375) < 10e-6
    # "lat=7228617 ... lon=-1702186" in the test's comment; jASTERIX's own value uses
    # 5.36441e-06 for the LSB 180/2^25, hence 2e-7 deg apart
    assert r.lat_deg == 7228617 * 180 / 2**25 and r.lon_deg == -1702186 * 180 / 2**25
    assert abs(r.lat_deg - 38.777323149905996) < 1e-6
    assert abs(r.lon_deg - -9.131237217748) < 1e-6
    assert r.address == 4811822
    assert r.callsign == "FM012"
    assert r.track_number == -1  # no I021/161 in edition 0.26


def test_cat034_ed1_26_matches_jasterix():
    r = read_recording(JA / "cat034ed1.26.bin").cat034.iloc[0]
    assert (r.sac, r.sic, r.msg_type) == (0, 2, 2)
    assert abs(r.tod_s - 33499.84375) < 10e-6
    assert r.sector_azimuth_deg == 90.0
    # I034/050 "0x 94 40 60 44 00" and I034/060 "0x 94 00 00 10": COM, PSR and MDS
    want = {"com_nogo": 0, "com_rdpc": 1, "com_rdpr": 0, "com_ovl_rdp": 0, "com_ovl_xmt": 0,
            "com_msc": 0, "com_tsv": 0, "psr_ant": 0, "psr_ch_ab": 3, "psr_ovl": 0,
            "psr_msc": 0, "mds_ant": 0, "mds_ch_ab": 2, "mds_ovl_sur": 0, "mds_msc": 0,
            "mds_scf": 1, "mds_dlf": 0, "mds_ovl_scf": 0, "mds_ovl_dlf": 0, "com_red_rdp": 0,
            "com_red_xmt": 0, "psr_pol": 0, "psr_red_rad": 0, "psr_stc": 0,
            "mds_red_rad": 0, "mds_clu": 1}  # fmt: skip
    assert {c: int(r[c]) for c in SYSTEM_COLUMNS} == {c: want.get(c, -1) for c in SYSTEM_COLUMNS}


def test_mixed_file_reads_every_supported_category_and_counts_the_others():
    dec = read_recording(DATA / "goasterix" / "sample.ast")
    assert len(dec.cat048) == 11 and len(dec.cat034) == 1
    assert dec.other_blocks == {1: 1, 2: 1, 30: 1, 32: 1, 255: 1}
    dec = read_recording(CC / "cat21_re.ast")
    assert len(dec.cat021) == 2
    assert dec.cat021["lat_deg"].between(-90, 90).all()


# --------------------------------------------------------------------------- round trips


def _fields(frame: pd.DataFrame) -> pd.DataFrame:
    return frame.drop(columns=["offset", "block_offset", "segment"]).reset_index(drop=True)


def test_cat062_round_trip_is_byte_exact_and_field_equal():
    t = read_recording(JA / "cat062ed1.12.bin").cat062
    t = pd.concat([t, read_recording(CC / "cat_062_065.pcap").cat062], ignore_index=True)
    blob = encode_cat062(t)
    back = decode(blob).cat062
    keep = list(_fields(back).columns)  # I062/390 CSN, DEP and DST too
    pd.testing.assert_frame_equal(_fields(back)[keep], _fields(t)[keep])
    assert encode_cat062(back) == blob


def test_cat048_round_trip_of_the_recording():
    t = read_recording(CC / "cat_034_048.pcap").cat048.drop(columns=["time_s", "src", "dst"])
    blob = encode_cat048(t)
    back = decode(blob).cat048
    pd.testing.assert_frame_equal(_fields(back), _fields(t))
    assert encode_cat048(back) == blob


def test_encoder_splits_blocks_under_the_size_limit():
    t = read_recording(CC / "cat_034_048.pcap").cat048
    blob = encode_cat048(t, max_block_octets=200)
    blocks = split_blocks(blob)
    assert len(blocks) > 10
    assert all(len(b) <= 200 for b in blocks)
    assert len(decode(blob).cat048) == len(t)


def test_encoder_names_the_bad_value():
    base = {"sac": [1, 1], "sic": [2, 2], "tod_s": [10.0, 11.0], "track_number": [1, 2]}
    with pytest.raises(
        InputError,
        match=r"CAT062 encoder: column lat_deg: row 1: must be within \[-90, 90\] \(got 91",
    ):
        encode_cat062({**base, "lat_deg": [1.0, 91.0], "lon_deg": [2.0, 2.0]})
    with pytest.raises(
        InputError, match=r"column track_number: row 0: must be an integer in \[0, 65535\]"
    ):
        encode_cat062({**base, "track_number": [70000, 1]})
    with pytest.raises(InputError, match="column tod_s is required"):
        encode_cat062({"sac": [1], "sic": [1], "track_number": [1]})
    with pytest.raises(InputError, match="column callsign: row 0: must be at most 8 characters"):
        encode_cat048({"sac": [1], "sic": [1], "tod_s": [1.0], "callsign": ["ABCDEFGHI"]})


def test_cat062_accuracy_saturates_at_the_largest_field_value():
    t = {"sac": [1], "sic": [2], "tod_s": [5.0], "track_number": [7],
         "sigma_x_m": [1e9], "sigma_y_m": [3.0]}  # fmt: skip
    r = decode(encode_cat062(t)).cat062.iloc[0]
    assert (r.sigma_x_m, r.sigma_y_m) == (65535 * 0.5, 3.0)


# --------------------------------------------------------------------------- bad input


def _block(cat: int, payload: bytes) -> bytes:
    return bytes([cat]) + (len(payload) + 3).to_bytes(2, "big") + payload


GOOD048 = (CC / "cat048.raw").read_bytes() if (CC / "cat048.raw").exists() else b""


def test_truncated_block_names_the_byte_offset(tmp_path):
    p = tmp_path / "cut.ast"
    p.write_bytes(GOOD048 + GOOD048[:-5])
    with pytest.raises(
        DataFileError,
        match=r"cut.ast: byte 48: CAT048 block: LEN 48 runs past the end of the input "
        r"\(43 octets left\): truncated block",
    ):
        read_recording(p)


def test_len_larger_than_the_file(tmp_path):
    p = tmp_path / "len.ast"
    p.write_bytes(b"\x30\x01\x00" + GOOD048[3:])
    with pytest.raises(DataFileError, match=r"byte 0: CAT048 block: LEN 256 runs past the end"):
        read_recording(p)


def test_len_below_three_and_short_header(tmp_path):
    with pytest.raises(InputError, match=r"byte 0: CAT048 block: LEN 2 is less than 3"):
        decode(b"\x30\x00\x02")
    with pytest.raises(InputError, match=r"byte 48: truncated data block: 2 octet\(s\) left"):
        decode(GOOD048 + b"\x30\x00")


def test_record_cut_inside_the_block():
    payload = GOOD048[3:-4]  # the last item loses 4 octets, LEN says so
    with pytest.raises(
        InputError,
        match=r"byte 3: record: item I048/170 starts past the end of the block: truncated "
        r"record \(read with the CAT048 edition 1.2x UAP\)",
    ):
        decode(_block(48, payload))


def test_undefined_frn_is_malformed():
    # CAT034 UAP has 14 FRNs: an FSPEC flagging FRN 15 cannot be walked
    with pytest.raises(
        InputError, match=r"FSPEC flags FRN 15, which is not defined in the CAT034 edition 1.2x UAP"
    ):
        decode(_block(34, b"\x01\x01\x80\x00\x00"))
    # CAT062 FRN 2 is spare
    with pytest.raises(InputError, match=r"FRN 2, which is spare"):
        decode(_block(62, b"\x40\x00"))


def test_wrong_category_is_counted_not_read():
    dec = decode(_block(1, b"\x80\x19\xc9"))
    assert dec.other_blocks == {1: 1}
    assert all(len(t) == 0 for t in dec.tables.values())


def test_not_a_pcap_and_pcapng_and_truncated_capture(tmp_path):
    p = tmp_path / "x.pcapng"
    p.write_bytes(b"\x0a\x0d\x0d\x0a" + bytes(40))
    with pytest.raises(
        DataFileError,
        match=r"x.pcapng: a pcapng capture; only the classic pcap format is read: convert "
        r"it with 'editcap -F pcap",
    ):
        read_recording(p)
    q = tmp_path / "y.pcap"
    q.write_bytes(b"hello world, not a capture at all")
    with pytest.raises(DataFileError, match=r"y.pcap: not a pcap capture \(first octets 68656c6c"):
        read_pcap(q)
    raw = (CC / "cat_034_048.pcap").read_bytes()
    r = tmp_path / "cut.pcap"
    r.write_bytes(raw[:1000])
    with pytest.raises(
        DataFileError, match=r"cut.pcap: byte 992: truncated pcap record header \(8 of 16 octets\)"
    ):
        read_recording(r)
    with pytest.raises(DataFileError, match="no such file"):
        read_recording(tmp_path / "missing.pcap")
    with pytest.raises(DataFileError, match="is a directory"):
        read_recording(tmp_path)
    e = tmp_path / "empty.ast"
    e.write_bytes(b"")
    with pytest.raises(DataFileError, match="the file is empty"):
        read_recording(e)


def test_bad_block_in_a_capture_names_the_packet(tmp_path):
    raw = bytearray((CC / "cat_034_048.pcap").read_bytes())
    pk = read_pcap(CC / "cat_034_048.pcap")
    # corrupt the LEN of the 3rd packet's first block (payload starts 42 octets into the frame)
    start = raw.find(pk.data[pk.segments[2][0] : pk.segments[2][0] + 12])
    raw[start + 1 : start + 3] = b"\x7f\xff"
    p = tmp_path / "bad.pcap"
    p.write_bytes(bytes(raw))
    with pytest.raises(
        DataFileError,
        match=r"bad.pcap: UDP packet 3 \(to 232.2.1.13:22113\): payload byte 0: CAT048 block: "
        r"LEN 32767 runs past the end of the packet",
    ):
        read_recording(p)
    dec = read_recording(p, strict=False)
    assert dec.bad_blocks == 1 and len(dec.cat048) == 127


def test_lenient_decoding_skips_and_counts_bad_blocks():
    bad = _block(48, GOOD048[3:-4])
    dec = decode(GOOD048 + bad + GOOD048, strict=False)
    assert len(dec.cat048) == 2
    assert dec.bad_blocks == 1 and dec.bad_bytes == len(bad)
    assert "truncated record" in dec.errors[0]


# --------------------------------------------------------------------------- fuzzing

from hypothesis import HealthCheck, given, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402

SEEDS = [GOOD048, (CC / "cat034.raw").read_bytes() if (CC / "cat034.raw").exists() else b"",
         (JA / "cat062ed1.12.bin").read_bytes() if JA.is_dir() else b"",
         (JA / "cat021ed2.1.bin").read_bytes() if JA.is_dir() else b""]  # fmt: skip


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.binary(max_size=300))
def test_fuzz_random_bytes_raise_only_input_error(data):
    with contextlib.suppress(InputError):
        decode(data)
    decode(data, strict=False)  # lenient never raises


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    st.sampled_from(range(4)),
    st.lists(st.tuples(st.integers(0, 200), st.integers(0, 255)), max_size=6),
    st.integers(0, 8),
)
def test_fuzz_mutated_records_raise_only_input_error(which, flips, cut):
    b = bytearray(SEEDS[which])
    for i, v in flips:
        if i < len(b):
            b[i] = v
    data = bytes(b[: len(b) - cut])
    for ed in (None, {62: "0.17"}):
        with contextlib.suppress(InputError):
            decode(data, editions=ed)
        decode(data, editions=ed, strict=False)


@settings(max_examples=60, deadline=None)
@given(
    st.lists(
        st.tuples(
            st.integers(0, 255), st.integers(0, 255), st.integers(0, 86400 * 128 - 1),
            st.integers(0, 65535),
            st.integers(-(2**31), 2**31 - 1),
            st.integers(-(2**31), 2**31 - 1),
            st.integers(-(2**15), 2**15 - 1), st.integers(-(2**15), 2**15 - 1),
            st.integers(-1, 4095), st.integers(-60, 6000), st.booleans(),
        ),
        min_size=1, max_size=40,
    )
)  # fmt: skip
def test_cat062_random_tables_round_trip(rows):
    a = np.asarray(rows, dtype=np.int64)
    lat = np.clip(a[:, 4] * 180 / 2**25, -90, 90)
    lon = np.clip(a[:, 5] * 180 / 2**25, -180, 180)
    t = pd.DataFrame({
        "sac": a[:, 0], "sic": a[:, 1], "tod_s": a[:, 2] / 128, "track_number": a[:, 3],
        "lat_deg": lat, "lon_deg": lon, "vx_m_s": a[:, 6] * 0.25, "vy_m_s": a[:, 7] * 0.25,
        "mode3a": a[:, 8], "fl": a[:, 9] * 0.25, "track_confirmed": a[:, 10].astype(bool),
    })  # fmt: skip
    blob = encode_cat062(t, max_block_octets=256)
    back = decode(blob).cat062
    for c in t.columns:
        np.testing.assert_array_equal(back[c].to_numpy(), t[c].to_numpy(), err_msg=c)
    assert encode_cat062(back, max_block_octets=256) == blob


# --------------------------------------------------------------------------- callsigns

CALLSIGNS_8 = ["ABCDEFGH", "12345678", "Z0Y9X8W7", "A B C DE", "DLH65A", ""]


def _icao_sixbit(text: str) -> bytes:
    """ICAO Annex 10 vol. IV, table 3-9 (the IA-5 subset): A-Z are 1-26, space 32 and the
    digits 48-57 (their IA-5 codes); eight 6-bit characters, first in the high bits."""
    v = 0
    for ch in text.ljust(8):
        v = (v << 6) | (ord(ch) - 64 if "A" <= ch <= "Z" else ord(ch))
    return v.to_bytes(6, "big")


def test_icao_sixbit_octets_of_a_real_callsign():
    """The octets `_icao_sixbit` makes for DLH65A are those of Croatia Control's recording,
    which tshark and Croatia Control's decoder read as DLH65A (test_cat048_matches_tshark);
    KLM1234 worked by hand: K 001011, L 001100, M 001101, 1 110001, 2 110010, 3 110011,
    4 110100, space 100000."""
    assert GOOD048.count(_icao_sixbit("DLH65A")) == 1
    assert _icao_sixbit("KLM1234").hex() == "2cc371cb3d20"


@pytest.mark.parametrize("category", [48, 62])
def test_8_character_callsigns_round_trip_byte_exact(category):
    """A full 8-character callsign in I048/240 and I062/245: written as the ICAO six-bit
    octets, read back equal, written again to the same bytes."""
    n = len(CALLSIGNS_8)
    t = pd.DataFrame({"sac": 25, "sic": 12, "tod_s": np.arange(n) / 128.0,
                      "callsign": CALLSIGNS_8})  # fmt: skip
    if category == 48:
        t["range_m"], t["azimuth_deg"] = 10_000.0, 45.0
        blob = encode_cat048(t)
    else:
        t["track_number"] = np.arange(n)
        t["callsign_sti"] = [0, 1, 2, 3, 0, -1]
        blob = encode_cat062(t)
    for cs in CALLSIGNS_8[:-1]:
        assert blob.count(_icao_sixbit(cs)) == 1, cs
    back = decode(blob).tables[category]
    assert back["callsign"].tolist() == CALLSIGNS_8
    if category == 62:
        assert back["callsign_sti"].tolist() == [0, 1, 2, 3, 0, -1]
        assert encode_cat062(back) == blob
    else:
        assert encode_cat048(back) == blob


@pytest.mark.parametrize("encoder", ["CAT048", "CAT062"])
@pytest.mark.parametrize(
    ("value", "rule"),
    [
        ("ABCDEFGHI", "must be at most 8 characters (got 'ABCDEFGHI')"),
        ("ABCDEFGHIJKLMNOP", "must be at most 8 characters (got 'ABCDEFGHIJKLMNOP')"),
        ("dlh65a", "must be upper-case letters A-Z, digits 0-9 and spaces (ICAO six-bit "
         "characters) (got 'dlh65a')"),
        ("DLH-65", "must be upper-case letters A-Z, digits 0-9 and spaces"),
        ("ÄBC", "must be upper-case letters A-Z, digits 0-9 and spaces"),
        (1234, "must be text of at most 8 characters (got 1234)"),
    ],
)  # fmt: skip
def test_a_callsign_the_item_cannot_hold_is_refused_whole(encoder, value, rule):
    """Longer than 8, lower case, a character outside the six-bit set, not text: one message
    naming the encoder, the column, the row and the whole value; never cut, upper-cased or
    replaced."""
    t = {"sac": [25, 25], "sic": [12, 12], "tod_s": [0.0, 1.0], "callsign": ["DLH65A", value],
         "range_m": [1e4, 1e4], "azimuth_deg": [1.0, 2.0], "track_number": [1, 2]}  # fmt: skip
    enc = encode_cat048 if encoder == "CAT048" else encode_cat062
    with pytest.raises(InputError) as err:
        enc(pd.DataFrame(t))
    assert str(err.value).startswith(f"{encoder} encoder: column callsign: row 1: {rule}")


@pytest.mark.parametrize(("col", "value"), [("plan_callsign", "ROT60É"), ("adep", "LBS\x7f")])
def test_i062_390_text_outside_printable_ascii_is_refused_not_replaced(col, value):
    t = {"sac": [25], "sic": [1], "tod_s": [0.0], "track_number": [1], col: [value]}
    with pytest.raises(InputError, match=rf"^CAT062 encoder: column {col}: row 0: must be "
                       r"printable ASCII \(IA-5\) characters \(got "):  # fmt: skip
        encode_cat062(t)


# --------------------------------------------------------------------------- live UDP


def _send_later(blocks, port, host="127.0.0.1"):
    def run():
        send_udp(blocks, port, host)

    th = threading.Thread(target=run)
    th.start()
    return th


def test_udp_stream_on_localhost_skips_and_counts_bad_datagrams():
    sock = open_udp(0, host="127.0.0.1", timeout_s=2.0)
    port = sock.getsockname()[1]
    good = split_blocks(
        read_recording(CC / "cat_034_048.pcap").cat048.pipe(encode_cat048, max_block_octets=300)
    )
    bad_framing = b"\x30\x7f\xff" + bytes(10)
    bad_record = _block(48, GOOD048[3:-4])
    datagrams = [*good[:3], bad_framing, bad_record, *good[3:]]
    th = _send_later(datagrams, port)
    stats = UdpStats()
    blocks = list(udp_blocks(sock, stats=stats, max_datagrams=len(datagrams)))
    th.join()
    sock.close()
    assert stats.datagrams == len(datagrams)
    assert stats.bad_datagrams == 1 and stats.bad_bytes == len(bad_framing)
    dec = decode_stream(blocks)
    assert dec.bad_blocks == 1
    assert len(dec.cat048) == 128


def test_udp_stream_on_the_ipv6_loopback():
    """iamd's reader bound to ::1 receives what `send_udp` sends there, block for block."""
    try:
        sock = open_udp(0, host="::1", timeout_s=2.0)
    except InputError as exc:
        pytest.skip(f"no IPv6 loopback here: {exc}")
    assert sock.family == socket.AF_INET6
    good = split_blocks(
        read_recording(CC / "cat_034_048.pcap").cat048.pipe(encode_cat048, max_block_octets=300)
    )
    th = _send_later(good, sock.getsockname()[1], host="::1")
    blocks = list(udp_blocks(sock, max_datagrams=len(good)))
    th.join()
    sock.close()
    assert blocks == good


def test_send_udp_sends_through_the_streams_udp_sender(monkeypatch):
    """`send_udp` reads its destination with the ``--stream`` URL parser and sends with the
    streams' `UdpSender` (one implementation of IPv4/IPv6, TTL or hop limit, interface)."""
    from iamd.interop.export import stream

    sent: list[tuple[str, int, int, str, bytes]] = []

    def transmit(self, sock, data):
        ep = self.endpoint
        sent.append((ep.host, ep.port, ep.ttl, ep.interface, data))

    monkeypatch.setattr(stream.UdpSender, "_transmit", transmit)
    send_udp([GOOD048], 8600, "FF15:0::62", ttl=3)
    send_udp([GOOD048], 8600, "239.255.0.62", ttl=2, interface="127.0.0.1")
    send_udp([GOOD048], 8600, "127.0.0.1", ttl=5)  # a unicast address: no multicast TTL
    assert sent == [
        ("ff15::62", 8600, 3, "", GOOD048),
        ("239.255.0.62", 8600, 2, "127.0.0.1", GOOD048),
        ("127.0.0.1", 8600, 1, "", GOOD048),
    ]


@pytest.mark.parametrize(
    ("host", "port", "kw", "message"),
    [
        ("localhost:8600", 8600, {}, "send_udp: 'asterix://localhost:8600:8600' has no IPv4 "
         "address ('localhost:8600')"),
        ("::ffff:127.0.0.1", 8600, {}, "send_udp: 'asterix://[::ffff:127.0.0.1]:8600' has an "
         "IPv4-mapped address (::ffff:127.0.0.1); write 127.0.0.1 without brackets"),
        ("ff02::114", 8600, {}, "send_udp: 'asterix://[ff02::114]:8600': ff02::114 is a "
         "link-local or interface-local multicast group (ff02::/16, ff01::/16), which needs "
         "the interface to send on"),
        ("ff15::62", 8600, {"ttl": 0}, "send_udp: 'asterix://[ff15::62]:8600?ttl=0': ttl (the "
         "hop limit) must be an integer 1-255 (got '0')"),
        ("239.255.0.62", 8600, {"interface": "lo"}, "send_udp: "
         "'asterix://239.255.0.62:8600?iface=lo': iface must be the IPv4 address of an "
         "interface for an IPv4 group (got 'lo')"),
        ("127.0.0.1", 0, {}, "send_udp: 'asterix://127.0.0.1:0' has port 0"),
    ],
)  # fmt: skip
def test_send_udp_refuses_a_bad_destination_as_the_stream_url_parser_does(host, port, kw, message):
    with pytest.raises(InputError) as err:
        send_udp([GOOD048], port, host, **kw)
    assert str(err.value).startswith(message), err.value


def test_udp_multicast_on_loopback():
    group = "239.255.48.48"
    try:
        sock = open_udp(0, group=group, interface="127.0.0.1", timeout_s=2.0)
    except InputError as exc:
        pytest.skip(f"multicast not available here: {exc}")
    port = sock.getsockname()[1]
    sock.setsockopt(socket.IPPROTO_IP, socket.IP_MULTICAST_IF, socket.inet_aton("127.0.0.1"))
    sender = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    sender.setsockopt(socket.IPPROTO_IP, socket.IP_MULTICAST_IF, socket.inet_aton("127.0.0.1"))
    sender.setsockopt(socket.IPPROTO_IP, socket.IP_MULTICAST_LOOP, 1)
    try:
        sender.sendto(GOOD048, (group, port))
        blocks = list(udp_blocks(sock, max_datagrams=1))
    finally:
        sender.close()
        sock.close()
    if not blocks:
        pytest.skip("multicast datagram not looped back on this host")
    assert blocks == [GOOD048]


# --------------------------------------------------------------------------- fast path


def _python_walk(monkeypatch, data, **kw):
    from iamd.interop.asterix import walk as w

    monkeypatch.setattr(w, "LANE_MIN_BLOCKS", 10**9)
    try:
        return decode(data, **kw)
    finally:
        monkeypatch.undo()


def test_block_parallel_walk_equals_the_record_by_record_walk(monkeypatch):
    from iamd.interop.asterix.synthetic import synthetic_cat048

    pk = read_pcap(CC / "cat_034_048.pcap")
    syn = synthetic_cat048(n_radars=2, n_targets=10, duration_s=60.0, truth_period_s=5.0,
                           max_block_octets=200)  # fmt: skip
    t062 = read_recording(JA / "cat062ed1.12.bin").cat062
    many062 = encode_cat062(pd.concat([t062] * 50, ignore_index=True), max_block_octets=160)
    cases = [
        (pk.data, {"segments": pk.segments}),
        (syn.data, {}),
        (many062 + (JA / "cat062ed1.12.bin").read_bytes() * 20, {}),
    ]
    for data, kw in cases:
        fast = decode(data, **kw)
        slow = _python_walk(monkeypatch, data, **kw)
        for cat in fast.tables:
            pd.testing.assert_frame_equal(fast.tables[cat], slow.tables[cat])
    pk2 = read_pcap(CC / "asterix.pcap")
    fast = decode(pk2.data, segments=pk2.segments, editions={62: "0.17"})
    slow = _python_walk(monkeypatch, pk2.data, segments=pk2.segments, editions={62: "0.17"})
    pd.testing.assert_frame_equal(fast.cat062, slow.cat062)


PK = read_pcap(CC / "cat_034_048.pcap") if CC.is_dir() else None


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(st.tuples(st.integers(0, 10**6), st.integers(0, 255)), max_size=8))
def test_block_parallel_walk_skips_the_same_bad_blocks(flips):
    from iamd.interop.asterix import walk as w

    pk = PK
    assert pk is not None
    data = bytearray(pk.data)
    for i, v in flips:
        data[i % len(data)] = v
    fast = decode(bytes(data), segments=pk.segments, strict=False)
    old = w.LANE_MIN_BLOCKS
    w.LANE_MIN_BLOCKS = 10**9
    try:
        slow = decode(bytes(data), segments=pk.segments, strict=False)
    finally:
        w.LANE_MIN_BLOCKS = old
    assert (fast.bad_blocks, fast.bad_bytes, fast.errors) == (
        slow.bad_blocks,
        slow.bad_bytes,
        slow.errors,
    )
    for cat in fast.tables:
        pd.testing.assert_frame_equal(fast.tables[cat], slow.tables[cat])


# --------------------------------------------------------------------------- pcap variants


def _frame(payload: bytes, *, proto: int = 17, frag: int = 0, vlan: bool = False) -> bytes:
    import struct

    udp = struct.pack(">HHHH", 4000, 8600, 8 + len(payload), 0) + payload
    ip = struct.pack(">BBHHHBBH4s4s", 0x45, 0, 20 + len(udp), 1, frag, 64, proto, 0,
                     bytes([10, 1, 2, 3]), bytes([239, 1, 1, 1]))  # fmt: skip
    eth = b"\x01" * 12 + (b"\x81\x00\x00\x05" if vlan else b"") + b"\x08\x00"
    return eth + ip + udp


def test_pcap_variants_big_endian_nanoseconds_vlan_and_skipped_packets(tmp_path):
    import struct

    frames = [
        _frame(GOOD048, vlan=True),
        _frame(GOOD048, proto=6),  # TCP: skipped
        _frame(GOOD048, frag=0x0010),  # a later IP fragment: skipped
        b"\x01" * 12 + b"\x08\x06" + bytes(28),  # ARP: skipped
        _frame(GOOD048),
    ]
    out = bytearray(struct.pack(">IHHiIII", 0xA1B23C4D, 2, 4, 0, 0, 65535, 1))  # ns, BE
    for i, f in enumerate(frames):
        out += struct.pack(">IIII", 1_600_000_000, 250_000_000 * i, len(f), len(f)) + f
    p = tmp_path / "be_ns.pcap"
    p.write_bytes(bytes(out))
    pk = read_pcap(p)
    assert pk.skipped == 3 and len(pk.segments) == 2
    assert pk.dst.tolist() == ["239.1.1.1:8600"] * 2
    np.testing.assert_allclose(pk.time_s, [1_600_000_000.0, 1_600_000_001.0])
    dec = read_recording(p)
    assert len(dec.cat048) == 2 and dec.cat048["callsign"].tolist() == ["DLH65A"] * 2


def _v6(payload: bytes, **kw) -> bytes:
    from .pcap_frames import UDP, ipv6, udp6

    src, dst = "fd00::1", "ff15::62"
    return ipv6(
        udp6(payload, src, dst, 4000, 8600), src, dst, kw.pop("nh", UDP), kw.pop("ext", b"")
    )


def test_pcap_ipv6_udp_over_ethernet_with_extension_headers(tmp_path):
    """IPv6/UDP frames are read like IPv4 ones (RFC 8200: the fixed header, hop-by-hop and
    destination options skipped by their length, a later fragment skipped); TCP and ICMPv6
    over IPv6 are counted and skipped. Frames built by hand (tests/interop/pcap_frames.py)."""
    from .pcap_frames import (
        DEST_OPTS,
        FRAGMENT,
        HOP_BY_HOP,
        TCP,
        UDP,
        ethernet,
        fragment_header,
        ipv6,
        padn_options,
        pcap,
    )

    ext = padn_options(DEST_OPTS, 16) + padn_options(UDP)
    frames = [
        ethernet(_v6(GOOD048)),
        ethernet(_v6(GOOD048, nh=HOP_BY_HOP, ext=ext), vlan=5),
        ethernet(ipv6(bytes(40), "fd00::1", "ff15::62", TCP)),  # TCP: skipped
        ethernet(ipv6(bytes(8), "fd00::1", "ff15::62", 58)),  # ICMPv6: skipped
        ethernet(_v6(GOOD048, nh=FRAGMENT, ext=fragment_header(UDP, 8, False))),  # skipped
        _frame(GOOD048),  # IPv4 beside
    ]
    p = tmp_path / "v6.pcap"
    p.write_bytes(pcap(frames, 1))
    pk = read_pcap(p)
    assert pk.skipped == 3 and len(pk.segments) == 3
    assert pk.src.tolist() == ["[fd00::1]:4000", "[fd00::1]:4000", "10.1.2.3:4000"]
    assert pk.dst.tolist() == ["[ff15::62]:8600", "[ff15::62]:8600", "239.1.1.1:8600"]
    assert [pk.data[a:b] for a, b in pk.segments] == [GOOD048] * 3
    dec = read_recording(p)
    assert dec.cat048["callsign"].tolist() == ["DLH65A"] * 3
    assert dec.cat048["dst"].tolist() == pk.dst.tolist()


@pytest.mark.parametrize("linktype", [1, 113, 101, 229])
def test_pcap_ipv6_udp_on_each_link_type(tmp_path, linktype):
    """Ethernet (1), Linux cooked (113), raw IP (101: IPv4 and IPv6 by the version nibble)
    and raw IPv6 (229)."""
    from .pcap_frames import ethernet, linux_cooked, pcap

    v4 = _frame(GOOD048)[14:]
    wrap = {1: ethernet, 113: linux_cooked}.get(linktype, lambda pk: pk)
    frames = [wrap(_v6(GOOD048))]
    if linktype != 229:
        frames.append(ethernet(v4, ethertype=0x0800) if linktype == 1
                      else linux_cooked(v4, 0x0800) if linktype == 113 else v4)  # fmt: skip
    p = tmp_path / "v6.pcap"
    p.write_bytes(pcap(frames, linktype))
    pk = read_pcap(p)
    assert pk.skipped == 0
    assert pk.dst.tolist() == ["[ff15::62]:8600", "239.1.1.1:8600"][: len(frames)]
    assert [pk.data[a:b] for a, b in pk.segments] == [GOOD048] * len(frames)


@settings(max_examples=200, deadline=None)
@given(st.binary(max_size=120), st.integers(0, 255), st.sampled_from([1, 101, 113, 229]))
def test_fuzz_ipv6_frames_are_read_or_skipped(body, nh, linktype):
    """Any octets after an IPv6 header (any next header, any extension chain) give a payload
    within the frame or a skipped packet, never an exception."""
    from .pcap_frames import ethernet, linux_cooked, pcap

    head = bytes([0x60, 0, 0, 0]) + len(body).to_bytes(2, "big") + bytes([nh, 64]) + bytes(32)
    wrap = {1: ethernet, 113: linux_cooked}.get(linktype, lambda pk: pk)
    frame = wrap(head + body)
    pk = read_pcap_bytes(pcap([frame, frame[: len(frame) // 2]], linktype))
    assert pk.skipped + len(pk.segments) == 2
    assert all(b - a <= len(body) for a, b in pk.segments)


def test_pcap_link_type_message_names_the_ones_read(tmp_path):
    from .pcap_frames import pcap

    p = tmp_path / "ppp.pcap"
    p.write_bytes(pcap([b"\x00"], 9))
    with pytest.raises(DataFileError, match=r"pcap link type 9 is not read \(read: 1 Ethernet, "
                       r"101 raw IP, 228 raw IPv4, 229 raw IPv6, 113 Linux cooked\)$"):  # fmt: skip
        read_pcap(p)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.binary(max_size=400), st.sampled_from([b"\xd4\xc3\xb2\xa1", b"\xa1\xb2\x3c\x4d"]))
def test_fuzz_pcap_bytes_raise_only_input_error(tmp_path_factory, body, magic):
    import struct

    head = magic + struct.pack("<HHiIII", 2, 4, 0, 0, 65535, 1)
    p = tmp_path_factory.mktemp("fz") / "f.pcap"
    p.write_bytes(head + body)
    with contextlib.suppress(InputError):
        read_recording(p)
    with contextlib.suppress(InputError):
        read_recording(p, strict=False)


@settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(st.tuples(st.integers(0, 20_000), st.integers(0, 255)), max_size=10),
       st.integers(0, 13_000))  # fmt: skip
def test_fuzz_mutated_capture_raises_only_input_error(tmp_path_factory, flips, keep):
    raw = bytearray((CC / "cat_034_048.pcap").read_bytes())
    for i, v in flips:
        raw[i % len(raw)] = v
    p = tmp_path_factory.mktemp("fz") / "m.pcap"
    p.write_bytes(bytes(raw[:keep]))
    with contextlib.suppress(InputError):
        read_recording(p)
    with contextlib.suppress(InputError):
        read_recording(p, strict=False)


@settings(max_examples=60, deadline=None)
@given(
    st.lists(
        st.tuples(
            st.integers(0, 255), st.integers(0, 86400 * 128 - 1), st.integers(0, 7),
            st.integers(0, 65535), st.integers(0, 65535), st.integers(-1, 4095),
            st.integers(-8192, 8191), st.integers(-1, 2**24 - 1),
            st.sampled_from(["", "DLH65A", "A1", "ZZZZZZZZ"]), st.integers(-1, 4095),
            st.booleans(), st.booleans(),
        ),
        min_size=1, max_size=40,
    )
)  # fmt: skip
def test_cat048_random_tables_round_trip(rows):
    cols = list(zip(*rows, strict=True))
    t = pd.DataFrame({
        "sac": np.asarray(cols[0]), "sic": np.asarray(cols[0])[::-1].copy(),
        "tod_s": np.asarray(cols[1]) / 128, "typ": np.asarray(cols[2]),
        "range_m": np.asarray(cols[3]) * NM_M / 256,
        "azimuth_deg": np.asarray(cols[4]) * 360 / 65536,
        "mode3a": np.asarray(cols[5]),
        "mode3a_valid": np.asarray(cols[10]) & (np.asarray(cols[5]) >= 0),  # flags of a code
        "fl": np.asarray(cols[6]) / 4, "fl_valid": np.asarray(cols[11]),
        "address": np.asarray(cols[7]), "callsign": np.asarray(cols[8], dtype=object),
        "track_number": np.asarray(cols[9]),
    })  # fmt: skip
    blob = encode_cat048(t, max_block_octets=200)
    back = decode(blob).cat048
    for c in t.columns:
        np.testing.assert_array_equal(back[c].to_numpy(), t[c].to_numpy(), err_msg=c)
    assert encode_cat048(back, max_block_octets=200) == blob
