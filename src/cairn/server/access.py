"""Who may do what on the team server: the one place that decides ``(caller, project) ->
none | read | write | admin`` (:func:`decide`), and the rule of every route.

How a level is reached (for a signed-in user; a server admin has ``admin`` everywhere):

- their own entity (their user name): ``admin`` of each of its projects;
- a team's project: a team ``admin`` administers every project of the team; with the
  project's visibility ``team`` (or ``public``) a ``member`` writes and a ``viewer`` reads;
  a ``private`` team project is only for those named on it (and team admins);
- whoever made a project (its first accepted batch) administers it while they are still a
  writing member of its entity;
- a role on the project itself (``project_members``) adds to the above;
- a ``public`` project is readable by every signed-in user, and by anonymous callers when
  the server allows anonymous reading.

Projects without settings take the default visibility: ``team`` in a team, ``private`` in
a user's own entity. A project the caller may not read answers exactly as one that does not
exist: 404 (or 401 to an anonymous caller) with the same message.

Every route of the app has a rule (:data:`RULES`, by method and path template): ``open``
(no sign-in: health checks, login, the API's description), ``user`` (any signed-in caller;
the handler scopes what it shows to that user), ``listed`` (signed in, or anonymous where
allowed; the handler shows only what the caller may read: the project list, blobs, the
store's reading methods), ``read`` / ``write`` / ``admin`` (that level on the project the
path names; a project that does not exist answers as one the caller may not read, whoever
asks), ``write_new`` (write, where the project may not exist yet; refused alike whether
it exists or not), and ``team_read`` / ``team_admin`` (membership of the team the path
names), and ``server_admin`` (server admins only: user administration).
:meth:`Access.install` wraps every route's app with its rule's check, so it runs after
routing (it needs the path's names) and before the handler; a route with no rule is
refused (403) on the team server, and the authorisation matrix test fails for it.
"""

from __future__ import annotations

import copy
import enum
import time
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from typing import Any

from starlette.concurrency import run_in_threadpool
from starlette.routing import BaseRoute, Mount, Route
from starlette.types import ASGIApp, Receive, Scope, Send

from cairn.server.errors import ApiError, not_found
from cairn.store.accounts import Accounts, Grants, LoginSession, User


class Level(enum.IntEnum):
    NONE = 0
    READ = 1
    WRITE = 2
    ADMIN = 3


ROLE_LEVEL = {"viewer": Level.READ, "member": Level.WRITE, "admin": Level.ADMIN}
CHALLENGE = {"WWW-Authenticate": 'Basic realm="cairn", charset="UTF-8"'}


@dataclass(frozen=True)
class Caller:
    """Who sent a request: a user (by API key or login session), or nobody."""

    user: User | None
    session: LoginSession | None = None
    key_prefix: str | None = None


ANONYMOUS = Caller(None)


def decide(user: User | None, grants: Grants | None, entity: str, project: str,
           access: tuple[str, int | None] | None, anonymous_read: bool = False) -> Level:
    """The caller's level on ``entity/project``: the one rule (module docstring).
    ``access`` is the project's ``(visibility, owner id)``, None when it has no settings."""
    team_role = grants.teams.get(entity) if grants is not None else None
    if access is not None:
        visibility, owner = access
    else:
        # Unknown to a non-member whether the entity is a team: for them it does not
        # matter, neither default lets them in.
        visibility, owner = ("team" if team_role is not None else "private"), None
    if user is None:
        return Level.READ if anonymous_read and visibility == "public" else Level.NONE
    if user.admin:
        return Level.ADMIN
    level = Level.NONE
    if entity == user.name:
        level = Level.ADMIN
    if team_role == "admin":
        level = max(level, Level.ADMIN)
    elif team_role is not None and visibility in ("team", "public"):
        level = max(level, ROLE_LEVEL[team_role])
    if owner == user.id and (entity == user.name or team_role in ("admin", "member")):
        level = max(level, Level.ADMIN)
    if grants is not None and (entity, project) in grants.projects:
        level = max(level, ROLE_LEVEL[grants.projects[(entity, project)]])
    if visibility == "public":
        level = max(level, Level.READ)
    return level


