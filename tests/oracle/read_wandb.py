"""Read what an offline wandb run persisted, from its ``.wandb`` transaction log.

Runs inside the wandb venv (it needs wandb's protobuf classes, ``wandb_internal_pb2``),
either imported by ``runner.py`` or as ``python read_wandb.py RUN-FILE.wandb``, which
prints the result as JSON: ``{"history": [rows], "summary": {}, "config": {},
"exit_code": int | None}``. History rows are flat (nested keys joined with ``.``, as
wandb's public API returns them); summary and config are nested as wandb stores them.

The file is a leveldb log (https://github.com/google/leveldb/blob/main/doc/log_format.md):
a 7-byte header (``:W&B``, magic, version), then 32 KiB blocks of chunks, each
``crc32 (4) | length (2, little-endian) | type (1) | data``, the types FULL, FIRST,
MIDDLE, LAST reassembling one serialised ``Record``. A history record lists each leaf
value under its key path (a medium's fields too), so rows are rebuilt as trees first.
wandb 0.31 writes the file from its Go core and no longer ships a Python reader.
"""

from __future__ import annotations

import json
import struct
import sys
from pathlib import Path
from typing import Any

HEADER = 7
BLOCK = 32768
FULL, FIRST, MIDDLE, LAST = 1, 2, 3, 4


def raw_records(data: bytes) -> list[bytes]:
    if data[:4] != b":W&B":
        raise ValueError("not a .wandb file (no :W&B header)")
    pos, pending, out = HEADER, b"", []
    while pos + HEADER <= len(data):
        left = BLOCK - pos % BLOCK
        if left < HEADER:  # a block trailer: too short for a chunk header
            pos += left
            continue
        _crc, length, kind = struct.unpack("<IHB", data[pos:pos + HEADER])
        if kind == 0 and length == 0:  # zero padding to the end of the block
            pos += left
            continue
        chunk = data[pos + HEADER:pos + HEADER + length]
        pos += HEADER + length
        if kind == FULL:
            out.append(chunk)
        elif kind == FIRST:
            pending = chunk
        elif kind == MIDDLE:
            pending += chunk
        elif kind == LAST:
            out.append(pending + chunk)
            pending = b""
    return out


def _path(item: Any) -> list[str]:
    return list(item.nested_key) if item.nested_key else [item.key]


def _set(tree: dict[str, Any], path: list[str], value: Any) -> None:
    for part in path[:-1]:
        child = tree.get(part)
        if not isinstance(child, dict):
            child = tree[part] = {}
        tree = child
    tree[path[-1]] = value


def _remove(tree: dict[str, Any], path: list[str]) -> None:
    for part in path[:-1]:
        tree = tree.get(part)  # type: ignore[assignment]
        if not isinstance(tree, dict):
            return
    tree.pop(path[-1], None)


def flat_row(tree: dict[str, Any], prefix: str = "") -> dict[str, Any]:
    """A history row as wandb's API returns it: nested dicts flattened to dotted keys, a
    medium (a dict with ``_type``) kept whole."""
    out: dict[str, Any] = {}
    for key, value in tree.items():
        if isinstance(value, dict) and value and "_type" not in value:
            out.update(flat_row(value, f"{prefix}{key}."))
        else:
            out[f"{prefix}{key}"] = value
    return out


def _apply_config(config: dict[str, Any], record: Any) -> None:
    for item in record.update:
        _set(config, _path(item), json.loads(item.value_json))
    for item in record.remove:
        _remove(config, _path(item))


def read_run(path: str | Path) -> dict[str, Any]:
    from wandb.proto import wandb_internal_pb2 as pb

    history: list[dict[str, Any]] = []
    summary: dict[str, Any] = {}
    config: dict[str, Any] = {}
    exit_code: int | None = None
    for raw in raw_records(Path(path).read_bytes()):
        record = pb.Record()
        record.ParseFromString(raw)
        kind = record.WhichOneof("record_type")
        if kind == "run":
            _apply_config(config, record.run.config)
        elif kind == "config":
            _apply_config(config, record.config)
        elif kind == "history":
            row: dict[str, Any] = {}
            for item in record.history.item:
                _set(row, _path(item), json.loads(item.value_json))
            history.append(flat_row(row))
        elif kind == "summary":
            for item in record.summary.update:
                _set(summary, _path(item), json.loads(item.value_json))
            for item in record.summary.remove:
                _remove(summary, _path(item))
        elif kind == "exit":
            exit_code = record.exit.exit_code
    return {"history": history, "summary": summary, "config": config, "exit_code": exit_code}


if __name__ == "__main__":
    json.dump(read_run(sys.argv[1]), sys.stdout, indent=1, sort_keys=True)
    print()
