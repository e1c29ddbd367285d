"""The training pipeline tracks with the engine's own tracker, and identifies only fresh tracks.

The classifier must learn the tracks the engine will show it: the training tracker is checked
step by step against `iamd.track.sensed.SensedPicture` fed the same plots (Bar-Shalom, Li and
Kirubarajan 2001, §11.6: the IMM; one target, one radar, no clutter, so there is nothing to
associate and the two must agree to rounding).
"""

from __future__ import annotations

from types import SimpleNamespace

import numpy as np
import pytest

from iamd.geo.wgs84 import aer_to_ecef
from iamd.identify.classifier import CLASSES
from iamd.identify.identity import IdentityRules
from iamd.identify.stage import TrackIdentifier
from iamd.identify.training import (
    TruthTracks,
    _imm_track,
    every_window,
    fresh_tracks,
    make_dataset,
    simulate_tracks,
    simulate_truth,
)
from iamd.identify.truth_identity import STANDARD_IDENTITIES
from iamd.sense.radar import Plots, make_sensor_array, measurement_covariance_ecef
from iamd.track.manager import CONFIRMED
from iamd.track.picture import picture_layout
from iamd.track.sensed import SensedPicture

STEPS = 40
FRIEND = STANDARD_IDENTITIES.index("friend")


def _radar() -> object:
    return make_sensor_array(
        ids=["r"], nation=["BGR"], type_=["t"], lat_deg=[43.0], lon_deg=[28.0],
        site_alt_m=[0.0], antenna_height_m=[10.0], detection_range_km=[150.0],
        rcs_ref_m2=[1.0], pd_ref=[0.9], min_elevation_deg=[0.0], max_elevation_deg=[80.0],
        max_altitude_km=[30.0], scan_period_s=[1.0], sigma_range_m=[30.0],
        sigma_azimuth_mrad=[2.0], sigma_elevation_mrad=[2.0], sector_center_deg=[0.0],
        sector_width_deg=[360.0],
    )  # fmt: skip


def _plots(radar: object, jump_at: int | None = None) -> tuple[np.ndarray, ...]:
    """Noisy plots (range, azimuth, elevation) of a target closing at 220 m/s from 60 km
    at 3 km height; ``jump_at``: one plot 40 km off at that step (outside any gate)."""
    rng = np.random.default_rng(7)
    k = np.arange(STEPS, dtype=np.float64)
    rng_m = 60e3 - 220.0 * k + rng.normal(0.0, 30.0, STEPS)
    az = 0.6 + rng.normal(0.0, 2e-3, STEPS)
    el = np.arcsin(3000.0 / (60e3 - 220.0 * k)) + rng.normal(0.0, 2e-3, STEPS)
    if jump_at is not None:
        az[jump_at] += 0.7
    pos = aer_to_ecef(az, el, rng_m, radar.lat_rad, radar.lon_rad, radar.alt_m)  # type: ignore[attr-defined]
    cov = measurement_covariance_ecef(radar, np.zeros(STEPS, dtype=np.int64), az, el, rng_m)  # type: ignore[arg-type]
    return rng_m, az, el, np.asarray(pos).reshape(STEPS, 3), cov


def _truth(n_steps: int) -> TruthTracks:
    z3 = np.zeros((1, n_steps, 3))
    return TruthTracks(
        t_s=np.arange(n_steps, dtype=np.float64)[None],
        pos_ecef_m=z3, vel_ecef_m_s=z3, alive=np.ones((1, n_steps), dtype=bool),
        label=np.zeros(1, dtype=np.int64), rcs_m2=np.ones((1, n_steps)),
        squawk=np.zeros(1, dtype=bool), iff=np.zeros(1, dtype=bool),
        baro_alt_m=np.zeros((1, n_steps)), group=np.zeros(1, dtype=np.int64),
        kind=np.array(["test"]),
    )  # fmt: skip


def _engine(radar: object) -> SensedPicture:
    return SensedPicture(
        layout=picture_layout("national", ["BGR"], [True], ["BGR"]),
        sensors=radar,  # type: ignore[arg-type]
        nations=["BGR"],
        n_objects=1,
    )


def _plot(k: int, rng_m: np.ndarray, az: np.ndarray, el: np.ndarray, pos: np.ndarray,
          cov: np.ndarray) -> Plots:  # fmt: skip
    s = slice(k, k + 1)
    return Plots(
        t_s=np.array([float(k)]), sensor=np.zeros(1, dtype=np.int64),
        entity=np.zeros(1, dtype=np.int64), range_m=rng_m[s], az_rad=az[s], el_rad=el[s],
        pos_ecef_m=pos[s], cov_ecef_m2=cov[s], squawk=np.zeros(1, dtype=bool),
        iff=np.zeros(1, dtype=bool), rcs_m2=np.ones(1), reported_alt_m=np.full(1, np.nan),
    )  # fmt: skip


def test_training_tracker_equals_the_sensed_pictures_imm_step_by_step() -> None:
    radar = _radar()
    rng_m, az, el, pos, cov = _plots(radar)
    tt = _imm_track(
        _truth(STEPS), np.ones((1, STEPS), dtype=bool), np.ones((1, STEPS), dtype=bool),
        pos[None], cov[None],
    )  # fmt: skip
    t_pos, t_vel, exists, held, since, start = (
        tt.pos,
        tt.vel,
        tt.exists,
        tt.held,
        tt.since_plot,
        tt.start,
    )
    pic = _engine(radar)
    confirmed_at = -1
    for k in range(STEPS):
        pic.update(float(k), _plot(k, rng_m, az, el, pos, cov), np.array([1]), np.array([True]))
        tab = pic.tracks.table
        assert len(tab.ids) == 1
        assert np.allclose(tab.state[0, :3], t_pos[0, k], rtol=0.0, atol=1e-6)
        assert np.allclose(tab.state[0, 3:], t_vel[0, k], rtol=0.0, atol=1e-6)
        if confirmed_at < 0 and tab.status[0] == CONFIRMED:
            confirmed_at = k
    assert confirmed_at == 2  # the third look of 3-of-5
    assert int(np.argmax(exists[0])) == confirmed_at
    assert held[0].all() and (since[0] == 0).all() and (start[0] == 0).all()


