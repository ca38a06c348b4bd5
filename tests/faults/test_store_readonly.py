"""A store that cannot be written: training goes on, one warning, the data stays in the
WAL, the run says to run `cairn sync` once its applier process gave up on it, and a sync
applies everything later.

Tests run as root, where permission bits do not stop writes, so the folder (and the
database files, when they exist) get the immutable attribute (``chattr +i``) instead.
"""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

import pytest

import cairn
from cairn.sinks.handoffs import wait_for_handoffs


@pytest.mark.parametrize("store", ["new", "existing"])
def test_an_unwritable_store_does_not_stop_training(cairn_root: Path, kit: Any,
                                                     store: str) -> None:
    (cairn_root / "runs").mkdir(parents=True)
    if store == "existing":
        earlier = cairn.init(project="ro")
        earlier.log({"x": -1})
        earlier.finish()
        assert wait_for_handoffs()  # the store holds it before it turns read-only
    locked = [cairn_root, *(p for p in cairn_root.glob("cairn.db*") if p.is_file())]
    with kit.read_only(*locked), kit.recorded_warnings() as caught:
        # finish_wait = "wal": finish() returns at the WAL and the hand-off answers later
        run = cairn.init(project="ro", settings={"apply_interval": 0.05, "finish_wait": "wal"})
        for step in range(200):
            run.log({"x": step, "y": step * 0.5})
        run._flush_to_store()  # an application attempt while logging goes on
        for step in range(200, 400):
            run.log({"x": step, "y": step * 0.5})
        started = time.monotonic()
        run.finish()
        took = time.monotonic() - started
        assert not wait_for_handoffs()  # the applier process says it could not apply it
    messages = kit.cairn_warnings(caught)
    assert len(messages) == 2, messages
    assert "cannot write to the store" in messages[0]
    assert "safe in its WAL" in messages[0]
    assert "cairn sync" in messages[1]
    assert run.id in messages[1]
    assert took < 5, "finish() does not wait for a store that is not merely locked"
    assert kit.wal_steps(run.wal_path, "x") == list(range(400))
    if store == "existing":
        before = kit.stored_run(cairn_root, run.path)
        assert before is None or "x" not in before.series

    results = kit.sync(cairn_root)
    assert sum(r.applied for r in results) > 0
    stored = kit.stored_run(cairn_root, run.path)
    assert stored is not None
    assert stored.row.state == "finished"
    assert stored.series["x"] == (list(range(400)), [float(s) for s in range(400)])
    assert stored.series["y"][1] == [s * 0.5 for s in range(400)]
