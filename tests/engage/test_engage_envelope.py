"""Engagement envelopes and earliest intercepts against brute force and kinematics.

An interceptor flying a straight line at mean speed ``v`` cannot meet a target at range ``r``
sooner than ``r / v`` after launch; the envelope (range, altitude, sector, class, horizon)
must hold at the intercept time; the earliest feasible time in the window is chosen.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import pytest
from hypothesis import assume, event, given, settings
from hypothesis import strategies as st

from iamd.engage.envelope import (
    FIRE_CONTROL_ANTENNA_M,
    EffectorArray,
    intercept_options,
    laser_dwell_s,
)
from iamd.geo.geodesic import geodesic_forward, great_circle_distance_m
from iamd.geo.horizon import above_radar_horizon, radar_horizon_range_m
from iamd.geo.wgs84 import ecef_to_lla, enu_rotation, enu_to_ecef, lla_to_ecef
from iamd.scenario.catalog import THREAT_CLASSES

SITE = (44.30, 28.40, 60.0)  # near Constanța (deg, deg, m)
C = {c.value: i for i, c in enumerate(THREAT_CLASSES)}

BASE_UNIT: dict[str, Any] = {
    "nation": "ROU",
    "type": "pac3_mse",
    "kind": "interceptor",
    "lat_deg": SITE[0],
    "lon_deg": SITE[1],
    "alt_m": SITE[2],
    "min_range_m": 3e3,
    "max_range_m": 60e3,
    "max_range_bm_m": 40e3,
    "min_alt_m": 50.0,
    "max_alt_m": 24e3,
    "min_alt_bm_m": 3e3,
    "speed_m_s": 1200.0,
    "reaction_s": 15.0,
    "dwell_s": 0.0,
    "cost_per_shot_usd": 4e6,
    "pk": {"fighter": 0.8, "drone": 0.85, "cruise_missile": 0.8, "ballistic_missile": 0.7},
    "salvo": {"ballistic_missile": 2},
    "magazine": 72,
    "channels": 9,
    "sector_center_deg": 0.0,
    "sector_width_deg": 360.0,
}
"""PAC-3 MSE figures from the built-in catalog (all-round sector for the basic cases)."""


def make_units(ids: tuple[str, ...] = ("u0",), **overrides: Any) -> EffectorArray:
    """Fire units with :data:`BASE_UNIT` figures; an override is a scalar or one per unit."""
    n = len(ids)

    def col(name: str) -> list[Any]:
        v = overrides.get(name, BASE_UNIT[name])
        return list(v) if isinstance(v, list | tuple | np.ndarray) else [v] * n

    lat = np.radians(np.array(col("lat_deg"), dtype=float))
    lon = np.radians(np.array(col("lon_deg"), dtype=float))
    alt = np.array(col("alt_m"), dtype=float)
    pk = np.zeros((n, len(C)))
    salvo = np.ones((n, len(C)), dtype=np.int64)
    for i, (pk_i, salvo_i) in enumerate(zip(col("pk"), col("salvo"), strict=True)):
        for cls, p in pk_i.items():
            pk[i, C[cls]] = p
        for cls, s in salvo_i.items():
            salvo[i, C[cls]] = s

    def f(name: str) -> np.ndarray:
        return np.array(col(name), dtype=float)

    return EffectorArray(
        ids=tuple(ids),
        nation=tuple(col("nation")),
        type=tuple(col("type")),
        kind=tuple(col("kind")),
        lat_rad=lat,
        lon_rad=lon,
        alt_m=alt,
        pos_ecef_m=lla_to_ecef(lat, lon, alt).reshape(-1, 3),
        min_range_m=f("min_range_m"),
        max_range_m=f("max_range_m"),
        max_range_bm_m=f("max_range_bm_m"),
        min_alt_m=f("min_alt_m"),
        max_alt_m=f("max_alt_m"),
        min_alt_bm_m=f("min_alt_bm_m"),
        speed_m_s=f("speed_m_s"),
        reaction_s=f("reaction_s"),
        dwell_s=f("dwell_s"),
        cost_per_shot_usd=f("cost_per_shot_usd"),
        pk=pk,
        salvo=salvo,
        magazine=np.array(col("magazine"), dtype=np.int64),
        channels=np.array(col("channels"), dtype=np.int64),
        sector_center_rad=np.radians(f("sector_center_deg")),
        sector_half_rad=np.radians(f("sector_width_deg")) / 2.0,
    )


def straight_tracks(
    start_enu_m: np.ndarray, vel_enu_m_s: np.ndarray, t_s: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """(M, H, 3) ECEF and (M, H) altitudes of targets flying straight in the site's ENU frame."""
    enu = start_enu_m[:, None, :] + vel_enu_m_s[:, None, :] * t_s[None, :, None]
    lat, lon, alt = np.radians(SITE[0]), np.radians(SITE[1]), SITE[2]
    pos = enu_to_ecef(enu, lat, lon, alt)
    return pos, ecef_to_lla(pos)[2]


