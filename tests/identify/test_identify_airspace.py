"""Airspace control measures: the scenario's ``airspace:`` section, validated at the edge, and
the geographic queries of `iamd.identify.airspace` against independent geodesy (pyproj)."""

from __future__ import annotations

import numpy as np
import pytest
from pyproj import Geod

from iamd.errors import ScenarioError
from iamd.geo.wgs84 import R_MEAN_M, enu_vector_to_ecef, lla_to_ecef
from iamd.identify.airspace import DECLARABLE, NO_AIRSPACE, Airspace
from iamd.scenario.loader import load_scenario, load_scenario_text

GEOD = Geod(ellps="WGS84")
SOURCE = "scenario.yaml"

HEAD = """\
name: tiny
epoch: 2026-03-10T02:00:00Z
duration_s: 60
nations:
  - {code: ROU, name: Romania}
  - {code: BGR, name: Bulgaria}
assets:
  - {name: npp, nation: ROU, lat_deg: 44.32, lon_deg: 28.06, kind: nuclear, value: 10}
"""


def pos(lat: float, lon: float, alt: float = 0.0) -> np.ndarray:
    return np.asarray(lla_to_ecef(np.radians(lat), np.radians(lon), alt)).reshape(-1, 3)


def load(airspace: str) -> Airspace:
    return Airspace.from_scenario(load_scenario_text(HEAD + airspace, SOURCE).scenario)


def message(airspace: str) -> str:
    with pytest.raises(ScenarioError) as info:
        load_scenario_text(HEAD + airspace, SOURCE)
    return str(info.value)


def test_builtin_theatre_declares_its_measures() -> None:
    a = Airspace.from_scenario(load_scenario("balkans").scenario)
    assert {"GRC", "BGR", "ROU", "TUR"} <= a.friendly
    assert a.hostile == {"IRN", "RUS"}
    assert "kozloduy_npp_zone" in a.zone_names
    # the sea-launched drones of the built-in raids start inside the launch area, low
    for lat, lon in [(44.10, 30.00), (44.40, 29.90), (43.20, 29.20)]:
        assert a.launch_area_at(pos(lat, lon, 300.0)).tolist() == [0]
        assert a.launch_area_at(pos(lat, lon, 3500.0)).tolist() == [-1]  # above the ceiling
    # the coast is not a launch area
    assert a.launch_area_at(pos(44.17, 28.66, 100.0)).tolist() == [-1]
    assert "Airspace(" in repr(a) and "kozloduy_npp_zone" in repr(a)


def test_zone_radius_against_pyproj() -> None:
    a = load(
        "airspace:\n  protected_zones:\n"
        "    - {name: z, asset: npp, radius_km: 10, floor_m: 0, ceiling_m: 3000}\n"
    )
    for az in (0.0, 90.0, 225.0):
        for d, expect in ((9_950.0, 0), (10_050.0, -1)):
            lon, lat, _ = GEOD.fwd(28.06, 44.32, az, d)
            assert a.zone_at(pos(lat, lon, 500.0)).tolist() == [expect]
    assert a.zone_at(pos(44.32, 28.06, 3001.0)).tolist() == [-1]
    assert a.zone_at(pos(44.32, 28.06, -1.0)).tolist() == [-1]


def test_disc_launch_area_against_pyproj() -> None:
    a = load(
        "airspace:\n  launch_areas:\n"
        "    - {name: box, lat_deg: 43.0, lon_deg: 31.0, radius_km: 50, ceiling_m: 1000}\n"
    )
    for az in (10.0, 100.0, 280.0):
        lon, lat, _ = GEOD.fwd(31.0, 43.0, az, 49_000.0)
        assert a.launch_area_at(pos(lat, lon, 0.0)).tolist() == [0]
        lon, lat, _ = GEOD.fwd(31.0, 43.0, az, 51_000.0)
        assert a.launch_area_at(pos(lat, lon, 0.0)).tolist() == [-1]


