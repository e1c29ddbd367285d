"""Where to put lent and own batteries: maximal covering location, solved exactly on HiGHS.

The model is the maximal covering location problem (Church and ReVelle, "The maximal
covering location problem", *Papers of the Regional Science Association* 32, 1974) with
several battery types (the multi-type defence variant of Lessan and Pond 2024, here solved
to proven optimality instead of by a genetic algorithm)::

    maximise   Σ_g w_g y_g
    subject to y_g ≤ Σ_j a_gj x_j          every demand group g
               Σ_{j ∈ pool p} x_j = n_p     every battery pool (owner, type, count)
               Σ_{j at site s} x_j ≤ 1      one battery per site
               Σ_{j at s} x_j + Σ_{j at s'} x_j ≤ 1   sites s, s' closer than the separation
               x_j ∈ {0, 1},  0 ≤ y_g ≤ 1

Columns ``j`` are (candidate site, pool) pairs the political constraints allow: the site
lies in a host nation that consents to the pool (a lent battery stays on its owner's soil
unless ``--hosts`` names more), outside the exclusion buffer along designated sensitive
borders (Greece–Türkiye on the Evros), and its engagement envelope (the geodesic disc of the
type's maximum range) has at most the capped share of its area inside the named neighbour
(computed with shapely on the real borders in a Lambert azimuthal equal-area projection).
``a_gj`` is the coverage of ``iamd.plan.coverage`` (the engine's intercept test). Demand rows
already covered by the fixed layout are dropped (their value is counted once), rows no
column covers are dropped, and rows with the same covering columns are aggregated into one
group with the sum of their weights. The constraint matrix is built as column-wise sparse
arrays and passed whole to HiGHS (``highspy``: ``Highs.passModel``), whose branch and cut
(Huangfu and Hall 2018) reports the dual bound, so every answer carries its proven gap. The
solver starts from the greedy placement (``Highs.setSolution``), so an answer stopped by the
time limit is never worse than the greedy.

The **price of the reach cap** is the covered value lost against the uncapped optimum (the
capped optimum is its start). The Pareto fronts (protection vs the reach cap; protection vs
the number of lent batteries) keep one model per front, change only the column bounds or the
pool row that differs between points, and solve the points in the order in which each
optimum is a feasible start for the next; each point to a proven gap.
"""

from __future__ import annotations

import re
import time
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from typing import Any

import highspy
import numpy as np
import numpy.typing as npt
import pandas as pd
import scipy.sparse as sp
from scipy.spatial import cKDTree

from iamd.engage.envelope import EffectorArray
from iamd.errors import InputError
from iamd.geo.borders import load_countries
from iamd.geo.geodesic import geodesic_forward
from iamd.geo.wgs84 import lla_to_ecef
from iamd.plan.coverage import coverage_matrix, unit_array
from iamd.plan.demand import Demand
from iamd.scenario.catalog import Catalog

FloatArray = npt.NDArray[np.float64]
BoolArray = npt.NDArray[np.bool_]
IntArray = npt.NDArray[np.int64]

MIP_REL_GAP = 1e-4
"""Relative gap at which HiGHS stops: the answer is proven within 0.01 % of the optimum."""
_POOL_RE = re.compile(r"^\s*([A-Z]{3})\s*:\s*([A-Za-z0-9_.\-]+)\s*(?:x\s*(\d+))?\s*$")


@dataclass(frozen=True, slots=True, kw_only=True)
class BatteryPool:
    """``count`` batteries of catalog ``type`` owned by ``owner``; ``lent`` when they defend
    other nations; ``hosts``: nations that consent to host them."""

    owner: str
    type: str
    count: int
    lent: bool
    hosts: tuple[str, ...]


def parse_pool(
    text: str,
    flag: str,
    catalog: Catalog,
    nations: Sequence[str],
    *,
    lent: bool,
    hosts: Sequence[str] = (),
) -> BatteryPool:
    """``"GRC:pac3_mse x1"`` → a pool; InputError naming the flag, the value and what is
    allowed for a malformed value, an unknown nation or effector type."""
    m = _POOL_RE.match(text)
    if m is None:
        raise InputError(
            f'{flag}: malformed value {text!r}; write NATION:TYPE xN, e.g. "GRC:pac3_mse x1"'
        )
    owner, typ, n = m.group(1), m.group(2), int(m.group(3) or 1)
    if owner not in nations:
        raise InputError(
            f"{flag}: unknown nation {owner!r} in {text!r} (allowed: {', '.join(nations)})"
        )
    if typ not in catalog.effectors:
        raise InputError(
            f"{flag}: unknown effector type {typ!r} in {text!r} (allowed: "
            f"{', '.join(sorted(catalog.effectors))})"
        )
    if n < 1:
        raise InputError(f"{flag}: the count must be >= 1 in {text!r} (got x{n})")
    host = (owner, *[h for h in hosts if h != owner]) if lent else (owner,)
    return BatteryPool(owner=owner, type=typ, count=n, lent=lent, hosts=host)


@dataclass(frozen=True, slots=True, kw_only=True)
class Sites:
    """S candidate sites: positions (rad), host nation, optional names."""

    lat_rad: FloatArray
    lon_rad: FloatArray
    host: tuple[str, ...]
    names: tuple[str, ...]

    def __len__(self) -> int:
        return len(self.lat_rad)


def grid_sites(hosts: Sequence[str], spacing_m: float) -> Sites:
    """Candidate sites on a regular grid inside the host nations' real borders: rows every
    ``spacing_m`` of latitude, points every ``spacing_m`` of longitude at the row's latitude.
    """
    if not spacing_m > 0:
        raise InputError(f"--spacing-km must be > 0 (got {spacing_m / 1e3:g})")
    c = load_countries()
    lat_all: list[FloatArray] = []
    lon_all: list[FloatArray] = []
    host_all: list[str] = []
    for h in sorted(set(hosts)):
        g = c.geometries[c.index(h)]
        lon0, lat0, lon1, lat1 = g.bounds
        dlat = np.degrees(spacing_m / 6_371_008.8)
        lats = np.arange(np.floor(lat0 / dlat) * dlat, lat1 + dlat, dlat)
        for la in lats:
            dlon = dlat / max(np.cos(np.radians(la)), 1e-6)
            lons = np.arange(np.floor(lon0 / dlon) * dlon, lon1 + dlon, dlon)
            inside = c.contains(h, np.radians(la), np.radians(lons))
            lon_all.append(lons[inside])
            lat_all.append(np.full(int(inside.sum()), la))
            host_all += [h] * int(inside.sum())
    lat = np.radians(np.concatenate(lat_all)) if lat_all else np.zeros(0)
    lon = np.radians(np.concatenate(lon_all)) if lon_all else np.zeros(0)
    names = tuple(f"{h}-{i}" for i, h in enumerate(host_all))
    return Sites(lat_rad=lat, lon_rad=lon, host=tuple(host_all), names=names)


