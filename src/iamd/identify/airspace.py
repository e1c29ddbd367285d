"""Airspace control measures as the identification rules read them: the geographic context.

What it models
--------------
Real air defence declares a track ``hostile`` on identification criteria, and most of them are
geographic (NATO AJP-3.3.5 *Airspace Control*; HPCR *Manual on International Law Applicable
to Air and Missile Warfare*, 2009, Rules 40–41): where the track came from, which airspace it
is in, what it is flying towards. An :class:`Airspace` holds those measures in SI units,
compiled once from a scenario's ``airspace:`` section (:meth:`Airspace.from_scenario`):

- **friendly and hostile territory**: ADM0_A3 country codes, looked up with
  :func:`iamd.geo.borders.country_at` at a track's first detection;
- **declared launch areas** (land or sea): polygons or discs, each with a ceiling: a track
  first detected inside below the ceiling was launched there (an airliner crossing high
  above a launch area at cruise level was not);
- **protected zones**: discs with a height band where civil flight is prohibited (around a
  nuclear plant, an air base);
- **safe-passage corridors** for friendly aircraft: routes with a half-width and a height
  band (distances to their great-circle legs as :func:`~iamd.identify.features.airway_distance_m`);
- **defended assets**: the points whose approach shows intent (:meth:`Airspace.closing_on`);
- **declarations** of the identification authority (a visual identification by an
  interceptor, say): a disc, a time window and the identity declared;
- **filed flight plans** (procedural identification, :meth:`Airspace.correlate`): a route
  with a corridor half-width and a height band, a time window, optionally the Mode 3/A code
  assigned. A track correlates with a plan while it is inside the corridor within the
  window, replying the filed code if it replies a code at all (ICAO Doc 4444 §8.5: the
  flight plan correlated with the track identifies it; the air defence reads the same
  correlation).

Every query is vectorised over tracks. :data:`NO_AIRSPACE` is the empty context: no friendly
or hostile territory, no zones, no assets; with it only the kinematic criteria can make a
track hostile (the ``iamd identify`` tool without ``--scenario``).

>>> import numpy as np
>>> from iamd.geo.wgs84 import lla_to_ecef
>>> a = Airspace.build(zones=[("npp", 43.746, 23.771, 10e3, -500.0, 3000.0)])
>>> p = lla_to_ecef(np.radians([43.75, 43.75]), np.radians([23.80, 24.50]), [500.0, 500.0])
>>> a.zone_at(p).tolist()
[0, -1]
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import numpy as np
import numpy.typing as npt
import shapely

from iamd.geo.wgs84 import R_MEAN_M, ecef_to_lla, lla_to_ecef
from iamd.identify.features import AirwayNetwork, airway_distance_m
from iamd.track.filters import cross3

if TYPE_CHECKING:
    from iamd.scenario.schema import Scenario

FloatArray = npt.NDArray[np.float64]
BoolArray = npt.NDArray[np.bool_]
IntArray = npt.NDArray[np.int64]

DECLARABLE = ("hostile", "neutral", "friend")
"""Identities the identification authority declares (indices are declaration codes)."""


@dataclass(frozen=True, slots=True, kw_only=True, eq=False)
class Airspace:
    """Airspace control measures in SI units (see the module docstring).

    Attributes:
        friendly, hostile: ADM0_A3 codes of friendly and hostile territory.
        launch_names: names of the declared launch areas.
        launch_shapes: one shapely polygon (lon, lat in degrees) per launch area.
        launch_ceiling_m: (k,) first detections above this height do not count (m).
        zone_names: names of the protected zones.
        zone_unit: (z, 3) unit vectors of the zones' centres.
        zone_radius_m, zone_floor_m, zone_ceiling_m: (z,) extent of each zone (m).
        corridor_names: names of the safe-passage corridors.
        corridors: one network of great-circle legs per corridor.
        corridor_half_m, corridor_floor_m, corridor_ceiling_m: (c,) extent (m).
        asset_names: names of the defended assets.
        asset_unit: (a, 3) unit vectors of the assets.
        asset_radius_m: (a,) footprints of the assets (m).
        decl_t_s, decl_until_s: (d,) validity of each declaration (s).
        decl_unit: (d, 3) unit vectors of the declarations' centres.
        decl_radius_m: (d,) radii (m).
        decl_code: (d,) index into :data:`DECLARABLE`.
        plan_names, plan_callsigns: ids and call signs (``''``: none) of the flight plans.
        plan_code: (f,) Mode 3/A code filed (the integer of its 4 octal digits; -1 none).
        plan_from_s, plan_until_s: (f,) the plans' time windows (s).
        plan_half_m, plan_floor_m, plan_ceiling_m: (f,) corridor half-width and height band.
        plan_min_speed_m_s: (f,) slowest ground speed that correlates.
        leg_plan: (l,) the plan of each route leg (legs in plan order).
        leg_basis: (3, 5 l) per leg, as columns: the unit normal of its great circle, the
            normals of the planes bounding it at its start and end (pointing inside), and
            its start and end unit vectors (:meth:`correlate` tests all legs with one
            product).
        leg_sin_half, leg_cos_half: (l,) sine and cosine of the plan's half-width as an
            angle at the Earth's centre.
    """

    friendly: frozenset[str] = frozenset()
    hostile: frozenset[str] = frozenset()
    launch_names: tuple[str, ...] = ()
    launch_shapes: tuple[Any, ...] = ()
    launch_ceiling_m: FloatArray = field(default_factory=lambda: np.zeros(0))
    zone_names: tuple[str, ...] = ()
    zone_unit: FloatArray = field(default_factory=lambda: np.zeros((0, 3)))
    zone_radius_m: FloatArray = field(default_factory=lambda: np.zeros(0))
    zone_floor_m: FloatArray = field(default_factory=lambda: np.zeros(0))
    zone_ceiling_m: FloatArray = field(default_factory=lambda: np.zeros(0))
    corridor_names: tuple[str, ...] = ()
    corridors: tuple[AirwayNetwork, ...] = ()
    corridor_half_m: FloatArray = field(default_factory=lambda: np.zeros(0))
    corridor_floor_m: FloatArray = field(default_factory=lambda: np.zeros(0))
    corridor_ceiling_m: FloatArray = field(default_factory=lambda: np.zeros(0))
    asset_names: tuple[str, ...] = ()
    asset_unit: FloatArray = field(default_factory=lambda: np.zeros((0, 3)))
    asset_radius_m: FloatArray = field(default_factory=lambda: np.zeros(0))
    decl_t_s: FloatArray = field(default_factory=lambda: np.zeros(0))
    decl_until_s: FloatArray = field(default_factory=lambda: np.zeros(0))
    decl_unit: FloatArray = field(default_factory=lambda: np.zeros((0, 3)))
    decl_radius_m: FloatArray = field(default_factory=lambda: np.zeros(0))
    decl_code: IntArray = field(default_factory=lambda: np.zeros(0, dtype=np.int64))
    plan_names: tuple[str, ...] = ()
    plan_callsigns: tuple[str, ...] = ()
    plan_code: IntArray = field(default_factory=lambda: np.zeros(0, dtype=np.int64))
    plan_from_s: FloatArray = field(default_factory=lambda: np.zeros(0))
    plan_until_s: FloatArray = field(default_factory=lambda: np.zeros(0))
    plan_half_m: FloatArray = field(default_factory=lambda: np.zeros(0))
    plan_floor_m: FloatArray = field(default_factory=lambda: np.zeros(0))
    plan_ceiling_m: FloatArray = field(default_factory=lambda: np.zeros(0))
    plan_min_speed_m_s: FloatArray = field(default_factory=lambda: np.zeros(0))
    leg_plan: IntArray = field(default_factory=lambda: np.zeros(0, dtype=np.int64))
    leg_basis: FloatArray = field(default_factory=lambda: np.zeros((3, 0)))
    leg_sin_half: FloatArray = field(default_factory=lambda: np.zeros(0))
    leg_cos_half: FloatArray = field(default_factory=lambda: np.zeros(0))

    def __repr__(self) -> str:
        return (
            f"Airspace(friendly={len(self.friendly)}, hostile={sorted(self.hostile)}, "
            f"launch_areas={list(self.launch_names)}, zones={list(self.zone_names)}, "
            f"corridors={list(self.corridor_names)}, assets={len(self.asset_names)}, "
            f"declarations={len(self.decl_t_s)}, flight_plans={len(self.plan_names)})"
        )

    # ------------------------------------------------------------------ construction

    @classmethod
    def build(
        cls,
        *,
        friendly: Sequence[str] = (),
        hostile: Sequence[str] = (),
        launch_areas: Sequence[tuple[str, Sequence[tuple[float, float]], float]] = (),
        zones: Sequence[tuple[str, float, float, float, float, float]] = (),
        corridors: Sequence[tuple[str, Sequence[tuple[float, float]], float, float, float]] = (),
        assets: Sequence[tuple[str, float, float, float]] = (),
        declarations: Sequence[tuple[float, float, float, float, float, str]] = (),
        flight_plans: Sequence[FlightPlanSpec] = (),
    ) -> Airspace:
        """An airspace from plain tuples (degrees at the edge, metres and seconds):

        - ``launch_areas``: ``(name, [(lat_deg, lon_deg), ...], ceiling_m)``;
        - ``zones``: ``(name, lat_deg, lon_deg, radius_m, floor_m, ceiling_m)``;
        - ``corridors``: ``(name, [(lat_deg, lon_deg), ...], half_width_m, floor_m, ceiling_m)``;
        - ``assets``: ``(name, lat_deg, lon_deg, radius_m)``;
        - ``declarations``: ``(time_s, until_s, lat_deg, lon_deg, radius_m, identity)``;
        - ``flight_plans``: :class:`FlightPlanSpec`.
        """
        shapes = tuple(
            shapely.Polygon([(lon, lat) for lat, lon in pts]) for _, pts, _ in launch_areas
        )
        for s in shapes:
            shapely.prepare(s)
        nets = tuple(_legs([p[0] for p in pts], [p[1] for p in pts]) for _, pts, *_ in corridors)
        return cls(
            friendly=frozenset(friendly),
            hostile=frozenset(hostile),
            launch_names=tuple(a[0] for a in launch_areas),
            launch_shapes=shapes,
            launch_ceiling_m=np.array([a[2] for a in launch_areas], dtype=np.float64),
            zone_names=tuple(z[0] for z in zones),
            zone_unit=_unit_deg([z[1] for z in zones], [z[2] for z in zones]),
            zone_radius_m=np.array([z[3] for z in zones], dtype=np.float64),
            zone_floor_m=np.array([z[4] for z in zones], dtype=np.float64),
            zone_ceiling_m=np.array([z[5] for z in zones], dtype=np.float64),
            corridor_names=tuple(c[0] for c in corridors),
            corridors=nets,
            corridor_half_m=np.array([c[2] for c in corridors], dtype=np.float64),
            corridor_floor_m=np.array([c[3] for c in corridors], dtype=np.float64),
            corridor_ceiling_m=np.array([c[4] for c in corridors], dtype=np.float64),
            asset_names=tuple(a[0] for a in assets),
            asset_unit=_unit_deg([a[1] for a in assets], [a[2] for a in assets]),
            asset_radius_m=np.array([a[3] for a in assets], dtype=np.float64),
            decl_t_s=np.array([d[0] for d in declarations], dtype=np.float64),
            decl_until_s=np.array([d[1] for d in declarations], dtype=np.float64),
            decl_unit=_unit_deg([d[2] for d in declarations], [d[3] for d in declarations]),
            decl_radius_m=np.array([d[4] for d in declarations], dtype=np.float64),
            decl_code=np.array([DECLARABLE.index(d[5]) for d in declarations], dtype=np.int64),
            **_plan_arrays(flight_plans),
        )

    @classmethod
    def from_scenario(cls, scenario: Scenario) -> Airspace:
        """The airspace of a validated scenario (its ``airspace:`` section and its assets)."""
        acm = scenario.airspace
        friendly = (
            acm.friendly_nations
            if acm.friendly_nations is not None
            else [n.code for n in scenario.nations]
        )
        where = {a.name: (a.lat_deg, a.lon_deg) for a in scenario.assets}
        areas = []
        for la in acm.launch_areas:
            if la.polygon is not None:
                pts = [(p.lat_deg, p.lon_deg) for p in la.polygon]
            else:
                assert la.lat_deg is not None and la.lon_deg is not None
                assert la.radius_km is not None
                pts = _disc_polygon(la.lat_deg, la.lon_deg, la.radius_km * 1e3)
            areas.append((la.name, pts, la.ceiling_m))
        zones = []
        for z in acm.protected_zones:
            lat, lon = where[z.asset] if z.asset is not None else (z.lat_deg, z.lon_deg)
            assert lat is not None and lon is not None
            zones.append((z.name, lat, lon, z.radius_km * 1e3, z.floor_m, z.ceiling_m))
        return cls.build(
            friendly=friendly,
            hostile=acm.hostile_nations,
            launch_areas=areas,
            zones=zones,
            corridors=[
                (
                    c.name,
                    [(p.lat_deg, p.lon_deg) for p in c.points],
                    c.half_width_km * 1e3,
                    c.floor_m,
                    c.ceiling_m,
                )
                for c in acm.corridors
            ],
            assets=[(a.name, a.lat_deg, a.lon_deg, a.radius_km * 1e3) for a in scenario.assets],
            declarations=[
                (
                    d.time_s,
                    d.time_s + d.duration_s,
                    d.lat_deg,
                    d.lon_deg,
                    d.radius_km * 1e3,
                    d.identity,
                )
                for d in acm.declarations
            ],
            flight_plans=[_plan_spec(fp, scenario) for fp in acm.flight_plans],
        )

    # ------------------------------------------------------------------ queries

    def launch_area_at(self, pos_ecef_m: FloatArray) -> IntArray:
        """(n,) index of the declared launch area under each position, below its ceiling
        (-1: none; the first area listed wins where they overlap)."""
        p = np.asarray(pos_ecef_m, dtype=np.float64).reshape(-1, 3)
        out = np.full(len(p), -1, dtype=np.int64)
        if not self.launch_shapes or len(p) == 0:
            return out
        lat, lon, h = ecef_to_lla(p)
        lat_d, lon_d = np.degrees(lat), np.degrees(lon)
        for k in range(len(self.launch_shapes) - 1, -1, -1):
            inside = shapely.contains_xy(self.launch_shapes[k], lon_d, lat_d)
            out[inside & (h <= self.launch_ceiling_m[k])] = k
        return out

    def zone_at(self, pos_ecef_m: FloatArray) -> IntArray:
        """(n,) index of the protected zone each position is in (-1: none)."""
        return self.locate(pos_ecef_m, 0.0)[0]

    def near(self, pos_ecef_m: FloatArray, margin_m: float) -> BoolArray:
        """(n,) within ``margin_m`` of a protected zone's edge (below its ceiling) or of a
        defended asset's footprint."""
        return self.locate(pos_ecef_m, margin_m)[1]

    def locate(
        self,
        pos_ecef_m: FloatArray,
        margin_m: float,
        *,
        h_m: FloatArray | None = None,
        unit: FloatArray | None = None,
    ) -> tuple[IntArray, BoolArray, BoolArray]:
        """:meth:`zone_at`, :meth:`near` and :meth:`in_corridor` at once (distances compared
        as cosines, heights converted only for positions within reach of a zone unless a
        corridor needs them all): ``(zone, near, corridor)``. ``h_m``, ``unit``: the
        positions' heights and unit vectors (n, 3), if already known."""
        p = np.asarray(pos_ecef_m, dtype=np.float64).reshape(-1, 3)
        n = len(p)
        zone = np.full(n, -1, dtype=np.int64)
        near = np.zeros(n, dtype=bool)
        corridor = np.zeros(n, dtype=bool)
        if n == 0 or not (self.zone_names or self.asset_names or self.corridors):
            return zone, near, corridor
        u = _unit(p) if unit is None else unit
        h: FloatArray | None = None
        if h_m is not None:
            h = np.asarray(h_m, dtype=np.float64).reshape(n)
        elif self.corridors:
            h = ecef_to_lla(p)[2]
        if self.zone_names:
            # only the positions within reach of a zone (its radius plus the margin) are
            # tested further, and only their heights converted
            c = u @ self.zone_unit.T  # cosine of the angle to each centre
            reach = c >= np.cos((self.zone_radius_m + max(margin_m, 0.0)) / R_MEAN_M)
            rk = np.flatnonzero(reach.any(axis=1))
            if len(rk):
                ck = c[rk]
                hk = ecef_to_lla(p[rk])[2] if h is None else h[rk]
                below = hk[:, None] <= self.zone_ceiling_m
                inside = (
                    (ck >= np.cos(self.zone_radius_m / R_MEAN_M))
                    & (hk[:, None] >= self.zone_floor_m)
                    & below
                )
                zone[rk] = np.where(inside.any(axis=1), inside.argmax(axis=1), -1)
                near[rk] = ((ck >= np.cos((self.zone_radius_m + margin_m) / R_MEAN_M)) & below).any(
                    axis=1
                )
        if self.asset_names:
            # (assets, n): the reduction over assets runs along whole rows
            ca = self.asset_unit @ u.T
            ca -= np.cos((self.asset_radius_m + margin_m) / R_MEAN_M)[:, None]
            near |= ca.max(axis=0) >= 0.0
        for k, net in enumerate(self.corridors):
            assert h is not None
            corridor |= (
                (airway_distance_m(p, net) <= self.corridor_half_m[k])
                & (h >= self.corridor_floor_m[k])
                & (h <= self.corridor_ceiling_m[k])
            )
        return zone, near, corridor

    def in_corridor(self, pos_ecef_m: FloatArray) -> BoolArray:
        """(n,) inside a safe-passage corridor (half-width and height band)."""
        return self.locate(pos_ecef_m, 0.0)[2]

    def closing_on(
        self,
        pos_ecef_m: FloatArray,
        vel_ecef_m_s: FloatArray,
        *,
        max_time_to_go_s: float,
        min_closing_share: float,
        unit: FloatArray | None = None,
    ) -> tuple[IntArray, FloatArray]:
        """The defended asset each track is flying towards, and its time to go.

        A track closes on an asset when its closing speed (ground range rate, on the sphere)
        is at least ``min_closing_share`` of its ground speed — its heading points within
        ``arccos(min_closing_share)`` of the asset — and the asset's footprint is reached
        within ``max_time_to_go_s`` at that closing speed. Of several, the soonest.

        ``unit``: the positions' unit vectors (n, 3), if already known.

        Returns:
            ``(asset, time_to_go_s)``: (n,) asset index (-1: none) and time to go (inf).
        """
        p = np.asarray(pos_ecef_m, dtype=np.float64).reshape(-1, 3)
        v = np.asarray(vel_ecef_m_s, dtype=np.float64).reshape(-1, 3)
        n = len(p)
        if len(self.asset_names) == 0 or n == 0:
            return np.full(n, -1, dtype=np.int64), np.full(n, np.inf)
        u = _unit(p) if unit is None else unit
        v_h = v - (v * u).sum(axis=1)[:, None] * u  # horizontal velocity
        speed = np.sqrt((v_h * v_h).sum(axis=1))
        # The direction along the great circle towards asset a is (a - (u.a) u) / sin θ, θ the
        # angle between them, so the closing speed is (a . v_h) / sin θ (v_h . u = 0): the
        # tests below are those on the closing speed, multiplied through by sin θ > 0.
        c = u @ self.asset_unit.T  # (n, a) cos θ
        av = v_h @ self.asset_unit.T  # (n, a) sin θ x closing speed
        sin = np.sqrt(np.maximum(1.0 - c * c, 0.0))
        ok = (av > 0.0) & (sin > 1e-12) & (av >= min_closing_share * speed[:, None] * sin)
        # distances only for the pairs heading the right way (the arccos skips the others)
        ang = np.zeros_like(c)
        np.arccos(np.clip(c, -1.0, 1.0), out=ang, where=ok)
        dist = np.maximum(ang * R_MEAN_M - self.asset_radius_m, 0.0)
        with np.errstate(divide="ignore", invalid="ignore"):
            ttg = dist * sin / av
        ok &= ttg <= max_time_to_go_s
        ttg = np.where(ok, ttg, np.inf)
        best = ttg.argmin(axis=1)
        t_best = ttg[np.arange(n), best]
        return np.where(np.isfinite(t_best), best, -1).astype(np.int64), t_best

    def declared(self, t_s: float | FloatArray, pos_ecef_m: FloatArray) -> IntArray:
        """(n,) code (index into :data:`DECLARABLE`) of the declaration covering each track
        at ``t_s`` (-1: none; the last declaration listed wins)."""
        p = np.asarray(pos_ecef_m, dtype=np.float64).reshape(-1, 3)
        n = len(p)
        out = np.full(n, -1, dtype=np.int64)
        if len(self.decl_t_s) == 0 or n == 0:
            return out
        t = np.broadcast_to(np.asarray(t_s, dtype=np.float64), (n,))
        d = _ground_distance_m(p, self.decl_unit)
        live = (t[:, None] >= self.decl_t_s) & (t[:, None] <= self.decl_until_s)
        hit = live & (d <= self.decl_radius_m)
        for k in range(len(self.decl_t_s)):
            out[hit[:, k]] = self.decl_code[k]
        return out

    def correlate(
        self,
        t_s: float | FloatArray,
        pos_ecef_m: FloatArray,
        *,
        vel_ecef_m_s: FloatArray | None = None,
        speed_m_s: npt.ArrayLike | None = None,
        code: npt.ArrayLike | None = None,
        h_m: FloatArray | None = None,
        unit: FloatArray | None = None,
    ) -> IntArray:
        """(n,) index of the filed flight plan each track correlates with (-1: none; the
        first plan listed wins where several do).

        A track correlates with a plan when, at ``t_s`` (s, scalar or (n,)), it is within
        the plan's half-width of one of the route's great-circle legs (cross-track distance
        where the foot of the perpendicular falls inside the leg, distance to the nearer end
        otherwise, on the mean sphere), between its floor and ceiling, inside its time
        window (bounds included), not flying the leg backwards (with ``vel_ecef_m_s`` (n, 3):
        the velocity's component along the leg's great circle, from its start to its end,
        is not negative; a plan is flown from its first point to its last, so the return
        flight on the same airway has a plan of its own), at the plan's minimum speed or
        faster (with ``speed_m_s`` (n,), the ground speed; NaN is slower than any minimum
        above 0), and, when a code is filed and the
        track replies one (``code`` (n,) the Mode 3/A code of the reply as an integer, -1
        or default none), replying that code. Distances are compared as sines and cosines of
        angles, so no trigonometry runs per track; :func:`route_distance_m` is the primitive
        it is tested against. ``h_m``, ``unit``: the positions' heights and unit vectors
        (n, 3), if already known.

        >>> import numpy as np
        >>> from iamd.geo.wgs84 import lla_to_ecef
        >>> a = Airspace.build(flight_plans=[FlightPlanSpec(
        ...     name="p", points=((42.0, 23.0), (42.0, 25.0)), from_s=0.0, until_s=600.0,
        ...     half_width_m=10e3, code=0o2301)])
        >>> p = lla_to_ecef(np.radians([42.05, 42.2, 42.05]), np.radians([24.0, 24.0, 24.0]),
        ...                 [3000.0, 3000.0, 3000.0])
        >>> a.correlate(300.0, p).tolist(), a.correlate(700.0, p).tolist()
        ([0, -1, 0], [-1, -1, -1])
        >>> a.correlate(300.0, p, code=[0o2301, -1, 0o7000]).tolist()
        [0, -1, -1]
        """
        p = np.asarray(pos_ecef_m, dtype=np.float64).reshape(-1, 3)
        n = len(p)
        out = np.full(n, -1, dtype=np.int64)
        nl = len(self.leg_plan)
        if n == 0 or nl == 0:
            return out
        legs = np.arange(nl)
        t = np.asarray(t_s, dtype=np.float64)
        if t.ndim == 0:  # one time for all tracks: only the legs of plans in force
            live = (t >= self.plan_from_s) & (t <= self.plan_until_s)
            legs = legs[live[self.leg_plan]]
            if len(legs) == 0:
                return out
        # Within the half-width of a leg (of its foot inside the leg, or of an end) implies
        # within it of the leg's whole great circle: that band, one product and one
        # comparison per leg, selects the few tracks the other tests run on.
        rows = np.arange(n)
        if speed_m_s is not None:  # slower than every plan in force: none correlates
            slowest = float(self.plan_min_speed_m_s[self.leg_plan[legs]].min())
            if slowest > 0.0:
                sp = np.asarray(speed_m_s, dtype=np.float64).reshape(n)
                rows = np.flatnonzero(sp >= slowest)
        u = _unit(p[rows]) if unit is None else unit[rows]
        band = np.abs(u @ self.leg_basis[:, legs]) <= self.leg_sin_half[legs]
        near = band.any(axis=1)
        rows, u, band = rows[near], u[near], band[near]
        if len(rows) == 0:
            return out
        pl = self.leg_plan[legs]
        k = len(legs)
        cols = (np.arange(1, 5)[:, None] * nl + legs[None, :]).ravel()
        d = u @ self.leg_basis[:, cols]  # (m, 4 k)
        c1, c2, ca, cb = (d[:, j * k : (j + 1) * k] for j in range(4))
        cos_w = self.leg_cos_half[legs]
        ok = band & (c1 >= 0.0) & (c2 >= 0.0)
        ok |= ca >= cos_w
        ok |= cb >= cos_w
        h = (
            ecef_to_lla(p[rows])[2]
            if h_m is None
            else np.asarray(h_m, dtype=np.float64).reshape(n)[rows]
        )
        ok &= (h[:, None] >= self.plan_floor_m[pl]) & (h[:, None] <= self.plan_ceiling_m[pl])
        if vel_ecef_m_s is not None:
            # along the leg: v . (normal x u) = normal . (u x v)
            v = np.asarray(vel_ecef_m_s, dtype=np.float64).reshape(n, 3)[rows]
            ok &= cross3(u, v) @ self.leg_basis[:, legs] >= 0.0
        if t.ndim:
            tt = np.broadcast_to(t, (n,))[rows, None]
            ok &= (tt >= self.plan_from_s[pl]) & (tt <= self.plan_until_s[pl])
        if speed_m_s is not None:
            lo = self.plan_min_speed_m_s[pl]
            sp = np.asarray(speed_m_s, dtype=np.float64).reshape(n)[rows, None]
            ok &= (lo <= 0.0) | (sp >= lo)
        if code is not None:
            c = np.asarray(code, dtype=np.int64).reshape(n)[rows, None]
            filed = self.plan_code[pl]
            ok &= (filed < 0) | (c < 0) | (c == filed)
        hit = ok.any(axis=1)
        out[rows[hit]] = pl[ok[hit].argmax(axis=1)]
        return out


