"""Edits: changes made through the ``Api`` or the UI server rather than by a run's writer.

A run's writer sends records (``store/apply.py``); everything else that changes a store
is an :class:`Edit`, applied by ``MetadataStore.apply_edit`` in one transaction. An edit
names its scope, wider than one run where it must be:

=========  ===============  ==============================================================
scope      kind             body
=========  ===============  ==============================================================
run        ``run_update``   ``{"records": [[kind, body], ...]}``: ``meta``, ``config`` and
                            ``summary`` record bodies, applied as one session of the run
run        ``run_delete``   ``{}``: the run and its history go; a tombstone stays
artifact   ``artifact_edit``    aliases, description, metadata (``store/artifacts.py``)
artifact   ``artifact_delete``  ``{}``
=========  ===============  ==============================================================

Every applied edit is kept in the ``edits`` table (who, when, what): the store's audit
trail. Its ``id`` makes applying it again a no-op, as ``(run, session, seq)`` does for
records. A deleted run leaves a row in ``tombstones``: records of that run are dropped
from then on (``RecordApplier``), so a late ``cairn sync`` of its WAL, or a writer that is
still running, does not bring it back. As with wandb, a deleted run's id is not reused.
"""

from __future__ import annotations

import getpass
import socket
import time
import uuid
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

import msgpack

from cairn.errors import NotFoundError
from cairn.records import Record, RunRef
from cairn.store import artifacts
from cairn.store.apply import Cursor, RecordApplier

SCOPES = ("run", "project", "artifact")
RUN_UPDATE_KINDS = frozenset({"meta", "config", "summary"})
"""The record kinds a ``run_update`` edit may carry: what a person may change of a run."""


@dataclass(frozen=True)
class Edit:
    scope: str
    """``run``, ``project`` or ``artifact``."""
    kind: str
    entity: str
    project: str
    target: str
    """The run id (scope ``run``), the artifact's ``name:vN`` (``artifact``), or ``""``."""
    body: dict[str, Any]
    origin: str
    """Who made it, for the audit trail: ``api user@host``, ``ui 127.0.0.1``."""
    id: str = field(default_factory=lambda: uuid.uuid4().hex)
    at: float = field(default_factory=time.time)

    @property
    def run(self) -> RunRef:
        return RunRef(self.entity, self.project, self.target)


@dataclass(frozen=True)
class EditRow:
    """An applied edit, as the audit trail holds it."""

    seq: int
    id: str
    at: float
    scope: str
    kind: str
    entity: str
    project: str
    target: str
    origin: str
    body: dict[str, Any]


def api_origin() -> str:
    """``api user@host``: the origin of edits made through ``cairn.Api`` here."""
    try:
        user = getpass.getuser()
    except (KeyError, OSError):  # no name for this uid (a container)
        user = "?"
    return f"api {user}@{socket.gethostname()}"


# ---- making edits -------------------------------------------------------------------------
def run_update(ref: RunRef, records: Sequence[tuple[str, dict[str, Any]]],
               origin: str) -> Edit:
    """Changes to a run, as the record bodies its writer would send."""
    bad = sorted({kind for kind, _ in records} - RUN_UPDATE_KINDS)
    if bad:
        raise ValueError(f"a run update carries {', '.join(sorted(RUN_UPDATE_KINDS))} "
                         f"records, not {', '.join(bad)}")
    return Edit("run", "run_update", ref.entity, ref.project, ref.run_id,
                {"records": [[kind, body] for kind, body in records]}, origin)


def run_delete(ref: RunRef, origin: str) -> Edit:
    return Edit("run", "run_delete", ref.entity, ref.project, ref.run_id, {}, origin)


def artifact_edit(kind: str, body: dict[str, Any], origin: str) -> Edit:
    """An ``artifact_edit`` or ``artifact_delete`` of the version that ``body`` names
    (entity, project, name, version)."""
    if kind not in ("artifact_edit", "artifact_delete"):
        raise ValueError(f"not an artifact edit: {kind!r}")
    target = f"{body.get('name')}:v{body.get('version')}"
    return Edit("artifact", kind, str(body.get("entity")), str(body.get("project")), target,
                dict(body), origin)


# ---- applying them ------------------------------------------------------------------------
def lock_keys(edit: Edit) -> list[list[str]]:
    """What a store shared by concurrent writers locks for the edit: the run, or the
    project (artifact versions are numbered per collection), as ``apply_records`` does."""
    if edit.scope == "run":
        return [["run", edit.entity, edit.project, edit.target]]
    return [["project", edit.entity, edit.project]]


