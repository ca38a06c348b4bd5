"""Compacting a finished, applied WAL: what is kept, when it is refused, sync and replay of
the result, and kill -9 in the middle of it."""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import textwrap
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from tests.wal.test_replay import REF, _history, _records, _snapshot, write_wal

from cairn.records import Record
from cairn.store.progress import as_spans
from cairn.store.sqlite import SqliteStore
from cairn.wal.compact import TEMP_SUFFIX, compact_wal
from cairn.wal.reader import WalReader
from cairn.wal.replay import ReplayTotals, replay, replay_wal


def _run(session: str = "s1", batches: int = 40, finish: bool = True) -> list[Record]:
    """A run's records, with a summary and a heartbeat among the history batches."""
    records = _records(session, batches, finish=finish)
    extra = [Record(REF, session, 0, "summary", {"set": {"best": 0.5}}),
             Record(REF, session, 0, "heartbeat", {"at": 1500.0})]
    history_end = 2 + batches
    records = [*records[:history_end // 2], extra[0], *records[history_end // 2:history_end],
               extra[1], *records[history_end:]]
    return [Record(r.run, r.session, seq, r.kind, r.body)
            for seq, r in enumerate(records, start=1)]


@pytest.fixture
def store(tmp_path: Path) -> Iterator[SqliteStore]:
    opened = SqliteStore(tmp_path / "store" / "cairn.db")
    yield opened
    opened.close()


def _applied_wal(tmp_path: Path, store: SqliteStore, records: list[Record]) -> Path:
    wal = tmp_path / "run" / "run-abc123.cairn"
    write_wal(wal, records)
    assert replay_wal(wal, store).applied == len(records)
    return wal


def _compact(wal: Path, retention: str = "compact", **kwargs: Any) -> Any:
    kwargs.setdefault("min_size", 0)
    return compact_wal(wal, retention, expected_size=wal.stat().st_size, **kwargs)


def _kept(records: list[Record]) -> list[tuple[int, str, Any]]:
    return [(r.seq, r.kind, r.body) for r in records if r.kind != "history"]


def test_compaction_keeps_every_record_but_history(tmp_path: Path, store: SqliteStore) -> None:
    records = _run()
    wal = _applied_wal(tmp_path, store, records)
    before = wal.stat().st_size
    done = _compact(wal, store="/data/cairn")
    assert done is not None
    assert (done.before, done.after, done.dropped) == (before, wal.stat().st_size, 40)
    assert done.after < before / 10
    reader = WalReader(wal)
    assert [(r.seq, r.kind, r.body) for r in reader.read()] == _kept(records)
    assert (reader.run, reader.session) == (REF, "s1")
    assert reader.compacted is not None
    history = [r.seq for r in records if r.kind == "history"]
    assert reader.compacted["dropped"] == [list(span) for span in as_spans(history)]
    assert len(reader.compacted["dropped"]) == 2  # the summary between them stays
    assert (reader.compacted["records"], reader.compacted["bytes"]) == (40, before)
    assert reader.compacted["store"] == "/data/cairn"
    assert _compact(wal) is None  # once is enough
    assert not list(wal.parent.glob(f"*{TEMP_SUFFIX}"))


def test_replaying_a_compacted_wal_into_its_store_changes_nothing(
        tmp_path: Path, store: SqliteStore) -> None:
    records = _run()
    wal = _applied_wal(tmp_path, store, records)
    stored = _snapshot(store)
    assert stored[0][-1] == [1.0 / (s + 1) for s in range(400)]
    assert _compact(wal) is not None
    for _ in range(2):  # idempotent, however often
        result = replay_wal(wal, store)
        assert (result.applied, result.present) == (0, len(_kept(records)))
        assert result.history_elsewhere == 0
        assert result.compacted is not None
        assert result.error is None
        assert _snapshot(store) == stored
    assert replay_wal(wal, store, dry_run=True).history_elsewhere == 0


def test_sync_of_a_compacted_wal_elsewhere_says_where_the_history_is(
        tmp_path: Path, store: SqliteStore) -> None:
    records = _run()
    wal = _applied_wal(tmp_path, store, records)
    assert _compact(wal, store="/data/cairn") is not None
    dry = replay_wal(wal, None, dry_run=True)
    assert (dry.applied, dry.history_elsewhere) == (len(_kept(records)), 40)
    other = SqliteStore(tmp_path / "other" / "cairn.db")
    try:
        results = replay([wal], other)
        assert (results[0].applied, results[0].history_elsewhere) == (len(_kept(records)), 40)
        assert ReplayTotals.of(results).history_elsewhere == 40
        row = other.get_run(REF)
        assert row is not None
        assert (row.state, row.config) == ("finished", {"lr": 0.1})
        # The original WAL, if someone kept a copy, still fills the gaps exactly once.
        full = tmp_path / "copy" / "run-abc123.cairn"
        write_wal(full, records)
        again = replay_wal(full, other)
        assert (again.applied, again.present) == (40, len(_kept(records)))
        assert _snapshot(other) == _snapshot(store)
    finally:
        other.close()


def test_what_is_never_compacted(tmp_path: Path, store: SqliteStore) -> None:
    unfinished = _applied_wal(tmp_path / "a", store, _run(finish=False))
    assert _compact(unfinished) is None  # the run may still be writing, or crashed
    wal = _applied_wal(tmp_path / "b", store, _run(session="s2"))
    size = wal.stat().st_size
    assert compact_wal(wal, "compact", expected_size=size - 1, min_size=0) is None
    assert compact_wal(wal, "compact", expected_size=size) is None  # under COMPACT_FROM
    assert compact_wal(wal, "keep", expected_size=size, min_size=0) is None
    damaged = bytearray(wal.read_bytes())
    damaged[size // 2] ^= 0x55
    damaged_wal = tmp_path / "c" / "run-abc123.cairn"
    damaged_wal.parent.mkdir()
    damaged_wal.write_bytes(bytes(damaged))
    assert _compact(damaged_wal) is None
    assert damaged_wal.read_bytes() == bytes(damaged)  # sync sees the damage as it was
    with open(wal, "ab") as fh:
        fh.write(b"\xc4\x1e\xa7\x5e\x10")  # a torn frame after the finish
    assert _compact(wal) is None
    assert wal.stat().st_size == size + 5
    with pytest.raises(ValueError, match="wal_retention"):
        _compact(wal, "shred")


def test_delete_retention_removes_an_applied_finished_wal(tmp_path: Path,
                                                          store: SqliteStore) -> None:
    records = _run()
    wal = _applied_wal(tmp_path, store, records)
    done = _compact(wal, "delete", min_size=1 << 30)  # delete ignores the size floor
    assert done is not None
    assert (done.after, done.dropped) == (0, len(records))
    assert not wal.exists()


_CHILD = textwrap.dedent("""
    import sys
    from pathlib import Path
    from cairn.wal.compact import compact_wal
    wal = Path(sys.argv[1])
    size = wal.stat().st_size
    print("ready", flush=True)
    sys.stdin.readline()
    compact_wal(wal, "compact", expected_size=size, min_size=0)
    print("done", flush=True)
""")


def _big_run(batches: int) -> list[Record]:
    records = _run(batches=batches)
    return [Record(r.run, r.session, r.seq, r.kind,
                   _history(i * 1000, 1000) if r.kind == "history" else r.body)
            for i, r in enumerate(records)]


def test_kill_9_during_compaction_leaves_the_old_file_or_the_new(
        tmp_path: Path, store: SqliteStore) -> None:
    records = _big_run(400)  # about 8 MB of WAL
    original = _applied_wal(tmp_path, store, records)
    timing = tmp_path / "timing" / original.name
    timing.parent.mkdir()
    shutil.copy(original, timing)
    started = time.perf_counter()
    assert _compact(timing) is not None
    took = time.perf_counter() - started
    compacted = WalReader(timing).read()
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(sys.path)}
    for attempt in range(8):
        wal = tmp_path / f"kill{attempt}" / original.name
        wal.parent.mkdir()
        shutil.copy(original, wal)
        child = subprocess.Popen([sys.executable, "-c", _CHILD, str(wal)], env=env,
                                 stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
        assert child.stdout is not None
        assert child.stdin is not None
        assert child.stdout.readline().strip() == "ready"
        child.stdin.write("go\n")
        child.stdin.flush()
        time.sleep(took * attempt / 6)
        child.send_signal(signal.SIGKILL)
        child.wait()
        child.stdin.close()
        child.stdout.close()
        assert wal.exists()
        if wal.read_bytes() != original.read_bytes():  # killed after the rename
            reader = WalReader(wal)
            assert reader.read() == compacted
            assert reader.compacted is not None
        result = replay_wal(wal, store)  # either file is whole and changes nothing
        assert (result.applied, result.error, result.torn) == (0, None, False)
        _compact(wal)  # a later compaction finishes the job over any temp file left
        assert WalReader(wal).read() == WalReader(timing).read()
        assert not list(wal.parent.glob(f"*{TEMP_SUFFIX}"))

