"""The generated scenario reference (docs/scenario.md) and the JSON Schema of scenario files.

The page must be what the generator writes from the schema today, its example must load, and
the JSON Schema must accept the built-in scenario and forbid unknown keys in every object, as
the pydantic models do (``extra="forbid"``).
"""

from __future__ import annotations

import importlib.util
import re
from pathlib import Path
from typing import Any, get_args

import pytest
from pydantic import BaseModel

from iamd.scenario.loader import builtin_scenario_text, load_scenario_text, scenario_data
from iamd.scenario.reference import (
    JSON_SCHEMA_DIALECT,
    REGENERATE,
    json_schema,
    scenario_reference_markdown,
)
from iamd.scenario.schema import Scenario

DOC = Path(__file__).resolve().parents[2] / "docs" / "scenario.md"


@pytest.fixture(scope="module")
def schema() -> dict[str, Any]:
    return json_schema()


@pytest.fixture(scope="module")
def markdown() -> str:
    return scenario_reference_markdown()


@pytest.fixture(scope="module")
def balkans_data() -> dict[str, Any]:
    # the loader's reading: `transponder: off` is the word, as a YAML 1.2 editor reads it
    data = scenario_data(builtin_scenario_text("balkans"), "builtin:balkans")
    assert isinstance(data, dict)
    return data


# --- docs/scenario.md ------------------------------------------------------------------------


def test_docs_scenario_md_is_up_to_date_with_the_schema(markdown: str) -> None:
    # `print(m()) > docs/scenario.md` writes the text and one newline.
    assert DOC.read_text(encoding="utf-8") == markdown + "\n", (
        f"docs/scenario.md is stale; regenerate it with: {REGENERATE}"
    )


def test_reference_is_stable(markdown: str) -> None:
    assert scenario_reference_markdown() == markdown
    assert not markdown.endswith("\n")


def test_reference_says_it_is_generated_and_how_to_regenerate(markdown: str) -> None:
    head = "\n".join(markdown.splitlines()[:10])
    assert "generated" in head and "do not edit" in head
    assert REGENERATE in head


def test_reference_documents_every_model_and_field(markdown: str) -> None:
    models: list[type[Any]] = [Scenario]
    seen: set[type[Any]] = set()
    while models:
        model = models.pop()
        if model in seen:
            continue
        seen.add(model)
        section = markdown.split(f"\n### {model.__name__}\n", 1)[1].split("\n### ", 1)[0]
        for name, field in model.model_fields.items():
            row = next(line for line in section.splitlines() if line.startswith(f"| `{name}` |"))
            if field.description:
                assert " ".join(field.description.split()) in row
            models += _models_in(field.annotation)
    assert len(seen) == 28  # Scenario and the 27 models it contains (enums have sections too)
    assert "\n### Policy\n" in markdown and "\n### PictureMode\n" in markdown
    assert "\n### Tracking\n" in markdown


def test_reference_rows_give_type_default_and_constraints(markdown: str) -> None:
    assert "| `duration_s` | number | required | > 0, ≤ 86400 | Simulated time (s). |" in markdown
    assert "| `policy` | [Policy](#policy) | `integrated` |  |  |" in markdown
    assert "| `nations` | list of [Nation](#nation) | required | length ≥ 1 |  |" in markdown
    assert "| `sector` | [Sector](#sector) or null | `null` |  |  |" in markdown
    assert (
        "| `kind` | `city`, `port`, `energy`, `nuclear`, `military` or `infrastructure` | "
        "required |  |  |"
    ) in markdown
    assert "| `center_deg` | number | required | ≥ 0, < 360 |  |" in markdown
    assert "One of: `national`, `shared_picture`, `integrated`." in markdown


def test_reference_links_point_at_sections(markdown: str) -> None:
    anchors = {h.lower() for h in re.findall(r"^### (\w+)$", markdown, flags=re.MULTILINE)}
    links = set(re.findall(r"\]\(#(\w+)\)", markdown))
    assert links and links <= anchors


