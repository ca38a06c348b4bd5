"""Host probes (psutil): each call returns ``{metric name: value}`` for one sample.

Names follow wandb's system metrics (without the ``system/`` prefix the sampler adds), so
that dashboards carry over: ``cpu`` is this process's CPU % normalised by the CPU count,
``cpu.{i}.cpu_percent`` each core, ``cpu_percent`` the whole system, ``memory_percent``
the system's memory in use, ``proc.memory.rssMB`` this process's resident memory,
``disk.in`` / ``disk.out`` MB read and written since the run started, ``network.sent`` /
``network.recv`` bytes since then.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Sequence
from typing import Any

Sample = dict[str, float]
Probe = Callable[[], Sample]
MB = 1024 * 1024
GB = 1024 * MB


class CpuProbe:
    def __init__(self, psutil: Any, process: Any) -> None:
        self._psutil = psutil
        self._process = process
        self._cpus = psutil.cpu_count() or 1
        # cpu_percent measures since the previous call: the first call only primes it.
        process.cpu_percent(None)
        psutil.cpu_percent(None, percpu=True)

    def __call__(self) -> Sample:
        out: Sample = {
            # CPU time is counted in clock ticks: over a short interval the share of all
            # cores can read a little above 100 %
            "cpu": min(100.0, self._process.cpu_percent(None) / self._cpus),
            "proc.cpu.threads": float(self._process.num_threads()),
        }
        cores = self._psutil.cpu_percent(None, percpu=True)
        for i, percent in enumerate(cores):
            out[f"cpu.{i}.cpu_percent"] = float(percent)
        if cores:
            out["cpu_percent"] = float(sum(cores)) / len(cores)
        return out


class MemoryProbe:
    def __init__(self, psutil: Any, process: Any) -> None:
        self._psutil = psutil
        self._process = process

    def __call__(self) -> Sample:
        system = self._psutil.virtual_memory()
        rss = self._process.memory_info().rss
        return {
            "memory_percent": float(system.percent),
            "proc.memory.availableMB": system.available / MB,
            "proc.memory.rssMB": rss / MB,
            "proc.memory.percent": 100.0 * rss / system.total if system.total else 0.0,
        }


class DiskProbe:
    """Usage of the given paths, and MB read/written by the system since the first sample
    (absent when the platform has no disk counters, e.g. some containers)."""

    def __init__(self, psutil: Any, paths: Sequence[str]) -> None:
        self._psutil = psutil
        self._paths = [p for p in paths if os.path.exists(p)]
        counters = psutil.disk_io_counters()
        self._start = (counters.read_bytes, counters.write_bytes) if counters else None

    def __call__(self) -> Sample:
        out: Sample = {}
        for path in self._paths:
            usage = self._psutil.disk_usage(path)
            out[f"disk.{path}.usagePercent"] = float(usage.percent)
            out[f"disk.{path}.usageGB"] = usage.used / GB
        counters = self._psutil.disk_io_counters() if self._start else None
        if counters is not None and self._start is not None:
            out["disk.in"] = (counters.read_bytes - self._start[0]) / MB
            out["disk.out"] = (counters.write_bytes - self._start[1]) / MB
        return out


class NetworkProbe:
    """Bytes sent and received by the system since the first sample."""

    def __init__(self, psutil: Any) -> None:
        self._psutil = psutil
        counters = psutil.net_io_counters()
        self._start = (counters.bytes_sent, counters.bytes_recv)

    def __call__(self) -> Sample:
        counters = self._psutil.net_io_counters()
        return {"network.sent": float(counters.bytes_sent - self._start[0]),
                "network.recv": float(counters.bytes_recv - self._start[1])}


def host_probes(pid: int, disk_paths: Sequence[str]) -> list[tuple[str, Probe]]:
    """The probes of this host, by topic; none without psutil (reported by the caller)."""
    import psutil

    process = psutil.Process(pid)
    return [("cpu", CpuProbe(psutil, process)), ("memory", MemoryProbe(psutil, process)),
            ("disk", DiskProbe(psutil, disk_paths)), ("network", NetworkProbe(psutil))]
