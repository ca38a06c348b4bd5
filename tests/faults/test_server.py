"""Runs in ``mode="online"`` against a real ``cairn server`` process: logged through, the
server killed (SIGKILL) and restarted mid-run, the server away when the run starts, and
``cairn sync --to`` a server. Every point logged is in the server's store exactly once,
and ``log()`` never waits for the server."""

from __future__ import annotations

import contextlib
import json
import threading
import time
import warnings
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import numpy as np
import pytest

import cairn
from cairn.sinks.handoffs import wait_for_handoffs
from cairn.testing_server import ServerProcess, add_user


@pytest.fixture
def server(tmp_path: Path) -> Iterator[ServerProcess]:
    """A server over an embedded folder, with the user ``ada``, whose key the client has."""
    folder = tmp_path / "team"
    key = add_user(str(folder), "ada")
    process = ServerProcess(str(folder), log=tmp_path / "server.log")
    process.key = key  # type: ignore[attr-defined]
    process.folder = folder  # type: ignore[attr-defined]
    yield process
    process.stop()


def online(server: ServerProcess, monkeypatch: pytest.MonkeyPatch, **settings: object) -> None:
    monkeypatch.setenv("CAIRN_MODE", "online")
    monkeypatch.setenv("WANDB_BASE_URL", server.url)
    monkeypatch.setenv("WANDB_API_KEY", server.key)  # type: ignore[attr-defined]
    for name, value in settings.items():
        monkeypatch.setenv(f"CAIRN_{name.upper()}", str(value))


def stored_losses(server: ServerProcess, path: str) -> list[tuple[int, float]]:
    api = cairn.Api(store=str(server.folder))  # type: ignore[attr-defined]
    try:
        steps, values = api.run(path).series("loss")
        return list(zip((int(s) for s in steps), (float(v) for v in values), strict=True))
    finally:
        api.close()


def test_an_online_run_reaches_the_server(server: ServerProcess,
                                          monkeypatch: pytest.MonkeyPatch) -> None:
    server.start()
    online(server, monkeypatch)
    run = cairn.init(project="p", config={"lr": 0.1})
    assert run.entity == "ada"  # the key's user
    assert run.url == f"{server.url}/ada/p/runs/{run.id}"
    for step in range(3000):
        run.log({"loss": step * 0.5})
    image = np.arange(48, dtype=np.uint8).reshape(4, 4, 3)
    run.log({"pic": cairn.Image(image)})
    run.finish()
    assert stored_losses(server, run.path) == [(s, s * 0.5) for s in range(3000)]
    api = cairn.Api(store=str(server.folder))  # type: ignore[attr-defined]
    try:
        stored = api.run(run.path)
        assert stored.config["lr"] == 0.1
        assert stored.state == "finished"
        media = next(iter(stored.scan_history(keys=["pic"])))["pic"]
        assert np.array_equal(np.asarray(media.image()), image)
    finally:
        api.close()


def test_a_server_killed_and_restarted_mid_run_loses_nothing(
        server: ServerProcess, monkeypatch: pytest.MonkeyPatch) -> None:
    server.start()
    online(server, monkeypatch, apply_interval=0.1)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        run = cairn.init(project="p")
        slowest = 0.0
        step = 0

        def log_for(seconds: float) -> None:
            nonlocal slowest, step
            end = time.monotonic() + seconds
            while time.monotonic() < end:
                started = time.perf_counter()
                run.log({"loss": float(step)})
                slowest = max(slowest, time.perf_counter() - started)
                step += 1
                if step % 100 == 0:
                    time.sleep(0.005)

        log_for(1.0)
        server.kill()
        log_for(3.0)  # the server is away: training goes on
        server.start()
        log_for(1.0)
        run.finish()
    assert slowest < 1.0
    assert stored_losses(server, run.path) == [(s, float(s)) for s in range(step)]
    unreachable = [w for w in caught if "cannot reach the cairn server" in str(w.message)]
    assert len(unreachable) <= 1


def test_a_run_started_while_the_server_is_away_is_uploaded_when_it_returns(
        server: ServerProcess, monkeypatch: pytest.MonkeyPatch) -> None:
    online(server, monkeypatch, apply_interval=0.1, entity="ada")
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        run = cairn.init(project="p")
        for step in range(500):
            run.log({"loss": float(step)})
        deadline = time.monotonic() + 10
        while not any("cannot reach" in str(w.message) for w in caught):
            assert time.monotonic() < deadline, "no warning that the server is away"
            time.sleep(0.05)
        server.start()
        for step in range(500, 1000):
            run.log({"loss": float(step)})
        run.finish()
    assert stored_losses(server, run.path) == [(s, float(s)) for s in range(1000)]


