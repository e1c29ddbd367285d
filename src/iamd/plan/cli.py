"""The ``gaps`` and ``plan`` subcommands: parsers and handlers for ``iamd.cli``.

``add_plan_parsers(subparsers)`` adds both parsers; ``gaps_command(args)`` and
``plan_command(args)`` take the parsed Namespace, write their files atomically and return
the exit status. Bad flags raise ``iamd.errors.InputError`` naming the flag, the value and
what is allowed (the CLI prints ``error: ...`` and exits 2). ``--validate N`` of ``plan`` is
run by ``iamd.analysis.plan_validate`` (the campaign machinery sits above this stage).

This module imports nothing heavy at import time: ``iamd.cli`` imports it to build its parser.
"""

from __future__ import annotations

import argparse
import math
import re
from pathlib import Path
from typing import TYPE_CHECKING, Any

from iamd.errors import InputError
from iamd.files import MAX_TEXT_BYTES, check_output_dir, cut, read_csv_frame, write_files

if TYPE_CHECKING:
    from rich.console import Console

    from iamd.plan.gaps import GapAnalysis
    from iamd.plan.placement import PlanResult
    from iamd.scenario.loader import LoadedScenario

GAPS_FILES = ("gaps_rows.parquet", "gaps_cover.parquet", "gaps_nations.parquet",
              "gaps_units.parquet", "gaps.html")  # fmt: skip
PLAN_FILES = ("plan.json", "scenario_planned.yaml", "plan_placements.parquet",
              "plan_rows.parquet", "plan_pareto_reach.parquet", "plan_pareto_lent.parquet",
              "plan.html")  # fmt: skip
#: The most points of a Pareto front and runs of --validate (a campaign's --runs limit).
MAX_PARETO_POINTS = 200
MAX_VALIDATE_RUNS = 100_000
_AXIS_RE = re.compile(r"^\s*([A-Za-z0-9_.\-]+)\s*@\s*([-+0-9.eE]+)\s*,\s*([-+0-9.eE]+)\s*$")
_ASSET_RE = re.compile(
    r"^\s*([A-Za-z0-9_.\-]+)\s*:\s*([A-Z]{3})\s*:\s*([-+0-9.eE]+)\s*,\s*([-+0-9.eE]+)\s*"
    r":\s*([-+0-9.eE]+)\s*$"
)


