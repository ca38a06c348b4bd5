"""The OpenAPI 3.1 description of ``/api/v1``, written by hand from docs/api.md (a test
checks that it lists every route of the app, and nothing else)."""

from __future__ import annotations

from typing import Any

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from cairn.server.encoding import JsonResponse

_ENTITY = {"name": "entity", "in": "path", "required": True, "schema": {"type": "string"}}
_PROJECT = {"name": "project", "in": "path", "required": True, "schema": {"type": "string"}}
_RUN_ID = {"name": "run_id", "in": "path", "required": True, "schema": {"type": "string"}}
_NUMBER = {"type": ["number", "string", "null"],
           "description": "NaN is null, infinities the strings Infinity / -Infinity"}


def _ref(name: str) -> dict[str, str]:
    return {"$ref": f"#/components/schemas/{name}"}


def _query(name: str, schema: dict[str, Any], description: str,
           required: bool = False) -> dict[str, Any]:
    return {"name": name, "in": "query", "required": required, "schema": schema,
            "description": description}


def _errors() -> dict[str, Any]:
    """The error answers every operation may give, in the one error shape."""
    return {
        "4XX": {"description": "Bad input, or no such project, run or version", "content": {
            "application/json": {"schema": _ref("Error")}}},
        "5XX": {"description": "Store busy or the request ran too long (503), or a bug (500)",
                "content": {"application/json": {"schema": _ref("Error")}}},
    }


def _answer(schema: dict[str, Any], description: str = "OK",
            media: str = "application/json") -> dict[str, Any]:
    return {"200": {"description": description, "content": {media: {"schema": schema}}},
            **_errors()}


def _packed_answer(responses: dict[str, Any]) -> dict[str, Any]:
    """The envelopes' answer also comes packed (``Accept: application/vnd.cairn.envelopes``;
    docs/api.md, Packed envelopes)."""
    responses["200"]["content"]["application/vnd.cairn.envelopes"] = {
        "schema": {"type": "string", "format": "binary"}}
    return responses


def _op(summary: str, responses: dict[str, Any], parameters: list[dict[str, Any]] | None = None,
        body: dict[str, Any] | None = None) -> dict[str, Any]:
    op: dict[str, Any] = {"summary": summary, "responses": responses}
    if parameters:
        op["parameters"] = parameters
    if body is not None:
        op["requestBody"] = {"required": True,
                             "content": {"application/json": {"schema": body}}}
    return op


def _object(properties: dict[str, Any], required: list[str] | None = None) -> dict[str, Any]:
    out: dict[str, Any] = {"type": "object", "properties": properties}
    if required:
        out["required"] = required
    return out


_ARRAY = {"type": "array", "items": _NUMBER}
_STRINGS = {"type": "array", "items": {"type": "string"}}
_TIME = {"type": ["number", "null"], "description": "unix seconds"}

SCHEMAS: dict[str, Any] = {
    "Error": _object({"error": _object({
        "status": {"type": "integer"},
        "code": {"enum": ["bad_request", "bad_filter", "bad_host", "forbidden", "not_found",
                          "method_not_allowed", "conflict", "payload_too_large",
                          "store_busy", "query_timeout", "internal", "unauthorized",
                          "unsupported_media_type", "unsupported_encoding", "not_ready",
                          "too_many_attempts"]},
        "message": {"type": "string"}}, ["status", "code", "message"])}, ["error"]),
    "Project": _object({"entity": {"type": "string"}, "name": {"type": "string"},
                        "run_count": {"type": "integer"}, "created_at": _TIME,
                        "last_activity": _TIME}),
    "Run": _object({
        "id": {"type": "string"}, "entity": {"type": "string"}, "project": {"type": "string"},
        "path": {"type": "string"}, "name": {"type": "string"},
        "state": {"enum": ["running", "finished", "failed", "crashed", "killed", "preempting",
                           "preempted"]},
        "notes": {"type": "string"}, "tags": _STRINGS, "group": {"type": ["string", "null"]},
        "job_type": {"type": ["string", "null"]}, "created_at": _TIME, "updated_at": _TIME,
        "heartbeat_at": _TIME, "finished_at": _TIME,
        "exit_code": {"type": ["integer", "null"]}, "last_step": {"type": "integer"},
        "host": {"type": ["string", "null"]}, "config": {"type": "object"},
        "summary": {"type": "object"}, "meta": {"type": "object"}, "url": {"type": "string"}}),
    "SeriesInfo": _object({"key": {"type": "string"}, "kind": {"enum": ["f", "i", "b", "o"]},
                           "count": {"type": "integer"}, "first_step": {"type": "integer"},
                           "last_step": {"type": "integer"}}),
    "RunFile": _object({
        "name": {"type": "string"}, "size": {"type": "integer"}, "digest": {"type": "string"},
        "updated_at": {"type": "number"}, "mtime": {"type": ["number", "null"]},
        "policy": {"enum": ["now", "live", "end"]}}),
    "Alert": _object({
        "id": {"type": "integer"},
        "run": _object({"id": {"type": "string"}, "name": {"type": "string"}}),
        "at": {"type": "number"}, "title": {"type": "string"}, "text": {"type": "string"},
        "level": {"enum": ["INFO", "WARN", "ERROR"]}, "suppressed": {"type": "integer"},
        "deliveries": {"type": "array", "items": _object({
            "notifier": {"type": "string"},
            "status": {"enum": ["sent", "retrying", "failed"]},
            "attempts": {"type": "integer"}, "error": {"type": ["string", "null"]},
            "at": {"type": "number"}})}}),
    "Envelope": _object({
        "run": {"type": "string"}, "key": {"type": "string"},
        "kind": {"enum": ["f", "i", "b", "o"]}, "total_points": {"type": "integer"},
        "x": _ARRAY, "x_last": _ARRAY, "min": _ARRAY, "max": _ARRAY, "mean": _ARRAY,
        "last": _ARRAY, "count": {"type": "array", "items": {"type": "integer"}},
        "step_first": {"type": "array", "items": {"type": "integer"}},
        "step_last": {"type": "array", "items": {"type": "integer"}}}),
}

