"""Building history rows from stored series: every row (``scan_history``) or a sample that
keeps each metric's extremes (``history``)."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from typing import Any

import numpy as np

from cairn.aggregates import typed
from cairn.store.base import MetadataStore
from cairn.store.codec import Int64s

WINDOW_STEPS = 16_384


def _column(store: MetadataStore, run_pk: int, key: str, lo: int | None, hi: int | None,
            objects: dict[str, list[tuple[int, Any]]]) -> tuple[list[int], list[Any]]:
    steps, values, kind = store.read_series(run_pk, key, lo, hi)
    step_list: list[int] = steps.tolist()
    value_list: list[Any] = values.tolist()
    if kind != "f":
        value_list = [typed(v, kind) for v in value_list]
    pairs = objects.get(key)
    if pairs:
        merged = dict(zip(step_list, value_list, strict=True))
        merged.update(pairs)
        step_list = sorted(merged)
        value_list = [merged[s] for s in step_list]
    return step_list, value_list


def rows_in(store: MetadataStore, run_pk: int, keys: Sequence[str], lo: int | None,
            hi: int | None, require_all: bool) -> list[dict[str, Any]]:
    """Rows with ``_step`` for every step in ``[lo, hi]`` where the keys have values."""
    objects = store.read_objects(run_pk, list(keys), lo, hi)
    rows: dict[int, dict[str, Any]] = {}
    for key in keys:
        steps, values = _column(store, run_pk, key, lo, hi, objects)
        for step, value in zip(steps, values, strict=True):
            row = rows.get(step)
            if row is None:
                row = rows[step] = {"_step": step}
            row[key] = value
    ordered = [rows[s] for s in sorted(rows)]
    if require_all:
        want = len(keys) + 1
        ordered = [r for r in ordered if len(r) == want]
    return ordered


def scan_rows(store: MetadataStore, run_pk: int, keys: Sequence[str], first_step: int,
              last_step: int, min_step: int | None, max_step: int | None,
              require_all: bool) -> Iterator[dict[str, Any]]:
    lo = first_step if min_step is None else max(min_step, first_step)
    hi = last_step if max_step is None else min(max_step, last_step)
    while lo <= hi:
        window_hi = min(hi, lo + WINDOW_STEPS - 1)
        yield from rows_in(store, run_pk, keys, lo, window_hi, require_all)
        lo = window_hi + 1


def extreme_steps(steps: Int64s, values: Any, buckets: int) -> Int64s:
    """Steps of the first, min, max and last point of each of ``buckets`` equal-count
    groups: a sample of at most ``4 * buckets`` points that never hides a spike."""
    n = int(steps.size)
    if n <= buckets * 2:
        return steps
    values = np.asarray(values, dtype=np.float64)
    edges = np.linspace(0, n, buckets + 1).astype(np.int64)
    picked = [0, n - 1]
    filled = np.where(np.isnan(values), np.inf, values)
    filled_max = np.where(np.isnan(values), -np.inf, values)
    for a, b in zip(edges[:-1], edges[1:], strict=True):
        if b > a:
            picked.append(int(a + np.argmin(filled[a:b])))
            picked.append(int(a + np.argmax(filled_max[a:b])))
            nan_at = np.flatnonzero(np.isnan(values[a:b]))
            if nan_at.size:
                picked.append(int(a + nan_at[0]))
    return steps[np.unique(np.array(picked, dtype=np.int64))]