def add_plan_parsers(subparsers: Any) -> None:
    """Add the ``gaps`` and ``plan`` parsers to an ``add_subparsers()`` object."""
    g = subparsers.add_parser(
        "gaps",
        help="who covers what: asset x threat class x covering units, dependency index",
        description="The gap matrix of a scenario's layout: every defended asset against "
        "every threat axis of its raids, the fire units covering it (the engine's intercept "
        "test) tagged own / lent / allied, covered value per nation alone and with allies, "
        "and the dependency index. Writes DIR/gaps_*.parquet and DIR/gaps.html. See "
        "docs/plan.md.",
    )
    g.add_argument("scenario", nargs="?", default="balkans", help="YAML file or built-in name")
    g.add_argument(
        "--out",
        type=Path,
        default=Path("out/gaps"),
        metavar="DIR",
        help="output directory (default out/gaps)",
    )
    g.add_argument("--quiet", action="store_true", help="no tables")

    p = subparsers.add_parser(
        "plan",
        help="place lent and own batteries (exact MILP on HiGHS, political constraints)",
        description="Choose sites for lent and own batteries to maximise the threat-weighted "
        "covered value of the protected nations' assets, under host-nation consent, minimum "
        "separation, an exclusion buffer along sensitive borders and a cap on the envelope's "
        "reach into a neighbour; exact MILP with a proven gap, the price of the cap, Pareto "
        "fronts. Writes DIR/plan.json, DIR/scenario_planned.yaml (runs with `iamd run`), "
        "Parquet tables and DIR/plan.html. See docs/plan.md.",
    )
    p.add_argument("scenario", nargs="?", default="balkans", help="YAML file or built-in name")
    p.add_argument(
        "--lend",
        action="append",
        default=[],
        metavar="'NATION:TYPE xN'",
        help="N batteries of catalog TYPE lent by NATION (repeatable), e.g. 'GRC:pac3_mse x1'",
    )
    p.add_argument(
        "--own",
        action="append",
        default=[],
        metavar="'NATION:TYPE xN'",
        help="N own batteries of NATION, placed on its territory (repeatable)",
    )
    p.add_argument(
        "--protect",
        default=None,
        metavar="N1,N2",
        help="nations whose assets count (default: every nation with assets that lends nothing)",
    )
    p.add_argument(
        "--hosts",
        default=None,
        metavar="N1,N2",
        help="nations consenting to host lent batteries besides the lender itself "
        "(default: none, a lent battery stays on its owner's soil)",
    )
    p.add_argument(
        "--spacing-km",
        default="10",
        metavar="KM",
        help="candidate grid spacing inside the host nations (default 10)",
    )
    p.add_argument(
        "--sites",
        type=Path,
        default=None,
        metavar="CSV",
        help="listed candidate sites instead of the grid: CSV with lat_deg, lon_deg "
        "and optionally name",
    )
    p.add_argument(
        "--min-separation-km",
        default="20",
        metavar="KM",
        help="minimum distance between two planned batteries (default 20)",
    )
    p.add_argument(
        "--buffer-km",
        default="20",
        metavar="KM",
        help="no site closer than this to a sensitive border (default 20)",
    )
    p.add_argument(
        "--sensitive-border",
        action="append",
        default=None,
        metavar="A-B",
        help="a designated sensitive land border, e.g. GRC-TUR (repeatable; default "
        "GRC-TUR, the Evros; 'none' for none)",
    )
    p.add_argument(
        "--reach-country",
        default="TUR",
        metavar="NATION",
        help="neighbour whose territory the envelopes' reach is capped in (default TUR)",
    )
    p.add_argument(
        "--reach-cap",
        default=None,
        metavar="SHARE",
        help="largest share, in [0, 1], of a battery's engagement-envelope area "
        "inside --reach-country (default: no cap)",
    )
    p.add_argument(
        "--existing",
        choices=["layered", "count", "ignore"],
        default="layered",
        help="layered: a row is worth the share of its threats expected to leak "
        "through the fixed layers (default); count: a row the fixed layout covers "
        "is worth nothing more; ignore: plan as if nothing covered them",
    )
    p.add_argument(
        "--keep-existing",
        action="store_true",
        help="add the batteries; by default the scenario's units of the same owner "
        "and type are moved",
    )
    p.add_argument(
        "--site-alt-m",
        default="100",
        metavar="M",
        help="height of the candidate sites above the ellipsoid (default 100 m)",
    )
    p.add_argument(
        "--time-limit",
        default="60",
        metavar="S",
        help="solver time limit per solve, s (default 60)",
    )
    p.add_argument(
        "--gap", default="1e-4", metavar="REL", help="relative MIP gap to prove (default 1e-4)"
    )
    p.add_argument(
        "--pareto-points",
        default="12",
        metavar="N",
        help="points of the reach-cap Pareto front (default 12; 0: no fronts)",
    )
    p.add_argument(
        "--max-lent",
        default=None,
        metavar="N",
        help="largest number of lent batteries on the sharing front (default max(4, 2 x lent))",
    )
    p.add_argument(
        "--add-axis",
        action="append",
        default=[],
        metavar="TYPE@LAT,LON",
        help="re-plan with a new threat axis: catalog threat TYPE from LAT,LON (repeatable)",
    )
    p.add_argument(
        "--add-asset",
        action="append",
        default=[],
        metavar="NAME:NATION:LAT,LON:VALUE",
        help="re-plan with a new defended asset (repeatable)",
    )
    p.add_argument(
        "--validate",
        default=None,
        metavar="N",
        help="run N paired campaigns of the planned layout against the current one",
    )
    p.add_argument("--seed", default=None, metavar="S", help="base seed of --validate")
    p.add_argument("--workers", default="1", metavar="N", help="worker processes of --validate")
    p.add_argument(
        "--out",
        type=Path,
        default=Path("out/plan"),
        metavar="DIR",
        help="output directory (default out/plan)",
    )
    p.add_argument("--quiet", action="store_true", help="no tables")


# --- gaps --------------------------------------------------------------------------------------


def gaps_command(args: argparse.Namespace) -> int:
    """``iamd gaps``: compute, write, print."""
    from iamd.plan.gaps import gap_analysis
    from iamd.scenario.loader import load_scenario

    loaded = load_scenario(args.scenario)
    _check_out(args)
    g = gap_analysis(loaded)
    files = gaps_files(g, loaded)
    write_files(files, args.out)
    if not args.quiet:
        from rich.console import Console

        print_gaps(g, loaded, Console())
        Console().print(f"outputs in {args.out}/: {' '.join(GAPS_FILES)}")
    return 0


