"""The training pipeline tracks with the project's one tracker, and identifies only fresh
tracks.

The classifier must learn the tracks the engine will show it: the training's tracks are
checked against `iamd.track.manager.Tracker` run by hand on the same plots, one target at a
time, and against `iamd.track.sensed.SensedPicture` fed the same plots.
"""

from __future__ import annotations

from dataclasses import replace
from types import SimpleNamespace
from typing import Any

import numpy as np
import pytest

from iamd.geo.geodesic import great_circle_distance_m
from iamd.geo.wgs84 import aer_to_ecef, ecef_to_lla, ecef_vector_to_enu
from iamd.identify.classifier import CLASSES
from iamd.identify.features import FEATURE_NAMES
from iamd.identify.identity import IdentityRules, speed_height_sigma
from iamd.identify.stage import TrackIdentifier
from iamd.identify.training import (
    SQUAWK_PROB,
    THEATRE_BOX_DEG,
    TruthTracks,
    _clutter_volume,
    _detections,
    _place_sensors,
    _run_tracker,
    _sense_chunk,
    every_window,
    fresh_tracks,
    make_dataset,
    simulate_tracks,
    simulate_truth,
)
from iamd.identify.truth_identity import STANDARD_IDENTITIES
from iamd.scenario.airports import airports
from iamd.sense.radar import Plots, detect, make_sensor_array, measurement_covariance_ecef
from iamd.track.manager import CONFIRMED, Tracker
from iamd.track.picture import picture_layout
from iamd.track.sensed import SensedParams, SensedPicture
from iamd.world.general_aviation import GA_PATTERNS

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


def _track(det: np.ndarray, look: np.ndarray, pos: np.ndarray, cov: np.ndarray,
           alive: np.ndarray | None = None) -> Any:  # fmt: skip
    """The training's tracker on one target's plots, with the engine's clutter volume of the
    test radar."""
    truth = _truth(det.shape[1])
    if alive is not None:
        truth = replace(truth, alive=alive)
    volume = _engine(_radar()).cell_volume
    return _run_tracker(truth, det, look, pos[None], cov[None], volume=volume)


def test_the_training_tracks_are_the_sensed_pictures_step_by_step() -> None:
    radar = _radar()
    rng_m, az, el, pos, cov = _plots(radar)
    ones = np.ones((1, STEPS), dtype=bool)
    tt = _track(ones, ones, pos, cov)
    pic = _engine(radar)
    confirmed_at = -1
    for k in range(STEPS):
        pic.update(float(k), _plot(k, rng_m, az, el, pos, cov), np.array([1]))
        tab = pic.tracks.table
        assert len(tab.ids) == 1
        assert np.allclose(tab.state[0, :3], tt.pos[0, k], rtol=0.0, atol=1e-6)
        assert np.allclose(tab.state[0, 3:], tt.vel[0, k], rtol=0.0, atol=1e-6)
        if confirmed_at < 0 and tab.status[0] == CONFIRMED:
            confirmed_at = k
    assert confirmed_at >= 1  # never on its first plot (the score starts at even odds)
    assert int(np.argmax(tt.exists[0])) == confirmed_at
    assert tt.held[0].all() and (tt.since_plot[0] == 0).all() and (tt.start[0] == 0).all()


def _target_track(tab: Any) -> int:
    """The row of the target's track: the confirmed one with the most plots (the newest of
    equals), else the newest; -1 for none."""
    if len(tab.ids) == 0:
        return -1
    rows = list(range(len(tab.ids)))
    conf = [i for i in rows if tab.status[i] == CONFIRMED]
    if conf:
        return max(conf, key=lambda i: (int(tab.hits[i]), int(tab.ids[i])))
    return max(rows, key=lambda i: int(tab.ids[i]))


