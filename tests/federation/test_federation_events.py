"""A node's event log, ``events_<NATION>.jsonl``: in scenario time whatever the order the
events were logged in, and written whole or not at all."""

from __future__ import annotations

import json

import numpy as np
import pytest

from iamd.federation.messages import ENGAGE_DTYPE, EngageStatus
from iamd.federation.picture import FederationEvent
from iamd.identify.truth_identity import STANDARD_IDENTITIES
from iamd.scenario.loader import load_scenario

from .conftest import drone_track, rou_node

UNKNOWN = STANDARD_IDENTITIES.index("unknown")


@pytest.fixture
def node(tmp_path):
    return rou_node(tmp_path)


def _order(node, number, status, t_s, target=255):
    rec = np.zeros(1, dtype=ENGAGE_DTYPE)
    rec[0] = (number, 0, int(status), target, t_s)
    node._orders(rec)


def _log(node):
    path = node.cfg.output / "events_ROU.jsonl"
    return [json.loads(line) for line in path.read_text().splitlines()]


def test_the_event_log_is_in_scenario_time_and_one_times_events_in_logged_order(node):
    port = next(a for a in load_scenario("balkans").scenario.assets if a.name == "constanta_port")
    node._local_sim = drone_track(port, 10.0, identity=UNKNOWN)  # not engaged by the TEWA
    node._fold(10.0, 10.0)  # the picture originates the track at 10 s
    _order(node, 7001, EngageStatus.ENGAGING, 10.0)  # the board's, at the same time
    _order(node, 7002, EngageStatus.ENGAGING, 4.0)  # an order of an earlier time, late
    node._local_sim = drone_track(port, 12.0, identity=UNKNOWN)
    node._fold(12.0, 12.0)
    node._malformed("iamd/fed/BGR/to/ROU/tracks", "a test payload")  # the picture's, at 12 s
    _order(node, 7001, EngageStatus.HANDOVER_OFFER, 12.0, target=0)  # the board's, at 12 s
    node._write_outputs()
    (number,) = node.picture.picture.number.tolist()
    got = [(e["t_s"], e["kind"], e["number"]) for e in _log(node)]
    assert got == [
        (4.0, "engage", 7002),
        (10.0, "originate", number),
        (10.0, "engage", 7001),
        (12.0, "malformed", 0),
        (12.0, "handover", 7001),
    ]
    seq = [e["seq"] for e in _log(node)]
    assert seq[1:] == sorted(seq[1:]) and seq[0] > seq[2]  # the late one was logged after


def test_a_failed_write_leaves_the_previous_event_log_whole(node):
    node._fold(0.0, 0.0)
    _order(node, 7001, EngageStatus.ENGAGING, 1.0)
    node._write_outputs()
    out = node.cfg.output
    before = (out / "events_ROU.jsonl").read_bytes()
    assert before.count(b"\n") == 1
    for k in range(2, 200):
        _order(node, 7000 + k, EngageStatus.ENGAGING, float(k))
    # an event that cannot be written (its detail is no JSON), logged last
    node.picture.events.append(FederationEvent(t_s=500.0, kind="x", number=0, detail=object()))
    with pytest.raises(TypeError):
        node._write_outputs()
    assert (out / "events_ROU.jsonl").read_bytes() == before
    assert sorted(p.name for p in out.iterdir()) == ["events_ROU.jsonl", "picture_ROU.npz",
                                                     "stats_ROU.json"]  # fmt: skip
