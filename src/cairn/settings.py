"""One ``Settings`` object: arguments > ``CAIRN_*`` environment > ``WANDB_*`` environment >
config file > defaults. It is built once per ``init()`` and passed down, never read from a
global.

The config file is TOML: ``$CAIRN_CONFIG`` or ``~/.config/cairn/settings.toml``, with the
same names as the fields below (``project = "mnist"``).
"""

from __future__ import annotations

import dataclasses
import getpass
import json
import os
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

from cairn.errors import SettingsError

MODES = ("local", "offline", "disabled", "online")
CONSOLE_MODES = ("auto", "wrap", "redirect", "off")
ALERT_ON = ("finished", "failed", "killed", "crashed")

# Environment variable suffix -> field. Both CAIRN_<X> and WANDB_<X> are read, CAIRN first.
_ENV_FIELDS = {
    "PROJECT": "project",
    "ENTITY": "entity",
    "MODE": "mode",
    "NAME": "name",
    "NOTES": "notes",
    "TAGS": "tags",
    "RUN_GROUP": "group",
    "JOB_TYPE": "job_type",
    "RUN_ID": "run_id",
    "RESUME": "resume",
    "BASE_URL": "base_url",
    "API_KEY": "api_key",
    "SILENT": "silent",
    "HEARTBEAT_TIMEOUT": "heartbeat_timeout",
    "QUEUE_ROWS": "queue_rows",
    "APPLIER": "applier",
    "SYSTEM_INTERVAL": "system_interval",
    "CONSOLE": "console",
    "SAVE_CODE": "save_code",
    "DISABLE_GIT": "disable_git",
    "SAVE_REQUIREMENTS": "save_requirements",
    "NOTIFIERS": "notifiers",
    "ALERT_ON": "alert_on",
    "WAL_RETENTION": "wal_retention",
    "FINISH_WAIT": "finish_wait",
}
# CAIRN_DIR names the cairn folder itself (DESIGN.md); WANDB_DIR, like wandb, names the
# folder that contains it.
_SINGLE_ENV = {"CAIRN_DIR": "root", "WANDB_DIR": "dir", "CAIRN_UI_URL": "ui_url",
               "CAIRN_STORE": "store", "CAIRN_BLOBS": "blobs"}


def store_uri_of_folder(root: Path) -> str:
    """The metadata store of a cairn folder: its ``cairn.db``, as a ``sqlite:///`` URI."""
    return f"sqlite:///{Path(root).absolute() / 'cairn.db'}"


def shown_store(store: str, root: Path) -> str:
    """The store as messages name it: the cairn folder for the folder's own store, else
    its URI with any password masked."""
    if store == store_uri_of_folder(root):
        return str(root)
    from urllib.parse import urlsplit

    password = urlsplit(store).password
    return store.replace(f":{password}@", ":***@", 1) if password else store


def local_blobs_uri(store: str) -> str | None:
    """The ``file://`` blob store beside an embedded store (a folder path, a ``.db`` path or
    a ``sqlite:///`` URI): ``blobs/`` next to its database. None for any other store."""
    if store.startswith("sqlite:///"):
        location = store[len("sqlite:///"):]
    elif "://" in store:
        return None
    else:
        location = store
    path = Path(location).expanduser()
    folder = path.parent if path.suffix == ".db" else path
    return f"file://{folder.absolute() / 'blobs'}"


WAL_RETENTIONS = ("keep", "compact", "delete")
"""Values of the ``wal_retention`` setting (``wal/compact.py``); the first is the default."""


