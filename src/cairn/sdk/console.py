"""Console capture: the run's stdout and stderr, teed into ``output.log`` and the store.

    print() ─▶ tee (wrap: sys.stdout/err; redirect: fds 1/2 through a pipe) ─▶ terminal
                 │ push (never blocks: beyond PENDING_BYTES the oldest text is dropped, counted)
                 ▼
           cairn-console thread ── lines (timestamped, ``\\r`` collapsed) ─▶ output.log
                                                                        └─▶ ``console`` records

The terminal always gets everything first. ``wrap`` replaces Python's ``sys.stdout`` and
``sys.stderr``; ``redirect`` points file descriptors 1 and 2 at pipes, so child processes
and C extensions are captured too (a reader thread forwards the bytes to the terminal).
``output.log`` rotates at ``console_max_bytes`` (one older part, ``output.log.1``, kept);
the store gets the lines too, up to the same number of bytes, for the Logs tab.
"""

from __future__ import annotations

import codecs
import contextlib
import itertools
import os
import sys
import threading
import time
import weakref
from collections import deque
from collections.abc import Callable
from pathlib import Path
from typing import Any, BinaryIO, TextIO

PENDING_BYTES = 8 * 1024 * 1024
"""Captured text waiting for the console thread; more is dropped (the terminal has it)."""
MAX_LINE_CHARS = 16 * 1024
"""A longer line is cut into pieces of this size (a progress bar that never ends a line)."""
FLUSH_INTERVAL = 0.25
WAKE_BYTES = 1024 * 1024
"""Pending text that wakes the console thread before its interval is up."""
LOG_NAME = "output.log"
STORE_MAX_LINES = 100_000
"""Console lines of a session sent to the store for the Logs tab (wandb's UI keeps as many);
``output.log`` has them all, up to its own cap (``console_max_bytes``)."""

Line = tuple[float, str, str]
"""(unix time, "stdout" | "stderr", text without the newline)"""
_WRITTEN = "written"
"""The stream of text given to ``Run.write_logs``: assembled into lines on its own (a
partial line printed to stdout does not run into it), kept as stdout lines."""


def _collapse(text: str) -> str:
    """What a terminal shows of a line rewritten with carriage returns: the text after the
    last ``\\r`` that is followed by something (a trailing ``\\r`` is kept: the next write
    overwrites)."""
    if "\r" not in text:
        return text
    trailing = text.endswith("\r")
    body = text.rstrip("\r")
    return body.rsplit("\r", 1)[-1] + ("\r" if trailing else "")


class LineAssembler:
    """Turns chunks of text per stream into complete lines."""

    def __init__(self) -> None:
        self._partial: dict[str, str] = {}

    def feed(self, stream: str, text: str, at: float) -> list[Line]:
        lines: list[Line] = []
        whole = self._partial.pop(stream, "") + text
        pieces = whole.split("\n")
        complete = pieces[:-1]
        if "\r" not in whole and max(map(len, complete), default=0) <= MAX_LINE_CHARS:
            lines = [(at, stream, piece) for piece in complete]  # the common case, fast
        else:
            for piece in complete:
                lines.extend(self._cut(at, stream, _collapse(piece).rstrip("\r")))
        rest = _collapse(pieces[-1])
        while len(rest) > MAX_LINE_CHARS:  # a line that never ends: cut, keep the rest
            lines.append((at, stream, rest[:MAX_LINE_CHARS]))
            rest = rest[MAX_LINE_CHARS:]
        if rest:
            self._partial[stream] = rest
        return lines

    def flush(self, at: float) -> list[Line]:
        """The unfinished lines (at the end of the run)."""
        out: list[Line] = []
        for stream, rest in sorted(self._partial.items()):
            text = rest.rstrip("\r")
            if text:
                out.extend(self._cut(at, stream, text))
        self._partial.clear()
        return out

    @staticmethod
    def _cut(at: float, stream: str, text: str) -> list[Line]:
        if len(text) <= MAX_LINE_CHARS:
            return [(at, stream, text)]
        return [(at, stream, text[i:i + MAX_LINE_CHARS])
                for i in range(0, len(text), MAX_LINE_CHARS)]


