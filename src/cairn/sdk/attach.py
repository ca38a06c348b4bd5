"""``wandb._attach``: log into a run from another process.

A run's ``_attach_id`` is its path (``entity/project/run_id``). A process that was handed
one (a spawned or DDP worker, a pickled logger) gets the run back: the live ``Run`` when
it is in this process, else the run continued as a new session (``resume="allow"``), whose
records join the same run in the store.
"""

from __future__ import annotations

from typing import Any

from cairn.errors import UsageError
from cairn.sdk.run import Run


def attach(attach_id: str | None, run: Run | None = None) -> Run:
    if run is not None:
        return run
    if not attach_id:
        raise UsageError("attach() needs the attach id of a run (run._attach_id)")
    parts = attach_id.strip("/").split("/")
    if len(parts) != 3 or not all(parts):
        raise UsageError(f"attach(): {attach_id!r} is not a run's attach id "
                         "('entity/project/run_id')")
    from cairn.sdk import init as init_module

    for live in init_module._active:
        if live.path == attach_id.strip("/"):
            return live
    entity, project, run_id = parts
    kwargs: dict[str, Any] = {"entity": entity, "project": project, "id": run_id,
                              "resume": "allow"}
    return init_module.init(**kwargs)
