from __future__ import annotations

import tempfile
import zlib
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import msgpack
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from cairn.errors import NotFoundError
from cairn.records import HistoryBatch, NumericColumn, Record, RunRef
from cairn.store.base import MetadataStore
from cairn.store.sqlite import SqliteStore
from cairn.wal.format import FRAME_HEAD, MARKER
from cairn.wal.replay import ReplayTotals, find_wal_files, replay, replay_wal
from cairn.wal.writer import WalWriter

REF = RunRef("me", "proj", "abc123")


def _history(first: int, count: int, value: float | None = None) -> dict[str, Any]:
    """Steps ``first`` on with a loss of 1/(step+1), or ``value``."""
    batch = HistoryBatch(last_step=first + count - 1, rows=count)
    steps = range(first, first + count)
    batch.numeric["loss"] = NumericColumn(
        list(steps), [1.0 / (s + 1) if value is None else value for s in steps], kind="f")
    return batch.to_body()


def _records(session: str, batches: int, finish: bool = True,
             ref: RunRef = REF) -> list[Record]:
    records = [Record(ref, session, 1, "run", {"name": "demo", "start_time": 1000.0}),
               Record(ref, session, 2, "config", {"config": {"lr": 0.1}})]
    for i in range(batches):
        records.append(Record(ref, session, 3 + i, "history", _history(i * 10, 10)))
    if finish:
        records.append(Record(ref, session, 3 + batches, "finish",
                              {"exit_code": 0, "state": "finished", "at": 2000.0}))
    return records


def write_wal(path: Path, records: list[Record]) -> list[int]:
    """Write records one frame at a time; returns the file size after each."""
    path.parent.mkdir(parents=True, exist_ok=True)
    writer = WalWriter(path, records[0].run, records[0].session)
    ends = []
    for record in records:
        writer.append_records([record])
        ends.append(writer.size)
    writer.close()
    return ends


@pytest.fixture
def store(tmp_path: Path) -> Iterator[SqliteStore]:
    opened = SqliteStore(tmp_path / "store" / "cairn.db")
    yield opened
    opened.close()


def _loss(store: MetadataStore, ref: RunRef = REF) -> list[float]:
    row = store.get_run(ref)
    assert row is not None
    return [float(v) for v in store.read_series(row.pk, "loss")[1]]


def _snapshot(store: MetadataStore) -> Any:
    rows = store.query_runs(None, None)
    return [(r.ref, r.name, r.state, r.config, r.summary, r.last_step,
             _loss(store, r.ref) if r.last_step >= 0 else []) for r in rows]


def test_replay_applies_once(tmp_path: Path, store: SqliteStore) -> None:
    wal = tmp_path / "run-abc123.cairn"
    write_wal(wal, _records("s1", 3))
    first = replay_wal(wal, store, batch_size=2)
    assert (first.records, first.applied, first.present) == (6, 6, 0)
    assert first.run == REF
    assert not first.torn
    assert first.error is None
    assert _loss(store) == [1.0 / (s + 1) for s in range(30)]
    second = replay_wal(wal, store)
    assert (second.applied, second.present) == (0, 6)
    row = store.get_run(REF)
    assert row is not None
    assert row.state == "finished"
    assert row.config == {"lr": 0.1}


def test_dry_run_counts_without_writing(tmp_path: Path, store: SqliteStore) -> None:
    wal = tmp_path / "run-abc123.cairn"
    records = _records("s1", 3)
    write_wal(wal, records)
    assert replay_wal(wal, None, dry_run=True).applied == 6
    store.apply_records(records[:3])
    dry = replay_wal(wal, store, dry_run=True)
    assert (dry.applied, dry.present) == (3, 3)
    assert store.applied_seq(REF, "s1") == 3
    with pytest.raises(ValueError, match="needs a store"):
        replay_wal(wal, None)


def test_dry_run_carries_marks_across_files(tmp_path: Path) -> None:
    records = _records("s1", 2)
    write_wal(tmp_path / "a" / "one.cairn", records[:3])
    write_wal(tmp_path / "b" / "two.cairn", records)  # a copy that goes further
    results = replay([tmp_path / "a" / "one.cairn", tmp_path / "b" / "two.cairn"], None,
                     dry_run=True)
    assert [(r.applied, r.present) for r in results] == [(3, 0), (2, 3)]


