"""Engagement coordination between nodes: who engages which track, and hand-over.

Link 16's weapons-coordination messages (J10.2 engagement status, J10.3 hand-over) have public
semantics: a unit that engages a track says so; others see it and do not engage it too; the
engaging unit may hand engagement responsibility to another, which accepts before the first
stops. Here each node keeps an `EngagementBoard` of every known engagement by track number,
publishes its own nation's statuses each cycle, and merges its partners'. Two nations that
declare the same track in the same cycle both see the conflict and resolve it the same way:
the earlier declaration keeps it (ties: the nation first in the roster) and the other ceases,
at the time it learns of the conflict (its own clock, not the winner's declaration time).
A node that asks to engage a track already engaged by another nation is refused, so no two
nations engage one threat unknowingly.

The node's loop changes the board while its live view reads it from another thread. The board
never changes its state in place: each change builds the next state and swaps it in with one
assignment, so a reader holds one whole state, the one before a change or the one after.

>>> a = EngagementBoard(nation="BGR", roster=("BGR", "GRC"))
>>> g = EngagementBoard(nation="GRC", roster=("BGR", "GRC"))
>>> a.declare(2001, unit=3, t_s=10.0)
True
>>> g.merge("BGR", a.outgoing(), t_s=11.0); g.declare(2001, unit=1, t_s=11.0)
False
>>> a.offer(2001, "GRC", t_s=12.0); g.merge("BGR", a.outgoing(), t_s=12.0)
True
>>> g.accept(2001, unit=1, t_s=13.0)
True
>>> a.merge("GRC", g.outgoing(), t_s=14.0); a.engager(2001), g.engager(2001)
('GRC', 'GRC')
>>> a.status(2001).status.name, a.status(2001).t_s  # BGR ceased when it heard, at 14 s
('CEASED', 14.0)
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

import numpy as np
import numpy.typing as npt

from iamd.federation.messages import ENGAGE_DTYPE, EngageStatus
from iamd.federation.picture import FederationEvent


@dataclass(frozen=True, slots=True, kw_only=True)
class Engagement:
    """One nation's status on one track."""

    nation: str
    unit: int
    status: EngageStatus
    t_s: float
    target: str = ""


_Statuses = Mapping[int, Mapping[str, Engagement]]
"""Track number -> nation -> its status: one state of a board, never changed once made."""
_ACTIVE = (EngageStatus.ENGAGING, EngageStatus.HANDOVER_OFFER, EngageStatus.HANDOVER_ACCEPT)


