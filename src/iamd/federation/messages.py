"""The messages nodes exchange: a compact, versioned, validated binary encoding.

Every message is a fixed header followed by ``count`` fixed-size records (little-endian
NumPy structured arrays, so encoding and decoding a batch of 1,000 tracks is one copy):

====== ======= =====================================================================
offset  type    header field
====== ======= =====================================================================
0       4 B     magic ``b"IAMD"``
4       u8      major version (:data:`VERSION`); a decoder rejects another major
5       u8      kind: 1 tracks, 2 engagement, 3 plots (sensor feed), 4 end of exercise
6       3 B     sender nation code (ASCII, upper case)
9       u8      reserved (0)
10      u32     sequence number of the sender
14      f64     scenario time of the batch (s)
22      u64     wall-clock time the batch was sent (ns since the Unix epoch)
30      u32     number of records
====== ======= =====================================================================

A **track record** (J3.2 air-track semantics, not its bits) carries the track number, its
time, ECEF state and the lower triangle of its covariance, the track quality (0–15), the
STANAG 1241 identity (index in ``STANDARD_IDENTITIES``), the class cue (index in the
classifier's ``CLASSES``, -1: none), flags, the releasability marking (bit ``i``: the
roster's ``i``-th nation may see it) and the wall time of the plot that last updated it
(for end-to-end latency). An **engagement record** (J10.2 / J10.3 semantics) carries the
track number, the engaging unit's index, a status and a hand-over target.

`decode` never trusts its input: a payload of the wrong length, magic, version or kind, a
non-finite state, a covariance with a non-positive diagonal, a quality, identity or class
out of range all raise `MessageError` naming the field and the value, which a node counts
and logs (a peer's malformed payload never stops a node).

>>> import numpy as np
>>> recs = track_records(1)
>>> recs["number"] = 2001; recs["quality"] = 12; recs["covar_lt"] = np.eye(6)[np.tril_indices(6)]
>>> data = encode(MessageKind.TRACKS, "GRC", 7, 30.0, recs, wall_ns=0)
>>> msg = decode(data)
>>> msg.nation, msg.seq, int(msg.records["number"][0]), len(data)
('GRC', 7, 2001, 282)
>>> try:
...     decode(data[:-1])
... except MessageError as e:
...     print(e)
message: length 281 does not match 1 tracks record(s) (expected 282 bytes)
"""

from __future__ import annotations

import enum
import struct
from dataclasses import dataclass
from typing import Any

import numpy as np
import numpy.typing as npt

from iamd.errors import InputError
from iamd.identify.classifier import CLASSES
from iamd.identify.truth_identity import STANDARD_IDENTITIES

MAGIC = b"IAMD"
VERSION = 1
"""Major version of the encoding; a change of record layout increments it."""
HEADER = struct.Struct("<4sBB3sxIdQI")
MAX_RECORDS = 1_000_000
"""Most records one message may carry."""
MAX_QUALITY = 15
"""Highest track quality (Link 16's TQ scale, 0–15)."""
_TRIL = np.tril_indices(6)


class MessageError(InputError):
    """A payload that breaks the encoding (the node counts it and drops it)."""


class MessageKind(enum.IntEnum):
    """What a message's records are."""

    TRACKS = 1
    ENGAGE = 2
    PLOTS = 3
    END = 4


class EngageStatus(enum.IntEnum):
    """Engagement status of a track (J10.2-like)."""

    ENGAGING = 1
    """The sender's unit is engaging the track."""
    CEASED = 2
    """The sender has ceased engaging (kill, miss, or a conflict resolved against it)."""
    HANDOVER_OFFER = 3
    """The sender offers engagement responsibility to ``target`` (J10.3 hand-over)."""
    HANDOVER_ACCEPT = 4
    """The sender accepts a hand-over offered to it and engages."""


