"""WAL replay: finding a cairn folder's WAL files and applying them to a store.

This is what ``cairn sync`` runs. It completes the WALs that never reached the store: runs
logged with ``mode="offline"``, runs whose process was killed before its records were
applied, and runs whose store was locked or unreachable at ``finish()``.

Replay reads a file in batches of ``batch_size`` records (bounded memory) and hands each
batch to ``MetadataStore.apply_records``, which skips records it already holds by
``(run, session, seq)``; replaying any file any number of times gives the same store. A dry
run compares each record with ``MetadataStore.applied_progress`` instead and writes
nothing.

Replay also repairs stores kept by a cairn that skipped every record numbered at or below
a session's high-water mark: a writer of that time could put a record after a
higher-numbered one (a ``finish`` after the media logged before it), which was then never
applied. For such a session (a *legacy* row, :mod:`cairn.store.progress`) the file is read
once first: the records that come after a higher-numbered one of their session were
certainly skipped, and become the session's gaps, so that replay applies them once.

Damage inside a file is counted in the result, neither raised nor warned about (see
:mod:`cairn.wal.reader`); a file that is not a WAL at all is reported in its
:class:`WalReplay` so that a caller can go on with the others. Errors of the store itself
(locked, unreachable) propagate.
"""

from __future__ import annotations

import itertools
import re
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from cairn.errors import NotFoundError, WalError
from cairn.records import Record, RunRef
from cairn.wal.reader import WalReader

if TYPE_CHECKING:
    from cairn.store.base import ApplyResult, MetadataStore
    from cairn.store.blobs import BlobStore
    from cairn.store.progress import SessionProgress

WAL_SUFFIX = ".cairn"
DEFAULT_BATCH = 512
"""Records read and applied at a time: a few MB of history at most."""

_RUN_DIR = re.compile(r"^run-(\d{8}_\d{6})-")

Progress = Callable[[int], None]
"""Called with the number of bytes of WAL consumed since the last call."""


@dataclass
class WalReplay:
    """What replaying one WAL file did (in a dry run: would do)."""

    path: Path
    run: RunRef | None = None
    records: int = 0
    """Intact records read from the file."""
    applied: int = 0
    """Records applied to the store (dry run: that would be applied)."""
    present: int = 0
    """Records the store already held."""
    deleted: int = 0
    """Records of a run deleted from the store, dropped (``store/edits.py``)."""
    skipped_frames: int = 0
    """Damaged frames skipped (the records around them were kept)."""
    torn: bool = False
    """The file ends in a cut-off frame: a torn last write, or one still being written."""
    unknown_kinds: set[str] = field(default_factory=set)
    repaired: int = 0
    """Legacy sessions whose skipped records were found (and, unless a dry run, reopened)."""
    missing_blobs: list[str] = field(default_factory=list)
    """Blobs the records reference that are in neither the store nor the run folder."""
    compacted: dict[str, Any] | None = None
    """The file's compaction manifest (``wal/compact.py``), when it was compacted."""
    history_elsewhere: int = 0
    """History records removed from the compacted file that this store does not hold:
    they are only in the store that applied the file (named in ``compacted``)."""
    error: str | None = None
    """Why the file could not be read (not a WAL, a newer version, unreadable); the
    records read before the problem have been applied."""


@dataclass(frozen=True)
class ReplayTotals:
    """The sums over several :class:`WalReplay` results."""

    files: int
    records: int
    applied: int
    present: int
    skipped_frames: int
    torn_tails: int
    errors: int
    repaired: int = 0
    deleted: int = 0
    history_elsewhere: int = 0

    @classmethod
    def of(cls, results: Iterable[WalReplay]) -> ReplayTotals:
        items = list(results)
        return cls(
            files=len(items),
            records=sum(r.records for r in items),
            applied=sum(r.applied for r in items),
            present=sum(r.present for r in items),
            skipped_frames=sum(r.skipped_frames for r in items),
            torn_tails=sum(1 for r in items if r.torn),
            errors=sum(1 for r in items if r.error is not None),
            repaired=sum(r.repaired for r in items),
            deleted=sum(r.deleted for r in items),
            history_elsewhere=sum(r.history_elsewhere for r in items),
        )


