"""Files of a run as ``cairn.Api`` returns them: ``run.files()``, ``run.file(name)``."""

from __future__ import annotations

from pathlib import Path
from typing import BinaryIO

from cairn.limits import check_file_name
from cairn.store.base import RunFile
from cairn.store.blobs import BlobStore, copy_blob_to


class File:
    """One file of a run: its latest saved version."""

    def __init__(self, row: RunFile, blobs: BlobStore) -> None:
        self._row = row
        self._blobs = blobs

    @property
    def name(self) -> str:
        return self._row.name

    @property
    def size(self) -> int:
        return self._row.size

    @property
    def digest(self) -> str:
        """The content's sha256."""
        return self._row.sha256

    @property
    def updated_at(self) -> float:
        return self._row.updated_at

    @property
    def policy(self) -> str:
        return self._row.policy

    def open(self) -> BinaryIO:
        """The content, for reading (raises NotFoundError if its blob is gone)."""
        return self._blobs.open(self._row.sha256)

    def download(self, root: str | Path = ".", replace: bool = False,
                 exist_ok: bool = False) -> Path:
        """Write the file below ``root`` under its name; an existing file is an error unless
        ``replace`` (overwrite) or ``exist_ok`` (keep it) is given."""
        dest = Path(root) / check_file_name(self._row.name)
        if dest.exists() and not replace:
            if exist_ok:
                return dest
            raise FileExistsError(f"{dest} exists; pass replace=True to overwrite it or "
                                  "exist_ok=True to keep it")
        return copy_blob_to(self._blobs, self._row.sha256, dest)

    def __repr__(self) -> str:
        return f"<File {self.name} ({self.size} bytes)>"
