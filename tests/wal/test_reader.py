"""WalReader: round trips, every prefix, damage, bad files and live tailing (Hypothesis)."""

from __future__ import annotations

import os
import shutil
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from cairn.errors import WalError
from cairn.records import RunRef
from cairn.wal.format import HEADER, HEADER_SIZE, MAGIC, MARKER, encode_frame, encode_opening
from cairn.wal.reader import WalReader, read_wal
from cairn.wal.writer import WalWriter

RUN = RunRef("ent", "proj", "run1")
SESSION = "sess01"
Rec = tuple[int, str, dict[str, Any]]

_HYPOTHESIS = settings(max_examples=40, deadline=None,
                       suppress_health_check=[HealthCheck.function_scoped_fixture])

_scalars = st.one_of(
    st.none(), st.booleans(), st.integers(-(2**63), 2**63 - 1),
    st.floats(allow_nan=False), st.text(max_size=20),
    st.binary(max_size=40),
    # Marker bytes inside payloads: a reader must not take them for frames.
    st.just(MARKER * 3), st.just(b"x" + MARKER + b"\xff\xff\xff\x7f"),
)
_bodies = st.dictionaries(st.text(max_size=8), st.one_of(_scalars, st.lists(_scalars,
                                                                             max_size=4)),
                          max_size=5)
_kinds = st.sampled_from(["history", "config", "summary", "heartbeat", "meta", "future"])


@st.composite
def _records(draw: st.DrawFn, min_size: int = 0, max_size: int = 12) -> list[Rec]:
    pairs = draw(st.lists(st.tuples(_kinds, _bodies), min_size=min_size, max_size=max_size))
    return [(seq, kind, body) for seq, (kind, body) in enumerate(pairs, start=1)]


