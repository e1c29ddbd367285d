"""Keyed random streams: stable across processes and platforms, distinct for distinct keys.

Stream keys are CRC-32 (ISO-HDLC, the zlib/PNG polynomial), whose published check value is
``CRC-32("123456789") = 0xCBF43926`` (Williams, "A Painless Guide to CRC Error Detection
Algorithms", and the CRC catalogue of Greg Cook).
"""

from __future__ import annotations

import os
import subprocess
import sys
import zlib

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from iamd.rng import key, seed_sequence, stream

DRAW_SCRIPT = """
from iamd.rng import key, stream
print(key("gr_patriot_north_radar"))
print(repr(stream(7, "sense", "gr_patriot_north_radar").random()))
print(repr(stream(2**40 + 3, "kill", "mrbm_sofia-001", 2).standard_normal()))
print(stream(1, "raid", "shahed_varna").integers(0, 2**62, size=4).tolist())
"""


def _draws_here() -> list[str]:
    return [
        str(key("gr_patriot_north_radar")),
        repr(stream(7, "sense", "gr_patriot_north_radar").random()),
        repr(stream(2**40 + 3, "kill", "mrbm_sofia-001", 2).standard_normal()),
        str(stream(1, "raid", "shahed_varna").integers(0, 2**62, size=4).tolist()),
    ]


def test_key_is_crc32_with_the_published_check_value() -> None:
    assert key("123456789") == 0xCBF43926
    assert key("") == 0
    assert key(42) == 42  # integers are their own key
    assert key("42") != 42


def test_key_rejects_negative_integers() -> None:
    with pytest.raises(ValueError, match=r"stream key parts must be >= 0 \(got -1\)"):
        key(-1)


def test_stream_keys_are_stable_across_processes() -> None:
    here = _draws_here()
    for hashseed in ("0", "4242"):  # Python's str hash differs per process; keys must not
        env = {**os.environ, "PYTHONHASHSEED": hashseed}
        res = subprocess.run(
            [sys.executable, "-c", DRAW_SCRIPT], capture_output=True, text=True, env=env, timeout=60
        )
        assert res.returncode == 0, res.stderr
        assert res.stdout.splitlines() == here


def test_stream_is_pcg64_seeded_by_the_keyed_seed_sequence() -> None:
    # the documented construction, rebuilt by hand from zlib and NumPy
    ss = np.random.SeedSequence(7, spawn_key=(zlib.crc32(b"sense"), zlib.crc32(b"radar-1")))
    expected = np.random.Generator(np.random.PCG64(ss)).random(5)
    np.testing.assert_array_equal(stream(7, "sense", "radar-1").random(5), expected)
    assert seed_sequence(7, "sense", "radar-1").entropy == ss.entropy
    assert seed_sequence(7, "sense", "radar-1").spawn_key == ss.spawn_key


def test_same_key_same_draws() -> None:
    a = stream(3, "kill", "kalibr_varna-002", 1).random(100)
    b = stream(3, "kill", "kalibr_varna-002", 1).random(100)
    np.testing.assert_array_equal(a, b)


@settings(max_examples=200, deadline=None)
@given(
    seed=st.integers(0, 2**31 - 1),
    name=st.sampled_from(["sense", "raid", "kill", "launch"]),
    a=st.text(min_size=1, max_size=20),
    b=st.text(min_size=1, max_size=20),
    n=st.integers(1, 20),
)
def test_distinct_keys_give_distinct_streams(seed: int, name: str, a: str, b: str, n: int) -> None:
    if a == b:
        b = b + "x"
    draw = stream(seed, name, a, n).random(4)
    assert not np.array_equal(draw, stream(seed, name, b, n).random(4))  # other entity
    assert not np.array_equal(draw, stream(seed + 1, name, a, n).random(4))  # other seed
    assert not np.array_equal(draw, stream(seed, name, a, n + 1).random(4))  # other attempt
    assert not np.array_equal(draw, stream(seed, name + "_", a, n).random(4))  # other subsystem
    if a != name:
        assert not np.array_equal(draw, stream(seed, a, name, n).random(4))  # order matters


def test_keys_that_differ_only_by_a_zero_or_a_word_split_differ() -> None:
    a = stream(5, "kill", "mrbm_sofia-001", 0).random(4)
    b = stream(5, "kill", "mrbm_sofia-001").random(4)
    c = stream(5, 2**32).random(4)
    d = stream(5, 0, 1).random(4)
    assert not np.array_equal(a, b)
    assert not np.array_equal(c, d)
