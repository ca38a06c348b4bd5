"""The OpenAPI description of the sweep routes (``server/sweeps.py``)."""

from __future__ import annotations

from typing import Any

from cairn.server.openapi import _ENTITY, _PROJECT, _answer, _object, _op

_SWEEP_ID = {"name": "sweep_id", "in": "path", "required": True, "schema": {"type": "string"}}
_STATE = {"type": "string", "enum": ["running", "paused", "finished", "canceled"]}
_SUMMARY = {
    "id": {"type": "string"}, "entity": {"type": "string"}, "project": {"type": "string"},
    "name": {"type": "string"}, "method": {"type": "string"}, "state": _STATE,
    "metric": {"type": ["object", "null"]}, "created_at": {"type": "number"},
    "updated_at": {"type": "number"}, "trial_count": {"type": "integer"},
    "states": {"type": "object"}, "grid_size": {"type": ["integer", "null"]},
    "run_cap": {"type": ["integer", "null"]}, "best": {"type": ["number", "null"]}}
_DETAIL = _object({**_SUMMARY, "config": {"type": "object"},
                   "trials": {"type": "array", "items": {"type": "object"}}})
_HERE = [_ENTITY, _PROJECT, _SWEEP_ID]

PATHS: dict[str, dict[str, Any]] = {
    "/api/v1/projects/{entity}/{project}/sweeps": {"get": _op(
        "The project's sweeps, newest first", _answer(_object({
            "sweeps": {"type": "array", "items": _object(_SUMMARY)}})), [_ENTITY, _PROJECT])},
    "/api/v1/sweeps/{entity}/{project}/{sweep_id}": {
        "get": _op("A sweep: config and trials", _answer(_DETAIL), _HERE),
        "patch": _op("Pause, resume, stop or cancel a sweep", _answer(_DETAIL), _HERE,
                     _object({"state": _STATE}, ["state"]))},
    "/api/v1/sweeps/{entity}/{project}/{sweep_id}/importance": {"get": _op(
        "Parameter importance: correlation and a model-based estimate", _answer(_object({
            "method": {"type": ["string", "null"]},
            "params": {"type": "array", "items": {"type": "object"}}})), _HERE)},
}
