"""Engagement coordination: no two nations engage one track unknowingly; hand-over."""

from __future__ import annotations

import numpy as np

from iamd.federation.engagement import EngagementBoard
from iamd.federation.messages import ENGAGE_DTYPE, EngageStatus, MessageKind, decode, encode

from .conftest import rou_node

ROSTER = ("BGR", "GRC", "ROU")


def _send(src, dst, t_s):
    """``src``'s statuses to ``dst``, received when ``dst``'s clock reads ``t_s``."""
    data = encode(MessageKind.ENGAGE, src.nation, 1, t_s, src.outgoing(), wall_ns=0)
    dst.merge(src.nation, decode(data).records, t_s=t_s)


def test_a_known_engagement_refuses_a_second_nation():
    b, g = (
        EngagementBoard(nation="BGR", roster=ROSTER),
        EngagementBoard(nation="GRC", roster=ROSTER),
    )
    assert b.declare(1005, unit=2, t_s=10.0)
    _send(b, g, 10.0)
    assert not g.declare(1005, unit=0, t_s=11.0)
    assert g.engager(1005) == "BGR"
    assert "refused: engaged by BGR" in g.events[-1].detail


def test_simultaneous_declarations_resolve_the_same_way_on_both_sides():
    b, r = (
        EngagementBoard(nation="BGR", roster=ROSTER),
        EngagementBoard(nation="ROU", roster=ROSTER),
    )
    assert r.declare(1005, unit=1, t_s=10.0)  # ROU first in time
    assert b.declare(1005, unit=2, t_s=10.5)  # before it heard of ROU's
    _send(b, r, 11.0)
    _send(r, b, 11.0)
    assert b.engager(1005) == r.engager(1005) == "ROU"
    assert any(e.kind == "engage_conflict" and "BGR ceases" in e.detail for e in b.events)
    _send(b, r, 12.0)  # BGR's CEASED reaches ROU
    assert r.engager(1005) == "ROU"


def test_ties_in_time_go_to_the_first_nation_of_the_roster():
    b, r = (
        EngagementBoard(nation="BGR", roster=ROSTER),
        EngagementBoard(nation="ROU", roster=ROSTER),
    )
    b.declare(7, unit=0, t_s=5.0)
    r.declare(7, unit=0, t_s=5.0)
    _send(b, r, 6.0)
    _send(r, b, 6.0)
    assert b.engager(7) == r.engager(7) == "BGR"


def test_handover_of_engagement_responsibility():
    b, g = (
        EngagementBoard(nation="BGR", roster=ROSTER),
        EngagementBoard(nation="GRC", roster=ROSTER),
    )
    b.declare(1005, unit=2, t_s=10.0)
    _send(b, g, 10.0)
    assert not g.accept(1005, unit=0, t_s=11.0)  # nothing offered yet
    assert b.offer(1005, "GRC", t_s=12.0)
    _send(b, g, 12.0)
    assert g.accept(1005, unit=0, t_s=13.0)
    _send(g, b, 14.0)
    assert b.engager(1005) == g.engager(1005) == "GRC"
    assert any("BGR -> GRC complete" in e.detail for e in b.events)


def test_only_the_engaging_nation_can_offer_a_handover():
    """An offer needs an engagement in force: none for a track never engaged, none after a
    cease (it would have made the ceased engagement active again), none to oneself; each
    refusal leaves the board as it was and says why."""
    b, g = (
        EngagementBoard(nation="BGR", roster=ROSTER),
        EngagementBoard(nation="GRC", roster=ROSTER),
    )
    assert not b.offer(1005, "GRC", t_s=9.0)  # never engaged
    assert b.status(1005) is None and len(b.outgoing()) == 0
    b.declare(1005, unit=2, t_s=10.0)
    assert not b.offer(1005, "BGR", t_s=10.5)  # to itself
    b.cease(1005, t_s=11.0)
    assert not b.offer(1005, "GRC", t_s=12.0)  # ceased
    own = b.status(1005)
    assert (own.status, own.t_s) == (EngageStatus.CEASED, 11.0)
    _send(b, g, 12.0)
    assert not g.accept(1005, unit=0, t_s=13.0) and g.engager(1005) is None
    assert [e.detail for e in b.events if e.kind == "handover"] == [
        "offer to GRC refused: BGR is not engaging it",
        "offer to BGR refused: is itself",
        "offer to GRC refused: BGR is not engaging it",
    ]
    b.declare(1005, unit=2, t_s=14.0)
    assert b.offer(1005, "GRC", t_s=15.0)  # engaging again: offered


