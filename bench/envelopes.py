"""envelopes: applying history into the store, and chart envelopes served by ``cairn ui``,
on whichever backend ``--backend`` names (compare ``--backend sqlite`` with
``--backend postgresql``).

1. A WAL of ``wal_steps`` x ``wal_metrics`` logged offline (plus ``_timestamp`` and
   ``_runtime`` on every row), applied with ``cairn.wal.replay`` (what ``cairn sync``
   runs): points/s, counting every stored point.
2. ``runs`` runs of one ``points``-point series written with ``apply_records`` in records
   of 100,000 points: points/s.
3. ``cairn ui`` started on that store in a fresh process, then over one keep-alive HTTP
   connection: the first envelope request for all the runs at ``buckets`` buckets (the
   server's caches empty), the same request repeated (answered from the server's cache of
   encoded answers), requests with a new bucket count each (uncached answers; the store's
   chunk indexes and decoded chunks warm), and a zoom to the middle half (uncached). Each
   as in W6, without the browser.
"""

from __future__ import annotations

import os
import time
from pathlib import Path
from typing import Any

from bench.context import BenchContext
from bench.curves import TrainingCurves
from bench.figures import Figure, WorkloadResult, median

TITLE = "history into the store (WAL replay, apply_records); envelopes served by cairn ui"
SIZES = {"full": {"wal_steps": 100_000, "wal_metrics": 10, "runs": 100,
                  "points": 1_000_000, "buckets": 800, "reps": 5},
         "quick": {"wal_steps": 1_000, "wal_metrics": 10, "runs": 3, "points": 20_000,
                   "buckets": 800, "reps": 1}}
ENTITY = "bench"
PROJECT = "bench-envelopes"
KEY = "loss"
PER_RECORD = 100_000


def log_wal(steps: int, metrics: int) -> dict[str, Any]:
    """Log one run offline: its records stay in its WAL."""
    import cairn

    curves = TrainingCurves(steps, metrics)
    run = cairn.init(entity=ENTITY, project="bench-wal", mode="offline")
    for s in range(steps):
        run.log(curves.row(s))
    run.finish()
    return {"wal": str(run.wal_path), "points": steps * (metrics + 2)}


def apply_wal(wal: str, points: int) -> dict[str, Any]:
    """Apply the WAL to the measurement's store (``cairn sync``'s replay), timed."""
    from cairn.backend import open_backend
    from cairn.wal.replay import replay

    backend = open_backend()
    store = backend.store
    store.list_projects()  # opened (and migrated) before timing
    t0 = time.perf_counter()
    results = replay([Path(wal)], store)
    elapsed = time.perf_counter() - t0
    backend.close()
    return {"seconds": elapsed, "points_per_s": points / elapsed,
            "records": sum(r.applied for r in results)}


def build_series(runs: int, points: int) -> dict[str, Any]:
    """``runs`` finished runs of one ``points``-point series, with ``apply_records``."""
    import numpy as np

    from cairn.backend import open_backend
    from cairn.records import Record, RunRef

    backend = open_backend()
    store = backend.store
    store.list_projects()
    rng = np.random.default_rng(5)
    steps = np.arange(points, dtype="<i8")
    start = time.time() - 3600
    applied, spent = 0, 0.0
    for r in range(runs):
        ref = RunRef(ENTITY, PROJECT, f"r{r:07d}")
        values = np.cumsum(rng.normal(size=points)) * 1e-3 + 1.0 + r
        records = [Record(ref, "s1", 1, "run", {"name": f"run-{r}", "start_time": start,
                                                "host": "bench", "pid": 1, "at": start})]
        for at in range(0, points, PER_RECORD):
            s, v = steps[at:at + PER_RECORD], values[at:at + PER_RECORD].astype("<f8")
            records.append(Record(ref, "s1", len(records) + 1, "history", {
                "num": {KEY: [s.tobytes(), v.tobytes(), "f"]}, "obj": {},
                "last_step": int(s[-1]), "rows": int(s.size), "at": start + 1}))
        records.append(Record(ref, "s1", len(records) + 1, "finish",
                              {"exit_code": 0, "state": "finished", "at": start + 2}))
        t0 = time.perf_counter()
        store.apply_records(records)
        spent += time.perf_counter() - t0
        applied += points
    backend.close()
    return {"seconds": spent, "points_per_s": applied / spent}


