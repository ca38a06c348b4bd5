"""The ``http(s)://`` backend: a cairn server (``cairn server``) reached over HTTP.

Its sink is the uploader (``sinks/upload.py``): what an online run's applier sends its WAL
batches through. Its blob store puts and reads blobs by digest on the server. Its
metadata store writes through the server's ingest (``apply_records``) and reads through
its store calls (``server/store_rpc.py``), which return the very rows a local store
does: ``cairn.Api(base_url=…)`` builds the same objects over HTTP.
"""

from __future__ import annotations

import hashlib
import os
import tempfile
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any, BinaryIO

from cairn.errors import NotFoundError, StoreError
from cairn.records import Record, RunRef
from cairn.remote import ServerClient, resolve_key
from cairn.settings import Settings

if TYPE_CHECKING:
    from cairn.sinks.base import Sink
    from cairn.store.base import ApplyResult
    from cairn.store.blobs import BlobInfo, BlobStat
    from cairn.store.progress import SessionProgress, Span


class HttpBlobStore:
    """Blobs on a cairn server, by digest."""

    def __init__(self, client: ServerClient) -> None:
        self.client = client

    def __repr__(self) -> str:
        return f"HttpBlobStore({self.client.base_url!r})"

    def has(self, digest: str) -> bool:
        status, _ = self.client.request("HEAD", f"/api/v1/blobs/{digest}", ok=(200, 404))
        return status == 200

    def put_file(self, path: Path | str, digest: str | None = None) -> BlobInfo:
        from cairn.store.blobs import BlobInfo, hash_file

        info = hash_file(path)
        if digest is not None and digest != info.digest:
            raise StoreError(f"{path} no longer has content {digest[:12]}…")
        if not self.has(info.digest):
            with open(path, "rb") as body:
                self.client.request("PUT", f"/api/v1/blobs/{info.digest}", body, {
                    "Content-Type": "application/octet-stream",
                    "Content-Length": str(info.size)})
        return BlobInfo(info.digest, info.size)

    def put_bytes(self, data: bytes) -> BlobInfo:
        from cairn.store.blobs import BlobInfo

        digest = hashlib.sha256(data).hexdigest()
        if not self.has(digest):
            self.client.request("PUT", f"/api/v1/blobs/{digest}", data, {
                "Content-Type": "application/octet-stream"})
        return BlobInfo(digest, len(data))

    def put_stream(self, stream: BinaryIO) -> BlobInfo:
        with tempfile.NamedTemporaryFile(prefix="cairn-blob-", delete=False) as spool:
            while chunk := stream.read(1 << 20):
                spool.write(chunk)
        try:
            return self.put_file(spool.name)
        finally:
            os.unlink(spool.name)

    def open(self, digest: str) -> BinaryIO:
        """The blob, read as it arrives (a large artifact never sits in memory)."""
        status, body = self.client.stream(f"/api/v1/blobs/{digest}")
        if status == 404:
            raise NotFoundError(f"no blob {digest[:12]}… on {self.client.base_url}")
        return body

    def local_path(self, digest: str) -> Path | None:
        return None

    def size(self, digest: str) -> int:
        size = 0
        with self.open(digest) as f:
            while chunk := f.read(1 << 20):
                size += len(chunk)
        return size

    def stat(self, digest: str) -> BlobStat:
        raise StoreError(f"{self.client.base_url}: blob details are not served over HTTP")

    def delete(self, digest: str) -> bool:
        raise StoreError(f"{self.client.base_url}: blobs are deleted by the server's own "
                         "`cairn gc`, not over HTTP")

    def digests(self) -> Iterator[str]:
        raise StoreError(f"{self.client.base_url}: blobs are not listed over HTTP")