def listed_sites(
    lat_deg: Sequence[float], lon_deg: Sequence[float], names: Sequence[str] | None = None
) -> Sites:
    """Listed candidate sites; their host is the country they lie in."""
    lat = np.radians(np.asarray(lat_deg, dtype=np.float64))
    lon = np.radians(np.asarray(lon_deg, dtype=np.float64))
    host = tuple(str(h) for h in load_countries().country_at(lat, lon))
    nm = tuple(names) if names is not None else tuple(f"site{i}" for i in range(len(lat)))
    return Sites(lat_rad=lat, lon_rad=lon, host=host, names=nm)


def border_line_distance_m(sites: Sites, a: str, b: str) -> FloatArray:
    """(S,) distance (m) from each site to the land border between countries ``a`` and
    ``b`` (the part of ``a``'s boundary within ~1 km of ``b``), in a local equidistant
    projection; inf if they share no border."""
    import pyproj
    import shapely

    c = load_countries()
    ga, gb = c.geometries[c.index(a)], c.geometries[c.index(b)]
    line = shapely.intersection(ga.boundary, shapely.buffer(gb, 0.01))
    if line.is_empty or len(sites) == 0:
        return np.full(len(sites), np.inf)
    x0, y0, x1, y1 = line.bounds
    proj = pyproj.Proj(proj="aeqd", lat_0=0.5 * (y0 + y1), lon_0=0.5 * (x0 + x1), ellps="WGS84")
    line_m = shapely.transform(line, lambda xy: np.column_stack(proj(xy[:, 0], xy[:, 1])))
    px, py = proj(np.degrees(sites.lon_rad), np.degrees(sites.lat_rad))
    return np.asarray(shapely.distance(shapely.points(np.column_stack([px, py])), line_m))


def reach_share(
    lat_rad: FloatArray,
    lon_rad: FloatArray,
    radius_m: FloatArray,
    country: str,
    *,
    n_vertices: int = 128,
) -> FloatArray:
    """(S,) share of the area of each geodesic disc (centre rad, radius m) inside
    ``country``, on the real borders, by shapely in a Lambert azimuthal equal-area
    projection centred on each disc (area-true, so the share is the share on the ellipsoid
    up to the polygonisation of the circle). Discs that cannot touch the country (their
    centre farther from its boundary than the radius, and outside it) are 0 without a
    polygon operation."""
    import pyproj
    import shapely

    c = load_countries()
    geom = c.geometries[c.index(country)]
    lat = np.atleast_1d(np.asarray(lat_rad, dtype=np.float64))
    lon = np.atleast_1d(np.asarray(lon_rad, dtype=np.float64))
    rad = np.broadcast_to(np.asarray(radius_m, dtype=np.float64), lat.shape)
    out = np.zeros(lat.shape)
    if len(lat) == 0:
        return out
    inside = c.contains(country, lat, lon)
    near = inside | (c.distance_to_border_m(lat, lon, country) < rad)
    az = np.linspace(0.0, 2 * np.pi, n_vertices, endpoint=False)
    for i in np.flatnonzero(near & (rad > 0)):
        plat, plon, _ = geodesic_forward(lat[i], lon[i], az, rad[i])
        proj = pyproj.Proj(
            proj="laea", lat_0=np.degrees(lat[i]), lon_0=np.degrees(lon[i]), ellps="WGS84"
        )
        x, y = proj(np.degrees(plon), np.degrees(plat))
        disc = shapely.Polygon(np.column_stack([x, y]))
        box = shapely.box(
            *shapely.bounds(shapely.Polygon(np.column_stack([np.degrees(plon), np.degrees(plat)])))
        )
        part = shapely.intersection(geom, shapely.buffer(box, 0.05))
        if part.is_empty:
            continue
        part_m = shapely.transform(part, lambda xy, p=proj: np.column_stack(p(xy[:, 0], xy[:, 1])))
        out[i] = shapely.area(shapely.intersection(disc, part_m)) / shapely.area(disc)
    return out


@dataclass(frozen=True, slots=True, kw_only=True)
class PlanOptions:
    """Political and technical settings of a placement (SI units; ``reach_cap`` a share)."""

    min_separation_m: float = 20_000.0
    border_buffer_m: float = 20_000.0
    sensitive_borders: tuple[tuple[str, str], ...] = (("GRC", "TUR"),)
    reach_country: str = "TUR"
    reach_cap: float | None = None
    site_alt_m: float = 100.0
    time_limit_s: float = 60.0
    mip_rel_gap: float = MIP_REL_GAP

    def __post_init__(self) -> None:
        if self.reach_cap is not None and not 0.0 <= self.reach_cap <= 1.0:
            raise InputError(f"--reach-cap must be within [0, 1] (got {self.reach_cap:g})")
        for name in ("min_separation_m", "border_buffer_m", "site_alt_m"):
            if not getattr(self, name) >= 0.0:
                raise InputError(f"{name} must be >= 0 (got {getattr(self, name)})")
        if not self.time_limit_s > 0:
            raise InputError(f"--time-limit must be > 0 (got {self.time_limit_s:g})")
        if not 0.0 <= self.mip_rel_gap < 1.0:
            raise InputError(f"--gap must be within [0, 1) (got {self.mip_rel_gap:g})")


