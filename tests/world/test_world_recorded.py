"""Recorded flights (``iamd.world.recorded``): reading report files, relocation, replay in a
scenario's truth.

References: pyproj's geodesics (Karney 2013, ``Geod(ellps="WGS84")``) and its geodetic to ECEF
transformation (EPSG:4979 -> EPSG:4978) are the outside authorities for positions, distances
and headings; the rotation on the sphere about the axis P x Q is the reference for how
headings turn. The real data are the OpenSky Network samples of ``shared/data/flights``
(PyPI ``traffic`` 2.13, MIT; non-commercial research use); the bad-input cases use small
files written here.
"""

from __future__ import annotations

import gzip
import hashlib
import subprocess
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from pyproj import Geod, Transformer

from iamd.errors import DataFileError, ScenarioError
from iamd.scenario.loader import LoadedScenario, load_scenario
from iamd.world.recorded import (
    read_flight_reports,
    recorded_traffic,
    reference_point,
    relocate,
    replay_flights,
)
from iamd.world.truth import Truth, build_truth

GEOD = Geod(ellps="WGS84")
LLA_TO_ECEF = Transformer.from_crs("EPSG:4979", "EPSG:4978", always_xy=True)
FLIGHTS = Path(__file__).resolve().parents[2].parent / "shared" / "data" / "flights"
POINTS = FLIGHTS / "quickstart_points.csv.gz"
SOFIA_DEG = (42.695, 23.406)
real_data = pytest.mark.skipif(not POINTS.exists(), reason=f"{FLIGHTS} is absent")

HEADER = "flight_id,t_unix_s,lat_deg,lon_deg,alt_m,gs_mps,track_deg,vrate_mps,onground\n"


def _synthetic_points() -> str:
    """Four flights near Sofia: b1 (100 airborne reports east-bound at 200 m/s from t=1000),
    b2 (10 reports on the ground, then 90 airborne north-bound), b3 (on the ground only), a0
    (one airborne report)."""
    rows = []
    r_m = 6_371_000.0
    for i in range(100):
        lon = 23.4 + np.degrees(200.0 * i / (r_m * np.cos(np.radians(42.7))))
        rows.append(f"b1,{1000 + i},42.700000,{lon:.6f},9000.0,200.0,90.0,0.0,0")
    for i in range(100):
        ground = i < 10
        lat = 42.6 + (0.0 if ground else np.degrees(150.0 * (i - 10) / r_m))
        alt = "" if ground else f"{500.0 + 10.0 * (i - 10):.1f}"
        rows.append(f"b2,{1010 + i},{lat:.6f},23.500000,{alt},150.0,0.0,10.0,{int(ground)}")
    rows += [f"b3,{1000 + i},42.650000,23.410000,,0.0,0.0,0.0,1" for i in range(10)]
    rows.append("a0,1000,42.800000,23.300000,8000.0,,,,0")
    return HEADER + "\n".join(rows) + "\n"


def _scenario(
    tmp_path: Path, recorded: str, *, duration_s: float = 120, extra: str = ""
) -> LoadedScenario:
    (tmp_path / "sofia_points.csv").write_text(_synthetic_points())
    (tmp_path / "sofia_index.csv").write_text(
        "flight_id,callsign\nb1,BUL1  \nb2,BUL 2\nb3,\na0,AZZ0\n"
    )
    text = (
        "name: rec\n"
        "epoch: 2026-03-10T02:00:00Z\n"
        f"duration_s: {duration_s}\n"
        "time_step_s: 1\n"
        "nations:\n"
        "  - {code: BGR, name: Bulgaria}\n"
        f"{extra}"
        "civil_traffic:\n"
        "  recorded:\n"
        f"{recorded}"
    )
    path = tmp_path / "scenario.yaml"
    path.write_text(text, encoding="utf-8")
    return load_scenario(path)


def _recorded(truth: Truth) -> np.ndarray:
    return np.array([i for i, x in enumerate(truth.ids) if x.startswith("rec-")], dtype=int)


@pytest.fixture(scope="module")
def reports():  # type: ignore[no-untyped-def]
    if not POINTS.exists():
        pytest.skip(f"{FLIGHTS} is absent")
    return read_flight_reports(POINTS, FLIGHTS / "quickstart_index.csv")