@dataclass(frozen=True, slots=True, kw_only=True)
class FlightPlanSpec:
    """A filed flight plan for :meth:`Airspace.build` (degrees at the edge, SI otherwise).

    Attributes:
        name: the plan's id.
        points: the route, ``(lat_deg, lon_deg)`` waypoints (at least 2).
        from_s, until_s: the time window (s).
        half_width_m, floor_m, ceiling_m: the corridor around the route (m).
        min_speed_m_s: slower tracks do not correlate (m/s).
        code: the Mode 3/A code filed, as an integer (``0o2301``; -1 none).
        callsign: the aircraft identification (``''``: none).
    """

    name: str
    points: tuple[tuple[float, float], ...]
    from_s: float
    until_s: float
    half_width_m: float
    floor_m: float = -500.0
    ceiling_m: float = 20_000.0
    min_speed_m_s: float = 0.0
    code: int = -1
    callsign: str = ""


def route_distance_m(pos_ecef_m: FloatArray, points: Sequence[tuple[float, float]]) -> FloatArray:
    """(n, l) distance (m, on the mean sphere) from each position to each great-circle leg of
    a route of ``(lat_deg, lon_deg)`` points: the cross-track distance where the foot of the
    perpendicular falls inside the leg, the distance to the nearer end otherwise. The
    primitive of :meth:`Airspace.correlate` (arc sines and cosines, per leg).

    >>> import numpy as np
    >>> from iamd.geo.wgs84 import lla_to_ecef
    >>> p = lla_to_ecef(np.radians([0.5, 0.0]), np.radians([5.0, 12.0]), 0.0)
    >>> (route_distance_m(p, [(0.0, 0.0), (0.0, 10.0)]) / 1e3).round(1).tolist()
    [[55.2], [222.4]]
    """
    p = np.asarray(pos_ecef_m, dtype=np.float64).reshape(-1, 3)
    u = p / np.linalg.norm(p, axis=1, keepdims=True)
    w = _unit_deg([q[0] for q in points], [q[1] for q in points])
    a, b = w[:-1], w[1:]
    nrm = np.cross(a, b)
    nrm = nrm / np.linalg.norm(nrm, axis=1, keepdims=True)
    xt = np.arcsin(np.clip(np.abs(u @ nrm.T), 0.0, 1.0))
    inside = (u @ np.cross(nrm, a).T >= 0.0) & (u @ np.cross(b, nrm).T >= 0.0)
    da = np.arccos(np.clip(u @ a.T, -1.0, 1.0))
    db = np.arccos(np.clip(u @ b.T, -1.0, 1.0))
    return np.asarray(np.where(inside, xt, np.minimum(da, db)) * R_MEAN_M)


