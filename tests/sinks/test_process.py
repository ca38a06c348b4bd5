"""The applier process: applies while training runs flat out, falls back to a thread
when it dies, and finishes its work when the training process is gone."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import cairn
from cairn.sinks.process import ProcessApplier, shared_process


def _stored_steps(path: str, key: str) -> list[int]:
    try:
        return [r["_step"] for r in cairn.Api().run(path).scan_history(keys=[key])]
    except cairn.NotFoundError:
        return []


def test_the_store_keeps_up_while_the_training_thread_never_yields() -> None:
    run = cairn.init(project="p")
    assert isinstance(run._applier, ProcessApplier)
    process = shared_process()
    assert process is not None
    assert process.ready.wait(30)
    run._flush_to_store()  # the process has opened the store (its imports are done)
    started = time.monotonic()
    step = 0
    while time.monotonic() - started < 2.0:  # pure-Python work: holds the GIL throughout
        run.log({"x": float(step)})
        step += 1
    logged_in_first_half = [s for s in range(step)][: step // 4]
    stored = _stored_steps(run.path, "x")  # no flush: only what the process applied
    assert set(logged_in_first_half) <= set(stored)
    run.finish()
    assert _stored_steps(run.path, "x") == list(range(step))


def test_a_dead_applier_process_falls_back_to_a_thread() -> None:
    run = cairn.init(project="p")
    run.log({"x": 1.0})
    process = shared_process()
    assert process is not None
    process.ready.wait(30)
    run._flush_to_store()
    os.kill(process._proc.pid, signal.SIGKILL)
    process._proc.wait()
    for i in range(2, 100):
        run.log({"x": float(i)})
    run.finish()
    stored = cairn.Api().run(run.path)
    assert stored.state == "finished"
    assert _stored_steps(run.path, "x") == list(range(99))
    assert shared_process() is not process  # a new one for the next run


def test_the_process_finishes_the_work_of_a_killed_training_process(
        cairn_root: Path) -> None:
    script = textwrap.dedent("""
        import os, time, cairn
        from cairn.sinks.process import shared_process
        run = cairn.init(project="p", settings={"apply_interval": 60})
        shared_process().ready.wait(30)
        for i in range(5000):
            run.log({"x": float(i)})
        run._writer.process()  # in the WAL; the store gets it only from the process
        print(run.path, shared_process()._proc.pid, flush=True)
        os.kill(os.getpid(), 9)
    """)
    out = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True,
                         env=os.environ.copy(), check=False, timeout=60)
    path, child = out.stdout.split()
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline:
        try:
            os.kill(int(child), 0)
        except ProcessLookupError:
            break
        time.sleep(0.1)
    else:
        raise AssertionError("the applier process outlived its parent")
    assert _stored_steps(path, "x") == list(range(5000))
    assert cairn.Api().run(path).state == "crashed"


def test_thread_applier_on_request() -> None:
    from cairn.sinks.thread import ThreadApplier

    run = cairn.init(project="p", settings={"applier": "thread"})
    assert isinstance(run._applier, ThreadApplier)
    run.log({"x": 1.0})
    run.finish()
    assert _stored_steps(run.path, "x") == [0]
