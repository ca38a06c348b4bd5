"""``wandb.util``: the helpers integrations call."""

from __future__ import annotations

import dataclasses
import datetime
import json
import secrets
from collections.abc import Mapping
from pathlib import PurePath
from typing import Any

_ALPHABET = "abcdefghijklmnopqrstuvwxyz0123456789"


def generate_id(length: int = 8) -> str:
    """A random id of lowercase letters and digits, as wandb's run ids."""
    return "".join(secrets.choice(_ALPHABET) for _ in range(length))


def _plain(obj: Any) -> Any:
    """A JSON-encodable stand-in for what ``json`` cannot encode (numpy, tensors, dates,
    dataclasses, paths, sets); its ``str`` as the last resort, as wandb does."""
    if hasattr(obj, "tolist") and callable(obj.tolist):  # numpy arrays and scalars, tensors
        try:
            return obj.tolist()
        except (TypeError, ValueError, RuntimeError):
            pass
    if hasattr(obj, "item") and callable(obj.item):
        try:
            return obj.item()
        except (TypeError, ValueError, RuntimeError):
            pass
    if isinstance(obj, datetime.datetime | datetime.date):
        return obj.isoformat()
    if isinstance(obj, set | frozenset | tuple):
        return list(obj)
    if dataclasses.is_dataclass(obj) and not isinstance(obj, type):
        return dataclasses.asdict(obj)
    if isinstance(obj, Mapping):
        return {str(k): v for k, v in obj.items()}
    if isinstance(obj, bytes):
        return obj.decode("utf-8", errors="replace")
    if isinstance(obj, PurePath):
        return str(obj)
    return str(obj)


class WandBJSONEncoder(json.JSONEncoder):
    def default(self, o: Any) -> Any:
        return _plain(o)


def json_dumps_safer(obj: Any, **kwargs: Any) -> str:
    """``json.dumps`` that encodes numpy values, tensors, dates and anything else (by
    ``str``) instead of raising."""
    kwargs.setdefault("cls", WandBJSONEncoder)
    return json.dumps(obj, **kwargs)


def json_friendly(obj: Any) -> tuple[Any, bool]:
    """``(obj as JSON-encodable, whether it changed)``."""
    try:
        json.dumps(obj)
        return obj, False
    except (TypeError, ValueError):
        return _plain(obj), True


def make_artifact_name_safe(name: str) -> str:
    """``name`` with every character outside ``[A-Za-z0-9._-]`` replaced by ``_``, at most
    128 characters (what artifact names allow)."""
    import re

    cleaned = re.sub(r"[^a-zA-Z0-9_\-.]", "_", name)
    return cleaned if len(cleaned) <= 128 else cleaned[:64] + "..." + cleaned[-61:]
