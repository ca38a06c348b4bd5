"""A time limit for the store work of one request, and the way to call it off.

The server runs each request's store calls in a worker thread inside ``Deadline.active()``;
the SQL stores look up the thread's deadline (``current()``) and stop a statement that
runs past it or whose client went away: SQLite from its progress handler and by
``interrupt()``, PostgreSQL by ``statement_timeout`` and a cancel request. The statement
then raises ``QueryTimeoutError``. Work outside any deadline (the SDK's sink, ``cairn
sync``, ``cairn.Api``) runs unbounded, as before.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager

_local = threading.local()


class Deadline:
    """Stop store work ``seconds`` from now, or at ``cancel()``, whichever comes first."""

    def __init__(self, seconds: float) -> None:
        self.seconds = seconds
        self.expires = time.monotonic() + seconds
        self.cancelled = False
        self._lock = threading.Lock()
        self._on_cancel: list[Callable[[], object]] = []

    def remaining(self) -> float:
        """Seconds left (0 once cancelled or expired)."""
        return 0.0 if self.cancelled else max(0.0, self.expires - time.monotonic())

    def over(self) -> bool:
        return self.cancelled or time.monotonic() >= self.expires

    def why(self) -> str:
        """Why work under it stops, for messages."""
        if self.cancelled:
            return "its client went away"
        return f"it ran past the limit of {self.seconds:g} s"

    def cancel(self) -> None:
        """Call the work off (the client went away); safe from any thread."""
        with self._lock:
            self.cancelled = True
            callbacks = list(self._on_cancel)
        for callback in callbacks:
            callback()

    @contextmanager
    def on_cancel(self, callback: Callable[[], object]) -> Iterator[None]:
        """While inside, ``cancel()`` also calls ``callback`` (to stop a running
        statement at once)."""
        with self._lock:
            self._on_cancel.append(callback)
            cancelled = self.cancelled
        if cancelled:
            callback()
        try:
            yield
        finally:
            with self._lock:
                self._on_cancel.remove(callback)

    @contextmanager
    def active(self) -> Iterator[Deadline]:
        """Store calls made by this thread inside are bounded by this deadline."""
        previous = getattr(_local, "deadline", None)
        _local.deadline = self
        try:
            yield self
        finally:
            _local.deadline = previous


def current() -> Deadline | None:
    """The deadline of this thread's store work, if any."""
    found: Deadline | None = getattr(_local, "deadline", None)
    return found
