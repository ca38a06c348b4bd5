"""Run files and blobs over HTTP: listing, downloads, types that cannot act on the page."""

from __future__ import annotations

import hashlib
from pathlib import Path

import pytest
from tests.server.conftest import ApiClient, assert_error

import cairn
from cairn.server.files import content_type


def _run_with_files(tmp_path: Path, files: dict[str, bytes]) -> cairn.Run:
    run = cairn.init(project="proj")
    for name, data in files.items():
        source = tmp_path / "src" / name
        source.parent.mkdir(parents=True, exist_ok=True)
        source.write_bytes(data)
        run._save_file(source, name)
    run.finish()
    return run


def test_list_and_download(api: ApiClient, tmp_path: Path) -> None:
    run = _run_with_files(tmp_path, {"output.log": b"line 1\nline 2\n",
                                     "sub/page.html": b"<script>alert(1)</script>"})
    base = f"/api/v1/runs/{run.entity}/proj/{run.id}/files"
    listed = api.get(base).json()["files"]
    assert [f["name"] for f in listed] == ["output.log", "sub/page.html"]
    assert listed[0]["size"] == 14
    assert listed[0]["digest"] == hashlib.sha256(b"line 1\nline 2\n").hexdigest()

    log = api.get(f"{base}/output.log")
    assert log.status_code == 200
    assert log.content == b"line 1\nline 2\n"
    assert log.headers["content-type"] == "text/plain; charset=utf-8"
    assert log.headers["content-disposition"].startswith("inline")
    assert log.headers["x-content-type-options"] == "nosniff"
    assert "sandbox" in log.headers["content-security-policy"]

    html = api.get(f"{base}/sub/page.html")
    assert html.headers["content-type"] == "application/octet-stream"
    assert html.headers["content-disposition"].startswith("attachment")

    forced = api.get(f"{base}/output.log", params={"download": "1"})
    assert forced.headers["content-disposition"].startswith("attachment")

    ranged = api.get(f"{base}/output.log", headers={"Range": "bytes=0-5"})
    assert ranged.status_code == 206
    assert ranged.content == b"line 1"


def test_missing_file_run_and_blob(api: ApiClient, tmp_path: Path) -> None:
    run = _run_with_files(tmp_path, {"a.txt": b"a"})
    base = f"/api/v1/runs/{run.entity}/proj/{run.id}/files"
    assert_error(api.get(f"{base}/b.txt"), 404, "not_found")
    assert_error(api.get(f"/api/v1/runs/{run.entity}/proj/nope/files"), 404,
                 "not_found")
    assert_error(api.get("/api/v1/blobs/" + "0" * 64), 404, "not_found")
    assert_error(api.get("/api/v1/blobs/..%2F..%2Fcairn.db"), 404, "not_found")
    assert_error(api.get("/api/v1/blobs/..cairn.db"), 400, "bad_request")


def test_blobs_by_digest(api: ApiClient, tmp_path: Path) -> None:
    png = b"\x89PNG\r\n\x1a\n fake"
    _run_with_files(tmp_path, {"x.png": png})
    digest = hashlib.sha256(png).hexdigest()
    plain = api.get(f"/api/v1/blobs/{digest}")
    assert plain.content == png
    assert plain.headers["content-type"] == "application/octet-stream"
    assert plain.headers["cache-control"] == "private, max-age=31536000, immutable"
    assert plain.headers["etag"] == f'"{digest}"'
    typed = api.get(f"/api/v1/blobs/{digest}", params={"type": "image/png"})
    assert typed.headers["content-type"] == "image/png"
    assert "content-disposition" not in typed.headers
    sneaky = api.get(f"/api/v1/blobs/{digest}", params={"type": "text/html"})
    assert sneaky.headers["content-type"] == "application/octet-stream"


@pytest.mark.parametrize(("name", "expected"), [
    ("output.log", "text/plain"), ("diff.patch", "text/plain"), ("a.py", "text/plain"),
    ("x.json", "application/json"), ("p.png", "image/png"), ("v.mp4", "video/mp4"),
    ("p.html", "application/octet-stream"), ("i.svg", "application/octet-stream"),
    ("noext", "application/octet-stream"), ("m.bin", "application/octet-stream"),
])
def test_content_types(name: str, expected: str) -> None:
    assert content_type(name) == expected
