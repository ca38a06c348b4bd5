"""A process that forks after ``init()`` (DataLoader workers, some DDP launchers): the
child's ``log()`` fails with a clear ``UsageError``, its exit (atexit, ``finish()``) leaves
the parent's WAL alone, a run of its own works, and the parent's WAL stays whole."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

FORKER = """
    import os, sys, warnings
    import cairn

    run = cairn.init(project="fork", settings={"wal_interval": 0.01})
    print(run.path, run.wal_path, flush=True)
    for step in range(500):
        run.log({"x": step})
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)  # fork with threads running
        pid = os.fork()
    if pid == 0:
        outcomes = []
        for attempt in (lambda: run.log({"x": -1}),
                        lambda: run.log({"x": -2}, step=10**6, commit=False),
                        lambda: run.config.update({"child": True})):
            try:
                attempt()
                outcomes.append("accepted")
            except cairn.UsageError as exc:
                outcomes.append("refused: " + str(exc))
        print("child", outcomes, flush=True)
        own = cairn.init(project="fork", name="child", reinit="create_new")
        for step in range(7):
            own.log({"y": step})
        own.finish(quiet=True)
        print("own", own.path, flush=True)
        run.finish()
        sys.exit(0)  # atexit too must leave the parent's run alone
    _, status = os.waitpid(pid, 0)
    for step in range(500, 1000):
        run.log({"x": step})
    run.finish(quiet=True)
    print("parent", os.waitstatus_to_exitcode(status), flush=True)
"""


@pytest.mark.slow
def test_a_forked_child_cannot_log_to_the_run_nor_harm_its_wal(cairn_root: Path,
                                                                kit: Any) -> None:
    proc = kit.child(FORKER)
    out, err = proc.communicate(timeout=120)
    assert proc.returncode == 0, err
    lines = out.splitlines()
    path, wal = lines[0].split()
    child = next(line for line in lines if line.startswith("child "))
    assert child.count("refused: ") == 3, child
    assert "forked" in child, child
    assert "cairn.init()" in child, child
    own_path = next(line for line in lines if line.startswith("own ")).split()[1]
    assert "parent 0" in lines

    records = kit.wal_records(Path(wal))
    assert [r.seq for r in records] == list(range(1, len(records) + 1))
    assert [r.kind for r in records].count("finish") == 1
    assert records[-1].kind == "finish"
    assert kit.wal_steps(Path(wal), "x") == list(range(1000))
    stored = kit.stored_run(cairn_root, path)
    assert stored is not None
    assert stored.row.state == "finished"
    assert stored.series["x"][0] == list(range(1000))
    assert "child" not in stored.row.config
    own = kit.stored_run(cairn_root, own_path)
    assert own is not None
    assert own.series["y"][0] == list(range(7))
