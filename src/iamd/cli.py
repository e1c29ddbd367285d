"""The command line: a thin layer over the library.

``iamd run | validate | schema | catalog``; bad input prints one ``error: ...`` line and
exits with status 2 (``--traceback`` shows the stack instead).
"""

from __future__ import annotations

import argparse
import json
import math
import re
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from iamd import __version__
from iamd.errors import IamdError, InputError
from iamd.files import cut, strict_json

EXIT_INPUT = 2
#: The largest ``--seed`` (64 bits) and ``train-identify --n-tracks`` (20 times the default).
MAX_SEED = 2**63 - 1
MAX_TRAIN_TRACKS = 200_000


NEGATIVE_VALUE = re.compile(r"^-(\.?\d|(inf|infinity|nan)$)", re.IGNORECASE)
"""An argument that is a value, not a flag, though it starts with ``-``: a negative number in
any form ``float`` reads (``-5``, ``-.5``, ``-1e-9``, ``-inf``) or a list that starts with one
(``--origin -33.9,151.2``). argparse's own test (``^-\\d+$|^-\\d*\\.\\d+$``) takes ``-1e-9``
for a flag and reports "expected one argument" instead of the flag's own check."""


class _Parser(argparse.ArgumentParser):
    """argparse that reports bad flags as one ``error:`` line and exit status 2, and reads an
    argument that looks like a negative number (`NEGATIVE_VALUE`) as a value."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._negative_number_matcher = NEGATIVE_VALUE

    def error(self, message: str) -> None:  # type: ignore[override]
        sys.stderr.write(f"error: {message} (see `{self.prog} --help`)\n")
        raise SystemExit(EXIT_INPUT)


def _seed(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(
            f"--seed must be a non-negative integer (got {cut(text)!r})"
        ) from None
    if value < 0:
        raise argparse.ArgumentTypeError(f"--seed must be a non-negative integer (got {value})")
    if value > MAX_SEED:  # a seed is recorded in strict JSON, whose readers take 64 bits
        raise argparse.ArgumentTypeError(f"--seed must be at most 2^63 - 1 (got {cut(text)})")
    return value


def _origin(text: str) -> tuple[float, float, float]:
    """``LAT,LON[,ALT_M]`` in degrees and metres."""
    parts = text.split(",")
    try:
        vals = [float(p) for p in parts]
    except ValueError:
        vals = []
    if len(vals) not in (2, 3) or not all(math.isfinite(v) for v in vals):
        raise argparse.ArgumentTypeError(
            f"must be LAT,LON or LAT,LON,ALT_M in degrees and metres (got {text!r})"
        )
    lat, lon, alt = vals[0], vals[1], vals[2] if len(vals) == 3 else 0.0
    if not (-90.0 <= lat <= 90.0 and -180.0 <= lon <= 360.0 and -1000.0 <= alt <= 100_000.0):
        raise argparse.ArgumentTypeError(
            f"latitude must be within [-90, 90], longitude [-180, 360], altitude "
            f"[-1000, 100000] m (got {text!r})"
        )
    return lat, lon, alt


def _positive_int(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"must be a positive integer (got {text!r})") from None
    if value < 1:
        raise argparse.ArgumentTypeError(f"must be a positive integer (got {value})")
    return value


def build_parser() -> argparse.ArgumentParser:
    """The argument parser of ``iamd``."""
    p = _Parser(prog="iamd", description="Integrated Air and Missile Defense analysis.")
    p.add_argument("--version", action="version", version=f"iamd {__version__}")
    p.add_argument("--traceback", action="store_true", help="show the stack on errors")
    sub = p.add_subparsers(dest="command", required=True, parser_class=_Parser)

    r = sub.add_parser("run", help="run a scenario (default: the built-in Balkans theatre)")
    r.add_argument("scenario", nargs="?", default="balkans", help="YAML file or built-in name")
    r.add_argument("--seed", type=_seed, default=None, help="random seed (default: scenario's)")
    r.add_argument("--out", type=Path, default=Path("out"), help="output directory")
    r.add_argument(
        "--policy",
        choices=["national", "shared_picture", "integrated"],
        default=None,
        help="override the scenario's sharing policy",
    )
    r.add_argument("--no-report", action="store_true", help="skip report.html")
    r.add_argument("--quiet", action="store_true", help="no progress bar or table")
    r.add_argument(
        "--export",
        default=None,
        metavar="FORMATS",
        help="also write the picture as czml,kml,geojson,cot (comma-separated, or all)",
    )
    r.add_argument(
        "--out-asterix",
        type=Path,
        default=None,
        metavar="FILE",
        help="also write the picture as ASTERIX CAT062 (FILE.pcap: a capture; else raw blocks)",
    )
    r.add_argument(
        "--stream",
        action="append",
        default=[],
        metavar="URL",
        help="send the picture as the clock runs (repeatable): cot://HOST:PORT (CoT over UDP), "
        "cot+tcp://HOST:PORT (CoT over TCP), HOST an address (IPv6 in brackets, e.g. "
        "cot://[::1]:6969) or a name; asterix://GROUP:PORT (ASTERIX CAT062 over UDP to "
        "a multicast group or unicast address, IPv4 or IPv6 in brackets, e.g. "
        "asterix://239.255.0.62:8600, asterix://[ff15::62]:8600). For a UDP multicast group: "
        "TTL or hop limit 1, ?ttl=N to change it; ?iface= the interface, required for a "
        "link-local IPv6 group",
    )
    r.add_argument(
        "--stream-speed",
        type=float,
        default=1.0,
        metavar="X",
        help="pace of --stream: X times real time (default 1)",
    )
    r.add_argument(
        "--stream-identities",
        default="suspect",
        metavar="WHICH",
        help="tracks a cot:// --stream sends: hostile, suspect (hostile and suspect; default) "
        "or all; an asterix:// stream sends every confirmed track",
    )

    v = sub.add_parser("validate", help="check a scenario file and report the first error")
    v.add_argument("scenario", help="YAML file or built-in name")

    s = sub.add_parser("schema", help="print the JSON Schema of scenario files")
    s.add_argument("--out", type=Path, default=None, help="write to this file instead")

    i = sub.add_parser("identify", help="class and STANAG 1241 identity of every track update")
    i.add_argument("tracks", type=Path, help="TRACKS file (.csv or .parquet)")
    i.add_argument("--out", type=Path, required=True, help="IDS file to write (.csv or .parquet)")
    i.add_argument(
        "--scenario",
        default=None,
        metavar="FILE|NAME",
        help="scenario whose airspace control measures give the context (borders, hostile "
        "nations, launch areas, zones, flight plans) and whose identification section sets "
        "the thresholds; without it there is no origin evidence",
    )
    i.add_argument(
        "--origin",
        type=_origin,
        default=None,
        metavar="LAT,LON[,ALT_M]",
        help="origin of the local frame of x_m, y_m, z_m columns (the output of iamd track)",
    )

    ti = sub.add_parser("train-identify", help="train the identification classifier")
    ti.add_argument("--out", type=Path, required=True, help="model directory to write")
    ti.add_argument("--seed", type=_seed, default=1, help="random seed (default: 1)")
    ti.add_argument(
        "--n-tracks", type=_positive_int, default=10_000, help="simulated tracks (default: 10000)"
    )

    a = sub.add_parser("assign", help="solve a weapon-target assignment problem file")
    a.add_argument(
        "problem", type=Path, help="WTA problem: JSON (.json) or text instance (gzip or not)"
    )
    a.add_argument("--out", type=Path, required=True, help="solution JSON to write")
    a.add_argument(
        "--method",
        choices=["auto", "exact", "greedy", "fast"],
        default="auto",
        help="solver (default: auto = exact if small, else fast)",
    )
    a.add_argument(
        "--time-limit",
        type=float,
        default=1.0,
        metavar="S",
        help="time limit in seconds (default: 1.0)",
    )
    a.add_argument(
        "--lambda-cost",
        type=float,
        default=None,
        metavar="L",
        help="weight of ammunition cost in the objective (default: the problem's)",
    )
    a.add_argument("--seed", type=_seed, default=0, help="seed of the local search (default: 0)")

    t = sub.add_parser(
        "track",
        help="track plots (CSV or Parquet) into confirmed tracks",
        description="Track plots into confirmed tracks. PLOTS has t_s and one position form: "
        "local x_m, y_m, z_m (z up); geodetic lat_deg, lon_deg, alt_m; or polar range_m, "
        "az_deg (clockwise from north), el_deg (above the horizontal) from a sensor site; "
        "optional sigma columns and sensor_id. Plots with one t_s form one step of the "
        "tracker. TRACKS has one row per confirmed track per time: t_s, track_id, x_m, y_m, "
        "z_m, vx_m_s, vy_m_s, vz_m_s, and lat_deg, lon_deg, alt_m when the positions are on "
        "the Earth (the input of iamd identify). A column takes precedence over its flag. "
        "See docs/tracking.md.",
    )
    t.add_argument(
        "plots",
        type=Path,
        help="plots file: t_s and x_m, y_m, z_m | lat_deg, lon_deg, alt_m | range_m, az_deg, "
        "el_deg [, sigma columns, site columns, sensor_id]",
    )
    t.add_argument("--out", type=Path, required=True, help="tracks file (.csv or .parquet)")
    t.add_argument(
        "--sigma-m",
        default=None,
        metavar="S",
        help="sigma per axis (m) of local or geodetic plots without a sigma_m column",
    )
    t.add_argument(
        "--origin",
        type=_origin,
        default=None,
        metavar="LAT,LON[,ALT_M]",
        help="where the local frame of x_m, y_m, z_m is (its east, north, up axes): track in "
        "ECEF and add lat_deg, lon_deg, alt_m; for geodetic or polar plots, the origin of the "
        "output's x_m, y_m, z_m (default: the first site, or the first plot at height 0)",
    )
    t.add_argument(
        "--site",
        default=None,
        metavar="LAT,LON,ALT_M",
        help="sensor site of polar plots without site_lat_deg, site_lon_deg, site_alt_m columns",
    )
    t.add_argument(
        "--sigma-range-m", default=None, metavar="S", help="range sigma of polar plots (m)"
    )
    t.add_argument(
        "--sigma-az-mrad", default=None, metavar="S", help="azimuth sigma of polar plots (mrad)"
    )
    t.add_argument(
        "--sigma-el-mrad", default=None, metavar="S", help="elevation sigma of polar plots (mrad)"
    )
    t.add_argument(
        "--model",
        default=None,
        metavar="cv|imm|bank",
        help="motion models: imm (quiet, ballistic and manoeuvre; default), cv (one constant "
        "velocity filter), bank (straight flight and fixed-rate turns)",
    )
    t.add_argument(
        "--q",
        default=None,
        metavar="Q",
        help="process noise of the quiet models (m²/s³, default 1); the manoeuvre model keeps "
        "its own",
    )
    t.add_argument(
        "--gate", default=None, metavar="P", help="gate probability in (0, 1) (default 0.997)"
    )
    t.add_argument(
        "--pd",
        default=None,
        metavar="P",
        help="detection probability in (0, 1); default: estimated online from the looks at "
        "confirmed tracks (prior 0.9)",
    )
    t.add_argument(
        "--clutter-density",
        default=None,
        metavar="D",
        help="false plots per m³ per scan (per m² for 2-D plots); default: estimated online "
        "per sensor",
    )
    t.add_argument(
        "--confirm",
        default=None,
        metavar="sprt|M/N",
        help="confirmation: sprt (sequential test on the track score; default) or M-of-N looks, "
        "e.g. 3/5",
    )
    t.add_argument(
        "--delete-misses",
        default=None,
        metavar="K",
        help="consecutive missed looks that delete a confirmed track (with --confirm M/N; "
        "default 5)",
    )
    t.add_argument(
        "--params",
        type=Path,
        default=None,
        metavar="FILE",
        help="YAML or JSON mapping of tracker parameters (TrackerParams field names, and "
        "model: cv|imm|bank); the flags override it",
    )
    t.add_argument(
        "--sensors",
        type=Path,
        default=None,
        metavar="SENSORS.yaml",
        help="sensor table keyed by SAC/SIC (site, sigmas, scan period): PLOTS is an ASTERIX "
        "recording (.pcap, .ast, .raw) whose CAT048 plots are tracked; see docs/interop.md",
    )
    t.add_argument(
        "--out-asterix",
        type=Path,
        default=None,
        metavar="FILE",
        help="also write the tracks of a recording as ASTERIX CAT062 data blocks",
    )
    t.add_argument(
        "--window-s",
        default=None,
        metavar="S",
        help="a recording's plots are stepped in windows of S seconds (default 1)",
    )
    t.add_argument(
        "--edition",
        action="append",
        default=None,
        metavar="CAT=ED",
        help="ASTERIX edition of a category in a recording, e.g. 62=0.17 (repeatable)",
    )

    c = sub.add_parser("catalog", help="list the built-in catalog")
    c.add_argument(
        "section",
        nargs="?",
        choices=["sensors", "effectors", "threats", "airports"],
        default=None,
    )
    c.add_argument("--json", action="store_true", help="print the full entries as JSON")

    from iamd.analysis.cli import add_analysis_parsers

    add_analysis_parsers(sub)
    from iamd.plan.cli import add_plan_parsers

    add_plan_parsers(sub)
    from iamd.federation.cli import add_federation_parsers

    add_federation_parsers(sub)
    return p


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the ``iamd`` command."""
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        if args.command == "run":
            return _cmd_run(args)
        if args.command == "validate":
            return _cmd_validate(args)
        if args.command == "schema":
            return _cmd_schema(args)
        if args.command == "catalog":
            return _cmd_catalog(args)
        if args.command == "compare":
            from iamd.analysis.cli import compare_command

            return compare_command(args)
        if args.command in ("gaps", "plan"):
            from iamd.analysis.plan_validate import planning_command

            return planning_command(args)
        if args.command in ("node", "federate"):
            from iamd.federation.cli import federate_command, node_command

            return node_command(args) if args.command == "node" else federate_command(args)
        if args.command == "sweep":
            from iamd.analysis.cli import sweep_command

            return sweep_command(args)
        if args.command == "assign":
            from iamd.engage.wta.cli import assign_command

            return assign_command(
                args.problem, args.out, args.method, args.time_limit, args.lambda_cost, args.seed
            )
        if args.command == "track":
            from iamd.interop.recording import is_recording, track_recording_flags

            recording_flags = (args.sensors, args.out_asterix, args.window_s, args.edition)
            if is_recording(args.plots) or any(f is not None for f in recording_flags):
                return track_recording_flags(vars(args))
            from iamd.track.tool import track_command

            return track_command(
                args.plots,
                args.out,
                args.sigma_m,
                confirm=args.confirm,
                delete_misses=args.delete_misses,
                params_file=args.params,
                model=args.model,
                q=args.q,
                gate=args.gate,
                pd=args.pd,
                clutter_density=args.clutter_density,
                origin=args.origin,
                site=args.site,
                sigma_range_m=args.sigma_range_m,
                sigma_az_mrad=args.sigma_az_mrad,
                sigma_el_mrad=args.sigma_el_mrad,
            )
        if args.command == "identify":
            from iamd.identify.tool import identify_command

            return identify_command(
                args.tracks, args.out, scenario=args.scenario, origin=args.origin
            )
        if args.command == "train-identify":
            from iamd.files import check_output_dir
            from iamd.identify.training import train_identify_command

            if args.n_tracks > MAX_TRAIN_TRACKS:  # checked, with --out, before the training
                raise InputError(
                    f"--n-tracks must be at most {MAX_TRAIN_TRACKS:,} (got {args.n_tracks:,})"
                )
            check_output_dir(args.out, "--out")

            return train_identify_command(args.out, args.seed, args.n_tracks)
    except InputError as exc:
        if args.traceback:
            raise
        sys.stderr.write(f"error: {exc}\n")
        return EXIT_INPUT
    except IamdError as exc:  # pragma: no cover - internal failures are bugs
        if args.traceback:
            raise
        sys.stderr.write(f"error: {exc}\n")
        return 1
    except KeyboardInterrupt:
        sys.stderr.write("interrupted\n")
        return 130
    return 0  # pragma: no cover


