"""The scenario file reference, generated from the pydantic schema of ``iamd.scenario.schema``.

``scenario_reference_markdown`` writes ``docs/scenario.md``: a short hand-written introduction
with a minimal example, then one section per model (every field with its type, default,
constraints and description) and per enumeration, in the order a reader meets them from the
top of a file. It reads the JSON Schema that pydantic derives from the models, so the page,
the schema and the validation cannot disagree; ``tests/scenario/test_scenario_reference.py``
fails when the page is stale. ``json_schema`` is that schema with its ``$schema`` and
``title``, for editors that check YAML as it is typed.

The JSON Schema checks shapes and ranges only; cross-references (catalog types, nations,
assets, airports, unique ids) are checked by ``iamd.scenario.loader``.
"""

from __future__ import annotations

import json
from typing import Any

from iamd.scenario.schema import Scenario

JSON_SCHEMA_DIALECT = "https://json-schema.org/draft/2020-12/schema"
REGENERATE = (
    '.venv/bin/python -c "from iamd.scenario.reference import scenario_reference_markdown '
    'as m; print(m())" > docs/scenario.md'
)


def json_schema() -> dict[str, Any]:
    """The JSON Schema (draft 2020-12) of a scenario file.

    >>> schema = json_schema()
    >>> schema["title"], schema["additionalProperties"], schema["required"][:2]
    ('iamd scenario', False, ['name', 'epoch'])
    """
    schema = Scenario.model_json_schema()
    return {"$schema": JSON_SCHEMA_DIALECT, **schema, "title": "iamd scenario"}


def scenario_reference_markdown() -> str:
    """The Markdown reference of scenario files (the text of ``docs/scenario.md``, no final
    newline: ``print`` adds it).

    >>> text = scenario_reference_markdown()
    >>> text.splitlines()[0]
    '# Scenario files'
    >>> "| `duration_s` | number | required | > 0, ≤ 86400 |" in text
    True
    """
    schema = Scenario.model_json_schema()
    defs: dict[str, dict[str, Any]] = schema.get("$defs", {})
    parts = [_INTRO.format(regenerate=REGENERATE).strip(), "## Reference"]
    for name in _names_in_reading_order(schema, defs):
        parts.append(_section(name, schema if name == "Scenario" else defs[name]))
    return "\n\n".join(parts)


_INTRO = """
# Scenario files

> This page is generated from `iamd.scenario.schema` by `iamd.scenario.reference`: do not edit
> it by hand. After changing the schema (or this introduction, which lives in the generator),
> regenerate it with
>
> ```sh
> {regenerate}
> ```

A scenario is one YAML file: the epoch, the nations taking part, the defended assets, the
sensors and effector units (types of the catalog placed at sites), the threat raids, civil air
traffic, the sharing policy, the rules of engagement and the seed. Check one with
`iamd validate FILE.yaml` and run it with `iamd run FILE.yaml` (in Python:
`iamd.scenario.loader.load_scenario("FILE.yaml")`). The built-in theatre `balkans`
(`src/iamd/scenario/theatres/balkans.yaml`) is a complete example.

## A minimal scenario

```yaml
name: minimal
epoch: 2026-03-10T02:00:00Z
duration_s: 900
nations:
  - {{code: ROU, name: Romania}}
assets:
  - {{name: constanta_port, nation: ROU, lat_deg: 44.17, lon_deg: 28.66, kind: port, value: 8}}
sensors:
  - {{id: radar_constanta, type: ground_master_400, nation: ROU, lat_deg: 44.25, lon_deg: 28.55}}
effectors:
  - {{id: skynex_constanta, type: skynex, nation: ROU, lat_deg: 44.17, lon_deg: 28.64}}
raids:
  - id: shahed_constanta
    type: shahed136
    count: 4
    launch: {{lat_deg: 44.10, lon_deg: 30.00, radius_km: 15}}
    aim: {{asset: constanta_port}}
    spacing_s: 20
```

## Rules

- Units are in the field names: degrees (`_deg`), metres (`_m`), kilometres (`_km`), seconds
  (`_s`), metres per second (`_m_s`). Latitudes and longitudes are WGS84.
- Every key must be one of the fields below; an unknown or repeated key is an error.
- `type` fields name entries of the catalog (`iamd.scenario.catalog`, `iamd catalog`);
  `nation` fields name a nation declared under `nations`; a raid's `aim.asset` names an asset;
  airways name airports. These cross-references are checked when the file is loaded, as are
  unique `id`s.
- `catalog_overrides` replaces fields of catalog entries for this scenario only, e.g.
  `catalog_overrides: {{effectors: {{pac3_mse: {{pk: {{ballistic_missile: 0.6}}}}}}}}`.
- A bad file is reported once, as `FILE:LINE: path.to.field: what is wrong (got VALUE)`.
- `iamd schema` prints the JSON Schema of these files, for editors; it checks shapes and
  ranges, not the cross-references above.
"""


