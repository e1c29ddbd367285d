"""The ``node`` and ``federate`` subcommands: parsers and handlers for ``iamd.cli``.

``add_federation_parsers(subparsers)`` adds both parsers; ``node_command(args)`` and
``federate_command(args)`` take the parsed Namespace and return the exit status. Bad flags
and configuration files raise ``iamd.errors.InputError`` (the CLI prints ``error: ...`` and
exits 2). Nothing heavy is imported at import time.
"""

from __future__ import annotations

import argparse
import sys
from typing import Any

from iamd.errors import InputError
from iamd.files import check_output_dir, write_files

FEDERATION_COMMANDS = ("node", "federate")


def add_federation_parsers(subparsers: Any) -> None:
    """Add the ``node`` and ``federate`` parsers to an ``add_subparsers()`` object."""
    n = subparsers.add_parser(
        "node",
        help="run a national command node (secured track exchange, federated picture)",
        description="Run one national node with a YAML configuration (nation, scenario, "
        "sensors, effectors, releasability, peers, router, credentials): it tracks its "
        "sensor feed, publishes its tracks and fuses its partners'. See docs/federation.md.",
    )
    n.add_argument("config", help="the node's YAML configuration file")
    f = subparsers.add_parser(
        "federate",
        help="replay a scenario through one node per nation on loopback",
        description="Start a secured router and one node per nation on 127.0.0.1, replay "
        "the scenario's sensing through them and compare each node's picture with the "
        "in-process joint picture (OSPA against truth, track numbers, identities). "
        "Writes DIR/federate.json.",
    )
    f.add_argument(
        "scenario",
        nargs="?",
        default="balkans",
        help="scenario file or built-in name (default: balkans)",
    )
    f.add_argument("--out", default="federate-out", help="output directory (default: federate-out)")
    f.add_argument("--seed", type=int, default=None, help="seed (default: the scenario's)")
    f.add_argument(
        "--duration-s",
        type=float,
        default=None,
        help="replay only the first seconds of the scenario (default: all)",
    )
    f.add_argument(
        "--nations",
        default=None,
        metavar="A,B",
        help="nations to run nodes for (default: every nation with sensors)",
    )
    f.add_argument(
        "--step-wall-s",
        type=float,
        default=0.1,
        help="wall-clock seconds per scenario step (default: 0.1)",
    )
    f.add_argument(
        "--every-s", type=float, default=20.0, help="scenario seconds between scores (default: 20)"
    )


def node_command(args: argparse.Namespace) -> int:
    """``iamd node CONFIG``; a node started by an exercise ends with it (`iamd.procs`)."""
    from iamd.federation.node import Node, load_node_config
    from iamd.procs import die_with_starter

    die_with_starter()

    return Node(load_node_config(args.config)).run()


def federate_command(args: argparse.Namespace) -> int:
    """``iamd federate SCENARIO``."""
    from iamd.federation.federate import federate

    nations = None
    if args.nations is not None:
        nations = [c.strip() for c in args.nations.split(",") if c.strip()]
        if not nations:
            raise InputError(
                f"--nations: give nation codes separated by commas (got {args.nations!r})"
            )
    _check_federate_flags(args)
    out = check_output_dir(args.out, "--out")
    res = federate(
        args.scenario,
        out,
        seed=args.seed,
        duration_s=args.duration_s,
        nations=nations,
        step_wall_s=args.step_wall_s,
        every_s=args.every_s,
    )
    write_files({"federate.json": res.to_json().encode()}, out)
    print(
        f"federate {res.scenario}: {len(res.nodes)} nodes, {res.steps} steps "
        f"({res.duration_s:.0f} s), seed {res.seed}"
    )
    print(
        f"{'node':5} {'OSPA m':>8} {'in-proc':>8} {'numbers':>8} {'identity':>8} "
        f"{'tracks':>6} {'p50 ms':>7} {'p99 ms':>7} {'cpu s':>6}"
    )
    for s in res.nodes:
        print(
            f"{s.nation:5} {s.ospa_m:8.0f} {s.in_process_ospa_m:8.0f} "
            f"{s.number_agreement:8.3f} {s.identity_agreement:8.3f} {s.tracks:6d} "
            f"{_ms(s.latency_p50_ms):>7} {_ms(s.latency_p99_ms):>7} {s.cpu_s:6.1f}"
        )
    print(
        f"{'node':5} {'engaged':>8} {'threats':>8} {'rounds':>7} {'cost M$':>8} "
        f"{'civil':>6} {'at false':>8}"
    )
    for s in res.nodes:
        print(
            f"{s.nation:5} {s.engagements:8d} {s.threats_engaged:8d} {s.interceptors_fired:7d} "
            f"{s.interceptor_cost_usd / 1e6:8.2f} {s.civil_aircraft_engaged:6d} "
            f"{s.interceptors_at_false_tracks:8d}"
        )
    e = res.engagements
    print(
        f"threats engaged by a node: {e.threats_engaged} of {e.threats}; engaged by two "
        f"nations at once: {e.double_engaged} ({e.double_engaged_two_numbers} under two "
        "track numbers)"
    )
    print(f"wrote {out / 'federate.json'}", file=sys.stderr)
    return 0


#: The longest replay and the slowest pace ``iamd federate`` accepts (a day of scenario time,
#: a minute of wall time per step), and the largest seed (a 64-bit seed, as campaigns take).
MAX_DURATION_S = 86_400.0
MAX_STEP_WALL_S = 60.0
MAX_SEED = 2**63 - 1


def _check_federate_flags(args: argparse.Namespace) -> None:
    """Each numeric flag finite and within its bounds, before anything starts."""
    checks = (
        ("--duration-s", args.duration_s, 0.0, MAX_DURATION_S, False),
        ("--step-wall-s", args.step_wall_s, 0.0, MAX_STEP_WALL_S, True),
        ("--every-s", args.every_s, 0.0, MAX_DURATION_S, False),
    )
    for flag, value, lo, hi, closed in checks:
        if value is None:
            continue
        if not (value >= lo if closed else value > lo):  # NaN fails here
            raise InputError(f"{flag} must be {'>=' if closed else '>'} {lo:g} (got {value})")
        if not value <= hi:
            raise InputError(f"{flag} must be finite and <= {hi:g} (got {value})")
    if args.seed is not None and not 0 <= args.seed <= MAX_SEED:
        raise InputError(f"--seed must be an integer in [0, 2^63 - 1] (got {args.seed})")


def _ms(v: float | None) -> str:
    return "-" if v is None else f"{v:.0f}"
