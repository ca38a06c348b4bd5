"""What a store has applied of each writing session: the ``wal_progress`` table.

A session's records are numbered 1, 2, 3, … by its writer. The store keeps, per (run,
session), the highest number applied (the high-water mark) and the numbers below it that
were never applied (gaps), as ranges: a record arriving after a higher-numbered one is
still applied, exactly once, and a writer jumping to a huge number costs one range, not
one entry per number skipped.

A row written before gaps were kept (``gaps`` NULL) is *legacy*: its gaps are unknown, so
everything up to its mark counts as applied until ``cairn sync`` repairs it from the WAL
(:func:`cairn.wal.replay.replay`): records that appear in a WAL after a higher-numbered one
were skipped by the old rule, and become the session's gaps.
"""

from __future__ import annotations

import bisect
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import msgpack

if TYPE_CHECKING:
    from cairn.store.apply import Cursor

MAX_SEQ = 2**63 - 1
"""The largest sequence number a store holds (a signed 64-bit column); a record numbered
outside 1..MAX_SEQ is not a writer's record and is skipped."""

MAX_GAPS = 4096
"""Gaps kept per session. A writer numbers its records in order, so real gaps are few (a
record it could not encode); past this many the lowest are forgotten (counted as
applied), so that hostile numbering (every other number) cannot grow a row without end."""

Span = tuple[int, int]
"""An inclusive range of sequence numbers ``(first, last)``."""


def as_spans(seqs: Iterable[int]) -> list[Span]:
    """Sequence numbers as sorted, disjoint, non-adjacent ranges."""
    spans: list[Span] = []
    for seq in sorted(set(seqs)):
        if spans and spans[-1][1] + 1 == seq:
            spans[-1] = (spans[-1][0], seq)
        else:
            spans.append((seq, seq))
    return spans


@dataclass
class SessionProgress:
    """Every record numbered 1..``mark`` is applied except those in ``gaps``; ``gaps``
    None: unknown (a legacy row), taken as none."""

    mark: int = 0
    gaps: list[Span] | None = field(default_factory=list)

    @property
    def legacy(self) -> bool:
        return self.gaps is None

    def holds(self, seq: int) -> bool:
        """Whether the record numbered ``seq`` is applied (or is no writer's record)."""
        if seq < 1 or seq > MAX_SEQ:
            return True
        if seq > self.mark:
            return False
        return self._gap_at(seq) < 0

    def add(self, seq: int) -> None:
        """Count the record ``seq`` (one that ``holds`` says is missing) as applied."""
        if seq > self.mark:
            if self.gaps is not None and seq > self.mark + 1:
                self.gaps.append((self.mark + 1, seq - 1))
                del self.gaps[:-MAX_GAPS]
            self.mark = seq
            return
        at = self._gap_at(seq)
        if at < 0 or self.gaps is None:
            return
        first, last = self.gaps[at]
        pieces = [(a, b) for a, b in ((first, seq - 1), (seq + 1, last)) if a <= b]
        self.gaps[at:at + 1] = pieces
        del self.gaps[:-MAX_GAPS]  # a split adds one: the cap holds here too

    def reopen(self, spans: Iterable[Span]) -> None:
        """Known gaps for a legacy row: ``spans`` (cut to the mark), none else."""
        wanted = [(max(1, a), min(b, self.mark)) for a, b in spans]
        merged: list[Span] = []
        for first, last in sorted(s for s in wanted if s[0] <= s[1]):
            if merged and first <= merged[-1][1] + 1:
                merged[-1] = (merged[-1][0], max(last, merged[-1][1]))
            else:
                merged.append((first, last))
        self.gaps = merged[-MAX_GAPS:]

    def _gap_at(self, seq: int) -> int:
        """The index of the gap holding ``seq``, or -1."""
        if not self.gaps:
            return -1
        at = bisect.bisect_right(self.gaps, (seq, MAX_SEQ + 1)) - 1
        if at >= 0 and self.gaps[at][0] <= seq <= self.gaps[at][1]:
            return at
        return -1


def _pack_gaps(gaps: list[Span] | None) -> bytes | None:
    if gaps is None:
        return None
    return msgpack.packb([n for span in gaps for n in span])


def _unpack_gaps(blob: bytes | None) -> list[Span] | None:
    if blob is None:
        return None
    flat = msgpack.unpackb(blob)
    return [(int(flat[i]), int(flat[i + 1])) for i in range(0, len(flat) - 1, 2)]


def load_progress(conn: Cursor, run_pk: int, session: str) -> SessionProgress:
    row = conn.execute("SELECT seq, gaps FROM wal_progress WHERE run = ? AND session = ?",
                       (run_pk, session)).fetchone()
    if row is None:
        return SessionProgress()
    return SessionProgress(int(row[0]), _unpack_gaps(row[1]))


def save_progress(conn: Cursor, run_pk: int, session: str, progress: SessionProgress) -> None:
    conn.execute(
        "INSERT INTO wal_progress (run, session, seq, gaps) VALUES (?, ?, ?, ?) "
        "ON CONFLICT (run, session) DO UPDATE SET seq = excluded.seq, gaps = excluded.gaps",
        (run_pk, session, progress.mark, _pack_gaps(progress.gaps)))
