"""One error shape on every route, for every kind of failure; never a 500 for bad input."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from tests.server.conftest import ApiClient, LogRun, assert_error

from cairn.errors import StoreError, StoreLockedError
from cairn.server.static import default_ui_dir


@pytest.mark.parametrize(("method", "path", "status", "code"), [
    ("GET", "/api/v1/nothing", 404, "not_found"),
    ("GET", "/api/v1", 404, "not_found"),
    ("GET", "/api", 404, "not_found"),
    ("POST", "/api/v2/anything", 404, "not_found"),
    ("DELETE", "/api/v1/projects/a/b/c/d/e", 404, "not_found"),
    ("POST", "/api/v1/projects", 405, "method_not_allowed"),
    ("DELETE", "/api/v1/runs/e/p/r", 405, "method_not_allowed"),
    ("GET", "/api/v1/projects/e/p/envelopes", 405, "method_not_allowed"),
    ("PUT", "/api/v1/openapi.json", 405, "method_not_allowed"),
    ("POST", "/some/page", 405, "method_not_allowed"),
])
def test_routes_and_methods(api: ApiClient, method: str, path: str, status: int,
                            code: str) -> None:
    body = None if method in ("GET", "DELETE") else {}
    message = assert_error(api.request(method, path, json=body), status, code)
    assert path in message


def test_wrong_method_says_which_are_allowed(api: ApiClient) -> None:
    response = api.request("DELETE", "/api/v1/runs/e/p/r")
    assert set(response.headers["allow"].split(", ")) == {"GET", "HEAD", "PATCH"}


@pytest.mark.parametrize(("params", "code"), [
    ({"filters": "{bad"}, "bad_filter"),
    ({"filters": "[1]"}, "bad_filter"),
    ({"filters": "[" * 15_000}, "bad_filter"),
    ({"filters": json.dumps({"config.lr": {"$near": 1}})}, "bad_filter"),
    ({"filters": json.dumps({"nofield": 1})}, "bad_filter"),
    ({"filters": json.dumps({"config.lr": {"$regex": "("}})}, "bad_filter"),
    ({"order": "-nofield"}, "bad_filter"),
    ({"order": "tags"}, "bad_filter"),
    ({"order": "-"}, "bad_filter"),
    ({"limit": "0"}, "bad_request"),
    ({"limit": "1001"}, "bad_request"),
    ({"limit": "many"}, "bad_request"),
    ({"limit": "1e3"}, "bad_request"),
    ({"offset": "-1"}, "bad_request"),
    ({"offset": "1_0"}, "bad_request"),
    ({"columns": "lr"}, "bad_request"),
    ({"columns": "config."}, "bad_request"),
    ({"search": "x" * 1001}, "bad_request"),
])
def test_bad_runs_queries(api: ApiClient, log_run: LogRun, params: dict[str, Any],
                          code: str) -> None:
    run = log_run()
    response = api.get(f"/api/v1/projects/{run.entity}/proj/runs", params=params)
    message = assert_error(response, 400, code)
    assert len(message) < 2000


@pytest.mark.parametrize("params", [
    {"runs": ",".join(f"r{i}" for i in range(201))},
    {"keys": ",".join(f"k{i}" for i in range(51))},
    {"since": "yesterday"},
    {"since": "nan"},
])
def test_bad_event_queries(api: ApiClient, log_run: LogRun, params: dict[str, str]) -> None:
    run = log_run()
    response = api.get(f"/api/v1/projects/{run.entity}/proj/events", params=params)
    assert_error(response, 400, "bad_request")


def test_unknown_project_for_events(api: ApiClient, log_run: LogRun) -> None:
    run = log_run()
    assert_error(api.get(f"/api/v1/projects/{run.entity}/nope/events"), 404, "not_found")


class _Failing:
    """A store whose every read fails the way it is told to."""

    def __init__(self, exc: Exception) -> None:
        self.exc = exc

    def __getattr__(self, name: str) -> Any:
        def fail(*args: Any, **kwargs: Any) -> Any:
            raise self.exc

        return fail


def test_a_locked_store_is_503(make_app: Any) -> None:
    app = make_app()
    app.state.cairn.store = _Failing(StoreLockedError("store /srv/secret/cairn.db is locked"))
    response = ApiClient(app).get("/api/v1/projects")
    message = assert_error(response, 503, "store_busy")
    assert "busy" in message
    assert "/srv/secret" not in message
    assert response.headers["retry-after"] == "1"


def test_a_bug_is_a_500_in_the_error_shape(make_app: Any,
                                           caplog: pytest.LogCaptureFixture) -> None:
    app = make_app()
    app.state.cairn.store = _Failing(StoreError("store /srv/secret/cairn.db: oops"))
    response = ApiClient(app, raise_app_exceptions=False).get("/api/v1/projects")
    message = assert_error(response, 500, "internal")
    assert "/srv/secret" not in message
    assert "oops" not in message
    assert "StoreError" not in message
    assert "internal error" in caplog.text
    assert "/srv/secret" in caplog.text  # the server's log keeps what the client is not told


@pytest.mark.parametrize("op", ["$or", "$in", "$nin", "$and"])
def test_long_filter_lists_work(api: ApiClient, log_run: LogRun, op: str) -> None:
    run = log_run()
    ids = [f"r{i}" for i in range(1000)] + [run.id]  # what fits in a URL
    spec = ({op: [{"id": i} for i in ids]} if op.startswith("$o") or op == "$and"
            else {"id": {op: ids}})
    response = api.get(f"/api/v1/projects/{run.entity}/proj/runs",
                       params={"filters": json.dumps(spec)})
    assert response.status_code == 200, response.text[:300]
    found = [r["id"] for r in response.json()["runs"]]
    assert found == ([] if op in ("$nin", "$and") else [run.id])


def _nested(levels: int) -> dict[str, Any]:
    spec: dict[str, Any] = {"name": "x"}
    for level in range(levels):
        spec = {"$and" if level % 2 else "$or": [spec, {"name": str(level)}]}
    return spec


@pytest.mark.parametrize("spec", [
    _nested(40),
    {"name": {"$regex": "a" * 5000}},
])
def test_abusive_filters_are_a_bad_filter_without_paths(api: ApiClient, log_run: LogRun,
                                                        cairn_root: Path,
                                                        spec: dict[str, Any]) -> None:
    run = log_run()
    response = api.get(f"/api/v1/projects/{run.entity}/proj/runs",
                       params={"filters": json.dumps(spec)})
    message = assert_error(response, 400, "bad_filter")
    assert "deeper than" in message or "longer than" in message
    assert str(cairn_root) not in response.text


@pytest.mark.parametrize("prefix", ["/", "/assets/", "/e/p/runs/", "/assets/a/"])
def test_long_file_names_are_no_500(make_app: Any, prefix: str) -> None:
    api = ApiClient(make_app(), raise_app_exceptions=False)
    for name in ("a" * 5000, "b/" * 3000, "c" * 300 + "/" + "d" * 300):
        response = api.get(prefix + name)
        assert response.status_code in (200, 404), response.text[:300]
        assert str(default_ui_dir().parent.parent) not in response.text
        if response.status_code == 404:
            assert_error(response, 404, "not_found")


def test_messages_name_no_store_folder(api: ApiClient, log_run: LogRun,
                                       cairn_root: Path) -> None:
    run = log_run()
    for path in (f"/api/v1/runs/{run.entity}/proj/nope", f"/api/v1/projects/{run.entity}/no/runs"):
        response = api.get(path)
        assert_error(response, 404, "not_found")
        assert str(cairn_root) not in response.text