def apply_edit(conn: Cursor, edit: Edit, now: float) -> bool:
    """Apply the edit and keep it in the audit trail, on an open write transaction.
    False, changing nothing, when it was applied before; also False when there was nothing
    to delete. NotFoundError for an update of a run the store does not hold."""
    if edit.scope not in SCOPES:
        raise ValueError(f"an edit's scope is one of {', '.join(SCOPES)}; got {edit.scope!r}")
    handler = _HANDLERS.get((edit.scope, edit.kind))
    if handler is None:
        raise ValueError(f"no edit {edit.kind!r} of scope {edit.scope!r}")
    if conn.execute("SELECT 1 FROM edits WHERE id = ?", (edit.id,)).fetchone() is not None:
        return False
    changed = handler(conn, edit, now)
    conn.execute(
        "INSERT INTO edits (id, at, scope, entity, project, target, kind, origin, body) "
        "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
        (edit.id, float(edit.at), edit.scope, edit.entity, edit.project, edit.target,
         edit.kind, edit.origin, msgpack.packb(edit.body, use_bin_type=True)))
    return changed


def _run_exists(conn: Cursor, ref: RunRef) -> bool:
    return conn.execute(
        "SELECT 1 FROM runs JOIN projects ON projects.id = runs.project_id WHERE "
        "projects.entity = ? AND projects.name = ? AND runs.run_id = ?",
        (ref.entity, ref.project, ref.run_id)).fetchone() is not None


def _update_run(conn: Cursor, edit: Edit, now: float) -> bool:
    ref = edit.run
    records = [Record(ref, f"edit-{edit.id}", seq, str(kind), dict(body))
               for seq, (kind, body) in enumerate(edit.body.get("records") or [], start=1)]
    bad = sorted({r.kind for r in records} - RUN_UPDATE_KINDS)
    if bad:
        raise ValueError(f"a run update cannot carry {', '.join(bad)} records")
    if not _run_exists(conn, ref):  # an edit must not create (or bring back) a run
        raise NotFoundError(f"no run {ref.path} in the store (deleted?); nothing to update")
    RecordApplier(conn).apply(records)
    return bool(records)


def _delete_run(conn: Cursor, edit: Edit, now: float) -> bool:
    ref = edit.run
    conn.execute(
        "INSERT INTO tombstones (entity, project, run_id, deleted_at, edit_id) VALUES "
        "(?, ?, ?, ?, ?) ON CONFLICT (entity, project, run_id) DO NOTHING",
        (ref.entity, ref.project, ref.run_id, now, edit.id))
    cur = conn.execute(
        "DELETE FROM runs WHERE run_id = ? AND project_id = (SELECT id FROM projects "
        "WHERE entity = ? AND name = ?)", (ref.run_id, ref.entity, ref.project))
    return int(cur.rowcount) > 0


def _edit_artifact(conn: Cursor, edit: Edit, now: float) -> bool:
    body = {**edit.body, "entity": edit.entity, "project": edit.project}
    artifacts.edit_version(conn, edit.kind, body, now)
    return True


_HANDLERS: dict[tuple[str, str], Callable[[Cursor, Edit, float], bool]] = {
    ("run", "run_update"): _update_run,
    ("run", "run_delete"): _delete_run,
    ("artifact", "artifact_edit"): _edit_artifact,
    ("artifact", "artifact_delete"): _edit_artifact,
}


# ---- reading the audit trail --------------------------------------------------------------
def read_edits(conn: Cursor, entity: str, project: str, limit: int = 100,
               before: int | None = None) -> list[EditRow]:
    """A project's edits, newest first; ``before`` an edit's ``seq`` pages back."""
    sql = ("SELECT seq, id, at, scope, kind, entity, project, target, origin, body FROM edits "
           "WHERE entity = ? AND project = ?")
    params: list[Any] = [entity, project]
    if before is not None:
        sql += " AND seq < ?"
        params.append(before)
    rows = conn.execute(sql + " ORDER BY seq DESC LIMIT ?", [*params, limit]).fetchall()
    return [EditRow(int(r[0]), str(r[1]), float(r[2]), r[3], r[4], r[5], r[6], r[7], r[8],
                    msgpack.unpackb(r[9], raw=False, strict_map_key=False) if r[9] else {})
            for r in rows]
