"""Blob stores: immutable content addressed by its sha256.

Media, run files and artifact files live here; the metadata store holds only digests. A
blob is written under a temporary name and renamed into place once complete and flushed,
so a reader (or a crash) never sees half a blob, and writing the same content twice is
harmless: the second rename replaces identical bytes.

Records that reference blobs list them in their body under ``"blobs"``. A run writes its
blobs into the store's blob folder when it logs to the local store, or into its own run
folder's ``blobs/`` when offline; :func:`copy_missing` brings them into the store before the
records are applied (by the sinks and by ``cairn sync``).

Layout of a :class:`LocalBlobStore`: ``<root>/sha256/<first two hex digits>/<digest>``, and
``<root>/tmp/<pid>@<host>@<random>`` for writes in progress (``cairn gc`` removes those
older than its grace period whose process is gone, or that another host wrote).
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import re
import shutil
import socket
import tempfile
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, BinaryIO, Protocol

from cairn.errors import NotFoundError, StoreError

CHUNK = 1 << 20
_HEX = frozenset("0123456789abcdef")
_HOST = re.sub(r"[^A-Za-z0-9._-]", "_", socket.gethostname())[:64] or "unknown"


def temp_prefix(pid: int | None = None) -> str:
    """The start of a temp file's name: the writer's pid and host (``cairn gc`` may check
    whether a pid is alive only on the host that wrote the file)."""
    return f"{os.getpid() if pid is None else pid}@{_HOST}@"


def temp_writer(name: str) -> tuple[int, str | None] | None:
    """The (pid, host) a temp file name carries; host None for names from before hosts
    were recorded (``<pid>-…``); None for names of neither form."""
    match = re.match(r"^(\d+)(?:@([A-Za-z0-9._-]+)@|-)", name)
    if match is None:
        return None
    return int(match.group(1)), match.group(2)


def this_host() -> str:
    return _HOST


@dataclass(frozen=True)
class BlobInfo:
    digest: str
    """sha256 of the content, 64 lower-case hex digits."""
    size: int


@dataclass(frozen=True)
class BlobStat:
    size: int
    modified: float
    """When the blob was last stored or stored again (seconds since the epoch): ``cairn
    gc``'s grace period counts from here."""


class BlobStore(Protocol):
    """Where content-addressed blobs are kept (a local folder; S3 with the team server:
    ``cairn.store.s3_blobs``)."""

    def has(self, digest: str) -> bool: ...

    def put_file(self, path: Path | str, digest: str | None = None) -> BlobInfo:
        """Store a file's content, streaming it. With ``digest`` already known (and the blob
        present) nothing is read."""
        ...

    def put_bytes(self, data: bytes) -> BlobInfo: ...

    def put_stream(self, stream: BinaryIO) -> BlobInfo: ...

    def open(self, digest: str) -> BinaryIO:
        """The blob's content; raises NotFoundError when absent."""
        ...

    def local_path(self, digest: str) -> Path | None:
        """The blob's file, for stores that keep it on a local disk."""
        ...

    def size(self, digest: str) -> int: ...

    def stat(self, digest: str) -> BlobStat:
        """Size and age; raises NotFoundError when absent."""
        ...

    def delete(self, digest: str) -> bool: ...

    def digests(self) -> Iterator[str]: ...


def check_digest(digest: str) -> str:
    """``digest`` if it is a sha256 hex digest; ValueError otherwise (digests reach file
    paths, so nothing else may pass)."""
    if not isinstance(digest, str) or len(digest) != 64 or not _HEX.issuperset(digest):
        raise ValueError(f"not a sha256 digest: {str(digest)[:80]!r}")
    return digest


def hash_file(path: Path | str) -> BlobInfo:
    """The sha256 and size of a file, read in 1 MiB pieces."""
    digest = hashlib.sha256()
    size = 0
    with open(path, "rb") as f:
        while chunk := f.read(CHUNK):
            digest.update(chunk)
            size += len(chunk)
    return BlobInfo(digest.hexdigest(), size)