def options_for(
    units: EffectorArray,
    start_enu_m: list[list[float]],
    vel_enu_m_s: list[list[float]],
    classes: list[str],
    *,
    t_launch_s: float = 15.0,
    horizon_s: float = 300.0,
    dt_s: float = 2.0,
) -> tuple[Any, np.ndarray, np.ndarray, np.ndarray]:
    t = np.arange(2.0, horizon_s + 0.5 * dt_s, dt_s)
    pos, alt = straight_tracks(np.array(start_enu_m), np.array(vel_enu_m_s), t)
    m = len(classes)
    opts = intercept_options(
        units,
        np.full(len(units), t_launch_s),
        t,
        pos,
        alt,
        np.ones((m, len(t)), dtype=bool),
        np.array([C[c] for c in classes], dtype=np.int64),
        np.array([c == "ballistic_missile" for c in classes]),
    )
    return opts, t, pos, alt


# --- laser dwell -----------------------------------------------------------------------------


def test_laser_dwell_equals_the_input_at_1_km() -> None:
    dwell = np.array([0.5, 2.0, 3.0, 10.0])
    np.testing.assert_array_equal(laser_dwell_s(dwell, np.full(4, 1000.0)), dwell)


@settings(max_examples=200, deadline=None)
@given(
    dwell_s=st.floats(0.1, 20.0),
    r1_m=st.floats(0.0, 30e3),
    r2_m=st.floats(0.0, 30e3),
)
def test_laser_dwell_grows_with_range_and_scales_with_the_1_km_dwell(
    dwell_s: float, r1_m: float, r2_m: float
) -> None:
    assume(abs(r1_m - r2_m) > 1.0)
    near, far = sorted((r1_m, r2_m))
    d = laser_dwell_s(np.array([dwell_s, dwell_s]), np.array([near, far]))
    assert d[0] < d[1]
    assert float(laser_dwell_s(np.array(2.0 * dwell_s), np.array(far))) == pytest.approx(
        2.0 * d[1], rel=1e-12
    )


def test_laser_dwell_follows_spot_growth_and_extinction() -> None:
    # w² = w0² + (θR)², w0 = θ·5 km; extinction 0.1 /km: the dwell at 5 km is
    # (25 + 25) / (25 + 1) × e^0.4 ≈ 2.87 times the 1 km dwell, and ≈ 11.8 times at 10 km.
    d = laser_dwell_s(np.array([1.0, 1.0]), np.array([5e3, 10e3]))
    assert d[0] == pytest.approx(50.0 / 26.0 * math.exp(0.4), rel=1e-9)
    assert d[1] == pytest.approx(125.0 / 26.0 * math.exp(0.9), rel=1e-9)


# --- envelope limits -------------------------------------------------------------------------


