"""The OpenAPI description of the team server's own routes (``accounts_api.py``,
``ingest.py``, ``store_rpc.py``): added to the document only where the app serves them,
with how callers sign in (an API key, or a login session and its CSRF token)."""

from __future__ import annotations

from typing import Any

from cairn.server.openapi import _ENTITY, _PROJECT, _RUN_ID, _answer, _errors, _object, _op

_USER = {"name": "user", "in": "path", "required": True, "schema": {"type": "string"}}
_TEAM = {"name": "team", "in": "path", "required": True, "schema": {"type": "string"}}
_PREFIX = {"name": "prefix", "in": "path", "required": True, "schema": {"type": "string"},
           "description": "the 8 hex digits after cairn_"}
_DIGEST = {"name": "digest", "in": "path", "required": True,
           "schema": {"type": "string", "pattern": "^[0-9a-f]{64}$"}}
_METHOD = {"name": "method", "in": "path", "required": True, "schema": {"type": "string"},
           "description": "a reading method of the store (store/wire.py READS)"}
_ROLE = {"type": "string", "enum": ["admin", "member", "viewer"]}
_VISIBILITY = {"type": "string", "enum": ["private", "team", "public"]}
_TIME = {"type": ["number", "null"], "description": "unix seconds"}
_ROLES = {"type": "object", "additionalProperties": _ROLE,
          "description": "user (or team) name -> role"}
_ME = _object({"mode": {"type": "string", "enum": ["team"]}, "user": {"type": "string"},
               "admin": {"type": "boolean"}, "entity": {"type": "string"}, "teams": _ROLES,
               "auth": {"type": "string", "enum": ["key", "session"]},
               "csrf_token": {"type": ["string", "null"],
                              "description": "send it as X-CSRF-Token on every mutating "
                                             "request made with the session cookie"}})
_KEY = _object({"prefix": {"type": "string"}, "label": {"type": "string"},
                "created_at": {"type": "number"}, "last_used_at": _TIME,
                "revoked_at": _TIME})
_TEAM_BODY = _object({"name": {"type": "string"}, "members": _ROLES})
_SETTINGS = _object({"entity": {"type": "string"}, "project": {"type": "string"},
                     "visibility": _VISIBILITY, "owner": {"type": ["string", "null"]},
                     "members": _ROLES})
_NO_CONTENT = {"204": {"description": "Done"}, **_errors()}


def _created(schema: dict[str, Any]) -> dict[str, Any]:
    return {"201": {"description": "Created", "content": {"application/json": {
        "schema": schema}}}, **_errors()}


SECURITY_SCHEMES = {
    "apiKey": {"type": "http", "scheme": "bearer",
               "description": "An API key (cairn_<prefix>_<secret>); HTTP basic auth with "
                              "the key as the password is taken too"},
    "session": {"type": "apiKey", "in": "cookie", "name": "cairn_session",
                "description": "A login session (POST /api/v1/login); mutating requests "
                               "also send X-CSRF-Token"},
}

