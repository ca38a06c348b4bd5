"""Appending records to a run's WAL file.

One process, one session, one file: no locking is needed. Each append is a single
``os.write`` of whole frames (looped only if the kernel writes part of it); if it fails
part way (disk full, file too large), the file is cut back to the last whole frame, so
that the next append starts clean and no torn frame sits in front of later ones. A failed
append raises ``OSError`` and may simply be retried with the same frames.
"""

from __future__ import annotations

import contextlib
import os
from pathlib import Path
from typing import Any

from cairn.records import Record, RunRef
from cairn.wal.format import encode_frame, encode_opening


class WalWriter:
    """Appends framed records to ``path``.

    A new file gets its header and open frames with the first append that succeeds (at
    once if the disk allows), so a full disk at start-up is no different from one later.
    """

    def __init__(self, path: Path, run: RunRef, session: str) -> None:
        self.path = path
        self.run = run
        self.session = session
        self._fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o644)
        self._size = os.fstat(self._fd).st_size
        self._opening = encode_opening(run, session) if self._size == 0 else b""
        if self._opening:
            with contextlib.suppress(OSError):  # else with the first append that gets through
                self.append_frames(b"")

    @property
    def size(self) -> int:
        """Bytes of whole frames in the file."""
        return self._size

    def append(self, records: list[tuple[int, str, dict[str, Any]]]) -> None:
        """Write ``(seq, kind, body)`` records as one write; all or nothing on disk."""
        if records:
            self.append_frames(b"".join(encode_frame(seq, kind, body)
                                        for seq, kind, body in records))

    def append_records(self, records: list[Record]) -> None:
        self.append([(r.seq, r.kind, r.body) for r in records])

    def append_frames(self, frames: bytes) -> None:
        """Write already encoded frames (``format.encode_frame``); all or nothing on disk."""
        data = self._opening + frames if self._opening else frames
        if data:
            self._write(data)
            self._opening = b""

    def _write(self, data: bytes) -> None:
        view = memoryview(data)
        written = 0
        try:
            while written < len(view):
                written += os.write(self._fd, view[written:])
        except OSError:
            if written:
                self._cut_back()
            raise
        self._size += written

    def _cut_back(self) -> None:
        """Remove the part of a failed write, so a torn frame never precedes later ones."""
        try:
            os.ftruncate(self._fd, self._size)
        except OSError:
            # Cannot cut: the reader skips the torn bytes as damage. Count them as written
            # so that a later cut never reaches into whole frames.
            with contextlib.suppress(OSError):
                self._size = os.fstat(self._fd).st_size

    def disown(self) -> None:
        """In a forked child: let go of the inherited descriptor (the parent's file stays
        open in the parent) so that nothing here can append to it."""
        if self._fd >= 0:
            with contextlib.suppress(OSError):
                os.close(self._fd)
            self._fd = -1

    def sync(self) -> None:
        os.fsync(self._fd)

    def close(self) -> None:
        if self._fd >= 0:
            try:
                os.fsync(self._fd)
            finally:
                os.close(self._fd)
                self._fd = -1
