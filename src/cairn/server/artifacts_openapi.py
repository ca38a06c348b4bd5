"""The OpenAPI description of the artifact routes (``server/artifacts.py``)."""

from __future__ import annotations

from typing import Any

from cairn.server.openapi import (
    _ENTITY,
    _PROJECT,
    _RUN_ID,
    _answer,
    _errors,
    _object,
    _op,
    _query,
)

_NAME = {"name": "name", "in": "path", "required": True, "schema": {"type": "string"}}
_SELECTOR = {"name": "version", "in": "path", "required": True, "schema": {"type": "string"},
             "description": "v3, an alias or a digest"}
_OTHER = {**_SELECTOR, "name": "other"}
_PATH = {"name": "path", "in": "path", "required": True, "schema": {"type": "string"}}
_VERSION = _object({
    "name": {"type": "string"}, "version": {"type": "string"}, "index": {"type": "integer"},
    "entity": {"type": "string"}, "project": {"type": "string"}, "type": {"type": "string"},
    "digest": {"type": "string"}, "aliases": {"type": "array", "items": {"type": "string"}},
    "size": {"type": "integer"}, "file_count": {"type": "integer"},
    "created_at": {"type": "number"}, "description": {"type": "string"}})
_DETAIL = {"allOf": [_VERSION, _object({
    "metadata": {"type": "object"}, "producer": {"type": ["object", "null"]},
    "consumers": {"type": "array", "items": {"type": "object"}},
    "files": {"type": "array", "items": {"type": "object"}}})]}
"""A version's fields (``version`` is its name, ``v3``) and what it holds, in one object."""
_LIST = {"type": "array", "items": _VERSION}
_V = "/api/v1/projects/{entity}/{project}/artifacts/{name}/{version}"
_HERE = [_ENTITY, _PROJECT, _NAME, _SELECTOR]

PATHS: dict[str, dict[str, Any]] = {
    "/api/v1/projects/{entity}/{project}/artifacts": {"get": _op(
        "Artifact types, each with its artifact names", _answer(_object({
            "types": {"type": "array", "items": {"type": "object"}}})),
        [_ENTITY, _PROJECT, _query("type", {"type": "string"}, "only this type")])},
    "/api/v1/projects/{entity}/{project}/artifacts/{name}": {"get": _op(
        "Versions of an artifact, newest first", _answer(_object({
            "name": {"type": "string"}, "type": {"type": "string"}, "versions": _LIST})),
        [_ENTITY, _PROJECT, _NAME])},
    _V: {"get": _op("A version: files, metadata, aliases, producer, consumers",
                    _answer(_DETAIL), _HERE),
         "delete": _op("Delete a version", {"204": {"description": "Deleted"},
                                            **_errors()},
                       [*_HERE, _query("delete_aliases", {"type": "boolean"},
                                       "needed when it has aliases")])},
    _V + "/aliases": {"put": _op(
        "Set a version's aliases", _answer(_DETAIL), _HERE,
        _object({"aliases": {"type": "array", "items": {"type": "string"}}}, ["aliases"]))},
    _V + "/files/{path}": {"get": _op(
        "A file's content, with the content type its name implies",
        _answer({"type": "string", "format": "binary"}, media="*/*"), [*_HERE, _PATH])},
    _V + "/lineage": {"get": _op(
        "Runs and versions connected to this version", _answer(_object({
            "root": {"type": "string"}, "nodes": {"type": "array", "items": {"type": "object"}},
            "edges": {"type": "array", "items": {"type": "object"}}})), _HERE)},
    _V + "/diff/{other}": {"get": _op(
        "Files added, removed and changed from this version to another", _answer(_object({
            "added": {"type": "array"}, "removed": {"type": "array"},
            "changed": {"type": "array"}})), [*_HERE, _OTHER])},
    "/api/v1/runs/{entity}/{project}/{run_id}/artifacts": {"get": _op(
        "Artifact versions the run logged and used", _answer(_object({
            "logged": _LIST, "used": _LIST})), [_ENTITY, _PROJECT, _RUN_ID])},
}
