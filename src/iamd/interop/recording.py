"""Real radar recordings into the one tracker: ASTERIX CAT048 plots → tracks → CAT062.

``iamd track RECORDING.pcap|.ast --sensors SENSORS.yaml --out TRACKS.csv
[--out-asterix TRACKS.ast]`` reads a recording (`iamd.interop.asterix.read_recording`),
turns its CAT048 target reports into polar plots, tracks them with
`iamd.track.manager.Tracker` and writes the tracks in ``iamd track``'s format (the input of
``iamd identify``) and, if asked, as ASTERIX CAT062 (a pcap capture for ``.pcap``, else raw
blocks; a data block per step).

**Plots.** A CAT048 report becomes a plot when it has a measured position (I048/040) and a
detection (TYP ≠ 0, "no detection" reports are coasted tracks) and is not simulated
(SIM = 0). Each plot is sent twice on redundant LANs in Croatia Control's recording: reports
with equal source, time, position and codes are one plot (``duplicates`` counts the copies).
The radar measures slant range ρ and azimuth θ; the elevation comes from the Mode C height:
the flight level (FL × 100 ft, taken as height above the ellipsoid) and the site's height
give, on a sphere of the site's Gaussian radius of curvature R, ``sin el = ((R + h)² −
(R + h₀)² − ρ²) / (2 (R + h₀) ρ)`` (no refraction), with ``σ_el = σ_h (R + h) / ((R + h₀) ρ
cos el)``. A plot without a valid Mode C is placed at the table's ``default_height_m`` with
``default_height_sigma_m``. Range, azimuth and elevation with their sigmas then go through
the tracker tool's polar conversion (`iamd.track.tool`: ``aer_to_ecef`` and the linearised
``aer_covariance_enu``), the same as ``iamd track`` on a polar plots file.

**Steps and looks.** Plots are folded in by windows of ``window_s`` (default 1 s) at the
mean time of their plots; a radar's antenna sweeps ``360° window_s / T`` per window, so a
window is a look by each radar only at the tracks in the azimuth sector it swept (a
`iamd.track.manager.LookFn`), and only within its range. The antenna turns at 360°/T: the
scan period T comes from the sensor table, else CAT034 (I034/041, else the spacing of north
markers, else the rate of sector crossings), else the plots' azimuth against time. The
azimuth at a window's start is extrapolated at that rate from the radar's last known
pointing before it (a plot, a sector crossing or a north marker), so that a small error in
T does not build up over a long recording. The clutter volume per false plot is the radar's
coverage (a cylinder of its largest range and 20 km high) times the fraction of a scan in a
window.

**Sensor table** (YAML, keyed by SAC/SIC)::

    system: {sac: 25, sic: 250}      # data source of the CAT062 output (optional)
    default_height_m: 9000           # plots without Mode C (optional)
    default_height_sigma_m: 5000
    adsb:                            # CAT021 ground stations (optional)
      - {sac: 7, sic: 9, name: ground station, sigma_m: 30, sigma_fl_m: 150}
    sensors:
      - {sac: 25, sic: 11, name: Sljeme, lat_deg: 45.90, lon_deg: 15.95, alt_m: 1030,
         sigma_range_m: 70, sigma_az_mrad: 1.2, sigma_height_m: 150,
         scan_period_s: 5.0, max_range_km: 470}

**ADS-B.** The CAT021 reports of the receivers listed under ``adsb:`` in the table join as
cooperative plots through the tool's geodetic conversion (height from I021/140, else from
the flight level; isotropic sigma from the table). A receiver never scans, so it makes no
miss.

**Output.** A row per confirmed track per step in which a plot updated it (``iamd track``'s
columns, see `iamd.track.tool`), plus ``squawk`` (the last Mode 3/A, octal text),
``reported_alt_m`` (its Mode C height), ``callsign`` and ``address`` (hex) of the plots that
updated it; CAT062 carries the same with the covariance's standard deviations in I062/500.
"""

from __future__ import annotations

import contextlib
import math
import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt
import pandas as pd

from iamd.errors import DataFileError, InputError
from iamd.files import MAX_TEXT_BYTES, check_input_file
from iamd.geo.wgs84 import A_M, E2, ecef_to_lla
from iamd.interop.asterix import (
    Decoded,
    encode_cat062,
    read_recording,
    split_blocks,
    write_recording,
)
from iamd.interop.asterix.fields import FT_M, NORTH_MARKER, SECTOR_CROSSING
from iamd.track.manager import Tracker, TrackerParams

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.int64]

DEFAULT_WINDOW_S = 1.0
COVERAGE_HEIGHT_M = 20_000.0
_NO_FLAGS = ("sigma_m", "sigma_range_m", "sigma_az_mrad", "sigma_el_mrad")
ADSB_RANGE_M = 500_000.0
"""Radius of an ADS-B receiver's coverage, for its clutter volume."""
_SENSOR_KEYS = {
    "sac": "int",
    "sic": "int",
    "name": "str",
    "lat_deg": "float",
    "lon_deg": "float",
    "alt_m": "float",
    "sigma_range_m": "float",
    "sigma_az_mrad": "float",
    "sigma_height_m": "float",
    "scan_period_s": "float",
    "max_range_km": "float",
}
_REQUIRED = ("sac", "sic", "lat_deg", "lon_deg", "alt_m", "sigma_range_m", "sigma_az_mrad")
_TOP_KEYS = ("system", "default_height_m", "default_height_sigma_m", "sensors", "adsb", "notes")
_ADSB_KEYS = {"sac": "int", "sic": "int", "name": "str", "sigma_m": "float", "sigma_fl_m": "float"}


# --------------------------------------------------------------------------- sensor table


@dataclass(frozen=True, slots=True, kw_only=True)
class RadarSite:
    """One radar of the sensor table (SI units; degrees for the site)."""

    sac: int
    sic: int
    name: str
    lat_deg: float
    lon_deg: float
    alt_m: float
    sigma_range_m: float
    sigma_az_mrad: float
    sigma_height_m: float = 150.0
    scan_period_s: float | None = None
    max_range_m: float | None = None

    @property
    def key(self) -> tuple[int, int]:
        return (self.sac, self.sic)

    @property
    def label(self) -> str:
        return f"{self.sac:03d}/{self.sic:03d}"


@dataclass(frozen=True, slots=True, kw_only=True)
class AdsbReceiver:
    """An ADS-B ground station of the sensor table: its CAT021 reports are cooperative plots
    of isotropic sigma ``sigma_m`` (geometric height, I021/140) or ``sigma_fl_m`` (height
    from the flight level, I021/145)."""

    sac: int
    sic: int
    name: str
    sigma_m: float = 50.0
    sigma_fl_m: float = 150.0

    @property
    def label(self) -> str:
        return f"ADS-B {self.sac:03d}/{self.sic:03d}"


@dataclass(frozen=True, slots=True, kw_only=True)
class SensorTable:
    """The radars (and ADS-B receivers) of a recording, keyed by (SAC, SIC)."""

    sensors: dict[tuple[int, int], RadarSite]
    adsb: dict[tuple[int, int], AdsbReceiver] = field(default_factory=dict)
    system_sac: int = 0
    system_sic: int = 1
    default_height_m: float = 9000.0
    default_height_sigma_m: float = 5000.0
    name: str = "<sensors>"


