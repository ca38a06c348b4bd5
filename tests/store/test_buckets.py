"""Bucket edges and range checks for envelopes."""

from __future__ import annotations

import itertools

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from cairn.store.buckets import (
    STEP_MAX,
    STEP_MIN,
    bucket_edges,
    bucket_envelope,
    bucket_pieces,
    bucket_points,
    bucket_points_many,
    bucket_starts,
    check_buckets,
    check_range,
)
from cairn.store.codec import envelope_of


@settings(max_examples=100, deadline=None)
@given(st.integers(STEP_MIN, STEP_MAX), st.integers(0, 2**64), st.integers(1, 5000))
def test_edges_are_exact_integer_splits(lo: int, width: int, buckets: int) -> None:
    hi = min(STEP_MAX, lo + width)
    edges = bucket_edges(lo, hi, buckets).tolist()
    span = hi - lo + 1
    count = max(1, min(buckets, span))
    assert edges == [lo + i * span // count for i in range(count)]
    assert edges[0] == lo
    assert all(a < b for a, b in itertools.pairwise(edges))
    assert edges[-1] <= hi


def test_starts() -> None:
    steps = np.array([0, 1, 5, 6, 7, 20], dtype=np.int64)
    assert bucket_starts(steps, np.array([0, 4, 8, 12, 16])).tolist() == [0, 2, 5]
    assert bucket_starts(steps, np.array([0])).tolist() == [0]


def test_points_and_envelopes_group_by_bucket() -> None:
    steps = np.arange(10, dtype=np.int64)
    values = np.arange(10.0)
    env = bucket_points(steps, values, 3)
    assert env.step_first.tolist() == [0, 3, 6]
    assert env.points.tolist() == [3, 3, 4]
    assert bucket_points(steps, values, 10).size == 10
    assert bucket_points(steps[:0], values[:0], 3).size == 0
    fine = envelope_of(steps, values, 2)
    coarse = bucket_envelope(fine, 2)
    assert coarse.step_first.tolist() == [0, 6]
    assert coarse.vmax.tolist() == [5.0, 9.0]
    assert bucket_envelope(envelope_of(steps[:0], values[:0]), 2).size == 0


@settings(max_examples=60, deadline=None)
@given(st.lists(st.integers(0, 120), max_size=6), st.integers(1, 40), st.integers(0, 2**32 - 1))
def test_many_parts_bucketed_at_once_equal_each_alone(lengths: list[int], buckets: int,
                                                      seed: int) -> None:
    rng = np.random.default_rng(seed)
    parts = []
    for n in lengths:
        steps = np.cumsum(rng.integers(1, 4, size=n)).astype(np.int64)
        values = rng.normal(size=n)
        if seed % 2:  # without NaN, the sum and count take a shorter way
            values[rng.random(n) < 0.1] = np.nan
        parts.append((steps, values))
    together = bucket_points_many(parts, buckets)
    assert len(together) == len(parts)
    # The same series given as pieces (a series' chunks), cut at random places.
    pieces = []
    for steps, values in parts:
        cuts = np.sort(rng.integers(0, steps.size + 1, size=rng.integers(0, 4)))
        pieces.append(list(zip(np.split(steps, cuts), np.split(values, cuts), strict=True)))
    for env, cut in zip(together, bucket_pieces(pieces, buckets), strict=True):
        for field in ("step_first", "step_last", "vmin", "vmax", "vsum", "count", "last",
                      "points"):
            assert np.array_equal(getattr(env, field), getattr(cut, field), equal_nan=True)
    for (steps, values), env in zip(parts, together, strict=True):
        alone = bucket_points(steps, values, buckets)
        for field in ("step_first", "step_last", "vmin", "vmax", "vsum", "count", "last",
                      "points"):
            assert np.array_equal(getattr(env, field), getattr(alone, field), equal_nan=True)


def test_checks() -> None:
    assert check_buckets(np.int32(7)) == 7
    for bad in (0, -1, 1.0, True, None, "3"):
        with pytest.raises(ValueError, match="buckets"):
            check_buckets(bad)
    assert check_range(None, None) == (STEP_MIN, STEP_MAX)
    assert check_range(-(10**40), 10**40) == (STEP_MIN, STEP_MAX)
    assert check_range(3, 3) == (3, 3)
    with pytest.raises(ValueError, match="greater than max_step"):
        check_range(4, 3)
    with pytest.raises(ValueError, match="max_step must be a whole step"):
        check_range(None, 2.0)
