"""``wandb.sdk.data_types.graph``."""

from __future__ import annotations

from cairn.sdk.media import Edge, Graph, Node

__all__ = ["Edge", "Graph", "Node"]
