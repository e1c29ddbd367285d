"""Do the tests bite? Plant small deliberate bugs (mutants) and see which the suite catches.

Each mutant is one textual change to one source file — a doctrine switch deleted, a sign
flipped, a ``>=`` made ``>`` at a threshold, a guard removed — applied in a scratch copy of
the repository (``git worktree`` of HEAD), followed by the test files that should notice. A
mutant is *killed* when those tests fail, *survives* when they pass. The first four are the
mutations an outside review planted (the BMD-reserve doctrine deleted, the Coriolis sign
flipped in the tracker's ballistic model, an identity threshold's ``>=`` made ``>``, a guard
branch made dead); the rest extend the same idea to the rules of engagement, the assignment
and the files module.

    .venv/bin/python benchmarks/mutation/bench_mutants.py            # every mutant
    .venv/bin/python benchmarks/mutation/bench_mutants.py --only bmd_reserve coriolis_sign

Prints one line per mutant and a summary; ``--json FILE`` writes the results. Survivors are
the tests still to write.
"""

from __future__ import annotations

import argparse
import json
import shutil
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


@dataclass(frozen=True)
class Mutant:
    name: str
    path: str
    old: str
    new: str
    tests: tuple[str, ...]


MUTANTS = (
    Mutant(
        "bmd_reserve",
        "src/iamd/engage/shoot.py",
        "        if doctrine.reserve_bmd:  # BMD rounds at air-breathing threats: last layer only",
        "        if False:  # BMD rounds at air-breathing threats: last layer only",
        ("tests/engage", "tests/sim/test_sim_engine.py"),
    ),
    Mutant(
        "coriolis_sign",
        "src/iamd/track/filters.py",
        "        a[..., 0] += w * w * r[..., 0] + 2.0 * w * v[..., 1]",
        "        a[..., 0] += w * w * r[..., 0] - 2.0 * w * v[..., 1]",
        ("tests/track/test_track_filters.py", "tests/track/test_track_sensed.py"),
    ),
    Mutant(
        "maturity_ge_to_gt",
        "src/iamd/identify/identity.py",
        "    mature = (upd >= r.min_updates) & (features.age_s >= r.min_age_s)",
        "    mature = (upd > r.min_updates) & (features.age_s >= r.min_age_s)",
        ("tests/identify/test_identify_identity.py",),
    ),
    Mutant(
        "sustain_guard_dead",
        "src/iamd/identify/identity.py",
        "        sustained = (run >= r.sustain_updates) & (t - since >= r.sustain_s - 1e-9)",
        "        sustained = run >= r.sustain_updates",
        ("tests/identify/test_identify_identity.py",),
    ),
    Mutant(
        "ballistic_speed_ge_to_gt",
        "src/iamd/identify/identity.py",
        "            & (sure >= r.ballistic_min_speed_m_s)",
        "            & (sure > r.ballistic_min_speed_m_s)",
        ("tests/identify/test_identify_identity.py",),
    ),
    Mutant(
        "promote_hysteresis_dead",
        "src/iamd/identify/identity.py",
        "(c_run >= r.promote_updates) & (held >= r.promote_s - 1e-9)",
        "(c_run >= r.promote_updates)",
        ("tests/identify/test_identify_identity.py",),
    ),
    Mutant(
        "tier_zone_ignored",
        "src/iamd/engage/assign.py",
        "        if tier.inside_zones:",
        "        if False:",
        ("tests/engage", "tests/sim/test_sim_roe_tiers.py"),
    ),
    Mutant(
        "required_pk_ignored",
        "src/iamd/engage/assign.py",
        "    p = np.minimum(pk_salvo, doctrine.required_pk)",
        "    p = pk_salvo",
        ("tests/engage",),
    ),
    Mutant(
        "atomic_write_special_check_dead",
        "src/iamd/files.py",
        "    _refuse_special(p, flag)\n    folder = p.parent",
        "    folder = p.parent",
        ("tests/test_files.py",),
    ),
)


def run_mutant(m: Mutant, work: Path, timeout_s: float) -> dict[str, object]:
    src = work / m.path
    text = src.read_text(encoding="utf-8")
    if text.count(m.old) != 1:
        return {"name": m.name, "result": "stale", "why": f"pattern found {text.count(m.old)}x"}
    src.write_text(text.replace(m.old, m.new), encoding="utf-8")
    t0 = time.perf_counter()
    try:
        proc = subprocess.run(
            [sys.executable, "-m", "pytest", "-x", "-q", "-p", "no:cacheprovider",
             "--import-mode=importlib", "-o", "addopts=", *m.tests],
            cwd=work, capture_output=True, text=True, timeout=timeout_s,
            env={"PYTHONPATH": str(work / "src"), "PATH": "/usr/bin:/bin",
                 "HOME": str(Path.home())},
        )  # fmt: skip
        result = "killed" if proc.returncode != 0 else "survived"
        last = (proc.stdout.strip().splitlines() or [""])[-1]
    except subprocess.TimeoutExpired:
        result, last = "killed (timeout)", ""
    finally:
        src.write_text(text, encoding="utf-8")
    return {"name": m.name, "result": result, "seconds": round(time.perf_counter() - t0, 1),
            "tests": list(m.tests), "last_line": last}  # fmt: skip


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--only", nargs="*", help="mutant names (default: all)")
    ap.add_argument("--timeout-s", type=float, default=1800.0)
    ap.add_argument("--json", type=Path)
    args = ap.parse_args()
    chosen = [m for m in MUTANTS if not args.only or m.name in args.only]
    scratch = Path(tempfile.mkdtemp(prefix="iamd-mutants-"))
    work = scratch / "repo"
    subprocess.run(["git", "worktree", "add", "--detach", str(work), "HEAD"], cwd=ROOT,
                   check=True, capture_output=True)  # fmt: skip
    shared = ROOT.parent / "shared"
    if shared.exists():
        (scratch / "shared").symlink_to(shared)
    results = []
    try:
        for m in chosen:
            r = run_mutant(m, work, args.timeout_s)
            results.append(r)
            said = r.get("last_line", r.get("why", ""))
            print(f"{m.name:34s} {r['result']:18s} {r.get('seconds', '')} s  {said}", flush=True)
    finally:
        subprocess.run(["git", "worktree", "remove", "--force", str(work)], cwd=ROOT,
                       capture_output=True)  # fmt: skip
        shutil.rmtree(scratch, ignore_errors=True)
    killed = sum(str(r["result"]).startswith("killed") for r in results)
    print(f"{killed} of {len(results)} mutants killed; survivors: "
          f"{[r['name'] for r in results if r['result'] == 'survived']}")  # fmt: skip
    if args.json:
        args.json.write_text(json.dumps(results, indent=2) + "\n", encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
