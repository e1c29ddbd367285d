"""iamd's tracker, run as ``iamd track``, side by side with Stone Soup on the same plots.

Usage::

    python3 -m venv /tmp/ss && /tmp/ss/bin/pip install stonesoup   # benchmark-only
    .venv/bin/python benchmarks/tracking/bench_stonesoup.py [--scenarios 1000 clutter ...]
        [--configs default matched] [--config NAME=FLAGS] [--seed 1] [--scans N]
        [--ss-scans K | NAME:K ...] [--repeats 5] [--quick] [--json out.json]

What is measured
----------------
The object of the benchmark is the command a user runs. For each scenario of `scenarios`
(seeded; see that module for the truth model and the plots) the plots are written to a
Parquet file with the documented columns ``t_s, x_m, y_m, z_m, sigma_m``, and
``iamd track PLOTS --out TRACKS.parquet [flags]`` runs as a child process, once per
configuration of ours: ``default`` (no flags: what a user gets) and ``matched``
(``--model cv --q <truth q>``: a single constant-velocity filter whose process noise is the
truth's, the like-for-like configuration against Stone Soup); ``matched-3of5`` adds
``--confirm 3/5`` for a confirmation rule close to Stone Soup's too (run on request). More
configurations can be named on the command line (``--config NAME=FLAGS``, with ``{q}``,
``{pd}``, ``{sigma_m}`` and ``{revisit_s}`` replaced by the scenario's values). Before
anything runs, every flag of every configuration is looked up in ``iamd track --help``: an
unknown flag stops the benchmark with a message naming it, rather than silently measuring
something else.

Stone Soup (Barr et al., "Stone Soup: announcement of beta release of an open-source
framework for tracking and state estimation", SPIE 2019) never enters the project's
environment: it runs in its own interpreter (``--stonesoup-python``), as a child process
that executes this same file in worker mode on the same plots, saved to an ``.npz`` file.
Its configuration is matched to ours component by component: ``ConstantVelocity(q)`` on
each axis (the CWNA model of Bar-Shalom, Li and Kirubarajan, *Estimation with Applications
to Tracking and Navigation*, 2001, §6.2.2) combined by a
``CombinedLinearGaussianTransitionModel``; ``KalmanPredictor`` and ``KalmanUpdater`` with a
``LinearGaussian`` position measurement of the plots' noise; a ``DistanceHypothesiser`` with
the ``Mahalanobis`` measure whose missed distance is the square root of the χ²₃ 99.7 %
quantile, the gate of ours; global nearest-neighbour assignment behind a k-d tree of the
plots (``DetectionKDTreeGNN2D``, or ``GNNWith2DAssignment`` without the tree when an older
Stone Soup lacks it); a ``MultiMeasurementInitiator`` whose holding tracks start from one
plot with zero velocity and a 300 m/s standard deviation (ours' single-point initiation),
are confirmed on their third plot and dropped after 3 scans without one; an
``UpdateTimeStepsDeleter`` that deletes a confirmed track after 5 scans without a plot. The
k-d tree's search radius is set wide enough never to cut the χ² gate of any track the
deleters keep (`kd_radius_m`). Stone Soup is slow at large sizes: it can run on the first K
scans only (``--ss-scans``), and then every figure of the comparison, ours included, is
taken over those same K scans.

CPU time, not wall time, is the cost: ``resource.getrusage(RUSAGE_CHILDREN)`` before and
after each ``subprocess.run`` gives the user plus system seconds of the child (all its
threads; BLAS and OpenMP pools are pinned to one thread in both children so that idle
spinning is not billed). A run includes the interpreter's start-up, the imports, reading
and writing files. That part is measured apart by running the same command on a file
holding only the first scan, and the per-scan cost is ``(total − start-up) / (S − 1)``: the
one-scan run has already paid for one scan, so the difference is the cost of the other
``S − 1``. Each figure is the least of ``--repeats`` runs (5; ours; Stone Soup runs once):
another process on the machine only ever adds CPU time to a run (cache and memory
contention), so the least is the closest to the command's own cost, and the start-up's
run-to-run spread (a tenth of a second) no longer swamps a few milliseconds per scan.
The speed-up is Stone Soup's CPU per scan divided by ours over the same scans.

Accuracy uses the project's own metrics (`iamd.track.metrics`) on the confirmed tracks
against the truth, with cutoff c = 1 km: the mean OSPA of order p = 1 (Schuhmacher, Vo and
Vo, IEEE TSP 56(8), 2008) over the scans after a warm-up (``--warmup``, 5 scans); from the
GOSPA decomposition with α = 2 (Rahmathullah, García-Fernández and Svensson, FUSION 2017)
the mean number of missed targets and of false tracks per scan over the same scans, and the
mean distance of the assigned pairs; over the whole window, the truths matched to tracks
scan by scan (`match_tracks`), the number of distinct track ids never matched to any truth
(false tracks) and the identity switches and fragmentations of `continuity`.

The markdown table goes to stdout, progress to stderr, and ``--json`` writes every figure,
the raw CPU seconds of each run and each scenario's metadata (its truth ``q`` included).
Not part of the test suite: timing claims live here.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import re
import resource
import shlex
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import numpy.typing as npt
from scenarios import SCENARIOS, Scenario, generate, scenario_spec

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.int64]

CUTOFF_M = 1000.0
"""OSPA/GOSPA cutoff c."""
ORDER = 1.0
"""OSPA/GOSPA order p."""
GATE_PROB = 0.997
"""Probability of the χ²₃ gate, ours and Stone Soup's."""
INIT_SPEED_SIGMA_M_S = 300.0
"""Velocity standard deviation of a track started from one plot (as ours)."""
MIN_POINTS = 3
"""Plots that confirm a Stone Soup holding track (ours: 3 hits)."""
HOLD_DELETE_SCANS = 3
"""Scans without a plot that drop a Stone Soup holding track (ours: 3/5 → 3 misses)."""
DELETE_SCANS = 5
"""Scans without a plot that delete a confirmed Stone Soup track (ours: 5 misses)."""
GOAL_MS_PER_SCAN = 100.0
"""Goal of the 10,000-target scale scenario, CPU per scan."""
CONFIGS: dict[str, str] = {
    "default": "",
    "matched": "--model cv --q {q}",
    "matched-3of5": "--model cv --q {q} --confirm 3/5",
}
"""Configurations of ours: name → ``iamd track`` flags (with the scenario's values)."""
DEFAULT_CONFIGS = ("default", "matched")
"""The configurations run unless ``--configs`` names others."""
ONE_THREAD = {
    "OMP_NUM_THREADS": "1",
    "OPENBLAS_NUM_THREADS": "1",
    "MKL_NUM_THREADS": "1",
    "NUMEXPR_NUM_THREADS": "1",
}
"""Environment of the children: one BLAS/OpenMP thread (CPU time, not spinning pools)."""


