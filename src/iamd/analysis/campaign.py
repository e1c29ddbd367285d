"""A campaign: many runs on an executor, journalled as they finish, resumable, sorted at the end.

A campaign directory holds:

- ``campaign.json``: what the campaign is (kind, scenario source and SHA-256, seed, policies,
  parameters, runs, iamd version). ``--resume`` refuses a directory whose scenario hash, seed,
  policies or parameters differ from the command's.
- ``scenario.yaml``: the scenario text the runs used (byte for byte).
- ``runs.jsonl``: the journal, one JSON record per finished run, appended and flushed to disk
  as each run finishes, in completion order. It is the campaign's only state: the Parquet
  tables and the reports are rebuilt from it at the end.

A run is keyed by ``(run, policy, point)``. ``--resume`` reads the journal (a line cut short by
an interruption is dropped), runs only the missing keys and rebuilds the outputs; asking for
more runs than before extends the campaign, fewer restricts the outputs to the first runs.
A run that raised is a record like any other (``status = "error"``, with its seed): it is not
run again on resume, since the same seed gives the same error. A run whose worker process died
more often than the executor retries is recorded as ``WorkerLost: ...`` and, being no result
of the run itself, is run again on resume.

Outputs are sorted by ``(run, point, policy)`` and written with a fixed column order and
types, so they are identical, byte for byte, whatever the executor and number of workers.
"""

from __future__ import annotations

import hashlib
import json
import math
import os
from collections.abc import Callable, Hashable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any

import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

from iamd import __version__
from iamd.analysis.executors import Executor, InProcessExecutor, TaskLost
from iamd.analysis.params import Param, grid_points, point_label
from iamd.analysis.runs import (
    OUTCOME_FLOAT_COLUMNS,
    OUTCOME_INT_COLUMNS,
    POLICIES,
    run_one,
    run_seed,
)
from iamd.errors import InputError
from iamd.files import MAX_DATA_BYTES, loads_strict, read_input_bytes, write_atomic
from iamd.scenario.loader import (
    BUILTIN_SCENARIOS,
    LoadedScenario,
    builtin_scenario_text,
    load_scenario,
    load_scenario_text,
)

MANIFEST = "campaign.json"
JOURNAL = "runs.jsonl"
SCENARIO_COPY = "scenario.yaml"
FORMAT = "iamd-campaign/1"
MAX_RUNS = 100_000
"""Runs per policy (and grid point) at most: a 100,000-run campaign of the built-in theatre is
already about 300 CPU-hours; a typo of a few more digits should not start a year of work."""
LOST_PREFIX = "WorkerLost: "

ProgressFn = Callable[[int, int], None]
"""``progress(done, total)``: called once before the first run and after every run."""

Key = tuple[int, str, str]
"""A run's key: ``(run, policy, point label)``."""


@dataclass(frozen=True, slots=True, kw_only=True)
class ScenarioSource:
    """A scenario's YAML text and its name for messages (file name or ``builtin:NAME``)."""

    text: str
    source: str

    @property
    def sha256(self) -> str:
        """SHA-256 (hex) of the text's UTF-8 bytes, as recorded by ``iamd run``."""
        return hashlib.sha256(self.text.encode("utf-8")).hexdigest()


def scenario_source(scenario: str | Path | ScenarioSource | None) -> ScenarioSource:
    """The text of a scenario file, of a built-in scenario by name (default ``balkans``).

    Raises ScenarioError (an InputError) as ``iamd run`` does for a bad file.
    """
    if isinstance(scenario, ScenarioSource):
        return scenario
    if scenario is None:
        scenario = "balkans"
    if isinstance(scenario, str) and scenario in BUILTIN_SCENARIOS:
        return ScenarioSource(text=builtin_scenario_text(scenario), source=f"builtin:{scenario}")
    loaded = load_scenario(scenario)  # the loader's messages for missing / unreadable files
    text = Path(scenario).read_bytes().decode("utf-8")
    return ScenarioSource(text=text, source=loaded.source)


