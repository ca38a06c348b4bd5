"""Chart envelopes: the points of a step range grouped into at most ``buckets`` groups of
about equal step width, each with its exact min, max, sum, count and last value.

Backend-neutral: a store finds the chunks of a range and hands their points (short
series, the ends of a range) or stored envelopes (the inside of a long range) to these
functions. A bucket covers steps ``[edge_i, edge_i+1)``, with ``buckets`` edges spread
evenly (in integers) over the first to the last point in the range. Points read raw fall
in their bucket exactly; stored groups of ``ENVELOPE_POINTS`` points fall in the bucket of
their first step, so a border moves by less than one stored group. Either way every point
of the range is in exactly one group, so a spike is always in some group's min or max.
"""

from __future__ import annotations

import operator
from collections.abc import Sequence

import numpy as np

from cairn.store.codec import (
    Envelope,
    Float64s,
    Int64s,
    empty_envelope,
    envelope_at,
    regroup,
    slice_envelope,
)

STEP_MIN = -(2**63)
STEP_MAX = 2**63 - 1


def check_buckets(buckets: object) -> int:
    if isinstance(buckets, bool) or not hasattr(buckets, "__index__"):
        raise ValueError(f"buckets must be a whole number, got {buckets!r}")
    count = operator.index(buckets)
    if count < 1:
        raise ValueError(f"buckets must be at least 1, got {count}")
    return count


def _step(value: object, name: str) -> int:
    if isinstance(value, bool) or not hasattr(value, "__index__"):
        raise ValueError(f"{name} must be a whole step number, got {value!r}")
    return min(STEP_MAX, max(STEP_MIN, operator.index(value)))


def check_range(min_step: object, max_step: object) -> tuple[int, int]:
    """``[min_step, max_step]`` as int64 bounds (None: unbounded). An inverted range raises
    ValueError; a range outside the data is fine and reads nothing."""
    lo = STEP_MIN if min_step is None else _step(min_step, "min_step")
    hi = STEP_MAX if max_step is None else _step(max_step, "max_step")
    if lo > hi:
        raise ValueError(f"min_step ({min_step}) is greater than max_step ({max_step}); "
                         "give the range low to high")
    return lo, hi


def bucket_edges(lo: int, hi: int, buckets: int) -> Int64s:
    """The first step of each of ``buckets`` equal step ranges over ``[lo, hi]`` (fewer if
    the range holds fewer steps): ``lo + i * span // count``."""
    span = hi - lo + 1
    count = max(1, min(buckets, span))
    if span < 2**62 // count:
        return lo + (np.arange(count, dtype=np.int64) * span) // count
    return np.array([lo + i * span // count for i in range(count)], dtype=np.int64)


def bucket_starts(steps: Int64s, edges: Int64s) -> Int64s:
    """Indexes where each non-empty bucket starts (the first is always 0)."""
    # Edges increase, so the indexes never decrease: drop repeats without sorting.
    idx = np.searchsorted(steps, edges, "left").astype(np.int64, copy=False)
    idx = idx[idx < steps.size]
    if idx.size > 1:
        keep = np.empty(idx.size, dtype=bool)
        keep[0] = True
        np.not_equal(idx[1:], idx[:-1], out=keep[1:])
        idx = idx[keep]
    if idx.size == 0 or idx[0] != 0:
        idx = np.concatenate([np.zeros(1, np.int64), idx])
    return idx


def bucket_points(steps: Int64s, values: Float64s, buckets: int) -> Envelope:
    """Points (in step order) grouped into step-width buckets; one group a point when
    there are no more points than buckets."""
    if steps.size <= buckets:
        return envelope_at(steps, values, np.arange(steps.size, dtype=np.int64))
    edges = bucket_edges(int(steps[0]), int(steps[-1]), buckets)
    return envelope_at(steps, values, bucket_starts(steps, edges))


def bucket_points_many(parts: Sequence[tuple[Int64s, Float64s]],
                       buckets: int) -> list[Envelope]:
    """``bucket_points`` of each ``(steps, values)`` part, aggregated in one pass over all
    of them: a chart request buckets a hundred series, and the fixed cost of a dozen numpy
    calls a series would be most of the work."""
    return bucket_pieces([[part] for part in parts], buckets)


def bucket_pieces(series: Sequence[Sequence[tuple[Int64s, Float64s]]],
                  buckets: int) -> list[Envelope]:
    """``bucket_points_many`` of series given as consecutive pieces (a series' chunks, in
    step order): every piece is copied once, into one array of all the points."""
    pieces = [piece for parts in series for piece in parts]
    if not pieces:
        return [empty_envelope() for _ in series]
    steps = np.concatenate([p[0] for p in pieces]) if len(pieces) > 1 else pieces[0][0]
    values = np.concatenate([p[1] for p in pieces]) if len(pieces) > 1 else pieces[0][1]
    starts: list[Int64s] = []
    groups: list[int] = []
    offset = 0
    for parts in series:
        size = sum(int(p[0].size) for p in parts)
        if size == 0:
            groups.append(0)
            continue
        if size <= buckets:
            local = np.arange(size, dtype=np.int64)
        else:
            own = steps[offset:offset + size]
            local = bucket_starts(own, bucket_edges(int(own[0]), int(own[-1]), buckets))
        starts.append(local + offset)
        groups.append(int(local.size))
        offset += size
    if not starts:
        return [empty_envelope() for _ in series]
    whole = envelope_at(steps, values, np.concatenate(starts))
    out = []
    at = 0
    for count in groups:
        out.append(slice_envelope(whole, at, at + count))
        at += count
    return out


def bucket_envelope(env: Envelope, buckets: int) -> Envelope:
    """Consecutive groups (in step order) combined into step-width buckets."""
    if env.size == 0:
        return env
    edges = bucket_edges(int(env.step_first[0]), int(env.step_last[-1]), buckets)
    return regroup(env, bucket_starts(env.step_first, edges))
