"""``iamd track``: plots files in, confirmed tracks out; bad files give exact messages."""

from __future__ import annotations

import math
import os
import re
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow.csv as pacsv
import pytest

from iamd.cli import main
from iamd.errors import DataFileError, InputError
from iamd.geo.wgs84 import (
    ecef_to_aer,
    ecef_to_lla,
    ecef_vector_to_enu,
    enu_to_ecef,
    enu_vector_to_ecef,
    lla_to_ecef,
)
from iamd.track.manager import CV_ONLY, DEFAULT_MODELS, QUIET_Q_M2_S3, TrackerParams
from iamd.track.metrics import continuity, match_tracks
from iamd.track.tool import (
    GEODETIC_OUTPUT,
    OUTPUT_COLUMNS,
    params_keys,
    read_plots,
    track_command,
    track_plots,
    tracker_params,
)


def _scenario(
    seed: int, n: int = 12, scans: int = 30, two_d: bool = False, sigma_m: float = 30.0
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Plots (shuffled, with clutter) and truth of targets on a grid in a 60 km square."""
    rng = np.random.default_rng(seed)
    g = int(np.ceil(np.sqrt(n)))
    xy = (np.argwhere(np.ones((g, g)))[:n] + 0.5) * (60e3 / g)
    z0 = np.zeros(n) if two_d else rng.uniform(1e3, 9e3, n)
    hd = rng.uniform(0, 2 * np.pi, n)
    v = np.column_stack([180 * np.cos(hd), 180 * np.sin(hd)])
    plots, truth = [], []
    for k in range(scans):
        t = 2.0 * k
        pos = np.column_stack([xy + v * t, z0])
        truth.append(
            pd.DataFrame(
                {"t_s": t, "id": np.arange(n), "x": pos[:, 0], "y": pos[:, 1], "z": pos[:, 2]}
            )
        )
        det = rng.random(n) < 0.9
        meas = pos[det] + rng.normal(0, sigma_m, (int(det.sum()), 3))
        nc = rng.poisson(15)
        clutter = np.column_stack([rng.uniform(0, 60e3, (nc, 2)), rng.uniform(0, 10e3, nc)])
        allp = np.vstack([meas, clutter])
        if two_d:
            allp[:, 2] = 0.0
        plots.append(
            pd.DataFrame({"t_s": t, "x_m": allp[:, 0], "y_m": allp[:, 1], "z_m": allp[:, 2]})
        )
    df = pd.concat(plots, ignore_index=True)
    return df.sample(frac=1.0, random_state=seed).reset_index(drop=True), pd.concat(truth)


def _check_recovered(tracks: pd.DataFrame, truth: pd.DataFrame, n: int) -> None:
    assert list(tracks.columns) == list(OUTPUT_COLUMNS)
    m = match_tracks(
        truth.t_s.to_numpy(),
        truth.id.to_numpy(),
        truth[["x", "y", "z"]].to_numpy(),
        tracks.t_s.to_numpy(),
        tracks.track_id.to_numpy(),
        tracks[["x_m", "y_m", "z_m"]].to_numpy(),
        cutoff_m=500.0,
    )
    late = m.t_s >= 20.0
    assert np.all(m.track_id[late] >= 0)  # every target held after the first scans
    assert np.median(m.distance_m[late]) < 40.0
    cont = continuity(m)
    assert cont.id_switches == 0 and cont.truths == n
    # confirmed tracks are the targets: few false ones
    per_scan = tracks.groupby("t_s").size()
    assert per_scan[per_scan.index >= 20.0].max() <= n + 1


def test_track_command_recovers_targets_from_a_csv_with_clutter(tmp_path: Path) -> None:
    plots, truth = _scenario(1)
    src = tmp_path / "plots.csv"
    plots.to_csv(src, index=False)
    out = tmp_path / "tracks.csv"
    assert track_command(src, out, 30.0) == 0
    tracks = pd.read_csv(out)
    _check_recovered(tracks, truth, 12)
    assert tracks.t_s.is_monotonic_increasing
    assert not list(tmp_path.glob(".tracks.csv.*"))  # no temporary left behind


def test_two_d_plots_give_tracks_in_the_plane(tmp_path: Path) -> None:
    plots, truth = _scenario(2, two_d=True)
    src = tmp_path / "plots2d.csv"
    plots.to_csv(src, index=False)
    out = tmp_path / "tracks.csv"
    track_command(src, out, 30.0)
    tracks = pd.read_csv(out)
    assert np.all(tracks.z_m == 0.0) and np.all(tracks.vz_m_s == 0.0)
    _check_recovered(tracks, truth, 12)


def test_parquet_in_and_out_with_a_sigma_column(tmp_path: Path) -> None:
    plots, truth = _scenario(3)
    plots["sigma_m"] = 30.0
    src = tmp_path / "plots.parquet"
    plots.to_parquet(src, index=False)
    out = tmp_path / "tracks.parquet"
    track_command(src, out, None)
    tracks = pd.read_parquet(out)
    _check_recovered(tracks, truth, 12)
    assert tracks.track_id.dtype == np.int64


def test_two_sensors_at_the_same_times_do_not_duplicate_tracks(tmp_path: Path) -> None:
    a, truth = _scenario(4)
    rng = np.random.default_rng(9)  # sensor B sees every target of A's truth
    b = truth.rename(columns={"x": "x_m", "y": "y_m", "z": "z_m"})[["t_s", "x_m", "y_m", "z_m"]]
    b = b.copy()
    b[["x_m", "y_m", "z_m"]] += rng.normal(0, 30.0, (len(b), 3))
    a["sensor_id"] = "radar-A"
    b["sensor_id"] = "radar-B"
    src = tmp_path / "two.csv"
    pd.concat([a, b]).to_csv(src, index=False)
    out = tmp_path / "tracks.csv"
    track_command(src, out, 30.0)
    _check_recovered(pd.read_csv(out), truth, 12)


def test_unsorted_times_are_sorted(tmp_path: Path) -> None:
    df = pd.DataFrame(
        {"t_s": [2.0, 0.0, 1.0], "x_m": [400.0, 0.0, 200.0], "y_m": 0.0, "z_m": 1000.0}
    )
    src = tmp_path / "p.csv"
    df.to_csv(src, index=False)
    plots = read_plots(src, 10.0)
    assert plots.t_s.tolist() == [0.0, 1.0, 2.0]
    assert plots.pos_m[:, 0].tolist() == [0.0, 200.0, 400.0]


def _write(tmp_path: Path, text: str, name: str = "plots.csv") -> Path:
    p = tmp_path / name
    p.write_text(text)
    return p


@pytest.mark.parametrize(
    ("text", "message"),
    [
        (
            "t_s,y_m,z_m\n0,1,2\n",
            "plots.csv: column x_m: missing (got columns: t_s, y_m, z_m); required: t_s and "
            "one position: x_m, y_m, z_m (local), lat_deg, lon_deg, alt_m (geodetic) or "
            "range_m, az_deg, el_deg (polar, from a sensor site)",
        ),
        (
            "t_s,x_m,y_m,z_m\n0,1,2,3\n1,abc,2,3\n",
            "plots.csv: column x_m: line 3: not a number (got 'abc')",
        ),
        (  # repeated names would be renamed t_s.1 and read silently
            "t_s,t_s,x_m,y_m,z_m\n0,1,2,3,4\n",
            "plots.csv: line 1: column t_s appears twice (columns 1 and 2); each column name once",
        ),
        (  # a longer first row would turn its first fields into an index
            "t_s,x_m,y_m,z_m\n0,1,2,3,4,5\n",
            "plots.csv: line 2: more fields than the header's 4 columns",
        ),
        (
            "t_s,x_m,y_m,z_m\n0,1,2,3\n1,2,nan,3\n",
            "plots.csv: column y_m: line 3: must be a finite number (got nan)",
        ),
        (
            "t_s,x_m,y_m,z_m\n0,1,2,3\n\n1,2,3,\n",
            "plots.csv: column z_m: line 4: empty value (got '')",
        ),
        (
            "t_s,x_m,y_m,z_m\n0,1,2,inf\n",
            "plots.csv: column z_m: line 2: must be a finite number (got inf)",
        ),
        (
            "t_s,x_m,y_m,z_m,sigma_m\n0,1,2,3,0\n",
            "plots.csv: column sigma_m: line 2: must be > 0 and <= 1e+07 (got 0)",
        ),
        (
            "",
            "plots.csv: the file is empty; expected a header line with t_s and a position "
            "(x_m,y_m,z_m or lat_deg,lon_deg,alt_m or range_m,az_deg,el_deg) and one row per "
            "plot",
        ),
        (
            "t_s,x_m,y_m,z_m\n",
            "plots.csv: no plots (the file has a header but no rows); expected one row per plot "
            "with t_s, x_m, y_m, z_m",
        ),
    ],
)
def test_bad_plot_files_give_exact_messages(tmp_path: Path, text: str, message: str) -> None:
    src = _write(tmp_path, text)
    out = tmp_path / "tracks.csv"
    with pytest.raises(DataFileError) as err:
        track_command(src, out, 50.0)
    assert str(err.value) == str(tmp_path / message)
    assert not out.exists()


def test_a_huge_header_is_not_echoed_whole(tmp_path: Path) -> None:
    # a 1.5 MB header line (300 columns of 5,000 characters) and no position: the message
    # names the first dozen, each cut, and the count
    names = ["t_s"] + [f"c{i}_" + "x" * 5_000 for i in range(300)]
    src = _write(tmp_path, ",".join(names) + "\n" + ",".join(["0"] * len(names)) + "\n")
    with pytest.raises(DataFileError) as err:
        track_command(src, tmp_path / "tracks.csv", 50.0)
    message = str(err.value)
    assert len(message) < 1000
    assert "column x_m: missing (got columns: t_s, c0_xxx" in message
    assert "... (301 in all)" in message


def test_a_header_of_200000_columns_is_refused_before_parsing(tmp_path: Path) -> None:
    # the CSV parsers took minutes over such a header; the cap answers at once
    src = _write(tmp_path, ",".join(f"c{i}" for i in range(200_000)) + "\n")
    out = tmp_path / "tracks.csv"
    with pytest.raises(DataFileError) as err:
        track_command(src, out, 50.0)
    assert str(err.value) == f"{src}: line 1: 200,000 columns; a header has at most 1,000"
    assert not out.exists()


def test_unreadable_parquet_and_missing_file(tmp_path: Path) -> None:
    src = _write(tmp_path, "this is not parquet", "plots.parquet")
    with pytest.raises(DataFileError, match=r"plots.parquet: not a readable Parquet file \("):
        track_command(src, tmp_path / "t.csv", 50.0)
    with pytest.raises(DataFileError) as err:
        track_command(tmp_path / "nope.csv", tmp_path / "t.csv", 50.0)
    assert str(err.value) == f"{tmp_path / 'nope.csv'}: no such file"


def test_parquet_errors_name_the_row(tmp_path: Path) -> None:
    df = pd.DataFrame({"t_s": [0.0, 1.0], "x_m": [1.0, np.nan], "y_m": 0.0, "z_m": 0.0})
    src = tmp_path / "p.parquet"
    df.to_parquet(src)
    with pytest.raises(DataFileError) as err:
        track_command(src, tmp_path / "t.csv", 50.0)
    assert str(err.value) == f"{src}: column x_m: row 1: must be a finite number (got nan)"


def test_sigma_is_required_from_the_file_or_the_flag(tmp_path: Path) -> None:
    src = _write(tmp_path, "t_s,x_m,y_m,z_m\n0,1,2,3\n")
    with pytest.raises(InputError) as err:
        track_command(src, tmp_path / "t.csv", None)
    assert str(err.value) == (
        f"{src}: no sigma_m column and no --sigma-m given; add a sigma_m column (position "
        "standard deviation per axis, m) or pass --sigma-m S"
    )
    with pytest.raises(
        InputError, match=r"--sigma-m must be a number > 0 and <= 1e\+07 \(got -1.0\)"
    ):
        track_command(src, tmp_path / "t.csv", -1.0)


@pytest.mark.parametrize("sigma", [1e7, 1.0000001e7, 1e308])
def test_a_sigma_flag_is_bounded_even_where_a_column_gives_the_sigma(
    tmp_path: Path, sigma: float
) -> None:
    # the column takes precedence, but a flag out of bounds is a mistake said at once
    src = _write(tmp_path, "t_s,x_m,y_m,z_m,sigma_m\n0,1,2,3,50\n")
    out = tmp_path / "t.csv"
    if sigma <= 1e7:
        track_command(src, out, sigma)
        assert out.exists()
        return
    with pytest.raises(InputError) as err:
        track_command(src, out, sigma)
    assert str(err.value) == f"--sigma-m must be a number > 0 and <= 1e+07 (got {sigma!r})"
    assert not out.exists()
    with pytest.raises(InputError, match=r"--out must end in .csv or .parquet \(got '.*t.txt'\)"):
        track_command(src, tmp_path / "t.txt", 5.0)


def test_confirmation_and_deletion_flags(tmp_path: Path) -> None:
    src = _write(tmp_path, "t_s,x_m,y_m,z_m\n0,0,0,1000\n1,200,0,1000\n2,400,0,1000\n")
    out = tmp_path / "t.csv"
    # SPRT (the default): with sparse clutter a clean target confirms at its second plot;
    # so it does with the online estimate, whose first scan (one free plot: dense clutter in
    # a 10 km box) the second replaces (no free plot). A dense given clutter needs the third.
    track_command(src, out, 20.0, clutter_density=1e-15)
    assert pd.read_csv(out).t_s.tolist() == [1.0, 2.0]
    track_command(src, out, 20.0)
    assert pd.read_csv(out).t_s.tolist() == [1.0, 2.0]
    track_command(src, out, 20.0, clutter_density=1e-12)
    assert pd.read_csv(out).t_s.tolist() == [2.0]
    track_command(src, out, 20.0, confirm="2/3")
    assert pd.read_csv(out).t_s.tolist() == [1.0, 2.0]  # confirmed at the second plot
    track_command(src, out, 20.0, confirm="3/3", delete_misses=2)
    assert pd.read_csv(out).t_s.tolist() == [2.0]
    for bad in ("3", "4/3", "a/b", "0/2", "SPRT2"):
        with pytest.raises(InputError) as err:
            track_command(src, out, 20.0, confirm=bad)
        assert str(err.value) == (
            f"--confirm must be sprt or M/N with 1 <= M <= N <= 64, e.g. 3/5 (got {bad!r})"
        )
    with pytest.raises(InputError, match=r"--delete-misses must be an integer >= 1 \(got 0\)"):
        track_command(src, out, 20.0, confirm="3/5", delete_misses=0)
    with pytest.raises(InputError, match=r"--delete-misses applies to M-of-N confirmation"):
        track_command(src, out, 20.0, delete_misses=3)


# --------------------------------------------------------------------------- input forms

ORIGIN = (43.0, 25.0, 0.0)
SITE = (43.1, 24.9, 250.0)


def _truth() -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """A straight, level-in-ENU target: times, east-north-up about ORIGIN, and ECEF."""
    t = np.arange(0.0, 62.0, 2.0)
    enu = np.array([10e3, 20e3, 3e3]) + np.outer(t, [150.0, -80.0, 0.0])
    lat0, lon0 = np.radians(ORIGIN[0]), np.radians(ORIGIN[1])
    return t, enu, enu_to_ecef(enu, lat0, lon0, ORIGIN[2])


def _form_files(tmp_path: Path, seed: int) -> dict[str, Path]:
    """The truth as local, geodetic and polar plots, each with its own noise."""
    rng = np.random.default_rng(seed)
    t, enu, ecef = _truth()
    n = len(t)
    files = {}
    local = enu + rng.normal(0.0, 15.0, (n, 3))
    files["local"] = tmp_path / "local.csv"
    pd.DataFrame(
        {"t_s": t, "x_m": local[:, 0], "y_m": local[:, 1], "z_m": local[:, 2], "sigma_m": 15.0}
    ).to_csv(files["local"], index=False)
    lat, lon, alt = ecef_to_lla(ecef + rng.normal(0.0, 15.0, (n, 3)))
    files["geodetic"] = tmp_path / "geodetic.parquet"
    pd.DataFrame(
        {"t_s": t, "lat_deg": np.degrees(lat), "lon_deg": np.degrees(lon), "alt_m": alt,
         "sigma_m": 15.0}
    ).to_parquet(files["geodetic"])  # fmt: skip
    az, el, rng_m = ecef_to_aer(ecef, np.radians(SITE[0]), np.radians(SITE[1]), SITE[2])
    files["polar"] = tmp_path / "polar.csv"
    pd.DataFrame(
        {
            "t_s": t,
            "range_m": rng_m + rng.normal(0.0, 15.0, n),
            "az_deg": np.degrees(az + rng.normal(0.0, 0.5e-3, n)),
            "el_deg": np.degrees(el + rng.normal(0.0, 0.5e-3, n)),
            "site_lat_deg": SITE[0],
            "site_lon_deg": SITE[1],
            "site_alt_m": SITE[2],
            "sigma_range_m": 15.0,
            "sigma_az_mrad": 0.5,
            "sigma_el_mrad": 0.5,
        }
    ).to_csv(files["polar"], index=False)
    return files


def test_every_input_form_tracks_a_straight_target_to_the_same_track(tmp_path: Path) -> None:
    files = _form_files(tmp_path, 5)
    t, enu, _ = _truth()
    runs = {
        "local": (files["local"], None),
        "local+origin": (files["local"], ORIGIN),
        "geodetic": (files["geodetic"], ORIGIN),
        "polar": (files["polar"], ORIGIN),
    }
    est = {}
    for label, (src, origin) in runs.items():
        out = tmp_path / f"tracks_{label}.csv"
        assert track_command(src, out, origin=origin) == 0
        tracks = pd.read_csv(out)
        geo = label != "local"  # tracked in ECEF: the geodetic columns are written
        assert list(tracks.columns) == list(OUTPUT_COLUMNS) + (list(GEODETIC_OUTPUT) * geo)
        assert tracks.track_id.nunique() == 1, label  # one track, held to the end
        assert tracks.t_s.iloc[0] <= 6.0 and tracks.t_s.iloc[-1] == t[-1]
        late = tracks[tracks.t_s >= 20.0]
        truth = enu[np.searchsorted(t, late.t_s.to_numpy())]
        err = np.linalg.norm(late[["x_m", "y_m", "z_m"]].to_numpy() - truth, axis=1)
        assert np.max(err) < 50.0, (label, np.max(err))  # plot sigma 15 m per axis
        v = late[["vx_m_s", "vy_m_s", "vz_m_s"]].to_numpy()
        assert np.max(np.linalg.norm(v - [150.0, -80.0, 0.0], axis=1)) < 15.0, label
        est[label] = late.set_index("t_s")[["x_m", "y_m", "z_m"]]
    for label in ("local+origin", "geodetic", "polar"):
        gap = np.linalg.norm((est[label] - est["local"]).to_numpy(), axis=1)
        assert np.max(gap) < 60.0, label
    # with and without --origin the local plots are the same: the ECEF map is exact
    plain, placed = est["local"].to_numpy(), est["local+origin"].to_numpy()
    assert np.max(np.abs(plain - placed)) < 1.0


def _hand_aer_to_ecef(site: tuple[float, float, float], az_deg: float, el_deg: float,
                      range_m: float) -> np.ndarray:  # fmt: skip
    """WGS84 by hand (NIMA TR8350.2): the site's ECEF plus the slant range along the unit
    vector of azimuth (from north towards east) and elevation in the site's ENU axes."""
    a, f = 6378137.0, 1.0 / 298.257223563
    e2 = f * (2.0 - f)
    phi, lam = math.radians(site[0]), math.radians(site[1])
    n = a / math.sqrt(1.0 - e2 * math.sin(phi) ** 2)
    origin = np.array([
        (n + site[2]) * math.cos(phi) * math.cos(lam),
        (n + site[2]) * math.cos(phi) * math.sin(lam),
        (n * (1.0 - e2) + site[2]) * math.sin(phi),
    ])  # fmt: skip
    east = np.array([-math.sin(lam), math.cos(lam), 0.0])
    north = np.array([-math.sin(phi) * math.cos(lam), -math.sin(phi) * math.sin(lam),
                      math.cos(phi)])  # fmt: skip
    up = np.array([math.cos(phi) * math.cos(lam), math.cos(phi) * math.sin(lam), math.sin(phi)])
    az, el = math.radians(az_deg), math.radians(el_deg)
    los = math.cos(el) * math.sin(az) * east + math.cos(el) * math.cos(az) * north
    return origin + range_m * (los + math.sin(el) * up)


def test_polar_plots_match_a_hand_computation(tmp_path: Path) -> None:
    rows = [  # site, az, el, range, sigmas (m, mrad, mrad)
        ((43.1, 24.9, 250.0), 30.0, 2.0, 80e3, (20.0, 1.0, 2.0)),
        ((-33.9, 151.2, 10.0), 300.0, 45.0, 15e3, (5.0, 0.3, 0.4)),
        ((64.0, -21.9, 0.0), 180.0, -1.0, 250e3, (50.0, 2.0, 1.0)),
    ]
    df = pd.DataFrame(
        {
            "t_s": [0.0, 1.0, 2.0],
            "range_m": [r[3] for r in rows],
            "az_deg": [r[1] for r in rows],
            "el_deg": [r[2] for r in rows],
            "site_lat_deg": [r[0][0] for r in rows],
            "site_lon_deg": [r[0][1] for r in rows],
            "site_alt_m": [r[0][2] for r in rows],
            "sigma_range_m": [r[4][0] for r in rows],
            "sigma_az_mrad": [r[4][1] for r in rows],
            "sigma_el_mrad": [r[4][2] for r in rows],
        }
    )
    src = tmp_path / "polar.csv"
    df.to_csv(src, index=False)
    plots = read_plots(src)
    assert plots.frame == "ecef" and plots.form == "polar"
    assert plots.reference == rows[0][0]  # the first plot's site
    for k, (site, az, el, r, (s_r, s_az, s_el)) in enumerate(rows):
        expected = _hand_aer_to_ecef(site, az, el, r)
        np.testing.assert_allclose(plots.pos_m[k], expected, rtol=0, atol=1e-6)
        # covariance: J diag(σ²) J' with J by central differences of the hand conversion
        h = (1e-2, 1e-5, 1e-5)  # m, degrees, degrees
        cols = []
        for j in range(3):
            d = np.zeros(3)
            d[j] = h[j]
            hi = _hand_aer_to_ecef(site, az + d[1], el + d[2], r + d[0])
            lo = _hand_aer_to_ecef(site, az - d[1], el - d[2], r - d[0])
            scale = 1.0 if j == 0 else math.degrees(1.0)  # per radian
            cols.append((hi - lo) / (2.0 * h[j]) * scale)
        jac = np.column_stack(cols)
        var = np.array([s_r**2, (s_az * 1e-3) ** 2, (s_el * 1e-3) ** 2])
        cov = jac @ np.diag(var) @ jac.T
        np.testing.assert_allclose(plots.cov_m2[k], cov, rtol=0, atol=1e-6 * np.abs(cov).max())
    # the same plots with the site as a flag
    flag = df[df.site_lat_deg == rows[0][0][0]].drop(columns=["site_lat_deg", "site_lon_deg",
                                                               "site_alt_m"])  # fmt: skip
    src2 = tmp_path / "polar_flag.csv"
    flag.to_csv(src2, index=False)
    plots2 = read_plots(src2, site="43.1,24.9,250")
    np.testing.assert_array_equal(plots2.pos_m[0], plots.pos_m[0])


def test_geodetic_plots_match_a_hand_computation(tmp_path: Path) -> None:
    src = _write(tmp_path, "t_s,lat_deg,lon_deg,alt_m\n0,42.698,23.322,550\n1,-10,350,8000\n")
    plots = read_plots(src, 25.0)
    a, f = 6378137.0, 1.0 / 298.257223563
    e2 = f * (2.0 - f)
    for k, (lat, lon, h) in enumerate([(42.698, 23.322, 550.0), (-10.0, 350.0, 8000.0)]):
        phi, lam = math.radians(lat), math.radians(lon)
        n = a / math.sqrt(1.0 - e2 * math.sin(phi) ** 2)
        expected = [
            (n + h) * math.cos(phi) * math.cos(lam),
            (n + h) * math.cos(phi) * math.sin(lam),
            (n * (1 - e2) + h) * math.sin(phi),
        ]
        np.testing.assert_allclose(plots.pos_m[k], expected, rtol=0, atol=1e-6)
    np.testing.assert_allclose(plots.cov_m2[0], 625.0 * np.eye(3))
    assert plots.reference == (42.698, 23.322, 0.0)


def test_ecef_output_velocities_are_east_north_up_at_the_track(tmp_path: Path) -> None:
    # a target 400 km east of the origin flying east along the origin's horizontal: at its
    # own position (3.6 degrees of arc away) that straight line climbs at 16 m/s
    t = np.arange(0.0, 40.0, 2.0)
    enu = np.array([400e3, 0.0, 5e3]) + np.outer(t, [250.0, 0.0, 0.0])
    src = tmp_path / "far.csv"
    pd.DataFrame({"t_s": t, "x_m": enu[:, 0], "y_m": enu[:, 1], "z_m": enu[:, 2]}).to_csv(
        src, index=False
    )
    out = tmp_path / "far_tracks.csv"
    track_command(src, out, 1.0, origin=ORIGIN)
    tracks = pd.read_csv(out)
    last = tracks.iloc[-1]
    lat, lon = np.radians(last.lat_deg), np.radians(last.lon_deg)
    v_ecef = enu_vector_to_ecef([250.0, 0.0, 0.0], np.radians(ORIGIN[0]), np.radians(ORIGIN[1]))
    expected = ecef_vector_to_enu(v_ecef, lat, lon)
    got = last[["vx_m_s", "vy_m_s", "vz_m_s"]].to_numpy(np.float64)
    assert expected[2] > 15.0
    np.testing.assert_allclose(got, expected, atol=0.5)
    # the positions: x_m, y_m, z_m about the origin and lat_deg, lon_deg, alt_m agree
    xyz = tracks[["x_m", "y_m", "z_m"]].to_numpy()
    lla = tracks[["lat_deg", "lon_deg", "alt_m"]].to_numpy()
    a = enu_to_ecef(xyz, np.radians(ORIGIN[0]), np.radians(ORIGIN[1]), ORIGIN[2])
    b = lla_to_ecef(np.radians(lla[:, 0]), np.radians(lla[:, 1]), lla[:, 2])
    np.testing.assert_allclose(a, b, rtol=0, atol=1e-4)


def test_geodetic_output_is_iamd_identify_input_without_flags(tmp_path: Path) -> None:
    from iamd.identify.tool import identify_command

    files = _form_files(tmp_path, 7)
    tr, ids = tmp_path / "tracks.csv", tmp_path / "ids.csv"
    assert track_command(files["geodetic"], tr) == 0
    assert identify_command(tr, ids) == 0
    got = pd.read_csv(ids, keep_default_na=False)
    assert len(got) == len(pd.read_csv(tr)) > 20
    assert got["identity"].iloc[-1] != "pending"


def test_two_d_file_is_tracked_in_the_plane_and_placed_by_origin(tmp_path: Path) -> None:
    plots, _ = _scenario(6, n=4, scans=15, two_d=True)
    src = tmp_path / "plane.csv"
    plots.to_csv(src, index=False)
    pl = read_plots(src, 30.0, origin=ORIGIN)
    assert pl.two_d and pl.frame == "local" and pl.reference == ORIGIN
    assert pl.cov_m2[0, 2, 2] == pytest.approx(1e-6)
    out = tmp_path / "plane_tracks.csv"
    track_command(src, out, 30.0, origin=ORIGIN, clutter_density=1e-9)  # per m² in 2-D
    tracks = pd.read_csv(out)
    assert list(tracks.columns) == list(OUTPUT_COLUMNS) + list(GEODETIC_OUTPUT)
    assert np.all(tracks.z_m == 0.0) and np.all(tracks.vz_m_s == 0.0)
    assert tracks.track_id.nunique() >= 4
    assert np.all(tracks.alt_m == ORIGIN[2])  # 2-D plots have no height: the origin's


def test_full_precision_round_trip(tmp_path: Path) -> None:
    plots, _ = _scenario(8, n=4, scans=12)
    src = tmp_path / "p.csv"
    plots.to_csv(src, index=False)
    rows = track_plots(read_plots(src, 30.0, origin=ORIGIN))
    assert len(rows) > 10
    for name in ("t.csv", "t.parquet"):
        out = tmp_path / name
        track_command(src, out, 30.0, origin=ORIGIN)
        # pyarrow's CSV parser rounds correctly
        back = pacsv.read_csv(out).to_pandas() if name.endswith(".csv") else pd.read_parquet(out)
        assert list(back.columns) == list(rows.columns)
        for c, v in rows.columns.items():
            np.testing.assert_array_equal(back[c].to_numpy(), v, err_msg=c)
    text = (tmp_path / "t.csv").read_text().splitlines()
    assert text[0] == ",".join(rows.columns)  # a plain header


def test_text_fallback_reads_what_the_typed_reader_does_not(tmp_path: Path) -> None:
    clean = _write(tmp_path, "t_s,x_m,y_m,z_m\n0,1,2,3\n1,4,5,6\n", "clean.csv")
    messy = _write(tmp_path, "t_s, x_m, y_m, z_m\n\n0, 1, 2, 3\n1,4 ,5,6\n", "messy.csv")
    a, b = read_plots(clean, 5.0), read_plots(messy, 5.0)
    np.testing.assert_array_equal(a.pos_m, b.pos_m)
    np.testing.assert_array_equal(a.t_s, b.t_s)


def test_sensors_are_sorted_names_and_share_a_step(tmp_path: Path) -> None:
    src = _write(
        tmp_path,
        "t_s,x_m,y_m,z_m,sensor_id\n1,0,0,1000,radar-B\n0,0,0,1000,radar-B\n"
        "1,5,0,1000,radar-A\n1,9,0,1000, radar-B\n",
    )
    plots = read_plots(src, 10.0)
    assert plots.sensor_names == ("radar-A", "radar-B")
    assert plots.t_s.tolist() == [0.0, 1.0, 1.0, 1.0]
    assert plots.sensor.tolist() == [1, 0, 1, 1]
    assert plots.pos_m[:, 0].tolist() == [0.0, 5.0, 0.0, 9.0]  # file order within a sensor


# --------------------------------------------------------------------------- bad inputs


@pytest.mark.parametrize(
    ("text", "message"),
    [
        (
            "t_s,lat_deg,lon_deg,alt_m,sigma_m\n0,43,25,0,10\n1,91,25,0,10\n",
            "column lat_deg: line 3: must be within [-90, 90] (got 91)",
        ),
        (
            "t_s,lat_deg,lon_deg,alt_m,sigma_m\n0,43,360,0,10\n",
            "column lon_deg: line 2: must be within [-180, 360) (got 360)",
        ),
        (
            "t_s,lat_deg,lon_deg,alt_m,sigma_m\n0,43,25,x,10\n",
            "column alt_m: line 2: not a number (got 'x')",
        ),
        (
            "t_s,range_m,az_deg,el_deg\n0,0,10,1\n",
            "column range_m: line 2: must be > 0 (got 0)",
        ),
        (
            "t_s,range_m,az_deg,el_deg\n0,1e4,10,90.5\n",
            "column el_deg: line 2: must be within [-90, 90] (got 90.5)",
        ),
        (
            "t_s,range_m,az_deg,el_deg,sigma_az_mrad\n0,1e4,10,1,-1\n",
            "column sigma_az_mrad: line 2: must be > 0 and <= 1e+07 (got -1)",
        ),
        (
            "t_s,range_m,az_deg,el_deg,site_lat_deg,site_lon_deg,site_alt_m\n0,1e4,10,1,100,0,0\n",
            "column site_lat_deg: line 2: must be within [-90, 90] (got 100)",
        ),
        (
            "t_s,range_m,az_deg,el_deg,site_lat_deg,site_lon_deg\n0,1e4,10,1,43,25\n",
            "column site_alt_m: missing: site_lat_deg, site_lon_deg and site_alt_m come "
            "together (got only site_lat_deg, site_lon_deg)",
        ),
        (
            "t_s,x_m,y_m,z_m,lat_deg,lon_deg,alt_m\n0,1,2,3,4,5,6\n",
            "columns x_m, y_m, z_m and lat_deg, lon_deg, alt_m: more than one position form; "
            "keep only one of x_m, y_m, z_m (local), lat_deg, lon_deg, alt_m (geodetic) or "
            "range_m, az_deg, el_deg (polar)",
        ),
        (
            "t_s,range_m,az_deg\n0,1,2\n",
            "column el_deg: missing (got columns: t_s, range_m, az_deg); required: t_s and one "
            "position: x_m, y_m, z_m (local), lat_deg, lon_deg, alt_m (geodetic) or range_m, "
            "az_deg, el_deg (polar, from a sensor site)",
        ),
    ],
)
def test_bad_values_of_every_form_give_exact_messages(
    tmp_path: Path, text: str, message: str
) -> None:
    src = _write(tmp_path, text)
    if "range_m" in text:
        flags = {"site": "43,25,0", "sigma_range_m": 10, "sigma_az_mrad": 1, "sigma_el_mrad": 1}
    else:
        flags = {"sigma_m": 10}
    with pytest.raises(DataFileError) as err:
        read_plots(src, **flags)  # type: ignore[arg-type]
    assert str(err.value) == f"{src}: {message}"


def test_polar_plots_need_a_site_and_sigmas(tmp_path: Path) -> None:
    src = _write(tmp_path, "t_s,range_m,az_deg,el_deg\n0,1e4,10,1\n")
    with pytest.raises(InputError) as err:
        read_plots(src, sigma_range_m=10, sigma_az_mrad=1, sigma_el_mrad=1)
    assert str(err.value) == (
        f"{src}: polar plots (range_m, az_deg, el_deg) need their sensor site: add the columns "
        "site_lat_deg, site_lon_deg, site_alt_m or pass --site LAT,LON,ALT_M"
    )
    with pytest.raises(InputError) as err:
        read_plots(src, site="43,25,0", sigma_range_m=10, sigma_el_mrad=1)
    assert str(err.value) == (
        f"{src}: no sigma_az_mrad column and no --sigma-az-mrad given; add a sigma_az_mrad "
        "column (azimuth standard deviation, mrad) or pass --sigma-az-mrad S"
    )


def test_parquet_text_column_names_the_bad_row(tmp_path: Path) -> None:
    df = pd.DataFrame({"t_s": ["0", "abc"], "x_m": [1.0, 2.0], "y_m": 0.0, "z_m": 0.0})
    src = tmp_path / "p.parquet"
    df.to_parquet(src)
    with pytest.raises(DataFileError) as err:
        read_plots(src, 5.0)
    assert str(err.value) == f"{src}: column t_s: row 1: not a number (got 'abc')"


def test_out_may_not_be_the_input_or_a_directory(tmp_path: Path) -> None:
    src = _write(tmp_path, "t_s,x_m,y_m,z_m\n0,1,2,3\n")
    before = src.read_bytes()
    with pytest.raises(InputError, match="--out must not be the plots file"):
        track_command(src, src, 5.0)
    assert src.read_bytes() == before
    folder = tmp_path / "tracks.csv"
    folder.mkdir()
    with pytest.raises(InputError) as err:
        track_command(src, folder, 5.0)
    assert str(err.value) == (
        f"--out: {folder} is a directory; give a file name ending in .csv or .parquet"
    )


# --------------------------------------------------------------------------- parameters


def test_params_file_and_flags(tmp_path: Path) -> None:
    yml = _write(
        tmp_path,
        "model: cv\npd: 0.8\nconfirmation: m_of_n\nconfirm_m: 2\nconfirm_n: 4\n"
        "false_track_prob: 1e-6\nclutter_density: null\n",
        "params.yaml",
    )
    par = tracker_params(params_file=yml)
    assert par.models == CV_ONLY and par.pd == 0.8 and par.confirm_m == 2
    assert par.confirm_n == 4 and par.false_track_prob == 1e-6 and par.clutter_density is None
    par = tracker_params(params_file=yml, pd="0.7", model="imm", q="4", confirm="sprt")
    assert par.pd == 0.7 and par.confirmation == "sprt"
    assert [m.q_m2_s3 for m in par.models] == [4.0, 4.0, DEFAULT_MODELS[2].q_m2_s3]
    assert DEFAULT_MODELS[0].q_m2_s3 == QUIET_Q_M2_S3
    js = _write(
        tmp_path,
        '{"models": [{"kind": "cv", "q_m2_s3": 2}, {"kind": "ct", "q_m2_s3": 5}], '
        '"gate_prob": 0.99}',
        "params.json",
    )
    par = tracker_params(TrackerParams(pd=0.6), params_file=js)
    assert [m.kind for m in par.models] == ["cv", "ct"] and par.gate_prob == 0.99
    assert par.pd == 0.6  # not in the file: the base's value
    src = _write(tmp_path, "t_s,x_m,y_m,z_m\n0,0,0,1000\n1,200,0,1000\n2,400,0,1000\n")
    out = tmp_path / "t.csv"
    track_command(src, out, 20.0, params_file=yml, confirm="2/3")
    assert pd.read_csv(out).t_s.tolist() == [1.0, 2.0]


@pytest.mark.parametrize(
    ("text", "message"),
    [
        (
            "pd: 0.9\nspeed: 3\nfoo: 1\n",
            "unknown keys speed, foo; the 27 keys are TrackerParams' fields and model "
            "(docs/tracking.md, Parameters)",
        ),
        ("stay_prb: 0.9\n", "unknown key stay_prb (did you mean stay_prob?); the 27 keys"),
        ("frame: local\n", "key frame: set by the plots"),
        ("pd: 2\n", "TrackerParams: pd must be in (0, 1) or None (got 2.0)"),
        ("pd: high\n", "key pd: must be a finite number (got 'high')"),
        ("confirm_n: 2.5\n", "key confirm_n: must be an integer (got 2.5)"),
        ("model: kalman\n", "key model: must be one of bank, cv, imm (got 'kalman')"),
        ("- pd\n", "must be a mapping of tracker parameters to values (got a list), e.g."),
        ("models: [{kind: spline, q_m2_s3: 1}]\n", "kind must be cv, ct or ballistic"),
    ],
)
def test_params_file_errors(tmp_path: Path, text: str, message: str) -> None:
    src = _write(tmp_path, text, "params.yaml")
    with pytest.raises(DataFileError) as err:
        tracker_params(params_file=src)
    assert str(err.value).startswith(f"{src}: ")
    assert message in str(err.value)
    assert len(params_keys()) == 27  # the count the messages above name


@pytest.mark.parametrize(
    "text",
    ["- 1\n", "".join(f"k{i:04d}: 1\n" for i in range(300)), "k" * 1000 + ": 1\n"],
)
def test_params_file_errors_stay_one_short_line(tmp_path: Path, text: str) -> None:
    """A list, 300 unknown keys or a 1,000-character key: one line of at most 300
    characters besides the file's name (the hostile-input benchmark's limit is 500)."""
    src = _write(tmp_path, text, "params.yaml")
    with pytest.raises(DataFileError) as err:
        tracker_params(params_file=src)
    msg = str(err.value).removeprefix(f"{src}: ")
    assert "\n" not in msg and len(msg) <= 300


@pytest.mark.parametrize(
    ("args", "flag", "allowed"),
    [
        (["--model", "kalman"], "--model", "one of bank, cv, imm"),
        (["--q", "0"], "--q", "a number > 0"),
        (["--q", "abc"], "--q", "a number > 0"),
        (["--gate", "1"], "--gate", "a probability in (0, 1)"),
        (["--pd", "nan"], "--pd", "a probability in (0, 1)"),
        (["--pd", "1.5"], "--pd", "a probability in (0, 1)"),
        (["--clutter-density", "-0.5"], "--clutter-density", "a number > 0"),
        (["--clutter-density", "abc"], "--clutter-density", "a number > 0"),
        (["--clutter-density", "-1e-9"], "--clutter-density", "a number > 0"),
        (["--clutter-density", "-inf"], "--clutter-density", "a number > 0"),
        (["--q", "-2.5E-1"], "--q", "a number > 0"),
        (["--gate", "-.5"], "--gate", "a probability in (0, 1)"),
        (["--pd", "-1e-3"], "--pd", "a probability in (0, 1)"),
        (["--delete-misses", "-1e0", "--confirm", "3/5"], "--delete-misses", "an integer >= 1"),
        (["--sigma-m", "-1e-9"], "--sigma-m", "a number > 0"),
        (["--sigma-range-m", "-1e2"], "--sigma-range-m", "a number > 0"),
        (["--sigma-az-mrad", "-1e-9"], "--sigma-az-mrad", "a number > 0"),
        (["--sigma-el-mrad", "-nan"], "--sigma-el-mrad", "a number > 0"),
        (["--origin", "-91e0,25"], "--origin", "latitude must be within [-90, 90]"),
        (["--site", "-43e0,25"], "--site", "LAT,LON,ALT_M"),
        (["--confirm", "5/3"], "--confirm", "sprt or M/N"),
        (["--delete-misses", "0", "--confirm", "3/5"], "--delete-misses", "an integer >= 1"),
        (["--delete-misses", "2"], "--delete-misses", "applies to M-of-N"),
        (["--sigma-m", "-1"], "--sigma-m", "a number > 0"),
        (["--origin", "91,25"], "--origin", "latitude must be within [-90, 90]"),
        (["--site", "43,25"], "--site", "LAT,LON,ALT_M"),
        (["--site", "43,25,0"], "--site", "applies to polar plots"),
        (["--sigma-range-m", "5"], "--sigma-range-m", "applies to polar plots"),
        (["--sigma-az-mrad", "0"], "--sigma-az-mrad", "a number > 0"),
        (["--sigma-el-mrad", "x"], "--sigma-el-mrad", "a number > 0"),
        (["--params", "nope.yaml"], "--params", "no such file"),
    ],
)
def test_bad_flag_values_exit_2_naming_the_flag(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], args: list[str], flag: str, allowed: str
) -> None:
    src = _write(tmp_path, "t_s,x_m,y_m,z_m\n0,0,0,1000\n1,200,0,1000\n")
    out = tmp_path / "t.csv"
    try:
        rc = main(["track", str(src), "--out", str(out), "--sigma-m", "20", *args])
    except SystemExit as exc:  # argparse's own checks (--origin)
        rc = int(str(exc.code))
    err = capsys.readouterr().err
    assert rc == 2
    assert err.startswith("error: ") and err.count("\n") == 1, err
    assert flag in err and allowed in err, err
    assert repr(args[1]) in err or args[1] in err  # the value
    assert "Traceback" not in err and not out.exists()


