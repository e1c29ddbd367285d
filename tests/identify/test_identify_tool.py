"""`iamd identify TRACKS --out IDS`: formats, results on simple tracks, and bad input files."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from iamd.errors import DataFileError
from iamd.geo.wgs84 import ecef_to_lla
from iamd.identify.tool import OUTPUT_COLUMNS, identify_command, read_tracks
from iamd.identify.truth_identity import STANDARD_IDENTITIES
from iamd.world.paths import fly_waypoints


def track_rows(track_id: str, flight_args: tuple, every_s: int, **extra: object) -> pd.DataFrame:
    f = fly_waypoints(*flight_args)
    idx = np.arange(0, min(len(f.t_s), 120), every_s)
    lat, lon, h = ecef_to_lla(f.pos_ecef_m[idx])
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
    tracks.sample(frac=1.0, random_state=0).to_csv(src, index=False)  # any row order
    assert identify_command(src, out) == 0
    ids = pd.read_csv(out, dtype={"track_id": str})
    assert list(ids.columns) == list(OUTPUT_COLUMNS)
    assert len(ids) == len(tracks)
    assert set(ids["identity"]) <= set(STANDARD_IDENTITIES)
    p = ids[[c for c in ids.columns if c.startswith("p_")]].to_numpy()
    assert np.allclose(p.sum(axis=1), 1.0, atol=1e-5)
    last = ids.groupby("track_id").tail(1).set_index("track_id")
    assert last.loc["A1", "class"] == "airliner"
    assert last.loc["A1", "identity"] == "neutral"
    assert last.loc["D7", "class"] == "drone"
    assert last.loc["D7", "identity"] == "hostile"
    first = ids.groupby("track_id").head(1)
    assert (first["identity"] == "pending").all()  # age 0: not evaluated yet
    assert not list(tmp_path.glob("*.tmp"))


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
        ("t_s,track_id,lat_deg,lon_deg\n0,a,1,2\n", "column alt_m: missing (got columns t_s, "),
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
