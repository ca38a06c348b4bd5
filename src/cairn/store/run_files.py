"""Run files in the store: applying ``file`` records and reading them back.

A ``file`` record says "the run's file ``name`` now has the content of blob ``sha256``";
the latest record for a name wins, so a file saved with the ``live`` policy keeps its newest
version. The blob itself is in the blob store (see ``store/blobs.py``).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from cairn.records import Record
from cairn.store.base import RunFile
from cairn.store.blobs import check_digest

_COLUMNS = "name, sha256, size, mtime, policy, updated_at"


def apply_file(conn: Any, run_pk: int, record: Record, now: float) -> None:
    body = record.body
    name, digest, size = body.get("name"), body.get("sha256"), body.get("size")
    if not isinstance(name, str) or not name or not isinstance(size, int):
        return
    try:
        check_digest(str(digest))
    except ValueError:
        return
    mtime = body.get("mtime")
    at = body.get("at")
    conn.execute(
        "INSERT INTO run_files (run, name, sha256, size, mtime, policy, updated_at) "
        "VALUES (?, ?, ?, ?, ?, ?, ?) ON CONFLICT (run, name) DO UPDATE SET "
        "sha256 = excluded.sha256, size = excluded.size, mtime = excluded.mtime, "
        "policy = excluded.policy, updated_at = excluded.updated_at",
        (run_pk, name, digest, size, float(mtime) if isinstance(mtime, int | float) else None,
         str(body.get("policy") or "now"),
         float(at) if isinstance(at, int | float) else now))


def _row(row: Any) -> RunFile:
    return RunFile(str(row[0]), str(row[1]), int(row[2]),
                   None if row[3] is None else float(row[3]), str(row[4]), float(row[5]))


Read = Callable[[str, Sequence[Any]], list[Any]]
"""A store's read: SQL and parameters in, rows out."""


def read_run_files(read: Read, run_pk: int) -> list[RunFile]:
    rows = read(f"SELECT {_COLUMNS} FROM run_files WHERE run = ? ORDER BY name", (run_pk,))
    return [_row(r) for r in rows]


def read_run_file(read: Read, run_pk: int, name: str) -> RunFile | None:
    rows = read(f"SELECT {_COLUMNS} FROM run_files WHERE run = ? AND name = ?", (run_pk, name))
    return _row(rows[0]) if rows else None
