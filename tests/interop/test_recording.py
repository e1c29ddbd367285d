"""ASTERIX recordings through the one tracker: plots, looks, outputs and bad input.

The Croatia Control recording has no radar sites. The table below is an approximation:

- SAC 25 / SIC 12 is placed where its own measurements put it: Croatia Control's 2014
  sample ``cat_062_065.pcap`` holds two CAT062 tracks whose I062/340 gives the ρ, θ measured
  by SIC 12 next to the track's WGS84 position; a least-squares fit of the two (slant range
  to ground range at the flight level, WGS84 geodesics) gives 43.572 N, 16.404 E (residuals
  under 1 km), near Split (Kozjak). It assumes SIC 12 named the same radar in 2014 and 2016.
- The other heads (SIC 11, 13, 14, 201, 204, 205) are **guesses**: Croatia Control's radar
  stations (Sljeme, Psunj, Učka, Srđ, Zadar) from public maps, to 0.01°, assigned to SICs
  without evidence. Their tracks' absolute positions are illustrative only.
"""

from __future__ import annotations

import math
import os
import stat
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import yaml

from iamd.cli import main
from iamd.errors import DataFileError, InputError
from iamd.geo.wgs84 import ecef_to_lla
from iamd.interop.asterix import decode, encode_cat062, read_recording
from iamd.interop.asterix.fields import FT_M
from iamd.interop.asterix.synthetic import synthetic_cat048
from iamd.interop.recording import (
    compare_with_system_tracks,
    elevation_from_height,
    load_sensors,
    recording_plots,
    sensors_from_mapping,
    track_recording,
    tracks_cat062_table,
)
from iamd.track.tool import tracker_params

DATA = Path(__file__).resolve().parents[3] / "shared" / "data" / "asterix"
if not DATA.is_dir():
    DATA = Path("/work/shared/data/asterix")
CC = DATA / "croatiacontrol"
PCAP = CC / "cat_034_048.pcap"
pytestmark = pytest.mark.skipif(not DATA.is_dir(), reason="shared ASTERIX samples not found")

CROATIA = """\
notes: >
  Sites approximate (see tests/interop/test_recording.py): SIC 12 fitted from the I062/340
  measurements in cat_062_065.pcap; the others guessed among Croatia Control's stations.
system: {sac: 25, sic: 250}
sensors:
  - {sac: 25, sic: 11, name: Sljeme (guess), lat_deg: 45.90, lon_deg: 15.95, alt_m: 1000,
     sigma_range_m: 70, sigma_az_mrad: 1.2}
  - {sac: 25, sic: 12, name: Split Kozjak (fitted), lat_deg: 43.572, lon_deg: 16.404,
     alt_m: 500, sigma_range_m: 70, sigma_az_mrad: 1.2}
  - {sac: 25, sic: 13, name: Psunj (guess), lat_deg: 45.39, lon_deg: 17.32, alt_m: 985,
     sigma_range_m: 70, sigma_az_mrad: 1.2}
  - {sac: 25, sic: 14, name: Ucka (guess), lat_deg: 45.29, lon_deg: 14.20, alt_m: 1390,
     sigma_range_m: 70, sigma_az_mrad: 1.2}
  - {sac: 25, sic: 201, name: Sljeme Mode S (guess), lat_deg: 45.90, lon_deg: 15.95,
     alt_m: 1000, sigma_range_m: 40, sigma_az_mrad: 0.8}
  - {sac: 25, sic: 204, name: Srd (guess), lat_deg: 42.65, lon_deg: 18.11, alt_m: 410,
     sigma_range_m: 40, sigma_az_mrad: 0.8}
  - {sac: 25, sic: 205, name: Zadar (guess), lat_deg: 44.05, lon_deg: 15.35, alt_m: 100,
     sigma_range_m: 40, sigma_az_mrad: 0.8}
"""


@pytest.fixture
def table(tmp_path):
    p = tmp_path / "croatia.yaml"
    p.write_text(CROATIA)
    return p


