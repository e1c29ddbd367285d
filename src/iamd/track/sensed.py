"""The sensed air picture: multi-sensor tracking of every picture of a sharing policy at once.

Each picture of a policy (`iamd.track.picture.picture_layout`: one per nation under
``national``, one joint picture of the participating nations otherwise) is a multi-target
tracker in ECEF fed by the plots of its own radars. All pictures live in one table of tracks
with a picture column, so a clock step is a handful of array operations whatever the number of
pictures, tracks or plots. The roles are those of `iamd.track.manager.Tracker` (Blackman and
Popoli, *Design and Analysis of Modern Tracking Systems*, 1999; Bar-Shalom, Li and
Kirubarajan, *Estimation with Applications to Tracking and Navigation*, 2001), arranged for
several radars of different coverage and revisit time reporting in the same step:

1. **Predict** every track to the step's time with the IMM (`filters.imm_mix`, then the
   models of :data:`SENSED_MODELS` in ECEF: constant velocity, ballistic with point-mass
   gravity and the rotating-frame terms, and a high-noise manoeuvre model for turns, boost and
   re-entry, stepped together in one block-wise pass).
2. **Associate**: the χ² gate and global nearest neighbour of `iamd.track.associate` (one
   search over all track-plot pairs, then the unambiguous pairs at once and the rest as one
   dense assignment), with at most one plot *per radar* per track: the assignment's rows are
   (track, radar) pairs, so the plots of several radars of one target all go to its track.
   Confirmed tracks choose first, then tentative ones. Pictures never share plots or tracks.
3. **Look**: a track is *looked at* in a step when it is predicted inside the coverage
   (`iamd.sense.radar.visibility`: horizon, sector, elevation, ceiling, range; judged two
   standard deviations below the predicted height, which is what a surveillance radar
   measures worst) of a radar of its picture that scans in the step and would detect a small
   target (:attr:`SensedParams.look_rcs_m2`) there with probability ≥ 0.5. Only looks count
   for M-of-N and for misses, so a track in the coverage of a 10 s surveillance radar alone is
   not penalised in the steps between its scans, nor by radars that cannot see it (the
   limitation of `iamd.track.manager.Tracker`, whose M-of-N counts every scan).
4. **Update** each track once with the fusion of its plots: for position measurements
   (``H = [I 0]``) the sequential updates by plots ``z_i, R_i`` equal one update by
   ``R = (Σ R_i⁻¹)⁻¹``, ``z = R Σ R_i⁻¹ z_i`` (the information form: independent
   measurements of one state add their information), and the IMM's model likelihoods differ
   by a factor common to all models, so the model probabilities are exact too.
5. **Initiate** a tentative track on each group of left-over plots of one picture that are
   statistically compatible (χ² test on ``z_i - z_j`` with ``R_i + R_j``, one plot per
   radar): position from the fused plots, zero velocity with a standard deviation that
   depends on the measured height — :attr:`SensedParams.air_speed_sigma_m_s` below
   :attr:`SensedParams.ballistic_height_m` (nothing air-breathing flies faster), and
   :attr:`SensedParams.ballistic_speed_sigma_m_s` above it (only a missile is up there).
6. **Confirm** with M of the last N looks; **delete** a tentative track after N − M + 1
   missed looks, 2N looks unconfirmed or ``tentative_coast_s`` without a plot, a confirmed
   one after K missed looks or ``max_coast_s`` without a plot, any track whose position
   variance exceeds a limit, and the tracks of an object that has been destroyed or has
   landed (kill assessment).

Scoring, not tracking: each track carries the index of the true object whose plots fit it
best at each of its last three updates (``Plots.entity``, -1 for a false alarm); the majority
of the three is the object it follows (`SensedTracks.entity`), used to score the picture and
to apply an engagement's effect — never by the tracker itself.

Per track the picture also keeps its **custodian**: the nation whose radars update it. When
the custodian's radars no longer contribute and another nation's do, the track is handed over
(it keeps its number). Cooperative replies (transponder, IFF) on a track's plots are counted,
the last reported altitude kept, and the RCS measured on its plots averaged with a fading
memory (`iamd.sense.signature`), for the identification stage.

>>> import numpy as np
>>> from iamd.sense.radar import make_sensor_array, Plots
>>> from iamd.track.picture import picture_layout
>>> radar = make_sensor_array(ids=["r"], nation=["BGR"], type_=["t"], lat_deg=[43.0],
...     lon_deg=[28.0], site_alt_m=[0.0], antenna_height_m=[10.0], detection_range_km=[100.0],
...     rcs_ref_m2=[1.0], pd_ref=[0.9], min_elevation_deg=[0.0], max_elevation_deg=[80.0],
...     max_altitude_km=[30.0], scan_period_s=[1.0], sigma_range_m=[10.0],
...     sigma_azimuth_mrad=[1.0], sigma_elevation_mrad=[1.0], sector_center_deg=[0.0],
...     sector_width_deg=[360.0])
>>> pic = SensedPicture(layout=picture_layout("national", ["BGR"], [True], ["BGR"]),
...                     sensors=radar, nations=["BGR"], n_objects=1)
>>> from iamd.sense.radar import measurement_covariance_ecef
>>> from iamd.geo.wgs84 import aer_to_ecef
>>> for k in range(4):
...     az, el, rng = np.array([1.0]), np.array([0.05]), np.array([50e3 - 200.0 * k])
...     pos = aer_to_ecef(az, el, rng, radar.lat_rad, radar.lon_rad, radar.alt_m)
...     plots = Plots(t_s=np.array([2.0 * k]), sensor=np.array([0]), entity=np.array([0]),
...         range_m=rng, az_rad=az, el_rad=el, pos_ecef_m=pos.reshape(1, 3),
...         cov_ecef_m2=measurement_covariance_ecef(radar, np.array([0]), az, el, rng),
...         squawk=np.array([False]), iff=np.array([False]), rcs_m2=np.array([1.0]),
...         reported_alt_m=np.array([np.nan]))
...     up = pic.update(2.0 * k, plots, np.array([2]), np.array([True]))
>>> up.confirmed.number.tolist(), pic.tracks.entity.tolist()   # confirmed at the 3rd look
([], [0])
>>> int(pic.tracks.table.status[0]), round(float(pic.tracks.speed_m_s[0]), -1)
(1, 100.0)
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass, field, fields, replace

import numpy as np
import numpy.typing as npt
from scipy.optimize import linear_sum_assignment
from scipy.spatial import cKDTree
from scipy.spatial.distance import cdist

from iamd.errors import InputError
from iamd.geo.wgs84 import GM_M3_S2, OMEGA_RAD_S
from iamd.sense.radar import (
    Plots,
    SensorArray,
    approx_height_m,
    detection_probability,
    visibility,
)
from iamd.track.associate import gate_threshold
from iamd.track.filters import (
    MotionModel,
    imm_combine,
    imm_mix,
    imm_update_models,
    innovation_stats,
    largest_eigenvalue3,
    model_predict,
    transition_matrix,
    up_axis,
)
from iamd.track.manager import CONFIRMED, TENTATIVE, TrackTable, popcount
from iamd.track.picture import PictureLayout

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.int64]
BoolArray = npt.NDArray[np.bool_]

SENSED_MODELS = (
    MotionModel(kind="cv", accel_sigma_m_s2=1.0),
    MotionModel(kind="ballistic", accel_sigma_m_s2=1.0),
    MotionModel(kind="cv", accel_sigma_m_s2=60.0),
)
"""The pictures' IMM: quiet straight flight (aircraft, cruise missiles, drones between
waypoints); unpowered ballistic flight under gravity (a missile in mid-course); and a
manoeuvre model of 60 m/s² for everything else — turns, a missile's boost (up to ~7 g in the
catalog's MRBMs) and its re-entry deceleration (up to ~25 g in the last seconds). On the
built-in scenario a coordinated-turn model in place of the manoeuvre model tracks no better
and costs more; without a manoeuvre model ballistic tracks break at burn-out and re-entry."""

_PICTURE_SHIFT_M = 1.0e8
"""Pictures are kept apart in the k-d trees by shifting each one's positions this far."""
_RECENT = 3
_BRUTE_FORCE_PAIRS = 200_000
"""Up to this many track-plot pairs the gate's search tests them all at once (cheaper than
building a k-d tree for a few hundred tracks)."""
"""Updates over which a track's true object is the majority (scoring)."""


