"""Who covers what: the gap matrix of a layout, attribution-aware, and the dependency index.

For every demand row (asset × threat axis, ``iamd.plan.demand``) the covering fire units are
found with the engine's intercept test (``iamd.plan.coverage``) and tagged relative to the
asset's nation:

- ``own``: a unit of that nation (``nation`` equal, no ``lent_by``);
- ``lent by X``: a unit lent to that nation by X (``nation`` equal, ``lent_by: X``);
- ``allied X``: a unit of another nation X that the sharing policy lets engage threats to
  that nation (``iamd.engage.assign.policy_allows``: under ``integrated`` every
  participating nation's units; under ``national`` and ``shared_picture`` none).

A row's *layers* are its covering units. Per nation and threat class the covered value is
the sum of the weights of its covered rows, **alone** (own units only) and **with allies**
(own, lent and allied). The **dependency index** of a nation is the share of its covered
value that falls when every lent and allied unit is withdrawn,
``(with allies − alone) / with allies``; the loss per single lent or allied unit is the
covered value that falls when that unit alone is withdrawn (zero when another unit also
covers every row it covers).

>>> from iamd.scenario.loader import load_scenario
>>> g = gap_analysis(load_scenario("balkans"))
>>> bm = g.nations.query("nation == 'BGR' and threat_class == 'ballistic_missile'").iloc[0]
>>> bool(bm.covered_alone < bm.covered_with_allies)
True
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt
import pandas as pd
import scipy.sparse as sp

from iamd.engage.assign import policy_allows
from iamd.engage.envelope import EffectorArray
from iamd.plan.coverage import coverage_matrix
from iamd.plan.demand import (
    DefendedAsset,
    Demand,
    ThreatAxis,
    build_demand,
    scenario_assets,
    threat_axes,
)
from iamd.scenario.catalog import THREAT_CLASSES
from iamd.scenario.loader import LoadedScenario
from iamd.sim.setup import build_effectors

FloatArray = npt.NDArray[np.float64]
BoolArray = npt.NDArray[np.bool_]

OWN, LENT, ALLIED = "own", "lent", "allied"


@dataclass(frozen=True, slots=True, kw_only=True)
class GapAnalysis:
    """The gap matrix of a layout.

    Attributes:
        rows: one row per demand row: asset, nation, threat_class, axis, weight, layers,
            own_layers, lent_layers, allied_layers, covered_alone, covered_with_allies,
            units (covering unit ids with their tags, ``;``-separated).
        cover: long form: one row per (demand row, covering unit): row, asset, nation,
            threat_class, axis, unit, unit_nation, unit_type, tag (own / lent / allied),
            owner (the lending or allied nation; the nation itself for own units).
        nations: per nation and threat class (and ``all``): value, covered_alone,
            covered_with_allies, gap_alone, gap_with_allies, dependency.
        units: per non-own unit and nation it covers: unit, owner, nation, tag,
            covered_alone_plus_unit (the nation's own units and this one), value_lost
            (covered value the nation loses when that unit alone is withdrawn), share_lost.
        demand: the demand rows; covers: (R, U) sparse coverage (policy applied);
        units_array: the fire units; tag: (R, U) tags as small ints (0 none, 1 own, 2 lent,
            3 allied) on the covered pairs.
    """

    rows: pd.DataFrame
    cover: pd.DataFrame
    nations: pd.DataFrame
    units: pd.DataFrame
    demand: Demand
    covers: sp.csr_matrix
    units_array: EffectorArray
    lent_by: tuple[str, ...]


def unit_tags(
    units: EffectorArray,
    lent_by: tuple[str, ...],
    row_nation: npt.NDArray[np.str_],
    policy: str,
    participates: dict[str, bool],
) -> npt.NDArray[np.int8]:
    """(R, U) tag of each unit for each row's nation: 0 may not engage, 1 own, 2 lent,
    3 allied (see the module text)."""
    u_nat = np.array(units.nation, dtype="<U3")
    part = np.array([participates.get(n, False) for n in units.nation], dtype=bool)
    allowed = policy_allows(policy, u_nat, part, row_nation, participates).T  # (R, U)
    same = row_nation[:, None] == u_nat[None, :]
    is_lent = np.array([bool(x) for x in lent_by], dtype=bool)[None, :]
    tag = np.zeros(same.shape, dtype=np.int8)
    tag[same & ~is_lent] = 1
    tag[same & is_lent] = 2
    tag[allowed & ~same] = 3
    return tag


def gap_analysis(
    loaded: LoadedScenario,
    *,
    assets: list[DefendedAsset] | None = None,
    axes: list[ThreatAxis] | None = None,
    units: EffectorArray | None = None,
    lent_by: tuple[str, ...] | None = None,
) -> GapAnalysis:
    """The gap matrix of the scenario's layout (or of ``units`` with their ``lent_by``)
    against its threat axes (or ``axes``)."""
    sc = loaded.scenario
    if units is None:
        units = build_effectors(loaded)
        lent_by = tuple(u.lent_by or "" for u in sc.effectors)
    if lent_by is None:
        lent_by = ("",) * len(units)
    demand = build_demand(
        loaded.catalog,
        assets if assets is not None else scenario_assets(loaded),
        axes if axes is not None else threat_axes(loaded),
    )
    participates = {n.code: n.participates for n in sc.nations}
    cov = coverage_matrix(units, demand.approach)
    return analyse(demand, cov, units, lent_by, sc.policy.value, participates)


def analyse(
    demand: Demand,
    cov: sp.csr_matrix,
    units: EffectorArray,
    lent_by: tuple[str, ...],
    policy: str,
    participates: dict[str, bool],
) -> GapAnalysis:
    """Tag, count layers and aggregate a coverage matrix (see :func:`gap_analysis`)."""
    r_n = len(demand)
    row_nat = demand.nation()
    tags = unit_tags(units, lent_by, row_nat, policy, participates)
    coo = cov.tocoo()
    t = tags[coo.row, coo.col] if coo.nnz else np.zeros(0, np.int8)
    keep = t > 0
    rr, uu, tt = coo.row[keep], coo.col[keep], t[keep]
    order = np.lexsort((uu, rr))
    rr, uu, tt = rr[order], uu[order], tt[order]
    allowed = sp.csr_matrix((np.ones(len(rr), bool), (rr, uu)), shape=cov.shape, dtype=bool)
    layers = [np.bincount(rr[tt == k], minlength=r_n) for k in (1, 2, 3)]
    total = layers[0] + layers[1] + layers[2]
    covered_alone = layers[0] > 0
    covered_all = total > 0
    assets, axes = demand.assets, demand.axes
    cls_name = [THREAT_CLASSES[c].value for c in demand.class_index]
    tag_name = {1: OWN, 2: LENT, 3: ALLIED}
    owner = [(lent_by[u] if t_ == 2 else units.nation[u]) for u, t_ in zip(uu, tt, strict=True)]
    cover = pd.DataFrame(
        {
            "row": rr.astype(np.int64),
            "asset": [assets[demand.asset[r]].name for r in rr],
            "nation": row_nat[rr] if len(rr) else np.zeros(0, "<U3"),
            "threat_class": [cls_name[r] for r in rr],
            "axis": [axes[demand.axis[r]].name for r in rr],
            "unit": [units.ids[u] for u in uu],
            "unit_nation": [units.nation[u] for u in uu],
            "unit_type": [units.type[u] for u in uu],
            "tag": [tag_name[int(k)] for k in tt],
            "owner": owner,
        }
    )
    labels = [""] * r_n
    for r, u, k, o in zip(rr, uu, tt, owner, strict=True):
        lab = units.ids[u] if k == 1 else f"{units.ids[u]} ({'lent by ' if k == 2 else ''}{o})"
        labels[r] = f"{labels[r]}; {lab}" if labels[r] else lab
    rows = pd.DataFrame(
        {
            "row": np.arange(r_n, dtype=np.int64),
            "asset": [assets[a].name for a in demand.asset],
            "nation": row_nat,
            "threat_class": cls_name,
            "axis": [axes[x].name for x in demand.axis],
            "weight": demand.weight,
            "layers": total.astype(np.int64),
            "own_layers": layers[0].astype(np.int64),
            "lent_layers": layers[1].astype(np.int64),
            "allied_layers": layers[2].astype(np.int64),
            "covered_alone": covered_alone,
            "covered_with_allies": covered_all,
            "units": labels,
        }
    )
    nations = _nation_table(rows)
    units_df = _unit_losses(rows, rr, uu, tt, owner, units, total)
    return GapAnalysis(
        rows=rows,
        cover=cover,
        nations=nations,
        units=units_df,
        demand=demand,
        covers=allowed,
        units_array=units,
        lent_by=lent_by,
    )


def _nation_table(rows: pd.DataFrame) -> pd.DataFrame:
    out = []
    for nation in sorted(rows["nation"].unique()):
        sub = rows[rows["nation"] == nation]
        classes = [c.value for c in THREAT_CLASSES if c.value in set(sub["threat_class"])]
        for cls in [*classes, "all"]:
            s = sub if cls == "all" else sub[sub["threat_class"] == cls]
            value = float(s["weight"].sum())
            alone = float(s.loc[s["covered_alone"], "weight"].sum())
            allies = float(s.loc[s["covered_with_allies"], "weight"].sum())
            out.append(
                {
                    "nation": nation,
                    "threat_class": cls,
                    "value": value,
                    "covered_alone": alone,
                    "covered_with_allies": allies,
                    "gap_alone": value - alone,
                    "gap_with_allies": value - allies,
                    "dependency": (allies - alone) / allies if allies > 0 else 0.0,
                }
            )
    return pd.DataFrame(
        out,
        columns=[
            "nation",
            "threat_class",
            "value",
            "covered_alone",
            "covered_with_allies",
            "gap_alone",
            "gap_with_allies",
            "dependency",
        ],
    )


def _unit_losses(
    rows: pd.DataFrame,
    rr: npt.NDArray[np.intp],
    uu: npt.NDArray[np.intp],
    tt: npt.NDArray[np.int8],
    owner: list[str],
    units: EffectorArray,
    total: npt.NDArray[np.int64],
) -> pd.DataFrame:
    """Covered value each nation loses when one non-own unit alone is withdrawn."""
    weight = rows["weight"].to_numpy(float)
    nat = rows["nation"].to_numpy(str)
    allies_value = rows[rows["covered_with_allies"]].groupby("nation")["weight"].sum()
    out = []
    pairs = sorted(
        {
            (int(u), str(nat[r]), int(k), o)
            for r, u, k, o in zip(rr, uu, tt, owner, strict=True)
            if k != 1
        }
    )
    for u, n, k, o in pairs:
        mine = rr[(uu == u) & (nat[rr] == n)]
        sole = mine[total[mine] == 1]
        lost = float(weight[sole].sum())
        base = float(allies_value.get(n, 0.0))
        own_rows = np.unique(rr[(tt == 1) & (nat[rr] == n)])
        with_unit = float(weight[np.union1d(own_rows, mine)].sum())
        out.append(
            {
                "unit": units.ids[u],
                "unit_type": units.type[u],
                "owner": o,
                "nation": n,
                "tag": LENT if k == 2 else ALLIED,
                "rows_covered": len(mine),
                "covered_alone_plus_unit": with_unit,
                "value_lost": lost,
                "share_lost": lost / base if base > 0 else 0.0,
            }
        )
    return pd.DataFrame(
        out,
        columns=[
            "unit",
            "unit_type",
            "owner",
            "nation",
            "tag",
            "rows_covered",
            "covered_alone_plus_unit",
            "value_lost",
            "share_lost",
        ],
    )
