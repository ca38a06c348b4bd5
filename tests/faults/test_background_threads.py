"""Failures inside the writer and applier threads: the threads live on (even when warnings
are errors, as under ``-W error`` or this test suite), the failure is reported once, and
one bad record never holds up the others."""

from __future__ import annotations

import errno
import time
from pathlib import Path
from typing import Any

import pytest

import cairn
from cairn.aggregates import SummaryState
from cairn.records import RunRef
from cairn.sdk.writer import Op, RunWriter, WarnOnce
from cairn.sinks.thread import ThreadApplier


def _wait_for(condition: Any, timeout: float = 10.0) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.01)


def test_a_warning_turned_error_does_not_stop_the_writer_thread(
        cairn_root: Path, kit: Any, monkeypatch: pytest.MonkeyPatch,
        capfd: pytest.CaptureFixture[str]) -> None:
    run = cairn.init(project="threads")
    writer = run._writer
    assert writer is not None
    append = writer.wal.append_frames
    failures = []

    def failing(frames: bytes) -> None:
        failures.append(len(frames))
        raise OSError(errno.EIO, "Input/output error")

    monkeypatch.setattr(writer.wal, "append_frames", failing)
    for step in range(100):
        run.log({"x": step})
    _wait_for(lambda: len(failures) >= 2)  # the thread failed, warned, and tried again
    assert writer._thread.is_alive()
    assert "cannot write the run's WAL" in capfd.readouterr().err
    monkeypatch.setattr(writer.wal, "append_frames", append)
    run.finish()
    assert kit.wal_steps(run.wal_path, "x") == list(range(100))


def test_a_record_that_cannot_be_encoded_is_dropped_alone(cairn_root: Path, kit: Any) -> None:
    run = cairn.init(project="threads")
    with kit.recorded_warnings() as caught:
        run.log({"x": 0})
        run._queue(Op("meta", {"notes": object()}))  # a bug elsewhere, say
        run.log({"x": 1})
        run._flush_to_store()
    messages = kit.cairn_warnings(caught)
    assert len(messages) == 1
    assert "dropped a meta record" in messages[0]
    run.log({"x": 2})
    run.finish()
    assert kit.wal_steps(run.wal_path, "x") == [0, 1, 2]
    assert kit.stored_run(cairn_root, run.path).row.state == "finished"


def test_rows_that_cannot_reach_the_wal_by_close_are_reported_lost(tmp_path: Path,
                                                                   kit: Any) -> None:
    warn = WarnOnce()
    writer = RunWriter(tmp_path / "w.cairn", RunRef("e", "p", "r"), "s1", time.time(), 0.0,
                       SummaryState(), 100, 0.05, 10.0, warn)

    def failing(frames: bytes) -> None:
        raise OSError(errno.ENOSPC, "No space left on device")

    writer.wal.append_frames = failing  # type: ignore[method-assign]
    with kit.recorded_warnings() as caught:
        with writer.lock:
            writer.buffer.extend([(0, time.time(), {"x": 1}), (1, time.time(), {"x": 2})])
        assert not writer.close(timeout=0.3)
    messages = kit.cairn_warnings(caught)
    assert len(messages) == 2, messages
    assert "keeping the data in memory" in messages[0]
    assert "1 records could not be written" in messages[1]
    assert "lost" in messages[1]


def test_the_applier_reports_a_damaged_wal_once_and_applies_the_rest(
        tmp_path: Path, kit: Any) -> None:
    from cairn.wal.writer import WalWriter

    path = tmp_path / "d.cairn"
    ref = RunRef("e", "p", "r")
    wal = WalWriter(path, ref, "s1")
    wal.append([(1, "run", {"name": "n", "start_time": time.time()})])
    damaged_at = wal.size
    wal.append([(2, "config", {"config": {"a": 1}})])
    wal.append([(3, "config", {"config": {"a": 2}})])
    wal.close()
    raw = bytearray(path.read_bytes())
    raw[damaged_at + 14] ^= 0xFF
    path.write_bytes(bytes(raw))

    applied: list[int] = []

    class ListSink:
        def apply_records(self, records: Any) -> None:
            applied.extend(r.seq for r in records)

        def close(self) -> None:
            pass

    with kit.recorded_warnings() as caught:
        applier = ThreadApplier(path, ListSink, 0.05, WarnOnce())
        assert applier.apply_pending()
        assert applier.close(timeout=1.0)
    assert applied == [1, 3]
    messages = kit.cairn_warnings(caught)
    assert len(messages) == 1
    assert "damaged bytes" in messages[0]
    assert not applier._thread.is_alive()
