"""Opening stores by URI or folder."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from cairn.errors import StoreError
from cairn.store.registry import open_store
from cairn.store.sqlite import SqliteStore


def test_a_folder_holds_cairn_db(tmp_path: Path) -> None:
    store = open_store(tmp_path / "folder", heartbeat_timeout=5.0)
    try:
        assert isinstance(store, SqliteStore)
        assert store.path == tmp_path / "folder" / "cairn.db"
        assert store.heartbeat_timeout == 5.0
    finally:
        store.close()
    assert (tmp_path / "folder" / "cairn.db").exists()


def test_db_file_and_sqlite_uris(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    for target, expected in [(str(tmp_path / "a.db"), tmp_path / "a.db"),
                             (f"sqlite:///{tmp_path}/b.db", tmp_path / "b.db")]:
        store = open_store(target)
        assert isinstance(store, SqliteStore)
        assert Path(store.path).resolve() == expected.resolve()
        store.close()
    monkeypatch.chdir(tmp_path)
    store = open_store("sqlite:///relative.db")
    assert isinstance(store, SqliteStore)
    store.close()
    assert os.path.exists(tmp_path / "relative.db")


def test_unknown_scheme(tmp_path: Path) -> None:
    with pytest.raises(StoreError, match=r"no store backend for nosuch://"):
        open_store("nosuch://host/db")
