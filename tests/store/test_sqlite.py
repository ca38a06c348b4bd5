"""The SQLite store: opening, reading runs and projects, series and envelopes."""

from __future__ import annotations

import math
import sqlite3
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from cairn.errors import StoreError
from cairn.records import RunRef
from cairn.store.base import MetadataStore
from cairn.store.buckets import STEP_MAX, STEP_MIN
from cairn.store.codec import ENVELOPE_POINTS, Envelope
from cairn.store.sqlite import SqliteStore

REF = RunRef("me", "proj", "run1")


def _series_run(store: MetadataStore, writer: Any, steps: Any, values: Any,
                key: str = "x") -> int:
    w = writer(REF)
    store.apply_records([w.run(), w.points(key, steps, values)])
    row = store.get_run(REF)
    assert row is not None
    return row.pk


def _dead_pid() -> int:
    proc = subprocess.Popen([sys.executable, "-c", "pass"])
    proc.wait()
    return proc.pid


# ---- opening -------------------------------------------------------------------------

def test_schema_version_and_reopen(tmp_path: Path, writer: Any) -> None:
    path = tmp_path / "deep" / "cairn.db"
    store = SqliteStore(path)
    store.apply_records([writer(REF).run()])
    store.close()
    again = SqliteStore(path)
    try:
        assert again.get_run(REF) is not None
    finally:
        again.close()
    conn = sqlite3.connect(path)
    try:
        assert conn.execute("PRAGMA user_version").fetchone()[0] >= 1
        assert conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    finally:
        conn.close()


def test_newer_schema_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "cairn.db"
    conn = sqlite3.connect(path)
    conn.execute("PRAGMA user_version = 999")
    conn.close()
    with pytest.raises(StoreError, match="newer"):
        SqliteStore(path)


def test_unopenable_path_is_a_store_error(tmp_path: Path) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("x")
    with pytest.raises(StoreError, match="cannot open"):
        SqliteStore(blocker / "sub" / "cairn.db")


def test_writes_wait_for_a_lock_then_fail_clearly(tmp_path: Path, writer: Any) -> None:
    path = tmp_path / "cairn.db"
    store = SqliteStore(path, busy_timeout=0.05)
    holder = sqlite3.connect(path, isolation_level=None)
    holder.execute("BEGIN IMMEDIATE")
    try:
        with pytest.raises(StoreError, match="locked"):
            store.apply_records([writer(REF).run()])
    finally:
        holder.execute("ROLLBACK")
        holder.close()
    store.apply_records([writer(REF).run()])
    store.close()


# ---- runs and projects ---------------------------------------------------------------

def test_projects_and_runs(store: MetadataStore, writer: Any) -> None:
    for i, ref in enumerate([RunRef("me", "a", "r1"), RunRef("me", "a", "r2"),
                             RunRef("me", "b", "r3")]):
        store.apply_records([writer(ref, start=1000.0 + i).run()])
    projects = {(p.entity, p.name): p for p in store.list_projects()}
    assert {k: p.run_count for k, p in projects.items()} == {("me", "a"): 2, ("me", "b"): 1}
    assert all(p.last_activity >= p.created_at for p in projects.values())
    assert [r.ref.run_id for r in store.query_runs("me", "a")] == ["r2", "r1"]
    assert [r.ref.run_id for r in store.query_runs(None, None)] == ["r3", "r2", "r1"]
    assert [r.ref.run_id for r in store.query_runs("me", None, limit=1, offset=1)] == ["r2"]
    assert store.count_runs("me", "a") == 2
    assert store.count_runs(None, "b") == 1
    assert store.count_runs("nobody", None) == 0
    assert store.get_run(RunRef("me", "b", "r1")) is None
    assert [r.ref for r in store.find_runs("r3")] == [RunRef("me", "b", "r3")]
    assert store.find_runs("r3", "a") == []
    page, total = store.query_runs_counted("me", None, limit=1)
    assert ([r.ref.run_id for r in page], total) == (["r3"], 3)
    assert store.query_runs_counted("me", "a", limit=5, offset=5) == ([], 2)
    assert store.query_runs_counted("nobody", None, limit=5) == ([], 0)
    pks = store.query_run_pks(None, None)
    assert [r.pk for r in store.query_runs(None, None)] == pks
    picked = store.runs_by_pk([pks[2], 10**9, pks[0]])
    assert [r.ref.run_id for r in picked] == ["r1", "r3"]  # given order; unknown skipped


