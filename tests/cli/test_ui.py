"""``cairn ui``: clear one-line errors when it cannot start, the warning for a non-loopback
address, ``--open``, and one real start and stop."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path
from typing import TYPE_CHECKING, Any

import httpx
import pytest

from cairn.server import serve

if TYPE_CHECKING:
    from tests.cli.conftest import Invoke, MakeRun


class _NoServer:
    """Stands in for uvicorn: records what it was asked to serve and returns at once."""

    served: list[Any] = []

    def __init__(self, app: Any) -> None:
        self.app = app

    def run(self, sockets: list[socket.socket]) -> None:
        _NoServer.served.append((self.app, sockets[0].getsockname()))


@pytest.fixture
def no_server(monkeypatch: pytest.MonkeyPatch) -> type[_NoServer]:
    _NoServer.served = []
    monkeypatch.setattr(serve, "make_server", _NoServer)
    return _NoServer


def test_no_store_is_one_line(invoke: Invoke, cairn_root: Path, tmp_path: Path) -> None:
    result = invoke("ui", code=1)
    assert result.stderr == f"Error: no cairn store at {cairn_root}; log a run first\n"
    result = invoke("ui", "--dir", str(tmp_path / "elsewhere"), code=1)
    assert result.stderr == (f"Error: no cairn store at {tmp_path / 'elsewhere'}; "
                             "log a run first\n")


def test_port_in_use_is_one_line(invoke: Invoke, make_run: MakeRun) -> None:
    make_run(mode="local")
    busy = serve.bind("127.0.0.1", 0)
    try:
        port = busy.getsockname()[1]
        result = invoke("ui", "--port", str(port), code=1)
    finally:
        busy.close()
    assert result.stderr.startswith(f"Error: port {port} on 127.0.0.1 is in use")
    assert result.stderr.count("\n") == 1


def test_bad_host_and_port(invoke: Invoke, make_run: MakeRun) -> None:
    make_run(mode="local")
    result = invoke("ui", "--host", "no-such-host.invalid", code=1)
    assert result.stderr.startswith("Error: cannot serve on no-such-host.invalid:8080")
    assert result.stderr.count("\n") == 1
    assert "Invalid value for '--port'" in invoke("ui", "--port", "70000", code=2).stderr


def test_serves_the_folder_and_prints_the_url(invoke: Invoke, make_run: MakeRun,
                                              no_server: type[_NoServer],
                                              cairn_root: Path) -> None:
    make_run(mode="local")
    result = invoke("ui", "--port", "0")
    (app, (host, port)), = no_server.served
    assert host == "127.0.0.1"
    assert result.stdout == f"cairn ui: {cairn_root} at http://127.0.0.1:{port} (Ctrl+C to stop)\n"
    assert result.stderr == ""
    assert app.state.cairn.settings.root == cairn_root


def test_non_loopback_warns_and_open_opens(invoke: Invoke, make_run: MakeRun,
                                          no_server: type[_NoServer],
                                          monkeypatch: pytest.MonkeyPatch) -> None:
    make_run(mode="local")
    real_bind = serve.bind
    monkeypatch.setattr(serve, "bind", lambda host, port: real_bind("127.0.0.1", 0))
    opened: list[str] = []
    monkeypatch.setattr("webbrowser.open", opened.append)
    result = invoke("ui", "--host", "0.0.0.0", "--open")
    assert "not a loopback address" in result.stderr
    assert "no login" in result.stderr
    assert opened == [result.stdout.split(" at ")[1].split()[0]]


@pytest.mark.slow
def test_a_real_start_and_stop(make_run: MakeRun, cairn_root: Path) -> None:
    logged = make_run(mode="local")
    command = [sys.executable, "-m", "cairn", "ui", "--port", "0"]
    env = {**os.environ, "CAIRN_DIR": str(cairn_root)}
    with subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                          env=env) as proc:
        try:
            assert proc.stdout is not None
            line = proc.stdout.readline()
            assert line.startswith(f"cairn ui: {cairn_root} at http://127.0.0.1:"), line
            took = _stop_with_a_stream_open(proc, line.split(" at ")[1].split()[0],
                                            logged.project)
        finally:
            if proc.poll() is None:
                proc.kill()
        assert proc.stderr is not None
        assert "Traceback" not in proc.stderr.read()
    assert proc.returncode == 0
    assert took < 5


def _stop_with_a_stream_open(proc: subprocess.Popen[str], url: str, project: str) -> float:
    """Ctrl+C while an event stream is open: seconds until the server has exited."""
    with httpx.Client(base_url=url, timeout=10) as client:
        projects = client.get("/api/v1/projects").json()["projects"]
        assert [p["name"] for p in projects] == [project]
        events = f"/api/v1/projects/{projects[0]['entity']}/{project}/events"
        with client.stream("GET", events) as stream:
            assert next(stream.iter_lines()).startswith(":")
            started = time.monotonic()
            proc.send_signal(signal.SIGINT)
            proc.wait(timeout=10)
            return time.monotonic() - started


def test_allowed_hosts_reach_the_app(invoke: Invoke, make_run: MakeRun,
                                     no_server: type[_NoServer]) -> None:
    make_run(mode="local")
    invoke("ui", "--port", "0", "--allowed-host", "cairn.lan", "--allowed-host", "10.0.0.2")
    (app, _), = no_server.served
    assert set(app.state.cairn.options.allowed_hosts) >= {"cairn.lan", "10.0.0.2"}


def test_serves_the_store_given_by_store(invoke: Invoke, make_run: MakeRun,
                                         no_server: type[_NoServer], tmp_path: Path,
                                         monkeypatch: pytest.MonkeyPatch) -> None:
    other = f"sqlite:///{tmp_path / 'team' / 'runs.db'}"
    missing = invoke("ui", "--store", other, code=1)
    assert missing.stderr == f"Error: no cairn store at {other}; log a run first\n"
    monkeypatch.setenv("CAIRN_STORE", other)
    make_run(mode="local")  # logs into that store
    monkeypatch.delenv("CAIRN_STORE")
    result = invoke("ui", "--port", "0", "--store", other)
    (app, _), = no_server.served
    assert result.stdout.startswith(f"cairn ui: {other} at http://127.0.0.1:")
    assert app.state.cairn.settings.store == other
    assert Path(app.state.cairn.store.path) == tmp_path / "team" / "runs.db"
