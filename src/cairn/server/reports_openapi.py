"""The OpenAPI description of the report routes (``server/reports.py``)."""

from __future__ import annotations

from typing import Any

from cairn.server.openapi import _ENTITY, _PROJECT, _object, _op
from cairn.server.workspaces_openapi import _ID, _PANEL, _ok

_REPORT_ID = {"name": "report_id", "in": "path", "required": True,
              "schema": {"type": "integer", "minimum": 1}}
_MARKDOWN = {**_object({"id": _ID, "type": {"const": "markdown"},
                        "text": {"type": "string", "maxLength": 100_000}}, ["id", "type"]),
             "additionalProperties": False}
_RUNS = {**_object({"query": {"type": "string", "maxLength": 8000},
                    "max": {"type": "integer", "minimum": 1, "maximum": 1000}}),
         "additionalProperties": False}
_PANEL_BLOCK = {**_object({"id": _ID, "type": {"const": "panel"}, "panel": _PANEL,
                           "runs": _RUNS}, ["id", "type", "panel"]),
                "additionalProperties": False}
BODY = {**_object({"blocks": {"type": "array", "maxItems": 500,
                              "items": {"oneOf": [_MARKDOWN, _PANEL_BLOCK]}}}),
        "additionalProperties": False}
_TITLE = {"type": "string", "minLength": 1, "maxLength": 200, "pattern": r"\S"}
_FIELDS = {"id": {"type": "integer"}, "title": {"type": "string"},
           "author": {"type": ["string", "null"]}, "version": {"type": "integer"},
           "created_at": {"type": "number"}, "updated_at": {"type": "number"},
           "editable": {"type": "boolean"}}
_SUMMARY = _object(_FIELDS, list(_FIELDS))
_REPORT = _object({**_FIELDS, "body": BODY}, [*_FIELDS, "body"])
_DELETED = _object({"deleted": {"type": "boolean"}}, ["deleted"])

_HERE = [_ENTITY, _PROJECT]
PATHS: dict[str, dict[str, Any]] = {
    "/api/v1/projects/{entity}/{project}/reports": {
        "get": _op("The project's reports, the last changed first (without bodies)",
                   _ok(_object({"reports": {"type": "array", "items": _SUMMARY},
                                "editable": {"type": "boolean"}}, ["reports", "editable"])),
                   _HERE),
        "post": _op("Make a report", _ok(_REPORT, "201"), _HERE,
                    {**_object({"title": _TITLE, "body": BODY}, ["title"]),
                     "additionalProperties": False})},
    "/api/v1/projects/{entity}/{project}/reports/{report_id}": {
        "get": _op("One report", _ok(_REPORT), [*_HERE, _REPORT_ID]),
        "put": _op("Save a new version of the title and/or body (409 if `version` is stale)",
                   _ok(_REPORT), [*_HERE, _REPORT_ID],
                   {**_object({"title": _TITLE, "body": BODY,
                               "version": {"type": "integer", "minimum": 1}}, ["version"]),
                    "additionalProperties": False}),
        "delete": _op("Delete a report", _ok(_DELETED), [*_HERE, _REPORT_ID])},
}
