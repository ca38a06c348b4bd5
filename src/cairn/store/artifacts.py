"""Artifacts in SQL stores: applying the artifact records, and the reads built on them.

Record kinds (bodies; see ``records.py``):

- ``artifact``: a run logged (``role`` ``output``) or used a local (``input``) artifact:
  client_id, name, type, description, metadata, aliases, digest, entries, blobs.
  Versions are assigned here, inside the apply transaction, so two processes logging one
  name get distinct versions. Content identical to a stored version (same digest) makes
  no new version: the aliases move to that version. With ``distributed_id`` (wandb's
  ``upsert_artifact``/``finish_artifact``) the files join that id's draft instead, and
  ``finalize`` false leaves them there; a finish makes the draft, with its own files, a
  version (every run that added to it is an output run of it) and ends the draft.
- ``artifact_use``: a run used a stored version: entity, project, name, version (its
  index) and digest; the version wins when both are given (an older client sends only
  the digest).
- ``artifact_edit``: an edit of a version (entity, project, name, version): its full alias
  list, description, metadata (each optional).
- ``artifact_delete``: delete a version: entity, project, name, version.

Edits made through the API or the server (not by a run) need no run: ``edit_version``
applies the same bodies straight to the store, in one write transaction. A version whose
runs were all deleted stays editable and deletable that way.

An alias names one version of a collection: setting it on a version moves it there.
``latest`` always names the newest version.
"""

from __future__ import annotations

import hashlib
import math
import warnings
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any, Protocol

import msgpack

LATEST = "latest"


class Cursor(Protocol):
    def execute(self, sql: str, params: Sequence[Any] = ..., /) -> Any: ...


def _pack(value: Any) -> bytes:
    return msgpack.packb(value, use_bin_type=True)


def _unpack(blob: bytes | None) -> Any:
    return msgpack.unpackb(blob, raw=False, strict_map_key=False) if blob else None


@dataclass
class ArtifactVersionRow:
    pk: int
    entity: str
    project: str
    name: str
    index: int
    type: str
    digest: str
    description: str
    metadata: dict[str, Any]
    file_count: int
    size: int
    created_at: float
    producer_run: int | None
    aliases: list[str] = field(default_factory=list)
    manifest: list[list[Any]] | None = None
    """Entries ``[name, digest, size, ref, extra]``; read only when asked for."""

    @property
    def path(self) -> str:
        return f"{self.entity}/{self.project}/{self.name}:v{self.index}"


@dataclass(frozen=True)
class ArtifactCollectionRow:
    entity: str
    project: str
    name: str
    type: str
    versions: int
    created_at: float
    updated_at: float


# ---- applying -----------------------------------------------------------------------
def _project_id(conn: Cursor, entity: str, project: str, now: float) -> int:
    conn.execute(
        "INSERT INTO projects (entity, name, created_at, updated_at) VALUES (?, ?, ?, ?) "
        "ON CONFLICT (entity, name) DO NOTHING", (entity, project, now, now))
    return int(conn.execute("SELECT id FROM projects WHERE entity = ? AND name = ?",
                            (entity, project)).fetchone()[0])


def _collection(conn: Cursor, project_id: int, name: str, type_: str, now: float
                ) -> tuple[int, str]:
    """The collection's key and type, made with ``type_`` if it is new."""
    row = conn.execute("SELECT id, type FROM artifact_collections WHERE project_id = ? AND "
                       "name = ?", (project_id, name)).fetchone()
    if row is not None:
        return int(row[0]), str(row[1])
    cur = conn.execute("INSERT INTO artifact_collections (project_id, name, type, created_at) "
                       "VALUES (?, ?, ?, ?) RETURNING id", (project_id, name, type_, now))
    return int(cur.fetchone()[0]), type_


def _set_alias(conn: Cursor, collection: int, alias: str, version: int) -> None:
    conn.execute("INSERT INTO artifact_aliases (collection_id, alias, version_id) VALUES "
                 "(?, ?, ?) ON CONFLICT (collection_id, alias) DO UPDATE SET "
                 "version_id = excluded.version_id", (collection, alias, version))


def _usage(conn: Cursor, version: int, run_pk: int, role: str, at: float) -> None:
    conn.execute("INSERT INTO artifact_usage (version_id, run, role, at) VALUES (?, ?, ?, ?) "
                 "ON CONFLICT (version_id, run, role) DO NOTHING", (version, run_pk, role, at))


