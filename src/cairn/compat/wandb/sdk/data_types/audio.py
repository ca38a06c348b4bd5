"""``wandb.sdk.data_types.audio``."""

from __future__ import annotations

from cairn.sdk.media import Audio

__all__ = ["Audio"]
