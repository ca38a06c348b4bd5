"""``Run.mark_preempting``: the run reads ``preempting``, ends ``preempted`` when the
scheduler's signal (or the loss of its process) comes, and is resumed, as with wandb."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from tests.compat.conftest import REPO

import cairn

SCRIPT = """
import os, signal, sys, time
import cairn

run = cairn.init(project="pre", resume="auto")
print("RUN", run.path, run.resumed, run.step, flush=True)
run.log({"loss": 1.0 + run.step})
if sys.argv[1] == "finish":
    run.finish()
    raise SystemExit
run.mark_preempting()
run.status()  # in the store: the run reads preempting while its process lives
print("STATE", cairn.Api().run(run.path).state, flush=True)
if sys.argv[1] == "term":
    os.kill(os.getpid(), signal.SIGTERM)
    time.sleep(30)
os._exit(0)  # gone without a word, as kill -9
"""


def _run(tmp_path: Path, how: str) -> tuple[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("CAIRN_", "WANDB_"))}
    env.update({"PYTHONPATH": str(REPO / "src"), "CAIRN_DIR": str(tmp_path / "store"),
                "CAIRN_DISABLE_GIT": "true", "CAIRN_SAVE_REQUIREMENTS": "false",
                "CAIRN_CONFIG": str(tmp_path / "none.toml"), "CAIRN_APPLIER": "thread"})
    done = subprocess.run([sys.executable, "-c", SCRIPT, how], cwd=tmp_path, env=env,
                          capture_output=True, text=True, timeout=120, check=False)
    out = done.stdout
    assert "RUN" in out, out + done.stderr
    path = next(line.split()[1] for line in out.splitlines() if line.startswith("RUN"))
    return path, out


@pytest.mark.parametrize("how", ["term", "gone"])
def test_a_preempted_run_is_resumed(tmp_path: Path, how: str) -> None:
    path, out = _run(tmp_path, how)
    assert "STATE preempting" in out
    api = cairn.Api(root=tmp_path / "store")
    try:
        assert api.run(path).state == "preempted"
    finally:
        api.close()
    again, out = _run(tmp_path, "finish")  # resume="auto" picks the preempted run up
    assert again == path
    assert f"RUN {path} True 1" in out
    api = cairn.Api(root=tmp_path / "store")
    try:
        run = api.run(path)
        assert run.state == "finished"
        assert [row["loss"] for row in run.history(pandas=False)] == [1.0, 2.0]
    finally:
        api.close()


def test_a_run_that_finishes_after_all_is_finished(tmp_path: Path) -> None:
    run = cairn.init(project="pre", settings={"root": str(tmp_path / "store")})
    run.mark_preempting()
    run.log({"x": 1})
    run.finish()
    run.mark_preempting()  # after the end: nothing to say
    api = cairn.Api(root=tmp_path / "store")
    try:
        assert api.run(run.path).state == "finished"
    finally:
        api.close()
