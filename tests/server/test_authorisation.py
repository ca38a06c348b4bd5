"""The authorisation matrix of the team server: every route of the app (read from its route
table, so a route added without a rule, or without a line here, fails) x every caller
(anonymous, an outsider, a team viewer, member and admin, a server admin) x every project
visibility (private, team, public), on SQLite and on PostgreSQL.

The data is logged through the real server (``mode="online"``) by the team's admin, into
three projects of the team ``lab``. Each request must give the outcome the caller's level
calls for: the route's own answer when the level suffices, 403 when the caller may read
the project but not do this, and when they may not read it 401 (anonymous) or exactly the
answer a project that does not exist gets (status and body, names aside): nothing of a
project one may not read leaks, not even that it exists.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import numpy as np
import pytest

import cairn
from cairn.records import RunRef
from cairn.server.access import RULES, Level
from cairn.server.app import app_context
from cairn.server.team import TeamConfig, create_team_app
from cairn.store import wire
from cairn.store.accounts import Accounts
from cairn.testing import LiveServer, isolated_cairn
from cairn.testing_postgres import TemporaryPostgres

from .conftest import ApiClient

TEAM = "lab"
PROJECTS = {"private": "secret", "team": "shared", "public": "open"}
USERS = {"outsider": "eve", "viewer": "vic", "member": "mia", "admin": "ada",
         "server_admin": "root"}
CALLERS = ("anonymous", *USERS)
N, R, W, A = Level.NONE, Level.READ, Level.WRITE, Level.ADMIN
EXPECTED = {
    # caller: its level on the private, team and public project of the team
    "anonymous": {"private": N, "team": N, "public": N},
    "outsider": {"private": N, "team": N, "public": R},
    "viewer": {"private": N, "team": R, "public": R},
    "member": {"private": N, "team": W, "public": W},
    "admin": {"private": A, "team": A, "public": A},
    "server_admin": {"private": A, "team": A, "public": A},
}
NEED = {"read": R, "write": W, "admin": A, "write_new": W}

_RUN = "/api/v1/runs/{entity}/{project}/{run_id}"
_PROJECT = "/api/v1/projects/{entity}/{project}"
_VERSION = _PROJECT + "/artifacts/{name}/{version}"
_SWEEP = "/api/v1/sweeps/{entity}/{project}/{sweep_id}"

PROJECT_REQUESTS: dict[str, tuple[int, dict[str, Any]]] = {
    # route: (status when allowed, request arguments); allowed requests change nothing
    "GET " + _PROJECT + "/columns": (200, {}),
    "GET " + _PROJECT + "/metrics": (200, {}),
    "GET " + _PROJECT + "/runs": (200, {}),
    "GET " + _RUN: (200, {}),
    "PATCH " + _RUN: (200, {"json": {"notes": "seen"}}),
    "GET " + _RUN + "/history": (200, {"params": {"keys": "loss"}}),
    "POST " + _PROJECT + "/envelopes": (200, {"json": {"runs": ["{run_id}"],
                                                       "keys": ["loss"]}}),
    "GET " + _PROJECT + "/events": (200, {}),
    "GET " + _RUN + "/files": (200, {}),
    "GET " + _RUN + "/files/{name:path}": (200, {}),
    "GET " + _PROJECT + "/artifacts": (200, {}),
    "GET " + _PROJECT + "/artifacts/{name}": (200, {}),
    "GET " + _VERSION: (200, {}),
    "DELETE " + _VERSION: (400, {}),  # it has an alias: refused unless delete_aliases
    "PUT " + _VERSION + "/aliases": (200, {"json": {"aliases": ["best"]}}),
    "GET " + _VERSION + "/files/{path:path}": (200, {}),
    "GET " + _VERSION + "/lineage": (200, {}),
    "GET " + _VERSION + "/diff/{other}": (200, {}),
    "GET " + _RUN + "/artifacts": (200, {}),
    "GET " + _RUN + "/media": (200, {}),
    "GET " + _RUN + "/media/{key:path}": (200, {}),
    "GET " + _RUN + "/system": (200, {}),
    "GET " + _RUN + "/logs": (200, {}),
    "GET " + _RUN + "/alerts": (200, {}),
    "GET " + _PROJECT + "/alerts": (200, {}),
    "GET " + _PROJECT + "/sweeps": (200, {}),
    "GET " + _SWEEP: (200, {}),
    "PATCH " + _SWEEP: (400, {"json": {"state": "bogus"}}),
    "GET " + _SWEEP + "/importance": (200, {}),
    "GET " + _PROJECT + "/settings": (200, {}),
    "PATCH " + _PROJECT + "/settings": (200, {"json": {"visibility": "{visibility}"}}),
    "PUT " + _PROJECT + "/members/{user}": (400, {"json": {"role": "bogus"}}),
    "DELETE " + _PROJECT + "/members/{user}": (200, {}),
    "GET /api/v1/progress/{entity}/{project}/{run_id}": (200, {"params": {"session": "s"}}),
    # the caller's own saved layout and views (a layout missing, a view id malformed)
    "GET " + _PROJECT + "/workspace": (200, {}),
    "PUT " + _PROJECT + "/workspace": (400, {"json": {}}),
    "DELETE " + _PROJECT + "/workspace": (200, {}),
    "GET " + _PROJECT + "/views": (200, {}),
    "POST " + _PROJECT + "/views": (400, {"json": {}}),
    "GET " + _PROJECT + "/views/{view_id}": (400, {}),
    "PUT " + _PROJECT + "/views/{view_id}": (400, {"json": {}}),
    "DELETE " + _PROJECT + "/views/{view_id}": (400, {}),
    # reports (a report id malformed, a report without a title)
    "GET " + _PROJECT + "/reports": (200, {}),
    "POST " + _PROJECT + "/reports": (400, {"json": {}}),
    "GET " + _PROJECT + "/reports/{report_id}": (400, {}),
    "PUT " + _PROJECT + "/reports/{report_id}": (400, {"json": {}}),
    "DELETE " + _PROJECT + "/reports/{report_id}": (400, {}),
}
"""Routes whose rule is a level on the project their path names."""

CALLER_REQUESTS: dict[str, tuple[int, dict[str, Any]]] = {
    # route: (status for a signed-in caller, request arguments)
    "POST /api/v1/logout": (204, {"json": {}}),
    "GET /api/v1/me": (200, {}),
    "GET /api/v1/viewer": (200, {}),
    "POST /api/v1/me/password": (400, {"json": {}}),
    "GET /api/v1/me/keys": (200, {}),
    "POST /api/v1/me/keys": (201, {"json": {"label": "matrix"}}),
    "DELETE /api/v1/me/keys/{prefix}": (404, {}),
    "GET /api/v1/teams": (200, {}),
    "POST /api/v1/teams": (400, {"json": {}}),
    "POST /api/v1/ingest": (415, {"json": {}}),  # not a WAL batch
    "HEAD /api/v1/blobs/{digest}": (200, {}),
    "PUT /api/v1/blobs/{digest}": (200, {"json": {}}),  # the server has it already
    **{f"{m} {p}": (404, {"json": {}} if m in ("POST", "PUT", "PATCH") else {})
       for p in ("/api", "/api/{rest:path}")
       for m in ("GET", "POST", "PUT", "PATCH", "DELETE", "OPTIONS")},
    # open to everyone
    "GET /assets/{path:path}": (404, {}),
    "GET /{path:path}": (200, {}),
    "GET /healthz": (200, {}),
    "GET /readyz": (200, {}),
    "POST /api/v1/login": (400, {"json": {}}),
    "GET /api/v1/openapi.json": (200, {}),
}
"""Routes that name no project: any signed-in caller (``user``), or anyone (``open``)."""

ADMIN_REQUESTS = {
    "GET /api/v1/users": (200, {}),
    "POST /api/v1/users": (400, {"json": {}}),
}
"""Routes for server admins only (``server_admin``): 401 anonymous, 403 anyone else."""

TEAM_REQUESTS = {
    "GET /api/v1/teams/{team}": (200, {}),
    "PUT /api/v1/teams/{team}/members/{user}": (400, {"json": {"role": "bogus"}}),
    "DELETE /api/v1/teams/{team}/members/{user}": (200, {}),
}
TEAM_EXPECTED = {"anonymous": 401, "outsider": 404, "viewer": 403, "member": 403}
"""What a team route answers each caller who may not use it (team_read lets members in)."""

LISTED = ("GET /api/v1/projects", "POST /api/v1/store/{method}", "GET /api/v1/blobs/{digest}",
          "GET /api/v1/blobs/{digest}/html")
"""Routes that show each caller only what they may read: checked apart, below."""


@dataclass
class World:
    api: ApiClient
    keys: dict[str, str]
    values: dict[str, dict[str, str]]
    """Path parameters by visibility."""
    run_pks: dict[str, int]


def headers_of(world: World, caller: str) -> dict[str, str]:
    return {} if caller == "anonymous" else {"Authorization": f"Bearer {world.keys[caller]}"}


def _log_project(url: str, key: str, visibility: str, tmp_path: Path) -> dict[str, str]:
    project = PROJECTS[visibility]
    run = cairn.init(entity=TEAM, project=project, mode="online", config={"lr": 0.1},
                     settings={"base_url": url, "api_key": key})
    for step in range(5):
        run.log({"loss": 1.0 / (step + 1)})
    run.log({"pic": cairn.Image(np.full((4, 4, 3), len(project), dtype=np.uint8))})
    notes = tmp_path / project / "notes.txt"
    notes.parent.mkdir()
    notes.write_text(f"notes of the {visibility} project")
    run.save(str(notes), base_path=str(notes.parent), policy="now")
    weights = tmp_path / project / "weights.txt"
    weights.write_text(f"weights of the {visibility} project")
    artifact = cairn.Artifact("model", type="model")
    artifact.add_file(str(weights))
    run.log_artifact(artifact, aliases=["best"])
    run.alert("hot", "too hot")
    run.finish()
    return {"entity": TEAM, "project": project, "run_id": run.id, "name": "model",
            "version": "v0", "other": "v0", "path": "weights.txt", "file": "notes.txt",
            "key": "pic", "sweep_id": "sw1", "user": "eve", "visibility": visibility,
            "view_id": "not-a-number", "report_id": "not-a-number",
            "digest": hashlib.sha256(notes.read_bytes()).hexdigest()}


def build_world(store: str, tmp_path: Path) -> Iterator[World]:
    from cairn.backend import open_backend
    from cairn.settings import load_settings

    blobs = f"file://{tmp_path / 'blobs'}"
    backend = open_backend(store, load_settings(), create=True)
    accounts = Accounts(backend.store)
    keys = {role: accounts.create_user(name, admin=role == "server_admin")[1]
            for role, name in USERS.items()}
    accounts.create_team(TEAM, admin="ada")
    accounts.set_team_member(TEAM, "mia", "member")
    accounts.set_team_member(TEAM, "vic", "viewer")
    backend.close()
    config = TeamConfig(store=store, blobs=blobs, root=str(tmp_path / "server"),
                        access_log=False, key_cache_seconds=600)
    app = create_team_app(config)
    live = LiveServer(app).start()
    try:
        with isolated_cairn(tmp_path / "client"):
            values = {v: _log_project(live.url, keys["admin"], v, tmp_path) for v in PROJECTS}
    finally:
        live.stop()  # event streams of the in-process calls below end at once
    ctx = app_context(app)
    run_pks = {}
    for visibility, found in values.items():
        ctx.store.create_sweep(TEAM, found["project"], "sw1", name="s", method="grid",
                               config={"method": "grid", "parameters": {
                                   "lr": {"values": [0.1, 0.2]}}}, seed=0, grid_size=2)
        Accounts(ctx.store).set_visibility(TEAM, found["project"], visibility)
        ctx.store.create_report(TEAM, found["project"], f"{visibility} notes",
                                {"blocks": [{"id": "t", "type": "markdown", "text": "x"}]})
        row = ctx.store.get_run(RunRef(TEAM, found["project"], found["run_id"]))
        assert row is not None
        run_pks[visibility] = row.pk
    yield World(ApiClient(app), keys, values, run_pks)
    ctx.store.close()


@pytest.fixture(scope="module", params=["sqlite", "postgresql"])
def world(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
          ) -> Iterator[World]:
    """Built once per backend: the matrix's requests change nothing it depends on."""
    tmp_path = tmp_path_factory.mktemp(f"matrix-{request.param}")
    if request.param == "sqlite":
        yield from build_world(str(tmp_path / "team"), tmp_path)
    else:
        postgres: TemporaryPostgres = request.getfixturevalue("postgres")
        yield from build_world(postgres.uri(schema=postgres.new_schema()), tmp_path)


