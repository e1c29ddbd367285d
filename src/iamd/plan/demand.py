"""The threat assessment a plan works from: threat axes and demand rows.

A *threat axis* is where a class of threat comes from: the raids of the scenario grouped by
class and by origin (a raid's last route waypoint, else its launch point; origins within
``AXIS_MERGE_M`` of an axis's first origin join it). A *demand row* is one defended asset
against one axis, when the axis's longest-range type reaches the asset (WGS84 geodesic
distance from the axis origin at most the type's maximum range). Its weight is the
threat-weighted asset value::

    w = value × (1 + n_aimed) / n_axes

with ``n_aimed`` the scenario's threats of that axis aimed at the asset and ``n_axes`` the
axes of that class reaching it (an asset's value is shared among the directions a class can
come from; a targeted asset counts more). Rows with identical coverage columns and weights
are aggregated by the optimiser, not here.

>>> from iamd.scenario.loader import load_scenario
>>> axes = threat_axes(load_scenario("balkans"))
>>> [(a.threat_class, a.count) for a in axes][:3]
[('ballistic_missile', 6), ('ballistic_missile', 2), ('ballistic_missile', 4)]
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np
import numpy.typing as npt

from iamd.errors import InputError
from iamd.geo.geodesic import geodesic_inverse, great_circle_distance_m
from iamd.plan.coverage import ApproachRows, approach_rows
from iamd.scenario.catalog import THREAT_CLASSES, Catalog
from iamd.scenario.loader import LoadedScenario

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.int64]

AXIS_MERGE_M = 50_000.0
"""Origins of one class closer than this to an axis's first origin join that axis (m)."""


@dataclass(frozen=True, slots=True, kw_only=True)
class ThreatAxis:
    """One direction of attack: a class, a representative type and an origin (degrees)."""

    name: str
    threat_class: str
    threat_type: str
    lat_deg: float
    lon_deg: float
    count: int = 0
    aimed: dict[str, int] = field(default_factory=dict)
    raids: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True, kw_only=True)
class DefendedAsset:
    """An asset to defend (a scenario asset, or one added by a changed assessment)."""

    name: str
    nation: str
    lat_deg: float
    lon_deg: float
    value: float


@dataclass(frozen=True, slots=True, kw_only=True)
class Demand:
    """R demand rows (asset × axis) with their representative threats.

    Attributes:
        assets, axes: what the rows index.
        asset: (R,) asset index; axis: (R,) axis index; class_index: (R,) threat class.
        weight: (R,) threat-weighted value (see the module text).
        approach: the representative threats (``iamd.plan.coverage``).
    """

    assets: tuple[DefendedAsset, ...]
    axes: tuple[ThreatAxis, ...]
    asset: IntArray
    axis: IntArray
    class_index: IntArray
    weight: FloatArray
    approach: ApproachRows

    def __len__(self) -> int:
        return len(self.asset)

    def nation(self) -> npt.NDArray[np.str_]:
        """(R,) the nation of each row's asset."""
        codes = np.array([a.nation for a in self.assets] or [""], dtype="<U3")
        return codes[self.asset] if len(self.asset) else np.zeros(0, dtype="<U3")


def scenario_assets(loaded: LoadedScenario) -> list[DefendedAsset]:
    """The scenario's defended assets."""
    return [
        DefendedAsset(
            name=a.name, nation=a.nation, lat_deg=a.lat_deg, lon_deg=a.lon_deg, value=a.value
        )
        for a in loaded.scenario.assets
    ]


