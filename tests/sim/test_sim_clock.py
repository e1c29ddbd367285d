"""The engine as a clock object: stepping equals running, byte for byte; the state between
steps can be read; the front door (`iamd.api`) runs the same thing."""

from __future__ import annotations

import hashlib
import json
import subprocess
import sys
from collections.abc import Callable

import pytest

import iamd
from iamd.errors import InputError
from iamd.scenario.loader import LoadedScenario, load_scenario_text
from iamd.sim.engine import Engine, RunResult, run
from iamd.sim.pictures import SensedAirPicture, TruthAirPicture

DURATION_S = 900


def _digest(result: RunResult) -> str:
    h = hashlib.sha256()
    h.update(json.dumps(result.summary, sort_keys=True, default=str).encode())
    for frame in (result.events, result.engagements, result.threats):
        h.update(frame.to_csv(index=False).encode())
    return h.hexdigest()


@pytest.fixture(scope="module")
def short(scenario_text: Callable[..., str]) -> dict[str, LoadedScenario]:
    """The built-in theatre cut to 900 s, with the sensed and the truth picture."""
    text = scenario_text(duration_s=DURATION_S)
    truth = text.replace("\npicture: sensed\n", "\npicture: truth\n", 1)
    assert "picture: truth" in truth
    return {
        "sensed": load_scenario_text(text, "short-sensed.yaml"),
        "truth": load_scenario_text(truth, "short-truth.yaml"),
    }


@pytest.fixture(scope="module")
def whole(short: dict[str, LoadedScenario]) -> dict[str, RunResult]:
    return {mode: run(loaded, 3) for mode, loaded in short.items()}


@pytest.mark.parametrize("mode", ["sensed", "truth"])
def test_stepping_and_running_in_pieces_give_the_same_bytes_as_one_run(
    mode: str, short: dict[str, LoadedScenario], whole: dict[str, RunResult]
) -> None:
    stepped = Engine(short[mode], 3)
    for _ in range(7):
        stepped.step()
    stepped.run(until=300.0)
    stepped.run(until=301.0)  # a time between two steps: the step that starts before it
    while not stepped.done:
        stepped.step()
    assert _digest(stepped.result()) == _digest(whole[mode])
    pieces = Engine(short[mode], 3)
    for until in (100.0, 450.0, 450.0, 899.0, None):
        pieces.run(until=until)
    assert _digest(pieces.result()) == _digest(whole[mode])


def test_the_picture_mode_chooses_the_picture(short: dict[str, LoadedScenario]) -> None:
    assert isinstance(Engine(short["sensed"], 1).picture, SensedAirPicture)
    assert isinstance(Engine(short["truth"], 1).picture, TruthAirPicture)
    assert Engine(short["truth"], 1).picture.tracker is None


def test_run_until_stops_at_the_first_step_at_or_after_the_time(
    short: dict[str, LoadedScenario],
) -> None:
    engine = Engine(short["sensed"], 1)
    dt = engine.dt_s
    assert engine.t_s == float(engine.truth.t_grid_s[0]) and engine.k == 0
    engine.run(until=600.0)
    assert engine.t_s == pytest.approx(600.0) and engine.k == round(600.0 / dt)
    engine.run(until=600.0)  # already there: nothing happens
    assert engine.k == round(600.0 / dt)
    engine.run(until=600.0 + dt / 2)  # one more step starts before it
    assert engine.k == round(600.0 / dt) + 1
    engine.run()
    assert engine.done and engine.k == engine.steps
    assert engine.t_s == pytest.approx(float(engine.truth.t_grid_s[-1]) + dt)
    with pytest.raises(RuntimeError, match="the run has ended"):
        engine.step()


