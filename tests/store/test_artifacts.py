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