def test_closing_on_an_asset_and_its_time_to_go() -> None:
    a = Airspace.build(assets=[("npp", 44.32, 28.06, 1e3)])
    lon, lat, back = GEOD.fwd(28.06, 44.32, 90.0, 50_000.0)  # 50 km east of the asset
    here = pos(lat, lon, 300.0)
    towards = np.radians(back)  # azimuth from here back to the asset
    v = np.array([[50.0 * np.sin(towards), 50.0 * np.cos(towards), 0.0]])
    vel = np.asarray(enu_vector_to_ecef(v, np.radians(lat), np.radians(lon))).reshape(1, 3)
    idx, ttg = a.closing_on(here, vel, max_time_to_go_s=3600.0, min_closing_share=0.7)
    assert idx.tolist() == [0]
    assert ttg[0] == pytest.approx(49_000.0 / 50.0, rel=0.01)
    idx, _ = a.closing_on(here, -vel, max_time_to_go_s=3600.0, min_closing_share=0.7)
    assert idx.tolist() == [-1]
    idx, _ = a.closing_on(here, vel, max_time_to_go_s=900.0, min_closing_share=0.7)
    assert idx.tolist() == [-1]  # 980 s to go


def test_corridor_half_width_and_band() -> None:
    a = load(
        "airspace:\n  corridors:\n    - name: c\n      half_width_km: 5\n"
        "      floor_m: 1000\n      ceiling_m: 6000\n"
        "      points: [{lat_deg: 43.0, lon_deg: 28.0}, {lat_deg: 45.0, lon_deg: 28.0}]\n"
    )
    assert a.in_corridor(pos(44.0, 28.0, 3000.0)).tolist() == [True]
    for d, inside in ((4_900.0, True), (5_100.0, False)):
        lon, lat, _ = GEOD.fwd(28.0, 44.0, 90.0, d)  # east of a meridian leg
        assert a.in_corridor(pos(lat, lon, 3000.0)).tolist() == [inside]
    assert a.in_corridor(pos(44.0, 28.0, 7000.0)).tolist() == [False]
    assert a.in_corridor(pos(45.2, 28.0, 3000.0)).tolist() == [False]  # past its end


def test_declarations_hold_in_their_window_and_disc() -> None:
    a = load(
        "airspace:\n  declarations:\n"
        "    - {time_s: 100, duration_s: 30, lat_deg: 44.0, lon_deg: 28.0, radius_km: 5, "
        "identity: neutral}\n"
    )
    p = pos(44.0, 28.0, 1000.0)
    assert a.declared(99.0, p).tolist() == [-1]
    assert [DECLARABLE[k] for k in a.declared(100.0, p)] == ["neutral"]
    assert a.declared(131.0, p).tolist() == [-1]
    assert a.declared(110.0, pos(44.1, 28.0, 1000.0)).tolist() == [-1]


