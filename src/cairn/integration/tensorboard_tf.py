"""``tf.summary`` writers (TensorFlow 2) mirrored into the run, as wandb does.

TensorFlow writes summaries from its own C++ ops, often inside ``tf.function`` graphs, so
no Python call can be intercepted per value. As wandb, the op that creates a summary file
writer (``gen_summary_ops.create_summary_file_writer``, which ``tf.summary.
create_file_writer`` and Keras' ``TensorBoard`` callback use) is patched to note each
writer's logdir; a thread then follows the event files that writer makes there, reading
each complete record once (a record still being written is read when it is whole), and
logs their values through the same rows as the other writers (``tensorboard.py``): the
event's step as ``global_step``. Values are turned as wandb turns them
(``tensorboard_summary.py``); several logdirs are told apart as wandb does, by their
path under the logdirs' common folder (Keras: ``train/…`` and ``validation/…``).

When the run finishes, the writers are flushed and their files read to the end first
(``Run._before_finish``), so nothing written before ``finish()`` is lost. TensorFlow is
never imported here: the patch is made now if TensorFlow is loaded, else when it is.
"""

from __future__ import annotations

import contextlib
import importlib.abc
import importlib.machinery
import importlib.util
import os
import sys
import threading
import types
import warnings
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

OPS_MODULE = "tensorflow.python.ops.gen_summary_ops"
POLL_SECONDS = 1.0
"""How often the thread looks for new records."""
EVENT_PREFIX = "events.out.tfevents."

_lock = threading.RLock()
_original: Any = None
_finder: _PatchOnImport | None = None
_root: Path | None = None


@dataclass
class _Logdir:
    path: Path
    namespace: str
    known: set[str]
    """Event files there before the writer was made: another program's, or an earlier
    run's; not followed."""
    offsets: dict[str, int] = field(default_factory=dict)
    plugins: dict[str, str] = field(default_factory=dict)
    broken: set[str] = field(default_factory=set)


@dataclass
class _Follower:
    logdirs: dict[str, _Logdir] = field(default_factory=dict)
    writers: list[Any] = field(default_factory=list)
    """The writer resources, flushed when the run finishes."""
    thread: threading.Thread | None = None
    stop: threading.Event = field(default_factory=threading.Event)


_follower = _Follower()


def patch(root_logdir: str | None = None) -> bool:
    """Patch TensorFlow's writer op now if TensorFlow is loaded, else once it is; False
    when TensorFlow is not installed. ``root_logdir``: as wandb's, the folder the
    logdirs' namespaces are relative to."""
    global _finder, _root
    with _lock:
        _root = Path(root_logdir).resolve() if root_logdir else None
        module = sys.modules.get(OPS_MODULE)
        if module is not None:
            _patch_module(module)
            return True
        if _finder is None:
            try:
                installed = importlib.util.find_spec("tensorflow") is not None
            except (ImportError, ValueError):
                installed = False
            if not installed:
                return False
            _finder = _PatchOnImport()
            sys.meta_path.insert(0, _finder)
        return True


def unpatch() -> None:
    """Restore the op, stop following (after reading what the writers wrote)."""
    global _original, _finder, _root
    drain()
    with _lock:
        _root = None
        if _finder is not None:
            with contextlib.suppress(ValueError):
                sys.meta_path.remove(_finder)
            _finder = None
        module: Any = sys.modules.get(OPS_MODULE)
        if module is not None and _original is not None:
            module.create_summary_file_writer = _original
        _original = None
        _stop_following()


def _patch_module(module: Any) -> None:
    global _original
    with _lock:
        if _original is not None:
            return
        original = _original = module.create_summary_file_writer

        def create_summary_file_writer(*args: Any, **kwargs: Any) -> Any:
            logdir = kwargs.get("logdir", args[1] if len(args) > 1 else None)
            writer = kwargs.get("writer", args[0] if args else None)
            path = _path(logdir)
            known = _event_files(Path(path)) if path is not None else set()
            result = original(*args, **kwargs)
            if path is not None:
                try:
                    _follow(Path(path), known, writer)
                except Exception as exc:  # the user's writer works all the same
                    from cairn.errors import CairnWarning

                    warnings.warn(f"cairn: cannot mirror the tf.summary writer of {path}: "
                                  f"{exc}", CairnWarning, stacklevel=2)
            return result

        module.create_summary_file_writer = create_summary_file_writer


class _PatchOnImport(importlib.abc.MetaPathFinder):
    """Patches ``OPS_MODULE`` right after TensorFlow loads it."""

    def find_spec(self, fullname: str, path: Any = None,
                  target: Any = None) -> importlib.machinery.ModuleSpec | None:
        if fullname != OPS_MODULE:
            return None
        for finder in sys.meta_path:
            if finder is self or not hasattr(finder, "find_spec"):
                continue
            spec = finder.find_spec(fullname, path, target)
            if spec is not None and spec.loader is not None:
                _patch_after_exec(spec.loader)
                return spec
        return None


def _patch_after_exec(loader: Any) -> None:
    execute = loader.exec_module

    def exec_module(module: types.ModuleType) -> None:
        execute(module)
        _patch_module(module)

    loader.exec_module = exec_module


def _path(logdir: Any) -> str | None:
    """The logdir as text: a string, or an eager string tensor (a graph's tensor has no
    value yet, and is not followed)."""
    if isinstance(logdir, (str, os.PathLike)):
        return os.fspath(logdir)
    numpy = getattr(logdir, "numpy", None)
    if numpy is None:
        return None
    try:
        value = numpy()
    except Exception:  # a symbolic tensor
        return None
    return value.decode("utf-8") if isinstance(value, bytes) else str(value)


