"""The tracker: one multi-sensor, multi-picture track manager for every use of iamd.

`Tracker` is the only track manager of the project: the engine's air pictures
(`iamd.track.sensed`), the ``iamd track`` command (`iamd.track.tool`) and the identification
training (`iamd.identify.training`) all run it. It is composed like a textbook tracker
(Blackman and Popoli, *Design and Analysis of Modern Tracking Systems*, 1999, ch. 6–7;
Bar-Shalom, Li and Kirubarajan, *Estimation with Applications to Tracking and Navigation*,
2001), each role a swappable piece with its own module:

1. **Predict** every track to the scan time with the IMM of `TrackerParams.models`
   (`iamd.track.filters.imm_predict_models`: constant velocity and ballistic models in one
   block-wise pass, coordinated turns apart), and combine the models once (moment matching).
2. **Gate and associate** (`iamd.track.associate`): a plot is in a track's gate when it is
   in the χ² gate of one of its models (a manoeuvre model of low probability must see the
   plots that raise it); the cost is ``-2 ln`` of the model mixture's likelihood, and global
   nearest neighbour is solved per connected component. What a diffuse model admits weighs
   little in the mixture and so in the score: it cannot confirm a track on clutter. A track takes at
   most one plot per sensor; confirmed tracks choose first, then tentative ones. Tracks and
   plots of different *pictures* never meet (a picture is one air picture: a nation's, a
   joint one, or one target's in the training).
3. **Look**: only a *look* at a track can count as a miss. By default every sensor that
   completes a scan in the step looks at every track of the picture it feeds; the engine
   passes a `LookFn` that applies each radar's coverage (horizon, sector, detection range).
4. **Update** each track once with the fusion of its plots (information form:
   ``R = (Σ R_i⁻¹)⁻¹``, ``z = R Σ R_i⁻¹ z_i``; with ``H = [I 0]`` this equals the sequential
   updates), and estimate each track's turn rate for coordinated-turn models without a fixed
   rate.
5. **Score**: the log-likelihood ratio of "target" against "clutter" (Blackman and Popoli
   §6.2; Sittler 1964). A hit adds ``ln(P_D / λ) + ln Σ_j c̄_j N_d(ν_j; 0, S_j)`` — the
   plot's density under the track's predicted model mixture against its density as clutter,
   both in the **d measured dimensions** of the plot (``λ`` per m³ for 3-D plots, per m² for
   2-D ones: `Tracker.measured_axes`); a look without a plot adds ``ln(1 - P_D P_G)``; no
   look adds nothing. The clutter density ``λ`` is estimated online per sensor
   (`ClutterEstimate`): the plots that no track took, averaged over scans, per unit of the
   sensor's surveillance volume. ``P_D`` is estimated online per picture
   (`DetectionEstimate`) from the looks at confirmed tracks, unless it is given.
6. **Confirm and delete** by Wald's sequential probability ratio test (Wald 1947; Blackman
   and Popoli §6.3): a tentative track is confirmed when its score reaches
   ``ln((1 - β)/α)`` and deleted when it falls to ``ln(β/(1 - α))`` (α the probability of
   confirming a false track, β of dropping a true one); a confirmed track is deleted when
   its score has fallen `TrackerParams.delete_score_drop` below its maximum (a run of misses
   or of poorly fitting plots). ``confirmation="m_of_n"`` keeps the classical sliding
   M-of-N over looks instead (N − M + 1 missed looks delete a tentative track, K
   consecutive missed looks a confirmed one). Both rules also delete a tentative track
   ``tentative_coast_s`` and a confirmed one ``max_coast_s`` after its last plot, and a
   *confirmed* track whose position variance passes ``max_position_var_m2`` (a tentative
   track is judged by its score: a missile seen by a 10 s radar has a 40 km position sigma
   when the radar looks again, and must still be confirmable).
7. **Initiate** a tentative track on each group of statistically compatible plots left over
   (one per sensor; χ² test on ``z_i - z_j`` with ``R_i + R_j``), position from the fused
   plots and zero velocity with a standard deviation set by the measured height:
   ``air_speed_sigma_m_s`` below ``ballistic_height_m`` (nothing air-breathing flies faster),
   ``ballistic_speed_sigma_m_s`` above it (velocity-gated initiation: the next plot must lie
   within the speeds the height allows). Its score starts at 0 (even prior odds). Below that
   height it starts in the first model (straight flight) with probability
   ``initial_quiet_prob``, the others sharing the rest; above it, every model is equally
   likely.

Track numbers count up from 1 in each picture and are never reused. Steps must come in time
order; a step at the time of the previous one updates without prediction.

>>> import numpy as np
>>> trk = Tracker(TrackerParams(frame="local", clutter_density=1e-12))
>>> cov = np.broadcast_to(100.0 * np.eye(3), (1, 3, 3))
>>> for k in range(3):
...     ev = trk.step(float(k), np.array([[200.0 * k, 0.0, 1000.0]]), cov)
>>> trk.table.ids.tolist(), trk.table.status.tolist()
([1], [1])
>>> round(float(trk.table.state[0, 3]), -1)
200.0
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field, fields, replace
from typing import Literal

import numpy as np
import numpy.typing as npt
from scipy.spatial import cKDTree

from iamd.errors import InputError
from iamd.sense.radar import approx_height_m
from iamd.track.associate import component_labels, gate, gate_threshold, gnn_assign
from iamd.track.filters import (
    Frame,
    MotionModel,
    cross3,
    imm_combine,
    imm_combine_state,
    imm_predict_models,
    imm_update_models,
    innovation_stats,
    largest_eigenvalue3,
    transition_matrix,
    up_axis,
)

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.int64]
BoolArray = npt.NDArray[np.bool_]

TENTATIVE = 0
"""Status of a track not confirmed yet."""
CONFIRMED = 1
"""Status of a confirmed track."""

QUIET_Q_M2_S3 = 1.0
"""Process noise of the quiet models (m²/s³): a velocity random walk of 1 m/s per √s, what
an airliner in cruise or a drone between waypoints does."""

DEFAULT_MODELS = (
    MotionModel(kind="cv", q_m2_s3=QUIET_Q_M2_S3),
    MotionModel(kind="ballistic", q_m2_s3=QUIET_Q_M2_S3),
    MotionModel(kind="cv", q_m2_s3=7_200.0),
)
"""The default IMM: quiet straight flight (aircraft, cruise missiles, drones between
waypoints); unpowered ballistic flight under gravity (a missile in mid-course); and a
manoeuvre model of q = 7,200 m²/s³ (σ_a = 60 m/s² held over the engine's 2 s step) for
everything else — turns, a missile's boost (up to ~7 g in the catalog's MRBMs) and its
re-entry deceleration (up to ~25 g in the last seconds). Without a manoeuvre model
ballistic tracks break at burn-out and re-entry."""

CV_ONLY = (MotionModel(kind="cv", q_m2_s3=QUIET_Q_M2_S3),)
"""A single constant-velocity Kalman filter (an IMM of one model)."""

TURN_RATE_RAD_S = 0.1
"""Turn rate of the coordinated-turn bank: 2 g at 200 m/s."""

TURN_BANK = (
    MotionModel(kind="cv", q_m2_s3=QUIET_Q_M2_S3),
    MotionModel(kind="ct", q_m2_s3=QUIET_Q_M2_S3, turn_rate_rad_s=TURN_RATE_RAD_S),
    MotionModel(kind="ct", q_m2_s3=QUIET_Q_M2_S3, turn_rate_rad_s=-TURN_RATE_RAD_S),
)
"""The textbook fixed-rate bank (Bar-Shalom et al. §11.7): straight flight and coordinated
turns to the left and right at `TURN_RATE_RAD_S`, for manoeuvring aircraft."""

MODEL_SETS: dict[str, tuple[MotionModel, ...]] = {
    "imm": DEFAULT_MODELS,
    "cv": CV_ONLY,
    "bank": TURN_BANK,
}
"""Named model sets (``iamd track --model``, scenario ``tracking.model``)."""

Confirmation = Literal["sprt", "m_of_n"]


def with_quiet_q(models: tuple[MotionModel, ...], q_m2_s3: float) -> tuple[MotionModel, ...]:
    """``models`` with the process noise of the quiet ones (those at `QUIET_Q_M2_S3`) set to
    ``q_m2_s3``; a manoeuvre model keeps its own.

    >>> [m.q_m2_s3 for m in with_quiet_q(DEFAULT_MODELS, 4.0)]
    [4.0, 4.0, 7200.0]
    """
    return tuple(replace(m, q_m2_s3=q_m2_s3) if m.q_m2_s3 == QUIET_Q_M2_S3 else m for m in models)


_PICTURE_SHIFT_M = 1.0e9
"""Pictures are kept apart in the gating search by shifting each one's positions this far."""


