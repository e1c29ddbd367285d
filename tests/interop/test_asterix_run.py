"""A run's recognised air picture as ASTERIX CAT062 (``iamd run --out-asterix``), CAT034 radar
service messages, and I062/390 flight plan related data, each against EUROCONTROL's category
specifications (CAT062 *SDPS Track Messages* ed. 1.1x, CAT034 *Transmission of Monoradar
Service Messages* ed. 1.2x) through iamd's own decoder; tshark, a second decoder, is in
``test_asterix_tshark.py``.

The scenario is the exports' small theatre (drones, three short-range ballistic missiles, a
fighter, a light aircraft) for four minutes, with one airliner on the LROP-LTFM airway and its
filed flight plan (code 2301, callsign ROT601).
"""

from __future__ import annotations

import math
import os
import stat
from dataclasses import replace
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from iamd.cli import main
from iamd.errors import InputError
from iamd.interop.asterix import (
    decode,
    encode_cat034,
    encode_cat062,
    pcap_bytes,
    read_recording,
    split_blocks,
)
from iamd.interop.asterix.capture import read_pcap, read_pcap_bytes
from iamd.interop.asterix.fields import (
    CAT034_SYSTEM_SUBFIELDS,
    CLASS_WORDS,
    FT_M,
    IDENTITY_WORDS,
    NORTH_MARKER,
    SECTOR_CROSSING,
)
from iamd.interop.export import TrackRecorder
from iamd.interop.export.asterix import (
    COASTING_AGE_S,
    PictureAsterix,
    cat062_table,
    picture_asterix,
)
from iamd.scenario.loader import load_scenario_text
from iamd.sim.engine import RunResult, run

from .conftest import RunRefused

DATA = Path(__file__).resolve().parents[3] / "shared" / "data" / "asterix"
if not DATA.is_dir():
    DATA = Path("/work/shared/data/asterix")
CC = DATA / "croatiacontrol"
JA = DATA / "jasterix"

SCENARIO = (Path(__file__).with_name("asterix_small.yaml")).read_text(encoding="utf-8")
EPOCH_S = 1773108000.0  # 2026-03-10T02:00:00Z
EPOCH_TOD_S = 7200.0


STEPS: list = []  # the engine's StepPictures of the fixture's run


@pytest.fixture(scope="module")
def recorded() -> tuple[RunResult, TrackRecorder, PictureAsterix]:
    STEPS.clear()
    rec = TrackRecorder(listeners=[STEPS.append])
    result = run(load_scenario_text(SCENARIO, "asterix_small.yaml"), seed=1, on_step=rec)
    return result, rec, picture_asterix(result, rec.frames)


def _cols(t: pd.DataFrame) -> pd.DataFrame:
    extra = ("offset", "block_offset", "segment", "time_s", "src", "dst")
    return t.drop(columns=[c for c in extra if c in t.columns]).reset_index(drop=True)


# ---------------------------------------------------------------------- CAT062 of a run


def test_every_confirmed_track_of_every_step_is_one_cat062_record(recorded) -> None:
    _, rec, pic = recorded
    got = decode(pic.data).cat062
    assert len(got) == sum(len(f) for f in rec.frames) == len(pic.table) > 300
    t = pic.table
    assert (got["sac"] == 0).all() and (got["sic"] == 1).all()  # one picture: joint, SIC 1
    np.testing.assert_array_equal(got["tod_s"], EPOCH_TOD_S + t["t_s"])
    np.testing.assert_array_equal(got["track_number"], t["track_number"])
    # each item to its least significant bit (ASTERIX Part 9, CAT062 ed. 1.1x)
    np.testing.assert_allclose(got["lat_deg"], t["lat_deg"], atol=180 / 2**25 / 2 + 1e-12)
    np.testing.assert_allclose(got["lon_deg"], t["lon_deg"], atol=180 / 2**25 / 2 + 1e-12)
    np.testing.assert_allclose(got["vx_m_s"], t["vx_m_s"], atol=0.125 + 1e-9)
    np.testing.assert_allclose(got["vy_m_s"], t["vy_m_s"], atol=0.125 + 1e-9)
    np.testing.assert_allclose(got["geometric_alt_m"], t["geometric_alt_m"],
                               atol=6.25 * FT_M / 2 + 1e-9)  # fmt: skip
    np.testing.assert_allclose(got["rocd_m_s"], t["rocd_m_s"], atol=6.25 * FT_M / 120 + 1e-9)
    for col, top, lsb in (("sigma_x_m", 32767.5, 0.5), ("sigma_y_m", 32767.5, 0.5),
                          ("sigma_vx_m_s", 63.75, 0.25), ("sigma_vy_m_s", 63.75, 0.25),
                          ("sigma_alt_m", 255 * 6.25 * FT_M, 6.25 * FT_M)):  # fmt: skip
        np.testing.assert_allclose(got[col], np.minimum(t[col], top), atol=lsb / 2 + 1e-9)
    assert (got["sigma_x_m"] > 0).all() and (got["sigma_vx_m_s"] > 0).any()
    np.testing.assert_allclose(got["sigma_lat_deg"], np.minimum(t["sigma_lat_deg"],
                               65535 * 180 / 2**25), atol=180 / 2**26 + 1e-12)  # fmt: skip
    assert list(got["identity"]) == list(t["identity"])
    assert list(got["cls"]) == list(t["cls"])
    assert set(got["identity"]) <= set(IDENTITY_WORDS) and "hostile" in set(got["identity"])
    assert set(got["cls"]) - {""} <= set(CLASS_WORDS)
    # a block per step: each block's records share a time, sent at the epoch + that time
    dec = decode(pic.data)
    per_block = dec.cat062.groupby("block_offset")["tod_s"].nunique()
    assert (per_block == 1).all()
    assert len(pic.blocks) == len(per_block)
    np.testing.assert_array_equal(pic.time_s, EPOCH_S + dec.cat062.groupby("block_offset")[
        "tod_s"].first().to_numpy() - EPOCH_TOD_S)  # fmt: skip


