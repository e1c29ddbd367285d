"""Cooperative surveillance: transponder replies (ADS-B / Mode S) and allied IFF answers.

Civil aircraft broadcast ADS-B and answer Mode S interrogations (``has_transponder`` in the
threat catalog); allied military aircraft answer the NATO IFF Mode 5 interrogation
(``has_iff``); threats answer nothing — the engine never lets a hostile class reply, whatever
its catalog entry says. Every radar of a scenario is taken to carry a co-located secondary
surveillance / IFF interrogator and ADS-B receiver whose coverage is the primary radar's, so
a reply is associated with the radar's plot of the object (a reply without a primary plot is
not modelled).

Replies drop out: garbling, fruit, antenna shadowing and missed squitters lose a few percent
of the reports (Stevens, *Secondary Surveillance Radar*, Artech House, 1988, ch. 8: round
reliabilities of 95–99 %; ICAO Doc 9684). Each reply is lost independently with probability
``dropout`` (default :data:`DEFAULT_DROPOUT`, 3 %; a scenario sets it with
``tracking.cooperative_dropout``). The flags go on the plots (``Plots.squawk``,
``Plots.iff``) for the identification stage.

Each radar draws from its own generator (stream ``cooperative`` keyed by the radar's id),
two uniforms per object and scan whatever it detects, so one aircraft's dropouts never depend
on another's presence.

>>> import numpy as np
>>> from iamd.rng import stream
>>> from iamd.sense.radar import Plots
>>> p = Plots.empty()
>>> cooperative_replies(p, np.array([1]), np.array([True]), np.array([False]), 0.03,
...                     [stream(1, "cooperative", "r")]).squawk.tolist()
[]
"""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import numpy.typing as npt

from iamd.sense.radar import Plots
from iamd.units import FT_M

BoolArray = npt.NDArray[np.bool_]
FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.int64]

ALT_REPORT_STEP_M = 25.0 * FT_M
"""Altitude quantum of Mode S and ADS-B altitude reports (25 ft, in m)."""
DEFAULT_DROPOUT = 0.03
"""Probability that one cooperative reply (transponder or IFF) is lost (EST, 2–5 %)."""


def cooperative_replies(
    plots: Plots,
    looks: IntArray,
    has_transponder: BoolArray,
    has_iff: BoolArray,
    dropout: float,
    generators: list[np.random.Generator],
    alt_m: FloatArray | None = None,
) -> Plots:
    """The plots with their ``squawk`` and ``iff`` flags set, and the altitude a transponder
    reports (``reported_alt_m``: the object's height ``alt_m`` in the 25 ft steps of Mode S
    and ADS-B, ICAO Annex 10 vol. IV; NaN without a reply or without ``alt_m``).

    Args:
        plots: the step's plots (false alarms, ``entity == -1``, get no reply).
        looks: (S,) scans completed by each radar in the step; every scanning radar draws
            ``(N, 2)`` uniforms from its generator.
        has_transponder, has_iff: (N,) what each object answers (False for threats).
        dropout: probability that a reply is lost.
        generators: one generator per radar (stream ``cooperative``).
        alt_m: (N,) the objects' heights (m), for the reported altitude.
    """
    n = len(has_transponder)
    s_idx = np.flatnonzero(looks > 0)
    if len(s_idx) == 0 or n == 0:
        return plots
    row_of = np.full(len(looks), -1, dtype=np.int64)
    row_of[s_idx] = np.arange(len(s_idx))
    u = np.empty((len(s_idx), n, 2))
    for row, s in enumerate(s_idx):  # a loop over scanning radars
        u[row] = generators[s].random((n, 2))
    real = plots.entity >= 0
    if not real.any():
        return plots
    rows = row_of[plots.sensor[real]]
    ent = plots.entity[real]
    squawk = np.zeros(len(plots), dtype=bool)
    iff = np.zeros(len(plots), dtype=bool)
    squawk[real] = has_transponder[ent] & (u[rows, ent, 0] >= dropout)
    iff[real] = has_iff[ent] & (u[rows, ent, 1] >= dropout)
    reported = np.full(len(plots), np.nan)
    if alt_m is not None:
        reported[real] = np.where(
            squawk[real], np.round(alt_m[ent] / ALT_REPORT_STEP_M) * ALT_REPORT_STEP_M, np.nan
        )
    return replace(plots, squawk=squawk, iff=iff, reported_alt_m=reported)
