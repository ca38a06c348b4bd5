"""Reference entries: an artifact that tracks content where it already is, by URI.

Nothing is copied into the blob store. The entry's digest is the checksum the source
gives: a file's sha256 (``file://``), the ETag of an object (``s3://``, see ``s3.py``) or
of a web resource (``http(s)://``), or the URI itself when ``checksum=False``.
Downloading a reference fetches it from the source and refuses content whose checksum
changed.
"""

from __future__ import annotations

import contextlib
import os
import posixpath
import shutil
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from cairn.limits import check_file_name
from cairn.sdk.artifacts.hashing import file_sha256
from cairn.sdk.artifacts.manifest import ArtifactManifestEntry

DEFAULT_MAX_OBJECTS = 10_000
SCHEMES = ("file", "s3", "http", "https")


def _join(prefix: str | None, rest: str) -> str:
    return check_file_name(posixpath.join(prefix, rest) if prefix else rest)


def _limit(uri: str, found: int, max_objects: int | None) -> None:
    limit = DEFAULT_MAX_OBJECTS if max_objects is None else max_objects
    if found > limit:
        raise ValueError(f"add_reference({uri!r}) matches more than max_objects={limit} "
                         "objects; pass a larger max_objects")


def resolve_reference(uri: str, name: str | None, checksum: bool,
                      max_objects: int | None) -> list[ArtifactManifestEntry]:
    scheme = urllib.parse.urlparse(uri).scheme
    if scheme == "file":
        return _file_entries(uri, name, checksum, max_objects)
    if scheme in ("http", "https"):
        return [_http_entry(uri, name, checksum)]
    if scheme == "s3":
        from cairn.sdk.artifacts.s3 import s3_entries

        return s3_entries(uri, name, checksum, max_objects)
    raise ValueError(f"add_reference({uri!r}): unsupported scheme {scheme!r} (supported: "
                     f"{', '.join(s + '://' for s in SCHEMES)})")


# ---- file:// ----------------------------------------------------------------------------
def _file_path(uri: str) -> Path:
    parsed = urllib.parse.urlparse(uri)
    if parsed.netloc not in ("", "localhost"):
        raise ValueError(f"file reference {uri!r} names host {parsed.netloc!r}; only local "
                         "files can be referenced")
    return Path(urllib.parse.unquote(parsed.path))


def _file_entries(uri: str, name: str | None, checksum: bool,
                  max_objects: int | None) -> list[ArtifactManifestEntry]:
    path = _file_path(uri)
    if path.is_file():
        files = [(path, name or path.name)]
    elif path.is_dir():
        found = sorted(p for p in path.rglob("*") if p.is_file())
        _limit(uri, len(found), max_objects)
        files = [(p, _join(name, p.relative_to(path).as_posix())) for p in found]
    else:
        raise ValueError(f"add_reference({uri!r}): no such file or folder")
    entries = []
    for file, entry_name in files:
        ref = file.absolute().as_uri()
        if checksum:
            digest, size = file_sha256(file)
        else:
            digest, size = ref, file.stat().st_size
        entries.append(ArtifactManifestEntry(check_file_name(entry_name), digest, size,
                                             ref=ref, extra={"checksum": checksum}))
    return entries


# ---- http(s):// --------------------------------------------------------------------------
def _http_entry(uri: str, name: str | None, checksum: bool) -> ArtifactManifestEntry:
    base = posixpath.basename(urllib.parse.urlparse(uri).path) or "index.html"
    entry_name = check_file_name(name or base)
    if not checksum:
        return ArtifactManifestEntry(entry_name, uri, None, ref=uri,
                                     extra={"checksum": False})
    request = urllib.request.Request(uri, method="HEAD")
    with urllib.request.urlopen(request, timeout=30) as response:
        etag = response.headers.get("ETag")
        length = response.headers.get("Content-Length")
    size = int(length) if length and length.isdigit() else None
    extra: dict[str, Any] = {"checksum": True}
    if etag:
        extra["etag"] = etag
    return ArtifactManifestEntry(entry_name, (etag or uri).strip('"'), size, ref=uri,
                                 extra=extra)


# ---- fetching ----------------------------------------------------------------------------
@contextlib.contextmanager
def _temp_beside(dest: Path) -> Iterator[Path]:
    dest.parent.mkdir(parents=True, exist_ok=True)
    tmp = dest.with_name(f".{dest.name}.{os.getpid()}.part")
    try:
        yield tmp
        os.replace(tmp, dest)
    finally:
        with contextlib.suppress(FileNotFoundError):
            tmp.unlink()


def download_reference(entry: ArtifactManifestEntry, dest: Path, allow_missing: bool) -> None:
    """Fetch a reference entry's content to ``dest``; ValueError when its checksum no
    longer matches (unless it was added with ``checksum=False``)."""
    assert entry.ref is not None
    scheme = urllib.parse.urlparse(entry.ref).scheme
    try:
        if scheme == "file":
            _fetch_file(entry, dest)
        elif scheme in ("http", "https"):
            _fetch_http(entry, dest)
        elif scheme == "s3":
            from cairn.sdk.artifacts.s3 import fetch_s3

            with _temp_beside(dest) as tmp:
                fetch_s3(entry, tmp)
        else:
            raise ValueError(f"artifact file {entry.path!r}: unsupported reference "
                             f"{entry.ref!r}")
    except FileNotFoundError:
        if not allow_missing:
            raise


def _fetch_file(entry: ArtifactManifestEntry, dest: Path) -> None:
    source = _file_path(entry.ref or "")
    if not source.is_file():
        raise FileNotFoundError(f"referenced file {entry.ref} is gone")
    with _temp_beside(dest) as tmp:
        shutil.copyfile(source, tmp)
        if entry.extra.get("checksum", True):
            digest, _ = file_sha256(tmp)
            if digest != entry.digest:
                raise ValueError(f"referenced file {entry.ref} changed since it was logged "
                                 f"(sha256 {digest[:12]}…, expected {entry.digest[:12]}…)")


def _fetch_http(entry: ArtifactManifestEntry, dest: Path) -> None:
    uri = entry.ref or ""
    with _temp_beside(dest) as tmp:
        try:
            response = urllib.request.urlopen(uri, timeout=60)
        except urllib.error.HTTPError as exc:
            if exc.code == 404:
                raise FileNotFoundError(f"referenced URL {uri} is gone (404)") from exc
            raise
        with response, open(tmp, "wb") as out:
            etag = response.headers.get("ETag")
            shutil.copyfileobj(response, out, 1 << 20)
        wanted = entry.extra.get("etag")
        if entry.extra.get("checksum", True) and wanted and etag != wanted:
            raise ValueError(f"referenced URL {uri} changed since it was logged (ETag "
                             f"{etag}, expected {wanted})")
