"""Blobs in an S3-compatible object store: ``s3://bucket/prefix``.

Layout: ``<prefix>/sha256/<first two hex digits>/<digest>``, the local store's layout, so
one digest always names one key and keys spread over 256 prefixes (S3 scales its request
rate per prefix).

Writes are never partial under a blob's key: a small blob is one ``PUT`` (atomic in S3);
a large one is a multipart upload that is completed only after every part is in and the
sha256 of what was sent equals the key's digest, and aborted otherwise (an upload cut
short by a killed process is aborted by ``cairn gc`` once older than its grace period).
Before writing, a ``HEAD`` asks whether the blob is there (dedup). Two writers of the same
digest upload the same bytes; whichever completes last wins, with identical content.

A dedup hit is a new use of an old blob: ``cairn gc`` must not delete it while the record
naming it is on its way to the store. The local store refreshes the file's mtime; S3 can
only refresh ``LastModified`` by copying the object onto itself, so that is done only when
the object is older than :attr:`S3BlobStore.refresh_after`, and gc keeps every blob at
least that long.

boto3 is imported when a store is opened, never by ``import cairn``. Endpoint and
credentials come from the standard AWS chain (``AWS_ENDPOINT_URL``, ``AWS_ACCESS_KEY_ID``,
``AWS_PROFILE``, ``~/.aws/config`` …), so any S3-compatible service works without cairn
settings. The credentials need ``s3:ListBucket`` (without it S3 answers a ``HEAD`` of a
missing key with 403, not 404), ``s3:GetObject`` and ``s3:PutObject``; ``cairn gc`` also
needs ``s3:DeleteObject`` and ``s3:AbortMultipartUpload``.
"""

from __future__ import annotations

import contextlib
import hashlib
import io
import math
import os
import re
import tempfile
import threading
import time
from collections import deque
from collections.abc import Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from email.utils import parsedate_to_datetime
from pathlib import Path
from typing import Any, BinaryIO

from cairn.errors import NotFoundError, StoreError, StoreUnavailableError
from cairn.store.blobs import CHUNK, BlobInfo, BlobStat, check_digest, check_put_digest

PART_SIZE = 16 << 20
"""Multipart part size and the size from which uploads are multipart (measured against
SeaweedFS on loopback: 16 MiB parts upload faster than 8 MiB, no slower than 32 MiB)."""
MAX_PARTS = 10_000  # S3's limit on parts in one upload
WORKERS = min(8, max(2, (os.cpu_count() or 1) * 2))
"""Parts uploaded at once; each holds one part in memory."""
REFRESH_AFTER = 600.0
"""Seconds after which a dedup hit refreshes an object's LastModified (see the docstring)."""

_KEY = re.compile(r"sha256/[0-9a-f]{2}/([0-9a-f]{64})$")
_MISSING = frozenset({"404", "NoSuchKey", "NotFound"})
_UNREACHABLE = frozenset({"EndpointConnectionError", "ConnectTimeoutError", "ReadTimeoutError",
                          "ConnectionClosedError", "ConnectionError", "ProxyConnectionError"})
"""botocore's errors of an endpoint that cannot be reached (by class name: botocore is
imported lazily)."""


def split_blob_uri(uri: str) -> tuple[str, str]:
    """``(bucket, prefix)`` of ``s3://bucket/prefix``; the prefix ends in ``/`` or is
    empty."""
    if not uri.startswith("s3://"):
        raise StoreError(f"S3 blob store {uri!r} must look like s3://bucket/prefix")
    bucket, _, prefix = uri[len("s3://"):].partition("/")
    if not bucket:
        raise StoreError(f"S3 blob store {uri!r} names no bucket (s3://bucket/prefix)")
    prefix = prefix.strip("/")
    return bucket, prefix + "/" if prefix else ""


def _from_boto(exc: BaseException) -> bool:
    return type(exc).__module__.startswith(("botocore", "boto3", "urllib3"))


def _code(exc: BaseException) -> str:
    response = getattr(exc, "response", None) or {}
    return str(response.get("Error", {}).get("Code", ""))