TRACK_DTYPE = np.dtype(
    [
        ("number", "<u4"),
        ("quality", "u1"),
        ("identity", "u1"),
        ("cls", "i1"),
        ("flags", "u1"),
        ("t_s", "<f8"),
        ("state", "<f8", (6,)),
        ("covar_lt", "<f8", (21,)),
        ("releasable", "<u8"),
        ("plot_wall_ns", "<u8"),
    ]
)
"""One track: 248 bytes (the header is 34)."""
ENGAGE_DTYPE = np.dtype(
    [("number", "<u4"), ("unit", "<u4"), ("status", "u1"), ("target", "u1"), ("t_s", "<f8")]
)
"""One engagement status: 18 bytes; ``target`` is a roster index (hand-over)."""
PLOT_DTYPE = np.dtype(
    [
        ("t_s", "<f8"),
        ("sensor", "<u4"),
        ("entity", "<i4"),
        ("range_m", "<f8"),
        ("az_rad", "<f8"),
        ("el_rad", "<f8"),
        ("pos", "<f8", (3,)),
        ("cov_lt", "<f8", (6,)),
        ("squawk", "u1"),
        ("iff", "u1"),
        ("rcs_m2", "<f8"),
        ("reported_alt_m", "<f8"),
    ]
)
"""One plot of the sensor feed (the exercise driver to a node); ``sensor`` indexes the
node's own sensors, ``entity`` is the true object (scoring only, -1: false alarm)."""
END_DTYPE = np.dtype([("code", "<u4")])
DTYPES = {
    MessageKind.TRACKS: TRACK_DTYPE,
    MessageKind.ENGAGE: ENGAGE_DTYPE,
    MessageKind.PLOTS: PLOT_DTYPE,
    MessageKind.END: END_DTYPE,
}
FLAG_REPORTING = 1
"""Track flag: the sender holds reporting responsibility (R2) for the track."""
FLAG_CONFLICT = 2
"""Track flag: the sender has an identity conflict open on the track."""


@dataclass(frozen=True, slots=True, kw_only=True)
class Message:
    """A decoded message: its header fields and its records (a structured array)."""

    kind: MessageKind
    nation: str
    seq: int
    t_s: float
    wall_ns: int
    records: npt.NDArray[np.void]


def track_records(n: int) -> npt.NDArray[np.void]:
    """``n`` zeroed track records."""
    return np.zeros(n, dtype=TRACK_DTYPE)


def covar_to_lt(covar: npt.NDArray[np.float64]) -> npt.NDArray[np.float64]:
    """(n, 6, 6) covariances -> (n, 21) lower triangles (row-major)."""
    return np.asarray(covar[:, _TRIL[0], _TRIL[1]])


def lt_to_covar(lt: npt.NDArray[np.float64]) -> npt.NDArray[np.float64]:
    """(n, 21) lower triangles -> (n, 6, 6) symmetric covariances."""
    out = np.zeros((len(lt), 6, 6))
    out[:, _TRIL[0], _TRIL[1]] = lt
    out[:, _TRIL[1], _TRIL[0]] = lt
    return out


def encode(
    kind: MessageKind,
    nation: str,
    seq: int,
    t_s: float,
    records: npt.NDArray[np.void],
    *,
    wall_ns: int,
) -> bytes:
    """The bytes of one message (records must have the kind's dtype)."""
    dtype = DTYPES[kind]
    if records.dtype != dtype:
        raise MessageError(
            f"message: {kind.name} records must have dtype {dtype} (got {records.dtype})"
        )
    code = nation.encode("ascii")
    if len(code) != 3:
        raise MessageError(f"message: nation must be a 3-letter code (got {nation!r})")
    head = HEADER.pack(
        MAGIC, VERSION, int(kind), code, seq & 0xFFFFFFFF, t_s, wall_ns, len(records)
    )
    return head + records.tobytes()


