"""``wandb.sdk.data_types.object_3d``."""

from __future__ import annotations

from cairn.sdk.media import Object3D

__all__ = ["Object3D"]