def check_put_digest(path: Path | str, digest: str | None, info: BlobInfo) -> BlobInfo:
    """``info`` of a file put under the ``digest`` the caller knew it by. When the file
    changed since it was hashed, its content is stored under its real digest, and the
    caller learns that the one it asked for is not there."""
    if digest is not None and info.digest != digest:
        raise StoreError(f"{path} no longer has content {digest[:12]}… (now "
                         f"{info.digest[:12]}…)")
    return info


class LocalBlobStore:
    """Blobs in a folder on this machine."""

    def __init__(self, root: Path | str) -> None:
        self.root = Path(root)

    def __repr__(self) -> str:
        return f"LocalBlobStore({str(self.root)!r})"

    def _path(self, digest: str) -> Path:
        check_digest(digest)
        return self.root / "sha256" / digest[:2] / digest

    def has(self, digest: str) -> bool:
        return self._path(digest).is_file()

    def local_path(self, digest: str) -> Path | None:
        path = self._path(digest)
        return path if path.is_file() else None

    def size(self, digest: str) -> int:
        try:
            return self._path(digest).stat().st_size
        except FileNotFoundError:
            raise NotFoundError(f"no blob {digest} in {self.root}") from None

    def stat(self, digest: str) -> BlobStat:
        try:
            st = self._path(digest).stat()
        except FileNotFoundError:
            raise NotFoundError(f"no blob {digest} in {self.root}") from None
        return BlobStat(st.st_size, st.st_mtime)

    def open(self, digest: str) -> BinaryIO:
        try:
            return open(self._path(digest), "rb")
        except FileNotFoundError:
            raise NotFoundError(f"no blob {digest} in {self.root}") from None

    def put_bytes(self, data: bytes) -> BlobInfo:
        info = BlobInfo(hashlib.sha256(data).hexdigest(), len(data))
        if not self._refresh(self._path(info.digest)):
            self._write(info.digest, lambda f: f.write(data))
        return info

    def put_stream(self, stream: BinaryIO) -> BlobInfo:
        digest = hashlib.sha256()
        size = 0
        tmp = self._temp()
        try:
            with tmp:
                while chunk := stream.read(CHUNK):
                    digest.update(chunk)
                    size += len(chunk)
                    tmp.write(chunk)
                tmp.flush()
                info = BlobInfo(digest.hexdigest(), size)
                # Content already stored (a file saved again unchanged, the same
                # requirements.txt every run) costs no fsync: only a new blob is synced.
                if self._refresh(self._path(info.digest)):
                    tmp.close()
                    _unlink(Path(tmp.name))
                    return info
                os.fsync(tmp.fileno())
            self._publish(Path(tmp.name), info.digest)
        except BaseException:
            _unlink(Path(tmp.name))
            raise
        return info

    def put_file(self, path: Path | str, digest: str | None = None) -> BlobInfo:
        if digest is not None and self._refresh(self._path(digest)):
            return BlobInfo(digest, self.size(digest))
        try:
            with open(path, "rb") as f:
                info = self.put_stream(f)
        except FileNotFoundError:
            raise NotFoundError(f"no file {path}") from None
        return check_put_digest(path, digest, info)

    def delete(self, digest: str) -> bool:
        try:
            self._path(digest).unlink()
            return True
        except FileNotFoundError:
            return False

    def digests(self) -> Iterator[str]:
        base = self.root / "sha256"
        if not base.is_dir():
            return
        for prefix in sorted(base.iterdir()):
            if prefix.is_dir():
                for blob in sorted(prefix.iterdir()):
                    if len(blob.name) == 64 and _HEX.issuperset(blob.name):
                        yield blob.name

    def temp_files(self) -> list[Path]:
        """Writes in progress (or left by a process that died)."""
        folder = self.root / "tmp"
        return sorted(folder.iterdir()) if folder.is_dir() else []

    # ---- writing -------------------------------------------------------------------------
    def _temp(self) -> Any:
        folder = self.root / "tmp"
        folder.mkdir(parents=True, exist_ok=True)
        return tempfile.NamedTemporaryFile(dir=folder, prefix=temp_prefix(), delete=False)

    def _write(self, digest: str, write: Any) -> None:
        tmp = self._temp()
        try:
            with tmp:
                write(tmp)
                tmp.flush()
                os.fsync(tmp.fileno())
            self._publish(Path(tmp.name), digest)
        except BaseException:
            _unlink(Path(tmp.name))
            raise

    def _publish(self, tmp: Path, digest: str) -> None:
        target = self._path(digest)
        if self._refresh(target):
            _unlink(tmp)  # someone stored the same content meanwhile
            return
        target.parent.mkdir(parents=True, exist_ok=True)
        os.chmod(tmp, 0o444)
        os.replace(tmp, target)

    def link_from(self, source: Path, digest: str) -> bool:
        """Add a blob known to have ``digest`` by hard-linking ``source`` (another local
        blob store's file); False when linking is not possible (another filesystem)."""
        target = self._path(digest)
        if self._refresh(target):
            return True
        target.parent.mkdir(parents=True, exist_ok=True)
        try:
            os.link(source, target)
        except FileExistsError:
            return self._refresh(target)
        except OSError:
            return False
        return self._refresh(target)  # a link keeps the source's (maybe old) mtime

    @staticmethod
    def _refresh(path: Path) -> bool:
        """Whether the blob at ``path`` is present; if so its mtime becomes now. Every new
        use of a blob (a dedup hit too) restarts ``cairn gc``'s grace period, which covers
        records that name the blob and are still on their way to the store."""
        try:
            os.utime(path)
        except FileNotFoundError:
            return False
        except OSError:  # another user's blob in a shared store: present, age unchanged
            return path.is_file()
        return True


