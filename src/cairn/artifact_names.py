"""Artifact names, types, aliases and the ``entity/project/name:alias`` paths that name a
version, validated as wandb does, with errors that say what to change."""

from __future__ import annotations

import re
import warnings
from typing import NamedTuple

MAX_LENGTH = 128
_NAME = re.compile(r"^[A-Za-z0-9_\-.]+$")
_VERSION = re.compile(r"^v(\d+)$")
_DIGEST = re.compile(r"^[0-9a-f]{64}$")
# Types that wandb keeps for itself, and ours.
_RESERVED_TYPES = frozenset({"job", "wandb-history"})
_RESERVED_TYPE_PREFIXES = ("wandb-", "cairn-")


def check_artifact_name(name: object) -> str:
    """An artifact's name: letters, digits, ``-``, ``_`` and ``.``, at most 128 long."""
    if not isinstance(name, str) or not name:
        raise ValueError(f"artifact name must be a non-empty string; got {name!r}")
    if len(name) > MAX_LENGTH:
        raise ValueError(f"artifact name {name[:40]!r}… is {len(name)} characters long; the "
                         f"limit is {MAX_LENGTH}")
    if not _NAME.match(name):
        raise ValueError(f"artifact name {name!r} may only contain letters, digits, dashes, "
                         "underscores and dots (no '/' or ':'; put the version or alias "
                         "after ':' when you fetch it)")
    return name


def check_artifact_type(type_: object) -> str:
    """An artifact's type (``dataset``, ``model``, …): the name rules, minus the reserved
    types ``job`` and ``wandb-*`` / ``cairn-*``."""
    if not isinstance(type_, str) or not type_:
        raise ValueError(f"artifact type must be a non-empty string; got {type_!r}")
    if len(type_) > MAX_LENGTH or not _NAME.match(type_):
        raise ValueError(f"artifact type {type_!r} may only contain letters, digits, dashes, "
                         f"underscores and dots, at most {MAX_LENGTH}")
    if type_ in _RESERVED_TYPES or type_.startswith(_RESERVED_TYPE_PREFIXES):
        raise ValueError(f"artifact type {type_!r} is reserved for internal use (job, "
                         "wandb-*, cairn-*)")
    return type_


def check_alias(alias: object) -> str:
    """An alias: no ``/`` or ``:``, and not a version (``v3`` names a version already)."""
    if not isinstance(alias, str) or not alias:
        raise ValueError(f"an artifact alias must be a non-empty string; got {alias!r}")
    if len(alias) > MAX_LENGTH:
        raise ValueError(f"artifact alias {alias[:40]!r}… is longer than {MAX_LENGTH}")
    if "/" in alias or ":" in alias:
        raise ValueError(f"artifact alias {alias!r} must not contain '/' or ':'")
    if _VERSION.match(alias):
        raise ValueError(f"artifact alias {alias!r} looks like a version; versions are "
                         "assigned by the store (v0, v1, …)")
    if any(ord(c) < 32 for c in alias):
        raise ValueError(f"artifact alias {alias!r} contains a control character")
    return alias


def check_aliases(aliases: object, ignore_versions: bool = True) -> list[str]:
    """A list of aliases (a single string counts as one), without duplicates. Aliases
    like ``v3`` are dropped with a warning, as wandb ignores them (versions are assigned
    by the store); with ``ignore_versions=False`` they raise like any bad alias."""
    from cairn.errors import CairnWarning

    if aliases is None:
        return []
    if isinstance(aliases, str):
        aliases = [aliases]
    if not isinstance(aliases, list | tuple | set | frozenset):
        raise ValueError(f"aliases must be a list of strings; got {aliases!r}")
    out: list[str] = []
    for alias in aliases:
        if ignore_versions and isinstance(alias, str) and _VERSION.match(alias):
            warnings.warn(f"cairn: ignoring artifact alias {alias!r}: versions (v0, v1, …) "
                          "are assigned by the store", CairnWarning, stacklevel=2)
            continue
        if check_alias(alias) not in out:
            out.append(alias)
    return out


def version_index(text: str) -> int | None:
    """``3`` for ``v3``; None for anything else."""
    match = _VERSION.match(text)
    return int(match.group(1)) if match else None


def is_digest(text: str) -> bool:
    return bool(_DIGEST.match(text))


class ArtifactPath(NamedTuple):
    """``entity/project/name:selector``; selector is ``v3``, an alias or a digest."""

    entity: str | None
    project: str | None
    name: str
    selector: str


def parse_artifact_path(path: object) -> ArtifactPath:
    """Parse ``name``, ``name:alias``, ``project/name:v1`` or ``entity/project/name:digest``
    (no selector means ``latest``)."""
    if not isinstance(path, str) or not path:
        raise ValueError(f"an artifact path must be a non-empty string; got {path!r}")
    head, sep, selector = path.rpartition(":")
    if not sep:
        head, selector = path, "latest"
    if not selector:
        raise ValueError(f"artifact path {path!r} ends in ':'; give a version (v0), an alias "
                         "or a digest after it")
    parts = head.split("/")
    if len(parts) > 3 or any(not p for p in parts):
        raise ValueError(f"artifact path {path!r} must look like [[entity/]project/]name"
                         "[:version or alias]")
    name = check_artifact_name(parts[-1])
    project = parts[-2] if len(parts) >= 2 else None
    entity = parts[-3] if len(parts) == 3 else None
    if version_index(selector) is None and not is_digest(selector):
        check_alias(selector)
    return ArtifactPath(entity, project, name, selector)
