"""The exit status a script ends with, as far as the exit hooks can know it.

``atexit`` handlers cannot read the interpreter's exit status, and ``sys.excepthook`` is
not called for ``SystemExit``. So:

- ``sys.exit``, and the ``exit``/``quit`` builtins, are wrapped to note the status asked;
- the outermost frame of the main thread is kept: at exit its last instruction says
  whether the script's end was an exception (a ``SystemExit`` when ``sys.excepthook``
  saw none) or a return; a status noted for a ``SystemExit`` the script caught is so
  ignored;
- a ``SystemExit`` raised directly at the main script's top level (``raise
  SystemExit(3)``) has its status read from the raising instruction when it is a
  constant. A ``SystemExit`` raised directly elsewhere, with a status computed at run
  time, cannot be seen: the run ends as finished, status 0.
"""

from __future__ import annotations

import builtins
import sys
import threading
from collections.abc import Callable
from types import FrameType
from typing import Any, NoReturn


def status_code(status: object) -> int:
    """The process exit status of ``SystemExit(status)``: None is 0, an int itself, any
    other value (a message) 1."""
    if status is None:
        return 0
    if isinstance(status, int):
        return int(status)
    return 1


def outermost_main_frame() -> FrameType | None:
    """The main thread's outermost frame (the script's module, or runpy's for ``-m``)."""
    main = threading.main_thread()
    frame = sys._current_frames().get(main.ident) if main.ident is not None else None
    while frame is not None and frame.f_back is not None:
        frame = frame.f_back
    return frame


def ended_by_exception(frame: FrameType | None) -> bool | None:
    """Whether ``frame`` (finished) ended by an exception; None when that is unknown (no
    frame, an interactive session)."""
    if frame is None or hasattr(sys, "ps1") or sys.flags.interactive:
        return None
    import dis

    code = frame.f_code.co_code
    if not 0 <= frame.f_lasti < len(code):
        return None
    return dis.opname[code[frame.f_lasti]] not in ("RETURN_VALUE", "RETURN_CONST")


def raised_constant_status(frame: FrameType | None) -> int | None:
    """For a script that ended at a top-level ``raise SystemExit(<constant>)`` (or a bare
    ``raise SystemExit``): its status; None otherwise."""
    if frame is None:
        return None
    import dis

    before: list[dis.Instruction] = []
    for instruction in dis.get_instructions(frame.f_code):
        if instruction.offset == frame.f_lasti:
            if instruction.opname != "RAISE_VARARGS" or instruction.arg != 1:
                return None
            break
        if instruction.opname not in ("CACHE", "PRECALL", "CALL", "PUSH_NULL", "KW_NAMES"):
            before.append(instruction)
    else:
        return None
    names = ("LOAD_NAME", "LOAD_GLOBAL")
    if before and before[-1].opname in names and before[-1].argval == "SystemExit":
        return 0  # raise SystemExit
    if (len(before) >= 2 and before[-1].opname == "LOAD_CONST"
            and before[-2].opname in names and before[-2].argval == "SystemExit"):
        return status_code(before[-1].argval)
    return None


class _RecordingQuitter:
    """The ``exit``/``quit`` builtins, noting the status before they raise."""

    def __init__(self, original: Callable[..., Any], note: Callable[[object], None]) -> None:
        self._original = original
        self._note = note

    def __call__(self, code: object = None) -> NoReturn:
        self._note(code)
        self._original(code)
        raise SystemExit(code)  # not reached: the original raises

    def __repr__(self) -> str:
        return repr(self._original)


def hook_exits(note: Callable[[object], None]) -> None:
    """Wrap ``sys.exit`` and the ``exit``/``quit`` builtins to ``note`` the status."""
    original_exit: Callable[..., NoReturn] = sys.exit

    def exit_noting_status(status: object = None) -> NoReturn:
        note(status)
        original_exit(status)

    sys.exit = exit_noting_status
    for name in ("exit", "quit"):
        original = getattr(builtins, name, None)  # absent under python -S
        if callable(original):
            setattr(builtins, name, _RecordingQuitter(original, note))
