"""The team server's app (``cairn server``): the app of ``cairn ui`` over a shared backend,
with API-key authentication (``auth.py``), the write routes (``ingest.py``), health checks
and structured access logs.

It is stateless: everything lives in the store and the blob store, so any number of
workers and instances serve the same data. Workers are separate processes started by
uvicorn, which builds each one's app with :func:`app_from_environ` from the configuration
the parent put in ``CAIRN_SERVER_CONFIG`` (JSON of :class:`TeamConfig`).
"""

from __future__ import annotations

import dataclasses
import json
import logging
import os
import sys
import time
from dataclasses import dataclass
from typing import Any

from starlette.applications import Starlette
from starlette.middleware import Middleware
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from cairn.server.auth import user_of
from cairn.server.context import ServerOptions, context
from cairn.server.encoding import JsonResponse
from cairn.server.errors import error_response

CONFIG_ENV = "CAIRN_SERVER_CONFIG"
access_log = logging.getLogger("cairn.server.access")


@dataclass(frozen=True)
class TeamConfig:
    store: str
    blobs: str
    root: str
    """The cairn folder of the server's settings (used for nothing but defaults)."""
    public_url: str = ""
    """The address users reach the server at (run URLs); default the bound address."""
    allowed_hosts: tuple[str, ...] = ("*",)
    access_log: bool = True
    key_cache_seconds: float = 5.0
    """How long a key's check (and a user's roles) is reused: a revoked key stops working,
    and a changed role counts, within this time on every worker."""
    anonymous_read: bool = False
    """Callers without a key or login may read public projects."""

    def to_environ(self) -> str:
        return json.dumps(dataclasses.asdict(self))

    @classmethod
    def from_environ(cls, environ: Any = None) -> TeamConfig:
        raw = (environ or os.environ).get(CONFIG_ENV)
        if not raw:
            raise RuntimeError(f"{CONFIG_ENV} is not set: start workers with `cairn server`")
        values = json.loads(raw)
        values["allowed_hosts"] = tuple(values.get("allowed_hosts") or ())
        return cls(**values)


class AccessLog:
    """ASGI middleware: one JSON line per request on ``cairn.server.access`` (time, method,
    path, status, bytes sent, milliseconds, user, client address)."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        start = time.perf_counter()
        status = 0
        sent = 0

        async def sending(message: Message) -> None:
            nonlocal status, sent
            if message["type"] == "http.response.start":
                status = int(message["status"])
            elif message["type"] == "http.response.body":
                sent += len(message.get("body", b""))
            await send(message)

        try:
            await self.app(scope, receive, sending)
        finally:
            if access_log.isEnabledFor(logging.INFO):
                user = user_of(scope)
                client = scope.get("client")
                access_log.info(json.dumps({
                    "ts": round(time.time(), 3), "method": scope["method"],
                    "path": scope["path"], "status": status or 500, "bytes": sent,
                    "ms": round((time.perf_counter() - start) * 1000, 2),
                    "user": user.name if user else None,
                    "client": client[0] if client else None}))


async def healthz(request: Request) -> Response:
    """The process answers (liveness): no store or blob store is touched."""
    return JsonResponse({"ok": True})


async def readyz(request: Request) -> Response:
    """The store and the blob store answer (readiness): 503 naming what does not."""
    ctx = context(request)
    problems: dict[str, str] = {}

    def check_store() -> None:
        ctx.store.get_project("", "")  # one indexed lookup, whatever the store's size

    def check_blobs() -> None:
        ctx.blobs.has("0" * 64)

    for name, check in (("store", check_store), ("blobs", check_blobs)):
        try:
            await ctx.call(check)
        except Exception as exc:
            problems[name] = " ".join(str(exc).split()) or type(exc).__name__
    if problems:
        return error_response(503, "not_ready", "; ".join(f"{k}: {v}" for k, v in
                                                          problems.items()))
    return JsonResponse({"ok": True, "store": "ok", "blobs": "ok"})


def create_team_app(config: TeamConfig) -> Starlette:
    """The team server's app over the backend ``config`` names."""
    from cairn.backend import open_backend
    from cairn.server import accounts_api, ingest, store_rpc
    from cairn.server.access import Access
    from cairn.server.app import create_app
    from cairn.server.auth import Authenticate, KeyChecks
    from cairn.settings import load_settings
    from cairn.store.accounts import Accounts

    # The environment and settings file still count (alert_on, notifiers,
    # heartbeat_timeout: the crash alerts of the server); the backend is the config's.
    settings = load_settings({"root": config.root, "store": config.store,
                              "blobs": config.blobs,
                              **({"ui_url": config.public_url} if config.public_url else {})})
    backend = open_backend(settings=settings, create=True)
    accounts = Accounts(backend.store)
    keys = KeyChecks(accounts, config.key_cache_seconds)
    access = Access(accounts, config.anonymous_read, config.key_cache_seconds)
    middleware = [Middleware(Authenticate, keys=keys)]
    if config.access_log:
        middleware.insert(0, Middleware(AccessLog))
    options = ServerOptions(allowed_hosts=config.allowed_hosts)
    app = create_app(settings, backend.store, backend.blobs, middleware=middleware,
                     options=options, access=access,
                     api_extra=[*accounts_api.ROUTES, *ingest.ROUTES, *store_rpc.ROUTES],
                     root_extra=[Route("/healthz", healthz, methods=["GET"]),
                                 Route("/readyz", readyz, methods=["GET"])])
    app.state.team = accounts_api.TeamState(
        accounts, access, keys, secure_cookies=config.public_url.startswith("https:"))
    return app


def app_from_environ() -> Starlette:
    """The app of one uvicorn worker (``factory=True``)."""
    config = TeamConfig.from_environ()
    if config.access_log:
        configure_access_log()
    return create_team_app(config)


def configure_access_log() -> None:
    if not access_log.handlers:
        handler = logging.StreamHandler(sys.stderr)
        handler.setFormatter(logging.Formatter("%(message)s"))
        access_log.addHandler(handler)
        access_log.setLevel(logging.INFO)
        access_log.propagate = False
