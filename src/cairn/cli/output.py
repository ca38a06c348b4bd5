"""How commands print: aligned text tables, short value and time formats, and JSON lines.

JSON output follows Python's ``json`` (and wandb's history files): non-finite floats are
written as ``NaN``, ``Infinity`` and ``-Infinity``, so that they survive a round trip.
"""

from __future__ import annotations

import datetime as dt
import json
import math
from collections.abc import Mapping, Sequence
from typing import Any

MAX_CELL = 40
KIND_NAMES = {"f": "float", "i": "int", "b": "bool", "o": "other"}


def _json_default(value: Any) -> Any:
    if isinstance(value, bytes):
        return value.hex()
    if isinstance(value, set | frozenset | tuple):
        return list(value)
    return str(value)


def to_json(value: Any) -> str:
    """One line of JSON; values JSON cannot hold become strings."""
    return json.dumps(value, default=_json_default, ensure_ascii=False)


def local_time(iso: str | None) -> str:
    """A stored UTC time (``Run.created_at``) as local ``YYYY-mm-dd HH:MM:SS``."""
    if not iso:
        return "-"
    try:
        moment = dt.datetime.fromisoformat(iso)
    except ValueError:
        return iso
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=dt.UTC)
    return moment.astimezone().strftime("%Y-%m-%d %H:%M:%S")


def format_value(value: Any, precise: bool = False) -> str:
    """A readable form of a config or summary value; short (6 significant digits) unless
    ``precise``."""
    if value is None:
        return "-"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float):
        if precise or math.isnan(value) or math.isinf(value):
            return repr(value)
        return f"{value:.6g}"
    if isinstance(value, int | str):
        return str(value)
    return to_json(value)




def tree_lines(data: Mapping[str, Any], indent: int = 2) -> list[str]:
    """A nested dict as indented ``key: value`` lines."""
    lines: list[str] = []
    pad = " " * indent
    for key, value in data.items():
        if isinstance(value, Mapping) and value:
            lines.append(f"{pad}{key}:")
            lines.extend(tree_lines(value, indent + 2))
        else:
            lines.append(f"{pad}{key}: {format_value(value, precise=True)}")
    return lines


def _clip(text: str, width: int = MAX_CELL) -> str:
    text = text.replace("\n", " ")
    return text if len(text) <= width else text[: width - 1] + "…"


def _is_number(text: str) -> bool:
    try:
        float(text.replace(",", ""))
    except ValueError:
        return False
    return True


def table(headers: Sequence[str], rows: Sequence[Sequence[str]]) -> list[str]:
    """Lines of an aligned table; columns of numbers are right-aligned."""
    cells = [[_clip(c) for c in row] for row in rows]
    widths = [len(h) for h in headers]
    for row in cells:
        for i, cell in enumerate(row):
            widths[i] = max(widths[i], len(cell))
    numeric = [bool(cells) and all(_is_number(r[i]) or r[i] == "-" for r in cells)
               for i in range(len(headers))]

    def line(row: Sequence[str]) -> str:
        parts = [c.rjust(w) if num else c.ljust(w)
                 for c, w, num in zip(row, widths, numeric, strict=True)]
        return "  ".join(parts).rstrip()

    return [line(list(headers)), *(line(r) for r in cells)]
