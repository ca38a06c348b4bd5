"""What a workload reports: named figures with a unit and the target they are read against,
and the statistics used to make them (medians, nearest-rank percentiles)."""

from __future__ import annotations

import math
import resource
import statistics
import sys
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any


def median(values: Sequence[float]) -> float:
    return float(statistics.median(values))


def percentile(values: Sequence[float], q: float) -> float:
    """Nearest-rank percentile (``q`` in 0..100) of ``values``."""
    ordered = sorted(values)
    rank = max(1, math.ceil(q / 100 * len(ordered)))
    return float(ordered[min(rank, len(ordered)) - 1])


def peak_rss_mb() -> float:
    """Peak resident memory of this process so far, in MiB."""
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return peak / (1024 * 1024) if sys.platform == "darwin" else peak / 1024


def current_rss_mb() -> float:
    """Resident memory of this process now, in MiB (peak where /proc is missing)."""
    try:
        with open("/proc/self/status", encoding="ascii") as fh:
            for line in fh:
                if line.startswith("VmRSS:"):
                    return int(line.split()[1]) / 1024
    except OSError:
        pass
    return peak_rss_mb()


@dataclass
class Figure:
    """One reported number. ``target`` is the design goal; ``better`` says which way."""

    key: str
    label: str
    value: float | None
    unit: str
    target: float | None = None
    better: str = "lower"
    spread: tuple[float, float] | None = None
    """The lowest and highest of the repeats ``value`` is the median of."""

    def meets(self) -> bool | None:
        if self.target is None or self.value is None:
            return None
        return self.value <= self.target if self.better == "lower" else self.value >= self.target

    def as_json(self) -> dict[str, Any]:
        out = {"value": self.value, "unit": self.unit, "label": self.label,
               "target": self.target, "better": self.better, "meets": self.meets()}
        if self.spread is not None:
            out["spread"] = list(self.spread)
        return out


@dataclass
class WorkloadResult:
    """A workload's figures per tracker (cairn first), the sizes used and raw details."""

    name: str
    title: str
    sizes: dict[str, Any]
    figures: dict[str, list[Figure]] = field(default_factory=dict)
    skipped: dict[str, str] = field(default_factory=dict)
    """Tracker (or ``"all"``) → why it was not measured."""
    details: dict[str, Any] = field(default_factory=dict)
    versions: dict[str, str] = field(default_factory=dict)
    seconds: float = 0.0

    def add(self, tracker: str, *figures: Figure) -> None:
        self.figures.setdefault(tracker, []).extend(figures)

    def as_json(self) -> dict[str, Any]:
        return {
            "title": self.title,
            "sizes": self.sizes,
            "seconds": round(self.seconds, 2),
            "figures": {tracker: {f.key: f.as_json() for f in figs}
                        for tracker, figs in self.figures.items()},
            "skipped": self.skipped,
            "versions": self.versions,
            "details": self.details,
        }
