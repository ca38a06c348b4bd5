"""The background machinery of a run: the WAL writer thread and the store applier thread.

    log() ──rows──▶ RunWriter ──frames──▶ run WAL ──records──▶ StoreApplier ──▶ sink

The writer drains what the hot path buffered, turns rows into columnar history records,
appends them to the WAL (one write per cycle) and keeps the in-process summary. The applier
tails the WAL and applies new records to the sink, so a slow or locked store never holds up
the WAL, and whatever the store has not taken stays in the WAL for ``cairn sync``. Neither
thread ever raises into training: a failure is reported once as a warning.
"""

from __future__ import annotations

import os
import threading
import time
import warnings
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

from cairn.aggregates import SummaryState
from cairn.errors import StoreLockedError
from cairn.records import RunRef
from cairn.sdk.batch import Row, StepSync, build_batch
from cairn.wal.reader import WalReader
from cairn.wal.writer import WalWriter

if TYPE_CHECKING:
    from cairn.sinks.base import Sink


class CairnWarning(UserWarning):
    """A problem in cairn's background machinery; the run's data is kept."""


class Op:
    """A non-history record queued in order with the rows."""

    __slots__ = ("body", "kind")

    def __init__(self, kind: str, body: dict[str, Any]) -> None:
        self.kind = kind
        self.body = body


class WarnOnce:
    def __init__(self) -> None:
        self._seen: set[str] = set()

    def __call__(self, topic: str, message: str) -> None:
        if topic not in self._seen:
            self._seen.add(topic)
            warnings.warn(message, CairnWarning, stacklevel=2)


class RunWriter:
    """Owns the WAL of one session. ``buffer`` is filled by the hot path under ``lock``."""

    def __init__(self, wal_path: Path, run: RunRef, session: str, start_time: float,
                 runtime_offset: float, summary: SummaryState, max_rows: int,
                 interval: float, heartbeat_interval: float, warn: WarnOnce) -> None:
        self.wal = WalWriter(wal_path, run, session)
        self.lock = threading.Lock()
        self.buffer: list[Row | Op] = []
        self.max_rows = max_rows
        self.summary = summary
        self.step_sync = StepSync()
        self._start_time = start_time
        self._runtime_offset = runtime_offset
        self._seq = 0
        self._interval = interval
        self._warn = warn
        self._process_lock = threading.Lock()
        self._unwritten: list[tuple[int, str, dict[str, Any]]] = []
        self._room = threading.Condition(self.lock)
        self._wake = threading.Event()
        self._stopping = False
        self._heartbeat_interval = heartbeat_interval
        self._last_write = time.monotonic()
        self._thread = threading.Thread(target=self._loop, name="cairn-writer", daemon=True)
        self._thread.start()

    # ---- called from the training thread (with self.lock held) -------------------------
    def wait_for_room(self) -> None:
        """Back-pressure: block until the writer has taken the buffer (never drop)."""
        self._warn("queue-full", "cairn: log() is faster than the writer can store rows; "
                   "log() now waits for it (no data is dropped)")
        self._wake.set()
        while len(self.buffer) >= self.max_rows and not self._stopping:
            self._room.wait(0.1)
            self._wake.set()

    # ---- the writer thread -------------------------------------------------------------
    def _loop(self) -> None:
        while not self._stopping:
            self._wake.wait(self._interval)
            self._wake.clear()
            self.process()
        self.process()

    def process(self) -> None:
        """Take everything buffered and write it to the WAL. Safe from any thread."""
        with self._process_lock:
            with self.lock:
                items, self.buffer = self.buffer, []
                self._room.notify_all()
            if not items and time.monotonic() - self._last_write > self._heartbeat_interval:
                items = [Op("heartbeat", {"at": time.time()})]
            try:
                if items:
                    self._unwritten.extend(self._records(items))
                if self._unwritten:
                    self.wal.append(self._unwritten)
                    self._unwritten = []
                    self._last_write = time.monotonic()
            except Exception as exc:  # never into training; the records stay queued
                self._warn("wal", f"cairn: cannot write the run's WAL {self.wal.path}: {exc}; "
                           "keeping the data in memory and retrying")

    def _next_seq(self) -> int:
        self._seq += 1
        return self._seq

    def _records(self, items: list[Row | Op]) -> list[tuple[int, str, dict[str, Any]]]:
        out: list[tuple[int, str, dict[str, Any]]] = []
        rows: list[Row] = []
        for item in items:
            if type(item) is tuple:
                rows.append(item)
                continue
            assert isinstance(item, Op)
            if rows:
                out.append(self._history(rows))
                rows = []
            self._observe(item)
            out.append((self._next_seq(), item.kind, item.body))
        if rows:
            out.append(self._history(rows))
        return out

    def _history(self, rows: list[Row]) -> tuple[int, str, dict[str, Any]]:
        sync = self.step_sync if self.step_sync.rules else None
        batch = build_batch(rows, self._start_time, self._runtime_offset, sync)
        for key, col in batch.numeric.items():
            self.summary.update_numeric(key, col.steps, col.values, col.kind)
        for key, pairs in batch.objects.items():
            self.summary.update_objects(key, pairs)
        self.summary.observe_step(batch.last_step)
        body = batch.to_body()
        body["at"] = time.time()
        return self._next_seq(), "history", body

    def _observe(self, op: Op) -> None:
        if op.kind == "summary":
            self.summary.set_overrides(op.body.get("set") or {}, op.body.get("del") or ())
        elif op.kind == "metric":
            self.summary.define(op.body)
            if op.body.get("step_metric") and op.body.get("step_sync", True):
                self.step_sync.add(str(op.body["name"]), str(op.body["step_metric"]))

    def close(self) -> None:
        self._stopping = True
        self._wake.set()
        self._thread.join()
        with self.lock:
            self._room.notify_all()
        try:
            self.wal.close()
        except OSError as exc:
            self._warn("wal-close", f"cairn: cannot close the WAL {self.wal.path}: {exc}")


