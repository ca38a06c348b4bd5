"""Media read back from history: each stored reference comes back as a :class:`MediaFile`,
the reference dict as stored (so ``row["img"]["_type"]`` works as in wandb) with ways to
get at its file: ``open()``, ``read_bytes()``, ``download(root)``, and per type
``image()`` (PIL), ``table()`` (a ``cairn.Table``), ``json()``, ``text()``.

A list of images logged under one key is stored in wandb's ``images/separated`` shape
(``count``, ``filenames``, ``captions`` …) and read back as that dict, its ``images`` a
list of MediaFiles; rows stored before that shape hold a plain list of references."""

from __future__ import annotations

import io
import json
import re
from collections.abc import Callable, Iterable, Iterator
from pathlib import Path
from typing import IO, Any

_SAFE_FORMAT = re.compile(r"[a-z0-9]{1,8}(\.[a-z0-9]{1,8})?")
_HEX = re.compile(r"[0-9a-f]{64}")
FILE_TYPES = {"image-file": "images", "table-file": "tables",
              "incremental-table-file": "tables", "audio-file": "audio",
              "video-file": "videos", "object3D-file": "object3D", "html-file": "html",
              "plotly-file": "plotly", "custom-chart": "charts", "molecule-file": "molecule",
              "graph-file": "graph", "joined-table": "joined-tables"}


class MediaFile(dict[str, Any]):
    """One logged medium: its stored reference (type, ``sha256``, ``size``, format, caption
    and the type's own fields) and its bytes, read from the blob store."""

    def __init__(self, ref: dict[str, Any], blobs: Callable[[], Any]) -> None:
        super().__init__(ref)
        self._blobs = blobs
        # wandb's key, for Api().run(...).file(row["img"]["path"]); derived, never stored
        self["path"] = self.name

    @property
    def type(self) -> str:
        return str(self["_type"])

    @property
    def digest(self) -> str:
        """The blob's sha256 (a custom chart's: its table's)."""
        if self.type == "custom-chart":
            return str(self["table"]["sha256"])
        return str(self["sha256"])

    @property
    def caption(self) -> str | None:
        return self.get("caption")

    @property
    def name(self) -> str:
        """A file name for it, also its ``path``: ``media/<kind>/<sha256>.<format>``,
        which ``Run.file`` resolves."""
        kind = FILE_TYPES.get(self.type, "files")
        fmt = str(self.get("format") or "bin")
        if not _SAFE_FORMAT.fullmatch(fmt):  # a stored reference is data: never a path
            fmt = "bin"
        digest = self.digest if _HEX.fullmatch(self.digest) else "unknown"
        return f"media/{kind}/{digest}.{fmt}"

    def open(self) -> IO[bytes]:
        """The file's bytes, streamed from the blob store."""
        stream: IO[bytes] = self._blobs().open(self.digest)
        return stream

    def read_bytes(self) -> bytes:
        with self.open() as stream:
            return stream.read()

    def download(self, root: str | Path = ".", replace: bool = False,
                 exist_ok: bool = False) -> Path:
        """Write the file to ``root / self.name`` and return its path."""
        target = Path(root) / self.name
        if target.exists() and not replace:
            if exist_ok:
                return target
            raise FileExistsError(f"{target} exists; pass replace=True or exist_ok=True")
        target.parent.mkdir(parents=True, exist_ok=True)
        tmp = target.with_name(target.name + ".part")
        with self.open() as src, open(tmp, "wb") as out:
            while chunk := src.read(1 << 20):
                out.write(chunk)
        tmp.replace(target)
        return target

    def _expect(self, *types: str) -> None:
        if self.type not in types:
            raise ValueError(f"this is a {self.type}, not a {' or '.join(types)}")

    def image(self) -> Any:
        """The image (or a mask group's ``masks[group]``) as a PIL image."""
        self._expect("image-file")
        from cairn.sdk.media.image import pil

        return pil().open(io.BytesIO(self.read_bytes()))

    def mask(self, group: str) -> Any:
        """The class-id mask of ``group`` as a PIL image (mode ``L``)."""
        self._expect("image-file")
        spec = (self.get("masks") or {}).get(group)
        if spec is None:
            raise KeyError(f"no mask group {group!r} (groups: {sorted(self.get('masks') or {})})")
        from cairn.sdk.media.image import pil

        with self._blobs().open(spec["sha256"]) as stream:
            return pil().open(io.BytesIO(stream.read()))

    def json(self) -> Any:
        self._expect("table-file", "incremental-table-file", "plotly-file", "object3D-file",
                     "custom-chart", "graph-file", "joined-table")
        return json.loads(self.read_bytes())

    def spec(self) -> Any:
        """A custom chart's Vega-Lite spec (with its ``${field:…}`` inputs)."""
        self._expect("custom-chart")
        with self._blobs().open(self["spec"]) as stream:
            return json.loads(stream.read())

    def text(self) -> str:
        return self.read_bytes().decode("utf-8", errors="replace")

    def table(self) -> Any:
        """The logged table as a ``cairn.Table``; media cells are :class:`MediaFile`. An
        increment of an INCREMENTAL table reads as the whole table up to it (as wandb's
        ``Table`` reads one back); ``json()`` is the increment's own rows."""
        self._expect("table-file", "incremental-table-file", "custom-chart")
        from cairn.sdk.media.table import LOG_MODES, Table

        doc = self.json()
        ref = self["table"] if self.type == "custom-chart" else self
        mode = ref.get("log_mode")
        rows = [row for digest in ref.get("previous_increments") or []
                for row in self._blob_json(digest)["data"]]
        table = Table(columns=doc["columns"], log_mode=mode if mode in LOG_MODES else "IMMUTABLE")
        table.data = [[_media(cell, self._blobs) for cell in row]
                      for row in [*rows, *doc["data"]]]
        return table

    def _blob_json(self, digest: str) -> Any:
        with self._blobs().open(digest) as stream:
            return json.loads(stream.read())

    def __repr__(self) -> str:
        return f"<MediaFile {self.type} {self.digest[:12]} {self.get('size')} bytes>"


