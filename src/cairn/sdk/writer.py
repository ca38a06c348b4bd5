"""The WAL writer thread of a run.

    log() ──rows──▶ RunWriter ──frames──▶ run WAL ──records──▶ applier (sinks/) ──▶ store

The writer drains what the hot path buffered, turns rows into columnar history records,
appends them to the WAL (one write per cycle) and keeps the in-process summary. An applier
(a separate process, or a thread as fallback: ``cairn.sinks``) tails the WAL and applies
new records to the store, so a slow or locked store never holds up the WAL, and whatever
the store has not taken stays in the WAL for ``cairn sync``. Nothing here ever raises into
training: a failure is reported once as a warning.
"""

from __future__ import annotations

import os
import sys
import threading
import time
import warnings
import weakref
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

from cairn.aggregates import SummaryState
from cairn.errors import CairnWarning, UsageError
from cairn.records import RunRef
from cairn.sdk.batch import Row, StepSync, build_batch
from cairn.sdk.media.base import (
    BlobTarget,
    Encoder,
    encode_objects,
    has_media,
    held_bytes,
)
from cairn.wal.format import encode_frame
from cairn.wal.writer import WalWriter

if TYPE_CHECKING:
    pass

_live: weakref.WeakSet[RunWriter] = weakref.WeakSet()
"""Every writer of this process, so that a forked child can disown them."""


MAX_MEDIA_QUEUE_BYTES = 256 * 1024**2
"""Logged media waiting to be encoded may hold this much memory before log() waits."""
MEDIA_SLICE_S = 0.25
"""The writer thread encodes media for about this long per cycle (at least one medium),
then writes the rows logged meanwhile: a queue of slow encodes (videos) does not keep
later scalars out of the WAL."""
BATCH_S = 0.01
"""A flood of rows is let into the buffer only as fast as the writer can store them: the
buffer holds at most the rows the writer turns into one WAL write in about this long
(measured), so a row waits at most about ``wal_interval`` + 4 times this before it is on disk
(one batch taken while the next fills, each at half the CPU) and a kill -9 loses only the
last fraction of a second, not a queue of ``queue_rows``."""
MAX_UNWRITTEN_BYTES = 64 * 1024**2
"""Encoded records that a failing disk keeps out of the WAL may hold this much memory;
then the writer stops taking rows, so log() waits (a full buffer) until the disk takes
them: training pauses rather than losing data or memory without bound."""
FIRST_ROW_S = 10e-6
"""Seconds a row is assumed to take in the writer until it has measured a batch."""
MIN_BATCH_ROWS = 64
"""The buffer always holds at least this many rows, however slow rows are to store;
batches smaller than this also say little about the time a row takes."""


class Op:
    """A non-history record queued in order with the rows."""

    __slots__ = ("body", "kind")

    def __init__(self, kind: str, body: dict[str, Any]) -> None:
        self.kind = kind
        self.body = body


class WarnOnce:
    """Reports each problem (by topic) once per run.

    In the thread that made it (the training thread) a warning follows the warnings
    filters, so ``-W error`` can turn it into an exception there. In cairn's own threads an
    exception would stop the thread and with it the run's logging, so a warning that the
    filters turn into an error is printed to stderr instead.
    """

    def __init__(self) -> None:
        self._seen: set[str] = set()
        self._lock = threading.Lock()
        self._home = threading.current_thread()

    def __call__(self, topic: str, message: str) -> None:
        with self._lock:
            if topic in self._seen:
                return
            self._seen.add(topic)
        try:
            warnings.warn(message, CairnWarning, stacklevel=2)
        except Warning:
            if threading.current_thread() is self._home:
                raise
            print(message, file=sys.stderr)


