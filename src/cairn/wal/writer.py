"""Appending records to a run's WAL file.

One process, one session, one file: no locking is needed. Each ``append`` is a single
``os.write`` of whole frames; if it fails part way (disk full), the file is cut back to the
last whole frame so that the next append starts clean.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from cairn.records import Record, RunRef
from cairn.wal.format import OPEN_KIND, encode_frame, encode_header


class WalWriter:
    """Appends framed records to ``path``; creates the file with its header and open frame."""

    def __init__(self, path: Path, run: RunRef, session: str) -> None:
        self.path = path
        self.run = run
        self.session = session
        self._fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o644)
        self._size = os.fstat(self._fd).st_size
        if self._size == 0:
            opening = encode_frame(
                0, OPEN_KIND, {"run": list(run), "session": session}
            )
            self._write(encode_header() + opening)

    @property
    def size(self) -> int:
        return self._size

    def append(self, records: list[tuple[int, str, dict[str, Any]]]) -> None:
        """Write ``(seq, kind, body)`` records as one write; all or nothing on disk."""
        if records:
            self._write(b"".join(encode_frame(seq, kind, body) for seq, kind, body in records))

    def append_records(self, records: list[Record]) -> None:
        self.append([(r.seq, r.kind, r.body) for r in records])

    def _write(self, data: bytes) -> None:
        view = memoryview(data)
        written = 0
        try:
            while written < len(view):
                written += os.write(self._fd, view[written:])
        except OSError:
            if written:
                # A torn frame must not stay in front of later frames.
                try:
                    os.ftruncate(self._fd, self._size)
                except OSError:
                    pass
            raise
        self._size += written

    def sync(self) -> None:
        os.fsync(self._fd)

    def close(self) -> None:
        if self._fd >= 0:
            try:
                os.fsync(self._fd)
            finally:
                os.close(self._fd)
                self._fd = -1
