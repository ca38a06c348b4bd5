"""The protections every app gets against pages in the user's browser (``guard.py``):
the host allow-list (DNS rebinding), the cross-site rules for mutating requests (CSRF),
and the headers on every response."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from tests.server.conftest import ApiClient, LogRun, assert_error

from cairn.server.guard import APP_CSP, HostAllowList


@pytest.mark.parametrize("host", ["127.0.0.1:8080", "localhost", "LOCALHOST:1", "[::1]:80",
                                  "127.1.2.3", "app.localhost:9"])
def test_loopback_hosts_are_answered(api: ApiClient, host: str) -> None:
    assert api.get("/api/v1/projects", headers={"Host": host}).status_code == 200


@pytest.mark.parametrize("host", ["evil.example", "evil.example:8080", "127.0.0.1.evil.example",
                                  "10.0.0.1", "", "[::1", "localhost:notaport"])
def test_other_hosts_are_refused_before_routing(api: ApiClient, host: str) -> None:
    for path in ("/api/v1/projects", "/", "/assets/x.js", "/api/v1/nothing"):
        message = assert_error(api.get(path, headers={"Host": host}), 400, "bad_host")
        assert "--allowed-host" in message
    assert_error(api.patch("/api/v1/runs/e/p/r", json={"name": "x"}, headers={"Host": host}),
                 400, "bad_host")


def test_allowed_hosts_add_names(make_app: Callable[..., Any]) -> None:
    api = ApiClient(make_app(allowed_hosts=("cairn.lan", "192.168.1.5")))
    for host in ("cairn.lan:8080", "CAIRN.LAN", "192.168.1.5", "localhost"):
        assert api.get("/api/v1/projects", headers={"Host": host}).status_code == 200
    assert api.get("/api/v1/projects", headers={"Host": "other.lan"}).status_code == 400
    assert HostAllowList(["*"]).allows("anything.example")
    assert not HostAllowList().allows(None)


@pytest.mark.parametrize("headers", [
    {"Content-Type": "text/plain"},
    {"Content-Type": "application/x-www-form-urlencoded"},
    {"Content-Type": "multipart/form-data; boundary=x"},
    {"Content-Type": "application/json", "Origin": "http://evil.example"},
    {"Content-Type": "application/json", "Origin": "null"},
    {"Content-Type": "application/json", "Origin": "http://127.0.0.1:9999"},
    {"Content-Type": "application/json", "Sec-Fetch-Site": "cross-site"},
    {"Content-Type": "application/json", "Sec-Fetch-Site": "same-site"},
    {"Content-Type": "application/json", "Origin": "http://127.0.0.1:8080",
     "Sec-Fetch-Site": "cross-site"},
])
def test_cross_site_edits_are_refused(api: ApiClient, log_run: LogRun,
                                      headers: dict[str, str]) -> None:
    run = log_run(name="before")
    for method in ("PATCH", "POST"):
        response = api.request(method, run.api_path, content=b'{"name": "pwned"}',
                               headers=headers)
        assert_error(response, 403, "forbidden")
    assert_error(api.request("DELETE", "/api/v1/artifacts/e/p/a/v0", headers=headers),
                 403, "forbidden")
    assert api.get(run.api_path).json()["name"] == "before"


def test_same_origin_and_plain_clients_may_edit(api: ApiClient, log_run: LogRun) -> None:
    run = log_run(name="before")
    browser = {"Origin": "http://127.0.0.1:8080", "Sec-Fetch-Site": "same-origin"}
    assert api.patch(run.api_path, json={"name": "a"}, headers=browser).json()["name"] == "a"
    charset = {"Content-Type": "application/json; charset=utf-8"}
    response = api.patch(run.api_path, content=b'{"name": "b"}', headers=charset)
    assert response.json()["name"] == "b"
    # a DELETE with no body has nothing to be a form: it reaches its route
    assert_error(api.request("DELETE", "/api/v1/runs/e/p/r"), 405, "method_not_allowed")


def test_headers_on_every_response(api: ApiClient, tmp_path: Path,
                                   make_app: Callable[..., Any]) -> None:
    (tmp_path / "assets").mkdir()
    (tmp_path / "index.html").write_text("<!doctype html><title>t</title>")
    (tmp_path / "assets" / "app.js").write_text("1")
    web = ApiClient(make_app(ui_dir=tmp_path))
    for client, path in ((api, "/api/v1/projects"), (api, "/api/v1/nothing"),
                         (web, "/"), (web, "/e/p"), (web, "/assets/app.js"),
                         (api, "/api/v1/openapi.json")):
        response = client.get(path)
        assert response.headers["x-content-type-options"] == "nosniff", path
        assert response.headers["referrer-policy"] == "no-referrer", path
        csp = response.headers["content-security-policy"]
        assert "frame-ancestors 'none'" in csp, path
        assert "unsafe-eval" not in csp
    assert web.get("/").headers["content-security-policy"] == APP_CSP
    assert "sandbox" in api.get("/api/v1/projects").headers["content-security-policy"]


def test_app_policy_has_no_inline_script() -> None:
    directives = dict(d.split(" ", 1) for d in APP_CSP.split("; "))
    assert directives["script-src"] == "'self'"
    assert directives["object-src"] == "'none'"
    assert directives["frame-ancestors"] == "'none'"


def test_logged_html_keeps_its_own_sandbox(make_app: Callable[..., Any]) -> None:
    app = make_app()
    digest = app.state.cairn.blobs.put_bytes(b"<script>top.x=1</script>").digest
    api = ApiClient(app)
    for query, scripts in (("", False), ("?scripts=1", True)):
        response = api.get(f"/api/v1/blobs/{digest}/html{query}")
        assert response.status_code == 200
        assert response.headers["content-type"].startswith("text/html")
        csp = response.headers["content-security-policy"]
        assert csp.startswith("sandbox" + (" allow-scripts;" if scripts else ";"))
        assert "allow-same-origin" not in csp
        assert "default-src 'none'" in csp
        assert ("script-src 'unsafe-inline'" in csp) is scripts
        assert "frame-ancestors 'self'" in csp
        assert response.headers["x-content-type-options"] == "nosniff"
    # any other blob stays inert, whatever type it is asked for
    plain = api.get(f"/api/v1/blobs/{digest}?type=text/html")
    assert plain.headers["content-type"] == "application/octet-stream"
    assert plain.headers["content-security-policy"].endswith("sandbox")
