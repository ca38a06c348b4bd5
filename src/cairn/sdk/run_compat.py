"""What integrations, notebooks and other processes call on a ``Run``: wandb's model
registry calls, ``watch``, attaching from another process (``_attach_id``, pickling), the
notebook view, ``status`` and ``mark_preempting``.

:class:`RunIntegrations` is a base of ``Run`` (``sdk/run.py``), kept apart so that the
run's core (start, log, finish) reads on its own; it uses the run's state as ``Run`` sets
it up and adds none of its own.
"""

from __future__ import annotations

import datetime
import os
import time
from collections.abc import Sequence
from dataclasses import dataclass
from typing import IO, TYPE_CHECKING, Any, Self, cast

import cairn.sdk.fork  # noqa: F401  (its fork hook shares a live run's steps)
from cairn.errors import UsageError
from cairn.sdk.writer import Op

if TYPE_CHECKING:
    from cairn.sdk.artifacts.artifact import Artifact
    from cairn.sdk.attach import HandOff
    from cairn.sdk.config import Config, ConfigStatic
    from cairn.sdk.environment import RunEnvironment
    from cairn.sdk.fork import SharedSteps
    from cairn.sdk.run import Run, RunSetup
    from cairn.sdk.watch import Watcher
    from cairn.sdk.writer import RunWriter


MAX_PINNED = 100
"""Config keys a run may pin (``pin_config_keys``); the store keeps as many."""


@dataclass(frozen=True)
class RunStatus:
    """What ``Run.status()`` returns, as wandb's: how many records await the store."""

    sync_items_total: int = 0
    sync_items_pending: int = 0
    sync_time: datetime.datetime | None = None