@dataclass(frozen=True, slots=True, kw_only=True)
class SensedParams:
    """Parameters of a `SensedPicture`.

    Attributes:
        models, stay_prob: the IMM's motion models and the diagonal of its Markov matrix.
        gate_prob: gate probability P_G of the χ²₃ gates (association and initiation).
        confirm_m, confirm_n: M-of-N confirmation over looks.
        delete_misses: a confirmed track is deleted after this many consecutive missed looks.
        max_coast_s: ... or after this long without a plot (s).
        tentative_coast_s: a tentative track is deleted after this long without a plot (s).
        max_position_var_m2: any track whose largest position variance exceeds this is
            deleted (m²; default a 10 km standard deviation).
        air_speed_sigma_m_s: velocity standard deviation (per axis) of a track initiated
            below ``ballistic_height_m``.
        ballistic_speed_sigma_m_s: ... and above it.
        ballistic_height_m: height above which only a missile can fly (m).
        look_rcs_m2: a radar looks at a track (a miss counts) where it would detect a target
            of this RCS with probability ≥ 0.5 (m²; the catalog's smallest: an RV, a drone).
        handover_after_s: a track is handed over to another nation's radars when its
            custodian's have not updated it for this long (s) and another nation's do.
        pd, clutter_density_m3: detection probability and false-plot density of the
            log-likelihood-ratio track score.
        turn_rate_gain, max_turn_rate_rad_s, min_turn_speed_m_s: the turn-rate estimate of
            the ``ct`` model (as in `iamd.track.manager.TrackerParams`).
        rcs_memory_s: time constant of the fading-memory average of the RCS measured on a
            track's plots (s): long enough to average the Swerling fluctuations of a dozen
            looks, short enough to follow a booster's separation.
    """

    models: tuple[MotionModel, ...] = SENSED_MODELS
    stay_prob: float = 0.95
    gate_prob: float = 0.997
    confirm_m: int = 3
    confirm_n: int = 5
    delete_misses: int = 5
    max_coast_s: float = 60.0
    tentative_coast_s: float = 30.0
    max_position_var_m2: float = 1.0e8
    air_speed_sigma_m_s: float = 450.0
    ballistic_speed_sigma_m_s: float = 4_000.0
    ballistic_height_m: float = 20_000.0
    look_rcs_m2: float = 0.1
    handover_after_s: float = 30.0
    pd: float = 0.9
    clutter_density_m3: float = 1.0e-15
    turn_rate_gain: float = 0.3
    max_turn_rate_rad_s: float = 0.5
    min_turn_speed_m_s: float = 20.0
    rcs_memory_s: float = 60.0

    def __post_init__(self) -> None:
        rules = [
            (len(self.models) >= 1, "models must hold at least one model", len(self.models)),
            (0.0 < self.stay_prob <= 1.0, "stay_prob must be in (0, 1]", self.stay_prob),
            (0.0 < self.gate_prob < 1.0, "gate_prob must be in (0, 1)", self.gate_prob),
            (1 <= self.confirm_n <= 64, "confirm_n must be in 1..64", self.confirm_n),
            (1 <= self.confirm_m <= self.confirm_n, "confirm_m must be in 1..confirm_n",
             self.confirm_m),
            (self.delete_misses >= 1, "delete_misses must be >= 1", self.delete_misses),
            (self.max_coast_s > 0, "max_coast_s must be > 0", self.max_coast_s),
            (self.tentative_coast_s > 0, "tentative_coast_s must be > 0",
             self.tentative_coast_s),
            (self.max_position_var_m2 > 0, "max_position_var_m2 must be > 0",
             self.max_position_var_m2),
            (self.air_speed_sigma_m_s > 0, "air_speed_sigma_m_s must be > 0",
             self.air_speed_sigma_m_s),
            (self.ballistic_speed_sigma_m_s > 0, "ballistic_speed_sigma_m_s must be > 0",
             self.ballistic_speed_sigma_m_s),
            (0.0 < self.pd < 1.0, "pd must be in (0, 1)", self.pd),
            (self.clutter_density_m3 > 0, "clutter_density_m3 must be > 0",
             self.clutter_density_m3),
            (self.rcs_memory_s > 0, "rcs_memory_s must be > 0", self.rcs_memory_s),
        ]  # fmt: skip
        for ok, rule, value in rules:
            if not ok:
                raise InputError(f"SensedParams: {rule} (got {value})")


