"""The server keeps to its OpenAPI document: schemathesis sends every documented operation
generated requests (valid and not) against a real loopback server over a small store,
and each answer must be no 5xx and must match what the document says (status, content
type, body schema). The event stream, which never ends, is checked apart: its events'
data against the document's event schemas."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import httpx
import jsonschema_rs
import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)
from tests.server.conftest import LiveServer, LogRun
from tests.server.test_artifacts import _lineage_setup

import cairn
from cairn.server.openapi import SCHEMAS

EXAMPLES = 8
"""Generated requests per operation: every operation is called, in seconds in all."""


@pytest.fixture
def small_store(log_run: LogRun, tmp_path: Path) -> dict[str, str]:
    """Runs with metrics, artifacts with lineage, in the test's store; path parameters
    that name them."""
    run = log_run(steps=5)
    _lineage_setup(tmp_path)
    return {"entity": run.entity, "project": "proj", "run_id": run.id, "name": "data",
            "version": "v1", "other": "v0", "path": "c.txt"}


@pytest.fixture
def served(small_store: dict[str, str], live_server: Callable[..., LiveServer]) -> LiveServer:
    return live_server()


def _check(case: Any) -> None:
    response = case.call_and_validate(checks=[status_code_conformance,
                                              content_type_conformance,
                                              response_schema_conformance])
    assert response.status_code < 500, f"{case.method} {case.formatted_path}: " \
        f"{response.status_code} {response.text[:300]}"


def _naming(known: dict[str, str]) -> Callable[[Any], Any]:
    """A generated case with its path parameters naming things that exist."""
    def name(case: Any) -> Any:
        if case.path_parameters:
            case.path_parameters.update({k: v for k, v in known.items()
                                         if k in case.path_parameters})
        return case

    return name


def test_every_operation_keeps_to_the_document(served: LiveServer,
                                               small_store: dict[str, str]) -> None:
    """Each operation twice: with generated path parameters (mostly 404s and 400s), and
    with ones that name the store's runs and artifacts (its real answers; DELETE last)."""
    schema = schemathesis.openapi.from_url(f"{served.url}/api/v1/openapi.json")
    operations = [found.ok() for found in schema.exclude(path_regex=r"/events$")
                  .get_all_operations()]
    assert len(operations) >= 20
    operations.sort(key=lambda op: op.method.lower() == "delete")
    failures = []
    for operation in operations:
        for strategy in (operation.as_strategy(),
                         operation.as_strategy().map(_naming(small_store))):
            @settings(max_examples=EXAMPLES, deadline=None, derandomize=True,
                      database=None, suppress_health_check=list(HealthCheck))
            @given(case=strategy)
            def check(case: Any) -> None:
                _check(case)

            try:
                check()
            except (Exception, BaseExceptionGroup) as exc:  # report every operation's
                failures.append(f"{operation.method.upper()} {operation.path}: {exc}")
    assert not failures, "\n\n".join(failures)


def test_stream_events_match_the_document(served: LiveServer) -> None:
    document = httpx.get(f"{served.url}/api/v1/openapi.json").json()
    events = document["components"]["schemas"]
    run = cairn.init(project="proj", mode="local")
    run.log({"loss": 1.0})
    seen: dict[str, Any] = {}
    url = (f"{served.url}/api/v1/projects/{run.entity}/proj/events?since=0&runs={run.id}"
           "&keys=loss")
    with httpx.stream("GET", url, timeout=30) as response:
        assert response.status_code == 200
        assert response.headers["content-type"].startswith("text/event-stream")
        for step in range(1, 4):
            run.log({"loss": 1.0 / (step + 1)})
        run.finish()
        name = ""
        for line in response.iter_lines():
            if line.startswith("event: "):
                name = line[7:]
            elif line.startswith("data: "):
                seen[name] = json.loads(line[6:])
            if {"run", "points"} <= set(seen):
                break
    for name, data in seen.items():
        schema = {**events[f"{name.capitalize()}Event"], "components": {"schemas": SCHEMAS}}
        jsonschema_rs.validate(schema, data)
