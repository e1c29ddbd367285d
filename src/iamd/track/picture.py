"""The `truth` air picture: who holds a track on what, by sharing policy.

First version, and a legitimate analysis baseline: a picture holds a track on an object
from its first detection by any radar that feeds the picture, with the object's true state
(perfect information), and drops it when no feeding radar has seen it for
``timeout_s``. Under the ``national`` policy every nation has its own picture fed by its own
radars; under ``shared_picture`` and ``integrated`` the participating nations share one joint
picture fed by all their radars, and a non-participating nation keeps its own.
Sensed tracking (filters, association, fusion) replaces the true state in a later stage.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import numpy.typing as npt

BoolArray = npt.NDArray[np.bool_]
FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.int64]

JOINT = "joint"
"""Name of the shared picture of the participating nations."""


@dataclass(frozen=True, slots=True, kw_only=True)
class PictureLayout:
    """Which pictures exist and who feeds and uses them.

    Attributes:
        names: (P,) picture names (a nation code, or ``joint``).
        of_nation: nation code -> index of the picture it sees.
        sensor_feeds: (S,) index of the picture each radar feeds.
    """

    names: tuple[str, ...]
    of_nation: dict[str, int]
    sensor_feeds: IntArray


def picture_layout(
    policy: str, nations: list[str], participates: list[bool], sensor_nation: list[str]
) -> PictureLayout:
    """The pictures of a policy (``national``, ``shared_picture`` or ``integrated``).

    >>> lay = picture_layout("integrated", ["GRC", "BGR", "TUR"], [True, True, False],
    ...                      ["GRC", "TUR", "BGR"])
    >>> lay.names, lay.sensor_feeds.tolist()
    (('joint', 'TUR'), [0, 1, 0])
    """
    names: list[str] = []
    of_nation: dict[str, int] = {}
    shared = policy != "national"
    for code, part in zip(nations, participates, strict=True):
        name = JOINT if (shared and part) else code
        if name not in names:
            names.append(name)
        of_nation[code] = names.index(name)
    feeds = np.array([of_nation[n] for n in sensor_nation], dtype=np.int64)
    return PictureLayout(names=tuple(names), of_nation=of_nation, sensor_feeds=feeds)


@dataclass(slots=True)
class TruthPicture:
    """Track holdings of P pictures on N objects.

    Attributes:
        held: (P, N) the picture holds a track on the object.
        last_seen_s: (P, N) time of the last detection by a feeding radar (NaN: never).
        first_seen_s: (P, N) time the current track started (NaN: none).
    """

    layout: PictureLayout
    n: int
    timeout_s: float = 60.0
    held: BoolArray = field(init=False)
    last_seen_s: FloatArray = field(init=False)
    first_seen_s: FloatArray = field(init=False)

    def __post_init__(self) -> None:
        p = len(self.layout.names)
        self.held = np.zeros((p, self.n), dtype=bool)
        self.last_seen_s = np.full((p, self.n), np.nan)
        self.first_seen_s = np.full((p, self.n), np.nan)

    def update(
        self, t_s: float, plot_sensor: IntArray, plot_entity: IntArray, alive: BoolArray
    ) -> tuple[IntArray, IntArray, IntArray, IntArray]:
        """Fold one step's detections in.

        Returns ``(init_picture, init_entity, drop_picture, drop_entity)``: the tracks that
        started and ended at ``t_s``. Tracks of destroyed or landed objects end too.
        """
        seen = np.zeros_like(self.held)
        seen[self.layout.sensor_feeds[plot_sensor], plot_entity] = True
        self.last_seen_s[seen] = t_s
        new = seen & ~self.held
        stale = t_s - np.nan_to_num(self.last_seen_s, nan=-np.inf) > self.timeout_s
        gone = self.held & (stale | ~alive[None, :])
        self.held = (self.held | new) & ~gone
        self.first_seen_s[new] = t_s
        self.first_seen_s[gone] = np.nan
        ip, ie = np.nonzero(new)
        dp, de = np.nonzero(gone)
        return ip, ie, dp, de
