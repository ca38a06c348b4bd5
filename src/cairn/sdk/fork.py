"""A process forked from a run's process logs into the run, as wandb's forked children do.

A child made by ``fork()`` (a ``DataLoader`` worker, a ``multiprocessing`` pool with the
fork start method, some launchers) holds a copy of the parent's ``Run`` object. It must
never write the parent's WAL: the writer disowns it at the fork (``writer.py``). Instead,
its first use of the run (``log()``, a config or summary change, ``save()`` ...) makes the
copy a co-writer session of the run, as ``attach`` makes one in a spawned process
(``sdk/attach.py``): a WAL of its own in a run folder of its own, whose records join the
run in the store without taking it over; its end (``finish()``, or the child's exit) ends
its session only.

Steps are shared as wandb's service shares them: every row gets a step of its own, in the
order the processes log. Just before the first fork of a process with a live run, the run
gets a :class:`SharedSteps` counter in memory that the parent and every child forked from it
share (an anonymous shared mapping, with a process-shared lock); from then on each
``log()`` of the parent or of a child that makes a row takes the next step from it. A run
that never forks pays nothing for this.
"""

from __future__ import annotations

import dataclasses
import mmap
import os
import struct
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from cairn.sdk.attach import HandOff
    from cairn.sdk.run import Run, RunSetup

_NEXT = struct.Struct("q")
LOCK_TIMEOUT = 2.0
"""Seconds a ``log()`` waits for the shared step counter before it concludes that the
process holding it died there, and continues without the lock from then on."""


class SharedSteps:
    """The next free step of a run, shared by its process and the processes forked from
    it. Made in the parent before the fork, so every child inherits the same memory."""

    def __init__(self, first: int, previous: HandOff | None) -> None:
        from multiprocessing import get_context

        self._memory = mmap.mmap(-1, _NEXT.size)
        self._lock = get_context("fork").Lock()  # a semaphore: shared across the fork
        self.previous = previous
        """A hand-off note the run had (``_attach_id`` was read): still looked at."""
        self._owner = os.getpid()
        self._abandoned = False
        _NEXT.pack_into(self._memory, 0, first)

    def step_given_back(self, current: int = 0, pending: bool = False) -> int:
        """The step this process logs its next row at: ``current`` while a row is pending
        there (it is this process's already), else the next free step, which is taken."""
        if self.previous is not None:
            given = self.previous.step_given_back()
            if given is not None:
                current = max(current, given)
        locked = not self._abandoned and self._lock.acquire(timeout=LOCK_TIMEOUT)
        try:
            free = _NEXT.unpack_from(self._memory, 0)[0]
            step = current if pending else max(free, current)
            _NEXT.pack_into(self._memory, 0, max(free, step + 1))
        finally:
            if locked:
                self._lock.release()
            elif not self._abandoned:
                # A process killed (kill -9) while it held the lock never releases it:
                # go on without it rather than hang training (two rows may share a step).
                self._abandoned = True
        return step

    def close(self) -> None:
        """The run's end in its own process: the note goes (a child leaves it)."""
        if self.previous is not None and os.getpid() == self._owner:
            self.previous.close()


def share_steps() -> None:
    """Before a fork: give every live run of this process a :class:`SharedSteps`."""
    init_module = sys.modules.get("cairn.sdk.init")
    if init_module is None:
        return
    for run in list(init_module._active):
        writer = run._writer
        if (writer is None or writer.forked_from is not None or run._finished
                or isinstance(run._handoff, SharedSteps)):
            continue
        first = run._step + (1 if run._pending else 0)
        run._handoff = SharedSteps(first, run._handoff)


def cowriter_setup(run: Run) -> RunSetup:
    """In a forked child: the setup of a co-writer session of ``run`` (the parent's run as
    this process holds it), in a run folder of its own next to the parent's."""
    from cairn.backend import open_backend

    setup = run._setup
    s = dataclasses.replace(run.settings, console="off", system_interval=0.0)
    session = os.urandom(6).hex()
    run_dir = setup.run_dir.with_name(f"{setup.run_dir.name}-{session[:6]}")
    run_dir.mkdir(parents=True, exist_ok=True)
    if s.run_base is not None:  # outside runs/: noted for `cairn sync` and `cairn gc`
        from cairn.wal.placed import note_placed

        note_placed(s.root, run_dir)
    return dataclasses.replace(
        setup, settings=s, backend=open_backend(settings=s), run_dir=run_dir,
        session=session, starting_step=run._step, resumed=True,
        config=run.config.as_dict(), summary_state=run._summary_state.to_state(),
        attached=Path())


def finish_at_exit(run: Run) -> None:
    """A ``multiprocessing`` child leaves through ``os._exit`` (no ``atexit``): end the
    co-writer session from multiprocessing's own exit hooks (its ``Finalize``)."""
    util: Any = sys.modules.get("multiprocessing.util")
    if util is None:
        return
    util.Finalize(None, _finish_quietly, args=(run,), exitpriority=100)


def _finish_quietly(run: Run) -> None:
    if not run._finished:
        run._finish(quiet=True)


os.register_at_fork(before=share_steps)
