"""Visual identification by patrols (`iamd.sim.vid`): the lead intercept against its defining
equation, each setting at its boundary, and the doctrine switch in the engine (a drone
launched inside Bulgaria is declared hostile by a patrol and shot down; without patrols it
reaches its target; a silent light aircraft is declared neutral, never hostile)."""

from __future__ import annotations

from pathlib import Path
from types import SimpleNamespace
from typing import Any

import numpy as np
import pandas as pd
import pytest

import iamd
from iamd.identify.airspace import DECLARABLE
from iamd.scenario.loader import LoadedScenario, load_scenario
from iamd.scenario.schema import VisualIdentification
from iamd.sim.events import EventLog
from iamd.sim.vid import (
    RETASK_FACTOR,
    VidTask,
    VisualIdentifier,
    declaration_of,
    lead_intercept_s,
)
from iamd.track.picture import PictureLayout

SMALL = Path(__file__).with_name("vid_small.yaml")


# --------------------------------------------------------------------------- the intercept


def test_lead_intercept_solves_the_collision_course_equation() -> None:
    """τ is the first time the interceptor, flying straight at speed s, can be where the
    target is: |d + v τ| = s τ, and |d + v t| > s t before it."""
    rng = np.random.default_rng(3)
    n = 2000
    d = rng.normal(0.0, 100e3, (n, 3))
    v = rng.normal(0.0, 120.0, (n, 3))
    s = 300.0
    tau = lead_intercept_s(d, v, s)
    ok = np.linalg.norm(v, axis=1) < s
    assert np.isfinite(tau[ok]).all() and np.isinf(tau[~ok]).all()
    miss = np.linalg.norm(d + v * tau[:, None], axis=1)[ok] - s * tau[ok]
    np.testing.assert_allclose(miss, 0.0, atol=1e-6 * np.abs(s * tau[ok]).max())
    t = tau[ok][:, None] * np.linspace(0.0, 0.999, 50)[None, :]
    gap = np.linalg.norm(d[ok][:, None, :] + v[ok][:, None, :] * t[..., None], axis=2) - s * t
    assert (gap > 0.0).all()


def test_a_target_as_fast_as_the_patrol_is_never_caught() -> None:
    d = np.array([[50e3, 0.0, 0.0]] * 3)
    v = np.array([[299.999, 0.0, 0.0], [300.0, 0.0, 0.0], [0.0, 300.0, 0.0]])
    tau = lead_intercept_s(d, v, 300.0)
    assert np.isfinite(tau[0]) and np.isinf(tau[1:]).all()


@pytest.mark.parametrize(
    ("cls", "nation", "word"),
    [("drone", "", "hostile"), ("cruise_missile", "", "hostile"),
     ("ballistic_missile", "", "hostile"), ("airliner", "", "neutral"),
     ("airliner", "BGR", "neutral"), ("fighter", "BGR", "friend"), ("fighter", "RUS", None)],
)  # fmt: skip
def test_what_the_authority_declares_on_sight(cls: str, nation: str, word: str | None) -> None:
    code = declaration_of(cls, nation, ["BGR", "ROU"])
    assert (DECLARABLE[code] if code >= 0 else None) == word


# --------------------------------------------------------------------------- the settings


def _world(target_m: float = 60e3) -> tuple[Any, Any, PictureLayout]:
    """A patrol leader at the origin of a local frame (ECEF offsets are all that matter), a
    still target ``target_m`` east, a second object 30 km north of the target."""
    truth = SimpleNamespace(
        group=np.array(["cap", "cap", "", ""]),
        cls=np.array(["fighter", "fighter", "drone", "airliner"]),
        nation=np.array(["BGR", "BGR", "", ""]),
        type=np.array(["fighter", "fighter", "shahed136", "light_aircraft"]),
        ids=["cap-1", "cap-2", "drone-1", "ga-1"],
    )
    base = np.array([4.0e6, 2.0e6, 4.3e6])
    offsets = np.array([[0, 0, 0], [0, 0, 5e3], [target_m, 0, 0], [target_m, 30e3, 0]])
    pos = base + offsets
    layout = PictureLayout(
        names=("joint",), of_nation={"BGR": 0}, sensor_feeds=np.zeros(1, dtype=np.int64)
    )
    return truth, pos, layout


