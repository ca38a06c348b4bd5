"""``cairn.Artifact``: a versioned, content-addressed set of files, as wandb's ``Artifact``.

An artifact is built (``add_file``, ``add_dir``, ``new_file``, ``add_reference``,
``add``), then logged by a run (``run.log_artifact``) or fetched (``run.use_artifact``,
``Api().artifact``). The store assigns versions when it applies the run's ``artifact``
record (``store/artifacts.py``); ``wait()`` returns once it has. A fetched artifact is
read-only except for its aliases, description and metadata (``save()``).

Content goes into the blob store by sha256, so files shared by versions (or artifacts)
are stored once. ``policy="mutable"`` (the default) copies a file into the blob store when
it is added, so later edits of the file do not change the artifact; ``"immutable"`` only
hashes it then and copies it when the artifact is logged.
"""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import tempfile
import time
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import IO, TYPE_CHECKING, Any, Protocol

from cairn.artifact_names import check_aliases, check_artifact_name, check_artifact_type
from cairn.errors import NotFoundError, UsageError
from cairn.limits import check_file_name
from cairn.sdk.artifacts.hashing import DigestCache, file_sha256, hash_files
from cairn.sdk.artifacts.manifest import ArtifactManifest, ArtifactManifestEntry

if TYPE_CHECKING:
    from cairn.sdk.run import Run
    from cairn.settings import Settings
    from cairn.store.blobs import BlobStore

ADD_POLICIES = ("mutable", "immutable")


def _json_safe(value: Any, what: str) -> dict[str, Any]:
    if value is None:
        return {}
    if not isinstance(value, dict):
        raise ValueError(f"artifact {what} must be a dict; got {type(value).__name__}")
    try:
        json.dumps(value, allow_nan=True)
    except (TypeError, ValueError) as exc:
        raise ValueError(f"artifact {what} must be JSON-serialisable: {exc}") from exc
    return dict(value)



class StoredVersion(Protocol):
    """Where a stored version lives, and what only the store can do with it: the read
    API's ``ArtifactSource`` (``api/artifacts.py``), which the SDK does not import."""

    digest: str
    """As stored: lineage names the version by it."""

    @property
    def blobs(self) -> BlobStore: ...

    @property
    def root(self) -> Path:
        """The cairn folder of the reader (its download and digest caches)."""
        ...

    def save(self, artifact: Artifact) -> None: ...

    def delete(self, artifact: Artifact, delete_aliases: bool) -> None: ...

    def producer(self) -> Any:
        """The run that logged the version (None if it was deleted)."""
        ...

    def consumers(self) -> list[Any]:
        """The runs that used it."""
        ...

