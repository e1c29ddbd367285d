"""The append-only event log of a run.

Every stage reports what happened (detections, track initiation, re-acquisition, hand-over
and drop, identities, visual identifications, launches, intercepts, misses, impacts) as rows
of one table; metrics, reports and replays are computed from it. Rows are ordered by
``(t_s, priority, seq)``, where ``seq`` is the order of appending, so the log is identical
for identical runs.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import pandas as pd

PRIORITY = {
    "launch": 0,
    "detect": 1,
    "track_init": 2,
    "identity": 3,
    "reacquire": 4,
    "handover": 5,
    "track_drop": 6,
    "fire": 7,
    "intercept": 8,
    "miss": 9,
    "impact": 10,
    "asset_hit": 11,
    "land": 12,
    "vid_task": 13,
    "vid": 14,
}
"""Tie-break order of event kinds that share a time stamp."""

COLUMNS = (
    "t_s",
    "priority",
    "seq",
    "kind",
    "entity",
    "unit",
    "nation",
    "picture",
    "lat_deg",
    "lon_deg",
    "alt_m",
    "value",
    "detail",
)


@dataclass(slots=True)
class EventLog:
    """Events as they are appended; :meth:`frame` returns them sorted."""

    _rows: list[tuple[Any, ...]] = field(default_factory=list)

    def append(
        self,
        t_s: float,
        kind: str,
        *,
        entity: str = "",
        unit: str = "",
        nation: str = "",
        picture: str = "",
        lat_deg: float = float("nan"),
        lon_deg: float = float("nan"),
        alt_m: float = float("nan"),
        value: float = float("nan"),
        detail: str = "",
    ) -> None:
        """Append one event (``kind`` must be one of :data:`PRIORITY`)."""
        self._rows.append(
            (
                float(t_s),
                PRIORITY[kind],
                len(self._rows),
                kind,
                entity,
                unit,
                nation,
                picture,
                float(lat_deg),
                float(lon_deg),
                float(alt_m),
                float(value),
                detail,
            )
        )

    def __len__(self) -> int:
        return len(self._rows)

    def frame(self) -> pd.DataFrame:
        """All events as a DataFrame sorted by ``(t_s, priority, seq)``."""
        df = pd.DataFrame(self._rows, columns=list(COLUMNS))
        return df.sort_values(["t_s", "priority", "seq"], kind="stable").reset_index(drop=True)
