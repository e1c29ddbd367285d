"""The air pictures the engine runs: the perfect-information baseline and the sensed picture.

Both implement :class:`AirPicture`, the one interface the clock (`iamd.sim.engine`) uses, so
the engine never branches on the picture mode:

- ``update``: fold one step's plots in, log what changed (tracks started, handed over,
  dropped; identities and their evidence);
- ``candidates``: the tracks the engagement stage may consider, as
  `iamd.engage.stage.Candidates` (their state, believed class, identity, the units whose
  picture holds them, and how their paths are predicted);
- ``fired`` and ``assessed``: which track a shot was fired at, and the engaging unit's kill
  assessment after the intercept;
- ``snapshot`` and ``score``: the confirmed tracks for a caller, and OSPA against the truth.

:class:`TruthAirPicture` is the baseline of ``picture: truth``: a picture holds an object
while a radar that feeds it has seen it in the last minute (`iamd.track.picture`), the
identity is the truth's (`iamd.identify.truth_identity`) and intercepts are planned on the
true paths. :class:`SensedAirPicture` is the default: a multi-sensor tracker per picture
(`iamd.track.sensed`), every track identified by the identification stage
(`iamd.identify.stage`) without the truth, paths predicted from the track state
(`iamd.track.predict`). The truth enters the sensed picture only for scoring, which object
a track follows (``entity``, for OSPA, the event log and the effect of a shot), and as the
eyes of a patrol tasked to identify a track (`iamd.sim.vid`).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Protocol

import numpy as np
import numpy.typing as npt
import pandas as pd

from iamd.engage.shoot import Engagement
from iamd.engage.stage import (
    BALLISTIC,
    Candidates,
    EngagementStage,
    Prediction,
    track_path_predictor,
)
from iamd.engage.threat import ThreatEvaluation
from iamd.geo.wgs84 import ecef_to_lla
from iamd.identify.airspace import Airspace
from iamd.identify.classifier import CLASSES
from iamd.identify.identity import IdentityRules
from iamd.identify.stage import IdentityStep, TrackIdentifier
from iamd.identify.truth_identity import STANDARD_IDENTITIES, truth_identity
from iamd.scenario.catalog import THREAT_CLASSES
from iamd.scenario.schema import VisualIdentification
from iamd.sense.radar import SensorArray, scanning
from iamd.sense.scan import Plots
from iamd.sim.events import EventLog
from iamd.sim.vid import VisualIdentifier
from iamd.track.manager import TrackerParams
from iamd.track.metrics import ospa
from iamd.track.picture import PictureLayout, TruthPicture
from iamd.track.sensed import PictureUpdate, SensedParams, SensedPicture
from iamd.world.truth import Truth

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.int64]
BoolArray = npt.NDArray[np.bool_]

KILL_REPORT_GATE_M = 1_000.0
"""How near (m) a track of another picture must lie to a reported kill's track to be closed
by the report, beyond the distance the killed track flies in two clock steps."""
OSPA_CUTOFF_M = 10_000.0
"""OSPA cut-off c (m), order 1: a missed or false track costs 10 km."""
FALSE_TRACK = "false track"
"""Identity evidence of a track that follows no object."""


@dataclass(frozen=True, slots=True, kw_only=True)
class StepPicture:
    """The confirmed tracks of every picture after one clock step, for a caller's ``on_step``
    hook (exports, live streams); M tracks, in table order (truth picture: by picture, then
    object).

    Attributes:
        t_s: time of the track states (s after the epoch): the step's start, the time of its
            plots.
        names: the pictures' names (``layout.names``).
        picture: (M,) index into ``names``.
        number: (M,) track number, unique within its picture (truth picture: the object's
            index + 1).
        entity: (M,) index of the true object the track follows (-1: a false track); for
            scoring and replays only.
        state_ecef: (M, 6) ECEF position (m) and velocity (m/s).
        covar_ecef: (M, 6, 6) its covariance (zeros for the truth picture).
        identity: (M,) STANAG 1241 identity, index into
            ``iamd.identify.truth_identity.STANDARD_IDENTITIES``.
        cls: (M,) most likely class (``''``: not classified yet).
        updated_s: (M,) time of the track's last update by a plot (s after the epoch);
            None for the truth picture, whose tracks are the objects themselves.
    """

    t_s: float
    names: tuple[str, ...]
    picture: npt.NDArray[np.int64]
    number: npt.NDArray[np.int64]
    entity: npt.NDArray[np.int64]
    state_ecef: FloatArray
    covar_ecef: FloatArray
    identity: npt.NDArray[np.int8]
    cls: npt.NDArray[np.str_]
    updated_s: FloatArray | None = None

    def __repr__(self) -> str:
        return f"StepPicture(t_s={self.t_s:g}, tracks={len(self.number)}, pictures={self.names})"

    def frame(self) -> pd.DataFrame:
        """The tracks as a table an analyst reads: picture, track number, geodetic position
        (deg, deg, m), ground speed (m/s), identity word and class."""
        lat, lon, alt = ecef_to_lla(self.state_ecef[:, :3])
        return pd.DataFrame(
            {
                "picture": np.asarray(self.names, dtype=object)[self.picture]
                if len(self.names)
                else np.zeros(0, dtype=object),
                "number": self.number,
                "lat_deg": np.degrees(lat),
                "lon_deg": np.degrees(lon),
                "alt_m": alt,
                "speed_m_s": np.linalg.norm(self.state_ecef[:, 3:], axis=1),
                "identity": np.asarray(STANDARD_IDENTITIES, dtype=object)[self.identity],
                "class": self.cls,
            }
        )


@dataclass(frozen=True, slots=True, kw_only=True)
class StepView:
    """What one clock step shows a picture: the step's time, its truth (for scoring only)
    and its plots.

    Attributes:
        k: the step's index on the clock; t_s, t_next_s: its start and end (s); dt_s: the
            clock step (s).
        pos_ecef_m: (N, 3) true positions at ``t_s``; vel_ecef_m_s: (N, 3) velocities.
        present: (N,) objects in the air and not destroyed.
        alive: (N,) objects not destroyed and not yet at the end of their flight.
        plots: the radars' plots of the step (false alarms included).
        window: the clock steps of the engagement look-ahead; t_window_s: their times.
    """

    k: int
    t_s: float
    t_next_s: float
    dt_s: float
    pos_ecef_m: FloatArray
    vel_ecef_m_s: FloatArray
    present: BoolArray
    alive: BoolArray
    plots: Plots
    window: slice
    t_window_s: FloatArray


class AirPicture(Protocol):
    """The interface of an air picture to the clock (see the module)."""

    slots: int
    """Engagement slots: the objects, and one more for false tracks if the picture has them."""

    @property
    def tracker(self) -> SensedPicture | None:
        """The tracker of a sensed picture (None: the truth picture)."""

    def update(self, view: StepView, log: EventLog) -> None:
        """Fold the step's plots in and log what changed."""

    def score(self, view: StepView) -> None:
        """Record an OSPA sample of each picture against the truth."""

    def ospa_summary(self) -> tuple[float, dict[str, float]]:
        """Mean OSPA (m) over all samples (0: not scored) and per picture (empty: not
        scored)."""

    def candidates(
        self, view: StepView, stage: EngagementStage, unit_picture: IntArray
    ) -> Candidates:
        """The tracks the engagement stage may consider this step."""

    def fired(self, eng: Engagement, unit_picture: int) -> str:
        """Record which track ``eng`` was fired at; returns its label (``''``: none)."""

    def assessed(self, eng: Engagement, killed: bool, unit: str, log: EventLog) -> None:
        """The engaging unit's (``unit``) kill assessment after ``eng``'s intercept."""

    def label(self, eng: Engagement) -> str:
        """The label of the track ``eng`` was fired at (``''``: none)."""

    def snapshot(self, view: StepView) -> StepPicture:
        """The confirmed tracks after the step."""


