"""Cost-aware, layered doctrine against cost-blind assignment on the built-in scenario.

Usage: ``.venv/bin/python benchmarks/engage/bench_doctrine.py [--runs N] [--policy P]``

Runs the built-in Balkans scenario with the same seeds (common random numbers) under two
doctrines of the engine's per-step assignment (`iamd.engage.assign`):

- **cost-aware** — the scenario's defaults: ``cost_weight_per_musd: 0.1``,
  ``required_pk: 0.8``, layered hold, missile-defence rounds reserved for the last layer;
- **cost-blind** — ``cost_weight_per_musd: 0``, ``required_pk: 1`` (plain expected value),
  no layered hold, no reserve: whatever can reach a threat first and kills best fires.

and prints, per doctrine, the mean over the runs of threats destroyed, leakers, assets hit,
rounds and cost, the cost per threat destroyed, and the rounds fired at drones by effector
kind. Not part of the test suite: figures live in this folder's README.
"""

from __future__ import annotations

import argparse
import statistics
import time
from typing import Any

from iamd.scenario.loader import builtin_scenario_text, load_scenario_text
from iamd.sim.engine import run

COST_BLIND = """
  cost_weight_per_musd: 0
  required_pk: 1
  layered_defence: false
  reserve_bmd: false
"""


def _scenario(blind: bool, policy: str) -> Any:
    text = builtin_scenario_text("balkans")
    text = text.replace("policy: integrated", f"policy: {policy}")
    if blind:
        text = text.replace(
            "  max_engagements_per_threat: 3\n", "  max_engagements_per_threat: 3\n" + COST_BLIND
        )
    return load_scenario_text(text, "balkans.yaml")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=4)
    parser.add_argument("--policy", default="integrated")
    args = parser.parse_args()
    rows: dict[str, list[dict[str, float]]] = {}
    for name, blind in (("cost-aware", False), ("cost-blind", True)):
        loaded = _scenario(blind, args.policy)
        assert loaded.scenario.rules_of_engagement.reserve_bmd is not blind
        for seed in range(1, args.runs + 1):
            t0 = time.perf_counter()
            res = run(loaded, seed)
            s, e = res.summary, res.engagements
            drones = e[e["threat_class"] == "drone"]
            kinds = drones.groupby("unit_kind")["rounds"].sum()
            rows.setdefault(name, []).append(
                {
                    "destroyed": s["threats_destroyed"],
                    "leakers": s["leakers"],
                    "assets_hit": s["assets_hit"],
                    "rounds": s["interceptors_fired"],
                    "cost_musd": s["interceptor_cost_usd"] / 1e6,
                    "drone_rounds_interceptor": float(kinds.get("interceptor", 0)),
                    "drone_rounds_gun_laser": float(kinds.get("gun", 0) + kinds.get("laser", 0)),
                    "wall_s": time.perf_counter() - t0,
                }
            )
    keys = list(next(iter(rows.values()))[0])
    print(f"built-in scenario, policy {args.policy}, seeds 1..{args.runs} (means)\n")
    print("| doctrine | " + " | ".join(keys) + " | M$ per threat destroyed |")
    print("|---|" + "---:|" * (len(keys) + 1))
    for name, rs in rows.items():
        mean = {k: statistics.fmean(r[k] for r in rs) for k in keys}
        per = mean["cost_musd"] / mean["destroyed"] if mean["destroyed"] else float("nan")
        cells = " | ".join(f"{mean[k]:.2f}" for k in keys)
        print(f"| {name} | {cells} | {per:.2f} |")


if __name__ == "__main__":
    main()
