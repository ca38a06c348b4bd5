"""Server-Sent Events: what changes in a project, pushed to open pages (docs/api.md).

Each stream has a ``ProjectWatch``: every ``poll_interval`` it asks the store (in a worker
thread) for the project's runs changed since its last look (every applied batch stamps
the runs it touches with ``updated_at``), sends a ``run`` event for each, and for the runs
and keys the page follows, a ``points`` event with only the points logged since the last
one (``reset`` past ``MAX_POINTS``). Runs shown as running are looked at again on each
poll, since one that dies is only *read* as crashed (no write marks it). A comment line
keeps an idle connection open.

The stream ends when the client goes away or the server stops (``ServerContext.stopping``),
and on the team server when its caller may no longer read the project: it is authorised
when it connects, and every ``RECHECK`` seconds after (``access.still_reads``: the key
revoked, the login session ended, the user disabled, the project made private or the
caller's role taken away). The browser's reconnection is then refused as any request is.
"""

from __future__ import annotations

import time
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass
from typing import Any

import anyio
import numpy as np
from starlette.requests import Request
from starlette.responses import Response, StreamingResponse
from starlette.routing import Route

from cairn.server.access import still_reads
from cairn.server.context import ServerContext, context, find_project
from cairn.server.encoding import dumps
from cairn.server.params import query_float, query_list
from cairn.store.base import MetadataStore, RunRow
from cairn.store.codec import Float64s, Int64s

MAX_POINTS = 10_000
MAX_RUNS = 200
MAX_KEYS = 50
X_KEYS = ("_runtime", "_timestamp")
SLACK = 2.0
"""Seconds before the last change seen that each look starts at: a batch stamped a moment
before another may commit after it (another process, another clock)."""
_TICK = 0.1
RECHECK = 2.0
"""Seconds between two checks that a stream's caller may still read its project."""


@dataclass(frozen=True)
class Event:
    name: str
    data: Any

    def encode(self) -> bytes:
        return b"event: " + self.name.encode() + b"\ndata: " + dumps(self.data) + b"\n\n"


def run_event(row: RunRow) -> Event:
    return Event("run", {
        "id": row.ref.run_id, "state": row.state, "last_step": row.last_step,
        "updated_at": row.updated_at, "summary": row.summary, "name": row.name,
        "notes": row.notes, "tags": row.tags, "finished_at": row.finished_at,
        "exit_code": row.exit_code})


def values_at(steps: Int64s, at: Int64s, values: Float64s) -> Float64s:
    """``values`` (at ``steps``) at the steps ``at``; NaN where there is none."""
    out = np.full(at.size, np.nan)
    if steps.size:
        i = np.minimum(np.searchsorted(steps, at), steps.size - 1)
        found = steps[i] == at
        out[found] = values[i[found]]
    return out


def _not_ahead(at: float) -> float:
    """A change time, but never later than now: a writer whose clock runs ahead must not
    make the changes of the others look old."""
    return min(at, time.time())


