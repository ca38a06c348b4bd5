"""Reports: documents of a project made of Markdown and live panel blocks
(``store/reports.py``), listed per project and kept with a version so that two editors do
not overwrite each other silently (a stale save is 409 ``conflict``).

On the team server readers read and writers edit (``access.py`` rules); each answer says
whether the caller may edit (``editable``), so the app shows viewers the report read-only.
Writes are mutating requests, so ``guard.py`` lets them through only as JSON from the app's
own origin; a body of the wrong shape is 400 naming the field.
"""

from __future__ import annotations

from typing import Any

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from cairn.errors import NotFoundError
from cairn.server.access import Level, caller_of
from cairn.server.auth import user_of
from cairn.server.context import context, find_project
from cairn.server.encoding import JsonResponse
from cairn.server.errors import ApiError, bad_request, not_found
from cairn.server.params import json_body, parse_int
from cairn.store.reports import Report, ReportConflict, ReportError


def report_json(report: Report, editable: bool, body: bool = True) -> dict[str, Any]:
    found: dict[str, Any] = {
        "id": report.id, "title": report.title, "author": report.author,
        "version": report.version, "created_at": report.created_at,
        "updated_at": report.updated_at, "editable": editable}
    if body:
        found["body"] = report.body
    return found


async def _editable(request: Request, entity: str, project: str) -> bool:
    """Whether the caller may change the project's reports: always on the local UI; on the
    team server, with write access to the project."""
    access = (request.scope.get("state") or {}).get("access")
    if access is None:
        return True
    level = await run_in_threadpool(access.level, caller_of(request.scope), entity, project)
    return bool(level >= Level.WRITE)


async def _stored(request: Request, fn: Any, *args: Any, **kwargs: Any) -> Any:
    """Store work, its refusals as the API's errors."""
    try:
        return await context(request).call(fn, *args, **kwargs)
    except ReportError as exc:
        raise bad_request(str(exc)) from None
    except ReportConflict as exc:
        raise ApiError(409, "conflict", str(exc)) from None
    except NotFoundError as exc:
        raise not_found(str(exc)) from None


def _known(body: dict[str, Any], fields: tuple[str, ...]) -> None:
    unknown = sorted(set(body) - set(fields))
    if unknown:
        raise bad_request(f"unknown field {unknown[0]!r}; the body has {', '.join(fields)}")


def _version(body: dict[str, Any]) -> int:
    version = body.get("version")
    if isinstance(version, bool) or not isinstance(version, int) or not 1 <= version < 2**62:
        raise bad_request("version: expected the whole number the report was read at, got "
                          f"{version!r:.40}")
    return version


async def reports(request: Request) -> Response:
    """GET the project's reports (no bodies), POST a new one."""
    ctx = context(request)
    project = await find_project(request)
    where = (project.entity, project.name)
    if request.method == "GET":
        found = await _stored(request, ctx.store.reports, *where)
        editable = await _editable(request, *where)
        return JsonResponse({"reports": [report_json(r, editable, body=False) for r in found],
                             "editable": editable})
    body = await json_body(request)
    _known(body, ("title", "body"))
    user = user_of(request.scope)
    made = await _stored(request, ctx.store.create_report, *where, body.get("title"),
                         body.get("body", {"blocks": []}),
                         author_id=None if user is None else user.id)
    return JsonResponse(report_json(made, True), status_code=201)


async def report(request: Request) -> Response:
    """GET one report, PUT a new version of its title and/or body, DELETE it."""
    ctx = context(request)
    project = await find_project(request)
    report_id = parse_int(request.path_params["report_id"], "report_id", 1, 2**62)
    where = (project.entity, project.name, report_id)
    if request.method == "GET":
        found = await _stored(request, ctx.store.report, *where)
        return JsonResponse(report_json(found, await _editable(request, *where[:2])))
    if request.method == "DELETE":
        if not await _stored(request, ctx.store.delete_report, *where):
            raise not_found(f"no report {report_id} in '{project.entity}/{project.name}'")
        return JsonResponse({"deleted": True})
    body = await json_body(request)
    _known(body, ("title", "body", "version"))
    version = _version(body)
    saved = await _stored(request, ctx.store.save_report, *where, base_version=version,
                          title=body.get("title"), body=body.get("body"))
    return JsonResponse(report_json(saved, True))


ROUTES = [
    Route("/projects/{entity}/{project}/reports", reports, methods=["GET", "POST"]),
    Route("/projects/{entity}/{project}/reports/{report_id}", report,
          methods=["GET", "PUT", "DELETE"]),
]
