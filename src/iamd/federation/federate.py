"""``iamd federate SCENARIO``: one node per nation on loopback, the scenario's sensing replayed
through them, each node's picture compared with the in-process joint picture.

The exercise driver computes the scenario's truth and every radar's plots with the engine's
own sensing (`iamd.sense.scan.scan`, seeded streams per radar; no engagements, so every
object flies its whole course), sends each nation's plots (and scans) to its node, paced at
``step_wall_s`` of wall time per scenario step, and folds the same plots into an in-process
`iamd.track.sensed.SensedPicture` with one joint picture of all the nations (the
``integrated`` policy) and its identification. At every ``every_s`` of scenario time it
scores, against the truth picture of the joint radars (`iamd.track.picture.TruthPicture`):

- **OSPA** (order 1, cut-off 10 km, as the engine's ``picture_ospa_m``) of each node's
  federated picture and of the in-process picture;
- **track numbers**: for each held object, the nearest track within 5 km in each node's
  picture; the share of objects on which every node that has one uses the same number;
- **identities**: the share of those objects on which each node's identity equals the
  in-process picture's.

The nodes run their own threat evaluation and weapon assignment (`iamd.federation.tewa`)
and simulate no kill, so their engagements are scored on what they aimed at, not on a fate
(`score_engagements`): each engagement's track, at its decision, is the truth object
nearest to it within `MATCH_M` in the node's picture of that time (none: a false track).
Per node, as the engine's summary counts them (`iamd.sim.outcome`): engagements, interceptors
fired and their cost, distinct threats engaged, civil aircraft (airliners) engaged and
interceptors at false tracks; for the federation: the threats flying during the replay, those
engaged by any node, and the objects engaged by two nations at once (their engagements' spans
overlap), of them those engaged under two track numbers — which no engagement board can see,
as coordination is by track number.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass, replace
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt
from scipy.spatial import cKDTree

from iamd.errors import InputError
from iamd.federation.exercise import Federation
from iamd.federation.node import plots_to_records

MATCH_M = 5_000.0
"""A track within this distance of an object is its track (numbers, identities)."""


@dataclass(frozen=True, slots=True, kw_only=True)
class NodeScore:
    """One node's picture against the truth and the other nodes."""

    nation: str
    ospa_m: float
    in_process_ospa_m: float
    number_agreement: float
    identity_agreement: float
    tracks: int
    malformed: int
    latency_p50_ms: float | None
    latency_p99_ms: float | None
    cpu_s: float
    engagements: int = 0
    interceptors_fired: int = 0
    interceptor_cost_usd: float = 0.0
    threats_engaged: int = 0
    civil_aircraft_engaged: int = 0
    interceptors_at_false_tracks: int = 0


@dataclass(frozen=True, slots=True, kw_only=True)
class EngagementScore:
    """The federation's engagements against the truth (see the module docstring).

    Attributes:
        threats: hostile objects (drones, cruise and ballistic missiles) flying during the
            replay; threats_engaged: of them, those engaged by at least one node.
        double_engaged: objects engaged by two nations at once; double_engaged_two_numbers:
            of them, those the two engaged under different track numbers.
    """

    threats: int
    threats_engaged: int
    double_engaged: int
    double_engaged_two_numbers: int


@dataclass(frozen=True, slots=True, kw_only=True)
class FederateResult:
    """The scores of each node, and the run's settings."""

    scenario: str
    seed: int
    duration_s: float
    steps: int
    nodes: list[NodeScore]
    engagements: EngagementScore

    def to_json(self) -> str:
        """The result as JSON."""
        return json.dumps(asdict(self), indent=1)


