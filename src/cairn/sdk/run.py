"""``Run``: one execution of a training script, with wandb's ``Run`` API.

The hot path is :meth:`Run.log`: validate and flatten (``values.flatten_log``), stamp the
step and time, and append to the writer's buffer. Everything else happens in the writer
and applier threads (``writer.py``).
"""

from __future__ import annotations

import os
import sys
import threading
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from types import TracebackType
from typing import TYPE_CHECKING, Any

from cairn.aggregates import GOALS, SummaryState, flatten, parse_summary_spec
from cairn.errors import CairnWarning, LogDataError, MetricError, UsageError
from cairn.records import RunRef
from cairn.sdk.alerts import AlertLevel, check_alert
from cairn.sdk.config import Config
from cairn.sdk.run_compat import RunIntegrations
from cairn.sdk.summary import Summary
from cairn.sdk.values import flatten_log, media_held
from cairn.sdk.writer import Op, RunWriter, WarnOnce
from cairn.settings import Settings, shown_store

if TYPE_CHECKING:
    from datetime import timedelta

    from cairn.backend import Backend
    from cairn.sdk.artifacts.artifact import Artifact
    from cairn.sdk.attach import HandOff
    from cairn.sdk.environment import RunEnvironment
    from cairn.sdk.file_sync import FileSync
    from cairn.sdk.fork import SharedSteps
    from cairn.sdk.reader import RunReader
    from cairn.sdk.watch import Watcher
    from cairn.sinks.base import Sink
    from cairn.sinks.process import ProcessApplier
    from cairn.sinks.thread import ThreadApplier
    from cairn.store.blobs import LocalBlobStore


@dataclass(frozen=True)
class Metric:
    """What ``define_metric`` returns: the definition as recorded."""

    name: str
    step_metric: str | None = None
    step_sync: bool | None = None
    hidden: bool | None = None
    summary: tuple[str, ...] = ()
    goal: str | None = None


@dataclass(frozen=True)
class RunSetup:
    """Everything ``init`` decided about a run before it starts."""

    settings: Settings
    backend: Backend | None
    """Where the run's records and blobs go (None for a disabled run)."""
    ref: RunRef
    name: str
    notes: str
    tags: tuple[str, ...]
    group: str | None
    job_type: str | None
    run_dir: Path
    session: str
    start_time: float
    starting_step: int
    resumed: bool
    runtime_offset: float
    config: Mapping[str, Any]
    summary_state: Mapping[str, Any]
    framework: str
    sweep_id: str | None = None
    """The sweep whose trial this run is (set from the agent's environment)."""
    attached: Path | None = None
    """A co-writer session of a run another process owns (``sdk/attach.py``): the hand-off
    note to give the step back to at the end (``Path()`` when there is none)."""


class History:
    """``run.history``: the step being built and the committed rows of this run."""

    def __init__(self, run: Run) -> None:
        self._run = run

    @property
    def step(self) -> int:
        return self._run.step

    @property
    def row(self) -> dict[str, Any]:
        """The pending (uncommitted) row."""
        return dict(self._run._pending)

    def rows(self, keys: list[str] | None = None) -> list[dict[str, Any]]:
        """Every committed row so far, read back from the store (local mode)."""
        self._run._flush_to_store()
        api = self._run._reader()
        return list(api.run(self._run.path).scan_history(keys=keys))


