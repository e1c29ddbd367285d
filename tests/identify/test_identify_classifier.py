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
    FORMAT_VERSION,
    GRID_LIST,
    MODEL_JSON,
    MODEL_NPZ,
    SUPPORT_QUANTILE,
    bin_grid,
    classify,
    feature_bins,
    feature_support,
    grid_bins,
    load_model,
    out_of_support,
    raw_scores,
    save_model,
    support_violations,
)
from iamd.identify.features import FEATURE_NAMES, compute_features, features_from_columns
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
    # light civil aircraft and drones overlap on purpose (speeds, heights, RCS): the cue is
    # uncertain there, sure about missiles
    assert meta["test_metrics"]["accuracy"] > 0.85
    recall = meta["test_metrics"]["recall"]
    assert recall["cruise_missile"] > 0.98 and recall["ballistic_missile"] > 0.98
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


def _obvious_cases(**extra: np.ndarray) -> object:
    return features_from_columns(
        speed_m_s=np.array([235.0, 3100.0, 45.0, 240.0, 280.0]),
        speed_std_m_s=np.array([1.0, 30.0, 1.0, 1.0, 15.0]),
        alt_m=np.array([11_000.0, 150e3, 400.0, 50.0, 6000.0]),
        climb_rate_m_s=np.array([0.0, -900.0, 0.0, 0.0, 20.0]),
        accel_m_s2=np.array([0.1, 9.3, 0.1, 0.1, 25.0]),
        turn_rate_rad_s=np.array([0.0, 0.0, 0.0, 0.0, 0.12]),
        ballistic_residual_m_s2=np.array([9.8, 0.2, 9.8, 9.8, 30.0]),
        lift_accel_m_s2=np.array([9.8, 0.2, 9.8, 9.8, 30.0]),
        rcs_dbsm=np.array([15.0, -12.0, -12.0, -8.0, 4.0]),
        rcs_looks=np.full(5, 12.0),
        origin_alt_m=np.array([11_000.0, 200e3, 400.0, 50.0, 6000.0]),
        span_s=np.full(5, 38.0),
        **extra,
    )


def test_shipped_model_classifies_obvious_cases() -> None:
    p = classify(_obvious_cases())
    assert p.shape == (5, 5)
    assert np.allclose(p.sum(axis=1), 1.0)
    expected = ["airliner", "ballistic_missile", "drone", "cruise_missile", "fighter"]
    assert [CLASSES[i] for i in p.argmax(axis=1)] == expected


def test_replies_and_the_map_do_not_move_the_cue() -> None:
    """Transponder and IFF replies, the reported altitude, flight levels, airways and airports
    are the rules' evidence: the classifier does not read them."""
    assert not {"squawk", "iff", "alt_report_err_m", "fl_dev_m", "airway_dist_m",
                "origin_airport_dist_m"} & set(load_model().feature_names)  # fmt: skip
    silent_far = _obvious_cases(
        squawk=np.zeros(5), iff=np.zeros(5), airway_dist_m=np.full(5, 100e3),
        origin_airport_dist_m=np.full(5, 300e3), fl_dev_m=np.full(5, 150.0),
    )  # fmt: skip
    squawking_near = _obvious_cases(
        squawk=np.ones(5), iff=np.ones(5), airway_dist_m=np.zeros(5),
        origin_airport_dist_m=np.zeros(5), alt_report_err_m=np.full(5, 10.0),
        fl_dev_m=np.zeros(5),
    )  # fmt: skip
    assert np.array_equal(classify(silent_far), classify(squawking_near))


def test_the_shipped_model_stores_its_training_support() -> None:
    m = load_model()
    s = m.support
    assert s.quantile == SUPPORT_QUANTILE and FORMAT_VERSION == 2
    assert s.lo.shape == s.hi.shape == s.min.shape == s.max.shape == (len(FEATURE_NAMES),)
    assert np.all(s.min <= s.lo) and np.all(s.lo < s.hi) and np.all(s.hi <= s.max)
    i = FEATURE_NAMES.index
    assert s.min[i("speed_m_s")] < 30.0 and s.max[i("speed_m_s")] > 3000.0
    assert 0.0 < m.metadata["support"]["test_out_of_support"] < 0.05