@pytest.fixture(scope="module")
def moved(reports):  # type: ignore[no-untyped-def]
    """The airborne reports of the Paris sample and the same moved onto Sofia airport."""
    air = ~reports.onground
    lat, lon = reports.lat_rad[air], reports.lon_rad[air]
    ref = reference_point(lat, lon)
    lat2, lon2, turn = relocate(lat, lon, *ref, *np.radians(SOFIA_DEG))
    return reports.flight_id[air], lat, lon, lat2, lon2, ref, turn


# --- relocation ------------------------------------------------------------------------------


@real_data
def test_relocation_preserves_geodesic_distances_per_pyproj_geod(moved) -> None:  # type: ignore[no-untyped-def]
    _, lat, lon, lat2, lon2, ref, _ = moved
    rng = np.random.default_rng(7)
    i, j = rng.integers(0, lat.size, (2, 20_000))
    deg = np.degrees
    _, _, d0 = GEOD.inv(deg(lon[i]), deg(lat[i]), deg(lon[j]), deg(lat[j]))
    _, _, d1 = GEOD.inv(deg(lon2[i]), deg(lat2[i]), deg(lon2[j]), deg(lat2[j]))
    assert d0.max() > 200e3  # pairs across the whole ~250 km set
    assert np.max(np.abs(d1 - d0)) < 1.0  # measured 8 mm
    # distances from the reference point are kept exactly, and it lands on the target
    _, _, r0 = GEOD.inv(np.full(lat.size, deg(ref[1])), np.full(lat.size, deg(ref[0])),
                        deg(lon), deg(lat))  # fmt: skip
    _, _, r1 = GEOD.inv(np.full(lat.size, SOFIA_DEG[1]), np.full(lat.size, SOFIA_DEG[0]),
                        deg(lon2), deg(lat2))  # fmt: skip
    assert np.max(np.abs(r1 - r0)) < 1e-3
    # the bounding box of the Paris sample is centred near Paris (index: 47.73-49.99 N)
    assert deg(ref[0]) == pytest.approx(0.5 * (47.7253 + 49.9924), abs=1e-4)
    assert deg(ref[1]) == pytest.approx(0.5 * (0.7838 + 4.0632), abs=1e-4)


@real_data
def test_relocation_turns_headings_as_the_rotation_on_the_sphere(moved) -> None:  # type: ignore[no-untyped-def]
    fid, lat, lon, lat2, lon2, ref, turn = moved
    # the rotation of the unit sphere about P x Q that takes P to Q (Rodrigues' formula)
    p, q = _unit(*ref), _unit(*np.radians(SOFIA_DEG))
    axis = np.cross(p, q)
    s = np.linalg.norm(axis)
    k = _cross_matrix(axis / s)
    rot = np.eye(3) + s * k + (1.0 - p @ q) * k @ k
    north_p = np.array([-np.sin(ref[0]) * np.cos(ref[1]), -np.sin(ref[0]) * np.sin(ref[1]),
                        np.cos(ref[0])])  # fmt: skip
    n_q, e_q = _north_east(*np.radians(SOFIA_DEG))
    v = rot @ north_p
    assert np.degrees(turn) == pytest.approx(np.degrees(np.arctan2(v @ e_q, v @ n_q)), abs=1e-3)
    assert np.degrees(turn) == pytest.approx(15.14, abs=0.01)
    # every 1 s leg turns like the same leg rotated on the sphere, to 0.01 degree
    w = _unit(lat, lon).T @ rot.T
    lat3, lon3 = np.arcsin(w[:, 2]), np.arctan2(w[:, 1], w[:, 0])
    sphere = Geod(a=6_371_008.8, b=6_371_008.8)
    leg = (fid[1:] == fid[:-1]) & (_step_m(lat, lon) > 50.0)
    h0 = _headings(GEOD, lat, lon)
    h1 = _headings(GEOD, lat2, lon2)
    s0 = _headings(sphere, lat, lon)
    s1 = _headings(sphere, lat3, lon3)
    ours = _wrap(h1 - h0)[leg]
    ref_turn = _wrap(s1 - s0)[leg]
    assert np.max(np.abs(_wrap(ours - ref_turn))) < 0.01  # measured 0.001
    assert np.max(np.abs(ours - np.degrees(turn))) < 0.5  # nearly one turn over 250 km


