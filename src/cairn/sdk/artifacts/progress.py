"""A progress bar on the terminal for large transfers (adding, logging, downloading)."""

from __future__ import annotations

import sys
import threading
import time

PROGRESS_BYTES = 64 << 20
"""Transfers at least this large show a progress bar (when stderr is a terminal)."""


class TransferProgress:
    """``name  42%  420/1000 MB  380 MB/s`` on stderr, redrawn at most 5 times a second."""

    def __init__(self, label: str, total: int, enabled: bool) -> None:
        self.label, self.total, self.enabled = label, total, enabled
        self.done = 0
        self._lock = threading.Lock()
        self._start = time.monotonic()
        self._drawn = 0.0

    def advance(self, size: int) -> None:
        with self._lock:
            self.done += size
            now = time.monotonic()
            if self.enabled and (now - self._drawn > 0.2 or self.done >= self.total):
                self._drawn = now
                rate = self.done / max(now - self._start, 1e-6) / 1e6
                share = 100 * self.done // max(self.total, 1)
                sys.stderr.write(f"\r{self.label}  {share:3d}%  {self.done / 1e6:,.0f}/"
                                 f"{self.total / 1e6:,.0f} MB  {rate:,.0f} MB/s")
                sys.stderr.flush()

    def close(self) -> None:
        if self.enabled:
            sys.stderr.write("\n")
            sys.stderr.flush()

    @classmethod
    def for_terminal(cls, label: str, total: int) -> TransferProgress:
        """Drawn only for a large transfer and when stderr is a terminal."""
        return cls(label, total, total >= PROGRESS_BYTES and sys.stderr.isatty())