def test_sic12_site_is_where_its_measurements_in_the_2014_cat062_put_it():
    from pyproj import Geod

    g = Geod(ellps="WGS84")
    dec = read_recording(CC / "cat_062_065.pcap")
    # I062/340 of the two records (expected_output/cat_062_065_json.txt): SIC 12 rho, theta
    meas = [(147.7265625, 192.5244141), (185.5546875, 133.1817627)]
    for (_, row), (rho_nm, theta) in zip(dec.cat062.iterrows(), meas, strict=True):
        az, _, dist = g.inv(16.404, 43.572, row.lon_deg, row.lat_deg)
        ground = math.sqrt((rho_nm * 1852) ** 2 - (row.fl * 100 * FT_M) ** 2)
        assert abs(dist - ground) < 1500.0
        assert abs((az - theta + 180) % 360 - 180) < 0.3


def test_plots_are_deduplicated_and_antenna_periods_found(table):
    dec = read_recording(PCAP)
    rp = recording_plots(dec, load_sensors(table), "cc")
    assert rp.duplicates == 64  # every report came twice, on LANs 232.1.1.x and 232.2.1.x
    assert len(rp.reports) + rp.no_detection + rp.no_position + rp.simulated == 64
    assert rp.reports["dst"].str.startswith("232.").all()
    by = {s.sic: (p, src) for s, p, src in zip(rp.sites, rp.scan_period_s, rp.period_source,
                                               strict=True)}  # fmt: skip
    assert by[12] == (4.9453125, "CAT034 I034/041")  # the north marker's rotation period
    assert by[11] == (5.0, "CAT034 sector crossings")  # 11.25 deg in 0.15625 s
    assert by[13] == (5.0, "CAT034 sector crossings")
    assert by[205][0] == pytest.approx(10.0) and by[205][1] == "CAT034 sector crossings"
    assert by[201][1] == "plots' azimuth over time"
    assert 4.0 < by[201][0] < 12.0


def test_sensor_table_scan_period_takes_precedence(table):
    data = yaml.safe_load(CROATIA)
    data["sensors"][1]["scan_period_s"] = 6.0
    rp = recording_plots(read_recording(PCAP), sensors_from_mapping(data), "cc")
    i = [s.sic for s in rp.sites].index(12)
    assert (rp.scan_period_s[i], rp.period_source[i]) == (6.0, "sensor table")


def test_plot_height_is_the_mode_c_height(table):
    rp = recording_plots(read_recording(PCAP), load_sensors(table), "cc")
    _lat, _lon, alt = ecef_to_lla(rp.plots.pos_m)
    fl = rp.reports["fl"].to_numpy()
    ok = ~np.isnan(fl)
    # the sphere of the site's Gaussian radius vs the ellipsoid: within 60 m at 370 km
    np.testing.assert_allclose(alt[ok], fl[ok] * 100 * FT_M, atol=60.0)


def test_elevation_matches_the_spherical_earth_triangle():
    r_e = 6_367_000.0
    h0, h, rho = 500.0, 11_000.0, 300_000.0
    el, _ = elevation_from_height(np.array([rho]), np.array([h]), np.array([100.0]),
                                  np.array([45.0]), np.array([h0]))  # fmt: skip
    # law of cosines on the triangle centre-site-target with the same radius
    from iamd.interop.recording import gaussian_radius_m

    r_e = float(gaussian_radius_m(np.array([45.0]))[0])
    a, b = r_e + h0, r_e + h
    cos_c = (a * a + rho * rho - b * b) / (2 * a * rho)  # angle at the site from the zenith
    assert float(el[0]) == pytest.approx(math.acos(cos_c) - math.pi / 2, abs=1e-12)