@dataclasses.dataclass(frozen=True)
class Settings:
    """Everything that configures a run or a reader. Build with :func:`load_settings`."""

    root: Path
    """The cairn folder: ``runs/`` (the WALs) lives here, and by default the store too."""
    store: str = ""
    """The metadata store's URI (``CAIRN_STORE``): a path, ``sqlite:///…``,
    ``postgresql://…``. Unset: ``cairn.db`` in ``root``."""
    blobs: str = ""
    """The blob store's URI (``CAIRN_BLOBS``): ``file:///…``, ``s3://bucket/prefix``. Unset:
    ``blobs/`` beside an embedded store, else in ``root``."""
    mode: str = "local"
    project: str | None = None
    entity: str | None = None
    name: str | None = None
    notes: str | None = None
    tags: tuple[str, ...] | None = None
    group: str | None = None
    job_type: str | None = None
    run_id: str | None = None
    resume: str | None = None
    base_url: str | None = None
    """The cairn server of ``mode="online"`` (``CAIRN_BASE_URL``, ``WANDB_BASE_URL``)."""
    api_key: str | None = dataclasses.field(default=None, repr=False)
    """The key for ``base_url`` (``CAIRN_API_KEY``, ``WANDB_API_KEY``); unset: the one
    ``cairn login`` stored for that server."""
    ui_url: str = "http://127.0.0.1:8080"
    dir: str | None = None
    run_base: str | None = None
    """``init(dir=...)``: the folder whose ``cairn/runs`` holds this run's folder (WAL,
    files), as wandb's ``dir`` holds ``wandb/``; the store stays where ``root`` says."""
    silent: bool = False
    heartbeat_timeout: float = 60.0
    """Seconds without a heartbeat after which a running run is reported as crashed."""
    heartbeat_interval: float = 10.0
    apply_interval: float = 0.5
    """Seconds between applications of new WAL records to the store (live latency)."""
    wal_interval: float = 0.05
    """Seconds between writes of queued rows to the WAL."""
    queue_rows: int = 100_000
    """Rows the log queue holds before ``log()`` waits for the writer."""
    applier: str = "process"
    """Where WAL records are applied to the store: ``process`` (a helper process, so a
    CPU-bound training loop and the store never compete) or ``thread``."""
    wal_retention: str = WAL_RETENTIONS[0]
    """What becomes of a finished run's WAL once its store holds all of it (online: the
    server acknowledged it): ``keep`` (whole, so ``cairn sync --to`` can copy the run
    anywhere later), ``compact`` (its history records, a second copy of what the store
    holds, are removed; WALs under 1 MiB stay whole), or ``delete`` (``wal/compact.py``)."""
    store_busy_timeout: float = 10.0
    """Seconds a store write waits for another process's lock before it is retried later."""
    finish_timeout: float = 30.0
    """Seconds ``finish()`` waits for a locked or unreachable store before leaving the data
    in the WAL for ``cairn sync``."""
    finish_wait: str = "store"
    """What ``finish()`` waits for: ``store`` (the run is applied to its store, or
    uploaded, within ``finish_timeout``: a process killed right after ``finish()``, as Ray
    and job schedulers do, leaves the whole run in the store) or ``wal`` (only until the
    run's end is durable in its WAL; its applier brings it to the store in the background,
    and this process's exit and its own reads wait for that)."""
    system_interval: float = 10.0
    """Seconds between system-metrics samples; 0 (or ``off``) records none."""
    console: str = "auto"
    """Console capture into ``output.log``: ``wrap`` (Python's sys.stdout/stderr),
    ``redirect`` (file descriptors 1 and 2: child processes and C extensions too),
    ``auto`` (= ``wrap``) or ``off``."""
    console_max_bytes: int = 64 * 1024 * 1024
    """Size of ``output.log`` before it rotates (one older part is kept) and of the console
    lines kept in the store for the Logs tab."""
    save_code: bool = False
    """Save the main script as a run file (``code/<name>``)."""
    disable_git: bool = False
    """Record no git state (remote, branch, commit, ``diff.patch``)."""
    save_requirements: bool = True
    """Save the installed packages as the run file ``requirements.txt``."""
    notifiers: tuple[dict[str, Any], ...] = ()
    """Where alerts are sent: webhooks and email (``notifiers.py``)."""
    alert_on: tuple[str, ...] = ()
    """Run ends that send an alert by themselves: any of finished, failed, killed (sent by
    the run), crashed (sent by ``cairn ui`` / the server, which notices)."""
    alert_retries: int = 4
    """Retries of a failed alert delivery (with exponential backoff)."""
    alert_backoff: float = 1.0
    """Seconds before the first retry of an alert delivery; doubled each retry."""
    alert_timeout: float = 10.0
    """Seconds one alert delivery may take (connect and answer)."""
    file_sync_interval: float = 1.0
    """Seconds between checks of the files saved with ``run.save(policy="live")``."""

    def __post_init__(self) -> None:
        # Derived here rather than in load_settings so that a Settings built directly
        # (tests, the applier process) names the same stores as the folder it is given.
        if not self.store:
            object.__setattr__(self, "store", store_uri_of_folder(self.root))
        if not self.blobs:
            derived = local_blobs_uri(self.store) or f"file://{self.root.absolute() / 'blobs'}"
            object.__setattr__(self, "blobs", derived)

    @property
    def runs_dir(self) -> Path:
        if self.run_base is not None:
            return Path(self.run_base).expanduser().absolute() / "cairn" / "runs"
        return self.root / "runs"

    def default_entity(self) -> str:
        if self.entity:
            return self.entity
        try:
            return getpass.getuser()
        except (KeyError, OSError):
            return "local"


