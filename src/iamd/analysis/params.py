"""Parameter paths into a scenario: ``--param PATH=V1,V2`` for sweeps.

A path names one field of the scenario file, or one item of a list, with the keys written in
the YAML joined by dots. List items are addressed by their ``id`` (sensors, effectors, raids,
patrols), ``name`` (assets) or ``code`` (nations), or by position as ``[N]`` (0-based; airways
have no id). ``catalog_overrides`` paths name a catalog section, a catalog type and a field of
that type, exactly as the scenario's ``catalog_overrides`` block would (the block is created
when the file has none). Examples::

    duration_s=1200,1800
    raids.mrbm_constanta.count=2,4,8
    raids.mrbm_constanta.launch.radius_km=10,40
    catalog_overrides.effectors.pac3_mse.pk.ballistic_missile=0.5,0.7,0.9
    civil_traffic.airways[0].flights=1,3
    effectors.gr_patriot_north=present,absent

Values are read as YAML scalars (``4`` an integer, ``0.5`` a float, ``true`` a boolean,
anything else a string). A path that ends at a list item takes ``present`` or ``absent``:
``absent`` removes the unit from the file (which battery is lent elsewhere); when a unit is
absent, other parameters that set its fields are ignored at that grid point.

Every path and value is checked against the schema and the scenario before anything runs
(``check_params``): the path must lead to a field of the schema and to an existing item, and
each value, and each combination of values, must give a scenario that loads. A message names
the flag, the value, the place as the user wrote it (the ``--param`` path, or list items by
their id, never by a position in the rewritten file) and what is allowed, e.g.
``--param raids.mrbm_sofia.count=0,2: value '0': raids.mrbm_sofia.count: Input should be
greater than or equal to 1 (got 0)``.

``seed`` and ``policy`` are not parameters (``--seed``, ``--policies``), nor are whole
``assets`` and ``nations`` (the outcome columns depend on them).
"""

from __future__ import annotations

import itertools
import math
import re
import types
import typing
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from enum import Enum
from functools import lru_cache
from typing import Any

import yaml
from pydantic import BaseModel

from iamd.errors import InputError, ScenarioError
from iamd.files import cut
from iamd.scenario.catalog import EffectorType, SensorType, ThreatType, builtin_catalog
from iamd.scenario.loader import WORD_FIELDS, LoadedScenario, load_scenario_text, scenario_data
from iamd.scenario.schema import Scenario

PRESENT, ABSENT = "present", "absent"
#: The longest value of a ``--param`` and the most points of a grid.
MAX_VALUE_CHARS = 200
MAX_GRID_POINTS = 10_000
FORBIDDEN_PATHS = {"seed": "--seed", "policy": "--policies"}
NO_REMOVAL = ("assets", "nations")
_ITEM_KEYS = ("id", "name", "code")
_CATALOG_MODELS: dict[str, type[BaseModel]] = {
    "sensors": SensorType,
    "effectors": EffectorType,
    "threats": ThreatType,
}
_SEGMENT = re.compile(r"^([^.\[\]]*)((?:\[\d+\])*)$")


@dataclass(frozen=True, slots=True, kw_only=True)
class Param:
    """One ``--param PATH=V1,V2,...`` flag: a path and its values, as written."""

    path: str
    values: tuple[str, ...]

    @property
    def flag(self) -> str:
        """The flag as written, for messages."""
        return f"--param {self.path}={','.join(self.values)}"


def parse_param(text: str) -> Param:
    """Parse ``PATH=V1,V2`` (one ``--param`` flag); InputError naming the flag otherwise.

    >>> parse_param("raids.mrbm_sofia.count=2,4")
    Param(path='raids.mrbm_sofia.count', values=('2', '4'))
    """
    path, eq, rest = text.partition("=")
    path = path.strip()
    if not eq or not path:
        raise InputError(
            f"--param {text!r}: expected PATH=V1,V2,... (e.g. raids.mrbm_sofia.count=2,4,8 "
            f"or effectors.gr_patriot_north=present,absent)"
        )
    values = tuple(v.strip() for v in rest.split(","))
    if any(not v for v in values):
        raise InputError(f"--param {text!r}: empty value (give V1,V2,... without empty items)")
    dup = sorted({v for v in values if values.count(v) > 1})
    if dup:
        raise InputError(f"--param {text!r}: value {dup[0]!r} given twice")
    for v in values:
        if len(v) > MAX_VALUE_CHARS:
            raise InputError(
                f"--param {cut(text)}: a value of {len(v):,} characters (at most {MAX_VALUE_CHARS})"
            )
        if ";" in v or "=" in v:  # a point's label is `path=value; path=value`, one per point
            raise InputError(
                f"--param {cut(text)}: value {cut(v, 40)!r} holds {';' if ';' in v else '='}; "
                f"a value has neither ';' nor '=' (they separate the grid point labels)"
            )
    return Param(path=path, values=values)