NO_AIRSPACE = Airspace()
"""No airspace control measures: no territory, zones, assets or declarations."""


# --------------------------------------------------------------------------- private helpers


def _unit(p: FloatArray) -> FloatArray:
    """(n, 3) unit vectors of positions (n, 3)."""
    return np.asarray(p / np.sqrt(np.einsum("ij,ij->i", p, p))[:, None])


def _unit_deg(lat_deg: Sequence[float], lon_deg: Sequence[float]) -> FloatArray:
    if len(lat_deg) == 0:
        return np.zeros((0, 3))
    p = lla_to_ecef(np.radians(np.asarray(lat_deg)), np.radians(np.asarray(lon_deg)), 0.0)
    p = np.asarray(p).reshape(-1, 3)
    return np.asarray(p / np.linalg.norm(p, axis=1, keepdims=True))


def _ground_distance_m(pos_ecef_m: FloatArray, unit: FloatArray) -> FloatArray:
    """(n, k) great-circle distances on the mean sphere from positions to unit vectors."""
    u = pos_ecef_m / np.linalg.norm(pos_ecef_m, axis=1, keepdims=True)
    return np.asarray(np.arccos(np.clip(u @ unit.T, -1.0, 1.0)) * R_MEAN_M)


def _legs(lat_deg: Sequence[float], lon_deg: Sequence[float]) -> AirwayNetwork:
    """The great-circle legs between consecutive route points."""
    u = _unit_deg(lat_deg, lon_deg)
    a, b = u[:-1], u[1:]
    n = np.cross(a, b)
    nn = np.linalg.norm(n, axis=1, keepdims=True)
    n = n / np.where(nn > 1e-15, nn, 1.0)
    return AirwayNetwork(a=a, b=b, normal=n, airports=u)