@dataclass(frozen=True, slots=True, kw_only=True)
class PlanProblem:
    """A placement instance, built once and solved for many caps and counts.

    Attributes:
        sites, pools, demand: what it indexes. types: the distinct battery types.
        cover: (R, S × T) sparse coverage of each row by a battery of type t at site s
            (column ``s * T + t``).
        reach: (S, T) envelope share inside ``options.reach_country``.
        site_ok: (S, P) the pool may be placed at the site (hosts, buffer; no cap).
        residual: (R,) share of each row's value still open to the planned batteries: 1
            for a row the fixed layout does not cover, 0 for one it covers (``count``), or
            the share of its threats expected to leak through the fixed layers
            (``layered``, ``Π (1 − pk)^salvo`` over the covering units).
    """

    sites: Sites
    pools: tuple[BatteryPool, ...]
    types: tuple[str, ...]
    demand: Demand
    cover: sp.csr_matrix
    reach: FloatArray
    site_ok: BoolArray
    residual: FloatArray
    options: PlanOptions
    catalog: Catalog = field(repr=False)


def build_problem(
    catalog: Catalog,
    demand: Demand,
    sites: Sites,
    pools: Sequence[BatteryPool],
    options: PlanOptions,
    *,
    residual: FloatArray | None = None,
) -> PlanProblem:
    """The coverage of every (site, type), the reach shares and the allowed columns."""
    if not pools:
        raise InputError(
            '--lend/--own: give at least one battery to place, e.g. --lend "GRC:pac3_mse x1"'
        )
    types = tuple(sorted({p.type for p in pools}))
    s_n, t_n = len(sites), len(types)
    if s_n == 0:
        raise InputError(
            "no feasible site: the candidate grid has no point inside the host "
            "nations (use a smaller --spacing-km or list --sites)"
        )
    lat = np.repeat(sites.lat_rad, t_n)
    lon = np.repeat(sites.lon_rad, t_n)
    units = unit_array(catalog, list(types) * s_n, lat, lon, np.full(s_n * t_n, options.site_alt_m))
    cover = coverage_matrix(units, demand.approach)
    reach = np.zeros((s_n, t_n))
    for t, typ in enumerate(types):
        r_m = catalog.effectors[typ].max_range_km * 1e3
        reach[:, t] = reach_share(
            sites.lat_rad, sites.lon_rad, np.full(s_n, r_m), options.reach_country
        )
    ok_site = np.ones(s_n, dtype=bool)
    for a, b in options.sensitive_borders:
        ok_site &= border_line_distance_m(sites, a, b) >= options.border_buffer_m
    site_ok = np.zeros((s_n, len(pools)), dtype=bool)
    host = np.array(sites.host, dtype="<U3")
    for p, pool in enumerate(pools):
        site_ok[:, p] = ok_site & np.isin(host, pool.hosts)
    base = np.ones(len(demand)) if residual is None else np.asarray(residual, dtype=np.float64)
    return PlanProblem(
        sites=sites,
        pools=tuple(pools),
        types=types,
        demand=demand,
        cover=cover.tocsr(),
        reach=reach,
        site_ok=site_ok,
        residual=base,
        options=options,
        catalog=catalog,
    )


@dataclass(frozen=True, slots=True, kw_only=True)
class Solution:
    """One solve: status, objective and its proof, the chosen (site, pool) pairs.

    ``objective`` is the covered weight of the planned batteries' new rows; ``covered``
    adds the rows the fixed layout covers. ``mip_gap`` is HiGHS's proven relative gap.
    """

    status: str
    optimal: bool
    objective: float
    dual_bound: float
    mip_gap: float
    covered: float
    chosen: list[tuple[int, int]]
    solve_s: float
    groups: int
    columns: int
    counts: tuple[int, ...]
    reach_cap: float | None


def solve(
    problem: PlanProblem,
    *,
    reach_cap: float | None = None,
    counts: Sequence[int] | None = None,
    at_most: bool = False,
    cap_given: bool = False,
    start: Sequence[tuple[int, int]] | None = None,
) -> Solution:
    """Solve the MILP (see the module text) for a reach cap (default the options') and pool
    counts (default the pools'); ``at_most`` relaxes ``= n_p`` to ``≤ n_p``.

    HiGHS starts from the better of ``start`` (a feasible placement, e.g. the optimum of a
    tighter cap) and the greedy placement, so the answer is never worse than the greedy, also
    when the solver stops unproven at its time limit.

    The model keeps only the columns that cover some open demand group, with ``≤ n_p``;
    batteries it leaves unplaced (they would add nothing) are then put on the first allowed
    free sites that keep the separation. That is the optimum of the ``= n_p`` model whenever
    such sites exist (dropping zero-value batteries keeps a solution feasible, adding them
    back does not change its value); if they do not, the full ``= n_p`` model is solved.
    """
    cap = reach_cap if (cap_given or reach_cap is not None) else problem.options.reach_cap
    cnt = tuple(counts) if counts is not None else tuple(p.count for p in problem.pools)
    cs, cp = _columns(problem, cap)
    for p, pool in enumerate(problem.pools):
        n_ok = int(np.sum(cp == p))
        if cnt[p] > n_ok and not at_most:
            what = "every candidate site is" if n_ok == 0 else f"only {n_ok} candidate sites are"
            raise InputError(
                f"no feasible site for {pool.owner}:{pool.type} x{cnt[p]}: {what} inside the "
                f"consenting hosts ({', '.join(pool.hosts)}), outside the border buffer and "
                f"within the reach cap"
            )
    t0 = time.perf_counter()
    model = _build(problem, cs, cp, cnt, useful_only=True)
    sol = _solve_model(problem, model, cap, cnt, start, t0=t0)
    if at_most or np.isnan(sol.covered):
        return sol
    chosen, fill_ok = _fill(problem, sol.chosen, cs, cp, cnt)
    if fill_ok:
        return replace(sol, chosen=chosen)
    full = _build(problem, cs, cp, cnt, useful_only=False, exact_counts=True)
    sol = _solve_model(problem, full, cap, cnt, start, t0=t0)
    if sol.chosen == [] and not sol.optimal and sol.status == "Infeasible":
        raise InputError(
            "no feasible site: the batteries cannot all be placed under the constraints "
            "(separation, hosts, buffer, reach cap); relax them or place fewer"
        )
    return sol


