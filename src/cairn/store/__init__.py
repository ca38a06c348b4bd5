"""Stores: the index built from WALs. ``open_store(uri)`` picks a backend by URI scheme."""

from cairn.store.base import MetadataStore, RunRow, SeriesInfo
from cairn.store.registry import open_store

__all__ = ["MetadataStore", "RunRow", "SeriesInfo", "open_store"]
