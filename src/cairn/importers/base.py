"""What every importer shares: an imported run becomes records, applied through the
backend's store like a WAL's, so that importing twice changes nothing.

An importer reads one source (a wandb run folder, a TensorBoard folder, an MLflow run)
into an :class:`ImportedRun`. Its records carry a run id and a session named after the
source, and sequence numbers in the order the source is read, so a second import of the
same source produces the same ``(run, session, seq)`` triples and the store skips them
(``store/apply.py``). Records go to the store in batches as they are made, so a source
that breaks half way (a damaged file) keeps what was read before the damage.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from cairn.errors import Error
from cairn.records import Record, RunRef
from cairn.sdk.batch import Row, build_batch

if TYPE_CHECKING:
    from cairn.backend import Backend
    from cairn.store.progress import SessionProgress

HISTORY_ROWS = 5_000
"""Rows a history record holds; batches end at fixed row counts, so that the same source
always makes the same records."""
APPLY_RECORDS = 64
"""Records applied in one store transaction."""
TAIL_BASE = 2**40
TAIL_BLOCK = 2**16
"""Records made at the end of a source (``ImportedRun.tail``) are numbered
``TAIL_BASE + rows * TAIL_BLOCK + k``: by how many rows the source held then. A source
that grew (a run still writing at its first import) makes new numbers for its new end,
while everything read before keeps its numbers, so a new import adds only what is new."""

_ID_CHARS = re.compile(r"[^A-Za-z0-9_.-]+")


def run_id_from(text: str) -> str:
    """A run id made from a source's own id: the characters a run id may hold."""
    cleaned = _ID_CHARS.sub("-", text).strip("-.")
    return cleaned[:128] or "run"


class SourceError(Error):
    """A source that cannot be imported (not the format expected, unreadable, or the
    package that reads it is not installed); the message names the source."""


@dataclass
class ImportTotals:
    """What an import did, summed over runs."""

    changed: set[RunRef] = field(default_factory=set)
    """Runs that gained records (a resumed run's sessions count once)."""
    held: set[RunRef] = field(default_factory=set)
    """Runs with sessions whose every record the store already held (imported before)."""
    failed: int = 0
    points: int = 0
    files: int = 0
    records: int = 0
    skipped_records: int = 0
    warnings: list[str] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)

    @property
    def runs(self) -> int:
        return len(self.changed)

    @property
    def unchanged(self) -> int:
        return len(self.held - self.changed)

    def line(self) -> str:
        def count(n: int, word: str) -> str:
            return f"{n:,} {word if n == 1 else word + 's'}"

        parts = [f"imported {count(self.runs, 'run')}",
                 f"{count(self.points, 'point')}", f"{count(self.files, 'file')}"]
        if self.unchanged:
            parts.append(f"{count(self.unchanged, 'run')} already imported")
        if self.failed:
            parts.append(f"{count(self.failed, 'source')} failed")
        return ", ".join(parts)


