"""W4: read back one metric's 100,000-point history through the public API, a 2,000-bucket
envelope of it, and what the history costs on disk.

One process logs the run (``log_history``); a fresh one reads it (``read_history``):
``Api().run(path).series("m0")`` (numpy columns), ``scan_history(keys=["m0"])`` (rows),
``envelope("m0", 2000)`` and ``history(samples=500)``, each repeated (median). The first
read in that process, from ``Api()`` to the first ``series``, is reported on its own: it
pays for opening the store and the lazy imports.

Bytes per point: ``cairn.db`` plus its ``-wal`` file after ``finish()``, divided by
steps x metrics, for the realistic mix of ``curves.py`` and, separately, for all values
float32-derived and for full-precision noise. The store also holds ``_timestamp`` and
``_runtime`` on every row and an envelope per chunk; the breakdown in the details says how
much of the file each part is.
"""

from __future__ import annotations

import os
import sqlite3
import time
from pathlib import Path
from typing import Any

from bench.context import BenchContext
from bench.curves import PRECISIONS, TrainingCurves
from bench.figures import Figure, WorkloadResult, median

TITLE = "read-back of one metric's history; envelope; bytes on disk per point"
SIZES = {"full": {"steps": 100_000, "metrics": 10, "reps": 15, "scan_reps": 5,
                  "buckets": 2000},
         "quick": {"steps": 1_000, "metrics": 10, "reps": 2, "scan_reps": 1,
                   "buckets": 2000}}


def _file_size(path: Path) -> int:
    try:
        return path.stat().st_size
    except OSError:
        return 0


def _breakdown(db: Path) -> dict[str, Any]:
    """Bytes of compressed point data and envelopes per series group (store internals:
    diagnostic only, empty if the schema has moved on)."""
    try:
        conn = sqlite3.connect(f"file:{db}?mode=ro", uri=True)
        try:
            rows = conn.execute(
                "SELECT series.key, count(*), sum(chunks.n), sum(length(chunks.data)), "
                "sum(length(chunks.envelope)) FROM chunks JOIN series ON series.id = "
                "chunks.series GROUP BY series.key").fetchall()
            pages = conn.execute("PRAGMA page_count").fetchone()[0]
            free = conn.execute("PRAGMA freelist_count").fetchone()[0]
            page_size = conn.execute("PRAGMA page_size").fetchone()[0]
        finally:
            conn.close()
    except sqlite3.Error as exc:
        return {"error": str(exc)}
    out: dict[str, Any] = {"page_size": page_size, "pages": pages, "free_pages": free}
    metric_rows = [r for r in rows if not r[0].startswith("_")]
    stamp_rows = [r for r in rows if r[0].startswith("_")]
    points = sum(r[2] for r in metric_rows) or 1
    out["chunks"] = sum(r[1] for r in rows)
    out["metric_data_bytes_per_point"] = sum(r[3] for r in metric_rows) / points
    out["metric_envelope_bytes_per_point"] = sum(r[4] for r in metric_rows) / points
    out["stamp_bytes_per_point"] = sum(r[3] + r[4] for r in stamp_rows) / points
    out["per_key_data_bytes_per_point"] = {r[0]: r[3] / max(1, r[2]) for r in rows}
    return out


def log_history(steps: int, metrics: int, precision: str) -> dict[str, Any]:
    """Log one run of ``steps`` rows; report its size on disk."""
    import cairn

    curves = TrainingCurves(steps, metrics, precision)
    run = cairn.init(project="bench-w4", config={"precision": precision})
    for s in range(steps):
        run.log(curves.row(s))
    run.finish()
    from cairn.sinks.handoffs import wait_for_handoffs

    wait_for_handoffs()  # finish() returns at the WAL; the store is measured once applied
    root = Path(os.environ["CAIRN_DIR"])
    db = root / "cairn.db"
    db_bytes = _file_size(db)
    wal_bytes = _file_size(root / "cairn.db-wal")
    run_wal = sum(_file_size(p) for p in root.glob("runs/*/run-*.cairn"))
    points = steps * metrics
    return {"path": run.path, "db_bytes": db_bytes, "db_wal_bytes": wal_bytes,
            "run_wal_bytes": run_wal,
            # measured on the embedded store only (None on a database backend)
            "bytes_per_point": (db_bytes + wal_bytes) / points if db_bytes else None,
            "run_wal_bytes_per_point": run_wal / points,
            "breakdown": _breakdown(db) if db_bytes else {}}


