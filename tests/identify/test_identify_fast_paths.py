"""The identification stage's fast paths against the primitives they replace, bit for bit."""

from __future__ import annotations

from dataclasses import fields

import numpy as np

from iamd.geo.wgs84 import enu_vector_to_ecef, lla_to_ecef
from iamd.identify.features import (
    GEOMETRY_COLUMNS,
    Features,
    TrackWindow,
    compute_features,
    sample_geometry,
)


def _random_windows(seed: int, n: int, w: int = 20) -> tuple[TrackWindow, np.ndarray]:
    """n windows of w samples of random flights over the theatre (drones to ballistic
    missiles), with leading, inner and whole-window gaps; and each sample's (n, w, 6) state
    as the tracker's table holds it."""
    rng = np.random.default_rng(seed)
    lat = np.radians(rng.uniform(38.0, 47.0, (n, 1)))
    lon = np.radians(rng.uniform(18.0, 30.0, (n, 1)))
    alt = rng.choice([50.0, 3000.0, 11000.0, 80e3], (n, 1)) + rng.normal(0.0, 20.0, (n, 1))
    t = 2.0 * np.arange(w)[None, :] + rng.uniform(0.0, 1.0, (n, 1))
    speed = rng.choice([0.5, 3.0, 50.0, 240.0, 2500.0], (n, 1))
    heading = rng.uniform(0.0, 2.0 * np.pi, (n, 1)) + rng.normal(0.0, 0.02, (n, w)).cumsum(1)
    climb = rng.normal(0.0, 5.0, (n, 1))
    v_enu = np.stack(
        np.broadcast_arrays(speed * np.sin(heading), speed * np.cos(heading), climb), axis=-1
    )
    step = speed * t / 6.4e6
    lat_t = lat + step * np.cos(heading)
    lon_t = lon + step * np.sin(heading) / np.cos(lat)
    pos = lla_to_ecef(lat_t, lon_t, alt + climb * t) + rng.normal(0.0, 30.0, (n, w, 3))
    vel = enu_vector_to_ecef(v_enu, lat_t, lon_t) + rng.normal(0.0, 2.0, (n, w, 3))
    valid = np.ones((n, w), dtype=bool)
    young = rng.integers(0, w, n)
    valid &= np.arange(w)[None, :] >= young[:, None]  # tracks younger than the window
    valid &= rng.random((n, w)) > 0.1  # dropped samples
    valid[0] = False  # a window without a valid sample
    valid[1] = False
    valid[1, -1] = True  # one valid sample
    state = np.concatenate([pos, vel], axis=-1)
    window = TrackWindow(
        t_s=t + np.zeros((n, w)),
        pos_ecef_m=pos,
        vel_ecef_m_s=vel,
        valid=valid,
        first_pos_ecef_m=pos[:, 0],
        age_s=rng.uniform(0.0, 600.0, n),
        rcs_dbsm=rng.normal(0.0, 10.0, n),
        rcs_looks=rng.integers(1, 30, n).astype(float),
        squawk=rng.random(n) < 0.5,
        reported_alt_m=np.where(rng.random(n) < 0.5, alt[:, 0], np.nan),
        iff=rng.random(n) < 0.2,
    )
    return window, state


def _assert_same(a: Features, b: Features, skip: tuple[str, ...] = ()) -> None:
    for f in fields(Features):
        if f.name not in skip:
            np.testing.assert_array_equal(getattr(a, f.name), getattr(b, f.name), err_msg=f.name)


def _as_the_stage_keeps_it(state: np.ndarray) -> np.ndarray:
    """Each sample's geometry as the identification stage computes it: one sample of every
    track at a time, from the rows of the track table (n, 6)."""
    n, w, _ = state.shape
    geo = np.zeros((n, w, len(GEOMETRY_COLUMNS)))
    for j in range(w):  # a loop over the samples of a test window
        table = np.ascontiguousarray(state[:, j])
        geo[:, j] = sample_geometry(table[:, :3], table[:, 3:])
    return geo


def test_features_from_kept_geometry_equal_features_from_the_window() -> None:
    for seed, n in ((1, 300), (2, 7), (3, 2)):
        window, state = _random_windows(seed, n)
        kept = TrackWindow(
            **{
                f.name: getattr(window, f.name) for f in fields(TrackWindow) if f.name != "geometry"
            },
            geometry=_as_the_stage_keeps_it(state),
        )
        _assert_same(compute_features(kept), compute_features(window))


def test_geometry_of_a_subset_of_tracks_equals_the_whole_table() -> None:
    _, state = _random_windows(4, 200)
    whole = sample_geometry(state[:, 5, :3], state[:, 5, 3:])
    rows = np.array([3, 17, 18, 150, 199])
    part = sample_geometry(state[rows, 5, :3], state[rows, 5, 3:])
    np.testing.assert_array_equal(part, whole[rows])


def test_window_take_keeps_the_geometry() -> None:
    window, state = _random_windows(5, 30)
    kept = TrackWindow(
        **{f.name: getattr(window, f.name) for f in fields(TrackWindow) if f.name != "geometry"},
        geometry=_as_the_stage_keeps_it(state),
    )
    rows = np.array([2, 9, 29])
    assert window.take(rows).geometry is None
    _assert_same(compute_features(kept.take(rows)), compute_features(window.take(rows)))


def test_features_without_map_distances_differ_only_in_them() -> None:
    window, _ = _random_windows(6, 50)
    full = compute_features(window)
    lean = compute_features(window, map_distances=False)
    maps = ("airway_dist_m", "origin_airport_dist_m")
    _assert_same(lean, full, skip=maps)
    for name in maps:
        assert np.isnan(getattr(lean, name)).all()
        assert np.isfinite(getattr(full, name)[2:]).all()
