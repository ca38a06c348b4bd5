"""The state a resumed run continues from when its earlier sessions are only in WAL files.

An offline run (or one whose store was out of reach) may be resumed before ``cairn sync``
has applied it: its sessions are WAL files in run folders named for its id, and the store
does not know them. Replaying those files into a scratch store gives exactly the state a
sync would give (last step, summary, config, name …), which the new session then continues
as a resume from the store would.
"""

from __future__ import annotations

import dataclasses
import re
import tempfile
import warnings
from pathlib import Path
from typing import TYPE_CHECKING

from cairn.errors import WalError
from cairn.records import RunRef
from cairn.wal.reader import WalReader
from cairn.wal.replay import WAL_SUFFIX, WalReplay, find_wal_files, replay

if TYPE_CHECKING:
    from cairn.store.base import MetadataStore, RunRow
    from cairn.store.blobs import BlobStore


Session = tuple[RunRef, str]


def run_wals(runs_dir: Path, project: str, run_id: str) -> dict[Path, Session]:
    """The WAL files of run ``run_id`` of ``project`` (any entity) under ``runs_dir``, each
    with the run and session its records belong to, in replay order."""
    # A session's folder is run-<stamp>-<id>, with -<6 hex> when the id resumed within
    # the same second; the WAL's open frame has the last word (ids may hold '-').
    folder = re.compile(rf"run-\d{{8}}_\d{{6}}-{re.escape(run_id)}(?:-[0-9a-f]{{6}})?")
    try:
        paths = [wal for entry in runs_dir.iterdir()
                 if folder.fullmatch(entry.name) and entry.is_dir()
                 for wal in entry.glob(f"*{WAL_SUFFIX}")]
    except OSError:
        return {}
    found: dict[Path, Session] = {}
    for path in find_wal_files(paths, runs_dir) if paths else []:
        reader = WalReader(path, on_damage=_ignore)
        try:
            reader.read(max_records=1)
        except (WalError, OSError, ValueError):
            continue
        ref, session = reader.run, reader.session
        if (ref is not None and session is not None and ref.run_id == run_id
                and ref.project == project):
            found[path] = (ref, session)
    return found


def _ignore(message: str) -> None:
    """Damage is reported by ``cairn sync``; a resume takes the records around it."""


def unsynced_state(runs_dir: Path, project: str, run_id: str, store: MetadataStore | None,
                   stored: RunRow | None = None) -> RunRow | None:
    """The run as its WAL files describe it, when the store may lack records of one of
    them; None when it holds them all. ``stored``: the run as the store has it. The files
    are replayed, oldest session first, into a scratch store."""
    wals = run_wals(runs_dir, project, run_id)
    if not any(_may_lack(store, stored, ref, session) for ref, session in wals.values()):
        return None
    try:
        rows = _replayed(wals)
    except Exception as exc:  # a record the store refuses must not stop training starting
        warnings.warn(f"cairn: cannot read run {run_id!r} from its WAL files ({exc!r}); "
                      "resuming from what the store holds (`cairn sync` reports the "
                      "problem)", RuntimeWarning, stacklevel=3)
        return None
    found = [row for row in rows if row is not None]
    return max(found, key=lambda row: row.last_step) if found else None


def _replayed(wals: dict[Path, Session]) -> list[RunRow | None]:
    """The runs of ``wals`` as replaying them into an empty store gives."""
    from cairn.store.sqlite import SqliteStore

    with tempfile.TemporaryDirectory(prefix="cairn-resume-") as scratch:
        replayed = SqliteStore(Path(scratch) / "cairn.db")
        try:
            _warn_errors(replay(list(wals), replayed))
            return [replayed.get_run(ref, with_state=True)
                    for ref in dict.fromkeys(ref for ref, _ in wals.values())]
        finally:
            replayed.close()


def _warn_errors(results: list[WalReplay]) -> None:
    """A file that stopped at a record the store refused: the resume continues from the
    records before it; `cairn sync` reports the problem in full."""
    for result in results:
        if result.error is not None:
            warnings.warn(f"cairn: a WAL file of the resumed run stops early "
                          f"({result.error}); continuing from the records before it",
                          RuntimeWarning, stacklevel=4)


def _may_lack(store: MetadataStore | None, stored: RunRow | None, ref: RunRef,
              session: str) -> bool:
    """Whether the store may lack records of this session: it never applied any (offline,
    never synced), or the session is the latest of a run that crashed (its applier died
    with it, maybe before the last records)."""
    if store is None or store.applied_seq(ref, session) == 0:
        return True
    return (stored is not None and stored.state == "crashed"
            and stored.meta.get("session") == session)


def apply_unsynced(runs_dir: Path, project: str, run_id: str, store: MetadataStore,
                   stored: RunRow | None, blobs: BlobStore | None) -> bool:
    """Apply to ``store`` the WAL files of the run that it may lack (a local resume of a
    run logged offline, or of one whose applier died with it), as ``cairn sync`` would;
    True when it replayed them. The store then holds every session in order, so the new
    session continues from it and a later sync changes nothing."""
    wals = run_wals(runs_dir, project, run_id)
    if not any(_may_lack(store, stored, ref, session) for ref, session in wals.values()):
        return False
    try:
        _warn_errors(replay(list(wals), store, blobs=blobs))
    except Exception as exc:  # a resume must start; `cairn sync` reports the problem
        warnings.warn(f"cairn: cannot apply the WAL files of run {run_id!r} to the store "
                      f"({exc!r}); resuming from what it holds (run `cairn sync`)",
                      RuntimeWarning, stacklevel=3)
    return True


def merged_with_store(from_wals: RunRow, stored: RunRow | None) -> RunRow:
    """The WAL state over what the store holds of the run (sessions whose WAL files are
    gone): the later of the last steps, the stored config under the WALs' one."""
    if stored is None:
        return from_wals
    return dataclasses.replace(
        from_wals, ref=stored.ref, last_step=max(from_wals.last_step, stored.last_step),
        config={**stored.config, **from_wals.config})


__all__ = ["apply_unsynced", "merged_with_store", "run_wals", "unsynced_state"]
