"""Link 16 semantics of the federated picture, in process (batches encoded and decoded):
one reporter per track, takeover, R2 transfer threshold, dual designations, identity
conflicts, late joiners, and covariance intersection that does not double count."""

from __future__ import annotations

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from iamd.federation.messages import MessageKind, decode, encode
from iamd.federation.picture import covariance_intersection, track_quality
from iamd.identify.truth_identity import STANDARD_IDENTITIES

from .conftest import BASE, exchange, local_tracks, pictures, reporters

OBJ = BASE + np.array([[0.0, 0.0, 0.0], [30_000.0, 0.0, 0.0], [0.0, 40_000.0, 0.0]])
HOSTILE, FRIEND = STANDARD_IDENTITIES.index("hostile"), STANDARD_IDENTITIES.index("friend")


def _cycle(pics, tracks, t, now, skip=()):
    for c, p in pics.items():
        if c not in skip:
            p.step(t, tracks[c], now)
    exchange(pics, now, skip=skip)


def _converged(pics, tracks, cycles=3, t0=0.0):
    for k in range(cycles):
        _cycle(pics, tracks, t0 + k, t0 + k)


def test_dual_designations_correlate_to_one_number_and_one_reporter():
    pics = pictures()
    tracks = {c: local_tracks([1, 2, 3], OBJ) for c in pics}  # all three hold all three
    _converged(pics, tracks)
    numbers = {c: sorted(p.picture.number.tolist()) for c, p in pics.items()}
    assert numbers["BGR"] == numbers["GRC"] == numbers["ROU"]
    assert len(numbers["BGR"]) == 3  # no duplicate of an object
    for n in numbers["BGR"]:
        assert len(reporters(pics, n)) == 1
    # each object kept the lowest number any node gave it (BGR's block is first)
    assert all(1000 <= n < 2000 for n in numbers["BGR"])
    assert any(e.kind == "correlate" for e in pics["GRC"].events)


def test_takeover_when_the_reporter_is_lost():
    pics = pictures()
    tracks = {c: local_tracks([1, 2, 3], OBJ) for c in pics}
    _converged(pics, tracks)
    numbers = pics["GRC"].picture.number.tolist()
    assert all(reporters(pics, n) == ["BGR"] for n in numbers)
    for c in ("GRC", "ROU"):
        pics[c].peer_lost("BGR", 3.0)  # its liveliness token disappeared
    _cycle(pics, tracks, 3.0, 3.0, skip=("BGR",))
    _cycle(pics, tracks, 4.0, 4.0, skip=("BGR",))
    for n in numbers:  # same numbers, one live reporter each
        assert [c for c in reporters(pics, n) if c != "BGR"] == ["GRC"]
    assert sorted(pics["ROU"].picture.number.tolist()) == sorted(numbers)
    assert any(e.kind == "r2_takeover" for e in pics["GRC"].events)


def test_takeover_within_one_lease_without_a_liveliness_signal():
    pics = pictures(lease_s=3.0)
    tracks = {c: local_tracks([1], OBJ[:1]) for c in pics}
    _converged(pics, tracks)
    n = int(pics["GRC"].picture.number[0])
    # BGR falls silent after its last batch at now = 2; at now = 5 (one lease) GRC still
    # waits, just past it GRC takes over
    pics["GRC"].step(5.0, tracks["GRC"], 5.0)
    assert n not in pics["GRC"].reporting().tolist()
    pics["GRC"].step(5.01, tracks["GRC"], 5.01)
    assert n in pics["GRC"].reporting().tolist()


def _quality_pair(delta):
    """Covariance scales whose track qualities differ by ``delta``."""
    base = np.eye(6) * 500.0**2
    q0 = int(track_quality(base[None])[0])
    for scale in np.geomspace(1.0, 1e-3, 400):
        q = int(track_quality((base * scale)[None])[0])
        if q - q0 == delta:
            return 500.0, 500.0 * np.sqrt(scale)
    raise AssertionError("no scale")