# ---- finding WAL files -------------------------------------------------------------------
def _wals_in(folder: Path) -> list[Path]:
    """WAL files of a run folder, a runs folder, or a cairn folder (which holds ``runs/``)."""
    direct = sorted(p for p in folder.glob(f"*{WAL_SUFFIX}") if p.is_file())
    if direct:
        return direct
    runs = folder / "runs"
    base = runs if runs.is_dir() else folder
    return sorted(p for p in base.glob(f"*/*{WAL_SUFFIX}") if p.is_file())


def _replay_order(path: Path) -> tuple[str, float, str]:
    """Sessions of one run must replay oldest first (the last ``run`` and ``config``
    records win, and the later value of a step). Run folders are named
    ``run-YYYYmmdd_HHMMSS-<id>``, and ``…-<id>-<6 hex>`` for a session resumed within the
    same second, which sorts before its predecessor by name: within a second, the start
    time in the session's opening ``run`` record decides."""
    match = _RUN_DIR.match(path.parent.name)
    return (match.group(1) if match else "", _session_start(path), str(path))


def _session_start(path: Path) -> float:
    reader = WalReader(path, on_damage=_ignore)
    try:
        first = reader.read(max_records=1)
    except (WalError, OSError, ValueError, TypeError):
        return 0.0
    start = first[0].body.get("start_time") if first and first[0].kind == "run" else None
    return float(start) if isinstance(start, int | float) else 0.0


def find_wal_files(paths: Sequence[Path | str], runs_dir: Path) -> list[Path]:
    """The WAL files named by ``paths`` (WAL files, run folders, runs folders or cairn
    folders), or every WAL under ``runs_dir`` when ``paths`` is empty; oldest run folder
    first, each file once. A path that does not exist, or a folder without WAL files,
    raises :class:`NotFoundError`."""
    found: list[Path] = []
    if not paths and runs_dir.is_dir():
        found = _wals_in(runs_dir)
    for raw in paths:
        path = Path(raw)
        if path.is_dir():
            inside = _wals_in(path)
            if not inside:
                raise NotFoundError(f"no WAL files (*{WAL_SUFFIX}) in {path}")
            found.extend(inside)
        elif path.exists():
            found.append(path)
        else:
            raise NotFoundError(f"no such file or folder: {path}")
    unique = {p.resolve(): p for p in found}
    return sorted(unique.values(), key=_replay_order)


# ---- applying ----------------------------------------------------------------------------
class _DryRun:
    """Counts what ``apply_records`` would do, from what the store holds of each session."""

    def __init__(self, store: MetadataStore | None) -> None:
        self.store = store
        self.marks: dict[tuple[RunRef, str], SessionProgress] = {}

    def progress(self, key: tuple[RunRef, str]) -> SessionProgress:
        from cairn.store.progress import SessionProgress

        found = self.marks.get(key)
        if found is None:
            found = self.marks[key] = (self.store.applied_progress(*key)
                                       if self.store is not None else SessionProgress())
        return found

    def count(self, records: Sequence[Record]) -> tuple[int, int]:
        applied = present = 0
        for record in records:
            progress = self.progress((record.run, record.session))
            if progress.holds(record.seq):
                present += 1
            else:
                applied += 1
                progress.add(record.seq)
        return applied, present


def _ignore(message: str) -> None:
    pass


