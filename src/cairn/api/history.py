"""History rows from stored series: every row in order (``scan_history``), or a sample
that keeps each metric's extremes (``history``).

A row is ``{"_step": step, key: value, ...}`` with the keys logged at that step. Asked for
given keys, a row is returned only where all of them have a value (as wandb does).
"""

from __future__ import annotations

import bisect
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from cairn.aggregates import typed
from cairn.store.base import MetadataStore, SeriesInfo
from cairn.store.codec import Float64s, Int64s

STEP_KEY = "_step"
_MIN_WINDOW_POINTS = 4096


@dataclass
class Column:
    """One key's values over a step range: numbers as arrays, other values by step."""

    key: str
    steps: Int64s
    values: Float64s
    kind: str = "f"
    objects: dict[int, Any] = field(default_factory=dict)

    def all_steps(self) -> Int64s:
        if not self.objects:
            return self.steps
        others = np.fromiter(self.objects, dtype=np.int64, count=len(self.objects))
        return np.union1d(self.steps, others)


def read_columns(store: MetadataStore, run_pk: int, keys: Sequence[str], *, lo: int, hi: int,
                 numeric: set[str], objects: dict[str, list[tuple[int, Any]]] | None = None,
                 ) -> list[Column]:
    """The columns of ``keys`` in ``[lo, hi]``; ``numeric`` names the keys that have a
    numeric series, ``objects`` (when given) holds the keys' other values, step sorted."""
    if objects is None:
        wanted = [k for k in keys if k != STEP_KEY]
        objects = store.read_objects(run_pk, wanted, lo, hi) if wanted else {}
    columns = []
    series = store.read_series_many(run_pk, [k for k in keys if k in numeric], lo, hi)
    for key in keys:
        if key == STEP_KEY:
            continue
        if key in series:
            steps, values, kind = series[key]
        else:
            steps, values, kind = np.zeros(0, np.int64), np.zeros(0, np.float64), "f"
        pairs = objects.get(key, [])
        a = bisect.bisect_left(pairs, lo, key=lambda p: p[0])
        b = bisect.bisect_right(pairs, hi, key=lambda p: p[0])
        columns.append(Column(key, steps, values, kind, dict(pairs[a:b])))
    return columns


def row_steps(columns: Sequence[Column], require_all: bool) -> Int64s:
    """Steps that make a row: where any column has a value, or (``require_all``) all."""
    if not columns:
        return np.zeros(0, np.int64)
    per_column = [c.all_steps() for c in columns]
    if require_all:
        out = per_column[0]
        for steps in per_column[1:]:
            out = np.intersect1d(out, steps, assume_unique=True)
        return out
    return np.unique(np.concatenate(per_column))


def rows_at(columns: Sequence[Column], steps: Int64s) -> list[dict[str, Any]]:
    """The rows at ``steps`` (sorted), each with the columns that have a value there."""
    step_list: list[int] = steps.tolist()
    rows: list[dict[str, Any]] = [{STEP_KEY: s} for s in step_list]
    index: dict[int, int] | None = None
    for column in columns:
        if column.steps.size:
            at = np.searchsorted(column.steps, steps)
            found = at < column.steps.size
            found[found] = column.steps[at[found]] == steps[found]
            where: list[int] = np.flatnonzero(found).tolist()
            values: list[Any] = column.values[at[found]].tolist()
            if column.kind != "f":
                values = [typed(v, column.kind) for v in values]
            key = column.key
            for i, value in zip(where, values, strict=True):
                rows[i][key] = value
        if column.objects:
            if index is None:
                index = {s: i for i, s in enumerate(step_list)}
            for step, value in column.objects.items():
                i = index.get(step, -1)
                if i >= 0:
                    rows[i][column.key] = value
    return rows


# ---- every row ---------------------------------------------------------------------------

