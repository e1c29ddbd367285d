"""The classifier: the shipped model, its table form against scikit-learn, reproducible training."""

from __future__ import annotations

import json
from importlib import resources
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from iamd.errors import DataFileError
from iamd.identify.classifier import (
    CLASSES,
    GRID_LIST,
    MODEL_JSON,
    MODEL_NPZ,
    bin_grid,
    classify,
    feature_bins,
    grid_bins,
    load_model,
    raw_scores,
    save_model,
)
from iamd.identify.features import FEATURE_NAMES, compute_features, features_from_columns
from iamd.identify.identity import identity_from_features, identity_names
from iamd.identify.training import (
    HUB_FEATURES,
    history_windows,
    make_dataset,
    simulate_tracks,
    simulate_truth,
    train,
)

pytestmark = pytest.mark.filterwarnings("ignore:The least populated class:UserWarning")


@pytest.fixture(scope="module")
def small_model() -> object:
    """A model trained on 150 tracks (a few seconds)."""
    pytest.importorskip("sklearn")
    return train(seed=3, n_tracks=150, max_iter=30)


def test_shipped_model_loads_with_its_metadata() -> None:
    m = load_model()
    meta = m.metadata
    assert m.classes == CLASSES
    assert m.feature_names == FEATURE_NAMES
    assert meta["classes"] == list(CLASSES)
    assert {"seed", "versions", "training_set_sha256", "test_metrics", "n_tracks"} <= set(meta)
    assert {"numpy", "scikit-learn", "iamd", "python"} <= set(meta["versions"])
    assert meta["test_metrics"]["accuracy"] > 0.97
    assert meta["interaction_hubs"] == list(HUB_FEATURES)
    base = resources.files("iamd.identify") / "model"
    assert (base / MODEL_NPZ).is_file() and (base / MODEL_JSON).is_file()


def test_shipped_model_reproduces_scikit_learn_on_its_check_windows() -> None:
    m = load_model()
    x = np.array(m.metadata["check"]["x"], dtype=np.float64)
    expected = np.array(m.metadata["check"]["p_sklearn"])
    assert np.allclose(classify(x, m), expected, rtol=0.0, atol=1e-12)


def _binary_search_bins(x: np.ndarray, thresholds: tuple[np.ndarray, ...]) -> np.ndarray:
    """The reference: numpy's binary search, one feature at a time (F, n)."""
    return np.stack([np.searchsorted(t, x[:, f], side="left") for f, t in enumerate(thresholds)])


def _edge_values(t: np.ndarray) -> np.ndarray:
    """Every finite threshold, its two float neighbours, and the awkward values."""
    fin = t[np.isfinite(t) & (np.abs(t) < 1e308)]
    odd = [np.nan, -np.nan, np.inf, -np.inf, 0.0, -0.0, 1e300, -1e300, 5e-324, -5e-324]
    return np.concatenate([fin, np.nextafter(fin, np.inf), np.nextafter(fin, -np.inf), odd])


def test_grid_bins_equal_numpy_binary_search_at_every_threshold_of_the_shipped_model() -> None:
    m = load_model()
    cols = [_edge_values(t) for t in m.thresholds]
    n = max(len(c) for c in cols)
    rng = np.random.default_rng(5)
    x = np.stack([rng.permutation(np.resize(c, 3 * n)) for c in cols], axis=1)
    assert np.array_equal(feature_bins(x, m), _binary_search_bins(x, m.thresholds))
    # every feature of the shipped model is on the grid: no binary search left
    assert m.grid.search == ()
    assert len(m.grid.near) == GRID_LIST


@given(
    st.lists(
        st.one_of(
            st.floats(allow_nan=False, width=64),
            st.floats(-1.0, 1.0, allow_nan=False),
            st.sampled_from([0.0, 1e-300, 1.0 + 2**-52, 1.0]),
        ),
        max_size=60,
    ),
    st.lists(st.floats(allow_nan=True, width=64), max_size=40),
)
def test_grid_bins_equal_numpy_binary_search_on_any_thresholds(
    thr: list[float], values: list[float]
) -> None:
    t = np.unique(np.array([*thr, np.inf]))  # sorted, distinct, +inf last (as the model's)
    x = np.concatenate([np.array(values, dtype=np.float64), _edge_values(t)])[:, None]
    got = grid_bins(x, bin_grid((t,)))
    assert np.array_equal(got, _binary_search_bins(x, (t,)))


def test_shipped_model_was_trained_on_todays_simulation() -> None:
    """The shipped model must come from today's world, sensor and tracker models: its probe
    windows are simulated again and compared (retrain with ``iamd train-identify`` if not)."""
    probe = load_model().metadata["probe"]
    want = np.array([[np.nan if v is None else v for v in row] for row in probe["x"]])
    got = make_dataset(probe["seed"], probe["n_tracks"]).x[: len(want)]
    assert np.allclose(got, want, rtol=1e-9, atol=1e-9, equal_nan=True)


