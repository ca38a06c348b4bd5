"""regex: one catastrophic ``$regex`` filter, and what the server's other requests see
meanwhile; before RE2 and now, in one run.

A store of ``runs`` finished runs, one of them named ``"a" * 27 + "!"``, is served by
``cairn ui`` (its own process). A thread asks for the project list back to back the whole
time; the workload first times that alone (baseline), then sends ``{"name": {"$regex":
"(a+)+$"}}`` (which backtracks exponentially in Python's ``re`` on that name) ``reps``
times and reports its answer time (loopback, so about the server's time) and the slowest
project-list answer while it ran. "Before" is the source tree of the commit before
``store/filters.py`` was added (``BENCH_REGEX_BEFORE``: another commit, or ``none``).
"""

from __future__ import annotations

import http.client
import json
import threading
import time
import urllib.parse
from pathlib import Path
from typing import Any

from bench.child import child_env
from bench.context import BenchContext
from bench.figures import Figure, WorkloadResult, median
from bench.viewers import before_tree

TITLE = "a catastrophic $regex filter, and the other requests meanwhile"
SIZES = {"full": {"runs": 200, "reps": 3, "baseline_s": 2.0},
         "quick": {"runs": 20, "reps": 1, "baseline_s": 0.5}}
ENTITY, PROJECT = "bench", "regex"
EVIL = "a" * 27 + "!"


def _build(root: Path, runs: int) -> None:
    from cairn.records import Record, RunRef
    from cairn.store.sqlite import SqliteStore

    store = SqliteStore(root / "cairn.db")
    try:
        records = []
        for i in range(runs):
            ref = RunRef(ENTITY, PROJECT, f"r{i:05d}")
            start = 1.7e9 + i
            records += [
                Record(ref, "s", 1, "run", {
                    "name": EVIL if i == 0 else f"run-{i}", "notes": "", "tags": [],
                    "group": None, "job_type": None, "start_time": start, "host": "bench",
                    "pid": 1, "mode": "local", "resumed": False, "starting_step": 0,
                    "at": start}),
                Record(ref, "s", 2, "finish", {"exit_code": 0, "state": "finished",
                                               "at": start + 1})]
        store.apply_records(records)
    finally:
        store.close()


class _Other:
    """Project lists back to back on one connection; each answer's time."""

    def __init__(self, host: str, port: int) -> None:
        self.conn = http.client.HTTPConnection(host, port, timeout=300)
        self.times: list[tuple[float, float]] = []
        self.stop = threading.Event()
        self.thread = threading.Thread(target=self._loop, daemon=True)

    def _loop(self) -> None:
        while not self.stop.is_set():
            t0 = time.perf_counter()
            self.conn.request("GET", "/api/v1/projects")
            self.conn.getresponse().read()
            self.times.append((t0, time.perf_counter()))

    def worst_between(self, a: float, b: float) -> float | None:
        """The longest answer that overlapped [a, b], in ms."""
        found = [(end - start) * 1000 for start, end in self.times if start < b and end > a]
        return max(found) if found else None


def _measure(root: Path, env: dict[str, str], sizes: dict[str, Any]) -> dict[str, Any]:
    from bench.ui_driver import UiServer

    server = UiServer(root, env=env)
    other = _Other(server.host, server.port)
    try:
        other.thread.start()
        time.sleep(sizes["baseline_s"])
        base = [(e - s) * 1000 for s, e in other.times]
        conn = http.client.HTTPConnection(server.host, server.port, timeout=300)
        query = urllib.parse.urlencode({"filters": json.dumps({"name": {"$regex": "(a+)+$"}})})
        regex_ms, worst, found = [], [], None
        for _ in range(sizes["reps"]):
            t0 = time.perf_counter()
            conn.request("GET", f"/api/v1/projects/{ENTITY}/{PROJECT}/runs?{query}")
            response = conn.getresponse()
            body = json.loads(response.read())
            t1 = time.perf_counter()
            found = (response.status, body.get("total"))
            regex_ms.append((t1 - t0) * 1000)
            time.sleep(0.2)
            worst.append(other.worst_between(t0, t1))
        conn.close()
    finally:
        other.stop.set()
        other.thread.join(300)
        server.stop()
    return {"regex_ms": regex_ms, "others_worst_ms": worst,
            "baseline_p50_ms": median(base) if base else None,
            "baseline_max_ms": max(base) if base else None, "answer": found}


def run(ctx: BenchContext, sizes: dict[str, Any]) -> WorkloadResult:
    result = WorkloadResult("regex", TITLE, sizes)
    folder = ctx.store("regex")
    root = folder / "cairn"
    root.mkdir()
    _build(root, sizes["runs"])
    trees: dict[str, Path | None] = {}
    before_src, before = (None, "quick sizes: the comparison runs at full size only"
                          ) if ctx.quick else before_tree(ctx, "BENCH_REGEX_BEFORE",
                                                          "src/cairn/store/filters.py")
    if before_src is not None:
        trees[f"before ({before})"] = before_src
    else:
        result.skipped["before"] = before
    trees["cairn"] = None
    measured = {}
    for name, src in trees.items():
        env = child_env(folder)
        if src is not None:
            env["PYTHONPATH"] = str(src)
        try:
            got = _measure(root, env, sizes)
        except (OSError, RuntimeError) as exc:  # e.g. a store newer than that tree reads
            if src is None:
                raise
            result.skipped["before"] = f"the server of {before} did not serve: {exc}"
            continue
        measured[name] = got
        worst = [w for w in got["others_worst_ms"] if w is not None]
        result.add(name,
                   Figure("regex_ms", "catastrophic $regex answered", median(got["regex_ms"]),
                          "ms", 100),
                   Figure("others_worst_ms", "slowest other request meanwhile",
                          max(worst) if worst else None, "ms"),
                   Figure("baseline_p50_ms", "other request alone (p50)",
                          got["baseline_p50_ms"], "ms"))
    result.details = measured
    return result