def gaps_files(g: GapAnalysis, loaded: LoadedScenario) -> dict[str, bytes]:
    """The files of ``iamd gaps``, by name."""
    from iamd.plan.html import gaps_html
    from iamd.plan.output import parquet_bytes

    meta = {"scenario_source": loaded.source, "scenario_sha256": loaded.sha256}
    return {
        "gaps_rows.parquet": parquet_bytes(g.rows, meta),
        "gaps_cover.parquet": parquet_bytes(g.cover, meta),
        "gaps_nations.parquet": parquet_bytes(g.nations, meta),
        "gaps_units.parquet": parquet_bytes(g.units, meta),
        "gaps.html": gaps_html(g, f"{loaded.scenario.name}: who covers what").encode(),
    }


def print_gaps(g: GapAnalysis, loaded: LoadedScenario, console: Console) -> None:
    """Nation table, dependency on single units, and the asset × class matrix (rich)."""
    from rich.table import Table

    t = Table(
        title=f"{loaded.scenario.name}: covered threat-weighted value per nation "
        f"(policy {loaded.scenario.policy.value})",
        title_justify="left",
    )
    for c in (
        "nation",
        "threat class",
        "value",
        "alone",
        "with allies",
        "gap alone",
        "gap with allies",
        "dependency",
    ):
        t.add_column(c, justify="left" if c in ("nation", "threat class") else "right")
    for r in g.nations.itertuples():
        t.add_row(
            str(r.nation),
            str(r.threat_class).replace("_", " "),
            f"{r.value:.1f}",
            f"{r.covered_alone:.1f}",
            f"{r.covered_with_allies:.1f}",
            f"{r.gap_alone:.1f}",
            f"{r.gap_with_allies:.1f}",
            f"{r.dependency:.0%}",
            style="bold" if r.threat_class == "all" else None,
        )
    console.print(t)
    if len(g.units):
        u = Table(
            title="lent and allied units: value covered with the nation's own units, and "
            "lost if the unit alone is withdrawn",
            title_justify="left",
        )
        for c in (
            "unit",
            "type",
            "owner",
            "covers",
            "tag",
            "rows",
            "own + unit",
            "lost",
            "share lost",
        ):
            u.add_column(
                c, justify="right" if c in ("rows", "own + unit", "lost", "share lost") else "left"
            )
        for r in g.units.itertuples():
            u.add_row(
                str(r.unit),
                str(r.unit_type),
                str(r.owner),
                str(r.nation),
                str(r.tag),
                str(r.rows_covered),
                f"{r.covered_alone_plus_unit:.1f}",
                f"{r.value_lost:.1f}",
                f"{r.share_lost:.0%}",
            )
        console.print(u)
    m = Table(
        title="gap matrix: covering units per asset and threat class (all axes)",
        title_justify="left",
    )
    for c in ("asset", "nation", "class", "layers", "status", "covering units"):
        m.add_column(c, justify="right" if c == "layers" else "left")
    for (asset, cls), sub in g.rows.groupby(["asset", "threat_class"], sort=False):
        units = sorted({x for s in sub["units"] for x in s.split("; ") if x})
        if sub["covered_alone"].all():
            status = "[green]covered alone[/]"
        elif sub["covered_with_allies"].all():
            status = "[yellow]with allies[/]"
        elif sub["covered_with_allies"].any():
            status = "[red]partial[/]"
        else:
            status = "[red]gap[/]"
        m.add_row(
            str(asset),
            str(sub["nation"].iloc[0]),
            str(cls).replace("_", " "),
            str(int(sub["layers"].min())),
            status,
            "; ".join(units) or "—",
        )
    console.print(m)


# --- plan --------------------------------------------------------------------------------------


def plan_command(args: argparse.Namespace) -> tuple[int, PlanResult, dict[str, Any]]:
    """``iamd plan``: build, solve, write, print; returns the status, the result and the
    plan document (for ``--validate``)."""
    from iamd.scenario.loader import load_scenario

    loaded = load_scenario(args.scenario)
    _check_out(args)
    if args.validate is not None:
        _int("--validate", args.validate, 1, MAX_VALIDATE_RUNS)
    run = build_plan(args, loaded)
    files = plan_files(run, loaded)
    write_files(files, args.out)
    if not args.quiet:
        from rich.console import Console

        print_plan(run, Console())
        Console().print(f"outputs in {args.out}/: {' '.join(PLAN_FILES)}")
    return 0, run["result"], run