HIGHS_OPTIONS: dict[str, bool | int | float | str] = {
    "output_flag": False,
    "random_seed": 0,
    "threads": 1,
    "presolve": "off",
    "mip_lp_solver": "ipm",
}
"""HiGHS options of every placement solve besides the time limit and the gap (measured in
``benchmarks/plan/README.md``). Presolve off: the model is already reduced (open rows,
aggregated groups, useful columns), and the 524-site instance is proven in 16-18 s without
it against 37-71 s with it. The root LP by interior point: at 3,062 sites the dual simplex
does not finish it in 300 s (bound 36,219, the sum of the weights), the interior point does
(bound 20,498). A fixed seed and one thread: a proven solve gives the same placement run to
run (two threads were as deterministic and no measurably faster on two shared cores)."""


class _QuietHighs(highspy.Highs):
    """``highspy.Highs`` with its log off before the first call (the constructor's callback
    set-up would otherwise print the version banner on standard output)."""

    def enableCallbacks(self) -> None:
        self.setOptionValue("output_flag", False)
        super().enableCallbacks()


@dataclass(slots=True, kw_only=True)
class _Model:
    """A placement MILP held by HiGHS, changed in place between the points of a front.

    Attributes:
        highs: the solver with the model passed (None when no column covers anything).
        cs, cp: (J,) site and pool of each column; columns ``0..J-1`` are x, ``J..J+G-1`` y.
        group_of: (J, G) sparse, the groups each column covers (to build a start's y).
        weight: (G,) the groups' weights (objective coefficients of y).
        upper: (J,) current upper bound of each column (0 where the cap excludes it).
        counts: (P,) current pool counts (upper bounds of the pool rows).
        exact_counts: the pool rows are ``= n_p`` (else ``0 ≤ · ≤ n_p``).
    """

    highs: highspy.Highs | None
    cs: IntArray
    cp: IntArray
    group_of: sp.csr_matrix
    weight: FloatArray
    upper: FloatArray
    counts: tuple[int, ...]
    exact_counts: bool

    @property
    def g_n(self) -> int:
        return int(self.group_of.shape[1])


def _columns(problem: PlanProblem, cap: float | None) -> tuple[IntArray, IntArray]:
    """(site, pool) of every column the hosts, the buffer and the reach cap allow."""
    col_site: list[IntArray] = []
    col_pool: list[IntArray] = []
    for p, pool in enumerate(problem.pools):
        t = problem.types.index(pool.type)
        ok = problem.site_ok[:, p].copy()
        if cap is not None:
            ok &= problem.reach[:, t] <= cap + 1e-12
        s = np.flatnonzero(ok)
        col_site.append(s)
        col_pool.append(np.full(len(s), p))
    return (
        np.concatenate(col_site).astype(np.int64),
        np.concatenate(col_pool).astype(np.int64),
    )


def _build(
    problem: PlanProblem,
    cs: IntArray,
    cp: IntArray,
    cnt: Sequence[int],
    *,
    useful_only: bool,
    exact_counts: bool = False,
) -> _Model:
    """Build the MILP on columns (cs, cp) — open rows only, rows with the same covering
    columns aggregated into groups, with ``useful_only`` only the columns that cover some
    group — as column-wise sparse arrays, and pass it to HiGHS (maximisation)."""
    t_n = len(problem.types)
    ctype = np.array([problem.types.index(problem.pools[p].type) for p in cp], dtype=np.int64)
    a_full = problem.cover[:, cs * t_n + ctype].tocsr()
    w = problem.demand.weight * problem.residual
    live = np.flatnonzero((problem.residual > 0.0) & (np.diff(a_full.indptr) > 0))
    a_live = a_full[live].tocsr()
    w_live = w[live]
    if useful_only:
        keep = np.flatnonzero(np.diff(a_live.tocsc().indptr) > 0)
        cs, cp, a_live = cs[keep], cp[keep], a_live[:, keep].tocsr()
    j_n = len(cs)
    a_live.sort_indices()
    groups: dict[bytes, int] = {}
    g_weight: list[float] = []
    g_rows: list[IntArray] = []
    for i in range(a_live.shape[0]):
        idx = a_live.indices[a_live.indptr[i] : a_live.indptr[i + 1]]
        key = idx.astype(np.int64).tobytes()
        g = groups.get(key)
        if g is None:
            groups[key] = len(g_weight)
            g_weight.append(float(w_live[i]))
            g_rows.append(idx)
        else:
            g_weight[g] += float(w_live[i])
    g_n = len(g_weight)
    gi: IntArray = np.zeros(0, np.int64)
    gj: IntArray = np.zeros(0, np.int64)
    if g_n:
        gi = np.concatenate([np.full(len(r), k, dtype=np.int64) for k, r in enumerate(g_rows)])
        gj = np.concatenate(g_rows).astype(np.int64)
    group_of = sp.csr_matrix((np.ones(len(gi)), (gj, gi)), shape=(j_n, g_n))
    model = _Model(
        highs=None,
        cs=cs,
        cp=cp,
        group_of=group_of,
        weight=np.asarray(g_weight),
        upper=np.ones(j_n),
        counts=tuple(cnt),
        exact_counts=exact_counts,
    )
    if j_n == 0:
        return model
    # rows: y_g − Σ a_gj x_j ≤ 0; Σ_{pool p} x_j ∈ [0 or n_p, n_p]; one per site; separation
    blocks = [sp.hstack([-group_of.T, sp.identity(g_n, format="csr")])]
    lo: list[FloatArray] = [np.full(g_n, -np.inf)]
    hi: list[FloatArray] = [np.zeros(g_n)]
    pool_m = sp.csr_matrix((np.ones(j_n), (cp, np.arange(j_n))), shape=(len(cnt), j_n))
    blocks.append(sp.hstack([pool_m, sp.csr_matrix((len(cnt), g_n))]))
    lo.append(np.asarray(cnt, dtype=float) if exact_counts else np.zeros(len(cnt)))
    hi.append(np.asarray(cnt, dtype=float))
    used_sites, site_of = np.unique(cs, return_inverse=True)
    site_m = sp.csr_matrix((np.ones(j_n), (site_of, np.arange(j_n))), shape=(len(used_sites), j_n))
    multi = np.flatnonzero(np.diff(site_m.indptr) > 1)
    if len(multi):
        blocks.append(sp.hstack([site_m[multi], sp.csr_matrix((len(multi), g_n))]))
        lo.append(np.full(len(multi), -np.inf))
        hi.append(np.ones(len(multi)))
    if problem.options.min_separation_m > 0 and len(used_sites) > 1 and sum(cnt) > 1:
        pos = lla_to_ecef(
            problem.sites.lat_rad[used_sites], problem.sites.lon_rad[used_sites], 0.0
        ).reshape(-1, 3)
        pairs = cKDTree(pos).query_pairs(
            problem.options.min_separation_m * (1 - 1e-12), output_type="ndarray"
        )
        if len(pairs):
            pm = (site_m[pairs[:, 0]] + site_m[pairs[:, 1]]).tocsr()
            blocks.append(sp.hstack([pm, sp.csr_matrix((len(pairs), g_n))]))
            lo.append(np.full(len(pairs), -np.inf))
            hi.append(np.ones(len(pairs)))
    a = sp.vstack(blocks).tocsc()
    a.sort_indices()
    lp = highspy.HighsLp()
    lp.num_col_ = j_n + g_n
    lp.num_row_ = a.shape[0]
    lp.sense_ = highspy.ObjSense.kMaximize
    lp.col_cost_ = np.concatenate([np.zeros(j_n), model.weight])
    lp.col_lower_ = np.zeros(j_n + g_n)
    lp.col_upper_ = np.ones(j_n + g_n)
    lp.row_lower_ = np.concatenate(lo)
    lp.row_upper_ = np.concatenate(hi)
    lp.a_matrix_.format_ = highspy.MatrixFormat.kColwise
    lp.a_matrix_.num_col_ = j_n + g_n
    lp.a_matrix_.num_row_ = a.shape[0]
    lp.a_matrix_.start_ = a.indptr.astype(np.int32)
    lp.a_matrix_.index_ = a.indices.astype(np.int32)
    lp.a_matrix_.value_ = a.data.astype(np.float64)
    # y binary too: HiGHS then finds implications among them
    lp.integrality_ = [highspy.HighsVarType.kInteger] * (j_n + g_n)
    h = _QuietHighs()
    for name, value in HIGHS_OPTIONS.items():
        h.setOptionValue(name, value)
    h.setOptionValue("mip_rel_gap", problem.options.mip_rel_gap)
    h.passModel(lp)
    model.highs = h
    return model


