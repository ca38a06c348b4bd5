"""How a run reads its store back: ``use_artifact``, ``Artifact.wait()`` and
``run.history.rows()`` go through a :class:`RunReader`.

The reader is the public read API, ``cairn.Api``, which sits above the SDK (it hands out
the SDK's ``Artifact`` objects). So that the SDK never imports it, the package installs
the way to open one here (``cairn/__init__.py``): the SDK depends on this protocol only.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol

if TYPE_CHECKING:
    from cairn.sdk.artifacts.artifact import Artifact
    from cairn.store.artifacts import ArtifactVersionRow
    from cairn.store.base import MetadataStore


class RunReader(Protocol):
    @property
    def store(self) -> MetadataStore: ...

    def run(self, path: str) -> Any:
        """The public API's run at ``entity/project/run_id``."""
        ...

    def stored_artifact(self, entity: str, project: str, name: str,
                        selector: str) -> Artifact:
        """The stored version ``selector`` names; NotFoundError if there is none."""
        ...

    def mark_stored(self, artifact: Artifact, row: ArtifactVersionRow) -> None:
        """Tie a logged artifact to the version the store made of it."""
        ...

    def close(self) -> None: ...


OpenReader = Callable[[Path, "str | None", "str | None", "str | None"], RunReader]
"""``open(root, store URI, blobs URI, API key)`` (the key for a cairn server's URI)."""
_open: list[OpenReader] = []


def install(open_reader: OpenReader) -> None:
    """Make ``open_reader`` the way runs open their reader (the package does, on import)."""
    _open[:] = [open_reader]


def open_reader(root: Path, store: str | None, blobs: str | None,
                api_key: str | None = None) -> RunReader:
    if not _open:
        raise RuntimeError("no reader of stores is installed; import cairn first")
    return _open[0](root, store, blobs, api_key)