def test_reference_example_loads(markdown: str) -> None:
    blocks = re.findall(r"```yaml\n(.*?)```", markdown, flags=re.DOTALL)
    assert len(blocks) == 1
    loaded = load_scenario_text(blocks[0], "docs/scenario.md")
    assert loaded.scenario.name == "minimal"
    assert [r.type for r in loaded.scenario.raids] == ["shahed136"]


def test_reference_override_example_loads(markdown: str) -> None:
    inline = re.search(r"`(catalog_overrides: \{.*\})`", markdown)
    assert inline is not None
    example = re.findall(r"```yaml\n(.*?)```", markdown, flags=re.DOTALL)[0]
    loaded = load_scenario_text(example + inline.group(1) + "\n", "docs/scenario.md")
    assert loaded.catalog.effectors["pac3_mse"].pk["ballistic_missile"] == 0.6


# --- the JSON Schema -------------------------------------------------------------------------


def test_json_schema_names_its_dialect_and_title(schema: dict[str, Any]) -> None:
    assert schema["$schema"] == JSON_SCHEMA_DIALECT
    assert schema["title"] == "iamd scenario"
    assert schema["type"] == "object"
    assert set(schema["required"]) == {"name", "epoch", "duration_s", "nations"}


def test_json_schema_disallows_unknown_keys_everywhere(schema: dict[str, Any]) -> None:
    assert schema["additionalProperties"] is False
    objects = [d for d in schema["$defs"].values() if d.get("type") == "object"]
    assert len(objects) == 27
    for definition in objects:
        assert definition["additionalProperties"] is False, definition["title"]


def test_json_schema_has_every_top_level_key_of_the_builtin_scenario(
    schema: dict[str, Any], balkans_data: dict[str, Any]
) -> None:
    assert set(balkans_data) <= set(schema["properties"])
    assert set(schema["properties"]) == set(Scenario.model_fields)


def test_json_schema_knows_every_key_of_the_builtin_scenario_at_every_depth(
    schema: dict[str, Any], balkans_data: dict[str, Any]
) -> None:
    assert _unknown_keys(balkans_data, schema, schema["$defs"], "") == []
    broken = {**balkans_data, "raids": [{**balkans_data["raids"][0], "colour": "red"}]}
    assert _unknown_keys(broken, schema, schema["$defs"], "") == ["raids[0].colour"]


def test_json_schema_validates_the_builtin_scenario(
    schema: dict[str, Any], balkans_data: dict[str, Any]
) -> None:
    if importlib.util.find_spec("jsonschema") is None:
        pytest.skip("jsonschema is not installed (top-level keys are checked above)")
    import jsonschema

    data = {**balkans_data, "epoch": balkans_data["epoch"].isoformat()}  # YAML read a datetime
    jsonschema.validate(data, schema)
    data["colour"] = "red"
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.validate(data, schema)


def _models_in(annotation: Any) -> list[type[Any]]:
    """The pydantic models inside an annotation (``list[Asset]``, ``Sector | None``)."""
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return [annotation]
    return [m for arg in get_args(annotation) for m in _models_in(arg)]


def _unknown_keys(data: Any, node: dict[str, Any], defs: dict[str, Any], path: str) -> list[str]:
    """Paths of the mapping keys in ``data`` that the schema ``node`` does not declare: a small
    stand-in for a JSON Schema validator, following ``$ref``, ``anyOf``, ``items`` and
    ``properties``."""
    if "$ref" in node:
        return _unknown_keys(data, defs[node["$ref"].rsplit("/", 1)[-1]], defs, path)
    if "anyOf" in node:
        branches = [b for b in node["anyOf"] if b.get("type") != "null"]
        return [k for b in branches for k in _unknown_keys(data, b, defs, path)]
    if isinstance(data, list) and "items" in node:
        return [
            k
            for i, item in enumerate(data)
            for k in _unknown_keys(item, node["items"], defs, f"{path}[{i}]")
        ]
    if isinstance(data, dict) and "properties" in node:
        found = []
        for key, value in data.items():
            where = f"{path}.{key}" if path else str(key)
            if key in node["properties"]:
                found += _unknown_keys(value, node["properties"][key], defs, where)
            elif node.get("additionalProperties") is False:
                found.append(where)
        return found
    return []