def test_relocation_is_the_identity_onto_the_reference_and_keeps_due_south_headings() -> None:
    lat = np.radians([48.0, 48.5, 49.0])
    lon = np.radians([2.0, 2.4, 2.0])
    same = relocate(lat, lon, lat[1], lon[1], lat[1], lon[1])
    np.testing.assert_allclose(same[0], lat, atol=1e-12)
    np.testing.assert_allclose(same[1], lon, atol=1e-12)
    assert same[2] == 0.0
    _, _, turn = relocate(lat, lon, np.radians(48.5), np.radians(2.0), np.radians(40.0), 0.0349)
    assert abs(turn) < 0.01  # almost due south: the meridians barely converge


# --- replay in the scenario's truth ----------------------------------------------------------


@real_data
@pytest.mark.parametrize("relocated", [False, True])
def test_replayed_positions_match_the_csv_reports_per_pyproj(
    tmp_path: Path, relocated: bool
) -> None:
    move = f"      relocate: {{lat_deg: {SOFIA_DEG[0]}, lon_deg: {SOFIA_DEG[1]}}}\n"
    paris_box = (
        "theatre: {lat_min_deg: 45, lat_max_deg: 52, lon_min_deg: -2, lon_max_deg: 8}\n"
        if not relocated
        else ""
    )
    loaded = _scenario(
        tmp_path,
        f"    - file: {POINTS}\n      max_flights: 30\n      start_s: -1800\n"
        + (move if relocated else ""),
        duration_s=1200,
        extra=paris_box,
    )
    truth = build_truth(loaded, seed=1)
    rec = _recorded(truth)
    assert len(rec) > 5
    df = pd.read_csv(POINTS, dtype={"flight_id": str})
    chosen = sorted(df["flight_id"].unique())[:30]
    df = df[df["flight_id"].isin(chosen)]
    t0 = float(df["t_unix_s"].min())
    ref_lat = 0.5 * (df["lat_deg"].min() + df["lat_deg"].max())  # centre of the bounding box
    ref_lon = 0.5 * (df["lon_deg"].min() + df["lon_deg"].max())  # of the whole selected set
    df = df.assign(t=df["t_unix_s"] - t0 - 1800.0)
    ok = (df["onground"] == 0) & df["alt_m"].notna() & df["t"].between(0.0, 1200.0)
    ok &= ~df.duplicated(["flight_id", "t_unix_s"], keep=False)
    df = df[ok]
    ids = {r.flight_id: truth.ids.index(r.id) for r in recorded_traffic(loaded)}
    checked = 0
    for fid, rows in df.groupby("flight_id"):
        if fid not in ids:
            continue
        i = ids[fid]
        step = rows["t"].to_numpy(dtype=np.float64).astype(int)
        pos = truth.pos_ecef_m[i, step]
        assert truth.present[i, step].all()
        lat, lon, alt = (
            rows[c].to_numpy(dtype=np.float64) for c in ("lat_deg", "lon_deg", "alt_m")
        )
        if relocated:
            lat, lon = _relocated_reports(lat, lon, ref_lat, ref_lon)
        x, y, z = LLA_TO_ECEF.transform(lon, lat, alt)
        err = np.linalg.norm(pos - np.stack([x, y, z], axis=1), axis=1)
        assert err.max() < 1.0, (fid, err.max())
        np.testing.assert_allclose(truth.alt_m[i, step], alt, atol=1e-3)  # heights unchanged
        checked += len(rows)
    assert checked > 5000


def test_time_shift_plays_the_earliest_report_at_start_s(tmp_path: Path) -> None:
    loaded = _scenario(tmp_path, "    - file: sofia_points.csv\n      start_s: 5\n")
    flights = {r.flight_id: r for r in recorded_traffic(loaded)}
    # the set's earliest report is t_unix 1000 (b1, b3 and a0): it plays at 5 s
    assert flights["b1"].flight.t_s[0] == 5.0
    assert flights["b1"].flight.t_s[-1] == 104.0
    assert np.all(np.diff(flights["b1"].flight.t_s) == 1.0)  # relative timing kept
    assert flights["b2"].flight.t_s[0] == 25.0  # first airborne report, t_unix 1020
    later = _scenario(tmp_path, "    - file: sofia_points.csv\n      start_s: -50\n")
    b1 = next(r for r in recorded_traffic(later) if r.flight_id == "b1")
    assert b1.flight.t_s[0] == 0.0 and b1.flight.t_s[-1] == 49.0  # joined under way