class RunIntegrations:
    """The part of ``Run`` that integrations and other processes use (see the module)."""

    if TYPE_CHECKING:  # set up by Run.__init__
        _writer: RunWriter | None
        _setup: RunSetup
        _framework: str
        _finished: bool
        _step: int
        _pending: dict[str, Any]
        _watcher: Watcher | None
        _labels: dict[str, str]
        _preempting: bool
        _environment: RunEnvironment | None
        _handoff: HandOff | SharedSteps | None
        config: Config

        @property
        def path(self) -> str: ...
        @property
        def dir(self) -> str: ...
        @property
        def url(self) -> str: ...
        def get_project_url(self) -> str: ...
        def get_sweep_url(self) -> str | None: ...
        def log_artifact(self, artifact_or_path: Artifact | str | os.PathLike[str],
                         name: str | None = None, type: str | None = None,
                         aliases: list[str] | None = None, tags: list[str] | None = None
                         ) -> Artifact: ...
        def _queue(self, item: Op) -> None: ...
        def _commit(self) -> None: ...
        def _flush_to_store(self) -> None: ...

    def _telemetry_get_framework(self) -> str:
        return self._framework

    def log_model(self, path: str | os.PathLike[str], name: str | None = None,
                  aliases: list[str] | None = None) -> None:
        """Log the file or folder at ``path`` as an artifact of type ``model`` (named
        ``run-<id>-<basename>`` unless ``name``), as wandb does."""
        self.log_artifact(path, name=name, type="model", aliases=aliases)

    def upsert_artifact(self, artifact_or_path: Artifact | str | os.PathLike[str],
                        name: str | None = None, type: str | None = None,
                        aliases: list[str] | None = None,
                        distributed_id: str | None = None) -> Artifact:
        """Add an artifact's files to the draft version that runs share under
        ``distributed_id`` (default: the run's group), as wandb's: several processes each
        upsert their part, then one calls :meth:`finish_artifact`, which commits the draft
        as one version. A later upsert under the same id starts the next version."""
        from cairn.sdk.artifacts.run_artifacts import distributed

        return distributed(cast("Run", self), artifact_or_path, name, type, aliases,
                           distributed_id, finalize=False)

    def finish_artifact(self, artifact_or_path: Artifact | str | os.PathLike[str],
                        name: str | None = None, type: str | None = None,
                        aliases: list[str] | None = None,
                        distributed_id: str | None = None) -> Artifact:
        """Commit the draft of ``distributed_id`` (default: the run's group), with this
        artifact's files added, as one version whose output runs are every run that added
        to it; ``wait()`` on the returned artifact gives that version."""
        from cairn.sdk.artifacts.run_artifacts import distributed

        return distributed(cast("Run", self), artifact_or_path, name, type, aliases,
                           distributed_id, finalize=True)

    def use_model(self, name: str) -> str:
        """Download the model artifact ``name`` (``name:version|alias``); returns the path
        of its only file, or of the folder when it has several."""
        from cairn.sdk.artifacts.run_artifacts import use_model

        return use_model(cast("Run", self), name)

    def link_artifact(self, artifact: Artifact, target_path: str,
                      aliases: list[str] | None = None) -> Artifact:
        """Make ``artifact`` a version of the collection ``target_path`` names
        (``[entity/project/]name``) too, in this run's project: the same files, stored
        once."""
        from cairn.sdk.artifacts.run_artifacts import link_artifact

        return link_artifact(cast("Run", self), artifact, target_path, aliases)

    def link_model(self, path: str | os.PathLike[str], registered_model_name: str,
                   name: str | None = None, aliases: list[str] | None = None) -> Artifact:
        """Log ``path`` as a model artifact and link it to ``registered_model_name``."""
        if "/" in registered_model_name:
            raise ValueError("link_model() takes the registered model's name only, without "
                             f"entity or project; got {registered_model_name!r}")
        artifact = self.log_artifact(path, name=name, type="model")
        return self.link_artifact(artifact, registered_model_name, aliases=aliases)

    @property
    def config_static(self) -> ConfigStatic:
        """A read-only copy of the config as it is now (wandb's ``ConfigStatic``)."""
        from cairn.sdk.config import ConfigStatic

        return ConfigStatic(self.config)

    @property
    def project_url(self) -> str:
        return self.get_project_url()

    @property
    def sweep_url(self) -> str | None:
        return self.get_sweep_url()

    @property
    def sync_dir(self) -> str:
        """The run's folder: its WAL, and ``files/`` (``run.dir``)."""
        return str(self._setup.run_dir)

    def restore(self, name: str, run_path: str | None = None, replace: bool = False,
                root: str | os.PathLike[str] | None = None) -> IO[str] | None:
        """``cairn.restore`` from this run (default) into ``root`` (default: ``run.dir``)."""
        from cairn.sdk.restore import restore as restore_file

        return restore_file(name, run_path=run_path or self.path, replace=replace,
                            root=root if root is not None else self.dir)

    # ---- notebooks ---------------------------------------------------------------------
    def to_html(self, height: int = 420, hidden: bool = False) -> str:
        """An iframe of the run's page in cairn's web UI (``cairn ui``), as wandb's."""
        import html

        style = f"border:none;width:100%;height:{int(height)}px;"
        if hidden:
            style += "display:none;"
        return f'<iframe src="{html.escape(self.url)}" style="{style}"></iframe>'

    def display(self, height: int = 420, hidden: bool = False) -> bool:
        """Show :meth:`to_html` in a Jupyter notebook; False outside one."""
        try:
            from IPython import get_ipython  # type: ignore[import-not-found, unused-ignore]
            from IPython.display import (  # type: ignore[import-not-found, unused-ignore]
                HTML,
                display,
            )
        except ImportError:
            return False
        if get_ipython() is None:
            return False
        display(HTML(self.to_html(height, hidden)))
        return True

    # ---- what integrations call (sdk/watch.py) ----------------------------------------
    def watch(self, models: Any, criterion: Any = None, log: str | None = "gradients",
              log_freq: int = 1000, idx: int | None = None, log_graph: bool = False) -> None:
        """Log histograms of a PyTorch model's gradients (``gradients/<name>``) and/or
        parameters (``parameters/<name>``) every ``log_freq`` batches, as wandb does."""
        from cairn.sdk.watch import Watcher

        if self._watcher is None:
            self._watcher = Watcher(cast("Run", self))
        self._watcher.watch(models, criterion=criterion, log=log, log_freq=log_freq, idx=idx,
                            log_graph=log_graph)

    def unwatch(self, models: Any = None) -> None:
        """Remove the hooks ``watch`` placed on ``models`` (default: on every model)."""
        if self._watcher is not None:
            self._watcher.unwatch(models)

    @property
    def _attach_id(self) -> str | None:
        """What ``wandb._attach`` takes in another process to log into this run (None for
        a disabled run, as wandb's). Reading it hands the run off (``sdk/attach.py``):
        what was logged is flushed to the store, and the step is noted for the other
        process."""
        if self._writer is None:
            return None
        if not self._finished:
            from cairn.sdk.attach import HandOff
            from cairn.sdk.fork import SharedSteps

            if self._writer.forked_from is not None and self._handoff is not None:
                self._continue_in_fork()
            shared = self._handoff if isinstance(self._handoff, SharedSteps) else None
            found = shared.previous if shared is not None else self._handoff
            note = found if isinstance(found, HandOff) else None
            if note is not None:  # a step given back since the last look
                note.next_check = 0.0
                self._take_step_back(note)
            self._flush_to_store()
            note = HandOff.write(cast("Run", self), note)
            if shared is not None:
                shared.previous = note
            else:
                self._handoff = note
        return f"{self.path}@{self._setup.session}"

    def _take_step_back(self, handoff: HandOff | SharedSteps) -> None:
        """Continue after the steps other processes logging into this run have taken: a
        process that attached (its note), or the processes forked from this one (their
        shared counter, ``sdk/fork.py``). In a forked child, first become a co-writer."""
        writer = self._writer
        if writer is None:
            return
        if writer.forked_from is not None:
            self._continue_in_fork()
            writer = self._writer
            assert writer is not None
        step = handoff.step_given_back(self._step, bool(self._pending))
        if step is None or step <= self._step:
            return
        with writer.lock:
            if self._pending:
                self._commit()
            self._step = max(self._step, step)

    def _continue_in_fork(self) -> None:
        """In a process forked from the run's: make this copy of the run a co-writer
        session of it (``sdk/fork.py``), with the step counter it shares with the parent."""
        from cairn.sdk.fork import cowriter_setup, finish_at_exit
        from cairn.sdk.run import Run

        steps = self._handoff
        Run.__init__(cast(Run, self), cowriter_setup(cast(Run, self)))
        self._handoff = steps
        finish_at_exit(cast(Run, self))

    def __reduce__(self) -> tuple[Any, ...]:
        """A pickled run, as wandb's: the process that unpickles it logs into the run (the
        run itself in its own process, else a co-writer session of it)."""
        from cairn.sdk.attach import unpickled_run

        if self._writer is None:
            raise UsageError("a disabled run cannot be pickled to another process")
        return (unpickled_run, (self._attach_id, os.getpid()))

    def __copy__(self) -> Self:
        return self

    def __deepcopy__(self, memo: dict[int, Any]) -> Self:
        return self

    def _label(self, code: str | None = None, repo: str | None = None,
               code_version: str | None = None, **kwargs: str) -> None:
        """Integrations name themselves here (wandb keeps it as telemetry)."""
        self._labels.update({k: v for k, v in (("code", code), ("repo", repo),
                                               ("code_version", code_version)) if v})

    def write_logs(self, text: str) -> None:
        """Add ``text`` to the run's logs (its Logs tab and ``output.log``) without
        printing it, as wandb's ``write_logs``: a newline is added if it has none. After
        ``finish()`` it is ignored."""
        if not isinstance(text, str):
            raise TypeError(f"write_logs() takes a str; got {type(text).__name__}")
        if self._finished or self._writer is None:
            return
        if not text.endswith("\n"):
            text += "\n"
        console = self._environment.console if self._environment is not None else None
        if console is not None:
            console.write_logs(text)
            return
        at = time.time()  # the console is not captured (console = "off"): straight to the store
        self._queue(Op("console", {"lines": [(at, "stdout", line)
                                             for line in text[:-1].split("\n")]}))

    def pin_config_keys(self, keys: Sequence[str] = ()) -> None:
        """Show these config keys first on the run's overview (wandb's "References"), in
        this order; calling it again replaces the list. Keys are exact config keys (dots
        and slashes are part of the name)."""
        if self._finished:
            raise UsageError("pin_config_keys() after the run has finished")
        if isinstance(keys, str):
            raise TypeError("pin_config_keys() takes a list of config keys, not one string")
        pinned = list(keys)
        for key in pinned:
            if not isinstance(key, str):
                raise TypeError(f"pin_config_keys() keys must be str; got {key!r}")
        if len(pinned) > MAX_PINNED:
            raise ValueError(f"pin_config_keys() takes at most {MAX_PINNED} keys; "
                             f"got {len(pinned)}")
        self._queue(Op("meta", {"pinned_keys": pinned}))

    def status(self) -> RunStatus:
        """How much of the run has reached the store: everything, once this returns."""
        if self._finished or self._writer is None:
            return RunStatus()
        self._flush_to_store()
        return RunStatus(sync_time=datetime.datetime.now())

    def mark_preempting(self) -> None:
        """Say the process is about to be preempted (a scheduler's notice), as wandb's: the
        run reads ``preempting``, then ``preempted`` once its process is gone; killed
        (SIGTERM, Ctrl-C) it ends ``preempted``, and ``init(resume="auto")`` (or
        ``resume="allow"`` with its id) continues it."""
        if self._writer is None or self._finished:
            return
        self._preempting = True
        self._queue(Op("preempting", {"at": time.time()}))
