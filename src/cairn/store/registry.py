"""Backends by URI scheme: ``sqlite:///path/cairn.db`` or a plain path to a cairn folder;
blob stores by ``file://`` (S3 with the team server)."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING
from urllib.parse import urlparse

from cairn.errors import StoreError

if TYPE_CHECKING:
    # Annotations only: a run that saves a file opens its blob store through this
    # module, and must not import numpy (``base`` imports the codec) to do so.
    from cairn.store.base import MetadataStore
    from cairn.store.blobs import BlobStore


def _open_sqlite(location: str, heartbeat_timeout: float, busy_timeout: float) -> MetadataStore:
    from cairn.store.sqlite import SqliteStore

    return SqliteStore(Path(location), heartbeat_timeout=heartbeat_timeout,
                       busy_timeout=busy_timeout)


def _open_postgres(location: str, heartbeat_timeout: float,
                   busy_timeout: float) -> MetadataStore:
    from cairn.store.postgres import PostgresStore

    return PostgresStore(f"postgresql://{location}", heartbeat_timeout=heartbeat_timeout,
                         busy_timeout=busy_timeout)


_BACKENDS: dict[str, Callable[[str, float, float], MetadataStore]] = {
    "sqlite": _open_sqlite, "postgresql": _open_postgres, "postgres": _open_postgres}


def open_store(uri: str | Path, heartbeat_timeout: float = 60.0,
               busy_timeout: float = 10.0) -> MetadataStore:
    """Open the store named by ``uri``: a ``scheme://`` URI, or the path of a cairn folder
    (which holds ``cairn.db``) or of a ``.db`` file."""
    text = str(uri)
    parsed = urlparse(text)
    if parsed.scheme in _BACKENDS and "://" in text:
        location = text.split("://", 1)[1]
        if parsed.scheme == "sqlite" and location.startswith("/"):
            # sqlite:///relative.db and sqlite:////absolute.db, as SQLAlchemy spells them
            location = location[1:]
        return _BACKENDS[parsed.scheme](location, heartbeat_timeout, busy_timeout)
    if "://" in text:
        known = ", ".join(f"{s}://" for s in sorted(_BACKENDS))
        raise StoreError(f"no store backend for {parsed.scheme}:// (known: {known})")
    path = Path(text)
    if path.suffix != ".db":
        path = path / "cairn.db"
    return _open_sqlite(str(path), heartbeat_timeout, busy_timeout)


def open_blobs(uri: str | Path) -> BlobStore:
    """The blob store named by ``uri``: ``file:///path/to/blobs``, ``s3://bucket/prefix``
    (endpoint and credentials from the AWS environment), or the path of a cairn folder
    (whose ``blobs/`` it opens)."""
    from cairn.store.blobs import LocalBlobStore

    text = str(uri)
    if text.startswith("file://"):
        return LocalBlobStore(Path(text[len("file://"):]))
    if text.startswith("s3://"):
        from cairn.store.s3_blobs import S3BlobStore

        return S3BlobStore.from_uri(text)
    if "://" in text:
        raise StoreError(f"no blob store backend for {text.split('://', 1)[0]}:// "
                         "(known: file://, s3://)")
    return LocalBlobStore(Path(text) / "blobs")
