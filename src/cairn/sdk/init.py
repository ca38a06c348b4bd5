"""``cairn.init()``: decide a run's identity, resume state and mode, then start it.

Also the module-level current run (``cairn.run``) and the exit hooks that finish runs the
script did not finish (failed after an uncaught exception).
"""

from __future__ import annotations

import atexit
import contextlib
import dataclasses
import json
import os
import sys
import time
import warnings
from collections.abc import Mapping
from pathlib import Path
from types import TracebackType
from typing import Any

from cairn.errors import CairnWarning, ResumeError, UsageError
from cairn.records import RunRef
from cairn.sdk.config import _as_mapping
from cairn.sdk.exit_codes import hook_exits, outermost_main_frame, status_code
from cairn.sdk.exits import (
    TERM_GUARD,
    ProcessEnd,
    SignalExit,
    describe_error,
    keep_interrupted_exit,
)
from cairn.sdk.names import new_run_id, new_run_name, validate_run_id
from cairn.sdk.run import Run, RunSetup
from cairn.sdk.telemetry import detect_framework
from cairn.settings import Settings, load_settings, shown_store
from cairn.sweeps.trial import active_trial

DEFAULT_PROJECT = "uncategorized"
RESUME_MODES = ("allow", "must", "never", "auto")
_REINIT = (None, False, True, "default", "return_previous", "finish_previous", "create_new")

# wandb.init arguments that are accepted for compatibility but change nothing yet (except
# sync_tensorboard / tensorboard: cairn.integration.tensorboard).
_ACCEPTED_NOOP = frozenset({
    "anonymous", "magic", "force", "sync_tensorboard", "monitor_gym",
    "tensorboard", "allow_val_change", "fork_from", "resume_from",
})

_active: list[Run] = []
"""Every live run of this process, oldest first (all are finished at exit)."""
_current: Run | None = None
"""``cairn.run``: the run module-level calls go to. As in wandb, a run made with
``reinit="create_new"`` never becomes it, and it is None once that run finishes."""
_hooks_installed = False
_end = ProcessEnd()
_exiting = False
"""The process is ending: runs finish in this thread (no new threads at shutdown)."""


def current() -> Run | None:
    return _current


def _forget(run: Run, owner: bool = True) -> None:
    """Drop a finished run; ``owner`` False in a forked child, whose parent still runs it."""
    global _current
    if run in _active:
        _active.remove(run)
    if _current is run:
        _current = None
    if not _active:
        TERM_GUARD.uninstall()
    if not owner:
        return
    marker = run.settings.root / "resume.json"
    try:
        if json.loads(marker.read_text()).get("run_id") == run.id:
            marker.unlink()
    except (OSError, ValueError):
        pass


def _install_hooks() -> None:
    global _hooks_installed
    if _hooks_installed:
        return
    _hooks_installed = True
    previous = sys.excepthook

    def excepthook(exc_type: type[BaseException], exc: BaseException,
                   tb: TracebackType | None) -> None:
        _end.exceptions.append(exc)
        with contextlib.suppress(Exception):
            _end.error = describe_error(exc_type, exc, tb)
        previous(exc_type, exc, tb)

    sys.excepthook = excepthook
    hook_exits(lambda status: _end.exit_codes.append(status_code(status)))
    _end.main_frame = outermost_main_frame()
    atexit.register(_finish_all)


def _finish_all() -> None:
    global _exiting
    _exiting = True
    state, code, error = _end.outcome()
    for run in list(reversed(_active)):
        try:
            run._finish(exit_code=code, state=state, error=error)
        except SignalExit:
            pass  # a SIGTERM while finishing at exit: the process is ending anyway
        except Exception as exc:
            print(f"cairn: could not finish run {run.id}: {exc}", file=sys.stderr)
    _close_finished_wals()
    keep_interrupted_exit(_end)


def _close_finished_wals() -> None:
    """At exit, let finished runs whose WAL is still open for their environment snapshot
    close it and reach the applier process (``Run._close_wal``), then the store."""
    from cairn.sinks.handoffs import CLOSING_WAIT, join_closing, settle_at_exit

    with contextlib.suppress(SignalExit):
        join_closing(CLOSING_WAIT)
        settle_at_exit()


