"""The ``wandb`` distribution ``cairn compat install`` puts into an environment.

It is two things in the environment's ``site-packages``: ``wandb/__init__.py``, which
hands ``import wandb`` to :func:`cairn.compat.activate`, and ``wandb-<version>.dist-info``
with the metadata libraries read before they use wandb (``importlib.metadata.version
("wandb")``: Lightning's ``RequirementCache("wandb>=…")``, accelerate's and transformers'
availability checks). Its version is the wandb series cairn follows with the local label
``+cairn``, which is how :func:`state` tells it from the real wandb. The ``RECORD`` lists
every file, so ``pip uninstall wandb`` removes it as well as ``cairn compat uninstall``.
"""

from __future__ import annotations

import base64
import dataclasses
import hashlib
import importlib.metadata
import os
import shutil
import subprocess
import sys
import sysconfig
from pathlib import Path

from cairn.compat.wandb import __version__ as WANDB_SERIES
from cairn.errors import UsageError

VERSION = f"{WANDB_SERIES}+cairn"
DIST_INFO = f"wandb-{VERSION}.dist-info"
INIT_SOURCE = '''"""wandb, as cairn: installed by `cairn compat install`, removed by `cairn compat
uninstall`. Every `import wandb` and `import wandb.X` resolves to cairn.compat.wandb."""

import cairn.compat

cairn.compat.activate()
'''
METADATA = f"""Metadata-Version: 2.1
Name: wandb
Version: {VERSION}
Summary: cairn's stand-in for wandb: `import wandb` runs on cairn (cairn compat install)
Requires-Python: >=3.11
"""
WHEEL = "Wheel-Version: 1.0\nGenerator: cairn\nRoot-Is-Purelib: true\nTag: py3-none-any\n"


@dataclasses.dataclass(frozen=True)
class Installed:
    """The ``wandb`` distribution an environment has."""

    version: str
    location: Path
    """The ``site-packages`` folder it is in."""

    @property
    def is_cairn(self) -> bool:
        return self.version.endswith("+cairn")

    def describe(self) -> str:
        what = "cairn's wandb stand-in" if self.is_cairn else "the real wandb"
        return f"{what} {self.version} in {self.location}"


def site_packages() -> Path:
    """The current environment's ``site-packages`` (where install writes)."""
    return Path(sysconfig.get_path("purelib"))


def installed() -> Installed | None:
    """The ``wandb`` distribution this interpreter would import, or None."""
    importlib.invalidate_caches()
    try:
        dist = importlib.metadata.distribution("wandb")
    except importlib.metadata.PackageNotFoundError:
        return None
    location = Path(str(dist.locate_file("")))
    return Installed(str(dist.version), location)


def _record_line(root: Path, relative: str) -> str:
    data = (root / relative).read_bytes()
    digest = base64.urlsafe_b64encode(hashlib.sha256(data).digest()).rstrip(b"=").decode()
    return f"{relative},sha256={digest},{len(data)}"


def install(force: bool = False) -> str:
    """Install the stand-in into the current environment; returns what was done. Refuses
    (``UsageError``) when the real wandb is installed, unless ``force``: then the real one
    is uninstalled with pip when it is in this environment's ``site-packages``, and
    shadowed when it is in a base environment this one sees."""
    target = site_packages()
    found = installed()
    replaced = ""
    if found is not None and not found.is_cairn:
        if not force:
            raise UsageError(f"{found.describe()} is installed; `cairn compat install` would "
                             "replace it with cairn's stand-in (pass --force to do so; "
                             "`pip install wandb` brings it back)")
        if found.location.resolve() == target.resolve():
            _pip("uninstall", "--yes", "wandb")
            replaced = f"; uninstalled {found.describe()}"
        else:
            replaced = f"; it shadows {found.describe()}"
    if not os.access(target, os.W_OK):
        raise UsageError(f"cannot write to {target} (the site-packages of {sys.executable})")
    _remove(target)  # an older stand-in
    package, info = target / "wandb", target / DIST_INFO
    package.mkdir()
    (package / "__init__.py").write_text(INIT_SOURCE)
    info.mkdir()
    (info / "METADATA").write_text(METADATA)
    (info / "WHEEL").write_text(WHEEL)
    (info / "INSTALLER").write_text("cairn\n")
    (info / "top_level.txt").write_text("wandb\n")
    files = ["wandb/__init__.py", f"{DIST_INFO}/METADATA", f"{DIST_INFO}/WHEEL",
             f"{DIST_INFO}/INSTALLER", f"{DIST_INFO}/top_level.txt"]
    record = [_record_line(target, f) for f in files] + [f"{DIST_INFO}/RECORD,,"]
    (info / "RECORD").write_text("\n".join(record) + "\n")
    importlib.invalidate_caches()
    return f"installed wandb {VERSION} (cairn) into {target}{replaced}"


def _remove(target: Path) -> bool:
    """Remove a stand-in from ``target``; True if there was one."""
    removed = False
    for info in target.glob("wandb-*+cairn.dist-info"):
        shutil.rmtree(info)
        removed = True
    package = target / "wandb"
    init = package / "__init__.py"
    if init.is_file() and "cairn.compat.activate()" in init.read_text(errors="replace"):
        shutil.rmtree(package)
        removed = True
    return removed


def uninstall() -> str:
    """Remove the stand-in from the current environment; returns what was done."""
    target = site_packages()
    if not _remove(target):
        found = installed()
        if found is not None and not found.is_cairn:
            raise UsageError(f"{found.describe()} is installed, not cairn's stand-in; "
                             "leaving it (remove it with `pip uninstall wandb`)")
        raise UsageError(f"cairn's wandb stand-in is not installed in {target}")
    importlib.invalidate_caches()
    after = installed()
    tail = f"; `import wandb` now finds {after.describe()}" if after is not None else ""
    return f"removed cairn's wandb stand-in from {target}{tail}"


def status() -> str:
    """Which ``wandb`` ``import wandb`` gives in this environment."""
    found = installed()
    if found is None:
        return ("none: no wandb is installed here; `cairn compat install` makes `import "
                "wandb` run on cairn")
    if found.is_cairn:
        return f"cairn: `import wandb` runs on cairn ({found.describe()})"
    return f"wandb: `import wandb` is {found.describe()}"


def _pip(*args: str) -> None:
    done = subprocess.run([sys.executable, "-m", "pip", *args], capture_output=True,
                          text=True, check=False)
    if done.returncode != 0:
        raise UsageError(f"pip {' '.join(args)} failed: {done.stderr.strip()[-500:]}")