def scan_rows(store: MetadataStore, run_pk: int, keys: Sequence[str],
              infos: Sequence[SeriesInfo], *, min_step: int, max_step: int,
              page_size: int, require_all: bool) -> Iterator[dict[str, Any]]:
    """Every row in ``[min_step, max_step]`` in step order, read a window at a time."""
    wanted = [k for k in keys if k != STEP_KEY]
    mine = [i for i in infos if i.key in set(wanted)]
    if not wanted or not mine or (require_all and {i.key for i in mine} != set(wanted)):
        return
    numeric = {i.key for i in mine if i.kind != "o"}
    lo = max(min_step, min(i.first_step for i in mine))
    hi = min(max_step, max(i.last_step for i in mine))
    if lo > hi:
        return
    object_keys = [i.key for i in mine if i.kind == "o"]
    objects = store.read_objects(run_pk, object_keys, lo, hi) if object_keys else {}
    # Windows of about max(page_size, 4096) points of the densest key.
    densest = max(i.count / max(1, i.last_step - i.first_step + 1) for i in mine)
    window = max(1, int(max(page_size, _MIN_WINDOW_POINTS) / max(densest, 1e-12)))
    while lo <= hi:
        top = min(hi, lo + window - 1)
        columns = read_columns(store, run_pk, wanted, lo=lo, hi=top, numeric=numeric,
                               objects=objects)
        steps = row_steps(columns, require_all)
        yield from rows_at(columns, steps)
        if top >= hi:
            return
        found_any = any(c.steps.size or c.objects for c in columns)
        lo = top + 1 if found_any else _next_step(store, run_pk, numeric, objects,
                                                  lo=top + 1, hi=hi)


def _next_step(store: MetadataStore, run_pk: int, numeric: set[str],
               objects: dict[str, list[tuple[int, Any]]], *, lo: int, hi: int) -> int:
    """The first step at or after ``lo`` where any key has a value (``hi + 1``: none), to
    skip a gap in the steps without reading it window by window."""
    best = hi + 1
    for key in numeric:
        env = store.read_envelope(run_pk, key, 1, lo, hi)
        if env.size:
            best = min(best, int(env.step_first[0]))
    for pairs in objects.values():
        at = bisect.bisect_left(pairs, lo, key=lambda p: p[0])
        if at < len(pairs):
            best = min(best, pairs[at][0])
    return best


# ---- a sample ------------------------------------------------------------------------------

def extreme_steps(steps: Int64s, values: Any, buckets: int) -> Int64s:
    """Steps of the first and last point, and of the min, the max and the first NaN of
    each of ``buckets`` equal-count groups: a sample that never hides a spike."""
    n = int(steps.size)
    if n <= buckets * 2:
        return steps
    values = np.asarray(values, dtype=np.float64)
    nan = np.isnan(values)
    low = np.where(nan, np.inf, values)
    high = np.where(nan, -np.inf, values)
    edges = np.linspace(0, n, buckets + 1).astype(np.int64)
    picked = [0, n - 1]
    for a, b in zip(edges[:-1].tolist(), edges[1:].tolist(), strict=True):
        if b > a:
            picked.append(a + int(np.argmin(low[a:b])))
            picked.append(a + int(np.argmax(high[a:b])))
            nan_at = np.flatnonzero(nan[a:b])
            if nan_at.size:
                picked.append(a + int(nan_at[0]))
    return steps[np.unique(np.array(picked, dtype=np.int64))]


def sample_steps(columns: Sequence[Column], steps: Int64s, samples: int) -> Int64s:
    """At most about ``samples`` of the row ``steps`` that keep every column's min and max
    in each of its equal-count groups (and the first and last row). The groups are made
    finer while the sample stays within ``samples``: keys whose extremes fall on the same
    rows (smooth curves, counters) leave room for more groups."""
    if steps.size <= samples:
        return steps
    numeric, others = [], []
    for column in columns:
        mask = np.isin(column.steps, steps, assume_unique=True)
        numeric.append((column.steps[mask], column.values[mask]))
        if column.objects:
            others.append(np.intersect1d(np.fromiter(column.objects, np.int64), steps))

    def extremes(buckets: int) -> Int64s:
        chosen = [steps[:1], steps[-1:]]
        chosen += [extreme_steps(s, v, buckets) for s, v in numeric]
        chosen += [o[::max(1, o.size // buckets)] for o in others]
        return np.unique(np.concatenate(chosen))

    buckets = max(1, samples // (2 * max(1, len(columns))))
    best = extremes(buckets)
    while best.size < samples // 2 and buckets < steps.size:
        buckets *= 2
        finer = extremes(buckets)
        if finer.size > samples:
            break
        best = finer
    return best
