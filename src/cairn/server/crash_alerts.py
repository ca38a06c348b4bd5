"""Alerts for crashed runs. A run that crashes (``kill -9``, power loss) cannot say so, so
the server says it for the run: with ``"crashed"`` in the ``alert_on`` setting of
``cairn ui`` (or the team server), a background task looks every ``CHECK_INTERVAL``
seconds for runs that read as crashed (``store/base.py effective_state``), records one
``alert`` per run and sends it to the server's notifiers.

Each crash alert is an ``alert`` record of the session ``crash-watch-<the run's session>``
with sequence number 1, so the store applies it once per crashed session however often it
is seen (and across server restarts), and a resumed run that crashes again alerts again;
it is delivered only when this watcher applied it. A session already alerted is known in
memory, or read from the store (``applied_seq``) before anything is written; runs whose
last heartbeat is older than the watcher's start minus ``heartbeat_timeout`` crashed
before it watched: they are history, not news, and get no alert.
"""

from __future__ import annotations

import asyncio
import contextlib
import functools
import os
import threading
import time
from typing import Any

from cairn.limits import ALERT_KEY_CHARS, ALERT_TITLE_CHARS
from cairn.records import Record, RunRef, alert_body
from cairn.settings import Settings
from cairn.store.base import MetadataStore, RunRow

CHECK_INTERVAL = 15.0
CRASH_SESSION = "crash-watch"
MAX_RUNS = 500
"""Crashed runs looked at per check (the newest)."""


class CrashAlerts:
    def __init__(self, settings: Settings, store: MetadataStore,
                 started: float | None = None) -> None:
        self._settings = settings
        self._store = store
        self._session = f"crash-delivery-{os.urandom(6).hex()}"
        self._seq = 0
        self._lock = threading.Lock()
        started = time.time() if started is None else started
        self._news_since = started - settings.heartbeat_timeout
        self._seen: set[tuple[RunRef, str]] = set()

    def check(self) -> list[RunRef]:
        """Record (and send) an alert for each newly crashed run; returns those runs."""
        rows = self._store.query_runs(None, None, {"state": "crashed"}, limit=MAX_RUNS)
        alerted = []
        for row in rows:
            if row.heartbeat_at < self._news_since:
                continue  # crashed before the watcher started
            session = crash_session(row)
            if (row.ref, session) in self._seen:
                continue
            self._seen.add((row.ref, session))
            if self._store.applied_seq(row.ref, session):
                continue  # alerted before (an earlier server): read, not rewritten
            # one alert per session
            key = f"crashed{session[len(CRASH_SESSION):]}"[:ALERT_KEY_CHARS]
            title = f"Run crashed: {row.name or row.ref.run_id}"[:ALERT_TITLE_CHARS]
            body = alert_body(key, title,
                              f"Run {row.ref.path} stopped without finishing (no process or "
                              "heartbeat any more).", "ERROR", 0)
            result = self._store.apply_records([Record(row.ref, session, 1, "alert", body)])
            if result.applied:
                alerted.append(row.ref)
                self._deliver(row, body)
        return alerted

    def _deliver(self, row: RunRow, body: dict[str, Any]) -> None:
        from cairn.notifiers import DeliveryWorker, build_notifiers

        s = self._settings
        info = {"path": row.ref.path, "name": row.name, "id": row.ref.run_id,
                "entity": row.ref.entity, "project": row.ref.project,
                "url": f"{s.ui_url.rstrip('/')}/{row.ref.entity}/{row.ref.project}/runs/"
                       f"{row.ref.run_id}"}
        for notifier in build_notifiers(s.notifiers, s.alert_timeout):
            worker = DeliveryWorker(notifier, info, functools.partial(self._record, row.ref),
                                    s.alert_retries + 1, s.alert_backoff)
            worker.submit(body)
            worker.stop_when_done()  # a thread of its own: the check waits for nobody

    def _record(self, ref: RunRef, outcome: dict[str, Any]) -> None:
        with self._lock:
            self._seq += 1
            seq = self._seq
        with contextlib.suppress(Exception):  # a store busy now: the outcome is only shown
            self._store.apply_records([Record(ref, self._session, seq, "alert_delivery",
                                              outcome)])


def crash_session(row: RunRow) -> str:
    """The session of the crash alert: one per session of the run that crashed."""
    run_session = row.meta.get("session")
    return f"{CRASH_SESSION}-{run_session}" if isinstance(run_session, str) else CRASH_SESSION


async def watch(crash_alerts: CrashAlerts, stopping: threading.Event,
                interval: float = CHECK_INTERVAL) -> None:
    """Check until the server stops (store errors are retried at the next check)."""
    from starlette.concurrency import run_in_threadpool

    while not stopping.is_set():
        with contextlib.suppress(Exception):
            await run_in_threadpool(crash_alerts.check)
        await asyncio.sleep(interval)


def start(settings: Settings, store: MetadataStore,
          stopping: threading.Event) -> asyncio.Task[None] | None:
    """The watch task, when ``alert_on`` asks for crash alerts; else None."""
    if "crashed" not in settings.alert_on:
        return None
    return asyncio.get_running_loop().create_task(watch(CrashAlerts(settings, store),
                                                        stopping))
