"""An online run's WAL is compacted only once the server has acknowledged all of it: with
the server away at ``finish()`` it stays whole for ``cairn sync``."""

from __future__ import annotations

import pytest
from tests.faults.test_server import online, server, stored_losses

import cairn
from cairn.sinks.thread import ThreadApplier
from cairn.testing_server import ServerProcess
from cairn.wal import compact
from cairn.wal.reader import WalReader

__all__ = ["server"]  # the fixture


def _finished(run: cairn.Run) -> ThreadApplier:
    applier = run._applier
    assert isinstance(applier, ThreadApplier)
    if applier.compaction is not None:
        applier.compaction.join(30)
    return applier


def test_only_an_acknowledged_online_wal_is_compacted(
        server: ServerProcess, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(compact, "COMPACT_FROM", 0)
    monkeypatch.setenv("CAIRN_WAL_RETENTION", "compact")
    online(server, monkeypatch, entity="ada", finish_timeout=1, applier="thread")
    away = cairn.init(project="p")
    for step in range(50):
        away.log({"loss": float(step)})
    with pytest.warns(cairn.CairnWarning, match="cairn sync"):
        away.finish()
    assert _finished(away).compaction is None
    reader = WalReader(away.wal_path)
    assert sum(r.kind == "history" for r in reader.read()) >= 1
    assert reader.compacted is None

    server.start()
    run = cairn.init(project="p")
    for step in range(50):
        run.log({"loss": float(step)})
    run.finish()
    assert _finished(run).compaction is not None
    reader = WalReader(run.wal_path)
    assert not [r for r in reader.read() if r.kind == "history"]
    assert reader.compacted is not None
    assert reader.compacted["store"] == server.url
    assert stored_losses(server, run.path) == [(s, float(s)) for s in range(50)]
