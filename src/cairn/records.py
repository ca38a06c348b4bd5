"""Records: the one vocabulary of the data path.

Everything a run produces becomes a :class:`Record`. The SDK makes them, the WAL frames and
stores them, and ``MetadataStore.apply_records`` is the only code that turns them into
store state. A record names its run, the writing session (one ``init()`` in one process)
and a sequence number within that session; ``(run, session, seq)`` makes re-applying a
record a no-op.

Kinds and their bodies (all msgpack-able):

=============  =====================================================================
``run``        start of a session: name, notes, tags, group, job_type, start_time,
               host, pid, mode, resumed, starting_step, framework; ``"attached": true``
               for a co-writer (another process logging into a live run, ``sdk/attach.py``)
``config``     ``{"config": nested dict}``: a full snapshot (small; idempotent)
``history``    a columnar batch, see :class:`HistoryBatch`; logged media are typed
               references among its objects (``cairn/sdk/media``, docs/api.md)
``summary``    ``{"set": {flat key: value}, "del": [flat keys]}``: manual overrides
``metric``     one ``define_metric``: name, step_metric, summary, goal, hidden, step_sync
``meta``       changed attributes: any of name, notes, tags, group, job_type
``heartbeat``  ``{"at": unix time}``
``preempting`` ``{"at": unix time}``: the run expects to be preempted
               (``Run.mark_preempting``)
``finish``     ``{"exit_code": int, "state": str, "at": unix time}``; a failed run's
               ``"error": {"type", "message", "traceback"}`` (``sdk/exits.py``)
``system``     one system-metrics sample: ``{"at": unix time, "values": {"system/<name>":
               float}}`` on its own time axis, apart from steps (``sdk/system/``)
``console``    captured console lines: ``{"lines": [[unix time, "stdout" | "stderr",
               text], ...]}`` (``sdk/console.py``)
``environment`` host, OS, Python, program and args, cwd, CPUs, memory, GPUs, git (remote,
               branch, commit, dirty), taken once at ``init`` (``sdk/snapshot.py``)
``alert``      ``run.alert``: key, title, text, level, wait_duration, at; or ``{"key",
               "suppressed": n}``: n more with the title of alert ``key`` were suppressed
``alert_delivery``  an alert's delivery through one notifier: key, notifier, status
               (sent | retrying | failed), attempts, error, at (``notifiers.py``)
``file``       a run file's new content: name, sha256, size, mtime, policy, at
``artifact``   a logged artifact: client_id, name, type, description, metadata,
               aliases, digest, entries ``[[name, sha256, size, ref, extra]]``,
               role (``output``; ``input`` for a local artifact passed to use_artifact),
               blobs; the store assigns the version (``store/artifacts.py``); with
               distributed_id (and finalize false for an upsert) it joins a draft
``artifact_use``
               a stored version used as input: entity, project, name, version, digest
``artifact_edit``
               an edit: entity, project, name, version; aliases, description,
               metadata (each optional)
``artifact_delete``
               a deleted version: entity, project, name, version
=============  =====================================================================

Any body may list the blobs it references under ``"blobs"`` (sha256 digests); sinks bring
them into the store's blob store before applying the record (``store/blobs.py``).

Later features add kinds; a store ignores kinds it does not
know, after a warning, so older stores can still replay newer WALs.
"""

from __future__ import annotations

import sys
import time
from array import array
from dataclasses import dataclass, field
from typing import Any, NamedTuple

RECORD_KINDS = frozenset(
    {"run", "config", "history", "summary", "metric", "meta", "heartbeat", "preempting",
     "finish",
     "file", "artifact", "artifact_use", "artifact_edit", "artifact_delete", "system",
     "console", "environment", "alert", "alert_delivery"}
)

# Numeric series carry a kind so that ints and bools come back as they went in.
SERIES_FLOAT = "f"
SERIES_INT = "i"
SERIES_BOOL = "b"

