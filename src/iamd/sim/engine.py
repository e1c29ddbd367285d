"""The clock that runs the pipeline, step by step, and writes the event log.

:class:`Engine` is the clock of one run, an object you can step and inspect (after SimPy's
``Environment``: ``step()`` advances one clock step, ``run(until=...)`` steps to a time, and
between steps the truth, the picture, the engagements in flight and the event log so far can
be read). One step of ``time_step_s``, its stages in pipeline order, each a call into its
subpackage:

1. **truth** (`iamd.world.truth`, precomputed on the clock): launches and take-offs;
2. **outcome of earlier shots** (`iamd.engage.shoot`): the engagements due in the step draw
   their kill, and the engaging unit's picture makes its kill assessment;
3. **ends of flight**: threats that reach their aim point (leakers, impacts on assets) and
   aircraft that land leave the air;
4. **sensing** (`iamd.sense.scan`): the radars look, detect with noise, false alarms and
   cooperative replies;
5. **picture** (`iamd.sim.pictures`): the air picture folds the plots in and identifies its
   tracks;
6. **engagement** (`iamd.engage.stage`): the picture's candidates are evaluated, released
   under the sharing policy and the rules of engagement, and assigned to shooters.

The engine has no branch on the picture mode: the sensed picture (the default: a
multi-sensor tracker per picture and the identification stage, without the truth) and the
perfect-information baseline (``picture: truth``) implement one interface
(`iamd.sim.pictures.AirPicture`). Every random draw comes from a stream keyed by the run's
seed and the ids concerned (``iamd.rng``), so a run is a pure function of its scenario and
seed, and stepping gives the same bytes as running.

>>> from iamd.scenario.loader import load_scenario
>>> engine = Engine(load_scenario("balkans"), seed=1)
>>> engine.run(until=120.0)
Engine(scenario='balkans', seed=1, t_s=120, step=60/1801, airborne=..., tracks=..., engagements=0)
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt
import pandas as pd

from iamd import __version__
from iamd.engage.envelope import EffectorArray
from iamd.engage.shoot import Engagement, EngagementState
from iamd.engage.stage import EngagementStage
from iamd.identify.airspace import Airspace
from iamd.identify.identity import scenario_identity_rules
from iamd.scenario.catalog import HOSTILE_CLASSES, ThreatClass
from iamd.scenario.loader import LoadedScenario
from iamd.scenario.schema import PictureMode
from iamd.sense.clutter import false_alarms_per_scan
from iamd.sense.radar import SensorArray
from iamd.sense.scan import scan, sensor_streams
from iamd.sim.events import EventLog
from iamd.sim.outcome import asset_hits, summarize, threat_table
from iamd.sim.pictures import (
    FALSE_TRACK,
    AirPicture,
    SensedAirPicture,
    StepPicture,
    StepView,
    TruthAirPicture,
    lla_deg,
)
from iamd.sim.setup import build_effectors, build_sensors
from iamd.track.picture import PictureLayout, picture_layout
from iamd.track.sensed import SensedPicture, scenario_tracker_params
from iamd.world.truth import Truth, build_truth

__all__ = ["Engine", "RunResult", "StepPicture", "run"]

FloatArray = npt.NDArray[np.float64]

LOOKAHEAD_S = 300.0
"""How far ahead the engagement stage looks for an intercept (s)."""
OSPA_EVERY_S = 20.0
"""Interval at which the pictures are scored against the truth picture (s)."""
CIVIL_KILL = "civil aircraft destroyed"
"""End of the ``detail`` of an ``intercept`` event that destroyed a civil aircraft."""

ProgressFn = Callable[[int, int], None]
StepFn = Callable[[StepPicture], None]


@dataclass(frozen=True, slots=True, kw_only=True)
class RunResult:
    """Everything a run produced.

    Attributes:
        summary: the outcome figures written to ``summary.json``.
        threats: one row per threat (``threats.csv``).
        events: the event log, sorted (``events.parquet``).
        engagements: one row per engagement (unit, threat, rounds, cost, result).
        truth: the trajectories (for reports).
        sensors, effectors: the deployed units.
        layout: the pictures of the policy.
        picture: the sensed pictures at the end of the run (None with ``picture: truth``).
    """

    loaded: LoadedScenario
    seed: int
    summary: dict[str, object]
    threats: pd.DataFrame
    events: pd.DataFrame
    engagements: pd.DataFrame
    truth: Truth
    sensors: SensorArray
    effectors: EffectorArray
    layout: PictureLayout
    picture: SensedPicture | None = None

    def __repr__(self) -> str:
        s = self.summary
        keys = (
            "threats_launched",
            "threats_destroyed",
            "leakers",
            "assets_hit",
            "interceptors_fired",
            "civil_aircraft_engaged",
        )
        figures = ", ".join(f"{k}={s[k]}" for k in keys if k in s)
        return f"RunResult(scenario={self.loaded.scenario.name!r}, seed={self.seed}, {figures})"

    def _repr_html_(self) -> str:
        rows = "".join(
            f"<tr><th>{k}</th><td>{v}</td></tr>"
            for k, v in self.summary.items()
            if isinstance(v, (int, float, str))
        )
        return f"<b>iamd run</b> {self.loaded.scenario.name}, seed {self.seed}<table>{rows}</table>"


class Engine:
    """The clock of one run of ``loaded`` with ``seed`` (default: the scenario's); see the
    module.

    Attributes:
        loaded: the scenario; seed: the run's seed; dt_s: the clock step (s).
        truth, sensors, effectors, layout: the trajectories, radars, effectors and pictures.
        picture: the air picture (`iamd.sim.pictures.SensedAirPicture` or
            `TruthAirPicture`).
        stage: the engagement stage (`iamd.engage.stage.EngagementStage`): its ``state``
            holds magazines and the engagements in flight.
        log: the event log so far.
        alive: (N,) objects not destroyed and not at the end of their flight.
        k: the steps done; steps: the steps of the run.
    """

    def __init__(self, loaded: LoadedScenario, seed: int | None = None) -> None:
        sc = loaded.scenario
        self.loaded = loaded
        self.seed = int(sc.seed if seed is None else seed)
        self.dt_s = float(sc.time_step_s)
        self.truth = truth = build_truth(loaded, self.seed)
        self.sensors = sensors = build_sensors(loaded)
        self.effectors = units = build_effectors(loaded)
        nations = [n.code for n in sc.nations]
        self.layout = picture_layout(
            sc.policy.value, nations, [n.participates for n in sc.nations], list(sensors.nation)
        )
        airspace = Airspace.from_scenario(sc)
        self.picture: AirPicture = (
            SensedAirPicture(
                truth=truth,
                layout=self.layout,
                sensors=sensors,
                nations=nations,
                tracker_params=scenario_tracker_params(sc.tracking),
                airspace=airspace,
                ospa_every=max(1, round(OSPA_EVERY_S / self.dt_s)),
                dt_s=self.dt_s,
                identity_rules=scenario_identity_rules(sc.identification),
                visual=sc.identification.visual,
                patrols=tuple((p.id, p.nation) for p in sc.patrols),
            )
            if sc.picture == PictureMode.SENSED
            else TruthAirPicture(
                truth=truth,
                layout=self.layout,
                engage_identities=tuple(sorted(sc.rules_of_engagement.engage_identities)),
            )
        )
        self.stage = EngagementStage.from_scenario(
            sc, units, self.picture.slots, zone_of=airspace.zone_at
        )
        self.log = EventLog()
        n = len(truth.ids)
        self.alive = np.ones(n, dtype=bool)
        self.k = 0
        self.steps = len(truth.t_grid_s)
        self._streams = sensor_streams(self.seed, sensors.ids)
        self._ended = np.zeros(n, dtype=bool)
        self._launched = np.zeros(n, dtype=bool)
        self._civil = truth.cls == ThreatClass.AIRLINER.value
        hostile = np.isin(truth.cls, [c.value for c in HOSTILE_CLASSES])
        self._reply_transponder = truth.has_transponder & ~hostile  # threats never reply
        self._reply_iff = truth.has_iff & ~hostile
        self._slot_ids = [*truth.ids, ""][: self.picture.slots]
        self._unit_picture = np.array(
            [self.layout.of_nation[nat] for nat in units.nation], dtype=np.int64
        )
        self._false_alarms = false_alarms_per_scan(sensors, sc.tracking.false_alarms_per_s)
        self._horizon = max(1, round(LOOKAHEAD_S / self.dt_s))
        self._view: StepView | None = None

    @property
    def done(self) -> bool:
        """Every step of the run has been taken."""
        return self.k >= self.steps

    @property
    def t_s(self) -> float:
        """The clock: the start of the next step (s after the epoch)."""
        if self.k < self.steps:
            return float(self.truth.t_grid_s[self.k])
        return float(self.truth.t_grid_s[-1]) + self.dt_s if self.steps else 0.0

    @property
    def events(self) -> pd.DataFrame:
        """The event log so far, sorted."""
        return self.log.frame()

    @property
    def in_flight(self) -> list[Engagement]:
        """The engagements in flight (fired, not yet resolved)."""
        return list(self.stage.state.in_flight)

    def snapshot(self) -> StepPicture:
        """The confirmed tracks after the last step taken.

        Raises:
            RuntimeError: no step has been taken yet.
        """
        if self._view is None:
            raise RuntimeError("Engine.snapshot: no step taken yet (call step() or run())")
        return self.picture.snapshot(self._view)

    def run(
        self,
        until: float | None = None,
        *,
        progress: ProgressFn | None = None,
        on_step: StepFn | None = None,
    ) -> Engine:
        """Take the steps that start before ``until`` (s; default: to the end); returns the
        engine. ``progress(done, total)`` is called after each step, ``on_step`` with the
        confirmed tracks after each step; neither changes the run."""
        while self.k < self.steps and (until is None or self.t_s < until):
            self.step(on_step=on_step)
            if progress is not None:
                progress(self.k, self.steps)
        return self

    def step(self, *, on_step: StepFn | None = None) -> None:
        """Take one clock step (see the module for its stages).

        Raises:
            RuntimeError: the run has ended.
        """
        if self.done:
            raise RuntimeError(f"Engine.step: the run has ended ({self.steps} steps taken)")
        k, truth, dt = self.k, self.truth, self.dt_s
        t = float(truth.t_grid_s[k])
        t_next = t + dt
        self._launch(t_next)
        present = truth.present[:, k] & self.alive
        self._resolve_engagements(t_next)
        present &= self.alive
        self._end_flights(t_next)
        present &= self.alive
        pos = truth.pos_ecef_m[:, k, :]
        plots = scan(
            self.sensors,
            pos,
            present,
            truth.rcs_m2,
            t,
            dt,
            self._streams,
            has_transponder=self._reply_transponder,
            has_iff=self._reply_iff,
            false_alarms_per_scan=self._false_alarms,
            dropout=self.loaded.scenario.tracking.cooperative_dropout,
        )
        window = slice(k + 1, min(self.steps, k + 1 + self._horizon))
        view = StepView(
            k=k,
            t_s=t,
            t_next_s=t_next,
            dt_s=dt,
            pos_ecef_m=pos,
            vel_ecef_m_s=truth.vel_ecef_m_s[:, k, :],
            present=present,
            alive=self.alive.copy(),
            plots=plots,
            window=window,
            t_window_s=truth.t_grid_s[window],
        )
        self.picture.update(view, self.log)
        self.picture.score(view)
        self._engage(view)
        self._view = view
        self.k += 1
        if on_step is not None:
            on_step(self.picture.snapshot(view))

    def result(self) -> RunResult:
        """The run's outputs so far (after the last step: the run's result)."""
        events = self.log.frame()
        engagements = _engagement_table(
            self.stage.state, self.effectors, self.truth, self.picture.label
        )
        ospa_m, ospa_by_picture = self.picture.ospa_summary()
        summary = summarize(
            self.loaded,
            self.seed,
            self.truth,
            events,
            engagements,
            __version__,
            picture_stats={
                "picture_ospa_m": ospa_m,
                "picture_ospa_by_picture_m": ospa_by_picture,
            },
        )
        return RunResult(
            loaded=self.loaded,
            seed=self.seed,
            summary=summary,
            threats=threat_table(self.truth, events),
            events=events,
            engagements=engagements,
            truth=self.truth,
            sensors=self.sensors,
            effectors=self.effectors,
            layout=self.layout,
            picture=self.picture.tracker,
        )

    def __repr__(self) -> str:
        k = max(self.k - 1, 0)
        airborne = int(np.count_nonzero(self.truth.present[:, k] & self.alive)) if self.k else 0
        tracks = len(self.snapshot().number) if self._view is not None else 0
        fired = len(self.stage.state.done) + len(self.stage.state.in_flight)
        return (
            f"Engine(scenario={self.loaded.scenario.name!r}, seed={self.seed}, "
            f"t_s={self.t_s:g}, step={self.k}/{self.steps}, airborne={airborne}, "
            f"tracks={tracks}, engagements={fired})"
        )

    def _launch(self, t_next: float) -> None:
        """Log the launches and take-offs within the step."""
        truth = self.truth
        started = ~self._launched & (truth.t_start_s < t_next)
        for i in np.flatnonzero(started):  # a loop over the step's launches
            lat, lon, alt = truth.start_lla[i]
            self.log.append(
                float(max(truth.t_start_s[i], 0.0)),
                "launch",
                entity=truth.ids[i],
                nation=truth.nation[i],
                lat_deg=lat,
                lon_deg=lon,
                alt_m=alt,
                detail=f"{truth.cls[i]} {truth.type[i]} {truth.group[i]}",
            )
        self._launched |= started

    def _resolve_engagements(self, t_next: float) -> None:
        """The engagements due in the step draw their kill (a shot at a false track hits
        nothing); the engaging unit's picture assesses each."""
        truth, units, n = self.truth, self.effectors, len(self.truth.ids)
        alive_slots = np.zeros(self.picture.slots, dtype=bool)
        alive_slots[:n] = self.alive
        for eng, killed in self.stage.state.resolve(t_next, alive_slots, self.seed, self._slot_ids):
            j = eng.threat
            lat = lon = alt = float("nan")
            if j < n:
                kk = min(int(np.searchsorted(truth.t_grid_s, eng.t_intercept_s)), self.steps - 1)
                lat, lon, alt = lla_deg(truth.pos_ecef_m[j, kk])
            self.log.append(
                eng.t_intercept_s,
                "intercept" if killed else "miss",
                entity=self._slot_ids[j],
                unit=units.ids[eng.unit],
                nation=units.nation[eng.unit],
                lat_deg=lat,
                lon_deg=lon,
                alt_m=alt,
                value=eng.pk_salvo,
                detail=f"attempt {eng.attempt + 1}, {eng.rounds} round(s)"
                + ("" if j < n else f", {FALSE_TRACK} {self.picture.label(eng)}")
                + (f", {CIVIL_KILL}" if killed and j < n and self._civil[j] else ""),
            )
            self.picture.assessed(eng, killed, units.ids[eng.unit], self.log)
        self.alive[:] = alive_slots[:n]

    def _end_flights(self, t_next: float) -> None:
        """Threats that reach their aim point (impacts, assets hit) and aircraft that land
        within the step leave the air; engagements still flying at them are too late."""
        truth, units, sc = self.truth, self.effectors, self.loaded.scenario
        finishing = np.flatnonzero(
            self.alive & ~self._ended & (truth.t_end_s < t_next) & self._launched
        )
        for j_end in finishing:  # a loop over the step's ends of flight
            j = int(j_end)
            self._ended[j] = True
            self.alive[j] = False
            for eng in self.stage.state.abandon(j):
                self.log.append(
                    truth.t_end_s[j],
                    "miss",
                    entity=truth.ids[j],
                    unit=units.ids[eng.unit],
                    nation=units.nation[eng.unit],
                    detail="too late: the threat impacted first",
                )
            lat, lon, alt = lla_deg(truth.end_pos_ecef_m[j])
            if truth.cls[j] in ("airliner", "fighter"):
                self.log.append(
                    truth.t_end_s[j], "land", entity=truth.ids[j], lat_deg=lat, lon_deg=lon,
                    alt_m=alt,
                )  # fmt: skip
                continue
            self.log.append(
                truth.t_end_s[j],
                "impact",
                entity=truth.ids[j],
                lat_deg=lat,
                lon_deg=lon,
                alt_m=alt,
                value=float(truth.lethal_radius_m[j]),
            )
            for a in asset_hits(self.loaded, lat, lon, float(truth.lethal_radius_m[j])):
                self.log.append(
                    truth.t_end_s[j],
                    "asset_hit",
                    entity=truth.ids[j],
                    nation=sc.assets[a].nation,
                    detail=sc.assets[a].name,
                )

    def _engage(self, view: StepView) -> None:
        """The engagement stage on the picture's candidates; logs the shots fired."""
        cands = self.picture.candidates(view, self.stage, self._unit_picture)
        units = self.effectors
        for eng in self.stage.step(view.t_next_s, view.t_window_s, cands, self.dt_s):
            label = self.picture.fired(eng, int(self._unit_picture[eng.unit]))
            self.log.append(
                eng.t_fire_s,
                "fire",
                entity=self._slot_ids[eng.threat],
                unit=units.ids[eng.unit],
                nation=units.nation[eng.unit],
                value=eng.cost_usd,
                detail=f"{eng.rounds} x {units.type[eng.unit]}, intercept at "
                f"{eng.t_intercept_s:.0f} s, range {eng.range_m / 1000:.1f} km"
                + (f", {label}" if label else ""),
            )


