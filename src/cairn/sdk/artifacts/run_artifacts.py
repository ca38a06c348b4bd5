"""``run.log_artifact`` and ``run.use_artifact``: artifacts in and out of a run.

Logging queues one ``artifact`` record after making sure every stored file is in the run's
blob store (``run._blobs``); the store assigns the version when it applies the record, and
``Artifact.wait()`` reads it back by the artifact's client id. Using a stored version
queues an ``artifact_use`` record (lineage input).
"""

from __future__ import annotations

import os
import re
import time
from pathlib import Path
from typing import TYPE_CHECKING, Any

from cairn.artifact_names import check_aliases, check_artifact_type, parse_artifact_path
from cairn.errors import NotFoundError, UsageError
from cairn.sdk.artifacts.artifact import Artifact
from cairn.sdk.writer import Op

if TYPE_CHECKING:
    from cairn.sdk.reader import RunReader
    from cairn.sdk.run import Run

_NOT_IN_NAME = re.compile(r"[^A-Za-z0-9_\-.]")
_REFERENCE = re.compile(r"^[a-z][a-z0-9+.-]*://")


def _reader(run: Run) -> RunReader:
    """The run's reader of its backend (opened once, closed at finish)."""
    return run._reader()


def _as_artifact(run: Run, item: Any, name: str | None, type_: str | None) -> Artifact:
    if isinstance(item, Artifact):
        return item
    if not isinstance(item, str | os.PathLike):
        raise ValueError(f"log_artifact() takes an Artifact, a path or a URI; got "
                         f"{type(item).__name__}")
    text = os.fspath(item)
    base = os.path.basename(text.rstrip("/")) or "artifact"
    artifact = Artifact(name or f"run-{run.id}-{_NOT_IN_NAME.sub('_', base)}",
                        type_ or "unspecified")
    if _REFERENCE.match(text):
        artifact.add_reference(text)
    elif os.path.isdir(text):
        artifact.add_dir(text)
    elif os.path.isfile(text):
        artifact.add_file(text)
    else:
        raise ValueError(f"log_artifact({text!r}): no such file or folder")
    return artifact


def _check_type(run: Run, artifact: Artifact) -> None:
    """wandb refuses a second type for one name; so do we, where the store can tell."""
    try:
        store = _reader(run).store
    except NotFoundError:  # nothing stored yet, so no other type either
        return
    collections = store.artifact_collections(run.entity, run.project)
    for found in collections:
        if found.name == artifact.collection_name and found.type != artifact.type:
            raise ValueError(f"artifact {artifact.collection_name!r} already exists with type "
                             f"{found.type!r}; it cannot be logged as {artifact.type!r}")


def _store_blobs(run: Run, artifact: Artifact) -> None:
    """Put every stored file's content into the run's blob store (streamed; a file that
    changed since it was added is refused, since the manifest names other content)."""
    blobs = run._blobs
    for entry in artifact.manifest:
        if not entry.stored or blobs.has(entry.digest):
            continue
        source: Path | None = None
        staging = artifact._staging
        if staging is not None and entry.digest in artifact._staged:
            source = staging.local_path(entry.digest)
        if source is None and entry.local_path is not None:
            source = Path(entry.local_path)
        if source is None:
            raise ValueError(f"artifact {artifact.name!r}: no local content for "
                             f"{entry.path!r}")
        info = blobs.put_file(source)
        if info.digest != entry.digest:
            raise ValueError(f"artifact {artifact.name!r}: {str(source)!r} changed after it "
                             f"was added as {entry.path!r} (policy='immutable' files must "
                             "not change until they are logged)")


def log_artifact(run: Run, item: Any, name: str | None = None, type_: str | None = None,
                 aliases: Any = None, tags: Any = None, role: str = "output",
                 distributed_id: str | None = None, finalize: bool = True) -> Artifact:
    """Log ``item`` as a version of its name; with ``distributed_id``, into that id's draft
    version instead (``store/artifacts.py``), which ``finalize`` commits."""
    artifact = _as_artifact(run, item, name, type_)
    if artifact._version is not None or artifact._logged_by is not None:
        raise UsageError(f"artifact {artifact.name!r} is already logged; build a new "
                         "Artifact for a new version")
    wanted = check_aliases(aliases) if aliases is not None else []
    if "latest" not in wanted:
        wanted.append("latest")
    if run._writer is None:
        return artifact
    _check_type(run, artifact)
    _store_blobs(run, artifact)
    body = {"client_id": artifact._client_id, "name": artifact.collection_name,
            "type": artifact.type, "description": artifact.description,
            "metadata": artifact.metadata, "aliases": wanted, "digest": artifact.digest,
            "entries": artifact.manifest.to_rows(), "role": role,
            "blobs": artifact.manifest.blob_digests(), "at": time.time()}
    if distributed_id is not None:
        body |= {"distributed_id": distributed_id, "finalize": finalize}
        artifact.distributed_id = distributed_id
        artifact._draft = not finalize
    run._queue(Op("artifact", body))
    artifact._logged_by = run
    artifact._aliases = wanted
    if not finalize and not run.offline:
        # In the store when upsert returns: a finish that other processes make after it
        # (after a barrier) then commits these files too.
        run._flush_to_store()
    return artifact