def test_recording_tracks_with_sprt_and_with_one_plot_confirmation(table):
    rp = recording_plots(read_recording(PCAP), load_sensors(table), "cc")
    # the sample lasts 0.44 s: one plot per aircraft, which the sequential test never confirms
    assert len(track_recording(rp).rows) == 0
    tr = track_recording(rp, tracker_params(confirm="1/1"))
    df = tr.to_pandas()
    assert len(df) == len(rp.reports) == df["track_id"].nunique()
    dlh = df[df["callsign"] == "DLH65A"].iloc[0]
    assert (dlh.squawk, dlh.address) == ("1000", "3C660C")
    assert dlh.reported_alt_m == pytest.approx(330 * 100 * FT_M)


def test_cli_tracks_the_croatia_control_recording_into_identify_and_cat062(table, tmp_path):
    out, ast, ids = tmp_path / "tracks.csv", tmp_path / "tracks.ast", tmp_path / "ids.csv"
    rc = main(["track", str(PCAP), "--sensors", str(table), "--out", str(out),
               "--out-asterix", str(ast), "--confirm", "1/1"])  # fmt: skip
    assert rc == 0
    tracks = pd.read_csv(out, dtype={"squawk": str, "address": str})
    assert len(tracks) == 63
    assert {"lat_deg", "lon_deg", "alt_m", "squawk"} <= set(tracks.columns)
    # the CAT062 output decodes to the same tracks, each field to its item's resolution
    sys = read_recording(ast).cat062
    assert len(sys) == len(tracks)
    assert (sys["sac"] == 25).all() and (sys["sic"] == 250).all()
    np.testing.assert_array_equal(sys["track_number"], tracks["track_id"])
    np.testing.assert_allclose(sys["lat_deg"], tracks["lat_deg"], atol=180 / 2**25)
    np.testing.assert_allclose(sys["lon_deg"], tracks["lon_deg"], atol=180 / 2**25)
    np.testing.assert_allclose(sys["geometric_alt_m"], tracks["alt_m"], atol=6.25 * FT_M)
    assert [f"{v:04o}" if v >= 0 else "" for v in sys["mode3a"]] == list(
        tracks["squawk"].fillna("")
    )
    assert (sys["sigma_x_m"] > 0).all()
    # and iamd identify reads the tracks file as it is
    assert main(["identify", str(out), "--out", str(ids)]) == 0
    assert len(pd.read_csv(ids)) == len(tracks)


def test_out_asterix_pcap_is_a_capture_of_the_same_records_dated_as_the_recording(table, tmp_path):
    ast, cap = tmp_path / "tracks.ast", tmp_path / "tracks.pcap"
    for target in (ast, cap):
        rc = main(["track", str(PCAP), "--sensors", str(table), "--out",
                   str(tmp_path / f"{target.suffix[1:]}.csv"), "--out-asterix", str(target),
                   "--confirm", "1/1"])  # fmt: skip
        assert rc == 0
    raw = read_recording(ast).cat062
    pk = read_recording(cap).cat062
    keep = [c for c in raw.columns if c not in ("offset", "block_offset", "segment")]
    pd.testing.assert_frame_equal(pk[keep], raw[keep])
    # one datagram per block, a block per tracker step, sent at the step's time of day on
    # the recording's date (2016-05-05, the capture's)
    assert pk.groupby("segment")["tod_s"].nunique().eq(1).all()
    midnight = pd.Timestamp("2016-05-05", tz="UTC").timestamp()
    np.testing.assert_allclose(pk["time_s"], midnight + pk["tod_s"], atol=1 / 256)


def test_tracks_against_the_recordings_cat062_do_not_overlap_in_time(table):
    rp = recording_plots(read_recording(PCAP), load_sensors(table), "cc")
    tracks = track_recording(rp, tracker_params(confirm="1/1")).to_pandas()
    system = read_recording(CC / "asterix.pcap", editions={62: "0.17"}).cat062
    cmp = compare_with_system_tracks(tracks, system)
    assert cmp.matched == 0 and cmp.overlap_s == 0.0
    assert cmp.note.startswith("no overlap in time of day: tracks 27354.")


