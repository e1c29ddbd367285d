"""Coverage geometry: which fire unit defends which asset against which threat class.

A unit *covers* a demand row — an asset, a threat class and a threat axis (the direction the
threat comes from) — when the engine's own envelope test finds an intercept of a
representative threat of that class flying that axis onto the asset. The test is
:func:`iamd.engage.envelope.pair_intercepts`, the function the engine's
:func:`~iamd.engage.envelope.intercept_options` calls every step, so the planner and the
simulation agree by construction (a reference test checks the two on sampled points):
minimum and maximum range (the BMD range against ballistic missiles), minimum and maximum
altitude, the unit's azimuth sector, the 4/3-Earth radar horizon of the unit's fire-control
antenna (so a 50 m cruise missile is only engaged tens of kilometres out), and a flyout that
must arrive before the threat passes the point (after the unit's reaction time).

Representative threats (EST, documented in ``docs/plan.md``):

- **Air-breathing** (drone, cruise missile, fighter): a straight great-circle run at the
  type's cruise altitude and speed from the axis origin (the raid's last waypoint or launch
  point) onto the asset, the last ``approach_m`` of it sampled every ``step_m``. The unit is
  cued when the threat starts that run.
- **Ballistic missile**: a flat-Earth parabola over the axis great circle from the launch
  point to the asset, with the type's burnout flight-path angle γ (apogee ``L tan γ / 4``
  for a ground range ``L``) and the Keplerian minimum-energy time of flight for ``L``
  (Bate, Mueller and White 1971, ch. 6; :func:`iamd.world.ballistic.keplerian_minimum_energy`),
  flown at constant ground speed and sampled every ``bm_step_s``. The set of assets whose
  row a unit covers against a launch area is its *defended footprint* for that axis.

Pairs are pruned with a k-d tree over the sampled threat positions (a pair is evaluated only
when some sample lies within the unit's maximum range, the test the engine makes with a
dense distance matrix), then evaluated in chunks, each on the window of samples where its
pairs' threats are within reach (outside it no intercept is possible), so a coverage matrix
of thousands of candidate sites by tens of thousands of rows stays within memory and time.
The result is a sparse (rows × units) matrix.

>>> import numpy as np
>>> from iamd.scenario.catalog import builtin_catalog
>>> cat = builtin_catalog()
>>> units = unit_array(cat, ["pac3_mse"], np.radians([42.60]), np.radians([23.30]), np.zeros(1))
>>> rows = approach_rows_for_points(cat, np.radians([42.698]), np.radians([23.322]),
...     [("khorramshahr", 38.55, 44.95)])
>>> bool(coverage_matrix(units, rows).toarray()[0, 0])
True
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt
import scipy.sparse as sp
from scipy.spatial import cKDTree

from iamd.engage.envelope import EffectorArray, pair_intercepts
from iamd.geo.geodesic import geodesic_forward, geodesic_inverse
from iamd.geo.wgs84 import lla_to_ecef
from iamd.scenario.catalog import THREAT_CLASSES, Catalog, ThreatClass
from iamd.world.ballistic import keplerian_minimum_energy

FloatArray = npt.NDArray[np.float64]
BoolArray = npt.NDArray[np.bool_]
IntArray = npt.NDArray[np.int64]

BALLISTIC = THREAT_CLASSES.index(ThreatClass.BALLISTIC_MISSILE)
"""Column of the ballistic-missile class in ``EffectorArray.pk``."""
APPROACH_M = 250_000.0
"""Length of an air-breathing threat's sampled run onto its asset (m): beyond every
air-breathing engagement range of the catalog (160 km) plus margin."""
STEP_M = 2_000.0
"""Spacing of the air-breathing samples (m)."""
BM_STEP_S = 2.0
"""Time step of the ballistic samples (s): the engine's default clock step."""
CHUNK_PAIRS = 20_000
"""Pairs evaluated at once (bounds memory: pairs × samples × 3 floats)."""