def _cmd_validate(args: argparse.Namespace) -> int:
    from iamd.scenario.loader import load_scenario

    loaded = load_scenario(args.scenario)
    sc = loaded.scenario
    recorded = ""
    if sc.civil_traffic.recorded:  # the files are read by the world stage, above the loader
        from iamd.world.recorded import recorded_traffic

        recorded = f", {len(recorded_traffic(loaded))} recorded flights"
    n_ga = sum(g.count for g in sc.civil_traffic.general_aviation)
    if n_ga:
        recorded += f", {n_ga} general-aviation flights"
    n_threats = sum(r.count for r in sc.raids)
    print(
        f"{loaded.source}: ok — scenario {sc.name!r}, {len(sc.nations)} nations, "
        f"{len(sc.assets)} assets, {len(sc.sensors)} sensors, {len(sc.effectors)} effector "
        f"units, {len(sc.raids)} raids ({n_threats} threats){recorded}, "
        f"policy {sc.policy.value}"
    )
    return 0


def _cmd_schema(args: argparse.Namespace) -> int:
    from iamd.files import check_output_file, write_atomic
    from iamd.scenario.reference import json_schema

    text = strict_json(json_schema(), indent=2, sort_keys=True) + "\n"
    if args.out is None:
        sys.stdout.write(text)
    else:
        write_atomic(check_output_file(args.out, "--out"), text)
    return 0