def test_synthetic_multi_radar_stream_is_tracked_against_truth_and_system_tracks():
    syn = synthetic_cat048(n_radars=3, n_targets=12, duration_s=180.0, seed=3,
                           truth_period_s=5.0)  # fmt: skip
    dec = decode(syn.data)
    rp = recording_plots(dec, sensors_from_mapping(syn.sensors), "syn")
    tr = track_recording(rp)
    df = tr.to_pandas()
    assert df["track_id"].nunique() == 12  # one track per aircraft, none false
    cmp = compare_with_system_tracks(df, dec.cat062)
    assert cmp.matched > 300
    assert cmp.median_error_m < 100.0 and cmp.p95_error_m < 300.0
    # each track keeps one aircraft's codes
    per = df[df["callsign"] != ""].groupby("track_id")["callsign"].nunique()
    assert (per == 1).all()
    blob = encode_cat062(tracks_cat062_table(tr, sensors_from_mapping(syn.sensors)))
    assert len(decode(blob).cat062) == len(df)


# --------------------------------------------------------------------------- bad input


def _run(tmp_path, *args):
    out = tmp_path / "t.csv"
    ast = tmp_path / "t.ast"
    rc = main(["track", *map(str, args), "--out", str(out), "--out-asterix", str(ast)])
    return rc, out, ast


def test_unknown_sac_sic_is_one_clear_error_and_nothing_written(tmp_path, capsys):
    data = yaml.safe_load(CROATIA)
    data["sensors"] = [s for s in data["sensors"] if s["sic"] != 14]
    p = tmp_path / "no14.yaml"
    p.write_text(yaml.safe_dump(data))
    rc, out, ast = _run(tmp_path, PCAP, "--sensors", p)
    err = capsys.readouterr().err
    assert rc == 2
    assert err.startswith(f"error: {p}: no radar for SAC 25 SIC 14 (the recording ")
    assert err.count("\n") == 1
    assert not out.exists() and not ast.exists()
    assert not list(tmp_path.glob(".t.*"))


def test_wrong_category_recording_is_refused(tmp_path, table, capsys):
    rc, out, _ = _run(tmp_path, CC / "cat_062_065.pcap", "--sensors", table)
    assert rc == 2
    assert (
        "no CAT048 target report to track (found: CAT062 ×2; blocks of other "
        "categories: CAT065 ×1)" in capsys.readouterr().err
    )
    assert not out.exists()


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b"\x0a\x0d\x0d\x0a" + bytes(28), "a pcapng capture; only the classic pcap format"),
        (b"\xd4\xc3\xb2\xa1" + bytes(4), "byte 0: truncated pcap file header (8 of 24 octets)"),
        (b"\x30\x00\x30\xfd", "byte 0: CAT048 block: LEN 48 runs past the end of the input"),
        (b"\x30\x00\x05\x80\x19", "truncated record"),
    ],
    ids=["pcapng", "short-pcap", "len-past-end", "truncated-record"],
)
def test_unreadable_captures_exit_2(tmp_path, table, capsys, content, message):
    p = tmp_path / ("x.pcap" if content[:1] in (b"\x0a", b"\xd4") else "x.ast")
    p.write_bytes(content)
    rc, out, ast = _run(tmp_path, p, "--sensors", table)
    err = capsys.readouterr().err
    assert rc == 2 and message in err and err.startswith(f"error: {p}")
    assert not out.exists() and not ast.exists()


