"""Engagement envelopes and predicted intercepts, vectorised over effectors × threats × time.

First version. An interceptor flies a straight line at its catalog mean speed; it can meet a
threat at a future time ``t`` if it can be launched (after the unit's reaction time) early
enough to cover the distance by ``t``, and if at ``t`` the threat lies inside the envelope:
minimum and maximum range (the BMD range against ballistic missiles), minimum and maximum
altitude, the unit's azimuth sector, and above the 4/3-Earth radar horizon of the unit's own
fire-control antenna (so a sea-skimmer can only be engaged close in). A laser needs a dwell
that grows with range (beam spread and atmospheric extinction, see :func:`laser_dwell_s`);
a gun fires shells at the catalog speed. The earliest feasible intercept is chosen.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, fields
from typing import TYPE_CHECKING, Any

import numpy as np
import numpy.typing as npt

from iamd.geo.horizon import above_radar_horizon
from iamd.geo.wgs84 import enu_rotation, lla_to_ecef
from iamd.scenario.catalog import THREAT_CLASSES

if TYPE_CHECKING:
    from iamd.engage.threat import ThreatEvaluation
    from iamd.scenario.catalog import EffectorType

FloatArray = npt.NDArray[np.float64]
BoolArray = npt.NDArray[np.bool_]
IntArray = npt.NDArray[np.int64]

FIRE_CONTROL_ANTENNA_M = 10.0
"""Height of a fire unit's own radar above its site (m), for the horizon check."""
LASER_SPOT_RANGE_M = 5_000.0
"""Range at which the laser spot's jitter growth equals its focused size (EST)."""
LASER_EXTINCTION_PER_M = 1.0e-4
"""Clear-air extinction coefficient (0.1 /km, a typical 1 µm figure; EST)."""


def laser_dwell_s(dwell_1km_s: FloatArray, range_m: FloatArray) -> FloatArray:
    """Beam time on target at ``range_m`` for a laser that needs ``dwell_1km_s`` at 1 km.

    Irradiance on target falls as the spot area grows, ``w² = w0² + (θR)²`` with the
    focused size ``w0 = θ·R0`` (R0 = :data:`LASER_SPOT_RANGE_M`), and as the atmosphere
    extinguishes the beam, ``exp(-αR)``; the dwell to deposit a fixed fluence scales
    inversely. An engineering estimate (reference §1.8: "2–10 s per target").

    >>> [round(float(laser_dwell_s(np.array(3.0), np.array(r))), 1) for r in (1e3, 5e3, 1e4)]
    [3.0, 8.6, 35.5]
    """
    r0 = LASER_SPOT_RANGE_M
    spread = (r0 * r0 + range_m * range_m) / (r0 * r0 + 1.0e6)
    return np.asarray(dwell_1km_s * spread * np.exp(LASER_EXTINCTION_PER_M * (range_m - 1000.0)))


