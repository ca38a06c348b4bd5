"""Fixtures for the importers: sources written by the real tools (wandb in its own
virtual environment, offline; tensorboardX; MLflow's client), and ``cairn import`` run
in-process or, for wandb, under the wandb environment's Python."""

from __future__ import annotations

import os
import subprocess
import textwrap
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from click.testing import CliRunner, Result
from tests.oracle.harness import REPO, WANDB_PYTHON, wandb_venv_or_skip

from cairn.api.public import Api
from cairn.backend import open_backend
from cairn.cli.main import cli
from cairn.testing_postgres import TemporaryPostgres, postgres_bin

Invoke = Callable[..., Result]


@pytest.fixture
def store(tmp_path: Path) -> Path:
    return tmp_path / "store"


@pytest.fixture
def invoke(store: Path) -> Invoke:
    """``cairn --store STORE ARGS`` in-process; stdout and stderr apart."""
    runner = CliRunner()

    def run(*args: str, code: int | None = 0) -> Result:
        result = runner.invoke(cli, ["--store", str(store), *args], catch_exceptions=False)
        if code is not None:
            assert result.exit_code == code, (result.stdout, result.stderr)
        return result

    return run


def api_of(store: Path) -> Api:
    return Api(backend=open_backend(str(store), create=False))


def _wandb_env(home: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items()
           if not k.startswith(("WANDB_", "CAIRN_", "PYTHON"))}
    env.update({
        "HOME": str(home), "PYTHONDONTWRITEBYTECODE": "1",
        "WANDB_MODE": "offline", "WANDB_SILENT": "true", "WANDB_DISABLE_GIT": "true",
        "WANDB_DISABLE_CODE": "true", "WANDB_X_DISABLE_STATS": "true",
        "WANDB_X_SAVE_REQUIREMENTS": "false",
        "WANDB_CONFIG_DIR": str(home / "wandb-config"),
        "WANDB_CACHE_DIR": str(home / "wandb-cache"),
        "WANDB_DATA_DIR": str(home / "wandb-data"), "WANDB_DIR": str(home),
        "CAIRN_CONFIG": str(home / "no-settings.toml"),
    })
    return env


WANDB_SCRIPT = textwrap.dedent('''
    import numpy as np
    import wandb

    run = wandb.init(project="vision", name="resnet-a", notes="first try", tags=["base", "a"],
                     group="sweep-1", job_type="train",
                     config={"lr": 0.01, "model": {"layers": 4, "act": "relu"}})
    run.define_metric("val.loss", summary="min")
    for step in range(300):
        run.log({"loss": 1.0 / (step + 1), "acc": step / 300, "epoch": step // 100,
                 "val": {"loss": 2.0 / (step + 1)}, "flag": step % 2 == 0})
    print("hello from stdout")
    rng = np.random.default_rng(0)
    run.log({"sample": wandb.Image(rng.integers(0, 255, (8, 6, 3), dtype=np.uint8),
                                   caption="first"),
             "weights": wandb.Histogram([1, 2, 2, 3, 3, 3]), "phase": "eval"})
    run.log({"grid": [wandb.Image(rng.integers(0, 255, (4, 4, 3), dtype=np.uint8)),
                      wandb.Image(rng.integers(0, 255, (4, 4, 3), dtype=np.uint8))],
             "table": wandb.Table(columns=["a", "b"], data=[[1, "x"], [2, "y"]])})
    run.summary["best_acc"] = 0.97
    run.summary["loss"] = 0.001
    with open("notes.txt", "w") as out:
        out.write("kept with the run")
    run.save("notes.txt", policy="now")
    run.finish()

    # Run folders are named by their start second; "first"/"second" sort by that name.
    import time
    time.sleep(1.1)
    failed = wandb.init(project="vision", name="crashy", config={"lr": 0.1})
    failed.log({"loss": 5.0})
    failed.log({"loss": 4.0})
    failed.finish(exit_code=3)
''')


@pytest.fixture(scope="session")
def wandb_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A ``wandb/`` folder with two offline runs written by the real wandb."""
    wandb_venv_or_skip()
    home = tmp_path_factory.mktemp("wandb-home")
    (home / "make_runs.py").write_text(WANDB_SCRIPT)
    proc = subprocess.run([str(WANDB_PYTHON), "make_runs.py"], cwd=home,
                          env=_wandb_env(home), capture_output=True, text=True, timeout=300,
                          check=False)
    assert proc.returncode == 0, proc.stderr[-3000:]
    return home / "wandb"


def run_logs(wandb_dir: Path) -> dict[str, Path]:
    """The run folders of ``wandb_dir`` by their display order: first, second."""
    folders = sorted(p for p in wandb_dir.iterdir() if p.name.startswith("offline-run-"))
    return {"first": folders[0], "second": folders[1]}


def import_wandb_cli(store: Path, *args: str | Path, code: int = 0,
                     python: Path = WANDB_PYTHON, extra_path: str = ""
                     ) -> subprocess.CompletedProcess[str]:
    """``cairn --store STORE import wandb ARGS`` under ``python`` (the wandb venv's)."""
    env = _wandb_env(store.parent)
    env["PYTHONPATH"] = os.pathsep.join(p for p in (extra_path, str(REPO / "src")) if p)
    proc = subprocess.run([str(python), "-m", "cairn", "--store", str(store), "import",
                           "wandb", *map(str, args)], env=env, capture_output=True,
                          text=True, timeout=300, check=False)
    assert proc.returncode == code, (proc.stdout, proc.stderr)
    return proc


@pytest.fixture(scope="session")
def postgres_server() -> Iterator[TemporaryPostgres]:
    """A PostgreSQL server for the session (skips where its binaries are missing)."""
    if postgres_bin() is None:
        pytest.skip("PostgreSQL server binaries are not installed")
    server = TemporaryPostgres().start()
    yield server
    server.stop()
