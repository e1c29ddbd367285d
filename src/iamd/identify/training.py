"""Training tracks for the identification classifier, from the project's own world and sensor
models, and the training itself.

What it models
--------------
1. **Truth** (:func:`simulate_truth`): n flights of known class from :mod:`iamd.world`, each cut
   to a segment of up to ``HISTORY_S`` seconds on a 1 s grid (partial tracks: a segment may
   start at launch or end at impact):

   - *airliner* (civil aircraft), anywhere in ``THEATRE_BOX_DEG`` (never near the built-in
     airports, which a classifier would learn as a map): general aviation and aerial work
     from :func:`iamd.world.general_aviation.fly_general_aviation` (56 %: circuits,
     cross-country, gliders thermalling, helicopters hovering, survey lines, flight-inspection
     arcs and ILS runs, fire-fighting circuits; ``CIVIL_GA_SHARE``); jets between random
     fields (``fly_airliner``, two thirds of the windows in climb or approach); overflights at
     flight levels (``fly_waypoints``); terminal-area traffic climbing, descending and turning
     at standard rate; relay and patrol orbits and holdings (``racetrack_orbit``). RCS
     log-uniform 10–100 m² (jets), 0.1–10 m² (light aircraft, gliders, light helicopters:
     overlapping the drones), 0.5–30 m² (aerial work; ``GA_RCS_M2``).
   - *fighter*: random manoeuvres (turns of up to 7 g, climbs, dives, speed changes, 150–550
     m/s, 0.1–15 km) and racetrack CAPs; RCS 1–5 m².
   - *drone*: propeller, fast propeller and jet types (``DRONE_TYPES``: 30–200 m/s, 50–9,000
     m) on ``drone_route`` with 0–4 doglegs, weaving routes, or loitering
     (``racetrack_orbit``); RCS 0.01–5 m².
   - *cruise_missile*: ``cruise_missile_route``, 200–280 m/s at 25–200 m, 0–3 doglegs, a dive
     or a pop-up (150–600 m) at the end, a third air-launched from 3–10 km; RCS 0.05–1 m².
   - *ballistic_missile*: ``fly_ballistic`` with the catalog's six MRBMs, 150–2,000 km, flight
     path angles 25–45°, from Iran or the Crimea onto the Balkans; any phase (boost,
     midcourse, terminal); RCS 0.01–1 m² (1–10 m² with the booster in boost).

   Cooperative equipment per track: civil aircraft squawk with probability 0.5 (the rest fly
   dark), fighters answer allied IFF with probability 0.7 and squawk with 0.4; drones and
   missiles never do. The classifier reads none of it (nor airways, airports or flight
   levels: ``FEATURE_NAMES``); the windows carry it for the identity rules.
2. **Sensing** (:func:`simulate_tracks`): each track is watched by one radar of the catalog
   (``iamd.scenario.catalog`` sensor types), placed at a random bearing and a log-uniform
   distance inside its horizon and detection range. The radar model is the sensing stage's,
   the functions `iamd.sense.radar.detect` applies in the engine (:func:`_detections`): the
   radar scans with its type's period from the phase its id gives it
   (``iamd.sense.radar.scanning``), sees the target inside its coverage (4/3-Earth horizon,
   elevation limits, ceiling, instrumented range: ``iamd.sense.radar.coverage``), detects it
   with the Swerling I probability ``Pd = Pfa^(1/(1+SNR))`` of the calibrated radar equation
   (``iamd.sense.radar.pd_at``) and measures range, azimuth and elevation with Gaussian errors
   of the type's sigmas (``iamd.sense.radar.measure``). A third of the tracks also lose all
   plots for 5–30 s (dropouts).
3. **Tracking** (:func:`_run_tracker`): the plots (converted measurement covariance
   J diag(σ_r², σ_az², σ_el²) Jᵀ) go through the project's one tracker,
   `iamd.track.manager.Tracker`, with the engine's settings (``SensedParams().tracker``: the
   IMM of constant velocity, ballistic and manoeuvre models, initiation with the speed
   uncertainty of the plot's height, the χ² gate, confirmation and deletion by the
   sequential test on the track score) and the engine's clutter volume per radar
   (:func:`_clutter_volume`), so the classifier learns the tracks the engine will show it.
   Each target is a picture of its own fed by its own radar, so one tracker tracks all the
   targets of a chunk at once and independently. The tracker sees only plots and scans: a
   destroyed target stops producing plots and its track coasts until the track rules delete
   it. A target lost is found again by a new track; where a picture holds several tracks,
   the target's is the confirmed one with the most plots, else the newest. Windows end where
   the engine identifies a track (:func:`fresh_tracks`).
4. **Windows** (:func:`history_windows`): the last 20 filter states every 2 s at chosen ages,
   with 3 % of the samples dropped, a transponder altitude (25 ft steps) where the target
   squawks, and an RCS estimate: the true RCS times the mean of the window's Swerling I
   fluctuations (Gamma(k, 1/k) for k detections) times a 2 dB log-normal calibration error.

The classifier (:func:`train`) is a ``HistGradientBoostingClassifier`` with pairwise
interaction constraints, calibrated with ``CalibratedClassifierCV`` on a held-out split of
flights, and exported to :mod:`iamd.identify.classifier`'s table form with the training
windows' support (:func:`iamd.identify.classifier.feature_support`). Splits are by flight,
stratified by class, so no flight feeds two splits and every split holds every class.
Everything is drawn from ``iamd.rng`` streams of the seed: the same seed and size give the
same tracks, the same model and the same probabilities.

Real flights (:func:`load_real_flights`) are OpenSky ADS-B recordings
(``shared/data/flights``) replayed with ``iamd.world.airliner.replay_track`` as truth, then
sensed and tracked the same way (:func:`real_flight_tracks`).
"""

from __future__ import annotations

import hashlib
import importlib
import math
import platform
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any, NamedTuple

import numpy as np
import numpy.typing as npt
import pandas as pd
from pyproj import Geod

from iamd.errors import InputError
from iamd.geo.horizon import radar_horizon_range_m
from iamd.geo.wgs84 import (
    R_MEAN_M,
    ecef_to_lla,
    enu_vector_to_ecef,
    lla_to_ecef,
)
from iamd.identify.classifier import (
    CLASSES,
    IdentifyModel,
    classify,
    feature_support,
    from_sklearn,
    out_of_support,
    save_model,
)
from iamd.identify.features import (
    FEATURE_NAMES,
    WINDOW_SAMPLES,
    WINDOW_STEP_S,
    AirwayNetwork,
    TrackWindow,
    airway_network,
    compute_features,
)
from iamd.identify.identity import IdentityRules, speed_height_sigma
from iamd.rng import stream
from iamd.scenario.catalog import builtin_catalog
from iamd.sense.radar import (
    SensorArray,
    coverage,
    make_sensor_array,
    measure,
    pd_at,
    pd_of_step,
    scanning,
)
from iamd.track.manager import Tracker, TrackerParams, VolumeFn
from iamd.track.picture import picture_layout
from iamd.track.sensed import SensedParams, SensedPicture
from iamd.units import FT_M
from iamd.world.airliner import fly_airliner
from iamd.world.ballistic import BallisticMissileParams, fly_ballistic
from iamd.world.base import Flight
from iamd.world.general_aviation import fly_general_aviation
from iamd.world.paths import (
    G0_M_S2,
    cruise_missile_route,
    drone_route,
    fly_route,
    fly_waypoints,
    racetrack_orbit,
)
from iamd.world.recorded import read_flight_reports, replay_flights

FloatArray = npt.NDArray[np.float64]
BoolArray = npt.NDArray[np.bool_]
IntArray = npt.NDArray[np.int64]

HISTORY_S = 240
"""Length of each simulated track segment (s, 1 s steps)."""
PROBE_TRACKS = 50
PROBE_WINDOWS = 40
"""A model records the first PROBE_WINDOWS windows of ``make_dataset(seed, PROBE_TRACKS)``, so a
test can tell when the simulation has changed since the model was trained."""
_TRACKER = SensedParams()
"""The engine's tracker settings (models, initiation, confirmation, deletion)."""
WINDOW_DROP_PROB = 0.03
"""Probability that a window sample is missing in the training windows."""
RCS_CAL_SIGMA_DB = 2.0
"""Log-normal calibration error of the RCS estimate (dB)."""
RCS_AVERAGE_S = 120
"""The RCS estimate averages the detections of the last RCS_AVERAGE_S seconds of the track."""
MISSING_RCS_PROB = 0.1
"""Share of training windows without an RCS estimate (NaN), so that the model copes, and
(drawn separately) of squawking windows without a reported altitude (Mode 3/A only)."""
SQUAWK_PROB = {"airliner": 0.5, "fighter": 0.4}
"""Probability that a target's transponder is on, per class (threats: never). Civil aircraft
fly dark half the time: a missing reply proves nothing (the classifier does not see replies)."""
IFF_PROB = {"fighter": 0.7}
HUB_FEATURES = ("speed_m_s", "alt_m", "rcs_dbsm")
"""Features that may interact with every other one; no other pair of features interacts.

Speed, height and RCS are what the five classes are defined by; a tree path may pair any
feature with one of them. This keeps the table model at 30 two-feature tables at most (every pair
would be 66), which halves scoring time, for the same test accuracy (benchmarks README)."""
THEATRE_BOX_DEG = (34.0, 48.5, 19.0, 40.0)
"""Latitude and longitude bounds (deg) of the synthetic air-breathing traffic: civil aircraft,
fighters and loitering drones start uniformly anywhere inside it (no built-in airport)."""
CIVIL_GA_SHARE = {
    "circuit": 0.09, "cross_country": 0.10, "thermalling": 0.08, "hover": 0.10,
    "survey": 0.06, "orbit": 0.07, "firefighting": 0.06,
}  # fmt: skip
"""Share of the civil tracks per general-aviation pattern (``iamd.world.general_aviation``);
the rest are airliners (15 %), overflights (10 %), terminal-area traffic (10 %), relay and
patrol orbits (5 %) and holdings (4 %)."""
HIGH_SURVEY_PROB = 0.4
"""Share of the survey flights flown at 90–150 m/s and 4,000–9,000 m (survey turboprops and
business jets) instead of the pattern's default 50–90 m/s and 500–4,000 m."""
GA_FLIGHT_S = 1800.0
"""Length of each general-aviation flight the training segments are cut from (s)."""
GA_RCS_M2 = {
    "circuit": (0.1, 10.0), "cross_country": (0.1, 10.0), "thermalling": (0.1, 10.0),
    "hover": (0.1, 10.0), "survey": (0.5, 20.0), "orbit": (1.0, 30.0),
    "firefighting": (1.0, 30.0),
}  # fmt: skip
"""Log-uniform RCS range (m²) per pattern: light aircraft, gliders (composite: small) and
light helicopters overlap drones; survey twins, flight-inspection jets and amphibians are
larger."""
DRONE_TYPES: dict[str, tuple[float, tuple[float, float], tuple[float, float]]] = {
    "propeller": (0.55, (30.0, 60.0), (50.0, 5000.0)),
    "fast": (0.15, (60.0, 120.0), (50.0, 6000.0)),
    "jet": (0.30, (120.0, 200.0), (300.0, 9000.0)),
}
"""Drone types: share, speed range (m/s, uniform) and cruise height range (m, log-uniform).
Shahed-136-class propeller drones cruise at 150–185 km/h and 60–4,000 m; jet variants
(Geran-3 / Shahed-238 class) at ~500 km/h and up to ~9 km (``public-parameters.md`` §2.3 and
press reports); reconnaissance and faster propeller types in between. RCS 0.01–5 m²."""