def test_get_run_with_state(store: MetadataStore, writer: Any) -> None:
    w = writer(REF)
    store.apply_records([w.run(), w.history([(0, {"x": 1})])])
    plain = store.get_run(REF)
    full = store.get_run(REF, with_state=True)
    assert plain is not None
    assert full is not None
    assert plain.summary_state == {}
    assert "x" in full.summary_state["num"]


def test_crashed_when_the_writer_is_gone(tmp_path: Path, writer: Any) -> None:
    import socket

    store = SqliteStore(tmp_path / "cairn.db", heartbeat_timeout=60.0)
    now = time.time()
    here = socket.gethostname()
    cases = {
        "dead-pid": {"host": here, "pid": _dead_pid(), "start_time": now},
        "live-here": {"host": here, "pid": 1, "start_time": now},  # pid 1 always exists
        "this-process": {"host": here, "pid": __import__("os").getpid(),
                         "start_time": now - 3600},
        "stale-elsewhere": {"host": "far-away", "pid": 1, "start_time": now - 3600},
        "fresh-elsewhere": {"host": "far-away", "pid": 1, "start_time": now},
        "finished-long-ago": {"host": "far-away", "pid": 1, "start_time": now - 3600},
    }
    for name, fields in cases.items():
        w = writer(RunRef("me", "p", name), start=fields["start_time"])
        records = [w.run(**fields)]
        if name == "finished-long-ago":
            records.append(w.finish(at=now - 3500))
        store.apply_records(records)
    states = {r.ref.run_id: r.state for r in store.query_runs("me", "p")}
    assert states == {"dead-pid": "crashed", "live-here": "running",
                      "this-process": "running", "stale-elsewhere": "crashed",
                      "fresh-elsewhere": "running", "finished-long-ago": "finished"}
    crashed = store.query_runs("me", "p", {"state": "crashed"})
    assert sorted(r.ref.run_id for r in crashed) == ["dead-pid", "stale-elsewhere"]
    assert store.count_runs("me", "p", {"state": {"$in": ["running"]}}) == 3
    # A heartbeat brings a quiet run back to running.
    w = writer(RunRef("me", "p", "stale-elsewhere"), start=now - 3600)
    w.seq = 1
    store.apply_records([w.heartbeat(at=time.time())])
    row = store.get_run(RunRef("me", "p", "stale-elsewhere"))
    assert row is not None
    assert row.state == "running"
    store.close()


# ---- series ---------------------------------------------------------------------------

def test_read_series_ranges(store: MetadataStore, writer: Any) -> None:
    steps = np.arange(0, 20000, 2)
    pk = _series_run(store, writer, steps, steps * 0.5)

    def read(lo: Any, hi: Any) -> list[int]:
        return store.read_series(pk, "x", lo, hi)[0].tolist()

    assert read(None, None) == steps.tolist()
    assert read(3, 9) == [4, 6, 8]
    assert read(4, 4) == [4]
    assert read(5, 5) == []
    assert read(-100, 2) == [0, 2]
    assert read(19998, None) == [19998]
    assert read(30000, 40000) == []
    assert read(-(10**30), 10**30) == steps.tolist()
    assert read(np.int64(2), np.int32(4)) == [2, 4]
    with pytest.raises(ValueError, match="greater than max_step"):
        read(10, 9)
    with pytest.raises(ValueError, match="min_step must be a whole step"):
        read(1.5, None)
    missing = store.read_series(pk, "nope")
    assert (missing[0].size, missing[1].size, missing[2]) == (0, 0, "f")


