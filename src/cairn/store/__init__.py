"""Stores: the index built from WALs. ``open_store(uri)`` picks a backend by URI scheme.

The names below load on first use: importing a light module of this package (``blobs``,
which the SDK uses to save a run's files) must not pull in numpy with ``base``.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from cairn.store.base import MetadataStore, RunRow, SeriesInfo
    from cairn.store.registry import open_store

_WHERE = {"MetadataStore": "cairn.store.base", "RunRow": "cairn.store.base",
          "SeriesInfo": "cairn.store.base", "open_store": "cairn.store.registry"}

__all__ = ["MetadataStore", "RunRow", "SeriesInfo", "open_store"]


def __getattr__(name: str) -> Any:
    module = _WHERE.get(name)
    if module is None:
        raise AttributeError(f"module 'cairn.store' has no attribute {name!r}")
    return getattr(importlib.import_module(module), name)
