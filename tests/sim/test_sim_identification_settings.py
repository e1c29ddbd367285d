"""The identification thresholds are scenario fields (``identification:``), validated with the
rest of the scenario, reachable by ``--param`` paths, and they drive the engine."""

from __future__ import annotations

from collections.abc import Callable

import pytest

import iamd
from iamd.errors import ScenarioError
from iamd.identify.identity import IdentityRules, scenario_identity_rules
from iamd.scenario.loader import LoadedScenario, load_scenario_text
from iamd.scenario.schema import Identification


def test_the_scenario_defaults_are_the_rules_defaults() -> None:
    assert scenario_identity_rules(Identification()) == IdentityRules()


def test_a_field_replaces_the_rule_it_names() -> None:
    rules = scenario_identity_rules(Identification(sustain_updates=5, civil_p=0.95))
    assert rules.sustain_updates == 5 and rules.civil_p == 0.95
    assert rules.min_updates == IdentityRules().min_updates


@pytest.mark.parametrize(
    ("block", "message"),
    [
        ("identification: {min_updates: 0}", "identification.min_updates"),
        ("identification: {suspect_p: 0.4, suspect_exit_p: 0.5}",
         "suspect_exit_p must be <= suspect_p"),
        ("identification: {civil_p: 0.8, civil_exit_p: 0.81}", "civil_exit_p must be <= civil_p"),
        ("identification: {civil_p: 1.01}", "identification.civil_p"),
        ("identification: {no_such_rule: 1}", "no_such_rule"),
    ],
)  # fmt: skip
def test_bad_identification_settings_name_the_field(
    block: str, message: str, scenario_text: Callable[..., str]
) -> None:
    text = scenario_text(duration_s=120) + "\n" + block + "\n"
    with pytest.raises(ScenarioError, match=message) as info:
        load_scenario_text(text, "ident.yaml")
    assert str(info.value).startswith("ident.yaml:")


def test_an_exit_probability_equal_to_its_entry_is_allowed(
    scenario_text: Callable[..., str],
) -> None:
    text = (
        scenario_text(duration_s=120) + "\nidentification: {suspect_p: 0.5, suspect_exit_p: 0.5}\n"
    )
    assert load_scenario_text(text, "ident.yaml").scenario.identification.suspect_exit_p == 0.5


def _first_identity_s(loaded: LoadedScenario) -> float:
    events = iamd.run(loaded, seed=1).events
    judged = (events["kind"] == "identity") & ~events["detail"].str.contains("R1 friend")
    return float(events.loc[judged, "t_s"].min())


def test_maturity_age_set_in_the_scenario_holds_every_identity_back(
    scenario: Callable[..., LoadedScenario],
) -> None:
    """Tracks exist from the first steps (airliners in flight); with the default maturity
    (10 s) the first identity comes within half a minute, with ``min_age_s: 60`` no track
    has an identity before its 60th second — but an allied IFF reply (R1 friend), which
    needs no maturity."""
    base = scenario(duration_s=120)
    assert _first_identity_s(base) < 30.0
    slow = iamd.modify(base, {"identification.min_age_s": 60})
    assert slow.scenario.identification.min_age_s == 60.0
    assert _first_identity_s(slow) >= 60.0
