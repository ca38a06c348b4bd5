"""The state of a run that only its WAL files hold, for a resume before ``cairn sync``."""

from __future__ import annotations

from pathlib import Path

import pytest

from cairn.records import RunRef
from cairn.store.sqlite import SqliteStore
from cairn.wal.replay import replay
from cairn.wal.resume import run_wals, unsynced_state
from cairn.wal.writer import WalWriter

REF = RunRef("me", "proj", "a-b")


def _session(runs: Path, folder: str, ref: RunRef, session: str, start: float,
             steps: range) -> Path:
    path = runs / folder / f"run-{ref.run_id}.cairn"
    path.parent.mkdir(parents=True)
    writer = WalWriter(path, ref, session)
    writer.append([(1, "run", {"name": "n", "start_time": start}),
                   (2, "history", {"steps": [], "obj": {"i": [[s, s] for s in steps]},
                                   "num": {}, "rows": len(steps), "last_step": steps[-1],
                                   "at": start})])
    writer.close()
    return path


def test_the_files_of_one_run_in_replay_order(tmp_path: Path) -> None:
    runs = tmp_path / "runs"
    second = _session(runs, "run-20240101_000000-a-b-0a1b2c", REF, "s2", 2.0, range(3, 5))
    first = _session(runs, "run-20240101_000000-a-b", REF, "s1", 1.0, range(3))
    _session(runs, "run-20240101_000000-a", RunRef("me", "proj", "a"), "s3", 1.0, range(1))
    _session(runs, "run-20240101_000001-a-b", RunRef("me", "other", "a-b"), "s4", 3.0,
             range(1))
    # A run whose id ends like a resumed session's suffix: its WAL says whose it is.
    _session(runs, "run-20240101_000002-a-b-0a1b2d", RunRef("me", "proj", "a-b-0a1b2d"),
             "s5", 4.0, range(1))
    assert run_wals(runs, "proj", "a-b") == {first: (REF, "s1"), second: (REF, "s2")}
    assert run_wals(tmp_path / "none", "proj", "a-b") == {}


def test_the_state_is_what_a_sync_would_give_until_the_store_holds_every_session(
        tmp_path: Path) -> None:
    runs = tmp_path / "runs"
    first = _session(runs, "run-20240101_000000-a-b", REF, "s1", 1.0, range(3))
    _session(runs, "run-20240101_000009-a-b", REF, "s2", 2.0, range(3, 5))
    state = unsynced_state(runs, "proj", "a-b", None)
    assert state is not None
    assert (state.ref, state.last_step, state.meta["sessions"]) == (REF, 4, 2)
    store = SqliteStore(tmp_path / "cairn.db")
    try:
        replay([first], store)
        assert unsynced_state(runs, "proj", "a-b", store) is not None
        replay(list(run_wals(runs, "proj", "a-b")), store)
        assert unsynced_state(runs, "proj", "a-b", store) is None
    finally:
        store.close()


def test_a_record_the_store_refuses_ends_the_resume_state_before_it(tmp_path: Path) -> None:
    runs = tmp_path / "runs"
    path = _session(runs, "run-20240101_000000-a-b", REF, "s1", 1.0, range(3))
    writer = WalWriter(path, REF, "s1")
    writer.append([(3, "history", {"num": {"x": [b"abc", b"", "f"]}})])  # not 8-byte steps
    writer.close()
    with pytest.warns(RuntimeWarning, match="stops early"):
        row = unsynced_state(runs, "proj", "a-b", None)
    assert row is not None
    assert row.last_step == 2  # the records before the refused one