@dataclass(frozen=True, slots=True, kw_only=True)
class CampaignSpec:
    """What a campaign runs: ``runs`` runs of every policy at every parameter point."""

    kind: str
    scenario: ScenarioSource
    policies: tuple[str, ...]
    runs: int
    seed: int
    params: tuple[Param, ...] = ()

    def points(self) -> list[dict[str, str]]:
        """The parameter points (``[{}]`` without parameters)."""
        return grid_points(self.params)

    def identity(self) -> dict[str, Any]:
        """The fields that a resumed campaign must share with the directory's."""
        return {
            "kind": self.kind,
            "scenario_sha256": self.scenario.sha256,
            "seed": self.seed,
            "policies": list(self.policies),
            "params": [{"path": p.path, "values": list(p.values)} for p in self.params],
        }


@dataclass(frozen=True, slots=True, kw_only=True)
class CampaignRun:
    """The records of a finished campaign, and what this invocation did.

    Attributes:
        records: one row per run × policy × point, sorted, every column (see ``columns``).
        table: the same as an Arrow table with the fixed schema (what the Parquet holds).
        columns: the output columns in order (run, [point, parameters], policy, seed, status,
            error, outcome figures, ``hit_<asset>``).
        errors: the failed runs: run, point, policy, seed, error.
        ran: runs executed by this invocation.
        resumed: runs found in the journal.
        loaded: the scenario (without overrides), for labels.
    """

    records: pd.DataFrame
    table: pa.Table
    columns: tuple[str, ...]
    errors: pd.DataFrame
    ran: int
    resumed: int
    loaded: LoadedScenario
    out_dir: Path
    spec: CampaignSpec
    elapsed_s: list[float] = field(default_factory=list)


def check_policies(policies: Sequence[str]) -> tuple[str, ...]:
    """The policies as a tuple; InputError for an empty list, an unknown or repeated name."""
    allowed = ", ".join(POLICIES)
    if not policies:
        raise InputError(f"--policies: give at least one policy (allowed: {allowed})")
    seen: list[str] = []
    for p in policies:
        if p not in POLICIES:
            raise InputError(f"--policies: unknown policy {p!r} (allowed: {allowed})")
        if p in seen:
            raise InputError(f"--policies: policy {p!r} given twice")
        seen.append(p)
    return tuple(seen)


def check_runs(runs: int) -> int:
    """``runs`` if within [1, ``MAX_RUNS``], else InputError."""
    if isinstance(runs, bool) or not isinstance(runs, int) or not 1 <= runs <= MAX_RUNS:
        raise InputError(f"--runs must be an integer in [1, {MAX_RUNS}] (got {runs!r})")
    return runs


def check_seed(seed: int) -> int:
    """``seed`` if a non-negative integer, else InputError."""
    if isinstance(seed, bool) or not isinstance(seed, int) or seed < 0:
        raise InputError(f"--seed must be a non-negative integer (got {seed!r})")
    return seed


def output_columns(spec: CampaignSpec, loaded: LoadedScenario) -> tuple[str, ...]:
    """The columns of the Parquet table, in order."""
    head: list[str] = ["run"]
    if spec.kind == "sweep":
        head += ["point", *(p.path for p in spec.params)]
    head += ["policy", "seed", "status", "error"]
    hits = [f"hit_{a.name}" for a in loaded.scenario.assets]
    return (*head, *OUTCOME_INT_COLUMNS, *OUTCOME_FLOAT_COLUMNS, *hits)