def test_target_inside_the_envelope_is_feasible_and_kinematically_reachable() -> None:
    units = make_units()
    # a drone 50 km north at 300 m flying south at 45 m/s
    opts, t, pos, _ = options_for(units, [[0.0, 50e3, 240.0]], [[0.0, -45.0, 0.0]], ["drone"])
    assert opts.feasible.tolist() == [[True]]
    rng = float(opts.range_m[0, 0])
    assert opts.t_s[0, 0] == t[opts.step[0, 0]]
    assert float(opts.t_s[0, 0]) - 15.0 >= rng / 1200.0
    # ... and just one step earlier it was not yet reachable (earliest)
    assert float(t[opts.step[0, 0] - 1]) - 15.0 < (rng + 45.0 * 2.0) / 1200.0 + 1.0
    # the reported range is the slant range at the intercept time
    unit = units.pos_ecef_m[0]
    assert rng == pytest.approx(float(np.linalg.norm(pos[0, opts.step[0, 0]] - unit)), abs=0.01)


def test_target_beyond_max_range_is_infeasible() -> None:
    units = make_units()
    # 80 km away, flying tangentially: never inside 60 km
    opts, *_ = options_for(units, [[0.0, 80e3, 5_000.0]], [[200.0, 0.0, 0.0]], ["fighter"])
    assert opts.feasible.tolist() == [[False]]
    assert np.isinf(opts.t_s[0, 0]) and np.isnan(opts.range_m[0, 0])


def test_ballistic_missile_uses_the_bmd_range() -> None:
    units = make_units()
    # a target hovering 50 km away at 20 km altitude: inside 60 km, outside the 40 km BMD range
    args = ([[0.0, 50e3, 20e3]] * 2, [[0.0, 0.0, 0.0]] * 2, ["fighter", "ballistic_missile"])
    opts, *_ = options_for(units, *args)
    assert opts.feasible.tolist() == [[True, False]]


def test_target_below_min_altitude_is_infeasible() -> None:
    units = make_units()
    # 20 m sea-skimmer vs 50 m floor; BM at 2 km vs the 3 km BMD floor; BM at 5 km is fine
    opts, *_ = options_for(
        units,
        [[0.0, 10e3, 20.0 - 60.0], [0.0, 20e3, 2_000.0], [0.0, 20e3, 5_000.0]],
        [[0.0, 0.0, 0.0]] * 3,
        ["cruise_missile", "ballistic_missile", "ballistic_missile"],
    )
    assert opts.feasible.tolist() == [[False, False, True]]


def test_target_above_max_altitude_is_infeasible() -> None:
    units = make_units()
    opts, *_ = options_for(
        units, [[0.0, 30e3, 30e3], [0.0, 30e3, 20e3]], [[0.0, 0.0, 0.0]] * 2, ["fighter"] * 2
    )
    assert opts.feasible.tolist() == [[False, True]]


def test_target_out_of_sector_is_infeasible() -> None:
    # sector centred east (90°), 120° wide
    units = make_units(sector_center_deg=90.0, sector_width_deg=120.0)
    start = [[30e3, 0.0, 3e3], [0.0, 30e3, 3e3], [-30e3, 0.0, 3e3], [20e3, 20e3, 3e3]]
    opts, *_ = options_for(units, start, [[0.0, 0.0, 0.0]] * 4, ["drone"] * 4)
    # east yes, north (90° off) no, west no, north-east (45° off) yes
    assert opts.feasible.tolist() == [[True, False, False, True]]


def test_class_without_pk_cannot_be_engaged() -> None:
    units = make_units(pk=[{"drone": 0.9}])  # no airliner, fighter, cruise or BM entry
    start = [[0.0, 20e3, 3e3]] * 5
    classes = ["airliner", "fighter", "drone", "cruise_missile", "ballistic_missile"]
    opts, *_ = options_for(units, start, [[0.0, 0.0, 0.0]] * 5, classes)
    assert opts.feasible.tolist() == [[False, False, True, False, False]]


