"""Seeded air-picture scenarios for the tracking benchmark: truth trajectories and radar plots.

Every scenario is a population of aircraft in a square of a few hundred kilometres, seen by
one idealised three-dimensional sensor that reports, once per revisit period, a plot for each
aircraft it detects and a sprinkling of false plots. The scenarios differ in one stress each
(many targets, heavy clutter, a slow revisit, a low detection probability, births and deaths,
manoeuvres, close crossings) and otherwise share one recipe, so that a change in a tracker's
figures from one scenario to the next can be read as the effect of that stress.

Truth motion
------------
Between manoeuvres an aircraft flies a *nearly constant velocity* path: its acceleration on
each axis is continuous-time white noise of power spectral density ``q`` (m²/s³), the
continuous white-noise acceleration (CWNA) model of Bar-Shalom, Li and Kirubarajan
(*Estimation with Applications to Tracking and Navigation*, 2001, §6.2.2). Over a step ``T``
its exact discretisation adds to each axis' position and velocity a zero-mean Gaussian pair of
covariance ``q · [[T³/3, T²/2], [T²/2, T]]``, which is how the paths are drawn here, step by
step, with ``T`` the revisit period or one second, whichever is shorter. This is the model a
matched Kalman filter assumes, which is why the scenario's ``q`` is part of its metadata: a
tracker configured with the same ``q`` is the like-for-like baseline. Flight starts level
(zero vertical velocity) between 1 and 12 km of altitude at 150–250 m/s on a random heading;
the vertical random walk of the noise keeps it only level-ish.

In the manoeuvre scenarios (``turns13``, ``turns36``) each aircraft alternates straight legs
(CWNA as above, 10–30 s, the first one shorter so that turns start early and out of step)
with *coordinated turns*: a constant horizontal speed and a constant turn rate
``ω = a / v``, with ``a`` drawn uniformly in the scenario's range of g (g = 9.80665 m/s²) and
the heading change uniformly in 45–180°, left or right. Turn legs are integrated exactly and
carry no process noise; the vertical velocity is held through them.

Births and deaths (``births``) give every target a life: the aircraft present at the start
leave after 20–120 s, new ones appear (a Poisson stream) and live 30–120 s. Crossing pairs
(``crossing``) are built backwards from the crossing: two aircraft meet at a random point and
time in the middle of the run, 0–300 m apart horizontally and 0–150 m vertically, their
courses 10–170° apart. An aircraft appearing at a chosen point and time, or meeting its
partner there, is obtained by drawing its path from an arbitrary start and shifting the whole
path by a constant; a constant shift leaves a CWNA path a CWNA path. The aircraft present
from the start are placed (uniformly in the square and the altitude band) at the middle of
the run rather than at its start, which cuts by almost three the spread of the altitude the
vertical random walk adds (it grows as the 3/2 power of the time); the extreme truth
altitudes are in each scenario's metadata.

Plots
-----
At each scan every living aircraft is detected with probability ``P_D``; a detection is its
true position plus independent Gaussian noise of standard deviation ``sigma_m`` (50 m) on each
axis. False plots are a Poisson number (mean ``clutter_per_scan``) of points uniform over the
square and 0–15 km of altitude. Plots within a scan are shuffled. Coordinates are local
Cartesian metres, z up.

Determinism: a scenario is a function of its specification and the seed only. The random
stream is seeded with ``(seed, crc32(name))``, so adding a scenario or running a subset never
changes another one.
"""

from __future__ import annotations

import zlib
from dataclasses import asdict, dataclass, replace

import numpy as np
import numpy.typing as npt

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.int64]
BoolArray = npt.NDArray[np.bool_]

