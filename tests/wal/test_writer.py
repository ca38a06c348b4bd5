"""WalWriter: file layout, and no torn frame left behind when a write fails part way."""

from __future__ import annotations

import errno
import os
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest

import cairn.wal.writer as writer_module
from cairn.records import RunRef
from cairn.wal.format import encode_frame, encode_opening
from cairn.wal.reader import WalReader, read_wal
from cairn.wal.writer import WalWriter

RUN = RunRef("ent", "proj", "run1")


class FlakyOs(SimpleNamespace):
    """``os`` for the writer module, whose ``write`` writes ``allow`` bytes in all and
    then fails with ``ENOSPC`` (a disk that fills up in the middle of a write)."""

    def __init__(self, allow: int, truncate_fails: bool = False) -> None:
        super().__init__()
        self.allow = allow
        self.truncate_fails = truncate_fails
        self.truncated: list[int] = []

    def __getattr__(self, name: str) -> Any:
        return getattr(os, name)

    def write(self, fd: int, data: Any) -> int:
        if self.allow <= 0:
            raise OSError(errno.ENOSPC, "No space left on device")
        n = os.write(fd, bytes(data[: min(self.allow, 7)]))  # short writes, several calls
        self.allow -= n
        return n

    def ftruncate(self, fd: int, size: int) -> None:
        self.truncated.append(size)
        if self.truncate_fails:
            raise OSError(errno.EIO, "I/O error")
        os.ftruncate(fd, size)


def _records(first: int, count: int) -> list[tuple[int, str, dict[str, Any]]]:
    return [(i, "history", {"i": i, "pad": "x" * 40}) for i in range(first, first + count)]


def test_a_new_file_starts_with_the_header_and_open_frames(tmp_path: Path) -> None:
    path = tmp_path / "w.cairn"
    writer = WalWriter(path, RUN, "s1")
    assert path.read_bytes() == encode_opening(RUN, "s1")
    assert writer.size == path.stat().st_size
    writer.append(_records(1, 2))
    writer.close()
    writer.close()  # twice is fine
    assert [r.seq for r in read_wal(path)] == [1, 2]


def test_reopening_appends_without_a_second_header(tmp_path: Path) -> None:
    path = tmp_path / "w.cairn"
    first = WalWriter(path, RUN, "s1")
    first.append(_records(1, 2))
    first.close()
    again = WalWriter(path, RUN, "s1")
    again.append(_records(3, 1))
    again.close()
    assert [r.seq for r in read_wal(path)] == [1, 2, 3]


def test_append_records_and_frames(tmp_path: Path) -> None:
    path = tmp_path / "w.cairn"
    writer = WalWriter(path, RUN, "s1")
    writer.append_frames(encode_frame(1, "config", {"config": {"a": 1}}))
    writer.append_records(read_wal(path) or [])  # nothing but the frame just written
    writer.append([])
    writer.close()
    assert [(r.seq, r.kind) for r in read_wal(path)] == [(1, "config"), (1, "config")]


def test_a_failed_write_is_cut_back_and_can_be_retried(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = tmp_path / "w.cairn"
    writer = WalWriter(path, RUN, "s1")
    writer.append(_records(1, 3))
    good = path.stat().st_size
    flaky = FlakyOs(allow=50)
    monkeypatch.setattr(writer_module, "os", flaky)
    with pytest.raises(OSError, match="No space"):
        writer.append(_records(4, 3))
    assert flaky.truncated == [good]
    assert path.stat().st_size == good == writer.size
    monkeypatch.undo()
    writer.append(_records(4, 3))  # the retry, once the disk has room
    writer.close()
    reader = WalReader(path)
    assert [r.seq for r in reader.read()] == [1, 2, 3, 4, 5, 6]
    assert not reader.torn
    assert reader.skipped_frames == 0


def test_a_write_that_fails_at_once_leaves_the_file_alone(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = tmp_path / "w.cairn"
    writer = WalWriter(path, RUN, "s1")
    flaky = FlakyOs(allow=0)
    monkeypatch.setattr(writer_module, "os", flaky)
    with pytest.raises(OSError, match="No space"):
        writer.append(_records(1, 1))
    assert flaky.truncated == []
    monkeypatch.undo()
    writer.close()
    assert [r.seq for r in read_wal(path)] == []


def test_when_the_cut_fails_later_frames_stay_readable(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = tmp_path / "w.cairn"
    writer = WalWriter(path, RUN, "s1")
    writer.append(_records(1, 2))
    monkeypatch.setattr(writer_module, "os", FlakyOs(allow=30, truncate_fails=True))
    with pytest.raises(OSError, match="No space"):
        writer.append(_records(3, 1))
    monkeypatch.undo()
    assert writer.size == path.stat().st_size  # the torn bytes are never cut into later
    writer.append(_records(3, 2))
    writer.close()
    reader = WalReader(path)
    with pytest.warns(RuntimeWarning, match="damaged"):
        seqs = [r.seq for r in reader.read()]
    assert seqs == [1, 2, 3, 4]
    assert reader.skipped_frames == 1


def test_a_full_disk_at_creation_writes_the_header_with_the_first_append(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = tmp_path / "w.cairn"
    monkeypatch.setattr(writer_module, "os", FlakyOs(allow=20))
    writer = WalWriter(path, RUN, "s1")  # no exception: the opening waits
    monkeypatch.undo()
    assert path.stat().st_size == 0
    reader = WalReader(path)
    assert reader.read() == []
    assert reader.torn
    writer.append(_records(1, 2))
    writer.close()
    assert [r.seq for r in reader.read()] == [1, 2]
    assert reader.run == RUN
    assert not reader.torn
