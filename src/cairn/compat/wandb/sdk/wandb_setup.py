"""``wandb.login`` / ``setup`` / ``teardown`` / ``require`` / ``ensure_configured`` and
``wandb.api``: a local store needs no account, so each succeeds without one."""

from __future__ import annotations

import os
from typing import Any

LOCAL_API_KEY = "local-" + "0" * 34
"""What ``wandb.api.api_key`` answers when no ``WANDB_API_KEY`` is set: 40 characters, as a
wandb key, so integrations that insist on a key (Ray Tune) go on; cairn never sends it."""


def login(key: str | None = None, relogin: bool | None = None, host: str | None = None,
          force: bool | None = None, timeout: int | None = None, verify: bool = True,
          referrer: str | None = None, prompt: bool = True, **kwargs: Any) -> bool:
    """Accepted for wandb's callers: a local store needs no login. A ``key`` passed is kept
    in ``WANDB_API_KEY`` for this process, as wandb does, so later checks find it."""
    if key:
        os.environ.setdefault("WANDB_API_KEY", key)
    return True


class _Setup:
    """What ``wandb.setup()`` returns: the process's settings holder."""

    def __init__(self, settings: Any = None) -> None:
        self.settings = settings


_setup: _Setup | None = None


def setup(settings: Any = None) -> _Setup:
    """Prepare the process for runs (wandb starts its service here; cairn needs nothing)."""
    global _setup
    if _setup is None or settings is not None:
        _setup = _Setup(settings)
    return _setup


def teardown(exit_code: int | None = None) -> None:
    """Finish every run of this process (failed for a non-zero ``exit_code``)."""
    from cairn.sdk import init as init_module

    for run in list(reversed(init_module._active)):
        run.finish(exit_code=exit_code)


def require(requirement: Any = None, experiment: Any = None) -> None:
    """wandb's feature switches (``"core"``, ``"service"``): cairn has them all on."""


def ensure_configured() -> None:
    """Nothing to configure for a local store."""


class _Api:
    """``wandb.api``: the credentials holder integrations ask for a key."""

    @property
    def api_key(self) -> str:
        return os.environ.get("WANDB_API_KEY") or LOCAL_API_KEY

    @property
    def default_entity(self) -> str | None:
        from cairn.settings import load_settings

        return load_settings().default_entity()

    def settings(self, key: str | None = None, section: str | None = None) -> Any:
        values = {"base_url": os.environ.get("WANDB_BASE_URL", "http://localhost"),
                  "entity": os.environ.get("WANDB_ENTITY"),
                  "project": os.environ.get("WANDB_PROJECT")}
        return values.get(key) if key is not None else values


api = _Api()
