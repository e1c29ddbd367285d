"""Outcome metrics of a run: the summary figures, the per-threat table, assets hit.

An asset is hit when a leaker's impact point lies within the asset's footprint radius plus
the warhead's lethal radius (both catalog/scenario assumptions; geodesic distance on WGS84).
Every figure is computed from the event log and the engagement table, so a report or a
replay computes the same numbers.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from iamd.geo.geodesic import geodesic_inverse
from iamd.scenario.catalog import HOSTILE_CLASSES
from iamd.scenario.loader import LoadedScenario

if TYPE_CHECKING:
    from iamd.world.truth import Truth

SUMMARY_FIGURES = (
    "threats_launched",
    "threats_destroyed",
    "leakers",
    "interceptors_fired",
    "interceptor_cost_usd",
    "civil_aircraft_engaged",
    "civil_aircraft_destroyed",
    "assets_hit",
)


THREAT_COLUMNS = (
    "id",
    "class",
    "type",
    "raid",
    "launch_time_s",
    "launch_lat_deg",
    "launch_lon_deg",
    "aim_lat_deg",
    "aim_lon_deg",
    "aim_asset",
    "aim_nation",
    "ground_range_km",
    "apogee_km",
    "flight_time_s",
    "engagements",
    "fate",
    "fate_time_s",
    "destroyed_by",
    "assets_hit",
)
"""Columns of ``threats.csv``."""


def asset_hits(
    loaded: LoadedScenario, lat_deg: float, lon_deg: float, lethal_m: float
) -> list[int]:
    """Indices of the assets whose footprint plus ``lethal_m`` contains the impact point."""
    assets = loaded.scenario.assets
    if not assets:
        return []
    a_lat = np.radians([a.lat_deg for a in assets])
    a_lon = np.radians([a.lon_deg for a in assets])
    _, _, dist = geodesic_inverse(np.radians(lat_deg), np.radians(lon_deg), a_lat, a_lon)
    reach = np.array([a.radius_km * 1e3 for a in assets]) + lethal_m
    return [int(i) for i in np.flatnonzero(np.asarray(dist) <= reach)]


def threat_table(truth: Truth, events: pd.DataFrame) -> pd.DataFrame:
    """One row per threat (drones, cruise and ballistic missiles) with its fate."""
    hostile = np.isin(truth.cls, [c.value for c in HOSTILE_CLASSES])
    idx = np.flatnonzero(hostile)
    ev = events[events["entity"].isin([truth.ids[i] for i in idx])]
    kills = ev[ev["kind"] == "intercept"].drop_duplicates("entity")
    kill_t = dict(zip(kills["entity"], kills["t_s"].astype(float), strict=True))
    kill_by = dict(zip(kills["entity"], kills["unit"].astype(str), strict=True))
    impacts = ev[ev["kind"] == "impact"].drop_duplicates("entity")
    impact_t = dict(zip(impacts["entity"], impacts["t_s"].astype(float), strict=True))
    hits = ev[ev["kind"] == "asset_hit"].groupby("entity")["detail"].agg(" ".join)
    fires = ev[ev["kind"] == "fire"].groupby("entity").size()
    rows = []
    for i in idx:
        tid = truth.ids[i]
        by = kill_by.get(tid, "")
        if tid in kill_t:
            fate, t_fate = "destroyed", kill_t[tid]
        elif tid in impact_t:
            fate, t_fate = "leaked", impact_t[tid]
        elif truth.t_start_s[i] > truth.t_grid_s[-1]:
            fate, t_fate = "not_launched", float("nan")
        else:
            fate, t_fate = "in_flight", float("nan")
        rows.append(
            {
                "id": tid,
                "class": truth.cls[i],
                "type": truth.type[i],
                "raid": truth.group[i],
                "launch_time_s": round(float(truth.t_start_s[i]), 3),
                "launch_lat_deg": round(float(truth.start_lla[i][0]), 5),
                "launch_lon_deg": round(float(truth.start_lla[i][1]), 5),
                "aim_lat_deg": round(float(truth.aim_lat_deg[i]), 5),
                "aim_lon_deg": round(float(truth.aim_lon_deg[i]), 5),
                "aim_asset": truth.aim_asset[i],
                "aim_nation": truth.aim_nation[i],
                "ground_range_km": round(float(truth.ground_range_m[i]) / 1e3, 3),
                "apogee_km": round(float(truth.apogee_m[i]) / 1e3, 3),
                "flight_time_s": round(float(truth.t_end_s[i] - truth.t_start_s[i]), 3),
                "engagements": int(fires.get(tid, 0)),
                "fate": fate,
                "fate_time_s": round(t_fate, 3),
                "destroyed_by": by,
                "assets_hit": hits.get(tid, ""),
            }
        )
    return pd.DataFrame(rows, columns=list(THREAT_COLUMNS))  # the columns also without a threat


def _figures(
    threats: pd.DataFrame, eng: pd.DataFrame, events: pd.DataFrame, civil_ids: set[str]
) -> dict[str, Any]:
    fired = eng[eng["result"].notna()]
    hits = events[(events["kind"] == "asset_hit") & events["entity"].isin(threats["id"])]
    return {
        "threats_launched": int((threats["fate"] != "not_launched").sum()) if len(threats) else 0,
        "threats_destroyed": int((threats["fate"] == "destroyed").sum()) if len(threats) else 0,
        "leakers": int((threats["fate"] == "leaked").sum()) if len(threats) else 0,
        "interceptors_fired": int(fired["rounds"].fillna(0).sum()),
        "interceptor_cost_usd": round(float(fired["cost_usd"].fillna(0).sum()), 2),
        "civil_aircraft_engaged": int(fired["threat"].isin(civil_ids).sum()),
        "civil_aircraft_destroyed": _civil_destroyed(fired, civil_ids),
        "assets_hit": int(hits["detail"].nunique()),
    }


def _civil_destroyed(eng: pd.DataFrame, civil_ids: set[str]) -> int:
    """Civil aircraft killed by an engagement of ``eng`` (each counted once)."""
    kills = eng[(eng["result"] == "kill") & eng["threat"].isin(civil_ids)]
    return int(kills["threat"].nunique())


def summarize(
    loaded: LoadedScenario,
    seed: int,
    truth: Truth,
    events: pd.DataFrame,
    engagements: pd.DataFrame,
    version: str,
    *,
    picture_stats: dict[str, Any] | None = None,
) -> dict[str, Any]:
    """The figures of ``summary.json``: totals, ``by_class``, ``by_nation``, provenance and
    the quality of the air picture (``picture_stats``: its OSPA against the truth picture,
    computed by the engine while it runs; 0 when not given)."""
    sc = loaded.scenario
    threats = threat_table(truth, events)
    civil = {truth.ids[i] for i in np.flatnonzero(truth.cls == "airliner")}
    out: dict[str, Any] = {
        "scenario": sc.name,
        "policy": sc.policy.value,
        "picture": sc.picture.value,
        "seed": seed,
        "version": version,
        "scenario_sha256": loaded.sha256,
    }
    out.update(_figures(threats, engagements, events, civil))
    launched = threats[threats["fate"] != "not_launched"] if len(threats) else threats
    attacker_cost = float(sum(truth.cost_usd[truth.ids.index(t)] for t in launched["id"]))
    out["attacker_cost_usd"] = round(attacker_cost, 2)
    out["cost_exchange_ratio"] = (
        round(out["interceptor_cost_usd"] / attacker_cost, 6) if attacker_cost > 0 else None
    )
    out["assets_hit_names"] = sorted(
        events.loc[events["kind"] == "asset_hit", "detail"].unique().tolist()
    )
    by_class: dict[str, Any] = {}
    for cls in sorted({*truth.cls.tolist()}):
        ids = {truth.ids[i] for i in np.flatnonzero(truth.cls == cls)}
        sub_t = threats[threats["class"] == cls] if len(threats) else threats
        sub_e = engagements[engagements["threat"].isin(ids)]
        sub_ev = events[events["entity"].isin(ids)]
        by_class[cls] = _figures(sub_t, sub_e, sub_ev, civil)
    out["by_class"] = by_class
    by_nation: dict[str, Any] = {}
    for nation in [n.code for n in sc.nations]:
        e = engagements[engagements["nation"] == nation]
        by_nation[nation] = {
            "interceptors_fired": int(e["rounds"].fillna(0).sum()),
            "interceptor_cost_usd": round(float(e["cost_usd"].fillna(0).sum()), 2),
            "threats_destroyed": int(((e["result"] == "kill") & ~e["threat"].isin(civil)).sum()),
            "civil_aircraft_engaged": int(e["threat"].isin(civil).sum()),
            "civil_aircraft_destroyed": _civil_destroyed(e, civil),
            "engagements_for_other_nations": int(
                ((e["aim_nation"] != nation) & (e["aim_nation"] != "")).sum()
            ),
        }
    out["by_nation"] = by_nation
    kinds: dict[str, int] = {}
    if len(engagements):
        sums = engagements.groupby("unit_kind")["rounds"].sum()
        kinds = {str(k): int(v) for k, v in sums.items()}
    out["shots_by_effector_kind"] = kinds
    stats = picture_stats or {}
    out["picture_ospa_m"] = stats.get("picture_ospa_m", 0.0)
    out["picture_ospa_by_picture_m"] = stats.get("picture_ospa_by_picture_m", {})
    inits = events[events["kind"] == "track_init"]
    out["tracks_initiated"] = len(inits)
    out["false_tracks"] = int((inits["entity"] == "").sum())
    resolved = engagements[engagements["result"] != "unresolved"]
    at_false = resolved[resolved["threat"] == ""] if len(resolved) else resolved
    out["interceptors_at_false_tracks"] = int(at_false["rounds"].fillna(0).sum())
    ident = identification_figures(truth, events)
    out["misidentifications"] = ident["misidentifications"]
    out["identification"] = ident
    return out


def civil_safety_line(summary: dict[str, Any]) -> tuple[bool, str]:
    """The safety property of a run in one line, and whether it holds: no civil aircraft
    identified hostile (in any picture), engaged or destroyed.

    >>> civil_safety_line({"identification": {"civil_aircraft_identified_hostile": 0},
    ...                    "civil_aircraft_engaged": 2, "civil_aircraft_destroyed": 1})
    (False, 'civil aircraft: 0 identified hostile, 2 engaged, 1 destroyed')
    """
    ident = summary.get("identification")
    hostile = ident.get("civil_aircraft_identified_hostile", 0) if isinstance(ident, dict) else 0
    engaged = summary.get("civil_aircraft_engaged", 0)
    destroyed = summary.get("civil_aircraft_destroyed", 0)
    safe = hostile == 0 and engaged == 0 and destroyed == 0
    line = f"civil aircraft: {hostile} identified hostile, {engaged} engaged, {destroyed} destroyed"
    return safe, line


AIRCRAFT_CLASSES = ("airliner", "fighter")
FRIENDLY_IDENTITIES = ("neutral", "friend", "assumed_friend")


def identification_figures(truth: Truth, events: pd.DataFrame) -> dict[str, Any]:
    """How well the pictures identified the objects, from the ``identity`` events.

    A *misidentification* is an object given, in some picture and at some time, an identity
    that contradicts what it is: ``hostile`` for an aircraft (civil or military), or
    ``neutral`` / ``friend`` / ``assumed_friend`` for a threat; each (object, picture) pair
    counts once. Also: the objects of each kind concerned, the threats that were tracked but
    never identified hostile, and the time from a threat's first confirmed track to its first
    ``hostile`` identity (median and maximum per class, s). The identity word is the first
    word of an identity event's ``detail``.
    """
    cls_of = dict(zip(truth.ids, truth.cls.tolist(), strict=True))
    ev = events[(events["kind"] == "identity") & (events["entity"] != "")]
    word = ev["detail"].str.split(" ", n=1).str[0]
    cls = ev["entity"].map(cls_of)
    aircraft = cls.isin(AIRCRAFT_CLASSES)
    threat = cls.isin([c.value for c in HOSTILE_CLASSES])
    false_hostile = ev[aircraft & (word == "hostile")]
    threat_friendly = ev[threat & word.isin(FRIENDLY_IDENTITIES)]
    pairs = pd.concat([false_hostile, threat_friendly])[["entity", "picture"]]
    hostile_t = ev[word == "hostile"].groupby("entity")["t_s"].min()
    inits = events[(events["kind"] == "track_init") & (events["entity"] != "")]
    first_t = inits.groupby("entity")["t_s"].min()
    hostile_classes = {c.value for c in HOSTILE_CLASSES}
    tracked_threats = [e for e in first_t.index if cls_of.get(e) in hostile_classes]
    delay: dict[str, dict[str, float]] = {}
    for c in sorted({cls_of[e] for e in tracked_threats}):
        ids = [e for e in tracked_threats if cls_of[e] == c and e in hostile_t.index]
        if ids:
            d = (hostile_t[ids] - first_t[ids]).to_numpy(dtype=float)
            delay[c] = {"median": round(float(np.median(d)), 3), "max": round(float(d.max()), 3)}
    return {
        "misidentifications": len(pairs.drop_duplicates()),
        "aircraft_identified_hostile": int(false_hostile["entity"].nunique()),
        "civil_aircraft_identified_hostile": int(
            false_hostile.loc[false_hostile["entity"].map(cls_of) == "airliner", "entity"].nunique()
        ),
        "threats_identified_friendly": int(threat_friendly["entity"].nunique()),
        "threats_tracked": len(tracked_threats),
        "threats_tracked_never_hostile": sum(e not in hostile_t.index for e in tracked_threats),
        "time_to_hostile_s": delay,
    }