class BenchError(RuntimeError):
    """The benchmark cannot go on (a child failed, a flag is unknown, a missing tool)."""


@dataclass(frozen=True, slots=True)
class Tracks:
    """Confirmed tracks, one row per track per scan time (k rows)."""

    t_s: FloatArray
    track_id: IntArray
    pos_m: FloatArray

    def until(self, t_end_s: float) -> Tracks:
        """The rows at times up to ``t_end_s``."""
        keep = self.t_s <= t_end_s
        return Tracks(self.t_s[keep], self.track_id[keep], self.pos_m[keep])


@dataclass(frozen=True, slots=True)
class Cpu:
    """CPU seconds of repeated runs of a full file and of its first scan alone."""

    total_s: list[float]
    startup_s: list[float]
    wall_s: list[float]
    scans: int

    @property
    def per_scan_ms(self) -> float:
        """``(least total − least start-up) / (S − 1)`` in ms."""
        extra = min(self.total_s) - min(self.startup_s)
        return 1e3 * extra / (self.scans - 1)

    def as_dict(self) -> dict[str, object]:
        """JSON-ready figures and raw runs."""
        return {
            "cpu_ms_per_scan": self.per_scan_ms,
            "startup_cpu_s": min(self.startup_s),
            "total_cpu_s": min(self.total_s),
            "total_cpu_s_runs": self.total_s,
            "startup_cpu_s_runs": self.startup_s,
            "total_wall_s_runs": self.wall_s,
        }


# --------------------------------------------------------------------------- child processes


