"""The limits on guessing hold across the team server's workers: wrong passwords of one
user name, and wrong secrets of one API key's prefix, are counted in the store, so a
server with several workers gives a guesser no more tries than one with a single worker.
Against a real ``cairn server --workers 2`` (each request on a new connection, so the
kernel hands them to either worker)."""

from __future__ import annotations

import json
import urllib.error
import urllib.request
from collections.abc import Iterator

import psutil
import pytest

from cairn.store.accounts import Accounts
from cairn.store.sqlite import SqliteStore
from cairn.testing_server import ServerProcess

PASSWORD = "a long enough password"
LIMIT = 20
"""``KeyChecks.max_failures``: the server's default."""


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[ServerProcess, str]]:
    folder = tmp_path_factory.mktemp("limits") / "team"
    store = SqliteStore(folder / "cairn.db")
    try:
        key = Accounts(store).create_user("bob", password=PASSWORD)[1]
        Accounts(store).create_user("carol", password=PASSWORD)
    finally:
        store.close()
    server = ServerProcess(str(folder), workers=2)
    server.start()
    try:
        workers = psutil.Process(server.process.pid).children(recursive=True)  # type: ignore[union-attr]
        assert len([w for w in workers if "multiprocessing" in " ".join(w.cmdline())]) >= 2
        yield server, key
    finally:
        server.stop()


def _status(url: str, body: dict[str, str] | None = None, key: str | None = None) -> int:
    request = urllib.request.Request(
        url, data=None if body is None else json.dumps(body).encode(),
        headers={"Content-Type": "application/json",
                 **({"Authorization": f"Bearer {key}"} if key else {})})
    try:
        with urllib.request.urlopen(request, timeout=30) as answer:
            return int(answer.status)
    except urllib.error.HTTPError as refused:
        refused.close()
        return int(refused.code)


def test_wrong_passwords_are_limited_across_workers(server: tuple[ServerProcess, str]) -> None:
    live, _ = server
    login = f"{live.url}/api/v1/login"
    wrong = [_status(login, {"username": "bob", "password": f"guess {i}"}) for i in range(LIMIT)]
    assert wrong == [401] * LIMIT
    # Every further try, on whichever worker, is refused unchecked, the right one too.
    assert [_status(login, {"username": "bob", "password": PASSWORD}) for _ in range(10)
            ] == [429] * 10
    # Others are not affected; names that exist nowhere are not written down at all.
    assert _status(login, {"username": "carol", "password": PASSWORD}) == 200
    assert _status(login, {"username": "nobody", "password": "guess"}) == 401


def test_wrong_keys_of_one_prefix_are_limited_across_workers(
        server: tuple[ServerProcess, str]) -> None:
    live, key = server
    viewer = f"{live.url}/api/v1/viewer"
    wrong = [key[:-6] + f"{i:06x}" for i in range(LIMIT)]
    assert [_status(viewer, key=k) for k in wrong] == [401] * LIMIT
    assert [_status(viewer, key=key) for _ in range(10)] == [429] * 10
