"""The JSON text of a run's config and summary that filters read (``runs.config_json``,
``runs.summary_json``), written by the apply transaction for every dialect.

The filter language itself is ``store/filters.py``; the SQL each dialect renders from it,
``store/sqlite/filters.py`` and ``store/postgres/filters.py``.
"""

from __future__ import annotations

import json
import math
import re
from collections.abc import Mapping
from typing import Any

# ---- JSON text for the filter columns ------------------------------------------------

_INFINITY = re.compile(r'"(?:[^"\\]|\\.)*"|-?Infinity')


def _clean(value: Any) -> Any:
    if isinstance(value, float) and math.isnan(value):
        return None
    if isinstance(value, Mapping):
        if isinstance(value.get("_type"), str):
            return value["_type"]  # a logged medium: filter and list it by its type only
        return {str(k): _clean(x) for k, x in value.items()}
    if isinstance(value, list | tuple):
        return [_clean(x) for x in value]
    if isinstance(value, bytes | bytearray):
        return None
    return value


def _infinity(match: re.Match[str]) -> str:
    token = match.group(0)
    if token.startswith('"'):
        return token
    return "-9e999" if token.startswith("-") else "9e999"


def filter_json(value: Any) -> str:
    """JSON text of a config or summary for the filter columns: NaN becomes null, and
    infinities ``9e999``, which SQLite reads back as infinity (so ``$gt`` finds them)."""
    text = json.dumps(_clean(value), allow_nan=True, default=str)
    return _INFINITY.sub(_infinity, text) if "Infinity" in text else text
