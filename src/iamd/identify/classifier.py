"""Class probabilities of tracks from their features: a calibrated gradient-boosted ensemble,
evaluated as a sum of lookup tables.

What it models
--------------
The classifier is scikit-learn's ``HistGradientBoostingClassifier`` (gradient-boosted trees on
histogram-binned features; Ke et al., "LightGBM", NeurIPS 2017, the algorithm scikit-learn's
implementation follows) with five one-vs-rest score functions, one per class, trained with
*pairwise interaction constraints*: every root-to-leaf path splits on at most two distinct
features. Its raw scores are calibrated per class on held-out tracks (``CalibratedClassifierCV``
with a frozen estimator: Platt's sigmoid, or isotonic regression, Zadrozny and Elkan, KDD 2002)
and normalised to sum to one, exactly as ``CalibratedClassifierCV.predict_proba`` does.

Because no path uses more than two features, each leaf is an axis-aligned box in at most two
features, and the leaves of a tree partition feature space; every class score is therefore

    s_k(x) = b_k + Σ_f T_kf[bin_f(x_f)] + Σ_(f,g) T_kfg[bin_f(x_f), bin_g(x_g)],

where ``bin_f`` counts the model's split thresholds on feature f below x_f (missing values get
a bin of their own, which reproduces each node's learned missing-value direction). This is the
GA²M form of Lou et al. ("Accurate intelligible models with pairwise interactions", KDD 2013).
Scoring n tracks is then a binning of every feature and one gather per table: no tree is
walked, and the result equals scikit-learn's ``predict_proba`` to rounding (the tests check it).

Binning without a binary search. A ``searchsorted`` per feature costs ~20 ns a value on this
kind of machine, mostly mispredicted branches. Instead each feature's span of thresholds is cut
into G equal cells (G a power of two, the smallest that leaves at most ``GRID_LIST`` thresholds
near any cell), and per cell the model keeps the count of thresholds below it and the few
thresholds inside it (widened by a rounding margin). A value's bin is then the count of its
cell plus exact comparisons with those few thresholds: a handful of vectorised passes and
L1/L2-resident gathers, bit-for-bit the bins of the binary search (tests check values at,
just above and just below every threshold, ±inf, -0.0 and NaN).

The shipped model lives in ``iamd/identify/model/``: ``identify_model.npz`` (leaf boxes,
thresholds, calibrators and the training support: plain arrays, loaded with
``allow_pickle=False``, so loading runs no code) and ``identify_model.json`` (seed, versions,
training-set hash, class order, accuracy). The tables are rebuilt from the leaf boxes at load
time with 2-D difference arrays (a few ms).

The classifier is a *cue*, not a verdict: it reads only how a track moves and its RCS
(``FEATURE_NAMES``), never transponder or IFF replies or the map, and its training data puts
gliders, helicopters, light and aerial-work aircraft among the drones' speeds, heights and RCS.
Trees are constant outside the range of their training data, so a probability far outside
it means little: the model keeps, per feature, the range seen in training
(:class:`FeatureSupport`: the ``SUPPORT_QUANTILE`` and 1 − ``SUPPORT_QUANTILE`` quantiles over
all classes, and the exact minimum and maximum), and :func:`out_of_support` says which tracks
leave it.

>>> import numpy as np
>>> from iamd.identify.features import FEATURE_NAMES
>>> p = classify(np.full((2, len(FEATURE_NAMES)), np.nan))
>>> p.shape, bool(np.allclose(p.sum(axis=1), 1.0))
((2, 5), True)
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from functools import cache
from importlib import resources
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt

from iamd.errors import DataFileError, InputError
from iamd.files import MAX_DATA_BYTES, cut, read_input_bytes, strict_json, write_atomic

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.int64]
BoolArray = npt.NDArray[np.bool_]

CLASSES: tuple[str, ...] = ("airliner", "fighter", "drone", "cruise_missile", "ballistic_missile")
"""Class order of every probability array (columns of ``classify``)."""
MODEL_NPZ = "identify_model.npz"
MODEL_JSON = "identify_model.json"
FORMAT_VERSION = 2
"""Version 2 added the training support (``support_*`` arrays)."""
SUPPORT_QUANTILE = 0.001
"""The support of a feature is its [q, 1 − q] quantile range over the training windows."""
GRID_LIST = 2
"""Thresholds compared exactly per value and feature after the grid lookup (see the module doc)."""
GRID_MAX_CELLS = 32768
"""Largest grid of one feature (log-spaced thresholds such as the turn rate's need ~20,000
cells); a feature that needs more is binned by binary search (see :func:`bin_grid`)."""


@dataclass(frozen=True, slots=True, kw_only=True)
class LeafBoxes:
    """The ensemble as leaf boxes; every array has shape (L,) over the L leaves.

    A leaf adds ``value`` to the score of class ``cls`` for inputs whose bin of feature
    ``f`` lies in ``[f_lo, f_hi]`` (or is the missing bin, if ``f_nan``) and likewise for
    feature ``g``; ``g == -1`` means the leaf depends on ``f`` only, ``f == -1`` on nothing.
    """

    cls: IntArray
    f: IntArray
    g: IntArray
    f_lo: IntArray
    f_hi: IntArray
    f_nan: npt.NDArray[np.bool_]
    g_lo: IntArray
    g_hi: IntArray
    g_nan: npt.NDArray[np.bool_]
    value: FloatArray


@dataclass(frozen=True, slots=True, kw_only=True)
class BinGrid:
    """Uniform cells over each feature's thresholds, for binning without a binary search.

    Feature f has ``cells[f] + 1`` consecutive rows starting at ``base[f]``: its grid cells over
    ``[lo[f], lo[f] + cells[f] / inv_w[f])`` (values outside fall in the end cells) and one row
    for NaN. A value's bin is ``below[row] + Σ_j (x > near[j][row])``.

    Attributes:
        lo, inv_w: (F,) left edge and cells per unit of each feature's grid.
        last: (F,) index of each feature's last cell (as float: the clip bound); the NaN row
            follows it.
        base: (F,) first row of each feature.
        below: (rows,) thresholds below each cell (the missing bin for the NaN row).
        near: per list slot, (rows,) the thresholds in or near each cell (+inf pads).
        search: features binned by binary search instead (see :func:`bin_grid`).
        search_thresholds: their thresholds (+inf last).
    """

    lo: FloatArray
    inv_w: FloatArray
    last: FloatArray
    base: npt.NDArray[np.intp]
    below: npt.NDArray[np.int32]
    near: tuple[FloatArray, ...]
    search: tuple[int, ...]
    search_thresholds: tuple[FloatArray, ...]


@dataclass(frozen=True, slots=True, kw_only=True)
class FeatureSupport:
    """The range of each classifier input seen in training; arrays (F,) in feature order.

    Attributes:
        quantile: q of the quantile range.
        lo, hi: the q and 1 − q quantiles of the finite training values over all classes
            (NaN for a feature that was never finite: no bound).
        min, max: the smallest and largest finite training values.
    """

    quantile: float
    lo: FloatArray
    hi: FloatArray
    min: FloatArray
    max: FloatArray


@dataclass(frozen=True, slots=True, kw_only=True)
class IdentifyModel:
    """A trained classifier in table form (built by :func:`load_model` or :func:`from_sklearn`).

    Attributes:
        classes: class names, the column order of the probabilities.
        feature_names: input columns, in order.
        thresholds: per feature, the sorted split thresholds of the ensemble, then +inf.
        baseline: (K,) constant score of each class.
        leaves: the ensemble's leaf boxes (what the file stores).
        pair_f, pair_g: (P,) the features of each table (``pair_g == -1``: one feature).
        pair_offset: (P,) first row of each table in ``table`` (int32, as the row indices).
        pair_stride: (P,) bins of ``pair_g`` (row stride within a pair's table; 1 for singles).
        pair_gcol: (P,) the feature whose bin is added to the row (``pair_f`` for singles).
        pair_mult: (P,) the multiplier of ``pair_f``'s bin (``pair_stride``; 0 for singles).
        table: (R, K) the tables' rows, each the K class scores of one cell (C-contiguous, so
            one gather reads a cell's scores for every class).
        grid: the binning grid of the features (built from ``thresholds``).
        calibration: ``"sigmoid"`` or ``"isotonic"``.
        sig_a, sig_b: (K,) sigmoid calibration p = 1 / (1 + exp(a s + b)).
        iso_x, iso_y: per class, the isotonic calibration's knots.
        support: the range of every feature in training (:func:`out_of_support`).
        metadata: the JSON metadata (seed, versions, hashes, accuracy).
    """

    classes: tuple[str, ...]
    feature_names: tuple[str, ...]
    thresholds: tuple[FloatArray, ...]
    baseline: FloatArray
    leaves: LeafBoxes
    pair_f: IntArray
    pair_g: IntArray
    pair_offset: npt.NDArray[np.int32]
    pair_stride: IntArray
    pair_gcol: npt.NDArray[np.intp]
    pair_mult: npt.NDArray[np.intp]
    table: FloatArray
    grid: BinGrid
    calibration: str
    sig_a: FloatArray
    sig_b: FloatArray
    iso_x: tuple[FloatArray, ...]
    iso_y: tuple[FloatArray, ...]
    support: FeatureSupport
    metadata: dict[str, Any]


def classify(x: Any, model: IdentifyModel | None = None) -> FloatArray:
    """Calibrated class probabilities (n, 5) of n tracks, columns in ``CLASSES`` order.

    Args:
        x: a :class:`iamd.identify.features.Features` or its ``matrix()``, (n, F) in
            ``FEATURE_NAMES`` order; NaN marks a missing value.
        model: the classifier (default: the shipped model).
    """
    mdl = load_model() if model is None else model
    return calibrate(raw_scores(x, mdl), mdl)


def out_of_support(features: Any, model: IdentifyModel | None = None) -> BoolArray:
    """(n,) True where any classifier input of a track is finite and outside the range seen
    in training (``model.support``: the [q, 1 − q] quantiles, q = ``SUPPORT_QUANTILE``).

    The probabilities of such a track are extrapolations (every tree is constant beyond its
    outermost threshold): a cue to weigh less, not evidence. Missing (NaN) inputs never count;
    ±inf counts. About ``model.metadata["support"]["test_out_of_support"]`` of held-out
    simulated windows (2 %) are outside, by construction of the quantile range.

    Args:
        features: a :class:`iamd.identify.features.Features` (its ``model.feature_names``
            fields are read) or an (n, F) matrix in the model's feature order.
        model: the classifier (default: the shipped model).

    >>> import numpy as np
    >>> from iamd.identify.features import features_from_columns
    >>> one = np.ones(3)
    >>> f = features_from_columns(speed_m_s=np.array([45.0, 45.0, 9000.0]),
    ...                           alt_m=np.array([400.0, np.nan, 400.0]), origin_alt_m=400 * one,
    ...                           speed_std_m_s=one, accel_m_s2=0.5 * one,
    ...                           turn_rate_rad_s=0.01 * one, lift_accel_m_s2=9.8 * one,
    ...                           ballistic_residual_m_s2=9.8 * one, rcs_dbsm=-5.0 * one,
    ...                           rcs_looks=10 * one, span_s=38 * one)
    >>> out_of_support(f).tolist()  # 9 km/s: faster than anything in training
    [False, False, True]
    """
    return np.asarray(support_violations(features, model).any(axis=1))


def support_violations(features: Any, model: IdentifyModel | None = None) -> BoolArray:
    """(n, F) True where a classifier input is finite and outside the training range (the
    per-feature detail of :func:`out_of_support`, columns in ``model.feature_names`` order)."""
    mdl = load_model() if model is None else model
    if hasattr(features, "matrix"):
        xm = np.stack([np.asarray(getattr(features, f), np.float64)
                       for f in mdl.feature_names], axis=1)  # fmt: skip
    else:
        xm = np.asarray(features, dtype=np.float64)
    if xm.ndim != 2 or xm.shape[1] != len(mdl.feature_names):
        raise ValueError(
            f"out_of_support: features must be (n, {len(mdl.feature_names)}) (got {xm.shape})"
        )
    sup = mdl.support
    with np.errstate(invalid="ignore"):
        return np.asarray(~np.isnan(xm) & ((xm < sup.lo) | (xm > sup.hi)))


def feature_support(x: FloatArray, quantile: float = SUPPORT_QUANTILE) -> FeatureSupport:
    """The :class:`FeatureSupport` of training inputs x (m, F) (NaN ignored).

    >>> s = feature_support(np.arange(1001.0)[:, None], 0.01)
    >>> float(s.lo[0]), float(s.hi[0]), float(s.min[0]), float(s.max[0])
    (10.0, 990.0, 0.0, 1000.0)
    """
    xm = np.where(np.isfinite(x), x, np.nan)
    lo, hi, mn, mx = (np.full(xm.shape[1], np.nan) for _ in range(4))
    for f in range(xm.shape[1]):
        col = xm[:, f][~np.isnan(xm[:, f])]
        if len(col):
            lo[f], hi[f] = np.quantile(col, [quantile, 1.0 - quantile])
            mn[f], mx[f] = col.min(), col.max()
    return FeatureSupport(quantile=float(quantile), lo=lo, hi=hi, min=mn, max=mx)


def raw_scores(x: Any, model: IdentifyModel) -> FloatArray:
    """Uncalibrated ensemble scores (n, K), the ``decision_function`` of the ensemble."""
    xm = np.asarray(x.matrix() if hasattr(x, "matrix") else x, dtype=np.float64)
    if xm.ndim != 2 or xm.shape[1] != len(model.feature_names):
        raise ValueError(
            f"classify: features must be (n, {len(model.feature_names)}) (got {xm.shape})"
        )
    bins = feature_bins(xm, model)  # (F, n)
    # table rows (P, n): a single-feature table has pair_g == pair_f and a zero stride
    idx = bins[model.pair_f] * model.pair_mult[:, None]
    idx += bins[model.pair_gcol]
    idx += model.pair_offset[:, None]
    # one gather of n table rows per table (a row holds the K class scores side by side, so
    # one cache line serves every class), summed table by table in place
    n = xm.shape[0]
    out = model.table.take(idx[0], axis=0) if len(idx) else np.zeros((n, len(model.classes)))
    row = np.empty_like(out)
    for p in range(1, len(idx)):
        model.table.take(idx[p], axis=0, out=row)
        out += row
    out += model.baseline
    return out


def feature_bins(x: FloatArray, model: IdentifyModel) -> npt.NDArray[np.int32]:
    """Bin (F, n) of every value of x (n, F): the count of the model's thresholds below it."""
    return grid_bins(x, model.grid)


def grid_bins(x: FloatArray, grid: BinGrid) -> npt.NDArray[np.int32]:
    """Bin (F, n) of every value of x (n, F) on a :func:`bin_grid`.

    Equal to ``searchsorted(thresholds[f], x[:, f], side="left")`` per feature, where the
    thresholds end with +inf, so that NaN (which sorts last) gets ``len(thresholds[f])``.

    >>> g = bin_grid((np.array([-1.0, 0.5, 2.0, np.inf]),))
    >>> grid_bins(np.array([[-5.0], [-1.0], [0.0], [0.5], [1e9], [np.nan]]), g).tolist()
    [[0, 0, 1, 1, 3, 4]]
    """
    xt = np.ascontiguousarray(x.T)
    with np.errstate(over="ignore", invalid="ignore"):
        u = xt - grid.lo[:, None]
        u *= grid.inv_w[:, None]
    np.clip(u, 0.0, grid.last[:, None], out=u)
    np.copyto(u, grid.last[:, None] + 1.0, where=np.isnan(xt))
    cell = u.astype(np.intp)
    cell += grid.base[:, None]
    bins = grid.below.take(cell)
    for near in grid.near:
        bins += xt > near.take(cell)
    for f, thr in zip(grid.search, grid.search_thresholds, strict=True):
        bins[f] = np.searchsorted(thr, xt[f], side="left")
    return bins


def bin_grid(thresholds: tuple[FloatArray, ...]) -> BinGrid:
    """The binning grid of :class:`BinGrid` for each feature's sorted thresholds (+inf last).

    Per feature: cells of width w over [t_min, t_max] of the finite thresholds; cell c lists the
    thresholds within [lo + c w - δ, lo + (c + 1) w + δ] (the end cells reach ±inf), δ a margin
    far above the rounding of ``(x - lo) / w``. ``below`` counts the thresholds left of that
    window; a value that the rounding puts in a neighbouring cell still lies in the window, so
    the count plus the comparisons is exact (+inf thresholds are below no value). A feature
    whose thresholds no grid of at most ``GRID_MAX_CELLS`` cells separates into lists of
    ``GRID_LIST`` (thresholds closer than ~1e-9 of their magnitude, spans beyond the float
    range or below its normal numbers) or that has a -inf threshold is binned by binary
    search instead.
    """
    los, inv_ws, lasts, belows, nears, search = [], [], [], [], [], []
    for f, t in enumerate(thresholds):
        fin = t[np.isfinite(t)]
        lo, inv_w = 0.0, 1.0  # one cell: every value is compared with the thresholds
        a, b = np.zeros(1, np.int64), np.full(1, len(fin))
        if np.any(t == -np.inf):  # -inf is below every value but -inf: not a cell count
            search.append(f)
        elif len(fin) > GRID_LIST:
            grid = _grid_cells(fin)
            if grid is None:
                search.append(f)
            else:
                lo, inv_w, a, b = grid
        near = np.full((len(a) + 1, GRID_LIST), np.inf)
        if f not in search:
            for j in range(GRID_LIST):
                has = a + j < b
                near[:-1][has, j] = fin[(a + j)[has]]
        los.append(lo)
        inv_ws.append(inv_w)
        lasts.append(float(len(a) - 1))
        belows.append(np.append(a, len(t)))  # the NaN row: the missing bin
        nears.append(near)
    near_all = np.concatenate(nears)
    sizes = np.array([len(b) for b in belows], dtype=np.intp)
    last = np.array(lasts)
    return BinGrid(
        lo=np.array(los),
        inv_w=np.array(inv_ws),
        last=last,
        base=np.concatenate([[0], np.cumsum(sizes)[:-1]]).astype(np.intp),
        below=np.concatenate(belows).astype(np.int32),
        near=tuple(np.ascontiguousarray(near_all[:, j]) for j in range(GRID_LIST)),
        search=tuple(search),
        search_thresholds=tuple(thresholds[f] for f in search),
    )


def calibrate(raw: FloatArray, model: IdentifyModel) -> FloatArray:
    """Per-class calibration of raw scores, normalised as ``CalibratedClassifierCV`` does."""
    if model.calibration == "sigmoid":
        p = 1.0 / (1.0 + np.exp(np.clip(model.sig_a * raw + model.sig_b, -700.0, 700.0)))
    else:
        p = np.empty_like(raw)
        for k in range(raw.shape[1]):
            xk, yk = model.iso_x[k], model.iso_y[k]
            p[:, k] = np.interp(np.clip(raw[:, k], xk[0], xk[-1]), xk, yk)
    den = p.sum(axis=1, keepdims=True)
    uniform = np.full_like(p, 1.0 / p.shape[1])
    out = np.divide(p, den, out=uniform, where=den != 0)
    out[(out > 1.0) & (out <= 1.0 + 1e-5)] = 1.0
    return np.asarray(out)


@cache
def load_model(path: str | None = None) -> IdentifyModel:
    """Load a model directory (default: the one shipped in ``iamd/identify/model``), cached.

    Raises:
        DataFileError: a missing or malformed model file.
    """
    if path is None:
        base = resources.files("iamd.identify") / "model"
        npz_bytes = (base / MODEL_NPZ).read_bytes()
        meta_text = (base / MODEL_JSON).read_text("utf-8")
        where = f"iamd/identify/model/{MODEL_NPZ}"
    else:
        d = Path(path)
        where = str(d / MODEL_NPZ)
        try:  # regular files within the size caps (a FIFO or a device never blocks)
            npz_bytes = read_input_bytes(d / MODEL_NPZ, "model", max_bytes=MAX_DATA_BYTES)
            meta_text = read_input_bytes(d / MODEL_JSON, "model").decode("utf-8")
        except (InputError, UnicodeDecodeError) as exc:
            raise DataFileError(f"{where}: cannot read the model ({exc})") from None
    import io

    try:
        with np.load(io.BytesIO(npz_bytes), allow_pickle=False) as z:
            arrays = {k: z[k] for k in z.files}
        meta = json.loads(meta_text)
    except (ValueError, OSError) as exc:
        raise DataFileError(f"{where}: not a model file ({exc})") from None
    if int(arrays.get("format_version", -1)) != FORMAT_VERSION:
        raise DataFileError(
            f"{where}: format_version must be {FORMAT_VERSION} (got {arrays.get('format_version')})"
        )
    try:
        return _from_arrays(arrays, meta)
    except (KeyError, IndexError, ValueError, TypeError) as exc:
        # an array missing, of the wrong shape or kind: the file is not a model of this code
        raise DataFileError(f"{where}: malformed model arrays ({type(exc).__name__}: "
                            f"{cut(str(exc))})") from None  # fmt: skip


def save_model(model: IdentifyModel, out_dir: str | Path) -> tuple[Path, Path]:
    """Write ``identify_model.npz`` and ``identify_model.json`` into ``out_dir`` atomically."""
    d = Path(out_dir)
    d.mkdir(parents=True, exist_ok=True)
    lv = model.leaves
    arrays: dict[str, Any] = {
        "format_version": np.array(FORMAT_VERSION),
        "classes": np.array(model.classes),
        "feature_names": np.array(model.feature_names),
        "thr_values": np.concatenate([t[:-1] for t in model.thresholds]),
        "thr_counts": np.array([len(t) - 1 for t in model.thresholds], dtype=np.int64),
        "baseline": model.baseline,
        "leaf_cls": lv.cls.astype(np.int8),
        "leaf_f": lv.f.astype(np.int16),
        "leaf_g": lv.g.astype(np.int16),
        "leaf_f_lo": lv.f_lo.astype(np.int16),
        "leaf_f_hi": lv.f_hi.astype(np.int16),
        "leaf_f_nan": lv.f_nan,
        "leaf_g_lo": lv.g_lo.astype(np.int16),
        "leaf_g_hi": lv.g_hi.astype(np.int16),
        "leaf_g_nan": lv.g_nan,
        "leaf_value": lv.value,
        "calibration": np.array(model.calibration),
        "sig_a": model.sig_a,
        "sig_b": model.sig_b,
        "iso_x": np.concatenate(model.iso_x) if model.iso_x else np.zeros(0),
        "iso_y": np.concatenate(model.iso_y) if model.iso_y else np.zeros(0),
        "iso_counts": np.array([len(a) for a in model.iso_x], dtype=np.int64),
        **_support_arrays(model.support),
    }
    npz_path = d / MODEL_NPZ
    json_path = d / MODEL_JSON
    write_atomic(npz_path, lambda fh: np.savez_compressed(fh, **arrays))
    write_atomic(json_path, strict_json(model.metadata, indent=2, sort_keys=True) + "\n")
    return npz_path, json_path


def from_sklearn(
    calibrated: Any,
    feature_names: tuple[str, ...],
    metadata: dict[str, Any],
    *,
    support: FeatureSupport,
) -> IdentifyModel:
    """Table form of a fitted ``CalibratedClassifierCV`` around a frozen, pairwise-constrained
    ``HistGradientBoostingClassifier`` (one calibrated classifier, classes 0..K-1), with the
    training support (:func:`feature_support` of the training inputs).

    Raises:
        ValueError: a tree path with more than two features, categorical splits, or an
            estimator of another kind.
    """
    cc = calibrated.calibrated_classifiers_
    if len(cc) != 1:
        raise ValueError(f"from_sklearn: expected one calibrated classifier (got {len(cc)})")
    est = cc[0].estimator
    hgb = getattr(est, "estimator", est)  # FrozenEstimator wraps the fitted model
    predictors = hgb._predictors
    n_classes = len(hgb.classes_)
    if list(hgb.classes_) != list(range(n_classes)):
        raise ValueError("from_sklearn: classes must be encoded 0..K-1 in CLASSES order")
    n_feat = len(feature_names)
    thr_sets: list[set[float]] = [set() for _ in range(n_feat)]
    for it in predictors:
        for tree in it:
            nodes = tree.nodes
            if np.any(nodes["is_categorical"][~nodes["is_leaf"].astype(bool)]):
                raise ValueError("from_sklearn: categorical splits are not supported")
            inner = nodes[nodes["is_leaf"] == 0]
            for f, thr in zip(inner["feature_idx"], inner["num_threshold"], strict=True):
                thr_sets[int(f)].add(float(thr))
    thresholds = tuple(np.array(sorted(s), dtype=np.float64) for s in thr_sets)
    baseline = np.asarray(hgb._baseline_prediction, dtype=np.float64).reshape(-1).copy()
    rows: list[tuple[int, int, int, int, int, bool, int, int, bool, float]] = []
    for it in predictors:
        for k, tree in enumerate(it):
            _collect_leaves(tree.nodes, thresholds, k, rows)
    arr = np.array(rows, dtype=np.float64).reshape(-1, 10)
    leaves = LeafBoxes(
        cls=arr[:, 0].astype(np.int64),
        f=arr[:, 1].astype(np.int64),
        g=arr[:, 2].astype(np.int64),
        f_lo=arr[:, 3].astype(np.int64),
        f_hi=arr[:, 4].astype(np.int64),
        f_nan=arr[:, 5].astype(bool),
        g_lo=arr[:, 6].astype(np.int64),
        g_hi=arr[:, 7].astype(np.int64),
        g_nan=arr[:, 8].astype(bool),
        value=arr[:, 9].copy(),
    )
    const = leaves.f < 0
    if const.any():
        np.add.at(baseline, leaves.cls[const], leaves.value[const])
    cal = cc[0].calibrators
    method = cc[0].method
    sig_a = np.zeros(n_classes)
    sig_b = np.zeros(n_classes)
    iso_x: list[FloatArray] = []
    iso_y: list[FloatArray] = []
    if method == "sigmoid":
        sig_a = np.array([float(c.a_) for c in cal])
        sig_b = np.array([float(c.b_) for c in cal])
    elif method == "isotonic":
        iso_x = [np.asarray(c.X_thresholds_, dtype=np.float64) for c in cal]
        iso_y = [np.asarray(c.y_thresholds_, dtype=np.float64) for c in cal]
    else:
        raise ValueError(f"from_sklearn: calibration must be sigmoid or isotonic (got {method})")
    arrays = {
        "classes": np.array(CLASSES[:n_classes]),
        "feature_names": np.array(feature_names),
        "thr_values": np.concatenate(thresholds),
        "thr_counts": np.array([len(t) for t in thresholds]),
        "baseline": baseline,
        "leaf_cls": leaves.cls,
        "leaf_f": leaves.f,
        "leaf_g": leaves.g,
        "leaf_f_lo": leaves.f_lo,
        "leaf_f_hi": leaves.f_hi,
        "leaf_f_nan": leaves.f_nan,
        "leaf_g_lo": leaves.g_lo,
        "leaf_g_hi": leaves.g_hi,
        "leaf_g_nan": leaves.g_nan,
        "leaf_value": leaves.value,
        "calibration": np.array(method),
        "sig_a": sig_a,
        "sig_b": sig_b,
        "iso_x": np.concatenate(iso_x) if iso_x else np.zeros(0),
        "iso_y": np.concatenate(iso_y) if iso_y else np.zeros(0),
        "iso_counts": np.array([len(a) for a in iso_x], dtype=np.int64),
        **_support_arrays(support),
    }
    return _from_arrays(arrays, metadata)


# --------------------------------------------------------------------------- private helpers


def _support_arrays(s: FeatureSupport) -> dict[str, Any]:
    return {
        "support_quantile": np.array(s.quantile),
        "support_lo": s.lo,
        "support_hi": s.hi,
        "support_min": s.min,
        "support_max": s.max,
    }


def _collect_leaves(
    nodes: Any,
    thresholds: tuple[FloatArray, ...],
    cls: int,
    out: list[tuple[int, int, int, int, int, bool, int, int, bool, float]],
) -> None:
    """Append the box of every leaf of one tree (a depth-first walk of its node array)."""
    big = 1 << 30
    stack: list[tuple[int, dict[int, list[Any]]]] = [(0, {})]
    while stack:
        i, box = stack.pop()
        node = nodes[i]
        if node["is_leaf"]:
            feats = sorted(box)
            if len(feats) > 2:
                raise ValueError(
                    f"from_sklearn: a leaf depends on {len(feats)} features; train with "
                    "interaction_cst='pairwise'"
                )
            entry: list[Any] = [cls]
            spans: list[Any] = []
            for f in feats:
                lo, hi, nan_ok = box[f]
                spans.append((f, lo, min(hi, len(thresholds[f])), nan_ok))
            while len(spans) < 2:
                spans.append((-1, 0, 0, False))
            (f1, lo1, hi1, n1), (f2, lo2, hi2, n2) = spans
            entry += [f1, f2, lo1, hi1, n1, lo2, hi2, n2, float(node["value"])]
            out.append(tuple(entry))
            continue
        f = int(node["feature_idx"])
        k = int(np.searchsorted(thresholds[f], float(node["num_threshold"])))
        lo, hi, nan_ok = box.get(f, [0, big, True])
        miss_left = bool(node["missing_go_to_left"])
        left = dict(box)
        left[f] = [lo, min(hi, k), nan_ok and miss_left]
        right = dict(box)
        right[f] = [max(lo, k + 1), hi, nan_ok and not miss_left]
        stack.append((int(node["right"]), right))
        stack.append((int(node["left"]), left))


def _from_arrays(a: dict[str, Any], meta: dict[str, Any]) -> IdentifyModel:
    counts = np.asarray(a["thr_counts"], dtype=np.int64)
    cuts = np.cumsum(counts)[:-1]
    split = np.split(np.asarray(a["thr_values"], dtype=np.float64), cuts)
    thresholds = tuple(np.ascontiguousarray(np.append(t, np.inf)) for t in split)
    classes = tuple(str(c) for c in np.asarray(a["classes"]).tolist())
    n_classes = len(classes)
    leaves = LeafBoxes(
        cls=np.asarray(a["leaf_cls"], dtype=np.int64),
        f=np.asarray(a["leaf_f"], dtype=np.int64),
        g=np.asarray(a["leaf_g"], dtype=np.int64),
        f_lo=np.asarray(a["leaf_f_lo"], dtype=np.int64),
        f_hi=np.asarray(a["leaf_f_hi"], dtype=np.int64),
        f_nan=np.asarray(a["leaf_f_nan"], dtype=bool),
        g_lo=np.asarray(a["leaf_g_lo"], dtype=np.int64),
        g_hi=np.asarray(a["leaf_g_hi"], dtype=np.int64),
        g_nan=np.asarray(a["leaf_g_nan"], dtype=bool),
        value=np.asarray(a["leaf_value"], dtype=np.float64),
    )
    pair_f, pair_g, offset, stride, table = _build_tables(leaves, thresholds, n_classes)
    iso_counts = np.asarray(a["iso_counts"], dtype=np.int64)
    iso_cuts = np.cumsum(iso_counts)[:-1] if len(iso_counts) else np.zeros(0, np.int64)
    iso_x = (
        tuple(np.split(np.asarray(a["iso_x"], dtype=np.float64), iso_cuts))
        if len(iso_counts)
        else ()
    )
    iso_y = (
        tuple(np.split(np.asarray(a["iso_y"], dtype=np.float64), iso_cuts))
        if len(iso_counts)
        else ()
    )
    return IdentifyModel(
        classes=classes,
        feature_names=tuple(str(c) for c in np.asarray(a["feature_names"]).tolist()),
        thresholds=thresholds,
        baseline=np.asarray(a["baseline"], dtype=np.float64),
        leaves=leaves,
        pair_f=pair_f,
        pair_g=pair_g,
        pair_offset=offset.astype(np.int32),
        pair_stride=stride,
        pair_gcol=np.where(pair_g >= 0, pair_g, pair_f).astype(np.intp),
        pair_mult=np.where(pair_g >= 0, stride, 0).astype(np.intp),
        table=table,
        grid=bin_grid(thresholds),
        calibration=str(np.asarray(a["calibration"])),
        sig_a=np.asarray(a["sig_a"], dtype=np.float64),
        sig_b=np.asarray(a["sig_b"], dtype=np.float64),
        iso_x=iso_x,
        iso_y=iso_y,
        support=FeatureSupport(
            quantile=float(a["support_quantile"]),
            lo=np.asarray(a["support_lo"], dtype=np.float64),
            hi=np.asarray(a["support_hi"], dtype=np.float64),
            min=np.asarray(a["support_min"], dtype=np.float64),
            max=np.asarray(a["support_max"], dtype=np.float64),
        ),
        metadata=meta,
    )


def _grid_cells(fin: FloatArray) -> tuple[float, float, IntArray, IntArray] | None:
    """``(lo, 1/w, a, b)`` of the coarsest grid over sorted finite thresholds whose cells hold at
    most ``GRID_LIST`` of them (cell c: ``fin[a[c]:b[c]]``), or None if no grid does."""
    lo, span = float(fin[0]), float(fin[-1] - fin[0])
    scale = max(abs(fin[0]), abs(fin[-1]), span)
    if not (np.isfinite(span) and span >= 1e-280 and scale < 1e300):
        return None
    delta = 1e-9 * scale
    cells = 16
    while cells <= GRID_MAX_CELLS:
        w = span / (cells - 1)
        start = lo + np.arange(cells) * w
        a = np.searchsorted(fin, start - delta, side="left")
        b = np.searchsorted(fin, start + w + delta, side="right")
        a[0], b[-1] = 0, len(fin)
        if (b - a).max() <= GRID_LIST:
            return lo, 1.0 / w, a.astype(np.int64), b.astype(np.int64)
        cells *= 2
    return None


def _build_tables(
    lv: LeafBoxes, thresholds: tuple[FloatArray, ...], n_classes: int
) -> tuple[IntArray, IntArray, IntArray, IntArray, FloatArray]:
    """Sum the leaf boxes into one table per feature pair (and per lone single feature).

    A leaf's box covers ordered bins [lo, hi] of a feature and, if ``nan``, its missing bin (the
    last one): at most two intervals per feature, so at most four rectangles per leaf. They are
    added at their corners into 2-D difference arrays, whose cumulative sums are the tables.
    A single-feature leaf is folded into a pair table holding that feature (constant along the
    other axis) when there is one.
    """
    nb = np.array([len(t) + 1 for t in thresholds], dtype=np.int64)  # t has +inf: NaN last
    n_feat = len(thresholds)
    keep = lv.f >= 0
    f, g, k, v = lv.f[keep], lv.g[keep], lv.cls[keep], lv.value[keep]
    keys = np.unique(np.stack([f, g], axis=1), axis=0)
    pairs = keys[keys[:, 1] >= 0]
    host_tab = np.full(n_feat, -1, dtype=np.int64)
    host_side = np.zeros(n_feat, dtype=np.int64)
    for p, (a, b) in enumerate(pairs.tolist()):  # first pair holding each feature
        if host_tab[a] < 0:
            host_tab[a], host_side[a] = p, 0
        if host_tab[b] < 0:
            host_tab[b], host_side[b] = p, 1
    singles = keys[keys[:, 1] < 0][:, 0]
    alone = singles[host_tab[singles] < 0]
    pair_f = np.concatenate([pairs[:, 0], alone]).astype(np.int64)
    pair_g = np.concatenate([pairs[:, 1], np.full(len(alone), -1)]).astype(np.int64)
    rows_f = nb[pair_f]
    rows_g = np.where(pair_g >= 0, nb[np.maximum(pair_g, 0)], 1)
    size = rows_f * rows_g
    offset = np.concatenate([[0], np.cumsum(size)[:-1]]).astype(np.int64)
    size2 = (rows_f + 1) * (rows_g + 1)
    off2 = np.concatenate([[0], np.cumsum(size2)[:-1]]).astype(np.int64)

    # the table of each leaf, and whether its feature f lies along the table's columns
    code = pair_f * (n_feat + 1) + pair_g + 1
    order = np.argsort(code)
    at = np.searchsorted(code[order], f * (n_feat + 1) + g + 1)
    own = order[np.minimum(at, len(order) - 1)]  # hosted singles have no table of their own
    single = g < 0
    hosted = single & (host_tab[f] >= 0)
    tab = np.where(hosted, host_tab[f], own)
    f_on_cols = hosted & (host_side[f] == 1)

    def intervals(lo: IntArray, hi: IntArray, nan: npt.NDArray[np.bool_], n: IntArray) -> list[Any]:
        ok = lo <= hi
        ext = nan & ok & (hi == n - 2)  # the top ordered bin and NaN are adjacent
        return [(lo, np.where(ext, n - 1, hi), ok), (n - 1, n - 1, nan & ~ext)]

    n_l = len(f)
    zero = np.zeros(n_l, dtype=np.int64)
    full_r = (zero, rows_f[tab] - 1, np.ones(n_l, dtype=bool))
    full_c = (zero, rows_g[tab] - 1, np.ones(n_l, dtype=bool))
    fi = intervals(lv.f_lo[keep], lv.f_hi[keep], lv.f_nan[keep], nb[f])
    gi = intervals(lv.g_lo[keep], lv.g_hi[keep], lv.g_nan[keep], np.where(single, 2, nb[g]))
    rects = []
    for r in fi:  # f along the rows: g's intervals, or the full width for a single
        for c in gi:
            rects.append((r, c, r[2] & c[2] & ~single))
        rects.append((r, full_c, r[2] & single & ~f_on_cols))
    for c in fi:  # a single whose feature is the host pair's column feature
        rects.append((full_r, c, c[2] & f_on_cols))
    diff = np.zeros((n_classes, int(size2.sum())))
    stride2 = (rows_g + 1)[tab]
    base = off2[tab]
    for (r0, r1, _), (c0, c1, _), ok in rects:
        if not ok.any():
            continue
        m = np.flatnonzero(ok)
        for rr, cc, sign in (
            (r0, c0, 1.0),
            (r0, c1 + 1, -1.0),
            (r1 + 1, c0, -1.0),
            (r1 + 1, c1 + 1, 1.0),
        ):
            np.add.at(diff, (k[m], base[m] + rr[m] * stride2[m] + cc[m]), sign * v[m])
    table = np.zeros((n_classes, int(size.sum())))
    for p in range(len(pair_f)):
        blk = diff[:, off2[p] : off2[p] + size2[p]].reshape(n_classes, rows_f[p] + 1, -1)
        blk = blk.cumsum(axis=1).cumsum(axis=2)[:, : rows_f[p], : rows_g[p]]
        table[:, offset[p] : offset[p] + size[p]] = blk.reshape(n_classes, -1)
    return pair_f, pair_g, offset, rows_g.astype(np.int64), np.ascontiguousarray(table.T)
