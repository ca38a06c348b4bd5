"""A server whose PostgreSQL is down answers 503 ``store_unavailable`` (not 500
``internal``): on a route's store call and on the key check itself, and serves again once
the database is back."""

from __future__ import annotations

import threading
import time
import urllib.error
import urllib.request
from pathlib import Path
from typing import Any

import pytest

from cairn.testing_server import ServerProcess, add_user


def _get(url: str, key: str | None = None) -> tuple[int, Any]:
    import json

    request = urllib.request.Request(url, headers={"Authorization": f"Bearer {key}"}
                                     if key else {})
    try:
        with urllib.request.urlopen(request, timeout=10) as answer:
            return answer.status, json.loads(answer.read())
    except urllib.error.HTTPError as exc:
        return exc.code, json.loads(exc.read())


def test_a_server_whose_database_is_down_answers_503_store_unavailable(
        tmp_path: Path) -> None:
    from cairn.testing_postgres import TemporaryPostgres, postgres_bin

    if postgres_bin() is None:
        pytest.skip("PostgreSQL server binaries are not installed")
    with TemporaryPostgres() as postgres:
        store = postgres.uri(schema=postgres.new_schema())
        ada = add_user(store, "ada")
        bob = add_user(store, "bob")  # his key is never checked before the outage
        # A request waits this long for a database connection before it is answered.
        config = tmp_path / "settings.toml"
        config.write_text("store_busy_timeout = 1\n")
        server = ServerProcess(store, f"file://{tmp_path / 'blobs'}",
                               env={"CAIRN_CONFIG": str(config)})
        server.start()
        try:
            projects = f"{server.url}/api/v1/projects"
            assert _get(projects, ada)[0] == 200  # ada's key is now cached by the server
            outage = threading.Thread(target=postgres.restart, kwargs={"down": 6.0})
            outage.start()
            try:
                deadline = time.monotonic() + 10
                while (answer := _get(projects, ada))[0] == 200:
                    assert time.monotonic() < deadline, "the outage was never seen"
                    time.sleep(0.05)
                checked = _get(projects, bob)  # the key check meets the outage
                ready = _get(f"{server.url}/readyz")
            finally:
                outage.join()
            for status, body in (answer, checked):
                assert status == 503, body
                assert body["error"]["code"] == "store_unavailable"
                assert "postgresql" not in body["error"]["message"].lower()  # no URI
            assert ready[0] == 503
            assert ready[1]["error"]["code"] == "not_ready"
            deadline = time.monotonic() + 20
            while _get(projects, bob)[0] != 200:  # the pool reconnects by itself
                assert time.monotonic() < deadline, "the server never served again"
                time.sleep(0.1)
        finally:
            server.stop()
