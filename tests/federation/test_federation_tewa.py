"""Threat evaluation and weapon assignment in the nodes: one nation engages a threat, the end
of an engagement without kill simulation, the sharing policy, the node's cycle."""

from __future__ import annotations

import json

import numpy as np
import pytest

from iamd.engage.envelope import EffectorArray
from iamd.federation.engagement import EngagementBoard
from iamd.federation.messages import EngageStatus, MessageKind, decode, encode
from iamd.federation.picture import LocalTracks
from iamd.federation.tewa import HOSTILE, KILL_ASSESSMENT_S, NodeTewa
from iamd.identify.truth_identity import STANDARD_IDENTITIES
from iamd.scenario.catalog import THREAT_CLASSES, ThreatClass
from iamd.scenario.loader import load_scenario
from iamd.scenario.schema import Policy

from .conftest import drone_track, pictures, rou_node

ROSTER = ("BGR", "ROU")
DRONE = THREAT_CLASSES.index(ThreatClass.DRONE)
DT_S = 2.0


@pytest.fixture(scope="module")
def loaded():
    return load_scenario("balkans")


def _port(sc):
    return next(a for a in sc.assets if a.name == "constanta_port")


def _unit(loaded, uid, nation, typ="iris_t_slm"):
    """One fire unit of ``nation`` 6 km north-east of Constanța's port."""
    p = _port(loaded.scenario)
    return EffectorArray.of_types([loaded.catalog.effectors[typ]],
                                  np.radians([p.lat_deg + 0.04]), np.radians([p.lon_deg + 0.05]),
                                  np.array([20.0]), names=[typ], ids=[uid],
                                  nation=[nation])  # fmt: skip


def _drone(sc, t_s, identity=HOSTILE):
    """A drone 25 km east of Constanța's port at 500 m, flying at it at 50 m/s (a ROU asset)."""
    return drone_track(_port(sc), t_s, identity)


def _send(src, dst, t_s):
    """``src``'s statuses to ``dst``, received when ``dst``'s clock reads ``t_s``."""
    data = encode(MessageKind.ENGAGE, src.nation, 1, t_s, src.outgoing(), wall_ns=0)
    dst.merge(src.nation, decode(data).records, t_s=t_s)


class _Pair:
    """Two nodes' pictures, boards and TEWA: ROU's radar holds the drone, BGR sees it from ROU's
    reports; each has one unit covering it."""

    def __init__(self, loaded, policy=Policy.INTEGRATED, units=("BGR", "ROU")):
        sc = loaded.scenario.model_copy(update={"policy": policy})
        self.sc = loaded.scenario
        self.pics = pictures(ROSTER)
        self.boards = {c: EngagementBoard(nation=c, roster=ROSTER) for c in ROSTER}
        self.tewa = {c: NodeTewa.from_scenario(sc, _unit(loaded, f"{c.lower()}_unit", c),
                                               nation=c) for c in units}  # fmt: skip

    def pictures_at(self, t_s, held=True, identity=HOSTILE):
        """Both pictures at ``t_s`` (ROU's first, then its batch to BGR)."""
        rou = self.pics["ROU"].step(t_s, _drone(self.sc, t_s, identity) if held
                                    else LocalTracks.empty(), t_s)  # fmt: skip
        out = self.pics["ROU"].outgoing()
        rec = decode(encode(MessageKind.TRACKS, "ROU", 1, t_s, out, wall_ns=0)).records
        self.pics["BGR"].receive("ROU", rec, t_s)
        return {"ROU": rou, "BGR": self.pics["BGR"].step(t_s, LocalTracks.empty(), t_s)}

    def cycle(self, c, t_s, pic):
        return self.tewa[c].step(t_s, pic[c], self.boards[c])


def test_exactly_one_nation_engages_a_threat_both_cover(loaded):
    pair = _Pair(loaded)
    pic = pair.pictures_at(0.0)
    (number,) = pic["ROU"].number.tolist()
    assert pic["BGR"].number.tolist() == [number] and pic["BGR"].identity[0] == HOSTILE
    fired = pair.cycle("ROU", 0.0, pic)
    assert [e.unit for e in fired] == [0]
    assert pair.boards["ROU"].engager(number) == "ROU"
    _send(pair.boards["ROU"], pair.boards["BGR"], 0.0)
    for k in range(3):  # BGR sees the track engaged by ROU and never fires
        t = k * DT_S
        pic = pair.pictures_at(t)
        assert pair.cycle("BGR", t, pic) == []
        pair.cycle("ROU", t, pic)
        _send(pair.boards["ROU"], pair.boards["BGR"], t)
    assert pair.boards["BGR"].engager(number) == "ROU"
    assert pair.tewa["BGR"].events == [] and pair.tewa["BGR"].stage.state.done == []
    assert pair.tewa["ROU"].engaging == {number: "rou_unit"}
    assert [e.kind for e in pair.tewa["ROU"].events] == ["tewa_engage"]
    assert "ROU rou_unit (0): 1 x iris_t_slm, intercept at" in pair.tewa["ROU"].events[0].detail


