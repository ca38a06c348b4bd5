"""Overhead: how much slower a CPU-bound training loop gets when it calls ``log()`` 1,000
times a second (goal: at most 2 %).

The "training step" is pure-Python arithmetic calibrated to 1 ms, so it holds the GIL the
whole time: the worst case for cairn's background threads, which then compete with the
loop for the interpreter (a real step in numpy or torch releases the GIL and hides them).
One run is started and left to reach a steady state (its threads started, the store
open: start-up is W1's business). Then the loop runs alternately without logging (it still
makes each step's metrics dict) and logging to that run; the slowdown is the median of the
per-pair ratios of wall time. The same ratio of process CPU
time is reported too: it is what cairn's threads cost, and other processes on a busy
machine do not disturb it.
"""

from __future__ import annotations

import time
from typing import Any

from bench.context import BenchContext
from bench.curves import TrainingCurves
from bench.figures import Figure, WorkloadResult, median

TITLE = "overhead: CPU-bound loop logging 1,000 times a second"
SIZES = {"full": {"iterations": 500, "rate_hz": 1_000, "pairs": 12},
         "quick": {"iterations": 50, "rate_hz": 1_000, "pairs": 1}}


def training_step(n: int) -> float:
    """CPU-bound pure-Python work, about ``n`` loop iterations long."""
    acc = 0.0
    for i in range(n):
        acc += (i * 0.5) % 7.0
    return acc


def calibrate(rate_hz: float) -> int:
    """Iterations of :func:`training_step` that take ``1 / rate_hz`` seconds here."""
    probe = 100_000
    training_step(probe)  # warm up (CPU frequency, caches)
    best = min(_timed(training_step, probe)[0] for _ in range(7))
    return max(1, round(probe / (best * rate_hz)))


def _timed(func: Any, *args: Any) -> tuple[float, float]:
    """(wall seconds, process CPU seconds) of ``func(*args)``; CPU time counts every
    thread of the process and is blind to other processes on a busy machine."""
    w0, c0 = time.perf_counter(), time.process_time()
    func(*args)
    return time.perf_counter() - w0, time.process_time() - c0


def measure(iterations: int, rate_hz: float, pairs: int) -> dict[str, Any]:
    import cairn

    n = calibrate(rate_hz)
    total = 2 * iterations * pairs + 1
    row = TrainingCurves(total, 10).row
    steps = iter(range(1, total))

    def loop(log: Any) -> None:
        for _ in range(iterations):
            training_step(n)
            values = row(next(steps))
            if log is not None:
                log(values)

    run = cairn.init(project="bench-overhead")
    run.log(row(0))
    time.sleep(1.0)  # steady state: the background threads have started and opened the store
    base: list[tuple[float, float]] = []
    logged: list[tuple[float, float]] = []
    for pair in range(pairs):  # alternate which goes first, so drift cancels out
        if pair % 2:
            logged.append(_timed(loop, run.log))
            base.append(_timed(loop, None))
        else:
            base.append(_timed(loop, None))
            logged.append(_timed(loop, run.log))
    finish_s = _timed(run.finish)[0]
    wall = [b[0] / a[0] for a, b in zip(base, logged, strict=True)]
    cpu = [b[1] / a[1] for a, b in zip(base, logged, strict=True)]
    return {"step_iterations": n, "without_s": [a[0] for a in base],
            "with_s": [b[0] for b in logged], "wall_ratios": wall, "cpu_ratios": cpu,
            "achieved_rate_hz": iterations / median([b[0] for b in logged]),
            "slowdown_pct": (median(wall) - 1) * 100, "cpu_pct": (median(cpu) - 1) * 100,
            "finish_ms": finish_s * 1000}


def run(ctx: BenchContext, sizes: dict[str, Any]) -> WorkloadResult:
    result = WorkloadResult("overhead", TITLE, sizes)
    measured = ctx.child("bench.overhead:measure", dict(sizes), "overhead")
    result.add(
        "cairn",
        Figure("slowdown_pct", "slowdown of the loop (wall time)", measured["slowdown_pct"],
               "%", 2),
        Figure("cpu_overhead_pct", "extra CPU time of the process", measured["cpu_pct"], "%"),
        Figure("loop_without_s", "loop without cairn (median)", median(measured["without_s"]),
               "s"),
        Figure("loop_with_s", "loop with cairn (median)", median(measured["with_s"]), "s"),
        Figure("achieved_rate_hz", "log() calls per second achieved",
               measured["achieved_rate_hz"], "/s"),
    )
    result.details = measured
    return result