G0_M_S2 = 9.80665
"""Standard gravity, the unit of the turn accelerations."""
ALTITUDE_M = (1_000.0, 12_000.0)
"""Altitude band of the aircraft at their anchor time."""
SPEED_M_S = (150.0, 250.0)
"""Initial speed band."""
CLUTTER_TOP_M = 15_000.0
"""False plots are uniform from the ground up to this height."""
STRAIGHT_LEG_S = (10.0, 30.0)
"""Duration of the straight legs between turns."""
TURN_HEADING_DEG = (45.0, 180.0)
"""Heading change of one coordinated turn."""
CROSS_MISS_H_M = 300.0
"""Largest horizontal distance of a crossing pair at its crossing."""
CROSS_MISS_V_M = 150.0
"""Largest vertical distance of a crossing pair at its crossing."""
CROSS_ANGLE_DEG = (10.0, 170.0)
"""Range of the angle between the courses of a crossing pair."""


@dataclass(frozen=True, slots=True, kw_only=True)
class ScenarioSpec:
    """What a scenario is made of; `generate` turns it and a seed into truth and plots.

    Attributes:
        name: short name, also part of the seed.
        title: one line for tables.
        n_targets: aircraft present at the start (for ``crossing``: twice the pairs).
        scans: number of scans.
        revisit_s: time between scans.
        pd: detection probability per aircraft per scan.
        clutter_per_scan: mean number of false plots per scan (Poisson).
        q_m2_s3: CWNA power spectral density of the truth per axis (straight legs).
        sigma_m: plot noise standard deviation per axis.
        side_m: side of the square (x and y from 0 to ``side_m``).
        birth_rate_per_s: mean rate of new aircraft (Poisson), 0 for none.
        life_s: lifetime range of newborn aircraft; None: everybody lives the whole run.
        first_life_s: remaining life range of the aircraft present at the start (with
            ``life_s``).
        turn_g: range of the turn acceleration in g; None: no turns.
        crossing_pairs: number of crossing pairs (they replace ``n_targets``).
        tracked_by_stonesoup: whether the benchmark runs Stone Soup on it.
        stonesoup_scans: default number of first scans Stone Soup runs (None: all).
    """

    name: str
    title: str
    n_targets: int
    scans: int
    revisit_s: float = 1.0
    pd: float = 0.9
    clutter_per_scan: float = 10.0
    q_m2_s3: float = 1.0
    sigma_m: float = 50.0
    side_m: float = 400_000.0
    birth_rate_per_s: float = 0.0
    life_s: tuple[float, float] | None = None
    first_life_s: tuple[float, float] = (20.0, 120.0)
    turn_g: tuple[float, float] | None = None
    crossing_pairs: int = 0
    tracked_by_stonesoup: bool = True
    stonesoup_scans: int | None = None


SCENARIOS: dict[str, ScenarioSpec] = {
    s.name: s
    for s in (
        ScenarioSpec(
            name="1000",
            title="1,000 targets, 10 clutter/scan, 1 s, Pd 0.9",
            n_targets=1000,
            scans=60,
            stonesoup_scans=20,
        ),
        ScenarioSpec(
            name="clutter",
            title="100 targets in 1,000 clutter plots/scan",
            n_targets=100,
            scans=60,
            clutter_per_scan=1000.0,
            stonesoup_scans=30,
        ),
        ScenarioSpec(
            name="revisit5",
            title="150 targets, 5 s revisit",
            n_targets=150,
            scans=30,
            revisit_s=5.0,
        ),
        ScenarioSpec(name="pd06", title="150 targets, Pd 0.6", n_targets=150, scans=60, pd=0.6),
        ScenarioSpec(
            name="births",
            title="100 targets at start, births 1.5/s, lives 30-120 s",
            n_targets=100,
            scans=90,
            birth_rate_per_s=1.5,
            life_s=(30.0, 120.0),
        ),
        ScenarioSpec(
            name="turns13",
            title="150 targets, coordinated turns of 1-3 g",
            n_targets=150,
            scans=90,
            turn_g=(1.0, 3.0),
        ),
        ScenarioSpec(
            name="turns36",
            title="150 targets, coordinated turns of 3-6 g",
            n_targets=150,
            scans=90,
            turn_g=(3.0, 6.0),
        ),
        ScenarioSpec(
            name="crossing",
            title="50 crossing pairs (0-300 m, 0-150 m apart)",
            n_targets=100,
            scans=90,
            crossing_pairs=50,
        ),
        ScenarioSpec(
            name="10000",
            title="10,000 targets (scale, ours only)",
            n_targets=10_000,
            scans=30,
            tracked_by_stonesoup=False,
        ),
    )
}
"""The benchmark's scenarios at full size."""