def federate(
    scenario: str,
    directory: Path,
    *,
    seed: int | None = None,
    duration_s: float | None = None,
    nations: Sequence[str] | None = None,
    step_wall_s: float = 0.1,
    every_s: float = 20.0,
    progress: Callable[[int, int], None] | None = None,
) -> FederateResult:
    """Run the federation on ``scenario`` (see the module docstring)."""
    from iamd.identify.airspace import Airspace
    from iamd.identify.stage import TrackIdentifier
    from iamd.scenario.catalog import HOSTILE_CLASSES
    from iamd.scenario.loader import load_scenario
    from iamd.sense.clutter import false_alarms_per_scan
    from iamd.sense.radar import scanning, take_sensors
    from iamd.sense.scan import scan, sensor_streams
    from iamd.sim.pictures import OSPA_CUTOFF_M
    from iamd.sim.setup import build_sensors
    from iamd.track.metrics import ospa
    from iamd.track.picture import TruthPicture, picture_layout
    from iamd.track.sensed import SensedParams, SensedPicture, scenario_tracker_params
    from iamd.world.truth import build_truth

    if step_wall_s < 0:
        raise InputError(f"--step-wall-s must be >= 0 (got {step_wall_s})")
    if every_s <= 0:
        raise InputError(f"--every-s must be > 0 (got {every_s})")
    loaded = load_scenario(scenario)
    sc = loaded.scenario
    seed = sc.seed if seed is None else seed
    sensors = build_sensors(loaded)
    with_sensors = sorted(set(sensors.nation))
    codes = list(with_sensors if nations is None else nations)
    for c in codes:
        if c not in with_sensors:
            raise InputError(
                f"--nations: {c} has no sensors in {scenario!r} (allowed: {with_sensors})"
            )
    if len(codes) < 2:
        raise InputError(f"--nations: a federation needs at least 2 nations (got {codes})")
    if duration_s is not None and duration_s <= 0:
        raise InputError(f"--duration-s must be > 0 (got {duration_s})")
    truth = build_truth(loaded, seed)
    dt = float(sc.time_step_s)
    t_grid = truth.t_grid_s
    if duration_s is not None:
        t_grid = t_grid[t_grid < duration_s]
    sel = np.array([n in codes for n in sensors.nation])
    local_index = np.full(len(sensors.ids), -1, dtype=np.int64)
    for c in codes:
        own = np.flatnonzero(np.array(sensors.nation) == c)
        local_index[own] = np.arange(len(own))
    fed_rows = np.flatnonzero(sel)
    fed_sensors = take_sensors(sensors, fed_rows)
    fed_index = np.full(len(sensors.ids), -1, dtype=np.int64)
    fed_index[fed_rows] = np.arange(len(fed_rows))
    layout = picture_layout("integrated", codes, [True] * len(codes), list(fed_sensors.nation))
    n = len(truth.ids)
    reference = SensedPicture(
        layout=layout,
        sensors=fed_sensors,
        nations=codes,
        n_objects=n,
        params=SensedParams(tracker=scenario_tracker_params(sc.tracking)),
    )
    identifier = TrackIdentifier(airspace=Airspace.from_scenario(sc))
    held = TruthPicture(layout=layout, n=n)
    streams = sensor_streams(seed, sensors.ids)
    hostile = np.isin(truth.cls, [c.value for c in HOSTILE_CLASSES])
    fa = false_alarms_per_scan(sensors, sc.tracking.false_alarms_per_s)
    every = max(1, round(every_s / dt))
    samples: list[tuple[float, npt.NDArray[np.float64], npt.NDArray[np.float64], Any]] = []
    sensor_ids = {
        c: [s for s, nat in zip(sensors.ids, sensors.nation, strict=True) if nat == c]
        for c in codes
    }
    with Federation.start(directory, codes, scenario=scenario, sensors=sensor_ids) as fed:
        for k, t in enumerate(t_grid):
            t = float(t)
            present = truth.present[:, k] & (truth.t_end_s >= t)
            pos = truth.pos_ecef_m[:, k, :]
            plots = scan(
                sensors,
                pos,
                present,
                truth.rcs_m2,
                t,
                dt,
                streams,
                has_transponder=truth.has_transponder & ~hostile,
                has_iff=truth.has_iff & ~hostile,
                false_alarms_per_scan=fa,
                dropout=sc.tracking.cooperative_dropout,
            )
            looks = scanning(sensors, t, dt)
            wall0 = time.monotonic()
            for c in codes:
                own = np.flatnonzero(sel & (np.array(sensors.nation) == c))
                rows = np.flatnonzero(np.isin(plots.sensor, own))
                rec = plots_to_records(_take_plots(plots, rows))
                rec["sensor"] = local_index[plots.sensor[rows]]
                fed.feed(c, t, rec, looks[own])
            mine = sel[plots.sensor]
            sub = _take_plots(plots, np.flatnonzero(mine))
            sub.sensor[:] = fed_index[sub.sensor]
            reference.update(t, sub, looks[fed_rows])
            ident = identifier.update(t, reference.tracks)
            real = sub.entity >= 0
            held.update(t + dt, sub.sensor[real], sub.entity[real], present)
            if k % every == 0:
                trk = reference.tracks
                conf = trk.confirmed
                samples.append(
                    (
                        t,
                        pos[held.held[0]].copy(),
                        trk.table.state[conf, :3].copy(),
                        ident.code[conf].copy(),
                    )
                )
            if progress is not None:
                progress(k + 1, len(t_grid))
            rest = step_wall_s - (time.monotonic() - wall0)
            if rest > 0:
                time.sleep(rest)
        time.sleep(max(step_wall_s, 0.5))
        fed.end()
        pics = {c: fed.picture(c) for c in codes}
        stats = {c: fed.stats(c) for c in codes}
    end_s = float(t_grid[-1] + dt)
    per_node, fed_score = score_engagements(
        {c: stats[c].get("engagements", []) for c in codes},
        pics,
        t_grid_s=t_grid,
        pos_ecef_m=truth.pos_ecef_m[:, : len(t_grid)],
        present=truth.present[:, : len(t_grid)] & (truth.t_end_s[:, None] >= t_grid[None, :]),
        cls=np.asarray(truth.cls),
        end_s=end_s,
    )
    nodes = [
        replace(s, **per_node[s.nation])
        for s in _score(codes, pics, stats, samples, OSPA_CUTOFF_M, ospa)
    ]
    return FederateResult(
        scenario=scenario,
        seed=seed,
        duration_s=end_s,
        steps=len(t_grid),
        nodes=nodes,
        engagements=fed_score,
    )


