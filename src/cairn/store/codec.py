"""Encoding of metric-history chunks and their envelopes.

A chunk holds up to ``CHUNK_POINTS`` points of one series. Steps are stored as deltas,
values as float64 XOR-ed with their predecessor; both byte-shuffled (all first bytes, then
all second bytes, …) and compressed. Slowly changing values share their high bytes, which
the shuffle lines up for the compressor: a noisy float64 series costs about 7 bytes a
point, a float32 one about 3.5, a constant or a step counter almost nothing. Evenly spaced
steps (the usual case) are stored as their first step and spacing alone, which also makes
them free to read.

Chunk layout (version 3): ``<BBII`` version, flags, points, length of the steps part; the
steps part (compressed deltas, or ``<qq`` first step and spacing when flag 1 is set); the
compressed values. Version 3 compresses with zstd (level 1), about seven times cheaper to
write than zlib for the same size, which is most of what a batch of points costs the store.
Version 2 is the same layout deflated (zlib), and is what a store without the zstandard
package writes; version 1 has no flags byte and always deflates its steps. Both still read.

Each chunk also carries an envelope: for every ``ENVELOPE_POINTS`` consecutive points the
first and last step, min, max, sum, finite count and last value. Charts of a long series
read envelopes instead of points, so a zoomed-out view costs a bounded number of bytes and
still shows every spike (min and max are exact). Envelope version 2 is zstd-compressed,
version 1 deflated; both read.
"""

from __future__ import annotations

import struct
import threading
import zlib
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import numpy.typing as npt

CHUNK_VERSION = 3
ZLIB_CHUNK_VERSION = 2
ENVELOPE_VERSION = 2
ZLIB_ENVELOPE_VERSION = 1
CHUNK_POINTS = 4096
ENVELOPE_POINTS = 256
_HEAD_V1 = struct.Struct("<BII")  # version, points, length of the steps part
_HEAD = struct.Struct("<BBII")  # version, flags, points, length of the steps part
_EVEN_STEPS = 1  # flag: the steps part is "<qq": first step, spacing
_STEP_RULE = struct.Struct("<qq")

Int64s = npt.NDArray[np.int64]
Float64s = npt.NDArray[np.float64]


class _Zstd(threading.local):
    """zstd level 1, one compressor and decompressor a thread (they are not thread-safe);
    ``None`` where zstandard is not installed, and blobs are then deflated."""

    def __init__(self) -> None:
        try:
            import zstandard
        except ImportError:
            self.module: Any = None
            return
        self.module = zstandard
        self.compress: Callable[[bytes], bytes] = zstandard.ZstdCompressor(level=1).compress
        self.decompressor = zstandard.ZstdDecompressor()


_zstd = _Zstd()


def _compress(raw: bytes) -> tuple[bytes, bool]:
    """``raw`` compressed, and whether with zstd (else zlib)."""
    if _zstd.module is not None:
        return _zstd.compress(raw), True
    return zlib.compress(raw, 1), False


def _decompress(data: bytes, zstd: bool, size: int, what: str) -> bytes:
    """``data`` decompressed; ValueError unless it is ``size`` bytes."""
    if not zstd:
        try:
            raw = zlib.decompress(data)
        except zlib.error as exc:
            raise ValueError(f"corrupt {what}: {exc}") from exc
    else:
        module = _zstd.module
        if module is None:
            raise ValueError(f"this {what} is zstd-compressed: install the zstandard package "
                             "to read it")
        try:
            declared = module.frame_content_size(data)
            if declared != size:  # checked first: a damaged header must not allocate
                raise ValueError(f"corrupt {what}: payload holds {declared} bytes, "
                                 f"expected {size}")
            raw = _zstd.decompressor.decompress(data)
        except module.ZstdError as exc:
            raise ValueError(f"corrupt {what}: {exc}") from exc
    if len(raw) != size:
        raise ValueError(f"corrupt {what}: payload holds {len(raw)} bytes, expected {size}")
    return raw


