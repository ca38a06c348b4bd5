"""NVIDIA GPUs through NVML (the ``nvidia-ml-py`` package, imported only when sampling).

No package, no library, no driver or no GPU: no probe, silently (most machines). A reading
the GPU does not support is dropped silently; any other failing reading is reported once
and dropped, so one broken counter never stops the others. Names follow wandb's:
``gpu.{i}.gpu`` (utilisation %), ``gpu.{i}.memory`` (memory controller busy %),
``gpu.{i}.memoryAllocated`` (% of memory in use), ``gpu.{i}.memoryAllocatedBytes``,
``gpu.{i}.temp`` (°C), ``gpu.{i}.powerWatts``, ``gpu.{i}.enforcedPowerLimitWatts``,
``gpu.{i}.powerPercent``, ``gpu.{i}.smClock`` and ``gpu.{i}.memoryClock`` (MHz); the same
under ``gpu.process.{i}.`` for the GPUs this process uses.
"""

from __future__ import annotations

import contextlib
import os
import sys
from collections.abc import Callable
from typing import Any

Reading = Callable[[Any, Any], dict[str, float]]
Warn = Callable[[str, str], None]


def load_nvml() -> Any | None:
    """The initialised ``pynvml`` module, or None where there is no usable NVIDIA GPU."""
    try:
        import pynvml
    except ImportError:
        return None
    try:
        pynvml.nvmlInit()
        if pynvml.nvmlDeviceGetCount() < 1:
            pynvml.nvmlShutdown()
            return None
    except pynvml.NVMLError:
        return None  # no library, no driver, no permission: nothing to sample
    return pynvml


def _utilisation(nvml: Any, handle: Any) -> dict[str, float]:
    rates = nvml.nvmlDeviceGetUtilizationRates(handle)
    return {"gpu": float(rates.gpu), "memory": float(rates.memory)}


def _memory(nvml: Any, handle: Any) -> dict[str, float]:
    info = nvml.nvmlDeviceGetMemoryInfo(handle)
    percent = 100.0 * info.used / info.total if info.total else 0.0
    return {"memoryAllocated": percent, "memoryAllocatedBytes": float(info.used),
            "memoryTotalBytes": float(info.total)}


def _temperature(nvml: Any, handle: Any) -> dict[str, float]:
    return {"temp": float(nvml.nvmlDeviceGetTemperature(handle, nvml.NVML_TEMPERATURE_GPU))}


def _power(nvml: Any, handle: Any) -> dict[str, float]:
    watts = nvml.nvmlDeviceGetPowerUsage(handle) / 1000.0
    limit = nvml.nvmlDeviceGetEnforcedPowerLimit(handle) / 1000.0
    return {"powerWatts": watts, "enforcedPowerLimitWatts": limit,
            "powerPercent": 100.0 * watts / limit if limit else 0.0}


def _clocks(nvml: Any, handle: Any) -> dict[str, float]:
    return {"smClock": float(nvml.nvmlDeviceGetClockInfo(handle, nvml.NVML_CLOCK_SM)),
            "memoryClock": float(nvml.nvmlDeviceGetClockInfo(handle, nvml.NVML_CLOCK_MEM))}


READINGS: dict[str, Reading] = {"utilisation": _utilisation, "memory": _memory,
                                "temperature": _temperature, "power": _power,
                                "clocks": _clocks}


class GpuProbe:
    """Every GPU's readings, one sample a call."""

    def __init__(self, nvml: Any, pid: int, warn: Warn) -> None:
        self._nvml = nvml
        self._pid = pid
        self._warn = warn
        count = nvml.nvmlDeviceGetCount()
        self._handles = [nvml.nvmlDeviceGetHandleByIndex(i) for i in range(count)]
        self._readings = {i: dict(READINGS) for i in range(count)}

    def _used_by_this_process(self, handle: Any) -> bool:
        try:
            procs = self._nvml.nvmlDeviceGetComputeRunningProcesses(handle)
        except self._nvml.NVMLError:
            return False
        return any(p.pid == self._pid for p in procs)

    def __call__(self) -> dict[str, float]:
        out: dict[str, float] = {}
        for i, handle in enumerate(self._handles):
            values: dict[str, float] = {}
            for name, reading in list(self._readings[i].items()):
                try:
                    values.update(reading(self._nvml, handle))
                except self._nvml.NVMLError as exc:
                    del self._readings[i][name]
                    if not isinstance(exc, self._nvml.NVMLError_NotSupported):
                        self._warn(f"gpu-{name}", f"cairn: cannot read GPU {i} {name} "
                                   f"({exc}); no longer sampled")
            mine = self._used_by_this_process(handle)
            for key, value in values.items():
                out[f"gpu.{i}.{key}"] = value
                if mine:
                    out[f"gpu.process.{i}.{key}"] = value
        return out


def gpu_inventory() -> dict[str, Any] | None:
    """Names, memory, driver and CUDA versions of the GPUs (for the run's environment), or
    None where there are none. On Linux without the NVIDIA driver, NVML is not even
    loaded (its import is a short run's largest cost)."""
    if sys.platform.startswith("linux") and not os.path.exists("/proc/driver/nvidia"):
        return None
    nvml = load_nvml()
    if nvml is None:
        return None
    try:
        count = nvml.nvmlDeviceGetCount()
        devices = []
        for i in range(count):
            handle = nvml.nvmlDeviceGetHandleByIndex(i)
            name = nvml.nvmlDeviceGetName(handle)
            memory = nvml.nvmlDeviceGetMemoryInfo(handle)
            devices.append({"name": name.decode() if isinstance(name, bytes) else str(name),
                            "memory_total": int(memory.total)})
        driver = nvml.nvmlSystemGetDriverVersion()
        cuda = nvml.nvmlSystemGetCudaDriverVersion()
        return {"gpu_count": count, "gpu_devices": devices,
                "gpu": devices[0]["name"] if devices else None,
                "driver_version": driver.decode() if isinstance(driver, bytes) else driver,
                "cuda_version": f"{cuda // 1000}.{cuda % 1000 // 10}",
                "cuda_visible_devices": os.environ.get("CUDA_VISIBLE_DEVICES")}
    except nvml.NVMLError:
        return None
    finally:
        with contextlib.suppress(nvml.NVMLError):
            nvml.nvmlShutdown()
