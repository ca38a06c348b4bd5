"""``read_envelopes``: the envelopes of runs times keys at once, equal to reading each
series alone, in a number of queries that does not grow with the runs and keys."""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from tests.store.test_sqlite import _brute_force_check

from cairn.records import RunRef
from cairn.store.base import MetadataStore
from cairn.store.chunk_index import ChunkPoints
from cairn.store.codec import CHUNK_POINTS
from cairn.store.sqlite import SqliteStore

# Lengths: inside one chunk, across a few, and long enough to be read as stored groups.
LENGTHS = {"short": 50, "few": 3 * CHUNK_POINTS + 17, "long": 12 * CHUNK_POINTS + 5}


def _runs(store: MetadataStore, writer: Any, count: int) -> list[int]:
    """``count`` runs, each with the keys of LENGTHS (run i lacks ``few`` when i is odd),
    values distinct per run so that a mix-up shows."""
    pks = []
    for i in range(count):
        w = writer(RunRef("me", "p", f"run{i}"))
        records = [w.run()]
        for key, n in LENGTHS.items():
            if key == "few" and i % 2:
                continue
            steps = np.arange(n, dtype=np.int64) * 2 + i
            values = np.sin(steps / 97.0) * (i + 1)
            values[::101] = math.nan
            records.append(w.points(key, steps, values))
        store.apply_records(records)
        row = store.get_run(w.ref)
        assert row is not None
        pks.append(row.pk)
    return pks


@pytest.mark.parametrize(("lo", "hi"), [(None, None), (3, 40), (1000, 50_001),
                                        (CHUNK_POINTS * 2 - 1, CHUNK_POINTS * 22 + 3),
                                        (10**9, None)])
@pytest.mark.parametrize("buckets", [1, 7, 300])
def test_many_series_at_once_equal_each_alone(store: MetadataStore, writer: Any,
                                              lo: int | None, hi: int | None,
                                              buckets: int) -> None:
    pks = _runs(store, writer, 3)
    keys = ["long", "missing", "few", "short"]
    found = store.read_envelopes([*pks, 10**9], keys, buckets, lo, hi)
    expected = {(pk, key) for pk in pks for key in LENGTHS if key != "few" or pk == pks[0]
                or pk == pks[2]}
    assert set(found) == expected
    for (pk, key), (info, env) in found.items():
        assert (info.key, info.kind) == (key, "f")
        steps, values, _ = store.read_series(pk, key, lo, hi)
        assert info.count == store.read_series(pk, key)[0].size
        _brute_force_check(env, steps, values)
        alone = store.read_envelope(pk, key, buckets, lo, hi)
        for field in ("step_first", "step_last", "points", "count", "vmin", "vmax", "last"):
            assert np.array_equal(getattr(env, field), getattr(alone, field), equal_nan=True)
    assert store.read_envelopes([], keys, 5) == {}
    assert store.read_envelopes(pks, [], 5) == {}
    with pytest.raises(ValueError, match="buckets"):
        store.read_envelopes(pks, keys, 0)


def test_the_number_of_queries_does_not_grow_with_runs_and_keys(
        tmp_path: Any, writer: Any) -> None:
    store = SqliteStore(tmp_path / "cairn.db")
    try:
        pks = _runs(store, writer, 12)
        statements: list[str] = []
        reader = store._reader()  # this thread's reading connection
        reader.set_trace_callback(statements.append)
        store.read_envelopes(pks, list(LENGTHS), 100, 5, CHUNK_POINTS * 20)
        cold = [s for s in statements if s.lstrip().upper().startswith("SELECT")]
        statements.clear()
        store.read_envelopes(pks, list(LENGTHS), 100, 5, CHUNK_POINTS * 20)
        warm = [s for s in statements if s.lstrip().upper().startswith("SELECT")]
        reader.set_trace_callback(None)
        # series, chunk indexes, the chunks at the range's ends, the short series' points
        assert len(cold) == 4
        # the chunk indexes and the decoded chunks come from the caches
        assert len(warm) == 1
    finally:
        store.close()


