"""What a run records about its surroundings without being asked: system metrics, the
console, and (once, at start) the host, code and packages.

``RunEnvironment.start(run)`` starts what the settings ask for, each in the background so
that ``init()`` stays fast; ``close()`` (from ``finish``) stops them and queues what they
still hold before the run's ``finish`` record.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from cairn.sdk.writer import Op

if TYPE_CHECKING:
    from cairn.sdk.run import Run
    from cairn.sdk.system.sampler import SystemSampler


class RunEnvironment:
    def __init__(self, run: Run) -> None:
        self._run = run
        self.system: SystemSampler | None = None

    @classmethod
    def start(cls, run: Run) -> RunEnvironment:
        env = cls(run)
        settings = run.settings
        if settings.system_interval > 0:
            from cairn.sdk.system.sampler import SystemSampler

            env.system = SystemSampler(settings.system_interval, env._queue_system,
                                       run._warn)
        return env

    def _queue_system(self, body: dict[str, Any]) -> None:
        self._run._queue(Op("system", body))

    def close(self) -> None:
        if self.system is not None:
            self.system.close()