def timed_run(cmd: list[str], env: dict[str, str], *, quiet: bool = True) -> tuple[float, float]:
    """Run ``cmd`` to completion; return its CPU seconds (user + system) and wall seconds.

    ``RUSAGE_CHILDREN`` counts the children that have ended and been waited for, so the
    difference around one `subprocess.run` is that child's (and its own children's) CPU.
    """
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    t0 = time.perf_counter()
    proc = subprocess.run(
        cmd,
        env=env,
        stdout=subprocess.PIPE if quiet else None,
        stderr=subprocess.PIPE if quiet else None,
        text=True,
        check=False,
    )
    wall = time.perf_counter() - t0
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    if proc.returncode != 0:
        tail = (proc.stderr or "").strip().splitlines()[-15:]
        raise BenchError(
            f"{shlex.join(cmd)} failed (exit status {proc.returncode})"
            + (":\n    " + "\n    ".join(tail) if tail else "")
        )
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return cpu, wall


def child_env(*, drop_pythonpath: bool = False) -> dict[str, str]:
    """This process's environment with one BLAS thread (and without PYTHONPATH if asked)."""
    env = {k: v for k, v in os.environ.items() if not (drop_pythonpath and k == "PYTHONPATH")}
    env.update(ONE_THREAD)
    return env


# --------------------------------------------------------------------------- ours


def iamd_track_flags(iamd: str) -> set[str]:
    """The long options ``iamd track --help`` lists."""
    try:
        proc = subprocess.run(
            [iamd, "track", "--help"], capture_output=True, text=True, check=True, timeout=120
        )
    except (OSError, subprocess.CalledProcessError) as exc:
        raise BenchError(f"cannot run {iamd} track --help ({exc})") from None
    return set(re.findall(r"--[a-z][a-z0-9-]*", proc.stdout))


def config_flags(template: str, scn: Scenario) -> list[str]:
    """The flags of a configuration with the scenario's values filled in."""
    s = scn.spec
    return shlex.split(
        template.format(
            q=f"{s.q_m2_s3:g}",
            pd=f"{s.pd:g}",
            sigma_m=f"{s.sigma_m:g}",
            revisit_s=f"{s.revisit_s:g}",
        )
    )


def check_flags(configs: dict[str, str], known: set[str], iamd: str) -> None:
    """Stop with a clear message if a configuration uses a flag ``iamd track`` lacks."""
    for name, template in configs.items():
        for flag in shlex.split(template):
            if flag.startswith("--") and flag.split("=", 1)[0] not in known:
                raise BenchError(
                    f"configuration {name!r} ({template}) needs {flag.split('=', 1)[0]}, "
                    f"which `{iamd} track` does not have (its flags: "
                    f"{', '.join(sorted(known - {'--help'}))}). Run with --configs naming "
                    "only configurations the installed tool supports."
                )


def write_plots(path: Path, scn: Scenario) -> None:
    """The documented plots file: ``t_s, x_m, y_m, z_m, sigma_m`` (Parquet)."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    pq.write_table(
        pa.table(
            {
                "t_s": scn.plot_t_s,
                "x_m": scn.plot_pos_m[:, 0],
                "y_m": scn.plot_pos_m[:, 1],
                "z_m": scn.plot_pos_m[:, 2],
                "sigma_m": scn.plot_sigma_m,
            }
        ),
        path,
    )


def read_tracks(path: Path) -> Tracks:
    """The columns of a tracks file the metrics need (others are ignored)."""
    import pyarrow.parquet as pq

    tab = pq.read_table(path, columns=["t_s", "track_id", "x_m", "y_m", "z_m"])
    col = {c: tab.column(c).to_numpy() for c in tab.column_names}
    return Tracks(
        np.asarray(col["t_s"], dtype=np.float64),
        np.asarray(col["track_id"], dtype=np.int64),
        np.column_stack([col["x_m"], col["y_m"], col["z_m"]]).astype(np.float64),
    )


def run_ours(
    iamd: str, flags: list[str], full: Path, first: Path, out: Path, scans: int, repeats: int
) -> tuple[Cpu, Tracks]:
    """Time ``iamd track`` on the full plots and on the first scan; read the tracks."""
    env = child_env()
    total, startup, wall = [], [], []
    for _ in range(repeats):
        cpu, _w = timed_run([iamd, "track", str(first), "--out", str(out), *flags], env)
        startup.append(cpu)
        cpu, w = timed_run([iamd, "track", str(full), "--out", str(out), *flags], env)
        total.append(cpu)
        wall.append(w)
    return Cpu(total, startup, wall, scans), read_tracks(out)


# --------------------------------------------------------------------------- Stone Soup


def kd_radius_m(scn: Scenario) -> float:
    """Search radius of Stone Soup's k-d tree that never cuts a kept track's χ² gate.

    The widest gate is a holding track's after two missed scans, predicted 3 revisits past
    its single plot: innovation variance ``2σ² + (3 T σ_v)² + q (3T)³/3`` per axis.
    """
    from scipy.stats import chi2

    s = scn.spec
    lead = HOLD_DELETE_SCANS * s.revisit_s
    var = 2 * s.sigma_m**2 + (lead * INIT_SPEED_SIGMA_M_S) ** 2 + s.q_m2_s3 * lead**3 / 3
    return float(np.sqrt(chi2.ppf(GATE_PROB, 3) * var))


def write_stonesoup_input(path: Path, scn: Scenario) -> None:
    """The plots and the matched configuration's parameters, for the worker."""
    from scipy.stats import chi2

    sig = np.unique(scn.plot_sigma_m)
    if len(sig) != 1:
        raise BenchError("the Stone Soup worker needs one plot sigma for all plots")
    np.savez(
        path,
        t_s=scn.plot_t_s,
        pos_m=scn.plot_pos_m,
        sigma_m=float(sig[0]),
        q_m2_s3=scn.spec.q_m2_s3,
        gate=float(np.sqrt(chi2.ppf(GATE_PROB, 3))),
        kd_radius_m=kd_radius_m(scn),
        init_speed_sigma_m_s=INIT_SPEED_SIGMA_M_S,
        min_points=MIN_POINTS,
        hold_delete_scans=HOLD_DELETE_SCANS,
        delete_scans=DELETE_SCANS,
    )


