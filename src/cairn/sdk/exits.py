"""How the training process ended, and so the state its unfinished runs end in.

    uncaught exception            -> failed  (the traceback's last lines kept with the run)
    sys.exit(n), n != 0           -> failed  (exit code n)
    KeyboardInterrupt (SIGINT)    -> killed  (exit code 130); CPython then ends the process
                                              by SIGINT itself, after every exit handler
    SIGTERM                       -> killed  (exit code 143, the process's exit status)
    kill -9, power loss           -> crashed (nothing runs: the store infers it from the
                                              missing process or heartbeat, store/base.py)

SIGTERM is turned into a ``SystemExit`` raised in the main thread, so that ``finally``
blocks and context managers run and no lock the training loop holds is taken from under
it; the exit hook then finishes the runs as killed, and the interpreter exits with status
143 (128 + SIGTERM, as shells report a process killed by it) after the other exit handlers,
logging's shutdown and the flushing of open files. Nothing here kills the process: a kill
from an exit hook would skip the handlers registered before it. A main thread stuck in C
code is covered by a watcher thread (``TermGuard``).
"""

from __future__ import annotations

import contextlib
import os
import signal
import sys
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from types import FrameType, TracebackType
from typing import Any

TRACEBACK_LINES = 40
"""Lines of a failing run's traceback kept with the run (the end: where it failed)."""
TRACEBACK_CHARS = 8_000


@dataclass
class ProcessEnd:
    """What the exit hooks saw: filled as the process ends, read when runs finish."""

    exceptions: list[BaseException] = field(default_factory=list)
    error: dict[str, Any] | None = None
    exit_codes: list[int] = field(default_factory=list)
    signal: int | None = None
    main_frame: FrameType | None = None
    """The main thread's outermost frame: how it ended tells a ``SystemExit`` that ended
    the script from one it caught (``sdk/exit_codes.py``)."""

    def outcome(self) -> tuple[str, int, dict[str, Any] | None]:
        """``(state, exit code, error)`` for the runs still open at exit."""
        if self.signal is not None:
            return "killed", 128 + self.signal, None
        if self.exceptions:
            if isinstance(self.exceptions[-1], KeyboardInterrupt):
                return "killed", 128 + signal.SIGINT, None
            return "failed", 1, self.error
        code = self._exit_status()
        return ("failed" if code else "finished"), code, None

    def _exit_status(self) -> int:
        from cairn.sdk.exit_codes import ended_by_exception, raised_constant_status

        ended = ended_by_exception(self.main_frame)
        if ended is False:
            return 0  # the script returned: any SystemExit noted was caught
        if ended is True:
            raised = raised_constant_status(self.main_frame)
            if raised is not None:
                return raised
        return self.exit_codes[-1] if self.exit_codes else 0


def describe_error(exc_type: type[BaseException], exc: BaseException,
                   tb: TracebackType | None) -> dict[str, Any]:
    """The record form of an exception: type, message and the traceback's last lines."""
    import traceback

    lines = "".join(traceback.format_exception(exc_type, exc, tb)).splitlines()
    text = "\n".join(lines[-TRACEBACK_LINES:])[-TRACEBACK_CHARS:]
    message = str(exc)[:TRACEBACK_CHARS]
    return {"type": exc_type.__qualname__, "message": message, "traceback": text}


def state_for_exit_code(code: int) -> str:
    return "failed" if code else "finished"


class SignalExit(SystemExit):
    """Raised in the main thread by the SIGTERM handler (a ``SystemExit``, so ``except
    Exception`` in user code does not swallow it)."""


TERM_GRACE = 5.0
"""Seconds the main thread has to react to SIGTERM (its handler runs only between Python
bytecodes) before the runs are finished from the watcher thread and the process exits."""
WATCHER_STOP = b"\0"
"""Written to the wakeup pipe to end the watcher (signal numbers are never 0)."""


