"""API-key authentication of the team server (``cairn server``): ASGI middleware that
``create_app`` gets in ``middleware`` (it runs inside ``guard.py``'s protections).

Every request but the health checks must carry a valid key, as wandb's clients send it:
``Authorization: Bearer KEY`` or HTTP basic auth with any user name and the key as the
password (wandb sends ``api:KEY``). A browser asked with ``WWW-Authenticate: Basic`` shows
its login box, so the web app is reachable with a key until the UI has a login page of its
own. The local ``cairn ui`` on a folder never adds this middleware: it stays login-free.

Keys are checked against the store (``store/accounts.py``) and the answer is kept for
``cache_seconds`` (default 5 s): a revoked key stops working within that time, and a
client sending many batches costs one store lookup per key every few seconds, not one per
request. The authenticated user is ``request.state.user`` (``scope["state"]["user"]``).
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import time
from collections import OrderedDict
from collections.abc import Iterable
from dataclasses import replace

from starlette.concurrency import run_in_threadpool
from starlette.datastructures import Headers
from starlette.types import ASGIApp, Receive, Scope, Send

from cairn.server.errors import error_response
from cairn.store.accounts import LAST_USED_RESOLUTION, Accounts, KeyOwner, User

OPEN_PATHS = frozenset({"/healthz", "/readyz"})
_CACHE_ENTRIES = 4096
_CHALLENGE = {"WWW-Authenticate": 'Basic realm="cairn", charset="UTF-8"'}


def key_of(headers: Headers) -> str | None:
    """The API key a request carries (bearer token, or basic auth's password)."""
    value = headers.get("authorization")
    if not value:
        return None
    scheme, _, credentials = value.strip().partition(" ")
    scheme = scheme.lower()
    credentials = credentials.strip()
    if scheme == "bearer":
        return credentials or None
    if scheme == "basic":
        try:
            decoded = base64.b64decode(credentials, validate=True).decode("utf-8")
        except (binascii.Error, UnicodeDecodeError):
            return None
        _, colon, password = decoded.partition(":")
        return password if colon and password else None
    return None


def user_of(scope: Scope) -> User | None:
    """The user a request was authenticated as (None on a server without accounts)."""
    state = scope.get("state") or {}
    user = state.get("user")
    return user if isinstance(user, User) else None


class ApiKeyAuth:
    """ASGI middleware: 401 unless the request carries a valid API key."""

    def __init__(self, app: ASGIApp, accounts: Accounts, open_paths: Iterable[str] = OPEN_PATHS,
                 cache_seconds: float = 5.0) -> None:
        self.app = app
        self.accounts = accounts
        self.open_paths = frozenset(open_paths)
        self.cache_seconds = cache_seconds
        self._cache: OrderedDict[bytes, tuple[float, KeyOwner | None]] = OrderedDict()

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["path"] in self.open_paths:
            await self.app(scope, receive, send)
            return
        key = key_of(Headers(scope=scope))
        if key is None:
            response = error_response(401, "unauthorized", "this server needs an API key: "
                                      "send 'Authorization: Bearer KEY' (`cairn login` stores "
                                      "one for the client)", _CHALLENGE)
            await response(scope, receive, send)
            return
        owner = await self.owner(key)
        if owner is None:
            response = error_response(401, "unauthorized", "the API key is not valid (wrong, "
                                      "revoked, or its user is disabled)", _CHALLENGE)
            await response(scope, receive, send)
            return
        scope.setdefault("state", {})["user"] = owner.user
        await self.app(scope, receive, send)

    async def owner(self, key: str) -> KeyOwner | None:
        digest = hashlib.sha256(key.encode("utf-8", "replace")).digest()
        now = time.monotonic()
        cached = self._cache.get(digest)
        if cached is not None and cached[0] > now:
            return cached[1]
        owner = await run_in_threadpool(self.accounts.authenticate, key)
        if owner is not None:
            wall = time.time()
            if owner.last_used_at is None or owner.last_used_at < wall - LAST_USED_RESOLUTION:
                await run_in_threadpool(self.accounts.touch, owner.key_prefix, wall)
                owner = replace(owner, last_used_at=wall)
        self._cache[digest] = (now + self.cache_seconds, owner)
        self._cache.move_to_end(digest)
        while len(self._cache) > _CACHE_ENTRIES:
            self._cache.popitem(last=False)
        return owner