def _checked_entry(entry: Any) -> list[Any]:
    from cairn.limits import check_file_name
    from cairn.store.blobs import check_digest

    path, digest, size, ref, extra = entry
    if ref is None:
        check_digest(digest)
    if size is not None and (not isinstance(size, int) or size < 0):
        raise ValueError(f"artifact file {path!r} has a bad size {size!r}")
    return [check_file_name(path), str(digest), size, None if ref is None else str(ref),
            extra if isinstance(extra, dict) else None]


def manifest_digest(entries: Sequence[Sequence[Any]]) -> str:
    """The digest of a version's content: sha256 over its entries (``[name, digest, size,
    ref, extra]``) sorted by name, of each name, content digest and reference (the SDK's
    ``ArtifactManifest.digest``; the store computes it for a merged draft)."""
    h = hashlib.sha256(b"cairn-artifact-manifest-v1\n")
    for name, digest, _size, ref, *_ in sorted(entries, key=lambda e: str(e[0])):
        h.update(f"{name}\0{digest}\0{ref or ''}\n".encode())
    return h.hexdigest()


def apply_artifact(conn: Cursor, run_pk: int, project_id: int, body: dict[str, Any],
                   now: float) -> None:
    """A logged artifact: find or make its version, move its aliases, record lineage. With
    a ``distributed_id`` it goes to that id's draft instead (:func:`_apply_draft`)."""
    try:
        name, type_, digest = str(body["name"]), str(body["type"]), str(body["digest"])
        entries = [_checked_entry(e) for e in body.get("entries") or []]
        at, aliases = _at(body, now), _aliases(body)
        distributed_id = body.get("distributed_id")
        if distributed_id is not None and (not isinstance(distributed_id, str)
                                           or not distributed_id):
            raise ValueError(f"'distributed_id' must be a string; got {distributed_id!r}")
    except (KeyError, TypeError, ValueError) as exc:
        # A WAL is input like any other: a record naming paths outside the artifact or
        # content that is not a digest never becomes a version.
        _skip("artifact", exc)
        return
    collection, stored_type = _collection(conn, project_id, name, type_, at)
    if stored_type != type_:
        # The client checks too, but two processes may both pass before either is applied.
        warnings.warn(f"cairn: skipped artifact {name!r} of type {type_!r}: the name has "
                      f"type {stored_type!r} in this project", RuntimeWarning, stacklevel=2)
        return
    role = str(body.get("role") or "output")
    runs = [run_pk]
    if distributed_id is not None:
        draft = _apply_draft(conn, collection, distributed_id, run_pk, body, entries,
                             aliases, at)
        if draft is None:
            return  # an upsert: the files wait in the draft for its finish
        entries, aliases, runs = draft
        digest = manifest_digest(entries)
    version = _version(conn, collection, digest, type_, body, entries, at,
                       run_pk if role == "output" else None)
    for alias in aliases:
        if str(alias) != LATEST:  # the store moves `latest`, to new versions only: a
            _set_alias(conn, collection, str(alias), version)  # dedup hit may be older
    conn.execute("INSERT INTO artifact_receipts (client_id, version_id) VALUES (?, ?) "
                 "ON CONFLICT (client_id) DO UPDATE SET version_id = excluded.version_id",
                 (str(body.get("client_id") or ""), version))
    for run in runs:
        _usage(conn, version, run, role, at)


def _version(conn: Cursor, collection: int, digest: str, type_: str, body: dict[str, Any],
             entries: list[list[Any]], at: float, producer: int | None) -> int:
    """The version of ``collection`` with this content: the stored one with the same
    digest, else a new one (the next index, and ``latest``)."""
    row = conn.execute("SELECT id FROM artifact_versions WHERE collection_id = ? AND "
                       "digest = ? ORDER BY version_index DESC LIMIT 1",
                       (collection, digest)).fetchone()
    if row is not None:
        return int(row[0])
    index = int(conn.execute("SELECT next_index FROM artifact_collections WHERE id = ?",
                             (collection,)).fetchone()[0])
    conn.execute("UPDATE artifact_collections SET next_index = ? WHERE id = ?",
                 (index + 1, collection))
    size = sum(int(e[2] or 0) for e in entries)
    cur = conn.execute(
        "INSERT INTO artifact_versions (collection_id, version_index, digest, type, "
        "description, metadata, manifest, file_count, size, created_at, producer_run) "
        "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id",
        (collection, index, digest, type_, str(body.get("description") or ""),
         _pack(body.get("metadata") or {}), _pack(entries), len(entries), size, at,
         producer))
    version = int(cur.fetchone()[0])
    for blob in sorted({str(e[1]) for e in entries if e[3] is None}):
        conn.execute("INSERT INTO artifact_blobs (version_id, digest) VALUES (?, ?) "
                     "ON CONFLICT DO NOTHING", (version, blob))
    _set_alias(conn, collection, LATEST, version)
    return version


