"""Projects: the list of projects (those the caller may read), and per project the keys
its runs table can show (``columns``) and the history keys its charts can plot
(``metrics``)."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from cairn.server.access import reader_of
from cairn.server.context import context, find_project
from cairn.server.encoding import JsonResponse
from cairn.store.base import ProjectRow


def project_json(row: ProjectRow) -> dict[str, object]:
    return {"entity": row.entity, "name": row.name, "run_count": row.run_count,
            "created_at": row.created_at, "last_activity": row.last_activity}


async def list_projects(request: Request) -> Response:
    ctx = context(request)
    rows = await ctx.call(ctx.store.list_projects)
    readable = await ctx.call(reader_of, request.scope)
    if readable is not None:
        rows = [r for r in rows if readable(r.entity, r.name)]
    return JsonResponse({"projects": [project_json(r) for r in rows]})


async def project_columns(request: Request) -> Response:
    ctx = context(request)
    project = await find_project(request)
    config, summary = await ctx.call(ctx.store.project_columns, project.entity, project.name)
    return JsonResponse({"config": config, "summary": summary})


async def project_metrics(request: Request) -> Response:
    ctx = context(request)
    project = await find_project(request)
    metrics = await ctx.call(ctx.store.project_metrics, project.entity, project.name)
    return JsonResponse({"metrics": [{"key": m.key, "kind": m.kind, "runs": m.runs}
                                     for m in metrics]})


ROUTES = [
    Route("/projects", list_projects, methods=["GET"]),
    Route("/projects/{entity}/{project}/columns", project_columns, methods=["GET"]),
    Route("/projects/{entity}/{project}/metrics", project_metrics, methods=["GET"]),
]
