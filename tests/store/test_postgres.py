"""What only the PostgreSQL store does: opening by URI, migrations shared by processes,
state by heartbeat age, and text PostgreSQL cannot hold."""

from __future__ import annotations

import socket
import subprocess
import sys
import time
from typing import Any

import pytest

from cairn.errors import StoreError
from cairn.records import RunRef
from cairn.store.postgres import PostgresStore
from cairn.store.registry import open_store
from cairn.store.sql_store import read_migrations
from cairn.testing_postgres import TemporaryPostgres

REF = RunRef("me", "p", "r1")


@pytest.fixture
def uri(postgres: TemporaryPostgres) -> str:
    return postgres.uri(schema=postgres.new_schema())


def test_postgresql_uris_open_a_postgres_store(uri: str) -> None:
    store = open_store(uri, heartbeat_timeout=5.0)
    try:
        assert isinstance(store, PostgresStore)
        assert store.heartbeat_timeout == 5.0
    finally:
        store.close()


def test_opening_again_migrates_nothing_and_a_newer_schema_is_refused(uri: str) -> None:
    PostgresStore(uri).close()
    store = PostgresStore(uri)
    try:
        latest = read_migrations("cairn.store.postgres")[-1][0]
        assert store._read("SELECT version FROM cairn_schema") == [(latest,)]
        store._read("UPDATE cairn_schema SET version = 99 RETURNING version")
    finally:
        store.close()
    with pytest.raises(StoreError, match="schema version 99"):
        PostgresStore(uri)


def test_the_password_stays_out_of_messages() -> None:
    with pytest.raises(StoreError) as caught:
        PostgresStore("postgresql://me:secret@127.0.0.1:1/none", busy_timeout=1.0)
    assert "secret" not in str(caught.value)


def test_state_goes_by_heartbeat_age_not_local_pids(uri: str, writer: Any) -> None:
    dead = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"],
                          capture_output=True, text=True, check=True).stdout.strip()
    store = PostgresStore(uri, heartbeat_timeout=60.0)
    try:
        fresh, stale = RunRef("me", "p", "fresh"), RunRef("me", "p", "stale")
        now = time.time()
        store.apply_records([
            writer(fresh, start=now).run(host=socket.gethostname(), pid=int(dead)),
            writer(stale, start=now - 3600).run(host=socket.gethostname(), pid=None)])
        states = {r.ref.run_id: r.state for r in store.query_runs("me", "p")}
        assert states == {"fresh": "running", "stale": "crashed"}
        crashed = store.query_runs("me", "p", {"state": "crashed"})
        assert [r.ref.run_id for r in crashed] == ["stale"]
    finally:
        store.close()


def test_nul_in_text_is_stored_as_the_replacement_character(uri: str, writer: Any) -> None:
    store = PostgresStore(uri)
    try:
        w = writer(REF)
        store.apply_records([w.run(name="a\x00b"), w.config({"k\x00": "v\x00"})])
        row = store.get_run(REF)
        assert row is not None
        assert row.name == "a\ufffdb"
        assert row.config == {"k\x00": "v\x00"}  # msgpack keeps it exactly
        found = store.query_runs("me", "p", {"config.k\ufffd": "v\ufffd"})
        assert [r.ref.run_id for r in found] == ["r1"]
    finally:
        store.close()


def test_a_unix_socket_uri_opens_the_store(postgres: TemporaryPostgres, writer: Any) -> None:
    """``postgresql:///db`` with the socket's folder as ``host``: no TCP at all."""
    from urllib.parse import quote

    schema = postgres.new_schema()
    uri = (f"postgresql:///postgres?host={quote(str(postgres.data), safe='')}&port="
           f"{postgres.port}&user={postgres.user}&options="
           f"{quote(f'-csearch_path={schema}')}")
    store = open_store(uri)
    try:
        assert isinstance(store, PostgresStore)
        store.apply_records([writer(REF).run()])
        assert store.get_run(REF) is not None
        peer = store._read("SELECT inet_client_addr()")
        assert peer == [(None,)]  # a local socket, not 127.0.0.1
    finally:
        store.close()
        postgres.drop_schema(schema)
