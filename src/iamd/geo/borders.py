"""Country borders of the Balkans and Black Sea theatre: which country a point is in, and how
far it is from a country's border.

The polygons are Natural Earth's 1:10m Admin-0 countries (public domain), as packaged in the
``world-atlas`` TopoJSON by Mike Bostock (ISC licence), clipped to longitudes 12°–45° E and
latitudes 33°–50° N and shipped as ``iamd/geo/data/balkans_countries.geojson``. Countries are
keyed by Natural Earth's ``ADM0_A3`` code (``GRC``, ``BGR``, ``ROU``, ``TUR``, ...), which also
names territories without an ISO code (``KOS``, ``CYN``). A country's boundary includes its
coastline; the artificial edges made by the clipping frame are not part of any border. The lines
are generalised for 1:10m maps and rounded to 1e-4°, so a border can lie a few kilometres from
its surveyed course (the Danube next to Kozloduy, for one): distances are exact for these
polygons, not for the ground.

Point-in-polygon tests use GEOS prepared geometries through ``shapely.contains_xy`` (a point
exactly on a boundary is outside). Distances to a border are found in two steps: the nearest
boundary point is located with an STR-tree (Guttman 1984; Leutenegger et al. 1997) over the
boundary segments projected on an azimuthal equidistant projection centred on the country
(Snyder, *Map Projections: A Working Manual*, USGS PP 1395, 1987, §25), then the distance to
that point is measured exactly along the WGS84 geodesic (Karney 2013, via ``pyproj.Geod``).
The projection keeps radial scale true and stretches transverse scale by c/sin c ≈ 1 + c²/6 at
an angular distance c from its centre, so picking the nearest point in it can overstate the
distance by at most that factor: 0.4 % anywhere within 1,000 km of the country's centre (and in
practice far less; the tests compare with brute-force geodesics to every boundary vertex).

Angles in and out are radians (degrees only in ``outline_lonlat`` for plotting, and inside the
shapely geometries, which keep the GeoJSON's lon/lat degrees).

>>> import numpy as np
>>> c = load_countries()
>>> c.country_at(np.radians([42.698, 37.984, 43.5]), np.radians([23.322, 23.728, 31.0])).tolist()
['BGR', 'GRC', '']
>>> round(float(c.distance_to_border_m(np.radians(42.698), np.radians(23.322), "BGR")) / 1e3)
52
"""

import dataclasses
import functools
import json
from importlib import resources
from typing import Any

import numpy as np
import numpy.typing as npt
import pyproj
import shapely

from iamd.errors import InputError

FloatArray = npt.NDArray[np.float64]
BoolArray = npt.NDArray[np.bool_]
StrArray = npt.NDArray[np.str_]
ArrayLike = npt.ArrayLike

DATA_FILE = "balkans_countries.geojson"
"""Name of the packaged GeoJSON under ``iamd/geo/data``."""

ATTRIBUTION = "Made with Natural Earth; TopoJSON packaging © Mike Bostock (ISC)"
"""Credit line to show on maps drawn from these borders."""

_GEOD = pyproj.Geod(ellps="WGS84")
_FRAME_TOL_DEG = 1e-9

__all__ = [
    "ATTRIBUTION",
    "Countries",
    "country_at",
    "distance_to_border_m",
    "load_countries",
]