@dataclass(frozen=True, slots=True, kw_only=True)
class ApproachRows:
    """R representative threats, one per demand row, sampled on per-class clocks.

    Attributes:
        class_index: (R,) threat class (index into ``THREAT_CLASSES``).
        lat_rad, lon_rad: (R,) the asset (aim point) of each row.
        origin_lat_rad, origin_lon_rad: (R,) the axis origin (launch point or last waypoint).
        speed_m_s: (R,) air-breathing cruise speed; ballistic: mean ground speed.
        altitude_m: (R,) air-breathing cruise altitude; ballistic: apogee (m).
        flight_time_s: (R,) time of the sampled run, cue to arrival (s).
        approach_m: (R,) ground length of the sampled run (m).
    """

    class_index: IntArray
    lat_rad: FloatArray
    lon_rad: FloatArray
    origin_lat_rad: FloatArray
    origin_lon_rad: FloatArray
    speed_m_s: FloatArray
    altitude_m: FloatArray
    flight_time_s: FloatArray
    approach_m: FloatArray

    def __len__(self) -> int:
        return len(self.class_index)


@dataclass(frozen=True, slots=True, kw_only=True)
class Samples:
    """The sampled runs of the rows of one class on one clock.

    Attributes:
        rows: (M,) row indices into the ApproachRows.
        t_s: (H,) the clock (s after the cue).
        pos_ecef_m: (M, H, 3) positions; alt_m (M, H) heights; present (M, H) still flying.
    """

    rows: IntArray
    t_s: FloatArray
    pos_ecef_m: FloatArray
    alt_m: FloatArray
    present: BoolArray


def approach_rows(
    catalog: Catalog,
    lat_rad: FloatArray,
    lon_rad: FloatArray,
    threat_type: Sequence[str],
    origin_lat_rad: FloatArray,
    origin_lon_rad: FloatArray,
    *,
    approach_m: float = APPROACH_M,
) -> ApproachRows:
    """Representative threats of catalog types ``threat_type`` (R,) from the origins onto the
    points (all angles rad, arrays (R,))."""
    lat = np.asarray(lat_rad, dtype=np.float64)
    lon = np.asarray(lon_rad, dtype=np.float64)
    olat = np.asarray(origin_lat_rad, dtype=np.float64)
    olon = np.asarray(origin_lon_rad, dtype=np.float64)
    n = len(lat)
    types = [catalog.threats[t] for t in threat_type]
    cls = np.array([THREAT_CLASSES.index(t.threat_class) for t in types], dtype=np.int64)
    _, _, dist = geodesic_inverse(olat, olon, lat, lon)
    dist = np.asarray(dist, dtype=np.float64).reshape(n)
    speed = np.array([t.speed_m_s for t in types], dtype=np.float64)
    alt = np.array([t.cruise_altitude_m for t in types], dtype=np.float64)
    length = np.minimum(dist, approach_m)
    t_fly = length / speed
    bm = cls == BALLISTIC
    if bm.any():
        ground = np.maximum(dist[bm], 1.0)
        kep = keplerian_minimum_energy(ground)
        fpa = np.array(
            [
                np.radians(b.flight_path_angle_deg)
                if (b := types[i].ballistic) is not None and b.flight_path_angle_deg is not None
                else float(kep.flight_path_angle_rad[k])
                for k, i in enumerate(np.flatnonzero(bm))
            ]
        )
        t_fly[bm] = kep.flight_time_s
        speed[bm] = ground / kep.flight_time_s
        alt[bm] = ground * np.tan(fpa) / 4.0
        length[bm] = ground
    return ApproachRows(
        class_index=cls,
        lat_rad=lat,
        lon_rad=lon,
        origin_lat_rad=olat,
        origin_lon_rad=olon,
        speed_m_s=speed,
        altitude_m=alt,
        flight_time_s=t_fly,
        approach_m=length,
    )


def approach_rows_for_points(
    catalog: Catalog,
    lat_rad: FloatArray,
    lon_rad: FloatArray,
    axes: Sequence[tuple[str, float, float]],
) -> ApproachRows:
    """Rows for every point × axis; ``axes`` are ``(threat type, origin lat_deg, lon_deg)``.
    Rows are point-major: row ``i * len(axes) + k`` is point ``i`` from axis ``k``."""
    lat = np.repeat(np.asarray(lat_rad, dtype=np.float64), len(axes))
    lon = np.repeat(np.asarray(lon_rad, dtype=np.float64), len(axes))
    n_pts = len(np.asarray(lat_rad))
    types = [a[0] for a in axes] * n_pts
    olat = np.tile(np.radians([a[1] for a in axes]), n_pts)
    olon = np.tile(np.radians([a[2] for a in axes]), n_pts)
    return approach_rows(catalog, lat, lon, types, olat, olon)


