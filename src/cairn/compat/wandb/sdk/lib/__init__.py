"""``wandb.sdk.lib``."""

from __future__ import annotations

from cairn.compat.wandb.sdk.lib import config_util as config_util
from cairn.compat.wandb.sdk.lib.disabled import RunDisabled

__all__ = ["RunDisabled", "config_util"]
