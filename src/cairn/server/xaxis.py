"""The x axis of a chart when it is not ``_step``: a run's x series (``_runtime``,
``_timestamp`` or any numeric metric) maps steps to x values and x ranges to steps.

x is assumed never to decrease as the step grows: true of ``_runtime`` and
``_timestamp``; for a metric used as x it is an assumption (documented in the API), and
its points whose x is NaN or infinite are left out.

``FullX`` reads the whole x series (``read_series``) and maps by binary search on its
steps (``np.interp``: exact where the x series has the step, linear between its
neighbours otherwise). For a long series that read dominates a chart request (a million
points: tens of milliseconds a run), so ``SampledX`` starts from the x series' stored
envelope instead, which the store keeps decoded: under the assumption above, a group's
min is the x of its first step and its last value the x of its last step, exact x values
every ``ENVELOPE_POINTS`` points. When the runs' metrics were logged at the same steps as
x (the usual case, as ``_runtime`` is stamped on every row), every bucket edge is such a
step; other steps are read from the few stretches of the x series around them. Both give
the same answers.
"""

from __future__ import annotations

from typing import Protocol

import numpy as np

from cairn.store.base import MetadataStore
from cairn.store.codec import Envelope, Float64s, Int64s

FULL_READ_POINTS = 65_536
"""x series up to this long are read whole: it costs less than sampling."""
FEW_STEPS = 32
"""Steps not among the samples that are read one stretch each; more: one read of all."""


class XAxis(Protocol):
    def step_range(self, lo: float | None, hi: float | None) -> tuple[int, int] | None:
        """The first and last step whose x lies in ``[lo, hi]`` (None: unbounded), or
        None if no step's does."""
        ...

    def at(self, steps: Int64s) -> Float64s:
        """x at these steps (sorted or not)."""
        ...


def _finite(steps: Int64s, values: Float64s) -> tuple[Int64s, Float64s]:
    keep = np.isfinite(values)
    return (steps, values) if bool(keep.all()) else (steps[keep], values[keep])


class FullX:
    """An x series read whole."""

    def __init__(self, steps: Int64s, values: Float64s) -> None:
        self.steps, self.values = _finite(steps, values)

    def step_range(self, lo: float | None, hi: float | None) -> tuple[int, int] | None:
        if self.steps.size == 0:
            return None
        i = 0 if lo is None else int(np.searchsorted(self.values, lo, "left"))
        j = self.steps.size - 1 if hi is None else int(
            np.searchsorted(self.values, hi, "right")) - 1
        if i > j:
            return None
        return int(self.steps[i]), int(self.steps[j])

    def at(self, steps: Int64s) -> Float64s:
        if self.steps.size == 0:
            return np.full(steps.size, np.nan)
        return np.interp(steps, self.steps, self.values)


def _samples(groups: Envelope) -> tuple[Int64s, Float64s]:
    """Exact ``(step, x)`` pairs from stored groups: each group's first step with its min,
    its last step with its last value."""
    steps = np.stack([groups.step_first, groups.step_last], axis=1).reshape(-1)
    values = np.stack([groups.vmin, groups.last], axis=1).reshape(-1)
    keep = np.append(True, steps[1:] != steps[:-1])  # one-point groups: one sample
    return steps[keep], values[keep]


class SampledX:
    """An x series known at its stored groups' edges; other steps are read as needed."""

    def __init__(self, store: MetadataStore, run_pk: int, key: str,
                 samples: tuple[Int64s, Float64s]) -> None:
        self.store = store
        self.run_pk = run_pk
        self.key = key
        self.steps, self.values = samples

    def _read(self, lo: int, hi: int) -> tuple[Int64s, Float64s]:
        steps, values, _ = self.store.read_series(self.run_pk, self.key, lo, hi)
        return _finite(steps, values)

    def step_range(self, lo: float | None, hi: float | None) -> tuple[int, int] | None:
        n = self.steps.size
        first, last = int(self.steps[0]), int(self.steps[-1])
        if lo is not None:
            i = int(np.searchsorted(self.values, lo, "left"))
            if i == n:
                return None
            if i > 0:  # the first x >= lo is after sample i - 1, at or before sample i
                steps, values = self._read(int(self.steps[i - 1]) + 1, int(self.steps[i]))
                first = int(steps[np.searchsorted(values, lo, "left")])
        if hi is not None:
            j = int(np.searchsorted(self.values, hi, "right")) - 1
            if j < 0:
                return None
            if j < n - 1:  # the last x <= hi is at or after sample j, before sample j + 1
                steps, values = self._read(int(self.steps[j]), int(self.steps[j + 1]) - 1)
                last = int(steps[np.searchsorted(values, hi, "right") - 1])
        return (first, last) if first <= last else None

    def at(self, steps: Int64s) -> Float64s:
        n = self.steps.size
        i = np.minimum(np.searchsorted(self.steps, steps), n - 1)
        hit = self.steps[i] == steps
        if bool(hit.all()):
            return self.values[i]
        missing = np.unique(steps[~hit])
        known_steps, known_values = [self.steps], [self.values]
        if missing.size <= FEW_STEPS:
            for step in missing.tolist():
                at = int(np.searchsorted(self.steps, step))
                lo = int(self.steps[at - 1]) if at > 0 else step
                hi = int(self.steps[at]) if at < n else step
                s, v = self._read(lo, hi)
                known_steps.append(s)
                known_values.append(v)
        else:
            s, v = self._read(int(missing[0]), int(missing[-1]))
            known_steps.append(s)
            known_values.append(v)
        all_steps = np.concatenate(known_steps)
        order = np.argsort(all_steps, kind="stable")
        all_steps, first = np.unique(all_steps[order], return_index=True)
        all_values = np.concatenate(known_values)[order][first]
        return np.interp(steps, all_steps, all_values)


def x_axis(store: MetadataStore, run_pk: int, key: str) -> XAxis:
    """The cheapest exact mapping for this run's x series."""
    groups = store.stored_envelope(run_pk, key)
    clean = bool(np.all(groups.count == groups.points)) and bool(
        np.isfinite(groups.vmin).all() and np.isfinite(groups.last).all())
    if groups.size == 0 or not clean or int(groups.points.sum()) <= FULL_READ_POINTS:
        steps, values, _ = store.read_series(run_pk, key)
        return FullX(steps, values)
    return SampledX(store, run_pk, key, _samples(groups))
