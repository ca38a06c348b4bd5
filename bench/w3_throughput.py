"""W3: throughput, 100,000 steps x 10 metrics, points per second including ``finish()``.

The timed loop is what a training script does: make the step's dict, ``log`` it; then
``finish()``. The same loop without ``log`` is timed too (``harness_s``), to show what
share of the time is the benchmark's own. Peak RSS is the measuring process's, read with
``getrusage`` (it includes the pre-generated values, 8 bytes each, reported as
``rss_before_mb``).
"""

from __future__ import annotations

import contextlib
import subprocess
import sys
import time
from collections.abc import Iterator
from typing import Any

from bench.context import BenchContext, measure_trackers
from bench.curves import TrainingCurves
from bench.figures import Figure, WorkloadResult, current_rss_mb, median, peak_rss_mb
from bench.trackers import start_run, version

TITLE = "throughput: steps x 10 metrics, points/s including finish()"
SIZES = {"full": {"steps": 100_000, "metrics": 10, "reps": 3, "compare_reps": 1},
         "quick": {"steps": 1_000, "metrics": 10, "reps": 1, "compare_reps": 1}}


def measure(tracker: str, steps: int, metrics: int, busy: int = 0) -> dict[str, Any]:
    """One run; ``busy``: CPU-bound processes competing for the cores meanwhile
    (``bench/w3_contended.py``)."""
    with competing(busy):
        return _measure(tracker, steps, metrics)


@contextlib.contextmanager
def competing(processes: int) -> Iterator[None]:
    """``processes`` pure-Python busy loops, running until the block ends."""
    burners = [subprocess.Popen([sys.executable, "-c", "while True: pass"])
               for _ in range(processes)]
    try:
        time.sleep(0.2 if burners else 0.0)  # started and spinning
        yield
    finally:
        for burner in burners:
            burner.kill()
            burner.wait()


def _measure(tracker: str, steps: int, metrics: int) -> dict[str, Any]:
    curves = TrainingCurves(steps, metrics)
    row = curves.row
    t0 = time.perf_counter()
    for s in range(steps):
        row(s)
    harness_s = time.perf_counter() - t0
    rss_before = current_rss_mb()
    run = start_run(tracker, "bench-w3", {"lr": 3e-4, "batch_size": 256})
    log = run.log
    t0 = time.perf_counter()
    for s in range(steps):
        log(row(s))
    t1 = time.perf_counter()
    run.finish()
    t2 = time.perf_counter()
    out = {
        "loop_s": t1 - t0,
        "finish_s": t2 - t1,
        "total_s": t2 - t0,
        "points_per_s": steps * metrics / (t2 - t0),
        "harness_s": harness_s,
        "peak_rss_mb": peak_rss_mb(),
        "rss_before_mb": rss_before,
        "version": version(tracker),
    }
    if tracker == "cairn":
        import cairn
        from bench.disk import run_disk

        steps_read, _ = cairn.Api().run(run.path).series(curves.keys[-1])
        out["stored_points"] = int(steps_read.size)
        out.update(run_disk(run, steps * metrics))
    return out


def figures(reps: list[dict[str, Any]], with_targets: bool) -> list[Figure]:
    def target(value: float) -> float | None:
        return value if with_targets else None

    return [
        Figure("points_per_s", "points/s incl. finish()",
               median([r["points_per_s"] for r in reps]), "pts/s", target(1_000_000),
               better="higher"),
        Figure("finish_ms", "finish() after last log()",
               median([r["finish_s"] for r in reps]) * 1000, "ms", target(200)),
        Figure("peak_rss_mb", "peak RSS of the process", median([r["peak_rss_mb"] for r in reps]),
               "MiB", target(150)),
        Figure("harness_share", "share of loop time making rows",
               median([r["harness_s"] / r["total_s"] for r in reps]) * 100, "%"),
        *_disk_figures(reps, with_targets),
    ]


def _disk_figures(reps: list[dict[str, Any]], with_targets: bool) -> list[Figure]:
    """cairn's only: the store and the run's folder once its WAL is compacted."""
    if any(r.get("disk_bytes_per_point") is None for r in reps):
        return []
    share = [r["run_folder_share"] for r in reps if r["run_folder_share"] is not None]
    figures = [Figure("disk_bytes_per_point", "on disk: store + run folder, bytes/point",
                      median([r["disk_bytes_per_point"] for r in reps]), "B",
                      8 if with_targets else None)]
    if share:
        figures.append(Figure("run_folder_pct", "run folder (compacted WAL) / store",
                              median(share) * 100, "%", 10 if with_targets else None))
    return figures


def run(ctx: BenchContext, sizes: dict[str, Any]) -> WorkloadResult:
    result = WorkloadResult("W3", TITLE, sizes)
    measure_trackers(ctx, result, "bench.w3_throughput:measure",
                     {"steps": sizes["steps"], "metrics": sizes["metrics"]},
                     reps=sizes["reps"], compare_reps=sizes["compare_reps"], figures=figures)
    if any(r["stored_points"] != sizes["steps"] for r in result.details["cairn"]):
        result.details["warning"] = "the store holds fewer points than were logged"
    return result
