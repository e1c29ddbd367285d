"""The federated air picture of one node: its own tracks and its partners', Link 16-style.

Each node publishes only tracks of its **own** sensors (its tracker's estimates, never a
fused one), so no information comes back to its source through a partner (no data incest);
a node fuses a partner's track with its own by **covariance intersection**, which is
consistent whatever the unknown correlation between the two (Julier & Uhlmann, "A
non-divergent estimation algorithm in the presence of unknown correlations", ACC 1997):

    P⁻¹ = ω P₁⁻¹ + (1 − ω) P₂⁻¹,   x = P (ω P₁⁻¹ x₁ + (1 − ω) P₂⁻¹ x₂),

with the fast weight ω = tr(P₁⁻¹) / (tr(P₁⁻¹) + tr(P₂⁻¹)) (Niehsen, "Information fusion
based on fast covariance intersection filtering", FUSION 2002); CI is consistent for any
ω ∈ [0, 1], and this one costs three batched 6 × 6 inversions per track.

The Link 16 semantics (MIL-STD-6016 / STANAG 5516 surveillance, as published in open
descriptions; the bits are not public):

- **Track numbers** come from the node's block (`iamd.federation.blocks`); a track keeps its
  number when another nation takes over its reporting.
- **Track-to-track association**: a partner's track (predicted to the node's time with a
  constant-velocity model) and a local track are the same object when the χ² of their
  position difference with the summed covariance is inside the gate (3 degrees of freedom,
  probability :attr:`PictureParams.gate_prob`, Bar-Shalom, Willett & Tian, *Tracking and
  Data Fusion*, 2011, §8.2); a k-d tree keeps the pairs near, ``linear_sum_assignment``
  chooses one-to-one for each partner, preferring the pair that already shares a number.
- **Reporting responsibility (R2)**: exactly one nation reports (publishes) a track. A node
  that holds a track nobody reports reports it; a node that holds a track reported by a
  partner takes R2 over when its track quality is better by :attr:`PictureParams.takeover_tq`
  (2 by the Link 16 rule); when two nations report the same number, the better track quality
  keeps it (ties: the nation first in the roster) and the other stops, so after one
  exchange one reporter remains. Each side compares the qualities both have *published*
  (its own last batch's, not its track's of the moment), so both resolve the dual report
  alike even when a quality moves between a batch and the decision (two reporters meet
  when a partition heals). A partner whose liveliness token disappears or whose last
  batch is older than :attr:`PictureParams.lease_s` is lost; its tracks no longer count for
  numbers and R2, and the nodes that hold them take reporting over at their next update
  (meanwhile, for a lease at most, its tracks coast in the pictures of the others).
- **Dual designations**: a local track reported under its own number that associates with
  a partner's track under another number is correlated: both keep the lower number.
- **Identity conflicts**: when the local and the partner's STANAG 1241 identities are both
  decided (not pending or unknown) and differ, an ``identity_conflict`` event is logged and
  the conflict is kept with both identities; the picture shows the reporter's identity and
  flags the track — no identity is silently overwritten.

Track quality (0–15) is a position-accuracy bin: 15 at an RMS position error of 30 m or less,
one step down for each factor √2 (`track_quality`). The open literature describes the
6016 quality as such a bin without the exact table; this scale is a stated approximation.

>>> import numpy as np
>>> track_quality(np.stack([np.eye(6) * 100.0, np.eye(6) * 1e6])).tolist()
[15, 4]
"""

from __future__ import annotations

import itertools
from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np
import numpy.typing as npt
from scipy.optimize import linear_sum_assignment
from scipy.spatial import cKDTree
from scipy.special import gammaincinv

from iamd.federation.blocks import NumberSource, TrackBlock
from iamd.federation.messages import (
    FLAG_CONFLICT,
    FLAG_REPORTING,
    covar_to_lt,
    lt_to_covar,
    track_records,
)
from iamd.identify.truth_identity import STANDARD_IDENTITIES

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.int64]
BoolArray = npt.NDArray[np.bool_]

_EVENT_SEQ = itertools.count()
"""Sequence numbers of the events the process logs (`FederationEvent.seq`)."""
_UNDECIDED = (STANDARD_IDENTITIES.index("pending"), STANDARD_IDENTITIES.index("unknown"))
_BIG = 1e9


