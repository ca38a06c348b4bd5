"""Turning what users log into values the data path carries.

``flatten_log`` is the hot path of ``run.log``: it validates and flattens one call's data
into a new dict (so a failure leaves nothing half-applied) and raises ``ValueError`` naming
the key. Media objects (``cairn.Image`` …) are kept as they are, for the writer thread to
encode; as in wandb, arrays of more than 32 values become 32-bin histograms and matplotlib
figures, plotly figures and pandas DataFrames become images, charts and tables.
``clean_value`` makes config and summary values storable the way wandb does: numpy scalars
become Python numbers, arrays lists, unknown objects their ``str``.
"""

from __future__ import annotations

import enum
import math
import warnings
from collections.abc import Mapping
from typing import Any

from cairn.errors import LogDataError
from cairn.sdk.media.base import Media, held_bytes

MAX_KEY_LENGTH = 1024
MAX_LIST_ARRAY_ELEMENTS = 32
"""Arrays with more values than this are logged as histograms (wandb's threshold)."""
RESERVED_KEYS = frozenset({"_step", "_runtime", "_timestamp"})
_INT64_MIN, _UINT64_MAX = -(2**63), 2**64 - 1


class ReservedKey(Exception):
    """A top-level log key cairn sets itself (``_step`` …): the value is left out."""


def builtin_scalar(value: bool | int | float | str) -> Any:
    """A subclass of a built-in scalar (numpy's float64, an ``IntEnum``, a ``str`` enum) as
    the plain built-in value, as wandb logs it. ``bool`` first: it is an ``int`` too."""
    if isinstance(value, bool):
        return bool(value)
    if isinstance(value, int):
        number = int(value)
        return number if _INT64_MIN <= number <= _UINT64_MAX else float(number)
    if isinstance(value, float):
        return float(value)
    return str(value)


def check_key(key: object, path: str) -> str:
    """Validate one log key; ``path`` is the dotted prefix it sits under."""
    if not isinstance(key, str):
        raise LogDataError(f"log keys must be strings; got {type(key).__name__} key {key!r}"
                         + (f" under {path!r}" if path else ""))
    full = path + key
    if not key:
        raise LogDataError("log keys must not be empty" + (f" (under {path!r})" if path else ""))
    if len(full) > MAX_KEY_LENGTH:
        raise LogDataError(f"log key {full[:40]!r}… is {len(full)} characters long; "
                         f"the limit is {MAX_KEY_LENGTH}")
    if full in RESERVED_KEYS:
        # wandb drops the key and logs the rest of the row: refusing it would lose the row.
        warnings.warn(f"cairn: log key {full!r} is reserved (cairn sets it on every row); "
                      "its value was left out", UserWarning, stacklevel=5)
        raise ReservedKey(full)
    return full


def _array_value(value: Any, key: str) -> Any:
    """numpy arrays and tensors: 0-d become scalars, small n-d nested lists, larger
    numeric ones histograms."""
    shape = getattr(value, "shape", None)
    if shape is not None and len(shape) == 0 and hasattr(value, "item"):
        item = value.item()
        if type(item) is type(value):  # np.longdouble: .item() gives itself back
            item = complex(item) if getattr(value.dtype, "kind", "") == "c" else float(item)
        return scalar_value(item, key)
    kind = getattr(getattr(value, "dtype", None), "kind", None)
    if kind in ("c", "V") or (kind == "O" and not hasattr(value, "tolist")):
        raise LogDataError(f"cannot log array of dtype {value.dtype} under key {key!r}")
    size = getattr(value, "size", None)
    size = size() if callable(size) else size
    if hasattr(size, "numel"):
        size = value.numel()  # a torch tensor's size() is its shape
    if isinstance(size, int) and size > MAX_LIST_ARRAY_ELEMENTS and kind in ("b", "i", "u",
                                                                               "f", None):
        from cairn.sdk.media.histogram import array_histogram

        return array_histogram(value, key)
    if hasattr(value, "detach"):  # a torch tensor
        value = value.detach().cpu()
    if kind in ("M", "m"):
        return [str(v) for v in value.reshape(-1).tolist()]
    return plain_value(value.tolist(), key)


def scalar_value(value: Any, key: str) -> Any:
    """A loggable Python scalar for ``value``, or ValueError naming ``key``."""
    t = type(value)
    if t is float or t is bool or t is str or value is None:
        return value
    if t is int:
        return value if _INT64_MIN <= value <= _UINT64_MAX else float(value)
    if isinstance(value, bool | int | float | str):  # subclasses: np.float64, IntEnum …
        return builtin_scalar(value)
    if isinstance(value, bytes | bytearray):  # wandb logs bytes as text
        return bytes(value).decode("utf-8", errors="replace")
    if isinstance(value, enum.Enum):  # a plain Enum member is logged as its value
        return plain_value(value.value, key)
    if isinstance(value, Media):
        return value._for_history(key)
    if hasattr(value, "dtype") or hasattr(value, "detach"):
        return _array_value(value, key)
    try:
        converted = _rich_value(value, key)
    except ValueError as exc:
        raise LogDataError(f"cannot log the {t.__name__} under key {key!r}: {exc}") from exc
    if converted is not None:
        return converted
    raise LogDataError(f"cannot log {t.__name__} value under key {key!r}; log numbers, "
                     "strings, booleans, None, lists of them, or nested dicts")


