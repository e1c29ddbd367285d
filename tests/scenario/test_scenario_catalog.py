"""The built-in catalog against its public reference (shared/reference/public-parameters.md).

Each figure tagged SRC in the reference and used by the catalog is asserted here, in a test named
after the system and citing the reference key ([Rnn]) it comes from. Estimates (EST), claims and
assumed kill probabilities are checked only for consistency, never against a "true" value.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from iamd.errors import CatalogError
from iamd.scenario.catalog import Catalog, ThreatClass, builtin_catalog

REFERENCE = Path(__file__).resolve().parents[3] / "shared" / "reference" / "public-parameters.md"
KEY = re.compile(r"^\[(R\d+b?)\] ")
URL = re.compile(r"https?://\S+")

BM = ThreatClass.BALLISTIC_MISSILE


@pytest.fixture(scope="module")
def cat() -> Catalog:
    return builtin_catalog()


def _all_entries(cat: Catalog) -> list[tuple[str, str, object]]:
    return [
        *(("sensors", k, v) for k, v in cat.sensors.items()),
        *(("effectors", k, v) for k, v in cat.effectors.items()),
        *(("threats", k, v) for k, v in cat.threats.items()),
    ]


# --- every entry -----------------------------------------------------------------------------


def test_catalog_has_the_reference_systems(cat: Catalog) -> None:
    assert set(cat.sensors) == {
        "patriot_mpq65",
        "ground_master_400",
        "smart_l_mm",
        "an_tpy2",
        "trml_4d",
        "s300_30n6",
        "skynex_fc",
        "spy1d_aegis_ashore",
    }
    assert set(cat.effectors) == {
        "pac2_gemt",
        "pac3_mse",
        "samp_t",
        "samp_t_ng",
        "nasams",
        "iris_t_slm",
        "s300_pmu1",
        "sm3_block_ib",
        "skynex",
        "laser_100kw",
        "laser_50kw",
        "stinger",
    }
    assert set(cat.threats) == {
        "shahab3",
        "ghadr",
        "emad",
        "kheibar_shekan",
        "khorramshahr",
        "sejjil",
        "kalibr",
        "kh101",
        "shahed136",
        "airliner",
        "light_aircraft",
        "glider",
        "helicopter",
        "fighter",
    }


def test_every_entry_has_label_sources_and_assumptions(cat: Catalog) -> None:
    for section, key, entry in _all_entries(cat):
        assert entry.name == key, (section, key)  # type: ignore[attr-defined]
        assert entry.label, (section, key)  # type: ignore[attr-defined]
        assert entry.sources, (section, key)  # type: ignore[attr-defined]
        assert len(entry.assumptions) > 40, (section, key)  # type: ignore[attr-defined]
        for src in entry.sources:  # type: ignore[attr-defined]
            assert KEY.match(src), f"{section}.{key}: source without a [Rnn] key: {src!r}"


@pytest.mark.skipif(not REFERENCE.exists(), reason="shared/reference not beside the project")
def test_cited_keys_and_urls_are_those_of_the_reference_list(cat: Catalog) -> None:
    text = REFERENCE.read_text("utf-8")
    refs = text[text.index("## 8. References") :]
    for section, key, entry in _all_entries(cat):
        for src in entry.sources:  # type: ignore[attr-defined]
            ref = KEY.match(src).group(1)  # type: ignore[union-attr]
            assert f"[{ref}]" in refs, f"{section}.{key}: {ref} is not in reference §8"
            for url in URL.findall(src):
                assert url in refs, f"{section}.{key}: {url} is not the URL of {ref} in §8"


def test_no_effector_can_engage_airliners(cat: Catalog) -> None:
    for key, e in cat.effectors.items():
        assert ThreatClass.AIRLINER not in e.pk, key
        assert ThreatClass.AIRLINER not in e.salvo, key


def test_bm_pk_goes_with_a_bm_range(cat: Catalog) -> None:
    # the envelope uses max_range_bm_km for ballistic missiles: a BM Pk without it is dead data
    for key, e in cat.effectors.items():
        assert (BM in e.pk) == (e.max_range_bm_km > 0), key
        if BM in e.pk:
            assert e.min_altitude_bm_km < e.max_altitude_km, key


def test_guns_and_lasers_cannot_engage_ballistic_missiles(cat: Catalog) -> None:
    for key, e in cat.effectors.items():
        if e.kind in ("gun", "laser"):
            assert BM not in e.pk, key
            assert e.max_range_bm_km == 0, key


def test_only_lasers_dwell_and_fly_at_light_speed(cat: Catalog) -> None:
    for key, e in cat.effectors.items():
        if e.kind == "laser":
            assert 2.0 <= e.dwell_s <= 10.0, key  # reference §1.8: EST 2-10 s per target
            assert e.speed_m_s == pytest.approx(299_792_458.0), key
            assert e.rounds_per_launcher >= 10_000, key  # stands for an unlimited magazine
        else:
            assert e.dwell_s == 0.0, key
            assert e.speed_m_s < 5_000.0, key


def test_reaction_times_are_within_the_reference_estimate(cat: Catalog) -> None:
    for key, e in cat.effectors.items():
        limit = (10.0, 60.0) if e.kind == "interceptor" else (0.0, 10.0)
        assert limit[0] <= e.reaction_time_s <= limit[1], key  # reference §6


def test_assumed_pk_lies_in_the_sensitivity_band(cat: Catalog) -> None:
    # reference §6: no public SSPk; run sensitivity across 0.5-0.9 (aged S-300 and guns lower)
    for key, e in cat.effectors.items():
        for cls, p in e.pk.items():
            assert 0.2 <= p <= 0.9, (key, cls)


def test_ballistic_parameters_are_consistent(cat: Catalog) -> None:
    for key, t in cat.threats.items():
        if t.threat_class != BM:
            continue
        assert t.ballistic is not None
        assert t.ballistic.reentry_mass_kg > t.warhead_kg, key
        assert 0 < t.ballistic.burnout_altitude_km < t.cruise_altitude_m / 1000.0, key  # apogee
        assert 50.0 <= t.ballistic.boost_time_s <= 130.0, key
        beta = t.ballistic.reentry_mass_kg / t.ballistic.drag_area_m2
        assert 3_000.0 <= beta <= 15_000.0, key  # ballistic coefficient of an RV, kg/m^2


# --- effectors against public figures ------------------------------------------------------


def test_pac3_mse_bm_range_matches_public_figure(cat: Catalog) -> None:
    mse = cat.effectors["pac3_mse"]
    assert mse.max_range_bm_km == 40.0  # [R1] tech.wp.pl: ~40 km vs ballistic missiles
    assert mse.rounds_per_launcher == 12  # [R6] polygonjournal: 12 MSE per M903
    assert mse.max_altitude_km == 24.0  # [R2][R3]: 24 km
    assert 35.0 <= mse.max_range_km <= 100.0  # [R41] 35-60 km EST; [R12] up to 100 km


def test_pac2_gemt_range_ceiling_and_magazine_match_public_figures(cat: Catalog) -> None:
    gemt = cat.effectors["pac2_gemt"]
    assert gemt.max_range_km == 160.0  # [R1][R2]: up to 160 km
    assert gemt.max_altitude_km == 24.0  # [R2][R3]: 24 km
    assert gemt.rounds_per_launcher == 4  # [R5] jagran: 4 GEM-T per launcher
    assert gemt.cost_per_shot_usd <= 5_600_000.0  # [R13]: PKG $5.6 M is an upper bound


def test_patriot_battery_size_matches_public_figures(cat: Catalog) -> None:
    for key in ("pac2_gemt", "pac3_mse"):
        assert 6 <= cat.effectors[key].launchers <= 8  # [R4][R7]: 6-8 launchers per battery
    assert cat.effectors["pac3_mse"].cost_per_shot_usd <= 8_300_000.0  # [R11] PKG upper bound


def test_samp_t_envelope_channels_and_magazine_match_public_figures(cat: Catalog) -> None:
    samp = cat.effectors["samp_t"]
    assert samp.max_range_km == 100.0  # [R20][R23][R25]
    assert samp.max_range_bm_km == 25.0  # [R25]: 25 km vs missiles
    assert samp.max_altitude_km == 20.0  # [R23]
    assert samp.channels == 10  # [R25]: up to 10 missiles in flight
    assert samp.magazine == 32  # [R24]: 32 missiles per battery
    eur_2m_usd = 2_000_000 * 1.08  # [R22] IFRI: > EUR 2 M
    eur_2_9m_usd = 2_900_000 * 1.08  # [R26] PKG: EUR 2.9 M
    assert eur_2m_usd <= samp.cost_per_shot_usd <= eur_2_9m_usd


def test_samp_t_ng_range_and_ceiling_match_public_figures(cat: Catalog) -> None:
    ng = cat.effectors["samp_t_ng"]
    assert ng.max_range_km == 150.0  # [R21][R22]
    assert ng.max_altitude_km == 25.0  # [R21]


def test_iris_t_slm_range_and_magazine_match_public_figures(cat: Catalog) -> None:
    iris = cat.effectors["iris_t_slm"]
    assert iris.max_range_km == 40.0  # [R30][R31][R32]
    assert iris.max_altitude_km == 20.0  # [R31][R32]
    assert (iris.launchers, iris.rounds_per_launcher) == (3, 8)  # [R30][R32][R33]
    assert iris.cost_per_shot_usd == pytest.approx(400_000 * 1.08, rel=0.05)  # [R32] ~EUR 400 k


def test_s300_envelope_and_greek_battery_match_public_figures(cat: Catalog) -> None:
    s300 = cat.effectors["s300_pmu1"]
    assert s300.max_range_km >= 145.0  # [R48]: >90 mi (~145 km)
    assert s300.max_altitude_km == 27.0  # [R48]: ~90,000 ft
    assert s300.launchers == 12 // 2  # [R45][R46]: 2 batteries, 12 launchers
    assert s300.speed_m_s < 2_000.0  # [R49]: ~2,000 m/s peak; mean is lower


def test_sm3_magazine_and_cost_match_deveselu_figures(cat: Catalog) -> None:
    sm3 = cat.effectors["sm3_block_ib"]
    assert (sm3.launchers, sm3.rounds_per_launcher) == (3, 8)  # [R55]: three 8-cell Mk 41
    assert sm3.magazine == 24  # [R56]: 24 SM-3 IB
    assert 10_000_000.0 <= sm3.cost_per_shot_usd <= 15_000_000.0  # [R58][R59]
    assert set(sm3.pk) == {BM}  # exo-atmospheric: ballistic missiles only
    assert sm3.min_altitude_bm_km >= 70.0


def test_skynex_range_guns_and_shot_cost_match_public_figures(cat: Catalog) -> None:
    gun = cat.effectors["skynex"]
    assert gun.kind == "gun"
    assert gun.max_range_km == 4.0  # [R65][R66]: up to 4,000 m
    assert gun.launchers == 2  # [R67]: 2 x 35 mm guns
    assert gun.channels == 1
    rounds_per_burst = gun.cost_per_shot_usd / 4_000.0  # [R66]: ~$4,000 per AHEAD round
    assert rounds_per_burst == int(rounds_per_burst)
    assert 5 <= rounds_per_burst <= 30
    assert gun.cost_per_shot_usd < cat.threats["shahed136"].cost_usd * 2


def test_laser_cost_per_shot_is_a_few_dollars(cat: Catalog) -> None:
    beam = cat.effectors["laser_100kw"]
    assert 3.5 <= beam.cost_per_shot_usd <= 10.0  # [R71] $3.50; [R72] ~$4
    assert beam.max_range_km == 10.0  # [R70]: up to ~10 km
    dragonfire = cat.effectors["laser_50kw"]
    assert dragonfire.cost_per_shot_usd == pytest.approx(10 * 1.27, abs=1.0)  # [R76][R77] ~GBP 10
    assert dragonfire.max_range_km < beam.max_range_km
    assert dragonfire.dwell_s > beam.dwell_s  # half the power, longer on target


def test_stinger_range_and_cost_match_public_figures(cat: Catalog) -> None:
    stinger = cat.effectors["stinger"]
    assert stinger.max_range_km == 8.0  # [R85]
    assert 119_320.0 <= stinger.cost_per_shot_usd <= 1_090_000.0  # [R86] SRC .. [R87] PKG


# --- sensors against public figures --------------------------------------------------------


def test_surveillance_radar_ranges_match_public_figures(cat: Catalog) -> None:
    assert cat.sensors["ground_master_400"].detection_range_km == 500.0  # [R141]
    assert cat.sensors["ground_master_400"].band == "L"
    assert cat.sensors["trml_4d"].detection_range_km == 250.0  # [R30]
    smart = cat.sensors["smart_l_mm"]
    assert smart.detection_range_km >= 600 * 1.609  # [R144]: BMD tracking > 600 miles
    assert smart.detection_range_km <= 2_000.0  # [R143]: instrumented range up to 2,000 km


def test_published_maxima_are_read_against_large_targets(cat: Catalog) -> None:
    for key in ("ground_master_400", "trml_4d"):
        radar = cat.sensors[key]
        assert radar.rcs_ref_m2 >= 10.0, key
        assert radar.pd_ref == 0.5, key


def test_radar_estimates_lie_in_the_reference_spans(cat: Catalog) -> None:
    assert 100.0 <= cat.sensors["patriot_mpq65"].detection_range_km <= 170.0  # [R41] EST
    assert cat.sensors["patriot_mpq65"].band == "C"
    assert 200.0 <= cat.sensors["s300_30n6"].detection_range_km <= 300.0  # [R41] EST
    tpy2 = cat.sensors["an_tpy2"]
    assert (tpy2.band, tpy2.kind) == ("X", "bmd")  # [R146][R147]
    assert 0.01 <= tpy2.rcs_ref_m2 <= 0.1  # reference §2.4: RV nose-on
    assert cat.sensors["spy1d_aegis_ashore"].band == "S"  # [R55]


def test_bmd_radars_see_exo_atmospheric_targets(cat: Catalog) -> None:
    for key, s in cat.sensors.items():
        if s.kind == "bmd":
            assert s.max_altitude_km >= 500.0, key
        elif s.kind == "surveillance":
            assert s.max_altitude_km <= 40.0, key


# --- threats against public figures --------------------------------------------------------


def test_shahed_speed_matches_public_figure(cat: Catalog) -> None:
    shahed = cat.threats["shahed136"]
    assert shahed.threat_class == ThreatClass.DRONE
    assert 150.0 <= shahed.speed_m_s * 3.6 <= 185.0  # [R127][R126]: 150-170 cruise, 185 top
    assert shahed.max_range_km == 2_000.0  # [R127]
    assert 40.0 <= shahed.warhead_kg <= 60.0  # [R125][R130]
    assert 20_000.0 <= shahed.cost_usd <= 50_000.0  # [R125]
    assert 0.1 <= shahed.rcs_m2 <= 1.0  # reference §2.3 EST


def test_iranian_ballistic_missile_ranges_match_public_figures(cat: Catalog) -> None:
    t = cat.threats
    assert (t["shahab3"].max_range_km, t["shahab3"].warhead_kg) == (1_300.0, 700.0)  # [R90]
    assert 1_800.0 <= t["ghadr"].max_range_km <= 1_900.0  # [R94][R95]
    assert 1_700.0 <= t["emad"].max_range_km <= 2_000.0  # [R98][R100]
    assert t["emad"].warhead_kg == 750.0  # [R98]
    assert t["kheibar_shekan"].max_range_km == 1_450.0  # [R106]
    assert (t["khorramshahr"].max_range_km, t["khorramshahr"].warhead_kg) == (
        2_000,
        1_500,
    )  # [R103]
    assert t["sejjil"].max_range_km == 2_000.0  # [R101][R102]
    for key, threat in t.items():
        assert (threat.threat_class == BM) == (threat.ballistic is not None), key


@pytest.mark.parametrize(
    ("key", "speed_m_s", "apogee_km"),
    [("shahab3", 3_400, 310), ("ghadr", 3_900, 420), ("khorramshahr", 4_100, 460)],
)
def test_bm_speed_and_apogee_follow_the_minimum_energy_table(
    cat: Catalog, key: str, speed_m_s: float, apogee_km: float
) -> None:
    threat = cat.threats[key]  # reference §2.1 trajectory table (EST, computed)
    assert threat.speed_m_s == pytest.approx(speed_m_s, abs=50)
    assert threat.cruise_altitude_m == pytest.approx(apogee_km * 1_000, rel=0.02)


def test_cruise_missile_figures_match_public_sources(cat: Catalog) -> None:
    kalibr = cat.threats["kalibr"]
    assert 1_500.0 <= kalibr.max_range_km <= 2_600.0  # [R115][R116]
    assert kalibr.warhead_kg > 400.0  # [R115]: >400 kg
    assert kalibr.speed_m_s < 340.0  # [R117]: subsonic
    kh101 = cat.threats["kh101"]
    assert kh101.max_range_km == 5_500.0  # [R118][R120]
    assert kh101.speed_m_s * 3.6 <= 1_000.0  # [R119]: up to ~1,000 km/h
    for key in ("kalibr", "kh101"):
        assert cat.threats[key].threat_class == ThreatClass.CRUISE_MISSILE
        assert cat.threats[key].cruise_altitude_m <= 100.0  # low level (EST)
        assert 0.1 <= cat.threats[key].rcs_m2 <= 1.0  # reference §2.4 EST


def test_aircraft_rcs_and_cooperative_identification(cat: Catalog) -> None:
    airliner, fighter = cat.threats["airliner"], cat.threats["fighter"]
    assert 10.0 <= airliner.rcs_m2 <= 100.0  # [R135][R136]
    assert 1.0 <= fighter.rcs_m2 <= 5.0  # [R135]
    assert (airliner.has_transponder, airliner.has_iff) == (True, False)
    assert (fighter.has_transponder, fighter.has_iff) == (True, True)
    assert airliner.cost_usd == 0.0 and fighter.cost_usd == 0.0  # not attackers


def test_general_aviation_types_are_civil_and_small(cat: Catalog) -> None:
    light, glider, heli = (cat.threats[k] for k in ("light_aircraft", "glider", "helicopter"))
    for key, t in (("light_aircraft", light), ("glider", glider), ("helicopter", heli)):
        assert t.threat_class == ThreatClass.AIRLINER, key  # the civil class
        assert t.cost_usd == 0.0 and t.warhead_kg == 0.0 and t.lethal_radius_m == 0.0, key
        assert not t.has_iff, key  # civil aircraft answer no military IFF
        assert t.rcs_m2 < cat.threats["airliner"].rcs_m2, key
    assert 1.0 <= light.rcs_m2 <= 2.0  # [R136]: small general-aviation aircraft ~2 m^2
    assert glider.rcs_m2 <= 0.5  # EST: composite airframe
    assert 3.0 <= heli.rcs_m2 <= 5.0  # EST
    assert 45.0 <= light.speed_m_s <= 65.0  # GK: Cessna 172 class
    assert glider.speed_m_s < light.speed_m_s < heli.speed_m_s + 10.0
    assert (light.has_transponder, glider.has_transponder, heli.has_transponder) == (
        True,
        False,
        True,
    )


# --- overrides -------------------------------------------------------------------------------


def test_with_overrides_changes_pk_and_leaves_the_builtin_catalog_alone(cat: Catalog) -> None:
    pk = {**cat.effectors["pac3_mse"].pk, BM: 0.5}
    over = cat.with_overrides({"effectors": {"pac3_mse": {"pk": pk}}})
    assert over.effectors["pac3_mse"].pk[BM] == 0.5
    assert over.effectors["pac3_mse"].pk[ThreatClass.DRONE] == 0.85
    assert cat.effectors["pac3_mse"].pk[BM] == 0.7
    assert builtin_catalog().effectors["pac3_mse"].pk[BM] == 0.7
    assert over.effectors["pac2_gemt"] == cat.effectors["pac2_gemt"]


def test_with_overrides_changes_a_threat_by_its_alias(cat: Catalog) -> None:
    over = cat.with_overrides({"threats": {"shahab3": {"max_range_km": 2_000.0}}})
    assert over.threats["shahab3"].max_range_km == 2_000.0  # the CLAIM of [R91][R92]
    assert over.threats["shahab3"].threat_class == BM


def test_override_of_an_unknown_entry_raises_catalog_error(cat: Catalog) -> None:
    with pytest.raises(CatalogError, match=r"catalog_overrides\.effectors\.pac4: unknown effector"):
        cat.with_overrides({"effectors": {"pac4": {"max_range_km": 50.0}}})


def test_override_with_pk_above_one_names_the_field_and_value(cat: Catalog) -> None:
    with pytest.raises(CatalogError) as exc:
        cat.with_overrides({"effectors": {"pac3_mse": {"pk": {"ballistic_missile": 1.5}}}})
    msg = str(exc.value)
    assert msg.startswith("catalog_overrides.effectors.pac3_mse")
    assert "pk.ballistic_missile" in msg
    assert "1.5" in msg


def test_override_with_a_bad_field_value_names_the_field_and_value(cat: Catalog) -> None:
    with pytest.raises(CatalogError, match=r"pac3_mse\.max_range_km: .*\(got -5\.0\)"):
        cat.with_overrides({"effectors": {"pac3_mse": {"max_range_km": -5.0}}})
    with pytest.raises(CatalogError, match=r"sensors\.trml_4d\.range_km: .*\(got 300\)"):
        cat.with_overrides({"sensors": {"trml_4d": {"range_km": 300}}})
