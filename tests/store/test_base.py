"""The store interface's shared rules: when a running run reads as crashed."""

from __future__ import annotations

import os
import socket
import subprocess
import sys

from cairn.store.base import effective_state

HERE = socket.gethostname()


def _dead_pid() -> int:
    proc = subprocess.Popen([sys.executable, "-c", "pass"])
    proc.wait()
    return proc.pid


def test_only_running_runs_can_be_crashed() -> None:
    for state in ("finished", "failed", "killed", "crashed"):
        assert effective_state(state, 0.0, HERE, _dead_pid(), 60.0, now=1e9) == state


def test_dead_writer_on_this_host() -> None:
    assert effective_state("running", 100.0, HERE, _dead_pid(), 60.0, now=110.0) == "crashed"
    # Elsewhere the pid means nothing: only the heartbeat counts.
    assert effective_state("running", 100.0, "far", _dead_pid(), 60.0, now=110.0) == "running"


def test_heartbeat_timeout() -> None:
    assert effective_state("running", 100.0, "far", 1, 60.0, now=160.0) == "running"
    assert effective_state("running", 100.0, "far", 1, 60.0, now=160.5) == "crashed"
    assert effective_state("running", 100.0, HERE, 1, 60.0, now=1000.0) == "crashed"
    assert effective_state("running", 100.0, None, None, 60.0, now=1000.0) == "crashed"


def test_this_process_is_running() -> None:
    assert effective_state("running", 0.0, HERE, os.getpid(), 60.0, now=1e9) == "running"


def test_odd_pids_are_ignored() -> None:
    for pid in (0, -1, 2**40):
        assert effective_state("running", 100.0, HERE, pid, 60.0, now=110.0) == "running"


def test_a_shared_store_goes_by_heartbeat_alone() -> None:
    """On a store many hosts share, a pid may be anyone's: only the heartbeat counts."""
    dead = _dead_pid()
    assert effective_state("running", 100.0, HERE, dead, 60.0, now=110.0,
                           local_pids=False) == "running"
    assert effective_state("running", 100.0, HERE, os.getpid(), 60.0, now=1000.0,
                           local_pids=False) == "crashed"