def run_stonesoup(
    python: str, full: Path, first: Path, out: Path, scans: int
) -> tuple[Cpu, Tracks, dict[str, str]]:
    """Time the worker on the full plots and on the first scan; read its tracks."""
    env = child_env(drop_pythonpath=True)
    me = str(Path(__file__).resolve())
    startup, _ = timed_run([python, me, "--worker", str(first), str(out)], env)
    total, wall = timed_run([python, me, "--worker", str(full), str(out)], env, quiet=False)
    data = np.load(out)
    tracks = Tracks(
        data["t_s"].astype(np.float64), data["track_id"].astype(np.int64), data["pos_m"]
    )
    info = {"version": str(data["version"]), "associator": str(data["associator"])}
    return Cpu([total], [startup], [wall], scans), tracks, info


def stonesoup_worker(src: str, dst: str) -> None:  # pragma: no cover - runs under Stone Soup
    """Track the plots of ``src`` with Stone Soup's matched configuration; write the tracks.

    Runs in Stone Soup's interpreter: only the standard library, NumPy and Stone Soup.
    """
    import datetime

    import stonesoup
    from stonesoup.deleter.time import UpdateTimeStepsDeleter
    from stonesoup.hypothesiser.distance import DistanceHypothesiser
    from stonesoup.initiator.simple import MultiMeasurementInitiator
    from stonesoup.measures import Mahalanobis
    from stonesoup.models.measurement.linear import LinearGaussian
    from stonesoup.models.transition.linear import (
        CombinedLinearGaussianTransitionModel,
        ConstantVelocity,
    )
    from stonesoup.predictor.kalman import KalmanPredictor
    from stonesoup.tracker.simple import MultiTargetTracker
    from stonesoup.types.array import StateVector
    from stonesoup.types.detection import Detection
    from stonesoup.types.state import GaussianState
    from stonesoup.updater.kalman import KalmanUpdater

    data = np.load(src)
    t_s, pos = data["t_s"], data["pos_m"]
    sigma, q = float(data["sigma_m"]), float(data["q_m2_s3"])
    transition = CombinedLinearGaussianTransitionModel([ConstantVelocity(q) for _ in range(3)])
    meas = LinearGaussian(ndim_state=6, mapping=(0, 2, 4), noise_covar=np.eye(3) * sigma**2)
    predictor = KalmanPredictor(transition)
    updater = KalmanUpdater(meas)
    hyp = DistanceHypothesiser(
        predictor, updater, measure=Mahalanobis(), missed_distance=float(data["gate"])
    )

    def associator() -> object:
        try:
            from stonesoup.dataassociator.tree import DetectionKDTreeGNN2D
        except ImportError:
            from stonesoup.dataassociator.neighbour import GNNWith2DAssignment

            return GNNWith2DAssignment(hyp)
        return DetectionKDTreeGNN2D(
            hypothesiser=hyp,
            predictor=predictor,
            updater=updater,
            max_distance=float(data["kd_radius_m"]),
        )

    v_var = float(data["init_speed_sigma_m_s"]) ** 2
    prior = GaussianState(StateVector(np.zeros(6)), np.diag([0.0, v_var] * 3))
    initiator = MultiMeasurementInitiator(
        prior_state=prior,
        measurement_model=meas,
        deleter=UpdateTimeStepsDeleter(time_steps_since_update=int(data["hold_delete_scans"])),
        data_associator=associator(),
        updater=updater,
        min_points=int(data["min_points"]),
    )
    epoch = datetime.datetime(2024, 1, 1)
    order = np.argsort(t_s, kind="stable")
    t_s, pos = t_s[order], pos[order]
    times, starts = np.unique(t_s, return_index=True)
    ends = np.append(starts[1:], len(t_s))
    feed = []
    for t, a, b in zip(times, starts, ends, strict=True):
        when = epoch + datetime.timedelta(seconds=float(t))
        dets = {Detection(StateVector(p), timestamp=when, measurement_model=meas) for p in pos[a:b]}
        feed.append((when, dets))
    tracker = MultiTargetTracker(
        initiator=initiator,
        deleter=UpdateTimeStepsDeleter(time_steps_since_update=int(data["delete_scans"])),
        detector=feed,
        data_associator=associator(),
        updater=updater,
    )
    ids: dict[object, int] = {}
    out_t, out_id, out_pos = [], [], []
    for k, ((_, tracks), t) in enumerate(zip(tracker, times, strict=True)):
        for tr in tracks:
            out_t.append(float(t))
            out_id.append(ids.setdefault(tr.id, len(ids) + 1))
            out_pos.append(np.asarray(tr.state_vector, dtype=float).ravel()[[0, 2, 4]])
        if len(times) > 1 and (k + 1) % 10 == 0:
            print(f"  stonesoup scan {k + 1}/{len(times)}: {len(tracks)} tracks", file=sys.stderr)
    np.savez(
        dst,
        t_s=np.array(out_t),
        track_id=np.array(out_id, dtype=np.int64),
        pos_m=np.array(out_pos).reshape(-1, 3),
        version=np.array(stonesoup.__version__),
        associator=np.array(type(initiator.data_associator).__name__),
    )


