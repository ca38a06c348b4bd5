"""A run's files: names checked so they stay inside the run, content kept as blobs.

``Run._save_file`` is the one way a file becomes part of a run: its current content is
stored as a blob (``run._blobs``) and a ``file`` record names it. ``run.save`` (its
policies), console capture and the environment snapshot are built on it.
"""

from __future__ import annotations

import os
import posixpath
import time
from pathlib import Path
from typing import Any

from cairn.store.blobs import BlobStore

POLICIES = ("live", "now", "end")


def check_file_name(name: object) -> str:
    """``name`` as a normalised relative posix path inside the run; ValueError when it is
    empty, absolute, escapes with ``..``, or holds a NUL or a backslash."""
    if not isinstance(name, str):
        raise ValueError(f"a run file name must be a string; got {type(name).__name__}")
    if not name or "\x00" in name or "\\" in name:
        raise ValueError(f"bad run file name {name!r}: it must be a non-empty relative path "
                         "with '/' separators and no NUL")
    if name.startswith("/") or (len(name) > 1 and name[1] == ":"):
        raise ValueError(f"run file name {name!r} is absolute; name files relative to the run")
    norm = posixpath.normpath(name)
    if norm in {".", ".."} or norm.startswith("../"):
        raise ValueError(f"run file name {name!r} escapes the run's files")
    return norm


def file_record(blobs: BlobStore, source: Path, name: str, policy: str) -> dict[str, Any]:
    """Store ``source``'s content in ``blobs`` and return the body of its ``file`` record."""
    if policy not in POLICIES:
        raise ValueError(f"file policy must be one of {', '.join(POLICIES)}; got {policy!r}")
    name = check_file_name(name)
    mtime = os.stat(source).st_mtime
    info = blobs.put_file(source)
    return {"name": name, "sha256": info.digest, "size": info.size, "mtime": mtime,
            "policy": policy, "at": time.time(), "blobs": [info.digest]}
