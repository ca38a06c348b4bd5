"""A throwaway PostgreSQL server for tests: ``initdb`` + ``pg_ctl`` in a temp folder,
listening on a free loopback port, removed on ``stop()``.

    with TemporaryPostgres() as server:
        store = open_store(server.uri(schema="t1"))

The server binaries come from ``$CAIRN_PG_BIN``, the ``PATH``, or Debian's
``/usr/lib/postgresql/<version>/bin``. PostgreSQL refuses to run as root, so under root
(CI containers) the data folder is handed to the ``postgres`` user (or ``nobody``) and the
server runs as that user.
"""

from __future__ import annotations

import contextlib
import glob
import os
import pwd
import shutil
import socket
import subprocess
import tempfile
import uuid
from pathlib import Path
from types import TracebackType
from typing import Any
from urllib.parse import quote

_UNPRIVILEGED_USERS = ("postgres", "nobody")


def postgres_bin() -> Path | None:
    """The folder holding ``initdb`` and ``pg_ctl``, or None when PostgreSQL is missing."""
    configured = os.environ.get("CAIRN_PG_BIN")
    if configured:
        return Path(configured)
    found = shutil.which("initdb")
    if found and shutil.which("pg_ctl"):
        return Path(found).resolve().parent
    versions = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"),
                      key=lambda p: int(Path(p).parts[-3]) if Path(p).parts[-3].isdigit() else 0)
    return Path(versions[-1]).parent if versions else None


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _server_user() -> pwd.struct_passwd | None:
    """The user to run the server as: None to run as ourselves (not root)."""
    if os.geteuid() != 0:
        return None
    for name in _UNPRIVILEGED_USERS:
        with contextlib.suppress(KeyError):
            return pwd.getpwnam(name)
    raise RuntimeError("PostgreSQL cannot run as root and there is no 'postgres' or "
                       "'nobody' user to run it as")


class TemporaryPostgres:
    """One PostgreSQL server in a temp folder; databases and schemas are made on it by
    the tests that use it."""

    def __init__(self) -> None:
        bindir = postgres_bin()
        if bindir is None:
            raise RuntimeError("PostgreSQL server binaries not found (install Debian's "
                               "'postgresql' package or set CAIRN_PG_BIN)")
        self.bindir = bindir
        self.folder = Path(tempfile.mkdtemp(prefix="cairn-pg-"))
        self.data = self.folder / "data"
        self.port = _free_port()
        self.user = "cairn"
        self._as = _server_user()
        self._started = False

    def _run(self, *args: str) -> None:
        kwargs: dict[str, Any] = {}
        if self._as is not None:
            kwargs.update(user=self._as.pw_uid, group=self._as.pw_gid, extra_groups=[])
        result = subprocess.run(args, capture_output=True, text=True, check=False,
                                cwd=self.folder, **kwargs)
        if result.returncode != 0:
            raise RuntimeError(f"{Path(args[0]).name} failed ({result.returncode}): "
                               f"{result.stdout}{result.stderr}")

    def start(self) -> TemporaryPostgres:
        if self._as is not None:
            os.chown(self.folder, self._as.pw_uid, self._as.pw_gid)
        self._run(str(self.bindir / "initdb"), "-D", str(self.data), "-U", self.user,
                  "-A", "trust", "-E", "UTF8", "--locale=C", "--no-sync")
        # Durability settings off: a test server's data dies with it anyway.
        options = (f"-h 127.0.0.1 -p {self.port} -k {self.data} -c fsync=off "
                   "-c synchronous_commit=off -c full_page_writes=off -c max_connections=200")
        self._run(str(self.bindir / "pg_ctl"), "-D", str(self.data), "-o", options,
                  "-l", str(self.folder / "server.log"), "-w", "-t", "60", "start")
        self._started = True
        return self

    def restart(self, down: float = 0.0) -> None:
        """Stop the server (``fast``: its sessions are cut, open transactions roll back),
        wait ``down`` seconds, and start it again on the same data and port. Not a crash:
        this server runs with ``synchronous_commit=off``, so a crash would lose commits
        it had acknowledged, which a real server does not."""
        import time

        options = (f"-h 127.0.0.1 -p {self.port} -k {self.data} -c fsync=off "
                   "-c synchronous_commit=off -c full_page_writes=off -c max_connections=200")
        self._run(str(self.bindir / "pg_ctl"), "-D", str(self.data), "-m", "fast", "-w",
                  "stop")
        time.sleep(down)
        self._run(str(self.bindir / "pg_ctl"), "-D", str(self.data), "-o", options,
                  "-l", str(self.folder / "server.log"), "-w", "-t", "60", "start")

    def stop(self) -> None:
        if self._started:
            self._started = False
            with contextlib.suppress(RuntimeError):
                self._run(str(self.bindir / "pg_ctl"), "-D", str(self.data), "-m", "immediate",
                          "-w", "stop")
        shutil.rmtree(self.folder, ignore_errors=True)

    def uri(self, database: str = "postgres", schema: str | None = None) -> str:
        """A ``postgresql://`` URI of a database, with ``search_path`` set to ``schema``
        when given (so that every test can have its own empty store)."""
        uri = f"postgresql://{self.user}@127.0.0.1:{self.port}/{database}"
        if schema is not None:
            uri += "?options=" + quote(f"-csearch_path={schema}")
        return uri

    def new_schema(self) -> str:
        """A new empty schema's name (``search_path`` of a fresh store)."""
        import psycopg

        name = "t_" + uuid.uuid4().hex[:16]
        with psycopg.connect(self.uri(), autocommit=True) as conn:
            conn.execute(f"CREATE SCHEMA {name}")
        return name

    def drop_schema(self, name: str) -> None:
        import psycopg

        with psycopg.connect(self.uri(), autocommit=True) as conn:
            conn.execute(f"DROP SCHEMA IF EXISTS {name} CASCADE")

    def __enter__(self) -> TemporaryPostgres:
        return self.start()

    def __exit__(self, exc_type: type[BaseException] | None, exc: BaseException | None,
                 tb: TracebackType | None) -> None:
        self.stop()
