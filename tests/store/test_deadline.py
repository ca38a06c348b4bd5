"""Reads under a deadline stop with QueryTimeoutError; readers do not wait for a writer."""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import pytest

from cairn.errors import QueryTimeoutError
from cairn.records import RunRef
from cairn.store.base import MetadataStore
from cairn.store.deadline import Deadline
from cairn.store.sqlite import SqliteStore


def _runs(store: MetadataStore, writer: Any, count: int) -> None:
    records = []
    for i in range(count):
        w = writer(RunRef("me", "p", f"r{i:03d}"))
        records += [w.run(), w.config({"k": i, "s": f"v{i}"}), w.finish()]
    store.apply_records(records)


def test_an_expired_or_cancelled_deadline_stops_reads(store: MetadataStore,
                                                      writer: Any) -> None:
    _runs(store, writer, 20)
    expired = Deadline(0.0)
    with expired.active(), pytest.raises(QueryTimeoutError, match="ran past the limit"):
        store.query_runs("me", "p", {"config.k": {"$gte": 3}})
    cancelled = Deadline(60.0)
    cancelled.cancel()
    with cancelled.active(), pytest.raises(QueryTimeoutError, match="client went away"):
        store.count_runs("me", "p")
    with Deadline(60.0).active():
        assert store.count_runs("me", "p", {"config.k": {"$gte": 3}}) == 17
        # writes are never cut short: a half-applied batch would be rolled back anyway,
        # but the client's data must not depend on a reader's limit
    with expired.active():
        w = writer(RunRef("me", "p", "late"))
        store.apply_records([w.run(), w.finish()])
    assert store.count_runs("me", "p") == 21


def test_a_cancel_stops_a_running_read(store: MetadataStore, writer: Any) -> None:
    _runs(store, writer, 300)
    slow = {"$or": [{"config.s": {"$regex": f"^v{i}x"}} for i in range(3000)]}
    limit = Deadline(120.0)
    started = threading.Event()

    def read() -> int:
        with limit.active():
            started.set()
            return store.count_runs("me", "p", slow)

    with ThreadPoolExecutor(1) as pool:
        future = pool.submit(read)
        started.wait()
        threading.Event().wait(0.2)
        limit.cancel()
        with pytest.raises(QueryTimeoutError, match="client went away"):
            future.result(timeout=30)


def test_readers_do_not_wait_for_a_write(tmp_path: Any, writer: Any) -> None:
    store = SqliteStore(tmp_path / "cairn.db", busy_timeout=0.5)
    try:
        _runs(store, writer, 3)
        with store._write() as conn:  # a write transaction held open by this thread
            conn.execute("UPDATE runs SET notes = 'changing'")
            with ThreadPoolExecutor(4) as pool:
                counts = list(pool.map(lambda _: store.count_runs("me", "p"), range(8)))
                notes = pool.submit(lambda: [r.notes for r in store.query_runs("me", "p")])
                assert notes.result(timeout=5) == ["", "", ""]  # the last committed state
        assert counts == [3] * 8
        assert [r.notes for r in store.query_runs("me", "p")] == ["changing"] * 3
    finally:
        store.close()