def test_target_below_fire_control_horizon_is_infeasible() -> None:
    units = make_units(alt_m=0.0, max_range_m=100e3, min_alt_m=10.0)
    # 30 m target: horizon of the 10 m fire-control antenna ≈ 4.12 (√10 + √30) ≈ 35.6 km
    assert FIRE_CONTROL_ANTENNA_M == 10.0
    lat, lon, _ = geodesic_forward(
        np.radians(SITE[0]), np.radians(SITE[1]), 0.0, np.array([30e3, 34e3, 37e3, 45e3])
    )
    t = np.arange(2.0, 100.0, 2.0)
    pos = np.repeat(lla_to_ecef(lat, lon, 30.0)[:, None, :], len(t), axis=1)
    alt = np.full((4, len(t)), 30.0)
    opts = intercept_options(
        units,
        np.array([15.0]),
        t,
        pos,
        alt,
        np.ones((4, len(t)), dtype=bool),
        np.full(4, C["drone"]),
        np.zeros(4, dtype=bool),
    )
    assert opts.feasible.tolist() == [[True, True, False, False]]


def test_target_not_flying_cannot_be_intercepted() -> None:
    units = make_units()
    t = np.arange(2.0, 100.0, 2.0)
    pos, alt = straight_tracks(np.array([[0.0, 20e3, 3e3]]), np.zeros((1, 3)), t)
    present = np.zeros((1, len(t)), dtype=bool)
    present[0, 40:] = True  # only from t = 82 s
    opts = intercept_options(
        units, np.array([15.0]), t, pos, alt, present, np.array([C["drone"]]), np.array([False])
    )
    assert opts.feasible.tolist() == [[True]]
    assert opts.t_s[0, 0] == t[40]


def test_laser_needs_its_dwell_instead_of_a_flyout() -> None:
    units = make_units(kind="laser", dwell_s=3.0, speed_m_s=3e8, max_range_m=10e3)
    opts, *_ = options_for(units, [[0.0, 8e3, 300.0]], [[0.0, 0.0, 0.0]], ["drone"], t_launch_s=5.0)
    need = float(laser_dwell_s(np.array(3.0), np.array(opts.range_m[0, 0])))
    assert need > 10.0  # ≈ 3 s × 5.6 at 8 km
    assert float(opts.t_s[0, 0]) - 5.0 >= need
    assert float(opts.t_s[0, 0]) - 2.0 - 5.0 < need  # the first step that allows it


def test_empty_inputs_give_empty_options() -> None:
    units = make_units()
    t = np.arange(2.0, 10.0, 2.0)
    opts = intercept_options(
        units,
        np.array([15.0]),
        t,
        np.zeros((0, len(t), 3)),
        np.zeros((0, len(t))),
        np.zeros((0, len(t)), dtype=bool),
        np.zeros(0, dtype=np.int64),
        np.zeros(0, dtype=bool),
    )
    assert opts.feasible.shape == (1, 0)


# --- earliest feasible intercept against brute force -----------------------------------------


