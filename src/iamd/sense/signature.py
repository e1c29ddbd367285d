"""Radar cross-section measured on each plot: the echo power read back through the radar equation.

A radar that detects a target knows the echo's signal-to-noise ratio and the target's range;
inverting its own calibrated radar equation gives an estimate of the target's RCS (Skolnik,
*Introduction to Radar Systems*, 3rd ed., 2001, §2.7; Richards, *Fundamentals of Radar Signal
Processing*, 2nd ed., 2014, §2.2)::

    σ̂ = σ_ref · (SNR / SNR_ref) · (R / R_ref)⁴

With the radar's own calibration (``SensorArray.rcs_ref_m2``, ``snr_ref``, ``range_ref_m``)
the range terms cancel for a real target and the estimate is the true RCS times

- the **Swerling I fluctuation** of that look, an exponential variable of mean 1 (the echo of a
  complex target with many comparable scatterers, scan-to-scan independent; Swerling 1960,
  the model of :func:`iamd.sense.radar.pd_swerling1`), and
- a **calibration error** of :data:`CALIBRATION_SIGMA_DB` (log-normal), which covers the
  radar's absolute calibration, the target's aspect and the propagation the radar equation
  leaves out.

One look at a Swerling I target is a poor estimate (10 dB low one time in ten); the tracker
averages the looks of a track (`iamd.track.sensed`), which is what the identification
stage uses. A **false alarm** is noise that crossed the detection threshold: its power, in
units of the mean noise power, is exponential and exceeds the threshold ``T = −ln Pfa``
(square-law detector), so conditioned on the crossing it is ``T + Exp(1)`` (the memoryless
property); read through the radar equation at its range it looks like a target of
``σ_ref · (T + Exp(1)) / SNR_ref · (R / R_ref)⁴`` — small close in, large far out.

Each radar draws from its own generator (stream ``signature`` keyed by the radar's id),
one exponential and one normal per object and scan whatever it detects, so one target's
estimates never depend on another's presence.

>>> import numpy as np
>>> from iamd.rng import stream
>>> fa = false_alarm_rcs_m2(np.array([2.0]), np.array([130.1]), np.array([100e3]),
...                         np.array([100e3]), np.array([0.5]))
>>> round(float(fa[0]), 3)   # (13.8 + 0.5) / 130.1 x 2 m² at the reference range
0.22
"""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import numpy.typing as npt

from iamd.sense.radar import PFA, Plots, SensorArray

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.int64]

CALIBRATION_SIGMA_DB = 1.5
"""Standard deviation of one RCS estimate's calibration and aspect error (dB; EST: radar
calibration of ~1 dB and aspect scintillation beyond the Swerling model)."""


def rcs_measurements(
    plots: Plots,
    looks: IntArray,
    rcs_m2: FloatArray,
    generators: list[np.random.Generator],
) -> Plots:
    """The plots with ``rcs_m2`` set on every detection of a real object.

    Args:
        plots: the step's detections (``entity >= 0``); other rows keep their value.
        looks: (S,) scans completed by each radar in the step; every scanning radar draws
            ``(N, 2)`` variates from its generator.
        rcs_m2: (N,) the objects' true (mean) RCS.
        generators: one generator per radar (stream ``signature``).
    """
    n = len(rcs_m2)
    s_idx = np.flatnonzero(looks > 0)
    if len(s_idx) == 0 or n == 0:
        return plots
    row_of = np.full(len(looks), -1, dtype=np.int64)
    row_of[s_idx] = np.arange(len(s_idx))
    fluct = np.empty((len(s_idx), n))
    cal = np.empty((len(s_idx), n))
    for row, s in enumerate(s_idx):  # a loop over scanning radars
        fluct[row] = generators[s].exponential(1.0, n)
        cal[row] = generators[s].standard_normal(n)
    real = np.flatnonzero(plots.entity >= 0)
    if len(real) == 0:
        return plots
    rows = row_of[plots.sensor[real]]
    ent = plots.entity[real]
    est = plots.rcs_m2.copy()
    est[real] = (
        rcs_m2[ent] * fluct[rows, ent] * 10.0 ** (CALIBRATION_SIGMA_DB * cal[rows, ent] / 10.0)
    )
    return replace(plots, rcs_m2=est)


def false_alarm_rcs_m2(
    rcs_ref_m2: FloatArray,
    snr_ref: FloatArray,
    range_ref_m: FloatArray,
    range_m: FloatArray,
    excess: FloatArray,
    pfa: float = PFA,
) -> FloatArray:
    """Apparent RCS (k,) of k false alarms: noise of power ``−ln(pfa) + excess`` (``excess``
    an Exp(1) draw) read through the radar equation of its radar at ``range_m``."""
    power = -np.log(pfa) + np.asarray(excess, dtype=np.float64)
    return np.asarray(rcs_ref_m2 * power / snr_ref * (range_m / range_ref_m) ** 4)


def radar_rcs_m2(
    sensors: SensorArray, sensor: IntArray, range_m: FloatArray, excess: FloatArray
) -> FloatArray:
    """:func:`false_alarm_rcs_m2` for plots of radars ``sensor`` (k,) of ``sensors``."""
    return false_alarm_rcs_m2(
        sensors.rcs_ref_m2[sensor],
        sensors.snr_ref[sensor],
        sensors.range_ref_m[sensor],
        range_m,
        excess,
    )
