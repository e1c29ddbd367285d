"""``iamd federate``'s scoring of the nodes' engagements against the truth: what each
engagement aimed at, threats engaged, civil aircraft engaged, false tracks, and objects
engaged by two nations at once."""

from __future__ import annotations

import numpy as np

from iamd.federation.federate import MATCH_M, EngagementScore, score_engagements

T = np.arange(0.0, 40.0, 2.0)
# three objects 50 km apart flying east at 100 m/s: two drones and an airliner; the
# second drone lands at 20 s
CLS = np.array(["drone", "drone", "airliner"])
POS = np.zeros((3, len(T), 3))
POS[:, :, 0] = 6.4e6
POS[:, :, 1] = np.array([0.0, 50e3, 100e3])[:, None]
POS[:, :, 2] = 100.0 * T[None, :]
PRESENT = np.ones((3, len(T)), dtype=bool)
PRESENT[1, T > 20.0] = False


def _pic(rows):
    """Snapshots (t_s, number, object it is near, offset m)."""
    return {
        "t_s": np.array([r[0] for r in rows], dtype=float),
        "number": np.array([r[1] for r in rows], dtype=np.int64),
        "pos": np.array([POS[r[2], int(r[0] / 2.0)] + [r[3], 0.0, 0.0] for r in rows]),
    }


def _shot(number, t_s, end_t_s=None, rounds=2):
    return {"number": number, "t_s": t_s, "rounds": rounds, "cost_usd": 1e5 * rounds,
            "end_t_s": end_t_s}  # fmt: skip


def _score(shots, pics):
    return score_engagements(shots, pics, t_grid_s=T, pos_ecef_m=POS, present=PRESENT,
                             cls=CLS, end_s=40.0)  # fmt: skip


def test_each_engagement_is_scored_on_the_object_its_track_was_on():
    pics = {
        # BGR: drone 0 as 1001, drone 1 as 1002 (4 km off: within the match), the airliner
        # as 1003, and 1004, a false track 30 km from everything
        "BGR": _pic(
            [
                (10.0, 1001, 0, 0.0),
                (10.0, 1002, 1, 4_000.0),
                (12.0, 1003, 2, 0.0),
                (14.0, 1004, 0, 30_000.0),
                (16.0, 1001, 0, 0.0),
            ]
        ),
        # ROU: drone 0 as 2005 (a dual designation never correlated), drone 1 as 1002
        "ROU": _pic([(14.0, 2005, 0, 0.0), (12.0, 1002, 1, 0.0)]),
    }
    shots = {
        "BGR": [_shot(1001, 10.0, end_t_s=20.0), _shot(1002, 10.0, end_t_s=12.0),
                _shot(1003, 12.0), _shot(1004, 14.0, rounds=3), _shot(1001, 16.0)],
        "ROU": [_shot(2005, 14.0, end_t_s=30.0), _shot(1002, 12.0, end_t_s=16.0)],
    }  # fmt: skip
    per, fed = _score(shots, pics)
    assert per["BGR"] == {
        "engagements": 5,
        "interceptors_fired": 11,
        "interceptor_cost_usd": 1.1e6,
        "threats_engaged": 2,
        "civil_aircraft_engaged": 1,
        "interceptors_at_false_tracks": 3,
    }
    assert per["ROU"]["threats_engaged"] == 2 and per["ROU"]["civil_aircraft_engaged"] == 0
    # drone 0: BGR's [10, 20) and ROU's [14, 30) overlap, under two numbers; drone 1: BGR's
    # [10, 12) ends as ROU's [12, 16) starts (a hand-over), no overlap
    assert fed == EngagementScore(
        threats=2, threats_engaged=2, double_engaged=1, double_engaged_two_numbers=1
    )


def test_an_engagement_still_in_flight_lasts_to_the_end_and_one_number_is_counted_apart():
    pics = {"BGR": _pic([(10.0, 1001, 0, 0.0)]), "ROU": _pic([(38.0, 1001, 0, 0.0)])}
    shots = {"BGR": [_shot(1001, 10.0)], "ROU": [_shot(1001, 38.0)]}
    _, fed = _score(shots, pics)
    assert (fed.double_engaged, fed.double_engaged_two_numbers) == (1, 0)  # crossed, one number
    shots["BGR"] = [_shot(1001, 10.0, end_t_s=38.0)]  # ended as ROU's began
    assert _score(shots, pics)[1].double_engaged == 0


def test_the_match_distance_and_a_landed_object_bound_what_an_engagement_aimed_at():
    at = MATCH_M - 1.0
    pics = {"BGR": _pic([(10.0, 1, 0, at), (10.0, 2, 0, MATCH_M + 1.0), (22.0, 3, 1, 0.0)])}
    shots = {"BGR": [_shot(1, 10.0), _shot(2, 10.0), _shot(3, 22.0)]}  # 3: drone 1 landed
    per, fed = _score(shots, pics)
    assert per["BGR"]["threats_engaged"] == 1
    assert per["BGR"]["interceptors_at_false_tracks"] == 4
    assert fed.threats_engaged == 1 and fed.threats == 2