def distributed(run: Run, item: Any, name: str | None, type_: str | None, aliases: Any,
                distributed_id: str | None, finalize: bool) -> Artifact:
    """wandb's ``upsert_artifact`` (``finalize`` false) and ``finish_artifact``: the
    distributed id defaults to the run's group, and one of the two is needed."""
    what = "finish" if finalize else "upsert"
    if distributed_id is None:
        if not run.group:
            raise TypeError(f"Cannot {what} artifact unless run is in a group or "
                            "distributed_id is provided")
        distributed_id = run.group
    if not isinstance(distributed_id, str) or not distributed_id:
        raise TypeError(f"distributed_id must be a non-empty string; got {distributed_id!r}")
    return log_artifact(run, item, name, type_, aliases, distributed_id=distributed_id,
                        finalize=finalize)


def use_artifact(run: Run, item: Any, type_: str | None = None, aliases: Any = None,
                 use_as: str | None = None) -> Artifact:
    if isinstance(item, Artifact):
        if item._version is None and item._logged_by is None:
            return log_artifact(run, item, aliases=aliases, role="input")
        item.wait()
        _queue_use(run, item)
        return item
    if not isinstance(item, str):
        raise ValueError(f"use_artifact() takes an Artifact or a name like "
                         f"'project/name:alias'; got {type(item).__name__}")
    if type_ is not None:
        check_artifact_type(type_)
    path = parse_artifact_path(item)
    entity = path.entity or run.entity
    project = path.project or run.project
    if run._writer is not None:
        run._flush_to_store()
    artifact = _reader(run).stored_artifact(entity, project, path.name, path.selector)
    if type_ is not None and artifact.type != type_:
        raise ValueError(f"artifact {item!r} has type {artifact.type!r}, not {type_!r}")
    _queue_use(run, artifact)
    return artifact


def _queue_use(run: Run, artifact: Artifact) -> None:
    """Record the use of a stored version, named by its version and stored digest (a
    digest computed again from the manifest could differ, and lineage would be lost)."""
    source = artifact._source
    body: dict[str, Any] = {"entity": artifact.entity, "project": artifact.project,
                            "name": artifact.collection_name, "at": time.time(),
                            "digest": artifact.digest if source is None else source.digest}
    if artifact._version is not None:
        body["version"] = artifact._version
    run._queue(Op("artifact_use", body))


def wait_for_version(run: Run, artifact: Artifact, timeout: float | None) -> None:
    """Apply the run's WAL and read the version the store assigned to ``artifact``."""
    if run.offline:
        raise UsageError(f"artifact {artifact.collection_name!r} was logged by an offline "
                         "run: its version is assigned when the run is synced (cairn sync)")
    if run._writer is None:
        raise UsageError("a disabled run stores no artifacts")
    limit = run.settings.finish_timeout if timeout is None else float(timeout)
    deadline = time.monotonic() + limit
    while True:
        if not run._finished:
            run._flush_to_store()
        try:
            row = _reader(run).store.artifact_receipt(artifact._client_id)
        except NotFoundError:
            row = None
        if row is not None:
            _reader(run).mark_stored(artifact, row)
            return
        if time.monotonic() >= deadline:
            raise TimeoutError(f"artifact {artifact.collection_name!r} was not in the store "
                               f"after {limit:g} s (is the store locked?); it stays in the "
                               "run's WAL")
        time.sleep(0.05)


def close_reader(run: Run) -> None:
    api = run._artifacts_api
    if api is not None:
        api.close()
        run._artifacts_api = None


def use_model(run: Run, name: str) -> str:
    """``Run.use_model``: the model artifact ``name`` downloaded; the path of its only file,
    or of its folder."""
    artifact = run.use_artifact(name)
    if "model" not in artifact.type.lower():
        raise ValueError(f"use_model({name!r}): artifact type {artifact.type!r} is not a "
                         "model type (it must contain 'model')")
    folder = artifact.download()
    files = os.listdir(folder)
    return os.path.join(folder, files[0]) if len(files) == 1 else folder


def link_artifact(run: Run, artifact: Artifact, target_path: str,
                  aliases: list[str] | None) -> Artifact:
    """``Run.link_artifact``: ``artifact``'s files as a version of the collection named by
    the last part of ``target_path``, in the run's project (the blobs are shared)."""
    import dataclasses

    if not isinstance(target_path, str) or not target_path.strip("/"):
        raise ValueError(f"link_artifact() target_path must be '[entity/project/]name'; got "
                         f"{target_path!r}")
    if artifact._version is None and artifact._logged_by is None:
        artifact = log_artifact(run, artifact)
    collection = target_path.rstrip("/").rsplit("/", 1)[-1].split(":", 1)[0]
    linked = Artifact(collection, artifact.type, description=artifact.description,
                      metadata=artifact.metadata)
    for path, entry in artifact.manifest.entries.items():
        linked.manifest.entries[path] = dataclasses.replace(entry, _artifact=linked)
    return log_artifact(run, linked, aliases=aliases)
