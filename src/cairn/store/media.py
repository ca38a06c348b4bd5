"""Reading the media of a run cheaply: which history keys hold values at which steps
(from the ``history_objects_steps`` index, without the values), and the values of
chosen steps only. The server's media routes (``server/media.py``) build on these."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

import msgpack

Read = Callable[[str, Sequence[Any]], list[Any]]
_IN_CHUNK = 500  # SQLite's limit on bound parameters is far above this


@dataclass(frozen=True)
class ObjectKey:
    """A history key with object values: how many steps, the first and last, and its
    latest value that is not null (whose type names the key's media type)."""

    key: str
    count: int
    first_step: int
    last_step: int
    latest: Any


def _unpack(blob: bytes | None) -> Any:
    return None if blob is None else msgpack.unpackb(blob, raw=False, strict_map_key=False)


def read_object_keys(read: Read, run_pk: int) -> list[ObjectKey]:
    """Every key with stored object values, by key; one value read per key."""
    rows = read("SELECT key, count(*), min(step), max(step) FROM history_objects "
                "INDEXED BY history_objects_steps WHERE run = ? GROUP BY key ORDER BY key",
                (run_pk,))
    out = []
    for key, count, first, last in rows:
        latest = read("SELECT value FROM history_objects WHERE run = ? AND key = ? "
                      "AND value IS NOT NULL ORDER BY step DESC LIMIT 1", (run_pk, key))
        out.append(ObjectKey(key, count, first, last, _unpack(latest[0][0]) if latest else None))
    return out


def read_object_steps(read: Read, run_pk: int, key: str, min_step: int,
                      max_step: int) -> list[int]:
    """The steps in ``[min_step, max_step]`` at which ``key`` holds an object value (a
    medium that could not be stored is a null value at its step), in order."""
    rows = read("SELECT step FROM history_objects INDEXED BY history_objects_steps "
                "WHERE run = ? AND key = ? AND step >= ? AND step <= ? ORDER BY step",
                (run_pk, key, min_step, max_step))
    return [step for (step,) in rows]


def read_object_values(read: Read, run_pk: int, key: str,
                       steps: Sequence[int]) -> list[tuple[int, Any]]:
    """``(step, value)`` of ``key`` at the given steps, in step order."""
    out: list[tuple[int, Any]] = []
    for start in range(0, len(steps), _IN_CHUNK):
        part = list(steps[start:start + _IN_CHUNK])
        marks = ", ".join("?" for _ in part)
        out += [(step, _unpack(value)) for step, value in read(
            f"SELECT step, value FROM history_objects WHERE run = ? AND key = ? "
            f"AND step IN ({marks})", (run_pk, key, *part))]
    out.sort(key=lambda pair: pair[0])
    return out


def spread(steps: Sequence[int], limit: int) -> list[int]:
    """At most ``limit`` of ``steps`` spread evenly over them, the first and the last
    always among them (a slider over a long run reaches both ends)."""
    n = len(steps)
    if n <= limit:
        return list(steps)
    if limit == 1:
        return [steps[-1]]
    picked = sorted({round(i * (n - 1) / (limit - 1)) for i in range(limit)})
    return [steps[i] for i in picked]
