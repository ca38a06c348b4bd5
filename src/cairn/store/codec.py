"""Encoding of metric-history chunks and their envelopes.

A chunk holds up to ``CHUNK_POINTS`` points of one series. Steps are stored as deltas,
values as float64 XOR-ed with their predecessor; both byte-shuffled (all first bytes, then
all second bytes, …) and deflated. Slowly changing values share their high bytes, which the
shuffle lines up for zlib: a noisy float64 series costs about 7 bytes a point, a float32
one about 3.5, a constant or a step counter almost nothing.

Each chunk also carries an envelope: for every ``ENVELOPE_POINTS`` consecutive points the
first and last step, min, max, sum, finite count and last value. Charts of a long series
read envelopes instead of points, so a zoomed-out view costs a bounded number of bytes and
still shows every spike (min and max are exact).
"""

from __future__ import annotations

import struct
import zlib
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

CODEC_VERSION = 1
CHUNK_POINTS = 4096
ENVELOPE_POINTS = 256
_HEAD = struct.Struct("<BII")  # version, points, length of the compressed steps

Int64s = npt.NDArray[np.int64]
Float64s = npt.NDArray[np.float64]


def _shuffle_deflate(words: npt.NDArray[np.uint64]) -> bytes:
    shuffled = words.view(np.uint8).reshape(-1, 8).T.copy()
    return zlib.compress(shuffled.tobytes(), 1)


def _inflate_unshuffle(data: bytes, n: int) -> npt.NDArray[np.uint64]:
    raw = np.frombuffer(zlib.decompress(data), dtype=np.uint8)
    if raw.size != n * 8:
        raise ValueError(f"chunk payload holds {raw.size} bytes, expected {n * 8}")
    return raw.reshape(8, n).T.copy().view("<u8").reshape(n).astype(np.uint64, copy=False)


def encode_chunk(steps: Int64s, values: Float64s) -> bytes:
    n = int(steps.size)
    step_deltas = np.diff(steps.astype("<i8"), prepend=np.int64(0)).view(np.uint64)
    words = values.astype("<f8").view(np.uint64)
    xored = np.empty_like(words)
    if n:
        xored[0] = words[0]
        np.bitwise_xor(words[1:], words[:-1], out=xored[1:])
    steps_z = _shuffle_deflate(step_deltas)
    return _HEAD.pack(CODEC_VERSION, n, len(steps_z)) + steps_z + _shuffle_deflate(xored)


def decode_chunk(blob: bytes) -> tuple[Int64s, Float64s]:
    version, n, steps_len = _HEAD.unpack_from(blob, 0)
    if version != CODEC_VERSION:
        raise ValueError(f"unknown chunk codec version {version}")
    start = _HEAD.size
    deltas = _inflate_unshuffle(blob[start:start + steps_len], n).view(np.int64)
    steps = np.cumsum(deltas, dtype=np.int64)
    xored = _inflate_unshuffle(blob[start + steps_len:], n)
    words = np.bitwise_xor.accumulate(xored) if n else xored
    return steps, words.view(np.float64)


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


def envelope_of(steps: Int64s, values: Float64s, group: int = ENVELOPE_POINTS) -> Envelope:
    """Aggregate points in groups of ``group`` (the last group may be shorter)."""
    n = int(steps.size)
    starts = np.arange(0, n, group, dtype=np.int64)
    return envelope_at(steps, values, starts)


def envelope_at(steps: Int64s, values: Float64s, starts: Int64s) -> Envelope:
    """Aggregate the points between consecutive ``starts`` (indexes; the first must be 0)."""
    n = int(steps.size)
    if n == 0 or starts.size == 0:
        empty_i = np.zeros(0, dtype=np.int64)
        empty_f = np.zeros(0, dtype=np.float64)
        return Envelope(empty_i, empty_i, empty_f, empty_f, empty_f, empty_i, empty_f, empty_i)
    ends = np.append(starts[1:], n)
    finite = ~np.isnan(values)
    with np.errstate(invalid="ignore"):
        vmin = np.fmin.reduceat(values, starts)
        vmax = np.fmax.reduceat(values, starts)
    with np.errstate(invalid="ignore"):  # inf + -inf is NaN, as it should be
        vsum = np.add.reduceat(np.where(finite, values, 0.0), starts)
    count = np.add.reduceat(finite.astype(np.int64), starts)
    return Envelope(
        step_first=steps[starts],
        step_last=steps[ends - 1],
        vmin=vmin,
        vmax=vmax,
        vsum=vsum,
        count=count,
        last=values[ends - 1],
        points=(ends - starts).astype(np.int64),
    )


def merge_envelopes(parts: list[Envelope]) -> Envelope:
    if len(parts) == 1:
        return parts[0]
    return Envelope(*(np.concatenate([getattr(p, f) for p in parts]) for f in _ENV_FIELDS))


def regroup(env: Envelope, starts: Int64s) -> Envelope:
    """Combine groups of an envelope (between consecutive ``starts``) into coarser ones."""
    if env.size == 0 or starts.size == 0:
        return env
    ends = np.append(starts[1:], env.size)
    with np.errstate(invalid="ignore"):
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
    return Envelope(*(getattr(env, f)[lo:hi] for f in _ENV_FIELDS))


def encode_envelope(env: Envelope) -> bytes:
    parts = [np.ascontiguousarray(getattr(env, f)).astype("<f8" if getattr(env, f).dtype.kind == "f"
                                                           else "<i8").tobytes()
             for f in _ENV_FIELDS]
    return struct.pack("<BI", CODEC_VERSION, env.size) + zlib.compress(b"".join(parts), 1)


def decode_envelope(blob: bytes) -> Envelope:
    version, size = struct.unpack_from("<BI", blob, 0)
    if version != CODEC_VERSION:
        raise ValueError(f"unknown envelope codec version {version}")
    raw = zlib.decompress(blob[5:])
    arrays = []
    for i, name in enumerate(_ENV_FIELDS):
        dtype = "<f8" if name in ("vmin", "vmax", "vsum", "last") else "<i8"
        arrays.append(np.frombuffer(raw, dtype=dtype, count=size, offset=i * size * 8)
                      .astype(np.float64 if dtype == "<f8" else np.int64))
    return Envelope(*arrays)