def build_plan(args: argparse.Namespace, loaded: LoadedScenario) -> dict[str, Any]:
    """Parse the flags, build and solve the plan (and the re-plan); a dict of everything
    the outputs need."""
    import numpy as np

    from iamd.plan.coverage import coverage_matrix
    from iamd.plan.demand import build_demand, scenario_assets, threat_axes
    from iamd.plan.gaps import analyse
    from iamd.plan.placement import (
        PlanOptions,
        build_problem,
        grid_sites,
        moves,
        parse_pool,
        placements,
        plan,
        solve,
    )
    from iamd.sim.setup import build_effectors

    sc, cat = loaded.scenario, loaded.catalog
    nations = [n.code for n in sc.nations]
    hosts = _codes("--hosts", args.hosts, nations) if args.hosts else []
    pools = [parse_pool(t, "--lend", cat, nations, lent=True, hosts=hosts) for t in args.lend]
    pools += [parse_pool(t, "--own", cat, nations, lent=False) for t in args.own]
    if not pools:
        raise InputError(
            '--lend/--own: give at least one battery to place, e.g. --lend "GRC:pac3_mse x1"'
        )
    lenders = {p.owner for p in pools if p.lent}
    asset_nations = sorted({a.nation for a in sc.assets})
    if args.protect:
        protect = _codes("--protect", args.protect, nations)
    else:
        protect = [n for n in asset_nations if n not in lenders] or asset_nations
    borders = _borders(args.sensitive_border, nations)
    cap = None if args.reach_cap is None else _float("--reach-cap", args.reach_cap, 0.0, 1.0)
    reach_country = str(args.reach_country)
    from iamd.geo.borders import load_countries

    if reach_country not in load_countries().codes:
        raise InputError(
            f"--reach-country: unknown country {reach_country!r} (allowed: "
            f"{', '.join(sorted(load_countries().codes))})"
        )
    opts = PlanOptions(
        min_separation_m=_float("--min-separation-km", args.min_separation_km, 0.0) * 1e3,
        border_buffer_m=_float("--buffer-km", args.buffer_km, 0.0) * 1e3,
        sensitive_borders=borders,
        reach_country=reach_country,
        reach_cap=cap,
        site_alt_m=_float("--site-alt-m", args.site_alt_m, -500.0, 9000.0),
        time_limit_s=_float("--time-limit", args.time_limit, 1e-3),
        mip_rel_gap=_float("--gap", args.gap, 0.0, 0.5),
    )
    points = _int("--pareto-points", args.pareto_points, 0, MAX_PARETO_POINTS)
    max_lent = None if args.max_lent is None else _int("--max-lent", args.max_lent, 0)
    add_axes = [_axis(t, cat) for t in args.add_axis]
    add_assets = [_asset(t, nations) for t in args.add_asset]
    # the fixed layout: the scenario's units minus those the plan moves
    moved: list[str] = []
    if not args.keep_existing:
        for pool in pools:
            cands = [
                u.id
                for u in sc.effectors
                if u.type == pool.type
                and u.id not in moved
                and (
                    u.lent_by == pool.owner
                    or (u.nation == pool.owner and not u.lent_by and pool.lent)
                    or (u.nation == pool.owner and not u.lent_by and not pool.lent)
                )
            ]
            moved += cands[: pool.count]
    units_all = build_effectors(loaded)
    keep = np.array([u.id not in moved for u in sc.effectors], dtype=bool)
    fixed = units_all.take(keep)
    fixed_lent = tuple(u.lent_by or "" for u, k in zip(sc.effectors, keep, strict=True) if k)
    participates = {n.code: n.participates for n in sc.nations}

    def fixed_cover(demand: Any) -> Any:
        if args.existing == "ignore" or len(fixed) == 0:
            return np.ones(len(demand))
        cov = coverage_matrix(fixed, demand.approach)
        g = analyse(demand, cov, fixed, fixed_lent, sc.policy.value, participates)
        if args.existing == "count":
            return np.where(g.rows["covered_with_allies"].to_numpy(bool), 0.0, 1.0)
        return residual_leak(g.covers, fixed, demand.class_index)

    assets = scenario_assets(loaded)
    axes = threat_axes(loaded)
    demand = build_demand(cat, assets, axes, nations=protect)
    if args.sites is not None:
        sites = _read_sites(args.sites)
    else:
        spacing = _float("--spacing-km", args.spacing_km, 1e-3) * 1e3
        sites = grid_sites(sorted({h for p in pools for h in p.hosts}), spacing)
    problem = build_problem(cat, demand, sites, pools, opts, residual=fixed_cover(demand))
    result = plan(problem, pareto_points=points, max_lent=max_lent, fronts=points > 0)
    replan: dict[str, Any] | None = None
    if add_axes or add_assets:
        from dataclasses import replace

        demand2 = build_demand(cat, [*assets, *add_assets], [*axes, *add_axes], nations=protect)
        problem2 = replace(
            build_problem(cat, demand2, sites, pools, opts, residual=fixed_cover(demand2))
        )
        sol2 = solve(problem2, start=result.solution.chosen)
        from iamd.plan.placement import covered_value

        old_value = covered_value(problem2, result.solution.chosen)
        pl2 = placements(problem2, sol2)
        replan = {
            "added_axes": [a.name for a in add_axes],
            "added_assets": [a.name for a in add_assets],
            "covered_by_old_plan": old_value,
            "covered_by_new_plan": sol2.covered,
            "gain": sol2.covered - old_value,
            "proven_gap": sol2.mip_gap,
            "optimal": sol2.optimal,
            "moves": moves(result.placements, pl2),
            "placements": [_placement_dict(p) for p in pl2],
        }
    return {
        "result": result,
        "problem": problem,
        "pools": pools,
        "protect": protect,
        "moved": moved,
        "replan": replan,
        "loaded": loaded,
        "options": opts,
        "args": {
            k: (str(v) if isinstance(v, Path) else v)
            for k, v in vars(args).items()
            if k not in ("func",)
        },
    }


