"""Identification: latency, the cue's accuracy on held-out simulated tracks, real traffic that
nobody on the project wrote (raw and through the sensor and tracker models), real non-airline
flights replayed silent in the engine, and the threats' time to a hostile identity.

Usage: ``.venv/bin/python benchmarks/identify/bench_identify.py [--quick] [--only PART]``
with PART one of ``latency, accuracy, real, sensed, engine, threats``.

Prints Markdown tables (copied into ``benchmarks/identify/README.md``). Not part of the test
suite: timing claims live here. Real data: ``shared/data/flights`` (238 OpenSky flights around
Paris) and ``shared/data/flights_nonairline`` (93 non-airline flights); the other samples of the
PyPI package ``traffic`` are kept for independent evaluation and not used here.
"""

from __future__ import annotations

import argparse
import statistics
import time
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path

import numpy as np
import pandas as pd

from iamd.geo.borders import country_at
from iamd.geo.wgs84 import R_MEAN_M, ecef_to_lla, lla_to_ecef
from iamd.identify.airspace import Airspace
from iamd.identify.classifier import CLASSES, classify, load_model, out_of_support
from iamd.identify.features import compute_features
from iamd.identify.identity import IdentityMemory, Judgement, evidence_strings, fold, judge
from iamd.identify.tool import identify_tracks, implausible_updates, read_tracks
from iamd.identify.training import (
    RealFlight,
    classification_metrics,
    every_window,
    history_windows,
    make_dataset,
    paris_airways,
    real_flight_tracks,
    simulate_tracks,
    simulate_truth,
)
from iamd.identify.truth_identity import STANDARD_IDENTITIES
from iamd.scenario.loader import builtin_scenario_text, load_scenario, load_scenario_text
from iamd.sim.engine import RunResult, run
from iamd.world.recorded import read_flight_reports, reference_point, relocate, replay_flights

DATA = Path(__file__).resolve().parents[3] / "shared" / "data"
SETS = {
    "airliners and GA around Paris": DATA / "flights" / "quickstart_points.csv.gz",
    "non-airline flights": DATA / "flights_nonairline" / "nonairline_points.csv.gz",
}
WORST_ORDER = ("hostile", "suspect", "unknown", "assumed_friend", "neutral", "friend", "pending")
"""Worst first: the order in which a real flight's identities are ranked."""
RANK = np.array([WORST_ORDER.index(s) for s in STANDARD_IDENTITIES])


def best_of(fn: Callable[[], object], repeat: int) -> float:
    """Best wall time of ``repeat`` calls (s): the least disturbed by other load."""
    times = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t0)
    return min(times)


def upper95(k: int, n: int) -> str:
    """The 95 % upper bound of a rate with k events in n trials (rule of three for k = 0)."""
    if n == 0:
        return "–"
    if k == 0:
        return f"≤ {3.0 / n:.2%} (3/N)"
    from scipy.stats import beta

    return f"≤ {float(beta.ppf(0.95, k + 1, n - k)):.2%}"


# --------------------------------------------------------------------------- latency


def best_cpu(fn: Callable[[], object], repeat: int) -> float:
    """Best CPU time of ``repeat`` calls (s, this thread's: other processes' load on the
    machine does not count, its effect on the caches does)."""
    times = []
    for _ in range(repeat):
        t0 = time.thread_time()
        fn()
        times.append(time.thread_time() - t0)
    return min(times)


