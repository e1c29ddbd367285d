"""Scenario documents within limits checked before anything is built from them.

Reference: the "billion laughs" entity-expansion attack (CVE-2003-1564 for XML; the same
shape in YAML with anchors and aliases) and the caps of careful YAML readers (alias
expansion, depth). Each limit is tested at its boundary: the largest document allowed
passes the check, one step more is refused with a message naming the limit.
"""

from __future__ import annotations

import os
import time
from pathlib import Path

import pytest
import yaml

from iamd.errors import ScenarioError
from iamd.scenario.catalog import MAX_AIR_ALTITUDE_M, MAX_SPEED_M_S, MIN_SPEED_M_S
from iamd.scenario.loader import (
    MAX_YAML_CHARS,
    MAX_YAML_DEPTH,
    MAX_YAML_NODES,
    MAX_YAML_SCALAR_CHARS,
    _check_limits,
    load_scenario,
    load_scenario_text,
)


def _limit_error(text: str) -> str | None:
    try:
        _check_limits(yaml.compose(text, Loader=yaml.SafeLoader), "s.yaml")
    except ScenarioError as exc:
        return str(exc)
    return None


def _nested(levels: int) -> str:
    """A flow sequence ``levels`` deep (one scalar inside)."""
    return "[" * (levels - 1) + "0" + "]" * (levels - 1)


def test_depth_at_the_limit_passes_one_more_is_refused() -> None:
    assert _limit_error(_nested(MAX_YAML_DEPTH)) is None
    assert _limit_error(_nested(MAX_YAML_DEPTH + 1)) == (
        f"s.yaml:1: nested more than {MAX_YAML_DEPTH} levels deep "
        "(the limit of a scenario document)"
    )


def _expanding(total: int) -> str:
    """A document whose aliases expand to exactly ``total`` nodes (``total`` >= 1,002)."""
    inner = 999  # scalars in the anchored list: the list is 1,000 nodes
    copies, extra = divmod(total - 1, inner + 1)  # top sequence 1 + copies*1000 + extra
    items = ["&x [" + ", ".join(["0"] * inner) + "]"] + ["*x"] * (copies - 1) + ["1"] * extra
    return "[" + ", ".join(items) + "]"


def test_alias_expansion_at_the_limit_passes_one_more_is_refused() -> None:
    assert _limit_error(_expanding(MAX_YAML_NODES)) is None
    assert _limit_error(_expanding(MAX_YAML_NODES + 1)) == (
        f"s.yaml:1: expands to more than {MAX_YAML_NODES:,} values "
        "(aliases included; the limit of a scenario document)"
    )


def test_billion_laughs_is_refused_at_once() -> None:
    text = 'a: &a ["lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol"]\n'
    for prev, name in zip("abcdefgh", "bcdefghi", strict=True):
        text += f"{name}: &{name} [" + ", ".join([f"*{prev}"] * 9) + "]\n"
    start = time.process_time()
    with pytest.raises(ScenarioError, match="expands to more than 1,000,000 values"):
        load_scenario_text(text, "laughs.yaml")
    assert time.process_time() - start < 5  # linear in the text, not in the expansion


def test_scalar_length_at_the_limit_passes_one_more_is_refused() -> None:
    assert _limit_error("a: " + "x" * MAX_YAML_SCALAR_CHARS) is None
    assert _limit_error("a: " + "x" * (MAX_YAML_SCALAR_CHARS + 1)) == (
        f"s.yaml:1: a value of {MAX_YAML_SCALAR_CHARS + 1:,} characters "
        f"(at most {MAX_YAML_SCALAR_CHARS:,})"
    )


def test_deep_nesting_beyond_the_parser_is_a_message_not_a_recursion_error() -> None:
    with pytest.raises(ScenarioError, match=f"nested more than {MAX_YAML_DEPTH} levels"):
        load_scenario_text("a: " + _nested(5000), "deep.yaml")