class RotatingLog:
    """``output.log`` with a size cap: when a write would pass it, the file becomes
    ``output.log.1`` (replacing the older part) and a new one starts."""

    def __init__(self, path: Path, max_bytes: int) -> None:
        self.path = path
        self.max_bytes = max_bytes
        self._fh: BinaryIO | None = None  # opened by the first line: no output, no file
        self._size = 0
        self._stamps = _Stamps()
        self.rotations = 0

    def write_lines(self, lines: list[Line]) -> None:
        if self._fh is None:
            self._fh = self.path.open("ab")
            self._size = self._fh.tell()
        data = _log_lines(lines, self._stamps)
        if self._size and self._size + len(data) > self.max_bytes:
            self._rotate()
        if len(data) > self.max_bytes:
            data = data[-self.max_bytes:]  # one burst larger than the cap: keep its end
        self._fh.write(data)
        self._fh.flush()
        self._size += len(data)

    def _rotate(self) -> None:
        assert self._fh is not None
        self._fh.close()
        os.replace(self.path, self.path.with_name(self.path.name + ".1"))
        self._fh = self.path.open("ab")
        self._size = 0
        self.rotations += 1

    def close(self) -> None:
        if self._fh is not None:
            self._fh.close()


class _Stamps:
    """ISO timestamps for log lines; the date and time part is formatted once a second."""

    def __init__(self) -> None:
        self._second = -1
        self._prefix = ""

    def __call__(self, at: float) -> str:
        second = int(at)
        if second != self._second:
            self._second = second
            self._prefix = time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(second))
        return f"{self._prefix}.{int((at - second) * 1000):03d}Z"


def _log_lines(lines: list[Line], stamps: _Stamps) -> bytes:
    """The lines as ``output.log`` holds them. Lines split from one write share its time
    and stream, so their prefix is formatted once."""
    parts: list[str] = []
    for (at, stream), group in itertools.groupby(lines, key=lambda line: line[:2]):
        prefix = f"{stamps(at)}{' E' if stream == 'stderr' else ''} "
        parts.append(prefix + ("\n" + prefix).join([line[2] for line in group]) + "\n")
    return "".join(parts).encode("utf-8", "replace")


class _Tee:
    """A text stream that writes to the original and hands a copy to the capture."""

    def __init__(self, original: TextIO, stream: str, capture: ConsoleCapture) -> None:
        self._original = original
        self._stream = stream
        self._capture = capture

    def write(self, text: str) -> int:
        written = self._original.write(text)
        if isinstance(text, str):
            self._capture.push(self._stream, text)
        return written

    def writelines(self, lines: Any) -> None:
        for line in lines:
            self.write(line)

    def __getattr__(self, name: str) -> Any:
        return getattr(self._original, name)


class _FdRedirect:
    """File descriptor ``fd`` pointed at a pipe; a thread forwards what arrives to the
    original descriptor (the terminal) and to the capture."""

    def __init__(self, fd: int, stream: str, capture: ConsoleCapture) -> None:
        self.fd = fd
        self._stream = stream
        self._capture = capture
        self._saved = os.dup(fd)
        read_end, write_end = os.pipe()
        self._read_end = read_end
        os.dup2(write_end, fd)
        os.close(write_end)
        self._thread = threading.Thread(target=self._pump, name=f"cairn-fd{fd}", daemon=True)
        self._thread.start()

    def _pump(self) -> None:
        # The pump owns its two descriptors and closes them itself, at the pipe's end: a
        # child that inherited fd 1/2 may keep writing long after the run finished, and a
        # descriptor closed under a blocked read would be reused by an unrelated file.
        # An incremental decoder keeps a UTF-8 sequence split across reads whole.
        decoder = codecs.getincrementaldecoder("utf-8")(errors="replace")
        try:
            while True:
                try:
                    data = os.read(self._read_end, 65536)
                except InterruptedError:
                    continue
                except OSError:
                    return
                if not data:
                    break
                with contextlib.suppress(OSError):
                    _write_all(self._saved, data)
                self._capture.push(self._stream, decoder.decode(data))  # ignored once closed
            self._capture.push(self._stream, decoder.decode(b"", final=True))
        finally:
            with contextlib.suppress(OSError):
                os.close(self._read_end)
            with contextlib.suppress(OSError):
                os.close(self._saved)

    def restore(self) -> None:
        """Point the descriptor back at the terminal. Without other writers the pipe ends
        at once and the pump finishes what it holds; children that inherited the pipe keep
        it open, and the pump goes on forwarding their output to the terminal (no longer
        captured) until they close it, so this waits only briefly."""
        os.dup2(self._saved, self.fd)
        self._thread.join(timeout=RESTORE_WAIT)