def _brute_force(
    units: EffectorArray,
    t_launch: np.ndarray,
    t: np.ndarray,
    pos: np.ndarray,
    alt: np.ndarray,
    cls: np.ndarray,
    bm: np.ndarray,
) -> tuple[np.ndarray, np.ndarray]:
    """Earliest feasible step per (unit, threat) by looping over every time, with margins.

    Returns the step (-1: none) and a flag that some condition was within a hair of its limit
    (those cases are skipped: the two computations may round differently at the boundary).
    """
    u_n, m_n, h_n = len(units), pos.shape[0], pos.shape[1]
    first = np.full((u_n, m_n), -1)
    close = np.zeros((u_n, m_n), dtype=bool)
    for u in range(u_n):
        antenna = lla_to_ecef(units.lat_rad[u], units.lon_rad[u], units.alt_m[u] + 10.0)
        up = np.array(
            [
                math.cos(units.lat_rad[u]) * math.cos(units.lon_rad[u]),
                math.cos(units.lat_rad[u]) * math.sin(units.lon_rad[u]),
                math.sin(units.lat_rad[u]),
            ]
        )
        east = np.array([-math.sin(units.lon_rad[u]), math.cos(units.lon_rad[u]), 0.0])
        north = np.cross(up, east)
        for m in range(m_n):
            if units.pk[u, cls[m]] <= 0.0:
                continue
            for h in range(h_n):
                d = pos[m, h] - units.pos_ecef_m[u]
                rng = float(np.linalg.norm(d))
                az = math.atan2(float(d @ east), float(d @ north))
                off = abs((az - units.sector_center_rad[u] + math.pi) % (2 * math.pi) - math.pi)
                max_r = units.max_range_bm_m[u] if bm[m] else units.max_range_m[u]
                min_a = units.min_alt_bm_m[u] if bm[m] else units.min_alt_m[u]
                need = rng / units.speed_m_s[u]
                margins = [
                    rng - units.min_range_m[u],
                    max_r - rng,
                    alt[m, h] - min_a,
                    units.max_alt_m[u] - alt[m, h],
                    (units.sector_half_rad[u] - off) * rng,
                    (t[h] - t_launch[u] - need) * units.speed_m_s[u],
                ]
                seen = bool(above_radar_horizon(antenna, pos[m, h]))
                t_lat, t_lon, t_alt = ecef_to_lla(pos[m, h])
                ground = float(
                    great_circle_distance_m(units.lat_rad[u], units.lon_rad[u], t_lat, t_lon)
                )
                horizon = float(radar_horizon_range_m(units.alt_m[u] + 10.0, t_alt))
                if min(abs(x) for x in [*margins, horizon - ground]) < 0.5:  # within 0.5 m
                    close[u, m] = True
                if all(x >= 0.0 for x in margins) and seen:
                    first[u, m] = h
                    break
    return first, close


@settings(max_examples=60, deadline=None)
@given(
    data=st.data(),
    n_units=st.integers(1, 3),
    n_threats=st.integers(1, 4),
)
def test_intercept_is_the_earliest_feasible_step(
    data: st.DataObject, n_units: int, n_threats: int
) -> None:
    km = st.floats(-80.0, 80.0)
    units = make_units(
        ids=tuple(f"u{i}" for i in range(n_units)),
        lat_deg=[SITE[0] + data.draw(st.floats(-0.3, 0.3)) for _ in range(n_units)],
        lon_deg=[SITE[1] + data.draw(st.floats(-0.3, 0.3)) for _ in range(n_units)],
        max_range_m=[data.draw(st.floats(10e3, 80e3)) for _ in range(n_units)],
        speed_m_s=[data.draw(st.floats(300.0, 2000.0)) for _ in range(n_units)],
        sector_center_deg=[data.draw(st.floats(0.0, 360.0)) for _ in range(n_units)],
        sector_width_deg=[data.draw(st.sampled_from([90.0, 120.0, 360.0])) for _ in range(n_units)],
        pk=[
            data.draw(st.sampled_from([BASE_UNIT["pk"], {"drone": 0.9}, {"fighter": 0.5}]))
            for _ in range(n_units)
        ],
    )
    start = [
        [data.draw(km) * 1e3, data.draw(km) * 1e3, data.draw(st.floats(100.0, 15e3))]
        for _ in range(n_threats)
    ]
    vel = [
        [data.draw(st.floats(-300.0, 300.0)), data.draw(st.floats(-300.0, 300.0)), 0.0]
        for _ in range(n_threats)
    ]
    classes = [data.draw(st.sampled_from(["drone", "fighter", "cruise_missile"])) for _ in start]
    t = np.arange(2.0, 200.0, 2.0)
    pos, alt = straight_tracks(np.array(start), np.array(vel), t)
    t_launch = np.array([data.draw(st.floats(0.0, 30.0)) for _ in range(n_units)])
    cls = np.array([C[c] for c in classes], dtype=np.int64)
    bm = np.zeros(n_threats, dtype=bool)
    opts = intercept_options(units, t_launch, t, pos, alt, np.ones(alt.shape, dtype=bool), cls, bm)
    first, close = _brute_force(units, t_launch, t, pos, alt, cls, bm)
    for u in range(n_units):
        for m in range(n_threats):
            if close[u, m]:
                event("skipped: a limit within 0.5 m")
                continue
            event("feasible" if first[u, m] >= 0 else "infeasible")
            assert bool(opts.feasible[u, m]) == (first[u, m] >= 0), (u, m)
            if first[u, m] >= 0:
                assert opts.step[u, m] == first[u, m]
                assert opts.t_s[u, m] == t[first[u, m]]
                assert opts.t_s[u, m] - t_launch[u] >= opts.range_m[u, m] / units.speed_m_s[u]
            else:
                assert np.isinf(opts.t_s[u, m])


