"""The coarse level of a long series: its points grouped by fixed step buckets, one stored
row per series, so that a chart of a whole long series reads one small row (and the
series' last chunk) instead of every chunk's envelope.

A series of ``LEVEL_FROM`` points or more has a row in ``series_levels`` (migration 0012):
``width``, a power of two; ``through``, a multiple of it; and an envelope
(``codec.encode_envelope``) with one group per non-empty bucket of ``width`` steps
(``step >> log2(width)``) of the points before step ``through``. Every group's min, max,
sum, count and last value are exact over its points, so a spike is always in some group's
min or max, as in the chunks' own envelopes. ``width`` is the smallest power of two, at
least ``MIN_WIDTH``, that keeps the series' step span within ``MAX_GROUPS`` buckets; when a
growing series needs a wider bucket, neighbours merge (min of mins, max of maxes, sums).

``through`` is the series' last chunk's first step, rounded down to a bucket: the level
covers the sealed chunks only, and a reader adds the points from ``through`` on (the last
chunk, and the end of the one before) itself. So a live series, whose batches grow its
last chunk, leaves its level alone until a chunk fills: the applier's check
(``update_level``, once per series a batch touched) is one small query. When a chunk is
sealed, or late points land in the covered part, groups before the first changed bucket
are kept and the rest recomputed from the chunks. Stores made before 0012 get their levels
when migrated (``backfill``); until a series has one, reads use its chunk envelopes, as
before. Written against the shared ``?`` SQL.
"""

from __future__ import annotations

from collections.abc import Sequence
from types import EllipsisType
from typing import Any, Protocol

import numpy as np

from cairn.store.codec import (
    CHUNK_POINTS,
    Envelope,
    Float64s,
    Int64s,
    decode_chunks,
    decode_envelope,
    encode_envelope,
    envelope_at,
    merge_envelopes,
    regroup,
    select_groups,
)

LEVELS_MIGRATION = 12
"""The schema version that adds ``series_levels``: stores migrated across it backfill."""
LEVEL_FROM = 4 * CHUNK_POINTS
"""Points a series needs to get a level: shorter ones are read as points anyway."""
MIN_WIDTH = 64
"""Steps a level bucket spans at least: the level costs at most about 1 byte a point."""
MAX_GROUPS = 4096


class Cursor(Protocol):
    def execute(self, sql: str, params: Sequence[Any] = ..., /) -> Any: ...


def width_for(first: int, last: int) -> int:
    """The level's bucket width for a series spanning ``[first, last]``."""
    shift = MIN_WIDTH.bit_length() - 1
    while (last >> shift) - (first >> shift) + 1 > MAX_GROUPS:
        shift += 1
    return 1 << shift


def _shift(width: int) -> int:
    return width.bit_length() - 1


def _starts(ids: Int64s) -> Int64s:
    """Indexes where a new bucket id begins (ids never decrease)."""
    if ids.size == 0:
        return np.zeros(0, np.int64)
    return np.flatnonzero(np.concatenate([[True], ids[1:] != ids[:-1]])).astype(np.int64)


def level_of(steps: Int64s, values: Float64s, width: int) -> Envelope:
    """Points (steps increasing) grouped by ``width``-step buckets."""
    return envelope_at(steps, values, _starts(steps >> _shift(width)))


def widen(level: Envelope, width: int) -> Envelope:
    """A level's groups merged into (wider) ``width``-step buckets."""
    return regroup(level, _starts(level.step_first >> _shift(width)))


def _chunk_points(conn: Cursor, series_id: int, from_step: int) -> tuple[Int64s, Float64s]:
    rows = conn.execute("SELECT data FROM chunks WHERE series = ? AND step_max >= ? "
                        "ORDER BY seq", (series_id, from_step)).fetchall()
    steps, values = decode_chunks([bytes(r[0]) for r in rows])
    keep = steps >= from_step
    return (steps, values) if bool(keep.all()) else (steps[keep], values[keep])


def align(step: int, width: int) -> int:
    """The first step of the bucket holding ``step``."""
    return (step >> _shift(width)) << _shift(width)


def update_level(conn: Cursor, series_id: int, count: int, first: int, last: int,
                 changed_from: int, last_chunk_from: int,
                 written: tuple[Int64s, Float64s] | None = None,
                 stored: tuple[int, int] | EllipsisType | None = ...) -> None:
    """Bring the level of a series up to date after its chunks changed from step
    ``changed_from`` on (``count``, ``first`` and ``last`` are the series' new ones; its
    last chunk starts at step ``last_chunk_from``). ``written``: the series' points from
    some step to its end, as the applier just wrote them, read instead of the chunks when
    they reach back far enough. ``stored``: the level's ``(width, through)`` as the
    transaction read them before (None: no level yet), else they are read here."""
    if count < LEVEL_FROM:
        return
    width = width_for(first, last)
    through = align(last_chunk_from, width)
    if stored is ...:
        found = conn.execute("SELECT width, through FROM series_levels WHERE series = ?",
                             (series_id,)).fetchone()
        stored = None if found is None else (int(found[0]), int(found[1]))
    row = stored
    if row is not None and row == (width, through) and changed_from >= through:
        return  # only the last chunk changed, which readers take as points
    kept: Envelope | None = None
    bound = align(first, width)
    if row is not None and int(row[0]) <= width and changed_from > first:
        (data,) = conn.execute("SELECT data FROM series_levels WHERE series = ?",
                               (series_id,)).fetchone()
        old = widen(decode_envelope(bytes(data)), width)
        # A bucket the old level ended inside (after widening) is computed again whole.
        bound = min(align(changed_from, width), align(int(row[1]), width), through)
        kept = select_groups(old, old.step_first < bound)
    if written is not None and written[0].size and int(written[0][0]) <= max(bound, first):
        at = int(np.searchsorted(written[0], bound, "left"))
        steps, values = written[0][at:], written[1][at:]
    else:
        steps, values = _chunk_points(conn, series_id, bound)
    below = steps < through
    fresh = level_of(steps[below], values[below], width)
    level = fresh if kept is None else merge_envelopes([kept, fresh])
    conn.execute("INSERT INTO series_levels (series, width, through, data) VALUES (?, ?, ?, ?) "
                 "ON CONFLICT (series) DO UPDATE SET width = excluded.width, "
                 "through = excluded.through, data = excluded.data",
                 (series_id, width, through, encode_envelope(level)))


def backfill(conn: Cursor) -> int:
    """Levels for the long series that lack one (a store made before migration 0012);
    returns how many were written."""
    rows = conn.execute(
        "SELECT series.id, series.count, series.first_step, series.last_step, "
        "max(chunks.step_min) FROM series JOIN chunks ON chunks.series = series.id "
        "WHERE series.count >= ? AND series.id NOT IN (SELECT series FROM series_levels) "
        "GROUP BY series.id, series.count, series.first_step, series.last_step "
        "ORDER BY series.id", (LEVEL_FROM,)).fetchall()
    for sid, count, first, last, last_chunk_from in rows:
        update_level(conn, int(sid), int(count), int(first), int(last), int(first),
                     int(last_chunk_from))
    return len(rows)