class RunWriter:
    """Owns the WAL of one session. ``buffer`` is filled by the hot path under ``lock``.

    Records are encoded as soon as they are taken from the buffer and kept, encoded, until
    a WAL write succeeds: a full disk delays them (warned once, retried every cycle) and a
    record that cannot be encoded is dropped on its own instead of blocking the others.
    """

    def __init__(self, wal_path: Path, run: RunRef, session: str,
                 start_time: float, runtime_offset: float, summary: SummaryState,
                 max_rows: int, interval: float, heartbeat_interval: float,
                 warn: WarnOnce) -> None:
        self.wal = WalWriter(wal_path, run, session)
        self.lock = threading.Lock()
        self.buffer: list[Row | Op] = []
        self.queue_rows = max_rows
        """The most rows the buffer may hold (setting ``queue_rows``)."""
        self.row_s = FIRST_ROW_S
        """Seconds one row takes from the buffer to the WAL (a moving average)."""
        self.max_rows = self._flood_rows()
        """Rows the buffer holds before log() waits: ``queue_rows``, or fewer, so that
        what the buffer holds is written within about ``BATCH_S``."""
        self.summary = summary
        self.step_sync = StepSync()
        self._start_time = start_time
        self._runtime_offset = runtime_offset
        self._seq = 0
        self._interval = interval
        self._warn = warn
        self._process_lock = threading.Lock()
        self._unwritten: list[bytes] = []
        self.unwritten_bytes = 0
        """Bytes of the frames in ``_unwritten``."""
        self.max_unwritten_bytes = MAX_UNWRITTEN_BYTES
        self._last_error: OSError | None = None
        self._room = threading.Condition(self.lock)
        self._wake = threading.Event()
        self._stopping = False
        self._heartbeat_interval = heartbeat_interval
        self._last_write = time.monotonic()
        self.on_written: Callable[[int], None] | None = None
        """Called with the WAL's size after each successful write (the applier listens)."""
        self.blobs: Callable[[], BlobTarget] | None = None
        """Where logged media put their bytes (gives ``run._blobs``, opened on first use)."""
        self.media_bytes = 0
        """Memory held by logged media not encoded yet (guarded by ``lock``)."""
        self.max_media_bytes = MAX_MEDIA_QUEUE_BYTES
        self._media: list[tuple[dict[str, list[tuple[int, Any]]], Encoder]] = []
        """History media split from their rows' scalars, in logged order, waiting to be
        encoded; still counted in ``media_bytes`` (so a blob store that refuses them for a
        while makes log() wait instead of losing them)."""
        self._media_left = False
        """Media were left for the next cycle only because its time slice ran out."""
        self._finish: list[dict[str, Any]] = []
        """Bodies of finish records, written only after the media logged before them and
        numbered only then: the WAL must hold records in sequence order (a store skips a
        record numbered below one it has applied, unless it knows the gap)."""
        self.forked_from: int | None = None
        """In a process forked after the run started: the pid of the run's process. The
        child has no writer thread and must never write the parent's WAL."""
        self._thread = threading.Thread(target=self._loop, name="cairn-writer", daemon=True)
        self._thread.start()
        _live.add(self)

    def _disown(self, parent: int) -> None:
        """In a forked child: refuse from now on what would go into the parent's WAL.

        ``max_rows`` 0 sends every log() to ``wait_for_room``, which raises, so the hot path
        pays nothing for the check. The locks are new: a thread of the parent may have held
        them at the fork, and it does not exist here to release them.
        """
        self.forked_from = parent
        self.lock = threading.Lock()
        self._room = threading.Condition(self.lock)
        self._process_lock = threading.Lock()
        self.buffer, self._unwritten, self._media, self._finish = [], [], [], []
        self.unwritten_bytes = 0
        self.max_rows = 0
        self.on_written = None
        self.wal.disown()

    def check_owner(self) -> None:
        """Raise ``UsageError`` in a process forked from the run's."""
        if self.forked_from is not None:
            self.buffer.clear()
            raise UsageError(
                f"cairn: run {self.wal.run.run_id} was started by process "
                f"{self.forked_from}; this process ({os.getpid()}) was forked from it and "
                "cannot log to it (its WAL has one writer). Log from the parent process, or "
                "start a run of this process's own with cairn.init()")

    @property
    def unwritten(self) -> int:
        """Records taken from the buffer that are not in the WAL yet (a failing disk)."""
        return len(self._unwritten)

    def _flood_rows(self) -> int:
        return min(self.queue_rows, max(MIN_BATCH_ROWS, int(BATCH_S / self.row_s)))

    def _measure(self, rows: int, seconds: float) -> None:
        """Learn how long a row takes to reach the WAL, and size the buffer by it."""
        if rows >= MIN_BATCH_ROWS:
            self.row_s = 0.7 * self.row_s + 0.3 * (seconds / rows)
            self.max_rows = self._flood_rows()

    # ---- called from the training thread (with self.lock held) -------------------------
    def wait_for_room(self) -> None:
        """Back-pressure: block until the writer has taken the buffer (never drop).

        A buffer of ``max_rows`` is the usual pace of a flood (the writer takes it at
        once); only a full ``queue_rows`` means the writer is stuck, which is warned.
        """
        self.check_owner()
        if len(self.buffer) >= self.queue_rows:
            self._warn("queue-full", "cairn: log() is faster than the writer can store "
                       "rows; log() now waits for it (no data is dropped)")
        self._wake.set()
        while (len(self.buffer) >= self.max_rows and not self._stopping
               and self._thread.is_alive()):
            self._room.wait(0.1)
            self._wake.set()

    def hold_media(self, size: int) -> None:
        """Count media that wait to be encoded; past ``max_media_bytes``, block until the
        writer has encoded enough (back-pressure in bytes: images are large)."""
        self.media_bytes += size
        if self.media_bytes <= self.max_media_bytes:
            return
        self._warn("media-queue", "cairn: log() is faster than the writer can encode media; "
                   "log() now waits for it (no data is dropped)")
        self._wake.set()
        while (self.media_bytes > self.max_media_bytes and not self._stopping
               and self._thread.is_alive()):
            self._room.wait(0.1)
            self._wake.set()

    # ---- the writer thread -------------------------------------------------------------
    def _loop(self) -> None:
        while not self._stopping:
            self._wake.wait(self._interval)
            self._wake.clear()
            self._process_safely(MEDIA_SLICE_S)
            if self._media_left:  # sliced, not failing: come straight back
                self._wake.set()
        self._process_safely()

    def _process_safely(self, media_slice: float | None = None) -> bool:
        try:
            return self.process(media_slice)
        except Exception as exc:  # a bug must not stop the thread: log() would block
            self._warn("writer", f"cairn: the WAL writer failed ({exc!r}); retrying")
            return False

    def process(self, media_slice: float | None = None) -> bool:
        """Take everything buffered and write it to the WAL. Safe from any thread.

        True when everything taken so far is in the WAL; False when the write failed and
        the records are kept in memory for the next try, or media are still waiting
        (``media_slice``: seconds to spend encoding them this time, None for all).
        """
        if self.forked_from is not None:
            return False
        with self._process_lock:
            taken_at = time.monotonic()
            items: list[Row | Op] = []
            if self._has_room():
                with self.lock:
                    items, self.buffer = self.buffer, []
                    self._room.notify_all()
            idle = taken_at - self._last_write > self._heartbeat_interval
            if not items and not self._unwritten and idle:
                items = [Op("heartbeat", {"at": time.time()})]
            if items:
                self._encode(items)
            # Scalars reach the WAL before the media of their rows are encoded (a video
            # may take seconds); the media follow as records of their own.
            written = self._write_unwritten()
            if written and len(items) >= MIN_BATCH_ROWS:
                self._measure(sum(type(item) is tuple for item in items),
                              time.monotonic() - taken_at)
            if self._media:
                self._encode_media(None if media_slice is None
                                   else time.monotonic() + media_slice)
                written = self._write_unwritten()
            if self._finish and not self._media and written:
                self._release_finish()
                written = self._write_unwritten()
            return written and not self._media and not self._finish

    def _has_room(self) -> bool:
        """False while a failing disk keeps ``max_unwritten_bytes`` out of the WAL: the
        rows stay in the buffer, which makes log() wait once it is full (at close, all is
        taken, to be written or reported lost)."""
        if self.unwritten_bytes < self.max_unwritten_bytes or self._stopping:
            return True
        self._warn("wal-full", f"cairn: {self.unwritten_bytes / 1024**2:.0f} MiB of logged "
                   f"data wait for room on the disk of the WAL {self.wal.path}; log() now "
                   "waits until they are written (no data is dropped)")
        return False

    def _encode_media(self, deadline: float | None) -> None:
        """Encode the waiting media in order, each batch into a history record of its own
        (objects merge by step in the store); stop at a blob store that refuses bytes, or
        past ``deadline``, keeping the rest for the next cycle."""
        self._media_left = False
        while self._media:
            objects, encoder = self._media[0]
            released, error, complete = encode_objects(objects, encoder, self._warn, deadline)
            self._release(released)
            if error is not None:
                self._warn("media-store", f"cairn: cannot store logged media in the blob "
                           f"store ({error}); keeping them in memory and retrying")
                return
            if not complete:
                self._media_left = True
                return
            self._media.pop(0)
            for key, pairs in objects.items():
                self.summary.update_objects(key, pairs)
            body: dict[str, Any] = {"steps": [], "num": {}, "at": time.time(),
                                    "obj": {k: [list(p) for p in v] for k, v in objects.items()},
                                    "last_step": max(p[0] for v in objects.values() for p in v),
                                    "rows": 0}
            if encoder.digests:
                body["blobs"] = encoder.digests
            self._append_frame(self._next_seq(), "history", body)
            if deadline is not None and time.monotonic() > deadline and self._media:
                self._media_left = True
                return

    def _release(self, size: int) -> None:
        if size:
            with self.lock:
                self.media_bytes = max(0, self.media_bytes - size)
                self._room.notify_all()

    def _write_unwritten(self) -> bool:
        if not self._unwritten:
            return True
        try:
            self.wal.append_frames(b"".join(self._unwritten))
        except OSError as exc:
            self._last_error = exc
            self._warn("wal", f"cairn: cannot write the run's WAL {self.wal.path}: {exc}; "
                       "keeping the data in memory and retrying")
            return False
        self._unwritten = []
        self.unwritten_bytes = 0
        self._last_write = time.monotonic()
        if self.on_written is not None:
            self.on_written(self.wal.size)
        return True

    def _encode(self, items: list[Row | Op]) -> None:
        """Add the items' frames to ``_unwritten``; warn (last, as a warning may raise in
        the training thread) about any that cannot be encoded."""
        try:
            records = self._records(items)
        except Exception as exc:  # values are validated in log(): this would be a bug
            # The media of the dropped rows no longer wait: log() must not block on them.
            self._release(sum(held_bytes(v) for item in items if type(item) is tuple
                              for v in item[2].values()))
            self._warn("records", f"cairn: could not turn {len(items)} logged items into "
                       f"records ({exc!r}); they were dropped")
            return
        for seq, kind, body in records:
            if kind == "finish":
                self._finish.append(body)
            else:
                self._append_frame(seq, kind, body)

    def _release_finish(self) -> None:
        """Number the held finish records after everything written before them."""
        bodies, self._finish = self._finish, []
        for body in bodies:
            self._append_frame(self._next_seq(), "finish", body)

    def _append_frame(self, seq: int, kind: str, body: dict[str, Any]) -> None:
        """Add one record's frame to ``_unwritten``. A history value msgpack cannot hold
        becomes None (after a warning) rather than costing the whole batch; any other
        record that cannot be encoded is dropped with a warning."""
        try:
            self._keep(encode_frame(seq, kind, body))
            return
        except (TypeError, ValueError, OverflowError) as exc:
            problem: Exception = exc
        if kind == "history":
            for key, pairs in body.get("obj", {}).items():
                for pair in pairs:
                    try:
                        encode_frame(0, kind, {"v": pair[1]})
                    except (TypeError, ValueError, OverflowError) as exc:
                        self._warn(f"encode-value:{key}", f"cairn: the value logged under "
                                   f"{key!r} at step {pair[0]} cannot be stored ({exc}); "
                                   "stored None instead")
                        pair[1] = None
            try:
                self._keep(encode_frame(seq, kind, body))
                return
            except (TypeError, ValueError, OverflowError) as exc:
                problem = exc
        self._warn(f"encode-{kind}", f"cairn: dropped a {kind} record that cannot be "
                   f"stored ({problem})")

    def _keep(self, frame: bytes) -> None:
        self._unwritten.append(frame)
        self.unwritten_bytes += len(frame)

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
            if item.kind == "summary":
                self._store_summary_media(item.body)
            self._observe(item)
            # A finish is numbered when it is released (``_release_finish``), after the
            # media logged before it.
            seq = 0 if item.kind == "finish" else self._next_seq()
            out.append((seq, item.kind, item.body))
        if rows:
            out.append(self._history(rows))
        return out

    def _history(self, rows: list[Row]) -> tuple[int, str, dict[str, Any]]:
        sync = self.step_sync if self.step_sync.rules else None
        batch = build_batch(rows, self._start_time, self._runtime_offset, sync)
        media: dict[str, list[tuple[int, Any]]] = {}
        for key, pairs in list(batch.objects.items()):
            logged = [pair for pair in pairs if has_media(pair[1])]
            if logged:
                media[key] = logged
                rest = [pair for pair in pairs if not has_media(pair[1])]
                if rest:
                    batch.objects[key] = rest
                else:
                    del batch.objects[key]
        if media:
            self._media.append((media, Encoder(self.blobs)))
        for key, col in batch.numeric.items():
            self.summary.update_numeric(key, col.steps, col.values, col.kind)
        for key, pairs in batch.objects.items():
            self.summary.update_objects(key, pairs)
        self.summary.observe_step(batch.last_step)
        body = batch.to_body()
        body["at"] = time.time()
        return self._next_seq(), "history", body

    def _store_summary_media(self, body: dict[str, Any]) -> None:
        """Media set in the summary become references, as in history."""
        values = body.get("set") or {}
        media = {k: [(0, v)] for k, v in values.items() if has_media(v)}
        if not media:
            return
        encoder = Encoder(self.blobs)
        _, error, _ = encode_objects(media, encoder, self._warn)
        if error is not None:  # a summary is set again and again: not worth holding back
            self._warn("summary-media", f"cairn: cannot store the media set in the summary "
                       f"({error}); stored None instead")
            media = {k: [(0, v if not has_media(v) else None) for _, v in pairs]
                     for k, pairs in media.items()}
        body["set"] = {**values, **{k: pairs[0][1] for k, pairs in media.items()}}
        if encoder.digests:
            body["blobs"] = encoder.digests

    def _observe(self, op: Op) -> None:
        if op.kind == "summary":
            self.summary.set_overrides(op.body.get("set") or {}, op.body.get("del") or ())
            self.summary.set_paths(op.body.get("paths") or {})
        elif op.kind == "metric":
            self.summary.define(op.body)
            if op.body.get("step_metric") and op.body.get("step_sync", True):
                self.step_sync.add(str(op.body["name"]), str(op.body["step_metric"]))

    def sync(self) -> bool:
        """Make what is in the WAL durable (fsync); False (after a warning) if it failed."""
        try:
            self.wal.sync()
        except OSError as exc:
            self._warn("wal-sync", f"cairn: cannot sync the WAL {self.wal.path}: {exc}")
            return False
        return True

    def close(self, timeout: float = 5.0) -> bool:
        """Stop the thread and write what is left, retrying a failing disk for up to
        ``timeout`` seconds; False (after a warning) if records could not be written."""
        if self.forked_from is not None:
            return False
        self._stopping = True
        self._wake.set()
        self._thread.join()
        with self.lock:
            self._room.notify_all()
        deadline = time.monotonic() + timeout
        done = self._process_safely()
        while not done and time.monotonic() < deadline:
            time.sleep(min(0.2, max(0.0, deadline - time.monotonic())))
            done = self._process_safely()
        if not done and (self._media or self._finish):
            lost = sum(len(p) for objects, _ in self._media for p in objects.values())
            if lost:
                self._warn("media-lost", f"cairn: {lost} logged media could not be stored "
                           f"in the blob store; they are lost")
            self._media = []
            with self._process_lock:
                self._release_finish()
            done = self._process_safely()
        if not done:
            self._warn("wal-lost", f"cairn: {len(self._unwritten)} records could not be "
                       f"written to the WAL {self.wal.path} ({self._last_error}); they are "
                       "lost")
        try:
            self.wal.close()
        except OSError as exc:
            self._warn("wal-close", f"cairn: cannot close the WAL {self.wal.path}: {exc}")
        return done


def _disown_in_child() -> None:
    parent = os.getppid()
    for writer in list(_live):
        writer._disown(parent)


os.register_at_fork(after_in_child=_disown_in_child)