def test_simulated_tracks_are_the_trackers_run_by_hand_one_target_at_a_time() -> None:
    """The training runs one tracker over a chunk of targets, one picture and one radar
    each; every target's tracks are those of a tracker given its plots alone."""
    truth = simulate_truth(8, 10, history_s=120)
    hist = simulate_tracks(truth, 8)
    sens, det, look, z, r_cov = _sense_chunk(truth, 8, 0, None, None, None, 100.0, True)
    volume = _clutter_volume(sens)
    params = SensedParams().tracker
    several = 0  # targets held by more than one track in turn
    for i in range(len(truth)):

        def own(p: np.ndarray, s: np.ndarray, i: int = i) -> np.ndarray:
            return volume(p, np.full(len(p), i))  # the tracker's sensor 0 is radar i

        trk = Tracker(params, volume=own)
        for k in range(truth.alive.shape[1]):
            on = det[i, k : k + 1]
            trk.step(float(k), z[i, k][None][on], r_cov[i, k][None][on],
                     np.zeros(int(on.sum()), dtype=np.int64),
                     scans=np.array([int(look[i, k] or det[i, k])]))  # fmt: skip
            tab = trk.table
            row = _target_track(tab)
            assert hist.held[i, k] == (row >= 0 and truth.alive[i, k]), (i, k)
            if row < 0:
                assert hist.start_idx[i, k] == -1
                continue
            assert hist.start_idx[i, k] == int(tab.born_s[row]), (i, k)
            assert hist.since_plot[i, k] == k - int(tab.updated_s[row]), (i, k)
            assert hist.exists[i, k] == (tab.status[row] == CONFIRMED and truth.alive[i, k])
            assert np.allclose(hist.pos_ecef_m[i, k], tab.state[row, :3], rtol=0.0, atol=1e-6)
            assert np.allclose(hist.vel_ecef_m_s[i, k], tab.state[row, 3:], rtol=0.0, atol=1e-6)
            sigma = speed_height_sigma(tab.state[row : row + 1], tab.covar[row : row + 1])
            assert np.allclose(hist.sigma_m[i, k], sigma[0])
        several += len(np.unique(hist.start_idx[i][hist.start_idx[i] >= 0])) > 1
    assert hist.exists.any() and several >= 1


def test_a_plot_outside_the_gate_starts_a_track_and_the_confirmed_one_stays_the_targets() -> None:
    radar = _radar()
    rng_m, az, el, pos, cov = _plots(radar, jump_at=20)
    ones = np.ones((1, STEPS), dtype=bool)
    tt = _track(ones, ones, pos, cov)
    # the far plot starts a tentative track; the confirmed one (more plots) coasts and stays
    # the target's, and takes the next plot
    assert tt.exists[0, 19] and tt.exists[0, 20] and tt.exists[0, 21]
    assert (tt.start[0, :25] == 0).all()
    assert tt.since_plot[0, 20] == 1 and tt.since_plot[0, 21] == 0
    pic = _engine(radar)
    for k in range(21):
        pic.update(float(k), _plot(k, rng_m, az, el, pos, cov), np.array([1]))
    assert len(pic.tracks.table.ids) == 2  # the engine too: the far plot starts a track


def test_without_a_confirmed_track_the_newest_is_the_targets() -> None:
    radar = _radar()
    _, _, _, pos, cov = _plots(radar, jump_at=1)
    det = np.zeros((1, STEPS), dtype=bool)
    det[0, :2] = True
    tt = _track(det, det.copy(), pos, cov)
    assert tt.start[0, 0] == 0 and tt.start[0, 1] == 1  # two tentative tracks: the newest
    assert tt.held[0, 1] and not tt.exists[0, 1]


def test_the_tracker_never_reads_the_truth_a_dead_targets_track_coasts() -> None:
    """Kill assessment is not the tracker's: a target destroyed at step 25 stops producing
    plots (and the radar no longer looks at it), and its track coasts; only the labels of
    the steps (held, exists) read the truth."""
    radar = _radar()
    _, _, _, pos, cov = _plots(radar)
    det = np.ones((1, STEPS), dtype=bool)
    det[0, 25:] = False
    alive = det.copy()
    flying = _track(det, det.copy(), pos, cov)
    dead = _track(det, det.copy(), pos, cov, alive=alive)
    for name in ("pos", "vel", "since_plot", "since_gap", "start", "sigma"):
        assert np.array_equal(getattr(flying, name), getattr(dead, name)), name
    assert (dead.start[0, 25:] == 0).all()  # the track is still there, coasting
    assert dead.held[0, :25].all() and not dead.held[0, 25:].any()
    assert not dead.exists[0, 25:].any() and flying.exists[0, 25:].all()


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
    # without hysteresis the judged candidate shows at once, whatever the cue says
    rules = IdentityRules(max_stale_s=max_stale_s, promote_updates=1, promote_s=0.0)
    ident = TrackIdentifier(rules=rules)
    for k in range(12):
        pic.update(float(k), _plot(k, rng_m, az, el, pos, cov), np.array([1]))
        step = ident.update(float(k), pic.tracks)
    assert step.code[0] != FRIEND and np.isfinite(step.probabilities[0]).all()
    # no plot (and no look, so the confirmed track coasts) for longer than 20 s
    stale_t = 11.0 + 21.0
    pic.update(stale_t, Plots.empty(), np.array([0]))
    assert pic.tracks.table.status[0] == CONFIRMED
    ident.memory.code[0] = FRIEND  # pretend it said friend last: a stale track keeps what it said
    before = ident.prob[0].copy()
    step = ident.update(stale_t, pic.tracks)
    if max_stale_s == 20.0:
        assert step.code[0] == FRIEND and len(step.changed) == 0
        assert np.array_equal(step.probabilities[0], before)
        assert step.cls[0] == int(np.argmax(before)) and step.cls[0] < len(CLASSES)
    else:  # no staleness rule: the extrapolated window is classified and judged again
        assert step.code[0] != FRIEND
        assert not np.array_equal(step.probabilities[0], before)


