"""A run's files: names checked so they stay inside the run, content kept as blobs.

``Run._save_file`` is the one way a file becomes part of a run: its current content is
stored as a blob (``run._blobs``) and a ``file`` record names it. ``run.save`` (its
policies), console capture and the environment snapshot are built on it.
"""

from __future__ import annotations

import os
import time
from pathlib import Path
from typing import Any

from cairn.limits import check_file_name
from cairn.store.blobs import BlobStore

POLICIES = ("live", "now", "end")


def file_record(blobs: BlobStore, source: Path, name: str, policy: str) -> dict[str, Any]:
    """Store ``source``'s content in ``blobs`` and return the body of its ``file`` record."""
    if policy not in POLICIES:
        raise ValueError(f"file policy must be one of {', '.join(POLICIES)}; got {policy!r}")
    name = check_file_name(name)
    mtime = os.stat(source).st_mtime
    info = blobs.put_file(source)
    return {"name": name, "sha256": info.digest, "size": info.size, "mtime": mtime,
            "policy": policy, "at": time.time(), "blobs": [info.digest]}
