"""Real airliner traffic (OpenSky ADS-B around Paris) through the radar and tracker models is
never identified hostile, with transponders on or off (a subset; the benchmark runs them all)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from iamd.errors import DataFileError
from iamd.identify.classifier import classify
from iamd.identify.features import compute_features
from iamd.identify.identity import HOSTILE, identity_from_features, identity_names
from iamd.identify.training import (
    every_window,
    history_windows,
    load_real_flights,
    paris_airways,
    real_flight_tracks,
)

FLIGHTS = Path(__file__).resolve().parents[3] / "shared" / "data" / "flights"
POINTS = FLIGHTS / "quickstart_points.csv.gz"

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
def test_real_flights_never_hostile(flights: list, sensor: str, squawk: bool) -> None:
    subset = flights[::6]  # 40 flights, their first 20 minutes
    hist = real_flight_tracks(subset, seed=1, max_s=1200, sensor_type=sensor)
    tr, end = every_window(hist, every_s=4)
    assert len(tr) > 5000
    w = history_windows(hist, tr, end, seed=1, squawk=np.full(len(tr), squawk))
    f = compute_features(w, paris_airways())
    p = classify(f)
    codes, why = identity_from_features(p, f)
    assert not np.any(codes == HOSTILE), why[codes == HOSTILE][:3]
    if squawk:  # a squawking airliner is neutral nearly always, never worse than unknown
        names = identity_names(codes)
        assert np.mean(names == "neutral") > 0.95
        assert set(names.tolist()) <= {"pending", "neutral", "unknown", "suspect"}


def test_loader_rejects_bad_file(tmp_path: Path) -> None:
    bad = tmp_path / "points.csv"
    bad.write_text("flight_id,t_unix_s,lat_deg\nx,1,2\n")
    with pytest.raises(DataFileError, match=r"points.csv: column lon_deg: missing"):
        load_real_flights(bad)
