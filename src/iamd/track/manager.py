"""Multi-target track management: one `Tracker` turns scans of plots into tracks.

Every scan runs the textbook roles on the whole population at once (Blackman and Popoli,
*Design and Analysis of Modern Tracking Systems*, 1999; Bar-Shalom, Li and Kirubarajan,
*Estimation with Applications to Tracking and Navigation*, 2001):

1. **Predict** every track to the scan time with the IMM (`iamd.track.filters.imm_predict`).
2. **Gate and associate** (`iamd.track.associate`): a plot is in a track's gate when it is
   in the gate of any of its models; confirmed tracks first take their global nearest
   neighbours among the plots (cost: -2 ln of the IMM mixture likelihood), then tentative
   tracks among the plots left.
3. **Update** the tracks that got a plot (`imm_update`); the others coast on their prediction.
4. **Score**: a bit history of hits per track (the last 64 scans), the count of consecutive
   misses, and the log-likelihood-ratio track score of Blackman and Popoli
   (``ln(P_D/λ) + ln N(ν; 0, S)`` for a hit, ``ln(1 - P_D)`` for a miss, λ the clutter
   density).
5. **Confirm** a tentative track with M hits in its last N scans (sliding M-of-N).
6. **Delete** a tentative track after N - M + 1 consecutive misses (no window that holds its
   hits can then hold M) or when it is still tentative 2N scans after initiation, a
   confirmed track after K consecutive misses, and any track whose position variance
   exceeds a limit.
7. **Initiate** a tentative track on every plot left over (single-point initiation: position
   from the plot, zero velocity with a large variance).

A CT model without a fixed rate uses each track's estimated turn rate: the turn of its
horizontal velocity between updates, smoothed (`TrackerParams.turn_rate_gain`).
Track ids count up from 1 and are never reused. Scans must come in time order; scans at the
same time (several sensors) are processed one after the other without prediction.

>>> import numpy as np
>>> trk = Tracker(TrackerParams(confirm_m=2, confirm_n=3))
>>> cov = np.broadcast_to(100.0 * np.eye(3), (1, 3, 3))
>>> for k in range(3):
...     ev = trk.step(float(k), np.array([[200.0 * k, 0.0, 1000.0]]), cov)
>>> trk.table.ids.tolist(), trk.table.status.tolist(), ev.confirmed.tolist()
([1], [1], [])
>>> round(float(trk.table.state[0, 3]), -1)
200.0
"""

from __future__ import annotations

from dataclasses import dataclass, fields, replace

import numpy as np
import numpy.typing as npt

from iamd.errors import InputError
from iamd.track.associate import gate, gate_threshold, gnn_assign
from iamd.track.filters import (
    Frame,
    MotionModel,
    imm_combine,
    imm_predict_models,
    imm_update_models,
    transition_matrix,
    up_axis,
)

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.int64]

TENTATIVE = 0
"""Status of a track that has not met the M-of-N rule yet."""
CONFIRMED = 1
"""Status of a confirmed track."""

DEFAULT_MODELS = (
    MotionModel(kind="cv", accel_sigma_m_s2=2.0),
    MotionModel(kind="ct", accel_sigma_m_s2=20.0),
    MotionModel(kind="ballistic", accel_sigma_m_s2=2.0),
)
"""The default IMM: quiet constant velocity, a coordinated turn at the estimated rate with a
large acceleration noise (it doubles as the manoeuvre model), and ballistic."""

CV_ONLY = (MotionModel(kind="cv", accel_sigma_m_s2=2.0),)
"""A single constant-velocity Kalman filter (an IMM of one model)."""