def load_sensors(path: str | os.PathLike[str]) -> SensorTable:
    """Read and validate a sensor table (see the module's docstring).

    Raises:
        DataFileError: a missing or unreadable file, or an entry that breaks a rule; the
            message names the entry (``sensors[2].lat_deg``), the rule and the value.
    """

    name = str(path)
    p = Path(path)
    if not p.exists():
        raise DataFileError(f"{name}: no such file (--sensors)")
    if p.is_dir():
        raise DataFileError(f"{name}: is a directory, not a sensor table (--sensors)")
    try:
        check_input_file(p, "--sensors", max_bytes=MAX_TEXT_BYTES)
    except InputError as exc:
        raise DataFileError(str(exc)) from None
    from iamd.scenario.loader import yaml_data

    try:  # read once, within the size checked above
        text = p.read_bytes().decode("utf-8")
    except OSError as exc:
        raise DataFileError(f"{name}: cannot read the sensor table ({exc.strerror})") from None
    except UnicodeDecodeError as exc:
        raise DataFileError(f"{name}: not UTF-8 text (byte {exc.start}) (--sensors)") from None
    try:
        data = yaml_data(text, name, what="a sensor table")
    except InputError as exc:
        raise DataFileError(f"{exc} (--sensors)") from None
    return sensors_from_mapping(data, name)


def sensors_from_mapping(data: Any, name: str = "<sensors>") -> SensorTable:
    """A `SensorTable` from a parsed mapping (the YAML's content); see `load_sensors`."""
    if not isinstance(data, Mapping) or "sensors" not in data:
        raise DataFileError(
            f"{name}: must be a mapping with a 'sensors' list (got "
            f"{type(data).__name__ if not isinstance(data, Mapping) else 'no sensors key'})"
        )
    for k in data:
        if k not in _TOP_KEYS:
            raise DataFileError(f"{name}: unknown key {k!r} (allowed: {', '.join(_TOP_KEYS)})")
    raw = data["sensors"]
    if not isinstance(raw, list) or not raw:
        raise DataFileError(f"{name}: sensors must be a non-empty list of radars (got {raw!r})")
    out: dict[tuple[int, int], RadarSite] = {}
    for i, e in enumerate(raw):
        where = f"{name}: sensors[{i}]"
        if not isinstance(e, Mapping):
            raise DataFileError(f"{where}: must be a mapping (got {e!r})")
        for k in e:
            if k not in _SENSOR_KEYS:
                raise DataFileError(
                    f"{where}: unknown key {k!r} (allowed: {', '.join(_SENSOR_KEYS)})"
                )
        for k in _REQUIRED:
            if k not in e:
                raise DataFileError(f"{where}.{k}: missing (required: {', '.join(_REQUIRED)})")
        v = {k: _typed(f"{where}.{k}", e[k], _SENSOR_KEYS[k]) for k in e}
        for k, lo, hi in (("sac", 0, 255), ("sic", 0, 255)):
            if not lo <= v[k] <= hi:
                raise DataFileError(f"{where}.{k}: must be within [{lo}, {hi}] (got {v[k]})")
        if not -90.0 <= v["lat_deg"] <= 90.0:
            raise DataFileError(f"{where}.lat_deg: must be within [-90, 90] (got {v['lat_deg']})")
        if not -180.0 <= v["lon_deg"] < 360.0:
            raise DataFileError(f"{where}.lon_deg: must be within [-180, 360) (got {v['lon_deg']})")
        for k in (
            "sigma_range_m",
            "sigma_az_mrad",
            "sigma_height_m",
            "scan_period_s",
            "max_range_km",
        ):
            if k in v and not v[k] > 0:
                raise DataFileError(f"{where}.{k}: must be > 0 (got {v[k]})")
        site = RadarSite(
            sac=v["sac"],
            sic=v["sic"],
            name=str(v.get("name", f"{v['sac']:03d}/{v['sic']:03d}")),
            lat_deg=v["lat_deg"],
            lon_deg=v["lon_deg"],
            alt_m=v["alt_m"],
            sigma_range_m=v["sigma_range_m"],
            sigma_az_mrad=v["sigma_az_mrad"],
            sigma_height_m=v.get("sigma_height_m", 150.0),
            scan_period_s=v.get("scan_period_s"),
            max_range_m=v["max_range_km"] * 1e3 if "max_range_km" in v else None,
        )
        if site.key in out:
            raise DataFileError(f"{where}: SAC {site.sac} SIC {site.sic} is listed twice")
        out[site.key] = site
    adsb = _adsb_entries(data.get("adsb"), name)
    system = data.get("system") or {}
    if not isinstance(system, Mapping) or set(system) - {"sac", "sic"}:
        raise DataFileError(f"{name}: system must be a mapping {{sac: N, sic: N}} (got {system!r})")
    s_sac = _typed(f"{name}: system.sac", system.get("sac", 0), "int")
    s_sic = _typed(f"{name}: system.sic", system.get("sic", 1), "int")
    for k, val in (("sac", s_sac), ("sic", s_sic)):
        if not 0 <= val <= 255:
            raise DataFileError(f"{name}: system.{k}: must be within [0, 255] (got {val})")
    dh = _typed(f"{name}: default_height_m", data.get("default_height_m", 9000.0), "float")
    ds = _typed(
        f"{name}: default_height_sigma_m", data.get("default_height_sigma_m", 5000.0), "float"
    )
    if not ds > 0:
        raise DataFileError(f"{name}: default_height_sigma_m: must be > 0 (got {ds})")
    return SensorTable(
        sensors=out,
        adsb=adsb,
        system_sac=s_sac,
        system_sic=s_sic,
        default_height_m=dh,
        default_height_sigma_m=ds,
        name=name,
    )


def _adsb_entries(raw: Any, name: str) -> dict[tuple[int, int], AdsbReceiver]:
    if raw is None:
        return {}
    if not isinstance(raw, list):
        raise DataFileError(f"{name}: adsb must be a list of receivers (got {raw!r})")
    out: dict[tuple[int, int], AdsbReceiver] = {}
    for i, e in enumerate(raw):
        where = f"{name}: adsb[{i}]"
        if not isinstance(e, Mapping):
            raise DataFileError(f"{where}: must be a mapping (got {e!r})")
        for k in e:
            if k not in _ADSB_KEYS:
                raise DataFileError(
                    f"{where}: unknown key {k!r} (allowed: {', '.join(_ADSB_KEYS)})"
                )
        for k in ("sac", "sic"):
            if k not in e:
                raise DataFileError(f"{where}.{k}: missing (required: sac, sic)")
        v = {k: _typed(f"{where}.{k}", e[k], _ADSB_KEYS[k]) for k in e}
        for k in ("sac", "sic"):
            if not 0 <= v[k] <= 255:
                raise DataFileError(f"{where}.{k}: must be within [0, 255] (got {v[k]})")
        for k in ("sigma_m", "sigma_fl_m"):
            if k in v and not v[k] > 0:
                raise DataFileError(f"{where}.{k}: must be > 0 (got {v[k]})")
        r = AdsbReceiver(
            sac=v["sac"],
            sic=v["sic"],
            name=str(v.get("name", f"ADS-B {v['sac']:03d}/{v['sic']:03d}")),
            sigma_m=v.get("sigma_m", 50.0),
            sigma_fl_m=v.get("sigma_fl_m", 150.0),
        )
        if (r.sac, r.sic) in out:
            raise DataFileError(f"{where}: SAC {r.sac} SIC {r.sic} is listed twice")
        out[(r.sac, r.sic)] = r
    return out