def _names_in_reading_order(schema: dict[str, Any], defs: dict[str, Any]) -> list[str]:
    """``Scenario`` then every referenced definition, depth first in field order."""
    order: list[str] = []

    def visit(name: str, node: dict[str, Any]) -> None:
        order.append(name)
        for prop in node.get("properties", {}).values():
            for ref in _refs(prop):
                if ref not in order:
                    visit(ref, defs[ref])

    visit("Scenario", schema)
    return order


def _refs(node: Any) -> list[str]:
    """Names of the ``$defs`` that a property schema refers to, in order."""
    if isinstance(node, dict):
        found = [node["$ref"].rsplit("/", 1)[-1]] if "$ref" in node else []
        return found + [r for value in node.values() for r in _refs(value)]
    if isinstance(node, list):
        return [r for value in node for r in _refs(value)]
    return []


def _section(name: str, node: dict[str, Any]) -> str:
    lines = [f"### {name}", "", _md(node.get("description", ""))]
    if "enum" in node:
        lines += ["", "One of: " + ", ".join(f"`{v}`" for v in node["enum"]) + "."]
        return "\n".join(lines)
    required = set(node.get("required", []))
    lines += [
        "",
        "| field | type | default | constraints | description |",
        "|---|---|---|---|---|",
    ]
    for field, prop in node.get("properties", {}).items():
        cells = [
            f"`{field}`",
            _type(prop),
            _default(prop, field in required),
            _constraints(prop),
            _description(prop),
        ]
        lines.append("| " + " | ".join(_cell(c) for c in cells) + " |")
    return "\n".join(lines)


def _type(prop: dict[str, Any]) -> str:
    if "$ref" in prop:
        name = prop["$ref"].rsplit("/", 1)[-1]
        return f"[{name}](#{name.lower()})"
    if "anyOf" in prop:
        return " or ".join(_type(branch) for branch in prop["anyOf"])
    if "enum" in prop:
        return _one_of(prop["enum"])
    kind = prop.get("type")
    if kind == "array":
        return f"list of {_type(prop.get('items', {}))}"
    if kind == "object":
        keys = _one_of(prop["propertyNames"]["enum"]) if "propertyNames" in prop else "string"
        values = prop.get("additionalProperties", True)
        return f"mapping of {keys} to {_type(values) if isinstance(values, dict) else 'any'}"
    if kind == "string" and prop.get("format") == "date-time":
        return "date-time"
    return str(kind) if kind else "any"


def _default(prop: dict[str, Any], required: bool) -> str:
    if required:
        return "required"
    if "default" not in prop:  # a default_factory: an empty list, or a mapping of defaults
        return "`[]`" if prop.get("type") == "array" else "`{}`"
    value = prop["default"]
    if isinstance(value, str) and value:
        return f"`{value}`"
    return f"`{json.dumps(value, ensure_ascii=False)}`"


_BOUNDS = (
    ("minimum", "≥ {}"),
    ("exclusiveMinimum", "> {}"),
    ("maximum", "≤ {}"),
    ("exclusiveMaximum", "< {}"),
    ("minLength", "length ≥ {}"),
    ("maxLength", "length ≤ {}"),
    ("minItems", "length ≥ {}"),
    ("maxItems", "length ≤ {}"),
    ("pattern", "matches `{}`"),
)


def _constraints(prop: dict[str, Any]) -> str:
    own = [fmt.format(_bound(prop, key)) for key, fmt in _BOUNDS if key in prop]
    for branch in prop.get("anyOf", []):
        own += [fmt.format(_bound(branch, key)) for key, fmt in _BOUNDS if key in branch]
    items = prop.get("items", {})
    own += [f"each {fmt.format(_bound(items, key))}" for key, fmt in _BOUNDS if key in items]
    return ", ".join(own)


def _bound(node: dict[str, Any], key: str) -> Any:
    """A bound written the same whatever pydantic's version: a whole number without a
    decimal point (``gt=0`` and ``gt=0.0`` both read "> 0"; some pydantic versions give a
    number field's bounds as floats in the JSON schema, others as declared)."""
    value = node[key]
    if isinstance(value, float) and value.is_integer() and abs(value) < 2**53:
        return int(value)
    return value


def _description(prop: dict[str, Any]) -> str:
    if "description" in prop:
        return _md(prop["description"])
    for branch in prop.get("anyOf", []):
        if "description" in branch:
            return _md(branch["description"])
    return ""


def _one_of(values: list[Any]) -> str:
    names = [f"`{v}`" for v in values]
    return names[0] if len(names) == 1 else ", ".join(names[:-1]) + " or " + names[-1]


def _md(text: str) -> str:
    """Docstring text as Markdown (reStructuredText ``literals`` become `code`)."""
    return text.replace("``", "`").strip()


def _cell(text: str) -> str:
    return " ".join(text.split()).replace("|", "\\|")