def plan_files(run: dict[str, Any], loaded: LoadedScenario) -> dict[str, bytes]:
    """The files of ``iamd plan``, by name."""
    import pandas as pd

    from iamd.plan.html import plan_html
    from iamd.plan.output import json_bytes, parquet_bytes
    from iamd.scenario.catalog import THREAT_CLASSES

    res: PlanResult = run["result"]
    problem = res.problem
    meta = {"scenario_source": loaded.source, "scenario_sha256": loaded.sha256}
    doc = plan_document(run)
    yaml_text = applied_scenario_yaml(loaded, res, run["moved"], problem.options.site_alt_m)
    d = problem.demand
    rows = pd.DataFrame(
        {
            "asset": [d.assets[a].name for a in d.asset],
            "nation": d.nation(),
            "threat_class": [THREAT_CLASSES[c].value for c in d.class_index],
            "axis": [d.axes[x].name for x in d.axis],
            "weight": d.weight,
            "leak_before": problem.residual,
            "covered_by_plan": covered_by_plan(problem, res.solution.chosen),
            "covered_after": res.covered_rows,
        }
    )
    pl = pd.DataFrame(
        [_placement_dict(p) for p in res.placements],
        columns=[
            "id",
            "owner",
            "type",
            "host",
            "lent",
            "lat_deg",
            "lon_deg",
            "reach_share",
            "marginal_value",
        ],
    )
    empty = pd.DataFrame(
        columns=[
            "x",
            "x_label",
            "objective",
            "planned_value",
            "dual_bound",
            "mip_gap",
            "optimal",
            "solve_s",
            "sites",
        ]
    )
    fr = {k: (v if len(v) else empty).drop(columns=["solve_s"]) for k, v in res.fronts.items()}
    return {
        "plan.json": json_bytes(doc),
        "scenario_planned.yaml": yaml_text.encode(),
        "plan_placements.parquet": parquet_bytes(pl, meta),
        "plan_rows.parquet": parquet_bytes(rows, meta),
        "plan_pareto_reach.parquet": parquet_bytes(
            fr.get("reach", empty.drop(columns=["solve_s"])), meta
        ),
        "plan_pareto_lent.parquet": parquet_bytes(
            fr.get("lent", empty.drop(columns=["solve_s"])), meta
        ),
        "plan.html": plan_html(res, f"{loaded.scenario.name}: battery placement").encode(),
    }


def covered_by_plan(problem: Any, chosen: Any) -> Any:
    """(R,) rows a planned battery covers."""
    import numpy as np

    t_n = len(problem.types)
    cols = [s * t_n + problem.types.index(problem.pools[p].type) for s, p in chosen]
    if not cols:
        return np.zeros(len(problem.demand), dtype=bool)
    return np.asarray(problem.cover[:, cols].sum(axis=1)).reshape(-1) > 0


def residual_leak(covers: Any, units: Any, class_index: Any) -> Any:
    """(R,) share of each row's threats expected to leak through the covering units:
    ``Π (1 − pk)^salvo`` over the units covering the row (1 where none does)."""
    import numpy as np

    coo = covers.tocoo()
    c = class_index[coo.row]
    log_leak = units.salvo[coo.col, c] * np.log1p(-np.minimum(units.pk[coo.col, c], 1 - 1e-12))
    total = np.bincount(coo.row, weights=log_leak, minlength=covers.shape[0])
    return np.exp(total)