@dataclass(frozen=True, slots=True, kw_only=True)
class TrackerParams:
    """Parameters of a `Tracker`.

    Attributes:
        models, stay_prob: the IMM's motion models, and the probability that a model lasts
            one second (`transition_matrix`: the chain runs in continuous time, so a step's
            switching probabilities follow its length).
        initial_quiet_prob: the probability of the first model (straight flight) of a new
            track below ``ballistic_height_m``, the other models sharing the rest equally.
        frame: ``ecef`` or ``local`` (z up): the vertical and the gravity of the models.
        gate_prob: gate probability P_G of the χ²₃ gates (association and initiation).
        pd: detection probability of a target at a look, or None to estimate it online per
            picture (`DetectionEstimate`) from ``pd_prior``.
        pd_prior, pd_prior_looks: the online estimate's prior: its value, and how many looks
            it weighs.
        pd_memory_scans: scans over which the online estimate averages.
        clutter_density: false plots per m³ (per m² for 2-D plots) per scan, or None to
            estimate it online per sensor (`ClutterEstimate`).
        clutter_memory_scans: scans over which the online estimate averages.
        confirmation: ``sprt`` (sequential test on the score) or ``m_of_n``.
        false_track_prob: α, the probability of confirming a false track (``sprt``).
        true_track_loss_prob: β, the probability of deleting a true tentative track.
        delete_score_drop: a confirmed track is deleted when its score falls this far below
            its maximum (``sprt``; the fifth missed look in a row for P_D in [0.8802, 0.9304)).
        confirm_m, confirm_n: M-of-N confirmation over looks (``m_of_n``).
        delete_misses: consecutive missed looks that delete a confirmed track (``m_of_n``).
        max_coast_s, tentative_coast_s: time without a plot that deletes a confirmed /
            tentative track (s).
        max_position_var_m2: a confirmed track whose largest position variance passes this
            is deleted (m²; default a 10 km standard deviation).
        air_speed_sigma_m_s, ballistic_speed_sigma_m_s, ballistic_height_m: the velocity
            standard deviation (per axis) of a new track below and above the height.
        turn_rate_gain, max_turn_rate_rad_s, min_turn_speed_m_s: the smoothed turn-rate
            estimate of ``ct`` models without a fixed rate.
    """

    models: tuple[MotionModel, ...] = DEFAULT_MODELS
    stay_prob: float = 0.995
    initial_quiet_prob: float = 0.9
    frame: Frame = "ecef"
    gate_prob: float = 0.997
    pd: float | None = None
    pd_prior: float = 0.9
    pd_prior_looks: float = 20.0
    pd_memory_scans: int = 20
    clutter_density: float | None = None
    clutter_memory_scans: int = 20
    confirmation: Confirmation = "sprt"
    false_track_prob: float = 1e-5
    true_track_loss_prob: float = 0.1
    delete_score_drop: float = 10.5
    confirm_m: int = 3
    confirm_n: int = 5
    delete_misses: int = 5
    max_coast_s: float = 60.0
    tentative_coast_s: float = 30.0
    max_position_var_m2: float = 1.0e8
    air_speed_sigma_m_s: float = 450.0
    ballistic_speed_sigma_m_s: float = 4_000.0
    ballistic_height_m: float = 20_000.0
    turn_rate_gain: float = 0.3
    max_turn_rate_rad_s: float = 0.5
    min_turn_speed_m_s: float = 20.0

    def __post_init__(self) -> None:
        def positive(name: str) -> tuple[bool, str, object]:
            value = getattr(self, name)
            return (bool(np.isfinite(value) and value > 0), f"{name} must be > 0", value)

        rules = [
            (len(self.models) >= 1, "models must hold at least one model", len(self.models)),
            (len(self.models) < 2 or 1.0 / len(self.models) <= self.stay_prob <= 1.0,
             f"stay_prob must be in [1/{len(self.models)}, 1] with {len(self.models)} models",
             self.stay_prob),
            (len(self.models) > 1 or 0.0 < self.stay_prob <= 1.0,
             "stay_prob must be in (0, 1]", self.stay_prob),
            (self.frame in ("ecef", "local"), "frame must be ecef or local", self.frame),
            (0.0 < self.gate_prob < 1.0, "gate_prob must be in (0, 1)", self.gate_prob),
            (self.pd is None or 0.0 < self.pd < 1.0, "pd must be in (0, 1) or None",
             self.pd),
            (0.0 < self.pd_prior < 1.0, "pd_prior must be in (0, 1)", self.pd_prior),
            positive("pd_prior_looks"),
            (self.pd_memory_scans >= 1, "pd_memory_scans must be >= 1", self.pd_memory_scans),
            (0.0 < self.initial_quiet_prob <= 1.0, "initial_quiet_prob must be in (0, 1]",
             self.initial_quiet_prob),
            (self.clutter_density is None or (np.isfinite(self.clutter_density)
             and self.clutter_density > 0), "clutter_density must be > 0 or None",
             self.clutter_density),
            (self.clutter_memory_scans >= 1, "clutter_memory_scans must be >= 1",
             self.clutter_memory_scans),
            (self.confirmation in ("sprt", "m_of_n"), "confirmation must be sprt or m_of_n",
             self.confirmation),
            (0.0 < self.false_track_prob < 0.5, "false_track_prob must be in (0, 0.5)",
             self.false_track_prob),
            (0.0 < self.true_track_loss_prob < 0.5, "true_track_loss_prob must be in (0, 0.5)",
             self.true_track_loss_prob),
            positive("delete_score_drop"),
            (1 <= self.confirm_n <= 64, "confirm_n must be in 1..64", self.confirm_n),
            (1 <= self.confirm_m <= self.confirm_n, "confirm_m must be in 1..confirm_n",
             self.confirm_m),
            (self.delete_misses >= 1, "delete_misses must be >= 1", self.delete_misses),
            positive("max_coast_s"),
            positive("tentative_coast_s"),
            positive("max_position_var_m2"),
            positive("air_speed_sigma_m_s"),
            positive("ballistic_speed_sigma_m_s"),
            (0.0 <= self.turn_rate_gain <= 1.0, "turn_rate_gain must be in [0, 1]",
             self.turn_rate_gain),
        ]  # fmt: skip
        for ok, rule, value in rules:
            if not ok:
                raise InputError(f"TrackerParams: {rule} (got {value})")
        for m in self.models:
            if not (np.isfinite(m.q_m2_s3) and m.q_m2_s3 >= 0):
                raise InputError(f"TrackerParams: a model's q_m2_s3 must be >= 0 (got {m})")

    @property
    def confirm_score(self) -> float:
        """SPRT upper threshold ``ln((1 - β)/α)``: a tentative track at or above it is
        confirmed."""
        return float(np.log((1.0 - self.true_track_loss_prob) / self.false_track_prob))

    @property
    def reject_score(self) -> float:
        """SPRT lower threshold ``ln(β/(1 - α))``: a tentative track at or below it is
        deleted."""
        return float(np.log(self.true_track_loss_prob / (1.0 - self.false_track_prob)))


