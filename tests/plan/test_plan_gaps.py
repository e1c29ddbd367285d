"""The gap matrix: attribution, layers, per-nation values and the dependency index."""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pytest
import scipy.sparse as sp

from iamd.cli import main
from iamd.plan.coverage import unit_array
from iamd.plan.demand import AXIS_MERGE_M, DefendedAsset, ThreatAxis, build_demand, threat_axes
from iamd.plan.gaps import analyse, gap_analysis
from iamd.scenario.catalog import builtin_catalog
from iamd.scenario.loader import load_scenario
from iamd.scenario.schema import Policy

CAT = builtin_catalog()


def _demand():
    assets = [
        DefendedAsset(name="a", nation="BGR", lat_deg=42.7, lon_deg=23.3, value=10.0),
        DefendedAsset(name="b", nation="BGR", lat_deg=42.5, lon_deg=27.5, value=4.0),
        DefendedAsset(name="c", nation="GRC", lat_deg=40.6, lon_deg=22.9, value=6.0),
    ]
    axes = [
        ThreatAxis(
            name="bm",
            threat_class="ballistic_missile",
            threat_type="khorramshahr",
            lat_deg=38.55,
            lon_deg=44.95,
            aimed={"a": 2},
        )
    ]
    return build_demand(CAT, assets, axes)


def _units(n: int):
    return unit_array(
        CAT,
        ["pac3_mse"] * n,
        np.zeros(n),
        np.zeros(n),
        np.zeros(n),
        ids=[f"u{i}" for i in range(n)],
        nation=["BGR", "BGR", "GRC", "USA"][:n],
    )


def test_tags_layers_values_and_dependency_index() -> None:
    d = _demand()
    assert d.weight.tolist() == [30.0, 4.0, 6.0]  # value × (1 + aimed) / axes
    units = _units(4)  # u0 own BGR, u1 BGR lent by USA, u2 GRC, u3 USA
    lent = ("", "USA", "", "")
    cov = sp.csr_matrix(np.array([[1, 0, 1, 1], [0, 1, 0, 0], [1, 0, 0, 1]], bool))
    g = analyse(d, cov, units, lent, "integrated", {"BGR": True, "GRC": True, "USA": True})
    assert g.rows["layers"].tolist() == [3, 1, 2]
    assert g.rows["own_layers"].tolist() == [1, 0, 0]
    assert g.rows["lent_layers"].tolist() == [0, 1, 0]
    assert g.rows["allied_layers"].tolist() == [2, 0, 2]
    tags = sorted(
        zip(g.cover["row"], g.cover["unit"], g.cover["tag"], g.cover["owner"], strict=True)
    )
    assert tags == [
        (0, "u0", "own", "BGR"),
        (0, "u2", "allied", "GRC"),
        (0, "u3", "allied", "USA"),
        (1, "u1", "lent", "USA"),
        (2, "u0", "allied", "BGR"),
        (2, "u3", "allied", "USA"),
    ]
    bgr = g.nations.query("nation == 'BGR' and threat_class == 'all'").iloc[0]
    assert (bgr.value, bgr.covered_alone, bgr.covered_with_allies) == (34.0, 30.0, 34.0)
    assert bgr.dependency == pytest.approx(4.0 / 34.0)
    grc = g.nations.query("nation == 'GRC' and threat_class == 'all'").iloc[0]
    assert (grc.covered_alone, grc.covered_with_allies, grc.dependency) == (0.0, 6.0, 1.0)
    u = g.units.set_index(["unit", "nation"])
    assert u.loc[("u1", "BGR"), "value_lost"] == 4.0  # the only layer of row b
    assert u.loc[("u2", "BGR"), "value_lost"] == 0.0  # row a keeps u0 and u3
    assert u.loc[("u3", "GRC"), "value_lost"] == 0.0  # row c keeps u0
    assert u.loc[("u1", "BGR"), "covered_alone_plus_unit"] == 34.0


def test_national_policy_counts_no_allied_unit() -> None:
    d = _demand()
    units = _units(4)
    cov = sp.csr_matrix(np.array([[0, 0, 1, 1], [0, 1, 0, 0], [0, 0, 1, 0]], bool))
    parts = {"BGR": True, "GRC": True, "USA": True}
    g = analyse(d, cov, units, ("", "USA", "", ""), "national", parts)
    assert g.rows["layers"].tolist() == [0, 1, 1]  # lent to BGR; GRC's own unit for c
    g2 = analyse(d, cov, units, ("", "USA", "", ""), "integrated", parts)
    assert g2.rows["layers"].tolist() == [2, 1, 1]
    # a nation that does not participate gets no allied cover under integrated
    g3 = analyse(d, cov, units, ("", "USA", "", ""), "integrated", {**parts, "BGR": False})
    assert g3.rows["layers"].tolist() == [0, 1, 1]


