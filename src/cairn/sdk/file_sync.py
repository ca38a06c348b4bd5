"""``run.save``: keep files matching a glob in the run's files, with wandb's policies.

    run.save("ckpt/*.pt", policy="live")
        │  matches now: linked into run.dir, recorded at once (run._save_file)
        ▼
    FileSync ── watcher thread (polls every ``file_sync_interval`` seconds) ── a file whose
        │        size/mtime changed and then held still for one poll is recorded again;
        │        globs are re-evaluated each poll, so files that appear later count too
        ▼
    finish(): a last pass over ``live`` globs, then the ``end`` globs are recorded, then
              files written straight into run.dir that no glob saved (as wandb does)

The cairn folder is the store's: a glob never saves its blobs, caches, database or WALs,
only files of a run files folder the glob's base lies in (``os.path.join(run.dir, "m.pt")``).
A name is the file's path below ``base_path``; names that would leave it (``..``, absolute
names, symlinks pointing outside ``base_path``) are refused. Hashing and copying stream
(``run._save_file``), so a huge file is never read into memory.
"""

from __future__ import annotations

import fnmatch
import glob
import os
import shutil
import threading
from collections.abc import Callable, Iterator
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
                    policy: str, expand: bool = True, run_dir: Path | None = None
                    ) -> SavePattern:
    """Check a ``save()`` call's arguments and turn them into an absolute glob below a
    base folder, as wandb 0.31 does:

    - a relative glob and ``base_path`` are both taken from the working directory
      (``save("models/x.zip", base_path="models")`` saves ``x.zip``);
    - an absolute glob without ``base_path`` keeps one folder level: its files are named
      below the folder above the glob's (``save("/mnt/run123/*.txt")`` saves
      ``run123/a.txt``);
    - except (a deliberate difference) an absolute glob inside ``run_dir``, the run's
      files folder: its files are named below ``run_dir``, so wandb's idiom
      ``save(os.path.join(run.dir, "m.pt"))`` saves ``m.pt``. wandb 0.31 saves
      ``files/m.pt`` there, a second copy of the ``m.pt`` it uploads from ``run.dir``.

    ``expand`` False takes the glob as a literal path. Raises ValueError for a bad policy
    or a glob that leaves ``base_path``."""
    if policy not in POLICIES:
        raise ValueError(f"save() policy must be one of {', '.join(POLICIES)}; got {policy!r}")
    text = os.fspath(glob_str)
    if not isinstance(text, str) or not text or "\0" in text:
        raise ValueError(f"save() needs a glob string; got {glob_str!r}")
    pattern = os.path.abspath(text)
    if base_path is not None:
        base = Path(os.path.abspath(os.fspath(base_path)))
    elif not os.path.isabs(text):
        base = Path.cwd()
    elif run_dir is not None and _below(pattern, os.path.abspath(run_dir)):
        base = Path(os.path.abspath(run_dir))
    else:
        base = Path(os.path.dirname(os.path.dirname(pattern)))
        if glob.has_magic(str(base)):
            raise ValueError(f"save({text!r}): give base_path= when the folders of an "
                             "absolute glob have wildcards")
    relative = os.path.relpath(pattern, base)
    if relative == ".." or relative.startswith(".." + os.sep) or os.path.isabs(relative):
        raise ValueError(f"save({text!r}): the glob leaves base_path {str(base)!r}; files "
                         "are saved by their path below base_path")
    if not expand:
        pattern = glob.escape(pattern)
    return SavePattern(pattern, base, policy)


def file_name(path: Path, base: Path) -> str:
    """The run file name of ``path``: its posix path below ``base``. ValueError when it is
    not below ``base``, or is a symlink (or below one) that points outside it."""
    from cairn.limits import check_file_name

    relative = os.path.relpath(os.path.abspath(path), base)
    if relative.startswith(".." + os.sep) or relative == "..":
        raise ValueError(f"save(): {str(path)!r} is not below base_path {str(base)!r}")
    real_base = os.path.realpath(base)
    real = os.path.realpath(path)
    if os.path.commonpath([real, real_base]) != real_base:
        raise ValueError(f"save(): {str(path)!r} is a symlink to {real!r}, outside base_path "
                         f"{str(base)!r}; refusing to follow it")
    return check_file_name(Path(relative).as_posix())


def run_files_folder(base: Path, root: Path) -> Path | None:
    """The run files folder (``<root>/runs/<id>/files``) that ``base`` is in, if any."""
    relative = Path(os.path.relpath(base, root)).parts
    if len(relative) >= 3 and relative[0] == "runs" and relative[2] == "files":
        return root / "runs" / relative[1] / "files"
    return None


def _below(path: str, folder: str) -> bool:
    return path == folder or path.startswith(folder.rstrip(os.sep) + os.sep)


def may_save(path: str, base: Path, root: Path | None) -> bool:
    """Whether a match may become a run file. The cairn folder ``root`` holds the store's
    own data (blobs, caches, the database, WALs, other runs): a glob reaches into it only
    through the run files folder its ``base`` lies in (``os.path.join(run.dir, "x")``)."""
    if root is None or not _below(os.path.abspath(path), str(root)):
        return True
    folder = run_files_folder(base, root)
    return folder is not None and _below(os.path.abspath(path), str(folder))