def _env_values(environ: Mapping[str, str]) -> dict[str, str]:
    values: dict[str, str] = {}
    for suffix, field in _ENV_FIELDS.items():
        for prefix in ("CAIRN_", "WANDB_"):
            raw = environ.get(prefix + suffix)
            if raw is not None and raw != "":
                values[field] = raw
                break
    for var, field in _SINGLE_ENV.items():
        if environ.get(var):
            values[field] = environ[var]
    return values


def _file_values(environ: Mapping[str, str]) -> dict[str, Any]:
    path = Path(environ.get("CAIRN_CONFIG") or Path.home() / ".config" / "cairn" / "settings.toml")
    if not path.is_file():
        return {}
    import tomllib

    try:
        with path.open("rb") as fh:
            data = tomllib.load(fh)
    except (OSError, ValueError) as exc:  # TOMLDecodeError is a ValueError
        raise SettingsError(f"cannot read settings file {path}: {exc}") from exc
    known = {f.name for f in dataclasses.fields(Settings)}
    unknown = sorted(set(data) - known)
    if unknown:
        raise SettingsError(f"unknown setting {unknown[0]!r} in {path}")
    return dict(data)


def _system_interval(value: Any) -> float:
    if isinstance(value, str) and value.strip().lower() in ("off", "false", "no"):
        return 0.0
    number = float(value)
    if not number >= 0 or number == float("inf"):
        raise ValueError("must be a number of seconds, 0 or 'off'")
    return number


def _console(value: Any) -> str:
    console = str(value).lower()
    # wandb's wrap_raw and wrap_emu differ in how they render terminal control codes;
    # cairn's wrap keeps the raw text (colours) and collapses carriage returns: both map.
    console = {"false": "off", "true": "auto", "wrap_raw": "wrap",
               "wrap_emu": "wrap"}.get(console, console)
    if console not in CONSOLE_MODES:
        raise ValueError(f"expected one of {', '.join(CONSOLE_MODES)} (or wandb's wrap_raw, "
                         "wrap_emu)")
    return console


def _console_max_bytes(value: Any) -> int:
    size = int(value)
    if size < 4096:
        raise ValueError("must be at least 4096")
    return size


def _notifiers(value: Any) -> tuple[dict[str, Any], ...]:
    from cairn.notifiers import check_notifiers

    return check_notifiers(json.loads(value) if isinstance(value, str) else value)


def _alert_on(value: Any) -> tuple[str, ...]:
    ends = value.split(",") if isinstance(value, str) else list(value)
    ends = [str(e).strip().lower() for e in ends if str(e).strip()]
    wrong = [e for e in ends if e not in ALERT_ON]
    if wrong:
        raise ValueError(f"{wrong[0]!r} is not one of {', '.join(ALERT_ON)}")
    return tuple(ends)


def _alert_retries(value: Any) -> int:
    retries = int(value)
    if not 0 <= retries <= 20:
        raise ValueError("must be between 0 and 20")
    return retries


def _alert_seconds(value: Any) -> float:
    seconds = float(value)
    if not 0 <= seconds <= 3600:
        raise ValueError("must be between 0 and 3600 seconds")
    return seconds


# The settings of a run's surroundings: system metrics, console, alerts.
_ENVIRONMENT_FIELDS: dict[str, Callable[[Any], Any]] = {
    "system_interval": _system_interval, "console": _console,
    "console_max_bytes": _console_max_bytes, "notifiers": _notifiers, "alert_on": _alert_on,
    "alert_retries": _alert_retries, "alert_backoff": _alert_seconds,
    "alert_timeout": _alert_seconds,
}