def test_document_size_limit(tmp_path: Path) -> None:
    big = tmp_path / "big.yaml"
    with big.open("wb") as fh:  # sparse: the size is checked before reading
        fh.truncate(MAX_YAML_CHARS + 1)
    with pytest.raises(ScenarioError) as info:
        load_scenario(big)
    assert str(info.value) == (
        f"{big} is {MAX_YAML_CHARS + 1:,} bytes; at most {MAX_YAML_CHARS:,} bytes are read"
    )
    with pytest.raises(ScenarioError, match="characters; a scenario document has at most"):
        load_scenario_text("#" * (MAX_YAML_CHARS + 1), "long.yaml")


def test_a_fifo_is_refused_without_blocking(tmp_path: Path) -> None:
    fifo = tmp_path / "scenario.yaml"
    os.mkfifo(fifo)
    with pytest.raises(ScenarioError) as info:
        load_scenario(fifo)
    assert str(info.value) == f"{fifo} is a FIFO (named pipe); give a regular file"


def test_a_device_is_refused() -> None:
    with pytest.raises(ScenarioError) as info:
        load_scenario("/dev/zero")
    assert str(info.value) == "/dev/zero is a character device; give a regular file"


# --------------------------------------------------------------------- physical bounds

RAID_SCENARIO = """\
name: bounds
epoch: 2026-03-10T02:00:00Z
duration_s: 60
nations:
  - {code: BGR, name: Bulgaria}
assets:
  - {name: npp, nation: BGR, lat_deg: 43.746, lon_deg: 23.771, kind: nuclear, value: 10}
raids:
  - {id: d, type: shahed136, launch: {lat_deg: 43.62, lon_deg: 23.60}, aim: {asset: npp}, EXTRA}
"""


def _raid(extra: str) -> str | None:
    try:
        load_scenario_text(RAID_SCENARIO.replace("EXTRA", extra), "b.yaml")
    except ScenarioError as exc:
        return str(exc)
    return None


@pytest.mark.parametrize(
    ("ok", "bad", "message"),
    [
        (
            f"speed_m_s: {MIN_SPEED_M_S}",
            f"speed_m_s: {MIN_SPEED_M_S - 1e-9}",
            "Input should be greater than or equal to 1",
        ),
        (
            f"speed_m_s: {MAX_SPEED_M_S}",
            f"speed_m_s: {MAX_SPEED_M_S + 1e-9}",
            "Input should be less than or equal to 8000",
        ),
        (
            f"altitude_m: {MAX_AIR_ALTITUDE_M}",
            f"altitude_m: {MAX_AIR_ALTITUDE_M + 1e-9}",
            "Input should be less than or equal to 30000",
        ),
    ],
)
def test_raid_overrides_at_their_physical_bounds(ok: str, bad: str, message: str) -> None:
    assert _raid(ok) is None
    err = _raid(bad)
    assert err is not None and err.startswith("b.yaml:9: raids[0].") and message in err


def test_catalog_numbers_are_finite_and_bounded() -> None:
    base = RAID_SCENARIO.replace(", EXTRA", "")
    inf = base + "catalog_overrides:\n  threats:\n    shahed136: {cost_usd: .inf}\n"
    with pytest.raises(ScenarioError, match="cost_usd"):
        load_scenario_text(inf, "inf.yaml")
    for value, fails in ((MAX_AIR_ALTITUDE_M, False), (MAX_AIR_ALTITUDE_M + 1, True)):
        text = (
            base
            + f"catalog_overrides:\n  threats:\n    shahed136: {{cruise_altitude_m: {value}}}\n"
        )
        if fails:
            with pytest.raises(ScenarioError, match="air-breathing drone"):
                load_scenario_text(text, "alt.yaml")
        else:
            load_scenario_text(text, "alt.yaml")
    huge = (
        base
        + "catalog_overrides:\n  effectors:\n"
        + "    iris_t_slm: {rounds_per_launcher: 20000000000000000000}\n"
    )
    with pytest.raises(ScenarioError, match="rounds_per_launcher"):
        load_scenario_text(huge, "mag.yaml")