class ImportedRun:
    """The records of one run (one session of it) read from a source, sent to the store
    in batches as they are made."""

    def __init__(self, backend: Backend, ref: RunRef, session: str, totals: ImportTotals,
                 source: str, *, numbered_from: int | None = None) -> None:
        """``numbered_from``: the importer numbers records itself (the next one gets
        ``numbered_from + 1``, see ``number_next``), which leaves out ``tail``'s
        numbering by rows read."""
        self.backend = backend
        self.ref = ref
        self.session = session
        self.source = source
        self._totals = totals
        self._seq = numbered_from or 0
        self._pending: list[Record] = []
        self._rows: list[Row] = []
        self._row_count = 0
        self._tail_seq: int | None = None
        self._cuts: set[int] | None = None if numbered_from is None else set()
        """Row counts at which earlier imports of this source ended (their last,
        partial history records), read from the store on the first row."""
        self._start_time = 0.0
        self._held: SessionProgress | None = None
        self.applied = 0
        self.skipped = 0
        self.points = 0
        self.files = 0

    # ---- making records ----------------------------------------------------------------
    def add(self, kind: str, body: dict[str, Any]) -> None:
        if self._tail_seq is not None:
            self._tail_seq += 1
            seq = self._tail_seq
        else:
            self._seq += 1
            seq = self._seq
        self._pending.append(Record(self.ref, self.session, seq, kind, body))
        if len(self._pending) >= APPLY_RECORDS:
            self.flush()

    def start(self, start_time: float, **body: Any) -> None:
        """The ``run`` record: name, notes, tags, group, job_type, host, …"""
        self._start_time = float(start_time)
        self.add("run", {**{k: v for k, v in body.items() if v is not None},
                         "start_time": self._start_time, "at": self._start_time})

    def resume(self, start_time: float) -> None:
        """Go on with a session an earlier import started at ``start_time`` (no ``run``
        record: the session keeps its start)."""
        self._start_time = float(start_time)

    def number_next(self, seq: int) -> None:
        """The next record gets ``seq`` (past every record made so far)."""
        self.flush_history()
        if seq <= self._seq:
            raise SourceError(f"{self.source}: too many records to import in one go "
                              f"({self._seq}); import it in parts")
        self._seq = seq - 1

    @property
    def last_seq(self) -> int:
        return self._seq

    def config(self, config: dict[str, Any]) -> None:
        self.add("config", {"config": config})

    def row(self, step: int, at: float, data: dict[str, Any]) -> None:
        """One history row (without ``_step``, ``_timestamp`` and ``_runtime``)."""
        # Keys in one order, so that rows with the same keys become one run of columns
        # (wandb's core writes a row's keys in any order).
        self._rows.append((int(step), float(at), dict(sorted(data.items()))))
        self._row_count += 1
        if self._cuts is None:
            self._cuts = earlier_ends(self._progress())
        if len(self._rows) >= HISTORY_ROWS:
            self.flush_history()
        elif self._row_count in self._cuts:  # where an earlier import ended: its record
            self._tail_seq = TAIL_BASE + self._row_count * TAIL_BLOCK - 1
            self.flush_history()
            self._tail_seq = None

    def tail(self) -> None:
        """The source is read to its end: what follows (the last rows, summary, files, the
        end) is numbered by the rows read (``TAIL_BASE``)."""
        if self._tail_seq is None:
            self._tail_seq = TAIL_BASE + self._row_count * TAIL_BLOCK - 1
            self.flush_history()

    def summary(self, values: dict[str, Any]) -> None:
        # Made even when empty: values that depend on the store's state (wandb's summary
        # overrides) must not change how many records, so the seqs, a source makes.
        self.add("summary", {"set": values, "del": []})

    def file(self, name: str, digest: str, size: int, mtime: float | None) -> None:
        self.add("file", {"name": name, "sha256": digest, "size": size, "mtime": mtime,
                          "policy": "now", "at": mtime, "blobs": [digest]})

    def put_file(self, name: str, path: Path) -> None:
        """Store ``path``'s content as the run file ``name``."""
        info = self.backend.blobs.put_file(path)
        self.file(name, info.digest, info.size, path.stat().st_mtime)

    def console(self, lines: list[list[Any]]) -> None:
        if lines:
            self.add("console", {"lines": lines})

    def finish(self, at: float, exit_code: int | None = 0, state: str | None = None) -> None:
        self.flush_history()
        body: dict[str, Any] = {"exit_code": exit_code, "at": float(at)}
        if state is not None:
            body["state"] = state
        self.add("finish", body)

    def flush_history(self) -> None:
        """Make a ``history`` record of the rows given so far."""
        if not self._rows:
            return
        rows, self._rows = self._rows, []
        batch = build_batch(rows, self._start_time, 0.0)
        body = batch.to_body()
        blobs = sorted(_digests(batch.objects))
        if blobs:
            body["blobs"] = blobs
        body["at"] = rows[-1][1]
        self.add("history", body)

    # ---- sending them ------------------------------------------------------------------
    def flush(self) -> None:
        """Apply the pending records to the store (one transaction)."""
        records, self._pending = self._pending, []
        if not records:
            return
        held = self._progress()
        result = self.backend.store.apply_records(records)
        self.applied += result.applied
        self.skipped += result.skipped
        self._count([r for r in records if not held.holds(r.seq)])

    def _progress(self) -> SessionProgress:
        if self._held is None:  # what an earlier import of this source applied
            self._held = self.backend.store.applied_progress(self.ref, self.session)
        return self._held

    def close(self) -> None:
        """Apply the rest; add this run to the totals."""
        self.flush_history()
        self.flush()
        totals = self._totals
        totals.records += self.applied
        totals.skipped_records += self.skipped
        totals.points += self.points
        totals.files += self.files
        if self.applied:
            totals.changed.add(self.ref)
        elif self.skipped:
            totals.held.add(self.ref)

    def _count(self, records: list[Record]) -> None:
        for record in records:
            if record.kind == "history":
                self.points += _history_points(record.body)
            elif record.kind == "file":
                self.files += 1


def earlier_ends(progress: SessionProgress) -> set[int]:
    """The row counts of the tail blocks (``TAIL_BASE``) that ``progress`` holds."""
    if progress.mark < TAIL_BASE:
        return set()
    applied: list[tuple[int, int]] = []
    start = TAIL_BASE
    for first, last in sorted(progress.gaps or []):
        if last < start:
            continue
        if first > start:
            applied.append((start, first - 1))
        start = max(start, last + 1)
    if start <= progress.mark:
        applied.append((start, progress.mark))
    ends: set[int] = set()
    for first, last in applied:
        block = (first - TAIL_BASE) // TAIL_BLOCK
        while TAIL_BASE + block * TAIL_BLOCK <= last and len(ends) < 100_000:
            ends.add(block)
            block += 1
    return ends


def _history_points(body: dict[str, Any]) -> int:
    """Values in a history record, less the ``_timestamp``/``_runtime`` stamps."""
    from cairn.records import decode_history

    numeric, objects = decode_history(body)
    count = sum(len(col.values) for key, col in numeric.items()
                if key not in ("_timestamp", "_runtime"))
    return count + sum(len(pairs) for pairs in objects.values())


def _digests(objects: dict[str, list[tuple[int, Any]]]) -> set[str]:
    found: set[str] = set()

    def walk(value: Any) -> None:
        if isinstance(value, dict):
            digest = value.get("sha256")
            if isinstance(digest, str) and "_type" in value:
                found.add(digest)
            spec = value.get("spec")
            if value.get("_type") == "custom-chart" and isinstance(spec, str):
                found.add(spec)  # a chart's spec is a blob too
            for item in value.values():
                walk(item)
        elif isinstance(value, list):
            for item in value:
                walk(item)

    for pairs in objects.values():
        for _, value in pairs:
            walk(value)
    return found