def threat_axes(loaded: LoadedScenario) -> list[ThreatAxis]:
    """The scenario's raids grouped into axes (see the module text), in raid order."""
    sc, cat = loaded.scenario, loaded.catalog
    asset_pos = {a.name: (a.lat_deg, a.lon_deg) for a in sc.assets}
    groups: list[dict[str, object]] = []
    for raid in sc.raids:
        t = cat.threats[raid.type]
        cls = t.threat_class.value
        if cls not in ("drone", "cruise_missile", "ballistic_missile", "fighter"):
            continue
        lat, lon = (
            (raid.route[-1].lat_deg, raid.route[-1].lon_deg)
            if raid.route
            else (raid.launch.lat_deg, raid.launch.lon_deg)
        )
        aim = raid.aim.asset
        if aim is None and raid.aim.lat_deg is not None and raid.aim.lon_deg is not None:
            aim = _nearest_asset(asset_pos, raid.aim.lat_deg, raid.aim.lon_deg)
        for g in groups:
            if g["cls"] == cls and _dist_m(g["lat"], g["lon"], lat, lon) <= AXIS_MERGE_M:  # type: ignore[arg-type]
                break
        else:
            g = {
                "cls": cls,
                "lat": lat,
                "lon": lon,
                "types": [],
                "count": 0,
                "aimed": {},
                "raids": [],
            }
            groups.append(g)
        g["types"].append(raid.type)  # type: ignore[attr-defined]
        g["count"] = int(g["count"]) + raid.count  # type: ignore[call-overload]
        g["raids"].append(raid.id)  # type: ignore[attr-defined]
        if aim is not None:
            aimed: dict[str, int] = g["aimed"]  # type: ignore[assignment]
            aimed[aim] = aimed.get(aim, 0) + raid.count
    out = []
    for g in groups:
        types: list[str] = g["types"]  # type: ignore[assignment]
        best = max(types, key=lambda k: (cat.threats[k].max_range_km, -types.index(k)))
        lat, lon = float(g["lat"]), float(g["lon"])  # type: ignore[arg-type]
        out.append(
            ThreatAxis(
                name=f"{g['cls']}@{lat:.2f},{lon:.2f}",
                threat_class=str(g["cls"]),
                threat_type=best,
                lat_deg=lat,
                lon_deg=lon,
                count=int(g["count"]),  # type: ignore[call-overload]
                aimed=dict(g["aimed"]),  # type: ignore[call-overload]
                raids=tuple(g["raids"]),  # type: ignore[arg-type]
            )
        )
    return out


def build_demand(
    catalog: Catalog,
    assets: Sequence[DefendedAsset],
    axes: Sequence[ThreatAxis],
    *,
    nations: Sequence[str] | None = None,
) -> Demand:
    """Demand rows of ``assets`` (of ``nations`` only, if given) against ``axes``."""
    for ax in axes:
        if ax.threat_type not in catalog.threats:
            raise InputError(
                f"threat axis {ax.name}: unknown threat type {ax.threat_type!r} (allowed: "
                f"{', '.join(sorted(catalog.threats))})"
            )
    keep = [i for i, a in enumerate(assets) if nations is None or a.nation in nations]
    a_lat = np.radians([assets[i].lat_deg for i in keep])
    a_lon = np.radians([assets[i].lon_deg for i in keep])
    x_lat = np.radians([ax.lat_deg for ax in axes])
    x_lon = np.radians([ax.lon_deg for ax in axes])
    reach = np.array([catalog.threats[ax.threat_type].max_range_km * 1e3 for ax in axes])
    _, _, dist = geodesic_inverse(a_lat[:, None], a_lon[:, None], x_lat[None, :], x_lon[None, :])
    ok = np.asarray(dist <= reach[None, :]) if len(axes) else np.zeros((len(keep), 0), bool)
    cls = np.array([THREAT_CLASSES.index(ax.threat_class) for ax in axes], dtype=np.int64)
    ai, xi = np.nonzero(ok)  # asset-major, axes in order
    asset_idx = np.array([keep[i] for i in ai], dtype=np.int64)
    row_cls = cls[xi] if len(xi) else np.zeros(0, dtype=np.int64)
    key = ai.astype(np.int64) * len(THREAT_CLASSES) + row_cls
    _, inv, counts = np.unique(key, return_inverse=True, return_counts=True)
    n_axes = counts[inv].astype(np.float64)
    value = np.array([assets[i].value for i in asset_idx], dtype=np.float64)
    aimed = np.array(
        [
            axes[int(x)].aimed.get(assets[int(a)].name, 0)
            for a, x in zip(asset_idx, xi, strict=True)
        ],
        dtype=np.float64,
    )
    weight = value * (1.0 + aimed) / np.maximum(n_axes, 1.0)
    approach = approach_rows(
        catalog,
        np.radians([assets[i].lat_deg for i in asset_idx]),
        np.radians([assets[i].lon_deg for i in asset_idx]),
        [axes[int(x)].threat_type for x in xi],
        x_lat[xi],
        x_lon[xi],
    )
    return Demand(
        assets=tuple(assets),
        axes=tuple(axes),
        asset=asset_idx,
        axis=xi.astype(np.int64),
        class_index=row_cls,
        weight=weight,
        approach=approach,
    )


def _dist_m(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    return float(great_circle_distance_m(*np.radians([lat1, lon1, lat2, lon2])))


def _nearest_asset(pos: dict[str, tuple[float, float]], lat: float, lon: float) -> str | None:
    if not pos:
        return None
    return min(pos, key=lambda k: (_dist_m(pos[k][0], pos[k][1], lat, lon), k))