class StoreApplier:
    """Tails a WAL file and applies its new records to a sink, retrying while it fails."""

    def __init__(self, wal_path: Path, open_sink: Callable[[], Sink], interval: float,
                 warn: WarnOnce, start_offset: int = 0) -> None:
        self.reader = WalReader(wal_path, offset=start_offset)
        self._open_sink = open_sink
        self._sink: Sink | None = None
        self._interval = interval
        self._warn = warn
        self._wake = threading.Event()
        self._stopping = False
        self._failures = 0
        self._next_try = 0.0
        self.healthy = True
        self._lock = threading.Lock()
        self._thread = threading.Thread(target=self._loop, name="cairn-applier", daemon=True)
        self._thread.start()

    def poke(self) -> None:
        self._wake.set()

    def _loop(self) -> None:
        while not self._stopping:
            self._wake.wait(self._interval)
            self._wake.clear()
            if not self._stopping and time.monotonic() >= self._next_try:
                self.apply_pending()

    def apply_pending(self) -> bool:
        """Apply every complete record now in the WAL; False if the sink failed."""
        with self._lock:
            try:
                if self._sink is None:
                    self._sink = self._open_sink()
                while True:
                    offset = self.reader.offset
                    records = self.reader.read(max_records=256)
                    if not records:
                        break
                    try:
                        self._sink.apply_records(records)
                    except BaseException:
                        self.reader.offset = offset
                        raise
            except Exception as exc:
                self._failures += 1
                self.healthy = False
                self._next_try = time.monotonic() + min(30.0, self._interval * 2 ** self._failures)
                topic = "store-locked" if isinstance(exc, StoreLockedError) else "store"
                self._warn(topic, f"cairn: cannot write to the store ({exc}); the run's data is "
                           "safe in its WAL and will be applied when the store is back "
                           "(or run `cairn sync`)")
                return False
            self._failures = 0
            self.healthy = True
            return True

    def close(self, timeout: float) -> bool:
        """Stop, applying what is left; True if everything reached the store."""
        self._stopping = True
        self._wake.set()
        self._thread.join()
        deadline = time.monotonic() + timeout
        done = self.apply_pending()
        while not done and time.monotonic() < deadline:
            time.sleep(min(0.5, max(0.0, deadline - time.monotonic())))
            done = self.apply_pending()
        if self._sink is not None:
            try:
                self._sink.close()
            except Exception as exc:
                self._warn("sink-close", f"cairn: closing the store failed: {exc}")
        return done


def process_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True
