"""The OpenAPI description of the saved-workspace routes (``server/workspaces.py``)."""

from __future__ import annotations

from typing import Any

from cairn.server.openapi import _ENTITY, _PROJECT, _errors, _object, _op

_VIEW_ID = {"name": "view_id", "in": "path", "required": True,
            "schema": {"type": "integer", "minimum": 1}}
_ID = {"type": "string", "pattern": "^[A-Za-z0-9_.:-]{1,64}$"}
_CELLS = {"type": "integer", "minimum": 1, "maximum": 12}
_PANEL = {**_object({
    "id": _ID, "type": {"enum": ["line", "bar", "scatter", "parallel", "markdown", "media",
                                 "histogram", "vega"]},
    "w": _CELLS, "h": _CELLS, "settings": {"type": "object"}}, ["id", "type"]),
    "additionalProperties": False}
_SECTION = {**_object({
    "id": _ID, "name": {"type": "string", "maxLength": 200}, "collapsed": {"type": "boolean"},
    "panels": {"type": "array", "items": _PANEL},
    "auto": {"type": ["string", "null"], "maxLength": 200}}, ["id", "name"]),
    "additionalProperties": False}
LAYOUT = {**_object({
    "sections": {"type": "array", "items": _SECTION, "maxItems": 200},
    "hidden": {"type": "array", "items": {"type": "string"}, "maxItems": 10000},
    "colors": {"type": "object", "additionalProperties": {
        "type": "string", "pattern": "^#[0-9a-fA-F]{6}$"}}}),
    "additionalProperties": False}
_STORED = _object({"layout": {"oneOf": [LAYOUT, {"type": "null"}]},
                   "version": {"type": "integer", "minimum": 0},
                   "updated_at": {"type": ["number", "null"]}},
                  ["layout", "version", "updated_at"])
_STATE = {**_object({"layout": {"oneOf": [LAYOUT, {"type": "null"}]},
                     "query": {"type": "string", "maxLength": 8000}}),
          "additionalProperties": False}
_VIEW = _object({"id": {"type": "integer"}, "name": {"type": "string"}, "state": _STATE,
                 "default": {"type": "boolean"}, "created_at": {"type": "number"},
                 "updated_at": {"type": "number"}},
                ["id", "name", "state", "default", "created_at", "updated_at"])
_NAME = {"type": "string", "minLength": 1, "maxLength": 100}
_DELETED = _object({"deleted": {"type": "boolean"}}, ["deleted"])


def _ok(schema: dict[str, Any], status: str = "200") -> dict[str, Any]:
    return {status: {"description": "OK", "content": {"application/json": {"schema": schema}}},
            **_errors()}


_HERE = [_ENTITY, _PROJECT]
PATHS: dict[str, dict[str, Any]] = {
    "/api/v1/projects/{entity}/{project}/workspace": {
        "get": _op("The user's saved layout of the project's workspace (null: automatic)",
                   _ok(_STORED), _HERE),
        "put": _op("Save the layout as its next version (409 if `version` is stale)",
                   _ok(_STORED), _HERE,
                   {**_object({"layout": LAYOUT, "version": {"type": "integer",
                                                             "minimum": 0}}, ["layout"]),
                    "additionalProperties": False}),
        "delete": _op("Back to automatic panels", _ok(_DELETED), _HERE)},
    "/api/v1/projects/{entity}/{project}/views": {
        "get": _op("The user's named views, by name",
                   _ok(_object({"views": {"type": "array", "items": _VIEW}}, ["views"])),
                   _HERE),
        "post": _op("Save a named view", _ok(_VIEW, "201"), _HERE,
                    {**_object({"name": _NAME, "state": _STATE, "default": {
                        "type": "boolean"}}, ["name", "state"]),
                     "additionalProperties": False})},
    "/api/v1/projects/{entity}/{project}/views/{view_id}": {
        "get": _op("One named view", _ok(_VIEW), [*_HERE, _VIEW_ID]),
        "put": _op("Rename a view, replace its state, or set or clear the default",
                   _ok(_VIEW), [*_HERE, _VIEW_ID],
                   {**_object({"name": _NAME, "state": _STATE,
                               "default": {"type": "boolean"}}),
                    "additionalProperties": False}),
        "delete": _op("Delete a named view", _ok(_DELETED), [*_HERE, _VIEW_ID])},
}