@dataclass(frozen=True, slots=True, kw_only=True)
class TrackerParams:
    """Parameters of a `Tracker`.

    Attributes:
        models: the IMM's motion models (one model: a plain Kalman filter).
        stay_prob: diagonal of the Markov model-transition matrix.
        initial_model_prob: model probabilities of a new track (None: uniform).
        frame: ``local`` (z up) or ``ecef``: the turn axis and gravity of the models.
        gate_prob: gate probability P_G of the χ²₃ gate.
        confirm_m, confirm_n: M-of-N confirmation (M hits in the last N scans).
        delete_misses: a confirmed track is deleted after this many consecutive misses.
        max_position_var_m2: any track whose largest position variance exceeds this is
            deleted.
        init_speed_sigma_m_s: velocity standard deviation of a new track (per axis).
        pd: detection probability used in the track score.
        clutter_density_m3: false plots per m³ per scan, used in the track score.
        turn_rate_gain: smoothing gain of the turn-rate estimate (0–1).
        max_turn_rate_rad_s: bound on the turn-rate estimate.
        min_turn_speed_m_s: no turn rate is estimated below this horizontal speed.
    """

    models: tuple[MotionModel, ...] = DEFAULT_MODELS
    stay_prob: float = 0.95
    initial_model_prob: tuple[float, ...] | None = None
    frame: Frame = "local"
    gate_prob: float = 0.997
    confirm_m: int = 3
    confirm_n: int = 5
    delete_misses: int = 5
    max_position_var_m2: float = 1e8
    init_speed_sigma_m_s: float = 300.0
    pd: float = 0.9
    clutter_density_m3: float = 1e-15
    turn_rate_gain: float = 0.3
    max_turn_rate_rad_s: float = 0.5
    min_turn_speed_m_s: float = 20.0

    def __post_init__(self) -> None:
        rules = [
            (len(self.models) >= 1, "models must hold at least one model", len(self.models)),
            (0.0 < self.stay_prob <= 1.0, "stay_prob must be in (0, 1]", self.stay_prob),
            (0.0 < self.gate_prob < 1.0, "gate_prob must be in (0, 1)", self.gate_prob),
            (1 <= self.confirm_n <= 64, "confirm_n must be in 1..64", self.confirm_n),
            (
                1 <= self.confirm_m <= self.confirm_n,
                f"confirm_m must be in 1..confirm_n={self.confirm_n}",
                self.confirm_m,
            ),
            (self.delete_misses >= 1, "delete_misses must be >= 1", self.delete_misses),
            (
                self.max_position_var_m2 > 0,
                "max_position_var_m2 must be > 0",
                self.max_position_var_m2,
            ),
            (
                self.init_speed_sigma_m_s > 0,
                "init_speed_sigma_m_s must be > 0",
                self.init_speed_sigma_m_s,
            ),
            (0.0 < self.pd < 1.0, "pd must be in (0, 1)", self.pd),
            (
                self.clutter_density_m3 > 0,
                "clutter_density_m3 must be > 0",
                self.clutter_density_m3,
            ),
            (
                0.0 <= self.turn_rate_gain <= 1.0,
                "turn_rate_gain must be in [0, 1]",
                self.turn_rate_gain,
            ),
        ]
        for ok, rule, value in rules:
            if not ok:
                raise InputError(f"TrackerParams: {rule} (got {value})")
        if self.initial_model_prob is not None and (
            len(self.initial_model_prob) != len(self.models)
            or abs(sum(self.initial_model_prob) - 1.0) > 1e-9
        ):
            raise InputError(
                "TrackerParams: initial_model_prob must have one probability per model, "
                f"summing to 1 (got {self.initial_model_prob})"
            )


@dataclass(frozen=True, slots=True, kw_only=True)
class TrackTable:
    """All tracks of a tracker, one row each (n tracks, r models).

    Attributes:
        ids: (n,) track ids, unique for the tracker's life.
        state: (n, 6) combined state ``[x, y, z, vx, vy, vz]`` (m, m/s).
        covar: (n, 6, 6) combined covariance.
        model_state, model_covar, model_prob: (n, r, 6), (n, r, 6, 6), (n, r) the IMM's
            model-matched estimates and model probabilities.
        status: (n,) `TENTATIVE` or `CONFIRMED`.
        history: (n,) bit k set when the track got a plot k scans ago (bit 0: last scan).
        age: (n,) scans since initiation, counting the first.
        hits: (n,) scans with a plot; misses: (n,) consecutive scans without one.
        born_s, updated_s, confirmed_s: (n,) times of initiation, last plot and confirmation
            (NaN while tentative).
        turn_rate_rad_s: (n,) estimated turn rate about the vertical.
        score: (n,) log-likelihood-ratio track score.
    """

    ids: IntArray
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

    def __len__(self) -> int:
        return len(self.ids)

    @classmethod
    def empty(cls, n_models: int) -> TrackTable:
        """A table with no tracks."""
        f = np.zeros(0)
        i = np.zeros(0, dtype=np.int64)
        return cls(
            ids=i,
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
        )

    def take(self, index: IntArray | npt.NDArray[np.bool_]) -> TrackTable:
        """The rows selected by an index or mask."""
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
    def confirmed(self) -> npt.NDArray[np.bool_]:
        """(n,) mask of confirmed tracks."""
        return np.asarray(self.status == CONFIRMED)


