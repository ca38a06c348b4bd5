"""The WAL file format, version 1.

A file is a 16-byte header followed by frames::

    header  b"CAIRNWAL" | u16 version | 6 reserved bytes
    frame   MARKER (4 bytes) | u32 payload length | u32 crc32(payload) | payload

The payload is msgpack ``[seq, kind, body]``. The first frame of a file is an ``open``
frame ``[0, "open", {"run": [entity, project, run_id], "session": str}]`` naming whose
records follow. The marker lets a reader find the next frame after a corrupt one; the crc
tells a torn or damaged frame from a good one.
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


def encode_header() -> bytes:
    return HEADER.pack(MAGIC, VERSION)


def encode_frame(seq: int, kind: str, body: dict[str, Any]) -> bytes:
    payload = msgpack.packb([seq, kind, body], use_bin_type=True)
    return FRAME_HEAD.pack(MARKER, len(payload), zlib.crc32(payload)) + payload


def decode_payload(payload: bytes) -> tuple[int, str, dict[str, Any]]:
    seq, kind, body = msgpack.unpackb(payload, raw=False, strict_map_key=False)
    return int(seq), str(kind), body
