"""The WAL writer thread: records reach the WAL in sequence order."""

from __future__ import annotations

import time

import numpy as np

import cairn
from cairn.wal.reader import read_wal


def test_a_finish_right_after_media_lands_after_them_in_sequence_order() -> None:
    run = cairn.init(project="writer")
    writer = run._writer
    assert writer is not None
    writer._interval = 60.0  # the writer now waits for a wake-up ...
    time.sleep(0.2)  # ... once its current short wait is over
    # The row and the finish reach the writer in one take: the finish waits for the image
    # to be encoded, and must still come after it in sequence order.
    run.log({"img": cairn.Image(np.zeros((4, 4), dtype=np.uint8)), "loss": 1.0})
    run.finish()
    stored = cairn.Api().run(run.path)  # waits for the run's WAL to close and be applied
    records = read_wal(run.wal_path)
    seqs = [r.seq for r in records]
    assert seqs == sorted(seqs)
    assert len(set(seqs)) == len(seqs)
    kinds = [r.kind for r in records]
    # Only the environment snapshot (and its files), taken at finish, may follow.
    assert kinds.index("finish") > max(i for i, k in enumerate(kinds) if k == "history")
    assert set(kinds[kinds.index("finish") + 1:]) <= {"environment", "file"}
    assert stored.state == "finished"
    assert [r["loss"] for r in stored.scan_history(keys=["loss"])] == [1.0]
