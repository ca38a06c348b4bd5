"""W3 under contention: W3's loop while two CPU-bound processes keep both cores busy.

The same measurement as ``bench/w3_throughput.py`` (``measure(..., busy=2)``): a
training process seldom has the machine to itself (data loading, other jobs), and then the
writer thread shares the process's slice of CPU with the loop that feeds it. Reported with
the same figures as W3, for cairn only.
"""

from __future__ import annotations

from typing import Any

from bench.context import BenchContext
from bench.figures import WorkloadResult
from bench.w3_throughput import figures

TITLE = "throughput with 2 CPU-bound processes competing: points/s including finish()"
SIZES = {"full": {"steps": 100_000, "metrics": 10, "reps": 3, "busy": 2},
         "quick": {"steps": 1_000, "metrics": 10, "reps": 1, "busy": 1}}


def run(ctx: BenchContext, sizes: dict[str, Any]) -> WorkloadResult:
    result = WorkloadResult("W3-busy", TITLE, sizes)
    args = {"tracker": "cairn", "steps": sizes["steps"], "metrics": sizes["metrics"],
            "busy": sizes["busy"]}
    reps = [ctx.child("bench.w3_throughput:measure", args, "w3-busy-cairn", tracker="cairn")
            for _ in range(sizes["reps"])]
    result.add("cairn", *figures(reps, True))
    result.details["cairn"] = reps
    return result
