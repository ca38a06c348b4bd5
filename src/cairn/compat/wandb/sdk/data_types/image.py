"""``wandb.sdk.data_types.image``."""

from __future__ import annotations

from cairn.sdk.media import Image

__all__ = ["Image"]
