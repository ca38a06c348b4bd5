"""Run files and blobs: list a run's files, download one, fetch a blob by digest, or show
a blob as logged HTML (``/blobs/{digest}/html``, what the UI frames for ``cairn.Html``).

Content a user logged is served so that it cannot act on this origin: every response
carries ``X-Content-Type-Options: nosniff`` and a ``Content-Security-Policy`` with
``sandbox``; only types a browser renders without running code (text, JSON, images, audio,
video) are served inline, everything else as an attachment.
"""

from __future__ import annotations

import mimetypes
import re
from collections.abc import Iterator
from typing import Any
from urllib.parse import quote

from starlette.requests import Request
from starlette.responses import FileResponse, Response, StreamingResponse
from starlette.routing import Route

from cairn.errors import NotFoundError
from cairn.server.access import check_blob, missing_blob
from cairn.server.context import context, find_run
from cairn.server.encoding import JsonResponse
from cairn.server.errors import bad_request, not_found
from cairn.store.base import RunFile
from cairn.store.blobs import BlobStore, check_digest

INLINE_TYPES = frozenset({
    "text/plain", "text/csv", "text/markdown", "application/json",
    "image/png", "image/jpeg", "image/gif", "image/webp", "image/bmp",
    "audio/wav", "audio/x-wav", "audio/mpeg", "audio/ogg", "audio/flac", "audio/webm",
    "video/mp4", "video/webm", "video/ogg",
})
_TEXT_SUFFIXES = frozenset({".log", ".txt", ".py", ".yaml", ".yml", ".toml", ".cfg", ".ini",
                            ".patch", ".diff", ".sh", ".md", ".csv", ".tsv", ".jsonl"})
_RANGE = re.compile(r"bytes=(\d*)-(\d*)")
_PIECE = 1 << 20
"""Bytes streamed at a time from a blob store that is not local."""
SECURITY_HEADERS = {"X-Content-Type-Options": "nosniff",
                    "Content-Security-Policy": "default-src 'none'; sandbox"}


def content_type(name: str) -> str:
    """The type a file is served as: text for source and logs, the guessed type when it is
    safe to render inline, else ``application/octet-stream``."""
    lower = name.lower()
    suffix = lower[lower.rfind("."):] if "." in lower else ""
    if suffix in _TEXT_SUFFIXES:
        return "text/plain" if suffix not in (".md", ".csv") else mimetypes.types_map.get(
            suffix, "text/plain")
    guessed = mimetypes.guess_type(lower)[0] or "application/octet-stream"
    return guessed if guessed in INLINE_TYPES else "application/octet-stream"


def blob_response(blobs: BlobStore, digest: str, media_type: str, *,
                  filename: str | None = None, download: bool = False,
                  headers: dict[str, str] | None = None,
                  range_header: str | None = None) -> Response:
    """Serve a blob, with byte ranges (``range_header``, the request's ``Range``) so that
    audio and video can seek: a local blob as a file, any other (S3) streamed from the
    blob store, a ranged request as a ranged read of it."""
    inline = (media_type in INLINE_TYPES or media_type == "text/html") and not download
    all_headers = {**SECURITY_HEADERS, **(headers or {})}
    if media_type.startswith("text/"):
        media_type += "; charset=utf-8"
    disposition = "inline" if inline else "attachment"
    path = blobs.local_path(digest)
    if path is not None and filename is not None:
        return FileResponse(path, media_type=media_type, headers=all_headers,
                            filename=filename.rsplit("/", 1)[-1],
                            content_disposition_type=disposition)
    if filename is not None:  # as FileResponse writes it
        all_headers["Content-Disposition"] = (
            f"{disposition}; filename*=utf-8''{quote(filename.rsplit('/', 1)[-1])}")
    elif not inline:
        all_headers["Content-Disposition"] = "attachment"
    if path is not None:
        return FileResponse(path, media_type=media_type, headers=all_headers)
    try:
        size = blobs.size(digest)
    except NotFoundError:
        raise missing_blob(digest) from None
    return _streamed(blobs, digest, size, media_type, all_headers, range_header)


def byte_range(header: str | None, size: int) -> tuple[int, int] | None:
    """The one range ``[first, last]`` a ``Range`` header asks for; None for the whole
    blob (no header, a malformed one, or several ranges, which HTTP lets a server answer
    in full). ValueError when the range lies outside the blob."""
    found = _RANGE.fullmatch(header.strip()) if header else None
    if found is None:
        return None
    first_text, last_text = found.groups()
    if not first_text:  # the last n bytes
        if not last_text or int(last_text) == 0:
            raise ValueError("an empty suffix range")
        return max(0, size - int(last_text)), size - 1
    first = int(first_text)
    last = min(size - 1, int(last_text)) if last_text else size - 1
    if first >= size or first > last:
        raise ValueError(f"bytes {first}- are outside the blob ({size} bytes)")
    return first, last


