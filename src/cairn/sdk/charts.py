"""Custom charts: a ``Table`` plus a Vega-Lite spec and a mapping of the spec's fields to
table columns (wandb's ``plot_table``). The spec travels with the chart, so the UI can
draw it (and let the user edit it) without knowing the spec's name.
"""

from __future__ import annotations

import copy
import json
import threading
from collections.abc import Mapping
from typing import Any

from cairn.sdk.chart_specs import ALIASES, BUILTIN_SPECS
from cairn.sdk.media.base import Encoder, Media
from cairn.sdk.media.table import Table

_user_specs: dict[str, dict[str, Any]] = {}
_lock = threading.Lock()


def register_spec(name: str, spec: Mapping[str, Any]) -> None:
    """Make a Vega-Lite spec (with ``${field:…}`` / ``${string:…}`` inputs) usable by
    name in ``plot_table``."""
    if not isinstance(name, str) or not name.strip():
        raise ValueError(f"a chart spec needs a non-empty name; got {name!r}")
    if not isinstance(spec, Mapping):
        raise ValueError(f"chart spec {name!r} must be a Vega-Lite spec (a dict)")
    try:
        plain = json.loads(json.dumps(spec))
    except (TypeError, ValueError) as exc:
        raise ValueError(f"chart spec {name!r} is not JSON ({exc})") from exc
    with _lock:
        _user_specs[name] = plain


def resolve_spec(name: str) -> tuple[str, dict[str, Any]]:
    """The canonical name and the spec of ``name`` (a built-in, wandb's name of one, or a
    registered spec)."""
    if not isinstance(name, str):
        raise ValueError(f"vega_spec_name must be a string; got {name!r}")
    canonical = ALIASES.get(name, name)
    with _lock:
        spec = _user_specs.get(name) or BUILTIN_SPECS.get(canonical)
    if spec is None:
        known = ", ".join(sorted([*BUILTIN_SPECS, *ALIASES, *_user_specs]))
        raise ValueError(f"no chart spec named {name!r}; known: {known} (register your own "
                         "with cairn.plot.register_spec)")
    return (name if name in _user_specs else canonical), copy.deepcopy(spec)


class CustomChart(Media):
    """A table drawn by a Vega-Lite spec; log it like any medium."""

    _type = "custom-chart"

    def __init__(self, vega_spec_name: str, data_table: Table, fields: Mapping[str, str],
                 string_fields: Mapping[str, str] | None = None,
                 split_table: bool = False) -> None:
        self.spec_name, self.spec = resolve_spec(vega_spec_name)
        if not isinstance(data_table, Table):
            raise ValueError(f"plot_table: data_table must be a cairn.Table; got "
                             f"{type(data_table).__name__}")
        if not isinstance(fields, Mapping):
            raise ValueError("plot_table: fields must map the spec's fields to columns")
        for field, column in fields.items():
            if column not in data_table.columns:
                raise ValueError(f"plot_table: field {field!r} names column {column!r}, which "
                                 f"the table does not have (columns: {data_table.columns})")
        self.table = data_table
        self.fields = {str(k): str(v) for k, v in fields.items()}
        self.string_fields = {str(k): str(v) for k, v in (string_fields or {}).items()}
        self.split_table = bool(split_table)

    def _for_history(self, key: str) -> CustomChart:
        copy_ = copy.copy(self)
        copy_.table = self.table._for_history(key)
        copy_._held = copy_.table._held
        return copy_

    def _encode(self, encoder: Encoder) -> dict[str, Any]:
        table = self.table._encode(encoder)
        spec = encoder.put_bytes(json.dumps(self.spec, separators=(",", ":")).encode())
        return {"_type": self._type, "spec_name": self.spec_name, "spec": spec["sha256"],
                "fields": self.fields, "string_fields": self.string_fields, "table": table}

    def __repr__(self) -> str:
        return f"<cairn.CustomChart {self.spec_name} {self.table!r}>"


def plot_table(vega_spec_name: str, data_table: Table, fields: Mapping[str, str],
               string_fields: Mapping[str, str] | None = None,
               split_table: bool = False) -> CustomChart:
    """wandb's ``plot_table``: a custom chart to log, e.g.
    ``run.log({"pr": cairn.plot_table("wandb/line/v0", table, {"x": "a", "y": "b"})})``."""
    return CustomChart(vega_spec_name, data_table, fields, string_fields, split_table)
