"""Reading a wandb ``.wandb`` transaction log into its serialised records.

The file is a LevelDB log (https://github.com/google/leveldb/blob/main/doc/log_format.md):
a 7-byte header (``:W&B``, the magic ``0xBEE1`` little-endian, version 0), then 32 KiB
blocks of chunks, each ``crc32 (4) | length (2) | type (1) | data``, all little-endian; the
CRC is the IEEE CRC-32 of the type byte and the data (not masked). Types FULL, FIRST,
MIDDLE and LAST reassemble one serialised protobuf ``Record``. Zero bytes pad a block's
tail that is too short for a chunk header, or that a writer left unused.

A chunk whose CRC or length is wrong damages the rest of its block, as in LevelDB: the
reader skips to the next block and counts the damage; a record cut off by the end of the
file (a run still writing, or killed) is dropped and reported as a torn tail.
"""

from __future__ import annotations

import mmap
import os
import struct
import zlib
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

MAGIC = b":W&B\xe1\xbe"
HEADER = 7
BLOCK = 32_768
CHUNK_HEADER = 7
FULL, FIRST, MIDDLE, LAST = 1, 2, 3, 4
_CHUNK = struct.Struct("<IHB")


class NotAWandbLog(ValueError):
    """The file does not start with a ``.wandb`` log header."""


@dataclass
class LogDamage:
    """What was wrong in a log that was read anyway."""

    damaged_blocks: int = 0
    torn: bool = False


def check_header(data: bytes, path: Path) -> None:
    if len(data) < HEADER or data[:6] != MAGIC:
        raise NotAWandbLog(f"{path} is not a wandb run log (no ':W&B' header); expected "
                           "the run-<id>.wandb file of a wandb run folder")
    if data[6] != 0:
        raise NotAWandbLog(f"{path} is a wandb run log of version {data[6]}, which this "
                           "cairn cannot read (it reads version 0)")


def read_records(path: Path, damage: LogDamage) -> Iterator[bytes]:
    """The serialised records of the log at ``path``, in order; damage is counted in
    ``damage`` (the records around it are kept)."""
    with path.open("rb") as f:
        if os.fstat(f.fileno()).st_size < HEADER:
            check_header(f.read(), path)
        # mapped, not read: a log of many GB is read a page at a time
        with mmap.mmap(f.fileno(), 0, access=mmap.ACCESS_READ) as data:
            yield from _records(data, path, damage)


def _records(data: Any, path: Path, damage: LogDamage) -> Iterator[bytes]:
    check_header(data[:HEADER], path)
    pos, pending, in_record = HEADER, bytearray(), False
    end = len(data)
    while pos < end:
        left = BLOCK - pos % BLOCK
        if left < CHUNK_HEADER:
            pos += left
            continue
        if pos + CHUNK_HEADER > end:
            damage.torn = damage.torn or in_record or any(data[pos:end])
            break
        crc, length, kind = _CHUNK.unpack_from(data, pos)
        if kind == 0 and length == 0 and crc == 0:  # padding to the end of the block
            pos += left
            continue
        body_end = pos + CHUNK_HEADER + length
        if body_end > end:
            damage.torn = True
            break
        if length > left - CHUNK_HEADER or kind > LAST or \
                zlib.crc32(data[pos + CHUNK_HEADER - 1:body_end]) != crc:
            damage.damaged_blocks += 1
            pos += left  # the rest of this block cannot be trusted
            pending, in_record = bytearray(), False
            continue
        chunk = data[pos + CHUNK_HEADER:body_end]
        pos = body_end
        if kind == FULL:
            in_record = False
            yield chunk
        elif kind == FIRST:
            pending, in_record = bytearray(chunk), True
        elif kind == MIDDLE and in_record:
            pending += chunk
        elif kind == LAST and in_record:
            in_record = False
            yield bytes(pending + chunk)
    if in_record:
        damage.torn = True
