"""The embedded store: one SQLite file in WAL mode.

Each process holds one connection; every write is a short ``BEGIN IMMEDIATE`` transaction
with a busy timeout, so many processes (DDP ranks, several scripts) can apply their WALs
into one store at once. Reads run on the same connection outside write transactions and
see a consistent snapshot per statement.
"""

from __future__ import annotations

import contextlib
import json
import sqlite3
import threading
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
from cairn.store.buckets import bucket_envelope, bucket_points, check_buckets, check_range
from cairn.store.codec import (
    ENVELOPE_POINTS,
    Envelope,
    Float64s,
    Int64s,
    decode_chunks,
    decode_envelopes,
    empty_envelope,
    envelope_of,
    merge_envelopes,
)
from cairn.store.query import compile_filters, compile_order, regexp

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
        conn.create_function("regexp", 2, regexp, deterministic=True)
        conn.create_function("run_state", 4, self._run_state)
        try:
            conn.execute(f"PRAGMA busy_timeout = {int(busy_timeout * 1000)}")
            if conn.execute("PRAGMA journal_mode").fetchone()[0] != "wal":
                conn.execute("PRAGMA journal_mode = WAL")
            conn.execute("PRAGMA synchronous = NORMAL")
            conn.execute("PRAGMA foreign_keys = ON")
            self._migrate()
        except BaseException as exc:
            conn.close()
            if isinstance(exc, sqlite3.Error):
                raise _store_error(exc, path) from exc
            raise

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
                with contextlib.suppress(sqlite3.Error):
                    self._conn.execute("ROLLBACK")
                if isinstance(exc, sqlite3.Error):
                    raise _store_error(exc, self.path) from exc
                raise

    @contextmanager
    def _snapshot(self) -> Iterator[None]:
        """Several reads that see one state of the store (a read transaction), even while
        another process writes."""
        with self._lock:
            try:
                self._conn.execute("BEGIN")
            except sqlite3.Error as exc:
                raise _store_error(exc, self.path) from exc
            try:
                yield
            finally:
                with contextlib.suppress(sqlite3.Error):
                    self._conn.execute("COMMIT")

    def _read(self, sql: str, params: Sequence[Any] = ()) -> list[Any]:
        with self._lock:
            try:
                return self._conn.execute(sql, params).fetchall()
            except sqlite3.Error as exc:
                raise _store_error(exc, self.path) from exc

    def _migrate(self) -> None:
        migrations = _migrations()
        latest = migrations[-1][0]
        if self._schema_version(self._conn, latest) == latest:
            return
        with self._write() as conn:
            current = self._schema_version(conn, latest)
            for number, sql in migrations:
                if number > current:
                    for statement in sql.split(";\n"):
                        if statement.strip():
                            conn.execute(statement)
                    conn.execute(f"PRAGMA user_version = {number}")

    def _schema_version(self, conn: sqlite3.Connection, latest: int) -> int:
        current = int(conn.execute("PRAGMA user_version").fetchone()[0])
        if current > latest:
            raise StoreError(f"store {self.path} has schema version {current}, newer than "
                             f"this cairn knows ({latest}); upgrade cairn to read it")
        return current

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
                   order: Sequence[str] | str | None = ("-created_at",), *,
                   limit: int | None = None, offset: int = 0) -> list[RunRow]:
        where, params = self._where_project(entity, project)
        fsql, fparams = compile_filters(filters)
        osql, oparams = compile_order(order)
        sql = (f"SELECT {_RUN_COLUMNS} FROM runs JOIN projects ON projects.id = runs.project_id "
               f"WHERE {where} AND ({fsql}) ORDER BY {osql} LIMIT ? OFFSET ?")
        rows = self._read(sql, [*params, *fparams, *oparams,
                                -1 if limit is None else limit, offset])
        return [self._run_row(r) for r in rows]

    def query_runs_counted(self, entity: str | None, project: str | None,
                           filters: Mapping[str, Any] | None = None,
                           order: Sequence[str] | str | None = ("-created_at",), *,
                           limit: int, offset: int = 0) -> tuple[list[RunRow], int]:
        """One page and the number of all matching runs. With filters, from one
        filter-and-sort pass; without, the count and the page each use the index."""
        if not filters:
            rows_only = self.query_runs(entity, project, None, order, limit=limit,
                                        offset=offset)
            return rows_only, self.count_runs(entity, project, None)
        where, params = self._where_project(entity, project)
        fsql, fparams = compile_filters(filters)
        osql, oparams = compile_order(order)
        sql = (f"SELECT {_RUN_COLUMNS}, count(*) OVER () FROM runs JOIN projects ON "
               f"projects.id = runs.project_id WHERE {where} AND ({fsql}) ORDER BY {osql} "
               "LIMIT ? OFFSET ?")
        rows = self._read(sql, [*params, *fparams, *oparams, limit, offset])
        if not rows:
            return [], self.count_runs(entity, project, filters) if offset else 0
        return [self._run_row(r[:-1]) for r in rows], int(rows[0][-1])

    def query_run_pks(self, entity: str | None, project: str | None,
                      filters: Mapping[str, Any] | None = None,
                      order: Sequence[str] | str | None = ("-created_at",)) -> list[int]:
        """The keys of every matching run, in order: one filter-and-sort pass, after which
        any page is read by key (``runs_by_pk``) instead of by OFFSET."""
        where, params = self._where_project(entity, project)
        fsql, fparams = compile_filters(filters)
        osql, oparams = compile_order(order)
        rows = self._read(f"SELECT runs.id FROM runs JOIN projects ON projects.id = "
                          f"runs.project_id WHERE {where} AND ({fsql}) ORDER BY {osql}",
                          [*params, *fparams, *oparams])
        return [int(r[0]) for r in rows]

    def runs_by_pk(self, pks: Sequence[int]) -> list[RunRow]:
        """The runs with these keys, in the given order (missing ones left out)."""
        found: dict[int, RunRow] = {}
        for start in range(0, len(pks), 500):
            part = list(pks[start:start + 500])
            marks = ", ".join("?" for _ in part)
            for row in self._read(f"SELECT {_RUN_COLUMNS} FROM runs JOIN projects ON "
                                  f"projects.id = runs.project_id WHERE runs.id IN ({marks})",
                                  part):
                run = self._run_row(row)
                found[run.pk] = run
        return [found[pk] for pk in pks if pk in found]

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
        with self._snapshot():
            return self._list_series(run_pk)

    def _list_series(self, run_pk: int) -> list[SeriesInfo]:
        numeric = self._read("SELECT key, kind, count, first_step, last_step FROM series "
                             "WHERE run = ? ORDER BY key", (run_pk,))
        objects = self._read("SELECT key, count(*), min(step), max(step) FROM history_objects "
                             "WHERE run = ? GROUP BY key ORDER BY key", (run_pk,))
        infos = [SeriesInfo(k, kind, c, f, last) for k, kind, c, f, last in numeric]
        infos += [SeriesInfo(k, "o", c, f, last) for k, c, f, last in objects]
        return sorted(infos, key=lambda s: (s.key, s.kind == "o"))

    def _series(self, run_pk: int, key: str) -> tuple[int | None, str]:
        found = self._read("SELECT id, kind FROM series WHERE run = ? AND key = ?",
                           (run_pk, key))
        return (int(found[0][0]), str(found[0][1])) if found else (None, "f")

    def _points(self, series_id: int, lo: int, hi: int) -> tuple[Int64s, Float64s]:
        rows = self._read("SELECT data FROM chunks WHERE series = ? AND step_max >= ? "
                          "AND step_min <= ? ORDER BY seq", (series_id, lo, hi))
        try:
            steps, values = decode_chunks([blob for (blob,) in rows])
        except ValueError as exc:
            raise StoreError(f"store {self.path}: a chunk of history series {series_id} is "
                             f"unreadable ({exc})") from exc
        if steps.size and (steps[0] < lo or steps[-1] > hi):
            a = int(np.searchsorted(steps, lo, "left"))
            b = int(np.searchsorted(steps, hi, "right"))
            steps, values = steps[a:b], values[a:b]
        return steps, values

    def read_series(self, run_pk: int, key: str, min_step: int | None = None,
                    max_step: int | None = None) -> tuple[Int64s, Float64s, str]:
        lo, hi = check_range(min_step, max_step)
        with self._snapshot():
            series_id, kind = self._series(run_pk, key)
            if series_id is None:
                return np.zeros(0, np.int64), np.zeros(0, np.float64), kind
            steps, values = self._points(series_id, lo, hi)
        return steps, values, kind

    def read_envelope(self, run_pk: int, key: str, buckets: int, min_step: int | None = None,
                      max_step: int | None = None) -> Envelope:
        buckets = check_buckets(buckets)
        lo, hi = check_range(min_step, max_step)
        with self._snapshot():
            return self._envelope(run_pk, key, buckets, lo, hi)

    def _envelope(self, run_pk: int, key: str, buckets: int, lo: int, hi: int) -> Envelope:
        series_id, _ = self._series(run_pk, key)
        if series_id is None:
            return empty_envelope()
        rows = self._read("SELECT step_min, step_max, n FROM chunks WHERE series = ? "
                          "AND step_max >= ? AND step_min <= ? ORDER BY seq",
                          (series_id, lo, hi))
        # The one or two chunks at the ends of the range are read point by point, so that
        # no group holds points outside it; the inside is read as points when short, else
        # as the chunks' stored envelopes.
        no_points = np.zeros(0, np.int64), np.zeros(0, np.float64)
        head = tail = no_points
        if rows and rows[0][0] < lo:
            head = self._points(series_id, lo, min(hi, rows[0][1]))
            rows = rows[1:]
        if rows and rows[-1][1] > hi:
            tail = self._points(series_id, rows[-1][0], hi)
            rows = rows[:-1]
        inner_lo, inner_hi = (rows[0][0], rows[-1][1]) if rows else (0, -1)
        count = head[0].size + sum(n for _, _, n in rows) + tail[0].size
        if count <= buckets * ENVELOPE_POINTS:
            inner = self._points(series_id, inner_lo, inner_hi) if rows else no_points
            steps = np.concatenate([head[0], inner[0], tail[0]])
            values = np.concatenate([head[1], inner[1], tail[1]])
            return bucket_points(steps, values, buckets)
        blobs = self._read("SELECT envelope FROM chunks WHERE series = ? AND step_min >= ? "
                           "AND step_max <= ? ORDER BY seq", (series_id, inner_lo, inner_hi))
        try:
            middle = decode_envelopes([blob for (blob,) in blobs])
        except ValueError as exc:
            raise StoreError(f"store {self.path}: an envelope of history series {series_id} "
                             f"is unreadable ({exc})") from exc
        return bucket_envelope(merge_envelopes([envelope_of(*head), middle,
                                                envelope_of(*tail)]), buckets)

    def read_objects(self, run_pk: int, keys: Sequence[str] | None = None,
                     min_step: int | None = None, max_step: int | None = None,
                     ) -> dict[str, list[tuple[int, Any]]]:
        lo, hi = check_range(min_step, max_step)
        sql = "SELECT key, step, value FROM history_objects WHERE run = ?"
        params: list[Any] = [run_pk]
        if keys is not None:
            if not keys:
                return {}
            sql += f" AND key IN ({', '.join('?' for _ in keys)})"
            params.extend(keys)
        if min_step is not None:
            sql += " AND step >= ?"
            params.append(lo)
        if max_step is not None:
            sql += " AND step <= ?"
            params.append(hi)
        out: dict[str, list[tuple[int, Any]]] = {}
        for key, step, value in self._read(sql + " ORDER BY key, step", params):
            out.setdefault(key, []).append((step, _unpack(value) if value is not None else None))
        return out
