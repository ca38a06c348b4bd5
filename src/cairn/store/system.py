"""System-metric samples in a SQL store: one row per sample, keyed by its wall time.

A run samples every few seconds (a day is ~9,000 rows at the default 10 s), so a row a
sample holding every metric (msgpack) is compact and reads in one range scan; series are
assembled in memory, and :func:`thin` picks, for charts, the samples that keep every
metric's minimum and maximum in each time bucket (a spike is never hidden).
"""

from __future__ import annotations

import itertools
import math
from dataclasses import dataclass, field
from typing import Any

import msgpack
import numpy as np

from cairn.records import Record
from cairn.store.apply import Cursor

MAX_KEYS = 1024
"""Metrics kept from one sample: a writer claiming more is cut off (hostile input)."""
MAX_KEY_CHARS = 200


@dataclass
class SystemSamples:
    """Samples in time order: ``at`` (unix seconds) and one array per metric, NaN where a
    sample lacks the metric."""

    at: np.ndarray[Any, np.dtype[np.float64]]
    series: dict[str, np.ndarray[Any, np.dtype[np.float64]]] = field(default_factory=dict)

    def __len__(self) -> int:
        return int(self.at.size)


def clean_sample(body: dict[str, Any]) -> tuple[float, dict[str, float]] | None:
    """``(at, values)`` of a ``system`` record body, or None when it holds nothing usable."""
    at = body.get("at")
    values = body.get("values")
    if isinstance(at, bool) or not isinstance(at, int | float) or not math.isfinite(at):
        return None
    if not isinstance(values, dict):
        return None
    clean: dict[str, float] = {}
    for key, value in values.items():
        if len(clean) >= MAX_KEYS:
            break
        if (isinstance(key, str) and 0 < len(key) <= MAX_KEY_CHARS
                and isinstance(value, int | float) and not isinstance(value, bool)):
            clean[key] = float(value)
    return (float(at), clean) if clean else None


def apply_system(conn: Cursor, run_pk: int, record: Record) -> None:
    sample = clean_sample(record.body)
    if sample is None:
        return
    at, values = sample
    conn.execute("INSERT INTO system_samples (run, at, sample) VALUES (?, ?, ?) "
                 "ON CONFLICT (run, at) DO UPDATE SET sample = excluded.sample",
                 (run_pk, at, msgpack.packb(values, use_bin_type=True)))


def read_system(conn: Cursor, run_pk: int, since: float | None = None,
                keys: list[str] | None = None) -> SystemSamples:
    """The run's samples after ``since`` (all when None), only ``keys`` when given."""
    sql = "SELECT at, sample FROM system_samples WHERE run = ?"
    params: list[Any] = [run_pk]
    if since is not None:
        sql += " AND at > ?"
        params.append(since)
    rows = conn.execute(sql + " ORDER BY at", params).fetchall()
    at = np.array([r[0] for r in rows], dtype=np.float64)
    wanted = set(keys) if keys is not None else None
    series: dict[str, np.ndarray[Any, np.dtype[np.float64]]] = {}
    for i, (_, blob) in enumerate(rows):
        for key, value in msgpack.unpackb(blob, raw=False).items():
            if wanted is not None and key not in wanted:
                continue
            column = series.get(key)
            if column is None:
                column = series[key] = np.full(len(rows), np.nan)
            column[i] = value
    return SystemSamples(at, dict(sorted(series.items())))


def thin(samples: SystemSamples, points: int) -> SystemSamples:
    """At most about ``2 * points`` samples (first and last always) that keep each metric's
    min and max in each of ``points // 2`` equal-time buckets."""
    n = len(samples)
    if n <= points:
        return samples
    buckets = max(1, points // 2)
    edges = np.searchsorted(samples.at, np.linspace(samples.at[0], samples.at[-1],
                                                    buckets + 1)[1:-1])
    bounds = [0, *edges.tolist(), n]
    picked: set[int] = {0, n - 1}
    for values in samples.series.values():
        low = np.where(np.isnan(values), np.inf, values)
        high = np.where(np.isnan(values), -np.inf, values)
        for a, b in itertools.pairwise(bounds):
            if b > a:
                picked.add(a + int(np.argmin(low[a:b])))
                picked.add(a + int(np.argmax(high[a:b])))
    index = np.array(sorted(picked), dtype=np.int64)
    return SystemSamples(samples.at[index],
                         {k: v[index] for k, v in samples.series.items()})
