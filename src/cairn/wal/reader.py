"""Reading a WAL: from the start (replay, ``cairn sync``) or from an offset (live tailing).

A reader never raises on damage inside a file. At a frame that does not check out it looks
for the next intact frame (a marker, a length inside the file and a matching crc):

- if there is one, the bytes in between are damage: they are skipped, counted in
  ``skipped_frames`` and reported once per reader (a ``RuntimeWarning``, or ``on_damage``);
- if there is none, the file ends in a cut-off frame (a torn last write, or one still
  being written): the reader stops in front of it and sets ``torn``, so that a later
  ``read`` of a live file picks the frame up whole once it is complete.

A file cut inside its header (a crash while creating it) reads as empty and torn. Only a
file that is not a WAL, one of a newer version, or one whose open frames are all damaged
raises ``WalError``.
"""

from __future__ import annotations

import os
import warnings
import zlib
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from cairn.errors import WalError
from cairn.records import Record, RunRef
from cairn.wal.format import (
    COMPACTED_KIND,
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

Decoded = tuple[int, str, dict[str, Any]]


@dataclass
class WalReader:
    """Reads the records of one WAL file from ``offset`` on, in bounded memory.

    ``offset`` always points at the start of the first frame not yet returned, so a caller
    that tails a live file calls :meth:`read` again later to get what was added since. A
    reader may start at a saved offset: it reads the file's open frame first to learn
    whose records follow.
    """

    path: Path
    offset: int = 0
    run: RunRef | None = None
    session: str | None = None
    skipped_frames: int = 0
    """Damaged stretches skipped so far (each usually one frame)."""
    torn: bool = False
    """The last read stopped at a cut-off frame at the end of the file."""
    compacted: dict[str, Any] | None = None
    """The file's compaction manifest (``format.py``), once read: which history records
    were removed after a store had applied them."""
    on_damage: Callable[[str], None] | None = field(default=None, repr=False)
    """Called with a message for each damaged stretch; default: warn once per reader."""
    _warned: bool = field(default=False, repr=False)

    def read(self, max_records: int | None = None) -> list[Record]:
        """The next records, up to ``max_records``; an empty list when none are complete."""
        start, skipped = self.offset, self.skipped_frames
        records: list[Record] = []
        try:
            for record in self._iter(max_records):
                records.append(record)
        except BaseException:
            # Only a damage warning turned into an error gets here with records read: give
            # nothing and consume nothing, so the caller can retry (the warning is spent).
            self.offset, self.skipped_frames = start, skipped
            raise
        return records

    def __iter__(self) -> Iterator[Record]:
        return self._iter(None)

    def _iter(self, max_records: int | None) -> Iterator[Record]:
        try:
            fd = os.open(self.path, os.O_RDONLY)
        except FileNotFoundError as exc:
            raise WalError(f"{self.path}: no such WAL file") from exc
        try:
            size = os.fstat(fd).st_size
            self.torn = False
            if not self._check_header(fd):
                self.torn = True
                return
            if self.run is None and self.offset > HEADER_SIZE:
                self._read_identity(fd, size)
            yield from self._records(fd, size, max_records)
        finally:
            os.close(fd)

    def _check_header(self, fd: int) -> bool:
        """False for a file cut inside its header; raises for a file that is no WAL."""
        head = os.pread(fd, HEADER_SIZE, 0)
        if len(head) < HEADER_SIZE:
            if MAGIC.startswith(head[: len(MAGIC)]):
                return False
            raise WalError(f"{self.path}: not a cairn WAL file (bad magic; "
                           f"{len(head)} bytes)")
        magic, version = HEADER.unpack(head)
        if magic != MAGIC:
            raise WalError(f"{self.path}: not a cairn WAL file (bad magic)")
        if version > VERSION:
            raise WalError(f"{self.path}: WAL version {version} is newer than this cairn "
                           f"reads ({VERSION}); upgrade cairn to replay it")
        if version < 1:
            raise WalError(f"{self.path}: not a cairn WAL file (version {version})")
        self.offset = max(self.offset, HEADER_SIZE)
        return True

    def _records(self, fd: int, size: int, max_records: int | None) -> Iterator[Record]:
        count = 0
        while self.offset < size and (max_records is None or count < max_records):
            frame = _frame_at(fd, self.offset, size)
            if frame is not None:
                end, decoded = frame
                self.offset = end
                record = self._record(decoded)
                if record is not None:
                    count += 1
                    yield record
                continue
            following = _next_frame(fd, self.offset + 1, size)
            if following < 0:
                self.torn = True
                return
            damaged = self.offset
            self.offset = following
            self._report_damage(damaged, following)

    def _record(self, decoded: Decoded) -> Record | None:
        seq, kind, body = decoded
        if kind == OPEN_KIND:
            self._open(body)
            return None
        if kind == COMPACTED_KIND and seq == 0:
            self.compacted = body
            return None
        if self.run is None or self.session is None:
            raise WalError(f"{self.path}: the open frames naming the run are damaged; "
                           "cannot tell whose records follow")
        return Record(self.run, self.session, seq, kind, body)

    def _open(self, body: dict[str, Any]) -> None:
        try:
            entity, project, run_id = body["run"]
            session = body["session"]
        except (KeyError, TypeError, ValueError) as exc:
            raise WalError(f"{self.path}: malformed open frame: {exc!r}") from exc
        self.run = RunRef(str(entity), str(project), str(run_id))
        self.session = str(session)

    def _read_identity(self, fd: int, size: int) -> None:
        """Learn the run and session from the open frame at the start of the file."""
        pos = HEADER_SIZE
        while 0 <= pos < min(size, self.offset):
            frame = _frame_at(fd, pos, size)
            if frame is None:
                pos = _next_frame(fd, pos + 1, size)
                continue
            end, (_, kind, body) = frame
            if kind == OPEN_KIND:
                self._open(body)
                return
            pos = end

    def _report_damage(self, start: int, end: int) -> None:
        self.skipped_frames += 1
        message = (f"cairn: skipped {end - start} damaged bytes at byte {start} of WAL "
                   f"{self.path}; the records around them are kept")
        if self.on_damage is not None:
            self.on_damage(message)
        elif not self._warned:
            self._warned = True
            warnings.warn(message, RuntimeWarning, stacklevel=5)


def payload_at(fd: int, pos: int, size: int) -> tuple[int, bytes] | None:
    """``(end, payload)`` of the intact frame at ``pos`` (marker, length and checksum
    check out, within ``size``), undecoded; None otherwise."""
    head = os.pread(fd, FRAME_HEAD_SIZE, pos)
    if len(head) < FRAME_HEAD_SIZE:
        return None
    marker, length, crc = FRAME_HEAD.unpack(head)
    end = pos + FRAME_HEAD_SIZE + length
    if marker != MARKER or length > MAX_PAYLOAD or end > size:
        return None
    payload = os.pread(fd, length, pos + FRAME_HEAD_SIZE)
    if len(payload) != length or zlib.crc32(payload) != crc:
        return None
    return end, payload


def _frame_at(fd: int, pos: int, size: int) -> tuple[int, Decoded] | None:
    """``(end, (seq, kind, body))`` of the intact frame at ``pos``, or None."""
    found = payload_at(fd, pos, size)
    if found is None:
        return None
    try:
        return found[0], decode_payload(found[1])
    except ValueError:
        return None


def _next_frame(fd: int, start: int, size: int) -> int:
    """Where the first intact frame at or after ``start`` begins; -1 if there is none."""
    pos = start
    while True:
        pos = _find_marker(fd, pos, size)
        if pos < 0 or _frame_at(fd, pos, size) is not None:
            return pos
        pos += 1


def _find_marker(fd: int, start: int, size: int) -> int:
    pos = start
    while pos < size:
        window = os.pread(fd, _READ_SIZE + len(MARKER) - 1, pos)
        found = window.find(MARKER)
        if found >= 0:
            return pos + found
        pos += _READ_SIZE
    return -1


def read_wal(path: Path | str) -> list[Record]:
    """Every intact record of a WAL file, in order."""
    return WalReader(Path(path)).read()