_LITTLE = sys.byteorder == "little"


class RunRef(NamedTuple):
    """The stable identity of a run: ``entity/project/run_id``."""

    entity: str
    project: str
    run_id: str

    @property
    def path(self) -> str:
        return f"{self.entity}/{self.project}/{self.run_id}"


@dataclass(frozen=True, slots=True)
class Record:
    run: RunRef
    session: str
    seq: int
    kind: str
    body: dict[str, Any]


def alert_body(key: str, title: str, text: str, level: str, wait: float) -> dict[str, Any]:
    """The body of an ``alert`` record (``run.alert``, the server's crash alerts)."""
    return {"key": key, "title": title, "text": text, "level": level,
            "wait_duration": wait, "at": time.time()}

def pack_int64(values: list[int]) -> bytes:
    arr = array("q", values)
    if not _LITTLE:
        arr.byteswap()
    return arr.tobytes()


def pack_float64(values: list[float]) -> bytes:
    arr = array("d", values)
    if not _LITTLE:
        arr.byteswap()
    return arr.tobytes()


def unpack_int64(data: bytes) -> array[int]:
    arr = array("q")
    arr.frombytes(data)
    if not _LITTLE:
        arr.byteswap()
    return arr


def unpack_float64(data: bytes) -> array[float]:
    arr = array("d")
    arr.frombytes(data)
    if not _LITTLE:
        arr.byteswap()
    return arr


@dataclass(slots=True)
class NumericColumn:
    """Points of one numeric metric in a batch; steps strictly increase."""

    steps: list[int] = field(default_factory=list)
    values: list[float] = field(default_factory=list)
    kind: str = SERIES_INT


@dataclass(slots=True)
class HistoryBatch:
    """Committed history rows, turned into columns: one per metric.

    ``numeric`` holds ints, floats and bools (as float64, with the series kind); ``objects``
    holds everything else that is JSON-like (strings, None, lists, typed media references)
    as ``(step, value)`` pairs. Rows are stamped with ``_timestamp`` and ``_runtime``,
    which are numeric columns like any other.
    """

    numeric: dict[str, NumericColumn] = field(default_factory=dict)
    objects: dict[str, list[tuple[int, Any]]] = field(default_factory=dict)
    last_step: int = -1
    rows: int = 0

    def to_body(self) -> dict[str, Any]:
        """The record body. Columns that share a steps list (every metric of rows logged
        with the same keys) share one packed copy: ``num`` maps a key to
        ``[index into steps, packed values, kind]``."""
        steps: list[bytes] = []
        index: dict[int, int] = {}
        num: dict[str, list[Any]] = {}
        for key, col in self.numeric.items():
            at = index.get(id(col.steps))
            if at is None:
                at = index[id(col.steps)] = len(steps)
                steps.append(pack_int64(col.steps))
            num[key] = [at, pack_float64(col.values), col.kind]
        return {
            "steps": steps,
            "num": num,
            "obj": {key: [list(pair) for pair in pairs] for key, pairs in self.objects.items()},
            "last_step": self.last_step,
            "rows": self.rows,
        }


class DecodedNumeric(NamedTuple):
    steps: array[int]
    values: array[float]
    kind: str


ObjectPairs = list[tuple[int, Any]]


def decode_history(body: dict[str, Any]) -> tuple[dict[str, DecodedNumeric],
                                                  dict[str, ObjectPairs]]:
    """Columns of a ``history`` record body, as typed arrays and ``(step, value)`` pairs."""
    shared = [unpack_int64(blob) for blob in body.get("steps", ())]
    numeric = {
        key: DecodedNumeric(shared[steps] if isinstance(steps, int) else unpack_int64(steps),
                            unpack_float64(values), kind)
        for key, (steps, values, kind) in body.get("num", {}).items()
    }
    objects = {key: [(int(s), v) for s, v in pairs] for key, pairs in body.get("obj", {}).items()}
    return numeric, objects
