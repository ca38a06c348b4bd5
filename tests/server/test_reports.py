"""Reports over HTTP, on SQLite and PostgreSQL: made, listed, read, saved with versions (a
stale editor gets 409 and overwrites nothing), bad bodies refused with the field named,
the browser guard on writes, and on the team server readers read while writers edit."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from cairn.backend import open_backend
from cairn.records import Record, RunRef
from cairn.server.app import app_context
from cairn.server.params import MAX_BODY
from cairn.server.team import TeamConfig, create_team_app
from cairn.settings import load_settings
from cairn.store.accounts import Accounts
from cairn.testing_postgres import TemporaryPostgres

from .conftest import ApiClient, LogRun, assert_error


def _body(text: str = "# Results\n\n$a^2 + b^2$") -> dict[str, Any]:
    return {"blocks": [
        {"id": "intro", "type": "markdown", "text": text},
        {"id": "loss", "type": "panel",
         "panel": {"id": "p1", "type": "line", "h": 3, "settings": {"metrics": ["loss"]}},
         "runs": {"query": "q=state+%3D+finished", "max": 50}}]}


@dataclass
class Team:
    api: ApiClient
    where: str
    headers: dict[str, dict[str, str]]
    """By role: admin (of the team), member (writes), viewer (reads), outsider."""


@pytest.fixture(scope="module", params=["sqlite", "postgresql"])
def team(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
         ) -> Iterator[Team]:
    """The team server over either store, with team `lab` (ada admin, mia member, vic
    viewer), its project `p`, and eve who is in no team."""
    tmp_path = tmp_path_factory.mktemp(f"reports-{request.param}")
    if request.param == "sqlite":
        uri = str(tmp_path / "team")
    else:
        postgres: TemporaryPostgres = request.getfixturevalue("postgres")
        uri = postgres.uri(schema=postgres.new_schema())
    backend = open_backend(uri, load_settings(), create=True)
    backend.store.apply_records([Record(RunRef("lab", "p", "r1"), "s1", 1, "run",
                                        {"name": "r", "start_time": 1.0})])
    accounts = Accounts(backend.store)
    keys = {name: accounts.create_user(name)[1] for name in ("ada", "mia", "vic", "eve")}
    accounts.create_team("lab", admin="ada")
    accounts.set_team_member("lab", "mia", "member")
    accounts.set_team_member("lab", "vic", "viewer")
    backend.close()
    config = TeamConfig(store=uri, blobs=f"file://{tmp_path / 'blobs'}",
                        root=str(tmp_path / "cairn"), access_log=False, key_cache_seconds=0)
    app = create_team_app(config)
    roles = {"admin": "ada", "member": "mia", "viewer": "vic", "outsider": "eve"}
    yield Team(ApiClient(app), "/api/v1/projects/lab/p",
               {role: {"Authorization": f"Bearer {keys[name]}"} for role, name in roles.items()})
    app_context(app).store.close()


def test_round_trip_with_versions(team: Team) -> None:
    api, where, mia = team.api, team.where, team.headers["member"]
    made = api.post(f"{where}/reports", json={"title": "Loss study", "body": _body()},
                    headers=mia)
    assert made.status_code == 201, made.text
    report = made.json()
    assert (report["title"], report["author"], report["version"], report["editable"]) == (
        "Loss study", "mia", 1, True)
    assert report["body"] == _body()
    path = f"{where}/reports/{report['id']}"
    saved = api.request("PUT", path, json={"version": 1, "body": _body("changed")},
                        headers=mia)
    assert saved.status_code == 200, saved.text
    assert saved.json()["version"] == 2
    # A second editor still holding version 1 is told, and changes nothing.
    stale = api.request("PUT", path, json={"version": 1, "title": "Mine"},
                        headers=team.headers["admin"])
    assert "since version 1 (now 2)" in assert_error(stale, 409, "conflict")
    got = api.get(path, headers=mia).json()
    assert (got["title"], got["body"], got["version"]) == ("Loss study", _body("changed"), 2)
    listed = api.get(f"{where}/reports", headers=mia).json()
    assert listed["editable"] is True
    assert report["id"] in [r["id"] for r in listed["reports"]]
    assert all("body" not in r for r in listed["reports"])
    assert api.request("DELETE", path, headers=mia).json() == {"deleted": True}
    assert_error(api.request("DELETE", path, headers=mia), 404, "not_found")
    assert_error(api.get(path, headers=mia), 404, "not_found")


def test_readers_read_and_writers_edit(team: Team) -> None:
    api, where, h = team.api, team.where, team.headers
    report = api.post(f"{where}/reports", json={"title": "Shared", "body": _body()},
                      headers=h["admin"]).json()
    path = f"{where}/reports/{report['id']}"
    seen = api.get(path, headers=h["viewer"])
    assert seen.status_code == 200, seen.text
    assert seen.json()["editable"] is False
    assert seen.json()["body"] == _body()
    assert api.get(f"{where}/reports", headers=h["viewer"]).json()["editable"] is False
    assert "but not write it" in assert_error(
        api.request("PUT", path, json={"version": 1, "title": "x"}, headers=h["viewer"]),
        403, "forbidden")
    assert_error(api.post(f"{where}/reports", json={"title": "x"}, headers=h["viewer"]),
                 403, "forbidden")
    assert_error(api.request("DELETE", path, headers=h["viewer"]), 403, "forbidden")
    # someone outside the team does not learn the project or its reports exist
    assert_error(api.get(path, headers=h["outsider"]), 404, "not_found")
    assert_error(api.get(path), 401, "unauthorized")
    assert api.get(path, headers=h["admin"]).json()["version"] == 1


@pytest.fixture
def where(log_run: LogRun) -> str:
    run = log_run(steps=2)
    return f"/api/v1/projects/{run.entity}/proj"


@pytest.mark.parametrize(("body", "message"), [
    ({}, "title: expected a string, got null"),
    ({"title": "   "}, "title: a report needs a title"),
    ({"title": "R", "extra": 1}, "unknown field 'extra'"),
    ({"title": "R", "body": {"blocks": [{"id": "a", "type": "html", "text": "<b>"}]}},
     "body.blocks[0].type: expected one of markdown, panel"),
    ({"title": "R", "body": {"blocks": [{"id": "a", "type": "panel", "panel": {
        "id": "p", "type": "line"}, "runs": {"max": 5000}}]}},
     "body.blocks[0].runs.max: expected a whole number of runs in 1..1000"),
    ({"title": "R", "body": "<script>alert(1)</script>"}, "body: expected an object"),
])
def test_bad_bodies_are_400s_that_name_the_field(api: ApiClient, where: str,
                                                 body: dict[str, Any], message: str) -> None:
    assert message in assert_error(api.post(f"{where}/reports", json=body), 400,
                                   "bad_request")
    assert api.get(f"{where}/reports").json()["reports"] == []


def test_bad_saves_keep_the_report(api: ApiClient, where: str) -> None:
    report = api.post(f"{where}/reports", json={"title": "Kept", "body": _body()}).json()
    path = f"{where}/reports/{report['id']}"
    assert report["editable"] is True  # the local UI edits everything
    for body, message in [({"title": "x"}, "version: expected"),
                          ({"version": True, "title": "x"}, "version: expected"),
                          ({"version": 1, "body": {"blocks": [1]}},
                           "body.blocks[0]: expected an object, got int")]:
        assert message in assert_error(api.request("PUT", path, json=body), 400,
                                       "bad_request")
    big = {"version": 1, "body": {"blocks": [
        {"id": f"b{i}", "type": "markdown", "text": "x" * 99_000} for i in range(6)]}}
    assert "bytes of JSON" in assert_error(api.request("PUT", path, json=big), 400,
                                           "bad_request")
    huge = {"version": 1, "title": "x" * (MAX_BODY + 10)}
    assert_error(api.request("PUT", path, json=huge), 413, "payload_too_large")
    got = api.get(path).json()
    assert (got["title"], got["body"], got["version"]) == ("Kept", _body(), 1)
    assert_error(api.get(f"{where}/reports/zero"), 400, "bad_request")
    assert_error(api.get(f"{where}/reports/999"), 404, "not_found")
    assert_error(api.get("/api/v1/projects/me/nope/reports"), 404, "not_found")


def test_writes_go_through_the_browser_guard(api: ApiClient, where: str) -> None:
    form = api.request("POST", f"{where}/reports", content=b"title=x",
                       headers={"Content-Type": "application/x-www-form-urlencoded"})
    assert "JSON body" in assert_error(form, 403, "forbidden")
    cross = api.post(f"{where}/reports", json={"title": "x"},
                     headers={"Origin": "https://evil.example", "Sec-Fetch-Site": "cross-site"})
    assert_error(cross, 403, "forbidden")
    assert api.get(f"{where}/reports").json()["reports"] == []


def test_the_openapi_document_describes_the_routes(api: ApiClient, tmp_path: Path) -> None:
    paths = api.get("/api/v1/openapi.json").json()["paths"]
    assert set(paths["/api/v1/projects/{entity}/{project}/reports"]) == {"get", "post"}
    assert set(paths["/api/v1/projects/{entity}/{project}/reports/{report_id}"]) == {
        "get", "put", "delete"}
