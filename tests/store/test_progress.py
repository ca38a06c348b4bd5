"""``wal_progress``: which records of a session a store holds, kept as a high-water mark
and the ranges below it never applied."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from cairn.records import RunRef
from cairn.store.progress import MAX_GAPS, MAX_SEQ, SessionProgress, as_spans
from cairn.store.sqlite import SqliteStore
from cairn.testing import rewind_sqlite_schema

REF = RunRef("me", "proj", "run1")


def test_records_in_any_order_leave_only_the_missing_ones_as_gaps() -> None:
    progress = SessionProgress()
    for seq in (1, 5, 3, 9, 4):
        assert not progress.holds(seq)
        progress.add(seq)
        assert progress.holds(seq)
    assert (progress.mark, progress.gaps) == (9, [(2, 2), (6, 8)])
    assert [s for s in range(1, 11) if not progress.holds(s)] == [2, 6, 7, 8, 10]


def test_numbers_no_writer_gives_are_held_and_never_added() -> None:
    progress = SessionProgress()
    assert [progress.holds(s) for s in (0, -3, MAX_SEQ + 1)] == [True, True, True]
    progress.add(MAX_SEQ)
    assert progress.gaps == [(1, MAX_SEQ - 1)]


def test_a_legacy_row_holds_everything_up_to_its_mark_until_reopened() -> None:
    progress = SessionProgress(mark=10, gaps=None)
    assert progress.legacy
    assert [progress.holds(s) for s in (4, 11)] == [True, False]
    progress.reopen([(4, 4), (9, 12), (0, 1), (5, 5)])
    assert progress.gaps == [(1, 1), (4, 5), (9, 10)]
    assert not progress.legacy
    assert [progress.holds(s) for s in (4, 6)] == [False, True]


def test_hostile_numbering_keeps_a_bounded_number_of_gaps() -> None:
    progress = SessionProgress()
    for seq in range(2, 2 * MAX_GAPS + 100, 2):  # every other number
        progress.add(seq)
    assert progress.gaps is not None
    assert len(progress.gaps) == MAX_GAPS
    assert progress.gaps[-1] == (progress.mark - 1, progress.mark - 1)
    assert progress.holds(1)  # the oldest gaps are forgotten: counted as applied


def test_splitting_one_huge_gap_keeps_the_cap_too() -> None:
    progress = SessionProgress()
    progress.add(10**7)  # one gap below a huge jump …
    for seq in range(2, 2 * MAX_GAPS + 100, 2):  # … split again and again
        progress.add(seq)
    assert progress.gaps is not None
    assert len(progress.gaps) == MAX_GAPS


def test_as_spans() -> None:
    assert as_spans([7, 3, 4, 5, 9, 4]) == [(3, 5), (7, 7), (9, 9)]
    assert as_spans([]) == []


def _legacy_store(tmp_path: Path, writer: Any) -> Path:
    """A store whose ``wal_progress`` row was written before gaps were kept."""
    path = tmp_path / "cairn.db"
    store = SqliteStore(path)
    w = writer(REF)
    store.apply_records([w.run(), w.history([(0, {"x": 1.0})]), w.heartbeat()])
    store.close()
    rewind_sqlite_schema(path, 5)
    return path


def test_rows_from_before_the_migration_are_legacy_and_repaired_once(
        tmp_path: Path, writer: Any) -> None:
    store = SqliteStore(_legacy_store(tmp_path, writer))
    try:
        progress = store.applied_progress(REF, "s1")
        assert (progress.mark, progress.legacy) == (3, True)
        assert store.repair_progress(REF, "s1", [(2, 2)]) is True
        assert store.applied_progress(REF, "s1").gaps == [(2, 2)]
        assert store.repair_progress(REF, "s1", [(1, 3)]) is False  # repaired already
        assert store.applied_progress(REF, "s1").gaps == [(2, 2)]
        assert store.repair_progress(REF, "other", [(1, 1)]) is False
        assert store.repair_progress(RunRef("me", "proj", "none"), "s1", [(1, 1)]) is False
    finally:
        store.close()