@dataclass(frozen=True, slots=True, kw_only=True)
class SensedTracks:
    """The tracks of every picture, one row each (n tracks).

    Attributes:
        table: the filter state and the track management counters (`TrackTable`; ``age``
            counts looks, ``hits`` steps with a plot, ``misses`` consecutive missed looks).
        picture: (n,) index of the picture that holds the track.
        number: (n,) track number, unique within its picture for the run.
        recent_entity: (n, 3) true object of the track's last three updates, the latest
            first (-1: a false alarm) — for scoring only.
        custodian: (n,) index (in the scenario's nations) of the nation whose radars hold it.
        custodian_seen_s: (n,) last time a radar of the custodian updated the track (s).
        squawk_updates, iff_updates: (n,) updates with a transponder reply / an IFF answer.
        reported_alt_m: (n,) the altitude of the track's last transponder reply (NaN: none).
        rcs_sum_m2, rcs_looks: (n,) fading-memory sums of the RCS measured on the track's
            plots and of their number (time constant :attr:`SensedParams.rcs_memory_s`);
            their ratio is the track's RCS estimate, ``rcs_looks`` how many looks it rests on.
        announced: (n,) the track has been confirmed and reported.
    """

    table: TrackTable
    picture: IntArray
    number: IntArray
    recent_entity: IntArray
    custodian: IntArray
    custodian_seen_s: FloatArray
    squawk_updates: IntArray
    iff_updates: IntArray
    reported_alt_m: FloatArray
    rcs_sum_m2: FloatArray
    rcs_looks: FloatArray
    announced: BoolArray

    def __len__(self) -> int:
        return len(self.picture)

    @classmethod
    def empty(cls, n_models: int) -> SensedTracks:
        """No tracks."""
        i = np.zeros(0, dtype=np.int64)
        return cls(
            table=TrackTable.empty(n_models),
            picture=i,
            number=i,
            recent_entity=np.zeros((0, _RECENT), dtype=np.int64),
            custodian=i,
            custodian_seen_s=np.zeros(0),
            squawk_updates=i,
            iff_updates=i,
            reported_alt_m=np.zeros(0),
            rcs_sum_m2=np.zeros(0),
            rcs_looks=np.zeros(0),
            announced=np.zeros(0, dtype=bool),
        )

    def take(self, index: IntArray | BoolArray) -> SensedTracks:
        """The rows selected by an index or mask."""
        return SensedTracks(
            table=self.table.take(index),
            **{f.name: getattr(self, f.name)[index] for f in fields(self) if f.name != "table"},
        )

    def concat(self, other: SensedTracks) -> SensedTracks:
        """This table's rows followed by ``other``'s."""
        return SensedTracks(
            table=self.table.concat(other.table),
            **{
                f.name: np.concatenate([getattr(self, f.name), getattr(other, f.name)])
                for f in fields(self)
                if f.name != "table"
            },
        )

    @property
    def entity(self) -> IntArray:
        """(n,) the true object each track follows: the majority of its last three updates
        (the latest when all differ); -1 for a false track. For scoring only."""
        e0, e1, e2 = self.recent_entity[:, 0], self.recent_entity[:, 1], self.recent_entity[:, 2]
        return np.asarray(np.where((e1 == e2) & (e0 != e1), e1, e0), dtype=np.int64)

    @property
    def confirmed(self) -> BoolArray:
        """(n,) confirmed tracks."""
        return self.table.confirmed

    @property
    def speed_m_s(self) -> FloatArray:
        """(n,) estimated speed."""
        return np.asarray(np.linalg.norm(self.table.state[:, 3:], axis=1))

    @property
    def rcs_m2(self) -> FloatArray:
        """(n,) the track's RCS estimate, the mean of its recent looks (NaN: none)."""
        with np.errstate(invalid="ignore", divide="ignore"):
            return np.asarray(
                np.where(self.rcs_looks > 0.0, self.rcs_sum_m2 / self.rcs_looks, np.nan)
            )


@dataclass(frozen=True, slots=True, kw_only=True)
class TrackEvents:
    """Track events of one step, shape (k,) or (k, 3).

    Attributes:
        picture, number: the track.
        entity: the true object it follows (-1: none).
        pos_ecef_m: the track's estimated position.
        value: a number depending on the event (a re-acquisition's gap, s).
        source: a picture (re-acquisition) or nation (hand-over) index it comes from.
        target: the nation index it goes to (hand-over).
    """

    picture: IntArray
    number: IntArray
    entity: IntArray
    pos_ecef_m: FloatArray
    value: FloatArray
    source: IntArray
    target: IntArray

    def __len__(self) -> int:
        return len(self.picture)


@dataclass(frozen=True, slots=True, kw_only=True)
class PictureUpdate:
    """What one step did to the pictures: tracks confirmed (reported), dropped, handed over
    between nations' radars, and confirmed on an object some picture had held before."""

    confirmed: TrackEvents
    dropped: TrackEvents
    handover: TrackEvents
    reacquired: TrackEvents