def _cmd_catalog(args: argparse.Namespace) -> int:
    from iamd.scenario.airports import airports
    from iamd.scenario.catalog import builtin_catalog

    cat = builtin_catalog()
    sections = [args.section] if args.section else ["sensors", "effectors", "threats", "airports"]
    if args.json:
        data: dict[str, object] = {}
        for sec in sections:
            if sec == "airports":
                data[sec] = {k: vars_of(a) for k, a in airports().items()}
            else:
                entries = getattr(cat, sec)
                data[sec] = {
                    k: e.model_dump(mode="json", by_alias=True) for k, e in entries.items()
                }
        print(json.dumps(data, indent=2, ensure_ascii=False))
        return 0
    from rich.console import Console
    from rich.table import Table

    console = Console()
    for sec in sections:
        table = Table(title=sec, title_justify="left")
        if sec == "sensors":
            for col in ("type", "label", "kind", "band", "range km @ RCS m²", "scan s"):
                table.add_column(col)
            for k, s in cat.sensors.items():
                table.add_row(
                    k,
                    s.label,
                    s.kind,
                    s.band,
                    f"{s.detection_range_km:g} @ {s.rcs_ref_m2:g}",
                    f"{s.scan_period_s:g}",
                )
        elif sec == "effectors":
            for col in (
                "type",
                "label",
                "kind",
                "range km (BM)",
                "alt km",
                "rounds",
                "$/shot",
                "Pk",
            ):
                table.add_column(col)
            for k, e in cat.effectors.items():
                pk = ", ".join(f"{c.value[:3]} {p:g}" for c, p in e.pk.items())
                table.add_row(
                    k,
                    e.label,
                    e.kind,
                    f"{e.max_range_km:g} ({e.max_range_bm_km:g})",
                    f"{e.max_altitude_km:g}",
                    str(e.magazine),
                    f"{e.cost_per_shot_usd:,.0f}",
                    pk,
                )
        elif sec == "threats":
            for col in ("type", "label", "class", "range km", "speed m/s", "RCS m²", "cost $"):
                table.add_column(col)
            for k, t in cat.threats.items():
                table.add_row(
                    k,
                    t.label,
                    t.threat_class.value,
                    f"{t.max_range_km:g}",
                    f"{t.speed_m_s:g}",
                    f"{t.rcs_m2:g}",
                    f"{t.cost_usd:,.0f}",
                )
        else:
            for col in ("ICAO", "name", "country", "lat", "lon"):
                table.add_column(col)
            for k, a in airports().items():
                table.add_row(k, a.name, a.country, f"{a.lat_deg:.3f}", f"{a.lon_deg:.3f}")
        console.print(table)
    console.print(
        "Sources: `iamd catalog --json` and docs/catalog.md; all figures public and approximate."
    )
    return 0