def fill(template: str, values: dict[str, str]) -> str:
    """A route template with the names of one project (a run file's name for ``{name}``
    under ``/files/``)."""
    if "/files/{name:path}" in template:
        template = template.replace("{name:path}", values["file"])
    return re.sub(r"\{(\w+)(?::\w+)?\}",
                  lambda m: values.get(m.group(1), "x"), template)


def call(world: World, caller: str, route: str, values: dict[str, str],
         arguments: dict[str, Any]) -> httpx.Response:
    method, template = route.split(" ", 1)
    kwargs = {k: v for k, v in arguments.items() if k == "params"}
    if "json" in arguments:
        kwargs["json"] = _filled(arguments["json"], values)
    return world.api.request(method, fill(template, values), headers=headers_of(world, caller),
                             **kwargs)


def _filled(body: Any, values: dict[str, str]) -> Any:
    if isinstance(body, dict):
        return {k: _filled(v, values) for k, v in body.items()}
    if isinstance(body, list):
        return [_filled(v, values) for v in body]
    if isinstance(body, str):
        return fill(body, values)
    return body


def app_routes(world: World) -> list[str]:
    """``"METHOD /path"`` of every route of the app (HEAD only where it is named)."""
    from cairn.server.access import walk

    found = []
    for path, route in walk(world.api.app.routes):
        methods = set(getattr(route, "methods", None) or ())
        for method in sorted(methods - {"HEAD"} if methods != {"HEAD"} else methods):
            found.append(f"{method} {path}")
    return found