def run_campaign(
    spec: CampaignSpec,
    out_dir: Path,
    executor: Executor | None = None,
    resume: bool = False,
    progress: ProgressFn | None = None,
) -> CampaignRun:
    """Run every missing ``(run, policy, point)`` of ``spec``, journalling into ``out_dir``.

    The scenario (and every parameter point) must already have been checked.
    """
    loaded = load_scenario_text(spec.scenario.text, spec.scenario.source)
    out_dir = Path(out_dir)
    _prepare_dir(spec, out_dir, resume)
    journal = Journal(out_dir / JOURNAL)
    points = spec.points()
    labels = [point_label(p) for p in points]
    wanted: list[Key] = [
        (r, pol, lab) for r in range(spec.runs) for lab in labels for pol in spec.policies
    ]
    wanted_set = set(wanted)
    done = {k: rec for k, rec in journal.read().items() if k in wanted_set and not is_lost(rec)}
    todo = [k for k in wanted if k not in done]
    total = len(wanted)
    if progress is not None:
        progress(len(done), total)
    by_label = dict(zip(labels, points, strict=True))
    tasks: list[tuple[Hashable, tuple[Any, ...]]] = [
        (
            k,
            (spec.scenario.text, spec.scenario.source, k[1], k[0], spec.seed, by_label[k[2]]),
        )
        for k in todo
    ]
    ex: Executor = executor if executor is not None else InProcessExecutor()
    ran = 0
    for key, result in ex.map_unordered(run_one, tasks):
        assert isinstance(key, tuple)
        run, pol, lab = int(key[0]), str(key[1]), str(key[2])
        if isinstance(result, TaskLost):
            result = _lost_record(run, pol, lab, by_label[lab], spec.seed, result.message)
        journal.append(result)
        done[(run, pol, lab)] = result
        ran += 1
        if progress is not None:
            progress(len(done), total)
    records = [done[k] for k in wanted]  # sorted by (run, point, policy)
    columns = output_columns(spec, loaded)
    table = records_table(records, columns)
    frame = table.to_pandas()
    errors = frame.loc[
        frame["status"] != "ok",
        [c for c in ("run", "point", "policy", "seed", "error") if c in frame.columns],
    ].reset_index(drop=True)
    return CampaignRun(
        records=frame,
        table=table,
        columns=columns,
        errors=errors,
        ran=ran,
        resumed=len(wanted) - ran,
        loaded=loaded,
        out_dir=out_dir,
        spec=spec,
        elapsed_s=[float(r.get("elapsed_s") or 0.0) for r in records],
    )


def records_table(records: Sequence[dict[str, Any]], columns: Sequence[str]) -> pa.Table:
    """The records as an Arrow table with a fixed schema (the Parquet layout)."""
    arrays = []
    fields = []
    for col in columns:
        typ = _column_type(col)
        values = [_cell(r.get(col), typ) for r in records]
        arrays.append(pa.array(values, type=typ))
        fields.append(pa.field(col, typ))
    return pa.Table.from_arrays(arrays, schema=pa.schema(fields))


def write_parquet(run: CampaignRun, name: str) -> Path:
    """Write the sorted records to ``out_dir/name`` (atomically); the provenance is stored
    in the file's key-value metadata (``iamd.*``)."""
    meta = {
        "iamd.version": __version__,
        "iamd.kind": run.spec.kind,
        "iamd.scenario_source": run.spec.scenario.source,
        "iamd.scenario_sha256": run.spec.scenario.sha256,
        "iamd.seed": str(run.spec.seed),
        "iamd.runs": str(run.spec.runs),
        "iamd.policies": ",".join(run.spec.policies),
        "iamd.params": json.dumps([[p.path, list(p.values)] for p in run.spec.params]),
    }
    table = run.table.replace_schema_metadata({k.encode(): v.encode() for k, v in meta.items()})
    path = run.out_dir / name
    _atomic(path, lambda fh: pq.write_table(table, fh))
    return path


def write_text(path: Path, text: str) -> Path:
    """Write ``text`` (UTF-8) to ``path`` atomically."""
    _atomic(path, lambda fh: fh.write(text.encode("utf-8")))
    return path


