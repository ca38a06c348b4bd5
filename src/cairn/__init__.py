"""cairn: a local-first experiment tracker with the wandb ``Run`` API.

    import cairn as wandb
    run = wandb.init(project="mnist", config={"lr": 1e-3})
    run.log({"loss": 0.5})
    run.finish()

``cairn.run``, ``cairn.config`` and ``cairn.summary`` follow the current run.
"""

from __future__ import annotations

import os
from typing import IO, Any

from cairn.errors import (
    CairnWarning,
    ConfigError,
    Error,
    FilterError,
    NotFoundError,
    ResumeError,
    SettingsError,
    StoreError,
    UsageError,
    WalError,
)
from cairn.sdk import reader as _reader
from cairn.sdk.alerts import AlertLevel
from cairn.sdk.init import init
from cairn.sdk.run import Metric, Run
from cairn.settings import Settings

__version__ = "0.1.0"


def _open_reader(root: Any, store: str | None, blobs: str | None,
                 api_key: str | None) -> Any:
    """How a run reads its store back (``sdk/reader.py``): the public API, imported only
    when a run first needs it."""
    from cairn.api.public import Api

    return Api(root=root, store=store, blobs=blobs, api_key=api_key)


_reader.install(_open_reader)

_MEDIA = frozenset({"Audio", "Classes", "Graph", "Histogram", "Html", "Image", "JoinedTable",
                    "Molecule", "Object3D", "Plotly", "Table", "Video", "box3d"})

__all__ = [
    "AlertLevel",
    "Api",
    "Artifact",
    "Audio",
    "CairnWarning",
    "Classes",
    "ConfigError",
    "Error",
    "FilterError",
    "Graph",
    "Histogram",
    "Html",
    "Image",
    "JoinedTable",
    "Metric",
    "Molecule",
    "NotFoundError",
    "Object3D",
    "Plotly",
    "ResumeError",
    "Run",
    "Settings",
    "SettingsError",
    "StoreError",
    "Table",
    "UsageError",
    "Video",
    "WalError",
    "__version__",
    "agent",
    "alert",
    "attach",
    "box3d",
    "controller",
    "define_metric",
    "finish",
    "init",
    "join",
    "log",
    "log_artifact",
    "login",
    "mark_preempting",
    "plot",
    "plot_table",
    "plots",
    "profiler",
    "require",
    "restore",
    "save",
    "sweep",
    "teardown",
    "unwatch",
    "use_artifact",
    "watch",
]


def _require_run(what: str) -> Run:
    from cairn.sdk.init import current

    run = current()
    if run is None:
        raise UsageError(f"You must call cairn.init() before cairn.{what}")
    return run


def log(data: dict[str, Any], step: int | None = None, commit: bool | None = None,
        sync: bool | None = None) -> None:
    """Log to the current run (see ``Run.log``)."""
    _require_run("log()").log(data, step=step, commit=commit)


def alert(title: str, text: str, level: str | AlertLevel | None = None,
          wait_duration: float | None = None) -> None:
    """Send an alert from the current run (see ``Run.alert``)."""
    _require_run("alert()").alert(title, text, level=level, wait_duration=wait_duration)


def finish(exit_code: int | None = None, quiet: bool | None = None) -> None:
    """Finish the current run, if there is one."""
    from cairn.sdk.init import current

    run = current()
    if run is not None:
        run.finish(exit_code=exit_code, quiet=quiet)


def define_metric(name: str, step_metric: str | None = None, step_sync: bool | None = None,
                  hidden: bool | None = None, summary: str | None = None,
                  goal: str | None = None, overwrite: bool | None = None) -> Metric:
    """``define_metric`` on the current run."""
    return _require_run("define_metric()").define_metric(
        name, step_metric=step_metric, step_sync=step_sync, hidden=hidden, summary=summary,
        goal=goal, overwrite=overwrite)


def save(glob_str: str | os.PathLike[str], base_path: str | os.PathLike[str] | None = None,
         policy: str = "live", glob: bool = True) -> list[str]:
    """``save`` on the current run (see ``Run.save``)."""
    return _require_run("save()").save(glob_str, base_path=base_path, policy=policy,
                                       glob=glob)


