"""Bounding boxes and segmentation masks on an ``Image``, checked as wandb defines them.

Boxes: ``{group: {"box_data": [{"position": {...}, "class_id": int, "box_caption": str,
"scores": {name: number}, "domain": "pixel"}], "class_labels": {id: name}}}``; a position
is either ``minX, maxX, minY, maxY`` or ``middle: [x, y], width, height``, in fractions of
the image unless ``domain`` is ``"pixel"``. Masks: ``{group: {"mask_data": 2-D array of
class ids} or {"path": png file}, "class_labels": {id: name}}}``, stored as a PNG blob.
"""

from __future__ import annotations

import io
from collections.abc import Mapping
from typing import Any

from cairn.sdk.media.base import Encoder, read_source

_CORNERS = ("minX", "maxX", "minY", "maxY")
_CENTRE = ("middle", "width", "height")


def _number(value: Any, what: str) -> float:
    if isinstance(value, bool) or not hasattr(value, "__float__"):
        raise ValueError(f"{what} must be a number; got {value!r}")
    return float(value)


def _labels(labels: Any, what: str) -> dict[int, str]:
    if labels is None:
        return {}
    if not isinstance(labels, Mapping):
        raise ValueError(f"{what}: class_labels must be a dict of class id to name")
    out = {}
    for k, v in labels.items():
        try:
            out[int(k)] = str(v)
        except (TypeError, ValueError) as exc:
            raise ValueError(f"{what}: class_labels key {k!r} is not an integer id") from exc
    return out


def _position(pos: Any, what: str) -> dict[str, Any]:
    if not isinstance(pos, Mapping):
        raise ValueError(f"{what}: position must be a dict")
    if all(k in pos for k in _CORNERS):
        out = {k: _number(pos[k], f"{what}: position {k}") for k in _CORNERS}
        if out["minX"] > out["maxX"] or out["minY"] > out["maxY"]:
            raise ValueError(f"{what}: position has min above max ({out})")
        return out
    if all(k in pos for k in _CENTRE):
        middle = pos["middle"]
        if not isinstance(middle, list | tuple) or len(middle) != 2:
            raise ValueError(f"{what}: position middle must be [x, y]")
        return {"middle": [_number(m, f"{what}: middle") for m in middle],
                "width": _number(pos["width"], f"{what}: width"),
                "height": _number(pos["height"], f"{what}: height")}
    raise ValueError(f"{what}: position needs minX, maxX, minY, maxY or middle, width, height")


def _box(box: Any, what: str) -> dict[str, Any]:
    if not isinstance(box, Mapping):
        raise ValueError(f"{what} must be a dict")
    if "class_id" not in box:
        raise ValueError(f"{what} has no class_id")
    out: dict[str, Any] = {"position": _position(box.get("position"), what),
                           "class_id": int(box["class_id"])}
    if box.get("box_caption") is not None:
        out["box_caption"] = str(box["box_caption"])
    if box.get("scores") is not None:
        scores = box["scores"]
        if not isinstance(scores, Mapping):
            raise ValueError(f"{what}: scores must be a dict of name to number")
        out["scores"] = {str(k): _number(v, f"{what}: score {k!r}") for k, v in scores.items()}
    if box.get("domain") is not None:
        if box["domain"] != "pixel":
            raise ValueError(f"{what}: domain must be 'pixel' or left out; got {box['domain']!r}")
        out["domain"] = "pixel"
    return out


def check_boxes(boxes: Any, width: int, height: int) -> dict[str, Any]:
    """wandb's box groups, validated and made plain."""
    if boxes is None:
        return {}
    if not isinstance(boxes, Mapping):
        raise ValueError("Image: boxes must be a dict of group name to box data")
    out = {}
    for group, spec in boxes.items():
        what = f"Image: boxes[{group!r}]"
        if not isinstance(spec, Mapping) or not isinstance(spec.get("box_data"), list | tuple):
            raise ValueError(f"{what} needs a 'box_data' list")
        out[str(group)] = {
            "box_data": [_box(b, f"{what} box {i}") for i, b in enumerate(spec["box_data"])],
            "class_labels": _labels(spec.get("class_labels"), what)}
    return out


def check_masks(masks: Any, width: int, height: int) -> dict[str, Any]:
    """Mask groups as ``{group: {"png": bytes, "class_labels": {...}}}``."""
    if masks is None:
        return {}
    if not isinstance(masks, Mapping):
        raise ValueError("Image: masks must be a dict of group name to mask data")
    out = {}
    for group, spec in masks.items():
        what = f"Image: masks[{group!r}]"
        if not isinstance(spec, Mapping):
            raise ValueError(f"{what} must be a dict with 'mask_data' or 'path'")
        if spec.get("mask_data") is not None:
            png = _mask_png(spec["mask_data"], width, height, what)
        elif spec.get("path") is not None:
            png, _ = read_source(spec["path"], what, frozenset({"png"}))
        else:
            raise ValueError(f"{what} needs 'mask_data' (a 2-D array) or 'path'")
        out[str(group)] = {"png": png, "class_labels": _labels(spec.get("class_labels"), what)}
    return out


def _mask_png(data: Any, width: int, height: int, what: str) -> bytes:
    import numpy as np

    from cairn.sdk.media.arrays import as_array
    from cairn.sdk.media.image import pil

    array = as_array(data, what)
    if array.ndim != 2:
        raise ValueError(f"{what}: mask_data must be 2-D (heightxwidth); got shape "
                         f"{tuple(array.shape)}")
    if tuple(array.shape) != (height, width):
        raise ValueError(f"{what}: mask_data is {array.shape[1]}x{array.shape[0]} but the "
                         f"image is {width}x{height}")
    if array.dtype.kind == "f" and not np.array_equal(array, np.round(array)):
        raise ValueError(f"{what}: mask_data must hold integer class ids")
    if array.min() < 0 or array.max() > 255:
        raise ValueError(f"{what}: class ids in mask_data must be 0-255")
    out = io.BytesIO()
    pil().fromarray(array.astype(np.uint8)).save(out, format="PNG")
    return out.getvalue()


def encode_masks(masks: dict[str, Any], encoder: Encoder) -> dict[str, Any]:
    return {group: {**encoder.put_bytes(spec["png"]), "format": "png",
                    "class_labels": spec["class_labels"]}
            for group, spec in masks.items()}
