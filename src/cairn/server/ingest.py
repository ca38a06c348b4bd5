"""Writes to the team server: WAL batches and the blobs they reference.

``POST /api/v1/ingest`` takes a *batch*: a small WAL file as ``wal/format.py`` writes one
(header, open frame naming the run and session, then record frames), sent as
``application/vnd.cairn.wal``, optionally ``Content-Encoding: zstd``. The whole batch is
checked before anything is applied (header, every frame's marker, length and crc, every
record's shape, who may write the run), then applied in one ``apply_records`` call, one
transaction: a batch is applied entirely or not at all. The store skips records it holds
by ``(run, session, seq)``, so a retried or duplicated batch changes nothing; the answer
says how many records were new (``applied``) and already there (``present``).

Blobs go first, by digest: ``HEAD /api/v1/blobs/{digest}`` (200 when the server has it),
then ``PUT /api/v1/blobs/{digest}`` with the bytes, which the server hashes and refuses
(400) when they are not that digest. A blob the server has is never sent again by its
uploader, nor by anyone who may read a project that refers to it; to anyone else the
server answers as for a blob it does not have (so that no one learns that a file of some
content was stored), and a blob they send is checked and answered as a new one.

Who may write a run: whoever may write its project (``access.py``): their own entity, a
team's where they are a member or admin, a project they were made a member of; a server
admin writes any. A new project's settings record who made it.
"""

from __future__ import annotations

import os
import tempfile
import zlib
from typing import Any

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from cairn.records import Record, RunRef
from cairn.server.access import (
    access_of,
    caller_of,
    cannot_write,
    may_know_blob,
    note_upload,
)
from cairn.server.context import context
from cairn.server.encoding import JsonResponse
from cairn.server.errors import ApiError, bad_request
from cairn.store.blobs import check_digest
from cairn.wal.format import (
    FRAME_HEAD,
    FRAME_HEAD_SIZE,
    HEADER,
    HEADER_SIZE,
    MAGIC,
    MARKER,
    OPEN_KIND,
    VERSION,
    decode_payload,
)

WAL_MEDIA_TYPE = "application/vnd.cairn.wal"
MAX_BATCH_BYTES = 32 << 20
"""Largest batch body, as sent (compressed or not)."""
MAX_BATCH_RECORDS = 100_000
MAX_DECODED_BYTES = 128 << 20
"""Largest batch after decompression (a zstd bomb stops here)."""
MAX_BLOB_BYTES = 64 << 30
_SPOOL_MEMORY = 8 << 20


def payload_too_large(message: str) -> ApiError:
    return ApiError(413, "payload_too_large", message)


async def read_body(request: Request, limit: int) -> bytes:
    """The body, refused with 413 as soon as it passes ``limit`` bytes."""
    declared = request.headers.get("content-length")
    if declared is not None and declared.isdigit() and int(declared) > limit:
        raise payload_too_large(f"the body is {declared} bytes; at most {limit} are taken")
    parts: list[bytes] = []
    size = 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > limit:
            raise payload_too_large(f"the body passes {limit} bytes, the most taken")
        parts.append(chunk)
    return b"".join(parts)


def decompress(body: bytes, encoding: str) -> bytes:
    encoding = encoding.strip().lower()
    if encoding in ("", "identity"):
        return body
    if encoding != "zstd":
        raise ApiError(415, "unsupported_encoding",
                       f"Content-Encoding {encoding!r} is not taken; send zstd or none")
    try:
        import zstandard
    except ImportError:
        raise ApiError(415, "unsupported_encoding", "this server cannot read zstd (install "
                       "the zstandard package); send the batch uncompressed") from None
    try:
        reader = zstandard.ZstdDecompressor().stream_reader(body)
        decoded = reader.read(MAX_DECODED_BYTES + 1)
    except zstandard.ZstdError as exc:
        raise bad_request(f"the batch is not valid zstd: {exc}") from None
    if len(decoded) > MAX_DECODED_BYTES:
        raise payload_too_large(f"the batch decompresses past {MAX_DECODED_BYTES} bytes")
    return decoded


def parse_batch(data: bytes) -> tuple[RunRef, str, list[Record]]:
    """The run, session and records of a batch; ``ApiError`` 400 naming the first problem
    (a batch with any damage is refused whole: its sender still has the frames)."""
    if len(data) < HEADER_SIZE:
        raise bad_request("the batch is not a WAL: shorter than its header")
    magic, version = HEADER.unpack_from(data, 0)
    if magic != MAGIC:
        raise bad_request("the batch is not a WAL (bad magic)")
    if version != VERSION:
        raise bad_request(f"the batch is WAL version {version}; this server reads {VERSION}")
    run: RunRef | None = None
    session: str | None = None
    records: list[Record] = []
    offset = HEADER_SIZE
    while offset < len(data):
        if len(data) - offset < FRAME_HEAD_SIZE:
            raise bad_request(f"the batch ends inside a frame header at byte {offset}")
        marker, length, crc = FRAME_HEAD.unpack_from(data, offset)
        start = offset + FRAME_HEAD_SIZE
        payload = data[start:start + length]
        if marker != MARKER or len(payload) != length or zlib.crc32(payload) != crc:
            raise bad_request(f"damaged frame at byte {offset} of the batch")
        offset = start + length
        try:
            seq, kind, body = decode_payload(payload)
        except ValueError as exc:
            raise bad_request(f"frame at byte {offset} of the batch: {exc}") from None
        if kind == OPEN_KIND:
            found = _opening(body)
            if run is not None and (found[0] != run or found[1] != session):
                raise bad_request("the batch names two run sessions; send one per batch")
            run, session = found
            continue
        if run is None or session is None:
            raise bad_request("the batch has a record before its open frame")
        if seq < 1:
            raise bad_request(f"record with sequence number {seq}; they start at 1")
        records.append(Record(run, session, seq, kind, body))
        if len(records) > MAX_BATCH_RECORDS:
            raise payload_too_large(f"the batch has more than {MAX_BATCH_RECORDS} records")
    if run is None or session is None:
        raise bad_request("the batch has no open frame naming its run and session")
    return run, session, records


