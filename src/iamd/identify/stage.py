"""The identification stage of the engine: class and standard identity of every sensed track.

Each clock step the stage reads the sensed pictures' track table (`iamd.track.sensed`) and
keeps, per track, the window the classifier was trained on (:mod:`iamd.identify.features`):
the last :data:`~iamd.identify.features.WINDOW_SAMPLES` filter states, one every
:data:`~iamd.identify.features.WINDOW_STEP_S` (or every clock step when the step is longer),
and the position at which the track started. A track is known by its picture and
track number, which it keeps for life (through hand-overs), so the windows follow the tracks
whatever the table's row order.

For the confirmed tracks it then runs, all at once,

1. :func:`~iamd.identify.features.compute_features` on the windows, with the track's own
   cooperative and signature evidence: a transponder (ADS-B / Mode S) reply, or an allied
   IFF answer, on at least :data:`COOPERATIVE_SHARE` of its updates (one reply of a nearby
   aircraft associated with a drone's track by mistake must not make it a friend, while a
   real transponder answers ~97 % of the time), the altitude of the last reply, and the RCS
   averaged over its recent looks (`SensedTracks.rcs_m2`, from the echo power of each plot,
   :mod:`iamd.sense.signature`);
2. the shipped classifier (:func:`~iamd.identify.classifier.classify`, calibrated class
   probabilities): the *cue*;
3. the identification criteria of :mod:`iamd.identify.identity` against the scenario's
   airspace control measures (:class:`~iamd.identify.airspace.Airspace`), and the per-track
   hysteresis (:class:`~iamd.identify.identity.IdentityMemory`): ``hostile`` only on a
   sustained criterion a civil aircraft cannot meet.

Tentative tracks are ``pending``. A confirmed track without a plot for longer than
``IdentityRules.max_stale_s`` keeps the identity and probabilities it had: its state is an
extrapolation, not evidence; so does a track after such a gap until
``IdentityRules.reacquire_updates`` updates have followed it (the first plot in a grown gate
may be another object's). The evidence string of a track (the rule that fired, its values,
the cue's two most likely classes) is built only when its identity changes, which is what
the event log records. The stage never reads the truth.

>>> import numpy as np
>>> ident = TrackIdentifier()
>>> ident.window.shape
(0, 20, 6)
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np
import numpy.typing as npt

from iamd.geo.borders import country_at
from iamd.geo.wgs84 import ecef_to_lla
from iamd.identify.airspace import NO_AIRSPACE, Airspace
from iamd.identify.classifier import (
    CLASSES,
    IdentifyModel,
    classify,
    load_model,
    out_of_support,
)
from iamd.identify.features import (
    GEOMETRY_COLUMNS,
    WINDOW_SAMPLES,
    WINDOW_STEP_S,
    AirwayNetwork,
    TrackWindow,
    compute_features,
    default_airways,
    sample_geometry,
)
from iamd.identify.identity import (
    PENDING,
    IdentityMemory,
    IdentityRules,
    evidence_strings,
    judge,
)
from iamd.track.sensed import SensedTracks

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.int64]
BoolArray = npt.NDArray[np.bool_]
CodeArray = npt.NDArray[np.int8]
StrArray = npt.NDArray[np.str_]

_KEY_SHIFT = np.int64(1 << 32)
_UNKNOWN_ORIGIN = "?"
"""Origin country not looked up yet (``''`` is a real answer: over the sea)."""
COOPERATIVE_SHARE = 0.5
"""Share of a track's updates that must carry a reply for the track to count as replying."""


def _most(replies: IntArray, updates: IntArray) -> BoolArray:
    """(n,) at least :data:`COOPERATIVE_SHARE` of the updates carried a reply."""
    return np.asarray(replies >= COOPERATIVE_SHARE * updates)


@dataclass(frozen=True, slots=True, kw_only=True)
class IdentityStep:
    """Identities after one step, aligned with the rows of the track table it was given.

    Attributes:
        code: (n,) identity codes (indices into ``STANDARD_IDENTITIES``); tentative tracks
            are ``pending``.
        cls: (n,) index of the most likely class in ``CLASSES`` (-1: not classified).
        probabilities: (n, K) calibrated class probabilities (NaN: not classified).
        changed: (k,) rows of confirmed tracks whose identity changed this step (or that
            were classified for the first time).
        evidence: (k,) the evidence of those rows.
    """

    code: CodeArray
    cls: IntArray
    probabilities: FloatArray
    changed: IntArray
    evidence: StrArray


