"""Code that says ``import wandb`` runs on cairn.

``cairn.compat.wandb`` is a package laid out as wandb's is (``wandb.sdk.wandb_run``,
``wandb.sdk.lib``, ``wandb.util``, ``wandb.errors``, ...) whose names are cairn's own
objects. ``cairn compat install`` (``compat/shim.py``) puts a small distribution named
``wandb`` into the environment; its ``wandb/__init__.py`` calls :func:`activate`, which
makes ``wandb`` and every ``wandb.X`` the matching ``cairn.compat.wandb.X`` module, so
each module is loaded once (``wandb.sdk.wandb_run.Run is cairn.Run``).
"""

from __future__ import annotations

import importlib
import importlib.abc
import importlib.machinery
import sys
from collections.abc import Sequence
from types import ModuleType

PREFIX = "wandb"
TARGET = "cairn.compat.wandb"
_SAME = {"wandb.plot": "cairn.plot", "wandb.plots": "cairn.plots"}
"""wandb modules that are cairn's own modules as they are."""


class _Existing(importlib.abc.Loader):
    """Loads a module that is already imported: the ``cairn.compat.wandb`` one."""

    def __init__(self, module: ModuleType) -> None:
        self._module = module
        self._spec = module.__spec__

    def create_module(self, spec: importlib.machinery.ModuleSpec) -> ModuleType:
        return self._module

    def exec_module(self, module: ModuleType) -> None:
        # The import system has just set the alias's spec on the module: its own comes back,
        # so it keeps one identity (``__spec__.name`` is the cairn name).
        module.__spec__ = self._spec


class AliasFinder(importlib.abc.MetaPathFinder):
    """Finds ``wandb.X`` as the already loaded (or first loaded here) ``cairn.compat.wandb.X``."""

    def find_spec(self, fullname: str, path: Sequence[str] | None,
                  target: ModuleType | None = None) -> importlib.machinery.ModuleSpec | None:
        if fullname != PREFIX and not fullname.startswith(PREFIX + "."):
            return None
        real = _SAME.get(fullname) or TARGET + fullname[len(PREFIX):]
        try:
            module = importlib.import_module(real)
        except ModuleNotFoundError as exc:
            if exc.name is not None and (exc.name == real or real.startswith(exc.name + ".")):
                return None  # wandb has it, cairn does not: an ordinary ImportError
            raise
        spec = importlib.machinery.ModuleSpec(fullname, _Existing(module),
                                              is_package=hasattr(module, "__path__"))
        return spec


_FINDER = AliasFinder()


def activate() -> ModuleType:
    """Make ``import wandb`` (and ``wandb.X``) resolve to ``cairn.compat.wandb``; returns it."""
    if not any(isinstance(f, AliasFinder) for f in sys.meta_path):
        sys.meta_path.insert(0, _FINDER)
    module = importlib.import_module(TARGET)
    sys.modules[PREFIX] = module
    for name, loaded in list(sys.modules.items()):  # submodules imported before activation
        if name.startswith(TARGET + "."):
            sys.modules.setdefault(PREFIX + name[len(TARGET):], loaded)
    return module