def _apply_draft(conn: Cursor, collection: int, distributed_id: str, run_pk: int,
                 body: dict[str, Any], entries: list[list[Any]], aliases: list[str],
                 at: float) -> tuple[list[list[Any]], list[str], list[int]] | None:
    """wandb's distributed artifacts: the record's files join the draft of
    ``distributed_id`` (a file of the same name is replaced), made if there is none. An
    upsert (``finalize`` false) stops there (None); a finish takes the draft out and
    returns what the version is made of: the merged entries, every alias asked for, and
    the runs that added to it (each an output run of the version)."""
    row = conn.execute("SELECT id, manifest, aliases, runs FROM artifact_drafts WHERE "
                       "collection_id = ? AND distributed_id = ?",
                       (collection, distributed_id)).fetchone()
    merged: dict[str, list[Any]] = {}
    wanted: list[str] = []
    runs: list[int] = []
    if row is not None:
        merged = {str(e[0]): list(e) for e in _unpack(row[1]) or []}
        wanted = list(_unpack(row[2]) or [])
        runs = [int(r) for r in _unpack(row[3]) or []]
    merged.update((str(e[0]), e) for e in entries)
    wanted += [a for a in aliases if a not in wanted]
    if run_pk not in runs:
        runs.append(run_pk)
    manifest = [merged[name] for name in sorted(merged)]
    if body.get("finalize", True):
        if row is not None:
            conn.execute("DELETE FROM artifact_draft_blobs WHERE draft_id = ?", (row[0],))
            conn.execute("DELETE FROM artifact_drafts WHERE id = ?", (row[0],))
        return manifest, wanted, runs
    values = (str(body["type"]), str(body.get("description") or ""),
              _pack(body.get("metadata") or {}), _pack(manifest), _pack(wanted), _pack(runs),
              at)
    if row is None:
        draft = int(conn.execute(
            "INSERT INTO artifact_drafts (type, description, metadata, manifest, aliases, "
            "runs, updated_at, collection_id, distributed_id, created_at) VALUES "
            "(?, ?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id",
            (*values, collection, distributed_id, at)).fetchone()[0])
    else:
        draft = int(row[0])
        conn.execute("UPDATE artifact_drafts SET type = ?, description = ?, metadata = ?, "
                     "manifest = ?, aliases = ?, runs = ?, updated_at = ? WHERE id = ?",
                     (*values, draft))
    for blob in sorted({str(e[1]) for e in entries if e[3] is None}):
        conn.execute("INSERT INTO artifact_draft_blobs (draft_id, digest) VALUES (?, ?) "
                     "ON CONFLICT DO NOTHING", (draft, blob))
    return None


def _skip(kind: str, exc: BaseException) -> None:
    """One malformed record is skipped; the rest of its batch applies."""
    warnings.warn(f"cairn: skipped a malformed {kind} record ({exc})", RuntimeWarning,
                  stacklevel=3)


def _at(body: dict[str, Any], now: float) -> float:
    value = body.get("at")
    if value is None:
        return now
    if isinstance(value, bool) or not isinstance(value, int | float) or \
            not math.isfinite(value):
        raise ValueError(f"'at' must be a unix time; got {value!r}")
    return float(value) or now


def _aliases(body: dict[str, Any]) -> list[str]:
    value = body.get("aliases") or []
    if not isinstance(value, list | tuple) or not all(isinstance(a, str) for a in value):
        raise ValueError(f"'aliases' must be a list of strings; got {value!r}")
    return list(value)


def _check_version_key(body: dict[str, Any]) -> None:
    """ValueError unless the body names a version: a name, and a version index (an int of
    0 or more) or a digest (a string)."""
    if not isinstance(body.get("name"), str):
        raise ValueError(f"'name' must be a string; got {body.get('name')!r}")
    if "version" in body:
        version = body["version"]
        if isinstance(version, bool) or not isinstance(version, int) or version < 0:
            raise ValueError(f"'version' must be an index (0, 1, …); got {version!r}")
    elif not isinstance(body.get("digest"), str):
        raise ValueError("the record names no version (give 'version' or 'digest')")


