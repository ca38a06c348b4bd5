"""Edits (``store/edits.py``): run updates and deletions, artifact edits, each kept in the
audit trail; a deleted run stays deleted whatever of its WAL arrives later."""

from __future__ import annotations

import hashlib
import threading
from typing import Any

import pytest

from cairn.errors import NotFoundError
from cairn.records import Record, RunRef
from cairn.store import edits
from cairn.store.base import MetadataStore

REF = RunRef("me", "proj", "run1")
OTHER = RunRef("me", "proj", "run2")
DIGEST = hashlib.sha256(b"x").hexdigest()


def test_a_deleted_run_stays_deleted_after_a_late_sync(store: MetadataStore,
                                                        writer: Any) -> None:
    w = writer(REF)
    synced = [w.run(), w.config({"lr": 0.1}), w.history([(0, {"loss": 1.0})])]
    later = [w.history([(1, {"loss": 0.5})]), w.finish()]
    store.apply_records(synced)
    keep = writer(OTHER)
    store.apply_records([keep.run(), keep.history([(0, {"loss": 2.0})])])

    assert store.apply_edit(edits.run_delete(REF, "api me@here")) is True
    assert store.get_run(REF) is None

    # `cairn sync` of the whole WAL, late, and the writer that is still running: dropped.
    late = store.apply_records([*synced, *later])
    assert (late.applied, late.skipped, late.deleted) == (0, 0, len(synced) + len(later))
    assert store.apply_records([w.heartbeat()]).deleted == 1
    assert store.get_run(REF) is None
    assert store.find_runs("run1") == []
    assert store.applied_seq(REF, w.session) == 0
    # A batch mixing a deleted run's records with another run's applies the other's.
    mixed = store.apply_records([w.heartbeat(), keep.finish()])
    assert (mixed.applied, mixed.deleted) == (1, 1)
    kept = store.get_run(OTHER)
    assert kept is not None
    assert kept.state == "finished"
    project = store.get_project("me", "proj")
    assert project is not None
    assert project.run_count == 1

    (row,) = store.edits("me", "proj")
    assert (row.scope, row.kind, row.target, row.origin) == (
        "run", "run_delete", "run1", "api me@here")


def test_a_run_update_is_applied_once_and_audited(store: MetadataStore, writer: Any) -> None:
    w = writer(REF)
    store.apply_records([w.run(), w.config({"lr": 0.1}), w.summary({"acc": 0.5})])
    edit = edits.run_update(REF, [("meta", {"name": "renamed", "tags": ["a"]}),
                                  ("config", {"config": {"lr": 0.2}}),
                                  ("summary", {"set": {"acc": 0.9}, "del": []})],
                            "ui 127.0.0.1")
    assert store.apply_edit(edit) is True
    assert store.apply_edit(edit) is False  # the same edit again (a retried request)
    run = store.get_run(REF)
    assert run is not None
    assert (run.name, run.tags, run.config, run.summary["acc"]) == (
        "renamed", ["a"], {"lr": 0.2}, 0.9)
    (row,) = store.edits("me", "proj")
    assert (row.id, row.scope, row.kind, row.origin) == (edit.id, "run", "run_update",
                                                         "ui 127.0.0.1")
    assert row.body["records"][0] == ["meta", {"name": "renamed", "tags": ["a"]}]
    # The writer's later records still apply on top of the edit.
    store.apply_records([w.meta(notes="from the writer")])
    again = store.get_run(REF)
    assert again is not None
    assert (again.name, again.notes) == ("renamed", "from the writer")


def test_an_update_never_creates_or_revives_a_run(store: MetadataStore, writer: Any) -> None:
    update = edits.run_update(REF, [("meta", {"name": "x"})], "api")
    with pytest.raises(NotFoundError, match="me/proj/run1"):
        store.apply_edit(update)
    w = writer(REF)
    store.apply_records([w.run()])
    store.apply_edit(edits.run_delete(REF, "api"))
    with pytest.raises(NotFoundError, match="deleted"):
        store.apply_edit(edits.run_update(REF, [("meta", {"name": "x"})], "api"))
    assert store.get_run(REF) is None
    assert [r.kind for r in store.edits("me", "proj")] == ["run_delete"]


def test_bad_edits_are_refused_before_anything_changes(store: MetadataStore) -> None:
    with pytest.raises(ValueError, match="history"):
        edits.run_update(REF, [("history", {})], "api")
    with pytest.raises(ValueError, match="scope"):
        store.apply_edit(edits.Edit("galaxy", "run_delete", "me", "proj", "run1", {}, "api"))
    with pytest.raises(ValueError, match="no edit 'run_delete' of scope 'artifact'"):
        store.apply_edit(edits.Edit("artifact", "run_delete", "me", "proj", "x", {}, "api"))
    smuggled = edits.Edit("run", "run_update", "me", "proj", "run1",
                          {"records": [["finish", {"exit_code": 0}]]}, "api")
    with pytest.raises(ValueError, match="cannot carry finish"):
        store.apply_edit(smuggled)
    assert store.edits("me", "proj") == []


def test_artifact_edits_are_audited(store: MetadataStore) -> None:
    body = {"client_id": "a", "name": "data", "type": "dataset", "description": "",
            "metadata": {}, "aliases": [], "digest": "d1", "role": "output",
            "entries": [["a.txt", DIGEST, 1, None, None]], "blobs": [DIGEST], "at": 1.0}
    store.apply_records([Record(REF, "s1", 1, "run", {"start_time": 1.0}),
                         Record(REF, "s1", 2, "artifact", body)])
    named = {"entity": "me", "project": "proj", "name": "data", "version": 0}
    store.apply_edit(edits.artifact_edit("artifact_edit", {**named, "aliases": ["best"]},
                                         "api"))
    best = store.artifact_version("me", "proj", "data", "best")
    assert best is not None
    assert best.index == 0
    store.apply_edit(edits.artifact_edit("artifact_delete", named, "ui 127.0.0.1"))
    assert store.artifact_version("me", "proj", "data", "v0") is None
    trail = store.edits("me", "proj")
    assert [(r.scope, r.kind, r.target) for r in trail] == [
        ("artifact", "artifact_delete", "data:v0"), ("artifact", "artifact_edit", "data:v0")]
    assert [r.kind for r in store.edits("me", "proj", before=trail[0].seq)] == [
        "artifact_edit"]
    assert store.edits("me", "proj", limit=1) == trail[:1]


def test_a_delete_racing_a_writer_leaves_the_run_deleted(store: MetadataStore,
                                                         writer: Any) -> None:
    """Writers applying batches while the run is deleted: whichever batch commits after
    the deletion is dropped, none brings the run back."""
    w = writer(REF)
    store.apply_records([w.run()])
    batches = [[w.history([(step, {"loss": float(step)})])] for step in range(40)]
    errors: list[BaseException] = []

    def write() -> None:
        try:
            for batch in batches:
                store.apply_records(batch)
        except BaseException as exc:
            errors.append(exc)

    thread = threading.Thread(target=write)
    thread.start()
    store.apply_edit(edits.run_delete(REF, "api"))
    thread.join()
    assert errors == []
    assert store.get_run(REF) is None
    assert store.apply_records(batches[-1]).deleted == 1