class HttpStore:
    """``MetadataStore`` on a cairn server: writes by ingest, reads by store calls."""

    def __init__(self, client: ServerClient) -> None:
        from cairn.sinks.upload import UploadSink

        self.client = client
        self.location = client.base_url
        self._sink = UploadSink(client)

    def __repr__(self) -> str:
        return f"HttpStore({self.location!r})"

    def apply_records(self, records: Sequence[Record]) -> ApplyResult:
        from cairn.store.base import ApplyResult

        applied, present, unknown = self._sink.send(records)
        return ApplyResult(applied, present, tuple(sorted(set(unknown))))

    def applied_progress(self, run: RunRef, session: str) -> SessionProgress:
        from urllib.parse import quote

        from cairn.store.progress import SessionProgress

        path = (f"/api/v1/progress/{quote(run.entity, safe='')}/"
                f"{quote(run.project, safe='')}/{quote(run.run_id, safe='')}"
                f"?session={quote(session, safe='')}")
        found = self.client.json("GET", path)
        gaps = found.get("gaps")
        return SessionProgress(int(found.get("mark", 0)),
                               None if gaps is None else [(int(a), int(b)) for a, b in gaps])

    def applied_seq(self, run: RunRef, session: str) -> int:
        return self.applied_progress(run, session).mark

    def repair_progress(self, run: RunRef, session: str, skipped: Sequence[Span]) -> bool:
        raise StoreError(f"{self.location}: session {session} of {run.path} was written by "
                         "an older cairn; run `cairn sync` on the server's own store first")

    def close(self) -> None:
        self.client.close()

    def call(self, method: str, *args: Any, **kwargs: Any) -> Any:
        """A reading method of the server's store (``server/store_rpc.py``)."""
        from cairn.errors import FilterError
        from cairn.store import wire

        body = wire.dumps({"args": list(args), "kwargs": kwargs})
        status, data = self.client.request(
            "POST", f"/api/v1/store/{method}", body,
            {"Content-Type": "application/msgpack"}, ok=(200, 400, 404))
        if status == 200:
            return wire.loads(data)
        import json

        try:
            error = json.loads(data)["error"]
            code, message = str(error["code"]), str(error["message"])
        except (ValueError, KeyError, TypeError):
            code, message = "", data[:200].decode("utf-8", "replace")
        if code == "bad_filter":
            raise FilterError(message)
        if status == 404:
            raise NotFoundError(message)
        raise ValueError(message)

    def __getattr__(self, name: str) -> Any:
        if name.startswith("_"):
            raise AttributeError(name)
        from cairn.store.wire import READS

        if name in READS:
            return lambda *args, **kwargs: self.call(name, *args, **kwargs)
        raise StoreError(f"{name} is not done over HTTP ({self.location}): the server's "
                         "store is written through its ingest only")


class HttpBackend:
    """A cairn server as a backend."""

    def __init__(self, base_url: str, settings: Settings) -> None:
        self.store_uri = base_url
        self.blobs_uri = base_url
        self._settings = settings
        self._key = resolve_key(base_url, settings.api_key)
        self._store: HttpStore | None = None
        self._blobs: HttpBlobStore | None = None

    def __repr__(self) -> str:
        return f"HttpBackend({self.store_uri!r})"

    def client(self) -> ServerClient:
        return ServerClient(self.store_uri, self._key)

    @property
    def store(self) -> Any:
        if self._store is None:
            self._store = HttpStore(self.client())
        return self._store

    @property
    def blobs(self) -> Any:
        if self._blobs is None:
            self._blobs = HttpBlobStore(self.client())
        return self._blobs

    def sink(self) -> Sink:
        from cairn.sinks.upload import UploadSink

        return UploadSink(self.client(), on_close=self.close)

    def close(self) -> None:
        store, self._store = self._store, None
        blobs, self._blobs = self._blobs, None
        if store is not None:
            store.close()
        if blobs is not None:
            blobs.client.close()


def open_server(uri: str, blobs: str, settings: Settings, create: bool) -> HttpBackend:
    """The ``BackendFactory`` of ``http://`` and ``https://`` (``blobs`` is the server)."""
    from cairn.remote import normal_url

    try:
        url = normal_url(uri)
    except ValueError as exc:
        raise StoreError(str(exc)) from None
    return HttpBackend(url, settings)
