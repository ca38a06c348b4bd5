"""A process that forks after ``init()`` (DataLoader workers, ``multiprocessing`` with the
fork start method, some launchers): the children log into the parent's run object while
the parent logs, as wandb's forked children do (``sdk/fork.py``). Every row of every
process arrives once, each at a step of its own; the children's exits (multiprocessing's
``os._exit``, a plain ``sys.exit`` with atexit, ``finish()``) end only their part; and the
parent's WAL holds the parent's records only, whole."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

FORKER = """
    import multiprocessing as mp
    import os, sys, warnings
    import cairn

    run = cairn.init(project="fork", config={"lr": 0.1}, settings={"wal_interval": 0.01})
    print(run.path, run.wal_path, flush=True)
    for step in range(300):
        run.log({"x": step})

    def child(name, finish):
        for step in range(200):
            run.log({name: step})
        run.config.update({name: True})
        run.summary[name + "_best"] = 7
        if finish:
            run.finish()  # ends this child's part only

    warnings.simplefilter("ignore", DeprecationWarning)  # fork with threads running
    pid = os.fork()
    if pid == 0:
        child("c", False)
        sys.exit(0)  # atexit ends the child's part, never the parent's run
    workers = [mp.get_context("fork").Process(target=child, args=(name, finish))
               for name, finish in (("a", False), ("b", True))]
    for worker in workers:
        worker.start()
    for step in range(300, 600):
        run.log({"x": step})
    for worker in workers:
        worker.join()
    _, status = os.waitpid(pid, 0)
    print("children", [w.exitcode for w in workers], os.waitstatus_to_exitcode(status))
    run.log({"x": 600})
    print("parent-step", run.step, flush=True)
    run.finish(quiet=True)
"""


@pytest.mark.slow
def test_forked_children_log_into_the_run_while_the_parent_logs(cairn_root: Path,
                                                                 kit: Any) -> None:
    proc = kit.child(FORKER)
    out, err = proc.communicate(timeout=180)
    assert proc.returncode == 0, err
    lines = out.splitlines()
    path, wal = lines[0].split()
    assert "children [0, 0] 0" in lines, out + err
    assert "forked" not in err, err
    assert "Traceback" not in err, err

    # the parent's WAL: its own records only, numbered without a gap, one finish, last
    records = kit.wal_records(Path(wal))
    assert [r.seq for r in records] == list(range(1, len(records) + 1))
    assert [r.kind for r in records].count("finish") == 1
    assert records[-1].kind == "finish"
    parent_steps = kit.wal_steps(Path(wal), "x")
    assert parent_steps == sorted(parent_steps)
    assert len(parent_steps) == 601
    for name in "abc":
        assert kit.wal_steps(Path(wal), name) == []
    # each child wrote a WAL of its own, whole, in a run folder next to the parent's
    child_wals = [p for p in Path(wal).parent.parent.glob("*/*.cairn") if p != Path(wal)]
    assert len(child_wals) == 3
    for child_wal in child_wals:
        assert kit.wal_records(child_wal)[-1].kind == "finish"

    stored = kit.stored_run(cairn_root, path)
    assert stored is not None
    assert stored.row.state == "finished"
    assert stored.series["x"][1] == list(range(601))
    every_step = list(stored.series["x"][0])
    for name in "abc":
        steps, values = stored.series[name]
        assert values == list(range(200)), name
        assert steps == sorted(steps), name
        every_step += steps
    # every row its own step, as wandb's service gives them, and none left out
    assert sorted(every_step) == list(range(601 + 3 * 200))
    assert f"parent-step {601 + 3 * 200}" in lines
    assert stored.row.config["lr"] == 0.1
    assert all(stored.row.config[name] is True for name in "abc")
    assert all(stored.row.summary[name + "_best"] == 7 for name in "abc")


DIES_HOLDING_THE_COUNTER = """
    import os, time, warnings
    import cairn

    run = cairn.init(project="fork")
    run.log({"x": 0})
    warnings.simplefilter("ignore", DeprecationWarning)  # fork with threads running
    pid = os.fork()
    if pid == 0:
        run._handoff._lock.acquire()  # killed in the middle of taking a step
        os.kill(os.getpid(), 9)
    os.waitpid(pid, 0)
    started = time.monotonic()
    for step in range(1, 100):
        run.log({"x": step})
    print("waited", round(time.monotonic() - started), flush=True)
    run.finish(quiet=True)
    print(run.path, flush=True)
"""


@pytest.mark.slow
def test_a_child_killed_holding_the_step_counter_does_not_hang_the_parent(
        cairn_root: Path, kit: Any) -> None:
    proc = kit.child(DIES_HOLDING_THE_COUNTER)
    out, err = proc.communicate(timeout=60)
    assert proc.returncode == 0, err
    waited, path = out.splitlines()
    assert int(waited.split()[1]) <= 3  # one wait for the lock, then none
    stored = kit.stored_run(cairn_root, path)
    assert stored is not None
    assert stored.series["x"][1] == list(range(100))
