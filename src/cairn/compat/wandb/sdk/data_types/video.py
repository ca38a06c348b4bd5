"""``wandb.sdk.data_types.video``."""

from __future__ import annotations

from cairn.sdk.media import Video

__all__ = ["Video"]