def test_recording_flags_are_checked(tmp_path, table, capsys):
    rc, _, _ = _run(tmp_path, PCAP)
    assert (
        rc == 2 and "an ASTERIX recording needs --sensors SENSORS.yaml" in capsys.readouterr().err
    )
    rc, _, _ = _run(tmp_path, PCAP, "--sensors", table, "--site", "45,16,0")
    assert rc == 2 and "--site applies to plots files" in capsys.readouterr().err
    rc, _, _ = _run(tmp_path, PCAP, "--sensors", table, "--edition", "62")
    assert rc == 2 and "--edition must be CAT=EDITION" in capsys.readouterr().err
    rc, _, _ = _run(tmp_path, PCAP, "--sensors", table, "--window-s", "0")
    assert rc == 2 and "--window-s must be a number in (0, 60]" in capsys.readouterr().err
    csv = tmp_path / "p.csv"
    csv.write_text("t_s,x_m,y_m,z_m\n0,0,0,1000\n")
    out = tmp_path / "o.csv"
    assert main(["track", str(csv), "--out", str(out), "--sigma-m", "10", "--window-s", "2"]) == 2
    err = capsys.readouterr().err
    assert (
        f"--window-s applies to ASTERIX recordings (.pcap, .ast, .raw, with --sensors "
        f"SENSORS.yaml), and {csv} is a plots file" in err
    )
    assert not out.exists()


@pytest.mark.parametrize(
    ("edit", "message"),
    [
        (lambda d: d["sensors"][0].pop("lat_deg"), "sensors[0].lat_deg: missing"),
        (lambda d: d["sensors"][1].update(lat_deg=95.0),
         "sensors[1].lat_deg: must be within [-90, 90] (got 95.0)"),
        (lambda d: d["sensors"][2].update(sigma_range_m=0),
         "sensors[2].sigma_range_m: must be > 0 (got 0.0)"),
        (lambda d: d["sensors"][0].update(radius=3), "sensors[0]: unknown key 'radius'"),
        (lambda d: d["sensors"].append(dict(d["sensors"][0])), "SAC 25 SIC 11 is listed twice"),
        (lambda d: d["sensors"][0].update(sic="x"), "sensors[0].sic: must be a number (got 'x')"),
    ],
    ids=["missing", "lat", "sigma", "unknown-key", "twice", "not-number"],
)  # fmt: skip
def test_sensor_table_errors_name_the_entry(tmp_path, edit, message):
    data = yaml.safe_load(CROATIA)
    edit(data)
    p = tmp_path / "s.yaml"
    p.write_text(yaml.safe_dump(data))
    with pytest.raises(DataFileError) as exc:
        load_sensors(p)
    assert message in str(exc.value)
    assert str(exc.value).startswith(str(p))


def test_missing_scan_period_is_named(tmp_path):
    data = yaml.safe_load(CROATIA)
    dec = read_recording(CC / "cat048.raw")  # one plot, no CAT034
    with pytest.raises(InputError, match=r"no scan period for radar 025/201 .* add scan_period_s"):
        recording_plots(dec, sensors_from_mapping(data), "one")


# --------------------------------------------------------------------------- ADS-B


def _cat021(rows: pd.DataFrame, sac: int, sic: int) -> bytes:
    """CAT021 (ed. 2.x) blocks, one record each: I010, I071, I130, I080, I140, I170."""
    from iamd.interop.asterix.fields import _SIXBIT

    code = {chr(c): i for i, c in enumerate(_SIXBIT.tolist()) if chr(c) != " " or i == 32}
    out = bytearray()
    for r in rows.itertuples():
        lat = round(r.lat_deg / (180 / 2**23)) & 0xFFFFFF
        lon = round(r.lon_deg / (180 / 2**23)) & 0xFFFFFF
        h = round(r.alt_m / (6.25 * FT_M)) & 0xFFFF
        cs = 0
        for ch in f"{r.callsign:<8}"[:8]:
            cs = (cs << 6) | code[ch]
        rec = (bytes([0x8D, 0x11, 0x41, 0x01, 0x80, sac, sic])
               + round(r.t_s * 128).to_bytes(3, "big") + lat.to_bytes(3, "big")
               + lon.to_bytes(3, "big") + int(r.address).to_bytes(3, "big")
               + h.to_bytes(2, "big") + cs.to_bytes(6, "big"))  # fmt: skip
        out += bytes([21]) + (len(rec) + 3).to_bytes(2, "big") + rec
    return bytes(out)