def test_filters_window_and_ground_reports(tmp_path: Path) -> None:
    every = recorded_traffic(_scenario(tmp_path, "    - file: sofia_points.csv\n"))
    # b3 only on the ground, a0 a single report: skipped; b2's ground roll dropped
    assert [(r.flight_id, r.id) for r in every] == [("b1", "rec-BUL1"), ("b2", "rec-BUL2")]
    assert every[1].flight.t_s[0] == 20.0 and every[1].flight.t_s.size == 90
    only = recorded_traffic(_scenario(tmp_path, "    - file: sofia_points.csv\n"
                                                "      flights: [b2]\n"))  # fmt: skip
    assert [r.flight_id for r in only] == ["b2"]
    assert only[0].flight.t_s[0] == 10.0  # b2's own first report (on the ground) is the origin
    first = recorded_traffic(_scenario(tmp_path, "    - file: sofia_points.csv\n"
                                                 "      max_flights: 2\n"))  # fmt: skip
    assert [r.flight_id for r in first] == ["b1"]  # a0, b1 by id; a0 has one report
    cut = recorded_traffic(_scenario(tmp_path, "    - file: sofia_points.csv\n", duration_s=50))
    assert [r.flight.t_s[[0, -1]].tolist() for r in cut] == [[0.0, 50.0], [20.0, 50.0]]


def test_replayed_flights_are_airliners_with_transponder_and_no_iff(tmp_path: Path) -> None:
    loaded = _scenario(tmp_path, "    - file: sofia_points.csv\n      nation: BGR\n", duration_s=60)
    truth = build_truth(loaded, seed=3)
    rec = _recorded(truth)
    assert [truth.ids[i] for i in rec] == ["rec-BUL1", "rec-BUL2"]
    assert set(truth.cls[rec]) == {"airliner"} and set(truth.type[rec]) == {"airliner"}
    assert truth.has_transponder[rec].all() and not truth.has_iff[rec].any()
    assert np.all(truth.rcs_m2[rec] == loaded.catalog.threats["airliner"].rcs_m2)
    assert set(truth.nation[rec]) == {"BGR"}
    assert set(truth.group[rec]) == {"recorded sofia_points.csv"}
    np.testing.assert_allclose(truth.alt_m[rec[0], :61], 9000.0, atol=1e-6)


def test_ids_are_unique_and_stable(tmp_path: Path) -> None:
    twice = "    - file: sofia_points.csv\n" * 2
    loaded = _scenario(tmp_path, twice)
    ids = [r.id for r in recorded_traffic(loaded, taken=["rec-BUL2"])]
    assert ids == ["rec-BUL1", "rec-BUL2-2", "rec-BUL1-2", "rec-BUL2-3"]
    (tmp_path / "other.csv").write_text(_synthetic_points())
    loaded = _scenario(tmp_path, "    - file: other.csv\n")  # no index beside it: flight ids
    assert [r.id for r in recorded_traffic(loaded)][:1] == ["rec-b1"]


@real_data
def test_duplicate_call_signs_of_the_real_sample_get_suffixes(reports) -> None:  # type: ignore[no-untyped-def]
    calls = [reports.callsign[f] for f in reports.flight_ids()]
    assert calls.count("PEA501") == 2  # the index has two flights of each of two call signs
    flights = replay_flights(reports)
    assert len(flights) == 238


# --- determinism -----------------------------------------------------------------------------


_HASH_SCRIPT = """
import hashlib, sys
from iamd.scenario.loader import load_scenario
from iamd.world.truth import build_truth
t = build_truth(load_scenario(sys.argv[1]), seed=1)
h = hashlib.sha256("|".join(t.ids).encode())
for a in (t.pos_ecef_m, t.vel_ecef_m_s, t.present, t.has_transponder):
    h.update(a.tobytes())
print(h.hexdigest())
"""


def test_same_scenario_gives_identical_bytes_in_two_processes(tmp_path: Path) -> None:
    loaded = _scenario(
        tmp_path,
        "    - file: sofia_points.csv\n      relocate: {lat_deg: 44.0, lon_deg: 26.0}\n",
    )
    t = build_truth(loaded, seed=1)
    h = hashlib.sha256("|".join(t.ids).encode())
    for a in (t.pos_ecef_m, t.vel_ecef_m_s, t.present, t.has_transponder):
        h.update(a.tobytes())
    out = subprocess.run(
        [sys.executable, "-c", _HASH_SCRIPT, str(tmp_path / "scenario.yaml")],
        capture_output=True,
        text=True,
        check=True,
        timeout=120,
    )
    assert out.stdout.strip() == h.hexdigest()