def test_cli_reads_negative_numbers_as_flag_values(tmp_path: Path) -> None:
    """A southern, western origin reaches the tracker from the command line as it does from
    the library."""
    plots, _ = _scenario(8, n=4, scans=12)
    src = tmp_path / "p.csv"
    plots.to_csv(src, index=False)
    south = (-33.9, -151.2, 10.0)
    flags = ["--sigma-m", "30", "--origin", "-33.9,-151.2,10"]
    rc = main(["track", str(src), "--out", str(tmp_path / "cli.csv"), *flags])
    assert rc == 0
    track_command(src, tmp_path / "lib.csv", 30.0, origin=south)
    cli, lib = pd.read_csv(tmp_path / "cli.csv"), pd.read_csv(tmp_path / "lib.csv")
    assert len(cli) > 10
    pd.testing.assert_frame_equal(cli, lib)
    assert np.all(np.abs(cli.lat_deg - south[0]) < 0.5) and np.all(cli.lon_deg < -150.0)


def test_cli_tracks_polar_plots_with_flags(tmp_path: Path) -> None:
    files = _form_files(tmp_path, 9)
    polar = pd.read_csv(files["polar"])[["t_s", "range_m", "az_deg", "el_deg"]]
    src = tmp_path / "bare_polar.csv"
    polar.to_csv(src, index=False)
    out = tmp_path / "tracks.parquet"
    rc = main(["track", str(src), "--out", str(out), "--site", ",".join(map(str, SITE)),
               "--sigma-range-m", "15", "--sigma-az-mrad", "0.5", "--sigma-el-mrad", "0.5",
               "--model", "cv", "--q", "2", "--gate", "0.999", "--pd", "0.95",
               "--confirm", "3/5", "--delete-misses", "3"])  # fmt: skip
    assert rc == 0
    tracks = pd.read_parquet(out)
    assert tracks.track_id.nunique() == 1 and len(tracks) >= 25
    assert list(tracks.columns) == list(OUTPUT_COLUMNS) + list(GEODETIC_OUTPUT)