def test_every_route_has_a_rule_and_a_line_here(world: World) -> None:
    routes = app_routes(world)
    assert len(routes) > 60
    no_rule = [r for r in routes if r not in RULES]
    assert not no_rule, f"routes without an access rule (server/access.py RULES): {no_rule}"
    known = {*PROJECT_REQUESTS, *CALLER_REQUESTS, *TEAM_REQUESTS, *ADMIN_REQUESTS, *LISTED}
    untested = [r for r in routes if r not in known]
    assert not untested, f"routes the matrix does not call: {untested}"
    for route in PROJECT_REQUESTS:
        assert RULES[route] in NEED, route
    stale = [r for r in known if r not in routes]
    assert not stale, f"lines here for routes the app does not have: {stale}"


def test_project_routes_by_caller_and_visibility(world: World) -> None:
    wrong: list[str] = []
    for route, (ok, arguments) in PROJECT_REQUESTS.items():
        need = NEED[RULES[route]]
        for visibility, values in world.values.items():
            ghost = {**values, "project": "ghost-" + values["project"]}
            for caller in CALLERS:
                level = EXPECTED[caller][visibility]
                got = call(world, caller, route, values, arguments)
                where = f"{route} {visibility} {caller}: {got.status_code} {got.text[:150]}"
                if level >= need:
                    if got.status_code != ok:
                        wrong.append(f"{where} (expected {ok})")
                elif level >= R or (RULES[route] == "write_new" and caller != "anonymous"):
                    # write_new: refused alike whether the project exists or not
                    if got.status_code != 403:
                        wrong.append(f"{where} (expected 403)")
                elif caller == "anonymous":
                    if got.status_code != 401:
                        wrong.append(f"{where} (expected 401)")
                else:
                    missing = call(world, caller, route, ghost, arguments)
                    if (got.status_code != 404 or missing.status_code != 404 or
                            got.text.replace(values["project"], ghost["project"])
                            != missing.text):
                        wrong.append(f"{where} (expected what a missing project gets: "
                                     f"{missing.status_code} {missing.text[:150]})")
                    for secret in (values["run_id"] if "run_id" not in route else "",
                                   "notes of", "weights of", "too hot"):
                        if secret and secret in got.text:
                            wrong.append(f"{where} (leaks {secret!r})")
    assert not wrong, "\n".join(wrong)


