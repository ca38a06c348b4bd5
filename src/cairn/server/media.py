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
from cairn.store.media import spread

MAX_ITEMS = 10_000
MAX_INDEX_STEPS = 1000
"""The media index lists at most this many steps of a key, spread over its range."""
MEDIA_TYPES = frozenset({"image-file", "table-file", "incremental-table-file", "histogram",
                         "audio-file", "video-file", "object3D-file", "html-file",
                         "plotly-file", "custom-chart", "molecule-file", "graph-file",
                         "joined-table"})


def media_type(value: Any) -> str | None:
    """The ``_type`` of a stored medium, or of the first of a list of media (images logged
    as a list are stored in wandb's ``images/separated`` shape: ``image-file``)."""
    if type(value) is dict and value.get("_type") == "images/separated":
        value = value.get("images")
    if type(value) is list and value:
        value = value[0]
    if type(value) is dict:
        kind = value.get("_type")
        if kind in MEDIA_TYPES:
            return str(kind)
    return None


def is_list(value: Any) -> bool:
    """Whether a stored value holds several media: a list of references (as stored before
    the ``images/separated`` shape, and still for other types) or that shape."""
    if type(value) is list:
        return bool(value)
    return type(value) is dict and value.get("_type") == "images/separated"


def media_index(store: MetadataStore, run_pk: int) -> dict[str, Any]:
    """Every key that holds media: its type (that of its latest value), how many steps,
    the first and last, and at most ``MAX_INDEX_STEPS`` of its steps spread over them.
    Read from the steps index and one value per key, not every stored reference."""
    out: list[dict[str, Any]] = []
    for info in store.object_keys(run_pk):
        kind = media_type(info.latest)
        if kind is None:
            continue
        steps = store.object_steps(run_pk, info.key, info.first_step, info.last_step)
        out.append({"key": info.key, "type": kind, "count": info.count,
                    "list": is_list(info.latest), "first_step": info.first_step,
                    "last_step": info.last_step, "steps": spread(steps, MAX_INDEX_STEPS)})
    return {"keys": out}


def media_items(store: MetadataStore, run_pk: int, key: str, min_step: int, max_step: int,
                limit: int, spread_out: bool = False) -> dict[str, Any] | None:
    """The stored references under ``key`` in the step range: the first ``limit`` (and
    ``next_step`` to page on) or, with ``spread_out``, ``limit`` of them spread over the
    range, its first and last included. Only the chosen steps' values are read."""
    steps = store.object_steps(run_pk, key, min_step, max_step)
    if not steps and not any(s.key == key for s in store.list_series(run_pk)):
        return None
    next_step = None
    if spread_out:
        chosen = spread(steps, limit)
    else:
        chosen = steps[:limit]
        next_step = steps[limit] if len(steps) > limit else None
    items = [{"step": step, "value": value}
             for step, value in store.object_values(run_pk, key, chosen)
             if media_type(value) is not None]
    return {"key": key, "items": items, "next_step": next_step, "total": len(steps)}


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
    spread_out = request.query_params.get("spread", "") in ("1", "true")
    row = await find_run(request)
    answer = await ctx.call(media_items, ctx.store, row.pk, key, min_step, max_step, limit,
                            spread_out)
    if answer is None:
        raise not_found(f"run {row.ref.path} has no history key {key!r}")
    return await ctx.respond(lambda: answer)


ROUTES = [
    Route("/runs/{entity}/{project}/{run_id}/media", run_media, methods=["GET"]),
    Route("/runs/{entity}/{project}/{run_id}/media/{key:path}", run_media_key, methods=["GET"]),
]