def test_track_status_and_update_ages_follow_each_tracks_last_plot(recorded) -> None:
    # I062/290 PSR age = the step's time - the track's last update by a plot (the engine's
    # StepPicture.updated_s), held at 63.75 s; I062/080 CST where it exceeds COASTING_AGE_S
    _, _, pic = recorded
    got = decode(pic.data).cat062
    age = pd.concat(
        [pd.DataFrame({"t_s": s.t_s, "track_number": s.number, "age": s.t_s - s.updated_s})
         for s in STEPS],
        ignore_index=True,
    )  # fmt: skip
    want = pic.table[["t_s", "track_number"]].merge(age, on=["t_s", "track_number"], how="left")
    assert len(want) == len(got) and want["age"].notna().all()
    np.testing.assert_allclose(got["psr_age_s"], np.minimum(want["age"], 63.75), atol=0.125)
    np.testing.assert_array_equal(got["coasting"], want["age"] > COASTING_AGE_S)
    assert 0 < got["coasting"].sum() < len(got) / 2  # tracks coast before they are dropped
    assert (got["psr_age_s"] == 0).mean() > 0.5  # most tracks got a plot this step


def test_coasting_starts_one_step_past_its_age(recorded) -> None:
    result, rec, _ = recorded
    frame = next(f for f in rec.frames if len(f) >= 3)
    ages = np.array([COASTING_AGE_S, COASTING_AGE_S + 0.25, COASTING_AGE_S + 60.0])
    ages = np.concatenate([ages, np.zeros(len(frame) - 3)])
    table = cat062_table([replace(frame, age_s=ages)], result.loaded.scenario, ["joint"])
    by_age = dict(zip(ages[:3], table.set_index("track_number").loc[frame.number[:3]][
        ["coasting", "psr_age_s"]].itertuples(index=False, name=None), strict=True))  # fmt: skip
    assert by_age[COASTING_AGE_S] == (False, COASTING_AGE_S)
    assert by_age[COASTING_AGE_S + 0.25] == (True, COASTING_AGE_S + 0.25)
    assert by_age[COASTING_AGE_S + 60.0] == (True, 63.75)  # I062/290's largest age


def test_the_truth_picture_has_no_update_ages() -> None:
    text = SCENARIO.replace("seed: 1\n", "seed: 1\npicture: truth\n", 1)
    assert text != SCENARIO
    rec = TrackRecorder()
    result = run(load_scenario_text(text, "asterix_small.yaml"), seed=1, on_step=rec)
    got = decode(picture_asterix(result, rec.frames).data).cat062
    assert len(got) > 0
    assert got["psr_age_s"].isna().all() and not got["coasting"].any()


def test_each_nations_picture_is_its_own_data_source_under_the_national_policy() -> None:
    text = SCENARIO.replace("duration_s: 240", "duration_s: 60").replace(
        "- {id: tpy2_dobruja, type: an_tpy2, nation: ROU,",
        "- {id: tpy2_dobruja, type: an_tpy2, nation: BGR,",
    )
    rec = TrackRecorder()
    result = run(load_scenario_text(text + "policy: national\n", "n.yaml"), seed=1, on_step=rec)
    assert result.layout.names == ("ROU", "BGR")
    pic = picture_asterix(result, rec.frames)
    got = decode(pic.data).cat062
    by_sic = pic.table.groupby("sic")["picture"].unique()
    assert {k: list(v) for k, v in by_sic.items()} == {1: ["ROU"], 2: ["BGR"]}
    np.testing.assert_array_equal(got["sic"], pic.table["sic"])
    assert (got.groupby("block_offset")["sic"].nunique() == 1).all()  # a block per picture
    frames = sum(len(f) for f in rec.frames)
    assert len(got) == frames and (got["sic"] == 1).sum() == sum(
        int((f.picture == "ROU").sum()) for f in rec.frames
    )


