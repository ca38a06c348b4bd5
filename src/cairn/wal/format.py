"""The WAL file format, version 1.

A file is a 16-byte header followed by frames::

    header  b"CAIRNWAL" | u16 version | 6 reserved bytes
    frame   MARKER (4 bytes) | u32 payload length | u32 crc32(payload) | payload

The payload is msgpack ``[seq, kind, body]``. A file starts with an ``open`` frame
``[0, "open", {"run": [entity, project, run_id], "session": str}]`` naming whose records
follow; the writer writes it twice, so that one damaged byte cannot orphan the records of
a whole file. The marker lets a reader find the next frame after a damaged one; the crc
tells a torn or damaged frame from a good one.

A *compacted* file (``wal/compact.py``) has, after its open frames, one
``[0, "compacted", {"dropped": [[first, last], ...], "records": n, "bytes": n, "at": t,
"store": str | None}]`` frame: the history records numbered in ``dropped`` were removed
once the store (named, without credentials, in ``store``) had applied them all; every
other record is kept as it was. A reader older than this frame takes it for a record
numbered 0, which no store applies.
"""

from __future__ import annotations

import struct
import zlib
from typing import Any

import msgpack

MAGIC = b"CAIRNWAL"
VERSION = 1
HEADER = struct.Struct("<8sH6x")
HEADER_SIZE = HEADER.size
MARKER = b"\xc4\x1e\xa7\x5e"
FRAME_HEAD = struct.Struct("<4sII")
FRAME_HEAD_SIZE = FRAME_HEAD.size
MAX_PAYLOAD = 1 << 30
"""A frame longer than this is treated as damage, not data."""

OPEN_KIND = "open"
OPEN_COPIES = 2
COMPACTED_KIND = "compacted"


def encode_header() -> bytes:
    return HEADER.pack(MAGIC, VERSION)


def encode_frame(seq: int, kind: str, body: dict[str, Any]) -> bytes:
    """One frame; raises ``TypeError`` (or ``ValueError``) for a body msgpack cannot hold."""
    payload = msgpack.packb([seq, kind, body], use_bin_type=True)
    return FRAME_HEAD.pack(MARKER, len(payload), zlib.crc32(payload)) + payload


def encode_opening(run: tuple[str, str, str], session: str) -> bytes:
    """The header and the open frames that start a new WAL file."""
    opening = encode_frame(0, OPEN_KIND, {"run": list(run), "session": session})
    return encode_header() + opening * OPEN_COPIES


def decode_payload(payload: bytes) -> tuple[int, str, dict[str, Any]]:
    """``(seq, kind, body)`` of a frame's payload; ``ValueError`` if it is not one."""
    try:
        seq, kind, body = msgpack.unpackb(payload, raw=False, strict_map_key=False)
    except (TypeError, ValueError) as exc:  # msgpack's decode errors are ValueErrors
        raise ValueError(f"not a WAL record: {exc}") from exc
    if not isinstance(seq, int) or not isinstance(kind, str) or not isinstance(body, dict):
        raise ValueError("not a WAL record: expected [seq, kind, body]")
    return seq, kind, body