def test_simultaneous_decisions_leave_one_engager_and_free_the_others_channel(loaded):
    pair = _Pair(loaded)
    pic = pair.pictures_at(0.0)
    number = int(pic["ROU"].number[0])
    assert pair.cycle("ROU", 0.0, pic) and pair.cycle("BGR", 0.0, pic)  # before either hears
    _send(pair.boards["ROU"], pair.boards["BGR"], 0.0)
    _send(pair.boards["BGR"], pair.boards["ROU"], 0.0)
    # the same time: the roster's first nation keeps it, alike on both sides
    assert pair.boards["ROU"].engager(number) == pair.boards["BGR"].engager(number) == "BGR"
    pic = pair.pictures_at(DT_S)
    assert pair.cycle("ROU", DT_S, pic) == [] and pair.cycle("BGR", DT_S, pic) == []
    assert pair.tewa["ROU"].engaging == {} and pair.tewa["BGR"].engaging == {number: "bgr_unit"}
    assert pair.tewa["ROU"].events[-1].detail == "rou_unit: ceased"
    assert pair.tewa["ROU"].stage.state.channels_free().tolist() == [8]


def test_an_engagement_ends_at_the_kill_assessment_delay_and_the_track_is_engaged_again(loaded):
    pair = _Pair(loaded, units=("ROU",))
    tewa, board = pair.tewa["ROU"], pair.boards["ROU"]
    (eng,) = pair.cycle("ROU", 0.0, pair.pictures_at(0.0))
    (number,) = tewa.engaging
    end_s = eng.t_intercept_s + KILL_ASSESSMENT_S
    t = DT_S
    while t < end_s:  # up to one step before the delay: still engaged
        assert pair.cycle("ROU", t, pair.pictures_at(t)) == []
        assert tewa.stage.state.in_flight == [eng]
        t += DT_S
    assert t == end_s  # the intercept is on the cycle's grid
    again = pair.cycle("ROU", t, pair.pictures_at(t))
    assert tewa.stage.state.done == [(eng, "assessed")]
    assert [(e.unit, e.attempt) for e in again] == [(0, 1)]  # still hostile: shoot-look-shoot
    kinds = [(e.kind, e.t_s) for e in tewa.events]
    assert kinds == [("tewa_engage", 0.0), ("tewa_end", end_s), ("tewa_engage", end_s)]
    # what is scored: each shot with its unit, rounds, cost and end
    first, second = tewa.shots
    assert (first.number, first.unit, first.t_s, first.rounds, first.cost_usd) == (
        number, "rou_unit", 0.0, eng.rounds, eng.cost_usd)  # fmt: skip
    assert (first.t_intercept_s, first.end_t_s, first.end) == (eng.t_intercept_s, end_s,
                                                                "assessed")  # fmt: skip
    assert (second.t_s, second.end_t_s, second.end) == (end_s, None, "")
    assert board.status(number).status == EngageStatus.ENGAGING
    assert board.status(number).t_s == end_s


def test_an_engagement_ends_when_its_track_leaves_the_picture(loaded):
    pair = _Pair(loaded, units=("ROU",))
    tewa, board = pair.tewa["ROU"], pair.boards["ROU"]
    pair.cycle("ROU", 0.0, pair.pictures_at(0.0))
    (number,) = tewa.engaging
    pic = pair.pictures_at(DT_S, held=False)
    assert number not in pic["ROU"].number.tolist()
    assert pair.cycle("ROU", DT_S, pic) == []
    assert tewa.engaging == {} and tewa.events[-1].detail == "rou_unit: dropped"
    assert board.status(number).status == EngageStatus.CEASED
    assert board.engager(number) is None
    assert tewa.stage.state.channels_free().tolist() == [8]


def test_the_last_attempt_is_not_followed_by_another(loaded):
    pair = _Pair(loaded, units=("ROU",))
    tewa = pair.tewa["ROU"]
    limit = loaded.scenario.rules_of_engagement.max_engagements_per_threat
    t, shots = 0.0, 0
    while t < 400.0:
        shots += len(pair.cycle("ROU", t, pair.pictures_at(t)))
        t += DT_S
    assert shots == limit == tewa.stage.max_attempts


@pytest.mark.parametrize("identity", ["suspect", "unknown", "assumed_friend"])
def test_only_hostile_tracks_are_evaluated(loaded, identity):
    pair = _Pair(loaded, units=("ROU",))
    code = STANDARD_IDENTITIES.index(identity)
    for k in range(3):
        assert pair.cycle("ROU", k * DT_S, pair.pictures_at(k * DT_S, identity=code)) == []


@pytest.mark.parametrize(("policy", "bgr_engages"),
                         [(Policy.NATIONAL, False), (Policy.INTEGRATED, True)])  # fmt: skip