def vars_of(obj: object) -> dict[str, object]:
    """Fields of a slotted dataclass as a dict."""
    from dataclasses import asdict

    return asdict(obj)  # type: ignore[call-overload]


#: The files of one run in its ``--out`` folder (the exports' names are added to these).
RUN_FILES = ("summary.json", "threats.csv", "events.parquet", "engagements.csv", "report.html")


def _write_run(files: dict[str, bytes], out: Path, known: tuple[str, ...]) -> list[str]:
    """Write all ``files`` into ``out`` or none, then remove the files of an earlier run that
    this one did not write (``known`` names only: a folder holds one run's files; anything
    else in it is left alone). Returns the names removed."""
    from iamd.files import write_files

    write_files(files, out)
    stale = [n for n in known if n not in files and (out / n).is_file()]
    for name in stale:
        (out / name).unlink(missing_ok=True)
    return stale


def _cmd_run(args: argparse.Namespace) -> int:
    import io

    from iamd.scenario.loader import load_scenario
    from iamd.sim.engine import run

    loaded = load_scenario(args.scenario)
    if args.policy is not None:
        from dataclasses import replace

        from iamd.scenario.schema import Policy

        sc = loaded.scenario.model_copy(update={"policy": Policy(args.policy)})
        loaded = replace(loaded, scenario=sc)
    from iamd.files import check_output_dir

    check_output_dir(args.out, "--out", inputs=[args.scenario] if args.scenario else [])
    from iamd.interop.export import FILE_NAMES, TrackRecorder, export_files, parse_formats
    from iamd.interop.export.stream import open_streams

    exports = parse_formats(args.export) if args.export is not None else ()
    if args.out_asterix is not None:
        from iamd.interop.export.asterix import check_asterix_output

        run_files = RUN_FILES + tuple(FILE_NAMES.values())
        check_asterix_output(args.out_asterix, args.out, run_files, inputs=[args.scenario])
    streams = open_streams(args.stream, scenario=loaded.scenario, speed=args.stream_speed,
                           identities=args.stream_identities)  # fmt: skip
    wanted = exports or streams or args.out_asterix is not None
    recorder = TrackRecorder(listeners=list(streams)) if wanted else None
    show = not args.quiet
    if show:
        from rich.progress import BarColumn, Progress, TextColumn, TimeRemainingColumn

        with Progress(
            TextColumn("simulating"),
            BarColumn(),
            TextColumn("{task.completed}/{task.total} steps"),
            TimeRemainingColumn(),
            transient=True,
        ) as bar:
            task = bar.add_task("run", total=1)

            def progress(done: int, total: int) -> None:
                bar.update(task, completed=done, total=total)

            result = run(loaded, seed=args.seed, progress=progress, on_step=recorder)
    else:
        result = run(loaded, seed=args.seed, on_step=recorder)
    for stream in streams:
        stream.sender.close()
        if stream.sender.error:
            sys.stderr.write(f"warning: --stream {stream.sender.error}\n")

    files: dict[str, bytes] = {}
    files["summary.json"] = (strict_json(result.summary, indent=2) + "\n").encode()
    files["threats.csv"] = result.threats.to_csv(index=False, lineterminator="\n").encode()
    buf = io.BytesIO()
    result.events.to_parquet(buf, index=False)
    files["events.parquet"] = buf.getvalue()
    files["engagements.csv"] = result.engagements.to_csv(index=False, lineterminator="\n").encode()
    if not args.no_report:
        from iamd.report.html import build_report_html

        files["report.html"] = build_report_html(result).encode()
    files.update(export_files(result, exports, recorder))
    if args.out_asterix is not None and recorder is not None:
        from iamd.interop.export.asterix import write_run_asterix

        def write_rest() -> list[str]:
            return _write_run(files, args.out, RUN_FILES + tuple(FILE_NAMES.values()))

        stale = write_run_asterix(args.out_asterix, result, recorder.frames, then=write_rest,
                                  out=args.out)  # fmt: skip
    else:
        stale = _write_run(files, args.out, RUN_FILES + tuple(FILE_NAMES.values()))
    if show:
        _print_summary(result.summary, args.out)
        if stale:
            print(f"removed from {args.out}/ (an earlier run's, not written by this one): "
                  f"{' '.join(stale)}")  # fmt: skip
    return 0


