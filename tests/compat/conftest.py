"""Fixtures of the compatibility layer's tests: a throwaway environment to install the
``wandb`` stand-in into, and ``wandb`` resolving to cairn inside this process."""

from __future__ import annotations

import site
import subprocess
import sys
import venv
from collections.abc import Iterator
from pathlib import Path
from types import ModuleType

import pytest

REPO = Path(__file__).parents[2]


class Env:
    """A new virtual environment that sees this interpreter's packages and cairn's
    ``src/`` (through a ``.pth`` file) but has its own ``site-packages`` to install into."""

    def __init__(self, root: Path) -> None:
        venv.EnvBuilder(with_pip=False).create(root)
        self.python = root / "bin" / "python"
        self.site = Path(self.run("import sysconfig; print(sysconfig.get_path('purelib'))"))
        paths = [*site.getsitepackages(), str(REPO / "src")]
        (self.site / "parent.pth").write_text("\n".join(paths) + "\n")

    def run(self, code: str, check: bool = True) -> str:
        done = subprocess.run([str(self.python), "-c", code], capture_output=True, text=True,
                              timeout=120, check=False)
        if check:
            assert done.returncode == 0, done.stdout + done.stderr
        return (done.stdout + done.stderr).strip()

    def cairn(self, *args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run([str(self.python), "-m", "cairn", *args], capture_output=True,
                              text=True, timeout=120, check=False)


@pytest.fixture
def env(tmp_path: Path) -> Env:
    return Env(tmp_path / "venv")


@pytest.fixture
def wandb() -> Iterator[ModuleType]:
    """``import wandb`` gives cairn in this process, for one test."""
    import cairn.compat

    before = {name for name in sys.modules if name == "wandb" or name.startswith("wandb.")}
    assert not before, f"a wandb module is loaded already: {sorted(before)}"
    module = cairn.compat.activate()
    try:
        yield module
    finally:
        for name in [n for n in sys.modules if n == "wandb" or n.startswith("wandb.")]:
            del sys.modules[name]
        sys.meta_path[:] = [f for f in sys.meta_path
                            if not isinstance(f, cairn.compat.AliasFinder)]
