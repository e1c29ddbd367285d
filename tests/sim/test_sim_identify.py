"""The identification stage in the engine: every sensed track classified and given a STANAG
1241 identity without the truth, threats engaged only after a ``hostile`` identity, civil
aircraft never engaged, and the identification figures of ``summary.json``.

The reference for the rules is STANAG 1241 (APP-6) as encoded by `iamd.identify.identity`;
the reference for what an object *is* is the truth of the run (its catalog class).
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import pandas as pd

from iamd.identify.stage import TrackIdentifier
from iamd.identify.truth_identity import STANDARD_IDENTITIES
from iamd.sim.engine import RunResult
from iamd.sim.outcome import identification_figures

HOSTILE = ("drone", "cruise_missile", "ballistic_missile")


def _identities(res: RunResult) -> pd.DataFrame:
    ev = res.events
    ids = ev[ev["kind"] == "identity"].copy()
    ids["word"] = ids["detail"].str.split(" ").str[0]
    ids["track"] = ids["detail"].str.extract(r", (\w+ track \d+)$", expand=False)
    cls = dict(zip(res.truth.ids, res.truth.cls.tolist(), strict=True))
    ids["cls"] = ids["entity"].map(cls)
    return ids


def test_every_identity_event_is_a_stanag_1241_word_with_its_evidence(
    full_run: Callable[[str], RunResult],
) -> None:
    ids = _identities(full_run("integrated"))
    assert len(ids) > 50
    assert ids["word"].isin(STANDARD_IDENTITIES).all()
    assert ids["track"].notna().all()
    assert ids["detail"].str.contains(r"\((?:[RAHNSUP]\d|D) ", regex=True).all()  # the rule
    assert ids["value"].between(0.0, 1.0).all()  # probability of the most likely class


def test_civil_aircraft_are_never_identified_hostile_nor_engaged(
    full_run: Callable[[str], RunResult],
) -> None:
    for policy in ("integrated", "national"):
        res = full_run(policy)
        ids = _identities(res)
        civil = ids[ids["cls"].isin(["airliner", "fighter"])]
        assert len(civil) > 10  # civil traffic and patrols are in the picture
        assert not (civil["word"] == "hostile").any()
        assert res.summary["civil_aircraft_engaged"] == 0
        assert res.summary["identification"]["aircraft_identified_hostile"] == 0
        fired = res.engagements
        assert not fired["threat_class"].isin(["airliner", "fighter"]).any()


def test_threats_are_engaged_only_while_their_track_is_hostile(
    full_run: Callable[[str], RunResult],
) -> None:
    res = full_run("integrated")
    ids = _identities(res)
    eng = res.engagements
    assert len(eng) > 20
    units = res.effectors
    reaction = dict(zip(units.ids, units.reaction_s.tolist(), strict=True))
    for row in eng.itertuples():
        t_decide = row.t_fire_s - reaction[row.unit]  # the unit fires after its reaction time
        hist = ids[(ids["track"] == row.track) & (ids["t_s"] <= t_decide + 1e-6)]
        assert len(hist), f"engagement {row.seq} on {row.track} before any identity"
        last = hist.sort_values("t_s", kind="stable")["word"].iloc[-1]
        assert last == "hostile", f"engagement {row.seq} on {row.track} while {last}"


def test_every_tracked_threat_of_the_builtin_raid_becomes_hostile(
    full_run: Callable[[str], RunResult],
) -> None:
    fig = full_run("integrated").summary["identification"]
    assert fig["threats_tracked"] >= 45
    assert fig["threats_tracked_never_hostile"] <= 1
    assert fig["threats_identified_friendly"] == 0
    # ballistic missiles within seconds of the first track (maturity, then H2/H3 sustained)
    assert fig["time_to_hostile_s"]["ballistic_missile"]["max"] <= 30.0


def test_identification_figures_count_a_contradicting_identity_once_per_picture(
    full_run: Callable[[str], RunResult],
) -> None:
    res = full_run("integrated")
    ev = res.events
    airliner = res.truth.ids[int(np.flatnonzero(res.truth.cls == "airliner")[0])]
    drone = res.truth.ids[int(np.flatnonzero(res.truth.cls == "drone")[0])]
    extra = pd.DataFrame(
        [
            {"t_s": 10.0, "kind": "identity", "entity": airliner, "picture": "joint",
             "detail": "hostile (made up)"},
            {"t_s": 12.0, "kind": "identity", "entity": airliner, "picture": "joint",
             "detail": "hostile (made up again)"},
            {"t_s": 14.0, "kind": "identity", "entity": drone, "picture": "joint",
             "detail": "neutral (made up)"},
        ]
    )  # fmt: skip
    base = identification_figures(res.truth, ev)
    fig = identification_figures(res.truth, pd.concat([ev, extra], ignore_index=True))
    assert fig["misidentifications"] == base["misidentifications"] + 2
    assert fig["civil_aircraft_identified_hostile"] == base["civil_aircraft_identified_hostile"] + 1
    assert fig["threats_identified_friendly"] == base["threats_identified_friendly"] + 1


def test_identifier_windows_follow_tracks_whatever_the_row_order(
    full_run: Callable[[str], RunResult],
) -> None:
    tracks = full_run("national").picture.tracks  # type: ignore[union-attr]
    assert len(tracks) >= 5
    ident = TrackIdentifier()
    rng = np.random.default_rng(0)
    t = 0.0
    for _ in range(4):
        ident.update(t, tracks)
        t += 2.0
    key = tracks.picture * (1 << 32) + tracks.number
    before = dict(zip(key.tolist(), ident.window.copy(), strict=True))
    perm = rng.permutation(len(tracks))[: len(tracks) - 2]  # reorder, two tracks gone
    step = ident.update(t, tracks.take(perm))
    assert len(ident.keys) == len(perm)
    for r, k in enumerate(ident.keys.tolist()):
        np.testing.assert_array_equal(ident.window[r, :-1], before[k][1:])
    assert step.code.shape == (len(perm),)
    assert ident.valid[:, -5:].all() and not ident.valid[:, :-5].any()


def test_track_rcs_estimates_average_the_looks_to_the_true_rcs(
    full_run: Callable[[str], RunResult],
) -> None:
    """The fading-memory mean of Swerling I looks is unbiased up to the calibration error's
    log-normal mean (1.5 dB: x1.06): the median ratio to the truth is near 1 (0 dB)."""
    res = full_run("national")
    trk = res.picture.tracks  # type: ignore[union-attr]
    ok = (trk.entity >= 0) & (trk.rcs_looks > 5.0)
    assert ok.sum() >= 10
    ratio_db = 10.0 * np.log10(trk.rcs_m2[ok] / res.truth.rcs_m2[trk.entity[ok]])
    assert abs(float(np.median(ratio_db))) < 1.5
    assert float(np.percentile(np.abs(ratio_db), 90)) < 6.0