@dataclass(slots=True)
class SensedPicture:
    """The tracks of every picture of ``layout``, fed by ``sensors`` (see the module's
    docstring).

    Attributes:
        layout: the pictures and which radars feed them.
        sensors: the radars.
        nations: the scenario's nation codes (custodians are indices into it).
        n_objects: number of true objects (for the scoring bookkeeping).
        params: the tracker's parameters.
        tracks: the current tracks; t_s: time of the last update (None before the first).
    """

    layout: PictureLayout
    sensors: SensorArray
    nations: list[str]
    n_objects: int
    params: SensedParams = field(default_factory=SensedParams)
    tracks: SensedTracks = field(init=False)
    t_s: float | None = field(init=False, default=None)
    _next_number: IntArray = field(init=False)
    _sensor_nation: IntArray = field(init=False)
    _transition: FloatArray = field(init=False)
    _gate: float = field(init=False)
    _last_seen_s: FloatArray = field(init=False)
    _last_picture: IntArray = field(init=False)

    def __post_init__(self) -> None:
        if len(self.nations) > 63:
            raise InputError(f"SensedPicture: at most 63 nations (got {len(self.nations)})")
        r = len(self.params.models)
        self.tracks = SensedTracks.empty(r)
        self._next_number = np.ones(len(self.layout.names), dtype=np.int64)
        self._sensor_nation = np.array(
            [self.nations.index(n) for n in self.sensors.nation], dtype=np.int64
        )
        self._transition = transition_matrix(r, self.params.stay_prob)
        self._gate = gate_threshold(self.params.gate_prob, 3)
        self._last_seen_s = np.full(self.n_objects, np.nan)
        self._last_picture = np.full(self.n_objects, -1, dtype=np.int64)

    # ------------------------------------------------------------------ public

    def update(self, t_s: float, plots: Plots, looks: IntArray, alive: BoolArray) -> PictureUpdate:
        """Fold one step's plots in.

        Args:
            t_s: time of the plots (s), not earlier than the previous update's.
            plots: the step's plots of every radar (detections and false alarms).
            looks: (S,) scans each radar completed in the step (0: it did not look).
            alive: (N,) objects still flying; tracks following the others are dropped.
        """
        par = self.params
        if self.t_s is not None and t_s < self.t_s:
            raise ValueError(f"update at t_s={t_s} is earlier than the previous ({self.t_s})")
        dt = 0.0 if self.t_s is None else float(t_s - self.t_s)
        trk = self.tracks
        tab = trk.table
        n = len(trk)
        feeds = self.layout.sensor_feeds

        # 1. Predict.
        if n and dt > 0.0:
            ms, mc, mp = imm_predict_ecef(
                tab.model_state,
                tab.model_covar,
                tab.model_prob,
                self._transition,
                dt,
                par.models,
                tab.turn_rate_rad_s,
            )
        else:
            ms, mc, mp = tab.model_state.copy(), tab.model_covar.copy(), tab.model_prob.copy()
        best = ms[np.arange(n), np.argmax(mp, axis=1)] if n else np.zeros((0, 6))
        pred_pos = best[:, :3]

        # 2. Associate: confirmed tracks first, then tentative; one plot per radar per track.
        p_n = len(plots)
        z, rz, ps = plots.pos_ecef_m, plots.cov_ecef_m2, plots.sensor
        pp = feeds[ps] if p_n else np.zeros(0, dtype=np.int64)
        shift_p = np.zeros((p_n, 3))
        shift_p[:, 0] = pp * _PICTURE_SHIFT_M
        owner = np.full(p_n, -1, dtype=np.int64)
        d2_of = np.full(p_n, np.inf)
        s_n = len(self.sensors)
        if n and p_n:
            shift_t = np.zeros((n, 1, 3))
            shift_t[:, 0, 0] = trk.picture * _PICTURE_SHIFT_M
            g_t, g_p, g_d2, g_cost = _gate(
                ms[:, :, :3] + shift_t, mc[:, :, :3, :3], mp, z + shift_p, rz, self._gate
            )
            same = trk.picture[g_t] == pp[g_p]
            g_t, g_p, g_d2, g_cost = g_t[same], g_p[same], g_d2[same], g_cost[same]
            conf_pair = tab.confirmed[g_t]
            for first_pass in (True, False):
                sel = np.flatnonzero((conf_pair == first_pass) & (owner[g_p] < 0))
                if len(sel) == 0:
                    continue
                e = sel[_assign(g_t[sel] * s_n + ps[g_p[sel]], g_p[sel], g_cost[sel], n * s_n, p_n)]
                owner[g_p[e]] = g_t[e]
                d2_of[g_p[e]] = g_d2[e]

        # 3. Looks (for the tracks without a plot): radars of the track's picture that scan
        #    in the step and would see a small target there.
        looked = np.zeros(n, dtype=bool)
        s_scan = np.flatnonzero(looks > 0)
        quiet = np.ones(n, dtype=bool)
        quiet[owner[owner >= 0]] = False
        q = np.flatnonzero(quiet)
        if len(q) and len(s_scan):
            # judged 2 σ lower than predicted: a low flyer's height is the least known
            up = pred_pos[q] / np.linalg.norm(pred_pos[q], axis=1, keepdims=True)
            cov_best = mc[q, np.argmax(mp[q], axis=1), :3, :3]
            sigma_up = np.sqrt(np.maximum(np.einsum("ni,nij,nj->n", up, cov_best, up), 0.0))
            low = pred_pos[q] - 2.0 * sigma_up[:, None] * up
            vis, _, _, rng = visibility(self.sensors, low, s_scan)
            vis &= feeds[s_scan][:, None] == trk.picture[q][None, :]
            pd = detection_probability(self.sensors, rng, np.full(len(q), par.look_rcs_m2), s_scan)
            looked[q] = np.any(vis & (pd >= 0.5), axis=0)

        # 4. Fuse each track's plots and update it once.
        used = np.flatnonzero(owner >= 0)
        tr = owner[used]
        hit = np.zeros(n, dtype=bool)
        hit[tr] = True
        h = np.flatnonzero(hit)
        log_lik = np.zeros(n)
        if len(h):
            ref = pred_pos[tr]
            z_f, r_f = _fuse(z[used] - ref, rz[used], tr, n)
            z_f = z_f[h] + pred_pos[h]
            ms[h], mc[h], mp[h], log_lik[h] = imm_update_models(ms[h], mc[h], mp[h], z_f, r_f[h])
        if n:
            state, covar = imm_combine(ms, mc, mp)
        else:
            state, covar = np.zeros((0, 6)), np.zeros((0, 6, 6))
        turn = self._turn_rate(tab, state, hit, dt)

        # Scoring bookkeeping: the true object of the best-fitting plot, cooperative replies.
        recent = trk.recent_entity
        squawk_up, iff_up = trk.squawk_updates, trk.iff_updates
        fade = np.exp(-dt / par.rcs_memory_s)
        rcs_sum, rcs_looks = trk.rcs_sum_m2 * fade, trk.rcs_looks * fade
        reported_alt = trk.reported_alt_m
        custodian = trk.custodian
        custodian_seen = trk.custodian_seen_s
        handover_rows = np.zeros(0, dtype=np.int64)
        handover_from = np.zeros(0, dtype=np.int64)
        if len(h):
            order = np.lexsort((d2_of[used], tr))
            first = np.ones(len(order), dtype=bool)
            first[1:] = tr[order[1:]] != tr[order[:-1]]
            best_plot = used[order[first]]  # one per hit track, in track order
            recent = recent.copy()
            recent[h, 1:] = trk.recent_entity[h, :-1]
            recent[h, 0] = plots.entity[best_plot]
            sq = np.zeros(n, dtype=bool)
            sq[tr[plots.squawk[used]]] = True
            ff = np.zeros(n, dtype=bool)
            ff[tr[plots.iff[used]]] = True
            squawk_up = squawk_up + sq
            iff_up = iff_up + ff
            rcs_ok = np.isfinite(plots.rcs_m2[used])
            np.add.at(rcs_sum, tr[rcs_ok], plots.rcs_m2[used][rcs_ok])
            np.add.at(rcs_looks, tr[rcs_ok], 1.0)
            rep = plots.reported_alt_m[used]
            rep_ok = np.isfinite(rep)
            reported_alt = reported_alt.copy()
            reported_alt[tr[rep_ok]] = rep[rep_ok]
            mask = np.zeros(n, dtype=np.uint64)
            bits = np.left_shift(np.uint64(1), self._sensor_nation[ps[used]].astype(np.uint64))
            np.bitwise_or.at(mask, tr, bits)
            cur = np.where(custodian >= 0, custodian, 0).astype(np.uint64)
            holds = ((mask >> cur) & np.uint64(1)).astype(bool)
            lowest = _lowest_bit(mask)
            silent = t_s - trk.custodian_seen_s > par.handover_after_s
            change = hit & (custodian >= 0) & ~holds & silent
            handover_rows = np.flatnonzero(change & tab.confirmed)
            handover_from = custodian[handover_rows]
            custodian = np.where(hit & ((custodian < 0) | change), lowest, custodian)
            custodian_seen = np.where(hit & (holds | change), t_s, trk.custodian_seen_s)

        looked_or_hit = looked | hit
        hit_bit = hit.astype(np.uint64)
        tab = replace(
            tab,
            state=state,
            covar=covar,
            model_state=ms,
            model_covar=mc,
            model_prob=mp,
            history=np.where(looked_or_hit, (tab.history << np.uint64(1)) | hit_bit, tab.history),
            age=tab.age + looked_or_hit,
            hits=tab.hits + hit,
            misses=np.where(hit, 0, np.where(looked, tab.misses + 1, tab.misses)),
            updated_s=np.where(hit, t_s, tab.updated_s),
            turn_rate_rad_s=turn,
            score=tab.score
            + np.where(
                hit,
                np.log(par.pd / par.clutter_density_m3) + log_lik,
                np.where(looked, np.log1p(-par.pd), 0.0),
            ),
        )
        trk = replace(
            trk,
            table=tab,
            recent_entity=recent,
            custodian=custodian,
            custodian_seen_s=custodian_seen,
            squawk_updates=squawk_up,
            iff_updates=iff_up,
            reported_alt_m=reported_alt,
            rcs_sum_m2=rcs_sum,
            rcs_looks=rcs_looks,
        )
        handover = self._events(trk, handover_rows, source=handover_from,
                                target=custodian[handover_rows])  # fmt: skip

        # 5. Initiate on the plots left over.
        free = np.flatnonzero(owner < 0)
        if len(free):
            trk = trk.concat(self._initiate(t_s, plots, free, pp))

        # 6. Confirm and delete.
        par_n, par_m = par.confirm_n, par.confirm_m
        tab = trk.table
        window = np.uint64((1 << par_n) - 1) if par_n < 64 else ~np.uint64(0)
        recent_looks = popcount(tab.history & window)
        tentative = tab.status == TENTATIVE
        confirm = tentative & (recent_looks >= par_m)
        status = np.where(confirm, np.int8(CONFIRMED), tab.status).astype(np.int8)
        confirmed_s = np.where(confirm, t_s, tab.confirmed_s)
        pos_var = np.max(np.diagonal(tab.covar[:, :3, :3], axis1=1, axis2=2), axis=1)
        since = t_s - tab.updated_s
        hopeless = (status == TENTATIVE) & (
            (tab.misses > par_n - par_m) | (tab.age > 2 * par_n) | (since > par.tentative_coast_s)
        )
        lost = (status == CONFIRMED) & (
            (tab.misses >= par.delete_misses) | (since > par.max_coast_s)
        )
        vague = ~(pos_var <= par.max_position_var_m2)
        ent = trk.entity
        gone = (ent >= 0) & ~alive[np.maximum(ent, 0)]
        drop = hopeless | lost | vague | gone
        trk = replace(trk, table=replace(tab, status=status, confirmed_s=confirmed_s))
        new_rows = np.flatnonzero(confirm & ~drop)
        dropped = self._events(trk, np.flatnonzero(drop & trk.announced))
        confirmed = self._events(trk, new_rows)
        reacquired = self._reacquired(trk, new_rows, drop, t_s)
        announced = trk.announced.copy()
        announced[new_rows] = True
        trk = replace(trk, announced=announced)

        # Bookkeeping of when each object was last held by a confirmed track.
        held = trk.confirmed & ~drop & (trk.table.updated_s == t_s) & (ent >= 0)
        self._last_seen_s[ent[held]] = t_s
        self._last_picture[ent[held]] = trk.picture[held]

        self.tracks = trk.take(~drop) if drop.any() else trk
        self.t_s = float(t_s)
        return PictureUpdate(
            confirmed=confirmed, dropped=dropped, handover=handover, reacquired=reacquired
        )

    def confirmed_rows(self) -> IntArray:
        """Rows of the confirmed tracks, in table order."""
        return np.flatnonzero(self.tracks.confirmed)

    def positions(self, picture: int) -> FloatArray:
        """(k, 3) estimated positions of the confirmed tracks of one picture."""
        trk = self.tracks
        return trk.table.state[trk.confirmed & (trk.picture == picture), :3]

    # ------------------------------------------------------------------ helpers

    def _initiate(self, t_s: float, plots: Plots, free: IntArray, pp: IntArray) -> SensedTracks:
        """Tentative tracks on the groups of compatible left-over plots (one per radar)."""
        par = self.params
        r = len(par.models)
        if len(free) == 0:
            return SensedTracks.empty(r)
        z, rz, ps = plots.pos_ecef_m[free], plots.cov_ecef_m2[free], plots.sensor[free]
        pic = pp[free]
        labels = _compatible_groups(z, rz, ps, pic, self._gate)
        k = int(labels.max()) + 1
        first = np.full(k, len(free), dtype=np.int64)
        np.minimum.at(first, labels, np.arange(len(free)))
        ref = z[first][labels]
        zf, rf = _fuse(z - ref, rz, labels, k)
        zf = zf + z[first]
        alt = approx_height_m(zf)
        speed_sigma = np.where(
            alt > par.ballistic_height_m, par.ballistic_speed_sigma_m_s, par.air_speed_sigma_m_s
        )
        state = np.zeros((k, 6))
        state[:, :3] = zf
        covar = np.zeros((k, 6, 6))
        covar[:, :3, :3] = rf
        v = np.arange(3, 6)
        covar[:, v, v] = (speed_sigma**2)[:, None]
        picture = pic[first]
        order = np.argsort(picture, kind="stable")
        rank = np.empty(k, dtype=np.int64)
        starts = np.searchsorted(picture[order], picture[order], side="left")
        rank[order] = np.arange(k) - starts
        number = self._next_number[picture] + rank
        self._next_number += np.bincount(picture, minlength=len(self._next_number))
        nat = self._sensor_nation[ps]
        custodian = np.full(k, np.iinfo(np.int64).max, dtype=np.int64)
        np.minimum.at(custodian, labels, nat)
        sq = np.zeros(k, dtype=np.int64)
        np.maximum.at(sq, labels, plots.squawk[free].astype(np.int64))
        ff = np.zeros(k, dtype=np.int64)
        np.maximum.at(ff, labels, plots.iff[free].astype(np.int64))
        rcs = plots.rcs_m2[free]
        rcs_ok = np.isfinite(rcs)
        rcs_sum = np.asarray(
            np.bincount(labels[rcs_ok], weights=rcs[rcs_ok], minlength=k), dtype=np.float64
        )
        rcs_looks = np.bincount(labels[rcs_ok], minlength=k).astype(np.float64)
        rep = plots.reported_alt_m[free]
        reported = np.full(k, np.nan)
        reported[labels[np.isfinite(rep)]] = rep[np.isfinite(rep)]
        f = np.zeros(k)
        i = np.zeros(k, dtype=np.int64)
        table = TrackTable(
            ids=number,
            state=state,
            covar=covar,
            model_state=np.repeat(state[:, None, :], r, axis=1),
            model_covar=np.repeat(covar[:, None, :, :], r, axis=1),
            model_prob=np.full((k, r), 1.0 / r),
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
        )
        return SensedTracks(
            table=table,
            picture=picture,
            number=number,
            recent_entity=np.repeat(plots.entity[free][first][:, None], _RECENT, axis=1),
            custodian=custodian,
            custodian_seen_s=f + t_s,
            squawk_updates=sq,
            iff_updates=ff,
            reported_alt_m=reported,
            rcs_sum_m2=rcs_sum,
            rcs_looks=rcs_looks,
            announced=np.zeros(k, dtype=bool),
        )

    def _events(
        self,
        trk: SensedTracks,
        rows: IntArray,
        *,
        value: FloatArray | None = None,
        source: IntArray | None = None,
        target: IntArray | None = None,
    ) -> TrackEvents:
        k = len(rows)
        minus = np.full(k, -1, dtype=np.int64)
        if k == 0:
            return TrackEvents(
                picture=minus, number=minus, entity=minus, pos_ecef_m=np.zeros((0, 3)),
                value=np.zeros(0), source=minus, target=minus,
            )  # fmt: skip
        return TrackEvents(
            picture=trk.picture[rows],
            number=trk.number[rows],
            entity=trk.entity[rows],
            pos_ecef_m=trk.table.state[rows, :3],
            value=np.full(k, np.nan) if value is None else value,
            source=minus if source is None else source,
            target=minus if target is None else target,
        )

    def _reacquired(
        self, trk: SensedTracks, new_rows: IntArray, drop: BoolArray, t_s: float
    ) -> TrackEvents:
        """New confirmed tracks on objects that a picture held before, when no other track
        of their own picture holds the object now. The delay is 0 when another picture still
        holds it (picked up within its coverage), else the time since any picture's track
        last had a plot of it (the gap in coverage)."""
        ent = trk.entity
        cand = new_rows[ent[new_rows] >= 0]
        cand = cand[np.isfinite(self._last_seen_s[ent[cand]])]
        if len(cand) == 0:
            return self._events(trk, cand)
        size = self.n_objects + 1
        old = trk.confirmed & trk.announced & ~drop & (ent >= 0)
        held_keys = trk.picture[old] * size + ent[old]
        cand = cand[~np.isin(trk.picture[cand] * size + ent[cand], held_keys)]
        j = ent[cand]
        elsewhere = np.isin(j, ent[old])  # held now by another picture
        return self._events(
            trk,
            cand,
            value=np.where(elsewhere, 0.0, t_s - self._last_seen_s[j]),
            source=self._last_picture[j],
        )

    def _turn_rate(
        self, tab: TrackTable, new_state: FloatArray, hit: BoolArray, dt: float
    ) -> FloatArray:
        """Smoothed turn rate about the local vertical (as `iamd.track.manager.Tracker`)."""
        par = self.params
        estimated = any(m.kind == "ct" and m.turn_rate_rad_s is None for m in par.models)
        if dt <= 0.0 or len(tab) == 0 or not estimated:
            return tab.turn_rate_rad_s
        u = up_axis(new_state[:, :3], "ecef")
        v1, v2 = tab.state[:, 3:], new_state[:, 3:]
        v1h = v1 - np.sum(v1 * u, axis=1, keepdims=True) * u
        v2h = v2 - np.sum(v2 * u, axis=1, keepdims=True) * u
        cross = np.sum(u * np.cross(v1h, v2h), axis=1)
        measured = np.arctan2(cross, np.sum(v1h * v2h, axis=1)) / dt
        fast = (np.linalg.norm(v1h, axis=1) > par.min_turn_speed_m_s) & (
            np.linalg.norm(v2h, axis=1) > par.min_turn_speed_m_s
        )
        use = hit & fast & (tab.hits >= 2)
        est = tab.turn_rate_rad_s + par.turn_rate_gain * (measured - tab.turn_rate_rad_s)
        est = np.clip(est, -par.max_turn_rate_rad_s, par.max_turn_rate_rad_s)
        return np.asarray(np.where(use, est, tab.turn_rate_rad_s))