def _shuffle(words: npt.NDArray[np.uint64]) -> bytes:
    return words.view(np.uint8).reshape(-1, 8).T.tobytes()


def _unshuffle(data: bytes, zstd: bool, n: int) -> npt.NDArray[np.uint64]:
    raw = np.frombuffer(_decompress(data, zstd, n * 8, "chunk"), dtype=np.uint8)
    return raw.reshape(8, n).T.copy().view("<u8").reshape(n).astype(np.uint64, copy=False)


def encode_chunk(steps: Int64s, values: Float64s) -> bytes:
    """Points (steps increasing) as one compressed, bit-exact blob."""
    n = int(steps.size)
    step_deltas = np.diff(steps.astype("<i8"), prepend=np.int64(0))
    words = values.astype("<f8").view(np.uint64)
    xored = np.empty_like(words)
    if n:
        xored[0] = words[0]
        np.bitwise_xor(words[1:], words[:-1], out=xored[1:])
    values_part, zstd = _compress(_shuffle(xored))
    if n >= 2 and bool(np.all(step_deltas[2:] == step_deltas[1])):
        flags, steps_part = _EVEN_STEPS, _STEP_RULE.pack(int(steps[0]), int(step_deltas[1]))
    else:
        flags, steps_part = 0, _compress(_shuffle(step_deltas.view(np.uint64)))[0]
    version = CHUNK_VERSION if zstd else ZLIB_CHUNK_VERSION
    return _HEAD.pack(version, flags, n, len(steps_part)) + steps_part + values_part


def decode_chunk(blob: bytes) -> tuple[Int64s, Float64s]:
    """``(steps, values)`` of a blob made by :func:`encode_chunk`; ValueError if corrupt."""
    if len(blob) < _HEAD_V1.size:
        raise ValueError(f"corrupt chunk: {len(blob)} bytes is shorter than its header")
    version = blob[0]
    if version == 1:
        flags = 0
        _, n, steps_len = _HEAD_V1.unpack_from(blob, 0)
        start = _HEAD_V1.size
    elif version in (ZLIB_CHUNK_VERSION, CHUNK_VERSION):
        if len(blob) < _HEAD.size:
            raise ValueError(f"corrupt chunk: {len(blob)} bytes is shorter than its header")
        _, flags, n, steps_len = _HEAD.unpack_from(blob, 0)
        start = _HEAD.size
    else:
        raise ValueError(f"unknown chunk codec version {version}")
    zstd = version == CHUNK_VERSION
    steps_part = blob[start:start + steps_len]
    if flags & _EVEN_STEPS:
        if len(steps_part) != _STEP_RULE.size:
            raise ValueError("corrupt chunk: truncated step rule")
        first, spacing = _STEP_RULE.unpack(steps_part)
        with np.errstate(over="ignore"):
            steps = np.arange(n, dtype=np.int64) * np.int64(spacing) + np.int64(first)
    else:
        deltas = _unshuffle(steps_part, zstd, n).view(np.int64)
        steps = np.cumsum(deltas, dtype=np.int64)
    xored = _unshuffle(blob[start + steps_len:], zstd, n)
    words = np.bitwise_xor.accumulate(xored) if n else xored
    return steps, words.view(np.float64)


def chunk_step_rule(blob: bytes) -> tuple[int, int] | None:
    """``(first step, spacing)`` of a chunk whose steps are evenly spaced (stored as that
    rule), from its header alone; None for any other chunk."""
    if len(blob) < _HEAD.size + _STEP_RULE.size or blob[0] != CHUNK_VERSION:
        return None
    _, flags, _, steps_len = _HEAD.unpack_from(blob, 0)
    if not flags & _EVEN_STEPS or steps_len != _STEP_RULE.size:
        return None
    first, spacing = _STEP_RULE.unpack_from(blob, _HEAD.size)
    return int(first), int(spacing)


