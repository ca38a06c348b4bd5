"""``finish_wait``: by default ``finish()`` returns once the run is in its store, so a
process killed right after it (Ray's logging actors, job schedulers) leaves the whole run
there; ``wal`` returns once the run's end is durable in its WAL."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

import cairn

SCRIPT = textwrap.dedent("""
    import os, cairn
    run = cairn.init(project="p", id="gone", config={"x": 1})
    for step in range(20):
        run.log({"loss": float(step)})
    run.config.update({"pid": os.getpid()}, allow_val_change=True)
    run.finish()
    os.killpg(0, 9)  # the process and its applier process killed at once, as a scheduler does
""")


def _run_and_vanish(root: Path, **env: str) -> None:
    done = subprocess.run([sys.executable, "-c", SCRIPT], env={**os.environ, **env},
                          capture_output=True, text=True, timeout=120, check=False,
                          start_new_session=True)  # its own process group, to kill whole
    assert done.returncode == -9, done.stderr


def test_a_process_killed_right_after_finish_leaves_the_whole_run_in_the_store(
        cairn_root: Path) -> None:
    _run_and_vanish(cairn_root)
    api = cairn.Api()
    try:
        run = api.run("gone")
        assert run.state == "finished"
        assert "pid" in run.config
        assert [r["loss"] for r in run.scan_history(keys=["loss"])] == [float(s)
                                                                        for s in range(20)]
    finally:
        api.close()


def test_finish_wait_takes_store_or_wal_only() -> None:
    with pytest.raises(ValueError, match="finish_wait"):
        cairn.init(project="p", settings={"finish_wait": "later"})