_EVENTS = {"run": "RunEvent", "points": "PointsEvent", "reset": "ResetEvent"}
SCHEMAS.update({
    "RunEvent": _object({
        "id": {"type": "string"}, "state": SCHEMAS["Run"]["properties"]["state"],
        "last_step": {"type": "integer"}, "updated_at": _TIME, "summary": {"type": "object"},
        "name": {"type": "string"}, "notes": {"type": "string"}, "tags": _STRINGS,
        "finished_at": _TIME, "exit_code": {"type": ["integer", "null"]}},
        ["id", "state", "last_step", "updated_at"]),
    "PointsEvent": _object({
        "run": {"type": "string"}, "key": {"type": "string"},
        "steps": {"type": "array", "items": {"type": "integer"}}, "values": _ARRAY,
        "x": {"type": "object", "additionalProperties": _ARRAY,
              "description": "_runtime and _timestamp at the same steps"}},
        ["run", "key", "steps", "values", "x"]),
    "ResetEvent": _object({"run": {"type": "string"}, "key": {"type": "string"}},
                          ["run", "key"]),
})


def _events_answer() -> dict[str, Any]:
    """An event stream: lines of text on the wire; each event's ``data`` is a JSON object
    of the schema its ``event`` names (OpenAPI 3.2's ``itemSchema`` says so per event)."""
    item = {"oneOf": [_object({"event": {"const": name}, "data": _ref(schema)},
                              ["event", "data"]) for name, schema in _EVENTS.items()]}
    return {"200": {"description": "An event stream: `event: NAME` and `data: JSON` lines; "
                    "the data of each event is the object of its schema (RunEvent, "
                    "PointsEvent, ResetEvent)",
                    "content": {"text/event-stream": {"schema": {"type": "string"},
                                                      "itemSchema": item}}},
            **_errors()}


_RUNS_PARAMS = [
    _query("filters", {"type": "string"}, "JSON, the Api filter language"),
    _query("search", {"type": "string"}, "free text (case-insensitive substring) in name, "
           "tags, group, job type, config and summary"),
    _query("order", {"type": "string"}, "comma-separated fields, - for descending "
           "(default -created_at)"),
    _query("limit", {"type": "integer", "minimum": 1, "maximum": 1000, "default": 100}, ""),
    _query("offset", {"type": "integer", "minimum": 0, "default": 0}, ""),
    _query("columns", {"type": "string"}, "comma-separated flat keys (config.lr,summary.acc): "
           "only these config/summary keys are returned"),
]
_ENVELOPE_BODY = _object({
    "runs": {**_STRINGS, "maxItems": 200}, "keys": {**_STRINGS, "maxItems": 50},
    "buckets": {"type": "integer", "minimum": 1, "maximum": 10000, "default": 1000},
    "x": {"type": "string", "default": "_step"}, "min": {"type": ["number", "null"]},
    "max": {"type": ["number", "null"]}}, ["runs", "keys"])
_EDIT_BODY = {**_object({"name": {"type": "string"}, "notes": {"type": "string"},
                         "tags": _STRINGS}), "additionalProperties": False}