def test_the_loser_ceases_at_the_time_it_learns_of_the_conflict():
    b, r = (
        EngagementBoard(nation="BGR", roster=ROSTER),
        EngagementBoard(nation="ROU", roster=ROSTER),
    )
    assert r.declare(1005, unit=1, t_s=10.0)  # ROU first in time
    assert b.declare(1005, unit=2, t_s=10.5)
    _send(b, r, 11.0)  # the statuses cross: ROU hears of BGR's at its 11 s
    _send(r, b, 12.0)  # BGR hears of ROU's when its clock reads 12 s
    own = b.status(1005)
    assert (own.status, own.t_s) == (EngageStatus.CEASED, 12.0)
    (rec,) = b.outgoing()
    assert (int(rec["status"]), float(rec["t_s"])) == (EngageStatus.CEASED, 12.0)
    (ev,) = [e for e in b.events if e.kind == "engage_conflict"]
    assert (ev.t_s, ev.detail) == (12.0, "BGR ceases: ROU declared first")
    assert [e.t_s for e in r.events if e.kind == "engage_conflict"] == [11.0]  # the winner's
    assert b.engager(1005) == r.engager(1005) == "ROU"


def test_the_winner_logs_a_conflict_once_not_at_each_repetition():
    """The loser re-sends its ENGAGING status until its CEASED goes out: the winner logs the
    conflict once for that declaration, and again only for a new one."""
    b, r = (
        EngagementBoard(nation="BGR", roster=ROSTER),
        EngagementBoard(nation="ROU", roster=ROSTER),
    )
    assert r.declare(1005, unit=1, t_s=10.0)
    assert b.declare(1005, unit=2, t_s=10.5)
    late = b.outgoing()  # BGR's ENGAGING, as its partners keep receiving it
    for t in (11.0, 12.0, 13.0):
        r.merge("BGR", late, t_s=t)
    conflicts = [(e.t_s, e.detail) for e in r.events if e.kind == "engage_conflict"]
    assert conflicts == [(11.0, "BGR ceases: ROU declared first")]
    assert b.declare(1005, unit=3, t_s=13.5)  # a new declaration (BGR does not know yet)
    r.merge("BGR", b.outgoing(), t_s=14.0)
    assert [e.t_s for e in r.events if e.kind == "engage_conflict"] == [11.0, 14.0]


def test_the_offerer_ceases_at_the_time_it_learns_of_the_acceptance():
    b, g = (
        EngagementBoard(nation="BGR", roster=ROSTER),
        EngagementBoard(nation="GRC", roster=ROSTER),
    )
    b.declare(1005, unit=2, t_s=10.0)
    b.offer(1005, "GRC", t_s=12.0)
    _send(b, g, 12.0)
    assert g.accept(1005, unit=0, t_s=13.0)
    _send(g, b, 15.0)
    own = b.status(1005)
    assert (own.status, own.t_s) == (EngageStatus.CEASED, 15.0)
    assert [(e.t_s, e.detail) for e in b.events if "complete" in e.detail] == [
        (15.0, "BGR -> GRC complete")
    ]


def test_a_node_publishes_its_cease_at_its_own_time_not_the_winners(tmp_path):
    """Over the node's interfaces: ROU engages a track by order, then BGR's status with an
    earlier declaration of it arrives at ROU's 12 s; ROU's next batch says it ceased at 12 s."""
    node = rou_node(tmp_path)
    node._fold(10.0, 10.0)
    order = np.zeros(1, dtype=ENGAGE_DTYPE)
    order[0] = (7001, 0, int(EngageStatus.ENGAGING), 255, 10.0)
    node._orders(order)
    node._fold(12.0, 12.0)
    bgr = np.zeros(1, dtype=ENGAGE_DTYPE)
    bgr[0] = (7001, 3, int(EngageStatus.ENGAGING), 255, 9.0)  # BGR declared at 9 s
    node._on_engage(
        "iamd/fed/BGR/to/ROU/engage",
        encode(MessageKind.ENGAGE, "BGR", 1, 12.0, bgr, wall_ns=0),
    )
    node._publish()
    key, data = node._session.puts[-1]
    assert key == "iamd/fed/ROU/to/BGR/engage"
    (rec,) = decode(data).records
    assert (int(rec["number"]), int(rec["status"])) == (7001, EngageStatus.CEASED)
    assert float(rec["t_s"]) == 12.0