def _filter_config(config: Any, exclude: Any, include: Any) -> Any:
    """``init(config=)`` less ``config_exclude_keys`` (often secrets), or only its
    ``config_include_keys``, as wandb applies them (top-level keys)."""
    if exclude is None and include is None:
        return config
    if exclude is not None and include is not None:
        raise UsageError("init() takes config_exclude_keys or config_include_keys, not both")
    keys = exclude if exclude is not None else include
    if isinstance(keys, str) or not all(isinstance(k, str) for k in keys):
        which = "config_exclude_keys" if exclude is not None else "config_include_keys"
        raise TypeError(f"init() {which} must be a list of config keys; got {keys!r}")
    from cairn.sdk.config import _as_mapping

    chosen = set(keys)
    return {k: v for k, v in _as_mapping(config).items()
            if (k in chosen) == (include is not None)}


def _settings_overrides(settings: Any) -> dict[str, Any]:
    if settings is None:
        return {}
    if isinstance(settings, Settings):
        return {k: v for k, v in vars(settings).items() if v is not None}
    if isinstance(settings, Mapping):
        return dict(settings)
    if hasattr(settings, "__dict__"):
        return {k: v for k, v in vars(settings).items() if not k.startswith("_")}
    raise TypeError(f"settings must be a dict; got {type(settings).__name__}")


def _existing(settings: Settings, ref: RunRef) -> Any:
    """The run with this id in this project (any entity), or None: as the store holds it,
    once the store has the records it may lack (an offline session never synced, a crashed
    session's last records). A local run applies them to the store first; an offline one
    leaves the store alone and continues from its WAL files as they describe the run."""
    from cairn.backend import open_backend
    from cairn.errors import NotFoundError
    from cairn.sinks.handoffs import wait_for_handoffs
    from cairn.wal.resume import apply_unsynced, merged_with_store, unsynced_state

    wait_for_handoffs()  # a run this process finished may be on its way to the store
    local = settings.mode in ("local", "online")  # online without a server logs locally
    if settings.mode == "online" and settings.store.startswith(("http://", "https://")):
        from cairn.sdk.online import existing_on_server  # reads as "local", below

        return existing_on_server(settings, ref, lambda s: _existing(s, ref))
    try:
        backend = open_backend(settings=settings, create=local)
    except NotFoundError:
        return unsynced_state(settings.runs_dir, ref.project, ref.run_id, None)
    try:
        store = backend.store
        found = _stored_run(store, ref)
        if local:
            if apply_unsynced(settings.runs_dir, ref.project, ref.run_id, store, found,
                              backend.blobs):
                found = _stored_run(store, ref)
            return found
        from_wals = unsynced_state(settings.runs_dir, ref.project, ref.run_id, store, found)
        return found if from_wals is None else merged_with_store(from_wals, found)
    finally:
        backend.close()


def _stored_run(store: Any, ref: RunRef) -> Any:
    """The stored run with this id in this project, under any entity."""
    found = store.get_run(ref, with_state=True)
    if found is None:
        matches = store.find_runs(ref.run_id, ref.project)
        if matches:
            found = store.get_run(matches[0].ref, with_state=True)
    return found


def _resume_target(settings: Settings, resume: Any, run_id: str | None) -> tuple[str | None, str]:
    """Normalise ``resume``: returns (run id to use, mode)."""
    if resume is True:
        resume = "auto" if run_id is None else "allow"
    if resume in (None, False):
        return run_id, "none"
    if resume not in RESUME_MODES:
        raise ValueError(f"resume must be one of {', '.join(RESUME_MODES)} or True/False; "
                         f"got {resume!r}")
    if resume == "auto" and run_id is None:
        marker = settings.root / "resume.json"
        try:
            run_id = str(json.loads(marker.read_text())["run_id"])
        except (OSError, ValueError, KeyError):
            run_id = None
        return run_id, "allow"
    if resume == "must" and run_id is None:
        raise ResumeError("resume='must' needs the id of the run to resume: pass id=...")
    return run_id, "allow" if resume == "auto" else str(resume)