def _adsb_case(with_receiver: bool = True):
    syn = synthetic_cat048(n_radars=1, n_targets=6, duration_s=150.0, seed=5,
                           truth_period_s=5.0)  # fmt: skip
    who = syn.plots.groupby("target").agg(address=("address", "first"),
                                          callsign=("callsign", "first"))  # fmt: skip
    seen = who.index[:3]  # aircraft the radar sees, with a transponder
    tr = syn.truth[syn.truth["target"].isin(seen)].join(who, on="target")
    tr = tr[tr["t_s"] > 0]
    table = dict(syn.sensors)
    if with_receiver:
        table["adsb"] = [{"sac": 7, "sic": 9, "name": "ground station", "sigma_m": 30}]
    return syn, _cat021(tr, 7, 9), sensors_from_mapping(table)


def test_adsb_reports_join_the_radar_tracks_as_cooperative_plots():
    syn, adsb, table = _adsb_case()
    radar_only = decode(syn.data)
    both = decode(syn.data + adsb)
    assert len(both.cat021) == 3 * 29
    rp = recording_plots(both, table, "syn+adsb")
    assert [r.label for r in rp.adsb] == ["ADS-B 007/009"]
    assert (rp.reports["kind"] == "CAT021").sum() == 3 * 29
    assert np.all(np.diff(rp.plots.t_s) >= 0)
    with_adsb = track_recording(rp).to_pandas()
    alone = track_recording(recording_plots(radar_only, table, "syn")).to_pandas()
    # the same aircraft: radar and ADS-B plots update one track each, none is duplicated
    n = syn.plots["target"].nunique()
    assert with_adsb["track_id"].nunique() == alone["track_id"].nunique() == n
    per = with_adsb[with_adsb["callsign"] != ""].groupby("track_id")["callsign"].nunique()
    assert (per == 1).all()
    e_with = compare_with_system_tracks(with_adsb, both.cat062)
    e_alone = compare_with_system_tracks(alone, radar_only.cat062)
    assert e_with.median_error_m < e_alone.median_error_m


def test_adsb_receiver_missing_from_the_table_is_named():
    syn, adsb, table = _adsb_case(with_receiver=False)
    with pytest.raises(
        InputError,
        match=r"no ADS-B receiver for SAC 7 SIC 9 .* has CAT021 "
        r"reports from it; the table has none\): add an entry under adsb:",
    ):
        recording_plots(decode(syn.data + adsb), table, "syn+adsb")


def test_antenna_azimuth_does_not_drift_with_a_wrong_scan_period():
    from iamd.interop.recording import antenna_azimuth_deg

    syn = synthetic_cat048(n_radars=1, n_targets=30, duration_s=1200.0, seed=2)
    period, phase = syn.antennas[0]
    table = dict(syn.sensors)
    table["sensors"] = [dict(table["sensors"][0], scan_period_s=period * 1.003)]
    rp = recording_plots(decode(syn.data), sensors_from_mapping(table), "syn")
    times = np.linspace(10.0, 1190.0, 50)
    err = [((antenna_azimuth_deg(rp, 0, t) - (phase + 360.0 * t / period)) + 180) % 360 - 180
           for t in times]  # fmt: skip
    assert np.max(np.abs(err)) < 5.0
    # a single phase for the whole recording would be 0.3 % x 240 scans = 260 deg off by the end
    df = track_recording(rp).to_pandas()
    assert df["track_id"].nunique() == syn.plots["target"].nunique()


def test_a_device_as_asterix_output_is_refused_before_work(tmp_path, capsys):
    sensors = tmp_path / "s.yaml"
    sensors.write_text(CROATIA)
    out = tmp_path / "t.csv"
    rc = main(["track", str(PCAP), "--sensors", str(sensors), "--out", str(out),
               "--out-asterix", "/dev/null"])  # fmt: skip
    err = capsys.readouterr().err
    assert rc == 2
    assert (
        err
        == "error: --out-asterix: /dev/null is a character device; give a regular file to write\n"
    )
    assert not out.exists()
    assert os.path.exists("/dev/null") and stat.S_ISCHR(os.stat("/dev/null").st_mode)