def _solve_model(
    problem: PlanProblem,
    model: _Model,
    cap: float | None,
    cnt: Sequence[int],
    start: Sequence[tuple[int, int]] | None,
    *,
    t0: float | None = None,
) -> Solution:
    """Set the model's column bounds to the reach cap and its pool rows to the counts
    (changing only what differs), start HiGHS from the better of ``start`` and the greedy
    and solve; the chosen pairs, HiGHS's status, dual bound and proven gap."""
    t0 = time.perf_counter() if t0 is None else t0
    opt = problem.options
    base_value = fixed_value(problem)
    cnt = tuple(cnt)
    j_n, g_n = len(model.cs), model.g_n
    ctype = np.array([problem.types.index(problem.pools[p].type) for p in model.cp], np.int64)
    upper = (
        np.ones(j_n)
        if cap is None
        else (problem.reach[model.cs, ctype] <= cap + 1e-12).astype(np.float64)
    )
    h = model.highs
    if h is None:
        return Solution(
            status="optimal",
            optimal=True,
            objective=0.0,
            dual_bound=0.0,
            mip_gap=0.0,
            covered=base_value,
            chosen=[],
            solve_s=time.perf_counter() - t0,
            groups=g_n,
            columns=j_n,
            counts=cnt,
            reach_cap=cap,
        )
    starts = [
        greedy(
            replace(
                problem,
                pools=tuple(replace(q, count=c) for q, c in zip(problem.pools, cnt, strict=True)),
            ),
            reach_cap=cap,
        )
    ]
    if start:
        starts.append(list(start))
    x0 = None
    best = -np.inf
    for pairs in starts:
        x = _start_vector(model, upper, cnt, pairs)
        if x is None:
            continue
        v = float(model.group_of.T.dot(x).clip(0, 1) @ model.weight)
        if v > best:
            x0, best = x, v
    changed = np.flatnonzero(upper != model.upper)
    if len(changed):
        h.changeColsBounds(
            len(changed), changed.astype(np.int32), np.zeros(len(changed)), upper[changed]
        )
        model.upper = upper
    if cnt != model.counts:
        for p, n in enumerate(cnt):
            h.changeRowBounds(g_n + p, float(n) if model.exact_counts else 0.0, float(n))
        model.counts = cnt
    h.setOptionValue("time_limit", float(opt.time_limit_s))
    h.setOptionValue("mip_rel_gap", float(opt.mip_rel_gap))
    if x0 is not None:
        y0 = (model.group_of.T.dot(x0) > 0.5).astype(np.float64)
        s0 = highspy.HighsSolution()
        s0.col_value = np.concatenate([x0, y0])
        h.setSolution(s0)
    h.run()
    status = h.getModelStatus()
    info = h.getInfo()
    dt = time.perf_counter() - t0
    if info.primal_solution_status != highspy.kSolutionStatusFeasible:
        nan = float("nan")
        return Solution(
            status=h.modelStatusToString(status),
            optimal=False,
            objective=nan,
            dual_bound=nan,
            mip_gap=nan,
            covered=nan,
            chosen=[],
            solve_s=dt,
            groups=g_n,
            columns=int(upper.sum()),
            counts=cnt,
            reach_cap=cap,
        )
    on = np.asarray(h.getSolution().col_value[:j_n]) > 0.5
    chosen = sorted(
        ((int(model.cs[j]), int(model.cp[j])) for j in np.flatnonzero(on)),
        key=lambda sp_: (sp_[1], sp_[0]),
    )
    gap = float(info.mip_gap)
    optimal = status == highspy.HighsModelStatus.kOptimal and gap <= opt.mip_rel_gap + 1e-12
    obj_exact = covered_value(problem, chosen) - base_value
    text = "optimal" if optimal else h.modelStatusToString(status)
    if not optimal and x0 is not None and not obj_exact > best + 1e-9:
        text += "; the starting placement was not improved"
    return Solution(
        status=text,
        optimal=optimal,
        objective=obj_exact,
        dual_bound=float(info.mip_dual_bound),
        mip_gap=gap,
        covered=base_value + obj_exact,
        chosen=chosen,
        solve_s=dt,
        groups=g_n,
        columns=int(upper.sum()),
        counts=cnt,
        reach_cap=cap,
    )


