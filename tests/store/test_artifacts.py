"""Artifact records in every store: versions assigned on apply, replays change
nothing, and hostile records never become versions."""

from __future__ import annotations

import hashlib

import pytest

from cairn.records import Record, RunRef
from cairn.store import edits
from cairn.store.base import MetadataStore

REF = RunRef("me", "p", "run1")
DIGEST = hashlib.sha256(b"x").hexdigest()


def _body(name: str = "data", digest: str = "d1", entries: list[list[object]] | None = None,
          client_id: str = "c1", aliases: list[str] | None = None) -> dict[str, object]:
    return {"client_id": client_id, "name": name, "type": "dataset", "description": "",
            "metadata": {}, "aliases": aliases or ["latest"], "digest": digest,
            "entries": entries if entries is not None else [["a.txt", DIGEST, 1, None, None]],
            "role": "output", "blobs": [DIGEST], "at": 1.0}


def test_versions_are_assigned_once_and_replays_are_no_ops(store: MetadataStore) -> None:
    records = [Record(REF, "s1", 1, "run", {"start_time": 1.0}),
               Record(REF, "s1", 2, "artifact", _body(digest="d1", client_id="a")),
               Record(REF, "s1", 3, "artifact", _body(digest="d2", client_id="b",
                                                       aliases=["best"])),
               Record(REF, "s1", 4, "artifact", _body(digest="d1", client_id="c"))]
    store.apply_records(records)
    store.apply_records(records)  # replaying the WAL changes nothing
    versions = store.artifact_versions("me", "p", "data")
    assert [(v.index, v.digest) for v in versions] == [(0, "d1"), (1, "d2")]
    # d1 again dedups to v0; `latest` keeps naming the newest version, v1
    assert [v.aliases for v in versions] == [[], ["latest", "best"]]
    receipt = store.artifact_receipt("c")
    assert receipt is not None
    assert receipt.index == 0


@pytest.mark.parametrize("entries", [
    [["../escape.txt", DIGEST, 1, None, None]],
    [["/abs.txt", DIGEST, 1, None, None]],
    [["a.txt", "../../not-a-digest", 1, None, None]],
    [["a.txt", DIGEST, -5, None, None]],
    [["too", "few"]],
])
def test_hostile_entries_never_become_versions(store: MetadataStore,
                                               entries: list[list[object]]) -> None:
    with pytest.warns(RuntimeWarning, match="malformed artifact record"):
        store.apply_records([Record(REF, "s1", 1, "artifact", _body(entries=entries))])
    assert store.artifact_versions("me", "p", "data") == []


def test_a_record_of_another_type_for_a_name_is_skipped(store: MetadataStore) -> None:
    """Two processes may both pass the client's type check before either is applied."""
    other_type = {**_body(digest="d2", client_id="b"), "type": "model"}
    store.apply_records([Record(REF, "s1", 1, "run", {"start_time": 1.0}),
                         Record(REF, "s1", 2, "artifact", _body(digest="d1"))])
    with pytest.warns(RuntimeWarning, match="type 'model'.*'dataset'"):
        store.apply_records([Record(REF, "s1", 3, "artifact", other_type),
                             Record(REF, "s1", 4, "artifact", _body(digest="d3",
                                                                     client_id="c"))])
    versions = store.artifact_versions("me", "p", "data")
    assert [(v.index, v.digest, v.type) for v in versions] == [
        (0, "d1", "dataset"), (1, "d3", "dataset")]  # the rest of the batch applied
    assert store.artifact_receipt("b") is None


def test_malformed_artifact_records_are_skipped_and_the_batch_applies(store: MetadataStore) -> None:
    where = {"entity": "me", "project": "p", "name": "data"}
    bad = [("artifact", {**_body(digest="d9", client_id="x"), "at": "yesterday"}),
           ("artifact", {**_body(digest="d8", client_id="y"), "aliases": 5}),
           ("artifact_use", {**where, "version": "zero"}),
           ("artifact_use", {**where, "digest": "d1", "at": [1]}),
           ("artifact_edit", {**where, "version": [0], "aliases": ["x"]}),
           ("artifact_edit", {**where, "version": 0, "aliases": "best"}),
           ("artifact_delete", {**where, "version": "v0"})]
    records = [Record(REF, "s1", 1, "run", {"start_time": 1.0}),
               Record(REF, "s1", 2, "artifact", _body(digest="d1"))]
    records += [Record(REF, "s1", 3 + i, kind, body) for i, (kind, body) in enumerate(bad)]
    records.append(Record(REF, "s1", 20, "artifact_edit", {**where, "version": 0,
                                                            "aliases": ["best"]}))
    with pytest.warns(RuntimeWarning, match="skipped a malformed artifact"):
        store.apply_records(records)
    (version,) = store.artifact_versions("me", "p", "data")
    assert (version.digest, version.aliases) == ("d1", ["latest", "best"])
    assert store.applied_seq(REF, "s1") == 20


