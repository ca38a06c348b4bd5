"""``wandb.tensorboard``: mirror TensorBoard writers into the run."""

from __future__ import annotations

from cairn.integration.tensorboard import patch, unpatch

__all__ = ["patch", "unpatch"]
