"""The team store: PostgreSQL through psycopg 3 and a connection pool.

Every read and the apply transaction are shared with SQLite (``store/sql_store.py``);
this module supplies connections, migrations and PostgreSQL's SQL for what differs.

Many server workers apply batches at once. Each batch is one short transaction that
first takes a transaction-scoped advisory lock on every run it touches (in one sorted
order, so two batches never wait on each other in a cycle), and on the project of any
artifact record (versions are numbered per collection). Batches of other runs never wait.
Reads take a connection from the pool each (or one pinned for a consistent snapshot).
"""

from __future__ import annotations

import contextlib
import json
import re
import threading
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from functools import lru_cache
from typing import Any, TypeVar
from urllib.parse import urlsplit, urlunsplit

import psycopg
from psycopg_pool import ConnectionPool

from cairn.errors import (
    QueryTimeoutError,
    StoreError,
    StoreLockedError,
    StoreUnavailableError,
)
from cairn.records import Record
from cairn.store import deadline, levels
from cairn.store.apply import Cursor, RecordApplier
from cairn.store.base import ApplyResult, effective_state
from cairn.store.chunk_index import DEFAULT_BUDGET, POINTS_BUDGET, ChunkIndexCache
from cairn.store.edits import Edit, lock_keys
from cairn.store.levels import LEVELS_MIGRATION
from cairn.store.postgres.filters import PostgresFilters
from cairn.store.sql_store import RUN_COLUMNS, SqlStore, read_migrations

T = TypeVar("T")

_MIGRATION_LOCK = 0x6361_6972_6E00  # "cairn": one migrator per database at a time
_ARTIFACT_KINDS = frozenset({"artifact", "artifact_use", "artifact_edit", "artifact_delete"})
# A batch that lost a race (a row another transaction inserted first) runs again.
_RETRIES = 5
_RETRYABLE = (psycopg.errors.UniqueViolation, psycopg.errors.DeadlockDetected,
              psycopg.errors.SerializationFailure)
_SQLITE_HINT = re.compile(r"\s+INDEXED BY \w+")
_LIKE = re.compile(r"\bLIKE\b")


@lru_cache(maxsize=1024)
def _translate(sql: str) -> str:
    """The shared SQL (``?`` placeholders) in psycopg's spelling: SQLite's planner hints
    dropped, and LIKE, which ignores ASCII case in SQLite, as ILIKE."""
    sql = _LIKE.sub("ILIKE", _SQLITE_HINT.sub("", sql))
    return sql.replace("%", "%%").replace("?", "%s")


# PostgreSQL text and JSONB cannot hold NUL: it is stored as U+FFFD, the replacement
# character (in JSON text, the escape \u0000 not preceded by another backslash).
_JSON_NUL = re.compile(r"(?<!\\)((?:\\\\)*)\\u0000")


def _without_nul(value: Any) -> Any:
    if isinstance(value, str):
        if "\x00" in value:
            value = value.replace("\x00", "\ufffd")
        if "\\u0000" in value:
            value = _JSON_NUL.sub(r"\1\\ufffd", value)
    return value


class _Connection:
    """A psycopg connection that takes the shared modules' ``?`` SQL."""

    def __init__(self, conn: psycopg.Connection[Any]) -> None:
        self.conn = conn

    def execute(self, sql: str, params: Sequence[Any] = ()) -> psycopg.Cursor[Any]:
        values = [_without_nul(p) for p in params]
        if any(isinstance(v, bytes) for v in values):
            # History chunks and packed values: bound on the server, sent as binary, instead
            # of quoted into the SQL as hex text (which halves apply throughput).
            return psycopg.Cursor(self.conn).execute(_translate(sql), values)
        return self.conn.execute(_translate(sql), values)


def _public_uri(uri: str) -> str:
    """The URI without its password, for messages."""
    parts = urlsplit(uri)
    if parts.password is None:
        return uri
    netloc = parts.netloc.replace(f":{parts.password}@", ":***@")
    return urlunsplit(parts._replace(netloc=netloc))


def _stopped(limit: deadline.Deadline, where: str) -> QueryTimeoutError:
    return QueryTimeoutError(f"a read of store {where} was stopped: {limit.why()}")


def _store_error(exc: psycopg.Error, where: str) -> StoreError:
    limit = deadline.current()
    if isinstance(exc, psycopg.errors.QueryCanceled) and limit is not None and limit.over():
        return _stopped(limit, where)
    if isinstance(exc, psycopg.errors.LockNotAvailable | psycopg.errors.QueryCanceled):
        return StoreLockedError(f"store {where} is busy: {exc}")
    if isinstance(exc, psycopg.OperationalError):
        # the connection: refused, cut, the server shutting down, no pooled one in time
        return StoreUnavailableError(f"cannot reach store {where}: {exc}")
    return StoreError(f"store {where}: {exc}")


