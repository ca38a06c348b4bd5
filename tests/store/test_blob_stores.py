"""One suite for every blob store, each opened by its URI: a local folder (``file://``) and
S3 (``s3://``, against SeaweedFS on 127.0.0.1)."""

from __future__ import annotations

import hashlib
import io
import os
import threading
import time
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from cairn.errors import NotFoundError, StoreError
from cairn.store.blob_cache import BlobCache
from cairn.store.blobs import BlobStore, LocalBlobStore, copy_missing
from cairn.store.gc import collect_garbage
from cairn.store.registry import open_blobs

BIG = 3 * (5 << 20) + 12_345  # several S3 parts of the smallest size S3 allows


def _sha(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def _small_parts(blobs: BlobStore) -> BlobStore:
    """Multipart uploads from 5 MiB on, so tests exercise them with little data."""
    if hasattr(blobs, "part_size"):
        blobs.part_size = 5 << 20
    return blobs


@pytest.fixture(params=["file", "s3"])
def blobs(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[BlobStore]:
    if request.param == "file":
        yield open_blobs(f"file://{tmp_path / 'blobs'}")
        return
    request.getfixturevalue("s3_env")
    # Each test its own prefix: one server serves the whole session.
    yield _small_parts(open_blobs(f"s3://cairn-test/suite/{uuid.uuid4().hex}"))


def test_put_bytes_is_content_addressed_and_idempotent(blobs: BlobStore) -> None:
    info = blobs.put_bytes(b"hello")
    assert (info.digest, info.size) == (_sha(b"hello"), 5)
    assert blobs.put_bytes(b"hello") == info
    assert blobs.has(info.digest)
    assert not blobs.has(_sha(b"other"))
    with blobs.open(info.digest) as f:
        assert f.read() == b"hello"
    assert list(blobs.digests()) == [info.digest]
    assert blobs.size(info.digest) == 5
    assert blobs.stat(info.digest).size == 5


def test_empty_and_large_content(blobs: BlobStore, tmp_path: Path) -> None:
    assert blobs.put_bytes(b"").size == 0
    with blobs.open(_sha(b"")) as f:
        assert f.read() == b""
    data = os.urandom(BIG)
    source = tmp_path / "big.bin"
    source.write_bytes(data)
    for put in (lambda: blobs.put_file(source), lambda: blobs.put_stream(io.BytesIO(data)),
                lambda: blobs.put_bytes(data)):
        info = put()
        assert (info.digest, info.size) == (_sha(data), BIG)
        with blobs.open(info.digest) as f:
            assert hashlib.sha256(f.read()).hexdigest() == info.digest
    assert sorted(blobs.digests()) == sorted([_sha(b""), _sha(data)])


def test_put_file_with_a_known_digest(blobs: BlobStore, tmp_path: Path) -> None:
    source = tmp_path / "f.bin"
    source.write_bytes(b"content")
    info = blobs.put_file(source)
    # Present: nothing is read (the file may even be gone).
    assert blobs.put_file(tmp_path / "gone", digest=info.digest) == info
    source.write_bytes(b"changed")
    with pytest.raises(StoreError, match="no longer has content"):
        blobs.put_file(source, digest=_sha(b"something else"))
    assert blobs.has(_sha(b"changed"))  # what was read is kept under its real digest
    assert not blobs.has(_sha(b"something else"))
    with pytest.raises(NotFoundError):
        blobs.put_file(tmp_path / "missing")


def test_a_large_file_that_changed_is_never_stored_under_the_old_digest(
        blobs: BlobStore, tmp_path: Path) -> None:
    source = tmp_path / "big.bin"
    source.write_bytes(os.urandom(BIG))
    claimed = _sha(b"what it held when it was hashed")
    with pytest.raises(StoreError):
        blobs.put_file(source, digest=claimed)
    assert not blobs.has(claimed)
    _assert_no_writes_in_progress(blobs)


def _assert_no_writes_in_progress(blobs: BlobStore) -> None:
    if isinstance(blobs, LocalBlobStore):
        assert blobs.temp_files() == []
    else:
        assert blobs.stale_uploads(cutoff=float("inf"), dry_run=True) == []  # type: ignore[attr-defined]


class _Broken(io.RawIOBase):
    """A stream that fails after ``good`` bytes."""

    def __init__(self, good: int) -> None:
        self.left = good

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: Any) -> int:
        if self.left <= 0:
            raise OSError("disk went away")
        n = min(len(buffer), self.left, 1 << 20)
        buffer[:n] = b"x" * n
        self.left -= n
        return n


def test_a_failed_write_leaves_no_blob_and_nothing_half_done(blobs: BlobStore) -> None:
    with pytest.raises(OSError, match="disk went away"):
        blobs.put_stream(io.BufferedReader(_Broken(BIG)))  # type: ignore[arg-type]
    assert list(blobs.digests()) == []
    _assert_no_writes_in_progress(blobs)


def test_missing_blobs_are_not_found(blobs: BlobStore) -> None:
    gone = _sha(b"never stored")
    for call in (blobs.open, blobs.size, blobs.stat):
        with pytest.raises(NotFoundError):
            call(gone)
    assert not blobs.delete(gone)
    info = blobs.put_bytes(b"abc")
    assert blobs.delete(info.digest)
    assert not blobs.has(info.digest)
    assert list(blobs.digests()) == []


@pytest.mark.parametrize("bad", ["../../etc/passwd", "ab", "A" * 64, "g" * 64, "",
                                 "0" * 63 + "/", "../" + "0" * 61])
def test_digests_that_are_not_sha256_never_reach_a_path_or_key(blobs: BlobStore,
                                                                bad: str) -> None:
    for call in (blobs.has, blobs.open, blobs.size, blobs.stat, blobs.delete,
                 blobs.local_path):
        with pytest.raises(ValueError, match="not a sha256 digest"):
            call(bad)
    with pytest.raises(ValueError, match="not a sha256 digest"):
        blobs.put_file(__file__, digest=bad)


def test_reads_seek_and_read_ranges(blobs: BlobStore) -> None:
    data = bytes(range(256)) * 40_000  # 10 MB: more than one read chunk
    digest = blobs.put_bytes(data).digest
    with blobs.open(digest) as f:
        assert f.read(10) == data[:10]
        f.seek(5_000_000)
        assert f.read(100) == data[5_000_000:5_000_100]
        assert f.tell() == 5_000_100
        f.seek(-7, io.SEEK_END)
        assert f.read() == data[-7:]
        assert f.read() == b""
        f.seek(3)
        assert f.read(2) == data[3:5]


def test_two_writers_of_the_same_content_at_once(blobs: BlobStore) -> None:
    data = os.urandom(BIG)
    errors: list[BaseException] = []

    def write() -> None:
        try:
            for _ in range(2):
                blobs.put_stream(io.BytesIO(data))
        except BaseException as exc:
            errors.append(exc)

    threads = [threading.Thread(target=write) for _ in range(3)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    assert list(blobs.digests()) == [_sha(data)]
    with blobs.open(_sha(data)) as f:
        assert f.read() == data
    _assert_no_writes_in_progress(blobs)


def test_copy_missing_into_the_store(blobs: BlobStore, tmp_path: Path) -> None:
    source = LocalBlobStore(tmp_path / "run-blobs")
    a = source.put_bytes(b"a").digest
    b = blobs.put_bytes(b"b").digest
    gone = _sha(b"gone")
    assert copy_missing([a, b, gone, "nonsense"], source, blobs) == [gone, "nonsense"]
    with blobs.open(a) as f:
        assert f.read() == b"a"


def test_gc_deletes_only_unreferenced_blobs(blobs: BlobStore) -> None:
    if hasattr(blobs, "refresh_after"):
        blobs.refresh_after = 0.0
    keep = blobs.put_bytes(b"keep").digest
    drop = blobs.put_bytes(b"drop").digest
    report = collect_garbage(blobs, {keep}, min_age=3600)
    assert report.blobs == []  # young: a record naming it may be on its way
    time.sleep(1.1)  # S3 dates have whole seconds
    report = collect_garbage(blobs, {keep}, min_age=0, dry_run=True)
    assert report.blobs == [drop]
    assert blobs.has(drop)
    report = collect_garbage(blobs, {keep}, min_age=0)
    assert (report.blobs, report.blob_bytes) == ([drop], 4)
    assert list(blobs.digests()) == [keep]


def test_the_download_cache_fetches_once_and_checks_content(blobs: BlobStore,
                                                            tmp_path: Path) -> None:
    cache = BlobCache(tmp_path / "cache")
    digest = blobs.put_bytes(b"remote content").digest
    path = cache.path(blobs, digest)
    assert path.read_bytes() == b"remote content"
    if isinstance(blobs, LocalBlobStore):
        assert path == blobs.local_path(digest)  # a local store's own file: no copy
        return
    assert path.parent.parent.parent == tmp_path / "cache"
    blobs.delete(digest)
    assert cache.path(blobs, digest) == path  # the second time from the cache
    assert cache.store.temp_files() == []
