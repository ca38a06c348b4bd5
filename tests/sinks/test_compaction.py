"""A finished run's WAL is compacted by its applier once the store holds all of it, and
only then; what the store holds and what `cairn sync` does are unchanged by it."""

from __future__ import annotations

import time
from pathlib import Path

import pytest

import cairn
from cairn.sinks.handoffs import wait_for_handoffs
from cairn.sinks.process import shared_process
from cairn.sinks.thread import ThreadApplier
from cairn.store.sqlite import SqliteStore
from cairn.wal import compact
from cairn.wal.reader import WalReader
from cairn.wal.replay import replay_wal


def _log(run: cairn.Run, steps: int) -> None:
    for step in range(steps):
        run.log({f"m{i}": step * 0.25 + i for i in range(10)})


def _manifest(wal: Path) -> dict[str, object] | None:
    reader = WalReader(wal)
    reader.read(max_records=1)
    return reader.compacted


def _wait_for_compaction(wal: Path, timeout: float = 60.0) -> dict[str, object]:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        found = _manifest(wal)
        if found is not None:
            return found
        time.sleep(0.1)
    raise AssertionError(f"{wal} was not compacted within {timeout} s")


def test_the_applier_process_compacts_a_finished_run(cairn_root: Path) -> None:
    run = cairn.init(project="p", config={"lr": 0.1}, settings={"wal_retention": "compact"})
    process = shared_process()
    assert process is not None
    assert process.ready.wait(30)  # else the run is applied in this process
    _log(run, 12_000)  # about 1.3 MB of WAL, over COMPACT_FROM
    run.finish()
    wal = run.wal_path
    manifest = _wait_for_compaction(wal)
    assert manifest["store"] == str(cairn_root)
    assert wal.stat().st_size < 64 << 10
    stored = cairn.Api().run(run.path)
    assert stored.state == "finished"
    assert stored.config["lr"] == 0.1
    steps, values = stored.series("m3")
    assert steps.tolist() == list(range(12_000))
    assert values.tolist() == [step * 0.25 + 3 for step in range(12_000)]
    store = SqliteStore(cairn_root / "cairn.db")
    try:
        again = replay_wal(wal, store)  # `cairn sync` of the folder: nothing to do
        assert (again.applied, again.history_elsewhere, again.error) == (0, 0, None)
    finally:
        store.close()


@pytest.mark.parametrize("retention", ["keep", "delete", "compact"])
def test_retention_with_the_thread_applier(retention: str,
                                           monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(compact, "COMPACT_FROM", 0)
    run = cairn.init(project="p", settings={"applier": "thread", "wal_retention": retention})
    _log(run, 50)
    run.finish()
    assert wait_for_handoffs(60)  # finish() returned at the WAL; the store takes it after
    applier = run._applier
    assert isinstance(applier, ThreadApplier)
    assert applier.compaction is not None
    applier.compaction.join(30)
    wal = run.wal_path
    if retention == "delete":
        assert not wal.exists()
    else:
        assert (_manifest(wal) is None) == (retention == "keep")
    steps, _ = cairn.Api().run(run.path).series("m0")
    assert steps.tolist() == list(range(50))


def test_a_run_whose_store_did_not_take_it_keeps_its_wal_whole(
        cairn_root: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(compact, "COMPACT_FROM", 0)
    (cairn_root / "cairn.db").mkdir(parents=True)  # a store that cannot be opened
    run = cairn.init(project="p", settings={"applier": "thread", "finish_timeout": 1,
                                            "wal_retention": "compact"})
    _log(run, 50)
    with pytest.warns(cairn.CairnWarning, match="cairn sync"):
        run.finish()
    applier = run._applier
    assert isinstance(applier, ThreadApplier)
    assert applier.compaction is None
    assert _manifest(run.wal_path) is None
    assert [r.kind for r in WalReader(run.wal_path).read()].count("history") >= 1


def test_a_finished_run_keeps_its_whole_wal_by_default(
        monkeypatch: pytest.MonkeyPatch) -> None:
    """``cairn sync --to`` another store reads runs from their WALs: by default nothing
    is removed from them."""
    monkeypatch.setattr(compact, "COMPACT_FROM", 0)
    run = cairn.init(project="p", settings={"applier": "thread"})
    _log(run, 50)
    run.finish()
    assert wait_for_handoffs(60)
    applier = run._applier
    assert isinstance(applier, ThreadApplier)
    if applier.compaction is not None:
        applier.compaction.join(30)
    assert _manifest(run.wal_path) is None
    assert [r.kind for r in WalReader(run.wal_path).read()].count("history") >= 1
