"""``wandb.sdk``: wandb's module layout over cairn's objects."""

from __future__ import annotations

from cairn.compat.wandb.sdk import lib as lib
from cairn.compat.wandb.sdk import wandb_run as wandb_run
from cairn.compat.wandb.sdk import wandb_settings as wandb_settings
from cairn.compat.wandb.sdk.wandb_settings import Settings
from cairn.compat.wandb.sdk.wandb_setup import login, require, setup, teardown
from cairn.sdk.alerts import AlertLevel
from cairn.sdk.init import init
from cairn.sdk.run import Run

__all__ = ["AlertLevel", "Run", "Settings", "init", "lib", "login", "require", "setup",
           "teardown", "wandb_run", "wandb_settings"]


def __getattr__(name: str) -> object:
    if name == "Artifact":
        from cairn.sdk.artifacts.artifact import Artifact

        return Artifact
    if name == "Config":
        from cairn.sdk.config import Config

        return Config
    raise AttributeError(f"module 'wandb.sdk' has no attribute {name!r}")