def latency(args: argparse.Namespace) -> None:
    print("## Latency\n")
    load_model.cache_clear()
    t0 = time.perf_counter()
    model = load_model()
    t_load = time.perf_counter() - t0
    hist = simulate_tracks(simulate_truth(21, 600), 21)
    tr, end = np.nonzero(hist.exists)
    pick = np.arange(len(tr)) % max(1, len(tr) // 10_000) == 0
    tr, end = tr[pick][:10_000], end[pick][:10_000]
    w = history_windows(hist, tr, end, seed=21)
    n = len(tr)
    # the simulated tracks cover the training theatre box (34-48.5 N, 19-40 E): the built-in
    # theatre's borders, launch area, zones, assets and flight plans all apply to some of them
    scenario = load_scenario("balkans").scenario
    airspace = Airspace.from_scenario(scenario)
    origin = np.asarray(country_at(*ecef_to_lla(w.first_pos_ecef_m)[:2])).astype(str)
    f = compute_features(w, origin_country=origin)
    x = f.matrix()
    p = classify(f, model)
    pos = w.pos_ecef_m[:, -1]
    vel = w.vel_ecef_m_s[:, -1]
    first = w.first_pos_ecef_m
    # a tracker's covariance: 150 m and 8 m/s per axis (the rules read speed and height with
    # a 2-sigma margin)
    covar = np.broadcast_to(np.diag([150.0**2] * 3 + [8.0**2] * 3), (n, 6, 6)).copy()
    t_now = 600.0  # inside every flight plan's window
    upd = np.full(n, 10)
    oos = out_of_support(f, model)
    launch = airspace.launch_area_at(first)  # looked up once per track, as the engine does

    def identity() -> None:
        ev = judge(f, p, pos_ecef_m=pos, vel_ecef_m_s=vel, launch_area=launch, updates=upd,
                   t_s=t_now, covar=covar, out_of_support=oos, airspace=airspace)  # fmt: skip
        IdentityMemory.new(n).step(np.arange(n), t_now, ev)

    def kinematic() -> None:
        ev = judge(f, p, updates=upd, out_of_support=oos)
        IdentityMemory.new(n).step(np.arange(n), 0.0, ev)

    def origins() -> None:
        lat, lon, _ = ecef_to_lla(first)
        country_at(lat, lon)
        airspace.launch_area_at(first)

    ev = judge(f, p, pos_ecef_m=pos, vel_ecef_m_s=vel, launch_area=launch, updates=upd,
               t_s=t_now, covar=covar, out_of_support=oos, airspace=airspace)  # fmt: skip
    mem = IdentityMemory.new(n)
    mem.step(np.arange(n), t_now, ev)
    h = ecef_to_lla(pos)[2]
    speed = f.speed_m_s
    r = args.repeat
    rows = [
        ("load the shipped model (cold, wall time)", 1, t_load),
        ("features (`compute_features`)", n, best_cpu(lambda: compute_features(w), max(3, r // 4))),
        ("origin lookups, once per new track (`country_at`, `launch_area_at`)", n,
         best_cpu(origins, r)),
        ("classify, table model (`classify`)", n, best_cpu(lambda: classify(x, model), r)),
        ("training support (`out_of_support`)", n, best_cpu(lambda: out_of_support(x, model), r)),
        ("flight-plan correlation alone (`Airspace.correlate`, 12 plans)", n,
         best_cpu(lambda: airspace.correlate(t_now, pos, vel_ecef_m_s=vel, speed_m_s=speed,
                                             h_m=h), r)),
        ("closing on 18 assets alone (`Airspace.closing_on`)", n,
         best_cpu(lambda: airspace.closing_on(pos, vel, max_time_to_go_s=3600.0,
                                              min_closing_share=0.7), r)),
        ("identity, kinematic criteria only (`judge` + `IdentityMemory.step`)", n,
         best_cpu(kinematic, r)),
        ("identity, all criteria against the built-in airspace", n, best_cpu(identity, r)),
        ("**classify + support + identity (kinematic)**", n,
         best_cpu(lambda: (classify(x, model), out_of_support(x, model), kinematic()), r)),
        ("**classify + support + identity (built-in airspace, flight plans, covariance)**", n,
         best_cpu(lambda: (classify(x, model), out_of_support(x, model), identity()), r)),
        ("evidence strings, every track (`evidence_strings`)", n,
         best_cpu(lambda: evidence_strings(mem.code, mem.rule, ev), max(3, r // 3))),
    ]  # fmt: skip
    one = w.take([0])

    def single() -> None:
        f1 = compute_features(one)
        p1 = classify(f1, model)
        e1 = judge(f1, p1, out_of_support=out_of_support(f1, model))
        IdentityMemory.new(1).step([0], 0.0, e1)

    rows.append(
        ("single track: features + classify + identity", 1,
         statistics.median(best_cpu(single, 1) for _ in range(200)))
    )  # fmt: skip
    outside = (launch >= 0) | np.isin(origin, list(airspace.hostile))
    print(
        f"{n:,} simulated track windows; {int(outside.sum()):,} first seen in the launch area or "
        f"over hostile territory, {int((ev.plan >= 0).sum()):,} correlated with a flight plan, "
        f"{int((ev.asset >= 0).sum()):,} closing on an asset; CPU time, best of {r}.\n"
    )
    print("| step | tracks | CPU time | per track |")
    print("|---|---:|---:|---:|")
    for name, k, t in rows:
        print(f"| {name} | {k:,} | {t * 1e3:.2f} ms | {t / k * 1e6:.2f} µs |")
    print()


# --------------------------------------------------------------------------- accuracy


def accuracy(args: argparse.Namespace) -> None:
    n = 1500 if args.quick else 5000
    print(f"## The cue's accuracy on held-out simulated tracks (seed 2, {n:,} tracks)\n")
    data = make_dataset(2, n)
    p = classify(data.x)
    m = classification_metrics(data.y, p)
    print(f"{m['n']:,} windows; accuracy {m['accuracy']:.4f}, log loss {m['log_loss']:.4f}, "
          f"Brier {m['brier']:.4f}, expected calibration error {m['ece']:.4f}\n")  # fmt: skip
    conf = np.array(m["confusion"])
    print("| true \\ predicted | " + " | ".join(CLASSES) + " | recall |")
    print("|---|" + "---:|" * (len(CLASSES) + 1))
    for i, c in enumerate(CLASSES):
        cells = " | ".join(f"{v:,}" for v in conf[i])
        print(f"| {c} | {cells} | {m['recall'][c]:.4f} |")
    print()


# --------------------------------------------------------------------------- real traffic


def _real_tracks(path: Path, squawk: bool) -> pd.DataFrame:
    d = pd.read_csv(path)
    d = d[d["onground"] != True].dropna(subset=["t_unix_s", "lat_deg", "lon_deg", "alt_m"])  # noqa: E712
    return pd.DataFrame(
        {
            "t_s": d["t_unix_s"],
            "track_id": d["flight_id"],
            "lat_deg": d["lat_deg"],
            "lon_deg": d["lon_deg"],
            "alt_m": d["alt_m"],
            "has_transponder": squawk,
        }
    )


def _per_flight(ids: pd.DataFrame) -> tuple[pd.Series, pd.Series, float]:
    """Worst identity per flight, identity changes per flight, and flight hours."""
    rank = ids["identity"].map({s: WORST_ORDER.index(s) for s in STANDARD_IDENTITIES})
    worst = rank.groupby(ids["track_id"]).min().map(lambda i: WORST_ORDER[i])
    shown = ids[ids["identity"] != "pending"]
    changes = shown.groupby("track_id")["identity"].agg(
        lambda s: int((s.values[1:] != s.values[:-1]).sum())
    )
    span = ids.groupby("track_id")["t_s"].agg(lambda t: t.max() - t.min())
    return worst, changes, float(span.sum() / 3600.0)


def real_traffic(args: argparse.Namespace) -> None:
    print("## Real traffic through `iamd identify` (raw positions, no scenario)\n")
    print("Worst standard identity per flight over all its updates; identity changes per "
          "flight-hour (after the first identity).\n")  # fmt: skip
    print(
        "| flights | transponders | flights | updates | implausible | "
        + " | ".join(WORST_ORDER)
        + " | hostile rate (95 % bound) | changes / flight-h | CPU s |"
    )
    print("|---|---|---:|---:|---:|" + "---:|" * len(WORST_ORDER) + "---|---:|---:|")
    for name, path in SETS.items():
        if not path.exists():
            print(f"| {name} | absent | | | |" + " |" * len(WORST_ORDER) + " | | |")
            continue
        for squawk in (False, True):
            tmp = Path(f"/tmp/bench_identify_{path.stem}_{squawk}.csv")
            _real_tracks(path, squawk).to_csv(tmp, index=False)
            df = read_tracks(tmp)
            if args.quick:
                keep = df["track_id"].isin(df["track_id"].unique()[::4])
                df = df[keep].reset_index(drop=True)
            t0 = time.process_time()
            ids = identify_tracks(df)
            cpu = time.process_time() - t0
            worst, changes, hours = _per_flight(ids)
            counts = [int((worst == s).sum()) for s in WORST_ORDER]
            nf = len(worst)
            label = "on" if squawk else "off"
            flagged = int((ids.implausible != "").sum())
            rate = changes.sum() / max(hours, 1e-9)
            cells = " | ".join(map(str, counts))
            print(f"| {name} | {label} | {nf} | {len(ids):,} | {flagged:,} | {cells} | "
                  f"{upper95(counts[0], nf)} | {rate:.2f} | {cpu:.1f} |")  # fmt: skip
            if counts[0]:
                h = ids[ids.identity == "hostile"].groupby("track_id")["evidence"].first()
                for fid, why in h.head(5).items():
                    print(f"|   hostile: {fid} | {why} |")
    print()


# --------------------------------------------------------------------------- sensed real traffic


def _flights_near(path: Path, lat_deg: float, lon_deg: float) -> list[RealFlight]:
    """The flights of a points file, each moved rigidly so that its bounding box's centre is
    60 km from the given radar site (bearings spread), as replayed truth."""
    reports = read_flight_reports(path)
    # data glitches (stale repeats, altitude flips) are not what a radar sees: drop the
    # reports `iamd identify` flags before replaying the flights as truth
    order = np.lexsort((reports.t_unix_s, reports.flight_id))
    reports = reports.take(order)
    ok = np.isfinite(reports.t_unix_s) & np.isfinite(reports.lat_rad) & np.isfinite(reports.alt_m)
    reports = reports.take(ok)
    key = np.unique(reports.flight_id, return_inverse=True)[1]
    pos = lla_to_ecef(reports.lat_rad, reports.lon_rad, reports.alt_m)
    flag = implausible_updates(reports.t_unix_s, pos, key, np.arange(len(key)))
    reports = reports.take(flag == "")
    ids = reports.flight_ids()
    lat = reports.lat_rad.copy()
    lon = reports.lon_rad.copy()
    for k, fid in enumerate(ids):
        m = reports.flight_id == fid
        c_lat, c_lon = reference_point(lat[m], lon[m])
        az = np.radians(137.5 * k)  # golden-angle bearings
        d = 60e3 / R_MEAN_M
        t_lat = np.radians(lat_deg) + d * np.cos(az)
        t_lon = np.radians(lon_deg) + d * np.sin(az) / np.cos(np.radians(lat_deg))
        lat[m], lon[m], _ = relocate(lat[m], lon[m], c_lat, c_lon, float(t_lat), float(t_lon))
    moved = replace(reports, lat_rad=lat, lon_rad=lon)
    return [
        RealFlight(flight_id=rf.flight_id, callsign=rf.callsign, flight=rf.flight,
                   baro_alt_m=rf.alt_m)
        for rf in replay_flights(moved, min_reports=30)
    ]  # fmt: skip


def sensed_traffic(args: argparse.Namespace) -> None:
    site = (48.60, 2.95)
    print("## Real traffic through the sensor and tracker models (no scenario)\n")
    print("Reports flagged implausible by `iamd identify` are dropped from the truth.\n")
    print(
        "Each flight moved so that its centre lies 60 km from a radar south-east of Paris; "
        "tracked by the engine's tracker; a window every 2 s of every track, identified "
        "through the identity rules and their hysteresis; worst identity per flight.\n"
    )
    print("| flights | radar | RCS m² | transponders | flights | " + " | ".join(WORST_ORDER)
          + " | hostile rate (95 % bound) |")  # fmt: skip
    print("|---|---|---:|---|---:|" + "---:|" * len(WORST_ORDER) + "---|")
    net = paris_airways()
    for name, path in SETS.items():
        if not path.exists():
            continue
        flights = _flights_near(path, *site)
        if args.quick:
            flights = flights[::4]
        for sensor, rcs in (("ground_master_400", 1.0), ("trml_4d", 0.5)):
            hist = real_flight_tracks(flights, seed=1, sensor_type=sensor,
                                      sensor_lat_deg=site[0], sensor_lon_deg=site[1],
                                      rcs_m2=rcs)  # fmt: skip
            tr, end = every_window(hist, 2)
            order = np.lexsort((end, tr))
            tr, end = tr[order], end[order]
            t_end = hist.truth.t_s[tr, end]
            for squawk in (False, True):
                worst = np.full(len(flights), len(WORST_ORDER))
                parts = []
                for lo in range(0, len(tr), 60_000):
                    s = slice(lo, lo + 60_000)
                    w = history_windows(hist, tr[s], end[s], seed=1,
                                        squawk=np.full(len(tr[s]), squawk))  # fmt: skip
                    f = compute_features(w, net)
                    p = classify(f)
                    t_s, e_s = tr[s], end[s]
                    parts.append(
                        judge(
                            f,
                            p,
                            pos_ecef_m=hist.pos_ecef_m[t_s, e_s],
                            vel_ecef_m_s=hist.vel_ecef_m_s[t_s, e_s],
                            sigma_m=hist.sigma_m[t_s, e_s],
                            updates=np.full(len(f), 10),
                            out_of_support=out_of_support(f),
                        )
                    )
                codes, _, _ = fold(tr, t_end, Judgement.concat(parts))
                np.minimum.at(worst, tr, RANK[codes])
                counts = [int(np.sum(worst == i)) for i in range(len(WORST_ORDER))]
                tracked = int(np.sum(worst < len(WORST_ORDER)))
                cells = " | ".join(map(str, counts))
                on = "on" if squawk else "off"
                print(f"| {name} | {sensor} | {rcs:g} | {on} | {tracked} | {cells} | "
                      f"{upper95(counts[0], tracked)} |")  # fmt: skip
    print()


# --------------------------------------------------------------------------- engine


ENGINE_SITES = [("BGR", 42.70, 25.00), ("GRC", 40.20, 22.20), ("ROU", 45.60, 24.60)]
"""Where the non-airline flights are replayed: central Bulgaria, northern Greece,
Transylvania (each set's centre; far from the raids' axes)."""


def _engine_scenario(rcs_m2: float) -> str:
    """The built-in theatre with the non-airline flights replayed silent over three nations."""
    text = builtin_scenario_text("balkans")
    points = DATA / "flights_nonairline" / "nonairline_points.csv.gz"
    sets = []
    ids = pd.read_csv(DATA / "flights_nonairline" / "nonairline_index.csv")["flight_id"].tolist()
    chunks = [ids[i::3] for i in range(3)]
    for (code, lat, lon), chunk in zip(ENGINE_SITES, chunks, strict=True):
        for j, fid in enumerate(chunk[:5]):
            sets.append(
                f"    - {{file: {points}, flights: [{fid}], start_s: {120 + 240 * j}, "
                f"relocate: {{lat_deg: {lat + 0.3 * (j % 2)}, lon_deg: {lon + 0.4 * (j // 2)}}}, "
                f"transponder: off, rcs_m2: {rcs_m2}, type: light_aircraft, nation: {code}}}"
            )
    block = "  recorded:\n" + "\n".join(sets) + "\n"
    assert "civil_traffic:\n" in text
    return text.replace("civil_traffic:\n", "civil_traffic:\n" + block, 1)


def engine(args: argparse.Namespace) -> None:
    seeds = (1,) if args.quick else (1, 2, 3)
    print(
        "## The engine: real non-airline flights replayed silent over Bulgaria, Greece and "
        "Romania\n"
    )
    print("15 flights of `flights_nonairline` (5 per nation, transponder off, light-aircraft "
          "RCS) added to the built-in theatre; identity changes of a track per civil "
          "flight-hour after its first identity (a track lost and found again starts "
          "afresh).\n")  # fmt: skip
    print("| RCS m² | seed | replayed tracked | hostile | suspect | changes / flight-h | "
          "all civil tracked | hostile | engaged | destroyed | changes / flight-h | "
          "threats destroyed | leakers |")  # fmt: skip
    print("|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|")
    for rcs in (0.5, 1.0):
        loaded = load_scenario_text(_engine_scenario(rcs), "bench.yaml")
        for seed in seeds:
            res = run(loaded, seed=seed)
            ev = res.events
            t = res.truth
            civil = {t.ids[i] for i in np.flatnonzero(t.cls == "airliner")}
            replayed = {t.ids[i] for i, g in enumerate(t.group) if str(g).startswith("recorded")}
            cells = []
            for group in (replayed, civil):
                ident = ev[(ev.kind == "identity") & ev.entity.isin(group)]
                word = ident["detail"].str.split(" ").str[0]
                hostile = ident.loc[word == "hostile", "entity"].nunique()
                suspect = ident.loc[word == "suspect", "entity"].nunique()
                track = ident["detail"].str.extract(r", (\w+ track \d+)$", expand=False)
                per_track = ident.groupby([ident["entity"], track]).size()
                changes = per_track.sub(1).clip(lower=0).sum()
                rate = changes / max(_flight_hours(res, group), 1e-9)
                cells.append((ident.entity.nunique(), hostile, suspect, rate))
            s = res.summary
            (rn, rh, rs, rc), (cn, ch, _, cc) = cells
            print(f"| {rcs:g} | {seed} | {rn} | {rh} | {rs} | {rc:.2f} | {cn} | {ch} | "
                  f"{s['civil_aircraft_engaged']} | {s['civil_aircraft_destroyed']} | {cc:.2f} | "
                  f"{s['threats_destroyed']} | {s['leakers']} |")  # fmt: skip
    print()


def _flight_hours(res: RunResult, ids: set[str]) -> float:
    """Flight-hours of the objects ``ids`` inside the scenario window."""
    t = res.truth
    m = np.isin(np.asarray(t.ids), list(ids))
    end = np.minimum(t.t_end_s[m], res.loaded.scenario.duration_s)
    return float(np.sum(np.maximum(end - np.maximum(t.t_start_s[m], 0.0), 0.0)) / 3600.0)


# --------------------------------------------------------------------------- threats


def threats(args: argparse.Namespace) -> None:
    from iamd.geo.borders import country_at

    seeds = (1, 2) if args.quick else (1, 2, 3, 4, 5)
    loaded = load_scenario("balkans")
    friendly = {n.code for n in loaded.scenario.nations}
    print(f"## Threats of the built-in theatre (`make run`, seeds {seeds[0]}–{seeds[-1]})\n")
    print(
        "| seed | launched | destroyed | leakers | assets hit | rounds | cost M$ | "
        "civil hostile | civil engaged | civil destroyed | patrol taskings | "
        "looks: neutral | hostile | friend | none |"
    )
    print("|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|")
    delays: list[tuple[str, str, float, float]] = []
    for seed in seeds:
        res = run(loaded, seed=seed)
        s = res.summary
        ev = res.events
        civil = set(res.truth.ids[i] for i in np.flatnonzero(res.truth.cls == "airliner"))
        ident = ev[ev.kind == "identity"]
        hostile = ident[ident.detail.str.startswith("hostile")]
        # the patrols' visual identifications (iamd.sim.vid): taskings and what each look
        # declared
        looks = ev[ev.kind == "vid"].detail
        said = {w: int(looks.str.endswith(f": {w}").sum())
                for w in ("neutral", "hostile", "friend")}  # fmt: skip
        none = len(looks) - sum(said.values())
        print(f"| {seed} | {s['threats_launched']} | {s['threats_destroyed']} | {s['leakers']} | "
              f"{s['assets_hit']} | {s['interceptors_fired']} | "
              f"{s['interceptor_cost_usd'] / 1e6:.0f} | {hostile.entity.isin(civil).sum()} | "
              f"{s['civil_aircraft_engaged']} | {s['civil_aircraft_destroyed']} | "
              f"{int((ev.kind == 'vid_task').sum())} | {said['neutral']} | {said['hostile']} | "
              f"{said['friend']} | {none} |")  # fmt: skip
        inits = ev[ev.kind == "track_init"].groupby("entity").first()
        first_h = hostile.groupby("entity")["t_s"].min()
        t = res.truth
        for i, eid in enumerate(t.ids):
            if t.cls[i] not in ("drone", "cruise_missile", "ballistic_missile"):
                continue
            if eid not in inits.index:
                continue
            lat, lon = np.radians(t.start_lla[i, 0]), np.radians(t.start_lla[i, 1])
            inside = str(np.asarray(country_at(lat, lon))) in friendly
            t0 = float(inits.loc[eid, "t_s"])
            th = float(first_h.get(eid, np.inf))
            left = float(t.t_end_s[i] - th) if np.isfinite(th) else np.nan
            delays.append((str(t.cls[i]), "inside" if inside else "outside", th - t0, left))
    print("\nTime from the first track to `hostile`, by class and launch origin (all seeds):\n")
    print(
        "| class | launched | tracks | hostile | median | 90th pct | max | "
        "median time left to impact |"
    )
    print("|---|---|---:|---:|---:|---:|---:|---:|")
    df = pd.DataFrame(delays, columns=["cls", "origin", "delay", "left"])
    for (cls, origin), g in df.groupby(["cls", "origin"]):
        ok = g[np.isfinite(g.delay)]
        med = f"{ok.delay.median():.0f} s" if len(ok) else "–"
        p90 = f"{ok.delay.quantile(0.9):.0f} s" if len(ok) else "–"
        mx = f"{ok.delay.max():.0f} s" if len(ok) else "–"
        left = f"{ok.left.median():.0f} s" if len(ok) else "–"
        print(f"| {cls} | {origin} | {len(g)} | {len(ok)} | {med} | {p90} | {mx} | {left} |")
    print()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=20)
    parser.add_argument("--quick", action="store_true")
    parts = {
        "latency": latency,
        "accuracy": accuracy,
        "real": real_traffic,
        "sensed": sensed_traffic,
        "engine": engine,
        "threats": threats,
    }
    parser.add_argument("--only", choices=list(parts), default=None)
    args = parser.parse_args()
    for name, fn in parts.items():
        if args.only in (None, name):
            fn(args)


if __name__ == "__main__":
    main()