PARIS_AIRPORTS_DEG: dict[str, tuple[float, float]] = {
    "LFPG": (49.0097, 2.5479), "LFPO": (48.7233, 2.3794), "LFPB": (48.9694, 2.4414),
    "LFOB": (49.4544, 2.1128), "LFPN": (48.7519, 2.1061), "LFPT": (49.0967, 2.0408),
    "LFPM": (48.6047, 2.6711), "LFPV": (48.7742, 2.2017), "LFOE": (49.0287, 1.2198),
    "LFOK": (48.7733, 4.2061), "LFOP": (49.3842, 1.1748), "LFQQ": (50.5633, 3.0869),
    "LFLL": (45.7256, 5.0811), "LFML": (43.4393, 5.2214), "LFMN": (43.6584, 7.2159),
    "LFBO": (43.6291, 1.3638), "LFBD": (44.8283, -0.7156), "LFRS": (47.1532, -1.6107),
    "EGLL": (51.4700, -0.4543), "EGKK": (51.1481, -0.1903), "EHAM": (52.3086, 4.7639),
    "EBBR": (50.9014, 4.4844), "EDDF": (50.0333, 8.5706), "EDDM": (48.3538, 11.7861),
    "LSZH": (47.4647, 8.5492), "LSGG": (46.2381, 6.1090), "LEMD": (40.4719, -3.5626),
    "LEBL": (41.2971, 2.0785), "LIRF": (41.8003, 12.2389), "LPPT": (38.7813, -9.1359),
}  # fmt: skip
"""Aerodrome reference points (deg, public AIP values rounded to 1e-4) of the airports around
Paris and the hubs its traffic flies to: the airway network of the real-flight evaluation."""

_GEOD = Geod(ellps="WGS84")
_CLASS_INDEX = {c: i for i, c in enumerate(CLASSES)}


@dataclass(frozen=True, slots=True, kw_only=True)
class TruthTracks:
    """Truth of n track segments on a 1 s grid of H steps (padded where ``alive`` is False).

    Attributes:
        t_s: (n, H) times (s).
        pos_ecef_m, vel_ecef_m_s: (n, H, 3) true position (m) and velocity (m/s), ECEF.
        alive: (n, H) the object flies at this step.
        label: (n,) class index into ``CLASSES``.
        rcs_m2: (n, H) true RCS (m²).
        squawk: (n,) the target's transponder is on; iff: (n,) it answers allied IFF.
        baro_alt_m: (n, H) the altitude its transponder would report (m).
        group: (n,) flight id (tracks of one flight share it).
        kind: (n,) subtype (``jet``, ``ga``, ``cap``, ``popup``, ...), for reports.
    """

    t_s: FloatArray
    pos_ecef_m: FloatArray
    vel_ecef_m_s: FloatArray
    alive: BoolArray
    label: IntArray
    rcs_m2: FloatArray
    squawk: BoolArray
    iff: BoolArray
    baro_alt_m: FloatArray
    group: IntArray
    kind: npt.NDArray[np.str_]

    def __len__(self) -> int:
        return int(self.label.shape[0])


@dataclass(frozen=True, slots=True, kw_only=True)
class TrackHistory:
    """Tracker output for n targets on the 1 s grid of their truth (see :class:`TruthTracks`).

    Attributes:
        truth: the truth the tracks follow.
        pos_ecef_m, vel_ecef_m_s: (n, H, 3) filtered state (m, m/s).
        exists: (n, H) the target's track (see :func:`_run_tracker`) is confirmed and the
            target still flies: the steps at which the engine would classify it.
        held: (n, H) a track, tentative or confirmed, follows the living target: the steps
            whose states fill a window (the engine samples tentative tracks' states too).
        since_plot: (n, H) steps since the current track's last plot.
        since_gap: (n, H) updates of the current track since its last gap of more than
            ``IdentityRules.max_stale_s`` without a plot (large if it had none).
        detected: (n, H) a plot updated the track at this step.
        start_idx: (n, H) step at which the current track started (its first plot; -1 if none).
            A target lost and found again gets a new track, with a new start.
        sensor_type: (n,) catalog sensor type that watched the target.
        sigma_m: (n, H, 2) the filter's standard deviations of the speed (along the
            velocity, m/s) and of the height (along the local vertical, m), which the
            identity rules read as the engine's stage reads the track covariance.
    """

    truth: TruthTracks
    pos_ecef_m: FloatArray
    vel_ecef_m_s: FloatArray
    exists: BoolArray
    held: BoolArray
    since_plot: IntArray
    since_gap: IntArray
    detected: BoolArray
    start_idx: IntArray
    sensor_type: npt.NDArray[np.str_]
    sigma_m: FloatArray

    def __len__(self) -> int:
        return int(self.exists.shape[0])


@dataclass(frozen=True, slots=True, kw_only=True)
class Dataset:
    """Labelled windows: features, labels and where they came from; arrays over m windows."""

    x: FloatArray
    y: IntArray
    group: IntArray
    track: IntArray
    end_idx: IntArray
    age_s: FloatArray
    kind: npt.NDArray[np.str_]


@dataclass(frozen=True, slots=True, kw_only=True)
class TrainedModel:
    """The result of :func:`train`: the table model, the scikit-learn estimator, metrics."""

    model: IdentifyModel
    estimator: Any
    test: Dataset
    metadata: dict[str, Any]


@dataclass(frozen=True, slots=True, kw_only=True)
class RealFlight:
    """One recorded flight: its replayed truth and what its transponder reported."""

    flight_id: str
    callsign: str
    flight: Flight
    baro_alt_m: FloatArray


# --------------------------------------------------------------------------- truth