def test_every_artifact_read(store: MetadataStore) -> None:
    store.apply_records([Record(REF, "s1", 1, "run", {"start_time": 1.0}),
                         Record(REF, "s1", 2, "artifact", _body(digest="d1", client_id="a")),
                         Record(REF, "s1", 3, "artifact", _body(digest="d2", client_id="b"))])
    (collection,) = store.artifact_collections("me", "p")
    assert (collection.name, collection.type, collection.versions) == ("data", "dataset", 2)
    assert store.artifact_collections("me", "p", "model") == []
    run = store.get_run(REF)
    assert run is not None
    logged = store.run_artifacts(run.pk, "output")
    assert [v.digest for v in logged] == ["d1", "d2"]
    assert store.artifact_runs(logged[0].pk, "output") == [run.pk]
    first = store.artifact_version("me", "p", "data", "v0")
    assert first is not None
    assert first.digest == "d1"
    latest = store.artifact_version("me", "p", "data", "latest")
    assert latest is not None
    assert latest.digest == "d2"
    assert store.artifact_version_by_pk(latest.pk) is not None
    store.apply_edit(edits.artifact_edit("artifact_edit", {
        "entity": "me", "project": "p", "name": "data", "version": 0, "aliases": ["best"]},
        "test"))
    best = store.artifact_version("me", "p", "data", "best")
    assert best is not None
    assert best.digest == "d1"
    assert DIGEST in store.referenced_blobs()


def _draft_body(path: str, content: bytes, client_id: str, finalize: bool,
                distributed_id: str = "job-1", aliases: list[str] | None = None
                ) -> dict[str, object]:
    digest = hashlib.sha256(content).hexdigest()
    return {**_body(digest=f"own-{client_id}", entries=[[path, digest, len(content), None,
                                                         None]],
                    client_id=client_id, aliases=aliases),
            "blobs": [digest], "distributed_id": distributed_id, "finalize": finalize}


def test_distributed_upserts_become_one_version_when_finished(store: MetadataStore) -> None:
    """wandb's upsert_artifact / finish_artifact: three runs add files to one draft under a
    distributed id (a later upsert of a name replaces its file), the finish commits the
    draft as one version whose output runs are all three, and a later upsert under the
    same id starts the next version."""
    from cairn.store.artifacts import manifest_digest

    refs = [RunRef("me", "p", f"rank{i}") for i in range(3)]
    store.apply_records([Record(ref, "s", 1, "run", {"start_time": 1.0}) for ref in refs])
    store.apply_records([
        Record(refs[0], "s", 2, "artifact", _draft_body("a.txt", b"A", "u0", False)),
        Record(refs[1], "s", 2, "artifact", _draft_body("b.txt", b"old", "u1", False,
                                                        aliases=["best"])),
        Record(refs[1], "s", 3, "artifact", _draft_body("b.txt", b"B", "u2", False))])
    assert store.artifact_versions("me", "p", "data") == []  # a draft is no version
    draft_blob = hashlib.sha256(b"A").hexdigest()
    assert draft_blob in store.referenced_blobs()  # gc keeps a draft's files
    finish = [Record(refs[2], "s", 2, "artifact", _draft_body("c.txt", b"C", "f", True))]
    store.apply_records(finish)
    store.apply_records(finish)  # a replay changes nothing

    [version] = store.artifact_versions("me", "p", "data")
    full = store.artifact_version("me", "p", "data", "v0")
    assert full is not None
    manifest = full.manifest or []
    assert [e[0] for e in manifest] == ["a.txt", "b.txt", "c.txt"]
    assert manifest[1][1] == hashlib.sha256(b"B").hexdigest()
    assert version.digest == manifest_digest(manifest)
    assert sorted(version.aliases) == ["best", "latest"]
    receipt = store.artifact_receipt("f")
    assert receipt is not None
    assert receipt.index == 0
    for ref in refs:
        row = store.get_run(ref)
        assert row is not None
        assert [v.index for v in store.run_artifacts(row.pk, "output")] == [0], ref
    assert store.artifact_receipt("u0") is None  # an upsert alone has no version

    store.apply_records([
        Record(refs[0], "s", 4, "artifact", _draft_body("a.txt", b"A2", "u3", False)),
        Record(refs[0], "s", 5, "artifact", _draft_body("d.txt", b"D", "f2", True))])
    versions = store.artifact_versions("me", "p", "data")
    assert [v.index for v in versions] == [0, 1]
    newest = store.artifact_version("me", "p", "data", "v1")
    assert newest is not None
    assert [e[0] for e in newest.manifest or []] == ["a.txt", "d.txt"]


def test_a_malformed_distributed_id_is_skipped(store: MetadataStore) -> None:
    store.apply_records([Record(REF, "s1", 1, "run", {"start_time": 1.0})])
    with pytest.warns(RuntimeWarning, match="malformed artifact record"):
        store.apply_records([Record(REF, "s1", 2, "artifact",
                                    {**_body(), "distributed_id": ["x"], "finalize": False})])
    assert store.artifact_versions("me", "p", "data") == []
