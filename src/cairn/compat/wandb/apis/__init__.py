"""``wandb.apis``."""

from __future__ import annotations

from cairn.compat.wandb.apis import public as public

__all__ = ["public"]
