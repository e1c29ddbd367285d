"""Hostile input against every command that reads a file, a stream or a flag.

Each case is a malformed input (a scenario, plots, tracks, a WTA problem, a campaign journal
or manifest, an ASTERIX recording, a node configuration, a flag) given to one ``iamd``
command in a subprocess of its own, in a fresh folder, under a time limit and an address-space
limit (``resource.setrlimit`` before ``exec``). The outcome is classified:

- ``clean``: exit 2, exactly one ``error: ...`` line of at most 500 characters on stderr, no
  traceback, and the folder exactly as it was (nothing written, nothing removed);
- ``ok``: exit 0 on a case that may be valid (a random mutation that still reads);
- ``accepted``: exit 0 on a case that is malformed by construction (a silent acceptance);
- ``unclear``: exit 2 but not one short ``error:`` line (several lines, or an uncut one);
- ``crash``: a traceback or an exit status other than 0 and 2;
- ``hang``: no exit within the time limit (the process group is killed);
- ``resource``: ``MemoryError``, an allocation failure or death by a signal;
- ``half-written``: a refusal that left files behind, or temporary files left after any exit.

Hand-made cases cover the known hostile inputs (alias bombs, deep nesting, FIFOs, devices,
gzip bombs, declared sizes of 10¹², NaN/Infinity/30-digit integers, outputs that are inputs,
directories or devices); random mutations of valid files are drawn with Hypothesis
(``derandomize=True``: the same cases on every run).

Usage::

    .venv/bin/python benchmarks/hostile/bench_hostile.py [--jobs 2] [--timeout 30]
        [--memory-gib 4] [--only run,validate] [--mutations 12] [--json failures.json]

It prints a table of counts per command and class and writes the failures (command, case,
argv, class, exit status, the last lines of stderr) as JSON.
"""

from __future__ import annotations

import argparse
import contextlib
import gzip
import json
import os
import re
import resource
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from collections import Counter, defaultdict
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st

HERE = Path(__file__).resolve().parent
ROOT = HERE.parents[1]
IAMD = str(Path(sys.executable).with_name("iamd"))
PCAP = Path("/work/shared/data/asterix/croatiacontrol/cat_034_048.pcap")
CLASSES = ("clean", "ok", "accepted", "unclear", "crash", "hang", "resource", "half-written")
FAILURES = ("accepted", "unclear", "crash", "hang", "resource", "half-written")

# ------------------------------------------------------------------------ valid inputs

TINY = """\
name: tiny
epoch: 2026-03-10T02:00:00Z
duration_s: 120
time_step_s: 2
nations:
  - {code: BGR, name: Bulgaria}
assets:
  - {name: npp, nation: BGR, lat_deg: 43.746, lon_deg: 23.771, kind: nuclear, value: 10}
sensors:
  - {id: gm, type: ground_master_400, nation: BGR, lat_deg: 43.60, lon_deg: 23.95, alt_m: 300}
effectors:
  - {id: sam, type: iris_t_slm, nation: BGR, lat_deg: 43.70, lon_deg: 23.80}
raids:
  - {id: d, type: shahed136, launch: {lat_deg: 43.62, lon_deg: 23.60}, aim: {asset: npp}}
"""

SENSORS = """\
system: {sac: 25, sic: 250}
sensors:
  - {sac: 25, sic: 11, name: a, lat_deg: 45.90, lon_deg: 15.95, alt_m: 1000,
     sigma_range_m: 70, sigma_az_mrad: 1.2}
  - {sac: 25, sic: 12, name: b, lat_deg: 43.572, lon_deg: 16.404, alt_m: 500,
     sigma_range_m: 70, sigma_az_mrad: 1.2}
  - {sac: 25, sic: 13, name: c, lat_deg: 45.39, lon_deg: 17.32, alt_m: 985,
     sigma_range_m: 70, sigma_az_mrad: 1.2}
  - {sac: 25, sic: 14, name: d, lat_deg: 45.29, lon_deg: 14.20, alt_m: 1390,
     sigma_range_m: 70, sigma_az_mrad: 1.2}
  - {sac: 25, sic: 201, name: e, lat_deg: 45.90, lon_deg: 15.95, alt_m: 1000,
     sigma_range_m: 40, sigma_az_mrad: 0.8}
  - {sac: 25, sic: 204, name: f, lat_deg: 42.65, lon_deg: 18.11, alt_m: 410,
     sigma_range_m: 40, sigma_az_mrad: 0.8}
  - {sac: 25, sic: 205, name: g, lat_deg: 44.05, lon_deg: 15.35, alt_m: 100,
     sigma_range_m: 40, sigma_az_mrad: 0.8}
"""

NODE = """\
nation: GRC
scenario: balkans
router: {host: 127.0.0.1, port: 7447}
peers: [BGR]
"""


def plots_csv() -> str:
    """Three targets in straight flight, one plot each every 2 s for 60 s (local x, y, z)."""
    lines = ["t_s,x_m,y_m,z_m,sigma_m"]
    for k in range(31):
        t = 2.0 * k
        for i, (x0, y0, vx, vy) in enumerate(
            ((0.0, 0.0, 200.0, 0.0), (20e3, 5e3, 0.0, 150.0), (-10e3, 30e3, 100.0, -100.0))
        ):
            lines.append(f"{t:g},{x0 + vx * t:.1f},{y0 + vy * t:.1f},{3000.0 + 500 * i:.1f},50")
    return "\n".join(lines) + "\n"


def wta_text() -> str:
    """A 2 weapon types x 3 targets instance in the benchmark text form."""
    rows = ["2 3 1", "10", "20", "30"]
    rows += [f"{i} {j} {0.3 + 0.1 * (i + j):.2f}" for i in range(2) for j in range(3)]
    return "\n".join(rows) + "\n"


WTA_JSON = json.dumps(
    {
        "values": [10.0, 20.0, 30.0],
        "pk": [[0.3, 0.4, 0.5], [0.4, 0.5, 0.6]],
        "units": [2, 1],
    }
)


def billion_laughs(levels: int = 12) -> str:
    rows = ['a0: &a0 ["lol","lol","lol","lol","lol","lol","lol","lol","lol","lol"]']
    for k in range(1, levels):
        refs = ",".join([f"*a{k - 1}"] * 10)
        rows.append(f"a{k}: &a{k} [{refs}]")
    return "\n".join(rows) + "\n"


