"""Turning committed rows into a columnar ``HistoryBatch`` (in the writer thread)."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from cairn.records import SERIES_BOOL, SERIES_FLOAT, SERIES_INT, HistoryBatch, NumericColumn

Row = tuple[int, float, dict[str, Any]]
_MAX_EXACT_INT = 2**53


class StepSync:
    """define_metric(step_metric=..., step_sync=True): rows that log a metric but not its
    step metric get the step metric's last logged value added."""

    def __init__(self) -> None:
        self.rules: dict[str, str] = {}
        self.last: dict[str, Any] = {}

    def add(self, name: str, step_metric: str) -> None:
        self.rules[name] = step_metric

    def step_metric_for(self, key: str) -> str | None:
        found = self.rules.get(key)
        if found is not None:
            return found
        for name, metric in self.rules.items():
            if name.endswith("*") and key.startswith(name[:-1]):
                return metric
        return None

    def apply(self, data: dict[str, Any]) -> dict[str, Any]:
        steps_wanted = {}
        for key in data:
            metric = self.step_metric_for(key)
            if metric is not None and metric not in data and metric in self.last:
                steps_wanted[metric] = self.last[metric]
        for metric in set(self.rules.values()):
            if metric in data:
                self.last[metric] = data[metric]
        if steps_wanted:
            data = {**data, **steps_wanted}
        return data


def build_batch(rows: Iterable[Row], start_time: float, runtime_offset: float,
                step_sync: StepSync | None = None) -> HistoryBatch:
    """Columns for the rows; ``_timestamp`` and ``_runtime`` are stamped on every row."""
    batch = HistoryBatch()
    numeric = batch.numeric
    objects = batch.objects
    ts_col = numeric["_timestamp"] = NumericColumn(kind=SERIES_FLOAT)
    rt_col = numeric["_runtime"] = NumericColumn(kind=SERIES_FLOAT)
    last_step = -1
    count = 0
    for step, ts, data in rows:
        count += 1
        last_step = step
        ts_col.steps.append(step)
        ts_col.values.append(ts)
        rt_col.steps.append(step)
        rt_col.values.append(ts - start_time + runtime_offset)
        if step_sync is not None:
            data = step_sync.apply(data)
        for key, value in data.items():
            t = type(value)
            if t is float or (t is int and -_MAX_EXACT_INT <= value <= _MAX_EXACT_INT) or t is bool:
                col = numeric.get(key)
                if col is None:
                    col = numeric[key] = NumericColumn(
                        kind=SERIES_BOOL if t is bool else SERIES_INT)
                col.steps.append(step)
                col.values.append(value)
                if t is float:
                    col.kind = SERIES_FLOAT
                elif t is int and col.kind == SERIES_BOOL:
                    col.kind = SERIES_INT
            else:
                if t is int and not -(2**63) <= value < 2**64:
                    value = float(value)  # msgpack carries 64-bit integers at most
                pairs = objects.get(key)
                if pairs is None:
                    pairs = objects[key] = []
                pairs.append((step, value))
    batch.last_step = last_step
    batch.rows = count
    if not count:
        numeric.clear()
    return batch