GAP = (12, 35)  # no plot and no look in steps 12..34: a 23 s gap, longer than max_stale_s


def test_after_a_gap_the_training_windows_wait_for_three_updates() -> None:
    radar = _radar()
    _, _, _, pos, cov = _plots(radar)
    det = np.ones((1, STEPS), dtype=bool)
    det[0, GAP[0] : GAP[1]] = False
    tt = _track(det, det.copy(), pos, cov)
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
    # without hysteresis the judged candidate shows at once, whatever the cue says
    ident = TrackIdentifier(rules=IdentityRules(promote_updates=1, promote_s=0.0))
    for k in range(STEPS):
        in_gap = GAP[0] <= k < GAP[1]
        plots = Plots.empty() if in_gap else _plot(k, rng_m, az, el, pos, cov)
        pic.update(float(k), plots, np.array([0 if in_gap else 1]))
        if k >= GAP[1]:
            assert pic.tracks.table.status[0] == CONFIRMED and len(pic.tracks.table.ids) == 1
            ident.memory.code[0] = FRIEND  # what it said last; kept only while not re-established
        step = ident.update(float(k), pic.tracks)
        if GAP[1] <= k < GAP[1] + 2:
            assert step.code[0] == FRIEND, k
        elif k == GAP[1] + 2:
            assert step.code[0] != FRIEND  # the third update after the gap: identified again


# --------------------------------------------------------------------------- the training truth


@pytest.fixture(scope="module")
def truth() -> TruthTracks:
    return simulate_truth(5, 1000, history_s=60)