@dataclass(frozen=True, slots=True, kw_only=True)
class TrackTable:
    """All tracks of a tracker, one row each (n tracks, r models).

    Attributes:
        ids: (n,) track numbers, unique within their picture for the tracker's life.
        picture: (n,) the picture that holds the track.
        state: (n, 6) combined state ``[x, y, z, vx, vy, vz]`` (m, m/s).
        covar: (n, 6, 6) combined covariance.
        model_state, model_covar, model_prob: (n, r, 6), (n, r, 6, 6), (n, r) the IMM's
            model-matched estimates and model probabilities.
        status: (n,) `TENTATIVE` or `CONFIRMED`.
        history: (n,) bit k set when the k-th last look had a plot (bit 0: the last).
        age: (n,) looks since initiation, counting the first plot.
        hits: (n,) steps with a plot; misses: (n,) consecutive missed looks.
        born_s, updated_s, confirmed_s: (n,) times of initiation, last plot and confirmation
            (NaN while tentative).
        turn_rate_rad_s: (n,) estimated turn rate about the vertical.
        score, score_max: (n,) the log-likelihood-ratio track score and its maximum so far.
    """

    ids: IntArray
    picture: IntArray
    state: FloatArray
    covar: FloatArray
    model_state: FloatArray
    model_covar: FloatArray
    model_prob: FloatArray
    status: npt.NDArray[np.int8]
    history: npt.NDArray[np.uint64]
    age: IntArray
    hits: IntArray
    misses: IntArray
    born_s: FloatArray
    updated_s: FloatArray
    confirmed_s: FloatArray
    turn_rate_rad_s: FloatArray
    score: FloatArray
    score_max: FloatArray

    def __len__(self) -> int:
        return len(self.ids)

    def __repr__(self) -> str:
        n = len(self)
        c = int(np.sum(self.status == CONFIRMED))
        return f"<TrackTable {n} tracks: {c} confirmed, {n - c} tentative>"

    @classmethod
    def empty(cls, n_models: int) -> TrackTable:
        """A table with no tracks."""
        f = np.zeros(0)
        i = np.zeros(0, dtype=np.int64)
        return cls(
            ids=i,
            picture=i,
            state=np.zeros((0, 6)),
            covar=np.zeros((0, 6, 6)),
            model_state=np.zeros((0, n_models, 6)),
            model_covar=np.zeros((0, n_models, 6, 6)),
            model_prob=np.zeros((0, n_models)),
            status=np.zeros(0, dtype=np.int8),
            history=np.zeros(0, dtype=np.uint64),
            age=i,
            hits=i,
            misses=i,
            born_s=f,
            updated_s=f,
            confirmed_s=f,
            turn_rate_rad_s=f,
            score=f,
            score_max=f,
        )

    def take(self, index: IntArray | BoolArray) -> TrackTable:
        """The rows selected by an index or mask."""
        if index.dtype == np.bool_:  # compress: the faster copy for a mask
            mask = index.astype(np.bool_, copy=False)
            return TrackTable(
                **{f.name: np.compress(mask, getattr(self, f.name), axis=0) for f in fields(self)}
            )
        return TrackTable(**{f.name: getattr(self, f.name)[index] for f in fields(self)})

    def concat(self, other: TrackTable) -> TrackTable:
        """This table's rows followed by ``other``'s."""
        return TrackTable(
            **{
                f.name: np.concatenate([getattr(self, f.name), getattr(other, f.name)])
                for f in fields(self)
            }
        )

    @property
    def confirmed(self) -> BoolArray:
        """(n,) mask of confirmed tracks."""
        return np.asarray(self.status == CONFIRMED)


