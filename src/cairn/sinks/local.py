"""The default sink: apply records into a backend's store and blob store in this process.

A backend's ``sink()`` makes one (``cairn.backend``); the store (and numpy with it) is
opened then, which the applier does, so ``init()`` does not pay for it.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING

from cairn.records import Record

if TYPE_CHECKING:
    from cairn.store.base import MetadataStore
    from cairn.store.blobs import BlobStore


class LocalSink:
    def __init__(self, store: MetadataStore, blobs: BlobStore,
                 on_close: Callable[[], None] | None = None) -> None:
        self.store = store
        self.blobs = blobs
        self._on_close = on_close
        """What closing releases (the backend the sink came from); default: the store."""

    def put_blobs(self, digests: Sequence[str], source: BlobStore) -> list[str]:
        from cairn.store.blobs import copy_missing

        return copy_missing(digests, source, self.blobs)

    def apply_records(self, records: Sequence[Record]) -> None:
        self.store.apply_records(records)

    def close(self) -> None:
        if self._on_close is not None:
            self._on_close()
        else:
            self.store.close()
