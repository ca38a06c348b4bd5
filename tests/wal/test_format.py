"""The WAL framing: header, frames, open frames, payload decoding."""

from __future__ import annotations

import zlib

import msgpack
import pytest

from cairn.records import RunRef
from cairn.wal.format import (
    FRAME_HEAD,
    FRAME_HEAD_SIZE,
    HEADER,
    HEADER_SIZE,
    MAGIC,
    MARKER,
    OPEN_COPIES,
    OPEN_KIND,
    VERSION,
    decode_payload,
    encode_frame,
    encode_header,
    encode_opening,
)


def test_header_is_magic_and_version() -> None:
    head = encode_header()
    assert len(head) == HEADER_SIZE == 16
    assert HEADER.unpack(head) == (MAGIC, VERSION)


def test_frame_is_marker_length_crc_payload() -> None:
    frame = encode_frame(7, "history", {"x": b"\x00\x01", "y": [1, 2.5, None]})
    marker, length, crc = FRAME_HEAD.unpack(frame[:FRAME_HEAD_SIZE])
    payload = frame[FRAME_HEAD_SIZE:]
    assert marker == MARKER
    assert length == len(payload)
    assert crc == zlib.crc32(payload)
    assert decode_payload(payload) == (7, "history", {"x": b"\x00\x01", "y": [1, 2.5, None]})


def test_opening_names_the_run_twice() -> None:
    data = encode_opening(RunRef("e", "p", "r1"), "s1")
    frames = data[HEADER_SIZE:]
    size = len(frames) // OPEN_COPIES
    assert OPEN_COPIES == 2
    for i in range(OPEN_COPIES):
        frame = frames[i * size:(i + 1) * size]
        assert decode_payload(frame[FRAME_HEAD_SIZE:]) == (
            0, OPEN_KIND, {"run": ["e", "p", "r1"], "session": "s1"})


@pytest.mark.parametrize("payload", [
    b"",
    b"\xc1",                                          # never used in msgpack
    msgpack.packb([1, "history"]),                    # too short
    msgpack.packb({"seq": 1}),                        # not a list
    msgpack.packb(["1", "history", {}]),              # seq not an int
    msgpack.packb([1, "history", {}]) + b"\x00",      # trailing bytes
])
def test_decode_payload_raises_value_error_for_anything_else(payload: bytes) -> None:
    with pytest.raises(ValueError, match="not a WAL record"):
        decode_payload(payload)


def test_encode_frame_rejects_what_msgpack_cannot_hold() -> None:
    with pytest.raises(TypeError):
        encode_frame(1, "history", {"x": object()})
