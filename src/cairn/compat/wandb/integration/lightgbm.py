"""``wandb.integration.lightgbm``: cairn's LightGBM callback."""

from __future__ import annotations

from cairn.integration.lightgbm import log_summary, wandb_callback

__all__ = ["log_summary", "wandb_callback"]