@dataclass(frozen=True)
class Envelope:
    """Aggregates over consecutive groups of points; every array has one entry a group."""

    step_first: Int64s
    step_last: Int64s
    vmin: Float64s
    vmax: Float64s
    vsum: Float64s
    count: Int64s
    """Finite (not NaN) points in the group; min, max and sum skip NaN."""
    last: Float64s
    points: Int64s
    """All points in the group, NaN included."""

    @property
    def size(self) -> int:
        return int(self.step_first.size)


_ENV_FIELDS = ("step_first", "step_last", "vmin", "vmax", "vsum", "count", "last", "points")
_FLOAT_FIELDS = frozenset({"vmin", "vmax", "vsum", "last"})
_ENV_HEAD = struct.Struct("<BI")  # version, groups


def envelope_of(steps: Int64s, values: Float64s, group: int = ENVELOPE_POINTS) -> Envelope:
    """Aggregate points in groups of ``group`` (the last group may be shorter)."""
    n = int(steps.size)
    starts = np.arange(0, n, group, dtype=np.int64)
    return envelope_at(steps, values, starts)


def envelope_at(steps: Int64s, values: Float64s, starts: Int64s) -> Envelope:
    """Aggregate the points between consecutive ``starts`` (indexes; the first must be 0)."""
    n = int(steps.size)
    if n == 0 or starts.size == 0:
        return empty_envelope()
    ends = np.append(starts[1:], n)
    points = (ends - starts).astype(np.int64)
    nan = np.isnan(values)
    # A sum may overflow to inf or meet inf and -inf (NaN): expected, not a warning.
    with np.errstate(invalid="ignore", over="ignore"):
        vmin = np.fmin.reduceat(values, starts)
        vmax = np.fmax.reduceat(values, starts)
        if nan.any():
            vsum = np.add.reduceat(np.where(nan, 0.0, values), starts)
            count = points - np.add.reduceat(nan.astype(np.int64), starts)
        else:  # the usual case: two passes fewer
            vsum = np.add.reduceat(values, starts)
            count = points.copy()
    return Envelope(
        step_first=steps[starts],
        step_last=steps[ends - 1],
        vmin=vmin,
        vmax=vmax,
        vsum=vsum,
        count=count,
        last=values[ends - 1],
        points=points,
    )


def _envelope(fields: Sequence[npt.NDArray[Any]]) -> Envelope:
    """An Envelope from its eight arrays in ``_ENV_FIELDS`` order, with the right dtypes."""
    step_first, step_last, vmin, vmax, vsum, count, last, points = fields
    return Envelope(
        step_first=step_first.astype(np.int64, copy=False),
        step_last=step_last.astype(np.int64, copy=False),
        vmin=vmin.astype(np.float64, copy=False),
        vmax=vmax.astype(np.float64, copy=False),
        vsum=vsum.astype(np.float64, copy=False),
        count=count.astype(np.int64, copy=False),
        last=last.astype(np.float64, copy=False),
        points=points.astype(np.int64, copy=False),
    )


def empty_envelope() -> Envelope:
    return _envelope([np.zeros(0, np.int64 if f not in _FLOAT_FIELDS else np.float64)
                      for f in _ENV_FIELDS])


def merge_envelopes(parts: Sequence[Envelope]) -> Envelope:
    """Groups of consecutive envelopes, one after the other."""
    if not parts:
        return empty_envelope()
    if len(parts) == 1:
        return parts[0]
    return _envelope([np.concatenate([getattr(p, f) for p in parts]) for f in _ENV_FIELDS])


def regroup(env: Envelope, starts: Int64s) -> Envelope:
    """Combine groups of an envelope (between consecutive ``starts``) into coarser ones."""
    if env.size == 0 or starts.size == 0:
        return env
    ends = np.append(starts[1:], env.size)
    with np.errstate(invalid="ignore", over="ignore"):
        vmin = np.fmin.reduceat(env.vmin, starts)
        vmax = np.fmax.reduceat(env.vmax, starts)
        vsum = np.add.reduceat(env.vsum, starts)
    return Envelope(
        step_first=env.step_first[starts],
        step_last=env.step_last[ends - 1],
        vmin=vmin,
        vmax=vmax,
        vsum=vsum,
        count=np.add.reduceat(env.count, starts),
        last=env.last[ends - 1],
        points=np.add.reduceat(env.points, starts),
    )