class ProjectWatch:
    """One stream's view of a project: which changes it has sent. Its methods do store
    reads, so they run in a worker thread."""

    def __init__(self, store: MetadataStore, entity: str, project: str,
                 follow: list[str], keys: list[str]) -> None:
        self.store = store
        self.entity = entity
        self.project = project
        self.follow = set(follow)
        self.keys = keys
        self.cursor = 0.0
        self.seen: dict[int, float] = {}
        """``updated_at`` sent for each run changed within SLACK of the cursor."""
        self.running: set[int] = set()
        self.sent_step: dict[tuple[str, str], int] = {}

    def start(self, since: float | None, last_activity: float) -> None:
        """From now on (or from ``since``, unix seconds), changes are sent."""
        self.cursor = _not_ahead(last_activity if since is None else since)
        for row in self.store.runs_updated_since(self.entity, self.project,
                                                 self.cursor - SLACK):
            if row.updated_at <= self.cursor:
                self.seen[row.pk] = row.updated_at
        running = self.store.query_runs(self.entity, self.project, {"state": "running"})
        self.running = {r.pk for r in running}
        found = self.store.run_versions(self.entity, self.project, sorted(self.follow))
        for run_id, run in found.items():
            for info in self.store.numeric_series(run.pk, self.keys):
                self.sent_step[(run_id, info.key)] = info.last_step

    def poll(self) -> list[Event]:
        rows = self.store.runs_updated_since(self.entity, self.project, self.cursor - SLACK)
        changed = [r for r in rows if self.seen.get(r.pk) != r.updated_at]
        if rows:
            self.cursor = max(self.cursor, _not_ahead(max(r.updated_at for r in rows)))
        self.seen = {pk: at for pk, at in self.seen.items() if at > self.cursor - SLACK}
        events: list[Event] = []
        for row in changed:
            self.seen[row.pk] = row.updated_at
            events.append(run_event(row))
            if row.ref.run_id in self.follow:
                events += self.points(row)
        events += self.state_changes({r.pk for r in changed})
        for row in changed:
            (self.running.add if row.state == "running" else self.running.discard)(row.pk)
        return events

    def state_changes(self, changed: set[int]) -> list[Event]:
        """Runs shown running that now read otherwise (their process died)."""
        watch = sorted(self.running - changed)
        if not watch:
            return []
        events = []
        for row in self.store.runs_by_pk(watch):
            if row.state != "running":
                self.running.discard(row.pk)
                events.append(run_event(row))
        return events

    def points(self, row: RunRow) -> list[Event]:
        events = []
        for key in self.keys:
            last = self.sent_step.get((row.ref.run_id, key), -1)
            steps, values, _ = self.store.read_series(row.pk, key, min_step=last + 1)
            if steps.size == 0:
                continue
            self.sent_step[(row.ref.run_id, key)] = int(steps[-1])
            if steps.size > MAX_POINTS:
                events.append(Event("reset", {"run": row.ref.run_id, "key": key}))
                continue
            x = {}
            for x_key in X_KEYS:
                x_steps, x_values, _ = self.store.read_series(row.pk, x_key, int(steps[0]),
                                                              int(steps[-1]))
                x[x_key] = values_at(x_steps, steps, x_values)
            events.append(Event("points", {"run": row.ref.run_id, "key": key,
                                           "steps": steps, "values": values, "x": x}))
        return events


async def _pause(ctx: ServerContext, request: Request, seconds: float) -> bool:
    """Wait ``seconds``; True as soon as the stream should end instead."""
    deadline = time.monotonic() + seconds
    while True:
        if ctx.stopping.is_set() or await request.is_disconnected():
            return True
        left = deadline - time.monotonic()
        if left <= 0:
            return False
        await anyio.sleep(min(_TICK, left))


async def event_stream(ctx: ServerContext, request: Request, watch: ProjectWatch,
                       allowed: Callable[[], bool] | None = None) -> AsyncIterator[bytes]:
    """The stream's bytes; ``allowed`` (store work) is asked every ``RECHECK`` seconds
    whether the caller may still read the project, and the stream ends when not."""
    yield b": cairn events\nretry: 2000\n\n"
    quiet_since = checked = time.monotonic()
    while not await _pause(ctx, request, ctx.options.poll_interval):
        if allowed is not None and time.monotonic() - checked >= RECHECK:
            if not await ctx.call(allowed):
                return
            checked = time.monotonic()
        events = await ctx.call(watch.poll)
        for event in events:
            yield event.encode()
        now = time.monotonic()
        if events:
            quiet_since = now
        elif now - quiet_since >= ctx.options.keepalive_interval:
            yield b": keep-alive\n\n"
            quiet_since = now


async def project_events(request: Request) -> Response:
    ctx = context(request)
    follow = query_list(request, "runs", MAX_RUNS)
    keys = query_list(request, "keys", MAX_KEYS)
    since = query_float(request, "since")
    project = await find_project(request)
    watch = ProjectWatch(ctx.store, project.entity, project.name, follow, keys)
    await ctx.call(watch.start, since, project.last_activity)
    allowed = still_reads(request.scope, project.entity, project.name)
    return StreamingResponse(event_stream(ctx, request, watch, allowed),
                             media_type="text/event-stream",
                             headers={"Cache-Control": "no-cache", "X-Accel-Buffering": "no"})


ROUTES = [Route("/projects/{entity}/{project}/events", project_events, methods=["GET"])]
