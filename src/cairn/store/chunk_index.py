"""The decoded chunk envelopes of a series, kept in memory while the series is unchanged.

A chart of a long series reads the stored envelope of every chunk (``codec.py``): for a
million points that is some 250 rows to fetch and inflate, milliseconds a series, paid
again on every request although a finished run never changes. ``ChunkIndex`` holds those
envelopes decoded, with each chunk's step range, so that a request reads only the chunks
cut by the ends of its range. ``ChunkIndexCache`` keeps indexes by series, least recently
used first out, within a byte budget.

Backend-neutral: a store builds an index from its chunk rows (in ``seq`` order) and says
when it is stale through ``version``, a value that changes whenever the series may have
(the run's ``updated_at``, which every applied batch that touches the run stamps, plus the
series' point count and last step).
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Hashable, Sequence
from dataclasses import dataclass
from typing import Any, Protocol

import numpy as np

from cairn.store.codec import Envelope, Float64s, Int64s, decode_envelopes, slice_envelope

DEFAULT_BUDGET = 64 << 20


@dataclass(frozen=True)
class ChunkIndex:
    """Every chunk of a series (in step order) and their stored envelopes, decoded."""

    version: Hashable
    seq: Int64s
    step_min: Int64s
    step_max: Int64s
    points: Int64s
    group_start: Int64s
    """Index in ``groups`` of each chunk's first group; one more entry, the end."""
    groups: Envelope

    @classmethod
    def build(cls, version: Hashable,
              rows: Sequence[tuple[int, int, int, int, bytes]]) -> ChunkIndex:
        """From ``(seq, step_min, step_max, n, envelope blob)`` rows in seq order;
        ValueError if a blob is corrupt."""
        groups = decode_envelopes([blob for *_, blob in rows])
        columns = np.array([r[:4] for r in rows], dtype=np.int64).reshape(-1, 4).T
        step_min = np.ascontiguousarray(columns[1])
        # Each chunk's first group starts at the chunk's first step.
        starts = np.searchsorted(groups.step_first, step_min, "left").astype(np.int64)
        return cls(version=version, seq=np.ascontiguousarray(columns[0]), step_min=step_min,
                   step_max=np.ascontiguousarray(columns[2]),
                   points=np.ascontiguousarray(columns[3]),
                   group_start=np.append(starts, groups.size).astype(np.int64),
                   groups=groups)

    @property
    def nbytes(self) -> int:
        arrays = (self.seq, self.step_min, self.step_max, self.points, self.group_start)
        return sum(a.nbytes for a in arrays) + self.groups.size * 64

    def overlapping(self, lo: int, hi: int) -> tuple[int, int]:
        """Chunks ``[a, b)`` that hold steps in ``[lo, hi]``."""
        a = int(np.searchsorted(self.step_max, lo, "left"))
        b = int(np.searchsorted(self.step_min, hi, "right"))
        return a, max(a, b)

    def envelope(self, a: int, b: int) -> Envelope:
        """The stored groups of chunks ``[a, b)``."""
        return slice_envelope(self.groups, int(self.group_start[a]), int(self.group_start[b]))


class Cached(Protocol):
    """What the cache holds: a chunk index, a series' whole envelope from its coarse
    level (``envelope_reads.py``), or a chunk's decoded points."""

    @property
    def version(self) -> Hashable: ...

    @property
    def nbytes(self) -> int: ...


@dataclass(frozen=True)
class CachedLevel:
    """A series' whole envelope at its coarse level's width (``levels.py``): the stored
    level and the points after it, grouped alike."""

    version: Hashable
    groups: Envelope

    @property
    def nbytes(self) -> int:
        return self.groups.size * 64


_NO_STEPS: Int64s = np.zeros(0, np.int64)


@dataclass(frozen=True)
class ChunkPoints:
    """One chunk's points, decoded (``envelope_reads.chunk_points``). Evenly spaced steps,
    the usual case, are kept as their rule, so that an entry costs 8 bytes a point."""

    version: Hashable
    values: Float64s
    steps: Int64s | None
    """None when the steps are ``first + i * spacing``."""
    first: int = 0
    spacing: int = 0

    @classmethod
    def of(cls, version: Hashable, steps: Int64s, values: Float64s,
           rule: tuple[int, int] | None) -> ChunkPoints:
        # Shared by every request that reads the chunk: nobody may write into them.
        values.flags.writeable = False
        steps.flags.writeable = False
        if rule is None:
            return cls(version, values, steps)
        return cls(version, values, None, *rule)

    def points(self) -> tuple[Int64s, Float64s]:
        if self.steps is not None:
            return self.steps, self.values
        with np.errstate(over="ignore"):
            steps = (np.arange(self.values.size, dtype=np.int64) * np.int64(self.spacing)
                     + np.int64(self.first))
        return steps, self.values

    def between(self, lo: int, hi: int) -> tuple[Int64s, Float64s]:
        """The points with steps in ``[lo, hi]``; evenly spaced steps are found by
        arithmetic and only those in the range are made."""
        n = int(self.values.size)
        if self.steps is not None or self.spacing <= 0 or n == 0:
            steps, values = self.points()
            a = int(np.searchsorted(steps, lo, "left"))
            b = int(np.searchsorted(steps, hi, "right"))
            return steps[a:b], values[a:b]
        a = min(n, max(0, -((self.first - lo) // self.spacing)))  # first step >= lo
        b = min(n, max(0, (hi - self.first) // self.spacing + 1))  # past the last <= hi
        if a >= b:
            return _NO_STEPS, self.values[:0]
        steps = np.arange(a, b, dtype=np.int64) * self.spacing + self.first
        return steps, self.values[a:b]

    @property
    def nbytes(self) -> int:
        return self.values.nbytes + (self.steps.nbytes if self.steps is not None else 0) + 200


POINTS_BUDGET = 128 << 20
"""Default memory for decoded chunks (``ChunkPoints``): at 8 bytes a point (evenly spaced
steps), 16M points, a 200-run project of 10 metrics x 8,000 steps."""


class ChunkIndexCache:
    """Indexes (and levels) by key, within ``budget`` bytes; safe to use from several
    reading threads."""

    def __init__(self, budget: int = DEFAULT_BUDGET) -> None:
        self.budget = budget
        self._entries: OrderedDict[Hashable, Cached] = OrderedDict()
        self._bytes = 0
        self._lock = threading.Lock()

    def get(self, key: Hashable, version: Hashable) -> Any:
        """The entry put under ``key`` while its version is ``version``, else None."""
        with self._lock:
            entry = self._entries.get(key)
            if entry is None or entry.version != version:
                return None
            self._entries.move_to_end(key)
            return entry

    def put(self, key: Hashable, entry: Cached) -> None:
        with self._lock:
            self._discard(key)
            if entry.nbytes > self.budget:
                return
            self._entries[key] = entry
            self._bytes += entry.nbytes
            while self._bytes > self.budget:
                _, oldest = self._entries.popitem(last=False)
                self._bytes -= oldest.nbytes

    def discard(self, key: Hashable) -> None:
        with self._lock:
            self._discard(key)

    def _discard(self, key: Hashable) -> None:
        old = self._entries.pop(key, None)
        if old is not None:
            self._bytes -= old.nbytes

    def clear(self) -> None:
        with self._lock:
            self._entries.clear()
            self._bytes = 0
