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
from an exit hook would skip the handlers registered before it.
"""

from __future__ import annotations

import contextlib
import signal
import threading
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

    def outcome(self) -> tuple[str, int, dict[str, Any] | None]:
        """``(state, exit code, error)`` for the runs still open at exit."""
        if self.signal is not None:
            return "killed", 128 + self.signal, None
        if self.exceptions:
            if isinstance(self.exceptions[-1], KeyboardInterrupt):
                return "killed", 128 + signal.SIGINT, None
            return "failed", 1, self.error
        code = self.exit_codes[-1] if self.exit_codes else 0
        return ("failed" if code else "finished"), code, None


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


def install_signal_handlers(end: ProcessEnd) -> None:
    """Catch SIGTERM when nobody else does (the default handler is in place) and this is
    the main thread; SIGINT keeps Python's own handler (KeyboardInterrupt)."""
    if threading.current_thread() is not threading.main_thread():
        return
    if signal.getsignal(signal.SIGTERM) is not signal.SIG_DFL:
        return

    def on_term(signum: int, frame: FrameType | None) -> None:
        if end.signal is not None:
            return  # already ending
        end.signal = signum
        # A second SIGTERM while the runs finish kills at once.
        signal.signal(signum, signal.SIG_DFL)
        raise SignalExit(128 + signum)

    with contextlib.suppress(ValueError, OSError):
        signal.signal(signal.SIGTERM, on_term)


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