def restore(name: str, run_path: str | None = None, replace: bool = False,
            root: str | os.PathLike[str] | None = None) -> IO[str] | None:
    """Bring a file of a run (default: the current run) back into ``root`` (default: the
    run's folder, or the working directory) and open it; None if the run has no such
    file. An existing local copy is used unless ``replace``."""
    from cairn.sdk.restore import restore as restore_file

    return restore_file(name, run_path=run_path, replace=replace, root=root)


def log_artifact(artifact_or_path: Any, name: str | None = None, type: str | None = None,
                 aliases: list[str] | None = None) -> Any:
    """``log_artifact`` on the current run."""
    return _require_run("log_artifact()").log_artifact(artifact_or_path, name=name, type=type,
                                                       aliases=aliases)


def use_artifact(artifact_or_name: Any, type: str | None = None,
                 aliases: list[str] | None = None) -> Any:
    """``use_artifact`` on the current run."""
    return _require_run("use_artifact()").use_artifact(artifact_or_name, type=type,
                                                       aliases=aliases)


def join(exit_code: int | None = None, quiet: bool | None = None) -> None:
    """Alias of :func:`finish`, as wandb's."""
    finish(exit_code=exit_code, quiet=quiet)


def watch(models: Any, criterion: Any = None, log: str | None = "gradients",
          log_freq: int = 1000, idx: int | None = None, log_graph: bool = False) -> None:
    """``Run.watch`` on the current run: histograms of a PyTorch model's gradients and/or
    parameters every ``log_freq`` batches."""
    _require_run("watch()").watch(models, criterion=criterion, log=log, log_freq=log_freq,
                                  idx=idx, log_graph=log_graph)


def unwatch(models: Any = None) -> None:
    """``Run.unwatch`` on the current run."""
    _require_run("unwatch()").unwatch(models)


def mark_preempting() -> None:
    """``Run.mark_preempting`` on the current run."""
    _require_run("mark_preempting()").mark_preempting()


def attach(attach_id: str | None = None, run_id: str | None = None, *,
           run: Run | None = None) -> Run:
    """The run ``attach_id`` (a ``Run._attach_id``) names, continued from this process
    (``sdk/attach.py``)."""
    from cairn.sdk.attach import attach as attach_run

    return attach_run(attach_id or run_id, run=run)


_SESSION = frozenset({"login", "require", "teardown"})
"""wandb's process-wide calls (``compat/wandb/sdk/wandb_setup.py``), loaded on first use."""


class _NoRun:
    """What ``cairn.config`` / ``cairn.summary`` are before ``init``: any use raises."""

    def __init__(self, what: str) -> None:
        self._what = what

    def _fail(self, *args: Any, **kwargs: Any) -> Any:
        raise UsageError(f"You must call cairn.init() before using cairn.{self._what}")

    __getattr__ = _fail
    __getitem__ = _fail
    __setitem__ = _fail
    __contains__ = _fail
    __iter__ = _fail
    __len__ = _fail

    def __bool__(self) -> bool:
        return False

    def __repr__(self) -> str:
        return f"<cairn.{self._what}: no run; call cairn.init() first>"


def __getattr__(name: str) -> Any:
    if name in ("run", "config", "summary"):
        from cairn.sdk.init import current

        run = current()
        if name == "run":
            return run
        if run is None:
            return _NoRun(name)
        return getattr(run, name)
    if name in ("sweep", "agent"):  # the search libraries load only with sweeps
        from cairn.sweeps import api as sweeps_api

        return getattr(sweeps_api, name)
    if name == "Api":
        from cairn.api.public import Api

        return Api
    if name == "Artifact":  # loads hashing and the manifest only when used
        from cairn.sdk.artifacts.artifact import Artifact

        return Artifact
    if name in _MEDIA:  # media types load on first use: import cairn stays light
        from cairn.sdk import media

        return getattr(media, name)
    if name in _SESSION:
        from cairn.compat.wandb.sdk import wandb_setup

        return getattr(wandb_setup, name)
    if name == "controller":  # loads the sweep store only when used
        from cairn.compat.wandb.wandb_controller import controller

        return controller
    if name in ("plot", "plots"):
        import importlib

        return importlib.import_module(f"cairn.{name}")
    if name == "profiler":  # PyTorch profiler traces as run files
        from cairn.sdk import profiler

        return profiler
    if name == "plot_table":
        from cairn.sdk.charts import plot_table

        return plot_table
    raise AttributeError(f"module 'cairn' has no attribute {name!r}")