def deep(levels: int = 5000) -> str:
    return "[" * levels + "]" * levels


# ------------------------------------------------------------------------------ cases


@dataclass
class Case:
    """One command line on one malformed input, in a folder of its own."""

    command: str
    name: str
    argv: list[str]
    files: dict[str, bytes | str] = field(default_factory=dict)
    #: "refuse": malformed by construction, exit 0 is a silent acceptance; "any": may be valid
    expect: str = "refuse"
    setup: Callable[[Path], None] | None = None
    timeout: float | None = None


def _fifo(name: str) -> Callable[[Path], None]:
    return lambda d: os.mkfifo(d / name)


def _mkdir(name: str) -> Callable[[Path], None]:
    return lambda d: (d / name).mkdir()


def _hyp_examples(strategy: st.SearchStrategy[object], n: int) -> list[object]:
    """``n`` distinct examples of ``strategy``, the same on every run (Hypothesis,
    derandomized, no example database)."""
    seen: list[object] = []

    @settings(
        max_examples=max(4 * n, 20),
        derandomize=True,
        database=None,
        deadline=None,
        phases=[Phase.generate],
        suppress_health_check=list(HealthCheck),
    )
    @given(strategy)
    def collect(x: object) -> None:
        if x not in seen and len(seen) < n:
            seen.append(x)

    collect()
    return seen


EXTREMES = [
    "nan",
    ".nan",
    "inf",
    "-inf",
    ".inf",
    "-1",
    "0",
    "1e308",
    "-1e308",
    "1e-300",
    "99999999999999999999999999999",
    "abc",
    "",
    "1e19",
    "true",
    "on",
    "null",
    "[]",
    "{}",
]
_NUMBER = re.compile(rb"-?\d+(?:\.\d+)?(?:e-?\d+)?")


@st.composite
def mutations(draw: st.DrawFn, base: bytes) -> bytes:
    """A random mutation of ``base``: a number replaced by an extreme, bytes flipped,
    inserted or deleted, a line duplicated or dropped, or the file cut short."""
    data = bytearray(base)
    for _ in range(draw(st.integers(1, 3))):
        op = draw(st.sampled_from(["number", "number", "flip", "insert", "delete", "line", "cut"]))
        if op == "number":
            nums = list(_NUMBER.finditer(bytes(data)))
            if nums:
                m = nums[draw(st.integers(0, len(nums) - 1))]
                new = draw(st.sampled_from(EXTREMES)).encode()
                data[m.start() : m.end()] = new
        elif op == "flip" and data:
            i = draw(st.integers(0, len(data) - 1))
            data[i] = draw(st.integers(0, 255))
        elif op == "insert":
            i = draw(st.integers(0, len(data)))
            data[i:i] = draw(st.binary(min_size=1, max_size=8))
        elif op == "delete" and data:
            i = draw(st.integers(0, len(data) - 1))
            del data[i : i + draw(st.integers(1, 40))]
        elif op == "line":
            lines = bytes(data).split(b"\n")
            k = draw(st.integers(0, len(lines) - 1))
            if draw(st.booleans()):
                lines.insert(k, lines[k])
            else:
                del lines[k]
            data = bytearray(b"\n".join(lines))
        elif op == "cut" and data:
            del data[draw(st.integers(0, len(data) - 1)) :]
    return bytes(data)


def random_mutations(base: str | bytes, n: int) -> list[bytes]:
    raw = base.encode() if isinstance(base, str) else base
    return [m for m in _hyp_examples(mutations(raw), n) if m != raw]  # type: ignore[misc]


def scenario_corpus() -> dict[str, tuple[bytes | str, Callable[[Path], None] | None]]:
    """Malformed scenarios by name: (content of s.yaml, or a setup making s.yaml)."""
    t = TINY
    raid = (
        "  - {id: d, type: shahed136, launch: {lat_deg: 43.62, lon_deg: 23.60}, aim: {asset: npp}"
    )
    corpus: dict[str, tuple[bytes | str, Callable[[Path], None] | None]] = {
        "empty file": ("", None),
        "binary garbage": (bytes(range(256)) * 8, None),
        "not UTF-8": (t.replace("tiny", "t\udcff").encode("utf-8", "surrogateescape"), None),
        "billion laughs": (billion_laughs(), None),
        "deep nesting": ("a: " + deep(), None),
        "2 MB scalar": ("name: " + "x" * (2 << 20) + "\n", None),
        "recursive alias": ("a: &a [*a]\n", None),
        "python tag": (t + "x: !!python/object/apply:os.system ['true']\n", None),
        "bad int tag": (t.replace("duration_s: 120", "duration_s: !!int abc"), None),
        "top-level list": ("- 1\n- 2\n", None),
        "duration -5": (t.replace("duration_s: 120", "duration_s: -5"), None),
        "duration nan": (t.replace("duration_s: 120", "duration_s: .nan"), None),
        "duration 1e30": (t.replace("duration_s: 120", "duration_s: 1e30"), None),
        "time step 0": (t.replace("time_step_s: 2", "time_step_s: 0"), None),
        "count on": (t.replace("aim: {asset: npp}}", "aim: {asset: npp}, count: on}"), None),
        "count 1e19": (
            t.replace("aim: {asset: npp}}", "aim: {asset: npp}, count: 10000000000000000000}"),
            None,
        ),
        "lat 1e308": (t.replace("lat_deg: 43.60", "lat_deg: 1e308"), None),
        "speed 1e-4": (t.replace(raid + "}", raid + ", speed_m_s: 0.0001}"), None),
        "altitude 1e12": (t.replace(raid + "}", raid + ", altitude_m: 1e12}"), None),
        "magazine 2e19": (
            t + "catalog_overrides:\n  effectors:\n"
            "    iris_t_slm: {rounds_per_launcher: 20000000000000000000}\n",
            None,
        ),
        "cost inf": (
            t + "catalog_overrides:\n  threats:\n    shahed136: {cost_usd: .inf}\n",
            None,
        ),
        "duplicate ids": (
            t.replace("raids:\n" + raid + "}", "raids:\n" + raid + "}\n" + raid + "}"),
            None,
        ),
        "duplicate key": (t.replace("duration_s: 120", "duration_s: 120\nduration_s: 60"), None),
        "unknown key": (t + "bogus_field: 1\n", None),
        "unknown sensor type": (t.replace("ground_master_400", "no_such_radar"), None),
        "no nations": (t.replace("nations:\n  - {code: BGR, name: Bulgaria}", "nations: []"), None),
        "recorded /proc/self/environ": (
            t + "civil_traffic:\n  recorded:\n    - {file: /proc/self/environ}\n",
            None,
        ),
        "syntax error": (t + "raids: [\n", None),
        "tab indentation": (t.replace("  - {code", "\t- {code"), None),
        "FIFO": (b"", _fifo("s.yaml")),
        "directory": (b"", _mkdir("s.yaml")),
        "nonexistent": (b"", lambda d: None),
    }
    return corpus


