"""The coarse level of long series (``store/levels.py``): kept current by the applier
through appends, late points and growth, equal to one built from all the points, read
for whole-series charts in one row, and backfilled when an older store is migrated."""

from __future__ import annotations

import math
import sqlite3
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from tests.store.test_sqlite import _brute_force_check

from cairn.records import RunRef
from cairn.store.base import MetadataStore
from cairn.store.buckets import bucket_envelope
from cairn.store.codec import Envelope
from cairn.store.levels import LEVEL_FROM, MAX_GROUPS, MIN_WIDTH, level_of, widen, width_for
from cairn.store.sqlite import SqliteStore

REF = RunRef("me", "p", "long")
FIELDS = ("step_first", "step_last", "vmin", "vmax", "count", "last", "points")


def _expected(store: MetadataStore, pk: int, buckets: int) -> Envelope:
    steps, values, _ = store.read_series(pk, "x")
    level = level_of(steps, values, width_for(int(steps[0]), int(steps[-1])))
    assert level.size >= buckets  # else the read would not use the level
    return bucket_envelope(level, buckets)


def _assert_same(got: Envelope, want: Envelope) -> None:
    for field in FIELDS:
        assert np.array_equal(getattr(got, field), getattr(want, field), equal_nan=True), field
    # Sums of merged groups may round differently from sums of their points.
    assert np.allclose(got.vsum, want.vsum, equal_nan=True)


def test_width_is_the_smallest_power_of_two_that_fits() -> None:
    assert width_for(0, 100) == MIN_WIDTH
    assert width_for(0, MIN_WIDTH * MAX_GROUPS - 1) == MIN_WIDTH
    assert width_for(0, MIN_WIDTH * MAX_GROUPS) == 2 * MIN_WIDTH
    assert width_for(-(10**12), 10**12) >= 2 * 10**12 / MAX_GROUPS
    steps = np.arange(-500, 5000, dtype=np.int64)
    values = np.sin(steps.astype(np.float64))
    fine = level_of(steps, values, 64)
    assert fine.step_first[:2].tolist() == [-500, -448]  # aligned buckets: -512 // 64 * 64
    coarse = widen(fine, 256)
    direct = level_of(steps, values, 256)
    _assert_same(coarse, direct)


def test_the_level_follows_appends_late_points_and_growth(store: MetadataStore,
                                                          writer: Any) -> None:
    rng = np.random.default_rng(5)
    w = writer(REF)
    steps = np.arange(0, 40_000, 2, dtype=np.int64)  # even steps; odd ones come late
    values = rng.normal(size=steps.size)
    values[7_777] = 1e9  # a spike
    values[rng.random(steps.size) < 0.01] = math.nan
    store.apply_records([w.run(), w.points("x", steps, values)])
    row = store.get_run(REF)
    assert row is not None
    pk = row.pk
    batches = [
        (np.arange(40_000, 90_000, 2), rng.normal(size=25_000)),  # appended
        (np.arange(90_000, 90_020, 2), rng.normal(size=10)),  # into the last chunk only
        (np.arange(10_001, 20_001, 2), rng.normal(size=5_000) - 1e9),  # late: dips
        (np.array([5_000_000, 5_000_001]), np.array([3.0, -3.0])),  # the span grows: wider
    ]
    _assert_same(store.read_envelope(pk, "x", 40), _expected(store, pk, 40))
    for at, (more_steps, more_values) in enumerate(batches):
        store.apply_records([w.points("x", more_steps, more_values)])
        buckets = 40 if at < 3 else 10
        env = store.read_envelope(pk, "x", buckets)
        _assert_same(env, _expected(store, pk, buckets))
        all_steps, all_values, _ = store.read_series(pk, "x")
        _brute_force_check(env, all_steps, all_values)
        assert env.vmax.max() == np.nanmax(all_values) == 1e9
        assert env.vmin.min() == np.nanmin(all_values)