@dataclass(slots=True, kw_only=True)
class TruthAirPicture:
    """The perfect-information picture (``picture: truth``); see the module.

    Attributes:
        truth: the trajectories; layout: the pictures of the policy.
        holdings: which picture holds which object.
        identity, evidence: (N,) each object's identity and why (from the truth).
        engage_identity: (N,) the rules of engagement allow the object's identity.
    """

    truth: Truth
    layout: PictureLayout
    engage_identities: tuple[str, ...]
    holdings: TruthPicture = field(init=False)
    identity: npt.NDArray[np.str_] = field(init=False)
    evidence: npt.NDArray[np.str_] = field(init=False)
    engage_identity: BoolArray = field(init=False)
    class_index: IntArray = field(init=False)
    slots: int = field(init=False)
    tracker: SensedPicture | None = field(init=False, default=None)

    def __post_init__(self) -> None:
        n = len(self.truth.ids)
        self.slots = n
        self.holdings = TruthPicture(layout=self.layout, n=n)
        self.identity, self.evidence = truth_identity(self.truth.cls, self.truth.has_iff)
        self.engage_identity = np.isin(self.identity, self.engage_identities)
        self.class_index = _class_index(self.truth)

    def update(self, view: StepView, log: EventLog) -> None:
        real = view.plots.entity >= 0
        ip, ie, dp, de = self.holdings.update(
            view.t_next_s,
            view.plots.sensor[real],
            view.plots.entity[real],
            view.alive & view.present,
        )
        t_s, names, ids = view.t_next_s, self.layout.names, self.truth.ids
        for p_idx, j in zip(ip, ie, strict=True):  # a loop over the step's new tracks
            lat, lon, alt = lla_deg(view.pos_ecef_m[j])
            log.append(t_s, "track_init", entity=ids[j], picture=names[p_idx], lat_deg=lat,
                       lon_deg=lon, alt_m=alt)  # fmt: skip
            log.append(t_s, "identity", entity=ids[j], picture=names[p_idx],
                       detail=f"{self.identity[j]} ({self.evidence[j]})")  # fmt: skip
        for p_idx, j in zip(dp, de, strict=True):
            log.append(t_s, "track_drop", entity=ids[j], picture=names[p_idx])

    def score(self, view: StepView) -> None:
        """The truth picture is the reference: nothing to score."""

    def ospa_summary(self) -> tuple[float, dict[str, float]]:
        return 0.0, {}

    def candidates(
        self, view: StepView, stage: EngagementStage, unit_picture: IntArray
    ) -> Candidates:
        cand = np.flatnonzero(
            view.present
            & self.engage_identity
            & stage.open_slots()
            & self.holdings.held.any(axis=0)
        )
        truth, window = self.truth, view.window

        def predict(evaluation: ThreatEvaluation) -> Prediction:
            return Prediction(
                pos_ecef_m=truth.pos_ecef_m[cand, window, :],
                alt_m=truth.alt_m[cand, window],
                present=truth.present[cand, window],
            )

        return Candidates(
            slot=cand,
            seen=self.holdings.held[unit_picture][:, cand],
            state_ecef=np.hstack([view.pos_ecef_m[cand], view.vel_ecef_m_s[cand]]),
            believed=self.class_index[cand],
            kill_class=self.class_index[cand],
            identity=None,
            predict=predict,
        )

    def fired(self, eng: Engagement, unit_picture: int) -> str:
        return ""

    def assessed(self, eng: Engagement, killed: bool, unit: str, log: EventLog) -> None:
        """A destroyed object leaves the truth picture by itself (it is no longer alive)."""

    def label(self, eng: Engagement) -> str:
        return ""

    def snapshot(self, view: StepView) -> StepPicture:
        p_idx, j = np.nonzero(self.holdings.held)
        code = {w: i for i, w in enumerate(STANDARD_IDENTITIES)}
        return StepPicture(
            t_s=view.t_s,
            names=tuple(self.layout.names),
            picture=p_idx.astype(np.int64),
            number=(j + 1).astype(np.int64),
            entity=j.astype(np.int64),
            state_ecef=np.hstack([view.pos_ecef_m[j], view.vel_ecef_m_s[j]]),
            covar_ecef=np.zeros((len(j), 6, 6)),
            identity=np.array([code[str(w)] for w in self.identity[j]], dtype=np.int8),
            cls=np.asarray(self.truth.cls[j], dtype=str),
        )


