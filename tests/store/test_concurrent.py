"""Many processes applying the same WALs into one store at once (DDP ranks syncing, or
several server workers taking the same upload) lose nothing and apply each record once."""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest

from cairn.records import Record
from cairn.store.base import MetadataStore
from cairn.store.registry import open_store
from cairn.testing_postgres import TemporaryPostgres

# Builds the same records in every process: 4 runs, each a run record, 30 history records
# of 10 points and a finish. Each process applies them in its own interleaving of the runs
# and its own batches, then all of them again.
_WORKER = r"""
import random, sys
import numpy as np
from cairn.records import Record, RunRef
from cairn.store.registry import open_store

def records():
    out = []
    for r in range(4):
        ref = RunRef("me", "p", f"run{r}")
        out.append(Record(ref, "s1", 1, "run", {
            "name": ref.run_id, "notes": "", "tags": ["t"], "group": None, "job_type": None,
            "start_time": 1000.0 + r, "host": "elsewhere", "pid": 1, "mode": "local",
            "resumed": False, "starting_step": 0, "at": 1000.0 + r}))
        for i in range(30):
            steps = np.arange(i * 10, i * 10 + 10, dtype="<i8")
            values = (steps * (r + 1)).astype("<f8")
            out.append(Record(ref, "s1", i + 2, "history", {
                "num": {"loss": [steps.tobytes(), values.tobytes(), "f"]}, "obj": {},
                "last_step": int(steps[-1]), "rows": 10, "at": 1001.0 + i}))
        out.append(Record(ref, "s1", 32, "finish",
                          {"exit_code": 0, "state": "finished", "at": 2000.0}))
    return out

def main(uri, seed):
    # Each run's WAL in order (as written), the runs interleaved differently per process.
    rng = random.Random(seed)
    queues = {}
    for record in records():
        queues.setdefault(record.run, []).append(record)
    todo = []
    while queues:
        run = rng.choice(sorted(queues, key=lambda ref: ref.run_id))
        todo.append(queues[run].pop(0))
        if not queues[run]:
            del queues[run]
    store = open_store(uri)
    try:
        at = 0
        while at < len(todo):
            size = rng.randint(1, 12)
            store.apply_records(todo[at:at + size])
            at += size
        store.apply_records(records())
    finally:
        store.close()

if __name__ == "__main__":
    main(sys.argv[1], int(sys.argv[2]))
"""
_PROCESSES = 8


def _uri(backend: str, folder: Path, request: pytest.FixtureRequest) -> str:
    if backend == "sqlite":
        return str(folder)
    server = request.getfixturevalue("postgres")
    assert isinstance(server, TemporaryPostgres)
    return server.uri(schema=server.new_schema())


def _run_workers(uri: str, folder: Path) -> None:
    script = folder / "apply_worker.py"
    script.write_text(_WORKER, encoding="utf-8")
    procs = [subprocess.Popen([sys.executable, str(script), uri, str(seed)],
                              stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
             for seed in range(_PROCESSES)]
    for proc in procs:
        output, _ = proc.communicate(timeout=120)
        assert proc.returncode == 0, output.decode()


def _records_once() -> list[Record]:
    namespace: dict[str, object] = {"__name__": "worker"}
    exec(compile(_WORKER, "apply_worker", "exec"), namespace)  # its records(), not main()
    build = namespace["records"]
    assert callable(build)
    return list(build())


@pytest.mark.slow
@pytest.mark.parametrize("backend", ["sqlite", "postgresql"])
def test_eight_processes_applying_at_once_lose_nothing(
        backend: str, tmp_path: Path, request: pytest.FixtureRequest,
        fresh_store: Callable[..., object], snapshot: Callable[[MetadataStore], str]) -> None:
    uri = _uri(backend, tmp_path, request)
    _run_workers(uri, tmp_path)
    store = open_store(uri)
    try:
        runs = store.query_runs("me", "p", order=["name"])
        assert [r.ref.run_id for r in runs] == [f"run{i}" for i in range(4)]
        for run in runs:
            steps, values, _ = store.read_series(run.pk, "loss")
            assert steps.tolist() == list(range(300))
            assert values.tolist() == [s * (int(run.ref.run_id[3:]) + 1) for s in range(300)]
            assert run.state == "finished"
            assert store.applied_progress(run.ref, "s1").mark == 32
        with fresh_store(backend) as once:  # type: ignore[attr-defined]
            once.apply_records(_records_once())
            assert snapshot(store) == snapshot(once)
    finally:
        store.close()