def grid_points(params: Sequence[Param]) -> list[dict[str, str]]:
    """Every combination of the parameters' values, the last parameter varying fastest.

    >>> grid_points([Param(path="a", values=("1", "2")), Param(path="b", values=("x",))])
    [{'a': '1', 'b': 'x'}, {'a': '2', 'b': 'x'}]
    """
    if not params:
        return [{}]
    return [
        dict(zip([p.path for p in params], combo, strict=True))
        for combo in itertools.product(*(p.values for p in params))
    ]


def point_label(overrides: Mapping[str, str]) -> str:
    """The canonical label of a parameter point: ``path=value; path=value`` (``""`` if none).

    >>> point_label({"duration_s": "600", "effectors.gr_patriot_north": "absent"})
    'duration_s=600; effectors.gr_patriot_north=absent'
    """
    return "; ".join(f"{k}={v}" for k, v in overrides.items())


def apply_overrides(text: str, source: str, overrides: Mapping[str, str]) -> str:
    """The scenario YAML ``text`` with ``overrides`` (path -> value as written) applied.

    Raises InputError naming the path when a path does not lead into the scenario.
    """
    if not overrides:
        return text
    return _dump(_rewrite(text, source, overrides).data)


def load_with_overrides(text: str, source: str, overrides: Mapping[str, str]) -> LoadedScenario:
    """Load ``text`` with ``overrides`` applied; a bad value is an InputError naming it.

    The loader names a bad field by its place in the rewritten file (``effectors[0].magazine``,
    a position that shifts when a unit is absent). The message names it as the user wrote
    it instead: the ``--param`` path when the field is one a parameter sets, else the path
    with every list item named by its ``id``/``name``/``code`` in the original file
    (``effectors.gr_patriot_north.magazine``; positions stay for items without one). The
    loaded scenario keeps the hash of the original text when there are no overrides.
    """
    if not overrides:
        return load_scenario_text(text, source)
    rewritten = _rewrite(text, source, overrides)
    label = point_label(overrides)
    try:
        return load_scenario_text(_dump(rewritten.data), source)
    except ScenarioError as exc:
        reason = _user_paths(_strip_place(str(exc), source), rewritten)
        raise InputError(f"--param {label}: {reason}") from None


def check_params(text: str, source: str, params: Sequence[Param]) -> None:
    """Check every path, every value and every combination before a sweep runs anything.

    Raises InputError naming the flag, the path and the value, and what is allowed.
    """
    n_points = math.prod(len(p.values) for p in params)
    if n_points > MAX_GRID_POINTS:  # each point is loaded below, and run --runs times
        raise InputError(
            f"--param: a grid of {n_points:,} points (at most {MAX_GRID_POINTS:,}); give "
            f"fewer values"
        )
    seen: set[str] = set()
    for p in params:
        if p.path in seen:
            raise InputError(f"{p.flag}: the path {p.path} is given by two --param flags")
        seen.add(p.path)
    base = scenario_data(text, source)
    for p in params:
        try:
            target = _locate(base, p.path, create=False)
        except InputError as exc:
            raise InputError(f"{p.flag}: {exc}") from None
        if target.item is not None:
            bad = [v for v in p.values if v not in (PRESENT, ABSENT)]
            if bad:
                raise InputError(
                    f"{p.flag}: {p.path} is a list item; its values are {PRESENT} or {ABSENT} "
                    f"(got {bad[0]!r})"
                )
        else:
            for v in p.values:
                if v in (PRESENT, ABSENT):
                    raise InputError(
                        f"{p.flag}: {v} applies to a list item (a unit by its id), not to the "
                        f"field {p.path} (got {v!r})"
                    )
        for v in p.values:
            try:
                _check_point(text, source, ((p.path, v),))
            except InputError as exc:
                msg = str(exc).removeprefix(f"--param {p.path}={v}: ")
                raise InputError(f"{p.flag}: value {v!r}: {msg}") from None
    if len(params) > 1:
        for point in grid_points(params):
            try:
                _check_point(text, source, tuple(point.items()))
            except InputError as exc:
                msg = str(exc).removeprefix("--param ")
                raise InputError(f"--param combination {msg}") from None


