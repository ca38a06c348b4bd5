"""The store reads the server is built on (``store/sqlite.py``, ``store/chunk_index.py``):
search, project keys and metrics, the change feed, run keys by id, and envelopes from the
cached chunk index, which must never serve a stale series."""

from __future__ import annotations

import numpy as np
from tests.store.conftest import Writer

from cairn.records import RunRef
from cairn.store.chunk_index import ChunkIndex, ChunkIndexCache
from cairn.store.codec import encode_envelope, envelope_of
from cairn.store.sqlite import SqliteStore, flat_key, search_clause


def _store_with(store: SqliteStore, run_id: str, **run: object) -> Writer:
    writer = Writer(RunRef("me", "proj", run_id))
    store.apply_records([writer.run(**run), writer.finish()])
    return writer


def test_search_with_filters_counts_and_keys(store: SqliteStore) -> None:
    _store_with(store, "a", name="Alpha", tags=["x_y"])
    _store_with(store, "b", name="beta", group="a%b")
    _store_with(store, "c", name="gamma")
    assert store.count_runs("me", "proj", search="ALPHA") == 1
    assert store.count_runs("me", "proj", search="x_y") == 1
    assert store.count_runs("me", "proj", search="x%y") == 0
    assert store.count_runs("me", "proj", search="a%") == 1
    assert store.count_runs("me", "proj", search="a") == 3
    assert store.count_runs("me", "proj", {"name": {"$ne": "beta"}}, search="a") == 2
    pks = store.query_run_pks("me", "proj", order="name", search="a")
    assert [r.name for r in store.runs_by_pk(pks)] == ["Alpha", "beta", "gamma"]
    rows, total = store.query_runs_counted("me", "proj", None, "name", limit=1, offset=5,
                                           search="a")
    assert (rows, total) == ([], 3)
    assert search_clause(None) == ("1", [])
    assert search_clause("") == ("1", [])


def test_projects_runs_by_id_and_change_feed(store: SqliteStore) -> None:
    assert store.get_project("me", "proj") is None
    _store_with(store, "a")
    project = store.get_project("me", "proj")
    assert project is not None
    assert (project.entity, project.name, project.run_count) == ("me", "proj", 1)
    _store_with(store, "b")
    found = store.run_versions("me", "proj", ["b", "zz", "a", "b"])
    assert found.keys() == {"a", "b"}
    assert found["a"].updated_at < found["b"].updated_at
    assert store.run_versions("me", "other", ["a"]) == {}
    changed = store.runs_updated_since("me", "proj", 0.0)
    assert [r.ref.run_id for r in changed] == ["a", "b"]
    last = changed[-1].updated_at
    assert store.runs_updated_since("me", "proj", last) == []
    assert [r.ref.run_id for r in store.runs_updated_since("me", "proj", last - 1e-3)] in (
        ["b"], ["a", "b"])


def test_numeric_series_of_some_keys(store: SqliteStore) -> None:
    writer = _store_with(store, "a")
    store.apply_records([writer.points("loss", [0, 1], [1.0, 2.0]),
                         writer.points("acc", [5], [1.0], kind="i")])
    row = store.get_run(writer.ref)
    assert row is not None
    assert [s.key for s in store.numeric_series(row.pk)] == ["acc", "loss"]
    got = store.numeric_series(row.pk, ["loss", "nope"])
    assert [(s.key, s.kind, s.count, s.first_step, s.last_step) for s in got] == [
        ("loss", "f", 2, 0, 1)]
    assert store.numeric_series(row.pk, []) == []


def test_envelopes_follow_every_change_of_a_series(store: SqliteStore) -> None:
    writer = _store_with(store, "a")
    steps = np.arange(20_000)
    store.apply_records([writer.points("loss", steps, np.ones(steps.size))])
    row = store.get_run(writer.ref)
    assert row is not None
    first = store.read_envelope(row.pk, "loss", 10)
    assert float(first.vmax.max()) == 1.0
    again = store.read_envelope(row.pk, "loss", 10)  # from the cache
    assert np.array_equal(again.step_first, first.step_first)
    # Same steps, new values (a late session): no count or last step changes.
    late = Writer(writer.ref, session="s0", start=writer.start - 100)
    spiky = np.ones(steps.size)
    spiky[12_345] = 99.0
    store.apply_records([late.points("loss", steps, spiky)])
    assert float(store.read_envelope(row.pk, "loss", 10).vmax.max()) == 99.0
    # More points after the end.
    more = np.arange(20_000, 30_000)
    store.apply_records([writer.points("loss", more, np.full(more.size, -5.0))])
    env = store.read_envelope(row.pk, "loss", 10)
    assert int(env.points.sum()) == 30_000
    assert float(env.vmin.min()) == -5.0
    zoom = store.read_envelope(row.pk, "loss", 10, 12_000, 12_999)
    assert int(zoom.points.sum()) == 1000
    assert float(zoom.vmax.max()) == 99.0


def test_chunk_index_cache_keeps_a_byte_budget() -> None:
    def index(version: int, chunks: int) -> ChunkIndex:
        rows = []
        for i in range(chunks):
            s = np.arange(i * 4096, (i + 1) * 4096, dtype=np.int64)
            rows.append((i, int(s[0]), int(s[-1]), s.size,
                         encode_envelope(envelope_of(s, s.astype(np.float64)))))
        return ChunkIndex.build(version, rows)

    one = index(1, 4)
    assert one.overlapping(5000, 9000) == (1, 3)
    assert one.overlapping(10**9, 10**10) == (4, 4)
    assert one.envelope(1, 2).size == 16
    cache = ChunkIndexCache(budget=one.nbytes * 2)
    cache.put("a", one)
    cache.put("b", index(1, 4))
    assert cache.get("a", 1) is one
    cache.put("c", index(1, 4))  # "b" is the least recently used
    assert cache.get("b", 1) is None
    assert cache.get("a", 1) is one
    assert cache.get("a", 2) is None  # another version of the series
    cache.put("huge", index(1, 12))  # over the whole budget: not kept
    assert cache.get("huge", 1) is None
    cache.clear()
    assert cache.get("a", 1) is None


def test_flat_keys_of_sqlite_json_paths() -> None:
    assert flat_key("$.a") == "a"
    assert flat_key("$.a.b") == "a.b"
    assert flat_key('$."val/acc".max') == "val/acc.max"
    assert flat_key('$."c d"[1].x') == "c d"
    assert flat_key("$.sizes[0]") == "sizes"
    assert flat_key('$."q\\"k"') == 'q"k'
    assert flat_key('$."caf\\u00e9"') == "café"
