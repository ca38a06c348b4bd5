"""Server fixtures: runs logged with the real client, the app over the test's store,
called in-process through ``httpx.ASGITransport``, and the same app under a real uvicorn
on a free loopback port."""

from __future__ import annotations

import math
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import anyio
import httpx
import pytest

import cairn
import cairn.testing
from cairn.server.app import app_context, create_app
from cairn.server.context import ServerOptions
from cairn.settings import load_settings
from cairn.sinks.handoffs import wait_for_handoffs
from cairn.store.sqlite import SqliteStore
from cairn.testing_postgres import TemporaryPostgres, postgres_bin

BASE = "http://127.0.0.1:8080"
JSON = {"Content-Type": "application/json"}
"""What a body that is not made by ``json=`` must say it is (``guard.py``)."""


@dataclass
class Logged:
    id: str
    entity: str
    project: str
    name: str

    @property
    def api_path(self) -> str:
        return f"/api/v1/runs/{self.entity}/{self.project}/{self.id}"


LogRun = Callable[..., Logged]


@pytest.fixture
def log_run() -> LogRun:
    """Log a finished run: ``steps`` rows of loss, acc (int) and spiky (NaN at step 2,
    +inf at 3, -inf at 4)."""

    def log(project: str = "proj", steps: int = 10, **init: Any) -> Logged:
        run = cairn.init(project=project, **init)
        for i in range(steps):
            spiky = {2: math.nan, 3: math.inf, 4: -math.inf}.get(i, float(i))
            run.log({"loss": 1.0 / (i + 1), "acc": i, "spiky": spiky})
        run.finish()
        wait_for_handoffs()  # in the store, as a finished run is for a later reader
        return Logged(run.id, run.entity, run.project, run.name)

    return log


class ApiClient:
    """Calls an app in-process through ``httpx.ASGITransport``, one event loop a call."""

    def __init__(self, app: Any, raise_app_exceptions: bool = True,
                 client: tuple[str, int] = ("127.0.0.1", 123)) -> None:
        self.app = app
        self.raise_app_exceptions = raise_app_exceptions
        self.client = client

    def request(self, method: str, url: str, **kwargs: Any) -> httpx.Response:
        # The runs this process finished reach the store through the applier process.
        wait_for_handoffs()

        async def call() -> httpx.Response:
            transport = httpx.ASGITransport(app=self.app,
                                            raise_app_exceptions=self.raise_app_exceptions,
                                            client=self.client)
            async with httpx.AsyncClient(transport=transport, base_url=BASE) as client:
                return await client.request(method, url, **kwargs)

        return anyio.run(call)

    def get(self, url: str, **kwargs: Any) -> httpx.Response:
        return self.request("GET", url, **kwargs)

    def post(self, url: str, **kwargs: Any) -> httpx.Response:
        return self.request("POST", url, **kwargs)

    def patch(self, url: str, **kwargs: Any) -> httpx.Response:
        return self.request("PATCH", url, **kwargs)


@pytest.fixture
def store(cairn_root: Path) -> Iterator[SqliteStore]:
    opened = SqliteStore(cairn_root / "cairn.db")
    yield opened
    opened.close()


@pytest.fixture
def make_app(store: SqliteStore) -> Callable[..., Any]:
    def make(**options: Any) -> Any:
        return create_app(load_settings(), store, options=ServerOptions(**options))

    return make


@pytest.fixture
def api(make_app: Callable[..., Any]) -> ApiClient:
    return ApiClient(make_app())


def assert_error(response: httpx.Response, status: int, code: str) -> str:
    """The response is the API's error shape with this status and code; its message."""
    assert response.status_code == status, response.text
    assert response.headers["content-type"] == "application/json"
    body = response.json()
    assert set(body) == {"error"}
    assert set(body["error"]) == {"status", "code", "message"}
    assert body["error"]["status"] == status
    assert body["error"]["code"] == code
    message = body["error"]["message"]
    assert isinstance(message, str)
    assert message
    return message


class LiveServer(cairn.testing.LiveServer):
    """The app under a real uvicorn in a thread, on a free 127.0.0.1 port."""

    @property
    def context(self) -> Any:
        return app_context(self.app)


@pytest.fixture
def live_server(make_app: Callable[..., Any]) -> Iterator[Callable[..., LiveServer]]:
    started: list[LiveServer] = []

    def start(**options: Any) -> LiveServer:
        wait_for_handoffs()  # the runs logged so far are in the store
        server = LiveServer(make_app(**options)).start()
        started.append(server)
        return server

    yield start
    for server in started:
        if server.thread.is_alive():
            server.stop()


@pytest.fixture(scope="session")
def postgres() -> Iterator[TemporaryPostgres]:
    """A throwaway PostgreSQL server for the session's server tests (skips the test where
    PostgreSQL is missing); each test takes a schema of its own."""
    if postgres_bin() is None:
        pytest.skip("PostgreSQL server binaries are not installed")
    with TemporaryPostgres() as server:
        yield server