def _event_files(folder: Path) -> set[str]:
    try:
        return {name for name in os.listdir(folder) if name.startswith(EVENT_PREFIX)}
    except OSError:
        return set()


def _namespace(path: Path, others: list[Path]) -> str:
    """wandb's: the logdir under the common folder of every logdir seen; one logdir alone
    has none, unless it is Keras' ``train`` or ``validation``."""
    if _root is not None and path.is_relative_to(_root):
        return path.relative_to(_root).as_posix().strip(".")
    if not others:
        return path.name if path.name in ("train", "validation") else ""
    root = os.path.commonpath([str(p) for p in [*others, path]])
    return path.relative_to(root).as_posix().strip(".")


def _follow(path: Path, known: set[str], writer: Any) -> None:
    from cairn.integration.tensorboard import current_run

    key = str(path.resolve())
    with _lock:
        if key not in _follower.logdirs:
            others = [d.path for d in _follower.logdirs.values()]
            namespace = _namespace(path.resolve(), [p.resolve() for p in others])
            _follower.logdirs[key] = _Logdir(path, namespace, known)
        if writer is not None:
            _follower.writers.append(writer)
        run = current_run()
        if run is not None:
            _drain_before_finish(run)
        if _follower.thread is None or not _follower.thread.is_alive():
            _follower.stop = threading.Event()
            _follower.thread = threading.Thread(target=_poll, args=(_follower.stop,),
                                                name="cairn-tf-summary", daemon=True)
            _follower.thread.start()


def _poll(stop: threading.Event) -> None:
    while not stop.wait(POLL_SECONDS):
        try:
            read_new()
        except Exception as exc:  # the user's training goes on; say why values stop
            from cairn.errors import CairnWarning

            warnings.warn(f"cairn: could not mirror tf.summary events: {exc}",
                          CairnWarning, stacklevel=1)
            return


def read_new() -> None:
    """Log every complete record the followed event files gained, in the order they were
    written (by wall time) across files: Keras writes ``train`` and ``validation`` to
    two files at once."""
    with _lock:
        events: list[tuple[float, int, Any, _Logdir]] = []
        for logdir in list(_follower.logdirs.values()):
            for name in sorted(_event_files(logdir.path) - logdir.known - logdir.broken):
                events.extend((event.wall_time, len(events), event, logdir)
                              for event in _read_file(logdir, name))
        events.sort(key=lambda item: (item[0], item[1]))
        for _, _, event, logdir in events:
            _log_summary(event, logdir)


def _read_file(logdir: _Logdir, name: str) -> list[Any]:
    """The summary events that ``name`` gained since it was last read."""
    from google.protobuf.message import DecodeError
    from tensorboard.compat.proto import event_pb2

    from cairn.importers.tensorboard import tf_records_from
    from cairn.importers.wandb_log import LogDamage

    damage = LogDamage()
    path = logdir.path / name
    events = []
    try:
        for raw, end in tf_records_from(path, damage, logdir.offsets.get(name, 0)):
            try:
                event = event_pb2.Event.FromString(raw)
            except DecodeError:
                damage.damaged_blocks += 1
                break
            logdir.offsets[name] = end
            if event.HasField("summary"):
                events.append(event)
    except OSError:  # removed meanwhile
        logdir.broken.add(name)
    if damage.damaged_blocks:
        logdir.broken.add(name)
        from cairn.errors import CairnWarning

        warnings.warn(f"cairn: {path} is damaged at byte {logdir.offsets.get(name, 0)}; "
                      "its later events are not mirrored into the run", CairnWarning,
                      stacklevel=1)
    return events


def _log_summary(event: Any, logdir: _Logdir) -> None:
    from cairn.integration.tensorboard import add_values, current_run
    from cairn.integration.tensorboard_summary import summary_values

    found = summary_values(event.summary, logdir.namespace, logdir.plugins)
    run = current_run()
    if run is None or run._finished:
        return
    _drain_before_finish(run)
    if found.hparams:
        run.config.update(found.hparams, allow_val_change=True)
    if found.values:
        add_values(found.values, int(event.step))


def _drain_before_finish(run: Any) -> None:
    hooks = run.__dict__.setdefault("_before_finish", [])
    if _finish not in hooks:
        hooks.append(_finish)


def _finish() -> None:
    """The run ends: what the writers wrote is its last; a later run follows the writers
    made for it, as wandb's watcher is the run's own. A file that cannot be read must not
    keep the run from finishing."""
    try:
        drain()
    except Exception as exc:
        from cairn.errors import CairnWarning

        warnings.warn(f"cairn: could not mirror the last tf.summary events: {exc}",
                      CairnWarning, stacklevel=1)
    finally:
        with _lock:
            _stop_following()


def drain() -> None:
    """Flush the writers, log what their files hold, and write the row being built."""
    from cairn.integration.tensorboard import commit_row

    with _lock:
        module = sys.modules.get(OPS_MODULE)
        for writer in _follower.writers:
            with contextlib.suppress(Exception):  # a writer closed and deleted since
                if module is not None:
                    module.flush_summary_writer(writer)
        try:
            read_new()
        finally:
            commit_row()


def _stop_following() -> None:
    _follower.stop.set()
    _follower.thread = None
    _follower.logdirs.clear()
    _follower.writers.clear()
