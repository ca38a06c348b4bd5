"""Rows that wait in memory for a full disk are capped: past ``max_unwritten_bytes`` the
writer stops taking rows and ``log()`` waits (warned once) instead of memory growing
without bound; once the disk takes writes again, every row reaches the WAL, in order.

The disk is made full by a WAL append that raises ENOSPC, so the test needs no mount.
"""

from __future__ import annotations

import errno
import threading
import time
from pathlib import Path
from typing import Any

import pytest

import cairn

ROWS = 20_000
CAP = 100_000
"""Bytes of encoded records the test lets wait: a few thousand of its rows."""


def test_rows_waiting_for_a_full_disk_are_capped_and_log_waits(
        cairn_root: Path, kit: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    run = cairn.init(project="cap", settings={"apply_interval": 60})
    writer = run._writer
    assert writer is not None
    writer.max_unwritten_bytes = CAP
    append = writer.wal.append_frames
    full = threading.Event()
    full.set()

    def refusing(frames: bytes) -> None:
        if full.is_set():
            raise OSError(errno.ENOSPC, "No space left on device")
        append(frames)

    monkeypatch.setattr(writer.wal, "append_frames", refusing)
    logged = [0]

    def train() -> None:
        for step in range(ROWS):
            run.log({"x": step, "text": "a" * 100})
            logged[0] = step + 1

    trainer = threading.Thread(target=train, daemon=True)
    with kit.recorded_warnings() as caught:
        trainer.start()
        # log() stops making progress: the same count over several write retries.
        settle = 0.5 + 10 * run.settings.wal_interval
        deadline = time.monotonic() + 60
        before = -1
        while logged[0] != before and logged[0] < ROWS and time.monotonic() < deadline:
            before = logged[0]
            time.sleep(settle)
        assert logged[0] < ROWS, "log() went on although the rows could not be written"
        assert trainer.is_alive()
        frame = writer.unwritten_bytes // max(1, writer.unwritten)
        assert writer.unwritten_bytes <= CAP + writer.max_rows * 200 + frame, \
            "memory held for the disk stays near the cap"
        full.clear()
        trainer.join(timeout=60)
        assert not trainer.is_alive(), "log() went on once the disk took writes again"
    messages = kit.cairn_warnings(caught)
    assert any("log() now waits until they are written" in m for m in messages), messages
    assert any("cannot write the run's WAL" in m for m in messages), messages
    run.finish()
    assert kit.wal_steps(run.wal_path, "x") == list(range(ROWS))
