"""compare: cairn, wandb (offline) and trackio through the same W1, W2, W3 and W5 in one
run (``make bench-compare``), each figure the median of ``reps`` fresh interpreters with
its spread (the lowest and highest of the repeats).

- W1: ``import``, ``init()`` and ``finish()`` of a short run (import → init → one ``log``
  → ``finish``), in a fresh interpreter and store each time; for cairn also ``finish()``
  with ``finish_wait = "wal"`` (returns once the run's end is durable in its WAL instead
  of waiting for its applier process, which a short script has not even started yet).
- W2: ``log()`` median of 10 metrics a step and ``finish()`` after them (``w2_log_latency``).
- W3: points/s of a flood, ``finish()`` included (``w3_throughput``).
- W5: many runs one after another in one process: the total, and the median ``init()``
  (warm: after the first run) and ``finish()`` of a run.

W4 (read-back) has no counterpart here: wandb offline has no read API. The ratio printed
after each tracker's figure is that figure ÷ cairn's; the JSON keeps every repeat.
"""

from __future__ import annotations

import importlib
import time
from collections.abc import Callable
from typing import Any

from bench.context import BenchContext
from bench.curves import TrainingCurves
from bench.figures import Figure, WorkloadResult, median
from bench.trackers import start_run, version

TITLE = "cairn, wandb (offline) and trackio side by side: W1, W2, W3, W5"
SIZES = {"full": {"reps": 3, "w2_steps": 10_000, "w3_steps": 100_000, "w5_runs": 200,
                  "w5_steps": 100, "metrics": 10},
         "quick": {"reps": 1, "w2_steps": 200, "w3_steps": 1_000, "w5_runs": 3,
                   "w5_steps": 10, "metrics": 10}}


def short_run(tracker: str, finish_wait: str | None = None) -> dict[str, Any]:
    """W1: import the tracker, start a run, log one row, finish (a fresh interpreter)."""
    t0 = time.perf_counter()
    importlib.import_module(tracker)
    t1 = time.perf_counter()
    run = start_run(tracker, "bench-compare-w1", {"lr": 3e-4}, finish_wait=finish_wait)
    t2 = time.perf_counter()
    run.log({"loss": 2.302585, "accuracy": 0.1015625, "lr": 3e-4})
    t3 = time.perf_counter()
    run.finish()
    t4 = time.perf_counter()
    return {"import_ms": (t1 - t0) * 1e3, "init_ms": (t2 - t1) * 1e3,
            "finish_ms": (t4 - t3) * 1e3, "version": version(tracker)}


def many_runs(tracker: str, runs: int, steps: int, metrics: int) -> dict[str, Any]:
    """W5: ``runs`` runs of ``steps`` rows one after another in this process."""
    rows = [[TrainingCurves(steps, metrics, seed=r).row(s) for s in range(steps)]
            for r in range(runs)]
    importlib.import_module(tracker)
    inits, finishes = [], []
    started = time.perf_counter()
    for r in range(runs):
        t0 = time.perf_counter()
        run = start_run(tracker, "bench-compare-w5", {"lr": 3e-4, "seed": r})
        inits.append(time.perf_counter() - t0)
        for row in rows[r]:
            run.log(row)
        t0 = time.perf_counter()
        run.finish()
        finishes.append(time.perf_counter() - t0)
    total = time.perf_counter() - started
    warm = inits[1:] or inits
    return {"total_s": total, "init_ms": median(warm) * 1e3,
            "finish_ms": median(finishes) * 1e3, "version": version(tracker)}


Row = tuple[str, str, str, str, Callable[[dict[str, Any]], float]]
"""(figure key, label, unit, better, value of one repeat)."""
ROWS: list[Row] = [
    ("w1_import_ms", "W1 import", "ms", "lower", lambda r: r["w1"]["import_ms"]),
    ("w1_init_ms", "W1 init() (first of the process)", "ms", "lower",
     lambda r: r["w1"]["init_ms"]),
    ("w1_finish_ms", "W1 finish() of a short run", "ms", "lower",
     lambda r: r["w1"]["finish_ms"]),
    ("w1_finish_wal_ms", "W1 finish(), finish_wait = wal (cairn only)", "ms", "lower",
     lambda r: r["w1_wal"]["finish_ms"]),
    ("w2_log_median_us", "W2 log() median", "µs", "lower", lambda r: r["w2"]["median_us"]),
    ("w2_finish_ms", "W2 finish() after the steps", "ms", "lower",
     lambda r: r["w2"]["finish_ms"]),
    ("w3_points_per_s", "W3 points/s incl. finish()", "pts/s", "higher",
     lambda r: r["w3"]["points_per_s"]),
    ("w5_total_s", "W5 runs logged one after another", "s", "lower",
     lambda r: r["w5"]["total_s"]),
    ("w5_init_ms", "W5 init() warm (median)", "ms", "lower", lambda r: r["w5"]["init_ms"]),
    ("w5_finish_ms", "W5 finish() (median)", "ms", "lower", lambda r: r["w5"]["finish_ms"]),
]


def _repeat(ctx: BenchContext, tracker: str, sizes: dict[str, Any]) -> dict[str, Any]:
    """One repeat of every workload for ``tracker``, each in a fresh interpreter."""
    label = f"compare-{tracker}"
    metrics = sizes["metrics"]
    if tracker == "cairn":  # finish() without waiting for the store: the WAL-durable return
        wal = {"w1_wal": ctx.child("bench.compare:short_run",
                                   {"tracker": tracker, "finish_wait": "wal"}, label)}
    else:
        wal = {}
    return {
        **wal,
        "w1": ctx.child("bench.compare:short_run", {"tracker": tracker}, label,
                        tracker=tracker),
        "w2": ctx.child("bench.w2_log_latency:measure",
                        {"tracker": tracker, "steps": sizes["w2_steps"], "metrics": metrics},
                        label, tracker=tracker),
        "w3": ctx.child("bench.w3_throughput:measure",
                        {"tracker": tracker, "steps": sizes["w3_steps"], "metrics": metrics},
                        label, tracker=tracker),
        "w5": ctx.child("bench.compare:many_runs",
                        {"tracker": tracker, "runs": sizes["w5_runs"],
                         "steps": sizes["w5_steps"], "metrics": 5}, label, tracker=tracker),
    }


def run(ctx: BenchContext, sizes: dict[str, Any]) -> WorkloadResult:
    result = WorkloadResult("compare", TITLE, sizes)
    trackers = ["cairn", *ctx.compare]
    reps: dict[str, list[dict[str, Any]]] = {t: [] for t in trackers}
    for _ in range(sizes["reps"]):  # interleaved, so that drift hits every tracker alike
        for tracker in trackers:
            reps[tracker].append(_repeat(ctx, tracker, sizes))
    for tracker in trackers:
        figures = []
        for key, label, unit, better, value in ROWS:
            if key == "w1_finish_wal_ms" and tracker != "cairn":
                continue
            values = [value(r) for r in reps[tracker]]
            figures.append(Figure(key, label, median(values), unit, better=better,
                                  spread=(min(values), max(values))))
        result.add(tracker, *figures)
        result.versions[tracker] = str(reps[tracker][0]["w1"].get("version", "?"))
    result.details = {"repeats": reps}
    result.skipped.update(ctx.missing)
    return result

