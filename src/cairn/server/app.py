"""``create_app``: the ASGI app of ``cairn ui`` (and later ``cairn server``): ``/api/v1``
(docs/api.md) and the web app, over one store.

No module globals: the settings and stores hang off the app (``app.state.cairn``, a
``ServerContext``), so several apps can live in one process (tests do). Authentication
wraps the app without touching the routes: its middleware comes in ``middleware`` (it
runs inside ``guard.py``'s protections, which every app gets), and ``access`` checks every
route by its rule (``access.py``) before its handler runs.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Sequence
from contextlib import asynccontextmanager

from starlette.applications import Starlette
from starlette.middleware import Middleware
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute, Mount, Route

from cairn.server import (
    accounts_api,
    alerts,
    artifacts,
    console,
    crash_alerts,
    envelopes,
    events,
    files,
    history,
    media,
    openapi,
    projects,
    reports,
    runs,
    sweeps,
    system,
    workspaces,
)
from cairn.server.access import Access
from cairn.server.context import ServerContext, ServerOptions
from cairn.server.errors import EXCEPTION_HANDLERS, not_found
from cairn.server.guard import BrowserGuard
from cairn.server.limits import ClientWatch
from cairn.server.static import WebApp, default_ui_dir
from cairn.settings import Settings
from cairn.store.base import MetadataStore
from cairn.store.blobs import BlobStore

API_PREFIX = "/api/v1"
_ALL_METHODS = ["GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"]


def api_routes() -> list[BaseRoute]:
    """The routes under ``/api/v1``, one module a resource."""
    return [*projects.ROUTES, *runs.ROUTES, *history.ROUTES, *envelopes.ROUTES,
            *events.ROUTES, *files.ROUTES, *artifacts.ROUTES, *media.ROUTES,
            *openapi.ROUTES, *system.ROUTES, *console.ROUTES, *alerts.ROUTES,
            *sweeps.ROUTES, *workspaces.ROUTES, *reports.ROUTES,
            *accounts_api.LOCAL_ROUTES]


async def _no_api_route(request: Request) -> Response:
    raise not_found(f"no route {request.method} {request.url.path}")


def create_app(settings: Settings, store: MetadataStore, blobs: BlobStore | None = None, *,
               middleware: Sequence[Middleware] = (),
               options: ServerOptions | None = None,
               api_extra: Sequence[BaseRoute] = (),
               root_extra: Sequence[BaseRoute] = (),
               access: Access | None = None) -> Starlette:
    """The app over ``store`` and ``blobs`` (by default the blob store of the settings).
    The team server adds its routes: ``api_extra`` under ``/api/v1`` (before the others, so
    they win where paths meet), ``root_extra`` at the top (health checks), and ``access``:
    every route is then checked by its rule (``access.py``)."""
    options = options or ServerOptions()
    if blobs is None:
        from cairn.backend import open_backend

        blobs = open_backend(settings=settings).blobs
    ctx = ServerContext(settings, store, blobs, options)
    web = WebApp(options.ui_dir or default_ui_dir())

    @asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        crash_watch = crash_alerts.start(settings, store, ctx.stopping)
        yield
        ctx.stop()
        if crash_watch is not None:
            crash_watch.cancel()

    routes: list[BaseRoute] = [
        *root_extra,
        Mount(API_PREFIX, routes=[*api_extra, *api_routes()]),
        Route("/api", _no_api_route, methods=_ALL_METHODS),
        Route("/api/{rest:path}", _no_api_route, methods=_ALL_METHODS),
        *web.routes(),
    ]
    if access is not None:
        routes = access.install(routes)
    # The guard is outermost, so no route (nor authentication) sees a refused request.
    guard = Middleware(BrowserGuard, allowed_hosts=options.allowed_hosts)
    app = Starlette(routes=routes, middleware=[guard, Middleware(ClientWatch), *middleware],
                    exception_handlers=dict(EXCEPTION_HANDLERS), lifespan=lifespan)
    app.state.cairn = ctx
    return app


def app_context(app: Starlette) -> ServerContext:
    ctx = app.state.cairn
    assert isinstance(ctx, ServerContext)
    return ctx


__all__ = ["API_PREFIX", "ServerOptions", "app_context", "create_app"]
