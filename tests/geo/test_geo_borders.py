"""Country borders from the packaged Natural Earth 1:10m data."""

import numpy as np
import pyproj
import pytest
import shapely

from iamd.errors import InputError
from iamd.geo import Countries, country_at, distance_to_border_m, load_countries

GEOD = pyproj.Geod(ellps="WGS84")
SOFIA = 42.698, 23.322
KOZLODUY_NPP = 43.74611, 23.77056


def _rad(*lat_lon_deg: float) -> tuple[np.ndarray, np.ndarray]:
    arr = np.radians(np.array(lat_lon_deg, dtype=float).reshape(-1, 2))
    return arr[:, 0], arr[:, 1]


def _oracle_distance_m(code: str, lat_deg: np.ndarray, lon_deg: np.ndarray) -> np.ndarray:
    """Brute force: geodesic distance to every vertex of the boundary densified to ~100 m."""
    c = load_countries()
    geom = c.geometries[c.index(code)]
    xy = shapely.get_coordinates(shapely.segmentize(geom.boundary, 0.001))
    out = []
    for lat, lon in zip(lat_deg, lon_deg, strict=True):
        _, _, d = GEOD.inv(np.full(len(xy), lon), np.full(len(xy), lat), xy[:, 0], xy[:, 1])
        out.append(d.min())
    return np.array(out)


def test_capitals_lie_in_their_natural_earth_countries() -> None:
    lat, lon = _rad(SOFIA, (37.984, 23.728), (44.4268, 26.1025), (39.9334, 32.8597), (43.5, 31.0))
    assert country_at(lat, lon).tolist() == ["BGR", "GRC", "ROU", "TUR", ""]


def test_country_at_keeps_the_input_shape_and_agrees_with_contains() -> None:
    c = load_countries()
    lat = np.radians(np.linspace(36.0, 46.0, 40))[:, None]
    lon = np.radians(np.linspace(19.0, 30.0, 50))[None, :]
    codes = c.country_at(lat, lon)
    assert codes.shape == (40, 50)
    assert codes.dtype.kind == "U"
    for code in ("BGR", "GRC", "ROU", "SRB"):
        np.testing.assert_array_equal(c.contains(code, lat, lon), codes == code)
    assert c.country_at(np.nan, 0.4).tolist() == ""


def test_kozloduy_is_a_few_km_from_the_danube_border_in_natural_earth() -> None:
    # The plant sits on the Danube plain; the generalised 1:10m Danube lies 8.5 km north of it.
    lat, lon = _rad(KOZLODUY_NPP)
    assert load_countries().contains("BGR", lat, lon).tolist() == [True]
    d = distance_to_border_m(lat, lon, "BGR")
    assert 1e3 < float(d[0]) < 10e3
    assert float(d[0]) == pytest.approx(float(distance_to_border_m(lat, lon, "ROU")[0]), rel=1e-6)


def test_sofia_is_about_50_km_from_the_serbian_border() -> None:
    lat, lon = _rad(SOFIA)
    d = float(distance_to_border_m(lat, lon, "BGR")[0])
    assert 45e3 < d < 60e3
    # The nearest point of Bulgaria's border is also on Serbia's.
    assert float(distance_to_border_m(lat, lon, "SRB")[0]) == pytest.approx(d, abs=500.0)


@pytest.mark.parametrize("code", ["BGR", "ROU", "MKD", "CYP"])
def test_distance_to_border_matches_brute_force_geodesics(code: str) -> None:
    rng = np.random.default_rng(7)
    c = load_countries()
    xmin, ymin, xmax, ymax = c.geometries[c.index(code)].bounds
    lat = rng.uniform(ymin - 3.0, ymax + 3.0, 12)
    lon = rng.uniform(xmin - 3.0, xmax + 3.0, 12)
    ours = c.distance_to_border_m(np.radians(lat), np.radians(lon), code)
    oracle = _oracle_distance_m(code, lat, lon)
    # Better than 1 %, allowing 60 m for the oracle's 100 m vertex spacing.
    assert np.all(np.abs(ours - oracle) <= 0.01 * oracle + 60.0)


def test_distance_is_zero_on_the_border() -> None:
    c = load_countries()
    xy = shapely.get_coordinates(c.geometries[c.index("GRC")])[::500]
    d = c.distance_to_border_m(np.radians(xy[:, 1]), np.radians(xy[:, 0]), "GRC")
    assert np.max(d) < 1.0


def test_clipping_frame_is_not_a_border() -> None:
    # Ukraine is cut at 50° N by the data set's frame; that edge is not a border.
    lat, lon = _rad((49.99, 30.0))
    assert country_at(lat, lon).tolist() == ["UKR"]
    assert float(distance_to_border_m(lat, lon, "UKR")[0]) > 100e3


def test_distance_shapes_and_nan() -> None:
    lat = np.radians([[42.0, np.nan], [43.0, 44.0]])
    d = distance_to_border_m(lat, np.radians(25.0), "BGR")
    assert d.shape == (2, 2)
    assert np.isnan(d[0, 1]) and np.all(np.isfinite(d[[0, 1, 1], [0, 0, 1]]))
    assert distance_to_border_m(np.radians(42.0), np.radians(25.0), "BGR").shape == ()


def test_unknown_code_lists_the_allowed_codes() -> None:
    with pytest.raises(InputError) as err:
        distance_to_border_m(0.7, 0.4, "XYZ")
    msg = str(err.value)
    assert msg.startswith(
        "country code 'XYZ' is not in the Natural Earth theatre borders; "
        "use one of the ADM0_A3 codes: ALB, ARM, AUT,"
    )
    for code in ("BGR", "GRC", "ROU", "TUR", "UKR"):
        assert code in msg
    c = load_countries()
    for call in (lambda: c.contains("bgr", 0.7, 0.4), lambda: c.outline_lonlat("Greece")):
        with pytest.raises(InputError, match="use one of the ADM0_A3 codes"):
            call()


def test_natural_earth_attribution_and_contents() -> None:
    c = load_countries()
    assert isinstance(c, Countries)
    assert c is load_countries()
    assert c.attribution == "Made with Natural Earth; TopoJSON packaging © Mike Bostock (ISC)"
    assert len(c.codes) == len(c.names) == len(c.geometries) == len(c.clipped) == 39
    assert {"GRC", "BGR", "ROU", "TUR", "SRB", "MKD", "ALB", "MDA", "UKR", "KOS"} <= set(c.codes)
    assert c.name("GRC") == "Greece"
    np.testing.assert_allclose(c.bounds, np.radians([12.0, 33.0, 45.0, 50.0]))
    assert all(g.is_valid for g in c.geometries)


def test_outline_lonlat_gives_closed_rings_for_every_part() -> None:
    c = load_countries()
    rings = c.outline_lonlat("GRC")
    geom = c.geometries[c.index("GRC")]
    assert len(rings) == len(shapely.get_parts(geom))  # Greece's islands, no holes
    for lon, lat in rings:
        assert lon.shape == lat.shape and lon.ndim == 1
        assert lon[0] == lon[-1] and lat[0] == lat[-1]
        assert np.all((lon > 12.0) & (lon < 45.0) & (lat > 33.0) & (lat < 50.0))