@dataclass(slots=True)
class EngagementBoard:
    """Every known engagement, per track number and nation (see the module docstring).

    ``_by_track`` is replaced, never changed in place (see the module docstring): a method
    that reads it more than once reads it into a local name first.
    """

    nation: str
    roster: tuple[str, ...]
    events: list[FederationEvent] = field(default_factory=list)
    _by_track: _Statuses = field(default_factory=dict)

    def engager(self, number: int) -> str | None:
        """The nation engaging track ``number`` (None: nobody)."""
        return _engager(self._by_track, number, self.roster)

    def engagers(self, numbers: Iterable[int]) -> list[str | None]:
        """The nation engaging each of track ``numbers`` (None: nobody), all from one state
        of the board (for a reader in another thread that shows several tracks)."""
        by = self._by_track
        return [_engager(by, n, self.roster) for n in numbers]

    def status(self, number: int) -> Engagement | None:
        """This nation's own latest status on track ``number`` (None: never engaged)."""
        return self._by_track.get(number, {}).get(self.nation)

    def declare(self, number: int, *, unit: int, t_s: float) -> bool:
        """Engage track ``number`` with own ``unit``; False (and an ``engage_conflict`` event)
        when another nation already engages it."""
        other = self.engager(number)
        if other is not None and other != self.nation:
            self._event(t_s, "engage_conflict", number, f"refused: engaged by {other}")
            return False
        self._set(
            number, Engagement(nation=self.nation, unit=unit, status=EngageStatus.ENGAGING, t_s=t_s)
        )
        self._event(t_s, "engage", number, f"{self.nation} unit {unit}")
        return True

    def cease(self, number: int, *, t_s: float) -> None:
        """Stop engaging track ``number``."""
        own = self.status(number)
        if own is not None:
            self._set(
                number,
                Engagement(nation=self.nation, unit=own.unit, status=EngageStatus.CEASED, t_s=t_s),
            )

    def offer(self, number: int, to: str, *, t_s: float) -> bool:
        """Offer engagement responsibility for track ``number`` to nation ``to``; False (and a
        ``handover`` event saying why) when this nation is not engaging the track — it never
        did, or it ceased — or ``to`` is itself: only the engaging nation can hand over."""
        own = self.status(number)
        engaging = (
            EngageStatus.ENGAGING,
            EngageStatus.HANDOVER_ACCEPT,
            EngageStatus.HANDOVER_OFFER,
        )
        if own is None or own.status not in engaging or to == self.nation:
            why = "is itself" if to == self.nation else f"{self.nation} is not engaging it"
            self._event(t_s, "handover", number, f"offer to {to} refused: {why}")
            return False
        self._set(
            number,
            Engagement(
                nation=self.nation,
                unit=own.unit,
                status=EngageStatus.HANDOVER_OFFER,
                t_s=own.t_s,
                target=to,
            ),
        )
        self._event(t_s, "handover", number, f"offered by {self.nation} to {to}")
        return True

    def accept(self, number: int, *, unit: int, t_s: float) -> bool:
        """Accept a hand-over of track ``number`` offered to this nation; False if none."""
        statuses = self._by_track.get(number, {}).values()
        offers = [
            e
            for e in statuses
            if e.status == EngageStatus.HANDOVER_OFFER and e.target == self.nation
        ]
        if not offers:
            return False
        self._set(
            number,
            Engagement(nation=self.nation, unit=unit, status=EngageStatus.HANDOVER_ACCEPT, t_s=t_s),
        )
        self._event(t_s, "handover", number, f"accepted by {self.nation} from {offers[0].nation}")
        return True

    def outgoing(self) -> npt.NDArray[np.void]:
        """This nation's statuses as engagement records."""
        by = self._by_track
        own = [(n, e) for n in sorted(by) if (e := by[n].get(self.nation))]
        out = np.zeros(len(own), dtype=ENGAGE_DTYPE)
        for i, (n, e) in enumerate(own):  # a loop over engagements, a handful
            out[i] = (
                n,
                e.unit,
                int(e.status),
                self.roster.index(e.target) if e.target else 255,
                e.t_s,
            )
        return out

    def merge(self, sender: str, records: npt.NDArray[np.void], *, t_s: float) -> None:
        """A partner's statuses, received when this nation's clock reads ``t_s``; resolves
        simultaneous declarations and completes hand-overs this nation offered. When it
        ceases (a conflict lost, a hand-over accepted) it ceases at ``t_s``, the time it
        learns of it: its ``CEASED`` status and the event carry ``t_s``, not the partner's
        declaration or acceptance time (which the partner's own status on the board keeps)."""
        by = dict(self._by_track)  # the next state, swapped in whole at the end
        for r in records:  # a handful of engagements
            number = int(r["number"])
            tgt = int(r["target"])
            e = Engagement(
                nation=sender,
                unit=int(r["unit"]),
                status=EngageStatus(int(r["status"])),
                t_s=float(r["t_s"]),
                target=self.roster[tgt] if tgt < len(self.roster) else "",
            )
            resent = by.get(number, {}).get(sender) == e  # the partner repeats its status
            _put(by, number, e)
            own = by[number].get(self.nation)
            if own is None:
                continue
            if (
                e.status == EngageStatus.HANDOVER_ACCEPT
                and own.status == EngageStatus.HANDOVER_OFFER
            ):
                _put(
                    by,
                    number,
                    Engagement(
                        nation=self.nation, unit=own.unit, status=EngageStatus.CEASED, t_s=t_s
                    ),
                )
                self._event(t_s, "handover", number, f"{self.nation} -> {sender} complete")
            elif e.status == EngageStatus.ENGAGING and own.status == EngageStatus.ENGAGING:
                if _engager(by, number, self.roster) != self.nation:
                    _put(
                        by,
                        number,
                        Engagement(
                            nation=self.nation, unit=own.unit, status=EngageStatus.CEASED, t_s=t_s
                        ),
                    )
                    self._event(
                        t_s,
                        "engage_conflict",
                        number,
                        f"{self.nation} ceases: {sender} declared first",
                    )
                elif not resent:  # once per declaration, not at each repetition of it
                    self._event(
                        t_s,
                        "engage_conflict",
                        number,
                        f"{sender} ceases: {self.nation} declared first",
                    )
        self._by_track = by

    def _set(self, number: int, e: Engagement) -> None:
        """Swap in the state with ``e`` as its nation's status on track ``number``."""
        by = dict(self._by_track)
        _put(by, number, e)
        self._by_track = by

    def _event(self, t_s: float, kind: str, number: int, detail: str) -> None:
        self.events.append(FederationEvent(t_s=t_s, kind=kind, number=number, detail=detail))


def _engager(by: _Statuses, number: int, roster: tuple[str, ...]) -> str | None:
    """The nation engaging track ``number`` in the state ``by`` (None: nobody): one that
    accepted a hand-over, else the earliest declaration (ties: the roster's order)."""
    active = [e for e in by.get(number, {}).values() if e.status in _ACTIVE]
    if not active:
        return None
    accepted = [e for e in active if e.status == EngageStatus.HANDOVER_ACCEPT]
    if accepted:
        return accepted[0].nation
    return min(active, key=lambda e: (e.t_s, roster.index(e.nation))).nation


def _put(by: dict[int, Mapping[str, Engagement]], number: int, e: Engagement) -> None:
    """Set ``e`` in ``by``, a state being built, with a new mapping for track ``number``
    (the one it replaces may belong to a state a reader holds)."""
    by[number] = {**by.get(number, {}), e.nation: e}
