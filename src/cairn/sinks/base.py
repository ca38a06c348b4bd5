"""The ``Sink`` interface: a batch of records in, and the blobs they reference."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Protocol

from cairn.records import Record

if TYPE_CHECKING:
    from cairn.store.blobs import BlobStore


class Sink(Protocol):
    def put_blobs(self, digests: Sequence[str], source: BlobStore) -> list[str]:
        """Make the blobs available where the records go, taking those missing there from
        ``source`` (the run folder's blobs); returns the digests found nowhere."""
        ...

    def apply_records(self, records: Sequence[Record]) -> None:
        """Make the records durable where this sink sends them; raise on failure (the
        caller keeps them in the WAL and retries)."""
        ...

    def close(self) -> None: ...
