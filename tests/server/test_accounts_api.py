"""The team server's account endpoints in-process: login sessions (cookie, CSRF token,
logout), API-key management, teams and project settings, anonymous reading of public
projects, and batches for runs the caller may not write."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from cairn.records import RunRef
from cairn.server.app import app_context
from cairn.server.team import TeamConfig, create_team_app
from cairn.sinks.upload import encode_batch
from cairn.store.accounts import Accounts
from cairn.store.sqlite import SqliteStore

from .conftest import ApiClient, assert_error
from .test_team import bearer, history, points, send

PASSWORD = "a long enough password"


def _team(tmp_path: Path, **config: Any) -> Iterator[tuple[ApiClient, dict[str, str]]]:
    folder = tmp_path / "team"
    store = SqliteStore(folder / "cairn.db")
    accounts = Accounts(store)
    keys = {name: accounts.create_user(name, admin=name == "alice", password=PASSWORD)[1]
            for name in ("alice", "bob", "carol")}
    store.close()
    app = create_team_app(TeamConfig(
        store=str(folder), blobs=f"file://{folder / 'blobs'}", root=str(tmp_path / "cairn"),
        access_log=False, key_cache_seconds=0, **config))
    yield ApiClient(app), keys
    app_context(app).store.close()


@pytest.fixture
def team(tmp_path: Path) -> Iterator[tuple[ApiClient, dict[str, str]]]:
    yield from _team(tmp_path)


def _session(response: Any) -> str:
    cookie = response.headers["set-cookie"]
    assert cookie.startswith("cairn_session=")
    return str(cookie.split(";")[0].split("=", 1)[1])


def test_a_login_session_with_its_csrf_token(team: tuple[ApiClient, dict[str, str]]) -> None:
    api, keys = team
    assert_error(api.post("/api/v1/login", json={"username": "bob", "password": "wrong one!"}),
                 401, "unauthorized")
    assert_error(api.post("/api/v1/login", json={"username": "nobody", "password": PASSWORD}),
                 401, "unauthorized")
    login = api.post("/api/v1/login", json={"username": "bob", "password": PASSWORD})
    assert login.status_code == 200, login.text
    cookie = login.headers["set-cookie"].lower()
    assert "httponly" in cookie
    assert "samesite=strict" in cookie
    assert "secure" not in cookie  # plain http on loopback
    token, csrf = _session(login), login.json()["csrf_token"]
    session = {"Cookie": f"cairn_session={token}"}
    me = api.get("/api/v1/me", headers=session).json()
    assert (me["user"], me["auth"], me["csrf_token"]) == ("bob", "session", csrf)
    # bob's own project, made by a batch sent with his key
    run = RunRef("bob", "p", "r")
    assert send(api, keys["bob"], encode_batch(run, "s", history(run, "s", range(1, 4)))
                ).json()["applied"] == 3
    assert api.get("/api/v1/runs/bob/p/r", headers=session).json()["name"] == "r"
    # A mutating request with the cookie needs the token, besides the guard's rules.
    edit = {"json": {"name": "renamed"}}
    assert_error(api.patch("/api/v1/runs/bob/p/r", headers=session, **edit), 403, "forbidden")
    assert_error(api.patch("/api/v1/runs/bob/p/r", headers={**session, "X-CSRF-Token": "x"},
                           **edit), 403, "forbidden")
    assert_error(api.patch("/api/v1/runs/bob/p/r", headers={
        **session, "X-CSRF-Token": csrf, "Origin": "https://evil.example",
        "Sec-Fetch-Site": "cross-site"}, **edit), 403, "forbidden")
    assert api.get("/api/v1/runs/bob/p/r", headers=session).json()["name"] == "r"
    done = api.patch("/api/v1/runs/bob/p/r", headers={**session, "X-CSRF-Token": csrf}, **edit)
    assert done.status_code == 200, done.text
    assert done.json()["name"] == "renamed"
    # Another user's session sees nothing of bob's private project.
    other = api.post("/api/v1/login", json={"username": "carol", "password": PASSWORD})
    carol = {"Cookie": f"cairn_session={_session(other)}"}
    assert_error(api.get("/api/v1/runs/bob/p/r", headers=carol), 404, "not_found")
    # Logout ends the session (with its token, as every mutating request).
    assert_error(api.post("/api/v1/logout", headers=session, json={}), 403, "forbidden")
    out = api.post("/api/v1/logout", headers={**session, "X-CSRF-Token": csrf}, json={})
    assert out.status_code == 204
    assert 'cairn_session=""' in out.headers["set-cookie"] or "Max-Age=0" in out.headers[
        "set-cookie"]
    assert_error(api.get("/api/v1/me", headers=session), 401, "unauthorized")


def test_a_changed_password_ends_sessions(team: tuple[ApiClient, dict[str, str]]) -> None:
    api, keys = team
    login = api.post("/api/v1/login", json={"username": "bob", "password": PASSWORD})
    session = {"Cookie": f"cairn_session={_session(login)}",
               "X-CSRF-Token": login.json()["csrf_token"]}
    assert_error(api.post("/api/v1/me/password", headers=session,
                          json={"password": "another password", "current": "wrong"}),
                 403, "forbidden")
    assert_error(api.post("/api/v1/me/password", headers=session,
                          json={"password": "short", "current": PASSWORD}),
                 400, "bad_request")
    changed = api.post("/api/v1/me/password", headers=session,
                       json={"password": "another password", "current": PASSWORD})
    assert changed.status_code == 204
    assert_error(api.get("/api/v1/me", headers=session), 401, "unauthorized")
    assert api.post("/api/v1/login", json={"username": "bob", "password": "another password"}
                    ).status_code == 200
    # keys are not sessions: bob's key still works
    assert api.get("/api/v1/me", headers=bearer(keys["bob"])).json()["auth"] == "key"


def test_api_keys_shown_once_listed_and_revoked(
        team: tuple[ApiClient, dict[str, str]]) -> None:
    api, keys = team
    made = api.post("/api/v1/me/keys", headers=bearer(keys["bob"]), json={"label": "laptop"})
    assert made.status_code == 201
    new = made.json()["key"]
    assert api.get("/api/v1/me", headers=bearer(new)).json()["user"] == "bob"
    listed = api.get("/api/v1/me/keys", headers=bearer(keys["bob"])).json()["keys"]
    assert [k["label"] for k in listed] == ["", "laptop"]
    assert all("key" not in k for k in listed)  # never shown again
    assert all(k["last_used_at"] is not None for k in listed)
    # carol cannot revoke bob's key: it answers as a key that does not exist
    prefix = made.json()["prefix"]
    refused = api.request("DELETE", f"/api/v1/me/keys/{prefix}", headers=bearer(keys["carol"]))
    nothing = api.request("DELETE", "/api/v1/me/keys/00000000", headers=bearer(keys["carol"]))
    assert (refused.status_code, refused.text.replace(prefix, "00000000")) == (
        nothing.status_code, nothing.text) == (404, nothing.text)
    revoked = api.request("DELETE", f"/api/v1/me/keys/{prefix}", headers=bearer(keys["bob"]))
    assert revoked.json()["revoked_at"] is not None
    assert_error(api.get("/api/v1/me", headers=bearer(new)), 401, "unauthorized")
    assert api.get("/api/v1/me", headers=bearer(keys["bob"])).status_code == 200


def test_teams_and_project_settings(team: tuple[ApiClient, dict[str, str]]) -> None:
    api, keys = team
    bob, carol = bearer(keys["bob"]), bearer(keys["carol"])
    assert api.post("/api/v1/teams", headers=bob, json={"name": "vision"}).status_code == 201
    assert_error(api.post("/api/v1/teams", headers=bob, json={"name": "carol"}), 400,
                 "bad_request")
    # carol may not write the team's runs before she is a member
    run = RunRef("vision", "cats", "r1")
    batch = encode_batch(run, "s", history(run, "s", range(1, 4)))
    assert_error(send(api, keys["carol"], batch), 403, "forbidden")
    put = api.request("PUT", "/api/v1/teams/vision/members/carol", headers=bob,
                      json={"role": "viewer"})
    assert put.json()["members"] == {"bob": "admin", "carol": "viewer"}
    assert_error(send(api, keys["carol"], batch), 403, "forbidden")  # a viewer cannot write
    assert api.get("/api/v1/me", headers=carol).json()["teams"] == {"vision": "viewer"}
    assert send(api, keys["bob"], batch).json()["applied"] == 3
    assert len(points(api, keys["carol"], "vision/cats/r1")) == 2  # team visibility
    settings = api.get("/api/v1/projects/vision/cats/settings", headers=carol).json()
    assert settings == {"entity": "vision", "project": "cats", "visibility": "team",
                        "owner": "bob", "members": {}}
    assert_error(api.patch("/api/v1/projects/vision/cats/settings", headers=carol,
                           json={"visibility": "public"}), 403, "forbidden")
    private = api.patch("/api/v1/projects/vision/cats/settings", headers=bob,
                        json={"visibility": "private"})
    assert private.json()["visibility"] == "private"
    assert_error(api.get("/api/v1/runs/vision/cats/r1", headers=carol), 404, "not_found")
    assert [p["name"] for p in api.get("/api/v1/projects", headers=carol).json()[
        "projects"]] == []
    # named on the project itself, she reads it again
    member = api.request("PUT", "/api/v1/projects/vision/cats/members/carol", headers=bob,
                         json={"role": "member"})
    assert member.json()["members"] == {"carol": "member"}
    assert api.get("/api/v1/runs/vision/cats/r1", headers=carol).status_code == 200
    assert send(api, keys["carol"], batch).json()["present"] == 3
    assert_error(api.request("PUT", "/api/v1/teams/vision/members/bob", headers=carol,
                             json={"role": "viewer"}), 403, "forbidden")
    gone = api.request("DELETE", "/api/v1/teams/vision/members/carol", headers=bob)
    assert gone.json()["members"] == {"bob": "admin"}
    assert_error(api.get("/api/v1/teams/vision", headers=carol), 404, "not_found")


def test_a_batch_for_another_users_run_applies_nothing(
        team: tuple[ApiClient, dict[str, str]]) -> None:
    api, keys = team
    run = RunRef("carol", "p", "hers")
    assert send(api, keys["carol"], encode_batch(run, "s", history(run, "s", range(1, 6)))
                ).json()["applied"] == 5
    before = points(api, keys["carol"], "carol/p/hers")
    # bob sends more of her run, a new session of it, and a run of his own in one go:
    # every batch names one run, so each is refused whole
    for batch in (encode_batch(run, "s", history(run, "s", range(6, 10), step0=5)),
                  encode_batch(run, "evil", history(run, "evil", range(1, 4), step0=50))):
        message = assert_error(send(api, keys["bob"], batch), 403, "forbidden")
        assert "carol/p" in message
    assert points(api, keys["carol"], "carol/p/hers") == before
    # and bob learns nothing of her run through the server's store reads either
    assert_error(api.get("/api/v1/runs/carol/p/hers", headers=bearer(keys["bob"])), 404,
                 "not_found")


def test_anonymous_callers_read_public_projects_only_when_allowed(tmp_path: Path) -> None:
    for allowed in (False, True):
        for api, keys in _team(tmp_path / str(allowed), anonymous_read=allowed):
            for name in ("open", "closed"):
                run = RunRef("bob", name, "r")
                send(api, keys["bob"], encode_batch(run, "s", history(run, "s", range(1, 3))))
            api.patch("/api/v1/projects/bob/open/settings", headers=bearer(keys["bob"]),
                      json={"visibility": "public"})
            public = api.get("/api/v1/runs/bob/open/r")
            if allowed:
                assert public.status_code == 200
                assert [p["name"] for p in api.get("/api/v1/projects").json()["projects"]
                        ] == ["open"]
                assert_error(api.patch("/api/v1/runs/bob/open/r", json={"name": "x"}), 401,
                             "unauthorized")
            else:
                assert_error(public, 401, "unauthorized")
            assert_error(api.get("/api/v1/runs/bob/closed/r"), 401, "unauthorized")
            assert_error(api.get("/api/v1/runs/bob/nothing/r"), 401, "unauthorized")


def test_a_route_given_too_weak_a_rule_still_shows_nothing(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """find_project / find_run check what the route's rule did not."""
    from cairn.server import access

    for route in ("GET /api/v1/projects/{entity}/{project}/columns",
                  "GET /api/v1/runs/{entity}/{project}/{run_id}"):
        monkeypatch.setitem(access.RULES, route, "user")
    for api, keys in _team(tmp_path):
        run = RunRef("bob", "p", "r")
        send(api, keys["bob"], encode_batch(run, "s", history(run, "s", range(1, 3))))
        assert api.get("/api/v1/runs/bob/p/r", headers=bearer(keys["bob"])).status_code == 200
        for path in ("/api/v1/runs/bob/{}/r", "/api/v1/projects/bob/{}/columns"):
            hidden = api.get(path.format("p"), headers=bearer(keys["carol"]))
            missing = api.get(path.format("nothing"), headers=bearer(keys["carol"]))
            assert hidden.status_code == missing.status_code == 404
            assert hidden.text.replace("'bob/p", "'bob/nothing") == missing.text


