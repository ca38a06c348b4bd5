"""flood-kill: ``kill -9`` of a process that calls ``log()`` in a tight loop; how old the
oldest point missing from the WAL was (goal: nothing older than ``wal_interval`` + 50 ms).

The flooding child logs 10 metrics a step and, after each ``log()`` returns, stores the
monotonic time of that step in a file shared through ``mmap`` (a page-cache write, so it
survives the kill). It is killed with SIGKILL at a random moment; its WAL is then read and
compared with those times: a step is "due" when ``log()`` had returned more than the bound
before the kill, "lost" when it is not in the WAL. ``oldest_lost_ms`` is the age at the
kill of the oldest step not in the WAL (0 when all are there); the flood's rate is the
steps logged per second of logging.
"""

from __future__ import annotations

import random
import signal
import subprocess
import sys
import time
from array import array
from pathlib import Path
from typing import Any

from bench.child import REPO_ROOT, child_env
from bench.context import BenchContext
from bench.figures import Figure, WorkloadResult, median

TITLE = "kill -9 in a log() flood: points missing from the WAL"
SIZES = {"full": {"kills": 10, "after_s": [1.0, 2.0], "slots": 8_000_000},
         "quick": {"kills": 1, "after_s": [0.3, 0.5], "slots": 2_000_000}}
MARGIN_S = 0.05
"""The promise: a point older than ``wal_interval`` + this at the kill is in the WAL."""

_FLOOD = """
import mmap, os, sys, time
import cairn

shared, slots = sys.argv[1], int(sys.argv[2])
fd = os.open(shared, os.O_RDWR)
times = memoryview(mmap.mmap(fd, slots * 8)).cast("d")
run = cairn.init(project="bench-flood-kill")
print(run.wal_path, run.settings.wal_interval, flush=True)
log, now = run.log, time.monotonic
keys = [f"m{k}" for k in range(10)]
for step in range(slots):
    log({key: step * 0.001 + k for k, key in enumerate(keys)})
    times[step] = now()
"""


def one_kill(store: Path, after_s: float, slots: int) -> dict[str, Any]:
    """Start a flooding process, kill it ``after_s`` seconds into its loop, compare."""
    from cairn.records import decode_history
    from cairn.wal.reader import WalReader

    shared = store / "times"
    with shared.open("wb") as fh:
        fh.truncate(slots * 8)
    proc = subprocess.Popen([sys.executable, "-P", "-c", _FLOOD, str(shared), str(slots)],
                            env=child_env(store), cwd=store, stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True)
    assert proc.stdout is not None
    wal_path, interval = proc.stdout.readline().split()
    started = time.monotonic()
    time.sleep(after_s)
    killed_at = time.monotonic()
    proc.send_signal(signal.SIGKILL)
    _, err = proc.communicate(timeout=60)
    if proc.returncode != -signal.SIGKILL:
        raise RuntimeError(f"the flooding process ended with {proc.returncode}: {err[-2000:]}")
    times = array("d", shared.read_bytes())
    logged = next((i for i, at in enumerate(times) if at == 0.0), len(times))
    in_wal = 0
    for record in WalReader(Path(wal_path)).read():
        if record.kind == "history":
            numeric, _ = decode_history(record.body)
            in_wal += len(numeric["m0"].steps) if "m0" in numeric else 0
    bound = float(interval) + MARGIN_S
    due = sum(1 for at in times[:logged] if at < killed_at - bound)
    return {"logged": logged, "in_wal": in_wal, "due": due,
            "lost_due": max(0, due - in_wal), "bound_ms": bound * 1000,
            "oldest_lost_ms": (killed_at - times[in_wal]) * 1000 if in_wal < logged else 0.0,
            "steps_per_s": logged / max(1e-9, killed_at - started)}


def run(ctx: BenchContext, sizes: dict[str, Any]) -> WorkloadResult:
    result = WorkloadResult("flood-kill", TITLE, sizes)
    low, high = sizes["after_s"]
    kills = [one_kill(ctx.store("flood-kill"), random.uniform(low, high), sizes["slots"])
             for _ in range(sizes["kills"])]
    result.details["cairn"] = kills
    result.details["source"] = str(REPO_ROOT)
    result.add(
        "cairn",
        Figure("lost_due_max", "points lost that were older than the bound (worst kill)",
               max(k["lost_due"] for k in kills), "points", 0),
        Figure("oldest_lost_ms", "age of the oldest point lost (median of kills)",
               median([k["oldest_lost_ms"] for k in kills]), "ms",
               kills[0]["bound_ms"]),
        Figure("oldest_lost_max_ms", "age of the oldest point lost (worst kill)",
               max(k["oldest_lost_ms"] for k in kills), "ms", kills[0]["bound_ms"]),
        Figure("steps_per_s", "steps logged per second in the flood",
               median([k["steps_per_s"] for k in kills]), "steps/s", better="higher"))
    return result