def _start_vector(
    model: _Model, upper: FloatArray, cnt: Sequence[int], pairs: Sequence[tuple[int, int]]
) -> FloatArray | None:
    """(J,) the x of a placement on the model's columns, or None if it does not fit. Pairs
    on columns the model leaves out (they cover nothing) are dropped — still feasible when
    the pool rows are ``≤ n_p``; with exact counts every pair must be a column."""
    index = {(int(s), int(p)): j for j, (s, p) in enumerate(zip(model.cs, model.cp, strict=True))}
    x = np.zeros(len(model.cs))
    for s, p in pairs:
        j = index.get((int(s), int(p)))
        if j is None or upper[j] < 0.5:
            if model.exact_counts:
                return None
            continue
        x[j] = 1.0
    per_pool = np.bincount(model.cp, weights=x, minlength=len(cnt))
    if (per_pool > np.asarray(cnt)).any():
        return None
    if model.exact_counts and (per_pool != np.asarray(cnt)).any():
        return None
    return x


def _fill(
    problem: PlanProblem,
    chosen: list[tuple[int, int]],
    cs: IntArray,
    cp: IntArray,
    cnt: Sequence[int],
) -> tuple[list[tuple[int, int]], bool]:
    """Put the batteries the model left unplaced on the first allowed free sites (in site
    order) that keep the separation; ``(chosen, False)`` if some cannot be placed."""
    pos = lla_to_ecef(problem.sites.lat_rad, problem.sites.lon_rad, 0.0).reshape(-1, 3)
    out = list(chosen)
    used = [s for s, _ in out]
    sep = problem.options.min_separation_m * (1 - 1e-12)
    for p in range(len(cnt)):
        need = cnt[p] - sum(1 for _, q in out if q == p)
        for s in cs[cp == p]:
            if need <= 0:
                break
            if used and (np.linalg.norm(pos[used] - pos[s], axis=1) <= sep).any():
                continue
            if int(s) in used:
                continue
            out.append((int(s), p))
            used.append(int(s))
            need -= 1
        if need > 0:
            return chosen, False
    out.sort(key=lambda sp_: (sp_[1], sp_[0]))
    return out, True


def covered_mask(problem: PlanProblem, chosen: Sequence[tuple[int, int]]) -> BoolArray:
    """(R,) rows covered by the fixed layout or the chosen (site, pool) pairs."""
    t_n = len(problem.types)
    cols = [s * t_n + problem.types.index(problem.pools[p].type) for s, p in chosen]
    hit = (
        np.asarray(problem.cover[:, cols].sum(axis=1)).reshape(-1) > 0
        if cols
        else np.zeros(len(problem.demand), bool)
    )
    return np.asarray(hit | (problem.residual < 1.0))


def fixed_value(problem: PlanProblem) -> float:
    """Covered value of the fixed layout alone: ``Σ w (1 − residual)``."""
    return float(np.sum(problem.demand.weight * (1.0 - problem.residual)))


def covered_value(problem: PlanProblem, chosen: Sequence[tuple[int, int]]) -> float:
    """Covered threat-weighted value of the fixed layout plus the chosen pairs: the fixed
    value plus ``Σ w · residual`` over the rows a chosen battery covers."""
    t_n = len(problem.types)
    cols = [s * t_n + problem.types.index(problem.pools[p].type) for s, p in chosen]
    if not cols:
        return fixed_value(problem)
    hit = np.asarray(problem.cover[:, cols].sum(axis=1)).reshape(-1) > 0
    return fixed_value(problem) + float(np.sum((problem.demand.weight * problem.residual)[hit]))


def greedy(problem: PlanProblem, *, reach_cap: float | None = None) -> list[tuple[int, int]]:
    """The greedy heuristic: add the (site, pool) pair of largest marginal value, one battery
    at a time, respecting hosts, cap, one per site and separation (Church and ReVelle 1974's
    baseline). Returns the chosen pairs."""
    cap = problem.options.reach_cap if reach_cap is None else reach_cap
    left = [p.count for p in problem.pools]
    chosen: list[tuple[int, int]] = []
    covered = np.zeros(len(problem.demand), dtype=bool)
    w = problem.demand.weight * problem.residual
    t_n = len(problem.types)
    pos = lla_to_ecef(problem.sites.lat_rad, problem.sites.lon_rad, 0.0).reshape(-1, 3)
    blocked = np.zeros(len(problem.sites), dtype=bool)
    cov_csc = problem.cover.tocsc()
    while sum(left) > 0:
        best = (-1.0, -1, -1)
        for p, pool in enumerate(problem.pools):
            if left[p] == 0:
                continue
            t = problem.types.index(pool.type)
            ok = problem.site_ok[:, p] & ~blocked
            if cap is not None:
                ok &= problem.reach[:, t] <= cap + 1e-12
            s = np.flatnonzero(ok)
            if not len(s):
                continue
            sub = cov_csc[:, s * t_n + t]
            gain = np.asarray(sub.T @ (w * ~covered)).reshape(-1)
            k = int(np.argmax(gain))
            if gain[k] > best[0]:
                best = (float(gain[k]), int(s[k]), p)
        if best[1] < 0:
            break
        _, s_, p_ = best
        chosen.append((s_, p_))
        left[p_] -= 1
        covered |= covered_mask(problem, [(s_, p_)])
        d = np.linalg.norm(pos - pos[s_], axis=1)
        blocked |= d < problem.options.min_separation_m
        blocked[s_] = True
    return chosen