def test_finish_leaves_the_rest_to_sync_and_sync_uploads_it(
        server: ServerProcess, monkeypatch: pytest.MonkeyPatch, cairn_root: Path) -> None:
    online(server, monkeypatch, entity="ada", finish_timeout=1)
    run = cairn.init(project="p")
    for step in range(200):
        run.log({"loss": float(step)})
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        run.finish()
        applied = wait_for_handoffs()  # the applier process gives up after finish_timeout
    assert not applied
    said = [str(w.message) for w in caught if issubclass(w.category, cairn.CairnWarning)]
    assert "cairn sync" in said[-1], said
    server.start()
    from click.testing import CliRunner

    from cairn.cli.main import cli

    result = CliRunner().invoke(cli, ["sync", "--to", server.url], catch_exceptions=False)
    assert result.exit_code == 0, result.output
    assert stored_losses(server, run.path) == [(s, float(s)) for s in range(200)]
    again = CliRunner().invoke(cli, ["sync", "--to", server.url], catch_exceptions=False)
    assert " 0 applied" in again.stdout


def test_two_servers_over_one_postgresql_and_s3_serve_the_same_runs(
        tmp_path: Path, s3_env: str, monkeypatch: pytest.MonkeyPatch) -> None:
    from cairn.testing_postgres import TemporaryPostgres, postgres_bin

    if postgres_bin() is None:
        pytest.skip("PostgreSQL server binaries are not installed")
    with TemporaryPostgres() as postgres:
        store = postgres.uri(schema=postgres.new_schema())
        blobs = "s3://cairn-test/two-servers"
        key = add_user(store, "ada")
        first = ServerProcess(store, blobs, log=tmp_path / "first.log")
        second = ServerProcess(store, blobs, log=tmp_path / "second.log")
        first.start()
        second.start()
        try:
            first.key = key  # type: ignore[attr-defined]
            online(first, monkeypatch, apply_interval=0.1)
            run = cairn.init(project="p")
            for step in range(100):
                run.log({"loss": float(step)})
            run.log({"pic": cairn.Image(np.zeros((4, 4, 3), dtype=np.uint8))})
            # Live: the second server reads what reached the first while the run goes on.
            reader = cairn.Api(base_url=second.url, api_key=key)
            try:
                deadline = time.monotonic() + 20
                while True:
                    steps, _ = reader.run(run.path).series("loss") if _has_run(
                        reader, run.path) else ([], [])
                    if len(steps) == 100:
                        break
                    assert time.monotonic() < deadline, "the run never showed on the second"
                    time.sleep(0.1)
                run.finish()
                stored = reader.run(run.path)
                assert stored.state == "finished"
                pic = next(iter(stored.scan_history(keys=["pic"])))["pic"]
                assert np.asarray(pic.image()).shape == (4, 4, 3)
            finally:
                reader.backend.close()
        finally:
            first.stop()
            second.stop()


def _wait_for_points(api: cairn.Api, path: str, count: int, timeout: float = 30.0) -> None:
    deadline = time.monotonic() + timeout
    while not (_has_run(api, path) and len(api.run(path).series("loss")[0]) >= count):
        assert time.monotonic() < deadline, f"{count} points never reached the server"
        time.sleep(0.1)


def _has_run(api: cairn.Api, path: str) -> bool:
    try:
        api.run(path)
    except cairn.errors.NotFoundError:
        return False
    return True


def test_a_run_resumed_online_continues_from_the_server(
        server: ServerProcess, monkeypatch: pytest.MonkeyPatch) -> None:
    server.start()
    online(server, monkeypatch)
    first = cairn.init(project="p", id="resumed1", config={"lr": 1})
    for step in range(10):
        first.log({"loss": float(step)})
    first.finish()
    again = cairn.init(project="p", id="resumed1", resume="must")
    assert again.config["lr"] == 1
    for step in range(10, 20):
        again.log({"loss": float(step)})
    again.finish()
    assert stored_losses(server, again.path) == [(s, float(s)) for s in range(20)]
    server.kill()
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        third = cairn.init(project="p", id="resumed1", resume="allow", settings={
            "finish_timeout": 1})
        assert third.step == 20  # from the WALs here, while the server is away
        third.finish(quiet=True)
    assert any("from this machine's WALs" in str(w.message) for w in caught)


