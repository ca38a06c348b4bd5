"""The built web app: index.html for client-side routes, long-cached assets, and a page
that says how to build it when it is not built."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from tests.server.conftest import ApiClient, assert_error


@pytest.fixture
def dist(tmp_path: Path) -> Path:
    folder = tmp_path / "dist"
    (folder / "assets").mkdir(parents=True)
    (folder / "index.html").write_text("<!doctype html><div id=app></div>")
    (folder / "assets" / "index-abc123.js").write_text("console.log(1)")
    (folder / "favicon.svg").write_text("<svg/>")
    (tmp_path / "secret.txt").write_text("no")
    return folder


def test_client_routes_get_index_html(make_app: Any, dist: Path) -> None:
    web = ApiClient(make_app(ui_dir=dist))
    for path in ("/", "/me/proj", "/me/proj/runs/abc", "/deep/a/b/c?x=1"):
        response = web.get(path)
        assert response.status_code == 200
        assert response.text == "<!doctype html><div id=app></div>"
        assert response.headers["cache-control"] == "no-cache"
    assert web.get("/favicon.svg").text == "<svg/>"
    assert web.request("HEAD", "/me/proj").status_code == 200


def test_hashed_assets_are_cached_long(make_app: Any, dist: Path) -> None:
    web = ApiClient(make_app(ui_dir=dist))
    response = web.get("/assets/index-abc123.js")
    assert response.status_code == 200
    assert response.text == "console.log(1)"
    assert "immutable" in response.headers["cache-control"]
    assert "javascript" in response.headers["content-type"]
    assert_error(web.get("/assets/missing.js"), 404, "not_found")
    assert_error(web.get("/assets/%2e%2e/%2e%2e/secret.txt"), 404, "not_found")


def test_files_outside_the_build_are_never_served(make_app: Any, dist: Path) -> None:
    web = ApiClient(make_app(ui_dir=dist))
    for path in ("/../secret.txt", "/%2e%2e/secret.txt", "/assets/../../secret.txt",
                 "/assets", "/%00"):
        response = web.get(path)
        assert response.text != "no"
        assert response.status_code in (200, 404)


def test_api_paths_are_never_the_web_app(make_app: Any, dist: Path) -> None:
    web = ApiClient(make_app(ui_dir=dist))
    assert_error(web.get("/api/v1/nope"), 404, "not_found")
    assert web.get("/api/v1/projects").headers["content-type"] == "application/json"


def test_without_a_build(make_app: Any, tmp_path: Path) -> None:
    web = ApiClient(make_app(ui_dir=tmp_path / "missing"))
    for path in ("/", "/me/proj"):
        response = web.get(path)
        assert response.status_code == 200
        assert "text/html" in response.headers["content-type"]
        assert "make ui" in response.text
    assert_error(web.get("/assets/index.js"), 404, "not_found")
