"""The exception tree of cairn.

    Error                     anything cairn raises on purpose
    ├── UsageError            called in the wrong state (log before init, a finished run)
    │   └── SettingsError     a setting, init() argument or environment variable with a bad
    │                         value (also a ValueError)
    ├── ConfigError           a config value changed without allow_val_change
    ├── MetricError           define_metric() with a bad name, summary or goal
    ├── ResumeError           resume="must" without a run, resume="never" with one
    ├── StoreError            the metadata or blob store failed or is unreachable
    │   ├── StoreLockedError  the store stayed locked past the busy timeout
    │   ├── QueryTimeoutError a read ran past its time limit, or its client went away
    │   ├── StoreUnavailableError the database or blob store cannot be reached (retry)
    │   ├── ServerUnavailableError a cairn server is unreachable or overloaded (retry)
    │   └── ServerRefusedError a cairn server refused a request (4xx: do not retry as is)
    ├── WalError              a write-ahead log file is unreadable (bad header, wrong version)
    ├── FilterError           a malformed run filter or order expression
    └── NotFoundError         no project, run or metric by that name

Warnings: ``CairnWarning`` (a ``UserWarning``) for a problem in cairn's background
machinery, or input it ignored, with the run's data kept.

Invalid data passed to ``log()`` raises ``LogDataError``, a built-in ``ValueError`` that is
also a ``TypeError`` (what wandb raises for it), with the offending key in the message;
wrong keyword arguments raise ``TypeError``. Where wandb
raises its ``UsageError`` for a value cairn also calls a ``ValueError`` (a bad setting),
the error is both, so ``except`` clauses written for either catch it.
"""

from __future__ import annotations


class Error(Exception):
    """Base class of every error cairn raises on purpose."""


class UsageError(Error):
    """An API was used in the wrong state, such as ``cairn.log`` before ``cairn.init``."""


class LogDataError(ValueError, TypeError):
    """``log()`` was given something it cannot log (not a dict, a key that is no string, a
    value of an unknown type). A ``ValueError`` as cairn documents it and a ``TypeError`` as
    wandb raises it, so handlers written for either catch it."""


class ConfigError(Error, ValueError):
    """A config value was changed without ``allow_val_change=True``."""


class MetricError(Error, ValueError):
    """``define_metric()`` was given a bad name, summary or goal (wandb raises its
    ``Error``; it is a ``ValueError`` too)."""


class ResumeError(Error):
    """The requested resume mode cannot be honoured for this run id."""


class SettingsError(UsageError, ValueError):
    """A setting (argument, environment variable or config file) has a bad value."""


class StoreError(Error):
    """The metadata store or blob store failed."""


class StoreLockedError(StoreError):
    """The store stayed locked by another process past the busy timeout."""


class QueryTimeoutError(StoreError):
    """A read ran past the time limit the server gives each request (or the client that
    asked for it went away), and was stopped."""


class StoreUnavailableError(StoreError):
    """The database of a metadata store, or a blob store, cannot be reached (refused,
    timed out, restarting): worth retrying later. A server answers it with 503
    ``store_unavailable``."""


class ServerUnavailableError(StoreError):
    """A cairn server could not be reached, timed out or answered 5xx: worth retrying
    later (the run's data waits in its WAL)."""


class ServerRefusedError(StoreError):
    """A cairn server refused a request (a 4xx other than 408 and 429: a revoked key, a
    run of another entity, a batch too large): sent again unchanged it would be refused
    again. ``status`` is the HTTP status, ``base_url`` the server."""

    def __init__(self, message: str, status: int, base_url: str) -> None:
        super().__init__(message)
        self.status = status
        self.base_url = base_url


class WalError(Error):
    """A write-ahead log file cannot be read at all (not one, or a newer version)."""


class FilterError(Error, ValueError):
    """A run filter or order expression is malformed."""


class NotFoundError(Error, LookupError):
    """No project, run or metric matches the given path."""


class CairnWarning(UserWarning):
    """A problem in cairn's background machinery, or input it ignored; the run's data is
    kept."""
