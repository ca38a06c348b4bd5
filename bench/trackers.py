"""One way to start a run in each tracker the suite measures: cairn, wandb, trackio.

The same workload code (``w2_log_latency.measure``, ``w3_throughput.measure``) runs in
cairn's interpreter and in the comparison venvs, through :func:`start_run`. The trackers
are imported only when asked for, so this module loads with the standard library alone.
"""

from __future__ import annotations

import os
import sys
from typing import Any, Protocol

TRACKERS = ("cairn", "wandb", "trackio")


class TrackerRun(Protocol):
    def log(self, data: dict[str, Any]) -> None: ...

    def finish(self) -> None: ...


def start_run(tracker: str, project: str, config: dict[str, Any] | None = None, *,
              finish_wait: str | None = None) -> Any:
    """A new run of ``tracker`` logging locally; call ``log`` and ``finish`` on it.
    ``finish_wait`` (cairn only) overrides that setting for the run."""
    if tracker == "cairn":
        import cairn

        # The disk figures are for compacted WALs, the setting for a store that stays put.
        settings = {"wal_retention": "compact"}
        if finish_wait is not None:
            settings["finish_wait"] = finish_wait
        return cairn.init(project=project, config=config, settings=settings)
    if tracker == "wandb":
        import wandb  # type: ignore[import-not-found]

        return wandb.init(project=project, config=config, mode="offline")
    if tracker == "trackio":
        import trackio  # type: ignore[import-not-found]

        return trackio.init(project=project, config=config, auto_log_gpu=False,
                            auto_log_cpu=False)
    raise ValueError(f"unknown tracker {tracker!r}; known: {', '.join(TRACKERS)}")


def version(tracker: str) -> str:
    module = sys.modules.get(tracker)
    return str(getattr(module, "__version__", "?"))


def store_path(tracker: str) -> str | None:
    """Where the tracker keeps its data in this process (for sizes on disk)."""
    variable = {"cairn": "CAIRN_DIR", "wandb": "WANDB_DIR", "trackio": "TRACKIO_DIR"}
    return os.environ.get(variable.get(tracker, ""))
