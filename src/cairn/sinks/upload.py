"""``UploadSink``: the sink of a run that logs to a cairn server (``mode="online"``).

The applier (the thread or the applier process, ``sinks/tail.py``) tails the run's WAL as
for a local store and hands each batch of records here; this sends them as one WAL batch
(``server/ingest.py``) over a kept-alive connection. The WAL is the spool: when the server
is away the call raises ``ServerUnavailableError``, the tail keeps its offset and tries
again later (backoff with jitter), and nothing of this runs in the training thread.

Blobs go first, by digest: a ``HEAD`` asks whether the server has one, a ``PUT`` sends it
when not; a digest the server has confirmed is remembered, so none is sent twice.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from typing import TYPE_CHECKING

from cairn.records import Record, RunRef
from cairn.remote import ServerClient
from cairn.wal.format import encode_frame, encode_opening

if TYPE_CHECKING:
    from cairn.store.blobs import BlobStore

WAL_MEDIA_TYPE = "application/vnd.cairn.wal"
COMPRESS_FROM = 16 << 10
"""Batches at least this big are sent zstd-compressed (when zstandard is installed)."""
SEND_BYTES = 1 << 20
"""A batch carries records of at most about this many bytes (as framed, before
compression; a single larger record goes alone). The server applies a batch in one
transaction, during which every other client of its store waits: a bounded batch bounds
that wait (about 100,000 points), while the cost per point stays flat from a few hundred
KiB (bench/server_ingest.py)."""
_KNOWN_DIGESTS = 100_000


def encode_batch(run: RunRef, session: str, records: Sequence[Record]) -> bytes:
    """The records as a small WAL file (header, open frame, record frames)."""
    parts = [encode_opening((run.entity, run.project, run.run_id), session)]
    parts.extend(encode_frame(r.seq, r.kind, r.body) for r in records)
    return b"".join(parts)


def encode_batches(run: RunRef, session: str, records: Sequence[Record],
                   limit: int = SEND_BYTES) -> Iterator[bytes]:
    """The records, in order, as WAL batches of about ``limit`` bytes of frames each."""
    opening = encode_opening((run.entity, run.project, run.run_id), session)
    frames: list[bytes] = []
    size = 0
    for record in records:
        frame = encode_frame(record.seq, record.kind, record.body)
        if frames and size + len(frame) > limit:
            yield opening + b"".join(frames)
            frames, size = [], 0
        frames.append(frame)
        size += len(frame)
    if frames:
        yield opening + b"".join(frames)


def compress(data: bytes) -> tuple[bytes, str | None]:
    """``(body, Content-Encoding)``: zstd when worth it and available."""
    if len(data) < COMPRESS_FROM:
        return data, None
    try:
        import zstandard
    except ImportError:
        return data, None
    return zstandard.ZstdCompressor(level=1).compress(data), "zstd"


def split_sessions(records: Sequence[Record]) -> list[tuple[RunRef, str, list[Record]]]:
    """Consecutive records of one run session together, in order."""
    groups: list[tuple[RunRef, str, list[Record]]] = []
    for record in records:
        if groups and groups[-1][0] == record.run and groups[-1][1] == record.session:
            groups[-1][2].append(record)
        else:
            groups.append((record.run, record.session, [record]))
    return groups


class UploadSink:
    def __init__(self, client: ServerClient, on_close: object = None) -> None:
        self.client = client
        self._known: set[str] = set()
        self._on_close = on_close

    def put_blobs(self, digests: Sequence[str], source: BlobStore) -> list[str]:
        from cairn.store.blobs import check_digest

        missing: list[str] = []
        for digest in digests:
            if digest in self._known:
                continue
            try:
                check_digest(digest)
            except ValueError:
                missing.append(str(digest))
                continue
            status, _ = self.client.request("HEAD", f"/api/v1/blobs/{digest}",
                                            ok=(200, 404))
            if status == 404:
                path = source.local_path(digest)
                if path is None:
                    missing.append(digest)
                    continue
                with open(path, "rb") as body:
                    self.client.request("PUT", f"/api/v1/blobs/{digest}", body, {
                        "Content-Type": "application/octet-stream",
                        "Content-Length": str(path.stat().st_size)})
            self._remember(digest)
        return missing

    def _remember(self, digest: str) -> None:
        if len(self._known) >= _KNOWN_DIGESTS:
            self._known.clear()
        self._known.add(digest)

    def send(self, records: Sequence[Record]) -> tuple[int, int, list[str]]:
        """Send the records (batches of one run session each, in order); ``(applied,
        present, unknown kinds)`` as the server counted them. A failure part way leaves the
        batches sent applied: sent again, they count as present."""
        import json

        applied = present = 0
        unknown: list[str] = []
        for body, encoding in (compress(batch) for run, session, group in
                               split_sessions(records)
                               for batch in encode_batches(run, session, group)):
            headers = {"Content-Type": WAL_MEDIA_TYPE, "Content-Length": str(len(body))}
            if encoding:
                headers["Content-Encoding"] = encoding
            _, data = self.client.request("POST", "/api/v1/ingest", body, headers)
            answer = json.loads(data)
            applied += int(answer.get("applied", 0))
            present += int(answer.get("present", 0))
            unknown.extend(str(k) for k in answer.get("unknown_kinds") or ())
        return applied, present, unknown

    def apply_records(self, records: Sequence[Record]) -> None:
        self.send(records)

    def close(self) -> None:
        self.client.close()
        if callable(self._on_close):
            self._on_close()
