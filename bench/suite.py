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

from bench import (
    artifacts,
    console_capture,
    flood_kill,
    media_log,
    overhead,
    regex_stall,
    report,
    s3_blobs,
    server_ingest,
    sweeps,
    system_metrics,
    viewers,
    w1_startup,
    w2_log_latency,
    w3_throughput,
    w4_readback,
    w5_many_runs,
    w6_ui,
)
from bench.child import REPO_ROOT
from bench.context import BenchContext, find_comparisons
from bench.figures import WorkloadResult

WORKLOADS: dict[str, ModuleType] = {
    "W1": w1_startup,
    "W2": w2_log_latency,
    "W3": w3_throughput,
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
    "sweeps": sweeps,
    "viewers": viewers,
    "regex": regex_stall,
}
USES_COMPARISONS = ("W2", "W3")
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
    args = parser.parse_args(argv)
    args.selected = _select(parser, args.only)
    return args


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
    ctx = BenchContext(quick=args.quick, scratch=scratch, compare=compare, versions=versions,
                       missing=missing)
    report.print_block(
        f"cairn benchmarks ({preset} sizes{'; figures are meaningless' if args.quick else ''})"
        f" on {machine['usable_cores']} cores, Python {machine['python']}, load average "
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
                result = module.run(ctx, dict(module.SIZES[preset]))
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
    options = {"preset": preset, "selected": args.selected, "sizes":
               {n: WORKLOADS[n].SIZES[preset] for n in args.selected},
               "comparisons": {**{t: {"version": v} for t, v in versions.items()},
                               **{t: {"skipped": r} for t, r in missing.items()}}}
    doc = report.document(results, errors, machine, options, time.perf_counter() - started)
    report.write_json(doc, args.out)
    print(f"results written to {args.out} ({doc['seconds']:.0f} s)"
          + (f"; FAILED: {', '.join(errors)}" if errors else ""), flush=True)
    return 1 if errors else 0