def test_the_state_between_steps_is_readable(short: dict[str, LoadedScenario]) -> None:
    engine = Engine(short["sensed"], 1)
    with pytest.raises(RuntimeError, match="no step taken yet"):
        engine.snapshot()
    engine.run(until=600.0)
    snap = engine.snapshot()
    assert snap.t_s == pytest.approx(600.0 - engine.dt_s)  # the last step's plots
    assert len(snap.number) > 0 and snap.state_ecef.shape == (len(snap.number), 6)
    events = engine.events
    assert len(events) > 0 and float(events["t_s"].max()) <= 600.0 + 1e-9
    launched = events[events["kind"] == "launch"]
    assert len(launched) > 0
    # the clock only moves forward: nothing logged so far changes when it goes on
    before = events[events["t_s"] < 600.0].to_csv(index=False)
    engine.run(until=602.0)
    after = engine.events
    assert after[after["t_s"] < 600.0].to_csv(index=False) == before


def test_on_step_sees_each_step_once_in_order(short: dict[str, LoadedScenario]) -> None:
    times: list[float] = []
    done: list[int] = []
    engine = Engine(short["truth"], 1)
    engine.run(until=100.0, on_step=lambda p: times.append(p.t_s),
               progress=lambda k, n: done.append(k))  # fmt: skip
    assert times == [float(t) for t in engine.truth.t_grid_s[: engine.k]]
    assert done == list(range(1, engine.k + 1))


def test_reprs_are_short_and_say_what_they_hold(
    short: dict[str, LoadedScenario], whole: dict[str, RunResult]
) -> None:
    loaded = short["sensed"]
    assert len(repr(loaded)) < 300 and "'balkans'" in repr(loaded)
    engine = Engine(loaded, 1)
    assert repr(engine).startswith("Engine(scenario='balkans', seed=1, t_s=0")
    engine.run(until=60.0)
    assert f"step=30/{engine.steps}" in repr(engine) and len(repr(engine)) < 200
    text = repr(whole["sensed"])
    assert text.startswith("RunResult(scenario='balkans', seed=3, threats_launched=")
    assert "civil_aircraft_engaged=0" in text and len(text) < 300
    assert "<table>" in whole["sensed"]._repr_html_()


def test_the_front_door_runs_what_the_engine_runs(
    short: dict[str, LoadedScenario], whole: dict[str, RunResult]
) -> None:
    assert _digest(iamd.run(short["truth"], seed=3)) == _digest(whole["truth"])
    changed = iamd.modify(
        short["truth"], {"duration_s": 300, "rules_of_engagement.required_pk": 0.8}
    )
    assert changed.scenario.duration_s == 300.0
    assert changed.scenario.rules_of_engagement.required_pk == 0.8
    assert short["truth"].scenario.duration_s == DURATION_S  # the original is unchanged
    assert iamd.load_scenario("balkans", {"duration_s": 300}).scenario.duration_s == 300.0


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"duration_s": -5}, "duration_s"),
        ({"no_such_field": 1}, "no_such_field"),
        ({"duration_s": [1, 2]}, "takes a number, a boolean, a word or None"),
    ],
)
def test_a_bad_change_names_the_path(
    changes: dict[str, object], message: str, short: dict[str, LoadedScenario]
) -> None:
    with pytest.raises(InputError, match=message):
        iamd.modify(short["truth"], changes)


def test_import_iamd_stays_light() -> None:
    code = (
        "import sys, iamd; print(sorted(m for m in sys.modules if m.startswith('iamd.'))); "
        "iamd.Engine; print('iamd.sim.engine' in sys.modules)"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    first, second = out.stdout.splitlines()
    assert first == "[]" and second == "True"
    with pytest.raises(AttributeError, match="no attribute 'nothing'"):
        iamd.nothing  # noqa: B018


def test_a_step_picture_reads_as_a_table() -> None:
    import iamd

    engine = iamd.Engine(iamd.modify(iamd.load_scenario("balkans"), {"duration_s": 60}), seed=1)
    engine.run(until=40.0)
    pic = engine.snapshot()
    table = pic.frame()
    assert len(table) == len(pic.number) > 0
    assert list(table.columns) == ["picture", "number", "lat_deg", "lon_deg", "alt_m",
                                   "speed_m_s", "identity", "class"]  # fmt: skip
    assert set(table["picture"]) <= set(pic.names)
    assert table["lat_deg"].between(34, 49).all() and table["lon_deg"].between(19, 47).all()
    assert "neutral" in set(table["identity"])  # the airliners on their plans
