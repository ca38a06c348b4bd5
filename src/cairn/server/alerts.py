"""Alerts for the UI: a run's, and a project's feed (newest first, paged back by id),
each with its suppressed count and how its delivery through each notifier went."""

from __future__ import annotations

from typing import Any

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from cairn.server.context import context, find_project, find_run
from cairn.server.params import query_int
from cairn.store.alerts import AlertRow

MAX_LIMIT = 1000


def alert_json(alert: AlertRow) -> dict[str, Any]:
    return {"id": alert.id, "run": {"id": alert.run.run_id, "name": alert.run_name},
            "at": alert.at, "title": alert.title, "text": alert.text, "level": alert.level,
            "suppressed": alert.suppressed,
            "deliveries": [{"notifier": d.notifier, "status": d.status, "attempts": d.attempts,
                            "error": d.error, "at": d.at} for d in alert.deliveries]}


def _page(alerts: list[AlertRow]) -> dict[str, Any]:
    return {"alerts": [alert_json(a) for a in alerts]}


async def run_alerts(request: Request) -> Response:
    ctx = context(request)
    limit = query_int(request, "limit", 100, 1, MAX_LIMIT)
    row = await find_run(request)
    alerts = await ctx.call(ctx.store.alerts, run_pk=row.pk, limit=limit)
    return await ctx.respond(_page, alerts)


async def project_alerts(request: Request) -> Response:
    ctx = context(request)
    limit = query_int(request, "limit", 100, 1, MAX_LIMIT)
    before = query_int(request, "before", 2**62, 1, 2**62)
    project = await find_project(request)
    alerts = await ctx.call(ctx.store.alerts, entity=project.entity, project=project.name,
                            limit=limit, before=before)
    return await ctx.respond(_page, alerts)


ROUTES = [
    Route("/runs/{entity}/{project}/{run_id}/alerts", run_alerts, methods=["GET"]),
    Route("/projects/{entity}/{project}/alerts", project_alerts, methods=["GET"]),
]
