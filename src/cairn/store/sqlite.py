"""The embedded store: one SQLite file in WAL mode.

Each process holds one connection; every write is a short ``BEGIN IMMEDIATE`` transaction
with a busy timeout, so many processes (DDP ranks, several scripts) can apply their WALs
into one store at once. Reads run on the same connection outside write transactions and
see a consistent snapshot per statement.
"""

from __future__ import annotations

import json
import math
import re
import sqlite3
import threading
import time
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from importlib import resources
from pathlib import Path
from typing import Any

import msgpack
import numpy as np

from cairn.errors import StoreError, StoreLockedError
from cairn.records import Record, RunRef
from cairn.store.apply import RecordApplier
from cairn.store.base import ApplyResult, ProjectRow, RunRow, SeriesInfo, effective_state
from cairn.store.codec import (
    ENVELOPE_POINTS,
    Envelope,
    Float64s,
    Int64s,
    decode_chunk,
    decode_envelope,
    envelope_at,
    merge_envelopes,
    regroup,
)
from cairn.store.query import compile_filters, compile_order

_RUN_COLUMNS = (
    "runs.id, projects.entity, projects.name, runs.run_id, runs.name, runs.notes, runs.tags, "
    "runs.group_name, runs.job_type, runs.state, runs.exit_code, runs.created_at, "
    "runs.updated_at, runs.heartbeat_at, runs.finished_at, runs.host, runs.pid, runs.config, "
    "runs.summary, runs.meta, runs.last_step"
)


def _unpack(blob: bytes | None) -> Any:
    if blob is None:
        return {}
    return msgpack.unpackb(blob, raw=False, strict_map_key=False)


def _regexp(pattern: str, value: Any) -> bool:
    return value is not None and re.search(pattern, str(value)) is not None


def _migrations() -> list[tuple[int, str]]:
    folder = resources.files("cairn.store") / "migrations"
    found = []
    for entry in folder.iterdir():
        name = entry.name
        if name.endswith(".sql") and name[:4].isdigit():
            found.append((int(name[:4]), entry.read_text(encoding="utf-8")))
    return sorted(found)


def _store_error(exc: sqlite3.Error, path: Path) -> StoreError:
    text = str(exc)
    if "locked" in text or "busy" in text:
        return StoreLockedError(f"store {path} is locked by another process: {text}")
    return StoreError(f"store {path}: {text}")


