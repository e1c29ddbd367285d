"""The track message: round trip, and every malformed payload rejected with a clear error."""

from __future__ import annotations

import contextlib

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from iamd.federation.messages import (
    HEADER,
    MessageError,
    MessageKind,
    covar_to_lt,
    decode,
    encode,
    lt_to_covar,
    track_records,
)


def _records(n=3):
    r = track_records(n)
    r["number"] = np.arange(2000, 2000 + n)
    r["quality"] = 11
    r["identity"] = 6
    r["cls"] = 4
    r["t_s"] = 12.5
    r["state"] = np.arange(6.0)
    r["covar_lt"] = covar_to_lt(np.tile(np.eye(6) * 9.0, (n, 1, 1)))
    return r


def test_round_trip_is_exact():
    r = _records()
    msg = decode(encode(MessageKind.TRACKS, "GRC", 41, 12.5, r, wall_ns=123))
    assert (msg.kind, msg.nation, msg.seq, msg.t_s, msg.wall_ns) == (
        MessageKind.TRACKS, "GRC", 41, 12.5, 123)  # fmt: skip
    assert msg.records.tobytes() == r.tobytes()
    np.testing.assert_array_equal(lt_to_covar(msg.records["covar_lt"])[0], np.eye(6) * 9.0)


@pytest.mark.parametrize(
    ("mutate", "message"),
    [
        (lambda b: b[:10], "shorter than the 34-byte header"),
        (lambda b: b"XXXX" + b[4:], "magic must be b'IAMD' (got b'XXXX')"),
        (lambda b: b[:4] + bytes([9]) + b[5:], "version 9 is not supported (this node reads 1)"),
        (lambda b: b[:5] + bytes([77]) + b[6:], "kind 77 is unknown"),
        (lambda b: b[:6] + b"g1?" + b[9:], "nation must be 3 upper-case letters"),
        (lambda b: b + b"\0", "does not match 3 tracks record(s)"),
    ],
)
def test_malformed_headers_rejected_with_the_field_named(mutate, message):
    data = encode(MessageKind.TRACKS, "GRC", 1, 0.0, _records(), wall_ns=0)
    with pytest.raises(MessageError) as e:
        decode(mutate(data))
    assert message in str(e.value)


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("state", np.nan, "record 1: state must be finite"),
        ("covar_lt", 0.0, "record 1: covar_lt must have a positive diagonal"),
        ("quality", 16, "record 1: quality must be in [0, 15] (got 16)"),
        ("identity", 7, "record 1: identity must be in [0, 6] (got 7)"),
        ("cls", 5, "record 1: cls must be in [-1, 4] (got 5)"),
    ],
)
def test_malformed_records_rejected(field, value, message):
    r = _records()
    r[field][1] = value
    with pytest.raises(MessageError) as e:
        decode(encode(MessageKind.TRACKS, "GRC", 1, 0.0, r, wall_ns=0))
    assert message in str(e.value)


@settings(max_examples=300, deadline=None)
@given(st.binary(max_size=600), st.integers(0, 2), st.integers(0, 600))
def test_arbitrary_bytes_only_ever_raise_message_error(noise, where, cut):
    good = encode(MessageKind.TRACKS, "GRC", 1, 0.0, _records(2), wall_ns=0)
    data = [noise, good[:cut] + noise, good[: HEADER.size] + noise][where]
    with contextlib.suppress(MessageError):
        decode(data)