# --------------------------------------------------------------------------- accuracy


def accuracy(scn: Scenario, tracks: Tracks, warmup: int) -> dict[str, float | int]:
    """OSPA, GOSPA parts, false tracks and continuity of ``tracks`` over ``scn``'s scans."""
    from iamd.track.metrics import continuity, gospa, match_tracks, ospa

    trk = tracks.until(float(scn.scan_t_s[-1]))
    order = np.argsort(trk.t_s, kind="stable")
    kt, kp = trk.t_s[order], trk.pos_m[order]
    ospas, missed, false, loc, pairs = [], [], [], [], 0
    half_c = CUTOFF_M**ORDER / 2.0
    for t in scn.scan_t_s[warmup:]:  # a loop over scans
        a, b = (
            np.searchsorted(scn.truth_t_s, [t, t], side="left")[0],
            np.searchsorted(scn.truth_t_s, t, side="right"),
        )
        c, d = np.searchsorted(kt, t, side="left"), np.searchsorted(kt, t, side="right")
        x, y = scn.truth_pos_m[a:b], kp[c:d]
        ospas.append(ospa(x, y, cutoff_m=CUTOFF_M, order=ORDER))
        g = gospa(x, y, cutoff_m=CUTOFF_M, order=ORDER)
        missed.append(g.missed / half_c)
        false.append(g.false / half_c)
        loc.append(g.localisation)
        pairs += g.n_assigned
    m = match_tracks(
        scn.truth_t_s,
        scn.truth_id,
        scn.truth_pos_m,
        trk.t_s,
        trk.track_id,
        trk.pos_m,
        cutoff_m=CUTOFF_M,
    )
    cont = continuity(m)
    all_ids = np.unique(trk.track_id)
    matched = np.unique(m.track_id[m.track_id >= 0])
    return {
        "ospa_m": float(np.mean(ospas)),
        "missed_per_scan": float(np.mean(missed)),
        "false_per_scan": float(np.mean(false)),
        "error_m": float(np.sum(loc) / max(pairs, 1)) if ORDER == 1.0 else float("nan"),
        "tracks": len(all_ids),
        "false_tracks": len(np.setdiff1d(all_ids, matched)),
        "id_switches": cont.id_switches,
        "fragmentations": cont.fragmentations,
        "truths_tracked": cont.truths,
        "truths": len(np.unique(scn.truth_id)),
    }


