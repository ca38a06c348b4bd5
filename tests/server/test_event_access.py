"""An open event stream on the team server is authorised again while it lasts: when its
key is revoked, its login session ends, or its caller may no longer read the project
(made private, role taken away), it ends within a few seconds; a caller who keeps access
keeps the stream. Against a real uvicorn; the changes are made in the store directly, as
another worker or ``cairn server revoke-key`` would."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest

import cairn
from cairn.server import events
from cairn.server.app import app_context
from cairn.server.team import TeamConfig, create_team_app
from cairn.store.accounts import Accounts
from cairn.store.sqlite import SqliteStore
from cairn.testing import LiveServer

PASSWORD = "a long enough password"
CACHE = 1.0
"""The server's key_cache_seconds: how long a user's roles are kept."""
ENDS_WITHIN = events.RECHECK + CACHE + 3.0
"""Seconds a stream may outlive its caller's access (a recheck, the kept grants, slack)."""


@dataclass
class Team:
    url: str
    keys: dict[str, str]
    accounts: Accounts
    """On a store connection of its own, as another worker or the command line has."""


@pytest.fixture
def team(tmp_path: Path) -> Iterator[Team]:
    folder = tmp_path / "team"
    store = SqliteStore(folder / "cairn.db")
    accounts = Accounts(store)
    keys = {name: accounts.create_user(name, password=PASSWORD)[1]
            for name in ("ada", "vic", "bob")}
    accounts.create_team("lab", admin="ada")
    accounts.set_team_member("lab", "vic", "viewer")
    accounts.set_team_member("lab", "bob", "viewer")
    app = create_team_app(TeamConfig(
        store=str(folder), blobs=f"file://{folder / 'blobs'}", root=str(tmp_path / "server"),
        access_log=False, key_cache_seconds=CACHE))
    live = LiveServer(app).start()
    try:
        run = cairn.init(entity="lab", project="shared", mode="online",
                         settings={"base_url": live.url, "api_key": keys["ada"]})
        run.log({"loss": 1.0})
        run.finish()
        yield Team(live.url, keys, accounts)
    finally:
        live.stop()
        app_context(app).store.close()
        store.close()


class Stream:
    """An event stream of ``lab/shared`` read in a thread: when it ended, what came."""

    def __init__(self, team: Team, headers: dict[str, str]) -> None:
        self.ended: float | None = None
        self.lines: list[str] = []
        self.error: BaseException | None = None
        self.opened = threading.Event()
        self._thread = threading.Thread(target=self._read, args=(team, headers), daemon=True)
        self._thread.start()
        assert self.opened.wait(15), f"the stream did not open: {self.error}"

    def _read(self, team: Team, headers: dict[str, str]) -> None:
        try:
            with httpx.Client(timeout=30) as client, client.stream(
                    "GET", f"{team.url}/api/v1/projects/lab/shared/events",
                    headers=headers) as answer:
                assert answer.status_code == 200, answer.read()
                self.opened.set()
                for line in answer.iter_lines():
                    self.lines.append(line)
            self.ended = time.monotonic()
        except BaseException as exc:  # reported by the test
            self.error = exc
            self.opened.set()

    def wait_end(self, since: float) -> float:
        """Seconds from ``since`` until the stream ended (fails past ENDS_WITHIN)."""
        self._thread.join(ENDS_WITHIN + 5)
        assert self.error is None, self.error
        assert self.ended is not None, "the stream is still open"
        took = self.ended - since
        assert took <= ENDS_WITHIN, f"the stream lasted {took:.1f} s after the change"
        return took

    def is_open(self) -> bool:
        return self._thread.is_alive()


def bearer(key: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {key}"}


def _check(team: Team, change: Callable[[], None], watcher: str = "vic",
           headers: dict[str, str] | None = None) -> None:
    """Open ada's stream and ``watcher``'s; after ``change``, the watcher's ends and ada's
    stays open."""
    kept = Stream(team, bearer(team.keys["ada"]))
    lost = Stream(team, headers or bearer(team.keys[watcher]))
    time.sleep(0.5)
    assert lost.is_open()
    since = time.monotonic()
    change()
    lost.wait_end(since)
    time.sleep(events.RECHECK + 0.5)  # ada's stream was rechecked too, and is still open
    assert kept.is_open(), kept.error
    # and still delivers: a new run of the project reaches it
    run = cairn.init(entity="lab", project="shared", mode="online",
                     settings={"base_url": team.url, "api_key": team.keys["ada"]})
    run.finish()
    deadline = time.monotonic() + 15
    while not any(run.id in line for line in kept.lines):
        assert time.monotonic() < deadline, "ada's stream stopped delivering"
        time.sleep(0.1)
    # the watcher cannot open another
    refused = httpx.get(f"{team.url}/api/v1/projects/lab/shared/events",
                        headers=headers or bearer(team.keys[watcher]), timeout=10)
    assert refused.status_code in (401, 404)


def test_a_revoked_key_ends_its_stream(team: Team) -> None:
    _check(team, lambda: team.accounts.revoke_key(team.keys["vic"]))


def test_a_project_made_private_ends_a_viewers_stream(team: Team) -> None:
    _check(team, lambda: team.accounts.set_visibility("lab", "shared", "private"))


def test_a_member_removed_from_the_team_loses_the_stream(team: Team) -> None:
    _check(team, lambda: team.accounts.set_team_member("lab", "bob", None), watcher="bob")


def test_an_ended_login_session_ends_its_stream(team: Team) -> None:
    login = httpx.post(f"{team.url}/api/v1/login",
                       json={"username": "vic", "password": PASSWORD}, timeout=30)
    assert login.status_code == 200, login.text
    cookie = {"Cookie": f"cairn_session={login.cookies['cairn_session']}"}

    def log_out() -> None:
        done = httpx.post(f"{team.url}/api/v1/logout", json={}, timeout=30,
                          headers={**cookie, "X-CSRF-Token": login.json()["csrf_token"]})
        assert done.status_code == 204, done.text

    _check(team, log_out, headers=cookie)