def score_engagements(
    shots: dict[str, list[dict[str, Any]]],
    pics: dict[str, dict[str, np.ndarray]],
    *,
    t_grid_s: npt.NDArray[np.float64],
    pos_ecef_m: npt.NDArray[np.float64],
    present: npt.NDArray[np.bool_],
    cls: npt.NDArray[np.str_],
    end_s: float,
) -> tuple[dict[str, dict[str, Any]], EngagementScore]:
    """Score each node's engagements against the truth (see the module docstring).

    Args:
        shots: per nation, its node's engagements (`iamd.federation.tewa.Shot` as dicts:
            ``number``, ``t_s``, ``rounds``, ``cost_usd``, ``end_t_s``).
        pics: per nation, its node's picture snapshots (``t_s``, ``number``, ``pos`` (k, 3)
            ECEF m, one row per track and step).
        t_grid_s: (T,) the replay's clock (s); pos_ecef_m: (N, T, 3) the objects' ECEF
            positions on it (m); present: (N, T) flying; cls: (N,) their classes.
        end_s: the replay's end (s): an engagement not ended by then lasts until it.

    Returns:
        Per nation, the `NodeScore` engagement fields; the federation's `EngagementScore`.

    >>> import numpy as np
    >>> pos = np.zeros((1, 2, 3)); pos[0, :, 0] = 7e6
    >>> pic = {"t_s": np.array([0.0]), "number": np.array([5]), "pos": np.array([[7e6, 0, 0]])}
    >>> shot = {"number": 5, "t_s": 0.0, "rounds": 2, "cost_usd": 1e5, "end_t_s": None}
    >>> per, fed = score_engagements({"ROU": [shot]}, {"ROU": pic}, t_grid_s=np.array([0., 2.]),
    ...     pos_ecef_m=pos, present=np.ones((1, 2), bool), cls=np.array(["drone"]), end_s=4.0)
    >>> per["ROU"]["threats_engaged"], per["ROU"]["interceptors_fired"], fed.threats_engaged
    (1, 2, 1)
    """
    from iamd.scenario.catalog import HOSTILE_CLASSES

    hostile = np.isin(cls, [c.value for c in HOSTILE_CLASSES])
    civil = cls == "airliner"
    per: dict[str, dict[str, Any]] = {}
    spans: list[tuple[int, str, int, float, float]] = []  # object, nation, number, start, end
    engaged_threats: set[int] = set()
    for nation, rows in shots.items():  # the nations, then their engagements: a handful
        obj = np.array([_engaged_object(r, pics[nation], t_grid_s, pos_ecef_m, present)
                        for r in rows], dtype=np.int64)  # fmt: skip
        rounds = np.array([int(r["rounds"]) for r in rows], dtype=np.int64)
        matched = obj >= 0
        threats = {int(o) for o in obj[matched] if hostile[o]}
        engaged_threats |= threats
        per[nation] = {
            "engagements": len(rows),
            "interceptors_fired": int(rounds.sum()),
            "interceptor_cost_usd": round(float(sum(float(r["cost_usd"]) for r in rows)), 2),
            "threats_engaged": len(threats),
            "civil_aircraft_engaged": int(np.sum(matched & civil[np.maximum(obj, 0)])),
            "interceptors_at_false_tracks": int(rounds[~matched].sum()),
        }
        for r, o in zip(rows, obj.tolist(), strict=True):
            if o >= 0:
                end = r.get("end_t_s")
                spans.append((o, nation, int(r["number"]), float(r["t_s"]),
                              end_s if end is None else float(end)))  # fmt: skip
    double: dict[int, bool] = {}  # object -> engaged under two numbers
    for i, (o, na, num, t0, t1) in enumerate(spans):  # pairs of engagements: a handful
        for o2, na2, num2, u0, u1 in spans[i + 1 :]:
            if o2 == o and na2 != na and t0 < u1 and u0 < t1:
                double[o] = double.get(o, False) or num2 != num
    flying = present.any(axis=1)
    return per, EngagementScore(
        threats=int(np.sum(hostile & flying)),
        threats_engaged=len(engaged_threats),
        double_engaged=len(double),
        double_engaged_two_numbers=sum(double.values()),
    )