@dataclass(frozen=True, slots=True, kw_only=True)
class StepResult:
    """What one step did, for callers that keep columns of their own beside the table.

    Rows are those of the step's table *before* deletion: the n tracks held before the step,
    then the k tracks initiated in it (in the order of their plot groups).

    Attributes:
        t_s: the step's time.
        n_before: n, the tracks held before the step.
        owner: (p,) the row each plot went to (an old track it updated, or the new track it
            started); every plot has one.
        looked: (n,) the old tracks a sensor looked at; hit: (n,) those that got a plot.
        confirm: (n + k,) tracks confirmed in the step; drop: (n + k,) tracks deleted.
        nis: (p,) each plot's squared Mahalanobis distance to the track it updated (NaN for
            the plots that started a track).
        table: the (n + k) rows, before deletion.
    """

    t_s: float
    n_before: int
    owner: IntArray
    looked: BoolArray
    hit: BoolArray
    confirm: BoolArray
    drop: BoolArray
    nis: FloatArray
    table: TrackTable

    @property
    def ids(self) -> IntArray:
        """(n + k,) the rows' track numbers."""
        return self.table.ids

    @property
    def initiated(self) -> IntArray:
        """Numbers of the tracks started in the step."""
        return self.ids[self.n_before :]

    @property
    def confirmed(self) -> IntArray:
        """Numbers of the tracks confirmed in the step (and not deleted)."""
        return self.ids[self.confirm & ~self.drop]

    @property
    def deleted(self) -> IntArray:
        """Numbers of the tracks deleted in the step."""
        return self.ids[self.drop]


LookFn = Callable[[FloatArray, FloatArray, IntArray, IntArray], BoolArray]
"""``look(pos (q, 3), pos_covar (q, 3, 3), picture (q,), scanning (k,)) -> (q,)``: which of
q predicted tracks the sensors ``scanning`` (indices of the sensors that complete a scan in
the step) look at."""

VolumeFn = Callable[[FloatArray, IntArray], FloatArray]
"""``volume(pos (p, 3), sensor (p,)) -> (p,)``: the surveillance volume per false plot of each
plot's sensor at the plot (m³): the sensor's coverage when its false plots are uniform in
space, or the volume of one resolution cell divided by the number of cells when they are
uniform in range, azimuth and elevation."""


@dataclass(slots=True)
class ClutterEstimate:
    """Online clutter density per sensor: the mean number of plots per scan that no track
    took (false plots, and the first plots of new targets: a conservative estimate), over the
    last `TrackerParams.clutter_memory_scans` scans (a running mean, then an exponential
    average), divided by the sensor's surveillance volume at the plot.

    A sensor's first scan cannot tell targets from clutter (every plot is free): it serves
    until the second scan, which restarts the mean. A false plot that falls in a young
    track's gate is not counted; in 1,000 false plots per scan that is a few per cent.

    Without a `VolumeFn` the volume is that of the box spanned by all the sensor's plots so
    far in the measured axes, each side at least ``min_side_m``.

    Attributes:
        rate: (S,) estimated false plots per scan; scans: (S,) scans seen; lo, hi: (S, d) the
            plots' box.
    """

    rate: FloatArray
    scans: IntArray
    lo: FloatArray
    hi: FloatArray
    min_side_m: float = 10_000.0

    @classmethod
    def start(cls, n_sensors: int, dim: int) -> ClutterEstimate:
        return cls(
            rate=np.zeros(n_sensors),
            scans=np.zeros(n_sensors, dtype=np.int64),
            lo=np.full((n_sensors, dim), np.inf),
            hi=np.full((n_sensors, dim), -np.inf),
        )

    def observe(
        self, sensor: IntArray, free: BoolArray, scans: IntArray, memory: int, coords: FloatArray
    ) -> None:
        """Fold a step in: plots of ``sensor`` (p,), ``free`` (p,) not taken by a track,
        ``scans`` (S,) completed per sensor, ``coords`` (p, d) plots in measured axes."""
        s_n = len(self.rate)
        looked = np.flatnonzero(scans > 0)
        if len(looked) == 0:
            return
        count = np.bincount(sensor[free], minlength=s_n).astype(np.float64)
        n_prev = self.scans[looked]
        n_prev = np.where(n_prev == 1, 0, n_prev)  # the first scan's estimate is replaced
        gain = 1.0 / np.minimum(n_prev + 1, memory)
        per_scan = count[looked] / scans[looked]
        self.rate[looked] += gain * (per_scan - self.rate[looked])
        self.scans[looked] += scans[looked]
        if len(sensor):
            np.minimum.at(self.lo, sensor, coords)
            np.maximum.at(self.hi, sensor, coords)

    def density(self, pos: FloatArray, sensor: IntArray, coords: FloatArray,
                volume: VolumeFn | None) -> FloatArray:  # fmt: skip
        """(p,) clutter density at each plot (per m^d)."""
        if volume is not None:
            v = volume(pos, sensor)
        else:
            side = np.maximum(self.hi[sensor] - self.lo[sensor], self.min_side_m)
            side = np.where(np.isfinite(side), side, self.min_side_m)
            v = np.prod(side, axis=1)
        rate = np.maximum(self.rate[sensor], 1e-3)  # at least one false plot in 1,000 scans
        return np.asarray(rate / v, dtype=np.float64)


