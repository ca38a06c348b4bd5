"""Runs the scripts in ``scripts/`` with real libraries (Lightning, transformers,
accelerate, ...) in ``.venv-integrations``, where ``cairn compat install`` made ``import
wandb`` resolve to cairn. Each script runs in its own folder with its own store; the tests
read what reached the store through ``cairn.Api`` in the test process."""

from __future__ import annotations

import os
import subprocess
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

import pytest

HERE = Path(__file__).parent
REPO = HERE.parents[1]
VENV = REPO / ".venv-integrations"
PYTHON = VENV / "bin" / "python"
SCRIPTS = HERE / "scripts"
TIMEOUT = 600


@dataclass(frozen=True)
class Outcome:
    script: str
    returncode: int
    output: str
    store: Path
    """The cairn folder the script's runs went to (``CAIRN_DIR``)."""
    workdir: Path

    def check(self) -> None:
        assert self.returncode == 0, f"{self.script} failed:\n{self.output[-6000:]}"


def venv_or_skip() -> None:
    if PYTHON.exists():
        return
    why = f"the integration tests need {VENV} (`make integrations` creates it)"
    if os.environ.get("CI"):
        pytest.fail(why)
    pytest.skip(why)


def _environment(store: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items()
           if not k.startswith(("CAIRN_", "WANDB_", "PYTHON"))}
    env.update({"PYTHONPATH": str(REPO / "src"), "CAIRN_DIR": str(store),
                "CAIRN_CONFIG": str(store.parent / "no-settings.toml"),
                "CAIRN_DISABLE_GIT": "true", "CAIRN_SAVE_REQUIREMENTS": "false",
                "HF_HUB_OFFLINE": "1", "TRANSFORMERS_OFFLINE": "1", "HF_DATASETS_OFFLINE": "1",
                "TOKENIZERS_PARALLELISM": "false", "OMP_NUM_THREADS": "1"})
    return env


def install_shim() -> str:
    """``cairn compat install`` in the integration venv (idempotent)."""
    done = subprocess.run([str(PYTHON), "-m", "cairn", "compat", "install"],
                          env=_environment(REPO / "cairn-unused"), capture_output=True,
                          text=True, timeout=120, check=False)
    assert done.returncode == 0, done.stdout + done.stderr
    return done.stdout


def run_script(name: str, base: Path) -> Outcome:
    workdir = base / name.removesuffix(".py")
    workdir.mkdir(parents=True)
    store = workdir / "store"
    try:
        done = subprocess.run([str(PYTHON), str(SCRIPTS / name)], cwd=workdir,
                              env=_environment(store), capture_output=True, text=True,
                              timeout=TIMEOUT, check=False)
        code, output = done.returncode, done.stdout + done.stderr
    except subprocess.TimeoutExpired as exc:
        code, output = -1, f"timed out after {TIMEOUT}s: {exc.output!r}"
    return Outcome(name, code, output, store, workdir)


def run_all(names: list[str], base: Path) -> dict[str, Outcome]:
    """Every script at once (each is mostly waiting on one CPU-bound process)."""
    install_shim()
    workers = max(1, min(len(names), (os.cpu_count() or 2)))
    with ThreadPoolExecutor(workers) as pool:
        outcomes = list(pool.map(lambda n: run_script(n, base), names))
    return {o.script: o for o in outcomes}