class Artifact:
    """A versioned set of files. See the module docstring."""

    def __init__(self, name: str, type: str, description: str | None = None,
                 metadata: dict[str, Any] | None = None, incremental: bool = False,
                 use_as: str | None = None) -> None:
        self._name = check_artifact_name(name)
        self._type = check_artifact_type(type)
        self._description = str(description or "")
        self._metadata = _json_safe(metadata, "metadata")
        self._manifest = ArtifactManifest()
        self._client_id = uuid.uuid4().hex
        self._aliases: list[str] = []
        self._saved_aliases: list[str] = []
        self._version: int | None = None
        self._entity: str | None = None
        self._project: str | None = None
        self._created_at: float | None = None
        self._source: StoredVersion | None = None
        self._logged_by: Run | None = None
        self._staging: BlobStore | None = None
        self._staged: set[str] = set()
        self.incremental = incremental
        self.use_as = use_as
        self.distributed_id: str | None = None
        """wandb's distributed artifacts: the id whose draft version this artifact joined
        (``Run.upsert_artifact`` / ``finish_artifact``)."""
        self._draft = False
        """Upserted into a draft: it has no version of its own until a finish."""

    # ---- identity --------------------------------------------------------------------
    @property
    def name(self) -> str:
        """``name:v3`` once the store assigned a version, the bare name before."""
        return self._name if self._version is None else f"{self._name}:v{self._version}"

    @property
    def source_name(self) -> str:
        return self.name

    @property
    def collection_name(self) -> str:
        return self._name

    @property
    def type(self) -> str:
        return self._type

    @property
    def version(self) -> str:
        if self._version is None:
            raise UsageError(f"artifact {self._name!r} has no version yet; log it and wait()")
        return f"v{self._version}"

    @property
    def entity(self) -> str | None:
        return self._entity

    @property
    def project(self) -> str | None:
        return self._project

    @property
    def qualified_name(self) -> str:
        return f"{self._entity}/{self._project}/{self.name}"

    @property
    def id(self) -> str | None:
        return None if self._version is None else self.qualified_name

    @property
    def state(self) -> str:
        return "PENDING" if self._version is None else "COMMITTED"

    @property
    def created_at(self) -> float | None:
        return self._created_at

    @property
    def description(self) -> str:
        return self._description

    @description.setter
    def description(self, value: str | None) -> None:
        self._description = str(value or "")

    @property
    def metadata(self) -> dict[str, Any]:
        return self._metadata

    @metadata.setter
    def metadata(self, value: dict[str, Any]) -> None:
        self._metadata = _json_safe(value, "metadata")

    @property
    def aliases(self) -> list[str]:
        """Editable: change the list, then ``save()``."""
        return self._aliases

    @aliases.setter
    def aliases(self, value: list[str]) -> None:
        self._aliases = check_aliases(value)

    @property
    def manifest(self) -> ArtifactManifest:
        return self._manifest

    @property
    def digest(self) -> str:
        return self._manifest.digest()

    @property
    def size(self) -> int:
        return self._manifest.size

    @property
    def file_count(self) -> int:
        return len(self._manifest)

    def __repr__(self) -> str:
        return f"<cairn.Artifact {self.name} ({self._type})>"

    # ---- building --------------------------------------------------------------------
    def _editable(self) -> None:
        if self._version is not None or self._logged_by is not None:
            raise UsageError(f"artifact {self.name!r} is logged; its files cannot change "
                             "(build a new Artifact for a new version)")

    def _settings(self) -> Settings:
        from cairn.sdk.init import current
        from cairn.settings import load_settings

        run = current()
        return run.settings if run is not None else load_settings()

    def _staging_blobs(self) -> BlobStore:
        """Where ``mutable`` files are copied when added: the current run's blob store, or
        the cairn folder's."""
        if self._staging is None:
            from cairn.sdk.init import current

            run = current()
            if run is not None and not run.disabled:
                self._staging = run._blobs
            else:
                from cairn.backend import open_backend

                self._staging = open_backend(settings=self._settings()).blobs
        return self._staging

    def _add_local(self, files: list[tuple[Path, str]], policy: str) -> list[
            ArtifactManifestEntry]:
        if policy not in ADD_POLICIES:
            raise ValueError(f"policy must be 'mutable' or 'immutable'; got {policy!r}")
        names = [check_file_name(name) for _, name in files]
        for path, name in zip((p for p, _ in files), names, strict=True):
            existing = self._manifest.entries.get(name)
            if existing is not None and existing.local_path != str(path):
                raise ValueError(f"the artifact already has a file named {name!r}; remove() "
                                 "it first or choose another name")
        blobs = self._staging_blobs() if policy == "mutable" and files else None

        def copy_in(path: Path) -> tuple[str, int]:
            assert blobs is not None
            info = blobs.put_file(path)
            return info.digest, info.size

        cache = DigestCache(self._settings().root / "cache" / "digests.db")
        try:
            digests = hash_files([p for p, _ in files], cache,
                                 compute=file_sha256 if blobs is None else copy_in,
                                 label=f"adding to {self._name}")
        finally:
            cache.close()
        entries = []
        for (path, _), name, (digest, size) in zip(files, names, digests, strict=True):
            if blobs is not None and digest not in self._staged:
                if not blobs.has(digest):  # known from the digest cache, not stored yet
                    digest, size = copy_in(path)
                self._staged.add(digest)
            entry = ArtifactManifestEntry(name, digest, size, local_path=str(path),
                                          _artifact=self)
            self._manifest.entries[name] = entry
            entries.append(entry)
        return entries

    def add_file(self, local_path: str | os.PathLike[str], name: str | None = None,
                 is_tmp: bool | None = False, skip_cache: bool | None = False,
                 policy: str = "mutable", overwrite: bool = False) -> ArtifactManifestEntry:
        """Add one file, as ``name`` (default: its file name)."""
        self._editable()
        path = Path(os.fspath(local_path))
        if not path.is_file():
            raise ValueError(f"add_file: {str(path)!r} is not a file")
        entry_name = path.name if name is None else name
        if overwrite:
            self._manifest.entries.pop(check_file_name(entry_name), None)
        return self._add_local([(path, entry_name)], policy)[0]

    def add_dir(self, local_path: str | os.PathLike[str], name: str | None = None,
                skip_cache: bool | None = False, policy: str = "mutable",
                merge: bool = False) -> None:
        """Add every file below a folder, by its path below it (under ``name/``). Symlinks
        are followed for reading wherever they point (a Hugging Face cache snapshot links
        every file into a shared ``blobs/`` folder); the names stay paths below the
        folder. A link back to a folder above it (a cycle) is not followed."""
        self._editable()
        root = Path(os.fspath(local_path))
        if not root.is_dir():
            raise ValueError(f"add_dir: {str(root)!r} is not a folder")
        prefix = "" if not name else check_file_name(name) + "/"
        files: list[tuple[Path, str]] = []
        # the real folders on the way down to each folder: a link back to one is a cycle
        chains: dict[str, frozenset[str]] = {str(root): frozenset()}
        for folder, dirs, names in os.walk(root, followlinks=True):
            chain = chains.pop(folder) | {os.path.realpath(folder)}
            dirs[:] = sorted(d for d in dirs
                             if os.path.realpath(os.path.join(folder, d)) not in chain)
            for d in dirs:
                chains[os.path.join(folder, d)] = chain
            for file in sorted(names):
                path = Path(folder) / file
                if os.path.isfile(path):
                    files.append((path, prefix + path.relative_to(root).as_posix()))
        self._add_local(files, policy)

    @contextlib.contextmanager
    def new_file(self, name: str, mode: str = "x", encoding: str | None = None
                 ) -> Iterator[IO[Any]]:
        """Write a new file straight into the artifact: ``with a.new_file("x.txt") as f:``."""
        self._editable()
        name = check_file_name(name)
        if name in self._manifest:
            raise ValueError(f"the artifact already has a file named {name!r}")
        if mode not in ("x", "w", "xb", "wb"):
            raise ValueError(f"new_file mode must be 'x', 'w', 'xb' or 'wb'; got {mode!r}")
        folder = tempfile.mkdtemp(prefix="cairn-artifact-")
        try:
            path = Path(folder) / Path(name).name
            with open(path, mode, encoding=None if "b" in mode else (encoding or "utf-8")
                      ) as fh:
                yield fh
            entry = self._add_local([(path, name)], "mutable")[0]
            entry.local_path = None  # the content is a staged blob now; the folder goes
        finally:
            shutil.rmtree(folder, ignore_errors=True)

    def add_reference(self, uri: Any, name: str | None = None, checksum: bool = True,
                      max_objects: int | None = None) -> list[ArtifactManifestEntry]:
        """Track content by URI (``file://``, ``s3://``, ``http(s)://``) without copying it."""
        self._editable()
        from cairn.sdk.artifacts.references import resolve_reference

        entries = resolve_reference(str(uri), name, checksum, max_objects)
        for entry in entries:
            entry._artifact = self
            self._manifest.add(entry)
        return entries

    def add(self, obj: Any, name: str, overwrite: bool = False) -> ArtifactManifestEntry:
        """Add a logged-media object (``cairn.Table``, ``cairn.Image``, …: anything with
        the media ``_encode`` protocol) as ``name.<type>.json`` plus its blobs under
        ``media/``; or a JSON-serialisable object (or one with ``to_json()``) as
        ``name.json``."""
        self._editable()
        if hasattr(obj, "_encode") and hasattr(obj, "_type"):
            payload: Any = self._encode_media(obj)
            file_name = f"{name}.{obj._type}.json"
        else:
            payload = obj.to_json() if hasattr(obj, "to_json") else obj
            file_name = name if name.endswith(".json") else f"{name}.json"
        if overwrite:
            self._manifest.entries.pop(check_file_name(file_name), None)
        try:
            data = json.dumps(payload, sort_keys=True).encode()
        except (TypeError, ValueError) as exc:
            raise ValueError(f"add({name!r}): the object is not JSON-serialisable: {exc}") \
                from exc
        with self.new_file(file_name, mode="xb") as fh:
            fh.write(data)
        return self._manifest.entries[check_file_name(file_name)]

    def _encode_media(self, obj: Any) -> Any:
        """The media object's typed reference; the blobs it wrote become ``media/<sha256>``
        entries, so they are downloaded, verified and kept from ``cairn gc`` with it."""
        blobs = self._staging_blobs()
        sizes: dict[str, int] = {}

        class _Collect:
            def put_bytes(self, data: bytes) -> dict[str, Any]:
                info = blobs.put_bytes(bytes(data))
                sizes[info.digest] = info.size
                return {"sha256": info.digest, "size": info.size}

            def note(self, digest: str) -> None:
                sizes.setdefault(digest, blobs.size(digest))

        reference = obj._encode(_Collect())
        for digest, size in sizes.items():
            self._staged.add(digest)
            self._manifest.entries[f"media/{digest}"] = ArtifactManifestEntry(
                f"media/{digest}", digest, size, _artifact=self)
        return reference

    def remove(self, item: str | ArtifactManifestEntry) -> None:
        """Remove a file (by name or entry), or every file below a folder name."""
        self._editable()
        name = item.path if isinstance(item, ArtifactManifestEntry) else str(item)
        removed = [n for n in self._manifest.entries
                   if n == name or n.startswith(name.rstrip("/") + "/")]
        if not removed:
            raise FileNotFoundError(f"artifact {self._name!r} has no file or folder {name!r}")
        for n in removed:
            del self._manifest.entries[n]

    def get_entry(self, name: str) -> ArtifactManifestEntry:
        entry = self._manifest.entries.get(name)
        if entry is None:
            raise KeyError(f"artifact {self.name!r} has no file {name!r}")
        return entry

    def get_path(self, name: str) -> ArtifactManifestEntry:
        return self.get_entry(name)

    def get(self, name: str) -> Any:
        """What ``add(obj, name)`` stored: a ``cairn.Table`` for a table, a ``MediaFile``
        (its typed reference, with its bytes) for other media, the JSON for anything else;
        None if absent."""
        entry = self._manifest.entries.get(name if name.endswith(".json") else f"{name}.json")
        if entry is None:
            found = [e for n, e in self._manifest.entries.items()
                     if n.startswith(f"{name}.") and n.endswith(".json") and "/" not in n[
                         len(name):]]
            if len(found) != 1:
                return None
            entry = found[0]
        with self._open_entry(entry) as fh:
            return self._as_media(json.loads(fh.read()))

    def _as_media(self, payload: Any) -> Any:
        """A stored media reference as the object wandb's ``Artifact.get`` returns."""
        from cairn.sdk.media.stored import FILE_TYPES, MediaFile

        if not (isinstance(payload, dict) and payload.get("_type") in FILE_TYPES
                and ("sha256" in payload or "table" in payload)):
            return payload
        if self._version is None:
            media = MediaFile(payload, self._staging_blobs)
        else:
            media = MediaFile(payload, lambda: self._require_source().blobs)
        return media.table() if media.type == "table-file" else media

    def _open_entry(self, entry: ArtifactManifestEntry) -> IO[bytes]:
        if self._version is None:
            if self._staging is not None and entry.digest in self._staged:
                return self._staging.open(entry.digest)  # the content as it was added
            if entry.local_path is not None:
                return open(entry.local_path, "rb")
        return self._require_source().blobs.open(entry.digest)

    # ---- after logging ---------------------------------------------------------------
    def _require_source(self) -> StoredVersion:
        if self._source is None:
            if self._logged_by is not None:
                self.wait()
            if self._source is None:
                raise UsageError(f"artifact {self._name!r} is not in a store yet; log it "
                                 "with run.log_artifact() and call wait()")
        return self._source

    def wait(self, timeout: int | None = None) -> Artifact:
        """Block until the store has assigned this logged artifact its version."""
        if self._version is not None:
            return self
        run = self._logged_by
        if self._draft:
            raise UsageError(f"artifact {self._name!r} was upserted into the draft of "
                             f"distributed id {self.distributed_id!r}: it gets a version when "
                             "run.finish_artifact() commits the draft; wait on the artifact "
                             "finish_artifact() returns")
        if run is None:
            raise UsageError(f"artifact {self._name!r} has not been logged; call "
                             "run.log_artifact() first")
        from cairn.sdk.artifacts.run_artifacts import wait_for_version

        wait_for_version(run, self, timeout)
        return self

    def _download_root(self, root: str | os.PathLike[str] | None) -> Path:
        if root is not None:
            return Path(os.fspath(root))
        return Path("artifacts") / self.name.replace(":", "-" if os.name == "nt" else ":")

    def download(self, root: str | os.PathLike[str] | None = None,
                 allow_missing_references: bool = False, skip_cache: bool | None = None,
                 path_prefix: str | None = None, multipart: bool | None = None) -> str:
        """Fetch every file (below ``path_prefix``) into ``root`` (default
        ``./artifacts/name:vN``); files already there with the right content are kept."""
        from cairn.sdk.artifacts.download import download_entries

        self._require_source()
        folder = self._download_root(root)
        entries = [e for e in self._manifest
                   if path_prefix is None or e.path.startswith(path_prefix)]
        download_entries(self, entries, folder, allow_missing_references)
        return str(folder)

    def file(self, root: str | os.PathLike[str] | None = None) -> str:
        """The path of the only file of a one-file artifact, downloaded."""
        if len(self._manifest) != 1:
            raise ValueError(f"artifact {self.name!r} has {len(self._manifest)} files; file() "
                             "is for one-file artifacts (use download())")
        entry = next(iter(self._manifest))
        return entry.download(None if root is None else str(root))

    def checkout(self, root: str | os.PathLike[str] | None = None) -> str:
        """Make ``root`` hold exactly the artifact's files: download, then delete the rest."""
        folder = Path(self.download(root))
        wanted = {folder / e.path for e in self._manifest}
        for dirpath, _, names in os.walk(folder, topdown=False):
            for file in names:
                path = Path(dirpath) / file
                if path not in wanted:
                    path.unlink()
            if Path(dirpath) != folder and not os.listdir(dirpath):
                os.rmdir(dirpath)
        return str(folder)

    def verify(self, root: str | os.PathLike[str] | None = None) -> None:
        """Re-hash the files in ``root`` against the manifest; ValueError listing every
        missing, changed or extra file."""
        from cairn.sdk.artifacts.download import verify_folder

        problems = verify_folder(self, self._download_root(root))
        if problems:
            shown = "\n  ".join(problems[:50])
            more = f"\n  … and {len(problems) - 50} more" if len(problems) > 50 else ""
            raise ValueError(f"{len(problems)} files of {self._download_root(root)} do not "
                             f"match artifact {self.name}:\n  {shown}{more}")

    # ---- edits of a stored version ---------------------------------------------------
    def save(self) -> None:
        """Store changed aliases, description and metadata (of a version in the store)."""
        self._require_source().save(self)

    def delete(self, delete_aliases: bool = False) -> None:
        """Delete this version (its blobs are reclaimed by ``cairn gc`` once nothing else
        uses them). A version with aliases other than ``latest`` needs ``delete_aliases``."""
        self._require_source().delete(self, delete_aliases)

    def logged_by(self) -> Any:
        return self._require_source().producer()

    def used_by(self) -> list[Any]:
        return self._require_source().consumers()

    def _mark_stored(self, source: StoredVersion, version: int, aliases: list[str],
                     entity: str, project: str, created_at: float | None) -> None:
        self._source = source
        self._version = version
        self._aliases = list(aliases)
        self._saved_aliases = list(aliases)
        self._entity, self._project = entity, project
        self._created_at = created_at or time.time()
        for entry in self._manifest:
            entry._artifact = self


def not_found(path: str, root: Path) -> NotFoundError:
    return NotFoundError(f"no artifact {path!r} in {root}")
