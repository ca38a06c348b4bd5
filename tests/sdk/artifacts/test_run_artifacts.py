"""log_artifact / use_artifact: versions assigned by the store, dedup, aliases, lineage,
and two processes logging one name at once."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

import cairn
from cairn.store.blobs import LocalBlobStore


def _folder(root: Path, files: dict[str, bytes]) -> Path:
    for name, data in files.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(data)
    return root


def _log(folder: Path, name: str = "data", aliases: list[str] | None = None,
         type_: str = "dataset") -> cairn.Artifact:
    run = cairn.init(project="p", reinit="finish_previous")
    artifact = cairn.Artifact(name, type_, metadata={"rows": 3})
    artifact.add_dir(folder)
    run.log_artifact(artifact, aliases=aliases)
    artifact.wait()
    run.finish()
    return artifact


def test_log_assigns_versions_and_dedups_identical_content(tmp_path: Path,
                                                           cairn_root: Path) -> None:
    folder = _folder(tmp_path / "d", {"a.txt": b"A", "sub/b.txt": b"B"})
    first = _log(folder)
    assert (first.name, first.version, first.aliases) == ("data:v0", "v0", ["latest"])
    blobs = LocalBlobStore(cairn_root / "blobs")
    stored = set(blobs.digests())
    again = _log(folder)  # same content: no new version
    assert again.version == "v0"
    (folder / "a.txt").write_bytes(b"A changed")
    second = _log(folder)
    assert second.version == "v1"
    added = set(blobs.digests()) - stored
    assert len(added) == 1  # only the changed file was stored
    api = cairn.Api()
    assert [a.version for a in api.artifact_versions("dataset", "p/data")] == ["v0", "v1"]
    assert api.artifact("p/data:latest").version == "v1"
    assert api.artifact("p/data").metadata == {"rows": 3}
    assert api.artifact(f"p/data:{first.digest}").version == "v0"
    api.close()


def test_aliases_are_unique_per_name_and_move(tmp_path: Path) -> None:
    folder = _folder(tmp_path / "d", {"a.txt": b"1"})
    _log(folder, aliases=["best", "prod"])
    (folder / "a.txt").write_bytes(b"2")
    _log(folder, aliases=["best"])
    api = cairn.Api()
    assert api.artifact("p/data:best").version == "v1"
    assert api.artifact("p/data:prod").version == "v0"
    assert api.artifact("p/data:v0").aliases == ["prod"]
    assert api.artifact("p/data:v1").aliases == ["latest", "best"]
    v0 = api.artifact("p/data:v0")
    v0.aliases.append("best")  # an edit moves it back
    v0.description = "the first cut"
    v0.metadata["checked"] = True
    v0.save()
    again = api.artifact("p/data:best")
    assert again.version == "v0"
    assert again.description == "the first cut"
    assert again.metadata == {"rows": 3, "checked": True}
    api.close()


def test_type_is_fixed_per_name(tmp_path: Path) -> None:
    folder = _folder(tmp_path / "d", {"a.txt": b"1"})
    _log(folder)
    run = cairn.init(project="p")
    model = cairn.Artifact("data", "model")
    model.add_file(folder / "a.txt")
    with pytest.raises(ValueError, match="already exists with type 'dataset'"):
        run.log_artifact(model)
    run.finish()


def test_use_artifact_records_lineage(tmp_path: Path) -> None:
    folder = _folder(tmp_path / "d", {"a.txt": b"1"})
    produced = _log(folder)
    consumer = cairn.init(project="p")
    used = consumer.use_artifact("data:latest", type="dataset")
    assert used.version == "v0"
    assert (used.entity, used.project) == (produced.entity, "p")
    with pytest.raises(ValueError, match="has type 'dataset', not 'model'"):
        consumer.use_artifact("data:v0", type="model")
    with pytest.raises(cairn.NotFoundError):
        consumer.use_artifact("data:v9")
    consumer.finish()
    api = cairn.Api()
    stored = api.artifact("p/data:v0")
    producer = stored.logged_by()
    assert producer is not None
    assert [r.id for r in stored.used_by()] == [consumer.id]
    assert [a.name for a in api.run(consumer.path).used_artifacts()] == ["data:v0"]
    assert [a.name for a in producer.logged_artifacts()] == ["data:v0"]
    api.close()


def test_use_of_a_local_artifact_logs_it_as_input(tmp_path: Path) -> None:
    run = cairn.init(project="p")
    artifact = cairn.Artifact("raw", "dataset")
    artifact.add_file(_folder(tmp_path, {"x.csv": b"1,2"}) / "x.csv")
    run.use_artifact(artifact)
    artifact.wait()
    run.finish()
    api = cairn.Api()
    assert [a.name for a in api.run(run.path).used_artifacts()] == ["raw:v0"]
    assert api.run(run.path).logged_artifacts() == []
    api.close()


def test_log_artifact_from_a_path(tmp_path: Path) -> None:
    folder = _folder(tmp_path / "weights", {"w.bin": b"w"})
    run = cairn.init(project="p")
    artifact = run.log_artifact(str(folder), type="model")
    artifact.wait()
    run.finish()
    assert artifact.name == f"run-{run.id}-weights:v0"
    assert artifact.type == "model"
    with pytest.raises(ValueError, match="no such file"):
        cairn.init(project="p").log_artifact(str(tmp_path / "missing"))
    cairn.finish()


def test_delete_version_keeps_numbers(tmp_path: Path) -> None:
    folder = _folder(tmp_path / "d", {"a.txt": b"1"})
    _log(folder, aliases=["best"])
    api = cairn.Api()
    v0 = api.artifact("p/data:v0")
    with pytest.raises(ValueError, match="delete_aliases=True"):
        v0.delete()
    v0.delete(delete_aliases=True)
    with pytest.raises(cairn.NotFoundError):
        api.artifact("p/data:v0")
    (folder / "a.txt").write_bytes(b"2")
    assert _log(folder).version == "v1"  # numbers are never reused
    api.close()


def test_a_version_whose_runs_were_deleted_can_be_edited_and_deleted(tmp_path: Path
                                                                     ) -> None:
    _log(_folder(tmp_path / "d", {"a.txt": b"1"}), aliases=["best"])
    api = cairn.Api()
    for run in api.runs("p"):
        run.delete()
    assert len(api.runs("p")) == 0
    v0 = api.artifact("p/data:v0")
    v0.aliases.append("prod")
    v0.description = "kept after its run"
    v0.save()
    assert set(api.artifact("p/data:prod").aliases) == {"latest", "best", "prod"}
    assert len(api.runs("p")) == 0  # the edit brought no run back
    api.artifact("p/data:v0").delete(delete_aliases=True)
    with pytest.raises(cairn.NotFoundError):
        api.artifact("p/data:v0")
    assert len(api.runs("p")) == 0
    api.close()


def test_use_names_the_stored_version_not_a_recomputed_digest(tmp_path: Path,
                                                             cairn_root: Path) -> None:
    """A version stored with a digest this client would compute differently (another
    client's manifest rules) still gets its lineage."""
    import sqlite3

    _log(_folder(tmp_path / "d", {"a.txt": b"1"}))
    with sqlite3.connect(cairn_root / "cairn.db") as db:
        db.execute("UPDATE artifact_versions SET digest = ?", ("0" * 64,))
    db.close()
    consumer = cairn.init(project="p")
    consumer.use_artifact("data:v0")
    consumer.finish()
    api = cairn.Api()
    assert [a.name for a in api.run(consumer.path).used_artifacts()] == ["data:v0"]
    api.close()


def test_offline_versions_come_with_sync(tmp_path: Path, cairn_root: Path) -> None:
    from click.testing import CliRunner

    from cairn.cli.main import cli

    run = cairn.init(project="p", mode="offline")
    artifact = cairn.Artifact("off", "dataset")
    artifact.add_file(_folder(tmp_path, {"o.txt": b"offline"}) / "o.txt")
    run.log_artifact(artifact)
    with pytest.raises(cairn.UsageError, match="cairn sync"):
        artifact.wait()
    run.finish()
    result = CliRunner().invoke(cli, ["sync", str(cairn_root / "runs")])
    assert result.exit_code == 0, result.output
    api = cairn.Api()
    fetched = api.artifact("p/off:v0")
    assert fetched.get_entry("o.txt").size == 7
    out = fetched.download(tmp_path / "out")
    assert (Path(out) / "o.txt").read_bytes() == b"offline"
    api.close()


_CONCURRENT = textwrap.dedent("""
    import sys, cairn
    folder, barrier = sys.argv[1], sys.argv[2]
    run = cairn.init(project="p", settings={"applier": "thread"})
    artifact = cairn.Artifact("shared", "dataset")
    artifact.add_dir(folder)
    open(barrier + ".ready." + sys.argv[3], "w").close()
    import os, time
    while not os.path.exists(barrier):
        time.sleep(0.005)
    run.log_artifact(artifact)
    print(artifact.wait().version)
    run.finish()
""")


def test_two_processes_logging_one_name_get_distinct_versions(tmp_path: Path) -> None:
    folders = [_folder(tmp_path / f"f{i}", {"data.bin": os.urandom(1000 + i)})
               for i in range(2)]
    barrier = tmp_path / "go"
    procs = [subprocess.Popen([sys.executable, "-c", _CONCURRENT, str(f), str(barrier), str(i)],
                              stdout=subprocess.PIPE, text=True)
             for i, f in enumerate(folders)]
    import time

    while not all((tmp_path / f"go.ready.{i}").exists() for i in range(2)):
        time.sleep(0.01)
    barrier.touch()
    versions = sorted(p.communicate(timeout=60)[0].strip() for p in procs)
    assert versions == ["v0", "v1"]
    api = cairn.Api()
    for fetched in api.artifact_versions("dataset", "p/shared"):
        out = Path(fetched.download(tmp_path / fetched.version))
        fetched.verify(out)  # each version holds its own complete content
    api.close()
