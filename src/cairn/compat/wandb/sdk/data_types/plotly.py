"""``wandb.sdk.data_types.plotly``."""

from __future__ import annotations

from cairn.sdk.media import Plotly

__all__ = ["Plotly"]
