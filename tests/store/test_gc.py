"""cairn gc: unreferenced blobs go (after the grace period), referenced ones stay, and temp
files are removed only when their writer is gone."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

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


def test_gc_removes_old_temp_files_of_dead_writers_only(cairn_root: Path) -> None:
    from cairn.store.blobs import temp_prefix

    run = cairn.init(project="p")
    run.finish()
    dead = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"],
                          capture_output=True, text=True, check=True)
    dead_pid = int(dead.stdout.strip())
    tmp = cairn_root / "blobs" / "tmp"
    tmp.mkdir(parents=True, exist_ok=True)
    old = time.time() - 10 * 86400

    def temp(name: str, aged: bool) -> Path:
        path = tmp / name
        path.write_bytes(b"part of a blob")
        if aged:
            os.utime(path, (old, old))
        return path

    orphan = temp(f"{temp_prefix(dead_pid)}abc123", aged=True)
    orphan_old_style = temp(f"{dead_pid}-abc124", aged=True)  # names before the host
    mine = temp(f"{temp_prefix()}def456", aged=True)  # this process is alive
    young = temp(f"{temp_prefix(dead_pid)}fresh1", aged=False)
    # a writer on another machine sharing the folder: its pid means nothing here
    elsewhere = temp(f"{dead_pid}@another-host@ghi789", aged=False)
    elsewhere_old = temp(f"{os.getpid()}@another-host@jkl012", aged=True)
    assert "3 temporary files" in _gc()
    assert not orphan.exists()
    assert not orphan_old_style.exists()
    assert not elsewhere_old.exists()  # another host's, older than --min-age
    assert mine.exists()  # its writer (this process) is alive, however old the file
    assert young.exists()  # younger than --min-age: the pid may be another container's
    assert elsewhere.exists()
    assert "2 temporary files" in _gc("--min-age", "0")
    assert not young.exists()
    assert not elsewhere.exists()
    assert mine.exists()


_KILLED_BEFORE_APPLY = """
import os, sys, cairn
run = cairn.init(project="p", settings={"applier": "thread", "apply_interval": 3600})
run.save(sys.argv[1], policy="now")
run._writer.process()  # the record is in the WAL; the store has not applied it
os._exit(9)  # as kill -9 would: nothing more happens
"""


def test_gc_keeps_blobs_named_by_wal_records_not_yet_applied(tmp_path: Path,
                                                             cairn_root: Path) -> None:
    cairn.init(project="earlier").finish()  # the store exists
    saved = tmp_path / "weights.bin"
    saved.write_bytes(b"only the WAL names these bytes so far")
    subprocess.run([sys.executable, "-c", _KILLED_BEFORE_APPLY, str(saved)], check=False,
                   env=os.environ.copy())
    blobs = LocalBlobStore(cairn_root / "blobs")
    assert len(list(blobs.digests())) == 1  # local mode: the blob is in the store at once
    assert "deleted 0 blobs" in _gc("--min-age", "0")
    result = CliRunner().invoke(cli, ["sync", str(cairn_root / "runs")])
    assert result.exit_code == 0, result.output
    api = cairn.Api()
    (run,) = api.runs("p")
    with run.file(f"{tmp_path.name}/weights.bin").open() as f:  # keeps its folder
        assert f.read() == b"only the WAL names these bytes so far"
    api.close()
    assert "deleted 0 blobs" in _gc("--min-age", "0")  # applied now: the store names it


def test_blobs_of_a_record_below_the_high_water_mark_but_never_applied_stay(
        tmp_path: Path) -> None:
    from cairn.records import Record, RunRef
    from cairn.store.gc import pending_wal_blobs
    from cairn.store.sqlite import SqliteStore
    from cairn.wal.writer import WalWriter

    ref = RunRef("me", "p", "r1")
    late, applied = "b" * 64, "a" * 64
    records = [Record(ref, "s1", 1, "run", {"start_time": 1.0}),
               Record(ref, "s1", 3, "file", {"blobs": [applied]}),
               Record(ref, "s1", 2, "file", {"blobs": [late]})]
    wal = tmp_path / "runs" / "run-20240101_000000-r1" / "run-r1.cairn"
    wal.parent.mkdir(parents=True)
    writer = WalWriter(wal, ref, "s1")
    writer.append_records(records)
    writer.close()
    store = SqliteStore(tmp_path / "cairn.db")
    try:
        store.apply_records([records[0], records[1]])  # seq 2 not yet: below the mark
        assert pending_wal_blobs(tmp_path / "runs", store.applied_progress) == {late}
    finally:
        store.close()


def test_gc_over_s3_blobs_from_the_cli(s3_env: str, tmp_path: Path, cairn_root: Path,
                                       monkeypatch: Any) -> None:
    """Blobs on S3: young or referenced ones stay, an unfinished upload of a writer that
    died is aborted."""
    import uuid

    from cairn.store.s3_blobs import S3BlobStore

    uri = f"s3://cairn-test/gc/{uuid.uuid4().hex}"
    monkeypatch.setenv("CAIRN_BLOBS", uri)
    (tmp_path / "keep.txt").write_text("kept: a run file")
    (tmp_path / "gone.txt").write_text("only in a deleted version")
    # applied in this process, which has the test's AWS environment
    run = cairn.init(project="p", settings={"applier": "thread"})
    run.save(str(tmp_path / "keep.txt"), policy="now")
    version = cairn.Artifact("data", "dataset")
    version.add_file(tmp_path / "gone.txt")
    run.log_artifact(version)
    version.wait()
    run.finish()
    api = cairn.Api()
    api.artifact("p/data:v0").delete()
    api.close()
    blobs = S3BlobStore.from_uri(uri)
    assert len(list(blobs.digests())) == 2
    dead = blobs.client.create_multipart_upload(
        Bucket=blobs.bucket, Key=f"{blobs.prefix}sha256/ab/{'ab' * 32}")["UploadId"]
    assert "would delete 0 blobs" in _gc("--dry-run", "--min-age", "0")
    out = _gc("--min-age", "0")
    assert "deleted 0 blobs" in out  # the deleted version's blob is younger than 10 min
    assert "aborted 1 unfinished uploads" in out
    assert len(list(blobs.digests())) == 2
    uploads = blobs.client.list_multipart_uploads(Bucket=blobs.bucket,
                                                  Prefix=blobs.prefix).get("Uploads", [])
    assert dead not in [u["UploadId"] for u in uploads]
    assert not (cairn_root / "blobs").exists()  # nothing local was ever needed
