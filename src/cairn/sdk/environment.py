"""What a run records about its surroundings without being asked: system metrics, the
console, and (once, at start) the host, code and packages.

``RunEnvironment.start(run)`` starts what the settings ask for, each in the background so
that ``init()`` stays fast; ``close()`` (from ``finish``) stops them and queues what they
still hold before the run's ``finish`` record.
"""

from __future__ import annotations

import threading
from pathlib import Path
from typing import TYPE_CHECKING, Any

from cairn.sdk.alerts import RunAlerts
from cairn.sdk.writer import Op

SNAPSHOT_WAIT = 15.0
"""Seconds a finished run's WAL stays open for the environment snapshot of a very short
run (``finish()`` itself returns before: ``Run._close_wal``)."""
SNAPSHOT_DELAY = 1.0
"""Seconds after the start before the snapshot is taken (at once when the run ends)."""

if TYPE_CHECKING:
    from cairn.sdk.console import ConsoleCapture, Line
    from cairn.sdk.run import Run
    from cairn.sdk.system.sampler import SystemSampler


def main_program() -> str | None:
    """The main script's absolute path; None for ``python -c`` and interactive sessions.
    Read in ``init``'s thread: at exit, ``__main__`` may be half torn down."""
    import os
    import sys

    main = sys.modules.get("__main__")
    path = getattr(main, "__file__", None)
    if isinstance(path, str) and os.path.isfile(path):
        return os.path.abspath(path)
    return None


class RunEnvironment:
    def __init__(self, run: Run) -> None:
        self._run = run
        self.system: SystemSampler | None = None
        self.console: ConsoleCapture | None = None
        self._snapshot: threading.Thread | None = None
        self.alerts = RunAlerts(run)
        self._closed = threading.Event()
        self._closing = threading.Event()

    @classmethod
    def start(cls, run: Run) -> RunEnvironment:
        env = cls(run)
        settings = run.settings
        if settings.system_interval > 0:
            from cairn.sdk.system.sampler import SystemSampler

            env.system = SystemSampler(settings.system_interval, env._queue_system,
                                       run._warn)
        if settings.console != "off":
            env._start_console()
        if run._setup.attached is not None:
            return env  # a co-writer (sdk/attach.py): the owner records the surroundings
        where = (main_program(), Path.cwd())
        env._snapshot = threading.Thread(target=env._take_snapshot, args=where,
                                         name="cairn-snapshot", daemon=True)
        env._snapshot.start()
        return env

    def _take_snapshot(self, program: str | None, cwd: Path) -> None:
        # Wait a moment (or until finish) so that the snapshot's work (git, package
        # metadata) does not compete with init() and the first log() for the interpreter.
        self._closing.wait(SNAPSHOT_DELAY)
        from cairn.sdk.snapshot import take

        run = self._run
        try:
            snap = take(Path(run.dir), run.start_time, run.settings, program, cwd)
        except Exception as exc:  # a broken git or filesystem must not reach training
            run._warn("snapshot", f"cairn: could not record the run's environment ({exc!r})")
            return
        if self._closed.is_set():
            return  # finish() gave up waiting: the run's records are closed
        run._queue(Op("environment", snap.environment))
        for path, name in snap.files:
            try:
                run._save_file(path, name, "now")
            except (OSError, ValueError) as exc:
                run._warn(f"snapshot-{name}", f"cairn: cannot save {path} as {name} ({exc})")

    def _start_console(self) -> None:
        from cairn.sdk.console import LOG_NAME, ConsoleCapture

        run = self._run
        mode = "redirect" if run.settings.console == "redirect" else "wrap"
        name = LOG_NAME
        if run._setup.attached is not None:  # the owner's output.log stays the owner's
            name = f"output-{run._setup.session[:6]}.log"
        try:
            self.console = ConsoleCapture(mode, Path(run.dir) / name,
                                          run.settings.console_max_bytes,
                                          self._queue_console, run._warn)
        except OSError as exc:
            run._warn("console", f"cairn: cannot capture the console ({exc})")

    def _queue_console(self, lines: list[Line]) -> None:
        self._run._queue(Op("console", {"lines": lines}))  # tuples pack as arrays

    def _queue_system(self, body: dict[str, Any]) -> None:
        self._run._queue(Op("system", body))

    @property
    def snapshot_taken(self) -> bool:
        """Whether the environment snapshot is queued (or given up): the WAL may close."""
        return self._snapshot is None or not self._snapshot.is_alive()

    def finish_snapshot(self, timeout: float = SNAPSHOT_WAIT) -> None:
        """Wait for the snapshot (taken at once from ``close`` on); after this, one that
        is still not done is dropped, as the run's WAL is about to close."""
        self._closing.set()
        if self._snapshot is not None:
            self._snapshot.join(timeout=timeout)
        self._closed.set()

    def close(self, state: str = "finished", exit_code: int = 0) -> None:
        """Stop everything (before ``finish()`` saves the files in run.dir); the alerts
        last, so that an alert about how the run ended goes out (``alert_on``). The
        snapshot, if not taken yet, is taken now; ``finish_snapshot`` waits for it."""
        self._closing.set()
        if self.system is not None:
            self.system.close()
        if self.console is not None:
            # output.log (and output.log.1) are in run.dir: finish() saves them with the
            # other files written there (sdk/file_sync.py).
            self.console.close()
        if self._run._setup.attached is not None:
            state = "attached"  # a co-writer's end is not the run's: no alert_on alert
        self.alerts.close(state, exit_code)
