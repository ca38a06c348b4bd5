"""``wandb.sdk.data_types.base_types.wb_value.WBValue``: the base of every logged media
type; in cairn that is ``Media``, which ``Image``, ``Table``, ``Video``, ... derive from."""

from __future__ import annotations

from cairn.sdk.media.base import Media as WBValue

__all__ = ["WBValue"]