@pytest.mark.parametrize(
    ("name", "content", "message"),
    [
        ("deep.yaml", "a: " + "[" * 5000 + "]" * 5000, "nested more than"),
        ("bomb.yaml", "a: &a [x, x, x, x, x, x, x, x, x]\n"
         + "".join(f"{c}: &{c} [*{p}, *{p}, *{p}, *{p}, *{p}, *{p}, *{p}, *{p}, *{p}]\n"
                   for p, c in zip("abcdefgh", "bcdefghi", strict=True)), "aliases included"),
        ("nan.json", '{"q_m2_s3": NaN}', "not valid JSON"),
        ("deep.json", "[" * 100_000 + "]" * 100_000, "not valid JSON"),
    ],
)  # fmt: skip
def test_a_hostile_parameters_file_is_one_message(
    tmp_path: Path, name: str, content: str, message: str
) -> None:
    from iamd.track.tool import params_from_file

    f = tmp_path / name
    f.write_text(content, encoding="utf-8")
    with pytest.raises(InputError, match=message) as info:
        params_from_file(f)
    assert len(str(info.value)) < 400


def test_a_fifo_as_parameters_file_is_refused_without_blocking(tmp_path: Path) -> None:
    from iamd.track.tool import params_from_file

    fifo = tmp_path / "params.yaml"
    os.mkfifo(fifo)
    with pytest.raises(InputError, match="FIFO"):
        params_from_file(fifo)