def imm_predict_ecef(
    model_state: FloatArray,
    model_covar: FloatArray,
    model_prob: FloatArray,
    transition: FloatArray,
    dt_s: float,
    models: tuple[MotionModel, ...],
    turn_rate_rad_s: FloatArray,
) -> tuple[FloatArray, FloatArray, FloatArray]:
    """`iamd.track.filters.imm_predict_models` in ECEF, with the constant-velocity and
    ballistic models stepped together: the ballistic model is constant velocity plus the
    acceleration (point-mass gravity, Coriolis, centrifugal) evaluated at the start of the
    step as a known input, with the constant-velocity covariance — over a clock step the
    gravity-gradient and Coriolis terms of the EKF's transition (``μT²/r³ ≈ 10⁻⁵``,
    ``2ΩT ≈ 3·10⁻⁴`` at 2 s) are negligible. Coordinated-turn models, if any, use
    `iamd.track.filters.model_predict`."""
    mixed_x, mixed_p, c = imm_mix(model_state, model_covar, model_prob, transition)
    linear = np.array([m.kind in ("cv", "ballistic") for m in models])
    sigma = np.array([m.accel_sigma_m_s2 for m in models], dtype=np.float64)
    px, pp = _cv_step(mixed_x, mixed_p, dt_s, sigma)
    for j, model in enumerate(models):  # a loop over models, each over all tracks at once
        if model.kind == "ballistic":
            a = _ballistic_acceleration(mixed_x[:, j, :3], mixed_x[:, j, 3:])
            px[:, j, :3] += 0.5 * dt_s * dt_s * a
            px[:, j, 3:] += dt_s * a
        elif not linear[j]:
            px[:, j], pp[:, j] = model_predict(
                mixed_x[:, j],
                mixed_p[:, j],
                dt_s,
                model,
                frame="ecef",
                turn_rate_rad_s=turn_rate_rad_s,
            )
    return px, pp, c


