"""Chunk and envelope encoding: bit-exact round trips and exact min/max envelopes."""

from __future__ import annotations

import math
import struct
import zlib

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from cairn.store.codec import (
    CHUNK_POINTS,
    ENVELOPE_POINTS,
    Envelope,
    decode_chunk,
    decode_envelope,
    encode_chunk,
    encode_envelope,
    envelope_at,
    envelope_of,
    merge_envelopes,
    regroup,
    slice_envelope,
)

FIELDS = ("step_first", "step_last", "vmin", "vmax", "vsum", "count", "last", "points")
INT64 = st.integers(-(2**63), 2**63 - 1)
ANY_FLOAT = st.floats(allow_nan=True, allow_infinity=True, allow_subnormal=True)
SPECIAL = st.sampled_from([math.nan, math.inf, -math.inf, -0.0, 0.0, 5e-324, -5e-324,
                           2.2250738585072014e-308, 1.7976931348623157e308])
FAST = settings(max_examples=60, deadline=None)


def _bits(values: np.ndarray) -> list[int]:
    return values.astype("<f8").view("<u8").tolist()


def _sorted_steps(raw: list[int]) -> np.ndarray:
    return np.array(sorted(set(raw)), dtype=np.int64)


@FAST
@given(st.lists(INT64, max_size=300, unique=True), st.data())
def test_chunk_round_trip_is_bit_exact(raw_steps: list[int], data: st.DataObject) -> None:
    steps = _sorted_steps(raw_steps)
    values = np.array(data.draw(st.lists(ANY_FLOAT | SPECIAL, min_size=steps.size,
                                         max_size=steps.size)), dtype=np.float64)
    out_steps, out_values = decode_chunk(encode_chunk(steps, values))
    assert out_steps.dtype == np.int64
    assert out_values.dtype == np.float64
    assert out_steps.tolist() == steps.tolist()
    assert _bits(out_values) == _bits(values)


def test_chunk_round_trip_keeps_nan_payloads_and_signed_zero() -> None:
    odd_nan = np.array([0x7FF8_0000_DEAD_BEEF], dtype=np.uint64).view(np.float64)[0]
    values = np.array([odd_nan, -0.0, 0.0, math.inf, -math.inf, 5e-324, 1e308, -1e-308])
    steps = np.arange(values.size, dtype=np.int64) * 10**15
    _, out = decode_chunk(encode_chunk(steps, values))
    assert _bits(out) == _bits(values)
    assert math.copysign(1.0, out[1]) == -1.0


@pytest.mark.parametrize("n", [0, 1, 2, CHUNK_POINTS])
def test_chunk_sizes(n: int) -> None:
    steps = np.arange(n, dtype=np.int64) * 3 + 7
    values = np.sin(np.arange(n, dtype=np.float64))
    out_steps, out_values = decode_chunk(encode_chunk(steps, values))
    assert out_steps.tolist() == steps.tolist()
    assert _bits(out_values) == _bits(values)


def test_chunk_accepts_strided_and_non_float_input() -> None:
    steps = np.arange(0, 40, dtype=np.int64)[::2]
    values = np.arange(40, dtype=np.int64)[::2]
    out_steps, out_values = decode_chunk(encode_chunk(steps, values.astype(np.float64)))
    assert out_steps.tolist() == steps.tolist()
    assert out_values.tolist() == values.astype(np.float64).tolist()


def test_chunk_with_extreme_steps_wraps_back() -> None:
    steps = np.array([-(2**63), -1, 0, 2**63 - 1], dtype=np.int64)
    out_steps, _ = decode_chunk(encode_chunk(steps, np.zeros(4)))
    assert out_steps.tolist() == steps.tolist()


def _encode_v1(steps: np.ndarray, values: np.ndarray) -> bytes:
    """A chunk as cairn 0.1 wrote it: no flags byte, steps always deflated."""
    def shuffle(words: np.ndarray) -> bytes:
        return zlib.compress(words.view(np.uint8).reshape(-1, 8).T.copy().tobytes(), 1)

    deltas = np.diff(steps, prepend=np.int64(0)).astype("<i8").view("<u8")
    words = values.astype("<f8").view("<u8")
    xored = np.concatenate([words[:1], words[1:] ^ words[:-1]])
    steps_z = shuffle(deltas)
    return struct.pack("<BII", 1, steps.size, len(steps_z)) + steps_z + shuffle(xored)