def decode(data: bytes | bytearray | memoryview) -> Message:
    """Parse and validate one message; `MessageError` on anything malformed."""
    raw = bytes(data)
    if len(raw) < HEADER.size:
        raise MessageError(
            f"message: {len(raw)} bytes is shorter than the {HEADER.size}-byte header"
        )
    magic, version, kind_v, code, seq, t_s, wall_ns, count = HEADER.unpack_from(raw)
    if magic != MAGIC:
        raise MessageError(f"message: magic must be {MAGIC!r} (got {magic!r})")
    if version != VERSION:
        raise MessageError(
            f"message: version {version} is not supported (this node reads {VERSION})"
        )
    try:
        kind = MessageKind(kind_v)
    except ValueError:
        raise MessageError(
            f"message: kind {kind_v} is unknown (allowed: {[int(k) for k in MessageKind]})"
        ) from None
    if not (code.isalpha() and code.isupper() and code.isascii()):
        raise MessageError(f"message: nation must be 3 upper-case letters (got {code!r})")
    if not np.isfinite(t_s):
        raise MessageError(f"message: time must be finite (got {t_s})")
    if count > MAX_RECORDS:
        raise MessageError(f"message: {count} records exceed the limit of {MAX_RECORDS}")
    dtype = DTYPES[kind]
    expected = HEADER.size + count * dtype.itemsize
    if len(raw) != expected:
        raise MessageError(
            f"message: length {len(raw)} does not match {count} {kind.name.lower()} "
            f"record(s) (expected {expected} bytes)"
        )
    records = np.frombuffer(raw, dtype=dtype, count=count, offset=HEADER.size).copy()
    if count:
        try:
            CHECKS.get(kind, lambda r: None)(records)
        except (ValueError, TypeError, IndexError) as e:  # a check must never crash a node
            raise MessageError(f"message: records cannot be checked ({e})") from None
    return Message(
        kind=kind, nation=code.decode("ascii"), seq=seq, t_s=t_s, wall_ns=wall_ns, records=records
    )


def _bad(
    field: str, values: npt.NDArray[Any], mask: npt.NDArray[np.bool_] | np.bool_, rule: str
) -> MessageError:
    i = int(np.flatnonzero(mask)[0])
    return MessageError(f"message: record {i}: {field} {rule} (got {values[i]})")


def _check_tracks(r: npt.NDArray[np.void]) -> None:
    for name in ("t_s", "state", "covar_lt"):
        bad = ~np.isfinite(r[name]).reshape(len(r), -1).all(axis=1)
        if bad.any():
            raise _bad(name, r[name], bad, "must be finite")
    diag = r["covar_lt"][:, [0, 2, 5, 9, 14, 20]]
    bad = ~(diag > 0.0).all(axis=1)
    if bad.any():
        raise _bad("covar_lt", diag, bad, "must have a positive diagonal")
    for name, hi in (("quality", MAX_QUALITY), ("identity", len(STANDARD_IDENTITIES) - 1)):
        bad = r[name] > hi
        if bad.any():
            raise _bad(name, r[name], bad, f"must be in [0, {hi}]")
    bad = (r["cls"] < -1) | (r["cls"] >= len(CLASSES))
    if bad.any():
        raise _bad("cls", r["cls"], bad, f"must be in [-1, {len(CLASSES) - 1}]")


def _check_engage(r: npt.NDArray[np.void]) -> None:
    allowed = [int(s) for s in EngageStatus]
    bad = ~np.isin(r["status"], allowed)
    if bad.any():
        raise _bad("status", r["status"], bad, f"must be one of {allowed}")
    bad = ~np.isfinite(r["t_s"])
    if bad.any():
        raise _bad("t_s", r["t_s"], bad, "must be finite")


def _check_plots(r: npt.NDArray[np.void]) -> None:
    for name in ("t_s", "pos", "cov_lt", "range_m", "az_rad", "el_rad"):
        bad = ~np.isfinite(r[name]).reshape(len(r), -1).all(axis=1)
        if bad.any():
            raise _bad(name, r[name], bad, "must be finite")


CHECKS = {
    MessageKind.TRACKS: _check_tracks,
    MessageKind.ENGAGE: _check_engage,
    MessageKind.PLOTS: _check_plots,
}
