"""``wandb.integration.xgboost``: cairn's XGBoost callback."""

from __future__ import annotations

from cairn.integration.xgboost import WandbCallback, wandb_callback

__all__ = ["WandbCallback", "wandb_callback"]