QUICK: dict[str, dict[str, object]] = {
    "1000": {"n_targets": 100},
    "clutter": {"n_targets": 30, "clutter_per_scan": 200.0},
    "revisit5": {"n_targets": 30, "scans": 10},
    "pd06": {"n_targets": 30},
    "births": {
        "n_targets": 20,
        "birth_rate_per_s": 1.0,
        "life_s": (5.0, 15.0),
        "first_life_s": (5.0, 20.0),
    },
    "turns13": {"n_targets": 30},
    "turns36": {"n_targets": 30},
    "crossing": {"n_targets": 20, "crossing_pairs": 10},
    "10000": {"n_targets": 500},
}
"""Small sizes for a smoke test (``--quick``): the same recipes with fewer targets."""
QUICK_SCANS = 15
"""Scans of a quick run (unless a scenario's quick sizes say otherwise)."""
QUICK_STONESOUP_SCANS = 8
"""Scans Stone Soup runs in a quick run."""


@dataclass(frozen=True, slots=True, kw_only=True)
class Scenario:
    """Truth and plots of one scenario (S scans, m truth rows, p plots).

    Attributes:
        spec: the specification; seed: the seed it was drawn with.
        scan_t_s: (S,) scan times, from 0.
        truth_t_s, truth_id, truth_pos_m: (m,), (m,), (m, 3) one row per living aircraft
            per scan, sorted by time then id.
        plot_t_s, plot_pos_m, plot_sigma_m: (p,), (p, 3), (p,) the plots, sorted by time.
        plot_truth_id: (p,) the aircraft a plot comes from, -1 for a false plot (never given
            to a tracker).
        n_aircraft: aircraft that live at some point of the run.
    """

    spec: ScenarioSpec
    seed: int
    scan_t_s: FloatArray
    truth_t_s: FloatArray
    truth_id: IntArray
    truth_pos_m: FloatArray
    plot_t_s: FloatArray
    plot_pos_m: FloatArray
    plot_sigma_m: FloatArray
    plot_truth_id: IntArray
    n_aircraft: int

    @property
    def scans(self) -> int:
        """Number of scans."""
        return len(self.scan_t_s)

    def first_scans(self, k: int) -> Scenario:
        """The same scenario cut after its first ``k`` scans."""
        if not 1 <= k <= self.scans:
            raise ValueError(f"first_scans: k must be in 1..{self.scans} (got {k})")
        t_end = self.scan_t_s[k - 1]
        tr = self.truth_t_s <= t_end
        pl = self.plot_t_s <= t_end
        return replace(
            self,
            spec=replace(self.spec, scans=k),
            scan_t_s=self.scan_t_s[:k],
            truth_t_s=self.truth_t_s[tr],
            truth_id=self.truth_id[tr],
            truth_pos_m=self.truth_pos_m[tr],
            plot_t_s=self.plot_t_s[pl],
            plot_pos_m=self.plot_pos_m[pl],
            plot_sigma_m=self.plot_sigma_m[pl],
            plot_truth_id=self.plot_truth_id[pl],
        )

    def metadata(self) -> dict[str, object]:
        """Everything needed to regenerate and to read the scenario (JSON-ready)."""
        meta: dict[str, object] = asdict(self.spec)
        meta.update(
            seed=self.seed,
            scans=self.scans,
            aircraft=self.n_aircraft,
            plots=len(self.plot_t_s),
            false_plots=int(np.sum(self.plot_truth_id < 0)),
            truth_rows=len(self.truth_t_s),
            truth_model=(
                "CWNA (nearly constant velocity) per axis, exact discretisation"
                + (", coordinated-turn legs without noise" if self.spec.turn_g else "")
            ),
            altitude_m=list(ALTITUDE_M),
            speed_m_s=list(SPEED_M_S),
            clutter_top_m=CLUTTER_TOP_M,
            truth_altitude_range_m=[
                float(self.truth_pos_m[:, 2].min(initial=np.inf)),
                float(self.truth_pos_m[:, 2].max(initial=-np.inf)),
            ],
        )
        return meta


