"""``iamd plan --validate N``: paired campaigns of the current and the planned layout."""

from __future__ import annotations

import json
from pathlib import Path

from iamd.cli import main

SCENARIO = """
name: tiny
epoch: 2026-03-10T02:00:00Z
duration_s: 400
time_step_s: 2
seed: 3
policy: integrated
picture: truth
theatre: {countries: [GRC, BGR, TUR], lat_min_deg: 39.0, lat_max_deg: 44.5, lon_min_deg: 21.0,
          lon_max_deg: 30.0}
nations:
  - {code: GRC, name: Greece}
  - {code: BGR, name: Bulgaria}
assets:
  - {name: kardzhali, nation: BGR, lat_deg: 41.65, lon_deg: 25.37, kind: city, value: 4,
     radius_km: 3}
effectors:
  - {id: gr_patriot_north, type: pac3_mse, nation: GRC, lat_deg: 40.90, lon_deg: 24.60, alt_m: 100}
raids:
  - {id: drones, type: shahed136, count: 2, launch: {lat_deg: 41.75, lon_deg: 26.40},
     aim: {asset: kardzhali}, spacing_s: 10}
"""


def test_validate_writes_paired_differences(tmp_path: Path) -> None:
    sc = tmp_path / "tiny.yaml"
    sc.write_text(SCENARIO)
    out = tmp_path / "p"
    args = [
        "plan",
        str(sc),
        "--lend",
        "GRC:pac3_mse x1",
        "--spacing-km",
        "20",
        "--pareto-points",
        "0",
        "--validate",
        "2",
        "--out",
        str(out),
        "--quiet",
    ]
    assert main(args) == 0
    doc = json.loads((out / "validate.json").read_text())
    assert doc["runs"] == 2 and doc["seed"] == 3 and doc["policy"] == "integrated"
    metrics = [d["metric"] for d in doc["paired"]]
    assert metrics == ["assets_hit", "leakers", "leakers_ballistic_missile", "any_asset_hit"]
    for d in doc["paired"]:
        assert d["n"] == 2
        assert (
            d["difference"] == d["planned"] - d["current"]
            or abs(d["difference"] - (d["planned"] - d["current"])) < 1e-12
        )
    assert (out / "validate.parquet").exists()
    assert (out / "validate" / "current" / "runs.jsonl").exists()


def test_existing_modes_layered_count_ignore(tmp_path: Path) -> None:
    sc = tmp_path / "tiny.yaml"
    sc.write_text(
        SCENARIO.replace("lat_deg: 40.90, lon_deg: 24.60", "lat_deg: 41.40, lon_deg: 25.70")
    )
    before = {}
    for mode in ("layered", "count", "ignore"):
        out = tmp_path / mode
        assert (
            main(
                [
                    "plan",
                    str(sc),
                    "--lend",
                    "GRC:pac3_mse x1",
                    "--keep-existing",
                    "--spacing-km",
                    "25",
                    "--pareto-points",
                    "0",
                    "--existing",
                    mode,
                    "--out",
                    str(out),
                    "--quiet",
                ]
            )
            == 0
        )
        doc = json.loads((out / "plan.json").read_text())
        before[mode] = doc["solution"]["covered_before"]
        assert doc["moved_units"] == []
    total = doc["solution"]["total_value"]
    assert before["ignore"] == 0.0
    assert before["count"] == total  # the fixed battery covers the one row
    assert 0.0 < before["layered"] < before["count"]
