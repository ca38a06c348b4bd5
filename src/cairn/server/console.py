"""A run's console lines for the Logs tab, a page at a time: ``after`` a line number (a
live page asks only for what is new), or ``before`` one (the tab opens at the log's end
and pages back as the reader scrolls up), with the server doing the search."""

from __future__ import annotations

from typing import Any

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from cairn.server.context import context, find_run
from cairn.server.params import query_int, query_text
from cairn.store.base import MetadataStore

MAX_LIMIT = 20_000


def console_page(store: MetadataStore, run_pk: int, after: int, limit: int,
                 search: str | None, before: int | None = None) -> dict[str, Any]:
    lines = store.console_lines(run_pk, after, limit + 1, search, before)
    more = len(lines) > limit
    # One more than asked tells whether there are more: older ones (before), newer (after).
    lines = lines[1:] if more and before is not None else lines[:limit]
    page: dict[str, Any] = {
        "lines": [{"n": ln.n, "at": ln.at, "stream": ln.stream, "text": ln.text}
                  for ln in lines],
        "last": lines[-1].n if lines else after, "more": more}
    if before is not None:
        page["first"] = lines[0].n if lines else before
        page["total"] = store.console_count(run_pk)
        page["matched"] = store.console_count(run_pk, search) if search else page["total"]
    return page


async def run_logs(request: Request) -> Response:
    ctx = context(request)
    after = query_int(request, "after", 0, 0, 2**62)
    before = query_int(request, "before", -1, 0, 2**62)
    limit = query_int(request, "limit", 5000, 1, MAX_LIMIT)
    search = query_text(request, "search", 500)
    row = await find_run(request)
    return await ctx.respond(console_page, ctx.store, row.pk, after, limit, search,
                             before if before >= 0 else None)


ROUTES = [Route("/runs/{entity}/{project}/{run_id}/logs", run_logs, methods=["GET"])]