@dataclass(frozen=True, slots=True, kw_only=True)
class ScanEvents:
    """What one scan did.

    Attributes:
        t_s: scan time.
        initiated, confirmed, deleted: ids of the tracks initiated, confirmed and deleted.
        track_id: (k,) ids of the tracks updated with a plot; plot: (k,) the plot's index in
            the scan; nis: (k,) its squared Mahalanobis distance.
    """

    t_s: float
    initiated: IntArray
    confirmed: IntArray
    deleted: IntArray
    track_id: IntArray
    plot: IntArray
    nis: FloatArray


class Tracker:
    """A multi-target tracker over scans of plots (see the module's docstring).

    Attributes:
        params: the parameters; table: the current tracks (a `TrackTable`); t_s: the time
            of the last scan (None before the first).
    """

    def __init__(self, params: TrackerParams | None = None) -> None:
        self.params = params if params is not None else TrackerParams()
        r = len(self.params.models)
        self.table = TrackTable.empty(r)
        self.t_s: float | None = None
        self._next_id = 1
        self._transition = transition_matrix(r, self.params.stay_prob)
        self._initial_prob = (
            np.full(r, 1.0 / r)
            if self.params.initial_model_prob is None
            else np.asarray(self.params.initial_model_prob, dtype=np.float64)
        )
        self._gate = gate_threshold(self.params.gate_prob, 3)
        self._log_hit = float(np.log(self.params.pd / self.params.clutter_density_m3))
        self._log_miss = float(np.log1p(-self.params.pd))

    def step(self, t_s: float, plots_pos_m: FloatArray, plots_cov_m2: FloatArray) -> ScanEvents:
        """Process one scan of p plots.

        Args:
            t_s: scan time (s), not earlier than the previous scan's.
            plots_pos_m: (p, 3) plot positions in the tracker's frame (m).
            plots_cov_m2: (p, 3, 3) their covariances (m²).

        Returns:
            The scan's `ScanEvents`.
        """
        par = self.params
        z = np.asarray(plots_pos_m, dtype=np.float64).reshape(-1, 3)
        rz = np.asarray(plots_cov_m2, dtype=np.float64).reshape(-1, 3, 3)
        if len(z) != len(rz):
            raise ValueError(f"{len(z)} plot positions but {len(rz)} covariances")
        if self.t_s is not None and t_s < self.t_s:
            raise ValueError(f"scan at t_s={t_s} is earlier than the previous one ({self.t_s})")
        dt = 0.0 if self.t_s is None else float(t_s - self.t_s)
        tab = self.table
        n = len(tab)

        # 1. Predict.
        trans = self._transition if dt > 0.0 else np.eye(len(par.models))
        model_state, model_covar, model_prob = imm_predict_models(
            tab.model_state,
            tab.model_covar,
            tab.model_prob,
            trans,
            dt,
            par.models,
            frame=par.frame,
            turn_rate_rad_s=tab.turn_rate_rad_s,
        )

        # 2. Gate and associate: confirmed tracks first, then tentative ones.
        plot_of = np.full(n, -1, dtype=np.int64)
        nis = np.full(n, np.nan)
        free = np.ones(len(z), dtype=bool)
        for group in (np.flatnonzero(tab.confirmed), np.flatnonzero(~tab.confirmed)):
            if len(group) == 0 or not free.any():
                continue
            avail = np.flatnonzero(free)
            g = gate(
                model_state[group, :, :3],
                model_covar[group, :, :3, :3],
                z[avail],
                rz[avail],
                threshold=self._gate,
                model_weight=model_prob[group],
            )
            e = gnn_assign(g.track, g.plot, g.cost, len(group), len(avail))
            ti, pi = group[g.track[e]], avail[g.plot[e]]
            plot_of[ti] = pi
            nis[ti] = g.d2[e]
            free[pi] = False
        hit = plot_of >= 0

        # 3. Update the tracks with a plot; the others keep their prediction.
        log_lik = np.zeros(n)
        h = np.flatnonzero(hit)
        if len(h):
            model_state[h], model_covar[h], model_prob[h], log_lik[h] = imm_update_models(
                model_state[h], model_covar[h], model_prob[h], z[plot_of[h]], rz[plot_of[h]]
            )
        state, covar = imm_combine(model_state, model_covar, model_prob)  # once per scan
        turn = self._turn_rate(tab, state, hit, dt)

        # 4. Score.
        hit_bit = hit.astype(np.uint64)
        tab = replace(
            tab,
            state=state,
            covar=covar,
            model_state=model_state,
            model_covar=model_covar,
            model_prob=model_prob,
            history=(tab.history << np.uint64(1)) | hit_bit,
            age=tab.age + 1,
            hits=tab.hits + hit,
            misses=np.where(hit, 0, tab.misses + 1),
            updated_s=np.where(hit, t_s, tab.updated_s),
            turn_rate_rad_s=turn,
            score=tab.score + np.where(hit, self._log_hit + log_lik, self._log_miss),
        )

        # 7. Initiate on the plots left over (before 5–6, so that M = 1 confirms at once).
        new = self._initiate(t_s, z[free], rz[free])
        tab = tab.concat(new)

        # 5. Confirm.
        window = np.uint64((1 << par.confirm_n) - 1) if par.confirm_n < 64 else ~np.uint64(0)
        recent = popcount(tab.history & window)
        tentative = tab.status == TENTATIVE
        confirm = tentative & (recent >= par.confirm_m)
        status = np.where(confirm, np.int8(CONFIRMED), tab.status).astype(np.int8)
        confirmed_s = np.where(confirm, t_s, tab.confirmed_s)

        # 6. Delete.
        pos_var = np.max(np.diagonal(tab.covar[:, :3, :3], axis1=1, axis2=2), axis=1)
        hopeless = (status == TENTATIVE) & (
            (tab.misses > par.confirm_n - par.confirm_m) | (tab.age > 2 * par.confirm_n)
        )
        lost = (status == CONFIRMED) & (tab.misses >= par.delete_misses)
        vague = ~(pos_var <= par.max_position_var_m2)  # NaN counts as vague
        drop = hopeless | lost | vague
        tab = replace(tab, status=status, confirmed_s=confirmed_s)
        events = ScanEvents(
            t_s=float(t_s),
            initiated=new.ids,
            confirmed=tab.ids[confirm & ~drop],
            deleted=tab.ids[drop],
            track_id=tab.ids[:n][hit],
            plot=plot_of[hit],
            nis=nis[hit],
        )
        self.table = tab.take(~drop) if drop.any() else tab
        self.t_s = float(t_s)
        return events

    def _initiate(self, t_s: float, z: FloatArray, rz: FloatArray) -> TrackTable:
        """Single-point initiation: position from the plot, zero velocity of large variance."""
        par = self.params
        k, r = len(z), len(par.models)
        ids = np.arange(self._next_id, self._next_id + k, dtype=np.int64)
        self._next_id += k
        state = np.zeros((k, 6))
        state[:, :3] = z
        covar = np.zeros((k, 6, 6))
        covar[:, :3, :3] = rz
        v = np.arange(3, 6)
        covar[:, v, v] = par.init_speed_sigma_m_s**2
        f = np.zeros(k)
        i = np.zeros(k, dtype=np.int64)
        return TrackTable(
            ids=ids,
            state=state,
            covar=covar,
            model_state=np.repeat(state[:, None, :], r, axis=1),
            model_covar=np.repeat(covar[:, None, :, :], r, axis=1),
            model_prob=np.broadcast_to(self._initial_prob, (k, r)).copy(),
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

    def _turn_rate(
        self, tab: TrackTable, new_state: FloatArray, hit: npt.NDArray[np.bool_], dt: float
    ) -> FloatArray:
        """Smoothed turn rate: the signed turn of the horizontal velocity between the last
        and the new estimate, about the local vertical, divided by the time between them."""
        par = self.params
        if dt <= 0.0 or len(tab) == 0:
            return tab.turn_rate_rad_s
        u = up_axis(new_state[:, :3], par.frame)
        v1, v2 = tab.state[:, 3:], new_state[:, 3:]
        v1h = v1 - np.sum(v1 * u, axis=1, keepdims=True) * u
        v2h = v2 - np.sum(v2 * u, axis=1, keepdims=True) * u
        cross = np.sum(u * np.cross(v1h, v2h), axis=1)
        dot = np.sum(v1h * v2h, axis=1)
        measured = np.arctan2(cross, dot) / dt
        fast = (np.linalg.norm(v1h, axis=1) > par.min_turn_speed_m_s) & (
            np.linalg.norm(v2h, axis=1) > par.min_turn_speed_m_s
        )
        use = hit & fast & (tab.hits >= 2)
        est = tab.turn_rate_rad_s + par.turn_rate_gain * (measured - tab.turn_rate_rad_s)
        est = np.clip(est, -par.max_turn_rate_rad_s, par.max_turn_rate_rad_s)
        return np.where(use, est, tab.turn_rate_rad_s)


def popcount(x: npt.NDArray[np.uint64]) -> IntArray:
    """Number of set bits of each element."""
    if hasattr(np, "bitwise_count"):
        return np.asarray(np.bitwise_count(x), dtype=np.int64)
    bits = np.unpackbits(np.ascontiguousarray(x).view(np.uint8).reshape(-1, 8), axis=1)
    return np.asarray(bits.sum(axis=1), dtype=np.int64)  # pragma: no cover - numpy < 2