@dataclass(slots=True)
class DetectionEstimate:
    """Online detection probability per picture: the fraction of looks at confirmed tracks
    that gave a plot, exponentially averaged over `TrackerParams.pd_memory_scans` steps,
    with the prior `TrackerParams.pd_prior` weighing ``pd_prior_looks`` looks.

    A run of missed looks is counted for good only when a later plot shows the target was
    still there (the run a hit ends): the misses of a track whose target has gone, which the
    track rules then delete, are not the sensor's. Until then each open run of a confirmed
    track counts one miss (``pending``): left out, the first estimates would read only the
    hits of tracks just confirmed on a run of plots (0.99 three scans into the benchmark's
    1,000 targets, at a true 0.9); counted whole, the runs of departed targets' tracks read
    0.888 where targets come and go. Tentative tracks, many of them clutter, do not count.

    Attributes:
        hits, misses: (P,) the weighted counts per picture.
    """

    hits: FloatArray
    misses: FloatArray

    @classmethod
    def start(cls, n_pictures: int) -> DetectionEstimate:
        return cls(hits=np.zeros(n_pictures), misses=np.zeros(n_pictures))

    def observe(self, picture: IntArray, misses_before: IntArray, fed: BoolArray,
                memory: int) -> None:  # fmt: skip
        """Fold a step in: the confirmed tracks hit, by ``picture`` and the missed looks
        ``misses_before`` each had since its last plot; ``fed`` (P,) the pictures a sensor
        scanned in the step (their counts age)."""
        n = len(self.hits)
        decay = np.where(fed, 1.0 - 1.0 / memory, 1.0)
        self.hits = decay * self.hits + np.bincount(picture, minlength=n)
        self.misses = decay * self.misses + np.bincount(
            picture, weights=misses_before.astype(np.float64), minlength=n
        )

    def value(self, prior: float, prior_looks: float,
              pending: FloatArray | float = 0.0) -> FloatArray:  # fmt: skip
        """(P,) the estimate, within [0.05, 0.99]; ``pending`` (P,) the confirmed tracks with
        an open run of missed looks."""
        looks = self.hits + self.misses + pending + prior_looks
        pd = (self.hits + prior * prior_looks) / looks
        return np.asarray(np.clip(pd, 0.05, 0.99), dtype=np.float64)


