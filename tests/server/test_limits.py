"""One request cannot hold the server: store work has a time limit, stops when its client
leaves, and a regex filter cannot backtrack."""

from __future__ import annotations

import json
import logging
import socket
import time
import urllib.parse
from collections.abc import Callable
from typing import Any

import httpx
import pytest
from tests.server.conftest import ApiClient, LiveServer, assert_error
from tests.store.conftest import Writer

from cairn.records import Record, RunRef
from cairn.store.sqlite import SqliteStore


def _many_runs(store: SqliteStore, count: int) -> None:
    records: list[Record] = []
    for i in range(count):
        w = Writer(RunRef("me", "proj", f"r{i:05d}"))
        records += [w.run(name="a" * 27 + "!" if i == 0 else f"run-{i}"),
                    w.config({"k": i, "s": f"v{i}"}), w.finish()]
    store.apply_records(records)


def test_catastrophic_regex_answers_within_the_limit(make_app: Callable[..., Any],
                                                     store: SqliteStore) -> None:
    """In Python's re this pattern takes seconds on the first run's name; a limit of
    2 s would turn that into a 503, so a 200 with the right runs means it did not."""
    _many_runs(store, 50)
    api = ApiClient(make_app(query_time_limit=2.0))
    for pattern, expected in (("(a+)+$", []), ("^(a+)+!$", ["r00000"]),
                              ("^run-4[0-9]$", [f"r{i:05d}" for i in range(40, 50)])):
        response = api.get("/api/v1/projects/me/proj/runs",
                           params={"filters": json.dumps({"name": {"$regex": pattern}}),
                                   "order": "id"})
        assert response.status_code == 200, response.text
        assert [r["id"] for r in response.json()["runs"]] == expected


def test_work_past_the_limit_is_a_503(make_app: Callable[..., Any], store: SqliteStore,
                                      caplog: pytest.LogCaptureFixture) -> None:
    _many_runs(store, 300)
    slow = ApiClient(make_app(query_time_limit=0.0))
    response = slow.get("/api/v1/projects/me/proj/runs",
                        params={"filters": json.dumps({"config.k": {"$gte": 0}})})
    message = assert_error(response, 503, "query_timeout")
    assert "narrow" in message
    assert str(store.path) not in response.text
    assert "ran past the limit" in caplog.text
    # The same server's other requests, and a server with room, are unaffected.
    assert ApiClient(make_app()).get("/api/v1/projects/me/proj/runs").status_code == 200


def test_work_stops_when_the_client_leaves(live_server: Callable[..., LiveServer],
                                           store: SqliteStore,
                                           caplog: pytest.LogCaptureFixture) -> None:
    """A filter that takes seconds is stopped soon after its client hangs up, and the
    server goes on answering."""
    _many_runs(store, 3000)
    server = live_server(query_time_limit=60.0)
    slow = {"$or": [{"config.s": {"$regex": f"^v{i}x"}} for i in range(400)]}
    query = urllib.parse.urlencode({"filters": json.dumps(slow)})
    host, port = server.url.removeprefix("http://").split(":")
    caplog.set_level(logging.WARNING, "cairn.server")
    with socket.create_connection((host, int(port))) as client:
        client.sendall(f"GET /api/v1/projects/me/proj/runs?{query} HTTP/1.1\r\n"
                       f"Host: {host}:{port}\r\n\r\n".encode())
        time.sleep(0.3)
    stopped = time.monotonic() + 10
    while "client went away" not in caplog.text and time.monotonic() < stopped:
        time.sleep(0.05)
    assert "client went away" in caplog.text
    assert httpx.get(f"{server.url}/api/v1/projects/me/proj/runs").status_code == 200
