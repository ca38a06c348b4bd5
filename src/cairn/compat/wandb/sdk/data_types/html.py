"""``wandb.sdk.data_types.html``."""

from __future__ import annotations

from cairn.sdk.media import Html

__all__ = ["Html"]