def _opening(body: dict[str, Any]) -> tuple[RunRef, str]:
    run, session = body.get("run"), body.get("session")
    if (not isinstance(run, list) or len(run) != 3
            or not all(isinstance(part, str) and part for part in run)
            or not isinstance(session, str) or not session):
        raise bad_request("the open frame must name a run [entity, project, id] and a session")
    return RunRef(*run), session


async def check_writer(request: Request, run: RunRef) -> None:
    """403 unless the caller may write runs of ``run``'s project (the same answer whether
    the project exists or not)."""
    access = access_of(request.scope)
    if access is None:
        return
    caller = caller_of(request.scope)
    if not await context(request).call(access.may_write, caller, run.entity, run.project):
        raise cannot_write(caller, run.entity, run.project)


async def ingest(request: Request) -> Response:
    ctx = context(request)
    media_type = request.headers.get("content-type", "").split(";")[0].strip().lower()
    if media_type != WAL_MEDIA_TYPE:
        raise ApiError(415, "unsupported_media_type", f"send a batch as {WAL_MEDIA_TYPE}, "
                       f"not {media_type or 'no Content-Type'}")
    body = await read_body(request, MAX_BATCH_BYTES)
    encoding = request.headers.get("content-encoding", "")
    # Decompressing and decoding a batch takes milliseconds: off the event loop, which
    # meanwhile answers other clients.
    run, _session, records = await ctx.call(lambda: parse_batch(decompress(body, encoding)))
    await check_writer(request, run)
    result = await ctx.call(ctx.store.apply_records, records)
    return JsonResponse({"applied": result.applied, "present": result.skipped,
                         "records": len(records),
                         "unknown_kinds": list(result.unknown_kinds)})


async def head_blob(request: Request) -> Response:
    ctx = context(request)
    digest = _digest(request)
    found = await ctx.call(_known, ctx.blobs, request.scope, digest)
    return Response(status_code=200 if found else 404)


def _known(blobs: Any, scope: Any, digest: str) -> bool:
    """The server has the blob, and the caller may know it (``access.may_know_blob``): to
    anyone else a held blob is one to upload, checked and answered as a new one."""
    return bool(blobs.has(digest)) and may_know_blob(scope, digest)


async def put_blob(request: Request) -> Response:
    ctx = context(request)
    digest = _digest(request)
    if await ctx.call(_known, ctx.blobs, request.scope, digest):
        return JsonResponse({"digest": digest, "stored": False})
    declared = request.headers.get("content-length")
    if declared is not None and declared.isdigit() and int(declared) > MAX_BLOB_BYTES:
        raise payload_too_large(f"a blob may be at most {MAX_BLOB_BYTES} bytes")
    # Spooled to a file first: the store hashes what it is given, and a digest that does
    # not match must leave nothing behind.
    spool = tempfile.NamedTemporaryFile(prefix="cairn-upload-", delete=False)  # noqa: SIM115
    try:
        size = 0
        with spool:
            async for chunk in request.stream():
                size += len(chunk)
                if size > MAX_BLOB_BYTES:
                    raise payload_too_large(f"a blob may be at most {MAX_BLOB_BYTES} bytes")
                spool.write(chunk)
        info = await ctx.call(_put_checked, ctx.blobs, spool.name, digest)
        await ctx.call(note_upload, request.scope, digest)
    finally:
        os.unlink(spool.name)
    return JsonResponse({"digest": info, "stored": True, "size": size}, status_code=201)


def _put_checked(blobs: Any, path: str, digest: str) -> str:
    from cairn.store.blobs import hash_file

    actual = hash_file(path)
    if actual.digest != digest:
        raise bad_request(f"the body's sha256 is {actual.digest}, not {digest}")
    stored: str = blobs.put_file(path, digest).digest
    return stored


async def progress(request: Request) -> Response:
    """What the store holds of a run session (``cairn sync --to`` asks before it sends)."""
    ctx = context(request)
    run = RunRef(request.path_params["entity"], request.path_params["project"],
                 request.path_params["run_id"])
    session = request.query_params.get("session")
    if not session:
        raise bad_request("name the session: ?session=...")
    await check_writer(request, run)
    found = await ctx.call(ctx.store.applied_progress, run, session)
    gaps = None if found.gaps is None else [list(span) for span in found.gaps]
    return JsonResponse({"mark": found.mark, "gaps": gaps})


def _digest(request: Request) -> str:
    try:
        return check_digest(request.path_params["digest"])
    except ValueError as exc:
        raise bad_request(str(exc)) from None


ROUTES = [
    Route("/ingest", ingest, methods=["POST"]),
    Route("/blobs/{digest}", head_blob, methods=["HEAD"]),
    Route("/blobs/{digest}", put_blob, methods=["PUT"]),
    Route("/progress/{entity}/{project}/{run_id}", progress, methods=["GET"]),
]
