"""The system sampler on this machine: plausible values, on their own time axis, apart
from the user's steps; a failing probe is reported once and dropped."""

from __future__ import annotations

import threading
import time
from typing import Any

import pytest

import cairn
from cairn.errors import SettingsError
from cairn.sdk.system.sampler import SystemSampler
from cairn.settings import load_settings


def test_a_run_records_plausible_system_metrics_on_their_own_axis() -> None:
    run = cairn.init(project="sys", settings={"system_interval": 0.05})
    started = time.time()
    for step in range(20):
        run.log({"loss": 1 / (step + 1)})
        time.sleep(0.02)
    run.finish()
    finished = time.time()
    stored = cairn.Api().run(run.path)
    rows = stored.history(stream="system", pandas=False)
    assert len(rows) >= 3
    for row in rows:
        assert started - 1 <= row["_timestamp"] <= finished
        assert row["_runtime"] >= 0
        assert 0 <= row["system/cpu"] <= 100
        assert 0 < row["system/memory_percent"] <= 100
        assert row["system/proc.memory.rssMB"] > 10
        assert row["system/proc.cpu.threads"] >= 1
        assert 0 <= row["system/disk./.usagePercent"] <= 100
        assert row["system/network.sent"] >= 0
        assert row["system/network.recv"] >= 0
        assert "system/cpu.0.cpu_percent" in row
    times = [r["_timestamp"] for r in rows]
    assert times == sorted(times)
    # Not in the user's history, and the steps are the user's alone.
    assert not [s.key for s in stored.series_info() if s.key.startswith("system/")]
    assert stored.last_step == 19
    frame = stored.history(stream="system", keys=["system/cpu"])
    assert list(frame.columns) == ["_timestamp", "_runtime", "system/cpu"]
    assert len(frame) == len(rows)


def test_a_run_shorter_than_the_interval_still_has_one_sample() -> None:
    run = cairn.init(project="sys")  # the default 10 s
    sampler = run._environment.system if run._environment is not None else None
    assert sampler is not None
    deadline = time.monotonic() + 30
    while sampler._probes is None and time.monotonic() < deadline:
        time.sleep(0.05)  # the probes open START_DELAY after the start
    assert sampler._probes is not None
    run.finish()
    rows = cairn.Api().run(run.path).history(stream="system", pandas=False)
    assert len(rows) == 1


def test_a_run_that_ends_before_the_probes_open_has_no_sample(
        monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("cairn.sdk.system.sampler.START_DELAY", 60.0)
    run = cairn.init(project="sys", settings={"system_interval": 600})
    run.finish()  # finish() opens no probes: it imports neither psutil nor NVML
    assert cairn.Api().run(run.path).history(stream="system", pandas=False) == []


def test_interval_zero_or_off_records_nothing() -> None:
    run = cairn.init(project="sys", settings={"system_interval": "off"})
    run.finish()
    assert cairn.Api().run(run.path).history(stream="system", pandas=False) == []
    with pytest.raises(SettingsError, match="system_interval"):
        load_settings({"system_interval": -1})
    with pytest.raises(ValueError, match="stream"):
        cairn.Api().run(run.path).history(stream="nope")


def test_a_failing_probe_is_reported_once_and_dropped() -> None:
    emitted: list[dict[str, Any]] = []
    warned: list[str] = []
    calls = {"broken": 0}

    def broken() -> dict[str, float]:
        calls["broken"] += 1
        raise OSError("counter went away")

    sampler = SystemSampler(3600, emitted.append, lambda topic, msg: warned.append(msg),
                            probes=[("broken", broken), ("steady", lambda: {"x": 1.0})])
    for _ in range(3):
        sampler.sample_now()
    sampler.close(final_sample=False)
    assert calls["broken"] == 1
    assert len(warned) == 1
    assert "broken" in warned[0]
    assert [e["values"] for e in emitted] == [{"system/x": 1.0}] * 3


def test_the_sampler_thread_stops_with_the_run() -> None:
    run = cairn.init(project="sys", settings={"system_interval": 0.05})
    run.finish()
    assert not [t for t in threading.enumerate() if t.name == "cairn-system"]


def test_a_stuck_probe_does_not_hold_up_close() -> None:
    entered, release = threading.Event(), threading.Event()
    warned: list[str] = []

    def stuck() -> dict[str, float]:
        entered.set()
        release.wait()  # a probe that never returns (a hung mount, a driver)
        return {"x": 1.0}

    sampler = SystemSampler(0.01, lambda body: None, lambda topic, msg: warned.append(msg),
                            probes=[("stuck", stuck)])
    assert entered.wait(30)
    closing = threading.Thread(target=sampler.close)
    closing.start()
    closing.join(timeout=60)
    try:
        assert not closing.is_alive()  # close() returned, without its final sample
        assert any("does not return" in msg for msg in warned)
    finally:
        release.set()
