"""Authentication of the team server (``cairn server``): ASGI middleware that
``create_app`` gets in ``middleware`` (it runs inside ``guard.py``'s protections). It says
who the caller is; what they may do is ``access.py``'s, per route.

A caller is one of:

- a program with an API key, as wandb's clients send it: ``Authorization: Bearer KEY`` or
  HTTP basic auth with any user name and the key as the password (wandb sends
  ``api:KEY``). A browser asked with ``WWW-Authenticate: Basic`` shows its login box, so the
  API is reachable with a key from a browser too (the web app's own requests send
  ``X-Requested-With`` and get no challenge: the app has its login page). A key that is
  sent but not valid is a 401 at once;
- a person logged in (``POST /api/v1/login``, ``accounts_api.py``): the ``cairn_session``
  cookie (HttpOnly, SameSite=Strict, Secure over https). Every mutating request made with
  the cookie must also send the session's CSRF token in ``X-CSRF-Token`` (else 403), on top
  of ``guard.py``'s same-origin rules; an unknown or expired cookie counts as no cookie;
- nobody: the route's rule decides (most answer 401).

The local ``cairn ui`` on a folder never adds this middleware: it stays login-free.

Keys are checked against the store (``store/accounts.py``) and the answer is kept for
``cache_seconds`` (default 5 s): a revoked key stops working within that time, and a
client sending many batches costs one store lookup per key every few seconds, not one per
request. The caller is ``scope["state"]["caller"]`` (``access.Caller``), its user also
``scope["state"]["user"]``.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import time
from collections import OrderedDict
from dataclasses import replace

from starlette.concurrency import run_in_threadpool
from starlette.datastructures import Headers
from starlette.types import ASGIApp, Receive, Scope, Send

from cairn.server.access import ANONYMOUS, CHALLENGE, Caller
from cairn.server.errors import error_response
from cairn.server.guard import MUTATING
from cairn.store.accounts import LAST_USED_RESOLUTION, Accounts, KeyOwner, User, parse_key

SESSION_COOKIE = "cairn_session"
CSRF_HEADER = "x-csrf-token"
LOGIN_PATH = "/api/v1/login"
_CACHE_ENTRIES = 4096


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


class TooManyFailures(Exception):
    """Keys with this prefix failed too often lately: not checked now."""


class KeyChecks:
    """API keys checked against the store, each answer kept for ``cache_seconds``.

    A key's prefix is not secret, and each check of a well-formed key with a known prefix
    costs one scrypt: so after ``max_failures`` failed checks of one prefix within
    ``failure_window`` seconds, further keys with that prefix are refused unchecked (429)
    until the window passes. A valid key already checked keeps working from the cache.
    Password logins are limited the same way, per user name (``login:NAME``).

    The failures are counted in the store (``auth_failures``), not in this process: the
    server's workers and instances share one budget, so more workers give a guesser no
    more tries. Only failures of a user or key that exists are written (those are the ones
    that cost a scrypt), so made-up names cost the store no writes. Counting is one indexed
    read before each check that is not answered from the cache."""

    def __init__(self, accounts: Accounts, cache_seconds: float = 5.0,
                 max_failures: int = 20, failure_window: float = 60.0) -> None:
        self.accounts = accounts
        self.cache_seconds = cache_seconds
        self.max_failures = max_failures
        self.failure_window = failure_window
        self._cache: OrderedDict[bytes, tuple[float, KeyOwner | None]] = OrderedDict()

    def forget(self) -> None:
        """Drop every kept answer (a key was revoked through this server)."""
        self._cache.clear()

    def check_failures(self, what: str) -> None:
        """Raise ``TooManyFailures`` if ``what`` (a key prefix, or ``login:NAME`` for a
        user's password) failed ``max_failures`` times within the window, on any worker
        (store work: call it in a worker thread)."""
        since = time.time() - self.failure_window
        if self.accounts.recent_failures(what, since) >= self.max_failures:
            raise TooManyFailures(what)

    def failed(self, what: str) -> None:
        """Note one failed check of ``what`` (store work)."""
        self.accounts.note_failure(what, time.time(), self.failure_window)

    async def owner(self, key: str) -> KeyOwner | None:
        digest = hashlib.sha256(key.encode("utf-8", "replace")).digest()
        now = time.monotonic()
        cached = self._cache.get(digest)
        if cached is not None and cached[0] > now:
            return cached[1]
        prefix = parse_key(key)
        if prefix is not None:
            await run_in_threadpool(self.check_failures, prefix[0])
        owner = await run_in_threadpool(self.accounts.authenticate, key)
        if owner is None and prefix is not None:
            await run_in_threadpool(self.failed, prefix[0])
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


class Authenticate:
    """ASGI middleware: the caller of each request (module docstring)."""

    def __init__(self, app: ASGIApp, keys: KeyChecks) -> None:
        self.app = app
        self.keys = keys
        self.accounts = keys.accounts

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        headers = Headers(scope=scope)
        caller = ANONYMOUS
        if "authorization" in headers:
            key = key_of(headers)
            try:
                owner = await self.keys.owner(key) if key is not None else None
            except TooManyFailures as exc:
                response = error_response(429, "too_many_attempts", f"too many wrong keys "
                                          f"with prefix {exc}; try again in a minute")
                await response(scope, receive, send)
                return
            if owner is None:
                response = error_response(401, "unauthorized", "the API key is not valid "
                                          "(malformed, wrong, revoked, or its user is "
                                          "disabled)", CHALLENGE)
                await response(scope, receive, send)
                return
            caller = Caller(owner.user, key_prefix=owner.key_prefix)
        else:
            token = _cookie(headers, SESSION_COOKIE)
            session = (await run_in_threadpool(self.accounts.find_session, token)
                       if token else None)
            if session is not None:
                caller = Caller(session.user, session=session)
                if (scope["method"] in MUTATING and scope["path"] != LOGIN_PATH
                        and not hmac.compare_digest(
                            headers.get(CSRF_HEADER, "").encode("utf-8", "replace"),
                            session.csrf.encode())):
                    response = error_response(403, "forbidden", "a request made with a login "
                                              "session must send its CSRF token in "
                                              "X-CSRF-Token (GET /api/v1/me gives it)")
                    await response(scope, receive, send)
                    return
        state = scope.setdefault("state", {})
        state["caller"] = caller
        state["user"] = caller.user
        await self.app(scope, receive, send)


def _cookie(headers: Headers, name: str) -> str | None:
    for header in headers.getlist("cookie"):
        for part in header.split(";"):
            key, _, value = part.strip().partition("=")
            if key == name and value:
                return value
    return None
