"""The team server's account endpoints under ``/api/v1`` (docs in ``openapi.py``):

- ``GET /me`` on the local ``cairn ui`` answers ``{"mode": "local"}``: there are no accounts
  (:data:`LOCAL_ROUTES`, in every app; the team server's own ``/me`` comes first and wins).
- ``POST /login`` (user name and password) starts a login session: the ``cairn_session``
  cookie (HttpOnly, SameSite=Strict, Secure over https) and, in the answer, the CSRF token
  every later mutating request sends in ``X-CSRF-Token``; ``POST /logout`` ends it;
  ``GET /me`` says who the caller is (and the token again, for a page loaded later).
- ``POST /me/password`` changes one's password (the current one is needed, except the
  first time); ``GET/POST /me/keys``, ``DELETE /me/keys/{prefix}``: one's API keys (a new
  key is shown once; the list has each key's last use).
- ``GET/POST /users``: server admins list the users and make one (with an optional
  password; its first API key is shown once), as ``cairn server create-user`` does.
- ``GET/POST /teams``, ``GET /teams/{team}``, ``PUT/DELETE /teams/{team}/members/{user}``:
  teams and their members' roles.
- ``GET/PATCH /projects/{entity}/{project}/settings``,
  ``PUT/DELETE /projects/{entity}/{project}/members/{user}``: a project's visibility and
  its own members.

Who may call each is in ``access.py``'s rules; here only what the rules cannot see (a
user changes only their own keys). A name that does not exist answers 404 naming it.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from cairn.errors import NotFoundError
from cairn.server.access import Access, Caller, caller_of, unauthorized
from cairn.server.auth import SESSION_COOKIE, KeyChecks, TooManyFailures
from cairn.server.context import context
from cairn.server.encoding import JsonResponse
from cairn.server.errors import ApiError, bad_request, not_found
from cairn.server.params import json_body
from cairn.store.accounts import (
    SESSION_SECONDS,
    Accounts,
    ApiKeyInfo,
    ProjectSettings,
    User,
    check_name,
)


@dataclass(frozen=True)
class TeamState:
    """What the account endpoints share (``app.state.team``)."""

    accounts: Accounts
    access: Access
    keys: KeyChecks
    secure_cookies: bool = False
    """Always mark the session cookie Secure (the server is reached over https)."""


def team_state(request: Request) -> TeamState:
    found = request.app.state.team
    assert isinstance(found, TeamState)
    return found


def _user(request: Request) -> tuple[Caller, User]:
    caller = caller_of(request.scope)
    if caller.user is None:
        raise unauthorized()
    return caller, caller.user


def _text(body: dict[str, Any], name: str) -> str:
    value = body.get(name)
    if not isinstance(value, str) or not value:
        raise bad_request(f"'{name}' must be a non-empty string")
    return value


async def _store(request: Request, fn: Any, *args: Any) -> Any:
    """Account work in a worker thread; the store's refusals as 400 and 404."""
    def work() -> Any:
        try:
            return fn(*args)
        except NotFoundError as exc:
            raise not_found(str(exc)) from None
        except ValueError as exc:
            raise bad_request(str(exc)) from None

    return await context(request).call(work)


def key_json(info: ApiKeyInfo) -> dict[str, Any]:
    return {"prefix": info.prefix, "label": info.label, "created_at": info.created_at,
            "last_used_at": info.last_used_at, "revoked_at": info.revoked_at}


# ---- sessions --------------------------------------------------------------------------------
async def login(request: Request) -> Response:
    team = team_state(request)
    body = await json_body(request)
    name, password = _text(body, "username"), _text(body, "password")
    # Each check costs one scrypt, and a login page invites guessing: after
    # ``max_failures`` wrong passwords for one name within the window, that name is
    # refused unchecked until the window passes.
    user = await _check_password(request, team, name, password)
    if user is None:
        raise ApiError(401, "unauthorized", "wrong user name or password")
    token, session = await context(request).call(team.accounts.create_session, user)
    about = await context(request).call(_me, user, team, None)
    response = JsonResponse({**about, "csrf_token": session.csrf,
                             "expires_at": session.expires_at})
    response.set_cookie(SESSION_COOKIE, token, max_age=int(SESSION_SECONDS), path="/",
                        httponly=True, samesite="strict",
                        secure=team.secure_cookies or request.url.scheme == "https")
    return response


