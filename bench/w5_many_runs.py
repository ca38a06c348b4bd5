"""W5: many runs. 200 runs of 100 steps x 5 metrics logged one after another in one
process; then listing, filtering and sorting them through ``Api``; and the same queries
over 10,000 runs.

The 10,000 runs are written straight into the store with ``MetadataStore.apply_records``,
with the records the client writes (``run``, ``config``, a ``history`` batch built by
``cairn.sdk.batch.build_batch``, ``finish``), so their rows are what logging would make.

A query's time is what a runs table needs: ``len(runs)`` (the count it shows) plus the
first page of 50 runs; listing everything (paging through all) is reported too.
"""

from __future__ import annotations

import itertools
import time
import uuid
from collections.abc import Callable
from typing import Any

from bench.context import BenchContext
from bench.curves import TrainingCurves
from bench.datasets import run_config, run_tags
from bench.figures import Figure, WorkloadResult, median

TITLE = "many runs: log them one after another; list, filter and sort them"
SIZES = {"full": {"runs": 200, "steps": 100, "metrics": 5, "many_runs": 10_000,
                  "many_steps": 10, "reps": 7, "list_all_reps": 2},
         "quick": {"runs": 5, "steps": 10, "metrics": 5, "many_runs": 100,
                   "many_steps": 5, "reps": 1, "list_all_reps": 1}}

ENTITY = "bench"
PROJECT = "bench-w5"
PAGE = 50
FILTERS = {"$and": [{"config.lr": {"$lte": 1e-3}}, {"summary.m1": {"$gte": 0.5}}]}
ORDER = "-summary.m1"
def log_runs(runs: int, steps: int, metrics: int) -> dict[str, Any]:
    """Log ``runs`` runs one after another in this process."""
    import cairn

    rows = [[TrainingCurves(steps, metrics, seed=r).row(s) for s in range(steps)]
            for r in range(runs)]
    inits, finishes = [], []
    t_start = time.perf_counter()
    for r in range(runs):
        t0 = time.perf_counter()
        run = cairn.init(entity=ENTITY, project=PROJECT, config=run_config(r), tags=run_tags(r))
        inits.append(time.perf_counter() - t0)
        for row in rows[r]:
            run.log(row)
        t0 = time.perf_counter()
        run.finish()
        finishes.append(time.perf_counter() - t0)
    total = time.perf_counter() - t_start
    return {"total_s": total, "init_ms": median(inits) * 1000,
            "finish_ms": median(finishes) * 1000}


def create_runs(count: int, steps: int, metrics: int, per_batch: int = 250) -> dict[str, Any]:
    """Write ``count`` finished runs straight into the store, as their WALs would."""
    from cairn.backend import open_backend
    from cairn.records import Record, RunRef
    from cairn.sdk.batch import build_batch

    backend = open_backend()  # the measurement's store: its folder's, or CAIRN_STORE
    store = backend.store
    curves = [TrainingCurves(steps, metrics, seed=seed) for seed in range(8)]
    now = time.time()
    t0 = time.perf_counter()
    for first in range(0, count, per_batch):
        records = []
        for r in range(first, min(count, first + per_batch)):
            start = now - (count - r) * 60.0
            ref = RunRef(ENTITY, PROJECT, f"r{r:07d}")
            session = uuid.uuid4().hex[:12]
            rows = [(s, start + s, curves[r % 8].row(s)) for s in range(steps)]
            history = build_batch(rows, start, 0.0).to_body()
            history["at"] = start + steps
            records += [
                Record(ref, session, 1, "run", {
                    "name": f"run-{r}", "notes": "", "tags": run_tags(r), "group": None,
                    "job_type": "train", "start_time": start, "host": "bench", "pid": 1,
                    "mode": "local", "resumed": False, "starting_step": 0, "framework": "",
                    "sweep_id": None, "program": "train.py", "python": "3.11",
                    "os": "Linux", "at": start}),
                Record(ref, session, 2, "config", {"config": run_config(r)}),
                Record(ref, session, 3, "history", history),
                Record(ref, session, 4, "finish", {"exit_code": 0, "at": start + steps,
                                                   "state": "finished"}),
            ]
        store.apply_records(records)
    elapsed = time.perf_counter() - t0
    backend.close()
    return {"create_s": elapsed, "runs_per_s": count / elapsed}


