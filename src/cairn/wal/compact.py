"""Compacting a finished run's WAL once a store holds all of it (setting ``wal_retention``).

A WAL costs about 30 bytes a logged point, four times what the store keeps of the same
points, and once the store has applied it its history frames are a second copy nobody
reads: the UI and ``Api`` read the store only. So, under the retention ``compact``, the
applier rewrites a finished run's WAL without its ``history`` records as
soon as it has applied the whole file (in ``mode="online"``: as soon as the server has
acknowledged every batch of it). Every other record (run, config, summary, metrics,
files, artifacts, alerts, finish …) is kept byte for byte, and a manifest frame says which
records were removed and where they went (``format.py``). ``delete`` removes the file
instead; ``keep`` (the default) leaves it whole, as wandb keeps its ``.wandb`` file, because
``cairn sync --to`` another store or a team server reads runs from their WALs: a compacted
run would reach it without its history.

A file is only compacted when all of this holds, and is otherwise left as it is:

- it holds a ``finish`` record followed only by what a writer adds as it closes (the
  environment snapshot and files): the run ended and its writer closed the file, so
  nothing can be appended to the old file after the new one replaced it;
- it is exactly the size the applier acknowledged, and every frame of it checks out (no
  damage, no torn tail: ``cairn sync`` should see such a file as it is);
- it is at least ``COMPACT_FROM`` bytes (a small WAL costs little and stays whole, so
  short runs keep a WAL that can be synced anywhere);
- it is not compacted already.

Crash safety: the new file is written beside the old one (``<name>.compacting``, which no
WAL search matches), fsynced, renamed over it, and the folder fsynced: a kill at any moment
leaves the old file or the new one, never neither; the next compaction of the file
replaces a temp file left by a killed one.

``cairn sync`` of a compacted file into the store that applied it changes nothing (every
kept record is present there). Into another store the kept records apply and the removed
history is reported (``WalReplay.history_elsewhere``): it is in the store the manifest
names.
"""

from __future__ import annotations

import contextlib
import os
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any

import msgpack

from cairn.settings import WAL_RETENTIONS
from cairn.store.progress import as_spans
from cairn.wal.format import (
    COMPACTED_KIND,
    HEADER,
    HEADER_SIZE,
    MAGIC,
    OPEN_KIND,
    VERSION,
    encode_frame,
)
from cairn.wal.reader import payload_at

RETENTIONS = WAL_RETENTIONS
"""Values of the ``wal_retention`` setting; the first is the default."""
COMPACT_FROM = 1 << 20
"""WALs smaller than this (about 35,000 points) are kept whole under ``compact``."""
TEMP_SUFFIX = ".compacting"
_AFTER_FINISH = frozenset({"environment", "file", "console", "system", "heartbeat"})
"""Records a run's writer may still add after its ``finish`` record, as it closes."""
DROPPED_KIND = "history"
_COPY_BYTES = 4 << 20


@dataclass(frozen=True)
class Compaction:
    """What compacting one file did."""

    path: Path
    before: int
    """Bytes before."""
    after: int
    """Bytes after (0: deleted)."""
    dropped: int
    """Records removed."""


@dataclass
class _Scan:
    frames: list[tuple[int, int]] = field(default_factory=list)
    """``(offset, end)`` of each frame kept, in file order."""
    leading_opens: int = 0
    dropped: list[int] = field(default_factory=list)
    """Sequence numbers of the records removed."""
    last_kind: str | None = None
    ended: bool = False
    """A ``finish`` record, followed by nothing but what a writer adds as it closes (the
    environment snapshot, which ``finish()`` no longer waits for, and the files it saves)."""
    compacted: bool = False


