"""System samples in the store: idempotent, hostile bodies ignored, thinning keeps spikes."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from cairn.records import Record, RunRef
from cairn.store.registry import open_store
from cairn.store.system import SystemSamples, clean_sample, thin

REF = RunRef("e", "p", "r")


def test_samples_apply_once_and_read_back_in_time_order(cairn_root: Path) -> None:
    store = open_store(cairn_root)
    try:
        records = [Record(REF, "s", 1, "run", {"name": "n", "at": 1.0})]
        records += [Record(REF, "s", i + 2, "system", {"at": 100.0 - i,
                                                       "values": {"system/cpu": float(i)}})
                    for i in range(5)]
        records.append(Record(REF, "s", 7, "system",
                              {"at": 50.0, "values": {"system/gpu.0.gpu": 9}}))
        store.apply_records(records)
        store.apply_records(records)
        row = store.get_run(REF)
        assert row is not None
        samples = store.system_samples(row.pk)
        assert samples.at.tolist() == [50.0, 96.0, 97.0, 98.0, 99.0, 100.0]
        assert np.isnan(samples.series["system/cpu"][0])
        assert samples.series["system/cpu"][1:].tolist() == [4.0, 3.0, 2.0, 1.0, 0.0]
        assert store.system_samples(row.pk, since=98.0).at.tolist() == [99.0, 100.0]
        only = store.system_samples(row.pk, keys=["system/gpu.0.gpu"])
        assert list(only.series) == ["system/gpu.0.gpu"]
    finally:
        store.close()


def test_hostile_sample_bodies_are_ignored_or_cut() -> None:
    assert clean_sample({"at": "now", "values": {"a": 1}}) is None
    assert clean_sample({"at": float("nan"), "values": {"a": 1}}) is None
    assert clean_sample({"at": 1, "values": [1, 2]}) is None
    assert clean_sample({"at": 1, "values": {"a": "x", "b": True, 3: 1}}) is None
    at, values = clean_sample({"at": 1, "values": {f"k{i}": i for i in range(5000)}}) or (0, {})
    assert at == 1.0
    assert len(values) == 1024


def test_thinning_keeps_every_spike() -> None:
    at = np.arange(10_000, dtype=np.float64)
    cpu = np.full(10_000, 5.0)
    cpu[7_777] = 100.0
    mem = np.linspace(0, 50, 10_000)
    mem[123] = -1.0
    thinned = thin(SystemSamples(at, {"cpu": cpu, "mem": mem}), 200)
    assert len(thinned) <= 2 * 200 + 2
    assert 100.0 in thinned.series["cpu"].tolist()
    assert -1.0 in thinned.series["mem"].tolist()
    assert thinned.at[0] == 0
    assert thinned.at[-1] == 9_999