def _identifier(truth: Any, layout: PictureLayout, **settings: Any) -> VisualIdentifier:
    return VisualIdentifier.build(
        VisualIdentification(**settings), truth, [("cap", "BGR")], layout, ["BGR"]
    )


def _step(vi: VisualIdentifier, t: float, truth: Any, pos: Any, state: Any, rank: Any,
          log: EventLog) -> list[Any]:  # fmt: skip
    return vi.step(t, pos, np.ones(len(pos), bool), truth,
                   (np.zeros(len(state), np.int64), np.arange(1, len(state) + 1)), state,
                   np.asarray(rank), log, ("joint",))  # fmt: skip


def test_the_longest_flight_is_tasked_and_one_step_more_is_not() -> None:
    truth, pos, layout = _world(60e3)  # 200 s at 300 m/s
    state = np.hstack([pos[2:3], np.zeros((1, 3))])
    for limit, tasked in ((200.0, True), (np.nextafter(200.0, 0.0), False)):
        vi, log = _identifier(truth, layout, max_flight_s=limit), EventLog()
        _step(vi, 0.0, truth, pos, state, [0], log)
        assert bool(vi.tasks) == tasked, limit


def test_the_look_finds_what_lies_within_the_search_radius() -> None:
    truth, pos, layout = _world(60e3)
    # the track sits 4 km off the drone: the drone is found within 4 km, not within less
    state = np.hstack([pos[2:3] + np.array([0.0, 4e3, 0.0]), np.zeros((1, 3))])
    for radius, found in ((4e3, True), (np.nextafter(4e3, 0.0), False)):
        vi, log = _identifier(truth, layout, search_radius_m=radius, look_s=60.0), EventLog()
        assert _step(vi, 0.0, truth, pos, state, [0], log) == []
        t_look = vi.tasks[0].t_look_s
        assert t_look == pytest.approx(np.linalg.norm(state[0, :3] - pos[0]) / 300.0 + 60.0)
        assert _step(vi, t_look - 1.0, truth, pos, state, [0], log) == []  # not yet
        got = _step(vi, t_look, truth, pos, state, [0], log)
        assert [DECLARABLE[d.code] for d in got] == (["hostile"] if found else [])
        frame = log.frame()
        assert frame["kind"].tolist() == ["vid_task", "vid"]
        assert ("identified by eye as shahed136" in frame["detail"].iloc[1]) == found
        # the patrol is back after flying home as long as it flew out
        assert vi.free_at_s[0] == pytest.approx(t_look + (t_look - 60.0))


def test_suspects_go_first_and_a_busy_patrol_takes_no_second_track() -> None:
    truth, pos, layout = _world(60e3)
    state = np.hstack([np.stack([pos[3], pos[2]]), np.zeros((2, 3))])
    vi, log = _identifier(truth, layout), EventLog()
    _step(vi, 0.0, truth, pos, state, [1, 0], log)  # track 1 unknown, track 2 suspect
    assert [(t.picture, t.number) for t in vi.tasks] == [(0, 2)]
    _step(vi, 10.0, truth, pos, state, [1, 0], log)
    assert len(vi.tasks) == 1  # the only patrol is busy
    vi2 = _identifier(truth, layout, identities=["suspect"])
    _step(vi2, 0.0, truth, pos, state[:1], [-1], EventLog())
    assert vi2.tasks == []  # an unknown track is not tasked when only suspects are


def test_a_track_closing_on_an_asset_goes_first_and_takes_a_patrol_flying_out() -> None:
    truth, pos, layout = _world(60e3)
    state = np.hstack([np.stack([pos[3], pos[2]]), np.zeros((2, 3))])
    keys = (np.zeros(2, np.int64), np.array([1, 2]))
    flying = np.ones(4, bool)
    vi, log = _identifier(truth, layout), EventLog()
    # track 1 suspect, closing on nothing; track 2 unknown, 900 s from an asset: 2 first
    vi.step(0.0, pos, flying, truth, keys, state, np.array([0, 1]), log, ("joint",),
            np.array([np.inf, 900.0]))  # fmt: skip
    assert [(t.number, t.time_to_go_s) for t in vi.tasks] == [(2, 900.0)]
    # the patrol flies out to a suspect closing on nothing; a track closing on an asset
    # appears: the patrol is re-tasked, and the first track is offered again later
    vi, log = _identifier(truth, layout), EventLog()
    vi.step(0.0, pos, flying, truth, keys, state, np.array([0, -1]), log, ("joint",))
    assert [t.number for t in vi.tasks] == [1]
    vi.step(10.0, pos, flying, truth, keys, state, np.array([0, 1]), log, ("joint",),
            np.array([np.inf, 600.0]))  # fmt: skip
    assert [t.number for t in vi.tasks] == [2] and vi.tasked == {(0, 2)}
    assert log.frame()["detail"].iloc[-1].endswith("(re-tasked from joint track 1)")
    # a track of lower urgency never takes a patrol flying out
    vi.step(20.0, pos, flying, truth, keys, state, np.array([0, 1]), log, ("joint",),
            np.array([np.inf, 600.0]))  # fmt: skip
    assert [t.number for t in vi.tasks] == [2]