class S3BlobStore:
    """Blobs under one prefix of one bucket."""

    def __init__(self, bucket: str, prefix: str = "", client: Any = None, *,
                 part_size: int = PART_SIZE, workers: int = WORKERS,
                 refresh_after: float = REFRESH_AFTER) -> None:
        self.bucket = bucket
        self.prefix = prefix.strip("/") + "/" if prefix.strip("/") else ""
        self.part_size = part_size
        self.workers = workers
        self.refresh_after = refresh_after
        self._client = client
        self._client_lock = threading.Lock()
        self._checked = False

    @classmethod
    def from_uri(cls, uri: str, **options: Any) -> S3BlobStore:
        bucket, prefix = split_blob_uri(uri)
        return cls(bucket, prefix, **options)

    def __repr__(self) -> str:
        return f"S3BlobStore('s3://{self.bucket}/{self.prefix}')"

    @property
    def uri(self) -> str:
        return f"s3://{self.bucket}/{self.prefix}"

    # ---- the client and its errors ----------------------------------------------------------
    @property
    def client(self) -> Any:
        """The boto3 client, made on first use; the bucket is checked once, so a missing
        bucket or bad credentials fail with a message saying what to check."""
        if self._client is None or not self._checked:
            with self._client_lock:
                if self._client is None:
                    self._client = make_client(self.workers)
                if not self._checked:
                    self._check_bucket(self._client)
                    self._checked = True
        return self._client

    def _check_bucket(self, client: Any) -> None:
        try:
            client.head_bucket(Bucket=self.bucket)
        except Exception as exc:
            raise self._error(exc, "open the blob store") from exc

    def _endpoint(self) -> str:
        client = self._client
        return str(getattr(getattr(client, "meta", None), "endpoint_url", "") or "AWS S3")

    def _error(self, exc: BaseException, doing: str) -> StoreError:
        """A StoreError saying what failed and what to check."""
        where = f"s3://{self.bucket}/{self.prefix} at {self._endpoint()}"
        code = _code(exc)
        name = type(exc).__name__
        if code == "NoSuchBucket" or (code == "404" and doing == "open the blob store"):
            hint = (f"bucket {self.bucket!r} does not exist there: create it, or check "
                    "the bucket name and AWS_ENDPOINT_URL")
        elif code in ("403", "AccessDenied", "InvalidAccessKeyId", "SignatureDoesNotMatch"):
            hint = ("access denied: check AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY "
                    "(or AWS_PROFILE), and that they may list, read and write the bucket")
        elif name in ("NoCredentialsError", "PartialCredentialsError"):
            hint = ("no AWS credentials found: set AWS_ACCESS_KEY_ID and "
                    "AWS_SECRET_ACCESS_KEY, or AWS_PROFILE")
        elif name in _UNREACHABLE:
            return StoreUnavailableError(f"cannot {doing} in {where}: cannot reach the "
                                         "endpoint: check AWS_ENDPOINT_URL and the network")
        else:
            hint = str(exc)
        return StoreError(f"cannot {doing} in {where}: {hint}")

    def _key(self, digest: str) -> str:
        check_digest(digest)  # digests become keys: nothing but 64 hex digits may pass
        return f"{self.prefix}sha256/{digest[:2]}/{digest}"

    def _head(self, digest: str) -> dict[str, Any] | None:
        key = self._key(digest)
        try:
            return dict(self.client.head_object(Bucket=self.bucket, Key=key))
        except Exception as exc:
            if _code(exc) in _MISSING:
                return None
            raise self._error(exc, f"look up blob {digest}") from exc

    # ---- reading ----------------------------------------------------------------------------
    def has(self, digest: str) -> bool:
        return self._head(digest) is not None

    def local_path(self, digest: str) -> Path | None:
        check_digest(digest)
        return None

    def stat(self, digest: str) -> BlobStat:
        head = self._head(digest)
        if head is None:
            raise NotFoundError(f"no blob {digest} in {self.uri}")
        return BlobStat(int(head["ContentLength"]), _now() - object_age(head))

    def size(self, digest: str) -> int:
        return self.stat(digest).size

    def open(self, digest: str) -> BinaryIO:
        """A seekable reader: sequential reads stream one GET; a seek starts a ranged one."""
        reader = S3BlobReader(self, digest)
        return io.BufferedReader(reader, CHUNK)

    def _get(self, digest: str, start: int = 0) -> dict[str, Any]:
        args: dict[str, Any] = {"Bucket": self.bucket, "Key": self._key(digest)}
        if start:
            args["Range"] = f"bytes={start}-"
        try:
            return dict(self.client.get_object(**args))
        except Exception as exc:
            if _code(exc) in _MISSING:
                raise NotFoundError(f"no blob {digest} in {self.uri}") from None
            raise self._error(exc, f"read blob {digest}") from exc

    def digests(self) -> Iterator[str]:
        pages = self.client.get_paginator("list_objects_v2").paginate(
            Bucket=self.bucket, Prefix=f"{self.prefix}sha256/")
        try:
            for page in pages:
                for item in page.get("Contents", []):
                    match = _KEY.match(item["Key"][len(self.prefix):])
                    if match is not None:
                        yield match.group(1)
        except Exception as exc:
            raise self._error(exc, "list blobs") from exc

    def delete(self, digest: str) -> bool:
        if self._head(digest) is None:
            return False
        try:
            self.client.delete_object(Bucket=self.bucket, Key=self._key(digest))
        except Exception as exc:
            raise self._error(exc, f"delete blob {digest}") from exc
        return True

    # ---- writing ----------------------------------------------------------------------------
    def _present(self, digest: str) -> BlobInfo | None:
        """The blob's info if it is stored (its age refreshed when old), else None."""
        head = self._head(digest)
        if head is None:
            return None
        if object_age(head) > self.refresh_after:
            self._refresh(digest)
        return BlobInfo(digest, int(head["ContentLength"]))

    def _refresh(self, digest: str) -> None:
        key = self._key(digest)
        try:  # copying an object onto itself (new metadata) is how S3 renews LastModified
            self.client.copy({"Bucket": self.bucket, "Key": key}, self.bucket, key,
                             ExtraArgs={"MetadataDirective": "REPLACE",
                                        "Metadata": {"cairn-used": f"{_now():.0f}"}})
        except Exception as exc:
            if _code(exc) in _MISSING:
                return  # deleted meanwhile: the caller's upload check will not see it
            raise self._error(exc, f"refresh blob {digest}") from exc

    def put_bytes(self, data: bytes) -> BlobInfo:
        info = BlobInfo(hashlib.sha256(data).hexdigest(), len(data))
        if self._present(info.digest) is None:
            self._upload(info, io.BytesIO(data))
        return info

    def put_file(self, path: Path | str, digest: str | None = None) -> BlobInfo:
        if digest is not None:
            present = self._present(check_digest(digest))
            if present is not None:
                return present
        try:
            with open(path, "rb") as f:
                size = os.fstat(f.fileno()).st_size
                if size < self.part_size:
                    info = self.put_bytes(f.read())
                else:
                    info = self._put_large_file(f, size, digest)
        except FileNotFoundError:
            raise NotFoundError(f"no file {path}") from None
        return check_put_digest(path, digest, info)

    def _put_large_file(self, f: BinaryIO, size: int, digest: str | None) -> BlobInfo:
        """Upload a large file; without a known digest it is hashed first (the key must
        be known before the upload starts), and the upload checks it again."""
        if digest is None:
            digest = _hash_stream(f)
            f.seek(0)
            present = self._present(digest)
            if present is not None:
                return present
        self._upload(BlobInfo(digest, size), f)
        return BlobInfo(digest, size)

    def put_stream(self, stream: BinaryIO) -> BlobInfo:
        head = _read_full(stream, self.part_size)
        if len(head) < self.part_size:
            return self.put_bytes(head)
        # The key needs the digest before the upload starts: the stream is spooled to a
        # temporary file (hashed on the way), then uploaded from it.
        with tempfile.TemporaryFile(prefix="cairn-s3-") as spool:
            hasher = hashlib.sha256(head)
            spool.write(head)
            while chunk := stream.read(CHUNK):
                hasher.update(chunk)
                spool.write(chunk)
            info = BlobInfo(hasher.hexdigest(), spool.tell())
            spool.seek(0)
            if self._present(info.digest) is None:
                self._upload(info, spool)
        return info

    def _upload(self, info: BlobInfo, source: BinaryIO) -> None:
        """Write ``source`` (positioned at its start, ``info.size`` bytes) under the key
        of ``info.digest``, which the bytes sent must hash to."""
        key = self._key(info.digest)
        if info.size < self.part_size:
            data = source.read()
            if hashlib.sha256(data).hexdigest() != info.digest:
                raise StoreError(f"content changed while being stored as {info.digest}")
            try:
                self.client.put_object(Bucket=self.bucket, Key=key, Body=data)
            except Exception as exc:
                raise self._error(exc, f"store blob {info.digest}") from exc
            return
        MultipartUpload(self, key, info).run(source)

    def stale_uploads(self, cutoff: float, dry_run: bool = False) -> list[str]:
        """Multipart uploads under the prefix begun before ``cutoff`` (a writer that died
        before completing or aborting); aborted unless ``dry_run``. Returns their keys."""
        found = []
        try:
            pages = self.client.get_paginator("list_multipart_uploads").paginate(
                Bucket=self.bucket, Prefix=f"{self.prefix}sha256/")
            for page in pages:
                for upload in page.get("Uploads", []):
                    if upload["Initiated"].timestamp() > cutoff:
                        continue
                    found.append(upload["Key"])
                    if not dry_run:
                        self.client.abort_multipart_upload(
                            Bucket=self.bucket, Key=upload["Key"],
                            UploadId=upload["UploadId"])
        except Exception as exc:
            if _code(exc) in _MISSING:
                return found
            raise self._error(exc, "clean up unfinished uploads") from exc
        return found


