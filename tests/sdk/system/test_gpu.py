"""NVML paths against the real ``nvidia-ml-py`` package. This machine has no NVIDIA driver:
the probe must skip cleanly. A stand-in NVML (for the hardware, which is absent) checks
that unsupported readings are dropped silently and failing ones reported once."""

from __future__ import annotations

import types
from typing import Any

import pytest

from cairn.sdk.system.gpu import GpuProbe, gpu_inventory, load_nvml
from cairn.sdk.system.sampler import SystemSampler


def test_without_a_driver_there_is_no_gpu_probe_and_no_warning() -> None:
    pynvml = pytest.importorskip("pynvml")
    try:
        pynvml.nvmlInit()
    except pynvml.NVMLError:
        pass
    else:
        pytest.skip("this machine has an NVIDIA driver")
    assert load_nvml() is None
    assert gpu_inventory() is None
    warned: list[str] = []
    sampler = SystemSampler(3600, lambda body: None, lambda t, m: warned.append(m))
    values = sampler.sample_now()
    sampler.close(final_sample=False)
    assert values  # the host metrics
    assert not [k for k in values if "gpu" in k]
    assert warned == []


class NVMLError(Exception):
    pass


class NotSupported(NVMLError):
    pass


def stand_in_nvml(pid: int) -> Any:
    """Two GPUs; this process uses GPU 1; temperature unsupported; clocks broken."""
    def fail(exc: type[Exception]) -> Any:
        def call(*args: Any) -> Any:
            raise exc("nope")
        return call

    return types.SimpleNamespace(
        NVMLError=NVMLError, NVMLError_NotSupported=NotSupported,
        NVML_TEMPERATURE_GPU=0, NVML_CLOCK_SM=1, NVML_CLOCK_MEM=2,
        nvmlDeviceGetCount=lambda: 2,
        nvmlDeviceGetHandleByIndex=lambda i: i,
        nvmlDeviceGetUtilizationRates=lambda h: types.SimpleNamespace(gpu=50 + h, memory=10),
        nvmlDeviceGetMemoryInfo=lambda h: types.SimpleNamespace(used=2 << 30, total=8 << 30),
        nvmlDeviceGetTemperature=fail(NotSupported),
        nvmlDeviceGetPowerUsage=lambda h: 100_000,
        nvmlDeviceGetEnforcedPowerLimit=lambda h: 200_000,
        nvmlDeviceGetClockInfo=fail(NVMLError),
        nvmlDeviceGetComputeRunningProcesses=(
            lambda h: [types.SimpleNamespace(pid=pid)] if h == 1 else []),
    )


def test_gpu_readings_with_wandb_names_and_broken_ones_dropped() -> None:
    warned: list[str] = []
    probe = GpuProbe(stand_in_nvml(4242), 4242, lambda topic, msg: warned.append(topic))
    first = probe()
    second = probe()
    assert first == second
    assert first["gpu.0.gpu"] == 50.0
    assert first["gpu.1.gpu"] == 51.0
    assert first["gpu.0.memoryAllocated"] == 25.0
    assert first["gpu.0.powerWatts"] == 100.0
    assert first["gpu.0.powerPercent"] == 50.0
    assert first["gpu.process.1.gpu"] == 51.0
    assert "gpu.process.0.gpu" not in first
    assert not [k for k in first if k.endswith(("temp", "Clock"))]
    assert warned == ["gpu-clocks", "gpu-clocks"]  # once per GPU; WarnOnce keeps one
