"""wandb's distributed artifacts (``Run.upsert_artifact`` / ``finish_artifact``): processes
of one job each add their files to a draft version under a distributed id, and one
finish commits the draft as a single version with every file and every run as output."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

import cairn
from cairn.errors import UsageError

RANK = """
import sys
import cairn

rank = int(sys.argv[1])
run = cairn.init(project="p", group="job-7", name=f"rank{rank}")
with open(f"shard{rank}.bin", "wb") as out:
    out.write(bytes([rank]) * 1000)
artifact = cairn.Artifact("shards", "dataset")
artifact.add_file(f"shard{rank}.bin")
run.upsert_artifact(artifact)
print(artifact.distributed_id, flush=True)
run.finish()
"""


def test_ranks_upsert_and_one_finish_makes_one_version(tmp_path: Path,
                                                       cairn_root: Path) -> None:
    ranks = [subprocess.Popen([sys.executable, "-c", RANK, str(rank)], cwd=tmp_path,
                              stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
             for rank in range(2)]
    for proc in ranks:
        out, err = proc.communicate(timeout=120)
        assert proc.returncode == 0, err
        assert out.strip() == "job-7"  # the group is the default distributed id

    run = cairn.init(project="p", group="job-7", name="chief")
    (tmp_path / "index.json").write_text('{"shards": 2}')
    final = cairn.Artifact("shards", "dataset", metadata={"shards": 2})
    final.add_file(str(tmp_path / "index.json"))
    run.finish_artifact(final, aliases=["complete"])
    final.wait()
    assert final.version == "v0"
    run.finish()

    api = cairn.Api()
    try:
        stored = api.artifact("p/shards:complete")
        assert stored.version == "v0"
        assert sorted(e.path for e in stored.manifest) == ["index.json", "shard0.bin",
                                                           "shard1.bin"]
        assert stored.metadata == {"shards": 2}
        out = Path(stored.download(tmp_path / "got"))
        stored.verify(out)
        assert (out / "shard1.bin").read_bytes() == bytes([1]) * 1000
        producers = sorted(r.name for r in api.runs("p")
                           if [a.version for a in r.logged_artifacts()] == ["v0"])
        assert producers == ["chief", "rank0", "rank1"]
    finally:
        api.close()


def test_an_upsert_needs_a_group_or_an_id_and_a_draft_has_no_version_yet(
        tmp_path: Path, cairn_root: Path) -> None:
    (tmp_path / "a.txt").write_text("a")
    run = cairn.init(project="p")
    try:
        with pytest.raises(TypeError, match="group or distributed_id"):
            run.upsert_artifact(str(tmp_path / "a.txt"), name="x", type="dataset")
        with pytest.raises(TypeError, match="group or distributed_id"):
            run.finish_artifact(str(tmp_path / "a.txt"), name="x", type="dataset")
        draft = run.upsert_artifact(str(tmp_path / "a.txt"), name="x", type="dataset",
                                    distributed_id="d")
        with pytest.raises(UsageError, match="finish_artifact"):
            draft.wait()
        (tmp_path / "b.txt").write_text("b")
        done = run.finish_artifact(str(tmp_path / "b.txt"), name="x", type="dataset",
                                   distributed_id="d")
        assert done.wait().version == "v0"
        again = run.finish_artifact(str(tmp_path / "b.txt"), name="x", type="dataset",
                                    distributed_id="d")  # a new draft: its own files only
        assert again.wait().version == "v1"
    finally:
        run.finish()
    api = cairn.Api()
    try:
        first = api.artifact("p/x:v0")
        assert sorted(e.path for e in first.manifest) == ["a.txt", "b.txt"]
        assert sorted(e.path for e in api.artifact("p/x:v1").manifest) == ["b.txt"]
    finally:
        api.close()
