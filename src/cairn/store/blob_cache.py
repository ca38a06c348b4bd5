"""The download cache: blobs of a store that is not on this disk (S3, a cairn server),
kept as files under ``<cairn folder>/cache/blobs`` so they can be copied, linked or served
from a path, and fetched once.

The cache is itself a :class:`LocalBlobStore`: a blob is written under a temporary name in
``cache/blobs/tmp`` and renamed into place once complete, so processes share it safely,
and its content is checked against the digest it was fetched for. Each use refreshes a
blob's mtime; when the cache grows past its cap the least recently used blobs go, except
those used within the last minute (another thread may be about to copy one).
"""

from __future__ import annotations

import contextlib
import os
import threading
import time
from pathlib import Path

from cairn.errors import StoreError
from cairn.store.blobs import BlobStore, LocalBlobStore

MAX_BYTES = 10 << 30
"""Default cap: 10 GiB (a few large checkpoints or datasets)."""
IN_USE = 60.0
"""Seconds after its last use during which a cached blob is never evicted."""


class BlobCache:
    """Local copies of remote blobs, capped at ``max_bytes``."""

    def __init__(self, root: Path | str, max_bytes: int = MAX_BYTES) -> None:
        self.store = LocalBlobStore(root)
        self.max_bytes = max_bytes
        self._lock = threading.Lock()
        self._added_since_prune = max_bytes  # prune on the first fetch: size unknown yet

    def path(self, blobs: BlobStore, digest: str) -> Path:
        """A file on this disk with the blob's content: the store's own file when it has
        one, else the cached copy, fetched first when needed."""
        local = blobs.local_path(digest)
        if local is not None:
            return local
        cached = self.store.local_path(digest)
        if cached is not None:
            with contextlib.suppress(OSError):
                os.utime(cached)  # recently used: evicted last
            return cached
        with blobs.open(digest) as stream:
            info = self.store.put_stream(stream)
        if info.digest != digest:
            self.store.delete(info.digest)
            raise StoreError(f"blob {digest} came back from {blobs!r} with other content "
                             f"({info.digest})")
        self._added(info.size)
        cached = self.store.local_path(digest)
        if cached is None:  # evicted by another process in the instant since
            raise StoreError(f"blob {digest} vanished from the cache {self.store.root}")
        return cached

    def _added(self, size: int) -> None:
        # Walking the cache costs a stat per blob: do it once a tenth of the cap is new.
        with self._lock:
            self._added_since_prune += size
            if self._added_since_prune < self.max_bytes // 10:
                return
            self._added_since_prune = 0
        self.prune()

    def prune(self) -> int:
        """Evict least recently used blobs until the cache fits its cap; bytes freed."""
        entries = []
        for digest in self.store.digests():
            with contextlib.suppress(FileNotFoundError):
                st = self.store.stat(digest)
                entries.append((st.modified, st.size, digest))
        total = sum(size for _, size, _ in entries)
        freed = 0
        recent = time.time() - IN_USE
        for modified, size, digest in sorted(entries):
            if total - freed <= self.max_bytes or modified > recent:
                break
            if self.store.delete(digest):
                freed += size
        return freed