def test_postgresql_restarted_mid_run_loses_nothing(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from cairn.testing_postgres import TemporaryPostgres, postgres_bin

    if postgres_bin() is None:
        pytest.skip("PostgreSQL server binaries are not installed")
    with TemporaryPostgres() as postgres:
        store = postgres.uri(schema=postgres.new_schema())
        key = add_user(store, "ada")
        server = ServerProcess(store, f"file://{tmp_path / 'blobs'}")
        server.start()
        try:
            server.key = key  # type: ignore[attr-defined]
            online(server, monkeypatch, apply_interval=0.1)
            with warnings.catch_warnings(record=True):
                warnings.simplefilter("always")
                run = cairn.init(project="p")
                slowest = 0.0
                # The database goes down for 2 s (open transactions cut) while the run logs.
                outage = threading.Thread(target=postgres.restart, kwargs={"down": 2.0})
                for step in range(3000):
                    if step == 1000:
                        outage.start()
                    started = time.perf_counter()
                    run.log({"loss": float(step)})
                    slowest = max(slowest, time.perf_counter() - started)
                    if step % 100 == 0:
                        time.sleep(0.05)
                outage.join()
                run.finish()
            assert slowest < 1.0
            reader = cairn.Api(base_url=server.url, api_key=key)
            try:
                steps, values = reader.run(run.path).series("loss")
            finally:
                reader.backend.close()
            assert list(steps) == list(range(3000))
            assert list(values) == [float(s) for s in range(3000)]
        finally:
            server.stop()


class _Cable:
    """A TCP forwarder on 127.0.0.1 to ``target`` that can be unplugged (every connection
    cut, new ones refused) and plugged back in: the network between two real servers."""

    def __init__(self, target: tuple[str, int]) -> None:
        import socket

        self.target = target
        self.listener = socket.create_server(("127.0.0.1", 0))
        self.port = self.listener.getsockname()[1]
        self.plugged = threading.Event()
        self.plugged.set()
        self._open: list[Any] = []
        self._lock = threading.Lock()
        threading.Thread(target=self._accept, daemon=True).start()

    def _accept(self) -> None:
        import socket

        while True:
            try:
                client, _ = self.listener.accept()
            except OSError:
                return
            if not self.plugged.is_set():
                client.close()
                continue
            try:
                upstream = socket.create_connection(self.target)
            except OSError:
                client.close()
                continue
            with self._lock:
                self._open += [client, upstream]
            for a, b in ((client, upstream), (upstream, client)):
                threading.Thread(target=self._pipe, args=(a, b), daemon=True).start()

    def _pipe(self, source: Any, sink: Any) -> None:
        try:
            while data := source.recv(65536):
                sink.sendall(data)
        except OSError:
            pass
        finally:
            for end in (source, sink):
                with contextlib.suppress(OSError):
                    end.close()

    def unplug(self) -> None:
        self.plugged.clear()
        with self._lock:
            for conn in self._open:
                with contextlib.suppress(OSError):
                    conn.close()
            self._open.clear()

    def plug(self) -> None:
        self.plugged.set()

    def close(self) -> None:
        self.unplug()
        self.listener.close()


def test_s3_unavailable_while_media_are_logged_loses_nothing(
        tmp_path: Path, s3_env: str, monkeypatch: pytest.MonkeyPatch) -> None:
    from urllib.parse import urlsplit

    endpoint = urlsplit(s3_env)
    cable = _Cable((endpoint.hostname or "127.0.0.1", endpoint.port or 80))
    store = str(tmp_path / "team")
    key = add_user(store, "ada")
    server = ServerProcess(store, "s3://cairn-test/outage", log=tmp_path / "server.log",
                           env={"AWS_ENDPOINT_URL": f"http://127.0.0.1:{cable.port}",
                                "AWS_MAX_ATTEMPTS": "1"})
    server.start()
    try:
        server.key = key  # type: ignore[attr-defined]
        server.folder = tmp_path / "team"  # type: ignore[attr-defined]
        online(server, monkeypatch, apply_interval=0.1)
        images = [np.full((4, 4, 3), i, dtype=np.uint8) for i in range(20)]
        reader = cairn.Api(base_url=server.url, api_key=key)
        with warnings.catch_warnings(record=True):
            warnings.simplefilter("always")
            run = cairn.init(project="p")
            slowest = 0.0
            for i, image in enumerate(images):
                if i == 5:
                    _wait_for_points(reader, run.path, 5)  # the uploader is at work
                    cable.unplug()  # S3 away: the server cannot store blobs
                if i == 15:
                    time.sleep(1.0)  # uploads fail meanwhile
                    cable.plug()
                started = time.perf_counter()
                run.log({"pic": cairn.Image(image), "loss": float(i)})
                slowest = max(slowest, time.perf_counter() - started)
                time.sleep(0.1)
            run.finish()
        assert slowest < 1.0
        try:
            stored = reader.run(run.path)
            got = [np.asarray(row["pic"].image()) for row in stored.scan_history(keys=["pic"])]
            assert len(got) == len(images)
            assert all(np.array_equal(a, b) for a, b in zip(got, images, strict=True))
        finally:
            reader.backend.close()
        assert stored_losses(server, run.path) == [(s, float(s)) for s in range(20)]
    finally:
        server.stop()
        cable.close()
    # The outage was seen: blob calls were answered 503 store_unavailable (never 500
    # internal) before they succeeded.
    statuses = [json.loads(line)["status"] for line in
                (tmp_path / "server.log").read_text().splitlines() if line.startswith("{")]
    assert 503 in statuses
    assert 500 not in statuses