def _version_id(conn: Cursor, body: dict[str, Any]) -> tuple[int, int] | None:
    """``(collection, version)`` named by a record body (checked with
    ``_check_version_key``), or None."""
    project = conn.execute("SELECT id FROM projects WHERE entity = ? AND name = ?",
                           (str(body.get("entity")), str(body.get("project")))).fetchone()
    if project is None:
        return None
    sql = ("SELECT c.id, v.id FROM artifact_versions v JOIN artifact_collections c ON "
           "c.id = v.collection_id WHERE c.project_id = ? AND c.name = ? AND ")
    if "version" in body:
        row = conn.execute(sql + "v.version_index = ?",
                           (project[0], str(body.get("name")), int(body["version"]))
                           ).fetchone()
    else:
        row = conn.execute(sql + "v.digest = ? ORDER BY v.version_index DESC LIMIT 1",
                           (project[0], str(body.get("name")), str(body.get("digest")))
                           ).fetchone()
    return None if row is None else (int(row[0]), int(row[1]))


def apply_use(conn: Cursor, run_pk: int, project_id: int, body: dict[str, Any],
              now: float) -> None:
    try:
        _check_version_key(body)
        at = _at(body, now)
    except ValueError as exc:
        _skip("artifact_use", exc)
        return
    found = _version_id(conn, body)
    if found is not None:
        _usage(conn, found[1], run_pk, "input", at)


def apply_edit(conn: Cursor, run_pk: int, project_id: int, body: dict[str, Any],
               now: float) -> None:
    """Edit a version: its aliases become exactly ``body["aliases"]`` (``latest`` stays
    with the newest version), and ``description`` / ``metadata`` are replaced; each only
    when the body has it."""
    try:
        _check_version_key(body)
        wanted = set(_aliases(body))
    except ValueError as exc:
        _skip("artifact_edit", exc)
        return
    found = _version_id(conn, body)
    if found is None:
        return
    collection, version = found
    if "aliases" in body:
        conn.execute("DELETE FROM artifact_aliases WHERE version_id = ? AND alias != ?",
                     (version, LATEST))
        for alias in sorted(wanted):
            _set_alias(conn, collection, alias, version)
    if isinstance(body.get("description"), str):
        conn.execute("UPDATE artifact_versions SET description = ? WHERE id = ?",
                     (body["description"], version))
    if isinstance(body.get("metadata"), dict):
        conn.execute("UPDATE artifact_versions SET metadata = ? WHERE id = ?",
                     (_pack(body["metadata"]), version))


def apply_delete(conn: Cursor, run_pk: int, project_id: int, body: dict[str, Any],
                 now: float) -> None:
    """Delete a version; ``latest`` moves to the newest version left."""
    try:
        _check_version_key(body)
    except ValueError as exc:
        _skip("artifact_delete", exc)
        return
    found = _version_id(conn, body)
    if found is None:
        return
    collection, version = found
    conn.execute("DELETE FROM artifact_versions WHERE id = ?", (version,))
    newest = conn.execute("SELECT id FROM artifact_versions WHERE collection_id = ? ORDER BY "
                          "version_index DESC LIMIT 1", (collection,)).fetchone()
    if newest is not None:
        _set_alias(conn, collection, LATEST, int(newest[0]))


def edit_version(conn: Cursor, kind: str, body: dict[str, Any], now: float) -> None:
    """Apply an ``artifact_edit`` or ``artifact_delete`` body that no run made (an API or
    server edit). Neither handler uses the run or project a record would bring."""
    edits = {"artifact_edit": apply_edit, "artifact_delete": apply_delete}
    if kind not in edits:
        raise ValueError(f"not an artifact edit: {kind!r}")
    edits[kind](conn, 0, 0, body, now)


# ---- reading ------------------------------------------------------------------------
_VERSION_COLUMNS = (
    "v.id, p.entity, p.name, c.name, v.version_index, v.type, v.digest, v.description, "
    "v.metadata, v.file_count, v.size, v.created_at, v.producer_run")
_VERSION_FROM = ("FROM artifact_versions v JOIN artifact_collections c ON c.id = "
                 "v.collection_id JOIN projects p ON p.id = c.project_id")


