"""``ProcessApplier``: apply a run's WAL to its store from a separate process.

Every run of a training process shares one applier process (``applier_process.py``),
started with the first run. The WAL file is the only thing the two share: the process
tails it, so nothing is copied through the pipe but short commands. If the process cannot
start or dies, the run falls back to a ``ThreadApplier``, which replays the WAL from the
start (replays are idempotent). The process is told the run's backend by URI
(``SinkTarget``) and opens it itself.

A finished run is handed off: ``finish()`` returns once its records are durable in the WAL,
and the process applies the rest in the background (``handoffs.py`` keeps the runs this
process handed off, so that its own reads wait for them).
"""

from __future__ import annotations

import contextlib
import itertools
import json
import os
import subprocess
import sys
import threading
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any

from cairn.settings import Settings
from cairn.sinks.base import Sink
from cairn.sinks.handoffs import Handoff, behind, hand_off
from cairn.sinks.tail import Report
from cairn.sinks.thread import ThreadApplier


@dataclass(frozen=True)
class SinkTarget:
    """Where a run's records go: the backend's URIs (for the applier process, which opens
    it itself) and how to open its sink here (when the run applies in this process)."""

    store_uri: str
    blobs_uri: str
    open_sink: Callable[[], Sink]


_ANSWER_GRACE = 0.5
"""Seconds to wait for an answer beyond the time the process was given to work."""


class ApplierProcess:
    """The child process and the thread that reads its answers and reports."""

    def __init__(self) -> None:
        import cairn

        package_parent = str(Path(cairn.__file__).resolve().parent.parent)
        env = dict(os.environ)
        env["PYTHONPATH"] = os.pathsep.join(p for p in (package_parent,
                                                        env.get("PYTHONPATH")) if p)
        self._proc = subprocess.Popen(
            [sys.executable, "-m", "cairn.sinks.applier_process"],
            stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True, bufsize=1, env=env,
            close_fds=True)
        assert self._proc.stdin is not None
        assert self._proc.stdout is not None
        self._stdin: IO[str] = self._proc.stdin
        self._lock = threading.Lock()
        self._ids = itertools.count(1)
        self._answers: dict[int, tuple[threading.Event, list[bool]]] = {}
        self._on_answer: dict[int, Callable[[bool], None]] = {}
        self._reports: dict[str, Report] = {}
        self._broken = False
        self.ready = threading.Event()
        """Set when the process has started and can apply (its imports are done)."""
        threading.Thread(target=self._read, args=(self._proc.stdout,),
                         name="cairn-applier-reader", daemon=True).start()

    @property
    def alive(self) -> bool:
        return not self._broken and self._proc.poll() is None

    def discard(self) -> None:
        """Let go of a process that stopped answering: end it and close its pipes."""
        self._broken = True
        if self._proc.poll() is None:
            self._proc.kill()
        with contextlib.suppress(subprocess.TimeoutExpired):
            self._proc.wait(timeout=5)
        for stream in (self._proc.stdin, self._proc.stdout):
            if stream is not None:
                with contextlib.suppress(OSError):
                    stream.close()

    def register(self, key: str, report: Report) -> None:
        self._reports[key] = report

    def unregister(self, key: str) -> None:
        """No more warnings for ``key``: its run has closed (one queued before can still
        come, from a ``watch`` the process handles after the run drained its WAL itself)."""
        self._reports.pop(key, None)

    def send(self, message: dict[str, Any]) -> bool:
        line = json.dumps(message) + "\n"
        with self._lock:
            if self._broken:
                return False
            try:
                self._stdin.write(line)
                self._stdin.flush()
            except (OSError, ValueError):
                self._broken = True
                return False
        return True

    def request(self, message: dict[str, Any], timeout: float) -> bool | None:
        """Send a command and wait for its answer: True/False, or None when the process
        did not answer (gone, or slower than ``timeout``)."""
        ident = next(self._ids)
        answer = self.ask(message, ident)
        try:
            if answer is None:
                return None
            answer[0].wait(timeout)
            return answer[1][0] if answer[1] else None
        finally:
            self._answers.pop(ident, None)

    def ask(self, message: dict[str, Any], ident: int | None = None,
            on_answer: Callable[[bool], None] | None = None,
            ) -> tuple[threading.Event, list[bool]] | None:
        """Send a command without waiting: the event is set when it is answered (the list
        then holds the answer, also given to ``on_answer`` first) or the process is gone
        (the list stays empty); None if it could not be sent."""
        ident = next(self._ids) if ident is None else ident
        answer: tuple[threading.Event, list[bool]] = (threading.Event(), [])
        self._answers[ident] = answer
        if on_answer is not None:
            self._on_answer[ident] = on_answer
        if not self.send({**message, "id": ident}):
            self._answers.pop(ident, None)
            return None
        return answer

    def _read(self, stream: IO[str]) -> None:
        try:
            for line in stream:
                self._dispatch(line)
        except (OSError, ValueError):  # the pipe was closed by discard()
            pass
        self._broken = True
        for done, _ in list(self._answers.values()):
            done.set()

    def _dispatch(self, line: str) -> None:
        try:
            message = json.loads(line)
        except ValueError:
            return
        if "id" in message:
            ident = int(message["id"])
            waiting = self._answers.pop(ident, None)
            then = self._on_answer.pop(ident, None)
            if then is not None:
                then(bool(message.get("ok")))
            if waiting is not None:
                waiting[1].append(bool(message.get("ok")))
                waiting[0].set()
        elif message.get("event") == "ready":
            self.ready.set()
        elif message.get("event") == "warn":
            report = self._reports.get(str(message.get("key")))
            if report is not None:
                report(str(message.get("topic")), str(message.get("message")))