def test_a_plot_outside_the_gate_starts_a_new_track_as_in_the_engine() -> None:
    radar = _radar()
    rng_m, az, el, pos, cov = _plots(radar, jump_at=20)
    tt = _imm_track(
        _truth(STEPS), np.ones((1, STEPS), dtype=bool), np.ones((1, STEPS), dtype=bool),
        pos[None], cov[None],
    )  # fmt: skip
    exists, held, start = tt.exists, tt.held, tt.start
    assert start[0, 19] == 0 and start[0, 20] == 20  # lost, and started again on the plot
    assert exists[0, 19] and not exists[0, 20] and held[0, 20]  # the new track is tentative
    pic = _engine(radar)
    for k in range(21):
        pic.update(float(k), _plot(k, rng_m, az, el, pos, cov), np.array([1]), np.array([True]))
    assert len(pic.tracks.table.ids) == 2  # the engine too: the far plot starts a track


def test_windows_are_taken_only_where_the_engine_identifies_a_track() -> None:
    hist = simulate_tracks(simulate_truth(4, 40, history_s=150), 4)
    fresh = fresh_tracks(hist)
    assert not np.any(fresh & ~hist.exists)
    assert np.all(hist.since_plot[fresh] <= IdentityRules().max_stale_s)
    tr, end = every_window(hist)
    assert fresh[tr, end].all()
    # tentative samples fill the windows (the engine samples every track of its table)
    assert np.any(hist.held & ~hist.exists)
    d = make_dataset(4, 40, history=hist)
    assert fresh[d.track, d.end_idx].all()


@pytest.mark.parametrize("max_stale_s", [20.0, 1e9])
def test_the_stage_keeps_the_identity_of_a_stale_track(max_stale_s: float) -> None:
    radar = _radar()
    rng_m, az, el, pos, cov = _plots(radar)
    pic = _engine(radar)
    ident = TrackIdentifier(rules=IdentityRules(max_stale_s=max_stale_s))
    for k in range(12):
        pic.update(float(k), _plot(k, rng_m, az, el, pos, cov), np.array([1]), np.array([True]))
        step = ident.update(float(k), pic.tracks)
    assert step.code[0] != FRIEND and np.isfinite(step.probabilities[0]).all()
    # no plot (and no look, so the confirmed track coasts) for longer than 20 s
    stale_t = 11.0 + 21.0
    pic.update(stale_t, Plots.empty(), np.array([0]), np.array([True]))
    assert pic.tracks.table.status[0] == CONFIRMED
    ident.code[0] = FRIEND  # pretend it said friend last: a stale track keeps what it said
    before = ident.prob[0].copy()
    step = ident.update(stale_t, pic.tracks)
    if max_stale_s == 20.0:
        assert step.code[0] == FRIEND and len(step.changed) == 0
        assert np.array_equal(step.probabilities[0], before)
        assert step.cls[0] == int(np.argmax(before)) and step.cls[0] < len(CLASSES)
    else:  # no staleness rule: the extrapolated window is classified again
        assert step.code[0] != FRIEND and list(step.changed) == [0]


GAP = (12, 35)  # no plot and no look in steps 12..34: a 23 s gap, longer than max_stale_s


def test_after_a_gap_the_training_windows_wait_for_three_updates() -> None:
    radar = _radar()
    _, _, _, pos, cov = _plots(radar)
    det = np.ones((1, STEPS), dtype=bool)
    det[0, GAP[0] : GAP[1]] = False
    tt = _imm_track(_truth(STEPS), det, det.copy(), pos[None], cov[None])
    assert tt.exists[0, GAP[0] :].all() and (tt.start[0] == 0).all()  # one track throughout
    assert tt.since_gap[0, GAP[1] : GAP[1] + 3].tolist() == [1, 2, 3]
    hist = SimpleNamespace(exists=tt.exists, since_plot=tt.since_plot, since_gap=tt.since_gap)
    fresh = fresh_tracks(hist)  # type: ignore[arg-type]
    assert fresh[0, GAP[0] - 1] and not fresh[0, GAP[0] + 21]  # stale after 20 s
    assert fresh[0, GAP[1] : GAP[1] + 3].tolist() == [False, False, True]


def test_after_a_gap_the_stage_waits_for_three_updates() -> None:
    radar = _radar()
    rng_m, az, el, pos, cov = _plots(radar)
    pic = _engine(radar)
    ident = TrackIdentifier()
    for k in range(STEPS):
        in_gap = GAP[0] <= k < GAP[1]
        plots = Plots.empty() if in_gap else _plot(k, rng_m, az, el, pos, cov)
        pic.update(float(k), plots, np.array([0 if in_gap else 1]), np.array([True]))
        if k >= GAP[1]:
            assert pic.tracks.table.status[0] == CONFIRMED and len(pic.tracks.table.ids) == 1
            ident.code[0] = FRIEND  # what it said last; kept only while not re-established
        step = ident.update(float(k), pic.tracks)
        if GAP[1] <= k < GAP[1] + 2:
            assert step.code[0] == FRIEND, k
        elif k == GAP[1] + 2:
            assert step.code[0] != FRIEND  # the third update after the gap: identified again