@dataclass(frozen=True, slots=True, kw_only=True)
class EffectorArray:
    """All fire units of a scenario as arrays of shape (U,), (U, 3) or (U, C).

    C is the number of threat classes, in the order of
    ``iamd.scenario.catalog.THREAT_CLASSES``. Ranges and altitudes in metres.
    """

    ids: tuple[str, ...]
    nation: tuple[str, ...]
    type: tuple[str, ...]
    kind: tuple[str, ...]
    lat_rad: FloatArray
    lon_rad: FloatArray
    alt_m: FloatArray
    pos_ecef_m: FloatArray
    min_range_m: FloatArray
    max_range_m: FloatArray
    max_range_bm_m: FloatArray
    min_alt_m: FloatArray
    max_alt_m: FloatArray
    min_alt_bm_m: FloatArray
    speed_m_s: FloatArray
    reaction_s: FloatArray
    dwell_s: FloatArray
    cost_per_shot_usd: FloatArray
    pk: FloatArray
    salvo: IntArray
    magazine: IntArray
    channels: IntArray
    sector_center_rad: FloatArray
    sector_half_rad: FloatArray

    def __len__(self) -> int:
        return len(self.ids)

    @classmethod
    def of_types(
        cls,
        types: Sequence[EffectorType],
        lat_rad: FloatArray,
        lon_rad: FloatArray,
        alt_m: FloatArray,
        *,
        names: Sequence[str],
        ids: Sequence[str] | None = None,
        nation: Sequence[str] | None = None,
        magazine: Sequence[int] | None = None,
        sector_center_rad: FloatArray | None = None,
        sector_half_rad: FloatArray | None = None,
    ) -> EffectorArray:
        """Fire units of the catalog ``types`` (named ``names``) at sites (rad, m): each
        figure from its type, the magazine the type's unless given, all-round unless a
        sector is given. The engine's units (`iamd.sim.setup.build_effectors`) and the
        planner's candidate batteries (`iamd.plan.coverage.unit_array`) are both made here.
        """
        n = len(types)
        lat = np.asarray(lat_rad, dtype=np.float64).reshape(n)
        lon = np.asarray(lon_rad, dtype=np.float64).reshape(n)
        alt = np.asarray(alt_m, dtype=np.float64).reshape(n)
        pk = np.array([[t.pk.get(c, 0.0) for c in THREAT_CLASSES] for t in types],
                      dtype=np.float64).reshape(n, len(THREAT_CLASSES))  # fmt: skip
        salvo = np.array([[t.salvo.get(c, 1) for c in THREAT_CLASSES] for t in types],
                         dtype=np.int64).reshape(n, len(THREAT_CLASSES))  # fmt: skip

        def arr(values: list[float]) -> FloatArray:
            return np.asarray(values, dtype=np.float64).reshape(n)

        return cls(
            ids=tuple(ids) if ids is not None else tuple(f"site{i}" for i in range(n)),
            nation=tuple(nation) if nation is not None else ("",) * n,
            type=tuple(names),
            kind=tuple(t.kind for t in types),
            lat_rad=lat,
            lon_rad=lon,
            alt_m=alt,
            pos_ecef_m=lla_to_ecef(lat, lon, alt).reshape(-1, 3),
            min_range_m=arr([t.min_range_km * 1e3 for t in types]),
            max_range_m=arr([t.max_range_km * 1e3 for t in types]),
            max_range_bm_m=arr([t.max_range_bm_km * 1e3 for t in types]),
            min_alt_m=arr([t.min_altitude_km * 1e3 for t in types]),
            max_alt_m=arr([t.max_altitude_km * 1e3 for t in types]),
            min_alt_bm_m=arr([t.min_altitude_bm_km * 1e3 for t in types]),
            speed_m_s=arr([t.speed_m_s for t in types]),
            reaction_s=arr([t.reaction_time_s for t in types]),
            dwell_s=arr([t.dwell_s for t in types]),
            cost_per_shot_usd=arr([t.cost_per_shot_usd for t in types]),
            pk=pk,
            salvo=salvo,
            magazine=np.array(
                [t.magazine for t in types] if magazine is None else list(magazine),
                dtype=np.int64,
            ).reshape(n),
            channels=np.array([t.channels for t in types], dtype=np.int64).reshape(n),
            sector_center_rad=(
                np.zeros(n) if sector_center_rad is None else arr(list(sector_center_rad))
            ),
            sector_half_rad=(
                np.full(n, np.pi) if sector_half_rad is None else arr(list(sector_half_rad))
            ),
        )

    def take(self, index: Sequence[int] | npt.NDArray[np.int64] | BoolArray) -> EffectorArray:
        """The units ``index`` (positions, or a (U,) mask) in that order, every field alike.

        >>> from iamd.scenario.catalog import builtin_catalog
        >>> cat = builtin_catalog()
        >>> u = EffectorArray.of_types([cat.effectors[t] for t in ("stinger", "skynex")],
        ...     np.zeros(2), np.zeros(2), np.zeros(2), names=("stinger", "skynex"))
        >>> u.take([1]).type, u.take(np.array([True, False])).type
        (('skynex',), ('stinger',))
        """
        idx = np.asarray(index)
        idx = np.flatnonzero(idx) if idx.dtype == np.bool_ else idx.astype(np.int64)
        out: dict[str, Any] = {}
        for f in fields(self):
            v = getattr(self, f.name)
            out[f.name] = tuple(v[i] for i in idx) if isinstance(v, tuple) else v[idx]
        return EffectorArray(**out)

    @property
    def is_laser(self) -> BoolArray:
        """(U,) the unit is a laser."""
        return np.array([k == "laser" for k in self.kind], dtype=bool)