# --------------------------------------------------------------------------- report

HEADER = (
    "| scenario | tracker | scans | CPU ms/scan | start-up CPU s | speed-up | OSPA (m) "
    "| missed/scan | false/scan | false tracks | ID switches |\n"
    "|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|"
)


def table_row(scenario: str, row: dict[str, object]) -> str:
    """One markdown row of the table."""

    def num(key: str, fmt: str) -> str:
        v = row.get(key)
        return "—" if v is None else format(v, fmt)

    sp = row.get("speedup")
    return (
        f"| {scenario} | {row['tracker']} | {row['scans']} | {num('cpu_ms_per_scan', '.2f')} "
        f"| {num('startup_cpu_s', '.2f')} | {'—' if sp is None else f'{sp:.0f}×'} "
        f"| {num('ospa_m', '.1f')} | {num('missed_per_scan', '.2f')} "
        f"| {num('false_per_scan', '.2f')} | {row['false_tracks']} | {row['id_switches']} |"
    )


def parse_ss_scans(items: list[str], names: list[str]) -> dict[str, int]:
    """``K`` (every scenario) and ``NAME:K`` items → scans per scenario name."""
    out: dict[str, int] = {}
    for item in items:
        name, _, k = item.rpartition(":")
        if not k.isdigit() or int(k) < 2:
            raise BenchError(f"--ss-scans: expected K or NAME:K with K >= 2 (got {item!r})")
        if name and name not in SCENARIOS:
            raise BenchError(f"--ss-scans: unknown scenario {name!r}")
        for n in [name] if name else names:
            out[n] = int(k)
    return out


def environment(iamd: str, known_flags: set[str]) -> dict[str, object]:
    """Versions and machine, for the JSON."""
    try:
        commit = subprocess.run(
            ["git", "rev-parse", "HEAD"],
            capture_output=True,
            text=True,
            check=True,
            cwd=Path(__file__).resolve().parent,
        ).stdout.strip()
    except (OSError, subprocess.CalledProcessError):
        commit = "unknown"
    return {
        "python": platform.python_version(),
        "numpy": np.__version__,
        "machine": platform.platform(),
        "cpus": os.cpu_count(),
        "load_average": list(os.getloadavg()),
        "iamd_commit": commit,
        "iamd": iamd,
        "iamd_track_flags": sorted(known_flags),
    }