def test_frame_sigmas_equal_the_covariance_rotated_track_by_track(recorded) -> None:
    """The recorder's batched east/north/up sigmas against the primitive: each track's ECEF
    covariance rotated into its own ENU axes (R C Rᵀ), one track at a time."""
    from iamd.geo.wgs84 import ecef_to_lla, enu_rotation
    from iamd.interop.export.scene import track_frame

    step = max(STEPS, key=lambda s: len(s.number))
    f = track_frame(step)
    for m in range(len(f)):
        lat, lon, _ = ecef_to_lla(step.state_ecef[m, :3])
        r = enu_rotation(lat, lon).reshape(3, 3)
        p = r @ step.covar_ecef[m, :3, :3] @ r.T
        v = r @ step.covar_ecef[m, 3:, 3:] @ r.T
        np.testing.assert_allclose([f.sigma_e_m[m], f.sigma_n_m[m], f.sigma_v_m[m]],
                                   np.sqrt(np.diag(p)), rtol=1e-9)  # fmt: skip
        np.testing.assert_allclose([f.sigma_ve_m_s[m], f.sigma_vn_m_s[m]],
                                   np.sqrt(np.diag(v)[:2]), rtol=1e-9)  # fmt: skip
        assert f.sigma_h_m[m] >= max(f.sigma_e_m[m], f.sigma_n_m[m]) * (1 - 1e-12)


def test_a_ballistic_missile_above_the_i062_130_range_has_no_geometric_altitude(recorded):
    _, rec, pic = recorded
    alt = np.concatenate([f.alt_m for f in rec.frames])
    assert alt.max() > 62_420.0  # the apogee is beyond I062/130's 204,793.75 ft
    got = decode(pic.data).cat062
    high = np.asarray(pic.table["lat_deg"].notna()) & np.isnan(pic.table["geometric_alt_m"])
    assert high.any()
    assert got.loc[high, "geometric_alt_m"].isna().all()
    assert got.loc[~high, "geometric_alt_m"].notna().all()


def test_i062_390_carries_the_correlated_flight_plan_and_only_there(recorded) -> None:
    _, _, pic = recorded
    got = decode(pic.data).cat062
    plan = got["plan_callsign"] != ""
    assert plan.any() and (~plan).any()
    fp = got[plan]
    assert set(fp["plan_callsign"]) == {"ROT601"}
    assert set(fp["callsign"]) == {"ROT601"}  # I062/245 absent: the callsign is the plan's
    assert set(zip(fp["adep"], fp["ades"], strict=True)) == {("LROP", "LTFM")}
    assert set(fp["mode3a"]) == {0o2301}
    assert set(fp["cls"]) >= {"airliner"}
    rest = got[~plan]
    assert (rest["mode3a"] == -1).all() and (rest["adep"] == "").all()
    assert (rest["ades"] == "").all()
    # the hostile tracks (drones, missiles) never correlate
    assert "hostile" not in set(fp["identity"])


def test_the_cat062_picture_decoded_and_encoded_again_gives_the_same_bytes(recorded) -> None:
    _, _, pic = recorded
    back = _cols(decode(pic.data).cat062)
    blob = encode_cat062(back)
    # the same records; fewer, fuller blocks without the per-step starts
    assert len(blob) == len(pic.data) - 3 * (len(pic.blocks) - len(split_blocks(blob)))
    pd.testing.assert_frame_equal(_cols(decode(blob).cat062), back)
    assert encode_cat062(_cols(decode(blob).cat062)) == blob


