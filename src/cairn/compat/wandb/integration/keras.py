"""``wandb.integration.keras``: cairn's Keras 3 callbacks."""

from __future__ import annotations

from cairn.integration.keras import WandbEvalCallback, WandbMetricsLogger, WandbModelCheckpoint

__all__ = ["WandbEvalCallback", "WandbMetricsLogger", "WandbModelCheckpoint"]