class Journal:
    """The append-only JSON-lines journal of finished runs (``runs.jsonl``)."""

    def __init__(self, path: Path) -> None:
        self.path = Path(path)

    def read(self) -> dict[Key, dict[str, Any]]:
        """The records by key (the first of duplicates); a torn last line is cut off."""
        if not self.path.exists():
            return {}
        raw = read_input_bytes(self.path, "--resume", max_bytes=MAX_DATA_BYTES)
        out: dict[Key, dict[str, Any]] = {}
        offset = 0
        lines = raw.split(b"\n")
        for lineno, line in enumerate(lines, start=1):
            start = offset
            offset += len(line) + 1
            if not line.strip():
                continue
            is_last = lineno == len(lines)  # no newline after it: maybe cut short
            try:
                rec = loads_strict(line, f"{self.path}:{lineno}")
                key = (int(rec["run"]), str(rec["policy"]), str(rec["point"]))
            except (InputError, ValueError, KeyError, TypeError):
                if is_last:
                    with self.path.open("r+b") as fh:  # an interrupted write: drop it
                        fh.truncate(start)
                    break
                raise InputError(
                    f"{self.path}:{lineno}: not a run record (a JSON object with run, policy "
                    f"and point); remove the line to resume"
                ) from None
            problem = _record_problem(rec)
            if problem:
                raise InputError(
                    f"{self.path}:{lineno}: {problem}; remove the line to resume (the run is "
                    f"then run again)"
                )
            if is_last:  # complete but unterminated: terminate it before appending
                with self.path.open("ab") as fh:
                    fh.write(b"\n")
            if key not in out or (is_lost(out[key]) and not is_lost(rec)):
                out[key] = rec
        return out

    def append(self, record: dict[str, Any]) -> None:
        """Append one record and flush it to disk."""
        line = json.dumps(_json_safe(record), ensure_ascii=False, allow_nan=False) + "\n"
        with self.path.open("a", encoding="utf-8") as fh:
            fh.write(line)
            fh.flush()
            os.fsync(fh.fileno())


# --- helpers -----------------------------------------------------------------------------------


def _prepare_dir(spec: CampaignSpec, out: Path, resume: bool) -> None:
    if out.exists() and not out.is_dir():
        raise InputError(f"--out: {out} exists and is not a directory")
    manifest = out / MANIFEST
    journal = out / JOURNAL
    if resume and manifest.exists():
        try:
            old = loads_strict(read_input_bytes(manifest, "--resume"), str(manifest))
        except InputError as exc:
            raise InputError(
                f"--resume: {str(exc).removeprefix('--resume: ')}; the campaign's manifest is "
                f"damaged: start again in another --out"
            ) from None
        if not isinstance(old, dict):
            raise InputError(
                f"--resume: {manifest}: not a campaign manifest (a JSON object); start again "
                f"in another --out"
            )
        problem = _manifest_problem(old)
        if problem:
            raise InputError(
                f"--resume: {manifest}: {problem}; the campaign's manifest is damaged: start "
                f"again in another --out"
            )
        mine = spec.identity()
        diffs = [
            f"{k} {_short(old.get(k))} there, {_short(v)} here"
            for k, v in mine.items()
            if old.get(k) != v
        ]
        if diffs:
            raise InputError(
                f"--resume: {out} holds a different campaign ({'; '.join(diffs)}); "
                f"use another --out, or the same scenario, seed, policies and parameters"
            )
        if journal.exists() or journal.is_symlink():  # every line checked before any write
            Journal(journal).read()
    elif resume and journal.exists():
        raise InputError(f"--resume: {out} has {JOURNAL} but no {MANIFEST}; cannot check it")
    elif not resume and (manifest.exists() or journal.exists()):
        raise InputError(
            f"--out: {out} already holds a campaign ({MANIFEST}, {JOURNAL}); continue it with "
            f"--resume, or choose another --out"
        )
    try:
        out.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise InputError(f"--out: cannot create {out} ({exc.strerror})") from None
    data = {
        "format": FORMAT,
        **spec.identity(),
        "scenario_source": spec.scenario.source,
        "runs": spec.runs,
        "iamd_version": __version__,
    }
    write_text(manifest, json.dumps(data, indent=2) + "\n")
    copy = out / SCENARIO_COPY
    if not copy.exists() or copy.read_text(encoding="utf-8") != spec.scenario.text:
        write_text(copy, spec.scenario.text)