def scenario_spec(name: str, *, quick: bool = False, scans: int | None = None) -> ScenarioSpec:
    """The specification called ``name``, at quick size if asked, with ``scans`` if given."""
    if name not in SCENARIOS:
        raise KeyError(f"unknown scenario {name!r}; known: {', '.join(SCENARIOS)}")
    spec = SCENARIOS[name]
    if quick:
        small = {"scans": QUICK_SCANS, "stonesoup_scans": QUICK_STONESOUP_SCANS}
        small.update(QUICK[name])
        small["title"] = f"{spec.title} [quick size: {small['n_targets']} targets]"
        spec = replace(spec, **small)  # type: ignore[arg-type]
    if scans is not None:
        spec = replace(spec, scans=scans)
    return spec


def generate(spec: ScenarioSpec, seed: int) -> Scenario:
    """Draw the truth and the plots of ``spec`` with ``seed`` (see the module's docstring)."""
    rng = np.random.default_rng(np.random.SeedSequence([seed, zlib.crc32(spec.name.encode())]))
    substeps = max(1, round(spec.revisit_s))
    dt = spec.revisit_s / substeps
    n_steps = (spec.scans - 1) * substeps
    step_t = np.arange(n_steps + 1) * dt

    born, dies, anchor_step, anchor_pos, v0 = _population(spec, rng, step_t)
    path = _fly(spec, rng, v0, n_steps, dt)  # (steps + 1, n, 6) from the origin
    n = len(born)
    path[:, :, :3] += (anchor_pos - path[anchor_step, np.arange(n), :3])[None]

    scan_steps = np.arange(spec.scans) * substeps
    scan_t = step_t[scan_steps]
    truth_t, truth_id, truth_pos = [], [], []
    plot_t, plot_pos, plot_src = [], [], []
    for k, s in enumerate(scan_steps):  # a loop over scans
        alive = np.flatnonzero((born <= scan_t[k] + 1e-9) & (dies > scan_t[k] + 1e-9))
        pos = path[s, alive, :3]
        truth_t.append(np.full(len(alive), scan_t[k]))
        truth_id.append(alive)
        truth_pos.append(pos)
        seen = rng.random(len(alive)) < spec.pd
        z = pos[seen] + rng.normal(0.0, spec.sigma_m, (int(seen.sum()), 3))
        nc = int(rng.poisson(spec.clutter_per_scan))
        clutter = np.column_stack(
            [rng.uniform(0.0, spec.side_m, (nc, 2)), rng.uniform(0.0, CLUTTER_TOP_M, nc)]
        )
        src = np.concatenate([alive[seen], np.full(nc, -1)])
        order = rng.permutation(len(src))
        plot_t.append(np.full(len(src), scan_t[k]))
        plot_pos.append(np.vstack([z, clutter])[order])
        plot_src.append(src[order])
    p_t = np.concatenate(plot_t)
    return Scenario(
        spec=spec,
        seed=seed,
        scan_t_s=scan_t,
        truth_t_s=np.concatenate(truth_t),
        truth_id=np.concatenate(truth_id).astype(np.int64),
        truth_pos_m=np.vstack(truth_pos),
        plot_t_s=p_t,
        plot_pos_m=np.vstack(plot_pos),
        plot_sigma_m=np.full(len(p_t), spec.sigma_m),
        plot_truth_id=np.concatenate(plot_src).astype(np.int64),
        n_aircraft=n,
    )


