"""``open_backend``: a store and a blob store chosen by URI scheme, including schemes that
another distribution adds through the ``cairn.backends`` entry-point group."""

from __future__ import annotations

import socket
import textwrap
from pathlib import Path

import pytest

import cairn
from cairn.backend import ENTRY_POINT_GROUP, Backend, known_schemes, open_backend, sqlite_path
from cairn.errors import NotFoundError, ServerUnavailableError, StoreError
from cairn.settings import load_settings
from cairn.store.blobs import LocalBlobStore


def _blob_root(backend: Backend) -> Path:
    blobs = backend.blobs
    assert isinstance(blobs, LocalBlobStore)
    return blobs.root


def test_a_folder_path_is_the_embedded_store_with_its_blobs(tmp_path: Path) -> None:
    folder = tmp_path / "elsewhere"
    backend = open_backend(folder, load_settings())
    try:
        assert sqlite_path(backend.store_uri) == folder / "cairn.db"
        assert backend.store.list_projects() == []
        assert (folder / "cairn.db").is_file()
        assert _blob_root(backend) == folder / "blobs"
        assert backend.blobs_uri == f"file://{folder / 'blobs'}"
    finally:
        backend.close()


def test_sqlite_uris_as_sqlalchemy_spells_them(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                               ) -> None:
    absolute = open_backend(f"sqlite:///{tmp_path / 'db' / 'runs.db'}", load_settings())
    assert sqlite_path(absolute.store_uri) == tmp_path / "db" / "runs.db"
    assert _blob_root(absolute) == tmp_path / "db" / "blobs"
    monkeypatch.chdir(tmp_path)
    relative = open_backend("sqlite:///rel/cairn.db", load_settings())
    assert sqlite_path(relative.store_uri) == Path("rel/cairn.db")
    try:
        relative.store.list_projects()
        assert (tmp_path / "rel" / "cairn.db").is_file()
    finally:
        relative.close()


def test_file_blobs_are_a_local_folder_anywhere(tmp_path: Path) -> None:
    backend = open_backend(tmp_path / "store", load_settings(),
                           blobs=f"file://{tmp_path / 'media'}")
    info = backend.blobs.put_bytes(b"hello")
    assert (tmp_path / "media").is_dir()
    with backend.blobs.open(info.digest) as content:
        assert content.read() == b"hello"
    assert not (tmp_path / "store" / "blobs").exists()


def test_by_default_the_settings_name_the_backend(cairn_root: Path) -> None:
    backend = open_backend()
    assert sqlite_path(backend.store_uri) == cairn_root / "cairn.db"
    assert _blob_root(backend) == cairn_root / "blobs"


def test_readers_never_create_a_store(tmp_path: Path) -> None:
    with pytest.raises(NotFoundError, match="no cairn store at"):
        open_backend(tmp_path / "empty", load_settings(), create=False)
    assert not (tmp_path / "empty").exists()


def test_an_unknown_scheme_names_it_and_the_known_ones() -> None:
    with pytest.raises(StoreError) as caught:
        open_backend("ftp://host/runs", load_settings())
    message = str(caught.value)
    assert "ftp://" in message
    for scheme in ("sqlite://", "postgresql://", "http://", "https://"):
        assert scheme in message
    assert ENTRY_POINT_GROUP in message


@pytest.mark.parametrize("uri", ["http://127.0.0.1:8080", "https://cairn.example.org/team"])
def test_a_cairn_server_is_a_backend_that_connects_on_use(uri: str) -> None:
    backend = open_backend(uri, load_settings())
    try:
        assert backend.store_uri == uri
        # Opening connects nowhere; what is not done over HTTP says so without trying.
        with pytest.raises(StoreError, match="not done over HTTP"):
            backend.store.delete_run(None)
    finally:
        backend.close()


def test_an_unreachable_server_is_named() -> None:
    with socket.socket() as sock:  # a port nothing listens on
        sock.bind(("127.0.0.1", 0))
        url = f"http://127.0.0.1:{sock.getsockname()[1]}"
    backend = open_backend(url, load_settings())
    try:
        with pytest.raises(ServerUnavailableError, match=f"cannot reach the cairn server {url}"):
            backend.store.list_projects()
    finally:
        backend.close()


def _install_distribution(site: Path) -> None:
    """A distribution, as pip leaves one, that adds the ``memo://`` scheme: ``memo://PATH``
    is the embedded store of the folder PATH."""
    (site / "memo_backend.py").write_text(textwrap.dedent('''
        from cairn.backend import StoreBackend

        def open_memo(uri, blobs, settings, create):
            folder = uri.split("://", 1)[1]
            return StoreBackend(f"sqlite:///{folder}/cairn.db", f"file://{folder}/blobs",
                                settings)
    '''))
    info = site / "memo_backend-1.0.dist-info"
    info.mkdir()
    (info / "METADATA").write_text("Metadata-Version: 2.1\nName: memo-backend\nVersion: 1.0\n")
    (info / "entry_points.txt").write_text(
        f"[{ENTRY_POINT_GROUP}]\nmemo = memo_backend:open_memo\n")


def test_a_scheme_from_an_entry_point(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    site = tmp_path / "site"
    site.mkdir()
    _install_distribution(site)
    monkeypatch.syspath_prepend(str(site))
    assert "memo" in known_schemes()
    folder = tmp_path / "memo-store"
    uri = f"memo://{folder}"
    monkeypatch.setenv("CAIRN_APPLIER", "thread")  # the applier process has its own path
    run = cairn.init(project="p", settings={"store": uri})
    run.log({"x": 1.0})
    run.finish()
    assert (folder / "cairn.db").is_file()
    api = cairn.Api(store=uri)
    try:
        assert [r["x"] for r in api.run(run.path).scan_history(keys=["x"])] == [1.0]
    finally:
        api.close()