def test_builtin_theatre_bulgaria_ballistic_gap_alone_and_with_the_greek_battery() -> None:
    loaded = load_scenario("balkans")
    g = gap_analysis(loaded)
    bm = g.nations.query("nation == 'BGR' and threat_class == 'ballistic_missile'").iloc[0]
    assert bm.covered_alone == 0.0  # no Bulgarian BMD
    assert bm.covered_with_allies == pytest.approx(bm.value)
    gr = g.units.query("unit == 'gr_patriot_north' and nation == 'BGR'").iloc[0]
    assert gr.tag == "allied" and gr.owner == "GRC"
    assert (
        gr.covered_alone_plus_unit
        > g.nations.query("nation == 'BGR' and threat_class == 'all'").iloc[0].covered_alone
    )
    # From northern Greece the battery reaches no Bulgarian asset against ballistic missiles:
    # the nearest, Kardzhali, is ~56 km from its site, beyond PAC-3 MSE's ~40 km against
    # them (reference §4.6: "not supported by published engagement ranges"); Bulgaria's
    # ballistic cover is the SM-3 at Deveselu alone.
    bg_bm = g.rows.query("nation == 'BGR' and threat_class == 'ballistic_missile'")
    assert not bg_bm["units"].str.contains("gr_patriot_north").any()
    assert bg_bm["units"].str.fullmatch(r"us_sm3_deveselu \(USA\)").all()
    # against cruise missiles it is Kardzhali's only layer on the axes that miss Burgas
    kard = g.rows.query("asset == 'kardzhali' and threat_class == 'cruise_missile'")
    assert kard["units"].str.contains("gr_patriot_north").all()
    sc = loaded.scenario
    effs = [e for e in sc.effectors if e.id != "gr_patriot_north"]
    g2 = gap_analysis(replace(loaded, scenario=sc.model_copy(update={"effectors": effs})))
    kard2 = g2.rows.query("asset == 'kardzhali' and threat_class == 'cruise_missile'")
    assert (kard2["layers"].to_numpy() == kard["layers"].to_numpy() - 1).all()
    assert (~kard2["covered_with_allies"]).sum() == 2
    # under the national policy no allied unit counts: the ballistic gap is total
    nat = replace(loaded, scenario=sc.model_copy(update={"policy": Policy.NATIONAL}))
    bm3 = (
        gap_analysis(nat)
        .nations.query("nation == 'BGR' and threat_class == 'ballistic_missile'")
        .iloc[0]
    )
    assert bm3.covered_with_allies == 0.0


def test_axes_merge_within_the_radius_and_not_beyond() -> None:
    from iamd.plan.demand import _dist_m

    loaded = load_scenario("balkans")
    axes = threat_axes(loaded)
    for i, a in enumerate(axes):
        for b in axes[i + 1 :]:
            if a.threat_class == b.threat_class:
                assert _dist_m(a.lat_deg, a.lon_deg, b.lat_deg, b.lon_deg) > AXIS_MERGE_M


def test_demand_row_exists_only_within_the_threat_range() -> None:
    from iamd.geo.geodesic import geodesic_forward

    reach = CAT.threats["shahab3"].max_range_km * 1e3
    lat, lon, _ = geodesic_forward(
        np.radians(38.0),
        np.radians(45.0),
        np.radians(300.0),
        np.array([reach - 100.0, reach + 100.0]),
    )
    assets = [
        DefendedAsset(
            name=f"p{i}",
            nation="BGR",
            lat_deg=float(np.degrees(la)),
            lon_deg=float(np.degrees(lo)),
            value=1.0,
        )
        for i, (la, lo) in enumerate(zip(lat, lon, strict=True))
    ]
    ax = [
        ThreatAxis(
            name="x",
            threat_class="ballistic_missile",
            threat_type="shahab3",
            lat_deg=38.0,
            lon_deg=45.0,
        )
    ]
    d = build_demand(CAT, assets, ax)
    assert d.asset.tolist() == [0]


def test_gaps_command_writes_identical_bytes_twice(tmp_path, capsys) -> None:
    assert main(["gaps", "--out", str(tmp_path / "a"), "--quiet"]) == 0
    assert main(["gaps", "--out", str(tmp_path / "b"), "--quiet"]) == 0
    names = sorted(p.name for p in (tmp_path / "a").iterdir())
    assert names == sorted(
        [
            "gaps_rows.parquet",
            "gaps_cover.parquet",
            "gaps_nations.parquet",
            "gaps_units.parquet",
            "gaps.html",
        ]
    )
    for n in names:
        assert (tmp_path / "a" / n).read_bytes() == (tmp_path / "b" / n).read_bytes(), n


def test_gaps_command_bad_scenario_exits_2_and_writes_nothing(tmp_path, capsys) -> None:
    out = tmp_path / "o"
    assert main(["gaps", str(tmp_path / "missing.yaml"), "--out", str(out)]) == 2
    assert "error:" in capsys.readouterr().err
    assert not out.exists()


@pytest.mark.parametrize(("km", "merged"), [(49.999, True), (50.001, False)])
def test_axis_merge_radius_boundary(km: float, merged: bool) -> None:
    from iamd.geo.wgs84 import R_MEAN_M
    from iamd.scenario.schema import Raid

    loaded = load_scenario("balkans")
    lat2 = 38.0 + float(np.degrees(km * 1e3 / R_MEAN_M))
    raids = [
        Raid.model_validate(
            {
                "id": "r1",
                "type": "emad",
                "launch": {"lat_deg": 38.0, "lon_deg": 45.0},
                "aim": {"asset": "sofia"},
            }
        ),
        Raid.model_validate(
            {
                "id": "r2",
                "type": "emad",
                "launch": {"lat_deg": lat2, "lon_deg": 45.0},
                "aim": {"asset": "sofia"},
            }
        ),
    ]
    sc = loaded.scenario.model_copy(update={"raids": raids})
    axes = threat_axes(replace(loaded, scenario=sc))
    assert len(axes) == (1 if merged else 2)
    if merged:
        assert axes[0].count == 2 and axes[0].aimed == {"sofia": 2}


def test_residual_leak_is_the_product_over_covering_layers() -> None:
    from iamd.plan.cli import residual_leak

    units = _units(3)  # pac3_mse: pk 0.9 against BMs? take the catalog's
    pk = units.pk[0, 4]
    salvo = units.salvo[0, 4]
    covers = sp.csr_matrix(np.array([[1, 1, 0], [0, 0, 0], [1, 0, 0]], bool))
    leak = residual_leak(covers, units, np.array([4, 4, 4]))
    one = (1 - pk) ** salvo
    assert leak == pytest.approx([one * one, 1.0, one])
