"""TensorBoard ``Summary`` protos as values to log, as wandb's TensorBoard sync turns them
(``wandb/integration/tensorboard/log.py``): what ``tf.summary`` writers leave in their
event files (``tensorboard_tf.py``) and the PR curves of torch's and tensorboardX's writers.

    simple_value, scalars     a number
    histo, histograms         ``Histogram`` (bins and counts; over 512 buckets merged)
    image, images             a list of ``Image`` under the tag with ``/`` made ``_``
                              (``tag/0``, ``tag/1``, … are gathered under ``tag``)
    pr_curves                 a ``wandb/line/v0`` chart of precision against recall
    text                      a string (wandb drops text; cairn keeps it, as its writers do)
    hparams                   the session's hyperparameters (returned apart, for config)

Other plugins (audio, graphs, meshes, custom scalars) are left out, as wandb leaves them.
"""

from __future__ import annotations

import io
from dataclasses import dataclass, field
from typing import Any

from cairn.importers.tensorboard import histo_buckets, histogram, scalar, session_hparams

IMAGE_PLUGINS = ("images",)


@dataclass
class SummaryValues:
    """What one summary holds for the run."""

    values: dict[str, Any] = field(default_factory=dict)
    hparams: dict[str, Any] = field(default_factory=dict)


def namespaced(tag: str, namespace: str) -> str:
    return f"{namespace}/{tag}" if namespace else tag


def image_key(tag: str, namespace: str = "") -> str:
    """wandb's history key of an image tag: ``/`` and ``\\`` become ``_``."""
    return namespaced(tag.replace("/", "_").replace("\\", "_"), namespace)


def summary_values(summary: Any, namespace: str = "",
                   plugins: dict[str, str] | None = None) -> SummaryValues:
    """The values of a ``Summary`` proto. ``plugins`` remembers each tag's plugin, which
    only its first value names (tensor summaries of ``tf.summary`` name it every time)."""
    plugins = {} if plugins is None else plugins
    out = SummaryValues()
    for value in summary.value:
        kind = value.WhichOneof("value")
        plugin = value.metadata.plugin_data.plugin_name
        if plugin:
            plugins[value.tag] = plugin
        else:
            plugin = plugins.get(value.tag, "")
        if plugin == "hparams":
            out.hparams.update(session_hparams(value.metadata.plugin_data.content))
        elif kind == "simple_value":
            out.values[namespaced(value.tag, namespace)] = float(value.simple_value)
        elif kind == "histo":
            _put_histogram(out, namespaced(value.tag, namespace),
                           histo_buckets(value.histo))
        elif kind == "image":
            _put_images(out, value.tag, namespace, [value.image.encoded_image_string])
        elif kind == "tensor":
            _tensor(out, value, plugin, namespace)
    return out


def _tensor(out: SummaryValues, value: Any, plugin: str, namespace: str) -> None:
    from tensorboard.util import tensor_util

    if plugin not in ("", "scalars", "histograms", "images", "text", "pr_curves"):
        return
    array = tensor_util.make_ndarray(value.tensor)
    key = namespaced(value.tag, namespace)
    if plugin in ("", "scalars"):
        if array.dtype != object and array.size == 1:
            out.values[key] = scalar(array.reshape(()))
    elif plugin == "histograms":
        _put_histogram(out, key, array)
    elif plugin == "images":
        _put_images(out, value.tag, namespace, list(array.reshape(-1)[2:]))
    elif plugin == "text":
        texts = [b.decode("utf-8", "replace") if isinstance(b, bytes) else str(b)
                 for b in array.reshape(-1)]
        out.values[key.removesuffix("/text_summary")] = texts[0] if len(texts) == 1 \
            else "\n".join(texts)
    else:
        out.values[key] = pr_curve_chart(array, key)


def pr_curve_chart(data: Any, name: str) -> Any:
    """A PR-curve tensor (rows TP, FP, TN, FN, precision, recall; a column a threshold)
    as wandb logs it: a line chart of precision against recall, points where both are 0
    left out, sorted by recall ascending, then precision descending."""
    from cairn.sdk.charts import plot_table
    from cairn.sdk.media import Table

    precision = [float(v) for v in data[-2, :]]
    recall = [float(v) for v in data[-1, :]]
    points = sorted(((r, p) for r, p in zip(recall, precision, strict=False)
                     if r != 0 or p != 0), key=lambda point: (point[0], -point[1]))
    table = Table(data=[list(point) for point in points], columns=["recall", "precision"])
    return plot_table("wandb/line/v0", table, {"x": "recall", "y": "precision"},
                      {"title": f"{name} Precision v. Recall"})


def _put_histogram(out: SummaryValues, key: str, buckets: Any) -> None:
    from cairn.sdk.media import Histogram

    found = histogram(buckets)
    if found is not None:
        out.values[key] = Histogram(np_histogram=(found["values"], found["bins"]))


def _put_images(out: SummaryValues, tag: str, namespace: str, blobs: list[bytes]) -> None:
    """Encoded images (PNG, JPEG; GIFs, as tensorboardX writes videos, become videos)."""
    from PIL import Image as PILImage

    from cairn.sdk.media import Image, Video

    images: list[Any] = []
    for blob in blobs:
        data = bytes(blob)
        if data.startswith(b"GIF"):
            images.append(Video(io.BytesIO(data), format="gif"))
        else:
            with PILImage.open(io.BytesIO(data)) as picture:
                picture.load()
                images.append(Image(picture.copy()))
    if not images:
        return
    base, _, index = tag.rpartition("/")
    if base and index.isdigit():  # tag/0, tag/1, …: one list under tag
        out.values.setdefault(image_key(base, namespace), []).extend(images)
    else:
        out.values[image_key(tag, namespace)] = images