@dataclass(frozen=True, slots=True, kw_only=True)
class PictureParams:
    """Parameters of a `FederatedPicture`.

    Attributes:
        gate_prob: probability of the χ² association gate (3 degrees of freedom).
        takeover_tq: track-quality margin for taking reporting responsibility over.
        lease_s: a partner not heard from for longer is lost (s).
        q_m2_s3: white-acceleration spectral density of the prediction of a partner's track
            to the node's time (m²/s³).
        search_m: k-d tree radius within which pairs are tested (m).
    """

    gate_prob: float = 0.9999
    takeover_tq: int = 2
    lease_s: float = 3.0
    q_m2_s3: float = 10.0
    search_m: float = 20_000.0


@dataclass(frozen=True, slots=True, kw_only=True)
class LocalTracks:
    """A node's own confirmed tracks at one time, n rows.

    Attributes:
        local_id: (n,) the node's tracker's track numbers.
        state: (n, 6) ECEF position and velocity (m, m/s); covar: (n, 6, 6).
        identity: (n,) STANDARD_IDENTITIES index; cls: (n,) class cue (-1: none).
        releasable: (n,) marking (bit per roster nation).
        plot_wall_ns: (n,) wall time of the plot feed that last updated the track.
    """

    local_id: IntArray
    state: FloatArray
    covar: FloatArray
    identity: IntArray
    cls: IntArray
    releasable: npt.NDArray[np.uint64]
    plot_wall_ns: npt.NDArray[np.uint64]

    def __len__(self) -> int:
        return len(self.local_id)

    @classmethod
    def empty(cls) -> LocalTracks:
        """No tracks."""
        i = np.zeros(0, dtype=np.int64)
        u = np.zeros(0, dtype=np.uint64)
        return cls(
            local_id=i,
            state=np.zeros((0, 6)),
            covar=np.zeros((0, 6, 6)),
            identity=i,
            cls=i,
            releasable=u,
            plot_wall_ns=u,
        )


@dataclass(frozen=True, slots=True, kw_only=True)
class FederatedTracks:
    """The federated picture at one time, k rows (one per track number).

    Attributes:
        number: (k,) track number; reporter: (k,) roster index of the nation with R2.
        state, covar: (k, 6), (k, 6, 6) the fused estimate.
        quality: (k,) the reporter's track quality; identity, cls: (k,) the reporter's.
        local: (k,) the node holds the track with its own sensors.
        conflict: (k,) an identity conflict is open on the track.
        plot_wall_ns: (k,) wall time of the newest plot behind the estimate.
    """

    number: IntArray
    reporter: IntArray
    state: FloatArray
    covar: FloatArray
    quality: IntArray
    identity: IntArray
    cls: IntArray
    local: BoolArray
    conflict: BoolArray
    plot_wall_ns: npt.NDArray[np.uint64]

    def __len__(self) -> int:
        return len(self.number)


@dataclass(frozen=True, slots=True, kw_only=True)
class FederationEvent:
    """One entry of a node's event log (kinds: ``session_open``, ``originate``, ``r2_takeover``,
    ``r2_transfer``, ``r2_relinquish``, ``correlate``, ``decorrelate``,
    ``identity_conflict``, ``peer_lost``, ``peer_joined``, ``engage``, ``engage_conflict``,
    ``handover``, ``malformed``; the node's weapon decisions: ``tewa_engage``,
    ``tewa_refused``, ``tewa_end``).

    Attributes:
        t_s: scenario time (s), for every kind: a step's events carry the step's time; those
            between steps (a partner joined or lost, a session opened, a malformed payload)
            the time of the node's last step.
        kind, number, detail: what happened, to which track number (0: none), in words.
        monotonic_s: for the events the link drives rather than the scenario
            (``session_open``, ``peer_joined``, ``peer_lost``), the node's monotonic clock
            (``time.monotonic()``, s) when it happened, on which the link's own timing
            (a late joiner's convergence, a takeover after a loss) is measured; None for
            the others.
        seq: the order in which the process logged the event, across the picture's, the
            engagement board's and the TEWA's logs (events of one ``t_s`` keep it); not
            compared.
    """

    t_s: float
    kind: str
    number: int
    detail: str
    monotonic_s: float | None = None
    seq: int = field(default_factory=lambda: next(_EVENT_SEQ), compare=False)