@pytest.mark.parametrize("steps", [[0, 1, 2, 3], [5, 9, 200], [7], []])
def test_version_1_chunks_still_read(steps: list[int]) -> None:
    s = np.array(steps, dtype=np.int64)
    v = np.linspace(-1, 1, s.size)
    out_steps, out_values = decode_chunk(_encode_v1(s, v))
    assert out_steps.tolist() == steps
    assert out_values.tolist() == v.tolist()


def _encode_v2(steps: np.ndarray, values: np.ndarray) -> bytes:
    """A chunk as cairn wrote it before zstd: version 2, steps and values deflated."""
    def shuffle(words: np.ndarray) -> bytes:
        return zlib.compress(words.view(np.uint8).reshape(-1, 8).T.copy().tobytes(), 1)

    deltas = np.diff(steps, prepend=np.int64(0)).astype("<i8").view("<u8")
    words = values.astype("<f8").view("<u8")
    xored = np.concatenate([words[:1], words[1:] ^ words[:-1]])
    steps_z = shuffle(deltas)
    return struct.pack("<BBII", 2, 0, steps.size, len(steps_z)) + steps_z + shuffle(xored)


def _encode_envelope_v1(env: Envelope) -> bytes:
    """An envelope as cairn wrote it before zstd: version 1, deflated."""
    parts = [getattr(env, f).astype("<f8" if f in ("vmin", "vmax", "vsum", "last") else "<i8")
             .tobytes() for f in FIELDS]
    return struct.pack("<BI", 1, env.size) + zlib.compress(b"".join(parts), 1)


@pytest.mark.parametrize("steps", [[0, 1, 2, 3], [5, 9, 200], [7], []])
def test_version_2_chunks_and_version_1_envelopes_still_read(steps: list[int]) -> None:
    s = np.array(steps, dtype=np.int64)
    v = np.linspace(-1, 1, s.size)
    out_steps, out_values = decode_chunk(_encode_v2(s, v))
    assert out_steps.tolist() == steps
    assert _bits(out_values) == _bits(v)
    env = envelope_of(s, v, 2)
    back = decode_envelope(_encode_envelope_v1(env))
    for name in FIELDS:
        assert getattr(back, name).tobytes() == getattr(env, name).tobytes(), name


def test_new_chunks_and_envelopes_are_zstd() -> None:
    s = np.array([1, 2, 4, 8, 9], dtype=np.int64)
    blob = encode_chunk(s, np.sin(s * 1.0))
    assert blob[0] == 3
    zstd_magic = b"\x28\xb5\x2f\xfd"
    assert zstd_magic in blob
    env_blob = encode_envelope(envelope_of(s, np.sin(s * 1.0)))
    assert env_blob[0] == 2
    assert env_blob[5:9] == zstd_magic


def test_a_damaged_zstd_chunk_is_refused_before_it_is_inflated() -> None:
    s = np.arange(CHUNK_POINTS, dtype=np.int64)
    blob = bytearray(encode_chunk(s, np.cos(s * 0.1)))
    at = blob.index(b"\x28\xb5\x2f\xfd")
    blob[at + 4:at + 6] = b"\xff\xff"  # the frame header: its declared size is now wrong
    with pytest.raises(ValueError, match="corrupt chunk"):
        decode_chunk(bytes(blob))
    with pytest.raises(ValueError, match="corrupt chunk"):
        decode_chunk(bytes(blob[:at + 2]))


@pytest.mark.parametrize("steps", [[3, 5], [0, 10, 20, 30], [2**63 - 3, 2**63 - 2, 2**63 - 1],
                                   [-(2**63), 0], [-5, -4, -3]])