def _uri(value: Any) -> str:
    """A store URI as given, or a plain path made absolute (the applier process and
    ``cairn`` commands may run elsewhere)."""
    text = str(value).strip()
    if not text:
        raise ValueError("must be a URI or a path")
    if "://" in text:
        return text
    return str(Path(text).expanduser().absolute())


def _coerce(field: str, value: Any) -> Any:
    """Turn a raw (often string) value into the field's type, or raise naming the field."""
    if value is None:
        return None
    try:
        if field in ("heartbeat_timeout", "heartbeat_interval", "apply_interval",
                     "wal_interval", "finish_timeout", "store_busy_timeout",
                     "file_sync_interval"):
            number = float(value)
            if number <= 0:
                raise ValueError("must be positive")
            return number
        if field in _ENVIRONMENT_FIELDS:
            return _ENVIRONMENT_FIELDS[field](value)
        if field == "queue_rows":
            rows = int(value)
            if rows < 1:
                raise ValueError("must be at least 1")
            return rows
        if field in ("silent", "save_code", "disable_git", "save_requirements"):
            if isinstance(value, str):
                return value.strip().lower() in ("1", "true", "yes", "on")
            return bool(value)
        if field == "tags":
            if isinstance(value, str):
                return tuple(t.strip() for t in value.split(",") if t.strip())
            return tuple(str(t) for t in value)
        if field == "wal_retention":
            if value not in WAL_RETENTIONS:
                raise ValueError("expected 'keep', 'compact' or 'delete'")
            return str(value)
        if field == "finish_wait":
            if value not in ("store", "wal"):
                raise ValueError("expected 'store' or 'wal'")
            return str(value)
        if field == "applier":
            if value not in ("process", "thread"):
                raise ValueError("expected 'process' or 'thread'")
            return str(value)
        if field == "mode":
            mode = str(value).lower()
            mode = {"dryrun": "offline", "run": "local"}.get(mode, mode)
            if mode not in MODES:
                raise ValueError(f"expected one of {', '.join(MODES)}")
            return mode
        if field == "root":
            return Path(value).expanduser()
        if field == "store":
            return _uri(value)
        if field == "blobs":
            # a plain path is the blob folder itself (open_blobs reads one as a cairn folder)
            uri = _uri(value)
            return uri if "://" in uri else f"file://{uri}"
    except (TypeError, ValueError) as exc:
        raise SettingsError(f"bad value {value!r} for setting {field!r}: {exc}") from exc
    return str(value) if not isinstance(value, str) else value


def load_settings(
    overrides: Mapping[str, Any] | None = None,
    environ: Mapping[str, str] | None = None,
) -> Settings:
    """Merge arguments > environment > config file > defaults into one ``Settings``.

    ``dir`` (``WANDB_DIR``) follows wandb: it names the folder that *contains* the ``cairn``
    folder. ``root`` (``CAIRN_DIR``) names the cairn folder itself; ``dir`` passed as an
    argument wins over ``CAIRN_DIR`` from the environment. ``store`` and ``blobs`` are
    derived from ``root`` when unset, and ``root`` passed as an argument wins over
    ``CAIRN_STORE`` / ``CAIRN_BLOBS`` from the environment.
    """
    env = os.environ if environ is None else environ
    merged: dict[str, Any] = {}
    merged.update(_file_values(env))
    merged.update(_env_values(env))
    for key, value in (overrides or {}).items():
        if value is not None:
            merged[key] = value
    known = {f.name for f in dataclasses.fields(Settings)}
    unknown = sorted(set(merged) - known)
    if unknown:
        raise SettingsError(f"unknown setting {unknown[0]!r}")
    values = {key: _coerce(key, value) for key, value in merged.items()}
    if overrides and overrides.get("dir") is not None and "root" not in overrides:
        values.pop("root", None)
    if overrides and overrides.get("root") is not None:
        # A folder named in the call means its own stores, whatever the environment says,
        # unless the call names them too.
        for key in ("store", "blobs"):
            if overrides.get(key) is None:
                values.pop(key, None)
    if "root" not in values:
        base = values.get("dir")
        values["root"] = Path(base).expanduser() / "cairn" if base else Path.cwd() / "cairn"
    values["root"] = Path(values["root"]).absolute()
    return Settings(**values)