RESTORE_WAIT = 0.5
"""Seconds ``restore`` waits for the pump to pass on what is still in the pipe."""


def _write_all(fd: int, data: bytes) -> None:
    view = memoryview(data)
    while view:
        view = view[os.write(fd, view):]


COALESCE_SECONDS = 0.01


def _coalesce(chunks: deque[tuple[str, str, float]]) -> list[tuple[str, str, float]]:
    """Join consecutive writes to one stream made within ``COALESCE_SECONDS`` (print()
    writes the text and the newline apart): fewer, larger pieces to split into lines."""
    out: list[tuple[str, str, float]] = []
    parts: list[str] = []
    stream, at = "", 0.0
    for chunk_stream, text, chunk_at in chunks:
        if parts and (chunk_stream != stream or chunk_at - at > COALESCE_SECONDS):
            out.append((stream, "".join(parts), at))
            parts = []
        if not parts:
            stream, at = chunk_stream, chunk_at
        parts.append(text)
    if parts:
        out.append((stream, "".join(parts), at))
    return out


_live: weakref.WeakSet[ConsoleCapture] = weakref.WeakSet()
_fork_hook = False


def _after_fork_in_child() -> None:
    """A forked child has the parent's captures (the tees in ``sys.stdout``, their lock,
    possibly held by a thread at the fork) but not their console thread: nothing would
    write what piles up, and a held lock would block the child's first print. The child's
    captures pass text through, with fresh locks; the child is not the run."""
    for capture in list(_live):
        capture._lock = threading.Lock()
        capture._stopping = True
        capture._pending.clear()
        capture._pending_bytes = 0