def test_iamd_run_out_asterix_writes_a_capture_and_a_raw_file_with_the_same_bytes(
    recorded, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    _, _, pic = recorded
    src = tmp_path / "s.yaml"
    src.write_text(SCENARIO, encoding="utf-8")
    cap = tmp_path / "picture.pcap"
    args = ["run", str(src), "--seed", "1", "--no-report", "--quiet"]
    assert main([*args, "--out", str(tmp_path / "a"), "--out-asterix", str(cap)]) == 0
    # same scenario and seed, another process's run: the same bytes (no wall clock in them)
    assert cap.read_bytes() == pcap_bytes(pic.blocks, pic.time_s)
    dec = read_recording(cap)
    assert len(dec.cat062) == len(pic.table)
    assert dec.cat062["dst"].unique().tolist() == ["232.1.1.62:8600"]
    np.testing.assert_allclose(dec.cat062["time_s"], EPOCH_S + dec.cat062["tod_s"] - EPOCH_TOD_S)
    raw = tmp_path / "b" / "picture.ast"  # inside --out, which the run creates
    assert main([*args, "--out", str(tmp_path / "b"), "--out-asterix", str(raw)]) == 0
    assert raw.read_bytes() == pic.data
    assert "summary.json" in {p.name for p in raw.parent.iterdir()}
    assert sorted(p.name for p in tmp_path.iterdir() if p.name.startswith(".")) == []


def test_same_scenario_and_seed_in_two_processes_give_the_same_capture(tmp_path: Path) -> None:
    import subprocess
    import sys

    src = tmp_path / "s.yaml"
    src.write_text(SCENARIO.replace("duration_s: 240", "duration_s: 60"), encoding="utf-8")
    caps = []
    for k in (1, 2):
        cap = tmp_path / f"p{k}.pcap"
        out = str(tmp_path / f"o{k}")
        cmd = [sys.executable, "-m", "iamd.cli", "run", str(src), "--seed", "3", "--out", out,
               "--quiet", "--no-report", "--out-asterix", str(cap)]  # fmt: skip
        subprocess.run(cmd, check=True, capture_output=True, timeout=600)
        caps.append(cap.read_bytes())
    assert caps[0] == caps[1] and len(decode(read_pcap_bytes(caps[0]).data).cat062) > 20


@pytest.mark.parametrize(
    ("target", "message"),
    [
        ("/dev/null", "error: --out-asterix: /dev/null is a character device; give a regular file"),
        ("{tmp}", "error: --out-asterix: {tmp} is a directory; give a file name"),
        ("{tmp}/missing/p.pcap", "error: --out-asterix: "),
        ("{tmp}/out/summary.json", "error: --out-asterix: {tmp}/out/summary.json is one of the "
                                   "run's own outputs in {tmp}/out/"),
        ("{tmp}/s.yaml", "error: --out-asterix: {tmp}/s.yaml is the input file"),
    ],
)  # fmt: skip
def test_a_bad_out_asterix_is_refused_before_the_run_and_nothing_is_written(
    target: str, message: str, tmp_path: Path, run_refused: RunRefused
) -> None:
    code, err = run_refused(SCENARIO, "--out-asterix", target.format(tmp=tmp_path))
    assert code == 2
    assert err.startswith(message.format(tmp=tmp_path)), err
    assert err.count("\n") == 1 and "Traceback" not in err
    assert sorted(p.name for p in tmp_path.iterdir()) == ["s.yaml"]  # the input alone
    assert stat.S_ISCHR(os.stat("/dev/null").st_mode)


def test_a_run_that_fails_writing_its_outputs_leaves_no_asterix_file(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    import iamd.cli as cli

    src = tmp_path / "s.yaml"
    src.write_text(SCENARIO.replace("duration_s: 240", "duration_s: 20"), encoding="utf-8")

    def fail(*_a: object, **_k: object) -> list[str]:
        raise InputError("--out: cannot write into out (No space left on device)")

    monkeypatch.setattr(cli, "_write_run", fail)
    cap = tmp_path / "p.pcap"
    code = main(["run", str(src), "--out", str(tmp_path / "o"), "--quiet", "--no-report",
                 "--out-asterix", str(cap)])  # fmt: skip
    assert code == 2
    assert "No space left on device" in capsys.readouterr().err
    assert not cap.exists()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["s.yaml"]


# ---------------------------------------------------------------------- I062/390


def test_cat062_ed1_12_flight_plan_data_round_trips_as_jasterix_reads_it() -> None:
    """jASTERIX ``test_cat062_1.12.cpp``: I062/390 CSN DLH9CK, DEP EDDF, DST LBSF."""
    t = read_recording(JA / "cat062ed1.12.bin").cat062
    r = t.iloc[0]
    assert (r.plan_callsign, r.adep, r.ades, r.callsign) == ("DLH9CK", "EDDF", "LBSF", "DLH9CK")
    blob = encode_cat062(_cols(t))
    back = decode(blob).cat062.iloc[0]
    assert (back.plan_callsign, back.adep, back.ades, back.callsign) == (
        "DLH9CK", "EDDF", "LBSF", "DLH9CK")  # fmt: skip
    assert encode_cat062(_cols(decode(blob).cat062)) == blob


def test_i062_390_subfields_follow_the_primary_subfield_of_cat062_ed1_1x() -> None:
    # CSN alone: primary 0x40; DEP alone: 0x02; DST: a second primary octet, 0x80 (FX set)
    base = {"sac": [1], "sic": [2], "tod_s": [0.0], "track_number": [7]}
    for cols, prim in (
        ({"plan_callsign": ["AB12"]}, "40"),
        ({"adep": ["LBSF"]}, "02"),
        ({"ades": ["LGAV"]}, "0180"),
        ({"plan_callsign": ["AB12"], "adep": ["LBSF"], "ades": ["LGAV"]}, "4380"),
    ):
        blob = encode_cat062(base | cols)
        body = "".join(
            v[0].encode("ascii").ljust(w, b" ").hex()
            for k, w in (("plan_callsign", 7), ("adep", 4), ("ades", 4))
            if (v := cols.get(k))
        )
        assert prim + body in blob.hex()
        r = decode(blob).cat062.iloc[0]
        assert r.plan_callsign == cols.get("plan_callsign", [""])[0]
        assert (r.adep, r.ades) == (cols.get("adep", [""])[0], cols.get("ades", [""])[0])
    with pytest.raises(InputError, match="column plan_callsign: row 0: must be at most 7"):
        encode_cat062(base | {"plan_callsign": ["ABCDEFGH"]})
    with pytest.raises(InputError, match="column identity: row 0: must be one of pending"):
        encode_cat062(base | {"identity": ["red"]})


# ---------------------------------------------------------------------- CAT034


def test_cat034_ed1_27_round_trip_of_croatia_controls_service_messages() -> None:
    """The 34 CAT034 messages of Croatia Control's capture (north markers with I034/041,
    sector crossings with I034/020) encoded, decoded and encoded again: equal fields, equal
    bytes."""
    t = _cols(read_recording(CC / "cat_034_048.pcap").cat034)
    assert len(t) == 34 and set(t["msg_type"]) == {NORTH_MARKER, SECTOR_CROSSING}
    blob = encode_cat034(t)
    back = _cols(decode(blob).cat034)
    pd.testing.assert_frame_equal(back, t)
    assert encode_cat034(back) == blob


def test_cat034_encoding_of_croatia_controls_messages_is_the_capture_byte_for_byte() -> None:
    """Each of the 34 service messages decoded and encoded again, one block per message as
    the radars sent them, is the capture's own CAT034 block: I034/050 and I034/060 (10 of them
    carry both or one) are written as the radars wrote them."""
    pk = read_pcap(CC / "cat_034_048.pcap")
    theirs = [b for a, z in pk.segments for b in split_blocks(pk.data[a:z]) if b[0] == 34]
    t = _cols(read_recording(CC / "cat_034_048.pcap").cat034)
    ours = split_blocks(encode_cat034(t, block_starts=np.ones(len(t), dtype=bool)))
    assert len(ours) == len(theirs) == 34
    assert ours == theirs
    assert sum(b[3] & 0x06 != 0 for b in theirs) == 10  # FSPEC: FRN 6 or 7 (/050, /060)


def test_cat034_ed1_26_jasterix_vector_round_trips() -> None:
    t = _cols(read_recording(JA / "cat034ed1.26.bin").cat034)
    blob = encode_cat034(t)
    back = _cols(decode(blob).cat034)
    pd.testing.assert_frame_equal(back, t)
    assert blob == (JA / "cat034ed1.26.bin").read_bytes()  # I034/050 and /060 with 3 subfields


_SYSTEM_SUBS = [(sub, cols) for _i, sub, _b, _s, cols in CAT034_SYSTEM_SUBFIELDS]


@settings(max_examples=80, deadline=None)
@given(
    st.lists(
        st.tuples(
            st.sampled_from([NORTH_MARKER, SECTOR_CROSSING]),
            st.lists(st.one_of(st.none(), st.integers(0, 2**16 - 1)),
                     min_size=len(_SYSTEM_SUBS), max_size=len(_SYSTEM_SUBS)),
        ),
        min_size=1, max_size=25,
    )
)  # fmt: skip
def test_cat034_system_status_and_mode_round_trip_for_random_tables(rows) -> None:
    """I034/050 and I034/060 with every combination of subfields (COM, PSR, SSR, MDS; none: no
    item) and every field over its range: decoded equal, re-encoded byte for byte."""
    n = len(rows)
    t: dict[str, object] = {"sac": np.full(n, 25), "sic": np.full(n, 7)}
    t |= {"tod_s": np.arange(n) / 128.0, "msg_type": [m for m, _ in rows]}
    for k, (_sub, cols) in enumerate(_SYSTEM_SUBS):
        for col, mask in cols:  # the field's bits of a random subfield
            shift = (mask & -mask).bit_length() - 1
            t[col] = [-1 if r[1][k] is None else (r[1][k] & mask) >> shift for r in rows]
    blob = encode_cat034(t, max_block_octets=120)
    back = _cols(decode(blob).cat034)
    for col in (c for _s, cols in _SYSTEM_SUBS for c, _m in cols):
        assert back[col].tolist() == t[col], col
    assert encode_cat034(back, max_block_octets=120) == blob


def test_cat034_system_subfields_bits_and_errors() -> None:
    """The primary subfield's bits (COM 0x80, PSR 0x10, SSR 0x08, MDS 0x04), each field at
    its bits, and the encoder's messages for a subfield given in part or out of range."""
    base = {"sac": [1], "sic": [2], "msg_type": [1]}
    cases = (  # (columns, I034/050 or /060 octets)
        ({"com_nogo": [1], "com_rdpc": [0], "com_rdpr": [0], "com_ovl_rdp": [0],
          "com_ovl_xmt": [0], "com_msc": [0], "com_tsv": [1]}, "8082"),
        ({"psr_ant": [1], "psr_ch_ab": [2], "psr_ovl": [0], "psr_msc": [1]}, "10c8"),
        ({"ssr_ant": [0], "ssr_ch_ab": [1], "ssr_ovl": [1], "ssr_msc": [0]}, "0830"),
        ({"mds_ant": [0], "mds_ch_ab": [3], "mds_ovl_sur": [0], "mds_msc": [0], "mds_scf": [1],
          "mds_dlf": [0], "mds_ovl_scf": [1], "mds_ovl_dlf": [1]}, "046580"),
        ({"com_red_rdp": [7], "com_red_xmt": [1]}, "8072"),
        ({"psr_pol": [1], "psr_red_rad": [2], "psr_stc": [3]}, "10ac"),
        ({"ssr_red_rad": [5]}, "08a0"),
        ({"mds_red_rad": [1], "mds_clu": [1]}, "0430"),
    )  # fmt: skip
    for cols, octets in cases:
        blob = encode_cat034(base | cols)
        frn = 0x04 if next(iter(cols)) in ("com_nogo", "psr_ant", "ssr_ant", "mds_ant") else 0x02
        assert blob.hex() == f"22{7 + len(octets) // 2:04x}{0xC0 | frn:02x}0102" + "01" + octets
        r = decode(blob).cat034.iloc[0]
        assert {c: int(r[c]) for c in cols} == {c: v[0] for c, v in cols.items()}
    none = {c: [-1] for _s, cols in _SYSTEM_SUBS for c, _m in cols}  # no subfield: no item
    assert encode_cat034(base | none).hex() == "220007c0010201"
    with pytest.raises(InputError, match=r"CAT034 encoder: column psr_msc: row 1: must be an "
                       r"integer in \[0, 1\] where the row has other I034/050 PSR columns "
                       r"\(got -1.0\)"):  # fmt: skip
        encode_cat034({"sac": [1, 1], "sic": [2, 2], "msg_type": [1, 1], "psr_ant": [0, 0],
                       "psr_ch_ab": [1, 1], "psr_ovl": [0, 0], "psr_msc": [0, -1]})  # fmt: skip
    with pytest.raises(
        InputError,
        match=r"column mds_red_rad: row 0: must be an integer in "
        r"\[0, 7\] \(got 8.0\)",
    ):
        encode_cat034(base | {"mds_red_rad": [8], "mds_clu": [0]})
    with pytest.raises(
        InputError,
        match=r"column com_red_xmt is required where a row has "
        r"other I034/060 COM columns \(row 0 has some\)",
    ):
        encode_cat034(base | {"com_red_rdp": [0]})


def test_cat034_items_are_at_their_resolution_and_range() -> None:
    t = {"sac": [25, 25, 25], "sic": [12, 12, 12], "msg_type": [1, 2, 2],
         "tod_s": [100.0078125, 101.0, 86399.9921875],
         "sector_azimuth_deg": [np.nan, 45.0, 360.0 - 360 / 256],
         "rotation_period_s": [4.9453125, np.nan, np.nan],
         "site_lat_deg": [43.572, np.nan, np.nan], "site_lon_deg": [16.404, np.nan, np.nan],
         "site_alt_m": [500.0, np.nan, np.nan]}  # fmt: skip
    r = decode(encode_cat034(t)).cat034
    np.testing.assert_array_equal(r["msg_type"], [1, 2, 2])
    np.testing.assert_array_equal(r["tod_s"], t["tod_s"])
    np.testing.assert_array_equal(r["sector_azimuth_deg"], t["sector_azimuth_deg"])
    np.testing.assert_array_equal(r["rotation_period_s"], t["rotation_period_s"])
    assert abs(r["site_lat_deg"][0] - 43.572) <= 180 / 2**24
    assert r["site_alt_m"][0] == 500.0
    with pytest.raises(InputError, match="column msg_type is required"):
        encode_cat034({"sac": [1], "sic": [1]})
    with pytest.raises(InputError, match=r"column rotation_period_s: row 0: must be within"):
        encode_cat034({"sac": [1], "sic": [1], "msg_type": [1], "rotation_period_s": [600.0]})


# ---------------------------------------------------------------------- the capture writer


def test_pcap_writer_round_trips_blocks_times_and_addresses() -> None:
    msgs = {"sac": [1] * 5, "sic": [2] * 5, "msg_type": [1] * 5, "tod_s": np.arange(5.0)}
    blocks = split_blocks(encode_cat034(msgs, max_block_octets=12))
    assert len(blocks) == 5
    times = EPOCH_S + np.arange(5) * 1.25
    cap = pcap_bytes(blocks, times, dst="127.0.0.1:30062")
    pk = read_pcap_bytes(cap)
    assert [pk.data[a:b] for a, b in pk.segments] == blocks
    np.testing.assert_allclose(pk.time_s, times, atol=1e-6)
    assert set(pk.dst) == {"127.0.0.1:30062"} and pk.skipped == 0
    assert pcap_bytes(blocks, times, dst="127.0.0.1:30062") == cap
    with pytest.raises(InputError, match="dst must be IPv4ADDRESS:PORT"):
        pcap_bytes(blocks, times, dst="localhost")
    with pytest.raises(InputError, match="5 times for 4 datagrams"):
        pcap_bytes(blocks[:4], times)


def test_block_starts_open_a_block_at_each_marked_row() -> None:
    t = {"sac": [1] * 6, "sic": [1] * 6, "tod_s": np.arange(6.0), "track_number": np.arange(6)}
    rows: list[int] = []
    blob = encode_cat062(t, block_starts=[1, 0, 0, 1, 0, 1], block_rows=rows)
    assert rows == [0, 3, 5]
    d = decode(blob).cat062
    assert d.groupby("block_offset").size().tolist() == [3, 2, 1]
    with pytest.raises(InputError, match="block_starts has 2 values for 6 records"):
        encode_cat062(t, block_starts=[1, 0])


def test_the_identity_record_words_are_the_identification_stages() -> None:
    from iamd.identify.classifier import CLASSES
    from iamd.identify.truth_identity import STANDARD_IDENTITIES

    assert IDENTITY_WORDS == STANDARD_IDENTITIES
    assert CLASS_WORDS == CLASSES
    blob = encode_cat062({"sac": [1, 1], "sic": [1, 1], "tod_s": [0.0, 0.0],
                          "track_number": [1, 2], "identity": ["hostile", ""],
                          "cls": ["drone", ""]})  # fmt: skip
    assert "054944" + "0703" in blob.hex()  # LEN 5, "ID", hostile (7), drone (3)
    r = decode(blob).cat062
    assert r["identity"].tolist() == ["hostile", ""] and r["cls"].tolist() == ["drone", ""]


_WORD = st.text(alphabet="ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789", max_size=7)
_ICAO = st.one_of(st.just(""), st.text(alphabet="ABCDEFGHIJKLMNOPQRSTUVWXYZ", min_size=4,
                                      max_size=4))  # fmt: skip


@settings(max_examples=60, deadline=None)
@given(
    st.lists(
        st.tuples(_WORD, _WORD, _ICAO, _ICAO, st.sampled_from(("", *IDENTITY_WORDS)),
                  st.sampled_from(("", *CLASS_WORDS)), st.booleans()),
        min_size=1, max_size=30,
    )
)  # fmt: skip
def test_i062_390_and_the_identity_record_round_trip_for_random_tables(rows) -> None:
    plan, own, dep, dst, ident, cls, same = (list(c) for c in zip(*rows, strict=True))
    callsign = [p if s else o for p, o, s in zip(plan, own, same, strict=True)]
    t = pd.DataFrame({"sac": 1, "sic": 9, "tod_s": np.arange(len(rows)) / 128.0,
                      "track_number": np.arange(len(rows)), "callsign": callsign,
                      "plan_callsign": plan, "adep": dep, "ades": dst, "identity": ident,
                      "cls": cls})  # fmt: skip
    blob = encode_cat062(t, max_block_octets=200)
    back = decode(blob).cat062
    assert back["plan_callsign"].tolist() == plan
    assert back["adep"].tolist() == dep and back["ades"].tolist() == dst
    # callsign: I062/245, else (absent, or the plan's and so written once) I062/390 CSN
    assert back["callsign"].tolist() == [c or p for c, p in zip(callsign, plan, strict=True)]
    assert back["identity"].tolist() == ident and back["cls"].tolist() == cls
    assert encode_cat062(back, max_block_octets=200) == blob


# ---------------------------------------------------------------------- a complete radar feed


def test_iamd_written_cat048_feed_carries_cat034_north_markers_and_sector_crossings() -> None:
    """The synthetic recording is a complete radar feed (CAT034 ed. 1.2x): per radar a north
    marker each time its antenna passes north, with its rotation period and site, and a sector
    crossing every 45°, in time order between the plots; the tracker reads the scan periods
    from them when the sensor table has none."""
    from iamd.interop.asterix.synthetic import synthetic_cat048
    from iamd.interop.recording import recording_plots, sensors_from_mapping

    syn = synthetic_cat048(n_radars=3, n_targets=8, duration_s=120.0, seed=4)
    dec = decode(syn.data)
    c34 = dec.cat034
    assert syn.service is not None and len(c34) == len(syn.service)
    for r, (period, phase) in enumerate(syn.antennas):
        mine = c34[c34["sic"] == r + 1]
        north = mine[mine["msg_type"] == NORTH_MARKER]
        sector = mine[mine["msg_type"] == SECTOR_CROSSING]
        # the antenna points at phase + 360 t / T: north at t = (360 k - phase) T / 360
        k = np.round((north["tod_s"] / period * 360 + phase) / 360)
        np.testing.assert_allclose(north["tod_s"], (360 * k - phase) * period / 360, atol=1 / 256)
        assert (north["rotation_period_s"] == period).all()
        assert (north["site_lat_deg"].notna()).all()
        assert set(sector["sector_azimuth_deg"]) == {45.0 * i for i in range(1, 8)}
        assert len(north) in (math.floor(120 / period), math.ceil(120 / period))
    # blocks in time order; no plots block spans a service message
    recs = pd.concat([dec.cat048[["offset", "tod_s"]], c34[["offset", "tod_s"]]])
    assert (np.diff(recs.sort_values("offset")["tod_s"].to_numpy()) >= 0).all()
    table = dict(syn.sensors)
    table["sensors"] = [{k: v for k, v in s.items() if k != "scan_period_s"}
                        for s in table["sensors"]]  # fmt: skip
    rp = recording_plots(dec, sensors_from_mapping(table), "syn")
    np.testing.assert_allclose(rp.scan_period_s, [p for p, _ in syn.antennas])
    assert len(decode(synthetic_cat048(n_radars=1, n_targets=2, duration_s=30.0,
                                       service_messages=False).data).cat034) == 0  # fmt: skip


@pytest.mark.parametrize("psr", [False, True])
def test_synthetic_north_markers_say_the_radar_works_with_its_own_sensors(psr) -> None:
    """Each north marker carries I034/050 and I034/060 of a working radar: COM all clear
    (released for operational use, RDP chain 1, no overload, monitoring connected, time
    source valid, no reduction), the Mode S sensor on antenna 1, channel A, autonomous; the
    PSR subfields only when the radars have a primary radar (and their plots say so, TYP 7),
    never SSR; sector crossings carry neither item."""
    from iamd.interop.asterix.synthetic import synthetic_cat048

    syn = synthetic_cat048(n_radars=2, n_targets=4, duration_s=60.0, seed=3, psr=psr)
    dec = decode(syn.data)
    c34 = dec.cat034
    north = c34["msg_type"] == NORTH_MARKER
    assert north.sum() >= 8
    nm = c34[north]
    for _item, sub, _bit, _size, cols in CAT034_SYSTEM_SUBFIELDS:
        on = sub in ("COM", "MDS") or (sub == "PSR" and psr)
        for col, _mask in cols:
            want = (1 if col.endswith("_ch_ab") else 0) if on else -1
            assert set(nm[col]) == {want}, col
            assert set(c34.loc[~north, col]) == {-1}, col
    assert set(dec.cat048["typ"]) == {7 if psr else 5}
    # I034/050 then I034/060 after header 3, FSPEC 2, I010 2, I000 1, I030 3, I041 2 octets:
    # primary (COM 0x80, PSR 0x10, MDS 0x04), COM 00, [PSR: CH-A/B 01 = 0x20], MDS 0x2000;
    # primary, COM 00, [PSR 00], MDS 00
    want = "9400202000" + "94000000" if psr else "84002000" + "840000"
    blocks = [b for b in split_blocks(syn.data) if b[0] == 34 and b[3] & 0x04]  # FRN 6
    assert len(blocks) == north.sum() and {b[7] for b in blocks} == {NORTH_MARKER}
    assert {b[13 : 13 + len(want) // 2].hex() for b in blocks} == {want}