def test_r2_moves_only_when_quality_is_better_by_two():
    for delta, moves in ((1, False), (2, True)):
        pics = pictures()
        s_bgr, s_grc = _quality_pair(delta)
        tracks = {"BGR": local_tracks([1], OBJ[:1], sigma_m=s_bgr),
                  "GRC": local_tracks([1], OBJ[:1], sigma_m=s_bgr),
                  "ROU": local_tracks([], np.zeros((0, 3)))}  # fmt: skip
        _converged(pics, tracks)  # equal qualities: BGR (first in the roster) reports
        n = int(pics["GRC"].picture.number[0])
        assert reporters(pics, n) == ["BGR"]
        tracks["GRC"] = local_tracks([1], OBJ[:1], sigma_m=s_grc)  # GRC's track improves
        _converged(pics, tracks, t0=3.0)
        assert reporters(pics, n) == (["GRC"] if moves else ["BGR"]), delta
        assert int(pics["ROU"].picture.reporter[0]) == (1 if moves else 0)


def test_identity_conflict_is_flagged_and_not_overwritten():
    pics = pictures()
    tracks = {"BGR": local_tracks([1], OBJ[:1], identity=[HOSTILE]),
              "GRC": local_tracks([1], OBJ[:1], identity=[FRIEND]),
              "ROU": local_tracks([], np.zeros((0, 3)))}  # fmt: skip
    _converged(pics, tracks)
    g = pics["GRC"]
    n = int(g.picture.number[0])
    conflicts = [e for e in g.events if e.kind == "identity_conflict"]
    assert len(conflicts) == 1 and conflicts[0].number == n
    assert "GRC: friend, BGR: hostile" in conflicts[0].detail
    assert g.conflicts[n] == (FRIEND, HOSTILE, "BGR")  # both identities kept
    assert bool(g.picture.conflict[0])
    assert int(g.picture.identity[0]) == HOSTILE  # the reporter's, flagged
    # the same conflict is not logged again at every cycle
    _converged(pics, tracks, t0=3.0)
    assert len([e for e in g.events if e.kind == "identity_conflict"]) == 1


def test_undecided_identity_is_no_conflict():
    pics = pictures()
    tracks = {"BGR": local_tracks([1], OBJ[:1], identity=[HOSTILE]),
              "GRC": local_tracks([1], OBJ[:1], identity=[STANDARD_IDENTITIES.index("unknown")]),
              "ROU": local_tracks([], np.zeros((0, 3)))}  # fmt: skip
    _converged(pics, tracks)
    assert not pics["GRC"].conflicts


def test_late_joiner_converges_within_one_update_cycle():
    pics = pictures()
    tracks = {"BGR": local_tracks([1, 2], OBJ[:2]), "GRC": local_tracks([7], OBJ[2:]),
              "ROU": local_tracks([], np.zeros((0, 3)))}  # fmt: skip
    for k in range(3):
        _cycle(pics, tracks, float(k), float(k), skip=("ROU",))
    full = sorted(pics["BGR"].picture.number.tolist())
    assert len(full) == 3
    _cycle(pics, tracks, 3.0, 3.0)  # ROU's first cycle: it receives one batch of each
    pics["ROU"].step(3.0, tracks["ROU"], 3.0)
    assert sorted(pics["ROU"].picture.number.tolist()) == full


def test_partner_events_carry_scenario_time_and_the_monotonic_clock_apart():
    """A partner joining or lost is stamped with the picture's scenario time, as the step's
    events are; the node's monotonic clock, on which the lease runs, is a field of its own."""
    pics = pictures()
    g = pics["GRC"]
    tracks = {c: local_tracks([1], OBJ[:1]) for c in pics}
    for c, p in pics.items():  # scenario time 30 s; the monotonic clock far from it
        p.step(30.0, tracks[c], 5000.0)
    exchange(pics, 5000.2)
    g.step(32.0, tracks["GRC"], 5001.0)
    g.peer_lost("BGR", 5001.5)  # BGR's token disappears between two steps
    g.step(36.0, tracks["GRC"], 5003.5)  # ROU silent for more than a lease
    peer = [e for e in g.events if e.kind.startswith("peer")]
    assert [(e.kind, e.detail, e.t_s) for e in peer] == [
        ("peer_joined", "BGR", 30.0),
        ("peer_joined", "ROU", 30.0),
        ("peer_lost", "BGR", 32.0),
        ("peer_lost", "ROU", 36.0),
    ]
    assert {e.t_s for e in g.events} <= {30.0, 32.0, 36.0}  # every event on the scenario clock
    assert [e.monotonic_s for e in peer] == [5000.2, 5000.2, 5001.5, 5003.5]
    assert all(e.monotonic_s is None for e in g.events if not e.kind.startswith("peer"))