def _read_batch(reader: WalReader, batch_size: int, result: WalReplay) -> list[Record]:
    """The next records, or an empty list at the end or on an unreadable file (with
    ``result.error`` set)."""
    try:
        return reader.read(max_records=batch_size)
    except WalError as exc:
        result.error = str(exc)
    except OSError as exc:
        result.error = f"{reader.path}: cannot read: {exc.strerror or exc}"
    except (ValueError, TypeError, KeyError) as exc:
        # Defensive: the reader treats a payload that does not decode as damage, but a
        # record that cannot be read must never end the whole sync with a traceback.
        result.error = f"{reader.path}: undecodable record at byte {reader.offset}: {exc}"
    return []


def replay_wal(path: Path, store: MetadataStore | None, *, dry_run: bool = False,
               batch_size: int = DEFAULT_BATCH, progress: Progress | None = None,
               ) -> WalReplay:
    """Apply one WAL file to ``store`` (dry run: count what would be applied; ``store``
    may then be ``None``, for a store that does not exist yet)."""
    return replay([path], store, dry_run=dry_run, batch_size=batch_size,
                  progress=progress)[0]


def replay(paths: Sequence[Path], store: MetadataStore | None, *, dry_run: bool = False,
           batch_size: int = DEFAULT_BATCH, progress: Progress | None = None,
           blobs: BlobStore | None = None) -> list[WalReplay]:
    """:func:`replay_wal` over several files, in order. A dry run carries each session's
    high mark from file to file, as applying would. With ``blobs``, the blobs records
    reference are copied into it from each run folder's ``blobs/`` first."""
    if batch_size < 1:
        raise ValueError("batch_size must be at least 1")
    if store is None and not dry_run:
        raise ValueError("replay needs a store unless dry_run=True")
    counter = _DryRun(store) if dry_run else None
    return [_replay_file(path, store, counter, batch_size, progress, blobs) for path in paths]


def _replay_file(path: Path, store: MetadataStore | None, counter: _DryRun | None,
                 batch_size: int, progress: Progress | None,
                 blobs: BlobStore | None = None) -> WalReplay:
    result = WalReplay(path)
    if store is not None:
        result.repaired = _repair_legacy(path, store, counter)
    # Damage is counted in the result (reader.skipped_frames) rather than warned about.
    reader = WalReader(path, on_damage=_ignore)
    try:
        size = path.stat().st_size
    except OSError:
        size = 0
    consumed = 0
    while True:
        records = _read_batch(reader, batch_size, result)
        if progress is not None and reader.offset > consumed:
            progress(reader.offset - consumed)
            consumed = reader.offset
        if not records:
            break
        result.records += len(records)
        result.run = records[-1].run
        if counter is not None:
            applied, present = counter.count(records)
        else:
            assert store is not None
            if blobs is not None:
                result.missing_blobs.extend(_copy_blobs(records, path.parent, blobs))
            outcome = _apply_up_to_refused(store, records, result)
            applied, present = outcome.applied, outcome.skipped
            result.unknown_kinds.update(outcome.unknown_kinds)
            result.deleted += outcome.deleted
            if result.error is not None:
                break
        result.applied += applied
        result.present += present
    if progress is not None and size > consumed:
        progress(size - consumed)  # a torn tail or an unreadable rest: the file is done
    result.run = result.run or reader.run
    if reader.compacted is not None and reader.run is not None and reader.session is not None:
        result.compacted = reader.compacted
        held = _held_progress((reader.run, reader.session), store, counter)
        result.history_elsewhere = _not_held(reader.compacted.get("dropped"), held)
    result.skipped_frames = reader.skipped_frames
    result.torn = reader.torn and result.error is None
    return result


def _held_progress(key: tuple[RunRef, str], store: MetadataStore | None,
                   counter: _DryRun | None) -> SessionProgress:
    if counter is not None:
        return counter.progress(key)
    from cairn.store.progress import SessionProgress

    return store.applied_progress(*key) if store is not None else SessionProgress()


