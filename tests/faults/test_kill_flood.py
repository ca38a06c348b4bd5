"""kill -9 of a process that floods ``log()``: every point handed to ``log()`` more than
``wal_interval`` + 50 ms before the kill is in the WAL.

The child logs in a tight loop and, after each ``log()`` returns, stores the monotonic
time of that step in a file it shares with the test through ``mmap`` (a page-cache write,
so it survives the kill and costs the loop little). The test kills it at a random moment
and then checks the WAL against those times.
"""

from __future__ import annotations

import random
import signal
import time
from array import array
from pathlib import Path
from typing import Any

import pytest

from cairn.settings import Settings

SLOTS = 8_000_000
"""Steps the shared file has room for (64 MB, sparse): far more than 2 s of logging."""
BOUND_S = Settings(root=Path(".")).wal_interval + 0.05
"""The promise under test: a point older than this at the kill is on disk."""

FLOODER = """
    import mmap, os, sys, time
    import cairn

    fd = os.open(sys.argv[1], os.O_RDWR)
    times = memoryview(mmap.mmap(fd, {slots} * 8)).cast("d")
    run = cairn.init(project="flood")
    print(run.wal_path, flush=True)
    log, now = run.log, time.monotonic
    for step in range({slots}):
        log({{"loss": 1.0 / (step + 1), "acc": step / 1000, "lr": 3e-4, "m3": 1.5,
             "m4": 2.5, "m5": 3.5, "m6": 4.5, "m7": 5.5, "m8": 6.5, "m9": 7.5}})
        times[step] = now()
"""


def _flood_and_kill(tmp_path: Path, kit: Any, after: float) -> tuple[Path, float, list[float]]:
    """Start a flooding child, kill it ``after`` seconds into its loop; return its WAL,
    the kill time and the monotonic time at which each step's ``log()`` had returned."""
    tmp_path.mkdir()
    shared = tmp_path / "times"
    with shared.open("wb") as fh:
        fh.truncate(SLOTS * 8)
    proc = kit.child(FLOODER.format(slots=SLOTS).replace("sys.argv[1]", repr(str(shared))))
    assert proc.stdout is not None
    wal = Path(proc.stdout.readline().strip())
    time.sleep(after)
    killed_at = time.monotonic()
    proc.send_signal(signal.SIGKILL)
    proc.wait(timeout=30)
    proc.stdout.close()
    assert proc.stderr is not None
    err = proc.stderr.read()
    proc.stderr.close()
    assert proc.returncode == -signal.SIGKILL, err
    times = array("d", shared.read_bytes())
    count = next((i for i, at in enumerate(times) if at == 0.0), len(times))
    logged = times[:count].tolist()
    return wal, killed_at, logged


STARVED_S = BOUND_S / 2
"""A child whose last ``log()`` returned this long before the kill had no CPU then (a busy
machine): no process can keep a time promise while it does not run, so it is tried again."""


@pytest.mark.slow
def test_kill_9_in_a_flood_keeps_every_point_older_than_the_bound(
        tmp_path: Path, kit: Any) -> None:
    for attempt in range(5):
        wal, killed_at, logged = _flood_and_kill(tmp_path / str(attempt), kit,
                                                 random.uniform(1.5, 2.5))
        if killed_at - logged[-1] < STARVED_S:
            break
    else:
        pytest.skip("the machine is too busy: the flooding child kept missing the CPU")
    due = [step for step, at in enumerate(logged) if at < killed_at - BOUND_S]
    assert len(due) > 10_000, "the child flooded log() before the kill"
    steps = kit.wal_steps(wal, "loss")
    assert steps == list(range(len(steps))), "the WAL holds a prefix of the rows, in order"
    missing = len(due) - min(len(steps), len(due))
    oldest = killed_at - logged[len(steps)] if missing else 0.0
    assert missing == 0, (f"{missing} points logged more than {BOUND_S * 1000:.0f} ms before "
                          f"the kill are not in the WAL; the oldest was {oldest * 1000:.0f} ms "
                          f"old ({len(logged)} logged, {len(steps)} in the WAL)")