@dataclasses.dataclass(frozen=True, slots=True, kw_only=True, eq=False)
class Countries:
    """The country polygons of the theatre, loaded once by ``load_countries()``.

    Attributes
    ----------
    codes
        Natural Earth ``ADM0_A3`` codes, one per country, in file order.
    names
        Natural Earth short names (``NAME``), aligned with ``codes``.
    geometries
        Shapely (Multi)Polygons in lon/lat degrees (prepared for fast point tests).
    clipped
        Whether each country was cut by the data set's lon/lat frame.
    bounds
        Extent of the data set (west lon, south lat, east lon, north lat) in radians.
    attribution
        Credit line for maps.
    """

    codes: tuple[str, ...]
    names: tuple[str, ...]
    geometries: tuple[Any, ...]
    clipped: tuple[bool, ...]
    bounds: tuple[float, float, float, float]
    attribution: str = ATTRIBUTION

    def index(self, code: str) -> int:
        """Position of ``code`` in ``codes``; ``InputError`` listing the allowed codes if absent.

        >>> load_countries().index("ROU") >= 0
        True
        """
        try:
            return self.codes.index(code)
        except ValueError:
            allowed = ", ".join(sorted(self.codes))
            raise InputError(
                f"country code {code!r} is not in the Natural Earth theatre borders; "
                f"use one of the ADM0_A3 codes: {allowed}"
            ) from None

    def name(self, code: str) -> str:
        """Natural Earth name of the country ``code``.

        >>> load_countries().name("MKD")
        'Macedonia'
        """
        return self.names[self.index(code)]

    def country_at(self, lat_rad: ArrayLike, lon_rad: ArrayLike) -> StrArray:
        """Code of the country containing each point, ``''`` at sea or outside every country.

        Inputs (rad) broadcast together; the result is a ``<U3`` string array of that shape.

        >>> load_countries().country_at(np.radians(44.43), np.radians(26.10)).tolist()
        'ROU'
        """
        lon_deg, lat_deg, shape = _lonlat_deg(lat_rad, lon_rad)
        out = np.full(lon_deg.shape, "", dtype="<U3")
        for code, geom in zip(self.codes, self.geometries, strict=True):
            xmin, ymin, xmax, ymax = geom.bounds
            cand = np.flatnonzero(
                (out == "")
                & (lon_deg >= xmin)
                & (lon_deg <= xmax)
                & (lat_deg >= ymin)
                & (lat_deg <= ymax)
            )
            if cand.size:
                inside = shapely.contains_xy(geom, lon_deg[cand], lat_deg[cand])
                out[cand[inside]] = code
        return out.reshape(shape)

    def contains(self, code: str, lat_rad: ArrayLike, lon_rad: ArrayLike) -> BoolArray:
        """Whether each point (rad, broadcast) lies inside country ``code``.

        >>> load_countries().contains("TUR", np.radians(39.93), np.radians(32.86)).tolist()
        True
        """
        geom = self.geometries[self.index(code)]
        lon_deg, lat_deg, shape = _lonlat_deg(lat_rad, lon_rad)
        return np.asarray(shapely.contains_xy(geom, lon_deg, lat_deg), dtype=bool).reshape(shape)

    def distance_to_border_m(self, lat_rad: ArrayLike, lon_rad: ArrayLike, code: str) -> FloatArray:
        """Geodesic distance (m, >= 0) from each point to the boundary of country ``code``.

        The boundary includes the coast and excludes the clipping frame; the distance is the
        same inside or outside the country (use ``contains`` for the side). Inputs (rad)
        broadcast together; NaN inputs give NaN.

        >>> kozloduy = np.radians(43.74611), np.radians(23.77056)  # NPP, south of the Danube
        >>> round(float(load_countries().distance_to_border_m(*kozloduy, "BGR")) / 1e3, 1)
        8.5
        """
        index = _border_index(self, self.index(code))
        lon_deg, lat_deg, shape = _lonlat_deg(lat_rad, lon_rad)
        return index.distance_m(lat_deg, lon_deg).reshape(shape)

    def outline_lonlat(self, code: str) -> list[tuple[FloatArray, FloatArray]]:
        """Rings of country ``code`` for plotting: ``[(lon_deg (k,), lat_deg (k,)), ...]``.

        One closed ring per exterior and interior boundary of every part of a MultiPolygon.

        >>> rings = load_countries().outline_lonlat("GRC")
        >>> len(rings) > 10, bool(rings[0][0][0] == rings[0][0][-1])
        (True, True)
        """
        geom = self.geometries[self.index(code)]
        rings = shapely.get_parts(shapely.get_rings(shapely.get_parts(geom)))
        out: list[tuple[FloatArray, FloatArray]] = []
        for ring in rings:
            xy = shapely.get_coordinates(ring)
            out.append((xy[:, 0].copy(), xy[:, 1].copy()))
        return out


@functools.cache
def load_countries() -> Countries:
    """Load the packaged Natural Earth borders (once; later calls return the same object).

    >>> c = load_countries()
    >>> c is load_countries(), {"GRC", "BGR", "ROU", "TUR"} <= set(c.codes)
    (True, True)
    """
    path = resources.files("iamd.geo") / "data" / DATA_FILE
    doc = json.loads(path.read_text(encoding="utf-8"))
    features = doc["features"]
    geoms = tuple(shapely.from_geojson(json.dumps(f["geometry"])) for f in features)
    for g in geoms:
        shapely.prepare(g)
    west, south, east, north = (float(v) for v in doc["bbox"])
    return Countries(
        codes=tuple(str(f["properties"]["ADM0_A3"]) for f in features),
        names=tuple(str(f["properties"]["NAME"]) for f in features),
        geometries=geoms,
        clipped=tuple(bool(f["properties"].get("clipped_to_bbox", False)) for f in features),
        bounds=(
            float(np.radians(west)),
            float(np.radians(south)),
            float(np.radians(east)),
            float(np.radians(north)),
        ),
    )