def compact_wal(path: Path, retention: str, *, expected_size: int,
                store: str | None = None, min_size: int | None = None) -> Compaction | None:
    """Compact (or delete) the finished WAL ``path`` under ``retention``; None when it is
    left as it is (see the module's conditions). ``expected_size``: the bytes the store
    has acknowledged, from the start. ``store``: the store that holds the removed records,
    as the manifest names it (no credentials). ``min_size``: default ``COMPACT_FROM``.
    Raises ``OSError`` only when the disk
    fails; the old file is then still in place."""
    if retention not in RETENTIONS:
        raise ValueError(f"wal_retention must be one of {', '.join(RETENTIONS)}, "
                         f"not {retention!r}")
    if retention == "keep":
        return None
    min_size = COMPACT_FROM if min_size is None else min_size
    with open(path, "rb") as source:
        size = os.fstat(source.fileno()).st_size
        if size != expected_size or (retention == "compact" and size < min_size):
            return None
        scan = _scan(source, size)
        if scan is None or scan.compacted or not scan.ended:
            return None
        if retention == "delete":
            path.unlink()
            _fsync_folder(path.parent)
            return Compaction(path, size, 0, len(scan.frames) - scan.leading_opens
                              + len(scan.dropped))
        if not scan.dropped:
            return None
        manifest = {"dropped": [list(span) for span in as_spans(scan.dropped)],
                    "records": len(scan.dropped), "bytes": size, "at": time.time(),
                    "store": store}
        after = _rewrite(source, path, scan, encode_frame(0, COMPACTED_KIND, manifest))
    return Compaction(path, size, after, len(scan.dropped))


def _scan(source: IO[bytes], size: int) -> _Scan | None:
    """Where each frame to keep lies; None when any part of the file does not check out
    (damage, a torn tail, not a WAL of this version)."""
    head = source.read(HEADER_SIZE)
    if len(head) < HEADER_SIZE:
        return None
    magic, version = HEADER.unpack(head)
    if magic != MAGIC or version != VERSION:
        return None
    scan = _Scan()
    pos = HEADER_SIZE
    in_lead = True
    while pos < size:
        found = payload_at(source.fileno(), pos, size)
        if found is None:
            return None
        end, payload = found
        peeked = _peek(payload)
        if peeked is None:
            return None
        seq, kind = peeked
        in_lead = in_lead and kind == OPEN_KIND
        if in_lead:
            scan.leading_opens += 1
        if kind == COMPACTED_KIND and seq == 0:
            scan.compacted = True
        if kind == DROPPED_KIND:
            scan.dropped.append(seq)
        else:
            scan.frames.append((pos, end))
        if kind != OPEN_KIND:
            scan.last_kind = kind
            if kind == "finish":
                scan.ended = True
            elif kind not in _AFTER_FINISH:
                scan.ended = False
        pos = end
    return scan


def _peek(payload: bytes) -> tuple[int, str] | None:
    """A record's ``(seq, kind)`` without decoding its body (a history body is most of a
    WAL's bytes)."""
    unpacker = msgpack.Unpacker(raw=False)
    unpacker.feed(payload[:64])
    try:
        if unpacker.read_array_header() != 3:
            return None
        seq, kind = unpacker.unpack(), unpacker.unpack()
    except (ValueError, msgpack.OutOfData):
        return None
    if not isinstance(seq, int) or not isinstance(kind, str):
        return None
    return seq, kind


def _rewrite(source: IO[bytes], path: Path, scan: _Scan, manifest: bytes) -> int:
    """Write the kept frames, with the manifest after the open frames, into a temp file
    and rename it over ``path``; returns the new size."""
    temp = path.with_name(path.name + TEMP_SUFFIX)
    with contextlib.suppress(FileNotFoundError):
        temp.unlink()  # left by a compaction that was killed
    fd = os.open(temp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o644)
    try:
        with os.fdopen(fd, "wb", buffering=_COPY_BYTES) as out:
            out.write(HEADER.pack(MAGIC, VERSION))
            for index, (start, end) in enumerate(scan.frames):
                if index == scan.leading_opens:
                    out.write(manifest)
                source.seek(start)
                out.write(source.read(end - start))
            if len(scan.frames) == scan.leading_opens:
                out.write(manifest)
            out.flush()
            os.fsync(out.fileno())
            after = out.tell()
        os.replace(temp, path)
    except BaseException:
        with contextlib.suppress(OSError):
            temp.unlink()
        raise
    _fsync_folder(path.parent)
    return after


def _fsync_folder(folder: Path) -> None:
    """Make a rename or unlink in ``folder`` durable."""
    try:
        fd = os.open(folder, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass  # some filesystems cannot sync a folder; the rename itself is atomic
    finally:
        os.close(fd)


def describe(manifest: dict[str, Any]) -> str:
    """Where a compacted WAL's removed history is, for messages."""
    store = manifest.get("store")
    where = f"the store {store}" if store else "the store the run logged to"
    return f"{manifest.get('records', '?')} history records removed once {where} held them"


__all__ = ["COMPACT_FROM", "RETENTIONS", "Compaction", "compact_wal", "describe"]
