"""kill -9 in the middle of logging: the WAL keeps every row the writer had written, the
store shows the run as crashed, and replaying the WAL completes it (twice: no change)."""

from __future__ import annotations

import signal
import time
from pathlib import Path
from typing import Any

import pytest

LOGGER = """
    import time
    import cairn

    run = cairn.init(project="kill", settings={"heartbeat_interval": 0.2})
    print("run", run.path, run.wal_path, flush=True)
    step = 0
    while True:
        for _ in range(50):
            run.log({"loss": 1.0 / (step + 1), "acc": step / 1000})
            step += 1
        print("logged", step, flush=True)
        if step % 1000 == 0:
            # Everything logged so far is in the WAL once this returns True.
            assert run._writer.process()
            print("flushed", step, flush=True)
        time.sleep(0.002)
"""

KILL_AFTER = 2.5
"""Seconds of logging before the kill."""
WRITER_MARGIN = 1.0
"""Rows logged this long before the kill must be in the WAL without any forced flush: the
writer thread writes every ``wal_interval`` (0.05 s), so 20 intervals is a safe bound."""


@pytest.mark.slow
def test_kill_9_loses_nothing_the_writer_had_written(cairn_root: Path, kit: Any,
                                                     monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CAIRN_HEARTBEAT_TIMEOUT", "1")
    proc = kit.child(LOGGER)
    assert proc.stdout is not None
    _, path, wal = proc.stdout.readline().split()
    flushed = 0
    logged: list[tuple[float, int]] = []
    start = time.monotonic()
    while time.monotonic() - start < KILL_AFTER or not flushed:
        word, count = proc.stdout.readline().split()
        if word == "flushed":
            flushed = int(count)
        else:
            logged.append((time.monotonic(), int(count)))
    proc.send_signal(signal.SIGKILL)
    killed_at = time.monotonic()
    proc.wait(timeout=30)
    proc.stdout.close()
    assert proc.stderr is not None
    assert "Error" not in proc.stderr.read()
    proc.stderr.close()

    written = max((n for at, n in logged if at <= killed_at - WRITER_MARGIN), default=0)
    assert written > 0
    assert flushed > 0
    steps = kit.wal_steps(Path(wal), "loss")
    assert steps == list(range(len(steps))), "the WAL holds a prefix of the rows, in order"
    assert len(steps) >= max(flushed, written)

    # The store shows the dead process's run as crashed (its pid is gone; its heartbeat
    # is old too), holding at most what the WAL holds.
    before = kit.stored_run(cairn_root, path, heartbeat_timeout=1.0)
    assert before is not None
    assert before.row.state == "crashed"
    assert before.series["loss"][0] == steps[: len(before.series["loss"][0])]

    kit.sync(cairn_root)
    after = kit.stored_run(cairn_root, path, heartbeat_timeout=1.0)
    assert after is not None
    assert after.row.state == "crashed"
    assert after.series["loss"][0] == steps
    assert after.series["loss"][1] == [1.0 / (s + 1) for s in steps]
    assert after.series["acc"][0] == steps
    assert after.row.last_step == steps[-1]

    results = kit.sync(cairn_root)
    assert [r.applied for r in results] == [0]
    again = kit.stored_run(cairn_root, path, heartbeat_timeout=1.0)
    assert again is not None
    assert again.series == after.series
    assert again.row.summary == after.row.summary
    assert again.row.last_step == after.row.last_step
