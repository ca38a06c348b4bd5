"""``finish()`` hands a run off to the applier process: it returns once the run's end is
durable in its WAL, this process's reads wait for the store to hold it, and a run whose
applier process is killed after ``finish()`` still reaches the store (in this process,
at its exit, or through ``cairn sync`` when both processes died); a process that exits
waits for its runs to reach the store."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

import cairn
from cairn.sinks import handoffs
from cairn.sinks.process import ApplierProcess, shared_process
from cairn.wal.reader import WalReader


@pytest.fixture(autouse=True)
def _wal_only_finish(monkeypatch: pytest.MonkeyPatch) -> None:
    """These tests are about ``finish_wait = "wal"`` (the default waits for the store)."""
    monkeypatch.setenv("CAIRN_FINISH_WAIT", "wal")


def _stopped_applier() -> ApplierProcess:
    """This process's applier process, started and then stopped (SIGSTOP): it applies
    nothing until it is continued or killed."""
    process = shared_process()
    assert process is not None
    assert process.ready.wait(60)
    os.kill(process._proc.pid, signal.SIGSTOP)
    return process


def _kinds_in_wal(path: Path) -> list[str]:
    return [record.kind for record in WalReader(path).read()]


def test_finish_returns_with_the_run_durable_and_reads_recover_a_killed_applier(
        cairn_root: Path) -> None:
    process = _stopped_applier()
    try:
        run = cairn.init(project="p")
        for i in range(100):
            run.log({"x": float(i)})
        run.finish()  # returns although the applier process is stopped
        assert "finish" in _kinds_in_wal(run.wal_path)  # durable before finish() returned
        assert handoffs.pending() >= 1
        assert handoffs.join_closing(30)  # its environment snapshot follows it
    finally:
        os.kill(process._proc.pid, signal.SIGKILL)  # killed without applying anything
    process._proc.wait()
    stored = cairn.Api().run(run.path)  # waits; the dead process's run is applied here
    assert stored.state == "finished"
    assert [r["_step"] for r in stored.scan_history(keys=["x"])] == list(range(100))
    assert handoffs.pending() == 0
    process.discard()


_SCRIPT = """
    import os, signal, sys, cairn
    from cairn.sinks.process import shared_process
    process = shared_process()
    assert process.ready.wait(60)
    os.kill(process._proc.pid, signal.SIGSTOP)
    run = cairn.init(project="p")
    for i in range(100):
        run.log({"x": float(i)})
    run.finish()
    print(run.path, process._proc.pid, flush=True)
    sys.stdin.readline()  # the test kills the applier process meanwhile
    process._proc.wait()  # it is gone (not merely being killed) when this process exits
    if sys.argv[1] == "kill-self":
        os.kill(os.getpid(), signal.SIGKILL)
"""


def _run_script(mode: str) -> tuple[str, str]:
    """Run the script above until the applier process is killed after its finish();
    returns the run's path and the script's stderr."""
    with subprocess.Popen([sys.executable, "-c", textwrap.dedent(_SCRIPT), mode],
                          stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                          stderr=subprocess.PIPE, text=True, env=os.environ.copy()) as proc:
        assert proc.stdout is not None
        assert proc.stdin is not None
        path, pid = proc.stdout.readline().split()
        os.kill(int(pid), signal.SIGKILL)
        proc.stdin.write("\n")
        proc.stdin.flush()
        _, err = proc.communicate(timeout=120)
        assert proc.returncode == (-signal.SIGKILL if mode == "kill-self" else 0), err
    return path, err


def _state_and_steps(path: str) -> tuple[str | None, list[int]]:
    try:
        run = cairn.Api().run(path)
    except cairn.NotFoundError:
        return None, []
    return run.state, [r["_step"] for r in run.scan_history(keys=["x"])]


def test_a_run_whose_applier_was_killed_after_finish_is_applied_at_exit() -> None:
    path, err = _run_script("exit")
    assert _state_and_steps(path) == ("finished", list(range(100))), err


def test_cairn_sync_applies_a_finished_run_whose_two_processes_died(
        cairn_root: Path) -> None:
    path, _ = _run_script("kill-self")
    state, steps = _state_and_steps(path)
    assert (state, steps) != ("finished", list(range(100)))  # nobody applied its end
    out = subprocess.run([sys.executable, "-m", "cairn", "sync"], capture_output=True,
                         text=True, env=os.environ.copy(), check=False, timeout=120)
    assert out.returncode == 0, out.stderr
    assert _state_and_steps(path) == ("finished", list(range(100)))


def test_a_script_that_exits_right_after_finish_has_its_run_in_the_store(
        cairn_root: Path) -> None:
    script = textwrap.dedent("""
        import cairn
        run = cairn.init(project="p")
        for i in range(100):
            run.log({"x": float(i)})
        run.finish()
        print(run.path, flush=True)
    """)
    out = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True,
                         env=os.environ.copy(), check=False, timeout=120)
    assert out.returncode == 0, out.stderr
    # At exit the process waited for its runs to reach the store (or applied them).
    assert _state_and_steps(out.stdout.split()[0]) == ("finished", list(range(100)))
