"""viewers: many people looking at one project while runs log into it, against a server
from before reads had their own connections and against this one, in one run.

A dataset of finished runs (``bench/datasets.py``, cached like W6's) is copied into a
fresh folder for each server, where ``live`` processes log 10 metrics at 50 steps a
second. ``cairn ui`` serves that copy (its own process); meanwhile ``viewers`` threads
each loop: the runs table (``GET .../runs?limit=100``), then one chart request
(``POST .../envelopes``: 10 runs, picked at random, live ones included, x 10 metrics x
800 buckets, half of them zoomed to a random range, packed as the app asks), then a pause of up to
``think_s``. ``streams`` threads hold the project's event stream open, following the
live runs' ``train/loss``. After ``seconds`` the loggers finish; once the streams have
had ``settle_s`` to catch up, every logged step must be in the store and in every stream.

Figures, for each server: envelope and runs-list p50/p99 (ms), requests answered, and
points lost: steps of a live run not in the store once its process has finished (a
``finish()`` that cannot apply everything in time leaves the rest in the run's WAL for
``cairn sync``, so these are late rather than gone), and steps the store holds that a
stream did not send, counted from the first step it sent. "Before" is
the source tree of the commit before ``store/deadline.py`` was added (``git archive``),
run with the same Python; set ``BENCH_VIEWERS_BEFORE`` to another commit, or to ``none``
to measure only this tree. The bench process itself drives the load, so on a small
machine it takes CPU from the server: compare the two servers, not absolute times.
"""

from __future__ import annotations

import http.client
import json
import os
import random
import shutil
import subprocess
import sys
import threading
import time
from pathlib import Path
from typing import Any

from bench.child import REPO_ROOT, child_env
from bench.context import BenchContext
from bench.datasets import ENTITY, DatasetSpec, ensure
from bench.figures import Figure, WorkloadResult, median, percentile

TITLE = "concurrent viewers and live streams while runs log"
SIZES = {
    "full": {"runs": 200, "metrics": 10, "steps": 10_000, "viewers": 16, "streams": 20,
             "live": 4, "seconds": 20.0, "think_s": 0.5, "settle_s": 4.0},
    "quick": {"runs": 6, "metrics": 10, "steps": 300, "viewers": 2, "streams": 2,
              "live": 1, "seconds": 3.0, "think_s": 0.2, "settle_s": 3.0},
}
PROJECT = "viewers"
PACKED_ACCEPT = "application/vnd.cairn.envelopes, application/json;q=0.5"
LIVE_KEY = "train/loss"


# ---- the logging processes -----------------------------------------------------------

_LOGGER = """
import math, select, sys, time
import cairn

run = cairn.init(entity=sys.argv[1], project=sys.argv[2], name="live")
print("BENCH ready", run.id, flush=True)
keys = ["train/loss"] + [f"live/m{k}" for k in range(9)]
step = 0
while not select.select([sys.stdin], [], [], 0)[0]:
    run.log({key: math.exp(-step / 2000) + k for k, key in enumerate(keys)})
    step += 1
    time.sleep(0.02)
run.finish()
print("BENCH steps", step, flush=True)
"""