PATHS: dict[str, dict[str, Any]] = {
    "/api/v1/projects": {"get": _op("Every project, most recently active first", _answer(
        _object({"projects": {"type": "array", "items": _ref("Project")}})))},
    "/api/v1/projects/{entity}/{project}/runs": {"get": _op(
        "A page of the project's runs", _answer(_object({
            "runs": {"type": "array", "items": _ref("Run")}, "total": {"type": "integer"},
            "limit": {"type": "integer"}, "offset": {"type": "integer"}})),
        [_ENTITY, _PROJECT, *_RUNS_PARAMS])},
    "/api/v1/projects/{entity}/{project}/columns": {"get": _op(
        "Flat config and summary keys of the project's runs",
        _answer(_object({"config": _STRINGS, "summary": _STRINGS})), [_ENTITY, _PROJECT])},
    "/api/v1/projects/{entity}/{project}/metrics": {"get": _op(
        "Every history key logged in the project", _answer(_object({"metrics": {
            "type": "array", "items": _object({"key": {"type": "string"},
                                               "kind": {"enum": ["f", "i", "b", "o"]},
                                               "runs": {"type": "integer"}})}})),
        [_ENTITY, _PROJECT])},
    "/api/v1/projects/{entity}/{project}/envelopes": {"post": _op(
        "Chart envelopes of many runs and keys", _packed_answer(_answer(_object({
            "x": {"type": "string"}, "series": {"type": "array", "items": _ref("Envelope")}}))),
        [_ENTITY, _PROJECT], _ENVELOPE_BODY)},
    "/api/v1/projects/{entity}/{project}/events": {"get": _op(
        "Server-Sent Events: run, points and reset events",
        _events_answer(),
        [_ENTITY, _PROJECT,
         _query("runs", {"type": "string"}, "comma-separated run ids to follow points of"),
         _query("keys", {"type": "string"}, "comma-separated metric keys to follow"),
         _query("since", {"type": "number"}, "unix seconds: also send runs changed since")])},
    "/api/v1/runs/{entity}/{project}/{run_id}": {
        "get": _op("One run and its metrics", _answer({"allOf": [_ref("Run"), _object({
            "metrics": {"type": "array", "items": _ref("SeriesInfo")}})]}),
            [_ENTITY, _PROJECT, _RUN_ID]),
        "patch": _op("Edit a run's name, notes or tags", _answer(_ref("Run")),
                     [_ENTITY, _PROJECT, _RUN_ID], _EDIT_BODY)},
    "/api/v1/runs/{entity}/{project}/{run_id}/history": {"get": _op(
        "Full-resolution history rows", _answer(_object({
            "rows": {"type": "array", "items": {"type": "object"}},
            "next_step": {"type": ["integer", "null"]}})),
        [_ENTITY, _PROJECT, _RUN_ID,
         _query("keys", {"type": "string"}, "comma-separated keys", required=True),
         _query("min_step", {"type": "integer", "minimum": 0}, ""),
         _query("max_step", {"type": "integer", "minimum": 0}, ""),
         _query("limit", {"type": "integer", "minimum": 1, "maximum": 10000,
                          "default": 1000}, "")])},
    "/api/v1/runs/{entity}/{project}/{run_id}/files": {"get": _op(
        "The run's files, latest version of each", _answer(_object({
            "files": {"type": "array", "items": _ref("RunFile")}})),
        [_ENTITY, _PROJECT, _RUN_ID])},
    "/api/v1/runs/{entity}/{project}/{run_id}/files/{name}": {"get": _op(
        "One file's content", _answer({"type": "string", "format": "binary"},
                                      "The content, as the type its name implies when that "
                                      "is safe inline, else application/octet-stream", "*/*"),
        [_ENTITY, _PROJECT, _RUN_ID,
         {"name": "name", "in": "path", "required": True, "schema": {"type": "string"},
          "description": "the file's name, '/' allowed"},
         _query("download", {"type": "string", "enum": ["1", "true"]},
                "serve as an attachment")])},
    "/api/v1/blobs/{digest}": {"get": _op(
        "A blob by its sha256", _answer({"type": "string", "format": "binary"},
                                        "The content, as the inline type asked for, else "
                                        "application/octet-stream", "*/*"),
        [{"name": "digest", "in": "path", "required": True,
          "schema": {"type": "string", "pattern": "^[0-9a-f]{64}$"}},
         _query("type", {"type": "string"}, "content type to serve it as (inline types only)")])},
    "/api/v1/blobs/{digest}/html": {"get": _op(
        "A blob as logged HTML, sandboxed by its own Content-Security-Policy",
        _answer({"type": "string"}, "The page", "text/html"),
        [{"name": "digest", "in": "path", "required": True,
          "schema": {"type": "string", "pattern": "^[0-9a-f]{64}$"}},
         _query("scripts", {"type": "string", "enum": ["1", "true"]},
                "let its inline scripts run (in the sandbox)")])},
    "/api/v1/runs/{entity}/{project}/{run_id}/media": {"get": _op(
        "History keys that hold media, with their steps", _answer(_object({
            "keys": {"type": "array", "items": {"type": "object"}}})),
        [_ENTITY, _PROJECT, _RUN_ID])},
    "/api/v1/runs/{entity}/{project}/{run_id}/media/{key}": {"get": _op(
        "Stored media references under one key", _answer(_object({
            "key": {"type": "string"},
            "items": {"type": "array", "items": {"type": "object"}},
            "next_step": {"type": ["integer", "null"]}})),
        [_ENTITY, _PROJECT, _RUN_ID,
         {"name": "key", "in": "path", "required": True, "schema": {"type": "string"}},
         _query("step", {"type": "integer", "minimum": 0}, "one step"),
         _query("min_step", {"type": "integer", "minimum": 0}, ""),
         _query("max_step", {"type": "integer", "minimum": 0}, ""),
         _query("limit", {"type": "integer", "minimum": 1, "maximum": 10000,
                          "default": 1000}, "")])},
    # The run's surroundings: system metrics, console lines, alerts (docs/api.md).
    "/api/v1/runs/{entity}/{project}/{run_id}/system": {"get": _op(
        "System metrics over wall time, thinned keeping each metric's extremes",
        _answer(_object({"at": {"type": "array", "items": {"type": "number"}},
                         "series": {"type": "object", "additionalProperties": _ARRAY},
                         "last": {"type": ["number", "null"]}})),
        [_ENTITY, _PROJECT, _RUN_ID,
         _query("since", {"type": "number"}, "unix seconds: only later samples"),
         _query("points", {"type": "integer", "minimum": 2, "maximum": 10000,
                           "default": 1000}, "")])},
    "/api/v1/runs/{entity}/{project}/{run_id}/logs": {"get": _op(
        "Console lines after a line number", _answer(_object({
            "lines": {"type": "array", "items": _object({
                "n": {"type": "integer"}, "at": {"type": "number"},
                "stream": {"type": "string", "enum": ["stdout", "stderr"]},
                "text": {"type": "string"}})},
            "last": {"type": "integer"}, "more": {"type": "boolean"}})),
        [_ENTITY, _PROJECT, _RUN_ID,
         _query("after", {"type": "integer", "minimum": 0, "default": 0}, "a line number"),
         _query("limit", {"type": "integer", "minimum": 1, "maximum": 20000,
                          "default": 5000}, ""),
         _query("search", {"type": "string"}, "only lines containing this")])},
    "/api/v1/runs/{entity}/{project}/{run_id}/alerts": {"get": _op(
        "The run's alerts, newest first", _answer(_object({
            "alerts": {"type": "array", "items": _ref("Alert")}})),
        [_ENTITY, _PROJECT, _RUN_ID,
         _query("limit", {"type": "integer", "minimum": 1, "maximum": 1000,
                          "default": 100}, "")])},
    "/api/v1/projects/{entity}/{project}/alerts": {"get": _op(
        "The project's alert feed, newest first", _answer(_object({
            "alerts": {"type": "array", "items": _ref("Alert")}})),
        [_ENTITY, _PROJECT,
         _query("limit", {"type": "integer", "minimum": 1, "maximum": 1000,
                          "default": 100}, ""),
         _query("before", {"type": "integer"}, "an alert id: older alerts")])},
    "/api/v1/openapi.json": {"get": _op("This document", _answer({"type": "object"}))},
    "/api/v1/me": {"get": _op("Who uses the app: on the local `cairn ui`, nobody signs in",
                              _answer(_object({"mode": {"type": "string",
                                                        "enum": ["local"]}})))},
}


def openapi_document(version: str, team: bool = False) -> dict[str, Any]:
    """The document; with ``team``, the team server's routes and how callers sign in."""
    from cairn.server import (
        artifacts_openapi,
        reports_openapi,
        sweeps_openapi,
        team_openapi,
        workspaces_openapi,
    )

    document: dict[str, Any] = {
        "openapi": "3.1.0",
        "info": {"title": "cairn", "version": version,
                 "description": "The HTTP API of cairn (docs/api.md)."},
        "paths": {**PATHS, **artifacts_openapi.PATHS, **sweeps_openapi.PATHS,
                  **workspaces_openapi.PATHS, **reports_openapi.PATHS},
        "components": {"schemas": SCHEMAS}}
    if team:
        for path, operations in team_openapi.PATHS.items():
            document["paths"][path] = {**document["paths"].get(path, {}), **operations}
        document["components"]["securitySchemes"] = team_openapi.SECURITY_SCHEMES
        document["security"] = [{"apiKey": []}, {"session": []}]
    return document


async def openapi(request: Request) -> Response:
    import cairn

    return JsonResponse(openapi_document(cairn.__version__,
                                         team=hasattr(request.app.state, "team")))


ROUTES = [Route("/openapi.json", openapi, methods=["GET"])]
