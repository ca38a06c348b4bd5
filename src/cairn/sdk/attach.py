"""``wandb._attach``: log into a live run from another process.

A run's ``_attach_id`` is ``entity/project/run_id@session``. Reading it in the run's
process hands the run off: what was logged so far is flushed to the store (a co-writer's
config and summary start from it), and a hand-off note ``<tmp>/cairn-attach-<uid>/
<session>.json`` says where the run lives (store, blob store, mode, run folder) and its
current step.

A process given the id (a spawned or DDP worker, an unpickled logger or ``Run``) gets the
run back: the live ``Run`` when the run is in this process, else a co-writer session of
it. A co-writer's ``run`` record says ``"attached": true``: its records join the run in the
store but never take it over, and its ``finish()`` (also the one at its exit) ends its
session only; the run ends when its owner finishes it (``store/apply.py``).

Steps are shared as in wandb: a co-writer continues from the note's step, and writes its
next step back into the note when it ends; the owner, once it has handed the run off,
looks at the note at most every ``CHECK_INTERVAL`` while it logs and continues from there
(:class:`HandOff`). Two co-writers logging at the same time share the step axis the way
two wandb processes do: their rows merge by step.

An id without ``@session`` (or whose note is gone) attaches through the store alone, in
the store this process's settings name.
"""

from __future__ import annotations

import contextlib
import json
import os
import tempfile
import time
from pathlib import Path
from typing import TYPE_CHECKING, Any

from cairn.errors import UsageError

if TYPE_CHECKING:
    from cairn.sdk.run import Run

CHECK_INTERVAL = 0.2
"""Seconds between the owner's looks at its hand-off note while it logs."""


def notes_dir() -> Path | None:
    """This user's folder of hand-off notes (None when it cannot be made private)."""
    uid = os.getuid() if hasattr(os, "getuid") else 0
    folder = Path(tempfile.gettempdir()) / f"cairn-attach-{uid}"
    try:
        folder.mkdir(mode=0o700, exist_ok=True)
        if hasattr(os, "getuid") and folder.stat().st_uid != uid:
            return None  # someone else's folder: no notes through it
    except OSError:
        return None
    return folder


def _read_note(path: Path) -> dict[str, Any] | None:
    try:
        note = json.loads(path.read_text())
    except (OSError, ValueError):
        return None
    return note if isinstance(note, dict) else None


def _write_note(path: Path, note: dict[str, Any]) -> None:
    """Replace the note at once (a reader never sees half of it)."""
    temp = path.with_name(f".{path.name}.{os.getpid()}")
    with contextlib.suppress(OSError):
        temp.write_text(json.dumps(note))
        os.replace(temp, path)


def _note_step(note: dict[str, Any] | None) -> int:
    step = (note or {}).get("step")
    return step if isinstance(step, int) and not isinstance(step, bool) else 0


class HandOff:
    """The owner's side: the note it wrote, and when it last looked at it."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.next_check = 0.0
        self.seen: float | None = None

    @classmethod
    def write(cls, run: Run, previous: HandOff | None) -> HandOff | None:
        """Write (or refresh) ``run``'s note with its current step."""
        folder = notes_dir()
        if folder is None:
            return None
        handoff = previous or cls(folder / f"{run._setup.session}.json")
        s = run.settings
        step = max(run.step + (1 if run._pending else 0), _note_step(_read_note(handoff.path)))
        _write_note(handoff.path, {
            "path": run.path, "pid": os.getpid(), "step": step, "mode": s.mode,
            "root": str(s.root), "store": s.store, "blobs": s.blobs,
            "run_base": s.run_base, "at": time.time()})
        with contextlib.suppress(OSError):
            handoff.seen = handoff.path.stat().st_mtime
        return handoff

    def step_given_back(self, current: int = 0, pending: bool = False) -> int | None:
        """The step a co-writer ended at, when the note changed since the last look (at
        most one look per ``CHECK_INTERVAL``: this runs in ``log()``); the run's own
        ``current`` step does not matter here (it does to ``fork.SharedSteps``)."""
        now = time.monotonic()
        if now < self.next_check:
            return None
        self.next_check = now + CHECK_INTERVAL
        try:
            mtime = self.path.stat().st_mtime
        except OSError:
            return None
        if mtime == self.seen:
            return None
        self.seen = mtime
        return _note_step(_read_note(self.path))

    def close(self) -> None:
        """The run has ended: no process can attach to it through this note any more."""
        with contextlib.suppress(OSError):
            self.path.unlink()


def give_back(run: Run, note_path: Path) -> None:
    """A co-writer's end: raise the note's step to the step it would log next."""
    note = _read_note(note_path)
    if note is None:
        return
    note["step"] = max(_note_step(note), run.step + (1 if run._pending else 0))
    _write_note(note_path, note)


def attach(attach_id: str | None, run: Run | None = None) -> Run:
    """The run ``attach_id`` names, from this process (see the module docstring)."""
    if run is not None:  # a Run object here is live in this process (unpickling attaches)
        return run
    if not attach_id:
        raise UsageError("attach() needs the attach id of a run (run._attach_id)")
    path, _, session = attach_id.strip().strip("/").partition("@")
    parts = path.split("/")
    if len(parts) != 3 or not all(parts):
        raise UsageError(f"attach(): {attach_id!r} is not a run's attach id "
                         "('entity/project/run_id@session')")
    from cairn.records import RunRef
    from cairn.sdk import init as init_module

    for live in init_module._active:
        if live.path == path and not live._finished:
            return live
    folder = notes_dir() if session else None
    note_path = folder / f"{session}.json" if folder is not None else None
    note = _read_note(note_path) if note_path is not None else None
    overrides: dict[str, Any] = {}
    if note is not None and note.get("path") == path:
        overrides = {key: note[key] for key in ("root", "store", "blobs", "mode", "run_base")
                     if isinstance(note.get(key), str)}
    else:
        note_path = None
    return init_module.attach_session(RunRef(*parts), overrides, _note_step(note),
                                      note_path)


def unpickled_run(attach_id: str, pid: int) -> Run:
    """What a pickled ``Run`` becomes: itself in its own process, else attached to."""
    from cairn.sdk import init as init_module

    if pid == os.getpid():
        path = attach_id.partition("@")[0]
        for live in init_module._active:
            if live.path == path:
                return live
    return attach(attach_id)