class Access:
    """The decision over the store's accounts, with each user's grants kept for
    ``cache_seconds`` (a changed role counts within that time)."""

    def __init__(self, accounts: Accounts, anonymous_read: bool = False,
                 cache_seconds: float = 5.0) -> None:
        self.accounts = accounts
        self.anonymous_read = anonymous_read
        self.cache_seconds = cache_seconds
        self._grants: dict[int, tuple[float, Grants]] = {}
        self._claimed: set[tuple[str, str]] = set()

    def grants(self, user: User | None) -> Grants | None:
        if user is None:
            return None
        now = time.monotonic()
        cached = self._grants.get(user.id)
        if cached is not None and cached[0] > now:
            return cached[1]
        found = self.accounts.grants(user)
        if len(self._grants) > 4096:
            self._grants.clear()
        self._grants[user.id] = (now + self.cache_seconds, found)
        return found

    def forget(self, user: User | None = None) -> None:
        """Drop kept grants (after this server changed them)."""
        if user is None:
            self._grants.clear()
        else:
            self._grants.pop(user.id, None)

    def level(self, caller: Caller, entity: str, project: str,
              existing: bool = False) -> Level:
        """Store work: call it in a worker thread. With ``existing``, a project that does
        not exist is ``NONE`` to everyone, so that it answers as one the caller may not
        read: the same 404 (or 401), whoever asks."""
        if caller.user is not None and caller.user.admin:
            return Level.ADMIN  # sees everything: nothing to hide, not even absence
        if existing and not self.accounts.project_exists(entity, project):
            return Level.NONE
        return decide(caller.user, self.grants(caller.user), entity, project,
                      self.accounts.project_access(entity, project), self.anonymous_read)

    def may_write(self, caller: Caller, entity: str, project: str) -> bool:
        """Whether the caller may write runs of the project (store work); a project it is
        the first to write gets its settings, naming the caller its owner."""
        if self.level(caller, entity, project) < Level.WRITE:
            return False
        if caller.user is not None and (entity, project) not in self._claimed:
            self.accounts.claim_project(entity, project, caller.user)
            if len(self._claimed) > 65536:
                self._claimed.clear()
            self._claimed.add((entity, project))
        return True

    def reader(self, caller: Caller) -> Callable[[str, str], bool]:
        """A test ``(entity, project) -> may read``, for filtering many rows: the caller's
        grants and every project's settings are read once."""
        if caller.user is not None and caller.user.admin:
            return lambda entity, project: True
        grants = self.grants(caller.user)
        settings = self.accounts.project_visibilities()
        known: dict[tuple[str, str], bool] = {}

        def readable(entity: str, project: str) -> bool:
            found = known.get((entity, project))
            if found is None:
                found = known[(entity, project)] = decide(
                    caller.user, grants, entity, project, settings.get((entity, project)),
                    self.anonymous_read) >= Level.READ
            return found

        return readable

    # ---- routes --------------------------------------------------------------------------
    def install(self, routes: Iterable[BaseRoute], prefix: str = "") -> list[BaseRoute]:
        """Copies of the routes (the modules' route objects are shared by every app), each
        route's app wrapped with the check of its rule (:data:`RULES`)."""
        checked: list[BaseRoute] = []
        for route in routes:
            if isinstance(route, Mount):
                checked.append(Mount(route.path, routes=self.install(route.routes,
                                                                     prefix + route.path),
                                     name=route.name))
            elif isinstance(route, Route):
                path = prefix + route.path
                rules = {m: RULES.get(f"{m} {path}") for m in route.methods or ()}
                route = copy.copy(route)
                route.app = Checked(route.app, self, path, rules)
                checked.append(route)
            else:
                raise TypeError(f"no access rule can be given to {route!r}")
        return checked


def walk(routes: Iterable[BaseRoute], prefix: str = "") -> Iterator[tuple[str, BaseRoute]]:
    """``(full path template, route)`` of every route, through mounts."""
    for route in routes:
        if isinstance(route, Mount):
            yield from walk(route.routes, prefix + route.path)
        elif isinstance(route, Route):
            yield prefix + route.path, route


def caller_of(scope: Scope) -> Caller:
    state = scope.get("state") or {}
    caller = state.get("caller")
    return caller if isinstance(caller, Caller) else ANONYMOUS


def access_of(scope: Scope) -> Access | None:
    """The team server's decision, or None where nothing is checked (``cairn ui``)."""
    state = scope.get("state") or {}
    found = state.get("access")
    return found if isinstance(found, Access) else None


