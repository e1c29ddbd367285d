"""The sensed air picture: every picture of a sharing policy, tracked by the one tracker.

Each picture of a policy (`iamd.track.picture.picture_layout`: one per nation under
``national``, one joint picture of the participating nations otherwise) is held by one
`iamd.track.manager.Tracker` in ECEF, with a picture per track and each radar feeding its
nation's picture, so a clock step is a handful of array operations whatever the number of
pictures, tracks or plots. This module adds what the engine needs around it:

- **Looks** (`SensedPicture.look`): a radar looks at a track when the track is predicted
  inside its coverage (`iamd.sense.radar.visibility`: horizon, sector, elevation, ceiling,
  range; judged two standard deviations below the predicted height, which is what a
  surveillance radar measures worst) and it would detect a small target
  (:attr:`SensedParams.look_rcs_m2`) there with probability ≥ 0.5. So a track in the
  coverage of a 10 s surveillance radar alone is not penalised between its scans, nor by
  radars that cannot see it.
- **Clutter volume** (`SensedPicture.cell_volume`): a radar's false plots are uniform in
  range, azimuth and elevation (`iamd.sense.clutter`), so their density in space at a plot
  is the estimated false-plot rate divided by the coverage's extent in range, azimuth and
  elevation times ``r² cos(el)``: clutter is denser near the radar.
- **Custodian**: the nation whose radars update a track. When the custodian's radars no
  longer contribute and another nation's do, the track is handed over (it keeps its number).
- **Cooperative replies and signature**: transponder and IFF replies on a track's plots are
  counted, the last reported altitude kept, and the RCS measured on its plots averaged with
  a fading memory (`iamd.sense.signature`), for the identification stage.
- **Scoring, not tracking**: each track carries the index of the true object whose plots fit
  it best at each of its last three updates (``Plots.entity``, -1 for a false alarm); the
  majority is the object it follows (`SensedTracks.entity`), used to score the picture and
  to apply an engagement's effect — never by the tracker. The tracker is never told that an
  object was destroyed: the engaging unit's kill assessment closes the track it shot at
  (`SensedPicture.close_track`, an explicit event of the engagement stage), and every other
  track of a destroyed, impacted or landed object coasts and is deleted by the track rules,
  like any track that stops getting plots.

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
...     up = pic.update(2.0 * k, plots, np.array([2]))
>>> up.confirmed.number.tolist(), pic.tracks.entity.tolist()   # confirmed at the 2nd plot
([], [0])
>>> int(pic.tracks.table.status[0]), round(float(pic.tracks.speed_m_s[0]), -1)
(1, 100.0)
"""

from __future__ import annotations

from dataclasses import dataclass, field, fields, replace
from typing import Any

import numpy as np
import numpy.typing as npt

from iamd.errors import InputError
from iamd.sense.radar import (
    INSTRUMENTED_RANGE_FACTOR,
    Plots,
    SensorArray,
    detection_probability,
    visibility,
)
from iamd.track.manager import (
    MODEL_SETS,
    StepResult,
    Tracker,
    TrackerParams,
    TrackTable,
    with_quiet_q,
)
from iamd.track.picture import PictureLayout

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.int64]
BoolArray = npt.NDArray[np.bool_]

_RECENT = 3
"""Updates over which a track's true object is the majority (scoring)."""
_MIN_RANGE_M = 1_000.0
"""Nearest range of a false plot (`iamd.sense.clutter.MIN_RANGE_M`)."""


