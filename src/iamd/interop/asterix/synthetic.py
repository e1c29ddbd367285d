"""Synthetic ASTERIX: a multi-radar CAT048 stream of aircraft in known motion, for tests and
benchmarks (the real samples last seconds).

Each aircraft flies a circle at constant speed and height (a gentle coordinated turn: radius
20–100 km, 150–260 m/s, FL 200–400) about a random centre in a region. Each radar turns at
its own scan period and phase; an aircraft is detected when the antenna crosses its azimuth
(found per scan for all aircraft at once), with probability ``pd``, within the radar's
range and above its horizon, and its range and azimuth get Gaussian noise of the radar's
sigmas. Reports carry Mode 3/A, Mode C (to 1/4 FL), the Mode S address and a callsign. The
truth, sampled every ``truth_period_s``, can be written as CAT062 "system tracks".

The radars are Mode S secondary radars (plots I048/020 TYP 5, Mode S roll-call) or, with
``psr``, Mode S radars with a co-located primary radar (TYP 7, roll-call + PSR).

Each radar's feed is complete, as a real radar's is: its CAT034 service messages (EUROCONTROL
CAT034 ed. 1.2x) go with the plots, a north marker (I034/000 = 1, with the antenna rotation
period I034/041, the system configuration and status I034/050, the system processing mode
I034/060 and the site I034/120) each time the antenna passes north and a sector crossing
(I034/000 = 2, I034/020) at every 45°. Every service message is its own data block, sent
between the plots' blocks in time order (a plots block never spans one). I034/050 and /060
describe a working radar (`working_radar_status`): released for operational use, no
overload, no reduction step, monitoring connected, time source valid, antenna 1 and channel A
of each sensor; with the COM subfield and the subfields of the radar's sensors only (MDS, and
PSR with ``psr``).

Random draws come from ``np.random.SeedSequence(seed)`` spawned per subsystem (aircraft,
then each radar), so adding a radar does not change the aircraft or another radar's noise.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import numpy as np
import numpy.typing as npt
import pandas as pd

from iamd.errors import InputError
from iamd.geo.wgs84 import ecef_to_aer, lla_to_ecef
from iamd.interop.asterix.encode import encode_cat034, encode_cat048, encode_cat062, split_blocks
from iamd.interop.asterix.fields import (
    CAT034_SYSTEM_SUBFIELDS,
    FT_M,
    NORTH_MARKER,
    SECTOR_CROSSING,
)

FloatArray = npt.NDArray[np.float64]

EARTH_R_M = 6_371_000.0


@dataclass(frozen=True, slots=True)
class SyntheticStream:
    """A synthetic recording.

    Attributes:
        data: CAT048 data blocks (and CAT062 truth blocks when asked), time-ordered.
        plots: the CAT048 reports encoded (one row per plot; ``target`` is the aircraft's
            index in ``truth``, not encoded).
        truth: (t_s, target, lat_deg, lon_deg, alt_m, ve_m_s, vn_m_s) every truth period.
        sensors: the sensor table as a mapping (`iamd.interop.recording.sensors_from_mapping`).
    """

    data: bytes
    plots: pd.DataFrame
    truth: pd.DataFrame
    sensors: dict[str, Any]
    antennas: tuple[tuple[float, float], ...] = ()
    """(scan period s, phase deg) of each radar: its antenna points at phase + 360 t / period."""
    service: pd.DataFrame | None = None
    """The CAT034 service messages encoded (`encode_cat034`'s columns), when written."""


def aircraft_positions(par: dict[str, FloatArray], t_s: FloatArray) -> tuple[FloatArray, ...]:
    """(lat_deg, lon_deg, alt_m, ve, vn) of aircraft ``i`` at times ``t_s`` (broadcast)."""
    ang = par["ang0"] + par["omega"] * t_s
    north = par["radius"] * np.cos(ang)
    east = par["radius"] * np.sin(ang)
    lat = par["lat_c"] + np.degrees(north / EARTH_R_M)
    lon = par["lon_c"] + np.degrees(east / (EARTH_R_M * np.cos(np.radians(par["lat_c"]))))
    v = par["omega"] * par["radius"]
    return lat, lon, par["alt"] + 0.0 * t_s, v * np.cos(ang), -v * np.sin(ang)


def synthetic_cat048(
    *,
    n_radars: int = 4,
    n_targets: int = 100,
    duration_s: float = 600.0,
    seed: int = 0,
    centre_deg: tuple[float, float] = (45.0, 16.0),
    region_m: float = 250_000.0,
    pd_detect: float = 0.95,
    truth_period_s: float | None = None,
    max_block_octets: int = 1024,
    service_messages: bool = True,
    sector_deg: float = 45.0,
    psr: bool = False,
) -> SyntheticStream:
    """A synthetic multi-radar CAT048 stream (module docstring); SAC 1, SIC 1..n_radars;
    with ``service_messages`` each radar's CAT034 north markers and sector crossings (every
    ``sector_deg``, a multiple of 360/256°); with ``psr`` the radars have a primary radar
    beside the Mode S one (plots TYP 7 instead of 5, I034/050 and /060 with PSR subfields)."""
    ss = np.random.SeedSequence(seed)
    s_air, s_rad = ss.spawn(2)
    rng = np.random.default_rng(s_air)
    n = n_targets
    lat0, lon0 = centre_deg
    k = 1.0 / (EARTH_R_M * math.cos(math.radians(lat0)))
    par = {
        "lat_c": lat0 + np.degrees(rng.uniform(-region_m, region_m, n) / EARTH_R_M),
        "lon_c": lon0 + np.degrees(rng.uniform(-region_m, region_m, n) * k),
        "radius": rng.uniform(20e3, 100e3, n),
        "ang0": rng.uniform(0, 2 * np.pi, n),
        "alt": rng.uniform(200, 400, n) * 100 * FT_M,
    }
    speed = rng.uniform(150.0, 260.0, n)
    par["omega"] = speed / par["radius"] * rng.choice([-1.0, 1.0], n)
    mode3a = rng.integers(0, 0o7777 + 1, n)
    address = rng.integers(0x300000, 0x4FFFFF, n)
    callsign = np.asarray([f"SYN{i:04d}" for i in range(n)], dtype=object)

    radars = []
    antennas: list[tuple[float, float]] = []
    rows: list[dict[str, Any]] = []
    for r, s_r in enumerate(s_rad.spawn(n_radars)):
        g = np.random.default_rng(s_r)
        ang = 2 * np.pi * r / max(n_radars, 1)
        site_lat = lat0 + math.degrees(0.6 * region_m * math.cos(ang) / EARTH_R_M)
        site_lon = lon0 + math.degrees(0.6 * region_m * math.sin(ang) * k)
        site_alt = float(g.uniform(100, 1200))
        period = float([4.0, 5.0, 8.0, 10.0, 12.0][r % 5])
        phase = float(g.uniform(0, 360))
        antennas.append((period, phase))
        sig_r, sig_az = 50.0, 1.0e-3
        radars.append({"sac": 1, "sic": r + 1, "name": f"radar {r + 1}", "lat_deg": site_lat,
                       "lon_deg": site_lon, "alt_m": site_alt, "sigma_range_m": sig_r,
                       "sigma_az_mrad": sig_az * 1e3, "sigma_height_m": 30.0,
                       "scan_period_s": period, "max_range_km": 450.0})  # fmt: skip
        lat_r, lon_r = math.radians(site_lat), math.radians(site_lon)
        n_scan = int(duration_s / period)
        for s in range(n_scan):
            t_a = s * period
            la, lo, al, _, _ = aircraft_positions(par, np.full(n, t_a))
            az, _, _ = ecef_to_aer(lla_to_ecef(np.radians(la), np.radians(lo), al),
                                   lat_r, lon_r, site_alt)  # fmt: skip
            ant = (phase + 360.0 * t_a / period) % 360.0
            t_d = t_a + ((np.degrees(az) - ant) % 360.0) / 360.0 * period
            la, lo, al, _, _ = aircraft_positions(par, t_d)
            az, el, rg = ecef_to_aer(lla_to_ecef(np.radians(la), np.radians(lo), al),
                                     lat_r, lon_r, site_alt)  # fmt: skip
            det = (
                (g.random(n) < pd_detect)
                & (rg < 450e3)
                & (el > -0.5 * np.pi / 180)
                & (t_d < duration_s)
            )
            idx = np.flatnonzero(det)
            m = len(idx)
            rows.append({
                "t": t_d[idx], "sic": np.full(m, r + 1),
                "range_m": rg[idx] + g.normal(0, sig_r, m),
                "azimuth_deg": (np.degrees(az[idx] + g.normal(0, sig_az, m))) % 360.0,
                "fl": np.round(al[idx] / FT_M / 100 * 4) / 4,
                "target": idx,
            })  # fmt: skip
    cat = {k2: np.concatenate([x[k2] for x in rows]) for k2 in rows[0]} if rows else {}
    order = np.argsort(cat["t"], kind="stable")
    cat = {k2: v[order] for k2, v in cat.items()}
    tgt = cat["target"]
    plots = pd.DataFrame({
        "sac": np.ones(len(tgt), dtype=np.int64), "sic": cat["sic"],
        "tod_s": np.round(cat["t"] * 128) / 128, "typ": np.full(len(tgt), 7 if psr else 5),
        "range_m": cat["range_m"], "azimuth_deg": cat["azimuth_deg"], "mode3a": mode3a[tgt],
        "fl": cat["fl"], "address": address[tgt], "callsign": callsign[tgt],
        "target": tgt,
    })  # fmt: skip
    if service_messages:
        sensors_of = ("MDS", "PSR") if psr else ("MDS",)
        service = _service_messages(radars, antennas, duration_s, sector_deg, sensors_of)
        data = _interleave(plots, service, max_block_octets)
    else:
        service = None
        data = encode_cat048(plots, max_block_octets=max_block_octets)
    tt = np.arange(0.0, duration_s, truth_period_s or 5.0)
    la, lo, al, ve, vn = aircraft_positions({k2: v[None, :] for k2, v in par.items()}, tt[:, None])
    truth = pd.DataFrame({
        "t_s": np.repeat(tt, n), "target": np.tile(np.arange(n), len(tt)),
        "lat_deg": la.ravel(), "lon_deg": lo.ravel(), "alt_m": al.ravel(),
        "ve_m_s": ve.ravel(), "vn_m_s": vn.ravel(),
    })  # fmt: skip
    if truth_period_s is not None:
        sys_tracks = pd.DataFrame({
            "sac": 1, "sic": 100, "tod_s": np.round(truth["t_s"].to_numpy() * 128) / 128,
            "track_number": truth["target"].to_numpy() + 1,
            "lat_deg": truth["lat_deg"], "lon_deg": truth["lon_deg"],
            "vx_m_s": truth["ve_m_s"], "vy_m_s": truth["vn_m_s"],
            "geometric_alt_m": truth["alt_m"],
        })  # fmt: skip
        data += encode_cat062(sys_tracks, max_block_octets=max_block_octets)
    sensors = {"system": {"sac": 1, "sic": 200}, "sensors": radars}
    return SyntheticStream(data, plots, truth, sensors, tuple(antennas), service)


def _service_messages(
    radars: list[dict[str, Any]],
    antennas: list[tuple[float, float]],
    duration_s: float,
    sector_deg: float,
    sensors_of: tuple[str, ...],
) -> pd.DataFrame:
    """Each radar's north markers and sector crossings (CAT034), in time order; the north
    markers with I034/050 and /060 of a working radar of the sensors ``sensors_of``."""
    parts = []
    for radar, (period, phase) in zip(radars, antennas, strict=True):
        per_scan = round(360.0 / sector_deg)
        k0 = math.floor(phase / sector_deg)
        j = np.arange(k0, k0 + per_scan * (math.ceil(duration_s / period) + 1) + 1)
        az = j * sector_deg  # unwrapped azimuth the antenna passes
        t = (az - phase) / 360.0 * period
        keep = (t >= 0.0) & (t < duration_s)
        j, t = j[keep], t[keep]
        north = (j % per_scan) == 0
        m = len(t)
        parts.append(pd.DataFrame({
            "sac": np.full(m, radar["sac"]), "sic": np.full(m, radar["sic"]),
            "msg_type": np.where(north, NORTH_MARKER, SECTOR_CROSSING),
            "tod_s": np.round(t * 128) / 128,
            "sector_azimuth_deg": np.where(north, np.nan, (j % per_scan) * sector_deg),
            "rotation_period_s": np.where(north, period, np.nan),
            "site_lat_deg": np.where(north, radar["lat_deg"], np.nan),
            "site_lon_deg": np.where(north, radar["lon_deg"], np.nan),
            "site_alt_m": np.where(north, round(radar["alt_m"]), np.nan),
        } | working_radar_status(north, sensors_of)))  # fmt: skip
    out = pd.concat(parts, ignore_index=True)
    return out.iloc[np.argsort(out["tod_s"].to_numpy(), kind="stable")].reset_index(drop=True)


def working_radar_status(
    rows: npt.NDArray[np.bool_], sensors: tuple[str, ...]
) -> dict[str, npt.NDArray[np.int64]]:
    """I034/050 and I034/060 columns (`fields.CAT034_SYSTEM_SUBFIELDS`) of a working radar
    whose sensors are ``sensors`` (of "PSR", "SSR", "MDS"), in the rows ``rows`` ((n,)
    booleans), -1 (absent) elsewhere and in the other sensors' subfields.

    Working: released for operational use (NOGO 0), RDP chain 1, no reset, no overload, no
    reduction step, monitoring system connected, time source valid; each sensor on antenna 1
    and channel A only (CH-A/B 1; the Mode S surveillance co-ordination and data link
    functions on channel A); the PSR linearly polarised with STC map 1; a Mode S sensor
    autonomous (not in a cluster).

    >>> c = working_radar_status(np.array([True, False]), ("MDS",))
    >>> c["com_nogo"].tolist(), c["mds_ch_ab"].tolist(), c["psr_ch_ab"].tolist()
    ([0, -1], [1, -1], [-1, -1])
    """
    unknown = sorted(set(sensors) - {"PSR", "SSR", "MDS"})
    if unknown:
        raise InputError(f"working_radar_status: sensor {unknown[0]!r} is not one of PSR, SSR, MDS")
    out = {}
    for _item, sub, _bit, _size, cols in CAT034_SYSTEM_SUBFIELDS:
        for col, _mask in cols:
            value = 1 if col.endswith("_ch_ab") else 0
            has = rows if sub == "COM" or sub in sensors else np.zeros_like(rows)
            out[col] = np.where(has, value, -1).astype(np.int64)
    return out


def _interleave(plots: pd.DataFrame, service: pd.DataFrame, max_block_octets: int) -> bytes:
    """CAT048 and CAT034 blocks in time order: each service message a block of its own, and
    a plots block opened after each service message (a message at a plot's time first)."""
    t48 = plots["tod_s"].to_numpy()
    t34 = service["tod_s"].to_numpy()
    after = np.searchsorted(t34, t48, side="right")  # service messages up to each plot
    starts = np.r_[True, after[1:] != after[:-1]] if len(t48) else None
    rows48: list[int] = []
    blob = encode_cat048(plots, max_block_octets=max_block_octets, block_starts=starts,
                         block_rows=rows48)  # fmt: skip
    b48 = split_blocks(blob)
    b34 = split_blocks(encode_cat034(service, block_starts=np.ones(len(t34), dtype=bool)))
    key = np.r_[t48[np.asarray(rows48, dtype=np.int64)], t34]
    kind = np.r_[np.ones(len(b48)), np.zeros(len(b34))]  # at equal times, service first
    order = np.lexsort((kind, key))
    blocks = b48 + b34
    return b"".join(blocks[i] for i in order)