def _timed(reps: int, func: Any) -> tuple[float, Any]:
    times, value = [], None
    for _ in range(reps):
        t0 = time.perf_counter()
        value = func()
        times.append(time.perf_counter() - t0)
    return median(times) * 1000, value


def read_history(path: str, key: str, reps: int, scan_reps: int,
                 buckets: int) -> dict[str, Any]:
    """Time the public read API on the run at ``path`` (in a fresh process)."""
    import cairn

    t0 = time.perf_counter()
    run = cairn.Api().run(path)
    run.series(key)
    first_ms = (time.perf_counter() - t0) * 1000
    series_ms, (steps, _) = _timed(reps, lambda: run.series(key))
    scan_ms, rows = _timed(scan_reps, lambda: sum(1 for _ in run.scan_history(keys=[key])))
    envelope_ms, env = _timed(reps, lambda: run.envelope(key, buckets))
    history_ms, sample = _timed(scan_reps, lambda: run.history(samples=500, keys=[key],
                                                                 pandas=False))
    return {"first_read_ms": first_ms, "series_ms": series_ms, "scan_history_ms": scan_ms,
            "envelope_ms": envelope_ms, "history_ms": history_ms,
            "points": int(steps.size), "scanned_rows": rows, "envelope_groups": env.size,
            "history_rows": len(sample)}


def run(ctx: BenchContext, sizes: dict[str, Any]) -> WorkloadResult:
    result = WorkloadResult("W4", TITLE, sizes)
    logged: dict[str, dict[str, Any]] = {}
    read: dict[str, Any] = {}
    for precision in PRECISIONS:
        store = ctx.store(f"w4-{precision}")
        logged[precision] = ctx.child(
            "bench.w4_readback:log_history",
            {"steps": sizes["steps"], "metrics": sizes["metrics"], "precision": precision},
            "w4", store=store)
        if precision == "mixed":
            read = ctx.child("bench.w4_readback:read_history",
                             {"path": logged[precision]["path"], "key": "m0",
                              "reps": sizes["reps"], "scan_reps": sizes["scan_reps"],
                              "buckets": sizes["buckets"]}, "w4", store=store)
    result.add(
        "cairn",
        Figure("series_ms", "series('m0'): numpy columns", read["series_ms"], "ms", 20),
        Figure("scan_history_ms", "scan_history(keys=['m0']): rows", read["scan_history_ms"],
               "ms"),
        Figure("envelope_ms", f"envelope('m0', {sizes['buckets']})", read["envelope_ms"], "ms",
               10),
        Figure("history_ms", "history(samples=500, keys=['m0'])", read["history_ms"], "ms"),
        Figure("first_read_ms", "first read: Api() → run → series", read["first_read_ms"],
               "ms"),
        Figure("bytes_per_point", "bytes/point on disk (realistic mix)",
               logged["mixed"]["bytes_per_point"], "B", 8),
        Figure("bytes_per_point_float32", "bytes/point, all float32-derived",
               logged["float32"]["bytes_per_point"], "B"),
        Figure("bytes_per_point_noise", "bytes/point, float64 noise",
               logged["noise"]["bytes_per_point"], "B"),
        Figure("run_wal_bytes_per_point", "run WAL bytes/point (kept on disk too)",
               logged["mixed"]["run_wal_bytes_per_point"], "B"),
    )
    result.details = {"read": read, "logged": logged}
    if read["points"] != sizes["steps"] or read["scanned_rows"] != sizes["steps"]:
        result.details["warning"] = "read back fewer points than were logged"
    return result
