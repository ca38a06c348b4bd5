"""console: what console capture costs the script that prints (the training loop).

A fresh interpreter prints ``lines`` lines of 100 characters to ``sys.stdout`` (pointed
at ``/dev/null``, as a terminal that keeps up), alternately without capture and with
``wrap`` capture into a real ``output.log``; the slowdown is the median ratio of the
pairs' wall times. Also reported: how long the capture thread needs after the last print
to have everything in ``output.log`` (its throughput), and the bytes it had to drop.
"""

from __future__ import annotations

import os
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from bench.context import BenchContext
from bench.figures import Figure, WorkloadResult, median

TITLE = "console: printing with console capture"
SIZES = {"full": {"lines": 200_000, "pairs": 5}, "quick": {"lines": 2_000, "pairs": 1}}


def _print_lines(lines: int) -> float:
    text = "x" * 99
    start = time.perf_counter()
    for _ in range(lines):
        print(text)
    return time.perf_counter() - start


def measure(lines: int, pairs: int) -> dict[str, Any]:
    from cairn.sdk.console import ConsoleCapture

    real_stdout = sys.stdout
    base: list[float] = []
    captured: list[float] = []
    drain: list[float] = []
    dropped = 0
    with open(os.devnull, "w") as devnull, tempfile.TemporaryDirectory() as tmp:
        sys.stdout = devnull
        try:
            for pair in range(pairs):
                base.append(_print_lines(lines))
                capture = ConsoleCapture("wrap", Path(tmp) / f"output-{pair}.log",
                                         1 << 40, lambda lines: None,
                                         lambda topic, message: None)
                captured.append(_print_lines(lines))
                t0 = time.perf_counter()
                capture.close()
                drain.append(time.perf_counter() - t0)
                with capture.log_path.open("rb") as fh:
                    saved = sum(1 for line in fh if line.endswith(b"x\n"))
                dropped += lines - saved
        finally:
            sys.stdout = real_stdout
    ratios = [c / b for b, c in zip(base, captured, strict=True)]
    megabytes = lines * 100 / 1e6
    return {"without_s": base, "with_s": captured, "drain_s": drain,
            "slowdown_pct": (median(ratios) - 1) * 100,
            "print_us": median(captured) / lines * 1e6,
            "saved_mb_s": megabytes / (median(captured) + median(drain)),
            "lines_missing": dropped}


def run(ctx: BenchContext, sizes: dict[str, Any]) -> WorkloadResult:
    result = WorkloadResult("console", TITLE, sizes)
    measured = ctx.child("bench.console_capture:measure", dict(sizes), "console")
    result.add(
        "cairn",
        Figure("slowdown_pct", "slowdown of print() with capture", measured["slowdown_pct"],
               "%"),
        Figure("print_us", "print() of a 100-char line with capture", measured["print_us"],
               "µs"),
        Figure("drain_s", "after the last print, until output.log has all",
               median(measured["drain_s"]), "s"),
        Figure("saved_mb_s", "console text saved per second", measured["saved_mb_s"],
               "MB/s", better="higher"),
        Figure("lines_missing", "lines not captured (dropped under load, all pairs)",
               measured["lines_missing"], ""),
    )
    result.details = measured
    return result
