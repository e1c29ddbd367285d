"""Helpers for the federation tests: local tracks on given positions, exchanges of encoded
batches between in-process pictures."""

from __future__ import annotations

import numpy as np

from iamd.federation.blocks import allocate_blocks
from iamd.federation.messages import MessageKind, decode, encode
from iamd.federation.picture import FederatedPicture, LocalTracks, PictureParams

ROSTER = ("BGR", "GRC", "ROU")
BASE = np.array([4_200_000.0, 2_200_000.0, 4_300_000.0])


def local_tracks(ids, pos, sigma_m=50.0, identity=None, vel=(0.0, 0.0, 0.0)):
    """LocalTracks at ECEF positions (k, 3) with isotropic position error ``sigma_m``."""
    pos = np.atleast_2d(np.asarray(pos, dtype=float))
    k = len(pos)
    state = np.hstack([pos, np.tile(vel, (k, 1))])
    cov = np.tile(np.diag([sigma_m**2] * 3 + [25.0] * 3), (k, 1, 1))
    return LocalTracks(
        local_id=np.asarray(ids, dtype=np.int64),
        state=state,
        covar=cov,
        identity=np.asarray(identity if identity is not None else [1] * k, dtype=np.int64),
        cls=np.full(k, -1, dtype=np.int64),
        releasable=np.full(k, 0b111, dtype=np.uint64),
        plot_wall_ns=np.zeros(k, dtype=np.uint64),
    )


def pictures(roster=ROSTER, lease_s=3.0):
    blocks = {b.nation: b for b in allocate_blocks(roster, 1000)}
    return {
        c: FederatedPicture(nation=c, roster=roster, block=blocks[c],
                            params=PictureParams(lease_s=lease_s))
        for c in roster
    }  # fmt: skip


def exchange(pics, now_s, skip=()):
    """Every picture's outgoing batch, encoded and decoded, to every other picture."""
    out = {
        c: decode(encode(MessageKind.TRACKS, c, 1, 0.0, p.outgoing(), wall_ns=0)).records
        for c, p in pics.items()
        if c not in skip
    }
    for c, p in pics.items():
        for s, rec in out.items():
            if s != c and c not in skip:
                p.receive(s, rec, now_s)


def reporters(pics, number):
    """Nations reporting ``number``."""
    return [c for c, p in pics.items() if number in p.reporting().tolist()]