class MultipartUpload:
    """One blob's multipart upload: the caller's thread reads and hashes parts in order
    while a pool sends them; completed only if the hash is the key's digest."""

    def __init__(self, store: S3BlobStore, key: str, info: BlobInfo) -> None:
        self.store = store
        self.key = key
        self.info = info
        self.part_size = max(store.part_size, math.ceil(info.size / MAX_PARTS))

    def run(self, source: BinaryIO) -> None:
        store, client = self.store, self.store.client
        try:
            upload_id = client.create_multipart_upload(Bucket=store.bucket,
                                                       Key=self.key)["UploadId"]
        except Exception as exc:
            raise store._error(exc, f"store blob {self.info.digest}") from exc
        try:
            parts = self._send_parts(source, upload_id)
            client.complete_multipart_upload(Bucket=store.bucket, Key=self.key,
                                             UploadId=upload_id,
                                             MultipartUpload={"Parts": parts})
        except BaseException as exc:
            # Never leave parts behind (they cost storage while invisible); an abort that
            # fails is retried by `cairn gc`.
            with contextlib.suppress(Exception):
                client.abort_multipart_upload(Bucket=store.bucket, Key=self.key,
                                              UploadId=upload_id)
            if not _from_boto(exc):
                raise  # the source failed (or ours: StoreError), not S3
            raise store._error(exc, f"store blob {self.info.digest}") from exc

    def _send_parts(self, source: BinaryIO, upload_id: str) -> list[dict[str, Any]]:
        hasher = hashlib.sha256()
        size = 0
        pending: deque[Future[dict[str, Any]]] = deque()
        done: list[dict[str, Any]] = []
        with ThreadPoolExecutor(self.store.workers, thread_name_prefix="cairn-s3") as pool:
            try:
                number = 0
                while chunk := _read_full(source, self.part_size):
                    number += 1
                    hasher.update(chunk)
                    size += len(chunk)
                    # One part in memory per worker, plus the one being read.
                    while len(pending) >= self.store.workers:
                        done.append(pending.popleft().result())
                    pending.append(pool.submit(self._send, upload_id, number, chunk))
                while pending:
                    done.append(pending.popleft().result())
            finally:
                for future in pending:
                    future.cancel()
        if hasher.hexdigest() != self.info.digest or size != self.info.size:
            raise StoreError(f"content changed while being stored as {self.info.digest}")
        return done

    def _send(self, upload_id: str, number: int, chunk: bytes) -> dict[str, Any]:
        response = self.store.client.upload_part(
            Bucket=self.store.bucket, Key=self.key, UploadId=upload_id, PartNumber=number,
            Body=chunk)
        return {"PartNumber": number, "ETag": response["ETag"]}