def test_out_of_support_flags_finite_values_outside_the_training_range() -> None:
    m = load_model()
    lo, hi = m.support.lo, m.support.hi
    mid = 0.5 * (lo + hi)
    x = np.tile(mid, (6, 1))
    j = FEATURE_NAMES.index("speed_m_s")
    x[1, j] = np.nextafter(lo[j], -np.inf)  # just below
    x[2, j] = hi[j]  # on the bound: inside
    x[3, j] = np.nan  # missing: never counts
    x[4, FEATURE_NAMES.index("rcs_dbsm")] = np.inf
    x[5, j] = np.nextafter(hi[j], np.inf)  # just above
    assert out_of_support(x, m).tolist() == [False, True, False, False, True, True]
    v = support_violations(x, m)
    assert v.shape == (6, len(FEATURE_NAMES)) and v[1, j] and v.sum() == 3
    # a Features object reads the model's fields by name
    f = features_from_columns(**{n: x[:, k] for k, n in enumerate(FEATURE_NAMES)})
    assert np.array_equal(out_of_support(f), out_of_support(x, m))
    with pytest.raises(ValueError, match=r"features must be \(n, 12\)"):
        out_of_support(np.zeros((2, 3)), m)


def test_feature_support_is_the_quantile_range_and_the_extremes() -> None:
    x = np.column_stack([np.arange(1001.0), np.full(1001, np.nan)])
    x[0, 0] = np.inf  # non-finite values are ignored
    s = feature_support(x, 0.01)
    # 1, ..., 1000: the 1 % and 99 % quantiles interpolate at 1 + 0.01 · 999 and 1 + 0.99 · 999
    assert s.lo[0] == pytest.approx(10.99) and s.hi[0] == pytest.approx(990.01)
    assert (s.min[0], s.max[0]) == (1.0, 1000.0)
    assert np.isnan([s.lo[1], s.hi[1], s.min[1], s.max[1]]).all()  # no bound: never outside


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
    for name in ("lo", "hi", "min", "max"):
        assert np.array_equal(getattr(loaded.support, name), getattr(model.support, name))
    assert np.array_equal(out_of_support(x, loaded), out_of_support(x, model))
    assert not list(tmp_path.glob("*.tmp"))


def test_model_support_is_that_of_the_training_windows(small_model: object) -> None:
    tm = small_model
    s = tm.model.support  # type: ignore[attr-defined]
    assert np.all(s.min <= s.lo) and np.all(s.hi <= s.max)
    x = tm.test.x  # type: ignore[attr-defined]
    share = float(np.mean(out_of_support(x, tm.model)))  # type: ignore[attr-defined]
    assert share == tm.metadata["support"]["test_out_of_support"]  # type: ignore[attr-defined]


def test_a_model_file_without_support_is_refused(small_model: object, tmp_path: Path) -> None:
    save_model(small_model.model, tmp_path)  # type: ignore[attr-defined]
    with np.load(tmp_path / MODEL_NPZ, allow_pickle=False) as z:
        arrays = {k: z[k] for k in z.files if not k.startswith("support_")}
    arrays["format_version"] = np.array(1)
    np.savez_compressed(tmp_path / MODEL_NPZ, **arrays)
    with pytest.raises(DataFileError, match=r"format_version must be 2 \(got 1\)"):
        load_model(str(tmp_path))


def test_bad_model_files_raise_data_file_error(tmp_path: Path) -> None:
    with pytest.raises(DataFileError, match="cannot read the model"):
        load_model(str(tmp_path / "nowhere"))
    (tmp_path / MODEL_NPZ).write_bytes(b"not a zip")
    (tmp_path / MODEL_JSON).write_text("{}")
    with pytest.raises(DataFileError, match="not a model file"):
        load_model(str(tmp_path))


def test_wrong_feature_count_is_rejected() -> None:
    with pytest.raises(ValueError, match=r"features must be \(n, 12\)"):
        classify(np.zeros((2, 3)))


def test_a_model_with_malformed_arrays_is_one_data_file_error(
    small_model: object, tmp_path: Path
) -> None:
    """An array of the wrong shape (leaf indices beyond the thresholds) is a DataFileError
    naming the file, never an IndexError from deep inside."""
    save_model(small_model.model, tmp_path)  # type: ignore[attr-defined]
    with np.load(tmp_path / MODEL_NPZ, allow_pickle=False) as z:
        arrays = {k: z[k] for k in z.files}
    arrays["thr_counts"] = arrays["thr_counts"][:1]
    np.savez_compressed(tmp_path / MODEL_NPZ, **arrays)
    with pytest.raises(DataFileError, match="malformed model arrays"):
        load_model(str(tmp_path))


def test_a_fifo_as_model_file_is_refused_without_blocking(tmp_path: Path) -> None:
    import os

    os.mkfifo(tmp_path / MODEL_NPZ)
    (tmp_path / MODEL_JSON).write_text("{}")
    with pytest.raises(DataFileError, match=r"cannot read the model.*FIFO"):
        load_model(str(tmp_path))
