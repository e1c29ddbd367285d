"""Visual identification by patrols: the identification authority's declaration after a look.

What it models
--------------
A radar track shows how an object moves, never what it is. When the criteria leave a track
``suspect`` (a silent, slow aircraft first seen over friendly land and heading for a defended
asset; a drone launched inside the country), air policing sends an interceptor to look: the
pilots close in, identify the aircraft by eye and report, and the identification authority
declares the track (a civil aircraft, a friendly aircraft, a threat). This is how a hostile
identity is declared on aircraft that no other criterion settles (HPCR Manual on
International Law Applicable to Air and Missile Warfare, 2009, Rule 40 and its commentary;
NATO air policing); in September 2025 a Shahed-class drone crossed Romania under the watch of
F-16s for ~50 minutes.

Each clock step of the sensed picture (`iamd.sim.pictures.SensedAirPicture`):

1. **Looks due.** A patrol tasked ``flight + look_s`` ago looks near the track's current
   position: the nearest object flying within ``search_radius_m`` of it (its own radar under
   the controller's vectors finds it; the patrol's own aircraft excepted) is what the pilots
   identify. A civil aircraft (class ``airliner``: airliners, light aircraft, gliders,
   helicopters, aerial work) is declared ``neutral``; a fighter of a friendly nation
   ``friend``; a threat (drone, cruise missile, ballistic missile) ``hostile``. Nothing there,
   or a track that has been dropped: no declaration. The declaration holds for the track's life
   (`iamd.identify.stage.TrackIdentifier.declare`, from the track's next update: rule ``D``,
   which no criterion overrides). The patrol flies back, as long as it flew out, and is
   free again.
2. **Taskings.** The confirmed tracks shown with one of ``visual.identities`` (default
   ``suspect`` then ``unknown``: an air policing scramble goes to unknown tracks too) that no
   patrol has been tasked to yet are taken in order of urgency: the soonest time to go to a
   defended asset the track closes on (heading within ``arccos(closing_share)`` of it, as
   criterion H4 reads closing; tracks closing on none last), then that order of identities,
   then track order. Each goes to the free patrol of its picture (a patrol serves the
   picture its nation sees) with the shortest intercept, if that is at most
   ``max_flight_s``; with no free patrol able to, to a patrol still flying out to a track far
   less urgent (:data:`RETASK_FACTOR`: less than half its time to go, any against a track
   closing on none), which is re-tasked (that track is offered again later).
3. **Intercept.** A lead (collision-course) intercept at ``dash_speed_m_s`` on the track's
   estimated state: the smallest τ > 0 with ``|d + v τ| = s τ`` (d the track's position
   relative to the patrol's leader, v the track's velocity, s the dash speed; straight
   lines in ECEF, which over 400 km differ from the great circle by < 0.1 %). A track as
   fast as the patrol or faster cannot be caught and is not tasked.

What it leaves out: the patrol's truth trajectory keeps its orbit (the world is computed
before the run), so while tasked it is away in time, not in space; no turn, climb or fuel
model beyond ``max_flight_s``; a look always succeeds when an object is within the search
radius (day, good weather).

The truth enters here as the pilots' eyes only: which object is near the track, and what it
is. The identification stage itself never reads it.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np
import numpy.typing as npt

from iamd.identify.airspace import DECLARABLE
from iamd.scenario.catalog import HOSTILE_CLASSES, ThreatClass
from iamd.scenario.schema import VisualIdentification
from iamd.sim.events import EventLog
from iamd.track.picture import PictureLayout
from iamd.world.truth import Truth

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.int64]
BoolArray = npt.NDArray[np.bool_]

RETASK_FACTOR = 0.5
"""A patrol flying out is re-tasked to a track whose time to go is less than this share of
that of the track it flies to (a margin: two tracks of about the same urgency never take the
patrol from each other step after step)."""


def lead_intercept_s(rel_pos_m: FloatArray, vel_m_s: FloatArray, speed_m_s: float) -> FloatArray:
    """Time (n,) of a lead intercept at ``speed_m_s`` of targets at ``rel_pos_m`` (n, 3) from
    the interceptor, flying straight at ``vel_m_s`` (n, 3): the smallest τ > 0 with
    ``|d + v τ| = s τ`` (inf where the target is as fast as the interceptor or faster).

    >>> d = np.array([[30e3, 0.0, 0.0], [30e3, 0.0, 0.0], [30e3, 0.0, 0.0]])
    >>> v = np.array([[0.0, 0.0, 0.0], [-100.0, 0.0, 0.0], [300.0, 0.0, 0.0]])
    >>> lead_intercept_s(d, v, 300.0).round(1).tolist()  # still, head-on, as fast
    [100.0, 75.0, inf]
    """
    d = np.asarray(rel_pos_m, dtype=np.float64).reshape(-1, 3)
    v = np.asarray(vel_m_s, dtype=np.float64).reshape(-1, 3)
    a = (v * v).sum(axis=1) - speed_m_s * speed_m_s  # < 0: the interceptor is faster
    b = (d * v).sum(axis=1)
    c = (d * d).sum(axis=1)
    ok = a < 0.0
    with np.errstate(invalid="ignore", divide="ignore"):
        # a τ² + 2 b τ + c = 0 with a < 0 and c ≥ 0: one root ≥ 0, (-b - √(b² - a c)) / a
        tau = (-b - np.sqrt(np.maximum(b * b - a * c, 0.0))) / a
    return np.where(ok, np.maximum(tau, 0.0), np.inf)


def declaration_of(cls: str, nation: str, friendly: Sequence[str]) -> int:
    """What the identification authority declares of an object seen by the pilots (an index
    into ``DECLARABLE``; -1: nothing to declare, a fighter of no friendly nation).

    >>> [DECLARABLE[declaration_of(c, n, ["BGR"])] for c, n in
    ...  [("drone", ""), ("airliner", ""), ("fighter", "BGR")]]
    ['hostile', 'neutral', 'friend']
    """
    if cls in HOSTILE_CLASSES:  # drones and missiles
        return DECLARABLE.index("hostile")
    if cls == ThreatClass.AIRLINER:  # every civil aircraft: airliners, light aircraft, ...
        return DECLARABLE.index("neutral")
    if cls == ThreatClass.FIGHTER and nation in friendly:
        return DECLARABLE.index("friend")
    return -1


def _urgent(time_to_go_s: FloatArray, out_time_to_go_s: FloatArray) -> BoolArray:
    """(n, P) whether each of n tracks of time to go ``time_to_go_s`` (n,) is far more urgent
    than the track each of P patrols flies out to, of ``out_time_to_go_s`` (P,; NaN: none):
    less than :data:`RETASK_FACTOR` of its time to go (any time to go, against a track closing
    on no asset). The identity alone never re-tasks a patrol: a track's identity may go back
    and forth between suspect and unknown.

    >>> _urgent(np.array([100.0, 600.0]), np.array([1200.0, np.inf, np.nan])).tolist()
    [[True, True, False], [False, True, False]]
    """
    return time_to_go_s[:, None] < RETASK_FACTOR * out_time_to_go_s[None, :]


@dataclass(frozen=True, slots=True)
class VidTask:
    """One patrol tasked to one track (picture, number): tasked at ``t_task_s``, looks at
    ``t_look_s``, free again at ``t_free_s``; the track's priority when tasked (``rank``
    of its identity, ``time_to_go_s`` to the defended asset it closes on)."""

    patrol: int
    picture: int
    number: int
    t_task_s: float
    t_look_s: float
    t_free_s: float
    rank: int = 0
    time_to_go_s: float = float("inf")


@dataclass(frozen=True, slots=True)
class Declaration:
    """A track to declare (index into ``DECLARABLE``) after a look."""

    picture: int
    number: int
    code: int


@dataclass(slots=True)
class VisualIdentifier:
    """The patrols, their taskings and the tracks they have been sent to (see the module).

    Attributes:
        settings: the scenario's ``identification.visual``.
        names: (P,) patrol ids; members: the truth rows of each patrol's aircraft.
        picture_of: (P,) the picture each patrol serves (-1: none).
        friendly: friendly nations (their fighters are declared ``friend``).
        free_at_s: (P,) when each patrol is free again.
        tasks: the taskings under way, in the order given.
        tasked: the tracks (picture, number) a patrol has been sent to (each once).
    """

    settings: VisualIdentification
    names: tuple[str, ...]
    members: tuple[IntArray, ...]
    picture_of: IntArray
    friendly: tuple[str, ...]
    free_at_s: FloatArray = field(init=False)
    tasks: list[VidTask] = field(init=False, default_factory=list)
    tasked: set[tuple[int, int]] = field(init=False, default_factory=set)

    def __post_init__(self) -> None:
        self.free_at_s = np.full(len(self.names), -np.inf)

    @classmethod
    def build(
        cls,
        settings: VisualIdentification,
        truth: Truth,
        patrols: Sequence[tuple[str, str]],
        layout: PictureLayout,
        friendly: Sequence[str],
    ) -> VisualIdentifier:
        """The identifier of ``patrols`` ((id, nation) pairs, the scenario's), whose
        aircraft are the truth's objects of that group."""
        names = tuple(p for p, _ in patrols)
        members = tuple(np.flatnonzero(truth.group == p).astype(np.int64) for p in names)
        picture_of = np.array([layout.of_nation.get(n, -1) for _, n in patrols], dtype=np.int64)
        return cls(settings=settings, names=names, members=members, picture_of=picture_of,
                   friendly=tuple(friendly))  # fmt: skip

    def __repr__(self) -> str:
        busy = len(self.tasks)
        return (f"VisualIdentifier(patrols={len(self.names)}, under_way={busy}, "
                f"tasked={len(self.tasked)})")  # fmt: skip

    def step(
        self,
        t_s: float,
        truth_pos_ecef_m: FloatArray,
        flying: BoolArray,
        truth: Truth,
        track_key: tuple[IntArray, IntArray],
        track_state: FloatArray,
        rank: IntArray,
        log: EventLog,
        picture_names: Sequence[str],
        time_to_go: FloatArray | None = None,
    ) -> list[Declaration]:
        """One clock step: the looks due at ``t_s`` (their declarations are returned), then
        new taskings.

        Args:
            t_s: the time of the step (s).
            truth_pos_ecef_m: (N, 3) every object's position; flying: (N,) present and alive.
            truth: the objects' classes and nations (what the pilots see).
            track_key: (picture, number) (M,) of the confirmed tracks; track_state: (M, 6)
                their states; rank: (M,) the place of each track's identity in
                ``settings.identities`` (the tasking priority; -1: not tasked).
            log: the event log (``vid_task`` and ``vid`` events).
            picture_names: picture names, for the log.
            time_to_go: (M,) each track's time to the defended asset it closes on (inf:
                none; default none): the first key of the tasking priority.
        """
        if not self.settings.enabled or len(self.names) == 0:
            return []
        pic, num = track_key
        out: list[Declaration] = []
        keep: list[VidTask] = []
        for task in self.tasks:  # a loop over the taskings under way (a handful)
            if task.t_look_s > t_s:
                keep.append(task)
                continue
            out.extend(self._look(task, t_s, truth_pos_ecef_m, flying, truth, pic, num,
                                  track_state, log, picture_names))  # fmt: skip
        self.tasks = keep
        ttg = np.full(len(pic), np.inf) if time_to_go is None else np.asarray(time_to_go)
        self._task(t_s, truth_pos_ecef_m, flying, pic, num, track_state, rank, ttg, log,
                   picture_names)  # fmt: skip
        return out

    def _look(
        self,
        task: VidTask,
        t_s: float,
        truth_pos: FloatArray,
        flying: BoolArray,
        truth: Truth,
        pic: IntArray,
        num: IntArray,
        state: FloatArray,
        log: EventLog,
        picture_names: Sequence[str],
    ) -> list[Declaration]:
        patrol = self.names[task.patrol]
        track = f"{picture_names[task.picture]} track {task.number}"
        row = np.flatnonzero((pic == task.picture) & (num == task.number))
        if len(row) == 0:
            log.append(t_s, "vid", unit=patrol, picture=picture_names[task.picture],
                       detail=f"{patrol}: {track} no longer held, no contact")  # fmt: skip
            return []
        p = state[row[0], :3]
        cand = flying.copy()
        cand[self.members[task.patrol]] = False
        idx = np.flatnonzero(cand)
        dist = np.linalg.norm(truth_pos[idx] - p, axis=1) if len(idx) else np.zeros(0)
        near = dist <= self.settings.search_radius_m
        if not near.any():
            log.append(t_s, "vid", unit=patrol, picture=picture_names[task.picture],
                       detail=f"{patrol}: {track}, nothing within "
                       f"{self.settings.search_radius_m / 1e3:g} km")  # fmt: skip
            return []
        j = int(idx[near][np.argmin(dist[near])])
        cls, nation = str(truth.cls[j]), str(truth.nation[j])
        code = declaration_of(cls, nation, self.friendly)
        word = DECLARABLE[code] if code >= 0 else "no declaration"
        log.append(t_s, "vid", entity=truth.ids[j], unit=patrol,
                   picture=picture_names[task.picture], value=float(dist[near].min()),
                   detail=f"{patrol}: {track} identified by eye as {truth.type[j]} "
                   f"({cls}): {word}")  # fmt: skip
        return [] if code < 0 else [Declaration(task.picture, task.number, code)]

    def _task(
        self,
        t_s: float,
        truth_pos: FloatArray,
        flying: BoolArray,
        pic: IntArray,
        num: IntArray,
        state: FloatArray,
        rank: IntArray,
        time_to_go: FloatArray,
        log: EventLog,
        picture_names: Sequence[str],
    ) -> None:
        """The step's taskings (module, step 2), batched: the intercepts of every untasked
        track from every patrol in one call, then the greedy assignment in order of urgency
        as a loop over the taskings made (about one per patrol), not over the tracks: the
        tracks no patrol can take before the next tasking are passed over together."""
        s = self.settings
        rows = np.flatnonzero(rank >= 0)
        rows = rows[~_among(pic[rows], num[rows], self.tasked)]
        if len(rows) == 0:
            return
        # the order of urgency: time to go, identity rank, then track order (stable)
        rows = rows[np.lexsort((num[rows], pic[rows], rank[rows], time_to_go[rows]))]
        ttg = np.asarray(time_to_go[rows], dtype=np.float64)
        # (n, P) lead intercepts from each patrol's leader (its first aircraft flying)
        n, n_patrols = len(rows), len(self.names)
        able = np.array([flying[m].any() for m in self.members], dtype=bool)
        lead = np.array([m[flying[m]][0] for m, a in zip(self.members, able, strict=True) if a],
                        dtype=np.int64)  # fmt: skip
        tau = np.full((n, n_patrols), np.inf)
        rel = state[rows, None, :3] - truth_pos[lead][None, :, :]
        vel = np.broadcast_to(state[rows, None, 3:], rel.shape)
        tau[:, able] = lead_intercept_s(rel.reshape(-1, 3), vel.reshape(-1, 3),
                                        s.dash_speed_m_s).reshape(n, len(lead))  # fmt: skip
        reach = (pic[rows, None] == self.picture_of[None, :]) & able & (tau <= s.max_flight_s)
        # the tasking each patrol flies out to (at most one: a patrol flying out is not free
        # and is re-tasked only by removing it) and that track's time to go (NaN: none)
        out: list[VidTask | None] = [None] * n_patrols
        for task in self.tasks:  # a loop over the taskings under way (a handful)
            if task.t_look_s - s.look_s > t_s:
                out[task.patrol] = task
        out_ttg = np.array([np.nan if t is None else t.time_to_go_s for t in out])
        i = 0
        while i < n:  # a loop over the taskings made, not over the tracks
            # the next track with a free patrol, or one flying out to a far less urgent
            # track, able to make it
            retask = _urgent(ttg[i:], out_ttg)
            fit = reach[i:] & ((self.free_at_s <= t_s)[None, :] | retask)
            hit = np.flatnonzero(fit.any(axis=1))
            if len(hit) == 0:
                return
            k = int(hit[0])  # row k of the masks, track i of the order
            i += k
            # a free patrol if one can make it, else the one re-tasked soonest there; the
            # shortest intercept, the first patrol on a tie (every τ in the pool is finite)
            pool = fit[k] & ~retask[k]
            if not pool.any():
                pool = fit[k]
            q = int(np.argmin(np.where(pool, tau[i], np.inf)))
            r, flight = int(rows[i]), float(tau[i, q])
            what = ""
            old = out[q] if retask[k, q] else None
            if old is not None:
                self.tasks.remove(old)
                self.tasked.discard((old.picture, old.number))
                what = f" (re-tasked from {picture_names[old.picture]} track {old.number})"
            look = t_s + flight + s.look_s
            task = VidTask(patrol=q, picture=int(pic[r]), number=int(num[r]), t_task_s=t_s,
                           t_look_s=look, t_free_s=look + flight,
                           time_to_go_s=float(ttg[i]), rank=int(rank[r]))  # fmt: skip
            self.tasks.append(task)
            self.tasked.add((task.picture, task.number))
            self.free_at_s[q] = task.t_free_s
            if look - s.look_s > t_s:
                out[q], out_ttg[q] = task, task.time_to_go_s
            elif old is not None:
                out[q], out_ttg[q] = None, np.nan
            log.append(t_s, "vid_task", unit=self.names[q], picture=picture_names[task.picture],
                       value=flight,
                       detail=f"{self.names[q]} tasked to identify {picture_names[task.picture]}"
                       f" track {task.number}: intercept in {flight:.0f} s{what}")  # fmt: skip
            i += 1


def _among(pic: IntArray, num: IntArray, keys: set[tuple[int, int]]) -> BoolArray:
    """(n,) whether each track (``pic``, ``num``) (n,) is one of ``keys`` (the set's order
    does not matter: a membership test).

    >>> _among(np.array([0, 0, 1]), np.array([1, 2, 1]), {(0, 2), (1, 5)}).tolist()
    [False, True, False]
    """
    if len(pic) == 0 or not keys:
        return np.zeros(len(pic), dtype=bool)
    held = np.array(list(keys), dtype=np.int64).reshape(-1, 2)
    pairs = np.column_stack([pic, num]).astype(np.int64)
    _, inv = np.unique(np.concatenate([pairs, held]), axis=0, return_inverse=True)
    inv = inv.ravel()
    return np.isin(inv[: len(pairs)], inv[len(pairs) :])