def local_search(
    problem: PlanProblem,
    start: Sequence[tuple[int, int]],
    *,
    seed: int = 0,
    iterations: int = 2000,
    reach_cap: float | None = None,
) -> list[tuple[int, int]]:
    """A simple metaheuristic: simulated annealing over single-battery moves (relocate one
    battery to one of the 12 nearest allowed sites or, half the time, to any allowed site),
    with a linear cooling from 2 % of the start's value, seeded, from ``start`` (e.g. the
    greedy); returns the best placement seen."""
    rng = np.random.default_rng(np.random.SeedSequence(seed))
    cap = problem.options.reach_cap if reach_cap is None else reach_cap
    pos = lla_to_ecef(problem.sites.lat_rad, problem.sites.lon_rad, 0.0).reshape(-1, 3)
    allowed = []
    for p, pool in enumerate(problem.pools):
        ok = problem.site_ok[:, p].copy()
        if cap is not None:
            ok &= problem.reach[:, problem.types.index(pool.type)] <= cap + 1e-12
        allowed.append(np.flatnonzero(ok))
    cur = list(start)
    cur_v = covered_value(problem, cur)
    best, best_v = list(cur), cur_v
    temp0 = max(cur_v, 1.0) * 0.02
    for it in range(iterations):
        if not cur:
            break
        k = int(rng.integers(len(cur)))
        s_old, p = cur[k]
        if not len(allowed[p]):
            continue
        if rng.random() < 0.5:  # a neighbouring allowed site, else anywhere allowed
            d = np.linalg.norm(pos[allowed[p]] - pos[s_old], axis=1)
            near = allowed[p][np.argsort(d, kind="stable")[:12]]
            s_new = int(near[rng.integers(len(near))])
        else:
            s_new = int(allowed[p][rng.integers(len(allowed[p]))])
        others = [s for i, (s, _) in enumerate(cur) if i != k]
        if (
            others
            and (
                np.linalg.norm(pos[others] - pos[s_new], axis=1)
                < max(problem.options.min_separation_m, 1e-6)
            ).any()
        ):
            continue
        cand = [*cur[:k], (s_new, p), *cur[k + 1 :]]
        v = covered_value(problem, cand)
        temp = temp0 * (1.0 - it / iterations) + 1e-9
        if v >= cur_v or rng.random() < np.exp((v - cur_v) / temp):
            cur, cur_v = cand, v
            if v > best_v:
                best, best_v = list(cand), v
    return best


@dataclass(frozen=True, slots=True, kw_only=True)
class Placement:
    """One planned battery."""

    id: str
    owner: str
    type: str
    host: str
    lent: bool
    lat_deg: float
    lon_deg: float
    reach_share: float
    marginal_value: float
    max_range_m: float
    max_range_bm_m: float
    site: int


@dataclass(frozen=True, slots=True, kw_only=True)
class PlanResult:
    """A solved plan: the solution, its placements, the price of the cap and the fronts."""

    problem: PlanProblem
    solution: Solution
    uncapped: Solution | None
    placements: list[Placement]
    fronts: dict[str, pd.DataFrame]
    covered_rows: BoolArray

    @property
    def price_of_cap(self) -> float:
        """Covered value the reach cap costs (0 without a cap)."""
        if self.uncapped is None:
            return 0.0
        return self.uncapped.covered - self.solution.covered


def placements(problem: PlanProblem, sol: Solution) -> list[Placement]:
    """The chosen pairs as placements, with reach and marginal value (covered value lost
    if that battery alone were not placed)."""
    out = []
    total = covered_value(problem, sol.chosen)
    seen: dict[str, int] = {}
    for i, (s, p) in enumerate(sol.chosen):
        pool = problem.pools[p]
        t = problem.types.index(pool.type)
        e = problem.catalog.effectors[pool.type]
        base = f"plan_{pool.owner.lower()}_{pool.type}"
        seen[base] = seen.get(base, 0) + 1
        rest = [c for k, c in enumerate(sol.chosen) if k != i]
        out.append(
            Placement(
                id=f"{base}_{seen[base]}",
                owner=pool.owner,
                type=pool.type,
                host=problem.sites.host[s],
                lent=pool.lent,
                lat_deg=round(float(np.degrees(problem.sites.lat_rad[s])), 4),
                lon_deg=round(float(np.degrees(problem.sites.lon_rad[s])), 4),
                reach_share=float(problem.reach[s, t]),
                marginal_value=total - covered_value(problem, rest),
                max_range_m=e.max_range_km * 1e3,
                max_range_bm_m=e.max_range_bm_km * 1e3,
                site=s,
            )
        )
    return out


def pareto_reach(problem: PlanProblem, points: int = 12) -> pd.DataFrame:
    """Protection vs the reach cap: the optimum at ``points`` caps from 0 to the largest
    reach share of any allowed column (breakpoints of the columns' shares), each solved to
    the proven gap.

    One model serves every point: it holds every allowed column, and each cap only sets the
    upper bounds of the columns it excludes to 0. The loosest cap is solved first: its dual
    bound bounds the optimum of every tighter cap (a subset of its placements). The others
    follow in increasing order, each started from the previous optimum (feasible under a
    looser cap); a point whose start is already within the gap of that bound is proven
    without a solve (``_within_bound``)."""
    shares = []
    for p, pool in enumerate(problem.pools):
        t = problem.types.index(pool.type)
        shares.append(problem.reach[problem.site_ok[:, p], t])
    vals = np.unique(np.round(np.concatenate(shares), 6)) if shares else np.zeros(1)
    top = float(vals.max()) if len(vals) else 0.0
    caps = np.unique(np.round(np.concatenate([[0.0], np.linspace(0.0, top, points)]), 6))
    if len(caps) < points:
        caps = np.unique(np.round(np.linspace(0.0, max(top, 1e-3), points), 6))
    cnt = tuple(pool.count for pool in problem.pools)
    cs, cp = _columns(problem, None)
    model = _build(problem, cs, cp, cnt, useful_only=True)
    loose = _solve_model(problem, model, float(caps[-1]), cnt, None)
    rows = []
    prev: list[tuple[int, int]] = []
    for cap in caps[:-1]:
        s = _within_bound(problem, loose, prev, float(cap), cnt) or _solve_model(
            problem, model, float(cap), cnt, prev
        )
        prev = s.chosen
        rows.append(_front_row(float(cap), "reach cap (share of envelope area)", s))
    rows.append(_front_row(float(caps[-1]), "reach cap (share of envelope area)", loose))
    return pd.DataFrame(rows)