def _cv_step(
    state: FloatArray, covar: FloatArray, dt_s: float, accel_sigma_m_s2: FloatArray
) -> tuple[FloatArray, FloatArray]:
    """Constant-velocity prediction of ``state (n, r, 6)``, ``covar (n, r, 6, 6)`` with one
    DWNA acceleration sigma per model ``(r,)`` (`iamd.track.filters.cv_predict`, all models
    in one pass): ``F = [[I, T I], [0, I]]`` block-wise, ``Q = σ_a² [[T⁴/4, T³/2], [T³/2, T²]]``
    per axis (Bar-Shalom et al. §6.3.2)."""
    t = dt_s
    x = state.copy()
    x[..., :3] += t * state[..., 3:]
    p = covar.copy()
    b = covar[..., :3, 3:]
    tc = t * covar[..., 3:, 3:]
    p[..., :3, :3] += t * (b + np.swapaxes(b, -1, -2)) + t * tc
    p[..., :3, 3:] += tc
    p[..., 3:, :3] += tc
    s2 = (accel_sigma_m_s2 * accel_sigma_m_s2)[:, None]  # (r, 1)
    i = np.arange(3)
    p[..., i, i] += s2 * (t**4 / 4.0)
    p[..., i, i + 3] += s2 * (t**3 / 2.0)
    p[..., i + 3, i] += s2 * (t**3 / 2.0)
    p[..., i + 3, i + 3] += s2 * (t**2)
    return x, p