class PostgresStore(SqlStore):
    """``MetadataStore`` on PostgreSQL. Thread-safe; several processes and hosts may
    share one database."""

    _run_columns = RUN_COLUMNS.replace("runs.tags", "runs.tags::text")
    _no_limit = None

    def __init__(self, uri: str, heartbeat_timeout: float = 60.0, busy_timeout: float = 10.0,
                 envelope_cache_bytes: int = DEFAULT_BUDGET,
                 point_cache_bytes: int = POINTS_BUDGET, pool_size: int = 8) -> None:
        self.location = _public_uri(uri)
        self.heartbeat_timeout = heartbeat_timeout
        self._chunk_indexes = ChunkIndexCache(envelope_cache_bytes)
        self._chunk_points = ChunkIndexCache(point_cache_bytes)
        self._pinned = threading.local()
        self._lock_timeout_ms = int(busy_timeout * 1000)
        try:
            self._pool = ConnectionPool(
                uri, min_size=1, max_size=pool_size, open=True, timeout=busy_timeout,
                kwargs={"autocommit": True, "cursor_factory": psycopg.ClientCursor},
                configure=self._configure)
            self._pool.wait(timeout=busy_timeout)
        except (psycopg.Error, OSError) as exc:
            raise StoreError(f"cannot open store {self.location}: {exc}") from exc
        except Exception as exc:  # the pool's own timeout
            with contextlib.suppress(Exception):
                self._pool.close()
            raise StoreError(f"cannot open store {self.location}: {exc}") from exc
        try:
            self._migrate()
        except BaseException:
            self._pool.close()
            raise

    # ---- plumbing ----------------------------------------------------------------------
    def _configure(self, conn: psycopg.Connection[Any]) -> None:
        """A new pooled connection waits at most the busy timeout for a lock."""
        conn.execute(f"SET lock_timeout = {self._lock_timeout_ms}")

    @contextmanager
    def _bounded(self, conn: psycopg.Connection[Any]) -> Iterator[None]:
        """Under this thread's deadline, statements on ``conn`` stop when it passes
        (``statement_timeout``) or is cancelled (a cancel request to the server)."""
        limit = deadline.current()
        if limit is None:
            yield
            return
        if limit.over():
            raise _stopped(limit, self.location)
        try:
            with limit.on_cancel(conn.cancel_safe):
                conn.execute(
                    f"SET statement_timeout = {max(1, int(limit.remaining() * 1000))}")
                yield
            if limit.cancelled:
                # A cancel that reached the server between two statements stopped none of
                # them: the client went away all the same.
                raise _stopped(limit, self.location)
        finally:
            with contextlib.suppress(psycopg.Error):
                conn.execute("RESET statement_timeout")

    @contextmanager
    def _connection(self) -> Iterator[_Connection]:
        pinned: _Connection | None = getattr(self._pinned, "conn", None)
        if pinned is not None:
            yield pinned
            return
        try:
            with self._pool.connection() as conn, self._bounded(conn):
                yield _Connection(conn)
        except psycopg.Error as exc:
            raise _store_error(exc, self.location) from exc

    @contextmanager
    def _pin(self, begin: str) -> Iterator[_Connection]:
        """One pooled connection for this thread inside a transaction."""
        if getattr(self._pinned, "conn", None) is not None:
            yield self._pinned.conn
            return
        try:
            with self._pool.connection() as raw:
                conn = _Connection(raw)
                self._pinned.conn = conn
                try:
                    raw.execute(begin)
                    with self._bounded(raw) if "READ ONLY" in begin else \
                            contextlib.nullcontext():
                        yield conn
                    raw.execute("COMMIT")
                except BaseException:
                    with contextlib.suppress(psycopg.Error):
                        raw.execute("ROLLBACK")
                    raise
                finally:
                    self._pinned.conn = None
        except psycopg.Error as exc:
            if isinstance(exc, _RETRYABLE):
                raise
            raise _store_error(exc, self.location) from exc

    def _write(self) -> contextlib.AbstractContextManager[Cursor]:
        return self._pin("BEGIN")

    @contextmanager
    def _snapshot(self) -> Iterator[None]:
        with self._pin("BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY"):
            yield

    def _read(self, sql: str, params: Sequence[Any] = ()) -> list[Any]:
        with self._connection() as conn:
            return conn.execute(sql, params).fetchall()

    def _call(self, fn: Callable[..., T], *args: Any) -> T:
        with self._connection() as conn:
            return fn(conn, *args)

    def _migrate(self) -> None:
        migrations = read_migrations("cairn.store.postgres")
        latest = migrations[-1][0]
        with self._write() as conn:
            conn.execute("SELECT pg_advisory_xact_lock(?)", (_MIGRATION_LOCK,))
            conn.execute("CREATE TABLE IF NOT EXISTS cairn_schema (version BIGINT NOT NULL)")
            row = conn.execute("SELECT max(version) FROM cairn_schema").fetchone()
            current = int(row[0]) if row and row[0] is not None else 0
            if current > latest:
                raise StoreError(f"store {self.location} has schema version {current}, newer "
                                 f"than this cairn knows ({latest}); upgrade cairn to read it")
            for number, sql in migrations:
                if number > current:
                    for statement in sql.split(";\n"):
                        if statement.strip():
                            conn.execute(statement)
                    conn.execute("DELETE FROM cairn_schema")
                    conn.execute("INSERT INTO cairn_schema (version) VALUES (?)", (number,))
            if current < LEVELS_MIGRATION <= latest:
                levels.backfill(conn)

    def close(self) -> None:
        self._chunk_indexes.clear()
        self._chunk_points.clear()
        self._pool.close()

    # ---- writing -----------------------------------------------------------------------
    def apply_records(self, records: Sequence[Record]) -> ApplyResult:
        if not records:
            return ApplyResult(0, 0)
        return self._retrying(self._apply_once, records)

    def apply_edit(self, edit: Edit) -> bool:
        return self._retrying(super().apply_edit, edit)

    def _retrying(self, fn: Callable[..., T], *args: Any) -> T:
        """``fn(*args)``, a write transaction, run again when it lost a race."""
        for attempt in range(_RETRIES):
            try:
                return fn(*args)
            except _RETRYABLE as exc:
                if attempt == _RETRIES - 1:
                    raise _store_error(exc, self.location) from exc
        raise AssertionError("unreachable")

    def _apply_once(self, records: Sequence[Record]) -> ApplyResult:
        with self._pin("BEGIN") as conn, conn.conn.pipeline():
            # Statements whose results the applier does not read (chunk inserts, updates)
            # are sent without waiting for each: a round trip per read instead of per
            # statement.
            self._lock_batch(conn, records)
            return RecordApplier(conn).apply(records)

    def _lock_sweep(self, conn: Cursor, sweep_pk: int) -> None:
        conn.execute("SELECT pg_advisory_xact_lock(hashtextextended(?, 0))",
                     (json.dumps(["sweep", sweep_pk]),))

    def _lock_batch(self, conn: Cursor, records: Sequence[Record]) -> None:
        keys = {json.dumps(["run", r.run.entity, r.run.project, r.run.run_id])
                for r in records}
        keys |= {json.dumps(["project", r.run.entity, r.run.project]) for r in records
                 if r.kind in _ARTIFACT_KINDS}
        self._lock(conn, keys)

    def _lock_edit(self, conn: Cursor, edit: Edit) -> None:
        self._lock(conn, {json.dumps(key) for key in lock_keys(edit)})

    def _lock(self, conn: Cursor, keys: set[str]) -> None:
        """Transaction-scoped advisory locks on ``keys``: one statement (one round trip)
        takes them all, in sorted order."""
        marks = ", ".join("?" for _ in keys)
        conn.execute("SELECT pg_advisory_xact_lock(hashtextextended(k, 0)) FROM "
                     f"(SELECT unnest(ARRAY[{marks}]::text[]) AS k ORDER BY 1) AS keys",
                     sorted(keys))

    # ---- the dialect's SQL ---------------------------------------------------------------
    def _state(self, state: str, heartbeat_at: float, host: str | None,
               pid: int | None) -> str:
        return effective_state(state, heartbeat_at, host, pid, self.heartbeat_timeout,
                               local_pids=False)

    def _filters(self, filters: Mapping[str, Any] | None) -> tuple[str, list[Any]]:
        return PostgresFilters(self.heartbeat_timeout).where(filters)

    def _order(self, order: Sequence[str] | str | None) -> tuple[str, list[Any]]:
        return PostgresFilters(self.heartbeat_timeout).order_by(order)

    def _search(self, search: str | None) -> tuple[str, list[Any]]:
        """Case-insensitive text in the name, group, job type, tags, config or summary;
        the JSON columns are searched as their text (strings JSON-escaped)."""
        if not search:
            return "TRUE", []
        plain = _like(search)
        in_json = _like(json.dumps(search, ensure_ascii=False)[1:-1])
        columns = [("runs.name", plain), ("coalesce(runs.group_name, '')", plain),
                   ("coalesce(runs.job_type, '')", plain), ("runs.tags::text", in_json),
                   ("runs.config_json::text", in_json), ("runs.summary_json::text", in_json)]
        sql = " OR ".join(f"{column} ILIKE ? ESCAPE '\\'" for column, _ in columns)
        return sql, [pattern for _, pattern in columns]

    def _flat_keys(self, column: str, entity: str, project: str) -> list[str]:
        rows = self._read(
            "WITH RECURSIVE t (key, value) AS ("
            "SELECT e.key, e.value FROM runs JOIN projects ON projects.id = runs.project_id "
            f"CROSS JOIN LATERAL jsonb_each(CASE WHEN jsonb_typeof(runs.{column}) = 'object' "
            f"THEN runs.{column} ELSE '{{}}'::jsonb END) AS e "
            "WHERE projects.entity = ? AND projects.name = ? "
            "UNION SELECT t.key || '.' || e.key, e.value FROM t CROSS JOIN LATERAL "
            "jsonb_each(t.value) AS e WHERE jsonb_typeof(t.value) = 'object') "
            "SELECT DISTINCT key FROM t WHERE jsonb_typeof(value) <> 'object' OR "
            "value = '{}'::jsonb", (entity, project))
        return sorted(str(key) for (key,) in rows if key)


def _like(text: str) -> str:
    escaped = text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"
