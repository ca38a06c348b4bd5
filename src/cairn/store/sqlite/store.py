from __future__ import annotations

import contextlib
import json
import re
import sqlite3
import threading
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any, TypeVar

from cairn.errors import QueryTimeoutError, StoreError, StoreLockedError
from cairn.store import deadline, levels
from cairn.store.base import effective_state
from cairn.store.chunk_index import DEFAULT_BUDGET, POINTS_BUDGET, ChunkIndexCache
from cairn.store.levels import LEVELS_MIGRATION
from cairn.store.sql_store import SqlStore, read_migrations
from cairn.store.sqlite.filters import SqliteFilters, regexp

T = TypeVar("T")

def _like_pattern(text: str) -> str:
    """``%text%`` for ``LIKE ... ESCAPE '\\'``, with ``\\``, ``%`` and ``_`` matched
    literally."""
    escaped = text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"


_SEARCH_PLAIN = ("runs.name", "coalesce(runs.group_name, '')", "coalesce(runs.job_type, '')")
_SEARCH_JSON = ("runs.tags", "runs.config_json", "runs.summary_json")


def search_clause(search: str | None) -> tuple[str, list[Any]]:
    """``(sql, params)``: the text occurs in the name, group, job type, tags, config or
    summary. SQLite's LIKE ignores case for ASCII letters only. The JSON columns hold
    text as JSON writes it (non-ASCII as ``\\uXXXX``), so they are searched for the
    text spelled that way."""
    if not search:
        return "1", []
    plain, in_json = _like_pattern(search), _like_pattern(json.dumps(search)[1:-1])
    clauses = [f"{column} LIKE ? ESCAPE '\\'" for column in (*_SEARCH_PLAIN, *_SEARCH_JSON)]
    params = [plain] * len(_SEARCH_PLAIN) + [in_json] * len(_SEARCH_JSON)
    return " OR ".join(clauses), params


_PATH_PART = re.compile(r'\.(?:"((?:[^"\\]|\\.)*)"|([^.\[]*))|\[')


def flat_key(path: str) -> str:
    """The ``a.b`` key of a SQLite JSON path (``$.a."b c"[0]``), up to the first list
    index (a list is a leaf)."""
    parts: list[str] = []
    at = 1  # after "$"
    while at < len(path):
        match = _PATH_PART.match(path, at)
        if match is None or match.group(0) == "[":
            break
        quoted, plain = match.groups()
        parts.append(json.loads(f'"{quoted}"') if quoted is not None else plain)
        at = match.end()
    return ".".join(parts)


def _store_error(exc: sqlite3.Error, path: Path) -> StoreError:
    text = str(exc)
    limit = deadline.current()
    if isinstance(exc, sqlite3.OperationalError) and text == "interrupted" and \
            limit is not None and limit.over():
        return QueryTimeoutError(f"a read of store {path} was stopped: {limit.why()}")
    if "locked" in text or "busy" in text:
        return StoreLockedError(f"store {path} is locked by another process: {text}")
    return StoreError(f"store {path}: {text}")


_PROGRESS_STEPS = 1000
"""SQLite virtual machine steps between two looks at the thread's deadline."""


def _over_deadline() -> int:
    """SQLite's progress handler: non-zero stops the running statement."""
    limit = deadline.current()
    return 1 if limit is not None and limit.over() else 0


