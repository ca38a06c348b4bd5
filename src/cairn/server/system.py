"""A run's system metrics for the run page's System tab: columns over wall time, thinned
to the chart's width with every metric's extremes kept (``store/system.py``)."""

from __future__ import annotations

from typing import Any

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from cairn.server.context import context, find_run
from cairn.server.params import query_float, query_int
from cairn.store.base import MetadataStore
from cairn.store.system import thin

MAX_POINTS = 10_000


def system_columns(store: MetadataStore, run_pk: int, since: float | None,
                   points: int) -> dict[str, Any]:
    samples = thin(store.system_samples(run_pk, since), points)
    return {"at": samples.at, "series": samples.series,
            "last": float(samples.at[-1]) if len(samples) else since}


async def run_system(request: Request) -> Response:
    ctx = context(request)
    since = query_float(request, "since")
    points = query_int(request, "points", 1000, 2, MAX_POINTS)
    row = await find_run(request)
    return await ctx.respond(system_columns, ctx.store, row.pk, since, points)


ROUTES = [Route("/runs/{entity}/{project}/{run_id}/system", run_system, methods=["GET"])]
