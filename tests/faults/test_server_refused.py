"""A server that refuses an online run's records (403: a run of another entity; 401: a key
revoked mid-run) is not asked again and again: the upload of that run stops, one warning
says what the server said and how to send the rest later, the WAL keeps every point, and
``cairn sync DIR --to URL`` sends them once the cause is fixed."""

from __future__ import annotations

import json
import time
import warnings
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

import cairn
from cairn.cli.main import cli
from cairn.store.accounts import Accounts
from cairn.testing_server import ServerProcess, add_user


def _online(monkeypatch: pytest.MonkeyPatch, server: ServerProcess, key: str,
            entity: str) -> None:
    monkeypatch.setenv("CAIRN_MODE", "online")
    monkeypatch.setenv("WANDB_BASE_URL", server.url)
    monkeypatch.setenv("WANDB_API_KEY", key)
    monkeypatch.setenv("CAIRN_ENTITY", entity)
    monkeypatch.setenv("CAIRN_APPLY_INTERVAL", "0.1")
    monkeypatch.setenv("CAIRN_FINISH_TIMEOUT", "60")


def _answers(log: Path, status: int) -> list[str]:
    """Paths the server answered with ``status``, from its access log."""
    lines = [json.loads(line) for line in log.read_text().splitlines()
             if line.startswith("{")]
    return [line["path"] for line in lines if line["status"] == status]


def _stored_steps(store: str, path: str) -> list[int]:
    api = cairn.Api(store=store)
    try:
        return [int(s) for s in api.run(path).series("loss")[0]]
    finally:
        api.close()


def _sync(run: cairn.Run, url: str, key: str, monkeypatch: pytest.MonkeyPatch) -> str:
    monkeypatch.setenv("WANDB_API_KEY", key)
    result = CliRunner().invoke(cli, ["sync", str(run.wal_path.parent), "--to", url],
                                catch_exceptions=False)
    assert result.exit_code == 0, result.output
    return result.output


def _log_until_refused(run: cairn.Run, caught: list[warnings.WarningMessage],
                       first: int, timeout: float = 30.0) -> tuple[int, float]:
    """Log steps from ``first`` until the refusal is reported; ``(next step, slowest
    log() in seconds)``."""
    step, slowest = first, 0.0
    deadline = time.monotonic() + timeout
    while not any("upload stops here" in str(w.message) for w in caught):
        assert time.monotonic() < deadline, "the refusal was never reported"
        started = time.perf_counter()
        run.log({"loss": float(step)})
        slowest = max(slowest, time.perf_counter() - started)
        step += 1
        time.sleep(0.002)
    return step, slowest


def test_a_run_of_another_entity_is_refused_once_and_synced_later(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch, kit: Any) -> None:
    store = str(tmp_path / "team")
    ada = add_user(store, "ada")
    server = ServerProcess(store, log=tmp_path / "server.log")
    server.start()
    try:
        _online(monkeypatch, server, ada, entity="bob")  # not ada's to write
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            run = cairn.init(project="p")
            steps, slowest = _log_until_refused(run, caught, 0)
            for step in range(steps, steps + 200):  # after the refusal, as before
                run.log({"loss": float(step)})
            time.sleep(1.0)  # several apply intervals: nothing is sent again
            started = time.monotonic()
            run.finish()
            finishing = time.monotonic() - started
        assert slowest < 1.0
        assert finishing < 30, "finish() waited for a server that refuses the run"
        refused = [str(w.message) for w in caught if "upload stops here" in str(w.message)]
        assert len(refused) == 1
        assert "403" in refused[0]
        assert "'bob/p'" in refused[0]  # the project the server refused to let ada write
        assert f"--to {server.url}" in refused[0]
        assert _answers(tmp_path / "server.log", 403) == ["/api/v1/ingest"]
        logged = list(range(steps + 200))
        assert kit.wal_steps(run.wal_path, "loss") == logged  # kept, nothing lost

        bob = add_user(store, "bob")
        output = _sync(run, server.url, bob, monkeypatch)
        assert "applied" in output
        assert _stored_steps(store, run.path) == logged
    finally:
        server.stop()


def test_a_key_revoked_mid_run_stops_the_upload_until_synced_with_a_new_one(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch, kit: Any) -> None:
    from cairn.backend import open_backend
    from cairn.settings import load_settings

    store = str(tmp_path / "team")
    key = add_user(store, "ada")
    server = ServerProcess(store, log=tmp_path / "server.log")
    server.start()
    try:
        _online(monkeypatch, server, key, entity="ada")
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            run = cairn.init(project="p")
            for step in range(100):
                run.log({"loss": float(step)})
            deadline = time.monotonic() + 20
            while not _has_steps(store, run.path, 100):
                assert time.monotonic() < deadline, "the first points never arrived"
                time.sleep(0.1)
            backend = open_backend(store, load_settings())
            try:
                Accounts(backend.store).revoke_key(key)
            finally:
                backend.close()
            steps, slowest = _log_until_refused(run, caught, 100)
            run.finish()
        assert slowest < 1.0
        refused = [str(w.message) for w in caught if "upload stops here" in str(w.message)]
        assert len(refused) == 1
        assert "refused the API key" in refused[0]
        assert _answers(tmp_path / "server.log", 401) == ["/api/v1/ingest"]
        assert _stored_steps(store, run.path)[:100] == list(range(100))
        assert kit.wal_steps(run.wal_path, "loss") == list(range(steps))

        backend = open_backend(store, load_settings())
        try:
            fresh = Accounts(backend.store).create_key("ada")
        finally:
            backend.close()
        _sync(run, server.url, fresh, monkeypatch)
        assert _stored_steps(store, run.path) == list(range(steps))  # each point once
    finally:
        server.stop()


def _has_steps(store: str, path: str, count: int) -> bool:
    try:
        return len(_stored_steps(store, path)) >= count
    except cairn.errors.NotFoundError:
        return False