def run(
    loaded: LoadedScenario,
    seed: int | None = None,
    progress: ProgressFn | None = None,
    on_step: StepFn | None = None,
) -> RunResult:
    """Run a loaded scenario with ``seed`` (default: the scenario's) and return the result:
    ``Engine(loaded, seed).run(...).result()``.

    ``progress(done, total)`` is called after each step; ``on_step`` (optional) receives the
    pictures' confirmed tracks after each step (:class:`StepPicture`); neither changes the run.
    """
    return Engine(loaded, seed).run(progress=progress, on_step=on_step).result()


def _engagement_table(
    state: EngagementState,
    units: EffectorArray,
    truth: Truth,
    track_label: Callable[[Engagement], str],
) -> pd.DataFrame:
    """One row per engagement; those still in flight at the end are ``unresolved``. A shot at
    a false track has an empty threat, class and aim nation."""
    records = [*state.done, *((e, "unresolved") for e in state.in_flight)]
    n = len(truth.ids)
    rows = [
        {
            "seq": eng.seq,
            "unit": units.ids[eng.unit],
            "unit_type": units.type[eng.unit],
            "unit_kind": units.kind[eng.unit],
            "nation": units.nation[eng.unit],
            "threat": truth.ids[eng.threat] if eng.threat < n else "",
            "threat_class": str(truth.cls[eng.threat]) if eng.threat < n else "",
            "aim_nation": str(truth.aim_nation[eng.threat]) if eng.threat < n else "",
            "track": track_label(eng),
            "attempt": eng.attempt + 1,
            "t_fire_s": eng.t_fire_s,
            "t_intercept_s": eng.t_intercept_s,
            "rounds": eng.rounds,
            "pk_salvo": eng.pk_salvo,
            "cost_usd": eng.cost_usd,
            "range_m": eng.range_m,
            "result": result,
        }
        for eng, result in sorted(records, key=lambda er: er[0].seq)
    ]
    cols = [
        "seq", "unit", "unit_type", "unit_kind", "nation", "threat", "threat_class",
        "aim_nation", "track", "attempt", "t_fire_s", "t_intercept_s", "rounds", "pk_salvo",
        "cost_usd", "range_m", "result",
    ]  # fmt: skip
    return pd.DataFrame(rows, columns=cols)
