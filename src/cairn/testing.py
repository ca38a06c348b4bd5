"""Helpers for tests, ours and users': an isolated cairn folder and a clean run state.

    from cairn.testing import isolated_cairn

    def test_training(tmp_path):
        with isolated_cairn(tmp_path) as root:
            train()                       # calls cairn.init / log / finish
            api = cairn.Api(root=root)
"""

from __future__ import annotations

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