class Logger:
    def __init__(self, folder: Path, env: dict[str, str]) -> None:
        self.proc = subprocess.Popen(
            [sys.executable, "-P", "-c", _LOGGER, ENTITY, PROJECT], env=env,
            cwd=folder, stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
        self.run_id = ""

    def ready(self) -> str:
        self.run_id = self._line("BENCH ready")
        return self.run_id

    def _line(self, prefix: str) -> str:
        assert self.proc.stdout is not None
        for line in self.proc.stdout:
            if line.startswith(prefix):
                return line[len(prefix):].strip()
        raise RuntimeError(f"a logging process ended (exit {self.proc.wait()})")

    def stop(self) -> None:
        assert self.proc.stdin is not None
        self.proc.stdin.write("finish\n")
        self.proc.stdin.flush()

    def finish(self) -> int:
        """Logged steps, once ``finish()`` returned (after ``stop``)."""
        steps = int(self._line("BENCH steps"))
        self.proc.wait(60)
        return steps


# ---- the load ------------------------------------------------------------------------

class Load:
    """Viewer and stream threads against one server; their timings and what they saw."""

    def __init__(self, host: str, port: int, run_ids: list[str], live_ids: list[str],
                 keys: list[str], steps: int, sizes: dict[str, Any]) -> None:
        self.host, self.port = host, port
        self.run_ids, self.live_ids, self.keys = run_ids, live_ids, keys
        self.steps = steps
        self.sizes = sizes
        self.stop = threading.Event()
        self.runs_ms: list[float] = []
        self.envelope_ms: list[float] = []
        self.failures: list[str] = []
        self.seen: list[dict[str, set[int]]] = []
        self.resets = 0
        self._streams: list[http.client.HTTPConnection] = []
        self._lock = threading.Lock()

    def _timed(self, conn: http.client.HTTPConnection, method: str, path: str,
               body: Any = None) -> float:
        data = None if body is None else json.dumps(body).encode()
        # Chart reads ask for the packed answer, as the app does (a server that does not
        # pack answers JSON).
        headers = {"Content-Type": "application/json", "Accept": PACKED_ACCEPT
                   } if data is not None else {}
        t0 = time.perf_counter()
        conn.request(method, path, body=data, headers=headers)
        response = conn.getresponse()
        payload = response.read()
        ms = (time.perf_counter() - t0) * 1000
        if response.status != 200:
            with self._lock:
                self.failures.append(f"{method} {path[:80]}: {response.status} "
                                     f"{payload[:200]!r}")
        return ms

    def viewer(self, seed: int) -> None:
        rng = random.Random(seed)
        conn = http.client.HTTPConnection(self.host, self.port, timeout=120)
        base = f"/api/v1/projects/{ENTITY}/{PROJECT}"
        try:
            while not self.stop.is_set():
                ms = self._timed(conn, "GET", f"{base}/runs?limit=100&order=-created_at")
                picked = rng.sample(self.run_ids, min(9, len(self.run_ids)))
                picked.append(rng.choice(self.live_ids))
                body: dict[str, Any] = {"runs": picked, "keys": self.keys, "buckets": 800}
                if rng.random() < 0.5:
                    lo = rng.randrange(0, max(1, self.steps // 2))
                    body.update({"min": lo, "max": lo + rng.randrange(1, self.steps // 2 + 2)})
                env_ms = self._timed(conn, "POST", f"{base}/envelopes", body)
                with self._lock:
                    self.runs_ms.append(ms)
                    self.envelope_ms.append(env_ms)
                self.stop.wait(rng.uniform(0, self.sizes["think_s"]))
        except OSError as exc:
            with self._lock:
                self.failures.append(f"viewer: {exc}")
        finally:
            conn.close()

    def stream(self) -> None:
        seen: dict[str, set[int]] = {run: set() for run in self.live_ids}
        with self._lock:
            self.seen.append(seen)
        conn = http.client.HTTPConnection(self.host, self.port, timeout=120)
        with self._lock:
            self._streams.append(conn)
        path = (f"/api/v1/projects/{ENTITY}/{PROJECT}/events?runs={','.join(self.live_ids)}"
                f"&keys={LIVE_KEY}")
        try:
            conn.request("GET", path)
            response = conn.getresponse()
            event = ""
            for raw in response:
                line = raw.decode().rstrip("\n")
                if line.startswith("event: "):
                    event = line[7:]
                elif line.startswith("data: ") and event == "reset":
                    with self._lock:
                        self.resets += 1
                elif line.startswith("data: ") and event == "points":
                    data = json.loads(line[6:])
                    if data["key"] == LIVE_KEY and data["run"] in seen:
                        seen[data["run"]].update(int(s) for s in data["steps"])
        except (OSError, ValueError, AttributeError):
            pass  # closed at the end
        finally:
            conn.close()

    def close_streams(self) -> None:
        with self._lock:
            for conn in self._streams:
                if conn.sock is not None:
                    conn.sock.shutdown(2)


def _phase(label: str, src: Path | None, data_root: Path, ctx: BenchContext,
           spec: DatasetSpec, sizes: dict[str, Any]) -> dict[str, Any]:
    """Copy the dataset, start the server (``src``: another source tree), log and load."""
    from bench.ui_driver import UiServer

    folder = ctx.store(f"viewers-{label}")
    root = folder / "cairn"
    shutil.copytree(data_root, root)
    env = child_env(folder)
    if src is not None:
        env["PYTHONPATH"] = str(src)
    # The loggers run the server's cairn too: a newer one would migrate the store past
    # what the server reads.
    loggers = [Logger(folder, env) for _ in range(sizes["live"])]  # all start at once
    live_ids = [lg.ready() for lg in loggers]
    server = UiServer(root, env=env)
    try:
        run_ids = [f"r{i:07d}" for i in range(spec.runs)]
        load = Load(server.host, server.port, run_ids, live_ids, spec.keys, spec.steps, sizes)
        threads = [threading.Thread(target=load.stream, daemon=True)
                   for _ in range(sizes["streams"])]
        threads += [threading.Thread(target=load.viewer, args=(i,), daemon=True)
                    for i in range(sizes["viewers"])]
        for thread in threads:
            thread.start()
        time.sleep(sizes["seconds"])
        load.stop.set()
        for lg in loggers:
            lg.stop()
        logged = {lg.run_id: lg.finish() for lg in loggers}
        # What the streams owe: what the store held settle_s before they close.
        stored = _stored(root, live_ids)
        time.sleep(sizes["settle_s"])
        load.close_streams()
        for thread in threads:
            thread.join(30)
    finally:
        server.stop()
    lost_store = sum(max(0, logged[r] - stored[r]) for r in live_ids)
    # A stream sends what reaches the store after it opened (the page reads the rest as
    # envelopes): from the first step it saw, every step the store holds is due.
    lost_streams = sum(len(set(range(min(seen[r]), stored[r])) - seen[r]) if seen[r]
                       else stored[r] for seen in load.seen for r in live_ids)
    return {
        "envelope_ms": {"p50": median(load.envelope_ms) if load.envelope_ms else None,
                        "p99": percentile(load.envelope_ms, 99) if load.envelope_ms else None,
                        "count": len(load.envelope_ms)},
        "runs_ms": {"p50": median(load.runs_ms) if load.runs_ms else None,
                    "p99": percentile(load.runs_ms, 99) if load.runs_ms else None,
                    "count": len(load.runs_ms)},
        "logged_steps": logged, "stored_steps": stored, "lost_in_store": lost_store,
        "lost_in_streams": lost_streams, "stream_resets": load.resets,
        "failures": load.failures[:20], "failure_count": len(load.failures),
    }


def _stored(root: Path, run_ids: list[str]) -> dict[str, int]:
    """The points of ``train/loss`` the store holds for each run."""
    from cairn.records import RunRef
    from cairn.store.sqlite import SqliteStore

    store = SqliteStore(root / "cairn.db")
    try:
        stored = {}
        for run_id in run_ids:
            row = store.get_run(RunRef(ENTITY, PROJECT, run_id))
            infos = {} if row is None else {s.key: s.count for s in store.list_series(row.pk)}
            stored[run_id] = infos.get(LIVE_KEY, 0)
        return stored
    finally:
        store.close()


def before_tree(ctx: BenchContext, variable: str = "BENCH_VIEWERS_BEFORE",
                added: str = "src/cairn/store/deadline.py") -> tuple[Path | None, str]:
    """The ``src`` folder of the commit to compare with, extracted (``$variable``, else the
    parent of the commit that added ``added``); None to skip."""
    wanted = os.environ.get(variable, "")
    if wanted.lower() == "none":
        return None, f"{variable}=none"

    def git(*args: str) -> str:
        return subprocess.run(["git", *args], cwd=REPO_ROOT, capture_output=True, text=True,
                              check=True).stdout.strip()

    if not wanted:
        commits = git("log", "--diff-filter=A", "--format=%H", "--", added).splitlines()
        if not commits:
            return None, f"{added} is not committed yet"
        wanted = commits[-1] + "^"
    commit = git("rev-parse", "--verify", wanted)
    folder = ctx.store("viewers-before-src")
    archive = subprocess.run(["git", "archive", commit, "src"], cwd=REPO_ROOT,
                             capture_output=True, check=True).stdout
    subprocess.run(["tar", "-x", "-C", str(folder)], input=archive, check=True)
    from cairn.server.static import default_ui_dir

    dist = folder / "src" / "cairn" / "ui" / "dist"
    if not dist.exists() and default_ui_dir().is_dir():
        dist.symlink_to(default_ui_dir(), target_is_directory=True)
    return folder / "src", commit[:10]


def run(ctx: BenchContext, sizes: dict[str, Any]) -> WorkloadResult:
    result = WorkloadResult("viewers", TITLE, sizes)
    spec = DatasetSpec("viewers", PROJECT, sizes["runs"], sizes["steps"], sizes["metrics"])
    data = ensure(ctx, [spec], cache=not ctx.quick)[spec.name]
    before_src, before = (None, "quick sizes: the comparison runs at full size only"
                          ) if ctx.quick else before_tree(ctx)
    phases: dict[str, dict[str, Any]] = {}
    if before_src is not None:
        try:
            phases[f"before ({before})"] = _phase("before", before_src, data.root, ctx, spec,
                                                  sizes)
        except (OSError, RuntimeError) as exc:  # e.g. a store newer than that tree reads
            result.skipped["before"] = f"the server of {before} did not serve: {exc}"
    else:
        result.skipped["before"] = before
    phases["cairn"] = _phase("after", None, data.root, ctx, spec, sizes)
    for name, got in phases.items():
        result.add(name,
                   Figure("envelope_p99", "envelope p99", got["envelope_ms"]["p99"], "ms", 300),
                   Figure("envelope_p50", "envelope p50", got["envelope_ms"]["p50"], "ms"),
                   Figure("runs_p99", "runs list p99", got["runs_ms"]["p99"], "ms", 150),
                   Figure("runs_p50", "runs list p50", got["runs_ms"]["p50"], "ms"),
                   Figure("requests", "chart + table requests answered",
                          float(got["envelope_ms"]["count"] + got["runs_ms"]["count"]),
                          "", better="higher"),
                   Figure("lost", "points lost (store + streams)",
                          float(got["lost_in_store"] + got["lost_in_streams"]), "", 0))
    result.details = {"phases": phases, "dataset": {"spec": spec.as_json(),
                                                    "cached": data.cached,
                                                    "build_s": data.build_s}}
    return result
