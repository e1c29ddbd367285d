"""A node's ASTERIX feed: CPU per tracker window against ``iamd track`` on the same recording.

    .venv/bin/python benchmarks/federation/bench_asterix_feed.py

The synthetic four-radar recording (`synthetic_cat048`, 120 s) with 12 and 300 aircraft is
tracked once by ``iamd track``'s path (`recording_plots` of the whole recording, then
`track_recording`) and once by a node's `AsterixTracker`, its data blocks handed over 20 at
a time as a node's receive queue does; both must find the same tracks. The feed pays per
1 s window what the recording path pays once (the window's `recording_plots`).
"""

from __future__ import annotations

import json
import sys
import time

from iamd.federation.asterix_feed import AsterixTracker
from iamd.interop.asterix.decode import decode
from iamd.interop.asterix.encode import split_blocks
from iamd.interop.asterix.synthetic import synthetic_cat048
from iamd.interop.recording import recording_plots, sensors_from_mapping, track_recording


def main() -> int:
    out = []
    for n in (12, 300):
        syn = synthetic_cat048(n_radars=4, n_targets=n, duration_s=120.0, seed=3)
        table = sensors_from_mapping(syn.sensors)
        c0 = time.process_time()
        tr = track_recording(recording_plots(decode(syn.data), table, "syn"))
        c1 = time.process_time()
        at = AsterixTracker(table)
        blocks = split_blocks(syn.data)
        steps = []
        for i in range(0, len(blocks), 20):
            steps += at.add_blocks(blocks[i : i + 20])
        steps += at.flush()
        c2 = time.process_time()
        out.append({
            "aircraft": n, "plots": at.stats.plots, "blocks": len(blocks), "windows": len(steps),
            "iamd_track_cpu_s": round(c1 - c0, 2), "feed_cpu_s": round(c2 - c1, 2),
            "feed_cpu_ms_per_window": round(1e3 * (c2 - c1) / len(steps), 1),
            "tracks": int(at.tracker.table.confirmed.sum()),
            "iamd_track_tracks": int(tr.to_pandas()["track_id"].nunique()),
        })  # fmt: skip
    print(json.dumps(out, indent=1))
    return 0


if __name__ == "__main__":
    sys.exit(main())