def test_routes_without_a_project_by_caller(world: World) -> None:
    values = world.values["public"]
    wrong: list[str] = []
    for route, (ok, arguments) in CALLER_REQUESTS.items():
        for caller in CALLERS:
            got = call(world, caller, route, values, arguments)
            expected = 401 if caller == "anonymous" and RULES[route] != "open" else ok
            if got.status_code != expected:
                wrong.append(f"{route} {caller}: {got.status_code} {got.text[:150]} "
                             f"(expected {expected})")
    for route, (ok, arguments) in ADMIN_REQUESTS.items():
        for caller in CALLERS:
            got = call(world, caller, route, values, arguments)
            expected = {"anonymous": 401, "server_admin": ok}.get(caller, 403)
            if got.status_code != expected:
                wrong.append(f"{route} {caller}: {got.status_code} {got.text[:150]} "
                             f"(expected {expected})")
    for route, (ok, arguments) in TEAM_REQUESTS.items():
        for caller in CALLERS:
            got = call(world, caller, route, {**values, "team": TEAM}, arguments)
            expected = (TEAM_EXPECTED.get(caller, ok) if RULES[route] == "team_admin"
                        else {"anonymous": 401, "outsider": 404}.get(caller, ok))
            if got.status_code != expected:
                wrong.append(f"{route} {caller}: {got.status_code} {got.text[:150]} "
                             f"(expected {expected})")
    assert not wrong, "\n".join(wrong)


