"""The system-metrics sampler: a daemon thread that samples every probe each interval and
queues one ``system`` record per sample, stamped with the wall time of the sample.

Samples live on their own time axis (the record's ``at``), apart from the user's steps,
so they never move ``run.step`` and never interleave with the user's rows. The thread
only reads counters and queues; the writer thread does the I/O. A probe that raises is
reported once and dropped; without psutil there are no host metrics (reported once).
"""

from __future__ import annotations

import os
import threading
import time
from collections.abc import Callable, Sequence
from typing import Any

from cairn.sdk.system.probes import Probe

PREFIX = "system/"
START_DELAY = 1.0
"""Seconds after the run starts before the probes are opened."""
CLOSE_WAIT = 2.0
"""Seconds ``close`` waits for a sample in progress (a probe may hang: a stuck NFS mount,
a GPU driver); after that the run finishes without its final sample."""


class SystemSampler:
    """Samples ``probes`` every ``interval`` seconds and hands each sample to ``emit``."""

    def __init__(self, interval: float, emit: Callable[[dict[str, Any]], None],
                 warn: Callable[[str, str], None], *, pid: int | None = None,
                 disk_paths: Sequence[str] = ("/",),
                 probes: list[tuple[str, Probe]] | None = None) -> None:
        self.interval = interval
        self._emit = emit
        self._warn = warn
        self._pid = pid if pid is not None else os.getpid()
        self._disk_paths = tuple(disk_paths)
        self._probes = probes
        self._stop = threading.Event()
        self._lock = threading.Lock()
        self._opening = False
        """The thread is opening the probes (imports), not sampling."""
        self.samples = 0
        self.cpu_seconds = 0.0
        """CPU time the sampling itself took (for the overhead benchmark)."""
        self._thread = threading.Thread(target=self._loop, name="cairn-system", daemon=True)
        self._thread.start()

    def _open_probes(self) -> list[tuple[str, Probe]]:
        probes: list[tuple[str, Probe]] = []
        try:
            from cairn.sdk.system.probes import host_probes

            probes += host_probes(self._pid, self._disk_paths)
        except ImportError:
            self._warn("system-psutil", "cairn: system metrics need psutil (pip install "
                       "psutil); none are recorded")
        except Exception as exc:
            self._warn("system-host", f"cairn: cannot read this host's metrics ({exc!r})")
        from cairn.sdk.system.gpu import GpuProbe, load_nvml

        nvml = load_nvml()
        if nvml is not None:
            try:
                probes.append(("gpu", GpuProbe(nvml, self._pid, self._warn)))
            except nvml.NVMLError as exc:
                self._warn("system-gpu", f"cairn: cannot read the GPUs ({exc})")
        return probes

    def _ensure_probes(self) -> list[tuple[str, Probe]]:
        """The probes, opened on first use (called with the lock held): psutil and NVML
        load in the sampler's thread, not in ``init()``."""
        if self._probes is None:
            started = time.thread_time()
            self._probes = self._open_probes()
            self.cpu_seconds += time.thread_time() - started
        return self._probes

    def _loop(self) -> None:
        # Open the probes (psutil's import, counters primed for the first CPU %) a little
        # after the start, so that they do not compete with init() and the first log().
        if self._stop.wait(min(START_DELAY, self.interval / 2)):
            return
        self._opening = True
        try:
            with self._lock:
                self._ensure_probes()
        finally:
            self._opening = False
        while not self._stop.wait(self.interval):
            self.sample_now()

    def sample_now(self, timeout: float = -1) -> dict[str, float]:
        """Take one sample and emit it (any thread); returns what was emitted. With a
        ``timeout``, gives up (and returns nothing) when another sample holds the probes
        that long."""
        if not self._lock.acquire(timeout=timeout):
            return {}
        try:
            return self._sample()
        finally:
            self._lock.release()

    def _sample(self) -> dict[str, float]:
        """One sample (the lock held)."""
        probes = self._ensure_probes()
        started = time.thread_time()
        values: dict[str, float] = {}
        for topic, probe in list(probes):
            try:
                for key, value in probe().items():
                    values[PREFIX + key] = float(value)
            except Exception as exc:
                probes.remove((topic, probe))
                self._warn(f"system-{topic}", f"cairn: the {topic} system metrics failed "
                           f"({exc!r}); no longer sampled")
        if values:
            self._emit({"at": time.time(), "values": values})
            self.samples += 1
        self.cpu_seconds += time.thread_time() - started
        return values

    def close(self, final_sample: bool = True) -> None:
        """Stop the thread; with ``final_sample``, sample once more so that even a run
        shorter than the interval has its system metrics. A run that ends before the
        probes were opened (``START_DELAY``) has none: opening them (psutil's and NVML's
        imports) would cost its ``finish()`` more than the whole run took."""
        self._stop.set()
        if self._probes is None and not self._opening:
            return  # the thread sees the stop before it opens anything: nothing to join
        self._thread.join(timeout=CLOSE_WAIT)
        if self._thread.is_alive() and self._opening:
            return  # still importing psutil (a busy machine): no sample, nothing stuck
        if self._thread.is_alive():
            self._warn("system-stuck", "cairn: a system metrics probe does not return; the "
                       "run finishes without its last sample")
            return
        if final_sample and self._probes is not None:
            self.sample_now(timeout=CLOSE_WAIT)