@lru_cache(maxsize=1024)
def _check_point(text: str, source: str, overrides: tuple[tuple[str, str], ...]) -> None:
    """Load one parameter point (cached: a checked point is not loaded twice)."""
    load_with_overrides(text, source, dict(overrides))


# --- rewriting the file -----------------------------------------------------------------------


@dataclass(slots=True)
class _Rewritten:
    """The scenario data with overrides applied, and how to name its places as the user does.

    Attributes:
        data: the YAML data, changed in place (the same objects as parsed).
        names: ``id(item) -> its id, name or code`` for every list item of the original file
            that has one (taken before any override, so a renamed unit keeps its name).
        fields: ``(id(mapping), key) -> --param path`` of every field a parameter sets.
    """

    data: Any
    names: dict[int, str]
    fields: dict[tuple[int, str | int], str]


def _rewrite(text: str, source: str, overrides: Mapping[str, str]) -> _Rewritten:
    data = scenario_data(text, source)  # `transponder: on` stays the word (YAML 1.1: true)
    if not isinstance(data, dict):
        raise ScenarioError(f"{source}: the scenario must be a mapping of fields")
    names = _item_names(data)
    removals: list[tuple[list[Any], Any]] = []
    sets: list[tuple[Any, str | int, Any, list[Any]]] = []
    fields: dict[tuple[int, str | int], str] = {}
    for path, value in overrides.items():
        target = _locate(data, path, create=True)
        if target.item is not None:
            if value not in (PRESENT, ABSENT):
                raise InputError(
                    f"--param {path}={value}: {path} is a list item; its values are "
                    f"{PRESENT} or {ABSENT} (got {value!r})"
                )
            if value == ABSENT:
                removals.append((target.parent, target.item))
        else:
            sets.append((target.parent, target.key, _scalar(path, value), target.items))
            fields[(id(target.parent), target.key)] = path
    removed = [id(item) for _, item in removals]
    for parent, key, value, items in sets:
        if not any(id(i) in removed for i in items):  # fields of an absent unit are moot
            parent[key] = value
    for lst, item in removals:
        for i, x in enumerate(lst):
            if x is item:
                del lst[i]
                break
    return _Rewritten(data=data, names=names, fields=fields)


def _dump(data: Any) -> str:
    return yaml.safe_dump(data, sort_keys=False, allow_unicode=True, width=1000)


def _item_names(node: Any) -> dict[int, str]:
    """``id(item) -> id/name/code`` of every list item (at any depth) that has one."""
    out: dict[int, str] = {}
    stack = [node]
    while stack:
        n = stack.pop()
        if isinstance(n, dict):
            stack.extend(n.values())
        elif isinstance(n, list):
            for item in n:
                if isinstance(item, dict):
                    key = next((k for k in _ITEM_KEYS if item.get(k) is not None), None)
                    if key is not None:
                        out[id(item)] = str(item[key])
                stack.append(item)
    return out


_POSITIONAL = re.compile(r"(?<![\w.\]])[A-Za-z_]\w*(?:\.\w+|\[\d+\])*\[\d+\](?:\.\w+|\[\d+\])*")


def _user_paths(msg: str, rewritten: _Rewritten) -> str:
    """Every positional path in a loader message (``raids[2].count``) named as the user would
    (``raids.mrbm_sofia.count``, or the ``--param`` path that sets that field)."""
    return _POSITIONAL.sub(lambda m: _user_path(m.group(0), rewritten), msg)


def _user_path(path: str, rewritten: _Rewritten) -> str:
    parts: list[str | int] = []
    for key, index in re.findall(r"([A-Za-z_]\w*)|\[(\d+)\]", path):
        parts.append(key if key else int(index))
    node: Any = rewritten.data
    out = ""
    for part in parts:
        parent = node
        if isinstance(part, int):
            if not isinstance(node, list) or part >= len(node):
                return path  # not a place in the file: leave the text alone
            node = node[part]
            name = rewritten.names.get(id(node))
            out += f"[{part}]" if name is None else f".{name}"
        else:
            if not isinstance(node, dict) or part not in node:
                return path
            node = node[part]
            out += f".{part}" if out else part
        user = rewritten.fields.get((id(parent), part))
        if user is not None:
            out = user
    return out


