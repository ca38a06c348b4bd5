"""``wandb.data_types``: the media types."""

from __future__ import annotations

from cairn.sdk.media import (
    Audio,
    Classes,
    Edge,
    Graph,
    Histogram,
    Html,
    Image,
    JoinedTable,
    Molecule,
    Node,
    Object3D,
    Plotly,
    Table,
    Video,
)
from cairn.sdk.media.base import Media as WBValue

__all__ = ["Audio", "Classes", "Edge", "Graph", "Histogram", "Html", "Image", "JoinedTable",
           "Molecule", "Node", "Object3D", "Plotly", "Table", "Video", "WBValue"]