class SqliteStore:
    """``MetadataStore`` on SQLite. Thread-safe within one process."""

    def __init__(self, path: Path, heartbeat_timeout: float = 60.0,
                 busy_timeout: float = 10.0) -> None:
        self.path = path
        self.heartbeat_timeout = heartbeat_timeout
        self._lock = threading.RLock()
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            self._conn = sqlite3.connect(str(path), timeout=busy_timeout, isolation_level=None,
                                         check_same_thread=False)
        except (OSError, sqlite3.Error) as exc:
            raise StoreError(f"cannot open store {path}: {exc}") from exc
        conn = self._conn
        conn.create_function("regexp", 2, _regexp, deterministic=True)
        conn.create_function("run_state", 4, self._run_state)
        try:
            conn.execute(f"PRAGMA busy_timeout = {int(busy_timeout * 1000)}")
            if conn.execute("PRAGMA journal_mode").fetchone()[0] != "wal":
                conn.execute("PRAGMA journal_mode = WAL")
            conn.execute("PRAGMA synchronous = NORMAL")
            conn.execute("PRAGMA foreign_keys = ON")
            self._migrate()
        except sqlite3.Error as exc:
            conn.close()
            raise _store_error(exc, path) from exc

    # ---- plumbing ----------------------------------------------------------------------
    def _run_state(self, state: str, heartbeat_at: float, host: str | None,
                   pid: int | None) -> str:
        return effective_state(state, heartbeat_at, host, pid, self.heartbeat_timeout)

    @contextmanager
    def _write(self) -> Iterator[sqlite3.Connection]:
        with self._lock:
            try:
                self._conn.execute("BEGIN IMMEDIATE")
            except sqlite3.Error as exc:
                raise _store_error(exc, self.path) from exc
            try:
                yield self._conn
                self._conn.execute("COMMIT")
            except BaseException as exc:
                try:
                    self._conn.execute("ROLLBACK")
                except sqlite3.Error:
                    pass
                if isinstance(exc, sqlite3.Error):
                    raise _store_error(exc, self.path) from exc
                raise

    def _read(self, sql: str, params: Sequence[Any] = ()) -> list[Any]:
        with self._lock:
            try:
                return self._conn.execute(sql, params).fetchall()
            except sqlite3.Error as exc:
                raise _store_error(exc, self.path) from exc

    def _migrate(self) -> None:
        migrations = _migrations()
        latest = migrations[-1][0]
        if self._conn.execute("PRAGMA user_version").fetchone()[0] >= latest:
            return
        with self._write() as conn:
            current = conn.execute("PRAGMA user_version").fetchone()[0]
            if current > latest:
                raise StoreError(f"store {self.path} has schema {current}, newer than this "
                                 f"cairn knows ({latest}); upgrade cairn")
            for number, sql in migrations:
                if number > current:
                    for statement in sql.split(";\n"):
                        if statement.strip():
                            conn.execute(statement)
                    conn.execute(f"PRAGMA user_version = {number}")

    def close(self) -> None:
        with self._lock:
            self._conn.close()

    # ---- writing -----------------------------------------------------------------------
    def apply_records(self, records: Sequence[Record]) -> ApplyResult:
        if not records:
            return ApplyResult(0, 0)
        with self._write() as conn:
            applier = RecordApplier(conn)
            return applier.apply(records)

    def applied_seq(self, run: RunRef, session: str) -> int:
        rows = self._read(
            "SELECT wal_progress.seq FROM wal_progress JOIN runs ON runs.id = wal_progress.run "
            "JOIN projects ON projects.id = runs.project_id WHERE projects.entity = ? AND "
            "projects.name = ? AND runs.run_id = ? AND wal_progress.session = ?",
            (run.entity, run.project, run.run_id, session))
        return int(rows[0][0]) if rows else 0

    def delete_run(self, ref: RunRef) -> bool:
        with self._write() as conn:
            cur = conn.execute(
                "DELETE FROM runs WHERE run_id = ? AND project_id = (SELECT id FROM projects "
                "WHERE entity = ? AND name = ?)", (ref.run_id, ref.entity, ref.project))
            return cur.rowcount > 0

    # ---- reading runs ------------------------------------------------------------------
    def list_projects(self) -> list[ProjectRow]:
        rows = self._read(
            "SELECT projects.entity, projects.name, count(runs.id), projects.created_at, "
            "max(projects.updated_at, coalesce(max(runs.updated_at), 0)) FROM projects "
            "LEFT JOIN runs ON runs.project_id = projects.id GROUP BY projects.id "
            "ORDER BY 5 DESC")
        return [ProjectRow(e, n, int(c), float(ca), float(la)) for e, n, c, ca, la in rows]

    def _run_row(self, row: Sequence[Any], with_state: bool = False) -> RunRow:
        (pk, entity, project, run_id, name, notes, tags, group, job_type, state, exit_code,
         created_at, updated_at, heartbeat_at, finished_at, host, pid, config, summary, meta,
         last_step) = row[:21]
        return RunRow(
            pk=pk, ref=RunRef(entity, project, run_id), name=name, notes=notes,
            tags=json.loads(tags), group=group, job_type=job_type,
            state=effective_state(state, heartbeat_at, host, pid, self.heartbeat_timeout),
            exit_code=exit_code, created_at=created_at, updated_at=updated_at,
            heartbeat_at=heartbeat_at, finished_at=finished_at, host=host, pid=pid,
            config=_unpack(config), summary=_unpack(summary), meta=_unpack(meta),
            last_step=last_step,
            summary_state=_unpack(row[21]) if with_state and len(row) > 21 else {},
        )

    def _where_project(self, entity: str | None, project: str | None) -> tuple[str, list[Any]]:
        clauses, params = [], []
        if entity is not None:
            clauses.append("projects.entity = ?")
            params.append(entity)
        if project is not None:
            clauses.append("projects.name = ?")
            params.append(project)
        return (" AND ".join(clauses) or "1"), params

    def query_runs(self, entity: str | None, project: str | None,
                   filters: Mapping[str, Any] | None = None,
                   order: Sequence[str] | str | None = ("-created_at",),
                   limit: int | None = None, offset: int = 0) -> list[RunRow]:
        where, params = self._where_project(entity, project)
        fsql, fparams = compile_filters(filters)
        osql, oparams = compile_order(order)
        sql = (f"SELECT {_RUN_COLUMNS} FROM runs JOIN projects ON projects.id = runs.project_id "
               f"WHERE {where} AND ({fsql}) ORDER BY {osql} LIMIT ? OFFSET ?")
        rows = self._read(sql, [*params, *fparams, *oparams,
                                -1 if limit is None else limit, offset])
        return [self._run_row(r) for r in rows]

    def count_runs(self, entity: str | None, project: str | None,
                   filters: Mapping[str, Any] | None = None) -> int:
        where, params = self._where_project(entity, project)
        fsql, fparams = compile_filters(filters)
        rows = self._read(f"SELECT count(*) FROM runs JOIN projects ON projects.id = "
                          f"runs.project_id WHERE {where} AND ({fsql})", [*params, *fparams])
        return int(rows[0][0])

    def get_run(self, ref: RunRef, with_state: bool = False) -> RunRow | None:
        rows = self._read(
            f"SELECT {_RUN_COLUMNS}, runs.summary_state FROM runs JOIN projects ON projects.id "
            "= runs.project_id WHERE projects.entity = ? AND projects.name = ? AND "
            "runs.run_id = ?", (ref.entity, ref.project, ref.run_id))
        return self._run_row(rows[0], with_state) if rows else None

    def find_runs(self, run_id: str, project: str | None = None) -> list[RunRow]:
        sql = (f"SELECT {_RUN_COLUMNS} FROM runs JOIN projects ON projects.id = runs.project_id "
               "WHERE runs.run_id = ?")
        params: list[Any] = [run_id]
        if project is not None:
            sql += " AND projects.name = ?"
            params.append(project)
        return [self._run_row(r) for r in self._read(sql, params)]

    # ---- reading history ---------------------------------------------------------------
    def list_series(self, run_pk: int) -> list[SeriesInfo]:
        numeric = self._read("SELECT key, kind, count, first_step, last_step FROM series "
                             "WHERE run = ? ORDER BY key", (run_pk,))
        objects = self._read("SELECT key, count(*), min(step), max(step) FROM history_objects "
                             "WHERE run = ? GROUP BY key ORDER BY key", (run_pk,))
        infos = [SeriesInfo(k, kind, c, f, last) for k, kind, c, f, last in numeric]
        infos += [SeriesInfo(k, "o", c, f, last) for k, c, f, last in objects]
        return sorted(infos, key=lambda s: s.key)

    def _chunks(self, run_pk: int, key: str, min_step: int | None, max_step: int | None,
                column: str) -> tuple[str, list[tuple[Any, ...]]]:
        found = self._read("SELECT id, kind FROM series WHERE run = ? AND key = ?",
                           (run_pk, key))
        if not found:
            return "f", []
        series_id, kind = found[0]
        lo = -(2**63) if min_step is None else min_step
        hi = 2**63 - 1 if max_step is None else max_step
        rows = self._read(f"SELECT step_min, step_max, n, {column} FROM chunks WHERE series = ? "
                          "AND step_max >= ? AND step_min <= ? ORDER BY seq",
                          (series_id, lo, hi))
        return str(kind), rows

    def read_series(self, run_pk: int, key: str, min_step: int | None = None,
                    max_step: int | None = None) -> tuple[Int64s, Float64s, str]:
        kind, rows = self._chunks(run_pk, key, min_step, max_step, "data")
        if not rows:
            return np.zeros(0, np.int64), np.zeros(0, np.float64), kind
        decoded = [decode_chunk(blob) for *_, blob in rows]
        steps = np.concatenate([s for s, _ in decoded])
        values = np.concatenate([v for _, v in decoded])
        lo = 0 if min_step is None else int(np.searchsorted(steps, min_step, "left"))
        hi = steps.size if max_step is None else int(np.searchsorted(steps, max_step, "right"))
        return steps[lo:hi], values[lo:hi], kind

    def read_envelope(self, run_pk: int, key: str, buckets: int, min_step: int | None = None,
                      max_step: int | None = None) -> Envelope:
        if buckets < 1:
            raise ValueError("buckets must be at least 1")
        kind, rows = self._chunks(run_pk, key, min_step, max_step, "envelope")
        if not rows:
            return envelope_at(np.zeros(0, np.int64), np.zeros(0, np.float64),
                               np.zeros(0, np.int64))
        points = sum(n for _, _, n, _ in rows)
        lo = rows[0][0] if min_step is None else max(min_step, rows[0][0])
        hi = rows[-1][1] if max_step is None else min(max_step, rows[-1][1])
        edges = _bucket_edges(lo, hi, buckets)
        if points <= buckets * ENVELOPE_POINTS:
            steps, values, _ = self.read_series(run_pk, key, min_step, max_step)
            if steps.size <= buckets:
                return envelope_at(steps, values, np.arange(steps.size, dtype=np.int64))
            return envelope_at(steps, values, _starts(steps, edges))
        env = merge_envelopes([decode_envelope(blob) for *_, blob in rows])
        keep = (env.step_last >= lo) & (env.step_first <= hi)
        env = Envelope(*(getattr(env, f)[keep] for f in env.__dataclass_fields__))
        return regroup(env, _starts(env.step_first, edges))

    def read_objects(self, run_pk: int, keys: Sequence[str] | None = None,
                     min_step: int | None = None, max_step: int | None = None,
                     ) -> dict[str, list[tuple[int, Any]]]:
        sql = "SELECT key, step, value FROM history_objects WHERE run = ?"
        params: list[Any] = [run_pk]
        if keys is not None:
            if not keys:
                return {}
            sql += f" AND key IN ({', '.join('?' for _ in keys)})"
            params.extend(keys)
        if min_step is not None:
            sql += " AND step >= ?"
            params.append(min_step)
        if max_step is not None:
            sql += " AND step <= ?"
            params.append(max_step)
        out: dict[str, list[tuple[int, Any]]] = {}
        for key, step, value in self._read(sql + " ORDER BY key, step", params):
            out.setdefault(key, []).append((step, _unpack(value) if value is not None else None))
        return out