class SqliteStore(SqlStore):
    """``MetadataStore`` on SQLite. Thread-safe within one process.

    As datasette does, one connection writes (short ``BEGIN IMMEDIATE`` transactions,
    one at a time under a lock) and each thread that reads has its own connection, so
    readers never queue behind each other or behind a write (WAL mode lets them read the
    last committed state while a write goes on). Reads inside a write transaction use the
    writing connection, to see what the transaction wrote."""

    def __init__(self, path: Path, heartbeat_timeout: float = 60.0,
                 busy_timeout: float = 10.0, envelope_cache_bytes: int = DEFAULT_BUDGET,
                 point_cache_bytes: int = POINTS_BUDGET) -> None:
        self.path = path
        self.location = str(path)
        self.heartbeat_timeout = heartbeat_timeout
        self._busy_timeout = busy_timeout
        self._lock = threading.RLock()
        self._local = threading.local()
        self._readers: dict[threading.Thread, sqlite3.Connection] = {}
        self._readers_lock = threading.Lock()
        self._closed = False
        self._chunk_indexes = ChunkIndexCache(envelope_cache_bytes)
        self._chunk_points = ChunkIndexCache(point_cache_bytes)
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            self._conn = self._connect()
        except (OSError, sqlite3.Error) as exc:
            raise StoreError(f"cannot open store {path}: {exc}") from exc
        conn = self._conn
        try:
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
    def _connect(self) -> sqlite3.Connection:
        conn = sqlite3.connect(str(self.path), timeout=self._busy_timeout,
                               isolation_level=None, check_same_thread=False)
        conn.create_function("regexp", 2, regexp, deterministic=True)
        conn.create_function("run_state", 4, self._run_state)
        conn.execute(f"PRAGMA busy_timeout = {int(self._busy_timeout * 1000)}")
        return conn

    def _reader(self) -> sqlite3.Connection:
        """This thread's reading connection (the writing one inside a write)."""
        if getattr(self._local, "writing", False):
            return self._conn
        conn: sqlite3.Connection | None = getattr(self._local, "reader", None)
        if conn is not None:
            return conn
        with self._readers_lock:
            if self._closed:
                raise StoreError(f"store {self.path} is closed")
            for thread in [t for t in self._readers if not t.is_alive()]:
                self._readers.pop(thread).close()
            try:
                conn = self._connect()
                conn.execute("PRAGMA query_only = ON")
                conn.set_progress_handler(_over_deadline, _PROGRESS_STEPS)
            except sqlite3.Error as exc:
                raise _store_error(exc, self.path) from exc
            self._readers[threading.current_thread()] = conn
        self._local.reader = conn
        return conn

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
            self._local.writing = True
            try:
                yield self._conn
                self._conn.execute("COMMIT")
            except BaseException as exc:
                with contextlib.suppress(sqlite3.Error):
                    self._conn.execute("ROLLBACK")
                if isinstance(exc, sqlite3.Error):
                    raise _store_error(exc, self.path) from exc
                raise
            finally:
                self._local.writing = False

    @contextmanager
    def _interruptible(self, conn: sqlite3.Connection) -> Iterator[None]:
        """A cancel of this thread's deadline stops the statement ``conn`` runs now."""
        limit = deadline.current()
        if limit is None or conn is self._conn:
            yield
            return
        if limit.over():
            raise QueryTimeoutError(f"a read of store {self.path} was stopped: {limit.why()}")
        with limit.on_cancel(conn.interrupt):
            yield

    @contextmanager
    def _snapshot(self) -> Iterator[None]:
        """Several reads that see one state of the store (a read transaction), even while
        another process writes."""
        conn = self._reader()
        if conn.in_transaction:
            yield
            return
        try:
            conn.execute("BEGIN")
        except sqlite3.Error as exc:
            raise _store_error(exc, self.path) from exc
        try:
            yield
        finally:
            with contextlib.suppress(sqlite3.Error):
                conn.execute("COMMIT")

    def _read(self, sql: str, params: Sequence[Any] = ()) -> list[Any]:
        conn = self._reader()
        try:
            with self._interruptible(conn):
                return conn.execute(sql, params).fetchall()
        except sqlite3.Error as exc:
            raise _store_error(exc, self.path) from exc

    def _migrate(self) -> None:
        migrations = read_migrations("cairn.store.sqlite")
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
            if current < LEVELS_MIGRATION <= latest:
                levels.backfill(conn)

    def _schema_version(self, conn: sqlite3.Connection, latest: int) -> int:
        current = int(conn.execute("PRAGMA user_version").fetchone()[0])
        if current > latest:
            raise StoreError(f"store {self.path} has schema version {current}, newer than "
                             f"this cairn knows ({latest}); upgrade cairn to read it")
        return current

    def check_integrity(self, full: bool = False) -> list[str]:
        """What SQLite finds wrong with the file (empty when nothing): ``PRAGMA
        quick_check``, or with ``full`` ``integrity_check``, which also compares every
        index with its table (several times slower on a big store)."""
        pragma = "integrity_check" if full else "quick_check"
        try:
            rows = self._reader().execute(f"PRAGMA {pragma}(20)").fetchall()
        except sqlite3.DatabaseError as exc:
            return [str(exc)]
        found = [str(line) for (text,) in rows for line in str(text).splitlines()]
        return [] if found == ["ok"] else found

    def close(self) -> None:
        with self._lock, self._readers_lock:
            self._closed = True
            self._chunk_indexes.clear()
            self._chunk_points.clear()
            for reader in self._readers.values():
                reader.close()
            self._readers.clear()
            self._conn.close()

    # ---- writing -----------------------------------------------------------------------

    def _call(self, fn: Callable[..., T], *args: Any) -> T:
        conn = self._reader()
        try:
            with self._interruptible(conn):
                return fn(conn, *args)
        except sqlite3.Error as exc:
            raise _store_error(exc, self.path) from exc

    # ---- the dialect's SQL ---------------------------------------------------------------
    def _state(self, state: str, heartbeat_at: float, host: str | None,
               pid: int | None) -> str:
        return effective_state(state, heartbeat_at, host, pid, self.heartbeat_timeout)

    def _filters(self, filters: Mapping[str, Any] | None) -> tuple[str, list[Any]]:
        return SqliteFilters().where(filters)

    def _order(self, order: Sequence[str] | str | None) -> tuple[str, list[Any]]:
        return SqliteFilters().order_by(order)

    def _search(self, search: str | None) -> tuple[str, list[Any]]:
        return search_clause(search)

    def _flat_keys(self, column: str, entity: str, project: str) -> list[str]:
        """Distinct ``a.b`` keys of a JSON column: objects are walked, everything else
        (lists included) is a leaf, and so is an empty object."""
        rows = self._read(
            f"SELECT DISTINCT t.fullkey FROM runs JOIN projects ON projects.id = "
            f"runs.project_id, json_tree(runs.{column}) AS t WHERE projects.entity = ? AND "
            "projects.name = ? AND (t.type != 'object' OR (t.parent IS NOT NULL AND "
            "t.value = '{}'))", (entity, project))
        keys = {flat_key(path) for (path,) in rows}
        return sorted(k for k in keys if k)