@dataclass(frozen=True, slots=True, kw_only=True)
class InterceptOptions:
    """Earliest feasible intercept of M threats by U units (all (U, M)).

    ``feasible`` is False where no intercept is possible in the window; there ``t_s`` is inf.
    """

    feasible: BoolArray
    t_s: FloatArray
    step: IntArray
    range_m: FloatArray


def intercept_options(
    units: EffectorArray,
    t_launch_s: FloatArray,
    t_window_s: FloatArray,
    pos_window_ecef_m: FloatArray,
    alt_window_m: FloatArray,
    present_window: BoolArray,
    class_index: IntArray,
    is_ballistic: BoolArray,
    allowed: BoolArray | None = None,
) -> InterceptOptions:
    """Earliest intercept of each threat by each unit over a look-ahead window.

    Args:
        t_launch_s: (U,) earliest launch time of each unit (now + reaction time).
        t_window_s: (H,) the future clock times considered.
        pos_window_ecef_m: (M, H, 3) predicted threat positions at those times.
        alt_window_m: (M, H) their altitudes.
        present_window: (M, H) the threat is still flying then.
        class_index: (M,) threat class index (column of ``units.pk``).
        is_ballistic: (M,) the threat is a ballistic missile.
        allowed: (U, M) pairs worth evaluating (default all); the others come back infeasible.

    Only the pairs that can matter are computed: those ``allowed`` whose class the unit can
    engage (pk > 0); of those, the pairs whose threat never comes within the unit's maximum
    range in the window are pruned with one distance computation per pair before the
    envelope (sector, altitude, horizon) is evaluated on the rest. Memory and time grow with
    those pairs, not with U × M.
    """
    u_n, m_n, h_n = len(units), pos_window_ecef_m.shape[0], pos_window_ecef_m.shape[1]
    feasible = np.zeros((u_n, m_n), dtype=bool)
    t_int = np.full((u_n, m_n), np.inf)
    step = np.zeros((u_n, m_n), dtype=np.int64)
    rng_at = np.full((u_n, m_n), np.nan)
    if u_n == 0 or m_n == 0 or h_n == 0:
        return InterceptOptions(feasible=feasible, t_s=t_int, step=step, range_m=rng_at)
    max_rng_um = np.where(
        is_ballistic[None, :], units.max_range_bm_m[:, None], units.max_range_m[:, None]
    )
    worth = (units.pk[:, class_index] > 0.0) & _may_come_within(
        units.pos_ecef_m, pos_window_ecef_m, present_window, max_rng_um
    )
    if allowed is not None:
        worth &= allowed
    ui, mi = np.nonzero(worth)
    if len(ui) == 0:
        return InterceptOptions(feasible=feasible, t_s=t_int, step=step, range_m=rng_at)
    diff = pos_window_ecef_m[mi] - units.pos_ecef_m[ui, None, :]  # (P, H, 3)
    rng = np.sqrt(np.einsum("phk,phk->ph", diff, diff))
    max_rng = max_rng_um[ui, mi]
    closest = np.where(present_window[mi], rng, np.inf).min(axis=1)
    near = np.flatnonzero(closest <= max_rng)
    if len(near) == 0:
        return InterceptOptions(feasible=feasible, t_s=t_int, step=step, range_m=rng_at)
    if len(near) < len(ui):
        ui, mi, diff, rng, max_rng = ui[near], mi[near], diff[near], rng[near], max_rng[near]
    f_p, s_p, r_p = pair_intercepts(
        units,
        ui,
        mi,
        diff,
        rng,
        max_rng,
        t_launch_s,
        t_window_s,
        pos_window_ecef_m,
        alt_window_m,
        present_window,
        is_ballistic,
    )
    feasible[ui, mi] = f_p
    step[ui, mi] = s_p
    t_int[ui, mi] = np.where(f_p, t_window_s[s_p], np.inf)
    rng_at[ui, mi] = r_p
    return InterceptOptions(feasible=feasible, t_s=t_int, step=step, range_m=rng_at)