def record_blobs(bodies: Iterable[dict[str, Any]]) -> list[str]:
    """The digests listed under ``"blobs"`` in record bodies, each once, in order."""
    seen: dict[str, None] = {}
    for body in bodies:
        listed = body.get("blobs")
        if isinstance(listed, list | tuple):
            for digest in listed:
                if isinstance(digest, str):
                    seen[digest] = None
    return list(seen)


def copy_missing(digests: Sequence[str], source: BlobStore, target: BlobStore) -> list[str]:
    """Bring the blobs ``target`` lacks over from ``source``; the digests found in neither
    (returned) are references to content that is gone."""
    missing = []
    for digest in digests:
        try:
            check_digest(digest)
        except ValueError:
            missing.append(str(digest))
            continue
        if target.has(digest):
            continue
        path = source.local_path(digest)
        if path is None:
            missing.append(digest)
            continue
        if isinstance(target, LocalBlobStore) and target.link_from(path, digest):
            continue
        with source.open(digest) as f:
            info = target.put_stream(f)
        if info.digest != digest:
            # The source file was damaged. Its content landed under its own digest, which
            # `cairn gc` reclaims when nothing refers to it.
            missing.append(digest)
    return missing


def copy_blob_to(blobs: BlobStore, digest: str, dest: Path) -> Path:
    """Write a blob to ``dest`` (temp name, then rename)."""
    dest.parent.mkdir(parents=True, exist_ok=True)
    tmp = dest.with_name(f".{dest.name}.{os.getpid()}.part")
    try:
        with blobs.open(digest) as src, open(tmp, "wb") as out:
            shutil.copyfileobj(src, out, CHUNK)
        os.replace(tmp, dest)
    except BaseException:
        _unlink(tmp)
        raise
    return dest


def _unlink(path: Path) -> None:
    with contextlib.suppress(FileNotFoundError):
        path.unlink()