@dataclass(slots=True)
class Tracker:
    """A multi-sensor tracker over steps of plots (see the module's docstring).

    Attributes:
        params: the parameters.
        n_pictures: pictures held side by side (each with its own track numbers).
        sensor_picture: (S,) the picture each sensor feeds (default: one sensor, picture 0).
        measured_axes: (d, 3) orthonormal rows spanning what the plots measure (default the
            identity: 3-D plots; two rows for 2-D plots in a plane), for the track score.
        volume: the sensors' surveillance volume per false plot (`VolumeFn`), or None for the
            box spanned by each sensor's plots.
        look: which tracks the scanning sensors look at (`LookFn`), or None for all the
            tracks of the pictures they feed.
        table: the current tracks; t_s: time of the last step (None before the first);
        clutter: the online clutter estimate; detection: the online P_D estimate.
    """

    params: TrackerParams = field(default_factory=TrackerParams)
    n_pictures: int = 1
    sensor_picture: IntArray = field(default_factory=lambda: np.zeros(1, dtype=np.int64))
    measured_axes: FloatArray = field(default_factory=lambda: np.eye(3))
    volume: VolumeFn | None = None
    look: LookFn | None = None
    table: TrackTable = field(init=False)
    t_s: float | None = field(init=False, default=None)
    clutter: ClutterEstimate = field(init=False)
    detection: DetectionEstimate = field(init=False)
    _next_id: IntArray = field(init=False)
    _gate: float = field(init=False)
    _all_axes: bool = field(init=False)
    _estimates_turn: bool = field(init=False)

    def __post_init__(self) -> None:
        par = self.params
        r = len(par.models)
        self.sensor_picture = np.asarray(self.sensor_picture, dtype=np.int64)
        self.measured_axes = np.asarray(self.measured_axes, dtype=np.float64).reshape(-1, 3)
        if len(self.measured_axes) not in (2, 3):
            raise InputError(f"Tracker: measured_axes must have 2 or 3 rows "
                             f"(got {len(self.measured_axes)})")  # fmt: skip
        if np.any(self.sensor_picture < 0) or np.any(self.sensor_picture >= self.n_pictures):
            raise InputError("Tracker: sensor_picture must index the pictures")
        self.table = TrackTable.empty(r)
        self.clutter = ClutterEstimate.start(len(self.sensor_picture), len(self.measured_axes))
        self.detection = DetectionEstimate.start(self.n_pictures)
        self._next_id = np.ones(self.n_pictures, dtype=np.int64)
        self._gate = gate_threshold(par.gate_prob, len(self.measured_axes))
        self._all_axes = bool(np.array_equal(self.measured_axes, np.eye(3)))
        self._estimates_turn = any(m.kind == "ct" and m.turn_rate_rad_s is None
                                   for m in par.models)  # fmt: skip

    def __repr__(self) -> str:
        return (f"<Tracker t={self.t_s} s, {len(self.table)} tracks "
                f"({int(self.table.confirmed.sum())} confirmed), {self.n_pictures} picture(s), "
                f"{self.params.confirmation}>")  # fmt: skip

    def step(
        self,
        t_s: float,
        plots_pos_m: FloatArray,
        plots_cov_m2: FloatArray,
        sensor: IntArray | None = None,
        *,
        scans: IntArray | None = None,
    ) -> StepResult:
        """Fold one step's plots in.

        Args:
            t_s: time of the plots (s), not earlier than the previous step's.
            plots_pos_m: (p, 3) plot positions in the tracker's frame (m).
            plots_cov_m2: (p, 3, 3) their covariances (m²).
            sensor: (p,) the sensor of each plot (default 0).
            scans: (S,) scans each sensor completed in the step (default: one scan by every
                sensor that reported a plot, and by sensor 0 when there are none — a scan
                with no plots is still a look).
        """
        par = self.params
        z = np.asarray(plots_pos_m, dtype=np.float64).reshape(-1, 3)
        rz = np.asarray(plots_cov_m2, dtype=np.float64).reshape(-1, 3, 3)
        p_n = len(z)
        if len(rz) != p_n:
            raise ValueError(f"{p_n} plot positions but {len(rz)} covariances")
        s_n = len(self.sensor_picture)
        ps = np.zeros(p_n, dtype=np.int64) if sensor is None else np.asarray(sensor, np.int64)
        if len(ps) != p_n or (p_n and (ps.min() < 0 or ps.max() >= s_n)):
            raise ValueError(f"sensor must give one index in 0..{s_n - 1} per plot")
        if scans is None:
            scans = np.zeros(s_n, dtype=np.int64)
            scans[np.unique(ps)] = 1
            if p_n == 0:
                scans[0] = 1
        if self.t_s is not None and t_s < self.t_s:
            raise ValueError(f"step at t_s={t_s} is earlier than the previous ({self.t_s})")
        dt = 0.0 if self.t_s is None else float(t_s - self.t_s)
        tab = self.table
        n = len(tab)
        pp = self.sensor_picture[ps]

        # 1. Predict, and combine the models once.
        if n and dt > 0.0:
            ms, mc, mp = imm_predict_models(
                tab.model_state, tab.model_covar, tab.model_prob,
                transition_matrix(len(par.models), par.stay_prob, dt), dt,
                par.models, frame=par.frame, turn_rate_rad_s=tab.turn_rate_rad_s,
            )  # fmt: skip
            # the combined covariance serves the looks only: computed when a LookFn needs it
            px = imm_combine_state(ms, mp)
            pc = imm_combine(ms, mc, mp)[1] if self.look is not None else None
        else:
            ms, mc, mp = tab.model_state.copy(), tab.model_covar.copy(), tab.model_prob.copy()
            px, pc = tab.state, tab.covar

        # 2. Gate and associate: confirmed tracks first, then tentative; one plot per sensor.
        owner = np.full(p_n, -1, dtype=np.int64)
        d2_of = np.full(p_n, np.nan)
        if n and p_n:
            shift_t = np.zeros((n, 1, 3))
            shift_t[:, 0, 0] = tab.picture * _PICTURE_SHIFT_M
            shift_p = np.zeros((p_n, 3))
            shift_p[:, 0] = pp * _PICTURE_SHIFT_M
            g = gate(ms[:, :, :3] + shift_t, mc[:, :, :3, :3], z + shift_p, rz,
                     threshold=self._gate, model_weight=mp)  # fmt: skip
            same = tab.picture[g.track] == pp[g.plot]
            g_t, g_p, g_d2, g_cost = g.track[same], g.plot[same], g.d2[same], g.cost[same]
            conf_pair = tab.confirmed[g_t]
            for first_pass in (True, False):
                sel = np.flatnonzero((conf_pair == first_pass) & (owner[g_p] < 0))
                if len(sel) == 0:
                    continue
                e = sel[gnn_assign(g_t[sel] * s_n + ps[g_p[sel]], g_p[sel], g_cost[sel],
                                   n * s_n, p_n)]  # fmt: skip
                owner[g_p[e]] = g_t[e]
                d2_of[g_p[e]] = g_d2[e]
        used = np.flatnonzero(owner >= 0)
        tr = owner[used]
        hit = np.zeros(n, dtype=bool)
        hit[tr] = True

        # 3. Looks.
        scanning = np.flatnonzero(np.asarray(scans) > 0)
        looked = hit.copy()
        q = np.flatnonzero(~hit)
        if len(q) and len(scanning):
            if self.look is None:
                fed = np.zeros(self.n_pictures, dtype=bool)
                fed[self.sensor_picture[scanning]] = True
                looked[q] = fed[tab.picture[q]]
            else:
                assert pc is not None  # computed above when there is a LookFn
                looked[q] = self.look(px[q, :3], pc[q, :3, :3], tab.picture[q], scanning)

        # Clutter: the plots no track took, per sensor.
        coords = z @ self.measured_axes.T
        took = np.zeros(p_n, dtype=bool)
        took[used] = True
        self.clutter.observe(ps, ~took, np.asarray(scans), par.clutter_memory_scans, coords)
        if par.clutter_density is not None:
            log_lam = np.full(p_n, np.log(par.clutter_density))
        else:
            log_lam = np.log(self.clutter.density(z, ps, coords, self.volume))

        # P_D: given, or estimated from the confirmed tracks' looks up to this step.
        if par.pd is not None:
            pd = np.full(n, par.pd)
        else:
            open_run = tab.confirmed & (tab.misses > 0)
            pending = np.bincount(tab.picture[open_run], minlength=self.n_pictures).astype(float)
            pd = self.detection.value(par.pd_prior, par.pd_prior_looks, pending)[tab.picture]
            fed_pictures = np.zeros(self.n_pictures, dtype=bool)
            fed_pictures[self.sensor_picture[scanning]] = True
            counted = hit & tab.confirmed
            self.detection.observe(tab.picture[counted], tab.misses[counted], fed_pictures,
                                   par.pd_memory_scans)  # fmt: skip

        # 4. Fuse each track's plots, update it once, and score.
        h = np.flatnonzero(hit)
        gain = np.where(looked, np.log1p(-pd * par.gate_prob), 0.0)
        if len(h):
            ref = px[tr, :3]
            z_f, r_f = fuse_plots(z[used] - ref, rz[used], tr, n)
            z_f = z_f[h] + px[h, :3]
            sub = ms[h], mc[h], mp[h]
            ms[h], mc[h], mp[h], mixture = imm_update_models(*sub, z_f, r_f[h])
            # with every axis measured, the update's own mixture likelihood is the density
            log_lik = mixture if self._all_axes else self._log_density(z_f, r_f[h], *sub)
            count = np.bincount(tr, minlength=n)[h]
            mean_log_lam = np.bincount(tr, weights=log_lam[used], minlength=n)[h] / count
            gain[h] = np.log(pd[h]) - mean_log_lam + log_lik
        if n:
            state, covar = imm_combine(ms, mc, mp)
        else:
            state, covar = np.zeros((0, 6)), np.zeros((0, 6, 6))
        turn = self._turn_rate(tab, state, hit, dt) if self._estimates_turn else tab.turn_rate_rad_s
        hit_bit = hit.astype(np.uint64)
        score = tab.score + gain
        tab = replace(
            tab,
            state=state,
            covar=covar,
            model_state=ms,
            model_covar=mc,
            model_prob=mp,
            history=np.where(looked, (tab.history << np.uint64(1)) | hit_bit, tab.history),
            age=tab.age + looked,
            hits=tab.hits + hit,
            misses=np.where(hit, 0, np.where(looked, tab.misses + 1, tab.misses)),
            updated_s=np.where(hit, t_s, tab.updated_s),
            turn_rate_rad_s=turn,
            score=score,
            score_max=np.maximum(tab.score_max, score),
        )

        # 5. Initiate on the plots left over.
        free = np.flatnonzero(owner < 0)
        if len(free):
            new, labels = self._initiate(t_s, z[free], rz[free], ps[free], pp[free])
            owner[free] = n + labels
            tab = tab.concat(new)

        # 6. Confirm and delete.
        tentative = tab.status == TENTATIVE
        since = t_s - tab.updated_s
        if par.confirmation == "sprt":
            confirm = tentative & (tab.score >= par.confirm_score)
            status = np.where(confirm, np.int8(CONFIRMED), tab.status).astype(np.int8)
            hopeless = (status == TENTATIVE) & (tab.score <= par.reject_score)
            lost = (
                (status == CONFIRMED)
                & ~confirm
                & (tab.score_max - tab.score >= par.delete_score_drop)
            )
        else:
            window = np.uint64((1 << par.confirm_n) - 1) if par.confirm_n < 64 else ~np.uint64(0)
            confirm = tentative & (popcount(tab.history & window) >= par.confirm_m)
            status = np.where(confirm, np.int8(CONFIRMED), tab.status).astype(np.int8)
            hopeless = (status == TENTATIVE) & (
                (tab.misses > par.confirm_n - par.confirm_m) | (tab.age > 2 * par.confirm_n)
            )
            lost = (status == CONFIRMED) & (tab.misses >= par.delete_misses)
        hopeless |= (status == TENTATIVE) & (since > par.tentative_coast_s)
        pos_var = np.max(np.diagonal(tab.covar[:, :3, :3], axis1=1, axis2=2), axis=1)
        vague = (status == CONFIRMED) & ~(pos_var <= par.max_position_var_m2)  # NaN: vague
        lost |= (status == CONFIRMED) & (since > par.max_coast_s)
        drop = hopeless | lost | vague
        tab = replace(tab, status=status, confirmed_s=np.where(confirm, t_s, tab.confirmed_s))
        result = StepResult(
            t_s=float(t_s), n_before=n, owner=owner, looked=looked[:n], hit=hit,
            confirm=confirm, drop=drop, nis=d2_of, table=tab,
        )  # fmt: skip
        self.table = tab.take(~drop) if drop.any() else tab
        self.t_s = float(t_s)
        return result

    def remove(self, rows: IntArray) -> None:
        """Delete the tracks at ``rows`` (an explicit, labelled decision of a later stage,
        such as a kill assessment)."""
        keep = np.ones(len(self.table), dtype=bool)
        keep[rows] = False
        self.table = self.table.take(keep)

    # ------------------------------------------------------------------ helpers

    def _log_density(self, z: FloatArray, r: FloatArray, ms: FloatArray, mc: FloatArray,
                     mp: FloatArray) -> FloatArray:  # fmt: skip
        """``ln Σ_j c̄_j N_d(A ν_j; 0, A S_j A')``: the plot's density under the IMM's predicted
        mixture (Blackman and Popoli §6.2), over the d measured axes A (2 or 3 rows)."""
        a = self.measured_axes
        nu = z[:, None, :] - ms[:, :, :3]  # (h, r, 3)
        s = mc[:, :, :3, :3] + r[:, None]
        d = len(a)
        if d == 3 and np.array_equal(a, np.eye(3)):
            d2, log_det = innovation_stats(nu, s)
        else:
            v = nu @ a.T
            sa = np.einsum("ij,hrjk,lk->hril", a, s, a)
            if d == 3:
                d2, log_det = innovation_stats(v, sa)
            else:
                det = sa[..., 0, 0] * sa[..., 1, 1] - sa[..., 0, 1] * sa[..., 1, 0]
                d2 = (sa[..., 1, 1] * v[..., 0] ** 2 - 2.0 * sa[..., 0, 1] * v[..., 0] * v[..., 1]
                      + sa[..., 0, 0] * v[..., 1] ** 2) / det  # fmt: skip
                log_det = np.log(det)
        log_w = np.log(np.maximum(mp, np.finfo(np.float64).tiny)) - 0.5 * (d2 + log_det)
        log_w = np.where(np.isnan(log_w), -np.inf, log_w)
        top = np.max(log_w, axis=1, keepdims=True)
        top = np.where(np.isfinite(top), top, 0.0)
        total = np.log(np.sum(np.exp(log_w - top), axis=1)) + top[:, 0]
        return np.asarray(total - 0.5 * d * np.log(2.0 * np.pi))

    def _initiate(
        self, t_s: float, z: FloatArray, rz: FloatArray, ps: IntArray, pic: IntArray
    ) -> tuple[TrackTable, IntArray]:
        """Tentative tracks on the groups of compatible left-over plots (one per sensor);
        returns them and each plot's group."""
        par = self.params
        r = len(par.models)
        labels = compatible_groups(z, rz, ps, pic, self._gate)
        k = int(labels.max()) + 1
        first = np.full(k, len(z), dtype=np.int64)
        np.minimum.at(first, labels, np.arange(len(z)))
        zf, rf = fuse_plots(z - z[first][labels], rz, labels, k)
        zf = zf + z[first]
        height = zf[:, 2] if par.frame == "local" else approx_height_m(zf)
        speed_sigma = np.where(height > par.ballistic_height_m, par.ballistic_speed_sigma_m_s,
                               par.air_speed_sigma_m_s)  # fmt: skip
        state = np.zeros((k, 6))
        state[:, :3] = zf
        covar = np.zeros((k, 6, 6))
        covar[:, :3, :3] = rf
        v = np.arange(3, 6)
        covar[:, v, v] = (speed_sigma**2)[:, None]
        picture = pic[first]
        order = np.argsort(picture, kind="stable")
        rank = np.empty(k, dtype=np.int64)
        rank[order] = np.arange(k) - np.searchsorted(picture[order], picture[order], side="left")
        ids = self._next_id[picture] + rank
        self._next_id += np.bincount(picture, minlength=self.n_pictures)
        f = np.zeros(k)
        i = np.zeros(k, dtype=np.int64)
        table = TrackTable(
            ids=ids,
            picture=picture,
            state=state,
            covar=covar,
            model_state=np.repeat(state[:, None, :], r, axis=1),
            model_covar=np.repeat(covar[:, None, :, :], r, axis=1),
            model_prob=self._initial_model_prob(height),
            status=np.full(k, TENTATIVE, dtype=np.int8),
            history=np.ones(k, dtype=np.uint64),
            age=i + 1,
            hits=i + 1,
            misses=i,
            born_s=f + t_s,
            updated_s=f + t_s,
            confirmed_s=f + np.nan,
            turn_rate_rad_s=f,
            score=f,
            score_max=f,
        )
        return table, labels

    def _initial_model_prob(self, height_m: FloatArray) -> FloatArray:
        """(k, r) model probabilities of new tracks at ``height_m``: ``initial_quiet_prob``
        on the first model below ``ballistic_height_m``, equal above it."""
        par = self.params
        r = len(par.models)
        prob = np.full((len(height_m), r), 1.0 / r)
        if r > 1:
            low = height_m <= par.ballistic_height_m
            prob[low] = (1.0 - par.initial_quiet_prob) / (r - 1)
            prob[low, 0] = par.initial_quiet_prob
        return prob

    def _turn_rate(self, tab: TrackTable, new_state: FloatArray, hit: BoolArray,
                   dt: float) -> FloatArray:  # fmt: skip
        """Smoothed turn rate: the signed turn of the horizontal velocity between the last
        and the new estimate, about the vertical, divided by the time between them."""
        par = self.params
        if dt <= 0.0 or len(tab) == 0:
            return tab.turn_rate_rad_s
        u = up_axis(new_state[:, :3], par.frame)
        v1, v2 = tab.state[:, 3:], new_state[:, 3:]
        v1h = v1 - np.sum(v1 * u, axis=1, keepdims=True) * u
        v2h = v2 - np.sum(v2 * u, axis=1, keepdims=True) * u
        cross = np.sum(u * cross3(v1h, v2h), axis=1)
        measured = np.arctan2(cross, np.sum(v1h * v2h, axis=1)) / dt
        fast = (np.linalg.norm(v1h, axis=1) > par.min_turn_speed_m_s) & (
            np.linalg.norm(v2h, axis=1) > par.min_turn_speed_m_s
        )
        use = hit & fast & (tab.hits >= 2)
        est = tab.turn_rate_rad_s + par.turn_rate_gain * (measured - tab.turn_rate_rad_s)
        est = np.clip(est, -par.max_turn_rate_rad_s, par.max_turn_rate_rad_s)
        return np.asarray(np.where(use, est, tab.turn_rate_rad_s))


