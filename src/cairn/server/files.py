"""Run files and blobs: list a run's files, download one, fetch a blob by digest, or show
a blob as logged HTML (``/blobs/{digest}/html``, what the UI frames for ``cairn.Html``).

Content a user logged is served so that it cannot act on this origin: every response
carries ``X-Content-Type-Options: nosniff`` and a ``Content-Security-Policy`` with
``sandbox``; only types a browser renders without running code (text, JSON, images, audio,
video) are served inline, everything else as an attachment.
"""

from __future__ import annotations

import mimetypes
from collections.abc import Iterator
from typing import Any
from urllib.parse import quote

from starlette.requests import Request
from starlette.responses import FileResponse, Response, StreamingResponse
from starlette.routing import Route

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
                  headers: dict[str, str] | None = None) -> Response:
    """Stream a blob (ranges supported for local blobs, so audio and video can seek)."""
    inline = (media_type in INLINE_TYPES or media_type == "text/html") and not download
    all_headers = {**SECURITY_HEADERS, **(headers or {})}
    if media_type.startswith("text/"):
        media_type += "; charset=utf-8"
    path = blobs.local_path(digest)
    if path is None:
        return _streamed(blobs, digest, media_type, all_headers, filename, inline)
    if filename is not None:
        return FileResponse(path, media_type=media_type, headers=all_headers,
                            filename=filename.rsplit("/", 1)[-1],
                            content_disposition_type="inline" if inline else "attachment")
    if not inline:
        all_headers["Content-Disposition"] = "attachment"
    return FileResponse(path, media_type=media_type, headers=all_headers)


def _streamed(blobs: BlobStore, digest: str, media_type: str, headers: dict[str, str],
              filename: str | None, inline: bool) -> Response:
    """A blob of a store that is not on this machine (S3), streamed as it is read (no
    ranges)."""
    if not blobs.has(digest):
        raise not_found(f"blob {digest} is missing from the blob store")
    if filename is not None or not inline:
        kind = "inline" if inline else "attachment"
        name = filename.rsplit("/", 1)[-1] if filename else None
        headers = {**headers, "Content-Disposition": kind + (
            f"; filename*=utf-8''{quote(name)}" if name else "")}

    def chunks() -> Iterator[bytes]:
        with blobs.open(digest) as source:
            while chunk := source.read(1 << 20):
                yield chunk

    return StreamingResponse(chunks(), media_type=media_type, headers=headers)


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
                         download=download)


def _digest_param(request: Request) -> str:
    """The route's ``{digest}``, checked (a 400 names what is wrong)."""
    try:
        return check_digest(request.path_params["digest"])
    except ValueError as exc:
        raise bad_request(str(exc)) from None


async def get_blob(request: Request) -> Response:
    ctx = context(request)
    digest = _digest_param(request)
    wanted = request.query_params.get("type") or "application/octet-stream"
    media_type = wanted if wanted in INLINE_TYPES else "application/octet-stream"
    # private: a blob belongs to some run's project, and shared caches (proxies) must not
    # hand it to others once access is scoped per project.
    return blob_response(ctx.blobs, digest, media_type, headers={
        "Cache-Control": "private, max-age=31536000, immutable", "ETag": f'"{digest}"'})


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
