"""The runs this process handed off to its applier process at ``finish()``.

``finish()`` returns once a run's records are durable in its WAL; the applier process
(``process.py``) applies the rest in the background. So that this process still reads what
it wrote, its own reads of the store (``cairn.Api``, a resume in ``init``, a sweep agent's
verdict on a trial, an in-process CLI command) first call :func:`wait_for_handoffs`, which
waits (bounded) until the process has answered for each run. A run whose process died
before it answered is applied here instead (replays are idempotent). A run's WAL may still
be open a moment after ``finish()``, for its environment snapshot (``closing``): readers
wait for that too.

At exit the process waits (bounded) for every run it finished to reach the store, so that
a command run after it finds them; runs whose applier process is not up yet (a short
script) or died are applied here. A run whose applier process and training process both
died stays in its WAL, complete, for ``cairn sync`` (or a resume of the run, or the agent
that ran it as a trial).

Only the standard library is imported here: readers check the registry on every read.
"""

from __future__ import annotations

import atexit
import os
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Protocol

if TYPE_CHECKING:
    from cairn.sinks.base import Sink
    from cairn.sinks.tail import Report


class Applier(Protocol):
    """What a hand-off needs of the applier process it went to."""

    @property
    def alive(self) -> bool: ...

    @property
    def ready(self) -> threading.Event: ...

    def unregister(self, key: str) -> None: ...


@dataclass
class Handoff:
    """A finished run that the applier process applies in the background."""

    wal_path: Path
    open_sink: Callable[[], Sink]
    interval: float
    report: Report
    timeout: float
    """Seconds it may take (the run's ``finish_timeout``)."""
    process: Applier
    answered: threading.Event
    """Set when the process answered, or is gone (``answer`` then stays empty)."""
    answer: list[bool] = field(default_factory=list)


ANSWER_GRACE = 5.0
"""Seconds a reader waits beyond a run's ``finish_timeout``: the applier process answers
only once its own deadline for the run has passed (and a try in progress has ended)."""
_POLL = 0.1
"""Seconds between looks at whether a process that has not answered is still alive."""
CLOSING_WAIT = 20.0
"""Seconds a reader waits for finished runs' WALs to close (their snapshot: at most
``environment.SNAPSHOT_WAIT``) before it waits for their hand-offs."""
_handoffs: dict[str, Handoff] = {}
_closing: list[threading.Thread] = []
_lock = threading.Lock()


def hand_off(key: str, handoff: Handoff) -> None:
    with _lock:
        _handoffs[key] = handoff


def closing(thread: threading.Thread) -> None:
    """A finished run's WAL is closed (and the run handed off) by ``thread``, after
    ``finish()`` returned: its environment snapshot was still being taken."""
    with _lock:
        _closing[:] = [t for t in _closing if t.is_alive()] + [thread]


def join_closing(timeout: float) -> bool:
    """Wait for the WALs still being closed to be handed off; False if some were not
    within ``timeout`` seconds."""
    deadline = time.monotonic() + timeout
    with _lock:
        threads = list(_closing)
    for thread in threads:
        thread.join(max(0.0, deadline - time.monotonic()))
    with _lock:
        _closing[:] = [t for t in _closing if t.is_alive()]
        return not _closing


def pending() -> int:
    """How many finished runs the store may not hold yet."""
    return len(_handoffs) + len(_closing)


def wait_for_handoffs(timeout: float | None = None) -> bool:
    """Wait until the store holds every run this process finished; a hand-off whose
    process died is applied here. True when all are applied; False after ``timeout``
    seconds (default: each run's ``finish_timeout``) with some still on their way."""
    if not _handoffs and not _closing:
        return True
    deadline = None if timeout is None else time.monotonic() + timeout
    if _closing:
        join_closing(CLOSING_WAIT if timeout is None else timeout)
    with _lock:
        waiting = list(_handoffs.items())
    done = True
    for key, handoff in waiting:
        until = (deadline if deadline is not None
                 else time.monotonic() + handoff.timeout + ANSWER_GRACE)
        while (not handoff.answered.wait(min(_POLL, max(0.0, until - time.monotonic())))
               and handoff.process.alive and time.monotonic() < until):
            pass
        if handoff.answer:  # False: the store refused; the applier process warned
            applied = handoff.answer[0]
        elif handoff.process.alive:
            done = False  # still on its way
            continue
        else:  # the process died before it answered
            applied = _recover(handoff, until)
        done = done and applied
        _forget(key, handoff)
    return done


def _forget(key: str, handoff: Handoff) -> None:
    with _lock:
        _handoffs.pop(key, None)
    handoff.process.unregister(key)


def _recover(handoff: Handoff, deadline: float) -> bool:
    """Apply here what a dead applier process may not have applied (the whole WAL is
    read again: the store skips what it already holds)."""
    from cairn.sinks.tail import WalTail

    tail = WalTail(handoff.wal_path, handoff.open_sink, handoff.interval, handoff.report)
    applied = tail.drain(max(deadline, time.monotonic() + 1.0))
    if not applied:
        handoff.report("store-behind", behind(handoff.wal_path))
    return applied


def behind(wal_path: Path) -> str:
    """What to tell the user of a finished run that did not reach its store."""
    return (f"cairn: the run in {wal_path} is complete in its WAL but not in the store; "
            f"run `cairn sync {wal_path.parent}`")


def settle_at_exit() -> None:
    """At exit, the store gets every run this process finished before the process ends, so
    that a command run next (``cairn export``, a test reading the store) finds it: runs
    whose applier process is not even up yet (a short script) are applied here, the others
    waited for (bounded by each run's ``finish_timeout``), those of a dead process applied
    here."""
    with _lock:
        waiting = list(_handoffs.items())
    for key, handoff in waiting:
        if not handoff.answer and not handoff.process.ready.is_set():
            _recover(handoff, time.monotonic() + handoff.timeout)
            _forget(key, handoff)
    wait_for_handoffs()


def _forget_in_child() -> None:
    global _lock
    _handoffs.clear()  # the parent's runs: the parent waits for them
    _closing.clear()
    _lock = threading.Lock()


os.register_at_fork(after_in_child=_forget_in_child)
# Imported with the first applier process, so registered before ``init``'s own exit hook,
# which therefore runs first (finishing the runs the script left open, and settling them
# itself: nothing may evaluate new source after it on an uncaught KeyboardInterrupt).
atexit.register(settle_at_exit)