@pytest.mark.parametrize(
    ("csv", "message"),
    [
        ("t_s,x_m,y_m,z_m\n1e300,0,0,0\n", "column t_s: line 2: must be within ±1e+11 s"),
        ("t_s,x_m,y_m,z_m\n0,1e308,0,0\n", "column x_m: line 2: must be within ±4e+08 m"),
        ("t_s,x_m,y_m,z_m\n0,0,0,4.00001e8\n", "column z_m: line 2: must be within ±4e+08 m"),
        ("t_s,lat_deg,lon_deg,alt_m\n0,1,2,-1e12\n", "column alt_m: line 2: must be within"),
        ("t_s,x_m,y_m,z_m,sigma_m\n0,0,0,0,1e308\n",
         "column sigma_m: line 2: must be > 0 and <= 1e+07"),
    ],
)  # fmt: skip
def test_plots_beyond_physical_bounds_are_refused(tmp_path: Path, csv: str, message: str) -> None:
    from iamd.track.tool import read_plots

    f = tmp_path / "plots.csv"
    f.write_text(csv, encoding="utf-8")
    with pytest.raises(InputError, match=re.escape(message)):
        read_plots(f, sigma_m=10.0)


def test_plots_at_the_physical_bounds_are_read(tmp_path: Path) -> None:
    from iamd.track.tool import read_plots

    f = tmp_path / "plots.csv"
    f.write_text("t_s,x_m,y_m,z_m,sigma_m\n1e11,4e8,-4e8,0,1e7\n", encoding="utf-8")
    read_plots(f)


def test_a_sigma_flag_beyond_its_bound_is_refused(tmp_path: Path) -> None:
    from iamd.track.tool import read_plots

    f = tmp_path / "plots.csv"
    f.write_text("t_s,x_m,y_m,z_m\n0,0,0,0\n", encoding="utf-8")
    with pytest.raises(
        InputError, match=r"--sigma-m must be a number > 0 and <= 1e\+07 \(got 1e\+308\)"
    ):
        read_plots(f, sigma_m=1e308)
