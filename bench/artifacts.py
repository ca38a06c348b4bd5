"""artifacts: logging and downloading a large folder as an artifact.

In a fresh interpreter with its own ``CAIRN_DIR``: write ``files`` files of unique content
totalling ``total_mb`` MB, then measure

- hashing: sha256 of every file (``hash_files``, the threads ``add_dir`` uses), MB/s;
- the first ``log_artifact`` of the folder (``add_dir`` hashes and copies each file into
  the blob store, then ``log_artifact`` + ``wait()``), MB/s;
- logging the unchanged folder again (no new version; digests come from the stat cache);
- changing one file and logging again (a new version storing only that file's blob);
- downloading the version into an empty folder (``download()``, parallel copies), MB/s.

The files were just written, so they are in the page cache: the figures are CPU and
copy throughput, not cold-disk reads. Everything is deleted at the end (the disk is shared).
"""

from __future__ import annotations

import os
import shutil
import struct
import time
from pathlib import Path
from typing import Any

from bench.context import BenchContext
from bench.figures import Figure, WorkloadResult

TITLE = "artifacts: log and download a folder of many files"
SIZES = {"full": {"files": 10_000, "total_mb": 1000},
         "quick": {"files": 100, "total_mb": 10}}


def _write_folder(folder: Path, files: int, total_mb: int) -> int:
    """``files`` files of about equal size and unique content; their total size."""
    size = max(16, total_mb * 1_000_000 // files)
    block = os.urandom(4 << 20)
    total = 0
    for i in range(files):
        sub = folder / f"shard-{i % 100:02d}"
        sub.mkdir(parents=True, exist_ok=True)
        start = (i * 7919) % (len(block) - size)
        data = struct.pack("<Q", i) + block[start:start + size - 8]
        (sub / f"part-{i:05d}.bin").write_bytes(data)
        total += len(data)
    return total


def measure(files: int, total_mb: int) -> dict[str, Any]:
    import cairn
    from cairn.sdk.artifacts.hashing import hash_files
    from cairn.store.blobs import LocalBlobStore

    work = Path.cwd() / "artifact-bench"
    data = work / "data"
    total = _write_folder(data, files, total_mb)
    paths = sorted(p for p in data.rglob("*") if p.is_file())
    out: dict[str, Any] = {"bytes": total}

    t0 = time.perf_counter()
    hash_files(paths, None)
    out["hash_s"] = time.perf_counter() - t0

    run = cairn.init(project="bench-artifacts")

    def log() -> tuple[float, str]:
        t = time.perf_counter()
        artifact = cairn.Artifact("folder", "dataset")
        artifact.add_dir(data)
        run.log_artifact(artifact)
        version = artifact.wait().version
        return time.perf_counter() - t, version

    out["first_log_s"], out["first_version"] = log()
    out["relog_s"], out["relog_version"] = log()
    blobs = LocalBlobStore(Path(os.environ["CAIRN_DIR"]) / "blobs")
    before = set(blobs.digests())
    paths[len(paths) // 2].write_bytes(b"changed" + os.urandom(64))
    out["change_one_s"], out["change_version"] = log()
    out["blobs_added_by_change"] = len(set(blobs.digests()) - before)
    run.finish()

    api = cairn.Api()
    fetched = api.artifact("bench-artifacts/folder:v0")
    t0 = time.perf_counter()
    fetched.download(work / "download")
    out["download_s"] = time.perf_counter() - t0
    api.close()
    shutil.rmtree(work, ignore_errors=True)
    shutil.rmtree(Path(os.environ["CAIRN_DIR"]) / "blobs", ignore_errors=True)
    return out


def run(ctx: BenchContext, sizes: dict[str, Any]) -> WorkloadResult:
    result = WorkloadResult("artifacts", TITLE, sizes)
    got = ctx.child("bench.artifacts:measure", sizes, "artifacts")
    mb = got["bytes"] / 1e6
    result.add(
        "cairn",
        Figure("hash_mb_s", "sha256 of the folder", mb / got["hash_s"], "MB/s", 400,
               better="higher"),
        Figure("first_log_mb_s", "first log_artifact (hash + copy + wait)",
               mb / got["first_log_s"], "MB/s", better="higher"),
        Figure("relog_unchanged_s", "log again unchanged (no new version)", got["relog_s"],
               "s", 3),
        Figure("change_one_s", "log after changing one file", got["change_one_s"], "s"),
        Figure("blobs_added_by_change", "blobs stored for that change",
               got["blobs_added_by_change"], "blobs", 1),
        Figure("download_mb_s", "download, cold (empty folder)", mb / got["download_s"],
               "MB/s", 400, better="higher"),
    )
    result.details = got
    if got["relog_version"] != got["first_version"]:
        result.details["warning"] = "logging the unchanged folder made a new version"
    return result