@dataclass(frozen=True, slots=True, kw_only=True)
class SensedParams:
    """Parameters of a `SensedPicture`.

    Attributes:
        tracker: the tracker's parameters (`iamd.track.manager.TrackerParams`, ECEF).
        look_rcs_m2: a radar looks at a track (a miss counts) where it would detect a target
            of this RCS with probability ≥ 0.5 (m²; the catalog's smallest: an RV, a drone).
        handover_after_s: a track is handed over to another nation's radars when its
            custodian's have not updated it for this long (s) and another nation's do.
        rcs_memory_s: time constant of the fading-memory average of the RCS measured on a
            track's plots (s): long enough to average the Swerling fluctuations of a dozen
            looks, short enough to follow a booster's separation.
    """

    tracker: TrackerParams = field(default_factory=TrackerParams)
    look_rcs_m2: float = 0.1
    handover_after_s: float = 30.0
    rcs_memory_s: float = 60.0

    def __post_init__(self) -> None:
        if self.tracker.frame != "ecef":
            raise InputError("SensedParams: the pictures are tracked in ECEF (tracker.frame)")
        for name in ("look_rcs_m2", "handover_after_s", "rcs_memory_s"):
            value = getattr(self, name)
            if not (np.isfinite(value) and value > 0):
                raise InputError(f"SensedParams: {name} must be > 0 (got {value})")


def scenario_tracker_params(tracking: Any) -> TrackerParams:
    """The tracker's parameters from a scenario's ``tracking`` section
    (`iamd.scenario.schema.Tracking`: the model set, the quiet models' q, the gate, P_D,
    the clutter density and the confirmation and deletion rules), in ECEF."""
    t = tracking
    return TrackerParams(
        models=with_quiet_q(MODEL_SETS[t.model], t.q_m2_s3),
        frame="ecef",
        gate_prob=t.gate_prob,
        pd=t.pd,
        clutter_density=t.clutter_density,
        confirmation=t.confirmation,
        false_track_prob=t.false_track_prob,
        true_track_loss_prob=t.true_track_loss_prob,
        delete_score_drop=t.delete_score_drop,
        confirm_m=t.confirm_m,
        confirm_n=t.confirm_n,
        delete_misses=t.delete_misses,
        max_coast_s=t.max_coast_s,
        tentative_coast_s=t.tentative_coast_s,
    )


