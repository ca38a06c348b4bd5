"""A run's environment snapshot (``sdk/snapshot.py``) in the store: the latest session's
becomes ``meta["environment"]``, read as ``Api().run(path).metadata``."""

from __future__ import annotations

from typing import Any

import msgpack

from cairn.records import Record

MAX_KEYS = 200
MAX_BYTES = 256 * 1024
"""The run's metadata is read with every run: a snapshot claiming more is cut to the
entries that fit (a hostile or broken writer)."""


def apply_environment(meta: dict[str, Any], record: Record) -> None:
    body = record.body
    kept: dict[str, Any] = {}
    size = 0
    for key, value in list(body.items())[:MAX_KEYS]:
        item = len(msgpack.packb(value, use_bin_type=True, default=str))
        if size + item <= MAX_BYTES:
            kept[key] = value
            size += item
    meta["environment"] = kept
