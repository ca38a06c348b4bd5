"""Files, media and artifact entries whose blobs are on S3 (SeaweedFS on loopback): served
by the UI server streamed from the blob store, with byte ranges for seeking."""

from __future__ import annotations

import hashlib
import uuid
from pathlib import Path

import pytest
from tests.server.conftest import ApiClient, assert_error

import cairn
from cairn.server.app import create_app
from cairn.settings import load_settings
from cairn.sinks.handoffs import wait_for_handoffs
from cairn.store.s3_blobs import S3BlobStore
from cairn.store.sqlite import SqliteStore

pytestmark = pytest.mark.usefixtures("s3_env")
S3_BUCKET = "cairn-test"  # made by the s3_endpoint fixture


@pytest.fixture
def blobs_uri(monkeypatch: pytest.MonkeyPatch) -> str:
    uri = f"s3://{S3_BUCKET}/ui/{uuid.uuid4().hex}"
    monkeypatch.setenv("CAIRN_BLOBS", uri)
    return uri


@pytest.fixture
def s3_api(store: SqliteStore, blobs_uri: str) -> ApiClient:
    return ApiClient(create_app(load_settings(), store, S3BlobStore.from_uri(blobs_uri)))


def test_a_run_file_on_s3_is_streamed_with_ranges(s3_api: ApiClient, blobs_uri: str,
                                                  tmp_path: Path) -> None:
    data = bytes(range(256)) * 5000  # 1.28 MB: more than one streamed piece
    source = tmp_path / "clip.mp4"
    source.write_bytes(data)
    # applied in this process, which has the test's AWS environment (a shared applier
    # process started by an earlier test has not)
    run = cairn.init(project="proj", settings={"applier": "thread"})
    run._save_file(source, "media/clip.mp4")
    run.finish()
    wait_for_handoffs()  # its WAL closes once the environment snapshot is in
    digest = hashlib.sha256(data).hexdigest()
    assert S3BlobStore.from_uri(blobs_uri).has(digest)  # the blob is on S3, not local

    url = f"/api/v1/runs/{run.entity}/proj/{run.id}/files/media/clip.mp4"
    whole = s3_api.get(url)
    assert whole.status_code == 200
    assert whole.content == data
    assert whole.headers["content-type"] == "video/mp4"
    assert whole.headers["content-length"] == str(len(data))
    assert whole.headers["accept-ranges"] == "bytes"
    assert whole.headers["content-disposition"] == "inline; filename*=utf-8''clip.mp4"
    assert whole.headers["x-content-type-options"] == "nosniff"

    for header, first, last in [("bytes=1000-1999", 1000, 1999),
                                ("bytes=1279000-", 1279000, len(data) - 1),
                                ("bytes=-10", len(data) - 10, len(data) - 1),
                                ("bytes=5-99999999", 5, len(data) - 1)]:
        part = s3_api.get(url, headers={"Range": header})
        assert part.status_code == 206, header
        assert part.content == data[first:last + 1]
        assert part.headers["content-range"] == f"bytes {first}-{last}/{len(data)}"
    outside = s3_api.get(url, headers={"Range": f"bytes={len(data)}-"})
    assert outside.status_code == 416
    assert outside.headers["content-range"] == f"bytes */{len(data)}"
    several = s3_api.get(url, headers={"Range": "bytes=0-1,5-6"})  # answered in full
    assert (several.status_code, several.content) == (200, data)

    by_digest = s3_api.get(f"/api/v1/blobs/{digest}", params={"type": "video/mp4"})
    assert by_digest.content == data
    assert by_digest.headers["etag"] == f'"{digest}"'
    assert_error(s3_api.get("/api/v1/blobs/" + "0" * 64), 404, "not_found")
