"""What only the S3 blob store has: its key layout, errors that say what to check, age
refreshes for gc, and multipart uploads that never outlive a failed write."""

from __future__ import annotations

import hashlib
import io
import os
import time
import uuid
from pathlib import Path
from typing import Any

import pytest

from cairn.errors import StoreError
from cairn.store.blobs import BlobInfo
from cairn.store.gc import collect_garbage
from cairn.store.registry import open_blobs
from cairn.store.s3_blobs import MultipartUpload, S3BlobStore, make_client

BUCKET = "cairn-test"


@pytest.fixture
def store(s3_env: str) -> S3BlobStore:
    return S3BlobStore(BUCKET, f"unit/{uuid.uuid4().hex}", part_size=5 << 20)


@pytest.fixture
def s3(s3_env: str) -> Any:
    import boto3

    return boto3.client("s3")


def test_uris_name_bucket_and_prefix_and_open_without_the_network() -> None:
    opened = open_blobs("s3://my-bucket/team/blobs/")
    assert isinstance(opened, S3BlobStore)
    assert (opened.bucket, opened.prefix) == ("my-bucket", "team/blobs/")
    assert S3BlobStore.from_uri("s3://b").prefix == ""
    for bad in ("s3://", "s3:///prefix"):
        with pytest.raises(StoreError, match="bucket"):
            open_blobs(bad)


def test_keys_follow_the_local_layout(store: S3BlobStore, s3: Any) -> None:
    digest = store.put_bytes(b"laid out").digest
    listed = s3.list_objects_v2(Bucket=BUCKET, Prefix=store.prefix)["Contents"]
    assert [o["Key"] for o in listed] == [f"{store.prefix}sha256/{digest[:2]}/{digest}"]
    # Other objects under the prefix are not blobs.
    s3.put_object(Bucket=BUCKET, Key=f"{store.prefix}sha256/zz/notes.txt", Body=b"x")
    s3.put_object(Bucket=BUCKET, Key=f"{store.prefix}README", Body=b"x")
    assert list(store.digests()) == [digest]


def test_a_missing_bucket_says_which_and_where(s3_env: str) -> None:
    store = open_blobs("s3://no-such-bucket-here/x")
    with pytest.raises(StoreError, match="no-such-bucket-here") as caught:
        store.has(hashlib.sha256(b"").hexdigest())
    assert s3_env in str(caught.value)
    assert "does not exist" in str(caught.value)


def test_an_unreachable_endpoint_says_so(s3_env: str,
                                         monkeypatch: pytest.MonkeyPatch) -> None:
    import socket

    with socket.socket() as s:  # a port nothing listens on
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    monkeypatch.setenv("AWS_ENDPOINT_URL", f"http://127.0.0.1:{port}")
    store = S3BlobStore(BUCKET, "x", client=make_client(attempts=1))
    with pytest.raises(StoreError, match="cannot reach the endpoint: check AWS_ENDPOINT_URL"):
        store.put_bytes(b"data")


def test_wrong_credentials_are_denied_with_what_to_check(
        s3_env: str, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "not-the-secret")
    store = open_blobs(f"s3://{BUCKET}/x")
    with pytest.raises(StoreError, match="access denied: check AWS_ACCESS_KEY_ID"):
        store.put_bytes(b"data")


def test_missing_credentials_say_what_to_set(s3_env: str, tmp_path: Path,
                                             monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_PROFILE"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", str(tmp_path / "none"))
    monkeypatch.setenv("AWS_CONFIG_FILE", str(tmp_path / "none"))
    monkeypatch.setenv("AWS_EC2_METADATA_DISABLED", "true")
    store = open_blobs(f"s3://{BUCKET}/x")
    with pytest.raises(StoreError, match="no AWS credentials found"):
        store.put_bytes(b"data")


def test_a_dedup_hit_on_an_old_object_renews_its_age(store: S3BlobStore, s3: Any) -> None:
    digest = store.put_bytes(b"used again").digest

    def written() -> Any:
        return s3.head_object(Bucket=BUCKET, Key=store._key(digest))["LastModified"]

    first = written()
    time.sleep(1.1)  # LastModified has whole seconds
    store.put_bytes(b"used again")
    assert written() == first  # young: left alone (no copy)
    store.refresh_after = 0.0
    store.put_file(__file__, digest=digest)
    assert written() > first
    with store.open(digest) as f:
        assert f.read() == b"used again"


def test_gc_keeps_blobs_younger_than_the_refresh_interval(store: S3BlobStore) -> None:
    store.put_bytes(b"unreferenced but young")
    assert collect_garbage(store, set(), min_age=0).blobs == []


def test_gc_aborts_uploads_of_writers_that_died(store: S3BlobStore, s3: Any) -> None:
    key = f"{store.prefix}sha256/00/{'0' * 64}"
    s3.create_multipart_upload(Bucket=BUCKET, Key=key)
    assert collect_garbage(store, set(), min_age=3600).uploads == []  # may be running
    report = collect_garbage(store, set(), min_age=0, dry_run=True)
    assert report.uploads == [key]
    assert collect_garbage(store, set(), min_age=0).uploads == [key]
    assert store.stale_uploads(float("inf"), dry_run=True) == []


class _FailsAfter(io.RawIOBase):
    def __init__(self, good: int) -> None:
        self.left = good

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: Any) -> int:
        if self.left <= 0:
            raise OSError("read failed")
        n = min(len(buffer), self.left)
        buffer[:n] = os.urandom(n)
        self.left -= n
        return n


def test_an_upload_cut_short_is_aborted(store: S3BlobStore) -> None:
    digest = hashlib.sha256(b"whatever").hexdigest()
    upload = MultipartUpload(store, store._key(digest), BlobInfo(digest, 30 << 20))
    with pytest.raises(OSError, match="read failed"):
        upload.run(io.BufferedReader(_FailsAfter(12 << 20)))  # type: ignore[arg-type]
    assert not store.has(digest)
    assert store.stale_uploads(float("inf"), dry_run=True) == []


def test_parts_grow_so_that_huge_blobs_fit_in_10000_parts(store: S3BlobStore) -> None:
    huge = BlobInfo("0" * 64, 200 << 30)
    assert MultipartUpload(store, "k", huge).part_size * 10_000 >= huge.size
    assert MultipartUpload(store, "k", BlobInfo("0" * 64, 1 << 30)).part_size == 5 << 20


def test_ages_are_read_on_the_servers_clock() -> None:
    from datetime import UTC, datetime

    from cairn.store.s3_blobs import object_age

    written = datetime(2026, 1, 1, 12, 0, 0, tzinfo=UTC)
    head = {"LastModified": written,
            "ResponseMetadata": {"HTTPHeaders": {"date": "Thu, 01 Jan 2026 12:10:00 GMT"}}}
    assert object_age(head) == 600.0  # whatever this machine's clock says
    assert object_age({"LastModified": datetime.now(UTC)}) < 5  # no Date: ours


def test_boto3_is_imported_only_when_an_s3_store_is_used() -> None:
    import json
    import subprocess
    import sys

    code = ("import sys, json; import cairn.store.gc; from cairn.store.registry import "
            "open_blobs; open_blobs('s3://bucket/prefix'); "
            "print(json.dumps('boto3' in sys.modules or 'botocore' in sys.modules))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         check=True).stdout
    assert json.loads(out) is False