def _ballistic_acceleration(pos_m: FloatArray, vel_m_s: FloatArray) -> FloatArray:
    """ECEF acceleration ``(n, 3)`` of an unpowered body: ``-μ r/|r|³ - 2Ω × v - Ω × (Ω × r)``."""
    r3 = np.linalg.norm(pos_m, axis=1, keepdims=True) ** 3
    w = OMEGA_RAD_S
    a = -GM_M3_S2 * pos_m / r3
    a[:, 0] += 2.0 * w * vel_m_s[:, 1] + w * w * pos_m[:, 0]
    a[:, 1] += -2.0 * w * vel_m_s[:, 0] + w * w * pos_m[:, 1]
    return a


def _gate(
    track_pos: FloatArray,
    track_cov: FloatArray,
    weight: FloatArray,
    plot_pos: FloatArray,
    plot_cov: FloatArray,
    threshold: float,
) -> tuple[IntArray, IntArray, FloatArray, FloatArray]:
    """The χ² gate of `iamd.track.associate.gate` for an IMM (a plot is in a track's gate
    when it is in a model's gate; cost ``-2 ln`` of the mixture likelihood), with one search
    radius per track, ``√(γ (tr P + max tr R))`` beyond its models' spread (a trace bounds the
    largest eigenvalue), over all pairs at once or a k-d tree for large problems. Returns
    ``(track, plot, d2, cost)`` pairs sorted by track, then plot."""
    center = track_pos[:, 0, :]
    spread = np.linalg.norm(track_pos - center[:, None, :], axis=-1)
    tr_t = np.trace(track_cov, axis1=-2, axis2=-1)
    tr_p = float(np.max(np.trace(plot_cov, axis1=-2, axis2=-1)))
    radius = np.max(spread + np.sqrt(threshold * (tr_t + tr_p)), axis=1)
    ok = np.isfinite(radius)
    rows = np.flatnonzero(ok)
    reach = radius[rows] * (1.0 + 1e-9)
    if len(rows) * len(plot_pos) <= _BRUTE_FORCE_PAIRS:  # all pairs in one operation
        near = cdist(center[rows], plot_pos, "sqeuclidean") <= (reach * reach)[:, None]
        ri, pi = np.nonzero(near)
        ti = rows[ri]
    else:  # a k-d tree on the plots, one query per track
        hits = cKDTree(plot_pos).query_ball_point(center[rows], reach, return_sorted=False)
        lens = np.fromiter(map(len, hits), dtype=np.int64, count=len(hits))
        ti = np.repeat(rows, lens)
        pi = np.fromiter(itertools.chain.from_iterable(hits), dtype=np.int64, count=int(lens.sum()))
    if len(ti) == 0:
        z = np.zeros(0, dtype=np.int64)
        return z, z, np.zeros(0), np.zeros(0)
    nu = plot_pos[pi][:, None, :] - track_pos[ti]
    d2_all, log_det = innovation_stats(nu, track_cov[ti] + plot_cov[pi][:, None, :, :])
    d2_all = np.where(np.isnan(d2_all), np.inf, d2_all)
    d2 = d2_all.min(axis=1)
    keep = d2 <= threshold
    ti, pi, d2 = ti[keep], pi[keep], d2[keep]
    log_w = np.log(np.maximum(weight[ti], np.finfo(np.float64).tiny)) - 0.5 * (
        d2_all[keep] + log_det[keep]
    )
    top = np.max(log_w, axis=1, keepdims=True)
    cost = -2.0 * (top[:, 0] + np.log(np.sum(np.exp(log_w - top), axis=1)))
    order = np.lexsort((pi, ti))
    return ti[order], pi[order], d2[order], cost[order]