def simulate_truth(seed: int, n_tracks: int, *, history_s: int = HISTORY_S) -> TruthTracks:
    """n truth segments, as evenly as possible over the five classes (see the module doc).

    >>> tr = simulate_truth(3, 10, history_s=60)
    >>> len(tr), sorted(set(tr.label.tolist()))
    (10, [0, 1, 2, 3, 4])
    """
    per = [n_tracks // len(CLASSES) + (1 if i < n_tracks % len(CLASSES) else 0) for i in range(5)]
    parts: list[_Segments] = []
    gen_fns = (_civil, _fighters, _drones, _cruise_missiles, _ballistic_missiles)
    group0 = 0
    for cls, (n, fn) in enumerate(zip(per, gen_fns, strict=True)):
        if n == 0:
            continue
        rng = stream(seed, "identify-truth", CLASSES[cls])
        seg = fn(rng, n, history_s, group0)
        seg.label = np.full(len(seg.kind), cls, dtype=np.int64)
        group0 = int(seg.group.max()) + 1
        parts.append(seg)
    return _stack_segments(parts, seed)


# --------------------------------------------------------------------------- sensing, tracking


def simulate_tracks(
    truth: TruthTracks,
    seed: int,
    *,
    sensor_type: str | None = None,
    sensor_lat_deg: float | None = None,
    sensor_lon_deg: float | None = None,
    sensor_alt_m: float = 100.0,
    dropouts: bool = True,
    chunk: int = 2000,
) -> TrackHistory:
    """Sense every truth segment with one radar and track it (see the module docstring).

    Args:
        truth: the targets.
        seed: random seed (placement, scans, detections, noise).
        sensor_type: catalog sensor type for every target (default: a random type per target).
        sensor_lat_deg, sensor_lon_deg, sensor_alt_m: a fixed site for every target (default:
            a random site per target near its truth).
        dropouts: add 5–30 s losses of all plots to a third of the tracks.
        chunk: targets simulated at once (memory).
    """
    n = len(truth)
    parts: list[_Tracked] = []
    dets: list[BoolArray] = []
    types: list[npt.NDArray[np.str_]] = []
    for lo in range(0, n, chunk):
        sub = _take_truth(truth, np.arange(lo, min(n, lo + chunk)))
        sens, det, look, z, r_cov = _sense_chunk(
            sub, seed, lo, sensor_type, sensor_lat_deg, sensor_lon_deg, sensor_alt_m, dropouts
        )
        parts.append(_run_tracker(sub, det, look, z, r_cov, volume=_clutter_volume(sens)))
        dets.append(det)
        types.append(np.array(sens.type, dtype=str))

    def cat(name: str) -> Any:
        return np.concatenate([getattr(p, name) for p in parts])

    return TrackHistory(
        truth=truth,
        pos_ecef_m=cat("pos"),
        vel_ecef_m_s=cat("vel"),
        exists=cat("exists"),
        held=cat("held"),
        since_plot=cat("since_plot"),
        since_gap=cat("since_gap"),
        detected=np.concatenate(dets),
        start_idx=cat("start"),
        sensor_type=np.concatenate(types),
        sigma_m=cat("sigma"),
    )


def history_windows(
    history: TrackHistory,
    track: npt.ArrayLike,
    end_idx: npt.ArrayLike,
    *,
    seed: int = 0,
    samples: int = WINDOW_SAMPLES,
    step_s: float = WINDOW_STEP_S,
    drop_prob: float = 0.0,
    squawk: BoolArray | None = None,
    missing_prob: float = 0.0,
) -> TrackWindow:
    """Windows of ``samples`` states every ``step_s`` ending at step ``end_idx`` of ``track``.

    Args:
        history: the tracks.
        track, end_idx: (m,) which track, and the step of the window's last sample.
        seed: stream of the RCS estimate and the dropped samples.
        drop_prob: probability that each sample is missing.
        squawk: (m,) override of the transponder (e.g. all off); default the truth's.
        missing_prob: probability that the RCS estimate, and (separately) a squawking
            target's reported altitude, are missing (NaN).
    """
    tr = np.asarray(track, dtype=np.int64)
    end = np.asarray(end_idx, dtype=np.int64)
    st = round(step_s)
    offs = st * np.arange(samples - 1, -1, -1)
    k = end[:, None] - offs[None, :]
    inside = k >= 0
    kk = np.maximum(k, 0)
    truth = history.truth
    start = history.start_idx[tr, end]
    valid = (
        inside
        & history.held[tr[:, None], kk]
        & (history.start_idx[tr[:, None], kk] == start[:, None])
    )
    rng = stream(seed, "identify-windows", len(tr))
    if drop_prob > 0.0:
        drop = rng.random(valid.shape) < drop_prob
        drop[:, -1] = False
        valid &= ~drop
    t = truth.t_s[tr[:, None], kk]
    pos = history.pos_ecef_m[tr[:, None], kk]
    vel = history.vel_ecef_m_s[tr[:, None], kk]
    # RCS estimate: Swerling I fluctuations averaged over the track's recent detections
    det_cum = np.cumsum(history.detected, axis=1)
    lo = np.maximum(end - RCS_AVERAGE_S + 1, np.maximum(start, 0))
    n_det: IntArray = det_cum[tr, end] - np.where(lo > 0, det_cum[tr, np.maximum(lo - 1, 0)], 0)
    n_det = np.maximum(n_det, 1)
    fluct = rng.gamma(n_det.astype(np.float64), 1.0 / n_det)
    cal = rng.normal(0.0, RCS_CAL_SIGMA_DB, len(tr))
    rcs_db = 10.0 * np.log10(truth.rcs_m2[tr, end] * fluct) + cal
    sq = truth.squawk[tr] if squawk is None else np.asarray(squawk, dtype=bool)
    rep = np.round(truth.baro_alt_m[tr, end] / (25.0 * FT_M)) * (25.0 * FT_M)
    if missing_prob > 0.0:
        rcs_db = np.where(rng.random(len(tr)) < missing_prob, np.nan, rcs_db)
        rep = np.where(rng.random(len(tr)) < missing_prob, np.nan, rep)
    first = np.maximum(start, 0)
    return TrackWindow(
        t_s=t,
        pos_ecef_m=pos,
        vel_ecef_m_s=vel,
        valid=valid,
        first_pos_ecef_m=history.pos_ecef_m[tr, first],  # the first plot (the filter's start)
        age_s=truth.t_s[tr, end] - truth.t_s[tr, first],
        rcs_dbsm=rcs_db,
        rcs_looks=np.where(np.isfinite(rcs_db), n_det.astype(np.float64), np.nan),
        squawk=sq,
        reported_alt_m=np.where(sq, rep, np.nan),
        iff=truth.iff[tr].copy(),
    )


# --------------------------------------------------------------------------- dataset, training


def make_dataset(
    seed: int,
    n_tracks: int,
    *,
    windows_per_track: int = 4,
    history: TrackHistory | None = None,
) -> Dataset:
    """Labelled feature windows from ``n_tracks`` simulated tracks (one young window per track,
    the others at uniform random ages).

    >>> d = make_dataset(5, 10, windows_per_track=2)
    >>> d.x.shape[1] == len(FEATURE_NAMES), bool(np.all(d.y >= 0))
    (True, True)
    """
    hist = history if history is not None else simulate_tracks(simulate_truth(seed, n_tracks), seed)
    rng = stream(seed, "identify-dataset")
    ex = fresh_tracks(hist)
    steps = np.arange(ex.shape[1])[None, :]
    young = ex & (steps - hist.start_idx <= 30)
    ends = [_random_true(rng, young)]
    for _ in range(windows_per_track - 1):
        ends.append(_random_true(rng, ex))
    end = np.concatenate(ends)
    tr = np.tile(np.arange(len(hist)), windows_per_track)
    keep = end >= 0
    tr, end = tr[keep], end[keep]
    w = history_windows(
        hist, tr, end, seed=seed, drop_prob=WINDOW_DROP_PROB, missing_prob=MISSING_RCS_PROB
    )
    f = compute_features(w)
    return Dataset(
        x=f.matrix(),
        y=hist.truth.label[tr],
        group=hist.truth.group[tr],
        track=tr,
        end_idx=end,
        age_s=w.age_s,
        kind=hist.truth.kind[tr],
    )


def train(
    seed: int = 1,
    n_tracks: int = 10_000,
    *,
    calibration: str = "sigmoid",
    max_iter: int = 150,
    dataset: Dataset | None = None,
    hubs: tuple[str, ...] | None = HUB_FEATURES,
) -> TrainedModel:
    """Simulate tracks, train the classifier and calibrate it; the same seed, the same model.

    Each class's flights are split 70 / 15 / 15 % into training, calibration and test sets.

    Args:
        seed: random seed of the simulation and of the boosting.
        n_tracks: simulated tracks (about four windows each).
        calibration: ``"sigmoid"`` or ``"isotonic"``.
        max_iter: boosting iterations (early stopping may use fewer).
        dataset: a ready dataset (skips the simulation).
        hubs: features allowed to interact with all others (``HUB_FEATURES``); None lets
            every pair of features interact.
    """
    # scikit-learn is needed for training only (imported here, untyped: Any)
    try:
        sklearn = importlib.import_module("sklearn")
    except ImportError:
        raise InputError(
            "train-identify needs scikit-learn (the training extra: pip install 'iamd[train]')"
        ) from None
    calibrated_cv = importlib.import_module("sklearn.calibration").CalibratedClassifierCV
    hgb_classifier = importlib.import_module("sklearn.ensemble").HistGradientBoostingClassifier
    frozen = importlib.import_module("sklearn.frozen").FrozenEstimator

    t0 = time.perf_counter()
    data = dataset if dataset is not None else make_dataset(seed, n_tracks)
    t_sim = time.perf_counter() - t0
    split = _split_groups(data.group, data.y, seed)
    tr, ca, te = (split == 0), (split == 1), (split == 2)
    hgb = hgb_classifier(
        max_iter=max_iter,
        learning_rate=0.1,
        max_leaf_nodes=15,
        min_samples_leaf=20,
        l2_regularization=1.0,
        max_bins=63,
        interaction_cst="pairwise" if hubs is None else hub_interactions(hubs),
        early_stopping=True,
        validation_fraction=0.1,
        n_iter_no_change=15,
        random_state=seed,
    )
    hgb.fit(data.x[tr], data.y[tr])
    cal = calibrated_cv(frozen(hgb), method=calibration)
    cal.fit(data.x[ca], data.y[ca])
    t_fit = time.perf_counter() - t0 - t_sim
    test = _subset(data, te)
    meta: dict[str, Any] = {
        "format": "iamd identify model",
        "seed": int(seed),
        "n_tracks": int(n_tracks),
        "classes": list(CLASSES),
        "feature_names": list(FEATURE_NAMES),
        "calibration": calibration,
        "interaction_hubs": list(hubs) if hubs is not None else "all pairs",
        "boosting_iterations": int(hgb.n_iter_),
        "training_set_sha256": _dataset_hash(data),
        "n_windows": {"train": int(tr.sum()), "calibration": int(ca.sum()), "test": int(te.sum())},
        "versions": _versions(str(sklearn.__version__)),
        "window": {"samples": WINDOW_SAMPLES, "step_s": WINDOW_STEP_S},
        "seconds": {"simulation": round(t_sim, 1), "fit": round(t_fit, 1)},
    }
    model = from_sklearn(cal, FEATURE_NAMES, meta, support=feature_support(data.x[tr]))
    p = classify(test.x, model)
    meta["test_metrics"] = classification_metrics(test.y, p)
    meta["support"] = {
        "note": "per feature, the [q, 1 - q] quantiles of the training windows (arrays "
        "support_* of the npz): out_of_support() flags a track outside them",
        "quantile": model.support.quantile,
        "test_out_of_support": float(np.mean(out_of_support(test.x, model))),
    }
    probe = make_dataset(seed, PROBE_TRACKS).x[:PROBE_WINDOWS]
    meta["probe"] = {
        "note": "the first windows of make_dataset(seed, n_tracks): today's simulation must "
        "still produce them (else the model no longer matches the code: retrain)",
        "seed": int(seed),
        "n_tracks": PROBE_TRACKS,
        "x": [[None if np.isnan(v) else float(f"{v:.12g}") for v in row] for row in probe],
    }
    check = test.x[: min(32, len(test.x))]
    meta["check"] = {
        "note": "test windows and scikit-learn's predict_proba on them, for load-time checks",
        "x": [[None if np.isnan(v) else float(v) for v in row] for row in check],
        "p_sklearn": cal.predict_proba(check).tolist(),
    }
    return TrainedModel(model=model, estimator=cal, test=test, metadata=meta)


def hub_interactions(hubs: tuple[str, ...]) -> list[set[int]]:
    """Interaction constraints of scikit-learn: every {hub, other feature} pair.

    >>> len(hub_interactions(HUB_FEATURES))
    30
    """
    idx = [FEATURE_NAMES.index(h) for h in hubs]
    pairs: set[tuple[int, int]] = set()
    for h in idx:
        for f in range(len(FEATURE_NAMES)):
            if f != h:
                pairs.add((min(h, f), max(h, f)))
    return [set(p) for p in sorted(pairs)]


def classification_metrics(y: IntArray, p: FloatArray) -> dict[str, Any]:
    """Accuracy, per-class recall, confusion matrix (rows true, columns predicted), log loss,
    Brier score and expected calibration error (15 bins of the top probability)."""
    pred = p.argmax(axis=1)
    k = p.shape[1]
    conf = np.zeros((k, k), dtype=np.int64)
    np.add.at(conf, (y, pred), 1)
    recall = {CLASSES[c]: float(conf[c, c] / max(conf[c].sum(), 1)) for c in range(k)}
    eps = 1e-15
    ll = float(-np.mean(np.log(np.clip(p[np.arange(len(y)), y], eps, 1.0))))
    onehot = np.eye(k)[y]
    brier = float(np.mean(np.sum((p - onehot) ** 2, axis=1)))
    top = p.max(axis=1)
    correct = pred == y
    bins = np.minimum((top * 15).astype(int), 14)
    ece = 0.0
    for b in range(15):
        m = bins == b
        if m.any():
            ece += m.mean() * abs(correct[m].mean() - top[m].mean())
    return {
        "accuracy": float(correct.mean()) if len(y) else float("nan"),
        "recall": recall,
        "confusion": conf.tolist(),
        "log_loss": ll,
        "brier": brier,
        "ece": float(ece),
        "n": len(y),
    }


def train_identify_command(out_dir: str | Path, seed: int = 1, n_tracks: int = 10_000) -> int:
    """``iamd train-identify``: train a model and write it into ``out_dir``; returns 0.

    Writes ``identify_model.npz`` and ``identify_model.json`` (atomically), the directory
    layout that :func:`iamd.identify.classifier.load_model` reads.
    """
    if n_tracks < 50:
        raise InputError(f"--n-tracks must be at least 50 (got {n_tracks})")
    trained = train(seed, n_tracks)
    npz, js = save_model(trained.model, out_dir)
    m = trained.metadata["test_metrics"]
    print(
        f"{npz}: {trained.metadata['boosting_iterations']} iterations, test accuracy "
        f"{m['accuracy']:.4f} on {m['n']} windows; metadata in {js.name}"
    )
    return 0


# --------------------------------------------------------------------------- real flights


def load_real_flights(
    points_path: str | Path, index_path: str | Path | None = None, *, min_reports: int = 30
) -> list[RealFlight]:
    """Recorded flights (``flight_id, t_unix_s, lat_deg, lon_deg, alt_m, ..., onground``) as truth.

    Read and replayed by :mod:`iamd.world.recorded` (``read_flight_reports``,
    ``replay_flights``): reports on the ground are dropped (a radar's air picture holds no
    taxiing aircraft), and flights with fewer than ``min_reports`` airborne reports are
    skipped. The index, if given, supplies call signs.

    Raises:
        DataFileError: ``FILE: column x: ...`` or ``FILE: row n: column x: ...`` for a missing
            column, a bad value or an unreadable file.
    """
    reports = read_flight_reports(points_path, index_path)
    return [
        RealFlight(
            flight_id=rf.flight_id, callsign=rf.callsign, flight=rf.flight, baro_alt_m=rf.alt_m
        )
        for rf in replay_flights(reports, min_reports=min_reports)
    ]


def real_flight_truth(
    flights: list[RealFlight], *, rcs_m2: float = 20.0, max_s: int | None = None
) -> TruthTracks:
    """Real flights as civil truth on a 1 s grid (transponder on; RCS fixed at ``rcs_m2``).

    ``rcs_m2`` defaults to the catalog airliner's 20 m²; ``max_s`` cuts each flight.
    """
    segs: list[tuple[FloatArray, FloatArray, FloatArray, FloatArray]] = []
    for rf in flights:
        f = rf.flight
        t = np.arange(math.ceil(f.t_s[0]), math.floor(f.t_s[-1]) + 1, dtype=np.float64)
        if max_s is not None:
            t = t[:max_s]
        pos = np.stack([np.interp(t, f.t_s, f.pos_ecef_m[:, i]) for i in range(3)], axis=1)
        vel = np.stack([np.interp(t, f.t_s, f.vel_ecef_m_s[:, i]) for i in range(3)], axis=1)
        baro = np.interp(t, f.t_s, rf.baro_alt_m)
        segs.append((t, pos, vel, baro))
    h = max(len(s[0]) for s in segs)
    n = len(segs)
    t_s = np.zeros((n, h))
    pos = np.zeros((n, h, 3))
    vel = np.zeros((n, h, 3))
    baro = np.zeros((n, h))
    alive = np.zeros((n, h), dtype=bool)
    for i, (t, p, v, b) in enumerate(segs):
        k = len(t)
        t_s[i, :k], pos[i, :k], vel[i, :k], baro[i, :k], alive[i, :k] = t, p, v, b, True
        t_s[i, k:] = t[-1] + np.arange(1, h - k + 1)
        pos[i, k:] = p[-1]
    return TruthTracks(
        t_s=t_s,
        pos_ecef_m=pos,
        vel_ecef_m_s=vel,
        alive=alive,
        label=np.zeros(n, dtype=np.int64),
        rcs_m2=np.full((n, h), float(rcs_m2)),
        squawk=np.ones(n, dtype=bool),
        iff=np.zeros(n, dtype=bool),
        baro_alt_m=baro,
        group=np.arange(n, dtype=np.int64),
        kind=np.full(n, "real"),
    )


def real_flight_tracks(
    flights: list[RealFlight],
    seed: int,
    *,
    sensor_type: str = "ground_master_400",
    sensor_lat_deg: float = 48.60,
    sensor_lon_deg: float = 2.95,
    rcs_m2: float = 20.0,
    max_s: int | None = None,
) -> TrackHistory:
    """Real flights seen by one radar (default: a Ground Master 400 site south-east of Paris,
    ~50 km from Charles de Gaulle) and tracked; transponders are set per window later."""
    truth = real_flight_truth(flights, rcs_m2=rcs_m2, max_s=max_s)
    return simulate_tracks(
        truth,
        seed,
        sensor_type=sensor_type,
        sensor_lat_deg=sensor_lat_deg,
        sensor_lon_deg=sensor_lon_deg,
        dropouts=False,
        chunk=64,
    )


def paris_airways() -> AirwayNetwork:
    """Airways between ``PARIS_AIRPORTS_DEG`` (up to 1,500 km long)."""
    lat = [v[0] for v in PARIS_AIRPORTS_DEG.values()]
    lon = [v[1] for v in PARIS_AIRPORTS_DEG.values()]
    return airway_network(lat, lon, max_length_m=1500e3)


def fresh_tracks(history: TrackHistory, rules: IdentityRules | None = None) -> BoolArray:
    """(n, H) the steps at which the engine identifies a target's track: confirmed, with a
    plot within ``IdentityRules.max_stale_s``, and ``reacquire_updates`` updates after its
    last gap (otherwise the track keeps its identity)."""
    r = IdentityRules() if rules is None else rules
    return np.asarray(
        history.exists
        & (history.since_plot <= r.max_stale_s)
        & (history.since_gap >= r.reacquire_updates)
    )


def every_window(history: TrackHistory, every_s: int = 2) -> tuple[IntArray, IntArray]:
    """(track, end step) of a window every ``every_s`` steps over each track's existence, at
    the steps where it is identified (:func:`fresh_tracks`)."""
    tr, end = np.nonzero(fresh_tracks(history))
    keep = ((end - history.start_idx[tr, end]) % every_s) == 0
    return tr[keep].astype(np.int64), end[keep].astype(np.int64)


# --------------------------------------------------------------------------- private: truth


@dataclass(slots=True)
class _Segments:
    t: list[FloatArray]
    pos: list[FloatArray]
    vel: list[FloatArray]
    rcs: list[FloatArray]
    kind: npt.NDArray[np.str_]
    group: IntArray
    label: IntArray


def _segments(
    rng: np.random.Generator,
    flights: list[Flight],
    kinds: list[str],
    rcs: FloatArray,
    group0: int,
    history_s: int,
    n_out: int,
    *,
    end_bias: FloatArray | None = None,
    start_bias: FloatArray | None = None,
    boost_rcs: FloatArray | None = None,
    boost_s: FloatArray | None = None,
) -> _Segments:
    """Cut n_out segments of ``history_s`` from the flights (round robin over flights)."""
    t_l: list[FloatArray] = []
    p_l: list[FloatArray] = []
    v_l: list[FloatArray] = []
    r_l: list[FloatArray] = []
    kind: list[str] = []
    group: list[int] = []
    nf = len(flights)
    for j in range(n_out):
        i = j % nf
        f = flights[i]
        k = len(f.t_s)
        # 1 s samples from the start (drop a fractional last sample)
        frac = np.abs(f.t_s - f.t_s[0] - np.round(f.t_s - f.t_s[0])) < 1e-6
        idx = np.flatnonzero(frac)
        k = len(idx)
        u = rng.random()
        if end_bias is not None and u < end_bias[i]:
            s0 = max(0, k - history_s + int(rng.integers(0, 60)))
        elif start_bias is not None and u > 1.0 - start_bias[i]:
            s0 = int(rng.integers(0, min(300, max(1, k - 10))))
        else:
            s0 = int(rng.integers(0, max(1, k - 10)))
        sel = idx[s0 : s0 + history_s]
        t_l.append(f.t_s[sel])
        p_l.append(f.pos_ecef_m[sel])
        v_l.append(f.vel_ecef_m_s[sel])
        r = np.full(len(sel), rcs[i])
        if boost_rcs is not None and boost_s is not None:
            r = np.where(f.t_s[sel] - f.t_s[0] < boost_s[i], boost_rcs[i], r)
        r_l.append(r)
        kind.append(kinds[i])
        group.append(group0 + i)
    return _Segments(
        t=t_l,
        pos=p_l,
        vel=v_l,
        rcs=r_l,
        kind=np.array(kind),
        group=np.array(group, dtype=np.int64),
        label=np.zeros(0, dtype=np.int64),
    )


def _stack_segments(parts: list[_Segments], seed: int) -> TruthTracks:
    t_all = [t for p in parts for t in p.t]
    h = max(len(t) for t in t_all)
    n = len(t_all)
    t_s = np.zeros((n, h))
    pos = np.zeros((n, h, 3))
    vel = np.zeros((n, h, 3))
    rcs = np.ones((n, h))
    alive = np.zeros((n, h), dtype=bool)
    i = 0
    for p in parts:
        for t, q, v, r in zip(p.t, p.pos, p.vel, p.rcs, strict=True):
            k = len(t)
            t_s[i, :k], pos[i, :k], vel[i, :k], rcs[i, :k], alive[i, :k] = t, q, v, r, True
            t_s[i, k:] = t[-1] + np.arange(1, h - k + 1)
            pos[i, k:] = q[-1]
            rcs[i, k:] = r[-1]
            i += 1
    label = np.concatenate([p.label for p in parts])
    rng = stream(seed, "identify-coop")
    u1, u2 = rng.random(n), rng.random(n)
    p_sq = np.array([SQUAWK_PROB.get(CLASSES[c], 0.0) for c in label])
    p_iff = np.array([IFF_PROB.get(CLASSES[c], 0.0) for c in label])
    _, _, h_m = ecef_to_lla(pos)
    return TruthTracks(
        t_s=t_s,
        pos_ecef_m=pos,
        vel_ecef_m_s=vel,
        alive=alive,
        label=label,
        rcs_m2=rcs,
        squawk=u1 < p_sq,
        iff=u2 < p_iff,
        baro_alt_m=np.asarray(h_m),
        group=np.concatenate([p.group for p in parts]),
        kind=np.concatenate([p.kind for p in parts]),
    )


def _loguniform(rng: np.random.Generator, lo: float, hi: float, n: int) -> FloatArray:
    return np.asarray(np.exp(rng.uniform(np.log(lo), np.log(hi), n)))


def _random_points(rng: np.random.Generator, n: int) -> tuple[FloatArray, FloatArray]:
    la0, la1, lo0, lo1 = THEATRE_BOX_DEG
    return np.radians(rng.uniform(la0, la1, n)), np.radians(rng.uniform(lo0, lo1, n))


def _flight_level_m(rng: np.random.Generator, n: int, lo: int = 280, hi: int = 410) -> FloatArray:
    fl = rng.integers(lo // 10, hi // 10 + 1, n) * 10
    return np.asarray(fl * 100.0 * FT_M)


def _civil(rng: np.random.Generator, n: int, history_s: int, group0: int) -> _Segments:
    """Civil aircraft anywhere in the theatre box: airliners (with approach and departure at
    random fields, not the built-in airports), overflights, terminal manoeuvres, holdings, and
    general aviation and aerial work (``CIVIL_GA_SHARE``)."""
    share = {"jet": 0.15, "overflight": 0.10, "terminal": 0.10, "relay": 0.05, **CIVIL_GA_SHARE}
    share["holding"] = 1.0 - sum(share.values())
    count = _allocate(n, share)
    n_ga = {p: count[p] for p in CIVIL_GA_SHARE}
    n_jet, n_over, n_term, n_relay, n_hold = (
        count[k] for k in ("jet", "overflight", "terminal", "relay", "holding")
    )
    g = group0
    parts: list[_Segments] = []
    # airliners between random fields >= 200 km apart, a third of the windows in the climb
    # after take-off and a third in the approach
    flights: list[Flight] = []
    rcs: list[float] = []
    for _ in range(max(1, n_jet // 2) if n_jet else 0):
        while True:
            lat, lon = _random_points(rng, 2)
            _, _, d = _GEOD.inv(lon[0], lat[0], lon[1], lat[1], radians=True)
            if d > 200e3:
                break
        elev = rng.uniform(0.0, 600.0, 2)
        flights.append(
            fly_airliner(
                float(lat[0]), float(lon[0]), float(lat[1]), float(lon[1]), 0.0,
                cruise_alt_m=float(_flight_level_m(rng, 1)[0]),
                cruise_speed_m_s=float(rng.uniform(210.0, 250.0)),
                climb_rate_m_s=float(rng.uniform(7.0, 15.0)),
                descent_angle_rad=math.radians(float(rng.uniform(2.5, 3.5))),
                dep_alt_m=float(elev[0]), arr_alt_m=float(elev[1]),
            )
        )  # fmt: skip
        rcs.append(float(_loguniform(rng, 10.0, 100.0, 1)[0]))
    nf = len(flights)
    parts.append(
        _segments(
            rng,
            flights,
            ["jet"] * nf,
            np.array(rcs),
            g,
            history_s,
            n_jet,
            end_bias=np.full(nf, 0.33),
            start_bias=np.full(nf, 0.33),
        )
    )
    g += nf
    # overflights on great circles at a flight level, sometimes via a turn point
    flights, rcs = [], []
    for _ in range(max(1, n_over // 2) if n_over else 0):
        lat, lon = _random_points(rng, 2)
        alt = float(_flight_level_m(rng, 1)[0])
        if rng.random() < 0.5:
            mid_lat = 0.5 * (lat[0] + lat[1]) + math.radians(float(rng.normal(0, 0.5)))
            mid_lon = 0.5 * (lon[0] + lon[1]) + math.radians(float(rng.normal(0, 0.5)))
            lat = np.array([lat[0], mid_lat, lat[1]])
            lon = np.array([lon[0], mid_lon, lon[1]])
        flights.append(
            fly_waypoints(lat, lon, np.full(len(lat), alt), float(rng.uniform(215, 260)), 0.0)
        )
        rcs.append(float(_loguniform(rng, 10.0, 100.0, 1)[0]))
    nf = len(flights)
    parts.append(_segments(rng, flights, ["overflight"] * nf, np.array(rcs), g, history_s, n_over))
    g += nf
    # terminal-area traffic: climbing, descending and turning at standard rate
    lat0, lon0 = _random_points(rng, n_term)
    term = _fly_manoeuvres(
        rng, n_term, history_s, lat0, lon0,
        speed=(85.0, 190.0), alt=(300.0, 7000.0), climb_max=15.0, max_g=1.16,
        turn_rate_max=0.055, accel_max=0.7, p_turn=0.4, p_climb=0.6,
    )  # fmt: skip
    parts.append(
        _segments(
            rng,
            term,
            ["terminal"] * n_term,
            _loguniform(rng, 10.0, 100.0, n_term),
            g,
            history_s,
            n_term,
        )
    )
    g += n_term
    # holding patterns
    flights, rcs = [], []
    for _ in range(max(1, n_hold // 2) if n_hold > 0 else 0):
        lat, lon = _random_points(rng, 1)
        flights.append(
            racetrack_orbit(
                float(lat[0]), float(lon[0]),
                float(rng.uniform(1500.0, 6000.0)), float(rng.uniform(100.0, 130.0)),
                float(rng.uniform(7e3, 15e3)), float(rng.uniform(0, 2 * np.pi)), 0.0,
                1800.0, bank_angle_rad=math.radians(25.0),
            )
        )  # fmt: skip
        rcs.append(float(_loguniform(rng, 10.0, 100.0, 1)[0]))
    nf = len(flights)
    parts.append(_segments(rng, flights, ["holding"] * nf, np.array(rcs), g, history_s, n_hold))
    g += nf
    # relay and patrol orbits: television relay, police, border and maritime patrol aircraft
    # circling for hours, as a loitering drone does
    flights, rcs = [], []
    for _ in range(max(1, n_relay // 2) if n_relay else 0):
        lat, lon = _random_points(rng, 1)
        flights.append(
            racetrack_orbit(
                float(lat[0]), float(lon[0]),
                float(_loguniform(rng, 1500.0, 8000.0, 1)[0]), float(rng.uniform(55.0, 150.0)),
                float(rng.uniform(0.0, 20e3)), float(rng.uniform(0, 2 * np.pi)), 0.0,
                1800.0, bank_angle_rad=math.radians(float(rng.uniform(15.0, 30.0))),
            )
        )  # fmt: skip
        rcs.append(float(_loguniform(rng, 1.0, 30.0, 1)[0]))
    nf = len(flights)
    parts.append(_segments(rng, flights, ["relay"] * nf, np.array(rcs), g, history_s, n_relay))
    g += nf
    # general aviation and aerial work (iamd.world.general_aviation); a share of the survey
    # flights are flown high and fast (turboprops and business jets: mapping, lidar)
    for pattern, n_p in n_ga.items():
        nf = max(1, n_p // 2) if n_p else 0
        lat, lon = _random_points(rng, nf)
        flights = []
        for i in range(nf):
            high = pattern == "survey" and rng.random() < HIGH_SURVEY_PROB
            flights.append(
                fly_general_aviation(
                    rng, pattern, float(lat[i]), float(lon[i]), t0_s=0.0,
                    duration_s=GA_FLIGHT_S,
                    speed_m_s=float(rng.uniform(90.0, 150.0)) if high else None,
                    alt_m=float(rng.uniform(4000.0, 9000.0)) if high else None,
                )
            )  # fmt: skip
        lo, hi = GA_RCS_M2[pattern]
        parts.append(
            _segments(rng, flights, [pattern] * nf, _loguniform(rng, lo, hi, nf), g, history_s, n_p)
        )
        g += nf
    return _concat_segments(parts)


def _fighters(rng: np.random.Generator, n: int, history_s: int, group0: int) -> _Segments:
    n_cap = round(0.3 * n)
    n_man = n - n_cap
    lat, lon = _random_points(rng, n_man)
    man = _fly_manoeuvres(
        rng, n_man, history_s, lat, lon,
        speed=(150.0, 550.0), alt=(100.0, 15000.0), climb_max=120.0, max_g=7.0,
        turn_rate_max=0.35, accel_max=15.0, p_turn=0.6, p_climb=0.5,
    )  # fmt: skip
    seg_man = _segments(rng, man, ["manoeuvre"] * n_man, _loguniform(rng, 1.0, 5.0, n_man),
                        group0, history_s, n_man)  # fmt: skip
    flights: list[Flight] = []
    nf = max(1, n_cap // 2) if n_cap else 0
    la, lo = _random_points(rng, nf)
    for i in range(nf):
        flights.append(
            racetrack_orbit(
                float(la[i]), float(lo[i]), float(rng.uniform(4000.0, 11000.0)),
                float(rng.uniform(190.0, 280.0)), float(rng.uniform(30e3, 90e3)),
                float(rng.uniform(0, 2 * np.pi)), 0.0, 1800.0,
                bank_angle_rad=math.radians(float(rng.uniform(30.0, 60.0))),
            )
        )  # fmt: skip
    seg_cap = _segments(rng, flights, ["cap"] * nf, _loguniform(rng, 1.0, 5.0, max(nf, 1)),
                        group0 + n_man, history_s, n_cap)  # fmt: skip
    return _concat_segments([seg_man, seg_cap])


def _attack_legs(
    rng: np.random.Generator, n: int, d_range: tuple[float, float]
) -> tuple[FloatArray, FloatArray, FloatArray, FloatArray]:
    """Launch and aim points: from the Black Sea / Crimea or anywhere, onto the Balkans."""
    la0 = np.where(rng.random(n) < 0.5, rng.uniform(43.0, 46.0, n), rng.uniform(34.0, 48.5, n))
    lo0 = np.where(la0 > 43.0, rng.uniform(29.0, 39.0, n), rng.uniform(19.0, 40.0, n))
    d = rng.uniform(*d_range, n)
    az = rng.uniform(180.0, 330.0, n)
    lo1, la1, _ = _GEOD.fwd(lo0, la0, az, d)
    return (
        np.radians(la0),
        np.radians(lo0),
        np.radians(np.asarray(la1)),
        np.radians(np.asarray(lo1)),
    )


def _doglegs(
    rng: np.random.Generator, la0: float, lo0: float, la1: float, lo1: float, k: int, off_m: float
) -> tuple[list[float], list[float]]:
    if k == 0:
        return [], []
    az, _, d = _GEOD.inv(lo0, la0, lo1, la1, radians=True)
    fr = np.sort(rng.uniform(0.15, 0.85, k))
    lon_m, lat_m, _ = _GEOD.fwd(np.full(k, lo0), np.full(k, la0), np.full(k, az), fr * d,
                                radians=True)  # fmt: skip
    side = rng.uniform(-off_m, off_m, k)
    lon_v, lat_v, _ = _GEOD.fwd(lon_m, lat_m, np.full(k, az + np.pi / 2), side, radians=True)
    return list(np.atleast_1d(lat_v)), list(np.atleast_1d(lon_v))


def _drones(rng: np.random.Generator, n: int, history_s: int, group0: int) -> _Segments:
    """One-way attack and reconnaissance drones (see ``DRONE_TYPES``): routes with doglegs,
    weaving routes and loiter orbits."""
    n_weave = round(0.25 * n)
    n_loiter = round(0.25 * n)
    n_route = n - n_weave - n_loiter
    parts: list[_Segments] = []
    g = group0
    for kind, n_k in (("route", n_route), ("weave", n_weave), ("loiter", n_loiter)):
        nf = max(1, n_k // 2) if n_k else 0
        speed, alt, types = _drone_performance(rng, nf)
        flights: list[Flight] = []
        if kind == "loiter":
            lat, lon = _random_points(rng, nf)
            for i in range(nf):
                flights.append(
                    racetrack_orbit(
                        float(lat[i]), float(lon[i]), float(alt[i]), float(speed[i]),
                        float(rng.uniform(0.0, 10e3)), float(rng.uniform(0.0, 2.0 * np.pi)), 0.0,
                        1800.0, bank_angle_rad=math.radians(float(rng.uniform(15.0, 35.0))),
                    )
                )  # fmt: skip
        else:
            la0, lo0, la1, lo1 = _attack_legs(rng, nf, (60e3, 400e3))
            for i in range(nf):
                if kind == "weave":
                    vla, vlo = _weave(rng, la0[i], lo0[i], la1[i], lo1[i])
                else:
                    k = int(rng.integers(0, 5))
                    vla, vlo = _doglegs(rng, la0[i], lo0[i], la1[i], lo1[i], k, 30e3)
                r = drone_route(
                    float(la0[i]), float(lo0[i]), float(la1[i]), float(lo1[i]),
                    cruise_alt_m=float(alt[i]), speed_m_s=float(speed[i]),
                    via_lat_rad=vla, via_lon_rad=vlo,
                    climb_distance_m=float(rng.uniform(2e3, 8e3)) * max(1.0, alt[i] / 2000.0),
                    terminal_distance_m=float(rng.uniform(1e3, 4e3)) * max(1.0, alt[i] / 2000.0),
                )  # fmt: skip
                flights.append(fly_route(r, 0.0))
        kinds = [f"{kind}_{t}" for t in types]
        parts.append(
            _segments(
                rng,
                flights,
                kinds,
                _loguniform(rng, 0.01, 5.0, nf),
                g,
                history_s,
                n_k,
                end_bias=np.full(nf, 0.0 if kind == "loiter" else 0.2),
            )
        )
        g += nf
    return _concat_segments(parts)


def _allocate(n: int, share: dict[str, float]) -> dict[str, int]:
    """n split by shares (largest remainders; ties to the first key): counts summing to n.

    >>> _allocate(10, {"a": 0.55, "b": 0.25, "c": 0.2})
    {'a': 6, 'b': 2, 'c': 2}
    """
    keys = list(share)
    want = np.array([share[k] for k in keys]) * n
    count = np.floor(want).astype(np.int64)
    rest = n - int(count.sum())
    order = np.argsort(-(want - count), kind="stable")
    count[order[:rest]] += 1
    return {k: int(c) for k, c in zip(keys, count, strict=True)}


def _drone_performance(
    rng: np.random.Generator, n: int
) -> tuple[FloatArray, FloatArray, list[str]]:
    """Speed (m/s), cruise height (m) and type of n drones drawn from ``DRONE_TYPES``."""
    names = list(DRONE_TYPES)
    share = np.array([DRONE_TYPES[k][0] for k in names])
    pick = rng.choice(len(names), n, p=share / share.sum())
    speed = np.empty(n)
    alt = np.empty(n)
    for j, name in enumerate(names):
        m = pick == j
        _, (v0, v1), (h0, h1) = DRONE_TYPES[name]
        speed[m] = rng.uniform(v0, v1, int(m.sum()))
        alt[m] = _loguniform(rng, h0, h1, int(m.sum()))
    return speed, alt, [names[i] for i in pick]


def _weave(
    rng: np.random.Generator, la0: float, lo0: float, la1: float, lo1: float
) -> tuple[list[float], list[float]]:
    """Waypoints every 3–8 km along the route, alternately 0.3–2 km either side: a weave."""
    az, _, d = _GEOD.inv(lo0, la0, lo1, la1, radians=True)
    k = int(min(max(d / rng.uniform(3e3, 8e3) - 1, 1), 60))
    fr = (np.arange(1, k + 1) + rng.uniform(-0.3, 0.3, k)) / (k + 1)
    lon_m, lat_m, _ = _GEOD.fwd(np.full(k, lo0), np.full(k, la0), np.full(k, az), fr * d,
                                radians=True)  # fmt: skip
    side = np.where(np.arange(k) % 2 == 0, 1.0, -1.0) * rng.uniform(300.0, 2000.0, k)
    lon_v, lat_v, _ = _GEOD.fwd(lon_m, lat_m, np.full(k, az + np.pi / 2), side, radians=True)
    return list(np.atleast_1d(lat_v)), list(np.atleast_1d(lon_v))


def _cruise_missiles(rng: np.random.Generator, n: int, history_s: int, group0: int) -> _Segments:
    nf = max(1, n // 2)
    la0, lo0, la1, lo1 = _attack_legs(rng, nf, (150e3, 700e3))
    flights = []
    kinds = []
    for i in range(nf):
        vla, vlo = _doglegs(rng, la0[i], lo0[i], la1[i], lo1[i], int(rng.integers(0, 4)), 60e3)
        popup = rng.random() < 0.4
        air = rng.random() < 0.3
        r = cruise_missile_route(
            float(la0[i]), float(lo0[i]), float(la1[i]), float(lo1[i]),
            cruise_alt_m=float(_loguniform(rng, 25.0, 200.0, 1)[0]),
            speed_m_s=float(rng.uniform(200.0, 280.0)), via_lat_rad=vla, via_lon_rad=vlo,
            launch_alt_m=float(rng.uniform(3000.0, 10000.0)) if air else 0.0,
            climb_distance_m=float(rng.uniform(5e3, 30e3)) if air else 10e3,
            terminal="popup" if popup else "dive",
            terminal_distance_m=float(rng.uniform(3e3, 10e3)),
            popup_alt_m=float(rng.uniform(150.0, 600.0)),
        )  # fmt: skip
        flights.append(fly_route(r, 0.0))
        kinds.append("popup" if popup else ("air_launched" if air else "cruise"))
    return _segments(rng, flights, kinds, _loguniform(rng, 0.05, 1.0, nf), group0, history_s,
                     n, end_bias=np.full(nf, 0.3))  # fmt: skip


def _ballistic_missiles(rng: np.random.Generator, n: int, history_s: int, group0: int) -> _Segments:
    nf = max(1, n // 3)
    cat = builtin_catalog()
    types = [t for t in cat.threats.values() if t.ballistic is not None]
    pick = rng.integers(0, len(types), nf)
    params = [
        BallisticMissileParams(
            boost_time_s=types[i].ballistic.boost_time_s,
            burnout_altitude_km=types[i].ballistic.burnout_altitude_km,
            reentry_mass_kg=types[i].ballistic.reentry_mass_kg,
            drag_area_m2=types[i].ballistic.drag_area_m2,
        )
        for i in pick
    ]
    iran = rng.random(nf) < 0.6
    la0 = np.where(iran, rng.uniform(33.0, 38.5, nf), rng.uniform(44.5, 45.8, nf))
    lo0 = np.where(iran, rng.uniform(45.0, 50.0, nf), rng.uniform(33.0, 36.5, nf))
    la1 = rng.uniform(38.0, 47.0, nf)
    lo1 = rng.uniform(20.0, 29.0, nf)
    _, _, d = _GEOD.inv(lo0, la0, lo1, la1)
    # short-range shots for a third: aim 150-600 km along the same bearing
    short = rng.random(nf) < 0.33
    az, _, _ = _GEOD.inv(lo0, la0, lo1, la1)
    lo_s, la_s, _ = _GEOD.fwd(lo0, la0, az, rng.uniform(150e3, 600e3, nf))
    la1 = np.where(short, la_s, la1)
    lo1 = np.where(short, lo_s, lo1)
    _, _, d = _GEOD.inv(lo0, la0, lo1, la1)
    far = np.asarray(d) > 2000e3
    lo_c, la_c, _ = _GEOD.fwd(lo0, la0, az, np.full(nf, 1950e3))
    la1 = np.where(far, la_c, la1)
    lo1 = np.where(far, lo_c, lo1)
    gamma = np.radians(rng.uniform(25.0, 45.0, nf))
    flights, _sol = fly_ballistic(
        np.radians(la0), np.radians(lo0), np.radians(la1), np.radians(lo1), 0.0, params,
        flight_path_angle_rad=gamma,
    )  # fmt: skip
    boost = np.array([p.boost_time_s for p in params])
    return _segments(
        rng, flights, ["srbm" if s else "mrbm" for s in short], _loguniform(rng, 0.01, 1.0, nf),
        group0, history_s, n, boost_rcs=_loguniform(rng, 1.0, 10.0, nf), boost_s=boost,
    )  # fmt: skip


def _concat_segments(parts: list[_Segments]) -> _Segments:
    parts = [p for p in parts if len(p.kind)]
    return _Segments(
        t=[x for p in parts for x in p.t],
        pos=[x for p in parts for x in p.pos],
        vel=[x for p in parts for x in p.vel],
        rcs=[x for p in parts for x in p.rcs],
        kind=np.concatenate([p.kind for p in parts]),
        group=np.concatenate([p.group for p in parts]),
        label=np.zeros(0, dtype=np.int64),
    )


def _fly_manoeuvres(
    rng: np.random.Generator,
    n: int,
    duration_s: int,
    lat0_rad: FloatArray,
    lon0_rad: FloatArray,
    *,
    speed: tuple[float, float],
    alt: tuple[float, float],
    climb_max: float,
    max_g: float,
    turn_rate_max: float,
    accel_max: float,
    p_turn: float,
    p_climb: float,
) -> list[Flight]:
    """n aircraft flying piecewise-constant commands (turn rate, climb rate, acceleration) for
    segments of 8–40 s: coordinated turns limited by load factor (ω ≤ g √(n² − 1) / v) and
    ``turn_rate_max``, integrated every second along geodesics (``pyproj.Geod``)."""
    if n == 0:
        return []
    k = duration_s
    n_seg = k // 8 + 2
    dur = rng.uniform(8.0, 40.0, (n, n_seg))
    bounds = np.cumsum(dur, axis=1)
    steps = np.arange(k, dtype=np.float64)
    seg = (bounds[:, None, :] <= steps[None, :, None]).sum(axis=2)
    turn_on = rng.random((n, n_seg)) < p_turn
    g_load = rng.uniform(1.05, max_g, (n, n_seg))
    w_sign = rng.choice([-1.0, 1.0], (n, n_seg))
    w_frac = rng.uniform(0.3, 1.0, (n, n_seg))
    climb_cmd = np.where(
        rng.random((n, n_seg)) < p_climb, rng.uniform(-climb_max, climb_max, (n, n_seg)), 0.0
    )
    acc_cmd = rng.uniform(-accel_max, accel_max, (n, n_seg)) * (rng.random((n, n_seg)) < 0.4)
    v = rng.uniform(*speed, n)
    h = rng.uniform(*alt, n)
    psi = rng.uniform(0.0, 2 * np.pi, n)
    lat = np.asarray(lat0_rad, dtype=np.float64).copy()
    lon = np.asarray(lon0_rad, dtype=np.float64).copy()
    rows = np.arange(n)
    lat_s = np.empty((n, k))
    lon_s = np.empty((n, k))
    h_s = np.empty((n, k))
    ve = np.empty((n, k))
    vn = np.empty((n, k))
    vu = np.empty((n, k))
    for j in range(k):
        s = seg[:, j]
        w_lim = np.minimum(G0_M_S2 * np.sqrt(g_load[rows, s] ** 2 - 1.0) / v, turn_rate_max)
        w = np.where(turn_on[rows, s], w_sign[rows, s] * w_frac[rows, s] * w_lim, 0.0)
        c = np.clip(climb_cmd[rows, s], -0.5 * v, 0.5 * v)
        c = np.where((h <= alt[0]) & (c < 0), 0.0, c)
        c = np.where((h >= alt[1]) & (c > 0), 0.0, c)
        vh = np.sqrt(np.maximum(v * v - c * c, 1.0))
        lat_s[:, j], lon_s[:, j], h_s[:, j] = lat, lon, h
        ve[:, j], vn[:, j], vu[:, j] = vh * np.sin(psi), vh * np.cos(psi), c
        dist = vh * R_MEAN_M / (R_MEAN_M + h)
        lo2, la2, baz = _GEOD.fwd(lon, lat, psi + 0.5 * w, dist, radians=True)
        lat, lon = np.asarray(la2), np.asarray(lo2)
        psi = np.asarray(baz) + np.pi + 0.5 * w
        h = h + c
        v = np.clip(v + acc_cmd[rows, s], speed[0], speed[1])
    pos = lla_to_ecef(lat_s, lon_s, h_s)
    vel = enu_vector_to_ecef(np.stack([ve, vn, vu], axis=-1), lat_s, lon_s)
    t = np.arange(k, dtype=np.float64)
    return [Flight(t_s=t.copy(), pos_ecef_m=pos[i], vel_ecef_m_s=vel[i]) for i in range(n)]


# --------------------------------------------------------------------------- private: sensing


_AIR_WEIGHTS = {
    "ground_master_400": 0.3, "trml_4d": 0.2, "patriot_mpq65": 0.15, "s300_30n6": 0.1,
    "skynex_fc": 0.08, "smart_l_mm": 0.07, "spy1d_aegis_ashore": 0.05, "an_tpy2": 0.05,
}  # fmt: skip
_BM_WEIGHTS = {
    "patriot_mpq65": 0.2, "smart_l_mm": 0.25, "an_tpy2": 0.25, "spy1d_aegis_ashore": 0.2,
    "ground_master_400": 0.1,
}  # fmt: skip


def _take_truth(truth: TruthTracks, idx: IntArray) -> TruthTracks:
    return TruthTracks(
        t_s=truth.t_s[idx],
        pos_ecef_m=truth.pos_ecef_m[idx],
        vel_ecef_m_s=truth.vel_ecef_m_s[idx],
        alive=truth.alive[idx],
        label=truth.label[idx],
        rcs_m2=truth.rcs_m2[idx],
        squawk=truth.squawk[idx],
        iff=truth.iff[idx],
        baro_alt_m=truth.baro_alt_m[idx],
        group=truth.group[idx],
        kind=truth.kind[idx],
    )


def _place_sensors(
    rng: np.random.Generator,
    truth: TruthTracks,
    sensor_type: str | None,
    lat_deg: float | None,
    lon_deg: float | None,
    site_alt_m: float,
    ids: list[str],
) -> SensorArray:
    """Radar i (named ``ids[i]``, which fixes its scan phase as in the engine) watches target
    i: a catalog type, all-round, at a random bearing and a log-uniform distance inside the
    horizon and detection range of the target's middle position, on a site below it."""
    cat = builtin_catalog().sensors
    n = len(truth)
    if sensor_type is not None:
        names = np.full(n, sensor_type)
    else:
        air_n, air_w = list(_AIR_WEIGHTS), np.array(list(_AIR_WEIGHTS.values()))
        bm_n, bm_w = list(_BM_WEIGHTS), np.array(list(_BM_WEIGHTS.values()))
        a = rng.choice(len(air_n), n, p=air_w / air_w.sum())
        b = rng.choice(len(bm_n), n, p=bm_w / bm_w.sum())
        is_bm = truth.label == _CLASS_INDEX["ballistic_missile"]
        names = np.where(is_bm, np.array(bm_n)[b], np.array(air_n)[a])
    st = [cat[str(x)] for x in names]
    ant = np.array([s.antenna_height_m for s in st])
    range_ref = np.array([s.detection_range_km * 1e3 for s in st])
    rcs_ref = np.array([s.rcs_ref_m2 for s in st])
    if lat_deg is not None and lon_deg is not None:
        lat = np.full(n, lat_deg)
        lon = np.full(n, lon_deg)
        site = np.full(n, site_alt_m)
    else:
        alive_n = truth.alive.sum(axis=1)
        mid = np.maximum(alive_n // 2, 0)
        p_mid = truth.pos_ecef_m[np.arange(n), mid]
        t_lat, t_lon, t_h = ecef_to_lla(p_mid)
        # sites below the target: radars do not look below 0° elevation (min_elevation_deg)
        site = rng.uniform(0.0, 1.0, n) * np.clip(0.5 * t_h, 0.0, 600.0)
        rcs_mid = truth.rcs_m2[np.arange(n), mid]
        r_det = range_ref * (rcs_mid / rcs_ref) ** 0.25
        r_hor = radar_horizon_range_m(site + ant, np.maximum(t_h, 0.0))
        d_max = np.maximum(np.minimum(0.9 * r_hor, 1.1 * r_det), 6e3)
        d = np.exp(rng.uniform(np.log(5e3), np.log(d_max)))
        lo2, la2, _ = _GEOD.fwd(np.degrees(t_lon), np.degrees(t_lat), rng.uniform(0.0, 360.0, n), d)
        lat, lon = np.asarray(la2, dtype=np.float64), np.asarray(lo2, dtype=np.float64)
    return make_sensor_array(
        ids=ids, nation=["XXX"] * n, type_=names.astype(str).tolist(), lat_deg=lat.tolist(),
        lon_deg=lon.tolist(), site_alt_m=site.tolist(), antenna_height_m=ant.tolist(),
        detection_range_km=[s.detection_range_km for s in st], rcs_ref_m2=rcs_ref.tolist(),
        pd_ref=[s.pd_ref for s in st], min_elevation_deg=[s.min_elevation_deg for s in st],
        max_elevation_deg=[s.max_elevation_deg for s in st],
        max_altitude_km=[s.max_altitude_km for s in st],
        scan_period_s=[s.scan_period_s for s in st], sigma_range_m=[s.sigma_range_m for s in st],
        sigma_azimuth_mrad=[s.sigma_azimuth_mrad for s in st],
        sigma_elevation_mrad=[s.sigma_elevation_mrad for s in st],
        sector_center_deg=[0.0] * n, sector_width_deg=[360.0] * n,
    )  # fmt: skip


def _sense_chunk(
    truth: TruthTracks,
    seed: int,
    lo: int,
    sensor_type: str | None,
    lat_deg: float | None,
    lon_deg: float | None,
    site_alt_m: float,
    dropouts: bool,
) -> tuple[SensorArray, BoolArray, BoolArray, FloatArray, FloatArray]:
    """The radars, detections, looks, plots and covariances of the chunk of targets
    ``truth`` that starts at target ``lo`` of :func:`simulate_tracks` (its own stream)."""
    rng = stream(seed, "identify-sense", lo)
    ids = [f"identify-{seed}-{lo + i}" for i in range(len(truth))]
    sens = _place_sensors(rng, truth, sensor_type, lat_deg, lon_deg, site_alt_m, ids)
    return (sens, *_sense(rng, truth, sens, dropouts))


def _clutter_volume(radars: SensorArray) -> VolumeFn:
    """The volume per false plot of each radar at a plot, as the engine's picture computes it
    (`iamd.track.sensed.SensedPicture.cell_volume`: the coverage's extent in range, azimuth
    and elevation times ``r² cos(el)``), for the tracker's clutter density. Without it the
    tracker would spread its clutter over the box of one target's plots, a few km wide,
    where a plot weighs next to nothing against clutter, and would confirm the training
    tracks much later than the engine's."""
    n = len(radars)
    layout = picture_layout("national", ["XXX"], [True], ["XXX"] * n)
    return SensedPicture(layout=layout, sensors=radars, nations=["XXX"], n_objects=0).cell_volume


def _sense(
    rng: np.random.Generator, truth: TruthTracks, radars: SensorArray, dropouts: bool
) -> tuple[BoolArray, BoolArray, FloatArray, FloatArray]:
    """Detections (n, H), looks (n, H), plots (n, H, 3) ECEF, covariances (n, H, 3, 3) of
    the targets, radar i watching target i (:func:`_detections` of uniforms and normals
    drawn from ``rng``); with ``dropouts``, a third of the targets lose all plots for 5–30 s."""
    n, h = truth.alive.shape
    u = rng.random((n, h))
    lost = np.zeros((n, h), dtype=bool)
    if dropouts:
        steps = np.arange(h)[None, :]
        has = np.asarray(rng.random(n) < 1.0 / 3.0)
        start = rng.integers(0, max(h, 1), n)
        length = rng.integers(5, 31, n)
        lost = (steps >= start[:, None]) & (steps < (start + length)[:, None]) & has[:, None]
    noise = rng.standard_normal((n, h, 3))
    det, look, z, r_cov = _detections(truth, radars, u, noise)
    return det & ~lost, look, z, r_cov


def _detections(
    truth: TruthTracks, radars: SensorArray, u: FloatArray, noise: FloatArray
) -> tuple[BoolArray, BoolArray, FloatArray, FloatArray]:
    """The sensing stage's radar model (`iamd.sense.radar`, as `iamd.sense.radar.detect`
    applies it in the engine) with radar i watching target i at the steps of ``truth`` (1 s
    apart, from 0 s), given the draws of `iamd.sense.radar.detect`: ``u`` (n, H) uniforms
    and ``noise`` (n, H, 3) standard normals (range, azimuth, elevation).

    At step k radar i completes ``scanning(radars, k, 1)[i]`` scans; it detects a living
    target in its coverage (`iamd.sense.radar.coverage`) when ``u < Pd`` of the step
    (`iamd.sense.radar.pd_at`, `iamd.sense.radar.pd_of_step`), and measures it with the
    noise (`iamd.sense.radar.measure`). A look is a scan of a living target in the coverage
    where the radar would detect one of the picture's ``look_rcs_m2`` with probability ≥ 0.5
    (as the sensed picture counts looks, here at the true position).

    Returns:
        detections (n, H), looks (n, H), plots (n, H, 3) ECEF and their covariances
        (n, H, 3, 3) (measured at every step; only the detections' are plots).
    """
    n, h = truth.alive.shape
    sensor = np.arange(n, dtype=np.int64)[:, None]
    visible, az, el, rng_m = coverage(radars, sensor, truth.pos_ecef_m)
    scans = np.stack([scanning(radars, float(k), 1.0) for k in range(h)], axis=1)
    pd = pd_of_step(pd_at(radars, sensor, rng_m, truth.rcs_m2), scans)
    small = pd_at(radars, sensor, rng_m, np.full((n, h), _TRACKER.look_rcs_m2))
    seen = truth.alive & visible
    det: BoolArray = seen & (u < pd)
    look: BoolArray = seen & (scans > 0) & (small >= 0.5)
    pairs = np.repeat(np.arange(n, dtype=np.int64), h)
    _, _, _, z, r_cov = measure(radars, pairs, az.ravel(), el.ravel(), rng_m.ravel(),
                                noise.reshape(-1, 3))  # fmt: skip
    return det, look, z.reshape(n, h, 3), r_cov.reshape(n, h, 3, 3)


class _Tracked(NamedTuple):
    """What :func:`_run_tracker` returns, each (n, H[, 3])."""

    pos: FloatArray
    vel: FloatArray
    exists: BoolArray
    held: BoolArray
    since_plot: IntArray
    since_gap: IntArray
    start: IntArray
    sigma: FloatArray


def _run_tracker(
    truth: TruthTracks,
    det: BoolArray,
    look: BoolArray,
    z: FloatArray,
    r_cov: FloatArray,
    params: TrackerParams = _TRACKER.tracker,
    gap_s: float = IdentityRules().max_stale_s,
    volume: VolumeFn | None = None,
) -> _Tracked:
    """The project's tracker (`iamd.track.manager.Tracker`, in ECEF) over n targets at once.

    Each target is a picture of its own, fed by its own radar (sensor i feeds picture i), so
    one tracker holds the n targets side by side and tracks them independently in one
    vectorised pass per step: pictures never share plots or tracks. At step k (time k s) a
    radar completes a scan when it looks at its target (``look``) or detects it (``det``),
    and by default looks at every track of its picture, so misses count on looks only. The
    tracker is fed nothing but the plots and the scans: a target that is destroyed simply
    stops producing plots, and its track coasts until the track rules delete it.

    **The target's track.** A picture may hold several tracks of its target at once (a plot
    outside the gate of the current track starts a new one while the old one coasts). The
    track that represents the target at a step is the confirmed track with the most plots
    (the newest among equals), or, when none is confirmed, the newest track. Where no track
    holds the target, position, velocity, sigma, ``since_plot`` and ``since_gap`` keep the
    values of the last track (zeros before the first) and ``start`` is -1.

    The truth is read after tracking, to label the steps only: a track *holds* the target
    while the target flies.

    Args:
        truth: the targets (their ``alive`` flags label the steps).
        det: (n, H) a plot at the step; look: (n, H) the radar scanned the target where it
            would see a small one.
        z, r_cov: (n, H, 3) plots and (n, H, 3, 3) their covariances (ECEF).
        params: the tracker's parameters (default the engine's).
        gap_s: a longer time without a plot is a gap (``IdentityRules.max_stale_s``).
        volume: radar i's volume per false plot (`iamd.track.manager.VolumeFn`; sensor i is
            radar i), for the clutter density the track score weighs plots against
            (:func:`_clutter_volume`); None for the tracker's default.

    Returns:
        the target's track's position and velocity (n, H, 3); (n, H) a confirmed track
        follows the living target; (n, H) a track (tentative or confirmed) does; (n, H)
        steps since the track's last plot; (n, H) updates since its last gap of more than
        ``gap_s`` without a plot (large for a track without one); (n, H) the step of the
        track's first plot; (n, H, 2) the speed and height sigmas
        (`iamd.identify.identity.speed_height_sigma`).
    """
    n, h = det.shape
    tracker = Tracker(
        params, n_pictures=n, sensor_picture=np.arange(n, dtype=np.int64), volume=volume
    )
    no_gap = np.iinfo(np.int64).max // 2
    after_gap = np.zeros(0, dtype=np.int64)  # per row of tracker.table
    pos = np.zeros((n, 3))
    vel = np.zeros((n, 3))
    sigma = np.zeros((n, 2))
    last_plot = np.zeros(n)
    gap = np.zeros(n, dtype=np.int64)
    out_pos = np.zeros((n, h, 3))
    out_vel = np.zeros((n, h, 3))
    out_sigma = np.zeros((n, h, 2))
    out_start = np.full((n, h), -1, dtype=np.int64)
    has = np.zeros((n, h), dtype=bool)
    confirmed = np.zeros((n, h), dtype=bool)
    since = np.zeros((n, h), dtype=np.int64)
    since_gap = np.zeros((n, h), dtype=np.int64)
    for k in range(h):
        p = np.flatnonzero(det[:, k])
        before_s = tracker.table.updated_s
        res = tracker.step(float(k), z[p, k], r_cov[p, k], p,
                           scans=(look[:, k] | det[:, k]).astype(np.int64))  # fmt: skip
        # updates since the last gap, per row of the step's table (new tracks: no gap)
        kept = np.where(res.hit & (k - before_s > gap_s), 1, after_gap + res.hit)
        after_gap = np.concatenate(
            [kept, np.full(len(res.table) - res.n_before, no_gap, dtype=np.int64)]
        )[~res.drop]
        tab = tracker.table
        if len(tab):
            conf = tab.confirmed
            order = np.lexsort((tab.ids, np.where(conf, tab.hits, -1), conf, tab.picture))
            pic = tab.picture[order]
            best = order[np.append(pic[1:] != pic[:-1], True)]  # the last of each picture
            tgt = tab.picture[best]
            pos[tgt] = tab.state[best, :3]
            vel[tgt] = tab.state[best, 3:]
            sigma[tgt] = speed_height_sigma(tab.state[best], tab.covar[best])
            last_plot[tgt] = tab.updated_s[best]
            gap[tgt] = after_gap[best]
            out_start[tgt, k] = np.rint(tab.born_s[best]).astype(np.int64)
            has[tgt, k] = True
            confirmed[tgt, k] = conf[best]
        out_pos[:, k] = pos
        out_vel[:, k] = vel
        out_sigma[:, k] = sigma
        since[:, k] = k - np.rint(last_plot).astype(np.int64)
        since_gap[:, k] = gap
    held = has & truth.alive  # labelling the steps, outside the tracker
    exists = held & confirmed
    return _Tracked(out_pos, out_vel, exists, held, since, since_gap, out_start, out_sigma)


# --------------------------------------------------------------------------- private: misc


def _random_true(rng: np.random.Generator, mask: BoolArray) -> IntArray:
    """A uniformly random column where each row of ``mask`` is True (-1 if none)."""
    score = np.where(mask, rng.random(mask.shape), -1.0)
    idx = score.argmax(axis=1)
    return np.where(mask.any(axis=1), idx, -1).astype(np.int64)


def _split_groups(group: IntArray, label: IntArray, seed: int) -> IntArray:
    """0 / 1 / 2 (train / calibration / test) per window: 70 / 15 / 15 % of each class's
    flights (at least one flight each in calibration and test for a class of three or more),
    so that every split holds every class.

    >>> g = np.repeat(np.arange(20), 2)
    >>> s = _split_groups(g, g % 2, 0)
    >>> [int(np.sum(s == k)) for k in (0, 1, 2)], bool(np.all(s[::2] == s[1::2]))
    ([24, 8, 8], True)
    """
    ug, first = np.unique(group, return_index=True)
    cls = label[first]
    u = stream(seed, "identify-split").random(len(ug))
    lab = np.zeros(len(ug), dtype=np.int64)
    for c in np.unique(cls):
        order = np.flatnonzero(cls == c)
        order = order[np.argsort(u[order], kind="stable")]
        k = len(order)
        n_out = max(1, round(0.15 * k)) if k >= 3 else 0
        lab[order[k - 2 * n_out : k - n_out]] = 1
        lab[order[k - n_out :]] = 2
    return np.asarray(lab[np.searchsorted(ug, group)], dtype=np.int64)


def _subset(d: Dataset, m: BoolArray) -> Dataset:
    return Dataset(
        x=d.x[m],
        y=d.y[m],
        group=d.group[m],
        track=d.track[m],
        end_idx=d.end_idx[m],
        age_s=d.age_s[m],
        kind=d.kind[m],
    )


def _dataset_hash(d: Dataset) -> str:
    h = hashlib.sha256()
    h.update(np.ascontiguousarray(d.x).tobytes())
    h.update(np.ascontiguousarray(d.y).tobytes())
    return h.hexdigest()


def _versions(sklearn_version: str) -> dict[str, str]:
    from iamd import __version__

    return {
        "iamd": __version__,
        "python": platform.python_version(),
        "numpy": np.__version__,
        "scikit-learn": sklearn_version,
        "pandas": pd.__version__,
    }
