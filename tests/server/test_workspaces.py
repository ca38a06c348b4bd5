"""Saved workspaces over HTTP: the layout (GET/PUT/DELETE, versioned), named views
(GET/POST/PUT/DELETE), their 4xx answers, the browser guard on their writes, and one
layout per team-server user."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from cairn.records import Record, RunRef
from cairn.server.app import app_context
from cairn.server.params import MAX_BODY
from cairn.server.team import TeamConfig, create_team_app
from cairn.store.accounts import Accounts
from cairn.store.sqlite import SqliteStore

from .conftest import ApiClient, LogRun, assert_error


def _layout(*panels: str) -> dict[str, Any]:
    return {"sections": [{"id": "s1", "name": "Loss", "collapsed": False, "panels": [
        {"id": p, "type": "line", "w": 2, "h": 1, "settings": {"metrics": ["loss"]}}
        for p in panels]}]}


@pytest.fixture
def where(log_run: LogRun) -> str:
    run = log_run(steps=2)
    return f"/api/v1/projects/{run.entity}/proj"


def test_layout_round_trip_with_versions(api: ApiClient, where: str) -> None:
    assert api.get(f"{where}/workspace").json() == {"layout": None, "version": 0,
                                                    "updated_at": None}
    saved = api.request("PUT", f"{where}/workspace", json={"layout": _layout("a"),
                                                           "version": 0})
    assert saved.status_code == 200, saved.text
    assert saved.json()["version"] == 1
    again = api.request("PUT", f"{where}/workspace", json={"layout": _layout("a", "b"),
                                                           "version": 1}).json()
    assert again["version"] == 2
    got = api.get(f"{where}/workspace").json()
    assert got["layout"] == _layout("a", "b")
    assert got["version"] == 2
    # A tab still holding version 1 is told, and changes nothing.
    stale = api.request("PUT", f"{where}/workspace", json={"layout": _layout("x"),
                                                           "version": 1})
    assert "since version 1 (now 2)" in assert_error(stale, 409, "conflict")
    assert api.get(f"{where}/workspace").json()["layout"] == _layout("a", "b")
    assert api.request("DELETE", f"{where}/workspace").json() == {"deleted": True}
    assert api.get(f"{where}/workspace").json()["layout"] is None


@pytest.mark.parametrize(("body", "message"), [
    ({}, "layout: missing"),
    ({"layout": _layout("a"), "extra": 1}, "unknown field 'extra'"),
    ({"layout": _layout("a"), "version": "1"}, "version: expected"),
    ({"layout": {"sections": [{"id": "s", "name": "n", "panels": [
        {"id": "p", "type": "line", "h": 0}]}]}}, "layout.sections[0].panels[0].h"),
    ({"layout": {"sections": "all"}}, "layout.sections: expected a list"),
])
def test_bad_layouts_are_400s_that_name_the_field(api: ApiClient, where: str,
                                                  body: dict[str, Any], message: str) -> None:
    response = api.request("PUT", f"{where}/workspace", json=body)
    assert message in assert_error(response, 400, "bad_request")


def test_size_limits(api: ApiClient, where: str) -> None:
    big = {"layout": {"hidden": ["k" * 1000] * 300}}
    assert "bytes of JSON" in assert_error(
        api.request("PUT", f"{where}/workspace", json=big), 400, "bad_request")
    huge = {"layout": {"hidden": ["k" * 1000] * (MAX_BODY // 1000 + 10)}}
    assert_error(api.request("PUT", f"{where}/workspace", json=huge), 413, "payload_too_large")


def test_unknown_project_is_404(api: ApiClient) -> None:
    assert_error(api.get("/api/v1/projects/me/nope/workspace"), 404, "not_found")
    assert_error(api.request("PUT", "/api/v1/projects/me/nope/workspace",
                             json={"layout": _layout("a")}), 404, "not_found")
    assert_error(api.get("/api/v1/projects/me/nope/views"), 404, "not_found")


def test_writes_go_through_the_browser_guard(api: ApiClient, where: str) -> None:
    form = api.request("PUT", f"{where}/workspace", content=b"layout=1",
                       headers={"Content-Type": "application/x-www-form-urlencoded"})
    assert "JSON body" in assert_error(form, 403, "forbidden")
    cross = api.post(f"{where}/views", json={"name": "x", "state": {"query": ""}},
                     headers={"Origin": "https://evil.example", "Sec-Fetch-Site": "cross-site"})
    assert_error(cross, 403, "forbidden")
    assert api.get(f"{where}/views").json() == {"views": []}


def test_named_views(api: ApiClient, where: str) -> None:
    state = {"layout": _layout("a"), "query": "x=_runtime&smooth=0.6"}
    created = api.post(f"{where}/views", json={"name": "Loss", "state": state,
                                               "default": True})
    assert created.status_code == 201, created.text
    view = created.json()
    assert (view["name"], view["state"], view["default"]) == ("Loss", state, True)
    other = api.post(f"{where}/views", json={"name": "All", "state": {"query": ""}}).json()
    taken = api.post(f"{where}/views", json={"name": "Loss", "state": {"query": ""}})
    assert "'Loss' exists already" in assert_error(taken, 409, "conflict")
    assert_error(api.post(f"{where}/views", json={"name": "x"}), 400, "bad_request")
    assert_error(api.post(f"{where}/views", json={"name": 3, "state": {}}), 400,
                 "bad_request")
    path = f"{where}/views/{other['id']}"
    changed = api.request("PUT", path, json={"name": "Everything", "default": True}).json()
    assert (changed["name"], changed["default"]) == ("Everything", True)
    listed = api.get(f"{where}/views").json()["views"]
    assert [(v["name"], v["default"]) for v in listed] == [("Everything", True),
                                                           ("Loss", False)]
    assert api.get(path).json()["name"] == "Everything"
    assert api.request("DELETE", path).json() == {"deleted": True}
    assert_error(api.request("DELETE", path), 404, "not_found")
    assert_error(api.get(path), 404, "not_found")
    assert_error(api.get(f"{where}/views/zero"), 400, "bad_request")


@pytest.fixture(params=[False, True], ids=["signed-in", "anonymous-read"])
def team(tmp_path: Path, request: pytest.FixtureRequest,
         ) -> Iterator[tuple[ApiClient, dict[str, str]]]:
    """The team server over a store with one public project, and users ada and bob; with
    or without anonymous reading."""
    folder = tmp_path / "team"
    store = SqliteStore(folder / "cairn.db")
    store.apply_records([Record(RunRef("me", "p", "r1"), "s1", 1, "run",
                                {"name": "r", "start_time": 1.0})])
    accounts = Accounts(store)
    # Server admins both: each may read the project, and each has a layout of their own.
    keys = {name: accounts.create_user(name, admin=True)[1] for name in ("ada", "bob")}
    accounts.set_visibility("me", "p", "public")
    store.close()
    config = TeamConfig(store=str(folder), blobs=f"file://{folder / 'blobs'}",
                        root=str(tmp_path / "cairn"), access_log=False, key_cache_seconds=0,
                        anonymous_read=request.param)
    app = create_team_app(config)
    yield ApiClient(app), keys
    app_context(app).store.close()


def test_each_team_user_has_their_own_layout_and_views(
        team: tuple[ApiClient, dict[str, str]]) -> None:
    api, keys = team
    ada, bob = ({"Authorization": f"Bearer {keys[n]}"} for n in ("ada", "bob"))
    where = "/api/v1/projects/me/p"
    saved = api.request("PUT", f"{where}/workspace", json={"layout": _layout("mine")},
                        headers=ada)
    assert saved.status_code == 200, saved.text
    assert api.get(f"{where}/workspace", headers=bob).json()["layout"] is None
    assert api.get(f"{where}/workspace", headers=ada).json()["layout"] == _layout("mine")
    view = api.post(f"{where}/views", json={"name": "v", "state": {"query": ""}},
                    headers=ada).json()
    assert api.get(f"{where}/views", headers=bob).json() == {"views": []}
    assert_error(api.get(f"{where}/views/{view['id']}", headers=bob), 404, "not_found")
    assert_error(api.request("DELETE", f"{where}/views/{view['id']}", headers=bob), 404,
                 "not_found")


def test_anonymous_readers_see_no_ones_layout_and_save_nothing(
        team: tuple[ApiClient, dict[str, str]]) -> None:
    api, keys = team
    where = "/api/v1/projects/me/p"
    ada = {"Authorization": f"Bearer {keys['ada']}"}
    api.request("PUT", f"{where}/workspace", json={"layout": _layout("mine")}, headers=ada)
    found = api.get(f"{where}/workspace")
    if found.status_code == 401:  # no anonymous reading on this server: nothing more to see
        assert_error(found, 401, "unauthorized")
        return
    assert found.json() == {"layout": None, "version": 0, "updated_at": None}
    assert api.get(f"{where}/views").json() == {"views": []}
    assert_error(api.request("PUT", f"{where}/workspace", json={"layout": _layout("x")}),
                 401, "unauthorized")
    assert_error(api.post(f"{where}/views", json={"name": "v", "state": {"query": ""}}), 401,
                 "unauthorized")
