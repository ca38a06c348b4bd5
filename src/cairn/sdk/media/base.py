"""What every logged media object shares, and how media reach the blob store.

A media object (``Image``, ``Table``, …) is built in the training thread, where it checks
its input (``ValueError`` naming the argument and what was wrong) and copies whatever the
user could still change. Encoding (PNG, WAV, JSON, …) happens later, in the run's writer
thread: :func:`encode_objects` turns each media object of a history batch into a typed
reference, a dict with ``_type`` and the blob's ``sha256`` and ``size``, and puts the
bytes into the run's content-addressed blob store, so the same bytes logged twice are
stored once.

This module imports nothing heavy: ``values.py`` checks ``isinstance(value, Media)`` on
the hot path.
"""

from __future__ import annotations

import math
import os
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any, ClassVar, Protocol

MAX_MEDIA_BYTES = 2 * 1024**3
"""A file or encoded medium larger than this is refused (a claim of 10 GB is an error)."""


class _BlobInfo(Protocol):
    @property
    def digest(self) -> str: ...
    @property
    def size(self) -> int: ...


class BlobTarget(Protocol):
    """The part of ``cairn.store.blobs.BlobStore`` that encoding needs."""

    def put_bytes(self, data: bytes) -> Any: ...


class Encoder:
    """Puts the blobs of one history batch into the run's blob store and remembers their
    digests (the record lists them under ``"blobs"``)."""

    def __init__(self, blobs: Callable[[], BlobTarget] | None) -> None:
        self.blobs = blobs
        self.digests: list[str] = []
        self._noted: set[str] = set()  # a table of 10,000 images notes 10,000 digests

    def note(self, digest: str) -> None:
        """Record that the batch references ``digest`` (already in the store)."""
        if digest not in self._noted:
            self._noted.add(digest)
            self.digests.append(digest)

    def _seen(self, info: _BlobInfo) -> dict[str, Any]:
        self.note(info.digest)
        return {"sha256": info.digest, "size": int(info.size)}

    def _target(self) -> BlobTarget:
        if self.blobs is None:
            raise RuntimeError("this run has no blob store (mode disabled?)")
        return self.blobs()

    def put_bytes(self, data: bytes) -> dict[str, Any]:
        """``{"sha256", "size"}`` of ``data``, now in the blob store; ``BlobStoreError``
        when the store cannot take it now (a full disk: worth retrying later)."""
        target = self._target()
        try:
            info = target.put_bytes(bytes(data))
        except OSError as exc:
            raise BlobStoreError(exc) from exc
        return self._seen(info)


class BlobStoreError(Exception):
    """The blob store refused bytes (``OSError``: a full disk, a lost mount). Unlike a
    medium that cannot be encoded, this may pass: the medium is kept and retried."""

    def __init__(self, cause: OSError) -> None:
        super().__init__(str(cause))
        self.cause = cause


class Media:
    """Base class of everything ``log()`` stores as a typed reference to a blob."""

    _type: ClassVar[str] = "media"
    _held: int = 0
    """Bytes this object keeps in memory until the writer thread has encoded it (the
    writer bounds their total: ``RunWriter.max_media_bytes``)."""

    def _encode(self, encoder: Encoder) -> dict[str, Any]:
        """The typed reference stored in history (called in the writer thread)."""
        raise NotImplementedError

    @classmethod
    def _encode_list(cls, items: list[Media], encoder: Encoder) -> Any:
        """What a non-empty list of media of exactly this type, logged under one key, is
        stored as: a list of refs unless the type has wandb's shape for it (images)."""
        return [item._encode(encoder) for item in items]

    def _for_history(self, key: str) -> Media:
        """What ``log()`` keeps of this object under ``key`` (a mutable type returns a
        frozen copy); raise ``ValueError`` naming the key if it cannot be logged."""
        return self

    def __repr__(self) -> str:
        return f"<cairn.{type(self).__name__}>"


def read_source(source: Any, what: str, formats: frozenset[str] | None = None,
                file_type: str | None = None) -> tuple[bytes, str]:
    """The bytes and (lower-case) format of a path or an open file given to ``what``.

    The format is ``file_type`` when given, else the file name's extension (``.pts.json``
    counts as ``pts.json``); ``formats`` limits it. An open file is anything with
    ``read()`` (an ``io.BytesIO`` needs ``file_type``). Files larger than
    ``MAX_MEDIA_BYTES`` are refused."""
    readable = hasattr(source, "read")
    name = getattr(source, "name", None) if readable else source
    if not readable and not isinstance(name, str | os.PathLike):
        raise ValueError(f"{what}: expected a path or an open file; got {type(source).__name__}")
    named = isinstance(name, str | os.PathLike)
    fmt = file_format(str(name)) if named else ""
    if file_type:
        fmt = file_type.lower().lstrip(".")
    if formats is not None and fmt not in formats:
        where = f"{str(name)!r}" if named else "the open file (pass file_type=)"
        raise ValueError(f"{what}: unsupported format {fmt or '(none)'!r} of {where}; "
                         f"use one of {', '.join(sorted(formats))}")
    if hasattr(source, "read"):
        data = source.read(MAX_MEDIA_BYTES + 1)
        data = data.encode() if isinstance(data, str) else bytes(data)
    else:
        path = Path(source)
        try:
            size = path.stat().st_size
            if size > MAX_MEDIA_BYTES:
                raise ValueError(f"{what}: {str(path)!r} is {size} bytes; the limit is "
                                 f"{MAX_MEDIA_BYTES}")
            data = path.read_bytes()
        except OSError as exc:
            raise ValueError(f"{what}: cannot read {str(path)!r}: {exc.strerror or exc}") \
                from exc
    check_size(len(data), what)
    return data, fmt


