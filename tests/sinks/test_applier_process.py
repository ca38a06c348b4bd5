"""The applier process opens the backend its ``watch`` command names by URI."""

from __future__ import annotations

import io
import json
from pathlib import Path

import cairn
from cairn.sinks.applier_process import Server


def test_watch_applies_to_the_store_and_blobs_it_names(cairn_root: Path, tmp_path: Path) -> None:
    run = cairn.init(project="p", mode="offline")
    run.log({"x": 2.0})
    run.finish()
    store = f"sqlite:///{tmp_path / 'other' / 'runs.db'}"
    blobs = f"file://{tmp_path / 'other-blobs'}"
    out = io.StringIO()
    server = Server(out)
    server.handle({"op": "watch", "key": "k", "wal": str(run.wal_path), "root": str(cairn_root),
                   "store": store, "blobs": blobs, "interval": 0.1, "heartbeat_timeout": 60,
                   "busy_timeout": 5})
    server.handle({"op": "finish", "key": "k", "id": 1, "timeout": 10})
    assert json.loads(out.getvalue().splitlines()[-1]) == {"id": 1, "ok": True}
    assert not (cairn_root / "cairn.db").exists()
    api = cairn.Api(store=store, blobs=blobs)
    try:
        assert list(api.run(run.path).series("x")[1]) == [2.0]
    finally:
        api.close()


def test_a_watch_without_uris_applies_to_the_folder(cairn_root: Path) -> None:
    """What a parent of an older cairn sends: the folder's own store."""
    run = cairn.init(project="p", mode="offline")
    run.log({"x": 3.0})
    run.finish()
    server = Server(io.StringIO())
    server.handle({"op": "watch", "key": "k", "wal": str(run.wal_path), "root": str(cairn_root),
                   "interval": 0.1, "heartbeat_timeout": 60, "busy_timeout": 5})
    server.handle({"op": "finish", "key": "k", "id": 1, "timeout": 10})
    api = cairn.Api()
    try:
        assert list(api.run(run.path).series("x")[1]) == [3.0]
    finally:
        api.close()