@dataclass(slots=True)
class _Peer:
    records: npt.NDArray[np.void]
    heard_s: float
    alive: bool = True
    lost_s: float = float("inf")


def track_quality(covar: FloatArray) -> IntArray:
    """(n,) Link 16-style track quality 0–15 of (n, 6, 6) covariances: 15 at an RMS position
    error ≤ 30 m, one less per factor √2 (see the module docstring)."""
    rms = np.sqrt(np.maximum(np.trace(covar[:, :3, :3], axis1=1, axis2=2), 1e-12))
    tq = 15 - np.floor(2.0 * np.log2(np.maximum(rms / 30.0, 1.0)))
    return np.clip(tq, 0, 15).astype(np.int64)


def predict_cv(
    state: FloatArray, covar: FloatArray, dt_s: FloatArray, q_m2_s3: float
) -> tuple[FloatArray, FloatArray]:
    """Constant-velocity prediction of (n, 6) states and (n, 6, 6) covariances by (n,) steps
    (Bar-Shalom et al., *Estimation with Applications to Tracking*, §6.2.2)."""
    n = len(state)
    f = np.tile(np.eye(6), (n, 1, 1))
    f[:, 0, 3] = f[:, 1, 4] = f[:, 2, 5] = dt_s
    x = np.einsum("nij,nj->ni", f, state)
    t = np.abs(dt_s)
    q = np.zeros((n, 6, 6))
    for a in range(3):
        q[:, a, a] = t**3 / 3.0
        q[:, a, a + 3] = q[:, a + 3, a] = t**2 / 2.0
        q[:, a + 3, a + 3] = t
    p = np.einsum("nij,njk,nlk->nil", f, covar, f) + q_m2_s3 * q
    return x, p


def covariance_intersection(
    x1: FloatArray, p1: FloatArray, x2: FloatArray, p2: FloatArray
) -> tuple[FloatArray, FloatArray]:
    """Covariance intersection of (n, 6) estimates with the fast weight of Niehsen (2002)
    (see the module docstring).

    >>> import numpy as np
    >>> x, p = covariance_intersection(np.zeros((1, 6)), np.eye(6)[None] * 4.0,
    ...                                np.ones((1, 6)), np.eye(6)[None] * 4.0)
    >>> np.round(x[0, 0], 3), np.round(p[0, 0, 0], 3)    # equal inputs: ω = 1/2
    (np.float64(0.5), np.float64(4.0))
    """
    if len(x1) == 0:
        return x1.copy(), p1.copy()
    i1, i2 = np.linalg.inv(p1), np.linalg.inv(p2)
    t1 = np.trace(i1, axis1=1, axis2=2)
    t2 = np.trace(i2, axis1=1, axis2=2)
    om = (t1 / (t1 + t2))[:, None]
    p = np.linalg.inv(om[:, :, None] * i1 + (1.0 - om[:, :, None]) * i2)
    y = om * np.einsum("nij,nj->ni", i1, x1) + (1.0 - om) * np.einsum("nij,nj->ni", i2, x2)
    x = np.einsum("nij,nj->ni", p, y)
    return x, 0.5 * (p + np.transpose(p, (0, 2, 1)))