def pair_intercepts(
    units: EffectorArray,
    ui: IntArray,
    mi: IntArray,
    diff_ecef_m: FloatArray,
    range_m: FloatArray,
    max_range_m: FloatArray,
    t_launch_s: FloatArray,
    t_window_s: FloatArray,
    pos_window_ecef_m: FloatArray,
    alt_window_m: FloatArray,
    present_window: BoolArray,
    is_ballistic: BoolArray,
) -> tuple[BoolArray, IntArray, FloatArray]:
    """Earliest intercept of P (unit, threat) pairs: the envelope and flyout test of
    :func:`intercept_options`, shared with the planner's coverage (``iamd.plan.coverage``).

    Args:
        ui, mi: (P,) unit and threat index of each pair.
        diff_ecef_m: (P, H, 3) threat position minus unit position over the window (m).
        range_m: (P, H) their norms (m).
        max_range_m: (P,) the unit's maximum range for the threat (BMD range for a BM).
        t_launch_s, t_window_s, pos_window_ecef_m, alt_window_m, present_window,
        is_ballistic: as in :func:`intercept_options`.

    Returns:
        ``(feasible (P,), step (P,), range_m (P,))``: an intercept exists in the window, the
        index of its earliest step, and the range then (NaN where infeasible).
    """
    rng = range_m
    rot = enu_rotation(units.lat_rad, units.lon_rad)[ui]  # (P, 3, 3)
    enu = np.einsum("pij,phj->phi", rot, diff_ecef_m)
    az = np.mod(np.arctan2(enu[..., 0], enu[..., 1]), 2 * np.pi)
    min_alt = np.where(is_ballistic[mi], units.min_alt_bm_m[ui], units.min_alt_m[ui])[:, None]
    off = off_sector_rad(az, units.sector_center_rad[ui, None])
    alt = alt_window_m[mi]
    in_env = (
        present_window[mi]
        & (rng >= units.min_range_m[ui, None])
        & (rng <= max_range_m[:, None])
        & (alt >= min_alt)
        & (alt <= units.max_alt_m[ui, None])
        & (off <= units.sector_half_rad[ui, None])
    )
    need_s = np.where(
        units.is_laser[ui, None],
        laser_dwell_s(units.dwell_s[ui, None], rng),
        rng / units.speed_m_s[ui, None],
    )
    ok = in_env & (t_window_s[None, :] - t_launch_s[ui, None] >= need_s)
    # the radar horizon, the costliest test, only where every other test passes
    p_k, h_k = np.nonzero(ok)
    if len(p_k):
        antenna = lla_to_ecef(units.lat_rad, units.lon_rad, units.alt_m + FIRE_CONTROL_ANTENNA_M)
        seen = above_radar_horizon(antenna.reshape(-1, 3)[ui[p_k]], pos_window_ecef_m[mi[p_k], h_k])
        ok[p_k[~seen], h_k[~seen]] = False
    f_p = ok.any(axis=1)
    s_p = np.argmax(ok, axis=1).astype(np.int64)
    r_p = np.where(f_p, rng[np.arange(len(ui)), s_p], np.nan)
    return np.asarray(f_p, dtype=bool), s_p, np.asarray(r_p, dtype=np.float64)


