"""The truth air picture: picture layout by sharing policy, and track start, timeout and drop."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from iamd.track.picture import JOINT, PictureLayout, TruthPicture, picture_layout

NATIONS = ["GRC", "BGR", "ROU", "TUR", "USA"]
SENSOR_NATION = ["GRC", "GRC", "BGR", "ROU", "TUR", "USA", "BGR"]


def test_national_policy_gives_one_picture_per_nation() -> None:
    lay = picture_layout("national", NATIONS, [True] * 5, SENSOR_NATION)
    assert lay.names == tuple(NATIONS)
    assert lay.of_nation == {n: i for i, n in enumerate(NATIONS)}
    # every radar feeds its own nation's picture
    assert [lay.names[p] for p in lay.sensor_feeds] == SENSOR_NATION


@pytest.mark.parametrize("policy", ["shared_picture", "integrated"])
def test_shared_policies_join_participants_and_leave_others_alone(policy: str) -> None:
    participates = [True, True, True, False, True]  # TUR keeps its own picture
    lay = picture_layout(policy, NATIONS, participates, SENSOR_NATION)
    assert lay.names == (JOINT, "TUR")
    assert JOINT == "joint"
    assert lay.of_nation == {"GRC": 0, "BGR": 0, "ROU": 0, "TUR": 1, "USA": 0}
    assert [lay.names[p] for p in lay.sensor_feeds] == [
        "joint",
        "joint",
        "joint",
        "joint",
        "TUR",
        "joint",
        "joint",
    ]


@pytest.mark.parametrize("policy", ["shared_picture", "integrated"])
def test_shared_policy_with_nobody_participating_is_national(policy: str) -> None:
    lay = picture_layout(policy, NATIONS, [False] * 5, SENSOR_NATION)
    national = picture_layout("national", NATIONS, [True] * 5, SENSOR_NATION)
    assert lay.names == national.names
    assert lay.sensor_feeds.tolist() == national.sensor_feeds.tolist()


@settings(max_examples=100, deadline=None)
@given(
    policy=st.sampled_from(["national", "shared_picture", "integrated"]),
    participates=st.lists(st.booleans(), min_size=5, max_size=5),
    sensor_idx=st.lists(st.integers(0, 4), max_size=12),
)
def test_every_nation_sees_exactly_the_picture_its_radars_feed(
    policy: str, participates: list[bool], sensor_idx: list[int]
) -> None:
    sensor_nation = [NATIONS[i] for i in sensor_idx]
    lay = picture_layout(policy, NATIONS, participates, sensor_nation)
    assert len(set(lay.names)) == len(lay.names)
    for s, nat in enumerate(sensor_nation):
        assert lay.sensor_feeds[s] == lay.of_nation[nat]
    shared = policy != "national"
    for a, pa in zip(NATIONS, participates, strict=True):
        for b, pb in zip(NATIONS, participates, strict=True):
            same = lay.of_nation[a] == lay.of_nation[b]
            assert same == (a == b or (shared and pa and pb))


def _layout_two_nations() -> PictureLayout:
    # radar 0 -> GRC, radar 1 -> BGR; national: two pictures
    return picture_layout("national", ["GRC", "BGR"], [True, True], ["GRC", "BGR"])


def _update(
    pic: TruthPicture, t_s: float, plots: list[tuple[int, int]], alive: list[bool] | None = None
) -> tuple[list[tuple[int, int]], list[tuple[int, int]]]:
    sensor = np.array([p[0] for p in plots], dtype=np.int64)
    entity = np.array([p[1] for p in plots], dtype=np.int64)
    alive_arr = np.ones(pic.n, dtype=bool) if alive is None else np.array(alive)
    ip, ie, dp, de = pic.update(t_s, sensor, entity, alive_arr)
    return list(zip(ip.tolist(), ie.tolist(), strict=True)), list(
        zip(dp.tolist(), de.tolist(), strict=True)
    )


def test_new_picture_holds_nothing() -> None:
    pic = TruthPicture(layout=_layout_two_nations(), n=3)
    assert pic.held.shape == (2, 3)
    assert not pic.held.any()
    assert np.isnan(pic.last_seen_s).all() and np.isnan(pic.first_seen_s).all()
    assert pic.timeout_s == 60.0


def test_track_starts_on_first_detection_in_the_feeding_picture_only() -> None:
    pic = TruthPicture(layout=_layout_two_nations(), n=3)
    inits, drops = _update(pic, 10.0, [(0, 2), (0, 2)])  # two plots of object 2, GRC radar
    assert inits == [(0, 2)]  # one track in the GRC picture, none in BGR's
    assert drops == []
    assert pic.held.tolist() == [[False, False, True], [False, False, False]]
    assert pic.first_seen_s[0, 2] == 10.0
    inits, _ = _update(pic, 12.0, [(0, 2), (1, 2)])
    assert inits == [(1, 2)]  # already held in GRC: only BGR's track is new
    assert pic.first_seen_s[0, 2] == 10.0  # unchanged by a later detection
    assert pic.last_seen_s[0, 2] == 12.0


def test_track_times_out_after_timeout_s_without_detections() -> None:
    pic = TruthPicture(layout=_layout_two_nations(), n=1, timeout_s=60.0)
    _update(pic, 0.0, [(0, 0)])
    _, drops = _update(pic, 60.0, [])
    assert drops == [] and pic.held[0, 0]  # exactly timeout_s since the last plot: kept
    _, drops = _update(pic, 62.0, [])
    assert drops == [(0, 0)]
    assert not pic.held[0, 0]
    assert np.isnan(pic.first_seen_s[0, 0])
    _, drops = _update(pic, 64.0, [])
    assert drops == []  # dropped once, not every step
    inits, _ = _update(pic, 70.0, [(0, 0)])
    assert inits == [(0, 0)]  # seen again: a new track
    assert pic.first_seen_s[0, 0] == 70.0


def test_detection_within_the_timeout_keeps_the_track() -> None:
    pic = TruthPicture(layout=_layout_two_nations(), n=1, timeout_s=30.0)
    for t in (0.0, 25.0, 50.0, 75.0, 100.0):
        inits, drops = _update(pic, t, [(0, 0)])
        assert drops == []
        assert inits == ([(0, 0)] if t == 0.0 else [])
    assert pic.first_seen_s[0, 0] == 0.0


def test_tracks_of_destroyed_objects_end_in_every_picture() -> None:
    pic = TruthPicture(layout=_layout_two_nations(), n=2)
    _update(pic, 0.0, [(0, 0), (1, 0), (0, 1)])
    _, drops = _update(pic, 2.0, [(0, 1)], alive=[False, True])
    assert sorted(drops) == [(0, 0), (1, 0)]
    assert pic.held.tolist() == [[False, True], [False, False]]
