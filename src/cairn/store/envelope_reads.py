"""Envelopes of many series in a few queries: the chart read of a SQL store.

A chart asks for runs times keys envelopes. Read one series at a time, that is a query for
the series, one for its chunk index and one or two for chunk points, per run and key: N+1
round trips, cheap in-process (SQLite) and slow over a network (PostgreSQL). Here every
step is one query for all the series together (in parts of ``_PART`` keys):

1. the series of every run and key, with the run's last change (the index version);
   a series read whole that is too long to read as points takes its envelope from its
   coarse level (``levels.py``) and its last chunk, two more queries for all of them,
   and skips the rest;
2. the chunk rows of the series whose chunk index is not cached (``chunk_index.py``);
3. the one or two chunks cut by the ends of the step range, point by point;
4. the inner chunks' points, for the series short enough to be bucketed from points.

Steps 3 and 4 read only the chunks that the store's cache of decoded chunks
(``chunk_points``) lacks: a chart of finished runs, read again, costs one query.

Written against the shared ``?`` SQL, with ``read(sql, params)`` from the store.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from cairn.errors import StoreError
from cairn.store.base import SeriesInfo
from cairn.store.buckets import STEP_MAX, bucket_envelope, bucket_pieces
from cairn.store.chunk_index import CachedLevel, ChunkIndex, ChunkIndexCache, ChunkPoints
from cairn.store.codec import (
    ENVELOPE_POINTS,
    Envelope,
    Float64s,
    Int64s,
    chunk_step_rule,
    decode_chunk,
    decode_chunks,
    decode_envelope,
    envelope_of,
    merge_envelopes,
)
from cairn.store.levels import LEVEL_FROM, level_of

Read = Callable[[str, Sequence[Any]], list[Any]]
SeriesKey = tuple[int, str]
"""``(run key, metric key)``."""
_PART = 500
"""Parameters a statement takes at most (SQLite's default limit is far above)."""
_NO_POINTS: tuple[Int64s, Float64s] = (np.zeros(0, np.int64), np.zeros(0, np.float64))


@dataclass(frozen=True)
class IndexedSeries:
    info: SeriesInfo
    id: int
    index: ChunkIndex


def _parts(items: Sequence[Any], size: int = _PART) -> list[Sequence[Any]]:
    return [items[at:at + size] for at in range(0, len(items), size)]


def _marks(items: Sequence[Any]) -> str:
    return ", ".join("?" for _ in items)


SeriesRow = tuple[SeriesInfo, int, tuple[Any, ...]]
"""A series' info, id and index version (what changes whenever the series may have)."""


def series_rows(read: Read, run_pks: Sequence[int],
                keys: Sequence[str]) -> dict[SeriesKey, SeriesRow]:
    """The numeric series among ``run_pks`` and ``keys``."""
    runs, wanted = list(dict.fromkeys(run_pks)), list(dict.fromkeys(keys))
    rows: list[Any] = []
    for run_part in _parts(runs, _PART // 2):
        for key_part in _parts(wanted, _PART // 2):
            rows += read(
                "SELECT series.id, series.run, series.key, series.kind, series.count, "
                "series.first_step, series.last_step, runs.updated_at FROM series JOIN runs "
                f"ON runs.id = series.run WHERE series.run IN ({_marks(run_part)}) AND "
                f"series.key IN ({_marks(key_part)})", [*run_part, *key_part])
    found: dict[SeriesKey, SeriesRow] = {}
    for sid, run, key, kind, count, first, last, updated_at in rows:
        info = SeriesInfo(str(key), str(kind), int(count), int(first), int(last))
        found[(int(run), str(key))] = info, int(sid), (int(run), updated_at, count, last)
    return found


def indexed_series(read: Read, cache: ChunkIndexCache, location: str, run_pks: Sequence[int],
                   keys: Sequence[str],
                   found: dict[SeriesKey, SeriesRow] | None = None,
                   ) -> dict[SeriesKey, IndexedSeries]:
    """The numeric series among ``run_pks`` and ``keys`` (or the ``found`` ones), each with
    its chunk index (from ``cache`` while the series is unchanged)."""
    if found is None:
        found = series_rows(read, run_pks, keys)
    indexes = {sid: cache.get(sid, version) for _, sid, version in found.values()}
    stale = {sid: version for _, sid, version in found.values() if indexes[sid] is None}
    for part in _parts(sorted(stale)):
        chunks: dict[int, list[Any]] = {sid: [] for sid in part}
        for sid, *row in read("SELECT series, seq, step_min, step_max, n, envelope FROM chunks "
                              f"WHERE series IN ({_marks(part)}) ORDER BY series, seq", part):
            chunks[int(sid)].append(row)
        for sid, chunk_rows in chunks.items():
            try:
                built = ChunkIndex.build(stale[sid], chunk_rows)
            except ValueError as exc:
                raise StoreError(f"store {location}: an envelope of history series {sid} is "
                                 f"unreadable ({exc})") from exc
            cache.put(sid, built)
            indexes[sid] = built
    out = {}
    for series_key, (info, sid, _) in found.items():
        index = indexes[sid]
        assert index is not None
        out[series_key] = IndexedSeries(info, sid, index)
    return out


def level_envelopes(read: Read, cache: ChunkIndexCache, location: str,
                    found: dict[SeriesKey, SeriesRow], buckets: int, lo: int,
                    hi: int) -> dict[SeriesKey, Envelope]:
    """Envelopes from the coarse levels (``levels.py``) of the series that a chart reads
    whole and that are too long to read as points, when their level has at least
    ``buckets`` groups: one row a series, plus the points from the level's ``through`` on
    (the last chunk or two), instead of every chunk's envelope. The whole envelope is kept
    in ``cache`` while the series is unchanged."""
    wanted = {sid: (key, version) for key, (info, sid, version) in found.items()
              if lo <= info.first_step and info.last_step <= hi
              and info.count >= LEVEL_FROM and info.count > buckets * ENVELOPE_POINTS}
    whole: dict[int, Envelope] = {}
    for sid, (_, version) in wanted.items():
        cached = cache.get(("level", sid), version)
        if isinstance(cached, CachedLevel):
            whole[sid] = cached.groups
    stale = sorted(set(wanted) - set(whole))
    levels: dict[int, tuple[int, int, Envelope]] = {}
    for part in _parts(stale):
        for sid, width, through, data in read(
                "SELECT series, width, through, data FROM series_levels WHERE series IN "
                f"({_marks(part)})", part):
            try:
                levels[int(sid)] = int(width), int(through), decode_envelope(bytes(data))
            except ValueError as exc:
                raise StoreError(f"store {location}: the level of history series {sid} is "
                                 f"unreadable ({exc})") from exc
    ends = _chunk_blobs(read, [(sid, through) for sid, (_, through, _) in levels.items()],
                        by_step=True) if levels else {}
    for sid, (width, through, level) in levels.items():
        blobs = [data for _, data in ends.get(sid, [])]
        rest = decode_points(location, sid, blobs, through, STEP_MAX) if blobs else _NO_POINTS
        whole[sid] = merge_envelopes([level, level_of(*rest, width)])
        cache.put(("level", sid), CachedLevel(wanted[sid][1], whole[sid]))
    return {wanted[sid][0]: bucket_envelope(env, buckets)
            for sid, env in whole.items() if env.size >= buckets}


def _chunk_blobs(read: Read, ranges: Sequence[tuple[int, ...]],
                 by_step: bool = False) -> dict[int, list[Any]]:
    """``(seq, data)`` rows of each series' chunks in the ``(series, first seq, last seq)``
    ranges (with ``by_step``, the chunks holding steps from ``(series, step)`` on), by
    series, in seq order."""
    out: dict[int, list[Any]] = {}
    clause = ("(series = ? AND step_max >= ?)" if by_step
              else "(series = ? AND seq >= ? AND seq <= ?)")
    for part in _parts(list(ranges), _PART // 3):
        where = " OR ".join(clause for _ in part)
        params = [value for r in part for value in r]
        for sid, seq, data in read(f"SELECT series, seq, data FROM chunks WHERE {where} "
                                   "ORDER BY series, seq", params):
            out.setdefault(int(sid), []).append((int(seq), data))
    return out


def decode_points(location: str, sid: int, blobs: list[bytes], lo: int,
                  hi: int) -> tuple[Int64s, Float64s]:
    """The points of consecutive chunks of series ``sid`` that lie in ``[lo, hi]``."""
    try:
        steps, values = decode_chunks(blobs)
    except ValueError as exc:
        raise StoreError(f"store {location}: a chunk of history series {sid} is unreadable "
                         f"({exc})") from exc
    if steps.size and (steps[0] < lo or steps[-1] > hi):
        a = int(np.searchsorted(steps, lo, "left"))
        b = int(np.searchsorted(steps, hi, "right"))
        steps, values = steps[a:b], values[a:b]
    return steps, values


def chunk_points(read: Read, location: str, cache: ChunkIndexCache | None,
                 wanted: Sequence[tuple[IndexedSeries, int]],
                 ) -> dict[tuple[int, int], ChunkPoints]:
    """The points of chunks, each given as a series and the chunk's position in its index,
    by ``(series id, position)``: from ``cache`` while the series is unchanged, the others
    read in one query (runs of neighbouring chunks as one seq range) and decoded one by
    one into the cache. A chart reads the same finished runs again and again, and
    inflating their chunks was most of its work."""
    out: dict[tuple[int, int], ChunkPoints] = {}
    missing: dict[int, tuple[IndexedSeries, list[int]]] = {}
    for found, at in wanted:
        seq = int(found.index.seq[at])
        hit = cache.get(("points", found.id, seq), found.index.version) if cache else None
        if isinstance(hit, ChunkPoints):
            out[(found.id, at)] = hit
        else:
            missing.setdefault(found.id, (found, []))[1].append(at)
    ranges: list[tuple[int, int, int]] = []
    for sid, (found, places) in missing.items():
        places.sort()
        # Neighbouring chunks (positions one apart) are read as one seq range.
        breaks = [i for i in range(1, len(places)) if places[i] != places[i - 1] + 1]
        for a, b in zip([0, *breaks], [*breaks, len(places)], strict=True):
            ranges.append((sid, int(found.index.seq[places[a]]),
                           int(found.index.seq[places[b - 1]])))
    rows = _chunk_blobs(read, ranges) if ranges else {}
    for sid, (found, places) in missing.items():
        blobs = dict(rows.get(sid, []))
        for at in places:
            seq = int(found.index.seq[at])
            blob = blobs.get(seq)
            if blob is None:
                raise StoreError(f"store {location}: chunk {seq} of history series {sid} is "
                                 "missing")
            blob = bytes(blob)
            try:
                steps, values = decode_chunk(blob)
            except ValueError as exc:
                raise StoreError(f"store {location}: a chunk of history series {sid} is "
                                 f"unreadable ({exc})") from exc
            out[(sid, at)] = ChunkPoints.of(found.index.version, steps, values,
                                            chunk_step_rule(blob))
            if cache is not None:
                cache.put(("points", sid, seq), out[(sid, at)])
    return out


@dataclass
class _Plan:
    series: IndexedSeries
    a: int
    b: int
    head: int | None
    tail: int | None


def envelopes(read: Read, location: str, series: dict[SeriesKey, IndexedSeries], buckets: int,
              lo: int, hi: int, points: ChunkIndexCache | None = None,
              ) -> dict[SeriesKey, Envelope]:
    """Each series' envelope of ``[lo, hi]`` in at most ``buckets`` groups. The one or two
    chunks at the ends of the range are read point by point, so that no group holds points
    outside it; the inside is read as points when short, else as the chunks' stored
    envelopes. Decoded chunks come from ``points`` (``chunk_points``) when given."""
    plans: dict[SeriesKey, _Plan] = {}
    for key, found in series.items():
        index = found.index
        a, b = index.overlapping(lo, hi)
        first_cut = last_cut = None
        if a < b and index.step_min[a] < lo:
            first_cut, a = a, a + 1
        if a < b and index.step_max[b - 1] > hi:
            last_cut, b = b - 1, b - 1
        plans[key] = _Plan(found, a, b, first_cut, last_cut)
    ends = chunk_points(read, location, points,
                        [(p.series, c) for p in plans.values() for c in (p.head, p.tail)
                         if c is not None])
    cut: dict[SeriesKey, tuple[tuple[Int64s, Float64s], tuple[Int64s, Float64s]]] = {}
    short = []
    for key, p in plans.items():
        sid, index = p.series.id, p.series.index
        head = _NO_POINTS if p.head is None else ends[(sid, p.head)].between(lo, hi)
        tail = _NO_POINTS if p.tail is None else ends[(sid, p.tail)].between(lo, hi)
        cut[key] = head, tail
        count = head[0].size + int(index.points[p.a:p.b].sum()) + tail[0].size
        if count <= buckets * ENVELOPE_POINTS:
            short.append(key)
    inner = chunk_points(read, location, points,
                         [(plans[k].series, at) for k in short
                          for at in range(plans[k].a, plans[k].b)])
    pieces = []
    for key in short:
        p = plans[key]
        head, tail = cut[key]
        pieces.append([head, *(inner[(p.series.id, at)].points() for at in range(p.a, p.b)),
                       tail])
    out = dict(zip(short, bucket_pieces(pieces, buckets), strict=True))
    for key, p in plans.items():
        if key not in out:
            (head, tail), index = cut[key], p.series.index
            out[key] = bucket_envelope(merge_envelopes(
                [envelope_of(*head), index.envelope(p.a, p.b), envelope_of(*tail)]), buckets)
    return {key: out[key] for key in plans}