# --- path resolution --------------------------------------------------------------------------


@dataclass(slots=True)
class _Target:
    """Where a path leads: ``parent[key]`` (a field), or ``item`` within the list ``parent``."""

    parent: Any
    key: str | int
    item: Any
    items: list[Any]  # the list items passed on the way (for "fields of an absent unit")


def _tokens(path: str) -> list[str | int]:
    """``civil_traffic.airways[0].flights`` -> ``["civil_traffic", "airways", 0, "flights"]``."""
    out: list[str | int] = []
    for seg in path.split("."):
        m = _SEGMENT.match(seg)
        if m is None or (not m.group(1) and not m.group(2)):
            raise InputError(
                f"malformed path {path!r} (keys joined by dots, list positions as [N], "
                f"e.g. raids.mrbm_sofia.count or civil_traffic.airways[0].flights)"
            )
        if m.group(1):
            out.append(m.group(1))
        out += [int(i) for i in re.findall(r"\[(\d+)\]", m.group(2))]
    return out


def _locate(data: Any, path: str, *, create: bool) -> _Target:
    """Follow ``path`` through the scenario data and its schema at once."""
    toks = _tokens(path)
    if toks and toks[0] in FORBIDDEN_PATHS:
        raise InputError(
            f"{toks[0]} is not a sweep parameter (use {FORBIDDEN_PATHS[str(toks[0])]})"
        )
    schema: Any = Scenario
    node: Any = data
    where: list[str] = []
    items: list[Any] = []
    i = 0
    while i < len(toks):
        tok = toks[i]
        last = i == len(toks) - 1
        here = ".".join(where) or "(top)"
        origin = typing.get_origin(schema)
        if isinstance(schema, type) and issubclass(schema, BaseModel):
            if not isinstance(tok, str):
                raise InputError(f"{here} is not a list (got [{tok}])")
            fname = _field_name(schema, tok)
            if fname is None:
                allowed = ", ".join(_field_keys(schema))
                raise InputError(f"{here}: unknown field {tok!r} (allowed: {allowed})")
            sub = _unwrap(schema.model_fields[fname].annotation)
            where.append(tok)
            if last:
                return _Target(parent=node, key=tok, item=None, items=items)
            node = _child(node, tok, sub, create=create, here=".".join(where))
            schema = sub
            i += 1
        elif origin is list:
            (sub,) = typing.get_args(schema)
            sub = _unwrap(sub)
            if not isinstance(node, list) or not node:
                raise InputError(f"{here}: the scenario lists no items there")
            item, used = _select(node, toks[i:], here)
            items.append(item)
            where.append(".".join(map(str, toks[i : i + used])))
            i += used
            if i == len(toks):
                if where[0] in NO_REMOVAL:
                    raise InputError(
                        f"{'.'.join(where)}: {where[0]} cannot be present/absent (the outcome "
                        f"columns depend on them); name one of its fields"
                    )
                return _Target(parent=node, key=-1, item=item, items=items)
            node, schema = item, sub
        elif origin is dict:
            kt, vt = typing.get_args(schema)
            if not isinstance(tok, str):
                raise InputError(f"{here} is not a list (got [{tok}])")
            allowed_keys = _literal_values(kt)
            if allowed_keys is not None and tok not in allowed_keys:
                raise InputError(
                    f"{here}: unknown key {tok!r} (allowed: {', '.join(allowed_keys)})"
                )
            vt = _unwrap(vt)
            if len(where) == 2 and where[0] == "catalog_overrides":
                section = where[1]
                entries = getattr(builtin_catalog(), section)
                if tok not in entries:
                    raise InputError(
                        f"{here}: unknown {section[:-1]} type {tok!r} "
                        f"(allowed: {', '.join(sorted(entries))})"
                    )
                vt = _CATALOG_MODELS[section]
            where.append(tok)
            if last:
                return _Target(parent=node, key=tok, item=None, items=items)
            node = _child(node, tok, vt, create=create, here=".".join(where))
            schema = vt
            i += 1
        else:
            step = f"[{tok}]" if isinstance(tok, int) else repr(tok)
            raise InputError(f"{here} is a value, not a section (cannot go on to {step})")
    raise InputError("empty path")  # pragma: no cover - _tokens never returns []


