"""``iamd track``: plots files in, confirmed tracks out; bad files give exact messages."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from iamd.errors import DataFileError, InputError
from iamd.track.metrics import continuity, match_tracks
from iamd.track.tool import OUTPUT_COLUMNS, read_plots, track_command


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
            "plots.csv: column x_m: missing (got columns: t_s, y_m, z_m); required: t_s, x_m, "
            "y_m, z_m; optional: sigma_m, sensor_id",
        ),
        (
            "t_s,x_m,y_m,z_m\n0,1,2,3\n1,abc,2,3\n",
            "plots.csv: column x_m: line 3: not a number (got 'abc')",
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
            "plots.csv: column sigma_m: line 2: must be > 0 (got 0)",
        ),
        (
            "",
            "plots.csv: the file is empty; expected a header line t_s,x_m,y_m,z_m and one row "
            "per plot",
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
    with pytest.raises(InputError, match=r"--sigma-m must be a number > 0 \(got -1.0\)"):
        track_command(src, tmp_path / "t.csv", -1.0)
    with pytest.raises(InputError, match=r"--out must end in .csv or .parquet \(got '.*t.txt'\)"):
        track_command(src, tmp_path / "t.txt", 5.0)


def test_confirmation_and_deletion_flags(tmp_path: Path) -> None:
    src = _write(tmp_path, "t_s,x_m,y_m,z_m\n0,0,0,1000\n1,200,0,1000\n2,400,0,1000\n")
    out = tmp_path / "t.csv"
    track_command(src, out, 20.0, confirm="2/3")
    assert pd.read_csv(out).t_s.tolist() == [1.0, 2.0]  # confirmed at the second plot
    track_command(src, out, 20.0, confirm="3/3", delete_misses=2)
    assert pd.read_csv(out).t_s.tolist() == [2.0]
    for bad in ("3", "4/3", "a/b", "0/2"):
        with pytest.raises(InputError) as err:
            track_command(src, out, 20.0, confirm=bad)
        assert str(err.value) == (
            f"--confirm must be M/N with 1 <= M <= N <= 64, e.g. 3/5 (got {bad!r})"
        )
    with pytest.raises(InputError, match=r"--delete-misses must be an integer >= 1 \(got 0\)"):
        track_command(src, out, 20.0, delete_misses=0)