def _engaged_object(
    shot: dict[str, Any],
    pic: dict[str, np.ndarray],
    t_grid_s: npt.NDArray[np.float64],
    pos_ecef_m: npt.NDArray[np.float64],
    present: npt.NDArray[np.bool_],
) -> int:
    """The object a node's engagement aimed at: the one nearest, within `MATCH_M`, to the
    engaged track in the node's picture at the decision (-1: none, a false track)."""
    t = float(shot["t_s"])
    k = int(np.searchsorted(t_grid_s, t))
    if k >= len(t_grid_s) or abs(float(t_grid_s[k]) - t) > 1e-6:
        return -1
    row = np.flatnonzero((pic["t_s"] == t) & (pic["number"] == int(shot["number"])))
    alive = np.flatnonzero(present[:, k])
    if len(row) == 0 or len(alive) == 0:
        return -1
    d, j = cKDTree(pos_ecef_m[alive, k]).query(pic["pos"][row[0]], distance_upper_bound=MATCH_M)
    return int(alive[j]) if np.isfinite(d) else -1


def _take_plots(plots: Any, rows: npt.NDArray[np.int64]) -> Any:
    from iamd.sense.radar import Plots

    return Plots(**{name: getattr(plots, name)[rows] for name in Plots.__slots__})


def _score(
    codes: list[str],
    pics: dict[str, dict[str, np.ndarray]],
    stats: dict[str, Any],
    samples: list[Any],
    cutoff: float,
    ospa: Any,
) -> list[NodeScore]:
    o: dict[str, list[float]] = {c: [] for c in codes}
    ref_o: list[float] = []
    agree_num: list[bool] = []
    agree_id: dict[str, list[bool]] = {c: [] for c in codes}
    for t, truth_pos, ref_pos, ref_code in samples:  # a loop over sample times
        ref_o.append(ospa(truth_pos, ref_pos, cutoff_m=cutoff))
        if len(truth_pos) == 0:
            continue
        ref_id = _nearest(ref_pos, truth_pos)
        per_node: dict[str, tuple[np.ndarray, np.ndarray]] = {}
        for c in codes:
            p = pics[c]
            at = p["t_s"] == t
            o[c].append(ospa(truth_pos, p["pos"][at], cutoff_m=cutoff))
            j = _nearest(p["pos"][at], truth_pos)
            num = np.where(j >= 0, p["number"][at][np.maximum(j, 0)] if at.any() else -1, -1)
            ide = np.where(j >= 0, p["identity"][at][np.maximum(j, 0)] if at.any() else -1, -1)
            per_node[c] = (num, ide)
            both = (j >= 0) & (ref_id >= 0)
            agree_id[c] += (ide[both] == ref_code[ref_id[both]]).tolist()
        nums = np.stack([per_node[c][0] for c in codes])
        for col in nums.T:  # a loop over objects at one time
            have = col[col >= 0]
            if len(have) >= 2:
                agree_num.append(bool(np.all(have == have[0])))
    number_agreement = float(np.mean(agree_num)) if agree_num else float("nan")
    out = []
    for c in codes:
        lat = stats[c]["latency_ms"]
        last = pics[c]["t_s"] == pics[c]["t_s"].max() if len(pics[c]["t_s"]) else np.zeros(0, bool)
        out.append(
            NodeScore(
                nation=c,
                ospa_m=round(float(np.mean(o[c])), 1) if o[c] else float("nan"),
                in_process_ospa_m=round(float(np.mean(ref_o)), 1) if ref_o else float("nan"),
                number_agreement=round(number_agreement, 4),
                identity_agreement=round(float(np.mean(agree_id[c])), 4)
                if agree_id[c]
                else float("nan"),
                tracks=int(last.sum()),
                malformed=int(stats[c]["malformed"]),
                latency_p50_ms=lat["p50"],
                latency_p99_ms=lat["p99"],
                cpu_s=round(float(stats[c]["cpu_s"]), 2),
            )
        )
    return out


def _nearest(est: np.ndarray, truth_pos: np.ndarray) -> np.ndarray:
    """(n,) index of the estimate within `MATCH_M` of each true position (-1: none)."""
    if len(est) == 0:
        return np.full(len(truth_pos), -1, dtype=np.int64)
    d, j = cKDTree(est).query(truth_pos, distance_upper_bound=MATCH_M)
    return np.where(np.isfinite(d), j, -1).astype(np.int64)
