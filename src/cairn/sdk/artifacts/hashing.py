"""Content digests of local files, fast on the second look.

Hashing is the cost of logging a big folder, so digests are kept in a small SQLite file
keyed by what ``stat`` says about a file (path, size, mtime, inode, ctime): logging the
same folder again re-hashes only the files that changed, as wandb's checksum cache does.
Files are hashed on a few threads (hashlib releases the GIL on large buffers).
"""

from __future__ import annotations

import hashlib
import os
import sqlite3
import threading
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from cairn.sdk.artifacts.progress import TransferProgress

_CHUNK = 1 << 20
Stat = tuple[str, int, int, int, int]


_buffers = threading.local()


def file_sha256(path: Path | str) -> tuple[str, int]:
    """The sha256 and size of a file, read in 1 MiB pieces into a buffer each thread
    keeps (allocating one per file would cost more than hashing a small file)."""
    buffer = getattr(_buffers, "buffer", None)
    if buffer is None:
        buffer = _buffers.buffer = bytearray(_CHUNK)
    view = memoryview(buffer)
    h = hashlib.sha256()
    size = 0
    with open(path, "rb", buffering=0) as fh:
        while True:
            n = fh.readinto(buffer)
            if not n:
                break
            h.update(view[:n])
            size += n
    return h.hexdigest(), size


def _stat_key(path: Path) -> Stat:
    st = path.stat()
    return (os.path.abspath(path), st.st_size, st.st_mtime_ns, st.st_ino, st.st_ctime_ns)


class DigestCache:
    """sha256 by stat key, shared by the processes of one cairn folder. Losing it costs
    only time: any failure to read or write it is ignored."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self._conn: sqlite3.Connection | None = None
        self._lock = threading.Lock()

    def _connect(self) -> sqlite3.Connection | None:
        if self._conn is None:
            try:
                self.path.parent.mkdir(parents=True, exist_ok=True)
                conn = sqlite3.connect(str(self.path), timeout=5.0, check_same_thread=False,
                                       isolation_level=None)
                conn.execute("PRAGMA journal_mode = WAL")
                conn.execute("CREATE TABLE IF NOT EXISTS digests (path TEXT PRIMARY KEY, "
                             "size INTEGER, mtime_ns INTEGER, ino INTEGER, ctime_ns INTEGER, "
                             "sha256 TEXT)")
                self._conn = conn
            except (OSError, sqlite3.Error):
                return None
        return self._conn

    def lookup(self, keys: Sequence[Stat]) -> list[str | None]:
        with self._lock:
            conn = self._connect()
            if conn is None:
                return [None] * len(keys)
            out: list[str | None] = []
            try:
                for path, size, mtime, ino, ctime in keys:
                    row = conn.execute("SELECT size, mtime_ns, ino, ctime_ns, sha256 FROM "
                                       "digests WHERE path = ?", (path,)).fetchone()
                    out.append(row[4] if row and tuple(row[:4]) == (size, mtime, ino, ctime)
                               else None)
            except sqlite3.Error:
                return [None] * len(keys)
            return out

    def remember(self, rows: Sequence[tuple[Stat, str]]) -> None:
        if not rows:
            return
        with self._lock:
            conn = self._connect()
            if conn is None:
                return
            try:
                conn.execute("BEGIN IMMEDIATE")
                conn.executemany("INSERT OR REPLACE INTO digests VALUES (?, ?, ?, ?, ?, ?)",
                                 [(*key, digest) for key, digest in rows])
                conn.execute("COMMIT")
            except sqlite3.Error:
                if conn.in_transaction:
                    conn.execute("ROLLBACK")

    def close(self) -> None:
        with self._lock:
            if self._conn is not None:
                self._conn.close()
                self._conn = None


def hash_files(paths: Sequence[Path], cache: DigestCache | None, workers: int = 0,
               compute: Callable[[Path], tuple[str, int]] = file_sha256,
               label: str | None = None) -> list[tuple[str, int]]:
    """``(sha256, size)`` of each file, from the cache where its stat still matches, else
    from ``compute`` (which may also copy the file into a blob store as it reads it), on
    ``workers`` threads (0: two per core, since a thread also waits on the disk). With a
    ``label``, a large job shows a progress bar on the terminal."""
    workers = workers or 2 * (os.cpu_count() or 1)
    keys = [_stat_key(p) for p in paths]
    known = cache.lookup(keys) if cache is not None else [None] * len(keys)
    if label is not None:
        progress = TransferProgress.for_terminal(label, sum(k[1] for k in keys))
        progress.advance(sum(k[1] for k, d in zip(keys, known, strict=True) if d is not None))
        measured = compute

        def compute(path: Path) -> tuple[str, int]:
            digest, size = measured(path)
            progress.advance(size)
            return digest, size
    todo = [i for i, digest in enumerate(known) if digest is None]
    results: list[tuple[str, int] | None] = [
        None if digest is None else (digest, keys[i][1]) for i, digest in enumerate(known)]
    if todo:
        if len(todo) == 1 or workers <= 1:
            computed = [compute(paths[i]) for i in todo]
        else:
            with ThreadPoolExecutor(max_workers=workers) as pool:
                computed = list(pool.map(lambda i: compute(paths[i]), todo))
        fresh: list[tuple[Stat, str]] = []
        for i, (digest, size) in zip(todo, computed, strict=True):
            results[i] = (digest, size)
            if size == keys[i][1]:  # unchanged while it was read
                fresh.append((keys[i], digest))
        if cache is not None:
            cache.remember(fresh)
    if label is not None:
        progress.close()
    return [r for r in results if r is not None]
