"""Sensing's fast paths against the primitives they replace, bit for bit."""

from __future__ import annotations

import numpy as np

from iamd.scenario.loader import load_scenario
from iamd.sense.radar import (
    INSTRUMENTED_RANGE_FACTOR,
    Plots,
    SensorArray,
    detect,
    detection_probability,
    in_reach,
    measure,
    pd_of_step,
    scanning,
    visibility,
)
from iamd.sim.setup import build_sensors


def _dense_detect(
    sensors: SensorArray,
    pos_ecef_m: np.ndarray,
    present: np.ndarray,
    rcs_m2: np.ndarray,
    t_s: float,
    dt_s: float,
    generators: list[np.random.Generator],
) -> Plots:
    """The detection model over the whole (radar, object) matrix: every scanning radar's
    visibility and Pd of every present object, as the engine computed them before the pairs
    out of reach were left out."""
    looks = scanning(sensors, t_s, dt_s)
    s_idx = np.flatnonzero(looks)
    n = len(pos_ecef_m)
    obj = np.flatnonzero(present)
    visible, az, el, rng = visibility(sensors, pos_ecef_m[obj], s_idx)
    pd = pd_of_step(detection_probability(sensors, rng, rcs_m2[obj], s_idx), looks[s_idx][:, None])
    u = np.empty((len(s_idx), n))
    z = np.empty((len(s_idx), n, 3))
    for row, s in enumerate(s_idx):  # a loop over the radars of a test
        u[row] = generators[s].random(n)
        z[row] = generators[s].standard_normal((n, 3))
    rows, cols = np.nonzero(visible & (u[:, obj] < pd))
    ent = obj[cols]
    sensor = s_idx[rows].astype(np.int64)
    m_rng, m_az, m_el, pos, cov = measure(
        sensors, sensor, az[rows, cols], el[rows, cols], rng[rows, cols], z[rows, ent]
    )
    k = len(rows)
    return Plots(
        t_s=np.full(k, float(t_s)),
        sensor=sensor,
        entity=ent.astype(np.int64),
        range_m=m_rng,
        az_rad=m_az,
        el_rad=m_el,
        pos_ecef_m=pos,
        cov_ecef_m2=cov,
        squawk=np.zeros(k, dtype=bool),
        iff=np.zeros(k, dtype=bool),
        rcs_m2=np.full(k, np.nan),
        reported_alt_m=np.full(k, np.nan),
    )


def test_detect_over_pairs_in_reach_equals_the_dense_matrix() -> None:
    sensors = build_sensors(load_scenario("balkans"))
    rng = np.random.default_rng(7)
    for trial in range(12):  # a loop over random skies
        n = int(rng.integers(1, 2500))
        near = sensors.pos_ecef_m[rng.integers(0, len(sensors), n)]
        up = near / np.linalg.norm(near, axis=1, keepdims=True)
        pos = near + rng.normal(0.0, 250e3, (n, 3)) * [1.0, 1.0, 0.3]
        pos += up * rng.choice([30.0, 500.0, 9000.0, 60e3], n)[:, None]
        present = rng.random(n) < 0.8
        rcs = 10.0 ** rng.uniform(-2.0, 2.0, n)
        t = float(rng.uniform(0.0, 3000.0))
        fast_gen = [np.random.default_rng([trial, s]) for s in range(len(sensors))]
        dense_gen = [np.random.default_rng([trial, s]) for s in range(len(sensors))]
        fast = detect(sensors, pos, present, rcs, t, 2.0, fast_gen)
        dense = _dense_detect(sensors, pos, present, rcs, t, 2.0, dense_gen)
        assert len(dense) > 0
        for name in Plots.__slots__:
            np.testing.assert_array_equal(getattr(fast, name), getattr(dense, name), name)
        for a, b in zip(fast_gen, dense_gen, strict=True):  # the streams left alike
            assert a.random() == b.random()


def test_in_reach_keeps_every_pair_within_the_instrumented_range() -> None:
    sensors = build_sensors(load_scenario("balkans"))
    rows = np.arange(len(sensors))
    reach = INSTRUMENTED_RANGE_FACTOR * sensors.range_ref_m
    # targets just inside and just outside each radar's reach, straight up
    up = sensors.pos_ecef_m / np.linalg.norm(sensors.pos_ecef_m, axis=1, keepdims=True)
    inside = sensors.pos_ecef_m + up * (reach * (1.0 - 1e-9))[:, None]
    outside = sensors.pos_ecef_m + up * (reach * (1.0 + 1e-5))[:, None]
    r, c = in_reach(sensors, rows, np.concatenate([inside, outside]))
    pairs = set(zip(r.tolist(), c.tolist(), strict=True))
    s = len(sensors)
    assert all((i, i) in pairs for i in range(s))
    assert not any((i, s + i) in pairs for i in range(s))
    assert list(zip(r, c, strict=True)) == sorted(zip(r, c, strict=True))
