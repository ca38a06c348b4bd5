"""Reclaiming blob storage: ``cairn gc``.

A blob may be deleted when nothing in the store refers to it: no run file, no artifact
version, no history value (media store their digests in history values) names it, and no
WAL record the store has not applied yet lists it (a run logging to the local store puts
its blobs into the store's folder at once, while its records may wait in the WAL: the
store is locked, or the run was killed before they were applied). Blobs younger than a
grace period are kept too (every new use of a blob refreshes its mtime), covering records
not yet written to any WAL. Temporary files are deleted once older than the grace period
too, and only when the process that wrote them (pid and host begin the name) is gone; a
pid can be checked only on its own host, so another host's are judged by age alone.
"""

from __future__ import annotations

import os
import re
import stat
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import msgpack

from cairn.errors import NotFoundError, StoreError, WalError
from cairn.records import RunRef
from cairn.store.artifacts import Cursor
from cairn.store.artifacts import referenced_blobs as artifact_blobs
from cairn.store.blobs import (
    BlobStore,
    LocalBlobStore,
    record_blobs,
    temp_writer,
    this_host,
)
from cairn.store.progress import SessionProgress
from cairn.store.s3_blobs import S3BlobStore
from cairn.wal.reader import WalReader
from cairn.wal.replay import WAL_SUFFIX

AppliedProgress = Callable[[RunRef, str], SessionProgress]
"""``store.applied_progress(run, session)``: which records of a session the store holds."""

_DIGEST = re.compile(r"^[0-9a-f]{64}$")


def _digests_in(value: Any) -> Iterator[str]:
    if isinstance(value, str):
        if _DIGEST.match(value):
            yield value
    elif isinstance(value, dict):
        for item in value.values():
            yield from _digests_in(item)
    elif isinstance(value, list | tuple):
        for item in value:
            yield from _digests_in(item)


def referenced_blobs(conn: Cursor) -> set[str]:
    """Every digest the store refers to."""
    found = {str(r[0]) for r in conn.execute("SELECT DISTINCT sha256 FROM run_files")}
    found |= artifact_blobs(conn)
    for (value,) in conn.execute("SELECT value FROM history_objects WHERE value IS NOT NULL"):
        try:
            found.update(_digests_in(msgpack.unpackb(value, raw=False, strict_map_key=False)))
        except (ValueError, msgpack.ExtraData):
            continue
    return found


def pending_wal_blobs(runs_dir: Path, applied: AppliedProgress, *,
                      one_run: bool = False) -> set[str]:
    """The digests listed under ``"blobs"`` by the records of the WAL files below
    ``runs_dir`` (``one_run``: in that run folder) that the store has not applied. A WAL
    that cannot be read raises StoreError: its records may name any blob, so none may go.
    (A deleted run's WAL counts as not applied; its blobs stay while its folder does.)"""
    found: set[str] = set()
    for path in sorted(runs_dir.glob(f"*{WAL_SUFFIX}" if one_run else f"*/*{WAL_SUFFIX}")):
        marks: dict[tuple[RunRef, str], SessionProgress] = {}
        reader = WalReader(path, on_damage=_ignore_damage)
        try:
            while batch := reader.read(512):
                for record in batch:
                    key = (record.run, record.session)
                    if key not in marks:
                        marks[key] = applied(*key)
                    if not marks[key].holds(record.seq):
                        found.update(record_blobs([record.body]))
        except (OSError, WalError) as exc:
            raise StoreError(f"cannot read the WAL {path} ({exc}); gc deletes no blobs "
                             "while a WAL's records are unknown: `cairn sync` or remove it"
                             ) from exc
    return found


def _ignore_damage(message: str) -> None:
    """Damaged frames hold no record a sink could apply, so no blob they name is needed."""


def writer_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


@dataclass
class GcReport:
    blobs: list[str] = field(default_factory=list)
    blob_bytes: int = 0
    temp_files: list[Path] = field(default_factory=list)
    uploads: list[str] = field(default_factory=list)
    """Keys of unfinished multipart uploads (S3) of writers that died."""


def stale_temp_files(folder: Path, cutoff: float) -> list[Path]:
    """Temporary files in ``folder`` last written before ``cutoff`` whose writer is gone:
    its pid is not alive on this host, or the file is another host's (a folder shared by
    machines or containers, where a pid means nothing here). Names without a pid stay."""
    if not folder.is_dir():
        return []
    stale = []
    for path in sorted(folder.iterdir()):
        writer = temp_writer(path.name)
        if writer is None:
            continue
        try:
            st = path.lstat()
        except FileNotFoundError:
            continue
        if not stat.S_ISREG(st.st_mode) or st.st_mtime > cutoff:
            continue
        pid, host = writer
        if host not in (None, this_host()) or not writer_alive(pid):
            stale.append(path)
    return stale


def collect_garbage(blobs: BlobStore, referenced: set[str], min_age: float,
                    dry_run: bool = False, extra_temp_dirs: tuple[Path, ...] = ()
                    ) -> GcReport:
    """Delete unreferenced blobs older than ``min_age`` seconds and stale temp files (or,
    on S3, unfinished uploads). A store that refreshes a blob's age only now and then
    (S3: ``refresh_after``) keeps every blob at least that long."""
    report = GcReport()
    now = time.time()
    cutoff = now - max(min_age, float(getattr(blobs, "refresh_after", 0.0)))
    for digest in blobs.digests():
        if digest in referenced:
            continue
        try:  # the age is read now, just before deleting, not when `referenced` was
            st = blobs.stat(digest)  # built: a dedup hit since then has refreshed it
        except NotFoundError:
            continue
        if st.modified > cutoff:
            continue
        report.blobs.append(digest)
        report.blob_bytes += st.size
        if not dry_run:
            blobs.delete(digest)
    temp_cutoff = now - min_age
    temp_dirs = extra_temp_dirs
    if isinstance(blobs, LocalBlobStore):
        temp_dirs = (blobs.root / "tmp", *extra_temp_dirs)
    elif isinstance(blobs, S3BlobStore):
        report.uploads = blobs.stale_uploads(temp_cutoff, dry_run)
    for folder in temp_dirs:
        for path in stale_temp_files(folder, temp_cutoff):
            report.temp_files.append(path)
            if not dry_run:
                path.unlink(missing_ok=True)
    return report
