"""The clock that runs the pipeline, step by step, and writes the event log.

One step of ``time_step_s``: objects move (truth, precomputed on the clock), radars scan and
detect, pictures fold the detections in and assign identities, engagements due in the step
are resolved by a kill draw, threats that may be engaged are offered to the effectors, and
threats that reach their aim point (leakers) or aircraft that land leave the air. Every
random draw comes from a stream keyed by the run's seed and the ids concerned
(``iamd.rng``), so a run is a pure function of its scenario and seed.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt
import pandas as pd

from iamd import __version__
from iamd.engage.envelope import EffectorArray, intercept_options
from iamd.engage.shoot import EngagementState
from iamd.geo.wgs84 import ecef_to_lla
from iamd.identify.truth_identity import truth_identity
from iamd.rng import stream
from iamd.scenario.catalog import THREAT_CLASSES
from iamd.scenario.loader import LoadedScenario
from iamd.sense.radar import SensorArray, detect
from iamd.sim.events import EventLog
from iamd.sim.outcome import asset_hits, summarize, threat_table
from iamd.sim.setup import build_effectors, build_sensors
from iamd.track.picture import PictureLayout, TruthPicture, picture_layout
from iamd.world.truth import Truth, build_truth

FloatArray = npt.NDArray[np.float64]

LOOKAHEAD_S = 300.0
"""How far ahead the engagement stage looks for an intercept (s)."""

ProgressFn = Callable[[int, int], None]


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


def run(
    loaded: LoadedScenario, seed: int | None = None, progress: ProgressFn | None = None
) -> RunResult:
    """Run a loaded scenario with ``seed`` (default: the scenario's) and return the result."""
    sc = loaded.scenario
    seed = sc.seed if seed is None else seed
    dt = sc.time_step_s
    truth = build_truth(loaded, seed)
    sensors = build_sensors(loaded)
    units = build_effectors(loaded)
    nations = [n.code for n in sc.nations]
    layout = picture_layout(
        sc.policy.value, nations, [n.participates for n in sc.nations], list(sensors.nation)
    )
    n = len(truth.ids)
    picture = TruthPicture(layout=layout, n=n)
    state = EngagementState(units=units, n=n)
    log = EventLog()
    sensor_rngs = [stream(seed, "sense", sid) for sid in sensors.ids]
    alive = np.ones(n, dtype=bool)
    ended = np.zeros(n, dtype=bool)
    class_index = np.array([THREAT_CLASSES.index(c) for c in truth.cls], dtype=np.int64)
    is_bm = truth.cls == "ballistic_missile"
    identity, evidence = truth_identity(truth.cls, truth.has_iff)
    roe = set(sc.rules_of_engagement.engage_identities)
    may_engage_identity = np.isin(identity, list(roe))
    max_attempts = (
        sc.rules_of_engagement.max_engagements_per_threat
        if sc.rules_of_engagement.shoot_look_shoot
        else 1
    )
    policy_allowed = _policy_matrix(sc.policy.value, loaded, units, truth)
    unit_picture = np.array([layout.of_nation[nat] for nat in units.nation], dtype=np.int64)
    launched = np.zeros(n, dtype=bool)
    asset_nation = [a.nation for a in sc.assets]
    steps = len(truth.t_grid_s)
    horizon = max(1, round(LOOKAHEAD_S / dt))

    for k in range(steps):
        t = float(truth.t_grid_s[k])
        t_next = t + dt
        # 1. truth: launches and take-offs within the step
        started = ~launched & (truth.t_start_s < t_next)
        for i in np.flatnonzero(started):
            lat, lon, alt = truth.start_lla[i]
            log.append(
                float(max(truth.t_start_s[i], 0.0)),
                "launch",
                entity=truth.ids[i],
                nation=truth.nation[i],
                lat_deg=lat,
                lon_deg=lon,
                alt_m=alt,
                detail=f"{truth.cls[i]} {truth.type[i]} {truth.group[i]}",
            )
        launched |= started
        present = truth.present[:, k] & alive
        pos = truth.pos_ecef_m[:, k, :]
        # 2. engagements due in this step
        for eng, killed in state.resolve(t_next, alive, seed, truth.ids):
            j = eng.threat
            kk = min(int(np.searchsorted(truth.t_grid_s, eng.t_intercept_s)), steps - 1)
            lat, lon, alt = _lla(truth.pos_ecef_m[j, kk])
            log.append(
                eng.t_intercept_s,
                "intercept" if killed else "miss",
                entity=truth.ids[j],
                unit=units.ids[eng.unit],
                nation=units.nation[eng.unit],
                lat_deg=lat,
                lon_deg=lon,
                alt_m=alt,
                value=eng.pk_salvo,
                detail=f"attempt {eng.attempt + 1}, {eng.rounds} round(s)",
            )
        present &= alive
        # 3. leakers and landings: objects whose flight ends within the step
        finishing = np.flatnonzero(alive & ~ended & (truth.t_end_s < t_next) & launched)
        for j_end in finishing:
            j = int(j_end)
            ended[j] = True
            alive[j] = False
            for eng in state.abandon(int(j)):
                log.append(
                    truth.t_end_s[j],
                    "miss",
                    entity=truth.ids[j],
                    unit=units.ids[eng.unit],
                    nation=units.nation[eng.unit],
                    detail="too late: the threat impacted first",
                )
            lat, lon, alt = _lla(truth.end_pos_ecef_m[j])
            if truth.cls[j] in ("airliner", "fighter"):
                log.append(
                    truth.t_end_s[j],
                    "land",
                    entity=truth.ids[j],
                    lat_deg=lat,
                    lon_deg=lon,
                    alt_m=alt,
                )
                continue
            log.append(
                truth.t_end_s[j],
                "impact",
                entity=truth.ids[j],
                lat_deg=lat,
                lon_deg=lon,
                alt_m=alt,
                value=float(truth.lethal_radius_m[j]),
            )
            for a in asset_hits(loaded, lat, lon, float(truth.lethal_radius_m[j])):
                log.append(
                    truth.t_end_s[j],
                    "asset_hit",
                    entity=truth.ids[j],
                    nation=asset_nation[a],
                    detail=sc.assets[a].name,
                )
        present &= alive
        # 4. sensing and the pictures
        plots = detect(sensors, pos, present, truth.rcs_m2, t, dt, sensor_rngs)
        ip, ie, dp, de = picture.update(t_next, plots.sensor, plots.entity, alive & present)
        for p_idx, j in zip(ip, ie, strict=True):
            lat, lon, alt = _lla(pos[j])
            log.append(
                t_next,
                "track_init",
                entity=truth.ids[j],
                picture=layout.names[p_idx],
                lat_deg=lat,
                lon_deg=lon,
                alt_m=alt,
            )
            log.append(
                t_next,
                "identity",
                entity=truth.ids[j],
                picture=layout.names[p_idx],
                detail=f"{identity[j]} ({evidence[j]})",
            )
        for p_idx, j in zip(dp, de, strict=True):
            log.append(t_next, "track_drop", entity=truth.ids[j], picture=layout.names[p_idx])
        # 5. engagement
        engaged = state.engaged()
        cand = np.flatnonzero(
            present
            & may_engage_identity
            & ~engaged
            & (state.attempts < max_attempts)
            & picture.held.any(axis=0)
        )
        if len(cand) and len(units):
            h_end = min(steps, k + 1 + horizon)
            window = slice(k + 1, h_end)
            allowed = policy_allowed[:, cand] & picture.held[unit_picture][:, cand]
            if allowed.any():
                opts = intercept_options(
                    units,
                    t_next + units.reaction_s,
                    truth.t_grid_s[window],
                    truth.pos_ecef_m[cand, window, :],
                    truth.alt_m[cand, window],
                    truth.present[cand, window],
                    class_index[cand],
                    is_bm[cand],
                    allowed,
                )
                dist = np.linalg.norm(units.pos_ecef_m[:, None, :] - pos[None, cand, :], axis=-1)
                urgency = truth.t_end_s[cand] - t
                for eng in state.choose(
                    t_next, cand, urgency, class_index[cand], allowed, opts, dist
                ):
                    j = eng.threat
                    log.append(
                        eng.t_fire_s,
                        "fire",
                        entity=truth.ids[j],
                        unit=units.ids[eng.unit],
                        nation=units.nation[eng.unit],
                        value=eng.cost_usd,
                        detail=f"{eng.rounds} x {units.type[eng.unit]}, intercept at "
                        f"{eng.t_intercept_s:.0f} s, range {eng.range_m / 1000:.1f} km",
                    )
        if progress is not None:
            progress(k + 1, steps)

    events = log.frame()
    engagements = _engagement_table(state, units, truth)
    threats = threat_table(truth, events)
    summary = summarize(loaded, seed, truth, events, engagements, __version__)
    return RunResult(
        loaded=loaded,
        seed=seed,
        summary=summary,
        threats=threats,
        events=events,
        engagements=engagements,
        truth=truth,
        sensors=sensors,
        effectors=units,
        layout=layout,
    )


def _lla(pos_ecef_m: FloatArray) -> tuple[float, float, float]:
    lat, lon, alt = ecef_to_lla(pos_ecef_m)
    return float(np.degrees(lat)), float(np.degrees(lon)), float(alt)


def _policy_matrix(
    policy: str, loaded: LoadedScenario, units: EffectorArray, truth: Truth
) -> npt.NDArray[np.bool_]:
    """(U, N): the sharing policy lets unit u engage object j.

    ``national`` and ``shared_picture``: a unit engages only threats aimed at its own nation's
    assets (or points in its own territory); ``integrated``: a participating nation's unit
    engages any threat, and a non-participating nation's only its own.
    """
    sc = loaded.scenario
    participates = {n.code: n.participates for n in sc.nations}
    own = np.array(list(units.nation))[:, None] == truth.aim_nation[None, :]
    if policy != "integrated":
        return np.asarray(own)
    part = np.array([participates[n] for n in units.nation], dtype=bool)[:, None]
    target_part = np.array([participates.get(n, False) for n in truth.aim_nation], dtype=bool)
    return np.asarray(own | (part & target_part[None, :]))


def _engagement_table(state: EngagementState, units: EffectorArray, truth: Truth) -> pd.DataFrame:
    """One row per engagement; those still in flight at the end are ``unresolved``."""
    records = [*state.done, *((e, "unresolved") for e in state.in_flight)]
    rows = [
        {
            "seq": eng.seq,
            "unit": units.ids[eng.unit],
            "unit_type": units.type[eng.unit],
            "unit_kind": units.kind[eng.unit],
            "nation": units.nation[eng.unit],
            "threat": truth.ids[eng.threat],
            "threat_class": truth.cls[eng.threat],
            "aim_nation": truth.aim_nation[eng.threat],
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
        "aim_nation", "attempt", "t_fire_s", "t_intercept_s", "rounds", "pk_salvo",
        "cost_usd", "range_m", "result",
    ]  # fmt: skip
    return pd.DataFrame(rows, columns=cols)
