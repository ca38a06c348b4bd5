"""``wandb.errors``: wandb's exception names, as cairn's exceptions where cairn has them."""

from __future__ import annotations

from cairn.errors import ConfigError, Error, UsageError


class CommError(Error):
    """wandb's error for a failed exchange with its server; cairn raises it for nothing
    today, but integrations catch it."""

    def __init__(self, msg: str, exc: BaseException | None = None) -> None:
        super().__init__(msg)
        self.message = msg
        self.exc = exc


class AuthenticationError(CommError):
    """A login was refused (never raised by a local store)."""


__all__ = ["AuthenticationError", "CommError", "ConfigError", "Error", "UsageError"]