def test_covariance_intersection_does_not_double_count():
    x = np.array([[1.0, 2.0, 3.0, 4.0, 5.0, 6.0]])
    p = np.diag([100.0, 200.0, 50.0, 4.0, 4.0, 9.0])[None]
    xf, pf = covariance_intersection(x, p, x, p)  # the same information twice
    np.testing.assert_allclose(pf, p, rtol=1e-9)  # a Kalman fusion would halve it
    np.testing.assert_allclose(xf, x)


@settings(max_examples=50, deadline=None)
@given(st.floats(-0.99, 0.99), st.floats(0.1, 10.0), st.floats(0.1, 10.0))
def test_covariance_intersection_is_consistent_for_any_correlation(rho, s1, s2):
    """The fused covariance bounds the true error covariance of the fused estimate whatever
    the cross-correlation (Julier & Uhlmann 1997), and is symmetric positive definite."""
    p1 = np.eye(6) * s1**2
    p2 = np.diag([s2**2, (2 * s2) ** 2, s2**2, 1.0, 1.0, 1.0])
    p12 = rho * np.sqrt(np.outer(np.diag(p1), np.diag(p2))) * np.eye(6)
    _, pf = covariance_intersection(np.zeros((1, 6)), p1[None], np.zeros((1, 6)), p2[None])
    pf = pf[0]
    # recover the gains of the fused estimate: K1 = w P P1^-1, K2 = (1 - w) P P2^-1
    info = np.linalg.inv(pf)
    i1, i2 = np.linalg.inv(p1), np.linalg.inv(p2)
    w = np.linalg.lstsq(np.stack([(i1 - i2).ravel()], 1), (info - i2).ravel(), rcond=None)[0][0]
    k1, k2 = w * pf @ i1, (1 - w) * pf @ i2
    true = k1 @ p1 @ k1.T + k2 @ p2 @ k2.T + k1 @ p12 @ k2.T + k2 @ p12.T @ k1.T
    assert np.allclose(pf, pf.T)
    assert np.linalg.eigvalsh(pf).min() > 0
    assert np.linalg.eigvalsh(pf - true).min() > -1e-9 * np.trace(pf)


def test_a_lost_reporters_tracks_coast_until_taken_over_and_never_duplicate():
    pics = pictures(lease_s=3.0)
    tracks = {"BGR": local_tracks([1, 2], OBJ[:2]), "GRC": local_tracks([5], OBJ[:1]),
              "ROU": local_tracks([], np.zeros((0, 3)))}  # fmt: skip
    _converged(pics, tracks)
    numbers = sorted(pics["ROU"].picture.number.tolist())
    assert len(numbers) == 2
    r = pics["ROU"]
    for c in ("GRC", "ROU"):
        pics[c].peer_lost("BGR", 3.0)
    r.step(3.0, tracks["ROU"], 3.0)  # GRC's takeover batch not yet here: both coast
    assert sorted(r.picture.number.tolist()) == numbers
    _cycle(pics, tracks, 4.0, 4.0, skip=("BGR",))
    r.step(4.0, tracks["ROU"], 4.0)  # GRC reports the first; the second still coasts
    assert sorted(r.picture.number.tolist()) == numbers
    assert int(r.picture.reporter[r.picture.number == numbers[0]][0]) == 1
    r.step(6.5, tracks["ROU"], 6.5)  # a lease after the loss: the untaken track is gone
    _cycle(pics, tracks, 6.5, 6.5, skip=("BGR",))
    r.step(6.5, tracks["ROU"], 6.5)
    assert r.picture.number.tolist() == [numbers[0]]


def _batch(pic, nation):
    return decode(encode(MessageKind.TRACKS, nation, 1, 0.0, pic.outgoing(), wall_ns=0)).records


