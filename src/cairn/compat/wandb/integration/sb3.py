"""``wandb.integration.sb3``: cairn's Stable-Baselines3 callback."""

from __future__ import annotations

from cairn.integration.sb3 import WandbCallback

__all__ = ["WandbCallback"]
