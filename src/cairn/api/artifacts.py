"""Artifacts read from a store: ``Api().artifact(...)``, versions, lineage and edits.

A stored version is handed out as a :class:`cairn.Artifact` whose ``_source`` says where
it lives (the store, its blobs and the version's key). Edits (aliases, description,
metadata, deletion) are edits (``store.apply_edit``, ``store/edits.py``): they belong to
no run, so a version whose runs were all deleted can still be edited or deleted.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from cairn.artifact_names import check_aliases, parse_artifact_path
from cairn.errors import NotFoundError
from cairn.sdk.artifacts.artifact import Artifact
from cairn.sdk.artifacts.manifest import ArtifactManifest
from cairn.store import edits
from cairn.store.artifacts import LATEST, ArtifactVersionRow

if TYPE_CHECKING:
    from cairn.api.public import Api, Run
    from cairn.store.base import MetadataStore
    from cairn.store.blobs import BlobStore


@dataclass
class ArtifactSource:
    """Where a stored version lives."""

    api: Api
    pk: int
    entity: str
    project: str
    name: str
    index: int
    producer_run: int | None
    digest: str
    """As stored: lineage names this version by it, never by a digest computed again."""

    @property
    def blobs(self) -> BlobStore:
        return self.api.blobs

    @property
    def root(self) -> Path:
        return self.api.settings.root

    def save(self, artifact: Artifact) -> None:
        save_edits(self, artifact)

    def delete(self, artifact: Artifact, delete_aliases: bool) -> None:
        delete_version(self, artifact, delete_aliases)

    def producer(self) -> Run | None:
        return producer_run(self)

    def consumers(self) -> list[Run]:
        return consumer_runs(self)


def mark_stored(api: Api, artifact: Artifact, row: ArtifactVersionRow) -> None:
    source = ArtifactSource(api, row.pk, row.entity, row.project, row.name, row.index,
                            row.producer_run, row.digest)
    artifact._mark_stored(source, row.index, row.aliases, row.entity, row.project,
                          row.created_at)


def artifact_from_row(api: Api, row: ArtifactVersionRow) -> Artifact:
    artifact = Artifact.__new__(Artifact)
    Artifact.__init__(artifact, row.name, "unspecified", row.description)
    artifact._type = row.type  # stored types were checked when logged
    artifact._metadata = dict(row.metadata)
    if row.manifest is None:
        full = api.store.artifact_version_by_pk(row.pk)
        row = full if full is not None else row
    artifact._manifest = ArtifactManifest.from_rows(row.manifest or [])
    mark_stored(api, artifact, row)
    return artifact


def artifact_from_path(api: Api, entity: str, project: str, name: str,
                       selector: str) -> Artifact:
    row = api.store.artifact_version(entity, project, name, selector)
    if row is None:
        raise NotFoundError(f"no artifact {entity}/{project}/{name}:{selector} in "
                            f"{api.settings.root}")
    return artifact_from_row(api, row)


def api_artifact(api: Api, name: str, type_: str | None = None) -> Artifact:
    """``Api().artifact("entity/project/name:alias", type=)``; entity and project default
    to the Api's settings."""
    path = parse_artifact_path(name)
    entity = path.entity or api.default_entity
    project = path.project or api.settings.project or "uncategorized"
    artifact = artifact_from_path(api, entity, project, path.name, path.selector)
    if type_ is not None and artifact.type != type_:
        raise ValueError(f"artifact {name!r} has type {artifact.type!r}, not {type_!r}")
    return artifact


def api_artifact_versions(api: Api, type_name: str | None, name: str) -> list[Artifact]:
    """Every version of ``entity/project/name``, oldest first."""
    path = parse_artifact_path(name)
    entity = path.entity or api.default_entity
    project = path.project or api.settings.project or "uncategorized"
    rows = api.store.artifact_versions(entity, project, path.name)
    if type_name is not None:
        rows = [r for r in rows if r.type == type_name]
    return [artifact_from_row(api, r) for r in rows]


def run_artifacts(api: Api, run_pk: int, role: str) -> list[Artifact]:
    return [artifact_from_row(api, r) for r in api.store.run_artifacts(run_pk, role)]


def _runs(source: ArtifactSource, pks: list[int]) -> list[Run]:
    from cairn.api.public import Run

    return [Run(source.api, row) for row in source.api.store.runs_by_pk(pks)]


def producer_run(source: ArtifactSource) -> Run | None:
    found = _runs(source, [source.producer_run] if source.producer_run is not None else [])
    return found[0] if found else None


def consumer_runs(source: ArtifactSource) -> list[Run]:
    return _runs(source, source.api.store.artifact_runs(source.pk, "input"))


def apply_edit(store: MetadataStore, row: ArtifactVersionRow, kind: str,
               body: dict[str, Any], origin: str | None = None) -> None:
    """Apply an edit (``artifact_edit``, ``artifact_delete``) of the version ``row``, made
    by ``origin`` (this process's user through the Api when None)."""
    full = {"entity": row.entity, "project": row.project, "name": row.name,
            "version": row.index, "at": time.time(), **body}
    store.apply_edit(edits.artifact_edit(kind, full, origin or edits.api_origin()))


def _row(source: ArtifactSource) -> ArtifactVersionRow:
    row = source.api.store.artifact_version_by_pk(source.pk)
    if row is None:
        raise NotFoundError(f"artifact {source.name}:v{source.index} was deleted")
    return row


def save_edits(source: ArtifactSource, artifact: Artifact) -> None:
    aliases = check_aliases(artifact.aliases)
    apply_edit(source.api.store, _row(source), "artifact_edit",
               {"aliases": [a for a in aliases if a != LATEST],
                "description": artifact.description, "metadata": artifact.metadata})
    row = _row(source)
    artifact._aliases = list(row.aliases)
    artifact._saved_aliases = list(row.aliases)


def delete_version(source: ArtifactSource, artifact: Artifact, delete_aliases: bool) -> None:
    row = _row(source)
    named = [a for a in row.aliases if a != LATEST]
    if named and not delete_aliases:
        raise ValueError(f"artifact {artifact.name} has aliases {named}; pass "
                         "delete_aliases=True to delete it with them")
    apply_edit(source.api.store, row, "artifact_delete", {})