def pareto_lent(problem: PlanProblem, max_lent: int) -> pd.DataFrame:
    """Protection vs the number of lent batteries: 0..max_lent of the first lent pool (the
    others at their counts), each solved to the proven gap.

    One model serves every point (only the pool row's bound changes). The largest count is
    solved first (its dual bound bounds every smaller count's optimum), the others in
    increasing order, each started from the previous optimum (feasible with one more battery
    allowed) and proven without a solve when that start is within the gap of the bound."""
    lent = [p for p, pool in enumerate(problem.pools) if pool.lent]
    if not lent:
        return pd.DataFrame()
    p0 = lent[0]
    cap = problem.options.reach_cap
    cs, cp = _columns(problem, cap)
    top = [pool.count for pool in problem.pools]
    top[p0] = max_lent
    model = _build(problem, cs, cp, top, useful_only=True)
    loose = _solve_model(problem, model, cap, top, None)
    rows = []
    prev: list[tuple[int, int]] = []
    label = f"lent {problem.pools[p0].type} batteries"
    for k in range(max_lent):
        cnt = [pool.count for pool in problem.pools]
        cnt[p0] = k
        s = _within_bound(problem, loose, prev, cap, cnt) or _solve_model(
            problem, model, cap, cnt, prev
        )
        prev = s.chosen
        rows.append(_front_row(float(k), label, s))
    rows.append(_front_row(float(max_lent), label, loose))
    return pd.DataFrame(rows)


def _within_bound(
    problem: PlanProblem,
    loose: Solution,
    start: Sequence[tuple[int, int]],
    cap: float | None,
    cnt: Sequence[int],
) -> Solution | None:
    """The point of a front proven without a solve, or None: ``start`` (feasible at this
    point) is within the relative gap of the dual bound of the loosest point, which bounds
    this point's optimum (its placements are a subset of the loosest point's)."""
    t0 = time.perf_counter()
    base_value = fixed_value(problem)
    v = covered_value(problem, start) - base_value
    bound = loose.dual_bound
    if not np.isfinite(bound) or not start:
        return None
    gap = max(bound - v, 0.0) / max(abs(v), 1e-9)
    if not gap <= problem.options.mip_rel_gap:
        return None
    return Solution(
        status="optimal (by the bound of the loosest point)",
        optimal=True,
        objective=v,
        dual_bound=bound,
        mip_gap=gap,
        covered=base_value + v,
        chosen=sorted(start, key=lambda sp_: (sp_[1], sp_[0])),
        solve_s=time.perf_counter() - t0,
        groups=loose.groups,
        columns=loose.columns,
        counts=tuple(cnt),
        reach_cap=cap,
    )


def _front_row(x: float, label: str, s: Solution) -> dict[str, Any]:
    return {
        "x": x,
        "x_label": label,
        "objective": s.covered,
        "planned_value": s.objective,
        "dual_bound": s.dual_bound,
        "mip_gap": s.mip_gap,
        "optimal": s.optimal,
        "solve_s": s.solve_s,
        "sites": ";".join(f"{a}:{b}" for a, b in s.chosen),
    }


def plan(
    problem: PlanProblem,
    *,
    pareto_points: int = 12,
    max_lent: int | None = None,
    fronts: bool = True,
) -> PlanResult:
    """Solve the plan, the uncapped plan (for the price of the cap) and the Pareto fronts."""
    sol = solve(problem)
    if np.isnan(sol.covered):
        raise InputError(
            f"the solver stopped without a placement ({sol.status}); raise --time-limit"
        )
    uncapped = None
    if problem.options.reach_cap is not None:
        uncapped = solve(problem, reach_cap=None, cap_given=True, start=sol.chosen)
    fr: dict[str, pd.DataFrame] = {}
    if fronts:
        fr["reach"] = pareto_reach(problem, pareto_points)
        n_lent = sum(p.count for p in problem.pools if p.lent)
        fr["lent"] = pareto_lent(problem, max_lent if max_lent is not None else max(4, 2 * n_lent))
    return PlanResult(
        problem=problem,
        solution=sol,
        uncapped=uncapped,
        placements=placements(problem, sol),
        fronts=fr,
        covered_rows=covered_mask(problem, sol.chosen),
    )


def with_demand(problem: PlanProblem, demand: Demand, residual: FloatArray) -> PlanProblem:
    """The same sites and pools against a changed threat assessment (coverage recomputed)."""
    return build_problem(
        problem.catalog,
        demand,
        problem.sites,
        problem.pools,
        problem.options,
        residual=residual,
    )


def moves(before: list[Placement], after: list[Placement]) -> list[dict[str, Any]]:
    """What moves between two plans: per battery (in order of owner and type), its site
    before and after and the distance (km)."""
    out = []
    from iamd.geo.geodesic import geodesic_inverse

    for b, a in zip(before, after, strict=False):
        _, _, d = geodesic_inverse(*np.radians([b.lat_deg, b.lon_deg, a.lat_deg, a.lon_deg]))
        out.append(
            {
                "battery": a.id,
                "from": [b.lat_deg, b.lon_deg],
                "to": [a.lat_deg, a.lon_deg],
                "moved_km": round(float(d) / 1e3, 1),
                "host_before": b.host,
                "host_after": a.host,
            }
        )
    return out


def fixed_units_cover(units: EffectorArray, demand: Demand) -> BoolArray:
    """(R,) rows the fixed layout covers (any unit; the caller applies the policy)."""
    if len(units) == 0:
        return np.zeros(len(demand), dtype=bool)
    cov = coverage_matrix(units, demand.approach)
    return np.asarray(np.diff(cov.tocsr().indptr) > 0)