def read_undecided(scope: Scope, entity: str, project: str) -> bool:
    """Whether :func:`require_read` has anything to do (no store work)."""
    return (access_of(scope) is not None
            and (scope.get("state") or {}).get("allowed") != (entity, project))


def require_read(scope: Scope, entity: str, project: str) -> None:
    """Refuse a project the caller may not read, as a missing one (store work where the
    route's rule did not already decide it: ``context.find_project`` / ``find_run`` call it,
    so a route given too weak a rule still shows nothing)."""
    access = access_of(scope)
    if not read_undecided(scope, entity, project) or access is None:
        return
    caller = caller_of(scope)
    if access.level(caller, entity, project, existing=True) < Level.READ:
        raise unauthorized() if caller.user is None else hidden(scope.get("path_params") or {
            "entity": entity, "project": project})


def still_reads(scope: Scope, entity: str, project: str) -> Callable[[], bool] | None:
    """For an answer that lasts (the event stream), authorised when it began: a test
    (store work) of whether its caller is still signed in as then (the key not revoked,
    the login session not ended, the user not disabled) and may still read the project.
    None where nothing is checked (``cairn ui``). A changed role counts once the caller's
    kept grants expire (``cache_seconds``)."""
    access = access_of(scope)
    if access is None:
        return None
    caller = caller_of(scope)
    accounts = access.accounts

    def allowed() -> bool:
        if caller.key_prefix is not None and not accounts.key_alive(caller.key_prefix):
            return False
        if caller.session is not None and not accounts.session_alive(caller.session.session_id):
            return False
        return access.level(caller, entity, project, existing=True) >= Level.READ

    return allowed


def reader_of(scope: Scope) -> Callable[[str, str], bool] | None:
    """The caller's test ``(entity, project) -> may read`` (store work: call it in a
    worker thread), or None where everything may be read (``cairn ui``)."""
    access = access_of(scope)
    return None if access is None else access.reader(caller_of(scope))


def missing_blob(digest: str) -> ApiError:
    return not_found(f"blob {digest} is missing from the blob store")


def may_know_blob(scope: Scope, digest: str) -> bool:
    """Whether the caller may learn that the server holds a blob (``HEAD``/``PUT``
    ``/blobs``): its uploader, or a reader of a project that refers to it (store work)."""
    access = access_of(scope)
    caller = caller_of(scope)
    if access is None or (caller.user is not None and caller.user.admin):
        return True
    if caller.user is not None and access.accounts.uploaded_by(digest, caller.user):
        return True
    readable = access.reader(caller)
    return any(readable(e, p) for e, p in access.accounts.blob_projects(digest))


def note_upload(scope: Scope, digest: str) -> None:
    """Remember who uploaded a blob (store work)."""
    access = access_of(scope)
    caller = caller_of(scope)
    if access is not None and caller.user is not None:
        access.accounts.note_upload(digest, caller.user)


def check_blob(scope: Scope, digest: str) -> None:
    """Refuse a blob that no project the caller may read refers to, as a missing one
    (store work: call it in a worker thread)."""
    access = access_of(scope)
    if access is None:
        return
    caller = caller_of(scope)
    readable = access.reader(caller)
    if not any(readable(e, p) for e, p in access.accounts.blob_projects(digest)):
        raise unauthorized() if caller.user is None else missing_blob(digest)


def unauthorized(message: str = "sign in: send 'Authorization: Bearer KEY' (`cairn login` "
                 "stores one for the client), or log in (POST /api/v1/login)") -> ApiError:
    return ApiError(401, "unauthorized", message, CHALLENGE)


def hidden(params: dict[str, Any]) -> ApiError:
    """What a project the caller may not read answers: what a missing one does."""
    entity, project = params.get("entity", ""), params.get("project", "")
    if "run_id" in params:
        return not_found(f"no run '{entity}/{project}/{params['run_id']}'")
    return not_found(f"no project '{entity}/{project}'")


def cannot_write(caller: Caller, entity: str, project: str) -> ApiError:
    """The refusal of a write that may make the project (ingest, ``write_new``). It cannot
    hide whether a project exists from someone who may make one of that name: the name is
    taken, and a write into it is refused."""
    name = caller.user.name if caller.user else "anonymous"
    return ApiError(403, "forbidden", f"user {name!r} may not write runs of project "
                    f"'{entity}/{project}'")


