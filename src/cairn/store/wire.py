"""The store's values on the wire (``server/store_rpc.py`` and ``cairn.http_backend``):
msgpack, with extension types for what msgpack lacks, so that a reader over HTTP gets the
very objects a local store returns.

    1  a store row (a dataclass of ``cairn.store``, or ``RunRef``): [name, {field: value}]
    2  a numpy array: [dtype, shape, bytes]
    3  a tuple
    4  a set

Only the classes in ``_CLASSES`` are decoded; anything else in a message is an error, so
a server cannot make a client build arbitrary objects.
"""

from __future__ import annotations

import dataclasses
from typing import Any

import msgpack
import numpy as np

_ROW, _ARRAY, _TUPLE, _SET = 1, 2, 3, 4

READS = frozenset({
    "list_projects", "query_runs", "query_runs_counted", "query_run_pks", "runs_by_pk",
    "count_runs", "get_project", "run_versions", "runs_updated_since", "project_metrics",
    "project_columns", "get_run", "find_runs", "list_series", "numeric_series",
    "read_series", "read_envelope", "stored_envelope", "read_objects", "system_samples",
    "alerts", "console_lines", "console_count", "artifact_version",
    "artifact_version_by_pk", "artifact_receipt", "artifact_versions",
    "artifact_collections", "run_artifacts", "artifact_runs", "run_files", "run_file",
    "object_keys", "object_steps", "object_values", "applied_seq", "applied_progress",
    "read_series_many", "read_envelopes", "edits", "find_sweeps", "sweep_trials",
    "reports", "report",
})
"""The ``MetadataStore`` methods a server answers over HTTP (every reading one)."""


def _classes() -> dict[str, type]:
    from cairn.records import RunRef
    from cairn.store.alerts import AlertRow, Delivery
    from cairn.store.artifacts import ArtifactCollectionRow, ArtifactVersionRow
    from cairn.store.base import (
        ApplyResult,
        MetricInfo,
        ProjectRow,
        RunFile,
        RunRow,
        RunVersion,
        SeriesInfo,
    )
    from cairn.store.codec import Envelope
    from cairn.store.console import ConsoleLine
    from cairn.store.edits import EditRow
    from cairn.store.media import ObjectKey
    from cairn.store.progress import SessionProgress
    from cairn.store.reports import Report
    from cairn.store.sweeps import SweepRow, TrialRow
    from cairn.store.system import SystemSamples

    found: list[type] = [RunRef, AlertRow, Delivery, ArtifactCollectionRow,
                         ArtifactVersionRow, ApplyResult, MetricInfo, ProjectRow, RunFile,
                         RunRow, RunVersion, SeriesInfo, Envelope, ConsoleLine, ObjectKey,
                         SessionProgress, SystemSamples, EditRow, SweepRow,
                         TrialRow, Report]
    return {cls.__name__: cls for cls in found}


_CLASSES: dict[str, type] = {}


def _known() -> dict[str, type]:
    if not _CLASSES:
        _CLASSES.update(_classes())
    return _CLASSES


def _default(value: Any) -> Any:
    if isinstance(value, tuple) and hasattr(value, "_fields"):  # RunRef
        fields = dict(zip(value._fields, value, strict=True))
        return msgpack.ExtType(_ROW, dumps([type(value).__name__, fields]))
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        name = type(value).__name__
        if name not in _known():
            raise TypeError(f"{name} does not go over the wire")
        fields = {f.name: getattr(value, f.name) for f in dataclasses.fields(value)}
        return msgpack.ExtType(_ROW, dumps([name, fields]))
    if isinstance(value, np.ndarray):
        array = np.ascontiguousarray(value)
        if array.dtype.hasobject:
            return dumps(array.tolist())
        return msgpack.ExtType(_ARRAY, dumps([array.dtype.str, list(array.shape),
                                              array.tobytes()]))
    if isinstance(value, np.generic):
        return value.item()
    if isinstance(value, tuple):
        return msgpack.ExtType(_TUPLE, dumps(list(value)))
    if isinstance(value, set | frozenset):
        return msgpack.ExtType(_SET, dumps(sorted(value)))
    raise TypeError(f"{type(value).__name__} does not go over the wire")


def _ext(code: int, data: bytes) -> Any:
    if code == _ROW:
        name, fields = loads(data)
        cls = _known().get(name)
        if cls is None:
            raise ValueError(f"unknown row type {name!r} on the wire")
        return cls(**fields)
    if code == _ARRAY:
        dtype, shape, raw = loads(data)
        return np.frombuffer(raw, dtype=np.dtype(dtype)).reshape(shape).copy()
    if code == _TUPLE:
        return tuple(loads(data))
    if code == _SET:
        return set(loads(data))
    return msgpack.ExtType(code, data)


def dumps(value: Any) -> bytes:
    packed: bytes = msgpack.packb(value, default=_default, use_bin_type=True,
                                  strict_types=True)
    return packed


def loads(data: bytes) -> Any:
    return msgpack.unpackb(data, raw=False, strict_map_key=False, ext_hook=_ext)
