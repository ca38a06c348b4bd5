"""``cairn.restore``: bring a run's saved file back to this machine, as wandb does."""

from __future__ import annotations

import os
from pathlib import Path
from typing import IO

from cairn.errors import NotFoundError, UsageError
from cairn.limits import check_file_name


def restore(name: str, run_path: str | None = None, replace: bool = False,
            root: str | os.PathLike[str] | None = None) -> IO[str] | None:
    """Download ``name`` from ``run_path`` (default: the current run) into ``root``
    (default: the current run's folder, else the working directory) and open it for
    reading. A copy already there is used unless ``replace``. None if the run has no
    such file."""
    from cairn.sdk.init import current
    from cairn.sdk.reader import open_reader
    from cairn.settings import load_settings

    name = check_file_name(name)
    run = current()
    if run_path is None:
        if run is None:
            raise UsageError("cairn.restore() needs run_path= (entity/project/run_id) or a "
                             "run started with cairn.init()")
        run_path = run.path
    folder = Path(os.fspath(root)) if root is not None else (
        Path(run.dir) if run is not None else Path.cwd())
    local = folder / name
    if local.is_file() and not replace:
        return open(local, encoding="utf-8")
    if run is not None and run_path == run.path and not run._finished:
        run._flush_to_store()
    # The current run's own backend, else the one the settings name.
    api = run._reader() if run is not None else open_reader(load_settings().root, None, None)
    try:
        try:
            file = api.run(run_path).file(name)
        except NotFoundError:
            return None
        path = file.download(root=str(folder), replace=True)
    finally:
        if run is None:
            api.close()
    return open(path, encoding="utf-8")