def test_damaged_frame_is_skipped_and_counted(tmp_path: Path, store: SqliteStore) -> None:
    wal = tmp_path / "run-abc123.cairn"
    ends = write_wal(wal, _records("s1", 3))
    data = bytearray(wal.read_bytes())
    data[ends[2] + 20] ^= 0x55  # the second history frame
    wal.write_bytes(bytes(data))
    result = replay_wal(wal, store)  # no warning: the damage is in the result
    assert (result.records, result.applied, result.skipped_frames) == (5, 5, 1)
    assert _loss(store) == [1.0 / (s + 1) for s in [*range(10), *range(20, 30)]]


def test_torn_tail(tmp_path: Path, store: SqliteStore) -> None:
    wal = tmp_path / "run-abc123.cairn"
    ends = write_wal(wal, _records("s1", 2))
    with wal.open("r+b") as fh:
        fh.truncate(ends[-1] - 4)
    result = replay_wal(wal, store)
    assert result.torn
    assert result.records == 4
    assert result.error is None
    row = store.get_run(REF)
    assert row is not None
    assert row.state == "crashed"


def test_not_a_wal_is_reported(tmp_path: Path, store: SqliteStore) -> None:
    bogus = tmp_path / "bogus.cairn"
    bogus.write_bytes(b"PK\x03\x04 this is a zip file, honestly")
    result = replay_wal(bogus, store)
    assert result.error is not None
    assert "not a cairn WAL" in result.error
    assert result.records == 0
    assert not result.torn


def test_undecodable_record_is_damage_not_a_crash(tmp_path: Path, store: SqliteStore) -> None:
    wal = tmp_path / "run-abc123.cairn"
    write_wal(wal, _records("s1", 1, finish=False))
    payload = msgpack.packb({"not": "a record"})
    with wal.open("ab") as fh:
        fh.write(FRAME_HEAD.pack(MARKER, len(payload), zlib.crc32(payload)) + payload)
    result = replay_wal(wal, store)
    assert result.records == 3
    assert result.error is None


def test_progress_adds_up_to_the_file_sizes(tmp_path: Path, store: SqliteStore) -> None:
    wal = tmp_path / "run-abc123.cairn"
    ends = write_wal(wal, _records("s1", 4))
    with wal.open("r+b") as fh:
        fh.truncate(ends[-1] - 2)
    seen: list[int] = []
    replay_wal(wal, store, batch_size=2, progress=seen.append)
    assert sum(seen) == wal.stat().st_size
    assert len(seen) > 1


def test_find_wal_files(tmp_path: Path) -> None:
    root = tmp_path / "cairn"
    later = root / "runs" / "run-20240102_000000-abc123" / "run-abc123.cairn"
    earlier = root / "runs" / "run-20240101_120000-abc123" / "run-abc123.cairn"
    other = root / "runs" / "run-20240101_130000-zzz" / "run-zzz.cairn"
    for path in (later, earlier, other):
        write_wal(path, _records("s", 0))
    assert find_wal_files([], root / "runs") == [earlier, other, later]
    assert find_wal_files([root], root / "unused") == [earlier, other, later]
    assert find_wal_files([later.parent, later], root / "runs") == [later]
    assert find_wal_files([], tmp_path / "none") == []
    with pytest.raises(NotFoundError, match="no such file or folder"):
        find_wal_files([tmp_path / "missing"], root / "runs")
    with pytest.raises(NotFoundError, match="no WAL files"):
        find_wal_files([tmp_path], root / "runs")


def test_sessions_replay_in_order(tmp_path: Path, store: SqliteStore) -> None:
    first = tmp_path / "runs" / "run-20240101_000000-abc123" / "run-abc123.cairn"
    second = tmp_path / "runs" / "run-20240102_000000-abc123" / "run-abc123.cairn"
    write_wal(first, _records("s1", 1))
    resumed = _records("s2", 0)
    resumed[1] = Record(REF, "s2", 2, "config", {"config": {"lr": 0.2}})
    write_wal(second, resumed)
    results = replay(find_wal_files([], tmp_path / "runs"), store)
    assert ReplayTotals.of(results).applied == 7
    row = store.get_run(REF)
    assert row is not None
    assert row.config == {"lr": 0.2}


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(cut=st.integers(min_value=0, max_value=10_000), batch=st.integers(1, 4),
       order=st.one_of(st.none(), st.permutations(range(1, 7))))