def _typed(where: str, value: Any, kind: str) -> Any:
    if kind == "str":
        return str(value)
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise DataFileError(f"{where}: must be a number (got {value!r})")
    if kind == "int":
        if float(value) != int(value):
            raise DataFileError(f"{where}: must be an integer (got {value!r})")
        return int(value)
    x = float(value)
    if not math.isfinite(x):
        raise DataFileError(f"{where}: must be a finite number (got {value!r})")
    return x


# --------------------------------------------------------------------------- plots


@dataclass(frozen=True, slots=True)
class RecordingPlots:
    """CAT048 plots of a recording ready for the tracker, and what was left out.

    Attributes:
        reports: the plots' CAT048 rows (one per plot, sorted by time then sensor), with
            ``t_s`` (s since midnight UTC of the recording's first report, unwrapped across
            midnight) and ``sensor`` (index into ``sites``).
        plots: the tracker's `iamd.track.tool.PlotData` (ECEF, same order).
        sites: the radars, in sensor index order.
        scan_period_s: (S,) and ``phase_deg`` (S,): each radar's antenna model.
        anchors: per radar, (times, azimuths) where its antenna is known to have pointed.
        period_source: (S,) where each scan period came from.
        duplicates, no_detection, simulated, no_position: reports left out, counted.
    """

    reports: pd.DataFrame
    plots: Any
    sites: tuple[RadarSite, ...]
    scan_period_s: FloatArray
    phase_deg: FloatArray
    period_source: tuple[str, ...]
    max_range_m: FloatArray
    duplicates: int = 0
    no_detection: int = 0
    simulated: int = 0
    no_position: int = 0
    adsb: tuple[AdsbReceiver, ...] = ()
    adsb_duplicates: int = 0
    anchors: tuple[tuple[FloatArray, FloatArray], ...] = ()


_DEDUP = (
    "sac",
    "sic",
    "tod_s",
    "typ",
    "range_m",
    "azimuth_deg",
    "mode3a",
    "fl",
    "address",
    "callsign",
)


def recording_plots(
    dec: Decoded, sensors: SensorTable, name: str = "<recording>"
) -> RecordingPlots:
    """Select, de-duplicate and convert the CAT048 plots (and the CAT021 ADS-B reports of the
    receivers the table lists) of ``dec`` (module docstring).

    Raises:
        InputError: no CAT048 or CAT021 report with a position, a SAC/SIC missing from the
            sensor table, or a radar whose scan period cannot be found.
    """
    t48, duplicates, no_pos, no_det, sim = _radar_reports(dec)
    t21, dup21 = _adsb_reports(dec)
    if len(t48) == 0 and len(t21) == 0:
        if len(dec.cat048):
            raise InputError(
                f"{name}: no CAT048 plot to track ({len(dec.cat048)} reports: {duplicates} "
                f"duplicates, {no_pos} without position, {no_det} without detection, "
                f"{sim} simulated)"
            )
        found = ", ".join(f"CAT{c:03d} ×{n}" for c, n in sorted(dec.other_blocks.items()))
        have = ", ".join(f"CAT{c:03d} ×{len(t)}" for c, t in sorted(dec.tables.items()) if len(t))
        raise InputError(
            f"{name}: no CAT048 target report to track (found: {have or found or 'nothing'}"
            f"{'; blocks of other categories: ' + found if have and found else ''})"
        )
    first = [x for x in (t48, t21) if len(x)]
    tod0 = float(min(first, key=lambda x: int(x["offset"].iloc[0]))["tod_s"].iloc[0])
    sites: tuple[RadarSite, ...] = ()
    receivers: tuple[AdsbReceiver, ...] = ()
    parts: list[tuple[pd.DataFrame, Any, int]] = []
    if len(t48):
        t48, sites, pl48 = _radar_plots(t48, sensors, name, tod0)
        parts.append((t48, pl48, 0))
    if len(t21):
        t21, receivers, pl21 = _adsb_plots(t21, sensors, name, tod0, len(sites))
        parts.append((t21, pl21, len(sites)))
    reports, plots = _merge_plots(parts)
    radar = reports[reports["kind"] == "CAT048"]
    period, source = scan_periods(dec, radar, sites)
    anchors = antenna_anchors(dec, radar, sites)
    phase = antenna_phase(anchors, period)
    rng = radar["range_m"].to_numpy()
    rs = radar["sensor"].to_numpy()
    max_r = np.asarray(
        [
            x.max_range_m if x.max_range_m is not None else 1.05 * float(np.max(rng[rs == i]))
            for i, x in enumerate(sites)
        ]
    )
    return RecordingPlots(
        reports, plots, sites, period, phase, source, max_r, duplicates, no_det, sim, no_pos,
        receivers, dup21, anchors,
    )  # fmt: skip


def _radar_reports(dec: Decoded) -> tuple[pd.DataFrame, int, int, int, int]:
    """CAT048 reports that are plots, and the counts of those left out."""
    t48 = dec.cat048
    n0 = len(t48)
    t = t48.drop_duplicates(subset=list(_DEDUP))
    duplicates = n0 - len(t)
    no_pos = int(t["range_m"].isna().sum())
    t = t[t["range_m"].notna()]
    no_det = int((t["typ"] == 0).sum())
    t = t[t["typ"] != 0]
    sim = int((t["sim"] == 1).sum())
    t = t[t["sim"] != 1]
    return t, duplicates, no_pos, no_det, sim


def _adsb_reports(dec: Decoded) -> tuple[pd.DataFrame, int]:
    """CAT021 reports with a position and a height, and the duplicates left out."""
    t21 = dec.cat021
    n0 = len(t21)
    t = t21.drop_duplicates(subset=["sac", "sic", "tod_s", "lat_deg", "lon_deg", "address"])
    dup = n0 - len(t)
    ok = t["lat_deg"].notna() & t["tod_s"].notna()
    ok &= t["geometric_height_m"].notna() | t["fl"].notna()
    return t[ok], dup


def _unknown(keys: list[tuple[int, int]], known: Mapping[tuple[int, int], Any], what: str,
             table: SensorTable, name: str, cat: str, entry: str) -> None:  # fmt: skip
    unknown = [k for k in keys if k not in known]
    if unknown:
        have = ", ".join(f"{a:03d}/{b:03d}" for a, b in known) or "none"
        miss = ", ".join(f"SAC {a} SIC {b}" for a, b in unknown)
        raise InputError(
            f"{table.name}: no {what} for {miss} (the recording {name} has {cat} reports "
            f"from it; the table has {have}): add an entry {entry}"
        )


