"""The default sink: apply records into the embedded store of the cairn folder.

The store (and numpy with it) is imported when the sink is opened, which the applier
thread does, so ``init()`` does not pay for it.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

from cairn.records import Record
from cairn.settings import Settings

if TYPE_CHECKING:
    from cairn.store.base import MetadataStore
    from cairn.store.blobs import BlobStore


class LocalSink:
    def __init__(self, store: MetadataStore, blobs: BlobStore) -> None:
        self.store = store
        self.blobs = blobs

    @classmethod
    def from_settings(cls, settings: Settings) -> LocalSink:
        from cairn.store.registry import open_blobs, open_store

        return cls(open_store(settings.root, heartbeat_timeout=settings.heartbeat_timeout,
                              busy_timeout=settings.store_busy_timeout),
                   open_blobs(settings.root))

    def put_blobs(self, digests: Sequence[str], source: BlobStore) -> list[str]:
        from cairn.store.blobs import copy_missing

        return copy_missing(digests, source, self.blobs)

    def apply_records(self, records: Sequence[Record]) -> None:
        self.store.apply_records(records)

    def close(self) -> None:
        self.store.close()