class TermGuard:
    """cairn's SIGTERM handling while a run is active.

    The handler turns SIGTERM into ``SignalExit`` in the main thread. A main thread stuck
    in C code (a hung collective, a long native call) never runs it, so the signal's byte
    also arrives on a wakeup pipe that a watcher thread reads: if the handler has not run
    within ``TERM_GRACE``, the watcher finishes the runs as killed and ends the process
    (status 143), as SIGTERM asked. Children made by ``fork`` get the default disposition
    back (``multiprocessing``'s ``terminate()`` must end them at once), and the handler is
    removed once no run is active."""

    def __init__(self) -> None:
        self._handler: Callable[[int, FrameType | None], None] | None = None
        self._pipe: tuple[int, int] | None = None
        self._reacted = threading.Event()
        self._fork_hook = False
        self._deferring = 0
        self._deferred: int | None = None

    @property
    def installed(self) -> bool:
        return self._handler is not None

    def install(self, end: ProcessEnd, finish_all: Callable[[], None]) -> None:
        """Catch SIGTERM when nobody else does (the default disposition is in place) and
        this is the main thread; SIGINT keeps Python's own handler (KeyboardInterrupt)."""
        if self._handler is not None or threading.current_thread() is not threading.main_thread():
            return
        if signal.getsignal(signal.SIGTERM) is not signal.SIG_DFL:
            return
        reacted = self._reacted = threading.Event()

        def on_term(signum: int, frame: FrameType | None) -> None:
            reacted.set()
            if end.signal is not None:
                return  # already ending
            end.signal = signum
            # A second SIGTERM while the runs finish kills at once.
            signal.signal(signum, signal.SIG_DFL)
            if self._deferring:
                self._deferred = signum  # raised once the run's finish is recorded
                return
            raise SignalExit(128 + signum)

        try:
            signal.signal(signal.SIGTERM, on_term)
        except (ValueError, OSError):
            return
        self._handler = on_term
        self._start_watcher(end, finish_all, reacted)
        if not self._fork_hook:
            os.register_at_fork(after_in_child=self._after_fork_in_child)
            self._fork_hook = True

    def _start_watcher(self, end: ProcessEnd, finish_all: Callable[[], None],
                       reacted: threading.Event) -> None:
        read_end, write_end = os.pipe()
        os.set_blocking(write_end, False)
        try:
            previous = signal.set_wakeup_fd(write_end, warn_on_full_buffer=False)
        except (ValueError, OSError):
            previous = None
        if previous != -1:  # another wakeup fd is in use (asyncio's): leave it be
            if previous is not None:
                signal.set_wakeup_fd(previous)
            os.close(read_end)
            os.close(write_end)
            return
        self._pipe = (read_end, write_end)
        threading.Thread(target=self._watch, args=(read_end, write_end, end, finish_all,
                                                   reacted),
                         name="cairn-sigterm", daemon=True).start()

    @staticmethod
    def _watch(read_end: int, write_end: int, end: ProcessEnd,
               finish_all: Callable[[], None], reacted: threading.Event) -> None:
        try:
            while True:
                try:
                    data = os.read(read_end, 512)
                except InterruptedError:
                    continue
                except OSError:
                    return
                if not data or WATCHER_STOP in data:
                    return
                if signal.SIGTERM in data and not reacted.wait(TERM_GRACE):
                    break  # the main thread is stuck: do what it cannot
        finally:
            for fd in (read_end, write_end):
                with contextlib.suppress(OSError):
                    os.close(fd)
        if end.signal is None:
            end.signal = signal.SIGTERM
        finish_all()
        with contextlib.suppress(Exception):
            sys.stdout.flush()
            sys.stderr.flush()
        os._exit(128 + signal.SIGTERM)

    @contextlib.contextmanager
    def deferring(self) -> Iterator[None]:
        """Hold a SIGTERM that arrives inside the block (a run finishing: an exception in
        the middle would leave it running) and raise its ``SignalExit`` when the block
        ends. Only the main thread runs the handler, so only there is anything held."""
        if threading.current_thread() is not threading.main_thread():
            yield
            return
        self._deferring += 1
        try:
            yield
        finally:
            self._deferring -= 1
        signum, self._deferred = self._deferred, None
        if signum is not None and not self._deferring:
            raise SignalExit(128 + signum)

    def uninstall(self) -> None:
        """Give SIGTERM back its default disposition (no run is active any more). Only the
        main thread can; from another the handler stays until the next chance."""
        if self._handler is None or threading.current_thread() is not threading.main_thread():
            return
        with contextlib.suppress(ValueError, OSError):
            if signal.getsignal(signal.SIGTERM) is self._handler:
                signal.signal(signal.SIGTERM, signal.SIG_DFL)
        self._handler = None
        if self._pipe is not None:
            write_end = self._pipe[1]
            self._pipe = None
            with contextlib.suppress(ValueError, OSError):
                current = signal.set_wakeup_fd(-1)
                if current != write_end:  # replaced by someone else since: theirs
                    signal.set_wakeup_fd(current)
            with contextlib.suppress(OSError):
                os.write(write_end, WATCHER_STOP)  # the watcher closes both ends

    def _after_fork_in_child(self) -> None:
        if self._handler is None:
            return
        with contextlib.suppress(ValueError, OSError):
            if signal.getsignal(signal.SIGTERM) is self._handler:
                signal.signal(signal.SIGTERM, signal.SIG_DFL)
        self._handler = None
        if self._pipe is not None:  # the watcher thread did not come along
            with contextlib.suppress(ValueError, OSError):
                if signal.set_wakeup_fd(-1) not in (-1, self._pipe[1]):
                    signal.set_wakeup_fd(-1)
            for fd in self._pipe:
                with contextlib.suppress(OSError):
                    os.close(fd)
            self._pipe = None


TERM_GUARD = TermGuard()


def keep_interrupted_exit(end: ProcessEnd) -> None:
    """After the runs are finished, for an uncaught KeyboardInterrupt: make sure CPython
    still ends the process by SIGINT once every exit handler has run.

    CPython remembers an uncaught KeyboardInterrupt in a flag that the next evaluation of
    source text resets, and ``exec`` of a string is one (``dataclasses`` and
    ``namedtuple`` do it, e.g. on a module's first import while the runs finish). The flag
    is set again the only way Python code can: a KeyboardInterrupt leaving such an
    evaluation. Killing the process here instead would skip the exit handlers registered
    before cairn's, logging's shutdown and the flushing of open files."""
    if not (end.signal is None and end.exceptions
            and isinstance(end.exceptions[-1], KeyboardInterrupt)):
        return
    with contextlib.suppress(KeyboardInterrupt):
        exec("raise KeyboardInterrupt")  # sets the flag (see above)
