"""The store locked by another process (``BEGIN EXCLUSIVE``) while a run logs: nothing
reaches the user, nothing is lost; past ``finish_timeout`` (which the applier process
gives a finished run) the data waits in the WAL."""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

import pytest

import cairn
from cairn.sinks.handoffs import wait_for_handoffs

LOCKER = """
    import sqlite3, time
    conn = sqlite3.connect({db!r}, isolation_level=None)
    conn.execute("BEGIN EXCLUSIVE")
    print("locked", flush=True)
    time.sleep({hold})
    conn.execute("COMMIT")
    print("released", flush=True)
"""


def _lock(kit: Any, root: Path, hold: float) -> Any:
    """Another process holding the store's write lock for ``hold`` seconds."""
    proc = kit.child(LOCKER.format(db=str(root / "cairn.db"), hold=hold))
    assert proc.stdout.readline().strip() == "locked"
    return proc


def _released(proc: Any) -> None:
    out, err = proc.communicate(timeout=60)
    assert proc.returncode == 0, err
    assert out.strip() == "released"


def _started_run(**settings: Any) -> cairn.Run:
    run = cairn.init(project="locked", settings=settings)
    run.log({"x": 0})
    run._flush_to_store()  # the store exists and holds the run
    return run


def _assert_complete(kit: Any, root: Path, run: cairn.Run, rows: int) -> None:
    stored = kit.stored_run(root, run.path)
    assert stored is not None
    assert stored.row.state == "finished"
    assert stored.series["x"] == (list(range(rows)), [float(s) for s in range(rows)])


@pytest.mark.slow
def test_a_lock_for_a_few_seconds_is_waited_out(cairn_root: Path, kit: Any) -> None:
    run = _started_run()
    locker = _lock(kit, cairn_root, hold=2.0)
    with kit.recorded_warnings() as caught:
        started = time.monotonic()
        for step in range(1, 2000):
            run.log({"x": step})
        logging = time.monotonic() - started
        run.finish()  # the applier waits for the lock (busy timeout), then applies
    _released(locker)
    assert kit.cairn_warnings(caught) == []
    assert logging < 1.5, "log() never waits for the store"
    _assert_complete(kit, cairn_root, run, 2000)


@pytest.mark.slow
def test_the_applier_retries_after_the_busy_timeout(cairn_root: Path, kit: Any) -> None:
    run = _started_run(apply_interval=0.1, store_busy_timeout=0.2)
    locker = _lock(kit, cairn_root, hold=1.5)
    with kit.recorded_warnings() as caught:
        for step in range(1, 1000):
            run.log({"x": step})
        run._flush_to_store()  # fails: locked past the busy timeout
        _released(locker)
        run.finish()
    messages = kit.cairn_warnings(caught)
    assert len(messages) == 1
    assert "is locked" in messages[0]
    assert "WAL" in messages[0]
    _assert_complete(kit, cairn_root, run, 1000)


@pytest.mark.slow
def test_a_lock_held_past_finish_timeout_leaves_the_data_in_the_wal(
        cairn_root: Path, kit: Any) -> None:
    run = _started_run(finish_timeout=1, store_busy_timeout=0.2)
    locker = _lock(kit, cairn_root, hold=4.0)
    for step in range(1, 1000):
        run.log({"x": step})
    with kit.recorded_warnings() as caught:
        started = time.monotonic()
        run.finish()  # durable in the WAL; the applier process takes the rest
        took = time.monotonic() - started
        assert not wait_for_handoffs()  # it gave up after finish_timeout
    messages = kit.cairn_warnings(caught)
    assert "cairn sync" in messages[-1], messages
    assert "is locked" in messages[0], messages
    assert took < 3.0
    assert kit.wal_steps(run.wal_path, "x") == list(range(1000))
    _released(locker)
    kit.sync(cairn_root)
    _assert_complete(kit, cairn_root, run, 1000)