def test_short_series_and_partial_ranges_read_as_before(store: MetadataStore,
                                                        writer: Any) -> None:
    w = writer(REF)
    steps = np.arange(LEVEL_FROM * 3, dtype=np.int64)
    values = np.cos(steps / 50.0)
    store.apply_records([w.run(), w.points("x", steps, values)])
    row = store.get_run(REF)
    assert row is not None
    whole = store.read_envelope(row.pk, "x", 50)
    _assert_same(whole, _expected(store, row.pk, 50))
    # A zoom, and a request for more groups than the level holds: the chunks' envelopes.
    for lo, hi, buckets in [(1, None, 50), (None, None, 2_000)]:
        env = store.read_envelope(row.pk, "x", buckets, lo, hi)
        want_steps, want_values, _ = store.read_series(row.pk, "x", lo, hi)
        _brute_force_check(env, want_steps, want_values)
        assert env.size <= buckets


def test_a_whole_series_chart_reads_one_level_row_each(tmp_path: Path, writer: Any) -> None:
    store = SqliteStore(tmp_path / "cairn.db")
    try:
        pks = []
        for i in range(5):
            w = writer(RunRef("me", "p", f"r{i}"))
            steps = np.arange(LEVEL_FROM * 2, dtype=np.int64)
            store.apply_records([w.run(), w.points("x", steps, np.sin(steps + i))])
            row = store.get_run(w.ref)
            assert row is not None
            pks.append(row.pk)
        statements: list[str] = []
        reader = store._reader()  # this thread's reading connection
        reader.set_trace_callback(statements.append)
        found = store.read_envelopes(pks, ["x"], 100)
        selects = [s for s in statements if s.lstrip().upper().startswith("SELECT")]
        assert len(selects) == 3  # the series, their levels, their last chunks
        assert not [s for s in selects if "envelope FROM chunks" in s]  # no chunk index
        assert all(env.size == 100 for _, env in found.values())
        statements.clear()
        again = store.read_envelopes(pks, ["x"], 90)  # unchanged: the levels are cached
        reader.set_trace_callback(None)
        assert len([s for s in statements if s.lstrip().upper().startswith("SELECT")]) == 1
        assert all(env.size == 90 for _, env in again.values())
    finally:
        store.close()


def test_a_store_from_before_the_levels_is_backfilled(tmp_path: Path, writer: Any) -> None:
    path = tmp_path / "cairn.db"
    store = SqliteStore(path)
    w = writer(REF)
    steps = np.arange(LEVEL_FROM * 2, dtype=np.int64)
    store.apply_records([w.run(), w.points("x", steps, np.tan(steps / 7.0)),
                         w.points("short", steps[:100], steps[:100] * 1.0)])
    row = store.get_run(REF)
    assert row is not None
    want = store.read_envelope(row.pk, "x", 30)
    store.close()
    conn = sqlite3.connect(path)
    conn.execute("DROP TABLE series_levels")
    conn.execute("PRAGMA user_version = 11")
    conn.commit()
    conn.close()
    store = SqliteStore(path)
    try:
        conn = sqlite3.connect(path)
        assert conn.execute("SELECT count(*) FROM series_levels").fetchone()[0] == 1
        conn.close()
        _assert_same(store.read_envelope(row.pk, "x", 30), want)
        _assert_same(want, _expected(store, row.pk, 30))
    finally:
        store.close()


@pytest.mark.parametrize("buckets", [1, 7, 64])
def test_every_spike_stays_in_the_level(store: MetadataStore, writer: Any,
                                        buckets: int) -> None:
    w = writer(REF)
    steps = np.cumsum(np.random.default_rng(1).integers(1, 9, size=LEVEL_FROM * 2))
    values = np.zeros(steps.size)
    values[::997] = np.arange(values[::997].size) + 10.0
    store.apply_records([w.run(), w.points("x", steps, values)])
    row = store.get_run(REF)
    assert row is not None
    env = store.read_envelope(row.pk, "x", buckets)
    assert env.size <= buckets
    assert env.vmax.max() == values.max()
    assert int(env.points.sum()) == steps.size
    _brute_force_check(env, steps, values)
