"""``cairn.Plotly``: a plotly figure, stored as its JSON (plotly.js renders it)."""

from __future__ import annotations

import json
from typing import Any

from cairn.sdk.media.base import Encoder, Media, check_size, json_safe


class Plotly(Media):
    """wandb's ``Plotly(val)``: a ``plotly.graph_objects.Figure`` or its dict form
    (``{"data": [...], "layout": {...}}``)."""

    _type = "plotly-file"

    def __init__(self, val: Any) -> None:
        if hasattr(val, "to_plotly_json"):
            figure = val.to_plotly_json()
        elif isinstance(val, dict) and isinstance(val.get("data"), list):
            figure = val
        else:
            raise ValueError(f"Plotly: expected a plotly figure or a dict with 'data' and "
                             f"'layout'; got {type(val).__name__}")
        try:
            plain = json.loads(json.dumps(figure, default=_plain))
            self._json = json.dumps(json_safe(plain), separators=(",", ":"),
                                    allow_nan=False).encode()
        except ValueError as exc:
            raise ValueError(f"Plotly: the figure cannot be stored as JSON ({exc})") from exc
        check_size(len(self._json), "Plotly")
        self._held = len(self._json)

    def _encode(self, encoder: Encoder) -> dict[str, Any]:
        return {"_type": self._type, **encoder.put_bytes(self._json), "format": "json"}


def _plain(value: Any) -> Any:
    if hasattr(value, "tolist"):
        return value.tolist()
    return str(value)
