"""Console lines in a SQL store: a row a line, numbered in the order they were applied,
for the run page's Logs tab (paged by line number, searchable)."""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

from cairn.records import Record
from cairn.store.apply import Cursor

MAX_LINES = 100_000
"""Lines taken from one record: a writer claiming more is cut off (hostile input)."""
MAX_CHARS = 16 * 1024
STREAMS = ("stdout", "stderr")


@dataclass(frozen=True)
class ConsoleLine:
    n: int
    """The line's number in the run: increases in the order lines were written."""
    at: float
    stream: str
    text: str


def clean_lines(body: dict[str, Any]) -> list[tuple[float, str, str]]:
    """The well-formed ``[at, stream, text]`` lines of a ``console`` record body."""
    lines = body.get("lines")
    if not isinstance(lines, list):
        return []
    out = []
    for item in lines[:MAX_LINES]:
        if not isinstance(item, list | tuple) or len(item) != 3:
            continue
        at, stream, text = item
        if (isinstance(at, int | float) and not isinstance(at, bool) and math.isfinite(at)
                and stream in STREAMS and isinstance(text, str)):
            out.append((float(at), str(stream), text[:MAX_CHARS]))
    return out


def apply_console(conn: Cursor, run_pk: int, record: Record) -> None:
    for at, stream, text in clean_lines(record.body):
        conn.execute("INSERT INTO console_lines (run, at, stream, text) VALUES (?, ?, ?, ?)",
                     (run_pk, at, stream, text))


def _like(text: str) -> str:
    escaped = text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"


def read_console(conn: Cursor, run_pk: int, after: int = 0, limit: int = 1000,
                 search: str | None = None, before: int | None = None) -> list[ConsoleLine]:
    """Up to ``limit`` lines numbered above ``after``, oldest first; with ``before``, the
    last ``limit`` lines numbered below it (0: the log's end), still oldest first: the Logs
    tab loads the tail and pages back. With ``search``, only lines containing it
    (case-insensitive for ASCII letters)."""
    sql = "SELECT id, at, stream, text FROM console_lines WHERE run = ? AND id > ?"
    params: list[Any] = [run_pk, after]
    if before:
        sql += " AND id < ?"
        params.append(before)
    if search:
        sql += " AND text LIKE ? ESCAPE '\\'"
        params.append(_like(search))
    order = " ORDER BY id DESC LIMIT ?" if before is not None else " ORDER BY id LIMIT ?"
    rows = conn.execute(sql + order, (*params, limit)).fetchall()
    if before is not None:
        rows.reverse()
    return [ConsoleLine(int(r[0]), float(r[1]), str(r[2]), str(r[3])) for r in rows]


def count_console(conn: Cursor, run_pk: int, search: str | None = None) -> int:
    """How many lines the run has (with ``search``: that contain it)."""
    sql = "SELECT count(*) FROM console_lines WHERE run = ?"
    params: list[Any] = [run_pk]
    if search:
        sql += " AND text LIKE ? ESCAPE '\\'"
        params.append(_like(search))
    return int(conn.execute(sql, params).fetchone()[0])

