"""Back-pressure: a full log queue makes log() wait for a slow writer (warned once);
no row is dropped."""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

import pytest

import cairn


def test_log_waits_for_a_slow_writer_and_drops_nothing(
        cairn_root: Path, kit: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    run = cairn.init(project="bp", settings={"queue_rows": 10})
    writer = run._writer
    assert writer is not None
    append = writer.wal.append_frames

    def slow_append(frames: bytes) -> None:
        time.sleep(0.01)
        append(frames)

    monkeypatch.setattr(writer.wal, "append_frames", slow_append)
    longest = 0
    with kit.recorded_warnings() as caught:
        started = time.monotonic()
        for step in range(300):
            run.log({"x": step, "y": step * 2})
            longest = max(longest, len(writer.buffer))
        took = time.monotonic() - started
    messages = kit.cairn_warnings(caught)
    assert len(messages) == 1, messages
    assert "log() now waits" in messages[0]
    assert longest <= 10, "the queue never holds more than queue_rows"
    assert took >= 0.2, "log() waited for the writer (at least 30 writes of 10 ms)"
    run.finish()
    assert kit.wal_steps(run.wal_path, "x") == list(range(300))
    stored = kit.stored_run(cairn_root, run.path)
    assert stored.series["x"] == (list(range(300)), [float(s) for s in range(300)])
    assert stored.series["y"][1] == [float(2 * s) for s in range(300)]
