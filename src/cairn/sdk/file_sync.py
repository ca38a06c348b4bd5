"""``run.save``: keep files matching a glob in the run's files, with wandb's policies.

    run.save("ckpt/*.pt", policy="live")
        │  matches now: linked into run.dir, recorded at once (run._save_file)
        ▼
    FileSync ── watcher thread (polls every ``file_sync_interval`` seconds) ── a file whose
        │        size/mtime changed and then held still for one poll is recorded again;
        │        globs are re-evaluated each poll, so files that appear later count too
        ▼
    finish(): a last pass over ``live`` globs, then the ``end`` globs are recorded

A name is the file's path below ``base_path``; names that would leave it (``..``, absolute
names, symlinks pointing outside ``base_path``) are refused. Hashing and copying stream
(``run._save_file``), so a huge file is never read into memory.
"""

from __future__ import annotations

import glob
import os
import shutil
import threading
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from cairn.errors import Error
from cairn.sdk.writer import WarnOnce

POLICIES = ("live", "now", "end")
# A file that keeps changing (a log written every second) is still recorded this often.
_MAX_DEFER_POLLS = 10

SaveFile = Callable[[Path, str, str], None]
"""``run._save_file(source, name, policy)``."""


@dataclass(frozen=True)
class SavePattern:
    """One ``save()`` call: the absolute glob and the folder names are relative to."""

    pattern: str
    base: Path
    policy: str


Signature = tuple[int, int, int]
"""What tells a file's versions apart without reading it: (mtime_ns, size, inode)."""


def _signature(path: Path) -> Signature | None:
    try:
        st = path.stat()
    except OSError:
        return None
    return (st.st_mtime_ns, st.st_size, st.st_ino)


def resolve_pattern(glob_str: str | os.PathLike[str], base_path: str | os.PathLike[str] | None,
                    policy: str) -> SavePattern:
    """Check a ``save()`` call's arguments and turn them into an absolute glob below a
    base folder. Raises ValueError for a bad policy or a glob that leaves ``base_path``."""
    if policy not in POLICIES:
        raise ValueError(f"save() policy must be one of {', '.join(POLICIES)}; got {policy!r}")
    text = os.fspath(glob_str)
    if not isinstance(text, str) or not text or "\0" in text:
        raise ValueError(f"save() needs a glob string; got {glob_str!r}")
    if base_path is None:
        # wandb: an absolute glob saves files flat, by their name in the glob's folder
        base = Path(os.path.dirname(text)) if os.path.isabs(text) else Path.cwd()
        if os.path.isabs(text) and glob.has_magic(str(base)):
            raise ValueError(f"save({text!r}): give base_path= when the folder part of an "
                             "absolute glob has wildcards")
    else:
        base = Path(os.fspath(base_path))
    base = Path(os.path.abspath(base))
    pattern = text if os.path.isabs(text) else os.path.join(base, text)
    pattern = os.path.normpath(pattern)
    relative = os.path.relpath(pattern, base)
    if relative == ".." or relative.startswith(".." + os.sep) or os.path.isabs(relative):
        raise ValueError(f"save({text!r}): the glob leaves base_path {str(base)!r}; files "
                         "are saved by their path below base_path")
    return SavePattern(pattern, base, policy)


def file_name(path: Path, base: Path) -> str:
    """The run file name of ``path``: its posix path below ``base``. ValueError when it is
    not below ``base``, or is a symlink (or below one) that points outside it."""
    from cairn.sdk.files import check_file_name

    relative = os.path.relpath(os.path.abspath(path), base)
    if relative.startswith(".." + os.sep) or relative == "..":
        raise ValueError(f"save(): {str(path)!r} is not below base_path {str(base)!r}")
    real_base = os.path.realpath(base)
    real = os.path.realpath(path)
    if os.path.commonpath([real, real_base]) != real_base:
        raise ValueError(f"save(): {str(path)!r} is a symlink to {real!r}, outside base_path "
                         f"{str(base)!r}; refusing to follow it")
    return check_file_name(Path(relative).as_posix())


def matching_files(pattern: SavePattern, exclude: Path | None = None) -> list[Path]:
    """Regular files that match the glob now (``**`` spans folders), sorted; none below
    ``exclude`` (the cairn folder: a broad glob must not save the run's own files)."""
    found = glob.glob(pattern.pattern, recursive=True)
    skip = os.path.abspath(exclude) + os.sep if exclude is not None else None
    return sorted(Path(p) for p in found if os.path.isfile(p)
                  and (skip is None or not os.path.abspath(p).startswith(skip)))


