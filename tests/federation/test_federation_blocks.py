"""Track-number blocks: disjoint across any number of nodes; a node never leaves its block."""

from __future__ import annotations

import itertools

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from iamd.errors import InputError
from iamd.federation.blocks import FIRST_NUMBER, NumberSource, allocate_blocks, owner_of


@given(
    st.lists(st.text("ABCDEFGHIJKLMNOPQRSTUVWXYZ", min_size=3, max_size=3), min_size=1,
             max_size=40, unique=True),
    st.integers(1, 50_000),
)  # fmt: skip
def test_blocks_are_disjoint_for_any_number_of_nodes(codes, size):
    blocks = allocate_blocks(codes, size)
    spans = sorted((b.first, b.last) for b in blocks)
    assert spans[0][0] == FIRST_NUMBER
    assert all(b.last - b.first + 1 == size for b in blocks)
    assert all(a[1] < b[0] for a, b in itertools.pairwise(spans))
    # the same roster in any order gives the same blocks (every node derives them alike)
    assert allocate_blocks(list(reversed(codes)), size) == blocks


def test_numbers_of_n_nodes_never_collide():
    blocks = allocate_blocks(["GRC", "BGR", "ROU", "TUR"], 50)
    drawn = []
    for b in blocks:
        src = NumberSource(b)
        nums = [src.next() for _ in range(50)]
        assert all(owner_of(blocks, n) == b.nation for n in nums)
        drawn += nums
    assert len(set(drawn)) == len(drawn) == 200
    assert np.all(np.diff(sorted(drawn)) == 1)


def test_exhausted_block_raises_instead_of_borrowing():
    src = NumberSource(allocate_blocks(["GRC"], 1)[0])
    src.next()
    with pytest.raises(InputError, match=r"block of GRC \[1000, 1000\] is exhausted"):
        src.next()


def test_duplicate_codes_and_bad_size_rejected():
    with pytest.raises(InputError, match="unique"):
        allocate_blocks(["GRC", "GRC"])
    with pytest.raises(InputError, match=r"block_size must be >= 1 \(got 0\)"):
        allocate_blocks(["GRC"], 0)


def test_a_number_partners_report_is_never_reissued():
    src = NumberSource(allocate_blocks(["GRC"], 10)[0])
    assert [src.next(in_use={1000, 1001, 1003}) for _ in range(3)] == [1002, 1004, 1005]
