"""An artifact's manifest: its entries (a name inside the artifact, the content's digest
and size, or a reference URI) and the digest of the whole, which identifies a version's
content: two artifacts with the same entries have the same digest, whatever their
metadata, so logging identical content again creates no new version."""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from cairn.limits import check_file_name

if TYPE_CHECKING:
    from cairn.sdk.artifacts.artifact import Artifact


@dataclass
class ArtifactManifestEntry:
    """One file of an artifact. ``digest`` is the sha256 of stored content; for a
    reference (``ref`` set) it is the checksum the source reported (an ETag, a sha256, or
    the URI itself with ``checksum=False``) and nothing is stored."""

    path: str
    digest: str
    size: int | None = None
    ref: str | None = None
    extra: dict[str, Any] = field(default_factory=dict)
    local_path: str | None = None
    """Where the content is on this machine while the artifact is being built."""
    _artifact: Artifact | None = field(default=None, repr=False, compare=False)

    @property
    def name(self) -> str:
        return self.path

    @property
    def stored(self) -> bool:
        """Whether the content is in the blob store (not only at a reference)."""
        return self.ref is None

    def download(self, root: str | None = None, skip_cache: bool | None = None) -> str:
        """Fetch this file (below ``root``, default the artifact's folder); its path."""
        if self._artifact is None:
            raise ValueError(f"entry {self.path!r} belongs to no artifact")
        from cairn.sdk.artifacts.download import download_entries

        folder = self._artifact._download_root(root)
        download_entries(self._artifact, [self], folder)
        return str(folder / self.path)

    def ref_url(self) -> str:
        if self.ref is None:
            raise ValueError(f"entry {self.path!r} is not a reference")
        return self.ref

    def to_row(self) -> list[Any]:
        return [self.path, self.digest, self.size, self.ref, self.extra or None]

    @classmethod
    def from_row(cls, row: list[Any]) -> ArtifactManifestEntry:
        path, digest, size, ref, extra = row
        return cls(check_file_name(str(path)), str(digest),
                   None if size is None else int(size), ref, dict(extra or {}))


class ArtifactManifest:
    """The entries of an artifact by name."""

    def __init__(self, entries: Iterable[ArtifactManifestEntry] = ()) -> None:
        self.entries: dict[str, ArtifactManifestEntry] = {e.path: e for e in entries}

    def __iter__(self) -> Iterator[ArtifactManifestEntry]:
        return iter(self.entries.values())

    def __len__(self) -> int:
        return len(self.entries)

    def __contains__(self, name: object) -> bool:
        return name in self.entries

    def add(self, entry: ArtifactManifestEntry) -> None:
        existing = self.entries.get(entry.path)
        if existing is not None and (existing.digest, existing.ref) != (entry.digest, entry.ref):
            raise ValueError(f"the artifact already has a different file named {entry.path!r}; "
                             "remove() it first or choose another name")
        self.entries[entry.path] = entry

    def digest(self) -> str:
        """sha256 over the sorted entries: name, content digest and reference (the store
        computes it the same way for a draft it merged: ``store/artifacts.py``)."""
        from cairn.store.artifacts import manifest_digest

        return manifest_digest(self.to_rows())

    @property
    def size(self) -> int:
        return sum(e.size or 0 for e in self.entries.values())

    def blob_digests(self) -> list[str]:
        """The distinct stored blobs the entries need."""
        return sorted({e.digest for e in self.entries.values() if e.stored})

    def to_rows(self) -> list[list[Any]]:
        return [self.entries[name].to_row() for name in sorted(self.entries)]

    @classmethod
    def from_rows(cls, rows: Iterable[list[Any]]) -> ArtifactManifest:
        return cls(ArtifactManifestEntry.from_row(list(r)) for r in rows)

    def to_json(self) -> dict[str, Any]:
        """wandb's manifest shape (``contents`` by name)."""
        return {"version": 1, "storagePolicy": "cairn-cas-sha256",
                "contents": {e.path: _entry_json(e) for e in self}}


def _entry_json(entry: ArtifactManifestEntry) -> Mapping[str, Any]:
    out: dict[str, Any] = {"digest": entry.digest, "size": entry.size}
    if entry.ref is not None:
        out["ref"] = entry.ref
    if entry.extra:
        out["extra"] = entry.extra
    return out
