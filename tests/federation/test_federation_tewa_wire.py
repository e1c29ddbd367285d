"""Threat evaluation and weapon assignment on the wire: two nations' node processes, a real
Zenoh router (mutual TLS, users, access control), drones that both nations' fire units
cover, and the engagement statuses the nodes publish to each other.

The theatre is ``balkans`` with two changes (`iamd.api.modify`): BGR's IRIS-T SLM stands at
a notional site at Agigea, on the shore south of Constanța, so that it and ROU's Patriot at
Constanța both cover the sea approach to the port, and the BMD reserve is off, so that the
Patriot engages drones as soon as they are in reach rather than as the last layer. BGR's
node has that IRIS-T and its Varna surveillance radar, ROU's node the Patriot and its
Constanța surveillance radar. Four drones (500 m, 50 m/s, RCS 0.1 m²) fly west at the port
from 40 km out, 15 km apart north to south; the three southern ones are first seen in the
western Black Sea launch area and closing on the port (hostile on origin and intent, H4),
the northern one is first seen outside it and is never engaged. Each node identifies its
own radar's tracks; nothing simulates a kill, so every engagement ends by the
kill-assessment rule and the track may be engaged again, by either nation.

The driver steps in lock-step: it feeds scenario step k to both nodes and waits until an
observer session (a read-only recorder) has each node's track batch of step k. A node puts
its engagement statuses right after its track batch, from one session (so the router
forwards them in that order), and before its batch of step k + 1; so a node has its
partner's statuses of step j before it decides at step j + 2 at the latest (in practice
before step j + 1), whatever the load on the machine. Two declarations on
one track can therefore only cross within one step of each other: a later declaration would
be made knowing the other, and refused.
"""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pytest

from iamd.api import modify
from iamd.federation.exercise import Federation, node_sensors, synthetic_plots
from iamd.federation.messages import EngageStatus, MessageError, MessageKind, decode
from iamd.federation.tewa import HOSTILE
from iamd.geo.wgs84 import enu_to_ecef
from iamd.scenario.loader import load_scenario

NATIONS = ("BGR", "ROU")
SENSORS = {"BGR": ["bg_surveillance_varna"], "ROU": ["ro_surveillance_constanta"]}
EFFECTORS = {"BGR": ["bg_iris_t_varna"], "ROU": ["ro_patriot_constanta"]}
CHANGES = {
    "effectors.bg_iris_t_varna.lat_deg": 44.10,  # notional: Agigea, south of Constanța
    "effectors.bg_iris_t_varna.lon_deg": 28.65,
    "rules_of_engagement.reserve_bmd": False,
}
DT_S = 2.0
STEPS = 100
"""Feed steps (200 s of scenario time): the first engagement comes at about 16 s, the first
end by kill assessment at about 90 s, the second engagements after it."""
STEP_TIMEOUT_S = 60.0
"""The longest wait for a node's batch of one step: a guard against a hung node, not a
performance figure."""
ACTIVE = (EngageStatus.ENGAGING, EngageStatus.HANDOVER_OFFER, EngageStatus.HANDOVER_ACCEPT)


def drones(t_s: float) -> np.ndarray:
    """(4, 3) ECEF positions at ``t_s``: a column north to south, 15 km apart, 40 km east
    of the port of Constanța at 500 m, flying west at 50 m/s."""
    k = np.arange(4)
    enu = np.stack([np.full(4, -50.0 * t_s), (k - 1.5) * 15e3, np.full(4, 500.0)], axis=1)
    return np.asarray(enu_to_ecef(enu, np.radians(44.17), np.radians(29.2), 0.0))


@dataclass
class Recording:
    """What the observer saw, in order: (sender, kind, header t_s, records)."""

    messages: list[tuple[str, MessageKind, float, np.ndarray]] = field(default_factory=list)
    events: dict[str, list[dict]] = field(default_factory=dict)
    cond: threading.Condition = field(default_factory=threading.Condition)
    last_batch_s: dict[str, float] = field(default_factory=dict)


@pytest.fixture(scope="module")
def tewa_exercise(tmp_path_factory: pytest.TempPathFactory) -> Recording:
    rec = Recording()
    d = Path(tmp_path_factory.mktemp("fed_tewa"))
    scenario = d / "balkans_dobruja.yaml"
    scenario.write_text(modify(load_scenario("balkans"), CHANGES).text)
    sens = {c: node_sensors(str(scenario), c, SENSORS[c]) for c in NATIONS}
    rng = np.random.default_rng(1)
    with Federation.start(d, list(NATIONS), scenario=str(scenario), sensors=SENSORS,
                          effectors=EFFECTORS, observers=["observer"]) as fed:  # fmt: skip
        obs = fed.open_session("observer")

        def on_obs(s):
            sender = str(s.key_expr).split("/")[2]
            try:
                m = decode(s.payload.to_bytes())
            except MessageError:
                return
            with rec.cond:
                rec.messages.append((sender, m.kind, m.t_s, m.records))
                if m.kind == MessageKind.TRACKS:
                    rec.last_batch_s[sender] = max(m.t_s, rec.last_batch_s.get(sender, -1.0))
                rec.cond.notify_all()

        obs.declare_subscriber("iamd/fed/*/to/*/**", on_obs)
        for k in range(STEPS):
            t = DT_S * k
            for c in NATIONS:
                plots = synthetic_plots(sens[c], drones(t), t, rng)
                plots["rcs_m2"] = 0.1  # a Shahed-class drone
                fed.feed(c, t, plots, np.ones(len(SENSORS[c]), dtype=np.int64))
            with rec.cond:
                done = rec.cond.wait_for(
                    lambda t=t: all(rec.last_batch_s.get(c, -1.0) >= t for c in NATIONS),
                    timeout=STEP_TIMEOUT_S,
                )
            assert done, f"no batch of step t = {t} s from every node: {rec.last_batch_s}"
        time.sleep(0.2)  # the last statuses
        obs.close()
        fed.end(list(NATIONS))
        for c in NATIONS:
            rec.events[c] = fed.events(c)
    return rec