def run_scenario(
    name: str, args: argparse.Namespace, configs: dict[str, str], work: Path
) -> dict[str, object]:
    """Generate one scenario, run every tracker on it and gather the figures."""
    spec = scenario_spec(name, quick=args.quick, scans=args.scans)
    scn = generate(spec, args.seed)
    s_all = scn.scans
    if s_all < 2 or args.warmup >= s_all:
        raise BenchError(f"{name}: needs more scans than the warm-up ({s_all} scans)")
    with_ss = spec.tracked_by_stonesoup and not args.no_stonesoup
    k_ss = min(args.ss_scans.get(name, spec.stonesoup_scans or s_all), s_all) if with_ss else 0
    if with_ss and args.warmup >= k_ss:
        raise BenchError(f"{name}: Stone Soup's {k_ss} scans do not exceed the warm-up")
    print(
        f"{name}: {spec.title}; {scn.n_aircraft} aircraft, {s_all} scans, "
        f"{len(scn.plot_t_s)} plots" + (f"; Stone Soup on {k_ss} scans" if with_ss else ""),
        file=sys.stderr,
        flush=True,
    )
    d = work / name
    d.mkdir(parents=True, exist_ok=True)
    first = scn.first_scans(1)
    write_plots(d / "plots.parquet", scn)
    write_plots(d / "plots_first.parquet", first)
    cut = scn.first_scans(k_ss) if with_ss and k_ss < s_all else None
    if cut is not None:
        write_plots(d / "plots_ss.parquet", cut)
    rows: list[dict[str, object]] = []
    window_rows: list[dict[str, object]] = []
    ss_info: dict[str, str] = {}
    if with_ss:
        ss_scn = cut if cut is not None else scn
        write_stonesoup_input(d / "ss.npz", ss_scn)
        write_stonesoup_input(d / "ss_first.npz", first)
        cpu, trk, ss_info = run_stonesoup(
            args.stonesoup_python, d / "ss.npz", d / "ss_first.npz", d / "ss_tracks.npz", k_ss
        )
        ss_row = {
            "tracker": "Stone Soup matched",
            "scans": k_ss,
            **cpu.as_dict(),
            **accuracy(ss_scn, trk, args.warmup),
        }
        window_rows.append(ss_row)
    for cname, template in configs.items():
        flags = config_flags(template, scn)
        label = f"iamd {cname}"
        print(f"  {label}: iamd track {shlex.join(flags)}", file=sys.stderr, flush=True)
        out = d / f"tracks_{cname}.parquet"
        cpu, trk = run_ours(
            args.iamd,
            flags,
            d / "plots.parquet",
            d / "plots_first.parquet",
            out,
            s_all,
            args.repeats,
        )
        full_row = {
            "tracker": label,
            "config": cname,
            "flags": flags,
            "scans": s_all,
            **cpu.as_dict(),
            **accuracy(scn, trk, args.warmup),
        }
        if with_ss:
            if cut is not None:
                cpu_k, trk_k = run_ours(
                    args.iamd,
                    flags,
                    d / "plots_ss.parquet",
                    d / "plots_first.parquet",
                    d / f"tracks_{cname}_ss.parquet",
                    k_ss,
                    args.repeats,
                )
                win = {
                    "tracker": label,
                    "config": cname,
                    "flags": flags,
                    "scans": k_ss,
                    **cpu_k.as_dict(),
                    **accuracy(cut, trk_k, args.warmup),
                }
            else:
                win = dict(full_row)
            ours_ms = float(win["cpu_ms_per_scan"])  # type: ignore[arg-type]
            ss_ms = float(window_rows[0]["cpu_ms_per_scan"])  # type: ignore[arg-type]
            win["speedup"] = ss_ms / ours_ms if ours_ms > 0 else None
            window_rows.append(win)
            if cut is not None:
                rows.append(full_row)
        else:
            rows.append(full_row)
    for r in (*window_rows, *rows):
        print(table_row(name, r), flush=True)
    return {
        "metadata": scn.metadata(),
        "stonesoup_scans": k_ss,
        "stonesoup": ss_info,
        "kd_radius_m": kd_radius_m(scn) if with_ss else None,
        "rows": [*window_rows, *rows],
    }