PATHS: dict[str, dict[str, Any]] = {
    "/api/v1/login": {"post": {
        **_op("Log in: sets the cairn_session cookie (HttpOnly, SameSite=Strict, Secure "
              "over https)", _answer(_object({**_ME["properties"],
                                               "expires_at": {"type": "number"}})),
              body=_object({"username": {"type": "string"}, "password": {"type": "string"}},
                           ["username", "password"])),
        "security": []}},
    "/api/v1/logout": {"post": _op("End this login session", _NO_CONTENT)},
    "/api/v1/me": {"get": _op("Who the caller is, their teams (and the CSRF token of a "
                              "session)", _answer(_ME))},
    "/api/v1/viewer": {"get": _op("Who the key belongs to (cairn login)", _answer(_object({
        "user": {"type": "string"}, "admin": {"type": "boolean"},
        "entity": {"type": "string"}})))},
    "/api/v1/me/password": {"post": _op(
        "Set one's password (the current one is needed once one is set); login sessions "
        "end", _NO_CONTENT, body=_object({"password": {"type": "string", "minLength": 8},
                                          "current": {"type": "string"}}, ["password"]))},
    "/api/v1/users": {
        "get": _op("The users (server admins)", _answer(_object({"users": {
            "type": "array", "items": _object({
                "name": {"type": "string"}, "admin": {"type": "boolean"},
                "created_at": {"type": "number"}, "disabled_at": _TIME,
                "keys": {"type": "integer", "description": "unrevoked API keys"}})}}))),
        "post": _op("Make a user (server admins); its first API key is shown this once",
                    _created(_object({"name": {"type": "string"}, "admin": {"type": "boolean"},
                                      "key": {"type": "string"}})),
                    body=_object({"name": {"type": "string"}, "admin": {"type": "boolean"},
                                  "password": {"type": "string", "minLength": 8}},
                                 ["name"]))},
    "/api/v1/me/keys": {
        "get": _op("One's API keys, with their last use (never the keys themselves)",
                   _answer(_object({"keys": {"type": "array", "items": _KEY}}))),
        "post": _op("A new API key: the answer is the only time it is shown",
                    _created(_object({"key": {"type": "string"}, "prefix": {"type": "string"},
                                      "label": {"type": "string"}})),
                    body=_object({"label": {"type": "string", "maxLength": 200}}))},
    "/api/v1/me/keys/{prefix}": {"delete": _op("Revoke one of one's keys", _answer(_KEY),
                                               [_PREFIX])},
    "/api/v1/teams": {
        "get": _op("The caller's teams and roles (a server admin: every team)",
                   _answer(_object({"teams": {"type": "array", "items": _object({
                       "name": {"type": "string"}, "role": {"type": ["string", "null"]}})}}))),
        "post": _op("A new team, with the caller its admin", _created(_TEAM_BODY),
                    body=_object({"name": {"type": "string"}}, ["name"]))},
    "/api/v1/teams/{team}": {"get": _op("A team's members (to its members)",
                                        _answer(_TEAM_BODY), [_TEAM])},
    "/api/v1/teams/{team}/members/{user}": {
        "put": _op("Add a member or change their role (team admins)", _answer(_TEAM_BODY),
                   [_TEAM, _USER], _object({"role": _ROLE}, ["role"])),
        "delete": _op("Remove a member (team admins)", _answer(_TEAM_BODY), [_TEAM, _USER])},
    "/api/v1/projects/{entity}/{project}/settings": {
        "get": _op("A project's visibility, owner and members (its readers)",
                   _answer(_SETTINGS), [_ENTITY, _PROJECT]),
        "patch": _op("Change a project's visibility (its admins)", _answer(_SETTINGS),
                     [_ENTITY, _PROJECT], _object({"visibility": _VISIBILITY},
                                                  ["visibility"]))},
    "/api/v1/projects/{entity}/{project}/members/{user}": {
        "put": _op("Give a user a role on the project (its admins)", _answer(_SETTINGS),
                   [_ENTITY, _PROJECT, _USER], _object({"role": _ROLE}, ["role"])),
        "delete": _op("Take a user's project role away (its admins)", _answer(_SETTINGS),
                      [_ENTITY, _PROJECT, _USER])},
    "/api/v1/ingest": {"post": {
        **_op("Apply a batch of WAL frames of one run session (idempotent; all or nothing)",
              _answer(_object({"applied": {"type": "integer"},
                               "present": {"type": "integer"},
                               "records": {"type": "integer"},
                               "unknown_kinds": {"type": "array",
                                                 "items": {"type": "string"}}}))),
        "requestBody": {"required": True, "content": {"application/vnd.cairn.wal": {
            "schema": {"type": "string", "format": "binary"}}}}}},
    "/api/v1/blobs/{digest}": {
        "head": _op("200 when the server has the blob", {"200": {"description": "Held"},
                                                         **_errors()}, [_DIGEST]),
        "put": {**_op("Upload a blob by its sha256 (refused when the bytes are not that "
                      "digest; never stored twice)",
                      _created(_object({"digest": {"type": "string"},
                                        "stored": {"type": "boolean"},
                                        "size": {"type": "integer"}})), [_DIGEST]),
                "requestBody": {"required": True, "content": {"application/octet-stream": {
                    "schema": {"type": "string", "format": "binary"}}}}}},
    "/api/v1/progress/{entity}/{project}/{run_id}": {"get": _op(
        "What the store holds of a run session (cairn sync --to; writers only)",
        _answer(_object({"mark": {"type": "integer"},
                         "gaps": {"type": ["array", "null"]}})),
        [_ENTITY, _PROJECT, _RUN_ID,
         {"name": "session", "in": "query", "required": True, "schema": {"type": "string"}}])},
    "/api/v1/store/{method}": {"post": {
        **_op("A reading method of the store, msgpack in and out (cairn.Api over HTTP); "
              "scoped to what the caller may read", {
                  "200": {"description": "The method's result",
                          "content": {"application/msgpack": {"schema": {}}}},
                  **_errors()}, [_METHOD]),
        "requestBody": {"required": True, "content": {"application/msgpack": {
            "schema": {"description": "{args: [...], kwargs: {...}}"}}}}}},
}
