"""A full disk under the WAL: no torn frame is left in front of later frames (the writer
cuts a failed write back), one warning, the rows wait in memory, training goes on, and
everything is written once there is room again.

The disk is a small tmpfs mounted for the test (needs root); a filler file takes all of it
but a few pages, so that the next WAL write is cut off part way by ENOSPC.
"""

from __future__ import annotations

import errno
import os
import subprocess
import warnings
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

import cairn
import cairn.wal.writer as wal_writer
from cairn.wal.reader import WalReader


@pytest.fixture
def small_disk(tmp_path: Path) -> Iterator[Path]:
    mount = tmp_path / "disk"
    mount.mkdir()
    done = subprocess.run(["mount", "-t", "tmpfs", "-o", "size=2m", "tmpfs", str(mount)],
                          capture_output=True, text=True, check=False)
    if done.returncode != 0:
        pytest.skip(f"cannot mount a tmpfs here: {done.stderr.strip()}")
    try:
        yield mount
    finally:
        # Runs a failed test left open must finish before their folder goes away.
        from cairn.sdk import init as init_module

        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            for run in list(init_module._active):
                run.finish(quiet=True)
        subprocess.run(["umount", "-l", str(mount)], check=False)


def _fill(path: Path, leave: int) -> None:
    """Take all the space of the file system, then give back ``leave`` bytes."""
    with path.open("wb", buffering=0) as fh:
        for chunk in (1 << 16, 1 << 12):
            try:
                while True:
                    fh.write(b"\0" * chunk)
            except OSError as exc:
                if exc.errno != errno.ENOSPC:
                    raise
    os.truncate(path, path.stat().st_size - leave)


class CountingOs:
    """``os`` for the WAL writer module, counting the cuts of failed writes."""

    def __init__(self) -> None:
        self.cuts = 0

    def __getattr__(self, name: str) -> Any:
        return getattr(os, name)

    def ftruncate(self, fd: int, size: int) -> None:
        self.cuts += 1
        os.ftruncate(fd, size)


def test_a_full_disk_delays_the_wal_without_tearing_it(
        small_disk: Path, kit: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    root = small_disk / "cairn"
    monkeypatch.setenv("CAIRN_DIR", str(root))
    counting = CountingOs()
    monkeypatch.setattr(wal_writer, "os", counting)
    # The store is left alone until finish(): this test is about the WAL.
    run = cairn.init(project="full", settings={"apply_interval": 60})
    writer = run._writer
    assert writer is not None
    for step in range(10):
        run.log({"x": step, "text": "a" * 2000})
    assert writer.process()
    filler = small_disk / "filler"
    _fill(filler, leave=8192)

    with kit.recorded_warnings() as caught:
        for step in range(10, 60):
            run.log({"x": step, "text": "b" * 2000})  # ~100 KB: more than is left
        assert not writer.process()
        assert counting.cuts >= 1, "the write was cut off part way and cut back"
        assert run.wal_path.stat().st_size == writer.wal.size
        reader = WalReader(run.wal_path)
        assert [r.kind for r in reader.read()][-1] == "history"
        assert not reader.torn
        assert reader.skipped_frames == 0
        for step in range(60, 100):  # training goes on
            run.log({"x": step, "text": "c" * 2000})
        assert not writer.process()
        assert writer.unwritten > 0
    # The store lives on the same full disk: the applier may say so too (once).
    messages = [m for m in kit.cairn_warnings(caught) if "cannot write to the store" not in m]
    assert len(messages) == 1, messages
    assert "cannot write the run's WAL" in messages[0]
    assert "No space left" in messages[0]

    filler.unlink()
    assert writer.process()
    run.finish()
    assert kit.wal_steps(run.wal_path, "x") == list(range(100))
    stored = kit.stored_run(root, run.path)
    assert stored is not None
    assert stored.row.state == "finished"
    assert stored.series["x"][0] == list(range(100))