_shared: ApplierProcess | None = None
_shared_lock = threading.Lock()
_inherited: list[ApplierProcess] = []
"""In a forked child: the parent's applier process, never touched here (its pipes and
their locks belong to the parent's threads), only kept from being closed by the GC."""


def _forget_in_child() -> None:
    global _shared, _shared_lock
    if _shared is not None:
        _inherited.append(_shared)
    _shared = None
    _shared_lock = threading.Lock()


os.register_at_fork(after_in_child=_forget_in_child)


def shared_process() -> ApplierProcess | None:
    """This training process's applier process, started on first use (None if it
    cannot be started)."""
    global _shared
    with _shared_lock:
        if _shared is None or not _shared.alive:
            if _shared is not None:
                _shared.discard()
            try:
                _shared = ApplierProcess()
            except OSError:
                _shared = None
        return _shared


class ProcessApplier:
    """One run's handle on the applier process, with the same calls as ThreadApplier."""

    def __init__(self, wal_path: Path, settings: Settings, report: Report,
                 fallback: Callable[[], ThreadApplier], target: SinkTarget) -> None:
        self._settings = settings
        self._wal_path = wal_path
        self._report = report
        self._make_fallback = fallback
        self._fallback: ThreadApplier | None = None
        self._target = target
        self._key = f"{os.getpid()}:{wal_path}"
        self._process = shared_process()
        watching = False
        if self._process is not None:
            self._process.register(self._key, report)
            watching = self._process.send({
                "op": "watch", "key": self._key, "wal": str(wal_path),
                "root": str(settings.root), "store": target.store_uri,
                "blobs": target.blobs_uri, "interval": settings.apply_interval,
                "heartbeat_timeout": settings.heartbeat_timeout,
                "busy_timeout": settings.store_busy_timeout,
                "retention": settings.wal_retention,
                "api_key": settings.api_key})
        if not watching:
            self._fallback = fallback()

    def notice_wal_size(self, size: int) -> None:
        if self._fallback is not None:
            self._fallback.notice_wal_size(size)

    def _ask(self, message: dict[str, Any], work_time: float) -> bool | None:
        if self._fallback is not None or self._process is None:
            return None
        answer = self._process.request({**message, "key": self._key},
                                       work_time + _ANSWER_GRACE)
        if answer is None and not self._process.alive:
            self._fallback = self._make_fallback()
        return answer

    def apply_pending(self) -> bool:
        """Apply what the WAL holds now; False if the store did not take it."""
        answer = self._ask({"op": "flush"}, self._settings.finish_timeout)
        if self._fallback is not None:
            return self._fallback.apply_pending()
        return bool(answer)

    def close(self, timeout: float) -> bool:
        """Hand the rest of the WAL (already durable: the writer has closed it) to the
        process, which applies it in the background; ``wait_for_handoffs`` waits for it.
        Without a live process, apply it here. True if handed off, or all reached the
        store in time."""
        process = self._process
        if self._fallback is None and process is not None:
            answer = process.ask({"op": "finish", "key": self._key, "timeout": timeout},
                                 on_answer=self._answered)
            if answer is not None:
                hand_off(self._key, Handoff(
                    self._wal_path, self._target.open_sink, self._settings.apply_interval,
                    self._report, timeout, process, *answer))
                return True
            self._fallback = self._make_fallback()
        assert self._fallback is not None
        return self._fallback.close(timeout)

    def _answered(self, applied: bool) -> None:
        if not applied:
            self._report("store-behind", behind(self._wal_path))