def plan_document(run: dict[str, Any]) -> dict[str, Any]:
    """``plan.json``: inputs, solution with its proof, placements, price of the cap, fronts,
    re-plan (no timings: the same inputs give the same bytes)."""
    from iamd import __version__
    from iamd.plan.placement import fixed_value

    res: PlanResult = run["result"]
    s = res.solution
    opts = run["options"]
    loaded = run["loaded"]
    fronts = {
        k: v.drop(columns=["solve_s"]).to_dict(orient="records")
        for k, v in res.fronts.items()
        if len(v)
    }
    return {
        "format": "iamd-plan/1",
        "iamd_version": __version__,
        "scenario": {
            "source": loaded.source,
            "sha256": loaded.sha256,
            "name": loaded.scenario.name,
        },
        "pools": [
            {
                "owner": p.owner,
                "type": p.type,
                "count": p.count,
                "lent": p.lent,
                "hosts": list(p.hosts),
            }
            for p in run["pools"]
        ],
        "protect": list(run["protect"]),
        "moved_units": list(run["moved"]),
        "constraints": {
            "min_separation_km": opts.min_separation_m / 1e3,
            "border_buffer_km": opts.border_buffer_m / 1e3,
            "sensitive_borders": ["-".join(b) for b in opts.sensitive_borders],
            "reach_country": opts.reach_country,
            "reach_cap": opts.reach_cap,
            "candidate_sites": len(res.problem.sites),
            "site_alt_m": opts.site_alt_m,
        },
        "solution": {
            "status": s.status,
            "optimal": s.optimal,
            "covered_value": s.covered,
            "planned_value": s.objective,
            "dual_bound": s.dual_bound,
            "mip_gap": s.mip_gap,
            "demand_rows": len(res.problem.demand),
            "demand_groups": s.groups,
            "columns": s.columns,
            "total_value": float(res.problem.demand.weight.sum()),
            "covered_before": fixed_value(res.problem),
        },
        "price_of_reach_cap": res.price_of_cap,
        "uncapped_covered_value": None if res.uncapped is None else res.uncapped.covered,
        "placements": [_placement_dict(p) for p in res.placements],
        "pareto": fronts,
        "replan": run["replan"],
    }


def applied_scenario_yaml(
    loaded: LoadedScenario, res: PlanResult, moved: list[str], site_alt_m: float
) -> str:
    """The scenario with the layout applied: moved units (and their ``<id>_radar``) at their
    new sites, new batteries added; validated by the loader before it is returned. A battery
    on its owner's soil keeps the owner as ``nation``; one hosted by another nation gets
    ``nation: HOST`` and ``lent_by: OWNER``. Sectors of moved units are dropped (the plan's
    coverage is all-round)."""
    import yaml

    from iamd.scenario.loader import load_scenario_text, scenario_data

    data = scenario_data(_scenario_text(loaded), loaded.source)
    effectors = list(data.get("effectors") or [])
    sensors = list(data.get("sensors") or [])
    queue = list(moved)
    for pl in res.placements:
        entry: dict[str, Any] = {
            "type": pl.type,
            "lat_deg": pl.lat_deg,
            "lon_deg": pl.lon_deg,
            "alt_m": site_alt_m,
        }
        if pl.host == pl.owner:
            entry["nation"] = pl.owner
        else:
            entry["nation"] = pl.host
            entry["lent_by"] = pl.owner
        uid = next(
            (
                m
                for m in queue
                if any(e.get("id") == m and e.get("type") == pl.type for e in effectors)
            ),
            None,
        )
        if uid is not None:
            queue.remove(uid)
            for e in effectors:
                if e.get("id") == uid:
                    e.pop("sector", None)
                    e.pop("lent_by", None)
                    e.update(entry)
            for s in sensors:
                if s.get("id") == f"{uid}_radar":
                    s.pop("sector", None)
                    s.update(
                        {
                            "lat_deg": pl.lat_deg,
                            "lon_deg": pl.lon_deg,
                            "alt_m": site_alt_m,
                            "nation": entry["nation"],
                        }
                    )
        else:
            effectors.append({"id": pl.id, **entry})
    data["effectors"] = effectors
    if sensors:
        data["sensors"] = sensors
    data["name"] = f"{data.get('name', 'scenario')}_planned"
    text = "# Scenario with the layout of `iamd plan` applied (see plan.json).\n" + yaml.safe_dump(
        data, sort_keys=False, allow_unicode=True, width=100
    )
    load_scenario_text(text, "scenario_planned.yaml")
    return text


