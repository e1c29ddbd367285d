"""The clock that runs the pipeline, step by step, and writes the event log.

One step of ``time_step_s``: objects move (truth, precomputed on the clock), radars scan and
detect (with noise, false alarms and cooperative replies), pictures fold the plots in and
assign identities, engagements due in the step are resolved by a kill draw, threats that may
be engaged are offered to the effectors, and threats that reach their aim point (leakers) or
aircraft that land leave the air. Every random draw comes from a stream keyed by the run's
seed and the ids concerned (``iamd.rng``), so a run is a pure function of its scenario and
seed.

The air picture is ``sensed`` by default: a multi-sensor tracker per picture
(`iamd.track.sensed`) on the plots, and the engagement stage works on its confirmed tracks —
candidates and predicted intercepts from the track's state (`iamd.track.predict`). Every
track is classified and given a STANAG 1241 identity by the identification stage
(`iamd.identify.stage`: features of the track's window, the shipped classifier, the
identity rules and the civil-aircraft guard) without the truth; only tracks whose identity
the rules of engagement allow (``hostile`` by default) are engaged, and each identity change
is logged with its evidence. The threat evaluation (`iamd.engage.threat`) on the track's
state gives each candidate its asset at risk, value and time to go; the sharing policy reads
the threatened nation from it (`iamd.engage.assign.policy_allows`); the step's cost-aware,
layered assignment chooses the shooters (`iamd.engage.shoot`). Scoring and the effect of a
shot use the true object each track follows (its ``entity``); a shot at a false track is
wasted. With ``picture: truth`` the engine runs the perfect-information baseline
(`iamd.track.picture.TruthPicture`, true trajectories for the intercepts, the truth identity
of `iamd.identify.truth_identity`).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt
import pandas as pd

from iamd import __version__
from iamd.engage.assign import Doctrine, TierAuthority, policy_allows, release_authority
from iamd.engage.envelope import EffectorArray, covers_course, intercept_options
from iamd.engage.shoot import EngagementState
from iamd.engage.threat import (
    DefendedAssets,
    evaluate_threats,
    threatened_nation,
)
from iamd.geo.wgs84 import ecef_to_lla
from iamd.identify.airspace import Airspace
from iamd.identify.classifier import CLASSES
from iamd.identify.stage import IdentityStep, TrackIdentifier
from iamd.identify.truth_identity import STANDARD_IDENTITIES, truth_identity
from iamd.scenario.catalog import HOSTILE_CLASSES, THREAT_CLASSES, ThreatClass
from iamd.scenario.loader import LoadedScenario
from iamd.scenario.schema import PictureMode
from iamd.sense.clutter import false_alarms_per_scan
from iamd.sense.radar import SensorArray, approx_height_m, scanning
from iamd.sense.scan import scan, sensor_streams
from iamd.sim.events import EventLog
from iamd.sim.outcome import asset_hits, summarize, threat_table
from iamd.sim.setup import build_effectors, build_sensors
from iamd.track.metrics import ospa
from iamd.track.picture import PictureLayout, TruthPicture, picture_layout
from iamd.track.predict import predict_positions
from iamd.track.sensed import PictureUpdate, SensedParams, SensedPicture, scenario_tracker_params
from iamd.world.truth import Truth, build_truth

FloatArray = npt.NDArray[np.float64]
BALLISTIC = THREAT_CLASSES.index(ThreatClass.BALLISTIC_MISSILE)
"""Column of the ballistic-missile class in class-indexed arrays."""

LOOKAHEAD_S = 300.0
"""How far ahead the engagement stage looks for an intercept (s)."""
OSPA_EVERY_S = 20.0
"""Interval at which the pictures are scored against the truth picture (s)."""
OSPA_CUTOFF_M = 10_000.0
"""OSPA cut-off c (m), order 1: a missed or false track costs 10 km."""
FALSE_TRACK = "false track"
"""Identity evidence of a track that follows no object."""
CIVIL_KILL = "civil aircraft destroyed"
"""End of the ``detail`` of an ``intercept`` event that destroyed a civil aircraft."""

ProgressFn = Callable[[int, int], None]


@dataclass(frozen=True, slots=True, kw_only=True)
class StepPicture:
    """The confirmed tracks of every picture after one clock step, for a caller's ``on_step``
    hook (exports, live streams); M tracks, in table order (truth picture: by picture, then
    object).

    Attributes:
        t_s: time of the track states (s after the epoch): the step's start, the time of its
            plots.
        names: the pictures' names (``layout.names``).
        picture: (M,) index into ``names``.
        number: (M,) track number, unique within its picture (truth picture: the object's
            index + 1).
        entity: (M,) index of the true object the track follows (-1: a false track); for
            scoring and replays only.
        state_ecef: (M, 6) ECEF position (m) and velocity (m/s).
        covar_ecef: (M, 6, 6) its covariance (zeros for the truth picture).
        identity: (M,) STANAG 1241 identity, index into
            ``iamd.identify.truth_identity.STANDARD_IDENTITIES``.
        cls: (M,) most likely class (``''``: not classified yet).
    """

    t_s: float
    names: tuple[str, ...]
    picture: npt.NDArray[np.int64]
    number: npt.NDArray[np.int64]
    entity: npt.NDArray[np.int64]
    state_ecef: FloatArray
    covar_ecef: FloatArray
    identity: npt.NDArray[np.int8]
    cls: npt.NDArray[np.str_]


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


def run(
    loaded: LoadedScenario,
    seed: int | None = None,
    progress: ProgressFn | None = None,
    on_step: StepFn | None = None,
) -> RunResult:
    """Run a loaded scenario with ``seed`` (default: the scenario's) and return the result.

    ``progress(done, total)`` is called after each step; ``on_step`` (optional) receives the
    pictures' confirmed tracks after each step (:class:`StepPicture`); neither changes the run.
    """
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
    sensed = sc.picture == PictureMode.SENSED
    picture = TruthPicture(layout=layout, n=n)  # the baseline, and the reference of OSPA
    tracker = (
        SensedPicture(layout=layout, sensors=sensors, nations=nations, n_objects=n,
                      params=SensedParams(tracker=scenario_tracker_params(sc.tracking)))
        if sensed
        else None
    )  # fmt: skip
    airspace = Airspace.from_scenario(sc)
    identifier = TrackIdentifier(airspace=airspace) if sensed else None
    # Engagement slots: the objects, and with a sensed picture one more for false tracks.
    slots = n + 1 if sensed else n
    state = EngagementState(units=units, n=slots)
    log = EventLog()
    streams = sensor_streams(seed, sensors.ids)
    alive = np.ones(n, dtype=bool)
    ended = np.zeros(n, dtype=bool)
    class_index = np.array([THREAT_CLASSES.index(c) for c in truth.cls], dtype=np.int64)
    is_bm = truth.cls == "ballistic_missile"
    hostile = np.isin(truth.cls, [c.value for c in HOSTILE_CLASSES])
    civil = truth.cls == ThreatClass.AIRLINER.value
    identity, evidence = truth_identity(truth.cls, truth.has_iff)
    roe = sorted(sc.rules_of_engagement.engage_identities)
    roe_codes = np.array([STANDARD_IDENTITIES.index(r) for r in roe], dtype=np.int8)
    tier_rules = [
        TierAuthority(
            kinds=tuple(tr.kinds),
            codes=tuple(STANDARD_IDENTITIES.index(w) for w in tr.identities),
            inside_zones=tr.inside_protected_zones,
        )
        for tr in sc.rules_of_engagement.tiers
    ]
    any_codes = np.union1d(
        roe_codes, np.array([c for tr in tier_rules for c in tr.codes], dtype=np.int8)
    ).astype(np.int8)
    may_engage_identity = np.isin(identity, roe)
    max_attempts = (
        sc.rules_of_engagement.max_engagements_per_threat
        if sc.rules_of_engagement.shoot_look_shoot
        else 1
    )
    if sensed:  # the false-track slot: never alive, its class is the track's believed one
        class_index = np.append(class_index, 0)
        is_bm = np.append(is_bm, False)
        may_engage_identity = np.append(may_engage_identity, False)
    roe_sc = sc.rules_of_engagement
    doctrine = Doctrine(
        cost_weight_per_musd=roe_sc.cost_weight_per_musd,
        base_threat_value=roe_sc.base_threat_value,
        layered=roe_sc.layered_defence,
        defer_margin_s=roe_sc.defer_margin_s,
        min_time_to_go_s=roe_sc.min_time_to_go_s,
        required_pk=roe_sc.required_pk,
        reserve_bmd=roe_sc.reserve_bmd,
    )
    defended = DefendedAssets.from_assets(sc.assets)
    nation_codes = [nat.code for nat in sc.nations]
    participates = {nat.code: nat.participates for nat in sc.nations}
    unit_part = np.array([participates[u] for u in units.nation], dtype=bool)
    unit_nation = np.array(units.nation, dtype=str)
    slot_ids = [*truth.ids, ""][:slots]
    unit_picture = np.array([layout.of_nation[nat] for nat in units.nation], dtype=np.int64)
    launched = np.zeros(n, dtype=bool)
    asset_nation = [a.nation for a in sc.assets]
    steps = len(truth.t_grid_s)
    horizon = max(1, round(LOOKAHEAD_S / dt))
    ospa_every = max(1, round(OSPA_EVERY_S / dt))
    ospa_samples: list[list[float]] = [[] for _ in layout.names]
    fa_per_scan = false_alarms_per_scan(sensors, sc.tracking.false_alarms_per_s)
    coop_transponder = truth.has_transponder & ~hostile  # threats never reply
    coop_iff = truth.has_iff & ~hostile
    track_of_engagement: dict[int, str] = {}
    engaged_track: dict[int, tuple[int, int]] = {}  # engagement seq -> (picture, number)

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
        # 2. engagements due in this step (a shot at a false track hits nothing)
        alive_slots = np.append(alive, False) if sensed else alive
        for eng, killed in state.resolve(t_next, alive_slots, seed, slot_ids):
            j = eng.threat
            lat = lon = alt = float("nan")
            if j < n:
                kk = min(int(np.searchsorted(truth.t_grid_s, eng.t_intercept_s)), steps - 1)
                lat, lon, alt = _lla(truth.pos_ecef_m[j, kk])
            log.append(
                eng.t_intercept_s,
                "intercept" if killed else "miss",
                entity=slot_ids[j],
                unit=units.ids[eng.unit],
                nation=units.nation[eng.unit],
                lat_deg=lat,
                lon_deg=lon,
                alt_m=alt,
                value=eng.pk_salvo,
                detail=f"attempt {eng.attempt + 1}, {eng.rounds} round(s)"
                + ("" if j < n else f", {FALSE_TRACK} {track_of_engagement[eng.seq]}")
                + (f", {CIVIL_KILL}" if killed and j < n and civil[j] else ""),
            )
            if killed and tracker is not None and eng.seq in engaged_track:
                # kill assessment by the engaging unit: its track is closed at the intercept
                # (other pictures' tracks of the object coast until their rules delete them)
                p_idx, number = engaged_track[eng.seq]
                if tracker.close_track(p_idx, number):
                    log.append(eng.t_intercept_s, "track_drop", entity=slot_ids[j],
                               picture=layout.names[p_idx],
                               detail=f"{layout.names[p_idx]} track {number} (kill "
                               f"assessment: intercept by {units.ids[eng.unit]})")  # fmt: skip
        if sensed:
            alive[:] = alive_slots[:n]
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
        plots = scan(
            sensors,
            pos,
            present,
            truth.rcs_m2,
            t,
            dt,
            streams,
            has_transponder=coop_transponder,
            has_iff=coop_iff,
            false_alarms_per_scan=fa_per_scan,
            dropout=sc.tracking.cooperative_dropout,
        )
        real = plots.entity >= 0
        ip, ie, dp, de = picture.update(
            t_next, plots.sensor[real], plots.entity[real], alive & present
        )
        if tracker is None:
            _log_truth_picture(log, t_next, truth, layout, pos, identity, evidence, ip, ie, dp, de)
        else:
            assert identifier is not None
            update = tracker.update(t, plots, scanning(sensors, t, dt))
            ident = identifier.update(t, tracker.tracks)
            _log_sensed_picture(log, t_next, truth, layout, nations, update)
            _log_identities(log, t_next, truth, layout, tracker, ident)
        if k % ospa_every == 0 and tracker is not None:
            for p_idx in range(len(layout.names)):
                ospa_samples[p_idx].append(
                    ospa(
                        pos[picture.held[p_idx]],
                        tracker.positions(p_idx),
                        cutoff_m=OSPA_CUTOFF_M,
                    )
                )
        # 5. engagement
        engaged = state.engaged()
        if tracker is None:
            cand = np.flatnonzero(
                present
                & may_engage_identity
                & ~engaged
                & (state.attempts < max_attempts)
                & picture.held.any(axis=0)
            )
            cand_picture = rows = np.zeros(0, dtype=np.int64)
        else:
            trk = tracker.tracks
            rows = _track_candidates(tracker, alive, np.isin(ident.code, any_codes), engaged,
                                     state.attempts < max_attempts, n)  # fmt: skip
            ent = trk.entity[rows]
            cand = np.where(ent >= 0, ent, n)
            cand_picture = trk.picture[rows]
        if len(cand) and len(units):
            h_end = min(steps, k + 1 + horizon)
            window = slice(k + 1, h_end)
            t_window = truth.t_grid_s[window]
            if tracker is None:
                seen = picture.held[unit_picture][:, cand]
                now6 = np.hstack([pos[cand], truth.vel_ecef_m_s[cand, k]])
                believed = class_index[cand]
            else:
                seen = unit_picture[:, None] == cand_picture
                now6 = tracker.tracks.table.state[rows]
                believed = np.where(ident.cls[rows] >= 0, ident.cls[rows], 0)
            bm_c = believed == BALLISTIC
            # evaluate: the asset at risk, its nation, the threat value and time to go
            evaluation = evaluate_threats(now6, bm_c, defended)
            threatened = threatened_nation(evaluation, defended, now6, nation_codes)
            allowed = seen & policy_allows(
                sc.policy.value, unit_nation, unit_part, threatened, participates
            )
            if tracker is not None:
                in_zone = airspace.zone_at(now6[:, :3]) >= 0 if tier_rules else None
                allowed &= release_authority(
                    units.kind, ident.code[rows], roe_codes, tier_rules, in_zone
                )
            if allowed.any():
                if tracker is None:
                    pred = truth.pos_ecef_m[cand, window, :]
                    pred_alt = truth.alt_m[cand, window]
                    pred_present = truth.present[cand, window]
                else:
                    pred = predict_positions(now6, bm_c, t_window - t)
                    pred_alt = approx_height_m(pred)
                    pred_present = np.logical_and.accumulate(pred_alt > 0.0, axis=1)
                    # no intercept after the threat reaches its aim point (the evaluation's
                    # time to go): a straight-line prediction flies on past the target
                    pred_present &= (t_window - t)[None, :] <= (
                        evaluation.time_to_go_s[:, None] + dt
                    )
                opts = intercept_options(
                    units,
                    t_next + units.reaction_s,
                    t_window,
                    pred,
                    pred_alt,
                    pred_present,
                    believed,
                    bm_c,
                    allowed,
                )
                reach = np.where(bm_c[None, :], units.max_range_bm_m[:, None],
                                 units.max_range_m[:, None])  # fmt: skip
                covers = allowed & covers_course(units, evaluation, now6, bm_c, reach)
                kill_cls = np.where(cand < n, class_index[cand], believed)
                for eng in state.choose(
                    t_next,
                    cand,
                    believed,
                    allowed,
                    opts,
                    value=evaluation.value + doctrine.base_threat_value,
                    time_to_go_s=evaluation.time_to_go_s,
                    doctrine=doctrine,
                    covers=covers,
                    kill_class_index=kill_cls,
                    step_s=dt,
                ):
                    j = eng.threat
                    label = ""
                    if tracker is not None:
                        col = np.flatnonzero(
                            (cand == j) & (cand_picture == unit_picture[eng.unit])
                        )[0]
                        row = rows[col]
                        label = (
                            f"{layout.names[tracker.tracks.picture[row]]} track "
                            f"{tracker.tracks.number[row]}"
                        )
                        track_of_engagement[eng.seq] = label
                        engaged_track[eng.seq] = (
                            int(tracker.tracks.picture[row]),
                            int(tracker.tracks.number[row]),
                        )
                    log.append(
                        eng.t_fire_s,
                        "fire",
                        entity=slot_ids[j],
                        unit=units.ids[eng.unit],
                        nation=units.nation[eng.unit],
                        value=eng.cost_usd,
                        detail=f"{eng.rounds} x {units.type[eng.unit]}, intercept at "
                        f"{eng.t_intercept_s:.0f} s, range {eng.range_m / 1000:.1f} km"
                        + (f", {label}" if label else ""),
                    )
        if on_step is not None:
            vel = truth.vel_ecef_m_s[:, k, :]
            step_ident = ident if tracker is not None else None
            on_step(
                _step_picture(t, layout, truth, picture, pos, vel, identity, tracker, step_ident)
            )
        if progress is not None:
            progress(k + 1, steps)

    events = log.frame()
    engagements = _engagement_table(state, units, truth, track_of_engagement)
    threats = threat_table(truth, events)
    ospa_by_picture = (
        {
            name: (round(float(np.mean(v)), 3) if v else 0.0)
            for name, v in zip(layout.names, ospa_samples, strict=True)
        }
        if tracker is not None
        else {}
    )
    all_samples = [x for v in ospa_samples for x in v]
    picture_stats = {
        "picture_ospa_m": round(float(np.mean(all_samples)), 3) if all_samples else 0.0,
        "picture_ospa_by_picture_m": ospa_by_picture,
    }
    summary = summarize(
        loaded, seed, truth, events, engagements, __version__, picture_stats=picture_stats
    )
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
        picture=tracker,
    )


def _step_picture(
    t_s: float,
    layout: PictureLayout,
    truth: Truth,
    picture: TruthPicture,
    pos: FloatArray,
    vel: FloatArray,
    identity: npt.NDArray[np.str_],
    tracker: SensedPicture | None,
    ident: IdentityStep | None,
) -> StepPicture:
    """The confirmed tracks after a step, for ``on_step``; ``pos``, ``vel``: (N, 3) truth."""
    if tracker is None or ident is None:
        p_idx, j = np.nonzero(picture.held)
        code = {w: i for i, w in enumerate(STANDARD_IDENTITIES)}
        return StepPicture(
            t_s=t_s,
            names=tuple(layout.names),
            picture=p_idx.astype(np.int64),
            number=(j + 1).astype(np.int64),
            entity=j.astype(np.int64),
            state_ecef=np.hstack([pos[j], vel[j]]),
            covar_ecef=np.zeros((len(j), 6, 6)),
            identity=np.array([code[str(w)] for w in identity[j]], dtype=np.int8),
            cls=np.asarray(truth.cls[j], dtype=str),
        )
    trk = tracker.tracks
    rows = np.flatnonzero(trk.confirmed)
    return StepPicture(
        t_s=t_s,
        names=tuple(layout.names),
        picture=trk.picture[rows].astype(np.int64),
        number=trk.number[rows].astype(np.int64),
        entity=trk.entity[rows],
        state_ecef=trk.table.state[rows].copy(),
        covar_ecef=trk.table.covar[rows].copy(),
        identity=ident.code[rows].astype(np.int8),
        cls=np.array(["", *CLASSES], dtype=str)[ident.cls[rows] + 1],
    )


def _track_candidates(
    tracker: SensedPicture,
    alive: npt.NDArray[np.bool_],
    may_engage: npt.NDArray[np.bool_],
    engaged: npt.NDArray[np.bool_],
    attempts_left: npt.NDArray[np.bool_],
    n: int,
) -> npt.NDArray[np.int64]:
    """Rows of the confirmed tracks that may be engaged: the track's identity is one the rules
    of engagement allow (``may_engage``, per row), the object it follows (the slot ``n`` for
    a false track) is alive, not under engagement and has attempts left; one track per object
    and picture (the one with most updates), in order of picture and object."""
    trk = tracker.tracks
    rows = np.flatnonzero(trk.confirmed & may_engage)
    ent = trk.entity[rows]
    slot = np.where(ent >= 0, ent, n)
    alive_slot = np.append(alive, True)  # a false track's slot: it may be shot at
    ok = alive_slot[slot] & ~engaged[slot] & attempts_left[slot]
    rows, slot = rows[ok], slot[ok]
    if len(rows) == 0:
        return rows
    order = np.lexsort((-trk.table.hits[rows], slot, trk.picture[rows]))
    rows, slot = rows[order], slot[order]
    pic = trk.picture[rows]
    first = np.ones(len(rows), dtype=bool)
    first[1:] = (pic[1:] != pic[:-1]) | (slot[1:] != slot[:-1])
    return np.asarray(rows[first], dtype=np.int64)


def _log_truth_picture(
    log: EventLog,
    t_s: float,
    truth: Truth,
    layout: PictureLayout,
    pos: FloatArray,
    identity: npt.NDArray[np.str_],
    evidence: npt.NDArray[np.str_],
    ip: npt.NDArray[np.int64],
    ie: npt.NDArray[np.int64],
    dp: npt.NDArray[np.int64],
    de: npt.NDArray[np.int64],
) -> None:
    """Track starts, identities and drops of the truth picture."""
    for p_idx, j in zip(ip, ie, strict=True):
        lat, lon, alt = _lla(pos[j])
        log.append(
            t_s,
            "track_init",
            entity=truth.ids[j],
            picture=layout.names[p_idx],
            lat_deg=lat,
            lon_deg=lon,
            alt_m=alt,
        )
        log.append(
            t_s,
            "identity",
            entity=truth.ids[j],
            picture=layout.names[p_idx],
            detail=f"{identity[j]} ({evidence[j]})",
        )
    for p_idx, j in zip(dp, de, strict=True):
        log.append(t_s, "track_drop", entity=truth.ids[j], picture=layout.names[p_idx])


def _log_identities(
    log: EventLog,
    t_s: float,
    truth: Truth,
    layout: PictureLayout,
    tracker: SensedPicture,
    ident: IdentityStep,
) -> None:
    """Identity of each confirmed track when it is first classified and whenever it
    changes, with the evidence; ``value`` is the probability of the most likely class."""
    trk = tracker.tracks
    for i, row in enumerate(ident.changed):  # a loop over the step's changes
        j = int(trk.entity[row])
        name = layout.names[trk.picture[row]]
        word = STANDARD_IDENTITIES[ident.code[row]]
        log.append(
            t_s,
            "identity",
            entity=truth.ids[j] if j >= 0 else "",
            picture=name,
            value=float(np.nanmax(ident.probabilities[row])),
            detail=f"{word} ({ident.evidence[i]}), {name} track {trk.number[row]}",
        )


def _log_sensed_picture(
    log: EventLog,
    t_s: float,
    truth: Truth,
    layout: PictureLayout,
    nations: list[str],
    up: PictureUpdate,
) -> None:
    """Tracks confirmed, re-acquired, handed over and dropped."""

    def entity(j: int) -> str:
        return truth.ids[j] if j >= 0 else ""

    c = up.confirmed
    for i in range(len(c)):  # a loop over the step's events, not over tracks
        j, name = int(c.entity[i]), layout.names[c.picture[i]]
        lat, lon, alt = _lla(c.pos_ecef_m[i])
        label = f"{name} track {c.number[i]}"
        log.append(t_s, "track_init", entity=entity(j), picture=name, lat_deg=lat,
                   lon_deg=lon, alt_m=alt, detail=label)  # fmt: skip
    r = up.reacquired
    for i in range(len(r)):
        name = layout.names[r.picture[i]]
        log.append(t_s, "reacquire", entity=entity(int(r.entity[i])), picture=name,
                   value=float(r.value[i]),
                   detail=f"{name} track {r.number[i]}, last held by "
                   f"{layout.names[r.source[i]]}")  # fmt: skip
    h = up.handover
    for i in range(len(h)):
        name = layout.names[h.picture[i]]
        log.append(t_s, "handover", entity=entity(int(h.entity[i])), picture=name,
                   detail=f"{name} track {h.number[i]}: {nations[h.source[i]]} -> "
                   f"{nations[h.target[i]]}")  # fmt: skip
    d = up.dropped
    for i in range(len(d)):
        name = layout.names[d.picture[i]]
        log.append(t_s, "track_drop", entity=entity(int(d.entity[i])), picture=name,
                   detail=f"{name} track {d.number[i]}")  # fmt: skip


def _lla(pos_ecef_m: FloatArray) -> tuple[float, float, float]:
    lat, lon, alt = ecef_to_lla(pos_ecef_m)
    return float(np.degrees(lat)), float(np.degrees(lon)), float(alt)


def _engagement_table(
    state: EngagementState, units: EffectorArray, truth: Truth, tracks: dict[int, str]
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
            "track": tracks.get(eng.seq, ""),
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
