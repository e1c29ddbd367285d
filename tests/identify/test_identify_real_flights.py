"""Real recorded traffic nobody on the project wrote (OpenSky ADS-B: 238 flights around Paris
and 93 non-airline flights, shared/data) is never identified hostile, with transponders on or
off: raw positions through `iamd identify`, and through the radar and tracker models (a subset;
the benchmark runs them all)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from iamd.errors import DataFileError
from iamd.identify.classifier import classify, out_of_support
from iamd.identify.features import compute_features
from iamd.identify.identity import HOSTILE, fold, identity_names, judge
from iamd.identify.tool import identify_tracks, read_tracks
from iamd.identify.training import (
    every_window,
    history_windows,
    load_real_flights,
    paris_airways,
    real_flight_tracks,
)

DATA = Path(__file__).resolve().parents[3] / "shared" / "data"
FLIGHTS = DATA / "flights"
POINTS = FLIGHTS / "quickstart_points.csv.gz"
NONAIRLINE = DATA / "flights_nonairline" / "nonairline_points.csv.gz"

pytestmark = pytest.mark.skipif(not POINTS.exists(), reason="shared/data/flights is absent")


@pytest.fixture(scope="module")
def flights() -> list:
    return load_real_flights(POINTS, FLIGHTS / "quickstart_index.csv")


def test_loader_gives_airborne_flights_with_call_signs(flights: list) -> None:
    assert 200 <= len(flights) <= 238
    f = flights[0]
    assert f.flight_id.startswith("collections.quickstart.")
    assert f.callsign
    assert np.all(np.diff(f.flight.t_s) > 0)
    assert f.baro_alt_m.shape == f.flight.t_s.shape


@pytest.mark.parametrize(
    ("sensor", "squawk"),
    [("ground_master_400", True), ("ground_master_400", False), ("trml_4d", False)],
)
def test_opensky_flights_through_the_radar_and_tracker_are_never_hostile(
    flights: list, sensor: str, squawk: bool
) -> None:
    subset = flights[::6]  # 40 flights, their first 20 minutes
    hist = real_flight_tracks(subset, seed=1, max_s=1200, sensor_type=sensor)
    tr, end = every_window(hist, every_s=4)
    assert len(tr) > 5000
    order = np.lexsort((end, tr))
    tr, end = tr[order], end[order]
    w = history_windows(hist, tr, end, seed=1, squawk=np.full(len(tr), squawk))
    f = compute_features(w, paris_airways())
    p = classify(f)
    ev = judge(
        f,
        p,
        pos_ecef_m=hist.pos_ecef_m[tr, end],
        vel_ecef_m_s=hist.vel_ecef_m_s[tr, end],
        sigma_m=hist.sigma_m[tr, end],
        updates=np.full(len(tr), 10),
        out_of_support=out_of_support(f),
    )
    codes, _, _ = fold(tr, hist.truth.t_s[tr, end], ev)
    assert not np.any(codes == HOSTILE)
    names = identity_names(codes)
    if squawk:  # a squawking airliner is neutral nearly always, never worse than unknown
        assert np.mean(names == "neutral") > 0.95
        assert set(names.tolist()) <= {"pending", "neutral", "unknown", "suspect"}


@pytest.mark.skipif(not NONAIRLINE.exists(), reason="shared/data/flights_nonairline is absent")
@pytest.mark.parametrize("path", [POINTS, NONAIRLINE], ids=["paris", "nonairline"])
def test_opensky_flights_raw_with_transponders_off_are_never_hostile(
    path: Path, tmp_path: Path
) -> None:
    # every other flight of the set, every report: gliders, helicopters, calibration orbits,
    # survey lines, TV relays, tankers; data glitches included
    d = pd.read_csv(path)
    d = d[d["onground"] != True].dropna(subset=["lat_deg", "lon_deg", "alt_m"])  # noqa: E712
    keep = d["flight_id"].isin(d["flight_id"].unique()[::2])
    d = d[keep]
    src = tmp_path / "tracks.csv"
    pd.DataFrame(
        {"t_s": d["t_unix_s"], "track_id": d["flight_id"], "lat_deg": d["lat_deg"],
         "lon_deg": d["lon_deg"], "alt_m": d["alt_m"], "has_transponder": False}
    ).to_csv(src, index=False)  # fmt: skip
    ids = identify_tracks(read_tracks(src))
    assert ids["track_id"].nunique() >= 40
    hostile = ids[ids["identity"] == "hostile"]
    assert hostile.empty, hostile.groupby("track_id")["evidence"].first().head().to_dict()


def test_loader_rejects_bad_file(tmp_path: Path) -> None:
    bad = tmp_path / "points.csv"
    bad.write_text("flight_id,t_unix_s,lat_deg\nx,1,2\n")
    with pytest.raises(DataFileError, match=r"points.csv: column lon_deg: missing"):
        load_real_flights(bad)
