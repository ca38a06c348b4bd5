"""The one JSON encoding of every API response.

JSON has no NaN or infinity, and metrics have both: NaN is sent as ``null``, ``+inf`` /
``-inf`` as the strings ``"Infinity"`` / ``"-Infinity"`` (docs/api.md, Values), in
summaries and configs as much as in chart data.

Chart data is most of the bytes, as numpy arrays: orjson writes them in C (exact,
shortest round-trip floats), about fifteen times faster than formatting floats in Python.
Only the rare array holding an infinity is written value by value. The payload is walked
once beforehand to give infinities, numpy scalars, bytes and unknown objects their JSON
form.
"""

from __future__ import annotations

import json
import math
from collections.abc import Mapping
from typing import Any

import numpy as np
import orjson
from starlette.responses import Response

_OPTIONS = orjson.OPT_SERIALIZE_NUMPY | orjson.OPT_NON_STR_KEYS
_NATIVE_KINDS = frozenset("biuf")


def _float(value: float) -> Any:
    if math.isfinite(value):
        return value
    if math.isnan(value):
        return None
    return "Infinity" if value > 0 else "-Infinity"


def _array(values: np.ndarray[Any, Any]) -> Any:
    kind = values.dtype.kind
    if kind not in _NATIVE_KINDS:
        return _prepare(values.tolist())
    if kind == "f" and values.size and bool(np.isinf(values).any()):
        return _prepare(values.tolist())  # NaN alone orjson writes as null already
    if values.dtype == np.float16:
        values = values.astype(np.float32)
    return np.ascontiguousarray(values)


def _prepare(value: Any) -> Any:
    """``value`` with everything orjson would write differently from docs/api.md fixed."""
    t = type(value)
    if t is str or t is int or t is bool or value is None:
        return value
    if t is float:
        return _float(value)
    if t is dict:
        return {k: _prepare(v) for k, v in value.items()}
    if t is list or t is tuple:
        return [_prepare(v) for v in value]
    if isinstance(value, np.ndarray):
        return _array(value)
    if isinstance(value, np.generic):
        return _prepare(value.item())
    if isinstance(value, float):
        return _float(float(value))
    if isinstance(value, bool | int | str):
        return value
    if isinstance(value, bytes | bytearray | memoryview):
        return None
    if isinstance(value, set | frozenset):
        return [_prepare(v) for v in sorted(value, key=str)]
    if isinstance(value, Mapping):
        return {k: _prepare(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_prepare(v) for v in value]
    return str(value)


def dumps(value: Any) -> bytes:
    """JSON bytes (UTF-8) of ``value``: NaN as null, infinities as strings, numpy arrays
    and scalars as lists and numbers, bytes as null, anything else unknown as its str."""
    prepared = _prepare(value)
    try:
        return orjson.dumps(prepared, option=_OPTIONS)
    except TypeError:  # a string orjson refuses (a lone surrogate): the slow, lenient way
        return json.dumps(prepared, separators=(",", ":"), default=_plain).encode("ascii")


def _plain(obj: Any) -> Any:
    if isinstance(obj, np.ndarray):
        return _prepare(obj.tolist())
    return str(obj)


def array_json(values: np.ndarray[Any, Any]) -> str:
    """A numpy array as JSON text."""
    return dumps(values).decode()


class JsonResponse(Response):
    """A response whose body is ``dumps(content)``."""

    media_type = "application/json"

    def render(self, content: Any) -> bytes:
        return dumps(content)
