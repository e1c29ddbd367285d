"""Engagement coordination: no two nations engage one track unknowingly; hand-over."""

from __future__ import annotations

from iamd.federation.engagement import EngagementBoard
from iamd.federation.messages import MessageKind, decode, encode

ROSTER = ("BGR", "GRC", "ROU")


def _send(src, dst):
    data = encode(MessageKind.ENGAGE, src.nation, 1, 0.0, src.outgoing(), wall_ns=0)
    dst.merge(src.nation, decode(data).records)


def test_a_known_engagement_refuses_a_second_nation():
    b, g = (
        EngagementBoard(nation="BGR", roster=ROSTER),
        EngagementBoard(nation="GRC", roster=ROSTER),
    )
    assert b.declare(1005, unit=2, t_s=10.0)
    _send(b, g)
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
    _send(b, r)
    _send(r, b)
    assert b.engager(1005) == r.engager(1005) == "ROU"
    assert any(e.kind == "engage_conflict" and "BGR ceases" in e.detail for e in b.events)
    _send(b, r)  # BGR's CEASED reaches ROU
    assert r.engager(1005) == "ROU"


def test_ties_in_time_go_to_the_first_nation_of_the_roster():
    b, r = (
        EngagementBoard(nation="BGR", roster=ROSTER),
        EngagementBoard(nation="ROU", roster=ROSTER),
    )
    b.declare(7, unit=0, t_s=5.0)
    r.declare(7, unit=0, t_s=5.0)
    _send(b, r)
    _send(r, b)
    assert b.engager(7) == r.engager(7) == "BGR"


def test_handover_of_engagement_responsibility():
    b, g = (
        EngagementBoard(nation="BGR", roster=ROSTER),
        EngagementBoard(nation="GRC", roster=ROSTER),
    )
    b.declare(1005, unit=2, t_s=10.0)
    _send(b, g)
    assert not g.accept(1005, unit=0, t_s=11.0)  # nothing offered yet
    b.offer(1005, "GRC", t_s=12.0)
    _send(b, g)
    assert g.accept(1005, unit=0, t_s=13.0)
    _send(g, b)
    assert b.engager(1005) == g.engager(1005) == "GRC"
    assert any("BGR -> GRC complete" in e.detail for e in b.events)