# --------------------------------------------------------------------------- helpers


def _population(
    spec: ScenarioSpec, rng: np.random.Generator, step_t: FloatArray
) -> tuple[FloatArray, FloatArray, IntArray, FloatArray, FloatArray]:
    """Lives, anchors and initial velocities of the aircraft.

    Returns ``(born_s, dies_s, anchor_step, anchor_pos_m, v0_m_s)``: an aircraft lives on
    ``born_s <= t < dies_s`` and its path goes through ``anchor_pos_m`` at step
    ``anchor_step``: its birth, or the middle of the run for the aircraft present from the
    start (the random walk of the noise then strays least from the drawn altitude band).
    """
    duration = float(step_t[-1])
    mid = (len(step_t) - 1) // 2
    n0 = spec.n_targets
    if spec.crossing_pairs:
        return _crossing_pairs(spec, rng, step_t)
    born = np.zeros(n0)
    dies = np.full(n0, np.inf)
    if spec.life_s is not None:
        dies = rng.uniform(*spec.first_life_s, n0)
    if spec.birth_rate_per_s > 0 and spec.life_s is not None:
        nb = int(rng.poisson(spec.birth_rate_per_s * duration))
        # births on the simulation grid, after the first scan
        b_step = np.sort(rng.integers(1, len(step_t), nb))
        born = np.concatenate([born, step_t[b_step]])
        dies = np.concatenate([dies, step_t[b_step] + rng.uniform(*spec.life_s, nb)])
        anchor_step = np.concatenate([np.full(n0, mid, dtype=np.int64), b_step])
    else:
        anchor_step = np.full(n0, mid, dtype=np.int64)
    n = len(born)
    anchor_pos = np.column_stack(
        [rng.uniform(0.0, spec.side_m, (n, 2)), rng.uniform(*ALTITUDE_M, n)]
    )
    return born, dies, anchor_step, anchor_pos, _level_velocity(rng, n)


def _crossing_pairs(
    spec: ScenarioSpec, rng: np.random.Generator, step_t: FloatArray
) -> tuple[FloatArray, FloatArray, IntArray, FloatArray, FloatArray]:
    """Pairs that meet in the middle of the run (see the module's docstring)."""
    m = spec.crossing_pairs
    n_steps = len(step_t) - 1
    meet = rng.integers(round(0.3 * n_steps), round(0.7 * n_steps) + 1, m)
    centre = np.column_stack(
        [rng.uniform(0.25 * spec.side_m, 0.75 * spec.side_m, (m, 2)), rng.uniform(*ALTITUDE_M, m)]
    )
    bearing = rng.uniform(0.0, 2 * np.pi, m)
    miss_h = rng.uniform(0.0, CROSS_MISS_H_M, m)
    offset = np.column_stack(
        [
            miss_h * np.cos(bearing),
            miss_h * np.sin(bearing),
            rng.uniform(-CROSS_MISS_V_M, CROSS_MISS_V_M, m),
        ]
    )
    heading_a = rng.uniform(0.0, 2 * np.pi, m)
    angle = np.deg2rad(rng.uniform(*CROSS_ANGLE_DEG, m)) * rng.choice([-1.0, 1.0], m)
    heading = np.concatenate([heading_a, heading_a + angle])
    speed = rng.uniform(*SPEED_M_S, 2 * m)
    v0 = np.column_stack([speed * np.cos(heading), speed * np.sin(heading), np.zeros(2 * m)])
    n = 2 * m
    return (
        np.zeros(n),
        np.full(n, np.inf),
        np.concatenate([meet, meet]).astype(np.int64),
        np.vstack([centre, centre + offset]),
        v0,
    )


def _level_velocity(rng: np.random.Generator, n: int) -> FloatArray:
    """Level velocities at a uniform speed in `SPEED_M_S` and a uniform heading."""
    heading = rng.uniform(0.0, 2 * np.pi, n)
    speed = rng.uniform(*SPEED_M_S, n)
    return np.column_stack([speed * np.cos(heading), speed * np.sin(heading), np.zeros(n)])


