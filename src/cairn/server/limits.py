"""Bounding the store work of each request: a time limit, and an end when the client
leaves.

``ClientWatch`` is middleware that notes, for each HTTP request, how to hear that its
client went away. ``ServerContext.call`` runs store work in a worker thread under a
``Deadline`` (``store/deadline.py``) of ``ServerOptions.query_time_limit`` seconds and
cancels that deadline when the client disconnects, so a slow read stops instead of going
on for nobody while other requests wait for a worker.
"""

from __future__ import annotations

from collections.abc import Callable
from contextvars import ContextVar
from typing import TypeVar

import anyio
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from cairn.store.deadline import Deadline

T = TypeVar("T")

_BODILESS = frozenset({"GET", "HEAD"})


class _Client:
    """The receive channel of one request, shared by the app and the disconnect
    watch; messages the watch reads that the app still needs are kept for it."""

    def __init__(self, scope: Scope, receive: Receive) -> None:
        self._receive = receive
        self._kept: list[Message] = []
        self.body_read = scope.get("method") in _BODILESS
        self.gone = False

    def _note(self, message: Message) -> None:
        if message["type"] == "http.disconnect":
            self.gone = True
        elif message["type"] == "http.request" and not message.get("more_body", False):
            self.body_read = True

    async def receive(self) -> Message:
        if self._kept:
            return self._kept.pop(0)
        message = await self._receive()
        self._note(message)
        return message

    async def wait_gone(self) -> None:
        """Return once the client has disconnected. Reads no body the app has not read
        (until then it waits for the work to end instead)."""
        while not self.gone:
            if not self.body_read:
                await anyio.sleep_forever()
            message = await self._receive()
            self._note(message)
            if message["type"] != "http.disconnect":
                self._kept.append(message)


_current: ContextVar[_Client | None] = ContextVar("cairn_client", default=None)


class ClientWatch:
    """ASGI middleware: makes the request's client known to ``call_limited``."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        client = _Client(scope, receive)
        token = _current.set(client)
        try:
            await self.app(scope, client.receive, send)
        finally:
            _current.reset(token)


def chart_lane(threads: int) -> anyio.CapacityLimiter:
    """The worker threads chart reads (envelopes, history pages) share. Chart reads are
    the expensive requests; in the common pool, a dozen of them at once would leave the
    runs table and the event streams' polls waiting for a worker and then sharing the
    interpreter with all of them. In their own lane of a few threads, they queue among
    themselves, and cheap reads pass."""
    return anyio.CapacityLimiter(threads)


async def call_limited(seconds: float, fn: Callable[[], T],
                       lane: anyio.CapacityLimiter | None = None) -> T:
    """``fn()`` in a worker thread (of ``lane``, else the common pool), its store work
    bounded to ``seconds`` and stopped when the client of the current request disconnects.
    Time spent waiting for a thread of ``lane`` counts against ``seconds``."""
    limit = Deadline(seconds)

    def work() -> T:
        with limit.active():
            return fn()

    async def in_thread() -> T:
        return await anyio.to_thread.run_sync(work, limiter=lane)

    client = _current.get()
    if client is None:
        return await in_thread()
    result: list[T] = []
    failed: list[Exception] = []
    async with anyio.create_task_group() as group:
        async def cancel_when_gone() -> None:
            await client.wait_gone()
            limit.cancel()

        group.start_soon(cancel_when_gone)
        try:
            result.append(await in_thread())
        except Exception as exc:  # raised below as itself, not inside an ExceptionGroup
            failed.append(exc)
        finally:
            group.cancel_scope.cancel()
    if failed:
        raise failed[0]
    return result[0]
