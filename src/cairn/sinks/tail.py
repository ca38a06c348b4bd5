"""``WalTail``: follow one WAL file and apply its new records to a sink.

The core of both appliers: the thread in the training process (``sinks/thread.py``) and
the applier process (``sinks/applier_process.py``). It keeps the reader's offset where the
sink last succeeded, so a failing store loses nothing: the next call starts from there.
A server that refuses the run's records (a 4xx: a revoked key, a run of another entity)
would refuse them again: the tail stops there, says so once, and leaves the rest of the
WAL for ``cairn sync --to URL``.
"""

from __future__ import annotations

import os
import random
import time
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

from cairn.errors import (
    ServerRefusedError,
    ServerUnavailableError,
    StoreLockedError,
    WalError,
)
from cairn.records import Record
from cairn.sinks.base import Sink
from cairn.wal.reader import WalReader

if TYPE_CHECKING:
    from cairn.wal.compact import Compaction

Report = Callable[[str, str], None]
"""``report(topic, message)``: a problem to tell the user about once."""

EAGER_APPLY_BYTES = 2 << 20
"""Unapplied WAL bytes (about 130,000 points) that make an applier apply before its
interval, so that under heavy logging ``finish()`` has little left to do."""


_MAX_BACKOFF = 30.0
"""Seconds between tries at most, after repeated failures."""
_SERVER_BACKOFF = 10.0
"""The same for a server that is away: it is back within 10 s of returning."""
RETRIED = (StoreLockedError, ServerUnavailableError)
"""Failures that ``drain`` (a finished run's last applications) waits out until its
deadline."""


class WalTail:
    def __init__(self, wal_path: Path, open_sink: Callable[[], Sink], interval: float,
                 report: Report, start_offset: int = 0, retention: str = "keep",
                 store_name: str | None = None) -> None:
        self.path = wal_path
        self.reader = WalReader(wal_path, offset=start_offset,
                                on_damage=lambda message: report("wal-damaged", message))
        self._open_sink = open_sink
        self._sink: Sink | None = None
        self._interval = interval
        self._report = report
        self._failures = 0
        self._next_try = 0.0
        self._last_apply = 0.0
        self.last_error: Exception | None = None
        self.refused: ServerRefusedError | None = None
        """Set when a server refused the records: nothing more is sent."""
        self.acknowledged = start_offset
        """Where the sink's last success left the reader: every record before it has been
        applied (online: acknowledged by the server)."""
        self._from_start = start_offset == 0
        self._retention = retention
        self._store_name = store_name

    @property
    def healthy(self) -> bool:
        return self.last_error is None

    def pending_bytes(self) -> int:
        try:
            return os.stat(self.path).st_size - self.reader.offset
        except OSError:
            return 0

    def backing_off(self, now: float) -> bool:
        """True while waiting before the next try after a failure."""
        return now < self._next_try

    def due(self, now: float) -> bool:
        """Time to apply: the interval has passed (or much is waiting), and not backing off
        after a failure; never once a server refused the run."""
        if self.refused is not None or self.backing_off(now):
            return False
        if now - self._last_apply >= self._interval:
            return True
        return self.pending_bytes() >= EAGER_APPLY_BYTES

    def apply_pending(self) -> bool:
        """Apply every complete record now in the WAL; False if the sink failed (or a
        server refused the run before)."""
        self._last_apply = time.monotonic()
        if self.refused is not None:
            return False
        try:
            if self._sink is None:
                self._sink = self._open_sink()
            while True:
                offset = self.reader.offset
                records = self.reader.read(max_records=256)
                if not records:
                    break
                try:
                    self._put_blobs(self._sink, records)
                    self._sink.apply_records(records)
                except BaseException:
                    self.reader.offset = offset
                    raise
        except Exception as exc:
            self._failed(exc)
            return False
        self.acknowledged = self.reader.offset
        self._failures = 0
        self.last_error = None
        return True

    def _put_blobs(self, sink: Sink, records: list[Record]) -> None:
        """Blobs the records name reach the sink before the records do."""
        from cairn.store.blobs import LocalBlobStore, record_blobs

        digests = record_blobs(r.body for r in records)
        if not digests:
            return
        missing = sink.put_blobs(digests, LocalBlobStore(self.path.parent / "blobs"))
        if missing:
            self._report("blobs-missing", f"cairn: {len(missing)} blob(s) referenced by "
                         f"{self.path} are in neither the store nor the run folder (first: "
                         f"{missing[0][:12]}…); the records are applied, their files are "
                         "gone")

    def _failed(self, exc: Exception) -> None:
        self._failures += 1
        self.last_error = exc
        # Jitter, so that many clients of one server that came back do not retry in step.
        cap = _SERVER_BACKOFF if isinstance(exc, ServerUnavailableError) else _MAX_BACKOFF
        delay = min(cap, self._interval * 2 ** min(self._failures, 16))
        self._next_try = time.monotonic() + delay * (0.5 + random.random() / 2)
        if isinstance(exc, ServerRefusedError):
            self.refused = exc
            self._report("server-refused", f"cairn: {exc}. This run's upload stops here; "
                         f"its data is safe in its WAL {self.path}: send it later with "
                         f"`cairn sync {self.path.parent} --to {exc.base_url}`")
            return
        if isinstance(exc, WalError):
            self._report("wal-read", f"cairn: cannot read the run's WAL ({exc}); its records "
                         "do not reach the store")
            return
        if isinstance(exc, ServerUnavailableError):
            self._report("server", f"cairn: {exc}; training goes on, the run's data is "
                         "safe in its WAL and is uploaded when the server is back (or run "
                         "`cairn sync`)")
            return
        topic = "store-locked" if isinstance(exc, StoreLockedError) else "store"
        self._report(topic, f"cairn: cannot write to the store ({exc}); the run's data is "
                     "safe in its WAL and will be applied when the store is back "
                     "(or run `cairn sync`)")

    def drain(self, deadline: float) -> bool:
        """The last applications: a locked store or an unreachable server is retried until
        ``deadline``; any other failure is not waited for. Closes the sink; True if
        everything was applied."""
        try:
            done = self.apply_pending()
            while (not done and isinstance(self.last_error, RETRIED)
                   and time.monotonic() < deadline):
                time.sleep(min(0.2, max(0.0, deadline - time.monotonic())))
                done = self.apply_pending()
            return done
        finally:
            self.close_sink()

    def compact(self) -> Compaction | None:
        """After a ``drain`` that applied everything: compact (or delete) the finished WAL
        under the ``wal_retention`` setting (``wal/compact.py``), when this tail applied
        the whole file from its start without damage. Never raises: a failing disk is
        reported once and the file stays whole."""
        if (self._retention == "keep" or not self._from_start or self.last_error is not None
                or self.reader.skipped_frames or self.reader.torn):
            return None
        from cairn.wal.compact import compact_wal

        try:
            return compact_wal(self.path, self._retention, expected_size=self.acknowledged,
                               store=self._store_name)
        except OSError as exc:
            self._report("wal-compact", f"cairn: cannot compact the run's WAL {self.path} "
                         f"({exc}); it stays whole")
            return None

    def close_sink(self) -> None:
        if self._sink is not None:
            try:
                self._sink.close()
            except Exception as exc:
                self._report("sink-close", f"cairn: closing the store failed: {exc}")
            self._sink = None
