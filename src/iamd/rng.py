"""Seeded random streams, keyed so that common random numbers survive scenario edits.

Every draw in a run comes from a generator made here from the run's seed, a stream name
(the subsystem) and the ids of the entity it concerns. Adding a sensor therefore does not
reshuffle another target's noise, and run ``i`` of two policies sees the same raid
(common random numbers). Keys are hashed with CRC-32, which is stable across processes
and platforms (unlike Python's ``hash``).

>>> a = stream(7, "launch", "raid1", 3).random()
>>> b = stream(7, "launch", "raid1", 3).random()
>>> a == b, a != stream(7, "launch", "raid1", 4).random()
(True, True)
"""

import zlib

import numpy as np


def key(part: str | int) -> int:
    """A stable integer in ``[0, 2**32)`` for a stream key part.

    Integers below 2**32 are taken as they are; strings (and larger integers, by their
    decimal text) are hashed with CRC-32.
    """
    if isinstance(part, int) and not isinstance(part, bool):
        if part < 0:
            raise ValueError(f"stream key parts must be >= 0 (got {part})")
        if part < 2**32:
            return part
    return zlib.crc32(str(part).encode("utf-8"))


def seed_sequence(seed: int, *parts: str | int) -> np.random.SeedSequence:
    """The SeedSequence of ``seed`` keyed by ``parts``.

    The seed is the entropy and the keys are the spawn key, so every key part counts, a
    trailing zero included: ``(s, "a", 0)`` and ``(s, "a")`` are different streams.
    """
    return np.random.SeedSequence(seed, spawn_key=tuple(key(p) for p in parts))


def stream(seed: int, *parts: str | int) -> np.random.Generator:
    """A PCG64 generator for ``seed`` keyed by ``parts`` (stream name, entity ids...)."""
    return np.random.Generator(np.random.PCG64(seed_sequence(seed, *parts)))