def _child(node: Any, key: str, schema: Any, *, create: bool, here: str) -> Any:
    """``node[key]``; a missing mapping is created (or a stand-in given when not creating)."""
    if not isinstance(node, dict):
        raise InputError(f"{here}: the scenario has no mapping there")
    if key in node and node[key] is not None:
        return node[key]
    is_mapping = (isinstance(schema, type) and issubclass(schema, BaseModel)) or (
        typing.get_origin(schema) is dict
    )
    if not is_mapping:
        raise InputError(f"{here}: the scenario lists no items there")
    if create:
        node[key] = {}
        return node[key]
    return {}


def _select(items: list[Any], toks: list[str | int], here: str) -> tuple[Any, int]:
    """The list item named by the next token(s) (an id may contain dots) and tokens used."""
    first = toks[0]
    if isinstance(first, int):
        if first >= len(items):
            raise InputError(f"{here}: no item [{first}] (the list has {len(items)})")
        return items[first], 1
    keys = [str(k) for k in toks]
    for used in range(len(keys), 0, -1):
        if not all(isinstance(t, str) for t in toks[:used]):
            continue
        name = ".".join(keys[:used])
        for item in items:
            if isinstance(item, dict) and any(item.get(k) == name for k in _ITEM_KEYS):
                return item, used
    names = [
        str(next(item[k] for k in _ITEM_KEYS if k in item))
        for item in items
        if isinstance(item, dict) and any(k in item for k in _ITEM_KEYS)
    ]
    if not names:
        raise InputError(
            f"{here}: items there have no id; address them by position, e.g. {here}[0] "
            f"(got {first!r})"
        )
    raise InputError(f"{here}: no item with id {first!r} (allowed: {', '.join(names)})")


def _field_name(model: type[BaseModel], key: str) -> str | None:
    for fname, info in model.model_fields.items():
        if key == (info.alias or fname):
            return fname
        if key == fname and info.alias is None:
            return fname
    if key in model.model_fields and model.model_config.get("populate_by_name"):
        return key
    return None


def _field_keys(model: type[BaseModel]) -> list[str]:
    return [info.alias or fname for fname, info in model.model_fields.items()]


def _unwrap(annotation: Any) -> Any:
    """``X | None`` and ``Annotated[X, ...]`` -> ``X``."""
    while True:
        origin = typing.get_origin(annotation)
        if origin is typing.Annotated:
            annotation = typing.get_args(annotation)[0]
        elif origin in (typing.Union, types.UnionType):
            args = [a for a in typing.get_args(annotation) if a is not type(None)]
            if len(args) != 1:
                return annotation
            annotation = args[0]
        else:
            return annotation


def _literal_values(annotation: Any) -> list[str] | None:
    annotation = _unwrap(annotation)
    if typing.get_origin(annotation) is typing.Literal:
        return [str(a) for a in typing.get_args(annotation)]
    if isinstance(annotation, type) and issubclass(annotation, Enum):
        return [str(m.value) for m in annotation]
    return None


def _scalar(path: str, value: str) -> Any:
    """A value as written on the command line, read as a YAML scalar."""
    try:
        out = yaml.safe_load(value)
    except (yaml.YAMLError, RecursionError, ValueError):  # ValueError: int of > 4,300 digits
        return value
    if isinstance(out, dict | list):
        raise InputError(
            f"--param {path}={value}: {path} takes a single value (a number, true/false or a "
            f"word), not a YAML list or mapping (got {value!r})"
        )
    if isinstance(out, bool) and path.rsplit(".", 1)[-1] in WORD_FIELDS:
        return value  # `transponder=off`: the word, as the loader reads it in a file
    return value if out is None and value not in ("null", "~") else out


def _strip_place(msg: str, source: str) -> str:
    """``SOURCE:LINE: path: what`` -> ``path: what`` (lines of a rewritten file mislead)."""
    if msg.startswith(source + ":"):
        rest = msg[len(source) + 1 :]
        return re.sub(r"^\d+: ", "", rest)
    return msg