@dataclass(slots=True)
class TrackIdentifier:
    """Windows, classes and identities of the tracks of a sensed picture (see the module).

    Attributes:
        model: the classifier (default: the shipped model).
        rules: thresholds of the identity rules.
        airways: airports and airways for the airway and origin features (the engine's
            rules read neither distance, so the stage does not compute them).
        airspace: airspace control measures (friendly and hostile territory, launch areas,
            protected zones, corridors, defended assets, declarations).
        samples, every_s: the window's length and sample spacing.
        keys, window, geometry, t_window, valid, last_sample_s, first_pos, origin, prob,
            last_update_s, since_gap: per track, in the order of the last table given —
            its key (picture, number), its window of states (k, samples, 6) and their
            geodetic terms (k, samples, 9; :func:`~iamd.identify.features.sample_geometry`,
            computed once per sample), their times and validity, its first position, the
            country and the launch area under it (computed once), its identity and class
            probabilities, the time of its last update (-inf before the
            first), the updates since its last gap of more than ``rules.max_stale_s`` and its
            identity hysteresis (``memory``).
    """

    model: IdentifyModel = field(default_factory=load_model)
    rules: IdentityRules = field(default_factory=IdentityRules)
    airways: AirwayNetwork = field(default_factory=default_airways)
    airspace: Airspace = NO_AIRSPACE
    samples: int = WINDOW_SAMPLES
    every_s: float = WINDOW_STEP_S
    keys: IntArray = field(init=False)
    window: FloatArray = field(init=False)
    geometry: FloatArray = field(init=False)
    t_window: FloatArray = field(init=False)
    valid: BoolArray = field(init=False)
    last_sample_s: FloatArray = field(init=False)
    first_pos: FloatArray = field(init=False)
    origin: StrArray = field(init=False)
    launch: IntArray = field(init=False)
    prob: FloatArray = field(init=False)
    last_update_s: FloatArray = field(init=False)
    since_gap: IntArray = field(init=False)
    memory: IdentityMemory = field(init=False)

    def __post_init__(self) -> None:
        self.keys = np.zeros(0, dtype=np.int64)
        self.window = np.zeros((0, self.samples, 6))
        self.geometry = np.zeros((0, self.samples, len(GEOMETRY_COLUMNS)))
        self.t_window = np.zeros((0, self.samples))
        self.valid = np.zeros((0, self.samples), dtype=bool)
        self.last_sample_s = np.zeros(0)
        self.first_pos = np.zeros((0, 3))
        self.origin = np.zeros(0, dtype="<U3")
        self.launch = np.zeros(0, dtype=np.int64)
        self.prob = np.zeros((0, len(CLASSES)))
        self.last_update_s = np.zeros(0)
        self.since_gap = np.zeros(0, dtype=np.int64)
        self.memory = IdentityMemory.new(0)

    def update(self, t_s: float, tracks: SensedTracks) -> IdentityStep:
        """Fold the tracks' states at ``t_s`` into their windows and identify the confirmed
        ones."""
        self._follow(t_s, tracks)
        n = len(tracks)
        # sample the window
        due = ~(t_s - self.last_sample_s < self.every_s - 1e-6)
        if due.any():
            d = np.flatnonzero(due)
            self.window[d, :-1] = self.window[d, 1:]
            self.t_window[d, :-1] = self.t_window[d, 1:]
            self.valid[d, :-1] = self.valid[d, 1:]
            self.window[d, -1] = tracks.table.state[d]
            self.geometry[d, :-1] = self.geometry[d, 1:]
            self.geometry[d, -1] = sample_geometry(
                tracks.table.state[d, :3], tracks.table.state[d, 3:]
            )
            self.t_window[d, -1] = t_s
            self.valid[d, -1] = True
            self.last_sample_s[d] = t_s
        code = np.full(n, PENDING, dtype=np.int8)
        cls = np.full(n, -1, dtype=np.int64)
        prob = np.full((n, len(CLASSES)), np.nan)
        # updates since the last gap of more than max_stale_s without a plot
        upd_s = tracks.table.updated_s
        got = upd_s > self.last_update_s
        seen = np.isfinite(self.last_update_s)  # a new track has no gap behind it
        gap = got & seen & (upd_s - self.last_update_s > self.rules.max_stale_s)
        self.since_gap = np.where(gap, 1, self.since_gap + got)
        self.last_update_s = upd_s.copy()
        conf = np.flatnonzero(tracks.confirmed)
        # a confirmed track without a recent plot, or not yet re-established after such a
        # gap, keeps the identity it had (its state is an extrapolation, or rests on a plot
        # that may be another object's); the others are identified afresh
        stale = (t_s - upd_s[conf] > self.rules.max_stale_s) | (
            self.since_gap[conf] < self.rules.reacquire_updates
        )
        kept = conf[stale]
        code[kept] = self.memory.code[kept]
        prob[kept] = self.prob[kept]
        cls[kept] = np.where(
            np.isfinite(prob[kept, 0]), np.argmax(np.nan_to_num(prob[kept]), 1), -1
        )
        rows = conf[~stale]
        if len(rows) == 0:
            self.prob = prob
            return IdentityStep(code=code, cls=cls, probabilities=prob,
                                changed=rows, evidence=np.zeros(0, dtype=str))  # fmt: skip
        hits = np.maximum(tracks.table.hits[rows], 1)
        rcs = tracks.rcs_m2[rows]
        with np.errstate(divide="ignore", invalid="ignore"):
            rcs_db = np.where(rcs > 0.0, 10.0 * np.log10(rcs), np.nan)
        w = TrackWindow(
            t_s=self.t_window[rows],
            pos_ecef_m=self.window[rows, :, :3],
            vel_ecef_m_s=self.window[rows, :, 3:],
            valid=self.valid[rows],
            first_pos_ecef_m=self.first_pos[rows],
            age_s=t_s - tracks.table.born_s[rows],
            rcs_dbsm=rcs_db,
            rcs_looks=np.where(np.isfinite(rcs_db), tracks.rcs_looks[rows], np.nan),
            squawk=_most(tracks.squawk_updates[rows], hits),
            reported_alt_m=tracks.reported_alt_m[rows],
            iff=_most(tracks.iff_updates[rows], hits),
            geometry=self.geometry[rows],
        )
        todo = rows[self.origin[rows] == _UNKNOWN_ORIGIN]  # first confirmed: look it up once
        if len(todo):
            lat, lon, _ = ecef_to_lla(self.first_pos[todo])
            self.origin[todo] = np.atleast_1d(np.asarray(country_at(lat, lon))).astype(str)
            self.launch[todo] = self.airspace.launch_area_at(self.first_pos[todo])
        feats = compute_features(w, self.airways, self.origin[rows], map_distances=False)
        x = feats.matrix()  # the classifier's input, read twice
        p = classify(x, self.model)
        state = tracks.table.state[rows]
        ev = judge(
            feats,
            p,
            pos_ecef_m=state[:, :3],
            vel_ecef_m_s=state[:, 3:],
            launch_area=self.launch[rows],
            updates=tracks.table.hits[rows],
            t_s=t_s,
            covar=tracks.table.covar[rows],
            out_of_support=out_of_support(x, self.model),
            airspace=self.airspace,
            rules=self.rules,
        )
        switched, _ = self.memory.step(rows, t_s, ev, self.rules)
        code[rows] = self.memory.code[rows]
        cls[rows] = p.argmax(axis=1)
        prob[rows] = p
        ch = np.flatnonzero(switched)
        changed = rows[ch]
        evidence = evidence_strings(
            self.memory.code[changed], self.memory.rule[changed], ev.take(ch), self.rules
        )
        self.prob = prob
        return IdentityStep(
            code=code, cls=cls, probabilities=prob, changed=changed, evidence=evidence
        )

    def declare(self, picture: int, number: int, code: int) -> bool:
        """A declaration of the identification authority for one track (``code``: an index
        into :data:`~iamd.identify.airspace.DECLARABLE`), after a visual identification say:
        it holds for the track's life from its next update (rule ``D``). False if the track
        is not held."""
        key = np.int64(picture) * _KEY_SHIFT + np.int64(number)
        row = np.flatnonzero(self.keys == key)
        if len(row) == 0:
            return False
        self.memory.latched[row[0]] = int(code)
        return True

    def _follow(self, t_s: float, tracks: SensedTracks) -> None:
        """Reorder the per-track state to the rows of ``tracks``: known tracks keep theirs,
        new ones start empty at their current position; tracks gone are forgotten."""
        cur = tracks.picture.astype(np.int64) * _KEY_SHIFT + tracks.number.astype(np.int64)
        n = len(cur)
        src = np.full(n, -1, dtype=np.int64)
        if len(self.keys) and n:
            order = np.argsort(self.keys, kind="stable")
            pos = np.minimum(np.searchsorted(self.keys[order], cur), len(order) - 1)
            hit = self.keys[order][pos] == cur
            src[hit] = order[pos[hit]]
        old = src >= 0
        s = np.where(old, src, 0)

        def gather(a: Any, fresh: object) -> Any:
            out = a[s] if len(a) else np.zeros((n, *a.shape[1:]), dtype=a.dtype)
            out[~old] = fresh
            return out

        self.window = gather(self.window, 0.0)
        self.geometry = gather(self.geometry, 0.0)
        self.t_window = gather(self.t_window, np.nan)
        self.valid = gather(self.valid, False)
        self.last_sample_s = gather(self.last_sample_s, -np.inf)
        self.prob = gather(self.prob, np.nan)
        self.last_update_s = gather(self.last_update_s, -np.inf)
        self.since_gap = gather(self.since_gap, np.iinfo(np.int64).max // 2)
        fresh = IdentityMemory.new(1)
        mem = IdentityMemory(
            **{k: gather(getattr(self.memory, k), getattr(fresh, k)[0])
               for k in IdentityMemory.__dataclass_fields__}
        )  # fmt: skip
        self.memory = mem
        first = gather(self.first_pos, 0.0)
        origin = gather(self.origin, _UNKNOWN_ORIGIN)
        self.launch = gather(self.launch, -1)
        new = np.flatnonzero(~old)
        first[new] = tracks.table.state[new, :3]
        self.first_pos = first
        self.origin = origin
        self.keys = cur
