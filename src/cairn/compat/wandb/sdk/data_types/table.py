"""``wandb.sdk.data_types.table``."""

from __future__ import annotations

from cairn.sdk.media import JoinedTable, Table

__all__ = ["JoinedTable", "Table"]
