"""``wandb._attach`` across processes: a spawned child logs into its parent's live run as a
co-writer session, and neither its ``finish()`` nor its exit ends the parent's run."""

from __future__ import annotations

import os
import pickle
import subprocess
import sys
import textwrap
from pathlib import Path
from types import ModuleType

import pytest
from tests.compat.conftest import REPO

import cairn
from cairn.errors import UsageError

# The parent and its spawned children, as a training script with multiprocessing writes
# them; CHILD is the body of the child's function (``run`` is what it attached to).
SCRIPT = """
import multiprocessing as mp
import pickle
import sys

import cairn.compat.wandb as wandb


def child(handle):
    run = wandb._attach(handle) if isinstance(handle, str) else pickle.loads(handle)
    assert wandb.run is run
    print("CHILD-START", run.step, flush=True)
{child}


if __name__ == "__main__":
    mp.set_start_method("spawn")
    run = wandb.init(project="attach", config={{"lr": 0.1}})
    run.log({{"parent": 1.0}})
    handle = pickle.dumps(run) if sys.argv[1] == "pickle" else run._attach_id
    worker = mp.Process(target=child, args=(handle,))
    worker.start()
    worker.join()
    assert worker.exitcode == {exitcode}, worker.exitcode
    run.log({{"parent": 2.0}})
    run.config.update({{"after": True}})
    print("PARENT-STEP", run.step, flush=True)
    run.finish()
    print("RUN", run.path)
"""


def _run(tmp_path: Path, child: str, how: str = "id", exitcode: int = 0) -> tuple[str, str]:
    script = tmp_path / "train.py"
    script.write_text(SCRIPT.format(child=textwrap.indent(textwrap.dedent(child), "    "),
                                    exitcode=exitcode))
    env = {k: v for k, v in os.environ.items() if not k.startswith(("CAIRN_", "WANDB_"))}
    env.update({"PYTHONPATH": str(REPO / "src"), "CAIRN_DIR": str(tmp_path / "store"),
                "CAIRN_DISABLE_GIT": "true", "CAIRN_SAVE_REQUIREMENTS": "false",
                "CAIRN_CONFIG": str(tmp_path / "none.toml")})
    done = subprocess.run([sys.executable, str(script), how], cwd=tmp_path, env=env,
                          capture_output=True, text=True, timeout=180, check=False)
    assert done.returncode == 0, done.stdout + done.stderr
    path = next(line.split()[1] for line in done.stdout.splitlines() if line.startswith("RUN"))
    return path, done.stdout


def _stored(tmp_path: Path, path: str) -> tuple[cairn.Api, object]:
    api = cairn.Api(root=tmp_path / "store")
    return api, api.run(path)


@pytest.mark.parametrize("how", ["id", "pickle"])
def test_a_spawned_child_logs_into_the_parents_run(tmp_path: Path, how: str) -> None:
    path, out = _run(tmp_path, """
        run.log({"child": 1.0})
        run.log({"child": 2.0})
        run.config.update({"rank": 0})
        run.summary["best"] = 7
        run.finish()  # ends the child's part only
    """, how)
    # the step is shared, as wandb's: the child continues after the parent's row, and the
    # parent after the child's rows
    assert "CHILD-START 1" in out
    assert "PARENT-STEP 4" in out
    api, run = _stored(tmp_path, path)
    try:
        assert run.state == "finished"  # type: ignore[attr-defined]
        rows = [{k: v for k, v in row.items() if not k.startswith("_") or k == "_step"}
                for row in run.history(pandas=False)]  # type: ignore[attr-defined]
        assert rows == [{"_step": 0, "parent": 1.0}, {"_step": 1, "child": 1.0},
                        {"_step": 2, "child": 2.0}, {"_step": 3, "parent": 2.0}]
        assert run.config == {"lr": 0.1, "rank": 0, "after": True}  # type: ignore[attr-defined]
        assert run.summary["best"] == 7  # type: ignore[attr-defined]
        assert run.summary["child"] == 2.0  # type: ignore[attr-defined]
    finally:
        api.close()


def test_a_child_that_exits_or_fails_leaves_the_run_running(tmp_path: Path) -> None:
    """Lightning's spawned workers never call finish(): their exit ends their part."""
    path, _ = _run(tmp_path, """
        run.log({"child": 1.0})
        raise SystemExit(3)
    """, exitcode=3)
    api, run = _stored(tmp_path, path)
    try:
        assert run.state == "finished"  # type: ignore[attr-defined]
        assert run.exit_code == 0  # type: ignore[attr-defined]
        keys = {k for row in run.history(pandas=False) for k in row}  # type: ignore[attr-defined]
        assert {"parent", "child"} <= keys
    finally:
        api.close()


def test_attach_in_the_runs_own_process(wandb: ModuleType) -> None:
    run = wandb.init(project="attach")
    attach_id = run._attach_id
    assert attach_id.startswith(f"{run.path}@")
    assert wandb._attach(attach_id) is run
    assert wandb.attach(run=run) is run
    assert pickle.loads(pickle.dumps(run)) is run
    run.finish()
    assert wandb.init(mode="disabled")._attach_id is None


def test_attach_refuses_what_is_not_a_live_run(wandb: ModuleType) -> None:
    with pytest.raises(UsageError, match="not a run's attach id"):
        wandb._attach("just-an-id")
    with pytest.raises(UsageError, match="needs the attach id"):
        wandb._attach(None)
    with pytest.raises(UsageError, match="there is no run me/p/nope"):
        wandb._attach("me/p/nope@0123456789ab")
    assert wandb.run is None
