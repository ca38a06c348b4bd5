"""Realistic metric values: what a training loop logs, not constants.

Metric ``m<i>`` follows the ``i % 10``-th curve below. The default ``"mixed"`` precision is
what a PyTorch loop produces: tensor values (``loss.item()``) are float32-derived, ratios
of counts are exact fractions, schedules and timings are full-precision float64. Two other
precisions bound the storage cost: ``"float32"`` (every value float32-derived) and
``"noise"`` (uniform full-precision noise, the incompressible case).

=====  ==============  ============================================  ==========
key    what            shape                                         precision
=====  ==============  ============================================  ==========
m0     train loss      decaying exponential with multiplicative      float32
                       noise
m1     train accuracy  correct / 256 samples, rising                 fraction
m2     learning rate   linear warm-up then cosine decay              float64
m3     grad norm       log-normal noise around a decaying level      float32
m4     val loss        re-evaluated every 500 steps                  float32
m5     val accuracy    re-evaluated every 500 steps, k / 10,000      fraction
m6     samples / s     noisy around 1,200                            float64
m7     GPU memory GB   slowly wandering, whole MiB                   fraction
m8     weight norm     slowly growing                                float32
m9     epoch           step / 391 (fractional epochs)                float64
=====  ==============  ============================================  ==========

Only the standard library is used: wandb's and trackio's interpreters import this too.
"""

from __future__ import annotations

import math
import random
from array import array
from collections.abc import Callable

PRECISIONS = ("mixed", "float32", "noise")
_FLOAT32_CURVES = {0, 3, 4, 8}

Curve = Callable[[int, float], float]


def metric_keys(count: int) -> list[str]:
    return [f"m{i}" for i in range(count)]


def _curves(steps: int) -> list[Curve]:
    horizon = max(steps, 1)
    tau = horizon / 5
    warmup = max(1, horizon // 20)
    levels = {"val_loss": 2.5, "val_acc": 0.1, "mem": 10.0}

    def loss(s: int, g: float) -> float:
        return (2.3 * math.exp(-s / tau) + 0.05) * (1 + 0.08 * g)

    def accuracy(s: int, g: float) -> float:
        p = min(1.0, max(0.0, 0.98 - 0.88 * math.exp(-s / tau) + 0.02 * g))
        return round(p * 256) / 256

    def learning_rate(s: int, g: float) -> float:
        if s < warmup:
            return 3e-4 * (s + 1) / warmup
        return 3e-4 * 0.5 * (1 + math.cos(math.pi * (s - warmup) / max(1, horizon - warmup)))

    def grad_norm(s: int, g: float) -> float:
        return (0.5 + 4 * math.exp(-s / tau)) * math.exp(0.3 * g)

    def val_loss(s: int, g: float) -> float:
        if s % 500 == 0:
            levels["val_loss"] = (2.4 * math.exp(-s / tau) + 0.08) * (1 + 0.02 * g)
        return levels["val_loss"]

    def val_accuracy(s: int, g: float) -> float:
        if s % 500 == 0:
            levels["val_acc"] = round((0.95 - 0.85 * math.exp(-s / tau)) * 10_000) / 10_000
        return levels["val_acc"]

    def samples_per_second(s: int, g: float) -> float:
        return 1200.0 + 35.0 * g

    def gpu_memory(s: int, g: float) -> float:
        levels["mem"] = min(79.0, max(2.0, levels["mem"] + 0.002 * g))
        return round(levels["mem"] * 1024) / 1024

    def weight_norm(s: int, g: float) -> float:
        return 40.0 + 12.0 * (1 - math.exp(-s / tau)) + 0.01 * g

    def epoch(s: int, g: float) -> float:
        return s / 391

    return [loss, accuracy, learning_rate, grad_norm, val_loss, val_accuracy,
            samples_per_second, gpu_memory, weight_norm, epoch]


def _to_float32(values: array[float]) -> array[float]:
    return array("d", array("f", values))


class TrainingCurves:
    """``steps`` rows of ``metrics`` values, generated up front into one flat array
    (8 bytes a value), so that making a row in a timed loop is cheap and allocation-light."""

    def __init__(self, steps: int, metrics: int = 10, precision: str = "mixed",
                 seed: int = 0) -> None:
        if precision not in PRECISIONS:
            raise ValueError(f"precision must be one of {PRECISIONS}; got {precision!r}")
        self.steps = steps
        self.metrics = metrics
        self.keys = metric_keys(metrics)
        rng = random.Random(seed)
        columns = [self._column(i, rng, precision) for i in range(metrics)]
        flat = array("d", bytes(8 * steps * metrics))
        for i, column in enumerate(columns):
            flat[i::metrics] = column
        self.flat = flat

    def _column(self, index: int, rng: random.Random, precision: str) -> array[float]:
        if precision == "noise":
            return array("d", (rng.random() for _ in range(self.steps)))
        curve = _curves(self.steps)[index % 10]
        gauss = rng.gauss
        column = array("d", (curve(s, gauss(0.0, 1.0)) for s in range(self.steps)))
        if precision == "float32" or index % 10 in _FLOAT32_CURVES:
            column = _to_float32(column)
        return column

    def row(self, step: int) -> dict[str, float]:
        """The values logged at ``step`` (0-based), as a new dict."""
        m = self.metrics
        return dict(zip(self.keys, self.flat[step * m:step * m + m], strict=True))
