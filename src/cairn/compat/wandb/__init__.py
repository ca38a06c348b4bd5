"""``wandb``, as cairn: what ``import wandb`` gives once ``cairn compat install`` has run.

Every name is cairn's own object (``wandb.Run is cairn.Run``); the modules that
integrations import by wandb's paths (``wandb.sdk.wandb_run``, ``wandb.sdk.lib``,
``wandb.util``, ``wandb.errors``, ``wandb.env``, ...) are laid out as in wandb.
"""

from __future__ import annotations

import importlib
from typing import Any

import cairn
from cairn import (
    AlertLevel,
    Error,
    Run,
    alert,
    attach,
    define_metric,
    finish,
    init,
    join,
    log,
    log_artifact,
    mark_preempting,
    restore,
    save,
    unwatch,
    use_artifact,
    watch,
)
from cairn.compat.wandb import env as env
from cairn.compat.wandb import errors as errors
from cairn.compat.wandb import sdk as sdk
from cairn.compat.wandb import util as util
from cairn.compat.wandb import wandb_controller as wandb_controller
from cairn.compat.wandb import wandb_run as wandb_run
from cairn.compat.wandb.errors import CommError, UsageError
from cairn.compat.wandb.sdk.lib.term import termerror, termlog, termsetup, termwarn
from cairn.compat.wandb.sdk.wandb_settings import Settings
from cairn.compat.wandb.sdk.wandb_setup import (
    api,
    ensure_configured,
    login,
    require,
    setup,
    teardown,
)
from cairn.compat.wandb.wandb_controller import controller

__version__ = "0.31.0"
"""The wandb series whose API this layer follows (the shim distribution's version)."""

wandb_sdk = sdk
patched: dict[str, list[Any]] = {"tensorboard": [], "keras": [], "gym": []}

# Integrations wandb ships, by the attribute wandb loads them under.
_INTEGRATIONS = {"keras": "integration.keras", "xgboost": "integration.xgboost",
                 "lightgbm": "integration.lightgbm", "sb3": "integration.sb3",
                 "sklearn": "sklearn", "tensorboard": "integration.tensorboard"}


def _current(what: str) -> Run:
    run: Run | None = cairn.run
    if run is None:
        raise UsageError(f"You must call wandb.init() before wandb.{what}")
    return run


def log_model(path: Any, name: str | None = None, aliases: list[str] | None = None) -> None:
    _current("log_model()").log_model(path, name=name, aliases=aliases)


def use_model(name: str) -> str:
    return _current("use_model()").use_model(name)


def link_model(path: Any, registered_model_name: str, name: str | None = None,
               aliases: list[str] | None = None) -> Any:
    return _current("link_model()").link_model(path, registered_model_name, name=name,
                                               aliases=aliases)


_attach = attach
"""wandb's private name of :func:`attach` (Lightning's spawned workers call it)."""

__all__ = [
    "AlertLevel", "CommError", "Error", "Run", "Settings", "UsageError", "__version__", "alert",
    "api", "attach", "controller", "define_metric", "ensure_configured", "env", "errors",
    "finish", "init", "join", "link_model", "log", "log_artifact", "log_model", "login",
    "mark_preempting", "require", "restore", "save", "sdk", "setup", "teardown", "termerror",
    "termlog", "termsetup", "termwarn", "unwatch", "use_artifact", "use_model", "util",
    "wandb_controller", "wandb_run", "watch",
]


def __getattr__(name: str) -> Any:
    if name in _INTEGRATIONS:
        return importlib.import_module(f"cairn.compat.wandb.{_INTEGRATIONS[name]}")
    if name in ("integration", "apis", "data_types"):
        return importlib.import_module(f"cairn.compat.wandb.{name}")
    try:
        return getattr(cairn, name)  # run, config, summary, Api, Artifact, media, plot_table
    except AttributeError:
        raise AttributeError(f"module 'wandb' has no attribute {name!r}") from None