@dataclass(slots=True, kw_only=True)
class SensedAirPicture:
    """The sensed picture (``picture: sensed``, the default); see the module.

    Attributes:
        truth: the trajectories (scoring only); layout: the pictures of the policy.
        sensors, nations: the radars and the scenario's nations.
        tracker: the multi-sensor tracker of every picture.
        identifier: the identification stage.
        visual, patrols: visual identification's settings and the scenario's patrols
            ((id, nation) pairs); vid: the patrols' taskings (`iamd.sim.vid`).
        reference: the truth holdings, the reference of OSPA.
        ospa_every: score every this many steps.
        samples: OSPA samples per picture (m).
        ident: the identities after the last step.
    """

    truth: Truth
    layout: PictureLayout
    sensors: SensorArray
    nations: list[str]
    tracker_params: TrackerParams
    airspace: Airspace
    ospa_every: int
    dt_s: float = 2.0
    identity_rules: IdentityRules = field(default_factory=IdentityRules)
    visual: VisualIdentification = field(default_factory=VisualIdentification)
    patrols: tuple[tuple[str, str], ...] = ()
    tracker: SensedPicture = field(init=False)
    identifier: TrackIdentifier = field(init=False)
    vid: VisualIdentifier = field(init=False)
    reference: TruthPicture = field(init=False)
    samples: list[list[float]] = field(init=False)
    ident: IdentityStep | None = field(init=False, default=None)
    class_index: IntArray = field(init=False)
    slots: int = field(init=False)
    _offered: tuple[IntArray, IntArray, IntArray] = field(init=False)
    _vid_rank: IntArray = field(init=False)
    _track_of: dict[int, tuple[int, int]] = field(init=False, default_factory=dict)
    _labels: dict[int, str] = field(init=False, default_factory=dict)

    def __post_init__(self) -> None:
        n = len(self.truth.ids)
        self.slots = n + 1  # the last slot: false tracks (never alive)
        self.reference = TruthPicture(layout=self.layout, n=n)
        self.tracker = SensedPicture(
            layout=self.layout,
            sensors=self.sensors,
            nations=self.nations,
            n_objects=n,
            params=SensedParams(tracker=self.tracker_params),
        )
        self.identifier = TrackIdentifier(airspace=self.airspace, rules=self.identity_rules)
        self.vid = VisualIdentifier.build(
            self.visual, self.truth, self.patrols, self.layout, sorted(self.airspace.friendly)
        )
        # the tasking priority of each identity code (-1: not tasked)
        self._vid_rank = np.full(len(STANDARD_IDENTITIES), -1, dtype=np.int64)
        for i, word in enumerate(self.visual.identities):
            self._vid_rank[STANDARD_IDENTITIES.index(word)] = i
        self.samples = [[] for _ in self.layout.names]
        self.class_index = np.append(_class_index(self.truth), 0)
        empty = np.zeros(0, dtype=np.int64)
        self._offered = (empty, empty, empty)

    def update(self, view: StepView, log: EventLog) -> None:
        real = view.plots.entity >= 0
        self.reference.update(
            view.t_next_s,
            view.plots.sensor[real],
            view.plots.entity[real],
            view.alive & view.present,
        )
        up = self.tracker.update(view.t_s, view.plots, scanning(self.sensors, view.t_s, view.dt_s))
        self.ident = self.identifier.update(view.t_s, self.tracker.tracks)
        self._log_tracks(log, view.t_next_s, up)
        self._log_identities(log, view.t_next_s, self.ident)
        self._visual_identification(view, log)

    def _visual_identification(self, view: StepView, log: EventLog) -> None:
        """Looks due and new taskings of the patrols (`iamd.sim.vid`); a declaration holds
        from the track's next update."""
        if not self.visual.enabled or not self.patrols:
            return
        assert self.ident is not None
        trk = self.tracker.tracks
        rows = np.flatnonzero(trk.confirmed)
        rank = self._vid_rank[self.ident.code[rows]]
        if not (rank >= 0).any() and not self.vid.tasks:
            return
        # the first key of the tasking priority: the time to go to the defended asset a
        # track closes on (the closing test of criterion H4, without its time limit)
        state = trk.table.state[rows]
        ttg = np.full(len(rows), np.inf)
        m = np.flatnonzero(rank >= 0)
        _, ttg[m] = self.airspace.closing_on(
            state[m, :3],
            state[m, 3:],
            max_time_to_go_s=np.inf,
            min_closing_share=self.identity_rules.closing_share,
        )
        for d in self.vid.step(
            view.t_next_s,
            view.pos_ecef_m,
            view.present & view.alive,
            self.truth,
            (trk.picture[rows].astype(np.int64), trk.number[rows].astype(np.int64)),
            state,
            rank,
            log,
            self.layout.names,
            ttg,
        ):
            self.identifier.declare(d.picture, d.number, d.code)

    def score(self, view: StepView) -> None:
        if view.k % self.ospa_every:
            return
        for p_idx in range(len(self.layout.names)):
            self.samples[p_idx].append(
                ospa(
                    view.pos_ecef_m[self.reference.held[p_idx]],
                    self.tracker.positions(p_idx),
                    cutoff_m=OSPA_CUTOFF_M,
                )
            )

    def ospa_summary(self) -> tuple[float, dict[str, float]]:
        every = [x for v in self.samples for x in v]
        by_picture = {
            name: (round(float(np.mean(v)), 3) if v else 0.0)
            for name, v in zip(self.layout.names, self.samples, strict=True)
        }
        return (round(float(np.mean(every)), 3) if every else 0.0), by_picture

    def candidates(
        self, view: StepView, stage: EngagementStage, unit_picture: IntArray
    ) -> Candidates:
        assert self.ident is not None, "candidates() before update()"
        ident, trk, n = self.ident, self.tracker.tracks, self.slots - 1
        may_engage = np.isin(ident.code, stage.engageable_codes)
        rows = track_candidates(self.tracker, may_engage, stage.open_slots())
        ent = trk.entity[rows]
        cand = np.where(ent >= 0, ent, n)
        cand_picture = trk.picture[rows]
        self._offered = (rows, cand, cand_picture)
        now6 = trk.table.state[rows]
        believed = np.where(ident.cls[rows] >= 0, ident.cls[rows], 0)
        predict = track_path_predictor(
            now6, believed == BALLISTIC, view.t_window_s - view.t_s, view.dt_s
        )

        return Candidates(
            slot=cand,
            seen=unit_picture[:, None] == cand_picture,
            state_ecef=now6,
            believed=believed,
            kill_class=np.where(cand < n, self.class_index[cand], believed),
            identity=ident.code[rows],
            predict=predict,
        )

    def fired(self, eng: Engagement, unit_picture: int) -> str:
        rows, cand, cand_picture = self._offered
        row = rows[np.flatnonzero((cand == eng.threat) & (cand_picture == unit_picture))[0]]
        trk = self.tracker.tracks
        p_idx, number = int(trk.picture[row]), int(trk.number[row])
        label = f"{self.layout.names[p_idx]} track {number}"
        self._labels[eng.seq] = label
        self._track_of[eng.seq] = (p_idx, number)
        return label

    def assessed(self, eng: Engagement, killed: bool, unit: str, log: EventLog) -> None:
        """Kill assessment by the engaging unit: its track is closed at the intercept, and
        the kill is reported with the track's position (an engagement status message, as
        Link 16's J10.2 reports one): in every other picture, the nearest confirmed track
        within :data:`KILL_REPORT_GATE_M` (plus the distance the killed track flies in two
        clock steps) is closed too. Tracks of the object that no report reaches coast until
        their own rules delete them."""
        if not killed or eng.seq not in self._track_of:
            return
        p_idx, number = self._track_of[eng.seq]
        trk = self.tracker.tracks
        row = np.flatnonzero((trk.picture == p_idx) & (trk.number == number))
        if len(row) == 0:
            return
        speed = float(np.linalg.norm(trk.table.state[row[0], 3:]))
        gate_m = KILL_REPORT_GATE_M + 2.0 * self.dt_s * speed
        j = eng.threat
        entity = self.truth.ids[j] if j < len(self.truth.ids) else ""
        for q, num, reported in self.tracker.report_kill(p_idx, number, gate_m):
            name = self.layout.names[q]
            how = " reported" if reported else ""
            log.append(eng.t_intercept_s, "track_drop", entity=entity, picture=name,
                       detail=f"{name} track {num} (kill assessment{how}: intercept by "
                       f"{unit})")  # fmt: skip

    def label(self, eng: Engagement) -> str:
        return self._labels.get(eng.seq, "")

    def snapshot(self, view: StepView) -> StepPicture:
        assert self.ident is not None, "snapshot() before update()"
        trk, ident = self.tracker.tracks, self.ident
        rows = np.flatnonzero(trk.confirmed)
        return StepPicture(
            t_s=view.t_s,
            names=tuple(self.layout.names),
            picture=trk.picture[rows].astype(np.int64),
            number=trk.number[rows].astype(np.int64),
            entity=trk.entity[rows],
            state_ecef=trk.table.state[rows].copy(),
            covar_ecef=trk.table.covar[rows].copy(),
            identity=ident.code[rows].astype(np.int8),
            cls=np.array(["", *CLASSES], dtype=str)[ident.cls[rows] + 1],
            updated_s=trk.table.updated_s[rows].copy(),
        )

    def _log_tracks(self, log: EventLog, t_s: float, up: PictureUpdate) -> None:
        """Tracks confirmed, re-acquired, handed over and dropped."""
        names, nations = self.layout.names, self.nations

        def entity(j: int) -> str:
            return self.truth.ids[j] if j >= 0 else ""

        c = up.confirmed
        for i in range(len(c)):  # a loop over the step's events, not over tracks
            j, name = int(c.entity[i]), names[c.picture[i]]
            lat, lon, alt = lla_deg(c.pos_ecef_m[i])
            log.append(t_s, "track_init", entity=entity(j), picture=name, lat_deg=lat,
                       lon_deg=lon, alt_m=alt, detail=f"{name} track {c.number[i]}")  # fmt: skip
        r = up.reacquired
        for i in range(len(r)):
            name = names[r.picture[i]]
            log.append(t_s, "reacquire", entity=entity(int(r.entity[i])), picture=name,
                       value=float(r.value[i]),
                       detail=f"{name} track {r.number[i]}, last held by "
                       f"{names[r.source[i]]}")  # fmt: skip
        h = up.handover
        for i in range(len(h)):
            name = names[h.picture[i]]
            log.append(t_s, "handover", entity=entity(int(h.entity[i])), picture=name,
                       detail=f"{name} track {h.number[i]}: {nations[h.source[i]]} -> "
                       f"{nations[h.target[i]]}")  # fmt: skip
        d = up.dropped
        for i in range(len(d)):
            name = names[d.picture[i]]
            log.append(t_s, "track_drop", entity=entity(int(d.entity[i])), picture=name,
                       detail=f"{name} track {d.number[i]}")  # fmt: skip

    def _log_identities(self, log: EventLog, t_s: float, ident: IdentityStep) -> None:
        """Identity of each confirmed track when it is first classified and whenever it
        changes, with the evidence; ``value`` is the probability of the most likely class."""
        trk = self.tracker.tracks
        for i, row in enumerate(ident.changed):  # a loop over the step's changes
            j = int(trk.entity[row])
            name = self.layout.names[trk.picture[row]]
            word = STANDARD_IDENTITIES[ident.code[row]]
            log.append(
                t_s,
                "identity",
                entity=self.truth.ids[j] if j >= 0 else "",
                picture=name,
                value=float(np.nanmax(ident.probabilities[row])),
                detail=f"{word} ({ident.evidence[i]}), {name} track {trk.number[row]}",
            )


