"""The local blob store: content addressing, atomic writes, copying between stores."""

from __future__ import annotations

import hashlib
import io
import threading
from pathlib import Path
from typing import BinaryIO, cast

import pytest

from cairn.errors import NotFoundError, StoreError
from cairn.store.blobs import (
    LocalBlobStore,
    check_digest,
    copy_blob_to,
    copy_missing,
    hash_file,
    record_blobs,
)


def _sha(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def test_put_bytes_is_content_addressed_and_idempotent(tmp_path: Path) -> None:
    blobs = LocalBlobStore(tmp_path / "blobs")
    info = blobs.put_bytes(b"hello")
    assert (info.digest, info.size) == (_sha(b"hello"), 5)
    assert blobs.put_bytes(b"hello") == info
    assert blobs.has(info.digest)
    with blobs.open(info.digest) as f:
        assert f.read() == b"hello"
    path = blobs.local_path(info.digest)
    assert path == tmp_path / "blobs" / "sha256" / info.digest[:2] / info.digest
    assert list(blobs.digests()) == [info.digest]
    assert blobs.temp_files() == []
    assert blobs.size(info.digest) == 5


def test_put_file_streams_and_checks_a_known_digest(tmp_path: Path) -> None:
    blobs = LocalBlobStore(tmp_path / "blobs")
    source = tmp_path / "big.bin"
    data = bytes(range(256)) * 10_000  # more than one read chunk
    source.write_bytes(data)
    info = blobs.put_file(source)
    assert info == hash_file(source)
    assert info.digest == _sha(data)
    assert blobs.put_file(source, digest=info.digest) == info  # present: nothing read
    source.write_bytes(b"changed")
    with pytest.raises(StoreError, match="no longer has content"):
        blobs.put_file(source, digest=_sha(b"something else"))
    assert blobs.has(_sha(b"changed"))  # what was read is kept under its real digest
    with pytest.raises(NotFoundError):
        blobs.put_file(tmp_path / "missing")


def test_a_failed_write_leaves_no_blob_and_no_temp_file(tmp_path: Path) -> None:
    blobs = LocalBlobStore(tmp_path / "blobs")

    class Broken(io.RawIOBase):
        def __init__(self) -> None:
            self.calls = 0

        def readable(self) -> bool:
            return True

        def read(self, n: int = -1) -> bytes:
            self.calls += 1
            if self.calls > 2:
                raise OSError("disk went away")
            return b"x" * 1000

    with pytest.raises(OSError, match="disk went away"):
        blobs.put_stream(cast(BinaryIO, Broken()))
    assert list(blobs.digests()) == []
    assert blobs.temp_files() == []


def test_blobs_are_read_only_and_open_missing_is_not_found(tmp_path: Path) -> None:
    blobs = LocalBlobStore(tmp_path)
    info = blobs.put_bytes(b"abc")
    path = blobs.local_path(info.digest)
    assert path is not None
    assert path.stat().st_mode & 0o222 == 0
    assert blobs.delete(info.digest)
    assert not blobs.delete(info.digest)
    with pytest.raises(NotFoundError):
        blobs.open(info.digest)
    with pytest.raises(NotFoundError):
        blobs.size(info.digest)


@pytest.mark.parametrize("bad", ["../../etc/passwd", "ab", "A" * 64, "g" * 64, "",
                                 "0" * 63 + "/"])
def test_digests_that_are_not_sha256_never_reach_a_path(tmp_path: Path, bad: str) -> None:
    blobs = LocalBlobStore(tmp_path)
    with pytest.raises(ValueError, match="not a sha256 digest"):
        check_digest(bad)
    with pytest.raises(ValueError, match="not a sha256 digest"):
        blobs.has(bad)


def test_two_writers_of_the_same_content_at_once(tmp_path: Path) -> None:
    blobs = LocalBlobStore(tmp_path)
    data = b"same" * 100_000
    errors: list[BaseException] = []

    def write() -> None:
        try:
            for _ in range(20):
                blobs.put_bytes(data)
        except BaseException as exc:
            errors.append(exc)

    threads = [threading.Thread(target=write) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    assert list(blobs.digests()) == [_sha(data)]
    assert blobs.temp_files() == []


def test_copy_missing_links_copies_and_reports_what_is_gone(tmp_path: Path) -> None:
    source = LocalBlobStore(tmp_path / "run" / "blobs")
    target = LocalBlobStore(tmp_path / "store" / "blobs")
    a = source.put_bytes(b"a").digest
    b = target.put_bytes(b"b").digest
    gone = _sha(b"never stored")
    assert copy_missing([a, b, gone, "nonsense"], source, target) == [gone, "nonsense"]
    assert target.has(a)
    with target.open(a) as f:
        assert f.read() == b"a"


def test_copy_missing_notices_a_damaged_source(tmp_path: Path) -> None:
    source = LocalBlobStore(tmp_path / "src")
    target = LocalBlobStore(tmp_path / "dst")

    class Damaged(LocalBlobStore):
        def local_path(self, digest: str) -> Path | None:
            path = tmp_path / "damaged"
            path.write_bytes(b"not what the digest says")
            return path

        def open(self, digest: str) -> BinaryIO:
            return open(tmp_path / "damaged", "rb")

    wanted = source.put_bytes(b"the real content").digest

    class NoLinks(LocalBlobStore):
        def link_from(self, source: Path, digest: str) -> bool:
            return False

    nolink = NoLinks(target.root)
    assert copy_missing([wanted], Damaged(source.root), nolink) == [wanted]
    assert not nolink.has(wanted)


def test_record_blobs_lists_each_digest_once() -> None:
    assert record_blobs([{"blobs": ["a", "b"]}, {}, {"blobs": ["b", "c", 3]},
                         {"blobs": "x"}]) == ["a", "b", "c"]


def test_copy_blob_to_writes_atomically(tmp_path: Path) -> None:
    blobs = LocalBlobStore(tmp_path / "blobs")
    digest = blobs.put_bytes(b"content").digest
    dest = copy_blob_to(blobs, digest, tmp_path / "out" / "deep" / "f.txt")
    assert dest.read_bytes() == b"content"
    assert sorted(p.name for p in dest.parent.iterdir()) == ["f.txt"]


def _age(path: Path) -> None:
    import os

    old = 1_000_000_000.0  # 2001: far older than any grace period
    os.utime(path, (old, old))


@pytest.mark.parametrize("how", ["put_bytes", "put_file_known_digest", "put_stream",
                                 "link_from"])
def test_storing_known_content_again_refreshes_the_blobs_age(tmp_path: Path, how: str) -> None:
    """`cairn gc` keeps unreferenced blobs younger than a grace period because a record
    naming them may still be on its way; a dedup hit is such a new use of an old blob."""
    blobs = LocalBlobStore(tmp_path / "blobs")
    info = blobs.put_bytes(b"content")
    path = blobs.local_path(info.digest)
    assert path is not None
    _age(path)
    source = tmp_path / "content.bin"
    source.write_bytes(b"content")
    if how == "put_bytes":
        blobs.put_bytes(b"content")
    elif how == "put_file_known_digest":
        blobs.put_file(source, info.digest)
    elif how == "put_stream":
        blobs.put_stream(io.BytesIO(b"content"))
    else:
        other = LocalBlobStore(tmp_path / "other")
        other.put_bytes(b"content")
        other_path = other.local_path(info.digest)
        assert other_path is not None
        _age(other_path)
        assert blobs.link_from(other_path, info.digest)
    assert path.stat().st_mtime > 1_000_000_000.0 + 86400


def test_a_linked_blob_is_young_in_its_new_store(tmp_path: Path) -> None:
    source_store = LocalBlobStore(tmp_path / "run-blobs")
    info = source_store.put_bytes(b"linked")
    source = source_store.local_path(info.digest)
    assert source is not None
    _age(source)
    target = LocalBlobStore(tmp_path / "store-blobs")
    assert target.link_from(source, info.digest)
    linked = target.local_path(info.digest)
    assert linked is not None
    assert linked.stat().st_mtime > 1_000_000_000.0 + 86400


def test_only_new_content_is_synced_to_disk(tmp_path: Path,
                                            monkeypatch: pytest.MonkeyPatch) -> None:
    import os

    synced: list[int] = []
    real_fsync = os.fsync

    def counting_fsync(fd: int) -> None:
        synced.append(fd)
        real_fsync(fd)

    monkeypatch.setattr(os, "fsync", counting_fsync)
    blobs = LocalBlobStore(tmp_path / "blobs")
    source = tmp_path / "requirements.txt"
    source.write_text("numpy==2.0\n")
    first = blobs.put_file(source)
    assert len(synced) == 1
    assert blobs.put_file(source) == first  # the same file saved by the next run
    assert len(synced) == 1
    assert blobs.temp_files() == []
