"""``Backend``: where runs are stored, opened by URI: a ``MetadataStore`` and a
``BlobStore`` together, and the ``Sink`` that applies WAL records into them.

Every reader and writer (``init``/``Run``, ``Api``, the appliers, ``cairn ui``, ``cairn
sync``, ``cairn gc``) reaches storage through :func:`open_backend`, never by a folder.
A URI's scheme picks the backend:

    path, ``sqlite:///…``    the embedded store (SQLite), blobs ``file://`` beside it
    ``postgresql://…``       a team's database, with ``s3://bucket/prefix`` blobs
    ``http(s)://…``          a cairn server (``cairn.http_backend``)

A third party adds a scheme with an entry point in the ``cairn.backends`` group, named
after the scheme, pointing at a :data:`BackendFactory`::

    [project.entry-points."cairn.backends"]
    mystore = "mypackage.cairn_backend:open_mystore"

Opening a backend is cheap and imports nothing heavy: the store and blob store open on
first use, so ``init()`` stays light and a process that only writes blobs never connects
to the database.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Protocol

from cairn.errors import NotFoundError, StoreError
from cairn.settings import Settings, local_blobs_uri

if TYPE_CHECKING:
    from cairn.sinks.base import Sink
    from cairn.store.base import MetadataStore
    from cairn.store.blobs import BlobStore

ENTRY_POINT_GROUP = "cairn.backends"


class Backend(Protocol):
    """A metadata store and a blob store reached together, and how records reach them."""

    store_uri: str
    """The URI it was opened from: another process opens the same backend with it."""
    blobs_uri: str

    @property
    def store(self) -> MetadataStore: ...

    @property
    def blobs(self) -> BlobStore: ...

    def sink(self) -> Sink:
        """Where an applier sends this backend's records; closing the sink closes the
        backend (an applier opens a backend of its own)."""
        ...

    def close(self) -> None: ...


BackendFactory = Callable[[str, str, Settings, bool], Backend]
"""``factory(store_uri, blobs_uri, settings, create)``: the backend for a URI of its
scheme. With ``create`` False, a store that does not exist yet raises ``NotFoundError``
rather than being made (readers never create one)."""


class StoreBackend:
    """A backend made of a store and a blob store from ``cairn.store.registry`` (SQLite or
    PostgreSQL, local folder or S3), each opened on first use."""

    def __init__(self, store_uri: str, blobs_uri: str, settings: Settings) -> None:
        self.store_uri = store_uri
        self.blobs_uri = blobs_uri
        self._settings = settings
        self._store: MetadataStore | None = None
        self._blobs: BlobStore | None = None

    def __repr__(self) -> str:
        return f"StoreBackend({self.store_uri!r}, {self.blobs_uri!r})"

    @property
    def store(self) -> MetadataStore:
        if self._store is None:
            from cairn.store.registry import open_store

            self._store = open_store(self.store_uri,
                                     heartbeat_timeout=self._settings.heartbeat_timeout,
                                     busy_timeout=self._settings.store_busy_timeout)
        return self._store

    @property
    def blobs(self) -> BlobStore:
        if self._blobs is None:
            from cairn.store.registry import open_blobs

            self._blobs = open_blobs(self.blobs_uri)
        return self._blobs

    def sink(self) -> Sink:
        from cairn.sinks.local import LocalSink

        return LocalSink(self.store, self.blobs, on_close=self.close)

    def close(self) -> None:
        store, self._store = self._store, None
        if store is not None:
            store.close()


def sqlite_path(uri: str) -> Path:
    """The database file of an embedded store URI (a folder or ``.db`` path, or
    ``sqlite:///relative.db`` / ``sqlite:////absolute.db`` as SQLAlchemy spells them)."""
    if uri.startswith("sqlite://"):
        location = uri[len("sqlite://"):]
        return Path(location[1:] if location.startswith("/") else location)
    path = Path(uri).expanduser()
    return path if path.suffix == ".db" else path / "cairn.db"


def _open_embedded(uri: str, blobs: str, settings: Settings, create: bool) -> Backend:
    path = sqlite_path(uri)
    if not create and not path.exists():
        raise NotFoundError(f"no cairn store at {path} (nothing has been logged or synced "
                            "there yet; check CAIRN_STORE / CAIRN_DIR, or --store / --dir)")
    return StoreBackend(uri, blobs, settings)


def _open_database(uri: str, blobs: str, settings: Settings, create: bool) -> Backend:
    return StoreBackend(uri, blobs, settings)


def _open_server(uri: str, blobs: str, settings: Settings, create: bool) -> Backend:
    from cairn.http_backend import open_server

    return open_server(uri, blobs, settings, create)


_SCHEMES: dict[str, BackendFactory] = {
    "sqlite": _open_embedded,
    "postgresql": _open_database,
    "http": _open_server,
    "https": _open_server,
}


def register_scheme(scheme: str, factory: BackendFactory) -> None:
    """Open URIs of ``scheme`` with ``factory`` (in this process; packages that add a
    backend for every process declare a ``cairn.backends`` entry point instead)."""
    _SCHEMES[scheme.lower()] = factory


def _entry_point_factory(scheme: str) -> BackendFactory | None:
    from importlib.metadata import entry_points

    for entry in entry_points(group=ENTRY_POINT_GROUP, name=scheme):
        factory = entry.load()
        if not callable(factory):
            raise StoreError(f"the {ENTRY_POINT_GROUP} entry point {entry.name!r} "
                             f"({entry.value}) is not a backend factory")
        found: BackendFactory = factory
        return found
    return None


def known_schemes() -> list[str]:
    """Every scheme a URI may have: built in, registered, and from entry points."""
    from importlib.metadata import entry_points

    return sorted({*_SCHEMES, *(e.name for e in entry_points(group=ENTRY_POINT_GROUP))})


def _factory(uri: str) -> BackendFactory:
    if "://" not in uri:
        return _open_embedded
    scheme = uri.split("://", 1)[0].lower()
    factory = _SCHEMES.get(scheme) or _entry_point_factory(scheme)
    if factory is None:
        known = ", ".join(f"{s}://" for s in known_schemes())
        raise StoreError(f"no storage backend for {scheme}:// in {uri!r} (known: a folder "
                         f"path, {known}; a package can add one with a "
                         f"{ENTRY_POINT_GROUP!r} entry point)")
    return factory


def open_backend(uri: str | Path | None = None, settings: Settings | None = None, *,
                 blobs: str | None = None, create: bool = True) -> Backend:
    """The backend named by ``uri`` (default: ``settings.store``).

    Its blob store is ``blobs``; else ``settings.blobs`` for the settings' own store; else
    the ``blobs/`` folder beside an embedded store; else ``settings.blobs``. With ``create``
    False a store that does not exist raises ``NotFoundError`` (readers never make one).
    """
    if settings is None:
        from cairn.settings import load_settings

        settings = load_settings()
    text = settings.store if uri is None else str(uri)
    if "://" not in text:
        text = str(Path(text).expanduser().absolute())
    if blobs is None:
        if text == settings.store:
            blobs = settings.blobs
        else:
            blobs = local_blobs_uri(text) or settings.blobs
    return _factory(text)(text, blobs, settings, create)


__all__ = ["ENTRY_POINT_GROUP", "Backend", "BackendFactory", "StoreBackend", "known_schemes",
           "open_backend", "register_scheme", "sqlite_path"]
