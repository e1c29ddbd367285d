"""Link 16-style track-number blocks: each nation numbers the tracks it originates from a
block of its own, so no two nodes ever give two objects the same number.

Link 16 (MIL-STD-6016; STANAG 5516) assigns each JTIDS unit a block of track numbers to
originate from; a track keeps its number when reporting responsibility moves to another
unit, and when two numbers turn out to designate one object the lower one is retained. The
wire format is not public; the semantics are. Here the blocks are contiguous, equal-sized
ranges laid out in the order of the federation's roster (sorted nation codes), starting
above :data:`FIRST_NUMBER`, so every node derives the same blocks from the same roster.

>>> b = allocate_blocks(["GRC", "BGR", "ROU"], size=1000)
>>> [(x.nation, x.first, x.last) for x in b]
[('BGR', 1000, 1999), ('GRC', 2000, 2999), ('ROU', 3000, 3999)]
>>> owner_of(b, 2500)
'GRC'
"""

from __future__ import annotations

from collections.abc import Container, Sequence
from dataclasses import dataclass, field

from iamd.errors import InputError

FIRST_NUMBER = 1000
"""Lowest track number of the first block (lower numbers are reserved)."""
MAX_NUMBER = 2**32 - 1
"""Highest track number the track message can carry (u32)."""
DEFAULT_BLOCK_SIZE = 100_000
"""Track numbers per nation by default."""


@dataclass(frozen=True, slots=True, kw_only=True)
class TrackBlock:
    """A nation's block ``[first, last]`` of track numbers, inclusive."""

    nation: str
    first: int
    last: int

    def __contains__(self, number: int) -> bool:
        return self.first <= number <= self.last


@dataclass(slots=True)
class NumberSource:
    """Hands out the numbers of one block in order; raises when the block is exhausted
    (a node then needs a larger block, not a number of another nation's).

    >>> src = NumberSource(TrackBlock(nation="GRC", first=2000, last=2002))
    >>> src.next(), src.next(in_use={2001})
    (2000, 2002)
    """

    block: TrackBlock
    _next: int = field(init=False)

    def __post_init__(self) -> None:
        self._next = self.block.first

    def next(self, in_use: Container[int] = ()) -> int:
        """The next number of the block not yet issued and not in ``in_use`` (the numbers
        partners report: a restarted node must not reissue a number a partner took over)."""
        while self._next <= self.block.last and self._next in in_use:
            self._next += 1
        if self._next > self.block.last:
            raise InputError(
                f"track-number block of {self.block.nation} "
                f"[{self.block.first}, {self.block.last}] is exhausted: give it a larger "
                "block_size"
            )
        n = self._next
        self._next += 1
        return n


def allocate_blocks(nations: Sequence[str], size: int = DEFAULT_BLOCK_SIZE) -> list[TrackBlock]:
    """Disjoint blocks of ``size`` numbers, one per nation, in sorted order of the codes."""
    roster = sorted(nations)
    if len(set(roster)) != len(roster):
        raise InputError(f"federation: nation codes must be unique (got {list(nations)})")
    if size < 1:
        raise InputError(f"federation: block_size must be >= 1 (got {size})")
    if FIRST_NUMBER + size * len(roster) - 1 > MAX_NUMBER:
        raise InputError(
            f"federation: {len(roster)} blocks of {size} numbers exceed the track-number "
            f"range (at most {MAX_NUMBER})"
        )
    return [
        TrackBlock(
            nation=code, first=FIRST_NUMBER + i * size, last=FIRST_NUMBER + (i + 1) * size - 1
        )
        for i, code in enumerate(roster)
    ]


def owner_of(blocks: Sequence[TrackBlock], number: int) -> str | None:
    """The nation whose block holds ``number`` (None: no block does)."""
    for b in blocks:
        if number in b:
            return b.nation
    return None