def _write(path: Path, records: list[Rec], chunks: int = 3) -> list[int]:
    """Write the records in a few appends; return where each record's frame ends."""
    writer = WalWriter(path, RUN, SESSION)
    step = max(1, len(records) // chunks)
    for at in range(0, len(records), step):
        writer.append(records[at:at + step])
    writer.close()
    ends, pos = [], len(encode_opening(RUN, SESSION))
    for seq, kind, body in records:
        pos += len(encode_frame(seq, kind, body))
        ends.append(pos)
    assert pos == path.stat().st_size
    return ends


def _triples(path: Path, reader: WalReader | None = None) -> list[Rec]:
    reader = reader or WalReader(path)
    found = reader.read()
    assert all(r.run == RUN and r.session == SESSION for r in found)
    return [(r.seq, r.kind, r.body) for r in found]


@_HYPOTHESIS
@given(records=_records())
def test_what_is_written_reads_back_equal(tmp_path: Path, records: list[Rec]) -> None:
    path = tmp_path / "rt.cairn"
    path.unlink(missing_ok=True)
    _write(path, records)
    reader = WalReader(path)
    assert _triples(path, reader) == records
    assert not reader.torn
    assert reader.skipped_frames == 0
    assert reader.run == RUN
    assert reader.session == SESSION
    assert reader.offset == path.stat().st_size


@_HYPOTHESIS
@given(records=_records(max_size=6))
def test_every_prefix_reads_a_prefix_of_the_records(tmp_path: Path, records: list[Rec]) -> None:
    path = tmp_path / "prefix.cairn"
    path.unlink(missing_ok=True)
    ends = _write(path, records)
    opening = len(encode_opening(RUN, SESSION))
    boundaries = {HEADER_SIZE, opening - (opening - HEADER_SIZE) // 2, opening, *ends}
    # Cut from the end backwards: one file, truncated at every byte offset.
    for cut in range(path.stat().st_size, -1, -1):
        os.truncate(path, cut)
        reader = WalReader(path)
        got = _triples(path, reader)
        whole = sum(1 for end in ends if end <= cut)
        assert got == records[:whole], cut
        assert reader.torn == (cut not in boundaries), cut
        assert reader.skipped_frames == 0


def _frame_index(ends: list[int], pos: int) -> int:
    """Which record's frame holds byte ``pos`` (-1: the header or the open frames)."""
    for i, end in enumerate(ends):
        if pos < end:
            return i
    raise AssertionError(pos)


@_HYPOTHESIS
@given(records=_records(min_size=1), data=st.data())
def test_a_damaged_byte_loses_only_its_frame(tmp_path: Path, records: list[Rec],
                                             data: st.DataObject) -> None:
    path = tmp_path / "flip.cairn"
    path.unlink(missing_ok=True)
    ends = _write(path, records)
    opening = len(encode_opening(RUN, SESSION))
    pos = data.draw(st.integers(HEADER_SIZE, ends[-1] - 1), label="pos")
    xor = data.draw(st.integers(1, 255), label="xor")
    raw = bytearray(path.read_bytes())
    raw[pos] ^= xor
    path.write_bytes(bytes(raw))

    lost = -1 if pos < opening else _frame_index(ends, pos)
    expected = [r for i, r in enumerate(records) if i != lost]
    reader = WalReader(path)
    if lost == len(records) - 1:
        # The last frame: nothing intact follows it, so it reads as a torn end.
        assert _triples(path, reader) == expected
        assert reader.torn
        assert reader.skipped_frames == 0
        return
    with pytest.warns(RuntimeWarning, match="damaged bytes") as caught:
        got = _triples(path, reader)
    assert len(caught) == 1
    assert got == expected
    assert reader.skipped_frames == 1
    assert not reader.torn


def test_damage_in_several_places_warns_once_and_counts_each(tmp_path: Path) -> None:
    path = tmp_path / "multi.cairn"
    records = [(i, "history", {"i": i}) for i in range(1, 11)]
    ends = _write(path, records)
    raw = bytearray(path.read_bytes())
    for i in (2, 5, 7):  # a byte in the middle of frames 3, 6 and 8
        raw[ends[i] - 3] ^= 0xFF
    path.write_bytes(bytes(raw))
    reader = WalReader(path)
    with pytest.warns(RuntimeWarning) as caught:
        got = _triples(path, reader)
    assert len(caught) == 1
    assert [seq for seq, _, _ in got] == [1, 2, 4, 5, 7, 9, 10]
    assert reader.skipped_frames == 3


def test_on_damage_replaces_the_warning(tmp_path: Path) -> None:
    path = tmp_path / "cb.cairn"
    ends = _write(path, [(i, "history", {"i": i}) for i in range(1, 4)])
    raw = bytearray(path.read_bytes())
    raw[ends[0] + 5] ^= 1
    path.write_bytes(bytes(raw))
    messages: list[str] = []
    reader = WalReader(path, on_damage=messages.append)
    assert [seq for seq, _, _ in _triples(path, reader)] == [1, 3]
    assert len(messages) == 1
    assert "damaged" in messages[0]


def test_a_warning_turned_error_consumes_nothing(tmp_path: Path) -> None:
    path = tmp_path / "err.cairn"
    ends = _write(path, [(i, "history", {"i": i}) for i in range(1, 5)])
    raw = bytearray(path.read_bytes())
    raw[ends[1] + 5] ^= 1
    path.write_bytes(bytes(raw))
    reader = WalReader(path)
    with pytest.raises(RuntimeWarning):  # filterwarnings = error
        reader.read()
    assert reader.offset == 0
    assert reader.skipped_frames == 0
    # The warning is spent: the retry reads every intact record.
    assert [r.seq for r in reader.read()] == [1, 2, 4]
    assert reader.skipped_frames == 1


def test_damaged_open_frames_raise(tmp_path: Path) -> None:
    path = tmp_path / "orphan.cairn"
    _write(path, [(1, "history", {"i": 1}), (2, "history", {"i": 2})])
    opening = len(encode_opening(RUN, SESSION))
    raw = bytearray(path.read_bytes())
    half = (opening - HEADER_SIZE) // 2
    raw[HEADER_SIZE + 12] ^= 1
    raw[HEADER_SIZE + half + 12] ^= 1
    path.write_bytes(bytes(raw))
    with pytest.warns(RuntimeWarning), pytest.raises(WalError, match="open frames"):
        read_wal(path)


# ---- files that are not WALs -------------------------------------------------------------
@pytest.mark.parametrize("content", [
    b"hello, this is a text file and not a WAL",
    b"SQLite format 3\x00" + bytes(100),
    b"CAIRNWAX" + bytes(8),
    b"nope",
])
def test_a_file_that_is_not_a_wal_raises(tmp_path: Path, content: bytes) -> None:
    path = tmp_path / "x.cairn"
    path.write_bytes(content)
    with pytest.raises(WalError, match=r"x\.cairn: not a cairn WAL file"):
        read_wal(path)


def test_a_newer_version_raises_and_says_to_upgrade(tmp_path: Path) -> None:
    path = tmp_path / "new.cairn"
    _write(path, [(1, "history", {"i": 1})])
    raw = bytearray(path.read_bytes())
    raw[:HEADER_SIZE] = HEADER.pack(MAGIC, 2)
    path.write_bytes(bytes(raw))
    with pytest.raises(WalError, match=r"version 2 is newer than this cairn reads \(1\); "
                                       "upgrade cairn"):
        read_wal(path)


def test_version_zero_is_not_a_wal(tmp_path: Path) -> None:
    path = tmp_path / "zero.cairn"
    path.write_bytes(HEADER.pack(MAGIC, 0))
    with pytest.raises(WalError, match="version 0"):
        read_wal(path)


def test_a_missing_file_raises(tmp_path: Path) -> None:
    with pytest.raises(WalError, match="no such WAL file"):
        read_wal(tmp_path / "missing.cairn")


@pytest.mark.parametrize("content", [b"", MAGIC[:3], MAGIC + b"\x01"])
def test_a_file_cut_inside_its_header_is_empty_and_torn(tmp_path: Path, content: bytes) -> None:
    path = tmp_path / "short.cairn"
    path.write_bytes(content)
    reader = WalReader(path)
    assert reader.read() == []
    assert reader.torn


# ---- live tailing --------------------------------------------------------------------------
@_HYPOTHESIS
@given(first=_records(max_size=6), more=_records(min_size=1, max_size=6))
def test_tailing_returns_exactly_the_new_records(tmp_path: Path, first: list[Rec],
                                                 more: list[Rec]) -> None:
    path = tmp_path / "tail.cairn"
    path.unlink(missing_ok=True)
    more = [(len(first) + seq, kind, body) for seq, kind, body in more]
    writer = WalWriter(path, RUN, SESSION)
    writer.append(first)
    reader = WalReader(path)
    assert _triples(path, reader) == first
    assert reader.read() == []
    saved = reader.offset
    writer.append(more)
    writer.close()
    assert _triples(path, reader) == more
    # A new reader from the saved offset learns the run from the open frame.
    fresh = WalReader(path, offset=saved)
    assert _triples(path, fresh) == more


@_HYPOTHESIS
@given(records=_records(max_size=4), data=st.data())
def test_a_frame_cut_at_the_end_is_read_once_complete(tmp_path: Path, records: list[Rec],
                                                      data: st.DataObject) -> None:
    path = tmp_path / "cut.cairn"
    path.unlink(missing_ok=True)
    _write(path, records)
    # A last frame whose payload holds markers, as a half-written frame may.
    last = encode_frame(len(records) + 1, "history",
                        {"blob": MARKER * 4 + b"\x00" * 9, "n": 1})
    cut = data.draw(st.integers(1, len(last) - 1), label="cut")
    with path.open("ab") as fh:
        fh.write(last[:cut])
    reader = WalReader(path)
    assert _triples(path, reader) == records
    assert reader.torn
    assert reader.skipped_frames == 0
    with path.open("ab") as fh:
        fh.write(last[cut:])
    got = reader.read()
    assert [(r.seq, r.kind, r.body) for r in got] == [
        (len(records) + 1, "history", {"blob": MARKER * 4 + b"\x00" * 9, "n": 1})]
    assert not reader.torn
    assert reader.skipped_frames == 0


def test_reading_in_batches_gives_the_same_records(tmp_path: Path) -> None:
    path = tmp_path / "batches.cairn"
    records = [(i, "history", {"i": i}) for i in range(1, 24)]
    _write(path, records)
    reader = WalReader(path)
    batches = []
    while batch := reader.read(max_records=5):
        assert len(batch) <= 5
        batches.append(batch)
    assert [r.seq for batch in batches for r in batch] == list(range(1, 24))
    assert [len(b) for b in batches] == [5, 5, 5, 5, 3]


def test_iterating_and_copies_agree(tmp_path: Path) -> None:
    path = tmp_path / "iter.cairn"
    _write(path, [(i, "config", {"c": i}) for i in range(1, 4)])
    copy = tmp_path / "copy.cairn"
    shutil.copy(path, copy)
    assert [r.seq for r in WalReader(path)] == [r.seq for r in read_wal(copy)] == [1, 2, 3]
