"""``wandb.sdk.data_types.histogram``."""

from __future__ import annotations

from cairn.sdk.media import Histogram

__all__ = ["Histogram"]