def _store_call(world: World, caller: str, method: str, *args: Any) -> httpx.Response:
    return world.api.post(f"/api/v1/store/{method}", content=wire.dumps({"args": list(args)}),
                          headers={**headers_of(world, caller),
                                   "Content-Type": "application/msgpack"})


def test_listings_blobs_and_store_reads_show_only_what_may_be_read(world: World) -> None:
    wrong: list[str] = []
    for caller in CALLERS:
        listed = world.api.get("/api/v1/projects", headers=headers_of(world, caller))
        if caller == "anonymous":
            if listed.status_code != 401:
                wrong.append(f"projects anonymous: {listed.status_code}")
        else:
            names = {p["name"] for p in listed.json()["projects"]}
            expected = {PROJECTS[v] for v in PROJECTS if EXPECTED[caller][v] >= R}
            if names != expected:
                wrong.append(f"projects {caller}: {sorted(names)} (expected {sorted(expected)})")
        for visibility, values in world.values.items():
            readable = EXPECTED[caller][visibility] >= R
            where = f"{visibility} {caller}"
            ref = RunRef(TEAM, values["project"], values["run_id"])
            ghost_ref = RunRef(TEAM, "ghost", values["run_id"])
            for suffix in ("", "/html"):
                got = world.api.get(f"/api/v1/blobs/{values['digest']}{suffix}",
                                    headers=headers_of(world, caller))
                none = world.api.get(f"/api/v1/blobs/{'0' * 64}{suffix}",
                                     headers=headers_of(world, caller))
                if readable:
                    if got.content != f"notes of the {visibility} project".encode():
                        wrong.append(f"blob{suffix} {where}: {got.status_code}")
                elif caller == "anonymous":
                    if got.status_code != 401:
                        wrong.append(f"blob{suffix} {where}: {got.status_code}")
                elif (got.status_code, got.text.replace(values["digest"], "0" * 64)) != (
                        none.status_code, none.text):
                    wrong.append(f"blob{suffix} {where}: {got.status_code} {got.text}")
            pk = world.run_pks[visibility]
            calls = [("get_run", [ref], [ghost_ref]),
                     ("get_project", [TEAM, values["project"]], [TEAM, "ghost"]),
                     ("list_series", [pk], [10 ** 9]),
                     ("runs_by_pk", [[pk]], [[10 ** 9]]),
                     ("artifact_versions", [TEAM, values["project"], "model"],
                      [TEAM, "ghost", "model"]),
                     ("query_runs", [TEAM, values["project"]], [TEAM, "ghost"]),
                     ("reports", [TEAM, values["project"]], [TEAM, "ghost"])]
            for method, args, missing_args in calls:
                got = _store_call(world, caller, method, *args)
                if caller == "anonymous":
                    # refused before it is read: a body that is not JSON needs a key (guard)
                    if got.status_code != 403:
                        wrong.append(f"store {method} {where}: {got.status_code}")
                    continue
                found = wire.loads(got.content) if got.status_code == 200 else got.text
                if readable:
                    if not found:
                        wrong.append(f"store {method} {where}: nothing ({got.status_code})")
                else:
                    missing = _store_call(world, caller, method, *missing_args)
                    if (got.status_code, got.content) != (missing.status_code,
                                                          missing.content):
                        wrong.append(f"store {method} {where}: {found!r:.150}")
            found_runs = wire.loads(_store_call(world, caller, "find_runs",
                                                values["run_id"]).content) \
                if caller != "anonymous" else None
            if caller != "anonymous" and bool(found_runs) != readable:
                wrong.append(f"store find_runs {where}: {found_runs!r:.150}")
    assert not wrong, "\n".join(wrong)