def _streamed(blobs: BlobStore, digest: str, size: int, media_type: str,
              headers: dict[str, str], range_header: str | None) -> Response:
    headers = {**headers, "Accept-Ranges": "bytes"}
    try:
        wanted = byte_range(range_header, size)
    except ValueError:
        return Response(status_code=416, headers={**headers, "Content-Range": f"bytes */{size}"})
    first, last = wanted if wanted is not None else (0, size - 1)
    status = 200
    if wanted is not None:
        status = 206
        headers["Content-Range"] = f"bytes {first}-{last}/{size}"
    headers["Content-Length"] = str(last - first + 1)
    reader = blobs.open(digest)
    if first:
        reader.seek(first)

    def pieces() -> Iterator[bytes]:
        try:
            left = last - first + 1
            while left > 0:
                piece = reader.read(min(_PIECE, left))
                if not piece:
                    return
                left -= len(piece)
                yield piece
        finally:
            reader.close()

    return StreamingResponse(pieces(), status_code=status, media_type=media_type,
                             headers=headers)


def file_json(row: RunFile) -> dict[str, Any]:
    return {"name": row.name, "size": row.size, "digest": row.sha256,
            "updated_at": row.updated_at, "mtime": row.mtime, "policy": row.policy}


async def list_files(request: Request) -> Response:
    ctx = context(request)
    run = await find_run(request)
    rows = await ctx.call(ctx.store.run_files, run.pk)
    return JsonResponse({"files": [file_json(r) for r in rows]})


async def get_file(request: Request) -> Response:
    ctx = context(request)
    run = await find_run(request)
    name = request.path_params["name"]
    row = await ctx.call(ctx.store.run_file, run.pk, name)
    if row is None:
        raise not_found(f"run '{run.ref.path}' has no file {name!r}")
    download = request.query_params.get("download") in ("1", "true")
    return blob_response(ctx.blobs, row.sha256, content_type(row.name), filename=row.name,
                         download=download, range_header=request.headers.get("range"))


def _digest_param(request: Request) -> str:
    """The route's ``{digest}``, checked (a 400 names what is wrong)."""
    try:
        return check_digest(request.path_params["digest"])
    except ValueError as exc:
        raise bad_request(str(exc)) from None


async def get_blob(request: Request) -> Response:
    ctx = context(request)
    digest = _digest_param(request)
    await ctx.call(check_blob, request.scope, digest)
    wanted = request.query_params.get("type") or "application/octet-stream"
    media_type = wanted if wanted in INLINE_TYPES else "application/octet-stream"
    # private: a blob belongs to some run's project, and shared caches (proxies) must not
    # hand it to others once access is scoped per project.
    return blob_response(ctx.blobs, digest, media_type, headers={
        "Cache-Control": "private, max-age=31536000, immutable", "ETag": f'"{digest}"'},
        range_header=request.headers.get("range"))


def html_policy(scripts: bool) -> str:
    """Logged HTML runs with an opaque origin (``sandbox``, never ``allow-same-origin``):
    it cannot read the UI, its storage or cookies; it loads nothing from anywhere (inline
    data only); its scripts, if it was logged with ``scripts=True``, run inline only.
    Only the UI may frame it."""
    return "; ".join([
        "sandbox" + (" allow-scripts" if scripts else ""), "default-src 'none'",
        "img-src data:", "media-src data:", "style-src 'unsafe-inline'", "font-src data:",
        *(["script-src 'unsafe-inline'"] if scripts else []), "frame-ancestors 'self'"])


async def get_html(request: Request) -> Response:
    ctx = context(request)
    digest = _digest_param(request)
    await ctx.call(check_blob, request.scope, digest)
    scripts = request.query_params.get("scripts") in ("1", "true")
    # served, not written into a srcdoc frame: a srcdoc document inherits the UI's own
    # policy, which (rightly) runs no inline script at all.
    return blob_response(ctx.blobs, digest, "text/html", headers={
        "Content-Security-Policy": html_policy(scripts), "Cache-Control": "private",
        "X-Content-Type-Options": "nosniff"})


ROUTES = [
    Route("/runs/{entity}/{project}/{run_id}/files", list_files, methods=["GET"]),
    Route("/runs/{entity}/{project}/{run_id}/files/{name:path}", get_file,
          methods=["GET"]),
    Route("/blobs/{digest}", get_blob, methods=["GET"]),
    Route("/blobs/{digest}/html", get_html, methods=["GET"]),
]