def test_evenly_spaced_steps_take_no_space(steps: list[int]) -> None:
    s = np.array(steps, dtype=np.int64)
    blob = encode_chunk(s, np.zeros(s.size))
    assert blob[1] == 1  # the even-steps flag
    assert decode_chunk(blob)[0].tolist() == steps
    with pytest.raises(ValueError, match="corrupt"):
        decode_chunk(blob[:12] + blob[13:])


def test_chunk_compresses_a_step_counter_well() -> None:
    steps = np.arange(CHUNK_POINTS, dtype=np.int64)
    blob = encode_chunk(steps, np.ones(CHUNK_POINTS))
    assert len(blob) < CHUNK_POINTS // 4


def test_decode_rejects_unknown_version_and_corrupt_payload() -> None:
    blob = encode_chunk(np.array([1, 2, 4, 8, 9], dtype=np.int64), np.ones(5))
    with pytest.raises(ValueError, match="version"):
        decode_chunk(b"\x09" + blob[1:])
    with pytest.raises(ValueError, match="corrupt"):
        decode_chunk(blob[:-3])
    with pytest.raises(ValueError, match="corrupt"):
        decode_chunk(blob[:4])
    with pytest.raises(ValueError, match="corrupt"):
        decode_chunk(b"\x02" + blob[1:8])
    with pytest.raises(ValueError, match="corrupt"):
        decode_chunk(b"\x02" + blob[1:])  # zstd data under the zlib version
    header = struct.pack("<BII", 1, 6, 0)
    with pytest.raises(ValueError, match="corrupt"):
        decode_chunk(header + zlib.compress(b"x" * 3))


# ---- envelopes -----------------------------------------------------------------------

def _brute(steps: np.ndarray, values: np.ndarray) -> dict[str, object]:
    """One group's aggregates by plain Python: NaN skipped, infinities kept."""
    finite = [float(v) for v in values.tolist() if not math.isnan(v)]
    return {
        "step_first": int(steps[0]), "step_last": int(steps[-1]),
        "vmin": min(finite) if finite else math.nan,
        "vmax": max(finite) if finite else math.nan,
        "count": len(finite), "last": float(values[-1]), "points": int(values.size),
    }


def _same(a: float, b: float) -> bool:
    return (math.isnan(a) and math.isnan(b)) or a == b


def _check_envelope(env: Envelope, steps: np.ndarray, values: np.ndarray,
                    starts: list[int]) -> None:
    assert env.size == len(starts)
    if not starts:
        return
    ends = [*starts[1:], steps.size]
    for i, (a, b) in enumerate(zip(starts, ends, strict=True)):
        want = _brute(steps[a:b], values[a:b])
        for name, expected in want.items():
            got = getattr(env, name)[i]
            assert _same(float(got), float(expected)), (name, i, got, expected)  # type: ignore[arg-type]
        finite = values[a:b][~np.isnan(values[a:b])]
        with np.errstate(invalid="ignore", over="ignore"):
            total = float(np.sum(finite)) if finite.size else 0.0
        # Sums near the float limit (or with infinities) depend on the order of adding.
        if float(np.abs(finite).max(initial=0.0)) < 1e300:
            assert math.isclose(env.vsum[i], total, rel_tol=1e-9, abs_tol=1e-9)


VALUES = st.floats(allow_nan=True, allow_infinity=True, min_value=None, max_value=None,
                   width=64) | SPECIAL


@FAST
@given(st.lists(VALUES, max_size=700), st.integers(1, 300))
def test_envelope_of_matches_brute_force(raw: list[float], group: int) -> None:
    values = np.array(raw, dtype=np.float64)
    steps = np.arange(values.size, dtype=np.int64) * 2
    env = envelope_of(steps, values, group)
    _check_envelope(env, steps, values, list(range(0, values.size, group)))