def _init_overrides(settings: Any, named: dict[str, Any], save_code: Any,
                    tags: Any) -> dict[str, Any]:
    """The settings ``init()``'s arguments ask for, over those of its ``settings``."""
    overrides = _settings_overrides(settings)
    overrides.update({key: value for key, value in named.items() if value is not None})
    if save_code is not None:
        overrides["save_code"] = bool(save_code)
    if tags is not None:
        if isinstance(tags, str):  # one tag (wandb would split it into characters)
            tags = (tags,)
        if not all(isinstance(t, str) for t in tags):
            raise ValueError(f"tags must be a list of strings; got {tags!r}")
        overrides["tags"] = tuple(tags)
    return overrides


def _run_to_resume(s: Settings, ref: RunRef, run_id: str | None, resume_mode: str) -> Any:
    """The stored run this ``init()`` continues (None: a new run), as ``resume`` allows."""
    found = None
    if run_id is not None and s.mode != "disabled":
        found = _existing(s, ref)
    if found is not None and resume_mode == "never":
        raise ResumeError(f"run {found.ref.path} already exists and resume='never'; "
                          "use another id or resume='allow'")
    if found is None and resume_mode == "must":
        raise ResumeError(f"resume='must' but there is no run {ref.run_id!r} in project "
                          f"{ref.project!r} under {s.root}")
    if found is not None and resume_mode == "none":
        warnings.warn(f"cairn: run {found.ref.path} already exists; continuing it (pass "
                      "resume='allow' to say so, or resume='never' to refuse)", CairnWarning,
                      stacklevel=3)
    return found


def init(
    project: str | None = None,
    entity: str | None = None,
    name: str | None = None,
    notes: str | None = None,
    tags: Any = None,
    group: str | None = None,
    job_type: str | None = None,
    config: Any = None,
    dir: str | Path | None = None,
    id: str | None = None,
    resume: bool | str | None = None,
    mode: str | None = None,
    reinit: bool | str | None = None,
    settings: Any = None,
    **kwargs: Any,
) -> Run:
    """Start a run, with wandb's ``init`` arguments. See the README for the modes."""
    global _current
    save_code = kwargs.pop("save_code", None)
    config = _filter_config(config, kwargs.pop("config_exclude_keys", None),
                            kwargs.pop("config_include_keys", None))
    unknown = sorted(set(kwargs) - _ACCEPTED_NOOP)
    if unknown:
        raise TypeError(f"init() got an unexpected keyword argument {unknown[0]!r}")
    previous = _reinit(reinit)
    if previous is not None:
        return previous

    trial = active_trial()
    if trial is not None and id in (None, trial.run_id):  # a sweep's trial: its run
        project, entity, id = trial.project or project, trial.entity or entity, trial.run_id
        config = trial.config(None if config is None else _as_mapping(config))
        if resume is None:  # a trial starting its run again (transformers' callback does)
            resume = "allow"
    named = {"project": project, "entity": entity, "mode": mode,
             "run_base": str(dir) if dir is not None else None, "notes": notes, "group": group,
             "job_type": job_type, "run_id": id,
             "resume": resume if isinstance(resume, str) else None, "name": name}
    s = load_settings(_init_overrides(settings, named, save_code, tags))
    if s.mode == "online":
        from cairn.sdk.online import online_settings

        s = online_settings(s)  # the server's; unchanged, with a warning, when none is known

    run_id = validate_run_id(s.run_id) if s.run_id is not None else None
    resume_value: Any = resume if resume is not None else s.resume
    run_id, resume_mode = _resume_target(s, resume_value, run_id)
    entity_name = s.default_entity()
    ref = RunRef(entity_name, s.project or DEFAULT_PROJECT, run_id or new_run_id())

    found = _run_to_resume(s, ref, run_id, resume_mode)
    setup = _setup(s, ref, found, config)
    if trial is not None and ref.run_id == trial.run_id:
        setup = dataclasses.replace(setup, sweep_id=trial.sweep_id)
    run = Run(setup)
    _active.append(run)
    if reinit != "create_new":
        _current = run
    _install_hooks()
    TERM_GUARD.install(_end, _finish_all)
    if kwargs.get("sync_tensorboard") or kwargs.get("tensorboard"):
        from cairn.integration.tensorboard import patch

        patch()  # TensorBoard writers mirror into the current run
    if s.mode != "disabled":
        with contextlib.suppress(OSError):
            (s.root / "resume.json").write_text(json.dumps({"run_id": run.id}))
    return run