def fuse_plots(dz: FloatArray, rz: FloatArray, group: IntArray,
               k: int) -> tuple[FloatArray, FloatArray]:  # fmt: skip
    """Information-form fusion of plots ``dz (p, 3)`` (offsets from a reference),
    ``rz (p, 3, 3)`` into ``k`` groups: ``R = (Σ R_i⁻¹)⁻¹``, ``z = R Σ R_i⁻¹ z_i`` (a group of
    one plot keeps it as it is). Groups without a plot come back as zeros.

    >>> z, r = fuse_plots(np.array([[0.0, 0, 0], [2.0, 0, 0]]), np.stack([np.eye(3)] * 2),
    ...                   np.array([0, 0]), 1)
    >>> z[0].tolist(), float(r[0, 0, 0])
    ([1.0, 0.0, 0.0], 0.5)
    """
    count = np.bincount(group, minlength=k)
    z = np.zeros((k, 3))
    r = np.zeros((k, 3, 3))
    single = count[group] == 1
    z[group[single]] = dz[single]
    r[group[single]] = rz[single]
    many = np.flatnonzero(~single)
    if len(many):
        g = group[many]
        inv = np.linalg.inv(rz[many])
        info = np.zeros((k, 3, 3))
        np.add.at(info, g, inv)
        vec = np.zeros((k, 3))
        np.add.at(vec, g, np.einsum("pij,pj->pi", inv, dz[many]))
        m = np.flatnonzero(count > 1)
        rm = np.linalg.inv(info[m])
        rm = 0.5 * (rm + np.swapaxes(rm, -1, -2))
        r[m] = rm
        z[m] = np.einsum("kij,kj->ki", rm, vec[m])
    return z, r


