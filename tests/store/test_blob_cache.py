"""The download cache: capped, least recently used out first, content checked."""

from __future__ import annotations

import hashlib
import os
from pathlib import Path
from typing import BinaryIO

import pytest

from cairn.errors import StoreError
from cairn.store.blob_cache import BlobCache
from cairn.store.blobs import LocalBlobStore


class Remote(LocalBlobStore):
    """A store whose blobs are not on this disk (as S3's are not)."""

    def local_path(self, digest: str) -> Path | None:
        return None


def _age(path: Path, seconds_ago: float) -> None:
    import time

    then = time.time() - seconds_ago
    os.utime(path, (then, then))


def test_the_least_recently_used_go_when_the_cap_is_passed(tmp_path: Path) -> None:
    remote = Remote(tmp_path / "remote")
    digests = [remote.put_bytes(bytes([i]) * 1000).digest for i in range(4)]
    cache = BlobCache(tmp_path / "cache", max_bytes=2500)
    paths = [cache.path(remote, d) for d in digests]
    for age, path in zip([400, 100, 300, 200], paths, strict=True):
        _age(path, age)
    assert cache.prune() == 2000
    assert sorted(cache.store.digests()) == sorted([digests[1], digests[3]])
    assert cache.path(remote, digests[0]).read_bytes() == bytes([0]) * 1000  # fetched again


def test_blobs_in_use_are_never_evicted(tmp_path: Path) -> None:
    remote = Remote(tmp_path / "remote")
    digests = [remote.put_bytes(bytes([i]) * 1000).digest for i in range(3)]
    cache = BlobCache(tmp_path / "cache", max_bytes=100)
    for digest in digests:
        cache.path(remote, digest)
    assert cache.prune() == 0  # all used this minute: a copy may be about to start
    assert len(list(cache.store.digests())) == 3


def test_content_that_does_not_match_its_digest_is_refused(tmp_path: Path) -> None:
    class Damaged(Remote):
        def open(self, digest: str) -> BinaryIO:
            path = tmp_path / "damaged"
            path.write_bytes(b"not what the digest says")
            return open(path, "rb")

    remote = Damaged(tmp_path / "remote")
    digest = hashlib.sha256(b"real").hexdigest()
    cache = BlobCache(tmp_path / "cache")
    with pytest.raises(StoreError, match="other content"):
        cache.path(remote, digest)
    assert list(cache.store.digests()) == []
    assert cache.store.temp_files() == []