def print_plan(run: dict[str, Any], console: Console) -> None:
    """Placements, proof, price of the cap, fronts, re-plan (rich)."""
    from rich.table import Table

    from iamd.plan.placement import fixed_value

    res: PlanResult = run["result"]
    s = res.solution
    t = Table(
        title=f"planned batteries (protecting {', '.join(run['protect'])}; moved: "
        f"{', '.join(run['moved']) or 'none'})",
        title_justify="left",
    )
    for c in (
        "battery",
        "owner",
        "type",
        "host",
        "lat",
        "lon",
        "reach share",
        "value it alone covers",
    ):
        t.add_column(
            c,
            justify="right"
            if c in ("lat", "lon", "reach share", "value it alone covers")
            else "left",
        )
    for p in res.placements:
        t.add_row(
            p.id,
            p.owner,
            p.type,
            p.host,
            f"{p.lat_deg:.3f}",
            f"{p.lon_deg:.3f}",
            f"{p.reach_share:.1%}",
            f"{p.marginal_value:.1f}",
        )
    console.print(t)
    total = float(res.problem.demand.weight.sum())
    before = fixed_value(res.problem)
    console.print(
        f"covered threat-weighted value: {before:.1f} before → {s.covered:.1f} of {total:.1f} "
        f"({s.status}; proven gap {s.mip_gap:.1e}, dual bound {s.dual_bound:.2f} on the planned "
        f"part; {s.groups} demand groups from {len(res.problem.demand)} rows, {s.columns} "
        f"columns)"
    )
    opts = res.problem.options
    if opts.reach_cap is not None and res.uncapped is not None:
        console.print(
            f"price of the reach cap ({opts.reach_cap:.0%} of the envelope area inside "
            f"{opts.reach_country}): {res.price_of_cap:.2f} of covered value "
            f"(uncapped optimum {res.uncapped.covered:.2f})"
        )
    for _name, front in res.fronts.items():
        if not len(front):
            continue
        f = Table(
            title=f"Pareto front: protection vs {front['x_label'].iloc[0]}", title_justify="left"
        )
        f.add_column("x", justify="right")
        f.add_column("covered value", justify="right")
        f.add_column("proven", justify="right")
        for r in front.itertuples():
            f.add_row(f"{r.x:.3g}", f"{r.objective:.2f}", "yes" if r.optimal else "no")
        console.print(f)
    rp = run["replan"]
    if rp is not None:
        console.print(
            f"re-plan with {', '.join(rp['added_axes'] + rp['added_assets'])}: the current plan "
            f"covers {rp['covered_by_old_plan']:.2f}, the new one {rp['covered_by_new_plan']:.2f}"
            f" (+{rp['gain']:.2f})"
        )
        for m in rp["moves"]:
            console.print(
                f"  {m['battery']}: {m['from']} → {m['to']} ({m['moved_km']} km, "
                f"{m['host_before']} → {m['host_after']})"
            )


# --- helpers -----------------------------------------------------------------------------------


def _placement_dict(p: Any) -> dict[str, Any]:
    return {
        "id": p.id,
        "owner": p.owner,
        "type": p.type,
        "host": p.host,
        "lent": p.lent,
        "lat_deg": p.lat_deg,
        "lon_deg": p.lon_deg,
        "reach_share": round(p.reach_share, 6),
        "marginal_value": round(p.marginal_value, 9),
    }


def _scenario_text(loaded: LoadedScenario) -> str:
    from iamd.scenario.loader import builtin_scenario_text

    if loaded.source.startswith("builtin:"):
        return builtin_scenario_text(loaded.source.split(":", 1)[1])
    return Path(loaded.source).read_text(encoding="utf-8")


def _check_out(args: argparse.Namespace) -> None:
    """``--out`` as a folder to write into, checked before any work (not the scenario file,
    not a file or device, writable)."""
    check_output_dir(args.out, "--out", inputs=[args.scenario] if args.scenario else [])


def _float(flag: str, value: Any, lo: float = -math.inf, hi: float = math.inf) -> float:
    try:
        x = float(str(value).strip())
    except ValueError:
        raise InputError(f"{flag} must be a number (got {value!r})") from None
    if not math.isfinite(x) or not lo <= x <= hi:
        where = f"within [{lo:g}, {hi:g}]" if math.isfinite(hi) else f">= {lo:g}"
        raise InputError(f"{flag} must be {where} (got {value!r})")
    return x


def _int(flag: str, value: Any, minimum: int, maximum: int | None = None) -> int:
    try:
        n = int(str(value).strip())
    except ValueError:
        raise InputError(
            f"{flag} must be an integer >= {minimum} (got {cut(str(value))!r})"
        ) from None
    if n < minimum:
        raise InputError(f"{flag} must be an integer >= {minimum} (got {n})")
    if maximum is not None and n > maximum:
        raise InputError(f"{flag} must be an integer <= {maximum:,} (got {cut(str(n))})")
    return n