def test_no_airspace_has_no_evidence() -> None:
    p = pos(44.0, 28.0, 100.0)
    assert NO_AIRSPACE.zone_at(p).tolist() == [-1]
    assert NO_AIRSPACE.launch_area_at(p).tolist() == [-1]
    assert NO_AIRSPACE.closing_on(p, p, max_time_to_go_s=1.0, min_closing_share=0.5)[0][0] == -1
    assert not NO_AIRSPACE.friendly and not NO_AIRSPACE.hostile


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (
            "airspace:\n  hostile_nations: [XYZ]\n",
            "scenario.yaml:10: airspace.hostile_nations[0]: no country with that ADM0_A3 code "
            "in the borders data (got 'XYZ')",
        ),
        (
            "airspace:\n  hostile_nations: [ROU]\n",
            "scenario.yaml:10: airspace.hostile_nations[0]: a nation cannot be both friendly "
            "and hostile (got 'ROU')",
        ),
        (
            "airspace:\n  protected_zones:\n    - {name: z, asset: nope, radius_km: 5}\n",
            "scenario.yaml:11: airspace.protected_zones[0].asset: no defended asset of that name "
            "(got 'nope'; allowed: npp)",
        ),
        (
            "airspace:\n  protected_zones:\n"
            "    - {name: z, asset: npp, radius_km: 5, floor_m: 100, ceiling_m: 50}\n",
            "scenario.yaml:11: airspace.protected_zones[0]: ceiling_m must be above floor_m "
            "(got 100..50)",
        ),
        (
            "airspace:\n  launch_areas:\n    - {name: a, lat_deg: 43.0, lon_deg: 31.0}\n",
            "scenario.yaml:11: airspace.launch_areas[0]: a disc needs `lat_deg`, `lon_deg` and "
            "`radius_km` (got {'name': 'a', 'lat_deg': 43.0, 'lon_deg': 31.0})",
        ),
        (
            "airspace:\n  declarations:\n"
            "    - {time_s: 1, lat_deg: 44, lon_deg: 28, radius_km: 5, identity: suspect}\n",
            "scenario.yaml:11: airspace.declarations[0].identity: Input should be 'hostile', "
            "'neutral' or 'friend' (got 'suspect')",
        ),
    ],
)
def test_bad_airspace_names_file_line_field_and_value(text: str, expected: str) -> None:
    assert message(text) == expected


def _closing_reference(
    a: Airspace, p: np.ndarray, v: np.ndarray, t_max: float, share: float
) -> tuple[np.ndarray, np.ndarray]:
    """The closing test as geometry: the unit vector along the great circle towards each asset
    in the local horizontal plane, the closing speed along it, the distance on the sphere."""
    u = p / np.linalg.norm(p, axis=1, keepdims=True)
    v_h = v - np.einsum("ni,ni->n", v, u)[:, None] * u
    speed = np.linalg.norm(v_h, axis=1)
    towards = a.asset_unit[None] - np.einsum("nj,aj->na", u, a.asset_unit)[:, :, None] * u[:, None]
    tn = np.linalg.norm(towards, axis=2)
    towards = towards / np.where(tn > 1e-12, tn, 1.0)[:, :, None]
    closing = np.einsum("nai,ni->na", towards, v_h)
    ang = np.arccos(np.clip(u @ a.asset_unit.T, -1.0, 1.0))
    dist = np.maximum(ang * R_MEAN_M - a.asset_radius_m, 0.0)
    ok = (closing >= share * speed[:, None]) & (closing > 0.0) & (dist <= closing * t_max)
    ttg = np.where(ok, dist / np.where(closing > 0.0, closing, 1.0), np.inf)
    best = ttg.argmin(axis=1)
    t_best = ttg[np.arange(len(p)), best]
    return np.where(np.isfinite(t_best), best, -1), t_best


def test_closing_on_equals_the_geometric_reference_on_random_tracks() -> None:
    a = Airspace.from_scenario(load_scenario("balkans").scenario)
    rng = np.random.default_rng(3)
    n = 20_000
    lat, lon = rng.uniform(34.0, 48.5, n), rng.uniform(19.0, 40.0, n)
    p = np.asarray(lla_to_ecef(np.radians(lat), np.radians(lon), rng.uniform(0, 12e3, n)))
    enu = np.stack([rng.normal(0, 150, n), rng.normal(0, 150, n), rng.normal(0, 20, n)], 1)
    v = enu_vector_to_ecef(enu, np.radians(lat), np.radians(lon)).reshape(n, 3)
    for t_max, share in ((3600.0, 0.7), (600.0, 0.9), (7200.0, 0.0)):
        idx, ttg = a.closing_on(p, v, max_time_to_go_s=t_max, min_closing_share=share)
        ref_idx, ref_ttg = _closing_reference(a, p, v, t_max, share)
        # the same asset but for ties and pairs within rounding of a bound
        same = idx == ref_idx
        assert same.mean() > 0.9999, (t_max, share)
        assert (idx >= 0).sum() > 300
        np.testing.assert_allclose(ttg[same], ref_ttg[same], rtol=1e-9)
