"""What a run records about its surroundings without being asked: system metrics, the
console, and (once, at start) the host, code and packages.

``RunEnvironment.start(run)`` starts what the settings ask for, each in the background so
that ``init()`` stays fast; ``close()`` (from ``finish``) stops them and queues what they
still hold before the run's ``finish`` record.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

from cairn.sdk.writer import Op

if TYPE_CHECKING:
    from cairn.sdk.console import ConsoleCapture, Line
    from cairn.sdk.run import Run
    from cairn.sdk.system.sampler import SystemSampler


class RunEnvironment:
    def __init__(self, run: Run) -> None:
        self._run = run
        self.system: SystemSampler | None = None
        self.console: ConsoleCapture | None = None

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
        return env

    def _start_console(self) -> None:
        from cairn.sdk.console import LOG_NAME, ConsoleCapture

        run = self._run
        mode = "redirect" if run.settings.console == "redirect" else "wrap"
        try:
            self.console = ConsoleCapture(mode, Path(run.dir) / LOG_NAME,
                                          run.settings.console_max_bytes,
                                          self._queue_console, run._warn)
        except OSError as exc:
            run._warn("console", f"cairn: cannot capture the console ({exc})")

    def _queue_console(self, lines: list[Line]) -> None:
        self._run._queue(Op("console", {"lines": lines}))  # tuples pack as arrays

    def _queue_system(self, body: dict[str, Any]) -> None:
        self._run._queue(Op("system", body))

    def close(self) -> None:
        if self.system is not None:
            self.system.close()
        if self.console is not None:
            self.console.close()
            for path, name in self.console.log_files():
                try:
                    self._run._save_file(path, name, "end")
                except OSError as exc:
                    self._run._warn("console-save", f"cairn: cannot save {path} ({exc})")
