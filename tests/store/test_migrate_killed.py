"""A migration killed (SIGKILL) half way leaves the store as it was before it, and the
next start completes it: every pending migration runs in one transaction.

The store starts at schema version 5; migration 6 alters an existing table
(``wal_progress`` gains ``gaps``), so a half-applied migration would show as that column
next to version 5."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest
from click.testing import CliRunner

from cairn.cli.main import cli
from cairn.store.sql_store import read_migrations
from cairn.testing_postgres import TemporaryPostgres

OLD = 5


def _statements(package: str, upto: int) -> list[str]:
    return [s for number, sql in read_migrations(package) if number <= upto
            for s in sql.split(";\n") if s.strip()]


def _migrate(store: str) -> None:
    result = CliRunner().invoke(cli, ["server", "--store", store, "migrate"],
                                catch_exceptions=False)
    assert result.exit_code == 0, result.output
    assert "schema up to date" in result.output


def test_sqlite_migration_killed_half_way_rolls_back(tmp_path: Path) -> None:
    import sqlite3

    db = tmp_path / "team" / "cairn.db"
    db.parent.mkdir()
    conn = sqlite3.connect(db, isolation_level=None)
    conn.execute("PRAGMA journal_mode = WAL")
    for statement in _statements("cairn.store.sqlite", OLD):
        conn.execute(statement)
    conn.execute(f"PRAGMA user_version = {OLD}")
    conn.close()

    # The migrator dies (SIGKILL, from inside) as it reaches migration 9: migrations 6 to
    # 8 are written in its open transaction by then.
    killed = subprocess.run([sys.executable, "-c", textwrap.dedent(f"""
        import os, signal, sqlite3
        from pathlib import Path

        connect = sqlite3.connect

        def dying(*args, **kwargs):
            conn = connect(*args, **kwargs)
            conn.set_trace_callback(lambda sql: "CREATE TABLE IF NOT EXISTS users" in sql
                                    and os.kill(os.getpid(), signal.SIGKILL))
            return conn

        sqlite3.connect = dying
        from cairn.store.sqlite import SqliteStore
        SqliteStore(Path({str(db)!r}))
    """)], capture_output=True, text=True, check=False)
    assert killed.returncode == -signal.SIGKILL, killed.stderr

    conn = sqlite3.connect(db)
    assert conn.execute("PRAGMA user_version").fetchone()[0] == OLD
    columns = {row[1] for row in conn.execute("PRAGMA table_info(wal_progress)")}
    assert "gaps" not in columns  # migration 6 rolled back with the rest
    assert conn.execute("SELECT count(*) FROM sqlite_master WHERE name = 'sweeps'"
                        ).fetchone()[0] == 0
    conn.close()

    _migrate(str(tmp_path / "team"))
    conn = sqlite3.connect(db)
    latest = read_migrations("cairn.store.sqlite")[-1][0]
    assert conn.execute("PRAGMA user_version").fetchone()[0] == latest
    assert "gaps" in {row[1] for row in conn.execute("PRAGMA table_info(wal_progress)")}
    conn.close()


def test_postgresql_migration_killed_half_way_rolls_back(postgres: TemporaryPostgres) -> None:
    import psycopg

    schema = postgres.new_schema()
    store = postgres.uri(schema=schema)
    with psycopg.connect(store, autocommit=True) as conn:
        for statement in _statements("cairn.store.postgres", OLD):
            conn.execute(statement)
        conn.execute("CREATE TABLE cairn_schema (version BIGINT NOT NULL)")
        conn.execute("INSERT INTO cairn_schema (version) VALUES (%s)", (OLD,))

    def state() -> tuple[int, bool]:
        with psycopg.connect(store, autocommit=True) as conn:
            row = conn.execute("SELECT max(version) FROM cairn_schema").fetchone()
            gaps = conn.execute(
                "SELECT count(*) FROM information_schema.columns WHERE table_schema = %s "
                "AND table_name = 'wal_progress' AND column_name = 'gaps'", (schema,)
            ).fetchone()
        assert row is not None
        assert gaps is not None
        return int(row[0]), bool(gaps[0])

    # A session holds the version table: the migrator applies migration 6, then waits to
    # record it. It is killed there, its transaction open.
    with psycopg.connect(store) as blocker:
        blocker.execute("LOCK TABLE cairn_schema IN EXCLUSIVE MODE")
        migrator = subprocess.Popen([sys.executable, "-m", "cairn", "server", "--store",
                                     store, "migrate"], stdout=subprocess.DEVNULL,
                                    stderr=subprocess.PIPE, start_new_session=True)
        assert migrator.stderr is not None
        try:
            _wait_for_lock_wait(store, migrator)
        finally:
            if migrator.poll() is None:
                os.killpg(migrator.pid, signal.SIGKILL)
            migrator.wait(10)
            migrator.stderr.close()
        blocker.rollback()  # the lock goes; the dead client's transaction is rolled back
    _wait_for_no_client(store)
    assert state() == (OLD, False)

    _migrate(store)
    assert state() == (read_migrations("cairn.store.postgres")[-1][0], True)
    postgres.drop_schema(schema)


def _wait_for_lock_wait(store: str, migrator: subprocess.Popen[bytes]) -> None:
    """Until a session waits for a lock (the migrator, blocked on the version table)."""
    import psycopg

    deadline = time.monotonic() + 30
    with psycopg.connect(store, autocommit=True) as conn:  # fresh statistics each query
        while True:
            if migrator.poll() is not None:
                stderr = migrator.stderr.read() if migrator.stderr else b""
                pytest.fail(f"the migrator ended before it was killed: {stderr!r}")
            found = conn.execute("SELECT count(*) FROM pg_stat_activity WHERE "
                                 "wait_event_type = 'Lock'").fetchone()
            if found and found[0]:
                return
            assert time.monotonic() < deadline, "the migrator never reached the version table"
            time.sleep(0.05)


def _wait_for_no_client(store: str) -> None:
    """Until no other session is left (the killed migrator's backend has rolled back)."""
    import psycopg

    deadline = time.monotonic() + 30
    with psycopg.connect(store, autocommit=True) as conn:
        while True:
            found = conn.execute("SELECT count(*) FROM pg_stat_activity WHERE "
                                 "backend_type = 'client backend' AND pid <> "
                                 "pg_backend_pid() AND datname = current_database()"
                                 ).fetchone()
            if found is not None and found[0] == 0:
                return
            assert time.monotonic() < deadline, "the killed migrator's session stayed"
            time.sleep(0.05)