def _first_lla(tt: TruthTracks, m: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    return ecef_to_lla(tt.pos_ecef_m[m, 0])


def test_civil_traffic_is_spread_over_the_theatre_not_around_the_airports(
    truth: TruthTracks,
) -> None:
    """The classifier must not learn the built-in airports: civil aircraft start anywhere in
    the theatre box (uniform points there are > 84 km from every airport 82 % of the time)."""
    civil = truth.label == CLASSES.index("airliner")
    lat, lon, _ = _first_lla(truth, civil)
    la0, la1, lo0, lo1 = THEATRE_BOX_DEG
    lat_d, lon_d = np.degrees(lat), np.degrees(lon)
    assert np.all((lat_d > la0 - 3) & (lat_d < la1 + 3) & (lon_d > lo0 - 4) & (lon_d < lo1 + 4))
    ap = list(airports().values())
    d = np.min(
        [
            great_circle_distance_m(np.radians(a.lat_deg), np.radians(a.lon_deg), lat, lon)
            for a in ap
        ],
        axis=0,
    )
    assert np.mean(d > 84e3) > 0.6


def test_civil_class_is_mostly_general_aviation_and_aerial_work(truth: TruthTracks) -> None:
    civil = truth.label == CLASSES.index("airliner")
    kinds = truth.kind[civil]
    assert set(GA_PATTERNS) <= set(kinds.tolist())
    assert {"jet", "overflight", "terminal", "relay", "holding"} <= set(kinds.tolist())
    assert np.isin(kinds, GA_PATTERNS).mean() > 0.5


def test_light_civil_aircraft_and_drones_overlap_in_rcs(truth: TruthTracks) -> None:
    civil = truth.label == CLASSES.index("airliner")
    ga = civil & np.isin(truth.kind, GA_PATTERNS)
    light = ga & np.isin(truth.kind, ["circuit", "cross_country", "thermalling", "hover"])
    drone = truth.label == CLASSES.index("drone")
    rcs_light, rcs_ga, rcs_drone = (
        truth.rcs_m2[light, 0],
        truth.rcs_m2[ga, 0],
        truth.rcs_m2[drone, 0],
    )
    assert rcs_light.min() >= 0.1 and rcs_light.max() <= 10.0 and rcs_ga.max() <= 30.0
    assert rcs_drone.min() >= 0.01 and rcs_drone.max() <= 5.0
    overlap = (rcs_light < 5.0).mean()  # log-uniform 0.1-10 m²: 85 % below 5 m²
    assert 0.75 < overlap < 0.95 and rcs_drone.max() > rcs_light.min()


def test_half_the_civil_aircraft_fly_dark(truth: TruthTracks) -> None:
    assert SQUAWK_PROB["airliner"] == 0.5
    civil = truth.label == CLASSES.index("airliner")
    assert 0.4 < truth.squawk[civil].mean() < 0.6
    threats = np.isin(truth.label, [2, 3, 4])
    assert not truth.squawk[threats].any() and not truth.iff[threats].any()


def test_drones_fly_30_to_200_m_s_from_50_to_9000_m_with_loiters_and_weaves(
    truth: TruthTracks,
) -> None:
    drone = truth.label == CLASSES.index("drone")
    lat, lon, h = ecef_to_lla(truth.pos_ecef_m[drone])
    enu = ecef_vector_to_enu(truth.vel_ecef_m_s[drone], lat, lon)
    alive = truth.alive[drone]
    cruise = alive & (np.abs(enu[..., 2]) < 1.0)  # level flight: the cruise speed and height
    speed = np.hypot(enu[..., 0], enu[..., 1])[cruise]
    assert speed.min() >= 30.0 - 0.5 and speed.max() <= 200.0 + 0.5
    assert speed.min() < 40.0 and speed.max() > 150.0
    assert h[cruise].min() >= 50.0 - 1.0 and h[cruise].max() <= 9000.0 + 1.0
    assert h[cruise].max() > 6000.0
    kinds = {k.split("_")[0] for k in truth.kind[drone].tolist()}
    assert kinds == {"route", "weave", "loiter"}


def test_the_dataset_holds_only_the_classifier_inputs() -> None:
    d = make_dataset(6, 30, windows_per_track=1)
    assert d.x.shape[1] == len(FEATURE_NAMES) == 12


class _Replay:
    """A radar's stream in `iamd.sense.radar.detect` that draws given numbers: one uniform
    and one triple of normals for target ``i`` at each scan, and a uniform of 1 (never a
    detection) for every other target."""

    def __init__(self, n: int, i: int, u: np.ndarray, noise: np.ndarray) -> None:
        self.n, self.i, self.u, self.noise = n, i, u, noise

    def random(self, n: int) -> np.ndarray:
        out = np.ones(n)
        out[self.i] = self.u
        return out

    def standard_normal(self, shape: tuple[int, int]) -> np.ndarray:
        out = np.zeros(shape)
        out[self.i] = self.noise
        return out


def test_the_trainings_detections_are_the_sensing_stages() -> None:
    """The training senses with the engine's radar model: `iamd.sense.radar.detect` given the
    training's radars, targets and draws gives the same detections, plots and covariances
    (scan phases, horizon, elevation limits, ceiling, range, Pd, noise)."""
    truth = simulate_truth(5, 25, history_s=90)
    n, h = truth.alive.shape
    rng = np.random.default_rng(3)
    radars = _place_sensors(rng, truth, None, None, None, 100.0, [f"t{i}" for i in range(n)])
    assert len(set(radars.type)) >= 4 and len(set(radars.scan_period_s.tolist())) >= 2
    u, noise = rng.random((n, h)), rng.standard_normal((n, h, 3))
    det, look, z, r_cov = _detections(truth, radars, u, noise)
    for k in range(h):
        gens = [_Replay(n, i, u[i, k], noise[i, k]) for i in range(n)]
        plots = detect(radars, truth.pos_ecef_m[:, k], truth.alive[:, k], truth.rcs_m2[:, k],
                       float(k), 1.0, gens)  # type: ignore[arg-type]  # fmt: skip
        assert np.array_equal(plots.sensor, plots.entity)  # radar i sees target i only
        assert np.array_equal(np.flatnonzero(det[:, k]), plots.sensor), k
        np.testing.assert_allclose(z[plots.sensor, k], plots.pos_ecef_m, rtol=0.0, atol=1e-6)
        np.testing.assert_allclose(r_cov[plots.sensor, k], plots.cov_ecef_m2, rtol=1e-12)
    # detections, looks without a detection, and living targets the radar does not look at
    assert det.any() and (look & ~det).any() and (truth.alive & ~look).any()