def _print_summary(summary: dict[str, object], out: Path) -> None:
    from rich.console import Console
    from rich.table import Table

    from iamd.sim.outcome import SUMMARY_FIGURES as figures
    from iamd.sim.outcome import civil_safety_line

    by_class = summary["by_class"]
    assert isinstance(by_class, dict)
    table = Table(
        title=f"{summary['scenario']} — policy {summary['policy']}, seed {summary['seed']}",
        title_justify="left",
    )
    table.add_column("")
    table.add_column("total", justify="right")
    classes = [c for c in by_class if c not in ("airliner", "fighter")]
    for c in classes:
        table.add_column(c.replace("_", " "), justify="right")
    for f in figures:
        cells = [_fmt(summary[f])] + [_fmt(by_class[c][f]) for c in classes]
        table.add_row(f.replace("_", " "), *cells)
    console = Console()
    console.print(table)
    safe, line = civil_safety_line(summary)
    console.print(line, style="bold green" if safe else "bold red")
    hit = summary.get("assets_hit_names") or []
    console.print(f"assets hit: {', '.join(map(str, hit)) if hit else 'none'}")  # type: ignore[call-overload]
    console.print(
        f"outputs in {out}/: summary.json threats.csv events.parquet engagements.csv report.html"
    )


def _fmt(value: object) -> str:
    if isinstance(value, float):
        return f"{value:,.0f}"
    return str(value)


if __name__ == "__main__":  # pragma: no cover
    raise SystemExit(main())
