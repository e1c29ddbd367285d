"""One clock step of sensing: detections, cooperative replies and false alarms, as one table.

:func:`scan` runs the four models of the sensing stage in order — the primary radar's
detections and measurement noise (:func:`iamd.sense.radar.detect`), the transponder and IFF
replies associated with them (:func:`iamd.sense.cooperative.cooperative_replies`), the RCS
each detection measures (:func:`iamd.sense.signature.rcs_measurements`) and the
radars' false alarms (:func:`iamd.sense.clutter.false_alarms`) — each radar drawing from four
streams of its own (:func:`sensor_streams`), so that adding a radar, a target or a false alarm
never changes another radar's draws.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from iamd.rng import stream
from iamd.sense.clutter import false_alarms
from iamd.sense.cooperative import cooperative_replies
from iamd.sense.radar import Plots, SensorArray, approx_height_m, detect, scanning
from iamd.sense.signature import rcs_measurements

FloatArray = npt.NDArray[np.float64]
BoolArray = npt.NDArray[np.bool_]


@dataclass(frozen=True, slots=True, kw_only=True)
class SensorStreams:
    """The random streams of S radars, one generator per radar each.

    Attributes:
        detect: detection draws and measurement noise (stream ``sense``).
        clutter: false alarms (stream ``clutter``).
        cooperative: reply dropouts (stream ``cooperative``).
        signature: RCS fluctuations and calibration errors (stream ``signature``).
    """

    detect: list[np.random.Generator]
    clutter: list[np.random.Generator]
    cooperative: list[np.random.Generator]
    signature: list[np.random.Generator]


def sensor_streams(seed: int, sensor_ids: tuple[str, ...] | list[str]) -> SensorStreams:
    """The streams of the radars ``sensor_ids`` for a run's ``seed``, keyed by radar id."""
    return SensorStreams(
        detect=[stream(seed, "sense", sid) for sid in sensor_ids],
        clutter=[stream(seed, "clutter", sid) for sid in sensor_ids],
        cooperative=[stream(seed, "cooperative", sid) for sid in sensor_ids],
        signature=[stream(seed, "signature", sid) for sid in sensor_ids],
    )


def scan(
    sensors: SensorArray,
    pos_ecef_m: FloatArray,
    present: BoolArray,
    rcs_m2: FloatArray,
    t_s: float,
    dt_s: float,
    streams: SensorStreams,
    *,
    has_transponder: BoolArray,
    has_iff: BoolArray,
    false_alarms_per_scan: FloatArray,
    dropout: float,
) -> Plots:
    """All plots of the radars that scan during ``[t_s, t_s + dt_s)``: detections of the
    ``present`` objects (with their cooperative replies), then false alarms.

    Args:
        pos_ecef_m: (N, 3) positions at ``t_s``; present: (N,); rcs_m2: (N,).
        has_transponder, has_iff: (N,) cooperative equipment (False for every threat).
        false_alarms_per_scan: (S,) mean false plots per scan of each radar.
        dropout: probability that a cooperative reply is lost.
    """
    plots = detect(sensors, pos_ecef_m, present, rcs_m2, t_s, dt_s, streams.detect)
    looks = scanning(sensors, t_s, dt_s)
    plots = cooperative_replies(
        plots, looks, has_transponder, has_iff, dropout, streams.cooperative,
        alt_m=approx_height_m(pos_ecef_m),
    )  # fmt: skip
    plots = rcs_measurements(plots, looks, rcs_m2, streams.signature)
    clutter = false_alarms(sensors, looks, t_s, false_alarms_per_scan, streams.clutter)
    return plots.concat(clutter) if len(clutter) else plots
