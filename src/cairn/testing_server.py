"""``cairn server`` as a real process on 127.0.0.1, for tests and benchmarks: started,
killed (SIGKILL) and started again on the same port, over the same backend."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path
from typing import IO

from cairn.store.accounts import Accounts


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def add_user(store_uri: str, name: str, admin: bool = False) -> str:
    """A new user of the backend's store; their API key."""
    from cairn.backend import open_backend
    from cairn.settings import load_settings

    backend = open_backend(store_uri, load_settings(), create=True)
    try:
        return Accounts(backend.store).create_user(name, admin)[1]
    finally:
        backend.close()


class ServerProcess:
    """``python -m cairn server`` over ``store`` (and ``blobs``) on a fixed free port."""

    def __init__(self, store: str, blobs: str | None = None, workers: int = 1,
                 log: Path | None = None, env: dict[str, str] | None = None) -> None:
        self.store = store
        self.blobs = blobs
        self.workers = workers
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.log = log
        self.env = env
        self.process: subprocess.Popen[bytes] | None = None
        self._log_file: IO[bytes] | None = None

    def start(self, timeout: float = 30.0) -> float:
        """Start and wait until ``/healthz`` answers; seconds that took."""
        started = time.monotonic()
        args = [sys.executable, "-m", "cairn", "server", "--store", self.store,
                "--host", "127.0.0.1", "--port", str(self.port), "--workers",
                str(self.workers)]
        if self.blobs:
            args += ["--blobs", self.blobs]
        if self.log is None:
            args.append("--no-access-log")
            out: IO[bytes] | int = subprocess.DEVNULL
        else:
            self._log_file = out = open(self.log, "ab")  # noqa: SIM115
        self.process = subprocess.Popen(args, stdout=out, stderr=out,
                                        env={**os.environ, **(self.env or {})},
                                        start_new_session=True)
        while True:
            if self.process.poll() is not None:
                raise RuntimeError(f"cairn server exited with {self.process.returncode}")
            try:
                with urllib.request.urlopen(f"{self.url}/healthz", timeout=1) as answer:
                    if answer.status == 200:
                        return time.monotonic() - started
            except (urllib.error.URLError, OSError):
                pass
            if time.monotonic() - started > timeout:
                self.kill()
                raise RuntimeError("cairn server did not answer /healthz in time")
            time.sleep(0.02)

    def kill(self) -> None:
        """SIGKILL the server and its workers (its process group)."""
        if self.process is not None and self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait(10)
        self._close_log()

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGTERM)
            try:
                self.process.wait(15)
            except subprocess.TimeoutExpired:
                self.kill()
        self._close_log()

    def _close_log(self) -> None:
        if self._log_file is not None:
            self._log_file.close()
            self._log_file = None