# --- the pruned computation against the dense one ---------------------------------------------


def _dense_options(
    units: EffectorArray,
    t_launch: np.ndarray,
    t: np.ndarray,
    pos: np.ndarray,
    alt: np.ndarray,
    present: np.ndarray,
    cls: np.ndarray,
    bm: np.ndarray,
    allowed: np.ndarray,
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Every test on the whole units × threats × window tensor, the horizon included, no
    pruning: what :func:`intercept_options` computes on the pairs and times it keeps."""
    diff = pos[None] - units.pos_ecef_m[:, None, None, :]
    rng = np.sqrt(np.einsum("umhk,umhk->umh", diff, diff))
    max_rng = np.where(bm[None, :], units.max_range_bm_m[:, None], units.max_range_m[:, None])
    enu = np.einsum("uij,umhj->umhi", enu_rotation(units.lat_rad, units.lon_rad), diff)
    az = np.mod(np.arctan2(enu[..., 0], enu[..., 1]), 2 * np.pi)
    off = np.abs(np.mod(az - units.sector_center_rad[:, None, None] + np.pi, 2 * np.pi) - np.pi)
    min_alt = np.where(bm[None, :], units.min_alt_bm_m[:, None], units.min_alt_m[:, None])
    antenna = lla_to_ecef(units.lat_rad, units.lon_rad, units.alt_m + FIRE_CONTROL_ANTENNA_M)
    seen = above_radar_horizon(antenna.reshape(-1, 1, 1, 3), pos[None])
    laser = units.is_laser[:, None, None]
    need = np.where(laser, laser_dwell_s(units.dwell_s[:, None, None], rng),
                    rng / units.speed_m_s[:, None, None])  # fmt: skip
    ok = (
        present[None]
        & (rng >= units.min_range_m[:, None, None])
        & (rng <= max_rng[..., None])
        & (alt[None] >= min_alt[..., None])
        & (alt[None] <= units.max_alt_m[:, None, None])
        & (off <= units.sector_half_rad[:, None, None])
        & seen
        & (t[None, None, :] - t_launch[:, None, None] >= need)
        & (units.pk[:, cls] > 0.0)[..., None]
        & allowed[..., None]
    )
    feasible = ok.any(axis=2)
    step = np.where(feasible, np.argmax(ok, axis=2), 0)
    t_s = np.where(feasible, t[step], np.inf)
    r = np.take_along_axis(rng, step[..., None], axis=2)[..., 0]
    return feasible, t_s, step, np.where(feasible, r, np.nan)


@settings(max_examples=40, deadline=None)
@given(seed=st.integers(0, 2**32 - 1), n_units=st.integers(1, 6), n_threats=st.integers(1, 8))
def test_pruned_intercepts_equal_the_dense_computation_bit_for_bit(
    seed: int, n_units: int, n_threats: int
) -> None:
    """The pairs ``intercept_options`` prunes (not allowed, no Pk, never within range by the
    box bound) and the times at which it skips the horizon change no bit of the result."""
    rng = np.random.default_rng(seed)
    units = make_units(
        ids=tuple(f"u{i}" for i in range(n_units)),
        lat_deg=list(SITE[0] + rng.uniform(-1.0, 1.0, n_units)),
        lon_deg=list(SITE[1] + rng.uniform(-1.0, 1.0, n_units)),
        max_range_m=list(rng.uniform(5e3, 150e3, n_units)),
        max_range_bm_m=list(rng.uniform(5e3, 100e3, n_units)),
        speed_m_s=list(rng.uniform(300.0, 2000.0, n_units)),
        sector_center_deg=list(rng.uniform(0.0, 360.0, n_units)),
        sector_width_deg=list(rng.choice([90.0, 120.0, 360.0], n_units)),
        kind=list(rng.choice(["interceptor", "laser"], n_units)),
        dwell_s=list(rng.uniform(1.0, 5.0, n_units)),
        pk=[
            [BASE_UNIT["pk"], {"drone": 0.9}, {"ballistic_missile": 0.8}][i % 3]
            for i in range(n_units)
        ],
    )
    t = np.arange(2.0, 300.0, 2.0)
    start = np.column_stack([rng.uniform(-200e3, 200e3, (n_threats, 2)),
                             rng.uniform(20.0, 40e3, n_threats)])  # fmt: skip
    vel = np.column_stack([rng.uniform(-900.0, 900.0, (n_threats, 2)),
                           rng.uniform(-150.0, 50.0, n_threats)])  # fmt: skip
    pos, alt = straight_tracks(start, vel, t)
    present = rng.random((n_threats, len(t))) < 0.9
    present[rng.random(n_threats) < 0.2] = False  # some never fly in the window
    cls = rng.choice([C["drone"], C["fighter"], C["ballistic_missile"]], n_threats)
    bm = cls == C["ballistic_missile"]
    t_launch = rng.uniform(0.0, 30.0, n_units)
    allowed = rng.random((n_units, n_threats)) < 0.8
    opts = intercept_options(units, t_launch, t, pos, alt, present, cls, bm, allowed)
    want = _dense_options(units, t_launch, t, pos, alt, present, cls, bm, allowed)
    for name, w in zip(("feasible", "t_s", "step", "range_m"), want, strict=True):
        got = getattr(opts, name)
        assert got.shape == w.shape
        assert got.tobytes() == np.asarray(w, dtype=got.dtype).tobytes(), name


@settings(max_examples=40, deadline=None)
@given(seed=st.integers(0, 2**32 - 1))
def test_range_prefilter_keeps_every_pair_that_comes_within_range(seed: int) -> None:
    """The box bound never drops a pair whose threat comes within range, even when the
    range equals the closest approach to the last bit; it drops pairs well out of range
    and threats that never fly in the window."""
    from iamd.engage.envelope import _may_come_within

    rng = np.random.default_rng(seed)
    u_n, m_n, h_n = 4, 6, 50
    sites = lla_to_ecef(np.radians(rng.uniform(40, 46, u_n)), np.radians(rng.uniform(20, 30, u_n)),
                        0.0).reshape(-1, 3)  # fmt: skip
    pos = lla_to_ecef(
        np.radians(rng.uniform(40, 46, (m_n, 1))),
        np.radians(rng.uniform(20, 30, (m_n, 1))),
        rng.uniform(0, 30e3, (m_n, 1)),
    ).reshape(m_n, 1, 3)
    pos = pos + np.cumsum(rng.normal(0.0, 2e3, (m_n, h_n, 3)), axis=1)
    present = rng.random((m_n, h_n)) < 0.7
    present[0] = False
    d = np.linalg.norm(pos[None] - sites[:, None, None, :], axis=-1)
    closest = np.where(present[None], d, np.inf).min(axis=2)
    assert _may_come_within(sites, pos, present, np.where(np.isfinite(closest), closest, 0.0))[
        :, 1:
    ].all()
    assert not _may_come_within(sites, pos, present, np.full((u_n, m_n), 1e9))[:, 0].any()
    one = np.zeros_like(present)  # one present time: the box is the point, the bound exact
    one[np.arange(m_n), rng.integers(0, h_n, m_n)] = True
    closest_one = np.where(one[None], d, np.inf).min(axis=2)
    assert not _may_come_within(sites, pos, one, 0.999 * closest_one - 2.0).any()
    assert _may_come_within(sites, pos, one, closest_one).all()
