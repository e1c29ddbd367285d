"""The HTML report: self-contained (no network), complete and byte-for-byte deterministic."""

import html
import re
from pathlib import Path

import numpy as np
import plotly.offline
import pytest

from iamd.geo.borders import ATTRIBUTION
from iamd.geo.geodesic import geodesic_inverse
from iamd.htmlpage import DISCLAIMER
from iamd.report import html as report
from iamd.report.html import build_report_html, range_ring_lonlat, write_report
from iamd.scenario.loader import builtin_scenario_text, load_scenario_text
from iamd.sim.engine import RunResult, run

SHORT_DURATION_S = 800  # long enough for the first shots, intercepts and a miss


def _short_run(seed: int = 1) -> RunResult:
    text = builtin_scenario_text("balkans")
    assert "duration_s: 3600" in text
    text = text.replace("duration_s: 3600", f"duration_s: {SHORT_DURATION_S}")
    return run(load_scenario_text(text, "builtin:balkans-short"), seed=seed)


@pytest.fixture(scope="module")
def result() -> RunResult:
    return _short_run()


@pytest.fixture(scope="module")
def page(result: RunResult, tmp_path_factory: pytest.TempPathFactory) -> str:
    path = tmp_path_factory.mktemp("report") / "report.html"
    write_report(result, path)
    assert path.exists()
    return path.read_text(encoding="utf-8")


def _outside_plotlyjs(text: str) -> str:
    """The page without the inlined plotly.js bundle (which names its own default URLs)."""
    return text.replace(plotly.offline.get_plotlyjs(), "")


def test_report_inlines_plotlyjs_exactly_once(page: str) -> None:
    assert page.count(plotly.offline.get_plotlyjs()) == 1
    assert page.startswith("<!DOCTYPE html>")
    assert page.rstrip().endswith("</html>")


def test_report_loads_nothing_from_the_network(page: str) -> None:
    rest = _outside_plotlyjs(page)
    assert "<script src" not in rest.lower()
    assert "cdn.plot.ly" not in rest
    assert "mathjax.js" not in rest.lower()
    assert re.search(r"""(src|href)\s*=\s*["']?\s*(https?:)?//""", rest, re.IGNORECASE) is None
    assert re.search(r"<link\b", rest, re.IGNORECASE) is None


def test_report_names_the_run_and_credits_natural_earth(page: str, result: RunResult) -> None:
    s = result.summary
    assert f"iamd report: {result.loaded.scenario.name}" in page
    for value in (s["policy"], str(s["seed"]), s["version"], s["scenario_sha256"]):
        assert f"<code>{value}</code>" in page
    assert html.escape(ATTRIBUTION) in page
    assert DISCLAIMER in page


def test_report_tables_show_the_summary_figures(page: str, result: RunResult) -> None:
    s = result.summary
    for figure in ("threats_launched", "threats_destroyed", "leakers", "interceptors_fired"):
        assert f'<td>{figure}</td><td class="num">{s[figure]:,}</td>' in page
    by_class, by_nation = s["by_class"], s["by_nation"]
    assert isinstance(by_class, dict) and isinstance(by_nation, dict)
    for key in (*by_class, *by_nation):
        assert f"<tr><td>{key}</td>" in page


def test_report_has_the_map_timeline_and_engagements(page: str, result: RunResult) -> None:
    for div_id in ("iamd-map", "iamd-timeline", "iamd-cumulative"):
        assert f'id="{div_id}"' in page
    for name in ("Borders (Natural Earth)", "Defended assets", "Radars", "Fire units"):
        assert name in page
    assert "Intercepts" in page
    assert len(result.engagements) > 0
    first = result.engagements.iloc[0]
    assert f"<td>{first['unit']}</td>" in page
    assert f"<td>{first['threat']}</td>" in page


def test_engagement_table_is_capped_with_a_note(
    result: RunResult, monkeypatch: pytest.MonkeyPatch
) -> None:
    n = len(result.engagements)
    assert n >= 2
    monkeypatch.setattr(report, "MAX_TABLE_ROWS", 1)
    text = build_report_html(result)
    assert f"First 1 of {n} engagements" in text


def test_same_result_written_twice_gives_identical_bytes(result: RunResult, tmp_path: Path) -> None:
    a, b = tmp_path / "a.html", tmp_path / "b.html"
    write_report(result, a)
    write_report(result, b)
    assert a.read_bytes() == b.read_bytes()


def test_same_seed_rerun_gives_identical_report(result: RunResult) -> None:
    assert build_report_html(_short_run()) == build_report_html(result)


def test_range_ring_points_lie_at_the_range_on_the_wgs84_geodesic() -> None:
    lat = np.radians([42.698, 44.0787])  # Sofia; Deveselu
    lon = np.radians([23.322, 24.4134])
    range_m = np.array([150e3, 700e3])
    centre = np.radians([0.0, 110.0])
    half = np.array([np.pi, np.radians(60.0)])  # full circle; 120° sector
    n = 37
    ring_lon, ring_lat = range_ring_lonlat(lat, lon, range_m, centre, half, n=n)
    assert ring_lon.shape == (2 * (n + 3),)
    rings_lon = ring_lon.reshape(2, n + 3)
    rings_lat = ring_lat.reshape(2, n + 3)
    assert np.isnan(rings_lon[:, -1]).all()
    for u in range(2):
        arc_lat, arc_lon = np.radians(rings_lat[u, 1 : n + 1]), np.radians(rings_lon[u, 1 : n + 1])
        _, _, d = geodesic_inverse(lat[u], lon[u], arc_lat, arc_lon)
        np.testing.assert_allclose(d, range_m[u], atol=1.0)  # float64 degrees: well under 1 m
    # the full circle closes on itself; the sector starts and ends at its centre
    assert rings_lon[0, 0] == pytest.approx(rings_lon[0, n], abs=1e-9)
    assert rings_lon[1, 0] == pytest.approx(np.degrees(lon[1]), abs=1e-12)
    assert rings_lat[1, n + 1] == pytest.approx(np.degrees(lat[1]), abs=1e-12)