def _fly(
    spec: ScenarioSpec, rng: np.random.Generator, v0: FloatArray, n_steps: int, dt: float
) -> FloatArray:
    """States ``(steps + 1, n, 6)`` from the origin: CWNA legs and coordinated turns.

    The CWNA step draws the position and velocity noise of each axis from the exact
    discretisation ``q · [[T³/3, T²/2], [T²/2, T]]`` (Bar-Shalom et al. 2001, §6.2.2) through
    its Cholesky factor. A turn rotates the horizontal velocity by ``ω T`` and advances the
    position by the exact integral of the rotating velocity.
    """
    n = len(v0)
    q = spec.q_m2_s3
    chol = np.linalg.cholesky(q * np.array([[dt**3 / 3, dt**2 / 2], [dt**2 / 2, dt]]))
    out = np.empty((n_steps + 1, n, 6))
    pos = np.zeros((n, 3))
    vel = v0.copy()
    out[0, :, :3], out[0, :, 3:] = pos, vel
    turns = spec.turn_g is not None
    turning = np.zeros(n, dtype=bool)
    omega = np.zeros(n)
    left = np.zeros(n, dtype=np.int64)
    if turns:  # first straight legs short, so that turns start early and out of step
        left = np.maximum(1, np.round(rng.uniform(0, STRAIGHT_LEG_S[1], n) / dt)).astype(np.int64)
    for s in range(n_steps):  # a loop over time steps
        if turns:
            _next_legs(spec, rng, turning, omega, left, vel, dt)
        w = rng.standard_normal((n, 3, 2)) @ chol.T  # (n, axis, [pos, vel])
        straight = ~turning
        pos[straight] += vel[straight] * dt + w[straight, :, 0]
        vel[straight] += w[straight, :, 1]
        if turning.any():
            idx = np.flatnonzero(turning)
            wt = omega[idx] * dt
            sn, cs = np.sin(wt), np.cos(wt)
            vx, vy = vel[idx, 0].copy(), vel[idx, 1].copy()
            pos[idx, 0] += (sn * vx - (1 - cs) * vy) / omega[idx]
            pos[idx, 1] += ((1 - cs) * vx + sn * vy) / omega[idx]
            pos[idx, 2] += vel[idx, 2] * dt
            vel[idx, 0] = cs * vx - sn * vy
            vel[idx, 1] = sn * vx + cs * vy
        left -= 1
        out[s + 1, :, :3], out[s + 1, :, 3:] = pos, vel
    return out


def _next_legs(
    spec: ScenarioSpec,
    rng: np.random.Generator,
    turning: BoolArray,
    omega: FloatArray,
    left: IntArray,
    vel: FloatArray,
    dt: float,
) -> None:
    """Start the next leg of the aircraft whose leg is over (in place)."""
    assert spec.turn_g is not None
    done = np.flatnonzero(left <= 0)
    if len(done) == 0:
        return
    to_turn = done[~turning[done]]
    to_straight = done[turning[done]]
    turning[to_straight] = False
    omega[to_straight] = 0.0
    left[to_straight] = np.maximum(
        1, np.round(rng.uniform(*STRAIGHT_LEG_S, len(to_straight)) / dt)
    ).astype(np.int64)
    speed_h = np.maximum(np.hypot(vel[to_turn, 0], vel[to_turn, 1]), 1.0)
    accel = rng.uniform(*spec.turn_g, len(to_turn)) * G0_M_S2
    rate = accel / speed_h * rng.choice([-1.0, 1.0], len(to_turn))
    change = np.deg2rad(rng.uniform(*TURN_HEADING_DEG, len(to_turn)))
    turning[to_turn] = True
    omega[to_turn] = rate
    left[to_turn] = np.maximum(1, np.round(change / np.abs(rate) / dt)).astype(np.int64)
