"""Reclaiming blob storage: ``cairn gc``.

A blob may be deleted when nothing in the store refers to it: no run file, no artifact
version, no history value (media store their digests in history values) names it. Blobs
younger than a grace period are kept, since a run may have stored a blob whose record is
still on its way to the store. Temporary files are deleted when the process that wrote
them (its pid begins the name) is gone, whatever their age.
"""

from __future__ import annotations

import os
import re
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import msgpack

from cairn.store.artifacts import Cursor
from cairn.store.artifacts import referenced_blobs as artifact_blobs
from cairn.store.blobs import LocalBlobStore

_DIGEST = re.compile(r"^[0-9a-f]{64}$")
_PID_PREFIX = re.compile(r"^(\d+)-")


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


def stale_temp_files(folder: Path) -> list[Path]:
    """Temporary files in ``folder`` whose writer (the pid that begins the name) is gone;
    files whose name carries no pid are left alone."""
    if not folder.is_dir():
        return []
    stale = []
    for path in sorted(folder.iterdir()):
        match = _PID_PREFIX.match(path.name)
        if match and path.is_file() and not writer_alive(int(match.group(1))):
            stale.append(path)
    return stale


def collect_garbage(blobs: LocalBlobStore, referenced: set[str], min_age: float,
                    dry_run: bool = False, extra_temp_dirs: tuple[Path, ...] = ()
                    ) -> GcReport:
    """Delete unreferenced blobs older than ``min_age`` seconds and stale temp files."""
    report = GcReport()
    cutoff = time.time() - min_age
    for digest in blobs.digests():
        if digest in referenced:
            continue
        path = blobs.local_path(digest)
        if path is None:
            continue
        try:
            st = path.stat()
        except FileNotFoundError:
            continue
        if st.st_mtime > cutoff:
            continue
        report.blobs.append(digest)
        report.blob_bytes += st.st_size
        if not dry_run:
            blobs.delete(digest)
    for folder in (blobs.root / "tmp", *extra_temp_dirs):
        for path in stale_temp_files(folder):
            report.temp_files.append(path)
            if not dry_run:
                path.unlink(missing_ok=True)
    return report