class Run(RunIntegrations):
    """A run in progress. Create with ``cairn.init()``."""

    def __init__(self, setup: RunSetup) -> None:
        s = setup.settings
        self._settings = s
        self._backend = setup.backend
        self._setup = setup
        self._ref = setup.ref
        self._name = setup.name
        self._notes = setup.notes
        self._tags = tuple(setup.tags)
        self._group = setup.group
        self._job_type = setup.job_type
        self._dir = setup.run_dir / "files"
        self._start_time = setup.start_time
        self._starting_step = setup.starting_step
        self._resumed = setup.resumed
        self._framework = setup.framework
        self._mode = s.mode if s.mode != "online" else "local"
        self._step = setup.starting_step
        self._pending: dict[str, Any] = {}
        self._pending_time = 0.0
        self._known_keys: set[str] = set()
        self._dropped_steps = 0
        self._finished = False
        self._singletons: dict[str, dict[str, Any]] = {}
        self._metrics: dict[str, Metric] = {}
        self._lock = threading.RLock()
        self._warn = WarnOnce()
        self._exit_code: int | None = None
        self._summary_state = SummaryState(setup.summary_state)
        self._summary_cache: tuple[int, dict[str, Any]] | None = None
        self._writer: RunWriter | None = None
        self._applier: ThreadApplier | ProcessApplier | None = None
        self._environment: RunEnvironment | None = None
        self._file_sync: FileSync | None = None
        self._artifacts_api: RunReader | None = None
        self._blob_store: LocalBlobStore | None = None
        self._watcher: Watcher | None = None
        self._labels: dict[str, str] = {}
        self._preempting = False
        self._handoff: HandOff | SharedSteps | None = None
        self.config = Config(emit=self._emit_config)
        self.config._load(setup.config)
        self.summary = Summary(self._read_summary, self._write_summary)
        self.history = History(self)
        self.wal_path = setup.run_dir / f"run-{self._ref.run_id}.cairn"
        if self._mode != "disabled":
            self._start()

    # ---- start -------------------------------------------------------------------------
    def _start(self) -> None:
        s = self._settings
        self._dir.mkdir(parents=True, exist_ok=True)
        self._writer = RunWriter(
            self.wal_path, self._ref, self._setup.session, self._start_time,
            self._setup.runtime_offset, self._summary_state, s.queue_rows, s.wal_interval,
            s.heartbeat_interval, self._warn)
        self._writer.blobs = lambda: self._blobs  # media put their bytes here
        self._queue(Op("run", self._make_proto_run()))
        if self.config:
            self._queue(Op("config", {"config": self.config.as_dict()}))
        self._writer.process()
        if self._mode == "local":
            self._applier = self._start_applier()
            self._writer.on_written = self._applier.notice_wal_size
        from cairn.sdk.environment import RunEnvironment

        self._environment = RunEnvironment.start(self)

    def _start_applier(self) -> ThreadApplier | ProcessApplier:
        from cairn.sinks.process import ProcessApplier, SinkTarget
        from cairn.sinks.thread import ThreadApplier

        s = self._settings
        assert self._backend is not None
        backend = self._backend

        def open_sink() -> Sink:
            # An applier gets a backend of its own: its sink closes it when done.
            from cairn.backend import open_backend

            return open_backend(backend.store_uri, s, blobs=backend.blobs_uri).sink()

        def in_a_thread() -> ThreadApplier:
            return ThreadApplier(self.wal_path, open_sink, s.apply_interval, self._warn,
                                 retention=s.wal_retention,
                                 store_name=shown_store(backend.store_uri, s.root))

        if s.applier == "thread":
            return in_a_thread()
        target = SinkTarget(backend.store_uri, backend.blobs_uri, open_sink)
        return ProcessApplier(self.wal_path, s, self._warn, in_a_thread, target)

    def _reader(self) -> RunReader:
        """A reader of the run's backend (opened once, closed at finish)."""
        if self._artifacts_api is None:
            from cairn.sdk.reader import open_reader

            backend = self._backend
            self._artifacts_api = open_reader(
                self._settings.root, backend.store_uri if backend else None,
                backend.blobs_uri if backend else None, self._settings.api_key)
        return self._artifacts_api

    def _queue(self, item: Op) -> None:
        writer = self._writer
        if writer is None:
            return
        if writer.forked_from is not None and self._handoff is not None:
            self._continue_in_fork()  # a forked child logs as a co-writer (sdk/fork.py)
            writer = self._writer
            assert writer is not None
        with writer.lock:
            writer.check_owner()
            writer.buffer.append(item)

    # ---- blobs and files ---------------------------------------------------------------
    @property
    def _blobs(self) -> LocalBlobStore:
        """Where this run puts blobs: the backend's blob folder when it logs there and that
        is on this machine; else its own run folder's ``blobs/``, from which the applier
        (or ``cairn sync``) copies them before their records, so no upload ever runs on
        the writer thread."""
        if self._blob_store is None:
            from cairn.store.blobs import LocalBlobStore

            found = None
            if self._mode == "local" and self._backend is not None:
                found = self._backend.blobs
            self._blob_store = (found if isinstance(found, LocalBlobStore)
                                else LocalBlobStore(self._setup.run_dir / "blobs"))
        return self._blob_store

    def _save_file(self, source: Path | str, name: str, policy: str = "now") -> None:
        """Make the current content of ``source`` the run's file ``name`` (any thread)."""
        from cairn.sdk.files import file_record

        if self._writer is None:
            return
        self._queue(Op("file", file_record(self._blobs, Path(source), name, policy)))

    # ---- identity ----------------------------------------------------------------------
    @property
    def id(self) -> str:
        return self._ref.run_id

    @property
    def entity(self) -> str:
        return self._ref.entity

    @property
    def project(self) -> str:
        return self._ref.project

    def project_name(self) -> str:
        return self._ref.project

    @property
    def path(self) -> str:
        return self._ref.path

    @property
    def dir(self) -> str:
        return str(self._dir)

    @property
    def mode(self) -> str:
        return self._mode

    @property
    def offline(self) -> bool:
        return self._mode == "offline"

    @property
    def disabled(self) -> bool:
        return self._mode == "disabled"

    @property
    def start_time(self) -> float:
        return self._start_time

    @property
    def starting_step(self) -> int:
        return self._starting_step

    @property
    def resumed(self) -> bool:
        return self._resumed

    @property
    def step(self) -> int:
        return self._step

    @property
    def sweep_id(self) -> str | None:
        return self._setup.sweep_id

    @property
    def settings(self) -> Settings:
        return self._settings

    def _meta_property(self, key: str, value: Any) -> None:
        self._queue(Op("meta", {key: value}))

    @property
    def name(self) -> str:
        return self._name

    @name.setter
    def name(self, value: str) -> None:
        self._name = str(value)
        self._meta_property("name", self._name)

    @property
    def display_name(self) -> str:
        return self._name

    @property
    def notes(self) -> str:
        return self._notes

    @notes.setter
    def notes(self, value: str) -> None:
        self._notes = str(value)
        self._meta_property("notes", self._notes)

    @property
    def tags(self) -> tuple[str, ...]:
        return self._tags

    @tags.setter
    def tags(self, value: Any) -> None:
        if isinstance(value, str):  # wandb takes one string as one tag
            value = (value,)
        if not all(isinstance(t, str) for t in value):
            raise ValueError(f"tags must be a list of strings; got {value!r}")
        self._tags = tuple(value)
        self._meta_property("tags", list(self._tags))

    @property
    def group(self) -> str | None:
        return self._group

    @group.setter
    def group(self, value: str | None) -> None:
        self._group = value
        self._meta_property("group", value)

    @property
    def job_type(self) -> str | None:
        return self._job_type

    @job_type.setter
    def job_type(self, value: str | None) -> None:
        self._job_type = value
        self._meta_property("job_type", value)

    # ---- URLs --------------------------------------------------------------------------
    def get_project_url(self) -> str:
        base = self._settings.ui_url.rstrip("/")
        return f"{base}/{self.entity}/{self.project}"

    def get_url(self) -> str:
        return f"{self.get_project_url()}/runs/{self.id}"

    @property
    def url(self) -> str:
        return self.get_url()

    def get_sweep_url(self) -> str | None:
        return None if self.sweep_id is None else f"{self.get_project_url()}/sweeps/{self.sweep_id}"

    def _get_sweep_url(self) -> str | None:
        return self.get_sweep_url()

    # ---- logging -----------------------------------------------------------------------
    def log(self, data: Mapping[str, Any], step: int | None = None,
            commit: bool | None = None, sync: bool | None = None) -> None:
        """Log a dict to the run's history. See wandb's ``Run.log``."""
        writer = self._writer
        if writer is None or self._finished:
            if self._finished:
                raise UsageError(f"run {self.id} is finished; start a new one with "
                                 "cairn.init()")
            if not isinstance(data, Mapping):
                raise LogDataError(f"log() takes a dict of metrics; got {type(data).__name__}")
            # disabled: nothing is validated or written, but the summary shows what was
            # logged, as wandb's does
            self._summary_state.set_overrides(flatten(data))
            return
        if self._handoff is not None:  # other processes may log into the run
            self._take_step_back(self._handoff)
            writer = self._writer  # a forked child's copy has a writer of its own now
            assert writer is not None
        # The hot path: plain values under keys seen before need no work but a copy.
        flat: dict[str, Any]
        media = 0
        if type(data) is dict:
            known = self._known_keys
            flat = {}
            for key, value in data.items():
                t = type(value)
                if (t is float or t is int or t is str or t is bool) and key in known:
                    flat[key] = value
                else:
                    flat = self._flatten(data)
                    media = media_held(flat)
                    break
        elif isinstance(data, Mapping):
            flat = self._flatten(data)
            media = media_held(flat)
        else:
            raise LogDataError(f"log() takes a dict of metrics; got {type(data).__name__}")
        if step is None and commit is None and not self._pending:
            with writer.lock:
                buffer = writer.buffer
                buffer.append((self._step, time.time(), flat))
                self._step += 1
                if media:
                    writer.hold_media(media)
                if len(buffer) >= writer.max_rows:
                    writer.wait_for_room()
            return
        with writer.lock:
            writer.check_owner()
            self._log_with_options(flat, step, commit)

    def _flatten(self, data: Mapping[str, Any]) -> dict[str, Any]:
        """``flatten_log`` for this run; a new key whose name holds dots is announced to
        the summary first, so it stays one key there (``val.acc``), as in wandb."""
        paths: dict[str, list[str]] = {}
        try:
            return flatten_log(data, self._known_keys, {}, paths=paths)
        finally:
            # keys validated before a bad value are known from now on: announce them even
            # when the row is refused, or they would never be announced
            if paths:
                self._queue(Op("summary", {"set": {}, "del": [], "paths": paths}))

    def _log_with_options(self, flat: dict[str, Any], step: int | None,
                          commit: bool | None) -> None:
        """``step=`` and ``commit=`` semantics (called with the writer's lock held)."""
        if step is not None:
            if type(step) is not int:
                step = _check_step(step)
            if step < self._step:
                self._dropped_steps += 1
                keys = ", ".join(sorted(flat)) or "(no keys)"
                self._warn(f"step:{keys}", f"cairn: log() step {step} is lower than the "
                           f"current step {self._step}; dropped the data for {keys} "
                           "(steps must increase)")
                return
            if step > self._step:
                if self._pending:
                    self._commit()
                self._step = step
            if commit is None:
                commit = False
        elif commit is None:
            commit = True
        if self._pending:
            self._pending.update(flat)
        else:
            self._pending = flat
            self._pending_time = time.time()
        if commit:
            self._commit()

    def _commit(self) -> None:
        """Queue the pending row (called with the writer's lock held)."""
        writer = self._writer
        assert writer is not None
        # Media are counted as their row is queued (a row's media replaced before its
        # commit, or dropped with its step, never reach the writer).
        media = media_held(self._pending)
        writer.buffer.append((self._step, self._pending_time, self._pending))
        self._pending = {}
        self._step += 1
        if media:
            writer.hold_media(media)
        if len(writer.buffer) >= writer.max_rows:
            writer.wait_for_room()

    @property
    def dropped_steps(self) -> int:
        """How many ``log()`` calls were dropped for naming a step lower than the current."""
        return self._dropped_steps

    def plot_table(self, vega_spec_name: str, data_table: Any, fields: Mapping[str, str],
                   string_fields: Mapping[str, str] | None = None,
                   split_table: bool = False) -> Any:
        """A custom chart of ``data_table`` drawn by a Vega-Lite spec; log it under a key
        (see ``cairn.plot``)."""
        from cairn.sdk.charts import plot_table

        return plot_table(vega_spec_name, data_table, fields, string_fields, split_table)

    # ---- summary and metrics -----------------------------------------------------------
    def _read_summary(self) -> dict[str, Any]:
        if self._writer is not None:
            self._writer.process()
        state = self._summary_state
        cached = self._summary_cache
        if cached is None or cached[0] != state.version:  # built once per change
            cached = self._summary_cache = (state.version, state.nested())
        return cached[1]

    def _refuse_when_finished(self, what: str) -> None:
        """A change to a finished run would be dropped: say so, as wandb does."""
        if self._finished and self._mode != "disabled":
            raise UsageError(f"run {self.id} is finished; {what} needs a live run (start a "
                             "new one with cairn.init())")

    def _write_summary(self, values: dict[str, Any], deleted: list[str],
                       paths: dict[str, list[str]]) -> None:
        self._refuse_when_finished("changing its summary")
        if self._writer is None:
            self._summary_state.set_overrides(values, deleted)
            self._summary_state.set_paths(paths)
            return
        body: dict[str, Any] = {"set": values, "del": deleted}
        if paths:
            body["paths"] = paths
        self._queue(Op("summary", body))

    def define_metric(self, name: str, step_metric: str | Metric | None = None,
                      step_sync: bool | None = None, hidden: bool | None = None,
                      summary: str | None = None, goal: str | None = None,
                      overwrite: bool | None = None) -> Metric:
        """Customise how a metric (or a trailing-``*`` glob) is summarised and plotted."""
        self._refuse_when_finished("define_metric()")
        if not isinstance(name, str) or not name:
            raise MetricError(f"define_metric name must be a non-empty string; got {name!r}")
        if "*" in name[:-1]:
            raise MetricError(f"define_metric name {name!r}: only a trailing '*' glob is allowed")
        if isinstance(step_metric, Metric):
            step_metric = step_metric.name
        if step_metric is not None and (not isinstance(step_metric, str) or not step_metric):
            raise MetricError(f"define_metric step_metric must be a metric name; got "
                              f"{step_metric!r}")
        try:
            choices = parse_summary_spec(summary)
        except ValueError as exc:
            raise MetricError(str(exc)) from None
        if goal is not None:
            goal = {"min": "minimize", "max": "maximize"}.get(goal, goal)
            if goal not in GOALS:
                raise MetricError(f"define_metric goal must be 'minimize' or 'maximize'; "
                                  f"got {goal!r}")
        metric = Metric(name, step_metric, step_sync, hidden, choices, goal)
        self._metrics[name] = metric
        body = {"name": name, "step_metric": step_metric, "step_sync":
                step_sync if step_sync is not None else step_metric is not None,
                "hidden": bool(hidden), "summary": list(choices), "goal": goal}
        if self._writer is None:
            self._summary_state.define(body)
        else:
            self._queue(Op("metric", body))
        return metric

    # ---- config and singletons ---------------------------------------------------------
    def _emit_config(self, config: dict[str, Any]) -> None:
        self._refuse_when_finished("changing its config")
        self._queue(Op("config", {"config": config}))

    def _add_singleton(self, type: str, key: str, value: Any) -> None:
        """Store a value that repeats (e.g. a framework setting) once, under ``_cairn``
        in the config; record it again only when it changes."""
        current = self._singletons.setdefault(type, {})
        if key in current and current[key] == value:
            return
        current[key] = value
        self.config.update({"_cairn": {t: dict(values) for t, values in
                                       self._singletons.items()}}, allow_val_change=True)

    def _make_proto_run(self, run: Any = None) -> dict[str, Any]:
        """Our equivalent of wandb's RunData: the body of this session's ``run`` record."""
        import os
        import platform
        import socket

        return {
            "name": self._name, "notes": self._notes, "tags": list(self._tags),
            "group": self._group, "job_type": self._job_type,
            "start_time": self._start_time, "host": socket.gethostname(), "pid": os.getpid(),
            "mode": self._mode, "resumed": self._resumed, "starting_step": self._starting_step,
            "framework": self._framework, "sweep_id": self.sweep_id,
            "program": sys.argv[0] if sys.argv else "", "python": platform.python_version(),
            "os": platform.platform(), "at": time.time(),
        } | ({"attached": True} if self._setup.attached is not None else {})

    def log_code(self, root: str | os.PathLike[str] = ".", name: str | None = None,
                 include_fn: Callable[[str], bool] | None = None,
                 exclude_fn: Callable[[str], bool] | None = None) -> list[str]:
        """Save a snapshot of the source files below ``root`` (``.py`` files, or those
        ``include_fn(path)`` accepts and ``exclude_fn`` does not) as the run files
        ``code/<path>``; returns their names. (wandb returns a code artifact instead.)"""
        from cairn.sdk.snapshot import code_files

        files = code_files(Path(root), include_fn, exclude_fn)
        for path, file_name in files:
            self._save_file(path, file_name, "now")
        return [file_name for _, file_name in files]

    def alert(self, title: str, text: str, level: str | AlertLevel | None = None,
              wait_duration: float | timedelta | None = None) -> None:
        """Record an alert and send it to the configured notifiers (``sdk/alerts.py``);
        the same title within ``wait_duration`` (default 60 s) is suppressed and counted."""
        if self._writer is not None and self._finished:
            raise UsageError(f"run {self.id} is finished; alert() needs a live run")
        if self._environment is None:
            check_alert(title, text, level, wait_duration)
            return
        self._environment.alerts.alert(title, text, level, wait_duration)

    # ---- files -------------------------------------------------------------------------
    def save(self, glob_str: str | os.PathLike[str], base_path: str | os.PathLike[str] | None
             = None, policy: str = "live", glob: bool = True) -> list[str]:
        """Keep the files matching ``glob_str`` in the run's files, named by their path
        below ``base_path`` (default: the working directory; for an absolute glob, the
        folder above its own). ``policy``: ``live`` (every change while the run lives),
        ``now`` (once), ``end`` (at ``finish()``); ``glob`` False: a literal path. Returns
        the files' paths in ``run.dir``."""
        from cairn.sdk.file_sync import resolve_pattern

        pattern = resolve_pattern(glob_str, base_path, policy, expand=glob, run_dir=self._dir)
        if self._writer is None:
            return []
        if self._finished:
            raise UsageError(f"run {self.id} is finished; save() needs a live run")
        return self._files().save(pattern)

    def _files(self) -> FileSync:
        from cairn.sdk.file_sync import FileSync

        with self._lock:
            if self._file_sync is None:
                self._file_sync = FileSync(self._dir, self._save_file, self._warn,
                                           self._settings.file_sync_interval,
                                           root=self._settings.root)
            return self._file_sync

    # ---- artifacts (sdk/artifacts/run_artifacts.py) ------------------------------------
    def log_artifact(self, artifact_or_path: Artifact | str | os.PathLike[str],
                     name: str | None = None, type: str | None = None,
                     aliases: list[str] | None = None, tags: list[str] | None = None
                     ) -> Artifact:
        """Log an artifact (or a folder, file or reference URI) as this run's output; the
        store gives it the next version of its name. ``artifact.wait()`` for the version."""
        from cairn.sdk.artifacts.run_artifacts import log_artifact

        return log_artifact(self, artifact_or_path, name, type, aliases, tags)

    def use_artifact(self, artifact_or_name: Artifact | str, type: str | None = None,
                     aliases: list[str] | None = None, use_as: str | None = None) -> Artifact:
        """Record an artifact (``[entity/project/]name:version|alias|digest``, or an
        Artifact) as this run's input and return it."""
        from cairn.sdk.artifacts.run_artifacts import use_artifact

        return use_artifact(self, artifact_or_name, type, aliases, use_as)

    # ---- the end -----------------------------------------------------------------------
    def _flush_to_store(self) -> None:
        """Write everything logged so far to the WAL and apply it to the store."""
        if self._writer is not None:
            self._writer.process()
        if self._applier is not None:
            self._applier.apply_pending()

    def finish(self, exit_code: int | None = None, quiet: bool | None = None) -> None:
        """Mark the run finished (failed for a non-zero exit code) and make it durable."""
        self._finish(exit_code, quiet)

    def _finish(self, exit_code: int | None = None, quiet: bool | None = None, *,
                state: str | None = None, error: dict[str, Any] | None = None) -> None:
        """``finish`` with the state the process ended in (``sdk/exits.py``) and, for a
        failure, the error to keep with the run. A SIGTERM meanwhile waits until the run's
        end is recorded."""
        from cairn.sdk.exits import TERM_GUARD

        with TERM_GUARD.deferring():
            self._finish_now(exit_code, quiet, state, error)
        if self._settings.finish_wait == "store" and self._writer is not None:
            self._wait_for_store()

    def _wait_for_store(self) -> None:
        """``finish_wait = "store"``: the run's end is durable in its WAL; wait (bounded by
        ``finish_timeout``) until its applier has brought it to the store, so that a
        process killed right after ``finish()`` leaves the whole run there. A store that
        refused it has been reported by the applier (with ``cairn sync``), once."""
        from cairn.sinks.handoffs import wait_for_handoffs

        wait_for_handoffs(self._settings.finish_timeout)

    def _finish_now(self, exit_code: int | None, quiet: bool | None, state: str | None,
                    error: dict[str, Any] | None) -> None:
        from cairn.sdk import init as init_module

        if self._writer is not None and self._writer.forked_from is not None:
            # A forked child (at its exit, too) leaves the run to the process that owns it.
            self._finished = True
            init_module._forget(self, owner=False)
            return
        if self._handoff is not None:
            self._handoff.close()
        for hook in getattr(self, "_before_finish", ()):  # integrations' last values
            hook()
        with self._lock:
            if self._finished:
                return
            self._finished = True
            if self._writer is not None:
                code = int(exit_code or 0)
                state = state or ("failed" if code else "finished")
                if state == "killed" and self._preempting:
                    state = "preempted"  # resumable: the resume marker stays
                if self._environment is not None:  # output.log complete before the sweep
                    self._environment.close(state, code)
                self._files().close()  # live and end globs, and files written into run.dir
                if self._pending:
                    with self._writer.lock:
                        self._commit()
                body: dict[str, Any] = {"exit_code": code, "at": time.time(), "state": state}
                if error is not None:
                    body["error"] = error
                self._queue(Op("finish", body))
        attached = self._setup.attached
        init_module._forget(self, owner=attached is None and not (
            self._preempting and state == "preempted"))
        if attached is not None and attached.name:  # the owner continues after our steps
            from cairn.sdk.attach import give_back

            give_back(self, attached)
        if self._artifacts_api is not None:
            self._artifacts_api.close()
            self._artifacts_api = None
        if self._writer is None:
            return
        environment = self._environment
        if (environment is not None and not environment.snapshot_taken
                and not init_module._exiting and self._settings.finish_wait == "wal"
                and self._writer.process() and self._writer.sync()):
            # The run's end is durable; its WAL stays open for the environment snapshot,
            # then is closed and handed to the applier process in the background. (When
            # finish() waits for the store anyway, it closes the WAL itself: what it has to
            # say about the store is then said in the caller's thread.)
            from cairn.sinks.handoffs import closing

            closer = threading.Thread(target=self._close_wal, name="cairn-finish",
                                      daemon=True)
            closing(closer)
            closer.start()
            self._say_finished(quiet, synced=True)
            return
        if self._close_wal():
            self._say_finished(quiet, synced=True)

    def _close_wal(self) -> bool:
        """Close the WAL (after the snapshot) and hand it to the applier; False, after a
        warning, if records were lost or (with a thread applier) did not reach the store."""
        assert self._writer is not None
        if self._environment is not None:
            self._environment.finish_snapshot()
        written = self._writer.close(timeout=self._settings.finish_timeout)
        synced = True
        if self._applier is not None:
            synced = self._applier.close(self._settings.finish_timeout)
        if not written:
            return False  # the writer has warned which records were lost
        if not synced:
            import warnings

            to = f" --to {self._settings.base_url}" if self._mode == "online" else ""
            warnings.warn(f"cairn: run {self.id} is complete in its WAL {self.wal_path} but not "
                          f"in the store; run `cairn sync {self.wal_path.parent}{to}`",
                          CairnWarning, stacklevel=2)
        return synced

    def _say_finished(self, quiet: bool | None, synced: bool) -> None:
        if not synced or quiet or self._settings.silent:
            return
        where = "store" if self._mode == "local" else "WAL (offline; `cairn sync` later)"
        at = str(self._settings.root)
        if self._mode == "local" and self._backend is not None:
            at = shown_store(self._backend.store_uri, self._settings.root)
        attached = self._setup.attached
        what = "finished" if attached is None else f"logged to by process {os.getpid()}"
        print(f"cairn: run {self._name} ({self.id}) {what}: {self._step} steps in the "
              f"{where} at {at}", file=sys.stderr)

    def join(self, exit_code: int | None = None) -> None:
        """Alias of :meth:`finish`."""
        self.finish(exit_code)

    def __enter__(self) -> Run:
        return self

    def __exit__(self, exc_type: type[BaseException] | None, exc: BaseException | None,
                 tb: TracebackType | None) -> None:
        if exc_type is None or exc is None:
            self.finish(exit_code=0)
            return
        from cairn.sdk.exits import describe_error

        killed = isinstance(exc, KeyboardInterrupt)
        self._finish(exit_code=130 if killed else 1, state="killed" if killed else "failed",
                     error=None if killed else describe_error(exc_type, exc, tb))

    def __repr__(self) -> str:
        return f"<cairn.Run {self.path} ({self._name})>"


def _check_step(step: Any) -> int:
    if isinstance(step, bool) or not hasattr(step, "__index__"):
        # wandb refuses a float step (even 2.0) with a TypeError
        raise TypeError(f"log() step must be an int; got {type(step).__name__} {step!r}")
    # a negative step is lower than any current step: dropped with a warning, as in wandb
    return int(step.__index__())