def _bucket_edges(lo: int, hi: int, buckets: int) -> Int64s:
    """``buckets`` equal step ranges covering ``[lo, hi]`` (fewer if the range is short)."""
    span = hi - lo + 1
    count = max(1, min(buckets, span))
    return lo + (np.arange(count, dtype=np.float64) * (span / count)).astype(np.int64)


def _starts(steps: Int64s, edges: Int64s) -> Int64s:
    """Indexes where each non-empty bucket starts (the first is always 0)."""
    idx = np.unique(np.searchsorted(steps, edges, "left"))
    idx = idx[idx < steps.size]
    if idx.size == 0 or idx[0] != 0:
        idx = np.concatenate([np.zeros(1, np.int64), idx])
    return idx.astype(np.int64)


def finite_json(value: Any) -> str:
    """JSON text for filter columns: NaN and infinities become null."""

    def clean(v: Any) -> Any:
        if isinstance(v, float) and not math.isfinite(v):
            return None
        if isinstance(v, dict):
            return {str(k): clean(x) for k, x in v.items()}
        if isinstance(v, list | tuple):
            return [clean(x) for x in v]
        if isinstance(v, bytes):
            return None
        return v

    return json.dumps(clean(value), allow_nan=False, default=str)


def now() -> float:
    return time.time()
