"""``wandb.sdk.lib.config_util``."""

from __future__ import annotations

from cairn.errors import ConfigError

__all__ = ["ConfigError"]