def country_at(lat_rad: ArrayLike, lon_rad: ArrayLike) -> StrArray:
    """``load_countries().country_at``: the ``ADM0_A3`` code at each point, ``''`` if none.

    >>> country_at(np.radians(39.93), np.radians(32.86)).tolist()
    'TUR'
    """
    return load_countries().country_at(lat_rad, lon_rad)


def distance_to_border_m(lat_rad: ArrayLike, lon_rad: ArrayLike, code: str) -> FloatArray:
    """``load_countries().distance_to_border_m``: geodesic distance (m) to a country's border.

    >>> round(float(distance_to_border_m(np.radians(44.43), np.radians(26.10), "ROU")) / 1e3)
    45
    """
    return load_countries().distance_to_border_m(lat_rad, lon_rad, code)


@dataclasses.dataclass(frozen=True, slots=True, kw_only=True, eq=False)
class _BorderIndex:
    """Boundary segments of one country in a local azimuthal equidistant projection."""

    proj: Any
    tree: Any
    start_xy_m: FloatArray
    end_xy_m: FloatArray

    def distance_m(self, lat_deg: FloatArray, lon_deg: FloatArray) -> FloatArray:
        """Geodesic distance (m) from points (1-D, degrees) to the nearest boundary point."""
        out = np.full(lat_deg.shape, np.nan)
        ok = np.flatnonzero(np.isfinite(lat_deg) & np.isfinite(lon_deg))
        if ok.size == 0 or len(self.start_xy_m) == 0:
            return out
        x, y = self.proj(lon_deg[ok], lat_deg[ok])
        pts_xy = np.column_stack([x, y])
        _, seg = self.tree.query_nearest(shapely.points(pts_xy), all_matches=False)
        a, b = self.start_xy_m[seg], self.end_xy_m[seg]
        ab = b - a
        len2 = np.einsum("ij,ij->i", ab, ab)
        t = np.einsum("ij,ij->i", pts_xy - a, ab) / np.where(len2 > 0.0, len2, 1.0)
        near = a + np.clip(t, 0.0, 1.0)[:, None] * ab
        near_lon, near_lat = self.proj(near[:, 0], near[:, 1], inverse=True)
        _, _, dist = _GEOD.inv(lon_deg[ok], lat_deg[ok], near_lon, near_lat)
        out[ok] = dist
        return out


@functools.cache
def _border_index(countries: Countries, i: int) -> _BorderIndex:
    """Build (once per country) the segment tree used by ``distance_to_border_m``."""
    geom = countries.geometries[i]
    lines = shapely.get_parts(shapely.get_rings(shapely.get_parts(geom)))
    xy, part = shapely.get_coordinates(lines, return_index=True)
    same = part[1:] == part[:-1]
    start, end = xy[:-1][same], xy[1:][same]
    if countries.clipped[i]:
        west, south, east, north = np.degrees(countries.bounds)
        on_frame = np.zeros(len(start), dtype=bool)
        for axis, edge in ((0, west), (0, east), (1, south), (1, north)):
            on_frame |= (np.abs(start[:, axis] - edge) < _FRAME_TOL_DEG) & (
                np.abs(end[:, axis] - edge) < _FRAME_TOL_DEG
            )
        start, end = start[~on_frame], end[~on_frame]
    xmin, ymin, xmax, ymax = geom.bounds
    proj = pyproj.Proj(
        proj="aeqd", lat_0=0.5 * (ymin + ymax), lon_0=0.5 * (xmin + xmax), ellps="WGS84"
    )
    sx, sy = proj(start[:, 0], start[:, 1])
    ex, ey = proj(end[:, 0], end[:, 1])
    start_xy = np.column_stack([sx, sy])
    end_xy = np.column_stack([ex, ey])
    segments = shapely.linestrings(np.stack([start_xy, end_xy], axis=1))
    return _BorderIndex(
        proj=proj, tree=shapely.STRtree(segments), start_xy_m=start_xy, end_xy_m=end_xy
    )


def _lonlat_deg(
    lat_rad: ArrayLike, lon_rad: ArrayLike
) -> tuple[FloatArray, FloatArray, tuple[int, ...]]:
    """Broadcast lat, lon (rad) to flat lon, lat degree arrays (lon in [-180, 180)) + shape."""
    lat, lon = np.broadcast_arrays(
        np.asarray(lat_rad, dtype=np.float64), np.asarray(lon_rad, dtype=np.float64)
    )
    lon_deg = np.mod(np.degrees(lon.reshape(-1)) + 180.0, 360.0) - 180.0
    return lon_deg, np.degrees(lat.reshape(-1)), lat.shape
