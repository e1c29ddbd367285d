"""`iamd identify TRACKS --out IDS`: formats, results on simple tracks, and bad input files."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from iamd.errors import DataFileError
from iamd.geo.wgs84 import ecef_to_lla
from iamd.identify.classifier import CLASSES
from iamd.identify.tool import OUTPUT_COLUMNS, identify_command, read_tracks
from iamd.identify.truth_identity import STANDARD_IDENTITIES
from iamd.world.paths import fly_waypoints


def track_rows(track_id: str, flight_args: tuple, every_s: int, **extra: object) -> pd.DataFrame:
    f = fly_waypoints(*flight_args)
    idx = np.arange(0, min(len(f.t_s), 120), every_s)
    noise = np.random.default_rng(len(track_id)).normal(0.0, 10.0, (len(idx), 3))  # reports
    lat, lon, h = ecef_to_lla(f.pos_ecef_m[idx] + noise)
    df = pd.DataFrame(
        {
            "t_s": f.t_s[idx],
            "track_id": track_id,
            "lat_deg": np.degrees(lat),
            "lon_deg": np.degrees(lon),
            "alt_m": h,
        }
    )
    for k, v in extra.items():
        df[k] = v
    return df


@pytest.fixture
def tracks() -> pd.DataFrame:
    airliner = track_rows(
        "A1",
        (np.radians([42.70, 40.52]), np.radians([23.41, 22.97]), [10_972.8, 10_972.8], 235.0, 0.0),
        4,
        squawk="4521",
        rcs_dbsm=14.0,
        iff=False,
    )
    drone = track_rows(
        "D7",
        (np.radians([44.0, 43.9]), np.radians([29.5, 28.7]), [300.0, 300.0], 45.0, 0.0),
        2,
        squawk="",
        rcs_dbsm=-6.0,
        iff=False,
    )
    return pd.concat([airliner, drone], ignore_index=True)


def test_identify_csv_one_row_per_update(tracks: pd.DataFrame, tmp_path: Path) -> None:
    src, out = tmp_path / "tracks.csv", tmp_path / "ids.csv"
    # the tracks' rows interleave in any order; each track's own rows come in time order
    tracks.sort_values(["t_s", "track_id"], ascending=[True, False]).to_csv(src, index=False)
    assert identify_command(src, out) == 0
    ids = pd.read_csv(out, dtype={"track_id": str}, keep_default_na=False)
    assert list(ids.columns) == list(OUTPUT_COLUMNS)
    assert len(ids) == len(tracks)
    assert set(ids["identity"]) <= set(STANDARD_IDENTITIES)
    p = pd.read_csv(out, usecols=[f"p_{c}" for c in CLASSES]).to_numpy()
    assert np.allclose(p.sum(axis=1), 1.0, atol=1e-5)
    last = ids.groupby("track_id").tail(1).set_index("track_id")
    assert last.loc["A1", "class"] == "airliner"
    assert last.loc["A1", "identity"] == "neutral"
    # a slow, low, small silent track: a drone on most updates (a light aircraft is close)
    assert (ids.loc[ids.track_id == "D7", "class"] == "drone").mean() > 0.5
    # without a scenario there is no origin evidence: a slow drone is a suspect, not hostile
    assert last.loc["D7", "identity"] == "suspect"
    assert last.loc["D7", "rule"] == "S3"
    first = ids.groupby("track_id").head(1)
    assert (first["identity"] == "pending").all()  # one update: not mature
    assert (ids["implausible"] == "").all()
    assert not list(tmp_path.glob("*.tmp"))


def test_the_scenario_gives_the_origin_evidence(tracks: pd.DataFrame, tmp_path: Path) -> None:
    # the drone starts over the built-in theatre's Black Sea launch area, towards Constanța
    src, out = tmp_path / "tracks.csv", tmp_path / "ids.csv"
    tracks.to_csv(src, index=False)
    assert identify_command(src, out, scenario="balkans") == 0
    ids = pd.read_csv(out, dtype={"track_id": str}, keep_default_na=False)
    drone = ids[ids.track_id == "D7"]
    assert drone["identity"].iloc[-1] == "hostile"
    assert (
        drone["evidence"]
        .iloc[-1]
        .startswith("H4 hostile: origin western_black_sea -> constanta_port closing")
    )
    t_hostile = drone.loc[drone.identity == "hostile", "t_s"].iloc[0] - drone["t_s"].iloc[0]
    assert t_hostile <= 16.0  # mature at 10 s, then sustained over 4 s (2 s updates)
    airliner = ids[ids.track_id == "A1"]
    assert airliner["identity"].iloc[-1] == "neutral"


def test_implausible_updates_are_flagged_and_never_evidence(tmp_path: Path) -> None:
    # a silent light aircraft at 50 m/s, 1 s reports: an altitude spike, a stale repeat, a
    # report out of order; and a GNSS step of 30 km later on
    t = np.arange(0.0, 400.0)
    lat = 47.0 + 50.0 * t / 111_100.0
    alt = np.full(len(t), 1500.0)
    alt[100] = 8500.0  # spike
    lat[150] = lat[149]  # stale repeat
    lat[250:] += 30e3 / 111_100.0  # step
    df = pd.DataFrame({"t_s": t, "track_id": "G", "lat_deg": lat, "lon_deg": 2.0, "alt_m": alt})
    order = np.r_[np.arange(0, 200), 201, 200, np.arange(202, 400)]  # 200 comes late
    src, out = tmp_path / "tracks.csv", tmp_path / "ids.csv"
    df.iloc[order].to_csv(src, index=False)
    identify_command(src, out)
    ids = pd.read_csv(out, keep_default_na=False).set_index("t_s")
    assert ids.loc[100.0, "implausible"] == "jump"
    assert ids.loc[150.0, "implausible"] == "repeated position"
    assert ids.loc[200.0, "implausible"] == "time goes back"
    assert (ids["implausible"] != "").sum() == 3
    assert ids.loc[100.0, "evidence"].startswith("implausible update, not evidence; ")
    assert ids.loc[100.0, "identity"] == ids.loc[99.0, "identity"]
    # the step starts the track afresh: pending again, then identified on its own updates
    assert ids.loc[250.0, "identity"] == "pending"
    assert ids.loc[399.0, "identity"] != "pending"
    assert not (ids["identity"] == "hostile").any()


def test_outputs_keep_full_precision(tmp_path: Path) -> None:
    t0 = 1_558_612_204.123456
    df = pd.DataFrame(
        {
            "t_s": t0 + np.arange(20.0),
            "track_id": "x",
            "lat_deg": 43.123456789012 + np.arange(20) * 1e-4,
            "lon_deg": 23.5,
            "alt_m": 1000.0,
        }
    )
    src, out = tmp_path / "tracks.csv", tmp_path / "ids.csv"
    df.to_csv(src, index=False)
    identify_command(src, out)
    ids = pd.read_csv(out, keep_default_na=False)
    assert ids["t_s"].tolist() == df["t_s"].tolist()
    assert "1558612204.123456" in out.read_text()


def test_output_may_not_overwrite_the_input(tracks: pd.DataFrame, tmp_path: Path) -> None:
    src = tmp_path / "tracks.csv"
    tracks.to_csv(src, index=False)
    before = src.read_bytes()
    with pytest.raises(DataFileError, match="--out must not be the input file"):
        identify_command(src, src)
    assert src.read_bytes() == before


def test_the_output_of_iamd_track_is_valid_input(tmp_path: Path) -> None:
    # plots of a target flying east at 50 m/s, 1,000 m up, in the local frame of a radar
    from iamd.track.tool import track_command

    rng = np.random.default_rng(1)
    t = np.arange(0.0, 120.0, 2.0)
    plots = pd.DataFrame(
        {
            "t_s": t,
            "x_m": 10_000.0 + 50.0 * t + rng.normal(0.0, 20.0, len(t)),
            "y_m": 5_000.0 + rng.normal(0.0, 20.0, len(t)),
            "z_m": 1000.0 + rng.normal(0.0, 20.0, len(t)),
        }
    )
    pl, tr, out = tmp_path / "plots.csv", tmp_path / "tracks.csv", tmp_path / "ids.csv"
    plots.to_csv(pl, index=False)
    track_command(pl, tr, 20.0)
    with pytest.raises(DataFileError, match="a local frame needs its origin"):
        identify_command(tr, out)
    assert not out.exists()
    assert identify_command(tr, out, origin=(43.0, 25.0, 200.0)) == 0
    ids = pd.read_csv(out, keep_default_na=False)
    assert len(ids) == len(pd.read_csv(tr))
    assert set(ids["identity"]) <= set(STANDARD_IDENTITIES)
    assert ids["identity"].iloc[-1] != "pending"


def test_identify_parquet_with_enu_velocities(tracks: pd.DataFrame, tmp_path: Path) -> None:
    src, out = tmp_path / "tracks.parquet", tmp_path / "ids.parquet"
    t = tracks.copy()
    t["vx_m_s"], t["vy_m_s"], t["vz_m_s"] = 0.0, 0.0, 0.0
    t.loc[t.track_id == "D7", ["vx_m_s", "vy_m_s"]] = [-45.0 * 0.97, -45.0 * 0.22]
    t.loc[t.track_id == "A1", ["vx_m_s", "vy_m_s"]] = [-235.0 * 0.16, -235.0 * 0.99]
    t.drop(columns=["squawk"]).assign(has_transponder=t.squawk != "").to_parquet(src)
    assert identify_command(src, out) == 0
    ids = pd.read_parquet(out)
    assert len(ids) == len(t)
    assert ids.groupby("track_id").tail(1).set_index("track_id").loc["A1", "identity"] == "neutral"


def write(tmp_path: Path, text: str, name: str = "tracks.csv") -> Path:
    p = tmp_path / name
    p.write_text(text)
    return p


HEADER = "t_s,track_id,lat_deg,lon_deg,alt_m"


@pytest.mark.parametrize(
    ("text", "message"),
    [
        (
            "t_s,track_id,lat_deg,lon_deg\n0,a,1,2\n",
            "column alt_m: missing: give lat_deg, lon_deg, alt_m or local x_m, y_m, z_m with "
            "--origin (got columns t_s, ",
        ),
        (
            f"{HEADER}\n0,a,1,2,100\n1,a,x,2,100\n",
            "column lat_deg: must be a number (got 'x' in row 2)",
        ),
        (f"{HEADER}\n0,a,95,2,100\n", "column lat_deg: must be within [-90, 90] (got 95 in row 1)"),
        (f"{HEADER}\n0,a,1,2,\n", "column alt_m: must not be empty (got nothing in row 1)"),
        (f"{HEADER}\n0,a,1,2,100\n0,a,1,2,100\n", "column t_s: each track needs distinct times"),
        (f"{HEADER}\n", "no rows"),
        (
            f"{HEADER},vx_m_s\n0,a,1,2,100,5\n",
            "column vy_m_s: vx_m_s, vy_m_s and vz_m_s come together",
        ),
        (
            f"{HEADER},iff\n0,a,1,2,100,maybe\n",
            "column iff: must be true/false or 1/0 (got 'maybe' in row 1)",
        ),
        (f"{HEADER}\n0,,1,2,100\n", "column track_id: must not be empty (got nothing in row 1)"),
        (f"{HEADER},rcs_m2\n0,a,1,2,100,0\n", "column rcs_m2: must be > 0 (got 0 in row 1)"),
        (  # pandas would rename the repeat t_s.1 and read on
            "t_s,t_s,track_id,lat_deg,lon_deg,alt_m\n0,1,a,1,2,100\n",
            "line 1: column t_s appears twice (columns 1 and 2); each column name once",
        ),
        (  # pandas would make the first fields an index and shift every column
            f"{HEADER}\n0,a,1,2,100,7,8\n",
            "line 2: more fields than the header's 5 columns",
        ),
        (f"{HEADER}\n0,a,1,2,1e308\n", "column alt_m: must be within [-1000, 2e+06]"),
    ],
)
def test_bad_tracks_files_name_file_column_and_value(
    tmp_path: Path, text: str, message: str
) -> None:
    src = write(tmp_path, text)
    out = tmp_path / "ids.csv"
    with pytest.raises(DataFileError) as exc:
        identify_command(src, out)
    assert str(exc.value).startswith(f"{src}: ")
    assert message in str(exc.value)
    assert not out.exists()
    assert list(tmp_path.iterdir()) == [src]


def test_unsupported_extension_and_missing_file(tmp_path: Path) -> None:
    with pytest.raises(DataFileError, match=r"must be a \.csv or \.parquet file \(got \.txt\)"):
        identify_command(write(tmp_path, f"{HEADER}\n", "t.txt"), tmp_path / "ids.csv")
    with pytest.raises(DataFileError, match="no such file"):
        identify_command(tmp_path / "absent.csv", tmp_path / "ids.csv")
    src = write(tmp_path, f"{HEADER}\n0,a,1,2,100\n")
    with pytest.raises(DataFileError, match=r"the output must be a \.csv or \.parquet"):
        identify_command(src, tmp_path / "ids.json")


def test_read_tracks_defaults(tmp_path: Path) -> None:
    df = read_tracks(write(tmp_path, f"{HEADER},squawk\n0,a,1,2,100,7000\n5,a,1,2.01,100,\n"))
    assert df["squawk"].tolist() == [True, False]
    assert df["reported_alt_m"].iloc[0] == 100.0 and np.isnan(df["reported_alt_m"].iloc[1])
    assert df["iff"].tolist() == [False, False]
    assert df["rcs_dbsm"].isna().all()


def test_the_scenarios_identification_section_sets_the_thresholds(
    tracks: pd.DataFrame, tmp_path: Path
) -> None:
    # the built-in theatre with a longer sustain: the drone from the launch area becomes
    # hostile only after its criterion has held for 40 s, not after 10 s
    from iamd.scenario.loader import builtin_scenario_text

    scenario = tmp_path / "slow_sustain.yaml"
    scenario.write_text(builtin_scenario_text("balkans") + "identification:\n  sustain_s: 40\n")
    src = tmp_path / "tracks.csv"
    tracks.to_csv(src, index=False)
    t_hostile = {}
    for name, sc in (("default", "balkans"), ("slow", str(scenario))):
        out = tmp_path / f"ids_{name}.csv"
        assert identify_command(src, out, scenario=sc) == 0
        ids = pd.read_csv(out, dtype={"track_id": str}, keep_default_na=False)
        drone = ids[ids.track_id == "D7"]
        assert drone["identity"].iloc[-1] == "hostile"
        t_hostile[name] = (
            drone.loc[drone.identity == "hostile", "t_s"].iloc[0] - drone["t_s"].iloc[0]
        )
    assert t_hostile["default"] <= 16.0
    assert t_hostile["slow"] >= 40.0  # the criterion holds from the first update
