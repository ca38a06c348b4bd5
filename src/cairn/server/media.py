"""The media of a run: which history keys hold media (images, tables, histograms, …) at
which steps, and their stored references. The bytes come from ``/api/v1/blobs/{digest}``.
"""

from __future__ import annotations

from typing import Any

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from cairn.server.context import context, find_run
from cairn.server.errors import not_found
from cairn.server.params import query_int, step_range
from cairn.store.base import MetadataStore
from cairn.store.buckets import STEP_MAX

MAX_ITEMS = 10_000
MEDIA_TYPES = frozenset({"image-file", "table-file", "histogram", "audio-file", "video-file",
                         "object3D-file", "html-file", "plotly-file", "custom-chart"})


def media_type(value: Any) -> str | None:
    """The ``_type`` of a stored medium, or of the first of a list of media."""
    if type(value) is list and value:
        value = value[0]
    if type(value) is dict:
        kind = value.get("_type")
        if kind in MEDIA_TYPES:
            return str(kind)
    return None


def media_index(store: MetadataStore, run_pk: int) -> dict[str, Any]:
    """Every key that holds media, with its type and the steps it was logged at."""
    keys = [s.key for s in store.list_series(run_pk) if s.kind == "o"]
    objects = store.read_objects(run_pk, keys) if keys else {}
    out: list[dict[str, Any]] = []
    for key, pairs in objects.items():
        steps = [step for step, value in pairs if media_type(value) is not None]
        if not steps:
            continue
        last = next(v for s, v in reversed(pairs) if media_type(v) is not None)
        out.append({"key": key, "type": media_type(last), "count": len(steps),
                    "list": type(last) is list, "steps": steps})
    out.sort(key=lambda item: str(item["key"]))
    return {"keys": out}


def media_items(store: MetadataStore, run_pk: int, key: str, min_step: int, max_step: int,
                limit: int) -> dict[str, Any] | None:
    """The stored references under ``key`` in the step range (at most ``limit``)."""
    objects = store.read_objects(run_pk, [key], min_step, max_step).get(key, [])
    items = [{"step": step, "value": value} for step, value in objects
             if media_type(value) is not None]
    if not items and not any(s.key == key for s in store.list_series(run_pk)):
        return None
    return {"key": key, "items": items[:limit],
            "next_step": items[limit]["step"] if len(items) > limit else None}


async def run_media(request: Request) -> Response:
    ctx = context(request)
    row = await find_run(request)
    return await ctx.respond(media_index, ctx.store, row.pk)


async def run_media_key(request: Request) -> Response:
    ctx = context(request)
    key = request.path_params["key"]
    step = request.query_params.get("step")
    if step not in (None, ""):
        min_step = max_step = query_int(request, "step", 0, 0, STEP_MAX)
    else:
        min_step = query_int(request, "min_step", 0, 0, STEP_MAX)
        max_step = query_int(request, "max_step", STEP_MAX, 0, STEP_MAX)
        step_range(min_step, max_step)
    limit = query_int(request, "limit", 1000, 1, MAX_ITEMS)
    row = await find_run(request)
    answer = await ctx.call(media_items, ctx.store, row.pk, key, min_step, max_step, limit)
    if answer is None:
        raise not_found(f"run {row.ref.path} has no history key {key!r}")
    return await ctx.respond(lambda: answer)


ROUTES = [
    Route("/runs/{entity}/{project}/{run_id}/media", run_media, methods=["GET"]),
    Route("/runs/{entity}/{project}/{run_id}/media/{key:path}", run_media_key, methods=["GET"]),
]
