"""``wandb.apis.public``: the public (read) API, cairn's."""

from __future__ import annotations

from cairn.api.public import Api

__all__ = ["Api"]