@pytest.mark.parametrize(
    ("ttg", "retasked"), [(600.0, False), (np.nextafter(600.0, 0.0), True), (300.0, True)]
)
def test_a_patrol_is_retasked_only_to_a_track_with_less_than_half_the_time_to_go(
    ttg: float, retasked: bool
) -> None:
    truth, pos, layout = _world(60e3)
    state = np.hstack([np.stack([pos[3], pos[2]]), np.zeros((2, 3))])
    keys = (np.zeros(2, np.int64), np.array([1, 2]))
    vi, log = _identifier(truth, layout), EventLog()
    vi.step(0.0, pos, np.ones(4, bool), truth, keys, state, np.array([0, -1]), log,
            ("joint",), np.array([1200.0, np.inf]))  # fmt: skip
    vi.step(10.0, pos, np.ones(4, bool), truth, keys, state, np.array([0, 0]), log,
            ("joint",), np.array([1200.0, ttg]))  # fmt: skip
    assert [t.number for t in vi.tasks] == ([2] if retasked else [1])


def test_the_identity_alone_never_retasks_a_patrol() -> None:
    truth, pos, layout = _world(60e3)
    state = np.hstack([np.stack([pos[3], pos[2]]), np.zeros((2, 3))])
    keys = (np.zeros(2, np.int64), np.array([1, 2]))
    vi, log = _identifier(truth, layout), EventLog()
    vi.step(0.0, pos, np.ones(4, bool), truth, keys, state, np.array([1, -1]), log, ("joint",))
    vi.step(10.0, pos, np.ones(4, bool), truth, keys, state, np.array([1, 0]), log, ("joint",))
    assert [t.number for t in vi.tasks] == [1]  # the unknown keeps its patrol


def test_a_track_dropped_before_the_look_gives_no_declaration() -> None:
    truth, pos, layout = _world(60e3)
    state = np.hstack([pos[2:3], np.zeros((1, 3))])
    vi, log = _identifier(truth, layout), EventLog()
    _step(vi, 0.0, truth, pos, state, [0], log)
    got = vi.step(1e4, pos, np.ones(4, bool), truth, (np.zeros(0, np.int64),
                  np.zeros(0, np.int64)), np.zeros((0, 6)), np.zeros(0, np.int64), log,
                  ("joint",))  # fmt: skip
    assert got == [] and "no longer held" in log.frame()["detail"].iloc[-1]


# --------------------------------------------------------------------------- the engine


@pytest.fixture(scope="module")
def small() -> LoadedScenario:
    return load_scenario(SMALL)


@pytest.fixture(scope="module")
def runs(small: LoadedScenario) -> dict[bool, Any]:
    return {on: iamd.run(iamd.modify(small, {"identification.visual.enabled": on}), seed=1)
            for on in (True, False)}  # fmt: skip


def _identities(events: pd.DataFrame, entity: str) -> list[str]:
    rows = events[(events.kind == "identity") & (events.entity == entity)]
    return [d.split(" ", 1)[0] for d in rows.detail]


def test_a_patrol_declares_the_inland_drone_hostile_and_it_is_shot_down(
    runs: dict[bool, Any],
) -> None:
    """The drone is launched inside Bulgaria: no origin evidence, no kinematic criterion,
    ``unknown`` on the criteria. The patrol's look makes it hostile within minutes, and the
    IRIS-T SLM battery at the plant shoots it down; without the patrol it reaches the plant."""
    on, off = runs[True], runs[False]
    ev = on.events
    look = ev[(ev.kind == "vid") & (ev.entity == "shahed_inland-001")]
    assert len(look) == 1 and look.detail.iloc[0].endswith("(drone): hostile")
    declared = ev[(ev.kind == "identity") & (ev.entity == "shahed_inland-001")
                  & ev.detail.str.startswith("hostile (D hostile")]  # fmt: skip
    assert len(declared) == 1 and float(declared.t_s.iloc[0]) < 300.0
    assert on.summary["threats_destroyed"] == 1 and on.summary["leakers"] == 0
    assert "hostile" not in _identities(off.events, "shahed_inland-001")
    assert not off.events.kind.isin(["vid", "vid_task"]).any()
    assert off.summary["threats_destroyed"] == 0 and off.summary["leakers"] == 1


