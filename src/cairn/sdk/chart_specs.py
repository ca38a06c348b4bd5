"""The built-in Vega-Lite specs of custom charts (``cairn/line/v0`` …) and the names they
answer to (wandb's ``wandb/line/v0`` … resolve to the same chart).

A spec names its inputs as wandb's do: ``"${field:x}"`` is replaced by the table column
mapped to ``x`` and ``"${string:title}"`` by a string field; the chart's rows are the
data source named ``"wandb"`` (also ``"table"``).
"""

from __future__ import annotations

from typing import Any

# The Vega-Lite the web app bundles (src/cairn/ui/package.json): a spec naming another
# major version draws with a warning.
_SCHEMA = "https://vega.github.io/schema/vega-lite/v6.json"
_DATA = {"name": "wandb"}
_TITLE = "${string:title}"


def _xy(mark: dict[str, Any], x_type: str = "quantitative",
        color: dict[str, Any] | None = None) -> dict[str, Any]:
    encoding: dict[str, Any] = {
        "x": {"field": "${field:x}", "type": x_type},
        "y": {"field": "${field:y}", "type": "quantitative"},
    }
    if color is not None:
        encoding["color"] = color
    return {"$schema": _SCHEMA, "title": _TITLE,
            "data": _DATA, "mark": mark, "encoding": encoding}


BUILTIN_SPECS: dict[str, dict[str, Any]] = {
    "cairn/line/v0": _xy({"type": "line", "interpolate": "linear"},
                         color={"field": "${field:stroke}", "type": "nominal"}),
    "cairn/scatter/v0": _xy({"type": "point"}),
    "cairn/bar/v0": {
        "$schema": _SCHEMA, "title": _TITLE,
        "data": _DATA, "mark": "bar",
        "encoding": {"y": {"field": "${field:label}", "type": "nominal", "sort": None},
                     "x": {"field": "${field:value}", "type": "quantitative"}}},
    "cairn/histogram/v0": {
        "$schema": _SCHEMA, "title": _TITLE,
        "data": _DATA, "mark": "bar",
        "encoding": {"x": {"field": "${field:value}", "bin": {"maxbins": 64},
                           "type": "quantitative"},
                     "y": {"aggregate": "count", "type": "quantitative"}}},
    "cairn/lineseries/v0": {
        **_xy({"type": "line"}, color={"field": "${field:lineKey}", "type": "nominal"}),
        "encoding": {"x": {"field": "${field:step}", "type": "quantitative",
                           "title": "${string:xname}"},
                     "y": {"field": "${field:lineVal}", "type": "quantitative"},
                     "color": {"field": "${field:lineKey}", "type": "nominal"}}},
    "cairn/area-under-curve/v0": _xy({"type": "line", "interpolate": "step-after"},
                                     color={"field": "${field:class}", "type": "nominal"}),
    "cairn/confusion_matrix/v1": {
        "$schema": _SCHEMA, "title": _TITLE,
        "data": _DATA,
        "encoding": {"x": {"field": "${field:Predicted}", "type": "nominal"},
                     "y": {"field": "${field:Actual}", "type": "nominal"}},
        "layer": [
            {"mark": "rect", "encoding": {"color": {"field": "${field:nPredictions}",
                                                    "type": "quantitative"}}},
            {"mark": {"type": "text"}, "encoding": {"text": {"field": "${field:nPredictions}",
                                                             "type": "quantitative"}}},
        ]},
}

ALIASES = {
    "wandb/line/v0": "cairn/line/v0",
    "wandb/scatter/v0": "cairn/scatter/v0",
    "wandb/bar/v0": "cairn/bar/v0",
    "wandb/histogram/v0": "cairn/histogram/v0",
    "wandb/lineseries/v0": "cairn/lineseries/v0",
    "wandb/area-under-curve/v0": "cairn/area-under-curve/v0",
    "wandb/confusion_matrix/v1": "cairn/confusion_matrix/v1",
}
