"""The read half of ``MetadataStore`` over HTTP, for ``cairn.Api(base_url=…)`` and the
``http(s)://`` backend: ``POST /api/v1/store/{method}`` with msgpack ``{"args": [...],
"kwargs": {...}}`` (``store/wire.py``), answered with the method's result in the same
encoding. Proxying the store itself, rather than the UI's JSON, is what makes a reader
over HTTP build the very objects a local one does (the store conformance suite's read
half runs against it).

Only the reading methods in ``wire.READS`` are served; writes go through ``/ingest``. A
method's own refusals keep their meaning: a bad filter is a 400 ``bad_filter``, a missing
run a 404, a bad argument a 400. Who may read what is the same as on every route until
projects have visibility and roles: any user with a key.
"""

from __future__ import annotations

from typing import Any

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from cairn.errors import FilterError, NotFoundError
from cairn.server.context import context
from cairn.server.errors import bad_request, not_found
from cairn.server.ingest import read_body
from cairn.store.wire import READS

MEDIA_TYPE = "application/msgpack"
MAX_CALL_BYTES = 1 << 20



async def call(request: Request) -> Response:
    from cairn.store import wire

    ctx = context(request)
    method = request.path_params["method"]
    if method not in READS:
        raise not_found(f"the store has no reading method {method!r} over HTTP")
    body = await read_body(request, MAX_CALL_BYTES)
    try:
        message = wire.loads(body) if body else {}
        args = list(message.get("args") or [])
        kwargs = dict(message.get("kwargs") or {})
    except (ValueError, TypeError, AttributeError) as exc:
        raise bad_request(f"the call is not msgpack {{args, kwargs}}: {exc}") from None
    if not all(isinstance(k, str) for k in kwargs):
        raise bad_request("keyword names must be strings")

    def work() -> bytes:
        try:
            result: Any = getattr(ctx.store, method)(*args, **kwargs)
        except (FilterError, NotFoundError):
            raise  # 400 bad_filter, 404 (errors.py)
        except (TypeError, ValueError) as exc:
            raise bad_request(f"{method}: {exc}") from None
        return wire.dumps(result)

    return Response(await ctx.call(work), media_type=MEDIA_TYPE)


ROUTES = [Route("/store/{method}", call, methods=["POST"])]