def test_a_patrol_declares_the_silent_light_aircraft_neutral(runs: dict[bool, Any]) -> None:
    ev = runs[True].events
    look = ev[(ev.kind == "vid") & (ev.entity == "ga_kozloduy_local-1")]
    assert len(look) == 1 and look.detail.iloc[0].endswith("(airliner): neutral")
    words = _identities(ev, "ga_kozloduy_local-1")
    assert words[-1] == "neutral" and "hostile" not in words
    assert runs[True].summary["civil_aircraft_engaged"] == 0


def test_the_run_with_patrols_is_deterministic(
    small: LoadedScenario, runs: dict[bool, Any]
) -> None:
    again = iamd.run(small, seed=1)
    pd.testing.assert_frame_equal(again.events, runs[True].events)


# --------------------------------------------------------------------------- the batched tasking


class _PerTrack(VisualIdentifier):
    """The tasking as the module's docstring states it, one track at a time (the oracle of the
    batched `VisualIdentifier._task`): each untasked track in order of urgency, its
    candidate patrols and their intercepts, a free patrol if one can make it, else one flying
    out to a far less urgent track."""

    __slots__ = ()

    def _task(self, t_s: float, truth_pos: Any, flying: Any, pic: Any, num: Any, state: Any,
              rank: Any, time_to_go: Any, log: EventLog, picture_names: Any) -> None:  # fmt: skip
        s = self.settings
        rows = [int(r) for r in np.flatnonzero(rank >= 0)
                if (int(pic[r]), int(num[r])) not in self.tasked]  # fmt: skip
        rows.sort(key=lambda r: (float(time_to_go[r]), int(rank[r]), int(pic[r]), int(num[r])))
        for r in rows:
            ttg = float(time_to_go[r])
            outbound = {t.patrol: t for t in self.tasks if t.t_look_s - s.look_s > t_s
                        and ttg < RETASK_FACTOR * t.time_to_go_s}  # fmt: skip
            cand = [q for q in range(len(self.names))
                    if self.picture_of[q] == pic[r] and flying[self.members[q]].any()
                    and (self.free_at_s[q] <= t_s or q in outbound)]  # fmt: skip
            if not cand:
                continue
            lead = np.array([self.members[q][flying[self.members[q]]][0] for q in cand])
            tau = lead_intercept_s(state[r, :3] - truth_pos[lead],
                                   np.broadcast_to(state[r, 3:], (len(cand), 3)),
                                   s.dash_speed_m_s)  # fmt: skip
            busy = np.array([q in outbound for q in cand])
            ok = tau <= s.max_flight_s
            pool = np.flatnonzero(ok & ~busy)
            if len(pool) == 0:
                pool = np.flatnonzero(ok)
            if len(pool) == 0:
                continue
            best = int(pool[np.argmin(tau[pool])])
            q = cand[best]
            what = ""
            if q in outbound:
                old = outbound[q]
                self.tasks.remove(old)
                self.tasked.discard((old.picture, old.number))
                what = f" (re-tasked from {picture_names[old.picture]} track {old.number})"
            look = t_s + float(tau[best]) + s.look_s
            task = VidTask(patrol=q, picture=int(pic[r]), number=int(num[r]), t_task_s=t_s,
                           t_look_s=look, t_free_s=look + float(tau[best]), time_to_go_s=ttg,
                           rank=int(rank[r]))  # fmt: skip
            self.tasks.append(task)
            self.tasked.add((task.picture, task.number))
            self.free_at_s[q] = task.t_free_s
            log.append(t_s, "vid_task", unit=self.names[q], picture=picture_names[task.picture],
                       value=float(tau[best]),
                       detail=f"{self.names[q]} tasked to identify {picture_names[task.picture]}"
                       f" track {task.number}: intercept in {tau[best]:.0f} s{what}")  # fmt: skip


