"""Turning committed rows into a columnar ``HistoryBatch`` (in the writer thread).

Rows logged with the same keys (the usual training loop) are turned into columns a whole
key at a time, and every column of such a run of rows shares one steps list, which the
record then stores once.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from cairn.records import SERIES_BOOL, SERIES_FLOAT, SERIES_INT, HistoryBatch, NumericColumn

Row = tuple[int, float, dict[str, Any]]
_MAX_EXACT_INT = 2**53
_KIND_RANK = {SERIES_BOOL: 0, SERIES_INT: 1, SERIES_FLOAT: 2}


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


def _uniform_kind(values: list[Any]) -> str | None:
    """The series kind when every value is a number of one type that float64 holds exactly."""
    types = set(map(type, values))
    if len(types) != 1:
        return None
    t = types.pop()
    if t is float:
        return SERIES_FLOAT
    if t is bool:
        return SERIES_BOOL
    if t is int and min(values) >= -_MAX_EXACT_INT and max(values) <= _MAX_EXACT_INT:
        return SERIES_INT
    return None


class _Columns:
    def __init__(self, batch: HistoryBatch) -> None:
        self.numeric = batch.numeric
        self.objects = batch.objects

    def add_numeric(self, key: str, steps: list[int], values: list[Any], kind: str) -> None:
        col = self.numeric.get(key)
        if col is None:
            # Shares ``steps`` with the other keys of the same rows: never mutate it.
            self.numeric[key] = NumericColumn(steps, values, kind)
            return
        col.steps = [*col.steps, *steps]
        col.values = [*col.values, *values]
        if _KIND_RANK[kind] > _KIND_RANK[col.kind]:
            col.kind = kind

    def add_mixed(self, key: str, steps: list[int], values: list[Any]) -> None:
        """Values of several types: numbers to the numeric column, the rest as objects."""
        num_steps: list[int] = []
        num_values: list[Any] = []
        kind = SERIES_BOOL
        for step, value in zip(steps, values, strict=True):
            t = type(value)
            if t is float or t is bool or (t is int and -_MAX_EXACT_INT <= value <= _MAX_EXACT_INT):
                num_steps.append(step)
                num_values.append(value)
                if t is float:
                    kind = SERIES_FLOAT
                elif t is int and kind == SERIES_BOOL:
                    kind = SERIES_INT
            else:
                if t is int and not -(2**63) <= value < 2**64:
                    value = float(value)  # msgpack carries 64-bit integers at most
                pairs = self.objects.get(key)
                if pairs is None:
                    pairs = self.objects[key] = []
                pairs.append((step, value))
        if num_steps:
            self.add_numeric(key, num_steps, num_values, kind)


def build_batch(rows: Iterable[Row], start_time: float, runtime_offset: float,
                step_sync: StepSync | None = None) -> HistoryBatch:
    """Columns for the rows; ``_timestamp`` and ``_runtime`` are stamped on every row.

    This runs in the writer thread for every row logged, so the per-row work is done by
    C loops where it can be: rows with the same keys in the same order (a training loop's)
    are turned into columns by one transpose of their values."""
    batch = HistoryBatch()
    rows = rows if isinstance(rows, list) else list(rows)
    if not rows:
        return batch
    if step_sync is not None:
        rows = [(step, ts, step_sync.apply(data)) for step, ts, data in rows]
    all_steps = [row[0] for row in rows]
    all_times = [row[1] for row in rows]
    datas = [row[2] for row in rows]
    columns = _Columns(batch)
    offset = runtime_offset - start_time
    columns.add_numeric("_timestamp", all_steps, all_times, SERIES_FLOAT)
    columns.add_numeric("_runtime", all_steps, [t + offset for t in all_times], SERIES_FLOAT)
    for keys, steps, group in _key_groups(all_steps, datas):
        # Same keys in the same order: dict.values() line up, and zip transposes them.
        columns_of = zip(*map(dict.values, group), strict=True)
        for key, column in zip(keys, columns_of, strict=True):
            values = list(column)
            kind = _uniform_kind(values)
            if kind is None:
                columns.add_mixed(key, steps, values)
            else:
                columns.add_numeric(key, steps, values, kind)
    batch.last_step = all_steps[-1]
    batch.rows = len(all_steps)
    return batch


def _key_groups(steps: list[int], datas: list[dict[str, Any]],
                ) -> list[tuple[tuple[str, ...], list[int], list[dict[str, Any]]]]:
    """Consecutive rows with the same keys in the same order, with their steps; one group
    (sharing ``steps`` itself, so the record stores it once) when every row has them."""
    keys = list(map(tuple, datas))
    if keys.count(keys[0]) == len(keys):
        return [(keys[0], steps, datas)]
    groups = []
    start = 0
    for end in range(1, len(keys) + 1):
        if end == len(keys) or keys[end] != keys[start]:
            groups.append((keys[start], steps[start:end], datas[start:end]))
            start = end
    return groups
