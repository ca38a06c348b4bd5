"""Artifacts over HTTP: browsing, a version's details, alias edits, deletion, file content,
lineage and diffs; and a run's logged and used artifacts."""

from __future__ import annotations

from pathlib import Path

from tests.server.conftest import ApiClient, assert_error

import cairn
from cairn.store.sqlite import SqliteStore


def _lineage_setup(tmp_path: Path) -> tuple[cairn.Run, cairn.Run]:
    """``prep`` logs data v0 and v1; ``train`` uses data:v1 and logs model v0."""
    (tmp_path / "a.txt").write_text("a")
    (tmp_path / "b.txt").write_text("b")
    prep = cairn.init(project="proj", name="prep")
    v0 = cairn.Artifact("data", "dataset", metadata={"rows": 2})
    v0.add_file(tmp_path / "a.txt")
    v0.add_file(tmp_path / "b.txt")
    prep.log_artifact(v0)
    (tmp_path / "b.txt").write_text("b changed")
    (tmp_path / "c.txt").write_text("c")
    v1 = cairn.Artifact("data", "dataset")
    v1.add_file(tmp_path / "b.txt")
    v1.add_file(tmp_path / "c.txt")
    prep.log_artifact(v1, aliases=["best"])
    v1.wait()
    prep.finish()
    train = cairn.init(project="proj", name="train")
    train.use_artifact("data:v1")
    model = cairn.Artifact("model", "model")
    model.add_file(tmp_path / "a.txt", name="weights.bin")
    train.log_artifact(model)
    model.wait()
    train.finish()
    return prep, train


def test_browse_types_names_versions(api: ApiClient, tmp_path: Path) -> None:
    prep, _ = _lineage_setup(tmp_path)
    base = f"/api/v1/projects/{prep.entity}/proj/artifacts"
    types = api.get(base).json()["types"]
    assert [(t["type"], [a["name"] for a in t["artifacts"]]) for t in types] == [
        ("dataset", ["data"]), ("model", ["model"])]
    assert types[0]["artifacts"][0]["versions"] == 2
    versions = api.get(f"{base}/data").json()["versions"]
    assert [(v["version"], v["aliases"]) for v in versions] == [
        ("v1", ["latest", "best"]), ("v0", [])]
    detail = api.get(f"{base}/data/best").json()
    assert detail["version"] == "v1"
    assert [f["name"] for f in detail["files"]] == ["b.txt", "c.txt"]
    assert detail["producer"]["name"] == "prep"
    assert [c["name"] for c in detail["consumers"]] == ["train"]
    assert api.get(f"{base}/data/v0").json()["metadata"] == {"rows": 2}
    content = api.get(f"{base}/data/v1/files/c.txt")
    assert content.content == b"c"
    assert content.headers["x-content-type-options"] == "nosniff"
    assert_error(api.get(f"{base}/data/v7"), 404, "not_found")
    assert_error(api.get(f"{base}/data/v1/files/../a.txt"), 404, "not_found")


def test_alias_edits_and_delete(api: ApiClient, tmp_path: Path, store: SqliteStore) -> None:
    prep, _ = _lineage_setup(tmp_path)
    base = f"/api/v1/projects/{prep.entity}/proj/artifacts/data"
    edited = api.request("PUT", f"{base}/v0/aliases", json={"aliases": ["best", "old"]})
    assert edited.status_code == 200
    assert edited.json()["aliases"] == ["best", "old"]
    assert api.get(f"{base}/best").json()["version"] == "v0"  # moved from v1
    assert_error(api.request("PUT", f"{base}/v0/aliases", json={"aliases": ["v3"]}),
                 400, "bad_request")
    assert_error(api.request("DELETE", f"{base}/v0"), 400, "bad_request")
    assert api.request("DELETE", f"{base}/v0?delete_aliases=true").status_code == 204
    assert [v["version"] for v in api.get(base).json()["versions"]] == ["v1"]
    trail = store.edits(prep.entity, "proj")
    assert [(e.kind, e.target) for e in trail] == [("artifact_delete", "data:v0"),
                                                   ("artifact_edit", "data:v0")]


def test_lineage_and_diff(api: ApiClient, tmp_path: Path) -> None:
    prep, train = _lineage_setup(tmp_path)
    base = f"/api/v1/projects/{prep.entity}/proj/artifacts"
    graph = api.get(f"{base}/data/v1/lineage").json()
    labels = {n["id"]: n.get("name") for n in graph["nodes"]}
    edges = {(labels[e["from"]], labels[e["to"]]) for e in graph["edges"]}
    assert ("prep", "data") in edges
    assert ("data", "train") in edges
    assert ("train", "model") in edges
    diff = api.get(f"{base}/data/v0/diff/v1").json()
    assert [f["name"] for f in diff["added"]] == ["c.txt"]
    assert [f["name"] for f in diff["removed"]] == ["a.txt"]
    assert [f["name"] for f in diff["changed"]] == ["b.txt"]
    runs = api.get(f"/api/v1/runs/{train.entity}/proj/{train.id}/artifacts").json()
    assert [a["name"] for a in runs["used"]] == ["data"]
    assert [a["name"] for a in runs["logged"]] == ["model"]
