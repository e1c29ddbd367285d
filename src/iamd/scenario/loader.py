"""Loading scenario files with precise error messages.

A bad file gets one message ``FILE:LINE: path.to.field: what is wrong (got VALUE)``: the YAML
is composed into nodes first so that every field path maps to the line where it is written,
then validated by the pydantic schema, then cross-checked against the catalog (types, nations,
assets, airports, ids). Duplicate keys, which YAML parsers silently merge, are errors.
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date
from importlib import resources
from pathlib import Path
from typing import Any

import yaml
from pydantic import ValidationError

from iamd.errors import CatalogError, InputError, ScenarioError
from iamd.files import read_input_bytes
from iamd.scenario.catalog import HOSTILE_CLASSES, Catalog, ThreatClass, builtin_catalog
from iamd.scenario.schema import Scenario

PathKey = tuple[str | int, ...]

BUILTIN_SCENARIOS = ("balkans",)


@dataclass(frozen=True, slots=True, kw_only=True)
class LoadedScenario:
    """A validated scenario with the catalog it runs against.

    Attributes:
        scenario: the validated file.
        catalog: the built-in catalog with the scenario's overrides applied.
        source: the file name (or ``builtin:NAME``).
        sha256: hash of the file's bytes (recorded in outputs).
        lines: the line of each field path in the file, so that later stages (the world
            reading recorded-traffic files) can report a field as ``FILE:LINE: path: ...``.
        text: the file's text (for changes made in Python, `iamd.api.modify`).
    """

    scenario: Scenario
    catalog: Catalog
    source: str
    sha256: str
    lines: Mapping[PathKey, int] = field(default_factory=dict, compare=False, repr=False)
    text: str = field(default="", compare=False, repr=False)

    def __repr__(self) -> str:
        sc = self.scenario
        return (
            f"LoadedScenario({sc.name!r}, source={self.source!r}, sha256={self.sha256[:12]}..., "
            f"nations={len(sc.nations)}, sensors={len(sc.sensors)}, "
            f"effectors={len(sc.effectors)}, raids={len(sc.raids)}, assets={len(sc.assets)}, "
            f"duration_s={sc.duration_s:g}, picture={sc.picture.value}, policy={sc.policy.value})"
        )


def format_path(path: PathKey) -> str:
    """``("raids", 2, "type")`` -> ``raids[2].type``."""
    out = ""
    for part in path:
        if isinstance(part, int):
            out += f"[{part}]"
        else:
            out += ("." if out else "") + str(part)
    return out


def _line_map(node: yaml.Node, source: str) -> dict[PathKey, int]:
    """Map each field path of a composed YAML document to its 1-based line."""
    lines: dict[PathKey, int] = {(): node.start_mark.line + 1}
    stack: list[tuple[yaml.Node, PathKey]] = [(node, ())]
    visited: set[int] = set()  # an alias repeats a node (or nests it in itself): map it once
    while stack:
        cur, path = stack.pop()
        if id(cur) in visited:
            continue
        visited.add(id(cur))
        if isinstance(cur, yaml.MappingNode):
            seen: set[str] = set()
            for knode, vnode in cur.value:
                key = str(knode.value)
                sub = (*path, key)
                if not (isinstance(knode, yaml.ScalarNode) and knode.tag in _KEY_TAGS):
                    raise ScenarioError(
                        f"{source}:{knode.start_mark.line + 1}: {format_path(path) or '(top)'}: "
                        f"a key must be a field name (got {_short(knode.value)})"
                    )
                if key in seen:
                    raise ScenarioError(
                        f"{source}:{knode.start_mark.line + 1}: {format_path(sub)}: "
                        f"duplicate key (got {key!r} twice)"
                    )
                seen.add(key)
                lines[sub] = knode.start_mark.line + 1
                stack.append((vnode, sub))
        elif isinstance(cur, yaml.SequenceNode):
            for i, item in enumerate(cur.value):
                sub = (*path, i)
                lines[sub] = item.start_mark.line + 1
                stack.append((item, sub))
    return lines


_NULL_TAG = "tag:yaml.org,2002:null"
_KEY_TAGS = ("tag:yaml.org,2002:str", "tag:yaml.org,2002:merge")


def _line_of(lines: Mapping[PathKey, int], path: PathKey) -> int:
    for n in range(len(path), -1, -1):
        if path[:n] in lines:
            return lines[path[:n]]
    return 1


def _short(value: Any) -> str:
    if isinstance(value, date):  # YAML reads timestamps as datetimes: show them as written
        value = value.isoformat()
    text = repr(value)
    return text if len(text) <= 80 else text[:77] + "..."


_ALLOWED_KEYS_HINT = "unknown key"


def _explain(err: dict[str, Any], scenario_cls: type[Scenario]) -> str:
    kind = err["type"]
    if kind == "extra_forbidden":
        allowed = _allowed_keys(scenario_cls, err["loc"][:-1])
        hint = f" (allowed: {', '.join(allowed)})" if allowed else ""
        return f"{_ALLOWED_KEYS_HINT}{hint}"
    if kind == "missing":
        return "required field is missing"
    got = f"(got {_short(err.get('input'))})"
    if kind == "timezone_aware" or kind.startswith("datetime"):
        return f"must be a date and time with a timezone, e.g. 2026-03-10T02:00:00Z {got}"
    msg = str(err["msg"]).removeprefix("Value error, ")
    return msg if "(got " in msg else f"{msg} {got}"


def _allowed_keys(model: type[Any], loc: tuple[Any, ...]) -> list[str]:
    """Field names of the model found by following ``loc`` through the schema."""
    from pydantic import BaseModel

    cur: Any = model
    for part in loc:
        if isinstance(part, int) or cur is None:
            continue
        fields = getattr(cur, "model_fields", {})
        if part not in fields:
            return []
        cur = _model_of(fields[part].annotation)
    if isinstance(cur, type) and issubclass(cur, BaseModel):
        return list(cur.model_fields)
    return []


def _model_of(annotation: Any) -> Any:
    from typing import get_args

    from pydantic import BaseModel

    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return annotation
    for arg in get_args(annotation):
        found = _model_of(arg)
        if found is not None:
            return found
    return None


def parse_scenario_text(text: str, source: str) -> tuple[Scenario, dict[PathKey, int]]:
    """Parse and validate scenario YAML text; raise ScenarioError with file and line."""
    node = _compose(text, source)
    if node is None or (
        isinstance(node, yaml.ScalarNode) and node.tag == _NULL_TAG and not node.value
    ):
        raise ScenarioError(
            f"{source}:1: empty scenario (expected a mapping with at least "
            f"name, epoch, duration_s and nations)"
        )
    if not isinstance(node, yaml.MappingNode):
        raise ScenarioError(
            f"{source}:{node.start_mark.line + 1}: the scenario must be a mapping of fields "
            f"(got a {'list' if isinstance(node, yaml.SequenceNode) else 'scalar'})"
        )
    lines = _line_map(node, source)
    data = _words_as_written(node, _construct(node, text, source))
    try:
        scenario = Scenario.model_validate(data)
    except ValidationError as exc:
        err = exc.errors()[0]
        loc = tuple(part for part in err["loc"] if part != "[key]")  # a bad key: name the key
        raise ScenarioError(
            f"{source}:{_line_of(lines, loc)}: {format_path(loc) or '(top)'}: "
            f"{_explain(dict(err), Scenario)}"
        ) from None
    return scenario, lines


WORD_FIELDS = frozenset({"transponder"})
"""Fields whose values include the words ``on`` and ``off``, which YAML 1.1 reads as the
booleans true and false: the loader hands the schema these values as written, so that ``on``
and ``off`` are accepted and ``true``, ``yes``, ... are reported as they stand in the file."""
_BOOL_TAG = "tag:yaml.org,2002:bool"


def scenario_data(text: str, source: str) -> Any:
    """The data of scenario YAML text as the schema validates it: YAML's reading, with the
    plain words of :data:`WORD_FIELDS` kept as written (``transponder: off`` is ``"off"``,
    not ``False``). Raises ScenarioError for text that is not YAML.

    >>> scenario_data("civil_traffic: {airways: [{transponder: off}]}", "x.yaml")
    {'civil_traffic': {'airways': [{'transponder': 'off'}]}}
    """
    node = _compose(text, source)
    data = _construct(node, text, source) if node is not None else None
    return _words_as_written(node, data) if node is not None else data


def _words_as_written(node: yaml.Node, data: Any) -> Any:
    """``data`` (the constructed document of ``node``) with each plain scalar that YAML read
    as a boolean under a key of :data:`WORD_FIELDS` replaced by its text."""
    stack: list[tuple[yaml.Node, Any]] = [(node, data)]
    visited: set[tuple[int, int]] = set()  # aliases may repeat a node (or nest it in itself)
    merger = yaml.SafeLoader("")
    while stack:
        cur, value = stack.pop()
        if (id(cur), id(value)) in visited:
            continue
        visited.add((id(cur), id(value)))
        if isinstance(cur, yaml.MappingNode) and isinstance(value, dict):
            merger.flatten_mapping(cur)  # merge keys (<<) copied in, as the constructor did
            seen: set[str] = set()
            for knode, vnode in reversed(cur.value):  # the last of repeated keys counts
                key = knode.value
                if not isinstance(key, str) or key not in value or key in seen:
                    continue
                seen.add(key)
                if (
                    key in WORD_FIELDS
                    and isinstance(vnode, yaml.ScalarNode)
                    and vnode.tag == _BOOL_TAG
                    and isinstance(value[key], bool)
                ):
                    value[key] = vnode.value
                else:
                    stack.append((vnode, value[key]))
        elif isinstance(cur, yaml.SequenceNode) and isinstance(value, list):
            stack.extend(zip(cur.value, value, strict=False))
    return data


#: Limits of a scenario document, checked on its node tree before anything is built from it
#: (aliases make a few lines expand into billions of nodes, "billion laughs"; the careful YAML
#: readers cap alias expansion and depth the same way).
MAX_YAML_CHARS = 16 * 1024 * 1024
MAX_YAML_DEPTH = 64
MAX_YAML_NODES = 1_000_000
MAX_YAML_SCALAR_CHARS = 1024 * 1024


def _check_limits(node: yaml.Node, source: str, what: str = "a scenario document") -> None:
    """ScenarioError if the document, with every alias expanded, nests deeper than
    :data:`MAX_YAML_DEPTH`, has more than :data:`MAX_YAML_NODES` nodes or a scalar longer
    than :data:`MAX_YAML_SCALAR_CHARS`. Expanded sizes are counted once per node (aliases
    share their node), so the check is linear in the text."""
    size: dict[int, int] = {}
    depth: dict[int, int] = {}
    # iterative post-order walk; a node on the current path again is a recursive alias
    stack: list[tuple[yaml.Node, bool]] = [(node, False)]
    on_path: set[int] = set()
    while stack:
        cur, done = stack.pop()
        key = id(cur)
        if done:
            on_path.discard(key)
            kids = _children(cur)
            size[key] = 1 + sum(size[id(k)] for k in kids)
            depth[key] = 1 + max((depth[id(k)] for k in kids), default=0)
            line = cur.start_mark.line + 1
            if depth[key] > MAX_YAML_DEPTH:
                raise ScenarioError(
                    f"{source}:{line}: nested more than {MAX_YAML_DEPTH} levels deep "
                    f"(the limit of {what})"
                )
            if size[key] > MAX_YAML_NODES:
                raise ScenarioError(
                    f"{source}:{line}: expands to more than {MAX_YAML_NODES:,} values "
                    f"(aliases included; the limit of {what})"
                )
            continue
        if key in size:
            continue
        if key in on_path:
            raise ScenarioError(
                f"{source}:{cur.start_mark.line + 1}: an alias refers to a value that contains it"
            )
        if isinstance(cur, yaml.ScalarNode) and len(cur.value) > MAX_YAML_SCALAR_CHARS:
            raise ScenarioError(
                f"{source}:{cur.start_mark.line + 1}: a value of {len(cur.value):,} characters "
                f"(at most {MAX_YAML_SCALAR_CHARS:,})"
            )
        on_path.add(key)
        stack.append((cur, True))
        stack.extend((k, False) for k in _children(cur) if id(k) not in size)
        if len(on_path) > MAX_YAML_DEPTH + 1:
            raise ScenarioError(
                f"{source}:{cur.start_mark.line + 1}: nested more than {MAX_YAML_DEPTH} levels "
                f"deep (the limit of {what})"
            )


def _children(node: yaml.Node) -> list[yaml.Node]:
    if isinstance(node, yaml.MappingNode):
        return [n for pair in node.value for n in pair]
    if isinstance(node, yaml.SequenceNode):
        return list(node.value)
    return []


def _compose(text: str, source: str, what: str = "a scenario document") -> yaml.Node | None:
    """The YAML node tree of ``text`` within the limits of :func:`_check_limits`, or
    ScenarioError naming the line that breaks YAML or a limit."""
    if len(text) > MAX_YAML_CHARS:
        raise ScenarioError(
            f"{source}: {len(text):,} characters; {what} has at most {MAX_YAML_CHARS:,}"
        )
    try:
        node = yaml.compose(text, Loader=yaml.SafeLoader)
    except RecursionError:
        raise ScenarioError(
            f"{source}: nested more than {MAX_YAML_DEPTH} levels deep (the limit of {what})"
        ) from None
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line = mark.line + 1 if mark is not None else 1
        what = str(exc.problem)
        if exc.context:  # "while parsing a flow sequence on line 1, expected ',' or ']', ..."
            where = f" on line {exc.context_mark.line + 1}" if exc.context_mark else ""
            what = f"{exc.context}{where}, {what}"
        raise ScenarioError(f"{source}:{line}: not valid YAML: {what}") from None
    except yaml.reader.ReaderError as exc:
        line = text.count("\n", 0, exc.position) + 1
        raise ScenarioError(
            f"{source}:{line}: not valid YAML: unacceptable character #x{exc.character:04x} "
            f"({exc.reason})"
        ) from None
    except yaml.YAMLError as exc:
        raise ScenarioError(f"{source}:1: not valid YAML: {exc}") from None
    if node is not None:
        _check_limits(node, source, what)
    return node


def yaml_data(text: str, source: str, *, what: str) -> Any:
    """The data of any YAML text iamd reads (a node configuration, a sensor table), within
    the limits of a scenario document (depth, alias expansion, value and document size):
    ScenarioError naming ``source``, the line and ``what`` the text is, never a
    RecursionError or a document that expands without bound.

    >>> yaml_data("a: [1, 2]", "n.yaml", what="a node configuration")
    {'a': [1, 2]}
    >>> yaml_data("a: &a [*a]", "n.yaml", what="a node configuration")
    Traceback (most recent call last):
    ...
    iamd.errors.ScenarioError: n.yaml:1: an alias refers to a value that contains it
    """
    node = _compose(text, source, what)
    return _construct(node, text, source) if node is not None else None


def _construct(node: yaml.Node, text: str, source: str) -> Any:
    """The Python data of the document; a value that cannot be built (``!!int abc``) is an error."""
    try:
        return yaml.safe_load(text)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line = mark.line + 1 if mark is not None else 1
        raise ScenarioError(f"{source}:{line}: not valid YAML: {exc.problem}") from None
    except Exception as exc:  # PyYAML raises bare ValueError, KeyError, ... on bad explicit tags
        bad = _unconstructible(node)
        line = bad.start_mark.line + 1 if bad is not None else 1
        value = f" (got {bad.tag.rsplit(':', 1)[-1]} {bad.value!r})" if bad is not None else ""
        raise ScenarioError(
            f"{source}:{line}: not valid YAML: a tagged value cannot be read{value}"
        ) from exc


def _unconstructible(node: yaml.Node) -> yaml.ScalarNode | None:
    """The first scalar (in file order) that the safe loader fails to build, if any."""
    scalars: list[yaml.ScalarNode] = []
    stack, visited = [node], set()
    while stack:
        cur = stack.pop()
        if id(cur) in visited:
            continue
        visited.add(id(cur))
        if isinstance(cur, yaml.ScalarNode):
            scalars.append(cur)
        elif isinstance(cur, yaml.MappingNode):
            stack.extend(n for pair in cur.value for n in pair)
        elif isinstance(cur, yaml.SequenceNode):
            stack.extend(cur.value)
    builder = yaml.SafeLoader("")
    for scalar in sorted(scalars, key=lambda n: n.start_mark.index):
        try:
            builder.construct_object(scalar, deep=True)
        except Exception:  # any failure marks the culprit
            return scalar
    return None


def _fail(source: str, lines: Mapping[PathKey, int], path: PathKey, what: str) -> ScenarioError:
    return ScenarioError(f"{source}:{_line_of(lines, path)}: {format_path(path)}: {what}")


def field_error(loaded: LoadedScenario, path: PathKey, what: str) -> ScenarioError:
    """The error ``FILE:LINE: path.to.field: what`` for a field of a loaded scenario.

    >>> from iamd.scenario.loader import load_scenario
    >>> str(field_error(load_scenario("balkans"), ("duration_s",), "too long (got 3000.0)"))
    'builtin:balkans:15: duration_s: too long (got 3000.0)'
    """
    return _fail(loaded.source, loaded.lines, path, what)


def resolve_data_path(source: str, file: str) -> Path:
    """A data file named in a scenario: a relative path is taken from the scenario file's
    directory (the working directory for built-in scenarios and text without a file).

    >>> resolve_data_path("examples/x.yaml", "../data/f.csv").as_posix()
    'examples/../data/f.csv'
    """
    path = Path(file).expanduser()
    if path.is_absolute() or source.startswith("builtin:"):
        return path
    return Path(source).parent / path


def check_references(
    scenario: Scenario, catalog: Catalog, source: str, lines: dict[PathKey, int]
) -> None:
    """Cross-check a validated scenario against the catalog and itself."""
    from iamd.scenario.airports import airports

    def fail(path: PathKey, what: str) -> ScenarioError:
        return _fail(source, lines, path, what)

    def allowed(names: Any) -> str:
        return ", ".join(sorted(names))

    nations = [n.code for n in scenario.nations]
    for i, code in enumerate(nations):
        if code in nations[:i]:
            raise fail(("nations", i, "code"), f"duplicate nation (got {code!r})")
    ids: dict[str, PathKey] = {}
    for section in ("sensors", "effectors", "raids", "patrols"):
        for i, item in enumerate(getattr(scenario, section)):
            if item.id in ids:
                raise fail(
                    (section, i, "id"),
                    f"duplicate id, already used at {format_path(ids[item.id])} (got {item.id!r})",
                )
            ids[item.id] = (section, i, "id")
    asset_names = [a.name for a in scenario.assets]
    for i, a in enumerate(scenario.assets):
        if a.name in asset_names[:i]:
            raise fail(("assets", i, "name"), f"duplicate asset name (got {a.name!r})")
    for section in ("assets", "sensors", "effectors", "patrols"):
        for i, item in enumerate(getattr(scenario, section)):
            if item.nation not in nations:
                raise fail(
                    (section, i, "nation"),
                    f"nation not declared under `nations` (got {item.nation!r}; "
                    f"declared: {allowed(nations)})",
                )
    for i, s in enumerate(scenario.sensors):
        if s.type not in catalog.sensors:
            raise fail(
                ("sensors", i, "type"),
                f"unknown sensor type (got {s.type!r}; allowed: {allowed(catalog.sensors)})",
            )
    for i, e in enumerate(scenario.effectors):
        if e.type not in catalog.effectors:
            raise fail(
                ("effectors", i, "type"),
                f"unknown effector type (got {e.type!r}; allowed: {allowed(catalog.effectors)})",
            )
    for i, r in enumerate(scenario.raids):
        if r.type not in catalog.threats:
            raise fail(
                ("raids", i, "type"),
                f"unknown threat type (got {r.type!r}; allowed: {allowed(catalog.threats)})",
            )
        cls = catalog.threats[r.type].threat_class
        if cls not in HOSTILE_CLASSES:
            raise fail(
                ("raids", i, "type"),
                f"a raid must be a drone, cruise or ballistic missile (got {r.type!r} of class "
                f"{cls.value}; aircraft go under civil_traffic or patrols)",
            )
        if r.aim.asset is not None and r.aim.asset not in asset_names:
            raise fail(
                ("raids", i, "aim", "asset"),
                f"no defended asset of that name (got {r.aim.asset!r}; "
                f"allowed: {allowed(asset_names) or 'none declared'})",
            )
        if cls == ThreatClass.BALLISTIC_MISSILE and r.route:
            raise fail(
                ("raids", i, "route"),
                f"a ballistic missile cannot follow a route; remove it (got {len(r.route)} "
                f"waypoint(s) for {r.type!r} of class {cls.value})",
            )
    known_airports = airports()
    for i, w in enumerate(scenario.civil_traffic.airways):
        for key in ("origin", "destination"):
            code = getattr(w, key)
            if code not in known_airports:
                raise fail(
                    ("civil_traffic", "airways", i, key),
                    f"unknown airport (got {code!r}; allowed: {allowed(known_airports)})",
                )
        if w.type not in catalog.threats or (
            catalog.threats[w.type].threat_class != ThreatClass.AIRLINER
        ):
            airliners = [k for k, t in catalog.threats.items() if t.threat_class == "airliner"]
            raise fail(
                ("civil_traffic", "airways", i, "type"),
                f"not an airliner type (got {w.type!r}; allowed: {allowed(airliners)})",
            )
    _check_recorded(scenario, catalog, source, lines)
    _check_general_aviation(scenario, catalog, source, lines, ids)
    for i, p in enumerate(scenario.patrols):
        if p.type not in catalog.threats or catalog.threats[p.type].threat_class != "fighter":
            fighters = [k for k, t in catalog.threats.items() if t.threat_class == "fighter"]
            raise fail(
                ("patrols", i, "type"),
                f"not a fighter type (got {p.type!r}; allowed: {allowed(fighters)})",
            )
    _check_airspace(scenario, source, lines)
    if scenario.duration_s < scenario.time_step_s:
        raise fail(
            ("duration_s",),
            f"must be at least time_step_s = {scenario.time_step_s} (got {scenario.duration_s})",
        )


def _check_airspace(scenario: Scenario, source: str, lines: dict[PathKey, int]) -> None:
    """Airspace control measures: known countries, zones on declared assets, distinct names,
    no nation both friendly and hostile, flight plans on declared airways."""
    from iamd.geo.borders import load_countries

    acm = scenario.airspace
    known = set(load_countries().codes)
    friendly = acm.friendly_nations
    for key, codes in (
        ("friendly_nations", friendly or []),
        ("hostile_nations", acm.hostile_nations),
    ):
        for i, code in enumerate(codes):
            if code not in known:
                raise _fail(
                    source,
                    lines,
                    ("airspace", key, i),
                    f"no country with that ADM0_A3 code in the borders data (got {code!r})",
                )
    friends = set(friendly) if friendly is not None else {n.code for n in scenario.nations}
    for i, code in enumerate(acm.hostile_nations):
        if code in friends:
            raise _fail(
                source,
                lines,
                ("airspace", "hostile_nations", i),
                f"a nation cannot be both friendly and hostile (got {code!r})",
            )
    assets = [a.name for a in scenario.assets]
    for section in ("launch_areas", "protected_zones", "corridors"):
        seen: list[str] = []
        for i, item in enumerate(getattr(acm, section)):
            if item.name in seen:
                raise _fail(
                    source,
                    lines,
                    ("airspace", section, i, "name"),
                    f"duplicate name (got {item.name!r})",
                )
            seen.append(item.name)
    for i, z in enumerate(acm.protected_zones):
        if z.asset is not None and z.asset not in assets:
            raise _fail(
                source,
                lines,
                ("airspace", "protected_zones", i, "asset"),
                f"no defended asset of that name (got {z.asset!r}; "
                f"allowed: {', '.join(sorted(assets)) or 'none declared'})",
            )
    airways = [f"{w.origin}-{w.destination}" for w in scenario.civil_traffic.airways]
    plan_ids: list[str] = []
    for i, fp in enumerate(acm.flight_plans):
        if fp.id in plan_ids:
            raise _fail(
                source,
                lines,
                ("airspace", "flight_plans", i, "id"),
                f"duplicate id (got {fp.id!r})",
            )
        plan_ids.append(fp.id)
        if fp.airway is not None and fp.airway not in airways:
            raise _fail(
                source,
                lines,
                ("airspace", "flight_plans", i, "airway"),
                f"no airway of that name in civil_traffic.airways (got {fp.airway!r}; "
                f"allowed: {', '.join(sorted(set(airways))) or 'none declared'}, or give "
                "`route` as waypoints)",
            )


def _check_general_aviation(
    scenario: Scenario,
    catalog: Catalog,
    source: str,
    lines: dict[PathKey, int],
    ids: dict[str, PathKey],
) -> None:
    """Cross-check ``civil_traffic.general_aviation``: unique ids (among every other id of the
    scenario), civil types, areas in the theatre box, flights that do not all end before t = 0
    (a set may start after the end of the run, as a raid may, e.g. in a shortened copy)."""
    theatre = scenario.theatre
    civil = sorted(k for k, t in catalog.threats.items() if t.threat_class == "airliner")
    ids = dict(ids)
    for i, ga in enumerate(scenario.civil_traffic.general_aviation):
        at: PathKey = ("civil_traffic", "general_aviation", i)
        if ga.id in ids:
            raise _fail(
                source,
                lines,
                (*at, "id"),
                f"duplicate id, already used at {format_path(ids[ga.id])} (got {ga.id!r})",
            )
        ids[ga.id] = (*at, "id")
        if ga.type not in catalog.threats or (
            catalog.threats[ga.type].threat_class != ThreatClass.AIRLINER
        ):
            raise _fail(
                source,
                lines,
                (*at, "type"),
                f"not a civil aircraft type (got {ga.type!r}; allowed: {', '.join(civil)})",
            )
        if not (
            theatre.lat_min_deg <= ga.area.lat_deg <= theatre.lat_max_deg
            and theatre.lon_min_deg <= ga.area.lon_deg <= theatre.lon_max_deg
        ):
            raise _fail(
                source,
                lines,
                (*at, "area"),
                f"outside the theatre box lat_deg {theatre.lat_min_deg}..{theatre.lat_max_deg}, "
                f"lon_deg {theatre.lon_min_deg}..{theatre.lon_max_deg} (got lat_deg "
                f"{ga.area.lat_deg}, lon_deg {ga.area.lon_deg})",
            )
        if ga.duration_s is not None and ga.start_s + ga.duration_s <= 0.0:
            raise _fail(
                source,
                lines,
                (*at, "duration_s"),
                f"the flights end before t = 0: start_s + duration_s must be > 0 (got "
                f"{ga.start_s:g} + {ga.duration_s:g})",
            )


def _check_recorded(
    scenario: Scenario, catalog: Catalog, source: str, lines: dict[PathKey, int]
) -> None:
    """Cross-check ``civil_traffic.recorded``: what can be checked without reading the files
    (their contents are read, and checked, by ``iamd.world.recorded``)."""
    nations = [n.code for n in scenario.nations]
    theatre = scenario.theatre
    airliners = sorted(k for k, t in catalog.threats.items() if t.threat_class == "airliner")
    for i, rec in enumerate(scenario.civil_traffic.recorded):
        at: PathKey = ("civil_traffic", "recorded", i)
        for key in ("file", "index"):
            name = getattr(rec, key)
            if name is None:
                continue
            path = resolve_data_path(source, name)
            if not path.exists():
                raise _fail(
                    source, lines, (*at, key), f"no such file (got {name!r}, looked for {path})"
                )
            if not path.is_file():
                raise _fail(source, lines, (*at, key), f"not a file (got {name!r}: {path})")
        if rec.flights is not None:
            for j, fid in enumerate(rec.flights):
                if fid in rec.flights[:j]:
                    raise _fail(
                        source, lines, (*at, "flights", j), f"duplicate flight (got {fid!r})"
                    )
        if rec.type not in catalog.threats or (
            catalog.threats[rec.type].threat_class != ThreatClass.AIRLINER
        ):
            raise _fail(
                source,
                lines,
                (*at, "type"),
                f"not an airliner type (got {rec.type!r}; allowed: {', '.join(airliners)})",
            )
        if rec.nation is not None and rec.nation not in nations:
            raise _fail(
                source,
                lines,
                (*at, "nation"),
                f"nation not declared under `nations` (got {rec.nation!r}; "
                f"declared: {', '.join(sorted(nations))})",
            )
        if rec.relocate is not None and not (
            theatre.lat_min_deg <= rec.relocate.lat_deg <= theatre.lat_max_deg
            and theatre.lon_min_deg <= rec.relocate.lon_deg <= theatre.lon_max_deg
        ):
            raise _fail(
                source,
                lines,
                (*at, "relocate"),
                f"outside the theatre box lat_deg {theatre.lat_min_deg}..{theatre.lat_max_deg}, "
                f"lon_deg {theatre.lon_min_deg}..{theatre.lon_max_deg} (got lat_deg "
                f"{rec.relocate.lat_deg}, lon_deg {rec.relocate.lon_deg})",
            )


def load_scenario_text(text: str, source: str) -> LoadedScenario:
    """Validate scenario text fully (schema, catalog overrides, references)."""
    scenario, lines = parse_scenario_text(text, source)
    try:
        overrides = {
            str(section): entries for section, entries in scenario.catalog_overrides.items()
        }
        catalog = builtin_catalog().with_overrides(overrides)
    except CatalogError as exc:
        path: PathKey = ("catalog_overrides",)
        msg = str(exc)
        parts = msg.split(":", 1)[0].split(".")
        if len(parts) >= 3:
            path = ("catalog_overrides", parts[1], parts[2], *parts[3:])
        named = msg.partition(": ")[2].split(" ", 1)[0].split(".")  # "pk.drone must be ..."
        if (*path, named[0]) in lines:  # a rule across fields: the line of the field it names
            path = (*path, *named)
        raise ScenarioError(f"{source}:{_line_of(lines, path)}: {msg}") from None
    check_references(scenario, catalog, source, lines)
    sha = hashlib.sha256(text.encode("utf-8")).hexdigest()
    return LoadedScenario(
        scenario=scenario, catalog=catalog, source=source, sha256=sha, lines=lines, text=text
    )


def builtin_scenario_text(name: str) -> str:
    """The YAML text of a built-in scenario."""
    if name not in BUILTIN_SCENARIOS:
        raise ScenarioError(
            f"unknown built-in scenario (got {name!r}; allowed: {', '.join(BUILTIN_SCENARIOS)})"
        )
    return resources.files("iamd.scenario").joinpath(f"theatres/{name}.yaml").read_text("utf-8")


def load_scenario(path_or_name: str | Path | None = None) -> LoadedScenario:
    """Load a scenario file, or a built-in scenario by name (default: ``balkans``).

    Raises ScenarioError (an InputError) with ``FILE:LINE: field: message (got VALUE)``.
    """
    if path_or_name is None:
        path_or_name = "balkans"
    if isinstance(path_or_name, str) and path_or_name in BUILTIN_SCENARIOS:
        return load_scenario_text(builtin_scenario_text(path_or_name), f"builtin:{path_or_name}")
    path = Path(path_or_name)
    if not path.exists():
        raise ScenarioError(
            f"{path}: no such file (give a scenario YAML file or one of: "
            f"{', '.join(BUILTIN_SCENARIOS)})"
        )
    if path.is_dir():
        raise ScenarioError(f"{path}: is a directory, not a scenario file")
    try:  # a regular file only (a FIFO would block), of at most MAX_YAML_CHARS bytes
        raw = read_input_bytes(path, "scenario", max_bytes=MAX_YAML_CHARS)
    except InputError as exc:
        raise ScenarioError(str(exc).removeprefix("scenario: ")) from None
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise ScenarioError(
            f"{path}: not a UTF-8 text file (byte {exc.start}: {raw[exc.start]:#04x})"
        ) from None
    return load_scenario_text(text, str(path))