def _set_column(csv_text: str, column: str, value: str) -> str:
    """``csv_text`` with every value of ``column`` replaced by ``value``."""
    rows = [r.split(",") for r in csv_text.splitlines()]
    k = rows[0].index(column)
    for r in rows[1:]:
        r[k] = value
    return "\n".join(",".join(r) for r in rows) + "\n"


def _scenario_case(
    command: str,
    name: str,
    content: bytes | str,
    setup: Callable[[Path], None] | None,
    argv: list[str],
    expect: str = "refuse",
) -> Case:
    files = {} if setup is not None or name == "nonexistent" else {"s.yaml": content}
    return Case(command, f"scenario: {name}", argv, files, expect, setup)


def cases(n_mut: int) -> list[Case]:
    out: list[Case] = []
    corpus = scenario_corpus()
    quick = [
        "billion laughs",
        "deep nesting",
        "FIFO",
        "directory",
        "binary garbage",
        "count on",
        "speed 1e-4",
        "altitude 1e12",
        "magazine 2e19",
        "cost inf",
        "lat 1e308",
        "recorded /proc/self/environ",
        "duration 1e30",
        "duplicate key",
        "empty file",
    ]
    # --- validate: the whole corpus and random mutations
    for name, (content, setup) in corpus.items():
        out.append(_scenario_case("validate", name, content, setup, ["validate", "s.yaml"]))
    for k, m in enumerate(random_mutations(TINY, 3 * n_mut)):
        out.append(Case("validate", f"mutation {k}", ["validate", "s.yaml"], {"s.yaml": m}, "any"))
    # --- run
    for name in quick:
        content, setup = corpus[name]
        out.append(
            _scenario_case("run", name, content, setup, ["run", "s.yaml", "--out", "o", "--quiet"])
        )
    for k, m in enumerate(random_mutations(TINY, n_mut)):
        out.append(
            Case(
                "run",
                f"mutation {k}",
                ["run", "s.yaml", "--out", "o", "--quiet"],
                {"s.yaml": m},
                "any",
            )
        )
    run_flags = {
        "--seed -1": ["--seed", "-1"],
        "--seed 1e30": ["--seed", "1" + "0" * 30],
        "--policy bogus": ["--policy", "bogus"],
        "--export bogus": ["--export", "pdf"],
        "--stream bogus": ["--stream", "http://x"],
        "--stream-speed nan": ["--stream", "cot://127.0.0.1:9", "--stream-speed", "nan"],
        "--stream-speed -1": ["--stream", "cot://127.0.0.1:9", "--stream-speed", "-1"],
        "--stream-identities bogus": ["--stream", "cot://127.0.0.1:9", "--stream-identities", "x"],
        "--stream port 99999": ["--stream", "cot://127.0.0.1:99999"],
    }
    for name, flags in run_flags.items():
        out.append(
            Case("run", name, ["run", "s.yaml", "--out", "o", "--quiet", *flags], {"s.yaml": TINY})
        )
    for name, (target, setup) in {
        "--out is a file": ("f", lambda d: (d / "f").write_text("x")),
        "--out is the scenario": ("s.yaml", None),
        "--out /dev/full": ("/dev/full", None),
        "--out under /proc": ("/proc/self/iamd-out", None),
        "--out a FIFO": ("p", _fifo("p")),
    }.items():
        out.append(
            Case(
                "run",
                name,
                ["run", "s.yaml", "--out", target, "--quiet"],
                {"s.yaml": TINY},
                "refuse",
                setup,
            )
        )
    # --- schema
    for name, (target, setup) in {
        "--out a directory": ("d", _mkdir("d")),
        "--out /dev/full": ("/dev/full", None),
        "--out missing folder": ("no/such/x.json", None),
        "--out under /proc": ("/proc/self/x.json", None),
        "--out a FIFO": ("p", _fifo("p")),
        "--out a dangling link into /dev": ("l", lambda d: os.symlink("/dev/full", d / "l")),
    }.items():
        out.append(Case("schema", name, ["schema", "--out", target], {}, "refuse", setup))
    # --- track: plots
    base = plots_csv()
    lines = base.splitlines()
    plots = {
        "empty": "",
        "header only": lines[0] + "\n",
        "repeated column": "t_s,x_m,y_m,z_m,sigma_m,x_m\n" + "\n".join(x + ",1" for x in lines[1:]),
        "more fields than header": lines[0] + "\n" + "\n".join(x + ",9" for x in lines[1:]),
        "missing columns": "t_s,x_m\n1,2\n",
        "text in numbers": base.replace("3000.0", "abc", 1),
        "nan position": base.replace("3000.0", "nan"),
        "inf position": base.replace("3000.0", "inf"),
        "1e308 position": base.replace("3000.0", "1e308"),
        "negative time": base.replace("\n2,", "\n-1e300,", 1),
        "time 1e308": base.replace("\n60,", "\n1e308,"),
        "unsorted time": lines[0] + "\n" + "\n".join(reversed(lines[1:])) + "\n",
        "one plot": lines[0] + "\n" + lines[1] + "\n",
        "negative sigma column": _set_column(base, "sigma_m", "-5"),
        "binary": bytes(range(256)) * 20,
        "not UTF-8": b"t_s,x_m,y_m,z_m\n\xff\xfe,1,2,3\n",
        "gzip bomb": gzip.compress(b"t_s,x_m,y_m,z_m\n" + b"0" * (300 << 20), 9),
        "bad gzip": b"\x1f\x8b\x08\x00" + b"\x00" * 40,
        "huge header line": "t_s," + "x" * (20 << 20) + "\n1,2\n",
    }
    for name, content in plots.items():
        out.append(
            Case(
                "track", f"plots: {name}", ["track", "p.csv", "--out", "t.csv"], {"p.csv": content}
            )
        )
    out.append(
        Case(
            "track",
            "plots: parquet garbage",
            ["track", "p.parquet", "--out", "t.csv"],
            {"p.parquet": b"PAR1" + bytes(100) + b"PAR1"},
        )
    )
    out.append(
        Case(
            "track",
            "plots: FIFO",
            ["track", "p.csv", "--out", "t.csv"],
            {},
            "refuse",
            _fifo("p.csv"),
        )
    )
    out.append(Case("track", "plots: /dev/zero", ["track", "/dev/zero", "--out", "t.csv"]))
    for k, m in enumerate(random_mutations(base, 2 * n_mut)):
        out.append(
            Case(
                "track",
                f"plots mutation {k}",
                ["track", "p.csv", "--out", "t.csv"],
                {"p.csv": m},
                "any",
            )
        )
    track_flags = {
        "--sigma-m -1": ["--sigma-m", "-1"],
        "--sigma-m nan": ["--sigma-m", "nan"],
        "--sigma-m 1e308": ["--sigma-m", "1e308"],
        "--gate 2": ["--gate", "2"],
        "--pd 0": ["--pd", "0"],
        "--pd nan": ["--pd", "nan"],
        "--confirm 9/3": ["--confirm", "9/3"],
        "--confirm 1/0": ["--confirm", "1/0"],
        "--confirm 99999999/99999999": ["--confirm", "99999999/99999999"],
        "--delete-misses 0": ["--confirm", "3/5", "--delete-misses", "0"],
        "--model bogus": ["--model", "bogus"],
        "--q -1": ["--q", "-1"],
        "--q inf": ["--q", "inf"],
        "--clutter-density -1": ["--clutter-density", "-1"],
        "--origin 91,0": ["--origin", "91,0"],
        "--site nan,0,0": ["--site", "nan,0,0"],
        "--out is the input": ["--out", "p.csv"],
        "--out a directory": ["--out", "."],
        "--out /dev/full": ["--out", "/dev/full"],
        "--out-asterix without recording": ["--out-asterix", "x.ast"],
        "--window-s 0": ["--window-s", "0"],
        "--edition bogus": ["--edition", "62=9.99"],
    }
    for name, flags in track_flags.items():
        argv = ["track", "p.csv", "--out", "t.csv", *flags]
        if "--out" in flags:
            argv = ["track", "p.csv", *flags]
        out.append(Case("track", name, argv, {"p.csv": base}))
    params = {
        "billion laughs": billion_laughs(),
        "deep nesting": "a: " + deep(),
        "a list": "[1, 2]\n",
        "unknown field": "bogus: 1\n",
        "gate 5": "gate_probability: 5\n",
        "json Infinity": '{"pd": Infinity}',
        "json 30 digits": '{"pd": 123456789012345678901234567890}',
    }
    for name, content in params.items():
        ext = ".json" if content.startswith("{") else ".yaml"
        out.append(
            Case(
                "track",
                f"--params {name}",
                ["track", "p.csv", "--out", "t.csv", "--params", "params" + ext],
                {"p.csv": base, "params" + ext: content},
            )
        )
    out.append(
        Case(
            "track",
            "--params FIFO",
            ["track", "p.csv", "--out", "t.csv", "--params", "q.yaml"],
            {"p.csv": base},
            "refuse",
            _fifo("q.yaml"),
        )
    )
    # --- track: ASTERIX recordings
    if PCAP.is_file():
        pcap = PCAP.read_bytes()
        rec = {
            "truncated": pcap[: len(pcap) // 2 + 7],
            "header only": pcap[:24],
            "random bytes .pcap": bytes((k * 37) % 256 for k in range(4000)),
            "global header length 2^31": pcap[:24] + b"\x00" * 8 + b"\xff\xff\xff\x7f" * 2,
            "snaplen 0": pcap[:16] + b"\x00\x00\x00\x00" + pcap[20:],
        }
        for name, content in rec.items():
            out.append(
                Case(
                    "track",
                    f"pcap: {name}",
                    ["track", "r.pcap", "--sensors", "s.yaml", "--out", "t.csv"],
                    {"r.pcap": content, "s.yaml": SENSORS},
                )
            )
        for k, m in enumerate(random_mutations(pcap, n_mut)):
            out.append(
                Case(
                    "track",
                    f"pcap mutation {k}",
                    ["track", "r.pcap", "--sensors", "s.yaml", "--out", "t.csv"],
                    {"r.pcap": m, "s.yaml": SENSORS},
                    "any",
                )
            )
        out.append(
            Case(
                "track",
                "ast: random bytes",
                ["track", "r.ast", "--sensors", "s.yaml", "--out", "t.csv"],
                {"r.ast": bytes((k * 91 + 7) % 256 for k in range(3000)), "s.yaml": SENSORS},
            )
        )
        sensors = {
            "billion laughs": billion_laughs(),
            "deep nesting": "a: " + deep(),
            "binary": bytes(range(256)),
            "sic 1e30": SENSORS.replace("sic: 11", "sic: 1000000000000000000000000000000"),
            "lat nan": SENSORS.replace("lat_deg: 45.90", "lat_deg: .nan", 1),
            "empty": "",
        }
        for name, content in sensors.items():
            out.append(
                Case(
                    "track",
                    f"--sensors {name}",
                    ["track", "r.pcap", "--sensors", "s.yaml", "--out", "t.csv"],
                    {"r.pcap": pcap, "s.yaml": content},
                )
            )
        out.append(
            Case(
                "track",
                "--sensors FIFO",
                ["track", "r.pcap", "--sensors", "s.yaml", "--out", "t.csv"],
                {"r.pcap": pcap},
                "refuse",
                _fifo("s.yaml"),
            )
        )
        out.append(
            Case(
                "track",
                "pcap FIFO",
                ["track", "r.pcap", "--sensors", "s.yaml", "--out", "t.csv"],
                {"s.yaml": SENSORS},
                "refuse",
                _fifo("r.pcap"),
            )
        )
    # --- identify
    tracks = TRACKS_CSV
    tl = tracks.splitlines()
    idf = {
        "empty": "",
        "header only": tl[0] + "\n",
        "repeated column": tl[0] + ",t_s\n" + "\n".join(x + ",1" for x in tl[1:]),
        "more fields than header": tl[0] + "\n" + "\n".join(x + ",9" for x in tl[1:]),
        "missing columns": "t_s,track_id\n1,2\n",
        "nan everywhere": tl[0]
        + "\n"
        + "\n".join(",".join(["nan"] * len(tl[0].split(","))) for _ in range(5))
        + "\n",
        "1e308 lat": _set_column(tracks, "lat_deg", "1e308"),
        "binary": bytes(range(256)) * 20,
        "gzip bomb": gzip.compress(tl[0].encode() + b"\n" + b"0" * (300 << 20), 9),
    }
    for name, content in idf.items():
        out.append(
            Case(
                "identify",
                f"tracks: {name}",
                ["identify", "t.csv", "--out", "i.csv"],
                {"t.csv": content},
            )
        )
    for k, m in enumerate(random_mutations(tracks, n_mut)):
        out.append(
            Case(
                "identify",
                f"tracks mutation {k}",
                ["identify", "t.csv", "--out", "i.csv"],
                {"t.csv": m},
                "any",
            )
        )
    for name in ("billion laughs", "FIFO", "recorded /proc/self/environ", "lat 1e308"):
        content, setup = corpus[name]
        c = _scenario_case(
            "identify",
            name,
            content,
            setup,
            ["identify", "t.csv", "--out", "i.csv", "--scenario", "s.yaml"],
        )
        c.files["t.csv"] = tracks
        out.append(c)
    for name, flags in {
        "--out is the input": ["--out", "t.csv"],
        "--out a directory": ["--out", "."],
        "--out /dev/full": ["--out", "/dev/full"],
        "--origin 1e308,0": ["--origin", "1e308,0"],
        "--out .txt": ["--out", "i.txt"],
    }.items():
        out.append(
            Case(
                "identify",
                name,
                ["identify", "t.csv", *flags]
                if "--out" in flags
                else ["identify", "t.csv", "--out", "i.csv", *flags],
                {"t.csv": tracks},
            )
        )
    # --- assign
    wt = wta_text()
    wta = {
        "10^12 targets": "1 1000000000000 1\n",
        "10^12 weapons": "1000000000000 1 1\n",
        "negative m": "-1 3 1\n",
        "p > 1": wt.replace("0.30", "1.5"),
        "p nan": wt.replace("0.30", "nan"),
        "value inf": wt.replace("\n10\n", "\ninf\n"),
        "value 1e308": wt.replace("\n10\n", "\n1e308\n"),
        "missing pair": "\n".join(wt.splitlines()[:-1]) + "\n",
        "repeated pair": wt + "0 0 0.5\n",
        "index out of range": wt.replace("1 2 0.", "7 2 0."),
        "header of text": "a b c\n",
        "empty": "",
        "binary": bytes(range(256)) * 4,
        "gzip bomb": gzip.compress(b"2 3 1\n" + b" " * (300 << 20), 9),
        "huge line": "2 3 1\n" + "1" * (20 << 20) + "\n",
    }
    for name, content in wta.items():
        out.append(
            Case(
                "assign",
                f"text: {name}",
                ["assign", "w.txt", "--out", "s.json"],
                {"w.txt": content},
            )
        )
    for k, m in enumerate(random_mutations(wt, n_mut)):
        out.append(
            Case(
                "assign",
                f"text mutation {k}",
                ["assign", "w.txt", "--out", "s.json"],
                {"w.txt": m},
                "any",
            )
        )
    wj = {
        "Infinity": WTA_JSON.replace("10.0", "Infinity"),
        "NaN": WTA_JSON.replace("10.0", "NaN"),
        "30 digits": WTA_JSON.replace("[2, 1]", "[123456789012345678901234567890, 1]"),
        "deep nesting": '{"values": ' + deep() + "}",
        "a list": "[1, 2, 3]",
        "ragged pk": WTA_JSON.replace("[0.3, 0.4, 0.5]", "[0.3]"),
        "units 1e19": WTA_JSON.replace("[2, 1]", "[10000000000000000000, 1]"),
        "not UTF-8": b'{"values": "\xff"}',
        "unknown field": WTA_JSON[:-1] + ', "bogus": 1}',
        "strings": WTA_JSON.replace("[10.0, 20.0, 30.0]", '["a", "b", "c"]'),
    }
    for name, content in wj.items():
        out.append(
            Case(
                "assign",
                f"json: {name}",
                ["assign", "w.json", "--out", "s.json"],
                {"w.json": content},
            )
        )
    for k, m in enumerate(random_mutations(WTA_JSON, n_mut)):
        out.append(
            Case(
                "assign",
                f"json mutation {k}",
                ["assign", "w.json", "--out", "s.json"],
                {"w.json": m},
                "any",
            )
        )
    out.append(
        Case("assign", "FIFO", ["assign", "w.txt", "--out", "s.json"], {}, "refuse", _fifo("w.txt"))
    )
    out.append(
        Case(
            "assign",
            "json FIFO",
            ["assign", "w.json", "--out", "s.json"],
            {},
            "refuse",
            _fifo("w.json"),
        )
    )
    for name, flags in {
        "--time-limit nan": ["--time-limit", "nan"],
        "--time-limit -1": ["--time-limit", "-1"],
        "--time-limit 1e300": ["--time-limit", "1e300"],
        "--lambda-cost inf": ["--lambda-cost", "inf"],
        "--method bogus": ["--method", "bogus"],
        "--out is the input": ["--out", "w.txt"],
        "--out a directory": ["--out", "."],
        "--out /dev/full": ["--out", "/dev/full"],
        "--out under /proc": ["--out", "/proc/self/s.json"],
    }.items():
        argv = ["assign", "w.txt", *flags]
        if "--out" not in flags:
            argv += ["--out", "s.json"]
        out.append(Case("assign", name, argv, {"w.txt": wt}))
    # --- compare / sweep: flags and corrupted campaigns
    camp = ["--runs", "1", "--policies", "national", "--quiet", "--out", "c"]
    for cmd in ("compare", "sweep"):
        for name, flags in {
            "--runs 0": ["--runs", "0"],
            "--runs -1": ["--runs", "-1"],
            "--runs 10^12": ["--runs", "1000000000000"],
            "--runs abc": ["--runs", "abc"],
            "--workers 0": ["--workers", "0"],
            "--workers 100000": ["--workers", "100000"],
            "--dask local:100000": ["--dask", "local:100000"],
            "--dask local:0": ["--dask", "local:0"],
            "--dask bogus": ["--dask", "udp://x"],
            "--dask tls without certificates": ["--dask", "tls://127.0.0.1:1"],
            "--dask tcp unreachable": ["--dask", "tcp://127.0.0.1:1"],
            "--tls-ca FIFO": [
                "--dask",
                "tls://127.0.0.1:1",
                "--tls-ca",
                "p",
                "--tls-cert",
                "p",
                "--tls-key",
                "p",
            ],
            "--policies bogus": ["--policies", "bogus"],
            "--seed -1": ["--seed", "-1"],
            "--out is a file": ["--out", "s.yaml"],
            "--resume without a campaign": ["--resume"],
        }.items():
            setup = _fifo("p") if "FIFO" in name else None
            out.append(
                Case(cmd, name, [cmd, "s.yaml", *camp, *flags], {"s.yaml": TINY}, "refuse", setup)
            )
        for name in ("billion laughs", "FIFO", "count on", "speed 1e-4"):
            content, setup = corpus[name]
            out.append(_scenario_case(cmd, name, content, setup, [cmd, "s.yaml", *camp]))
    for name, flags in {
        "--param no value": ["--param", "duration_s"],
        "--param unknown path": ["--param", "bogus.x=1,2"],
        "--param bad value": ["--param", "duration_s=abc"],
        "--param repeated value": ["--param", "duration_s=60,60"],
        "--param label collision": ["--param", "raids.d.type=a; b=c"],
        "--param 10^6 points": [
            "--param",
            "duration_s=" + ",".join(str(60 + k) for k in range(1000)),
            "--param",
            "time_step_s=" + ",".join(str(1 + k / 1000) for k in range(1000)),
        ],
        "--param seed": ["--param", "seed=1,2"],
        "--param huge value": ["--param", "duration_s=" + "9" * 5000],
        "--param alias bomb value": ["--param", "name=" + "[" * 3000],
    }.items():
        out.append(Case("sweep", name, ["sweep", "s.yaml", *camp, *flags], {"s.yaml": TINY}))
    journal, manifest = CAMPAIGN
    rec = json.loads(journal.splitlines()[0])
    bad_journal = {
        "field a list": json.dumps({**rec, "threats_launched": [1]}),
        "Infinity": json.dumps(rec).replace('"leakers": 0', '"leakers": Infinity'),
        "30-digit integer": json.dumps({**rec, "leakers": 10**29}),
        "run -1": json.dumps({**rec, "run": -1}),
        "status bogus": json.dumps({**rec, "status": "bogus"}),
        "binary": "\x00\x01\x02",
        "deep nesting": deep(),
        "a list": "[1, 2]",
    }
    for name, line in bad_journal.items():
        out.append(
            Case(
                "compare",
                f"--resume journal: {name}",
                ["compare", "s.yaml", *camp, "--resume"],
                {"s.yaml": TINY, "c/campaign.json": manifest, "c/runs.jsonl": line + "\n"},
            )
        )
    mdoc = json.loads(manifest)
    bad_manifest = {
        "runs a string": json.dumps({**mdoc, "runs": "1"}),
        "runs a list": json.dumps({**mdoc, "runs": [1]}),
        "runs -1": json.dumps({**mdoc, "runs": -1}),
        "runs 10^12": json.dumps({**mdoc, "runs": 10**12}),
        "runs true": json.dumps({**mdoc, "runs": True}),
        "seed a string": json.dumps({**mdoc, "seed": "x"}),
        "policies bogus": json.dumps({**mdoc, "policies": ["bogus"]}),
        "policies a number": json.dumps({**mdoc, "policies": 3}),
        "params a string": json.dumps({**mdoc, "params": "x"}),
        "Infinity": manifest.replace('"seed": 0', '"seed": Infinity'),
        "deep nesting": deep(),
        "a list": "[]",
        "empty": "",
    }
    for name, text in bad_manifest.items():
        out.append(
            Case(
                "compare",
                f"--resume manifest: {name}",
                ["compare", "s.yaml", *camp, "--resume"],
                {"s.yaml": TINY, "c/campaign.json": text, "c/runs.jsonl": journal},
            )
        )
    out.append(
        Case(
            "compare",
            "--resume manifest a directory",
            ["compare", "s.yaml", *camp, "--resume"],
            {"s.yaml": TINY, "c/runs.jsonl": journal},
            "refuse",
            _mkdir("c/campaign.json"),
        )
    )
    out.append(
        Case(
            "compare",
            "--resume journal a directory",
            ["compare", "s.yaml", *camp, "--resume"],
            {"s.yaml": TINY, "c/campaign.json": manifest},
            "refuse",
            _mkdir("c/runs.jsonl"),
        )
    )
    for k, m in enumerate(random_mutations(journal, n_mut)):
        out.append(
            Case(
                "compare",
                f"--resume journal mutation {k}",
                ["compare", "s.yaml", *camp, "--resume"],
                {"s.yaml": TINY, "c/campaign.json": manifest, "c/runs.jsonl": m},
                "any",
            )
        )
    for k, m in enumerate(random_mutations(manifest, n_mut)):
        out.append(
            Case(
                "compare",
                f"--resume manifest mutation {k}",
                ["compare", "s.yaml", *camp, "--resume"],
                {"s.yaml": TINY, "c/campaign.json": m, "c/runs.jsonl": journal},
                "any",
            )
        )
    # --- gaps
    for name in quick:
        content, setup = corpus[name]
        out.append(
            _scenario_case(
                "gaps", name, content, setup, ["gaps", "s.yaml", "--out", "g", "--quiet"]
            )
        )
    out.append(
        Case(
            "gaps",
            "--out is a file",
            ["gaps", "s.yaml", "--out", "s.yaml", "--quiet"],
            {"s.yaml": TINY},
        )
    )
    # --- plan
    pl = ["plan", "s.yaml", "--out", "pl", "--quiet", "--time-limit", "5", "--pareto-points", "0"]
    lend = ["--lend", "BGR:iris_t_slm x1"]
    for name, flags in {
        "--lend bogus": ["--lend", "bogus"],
        "--lend x1e12": ["--lend", "BGR:iris_t_slm x1000000000000"],
        "--lend unknown type": ["--lend", "BGR:nothing x1"],
        "--own x-1": ["--own", "BGR:iris_t_slm x-1"],
        "--spacing-km 0": [*lend, "--spacing-km", "0"],
        "--spacing-km 1e-6": [*lend, "--spacing-km", "0.000001"],
        "--spacing-km nan": [*lend, "--spacing-km", "nan"],
        "--min-separation-km -1": [*lend, "--min-separation-km", "-1"],
        "--buffer-km inf": [*lend, "--buffer-km", "inf"],
        "--reach-cap 2": [*lend, "--reach-cap", "2"],
        "--time-limit -1": [*lend, "--time-limit", "-1"],
        "--gap nan": [*lend, "--gap", "nan"],
        "--pareto-points 10^9": [*lend, "--pareto-points", "1000000000"],
        "--max-lent -1": [*lend, "--max-lent", "-1"],
        "--add-axis bogus": [*lend, "--add-axis", "bogus"],
        "--add-axis lat 1e308": [*lend, "--add-axis", "shahed136@1e308,23"],
        "--add-asset bogus": [*lend, "--add-asset", "a:b"],
        "--add-asset value nan": [*lend, "--add-asset", "x:BGR:43,23:nan"],
        "--validate -1": [*lend, "--validate", "-1"],
        "--validate 10^9": [*lend, "--validate", "1000000000"],
        "--workers 100000": [*lend, "--validate", "1", "--workers", "100000"],
        "--sensitive-border bogus": [*lend, "--sensitive-border", "AAA"],
        "--protect bogus": [*lend, "--protect", "XXX"],
        "--site-alt-m 1e12": [*lend, "--site-alt-m", "1e12"],
        "--sites missing": [*lend, "--sites", "none.csv"],
        "--sites FIFO": [*lend, "--sites", "p"],
        "--sites binary": [*lend, "--sites", "b.csv"],
        "--sites repeated column": [*lend, "--sites", "r.csv"],
        "--sites lat 1e308": [*lend, "--sites", "h.csv"],
        "--sites gzip bomb": [*lend, "--sites", "z.csv"],
    }.items():
        files: dict[str, bytes | str] = {
            "s.yaml": TINY,
            "b.csv": bytes(range(256)) * 4,
            "r.csv": "lat_deg,lon_deg,lat_deg\n43,23,43\n",
            "h.csv": "lat_deg,lon_deg\n1e308,23\n",
            "z.csv": gzip.compress(b"lat_deg,lon_deg\n" + b"0" * (300 << 20), 9),
        }
        out.append(
            Case(
                "plan", name, [*pl, *flags], files, "refuse", _fifo("p") if "FIFO" in name else None
            )
        )
    for name in ("billion laughs", "FIFO", "lat 1e308"):
        content, setup = corpus[name]
        out.append(_scenario_case("plan", name, content, setup, [*pl, *lend]))
    # --- train-identify
    for name, flags in {
        "--n-tracks 0": ["--n-tracks", "0"],
        "--n-tracks 1": ["--n-tracks", "1"],
        "--n-tracks 10^12": ["--n-tracks", "1000000000000"],
        "--n-tracks abc": ["--n-tracks", "abc"],
        "--seed -1": ["--seed", "-1"],
        "--out a file": ["--out", "f"],
        "--out /dev/full": ["--out", "/dev/full"],
        "--out under /proc": ["--out", "/proc/self/m"],
    }.items():
        argv = ["train-identify", *flags]
        if "--out" not in flags:
            argv += ["--out", "m"]
        out.append(Case("train-identify", name, argv, {"f": "x"}, timeout=60))
    # --- node
    node = {
        "billion laughs": billion_laughs(),
        "deep nesting": "a: " + deep(),
        "binary": bytes(range(256)),
        "empty": "",
        "a list": "[1]\n",
        "missing router": "nation: GRC\npeers: [BGR]\n",
        "port 99999": NODE.replace("7447", "99999"),
        "port nan": NODE.replace("7447", ".nan"),
        "unknown nation": NODE.replace("GRC", "XXX"),
        "unknown scenario": NODE.replace("balkans", "nothing.yaml"),
        "python tag": NODE + "x: !!python/object/apply:os.system ['true']\n",
        "2 MB scalar": "nation: " + "x" * (2 << 20) + "\n",
    }
    for name, content in node.items():
        out.append(Case("node", f"config: {name}", ["node", "n.yaml"], {"n.yaml": content}))
    out.append(Case("node", "config: FIFO", ["node", "n.yaml"], {}, "refuse", _fifo("n.yaml")))
    out.append(
        Case("node", "config: directory", ["node", "n.yaml"], {}, "refuse", _mkdir("n.yaml"))
    )
    out.append(Case("node", "config: /dev/zero", ["node", "/dev/zero"]))
    for k, m in enumerate(random_mutations(NODE, n_mut)):
        out.append(
            Case(
                "node", f"config mutation {k}", ["node", "n.yaml"], {"n.yaml": m}, "any", timeout=20
            )
        )
    # --- federate
    for name, flags in {
        "--duration-s -5": ["--duration-s", "-5"],
        "--duration-s nan": ["--duration-s", "nan"],
        "--duration-s 1e308": ["--duration-s", "1e308"],
        "--step-wall-s -1": ["--step-wall-s", "-1"],
        "--step-wall-s inf": ["--step-wall-s", "inf"],
        "--every-s 0": ["--every-s", "0"],
        "--every-s nan": ["--every-s", "nan"],
        "--nations bogus": ["--nations", "GRC,XXX"],
        "--nations one": ["--nations", "GRC"],
        "--nations 1000": ["--nations", ",".join(f"N{k:03d}" for k in range(1000))],
        "--seed -1": ["--seed", "-1"],
        "--out is a file": ["--out", "f"],
        "--out /dev/full": ["--out", "/dev/full"],
    }.items():
        argv = ["federate", *flags]
        if "--out" not in flags:
            argv += ["--out", "fo"]
        out.append(Case("federate", name, argv, {"f": "x"}))
    for name in ("billion laughs", "FIFO", "lat 1e308"):
        content, setup = corpus[name]
        out.append(
            _scenario_case("federate", name, content, setup, ["federate", "s.yaml", "--out", "fo"])
        )
    return out


# ---------------------------------------------------------------------------- running


def _snapshot(folder: Path) -> dict[str, tuple[int, int, int]]:
    snap: dict[str, tuple[int, int, int]] = {}
    for dirpath, dirnames, filenames in os.walk(folder):
        for n in dirnames + filenames:
            p = Path(dirpath) / n
            try:
                st = p.lstat()
            except OSError:
                continue
            snap[str(p.relative_to(folder))] = (st.st_mode, st.st_size, st.st_mtime_ns)
    return snap


_TEMP = re.compile(r"(^|/)\.iamd-|\.tmp$|(^|/)\.[^/]+\.\w{8}\.tmp$")


def run_case(case: Case, work: Path, timeout: float, memory: int) -> dict[str, object]:
    folder = Path(tempfile.mkdtemp(prefix="case-", dir=work))
    for name, content in case.files.items():
        p = folder / name
        p.parent.mkdir(parents=True, exist_ok=True)
        if isinstance(content, str):
            p.write_bytes(content.encode("utf-8", "surrogateescape"))
        else:
            p.write_bytes(content)
    if case.setup is not None:
        case.setup(folder)
    before = _snapshot(folder)

    def limits() -> None:
        resource.setrlimit(resource.RLIMIT_AS, (memory, memory))
        resource.setrlimit(resource.RLIMIT_CORE, (0, 0))

    limit = case.timeout or timeout
    t0 = time.monotonic()
    proc = subprocess.Popen(
        [IAMD, *case.argv],
        cwd=folder,
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        preexec_fn=limits,
        start_new_session=True,
        env={**os.environ, "PYTHONHASHSEED": "0", "COLUMNS": "100"},
    )
    try:
        _, err_b = proc.communicate(timeout=limit)
        hung = False
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, signal.SIGKILL)
        _, err_b = proc.communicate()
        hung = True
    with_children_gone(proc.pid)
    wall = time.monotonic() - t0
    err = err_b.decode("utf-8", "replace")
    after = _snapshot(folder)
    rc = proc.returncode
    changed = sorted(k for k in set(before) | set(after) if before.get(k) != after.get(k))
    temps = [k for k in after if _TEMP.search(k)]
    lines = [x for x in err.splitlines() if x.strip()]
    if hung:
        cls = "hang"
    elif (
        "MemoryError" in err
        or "Cannot allocate memory" in err
        or "bad_alloc" in err
        or (rc is not None and rc < 0)
    ):
        cls = "resource"
    elif "Traceback" in err or rc not in (0, 2):
        cls = "crash"
    elif rc == 2:
        if len(lines) != 1 or not lines[0].startswith("error: ") or len(lines[0]) > 500:
            cls = "unclear"
        elif changed:
            cls = "half-written"
        else:
            cls = "clean"
    elif temps:
        cls = "half-written"
    else:
        cls = "accepted" if case.expect == "refuse" else "ok"
    shutil.rmtree(folder, ignore_errors=True)
    return {
        "command": case.command,
        "case": case.name,
        "argv": [a if len(a) <= 120 else a[:117] + "..." for a in case.argv],
        "class": cls,
        "exit": rc,
        "wall_s": round(wall, 2),
        "stderr": [x[:300] for x in lines[-6:]],
        "changed": changed[:10],
    }