def sample_rows(
    rows: ApproachRows, class_index: int, *, step_m: float = STEP_M, bm_step_s: float = BM_STEP_S
) -> Samples:
    """Sample the runs of the rows of one class on a common clock (see the module text)."""
    sel = np.flatnonzero(rows.class_index == class_index)
    if len(sel) == 0:
        return Samples(
            rows=sel.astype(np.int64),
            t_s=np.zeros(1),
            pos_ecef_m=np.zeros((0, 1, 3)),
            alt_m=np.zeros((0, 1)),
            present=np.zeros((0, 1), bool),
        )
    t_end = rows.flight_time_s[sel]
    dt = bm_step_s if class_index == BALLISTIC else step_m / float(rows.speed_m_s[sel].max())
    h_n = int(np.ceil(float(t_end.max()) / dt)) + 1
    t = np.arange(h_n, dtype=np.float64) * dt
    # ground distance still to fly to the asset at each time; clamp at the asset
    remaining = rows.approach_m[sel, None] - rows.speed_m_s[sel, None] * t[None, :]
    present = remaining >= -1e-6
    remaining = np.clip(remaining, 0.0, None)
    az_back, _, _ = geodesic_inverse(
        rows.lat_rad[sel], rows.lon_rad[sel], rows.origin_lat_rad[sel], rows.origin_lon_rad[sel]
    )
    az_b = np.broadcast_to(np.asarray(az_back, dtype=np.float64)[:, None], remaining.shape)
    lat_b = np.broadcast_to(rows.lat_rad[sel, None], remaining.shape)
    lon_b = np.broadcast_to(rows.lon_rad[sel, None], remaining.shape)
    plat, plon, _ = geodesic_forward(lat_b, lon_b, az_b, remaining)
    if class_index == BALLISTIC:
        ground = rows.approach_m[sel, None]
        flown = ground - remaining
        alt = 4.0 * rows.altitude_m[sel, None] * flown * remaining / (ground * ground)
    else:
        alt = np.broadcast_to(rows.altitude_m[sel, None], remaining.shape).copy()
    pos = lla_to_ecef(plat, plon, alt).reshape(len(sel), h_n, 3)
    return Samples(
        rows=sel.astype(np.int64),
        t_s=t,
        pos_ecef_m=np.ascontiguousarray(pos),
        alt_m=np.asarray(alt, dtype=np.float64),
        present=present,
    )