def test_any_prefix_applied_twice_gives_the_same_store(cut: int, batch: int,
                                                       order: list[int] | None) -> None:
    records = _records("s1", 4)
    if order is not None:  # frames out of sequence order; the opening run record first
        records = records[:1] + [records[i] for i in order]
    with tempfile.TemporaryDirectory() as folder:
        wal = Path(folder) / "run-abc123.cairn"
        ends = write_wal(wal, records)
        data = wal.read_bytes()
        wal.write_bytes(data[: cut % (ends[-1] + 1)])
        opened = SqliteStore(Path(folder) / "cairn.db")
        try:
            once = replay_wal(wal, opened, batch_size=batch)
            assert once.applied == once.records
            state = _snapshot(opened)
            twice = replay_wal(wal, opened, batch_size=batch)
            assert twice.applied == 0
            assert twice.present == once.records
            assert _snapshot(opened) == state
            wal.write_bytes(data)  # the rest of the file arrives: every record, once
            rest = replay_wal(wal, opened, batch_size=batch)
            assert once.applied + rest.applied == len(records)
            assert _snapshot(opened) == _in_order(Path(folder))
        finally:
            opened.close()


def _in_order(folder: Path) -> Any:
    """The store that replaying the records in sequence order gives."""
    wal = folder / "in-order" / "run-abc123.cairn"
    write_wal(wal, _records("s1", 4))
    opened = SqliteStore(folder / "in-order" / "cairn.db")
    try:
        replay_wal(wal, opened)
        return _snapshot(opened)
    finally:
        opened.close()


def test_a_legacy_session_gets_back_only_the_records_after_a_higher_one(
        tmp_path: Path) -> None:
    import sqlite3

    records = _records("s1", 3)  # seqs 1..6, the finish is 6
    order = [records[i] for i in (0, 1, 3, 2, 1, 4, 5)]  # 4 before 3, then 2 once more
    wal = tmp_path / "run-abc123.cairn"
    write_wal(wal, order)
    db = tmp_path / "cairn.db"
    opened = SqliteStore(db)
    opened.apply_records([r for r in order if r.seq != 3])  # as the old rule left it
    opened.close()
    conn = sqlite3.connect(db)
    conn.execute("UPDATE wal_progress SET gaps = NULL")  # a row from before gaps were kept
    conn.commit()
    conn.close()
    opened = SqliteStore(db)
    try:
        dry = replay_wal(wal, opened, dry_run=True)
        assert (dry.applied, dry.repaired) == (1, 1)
        assert opened.applied_progress(REF, "s1").legacy
        first = replay_wal(wal, opened)
        assert (first.applied, first.present, first.repaired) == (1, 6, 1)
        assert _loss(opened) == [1.0 / (s + 1) for s in range(30)]
        again = replay_wal(wal, opened)
        assert (again.applied, again.repaired) == (0, 0)
    finally:
        opened.close()


def test_a_session_resumed_within_the_same_second_replays_after_its_predecessor(
        tmp_path: Path, store: SqliteStore) -> None:
    runs = tmp_path / "runs"
    # The resumed session's folder name sorts first; its opening record says it is later.
    later = runs / "run-20240101_000000-abc123-a1b2c3" / "run-abc123.cairn"
    earlier = runs / "run-20240101_000000-abc123" / "run-abc123.cairn"
    write_wal(earlier, _records("s1", 1))
    resumed = [Record(REF, "s2", 1, "run", {"name": "demo", "start_time": 1000.5}),
               Record(REF, "s2", 2, "history", _history(0, 10, value=7.0))]
    write_wal(later, resumed)
    files = find_wal_files([], runs)
    assert files == [earlier, later]
    replay(files, store)
    assert _loss(store) == [7.0] * 10  # the later session's values of a step win


def test_a_hostile_summary_record_neither_crashes_nor_stops_other_files(
        tmp_path: Path, store: SqliteStore) -> None:
    other = RunRef("me", "proj", "other1")
    bad = [Record(REF, "s1", 1, "run", {"name": "bad"}),
           Record(REF, "s1", 2, "summary", {"set": {"a": 1, 3: "x"}, "del": [1, None, "b"],
                                           "paths": ["not", "a", "dict"]})]
    write_wal(tmp_path / "runs" / "run-1" / "run-abc123.cairn", bad)
    write_wal(tmp_path / "runs" / "run-2" / "run-other1.cairn",
              _records("s2", batches=1, ref=other))
    results = replay([tmp_path / "runs" / "run-1" / "run-abc123.cairn",
                      tmp_path / "runs" / "run-2" / "run-other1.cairn"], store)
    assert [r.error for r in results] == [None, None]
    row = store.get_run(REF)
    assert row is not None
    assert row.summary == {"a": 1}
    assert store.get_run(other) is not None