def _version_rows(conn: Cursor, where: str, params: Sequence[Any],
                  with_manifest: bool = False, order: str = "v.version_index",
                  join: str = "") -> list[ArtifactVersionRow]:
    extra = ", v.manifest" if with_manifest else ""
    rows = conn.execute(f"SELECT {_VERSION_COLUMNS}{extra} {_VERSION_FROM}{join} WHERE {where} "
                        f"ORDER BY {order}", params).fetchall()
    out = []
    for r in rows:
        version = ArtifactVersionRow(
            int(r[0]), r[1], r[2], r[3], int(r[4]), r[5], r[6], r[7], _unpack(r[8]) or {},
            int(r[9]), int(r[10]), float(r[11]), r[12],
            manifest=_unpack(r[13]) if with_manifest else None)
        version.aliases = [a for (a,) in conn.execute(
            "SELECT alias FROM artifact_aliases WHERE version_id = ? ORDER BY alias = ? DESC, "
            "alias", (version.pk, LATEST)).fetchall()]
        out.append(version)
    return out


def find_version(conn: Cursor, entity: str, project: str, name: str, selector: str,
                 with_manifest: bool = True) -> ArtifactVersionRow | None:
    """The version of ``entity/project/name`` that ``selector`` names: ``v3``, an alias
    or a digest."""
    base = "p.entity = ? AND p.name = ? AND c.name = ? AND "
    params: list[Any] = [entity, project, name]
    if selector[:1] == "v" and selector[1:].isdigit():
        rows = _version_rows(conn, base + "v.version_index = ?",
                             [*params, int(selector[1:])], with_manifest)
    elif len(selector) == 64 and all(ch in "0123456789abcdef" for ch in selector):
        rows = _version_rows(conn, base + "v.digest = ?", [*params, selector], with_manifest,
                             "v.version_index DESC")
    else:
        rows = _version_rows(conn, base + "v.id = (SELECT version_id FROM artifact_aliases "
                             "WHERE collection_id = c.id AND alias = ?)", [*params, selector],
                             with_manifest)
    return rows[0] if rows else None


def version_by_pk(conn: Cursor, pk: int, with_manifest: bool = True
                  ) -> ArtifactVersionRow | None:
    rows = _version_rows(conn, "v.id = ?", [pk], with_manifest)
    return rows[0] if rows else None


def version_by_receipt(conn: Cursor, client_id: str) -> ArtifactVersionRow | None:
    row = conn.execute("SELECT version_id FROM artifact_receipts WHERE client_id = ?",
                       (client_id,)).fetchone()
    return None if row is None else version_by_pk(conn, int(row[0]))


def list_versions(conn: Cursor, entity: str, project: str, name: str
                  ) -> list[ArtifactVersionRow]:
    return _version_rows(conn, "p.entity = ? AND p.name = ? AND c.name = ?",
                         [entity, project, name])


def list_collections(conn: Cursor, entity: str, project: str,
                     type_: str | None = None) -> list[ArtifactCollectionRow]:
    rows = conn.execute(
        "SELECT p.entity, p.name, c.name, c.type, count(v.id), c.created_at, "
        "coalesce(max(v.created_at), c.created_at) FROM artifact_collections c JOIN projects "
        "p ON p.id = c.project_id LEFT JOIN artifact_versions v ON v.collection_id = c.id "
        "WHERE p.entity = ? AND p.name = ? AND (? IS NULL OR c.type = ?) GROUP BY c.id, p.id "
        "ORDER BY c.type, c.name", (entity, project, type_, type_)).fetchall()
    return [ArtifactCollectionRow(r[0], r[1], r[2], r[3], int(r[4]), float(r[5]), float(r[6]))
            for r in rows]


def run_artifacts(conn: Cursor, run_pk: int, role: str) -> list[ArtifactVersionRow]:
    """Versions a run logged (``output``) or used (``input``), in the order it did."""
    return _version_rows(conn, "u.run = ? AND u.role = ?", [run_pk, role],
                         order="u.at, v.id",
                         join=" JOIN artifact_usage u ON u.version_id = v.id")


def version_runs(conn: Cursor, version_pk: int, role: str) -> list[int]:
    """Keys of the runs that logged (``output``) or used (``input``) a version."""
    return [int(r[0]) for r in conn.execute(
        "SELECT run FROM artifact_usage WHERE version_id = ? AND role = ? ORDER BY at",
        (version_pk, role)).fetchall()]


def referenced_blobs(conn: Cursor) -> set[str]:
    """Every blob some artifact version stores, or a draft version will."""
    return {str(r[0]) for r in conn.execute(
        "SELECT digest FROM artifact_blobs UNION SELECT digest FROM artifact_draft_blobs")}