_MEDIA_PATH = re.compile(r"media/[A-Za-z0-9]{1,16}/([0-9a-f]{64})\.[a-z0-9]{1,8}(\.[a-z0-9]{1,8})?")


def media_file_row(name: str, blobs: Any, at: float) -> Any:
    """A ``RunFile`` for a medium's ``path`` (``media/<kind>/<sha256>.<format>``) whose
    blob is in the store, so ``Run.file(row["img"]["path"])`` works as in wandb; None for
    any other name."""
    from cairn.store.base import RunFile

    match = _MEDIA_PATH.fullmatch(name)
    if match is None or not blobs.has(match.group(1)):
        return None
    digest = match.group(1)
    return RunFile(name, digest, blobs.size(digest), None, "media", at)


def _media(value: Any, blobs: Callable[[], Any]) -> Any:
    if type(value) is dict and value.get("_type") == "images/separated":
        # wandb's shape of a list of images; each image's own reference is under "images"
        return {**value, "images": _media(value.get("images") or [], blobs)}
    if type(value) is dict and value.get("_type") in FILE_TYPES and \
            ("sha256" in value or "table" in value):
        return MediaFile(value, blobs)
    if type(value) is list and value and type(value[0]) is dict:
        return [_media(v, blobs) for v in value]
    return value


def with_media(rows: Iterable[dict[str, Any]], keys: set[str],
               blobs: Callable[[], Any]) -> Iterator[dict[str, Any]]:
    """``rows`` with the media references under ``keys`` turned into MediaFiles."""
    for row in rows:
        for key in keys:
            value = row.get(key)
            if value is not None and type(value) in (dict, list):
                row[key] = _media(value, blobs)
        yield row
