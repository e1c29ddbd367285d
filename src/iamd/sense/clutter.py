"""False alarms: Poisson clutter plots spread over each radar's coverage.

After CFAR detection, clutter maps and plot extraction a radar still reports a few false plots
per scan. The classical model (Bar-Shalom, Li and Kirubarajan, *Estimation with Applications
to Tracking and Navigation*, 2001, §8.2; Blackman and Popoli, *Design and Analysis of Modern
Tracking Systems*, 1999, §6.2) is a Poisson number of false plots per scan, spread uniformly
over the resolution cells of the surveillance region; the cells are uniform in range, azimuth
and elevation, so a false plot's range, azimuth and elevation are drawn uniformly over the
radar's coverage: range from :data:`MIN_RANGE_M` to the instrumented range, azimuth in the
radar's sector, elevation between its limits (from 0° when its floor is at or below the
horizon). Draws above the radar's altitude ceiling are discarded (the radar reports no plot
there), which thins the Poisson process and keeps it Poisson.

The mean count per scan is a per-radar parameter (``rate_per_scan``). Scenarios give a rate
per second of radar time, ``tracking.false_alarms_per_s`` (default
:data:`DEFAULT_FALSE_ALARMS_PER_S`, an engineering estimate: about one false plot per rotation
of a 6 rpm surveillance radar after its plot extractor and clutter map), and each radar gets
that rate times its scan period (:func:`false_alarms_per_scan`): a phased array revisiting
every second reports a tenth as many per look, not ten times as many per rotation. A radar
that completes several scans within a clock step reports the false alarms of each.

Each radar draws from its own generator (stream ``clutter`` keyed by the radar's id), so a
radar's false alarms do not depend on any other radar or target.

>>> import numpy as np
>>> from iamd.rng import stream
>>> from iamd.sense.radar import make_sensor_array
>>> radar = make_sensor_array(ids=["r"], nation=["BGR"], type_=["t"], lat_deg=[43.0],
...     lon_deg=[28.0], site_alt_m=[0.0], antenna_height_m=[10.0], detection_range_km=[100.0],
...     rcs_ref_m2=[1.0], pd_ref=[0.9], min_elevation_deg=[0.0], max_elevation_deg=[60.0],
...     max_altitude_km=[30.0], scan_period_s=[1.0], sigma_range_m=[10.0],
...     sigma_azimuth_mrad=[1.0], sigma_elevation_mrad=[1.0], sector_center_deg=[0.0],
...     sector_width_deg=[360.0])
>>> fa = false_alarms(radar, np.array([1]), 0.0, np.array([20.0]), [stream(1, "clutter", "r")])
>>> bool((fa.entity == -1).all()), bool((fa.range_m <= 120e3).all()), len(fa) > 0
(True, True, True)
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt

from iamd.sense.radar import (
    INSTRUMENTED_RANGE_FACTOR,
    Plots,
    SensorArray,
    aer_to_ecef_at,
    approx_height_m,
    measurement_covariance_ecef,
)
from iamd.sense.signature import radar_rcs_m2

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.int64]

DEFAULT_FALSE_ALARMS_PER_S = 0.1
"""Mean false plots per second of radar time over the whole coverage (EST)."""
MIN_RANGE_M = 1_000.0
"""Nearest range of a false plot (m): the radar's blind zone."""


def false_alarms_per_scan(
    sensors: SensorArray, rate_per_s: float = DEFAULT_FALSE_ALARMS_PER_S
) -> FloatArray:
    """(S,) mean false plots per scan of each radar: ``rate_per_s`` × its scan period."""
    return np.asarray(rate_per_s * sensors.scan_period_s, dtype=np.float64)


def false_alarms(
    sensors: SensorArray,
    looks: IntArray,
    t_s: float,
    rate_per_scan: FloatArray,
    generators: list[np.random.Generator],
) -> Plots:
    """False plots of the radars that complete ``looks`` (S,) scans in the step.

    Args:
        looks: (S,) scans completed by each radar in the step (``iamd.sense.radar.scanning``).
        t_s: time stamp of the plots.
        rate_per_scan: (S,) mean number of false plots per scan of each radar.
        generators: one generator per radar (stream ``clutter``); a radar that does not scan
            draws nothing.

    Returns:
        ``Plots`` with ``entity == -1``, no cooperative reply, the apparent RCS of the noise
        that crossed the threshold (`iamd.sense.signature`), and each radar's measurement
        covariance.
    """
    parts: list[tuple[int, FloatArray]] = []
    for s in np.flatnonzero((looks > 0) & (rate_per_scan > 0.0)):  # a loop over radars
        gen = generators[s]
        count = int(gen.poisson(float(rate_per_scan[s]) * int(looks[s])))
        if count:
            u_s = gen.random((count, 3))
            parts.append((int(s), np.column_stack([u_s, gen.exponential(1.0, count)])))
    if not parts:
        return Plots.empty()
    sensor = np.concatenate([np.full(len(u), s, dtype=np.int64) for s, u in parts])
    u = np.concatenate([u for _, u in parts])
    r_max = INSTRUMENTED_RANGE_FACTOR * sensors.range_ref_m[sensor]
    rng = MIN_RANGE_M + u[:, 0] * np.maximum(r_max - MIN_RANGE_M, 0.0)
    half = sensors.sector_half_rad[sensor]
    az = np.mod(sensors.sector_center_rad[sensor] + (2.0 * u[:, 1] - 1.0) * half, 2.0 * np.pi)
    el_lo = np.maximum(sensors.min_el_rad[sensor], 0.0)
    el = el_lo + u[:, 2] * np.maximum(sensors.max_el_rad[sensor] - el_lo, 0.0)
    pos = aer_to_ecef_at(sensors, sensor, az, el, rng)
    keep = approx_height_m(pos) <= sensors.max_alt_m[sensor]
    sensor, rng, az, el, pos = sensor[keep], rng[keep], az[keep], el[keep], pos[keep]
    k = len(sensor)
    rcs = radar_rcs_m2(sensors, sensor, rng, u[keep, 3])
    return Plots(
        t_s=np.full(k, float(t_s)),
        sensor=sensor,
        entity=np.full(k, -1, dtype=np.int64),
        range_m=rng,
        az_rad=az,
        el_rad=el,
        pos_ecef_m=pos,
        cov_ecef_m2=measurement_covariance_ecef(sensors, sensor, az, el, rng),
        squawk=np.zeros(k, dtype=bool),
        iff=np.zeros(k, dtype=bool),
        rcs_m2=rcs,
        reported_alt_m=np.full(k, np.nan),
    )
