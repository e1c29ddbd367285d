"""The example notebooks in ``examples/`` run as shipped: each is executed top to bottom in a
fresh kernel (their cells assert what they show: no civil aircraft engaged)."""

from __future__ import annotations

from pathlib import Path

import nbformat
import pytest
from nbclient import NotebookClient

EXAMPLES = Path(__file__).resolve().parents[1] / "examples"
NOTEBOOKS = sorted(EXAMPLES.glob("*.ipynb"))


def test_there_are_the_two_examples() -> None:
    assert [p.name for p in NOTEBOOKS] == ["run_balkans.ipynb", "sweep_visual_identification.ipynb"]


@pytest.mark.parametrize("path", NOTEBOOKS, ids=[p.stem for p in NOTEBOOKS])
def test_the_notebook_runs_top_to_bottom(path: Path, tmp_path: Path) -> None:
    nb = nbformat.read(path, as_version=4)
    assert all(not c.get("outputs") for c in nb.cells if c.cell_type == "code"), (
        f"{path.name} is shipped with outputs; clear them"
    )
    NotebookClient(nb, timeout=600, kernel_name="python3",
                   resources={"metadata": {"path": str(tmp_path)}}).execute()  # fmt: skip
    errors = [o for c in nb.cells if c.cell_type == "code" for o in c.outputs
              if o.output_type == "error"]  # fmt: skip
    assert not errors
    last = nb.cells[-1]
    assert last.outputs, f"{path.name}: the last cell shows nothing"


def test_the_night_raid_is_a_thousand_threats_over_three_hours_in_busy_airspace() -> None:
    # issue 14's night raid: >= 1,000 drones and missiles over 3 hours, >= 1,500 civil
    # aircraft, the built-in defences (the same sensors, units and patrols as `balkans`)
    import iamd

    night = iamd.load_scenario(str(EXAMPLES / "night_raid.yaml")).scenario
    builtin = iamd.load_scenario("balkans").scenario
    assert night.duration_s >= 3 * 3600
    assert sum(r.count for r in night.raids) >= 1000
    assert {r.type for r in night.raids} >= {"shahed136", "kalibr", "emad"}
    launch_end = max(r.launch_time_s + (r.count - 1) * r.spacing_s for r in night.raids)
    assert launch_end > 2 * 3600  # spread over the night, not one salvo
    assert sum(a.flights for a in night.civil_traffic.airways) >= 1500
    for field in ("sensors", "effectors", "patrols", "assets", "airspace"):
        assert getattr(night, field) == getattr(builtin, field), field


def test_the_night_raid_runs_its_first_minutes() -> None:
    from dataclasses import replace

    import iamd

    loaded = iamd.load_scenario(str(EXAMPLES / "night_raid.yaml"))
    loaded = replace(loaded, scenario=loaded.scenario.model_copy(update={"duration_s": 120.0}))
    res = iamd.run(loaded, seed=1)
    assert res.summary["threats_launched"] == 21  # the first wave: a drone at 0, 6, ..., 120 s
    assert res.summary["civil_aircraft_engaged"] == 0