class S3BlobReader(io.RawIOBase):
    """A blob read as a file: one streaming GET, restarted with a ``Range`` after a
    seek, so a reader that jumps (audio, video, a zip's directory) fetches only what it
    reads."""

    def __init__(self, store: S3BlobStore, digest: str) -> None:
        super().__init__()
        self._store = store
        self._digest = digest
        response = store._get(digest)  # fails here, at open, for a missing blob
        self._size = int(response["ContentLength"])
        self._body: Any = response["Body"]
        self._pos = 0

    def readable(self) -> bool:
        return True

    def seekable(self) -> bool:
        return True

    def tell(self) -> int:
        return self._pos

    def seek(self, offset: int, whence: int = io.SEEK_SET) -> int:
        base = {io.SEEK_SET: 0, io.SEEK_CUR: self._pos, io.SEEK_END: self._size}[whence]
        target = max(0, base + offset)
        if target != self._pos:
            self._close_body()
            self._pos = target
        return self._pos

    def readinto(self, buffer: Any) -> int:
        if self._pos >= self._size:
            return 0
        view = memoryview(buffer).cast("B")
        data = self._next_piece(len(view))
        view[:len(data)] = data
        return len(data)

    def readall(self) -> bytes:
        # io's default reads 8 KiB at a time; whole pieces of the body, joined once, are
        # several times faster.
        pieces = []
        while self._pos < self._size:
            chunk = self._next_piece(CHUNK)
            pieces.append(chunk)
        return b"".join(pieces)

    def _next_piece(self, size: int) -> bytes:
        if self._body is None:
            self._body = self._store._get(self._digest, self._pos)["Body"]
        data: bytes = self._body.read(size)
        if not data:
            raise StoreError(f"blob {self._digest} in {self._store.uri} ended at byte "
                             f"{self._pos} of {self._size}")
        self._pos += len(data)
        return data

    def _close_body(self) -> None:
        if self._body is not None:
            with contextlib.suppress(Exception):
                self._body.close()
            self._body = None

    def close(self) -> None:
        self._close_body()
        super().close()