async def _check_password(request: Request, team: TeamState, name: str,
                          password: str) -> User | None:
    """The user if ``password`` is ``name``'s. Each check costs one scrypt, and a login
    page invites guessing: after ``max_failures`` wrong passwords for one name within the
    window (on any worker), that name is refused unchecked (429) until the window passes."""
    attempts = f"login:{name}"
    ctx = context(request)
    try:
        await ctx.call(team.keys.check_failures, attempts)
    except TooManyFailures:
        raise ApiError(429, "too_many_attempts", "too many wrong passwords for this user "
                       "name; try again in a minute") from None
    user: User | None = await ctx.call(team.accounts.check_login, name, password)
    if user is None:
        await ctx.call(team.keys.failed, attempts)
    return user


async def logout(request: Request) -> Response:
    team = team_state(request)
    caller, _ = _user(request)
    if caller.session is not None:
        await context(request).call(team.accounts.end_session, caller.session.session_id)
    response = Response(status_code=204)
    response.delete_cookie(SESSION_COOKIE, path="/", httponly=True, samesite="strict",
                           secure=team.secure_cookies or request.url.scheme == "https")
    return response


def _me(user: User, team: TeamState, caller: Caller | None) -> dict[str, Any]:
    grants = team.access.grants(user)
    return {"mode": "team", "user": user.name, "admin": user.admin, "entity": user.name,
            "teams": dict(sorted((grants.teams if grants else {}).items())),
            **({"auth": "session" if caller.session else "key",
                "csrf_token": caller.session.csrf if caller.session else None}
               if caller is not None else {})}


async def me(request: Request) -> Response:
    team = team_state(request)
    caller, user = _user(request)
    return JsonResponse(await context(request).call(_me, user, team, caller))


async def local_me(request: Request) -> Response:
    """The local ``cairn ui``: nobody signs in (the web app shows nothing about accounts)."""
    return JsonResponse({"mode": "local"})


async def viewer(request: Request) -> Response:
    """Who the key belongs to (``cairn login`` checks a key with it)."""
    _, user = _user(request)
    return JsonResponse({"user": user.name, "admin": user.admin, "entity": user.name})


async def change_password(request: Request) -> Response:
    team = team_state(request)
    _, user = _user(request)
    body = await json_body(request)
    new = _text(body, "password")
    current = body.get("current")
    has_one = await _store(request, team.accounts.has_password, user.name)
    if has_one and (not isinstance(current, str)
                    or await _check_password(request, team, user.name, current) is None):
        raise ApiError(403, "forbidden", "'current' must be the password in use")
    await _store(request, team.accounts.set_password, user.name, new)
    return Response(status_code=204)


# ---- API keys ----------------------------------------------------------------------------------
async def list_keys(request: Request) -> Response:
    team = team_state(request)
    _, user = _user(request)
    keys = await _store(request, team.accounts.list_keys, user.name)
    return JsonResponse({"keys": [key_json(k) for k in keys]})


async def create_key(request: Request) -> Response:
    team = team_state(request)
    _, user = _user(request)
    body = await json_body(request)
    label = body.get("label", "")
    if not isinstance(label, str) or len(label) > 200:
        raise bad_request("'label' must be a string of at most 200 characters")
    key = await _store(request, team.accounts.create_key, user.name, label)
    prefix = key.split("_")[1]
    return JsonResponse({"key": key, "prefix": prefix, "label": label}, status_code=201)


async def revoke_key(request: Request) -> Response:
    team = team_state(request)
    _, user = _user(request)
    prefix = request.path_params["prefix"]
    info = await _store(request, team.accounts.revoke_key, prefix, user.name)
    team.keys.forget()
    return JsonResponse(key_json(info))


# ---- users (server admins) -------------------------------------------------------------------
async def list_users(request: Request) -> Response:
    team = team_state(request)
    found = await _store(request, team.accounts.list_users)
    return JsonResponse({"users": [
        {"name": u.name, "admin": u.admin, "created_at": u.created_at,
         "disabled_at": u.disabled_at, "keys": sum(k.revoked_at is None for k in keys)}
        for u, keys in found]})


async def create_user(request: Request) -> Response:
    team = team_state(request)
    body = await json_body(request)
    name = _text(body, "name")
    admin = body.get("admin", False)
    password = body.get("password")
    if not isinstance(admin, bool):
        raise bad_request("'admin' must be true or false")
    if password is not None and not isinstance(password, str):
        raise bad_request("'password' must be a string (or left out: the user then signs "
                          "in with the key until they are given one)")
    user, key = await _store(request, team.accounts.create_user, name, admin, password or None)
    return JsonResponse({"name": user.name, "admin": user.admin, "key": key},
                        status_code=201)