def test_a_late_batch_of_the_old_reporter_does_not_take_the_track_back():
    """Over a slow link a transfer crosses the old reporter's claims: GRC takes the track at
    t = 3 (quality better by two); BGR, not yet aware, claims it again in its batch of
    t = 3.5, which reaches GRC only after GRC's quality fell back to BGR's (a tie, which the
    roster would give to BGR). GRC keeps the track (within a lease of the transfer the old
    reporter takes it back only with a quality better by the margin); BGR gives it up on
    GRC's claim: one reporter, never none (before, both gave it up)."""
    pics = pictures(roster=("BGR", "GRC"))
    s_old, s_better = _quality_pair(2)
    tracks = {c: local_tracks([1], OBJ[:1], sigma_m=s_old) for c in pics}
    _converged(pics, tracks)
    n = int(pics["GRC"].picture.number[0])
    assert reporters(pics, n) == ["BGR"]
    better = local_tracks([1], OBJ[:1], sigma_m=s_better)
    pics["BGR"].step(3.0, tracks["BGR"], 3.0)
    pics["GRC"].step(3.0, better, 3.0)
    assert reporters(pics, n) == ["BGR", "GRC"]  # GRC took it; BGR has not seen that yet
    pics["BGR"].step(3.5, tracks["BGR"], 3.5)  # GRC's claim still on the way
    late = _batch(pics["BGR"], "BGR")  # BGR's batch of t = 3.5, held on the slow link
    pics["BGR"].receive("GRC", _batch(pics["GRC"], "GRC"), 3.6)
    pics["BGR"].step(4.0, tracks["BGR"], 4.0)
    assert reporters(pics, n) == ["GRC"]
    pics["GRC"].receive("BGR", late, 4.2)
    pics["GRC"].step(4.0, tracks["GRC"], 4.2)  # its quality back to BGR's
    assert reporters(pics, n) == ["GRC"]
    assert not any(e.kind == "r2_relinquish" and e.t_s >= 3.0 for e in pics["GRC"].events)


def test_the_old_reporter_takes_the_track_back_with_a_better_quality():
    """The lease after a transfer is no lock: the old reporter's claim with a quality
    better by the margin takes the track back at once."""
    pics = pictures(roster=("BGR", "GRC"))
    s_old, s_better = _quality_pair(2)
    tracks = {c: local_tracks([1], OBJ[:1], sigma_m=s_old) for c in pics}
    _converged(pics, tracks)
    n = int(pics["GRC"].picture.number[0])
    tracks["GRC"] = local_tracks([1], OBJ[:1], sigma_m=s_better)
    _cycle(pics, tracks, 3.0, 3.0)
    _cycle(pics, tracks, 4.0, 4.0)
    assert reporters(pics, n) == ["GRC"]
    tracks["GRC"] = local_tracks([1], OBJ[:1], sigma_m=s_old)
    tracks["BGR"] = local_tracks([1], OBJ[:1], sigma_m=s_better)
    for t in (5.0, 6.0, 7.0):  # a cycle for each side to see the other's new quality
        _cycle(pics, tracks, t, t)
    assert reporters(pics, n) == ["BGR"]
    assert any(e.kind == "r2_relinquish" and e.t_s >= 5.0 for e in pics["GRC"].events)


def test_two_reporters_after_a_partition_resolve_alike_when_a_quality_moves():
    """BGR and ROU both hold a track; ROU, cut off for longer than a lease, took it over, so at
    the heal both report it. Both publish quality q + 1; by the time BGR sees ROU's claim its
    own track has fallen to q. Each side resolves the dual report on the qualities both have
    published (a tie: BGR, first in the roster, keeps it), so exactly one reporter remains
    and GRC, which does not hold the track, keeps it in its picture (before, BGR compared
    its current q with ROU's q + 1 and gave the track up while ROU gave it up to BGR: for a
    cycle nobody reported it)."""
    pics = pictures()
    worse, good = _quality_pair(1)
    tracks = {"BGR": local_tracks([1], OBJ[:1], sigma_m=good),
              "GRC": local_tracks([], np.zeros((0, 3))),
              "ROU": local_tracks([1], OBJ[:1], sigma_m=good)}  # fmt: skip
    _converged(pics, tracks)
    n = int(pics["GRC"].picture.number[0])
    assert reporters(pics, n) == ["BGR"]
    whole = {c: pics[c] for c in ("BGR", "GRC")}
    for t in (3.0, 4.0, 5.0, 6.0, 7.0):  # the cut: ROU alone
        for p in pics.values():
            p.step(t, tracks[p.nation], t)
        exchange(whole, t)
    assert reporters(pics, n) == ["BGR", "ROU"]
    _cycle(pics, tracks, 8.0, 8.0)  # healed: each side sees the other's claim, q + 1
    tracks["BGR"] = local_tracks([1], OBJ[:1], sigma_m=worse)
    for p in pics.values():
        p.step(9.0, tracks[p.nation], 9.0)
    assert reporters(pics, n) == ["BGR"]
    for t in (10.0, 11.0):
        exchange(pics, t - 0.5)
        for p in pics.values():
            p.step(t, tracks[p.nation], t)
        assert reporters(pics, n) == ["BGR"]
        assert n in pics["GRC"].picture.number.tolist()