def query_runs(reps: int, list_all_reps: int) -> dict[str, Any]:
    """Time listing, counting, filtering and sorting the project's runs through ``Api``
    (listing all of them pages through ``per_page=50`` at a time, as wandb's default)."""
    import cairn

    api = cairn.Api()
    path = f"{ENTITY}/{PROJECT}"

    def table(filters: Any = None, order: Any = "-created_at") -> int:
        runs = api.runs(path, filters=filters, order=order, per_page=PAGE)
        total = len(runs)
        first_page = list(itertools.islice(runs, PAGE))
        return total if len(first_page) == min(PAGE, total) else -1  # -1: inconsistent

    def every(filters: Any = None, order: Any = "-created_at") -> int:
        return sum(1 for _ in api.runs(path, filters=filters, order=order, per_page=PAGE))

    queries: dict[str, Callable[[], int]] = {
        "table_ms": table,
        "filter_sort_table_ms": lambda: table(FILTERS, ORDER),
        "list_all_ms": every,
        "filter_sort_all_ms": lambda: every(FILTERS, ORDER),
    }
    out: dict[str, Any] = {"count": len(api.runs(path))}  # opens the store: not timed
    for name, query in queries.items():
        times = []
        for _ in range(list_all_reps if "_all_" in name else reps):
            t0 = time.perf_counter()
            out[name.replace("_ms", "_count")] = query()
            times.append(time.perf_counter() - t0)
        out[name] = median(times) * 1000
    return out


def run(ctx: BenchContext, sizes: dict[str, Any]) -> WorkloadResult:
    result = WorkloadResult("W5", TITLE, sizes)
    few = ctx.store("w5-logged")
    logged = ctx.child("bench.w5_many_runs:log_runs",
                       {"runs": sizes["runs"], "steps": sizes["steps"],
                        "metrics": sizes["metrics"]}, "w5", store=few)
    query_args = {"reps": sizes["reps"], "list_all_reps": sizes["list_all_reps"]}
    few_q = ctx.child("bench.w5_many_runs:query_runs", query_args, "w5", store=few)
    many = ctx.store("w5-many")
    created = ctx.child("bench.w5_many_runs:create_runs",
                        {"count": sizes["many_runs"], "steps": sizes["many_steps"],
                         "metrics": sizes["metrics"]}, "w5", store=many)
    many_q = ctx.child("bench.w5_many_runs:query_runs", query_args, "w5", store=many)
    n, big = sizes["runs"], f"{sizes['many_runs']:,}"
    result.add(
        "cairn",
        Figure("log_runs_s", f"log {n} runs, one after another", logged["total_s"], "s", 2),
        Figure("run_init_ms", "init() per run (median)", logged["init_ms"], "ms"),
        Figure("run_finish_ms", "finish() per run (median)", logged["finish_ms"], "ms"),
        Figure("table_ms", f"{n} runs: count + first page", few_q["table_ms"], "ms"),
        Figure("filter_sort_table_ms", f"{n} runs: filter+sort, count + first page",
               few_q["filter_sort_table_ms"], "ms"),
        Figure("list_all_ms", f"{n} runs: list all", few_q["list_all_ms"], "ms"),
        Figure("many_filter_sort_table_ms", f"{big} runs: filter+sort, count + page",
               many_q["filter_sort_table_ms"], "ms", 100),
        Figure("many_table_ms", f"{big} runs: count + first page", many_q["table_ms"], "ms"),
        Figure("many_filter_sort_all_ms", f"{big} runs: filter+sort, list all matching",
               many_q["filter_sort_all_ms"], "ms"),
        Figure("many_list_all_ms", f"{big} runs: list all", many_q["list_all_ms"], "ms"),
        Figure("apply_runs_per_s", "apply_records: runs stored/s", created["runs_per_s"],
               "runs/s", better="higher"),
    )
    result.details = {"logged": logged, "queries": few_q, "created": created,
                      "many_queries": many_q, "filters": FILTERS, "order": ORDER}
    if few_q["list_all_count"] != sizes["runs"] or many_q["list_all_count"] != sizes["many_runs"]:
        result.details["warning"] = "the store lists a different number of runs than created"
    return result