def _engage_messages(rec):
    return [(s, t, r) for s, kind, t, r in rec.messages if kind == MessageKind.ENGAGE]


def _tewa(rec, nation, kind):
    return [e for e in rec.events[nation] if e["kind"] == kind]


def test_both_nodes_engage_hostile_drones_in_turn_and_again_after_kill_assessment(tewa_exercise):
    """Each node publishes the engagements its TEWA decided, on hostile tracks only; both
    nations engage, some track is engaged by one and later by the other, and engagements
    end by kill assessment and start again."""
    rec = tewa_exercise
    declared: dict[str, set[int]] = {c: set() for c in NATIONS}
    for sender, _, r in _engage_messages(rec):
        declared[sender] |= set(r["number"][r["status"] == EngageStatus.ENGAGING].tolist())
    for c in NATIONS:  # each nation's published declarations are its node's decisions
        assert declared[c], f"{c} published no engagement"
        assert declared[c] == {e["number"] for e in _tewa(rec, c, "tewa_engage")}
    # only tracks their reporter published as hostile were engaged, never the northern drone
    hostile = set()
    engaged = declared["BGR"] | declared["ROU"]
    for _, kind, t, r in rec.messages:
        if kind == MessageKind.TRACKS:
            hostile |= set(r["number"][r["identity"] == HOSTILE].tolist())
            mine = r[np.isin(r["number"], list(engaged))]
            north = np.linalg.norm(mine["state"][:, :3] - drones(t)[3], axis=1)
            assert (north > 7.5e3).all(), (t, mine["number"], north)
    assert engaged <= hostile, (engaged, hostile)
    # the two nations' units cover the same drones: some track was engaged by each in turn
    assert declared["BGR"] & declared["ROU"], declared
    # no kill is simulated: engagements end by the kill-assessment rule and start again
    assessed = [e for c in NATIONS for e in _tewa(rec, c, "tewa_end") if "assessed" in e["detail"]]
    assert assessed
    assert len([e for c in NATIONS for e in _tewa(rec, c, "tewa_engage")]) > len(engaged)


def _next_status(msgs, start, nation, number, same):
    """(header t_s, status record) of ``nation``'s first status on track ``number`` in
    ``msgs[start:]`` that differs from ``same`` (status, declaration t_s); None if none."""
    for s, t, r in msgs[start:]:
        row = r[r["number"] == number]
        if s == nation and len(row) and (int(row["status"][0]), float(row["t_s"][0])) != same:
            return t, row[0]
    return None


def test_no_track_is_engaged_by_both_nations_at_once(tewa_exercise):
    """Replays the statuses in the order the observer received them. Whenever two nations
    show one track engaged, the declarations crossed (made within one step of each other,
    neither knowing the other's), both nodes name the same winner (the earlier declaration,
    ties to the roster's first), the loser's next status is ``CEASED`` by two steps after the
    later declaration and its node ends that engagement, and the winner keeps engaging."""
    rec = tewa_exercise
    msgs = _engage_messages(rec)
    latest: dict[tuple[str, int], tuple[int, float]] = {}
    for i, (sender, _, r) in enumerate(msgs):
        for n, status, t_decl in zip(r["number"].tolist(), r["status"].tolist(),
                                     r["t_s"].tolist(), strict=True):  # fmt: skip
            latest[(sender, n)] = (status, t_decl)
        for n in sorted(set(r["number"].tolist())):
            active = {c: latest[(c, n)][1] for c in NATIONS
                      if latest.get((c, n), (EngageStatus.CEASED,))[0] in ACTIVE}  # fmt: skip
            if len(active) < 2:
                continue
            winner = min(active, key=lambda c: (active[c], NATIONS.index(c)))
            (loser,) = set(active) - {winner}
            t_w, t_l = active[winner], active[loser]
            assert abs(t_l - t_w) <= DT_S, (n, active)  # crossed: neither knew the other
            nxt = _next_status(msgs, i + 1, loser, n, latest[(loser, n)])
            assert nxt is not None, (n, loser, "never ceased")
            t_pub, row = nxt
            assert row["status"] == EngageStatus.CEASED, (n, loser, row)
            assert t_pub <= max(t_w, t_l) + 2 * DT_S, (n, loser, t_pub, active)
            if (w := _next_status(msgs, i + 1, winner, n, latest[(winner, n)])) is not None:
                assert w[0] > t_pub, (n, winner, w)  # it kept engaging past the loser's end
            why = f"{loser} ceases: {winner} declared first"
            for c in NATIONS:  # both boards resolved it alike
                assert any(
                    e["kind"] == "engage_conflict" and e["number"] == n and e["detail"] == why
                    for e in rec.events[c]
                ), (c, n, why)
            assert any(
                e["number"] == n and e["detail"].endswith(": ceased")
                for e in _tewa(rec, loser, "tewa_end")
            ), (loser, n)
    # at the end, every track has at most one engager
    for n in {n for _, n in latest}:
        assert sum(latest.get((c, n), (EngageStatus.CEASED,))[0] in ACTIVE for c in NATIONS) <= 1