def _not_held(dropped: Any, held: SessionProgress) -> int:
    """How many of the numbered ranges ``dropped`` (a compaction manifest's) ``held`` lacks:
    those above its mark and those in its gaps."""
    missing = 0
    for span in dropped if isinstance(dropped, list) else []:
        try:
            first, last = int(span[0]), int(span[1])
        except (TypeError, ValueError, IndexError):
            continue
        if last < first:
            continue
        if last > held.mark:
            missing += last - max(first, held.mark + 1) + 1
        for gap_first, gap_last in held.gaps or ():
            missing += max(0, min(last, held.mark, gap_last) - max(first, gap_first) + 1)
    return missing


_REFUSED = (TypeError, ValueError, KeyError, AttributeError, IndexError)
"""What applying a damaged or hostile record raises (a store failure is a StoreError)."""


def _apply_up_to_refused(store: MetadataStore, records: Sequence[Record],
                         result: WalReplay) -> ApplyResult:
    """Apply the batch; if the store refuses a record of it, apply the records before that
    one and note the error, so the file stops there and the other files still apply."""
    from cairn.store.base import ApplyResult

    try:
        return store.apply_records(records)
    except _REFUSED:
        pass
    applied = skipped = deleted = 0
    unknown: set[str] = set()
    for record in records:
        try:
            outcome = store.apply_records([record])
        except _REFUSED as exc:
            result.error = (f"{result.path}: record {record.seq} ({record.kind}) cannot be "
                            f"applied: {exc!r}")
            break
        applied += outcome.applied
        skipped += outcome.skipped
        deleted += outcome.deleted
        unknown.update(outcome.unknown_kinds)
    return ApplyResult(applied, skipped, tuple(sorted(unknown)), deleted)


# ---- repairing legacy progress -----------------------------------------------------------
Session = tuple[RunRef, str]


def _repair_legacy(path: Path, store: MetadataStore, counter: _DryRun | None) -> int:
    """Reopen, as gaps, the records of the file's legacy sessions that the old rule skipped
    (in a dry run: in the counter's copy only); returns how many sessions."""
    from cairn.store.progress import as_spans

    def is_legacy(key: Session) -> bool:
        found = counter.progress(key) if counter is not None else store.applied_progress(*key)
        return found.legacy

    skipped = _skipped_by_old_rule(path, is_legacy)
    for key, seqs in (skipped or {}).items():
        if counter is not None:
            counter.progress(key).reopen(as_spans(seqs))
        else:
            store.repair_progress(*key, as_spans(seqs))
    return len(skipped or {})


def _skipped_by_old_rule(path: Path, is_legacy: Callable[[Session], bool],
                         ) -> dict[Session, list[int]] | None:
    """For each legacy session in the file: the numbers of its records that come after a
    higher-numbered one (a record repeated in the file counts once). None when the file
    cannot be read to its end: a session is repaired only from all of its records."""
    from cairn.store.progress import SessionProgress

    reader = WalReader(path, on_damage=_ignore)
    try:
        first = reader.read(max_records=1)
        if not first or not is_legacy((first[0].run, first[0].session)):
            return {}  # one session a file: the common case costs one record's read
        seen: dict[Session, SessionProgress] = {}
        skipped: dict[Session, list[int]] = {}
        for record in itertools.chain(first, reader):
            key = (record.run, record.session)
            if key not in seen:
                seen[key] = SessionProgress()
                if is_legacy(key):
                    skipped[key] = []
            order = seen[key]
            if order.holds(record.seq):
                continue
            if key in skipped and record.seq < order.mark:
                skipped[key].append(record.seq)
            order.add(record.seq)
    except (WalError, OSError, ValueError, TypeError, KeyError):
        return None
    return skipped


def _copy_blobs(records: Sequence[Record], run_folder: Path, blobs: BlobStore) -> list[str]:
    from cairn.store.blobs import LocalBlobStore, copy_missing, record_blobs

    digests = record_blobs(r.body for r in records)
    return copy_missing(digests, LocalBlobStore(run_folder / "blobs"), blobs) if digests else []


__all__ = ["DEFAULT_BATCH", "ReplayTotals", "WalReplay", "find_wal_files", "replay",
           "replay_wal"]
