"""Runs: the runs table of a project (filter, search, sort, page, columns), one run with
its metrics, and edits of its name, notes and tags.

An edit is a ``run_update`` edit carrying a ``meta`` record (``store/edits.py``), like
``cairn.Api``'s ``Run.update()``: applied as the run's writer's records are, and kept in
the store's audit trail.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from cairn.aggregates import flatten, nest
from cairn.errors import NotFoundError
from cairn.server.context import ServerContext, context, find_project, find_run, ui_origin
from cairn.server.encoding import JsonResponse
from cairn.server.errors import bad_request, not_found
from cairn.server.params import json_body, query_filters, query_int, query_list, query_text
from cairn.store import edits
from cairn.store.base import RunRow, SeriesInfo
from cairn.store.filters import parse_order as check_order

MAX_LIMIT = 1000
MAX_COLUMNS = 1000
_PREFIXES = {"config.": "config", "summary.": "summary", "summary_metrics.": "summary"}
_EDITABLE = {"name": str, "notes": str, "tags": list}
_INTERNAL_META = frozenset({"session", "session_starts"})
"""Store bookkeeping in ``RunRow.meta`` that is no attribute of the run."""


# ---- the Run object ------------------------------------------------------------------



def select_keys(data: Mapping[str, Any], keys: Sequence[str]) -> dict[str, Any]:
    """The parts of a nested dict at these flat keys (a key naming a subtree keeps it)."""
    if not keys:
        return {}
    flat = flatten(data)
    wanted = set(keys)
    prefixes = tuple(f"{k}." for k in keys)
    return nest({k: v for k, v in flat.items() if k in wanted or k.startswith(prefixes)})


def run_json(ctx: ServerContext, row: RunRow,
             columns: Mapping[str, list[str]] | None = None) -> dict[str, Any]:
    """The API's ``Run`` (docs/api.md); ``columns`` restricts config and summary."""
    config, summary = row.config, row.summary
    if columns is not None:
        config = select_keys(config, columns["config"])
        summary = select_keys(summary, columns["summary"])
    ref = row.ref
    return {
        "id": ref.run_id, "entity": ref.entity, "project": ref.project, "path": ref.path,
        "name": row.name, "state": row.state, "notes": row.notes, "tags": row.tags,
        "group": row.group, "job_type": row.job_type, "created_at": row.created_at,
        "updated_at": row.updated_at, "heartbeat_at": row.heartbeat_at,
        "finished_at": row.finished_at, "exit_code": row.exit_code,
        "last_step": row.last_step, "host": row.host, "config": config,
        "summary": summary, "url": ctx.run_url(ref),
        "meta": {k: v for k, v in row.meta.items() if k not in _INTERNAL_META},
    }


def series_json(info: SeriesInfo) -> dict[str, Any]:
    return {"key": info.key, "kind": info.kind, "count": info.count,
            "first_step": info.first_step, "last_step": info.last_step}


# ---- the runs table --------------------------------------------------------------------

def parse_columns(request: Request) -> dict[str, list[str]] | None:
    """``columns=config.lr,summary.acc`` as ``{"config": ["lr"], "summary": ["acc"]}``."""
    if request.query_params.get("columns") is None:
        return None
    out: dict[str, list[str]] = {"config": [], "summary": []}
    for item in query_list(request, "columns", MAX_COLUMNS):
        for prefix, part in _PREFIXES.items():
            if item.startswith(prefix) and len(item) > len(prefix):
                out[part].append(item[len(prefix):])
                break
        else:
            raise bad_request(f"columns: {item!r} is not a config or summary key; write "
                              "config.<key> or summary.<key>")
    return out


def parse_order(request: Request) -> list[str]:
    order = query_list(request, "order", 20) or ["-created_at"]
    check_order(order)  # a FilterError (400 bad_filter) names what is wrong
    return order


async def list_runs(request: Request) -> Response:
    ctx = context(request)
    filters = query_filters(request)
    search = query_text(request, "search")
    order = parse_order(request)
    limit = query_int(request, "limit", 100, 1, MAX_LIMIT)
    offset = query_int(request, "offset", 0, 0, 2**62)
    columns = parse_columns(request)
    project = await find_project(request)

    def page() -> dict[str, Any]:
        rows, total = ctx.store.query_runs_counted(project.entity, project.name, filters,
                                                   order, limit=limit, offset=offset,
                                                   search=search)
        return {"runs": [run_json(ctx, r, columns) for r in rows], "total": total,
                "limit": limit, "offset": offset}

    return await ctx.respond(page)


# ---- one run -------------------------------------------------------------------------

async def get_run(request: Request) -> Response:
    ctx = context(request)
    row = await find_run(request)
    metrics = await ctx.call(ctx.store.list_series, row.pk)
    return JsonResponse({**run_json(ctx, row), "metrics": [series_json(m) for m in metrics]})


def parse_edit(body: Mapping[str, Any]) -> dict[str, Any]:
    """The ``meta`` record body of a PATCH: name, notes and tags, type-checked."""
    unknown = sorted(set(body) - set(_EDITABLE))
    if unknown:
        raise bad_request(f"cannot edit {', '.join(map(repr, unknown))}; a run's "
                          f"{', '.join(_EDITABLE)} can be edited")
    for name, kind in _EDITABLE.items():
        if name in body and not isinstance(body[name], kind):
            expected = "a list of strings" if kind is list else "a string"
            raise bad_request(f"{name}: expected {expected}, got {body[name]!r:.200}")
    tags = body.get("tags")
    if tags is not None and not all(isinstance(t, str) for t in tags):
        raise bad_request(f"tags: expected a list of strings, got {tags!r:.200}")
    return dict(body)


async def patch_run(request: Request) -> Response:
    ctx = context(request)
    edit = parse_edit(await json_body(request))
    row = await find_run(request)
    if edit:
        update = edits.run_update(row.ref, [("meta", edit)], ui_origin(request))
        try:
            await ctx.call(ctx.store.apply_edit, update)
        except NotFoundError:
            raise not_found(f"no run '{row.ref.path}'") from None
    fresh = await ctx.call(ctx.store.get_run, row.ref)
    if fresh is None:
        raise not_found(f"no run '{row.ref.path}'")
    return JsonResponse(run_json(ctx, fresh))


async def run_resource(request: Request) -> Response:
    """One route for both methods, so that a third one is told ``Allow: GET, PATCH``."""
    return await (patch_run(request) if request.method == "PATCH" else get_run(request))


ROUTES = [
    Route("/projects/{entity}/{project}/runs", list_runs, methods=["GET"]),
    Route("/runs/{entity}/{project}/{run_id}", run_resource, methods=["GET", "PATCH"]),
]