def _disc_polygon(lat_deg: float, lon_deg: float, radius_m: float) -> list[tuple[float, float]]:
    """A 72-gon approximating a geodesic disc, as (lat_deg, lon_deg) corners."""
    from iamd.geo.geodesic import geodesic_forward

    az = np.arange(0.0, 360.0, 5.0)
    lat, lon, _ = geodesic_forward(
        np.radians(lat_deg), np.radians(lon_deg), np.radians(az), radius_m
    )
    return list(zip(np.degrees(lat).tolist(), np.degrees(lon).tolist(), strict=True))


def _plan_arrays(plans: Sequence[FlightPlanSpec]) -> dict[str, Any]:
    """The plan and leg arrays of :class:`Airspace` (see its attributes)."""
    leg_plan: list[int] = []
    starts: list[FloatArray] = []
    ends: list[FloatArray] = []
    for k, fp in enumerate(plans):
        w = _unit_deg([q[0] for q in fp.points], [q[1] for q in fp.points])
        starts.append(w[:-1])
        ends.append(w[1:])
        leg_plan += [k] * (len(w) - 1)
    a = np.concatenate(starts) if starts else np.zeros((0, 3))
    b = np.concatenate(ends) if ends else np.zeros((0, 3))
    nrm = np.cross(a, b)
    nrm = nrm / np.maximum(np.linalg.norm(nrm, axis=1, keepdims=True), 1e-300)
    basis = np.concatenate([nrm, np.cross(nrm, a), np.cross(b, nrm), a, b]).T
    lp = np.array(leg_plan, dtype=np.int64)
    half = np.array([fp.half_width_m for fp in plans], dtype=np.float64)
    ang = half[lp] / R_MEAN_M
    return {
        "plan_names": tuple(fp.name for fp in plans),
        "plan_callsigns": tuple(fp.callsign for fp in plans),
        "plan_code": np.array([fp.code for fp in plans], dtype=np.int64),
        "plan_from_s": np.array([fp.from_s for fp in plans], dtype=np.float64),
        "plan_until_s": np.array([fp.until_s for fp in plans], dtype=np.float64),
        "plan_half_m": half,
        "plan_floor_m": np.array([fp.floor_m for fp in plans], dtype=np.float64),
        "plan_ceiling_m": np.array([fp.ceiling_m for fp in plans], dtype=np.float64),
        "plan_min_speed_m_s": np.array([fp.min_speed_m_s for fp in plans], dtype=np.float64),
        "leg_plan": lp,
        "leg_basis": np.ascontiguousarray(basis),
        "leg_sin_half": np.sin(ang),
        "leg_cos_half": np.cos(ang),
    }


def _plan_spec(fp: Any, scenario: Scenario) -> FlightPlanSpec:
    """The :class:`FlightPlanSpec` of a validated scenario's ``airspace.flight_plans`` item."""
    points: tuple[tuple[float, float], ...]
    if fp.airway is not None:
        from iamd.scenario.airports import airports

        ap = airports()
        o, d = (ap[c] for c in fp.airway.split("-"))
        points = ((o.lat_deg, o.lon_deg), (d.lat_deg, d.lon_deg))
    else:
        points = tuple((q.lat_deg, q.lon_deg) for q in fp.route)
    return FlightPlanSpec(
        name=fp.id,
        points=points,
        from_s=fp.from_s,
        until_s=fp.until_s,
        half_width_m=fp.half_width_km * 1e3,
        floor_m=fp.floor_m,
        ceiling_m=fp.ceiling_m,
        min_speed_m_s=fp.min_speed_m_s,
        code=int(fp.code, 8) if fp.code is not None else -1,
        callsign=fp.callsign or "",
    )