@settings(max_examples=200, deadline=None)
@given(st.integers(-(2**62), 2**62), st.integers(1, 2**20), st.integers(0, 50),
       st.integers(-(2**63), 2**63 - 1), st.integers(-(2**63), 2**63 - 1))
def test_a_cached_chunk_finds_a_range_of_evenly_spaced_steps_by_arithmetic(
        first: int, spacing: int, n: int, lo: int, hi: int) -> None:
    steps = np.arange(n, dtype=np.int64) * spacing + first
    values = np.arange(n, dtype=np.float64)
    by_rule = ChunkPoints.of(1, steps.copy(), values.copy(), (first, spacing))
    assert by_rule.steps is None  # kept as the rule
    by_search = ChunkPoints.of(1, steps, values, None)
    for a, b in zip(by_rule.between(lo, hi), by_search.between(lo, hi), strict=True):
        assert a.tolist() == b.tolist()
    assert np.array_equal(by_rule.points()[0], steps)


@pytest.mark.parametrize("budget", [0, 40_000, 64 << 20])
def test_decoded_chunks_are_cached_only_while_the_series_is_unchanged(
        tmp_path: Any, writer: Any, budget: int) -> None:
    """Charts read again after points were added at the end, late points landed inside a
    chunk and a value was logged again (at a step it had): each answer is the one from
    the points the store holds then, whatever the decoded-chunk cache holds (nothing, a
    few chunks, everything)."""
    store = SqliteStore(tmp_path / "cairn.db", point_cache_bytes=budget)
    try:
        w = writer(RunRef("me", "p", "r"))
        even = np.arange(3 * CHUNK_POINTS, dtype=np.int64) * 3
        uneven = np.cumsum(np.arange(2 * CHUNK_POINTS, dtype=np.int64) % 5 + 1)
        store.apply_records([w.run(), w.points("even", even, np.cos(even / 50.0)),
                             w.points("uneven", uneven, np.sin(uneven / 70.0))])
        row = store.get_run(w.ref)
        assert row is not None

        def check() -> None:
            for lo, hi in [(None, None), (100, 9_000), (CHUNK_POINTS + 1, 3 * CHUNK_POINTS)]:
                found = store.read_envelopes([row.pk], ["even", "uneven"], 700, lo, hi)
                for (_, key), (_, env) in found.items():
                    steps, values, _ = store.read_series(row.pk, key, lo, hi)
                    _brute_force_check(env, steps, values)

        check()
        check()  # warm
        last = int(even[-1])
        store.apply_records([w.points("even", [last + 3, last + 6], [50.0, -50.0])])
        check()
        store.apply_records([w.points("even", [CHUNK_POINTS + 1, 2 * CHUNK_POINTS + 2],
                                      [900.0, -900.0])])  # late, inside sealed chunks
        check()
        store.apply_records([w.points("uneven", [int(uneven[10])], [777.0])])  # again
        check()
        found = store.read_envelopes([row.pk], ["even", "uneven"], 700)
        assert found[(row.pk, "even")][1].vmax.max() == 900.0
        assert found[(row.pk, "uneven")][1].vmax.max() == 777.0
    finally:
        store.close()


@pytest.mark.parametrize(("lo", "hi"), [(None, None), (3, 40), (CHUNK_POINTS, 10**6)])
def test_many_series_of_a_run_at_once_equal_each_alone(store: MetadataStore, writer: Any,
                                                       lo: int | None, hi: int | None) -> None:
    pks = _runs(store, writer, 2)
    found = store.read_series_many(pks[1], ["long", "few", "short", "missing"], lo, hi)
    assert sorted(found) == ["long", "short"]  # run 1 has no "few"
    for key, (steps, values, kind) in found.items():
        alone = store.read_series(pks[1], key, lo, hi)
        assert np.array_equal(steps, alone[0])
        assert np.array_equal(values, alone[1], equal_nan=True)
        assert kind == alone[2] == "f"
    assert store.read_series_many(pks[1], []) == {}
    with pytest.raises(ValueError, match="greater than"):
        store.read_series_many(pks[1], ["long"], 5, 4)
