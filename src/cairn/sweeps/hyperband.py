"""Hyperband early termination with wandb's bracket semantics.

A trial's history is the sequence of its logged values of the sweep metric (negated when
the goal is to maximise, so lower is better). At each band ``b`` (``Hyperband.bands``),
the threshold is the value at index ``int(len / eta)`` of the sorted values every trial
had at its ``b``-th value: only the best ``1/eta`` pass. A running trial that has reached
a band is stopped when its value there (``strict``) or its best value so far (otherwise)
is worse than the threshold of the last band it reached.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from cairn.sweeps.config import Hyperband, Metric


@dataclass(frozen=True)
class Verdict:
    band: int
    value: float
    threshold: float

    def reason(self, metric: Metric) -> str:
        sign = -1.0 if metric.goal == "maximize" else 1.0
        return (f"hyperband: {metric.name} {sign * self.value:g} at band {self.band} is "
                f"worse than the threshold {sign * self.threshold:g}")


def signed_history(values: Sequence[float], metric: Metric) -> list[float]:
    """The finite values, negated when maximising."""
    sign = -1.0 if metric.goal == "maximize" else 1.0
    return [sign * float(v) for v in values if math.isfinite(v)]


def thresholds(config: Hyperband, histories: Sequence[Sequence[float]]) -> list[float]:
    found = []
    for band in config.bands:
        at_band = sorted(h[band - 1] for h in histories if len(h) >= band)
        found.append(at_band[int((1.0 / config.eta) * len(at_band))] if at_band else math.inf)
    return found


def judge(config: Hyperband, histories: Mapping[str, Sequence[float]],
          running: Sequence[str]) -> dict[str, Verdict]:
    """The running trials (by key) to stop, given every trial's signed history."""
    limits = thresholds(config, [h for h in histories.values() if h])
    stop: dict[str, Verdict] = {}
    for key in running:
        history = histories.get(key) or []
        band, limit = -1, 0.0
        for b, threshold in zip(config.bands, limits, strict=True):
            if b > len(history):
                break
            band, limit = b, threshold
        if band == -1:
            continue
        value = history[band - 1] if config.strict else min(history)
        if value > limit:
            stop[key] = Verdict(band, value, limit)
    return stop


__all__ = ["Verdict", "judge", "signed_history", "thresholds"]
