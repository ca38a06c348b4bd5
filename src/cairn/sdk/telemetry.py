"""Which ML framework the training process uses, as wandb's telemetry records it."""

from __future__ import annotations

import sys

# Checked in this order: the most specific framework wins (lightning imports torch).
_FRAMEWORKS = (
    ("lightgbm", "lightgbm"),
    ("catboost", "catboost"),
    ("xgboost", "xgboost"),
    ("transformers", "huggingface"),
    ("ignite", "ignite"),
    ("pytorch_lightning", "lightning"),
    ("lightning", "lightning"),
    ("fastai", "fastai"),
    ("torch", "torch"),
    ("keras", "keras"),
    ("tensorflow", "tensorflow"),
    ("sklearn", "sklearn"),
    ("jax", "jax"),
)


def detect_framework(modules: dict[str, object] | None = None) -> str:
    """The name of the first known framework already imported, or ``""``."""
    loaded = sys.modules if modules is None else modules
    for module, name in _FRAMEWORKS:
        if module in loaded:
            return name
    return ""
