"""Reading a WAL: from the start (replay, ``cairn sync``) or from an offset (live tailing).

A reader never raises on damage inside a file. It stops at a frame that is cut off at the
end (a torn last write, or one still being written) and reports ``torn``; it skips a frame
whose checksum fails, finds the next frame marker, warns once per file, and counts the
skipped frames. Only a file that is not a WAL, or one of a newer version, raises
``WalError``.
"""

from __future__ import annotations

import os
import warnings
import zlib
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

from cairn.errors import WalError
from cairn.records import Record, RunRef
from cairn.wal.format import (
    FRAME_HEAD,
    FRAME_HEAD_SIZE,
    HEADER,
    HEADER_SIZE,
    MAGIC,
    MARKER,
    MAX_PAYLOAD,
    OPEN_KIND,
    VERSION,
    decode_payload,
)

_READ_SIZE = 4 << 20


@dataclass
class WalReader:
    """Reads the records of one WAL file from ``offset`` on, in bounded memory.

    ``offset`` always points at the start of the first frame not yet returned, so a caller
    that tails a live file calls :meth:`read` again later to get what was added since.
    """

    path: Path
    offset: int = 0
    run: RunRef | None = None
    session: str | None = None
    skipped_frames: int = 0
    torn: bool = False
    _warned: bool = field(default=False, repr=False)

    def _check_header(self, fd: int) -> None:
        head = os.pread(fd, HEADER_SIZE, 0)
        if len(head) < HEADER_SIZE:
            raise WalError(f"{self.path}: too short to be a cairn WAL ({len(head)} bytes)")
        magic, version = HEADER.unpack(head)
        if magic != MAGIC:
            raise WalError(f"{self.path}: not a cairn WAL file (bad magic)")
        if version > VERSION:
            raise WalError(
                f"{self.path}: WAL version {version} is newer than this cairn reads "
                f"({VERSION}); upgrade cairn"
            )
        if self.offset < HEADER_SIZE:
            self.offset = HEADER_SIZE

    def read(self, max_records: int | None = None) -> list[Record]:
        """The next records, up to ``max_records``; an empty list when none are complete."""
        records: list[Record] = []
        for record in self._iter(max_records):
            records.append(record)
        return records

    def __iter__(self) -> Iterator[Record]:
        return self._iter(None)

    def _iter(self, max_records: int | None) -> Iterator[Record]:
        try:
            fd = os.open(self.path, os.O_RDONLY)
        except FileNotFoundError as exc:
            raise WalError(f"{self.path}: no such WAL file") from exc
        try:
            self._check_header(fd)
            yield from self._frames(fd, max_records)
        finally:
            os.close(fd)

    def _frames(self, fd: int, max_records: int | None) -> Iterator[Record]:
        size = os.fstat(fd).st_size
        self.torn = False
        count = 0
        while (max_records is None or count < max_records) and self.offset < size:
            head = os.pread(fd, FRAME_HEAD_SIZE, self.offset)
            if len(head) == FRAME_HEAD_SIZE:
                marker, length, crc = FRAME_HEAD.unpack(head)
                end = self.offset + FRAME_HEAD_SIZE + length
                if marker == MARKER and length <= MAX_PAYLOAD and end <= size:
                    payload = os.pread(fd, length, self.offset + FRAME_HEAD_SIZE)
                    if zlib.crc32(payload) == crc:
                        record = self._decode(payload)
                        self.offset = end
                        if record is not None:
                            count += 1
                            yield record
                        continue
            # Damaged or cut off. If no frame follows, it is the torn end of the file (or a
            # frame still being written): stop here, so a later read can pick it up whole.
            following = self._find_marker(fd, self.offset + 1, size)
            if following < 0:
                self.torn = True
                return
            self._skip_damaged()
            self.offset = following

    def _decode(self, payload: bytes) -> Record | None:
        seq, kind, body = decode_payload(payload)
        if kind == OPEN_KIND:
            entity, project, run_id = body["run"]
            self.run = RunRef(str(entity), str(project), str(run_id))
            self.session = str(body["session"])
            return None
        if self.run is None or self.session is None:
            raise WalError(f"{self.path}: records before the open frame")
        return Record(self.run, self.session, seq, kind, body)

    @staticmethod
    def _find_marker(fd: int, start: int, size: int) -> int:
        pos = start
        while pos < size:
            window = os.pread(fd, _READ_SIZE + len(MARKER) - 1, pos)
            found = window.find(MARKER)
            if found >= 0:
                return pos + found
            pos += _READ_SIZE
        return -1

    def _skip_damaged(self) -> None:
        self.skipped_frames += 1
        if not self._warned:
            self._warned = True
            warnings.warn(
                f"cairn: skipped a damaged frame in {self.path} at byte {self.offset}; "
                "the records around it are kept",
                RuntimeWarning,
                stacklevel=5,
            )


def read_wal(path: Path | str) -> list[Record]:
    """Every intact record of a WAL file, in order."""
    return WalReader(Path(path)).read()