class ConsoleCapture:
    """Captures the console in ``mode`` (``wrap`` or ``redirect``) into ``log_path`` and
    hands batches of lines to ``emit`` (which queues ``console`` records)."""

    def __init__(self, mode: str, log_path: Path, max_bytes: int,
                 emit: Callable[[list[Line]], None], warn: Callable[[str, str], None]) -> None:
        self.mode = mode
        self._emit = emit
        self._warn = warn
        self._log = RotatingLog(log_path, max_bytes)
        self._store_budget = max_bytes
        self._store_lines = STORE_MAX_LINES
        self._lock = threading.Lock()
        self._pending: deque[tuple[str, str, float]] = deque()
        self._pending_bytes = 0
        self.dropped_bytes = 0
        self._assembler = LineAssembler()
        self._wake = threading.Event()
        self._stopping = False
        self._tees: list[tuple[str, _Tee]] = []
        self._redirects: list[_FdRedirect] = []
        global _fork_hook
        if not _fork_hook:
            os.register_at_fork(after_in_child=_after_fork_in_child)
            _fork_hook = True
        _live.add(self)
        self._thread = threading.Thread(target=self._loop, name="cairn-console", daemon=True)
        self._thread.start()
        if mode == "redirect":
            self._start_redirect()
        else:
            self._start_wrap()

    @property
    def log_path(self) -> Path:
        return self._log.path

    # ---- capturing ---------------------------------------------------------------------
    def _start_wrap(self) -> None:
        for name in ("stdout", "stderr"):
            original = getattr(sys, name)
            if original is None:
                continue
            tee = _Tee(original, name, self)
            setattr(sys, name, tee)
            self._tees.append((name, tee))

    def _start_redirect(self) -> None:
        for fd, name in ((1, "stdout"), (2, "stderr")):
            stream = getattr(sys, name)
            with contextlib.suppress(Exception):
                stream.flush()
            try:
                self._redirects.append(_FdRedirect(fd, name, self))
            except OSError as exc:
                self._warn("console-redirect", f"cairn: cannot redirect file descriptor "
                           f"{fd} ({exc}); capturing Python's output only")
                self._start_wrap()
                return

    def push(self, stream: str, text: str) -> None:
        """Take a copy of written text (any thread; never blocks on I/O)."""
        if not text or self._stopping:
            return  # a stream left in a chain after close (two runs at once) passes through
        with self._lock:
            self._pending.append((stream, text, time.time()))
            self._pending_bytes += len(text)
            # Overwhelmed: drop the oldest text, so that the latest (the error at the end
            # of a flood) is the part kept.
            if self._pending_bytes > WAKE_BYTES:
                self._wake.set()
            while self._pending_bytes > PENDING_BYTES and len(self._pending) > 1:
                dropped = self._pending.popleft()[1]
                self._pending_bytes -= len(dropped)
                self.dropped_bytes += len(dropped)

    def write_logs(self, text: str) -> None:
        """Text for the run's logs that is not on the console (``Run.write_logs``)."""
        self.push(_WRITTEN, text)

    # ---- the console thread ------------------------------------------------------------
    def _loop(self) -> None:
        while not self._stopping:
            self._wake.wait(FLUSH_INTERVAL)
            self._wake.clear()
            self._drain(final=False)

    def _drain(self, final: bool) -> None:
        with self._lock:
            chunks, self._pending, self._pending_bytes = self._pending, deque(), 0
            dropped, self.dropped_bytes = self.dropped_bytes, 0
        lines: list[Line] = []
        for stream, text, at in _coalesce(chunks):
            lines.extend(self._assembler.feed(stream, text, at))
        if dropped:
            lines.insert(0, (time.time(), "stderr", f"[cairn: {dropped} bytes of console "
                             "output came faster than they could be saved and were not "
                             "captured]"))
        if final:
            lines.extend(self._assembler.flush(time.time()))
        if not lines:
            return
        if any(line[1] == _WRITTEN for line in lines):
            lines = [(at, "stdout", text) if stream == _WRITTEN else (at, stream, text)
                     for at, stream, text in lines]
        try:
            self._log.write_lines(lines)
        except OSError as exc:
            self._warn("console-log", f"cairn: cannot write {self._log.path} ({exc}); the "
                       "console lines still go to the store")
        self._emit_within_budget(lines)

    def _emit_within_budget(self, lines: list[Line]) -> None:
        if self._store_budget <= 0 or self._store_lines <= 0:
            return
        kept: list[Line] = []
        for line in lines:
            self._store_budget -= len(line[2]) + 1
            self._store_lines -= 1
            if self._store_budget < 0 or self._store_lines < 0:
                why = (f"{STORE_MAX_LINES:,} lines" if self._store_lines < 0
                       else "console_max_bytes")
                kept.append((line[0], "stderr", "[cairn: the console output from here on is "
                             f"in {LOG_NAME} only ({why})]"))
                self._store_budget = self._store_lines = 0
                break
            kept.append(line)
        self._emit(kept)

    def close(self) -> None:
        """Stop capturing, and write out everything captured."""
        for name, tee in self._tees:
            if getattr(sys, name) is tee:  # leave a stream someone replaced since alone
                setattr(sys, name, tee._original)
        for stream in (sys.stdout, sys.stderr):
            with contextlib.suppress(Exception):
                if stream is not None:
                    stream.flush()
        for redirect in self._redirects:
            with contextlib.suppress(OSError):
                redirect.restore()
        self._stopping = True
        self._wake.set()
        self._thread.join(timeout=10)
        self._drain(final=True)
        self._log.close()
