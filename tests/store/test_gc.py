"""cairn gc: unreferenced blobs go (after the grace period), referenced ones stay, and temp
files are removed only when their writer is gone."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

from click.testing import CliRunner

import cairn
from cairn.cli.main import cli
from cairn.store.blobs import LocalBlobStore


def _gc(*args: str) -> str:
    result = CliRunner().invoke(cli, ["gc", *args])
    assert result.exit_code == 0, result.output
    return result.output


def test_gc_reclaims_blobs_of_deleted_versions_only(tmp_path: Path, cairn_root: Path) -> None:
    (tmp_path / "keep.txt").write_text("kept: a run file")
    (tmp_path / "shared.txt").write_text("in both versions")
    (tmp_path / "only-v0.txt").write_text("only in v0")
    run = cairn.init(project="p")
    run.save(str(tmp_path / "keep.txt"), policy="now")
    v0 = cairn.Artifact("data", "dataset")
    v0.add_file(tmp_path / "shared.txt")
    v0.add_file(tmp_path / "only-v0.txt")
    run.log_artifact(v0)
    v1 = cairn.Artifact("data", "dataset")
    v1.add_file(tmp_path / "shared.txt")
    run.log_artifact(v1)
    v1.wait()
    run.finish()
    blobs = LocalBlobStore(cairn_root / "blobs")
    assert len(list(blobs.digests())) == 3
    assert "would delete 0 blobs" in _gc("--dry-run", "--min-age", "0")
    api = cairn.Api()
    api.artifact("p/data:v0").delete()
    assert "deleted 0 blobs" in _gc()  # younger than the grace period: kept
    assert "deleted 1 blobs" in _gc("--min-age", "0")
    left = {blobs.local_path(d).read_text() for d in blobs.digests()}  # type: ignore[union-attr]
    assert left == {"kept: a run file", "in both versions"}
    out = Path(api.artifact("p/data:v1").download(tmp_path / "out"))
    assert (out / "shared.txt").read_text() == "in both versions"
    api.close()


def test_gc_removes_temp_files_of_dead_writers_only(cairn_root: Path) -> None:
    run = cairn.init(project="p")
    run.finish()
    dead = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"],
                          capture_output=True, text=True, check=True)
    tmp = cairn_root / "blobs" / "tmp"
    tmp.mkdir(parents=True, exist_ok=True)
    orphan = tmp / f"{dead.stdout.strip()}-abc123"
    orphan.write_bytes(b"half a blob")
    mine = tmp / f"{os.getpid()}-def456"
    mine.write_bytes(b"being written")
    old = time.time() - 10 * 86400
    os.utime(mine, (old, old))
    assert "1 temporary files" in _gc()
    assert not orphan.exists()
    assert mine.exists()  # its writer (this process) is alive, however old the file