def track_candidates(
    tracker: SensedPicture, may_engage: BoolArray, open_slots: BoolArray
) -> IntArray:
    """Rows of the confirmed tracks that may be engaged: the track's identity is one the rules
    of engagement allow (``may_engage``, per row) and its engagement slot (the object it
    follows, the last slot of ``open_slots`` for a false track) is open (no engagement in
    flight, attempts left); one track per slot and picture (the one with most updates), in
    order of picture and slot. Whether the object still flies is not read: a track of a
    destroyed or impacted object is offered until the kill assessment or the track rules
    end it, and a shot at it is wasted."""
    trk = tracker.tracks
    n = len(open_slots) - 1
    rows = np.flatnonzero(trk.confirmed & may_engage)
    ent = trk.entity[rows]
    slot = np.where(ent >= 0, ent, n)
    ok = open_slots[slot]
    rows, slot = rows[ok], slot[ok]
    if len(rows) == 0:
        return rows
    order = np.lexsort((-trk.table.hits[rows], slot, trk.picture[rows]))
    rows, slot = rows[order], slot[order]
    pic = trk.picture[rows]
    first = np.ones(len(rows), dtype=bool)
    first[1:] = (pic[1:] != pic[:-1]) | (slot[1:] != slot[:-1])
    return np.asarray(rows[first], dtype=np.int64)


def lla_deg(pos_ecef_m: FloatArray) -> tuple[float, float, float]:
    """Latitude and longitude (degrees) and height (m) of one ECEF position (3,)."""
    lat, lon, alt = ecef_to_lla(pos_ecef_m)
    return float(np.degrees(lat)), float(np.degrees(lon)), float(alt)


def _class_index(truth: Truth) -> IntArray:
    return np.array([THREAT_CLASSES.index(c) for c in truth.cls], dtype=np.int64)