def compatible_groups(z: FloatArray, rz: FloatArray, sensor: IntArray, picture: IntArray,
                      threshold: float) -> IntArray:  # fmt: skip
    """Labels ``(p,)``, 0..k-1, grouping plots of one picture and different sensors whose
    positions are compatible (``(z_i - z_j)' (R_i + R_j)⁻¹ (z_i - z_j) ≤ threshold``); a
    sensor never contributes two plots to a group (the later one starts its own)."""
    p = len(z)
    labels = np.arange(p, dtype=np.int64)
    if p > 1 and not np.all(sensor == sensor[0]):
        if p <= 64:  # all pairs at once
            a, b = np.triu_indices(p, 1)
        else:
            shifted = z.copy()
            shifted[:, 0] += picture * _PICTURE_SHIFT_M
            lam = largest_eigenvalue3(rz)
            radius = float(np.sqrt(threshold * 2.0 * np.max(lam))) * (1.0 + 1e-9)
            pairs = cKDTree(shifted).query_pairs(radius, output_type="ndarray")
            a, b = (pairs[:, 0], pairs[:, 1]) if len(pairs) else (labels[:0], labels[:0])
        ok = (sensor[a] != sensor[b]) & (picture[a] == picture[b])
        a, b = a[ok], b[ok]
        if len(a):
            d2, _ = innovation_stats(z[a] - z[b], rz[a] + rz[b])
            ok = d2 <= threshold
            a, b = a[ok], b[ok]
        labels = component_labels(a, b, p)
    order = np.lexsort((np.arange(p), sensor, labels))
    dup = np.zeros(p, dtype=bool)
    dup[order[1:]] = (labels[order[1:]] == labels[order[:-1]]) & (
        sensor[order[1:]] == sensor[order[:-1]]
    )
    labels = labels.copy()
    labels[dup] = labels.max() + 1 + np.arange(int(dup.sum()))
    _, dense = np.unique(labels, return_inverse=True)
    return np.asarray(dense, dtype=np.int64)


def popcount(x: npt.NDArray[np.uint64]) -> IntArray:
    """Number of set bits of each element."""
    if hasattr(np, "bitwise_count"):
        return np.asarray(np.bitwise_count(x), dtype=np.int64)
    bits = np.unpackbits(np.ascontiguousarray(x).view(np.uint8).reshape(-1, 8), axis=1)
    return np.asarray(bits.sum(axis=1), dtype=np.int64)  # pragma: no cover - numpy < 2
