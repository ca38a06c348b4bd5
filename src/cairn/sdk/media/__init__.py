"""Rich media for ``log()``: wandb's data types, encoded off the training thread.

    Image · Histogram · Table · Audio · Video · Object3D · Html · Plotly · Molecule ·
    Graph · JoinedTable

Each type checks its input when built and becomes, in the writer thread, a typed
reference in history (``{"_type": "image-file", "sha256", "size", …}``) to a blob in the
content-addressed blob store (histograms are stored inline). ``base.py`` holds what they
share; importing this package loads neither numpy nor Pillow.
"""

from cairn.sdk.media.audio import Audio
from cairn.sdk.media.base import Media
from cairn.sdk.media.graph import Edge, Graph, Node
from cairn.sdk.media.histogram import Histogram
from cairn.sdk.media.html import Html
from cairn.sdk.media.image import Classes, Image
from cairn.sdk.media.joined_table import JoinedTable
from cairn.sdk.media.molecule import Molecule
from cairn.sdk.media.object3d import Object3D, box3d
from cairn.sdk.media.plotly import Plotly
from cairn.sdk.media.table import Table
from cairn.sdk.media.video import Video

__all__ = ["Audio", "Classes", "Edge", "Graph", "Histogram", "Html", "Image", "JoinedTable",
           "Media", "Molecule", "Node", "Object3D", "Plotly", "Table", "Video", "box3d"]
