"""``cairn compat install / uninstall / status`` in a throwaway environment."""

from __future__ import annotations

import pytest
from tests.compat.conftest import Env

pytestmark = pytest.mark.slow

CHECKS = """
import importlib.metadata, importlib.util
from packaging.requirements import Requirement
version = importlib.metadata.version("wandb")
assert Requirement("wandb>=0.16.0").specifier.contains(version), version
assert importlib.util.find_spec("wandb") is not None
import wandb, wandb.sdk.wandb_run, wandb.wandb_run, wandb.sdk.lib, cairn, cairn.sdk.run
from wandb.sdk.lib.config_util import ConfigError
assert wandb.sdk.wandb_run.Run is cairn.Run is wandb.wandb_run.Run is cairn.sdk.run.Run
assert ConfigError is cairn.ConfigError
assert wandb.__version__ == "0.31.0"
print("OK", version)
"""


def test_install_status_uninstall(env: Env) -> None:
    assert env.cairn("compat", "status").stdout.startswith("none:")
    assert "No module named 'wandb'" in env.run("import wandb", check=False)
    done = env.cairn("compat", "install")
    assert done.returncode == 0, done.stderr
    assert f"into {env.site}" in done.stdout
    assert env.cairn("compat", "status").stdout.startswith("cairn:")
    assert env.run(CHECKS) == "OK 0.31.0+cairn"
    # pip sees a distribution named wandb (what Lightning and accelerate check)
    assert "wandb 0.31.0+cairn" in env.run(
        "import importlib.metadata as m; d = m.distribution('wandb'); "
        "print(d.metadata['Name'], d.version)")
    assert env.cairn("compat", "install").returncode == 0  # again: replaced, still one
    assert len(list(env.site.glob("wandb-*.dist-info"))) == 1
    done = env.cairn("compat", "uninstall")
    assert done.returncode == 0, done.stderr
    assert not (env.site / "wandb").exists()
    assert not list(env.site.glob("wandb-*"))
    assert env.cairn("compat", "status").stdout.startswith("none:")
    done = env.cairn("compat", "uninstall")
    assert done.returncode == 1
    assert "not installed" in done.stderr


def _fake_real_wandb(env: Env) -> None:
    """A distribution named wandb that is not cairn's, with a RECORD pip can remove."""
    (env.site / "wandb").mkdir()
    (env.site / "wandb" / "__init__.py").write_text("REAL = True\n__version__ = '0.31.0'\n")
    info = env.site / "wandb-0.31.0.dist-info"
    info.mkdir()
    (info / "METADATA").write_text("Metadata-Version: 2.1\nName: wandb\nVersion: 0.31.0\n")
    (info / "RECORD").write_text("wandb/__init__.py,,\nwandb-0.31.0.dist-info/METADATA,,\n"
                                 "wandb-0.31.0.dist-info/RECORD,,\n")


def test_install_refuses_the_real_wandb_unless_forced(env: Env) -> None:
    _fake_real_wandb(env)
    assert env.cairn("compat", "status").stdout.startswith("wandb: `import wandb` is the real")
    done = env.cairn("compat", "install")
    assert done.returncode == 1
    assert "the real wandb 0.31.0" in done.stderr
    assert "--force" in done.stderr
    assert env.run("import wandb; print(wandb.REAL)") == "True"  # untouched
    done = env.cairn("compat", "uninstall")
    assert done.returncode == 1
    assert "not cairn's stand-in" in done.stderr
    done = env.cairn("compat", "install", "--force")
    assert done.returncode == 0, done.stderr
    assert "uninstalled the real wandb 0.31.0" in done.stdout
    assert env.run(CHECKS) == "OK 0.31.0+cairn"