def coverage_matrix(
    units: EffectorArray,
    rows: ApproachRows,
    *,
    step_m: float = STEP_M,
    bm_step_s: float = BM_STEP_S,
    chunk_pairs: int = CHUNK_PAIRS,
) -> sp.csr_matrix:
    """(R, U) sparse boolean matrix: unit ``u`` can intercept row ``r``'s threat.

    The unit is cued when the sampled run starts and fires after its reaction time; the
    intercept test is the engine's (:func:`iamd.engage.envelope.pair_intercepts`).
    """
    r_n, u_n = len(rows), len(units)
    out_r: list[IntArray] = []
    out_u: list[IntArray] = []
    for c in range(len(THREAT_CLASSES)):
        if not np.any(rows.class_index == c):
            continue
        can = np.flatnonzero(units.pk[:, c] > 0.0)
        if len(can) == 0:
            continue
        s = sample_rows(rows, c, step_m=step_m, bm_step_s=bm_step_s)
        reach = units.max_range_bm_m if c == BALLISTIC else units.max_range_m
        ui, mi, h0, h1 = _near_pairs(units, can, reach, s)
        if len(ui) == 0:
            continue
        m_n = len(s.rows)
        is_bm = np.full(m_n, c == BALLISTIC)
        t_launch = units.reaction_s
        # pairs in order of their in-reach window, evaluated on the chunk's window only
        order = np.lexsort((h1, h0))
        ui, mi, h0, h1 = ui[order], mi[order], h0[order], h1[order]
        for a in range(0, len(ui), chunk_pairs):
            sl = slice(a, a + chunk_pairs)
            cu, cm = ui[sl], mi[sl]
            w0, w1 = int(h0[sl].min()), int(h1[sl].max()) + 1
            pos_w = s.pos_ecef_m[:, w0:w1]
            diff = pos_w[cm] - units.pos_ecef_m[cu][:, None, :]
            rng = np.sqrt(np.einsum("phk,phk->ph", diff, diff))
            f_p, _, _ = pair_intercepts(
                units,
                cu,
                cm,
                diff,
                rng,
                reach[cu],
                t_launch,
                s.t_s[w0:w1],
                pos_w,
                s.alt_m[:, w0:w1],
                s.present[:, w0:w1],
                is_bm,
            )
            out_r.append(s.rows[cm[f_p]])
            out_u.append(cu[f_p])
    if out_r:
        rr = np.concatenate(out_r)
        uu = np.concatenate(out_u)
    else:
        rr = uu = np.zeros(0, dtype=np.int64)
    data = np.ones(len(rr), dtype=bool)
    return sp.csr_matrix((data, (rr, uu)), shape=(r_n, u_n), dtype=bool)


def unit_array(
    catalog: Catalog,
    types: Sequence[str],
    lat_rad: FloatArray,
    lon_rad: FloatArray,
    alt_m: FloatArray,
    *,
    ids: Sequence[str] | None = None,
    nation: Sequence[str] | None = None,
    sector_center_rad: FloatArray | None = None,
    sector_width_rad: FloatArray | None = None,
) -> EffectorArray:
    """Fire units of catalog ``types`` at sites (rad, m), as the engine's EffectorArray
    (`EffectorArray.of_types`, which also makes the engine's units)."""
    return EffectorArray.of_types(
        [catalog.effectors[t] for t in types],
        lat_rad,
        lon_rad,
        alt_m,
        names=types,
        ids=ids,
        nation=nation,
        sector_center_rad=sector_center_rad,
        sector_half_rad=None if sector_width_rad is None else np.asarray(sector_width_rad) / 2.0,
    )


def _near_pairs(
    units: EffectorArray, can: IntArray, reach_m: FloatArray, s: Samples
) -> tuple[IntArray, IntArray, IntArray, IntArray]:
    """(unit, local row) pairs where some present sample lies within the unit's reach (the
    engine's ``closest <= max range`` prune, by k-d tree instead of a dense matrix), with the
    first and last such sample of each pair: outside that window the threat is beyond the
    unit's maximum range, so no intercept is possible there."""
    m_n, h_n = s.present.shape
    empty = np.zeros(0, np.int64)
    flat = np.flatnonzero(s.present.reshape(-1))
    if len(flat) == 0:
        return empty, empty, empty, empty
    tree = cKDTree(s.pos_ecef_m.reshape(-1, 3)[flat])
    keys: list[IntArray] = []
    steps: list[IntArray] = []
    for r in np.unique(reach_m[can]):
        grp = can[reach_m[can] == r]
        if r <= 0.0:
            continue
        hits = tree.query_ball_point(units.pos_ecef_m[grp], r, return_sorted=False)
        for u, h in zip(grp, hits, strict=True):
            if len(h):
                f = flat[np.asarray(h, dtype=np.int64)]
                keys.append(u * m_n + f // h_n)
                steps.append(f % h_n)
    if not keys:
        return empty, empty, empty, empty
    key = np.concatenate(keys)
    step = np.concatenate(steps)
    order = np.lexsort((step, key))
    key, step = key[order], step[order]
    first = np.flatnonzero(np.r_[True, key[1:] != key[:-1]])
    last = np.r_[first[1:] - 1, len(key) - 1]
    k = key[first]
    return (
        (k // m_n).astype(np.int64),
        (k % m_n).astype(np.int64),
        step[first].astype(np.int64),
        step[last].astype(np.int64),
    )