def with_children_gone(pgid: int) -> None:
    """Kill what the case left running in its process group (a pool, a router)."""
    with contextlib.suppress(ProcessLookupError):
        os.killpg(pgid, signal.SIGKILL)


# --------------------------------------------------------------- inputs made by iamd

TRACKS_CSV = ""
CAMPAIGN: tuple[str, str] = ("", "")


def make_derived_inputs(work: Path) -> None:
    """Tracks (iamd track with an origin) and a one-run campaign (iamd compare) to corrupt."""
    global TRACKS_CSV, CAMPAIGN
    d = Path(tempfile.mkdtemp(prefix="base-", dir=work))
    (d / "p.csv").write_text(plots_csv())
    (d / "s.yaml").write_text(TINY)
    subprocess.run(
        [IAMD, "track", "p.csv", "--origin", "43,23,0", "--out", "t.csv"],
        cwd=d,
        check=True,
        capture_output=True,
    )
    TRACKS_CSV = (d / "t.csv").read_text()
    subprocess.run(
        [
            IAMD,
            "compare",
            "s.yaml",
            "--runs",
            "1",
            "--policies",
            "national",
            "--quiet",
            "--out",
            "c",
        ],
        cwd=d,
        check=True,
        capture_output=True,
    )
    CAMPAIGN = ((d / "c" / "runs.jsonl").read_text(), (d / "c" / "campaign.json").read_text())


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--jobs", type=int, default=2, help="cases at once (default 2)")
    ap.add_argument("--timeout", type=float, default=30.0, help="seconds per case (default 30)")
    ap.add_argument("--memory-gib", type=float, default=4.0, help="address space per case")
    ap.add_argument("--mutations", type=int, default=8, help="random mutations per input kind")
    ap.add_argument("--only", default=None, help="comma-separated commands")
    ap.add_argument("--json", type=Path, default=HERE / "failures.json", help="failures file")
    args = ap.parse_args(argv)
    work = Path(tempfile.mkdtemp(prefix="iamd-hostile-"))
    try:
        make_derived_inputs(work)
        todo = cases(args.mutations)
        if args.only:
            keep = set(args.only.split(","))
            todo = [c for c in todo if c.command in keep]
        memory = int(args.memory_gib * (1 << 30))
        t0 = time.monotonic()
        done: list[int] = []

        def one(case: Case) -> dict[str, object]:
            result = run_case(case, work, args.timeout, memory)
            done.append(1)
            if len(done) % 25 == 0 or len(done) == len(todo):
                print(f"{len(done)}/{len(todo)} cases", file=sys.stderr, flush=True)
            return result

        with ThreadPoolExecutor(args.jobs) as pool:
            results = list(pool.map(one, todo))
        wall = time.monotonic() - t0
    finally:
        shutil.rmtree(work, ignore_errors=True)
    counts: dict[str, Counter[str]] = defaultdict(Counter)
    for r in results:
        counts[str(r["command"])][str(r["class"])] += 1
    header = f"{'command':<16}{'cases':>6}" + "".join(f"{c:>13}" for c in CLASSES)
    print(header)
    total: Counter[str] = Counter()
    for cmd in sorted(counts):
        c = counts[cmd]
        total.update(c)
        print(f"{cmd:<16}{sum(c.values()):>6}" + "".join(f"{c[k]:>13}" for k in CLASSES))
    print(f"{'all':<16}{sum(total.values()):>6}" + "".join(f"{total[k]:>13}" for k in CLASSES))
    failures = [r for r in results if r["class"] in FAILURES]
    print(f"{len(results)} cases in {wall:.0f} s; {len(failures)} failures -> {args.json}")
    args.json.write_text(json.dumps(failures, indent=1, ensure_ascii=False) + "\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