class FileSync:
    """The files a run keeps in sync. Thread-safe; one per run."""

    def __init__(self, run_dir: Path, save_file: SaveFile, warn: WarnOnce,
                 interval: float, exclude: Path | None = None) -> None:
        self._run_dir = run_dir
        self._exclude = exclude
        self._save_file = save_file
        self._warn = warn
        self._interval = interval
        self._lock = threading.Lock()
        self._patterns: list[SavePattern] = []
        self._saved: dict[str, Signature] = {}
        self._pending: dict[str, tuple[Signature, int]] = {}
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._closed = False

    def save(self, pattern: SavePattern) -> list[str]:
        """Link the current matches into ``run_dir`` and record them (``now`` and ``live``);
        remember the pattern (``live`` and ``end``). Returns the paths in ``run_dir``."""
        matches = [(path, file_name(path, pattern.base))
                   for path in matching_files(pattern, self._exclude)]
        linked = [str(self._link(path, name)) for path, name in matches]
        if pattern.policy != "end":
            for path, name in matches:
                self._record(path, name, pattern.policy)
        with self._lock:
            if self._closed:
                return linked
            if pattern.policy != "now" and pattern not in self._patterns:
                self._patterns.append(pattern)
            if pattern.policy == "live" and self._thread is None:
                self._thread = threading.Thread(target=self._watch, name="cairn-file-sync",
                                                daemon=True)
                self._thread.start()
        return linked

    def _link(self, source: Path, name: str) -> Path:
        """Make the file visible in ``run.dir`` under its name (a symlink, as wandb does;
        a copy where links are not possible). A regular file already there is the user's
        and is left alone; a link of ours is pointed at the new source."""
        target = self._run_dir / name
        if os.path.abspath(source) == os.path.abspath(target):
            return target
        try:
            target.parent.mkdir(parents=True, exist_ok=True)
            if target.is_symlink():
                if os.path.exists(target) and os.path.samefile(target, source):
                    return target
                target.unlink()
            elif target.exists():
                return target
            try:
                target.symlink_to(os.path.abspath(source))
            except OSError:
                shutil.copyfile(source, target)
        except OSError as exc:
            self._warn(f"link:{name}", f"cairn: could not place {name!r} in the run folder "
                       f"{self._run_dir}: {exc}; it is still saved with the run")
        return target

    def _record(self, path: Path, name: str, policy: str) -> None:
        signature = _signature(path)
        if signature is None:
            return
        with self._lock:
            if self._saved.get(name) == signature:
                return
            self._saved[name] = signature
            self._pending.pop(name, None)
        try:
            self._save_file(path, name, policy)
        except (OSError, Error) as exc:  # gone or changed meanwhile: the next poll retries
            with self._lock:
                self._saved.pop(name, None)
            self._warn(f"save:{name}", f"cairn: could not save {str(path)!r}: {exc}")

    # ---- the watcher ---------------------------------------------------------------------
    def _watch(self) -> None:
        while not self._stop.wait(self._interval):
            try:
                self._poll(settle=True)
            except Exception as exc:  # a bug here must not end the run's logging
                self._warn("file-sync", f"cairn: watching saved files failed ({exc!r}); "
                           "live files are saved again at finish()")

    def _live_matches(self, policy: str) -> list[tuple[Path, str]]:
        with self._lock:
            patterns = [p for p in self._patterns if p.policy == policy]
        found: dict[str, Path] = {}
        for pattern in patterns:
            for path in matching_files(pattern, self._exclude):
                try:
                    name = file_name(path, pattern.base)
                except ValueError as exc:
                    self._warn(f"escape:{path}", f"cairn: not saving {str(path)!r}: {exc}")
                    continue
                found.setdefault(name, path)
        return [(path, name) for name, path in found.items()]

    def _poll(self, settle: bool) -> None:
        """Record live files that changed. With ``settle``, a change is recorded once the
        file held still for one poll (or after ``_MAX_DEFER_POLLS`` polls of changes)."""
        for path, name in self._live_matches("live"):
            signature = _signature(path)
            if signature is None:
                continue
            with self._lock:
                if self._saved.get(name) == signature:
                    self._pending.pop(name, None)
                    continue
                seen, polls = self._pending.get(name, (None, 0))
                ready = not settle or seen == signature or polls >= _MAX_DEFER_POLLS
                if not ready:
                    self._pending[name] = (signature, polls + 1)
                    continue
            self._link(path, name)
            self._record(path, name, "live")

    def close(self) -> None:
        """Stop watching; record what changed in ``live`` files and everything ``end``
        globs match now. Called by ``finish()``."""
        with self._lock:
            if self._closed:
                return
            self._closed = True
            thread = self._thread
        self._stop.set()
        if thread is not None:
            thread.join()
        try:
            self._poll(settle=False)
        except OSError as exc:
            self._warn("file-sync-end", f"cairn: could not save live files at finish: {exc}")
        for path, name in self._live_matches("end"):
            self._link(path, name)
            self._record(path, name, "end")