def test_envelope_skips_nan_but_keeps_inf_spike() -> None:
    values = np.array([1.0, math.nan, math.inf, 2.0, math.nan, math.nan, -math.inf, 0.5])
    steps = np.arange(8, dtype=np.int64)
    env = envelope_of(steps, values, 4)
    assert env.vmax.tolist() == [math.inf, 0.5]
    assert env.vmin.tolist() == [1.0, -math.inf]
    assert env.count.tolist() == [3, 2]
    assert env.points.tolist() == [4, 4]
    assert env.vsum[0] == math.inf
    assert env.last.tolist() == [2.0, 0.5]
    all_nan = envelope_of(steps[:3], np.full(3, math.nan), 4)
    assert math.isnan(all_nan.vmin[0])
    assert math.isnan(all_nan.vmax[0])
    assert all_nan.count.tolist() == [0]
    assert all_nan.vsum.tolist() == [0.0]


def test_empty_envelope() -> None:
    env = envelope_of(np.zeros(0, np.int64), np.zeros(0, np.float64))
    assert env.size == 0
    assert decode_envelope(encode_envelope(env)).size == 0
    assert regroup(env, np.zeros(1, np.int64)).size == 0


@FAST
@given(st.lists(VALUES, min_size=1, max_size=600), st.integers(1, 40), st.data())
def test_regroup_of_parts_equals_envelope_of_whole(raw: list[float], group: int,
                                                   data: st.DataObject) -> None:
    values = np.array(raw, dtype=np.float64)
    steps = np.cumsum(np.arange(1, values.size + 1, dtype=np.int64))
    fine = envelope_of(steps, values, group)
    # Coarse groups: any increasing set of fine-group boundaries starting at 0.
    cuts = data.draw(st.lists(st.integers(1, max(1, fine.size - 1)), max_size=10))
    starts = np.array(sorted({0, *[c for c in cuts if c < fine.size]}), dtype=np.int64)
    coarse = regroup(fine, starts)
    point_starts = [int(s) * group for s in starts]
    _check_envelope(coarse, steps, values, point_starts)
    direct = envelope_at(steps, values, np.array(point_starts, dtype=np.int64))
    for name in FIELDS:
        if name != "vsum":
            assert [_same(float(a), float(b)) for a, b in
                    zip(getattr(coarse, name), getattr(direct, name), strict=True)] == \
                [True] * coarse.size, name


@FAST
@given(st.lists(VALUES, max_size=800))
def test_merged_chunk_envelopes_equal_envelope_of_series(raw: list[float]) -> None:
    values = np.array(raw, dtype=np.float64)
    steps = np.arange(values.size, dtype=np.int64)
    chunk = 4 * ENVELOPE_POINTS // 16  # several chunks of a few groups each
    group = ENVELOPE_POINTS // 16
    parts = [envelope_of(steps[a:a + chunk], values[a:a + chunk], group)
             for a in range(0, values.size, chunk)]
    merged = merge_envelopes(parts) if parts else envelope_of(steps, values, group)
    whole = envelope_of(steps, values, group)
    for name in FIELDS:
        assert [_same(float(a), float(b)) for a, b in
                zip(getattr(merged, name), getattr(whole, name), strict=True)] == \
            [True] * whole.size


@FAST
@given(st.lists(VALUES, max_size=600), st.integers(1, 300))
def test_envelope_encoding_round_trip(raw: list[float], group: int) -> None:
    values = np.array(raw, dtype=np.float64)
    steps = np.arange(values.size, dtype=np.int64) - 50
    env = envelope_of(steps, values, group)
    back = decode_envelope(encode_envelope(env))
    for name in FIELDS:
        a, b = getattr(env, name), getattr(back, name)
        assert a.dtype == b.dtype
        assert a.astype(a.dtype).tobytes() == b.tobytes(), name


def test_decode_envelope_rejects_unknown_version() -> None:
    blob = encode_envelope(envelope_of(np.arange(3, dtype=np.int64), np.ones(3)))
    with pytest.raises(ValueError, match="version"):
        decode_envelope(b"\x07" + blob[1:])


def test_slice_envelope() -> None:
    env = envelope_of(np.arange(10, dtype=np.int64), np.arange(10.0), 2)
    part = slice_envelope(env, 1, 3)
    assert part.step_first.tolist() == [2, 4]
    assert part.vmax.tolist() == [3.0, 5.0]
