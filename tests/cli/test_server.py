"""``cairn server`` and its administration, ``cairn login`` / ``logout``."""

from __future__ import annotations

import json
import os
import stat
import subprocess
import sys
import urllib.error
import urllib.request
from pathlib import Path

import pytest

from cairn.store.accounts import parse_key
from cairn.testing_server import ServerProcess, free_port

from .conftest import Invoke


def test_users_and_keys_from_the_command_line(invoke: Invoke, tmp_path: Path) -> None:
    store = str(tmp_path / "team")
    created = invoke("server", "--store", store, "create-user", "ada", "--admin")
    key = created.stdout.strip()
    assert parse_key(key) is not None
    assert "shown once" in created.stderr
    prefix = key.split("_")[1]
    listed = invoke("server", "--store", store, "list-users").stdout
    assert "ada\tadmin" in listed
    assert f"cairn_{prefix}_…\tactive" in listed
    assert key not in listed  # the secret is never shown again
    second = invoke("server", "--store", store, "create-key", "ada").stdout.strip()
    assert parse_key(second) is not None
    assert second != key
    refused = invoke("server", "--store", store, "create-user", "ada", code=1)
    assert "exists already" in refused.stderr
    bad = invoke("server", "--store", store, "create-user", "no way", code=1)
    assert "bad user name" in bad.stderr
    assert "revoked key" in invoke("server", "--store", store, "revoke-key",
                                   f"cairn_{prefix}_…").stdout
    listed = invoke("server", "--store", store, "list-users").stdout
    assert f"cairn_{prefix}_…\trevoked" in listed
    missing = invoke("server", "--store", store, "revoke-key", "ffffffff", code=1)
    assert "no API key" in missing.stderr


def test_migrate_is_repeatable(invoke: Invoke, tmp_path: Path) -> None:
    store = str(tmp_path / "team")
    assert "schema up to date" in invoke("server", "--store", store, "migrate").stdout
    assert "schema up to date" in invoke("server", "--store", store, "migrate").stdout


def test_unreachable_backends_are_named(invoke: Invoke, tmp_path: Path,
                                        monkeypatch: pytest.MonkeyPatch) -> None:
    port = free_port()  # nothing listens there
    store = f"postgresql://cairn:hunter2@127.0.0.1:{port}/cairn"
    failed = invoke("server", "--store", store, "--port", "0", code=1)
    assert failed.stderr.startswith("Error: cannot connect to the store postgresql://cairn:***@")
    assert "refused" in failed.stderr
    assert "hunter2" not in failed.stderr
    monkeypatch.setenv("AWS_ENDPOINT_URL", f"http://127.0.0.1:{port}")
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "x")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "y")
    failed = invoke("server", "--store", str(tmp_path / "team"), "--blobs", "s3://bucket/p",
                    "--port", "0", code=1)
    assert failed.stderr.startswith("Error: the blob store s3://bucket/p cannot be used")
    assert "AWS_ENDPOINT_URL" in failed.stderr


def test_the_server_serves_with_several_workers_and_logs_requests(tmp_path: Path) -> None:
    server = ServerProcess(str(tmp_path / "team"), workers=2, log=tmp_path / "server.log")
    server.start()
    try:
        with urllib.request.urlopen(f"{server.url}/readyz", timeout=5) as answer:
            assert json.loads(answer.read()) == {"ok": True, "store": "ok", "blobs": "ok"}
        with pytest.raises(urllib.error.HTTPError) as refused:
            urllib.request.urlopen(f"{server.url}/api/v1/projects", timeout=5)
        assert refused.value.code == 401
        refused.value.close()
    finally:
        server.stop()
    lines = [json.loads(line) for line in (tmp_path / "server.log").read_text().splitlines()
             if line.startswith("{")]
    assert {"method": "GET", "path": "/api/v1/projects", "status": 401} in [
        {k: line[k] for k in ("method", "path", "status")} for line in lines]
    assert all({"ts", "ms", "bytes", "user", "client"} <= set(line) for line in lines)


def test_a_busy_port_is_one_line(tmp_path: Path) -> None:
    first = ServerProcess(str(tmp_path / "team"))
    first.start()
    try:
        result = subprocess.run(
            [sys.executable, "-m", "cairn", "server", "--store", str(tmp_path / "team"),
             "--port", str(first.port)], check=False, capture_output=True, text=True,
            timeout=60,
            env=os.environ.copy())
    finally:
        first.stop()
    assert result.returncode == 1
    assert result.stderr.startswith(f"Error: port {first.port} on 127.0.0.1 is in use")


def test_login_checks_and_stores_the_key(invoke: Invoke, tmp_path: Path) -> None:
    from cairn.testing_server import add_user

    key = add_user(str(tmp_path / "team"), "ada")
    server = ServerProcess(str(tmp_path / "team"))
    server.start()
    try:
        wrong = invoke("login", "--host", server.url, "--key", _wrong(key), code=1)
        assert "refused the API key" in wrong.stderr
        done = invoke("login", "--host", server.url + "/", "--key", key)
        assert f"logged in to {server.url} as ada" in done.stdout
    finally:
        server.stop()
    path = Path(os.environ["CAIRN_CREDENTIALS"])
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    stored = json.loads(path.read_text())
    assert stored["default"] == server.url
    assert stored["hosts"][server.url] == {"key": key, "user": "ada"}
    assert "logged out" in invoke("logout").stdout  # the default host
    assert json.loads(path.read_text())["hosts"] == {}
    assert "no key was stored" in invoke("logout", "--host", server.url).stdout


def _wrong(key: str) -> str:
    """The key with its last digit changed: well-formed, not valid."""
    return key[:-1] + ("1" if key.endswith("0") else "0")


def test_teams_members_and_passwords_from_the_command_line(invoke: Invoke,
                                                           tmp_path: Path) -> None:
    from cairn.backend import open_backend
    from cairn.settings import load_settings
    from cairn.store.accounts import Accounts

    store = str(tmp_path / "team")
    invoke("server", "--store", store, "create-user", "ada")
    invoke("server", "--store", store, "create-user", "bob")
    assert "created team lab with admin ada" in invoke(
        "server", "--store", store, "create-team", "lab", "--admin", "ada").stdout
    assert "bob is a viewer of lab" in invoke(
        "server", "--store", store, "add-member", "lab", "bob", "--role", "viewer").stdout
    taken = invoke("server", "--store", store, "create-team", "bob", code=1)
    assert "taken" in taken.stderr
    missing = invoke("server", "--store", store, "add-member", "lab", "zed", code=1)
    assert "no user 'zed'" in missing.stderr
    short = invoke("server", "--store", store, "set-password", "bob", "--password-stdin",
                   input="short\n", code=1)
    assert "at least 8" in short.stderr
    assert "password of bob set" in invoke("server", "--store", store, "set-password", "bob",
                                           "--password-stdin",
                                           input="a good long password\n").stdout
    backend = open_backend(store, load_settings())
    try:
        accounts = Accounts(backend.store)
        assert accounts.team_members("lab") == {"ada": "admin", "bob": "viewer"}
        assert accounts.check_login("bob", "a good long password") is not None
    finally:
        backend.close()
    assert "bob is no longer in lab" in invoke("server", "--store", store, "remove-member",
                                               "lab", "bob").stdout