def main() -> int:
    """Parse the command line, run the scenarios, print the table, write the JSON."""
    here = Path(sys.executable).parent / "iamd"
    p = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    p.add_argument("--scenarios", nargs="+", default=list(SCENARIOS), choices=list(SCENARIOS))
    p.add_argument(
        "--configs",
        nargs="+",
        default=list(DEFAULT_CONFIGS),
        help=f"ours to run, among {', '.join(CONFIGS)} (default: {' '.join(DEFAULT_CONFIGS)})",
    )
    p.add_argument(
        "--config",
        action="append",
        default=[],
        metavar="NAME=FLAGS",
        help="add a configuration of ours (also run); {q} {pd} {sigma_m} {revisit_s} filled in",
    )
    p.add_argument("--seed", type=int, default=1)
    p.add_argument("--scans", type=int, default=None, help="scans of every scenario")
    p.add_argument(
        "--ss-scans",
        nargs="+",
        default=[],
        metavar="K|NAME:K",
        help="Stone Soup runs the first K scans (default: per scenario, see scenarios.py)",
    )
    p.add_argument("--repeats", type=int, default=None, help="runs of ours per figure (5)")
    p.add_argument("--warmup", type=int, default=5, help="scans left out of OSPA/GOSPA means")
    p.add_argument("--quick", action="store_true", help="small sizes, for a smoke test")
    p.add_argument("--stonesoup-python", default="/tmp/ss/bin/python")
    p.add_argument("--no-stonesoup", action="store_true", help="ours only")
    p.add_argument("--iamd", default=str(here), help=f"the iamd command (default {here})")
    p.add_argument("--json", type=Path, default=None, help="write all figures here")
    p.add_argument("--keep", type=Path, default=None, help="keep plots and tracks files here")
    args = p.parse_args()
    args.repeats = args.repeats or (1 if args.quick else 5)
    try:
        args.ss_scans = parse_ss_scans(args.ss_scans, args.scenarios)
        configs = {**CONFIGS}
        for item in args.config:
            cname, sep, flags = item.partition("=")
            if not sep or not cname:
                raise BenchError(f"--config: expected NAME=FLAGS (got {item!r})")
            configs[cname] = flags
        selected = list(dict.fromkeys([*args.configs, *(i.partition("=")[0] for i in args.config)]))
        unknown = [c for c in selected if c not in configs]
        if unknown:
            raise BenchError(f"--configs: unknown {unknown}; known: {', '.join(configs)}")
        configs = {c: configs[c] for c in selected}
        if not Path(args.iamd).exists():
            raise BenchError(f"{args.iamd} not found (give the iamd command with --iamd)")
        known = iamd_track_flags(args.iamd)
        check_flags(configs, known, args.iamd)
        needs_ss = not args.no_stonesoup and any(
            scenario_spec(n).tracked_by_stonesoup for n in args.scenarios
        )
        if needs_ss and not Path(args.stonesoup_python).exists():
            raise BenchError(
                f"Stone Soup interpreter {args.stonesoup_python} not found: "
                "python3 -m venv /tmp/ss && /tmp/ss/bin/pip install stonesoup, "
                "or give --stonesoup-python, or run ours only with --no-stonesoup"
            )
        report: dict[str, object] = {
            "command": shlex.join(sys.argv),
            "environment": environment(args.iamd, known),
            "constants": {
                "cutoff_m": CUTOFF_M,
                "order": ORDER,
                "warmup_scans": args.warmup,
                "gate_prob": GATE_PROB,
                "repeats": args.repeats,
                "configs": configs,
                "goal_ms_per_scan_10000": GOAL_MS_PER_SCAN,
            },
            "scenarios": {},
        }
        print(HEADER, flush=True)
        results: dict[str, dict[str, object]] = {}
        with tempfile.TemporaryDirectory(prefix="iamd-bench-") as tmp:
            work = args.keep if args.keep is not None else Path(tmp)
            for name in args.scenarios:
                results[name] = run_scenario(name, args, configs, work)
        report["scenarios"] = results
    except BenchError as exc:
        print(f"bench_stonesoup: {exc}", file=sys.stderr)
        return 2
    notes = []
    if "10000" in results:
        for r in results["10000"]["rows"]:  # type: ignore[attr-defined]
            ms = float(r["cpu_ms_per_scan"])
            verdict = (
                "not measurable (below the start-up's noise)"
                if ms <= 0
                else "met"
                if ms <= GOAL_MS_PER_SCAN
                else "NOT met"
            )
            notes.append(
                f"10000 targets, {r['tracker']}: {ms:.1f} ms CPU per scan, goal ≤ "
                f"{GOAL_MS_PER_SCAN:.0f} ms {verdict}"
            )
    ss_versions = {
        str(v["stonesoup"].get("version"))  # type: ignore[index,union-attr]
        for v in results.values()
        if v.get("stonesoup")
    }
    if ss_versions:
        notes.append(f"Stone Soup {', '.join(sorted(ss_versions))}")
    notes.append(f"seed {args.seed}, warm-up {args.warmup} scans, {args.repeats} run(s) of ours")
    rows_all = [r for v in results.values() for r in v["rows"]]  # type: ignore[attr-defined]
    if any(float(r["cpu_ms_per_scan"]) <= 0 for r in rows_all):
        notes.append(
            "a CPU per scan <= 0 means the run's own work is below the run-to-run noise of "
            "the start-up: use more scans or --repeats (no speed-up is given then)"
        )
    print("\n" + "\n".join(f"- {n}" for n in notes))
    if args.json:
        args.json.write_text(json.dumps(report, indent=1, default=_json_default) + "\n")
    return 0


def _json_default(value: object) -> object:
    if isinstance(value, np.generic):
        return value.item()
    if isinstance(value, np.ndarray):
        return value.tolist()
    if isinstance(value, Path):
        return str(value)
    raise TypeError(f"not JSON-serialisable: {type(value).__name__}")


if __name__ == "__main__":
    if len(sys.argv) == 4 and sys.argv[1] == "--worker":
        stonesoup_worker(sys.argv[2], sys.argv[3])
    else:
        sys.exit(main())