def slice_envelope(env: Envelope, lo: int, hi: int) -> Envelope:
    """Groups ``lo`` to ``hi`` (exclusive), like a list slice."""
    return Envelope(env.step_first[lo:hi], env.step_last[lo:hi], env.vmin[lo:hi],
                    env.vmax[lo:hi], env.vsum[lo:hi], env.count[lo:hi], env.last[lo:hi],
                    env.points[lo:hi])


def select_groups(env: Envelope, keep: npt.NDArray[np.bool_]) -> Envelope:
    """The groups where ``keep`` is true."""
    return _envelope([getattr(env, f)[keep] for f in _ENV_FIELDS])


def encode_envelope(env: Envelope) -> bytes:
    parts = [np.ascontiguousarray(getattr(env, f), dtype="<f8" if f in _FLOAT_FIELDS else "<i8")
             .tobytes() for f in _ENV_FIELDS]
    data, zstd = _compress(b"".join(parts))
    return _ENV_HEAD.pack(ENVELOPE_VERSION if zstd else ZLIB_ENVELOPE_VERSION, env.size) + data


def decode_envelope(blob: bytes) -> Envelope:
    return decode_envelopes([blob])


def decode_envelopes(blobs: Sequence[bytes]) -> Envelope:
    """The envelopes of consecutive chunks as one: a few numpy operations whatever the
    number of chunks, so that reading a long series' envelope costs little Python."""
    raws: list[bytes] = []
    sizes: list[int] = []
    for blob in blobs:
        if len(blob) < _ENV_HEAD.size:
            raise ValueError(f"corrupt envelope: {len(blob)} bytes is shorter than its header")
        version, size = _ENV_HEAD.unpack_from(blob, 0)
        if version not in (ZLIB_ENVELOPE_VERSION, ENVELOPE_VERSION):
            raise ValueError(f"unknown envelope codec version {version}")
        raw = _decompress(blob[_ENV_HEAD.size:], version == ENVELOPE_VERSION,
                          size * 8 * len(_ENV_FIELDS), "envelope")
        raws.append(raw)
        sizes.append(size)
    if not raws:
        return empty_envelope()
    words = np.frombuffer(b"".join(raws), dtype="<u8").astype(np.uint64, copy=False)
    width = len(_ENV_FIELDS)
    if len(set(sizes)) == 1:
        table = words.reshape(len(sizes), width, sizes[0])
        columns = [table[:, i, :].reshape(-1) for i in range(width)]
    else:
        size_arr = np.array(sizes, dtype=np.int64)
        blob_of = np.repeat(np.arange(size_arr.size), size_arr)
        group_start = np.cumsum(size_arr) - size_arr
        local = np.arange(int(size_arr.sum()), dtype=np.int64) - group_start[blob_of]
        base = group_start[blob_of] * width + local
        columns = [words[base + i * size_arr[blob_of]] for i in range(width)]
    return _envelope([col.view(np.float64) if f in _FLOAT_FIELDS else col.view(np.int64)
                      for f, col in zip(_ENV_FIELDS, columns, strict=True)])


def decode_chunks(blobs: Sequence[bytes]) -> tuple[Int64s, Float64s]:
    """The points of consecutive chunks, one after the other."""
    if len(blobs) == 1:
        return decode_chunk(blobs[0])
    if not blobs:
        return np.zeros(0, np.int64), np.zeros(0, np.float64)
    decoded = [decode_chunk(blob) for blob in blobs]
    return (np.concatenate([s for s, _ in decoded]), np.concatenate([v for _, v in decoded]))