# --- bad data files --------------------------------------------------------------------------


def _data_message(path: Path) -> str:
    with pytest.raises(DataFileError) as info:
        read_flight_reports(path)
    return str(info.value)


def test_missing_points_file(tmp_path: Path) -> None:
    assert _data_message(tmp_path / "nope.csv") == f"{tmp_path / 'nope.csv'}: no such file"


def test_text_named_gz_is_not_a_gzip_file(tmp_path: Path) -> None:
    path = tmp_path / "p.csv.gz"
    path.write_text(_synthetic_points())
    assert _data_message(path) == (
        f"{path}: not a gzip file (it starts with b'flight_i', not the gzip magic bytes "
        f"1f 8b); give a CSV compressed with gzip, or a plain .csv"
    )


def test_truncated_gzip_is_unreadable(tmp_path: Path) -> None:
    path = tmp_path / "p.csv.gz"
    path.write_bytes(gzip.compress(_synthetic_points().encode())[:200])
    assert _data_message(path) == (
        f"{path}: unreadable gzip data (Compressed file ended before the end-of-stream "
        f"marker was reached); the file is damaged or truncated"
    )


def test_missing_column(tmp_path: Path) -> None:
    path = tmp_path / "p.csv"
    path.write_text("flight_id,t_unix_s,lat_deg,alt_m\nx,1,42.0,100\n")
    assert _data_message(path) == (
        f"{path}: column lon_deg: missing (got columns flight_id, t_unix_s, lat_deg, alt_m; "
        f"required: flight_id, t_unix_s, lat_deg, lon_deg, alt_m)"
    )


@pytest.mark.parametrize(
    ("row", "column", "value", "shown"),
    [
        (3, "t_unix_s", "noon", "'noon'"),
        (4, "lat_deg", "42,7", "'42,7'"),
        (2, "alt_m", "inf", "inf"),
    ],
)
def test_non_numeric_value_names_row_and_column(
    tmp_path: Path, row: int, column: str, value: str, shown: str
) -> None:
    lines = _synthetic_points().splitlines()
    cols = lines[0].split(",")
    cells = lines[row - 1].split(",")
    cells[cols.index(column)] = f'"{value}"' if "," in value else value
    lines[row - 1] = ",".join(cells)
    path = tmp_path / "p.csv"
    path.write_text("\n".join(lines) + "\n")
    assert _data_message(path) == (
        f"{path}: row {row}: column {column}: not a finite number (got {shown}; give a "
        f"number, or leave the cell empty where there is no value)"
    )


def test_latitude_out_of_range_empty_flight_id_and_bad_onground(tmp_path: Path) -> None:
    path = tmp_path / "p.csv"
    path.write_text(HEADER + "a,1,42.0,23.0,100,,,,0\na,2,95.5,23.0,100,,,,0\n")
    assert _data_message(path) == (
        f"{path}: row 3: column lat_deg: must be within -90..90 degrees (got 95.5)"
    )
    path.write_text(HEADER + "a,1,42.0,23.0,100,,,,0\n,2,42.0,23.0,100,,,,0\n")
    assert _data_message(path) == (
        f"{path}: row 3: column flight_id: empty (every report needs the id of its flight)"
    )
    path.write_text(HEADER + "a,1,42.0,23.0,100,,,,0\na,2,42.0,23.0,100,,,,yes\n")
    assert _data_message(path) == (
        f"{path}: row 3: column onground: must be 0, 1, true, false or empty (got 'yes')"
    )


def test_empty_file_and_bad_index(tmp_path: Path) -> None:
    path = tmp_path / "p.csv"
    path.write_text("")
    assert _data_message(path) == (
        f"{path}: empty file (expected a header line with flight_id, t_unix_s, lat_deg, "
        f"lon_deg, alt_m)"
    )
    path.write_text(_synthetic_points())
    index = tmp_path / "i.csv"
    index.write_text("flight_id,call\nb1,X\n")
    with pytest.raises(DataFileError) as info:
        read_flight_reports(path, index)
    assert str(info.value) == (
        f"{index}: column callsign: missing (got columns flight_id, call; required: "
        f"flight_id, callsign)"
    )


# --- bad scenario fields that need the data ---------------------------------------------------


def _scenario_message(loaded: LoadedScenario) -> str:
    with pytest.raises(ScenarioError) as info:
        recorded_traffic(loaded)
    return str(info.value)


