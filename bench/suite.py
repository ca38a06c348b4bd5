"""The command line of ``python -m bench``: pick workloads and sizes, run them, report.

    python -m bench [--quick] [--only W2,W3] [--no-compare] [--out PATH] [--keep]

``BENCH_QUICK=1`` is the same as ``--quick``. The exit status is non-zero only when a
workload could not run; a figure that misses its target is reported, never an error.
"""

from __future__ import annotations

import argparse
import os
import shutil
import sys
import tempfile
import time
import traceback
from pathlib import Path
from types import ModuleType
from typing import Any

from bench import (
    artifacts,
    compare,
    console_capture,
    envelopes,
    flood_kill,
    media_log,
    mlflow_server,
    overhead,
    regex_stall,
    report,
    s3_blobs,
    server_ingest,
    sweeps,
    system_metrics,
    ui_panels,
    viewers,
    w1_startup,
    w2_log_latency,
    w3_contended,
    w3_throughput,
    w4_readback,
    w5_many_runs,
    w6_ui,
)
from bench.backends import bench_backend
from bench.child import REPO_ROOT
from bench.context import BenchContext, find_comparisons
from bench.figures import WorkloadResult

WORKLOADS: dict[str, ModuleType] = {
    "W1": w1_startup,
    "W2": w2_log_latency,
    "W3": w3_throughput,
    "W3-busy": w3_contended,
    "W4": w4_readback,
    "W5": w5_many_runs,
    "W6": w6_ui,
    "overhead": overhead,
    "system": system_metrics,
    "console": console_capture,
    "artifacts": artifacts,
    "media": media_log,
    "s3": s3_blobs,
    "server": server_ingest,
    "flood-kill": flood_kill,
    "envelopes": envelopes,
    "sweeps": sweeps,
    "viewers": viewers,
    "regex": regex_stall,
    "compare": compare,
    "mlflow": mlflow_server,
    "panels": ui_panels,
}
USES_COMPARISONS = ("W2", "W3", "compare")
DEFAULT_OUT = REPO_ROOT / "bench" / "results" / "latest.json"


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--quick", action="store_true",
                        default=os.environ.get("BENCH_QUICK", "") not in ("", "0"),
                        help="tiny sizes: checks the suite works (figures are meaningless)")
    parser.add_argument("--only", default="",
                        help=f"comma-separated workloads to run, of {', '.join(WORKLOADS)}")
    parser.add_argument("--no-compare", action="store_true",
                        help="do not run wandb and trackio even where installed")
    parser.add_argument("--out", type=Path, default=DEFAULT_OUT,
                        help="where to write the JSON results (default: %(default)s)")
    parser.add_argument("--keep", action="store_true",
                        help="keep the scratch folder with every measurement's store")
    parser.add_argument("--backend", default="sqlite", metavar="URI",
                        help="where cairn's stores are: sqlite (each measurement's folder), "
                             "postgresql (a throwaway server started for the run) or a "
                             "postgresql:// URI (a new schema per measurement)")
    parser.add_argument("--size", action="append", default=[], metavar="W.KEY=N",
                        help="override one size of a workload, e.g. --size envelopes.runs=20 "
                             "(repeatable; the JSON records the sizes used)")
    args = parser.parse_args(argv)
    args.selected = _select(parser, args.only)
    args.sizes = _sizes(parser, args.size)
    return args


def _sizes(parser: argparse.ArgumentParser, overrides: list[str]) -> dict[str, dict[str, int]]:
    """``--size W.KEY=N`` overrides, by workload."""
    out: dict[str, dict[str, int]] = {}
    by_lower = {name.lower(): name for name in WORKLOADS}
    for text in overrides:
        target, _, value = text.partition("=")
        workload, _, key = target.partition(".")
        name = by_lower.get(workload.strip().lower())
        if name is None or key not in WORKLOADS[name].SIZES["full"] or not value.isdigit():
            parser.error(f"--size {text!r}: give WORKLOAD.KEY=N with a size the workload "
                         "has (see its SIZES)")
        out.setdefault(name, {})[key] = int(value)
    return out


def _select(parser: argparse.ArgumentParser, only: str) -> list[str]:
    if not only.strip():
        return list(WORKLOADS)
    by_lower = {name.lower(): name for name in WORKLOADS}
    chosen = []
    for part in only.split(","):
        name = by_lower.get(part.strip().lower())
        if name is None:
            parser.error(f"unknown workload {part.strip()!r}; choose from {', '.join(WORKLOADS)}")
        chosen.append(name)
    return [name for name in WORKLOADS if name in chosen]


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    report.use_replacing_stdout()
    preset = "quick" if args.quick else "full"
    machine = report.machine_info()
    scratch = Path(tempfile.mkdtemp(prefix="cairn-bench-"))
    wanted_comparisons = not args.no_compare and any(w in args.selected for w in USES_COMPARISONS)
    compare, versions, missing = find_comparisons(wanted_comparisons)
    with bench_backend(args.backend) as backend:
        ctx = BenchContext(quick=args.quick, scratch=scratch, compare=compare,
                           versions=versions, missing=missing, backend=backend,
                           comparing=not args.no_compare)
        return _run(args, ctx, machine, preset, versions, missing)


def _run(args: argparse.Namespace, ctx: BenchContext, machine: dict[str, Any], preset: str,
         versions: dict[str, str], missing: dict[str, str]) -> int:
    scratch = ctx.scratch
    sizes = {name: {**WORKLOADS[name].SIZES[preset], **args.sizes.get(name, {})}
             for name in args.selected}
    report.print_block(
        f"cairn benchmarks ({preset} sizes{'; figures are meaningless' if args.quick else ''})"
        f" on {ctx.backend.name}"
        f", {machine['usable_cores']} cores, Python {machine['python']}, load average "
        f"{machine['load_average_start']}\n"
        f"comparisons: {', '.join(f'{t} {v}' for t, v in versions.items()) or 'none'}"
        + ("; (xN) is that tracker's figure ÷ cairn's" if versions else ""))
    results: list[WorkloadResult] = []
    errors: dict[str, str] = {}
    started = time.perf_counter()
    try:
        for name in args.selected:
            module = WORKLOADS[name]
            t0 = time.perf_counter()
            try:
                result = module.run(ctx, dict(sizes[name]))
            except Exception as exc:
                errors[name] = "".join(traceback.format_exception_only(exc)).strip()
                print(f"{name} failed: {errors[name]}\n", file=sys.stderr, flush=True)
                traceback.print_exc()
                continue
            result.seconds = time.perf_counter() - t0
            results.append(result)
            report.print_block(report.format_workload(result))
    finally:
        if args.keep:
            print(f"measurement stores kept in {scratch}", file=sys.stderr)
        else:
            shutil.rmtree(scratch, ignore_errors=True)
    options = {"preset": preset, "selected": args.selected, "sizes": sizes,
               "backend": ctx.backend.name, "size_overrides": args.size,
               "comparisons": {**{t: {"version": v} for t, v in versions.items()},
                               **{t: {"skipped": r} for t, r in missing.items()}}}
    doc = report.document(results, errors, machine, options, time.perf_counter() - started)
    report.write_json(doc, args.out)
    print(f"results written to {args.out} ({doc['seconds']:.0f} s)"
          + (f"; FAILED: {', '.join(errors)}" if errors else ""), flush=True)
    return 1 if errors else 0