def _manifest_problem(doc: dict[str, Any]) -> str:
    """What is wrong with the fields of a manifest that no comparison checks (``""`` if
    nothing): its format, and ``runs``, a whole number in [1, ``MAX_RUNS``] (not a boolean
    or a string)."""
    if doc.get("format") != FORMAT:
        return f"format must be {FORMAT!r} (got {_short(doc.get('format'))})"
    runs = doc.get("runs")
    if isinstance(runs, bool) or not isinstance(runs, int) or not 1 <= runs <= MAX_RUNS:
        return f"runs must be a whole number in [1, {MAX_RUNS}] (got {_short(runs)})"
    for key in ("scenario_source", "iamd_version"):
        if not isinstance(doc.get(key), str):
            return f"{key} must be a string (got {_short(doc.get(key))})"
    return ""


def _record_problem(rec: Any) -> str:
    """What is wrong with a journal record (``""`` if nothing): each known field of its type,
    integers within 64 bits, floats finite or null."""
    if not isinstance(rec, dict):
        return "not a run record (a JSON object)"
    for col in ("run", "seed", *OUTCOME_INT_COLUMNS):
        v = rec.get(col)
        if col in ("run", "seed") and v is None:
            return f"{col}: missing"
        if v is not None and (isinstance(v, bool) or not isinstance(v, int) or not 0 <= v < 2**63):
            return f"{col}: not an integer within [0, 2^63) (got {_short(v)})"
    for col in ("policy", "point", "status", "error"):
        if col in rec and not isinstance(rec[col], str):
            return f"{col}: not a string (got {_short(rec[col])})"
    if rec.get("status") not in ("ok", "error"):
        return f"status: ok or error (got {_short(rec.get('status'))})"
    for col in OUTCOME_FLOAT_COLUMNS:
        v = rec.get(col)
        if v is not None and (isinstance(v, bool) or not isinstance(v, int | float)):
            return f"{col}: not a number (got {_short(v)})"
    for col, v in rec.items():
        if str(col).startswith("hit_") and v is not None and not isinstance(v, bool):
            return f"{col}: not true/false (got {_short(v)})"
    return ""


def is_lost(record: dict[str, Any]) -> bool:
    """A record of a run that never finished because its worker died (rerun on resume)."""
    return str(record.get("error", "")).startswith(LOST_PREFIX)


def _lost_record(
    run: int, policy: str, label: str, point: dict[str, str], base_seed: int, message: str
) -> dict[str, Any]:
    return {
        "run": run,
        "policy": policy,
        "point": label,
        "seed": run_seed(base_seed, run),
        **point,
        "status": "error",
        "error": f"{LOST_PREFIX}{message}",
        "elapsed_s": None,
    }


def _column_type(col: str) -> pa.DataType:
    if col in ("run", "seed") or col in OUTCOME_INT_COLUMNS:
        return pa.int64()
    if col in OUTCOME_FLOAT_COLUMNS:
        return pa.float64()
    if col.startswith("hit_"):
        return pa.bool_()
    return pa.string()


def _cell(value: Any, typ: pa.DataType) -> Any:
    if value is None:
        return None
    if pa.types.is_floating(typ):
        v = float(value)
        return None if math.isnan(v) else v
    if pa.types.is_integer(typ):
        return int(value)
    if pa.types.is_boolean(typ):
        return bool(value)
    return str(value)


def _json_safe(record: dict[str, Any]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for k, v in record.items():
        if isinstance(v, float) and math.isnan(v):
            v = None
        elif hasattr(v, "item"):  # numpy scalars
            v = v.item()
        out[k] = v
    return out


def _short(v: Any) -> str:
    text = json.dumps(v)
    return text if len(text) <= 40 else text[:37] + "..."


def _atomic(path: Path, write: Callable[[IO[bytes]], object]) -> None:
    """Write via an unpredictable temporary file beside ``path`` (never following a link
    planted there), then rename it into place (``iamd.files.write_atomic``)."""
    write_atomic(path, write)