def _random_case(rng: np.random.Generator) -> tuple[Any, ...]:
    """Patrols of 1-2 aircraft serving two pictures (one serving none), some aircraft not
    flying, other objects, and a pool of tracks; positions on a 10 km grid and patrols
    sharing a spot, so that intercepts tie."""
    n_patrols = int(rng.integers(1, 7))
    sizes = rng.integers(1, 3, n_patrols)
    n_other = int(rng.integers(0, 4))
    group = np.concatenate([np.repeat([f"cap{q}" for q in range(n_patrols)], sizes),
                            np.full(n_other, "")])  # fmt: skip
    n = len(group)
    truth = SimpleNamespace(
        group=group,
        cls=np.where(group != "", "fighter", rng.choice(["drone", "airliner"], n)),
        nation=np.where(group != "", "BGR", ""),
        type=np.where(group != "", "fighter", "object"),
        ids=[f"obj-{j}" for j in range(n)],
    )
    base = np.array([4.0e6, 2.0e6, 4.3e6])
    spots = rng.integers(-8, 9, (4, 3)) * 10e3
    pos = base + spots[rng.integers(0, 4, n)]  # shared spots: ties
    settings = VisualIdentification(
        max_flight_s=float(rng.choice([150.0, 400.0, 1200.0])),
        look_s=float(rng.choice([0.0, 60.0])),
        search_radius_m=30e3,
    )
    picture_of = rng.choice([-1, 0, 1, 1, 0], n_patrols).astype(np.int64)
    vi = {}
    for cls in (VisualIdentifier, _PerTrack):
        vi[cls] = cls(settings=settings, names=tuple(f"cap{q}" for q in range(n_patrols)),
                      members=tuple(np.flatnonzero(group == f"cap{q}").astype(np.int64)
                                    for q in range(n_patrols)),
                      picture_of=picture_of,
                      friendly=("BGR",))  # fmt: skip
    m = int(rng.integers(0, 30))
    keys = np.column_stack([rng.integers(0, 2, m), rng.permutation(m) + 1]).astype(np.int64)
    at = base + rng.integers(-10, 11, (m, 3)) * 10e3
    vel = rng.choice([0.0, 100.0, 400.0], (m, 1)) * rng.choice([-1.0, 0.0, 1.0], (m, 3))
    return truth, pos, vi[VisualIdentifier], vi[_PerTrack], keys, np.hstack([at, vel])


def test_the_batched_tasking_equals_the_tasking_one_track_at_a_time() -> None:
    """A few hundred random cases over four steps each (ties of intercept and of priority,
    tracks no patrol can reach, patrols flying out re-tasked, patrols not flying): the same
    taskings in the same order, the same events, the same times patrols are free."""
    rng = np.random.default_rng(11)
    seen = {"retask": 0, "task": 0, "none": 0}
    for _ in range(300):
        truth, pos, fast, slow, keys, pool = _random_case(rng)
        t = 0.0
        logs = {"fast": EventLog(), "slow": EventLog()}
        for _ in range(4):
            take = rng.permutation(len(keys))[: int(rng.integers(0, len(keys) + 1))]
            flying = rng.random(len(pos)) > 0.15
            rank = rng.integers(-1, 2, len(take))
            ttg = rng.choice([np.inf, 100.0, 250.0, 500.0, 1000.0], len(take))
            ttg = ttg if rng.random() > 0.2 else None  # none given: closing on none
            key = (keys[take, 0], keys[take, 1])
            for vi, log in ((fast, logs["fast"]), (slow, logs["slow"])):
                vi.step(t, pos, flying, truth, key, pool[take], rank, log, ("a", "b"), ttg)
            assert fast.tasks == slow.tasks and fast.tasked == slow.tasked
            np.testing.assert_array_equal(fast.free_at_s, slow.free_at_s)
            t += float(rng.choice([10.0, 100.0, 400.0]))
        a, b = logs["fast"].frame(), logs["slow"].frame()
        pd.testing.assert_frame_equal(a, b)
        tasked = a[a.kind == "vid_task"]
        seen["retask"] += int(tasked.detail.str.contains("re-tasked").sum())
        seen["task"] += len(tasked)
        seen["none"] += int(len(tasked) == 0)
    assert seen["retask"] >= 20 and seen["task"] >= 400 and seen["none"] >= 50, seen
