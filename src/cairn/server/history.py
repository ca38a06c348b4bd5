"""Full-resolution history rows of one run, a page at a time (the run page's table and
exports); charts use envelopes instead (``envelopes.py``)."""

from __future__ import annotations

from itertools import islice
from typing import Any

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from cairn.api.history import scan_rows
from cairn.server.context import context, find_run
from cairn.server.encoding import dumps
from cairn.server.errors import bad_request
from cairn.server.params import query_int, query_list, step_range
from cairn.store.base import MetadataStore
from cairn.store.buckets import STEP_MAX

MAX_KEYS = 1000
MAX_ROWS = 10_000


def history_page(store: MetadataStore, run_pk: int, keys: list[str], min_step: int,
                 max_step: int, limit: int) -> dict[str, Any]:
    """Up to ``limit`` rows that have any of ``keys``, and the step the next page starts
    at (None: no more rows)."""
    rows_iter = scan_rows(store, run_pk, keys, store.list_series(run_pk), min_step=min_step,
                          max_step=max_step, page_size=limit, require_all=False)
    rows = list(islice(rows_iter, limit + 1))
    if len(rows) <= limit:
        return {"rows": rows, "next_step": None}
    return {"rows": rows[:limit], "next_step": int(rows[limit]["_step"])}


async def run_history(request: Request) -> Response:
    ctx = context(request)
    keys = query_list(request, "keys", MAX_KEYS)
    if not keys:
        raise bad_request("keys: give the comma-separated metric keys to read")
    min_step = query_int(request, "min_step", 0, 0, STEP_MAX)
    max_step = query_int(request, "max_step", STEP_MAX, 0, STEP_MAX)
    step_range(min_step, max_step)
    limit = query_int(request, "limit", 1000, 1, MAX_ROWS)
    row = await find_run(request)
    page = await ctx.call_chart(
        lambda: dumps(history_page(ctx.store, row.pk, keys, min_step, max_step, limit)))
    return Response(page, media_type="application/json")


ROUTES = [Route("/runs/{entity}/{project}/{run_id}/history", run_history, methods=["GET"])]