def check_size(size: int, what: str) -> None:
    if size > MAX_MEDIA_BYTES:
        raise ValueError(f"{what}: {size} bytes is more than the limit of {MAX_MEDIA_BYTES}")


def file_format(name: str) -> str:
    lower = name.lower()
    if lower.endswith(".pts.json"):
        return "pts.json"
    suffix = Path(lower).suffix
    return suffix[1:] if suffix else ""


def json_safe(value: Any) -> Any:
    """JSON has no NaN or infinity: NaN is written as null, infinities as the strings
    "Infinity" / "-Infinity" (as the HTTP API writes them)."""
    if isinstance(value, float) and not math.isfinite(value):
        return None if math.isnan(value) else ("Infinity" if value > 0 else "-Infinity")
    if isinstance(value, list):
        return [json_safe(v) for v in value]
    if isinstance(value, dict):
        return {k: json_safe(v) for k, v in value.items()}
    return value


def check_caption(caption: Any, what: str) -> str | None:
    if caption is None:
        return None
    if not isinstance(caption, str | int | float):
        raise ValueError(f"{what}: caption must be a string; got {type(caption).__name__}")
    return str(caption)


def held_bytes(value: Any) -> int:
    """Memory that a logged value's media hold until they are encoded (media may sit in
    lists and dicts at any depth)."""
    if isinstance(value, Media):
        return value._held
    if type(value) is list or type(value) is tuple:
        return sum(held_bytes(v) for v in value) if value else 0
    if type(value) is dict:
        return sum(held_bytes(v) for v in value.values())
    return 0


def has_media(value: Any) -> bool:
    """Whether a logged value holds a media object anywhere inside it."""
    if isinstance(value, Media):
        return True
    if type(value) is list or type(value) is tuple:
        return any(has_media(v) for v in value)
    if type(value) is dict:
        return any(has_media(v) for v in value.values())
    return False


def encode_value(value: Any, encoder: Encoder, lists: bool = True) -> Any:
    """A history value with its media objects, at any depth in lists and dicts, turned
    into refs (a new value: the logged one is left as it is, so a retry starts over).

    A list of media all of one type, logged as a key's value (or a nested dict's, which
    is a key of its own in wandb), is encoded by that type (``Media._encode_list``), as
    wandb does; lists inside lists, and everything with ``lists=False`` (a table's cells,
    which wandb stores item by item), stay lists of refs."""
    if isinstance(value, Media):
        return value._encode(encoder)
    if type(value) is list or type(value) is tuple:
        if lists and value and isinstance(value[0], Media) and \
                all(type(v) is type(value[0]) for v in value):
            return type(value[0])._encode_list(list(value), encoder)
        return [encode_value(v, encoder, lists=False) for v in value]
    if type(value) is dict:
        return {k: encode_value(v, encoder, lists) for k, v in value.items()}
    return value


def encode_objects(objects: dict[str, list[tuple[int, Any]]], encoder: Encoder,
                   warn: Callable[[str, str], None], deadline: float | None = None,
                   ) -> tuple[int, BlobStoreError | None, bool]:
    """Replace the media objects among a batch's ``(step, value)`` pairs by their refs.

    Returns the bytes the encoded ones held (see ``held_bytes``), the blob store's error
    if it refused bytes, and whether every value is encoded. Encoding stops early at such
    an error, or once ``time.monotonic()`` passes ``deadline`` (after at least one value):
    the values not encoded yet keep their media objects for a later call (values already
    encoded are refs, which encode to themselves).

    A medium that cannot be encoded (bad data, a missing codec) is stored as ``None``
    after a warning: the rest of the row is kept."""
    released = 0
    encoded = 0
    for key, pairs in objects.items():
        for i, (step, value) in enumerate(pairs):
            if not has_media(value):
                continue
            if deadline is not None and encoded and time.monotonic() > deadline:
                return released, None, False
            held = held_bytes(value)
            try:
                pairs[i] = (step, encode_value(value, encoder))
            except BlobStoreError as exc:
                return released, exc, False
            except Exception as exc:  # never into training: warn once, keep the row
                warn(f"media:{key}", f"cairn: could not store the {type(value).__name__} "
                     f"logged under {key!r} at step {step} ({exc}); stored None instead")
                pairs[i] = (step, None)
            released += held
            encoded += 1
    return released, None, True
