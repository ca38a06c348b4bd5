"""``wandb.wandb_run``: the ``Run`` class, cairn's."""

from __future__ import annotations

from cairn.sdk.run import Run

__all__ = ["Run"]