def forbidden(caller: Caller, level: Level, need: Level, entity: str, project: str
              ) -> ApiError:
    """What a caller who may read a project, but not do this, is answered."""
    name = caller.user.name if caller.user else "anonymous"
    may = {Level.READ: "read", Level.WRITE: "write"}.get(level, "administer")
    return ApiError(403, "forbidden", f"user {name!r} may {may} project "
                    f"'{entity}/{project}' but not {_VERBS[need]} it")


_VERBS = {Level.READ: "read", Level.WRITE: "write", Level.ADMIN: "administer"}


class Checked:
    """A route's app behind its rule."""

    def __init__(self, app: ASGIApp, access: Access, path: str,
                 rules: dict[str, str | None]) -> None:
        self.app = app
        self.access = access
        self.path = path
        self.rules = rules

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        method = scope["method"]
        rule = self.rules.get(method, self.rules.get("GET") if method == "HEAD" else None)
        if rule is None:
            raise ApiError(403, "forbidden", f"{method} {self.path} has no access rule")
        scope.setdefault("state", {})["access"] = self.access
        await self.check(rule, scope)
        await self.app(scope, receive, send)

    async def check(self, rule: str, scope: Scope) -> None:
        caller = caller_of(scope)
        if rule == "open":
            return
        if rule == "listed" and self.access.anonymous_read:
            return
        if caller.user is None:
            if rule in PROJECT_RULES and self.access.anonymous_read:
                pass  # public projects are readable: decided below
            else:
                raise unauthorized()
        params = scope.get("path_params") or {}
        if rule in ("user", "listed"):
            return
        if rule == "server_admin":
            assert caller.user is not None
            if not caller.user.admin:
                raise ApiError(403, "forbidden", f"user {caller.user.name!r} is not a server "
                               "admin; only server admins manage users")
            return
        if rule in TEAM_RULES:
            await self.check_team(rule, caller, str(params["team"]))
            return
        need = PROJECT_RULES[rule]
        entity, project = str(params["entity"]), str(params["project"])
        level = await run_in_threadpool(self.access.level, caller, entity, project,
                                        rule != "write_new")
        if level >= need:
            scope["state"]["allowed"] = (entity, project)
            return
        if caller.user is None:
            raise unauthorized()
        if rule == "write_new":
            # as the ingest answers: the same whether the project exists or not
            raise cannot_write(caller, entity, project)
        if level == Level.NONE:
            raise hidden(params)
        raise forbidden(caller, level, need, entity, project)

    async def check_team(self, rule: str, caller: Caller, team: str) -> None:
        assert caller.user is not None
        if caller.user.admin:
            return
        grants = await run_in_threadpool(self.access.grants, caller.user)
        role = grants.teams.get(team) if grants is not None else None
        if role is None:
            raise not_found(f"no team {team!r}")
        if rule == "team_admin" and role != "admin":
            raise ApiError(403, "forbidden", f"user {caller.user.name!r} is a {role} of team "
                           f"{team!r}; only its admins change it")


PROJECT_RULES = {"read": Level.READ, "write": Level.WRITE, "admin": Level.ADMIN,
                 "write_new": Level.WRITE}
"""The project rules: that level on the project the path names, which must exist (but
for ``write_new``: a project its writer is about to make)."""
TEAM_RULES = ("team_read", "team_admin")

_RUN = "/api/v1/runs/{entity}/{project}/{run_id}"
_PROJECT = "/api/v1/projects/{entity}/{project}"
_VERSION = _PROJECT + "/artifacts/{name}/{version}"
_SWEEP = "/api/v1/sweeps/{entity}/{project}/{sweep_id}"

