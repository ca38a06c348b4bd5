"""W2: ``log()`` latency, 10 float metrics a step, 10,000 steps; then ``finish()``.

Each call is timed on its own with ``perf_counter_ns``; the rows are built before the loop
so only ``log`` is inside the timer. ``finish()`` is timed until it returns, which for
cairn means every row is in the store (checked afterwards by reading it back). The same
``measure`` runs in wandb's and trackio's interpreters for the comparison.
"""

from __future__ import annotations

import time
from typing import Any

from bench.context import BenchContext, measure_trackers
from bench.curves import TrainingCurves
from bench.figures import Figure, WorkloadResult, median, percentile
from bench.trackers import start_run, version

TITLE = "log() latency: 10 float metrics a step, then finish()"
SIZES = {"full": {"steps": 10_000, "metrics": 10, "reps": 5, "compare_reps": 3},
         "quick": {"steps": 300, "metrics": 10, "reps": 1, "compare_reps": 1}}


def _timer_overhead_ns() -> float:
    pc = time.perf_counter_ns
    samples = []
    for _ in range(2000):
        t0 = pc()
        samples.append(pc() - t0)
    return median(samples)


def measure(tracker: str, steps: int, metrics: int) -> dict[str, Any]:
    """One run: ``steps`` timed ``log`` calls, then a timed ``finish``."""
    curves = TrainingCurves(steps, metrics)
    rows = [curves.row(s) for s in range(steps)]
    run = start_run(tracker, "bench-w2", {"lr": 3e-4, "batch_size": 256})
    latencies = []
    pc = time.perf_counter_ns
    log = run.log
    for row in rows:
        t0 = pc()
        log(row)
        latencies.append(pc() - t0)
    t0 = pc()
    run.finish()
    finish_ns = pc() - t0
    out = {
        "median_us": median(latencies) / 1000,
        "p99_us": percentile(latencies, 99) / 1000,
        "p999_us": percentile(latencies, 99.9) / 1000,
        "max_us": max(latencies) / 1000,
        "mean_us": sum(latencies) / len(latencies) / 1000,
        "finish_ms": finish_ns / 1e6,
        "timer_overhead_ns": _timer_overhead_ns(),
        "version": version(tracker),
    }
    if tracker == "cairn":
        out["stored_points"] = _stored_points(run.path, curves.keys[0])
    return out


def _stored_points(path: str, key: str) -> int:
    import cairn

    steps, _ = cairn.Api().run(path).series(key)
    return int(steps.size)


def figures(reps: list[dict[str, Any]], with_targets: bool) -> list[Figure]:
    def target(value: float) -> float | None:
        return value if with_targets else None

    return [
        Figure("log_median_us", "log() median", median([r["median_us"] for r in reps]), "µs",
               target(3)),
        Figure("log_p99_us", "log() p99", median([r["p99_us"] for r in reps]), "µs",
               target(30)),
        Figure("log_p999_us", "log() p99.9", median([r["p999_us"] for r in reps]), "µs"),
        Figure("finish_ms", "finish() until durable", median([r["finish_ms"] for r in reps]),
               "ms"),
    ]


def run(ctx: BenchContext, sizes: dict[str, Any]) -> WorkloadResult:
    result = WorkloadResult("W2", TITLE, sizes)
    measure_trackers(ctx, result, "bench.w2_log_latency:measure",
                     {"steps": sizes["steps"], "metrics": sizes["metrics"]},
                     reps=sizes["reps"], compare_reps=sizes["compare_reps"], figures=figures)
    if any(r["stored_points"] != sizes["steps"] for r in result.details["cairn"]):
        result.details["warning"] = "the store holds fewer points than were logged"
    return result