def test_unknown_flight_id_names_the_field_line(tmp_path: Path) -> None:
    loaded = _scenario(tmp_path, "    - file: sofia_points.csv\n      flights: [b1, zz9]\n")
    assert _scenario_message(loaded) == (
        f"{loaded.source}:10: civil_traffic.recorded[0].flights[1]: unknown flight id (got "
        f"'zz9'; sofia_points.csv has 4 flights: a0, b1, b2, ...)"
    )


def test_no_flight_left_in_the_window(tmp_path: Path) -> None:
    loaded = _scenario(tmp_path, "    - file: sofia_points.csv\n      start_s: 500\n")
    assert _scenario_message(loaded) == (
        f"{loaded.source}:9: civil_traffic.recorded[0]: no flight left in the scenario window "
        f"0..120 s: the 4 selected flights play from 500 s to 609 s, and a flight needs two "
        f"airborne reports in the window (got start_s 500; change start_s or the flights)"
    )
    single = _scenario(tmp_path, "    - file: sofia_points.csv\n      max_flights: 1\n")
    assert "no flight left in the scenario window 0..120 s: the 1 selected flights" in (
        _scenario_message(single)
    )


def test_recorded_outside_the_theatre_needs_relocate(tmp_path: Path) -> None:
    box = "theatre: {lat_min_deg: 44, lat_max_deg: 48, lon_min_deg: 19, lon_max_deg: 30}\n"
    loaded = _scenario(tmp_path, "    - file: sofia_points.csv\n", extra=box)
    assert _scenario_message(loaded) == (
        f"{loaded.source}:10: civil_traffic.recorded[0]: the recorded flights lie around "
        f"lat_deg 42.70, lon_deg 23.47, outside the theatre box lat_deg 44.0..48.0, lon_deg "
        f"19.0..30.0; add `relocate: {{lat_deg: ..., lon_deg: ...}}` inside it"
    )


# --- helpers ---------------------------------------------------------------------------------


def _relocated_reports(
    lat: np.ndarray, lon: np.ndarray, ref_lat: float, ref_lon: float
) -> tuple[np.ndarray, np.ndarray]:
    """Reports moved by pyproj alone: same distance from the target, azimuth turned by the
    arrival-minus-departure azimuth of the geodesic from the reference to the target."""
    az_p, az_q_back, _ = GEOD.inv(ref_lon, ref_lat, SOFIA_DEG[1], SOFIA_DEG[0])
    turn = (az_q_back + 180.0) - az_p
    n = lat.size
    az, _, dist = GEOD.inv(np.full(n, ref_lon), np.full(n, ref_lat), lon, lat)
    lon2, lat2, _ = GEOD.fwd(np.full(n, SOFIA_DEG[1]), np.full(n, SOFIA_DEG[0]), az + turn, dist)
    return np.asarray(lat2), np.asarray(lon2)


def _unit(lat: np.ndarray | float, lon: np.ndarray | float) -> np.ndarray:
    return np.array([np.cos(lat) * np.cos(lon), np.cos(lat) * np.sin(lon), np.sin(lat)])


def _north_east(lat: float, lon: float) -> tuple[np.ndarray, np.ndarray]:
    north = np.array([-np.sin(lat) * np.cos(lon), -np.sin(lat) * np.sin(lon), np.cos(lat)])
    east = np.array([-np.sin(lon), np.cos(lon), 0.0])
    return north, east


def _cross_matrix(a: np.ndarray) -> np.ndarray:
    return np.array([[0.0, -a[2], a[1]], [a[2], 0.0, -a[0]], [-a[1], a[0], 0.0]])


def _headings(geod: Geod, lat: np.ndarray, lon: np.ndarray) -> np.ndarray:
    az, _, _ = geod.inv(np.degrees(lon[:-1]), np.degrees(lat[:-1]), np.degrees(lon[1:]),
                        np.degrees(lat[1:]))  # fmt: skip
    return np.asarray(az)


def _step_m(lat: np.ndarray, lon: np.ndarray) -> np.ndarray:
    _, _, d = GEOD.inv(np.degrees(lon[:-1]), np.degrees(lat[:-1]), np.degrees(lon[1:]),
                       np.degrees(lat[1:]))  # fmt: skip
    return np.asarray(d)


def _wrap(deg: np.ndarray) -> np.ndarray:
    return (deg + 180.0) % 360.0 - 180.0