def _brute_force_check(env: Envelope, steps: np.ndarray, values: np.ndarray) -> None:
    """Groups partition the points in order, with exact aggregates."""
    assert int(env.points.sum()) == steps.size
    if env.size == 0:
        return
    starts = np.concatenate([[0], np.cumsum(env.points)[:-1]]).astype(int)
    for i, a in enumerate(starts.tolist()):
        b = a + int(env.points[i])
        part = values[a:b]
        finite = part[~np.isnan(part)]
        assert env.step_first[i] == steps[a]
        assert env.step_last[i] == steps[b - 1]
        assert env.count[i] == finite.size
        if finite.size:
            assert env.vmin[i] == finite.min()
            assert env.vmax[i] == finite.max()
        else:
            assert math.isnan(env.vmin[i])
            assert math.isnan(env.vmax[i])
        last = values[b - 1]
        assert env.last[i] == last or (math.isnan(env.last[i]) and math.isnan(last))


def _bucket_of(step: np.ndarray, lo: int, hi: int, buckets: int) -> np.ndarray:
    span = hi - lo + 1
    count = max(1, min(buckets, span))
    edges = np.array([lo + i * span // count for i in range(count)], dtype=np.int64)
    return np.searchsorted(edges, step, "right") - 1


@pytest.mark.parametrize("backend", ["sqlite", "postgresql"])
@settings(max_examples=40, deadline=None)
@given(n=st.integers(0, 3000), seed=st.integers(0, 2**32 - 1), buckets=st.integers(1, 40),
       data=st.data())
def test_envelope_matches_brute_force(backend: str, n: int, seed: int, buckets: int, *,
                                      data: st.DataObject, fresh_store: Any,
                                      writer: Any) -> None:
    rng = np.random.default_rng(seed)
    steps = np.cumsum(rng.integers(1, 4, size=n)) + int(rng.integers(-50, 50))
    values = rng.normal(size=n)
    values[rng.random(n) < 0.05] = math.nan
    values[rng.random(n) < 0.01] = math.inf
    top = int(steps[-1]) + 20 if n else 20
    lo = data.draw(st.none() | st.integers(-60, top))
    hi = data.draw(st.none() | st.integers(lo if lo is not None else -60, top + 20))
    with fresh_store(backend) as store:
        if n:
            pk = _series_run(store, writer, steps, values)
        else:
            store.apply_records([writer(REF).run()])
            pk = -1
        env = store.read_envelope(pk, "x", buckets, lo, hi)
        want_steps, want_values, _ = store.read_series(pk, "x", lo, hi)
    assert env.size <= max(buckets, 0 if want_steps.size == 0 else 1)
    _brute_force_check(env, want_steps, want_values)
    if want_steps.size == 0:
        return
    first, last = int(want_steps[0]), int(want_steps[-1])
    if want_steps.size <= buckets:
        assert env.size == want_steps.size  # every point its own group
        return
    group_buckets = _bucket_of(env.step_first, first, last, buckets)
    assert np.all(np.diff(group_buckets) > 0)  # one group a bucket
    if want_steps.size <= buckets * ENVELOPE_POINTS:
        # A short range is read point by point: groups are exactly the non-empty buckets.
        point_buckets = _bucket_of(want_steps, first, last, buckets)
        assert group_buckets.tolist() == np.unique(point_buckets).tolist()
        ends = np.cumsum(env.points) - 1
        assert _bucket_of(want_steps[ends], first, last, buckets).tolist() == \
            group_buckets.tolist()


SPIKE_AT, DIP_AT = 654_321, 123_457


@pytest.fixture(scope="module")
def million(tmp_path_factory: pytest.TempPathFactory,
            writer: Any) -> Iterator[tuple[SqliteStore, int]]:
    """A store with one 1,000,000-point series holding one spike and one dip."""
    store = SqliteStore(tmp_path_factory.mktemp("million") / "cairn.db")
    values = np.random.default_rng(7).normal(size=1_000_000)
    values[SPIKE_AT] = 1e6
    values[DIP_AT] = -1e6
    pk = _series_run(store, writer, np.arange(values.size), values)
    yield store, pk
    store.close()


@pytest.mark.parametrize("buckets", [1, 2, 3, 7, 100, 999, 2000, 4096, 100_000, 2_000_000])
def test_a_spike_is_never_hidden(million: tuple[SqliteStore, int], buckets: int) -> None:
    store, pk = million
    for lo, hi in [(None, None), (600_000, 700_000), (SPIKE_AT, SPIKE_AT),
                   (SPIKE_AT - 1000, SPIKE_AT + 999), (DIP_AT - 1, 700_000)]:
        env = store.read_envelope(pk, "x", buckets, lo, hi)
        first = 0 if lo is None else lo
        last = 999_999 if hi is None else hi
        assert env.size <= buckets
        assert int(env.points.sum()) == last - first + 1
        assert env.step_first[0] == first
        assert env.step_last[-1] == last
        assert env.vmax.max() == 1e6
        assert (env.vmin.min() == -1e6) == (first <= DIP_AT)


def test_envelope_ranges_and_errors(store: MetadataStore, writer: Any) -> None:
    steps = np.arange(0, 10000)
    pk = _series_run(store, writer, steps, np.sin(steps))
    assert store.read_envelope(pk, "x", 10, 20000, 30000).size == 0
    assert store.read_envelope(pk, "x", 10, -50, -1).size == 0
    assert store.read_envelope(pk, "nope", 10).size == 0
    env = store.read_envelope(pk, "x", 10, -50, 5)
    assert env.step_first.tolist() == list(range(6))
    assert store.read_envelope(pk, "x", 1, STEP_MIN, STEP_MAX).points.tolist() == [10000]
    with pytest.raises(ValueError, match="greater than max_step"):
        store.read_envelope(pk, "x", 10, 5, 4)
    for bad in (0, -3, 2.5, True, "10"):
        with pytest.raises(ValueError, match="buckets"):
            store.read_envelope(pk, "x", bad)  # type: ignore[arg-type]


def test_long_series_envelopes_in_zoomed_ranges(store: MetadataStore, writer: Any) -> None:
    rng = np.random.default_rng(3)
    steps = np.cumsum(rng.integers(1, 5, size=30_000))
    values = rng.normal(size=steps.size)
    values[rng.random(steps.size) < 0.02] = math.nan
    values[4096 * 3 + 5 : 4096 * 3 + 300] = math.nan  # an all-NaN stored group
    pk = _series_run(store, writer, steps, values)
    top = int(steps[-1])
    for buckets in (1, 3, 17, 100):
        for lo, hi in [(None, None), (5, top - 5), (top // 3, top // 2), (7, 8),
                       (int(steps[4096]), int(steps[8191]))]:
            env = store.read_envelope(pk, "x", buckets, lo, hi)
            want_steps, want_values, _ = store.read_series(pk, "x", lo, hi)
            assert env.size <= buckets
            _brute_force_check(env, want_steps, want_values)
            if want_steps.size > buckets:
                ranks = _bucket_of(env.step_first, int(want_steps[0]), int(want_steps[-1]),
                                   buckets)
                assert np.all(np.diff(ranks) > 0)


def test_a_corrupt_chunk_is_a_store_error(tmp_path: Path, writer: Any) -> None:
    store = SqliteStore(tmp_path / "cairn.db")
    pk = _series_run(store, writer, np.arange(20_000), np.ones(20_000))
    conn = sqlite3.connect(tmp_path / "cairn.db")
    conn.execute("UPDATE chunks SET data = x'0100', envelope = x'01' WHERE seq = 1")
    conn.commit()
    conn.close()
    with pytest.raises(StoreError, match="unreadable"):
        store.read_series(pk, "x")
    with pytest.raises(StoreError, match="unreadable"):
        store.read_envelope(pk, "x", 2, 1)  # part of the series: read through its chunks
    assert store.read_series(pk, "x", 0, 100)[0].size == 101  # other chunks still read
    assert store.read_envelope(pk, "x", 2).points.sum() == 20_000  # the level is intact
    conn = sqlite3.connect(tmp_path / "cairn.db")
    conn.execute("UPDATE series_levels SET data = x'01'")
    conn.commit()
    conn.close()
    store.close()
    store = SqliteStore(tmp_path / "cairn.db")  # the level read above is cached in memory
    with pytest.raises(StoreError, match=r"level of history series .* unreadable"):
        store.read_envelope(pk, "x", 2)
    store.close()