def test_wrong_passwords_for_one_name_are_refused_unchecked_for_a_while(
        team: tuple[ApiClient, dict[str, str]]) -> None:
    api, _ = team
    api.app.state.team.keys.max_failures = 3  # the server's limit, lowered to keep this short
    for _ in range(3):
        assert_error(api.post("/api/v1/login", json={"username": "bob", "password": "guess"}),
                     401, "unauthorized")
    # bob's name is now refused, even with his password, until the window passes ...
    assert_error(api.post("/api/v1/login", json={"username": "bob", "password": PASSWORD}),
                 429, "too_many_attempts")
    # ... and nobody else's is
    assert api.post("/api/v1/login",
                    json={"username": "carol", "password": PASSWORD}).status_code == 200


def test_server_admins_make_users(team: tuple[ApiClient, dict[str, str]]) -> None:
    api, keys = team
    made = api.post("/api/v1/users", headers=bearer(keys["alice"]),
                    json={"name": "dan", "password": "dan's long password"})
    assert made.status_code == 201, made.text
    assert (made.json()["name"], made.json()["admin"]) == ("dan", False)
    assert api.get("/api/v1/viewer", headers=bearer(made.json()["key"])).json()["user"] == "dan"
    assert api.post("/api/v1/login", json={"username": "dan", "password": "dan's long password"}
                    ).status_code == 200
    listed = api.get("/api/v1/users", headers=bearer(keys["alice"])).json()["users"]
    assert [(u["name"], u["admin"], u["keys"]) for u in listed] == [
        ("alice", True, 1), ("bob", False, 1), ("carol", False, 1), ("dan", False, 1)]
    # the store's rules, as clear errors; nothing made
    assert "exists already" in assert_error(api.post(
        "/api/v1/users", headers=bearer(keys["alice"]), json={"name": "bob"}), 400, "bad_request")
    assert "at least 8" in assert_error(api.post(
        "/api/v1/users", headers=bearer(keys["alice"]),
        json={"name": "erin", "password": "short"}), 400, "bad_request")
    assert_error(api.post("/api/v1/users", headers=bearer(keys["alice"]),
                          json={"name": "erin", "admin": "yes"}), 400, "bad_request")
    assert "not a server admin" in assert_error(api.post(
        "/api/v1/users", headers=bearer(keys["bob"]), json={"name": "erin"}), 403, "forbidden")
    assert_error(api.get("/api/v1/users", headers=bearer(keys["bob"])), 403, "forbidden")
    assert len(api.get("/api/v1/users", headers=bearer(keys["alice"])).json()["users"]) == 4