def make_client(workers: int = WORKERS, attempts: int = 5) -> Any:
    """An S3 client from the standard AWS chain, with a connection per upload worker;
    ``attempts`` tries of each request (throttling and dropped connections are retried)."""
    try:
        import boto3
        from botocore.config import Config
    except ImportError as exc:
        raise StoreError("s3:// blob stores need boto3: pip install 'cairn[s3]'") from exc
    # Payloads are not signed (sha256 in SigV4): boto3 already skips that over https, and
    # the CRC32 checksum it sends is what the server verifies; signing would double the
    # client's CPU a byte on http endpoints (measured: 1.8 → 0.9 ms/MB).
    config = Config(max_pool_connections=max(10, workers * 2),
                    retries={"mode": "standard", "max_attempts": attempts},
                    s3={"payload_signing_enabled": False})
    return boto3.session.Session().client("s3", config=config)


def _read_full(stream: BinaryIO, size: int) -> bytes:
    """Up to ``size`` bytes: fewer only at the end (a raw stream may return short reads)."""
    first = stream.read(size)
    if not first or len(first) == size:
        return first or b""
    pieces = [first]
    have = len(first)
    while have < size and (more := stream.read(size - have)):
        pieces.append(more)
        have += len(more)
    return b"".join(pieces)


def _hash_stream(stream: BinaryIO) -> str:
    hasher = hashlib.sha256()
    while chunk := stream.read(CHUNK):
        hasher.update(chunk)
    return hasher.hexdigest()


def object_age(head: dict[str, Any]) -> float:
    """Seconds since an object was last written, by the server's clock (its ``Date``
    header): a client whose clock is off must not think a young blob old (gc would
    delete it) or an old one young (it would never be refreshed)."""
    modified = float(head["LastModified"].timestamp())
    headers = head.get("ResponseMetadata", {}).get("HTTPHeaders", {})
    try:
        server_now = float(parsedate_to_datetime(headers["date"]).timestamp())
    except (KeyError, TypeError, ValueError):
        server_now = _now()
    return max(0.0, server_now - modified)


def _now() -> float:
    return time.time()