def _may_come_within(
    site_ecef_m: FloatArray, pos_ecef_m: FloatArray, present: BoolArray, range_m: FloatArray
) -> BoolArray:
    """(U, M) a conservative prefilter of :func:`intercept_options`: False only where no
    present position of threat m (``pos_ecef_m`` (M, H, 3), ``present`` (M, H)) can lie
    within ``range_m`` (U, M) of site u (``site_ecef_m`` (U, 3)) — the distance from the
    site to the box that holds the threat's present positions exceeds the range (with a
    margin of 1 m and 1e-9 of the range against rounding). The exact test follows on the
    pairs kept, so the pairs it drops change nothing."""
    inside = present[:, :, None]
    lo = np.where(inside, pos_ecef_m, np.inf).min(axis=1, initial=np.inf)  # (M, 3)
    hi = np.where(inside, pos_ecef_m, -np.inf).max(axis=1, initial=-np.inf)
    site = site_ecef_m[:, None, :]
    gap = np.maximum(np.maximum(lo[None] - site, site - hi[None]), 0.0)  # (U, M, 3)
    box_m = np.sqrt(np.einsum("umk,umk->um", gap, gap))
    return np.asarray(box_m <= range_m * (1.0 + 1e-9) + 1.0)


def off_sector_rad(az_rad: FloatArray, center_rad: FloatArray) -> FloatArray:
    """Angle (rad, 0..π) between azimuths and a sector's centre, wrapped across north.

    >>> round(float(off_sector_rad(np.radians(350.0), np.radians(10.0))), 4)
    0.3491
    """
    return np.asarray(np.abs(np.mod(az_rad - center_rad + np.pi, 2 * np.pi) - np.pi))


def covers_course(
    units: EffectorArray,
    evaluation: ThreatEvaluation,
    state_6: FloatArray,
    ballistic: npt.NDArray[np.bool_],
    reach_m: FloatArray,
) -> npt.NDArray[np.bool_]:
    """(U, M): the unit will be able to engage the threat before it reaches its aim point —
    the aim point (a ballistic impact, or the asset at risk) lies within the unit's reach, or,
    for an air-breathing threat, the straight course from the track to it passes within
    reach (distance from the unit to the segment) — and that point lies in the unit's
    azimuth sector (a battery facing east cannot defend a plant 30 km west of it)."""
    aim = evaluation.aim_point_ecef_m
    has = np.asarray(np.isfinite(aim).all(axis=1), dtype=bool)
    a = np.where(has[:, None], aim, state_6[:, :3])
    p0 = state_6[:, :3]
    seg = a - p0  # (M, 3)
    rel = units.pos_ecef_m[:, None, :] - p0[None, :, :]  # (U, M, 3)
    len2 = np.maximum(np.einsum("mi,mi->m", seg, seg), 1e-9)
    along = np.clip(np.einsum("umi,mi->um", rel, seg) / len2, 0.0, 1.0)
    along = np.where(ballistic[None, :], 1.0, along)  # a ballistic threat: its impact point
    closest = p0[None, :, :] + along[..., None] * seg[None, :, :]
    diff = closest - units.pos_ecef_m[:, None, :]
    dist = np.linalg.norm(diff, axis=-1)
    enu = np.einsum("uij,umj->umi", enu_rotation(units.lat_rad, units.lon_rad), diff)
    az = np.arctan2(enu[..., 0], enu[..., 1])
    off = off_sector_rad(az, units.sector_center_rad[:, None])
    in_sector = off <= units.sector_half_rad[:, None] + 1e-9
    return np.asarray(has[None, :] & (dist <= reach_m) & in_sector)