def _body(runs: int, buckets: int, lo: int | None = None,
          hi: int | None = None) -> dict[str, Any]:
    return {"runs": [f"r{i:07d}" for i in range(runs)], "keys": [KEY], "buckets": buckets,
            "x": "_step", "min": lo, "max": hi}


def serve(runs: int, points: int, buckets: int, reps: int) -> dict[str, Any]:
    """Envelope requests to a freshly started ``cairn ui`` on the measurement's store."""
    import json

    from bench import ui_driver

    path = f"/api/v1/projects/{ENTITY}/{PROJECT}/envelopes"
    lo, hi = points // 4, points // 4 * 3 - 1
    out: dict[str, Any] = {}
    with ui_driver.ui_server(Path(os.environ["CAIRN_DIR"]),
                             os.environ.get("CAIRN_STORE")) as server:
        out["server_start_s"] = server.start_s
        client = ui_driver.Client(server)
        ms, status, payload = client.timed("POST", path, _body(runs, buckets))
        series = json.loads(payload)["series"] if status == 200 else []
        out["first_ms"], out["status"], out["bytes"] = ms, status, len(payload)
        out["complete"] = len(series) == runs and all(len(s["min"]) for s in series)
        out["repeat_ms"] = median([client.timed("POST", path, _body(runs, buckets))[0]
                                   for _ in range(reps)])
        out["uncached_ms"] = median([
            client.timed("POST", path, _body(runs, buckets + 1 + i))[0] for i in range(reps)])
        out["zoom_uncached_ms"] = median([
            client.timed("POST", path, _body(runs, buckets + 1 + i, lo, hi))[0]
            for i in range(reps)])
        client.close()
    return out


def run(ctx: BenchContext, sizes: dict[str, Any]) -> WorkloadResult:
    result = WorkloadResult("envelopes", TITLE, sizes)
    wal_folder = ctx.store("envelopes-wal")
    logged = ctx.child("bench.envelopes:log_wal", {"steps": sizes["wal_steps"],
                                                   "metrics": sizes["wal_metrics"]},
                       "envelopes", store=wal_folder)
    applied = ctx.child("bench.envelopes:apply_wal", logged, "envelopes")
    store = ctx.store("envelopes-series")
    runs, points = sizes["runs"], sizes["points"]
    built = ctx.child("bench.envelopes:build_series", {"runs": runs, "points": points},
                      "envelopes", store=store)
    served = ctx.child("bench.envelopes:serve", {"runs": runs, "points": points,
                                                  "buckets": sizes["buckets"],
                                                  "reps": sizes["reps"]},
                       "envelopes", store=store)
    wal_points = f"{logged['points']:,}"
    shape = f"{runs} x {points:,}"
    result.add(
        "cairn",
        Figure("wal_apply_points_per_s", f"replay a {wal_points}-point WAL: points/s",
               applied["points_per_s"], "pts/s", 500_000, better="higher"),
        Figure("apply_points_per_s", f"apply_records {shape} points: points/s",
               built["points_per_s"], "pts/s", better="higher"),
        Figure("server_start_s", "cairn ui started and answering", served["server_start_s"],
               "s"),
        Figure("first_ms", f"{shape}: first envelope after the start", served["first_ms"],
               "ms"),
        Figure("uncached_ms", f"{shape}: envelope, uncached (median)",
               served["uncached_ms"], "ms", 150),
        Figure("repeat_ms", f"{shape}: envelope, repeated (median)", served["repeat_ms"],
               "ms"),
        Figure("zoom_uncached_ms", f"{shape}: zoom to half, uncached (median)",
               served["zoom_uncached_ms"], "ms", 150),
    )
    result.details = {"logged": logged, "applied": applied, "built": built, "served": served,
                      "backend": ctx.backend.name}
    if not served["complete"]:
        result.details["warning"] = "the envelope answer lacks series (see served.status)"
    return result