# ---- teams ---------------------------------------------------------------------------------------
async def list_teams(request: Request) -> Response:
    team = team_state(request)
    _, user = _user(request)

    def work() -> list[dict[str, Any]]:
        grants = team.access.accounts.grants(user)
        names = team.accounts.list_teams() if user.admin else sorted(grants.teams)
        return [{"name": n, "role": grants.teams.get(n)} for n in names]

    return JsonResponse({"teams": await context(request).call(work)})


async def create_team(request: Request) -> Response:
    team = team_state(request)
    _, user = _user(request)
    name = _text(await json_body(request), "name")
    await _store(request, team.accounts.create_team, name, user.name)
    team.access.forget(user)
    return JsonResponse({"name": name, "members": {user.name: "admin"}}, status_code=201)


async def get_team(request: Request) -> Response:
    team = team_state(request)
    name = request.path_params["team"]
    members = await _store(request, team.accounts.team_members, name)
    return JsonResponse({"name": name, "members": members})


def _role(body: dict[str, Any]) -> str:
    role = body.get("role")
    if role not in ("admin", "member", "viewer"):
        raise bad_request(f"'role' must be admin, member or viewer; got {role!r}")
    return str(role)


async def team_member(request: Request) -> Response:
    """PUT sets a member's role (adding them), DELETE removes them."""
    team = team_state(request)
    name, member = request.path_params["team"], request.path_params["user"]
    role = _role(await json_body(request)) if request.method == "PUT" else None
    await _store(request, team.accounts.set_team_member, name, member, role)
    team.access.forget()
    members = await _store(request, team.accounts.team_members, name)
    return JsonResponse({"name": name, "members": members})


# ---- project settings ----------------------------------------------------------------------------
def settings_json(found: ProjectSettings) -> dict[str, Any]:
    return {"entity": found.entity, "project": found.name, "visibility": found.visibility,
            "owner": found.owner, "members": found.members}


async def _project(request: Request) -> tuple[str, str]:
    ctx = context(request)
    entity, name = request.path_params["entity"], request.path_params["project"]
    if await ctx.call(ctx.store.get_project, entity, name) is None:
        raise not_found(f"no project '{entity}/{name}'")
    return entity, name


async def project_settings(request: Request) -> Response:
    """GET the visibility, owner and members; PATCH ``{"visibility": ...}``."""
    team = team_state(request)
    entity, name = await _project(request)
    if request.method == "PATCH":
        body = await json_body(request)
        if set(body) != {"visibility"}:
            raise bad_request("send {\"visibility\": \"private\" | \"team\" | \"public\"}")
        await _store(request, team.accounts.set_visibility, entity, name, body["visibility"])
    found = await _store(request, team.accounts.project_settings, entity, name)
    return JsonResponse(settings_json(found))


async def project_member(request: Request) -> Response:
    team = team_state(request)
    entity, name = await _project(request)
    member = check_name(request.path_params["user"])
    role = _role(await json_body(request)) if request.method == "PUT" else None
    await _store(request, team.accounts.set_project_member, entity, name, member, role)
    team.access.forget()
    found = await _store(request, team.accounts.project_settings, entity, name)
    return JsonResponse(settings_json(found))


_PROJECT = "/projects/{entity}/{project}"
ROUTES = [
    Route("/login", login, methods=["POST"]),
    Route("/logout", logout, methods=["POST"]),
    Route("/me", me, methods=["GET"]),
    Route("/viewer", viewer, methods=["GET"]),
    Route("/me/password", change_password, methods=["POST"]),
    Route("/me/keys", list_keys, methods=["GET"]),
    Route("/me/keys", create_key, methods=["POST"]),
    Route("/me/keys/{prefix}", revoke_key, methods=["DELETE"]),
    Route("/users", list_users, methods=["GET"]),
    Route("/users", create_user, methods=["POST"]),
    Route("/teams", list_teams, methods=["GET"]),
    Route("/teams", create_team, methods=["POST"]),
    Route("/teams/{team}", get_team, methods=["GET"]),
    Route("/teams/{team}/members/{user}", team_member, methods=["PUT", "DELETE"]),
    Route(_PROJECT + "/settings", project_settings, methods=["GET", "PATCH"]),
    Route(_PROJECT + "/members/{user}", project_member, methods=["PUT", "DELETE"]),
]

LOCAL_ROUTES = [Route("/me", local_me, methods=["GET"])]
"""In every app's ``/api/v1``; on the team server ``ROUTES``' ``/me`` is matched first."""
