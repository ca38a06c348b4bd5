"""``ThreadApplier``: apply a run's WAL to its sink from a thread of the training process.

The fallback when the applier process cannot run (``applier = "thread"`` asks for it).
Under a CPU-bound training loop the thread competes for the interpreter lock, so live
updates and ``finish()`` are slower than with the process.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from pathlib import Path

from cairn.sinks.base import Sink
from cairn.sinks.tail import EAGER_APPLY_BYTES, Report, WalTail


class ThreadApplier:
    """``close(timeout)`` has the thread make its last applications, retrying a locked store
    until the timeout, and returns by the timeout even if the store is still blocking: the
    data is in the WAL either way, and the thread closes the sink when it is done."""

    def __init__(self, wal_path: Path, open_sink: Callable[[], Sink], interval: float,
                 report: Report, start_offset: int = 0, retention: str = "keep",
                 store_name: str | None = None) -> None:
        self.tail = WalTail(wal_path, open_sink, interval, report, start_offset, retention,
                            store_name)
        self._interval = interval
        self._wake = threading.Event()
        self._stopping = False
        self._deadline = 0.0
        self.synced = False
        """Set when the thread has stopped: everything in the WAL reached the sink."""
        self.compaction: threading.Thread | None = None
        """Compacts the WAL after the last application (``wal_retention``)."""
        self._lock = threading.Lock()
        self._thread = threading.Thread(target=self._loop, name="cairn-applier", daemon=True)
        self._thread.start()

    @property
    def healthy(self) -> bool:
        return self.tail.healthy

    def notice_wal_size(self, size: int) -> None:
        if size - self.tail.reader.offset >= EAGER_APPLY_BYTES:
            self._wake.set()

    def _loop(self) -> None:
        # Open the store (and import what it needs) now, not at the first interval or at
        # finish(): the run's start record reaches the store at once.
        self._apply_safely()
        while not self._stopping:
            self._wake.wait(self._interval)
            self._wake.clear()
            if not self._stopping and not self.tail.backing_off(time.monotonic()):
                self._apply_safely()
        with self._lock:
            self.synced = self.tail.drain(self._deadline)
        if self.synced:
            # Beside finish(), not in its way; a kill meanwhile leaves the file whole.
            self.compaction = threading.Thread(target=self.tail.compact,
                                               name="cairn-wal-compact", daemon=True)
            self.compaction.start()

    def _apply_safely(self) -> bool:
        try:
            return self.apply_pending()
        except Exception:  # a warning turned error in the training thread, or a bug
            return False

    def apply_pending(self) -> bool:
        """Apply every complete record now in the WAL; False if the sink failed."""
        with self._lock:
            return self.tail.apply_pending()

    def close(self, timeout: float) -> bool:
        """Stop, applying what is left; True if everything reached the store in time."""
        self._deadline = time.monotonic() + timeout
        self._stopping = True
        self._wake.set()
        if self._thread.is_alive():
            # The grace covers the sink's close after a last successful application.
            self._thread.join(timeout + 1.0)
        elif not self.synced:
            with self._lock:
                self.synced = self.tail.drain(self._deadline)
        return self.synced and not self._thread.is_alive()

    def join(self, timeout: float | None = None) -> None:
        """Wait for the thread's last applications to end (for tests and tools)."""
        self._thread.join(timeout)
