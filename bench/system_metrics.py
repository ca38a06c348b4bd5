"""system: what the system-metrics sampler costs (goal: at most 1 % of one core at the
default 10 s interval).

A real sampler (psutil probes of this host; NVML where a GPU is present) takes
``samples`` samples back to back in a fresh interpreter; each sample's CPU time is the
sampling thread's own (``time.thread_time``), so other processes on a busy machine do
not disturb it. The overhead is the median CPU time of a sample divided by the interval.
The first sample (which opens the probes: importing psutil, priming counters) is
reported apart: it happens once per run, in the background.
"""

from __future__ import annotations

import time
from typing import Any

from bench.context import BenchContext
from bench.figures import Figure, WorkloadResult, median, percentile

TITLE = "system: the system-metrics sampler's CPU cost"
SIZES = {"full": {"samples": 300, "interval_s": 10.0},
         "quick": {"samples": 10, "interval_s": 10.0}}


def measure(samples: int, interval_s: float) -> dict[str, Any]:
    from cairn.sdk.system.sampler import SystemSampler

    emitted: list[dict[str, Any]] = []
    sampler = SystemSampler(3600, emitted.append, lambda topic, message: None)
    t0 = time.thread_time()
    sampler.sample_now()
    first_ms = (time.thread_time() - t0) * 1000
    costs = []
    for _ in range(samples):
        t0 = time.thread_time()
        sampler.sample_now()
        costs.append(time.thread_time() - t0)
    sampler.close(final_sample=False)
    per_sample = median(costs)
    return {"first_ms": first_ms, "sample_ms": [c * 1000 for c in costs],
            "median_ms": per_sample * 1000, "p99_ms": percentile(costs, 99) * 1000,
            "metrics": len(emitted[-1]["values"]) if emitted else 0,
            "core_pct": 100 * per_sample / interval_s}


def run(ctx: BenchContext, sizes: dict[str, Any]) -> WorkloadResult:
    result = WorkloadResult("system", TITLE, sizes)
    measured = ctx.child("bench.system_metrics:measure", dict(sizes), "system")
    result.add(
        "cairn",
        Figure("core_pct", f"CPU of one core at a {sizes['interval_s']:g} s interval",
               measured["core_pct"], "%", 1),
        Figure("sample_ms", "CPU time of one sample (median)", measured["median_ms"], "ms"),
        Figure("sample_p99_ms", "CPU time of one sample (p99)", measured["p99_ms"], "ms"),
        Figure("first_sample_ms", "first sample (may open the probes)", measured["first_ms"],
               "ms"),
        Figure("metrics", "metrics per sample", measured["metrics"], "", better="higher"),
    )
    result.details = measured
    return result