RULES: dict[str, str] = {
    # the team server's own
    "GET /healthz": "open",
    "GET /readyz": "open",
    "POST /api/v1/login": "open",
    "POST /api/v1/logout": "user",
    "GET /api/v1/me": "user",
    "GET /api/v1/viewer": "user",
    "POST /api/v1/me/password": "user",
    "GET /api/v1/me/keys": "user",
    "POST /api/v1/me/keys": "user",
    "DELETE /api/v1/me/keys/{prefix}": "user",
    "GET /api/v1/users": "server_admin",
    "POST /api/v1/users": "server_admin",
    "GET /api/v1/teams": "user",
    "POST /api/v1/teams": "user",
    "GET /api/v1/teams/{team}": "team_read",
    "PUT /api/v1/teams/{team}/members/{user}": "team_admin",
    "DELETE /api/v1/teams/{team}/members/{user}": "team_admin",
    "GET " + _PROJECT + "/settings": "read",
    "PATCH " + _PROJECT + "/settings": "admin",
    "PUT " + _PROJECT + "/members/{user}": "admin",
    "DELETE " + _PROJECT + "/members/{user}": "admin",
    "POST /api/v1/ingest": "user",  # the handler checks the batch's project (write)
    "HEAD /api/v1/blobs/{digest}": "user",
    "PUT /api/v1/blobs/{digest}": "user",
    "GET /api/v1/progress/{entity}/{project}/{run_id}": "write_new",
    "POST /api/v1/store/{method}": "listed",  # per method: store_rpc.py
    # projects and runs
    "GET /api/v1/projects": "listed",
    "GET " + _PROJECT + "/columns": "read",
    "GET " + _PROJECT + "/metrics": "read",
    "GET " + _PROJECT + "/runs": "read",
    "GET " + _RUN: "read",
    "PATCH " + _RUN: "write",
    "GET " + _RUN + "/history": "read",
    "POST " + _PROJECT + "/envelopes": "read",  # a read with a JSON body
    "GET " + _PROJECT + "/events": "read",
    "GET " + _RUN + "/files": "read",
    "GET " + _RUN + "/files/{name:path}": "read",
    "GET /api/v1/blobs/{digest}": "listed",  # through a project the caller may read
    "GET /api/v1/blobs/{digest}/html": "listed",
    "GET " + _PROJECT + "/artifacts": "read",
    "GET " + _PROJECT + "/artifacts/{name}": "read",
    "GET " + _VERSION: "read",
    "DELETE " + _VERSION: "write",
    "PUT " + _VERSION + "/aliases": "write",
    "GET " + _VERSION + "/files/{path:path}": "read",
    "GET " + _VERSION + "/lineage": "read",
    "GET " + _VERSION + "/diff/{other}": "read",
    "GET " + _RUN + "/artifacts": "read",
    "GET " + _RUN + "/media": "read",
    "GET " + _RUN + "/media/{key:path}": "read",
    "GET /api/v1/openapi.json": "open",
    "GET " + _RUN + "/system": "read",
    "GET " + _RUN + "/logs": "read",
    "GET " + _RUN + "/alerts": "read",
    "GET " + _PROJECT + "/alerts": "read",
    "GET " + _PROJECT + "/sweeps": "read",
    "GET " + _SWEEP: "read",
    "PATCH " + _SWEEP: "write",
    "GET " + _SWEEP + "/importance": "read",
    # saved workspaces: the caller's own layout and views of a project they may read
    # (server/workspaces.py refuses anonymous writes)
    "GET " + _PROJECT + "/workspace": "read",
    "PUT " + _PROJECT + "/workspace": "read",
    "DELETE " + _PROJECT + "/workspace": "read",
    "GET " + _PROJECT + "/views": "read",
    "POST " + _PROJECT + "/views": "read",
    "GET " + _PROJECT + "/views/{view_id}": "read",
    "PUT " + _PROJECT + "/views/{view_id}": "read",
    "DELETE " + _PROJECT + "/views/{view_id}": "read",
    # reports: readers read, writers edit (server/reports.py)
    "GET " + _PROJECT + "/reports": "read",
    "POST " + _PROJECT + "/reports": "write",
    "GET " + _PROJECT + "/reports/{report_id}": "read",
    "PUT " + _PROJECT + "/reports/{report_id}": "write",
    "DELETE " + _PROJECT + "/reports/{report_id}": "write",
    # no such route (a 404 in the API's shape), and the web app
    **{f"{m} {p}": "user" for p in ("/api", "/api/{rest:path}")
       for m in ("GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS")},
    # the web app's files hold no data, and its login page must load for the signed-out
    "GET /assets/{path:path}": "open",
    "GET /{path:path}": "open",
}
"""The rule of each route, by ``"METHOD /full/path/template"`` (HEAD follows GET unless
named)."""