def _rich_value(value: Any, key: str) -> Media | None:
    """wandb's conversions of objects logged directly: matplotlib figures (and
    ``pyplot``) to charts where they convert, else images; plotly figures to charts,
    DataFrames to tables."""
    module = type(value).__module__
    name = type(value).__name__
    if module.startswith("matplotlib") or getattr(value, "__name__", "") == "matplotlib.pyplot":
        from cairn.sdk.media.image import Image, current_figure
        from cairn.sdk.media.matplotlib_charts import figure_to_plotly
        from cairn.sdk.media.plotly import Plotly

        chart = figure_to_plotly(current_figure(value))
        return Plotly(chart) if chart is not None else Image(value)
    if module.startswith("plotly") and hasattr(value, "to_plotly_json"):
        from cairn.sdk.media.plotly import Plotly

        return Plotly(value)
    if module.startswith("pandas") and name == "DataFrame":
        from cairn.sdk.media.table import Table

        return Table(dataframe=value)._for_history(key)
    if module.startswith("PIL."):
        from cairn.sdk.media.image import Image

        return Image(value)
    return None


def plain_value(value: Any, key: str) -> Any:
    """Scalars, lists and dicts of them (dict keys as strings); lists of media."""
    if isinstance(value, set | frozenset):  # stored as a list, as wandb does
        value = sorted(value, key=str)
    if isinstance(value, list | tuple):
        items = [plain_value(v, key) for v in value]
        media = sum(isinstance(v, Media) for v in items)
        if media and media != len(items):
            raise LogDataError(f"the list under key {key!r} mixes media objects and other "
                             "values; log media in a list of their own")
        return items
    if isinstance(value, Mapping):
        out = {}
        for k, v in value.items():
            if not isinstance(k, str):
                raise LogDataError(f"keys inside the value of {key!r} must be strings; got {k!r}")
            out[k] = plain_value(v, f"{key}.{k}")
        return out
    return scalar_value(value, key)


def flatten_log(data: Mapping[str, Any], known: set[str], out: dict[str, Any],
                prefix: str = "", paths: dict[str, list[str]] | None = None,
                parents: tuple[str, ...] = ()) -> dict[str, Any]:
    """Validate ``data`` and add its values to ``out`` under dotted keys.

    ``known`` caches keys already validated (the check runs once per key per run).
    ``paths`` receives the parts of new keys whose names hold dots themselves.
    """
    for key, value in data.items():
        full = prefix + key if type(key) is str else key
        if full not in known:
            try:
                full = check_key(key, prefix)
            except ReservedKey:
                continue
            if paths is not None and ("." in key or any("." in p for p in parents)):
                paths[full] = [*parents, key]
        t = type(value)
        if t is float or t is int or t is str or t is bool or value is None:
            if t is int and not _INT64_MIN <= value <= _UINT64_MAX:
                value = float(value)
            out[full] = value
        elif t is dict or isinstance(value, Mapping):
            flatten_log(value, known, out, full + ".", paths, (*parents, key))
            continue
        else:
            out[full] = scalar_value(value, full) if not isinstance(
                value, list | tuple | set | frozenset) else plain_value(value, full)
        known.add(full)
    return out


def media_held(flat: Mapping[str, Any]) -> int:
    """Memory the media among a flattened row hold until the writer encodes them."""
    total = 0
    for value in flat.values():
        if isinstance(value, Media | list):
            total += held_bytes(value)
    return total


def summary_value(value: Any, key: str) -> Any:
    """A value set in the summary: media are kept (the writer thread stores them, as for
    history); everything else is cleaned as config values are."""
    if isinstance(value, Media):
        return value._for_history(key)
    return clean_value(value)


def clean_value(value: Any) -> Any:
    """A config or summary value made storable, as wandb does for unknown objects."""
    t = type(value)
    if value is None or t is bool or t is str or t is float:
        return value
    if t is int:
        return value if _INT64_MIN <= value <= _UINT64_MAX else float(value)
    if isinstance(value, enum.Enum) and not isinstance(value, int | float):
        return value.name  # as wandb stores a plain Enum member
    if isinstance(value, bool | int | float | str):
        if isinstance(value, enum.Enum):  # IntEnum, StrEnum: wandb keeps the member's name
            return value.name
        return builtin_scalar(value)
    if isinstance(value, bytes | bytearray):
        return bytes(value).decode("utf-8", errors="replace")
    if isinstance(value, Mapping):
        return {str(k): clean_value(v) for k, v in value.items()}
    if isinstance(value, list | tuple | set | frozenset):
        items = sorted(value, key=str) if isinstance(value, set | frozenset) else value
        return [clean_value(v) for v in items]
    if hasattr(value, "dtype") and getattr(value, "shape", None) == () and hasattr(value, "item"):
        item = value.item()  # np.longdouble's item() is itself again
        return clean_value(float(item) if type(item) is type(value) else item)
    if hasattr(value, "tolist") and hasattr(value, "dtype"):
        return clean_value(value.tolist())
    return str(value)


def is_finite_number(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool) and math.isfinite(value)