def _source_index(t: pd.DataFrame) -> tuple[list[tuple[int, int]], IntArray]:
    """The sorted distinct (SAC, SIC) of the rows, and each row's index into them."""
    code = t["sac"].to_numpy(dtype=np.int64) * 256 + t["sic"].to_numpy(dtype=np.int64)
    uniq, inv = np.unique(code, return_inverse=True)
    return [(int(c) // 256, int(c) % 256) for c in uniq], inv.astype(np.int64).reshape(-1)


def _radar_plots(
    t: pd.DataFrame, sensors: SensorTable, name: str, tod0: float
) -> tuple[pd.DataFrame, tuple[RadarSite, ...], Any]:
    """CAT048 plots through the tracker tool's polar conversion, sorted by time, sensor."""
    from iamd.track.tool import _plots, _Source

    keys, sensor = _source_index(t)
    _unknown(keys, sensors.sensors, "radar", sensors, name, "CAT048",
             "under sensors: with its site and sigmas")  # fmt: skip
    sites = tuple(sensors.sensors[k] for k in keys)
    tod = t["tod_s"].to_numpy()
    tt = np.where(tod < tod0 - 43200.0, tod + 86400.0, tod)  # midnight
    order = np.lexsort((sensor, tt))
    t = t.iloc[order].reset_index(drop=True)
    t["t_s"] = tt[order]
    t["sensor"] = sensor[order]
    t["kind"] = "CAT048"
    s = t["sensor"].to_numpy()
    lat = np.asarray([x.lat_deg for x in sites])[s]
    lon = np.asarray([x.lon_deg for x in sites])[s]
    alt = np.asarray([x.alt_m for x in sites])[s]
    rng = t["range_m"].to_numpy()
    valid_fl = t["fl"].notna().to_numpy() & t["fl_valid"].to_numpy(dtype=bool)
    h = np.where(valid_fl, t["fl"].to_numpy() * 100.0 * FT_M, sensors.default_height_m)
    sig_h = np.where(
        valid_fl, np.asarray([x.sigma_height_m for x in sites])[s], sensors.default_height_sigma_m
    )
    el, sig_el = elevation_from_height(rng, h, sig_h, lat, alt)
    cols = {
        "t_s": t["t_s"].to_numpy(),
        "range_m": rng,
        "az_deg": t["azimuth_deg"].to_numpy(),
        "el_deg": np.degrees(el),
        "sigma_range_m": np.asarray([x.sigma_range_m for x in sites])[s],
        "sigma_az_mrad": np.asarray([x.sigma_az_mrad for x in sites])[s],
        "sigma_el_mrad": sig_el * 1e3,
        "site_lat_deg": lat,
        "site_lon_deg": lon,
        "site_alt_m": alt,
        "sensor_id": np.asarray([x.label for x in sites], dtype=object)[s],
    }
    src = _Source(name, tuple(cols), len(t), lambda c: cols[c],
                  lambda i: f"CAT048 report at byte {int(t['offset'].iloc[i])}")  # fmt: skip
    none: dict[str, float | None] = dict.fromkeys(_NO_FLAGS)
    return t, sites, _plots(src, none, None, None, {})


def _adsb_plots(
    t: pd.DataFrame, sensors: SensorTable, name: str, tod0: float, first: int
) -> tuple[pd.DataFrame, tuple[AdsbReceiver, ...], Any]:
    """CAT021 reports through the tracker tool's geodetic conversion (height: I021/140,
    else the flight level), sorted by time, receiver."""
    from iamd.track.tool import _plots, _Source

    keys, sensor = _source_index(t)
    _unknown(keys, sensors.adsb, "ADS-B receiver", sensors, name, "CAT021",
             "under adsb: with its sigma_m")  # fmt: skip
    recv = tuple(sensors.adsb[k] for k in keys)
    tod = t["tod_s"].to_numpy()
    tt = np.where(tod < tod0 - 43200.0, tod + 86400.0, tod)
    order = np.lexsort((sensor, tt))
    t = t.iloc[order].reset_index(drop=True)
    t["t_s"] = tt[order]
    t["sensor"] = sensor[order] + first
    t["kind"] = "CAT021"
    t["fl_valid"] = t["fl"].notna()
    s = sensor[order]
    geo = t["geometric_height_m"].notna().to_numpy()
    alt = np.where(geo, t["geometric_height_m"].to_numpy(), t["fl"].to_numpy() * 100.0 * FT_M)
    sig = np.where(geo, np.asarray([r.sigma_m for r in recv])[s],
                   np.asarray([r.sigma_fl_m for r in recv])[s])  # fmt: skip
    cols = {
        "t_s": t["t_s"].to_numpy(),
        "lat_deg": t["lat_deg"].to_numpy(),
        "lon_deg": t["lon_deg"].to_numpy(),
        "alt_m": alt,
        "sigma_m": sig,
        "sensor_id": np.asarray([r.label for r in recv], dtype=object)[s],
    }
    src = _Source(name, tuple(cols), len(t), lambda c: cols[c],
                  lambda i: f"CAT021 report at byte {int(t['offset'].iloc[i])}")  # fmt: skip
    none: dict[str, float | None] = dict.fromkeys(_NO_FLAGS)
    return t, recv, _plots(src, none, None, None, {})


def _merge_plots(parts: list[tuple[pd.DataFrame, Any, int]]) -> tuple[pd.DataFrame, Any]:
    """Reports and plots of several sources in one time order (then sensor)."""
    from dataclasses import replace

    if len(parts) == 1:
        rep, pl, off = parts[0]
        return rep, replace(pl, sensor=pl.sensor + off)
    reports = pd.concat([p[0] for p in parts], ignore_index=True)
    t = np.concatenate([p[1].t_s for p in parts])
    sensor = np.concatenate([p[1].sensor + p[2] for p in parts])
    order = np.lexsort((sensor, t))
    pl0 = parts[0][1]
    plots = replace(
        pl0,
        t_s=t[order],
        pos_m=np.ascontiguousarray(np.concatenate([p[1].pos_m for p in parts])[order]),
        cov_m2=np.concatenate([p[1].cov_m2 for p in parts])[order],
        sensor=sensor[order],
        sensor_names=tuple(n for p in parts for n in p[1].sensor_names),
    )
    return reports.iloc[order].reset_index(drop=True), plots


def gaussian_radius_m(lat_deg: FloatArray) -> FloatArray:
    """The WGS84 Gaussian radius of curvature √(M N) at each latitude (m)."""
    s2 = np.sin(np.radians(lat_deg)) ** 2
    w = 1.0 - E2 * s2
    return np.asarray(A_M * np.sqrt(1.0 - E2) / w, dtype=np.float64)


def elevation_from_height(
    range_m: FloatArray,
    height_m: FloatArray,
    sigma_height_m: FloatArray,
    site_lat_deg: FloatArray,
    site_alt_m: FloatArray,
) -> tuple[FloatArray, FloatArray]:
    """Elevation (rad) of a target at ``height_m`` seen at slant range ``range_m`` from a site
    at ``site_alt_m``, on a sphere of the site's Gaussian radius, and its sigma (rad).

    >>> el, s = elevation_from_height(np.array([100e3]), np.array([10e3]), np.array([100.0]),
    ...                               np.array([45.0]), np.array([0.0]))
    >>> round(float(np.degrees(el[0])), 3), round(float(s[0] * 1e3), 3)
    (5.292, 1.006)
    """
    r_e = gaussian_radius_m(site_lat_deg)
    a = r_e + site_alt_m
    b = r_e + height_m
    sin_el = np.clip((b * b - a * a - range_m * range_m) / (2.0 * a * range_m), -1.0, 1.0)
    el = np.arcsin(sin_el)
    cos_el = np.maximum(np.cos(el), 1e-3)
    return el, sigma_height_m * b / (a * range_m * cos_el)


def scan_periods(
    dec: Decoded, plots: pd.DataFrame, sites: tuple[RadarSite, ...]
) -> tuple[FloatArray, tuple[str, ...]]:
    """Each radar's scan period (s) and where it came from (module docstring)."""
    t34 = dec.cat034.drop_duplicates(
        subset=["sac", "sic", "msg_type", "tod_s", "sector_azimuth_deg"]
    )  # LAN copies
    out = np.zeros(len(sites))
    src: list[str] = []
    for i, site in enumerate(sites):
        mine = t34[(t34["sac"] == site.sac) & (t34["sic"] == site.sic)]
        north = mine[mine["msg_type"] == NORTH_MARKER]
        sc = mine[mine["msg_type"] == SECTOR_CROSSING]
        p = plots[plots["sensor"] == i]
        period, how = math.nan, ""
        if site.scan_period_s is not None:
            period, how = site.scan_period_s, "sensor table"
        elif mine["rotation_period_s"].notna().any():
            period = float(mine["rotation_period_s"].dropna().median())
            how = "CAT034 I034/041"
        if not period > 0 and len(north) >= 2:
            tn = np.sort(_unwrap_tod(north["tod_s"]))
            period, how = float(np.median(np.diff(tn))), "CAT034 north markers"
        if not period > 0 and len(sc) >= 2:
            rate = _rate_deg_s(_unwrap_tod(sc["tod_s"]), sc["sector_azimuth_deg"].to_numpy())
            period, how = (360.0 / rate if rate > 0 else math.nan), "CAT034 sector crossings"
        if not period > 0 and len(p) >= 3:
            rate = _rate_deg_s(p["t_s"].to_numpy(), p["azimuth_deg"].to_numpy())
            period, how = (360.0 / rate if rate > 0 else math.nan), "plots' azimuth over time"
        if not period > 0:
            raise InputError(
                f"no scan period for radar {site.label} ({site.name}): the recording has no "
                "CAT034 rotation period, north markers or sector crossings from it and too "
                "few plots to fit one; add scan_period_s to its entry in the sensor table"
            )
        if not 0.5 <= period <= 60.0:
            raise InputError(
                f"radar {site.label} ({site.name}): scan period {period:g} s from {how} is "
                "outside [0.5, 60] s; give scan_period_s in the sensor table"
            )
        out[i] = period
        src.append(how)
    return out, tuple(src)


def _unwrap_tod(tod: Any) -> FloatArray:
    t = np.asarray(tod, dtype=np.float64)
    return np.where(t < t[0] - 43200.0, t + 86400.0, t) if len(t) else t


def _rate_deg_s(t: FloatArray, az_deg: FloatArray) -> float:
    """Least-squares rate of a clockwise-turning azimuth (deg/s), unwrapped in time order."""
    o = np.argsort(t, kind="stable")
    t, a = t[o], az_deg[o]
    if len(t) < 2 or t[-1] - t[0] <= 0:
        return 0.0
    step = np.diff(a) % 360.0
    a = a[0] + np.r_[0.0, np.cumsum(step)]
    tc = t - t.mean()
    return float(np.sum(tc * (a - a.mean())) / np.sum(tc * tc))


def antenna_anchors(
    dec: Decoded, plots: pd.DataFrame, sites: tuple[RadarSite, ...]
) -> tuple[tuple[FloatArray, FloatArray], ...]:
    """Per radar, the times (s, sorted) and azimuths (deg) at which its antenna is known to
    have pointed: its plots, its CAT034 sector crossings and north markers (0°)."""
    t34 = dec.cat034
    t0 = float(plots["tod_s"].iloc[0]) if len(plots) else 0.0
    out = []
    for i, site in enumerate(sites):
        p = plots[plots["sensor"] == i]
        t = [p["t_s"].to_numpy()]
        a = [p["azimuth_deg"].to_numpy()]
        if len(t34):
            mine = t34[(t34["sac"] == site.sac) & (t34["sic"] == site.sic)]
            sc = mine[mine["msg_type"] == SECTOR_CROSSING]
            nm = mine[mine["msg_type"] == NORTH_MARKER]
            for tod, az in ((sc["tod_s"].to_numpy(), sc["sector_azimuth_deg"].to_numpy()),
                            (nm["tod_s"].to_numpy(), np.zeros(len(nm)))):  # fmt: skip
                t.append(np.where(tod < t0 - 43200.0, tod + 86400.0, tod))
                a.append(az)
        tt, aa = np.concatenate(t), np.concatenate(a)
        o = np.argsort(tt, kind="stable")
        out.append((tt[o], aa[o]))
    return tuple(out)


def antenna_phase(
    anchors: tuple[tuple[FloatArray, FloatArray], ...], period_s: FloatArray
) -> FloatArray:
    """φ (deg) of each radar's antenna azimuth φ + 360 t / T: the circular mean of its
    anchors' θ − 360 t / T (a summary: the looks extrapolate from the nearest anchor)."""
    out = np.zeros(len(anchors))
    for i, (t, a) in enumerate(anchors):
        ph = np.radians(a - 360.0 * t / period_s[i])
        out[i] = math.degrees(math.atan2(np.sin(ph).mean(), np.cos(ph).mean())) % 360.0
    return out


def antenna_azimuth_deg(rp: RecordingPlots, radar: int, t_s: float) -> float:
    """Radar ``radar``'s antenna azimuth (deg, in [0, 360)) at ``t_s`` as the looks use it:
    from its last anchor before ``t_s`` at 360°/T."""
    at, aa = rp.anchors[radar]
    k = max(int(np.searchsorted(at, t_s, side="right")) - 1, 0)
    return float(aa[k] + 360.0 * (t_s - at[k]) / rp.scan_period_s[radar]) % 360.0


# --------------------------------------------------------------------------- tracking


@dataclass(slots=True)
class _Sweep:
    """The window being stepped: [ta, tb) and the radars scanning in it."""

    ta: float = 0.0
    tb: float = 0.0
    site_lat: FloatArray = field(default_factory=lambda: np.zeros(0))
    site_lon: FloatArray = field(default_factory=lambda: np.zeros(0))
    site_alt: FloatArray = field(default_factory=lambda: np.zeros(0))
    period: FloatArray = field(default_factory=lambda: np.zeros(0))
    phase: FloatArray = field(default_factory=lambda: np.zeros(0))
    max_range: FloatArray = field(default_factory=lambda: np.zeros(0))
    anchors: tuple[tuple[FloatArray, FloatArray], ...] = ()
    _site_ecef: FloatArray = field(default_factory=lambda: np.zeros((0, 3)))
    _rot: FloatArray = field(default_factory=lambda: np.zeros((0, 3, 3)))

    def antenna_az(self, s: int, t_s: float) -> float:
        """Radar ``s``'s antenna azimuth (deg) at ``t_s``: from its last anchor before
        ``t_s`` (else its first) at 360°/T, so that an error in T does not build up."""
        at, aa = self.anchors[s]
        k = max(int(np.searchsorted(at, t_s, side="right")) - 1, 0)
        return float(aa[k] + 360.0 * (t_s - at[k]) / self.period[s])

    def swept(self, s: int, az_deg: FloatArray) -> npt.NDArray[np.bool_]:
        """Tracks at azimuth ``az_deg`` that radar ``s``'s antenna swept over in [ta, tb)."""
        start = self.antenna_az(s, self.ta)
        width = 360.0 * (self.tb - self.ta) / self.period[s]
        if width >= 360.0:
            return np.ones(len(az_deg), dtype=bool)
        return np.asarray(((az_deg - start) % 360.0) < width)

    def prepare(self) -> None:
        """Cache each site's ECEF position and ENU rotation (called once)."""
        from iamd.geo.wgs84 import enu_rotation, lla_to_ecef

        lat, lon = np.radians(self.site_lat), np.radians(self.site_lon)
        self._site_ecef = lla_to_ecef(lat, lon, self.site_alt).reshape(-1, 3)
        self._rot = enu_rotation(lat, lon).reshape(-1, 3, 3)

    def look(
        self, pos: FloatArray, _cov: FloatArray, _pic: IntArray, scanning: IntArray
    ) -> npt.NDArray[np.bool_]:
        out = np.zeros(len(pos), dtype=bool)
        for s in scanning:
            enu = (pos - self._site_ecef[s]) @ self._rot[s].T
            az = np.degrees(np.arctan2(enu[:, 0], enu[:, 1])) % 360.0
            rng = np.sqrt(np.einsum("ij,ij->i", enu, enu))
            out |= self.swept(int(s), az) & (rng <= self.max_range[s])
        return out

    def volume(self, _pos: FloatArray, sensor: IntArray) -> FloatArray:
        frac = np.minimum((self.tb - self.ta) / self.period[sensor], 1.0)
        return np.asarray(math.pi * self.max_range[sensor] ** 2 * COVERAGE_HEIGHT_M * frac)


@dataclass(frozen=True, slots=True)
class RecordingTracks:
    """Tracks of a recording: the rows of ``iamd track``'s output and their covariances.

    Attributes:
        rows: the tracks file's columns (`iamd.track.tool.TrackRows`) plus ``squawk``,
            ``reported_alt_m``, ``callsign``, ``address``.
        pos_cov_enu_m2: (r, 3, 3) position covariance in each row's east-north-up axes.
        vel_cov_enu_m2_s2: (r, 3, 3) velocity covariance in the same axes.
        plots: the plots that were tracked.
        steps: tracker steps run.
    """

    rows: Any
    pos_cov_enu_m2: FloatArray
    vel_cov_enu_m2_s2: FloatArray
    plots: RecordingPlots
    steps: int
    mode3a: IntArray
    fl: FloatArray
    address: IntArray
    callsign: npt.NDArray[Any]

    def to_pandas(self) -> pd.DataFrame:
        return pd.DataFrame(self.rows.columns)


def track_recording(
    rp: RecordingPlots, params: TrackerParams | None = None, *, window_s: float = DEFAULT_WINDOW_S
) -> RecordingTracks:
    """Run one `Tracker` over the plots of a recording, window by window (module docstring)."""
    from dataclasses import replace

    from iamd.track.tool import TrackRows, _output_rows

    if not window_s > 0:
        raise InputError(f"--window-s must be > 0 (got {window_s})")
    pl = rp.plots
    par = replace(params if params is not None else TrackerParams(), frame="ecef")
    n_r = len(rp.sites)
    n_a = len(rp.adsb)
    n_s = n_r + n_a
    pad = np.zeros(n_a)
    sweep = _Sweep(  # ADS-B receivers never scan: no look, so no miss, from them
        site_lat=np.r_[np.asarray([s.lat_deg for s in rp.sites]), pad],
        site_lon=np.r_[np.asarray([s.lon_deg for s in rp.sites]), pad],
        site_alt=np.r_[np.asarray([s.alt_m for s in rp.sites]), pad],
        period=np.r_[rp.scan_period_s, np.full(n_a, window_s)],
        phase=np.r_[rp.phase_deg, pad],
        max_range=np.r_[rp.max_range_m, np.full(n_a, ADSB_RANGE_M)],
        anchors=rp.anchors,
    )
    sweep.prepare()
    tracker = Tracker(
        par,
        n_pictures=1,
        sensor_picture=np.zeros(n_s, dtype=np.int64),
        volume=sweep.volume,
        look=sweep.look,
    )
    t = pl.t_s
    rep = rp.reports
    m3 = rep["mode3a"].to_numpy()
    fl = np.where(rep["fl_valid"].to_numpy(dtype=bool), rep["fl"].to_numpy(), np.nan)
    adr = rep["address"].to_numpy()
    cs = rep["callsign"].to_numpy(dtype=object)
    # each radar is live from its first to its last plot
    live_a = np.r_[np.asarray([t[pl.sensor == i].min() for i in range(n_r)]), np.full(n_a, np.inf)]
    live_b = np.r_[np.asarray([t[pl.sensor == i].max() for i in range(n_r)]), np.full(n_a, -np.inf)]
    t0 = float(t[0])
    n_win = math.floor((float(t[-1]) - t0) / window_s) + 1
    edges = t0 + window_s * np.arange(n_win + 1)
    cut = np.searchsorted(t, edges, side="left")
    cut[-1] = len(t)
    # the last codes seen on each track id
    last: dict[str, dict[int, Any]] = {"m3": {}, "fl": {}, "adr": {}, "cs": {}}
    times: list[FloatArray] = []
    ids: list[IntArray] = []
    states: list[FloatArray] = []
    covs: list[FloatArray] = []
    codes: list[tuple[IntArray, FloatArray, IntArray, npt.NDArray[Any]]] = []
    steps = 0
    t_prev = -math.inf
    for w in range(n_win):
        a, b = int(cut[w]), int(cut[w + 1])
        ta, tb = float(edges[w]), float(edges[w + 1])
        scans = ((live_a < tb) & (live_b >= ta)).astype(np.int64)
        t_step = float(t[a:b].mean()) if b > a else 0.5 * (ta + tb)
        t_step = max(t_step, t_prev)
        sweep.ta, sweep.tb = ta, tb
        res = tracker.step(t_step, pl.pos_m[a:b], pl.cov_m2[a:b], pl.sensor[a:b], scans=scans)
        steps += 1
        t_prev = t_step
        if b == a:
            continue
        tab = res.table
        row_ids = tab.ids[res.owner]
        for k, tid in enumerate(row_ids):  # plots of this window (few): codes per track
            j = a + k
            tid = int(tid)
            if m3[j] >= 0:
                last["m3"][tid] = int(m3[j])
            if not np.isnan(fl[j]):
                last["fl"][tid] = float(fl[j])
            if adr[j] >= 0:
                last["adr"][tid] = int(adr[j])
            if cs[j]:
                last["cs"][tid] = cs[j]
        n_old = res.n_before
        upd = np.zeros(len(tab), dtype=bool)
        upd[:n_old] = res.hit
        upd[np.unique(res.owner)] = True
        keep = upd & tab.confirmed & ~res.drop
        if keep.any():
            kid = tab.ids[keep]
            ids.append(kid.astype(np.int64))
            states.append(tab.state[keep])
            covs.append(tab.covar[keep])
            times.append(np.full(len(kid), t_step))
            codes.append(
                (
                    np.asarray([last["m3"].get(int(i), -1) for i in kid], dtype=np.int64),
                    np.asarray([last["fl"].get(int(i), np.nan) for i in kid], dtype=np.float64),
                    np.asarray([last["adr"].get(int(i), -1) for i in kid], dtype=np.int64),
                    np.asarray([last["cs"].get(int(i), "") for i in kid], dtype=object),
                )
            )
    if ids:
        time = np.concatenate(times)
        tid = np.concatenate(ids)
        state = np.concatenate(states)
        cov = np.concatenate(covs)
        c_m3, c_fl, c_adr, c_cs = (np.concatenate([c[k] for c in codes]) for k in range(4))
    else:
        time, tid = np.zeros(0), np.zeros(0, dtype=np.int64)
        state, cov = np.zeros((0, 6)), np.zeros((0, 6, 6))
        c_m3, c_adr = np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.int64)
        c_fl, c_cs = np.zeros(0), np.zeros(0, dtype=object)
    order = np.lexsort((tid, time))
    time, tid, state, cov = time[order], tid[order], state[order], cov[order]
    c_m3, c_fl, c_adr, c_cs = c_m3[order], c_fl[order], c_adr[order], c_cs[order]
    rows = _output_rows(time, tid, state, pl)
    cols = dict(rows.columns)
    cols["squawk"] = np.asarray([f"{v:04o}" if v >= 0 else "" for v in c_m3], dtype=object)
    cols["reported_alt_m"] = c_fl * 100.0 * FT_M
    cols["callsign"] = c_cs
    cols["address"] = np.asarray([f"{v:06X}" if v >= 0 else "" for v in c_adr], dtype=object)
    pos_enu, vel_enu = _enu_covariances(state, cov)
    return RecordingTracks(TrackRows(cols), pos_enu, vel_enu, rp, steps, c_m3, c_fl, c_adr, c_cs)


def _enu_covariances(state: FloatArray, cov: FloatArray) -> tuple[FloatArray, FloatArray]:
    """Position and velocity covariances rotated into each state's local ENU axes."""
    if not len(state):
        return np.zeros((0, 3, 3)), np.zeros((0, 3, 3))
    from iamd.geo.wgs84 import enu_rotation

    lat, lon, _ = ecef_to_lla(state[:, :3])
    rot = enu_rotation(lat, lon).reshape(-1, 3, 3)
    rt = np.swapaxes(rot, -1, -2)
    return rot @ cov[:, :3, :3] @ rt, rot @ cov[:, 3:, 3:] @ rt


def tracks_cat062_table(tr: RecordingTracks, sensors: SensorTable) -> pd.DataFrame:
    """The tracks as a CAT062 table (`iamd.interop.asterix.encode_cat062`'s columns)."""
    c = tr.rows.columns
    n = len(c["t_s"])
    vel = np.column_stack([c["vx_m_s"], c["vy_m_s"], c["vz_m_s"]]) if n else np.zeros((0, 3))
    sd_p = np.sqrt(np.maximum(np.diagonal(tr.pos_cov_enu_m2, axis1=1, axis2=2), 0.0))
    sd_v = np.sqrt(np.maximum(np.diagonal(tr.vel_cov_enu_m2_s2, axis1=1, axis2=2), 0.0))
    lat = np.asarray(c["lat_deg"]) if n else np.zeros(0)
    r_m = gaussian_radius_m(lat) if n else np.zeros(0)
    return pd.DataFrame(
        {
            "sac": np.full(n, sensors.system_sac),
            "sic": np.full(n, sensors.system_sic),
            "tod_s": np.mod(c["t_s"], 86400.0),
            "track_number": np.mod(c["track_id"], 65536),
            "lat_deg": lat,
            "lon_deg": c["lon_deg"],
            "vx_m_s": vel[:, 0],
            "vy_m_s": vel[:, 1],
            "mode3a": tr.mode3a,
            "callsign": tr.callsign,
            "address": tr.address,
            "fl": tr.fl,
            "geometric_alt_m": c["alt_m"],
            "rocd_m_s": vel[:, 2],
            "sigma_x_m": sd_p[:, 0],
            "sigma_y_m": sd_p[:, 1],
            "sigma_lat_deg": np.degrees(sd_p[:, 1] / r_m) if n else np.zeros(0),
            "sigma_lon_deg": (
                np.degrees(sd_p[:, 0] / (r_m * np.cos(np.radians(lat)))) if n else np.zeros(0)
            ),
            "sigma_alt_m": sd_p[:, 2],
            "sigma_vx_m_s": sd_v[:, 0],
            "sigma_vy_m_s": sd_v[:, 1],
        }
    )


# --------------------------------------------------------------------------- comparison


@dataclass(frozen=True, slots=True)
class SystemTrackComparison:
    """Our tracks against a recording's CAT062 system tracks."""

    overlap_s: float
    matched: int
    median_error_m: float
    p95_error_m: float
    note: str


def compare_with_system_tracks(
    tracks: pd.DataFrame, cat062: pd.DataFrame, *, max_dt_s: float = 2.0, gate_m: float = 5000.0
) -> SystemTrackComparison:
    """Horizontal distance from each CAT062 system-track report to the nearest of our track
    rows within ``max_dt_s`` (our row moved to the report's time with its velocity), among
    pairs closer than ``gate_m``. When the two do not overlap in time of day, says so."""
    if len(cat062) == 0 or len(tracks) == 0:
        return SystemTrackComparison(
            0.0, 0, math.nan, math.nan, "no CAT062 system tracks or no tracks to compare"
        )
    ours_t = np.mod(tracks["t_s"].to_numpy(), 86400.0)
    sys_t = cat062["tod_s"].to_numpy()
    lo, hi = max(ours_t.min(), sys_t.min()), min(ours_t.max(), sys_t.max())
    overlap = max(0.0, hi - lo)
    if overlap <= 0.0:
        return SystemTrackComparison(
            0.0,
            0,
            math.nan,
            math.nan,
            f"no overlap in time of day: tracks {ours_t.min():.1f}-{ours_t.max():.1f} s, "
            f"CAT062 {sys_t.min():.1f}-{sys_t.max():.1f} s",
        )
    from iamd.geo.wgs84 import ecef_to_enu, lla_to_ecef

    lat0, lon0 = np.radians(cat062["lat_deg"].median()), np.radians(cat062["lon_deg"].median())
    s_xyz = ecef_to_enu(
        lla_to_ecef(
            np.radians(cat062["lat_deg"].to_numpy()), np.radians(cat062["lon_deg"].to_numpy()), 0.0
        ),
        lat0,
        lon0,
        0.0,
    ).reshape(-1, 3)
    o_xyz = ecef_to_enu(
        lla_to_ecef(
            np.radians(tracks["lat_deg"].to_numpy()), np.radians(tracks["lon_deg"].to_numpy()), 0.0
        ),
        lat0,
        lon0,
        0.0,
    ).reshape(-1, 3)
    dt = sys_t[:, None] - ours_t[None, :]
    ex = o_xyz[None, :, 0] + tracks["vx_m_s"].to_numpy()[None, :] * dt - s_xyz[:, None, 0]
    ny = o_xyz[None, :, 1] + tracks["vy_m_s"].to_numpy()[None, :] * dt - s_xyz[:, None, 1]
    d = np.where(np.abs(dt) <= max_dt_s, np.hypot(ex, ny), np.inf)
    best = d.min(axis=1)
    ok = best <= gate_m
    if not ok.any():
        return SystemTrackComparison(
            overlap, 0, math.nan, math.nan, "overlap in time but no system track within the gate"
        )
    e = best[ok]
    return SystemTrackComparison(
        overlap, int(ok.sum()), float(np.median(e)), float(np.percentile(e, 95)), ""
    )


# --------------------------------------------------------------------------- the command


def is_recording(path: str | os.PathLike[str]) -> bool:
    """A path that names an ASTERIX recording (pcap magic or an ASTERIX suffix)."""
    from iamd.interop.asterix import is_pcap

    return Path(path).suffix.lower() in (
        ".ast",
        ".asterix",
        ".raw",
        ".pcap",
        ".cap",
        ".ff",
    ) or is_pcap(path)


def track_recording_command(
    recording: str | os.PathLike[str],
    out: str | os.PathLike[str],
    sensors: str | os.PathLike[str],
    *,
    out_asterix: str | os.PathLike[str] | None = None,
    params: TrackerParams | None = None,
    window_s: float | str | None = None,
    editions: Mapping[int, str] | None = None,
) -> int:
    """``iamd track RECORDING --sensors SENSORS.yaml --out TRACKS [--out-asterix FILE]``.

    Both outputs are checked before any work and written through temporary files moved into
    place only when everything succeeded. Returns 0.

    Raises:
        DataFileError: an unreadable or malformed recording or sensor table.
        InputError: a bad flag, an unknown SAC/SIC, no CAT048 plot.
    """
    from iamd.track.tool import _check_output, write_tracks

    src = Path(recording)
    out_p = Path(out)
    fmt = _check_output(out_p, src)
    ast_p = Path(out_asterix) if out_asterix is not None else None
    if ast_p is not None:
        if ast_p.is_dir():
            raise InputError(f"--out-asterix: {ast_p} is a directory; give a file name")
        parent = ast_p.parent if str(ast_p.parent) else Path(".")
        if not parent.is_dir():
            raise InputError(f"--out-asterix: folder {str(parent)!r} does not exist")
        if ast_p.resolve() in (out_p.resolve(), src.resolve()):
            raise InputError(
                f"--out-asterix must differ from --out and the recording (got {str(ast_p)!r})"
            )
        from iamd.files import check_output_file

        check_output_file(ast_p, "--out-asterix")  # never a device, FIFO or folder
    w = DEFAULT_WINDOW_S
    if window_s is not None:
        try:
            w = float(window_s)
        except ValueError:
            w = math.nan
        if not (math.isfinite(w) and 0 < w <= 60):
            raise InputError(f"--window-s must be a number in (0, 60] s (got {window_s!r})")
    table = load_sensors(sensors)
    dec = read_recording(src, editions=editions)
    rp = recording_plots(dec, table, str(src))
    tr = track_recording(rp, params, window_s=w)
    if ast_p is not None:
        blocks, times = tracks_cat062_blocks(tr, table, _midnight_s(dec))
        write_recording(ast_p, blocks, times, flag="--out-asterix")
    try:
        write_tracks(tr.rows, out_p, fmt)
    except BaseException:
        if ast_p is not None:
            with contextlib.suppress(OSError):
                ast_p.unlink()
        raise
    return 0


def tracks_cat062_blocks(
    tr: RecordingTracks, sensors: SensorTable, midnight_s: float = 0.0
) -> tuple[list[bytes], FloatArray]:
    """The tracks as CAT062 data blocks, one (or more, at the block size) per tracker step,
    and the time each is sent (s since 1970 UTC: ``midnight_s``, the recording's midnight,
    + the step's time of day, unwrapped)."""
    tab = tracks_cat062_table(tr, sensors)
    t = np.asarray(tr.rows.columns["t_s"], dtype=np.float64)
    starts = np.r_[True, t[1:] != t[:-1]] if len(t) else None
    rows: list[int] = []
    blob = encode_cat062(tab, block_starts=starts, block_rows=rows)
    return split_blocks(blob), midnight_s + t[np.asarray(rows, dtype=np.int64)]


def _midnight_s(dec: Decoded) -> float:
    """Midnight UTC (s since 1970) of a captured recording's first CAT048 report, from its
    capture time and time of day; 0 (1970-01-01) for a raw file, which has no date."""
    c = dec.cat048
    if "time_s" not in c.columns or not len(c):
        return 0.0
    day = np.round((c["time_s"].to_numpy()[0] - c["tod_s"].to_numpy()[0]) / 86400.0)
    return float(day * 86400.0) if np.isfinite(day) else 0.0


_POLAR_FLAGS = ("site", "sigma_m", "sigma_range_m", "sigma_az_mrad", "sigma_el_mrad", "origin")


def track_recording_flags(flags: Mapping[str, Any]) -> int:
    """``iamd track`` on a recording, from the command line's flags (names as argparse's)."""
    from iamd.track.tool import tracker_params

    plots = flags["plots"]
    if flags.get("sensors") is None and not is_recording(plots):
        given = [f for f in ("out_asterix", "window_s", "edition") if flags.get(f) is not None]
        flag = "--" + given[0].replace("_", "-") if given else "--sensors"
        raise InputError(
            f"{flag} applies to ASTERIX recordings (.pcap, .ast, .raw, with --sensors "
            f"SENSORS.yaml), and {plots} is a plots file"
        )
    for k in _POLAR_FLAGS:
        if flags.get(k) is not None:
            raise InputError(
                f"--{k.replace('_', '-')} applies to plots files, and {plots} is tracked as an "
                "ASTERIX recording: the sensor table (--sensors) gives each radar's site and "
                "sigmas"
            )
    if flags.get("sensors") is None:
        raise InputError(
            f"{plots}: an ASTERIX recording needs --sensors SENSORS.yaml (each radar's site "
            "and sigmas by SAC/SIC; see docs/interop.md)"
        )
    editions: dict[int, str] = {}
    for e in flags.get("edition") or ():
        cat, sep, ed = str(e).partition("=")
        if not sep or not cat.strip().isdigit() or not ed.strip():
            raise InputError(f"--edition must be CAT=EDITION, e.g. 62=0.17 (got {e!r})")
        editions[int(cat)] = ed.strip()
    if editions:
        from iamd.interop.asterix import uaps_for

        uaps_for(editions)  # checks them
    par = tracker_params(
        params_file=flags.get("params"),
        model=flags.get("model"),
        q=flags.get("q"),
        gate=flags.get("gate"),
        pd=flags.get("pd"),
        clutter_density=flags.get("clutter_density"),
        confirm=flags.get("confirm"),
        delete_misses=flags.get("delete_misses"),
    )
    return track_recording_command(
        plots,
        flags["out"],
        flags["sensors"],
        out_asterix=flags.get("out_asterix"),
        params=par,
        window_s=flags.get("window_s"),
        editions=editions or None,
    )
