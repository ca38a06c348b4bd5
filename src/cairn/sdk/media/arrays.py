"""numpy helpers shared by the media types: turning user arrays into pixel data."""

from __future__ import annotations

from typing import Any

import numpy as np


def as_array(data: Any, what: str, narrow_floats: bool = False) -> np.ndarray[Any, Any]:
    """A private numpy copy of an array, tensor or nested list (later changes by the user
    do not change what was logged). ``narrow_floats`` copies float64 data as float32 in
    the same pass (pixels need no more precision, and the copy is half the bytes)."""
    if hasattr(data, "detach"):  # a torch tensor
        data = data.detach().cpu().numpy()
    dtype = None
    kind = getattr(getattr(data, "dtype", None), "kind", None)
    if narrow_floats and kind == "f" and data.dtype.itemsize > 4:
        dtype = np.float32
    try:
        array = np.array(data, dtype=dtype, copy=True)
    except (TypeError, ValueError) as exc:
        raise ValueError(f"{what}: cannot read the data as an array ({exc})") from exc
    if array.dtype.kind not in "biuf":
        raise ValueError(f"{what}: array dtype {array.dtype} is not numeric "
                         "(use bool, integer or float data)")
    if array.size == 0:
        raise ValueError(f"{what}: the array is empty (shape {array.shape})")
    return array


def to_uint8(array: np.ndarray[Any, Any], normalize: bool = True) -> np.ndarray[Any, Any]:
    """Pixel values as uint8, as wandb guesses the range of non-uint8 data: values below
    zero are first shifted and scaled into [0, 1] (the image's own range), and data whose
    maximum is at most 1 is scaled by 255, integers included (a 0/1 mask comes out black
    and white, not black)."""
    if array.dtype == np.uint8:
        return array
    if array.dtype.kind == "b":
        out: np.ndarray[Any, Any] = array.astype(np.uint8) * 255
        return out
    if array.dtype.kind == "f":
        data = np.nan_to_num(array, nan=0.0, posinf=255.0, neginf=0.0)
    else:
        data = array.astype(np.float32 if array.dtype.itemsize <= 2 else np.float64)
    if normalize:
        low = float(data.min())
        if low < 0:
            span = float(data.max()) - low
            data = (data - low) / span if span > 0 else np.zeros_like(data)
        if float(data.max()) <= 1.0:
            data = data * 255
    clipped: np.ndarray[Any, Any] = np.clip(np.rint(data), 0, 255).astype(np.uint8)
    return clipped


def hwc(array: np.ndarray[Any, Any], what: str) -> np.ndarray[Any, Any]:
    """An image array as height x width (x channels), from HW, HWC or CHW."""
    if array.ndim == 3 and array.shape[-1] not in (1, 3, 4) and array.shape[0] in (1, 3, 4):
        array = np.transpose(array, (1, 2, 0))
    if array.ndim == 3 and array.shape[-1] == 1:
        array = array[:, :, 0]
    if array.ndim == 2 or (array.ndim == 3 and array.shape[-1] in (3, 4)):
        return array
    raise ValueError(f"{what}: an array of shape {tuple(array.shape)} is not an image "
                     "(expected heightxwidth, heightxwidthxchannels or channelsxheightxwidth "
                     "with 1, 3 or 4 channels)")
