"""``Run.history(stream="system")``: a run's system-metric samples as history rows, on
their own time axis (``_timestamp``, ``_runtime``), never a step."""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

from cairn.store.base import MetadataStore, RunRow
from cairn.store.system import thin

SYSTEM_STREAMS = ("system", "events")
"""``events`` is wandb's name for the same stream."""


def system_rows(store: MetadataStore, row: RunRow, samples: int,
                keys: Sequence[str] | None) -> list[dict[str, Any]]:
    """About ``samples`` rows (each metric's extremes kept), oldest first; with ``keys``,
    only those metrics, in the rows that have them all."""
    data = thin(store.system_samples(row.pk, keys=list(keys) if keys is not None else None),
                samples)
    out: list[dict[str, Any]] = []
    for i, at in enumerate(data.at.tolist()):
        values = {k: float(v[i]) for k, v in data.series.items() if not math.isnan(v[i])}
        if keys is not None and len(values) < len(keys):
            continue
        out.append({"_timestamp": at, "_runtime": max(0.0, at - row.created_at), **values})
    return out