def _codes(flag: str, text: str, nations: list[str]) -> list[str]:
    out = [c.strip() for c in str(text).split(",") if c.strip()]
    if not out:
        raise InputError(f"{flag}: give nation codes, e.g. BGR,ROU (allowed: {', '.join(nations)})")
    for c in out:
        if c not in nations:
            raise InputError(f"{flag}: unknown nation {c!r} (allowed: {', '.join(nations)})")
    return out


def _borders(values: list[str] | None, nations: list[str]) -> tuple[tuple[str, str], ...]:
    from iamd.geo.borders import load_countries

    if values is None:
        return (("GRC", "TUR"),)
    if [v.strip().lower() for v in values] == ["none"]:
        return ()
    codes = load_countries().codes
    out = []
    for v in values:
        parts = [x.strip() for x in v.split("-")]
        if len(parts) != 2 or not all(p in codes for p in parts):
            raise InputError(
                f"--sensitive-border: malformed value {v!r}; write A-B with two "
                f"country codes of the borders data, e.g. GRC-TUR, or 'none'"
            )
        out.append((parts[0], parts[1]))
    return tuple(out)


def _axis(text: str, catalog: Any) -> Any:
    from iamd.plan.demand import ThreatAxis

    m = _AXIS_RE.match(text)
    if m is None:
        raise InputError(
            f"--add-axis: malformed value {text!r}; write TYPE@LAT,LON, e.g. khorramshahr@38.5,45.0"
        )
    typ, lat, lon = m.group(1), float(m.group(2)), float(m.group(3))
    if typ not in catalog.threats:
        raise InputError(
            f"--add-axis: unknown threat type {typ!r} (allowed: "
            f"{', '.join(sorted(catalog.threats))})"
        )
    if not (-90 <= lat <= 90 and -180 <= lon <= 180):
        raise InputError(
            f"--add-axis: latitude must be within [-90, 90] and longitude "
            f"[-180, 180] (got {text!r})"
        )
    cls = catalog.threats[typ].threat_class.value
    if cls == "airliner":
        raise InputError(f"--add-axis: {typ!r} is a civil type; give a threat type")
    return ThreatAxis(
        name=f"{cls}@{lat:.2f},{lon:.2f}",
        threat_class=cls,
        threat_type=typ,
        lat_deg=lat,
        lon_deg=lon,
    )


def _asset(text: str, nations: list[str]) -> Any:
    from iamd.plan.demand import DefendedAsset

    m = _ASSET_RE.match(text)
    if m is None:
        raise InputError(
            f"--add-asset: malformed value {text!r}; write "
            f"NAME:NATION:LAT,LON:VALUE, e.g. plovdiv:BGR:42.15,24.75:5"
        )
    name, nation = m.group(1), m.group(2)
    lat, lon, value = float(m.group(3)), float(m.group(4)), float(m.group(5))
    if nation not in nations:
        raise InputError(f"--add-asset: unknown nation {nation!r} (allowed: {', '.join(nations)})")
    if not (-90 <= lat <= 90 and -180 <= lon <= 180) or not value > 0:
        raise InputError(
            f"--add-asset: latitude within [-90, 90], longitude [-180, 180] and "
            f"a value > 0 are required (got {text!r})"
        )
    return DefendedAsset(name=name, nation=nation, lat_deg=lat, lon_deg=lon, value=value)


def _read_sites(path: Path) -> Any:
    import pandas as pd

    from iamd.plan.placement import listed_sites

    try:  # a regular file, each column once, no row longer than the header
        df = read_csv_frame(path, str(path), max_bytes=MAX_TEXT_BYTES)
    except InputError as exc:
        raise InputError(f"--sites: {str(exc).removeprefix('input: ')}") from None
    for col in ("lat_deg", "lon_deg"):
        if col not in df.columns:
            raise InputError(
                f"--sites: {path} has no column {col!r} (columns: lat_deg, "
                f"lon_deg, optionally name)"
            )
    lat = pd.to_numeric(df["lat_deg"], errors="coerce")
    lon = pd.to_numeric(df["lon_deg"], errors="coerce")
    bad = lat.isna() | lon.isna() | ~lat.between(-90, 90) | ~lon.between(-180, 180)
    if bad.any():
        i = int(bad.to_numpy().nonzero()[0][0])
        raise InputError(
            f"--sites: {path} row {i + 2}: lat_deg must be within [-90, 90] and "
            f"lon_deg [-180, 180] (got {df['lat_deg'].iloc[i]!r}, "
            f"{df['lon_deg'].iloc[i]!r})"
        )
    names = [str(x) for x in df["name"]] if "name" in df.columns else None
    return listed_sites(lat.tolist(), lon.tolist(), names)
