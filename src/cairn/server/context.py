"""What every request handler shares, hung off the app (``app.state.cairn``), never a
module global: the settings, the stores, the options, and the signal to stop streaming.

It is also the one place where a request turns names from its path into a project or a
run (``find_project``, ``find_run``): on the team server they also refuse a project the
caller may not read (``access.require_read``; the route's rule has usually decided it
already, before the handler ran), answering as for a missing one.
"""

from __future__ import annotations

import functools
import threading
from collections import OrderedDict
from collections.abc import Callable, Hashable
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar

from starlette.requests import Request
from starlette.responses import Response

from cairn.records import RunRef
from cairn.server.access import read_undecided, require_read
from cairn.server.encoding import dumps
from cairn.server.errors import not_found
from cairn.server.limits import call_limited, chart_lane
from cairn.settings import Settings
from cairn.store.base import MetadataStore, ProjectRow, RunRow
from cairn.store.blobs import BlobStore

T = TypeVar("T")


@dataclass(frozen=True)
class ServerOptions:
    poll_interval: float = 0.5
    """Seconds between two looks at the store for an event stream."""
    keepalive_interval: float = 15.0
    """Seconds between keep-alive comments on an idle event stream."""
    ui_dir: Path | None = None
    """The built web app (default: the ``ui/dist`` folder inside the package)."""
    encoded_cache_bytes: int = 128 << 20
    """Memory for encoded chart data kept for the next identical request (``EncodedCache``):
    a run's whole range of 10 metrics in 800 buckets is 512 KB packed, so about 190 such
    runs fit in the part kept for answers asked for more than once."""
    allowed_hosts: tuple[str, ...] = ()
    """Host names (or addresses) answered besides loopback ones (``guard.py``)."""
    query_time_limit: float = 10.0
    """Seconds of store work one call of a request may take before it is stopped (a 503
    ``query_timeout``); it also stops when the client leaves (``limits.py``)."""
    chart_threads: int = 2
    """Worker threads chart reads share (``limits.chart_lane``)."""


class EncodedCache:
    """Encoded answers by key within a byte budget, kept the way a segmented LRU keeps
    them; safe to use from several worker threads.

    A new entry waits on probation (a quarter of the budget, least recently used first
    out); asked for again, it moves to the protected part (the rest), whose least recently
    used entries fall back to probation. Chart answers that are asked for once, a random
    zoom or a live run's last state, so never push out the ones viewers keep asking for
    (a finished run's whole range)."""

    PROBATION = 0.25

    def __init__(self, budget: int) -> None:
        self.budget = budget
        self._probation: OrderedDict[Hashable, bytes] = OrderedDict()
        self._protected: OrderedDict[Hashable, bytes] = OrderedDict()
        self._bytes = [0, 0]  # probation, protected
        self._lock = threading.Lock()

    @property
    def nbytes(self) -> int:
        return sum(self._bytes)

    def get(self, key: Hashable) -> bytes | None:
        with self._lock:
            found = self._protected.get(key)
            if found is not None:
                self._protected.move_to_end(key)
                return found
            found = self._probation.pop(key, None)
            if found is not None:
                self._bytes[0] -= len(found)
                self._protected[key] = found
                self._bytes[1] += len(found)
                self._trim()
            return found

    def put(self, key: Hashable, value: bytes) -> None:
        with self._lock:
            for part, at in ((self._probation, 0), (self._protected, 1)):
                old = part.pop(key, None)
                if old is not None:
                    self._bytes[at] -= len(old)
            if len(value) > self.budget * self.PROBATION:
                return
            self._probation[key] = value
            self._bytes[0] += len(value)
            self._trim()

    def _trim(self) -> None:
        while self._bytes[1] > self.budget * (1 - self.PROBATION):
            key, value = self._protected.popitem(last=False)
            self._bytes[1] -= len(value)
            self._probation[key] = value
            self._probation.move_to_end(key, last=False)  # the next out
            self._bytes[0] += len(value)
        while self._bytes[0] > self.budget - self._bytes[1]:
            _, value = self._probation.popitem(last=False)
            self._bytes[0] -= len(value)


class ServerContext:
    def __init__(self, settings: Settings, store: MetadataStore, blobs: BlobStore,
                 options: ServerOptions) -> None:
        self.settings = settings
        self.store = store
        self.blobs = blobs
        self.options = options
        self.stopping = threading.Event()
        """Set when the server shuts down: open event streams end."""
        self.encoded = EncodedCache(options.encoded_cache_bytes)
        """Encoded chart data of unchanged runs (``envelopes.py``)."""
        self.chart_lane = chart_lane(options.chart_threads)

    def stop(self) -> None:
        self.stopping.set()

    async def call(self, fn: Callable[..., T], *args: Any, **kwargs: Any) -> T:
        """Run store work in a worker thread, so that the store never blocks the event
        loop, within the time limit and only while the client waits (``limits.py``)."""
        return await call_limited(self.options.query_time_limit,
                                  functools.partial(fn, *args, **kwargs))

    async def call_chart(self, fn: Callable[..., T], *args: Any, **kwargs: Any) -> T:
        """``call`` in the chart reads' own threads (``limits.chart_lane``)."""
        return await call_limited(self.options.query_time_limit,
                                  functools.partial(fn, *args, **kwargs), self.chart_lane)

    async def respond(self, fn: Callable[..., Any], *args: Any, **kwargs: Any) -> Response:
        """``fn``'s answer as JSON (bytes it returns are JSON already), computed and
        encoded in a worker thread: a big answer takes milliseconds to encode, which must
        not stall the event loop either."""
        def work() -> bytes:
            answer = fn(*args, **kwargs)
            return answer if isinstance(answer, bytes) else dumps(answer)

        return Response(await self.call(work), media_type="application/json")

    def run_url(self, ref: RunRef) -> str:
        return f"{self.settings.ui_url.rstrip('/')}/{ref.entity}/{ref.project}/runs/{ref.run_id}"


def context(request: Request) -> ServerContext:
    ctx = request.app.state.cairn
    assert isinstance(ctx, ServerContext)
    return ctx


def ui_origin(request: Request) -> str:
    """Who made an edit through this server, for the store's audit trail."""
    return f"ui {request.client.host}" if request.client is not None else "ui"


async def find_project(request: Request) -> ProjectRow:
    """The project named by the path (``{entity}/{project}``), or 404."""
    ctx = context(request)
    entity, name = request.path_params["entity"], request.path_params["project"]
    if read_undecided(request.scope, entity, name):
        await ctx.call(require_read, request.scope, entity, name)
    row = await ctx.call(ctx.store.get_project, entity, name)
    if row is None:
        raise not_found(f"no project '{entity}/{name}'")
    return row


async def find_run(request: Request) -> RunRow:
    """The run named by the path (``{entity}/{project}/{run_id}``), or 404."""
    ctx = context(request)
    ref = RunRef(request.path_params["entity"], request.path_params["project"],
                 request.path_params["run_id"])
    if read_undecided(request.scope, ref.entity, ref.project):
        await ctx.call(require_read, request.scope, ref.entity, ref.project)
    row = await ctx.call(ctx.store.get_run, ref)
    if row is None:
        raise not_found(f"no run '{ref.path}'")
    return row