@dataclass(slots=True)
class FederatedPicture:
    """One node's federated picture (see the module docstring).

    Attributes:
        nation: the node's nation; roster: the federation's nations, sorted.
        block: the node's track-number block; params: the parameters.
        events: the append-only event log.
        t_s: the scenario time of the last `step` (s; 0 before the first), which the
            events between steps carry.
        conflicts: track number -> (own identity, partner's identity, partner) of open
            identity conflicts.
        picture: the last `step`'s result.
    """

    nation: str
    roster: tuple[str, ...]
    block: TrackBlock
    params: PictureParams = field(default_factory=PictureParams)
    events: list[FederationEvent] = field(default_factory=list)
    conflicts: dict[int, tuple[int, int, str]] = field(default_factory=dict)
    picture: FederatedTracks | None = None
    malformed: int = 0
    t_s: float = 0.0
    _numbers: NumberSource = field(init=False)
    _me: int = field(init=False)
    _tn_of_local: dict[int, int] = field(default_factory=dict)
    _reporting: dict[int, bool] = field(default_factory=dict)
    _taken_from: dict[int, tuple[int, float]] = field(default_factory=dict)
    """(the partner's roster index, t_s) of each number this node took over by quality."""
    _published_q: dict[int, int] = field(default_factory=dict)
    """The track quality of each number in the node's last batch."""
    _peers: dict[int, _Peer] = field(default_factory=dict)
    _publish: npt.NDArray[np.void] = field(default_factory=lambda: track_records(0))
    _gate: float = field(init=False)

    def __post_init__(self) -> None:
        self._numbers = NumberSource(self.block)
        self._me = self.roster.index(self.nation)
        self._gate = float(2.0 * gammaincinv(1.5, self.params.gate_prob))  # χ²(3) quantile

    # ------------------------------------------------------------------ inputs

    def receive(self, sender: str, records: npt.NDArray[np.void], now_s: float) -> None:
        """A partner's batch of tracks received at ``now_s`` on the node's monotonic clock
        (it replaces the partner's previous batch: a batch holds every track the partner
        reports). A partner new or back is a ``peer_joined`` event at the picture's time."""
        k = self.roster.index(sender)
        if k not in self._peers or not self._peers[k].alive:
            self._event(self.t_s, "peer_joined", 0, sender, monotonic_s=now_s)
        self._peers[k] = _Peer(records=records, heard_s=now_s)

    def peer_lost(self, sender: str, now_s: float) -> None:
        """A partner's liveliness token disappeared at ``now_s`` (the node's monotonic clock):
        its tracks no longer count for numbers and R2 (they are taken over), and coast in the
        picture for one lease at most while no one else reports them. A ``peer_lost`` event
        at the picture's time."""
        k = self.roster.index(sender)
        if k in self._peers and self._peers[k].alive:
            self._peers[k].alive = False
            self._peers[k].lost_s = now_s
            self._event(self.t_s, "peer_lost", 0, sender, monotonic_s=now_s)

    def live_peers(self, now_s: float) -> list[str]:
        """The partners heard from within the lease whose token is present."""
        return [self.roster[k] for k in sorted(self._peers) if self._live(k, now_s)]

    def reporting(self) -> IntArray:
        """Track numbers the node reports (holds R2 for), sorted."""
        return np.array(sorted(tn for tn, r in self._reporting.items() if r), dtype=np.int64)

    def outgoing(self) -> npt.NDArray[np.void]:
        """The records of the tracks the node reports (its own sensors' estimates)."""
        return self._publish

    # ------------------------------------------------------------------ the step

    def step(self, t_s: float, local: LocalTracks, now_s: float) -> FederatedTracks:
        """Fold the node's own tracks at ``t_s`` with its partners' latest batches; update
        numbers, R2 and conflicts; return the picture (also kept in ``picture``)."""
        par = self.params
        self.t_s = t_s
        for k in sorted(self._peers):
            p = self._peers[k]
            if p.alive and now_s - p.heard_s > par.lease_s:
                self.peer_lost(self.roster[k], now_s)
        rem, rem_nat = self._remote(now_s)
        rx, rp = predict_cv(
            rem["state"], lt_to_covar(rem["covar_lt"]), t_s - rem["t_s"], par.q_m2_s3
        )
        lq = track_quality(local.covar) if len(local) else np.zeros(0, dtype=np.int64)
        prior = np.array(
            [self._tn_of_local.get(int(i), -1) for i in local.local_id], dtype=np.int64
        )
        rnum = rem["number"].astype(np.int64)
        rq = rem["quality"].astype(np.int64)
        owner = self._associate(local.state, local.covar, prior, rx, rp, rnum, rem_nat)
        # each local track's partner rows, the best (quality, then roster order) first
        order = np.lexsort((rem_nat, -rq, owner))
        order = order[owner[order] >= 0]
        match = np.full(len(local), -1, dtype=np.int64)
        groups: dict[int, list[int]] = {}
        for j in order:  # a loop over associated partner rows
            groups.setdefault(int(owner[j]), []).append(int(j))
        for i, js in groups.items():
            match[i] = js[0]
        reported = set(rnum.tolist())
        new_map: dict[int, int] = {}
        new_rep: dict[int, bool] = {}
        rt = rem["t_s"]
        for i in range(len(local)):  # decisions per local track: numbers and R2
            lid, tn_prev = int(local.local_id[i]), int(prior[i])
            was = tn_prev >= 0 and self._reporting.get(tn_prev, False)
            js = groups.get(i, [])
            if js:
                j = js[0]
                nr, qr = int(rem_nat[j]), int(rq[j])
                numbers = sorted({int(rnum[k]) for k in js} | ({tn_prev} if was else set()))
                tn = numbers[0]
                if len(numbers) > 1 and tn_prev != tn:
                    self._event(
                        t_s,
                        "correlate",
                        tn,
                        f"{', '.join(map(str, numbers))} designate one track: {tn} kept",
                    )
                if was:
                    # for a lease after a transfer, the claim of the partner this node took
                    # the track from may be one it made before it saw the transfer (late
                    # over a slow link): it takes the track back only as any partner that
                    # does not report it would, with a quality better by the margin
                    frm, since = self._taken_from.get(tn_prev, (-1, -np.inf))
                    fresh = [
                        k
                        for k in js
                        if not (
                            rem_nat[k] == frm
                            and float(rt[k]) <= since + par.lease_s
                            and int(rq[k]) < int(lq[i]) + par.takeover_tq
                        )
                    ]
                    if fresh:
                        nr, qr = int(rem_nat[fresh[0]]), int(rq[fresh[0]])
                    # two reporters: the qualities both have published decide, so that both
                    # sides decide alike (the track's quality of the moment may have moved
                    # since the partner saw it)
                    mine = self._published_q.get(tn_prev, int(lq[i]))
                    rep = not fresh or (mine, -self._me) > (qr, -nr)
                    if not rep:
                        self._event(
                            t_s, "r2_relinquish", tn, f"to {self.roster[nr]} (TQ {qr} vs {mine})"
                        )
                else:
                    rep = int(lq[i]) >= qr + par.takeover_tq
                    if rep:
                        self._event(
                            t_s, "r2_transfer", tn, f"from {self.roster[nr]} (TQ {lq[i]} vs {qr})"
                        )
                self._check_identity(t_s, tn, int(local.identity[i]), int(rem["identity"][j]), nr)
            elif tn_prev >= 0 and tn_prev not in reported:
                tn, rep = tn_prev, True
                if not was:
                    self._event(t_s, "r2_takeover", tn, "no live partner reports it")
            else:
                if tn_prev >= 0:
                    self._event(t_s, "decorrelate", tn_prev, "the partner's track left the gate")
                tn, rep = self._numbers.next(in_use=reported), True
                self._event(t_s, "originate", tn, f"local track {lid}")
            new_map[lid] = tn
            new_rep[tn] = rep or new_rep.get(tn, False)
            if rep and not was and js:
                self._taken_from[tn] = (int(rem_nat[js[0]]), t_s)
        for tn in set(self.conflicts) - set(new_map.values()):
            del self.conflicts[tn]
        self._tn_of_local, self._reporting = new_map, new_rep
        self._taken_from = {tn: v for tn, v in self._taken_from.items() if new_rep.get(tn, False)}
        pic = self._compose(local, lq, match, owner, rem, rem_nat, rx, rp)
        pic = self._with_orphans(pic, t_s, now_s)
        self.picture = pic
        self._publish = self._records(t_s, local, lq)
        return pic

    # ------------------------------------------------------------------ helpers

    def _with_orphans(self, pic: FederatedTracks, t_s: float, now_s: float) -> FederatedTracks:
        """``pic`` and the coasting tracks of partners lost less than a lease ago whose numbers
        no one reports any more (until a holder's takeover batch arrives)."""
        lease = self.params.lease_s
        parts = [
            (k, p.records)
            for k, p in sorted(self._peers.items())
            if not self._live(k, now_s) and min(p.lost_s, p.heard_s + lease) + lease >= now_s
        ]
        if not parts:
            return pic
        rec = np.concatenate([r for _, r in parts])
        nat = np.concatenate([np.full(len(r), k, dtype=np.int64) for k, r in parts])
        keep = ~np.isin(rec["number"].astype(np.int64), pic.number)
        rec, nat = rec[keep], nat[keep]
        if len(rec) == 0:
            return pic
        x, p = predict_cv(rec["state"], lt_to_covar(rec["covar_lt"]), t_s - rec["t_s"],
                          self.params.q_m2_s3)  # fmt: skip
        k = len(rec)
        return FederatedTracks(
            number=np.concatenate([pic.number, rec["number"].astype(np.int64)]),
            reporter=np.concatenate([pic.reporter, nat]),
            state=np.concatenate([pic.state, x]),
            covar=np.concatenate([pic.covar, p]),
            quality=np.concatenate([pic.quality, rec["quality"].astype(np.int64)]),
            identity=np.concatenate([pic.identity, rec["identity"].astype(np.int64)]),
            cls=np.concatenate([pic.cls, rec["cls"].astype(np.int64)]),
            local=np.concatenate([pic.local, np.zeros(k, dtype=bool)]),
            conflict=np.concatenate([pic.conflict, np.zeros(k, dtype=bool)]),
            plot_wall_ns=np.concatenate([pic.plot_wall_ns, rec["plot_wall_ns"]]),
        )

    def _live(self, k: int, now_s: float) -> bool:
        p = self._peers[k]
        return p.alive and now_s - p.heard_s <= self.params.lease_s

    def _event(
        self, t_s: float, kind: str, number: int, detail: str, monotonic_s: float | None = None
    ) -> None:
        self.events.append(
            FederationEvent(
                t_s=t_s, kind=kind, number=number, detail=detail, monotonic_s=monotonic_s
            )
        )

    def _remote(self, now_s: float) -> tuple[npt.NDArray[np.void], IntArray]:
        """Live partners' records, one per track number: where two nations report one number,
        the better quality (ties: first in the roster)."""
        parts = [(k, self._peers[k].records) for k in sorted(self._peers) if self._live(k, now_s)]
        if not parts:
            return track_records(0), np.zeros(0, dtype=np.int64)
        rec = np.concatenate([r for _, r in parts])
        nat = np.concatenate([np.full(len(r), k, dtype=np.int64) for k, r in parts])
        order = np.lexsort((nat, -rec["quality"].astype(np.int64), rec["number"]))
        rec, nat = rec[order], nat[order]
        first = np.ones(len(rec), dtype=bool)
        first[1:] = rec["number"][1:] != rec["number"][:-1]
        return rec[first], nat[first]

    def _associate(
        self,
        lx: FloatArray,
        lp: FloatArray,
        prior: IntArray,
        rx: FloatArray,
        rp: FloatArray,
        rnum: IntArray,
        rnat: IntArray,
    ) -> IntArray:
        """(m,) the local track each partner row associates with (-1: none): the one of
        least total χ² inside the gate, a pair that already shares a number first, one to one
        for each partner. Rows of several partners may associate with one local track (dual
        designations)."""
        n, m = len(lx), len(rx)
        owner = np.full(m, -1, dtype=np.int64)
        if n == 0 or m == 0:
            return owner
        pairs = cKDTree(lx[:, :3]).query_ball_tree(cKDTree(rx[:, :3]), self.params.search_m)
        li = np.array([i for i, js in enumerate(pairs) for _ in js], dtype=np.int64)
        rj = np.array([j for js in pairs for j in js], dtype=np.int64)
        if len(li) == 0:
            return owner
        d = lx[li, :3] - rx[rj, :3]
        s = lp[li, :3, :3] + rp[rj, :3, :3]
        d2 = np.einsum("ni,ni->n", d, np.linalg.solve(s, d[:, :, None])[:, :, 0])
        ok = d2 <= self._gate
        li, rj, d2 = li[ok], rj[ok], d2[ok]
        d2 = np.where(prior[li] == rnum[rj], d2 - 2.0 * self._gate, d2)  # sticky
        # one-to-one per partner: a nation reports an object once, so each local track takes
        # at most one row of each partner (Munkres on the gated pairs of that partner)
        for k in np.unique(rnat[rj]):  # a loop over partners
            sel = rnat[rj] == k
            lk, rk, dk = li[sel], rj[sel], d2[sel]
            rows, lk_c = np.unique(lk, return_inverse=True)
            cols, rk_c = np.unique(rk, return_inverse=True)
            cost = np.full((len(rows), len(cols)), _BIG)
            cost[lk_c, rk_c] = dk
            r, c = linear_sum_assignment(cost)
            ok = cost[r, c] < _BIG
            owner[cols[c[ok]]] = rows[r[ok]]
        return owner

    def _check_identity(self, t_s: float, tn: int, mine: int, theirs: int, nr: int) -> None:
        if mine in _UNDECIDED or theirs in _UNDECIDED or mine == theirs:
            self.conflicts.pop(tn, None)
            return
        rec = (mine, theirs, self.roster[nr])
        if self.conflicts.get(tn) != rec:
            self.conflicts[tn] = rec
            self._event(
                t_s,
                "identity_conflict",
                tn,
                f"{self.nation}: {STANDARD_IDENTITIES[mine]}, {self.roster[nr]}: "
                f"{STANDARD_IDENTITIES[theirs]}",
            )

    def _compose(
        self,
        local: LocalTracks,
        lq: IntArray,
        match: IntArray,
        owner: IntArray,
        rem: npt.NDArray[np.void],
        rem_nat: IntArray,
        rx: FloatArray,
        rp: FloatArray,
    ) -> FederatedTracks:
        n = len(local)
        tn = np.array([self._tn_of_local[int(i)] for i in local.local_id], dtype=np.int64)
        rep = np.array([self._reporting.get(int(t), False) for t in tn], dtype=bool)
        x, p = local.state.copy(), local.covar.copy()
        has = match >= 0
        j = match[has]
        x[has], p[has] = covariance_intersection(x[has], p[has], rx[j], rp[j])
        reporter = np.full(n, self._me, dtype=np.int64)
        quality, ident, cls = lq.copy(), local.identity.copy(), local.cls.copy()
        wall = local.plot_wall_ns.copy()
        other = has.copy()
        other[has] = ~rep[has]
        jo = match[other]
        reporter[other] = rem_nat[jo]
        quality[other] = rem["quality"][jo]
        ident[other] = rem["identity"][jo]
        cls[other] = rem["cls"][jo]
        wall[has] = np.maximum(wall[has], rem["plot_wall_ns"][j])
        # partners' tracks the node does not hold (and whose number it does not use)
        free = owner < 0
        free &= ~np.isin(rem["number"].astype(np.int64), tn)
        conflict = np.array([int(t) in self.conflicts for t in tn], dtype=bool)
        return FederatedTracks(
            number=np.concatenate([tn, rem["number"][free].astype(np.int64)]),
            reporter=np.concatenate([reporter, rem_nat[free]]),
            state=np.concatenate([x, rx[free]]),
            covar=np.concatenate([p, rp[free]]),
            quality=np.concatenate([quality, rem["quality"][free].astype(np.int64)]),
            identity=np.concatenate([ident, rem["identity"][free].astype(np.int64)]),
            cls=np.concatenate([cls, rem["cls"][free].astype(np.int64)]),
            local=np.concatenate([np.ones(n, dtype=bool), np.zeros(int(free.sum()), dtype=bool)]),
            conflict=np.concatenate([conflict, np.zeros(int(free.sum()), dtype=bool)]),
            plot_wall_ns=np.concatenate([wall, rem["plot_wall_ns"][free]]),
        )

    def _records(self, t_s: float, local: LocalTracks, lq: IntArray) -> npt.NDArray[np.void]:
        tn = np.array([self._tn_of_local[int(i)] for i in local.local_id], dtype=np.int64)
        rep = np.array([self._reporting.get(int(t), False) for t in tn], dtype=bool)
        rows = np.flatnonzero(rep)
        out = track_records(len(rows))
        out["number"] = tn[rows]
        out["quality"] = lq[rows]
        out["identity"] = local.identity[rows]
        out["cls"] = local.cls[rows]
        out["flags"] = FLAG_REPORTING | np.where(
            np.isin(tn[rows], list(self.conflicts)), FLAG_CONFLICT, 0
        )
        out["t_s"] = t_s
        out["state"] = local.state[rows]
        out["covar_lt"] = covar_to_lt(local.covar[rows])
        out["releasable"] = local.releasable[rows]
        out["plot_wall_ns"] = local.plot_wall_ns[rows]
        self._published_q = dict(zip(tn[rows].tolist(), lq[rows].tolist(), strict=True))
        return out


def roster_of(nations: Sequence[str]) -> tuple[str, ...]:
    """The federation's roster: the nation codes, sorted."""
    return tuple(sorted(nations))