def matching_files(pattern: SavePattern, root: Path | None = None) -> list[Path]:
    """Regular files that match the glob now (``**`` spans folders), sorted; none of the
    cairn folder ``root``'s own files (see ``may_save``). The walk never enters a folder
    of ``root`` that holds none of them (blobs, caches): the live watcher walks every
    second, and those folders can hold millions of files."""
    root = Path(os.path.abspath(root)) if root is not None else None
    allowed = run_files_folder(pattern.base, root) if root is not None else None

    def may_enter(folder: str) -> bool:
        if root is None or not _below(folder, str(root)):
            return True
        return allowed is not None and (_below(folder, str(allowed))
                                        or _below(str(allowed), folder))

    found = set(_glob_files(pattern.pattern, may_enter))
    return sorted(Path(p) for p in found if may_save(p, pattern.base, root))


def _glob_files(pattern: str, may_enter: Callable[[str], bool]) -> Iterator[str]:
    """The files ``glob.glob(pattern, recursive=True)`` would give, walking only folders
    ``may_enter`` allows. Hidden names match only a pattern part that starts with a dot
    (and ``**`` skips them), as in the glob module."""
    parts = list(Path(os.path.normpath(pattern)).parts)
    fixed = 0
    while fixed < len(parts) and not glob.has_magic(parts[fixed]):
        fixed += 1
    if fixed == len(parts):  # no wildcard: the one file, if it is one
        if os.path.isfile(pattern) and may_enter(os.path.dirname(os.path.abspath(pattern))):
            yield os.path.normpath(pattern)
        return
    start = os.path.join(*parts[:fixed]) if fixed else os.curdir
    if may_enter(os.path.abspath(start)):
        yield from _match(start, parts[fixed:], may_enter, frozenset())


def _match(folder: str, parts: list[str], may_enter: Callable[[str], bool],
           chain: frozenset[str]) -> Iterator[str]:
    part, rest = parts[0], parts[1:]
    chain = chain | {os.path.realpath(folder)}  # a link back up the walk is not followed
    if part == "**":
        if rest:
            yield from _match(folder, rest, may_enter, chain)
        for entry in _entries(folder):
            if entry.name.startswith("."):
                continue
            if _is_dir(entry) and may_enter(os.path.abspath(entry.path)) and \
                    os.path.realpath(entry.path) not in chain:
                yield from _match(entry.path, parts, may_enter, chain)
            elif not rest and _is_file(entry):
                yield entry.path
        return
    if glob.has_magic(part):
        found = [(e.path, _is_dir(e), _is_file(e)) for e in _entries(folder)
                 if fnmatch.fnmatchcase(e.name, part)
                 and (part.startswith(".") or not e.name.startswith("."))]
    else:  # a plain name: looked up, not listed
        path = os.path.join(folder, part)
        found = [(path, os.path.isdir(path), os.path.isfile(path))]
    for path, is_dir, is_file in found:
        if not rest:
            if is_file:
                yield path
        elif is_dir and may_enter(os.path.abspath(path)):
            yield from _match(path, rest, may_enter, chain)


def _entries(folder: str) -> list[os.DirEntry[str]]:
    try:
        with os.scandir(folder) as found:
            return list(found)
    except OSError:  # gone, or not a folder: nothing matches below it
        return []


def _is_dir(entry: os.DirEntry[str]) -> bool:
    try:
        return entry.is_dir()
    except OSError:
        return False


def _is_file(entry: os.DirEntry[str]) -> bool:
    try:
        return entry.is_file()
    except OSError:
        return False


class FileSync:
    """The files a run keeps in sync. Thread-safe; one per run."""

    def __init__(self, run_dir: Path, save_file: SaveFile, warn: WarnOnce,
                 interval: float, root: Path | None = None) -> None:
        self._run_dir = run_dir
        self._root = root
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
                   for path in matching_files(pattern, self._root)]
        if not matches and any(os.path.isfile(p) for p in glob.iglob(pattern.pattern,
                                                                      recursive=True)):
            self._warn(f"store-only:{pattern.pattern}", f"cairn: save({pattern.pattern!r}) "
                       "matches only the cairn folder's own files (blobs, caches, WALs); "
                       "nothing is saved")
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
            for path in matching_files(pattern, self._root):
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
        self._save_run_dir()

    def _save_run_dir(self) -> None:
        """Files written straight into ``run.dir`` are the run's too (wandb saves them at
        the end). Our own links are skipped (their globs decide), and so are names already
        saved: a ``now`` file keeps the version saved then."""
        for folder, dirs, files in os.walk(self._run_dir):
            dirs.sort()
            for entry in sorted(files):
                path = Path(folder) / entry
                if path.is_symlink() or not path.is_file():
                    continue
                try:
                    name = file_name(path, self._run_dir)
                except ValueError as exc:
                    self._warn(f"run-dir:{path}", f"cairn: not saving {str(path)!r}: {exc}")
                    continue
                with self._lock:
                    known = name in self._saved
                if not known:
                    self._record(path, name, "end")
