"""``wandb.data_types``: the media types."""

from __future__ import annotations

from cairn.sdk.media import Audio, Classes, Histogram, Html, Image, Object3D, Plotly, Table, Video
from cairn.sdk.media.base import Media as WBValue

__all__ = ["Audio", "Classes", "Histogram", "Html", "Image", "Object3D", "Plotly", "Table",
           "Video", "WBValue"]