@dataclass(frozen=True, slots=True, kw_only=True)
class SensedTracks:
    """The tracks of every picture, one row each (n tracks).

    Attributes:
        table: the tracker's tracks (`iamd.track.manager.TrackTable`: filter state, picture,
            number, score and counters; ``age`` counts looks, ``hits`` steps with a plot,
            ``misses`` consecutive missed looks).
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
        return len(self.custodian)

    @classmethod
    def empty(cls, n_models: int) -> SensedTracks:
        """No tracks."""
        return cls.blank(TrackTable.empty(n_models))

    @classmethod
    def blank(cls, table: TrackTable) -> SensedTracks:
        """The engine's columns, empty, beside ``table``."""
        k = len(table)
        return cls(
            table=table,
            recent_entity=np.full((k, _RECENT), -1, dtype=np.int64),
            custodian=np.full(k, -1, dtype=np.int64),
            custodian_seen_s=np.full(k, np.nan),
            squawk_updates=np.zeros(k, dtype=np.int64),
            iff_updates=np.zeros(k, dtype=np.int64),
            reported_alt_m=np.full(k, np.nan),
            rcs_sum_m2=np.zeros(k),
            rcs_looks=np.zeros(k),
            announced=np.zeros(k, dtype=bool),
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
    def picture(self) -> IntArray:
        """(n,) index of the picture that holds the track."""
        return self.table.picture

    @property
    def number(self) -> IntArray:
        """(n,) track number, unique within its picture for the run."""
        return self.table.ids

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
        params: the parameters.
        tracker: the one tracker that holds the tracks; tracks: its table with the
            engine's columns; t_s: time of the last update (None before the first).
    """

    layout: PictureLayout
    sensors: SensorArray
    nations: list[str]
    n_objects: int
    params: SensedParams = field(default_factory=SensedParams)
    tracker: Tracker = field(init=False)
    tracks: SensedTracks = field(init=False)
    _sensor_nation: IntArray = field(init=False)
    _last_seen_s: FloatArray = field(init=False)
    _last_picture: IntArray = field(init=False)

    def __post_init__(self) -> None:
        if len(self.nations) > 63:
            raise InputError(f"SensedPicture: at most 63 nations (got {len(self.nations)})")
        self.tracker = Tracker(
            params=self.params.tracker,
            n_pictures=len(self.layout.names),
            sensor_picture=self.layout.sensor_feeds,
            volume=self.cell_volume,
            look=self.look,
        )
        self.tracks = SensedTracks.empty(len(self.params.tracker.models))
        self._sensor_nation = np.array(
            [self.nations.index(n) for n in self.sensors.nation], dtype=np.int64
        )
        self._last_seen_s = np.full(self.n_objects, np.nan)
        self._last_picture = np.full(self.n_objects, -1, dtype=np.int64)

    def __repr__(self) -> str:
        trk = self.tracks
        return (f"<SensedPicture t={self.t_s} s, {len(self.layout.names)} picture(s), "
                f"{len(trk)} tracks ({int(trk.confirmed.sum())} confirmed)>")  # fmt: skip

    @property
    def t_s(self) -> float | None:
        """Time of the last update (None before the first)."""
        return self.tracker.t_s

    # ------------------------------------------------------------------ public

    def update(self, t_s: float, plots: Plots, looks: IntArray) -> PictureUpdate:
        """Fold one step's plots in.

        Args:
            t_s: time of the plots (s), not earlier than the previous update's.
            plots: the step's plots of every radar (detections and false alarms).
            looks: (S,) scans each radar completed in the step (0: it did not look).
        """
        old = self.tracks
        dt = 0.0 if self.tracker.t_s is None else float(t_s - self.tracker.t_s)
        res = self.tracker.step(t_s, plots.pos_ecef_m, plots.cov_ecef_m2, plots.sensor,
                                scans=looks)  # fmt: skip
        trk, handover_rows, handover_from = self._annotate(old, res, plots, t_s, dt)
        handover = self._events(trk, handover_rows, source=handover_from,
                                target=trk.custodian[handover_rows])  # fmt: skip
        drop, confirm = res.drop, res.confirm
        new_rows = np.flatnonzero(confirm & ~drop)
        dropped = self._events(trk, np.flatnonzero(drop & trk.announced))
        confirmed = self._events(trk, new_rows)
        reacquired = self._reacquired(trk, new_rows, drop, t_s)
        announced = trk.announced.copy()
        announced[new_rows] = True
        trk = replace(trk, announced=announced)
        ent = trk.entity
        held = trk.confirmed & ~drop & (trk.table.updated_s == t_s) & (ent >= 0)
        self._last_seen_s[ent[held]] = t_s
        self._last_picture[ent[held]] = trk.picture[held]
        self.tracks = trk.take(~drop) if drop.any() else trk
        return PictureUpdate(
            confirmed=confirmed, dropped=dropped, handover=handover, reacquired=reacquired
        )

    def close_track(self, picture: int, number: int) -> bool:
        """Delete a picture's track by number, on an explicit decision of a later stage (the
        engaging unit's kill assessment); False when the track no longer exists. The track
        is not reported by the next update's ``dropped``: the caller logs the decision."""
        trk = self.tracks
        rows = np.flatnonzero((trk.picture == picture) & (trk.number == number))
        if len(rows) == 0:
            return False
        self.tracker.remove(rows)
        keep = np.ones(len(trk), dtype=bool)
        keep[rows] = False
        self.tracks = trk.take(keep)
        return True

    def report_kill(self, picture: int, number: int, gate_m: float) -> list[tuple[int, int, bool]]:
        """A kill assessment on a picture's track, reported to the others (an engagement
        status message, as Link 16's J10.2 carries one): the track is closed, and in every
        other picture the nearest confirmed track within ``gate_m`` (m) of its position is
        closed too. Returns the ``(picture, number, reported)`` closed (``reported``: closed
        by the report, not by its own unit); empty when the track no longer exists."""
        trk = self.tracks
        row = np.flatnonzero((trk.picture == picture) & (trk.number == number))
        if len(row) == 0:
            return []
        pos = trk.table.state[row[0], :3].copy()
        closed = [(picture, number, False)]
        conf = trk.confirmed & (trk.picture != picture)
        for q in np.unique(trk.picture[conf]):  # a loop over the other pictures
            rows = np.flatnonzero(conf & (trk.picture == q))
            dist = np.linalg.norm(trk.table.state[rows, :3] - pos, axis=1)
            if dist.min() <= gate_m:
                closed.append((int(q), int(trk.number[rows[int(np.argmin(dist))]]), True))
        return [c for c in closed if self.close_track(c[0], c[1])]

    def confirmed_rows(self) -> IntArray:
        """Rows of the confirmed tracks, in table order."""
        return np.flatnonzero(self.tracks.confirmed)

    def positions(self, picture: int) -> FloatArray:
        """(k, 3) estimated positions of the confirmed tracks of one picture."""
        trk = self.tracks
        return trk.table.state[trk.confirmed & (trk.picture == picture), :3]

    def look(self, pos: FloatArray, cov: FloatArray, picture: IntArray,
             scanning: IntArray) -> BoolArray:  # fmt: skip
        """The tracks (predicted at ``pos``, ``cov``) that a radar of their picture among
        ``scanning`` looks at (`iamd.track.manager.LookFn`; see the module's docstring)."""
        up = pos / np.linalg.norm(pos, axis=1, keepdims=True)
        sigma_up = np.sqrt(np.maximum(np.einsum("ni,nij,nj->n", up, cov, up), 0.0))
        low = pos - 2.0 * sigma_up[:, None] * up  # a low flyer's height is the least known
        vis, _, _, rng = visibility(self.sensors, low, scanning)
        vis &= self.layout.sensor_feeds[scanning][:, None] == picture[None, :]
        small = np.full(len(pos), self.params.look_rcs_m2)
        pd = detection_probability(self.sensors, rng, small, scanning)
        return np.asarray(np.any(vis & (pd >= 0.5), axis=0))

    def cell_volume(self, pos: FloatArray, sensor: IntArray) -> FloatArray:
        """The volume per false plot of each plot's radar at the plot (m³;
        `iamd.track.manager.VolumeFn`): the coverage's extent in range × azimuth ×
        elevation (`iamd.sense.clutter`'s uniform draws) times ``r² cos(el)``."""
        s = self.sensors
        d = pos - s.pos_ecef_m[sensor]
        r = np.maximum(np.linalg.norm(d, axis=1), _MIN_RANGE_M)
        sin_el = np.einsum("ni,ni->n", s.enu_rot[sensor, 2], d) / r
        cos_el = np.sqrt(np.maximum(1.0 - sin_el * sin_el, 1e-6))
        depth = np.maximum(INSTRUMENTED_RANGE_FACTOR * s.range_ref_m[sensor] - _MIN_RANGE_M,
                           1.0)  # fmt: skip
        width = 2.0 * s.sector_half_rad[sensor]
        el_lo = np.maximum(s.min_el_rad[sensor], 0.0)
        height = np.maximum(s.max_el_rad[sensor] - el_lo, 1e-3)
        return np.asarray(depth * width * height * r * r * cos_el)

    # ------------------------------------------------------------------ helpers

    def _annotate(self, old: SensedTracks, res: StepResult, plots: Plots, t_s: float,
                  dt: float) -> tuple[SensedTracks, IntArray, IntArray]:  # fmt: skip
        """The engine's columns for the step's rows (old tracks, then the new ones), from
        the plots each row took; and the rows handed over, with their former custodian."""
        par = self.params
        n = res.n_before
        total = len(res.table)
        full = SensedTracks.blank(res.table)
        k = total - n
        fade = np.exp(-dt / par.rcs_memory_s)
        trk = replace(
            full,
            recent_entity=np.concatenate([old.recent_entity,
                                          np.full((k, _RECENT), -1, dtype=np.int64)]),
            custodian=np.concatenate([old.custodian, np.full(k, -1, dtype=np.int64)]),
            custodian_seen_s=np.concatenate([old.custodian_seen_s, np.full(k, t_s)]),
            squawk_updates=np.concatenate([old.squawk_updates, np.zeros(k, dtype=np.int64)]),
            iff_updates=np.concatenate([old.iff_updates, np.zeros(k, dtype=np.int64)]),
            reported_alt_m=np.concatenate([old.reported_alt_m, np.full(k, np.nan)]),
            rcs_sum_m2=np.concatenate([old.rcs_sum_m2 * fade, np.zeros(k)]),
            rcs_looks=np.concatenate([old.rcs_looks * fade, np.zeros(k)]),
            announced=np.concatenate([old.announced, np.zeros(k, dtype=bool)]),
        )  # fmt: skip
        none = np.zeros(0, dtype=np.int64)
        p_n = len(plots)
        if p_n == 0:
            return trk, none, none
        owner = res.owner
        hit = np.zeros(total, dtype=bool)
        hit[owner] = True
        h = np.flatnonzero(hit)
        # the best-fitting plot of each row (a new track's first plot)
        fit = np.where(np.isnan(res.nis), 0.0, res.nis)
        order = np.lexsort((np.arange(p_n), fit, owner))
        first = np.ones(p_n, dtype=bool)
        first[1:] = owner[order[1:]] != owner[order[:-1]]
        best_plot = order[first]  # one per hit row, in row order
        recent = trk.recent_entity.copy()
        recent[h, 1:] = trk.recent_entity[h, :-1]
        recent[h, 0] = plots.entity[best_plot]
        is_new = h >= n
        recent[h[is_new]] = plots.entity[best_plot][is_new][:, None]
        sq = np.zeros(total, dtype=bool)
        sq[owner[plots.squawk]] = True
        ff = np.zeros(total, dtype=bool)
        ff[owner[plots.iff]] = True
        rcs_sum, rcs_looks = trk.rcs_sum_m2.copy(), trk.rcs_looks.copy()
        rcs_ok = np.isfinite(plots.rcs_m2)
        np.add.at(rcs_sum, owner[rcs_ok], plots.rcs_m2[rcs_ok])
        np.add.at(rcs_looks, owner[rcs_ok], 1.0)
        reported_alt = trk.reported_alt_m.copy()
        rep_ok = np.isfinite(plots.reported_alt_m)
        reported_alt[owner[rep_ok]] = plots.reported_alt_m[rep_ok]
        # custodian: the nation whose radars update the track; handed over when its radars
        # have been silent for handover_after_s and another nation's report it
        mask = np.zeros(total, dtype=np.uint64)
        bits = np.left_shift(np.uint64(1), self._sensor_nation[plots.sensor].astype(np.uint64))
        np.bitwise_or.at(mask, owner, bits)
        custodian = trk.custodian
        cur = np.where(custodian >= 0, custodian, 0).astype(np.uint64)
        holds = ((mask >> cur) & np.uint64(1)).astype(bool)
        lowest = _lowest_bit(mask)
        silent = t_s - trk.custodian_seen_s > par.handover_after_s
        change = hit & (custodian >= 0) & ~holds & silent
        was_confirmed = np.concatenate([old.confirmed, np.zeros(k, dtype=bool)])
        handover_rows = np.flatnonzero(change & was_confirmed)
        handover_from = custodian[handover_rows]
        custodian = np.where(hit & ((custodian < 0) | change), lowest, custodian)
        seen = np.where(hit & (holds | change), t_s, trk.custodian_seen_s)
        trk = replace(
            trk,
            recent_entity=recent,
            custodian=custodian,
            custodian_seen_s=seen,
            squawk_updates=trk.squawk_updates + sq,
            iff_updates=trk.iff_updates + ff,
            reported_alt_m=reported_alt,
            rcs_sum_m2=rcs_sum,
            rcs_looks=rcs_looks,
        )
        return trk, handover_rows, handover_from

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


def _lowest_bit(mask: npt.NDArray[np.uint64]) -> IntArray:
    """Index of the lowest set bit of each mask (-1 for 0)."""
    low = mask & (~mask + np.uint64(1))
    out = np.full(len(mask), -1, dtype=np.int64)
    nz = low != 0
    out[nz] = np.round(np.log2(low[nz].astype(np.float64))).astype(np.int64)
    return out