def test_under_national_policy_a_unit_never_engages_a_threat_to_another_nation(
    loaded, policy, bgr_engages
):
    pair = _Pair(loaded, policy=policy, units=("BGR",))  # the drone threatens a ROU port
    fired = []
    for k in range(30):
        t = k * DT_S
        fired += pair.cycle("BGR", t, pair.pictures_at(t))
    assert bool(fired) == bgr_engages
    if not bgr_engages:
        assert pair.tewa["BGR"].events == [] and pair.boards["BGR"].outgoing().size == 0


def test_under_national_policy_the_threatened_nation_engages(loaded):
    pair = _Pair(loaded, policy=Policy.NATIONAL)
    pic = pair.pictures_at(0.0)
    assert pair.cycle("BGR", 0.0, pic) == []
    assert len(pair.cycle("ROU", 0.0, pic)) == 1


def test_a_refused_declaration_does_not_fire(loaded):
    class Refusing(EngagementBoard):
        def declare(self, number, *, unit, t_s):
            return False

    pair = _Pair(loaded, units=("ROU",))
    tewa = pair.tewa["ROU"]
    board = Refusing(nation="ROU", roster=ROSTER)
    mag = tewa.stage.state.magazine.copy()
    assert tewa.step(0.0, pair.pictures_at(0.0)["ROU"], board) == []
    assert tewa.stage.state.in_flight == [] and tewa.stage.state.attempts.tolist() == [0]
    assert tewa.stage.state.magazine.tolist() == mag.tolist()
    assert tewa.events[-1].kind == "tewa_refused"
    assert "rou_unit does not fire" in tewa.events[-1].detail


class _Session:
    """Stands for the node's Zenoh session: keeps what it puts."""

    def __init__(self):
        self.puts = []

    def put(self, key, data):
        self.puts.append((key, data))


def test_the_node_cycle_decides_with_its_own_units_and_publishes_the_engagement(tmp_path):
    from iamd.federation.node import Node, NodeConfig

    cfg = NodeConfig.model_validate({
        "nation": "ROU", "peers": ["BGR"], "identify": False,
        "router": {"port": 7447, "ca": tmp_path / "ca.pem"},
        "credentials": {"user": "rou", "password_file": tmp_path / "pw",
                        "cert": tmp_path / "c.pem", "key": tmp_path / "c.key"},
    })  # fmt: skip
    node = Node(cfg)
    units = node.tewa.stage.units
    assert list(units.ids) == node.effectors and set(units.nation) == {"ROU"}
    node._session = _Session()
    sc = load_scenario("balkans").scenario
    t = 0.0
    while not node.tewa.engaging and t < 500.0:
        node._local_sim = _drone(sc, t)
        node._fold(t, t)
        t += DT_S
    ((number, uid),) = node.tewa.engaging.items()
    assert node.tewa.events[-1].kind == "tewa_engage" and uid in node.tewa.events[-1].detail
    key, data = node._session.puts[-1]
    assert key == "iamd/fed/ROU/to/BGR/engage"
    (rec,) = decode(data).records
    assert (int(rec["number"]), int(rec["status"])) == (number, EngageStatus.ENGAGING)
    assert units.ids[int(rec["unit"])] == uid


def test_the_node_writes_its_engagements_for_scoring(tmp_path, loaded):
    from dataclasses import asdict

    node = rou_node(tmp_path)
    t = 0.0
    while not node.tewa.engaging and t < 500.0:
        node._local_sim = _drone(loaded.scenario, t)
        node._fold(t, t)
        t += DT_S
    node._local_sim = LocalTracks.empty()  # the track leaves the picture: dropped
    node._fold(t, t)
    node._write_outputs()
    stats = json.loads((tmp_path / "out" / "stats_ROU.json").read_text())
    (shot,) = node.tewa.shots
    assert stats["engagements"] == [asdict(shot)]
    assert (shot.t_s, shot.end_t_s, shot.end) == (t - DT_S, t, "dropped")
    assert shot.rounds >= 1 and shot.cost_usd > 0


def test_a_completed_handover_ends_the_offerers_engagement(loaded):
    pair = _Pair(loaded)
    rou, bgr = pair.boards["ROU"], pair.boards["BGR"]
    pair.cycle("ROU", 0.0, pair.pictures_at(0.0))
    (number,) = pair.tewa["ROU"].engaging
    rou.offer(number, "BGR", t_s=1.0)
    _send(rou, bgr, 1.0)
    pic = pair.pictures_at(DT_S)
    assert pair.cycle("ROU", DT_S, pic) == []  # offered, not yet accepted: still engaging
    assert pair.tewa["ROU"].engaging == {number: "rou_unit"}
    assert bgr.accept(number, unit=0, t_s=3.0)
    _send(bgr, rou, 3.0)
    pic = pair.pictures_at(2 * DT_S)
    assert pair.cycle("ROU", 2 * DT_S, pic) == [] and pair.tewa["ROU"].engaging == {}
    assert pair.tewa["ROU"].events[-1].detail == "rou_unit: ceased"
    assert pair.cycle("BGR", 2 * DT_S, pic) == []  # BGR engages it by the hand-over already
    assert rou.engager(number) == bgr.engager(number) == "BGR"