def test_shipped_model_classifies_obvious_cases() -> None:
    nan = np.nan
    f = features_from_columns(
        speed_m_s=np.array([235.0, 3100.0, 45.0, 240.0, 280.0]),
        speed_std_m_s=np.array([1.0, 30.0, 1.0, 1.0, 15.0]),
        alt_m=np.array([11_000.0, 150e3, 400.0, 50.0, 6000.0]),
        climb_rate_m_s=np.array([0.0, -900.0, 0.0, 0.0, 20.0]),
        accel_m_s2=np.array([0.1, 9.3, 0.1, 0.1, 25.0]),
        turn_rate_rad_s=np.array([0.0, 0.0, 0.0, 0.0, 0.12]),
        ballistic_residual_m_s2=np.array([9.8, 0.2, 9.8, 9.8, 30.0]),
        lift_accel_m_s2=np.array([9.8, 0.2, 9.8, 9.8, 30.0]),
        rcs_dbsm=np.array([15.0, -12.0, -6.0, -8.0, 4.0]),
        rcs_looks=np.full(5, 12.0),
        airway_dist_m=np.array([1e3, 100e3, 60e3, 40e3, 80e3]),
        fl_dev_m=np.array([0.0, 50.0, 70.0, 50.0, 90.0]),
        squawk=np.array([1.0, 0.0, 0.0, 0.0, 0.0]),
        iff=np.array([0.0, 0.0, 0.0, 0.0, 1.0]),
        alt_report_err_m=np.array([40.0, nan, nan, nan, nan]),
        origin_airport_dist_m=np.array([150e3, 300e3, 200e3, 150e3, 200e3]),
        origin_alt_m=np.array([11_000.0, 200e3, 400.0, 50.0, 6000.0]),
        span_s=np.full(5, 38.0),
    )
    p = classify(f)
    assert p.shape == (5, 5)
    assert np.allclose(p.sum(axis=1), 1.0)
    expected = ["airliner", "ballistic_missile", "drone", "cruise_missile", "fighter"]
    assert [CLASSES[i] for i in p.argmax(axis=1)] == expected
    codes, _ = identity_from_features(p, f)
    names = identity_names(codes).tolist()
    assert names[0] == "neutral" and names[4] == "friend"
    assert names[1] == names[2] == names[3] == "hostile"


def test_shipped_model_on_simulated_tracks() -> None:
    hist = simulate_tracks(simulate_truth(11, 60, history_s=120), 11)
    ex = hist.exists
    end = np.where(ex.any(axis=1), np.argmax(np.cumsum(ex, axis=1) >= 30, axis=1), -1)
    tr = np.flatnonzero((end > 0) & ex[np.arange(len(hist)), np.maximum(end, 0)])
    w = history_windows(hist, tr, end[tr], seed=11)
    p = classify(compute_features(w))
    acc = float(np.mean(p.argmax(axis=1) == hist.truth.label[tr]))
    assert len(tr) > 40 and acc > 0.9


def test_table_model_equals_scikit_learn(small_model: object) -> None:
    tm = small_model
    x = tm.test.x  # type: ignore[attr-defined]
    est = tm.estimator  # type: ignore[attr-defined]
    model = tm.model  # type: ignore[attr-defined]
    hgb = est.calibrated_classifiers_[0].estimator.estimator
    assert np.allclose(raw_scores(x, model), hgb.decision_function(x), rtol=0, atol=1e-9)
    assert np.allclose(classify(x, model), est.predict_proba(x), rtol=0, atol=1e-12)
    # missing values take each node's learned direction, as scikit-learn does
    xn = x.copy()
    xn[::3, FEATURE_NAMES.index("rcs_dbsm")] = np.nan
    xn[1::4, FEATURE_NAMES.index("alt_m")] = np.nan
    assert np.allclose(classify(xn, model), est.predict_proba(xn), rtol=0, atol=1e-12)


def test_training_is_reproducible(small_model: object) -> None:
    again = train(seed=3, n_tracks=150, max_iter=30)
    x = small_model.test.x  # type: ignore[attr-defined]
    assert np.array_equal(classify(x, small_model.model), classify(x, again.model))  # type: ignore[attr-defined]
    assert (
        small_model.metadata["training_set_sha256"]  # type: ignore[attr-defined]
        == again.metadata["training_set_sha256"]
    )


def test_another_seed_gives_other_tracks() -> None:
    a = make_dataset(3, 20, windows_per_track=1)
    b = make_dataset(4, 20, windows_per_track=1)
    assert a.x.shape[1] == b.x.shape[1] == len(FEATURE_NAMES)
    assert not np.array_equal(a.x[:5], b.x[: min(5, len(b.x))])


def test_save_load_round_trip(small_model: object, tmp_path: Path) -> None:
    model = small_model.model  # type: ignore[attr-defined]
    save_model(model, tmp_path)
    assert json.loads((tmp_path / MODEL_JSON).read_text())["seed"] == 3
    loaded = load_model(str(tmp_path))
    x = small_model.test.x  # type: ignore[attr-defined]
    assert np.array_equal(classify(x, loaded), classify(x, model))
    assert not list(tmp_path.glob("*.tmp"))


def test_bad_model_files_raise_data_file_error(tmp_path: Path) -> None:
    with pytest.raises(DataFileError, match="cannot read the model"):
        load_model(str(tmp_path / "nowhere"))
    (tmp_path / MODEL_NPZ).write_bytes(b"not a zip")
    (tmp_path / MODEL_JSON).write_text("{}")
    with pytest.raises(DataFileError, match="not a model file"):
        load_model(str(tmp_path))


def test_wrong_feature_count_is_rejected() -> None:
    with pytest.raises(ValueError, match=r"features must be \(n, 18\)"):
        classify(np.zeros((2, 3)))