def attach_session(ref: RunRef, overrides: dict[str, Any], step: int,
                   note: Path | None) -> Run:
    """A co-writer session of the live run ``ref`` that another process owns (``sdk/
    attach.py``): it continues the run as the store holds it, from ``step`` at least, and
    becomes ``cairn.run``; its end is its own, not the run's."""
    global _current
    s = load_settings({**overrides, "project": ref.project, "entity": ref.entity,
                       "run_id": ref.run_id})
    if s.mode == "disabled":
        raise UsageError(f"attach(): run {ref.path} cannot be attached to with mode "
                         "'disabled'")
    found = _existing(s, ref)
    if found is None:
        raise UsageError(f"attach(): there is no run {ref.path} in the store at "
                         f"{shown_store(s.store, s.root)}")
    setup = _setup(s, ref, found, None)
    setup = dataclasses.replace(setup, starting_step=max(setup.starting_step, step),
                                attached=note or Path())
    run = Run(setup)
    _active.append(run)
    _current = run
    _install_hooks()
    TERM_GUARD.install(_end, _finish_all)
    return run


def _reinit(reinit: Any) -> Run | None:
    """What ``reinit`` does with the live runs: the run ``init()`` returns instead of a new
    one, or None after finishing them (``finish_previous``: all of them, as wandb)."""
    if reinit not in _REINIT:
        raise ValueError(f"reinit must be one of {_REINIT[1:]}; got {reinit!r}")
    previous = _active[-1] if _active else None
    if previous is None:
        return None
    if reinit in (None, False, "default", "return_previous"):
        warnings.warn(f"cairn: init() called while run {previous.id} is active; returning "
                      "it (pass reinit='finish_previous' or 'create_new' for a new run)",
                      CairnWarning, stacklevel=3)
        return previous
    if reinit in (True, "finish_previous"):
        for live in reversed(_active):
            live.finish()
    return None


def _setup(s: Settings, ref: RunRef, found: Any, config: Any) -> RunSetup:
    from cairn.backend import open_backend
    from cairn.sdk.config import _as_mapping

    # Opened first: a store URI of an unknown scheme fails before any folder is made.
    backend = None if s.mode == "disabled" else open_backend(settings=s)
    now = time.time()
    session = os.urandom(6).hex()
    stamp = time.strftime("%Y%m%d_%H%M%S", time.localtime(now))
    generated_name = new_run_name(s.runs_dir)
    run_dir = s.runs_dir / f"run-{stamp}-{ref.run_id}"
    if run_dir.exists():  # the same run resumed within a second: one folder per session
        run_dir = run_dir.with_name(f"{run_dir.name}-{session[:6]}")
    if s.mode != "disabled":
        try:
            run_dir.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise UsageError(f"cannot create the run folder {run_dir}: {exc}; set dir= or "
                             "CAIRN_DIR to a writable folder") from exc
        if s.run_base is not None:  # outside runs/: noted for `cairn sync` and `cairn gc`
            from cairn.wal.placed import note_placed

            note_placed(s.root, run_dir)
    base_config: dict[str, Any] = {}
    summary_state: dict[str, Any] = {}
    starting_step, runtime_offset = 0, 0.0
    name, notes, tags = s.name, s.notes, s.tags
    group, job_type = s.group, s.job_type
    if found is not None:
        ref = found.ref
        base_config = dict(found.config)
        summary_state = dict(found.summary_state)
        starting_step = found.last_step + 1
        runtime = found.summary.get("_runtime")
        runtime_offset = float(runtime) if isinstance(runtime, int | float) else 0.0
        name = name or found.name
        notes = notes if notes is not None else found.notes
        tags = tags if tags is not None else tuple(found.tags)
        group = group if group is not None else found.group
        job_type = job_type if job_type is not None else found.job_type
    if config is not None:
        for key, value in dict(_as_mapping(config)).items():
            base_config[key] = value
    from cairn.sdk.values import clean_value

    return RunSetup(
        settings=s, backend=backend, ref=ref, name=name or generated_name, notes=notes or "",
        tags=tuple(tags or ()), group=group, job_type=job_type, run_dir=run_dir,
        session=session, start_time=now, starting_step=starting_step,
        resumed=found is not None, runtime_offset=runtime_offset,
        config=clean_value(base_config), summary_state=summary_state,
        framework=detect_framework(),
    )