def _assign(rows: IntArray, cols: IntArray, cost: FloatArray, n_rows: int, n_cols: int) -> IntArray:
    """Global nearest neighbour (as `iamd.track.associate.gnn_assign`: the most pairs, then
    the least total cost) over sparse edges: the edges alone in their row and column are
    taken at once, and the others are solved together as one dense assignment (the
    objective is a sum over components, so solving them together is exact)."""
    deg_r = np.bincount(rows, minlength=n_rows)
    deg_c = np.bincount(cols, minlength=n_cols)
    alone = (deg_r[rows] == 1) & (deg_c[cols] == 1)
    rest = np.flatnonzero(~alone)
    chosen = [np.flatnonzero(alone)]
    if len(rest):
        ur, ri = np.unique(rows[rest], return_inverse=True)
        uc, ci = np.unique(cols[rest], return_inverse=True)
        c = cost[rest] - cost[rest].min()
        big = (c.max() + 1.0) * (min(len(ur), len(uc)) + 1)
        mat = np.full((len(ur), len(uc)), big)
        idx = np.full((len(ur), len(uc)), -1, dtype=np.int64)
        by_cost = np.argsort(-c, kind="stable")  # duplicate pairs: the cheapest wins
        mat[ri[by_cost], ci[by_cost]] = c[by_cost]
        idx[ri[by_cost], ci[by_cost]] = rest[by_cost]
        a, b = linear_sum_assignment(mat)
        e = idx[a, b]
        chosen.append(e[(e >= 0) & (mat[a, b] < big)])
    return np.sort(np.concatenate(chosen))


def _fuse(dz: FloatArray, rz: FloatArray, group: IntArray, k: int) -> tuple[FloatArray, FloatArray]:
    """Information-form fusion of plots ``dz (p, 3)`` (offsets from a reference),
    ``rz (p, 3, 3)`` into ``k`` groups: ``R = (Σ R_i⁻¹)⁻¹``, ``z = R Σ R_i⁻¹ z_i`` (a group of
    one plot keeps it as it is). Groups without a plot come back as zeros."""
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


def _compatible_groups(
    z: FloatArray, rz: FloatArray, sensor: IntArray, picture: IntArray, threshold: float
) -> IntArray:
    """Labels ``(p,)`` grouping plots of one picture and different radars whose positions
    are compatible (``(z_i - z_j)' (R_i + R_j)⁻¹ (z_i - z_j) ≤ threshold``); a radar never
    contributes two plots to a group (the later one starts its own)."""
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
        while len(a):  # connected components by propagating the smallest label
            m = np.minimum(labels[a], labels[b])
            before = labels.copy()
            np.minimum.at(labels, a, m)
            np.minimum.at(labels, b, m)
            labels = labels[labels]  # jump to the root's label
            if np.array_equal(labels, before):
                break
    # One plot per radar and group: the first keeps the group, the others start their own.
    order = np.lexsort((np.arange(p), sensor, labels))
    dup = np.zeros(p, dtype=bool)
    dup[order[1:]] = (labels[order[1:]] == labels[order[:-1]]) & (
        sensor[order[1:]] == sensor[order[:-1]]
    )
    labels = labels.copy()
    labels[dup] = labels.max() + 1 + np.arange(int(dup.sum()))
    _, dense = np.unique(labels, return_inverse=True)  # 0..k-1
    return np.asarray(dense, dtype=np.int64)


def _lowest_bit(mask: npt.NDArray[np.uint64]) -> IntArray:
    """Index of the lowest set bit of each mask (-1 for 0)."""
    low = mask & (~mask + np.uint64(1))
    out = np.full(len(mask), -1, dtype=np.int64)
    nz = low != 0
    out[nz] = np.round(np.log2(low[nz].astype(np.float64))).astype(np.int64)
    return out
