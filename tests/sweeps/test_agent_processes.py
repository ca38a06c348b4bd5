"""Agents in separate processes sharing one sweep through the store: a grid handed out
exactly once across racing processes, and a killed agent's grid point run again."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections import Counter
from pathlib import Path

import pytest

import cairn

pytestmark = pytest.mark.slow

AGENT = """
import sys, time, pathlib, cairn
marker = pathlib.Path(sys.argv[2]) if len(sys.argv) > 2 else None
def trial():
    if marker is not None:
        run = cairn.init()
        marker.write_text(str(run.config["a"]))
        time.sleep(120)
print(cairn.agent(sys.argv[1], function=trial))
"""


def _agent(sweep_id: str, *extra: str) -> subprocess.Popen[str]:
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(sys.path)}
    return subprocess.Popen([sys.executable, "-c", AGENT, sweep_id, *extra], env=env,
                            stdout=subprocess.PIPE, text=True)


def test_racing_agent_processes_run_every_grid_point_once() -> None:
    # 8 agent processes race for a 360-point grid of cheap trials (the benchmark
    # `python -m bench sweeps` runs the 13,020-point grid of wandb's report).
    sweep_id = cairn.sweep({"method": "grid", "parameters": {
        "a": {"values": list(range(12))}, "b": {"min": 1, "max": 30}}})
    agents = [_agent(sweep_id) for _ in range(8)]
    counts = []
    for proc in agents:
        out, _ = proc.communicate(timeout=600)
        assert proc.returncode == 0
        counts.append(int(out.strip().splitlines()[-1]))
    trials = cairn.Api().sweep(sweep_id).trials
    assert sum(counts) == len(trials) == 360
    assert sum(c > 0 for c in counts) >= 2  # they did race
    points = Counter((t.params["a"], t.params["b"]) for t in trials)
    assert len(points) == 360
    assert set(points.values()) == {1}
    assert {t.state for t in trials} == {"finished"}
    assert cairn.Api().sweep(sweep_id).state == "FINISHED"


def test_killed_agent_trial_is_crashed_and_its_point_run_again(tmp_path: Path) -> None:
    sweep_id = cairn.sweep({"method": "grid", "parameters": {"a": {"values": [1, 2, 3]}}})
    marker = tmp_path / "started"
    victim = _agent(sweep_id, str(marker))
    deadline = time.monotonic() + 120
    while not marker.exists():
        assert time.monotonic() < deadline
        assert victim.poll() is None
        time.sleep(0.05)
    os.kill(victim.pid, signal.SIGKILL)
    victim.communicate()
    assert cairn.agent(sweep_id, function=lambda: None) == 3
    trials = cairn.Api().sweep(sweep_id).trials
    assert [(t.params["a"], t.state) for t in trials] == [
        (1, "crashed"), (1, "finished"), (2, "finished"), (3, "finished")]
    assert cairn.Api().sweep(sweep_id).state == "FINISHED"
